"""Drill-down: which month, channel or category of a slipping goal is behind its plan.

口径: the goal's decomposed monthly targets (:mod:`attain.pacing`), each part's *expected to date* computed the
same way as the goal's (months before ``as_of``'s month in full, the current month by last year's share of the
month reached by the same day; ratios as summed numerators ÷ denominators), next to the part's actual from the
period start to ``as_of``. ``gap`` = actual − expected (expected − actual for lower-is-better metrics), so a
negative gap is always *behind*. A goal decomposed by no dimension is decomposed again by channel and category
(historical shares), so its drill-down can still name a segment.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from attain import decompose, display, i18n, pacing
from attain.errors import AttainError
from attain.metrics import compute
from attain.targets import allowed_dims

DRILL_DIMS = ("channel", "category", "region")
MAX_ROWS = 6

i18n.register({
    "drill.title": {"zh": "{goal}", "en": "{goal}"},
    "drill.col.part": {"zh": "{dim}", "en": "{dim}"},
    "drill.col.expected": {"zh": "应完成（截至今日）", "en": "Expected to date"},
    "drill.col.actual": {"zh": "实际", "en": "Actual"},
    "drill.col.gap": {"zh": "差距", "en": "Gap"},
    "drill.col.pace": {"zh": "进度指数", "en": "Pace"},
    "drill.month": {"zh": "月份", "en": "Month"},
    "drill.finding": {"zh": "{goal}：差距主要来自 {parts}。", "en": "{goal}: the gap comes mostly from {parts}."},
    "drill.finding.none": {"zh": "{goal}：没有明显落后的分项。", "en": "{goal}: no part is clearly behind."},
    "drill.part": {"zh": "{name}（{gap}）", "en": "{name} ({gap})"},
    "drill.none": {"zh": "没有偏离计划的目标需要下钻。", "en": "No goal is off its plan; nothing to drill into."},
    "drill.no_plan": {"zh": "{goal}：该指标不能按月/维度分解（{reason}），无法下钻。",
                      "en": "{goal}: this metric cannot be split by month or segment ({reason}); no drill-down."},
    "drill.note": {"zh": "差距 = 实际 − 应完成（越低越好的指标取相反数），负数表示落后；按差距从大到小排列，每表最多{n}行。",
                   "en": "Gap = actual − expected (reversed for lower-is-better metrics); negative means behind. "
                         "Sorted by gap, at most {n} rows per table."},
})


@dataclass
class DrillDown:
    goal_id: str
    metric: str
    direction: str
    parts: dict[str, pd.DataFrame] = field(default_factory=dict)   # "month" / dim -> part, expected, actual, gap, pace
    reason: str | None = None


def _month_fraction(day: dt.date) -> float:
    return day.day / calendar.monthrange(day.year, day.month)[1]


def expected_parts(plan: pd.DataFrame, key: str, day: dt.date, share: float) -> pd.DataFrame:
    """Expected to date per value of ``key`` ("period_bucket" or a dimension) from month-level targets."""
    months = plan[(plan["level"] == "month") & (plan["period_bucket"] <= day.strftime("%Y-%m"))].copy()
    current = months["period_bucket"] == day.strftime("%Y-%m")
    if "numerator" in months:
        f = _month_fraction(day)
        for c in ("numerator", "denominator"):
            months.loc[current, c] = months.loc[current, c] * f
        out = months.groupby(key, sort=True)[["numerator", "denominator"]].sum()
        return (out["numerator"] / out["denominator"].where(out["denominator"] != 0)).rename("expected").reset_index()
    months.loc[current, "target"] = months.loc[current, "target"] * share
    return months.groupby(key, sort=True)["target"].sum().rename("expected").reset_index()


def _actual_parts(ds, metric: str, scope: dict, key: str, start: dt.date, day: dt.date) -> pd.DataFrame:
    if key == "period_bucket":
        out = compute(ds, [metric], grain="month", start=start, end=day, where=scope)
        return out.rename(columns={"month": "period_bucket", metric: "actual"})
    return compute(ds, [metric], by=[key], start=start, end=day, where=scope).rename(columns={metric: "actual"})


def _frame(expected: pd.DataFrame, actual: pd.DataFrame, key: str, direction: str) -> pd.DataFrame:
    out = expected.merge(actual, on=key, how="outer").rename(columns={key: "part"})
    out["expected"] = out["expected"].fillna(0.0) if "numerator" not in out else out["expected"]
    out["actual"] = out["actual"].astype(float).fillna(0.0)
    sign = 1.0 if direction == "higher" else -1.0
    out["gap"] = sign * (out["actual"] - out["expected"])
    num, den = (out["actual"], out["expected"]) if direction == "higher" else (out["expected"], out["actual"])
    out["pace"] = num / den.where(den > 0)
    return out.sort_values(["gap", "part"], kind="stable").reset_index(drop=True)[["part", "expected", "actual",
                                                                                   "gap", "pace"]]


def _plan_with_dims(ds, goal, row, plan: pd.DataFrame, dims: tuple[str, ...], day: dt.date):
    if dims:
        return plan, dims
    wanted = tuple(d for d in ("channel", "category") if d in allowed_dims(row["metric"]) and d not in row["scope"])
    if not wanted:
        return plan, ()
    try:
        d = decompose.decompose(ds, row["metric"], row["scope"], row["goal_period"], row["target"], day,
                                grain="month", dims=wanted)
    except AttainError:
        return plan, ()
    return d.plan_frame(goal.id), wanted


def drill(ds, goal, row, plan: pd.DataFrame | None, dims: tuple[str, ...], day: dt.date) -> DrillDown:
    """The parts of one goal (a scoreboard ``row``) against its plan."""
    out = DrillDown(row["goal_id"], row["metric"], row["direction"])
    if plan is None:
        out.reason = decompose.can_decompose(row["metric"]) or "no plan"
        return out
    plan, dims = _plan_with_dims(ds, goal, row, plan, dims, day)
    share = pacing.day_share(ds, row["metric"], row["scope"], day)[0] if pacing.is_additive(row["metric"]) else 1.0
    for key in ("period_bucket", *dims):
        expected = expected_parts(plan, key, day, share)
        actual = _actual_parts(ds, row["metric"], row["scope"], key, row["start"], day)
        out.parts["month" if key == "period_bucket" else key] = _frame(expected, actual, key, row["direction"])
    return out


def drill_all(ds, goals, pacing_result, statuses=("off_track", "at_risk")) -> list[DrillDown]:
    """A drill-down of every goal whose status is in ``statuses`` (off track first)."""
    board = pacing_result.scoreboard
    by_id = {g.id: g for g in goals}
    rows = board[board["status"].isin(statuses)].copy()
    rows["order"] = rows["status"].map({s: i for i, s in enumerate(statuses)})
    return [drill(ds, by_id[r["goal_id"]], r, pacing_result.plans.get(r["goal_id"]),
                  pacing_result.dims.get(r["goal_id"], ()), pacing_result.as_of)
            for _, r in rows.sort_values(["order", "goal_id"]).iterrows()]


# --- words and tables ----------------------------------------------------------------------

def _part_name(dim: str, part: str, lang: str) -> str:
    return i18n.fmt_month(part, lang) if dim == "month" else str(part)


def finding(d: DrillDown, goal_name: str, lang: str) -> str:
    if d.reason:
        return i18n.t("drill.no_plan", lang, goal=goal_name, reason=d.reason)
    unit = i18n.metric_unit(d.metric)
    behind = [(dim, r) for dim, f in d.parts.items() for r in f.itertuples() if r.gap < 0]
    behind = sorted(behind, key=lambda x: x[1].gap)[:3]
    if not behind:
        return i18n.t("drill.finding.none", lang, goal=goal_name)
    parts = [i18n.t("drill.part", lang, name=_part_name(dim, r.part, lang),
                    gap=i18n.fmt_value(r.gap, unit, lang) if unit != "ratio" else i18n.fmt_pp(r.gap, lang))
             for dim, r in behind]
    return i18n.t("drill.finding", lang, goal=goal_name, parts=i18n.join_list(parts, lang))


def part_table(d: DrillDown, dim: str, lang: str) -> pd.DataFrame:
    f = d.parts[dim].head(MAX_ROWS)
    unit = i18n.metric_unit(d.metric)
    value = (lambda v: i18n.fmt_pct(v)) if unit == "ratio" else (lambda v: i18n.fmt_value(v, unit, lang))
    gap = (lambda v: i18n.fmt_pp(v, lang)) if unit == "ratio" else (lambda v: i18n.fmt_value(v, unit, lang))
    label = i18n.t("drill.month", lang) if dim == "month" else i18n.t(f"col.{dim}", lang)
    return pd.DataFrame({
        label: [_part_name(dim, p, lang) for p in f["part"]],
        i18n.t("drill.col.expected", lang): [value(v) for v in f["expected"]],
        i18n.t("drill.col.actual", lang): [value(v) for v in f["actual"]],
        i18n.t("drill.col.gap", lang): [gap(v) for v in f["gap"]],
        i18n.t("drill.col.pace", lang): [i18n.MISSING if v != v else f"{v:.2f}" for v in f["pace"]],
    })


def show(drills: list[DrillDown], names: dict[str, str], lang: str) -> None:
    """Notebook section body: per slipping goal a finding and one table per part (month, dimensions)."""
    if not drills:
        display.paragraph(i18n.t("drill.none", lang))
        return
    for d in drills:
        name = f"{d.goal_id} {names.get(d.goal_id, '')}".strip()
        display.heading("drill.title", lang, level=3, goal=name)
        display.paragraph(finding(d, name, lang))
        for dim in d.parts:
            display.table(part_table(d, dim, lang))
    display.note(i18n.t("drill.note", lang, n=MAX_ROWS))


__all__ = ["DrillDown", "drill", "drill_all", "expected_parts", "finding", "part_table", "show"]
