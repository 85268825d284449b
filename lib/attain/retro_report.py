"""The quarterly retrospective (notebook 04, 季度复盘): everything computed once, each section shown by one call.

``analyse`` scores the quarter's goals (:mod:`attain.retro_results`), decomposes the GMV change
(:mod:`attain.drivers`), measures each channel's return and proposes a reallocation (:mod:`attain.channel_return`),
reads the A/B tests (:mod:`attain.experiments`) and the team's notes, appends the quarter's lessons to the
knowledge base (:mod:`attain.lessons`, append-only) and proposes next quarter's targets (:mod:`attain.next_quarter`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from attain import (budget, channel_return, channel_return_view, display, drivers, drivers_view, experiments,
                    experiments_view, i18n, lessons, lessons_view, next_quarter, next_quarter_view, pacing,
                    retro_results)
from attain.goals import Goal, Plan, load_goals, load_plan
from attain.params import check_period
from attain.targets import period_bounds
from attain.timegrain import parse_date

TOP = 3

i18n.register({
    "retro.factors": {"zh": "成功因素与不足", "en": "Success factors and shortfalls"},
    "retro.factors.data": {"zh": "数据中的主要正向因素：{up}；主要拖累：{down}。",
                           "en": "From the data, the largest positive contributors: {up}; the largest drags: {down}."},
    "retro.factors.gap": {"zh": "低于目标最多的：{below}。", "en": "Furthest below target: {below}."},
    "retro.factors.item": {"zh": "{dim}{name}（{change}）", "en": "{dim} {name} ({change})"},
    "retro.factors.none": {"zh": "无", "en": "none"},
    "retro.col.kind": {"zh": "类型", "en": "Kind"},
    "retro.kind.up": {"zh": "正向（同比）", "en": "Positive (YoY)"},
    "retro.kind.down": {"zh": "拖累（同比）", "en": "Drag (YoY)"},
    "retro.kind.below": {"zh": "低于目标", "en": "Below target"},
    "retro.col.dim": {"zh": "维度", "en": "Dimension"}, "retro.col.segment": {"zh": "分项", "en": "Segment"},
    "retro.col.change": {"zh": "GMV变化（对去年或目标）", "en": "GMV change (vs last year or target)"},
    "retro.col.growth": {"zh": "同比", "en": "YoY"},
    "retro.partial": {"zh": "注意：{period}尚未结束，本复盘的数字截至{day}。",
                      "en": "Note: {period} is not over; the figures of this retrospective run to {day}."},
})


@dataclass
class RetroReport:
    period: str
    as_of: dt.date
    day: dt.date
    goals: list[Goal]
    plan: Plan
    results: retro_results.Results
    drivers: drivers.Drivers
    channels: object
    experiments: pd.DataFrame
    notes: object
    lessons: object
    proposal: object


def gmv_plan(ds, goals: list[Goal], period: str, day: dt.date, plan_dir) -> pd.DataFrame | None:
    """The month-level plan of the whole-business GMV goal whose period contains the quarter (highest priority
    first), for the gap against target; None when there is none."""
    start, end = period_bounds(period)
    for g in sorted(goals, key=lambda g: g.priority):
        b = pacing.bounds(g.period)
        if g.metric != "gmv" or g.scope or b is None or not (b[0] <= start and end <= b[1]):
            continue
        found = retro_results.resolve_target(ds, g, retro_results.final_target(g, end), day)
        if found is None:
            continue
        return pacing.goal_plan(ds, g, check_period(g.period), found[0], day, plan_dir)
    return None


def analyse(ds, period: str, as_of, plan_dir, *, write_lessons: bool = True) -> RetroReport:
    period = check_period(period)
    as_of = parse_date(as_of, "as_of")
    day = min(period_bounds(period)[1], as_of)
    goals, plan = load_goals(plan_dir), load_plan(plan_dir)
    results = retro_results.analyse(ds, goals, plan, period, as_of, plan_dir)
    driven = drivers.drivers(ds, period, gmv_plan(ds, goals, period, day, plan_dir), as_of=day)
    channels = channel_return.channel_return(ds, budget.load_budget_if_present(plan_dir), period, day, goals=goals)
    tests = experiments.analyse(experiments.load_experiments(plan_dir), period)
    notes = lessons.load_retro(plan_dir, period)
    review = lessons.review_lessons(plan_dir, period, notes, write=write_lessons)
    proposal = next_quarter.propose(ds, goals, period, as_of)
    return RetroReport(period, as_of, day, goals, plan, results, driven, channels, tests, notes, review, proposal)


# --- the answer first --------------------------------------------------------------------------

def summary(r: RetroReport, lang: str) -> list[str]:
    lines = [retro_results.finding(r.results, lang), drivers_view.finding(r.drivers, lang),
             channel_return_view.finding(r.channels, lang), experiments_view.finding(r.experiments, lang),
             next_quarter_view.finding(r.proposal, lang)]
    return [ln for ln in lines if ln]


def show_partial(r: RetroReport, lang: str) -> None:
    if r.day < period_bounds(r.period)[1]:
        display.note(i18n.t("retro.partial", lang, period=r.period, day=r.day.isoformat()))


# --- success factors and shortfalls --------------------------------------------------------------

def contributors(d: drivers.Drivers, top: int = TOP) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The largest positive and negative GMV changes among all channels, categories and regions."""
    frames = [f.assign(dim=dim) for dim, f in d.segments.items() if f is not None and not f.empty]
    if not frames:
        empty = pd.DataFrame(columns=["dim", "segment", "change", "growth", "share"])
        return empty, empty
    allf = pd.concat(frames, ignore_index=True)[["dim", "segment", "change", "growth", "share"]]
    up = allf[allf["change"] > 0].sort_values("change", ascending=False, kind="stable").head(top)
    down = allf[allf["change"] < 0].sort_values("change", kind="stable").head(top)
    return up.reset_index(drop=True), down.reset_index(drop=True)


def below_target(d: drivers.Drivers, top: int = TOP) -> pd.DataFrame:
    """The segments furthest below their planned GMV (actual − target < 0), from the gap against target."""
    frames = [f.assign(dim=dim) for dim, f in (d.gap or {}).items() if f is not None and not f.empty]
    if not frames:
        return pd.DataFrame(columns=["dim", "segment", "change", "growth", "share"])
    allf = pd.concat(frames, ignore_index=True)
    return allf[allf["change"] < 0].sort_values("change", kind="stable").head(top).reset_index(drop=True)


def _items(frame: pd.DataFrame, lang: str) -> str:
    if frame.empty:
        return i18n.t("retro.factors.none", lang)
    return i18n.join_list([i18n.t("retro.factors.item", lang, dim=i18n.t(f"col.{r.dim}", lang), name=r.segment,
                                  change=i18n.fmt_signed_money(r.change, lang)) for r in frame.itertuples()], lang)


def factors_finding(r: RetroReport, lang: str) -> str:
    up, down = contributors(r.drivers)
    text = i18n.t("retro.factors.data", lang, up=_items(up, lang), down=_items(down, lang))
    below = below_target(r.drivers)
    if not below.empty:
        text += ("" if lang == "zh" else " ") + i18n.t("retro.factors.gap", lang, below=_items(below, lang))
    return text


def factors_table(r: RetroReport, lang: str) -> pd.DataFrame | None:
    """The contributors in one table: positive and negative changes against last year, and the segments
    furthest below target (their "change" is actual − target)."""
    up, down = contributors(r.drivers)
    below = below_target(r.drivers)
    parts = [f.assign(kind=k) for k, f in (("up", up), ("down", down), ("below", below)) if not f.empty]
    if not parts:
        return None
    both = pd.concat(parts, ignore_index=True)
    return pd.DataFrame({
        i18n.t("retro.col.kind", lang): [i18n.t(f"retro.kind.{k}", lang) for k in both["kind"]],
        i18n.t("retro.col.dim", lang): [i18n.t(f"col.{d}", lang) for d in both["dim"]],
        i18n.t("retro.col.segment", lang): [str(x) for x in both["segment"]],
        i18n.t("retro.col.change", lang): [i18n.fmt_signed_money(v, lang) for v in both["change"]],
        i18n.t("retro.col.growth", lang): [i18n.MISSING if k == "below" or g != g else i18n.fmt_growth(g)
                                           for k, g in zip(both["kind"], both["growth"])],
    })


def show_factors(r: RetroReport, lang: str) -> None:
    display.heading("retro.factors", lang)
    display.paragraph(factors_finding(r, lang))
    display.table(factors_table(r, lang))
    lessons_view.show_notes(r.notes, lang)


def show_lessons(r: RetroReport, lang: str) -> None:
    lessons_view.show_lessons(r.lessons, lang)


__all__ = ["RetroReport", "analyse", "below_target", "contributors", "factors_finding", "gmv_plan", "show_factors", "show_lessons",
           "show_partial", "summary"]

