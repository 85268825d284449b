"""The goal–strategy matrix (目标—战略矩阵) and the action roadmap of the execution plan.

- The matrix has one row per goal and one column per strategy module: ● where the goal
  belongs to the module (its ``module`` field), ○ where one of the module's actions tracks
  the goal's metric among its KPIs (the module supports the goal).
- The plan check lists every module and action without exactly one owner, and every action
  whose dates fall outside the goal period (the year of the plan).
- The roadmap is a Gantt-style chart: one bar per action, grouped by module, labelled with
  its owner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from attain import display, i18n, style, viz
from attain.goals import Goal, Plan
from attain.timegrain import month_end, month_start, quarter_bounds

OWNS, SUPPORTS = "●", "○"

i18n.register({
    "road.section.matrix": {"zh": "目标—战略矩阵", "en": "Goal–strategy matrix"},
    "road.section.roadmap": {"zh": "行动路线图", "en": "Action roadmap"},
    "road.col.goal": {"zh": "目标", "en": "Goal"},
    "road.col.module": {"zh": "策略模块", "en": "Strategy module"},
    "road.col.action": {"zh": "行动", "en": "Action"},
    "road.col.problem": {"zh": "问题", "en": "Problem"},
    "road.legend": {"zh": "● 目标所属模块；○ 该模块有行动以此目标的指标为KPI（支持）",
                    "en": "● the goal's own module; ○ the module has an action whose KPIs include the goal's metric"},
    "road.finding": {"zh": "{goals}个目标分属{modules}个策略模块；{unlinked}；计划检查：{problems}。",
                     "en": "{goals} goals across {modules} strategy modules; {unlinked}; plan check: {problems}."},
    "road.unlinked.none": {"zh": "每个目标都有所属模块", "en": "every goal has a module"},
    "road.unlinked.some": {"zh": "未关联模块的目标：{ids}", "en": "goals without a module: {ids}"},
    "road.problems.none": {"zh": "每个模块和行动都有唯一负责人、日期在计划期内",
                           "en": "every module and action has one owner and dates inside the period"},
    "road.problems.some": {"zh": "{n}处问题（见下表）", "en": "{n} problem(s) (see the table)"},
    "road.p.owner": {"zh": "负责人应为一人，现为：{owners}", "en": "needs exactly one owner, has: {owners}"},
    "road.p.dates": {"zh": "日期{start}至{end}超出计划期{period}", "en": "dates {start} to {end} fall outside {period}"},
    "road.none": {"zh": "无", "en": "none"},
    "road.chart.title": {"zh": "行动路线图（按策略模块）", "en": "Action roadmap by strategy module"},
    "road.chart.x": {"zh": "日期", "en": "Date"},
    "road.no_plan": {"zh": "未找到 plan.yaml：添加策略模块与行动后，这里显示矩阵与路线图。",
                     "en": "No plan.yaml found: add strategy modules and actions to see the matrix and roadmap."},
})


@dataclass
class Roadmap:
    period: str
    matrix: pd.DataFrame            # goal id, goal name, then one column per module (●/○/"")
    problems: pd.DataFrame          # module, action, problem
    unlinked: list[str]             # goal ids without a known module
    plan: Plan


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``2026``, ``2026-Q3`` or ``2026-07``."""
    if "-Q" in period:
        return quarter_bounds(period)
    if len(period) == 4:
        return dt.date(int(period), 1, 1), dt.date(int(period), 12, 31)
    return month_start(period), month_end(period)


def goal_strategy_matrix(goals: list[Goal], plan: Plan, lang: str = "zh") -> tuple[pd.DataFrame, list[str]]:
    """Goals × modules (● own module, ○ supporting module) and the goals with no known module."""
    rows, unlinked = [], []
    for g in goals:
        own = plan.module(g.module)
        if own is None:
            unlinked.append(g.id)
        row = {"id": g.id, "goal": g.name.get(lang)}
        for m in plan.modules:
            supports = g.metric is not None and any(g.metric in a.kpis for a in m.actions)
            row[m.name.get(lang)] = OWNS if m is own else (SUPPORTS if supports else "")
        rows.append(row)
    return pd.DataFrame(rows), unlinked


def check_plan(plan: Plan, period: str, lang: str = "zh") -> pd.DataFrame:
    """Modules and actions without exactly one owner, and actions outside the period."""
    first, last = period_bounds(period)
    out = []
    for m in plan.modules:
        if len(m.owners) != 1:
            out.append((m.name.get(lang), "", _owner_problem(m.owners, lang)))
        for a in m.actions:
            if len(a.owners) != 1:
                out.append((m.name.get(lang), a.name.get(lang), _owner_problem(a.owners, lang)))
            if a.start < first or a.end > last:
                out.append((m.name.get(lang), a.name.get(lang),
                            i18n.t("road.p.dates", lang, start=a.start, end=a.end, period=period)))
    return pd.DataFrame(out, columns=["module", "action", "problem"])


def _owner_problem(owners: list[str], lang: str) -> str:
    return i18n.t("road.p.owner", lang, owners=i18n.join_list(owners, lang) if owners else i18n.t("road.none", lang))


def build(goals: list[Goal], plan: Plan, period: str, lang: str = "zh") -> Roadmap:
    matrix, unlinked = goal_strategy_matrix(goals, plan, lang)
    return Roadmap(period, matrix, check_plan(plan, period, lang), unlinked, plan)


def finding(r: Roadmap, lang: str) -> str:
    if r.plan.missing:
        return i18n.t("road.no_plan", lang)
    unlinked = (i18n.t("road.unlinked.some", lang, ids=i18n.join_list(r.unlinked, lang)) if r.unlinked
                else i18n.t("road.unlinked.none", lang))
    problems = (i18n.t("road.problems.some", lang, n=len(r.problems)) if len(r.problems)
                else i18n.t("road.problems.none", lang))
    return i18n.t("road.finding", lang, goals=len(r.matrix), modules=len(r.plan.modules),
                  unlinked=unlinked, problems=problems)


def gantt(r: Roadmap, lang: str):
    """One bar per action from start to end, grouped by module, labelled with the owner."""
    actions = [(m, a) for m in r.plan.modules for a in m.actions]
    if not actions:
        return None
    fig, ax = viz.new_figure(height=0.42 * len(actions) + 1.6)
    palette = list(style.CHANNEL_COLORS.values())   # one colour per module, in plan order
    labels = []
    for i, (m, a) in enumerate(actions):
        colour = palette[r.plan.modules.index(m) % len(palette)]
        start, days = pd.Timestamp(a.start), (a.end - a.start).days + 1
        ax.barh(i, days, left=start, color=colour, height=0.6)
        ax.text(start, i, f" {a.owner if isinstance(a.owner, str) else '?'}", va="center", ha="left",
                fontsize=8, color="white")
        labels.append(f"{m.name.get(lang)} · {a.name.get(lang)}")
    ax.set_yticks(range(len(actions)), labels, fontsize=8)
    ax.invert_yaxis()
    first, last = period_bounds(r.period)
    ax.set_xlim(pd.Timestamp(first), pd.Timestamp(last) + pd.Timedelta(days=1))
    ax.set_xlabel(i18n.t("road.chart.x", lang))
    ax.set_title(i18n.t("road.chart.title", lang), loc="left", fontweight="bold")
    viz.add_source(fig, ["plan.yaml"], r.period, lang)
    return fig


def show(r: Roadmap, lang: str) -> None:
    display.heading("road.section.matrix", lang)
    display.paragraph(finding(r, lang))
    if r.plan.missing:
        return
    matrix = r.matrix.rename(columns={"id": "ID", "goal": i18n.t("road.col.goal", lang)})
    display.table(matrix)
    display.note(i18n.t("road.legend", lang))
    if len(r.problems):
        display.table(r.problems.rename(columns={
            "module": i18n.t("road.col.module", lang), "action": i18n.t("road.col.action", lang),
            "problem": i18n.t("road.col.problem", lang)}))
    display.heading("road.section.roadmap", lang, level=3)
    display.figure(gantt(r, lang))


__all__ = ["Roadmap", "build", "check_plan", "finding", "gantt", "goal_strategy_matrix",
           "period_bounds", "show"]
