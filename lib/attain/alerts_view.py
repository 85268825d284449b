"""The alerts in the report (预警): a finding with counts, the table by severity, the thresholds in force.

``show(alerts, lang, config=..., skipped=...)`` takes the alerts after
``alert_state.compare`` (state new / ongoing / resolved, first_seen). Every text from data or plan files is
HTML-escaped; the severity cell is coloured with the status colours (high = off-track red, medium =
at-risk amber, low = grey) and resolved rows are greyed.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd

from attain import display, i18n, style
from attain.alert_rules import AlertConfig, describe_condition
from attain.alert_state import Alert, sort_alerts
from attain.alerts import BUILTIN_RULES, Skipped
from attain.tracking_rules import ALERT_DEFAULTS, RECENT_DAYS, TRAILING_DAYS

SEVERITY_COLORS = {"high": style.STATUS_COLORS["off_track"], "medium": style.STATUS_COLORS["at_risk"],
                   "low": style.STATUS_COLORS["no_data"]}
RESOLVED_STYLE = "color:#9E9E9E"
COLUMNS = ("severity", "state", "since", "subject", "message", "owner")

i18n.register({
    "alerts_view.section": {"zh": "预警", "en": "Alerts"},
    "alerts_view.col.severity": {"zh": "严重度", "en": "Severity"},
    "alerts_view.col.state": {"zh": "状态", "en": "State"},
    "alerts_view.col.since": {"zh": "首次出现", "en": "Since"},
    "alerts_view.col.subject": {"zh": "对象", "en": "Subject"},
    "alerts_view.col.message": {"zh": "内容", "en": "Message"},
    "alerts_view.col.owner": {"zh": "负责人", "en": "Owner"},
    "alerts_view.severity.high": {"zh": "高", "en": "High"},
    "alerts_view.severity.medium": {"zh": "中", "en": "Medium"},
    "alerts_view.severity.low": {"zh": "低", "en": "Low"},
    "alerts_view.state.new": {"zh": "新增", "en": "New"},
    "alerts_view.state.ongoing": {"zh": "持续", "en": "Ongoing"},
    "alerts_view.state.resolved": {"zh": "已解除", "en": "Resolved"},
    "alerts_view.subject": {"zh": "{rule}：{subject}", "en": "{rule}: {subject}"},
    "alerts_view.finding": {"zh": "预警：新增{new}条、持续{ongoing}条、已解除{resolved}条；其中高严重度{high}条。",
                            "en": "Alerts: {new} new, {ongoing} ongoing, {resolved} resolved; {high} high."},
    "alerts_view.finding_top": {"zh": "最严重的是：{message}", "en": "Most severe: {message}"},
    "alerts_view.none": {"zh": "没有预警：各项指标均在阈值之内。", "en": "No alerts: every check is within its threshold."},
    "alerts_view.thresholds": {
        "zh": "阈值：目标进度指数低于{pace}；渠道获客成本比预算CAC高{cac}及以上；花费进度超前计划{burn}及以上；"
              "近{recent}天转化率比前{trailing}天下降{conv}及以上；数据截止日早于分析日超过{stale}天。"
              "严重度“高”：目标落后（off track）、偏离幅度达到阈值的两倍，或订单数据滞后。",
        "en": "Thresholds: a goal's pace index below {pace}; a channel's CAC {cac} or more above its budgeted CAC; "
              "spend {burn} or more ahead of plan; conversion of the last {recent} days {conv} or more below the "
              "{trailing} days before; data ending more than {stale} day(s) before the analysis date. High "
              "severity: an off-track goal, a deviation of twice the threshold, or stale orders."},
    "alerts_view.rules": {"zh": "自定义规则（alerts.yaml）：{rules}。", "en": "Custom rules (alerts.yaml): {rules}."},
    "alerts_view.skipped": {"zh": "未检查：{items}。", "en": "Not checked: {items}."},
})


def _label(rule: str, lang: str) -> str:
    key = f"alerts.rule.{rule}" if rule in BUILTIN_RULES else "alerts.rule.custom"
    return i18n.t(key, lang)


def subject_name(alert: Alert, lang: str) -> str:
    """The goal, channel, module or table concerned ("total" and "all" in words)."""
    if alert.rule == "spend_burn" and alert.subject == "total":
        return i18n.t("alerts.total", lang)
    if alert.rule == "conversion_drop" and alert.subject == "all":
        return i18n.t("alerts.all_channels", lang)
    return alert.subject


def subject_text(alert: Alert, lang: str) -> str:
    """E.g. "获客成本超预算：直播" / "Spend burn: All modules"."""
    return i18n.t("alerts_view.subject", lang, rule=_label(alert.rule, lang), subject=subject_name(alert, lang))


def alerts_table(alerts: Sequence[Alert], lang: str) -> pd.DataFrame:
    """One row per alert (by severity, new first, resolved last): severity, state, since, subject, message,
    owner, as words in ``lang``."""
    rows = sort_alerts(list(alerts))
    col = {c: i18n.t(f"alerts_view.col.{c}", lang) for c in COLUMNS}
    return pd.DataFrame({
        col["severity"]: [i18n.t(f"alerts_view.severity.{a.severity}", lang) for a in rows],
        col["state"]: [i18n.t(f"alerts_view.state.{a.state}", lang) for a in rows],
        col["since"]: [a.first_seen or i18n.MISSING for a in rows],
        col["subject"]: [subject_text(a, lang) for a in rows],
        col["message"]: [a.message(lang) for a in rows],
        col["owner"]: [a.owner or i18n.MISSING for a in rows],
    }, columns=list(col.values()))


WRAP_STYLE = "white-space:normal;min-width:12em;max-width:36em"


def html_table(frame: pd.DataFrame, row_styles: Sequence[str] = (),
               cell_styles: Mapping[tuple[int, int], str] | None = None, wrap: Sequence[int] = ()) -> str:
    """An escaped HTML table in the house style (headers left-aligned over text), with optional per-row and
    per-cell inline styles; the ``wrap`` columns (long texts) wrap instead of widening the table."""
    cell_styles = cell_styles or {}
    head = "".join(f"<th style='text-align:left;white-space:nowrap'>{html.escape(str(c))}</th>"
                   for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = "".join(f"<td style='{WRAP_STYLE + ';' if j in wrap else ''}{cell_styles.get((i, j), '')}'>"
                        f"{html.escape(str(v))}</td>" for j, v in enumerate(row))
        body.append(f"<tr style='{row_styles[i] if i < len(row_styles) else ''}'>{cells}</tr>")
    name, css = display.align_css(frame)
    return (f"{display.TABLE_CSS}{css}<div style='{display.TABLE_STYLE}'><table class='attain-table {name}' border='0'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def alerts_html(alerts: Sequence[Alert], lang: str) -> str:
    """The alerts table as escaped HTML: the severity cell coloured, resolved rows greyed."""
    rows = sort_alerts(list(alerts))
    cells = {(i, 0): f"background:{SEVERITY_COLORS.get(a.severity, SEVERITY_COLORS['low'])};color:white;"
                     "font-weight:bold;text-align:center" for i, a in enumerate(rows) if a.state != "resolved"}
    return html_table(alerts_table(rows, lang), [RESOLVED_STYLE if a.state == "resolved" else "" for a in rows],
                      cells, wrap=(4,))


def finding(alerts: Sequence[Alert], lang: str) -> str:
    """E.g. "Alerts: 3 new, 2 ongoing, 1 resolved; 2 high. Most severe: …"."""
    if not alerts:
        return i18n.t("alerts_view.none", lang)
    counts = {s: sum(a.state == s for a in alerts) for s in ("new", "ongoing", "resolved")}
    open_ = [a for a in alerts if a.state != "resolved"]
    text = i18n.t("alerts_view.finding", lang, high=sum(a.severity == "high" for a in open_), **counts)
    if open_:
        text += (" " if lang == "en" else "") + i18n.t("alerts_view.finding_top", lang, message=sort_alerts(open_)[0].message(lang))
    return text


def thresholds_note(config: AlertConfig | None, lang: str, skipped: Sequence[Skipped] = ()) -> str:
    """The thresholds in force (``config.settings``), the custom rules, and the checks that could not run."""
    s = {**ALERT_DEFAULTS, **(config.settings if config else {})}
    rules = config.rules if config else ()
    text = i18n.t("alerts_view.thresholds", lang, pace=f"{1 - s['pace_gap']:.2f}",
                  cac=i18n.fmt_pct(s["cac_over"], decimals=0), burn=i18n.fmt_pct(s["burn_ahead"], decimals=0), conv=i18n.fmt_pct(s["conversion_drop"], decimals=0),
                  recent=RECENT_DAYS, trailing=TRAILING_DAYS, stale=int(s["stale_days"]))
    if rules:
        items = [f"{r.name.get(lang)}（{describe_condition(r, lang)}）" if lang == "zh"
                 else f"{r.name.get(lang)} ({describe_condition(r, lang)})" for r in rules]
        text += (" " if lang == "en" else "") + i18n.t("alerts_view.rules", lang, rules=_join(items, lang))
    if skipped:
        text += (" " if lang == "en" else "") + i18n.t("alerts_view.skipped", lang,
                                                       items=_join([s.reason(lang) for s in skipped], lang))
    return text


def _join(items: list[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(items)


def show(alerts: Sequence[Alert], lang: str, *, config: AlertConfig | None = None,
         skipped: Sequence[Skipped] = ()) -> None:
    """Heading, finding, the alerts table (when there are any) and a note: the thresholds and custom rules of
    ``config`` (the defaults without one) and the ``skipped`` checks."""
    display.heading("alerts_view.section", lang)
    display.paragraph(finding(alerts, lang))
    if alerts:
        display.html_block(alerts_html(alerts, lang))
    display.note(thresholds_note(config, lang, skipped))


__all__ = ["alerts_html", "alerts_table", "finding", "html_table", "show", "subject_name", "subject_text",
           "thresholds_note"]
