"""The budget section (资源配置与预算): tables, charts, the finding and ``show`` for a
``attain.allocate.BudgetResult``.

Tables are frames of display strings with zh/en headers (like ``attain.display``); charts follow
``attain.viz`` (a Figure not registered with pyplot, title, axis units, source line; call
``attain.style.apply(lang)`` first). Without a spend table the section shows the planned budget and
its checks and says what the spend data would add.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from attain import display, i18n, style, viz
from attain.allocate import BudgetResult
from attain.budget import check_text, pool_name
from attain.mix import fmt_roas
from attain.response import B_BOUNDS, excluded_text

i18n.register({
    "vb.section": {"zh": "资源配置与预算", "en": "Budget allocation"},
    "vb.h.allocation": {"zh": "当前与建议分配", "en": "Planned vs recommended allocation"},
    "vb.h.curves": {"zh": "各渠道响应曲线", "en": "Response curves by channel"},
    "vb.h.seek": {"zh": "预算与预期GMV：目标倒推", "en": "Budget and expected GMV: goal-seek"},
    "vb.col.pool": {"zh": "预算池", "en": "Pool"},
    "vb.col.budget": {"zh": "预算", "en": "Budget"},
    "vb.col.gmv": {"zh": "预期GMV", "en": "Expected GMV"},
    "vb.col.roas": {"zh": "ROAS", "en": "ROAS"},
    "vb.col.mroas": {"zh": "边际ROAS", "en": "Marginal ROAS"},
    "vb.col.current": {"zh": "当前计划", "en": "Planned"},
    "vb.col.recommended": {"zh": "建议", "en": "Recommended"},
    "vb.col.change": {"zh": "变化", "en": "Change"},
    "vb.col.bounds": {"zh": "上下限", "en": "Bounds"},
    "vb.col.weight": {"zh": "优先级权重", "en": "Priority weight"},
    "vb.col.target_share": {"zh": "目标占比", "en": "Target share"},
    "vb.col.b": {"zh": "弹性b", "en": "Elasticity b"},
    "vb.col.b_se": {"zh": "b标准误", "en": "Std. error of b"},
    "vb.col.r2": {"zh": "R²（对数）", "en": "R² (logs)"},
    "vb.col.weeks": {"zh": "周数", "en": "Weeks"},
    "vb.col.spend52": {"zh": "近52周花费", "en": "Spend, last 52 weeks"},
    "vb.col.gmv52": {"zh": "近52周GMV", "en": "GMV, last 52 weeks"},
    "vb.col.roas52": {"zh": "近52周ROAS", "en": "ROAS, last 52 weeks"},
    "vb.col.mroas52": {"zh": "边际ROAS（近52周花费处）", "en": "Marginal ROAS at that spend"},
    "vb.col.spend": {"zh": "所需预算", "en": "Spend needed"},
    "vb.unbounded": {"zh": "不限", "en": "none"},
    "vb.find.alloc": {"zh": "总预算{total}中预留{reserve}（{reserve_share}），可分配{allocatable}；按响应曲线重新分配后，"
                            "付费渠道预期GMV从{gmv_cur}变为{gmv_rec}（{uplift}，{uplift_pct}），ROAS从{roas_cur}到{roas_rec}",
                      "en": "Of the {total} budget, {reserve} ({reserve_share}) is kept in reserve and {allocatable} "
                            "allocated; re-split by the response curves, the paid channels' expected GMV goes from "
                            "{gmv_cur} to {gmv_rec} ({uplift}, {uplift_pct}) and ROAS from {roas_cur} to {roas_rec}"},
    "vb.find.moves": {"zh": "；增加最多的是{up}（{up_change}），减少最多的是{down}（{down_change}）",
                      "en": "; {up} gains the most ({up_change}) and {down} gives up the most ({down_change})"},
    "vb.find.reached": {"zh": "。要让预期GMV（含非付费基线{baseline}）达到{target}，至少需要总预算{need}（计划{total}）",
                        "en": ". Reaching expected GMV of {target} (including a non-paid baseline of {baseline}) "
                              "takes a total budget of at least {need} (planned: {total})"},
    "vb.find.at_minimum": {"zh": "。渠道下限允许的最低总预算{need}已可使预期GMV达到{target}（含非付费基线{baseline}）",
                           "en": ". The smallest total budget the channel minimums allow, {need}, already reaches "
                                 "expected GMV of {target} (including a non-paid baseline of {baseline})"},
    "vb.find.unreachable": {"zh": "。在渠道上限内，预期GMV最多为{max_gmv}（总预算{max_total}），达不到目标{target}",
                            "en": ". Within the channel maximums expected GMV tops out at {max_gmv} (total budget "
                                  "{max_total}), short of the {target} goal"},
    "vb.find.end": {"zh": "。", "en": "."},
    "vb.missing_adds": {"zh": "有了花费数据，本节会按渠道拟合响应曲线，给出建议分配、边际ROAS和达成GMV目标所需的最低预算。",
                        "en": "With spend data this section fits a response curve per channel and recommends an "
                              "allocation, with marginal ROAS and the smallest budget that reaches the GMV goal."},
    "vb.note.model": {"zh": "响应曲线：年度预期GMV = a·花费^b（0<b<1，边际收益递减）。以{start}至{end}的周度花费与GMV做对数回归拟合，"
                            "控制其他渠道GMV（季节/需求指数）与时间趋势；曲线按近52周的需求水平与花费节奏折算为全年，"
                            "不外推增长。观察数据估计，并非实验；超出历史花费范围属于外推。",
                      "en": "Response curve: expected GMV of the year = a·spend^b (0<b<1, diminishing returns), fitted "
                            "by log regression on weekly spend and GMV from {start} to {end}, controlling for "
                            "the other channels' GMV (a seasonal/demand index) and a time trend; scaled to a year at "
                            "the last 52 weeks' demand and spend pattern, without extrapolating growth. An "
                            "observational estimate, not an experiment; beyond past spend the curve is an "
                            "extrapolation."},
    "vb.note.split": {"zh": "品牌/效果拆分：可分配预算的{share}留给品牌渠道（{channels}），其余给效果渠道，两部分分别优化。",
                      "en": "Brand/performance split: {share} of the allocatable budget goes to the brand channels "
                            "({channels}), the rest to the performance channels; each part is optimised on its own."},
    "vb.note.weights": {"zh": "优先级权重：优化时该渠道每1元GMV按权重计（来自按渠道设定的高优先级销售目标）；表中GMV未加权。",
                        "en": "Priority weight: the optimiser counts each yuan of that channel's GMV times the "
                              "weight (from high-priority sales goals scoped to the channel); GMV in the table is "
                              "unweighted."},
    "vb.note.baseline": {"zh": "非付费基线{baseline}：{source}。", "en": "Non-paid baseline {baseline}: {source}."},
    "vb.baseline.default": {"zh": "无花费渠道近52周的GMV（不含增长）",
                            "en": "GMV of the channels without spend over the last 52 weeks (no growth)"},
    "vb.baseline.given": {"zh": "由调用方给定", "en": "given by the caller"},
    "vb.note.clipped": {"zh": "* 估计的b超出{lo}–{hi}，已按边界取值，结果需谨慎看待。",
                        "en": "* the estimated b was outside {lo}–{hi} and is held at the bound: treat with care."},
    "vb.note.excluded": {"zh": "未拟合的渠道：{items}。", "en": "Channels without a curve: {items}."},
    "vb.note.fixed": {"zh": "无响应曲线、按计划金额保留：{channels}。", "en": "No curve, kept at the planned amount: {channels}."},
    "vb.chart.curves": {"zh": "各渠道响应曲线：年度花费与预期GMV", "en": "Response curves: spend of the year and expected GMV"},
    "vb.chart.current": {"zh": "当前计划", "en": "Planned"},
    "vb.chart.recommended": {"zh": "建议", "en": "Recommended"},
    "vb.chart.recommended_colour": {"zh": "建议（渠道色）", "en": "Recommended (channel colour)"},
    "vb.chart.actual": {"zh": "近52周实际", "en": "Last 52 weeks, actual"},
    "vb.chart.bounds": {"zh": "上下限", "en": "Bounds"},
    "vb.chart.spend_axis": {"zh": "年度花费（元）", "en": "Spend of the year (CNY)"},
    "vb.chart.gmv_axis": {"zh": "预期GMV（元）", "en": "Expected GMV (CNY)"},
    "vb.chart.bars": {"zh": "各渠道预算：当前计划与建议", "en": "Budget by channel: planned and recommended"},
    "vb.chart.budget_axis": {"zh": "预算（元）", "en": "Budget (CNY)"},
    "vb.chart.frontier": {"zh": "总预算与预期GMV（每个预算点按最优分配）",
                          "en": "Total budget and expected GMV (each budget split optimally)"},
    "vb.chart.total_axis": {"zh": "总预算（含预留，元）", "en": "Total budget, reserve included (CNY)"},
    "vb.chart.goal": {"zh": "GMV目标 {target}", "en": "GMV goal {target}"},
    "vb.chart.seek": {"zh": "最低所需 {total}", "en": "smallest budget {total}"},
    "vb.chart.plan_total": {"zh": "计划总预算", "en": "planned total"},
    "vb.chart.fit_span": {"zh": "拟合 {start} 至 {end} 周度数据", "en": "fitted on weeks {start} to {end}"},
})


def _money(v, lang: str) -> str:
    return i18n.fmt_money(v, lang)


def _bound(v) -> float | None:
    """A bound as a number; None for no bound (None, NaN or ∞)."""
    return None if v is None or i18n.is_missing(v) or math.isinf(float(v)) else float(v)


def _bounds(lo, hi, lang: str) -> str:
    lo, hi = _bound(lo), _bound(hi)
    if lo is None and hi is None:
        return i18n.t("vb.unbounded", lang)
    return f"{_money(lo or 0.0, lang)} – {i18n.t('vb.unbounded', lang) if hi is None else _money(hi, lang)}"


# --- tables ----------------------------------------------------------------------------------

def allocation_table(r: BudgetResult, lang: str) -> pd.DataFrame | None:
    """Per channel: planned and recommended budget, expected GMV, ROAS, marginal ROAS; a total row."""
    if r.allocation is None:
        return None
    t, tot = r.allocation.table, r.allocation.totals
    cur, rec = i18n.t("vb.col.current", lang), i18n.t("vb.col.recommended", lang)
    cols = {(i18n.t("col.channel", lang), ""): list(t["channel"]) + [i18n.t("flag.total", lang)]}
    if r.plan.split_applies:
        cols[(i18n.t("vb.col.pool", lang), "")] = [pool_name(p, lang) for p in t["pool"]] + [""]
    b = i18n.t("vb.col.budget", lang)
    cols[(b, cur)] = [_money(v, lang) for v in t["current"]] + [_money(tot["current"], lang)]
    cols[(b, rec)] = [_money(v, lang) for v in t["recommended"]] + [_money(tot["recommended"], lang)]
    cols[(b, i18n.t("vb.col.change", lang))] = [i18n.fmt_signed_money(v, lang) for v in t["change"]] + \
        [i18n.fmt_signed_money(tot["recommended"] - tot["current"], lang)]
    cols[(b, i18n.t("vb.col.bounds", lang))] = [_bounds(lo, hi, lang) for lo, hi in zip(t["min"], t["max"])] + [""]
    for key, total_key, fmt in (("gmv", "gmv", lambda v: _money(v, lang)), ("roas", "roas", fmt_roas),
                                ("mroas", None, fmt_roas)):
        head = i18n.t(f"vb.col.{key}", lang)
        for when, label in (("current", cur), ("recommended", rec)):
            total = fmt(tot[f"{total_key}_{when}"]) if total_key else ""
            cols[(head, label)] = [fmt(v) for v in t[f"{key}_{when}"]] + [total]
    if (t["weight"] != 1.0).any():
        cols[(i18n.t("vb.col.weight", lang), "")] = [f"{v:.2f}" for v in t["weight"]] + [""]
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def split_table(r: BudgetResult, lang: str) -> pd.DataFrame | None:
    """Brand vs performance: target share and amount, planned and recommended amounts and shares."""
    if r.allocation is None or not r.plan.split_applies:
        return None
    s = r.allocation.split
    share = i18n.t("suffix.share", lang)
    cur, rec = i18n.t("vb.col.current", lang), i18n.t("vb.col.recommended", lang)
    return pd.DataFrame({
        i18n.t("vb.col.pool", lang): [pool_name(p, lang) for p in s["pool"]],
        i18n.t("vb.col.target_share", lang): [i18n.fmt_pct(v) for v in s["share"]],
        cur: [_money(v, lang) for v in s["current"]], f"{cur} {share}": [i18n.fmt_pct(v) for v in s["current_share"]],
        rec: [_money(v, lang) for v in s["recommended"]],
        f"{rec} {share}": [i18n.fmt_pct(v) for v in s["recommended_share"]]})


def curves_table(r: BudgetResult, lang: str) -> pd.DataFrame | None:
    """The fitted curve of each channel: b, its standard error, R², weeks, last 52 weeks' ROAS."""
    p = r.responses.params
    if p.empty:
        return None
    return pd.DataFrame({
        i18n.t("col.channel", lang): list(p["channel"]),
        i18n.t("vb.col.b", lang): [f"{v:.2f}" + ("*" if c else "") for v, c in zip(p["b"], p["clipped"])],
        i18n.t("vb.col.b_se", lang): [f"{v:.3f}" for v in p["b_se"]],
        i18n.t("vb.col.r2", lang): [f"{v:.2f}" for v in p["r2"]],
        i18n.t("vb.col.weeks", lang): [str(v) for v in p["weeks"]],
        i18n.t("vb.col.spend52", lang): [_money(v, lang) for v in p["spend_ref"]],
        i18n.t("vb.col.gmv52", lang): [_money(v, lang) for v in p["gmv_ref"]],
        i18n.t("vb.col.roas52", lang): [fmt_roas(v) for v in p["roas_ref"]],
        i18n.t("vb.col.mroas52", lang): [fmt_roas(v) for v in p["mroas_ref"]]})


def seek_table(r: BudgetResult, lang: str) -> pd.DataFrame | None:
    """The split of the goal-seek budget: spend, expected GMV and marginal ROAS per channel."""
    if r.seek is None or r.seek.split is None:
        return None
    s = r.seek.split
    return pd.DataFrame({i18n.t("col.channel", lang): list(s["channel"]),
                         i18n.t("vb.col.spend", lang): [_money(v, lang) for v in s["spend"]],
                         i18n.t("vb.col.gmv", lang): [_money(v, lang) for v in s["gmv"]],
                         i18n.t("vb.col.mroas", lang): [fmt_roas(v) for v in s["mroas"]]})


# --- charts ----------------------------------------------------------------------------------

def _source(fig: Figure, r: BudgetResult, lang: str) -> None:
    resp = r.responses
    note = i18n.t("vb.chart.fit_span", lang, start=resp.start, end=resp.end) if resp.start else None
    viz.add_source(fig, ["spend", "orders", "budget.yaml"], resp.as_of, lang, note)


def response_curves(r: BudgetResult, lang: str) -> Figure | None:
    """One panel per budget channel with a curve: the curve, the bounds, planned, recommended and
    last-52-week points."""
    if r.allocation is None:
        return None
    t = r.allocation.table[r.allocation.table["fitted"]]
    ncols = min(4, len(t))
    nrows = math.ceil(len(t) / ncols)
    fig, axes = viz.new_figure(nrows, ncols, height=2.7 * nrows + 1.0, squeeze=False)
    for ax in axes.flat[len(t):]:
        ax.axis("off")
    for ax, row in zip(axes.flat, t.itertuples()):
        curve = r.responses.curves[row.channel]
        lo, hi = _bound(row.min), _bound(row.max)
        top = max(row.current, row.recommended, curve.spend_ref, hi or 0.0) * 1.25
        x = np.linspace(0, top, 200)
        color = style.channel_color(row.channel)
        ax.plot(x, curve.expected_gmv(x), color=color, linewidth=2)
        if lo is not None or hi is not None:
            ax.axvspan(lo or 0.0, top if hi is None else hi, color=color, alpha=0.08,
                       label=i18n.t("vb.chart.bounds", lang))
        ax.plot(curve.spend_ref, curve.gmv_ref, "x", color="#444444", markersize=7,
                label=i18n.t("vb.chart.actual", lang))
        ax.plot(row.current, row.gmv_current, "o", color=style.SERIES_COLORS["previous"], markersize=8,
                markeredgecolor="#444444", label=i18n.t("vb.chart.current", lang))
        ax.plot(row.recommended, row.gmv_recommended, "D", color=style.SERIES_COLORS["current"], markersize=7,
                label=i18n.t("vb.chart.recommended", lang))
        ax.set_title(f"{row.channel}  b={curve.b:.2f}", fontsize=10)
        ax.set_xlim(0, top)
        ax.set_ylim(0, float(curve.expected_gmv(top)) * 1.1)
        viz.money_axis(ax, lang, "x")
        viz.money_axis(ax, lang, "y")
        ax.xaxis.set_major_locator(MaxNLocator(3))
        ax.tick_params(labelsize=8)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if len(t) < axes.size:             # a free panel holds the legend
        axes.flat[-1].legend(handles, labels, loc="center", fontsize=9, frameon=False)
    else:
        fig.legend(handles, labels, loc="outside right upper", fontsize=9)
    fig.suptitle(i18n.t("vb.chart.curves", lang))
    fig.supxlabel(i18n.t("vb.chart.spend_axis", lang), fontsize=9)
    fig.supylabel(i18n.t("vb.chart.gmv_axis", lang), fontsize=9)
    _source(fig, r, lang)
    return fig


def allocation_bars(r: BudgetResult, lang: str) -> Figure | None:
    """Planned (grey) and recommended (channel colour) budget per channel, with the bounds as a line."""
    if r.allocation is None:
        return None
    t = r.allocation.table.sort_values("recommended", kind="stable")
    fig, ax = viz.new_figure(height=0.55 * len(t) + 1.6)
    y = np.arange(len(t))
    ax.barh(y + 0.2, t["current"], height=0.38, color=style.SERIES_COLORS["previous"],
            label=i18n.t("vb.chart.current", lang))
    ax.barh(y - 0.2, t["recommended"], height=0.38, color=[style.channel_color(c) for c in t["channel"]])
    ax.barh([], [], color=style.SERIES_COLORS["current"], label=i18n.t("vb.chart.recommended_colour", lang))
    for yi, lo, hi in zip(y, map(_bound, t["min"]), map(_bound, t["max"])):
        if lo is not None or hi is not None:
            ax.plot([lo or 0.0, t["recommended"].max() if hi is None else hi], [yi - 0.45] * 2, color="#444444",
                    linewidth=1, marker="|", markersize=7)
    ax.plot([], [], color="#444444", marker="|", linewidth=1, label=i18n.t("vb.chart.bounds", lang))
    for yi, rec, change in zip(y, t["recommended"], t["change"]):
        ax.text(rec, yi - 0.2, " " + i18n.fmt_signed_money(change, lang), va="center", fontsize=8)
    ax.set_yticks(y, list(t["channel"]))
    ax.set_xlabel(i18n.t("vb.chart.budget_axis", lang))
    viz.money_axis(ax, lang, "x")
    highest = max(t["recommended"].max(), t["current"].max(), max((_bound(v) or 0.0 for v in t["max"]), default=0.0))
    ax.set_xlim(0, highest * 1.15)
    ax.set_title(i18n.t("vb.chart.bars", lang))
    ax.legend(loc="lower right")
    ax.grid(axis="y", visible=False)
    _source(fig, r, lang)
    return fig


def frontier_chart(r: BudgetResult, lang: str) -> Figure | None:
    """Expected GMV (baseline + paid) against the total budget, with the plan, the goal and the
    goal-seek point."""
    if r.frontier is None or r.frontier.empty:
        return None
    f = r.frontier
    fig, ax = viz.new_figure()
    ax.plot(f["total"], f["expected_gmv"], color=style.SERIES_COLORS["current"], linewidth=2)
    ax.axvline(r.plan.total, color="#888888", linestyle=":", linewidth=1)
    ax.plot(r.plan.total, r.allocation.totals["expected_recommended"], "D", color=style.SERIES_COLORS["current"])
    s = r.seek
    if s is not None:
        ax.axhline(s.target, color=style.SERIES_COLORS["accent"], linestyle="--", linewidth=1)
        ax.text(f["total"].iloc[0], s.target, i18n.t("vb.chart.goal", lang, target=_money(s.target, lang)),
                fontsize=9, color=style.SERIES_COLORS["accent"], va="bottom")
        if s.total is not None:
            ax.plot(s.total, s.expected_gmv, "o", color=style.SERIES_COLORS["accent"], markersize=8, zorder=5)
            ax.annotate(i18n.t("vb.chart.seek", lang, total=_money(s.total, lang)), (s.total, s.expected_gmv),
                        textcoords="offset points", xytext=(8, -14), fontsize=9, color=style.SERIES_COLORS["accent"])
    ax.set_title(i18n.t("vb.chart.frontier", lang))
    ax.set_xlabel(i18n.t("vb.chart.total_axis", lang))
    ax.set_ylabel(i18n.t("vb.chart.gmv_axis", lang))
    viz.money_axis(ax, lang, "x")
    viz.money_axis(ax, lang, "y")
    ax.text(r.plan.total, ax.get_ylim()[1], " " + i18n.t("vb.chart.plan_total", lang), fontsize=8, color="#666666",
            va="top", ha="left")
    baseline = i18n.t("vb.note.baseline", lang, baseline=_money(r.baseline, lang), source=_baseline_source(r, lang))
    viz.add_source(fig, ["spend", "orders", "budget.yaml"], r.responses.as_of, lang, baseline.rstrip("。."))
    return fig


# --- words and the section -------------------------------------------------------------------

def _baseline_source(r: BudgetResult, lang: str) -> str:
    return i18n.t("vb.baseline.default" if r.baseline_default else "vb.baseline.given", lang)


def _seek_text(r: BudgetResult, lang: str) -> str:
    s = r.seek
    if s is None:
        return ""
    common = {"target": _money(s.target, lang), "baseline": _money(s.baseline, lang)}
    if s.status == "unreachable":
        return i18n.t("vb.find.unreachable", lang, max_gmv=_money(s.max_gmv, lang),
                      max_total=_money(s.max_total, lang), **common)
    key = "vb.find.reached" if s.status == "reached" else "vb.find.at_minimum"
    return i18n.t(key, lang, need=_money(s.total, lang), total=_money(r.plan.total, lang), **common)


def finding(r: BudgetResult, lang: str) -> str:
    """One sentence from the numbers: reserve, expected GMV and ROAS before/after, biggest moves, goal-seek."""
    if r.allocation is None:
        return i18n.t(r.message, lang, **r.message_params)
    a, t = r.allocation.totals, r.allocation.table
    text = i18n.t("vb.find.alloc", lang, total=_money(a["total"], lang), reserve=_money(a["reserve"], lang),
                  reserve_share=i18n.fmt_pct(r.plan.reserve_share), allocatable=_money(a["allocatable"], lang),
                  gmv_cur=_money(a["gmv_current"], lang), gmv_rec=_money(a["gmv_recommended"], lang),
                  uplift=i18n.fmt_signed_money(a["uplift"], lang),
                  uplift_pct=i18n.fmt_growth(a["uplift"] / a["gmv_current"] if a["gmv_current"] else None),
                  roas_cur=fmt_roas(a["roas_current"]), roas_rec=fmt_roas(a["roas_recommended"]))
    ranked = t.sort_values("change", kind="stable")
    if len(ranked) >= 2 and ranked["change"].iloc[-1] > 0 > ranked["change"].iloc[0]:
        up, down = ranked.iloc[-1], ranked.iloc[0]
        text += i18n.t("vb.find.moves", lang, up=up["channel"], up_change=i18n.fmt_signed_money(up["change"], lang),
                       down=down["channel"], down_change=i18n.fmt_signed_money(down["change"], lang))
    return text + _seek_text(r, lang) + i18n.t("vb.find.end", lang)


def _planned_table(r: BudgetResult, lang: str) -> pd.DataFrame:
    return pd.DataFrame({i18n.t("col.channel", lang): r.plan.names(),
                         i18n.t("vb.col.current", lang): [_money(c.current, lang) for c in r.plan.channels],
                         i18n.t("vb.col.bounds", lang): [_bounds(c.min, c.max, lang) for c in r.plan.channels]})


def show(r: BudgetResult, lang: str) -> None:
    """Heading, finding, checks, allocation tables and charts, curves, goal-seek (or what is missing)."""
    display.heading("vb.section", lang)
    display.paragraph(finding(r, lang))
    for check in r.checks:
        display.note(("⚠ " if check.level == "warning" else "✖ ") + check_text(check, lang))
    if r.allocation is None:
        if r.responses.missing == "response.missing.spend":
            display.note(i18n.t("vb.missing_adds", lang))
        display.table(_planned_table(r, lang))
        return
    display.heading("vb.h.allocation", lang, level=3)
    display.table(allocation_table(r, lang))
    if r.plan.split_applies:
        display.table(split_table(r, lang))
        display.note(i18n.t("vb.note.split", lang, share=i18n.fmt_pct(r.plan.brand_share),
                            channels=i18n.join_list(list(r.plan.brand_channels), lang)))
    if (r.allocation.table["weight"] != 1.0).any():
        display.note(i18n.t("vb.note.weights", lang))
    if r.allocation.fixed:
        display.note(i18n.t("vb.note.fixed", lang, channels=i18n.join_list(r.allocation.fixed, lang)))
    display.figure(allocation_bars(r, lang))
    display.heading("vb.h.curves", lang, level=3)
    display.table(curves_table(r, lang))
    display.note(i18n.t("vb.note.model", lang, start=r.responses.start, end=r.responses.end))
    if r.responses.params["clipped"].any():
        display.note(i18n.t("vb.note.clipped", lang, lo=B_BOUNDS[0], hi=B_BOUNDS[1]))
    if not r.responses.excluded.empty:
        display.note(i18n.t("vb.note.excluded", lang, items=i18n.join_list(excluded_text(r.responses, lang), lang)))
    display.figure(response_curves(r, lang))
    display.heading("vb.h.seek", lang, level=3)
    display.figure(frontier_chart(r, lang))
    display.note(i18n.t("vb.note.baseline", lang, baseline=_money(r.baseline, lang), source=_baseline_source(r, lang)))
    display.table(seek_table(r, lang))
