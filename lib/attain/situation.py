"""Situation analysis (形势分析): where the business stands as of a date.

Pure functions work on small tidy frames (by month, or by month and channel);
``analyse(ds, as_of, lookback_months)`` asks ``attain.metrics.compute`` for those frames and
returns a ``Situation``; ``headline_findings`` turns it into sentences (zh/en). Periods:

- the *window* is ``lookback_months`` full months ending with the last full month before
  ``as_of`` (``as_of`` itself counts as full when it is the last day of its month);
- the month of ``as_of`` is the *partial* month (month to date); its growth compares the
  same days (1st to ``as_of``'s day) of last year and of the previous month;
- the *last full quarter* is compared with the same quarter a year earlier;
- "last 12 months" is the 12 full months ending with the last full month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from attain import i18n
from attain.errors import ParameterError
from attain.metrics import compute
from attain.timegrain import (last_full_quarter, month_end, month_label, month_range,
                              month_start, parse_date, quarter_bounds, shift_day, shift_month)

OVERVIEW_METRICS = ("gmv", "orders", "buyers", "aov", "gmv_per_buyer")


@dataclass(frozen=True)
class Window:
    as_of: dt.date
    months: tuple[str, ...]          # full months, oldest first
    partial_month: str | None        # the month of as_of when it is not complete
    start: dt.date                   # first day of the window
    end: dt.date                     # last day of the last full month

    @property
    def last_full_month(self) -> str:
        return self.months[-1]

    @property
    def mtd_start(self) -> dt.date | None:
        return month_start(self.partial_month) if self.partial_month else None

    def last(self, n: int) -> list[str]:
        """The last ``n`` full months (they may reach back before the window)."""
        return month_range(shift_month(self.last_full_month, 1 - n), self.last_full_month)


def month_window(as_of: str | dt.date, lookback_months: int) -> Window:
    day = parse_date(as_of, "as_of")
    current = month_label(day)
    complete = day == month_end(current)
    last_full = current if complete else shift_month(current, -1)
    months = tuple(month_range(shift_month(last_full, 1 - int(lookback_months)), last_full))
    return Window(day, months, None if complete else current, month_start(months[0]), month_end(last_full))


# --- growth ---------------------------------------------------------------------------

def growth(current, base) -> float:
    """current / base − 1; missing when either is missing or the base is not positive."""
    try:
        cur, bas = float(current), float(base)
    except (TypeError, ValueError):
        return float("nan")
    return cur / bas - 1 if bas > 0 else float("nan")


def growth_series(current, base) -> pd.Series:
    """``growth`` element by element."""
    cur = pd.Series(current, dtype=float).reset_index(drop=True)
    bas = pd.Series(base, dtype=float).reset_index(drop=True)
    return cur / bas.where(bas > 0) - 1


def add_growth(frame: pd.DataFrame, metrics, period: str = "month", by=()) -> pd.DataFrame:
    """Add ``<metric>_yoy`` (same month last year) and ``<metric>_mom`` (previous month).

    Months are matched by label, so a missing month gives a missing growth, never a wrong one.
    """
    by, metrics = list(by), list(metrics)
    out = frame.copy()
    for suffix, lag in (("yoy", 12), ("mom", 1)):
        base = frame[[period, *by, *metrics]].copy()
        base[period] = base[period].map(lambda m: shift_month(m, lag))
        merged = out[[period, *by]].merge(base, on=[period, *by], how="left")
        for m in metrics:
            out[f"{m}_{suffix}"] = growth_series(out[m].to_numpy(), merged[m].to_numpy()).to_numpy()
    return out


def complete_months(frame: pd.DataFrame, months, additive=("gmv", "orders", "buyers")) -> pd.DataFrame:
    """One row per month in ``months``: a month without rows had none of the additive measures."""
    out = frame.set_index("month").reindex(list(months)).rename_axis("month").reset_index()
    for col in additive:
        if col in out:
            out[col] = out[col].fillna(0)
    return out


def compare(current: dict, base: dict, metrics) -> pd.DataFrame:
    """One row per metric: current, base, change and growth."""
    rows = []
    for m in metrics:
        cur, bas = current.get(m), base.get(m)
        rows.append({"metric": m, "current": cur, "base": bas,
                     "change": None if cur is None or bas is None else cur - bas,
                     "growth": growth(cur, bas)})
    return pd.DataFrame(rows)


# --- shares and contribution ------------------------------------------------------------

def add_shares(frame: pd.DataFrame, values, period: str | None = "month") -> pd.DataFrame:
    """Add ``<value>_share``: each row's part of its period's total (of all rows if no period)."""
    out = frame.copy()
    for v in values:
        total = (out.groupby(period)[v].transform("sum") if period
                 else pd.Series(out[v].sum(), index=out.index))
        out[f"{v}_share"] = out[v] / total.where(total > 0)
    return out


def share_shifts(frame: pd.DataFrame, recent_months, values=("uv", "gmv"), key: str = "channel",
                 period: str = "month") -> pd.DataFrame:
    """Share of each ``key`` over ``recent_months`` vs the same months a year earlier.

    Shares are taken of the summed values (not averaged monthly shares). Columns:
    ``<v>_share_recent``, ``<v>_share_base``, ``<v>_shift`` (in share points, 0.02 = 2 pp).
    Sorted by the shift of the first value, largest gain first.
    """
    recent = list(recent_months)
    base = [shift_month(m, -12) for m in recent]
    keys = sorted(frame[key].dropna().unique())
    out = pd.DataFrame({key: keys})
    for v in values:
        for name, months in (("recent", recent), ("base", base)):
            sums = frame[frame[period].isin(months)].groupby(key)[v].sum().reindex(keys).fillna(0)
            total = sums.sum()
            out[f"{v}_share_{name}"] = (sums / total).to_numpy() if total > 0 else float("nan")
        out[f"{v}_shift"] = out[f"{v}_share_recent"] - out[f"{v}_share_base"]
    first = f"{list(values)[0]}_shift"
    return out.sort_values(first, ascending=False, kind="stable").reset_index(drop=True)


def growth_contribution(current: pd.Series, base: pd.Series, key: str = "channel") -> pd.DataFrame:
    """Each part's change and its contribution to the total change (change / total change).

    Contributions add up to 1 when the total changed; they are missing when it did not.
    A part can contribute more than 100% or a negative share when others moved the other way.
    """
    idx = current.index.union(base.index)
    cur = current.reindex(idx).fillna(0).astype(float)
    bas = base.reindex(idx).fillna(0).astype(float)
    change = cur - bas
    total_change = float(change.sum())
    out = pd.DataFrame({key: idx, "current": cur.to_numpy(), "base": bas.to_numpy(),
                        "change": change.to_numpy()})
    out["growth"] = growth_series(out["current"], out["base"]).to_numpy()
    out["contribution"] = out["change"] / total_change if total_change != 0 else float("nan")
    return out.sort_values("change", ascending=total_change < 0, kind="stable").reset_index(drop=True)


def overview_table(monthly: pd.DataFrame, window: Window, mtd: pd.DataFrame | None = None) -> pd.DataFrame:
    """The window's months (plus the partial month) with YoY/MoM growth and a ``partial`` flag.

    ``monthly`` holds the overview metrics by month, including the year before the window.
    ``mtd`` (optional) has rows ``current``, ``last_year``, ``prev_month`` for the partial
    month's like-for-like comparison; it replaces that month's growth figures.
    """
    metrics = [m for m in OVERVIEW_METRICS if m in monthly.columns]
    table = add_growth(monthly, metrics)
    keep = list(window.months) + ([window.partial_month] if window.partial_month else [])
    table = table.set_index("month").reindex(keep).rename_axis("month").reset_index()  # no data: missing
    table["partial"] = table["month"] == window.partial_month
    if mtd is not None and table["partial"].any():
        i = table.index[table["partial"]][0]
        for m in metrics:
            table.loc[i, f"{m}_yoy"] = growth(mtd.loc["current", m], mtd.loc["last_year", m])
            table.loc[i, f"{m}_mom"] = growth(mtd.loc["current", m], mtd.loc["prev_month", m])
    return table


# --- the wrapper ------------------------------------------------------------------------

@dataclass
class Situation:
    """Everything the situation report shows, as plain frames."""
    window: Window
    overview: pd.DataFrame           # month, metrics, <m>_yoy, <m>_mom, partial
    history: pd.DataFrame            # month, metrics: the window plus the year before it
    mtd: pd.DataFrame | None         # index current/last_year/prev_month; metrics
    quarter: str | None = None       # last full quarter, e.g. "2026-Q2"
    quarter_compare: pd.DataFrame | None = None      # metric, current, base, change, growth
    channel_monthly: pd.DataFrame | None = None      # month, channel, uv, gmv, orders, shares
    channels: pd.DataFrame | None = None             # channel totals over the window
    total_conversion: float | None = None
    shifts: pd.DataFrame | None = None               # share_shifts over the last 3 months
    contribution: pd.DataFrame | None = None         # last 12 months vs the 12 before
    trailing: tuple[str, str] | None = None          # first and last month of the last 12
    has_traffic: bool = False
    data_start: dt.date | None = None


def _full_months_from(day: dt.date) -> str:
    """The first month fully covered by data starting on ``day``."""
    month = month_label(day)
    return month if day.day == 1 else shift_month(month, 1)


def _totals(ds, metrics, start, end) -> dict:
    row = compute(ds, list(metrics), start=start, end=end)
    return {m: row[m].iloc[0] for m in metrics} if len(row) else {}


def _mtd(ds, window: Window) -> pd.DataFrame | None:
    """Month to date, the same days last year and the same days of the previous month."""
    if not window.partial_month:
        return None
    start, end = window.mtd_start, window.as_of
    ranges = {"current": (start, end),
              "last_year": (shift_day(start, -12), shift_day(end, -12)),
              "prev_month": (shift_day(start, -1), shift_day(end, -1))}
    rows = {name: _totals(ds, OVERVIEW_METRICS, s, e) for name, (s, e) in ranges.items()}
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(OVERVIEW_METRICS))


def _quarter(ds, as_of: dt.date, data_start: dt.date):
    q = last_full_quarter(as_of)
    first, last = quarter_bounds(q)
    if first < data_start:
        return None, None
    base_q = f"{int(q[:4]) - 1}{q[4:]}"
    frame = compute(ds, list(OVERVIEW_METRICS), grain="quarter", start=quarter_bounds(base_q)[0], end=last)
    rows = frame.set_index("quarter")
    cur = rows.loc[q].to_dict() if q in rows.index else {}
    base = rows.loc[base_q].to_dict() if base_q in rows.index and quarter_bounds(base_q)[0] >= data_start else {}
    return q, compare(cur, base, OVERVIEW_METRICS)


def _channels(ds, window: Window, first_month: str, has_traffic: bool) -> dict:
    values = ["uv", "gmv", "orders"] if has_traffic else ["gmv", "orders"]
    monthly = compute(ds, values, grain="month", by=["channel"], start=month_start(first_month), end=window.end)
    shared = add_shares(monthly, [v for v in ("uv", "gmv") if v in values])
    in_window = shared[shared["month"].isin(window.months)].reset_index(drop=True)
    totals = compute(ds, values + (["conversion_rate"] if has_traffic else []), by=["channel"],
                     start=window.start, end=window.end)
    totals = add_shares(totals, [v for v in ("uv", "gmv") if v in values], period=None)
    overall = _totals(ds, ["conversion_rate"], window.start, window.end) if has_traffic else {}
    last12, prev12 = window.last(12), [shift_month(m, -12) for m in window.last(12)]
    contribution = None
    if prev12[0] >= first_month:
        sums = monthly.groupby(["month", "channel"])["gmv"].sum().unstack("channel").fillna(0)
        contribution = growth_contribution(sums.reindex(last12).sum(), sums.reindex(prev12).sum())
    shifts = None
    if shift_month(window.last(3)[0], -12) >= first_month:
        shifts = share_shifts(monthly, window.last(3), values=[v for v in ("uv", "gmv") if v in values])
    return {"channel_monthly": in_window, "channels": totals,
            "total_conversion": overall.get("conversion_rate"), "shifts": shifts,
            "contribution": contribution, "trailing": (last12[0], last12[-1])}


def data_window(ds, as_of: str | dt.date, lookback_months: int) -> tuple[Window, dt.date, dt.date]:
    """The window of ``as_of``, and the orders data's first and last day; as_of must lie inside."""
    window = month_window(as_of, lookback_months)
    data_start, data_end = ds.date_range("orders")
    if not data_start <= window.as_of <= data_end:
        raise ParameterError(f"{window.as_of} is outside the orders data ({data_start} to {data_end})",
                             where="as_of", hint="choose an as_of inside the data, or refresh the data folder")
    return window, data_start, data_end


def analyse(ds, as_of: str | dt.date, lookback_months: int = 24) -> Situation:
    """Compute every frame of the situation report from a loaded dataset."""
    window, data_start, data_end = data_window(ds, as_of, lookback_months)
    earliest = min(window.months[0], window.last(12)[0])
    first_month = max(_full_months_from(data_start), shift_month(earliest, -12))
    monthly = complete_months(compute(ds, list(OVERVIEW_METRICS), grain="month", start=month_start(first_month),
                                      end=window.as_of), month_range(first_month, month_label(window.as_of)))
    mtd = _mtd(ds, window)
    quarter, quarter_compare = _quarter(ds, window.as_of, data_start)
    has_traffic = ds.has_table("traffic")
    return Situation(
        window=window, overview=overview_table(monthly, window, mtd),
        history=monthly[monthly["month"] <= window.last_full_month].reset_index(drop=True),
        mtd=mtd, quarter=quarter, quarter_compare=quarter_compare,
        has_traffic=has_traffic, data_start=data_start,
        **_channels(ds, window, first_month, has_traffic))


# --- headline findings ------------------------------------------------------------------

def _month_row(s: Situation, month: str | None) -> dict:
    hit = s.overview[s.overview["month"] == month]
    return hit.iloc[0].to_dict() if month and len(hit) else {}


def _hl_trailing(s: Situation, lang: str) -> str | None:
    first, last = s.trailing or (s.window.last(12)[0], s.window.last_full_month)
    span = i18n.fmt_month_span(first, last, lang)
    if s.data_start and s.data_start > month_start(first):
        return None  # the data do not cover the last 12 months
    c = s.contribution
    if c is None or not len(c):
        gmv = s.history[s.history["month"].between(first, last)]["gmv"].sum()
        return i18n.t("hl.trailing_no_base", lang, span=span, gmv=i18n.fmt_money(gmv, lang))
    cur, base = c["current"].sum(), c["base"].sum()
    text = i18n.t("hl.trailing", lang, span=span, gmv=i18n.fmt_money(cur, lang),
                  growth=i18n.fmt_growth(growth(cur, base)))
    top = c.iloc[0]  # sorted: biggest mover in the direction of the total change
    if cur != base and pd.notna(top["contribution"]):
        key = "hl.driver_up" if cur > base else "hl.driver_down"
        text += ("" if lang == "zh" else " ") + i18n.t(
            key, lang, channel=top["channel"], share=i18n.fmt_pct(top["contribution"], decimals=0),
            change=i18n.fmt_signed_money(top["change"], lang))
    return text


def _hl_quarter(s: Situation, lang: str) -> str | None:
    if s.quarter_compare is None:
        return None
    q = s.quarter_compare.set_index("metric")
    return i18n.t("hl.quarter", lang, quarter=i18n.fmt_quarter(s.quarter, lang),
                  gmv=i18n.fmt_money(q.loc["gmv", "current"], lang),
                  growth=i18n.fmt_growth(q.loc["gmv", "growth"]),
                  orders=i18n.fmt_growth(q.loc["orders", "growth"]),
                  gpb=i18n.fmt_growth(q.loc["gmv_per_buyer", "growth"]))


def _hl_month(s: Situation, lang: str) -> str | None:
    row = _month_row(s, s.window.last_full_month)
    if not row:
        return None
    return i18n.t("hl.month", lang, month=i18n.fmt_month(row["month"], lang), gmv=i18n.fmt_money(row["gmv"], lang),
                  yoy=i18n.fmt_growth(row["gmv_yoy"]), mom=i18n.fmt_growth(row["gmv_mom"]))


def _hl_mtd(s: Situation, lang: str) -> str | None:
    row = _month_row(s, s.window.partial_month)
    if not row:
        return None
    span = i18n.fmt_day_span(s.window.mtd_start, s.window.as_of, lang)
    key = "hl.mtd_no_base" if i18n.is_missing(row["gmv_yoy"]) else "hl.mtd"
    return i18n.t(key, lang, span=span, gmv=i18n.fmt_money(row["gmv"], lang), yoy=i18n.fmt_growth(row["gmv_yoy"]))


def _hl_shift(s: Situation, lang: str) -> str | None:
    if s.shifts is None or "uv_shift" not in s.shifts or s.shifts["uv_shift"].isna().all():
        return None
    ranked = s.shifts.dropna(subset=["uv_shift"]).sort_values("uv_shift", ascending=False, kind="stable")
    up, down = ranked.iloc[0], ranked.iloc[-1]
    return i18n.t("hl.shift", lang, up=up["channel"], up_pp=i18n.fmt_pp(up["uv_shift"], lang),
                  down=down["channel"], down_pp=i18n.fmt_pp(down["uv_shift"], lang))


def _hl_conversion(s: Situation, lang: str) -> str | None:
    if s.channels is None or "conversion_rate" not in s.channels:
        return None
    ranked = s.channels.dropna(subset=["conversion_rate"]).sort_values("conversion_rate", ascending=False)
    if len(ranked) < 2:
        return None
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    rate = lambda v: i18n.fmt_pct(v, decimals=2)  # noqa: E731
    return i18n.t("hl.conversion", lang, best=best["channel"], best_rate=rate(best["conversion_rate"]),
                  worst=worst["channel"], worst_rate=rate(worst["conversion_rate"]), total_rate=rate(s.total_conversion))


def headline_findings(s: Situation, lang: str) -> list[str]:
    """The report's answer in a few sentences, most important first."""
    if s.history.empty or s.history["gmv"].sum() == 0:
        return [i18n.t("hl.no_data", lang)]
    parts = (_hl_trailing, _hl_quarter, _hl_month, _hl_mtd, _hl_shift, _hl_conversion)
    return [text for text in (f(s, lang) for f in parts) if text]
