"""Capability maturity in words, tables and a chart: ``finding``, ``show`` and their parts.

Texts are registered with ``attain.i18n`` at import; notes from the plan file are escaped by the
display primitives (``display.table``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from attain import display, i18n, style, viz
from attain.capability_plan import PLAN_FILE
from attain.capability_rules import CAPABILITIES, INDICATORS, LEVELS, POLARITY, CapabilityResult, tables_of

VERDICT_COLORS = {"supports": style.STATUS_COLORS["on_track"], "contradicts": style.STATUS_COLORS["off_track"],
                  "neutral": style.STATUS_COLORS["no_data"]}

TEXTS = {
    "section.capability": {"zh": "能力成熟度", "en": "Capability maturity"},
    "cap.brand": {"zh": "品牌", "en": "Brand"},
    "cap.acquisition": {"zh": "获客", "en": "Acquisition"},
    "cap.content": {"zh": "内容", "en": "Content"},
    "cap.data_analysis": {"zh": "数据分析", "en": "Data analysis"},
    "cap.crm": {"zh": "用户运营", "en": "CRM / user operations"},
    "cap.conversion": {"zh": "转化", "en": "Conversion"},
    "cap.level.basic": {"zh": "基础", "en": "Basic"},
    "cap.level.growing": {"zh": "成长", "en": "Growing"},
    "cap.level.leading": {"zh": "领先", "en": "Leading"},
    "cap.dir.improving": {"zh": "改善", "en": "improving"},
    "cap.dir.stable": {"zh": "持平", "en": "stable"},
    "cap.dir.worsening": {"zh": "恶化", "en": "worsening"},
    "cap.dir.good": {"zh": "良好", "en": "good"},
    "cap.dir.fair": {"zh": "一般", "en": "fair"},
    "cap.dir.poor": {"zh": "不足", "en": "poor"},
    "cap.dir.no_data": {"zh": "无数据", "en": "no data"},
    "cap.verdict.supports": {"zh": "数据支持", "en": "Supported"},
    "cap.verdict.contradicts": {"zh": "与数据矛盾", "en": "Contradicted"},
    "cap.verdict.neutral": {"zh": "无定论", "en": "Inconclusive"},
    "cap.ind.brand_gmv_share": {"zh": "自然搜索GMV占比（品牌需求）",
                                "en": "Natural-search share of GMV (brand demand)"},
    "cap.ind.brand_uv_share": {"zh": "自然搜索UV占比", "en": "Natural-search share of UV"},
    "cap.ind.content_gmv_share": {"zh": "内容渠道GMV占比（短视频、直播、KOL）",
                                  "en": "Content channels' share of GMV (短视频, 直播, KOL)"},
    "cap.ind.content_gmv": {"zh": "内容渠道GMV", "en": "Content channels' GMV"},
    "cap.ind.freshness": {"zh": "数据新鲜度（最长滞后）", "en": "Data freshness (longest lag)"},
    "cap.ind.completeness": {"zh": "数据完整度（数据表）", "en": "Data completeness (tables)"},
    "cap.days": {"zh": "{n}天（{table}）", "en": "{n} days ({table})"},
    "cap.days0": {"zh": "0天", "en": "0 days"},
    "cap.tables": {"zh": "{n}/{total}张", "en": "{n} of {total}"},
    "cap.missing_tables": {"zh": "缺少：{tables}", "en": "missing: {tables}"},
    "cap.why.no_table": {"zh": "缺少{arg}表", "en": "no {arg} table"},
    "cap.why.short_history": {"zh": "数据未覆盖{arg}起的去年同期", "en": "the data do not reach back to {arg}"},
    "cap.why.window": {"zh": "{arg}不在分析窗口（lookback_months）内", "en": "{arg} is outside the analysis window "
                                                                          "(lookback_months)"},
    "cap.why.no_ids": {"zh": "订单中没有客户编号", "en": "the orders carry no customer ids"},
    "cap.col.period": {"zh": "比较期", "en": "Period"},
    "cap.as_of": {"zh": "截至{date}", "en": "as of {date}"},
    "cap.col.capability": {"zh": "能力", "en": "Capability"},
    "cap.col.level": {"zh": "自评", "en": "Self-assessed"},
    "cap.col.indicator": {"zh": "数据指标", "en": "Indicator"},
    "cap.col.direction": {"zh": "方向", "en": "Direction"},
    "cap.col.verdict": {"zh": "判断", "en": "Verdict"},
    "cap.col.note": {"zh": "说明", "en": "Note"},
    "cap.chart.title": {"zh": "能力成熟度：自评等级与数据判断",
                        "en": "Capability maturity: self-assessed level and what the data say"},
    "cap.counts": {"zh": "正面{up}、负面{down}", "en": "{up} positive, {down} negative"},
    "cap.chart.x": {"zh": "自评等级", "en": "Self-assessed level"},
    "cap.not_assessed": {"zh": "未自评", "en": "not assessed"},
    "cap.finding": {"zh": "能力自评{n}项：{s}项有数据支持，{c}项与数据矛盾{names}，{u}项无定论。",
                    "en": "Self-assessment of {n} capabilities: {s} supported by the data, {c} contradicted{names}, "
                          "{u} inconclusive."},
    "cap.finding.no_plan": {"zh": "尚未填写能力自评；数据指标：{i}项改善、{w}项恶化、{st}项持平。",
                            "en": "No self-assessment yet; data indicators: {i} improving, {w} worsening, {st} "
                                  "stable."},
    "cap.no_plan": {"zh": "未找到能力自评文件 {file}。新建该文件，在 capabilities: 下为 {caps} 各写 "
                          "level（basic/growing/leading 或 基础/成长/领先）和 note，例如 acquisition: {{level: "
                          "growing, note: 新客成本可控}}。",
                    "en": "No self-assessment file at {file}. Create it with, under capabilities:, a level "
                          "(basic/growing/leading) and a note for each of {caps}, e.g. acquisition: {{level: "
                          "growing, note: CAC under control}}."},
    "cap.rules": {"zh": "口径：{span}对比去年同期；获客成本、新客数和复购率为{quarter}对比去年同季度"
                        "（与渠道效率、客户两节相同）。比率与数量类指标变化超过±{change}为改善/恶化（获客成本越低越好）"
                        "，占比类变化超过±{pp}个百分点；数据滞后≤{fresh_good}天为良好、≤{fresh_fair}天为一般；"
                        "数据表齐全为良好、缺{miss_fair}张为一般。判断：“领先”有指标恶化即矛盾，"
                        "有改善且无恶化为支持；“成长”有改善无恶化为支持，有恶化无改善为矛盾；"
                        "“基础”有恶化无改善为支持，有改善无恶化为矛盾；其余无定论。",
                  "en": "Basis: {span} vs the same months a year earlier; CAC, new buyers and the repurchase "
                        "rate: {quarter} vs the same quarter a year earlier (as in the channel-efficiency and "
                        "customer sections). Rates and counts move when they change by "
                        "more than ±{change} (lower CAC is better), shares by more than ±{pp} pp; a data lag of ≤ "
                        "{fresh_good} days is good, ≤ {fresh_fair} fair; all tables present is good, {miss_fair} "
                        "missing fair. Verdict: 'leading' is contradicted by any worsening indicator and supported "
                        "by improvement without worsening; 'growing' is supported by improvement without worsening, "
                        "contradicted by worsening without improvement; 'basic' is supported by worsening without "
                        "improvement, contradicted by improvement without worsening; otherwise inconclusive."},
}
i18n.register(TEXTS)


def indicator_name(ind_id: str, metric: str | None, lang: str) -> str:
    """Own text for derived indicators; the metric dictionary's name for metric trends."""
    key = f"cap.ind.{ind_id}"
    return i18n.t(key, lang) if key in i18n.STRINGS else i18n.metric_name(metric, lang)


def _value(row, which: str, lang: str) -> str:
    v = row[which]
    if i18n.is_missing(v):
        return i18n.MISSING
    if row["kind"] == "share":
        return i18n.fmt_pct(v)
    if row["kind"] == "lag":
        if which != "recent":
            return i18n.MISSING
        return i18n.t("cap.days", lang, n=int(v), table=row["detail"]) if v > 0 else i18n.t("cap.days0", lang)
    if row["kind"] == "coverage":
        if which != "recent":
            return i18n.MISSING
        return i18n.t("cap.tables", lang, n=int(row["recent"]), total=int(row["base"]))
    return i18n.fmt_value(v, i18n.metric_unit(row["metric"]), lang)


def _change(row, lang: str) -> str:
    if row["kind"] == "share":
        return i18n.fmt_pp(row["change"], lang)
    if row["kind"] == "change":
        return i18n.fmt_growth(row["change"])
    if row["kind"] == "coverage" and isinstance(row["detail"], str):
        return i18n.t("cap.missing_tables", lang, tables=row["detail"])
    return i18n.MISSING


def _direction(row, lang: str) -> str:
    text = i18n.t(f"cap.dir.{row['direction']}", lang)
    if isinstance(row["reason"], str):
        code, _, arg = row["reason"].partition(":")
        why = i18n.t(f"cap.why.{code}", lang, arg=i18n.fmt_quarter(arg, lang) if code == "window" else arg)
        text += f"（{why}）" if lang == "zh" else f" ({why})"
    return text


def _period(row, result: CapabilityResult, lang: str) -> str:
    if row["period"] == "quarter":
        return i18n.fmt_quarter(result.quarter, lang) if result.quarter else i18n.MISSING
    if row["period"] == "months":
        return i18n.fmt_month_span(*result.period, lang)
    return i18n.t("cap.as_of", lang, date=result.as_of.isoformat())


def indicator_table(result: CapabilityResult, lang: str) -> pd.DataFrame:
    """Capability, self-assessed level, verdict, and each indicator with its period, values and direction."""
    judged = result.verdicts.set_index("capability")
    rows = []
    for _, r in result.indicators.iterrows():
        cap = r["capability"]
        level = judged["level"].get(cap)
        rows.append({
            i18n.t("cap.col.capability", lang): i18n.t(f"cap.{cap}", lang),
            i18n.t("cap.col.level", lang): i18n.t(f"cap.level.{level}" if level else "cap.not_assessed", lang),
            i18n.t("cap.col.verdict", lang): i18n.t(f"cap.verdict.{judged['verdict'][cap]}", lang)
            if level else i18n.MISSING,
            i18n.t("cap.col.indicator", lang): indicator_name(r["indicator"], r["metric"], lang),
            i18n.t("cap.col.period", lang): _period(r, result, lang),
            i18n.t("col.current", lang): _value(r, "recent", lang),
            i18n.t("col.base", lang): _value(r, "base", lang),
            i18n.t("col.change", lang): _change(r, lang),
            i18n.t("cap.col.direction", lang): _direction(r, lang),
        })
    return pd.DataFrame(rows)


def notes_table(result: CapabilityResult, lang: str) -> pd.DataFrame | None:
    """The team's notes, as written in the plan file."""
    v = result.verdicts
    notes = v["note_zh" if lang == "zh" else "note_en"]
    if v.empty or not notes.astype(bool).any():
        return None
    return pd.DataFrame({i18n.t("cap.col.capability", lang): [i18n.t(f"cap.{c}", lang) for c in v["capability"]],
                         i18n.t("cap.col.level", lang): [i18n.t(f"cap.level.{x}", lang) for x in v["level"]],
                         i18n.t("cap.col.note", lang): notes.to_list()})


def _bar_label(result: CapabilityResult, cap: str, verdict_id: str, lang: str) -> str:
    """The verdict with its evidence count, e.g. 与数据矛盾（正面1、负面1）."""
    signs = [POLARITY.get(d, 0) for d in result.indicators.loc[result.indicators["capability"] == cap, "direction"]]
    counts = i18n.t("cap.counts", lang, up=signs.count(1), down=signs.count(-1))
    return i18n.t(f"cap.verdict.{verdict_id}", lang) + (f"（{counts}）" if lang == "zh" else f" ({counts})")


def chart(result: CapabilityResult, lang: str):
    """Horizontal bars: the self-assessed level (1-3) per capability, coloured by the verdict. None without a plan."""
    v = result.verdicts
    if v.empty:
        return None
    v = v.iloc[::-1]      # first capability of the file on top
    fig, ax = viz.new_figure(height=0.5 * len(v) + 1.8)
    y = np.arange(len(v))
    levels = [LEVELS.index(x) + 1 for x in v["level"]]
    ax.barh(y, levels, color=[VERDICT_COLORS[x] for x in v["verdict"]], height=0.6)
    ax.set_yticks(y, [i18n.t(f"cap.{c}", lang) for c in v["capability"]])
    for yi, lv, cap, verdict_id in zip(y, levels, v["capability"], v["verdict"]):
        ax.text(lv + 0.04, yi, _bar_label(result, cap, verdict_id, lang), va="center", fontsize=9, color="#333333",
                zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.9})
    ax.set_xticks([1, 2, 3], [i18n.t(f"cap.level.{x}", lang) for x in LEVELS])
    ax.set_xlim(0, 4.1)
    ax.set_xlabel(i18n.t("cap.chart.x", lang))
    ax.set_title(i18n.t("cap.chart.title", lang))
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=VERDICT_COLORS[k], label=i18n.t(f"cap.verdict.{k}", lang)) for k in VERDICT_COLORS]
    fig.legend(handles=handles, loc="outside right upper")
    periods = [i18n.fmt_month_span(*result.period, lang)] + ([i18n.fmt_quarter(result.quarter, lang)]
                                                             if result.quarter else [])
    viz.add_source(fig, [PLAN_FILE, *result_tables(result)], result.as_of, lang, i18n.join_list(periods, lang))
    return fig


def result_tables(result: CapabilityResult) -> list[str]:
    """The data tables the measured indicators used (those without a missing-table reason)."""
    used = result.indicators[result.indicators["reason"].isna() & result.indicators["metric"].notna()]
    return sorted({t for ind in INDICATORS if ind.id in set(used["indicator"]) for t in tables_of(ind)})


def finding(result: CapabilityResult, lang: str) -> str:
    """One line: how many self-assessed levels the data support or contradict (and which)."""
    v = result.verdicts
    if v.empty:
        d = result.indicators["direction"].value_counts()
        return i18n.t("cap.finding.no_plan", lang, i=d.get("improving", 0), w=d.get("worsening", 0),
                      st=d.get("stable", 0))
    n = v["verdict"].value_counts()
    bad = [i18n.t(f"cap.{c}", lang) for c in v.loc[v["verdict"] == "contradicts", "capability"]]
    names = (f"（{i18n.join_list(bad, lang)}）" if lang == "zh" else f" ({i18n.join_list(bad, lang)})") if bad else ""
    return i18n.t("cap.finding", lang, n=len(v), s=n.get("supports", 0), c=n.get("contradicts", 0),
                  u=n.get("neutral", 0), names=names)


def rules_text(result: CapabilityResult, lang: str) -> str:
    r = result.rules
    return i18n.t("cap.rules", lang, span=i18n.fmt_month_span(*result.period, lang),
                  quarter=i18n.fmt_quarter(result.quarter, lang) if result.quarter else i18n.MISSING,
                  change=i18n.fmt_pct(r.change, decimals=0), pp=f"{r.share_pp * 100:g}",
                  fresh_good=r.fresh_days[0], fresh_fair=r.fresh_days[1], miss_fair=r.missing_tables[1])


def show(result: CapabilityResult, lang: str) -> None:
    """Heading, finding, the chart, the indicator table, the team's notes and the rules in words."""
    display.heading("section.capability", lang)
    display.paragraph(finding(result, lang))
    if result.plan_missing:
        display.note(i18n.t("cap.no_plan", lang, file=result.plan_file, caps=", ".join(CAPABILITIES)))
    display.figure(chart(result, lang))
    display.table(indicator_table(result, lang))
    display.table(notes_table(result, lang))
    display.note(rules_text(result, lang))
