"""Time grains and their ISO labels.

A bucket is identified by the first day of its period; its label is ISO:
``2026-11-26`` (day), ``2026-W48`` (ISO week, Monday first), ``2026-11`` (month),
``2026-Q4`` (quarter), ``2026`` (year). Labels sort in time order as text.
"""

from __future__ import annotations

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
