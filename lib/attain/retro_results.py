"""Results first (季度复盘 · 目标达成): each goal of the quarter against its original and final target.

口径:

- **goals of the quarter** — goals whose period lies inside the quarter. Their *original* target (as first set)
  and *final* target (the last revision dated on or before the quarter's end), each resolved to a number
  (a relative target against its baseline), the actual over the goal's period (to ``as_of`` when the quarter
  is not over), 达成率 against both (actual ÷ target, target ÷ actual for lower-is-better), achieved or missed
  against the final target;
- **this quarter's part of longer goals** — for a goal of a longer period (the year) whose target can be
  decomposed: the quarter's target from its decomposition (:func:`attain.pacing.goal_plan`) against the
  quarter's actual;
- **progress after the quarter** — the longer goals scored as of the quarter's last day
  (:func:`attain.pacing.score`): actual to date, expected, pace, landing forecast, status.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attain import display, i18n, pacing, style, tracking_rules
from attain.errors import AttainError
from attain.goals import Goal, Plan
from attain.metric_defs import METRICS
from attain.params import check_period
from attain.scoreboard_view import fmt_pct, fmt_value, scoreboard_html
from attain.targets import baselines, parse_target, period_bounds, resolve
from attain.timegrain import parse_date

COLUMNS = ["goal_id", "name_zh", "name_en", "owner", "metric", "unit", "direction", "original", "final",
           "revisions", "actual", "ach_original", "ach_final", "result"]
SLICE_COLUMNS = ["goal_id", "name_zh", "name_en", "owner", "metric", "unit", "direction", "goal_period", "target",
                 "actual", "achievement", "result"]

i18n.register({
    "rr.heading": {"zh": "目标达成", "en": "Results"},
    "rr.quarter.title": {"zh": "本季度目标", "en": "Goals of the quarter"},
    "rr.slice.title": {"zh": "年度目标的本季度部分", "en": "This quarter's part of the annual goals"},
    "rr.annual.title": {"zh": "本季度结束时的年度目标进度", "en": "Annual goals after this quarter"},
    "rr.col.goal": {"zh": "目标", "en": "Goal"}, "rr.col.original": {"zh": "原目标", "en": "Original target"},
    "rr.col.final": {"zh": "最终目标", "en": "Final target"}, "rr.col.actual": {"zh": "实际", "en": "Actual"},
    "rr.col.ach_original": {"zh": "达成率（原目标）", "en": "Achieved (original)"},
    "rr.col.ach_final": {"zh": "达成率（最终目标）", "en": "Achieved (final)"},
    "rr.col.result": {"zh": "结果", "en": "Result"}, "rr.col.revisions": {"zh": "目标调整", "en": "Revisions"},
    "rr.col.owner": {"zh": "负责人", "en": "Owner"}, "rr.col.period": {"zh": "目标期间", "en": "Goal period"},
    "rr.col.target": {"zh": "本季度目标", "en": "Quarter target"},
    "rr.col.achievement": {"zh": "达成率", "en": "Achieved"},
    "rr.result.achieved": {"zh": "达成", "en": "Achieved"}, "rr.result.missed": {"zh": "未达成", "en": "Missed"},
    "rr.result.open": {"zh": "进行中", "en": "In progress"},
    "rr.revision": {"zh": "{date} 调整为 {target}（{reason}，批准：{by}）",
                    "en": "{date}: to {target} ({reason}; approved by {by})"},
    "rr.none": {"zh": "无", "en": "none"},
    "rr.finding": {"zh": "本季度{n}个目标中{k}个达成{names}；年度目标的本季度部分{m}项中{j}项达成{names_s}。",
                   "en": "{k} of {n} goals of the quarter achieved{names}; {j} of {m} quarterly parts of the annual "
                         "goals achieved{names_s}."},
    "rr.finding.missed": {"zh": "（未达成：{items}）", "en": " (missed: {items})"},
    "rr.partial": {"zh": "本季度尚未结束：数字截至 {as_of}。", "en": "The quarter is not over: figures to {as_of}."},
    "rr.no_quarter_goals": {"zh": "本季度没有专门设定的目标。", "en": "No goal was set for this quarter alone."},
})


@dataclass
class Results:
    period: str
    start: dt.date
    end: dt.date
    day: dt.date                       # the last day counted: min(quarter end, as_of)
    quarter_goals: pd.DataFrame
    slices: pd.DataFrame
    annual: pacing.Pacing | None

    @property
    def complete(self) -> bool:
        return self.day >= self.end


# --- targets as numbers ------------------------------------------------------------------------

def final_target(goal: Goal, day: dt.date):
    """The target in force on ``day``: the last revision dated on or before it, else the original."""
    dated = [r for r in goal.revisions if r.date <= day]
    return dated[-1].target if dated else goal.target


def _direction(goal: Goal, parsed) -> str:
    if parsed.comparator in (">=", ">"):
        return "higher"
    if parsed.comparator in ("<=", "<"):
        return "lower"
    return METRICS[goal.metric].direction


def resolve_target(ds, goal: Goal, raw, day: dt.date) -> tuple[float, str] | None:
    """(value, direction) of a written target, relative ones against their baseline; None if it is not a number."""
    parsed = parse_target(raw)
    if not parsed.parseable:
        return None
    direction = _direction(goal, parsed)
    try:
        base = baselines(ds, goal.metric, goal.scope, check_period(goal.period), day) \
            if parsed.kind == "relative" else None
        found = resolve(parsed, base.yoy.value if base else None, base.pop.value if base else None, direction)
    except (AttainError, ValueError):
        return None
    return found.value, "higher" if found.comparator == ">=" else "lower"


def _met(actual: float, target: float, direction: str) -> bool:
    return actual >= target if direction == "higher" else actual <= target


# --- the three tables ----------------------------------------------------------------------------

def _inside(goal: Goal, start: dt.date, end: dt.date) -> bool:
    b = pacing.bounds(goal.period)
    return b is not None and start <= b[0] and b[1] <= end


def _contains(goal: Goal, start: dt.date, end: dt.date) -> bool:
    b = pacing.bounds(goal.period)
    return b is not None and b[0] <= start and end <= b[1] and (b[0], b[1]) != (start, end)


def _revisions(goal: Goal, day: dt.date) -> list[dict]:
    return [{"date": r.date.isoformat(), "target": r.target, "reason": r.reason, "by": r.approved_by}
            for r in goal.revisions if r.date <= day]


def quarter_goals(ds, goals: list[Goal], start: dt.date, end: dt.date, day: dt.date) -> pd.DataFrame:
    rows = []
    for g in goals:
        if not g.metric or g.metric not in METRICS or not _inside(g, start, end):
            continue
        first, last = resolve_target(ds, g, g.target, day), resolve_target(ds, g, final_target(g, end), day)
        if last is None:
            continue
        gs, ge = pacing.bounds(g.period)
        actual = pacing.actual(ds, g.metric, g.scope, gs, min(ge, day))
        direction = last[1]
        rows.append({"goal_id": g.id, "name_zh": g.name.get("zh"), "name_en": g.name.get("en"),
                     "owner": g.owner if isinstance(g.owner, str) else "/".join(g.owners), "metric": g.metric,
                     "unit": METRICS[g.metric].unit, "direction": direction,
                     "original": first[0] if first else np.nan, "final": last[0],
                     "revisions": _revisions(g, end), "actual": actual,
                     "ach_original": tracking_rules.achievement(actual, first[0], direction) if first else np.nan,
                     "ach_final": tracking_rules.achievement(actual, last[0], direction),
                     "result": ("achieved" if _met(actual, last[0], direction) else "missed") if day >= ge
                     else "open"})
    return pd.DataFrame(rows, columns=COLUMNS)


def _quarter_target(plan: pd.DataFrame, period: str) -> float:
    rows = plan[(plan["level"] == "quarter") & (plan["period_bucket"] == period)]
    if rows.empty:
        return float("nan")
    if "numerator" in rows:
        return float(rows["numerator"].sum() / rows["denominator"].sum())
    return float(rows["target"].sum())


def slices(ds, goals: list[Goal], period: str, start: dt.date, end: dt.date, day: dt.date,
           plan_dir) -> pd.DataFrame:
    rows = []
    for g in goals:
        if not g.metric or g.metric not in METRICS or not _contains(g, start, end):
            continue
        last = resolve_target(ds, g, final_target(g, end), day)
        if last is None:
            continue
        plan = pacing.goal_plan(ds, g, check_period(g.period), last[0], day, plan_dir)
        target = _quarter_target(plan, period) if plan is not None else float("nan")
        if target != target:
            continue
        actual = pacing.actual(ds, g.metric, g.scope, start, day)
        rows.append({"goal_id": g.id, "name_zh": g.name.get("zh"), "name_en": g.name.get("en"),
                     "owner": g.owner if isinstance(g.owner, str) else "/".join(g.owners), "metric": g.metric,
                     "unit": METRICS[g.metric].unit, "direction": last[1], "goal_period": g.period,
                     "target": target, "actual": actual,
                     "achievement": tracking_rules.achievement(actual, target, last[1]),
                     "result": ("achieved" if _met(actual, target, last[1]) else "missed") if day >= end else "open"})
    return pd.DataFrame(rows, columns=SLICE_COLUMNS)


def analyse(ds, goals: list[Goal], plan: Plan, period: str, as_of, plan_dir) -> Results:
    start, end = period_bounds(check_period(period))
    day = min(end, parse_date(as_of, "as_of"))
    longer = [g for g in goals if _contains(g, start, end)]
    annual = pacing.score(ds, longer, plan, period, day, plan_dir) if longer else None
    return Results(period, start, end, day, quarter_goals(ds, goals, start, end, day),
                   slices(ds, goals, period, start, end, day, plan_dir), annual)


# --- words and tables ------------------------------------------------------------------------------

def _missed(frame: pd.DataFrame, lang: str) -> str:
    names = [f"{row.goal_id} {getattr(row, 'name_' + lang)}" for row in frame.itertuples() if row.result == "missed"]
    return i18n.t("rr.finding.missed", lang, items=i18n.join_list(names, lang)) if names else ""


def finding(r: Results, lang: str) -> str:
    q, s = r.quarter_goals, r.slices
    return i18n.t("rr.finding", lang, n=len(q), k=int((q["result"] == "achieved").sum()), names=_missed(q, lang),
                  m=len(s), j=int((s["result"] == "achieved").sum()), names_s=_missed(s, lang))


def _result_cell(result: str, lang: str) -> str:
    color = style.status_color({"achieved": "achieved", "missed": "off_track"}.get(result, "at_risk"))
    return (f"<td style='color:#fff;background:{color};text-align:center'>"
            f"{html.escape(i18n.t('rr.result.' + result, lang))}</td>")


def _revision_text(revs: list[dict], unit: str, lang: str) -> str:
    if not revs:
        return i18n.t("rr.none", lang)
    return "；".join(i18n.t("rr.revision", lang, date=r["date"], by=r["by"] or i18n.MISSING,
                           target=r["target"] if isinstance(r["target"], str) else fmt_value(float(r["target"]), unit, lang),
                           reason=r["reason"] or i18n.MISSING) for r in revs)


def _table(frame: pd.DataFrame, cols: list[tuple[str, callable]], lang: str) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(i18n.t('rr.col.' + k, lang))}</th>" for k, _ in cols)
    head += f"<th>{html.escape(i18n.t('rr.col.result', lang))}</th>"
    body = []
    for row in frame.itertuples():
        tds = "".join(f"<td style='text-align:left;white-space:normal'>{html.escape(fn(row))}</td>" for _, fn in cols)
        body.append(f"<tr>{tds}{_result_cell(row.result, lang)}</tr>")
    return (f"{display.TABLE_CSS}<div style='{display.TABLE_STYLE}'><table class='attain-table'><thead><tr>{head}"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def quarter_html(r: Results, lang: str) -> str:
    return _table(r.quarter_goals, [
        ("goal", lambda x: f"{x.goal_id} {getattr(x, 'name_' + lang)}"),
        ("original", lambda x: fmt_value(x.original, x.unit, lang)), ("final", lambda x: fmt_value(x.final, x.unit, lang)),
        ("actual", lambda x: fmt_value(x.actual, x.unit, lang)), ("ach_original", lambda x: fmt_pct(x.ach_original)),
        ("ach_final", lambda x: fmt_pct(x.ach_final)), ("revisions", lambda x: _revision_text(x.revisions, x.unit, lang)),
        ("owner", lambda x: str(x.owner))], lang)


def slices_html(r: Results, lang: str) -> str:
    return _table(r.slices, [
        ("goal", lambda x: f"{x.goal_id} {getattr(x, 'name_' + lang)}"), ("period", lambda x: str(x.goal_period)),
        ("target", lambda x: fmt_value(x.target, x.unit, lang)), ("actual", lambda x: fmt_value(x.actual, x.unit, lang)),
        ("achievement", lambda x: fmt_pct(x.achievement)), ("owner", lambda x: str(x.owner))], lang)


def show(r: Results, lang: str) -> None:
    display.heading("rr.heading", lang)
    display.paragraph(finding(r, lang))
    if not r.complete:
        display.note(i18n.t("rr.partial", lang, as_of=r.day.isoformat()))
    display.heading("rr.quarter.title", lang, level=3)
    if r.quarter_goals.empty:
        display.paragraph(i18n.t("rr.no_quarter_goals", lang))
    else:
        display.html_block(quarter_html(r, lang))
    if not r.slices.empty:
        display.heading("rr.slice.title", lang, level=3)
        display.html_block(slices_html(r, lang))
    if r.annual is not None and not r.annual.scoreboard.empty:
        display.heading("rr.annual.title", lang, level=3)
        display.html_block(scoreboard_html(r.annual, lang))


__all__ = ["Results", "analyse", "final_target", "finding", "quarter_goals", "resolve_target", "show", "slices"]
