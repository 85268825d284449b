"""The goal-setting report (notebook 02): SMART check, achievability, decomposition, matrix, budget.

``analyse`` reads the goal register and plan once, runs the SMART check with a forecast-based
"Achievable" (each goal's assessment is kept for the achievability section, so nothing is
forecast twice), decomposes every goal of the report's period whose target resolves to a number
and whose metric can be decomposed, and allocates the budget against the period's main GMV goal.
Goals that cannot be assessed or decomposed are listed with the reason instead of failing the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from attain import (achievability, allocate, budget, decompose, display, i18n, roadmap, smart, smart_view,
                    viz_budget, viz_decompose, viz_goals)
from attain.errors import AttainError
from attain.goals import Goal, load_goals, load_plan
from attain.params import check_period

i18n.register({
    "goalrep.section.achievable": {"zh": "可达成性（基于预测）", "en": "Achievability (from the forecast)"},
    "goalrep.section.decompose": {"zh": "目标分解", "en": "Goal decomposition"},
    "goalrep.skipped": {"zh": "{goal}：{reason}", "en": "{goal}: {reason}"},
    "goalrep.skipped.title": {"zh": "未分解的目标", "en": "Goals not decomposed"},
    "goalrep.no_target": {"zh": "目标未能换算为数值（见SMART检查）", "en": "the target does not resolve to a number (see the SMART check)"},
    "goalrep.no_goals": {"zh": "本期没有可评估的目标。", "en": "No goal of this period can be assessed."},
    "goalrep.written": {"zh": "分解结果已写入 {files}（供过程监控读取）。",
                        "en": "Targets written to {files} (read by the tracking report)."},
})


@dataclass
class GoalReport:
    period: str
    goals: list[Goal]
    smart: smart.SmartResult
    assessments: dict[str, achievability.Assessment]
    decompositions: dict[str, decompose.Decomposition]
    skipped: list[tuple[str, str | dict]] = field(default_factory=list)   # (goal id, reason)
    budget: object | None = None
    roadmap: roadmap.Roadmap | None = None
    written: list[str] = field(default_factory=list)


def in_period(goal_period: str | None, period: str) -> bool:
    """A goal belongs to the report when its period lies within the report's period (2026-Q3 in 2026)."""
    try:
        return goal_period is not None and check_period(goal_period).startswith(period)
    except ValueError:
        return False


def _assessor(ds, as_of, store: dict):
    forecast = smart.forecast_achievability(ds, as_of)

    def assess(goal, resolved):
        found = forecast(goal, resolved)
        if found is not None:
            store[goal.id] = found
        return found
    return assess


def _decompose_all(ds, goals, report, period, as_of):
    done, skipped = {}, []
    rows = report.smart.goals.set_index("goal_id")
    for g in goals:
        if not in_period(g.period, period) or g.metric is None:
            continue
        value = rows.loc[g.id, "target_value"]
        reason = (i18n.t("goalrep.no_target", "zh") if value != value or value is None
                  else decompose.can_decompose(g.metric))
        if reason:
            skipped.append((g.id, reason))
            continue
        spec = g.decompose
        try:
            done[g.id] = decompose.decompose(ds, g.metric, g.scope, check_period(g.period), float(value), as_of,
                                             grain=spec.grain if spec else "month",
                                             dims=tuple(spec.dims) if spec else ())
        except AttainError as exc:
            skipped.append((g.id, exc.message))
    return done, skipped


def _gmv_goal(goals: list[Goal], rows, period: str) -> float | None:
    """The whole-business GMV target of the report's period (highest priority first)."""
    candidates = [g for g in goals if g.metric == "gmv" and not g.scope and g.period == period]
    for g in sorted(candidates, key=lambda g: g.priority):
        value = rows.loc[g.id, "target_value"]
        if value == value and value is not None:
            return float(value)
    return None


def analyse(ds, period: str, as_of, plan_dir, *, write_targets: bool = True) -> GoalReport:
    goals, plan = load_goals(plan_dir), load_plan(plan_dir)
    assessments: dict = {}
    result = smart.check(goals, plan, ds, as_of=as_of, achievability=_assessor(ds, as_of, assessments))
    report = GoalReport(period, goals, result, assessments, {})
    report.decompositions, report.skipped = _decompose_all(ds, goals, report, period, as_of)
    if write_targets:
        report.written = [str(decompose.write_targets(plan_dir, gid, d).name)
                          for gid, d in report.decompositions.items() if _changed(plan_dir, gid, d)]
    rows = result.goals.set_index("goal_id")
    report.budget = allocate.analyse_budget(ds, budget.load_budget(plan_dir), as_of,
                                            gmv_target=_gmv_goal(goals, rows, period),
                                            goals=[g.model_dump() for g in goals])
    report.roadmap = roadmap.build(goals, plan, period if len(period) == 4 else period[:4])
    return report


def _changed(plan_dir, goal_id: str, d) -> bool:
    """Write a new version only when the targets differ from the latest one."""
    latest = decompose.latest_targets(plan_dir, goal_id)
    if latest is None:
        return True
    new = d.plan_frame(goal_id)
    cols = [c for c in ("level", "period_bucket", "target") if c in new.columns]
    try:
        return not new[cols].reset_index(drop=True).astype(str).equals(latest[cols].reset_index(drop=True).astype(str))
    except KeyError:
        return True


def summary(r: GoalReport, lang: str) -> list[str]:
    lines = [smart_view.finding(r.smart, lang)]
    lines += [achievability.finding(a, lang) for a in r.assessments.values()][:4]
    if r.budget is not None:
        lines.append(viz_budget.finding(r.budget, lang))
    return lines


def show_achievability(r: GoalReport, lang: str) -> None:
    display.heading("goalrep.section.achievable", lang)
    if not r.assessments:
        display.paragraph(i18n.t("goalrep.no_goals", lang))
    for gid, a in r.assessments.items():
        goal = next(g for g in r.goals if g.id == gid)
        display.paragraph(f"{gid} · {achievability.finding(a, lang)}")
        display.figure(viz_goals.forecast_chart(a, lang, title=f"{gid} · {goal.name.get(lang)}"))


def show_decomposition(r: GoalReport, lang: str) -> None:
    display.heading("goalrep.section.decompose", lang)
    for gid, d in r.decompositions.items():
        goal = next(g for g in r.goals if g.id == gid)
        viz_decompose.show(d, lang, title=f"{gid} · {goal.name.get(lang)}")
    if r.skipped:
        display.heading("goalrep.skipped.title", lang, level=3)
        for gid, reason in r.skipped:
            display.note(i18n.t("goalrep.skipped", lang, goal=gid, reason=reason))
    if r.written:
        display.note(i18n.t("goalrep.written", lang, files=", ".join(r.written)))


def show_budget(r: GoalReport, lang: str) -> None:
    viz_budget.show(r.budget, lang)
