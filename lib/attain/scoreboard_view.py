"""The scoreboard in words, a table and a chart (the first thing the tracking report shows)."""

from __future__ import annotations

import html

import numpy as np

from attain import display, i18n, style, tracking_rules, viz
from attain.pacing import Pacing

i18n.register({
    "score.heading": {"zh": "目标记分牌", "en": "Goal scoreboard"},
    "score.col.goal": {"zh": "目标", "en": "Goal"},
    "score.col.target": {"zh": "目标值", "en": "Target"},
    "score.col.actual": {"zh": "截至今日实际", "en": "Actual to date"},
    "score.col.expected": {"zh": "截至今日应完成", "en": "Expected to date"},
    "score.col.pace": {"zh": "进度指数", "en": "Pace"},
    "score.col.achievement": {"zh": "达成率", "en": "Achieved"},
    "score.col.forecast": {"zh": "期末预测（80%区间）", "en": "Landing forecast (80 % interval)"},
    "score.col.probability": {"zh": "达成概率", "en": "Chance"},
    "score.col.status": {"zh": "状态", "en": "Status"},
    "score.col.owner": {"zh": "负责人", "en": "Owner"},
    "status.missed": {"zh": "未达成", "en": "Missed"},
    "status.not_started": {"zh": "未开始", "en": "Not started"},
    "status.unmeasurable": {"zh": "无法衡量", "en": "Not measurable"},
    "score.reason.no_metric": {"zh": "没有指标", "en": "no metric"},
    "score.reason.no_period": {"zh": "没有期限", "en": "no period"},
    "score.reason.no_target": {"zh": "目标不是数值", "en": "target is not a number"},
    "score.finding": {"zh": "{n}个目标中：{counts}。", "en": "{n} goals: {counts}."},
    "score.count": {"zh": "{status}{n}个", "en": "{n} {status}"},
    "score.worst": {"zh": "最落后的是{goal}（进度指数{pace}，期末预测{forecast}，目标{target}）。",
                    "en": "Furthest behind: {goal} (pace {pace}, landing at {forecast} against {target})."},
    "score.rules": {"zh": "状态规则：进度指数 = 实际 ÷ 应完成（越低越好的指标取倒数，≥1为超前）。落后：进度指数低于{off_pace}"
                          "或达成概率低于{off_p}；正常：进度指数不低于{on_pace}且达成概率不低于{on_p}；其余为有风险。"
                          "应完成按分解后的月度目标及去年同月的日分布计算（含春节、618、双11等季节性），不是直线。"
                          "落后属于重大偏差，负责人须在{hours}小时内提交调整方案。",
                    "en": "Status rules: pace = actual ÷ expected (inverted for lower-is-better metrics; 1 or more is "
                          "ahead). Off track: pace below {off_pace} or a chance below {off_p}; on track: pace at least "
                          "{on_pace} and a chance of at least {on_p}; otherwise at risk. Expected to date follows the "
                          "decomposed monthly targets and last year's daily shape within the month (春节, 618, 双11), "
                          "not a straight line. An off-track goal is a major deviation: its owner owes an adjustment "
                          "plan within {hours} hours."},
    "score.chart.title": {"zh": "各目标进度指数（实际 ÷ 应完成）", "en": "Pace of each goal (actual ÷ expected)"},
    "score.chart.x": {"zh": "进度指数（1 = 按计划）", "en": "Pace (1 = on plan)"},
    "score.methods": {"zh": "应完成的计算方法：{methods}。", "en": "How expected to date was set: {methods}."},
    "score.method.plan": {"zh": "分解后的月度目标", "en": "decomposed monthly targets"},
    "score.method.plan_linear": {"zh": "月度目标（月内按天数）", "en": "monthly targets (days within the month)"},
    "score.method.last_year": {"zh": "去年同期累计占比", "en": "last year's cumulative share"},
    "score.method.linear": {"zh": "按天数线性", "en": "elapsed days"},
    "score.method.flat": {"zh": "目标值本身", "en": "the target itself"},
})


def status_name(status: str, lang: str) -> str:
    return i18n.t(f"status.{status}", lang)


def fmt_value(v, unit: str | None, lang: str) -> str:
    """A goal value in its unit (ratios as percentages); a dash when missing."""
    if unit is None or v is None or v != v:
        return i18n.MISSING
    return i18n.fmt_pct(v) if unit == "ratio" else i18n.fmt_value(v, unit, lang)


def fmt_pct(v) -> str:
    """A share as a whole percentage; a dash when missing."""
    return i18n.MISSING if v is None or v != v else i18n.fmt_pct(v, decimals=0)


def finding(p: Pacing, lang: str) -> str:
    board = p.scoreboard
    counts = [i18n.t("score.count", lang, status=status_name(s, lang).lower() if lang == "en" else status_name(s, lang),
                     n=int((board["status"] == s).sum()))
              for s in tracking_rules.STATUSES if (board["status"] == s).any()]
    text = i18n.t("score.finding", lang, n=len(board), counts=i18n.join_list(counts, lang))
    open_ = board[board["status"].isin(["off_track", "at_risk"]) & board["pace"].notna()]
    if not open_.empty:
        w = open_.sort_values("pace").iloc[0]
        worst = i18n.t("score.worst", lang, goal=f"{w['goal_id']} {w['name_' + lang]}", pace=f"{w['pace']:.2f}",
                       forecast=fmt_value(w["forecast"], w["unit"], lang), target=fmt_value(w["target"], w["unit"], lang))
        text += worst if lang == "zh" else " " + worst
    return text


def _row_html(r, lang: str) -> str:
    color = style.status_color(r.status)
    status = status_name(r.status, lang)
    if r.status == "unmeasurable" and isinstance(r.reason, str):
        status += f"（{i18n.t('score.reason.' + r.reason, lang)}）" if lang == "zh" else \
            f" ({i18n.t('score.reason.' + r.reason, lang)})"
    forecast = i18n.MISSING if r.forecast != r.forecast else (
        f"{fmt_value(r.forecast, r.unit, lang)} ({fmt_value(r.low, r.unit, lang)}–{fmt_value(r.high, r.unit, lang)})")
    cells = [f"<b>{html.escape(r.goal_id)}</b> {html.escape(getattr(r, 'name_' + lang) or '')}",
             fmt_value(r.target, r.unit, lang), fmt_value(r.actual, r.unit, lang), fmt_value(r.expected, r.unit, lang),
             i18n.MISSING if r.pace != r.pace else f"{r.pace:.2f}", fmt_pct(r.achievement), forecast,
             fmt_pct(r.probability)]
    tds = "".join(f"<td>{c if i == 0 else html.escape(c)}</td>" for i, c in enumerate(cells))
    return (f"<tr>{tds}<td style='color:#fff;background:{color};text-align:center;white-space:normal'>"
            f"{html.escape(status)}</td>"
            f"<td>{html.escape(str(r.owner or i18n.MISSING))}</td></tr>")


def scoreboard_html(p: Pacing, lang: str) -> str:
    keys = ("goal", "target", "actual", "expected", "pace", "achievement", "forecast", "probability", "status",
            "owner")
    head = "".join(f"<th>{html.escape(i18n.t('score.col.' + k, lang))}</th>" for k in keys)
    body = "".join(_row_html(r, lang) for r in p.scoreboard.itertuples())
    return (f"{display.TABLE_CSS}<div style='{display.TABLE_STYLE}'>"
            f"<table class='attain-table attain-scoreboard' style='font-size:0.9em'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def rules_text(lang: str) -> str:
    r = tracking_rules
    return i18n.t("score.rules", lang, off_pace=f"{r.OFF_TRACK_PACE:.2f}", off_p=i18n.fmt_pct(r.OFF_TRACK_PROBABILITY, decimals=0),
                  on_pace=f"{r.ON_TRACK_PACE:.2f}", on_p=i18n.fmt_pct(r.ON_TRACK_PROBABILITY, decimals=0),
                  hours=r.ADJUSTMENT_HOURS)


def methods_text(p: Pacing, lang: str) -> str | None:
    methods = [m for m in dict.fromkeys(p.scoreboard["method"].dropna())]
    if not methods:
        return None
    return i18n.t("score.methods", lang, methods=i18n.join_list(
        [i18n.t(f"score.method.{m}", lang) for m in methods], lang))


def pace_chart(p: Pacing, lang: str):
    """Horizontal bars of each open goal's pace, coloured by status, with the status thresholds marked."""
    board = p.scoreboard[p.scoreboard["pace"].notna()].iloc[::-1]
    if board.empty:
        return None
    fig, ax = viz.new_figure(height=max(2.4, 0.45 * len(board) + 1.2))
    labels = [f"{g} {n}" for g, n in zip(board["goal_id"], board[f"name_{lang}"])]
    ax.barh(labels, board["pace"], color=[style.status_color(s) for s in board["status"]])
    for x, ls in ((1.0, "-"), (tracking_rules.OFF_TRACK_PACE, ":"), (tracking_rules.ON_TRACK_PACE, "--")):
        ax.axvline(x, color="#555", lw=0.9, ls=ls)
    for y, v in enumerate(board["pace"]):
        ax.text(v, y, f" {v:.2f}", va="center", fontsize=9)
    ax.set_xlim(min(0.6, float(np.nanmin(board["pace"])) - 0.05), max(1.3, float(np.nanmax(board["pace"])) + 0.1))
    ax.set_title(i18n.t("score.chart.title", lang))
    ax.set_xlabel(i18n.t("score.chart.x", lang))
    tables = sorted({t for ts in board["tables"] for t in ts})
    viz.add_source(fig, tables, p.as_of, lang)
    return fig


def show(p: Pacing, lang: str) -> None:
    """Section: heading, finding, the coloured scoreboard, the rules, the pace chart."""
    display.heading("score.heading", lang)
    display.paragraph(finding(p, lang))
    display.html_block(scoreboard_html(p, lang))
    display.note(rules_text(lang))
    display.note(methods_text(p, lang))
    display.figure(pace_chart(p, lang))


__all__ = ["finding", "fmt_pct", "fmt_value", "methods_text", "pace_chart", "rules_text", "scoreboard_html", "show",
           "status_name"]

