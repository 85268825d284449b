"""The tracking table (跟踪表) in exactly the columns the domain prescribes, one row per scoreboard goal.

策略模块 | 具体目标(SMART) | 执行计划 | 关键指标(KPI) | 数据来源 | 实际完成值 | 偏差值(目标-实际) | 偏差原因分析 |
优化措施 | 负责人 | 完成时限

口径 of the computed cells (everything else is text from goals.yaml, plan.yaml and checkins.yaml):

- **实际完成值** — the scoreboard's ``actual`` (the goal's metric from the metric dictionary, over the goal's scope,
  from the period's first day to ``as_of``), formatted in the metric's unit.
- **偏差值 = 目标 − 实际** — the target *to date* (scoreboard ``expected``, the seasonal plan up to ``as_of``)
  minus the actual, so a GMV goal is not "behind" by the whole year's target in August, and a year-to-date
  repurchase rate is not judged against a full year's; the target itself only when there is no plan to date. For higher-is-better a positive deviation is a shortfall; for
  lower-is-better a negative deviation is bad (actual above the ceiling). ``deviation_bad`` says which.
- **偏差原因分析 / 优化措施** — the latest check-in on or before ``as_of`` of the goal that carries a cause or
  a measure, else the latest such check-in of its module, prefixed with its date.
- **完成时限** — the end of the goal's period; for an off-track goal (a major deviation) also the deadline of
  its adjustment plan: first seen (``alerts_first_seen``, default ``as_of``) + ``ADJUSTMENT_HOURS``, or
  "plan submitted (date)" once a check-in with a measure is dated on or after first seen.

``build`` keeps the raw values (status, deviation, flags, dates) in ``TrackingTable.raw`` beside the display
frames (zh and en), for styling, the Excel file and tests.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass
from functools import cache

import pandas as pd

from attain import display, i18n, style, tracking_rules
from attain.metric_defs import METRICS
from attain.targets import metric_tables, scope_text

COLUMNS = ("module", "goal", "plan", "kpi", "source", "actual", "deviation", "cause", "measure", "owner",
           "deadline")
RATIO_UNITS = ("ratio", "percent", "rate", "share")
COUNT_UNITS = ("orders", "people", "visitors", "visits", "views", "times")
TINT = 0.16   # share of the status colour in a row's background (the rest is white)
HIGHLIGHT = "#FFF176"   # a missing cause / measure in a red row: a highlighter yellow, red bold text
MARK_COLOR = "#B71C1C"   # also the text colour of a deviation in the bad direction
SHORT = ("source", "actual", "deviation", "owner")   # cells that do not wrap
MIN_WIDTH = {"goal": "11em", "plan": "9em", "cause": "11em", "measure": "11em", "deadline": "6em", "module": "4em"}

_H = {
    "module": ("策略模块", "Strategy module"), "goal": ("具体目标(SMART)", "Goal (SMART)"),
    "plan": ("执行计划", "Plan"), "kpi": ("关键指标(KPI)", "KPI"), "source": ("数据来源", "Data source"),
    "actual": ("实际完成值", "Actual"), "deviation": ("偏差值(目标-实际)", "Deviation (target − actual)"),
    "cause": ("偏差原因分析", "Cause"), "measure": ("优化措施", "Measure"), "owner": ("负责人", "Owner"),
    "deadline": ("完成时限", "Deadline"),
}
_STATUS = {"off_track": ("落后", "off track"), "at_risk": ("有风险", "at risk"), "on_track": ("进度正常", "on track"),
           "achieved": ("已达成", "achieved"), "missed": ("未达成", "missed"), "not_started": ("未开始", "not started"),
           "unmeasurable": ("无法衡量", "not measurable")}
_TABLES = {"orders": ("订单表", "orders"), "traffic": ("流量表", "traffic"), "spend": ("投放表", "spend"),
           "customers": ("客户表", "customers")}
_CAUSE_TYPE = {"strategy": ("策略", "strategy"), "execution": ("执行", "execution"),
               "environment": ("外部环境", "environment")}
i18n.register({
    **{f"tracking_table.col.{k}": {"zh": zh, "en": en} for k, (zh, en) in _H.items()},
    **{f"tracking_table.status.{k}": {"zh": zh, "en": en} for k, (zh, en) in _STATUS.items()},
    **{f"tracking_table.table.{k}": {"zh": zh, "en": en} for k, (zh, en) in _TABLES.items()},
    **{f"tracking_table.cause_type.{k}": {"zh": zh, "en": en} for k, (zh, en) in _CAUSE_TYPE.items()},
    "tracking_table.section": {"zh": "跟踪表", "en": "Tracking table"},
    "tracking_table.module_note": {"zh": "模块", "en": "module"},
    "tracking_table.target": {"zh": "目标 {cmp} {value}", "en": "target {cmp} {value}"},
    "tracking_table.to_date": {"zh": "至今应达 {value}", "en": "due to date {value}"},
    "tracking_table.action.done": {"zh": "（已完成）", "en": " (done)"},
    "tracking_table.action.overdue": {"zh": "（逾期）", "en": " (overdue)"},
    "tracking_table.action.not_started": {"zh": "（{date}开始）", "en": " (starts {date})"},
    "tracking_table.by": {"zh": "（截至 {date}）", "en": " (by {date})"},
    "tracking_table.plan_due": {"zh": "调整方案截止 {date}", "en": "Adjustment plan due {date}"},
    "tracking_table.plan_late": {"zh": "调整方案逾期（截止 {date}）", "en": "Adjustment plan overdue (due {date})"},
    "tracking_table.plan_done": {"zh": "已提交调整方案 ({date})", "en": "Adjustment plan submitted ({date})"},
    "tracking_table.missing.cause": {"zh": "⚠ 缺少原因 · 待负责人填写", "en": "⚠ Cause missing"},
    "tracking_table.missing.measure": {"zh": "⚠ 缺少措施 · 待负责人填写", "en": "⚠ Measure missing"},
    "tracking_table.finding": {"zh": "共{n}个目标：{counts}。", "en": "{n} goals: {counts}."},
    "tracking_table.finding_one": {"zh": "共1个目标：{counts}。", "en": "1 goal: {counts}."},
    "tracking_table.finding.count": {"zh": "{status}{k}个", "en": "{k} {status}"},
    "tracking_table.finding.none": {"zh": "本期没有需要跟踪的目标。", "en": "No goals to track in this period."},
    "tracking_table.finding.no_red": {"zh": "没有落后目标。", "en": "No goal is off track."},
    "tracking_table.finding.red_ok": {"zh": "{k}个落后目标均已填写原因和措施。",
                                      "en": "Every off-track goal ({k}) has a cause and a measure."},
    "tracking_table.finding.red_missing": {
        "zh": "{k}个落后目标尚缺原因或措施（{items}）。",
        "en": "{k} off-track goals have no cause or measure yet ({items})."},
    "tracking_table.finding.red_missing_one": {
        "zh": "1个落后目标尚缺原因或措施（{items}）。",
        "en": "1 off-track goal has no cause or measure yet ({items})."},
    "tracking_table.finding.item": {"zh": "{goal}，负责人{owner}", "en": "{goal}, owner {owner}"},
    "tracking_table.note": {
        "zh": "偏差值 = 目标 − 实际，目标取截至今日应完成的值（按季节性计划；比率类指标为计划的截至今日比率），"
              "没有计划时取目标值本身。越高越好的指标，偏差为正表示落后；越低越好的指标（获客成本、退货率、"
              "跳出率），偏差为负表示超出上限。行底色表示状态：红=落后，黄=有风险，绿=进度正常，深绿=已达成，灰=未开始或无法衡量。"
              "落后属于重大偏差，负责人须在首次出现后{hours}小时内提交调整方案；黄色高亮标出落后目标缺少的原因或措施。"
              "原因和措施取自负责人在 checkins.yaml 中最近一次（不晚于截至日）的目标记录，没有时取其模块的记录。",
        "en": "Deviation = target − actual, where the target is the target to date (the seasonal plan; for ratios the "
              "planned ratio to date), or the target itself when there is no plan to date. For higher-is-better "
              "metrics a positive deviation is a shortfall; for lower-is-better ones (CAC, return rate, bounce rate) "
              "a negative deviation means the actual is above the ceiling. Row colour = status: red off track, amber "
              "at risk, green on track, dark green achieved, grey not started or not measurable. Off track is a "
              "major deviation: its owner owes an adjustment plan within {hours} hours of first being flagged; a "
              "yellow highlight marks a missing cause or measure of an off-track goal. Cause and measure come from "
              "the owner's latest check-in in checkins.yaml (not after the as-of date) on the goal, else on its "
              "module."},
})


@dataclass(frozen=True)
class TrackingTable:
    """``frames``: display strings per language (columns: the domain's headers); ``raw``: one row per goal with
    goal_id, status, unit, direction, cumulative, reference (target used), actual, deviation, deviation_bad,
    checkin_date, checkin_from (goal|module|None), has_cause, has_measure, red_without_cause, deadline,
    first_seen, adjustment_due, plan_submitted, plan_overdue, overdue_actions, owner; ``scoreboard``: the input."""
    frames: dict[str, pd.DataFrame]
    raw: pd.DataFrame
    scoreboard: pd.DataFrame
    as_of: dt.date
    lang: str = "zh"

    @property
    def frame(self) -> pd.DataFrame:
        return self.frames[self.lang]


def headers(lang: str) -> list[str]:
    return [i18n.t(f"tracking_table.col.{k}", lang) for k in COLUMNS]


@cache
def is_cumulative(metric: str | None) -> bool:
    """A metric that adds up over the period, so its target to date is a part of the target: scaling every
    part by 2 doubles it (GMV, orders, spend, net sales, buyers); a ratio or unit cost (CAC, AOV, conversion,
    return rate) is unchanged. Unknown metrics: not cumulative. (Not ``pacing.is_additive``, which asks
    whether a metric can be *decomposed* by summing, and so leaves out distinct buyers.)"""
    if metric not in METRICS:
        return False
    m = METRICS[metric]
    one = pd.DataFrame({p: [10.0 + 3 * i] for i, p in enumerate(m.parts)})
    a, b = float(m.formula(one).iloc[0]), float(m.formula(one * 2).iloc[0])
    return a != 0 and abs(b / a - 2) < 1e-9


def deviation(target: float, expected: float, actual: float, cumulative: bool) -> tuple[float, float]:
    """(target − actual, the target used): ``expected`` (the target to date) when known, else ``target``.
    ``cumulative`` only decides how the goal cell words it."""
    ref = target if i18n.is_missing(expected) else expected
    if i18n.is_missing(ref) or i18n.is_missing(actual):
        return float("nan"), (float("nan") if i18n.is_missing(ref) else float(ref))
    return float(ref) - float(actual), float(ref)


def _date(value) -> dt.date | None:
    """A date from a date, a timestamp or an ISO text; None for None, NaN, NaT or empty text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) and pd.isna(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip()[:10])


def _fmt(value, unit: str | None, lang: str, *, signed: bool = False) -> str:
    if i18n.is_missing(value) or unit is None:
        return i18n.MISSING
    if unit in RATIO_UNITS:
        return i18n.fmt_pp(value, lang, decimals=2) if signed else i18n.fmt_pct(value, decimals=2)
    if unit in COUNT_UNITS:
        value = round(float(value))   # whole orders / people even when the plan to date is fractional
    text = i18n.fmt_value(value, unit, lang)
    return f"+{text}" if signed and float(value) >= 0 else text


# --- check-ins and actions -----------------------------------------------------------------------------

def _module_matcher(module, module_text: str | None):
    if module is not None:
        return module.matches
    text = (module_text or "").strip()
    return lambda ref: bool(text) and ref.strip() == text


def goal_checkin(checkins, goal_id: str, module_match, as_of: dt.date):
    """(check-in, "goal"|"module"|None): the latest one on or before as_of with a cause or a measure, the goal's
    own before its module's."""
    useful = [c for c in checkins if c.cause is not None or c.measure is not None]
    for kind, match in (("goal", lambda ref: ref == goal_id), ("module", module_match)):
        hits = [c for c in useful if c.subject[0] == kind and match(c.subject[1]) and c.date <= as_of]
        if hits:
            return hits[-1], kind
    return None, None


def plan_submitted(checkins, goal_id: str, module_match, first_seen: dt.date, as_of: dt.date) -> dt.date | None:
    """The first date in [first_seen, as_of] of a check-in with a measure on the goal (or its module)."""
    days = [c.date for c in checkins if c.measure is not None and first_seen <= c.date <= as_of and
            ((c.subject[0] == "goal" and c.subject[1] == goal_id) or (c.subject[0] == "module" and module_match(c.subject[1])))]
    return min(days) if days else None


def action_state(action, checkins, as_of: dt.date) -> str:
    """done (a check-in up to as_of marks it done), overdue (ended before as_of, not done), not_started or
    running — the rule of ``attain.owners.overdue_actions``."""
    names = {action.name.zh, action.name.en.casefold()}
    if any(c.subject[0] == "action" and c.done and c.date <= as_of
           and (c.subject[1] in names or c.subject[1].casefold() in names) for c in checkins):
        return "done"
    if action.end < as_of:
        return "overdue"
    return "not_started" if action.start > as_of else "running"


def _plan_cell(module, start, end, checkins, as_of, lang) -> tuple[str, list[str]]:
    """The module's actions overlapping the goal's period, one per line, marked done / overdue / not started."""
    if module is None:
        return i18n.MISSING, []
    lines, overdue = [], []
    for a in module.actions:
        if (end is not None and a.start > end) or (start is not None and a.end < start):
            continue
        state = action_state(a, checkins, as_of)
        mark = "" if state == "running" else i18n.t(f"tracking_table.action.{state}", lang, date=a.start.isoformat())
        lines.append(a.name.get(lang) + mark)
        overdue += [a.name.get(lang)] if state == "overdue" else []
    return ("\n".join(lines) or i18n.MISSING), overdue


def _note_cell(c, kind, what: str, lang: str) -> str:
    text = getattr(c, what)
    if text is None:
        return ""
    parts = [c.date.isoformat()] + ([i18n.t("tracking_table.module_note", lang)] if kind == "module" else [])
    if what == "cause" and c.cause_type:
        parts.append(i18n.t(f"tracking_table.cause_type.{c.cause_type}", lang))
    body = text.get(lang)
    if what == "measure":
        body += i18n.t("tracking_table.by", lang, date=c.due.isoformat()) if c.due else ""
        body += i18n.t("tracking_table.action.done", lang) if c.done else ""
    return " · ".join(parts) + ("：" if lang == "zh" else ": ") + body


# --- the table ---------------------------------------------------------------------------------------

def _goal_cell(r, cumulative: bool, lang: str) -> str:
    name = r.get(f"name_{lang}") or r.get("name_zh") or ""
    lines = [f"{r['goal_id']} {name}".strip()]
    unit = r.get("unit")
    if not i18n.is_missing(r.get("target")) and isinstance(unit, str):
        lines.append(i18n.t("tracking_table.target", lang, cmp="≤" if r.get("direction") == "lower" else "≥",
                            value=_fmt(r["target"], unit, lang)))
        if not i18n.is_missing(r.get("expected")) and not math.isclose(r["expected"], r["target"], rel_tol=1e-9):
            lines[-1] += " · " + i18n.t("tracking_table.to_date", lang, value=_fmt(r["expected"], unit, lang))
    return "\n".join(lines)


def _kpi_cell(r, lang: str) -> str:
    metric = r.get("metric")
    if metric not in METRICS:
        return i18n.MISSING
    scope = r.get("scope")
    return f"{i18n.metric_name(metric, lang)} · {scope_text(scope if isinstance(scope, dict) else {}, lang)}"


def _source_cell(r, lang: str) -> str:
    tables = r.get("tables")
    if not isinstance(tables, (tuple, list)) or not tables:
        tables = metric_tables(r["metric"]) if r.get("metric") in METRICS else []
    words = [i18n.t(f"tracking_table.table.{t}", lang) if t in _TABLES else str(t) for t in tables]
    return i18n.join_list(words, lang) if words else i18n.MISSING


def _deadline_cell(end, raw: dict, lang: str) -> str:
    lines = [end.isoformat() if end else i18n.MISSING]
    if raw["adjustment_due"] is not None:
        due = raw["adjustment_due"].isoformat()
        if raw["plan_submitted"] is not None:
            lines.append(i18n.t("tracking_table.plan_done", lang, date=raw["plan_submitted"].isoformat()))
        else:
            lines.append(i18n.t("tracking_table.plan_late" if raw["plan_overdue"] else "tracking_table.plan_due",
                                lang, date=due))
    return "\n".join(lines)


def _raw_row(r, plan, checkins, as_of, first_seen_map) -> tuple[dict, object, object]:
    module = plan.module(r.get("module")) if plan is not None else None
    match = _module_matcher(module, r.get("module"))
    cumulative = is_cumulative(r.get("metric"))
    dev, ref = deviation(r.get("target"), r.get("expected"), r.get("actual"), cumulative)
    bad = not math.isnan(dev) and (dev > 0 if r.get("direction", "higher") == "higher" else dev < 0)
    c, kind = goal_checkin(checkins, r["goal_id"], match, as_of)
    has_cause, has_measure = c is not None and c.cause is not None, c is not None and c.measure is not None
    off = r.get("status") == "off_track"
    seen = first_seen_map or {}
    first = (_date(seen.get(r["goal_id"], seen.get(f"pace:{r['goal_id']}"))) or as_of) if off else None
    due = (dt.datetime.combine(first, dt.time()) + dt.timedelta(hours=tracking_rules.ADJUSTMENT_HOURS)).date() \
        if off else None
    submitted = plan_submitted(checkins, r["goal_id"], match, first, as_of) if off else None
    raw = {"goal_id": r["goal_id"], "status": r.get("status"), "module_id": module.id if module else None,
           "metric": r.get("metric"), "unit": r.get("unit"), "direction": r.get("direction"), "cumulative": cumulative,
           "target": r.get("target"), "reference": ref, "actual": r.get("actual"), "deviation": dev,
           "deviation_bad": bool(bad), "checkin_date": c.date if c else None, "checkin_from": kind,
           "has_cause": has_cause, "has_measure": has_measure,
           "red_without_cause": bool(off and not (has_cause and has_measure)),
           "deadline": _date(r.get("end")), "first_seen": first, "adjustment_due": due, "plan_submitted": submitted,
           "plan_overdue": bool(off and submitted is None and as_of > due), "owner": r.get("owner")}
    return raw, module, c


def _display_row(r, raw: dict, module, c, checkins, as_of, lang) -> tuple[dict, list[str]]:
    unit = r.get("unit") if isinstance(r.get("unit"), str) else None
    plan_text, overdue = _plan_cell(module, _date(r.get("start")), _date(r.get("end")), checkins, as_of, lang)
    off = raw["status"] == "off_track"
    cells = {
        "module": module.name.get(lang) if module else (r.get("module") or i18n.MISSING),
        "goal": _goal_cell(r, raw["cumulative"], lang), "plan": plan_text, "kpi": _kpi_cell(r, lang),
        "source": _source_cell(r, lang), "actual": _fmt(r.get("actual"), unit, lang),
        "deviation": _fmt(raw["deviation"], unit, lang, signed=True),
        "cause": _note_cell(c, raw["checkin_from"], "cause", lang) if raw["has_cause"] else
        (i18n.t("tracking_table.missing.cause", lang) if off else i18n.MISSING),
        "measure": _note_cell(c, raw["checkin_from"], "measure", lang) if raw["has_measure"] else
        (i18n.t("tracking_table.missing.measure", lang) if off else i18n.MISSING),
        "owner": r.get("owner") or i18n.MISSING, "deadline": _deadline_cell(raw["deadline"], raw, lang)}
    return {i18n.t(f"tracking_table.col.{k}", lang): v for k, v in cells.items()}, overdue


def build(scoreboard: pd.DataFrame, goals, plan, checkins, as_of, alerts_first_seen: dict | None = None,
          lang: str = "zh") -> TrackingTable:
    """The tracking table of the scoreboard's goals (its row order), in both languages; ``lang`` picks
    ``TrackingTable.frame``. ``goals`` is accepted for symmetry with the other sections (the scoreboard already
    carries names, owner and module); ``plan`` is the execution plan (``goals.load_plan``), ``checkins`` the
    owners' check-ins (``checkins.load_checkins``), ``alerts_first_seen`` {goal id (or its alert key ``pace:<id>``): ISO date first flagged}."""
    i18n.check_lang(lang)
    as_of = _date(as_of)
    checkins = sorted(checkins or [], key=lambda c: c.date)
    raws, frames = [], {lg: [] for lg in i18n.LANGS}
    for _, row in scoreboard.iterrows():
        r = row.to_dict()
        raw, module, c = _raw_row(r, plan, checkins, as_of, alerts_first_seen)
        for lg in i18n.LANGS:
            cells, overdue = _display_row(r, raw, module, c, checkins, as_of, lg)
            frames[lg].append(cells)
            if lg == "zh":
                raw["overdue_actions"] = overdue   # names as in plan.yaml (Chinese)
        raws.append(raw)
    out = {lg: pd.DataFrame(rows, columns=headers(lg)) for lg, rows in frames.items()}
    return TrackingTable(out, pd.DataFrame(raws), scoreboard.copy(), as_of, lang)


# --- words and HTML ---------------------------------------------------------------------------------

def finding(t: TrackingTable, lang: str) -> str:
    """One sentence: goals by status, and the off-track goals still without a cause or a measure (owner)."""
    raw = t.raw
    if raw.empty:
        return i18n.t("tracking_table.finding.none", lang)
    counts = [i18n.t("tracking_table.finding.count", lang, k=int((raw["status"] == s).sum()),
                     status=i18n.t(f"tracking_table.status.{s}", lang))
              for s in tracking_rules.STATUSES if (raw["status"] == s).any()]
    sep = "，" if lang == "zh" else ", "
    text = i18n.t("tracking_table.finding" + ("_one" if len(raw) == 1 else ""), lang, n=len(raw),
                  counts=sep.join(counts))
    tail = causes_finding(t, lang)
    return text + ("" if lang == "zh" else " ") + tail


def causes_finding(t: TrackingTable, lang: str) -> str:
    """Whether every off-track goal has a cause and a measure from its owner (names those that do not)."""
    raw = t.raw
    red = raw[raw["status"] == "off_track"] if not raw.empty else raw
    missing = red[red["red_without_cause"]] if not red.empty else red
    if red.empty:
        return i18n.t("tracking_table.finding.no_red", lang)
    if missing.empty:
        return i18n.t("tracking_table.finding.red_ok", lang, k=len(red))
    items = [i18n.t("tracking_table.finding.item", lang, goal=g, owner=o or i18n.MISSING)
             for g, o in zip(missing["goal_id"], missing["owner"])]
    key = "tracking_table.finding.red_missing" + ("_one" if len(missing) == 1 else "")
    return i18n.t(key, lang, k=len(missing), items="；".join(items) if lang == "zh" else "; ".join(items))


def tint(color: str, share: float = TINT) -> str:
    """``color`` mixed with white (``share`` of the colour): a light row background."""
    rgb = [int(color.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(255 - (255 - c) * share):02X}" for c in rgb)


def status_fill(status: str | None) -> str:
    """The light background of a row: missed shows red like off track; not started / not measurable grey."""
    key = {"missed": "off_track"}.get(status, status)
    return tint(style.status_color(key or "no_data"))


def missing_cells(raw_row) -> set[str]:
    """The column keys to highlight in a row: cause and/or measure of an off-track goal without them."""
    if not raw_row["red_without_cause"]:
        return set()
    return {k for k, has in (("cause", raw_row["has_cause"]), ("measure", raw_row["has_measure"])) if not has}


def table_html(t: TrackingTable, lang: str) -> str:
    """The table as escaped HTML: rows tinted by status, a red row's missing cause/measure highlighted."""
    frame = t.frames[i18n.check_lang(lang)]
    cell = "text-align:left;vertical-align:top;white-space:pre-line;"
    short = "text-align:left;vertical-align:top;white-space:pre;"   # no wrapping inside names, dates, numbers
    out = ["<table class='attain-table attain-tracking' style='font-size:0.82em'><thead><tr>"]
    out += [f"<th style='text-align:left;vertical-align:bottom'>{html.escape(h)}</th>" for h in frame.columns]
    out.append("</tr></thead><tbody>")
    for (_, raw), values in zip(t.raw.iterrows(), frame.itertuples(index=False)):
        hot = missing_cells(raw)
        out.append(f"<tr data-status='{html.escape(str(raw['status']), quote=True)}' "
                   f"style='background:{status_fill(raw['status'])}'>")
        for key, value in zip(COLUMNS, values):
            width = f"min-width:{MIN_WIDTH[key]};" if key in MIN_WIDTH else ""
            if key in hot:
                out.append(f"<td class='attain-missing' style='{cell}{width}background:{HIGHLIGHT};color:{MARK_COLOR};"
                           f"font-weight:bold;outline:2px dashed {MARK_COLOR};outline-offset:-3px'>"
                           f"{html.escape(str(value))}</td>")
            else:
                look = short if key in SHORT else cell
                look += f"color:{MARK_COLOR};font-weight:bold;" if key == "deviation" and raw["deviation_bad"] else ""
                out.append(f"<td style='{look}{width}'>{html.escape(str(value))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return f"{display.TABLE_CSS}<div style='{display.TABLE_STYLE}'>{''.join(out)}</div>"


def note(lang: str) -> str:
    return i18n.t("tracking_table.note", lang, hours=tracking_rules.ADJUSTMENT_HOURS)


def show(t: TrackingTable, lang: str) -> None:
    """Notebook section: heading, the finding, the table, the note on deviations, colours and deadlines."""
    display.heading("tracking_table.section", lang)
    display.paragraph(finding(t, lang))
    display.html_block(table_html(t, lang))
    display.note(note(lang))


__all__ = ["COLUMNS", "TrackingTable", "action_state", "build", "deviation", "finding", "goal_checkin", "headers",
           "causes_finding", "is_cumulative", "missing_cells", "note", "plan_submitted", "show", "status_fill", "table_html", "tint"]
