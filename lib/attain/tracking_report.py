"""The tracking report (notebook 03, 过程监控): everything computed once, each section shown by one call.

``analyse`` reads the plan files, scores every goal of the period (:mod:`attain.pacing`), drills into the
slipping ones, measures spend against plan and the modules' KPIs, raises the alerts and compares them with
the previous published run of the same report (:mod:`attain.alert_state`), and checks the risk triggers.
``attachments`` gives the files published beside the HTML: ``alerts.json`` and the tracking table as Excel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from attain import (alert_state, alerts, alerts_view, budget, checkins, display, drilldown, excel, i18n, module_kpis,
                    module_view, owners, pacing, paths, risks, scoreboard_view, tracking_table)
from attain.errors import AttainError
from attain.goals import GOALS_FILE, Goal, Plan, load_goals, load_plan
from attain.targets import period_bounds
from attain.timegrain import parse_date

i18n.register({
    "track.section.drill": {"zh": "偏差下钻", "en": "Where the gaps are"},
    "track.owner": {"zh": "本报告只含{owner}负责的目标（{goals}）；预算、渠道预警和风险仍是全店口径。",
                    "en": "This report covers only {owner}'s goals ({goals}); budget, channel alerts and risks are "
                          "shop-wide."},
    "track.files": {"zh": "本报告的跟踪表Excel和预警JSON与HTML发布在同一目录：{files}。",
                    "en": "The tracking table (Excel) and the alerts (JSON) are published beside this page: {files}."},
})


@dataclass
class TrackingReport:
    period: str
    as_of: dt.date
    cadence: str
    name: str                                    # published file name without suffix (03_tracking[_monthly][-hq])
    goals: list[Goal]
    plan: Plan
    pacing: pacing.Pacing
    checkins: list
    drills: list = field(default_factory=list)
    spend: object | None = None
    kpis: object | None = None
    overdue: pd.DataFrame | None = None
    alerts: list = field(default_factory=list)
    alert_skips: list = field(default_factory=list)
    baseline: dict = field(default_factory=dict)
    risks: pd.DataFrame | None = None
    budget_plan: object | None = None
    alert_config: object | None = None
    notes: list[str] = field(default_factory=list)
    owner: str | None = None                     # a report for one owner: only their goals

    @property
    def first_seen(self) -> dict[str, str]:
        """Goal id -> the as_of on which its pace alert was first raised (the 24-hour clock starts there)."""
        return {a.subject: a.first_seen for a in self.alerts if a.rule == "goal_pace" and a.state != "resolved"}

    def names(self, lang: str) -> dict[str, str]:
        return {g.id: g.name.get(lang) for g in self.goals}


def previous_alerts_path(reports_dir, period: str, name: str) -> Path:
    return paths.resolve(reports_dir) / period / f"{name}.alerts.json"


def goals_of(goals: list[Goal], owner: str | None, plan_dir) -> list[Goal]:
    """The goals ``owner`` is named on (all goals when ``owner`` is None); an owner with no goal is an error."""
    if not owner:
        return goals
    mine = [g for g in goals if owner in g.owners]
    if not mine:
        people = sorted({p for g in goals for p in g.owners})
        raise AttainError(f"no goal has the owner {owner!r}", file=(paths.resolve(plan_dir) if plan_dir else paths.default_plan_dir()) / GOALS_FILE,
                          where="owner", hint=f"owners in the goal register: {', '.join(people)}")
    return mine


def analyse(ds, period: str, as_of, plan_dir, *, reports_dir="reports", cadence: str = "weekly",
            name: str = "03_tracking", owner: str | None = None) -> TrackingReport:
    day = parse_date(as_of, "as_of")
    goals, plan = goals_of(load_goals(plan_dir), owner, plan_dir), load_plan(plan_dir)
    score = pacing.score(ds, goals, plan, period, day, plan_dir)
    r = TrackingReport(period, day, cadence, name, goals, plan, score, checkins.load_checkins(plan_dir), owner=owner)
    r.drills = drilldown.drill_all(ds, goals, score)
    r.budget_plan = budget.load_budget_if_present(plan_dir)
    year = r.budget_plan.year if r.budget_plan is not None and r.budget_plan.year else period_bounds(period)[0].year
    r.spend = module_kpis.spend_plan(ds, plan, day, year)
    r.kpis = module_kpis.module_kpis(ds, plan, period, day)
    r.overdue = module_kpis.overdue_actions(plan, r.checkins, day)
    r.alert_config = alerts.load_alert_rules(plan_dir)
    found = alerts.collect_alerts(ds, scoreboard=score.scoreboard, spend_plan=r.spend, budget_plan=r.budget_plan,
                                  config=r.alert_config, period_start=period_bounds(period)[0], as_of=day,
                                  plan=plan)
    current, r.alert_skips = found.alerts, found.skipped
    previous = alert_state.read_previous(previous_alerts_path(reports_dir, period, name))
    r.alerts, r.baseline = alert_state.compare(current, previous, day.isoformat())
    r.risks = risks.assess_risks(ds, risks.load_risks(plan_dir), r.alerts, day, skipped=r.alert_skips)
    return r


# --- the answer first ----------------------------------------------------------------------

def summary(r: TrackingReport, lang: str) -> list[str]:
    lines = [scoreboard_view.finding(r.pacing, lang), alerts_view.finding(r.alerts, lang)]
    if r.owner:
        tracked = [str(g) for g in r.pacing.scoreboard["goal_id"]] if len(r.pacing.scoreboard) else []
        lines.insert(0, i18n.t("track.owner", lang, owner=r.owner, goals=", ".join(tracked) or "—"))
    table = tracking_table.build(r.pacing.scoreboard, r.goals, r.plan, r.checkins, r.as_of, r.first_seen, lang)
    lines.append(tracking_table.causes_finding(table, lang))
    lines.append(risks.finding(r.risks, lang))
    return [ln for ln in lines if ln]


# --- sections --------------------------------------------------------------------------------

def show_table(r: TrackingReport, lang: str) -> None:
    table = tracking_table.build(r.pacing.scoreboard, r.goals, r.plan, r.checkins, r.as_of, r.first_seen, lang)
    tracking_table.show(table, lang)
    display.note(i18n.t("track.files", lang, files=f"{r.name}.xlsx, {r.name}.alerts.json"))


def show_drilldown(r: TrackingReport, lang: str) -> None:
    display.heading("track.section.drill", lang)
    drilldown.show(r.drills, r.names(lang), lang)


def show_alerts(r: TrackingReport, lang: str) -> None:
    alerts_view.show(r.alerts, lang, config=r.alert_config, skipped=r.alert_skips)


def show_modules(r: TrackingReport, lang: str) -> None:
    module_view.show(r.kpis, r.spend, r.overdue, lang, as_of=r.as_of)


def show_owners(r: TrackingReport, lang: str) -> None:
    owners.show_owners(owners.owners_view(r.pacing.scoreboard, r.plan, r.checkins, r.alerts, r.as_of), lang)


def show_risks(r: TrackingReport, lang: str) -> None:
    risks.show_risks(r.risks, lang)


# --- files published beside the HTML ---------------------------------------------------------

def attachments(r: TrackingReport, lang: str) -> dict[str, bytes]:
    """``alerts.json`` (machine-readable, for notifications) and ``xlsx`` (the tracking table)."""
    doc = alert_state.document(r.alerts, r.baseline, report=r.name, period=r.period, as_of=r.as_of.isoformat())
    table = tracking_table.build(r.pacing.scoreboard, r.goals, r.plan, r.checkins, r.as_of, r.first_seen, lang)
    title = f"{i18n.t('tracking_table.section', lang)} · {r.period}"
    return {"alerts.json": alert_state.dumps(doc).encode("utf-8"),
            "xlsx": excel.tracking_workbook(table, lang, title=title, as_of=r.as_of)}


def attach(r: TrackingReport, lang: str) -> None:
    """In the notebook (a cell tagged remove-cell): hand the files to the runner."""
    from attain import artifacts
    for name, data in attachments(r, lang).items():
        artifacts.attach(name, data)


__all__ = ["TrackingReport", "analyse", "attach", "attachments", "previous_alerts_path", "show_alerts",
           "show_drilldown", "show_modules", "show_owners", "show_risks", "show_table", "summary"]
