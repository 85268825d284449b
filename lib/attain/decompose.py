"""Target decomposition (目标分解): one goal's target split into time buckets and dimension values.

``decompose(ds, metric, scope, period, target, as_of, grain=, dims=, weights=)`` returns a
``Decomposition`` whose ``targets`` table has one row per level (year / quarter / month, from
the goal's period down to ``grain``), time bucket and dimension value. 口径:

- **Seasonal weights.** The history is the last ``history_years`` full calendar years before
  the goal's year (and before ``as_of``) that the metric's tables cover. A month's weight is
  its share of the goal period's months in each history year, averaged over the years:
  a year goal uses each month's share of its year, a quarter goal each month's share of its
  quarter. Month targets follow the weights; quarters and the year are sums of their months.
- **Growth.** Weights are shares, so by default (``trend="uniform"``) the growth the target
  asks for applies equally to every month over its seasonal baseline: a +20% year is +20% in
  every quarter, not +5% a quarter. ``trend="compound"`` instead makes the target's growth
  rate a steady monthly compounding inside the period: the history's own in-year ramp
  (its growth rate g_h, compound annual growth between the history years) is replaced by the
  target's (g_t = target ÷ same period last year − 1): month k of the period (k = 0, 1, …)
  is weighted by ((1+g_t)/(1+g_h))^(k/12), then the weights are normalised again.
- **Dimensions.** Each month is split by the average share of each dimension value in the
  same month of the history years, or by explicit ``weights`` (normalised, the same in every
  month; values left out get no target).
- **Exact sums.** Money is planned in cents, counts in whole units; every split uses the
  largest-remainder method, so months add up to their quarter and to the period total, and
  dimension values to their month, exactly. In a tie the larger weight, then the later
  bucket, takes the extra unit (100.00 in three equal parts: 33.33, 33.33, 33.34).
- **Ratios** (conversion rate = orders ÷ UV, AOV = GMV ÷ orders, CAC = spend ÷ new buyers, …):
  the denominator is planned at its value over the same period a year earlier (or
  ``denominator_plan``), the numerator at target × denominator; each is split additively by its
  own history. Every part's ratio is its numerator ÷ its denominator, so the parts recompose
  to the target (Σ numerators ÷ Σ denominators = target, up to the rounding of the numerator).
  A part's ratio target is its historical ratio scaled by target ÷ historical ratio.
- **Tracking.** Each row also carries ``phase`` (done / in_progress / ahead at ``as_of``),
  the actual to date (up to ``as_of``) and the actual of the same bucket a year earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from attain.errors import MetricError, ParameterError
from attain.metric_defs import METRICS, PARTS
from attain.metrics import compute
# re-exported: these moved out of this module and are still imported from it
from attain.splitting import (  # noqa: F401
    _dim_shares, _grid, _growths, _in_year, _plan, _ratio, _time_weights, _weights_frame, bucket_bounds,
    bucket_label, compound_adjust, parse_period, phase, split_exact, to_units)
from attain.targets_store import (  # noqa: F401
    _GOAL_ID, TARGETS_DIR, _check_goal_id, _folder, latest_targets, read_targets, target_versions,
    write_targets)
from attain.timegrain import month_end, month_start, parse_date, shift_day, shift_month

LEVELS = ("year", "quarter", "month")
ADDITIVE = ("gmv", "returned_gmv", "net_sales", "orders", "new_buyers", "uv", "pv", "sessions",
            "bounces", "spend", "impressions", "clicks")
#: ratio metric -> (numerator, denominator); each is a metric id or a DERIVED measure
RATIOS = {"conversion_rate": ("orders", "uv"), "aov": ("gmv", "orders"), "cac": ("spend", "new_buyers"),
          "cpa": ("spend", "orders"), "roas": ("gmv", "spend"), "ctr": ("clicks", "impressions"),
          "cpc": ("spend", "clicks"), "return_rate": ("returned_orders", "orders"),
          "bounce_rate": ("bounces", "bounce_base"), "gross_margin": ("gross_profit", "net_sales")}
#: measures that are not metric ids: (ratio metric, other measure, "times" | "into")
#: value = ratio × other ("times") or other ÷ ratio ("into"; 0 where the ratio is 0)
DERIVED = {"returned_orders": ("return_rate", "orders", "times"),
           "gross_profit": ("gross_margin", "net_sales", "times"),
           "bounce_base": ("bounce_rate", "bounces", "into")}
MONEY = {"gross_profit"} | {m.id for m in METRICS.values() if m.unit == "CNY"}
NOT_ADDITIVE = {"buyers": "distinct buyers do not add up across months or segments",
                "gmv_per_buyer": "its denominator, distinct buyers, does not add up across months",
                "repurchase_rate": "repeat buyers and buyers are distinct counts that do not add up",
                "roi": "its numerator (profit after spend) can be negative month by month"}
START_SLACK_DAYS = 3   # a year counts as covered when the data start by 3 January


# --- helpers -------------------------------------------------------------------------------

def scale_of(measure: str) -> int:
    return 100 if measure in MONEY else 1


def can_decompose(metric: str) -> str | None:
    """None when ``metric`` can be decomposed, else the reason in words."""
    if metric in ADDITIVE or metric in RATIOS:
        return None
    if metric in NOT_ADDITIVE:
        return f"'{metric}' cannot be split into parts that add up: {NOT_ADDITIVE[metric]}"
    return f"'{metric}' is not in the metric dictionary"


# --- the result ----------------------------------------------------------------------------

@dataclass
class Decomposition:
    """A goal's target decomposed (see the module's docstring for the 口径).

    ``targets``: level, period_bucket, the ``dims`` columns, target, [numerator, denominator],
    phase, actual, [actual_numerator, actual_denominator], last_year,
    [last_year_numerator, last_year_denominator] — bracketed columns for ratio metrics.
    Filter by ``level`` before summing. ``weights``: measure, month, one ``y<year>`` column per
    history year (each month's share that year), weight (the one used).
    """
    metric: str
    scope: dict
    period: str
    level: str
    grain: str
    dims: tuple[str, ...]
    target: float
    as_of: dt.date
    targets: pd.DataFrame
    weights: pd.DataFrame
    history: tuple[int, ...]
    tables: tuple[str, ...]
    numerator: str | None = None
    denominator: str | None = None
    trend: str = "uniform"
    explicit_weights: bool = False
    denominator_given: bool = False    # the denominator was planned by the caller, not a year earlier
    notes: list[tuple[str, dict]] = field(default_factory=list)   # (text key, raw values) for viz_decompose
    monthly: pd.DataFrame = field(default=None, repr=False)   # month-level units, for rollups

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None

    @property
    def levels(self) -> tuple[str, ...]:
        return LEVELS[LEVELS.index(self.level): LEVELS.index(self.grain) + 1]

    def totals(self, level: str | None = None) -> pd.DataFrame:
        """The targets of ``level`` (default: the grain) summed over the dimensions, with each
        bucket's ``share`` of the period (additive metrics) and ``vs_last_year`` (target ÷ last year − 1)."""
        out = _rollup(self, level or self.grain, ())
        if not self.is_ratio:
            whole = out["target"].sum()
            out["share"] = out["target"] / whole if whole else np.nan
        out["vs_last_year"] = out["target"] / out["last_year"].where(out["last_year"] != 0) - 1
        return out

    def plan_frame(self, goal_id: str) -> pd.DataFrame:
        """The plan columns written by ``write_targets`` (no actuals: tracking computes those)."""
        cols = ["level", "period_bucket", *self.dims, "target"] + (["numerator", "denominator"] if self.is_ratio else [])
        out = self.targets[cols].copy()
        scope = ";".join(f"{k}={v if isinstance(v, str) else ','.join(map(str, v))}" for k, v in self.scope.items())
        out.insert(0, "planned_on", self.as_of.isoformat())
        for i, (k, v) in enumerate({"goal_id": goal_id, "metric": self.metric, "scope": scope,
                                    "period": self.period}.items()):
            out.insert(i, k, v)
        if self.is_ratio:
            out["numerator_metric"], out["denominator_metric"] = self.numerator, self.denominator
        return out


# --- data ----------------------------------------------------------------------------------

def _ids(measure: str) -> list[str]:
    return list(DERIVED[measure][:2]) if measure in DERIVED else [measure]


def _tables(measures) -> tuple[str, ...]:
    names = [PARTS[p].table for m in measures for i in _ids(m) for p in METRICS[i].parts]
    return tuple(dict.fromkeys("orders" if t == "first_orders" else t for t in names))


def _coverage(ds, tables) -> tuple[dt.date, dt.date]:
    for t in tables:
        if not ds.has_table(t):
            raise MetricError(f"the {t} table is missing", file=ds.data_dir, hint=f"add {t}.csv to decompose this metric")
    ranges = [ds.date_range(t) for t in tables]
    return max(r[0] for r in ranges), min(r[1] for r in ranges)


def find_history_years(cover: tuple[dt.date, dt.date], first_month: str, as_of: dt.date, wanted: int) -> list[int]:
    """The last ``wanted`` calendar years before the period's year, ended by ``as_of``, inside ``cover``."""
    first, last = cover
    ok = [y for y in range(first.year, int(first_month[:4]))
          if first <= dt.date(y, 1, 1) + dt.timedelta(days=START_SLACK_DAYS)
          and dt.date(y, 12, 31) <= min(last, as_of)]
    return ok[-wanted:]


def _history_cover(cover, measures) -> tuple[dt.date, dt.date]:
    """New buyers count from the first order in the data, so the data's first 12 months hold too many
    of them (earlier customers look new): they are left out of the history."""
    if any("new_buyers" in _ids(m) for m in measures):
        return shift_day(cover[0], 12), cover[1]
    return cover


def _fetch(ds, measures, dims, scope, start: dt.date, end: dt.date) -> pd.DataFrame:
    """month, dims…, one column per measure (monthly sums, in the engine, with the scope's filters)."""
    ids = list(dict.fromkeys(i for m in measures for i in _ids(m)))
    f = compute(ds, ids, grain="month", by=list(dims), start=start, end=end, where=scope)
    out = f[["month", *dims]].copy()
    for m in measures:
        if m in DERIVED:
            rate, other, how = DERIVED[m]
            v = f[rate] * f[other] if how == "times" else f[other] / f[rate].where(f[rate] != 0)
            v = v.astype(float).fillna(0.0)
            out[m] = v.round() if scale_of(m) == 1 else v
        else:
            out[m] = f[m].astype(float).fillna(0.0)
    return out


def _covered(month: str, cover, as_of: dt.date) -> bool:
    """The data hold the whole month (allowing START_SLACK_DAYS at the start of the data)."""
    return (cover[0] <= month_start(month) + dt.timedelta(days=START_SLACK_DAYS)
            and month_end(month) <= min(as_of, cover[1]))


# --- checks --------------------------------------------------------------------------------

def _check_grain(level: str, grain: str, period: str) -> str:
    if grain not in LEVELS:
        raise ParameterError(f"unknown grain '{grain}'", where="grain", hint="use month, quarter or year")
    if LEVELS.index(grain) < LEVELS.index(level):
        raise ParameterError(f"the goal period {period} is a {level}: it cannot be split into {grain}s",
                             where="grain", hint=f"use grain='{level}' or a finer grain")
    return grain


def _check_weights(weights, dims) -> dict[str, float] | None:
    if weights is None:
        return None
    if len(dims) != 1:
        raise ParameterError("explicit weights need exactly one dimension in dims", where="weights",
                             hint='e.g. dims=("channel",), weights={"直播": 0.3, "私域": 0.2, ...}')
    clean = {}
    for k, v in weights.items():
        try:
            clean[str(k)] = float(v)
        except (TypeError, ValueError):
            clean[str(k)] = float("nan")
        if not clean[str(k)] >= 0:
            raise ParameterError(f"the weight of {k} is {v!r}: weights must be numbers ≥ 0", where="weights")
    if sum(clean.values()) <= 0:
        raise ParameterError("the weights add up to 0", where="weights", hint="give at least one positive weight")
    return clean


def _keys(data, dims, measure, years, weights) -> list[tuple]:
    """Dimension values (tuples): by history total of ``measure``, largest first; explicit weights first."""
    if not dims:
        return [()]
    totals: dict[tuple, float] = {}
    for row in data[["month", *dims, measure]].itertuples(index=False):
        k = tuple(row[1:-1])
        totals[k] = totals.get(k, 0.0) + (row[-1] if int(row[0][:4]) in years else 0.0)
    order = sorted(totals, key=lambda k: (-totals[k], k))
    if weights is None:
        return order
    known = {k[0] for k in order}
    unknown = [v for v in weights if v not in known]
    if unknown:
        raise ParameterError(f"unknown {dims[0]} value(s) in the weights: {', '.join(unknown)}", where="weights",
                             hint=f"the data (within the scope) have: {', '.join(sorted(known)) or 'none'}")
    return [(v,) for v in weights] + [k for k in order if k[0] not in weights]


# --- decompose -----------------------------------------------------------------------------

def decompose(ds, metric: str, scope: dict | None, period: str, target: float, as_of, *,
              grain: str = "month", dims=(), weights: dict | None = None, history_years: int = 2,
              trend: str = "uniform", denominator_plan: float | None = None) -> Decomposition:
    """Decompose ``target`` (an absolute value of ``metric`` over ``period`` within ``scope``)."""
    reason = can_decompose(metric)
    if reason:
        raise MetricError(reason, where="metric", hint="decompose an additive metric (GMV, orders, …) instead")
    level, months = parse_period(period)
    grain = _check_grain(level, grain, str(period))
    dims, scope, as_of = tuple(dict.fromkeys(dims or ())), dict(scope or {}), parse_date(as_of, "as_of")
    if trend not in ("uniform", "compound") or (trend == "compound" and metric in RATIOS):
        raise ParameterError(f"trend '{trend}' does not apply here", where="trend",
                             hint="use 'uniform', or 'compound' for an additive metric")
    try:
        target = float(target)
    except (TypeError, ValueError):
        target = float("nan")
    if not np.isfinite(target) or target < 0:
        raise ParameterError(f"the target {target!r} is not a number ≥ 0", where="target",
                             hint="pass the absolute target value (relative targets are resolved by the caller)")
    explicit = _check_weights(weights, dims)
    measures = list(RATIOS.get(metric, (metric,)))
    tables = _tables(measures)
    cover = _coverage(ds, tables)
    years = find_history_years(_history_cover(cover, measures), months[0], as_of, int(history_years))
    if not years:
        raise MetricError(f"no full calendar year of {', '.join(tables)} data before {period} up to {as_of} "
                          f"(the data cover {cover[0]} to {cover[1]})", where="history",
                          hint="seasonal weights need at least one full year of history")
    end = min(as_of, month_end(months[-1]), cover[1])
    data = _fetch(ds, measures, dims, scope, min(dt.date(years[0], 1, 1), month_start(shift_month(months[0], -12))), end)
    keys = _keys(data, dims, measures[-1], years, explicit)
    vec = None if explicit is None else [explicit.get(k[0], 0.0) for k in keys]
    num, den = measures if metric in RATIOS else (None, None)
    d = Decomposition(metric, scope, str(period), level, grain, dims, target, as_of, targets=None, weights=None,
                      history=tuple(years), tables=tables, numerator=num, denominator=den, trend=trend,
                      explicit_weights=explicit is not None)
    ly_months = [shift_month(m, -12) for m in months]
    grids = {}
    for x in measures:
        hist = {y: _grid(data, x, dims, keys, _in_year(months, y)) for y in years}
        actual = _grid(data, x, dims, keys, months)
        actual[[month_start(m) > min(as_of, cover[1]) for m in months]] = np.nan
        last = _grid(data, x, dims, keys, ly_months)
        last[[not _covered(m, cover, as_of) for m in ly_months]] = np.nan
        grids[x] = (hist, actual, last)
    units, frames = _plan_all(d, grids, vec, months, years, denominator_plan)
    d.weights = pd.concat(frames, ignore_index=True)
    d.monthly = _monthly_frame(d, grids, units, keys, months)
    d.targets = pd.concat([_rollup(d, lv, dims) for lv in d.levels], ignore_index=True)
    _add_notes(d, years, history_years, keys, vec)
    return d


def _plan_all(d: Decomposition, grids, vec, months, years, denominator_plan):
    """Whole units per measure (months × keys) and the weights used."""
    if not d.is_ratio:
        x = d.metric
        hist, _, last = grids[x]
        adjust = None
        if d.trend == "compound":
            g = _growths(d.target, last, hist, years)
            if g is None:
                d.notes.append(("dec.note.trend_skipped", {}))
            else:
                adjust = lambda w: compound_adjust(w, *g)
                d.notes.append(("dec.note.compound", {"gt": g[0], "gh": g[1]}))
        u, w, per = _plan(to_units(d.target, scale_of(x)), hist, vec, adjust)
        return {x: u}, [_weights_frame(x, months, w, per)]
    num, den = d.numerator, d.denominator
    d.denominator_given = denominator_plan is not None
    if denominator_plan is None:
        base = grids[den][2]
        if np.isnan(base).any() or base.sum() <= 0:
            raise MetricError(f"no {den} in the same period a year earlier to plan the denominator of {d.metric}",
                              where="denominator", hint=f"pass denominator_plan= (the planned {den})")
        denominator_plan = float(base.sum())
    den_units = to_units(denominator_plan, scale_of(den))
    num_units = to_units(Fraction(str(d.target)) * Fraction(den_units, scale_of(den)), scale_of(num))
    num_hist = grids[num][0] if any(g.sum() > 0 for g in grids[num][0].values()) else grids[den][0]
    units, frames = {}, []
    for x, total, hist in ((num, num_units, num_hist), (den, den_units, grids[den][0])):
        units[x], w, per = _plan(total, hist, vec)
        frames.append(_weights_frame(x, months, w, per))
    return units, frames


def _monthly_frame(d: Decomposition, grids, units, keys, months) -> pd.DataFrame:
    rows = []
    for i, m in enumerate(months):
        for j, k in enumerate(keys):
            row = {"month": m, **dict(zip(d.dims, k))}
            for x, (_, actual, last) in grids.items():
                row.update({f"plan_{x}": int(units[x][i, j]), f"actual_{x}": actual[i, j], f"last_{x}": last[i, j]})
            rows.append(row)
    return pd.DataFrame(rows)


def _rollup(d: Decomposition, level: str, by) -> pd.DataFrame:
    """The month-level units summed to ``level`` buckets (and ``by`` dimensions); units -> values."""
    m = d.monthly
    f = m.assign(period_bucket=m["month"].map(lambda x: bucket_label(x, level)))
    keys = ["period_bucket", *by]
    g = f.groupby(keys, sort=False)
    measures = [d.numerator, d.denominator] if d.is_ratio else [d.metric]
    out = g[[f"plan_{x}" for x in measures]].sum()
    for x in measures:
        out[f"actual_{x}"] = g[f"actual_{x}"].sum(min_count=1)
        out[f"last_{x}"] = g[f"last_{x}"].agg(lambda s: s.sum() if s.notna().all() else np.nan)
    out = out.reset_index()
    res = pd.DataFrame({"level": level, **{k: out[k] for k in keys}})
    plan = {x: out[f"plan_{x}"] / scale_of(x) for x in measures}
    if not d.is_ratio:
        x = d.metric
        res["target"] = plan[x]
        res["phase"] = [phase(b, d.as_of) for b in res["period_bucket"]]
        res["actual"], res["last_year"] = out[f"actual_{x}"], out[f"last_{x}"]
        return res
    n, dn = measures
    res["target"], res["numerator"], res["denominator"] = _ratio(plan[n], plan[dn]), plan[n], plan[dn]
    res["phase"] = [phase(b, d.as_of) for b in res["period_bucket"]]
    for col, pre in (("actual", "actual"), ("last_year", "last")):
        res[col] = _ratio(out[f"{pre}_{n}"], out[f"{pre}_{dn}"])
        res[f"{col}_numerator"], res[f"{col}_denominator"] = out[f"{pre}_{n}"], out[f"{pre}_{dn}"]
    return res


def _add_notes(d: Decomposition, years, wanted, keys, vec) -> None:
    if len(years) < int(wanted):
        d.notes.append(("dec.note.few_years", {"n": len(years), "years": list(years), "wanted": int(wanted)}))
    if vec is not None and any(v == 0 for v in vec):
        d.notes.append(("dec.note.unweighted", {"values": [k[0] for k, v in zip(keys, vec) if v == 0]}))
    if any("new_buyers" in _ids(m) for m in (d.metric, d.numerator, d.denominator) if m):
        d.notes.append(("dec.note.new_buyers", {}))
    if "category" in d.dims and "orders" in (d.metric, d.numerator, d.denominator):
        d.notes.append(("dec.note.category_orders", {}))
    if d.is_ratio and ((d.targets["denominator"] == 0) & (d.targets["numerator"] != 0)).any():
        d.notes.append(("dec.note.no_ratio", {}))
