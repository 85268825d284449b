"""What drove the result (驱动因素分析): a period's GMV against the same period a year earlier and against target.

口径 (every value from :func:`attain.metrics.compute`, the metric dictionary):

- **Days.** The period's days up to ``as_of`` and the last day of the orders data; the base is the same days a
  year earlier (``shift_day(-12)``). ``reason = "no_base"`` when the orders data do not reach back to it.
- **Factors.** GMV = UV × conversion rate (orders ÷ UV) × AOV (GMV ÷ orders), exactly, in total and per channel
  (traffic and orders share the channel dimension). Without a traffic table, or one that does not cover both
  periods, GMV = orders × AOV (``fallback``).
- **Total decomposition** (``effects``): LMDI-I (:mod:`attain.lmdi`) on the totals; the effects add up to the
  GMV change exactly.
- **By channel** (``channel_effects``): LMDI-I within each channel; summed over channels, plus ``new`` (channels
  without GMV a year earlier), ``lost`` (without GMV now) and ``no_traffic`` (the GMV change of channels with
  orders but no traffic in a period, which cannot be split into UV × conversion), they add up to the GMV change
  exactly. The sums of the factors over channels differ from the total ones by the channel mix: a shift of
  orders to a low-AOV channel lowers the total AOV while every channel's AOV may rise.
- **Contribution to growth** (贡献度, ``segments``): per channel, category and region, the GMV change and its
  share of the total change (:func:`attain.lmdi.contributions`). An order with lines in several categories
  counts in each; GMV adds up.
- **Against target** (``gap``): ``plan_targets`` are rows of a targets file (:mod:`attain.targets_store`:
  ``metric``, ``scope``, ``level``, ``period_bucket``, channel/category/region, ``target``): the GMV rows at
  month level for the period's months, summed per segment of each dimension column; the actual is GMV over
  the period within the targets' scope; gap = actual − target, share = gap ÷ total gap.

The words, tables, charts and the section (``finding``, ``effects_table``, ``waterfall``, ``show`` …) are in
:mod:`attain.drivers_view`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attain.errors import ParameterError
from attain.lmdi import check_exact, contributions, lmdi, segment_lmdi
from attain.metrics import compute
from attain.splitting import parse_period
from attain.targets import period_bounds, yoy_period
from attain.timegrain import parse_date, shift_day

FACTORS = ("uv", "conversion_rate", "aov")
FALLBACK = ("orders", "aov")
DIMS = ("channel", "category", "region")
NO_TRAFFIC = "no_traffic"


@dataclass
class Drivers:
    """The decomposition of one period (口径: module docstring). Frames are None when ``reason`` says why."""
    period: str
    base_period: str
    as_of: dt.date
    span: tuple[dt.date, dt.date]
    base_span: tuple[dt.date, dt.date]
    factors: tuple[str, ...]
    totals: pd.DataFrame                       # metric, base, current, change, growth
    effects: pd.DataFrame | None = None        # component, effect, share (total level)
    channel_effects: pd.DataFrame | None = None  # tidy: segment, factor, effect
    channel_totals: pd.Series | None = None    # component -> effect, adding up to the change
    segments: dict[str, pd.DataFrame] = field(default_factory=dict)  # dim -> contributions
    gap: dict[str, pd.DataFrame] = field(default_factory=dict)       # dim -> contributions(target, actual)
    gap_total: dict | None = None              # target, actual, gap, rate
    fallback: str | None = None                # None | "no_traffic"
    reason: str | None = None                  # None | "no_base"
    gap_reason: str | None = None              # no_targets | no_gmv_targets | months_missing | period_incomplete
    gap_detail: str = ""
    tables: tuple[str, ...] = ("orders",)

    @property
    def partial(self) -> bool:
        return self.span[1] < period_bounds(self.period)[1]


# --- compute -------------------------------------------------------------------------------

def _covers(ds, table: str, start: dt.date, end: dt.date) -> bool:
    lo, hi = ds.date_range(table) if ds.has_table(table) else (None, None)
    return lo is not None and lo <= start and hi >= end


def _values(ds, metrics, span, by=(), where=None) -> pd.DataFrame:
    return compute(ds, metrics, by=list(by), start=span[0], end=span[1], where=where)


def _totals(t0: pd.Series, t1: pd.Series, metrics) -> pd.DataFrame:
    rows = [{"metric": m, "base": float(t0[m]), "current": float(t1[m])} for m in metrics]
    out = pd.DataFrame(rows)
    out["change"] = out["current"] - out["base"]
    out["growth"] = out["current"] / out["base"].where(out["base"] > 0) - 1
    return out


def _channel_split(c0: pd.DataFrame, c1: pd.DataFrame, factors) -> tuple[pd.DataFrame, pd.Series]:
    """LMDI-I per channel; channels with orders but no traffic in a period go whole to ``no_traffic``."""
    odd = set()
    if "uv" in factors:
        for c in (c0, c1):
            odd |= set(c.loc[(c["uv"] == 0) & (c["gmv"] > 0), "channel"])
    seg = segment_lmdi(c0[~c0["channel"].isin(odd)], c1[~c1["channel"].isin(odd)], "channel", factors)
    g0, g1 = (c.set_index("channel")["gmv"] for c in (c0, c1))
    extra = [{"segment": ch, "factor": NO_TRAFFIC, "effect": float(g1.get(ch, 0) - g0.get(ch, 0))}
             for ch in sorted(odd)]
    effects = pd.concat([seg.effects, pd.DataFrame(extra, columns=seg.effects.columns)], ignore_index=True)
    totals = pd.concat([seg.totals, pd.Series({NO_TRAFFIC: math.fsum(e["effect"] for e in extra)})])
    check_exact(totals.to_list(), float(g0.sum()), float(g1.sum()))
    return effects, totals


def _scope(plan: pd.DataFrame) -> dict[str, list[str]]:
    """The targets' scope ("channel=直播;region=一线城市,二线城市") as a compute ``where``."""
    scopes = set(plan["scope"].fillna("").astype(str)) if "scope" in plan else {""}
    if len(scopes) > 1:
        raise ParameterError(f"plan_targets mix scopes {sorted(scopes)}", where="plan_targets",
                             hint="pass the targets of one goal (one targets file)")
    out: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in scopes.pop().split(";"))):
        key, _, values = part.partition("=")
        out[key.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return out


def _gap(d: Drivers, ds, plan: pd.DataFrame | None) -> None:
    """Fill ``d.gap``/``gap_total`` from the GMV month targets of the period, or ``gap_reason``."""
    if plan is None:
        d.gap_reason = "no_targets"
        return
    rows = plan[plan["metric"] == "gmv"] if "metric" in plan else plan
    rows = rows[rows["level"] == "month"] if "level" in rows else rows
    if rows.empty or "target" not in rows:
        d.gap_reason = "no_gmv_targets"
        return
    months = parse_period(d.period)[1]
    rows = rows[rows["period_bucket"].astype(str).isin(months)]
    if missing := [m for m in months if m not in set(rows["period_bucket"].astype(str))]:
        d.gap_reason, d.gap_detail = "months_missing", ", ".join(missing)
        return
    if d.partial:
        d.gap_reason, d.gap_detail = "period_incomplete", d.span[1].isoformat()
        return
    where = _scope(rows)
    target = math.fsum(rows["target"].astype(float))
    actual = float(_values(ds, ["gmv"], d.span, where=where)["gmv"].sum())
    d.gap_total = {"target": target, "actual": actual, "gap": actual - target,
                   "rate": actual / target if target else math.nan}
    for dim in (c for c in DIMS if c in rows):
        tgt = rows.groupby(dim, sort=False)["target"].sum().astype(float)
        act = _values(ds, ["gmv"], d.span, by=[dim], where=where).set_index(dim)["gmv"]
        g = contributions(tgt, act)
        g["rate"] = g["v1"] / g["v0"].where(g["v0"] > 0)
        d.gap[dim] = g


def drivers(ds, period: str, plan_targets: pd.DataFrame | None = None, *, as_of=None) -> Drivers:
    """GMV of ``period`` vs the same period a year earlier, decomposed into UV × conversion × AOV (in total and
    per channel), contributions by channel, category and region, and the gap to ``plan_targets`` (口径: module
    docstring). ``as_of`` (default: the period's last day) cuts a period not yet over."""
    start, end = period_bounds(period)
    as_of = parse_date(as_of, "as_of") or end
    last = min(end, as_of, ds.date_range("orders")[1])
    if last < start:
        raise ParameterError(f"no orders in {period} up to {last}", where="period", hint="pick an earlier period")
    span, base_span = (start, last), (shift_day(start, -12), shift_day(last, -12))
    traffic = _covers(ds, "traffic", base_span[0], span[1])
    factors = FACTORS if traffic else FALLBACK
    metrics = list(dict.fromkeys(["gmv", "orders", *factors]))
    d = Drivers(period, yoy_period(period), as_of, span, base_span, factors, None,
                fallback=None if traffic else "no_traffic", tables=("orders", "traffic") if traffic else ("orders",))
    t1 = _values(ds, metrics, span).iloc[0]
    if not _covers(ds, "orders", base_span[0], base_span[0]):
        d.totals, d.reason = _totals(t1 * np.nan, t1, metrics), "no_base"
    else:
        t0 = _values(ds, metrics, base_span).iloc[0]
        d.totals = _totals(t0, t1, metrics)
        e = lmdi({f: t0[f] for f in factors}, {f: t1[f] for f in factors})
        d.effects = pd.DataFrame({"component": list(e), "effect": list(e.values())})
        d.effects["share"] = d.effects["effect"] / math.fsum(e.values()) if t1["gmv"] != t0["gmv"] else np.nan
        c0, c1 = _values(ds, metrics, base_span, by=["channel"]), _values(ds, metrics, span, by=["channel"])
        d.channel_effects, d.channel_totals = _channel_split(c0, c1, factors)
        d.segments["channel"] = contributions(c0.set_index("channel")["gmv"], c1.set_index("channel")["gmv"])
        for dim in DIMS[1:]:
            g0, g1 = (_values(ds, ["gmv"], s, by=[dim]).set_index(dim)["gmv"] for s in (base_span, span))
            d.segments[dim] = contributions(g0, g1)
    _gap(d, ds, plan_targets)
    return d


__all__ = ["DIMS", "FACTORS", "FALLBACK", "NO_TRAFFIC", "Drivers", "drivers"]
