"""Channel return of a quarter (渠道回报) and a recommended reallocation for the next quarter.

``channel_return(ds, budget_plan, period, as_of)`` -> ``ChannelReturn``. 口径 of every number:

- **The quarter** is [first day, min(last day, as_of)]: nothing after the quarter end is used, also when
  ``as_of`` is later (the response curves are fitted with ``as_of`` = that day too).
- **Spend, GMV, new buyers, ROAS (GMV ÷ spend), CAC (spend ÷ new buyers)** per channel come from the metric
  dictionary (``metrics.compute`` by channel over the quarter); a new buyer counts for the channel of their
  first order. Paid channels: a spend above zero in the quarter, or a line in budget.yaml. The total row is
  the same metrics over the paid channels.
- **Planned spend** = the channel's planned spend of the year in budget.yaml × the quarter's days ÷ the days
  of the budget year (pro rata by days; empty when the quarter is outside ``BudgetPlan.year``).
  **Spend vs plan** = spend ÷ planned spend. **Budgeted CAC** = ``BudgetPlan.cac_targets``; CAC vs budget =
  CAC ÷ budgeted CAC − 1.
- **Marginal ROAS** = the GMV the next yuan brings at the quarter's spend rate, from the channel's response
  curve (``attain.response``, fitted up to the quarter end). The curves are for a 52-week year
  (GMV = a·x^b). A quarter of D days spent at the rate x per quarter is the year's curve at the annualised
  spend X = x·364/D scaled by D/364, so the quarter's curve is ``a·(D/364)^(1−b)·x^b`` (``quarter_curve``)
  and its slope at x equals the year's marginal ROAS at X: "yuan of GMV per extra yuan", a pure multiple.
- **Reallocation for the next quarter** (``attain.allocate.split_budget``: equal marginal ROAS, the
  brand/performance split and goal-priority weights of the budget module). The next quarter's allocatable
  budget = the plan's allocatable budget of the year (total × (1 − reserve share)) × the next quarter's days
  ÷ the days of the year; its reserve is kept aside the same way and never allocated; the channels' bounds
  (min/max of the year) are scaled by the same days. Pro rata is chosen over "what is left of the year"
  because it is defined by the plan alone: an over- or underspend so far is a decision for the meeting, so it
  is shown beside the recommendation (``ytd``) rather than silently folded into it. Channels in the budget
  without a curve keep their pro-rata plan; channels with spend but not in the budget are not reallocated.
- **Expected GMV** of a split = Σ quarter curves over the fitted budget channels, at the last 52 weeks'
  average demand (the next quarter's seasonality is not in it: read changes, not levels). "Current" =
  this quarter's spend rate carried over next quarter: spend ÷ days of this quarter × days of next quarter
  (91-day Q2 → 92-day Q3: × 92/91; a quarter still running is compared at its rate so far). The change
  splits exactly into a budget-level part (the current mix scaled to the recommended total) and a mix part.

The words, tables, charts and the section (``finding``, ``channel_table``, ``show`` …) are in
:mod:`attain.channel_return_view`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from attain import i18n
from attain.allocate import allocatable_range, priority_weights, split_budget
from attain.budget import BudgetPlan, ChannelBudget
from attain.errors import AttainError
from attain.metrics import compute
from attain.response import HORIZON_WEEKS, Curve, Responses, fit_responses
from attain.targets import period_bounds, period_grain, shift_period
from attain.timegrain import parse_date

METRICS = ["spend", "gmv", "roas", "new_buyers", "cac"]
YEAR_DAYS_OF_CURVE = 7 * HORIZON_WEEKS          # the curves' period: 364 days
CHANNEL_COLUMNS = ["channel", "in_budget", "fitted", "spend", "gmv", "roas", "new_buyers", "cac", "plan_spend",
                   "spend_vs_plan", "cac_target", "cac_vs_target", "mroas"]
REALLOC_COLUMNS = ["channel", "pool", "fitted", "min", "max", "planned", "current", "recommended", "change",
                   "gmv_current", "gmv_recommended", "gmv_change", "mroas_current", "mroas_recommended"]

i18n.register({
    "cr.missing.spend": {"zh": "数据中没有花费表（spend），无法计算各渠道的花费、ROAS、CAC和边际回报，也无法给出下季度的预算分配建议。",
                         "en": "The data have no spend table: spend, ROAS, CAC and marginal return by channel, and a "
                               "reallocation for next quarter, are not available."},
    "cr.missing.no_budget": {"zh": "没有budget.yaml：无法与计划对比，也无法给出下季度的建议分配。",
                             "en": "No budget.yaml: no comparison with plan and no reallocation for next quarter."},
    "cr.missing.no_paid": {"zh": "本季度没有付费渠道的花费。", "en": "No paid channel spent anything this quarter."},
})


@dataclass
class ChannelReturn:
    """The quarter's channel return (see the module doc for the 口径).

    ``channels``: ``CHANNEL_COLUMNS``, one row per paid channel (by spend, largest first); ``total``: spend,
    gmv, roas, new_buyers, cac over the paid channels; plan_spend and spend_vs_plan over the budget's channels. ``realloc``:
    ``REALLOC_COLUMNS`` per budget channel (amounts of the next quarter); ``realloc_total``: total, reserve,
    allocatable, current, recommended, gmv_current, gmv_recommended, gmv_change, gmv_level, gmv_mix.
    ``ytd``: spent (budget channels, 1 Jan to the quarter end), allocatable, left, left_next (left × next
    quarter's days ÷ days left in the year). ``missing`` (i18n key): why there is nothing at all;
    ``realloc_missing`` (i18n key, params): why there is no reallocation.
    """
    period: str
    as_of: dt.date
    start: dt.date
    end: dt.date
    days: int
    next_period: str
    next_days: int
    year_days: int
    plan: BudgetPlan | None
    channels: pd.DataFrame | None = None
    total: dict | None = None
    realloc: pd.DataFrame | None = None
    realloc_total: dict | None = None
    ytd: dict | None = None
    responses: Responses | None = None
    weights: dict = field(default_factory=dict)
    missing: str | None = None
    realloc_missing: str | None = None
    realloc_params: dict = field(default_factory=dict)

    @property
    def fixed(self) -> list[str]:
        """Budget channels without a curve (kept at their pro-rata plan)."""
        return [] if self.realloc is None else list(self.realloc.loc[~self.realloc["fitted"], "channel"])

    @property
    def not_in_budget(self) -> list[str]:
        return [] if self.channels is None else list(self.channels.loc[~self.channels["in_budget"], "channel"])


# --- the arithmetic ----------------------------------------------------------------------------

def quarter_curve(curve: Curve, days: int) -> Curve:
    """The curve for a period of ``days`` days spent at a steady rate: GMV = a·(days/364)^(1−b)·x^b."""
    return replace(curve, a=curve.a * (days / YEAR_DAYS_OF_CURVE) ** (1 - curve.b))


def annualised(spend: float, days: int) -> float:
    """The spend of a 52-week year at the rate of ``spend`` per ``days`` days."""
    return spend * YEAR_DAYS_OF_CURVE / days


def pro_rata(amount: float, days: int, year_days: int) -> float:
    return amount * days / year_days


def scaled_plan(plan: BudgetPlan, share: float) -> BudgetPlan:
    """The plan for a part of its year: total, planned amounts and bounds × ``share``; shares kept."""
    def scale(v):
        return None if v is None else v * share
    channels = tuple(ChannelBudget(c.name, c.current * share, scale(c.min), scale(c.max)) for c in plan.channels)
    return replace(plan, total=plan.total * share, channels=channels)


def _days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def year_days(year: int) -> int:
    return _days(dt.date(year, 1, 1), dt.date(year, 12, 31))


def _mroas(curve: Curve | None, spend: float) -> float:
    return float(curve.marginal_roas(spend)) if curve is not None and spend > 0 else np.nan


# --- the quarter ---------------------------------------------------------------------------------

def _channel_frame(ds, plan: BudgetPlan | None, start, end, curves: dict[str, Curve], days: int,
                   in_plan_year: bool) -> pd.DataFrame:
    per = compute(ds, METRICS, by=["channel"], start=start, end=end)
    names = plan.names() if plan is not None else []
    per = per[(per["spend"] > 0) | per["channel"].isin(names)]
    missing = [c for c in names if c not in set(per["channel"])]
    if missing:
        per = pd.concat([per, pd.DataFrame({"channel": missing, "spend": 0.0, "gmv": 0.0, "new_buyers": 0})])
    per = per.copy()
    per["roas"] = per["gmv"] / per["spend"].where(per["spend"] > 0)
    per["cac"] = per["spend"] / per["new_buyers"].where(per["new_buyers"] > 0)
    per["in_budget"] = per["channel"].isin(names)
    per["fitted"] = per["channel"].isin(list(curves))
    year = year_days(start.year)
    per["plan_spend"] = [pro_rata(plan.channel(c).current, days, year) if c in names and in_plan_year else np.nan
                         for c in per["channel"]]
    per["spend_vs_plan"] = per["spend"] / per["plan_spend"].where(per["plan_spend"] > 0)
    targets = plan.cac_targets if plan is not None else {}
    per["cac_target"] = [targets.get(c, np.nan) for c in per["channel"]]
    per["cac_vs_target"] = per["cac"] / per["cac_target"] - 1
    per["mroas"] = [_mroas(quarter_curve(curves[c], days) if c in curves else None, s)
                    for c, s in zip(per["channel"], per["spend"])]
    per = per.sort_values(["spend", "channel"], ascending=[False, True], kind="stable")
    return per[CHANNEL_COLUMNS].reset_index(drop=True)


def _total(ds, channels: pd.DataFrame, start, end) -> dict:
    row = compute(ds, METRICS, start=start, end=end, where={"channel": list(channels["channel"])}).iloc[0]
    out = {m: float(row[m]) for m in METRICS}
    plan = channels["plan_spend"]
    out["plan_spend"] = float(plan.sum()) if plan.notna().any() else np.nan
    planned = channels[plan.notna()]
    out["spend_vs_plan"] = float(planned["spend"].sum()) / out["plan_spend"] if out["plan_spend"] else np.nan
    return out


def _year_to_date(ds, plan: BudgetPlan, end: dt.date, next_days: int) -> dict:
    first, last = dt.date(end.year, 1, 1), dt.date(end.year, 12, 31)
    spent = float(compute(ds, ["spend"], start=first, end=end, where={"channel": plan.names()})["spend"].iloc[0])
    left = plan.allocatable - spent
    days_left = (last - end).days
    return {"spent": spent, "allocatable": plan.allocatable, "share": spent / plan.allocatable, "left": left,
            "left_next": left * next_days / days_left if days_left >= next_days else np.nan}


# --- the next quarter ----------------------------------------------------------------------------

def reallocate(plan: BudgetPlan, curves: dict[str, Curve], current: dict[str, float], next_days: int,
               year_days_: int, weights: dict[str, float] | None = None) -> tuple[pd.DataFrame, dict]:
    """The next quarter's split of the pro-rata allocatable budget against ``current`` (this quarter's spend
    rate over next quarter's days, per channel); ``curves`` are the year's curves (scaled here to the next quarter). Raises ``AttainError``
    when the scaled bounds cannot hold the budget."""
    qplan = scaled_plan(plan, next_days / year_days_)
    qcurves = {c: quarter_curve(k, next_days) for c, k in curves.items() if c in plan.names()}
    lo, hi = allocatable_range(qplan, qcurves)
    if not lo * (1 - 1e-9) - 1e-6 <= qplan.allocatable <= hi * (1 + 1e-9) + 1e-6:
        raise AttainError("the channel bounds cannot hold the next quarter's budget", where="limits")
    rec = split_budget(qplan, qcurves, qplan.allocatable, weights)
    rows = []
    for c in qplan.channels:
        k, cur = qcurves.get(c.name), float(current.get(c.name, 0.0))
        g_cur = float(k.expected_gmv(cur)) if k else np.nan
        g_rec = float(k.expected_gmv(rec[c.name])) if k else np.nan
        rows.append({"channel": c.name, "pool": qplan.pool_of(c.name), "fitted": k is not None,
                     "min": np.nan if c.min is None else c.min, "max": np.nan if c.max is None else c.max,
                     "planned": c.current, "current": cur, "recommended": rec[c.name],
                     "change": rec[c.name] - cur, "gmv_current": g_cur, "gmv_recommended": g_rec,
                     "gmv_change": g_rec - g_cur, "mroas_current": _mroas(k, cur),
                     "mroas_recommended": _mroas(k, rec[c.name])})
    table = pd.DataFrame(rows, columns=REALLOC_COLUMNS)
    fit = table[table["fitted"]]
    tot = {"total": qplan.total, "reserve": qplan.reserve, "allocatable": qplan.allocatable,
           "current": float(table["current"].sum()), "recommended": float(table["recommended"].sum()),
           "gmv_current": float(fit["gmv_current"].sum()), "gmv_recommended": float(fit["gmv_recommended"].sum())}
    tot["gmv_change"] = tot["gmv_recommended"] - tot["gmv_current"]
    base = float(fit["current"].sum())
    if base > 0:
        s = float(fit["recommended"].sum()) / base
        tot["gmv_level"] = sum(float(qcurves[c].expected_gmv(x * s)) for c, x in zip(fit["channel"], fit["current"]))
        tot["gmv_level"] -= tot["gmv_current"]
        tot["gmv_mix"] = tot["gmv_change"] - tot["gmv_level"]
    else:
        tot["gmv_level"] = tot["gmv_mix"] = np.nan
    return table, tot


def channel_return(ds, budget_plan: BudgetPlan | None, period: str, as_of, *, goals=(),
                   weights: dict[str, float] | None = None, responses: Responses | None = None) -> ChannelReturn:
    """The quarter's channel return and next quarter's recommended split (口径: module doc).

    ``goals``: plain mappings (metric, scope, priority) or goal objects, turned into channel weights by
    ``attain.allocate.priority_weights`` unless ``weights`` are given. ``responses``: fitted curves to reuse
    (fitted with ``as_of`` = the quarter's last day used when not given).
    """
    if period_grain(period) != "quarter":
        raise AttainError(f"'{period}' is not a quarter", where="period", hint='write e.g. "2026-Q2"')
    day = parse_date(as_of, "as_of")
    start, last = period_bounds(period)
    end = min(last, day)
    if end < start:
        raise AttainError(f"{period} has not started on {day}", where="as_of", hint="choose a quarter before as_of")
    nxt = shift_period(period, 1)
    n_start, n_end = period_bounds(nxt)
    year = plan_year = budget_plan.year if budget_plan is not None and budget_plan.year else start.year
    r = ChannelReturn(period, day, start, end, _days(start, end), nxt, _days(n_start, n_end), year_days(year),
                      budget_plan)
    if not ds.has_table("spend"):
        r.missing = r.realloc_missing = "cr.missing.spend"
        return r
    r.responses = responses or fit_responses(ds, end)
    curves = dict(r.responses.curves)
    r.channels = _channel_frame(ds, budget_plan, start, end, curves, r.days, start.year == plan_year)
    if r.channels.empty:
        r.missing = r.realloc_missing = "cr.missing.no_paid"
        r.channels = None
        return r
    r.total = _total(ds, r.channels, start, end)
    if budget_plan is None:
        r.realloc_missing = "cr.missing.no_budget"
        return r
    if end.year == plan_year:
        r.ytd = _year_to_date(ds, budget_plan, end, r.next_days)
    if r.responses.missing:
        r.realloc_missing, r.realloc_params = r.responses.missing, dict(r.responses.missing_params)
        return r
    if not any(c in curves for c in budget_plan.names()):
        r.realloc_missing = "budget.no_curves"
        return r
    goal_maps = [g if isinstance(g, dict) else {"metric": g.metric, "scope": g.scope, "priority": g.priority}
                 for g in goals]
    r.weights = dict(weights) if weights is not None else priority_weights(goal_maps, budget_plan.names())
    current = {c: s * r.next_days / r.days for c, s in zip(r.channels["channel"], r.channels["spend"])}
    try:
        r.realloc, r.realloc_total = reallocate(budget_plan, curves, current, r.next_days, r.year_days, r.weights)
    except AttainError:
        r.realloc_missing = "budget.infeasible"
    return r


__all__ = ["CHANNEL_COLUMNS", "METRICS", "REALLOC_COLUMNS", "YEAR_DAYS_OF_CURVE", "ChannelReturn", "annualised",
           "channel_return", "pro_rata", "quarter_curve", "reallocate", "scaled_plan", "year_days"]
