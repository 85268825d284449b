"""Pacing: where each goal stands against a seasonal plan, and where it will land.

口径 of the scoreboard (one row per goal tracked by the report):

- **target** — the goal's current target (the last revision), resolved to a number (``+20% yoy`` against the
  same period last year) by the SMART check.
- **actual** — the metric over the goal's period from its first day to ``as_of`` (same 口径 as everywhere:
  :mod:`attain.metrics`).
- **expected** — what the plan says should have been reached by ``as_of``. It follows the *seasonal* shape of
  the decomposed targets, never a straight line:

  * *plan* — the goal's monthly targets (the newest ``data/plan/targets/<goal>.v<N>.csv`` written by the
    goal-setting report when it matches the current target, else decomposed again the same way).
    Months before ``as_of``'s month count in full; the current month counts the share of the same month a year
    earlier that had happened by the same day (so 1–11 November carries most of November: 双11). For a ratio
    metric the planned numerators and denominators are added up (the current month pro rata by days) and divided.
  * *last_year* — metrics that cannot be decomposed (distinct buyers, repurchase rate): the target × (last year's
    value from the period start to the same day ÷ last year's value for the whole period).
  * *linear* / *flat* — no history to shape it: additive metrics by elapsed days, ratios at the target.

- **pace** — actual ÷ expected, flipped for lower-is-better metrics (≥ 1 is ahead); **achievement** (达成率) —
  actual ÷ target, flipped likewise (for additive metrics this is the progress towards the whole period's target).
- **forecast / low / high / probability** — the landing forecast for the period end with its 80 % interval and
  the chance of reaching the target (:func:`attain.achievability.assess`: actual to date + a seasonal
  forecast of the rest).
- **status** — :func:`attain.tracking_rules.status`; before the period *not_started*; after it *achieved* or
  *missed*; without a metric, period or numeric target *unmeasurable*.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attain import decompose, smart, tracking_rules
from attain.achievability import Assessment
from attain.errors import AttainError
from attain.goals import Goal, Plan
from attain.metric_defs import METRICS
from attain.metrics import compute
from attain.params import check_period
from attain.targets import period_bounds
from attain.targets_store import latest_targets
from attain.timegrain import month_end, month_start, parse_date, shift_month

COLUMNS = ["goal_id", "name_zh", "name_en", "module", "owner", "metric", "scope", "goal_period", "start", "end",
           "direction", "unit", "target", "actual", "expected", "pace", "achievement", "forecast", "low", "high",
           "probability", "status", "method", "reason", "tables"]
RATIO_UNITS = ("ratio",)


@dataclass
class Pacing:
    """The scoreboard and, per goal, the monthly plan used for *expected* (for the drill-down)."""
    period: str
    as_of: dt.date
    scoreboard: pd.DataFrame
    plans: dict[str, pd.DataFrame] = field(default_factory=dict)      # goal id -> month-level targets frame
    assessments: dict[str, Assessment] = field(default_factory=dict)
    dims: dict[str, tuple[str, ...]] = field(default_factory=dict)    # goal id -> dimensions of its plan


# --- which goals ---------------------------------------------------------------------------

def bounds(period: str | None) -> tuple[dt.date, dt.date] | None:
    """First and last day of a goal's period; None when it has no usable period."""
    try:
        return period_bounds(check_period(period)) if period else None
    except (ValueError, AttainError):
        return None


def tracked(goals: list[Goal], period: str) -> list[Goal]:
    """Goals whose period overlaps the report's period, plus goals without a usable period (shown as not
    measurable, so a goal nobody can track is seen)."""
    lo, hi = period_bounds(check_period(period))
    out = []
    for g in goals:
        b = bounds(g.period)
        if b is None or (b[0] <= hi and b[1] >= lo):
            out.append(g)
    return out


# --- seasonal shape ------------------------------------------------------------------------

def is_additive(metric: str) -> bool:
    return METRICS[metric].unit not in RATIO_UNITS and metric in decompose.ADDITIVE


def day_share(ds, metric: str, scope: dict, day: dt.date) -> tuple[float, str]:
    """The share of a month's ``metric`` that had happened by ``day``'s day of the month, taken from the
    same month a year earlier (``"last_year"``), or by elapsed days when the data do not cover it (``"linear"``)."""
    first = month_start(shift_month(day.strftime("%Y-%m"), -12))
    last = month_end(first.strftime("%Y-%m"))
    linear = day.day / calendar.monthrange(day.year, day.month)[1]
    if not _covered(ds, metric, first, last):
        return linear, "linear"
    daily = compute(ds, [metric], grain="day", start=first, end=last, where=scope)
    total = float(daily[metric].sum())
    if not total > 0:
        return linear, "linear"
    upto = first.replace(day=min(day.day, last.day))
    done = float(daily.loc[pd.to_datetime(daily["day"]).dt.date <= upto, metric].sum())
    return done / total, "last_year"


def _covered(ds, metric: str, first: dt.date, last: dt.date) -> bool:
    """Every source table of ``metric`` has data from ``first`` to ``last``."""
    for table in _metric_tables(metric):
        if not ds.has_table(table):
            return False
        lo, hi = ds.date_range(table)
        if lo is None or lo > first or hi < last:
            return False
    return True


def _metric_tables(metric: str) -> tuple[str, ...]:
    from attain.targets import metric_tables
    return tuple(metric_tables(metric))


def month_plan(frame: pd.DataFrame) -> pd.DataFrame:
    """Month-level targets summed over the dimensions: period_bucket, target[, numerator, denominator]."""
    months = frame[frame["level"] == "month"]
    cols = [c for c in ("target", "numerator", "denominator") if c in months]
    if "numerator" in cols:
        out = months.groupby("period_bucket", sort=True)[["numerator", "denominator"]].sum().reset_index()
        out["target"] = out["numerator"] / out["denominator"]
        return out
    return months.groupby("period_bucket", sort=True)[["target"]].sum().reset_index()


def expected_from_plan(plan: pd.DataFrame, day: dt.date, share: float) -> float:
    """Expected to date from month-level targets (``month_plan``): full months before ``day``'s month, plus
    ``share`` of its month (for a ratio: summed numerators ÷ summed denominators, the current month's by
    elapsed days)."""
    current = day.strftime("%Y-%m")
    past = plan[plan["period_bucket"] < current]
    now = plan[plan["period_bucket"] == current]
    if "numerator" in plan:
        f = day.day / calendar.monthrange(day.year, day.month)[1]
        num = past["numerator"].sum() + f * now["numerator"].sum()
        den = past["denominator"].sum() + f * now["denominator"].sum()
        return float(num / den) if den else float("nan")
    return float(past["target"].sum() + share * now["target"].sum())


def expected_from_last_year(ds, metric: str, scope: dict, start: dt.date, end: dt.date, day: dt.date,
                            target: float) -> tuple[float, str]:
    """target × (last year's value from start to the same day ÷ last year's whole-period value)."""
    ly = [d.replace(year=d.year - 1) if not (d.month == 2 and d.day == 29) else d.replace(year=d.year - 1, day=28)
          for d in (start, end, day)]
    elapsed = ((day - start).days + 1) / ((end - start).days + 1)
    if _covered(ds, metric, ly[0], ly[1]):
        whole = float(compute(ds, [metric], start=ly[0], end=ly[1], where=scope)[metric].iloc[0])
        part = float(compute(ds, [metric], start=ly[0], end=ly[2], where=scope)[metric].iloc[0])
        if whole and whole == whole and part == part:
            return target * part / whole, "last_year"
    accumulates = metric in decompose.ADDITIVE or metric == "buyers"   # grows with the days of the period
    if METRICS[metric].unit in RATIO_UNITS or not accumulates:
        return target, "flat"
    return target * elapsed, "linear"


# --- the plan of a goal --------------------------------------------------------------------

def _stored_plan(plan_dir, goal: Goal, period: str, target: float) -> pd.DataFrame | None:
    if plan_dir is None:
        return None
    try:
        stored = latest_targets(plan_dir, goal.id)
    except (AttainError, OSError, ValueError):
        return None
    if stored is None or stored.empty or str(stored["metric"].iloc[0]) != goal.metric \
            or str(stored["period"].iloc[0]) != period:
        return None
    top = stored[stored["level"] == stored["level"].iloc[0]]
    total = (top["numerator"].sum() / top["denominator"].sum()) if "numerator" in top else top["target"].sum()
    return stored if np.isclose(total, target, rtol=1e-6, atol=0.01) else None


def goal_plan(ds, goal: Goal, period: str, target: float, as_of: dt.date, plan_dir) -> pd.DataFrame | None:
    """The goal's decomposed targets (stored, or decomposed again); None when the metric cannot be decomposed."""
    if decompose.can_decompose(goal.metric):
        return None
    stored = _stored_plan(plan_dir, goal, period, target)
    if stored is not None:
        return stored
    spec = goal.decompose
    try:
        d = decompose.decompose(ds, goal.metric, goal.scope, period, target, as_of,
                                grain=spec.grain if spec else "month", dims=tuple(spec.dims) if spec else ())
    except AttainError:
        return None
    if d.grain != "month":
        return None
    return d.plan_frame(goal.id)


# --- the scoreboard ------------------------------------------------------------------------

def _base_row(goal: Goal) -> dict:
    m = METRICS.get(goal.metric) if goal.metric else None
    b = bounds(goal.period)
    return {"goal_id": goal.id, "name_zh": goal.name.get("zh"), "name_en": goal.name.get("en"),
            "module": goal.module, "owner": goal.owner if isinstance(goal.owner, str) else "/".join(goal.owners),
            "metric": goal.metric if m else None, "scope": dict(goal.scope), "goal_period": goal.period,
            "start": b[0] if b else None, "end": b[1] if b else None,
            "direction": m.direction if m else None, "unit": m.unit if m else None,
            "target": np.nan, "actual": np.nan, "expected": np.nan, "pace": np.nan, "achievement": np.nan,
            "forecast": np.nan, "low": np.nan, "high": np.nan, "probability": np.nan,
            "status": "unmeasurable", "method": None, "reason": None, "tables": ()}


def _unmeasurable_reason(goal: Goal, row: dict, target) -> str | None:
    if not goal.metric or goal.metric not in METRICS:
        return "no_metric"
    if row["start"] is None:
        return "no_period"
    if target is None or target != target:
        return "no_target"
    return None


def actual(ds, metric: str, scope: dict, start: dt.date, end: dt.date) -> float:
    """The metric over [start, end] within ``scope`` (NaN when the data cannot give it)."""
    try:
        return float(compute(ds, [metric], start=start, end=end, where=scope)[metric].iloc[0])
    except AttainError:
        return float("nan")


def _open_goal(ds, goal: Goal, row: dict, day: dt.date, plan_dir, found: Assessment | None, plans: dict) -> None:
    metric, scope, target = row["metric"], row["scope"], row["target"]
    row["actual"] = found.actual_to_date if found is not None else actual(ds, metric, scope, row["start"], day)
    plan = goal_plan(ds, goal, check_period(goal.period), target, day, plan_dir)
    if plan is not None:
        plans[goal.id] = plan
        share, how = day_share(ds, metric, scope, day) if is_additive(metric) else (None, "linear")
        row["expected"] = expected_from_plan(month_plan(plan), day, share if share is not None else 0.0)
        row["method"] = "plan" if how == "last_year" or not is_additive(metric) else "plan_linear"
    else:
        row["expected"], row["method"] = expected_from_last_year(ds, metric, scope, row["start"], row["end"], day,
                                                                 target)
    row["pace"] = tracking_rules.pace_index(row["actual"], row["expected"], row["direction"])
    row["achievement"] = tracking_rules.achievement(row["actual"], target, row["direction"])
    if found is not None:
        row["forecast"], (row["low"], row["high"]) = found.forecast, found.interval(0.8)
        row["probability"] = found.probability
    row["status"] = tracking_rules.status(row["pace"], row["probability"])


def _closed_goal(ds, row: dict) -> None:
    row["actual"] = row["forecast"] = actual(ds, row["metric"], row["scope"], row["start"], row["end"])
    row["expected"] = row["target"]
    row["achievement"] = tracking_rules.achievement(row["actual"], row["target"], row["direction"])
    row["pace"] = row["achievement"]
    met = row["actual"] >= row["target"] if row["direction"] == "higher" else row["actual"] <= row["target"]
    row["status"] = "achieved" if met else "missed"
    row["probability"] = 1.0 if met else 0.0


def score(ds, goals: list[Goal], plan: Plan, period: str, as_of, plan_dir=None) -> Pacing:
    """The scoreboard of the goals tracked in ``period`` as of ``as_of`` (see the module docstring)."""
    day = parse_date(as_of, "as_of")
    goals = tracked(goals, period)
    assessments: dict[str, Assessment] = {}
    forecast = smart.forecast_achievability(ds, day)

    def assess(goal, resolved):
        found = forecast(goal, resolved)
        if found is not None:
            assessments[goal.id] = found
        return found
    checked = smart.check(goals, plan, ds, as_of=day, achievability=assess).goals.set_index("goal_id")
    rows, plans = [], {}
    for goal in goals:
        row = _base_row(goal)
        value = checked.loc[goal.id, "target_value"] if goal.id in checked.index else None
        row["reason"] = _unmeasurable_reason(goal, row, value)
        if row["reason"] is None:
            row["target"] = float(value)
            row["direction"] = "higher" if checked.loc[goal.id, "comparator"] == ">=" else "lower"
            row["tables"] = tuple(_metric_tables(row["metric"]))
            if day < row["start"]:
                row["status"] = "not_started"
            elif day >= row["end"]:
                _closed_goal(ds, row)
            else:
                _open_goal(ds, goal, row, day, plan_dir, assessments.get(goal.id), plans)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    dims = {gid: tuple(c for c in p.columns if c in ("channel", "category", "region")) for gid, p in plans.items()}
    return Pacing(period, day, frame, plans, assessments, dims)


__all__ = ["COLUMNS", "Pacing", "actual", "bounds", "day_share", "expected_from_last_year", "expected_from_plan", "goal_plan",
           "is_additive", "month_plan", "score", "tracked"]
