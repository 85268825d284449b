"""Time grains and their ISO labels.

A bucket is identified by the first day of its period; its label is ISO:
``2026-11-26`` (day), ``2026-W48`` (ISO week, Monday first), ``2026-11`` (month),
``2026-Q4`` (quarter), ``2026`` (year). Labels sort in time order as text.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd

from .errors import MetricError

GRAINS = ("day", "week", "month", "quarter", "year")
_IBIS_UNIT = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}


def check_grain(grain: str | None) -> str | None:
    if grain in (None, "", "none", "total"):
        return None
    if grain not in GRAINS:
        raise MetricError(f"unknown time grain '{grain}'", where="--by",
                          hint=f"use one of: {', '.join(GRAINS)} (or leave it out for totals)")
    return grain


def bucket(column, grain: str):
    """An ibis expression: the first day of the bucket holding ``column`` (a date or timestamp)."""
    is_ts = column.type().is_timestamp()
    if grain == "day":
        return column.date() if is_ts else column
    start = column.truncate(_IBIS_UNIT[grain])
    return start.date() if is_ts else start


def label(day: dt.date, grain: str) -> str:
    day = pd.Timestamp(day).date()
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def labels(days: pd.Series, grain: str) -> pd.Series:
    return days.map(lambda d: label(d, grain))


def parse_date(text: str | dt.date | None, what: str) -> dt.date | None:
    if text is None or text == "":
        return None
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise MetricError(f"'{text}' is not a date", where=what,
                          hint="write dates as YYYY-MM-DD, e.g. 2026-08-15") from None


# --- month and quarter arithmetic on labels ---------------------------------------------

def month_label(day: dt.date) -> str:
    return label(day, "month")


def month_start(text: str) -> dt.date:
    year, month = (int(p) for p in text.split("-")[:2])
    return dt.date(year, month, 1)


def month_end(text: str) -> dt.date:
    first = month_start(text)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def shift_month(text: str, months: int) -> str:
    """``shift_month("2026-01", -1) == "2025-12"``."""
    first = month_start(text)
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12}-{index % 12 + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    out, cur = [], first
    while cur <= last:
        out.append(cur)
        cur = shift_month(cur, 1)
    return out


def shift_day(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` away, clipped to the end of a shorter month."""
    month = shift_month(month_label(day), months)
    return month_start(month).replace(day=min(day.day, month_end(month).day))


def quarter_bounds(text: str) -> tuple[dt.date, dt.date]:
    year, q = text.split("-Q")
    first = dt.date(int(year), 3 * int(q) - 2, 1)
    return first, month_end(month_label(first.replace(month=first.month + 2)))


def last_full_quarter(as_of: dt.date) -> str:
    first, last = quarter_bounds(label(as_of, "quarter"))
    return label(as_of if as_of == last else first - dt.timedelta(days=1), "quarter")


def shift_quarter(text: str, quarters: int) -> str:
    """``shift_quarter("2026-Q1", -1) == "2025-Q4"``."""
    return label(month_start(shift_month(quarter_bounds(text)[0].strftime("%Y-%m"), 3 * quarters)), "quarter")
