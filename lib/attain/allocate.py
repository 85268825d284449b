"""Budget allocation (资源配置): split the allocatable budget over the paid channels to maximise
expected GMV, and goal-seek the smallest budget that reaches a GMV goal.

口径:

- Allocatable budget = ``total × (1 − reserve_share)`` (``attain.budget``); the reserve is never spent.
- Expected GMV of a channel = its response curve ``a·x^b`` over the budget period
  (``attain.response``: the last 52 weeks' demand level, no trend). ROAS = expected GMV ÷ spend;
  marginal ROAS = dGMV/dx, the GMV the next yuan would bring.
- Brand vs performance: with ``brand_share`` and ``brand_channels`` in budget.yaml,
  ``brand_share × allocatable`` is reserved for the brand channels and the rest goes to the others;
  each pool is optimised on its own. (Brand building pays back beyond the weekly GMV the curves
  see, so the split is a policy, not something the optimiser may trade away.)
- Goal priorities enter as channel weights: the optimiser maximises Σ w_c·GMV_c. A goal on a sales
  metric (``SALES_METRICS``) whose scope is a channel gives that channel the weight
  ``PRIORITY_WEIGHTS[priority]`` (1.2 for priority 1): a yuan of its GMV counts as 1.2 yuan, so
  it gets budget until its marginal ROAS is 1/1.2 of the others'. Reported GMV is never weighted.
- Channels in the budget without a response curve keep their planned amount (clipped to their
  bounds) and are left out of GMV totals; channels with a curve but not in the budget get nothing.
- The optimum (max Σ w·a·x^b, Σx = B, lo ≤ x ≤ hi) equalises the weighted marginal ROAS of the
  channels not at a bound: ``x_c(λ) = clip((λ / (w_c a_c b_c))^(1/(b_c−1)), lo_c, hi_c)`` with λ
  found by bisection (exact for power curves, ``method="lagrange"``); ``method="slsqp"`` solves the
  same problem with scipy's SLSQP (a check: both agree).
- Goal-seek: the smallest total budget T with ``baseline + paid GMV(T·(1 − reserve)) ≥ target``,
  by bisection over T (paid GMV rises with the budget). ``baseline`` = the GMV expected without
  paid channels (e.g. 自然搜索), passed in by the caller; the default in ``analyse_budget`` is the
  non-paid channels' GMV over the last 52 weeks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize

from attain import i18n
from attain.budget import BudgetPlan, Check, budget_checks
from attain.errors import AttainError
from attain.response import Curve, Responses, fit_responses

PRIORITY_WEIGHTS = {1: 1.2, 2: 1.1, 3: 1.0}
SALES_METRICS = ("gmv", "net_sales", "orders")
SEARCH_CAP = 20.0          # goal-seek without upper bounds looks up to 20 × the planned budget
FRONTIER_POINTS = 41

i18n.register({
    "budget.no_curves": {"zh": "预算中的渠道都没有可用的响应曲线，无法给出分配建议。",
                         "en": "None of the budget's channels has a response curve: no allocation can be recommended."},
    "budget.infeasible": {"zh": "渠道上下限容纳不下可分配预算，请先调整budget.yaml中的min/max。",
                          "en": "The channel bounds cannot hold the allocatable budget: "
                                "adjust min/max in budget.yaml first."},
})


# --- the optimiser on plain arrays -----------------------------------------------------------

def _arrays(a, b, lo, hi, w):
    a, b = np.asarray(a, float), np.asarray(b, float)
    lo = np.zeros_like(a) if lo is None else np.asarray(lo, float)
    hi = np.full_like(a, np.inf) if hi is None else np.asarray(hi, float)
    w = np.ones_like(a) if w is None else np.asarray(w, float)
    return a, b, lo, hi, w


def _check_feasible(budget: float, lo, hi) -> None:
    if budget < lo.sum() * (1 - 1e-9) - 1e-6 or budget > hi.sum() * (1 + 1e-9) + 1e-6:
        raise AttainError(f"a budget of {budget:,.0f} cannot be split within the channel bounds "
                          f"(their minimums add up to {lo.sum():,.0f}, their maximums to {hi.sum():,.0f})",
                          where="limits", hint="widen the min/max of the channels in budget.yaml")


def optimise_lagrange(a, b, budget: float, lo=None, hi=None, w=None) -> tuple[np.ndarray, float]:
    """Equal weighted marginal ROAS by bisection on λ; returns (spend per channel, λ)."""
    a, b, lo, hi, w = _arrays(a, b, lo, hi, w)
    _check_feasible(budget, lo, hi)
    if budget <= lo.sum():
        return lo.copy(), float("inf")
    if budget >= hi.sum():
        return hi.copy(), 0.0

    def spend(log_lam: float) -> np.ndarray:
        return np.clip(np.exp((log_lam - np.log(w * a * b)) / (b - 1)), lo, hi)

    guess = float(np.log(np.mean(w * a * b * (budget / len(a)) ** (b - 1))))
    low, high = guess - 1.0, guess + 1.0
    while spend(low).sum() < budget:
        low -= 2.0
    while spend(high).sum() > budget:
        high += 2.0
    log_lam = brentq(lambda u: spend(u).sum() - budget, low, high, xtol=1e-13, rtol=1e-15, maxiter=500)
    x = spend(log_lam)
    free = (x > lo) & (x < hi)
    if free.any():                       # absorb the last rounding in the channels not at a bound
        x[free] += (budget - x.sum()) * x[free] / x[free].sum()
    return x, float(np.exp(log_lam))


def optimise_slsqp(a, b, budget: float, lo=None, hi=None, w=None) -> np.ndarray:
    """The same optimum with scipy's SLSQP (variables scaled to shares of the budget)."""
    a, b, lo, hi, w = _arrays(a, b, lo, hi, w)
    _check_feasible(budget, lo, hi)
    coef = w * a * budget ** b
    scale = float(np.sum(coef * (1 / len(a)) ** b))
    u_lo = np.maximum(lo / budget, 1e-9)
    u_hi = np.where(np.isfinite(hi), hi / budget, 1.0)
    room = u_hi - u_lo
    u0 = u_lo + (1 - u_lo.sum()) * room / room.sum()
    res = minimize(lambda u: -np.sum(coef * u ** b) / scale, u0,
                   jac=lambda u: -coef * b * u ** (b - 1) / scale, method="SLSQP",
                   bounds=list(zip(u_lo, u_hi)), options={"ftol": 1e-15, "maxiter": 1000},
                   constraints=[{"type": "eq", "fun": lambda u: u.sum() - 1, "jac": lambda u: np.ones_like(u)}])
    return res.x * budget


# --- goal priorities ---------------------------------------------------------------------------

def priority_weights(goals: Iterable[Mapping], channels: Iterable[str],
                     table: Mapping[int, float] = PRIORITY_WEIGHTS) -> dict[str, float]:
    """Channel weights from goals given as plain mappings with ``metric``, ``scope``, ``priority``.

    A goal counts when its metric is a sales metric and its scope names channels (``{channel: 直播}``
    or a list) and nothing else; a channel takes the largest weight of its goals, 1.0 without one.
    """
    out = {c: 1.0 for c in channels}
    for goal in goals:
        scope = goal.get("scope") or {}
        if goal.get("metric") not in SALES_METRICS or set(scope) != {"channel"}:
            continue
        named = scope["channel"] if isinstance(scope["channel"], list) else [scope["channel"]]
        weight = float(table.get(goal.get("priority"), 1.0))
        for ch in named:
            if ch in out:
                out[ch] = max(out[ch], weight)
    return out


# --- allocation of a plan ----------------------------------------------------------------------

@dataclass
class Allocation:
    """``table``: channel, pool, fitted, weight, min, max (NaN: no bound), current, recommended, change, gmv_current,
    gmv_recommended, roas_current, roas_recommended, mroas_current, mroas_recommended.
    ``split``: pool, share, target, current, current_share, recommended, recommended_share.
    ``totals``: total, reserve, allocatable, current, recommended, gmv_current, gmv_recommended,
    uplift, roas_current, roas_recommended, baseline, expected_current, expected_recommended."""
    table: pd.DataFrame
    split: pd.DataFrame
    totals: dict
    method: str
    fixed: list[str] = field(default_factory=list)     # in the budget, no curve: kept as planned
    unbudgeted: list[str] = field(default_factory=list)  # a curve, not in the budget


def _pool_budgets(plan: BudgetPlan, allocatable: float, fixed: dict[str, float]) -> dict[str, float]:
    return {pool: share * allocatable - sum(v for c, v in fixed.items() if plan.pool_of(c) == pool)
            for pool, share in plan.pool_shares().items()}


def split_budget(plan: BudgetPlan, curves: Mapping[str, Curve], allocatable: float,
                 weights: Mapping[str, float] | None = None, method: str = "lagrange") -> dict[str, float]:
    """Recommended spend per budget channel for an allocatable amount (pools optimised apart)."""
    weights = weights or {}
    fixed = {c.name: min(max(c.current, c.lower), c.upper) for c in plan.channels if c.name not in curves}
    out = dict(fixed)
    for pool, amount in _pool_budgets(plan, allocatable, fixed).items():
        free = [c for c in plan.channels if c.name in curves and plan.pool_of(c.name) == pool]
        if not free:
            continue
        args = ([curves[c.name].a for c in free], [curves[c.name].b for c in free], amount,
                [c.lower for c in free], [c.upper for c in free], [weights.get(c.name, 1.0) for c in free])
        if method == "lagrange":
            x = optimise_lagrange(*args)[0]
        elif method == "slsqp":
            x = optimise_slsqp(*args)
        else:
            raise AttainError(f"unknown method {method!r}", where="method", hint="use 'lagrange' or 'slsqp'")
        out.update({c.name: float(v) for c, v in zip(free, x)})
    return out


def allocatable_range(plan: BudgetPlan, curves: Mapping[str, Curve]) -> tuple[float, float]:
    """The allocatable budgets the bounds can hold: (lowest, highest; inf without upper bounds)."""
    fixed = {c.name: min(max(c.current, c.lower), c.upper) for c in plan.channels if c.name not in curves}
    lo, hi = 0.0, math.inf
    for pool, share in plan.pool_shares().items():
        members = [c for c in plan.channels if plan.pool_of(c.name) == pool]
        f = sum(fixed.get(c.name, 0.0) for c in members)
        free = [c for c in members if c.name in curves]
        if share <= 0:
            continue
        lo = max(lo, (sum(c.lower for c in free) + f) / share)
        hi = min(hi, (sum(c.upper for c in free) + f) / share if free else (f / share))
    return lo, hi


def paid_gmv(curves: Mapping[str, Curve], spend: Mapping[str, float]) -> float:
    return float(sum(curves[c].expected_gmv(x) for c, x in spend.items() if c in curves))


def allocate(plan: BudgetPlan, curves: Mapping[str, Curve], *, weights: Mapping[str, float] | None = None,
             method: str = "lagrange", baseline: float = 0.0) -> Allocation:
    """Current (planned) vs recommended split of ``plan.allocatable`` (see the module doc)."""
    weights = {c: float((weights or {}).get(c, 1.0)) for c in plan.names()}
    rec = split_budget(plan, curves, plan.allocatable, weights, method)
    rows = []
    for c in plan.channels:
        curve = curves.get(c.name)
        row = {"channel": c.name, "pool": plan.pool_of(c.name), "fitted": curve is not None,
               "weight": weights[c.name], "min": np.nan if c.min is None else c.min,
               "max": np.nan if c.max is None else c.max, "current": c.current,
               "recommended": rec[c.name], "change": rec[c.name] - c.current}
        for when, x in (("current", c.current), ("recommended", rec[c.name])):
            ok = curve is not None
            row[f"gmv_{when}"] = float(curve.expected_gmv(x)) if ok else np.nan
            row[f"roas_{when}"] = float(curve.roas(x)) if ok and x > 0 else np.nan
            row[f"mroas_{when}"] = float(curve.marginal_roas(x)) if ok and x > 0 else np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    fitted = table[table["fitted"]]
    totals = {"total": plan.total, "reserve": plan.reserve, "allocatable": plan.allocatable,
              "current": float(table["current"].sum()), "recommended": float(table["recommended"].sum()),
              "gmv_current": float(fitted["gmv_current"].sum()),
              "gmv_recommended": float(fitted["gmv_recommended"].sum()), "baseline": float(baseline)}
    totals["uplift"] = totals["gmv_recommended"] - totals["gmv_current"]
    for when in ("current", "recommended"):
        spent = float(fitted[when].sum())
        totals[f"roas_{when}"] = totals[f"gmv_{when}"] / spent if spent else np.nan
        totals[f"expected_{when}"] = totals[f"gmv_{when}"] + float(baseline)
    return Allocation(table, _split_frame(plan, table), totals, method,
                      fixed=[c for c in plan.names() if c not in curves],
                      unbudgeted=sorted(set(curves) - set(plan.names())))


def _split_frame(plan: BudgetPlan, table: pd.DataFrame) -> pd.DataFrame:
    by_pool = table.groupby("pool")[["current", "recommended"]].sum()
    rows = []
    for pool, share in plan.pool_shares().items():
        cur, rec = (float(by_pool[k].get(pool, 0.0)) for k in ("current", "recommended"))
        rows.append({"pool": pool, "share": share, "target": share * plan.allocatable, "current": cur,
                     "current_share": cur / table["current"].sum() if table["current"].sum() else np.nan,
                     "recommended": rec, "recommended_share": rec / plan.allocatable})
    return pd.DataFrame(rows)


# --- goal-seek and the budget -> GMV curve -----------------------------------------------------

@dataclass
class GoalSeek:
    """The smallest total budget (reserve included) whose expected GMV reaches ``target``.

    ``status``: "reached" (bisection), "at_minimum" (the smallest budget the bounds allow already
    reaches it), "unreachable" (not even the largest: ``max_total``/``max_gmv``).
    ``split``: channel, spend, gmv, mroas at that budget (None when unreachable)."""
    target: float
    baseline: float
    status: str
    total: float | None
    allocatable: float | None
    expected_gmv: float | None
    split: pd.DataFrame | None
    max_total: float
    max_gmv: float


def _expected(plan, curves, allocatable, weights, baseline) -> float:
    return baseline + paid_gmv(curves, split_budget(plan, curves, allocatable, weights))


def _search_top(plan: BudgetPlan, curves, hi: float) -> float:
    return hi if math.isfinite(hi) else SEARCH_CAP * max(plan.allocatable, plan.planned)


def goal_seek(plan: BudgetPlan, curves: Mapping[str, Curve], target: float, baseline: float = 0.0, *,
              weights: Mapping[str, float] | None = None, rtol: float = 1e-9) -> GoalSeek:
    """Bisection on the total budget (see the module doc); the split is that of ``split_budget``."""
    keep = 1 - plan.reserve_share
    lo, hi = allocatable_range(plan, curves)
    top = _search_top(plan, curves, hi)

    def f(x: float) -> float:
        return _expected(plan, curves, x, weights, baseline) - target

    max_gmv = f(top) + target
    if max_gmv < target:
        return GoalSeek(target, baseline, "unreachable", None, None, None, None, top / keep, max_gmv)
    if f(lo) >= 0:
        status, x = "at_minimum", lo
    else:
        status = "reached"
        x = brentq(f, lo, top, xtol=rtol * top, rtol=1e-15, maxiter=500)
        while f(x) < 0:                          # the smallest budget that reaches, not just below it
            x = min(x + rtol * top, top)
    spend = split_budget(plan, curves, x, weights)
    split = pd.DataFrame([{"channel": c, "spend": v,
                           "gmv": float(curves[c].expected_gmv(v)) if c in curves else np.nan,
                           "mroas": float(curves[c].marginal_roas(v)) if c in curves and v > 0 else np.nan}
                          for c, v in spend.items()])
    return GoalSeek(target, baseline, status, x / keep, x, f(x) + target, split, top / keep, max_gmv)


def frontier(plan: BudgetPlan, curves: Mapping[str, Curve], baseline: float = 0.0, *,
             weights: Mapping[str, float] | None = None, upto: float | None = None,
             points: int = FRONTIER_POINTS) -> pd.DataFrame:
    """Expected GMV against the total budget (each point optimally split): total, allocatable,
    paid_gmv, expected_gmv (baseline + paid), paid_roas. From the smallest budget the bounds allow
    to ``upto`` (a total; default 2 × the plan's total), capped by the largest they allow."""
    keep = 1 - plan.reserve_share
    lo, hi = allocatable_range(plan, curves)
    top = min(hi, (upto or 2 * plan.total) * keep)
    grid = np.linspace(lo, max(top, lo), points) if top > lo else np.array([lo])
    rows = []
    for x in grid:
        paid = paid_gmv(curves, split_budget(plan, curves, float(x), weights)) if x > 0 else 0.0
        rows.append({"total": x / keep, "allocatable": x, "paid_gmv": paid, "expected_gmv": baseline + paid,
                     "paid_roas": paid / x if x > 0 else np.nan})
    return pd.DataFrame(rows)


# --- the section -------------------------------------------------------------------------------

@dataclass
class BudgetResult:
    plan: BudgetPlan
    checks: list[Check]
    responses: Responses
    allocation: Allocation | None = None
    seek: GoalSeek | None = None
    frontier: pd.DataFrame | None = None
    weights: dict = field(default_factory=dict)
    baseline: float = 0.0
    baseline_default: bool = True       # baseline = non-paid GMV of the last 52 weeks
    message: str | None = None          # i18n key: why there is no allocation
    message_params: dict = field(default_factory=dict)


def analyse_budget(ds, plan: BudgetPlan, as_of, *, gmv_target: float | None = None,
                   baseline: float | None = None, goals: Iterable[Mapping] = (),
                   weights: Mapping[str, float] | None = None, method: str = "lagrange",
                   responses: Responses | None = None) -> BudgetResult:
    """Fit the curves, allocate, goal-seek ``gmv_target`` (total GMV of the budget period) and the
    budget→GMV curve. ``weights`` (or, without them, ``priority_weights(goals)``) tilt the optimiser.
    Without a spend table (or with bounds that cannot hold the budget) the result carries a
    ``message`` instead of an allocation."""
    responses = responses or fit_responses(ds, as_of)
    checks = budget_checks(plan)
    weights = dict(weights) if weights is not None else priority_weights(goals, plan.names())
    base = responses.baseline if baseline is None else float(baseline)
    result = BudgetResult(plan, checks, responses, weights=weights, baseline=base, baseline_default=baseline is None)
    if responses.missing:
        result.message, result.message_params = responses.missing, responses.missing_params
        return result
    curves = {c: k for c, k in responses.curves.items() if c in plan.names()}
    if not curves:
        result.message = "budget.no_curves"
        return result
    if any(c.level == "error" for c in checks):
        result.message = "budget.infeasible"
        return result
    result.allocation = allocate(plan, curves, weights=weights, method=method, baseline=base)
    upto = 2 * plan.total
    if gmv_target is not None:
        result.seek = goal_seek(plan, curves, float(gmv_target), base, weights=weights)
        if result.seek.total is not None:
            upto = max(upto, 1.25 * result.seek.total)
    result.frontier = frontier(plan, curves, base, weights=weights, upto=upto)
    return result
