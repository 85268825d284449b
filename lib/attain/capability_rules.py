"""Capability maturity rules: the indicators, their directions and the verdicts (pure functions).

``INDICATORS`` maps each capability to its data indicators; ``measure_inputs`` measures them from a
``CapabilityInputs`` (frames only, no query); ``direction`` / ``evidence`` / ``verdict`` / ``judge``
turn the measurements into a verdict per self-assessed capability. Periods (口径):

- ``months`` indicators compare the last 12 full months with the 12 before (the mix section's
  period); their values are sums by channel of dictionary metrics (GMV, UV) and the dictionary's
  total conversion rate;
- ``quarter`` indicators compare the last full quarter with the same quarter a year earlier, read
  from the other sections' results: CAC from the efficiency section's quarters, new buyers and the
  repurchase rate from the customer section;
- ``as_of`` indicators describe the data as of ``as_of`` (the freshness section's tables).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from attain.metric_defs import METRICS, PARTS
from attain.timegrain import shift_quarter
from attain.timegrain import month_start, quarter_bounds

CAPABILITIES = ("brand", "acquisition", "content", "data_analysis", "crm", "conversion")
LEVELS = ("basic", "growing", "leading")                       # drawn as 1, 2, 3
CONTENT_CHANNELS = ("短视频", "直播", "KOL")
BRAND_CHANNELS = ("自然搜索",)


@dataclass(frozen=True)
class CapabilityRules:
    """The thresholds that turn an indicator into a direction."""
    #: a change indicator moves when its relative change is beyond ±this (0.05 = ±5 %), in the metric's better direction
    change: float = 0.05
    #: a share indicator moves when its share changes by more than ±this (0.01 = ±1 pp)
    share_pp: float = 0.01
    #: data freshness: the oldest table's last date at most this many days before as_of is good, then fair
    fresh_days: tuple[int, int] = (3, 14)
    #: data completeness: this many contract tables missing or fewer is good, then fair (more is poor)
    missing_tables: tuple[int, int] = (0, 1)


@dataclass(frozen=True)
class Indicator:
    capability: str
    id: str
    kind: str                         # change | share | lag | coverage
    metric: str | None = None         # dictionary metric (share: the summed value, e.g. gmv or uv)
    channels: tuple[str, ...] = ()    # channel filter (change) or the channels whose share is taken (share)
    period: str = "months"            # months (last 12 vs 12 before) | quarter (last full vs a year earlier) | as_of


#: capability -> its data indicators; the ONE place that maps capabilities to the metric dictionary
INDICATORS = (
    Indicator("brand", "brand_gmv_share", "share", "gmv", BRAND_CHANNELS),        # natural search = brand demand
    Indicator("brand", "brand_uv_share", "share", "uv", BRAND_CHANNELS),
    Indicator("acquisition", "cac", "change", "cac", period="quarter"),
    Indicator("acquisition", "new_buyers", "change", "new_buyers", period="quarter"),
    Indicator("content", "content_gmv_share", "share", "gmv", CONTENT_CHANNELS),
    Indicator("content", "content_gmv", "change", "gmv", CONTENT_CHANNELS),
    Indicator("crm", "repurchase_rate", "change", "repurchase_rate", period="quarter"),
    Indicator("conversion", "conversion_rate", "change", "conversion_rate"),
    Indicator("data_analysis", "freshness", "lag", period="as_of"),
    Indicator("data_analysis", "completeness", "coverage", period="as_of"),
)
POLARITY = {"improving": 1, "good": 1, "stable": 0, "fair": 0, "worsening": -1, "poor": -1}
#: (self-assessed level, evidence) -> verdict; evidence: positive (some improving, none worsening), negative,
#: mixed (both), flat (all stable), none (no indicator measured). "leading" with anything worsening contradicts.
VERDICTS = {
    "leading": {"positive": "supports", "negative": "contradicts", "mixed": "contradicts", "flat": "neutral"},
    "growing": {"positive": "supports", "negative": "contradicts", "mixed": "neutral", "flat": "neutral"},
    "basic": {"positive": "contradicts", "negative": "supports", "mixed": "neutral", "flat": "neutral"},
}


@dataclass
class CapabilityInputs:
    """What the indicators read (built by ``attain.capability.gather`` from a dataset and section results).

    ``channels``: "recent" / "base" -> channel, gmv[, uv] summed over ``months`` / ``base_months``;
    ``conversion``: "recent" / "base" -> the total ``conversion_rate`` (NaN without traffic);
    ``quarters``: metric -> values by quarter (index "2026-Q2"), None when the source has none, with
    ``why`` giving the reason ("no_table:spend", "no_ids"); ``covers``: metric -> the first day the
    source's window covers; ``tables``: the freshness section's ``tables`` (table, date_min,
    days_behind, ...); ``missing_tables``: contract tables not present.
    """
    as_of: dt.date
    months: list[str]
    base_months: list[str]
    quarter: str
    channels: dict[str, pd.DataFrame]
    conversion: dict[str, float]
    quarters: dict[str, pd.Series | None]
    covers: dict[str, dt.date]
    tables: pd.DataFrame
    missing_tables: list[str]
    why: dict[str, str] = field(default_factory=dict)


@dataclass
class CapabilityResult:
    indicators: pd.DataFrame          # capability, indicator, kind, metric, period, recent, base, change, direction,
    #                                   reason (why no data: 'no_table:spend'), detail (tables behind lag/coverage)
    verdicts: pd.DataFrame            # capability, level, note_zh, note_en, evidence, verdict
    period: tuple[str, str]           # the months indicators' last 12 full months
    as_of: object
    rules: CapabilityRules
    plan_file: Path | None = None
    plan_missing: bool = False
    quarter: str | None = None        # the quarter indicators' last full quarter


# --- directions and verdicts -----------------------------------------------------------------------

def direction(kind: str, change: float, better: str = "higher", rules: CapabilityRules = CapabilityRules()) -> str:
    """Direction of a change (``change``/``share`` kinds; a value exactly at the threshold is stable) or a state.

    ``lag``: ``change`` is the lag in days; ``coverage``: the number of missing contract tables.
    """
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "no_data"
    if kind in ("lag", "coverage"):
        good, fair = rules.fresh_days if kind == "lag" else rules.missing_tables
        return "good" if change <= good else "fair" if change <= fair else "poor"
    limit = rules.share_pp if kind == "share" else rules.change
    signed = change if better == "higher" else -change
    return "improving" if signed > limit + 1e-12 else "worsening" if signed < -limit - 1e-12 else "stable"


def evidence(directions) -> str:
    """positive / negative / mixed / flat / none from the directions of a capability's indicators."""
    signs = [POLARITY[d] for d in directions if d in POLARITY]
    if not signs:
        return "none"
    up, down = any(s > 0 for s in signs), any(s < 0 for s in signs)
    return "mixed" if up and down else "positive" if up else "negative" if down else "flat"


def verdict(level: str, ev: str) -> str:
    return VERDICTS[level].get(ev, "neutral")


def judge(assessment: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per assessed capability: its level, the evidence of its indicators and the verdict."""
    out = assessment.copy()
    dirs = indicators.groupby("capability")["direction"].apply(list)
    out["evidence"] = [evidence(dirs.get(c, [])) for c in out["capability"]]
    out["verdict"] = [verdict(lv, ev) for lv, ev in zip(out["level"], out["evidence"])]
    return out.reset_index(drop=True)


# --- measuring ---------------------------------------------------------------------------------------

def tables_of(ind: Indicator) -> list[str]:
    """The data tables behind an indicator's metric (first orders come from orders)."""
    if ind.metric is None:
        return []
    return sorted({"orders" if PARTS[p].table == "first_orders" else PARTS[p].table for p in METRICS[ind.metric].parts})


def _summed(frame: pd.DataFrame, metric: str, channels=()) -> float:
    rows = frame[frame["channel"].isin(channels)] if channels else frame
    return float(rows[metric].sum())


def _share(frame: pd.DataFrame, metric: str, channels) -> float:
    """Σ metric of ``channels`` ÷ Σ metric of all channels (a share of summed parts)."""
    total = _summed(frame, metric)
    return _summed(frame, metric, channels) / total if total > 0 else math.nan


def _months(ind: Indicator, inp: CapabilityInputs) -> tuple[float, float, float]:
    """(recent, base, change) of a months indicator: shares in points, others relative."""
    if ind.kind == "share":
        cur, old = (_share(inp.channels[p], ind.metric, ind.channels) for p in ("recent", "base"))
        return cur, old, cur - old
    if ind.metric == "conversion_rate":
        cur, old = inp.conversion["recent"], inp.conversion["base"]
    else:
        cur, old = (_summed(inp.channels[p], ind.metric, ind.channels) for p in ("recent", "base"))
    return cur, old, cur / old - 1 if old > 0 else math.nan


def _quarter(ind: Indicator, inp: CapabilityInputs, start: dt.date) -> tuple[float, float, str | None]:
    """(last full quarter, the same quarter a year earlier, reason when unknown) from the section's values."""
    values, base_q = inp.quarters.get(ind.metric), shift_quarter(inp.quarter, -4)
    if values is None:
        return math.nan, math.nan, inp.why.get(ind.metric)
    if quarter_bounds(base_q)[0] < start:
        return math.nan, math.nan, f"short_history:{quarter_bounds(base_q)[0].isoformat()}"
    if quarter_bounds(base_q)[0] < inp.covers[ind.metric]:
        return math.nan, math.nan, f"window:{base_q}"
    return float(values.get(inp.quarter, math.nan)), float(values.get(base_q, math.nan)), None


def measure_one(ind: Indicator, inp: CapabilityInputs, rules: CapabilityRules) -> dict:
    row = {"capability": ind.capability, "indicator": ind.id, "kind": ind.kind, "metric": ind.metric,
           "period": ind.period, "recent": math.nan, "base": math.nan, "change": math.nan, "reason": None,
           "detail": None}
    starts = inp.tables.set_index("table")["date_min"]
    if ind.kind == "lag":
        lags = inp.tables.set_index("table")["days_behind"]
        worst = lags.idxmax()
        row.update(recent=max(int(lags[worst]), 0), change=max(int(lags[worst]), 0), detail=worst)
    elif ind.kind == "coverage":
        total = len(inp.tables) + len(inp.missing_tables)
        row.update(recent=len(inp.tables), base=total, change=len(inp.missing_tables),
                   detail=", ".join(inp.missing_tables) or None)
    elif absent := [t for t in tables_of(ind) if t in inp.missing_tables]:
        row["reason"] = f"no_table:{absent[0]}"
    else:
        start = max(starts[t] for t in tables_of(ind))
        if ind.period == "quarter":
            cur, old, row["reason"] = _quarter(ind, inp, start)
            row.update(recent=cur, base=old, change=cur / old - 1 if old > 0 else math.nan)
        elif month_start(inp.base_months[0]) < start:
            row["reason"] = f"short_history:{month_start(inp.base_months[0]).isoformat()}"
        else:
            cur, old, change = _months(ind, inp)
            row.update(recent=cur, base=old, change=change)
    better = "higher" if ind.kind == "share" or ind.metric is None else METRICS[ind.metric].direction
    row["direction"] = direction(ind.kind, row["change"], better, rules)
    return row


def measure_inputs(inp: CapabilityInputs, rules: CapabilityRules = CapabilityRules()) -> pd.DataFrame:
    """Every indicator of ``INDICATORS``, one row each (columns as ``CapabilityResult.indicators``)."""
    return pd.DataFrame([measure_one(ind, inp, rules) for ind in INDICATORS])
