"""The risk register (``data/plan/risks.yaml``) and which risks' triggers have fired (风险预案).

Each entry: id, risk {zh, en}, likelihood and impact (1 low – 5 high), owner, contingency and an optional
``trigger``, either

- ``{alert: spend_burn}`` (optionally ``subject: M3``): fires when a built-in alert of that rule
  (goal_pace, cac_over_budget, spend_burn, conversion_drop, stale_data) is raised — not resolved — in
  this run; or
- a metric condition like a custom alert rule (metric, scope, window, one of above / below /
  change_above / change_below; see ``attain.alert_rules``), evaluated as of the report's as_of.

A text written as "中文 / English" (one " / ") is read as the two languages. score = likelihood × impact.
``assess_risks`` lists fired risks first, then by score; ``show_risks`` highlights the fired ones and shows
their contingency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from attain import display, i18n, paths, planfile
from attain.alert_rules import (
    HINTS,
    Condition,
    both,
    check_condition,
    describe_condition,
    each,
    evaluate_rule,
    fmt_metric,
)
from attain.alert_state import Alert
from attain.alerts import BUILTIN_RULES, Skipped
from attain.alerts_view import html_table, subject_name
from attain.goals import Name
from attain.tracking_rules import TRAILING_DAYS

FILE_NAME = "risks.yaml"
FIRED_STYLE = "background:#FDECEA"
_CJK = re.compile(r"[\u3400-\u9fff]")

i18n.register({
    "risks.section": {"zh": "风险与应对预案", "en": "Risks and contingencies"},
    "risks.col.id": {"zh": "编号", "en": "ID"}, "risks.col.risk": {"zh": "风险", "en": "Risk"},
    "risks.col.likelihood": {"zh": "可能性", "en": "Likelihood"}, "risks.col.impact": {"zh": "影响", "en": "Impact"},
    "risks.col.score": {"zh": "得分", "en": "Score"}, "risks.col.trigger": {"zh": "触发条件", "en": "Trigger"},
    "risks.col.current": {"zh": "当前值", "en": "Now"}, "risks.col.status": {"zh": "状态", "en": "Status"},
    "risks.col.contingency": {"zh": "应对预案", "en": "Contingency"}, "risks.col.owner": {"zh": "负责人", "en": "Owner"},
    "risks.status.fired": {"zh": "已触发", "en": "Fired"}, "risks.status.quiet": {"zh": "未触发", "en": "Not fired"},
    "risks.status.unknown": {"zh": "无法评估", "en": "Not evaluated"},
    "risks.trigger.alert": {"zh": "出现“{rule}”预警{subject}", "en": "a “{rule}” alert is raised{subject}"},
    "risks.trigger.alert_subject": {"zh": "（{subject}）", "en": " for {subject}"},
    "risks.trigger.none": {"zh": "未设触发条件", "en": "no trigger"},
    "risks.current.raised": {"zh": "已出现：{items}", "en": "raised: {items}"},
    "risks.current.quiet": {"zh": "本次无此预警", "en": "not raised in this run"},
    "risks.current.skipped": {"zh": "该预警未检查：{why}", "en": "alert not checked: {why}"},
    "risks.current.change": {"zh": "{value}（前{trailing}天{base}，{change}）", "en": "{value} ({base} before, {change})"},
    "risks.finding.fired": {"zh": "{n}个风险中有{k}个已触发：{items}。", "en": "{k} of {n} risks have fired: {items}."},
    "risks.finding.item": {"zh": "{risk}（应对：{contingency}）", "en": "{risk} (contingency: {contingency})"},
    "risks.finding.quiet": {"zh": "{n}个风险均未触发；得分最高的是{risk}（{score}分）。",
                            "en": "None of the {n} risks has fired; the highest-scoring is {risk} (score {score})."},
    "risks.finding.unknown": {"zh": "{k}个风险的触发条件无法评估或未设置。",
                              "en": "{k} risk(s) have a trigger that could not be evaluated or none at all."},
    "risks.finding.empty": {"zh": "风险登记（risks.yaml）为空。", "en": "The risk register (risks.yaml) is empty."},
})


def _bilingual(value: Any) -> Any:
    """ "中文 / English" -> {zh, en}; other values unchanged (a Name takes one text for both languages)."""
    if isinstance(value, str) and value.count(" / ") == 1:
        zh, en = (p.strip() for p in value.split(" / "))
        if _CJK.search(zh) and not _CJK.search(en):
            return {"zh": zh, "en": en}
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AlertTrigger(_Model):
    """Fires when a built-in alert of ``alert`` (and ``subject``, if given) is raised in this run."""
    alert: Literal["goal_pace", "cac_over_budget", "spend_burn", "conversion_drop", "stale_data"]
    subject: str | None = None


class _Entry(_Model):
    id: str = Field(min_length=1)
    risk: Name
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owner: str | None = None
    contingency: Name | None = None
    trigger: dict[str, Any] | None = None

    @field_validator("risk", "contingency", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return _bilingual(value)


@dataclass(frozen=True)
class Risk:
    id: str
    risk: Name
    likelihood: int
    impact: int
    owner: str | None
    contingency: Name | None
    trigger: AlertTrigger | Condition | None

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


_HINTS = {**HINTS, "likelihood": "a whole number from 1 (low) to 5 (high)", "impact": "a whole number from 1 to 5",
          "risk": "write risk: {zh: 中文, en: English}", "contingency": "write the plan B: {zh: …, en: …}",
          "trigger": "write {alert: spend_burn} or a metric condition {metric: uv, scope: {channel: 直播}, "
                     "change_below: -0.2}",
          "alert": f"use one of: {', '.join(BUILTIN_RULES)}"}


def _trigger(path: Path, what: str, raw: dict | None):
    if raw is None:
        return None
    if "alert" in raw:
        return planfile.validate(path, AlertTrigger, raw, f"{what}, trigger", _HINTS)
    cond = planfile.validate(path, Condition, raw, f"{what}, trigger", _HINTS)
    check_condition(path, f"{what}, trigger", cond)
    return cond


def load_risks(plan_dir: str | Path | None = None) -> list[Risk]:
    """The risks of ``<plan_dir>/risks.yaml`` in file order (a missing file: none)."""
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder if folder.suffix in (".yaml", ".yml") else folder / FILE_NAME
    if not path.is_file():
        return []
    out = []
    for i, item in enumerate(planfile.entries(path, planfile.read(path), "risks"), start=1):
        what = planfile.label("risk", i, item)
        e = planfile.validate(path, _Entry, item, what, _HINTS)
        out.append(Risk(e.id, e.risk, e.likelihood, e.impact, e.owner, e.contingency, _trigger(path, what, e.trigger)))
    planfile.no_duplicates(path, "risk", [r.id for r in out])
    return out


# --- assessment ----------------------------------------------------------------------------

def _alert_trigger(trig: AlertTrigger, alerts: Sequence[Alert], skipped: Sequence[Skipped]) -> dict:
    subj = each(lambda lang: i18n.t("risks.trigger.alert_subject", lang, subject=trig.subject)) \
        if trig.subject else ""
    trigger = both("risks.trigger.alert", rule=each(i18n.t, f"alerts.rule.{trig.alert}"), subject=subj)
    raised = [a for a in alerts if a.rule == trig.alert and a.state != "resolved"
              and (trig.subject is None or a.subject == trig.subject)]
    skip = next((s for s in skipped if s.rule == trig.alert), None)
    if raised:
        current = both("risks.current.raised",
                       items=each(lambda lang: i18n.join_list([subject_name(a, lang) for a in raised], lang)))
    elif skip is not None:
        current = both("risks.current.skipped", why=each(skip.reason))
    else:
        current = both("risks.current.quiet")
    return {"trigger": trigger, "value": float(len(raised)), "current": current, "fired": bool(raised),
            "evaluated": skip is None or bool(raised)}


def _metric_trigger(ds, cond: Condition, as_of) -> dict:
    res = evaluate_rule(ds, cond, as_of)
    trigger = (describe_condition(cond, "zh"), describe_condition(cond, "en"))
    if not res.evaluated:
        current = (res.described_zh, res.described_en)
    elif res.change is not None:
        current = both("risks.current.change", value=each(fmt_metric, res.value, cond.metric),
                       base=each(fmt_metric, res.baseline, cond.metric), trailing=TRAILING_DAYS,
                       change=i18n.fmt_growth(res.change))
    else:
        current = tuple(each(fmt_metric, res.value, cond.metric).values())
    value = res.change if res.change is not None else res.value
    return {"trigger": trigger, "value": value, "current": current, "fired": res.fired, "evaluated": res.evaluated}


def assess_risks(ds, risks: Sequence[Risk], alerts: Sequence[Alert], as_of, *,
                 skipped: Sequence[Skipped] = ()) -> pd.DataFrame:
    """One row per risk: id, risk_zh/en, likelihood, impact, score, trigger_zh/en (in words), value (the
    metric's value or change; for an alert trigger the number of alerts raised), current_zh/en, fired,
    evaluated, contingency_zh/en, owner — fired first, then by score (highest first), then id."""
    rows = []
    for r in risks:
        if isinstance(r.trigger, AlertTrigger):
            t = _alert_trigger(r.trigger, alerts, skipped)
        elif r.trigger is not None:
            t = _metric_trigger(ds, r.trigger, as_of)
        else:
            none = both("risks.trigger.none")
            t = {"trigger": none, "value": float("nan"), "current": (i18n.MISSING,) * 2, "fired": False,
                 "evaluated": False}
        c = r.contingency
        rows.append({"id": r.id, "risk_zh": r.risk.zh, "risk_en": r.risk.en, "likelihood": r.likelihood,
                     "impact": r.impact, "score": r.score, "trigger_zh": t["trigger"][0], "trigger_en": t["trigger"][1],
                     "value": t["value"], "current_zh": t["current"][0], "current_en": t["current"][1],
                     "fired": t["fired"], "evaluated": t["evaluated"], "contingency_zh": c.zh if c else None,
                     "contingency_en": c.en if c else None, "owner": r.owner})
    cols = ["id", "risk_zh", "risk_en", "likelihood", "impact", "score", "trigger_zh", "trigger_en", "value",
            "current_zh", "current_en", "fired", "evaluated", "contingency_zh", "contingency_en", "owner"]
    frame = pd.DataFrame(rows, columns=cols)
    if frame.empty:
        return frame
    return frame.sort_values(["fired", "score", "id"], ascending=[False, False, True], kind="stable"
                             ).reset_index(drop=True)


# --- words and the table -------------------------------------------------------------------

def finding(frame: pd.DataFrame, lang: str) -> str:
    """E.g. "2 of 5 risks have fired: Budget overrun (contingency: …); …"."""
    if frame.empty:
        return i18n.t("risks.finding.empty", lang)
    fired = frame[frame["fired"]]
    if len(fired):
        sep = "；" if lang == "zh" else "; "
        items = sep.join(i18n.t("risks.finding.item", lang, risk=r[f"risk_{lang}"],
                                contingency=r[f"contingency_{lang}"] or i18n.MISSING) for _, r in fired.iterrows())
        text = i18n.t("risks.finding.fired", lang, n=len(frame), k=len(fired), items=items)
    else:
        top = frame.sort_values(["score", "id"], ascending=[False, True]).iloc[0]
        text = i18n.t("risks.finding.quiet", lang, n=len(frame), risk=top[f"risk_{lang}"], score=int(top["score"]))
    unknown = int((~frame["evaluated"] & ~frame["fired"]).sum())
    if unknown:
        text += (" " if lang == "en" else "") + i18n.t("risks.finding.unknown", lang, k=unknown)
    return text


def _status(row) -> str:
    return "fired" if row["fired"] else "quiet" if row["evaluated"] else "unknown"


def risks_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Display strings: the contingency is shown for fired risks only."""
    def col(k: str) -> str:
        return i18n.t(f"risks.col.{k}", lang)

    return pd.DataFrame({
        col("id"): list(frame["id"]), col("risk"): list(frame[f"risk_{lang}"]),
        col("likelihood"): [str(v) for v in frame["likelihood"]], col("impact"): [str(v) for v in frame["impact"]],
        col("score"): [str(v) for v in frame["score"]], col("trigger"): list(frame[f"trigger_{lang}"]),
        col("current"): list(frame[f"current_{lang}"]),
        col("status"): [i18n.t(f"risks.status.{_status(r)}", lang) for _, r in frame.iterrows()],
        col("contingency"): [(r[f"contingency_{lang}"] or i18n.MISSING) if r["fired"] else i18n.MISSING
                             for _, r in frame.iterrows()],
        col("owner"): [o or i18n.MISSING for o in frame["owner"]],
    }, columns=[col(k) for k in ("id", "risk", "likelihood", "impact", "score", "trigger", "current", "status",
                                 "contingency", "owner")])


def risks_html(frame: pd.DataFrame, lang: str) -> str:
    styles = [FIRED_STYLE if f else "" for f in frame["fired"]]
    bold = {(i, 7): "font-weight:bold;color:#C62828" for i, f in enumerate(frame["fired"]) if f}
    return html_table(risks_table(frame, lang), styles, bold, wrap=(1, 5, 8))


def show_risks(frame: pd.DataFrame, lang: str) -> None:
    """Heading, finding and the register with the fired risks highlighted."""
    display.heading("risks.section", lang)
    display.paragraph(finding(frame, lang))
    if not frame.empty:
        display.html_block(risks_html(frame, lang))


__all__ = ["AlertTrigger", "Risk", "assess_risks", "finding", "load_risks", "risks_html", "risks_table",
           "show_risks"]
