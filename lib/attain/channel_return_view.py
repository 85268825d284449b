"""Channel return of a quarter (渠道回报) in words, tables and charts: the finding, the channel and reallocation
tables, the ROAS and spend charts, and the report section (``show``).

The numbers and their 口径 are :mod:`attain.channel_return` (``channel_return(...)`` -> ``ChannelReturn``);
this module only presents them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attain import i18n
from attain.channel_return import ChannelReturn

i18n.register({
    "cr.section": {"zh": "渠道回报", "en": "Channel return"},
    "cr.h.channels": {"zh": "{quarter}各付费渠道：花费、GMV、ROAS、CAC与计划", "en": "Paid channels in {quarter}: "
                      "spend, GMV, ROAS and CAC against plan"},
    "cr.h.realloc": {"zh": "{next}建议分配", "en": "Recommended allocation for {next}"},
    "cr.find.main": {"zh": "{quarter}付费渠道花费{spend}{vs_plan}，带来GMV {gmv}（ROAS {roas}）和新客{new}人（CAC {cac}）",
                     "en": "In {quarter} the paid channels spent {spend}{vs_plan} for GMV of {gmv} (ROAS {roas}) "
                           "and {new} new buyers (CAC {cac})"},
    "cr.find.vs_plan": {"zh": "（为按天数折算计划{plan}的{pct}）", "en": " ({pct} of the {plan} planned pro rata)"},
    "cr.find.mroas": {"zh": "；边际ROAS最高的是{hi}（{hi_m}），最低的是{lo}（{lo_m}）",
                      "en": "; the next yuan returns most in {hi} (marginal ROAS {hi_m}) and least in {lo} ({lo_m})"},
    "cr.find.realloc": {"zh": "；{next}可分配预算{budget}（另留预留{reserve}），按边际ROAS分配后变化最大的是{up}（{up_change}）和{down}"
                              "（{down_change}），预期GMV较按本季度花费速度投放{gmv_change}（预算水平{level}，结构调整{mix}）",
                        "en": "; for {next}, with {budget} to allocate ({reserve} kept in reserve), the split by "
                              "marginal ROAS changes {up} ({up_change}) and {down} ({down_change}) the most: expected GMV "
                              "{gmv_change} against carrying on at this quarter's spend rate ({level} from the budget level, "
                              "{mix} from the mix)"},
    "cr.find.no_realloc": {"zh": "；没有下季度分配建议：{why}", "en": "; no reallocation for next quarter: {why}"},
    "cr.find.end": {"zh": "。", "en": "."},
    "cr.missing_adds": {"zh": "有了花费表（spend：日期、渠道、花费），本节会按渠道给出花费、ROAS、CAC与计划的对比、"
                              "响应曲线上的边际ROAS，以及下季度的建议预算分配。",
                        "en": "With a spend table (date, channel, spend) this section compares each channel's spend, "
                              "ROAS and CAC with plan, adds the marginal ROAS from the response curves and "
                              "recommends next quarter's split of the budget."},
    "cr.col.plan": {"zh": "计划花费（按天数折算）", "en": "Planned spend (pro rata)"},
    "cr.col.vs_plan": {"zh": "花费÷计划", "en": "Spend ÷ plan"},
    "cr.col.cac_target": {"zh": "预算CAC", "en": "Budgeted CAC"},
    "cr.col.cac_vs": {"zh": "CAC较预算", "en": "CAC vs budget"},
    "cr.col.mroas": {"zh": "边际ROAS", "en": "Marginal ROAS"},
    "cr.col.pool": {"zh": "预算池", "en": "Pool"},
    "cr.col.current": {"zh": "按本季度速度", "en": "At this quarter's rate"},
    "cr.col.planned": {"zh": "下季度计划（折算）", "en": "Next quarter, planned (pro rata)"},
    "cr.col.recommended": {"zh": "下季度建议", "en": "Next quarter, recommended"},
    "cr.col.change": {"zh": "建议较本季度速度", "en": "Recommended vs this quarter's rate"},
    "cr.col.gmv_current": {"zh": "预期GMV（按本季度速度）", "en": "Expected GMV (this quarter's rate)"},
    "cr.col.gmv_recommended": {"zh": "预期GMV（建议）", "en": "Expected GMV (recommended)"},
    "cr.col.gmv_change": {"zh": "GMV变化", "en": "GMV change"},
    "cr.col.mroas_current": {"zh": "边际ROAS（按本季度速度）", "en": "Marginal ROAS (this quarter's rate)"},
    "cr.col.mroas_recommended": {"zh": "边际ROAS（建议）", "en": "Marginal ROAS (recommended)"},
    "cr.note.basis": {"zh": "口径：花费、GMV、新客数、ROAS（GMV ÷ 花费）、CAC（花费 ÷ 新客数）均按指标字典计算，期间{start}至{end}，"
                            "新客归属其首单渠道。计划花费 = budget.yaml中该渠道全年计划 × 本季度{days}天 ÷ 全年{year_days}天；"
                            "预算CAC取自cac_targets。边际ROAS = 在本季度的花费速度下多投1元带来的GMV（响应曲线按{fit_start}至"
                            "{fit_end}的周度数据拟合，即全年曲线在年化花费“季度花费 × 364 ÷ 季度天数”处的斜率）。",
                      "en": "Basis: spend, GMV, new buyers, ROAS (GMV ÷ spend) and CAC (spend ÷ new buyers) from the "
                            "metric dictionary, {start} to {end}; a new buyer counts for the channel of their first "
                            "order. Planned spend = the channel's plan for the year in budget.yaml × {days} days of "
                            "the quarter ÷ {year_days} days of the year; budgeted CAC from cac_targets. Marginal ROAS "
                            "= the GMV of one more yuan at the quarter's spend rate (response curves fitted on weeks "
                            "{fit_start} to {fit_end}: the year's curve's slope at the annualised spend, quarter's "
                            "spend × 364 ÷ the quarter's days)."},
    "cr.note.realloc": {"zh": "下季度可分配预算 = 全年可分配预算{allocatable}（总预算 × (1 − 预留{reserve_share})）× {next_days}天 ÷ "
                              "{year_days}天；预留同样折算、不参与分配；渠道全年上下限按同一比例折算；品牌/效果拆分与优先级权重沿用预算模块，"
                              "按边际ROAS相等分配。“按本季度速度”= 本季度花费 ÷ {days}天 × {next_days}天。预期GMV为响应曲线在近52周平均需求水平下的"
                              "季度值（不含下季度季节性），请看变化而非水平。",
                        "en": "Next quarter's allocatable budget = the year's allocatable {allocatable} (total × (1 − "
                              "reserve {reserve_share})) × {next_days} days ÷ {year_days}; the reserve is scaled the "
                              "same way and never allocated; the year's channel bounds are scaled alike; the "
                              "brand/performance split and priority weights are the budget module's, and the split "
                              "equalises marginal ROAS. \"At this quarter's rate\" = this quarter's spend ÷ {days} days "
                              "× {next_days}. Expected GMV is the curves' quarter at the last 52 weeks' "
                              "average demand (no seasonality of next quarter): read the changes, not the levels."},
    "cr.note.ytd": {"zh": "年初至{end}，预算内渠道已花费{spent}，为全年可分配预算{allocatable}的{pct}；剩余{left}按剩余天数折算到{next}为"
                          "{left_next}（建议按全年计划折算，未用剩余预算）。",
                    "en": "From 1 January to {end} the budget's channels spent {spent}, {pct} of the year's allocatable "
                          "{allocatable}; what is left, {left}, spread over the rest of the year gives {left_next} for "
                          "{next} (the recommendation uses the plan pro rata, not what is left)."},
    "cr.note.not_in_budget": {"zh": "{channels}有花费但不在budget.yaml中：无计划，不参与分配。",
                              "en": "{channels}: spend but no line in budget.yaml, so no plan and no reallocation."},
    "cr.note.fixed": {"zh": "{channels}没有响应曲线，下季度按计划折算金额保留。",
                      "en": "{channels}: no response curve, kept at the pro-rata plan next quarter."},
    "cr.note.weights": {"zh": "优先级权重：{items}。", "en": "Priority weights: {items}."},
    "cr.chart.roas": {"zh": "{quarter}各渠道ROAS与边际ROAS", "en": "ROAS and marginal ROAS by channel, {quarter}"},
    "cr.chart.multiple": {"zh": "倍数（元GMV / 元花费）", "en": "Multiple (CNY of GMV per CNY spent)"},
    "cr.chart.roas_bar": {"zh": "ROAS（实际）", "en": "ROAS (actual)"},
    "cr.chart.mroas_bar": {"zh": "边际ROAS（响应曲线）", "en": "Marginal ROAS (response curve)"},
    "cr.chart.one": {"zh": "1倍", "en": "1×"},
    "cr.chart.spend": {"zh": "各渠道花费：{quarter}的速度与{next}建议", "en": "Spend by channel: at {quarter}'s rate and "
                       "{next} recommended"},
    "cr.chart.spend_axis": {"zh": "花费（元）", "en": "Spend (CNY)"},
    "cr.chart.actual": {"zh": "{quarter}花费速度（折算到{days}天）", "en": "{quarter} spend rate over {days} days"},
    "cr.chart.planned": {"zh": "{next}计划（折算）", "en": "{next} planned (pro rata)"},
    "cr.chart.recommended": {"zh": "{next}建议（渠道色）", "en": "{next} recommended (channel colour)"},
    "cr.chart.labels": {"zh": "标注：建议 − {quarter}花费速度", "en": "labels: recommended − {quarter} rate"},
    "cr.chart.fit": {"zh": "边际ROAS：响应曲线（{start}至{end}周度数据）", "en": "marginal ROAS: response curves "
                     "(weeks {start} to {end})"},
})


def _q(period: str, lang: str) -> str:
    return i18n.fmt_quarter(period, lang)


def _why(r: ChannelReturn, lang: str) -> str:
    return i18n.t(r.realloc_missing, lang, **r.realloc_params).rstrip("。.")


def finding(r: ChannelReturn, lang: str) -> str:
    """One sentence: the quarter's spend against plan, GMV, ROAS, CAC, the marginal ROAS range and the move."""
    if r.missing:
        return f"{_q(r.period, lang)}{'：' if lang == 'zh' else ': '}{i18n.t(r.missing, lang)}"
    t, money = r.total, (lambda v: i18n.fmt_money(v, lang))
    vs = "" if i18n.is_missing(t["spend_vs_plan"]) else i18n.t(
        "cr.find.vs_plan", lang, plan=money(t["plan_spend"]), pct=i18n.fmt_pct(t["spend_vs_plan"], decimals=0))
    text = i18n.t("cr.find.main", lang, quarter=_q(r.period, lang), spend=money(t["spend"]), vs_plan=vs,
                  gmv=money(t["gmv"]), roas=fmt_roas(t["roas"]), new=i18n.fmt_count(t["new_buyers"], lang),
                  cac=money(t["cac"]))
    m = r.channels.dropna(subset=["mroas"]).sort_values("mroas", ascending=False, kind="stable")
    if len(m) > 1:
        text += i18n.t("cr.find.mroas", lang, hi=m.iloc[0]["channel"], hi_m=fmt_roas(m.iloc[0]["mroas"]),
                       lo=m.iloc[-1]["channel"], lo_m=fmt_roas(m.iloc[-1]["mroas"]))
    if r.realloc is not None:
        a, tot = r.realloc.sort_values("change", kind="stable"), r.realloc_total
        text += i18n.t("cr.find.realloc", lang, next=_q(r.next_period, lang), budget=money(tot["allocatable"]),
                       reserve=money(tot["reserve"]), up=a.iloc[-1]["channel"],
                       up_change=i18n.fmt_signed_money(a.iloc[-1]["change"], lang), down=a.iloc[0]["channel"],
                       down_change=i18n.fmt_signed_money(a.iloc[0]["change"], lang),
                       gmv_change=i18n.fmt_signed_money(tot["gmv_change"], lang),
                       level=i18n.fmt_signed_money(tot["gmv_level"], lang),
                       mix=i18n.fmt_signed_money(tot["gmv_mix"], lang))
    elif r.realloc_missing:
        text += i18n.t("cr.find.no_realloc", lang, why=_why(r, lang))
    return text + i18n.t("cr.find.end", lang)


# --- tables --------------------------------------------------------------------------------------

def fmt_roas(v) -> str:
    """A multiple such as ROAS: ``3.91``."""
    return i18n.MISSING if i18n.is_missing(v) else f"{float(v):.2f}"


def channel_table(r: ChannelReturn, lang: str) -> pd.DataFrame | None:
    """Per paid channel and in total: spend, plan, spend ÷ plan, GMV, ROAS, new buyers, CAC, budgeted CAC,
    CAC vs budget, marginal ROAS (display strings)."""
    if r.channels is None:
        return None
    c, t = r.channels, r.total
    money, name = (lambda v: i18n.fmt_money(v, lang)), (lambda m: i18n.metric_name(m, lang))
    rows = [list(c["channel"]) + [i18n.t("flag.total", lang)]]

    def col(key, fmt, total=True):
        return [fmt(v) for v in c[key]] + [fmt(t[key]) if total else ""]
    return pd.DataFrame({
        i18n.t("col.channel", lang): rows[0], name("spend"): col("spend", money),
        i18n.t("cr.col.plan", lang): col("plan_spend", money),
        i18n.t("cr.col.vs_plan", lang): col("spend_vs_plan", lambda v: i18n.fmt_pct(v, decimals=0)),
        name("gmv"): col("gmv", money), name("roas"): col("roas", fmt_roas),
        name("new_buyers"): col("new_buyers", lambda v: i18n.fmt_count(v, lang)), name("cac"): col("cac", money),
        i18n.t("cr.col.cac_target", lang): col("cac_target", money, total=False),
        i18n.t("cr.col.cac_vs", lang): col("cac_vs_target", i18n.fmt_growth, total=False),
        i18n.t("cr.col.mroas", lang): col("mroas", fmt_roas, total=False)})


def realloc_table(r: ChannelReturn, lang: str) -> pd.DataFrame | None:
    """Per budget channel and in total: this quarter's spend rate, next quarter's pro-rata plan and recommendation,
    the change, expected GMV both ways and marginal ROAS both ways."""
    if r.realloc is None:
        return None
    a, tot = r.realloc, r.realloc_total
    money, signed = (lambda v: i18n.fmt_money(v, lang)), (lambda v: i18n.fmt_signed_money(v, lang))
    total = {"current": tot["current"], "planned": float(a["planned"].sum()), "recommended": tot["recommended"],
             "change": tot["recommended"] - tot["current"], "gmv_current": tot["gmv_current"],
             "gmv_recommended": tot["gmv_recommended"], "gmv_change": tot["gmv_change"]}
    out = {i18n.t("col.channel", lang): list(a["channel"]) + [i18n.t("flag.total", lang)]}
    if r.plan is not None and r.plan.split_applies:
        from attain.budget import pool_name
        out[i18n.t("cr.col.pool", lang)] = [pool_name(p, lang) for p in a["pool"]] + [""]
    for key, fmt in (("current", money), ("planned", money), ("recommended", money), ("change", signed),
                     ("gmv_current", money), ("gmv_recommended", money), ("gmv_change", signed),
                     ("mroas_current", fmt_roas), ("mroas_recommended", fmt_roas)):
        out[i18n.t(f"cr.col.{key}", lang)] = [fmt(v) for v in a[key]] + [fmt(total[key]) if key in total else ""]
    return pd.DataFrame(out)


# --- charts --------------------------------------------------------------------------------------

def _source(fig, r: ChannelReturn, lang: str, tables, note: str | None = None) -> None:
    from attain import viz
    resp = r.responses
    if note is None and resp is not None and resp.start:
        note = i18n.t("cr.chart.fit", lang, start=resp.start, end=resp.end)
    viz.add_source(fig, tables, r.end, lang, note)


def roas_chart(r: ChannelReturn, lang: str):
    """Per paid channel: the quarter's ROAS and the marginal ROAS at its spend rate, with the 1× line."""
    from attain import style, viz
    if r.channels is None:
        return None
    c = r.channels.sort_values(["mroas", "roas"], na_position="first", kind="stable")
    fig, ax = viz.new_figure(height=0.55 * len(c) + 1.8)
    y = np.arange(len(c))
    ax.barh(y + 0.2, c["roas"].fillna(0), height=0.38, color=style.SERIES_COLORS["previous"],
            label=i18n.t("cr.chart.roas_bar", lang))
    ax.barh(y - 0.2, c["mroas"].fillna(0), height=0.38, color=[style.channel_color(x) for x in c["channel"]],
            label=i18n.t("cr.chart.mroas_bar", lang))
    for yi, v, m in zip(y, c["roas"], c["mroas"]):
        ax.text(0 if i18n.is_missing(v) else v, yi + 0.2, " " + fmt_roas(v), va="center", fontsize=8)
        ax.text(0 if i18n.is_missing(m) else m, yi - 0.2, " " + fmt_roas(m), va="center", fontsize=8)
    ax.axvline(1.0, color="#444444", linestyle="--", linewidth=1)
    ax.text(1.0, len(c) - 0.45, " " + i18n.t("cr.chart.one", lang), fontsize=8, color="#444444")
    ax.set_yticks(y, list(c["channel"]))
    ax.set_xlim(0, max(float(np.nanmax(c[["roas", "mroas"]].to_numpy(dtype=float), initial=1.0)), 1.0) * 1.15)
    ax.set_ylim(-0.6, len(c) - 0.1)
    ax.set_xlabel(i18n.t("cr.chart.multiple", lang))
    ax.set_title(i18n.t("cr.chart.roas", lang, quarter=_q(r.period, lang)))
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    _source(fig, r, lang, ["spend", "orders"])
    return fig


def spend_chart(r: ChannelReturn, lang: str):
    """Per budget channel: this quarter's spend rate, next quarter's pro-rata plan and the recommendation."""
    from attain import style, viz
    if r.realloc is None:
        return None
    a = r.realloc.sort_values("recommended", kind="stable")
    fig, ax = viz.new_figure(height=0.7 * len(a) + 1.8)
    y = np.arange(len(a))
    q, n = _q(r.period, lang), _q(r.next_period, lang)
    ax.barh(y + 0.27, a["current"], height=0.26, color=style.SERIES_COLORS["previous"],
            label=i18n.t("cr.chart.actual", lang, quarter=q, days=r.next_days))
    ax.barh(y, a["planned"], height=0.26, color="#D9D9D9", edgecolor="#A6A6A6", linewidth=0.6,
            label=i18n.t("cr.chart.planned", lang, next=n))
    ax.barh(y - 0.27, a["recommended"], height=0.26, color=[style.channel_color(x) for x in a["channel"]])
    ax.barh([], [], color=style.SERIES_COLORS["current"], label=i18n.t("cr.chart.recommended", lang, next=n))
    for yi, rec, change in zip(y, a["recommended"], a["change"]):
        ax.text(rec, yi - 0.27, " " + i18n.fmt_signed_money(change, lang), va="center", fontsize=8)
    ax.set_yticks(y, list(a["channel"]))
    ax.set_xlim(0, float(a[["current", "planned", "recommended"]].to_numpy().max()) * 1.2)
    ax.set_xlabel(i18n.t("cr.chart.spend_axis", lang))
    viz.money_axis(ax, lang, "x")
    ax.set_title(i18n.t("cr.chart.spend", lang, quarter=q, next=n))
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    _source(fig, r, lang, ["spend", "orders", "budget.yaml"], i18n.t("cr.chart.labels", lang, quarter=q))
    return fig


# --- the section ---------------------------------------------------------------------------------

def show(r: ChannelReturn, lang: str) -> None:
    """Heading, finding, the channel table and ROAS chart, then next quarter's allocation (or why not)."""
    from attain import display
    display.heading("cr.section", lang)
    display.paragraph(finding(r, lang))
    if r.missing == "cr.missing.spend":
        display.note(i18n.t("cr.missing_adds", lang))
    if r.channels is None:
        return
    display.heading("cr.h.channels", lang, level=3, quarter=_q(r.period, lang))
    display.table(channel_table(r, lang))
    resp = r.responses
    display.note(i18n.t("cr.note.basis", lang, start=r.start, end=r.end, days=r.days, year_days=r.year_days,
                        fit_start=resp.start if resp else "—", fit_end=resp.end if resp else "—"))
    if r.not_in_budget and r.plan is not None:
        display.note(i18n.t("cr.note.not_in_budget", lang, channels=i18n.join_list(r.not_in_budget, lang)))
    display.figure(roas_chart(r, lang))
    display.heading("cr.h.realloc", lang, level=3, next=_q(r.next_period, lang))
    if r.realloc is None:
        display.note(_why(r, lang) + i18n.t("cr.find.end", lang))
        return
    display.table(realloc_table(r, lang))
    display.note(i18n.t("cr.note.realloc", lang, allocatable=i18n.fmt_money(r.plan.allocatable, lang),
                        reserve_share=i18n.fmt_pct(r.plan.reserve_share, decimals=0), next_days=r.next_days,
                        year_days=r.year_days, days=r.days))
    if r.ytd is not None:
        y = r.ytd
        display.note(i18n.t("cr.note.ytd", lang, end=r.end, spent=i18n.fmt_money(y["spent"], lang),
                            allocatable=i18n.fmt_money(y["allocatable"], lang), pct=i18n.fmt_pct(y["share"], decimals=0),
                            left=i18n.fmt_money(y["left"], lang), next=_q(r.next_period, lang),
                            left_next=i18n.fmt_money(y["left_next"], lang)))
    if r.fixed:
        display.note(i18n.t("cr.note.fixed", lang, channels=i18n.join_list(r.fixed, lang)))
    if any(w != 1.0 for w in r.weights.values()):
        items = [f"{c} ×{w:.1f}" for c, w in r.weights.items() if w != 1.0]
        display.note(i18n.t("cr.note.weights", lang, items=i18n.join_list(items, lang)))
    display.figure(spend_chart(r, lang))


__all__ = ["channel_table", "finding", "fmt_roas", "realloc_table", "roas_chart", "show", "spend_chart"]
