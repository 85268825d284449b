"""What drove the result (驱动因素分析) in words, tables and charts: the finding, the effects, channel and
segment tables, the waterfall, contribution and gap charts, and the report section (``show``).

The numbers and their 口径 are :mod:`attain.drivers` (``drivers(...)`` -> ``Drivers``); this module only
presents them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from attain import display, i18n, style, viz
from attain.drivers import NO_TRAFFIC, Drivers
from attain.lmdi import LOST, NEW, leaders
from attain.targets import period_text

MIX_SHARE = 0.02   # a channel-mix remark needs the total and within-channel effects 2 % of the change apart
UP, DOWN = style.STATUS_COLORS["achieved"], style.STATUS_COLORS["off_track"]

i18n.register({
    "drv.section": {"zh": "驱动因素分析", "en": "What drove the result"},
    "drv.chart.cut": {"zh": "；纵轴不从0开始", "en": "; the value axis does not start at zero"},
    "drv.f.uv": {"zh": "流量", "en": "traffic"}, "drv.f.orders": {"zh": "订单数", "en": "orders"},
    "drv.f.conversion_rate": {"zh": "转化率", "en": "conversion"}, "drv.f.aov": {"zh": "平均订单金额", "en": "AOV"},
    "drv.f.new": {"zh": "新增渠道", "en": "new channels"}, "drv.f.lost": {"zh": "流失渠道", "en": "lost channels"},
    "drv.f.no_traffic": {"zh": "无流量数据的渠道", "en": "channels without traffic"},
    "drv.find.head": {"zh": "{period} GMV {gmv}，较{base}{growth}（{change}）", "en": "{period} GMV {gmv}, {growth} ({change}) vs {base}"},
    "drv.find.parts": {"zh": "：{parts}", "en": ": {parts}"},
    "drv.find.mix": {"zh": "；各渠道内{factor}的影响合计{within}，整体为{total}是渠道结构变化所致",
                     "en": "; within channels the {factor} effects sum to {within}: the total {total} reflects the channel mix"},
    "drv.find.up": {"zh": "；{names}贡献了增长的{share}", "en": "; {names} brought {share} of the growth"},
    "drv.find.down": {"zh": "；{names}占降幅的{share}", "en": "; {names} accounted for {share} of the decline"},
    "drv.find.target": {"zh": "；对比目标{target}达成{rate}（{gap}）", "en": "; against the {target} target {rate} achieved ({gap})"},
    "drv.find.below": {"zh": "，低于目标最多的是{items}", "en": "; furthest below target: {items}"},
    "drv.find.above": {"zh": "，高于目标最多的是{items}", "en": "; furthest above: {items}"},
    "drv.find.fallback": {"zh": "（无流量数据，按订单数×平均订单金额分解）", "en": " (no traffic data: split as orders × AOV)"},
    "drv.find.no_base": {"zh": "{period} GMV {gmv}；数据未覆盖{base}，无法分解同比变化",
                         "en": "{period} GMV {gmv}; the data do not cover {base}, so the change cannot be decomposed"},
    "drv.find.end": {"zh": "。", "en": "."}, "drv.find.to": {"zh": "（截至{date}）", "en": " (to {date})"},
    "drv.h.channels": {"zh": "按渠道分解（各渠道内流量×转化率×平均订单金额）", "en": "By channel (traffic × conversion × AOV within each channel)"},
    "drv.h.segments": {"zh": "各渠道、品类、区域对增长的贡献", "en": "Contribution to growth by channel, category and region"},
    "drv.h.gap": {"zh": "对比目标：差距来自哪里", "en": "Against target: where the gap is"},
    "drv.col.item": {"zh": "指标", "en": "Metric"}, "drv.col.base": {"zh": "去年同期", "en": "A year earlier"},
    "drv.col.current": {"zh": "本期", "en": "This period"}, "drv.col.growth": {"zh": "同比", "en": "YoY"},
    "drv.col.effect": {"zh": "对GMV的影响", "en": "Effect on GMV"}, "drv.col.share": {"zh": "占变化", "en": "Share of change"},
    "drv.col.change": {"zh": "GMV变化", "en": "GMV change"}, "drv.col.contribution": {"zh": "增长贡献", "en": "Share of growth"},
    "drv.col.target": {"zh": "目标", "en": "Target"}, "drv.col.actual": {"zh": "实际", "en": "Actual"},
    "drv.col.rate": {"zh": "达成率", "en": "Achieved"}, "drv.col.gap": {"zh": "差距（实际−目标）", "en": "Gap (actual − target)"},
    "drv.col.gap_share": {"zh": "占差距", "en": "Share of gap"}, "drv.total": {"zh": "合计", "en": "Total"},
    "drv.status.new": {"zh": "新增", "en": "new"}, "drv.status.lost": {"zh": "流失", "en": "lost"},
    "drv.note.method": {"zh": "口径：GMV = 访客数(UV) × 转化率(订单数÷UV) × 平均订单金额(GMV÷订单数)；对数平均迪氏指数法(LMDI-I)分解，各项相加恰好等于GMV变化。",
                        "en": "GMV = unique visitors (UV) × conversion (orders ÷ UV) × AOV (GMV ÷ orders), split by the log-mean Divisia index (LMDI-I): the parts add up exactly to the GMV change."},
    "drv.note.fallback": {"zh": "数据中没有覆盖两期的流量表（traffic），GMV按订单数×平均订单金额分解；有了流量表，订单数还可以拆成访客数(UV)×转化率。",
                          "en": "The data have no traffic table covering both periods, so GMV is split as orders × AOV; with a traffic table, orders would further split into visitors (UV) × conversion."},
    "drv.note.channels": {"zh": "各渠道内分别分解；去年同期无GMV的渠道计入“新增”，本期无GMV的计入“流失”；按渠道加总的各项与整体分解的差别来自渠道结构变化。",
                          "en": "Each channel is split on its own; a channel without GMV a year earlier counts as new, one without GMV now as lost; the channel sums differ from the total split by the channel mix."},
    "drv.no_base": {"zh": "数据未覆盖去年同期（{base}），无法做同比分解。", "en": "The data do not cover the same period a year earlier ({base}), so the change cannot be decomposed."},
    "drv.gap.no_targets": {"zh": "未提供目标分解（plan_targets），无法对比目标；提供GMV目标的月度分解后，本节会按渠道/品类列出差距。",
                           "en": "No targets were given (plan_targets), so there is no comparison with target; with a monthly GMV targets file this section shows the gap by channel/category."},
    "drv.gap.no_gmv_targets": {"zh": "目标文件中没有GMV目标。", "en": "The targets hold no GMV target."},
    "drv.gap.months_missing": {"zh": "目标文件缺少{detail}的月度目标，无法对比本期。", "en": "The targets have no month rows for {detail}, so the period cannot be compared."},
    "drv.gap.period_incomplete": {"zh": "本期尚未结束（数据截至{detail}），不与全期目标对比。", "en": "The period is not over (data to {detail}); it is not compared with the full-period target."},
    "drv.chart.waterfall": {"zh": "GMV变化分解：{period}对比{base}", "en": "What moved GMV: {period} vs {base}"},
    "drv.chart.waterfall_ch": {"zh": "GMV变化分解（按渠道加总）：{period}对比{base}", "en": "What moved GMV, summed over channels: {period} vs {base}"},
    "drv.chart.gmv": {"zh": "GMV（元）", "en": "GMV (CNY)"}, "drv.chart.change": {"zh": "GMV变化（元）", "en": "GMV change (CNY)"},
    "drv.chart.gap": {"zh": "差距（元）", "en": "Gap (CNY)"},
    "drv.chart.lmdi": {"zh": "LMDI分解，各项相加等于总变化", "en": "LMDI: the parts add up to the change"},
    "drv.chart.segments": {"zh": "GMV增长贡献：{period}对比{base}", "en": "Contribution to GMV growth: {period} vs {base}"},
    "drv.chart.gap_title": {"zh": "实际与目标的差距（{period}）", "en": "Actual minus target ({period})"},
    "drv.chart.labels": {"zh": "标注：金额（占总变化）", "en": "labels: amount (share of the total)"},
    "drv.chart.gap_labels": {"zh": "标注：差距（达成率）", "en": "labels: gap (share of target achieved)"},
})


# --- words ---------------------------------------------------------------------------------

def _fname(component: str, lang: str) -> str:
    return i18n.t(f"drv.f.{component}", lang)


def _amount(component: str, value: float, lang: str) -> str:
    return f"{_fname(component, lang)}{'' if lang == 'zh' else ' '}{i18n.fmt_signed_money(value, lang)}"


def _names(rows: pd.DataFrame, lang: str) -> str:
    return i18n.join_list([str(s) for s in rows["segment"]], lang)


def _mix_clause(d: Drivers, lang: str) -> str:
    """The first factor whose channel sum has the other sign than its total effect (channel mix), when the two
    differ by at least 2 % of the GMV change."""
    total = d.effects.set_index("component")["effect"]
    change = abs(math.fsum(total))
    for f in d.factors:
        if total[f] * d.channel_totals[f] < 0 and abs(total[f] - d.channel_totals[f]) >= MIX_SHARE * change:
            return i18n.t("drv.find.mix", lang, factor=_fname(f, lang), total=i18n.fmt_signed_money(total[f], lang),
                          within=i18n.fmt_signed_money(d.channel_totals[f], lang))
    return ""


def _extremes(frame: pd.DataFrame, below: bool, lang: str) -> str:
    """The segments furthest below (or above) target that make up most of all shortfalls (or surpluses)."""
    side = frame[frame["change"] < 0] if below else frame[frame["change"] > 0]
    side = side.assign(share=side["change"] / side["change"].sum()).sort_values("change", ascending=below)
    items = [f"{r.segment}（{i18n.fmt_signed_money(r.change, lang)}）" if lang == "zh" else
             f"{r.segment} ({i18n.fmt_signed_money(r.change, lang)})" for r in leaders(side).itertuples()]
    return i18n.t("drv.find.below" if below else "drv.find.above", lang, items=i18n.join_list(items, lang)) if items else ""


def _gap_clause(d: Drivers, lang: str) -> str:
    """Achievement of the target, then the segments (of the first dimension) furthest below and above it."""
    if d.gap_total is None:
        return ""
    g = d.gap_total
    text = i18n.t("drv.find.target", lang, target=i18n.fmt_money(g["target"], lang), rate=i18n.fmt_pct(g["rate"]),
                  gap=i18n.fmt_signed_money(g["gap"], lang))
    if d.gap:
        frame = next(iter(d.gap.values()))
        text += _extremes(frame, True, lang) + _extremes(frame, False, lang)
    return text


def finding(d: Drivers, lang: str) -> str:
    """One line: GMV and its change vs a year earlier, the effect of each factor, the channel-mix caveat, the
    channels that brought most of the change, and the gap to target with the segments that explain most of it."""
    gmv = d.totals.set_index("metric").loc["gmv"]
    per, base = period_text(d.period, lang), period_text(d.base_period, lang)
    per += i18n.t("drv.find.to", lang, date=i18n.fmt_date(d.span[1], lang)) if d.partial else ""
    if d.reason:
        text = i18n.t("drv.find.no_base", lang, period=per, gmv=i18n.fmt_money(gmv["current"], lang), base=base)
    else:
        text = i18n.t("drv.find.head", lang, period=per, gmv=i18n.fmt_money(gmv["current"], lang), base=base,
                      growth=i18n.fmt_growth(gmv["growth"]), change=i18n.fmt_signed_money(gmv["change"], lang))
        parts = [_amount(r.component, r.effect, lang) for r in d.effects.itertuples()]
        text += i18n.t("drv.find.parts", lang, parts=i18n.join_list(parts, lang))
        text += i18n.t("drv.find.fallback", lang) if d.fallback else ""
        text += _mix_clause(d, lang)
        top = leaders(d.segments["channel"])
        if not top.empty:
            text += i18n.t("drv.find.up" if gmv["change"] > 0 else "drv.find.down", lang, names=_names(top, lang),
                           share=i18n.fmt_pct(top["share"].sum(), decimals=0))
    return text + _gap_clause(d, lang) + i18n.t("drv.find.end", lang)


# --- tables --------------------------------------------------------------------------------

def _col(key: str, lang: str) -> str:
    return i18n.t(f"drv.col.{key}", lang)


def _money(values, lang: str, signed: bool = False) -> list[str]:
    return [(i18n.fmt_signed_money if signed else i18n.fmt_money)(v, lang) for v in values]


def effects_table(d: Drivers, lang: str) -> pd.DataFrame | None:
    """Each factor a year earlier and now, its YoY and its effect on GMV (and share of the change); GMV last."""
    if d.effects is None:
        return None
    t = d.totals.set_index("metric")
    e = d.effects.set_index("component")
    rows = [*d.factors, "gmv"]
    value = lambda m, v: i18n.fmt_value(v, i18n.metric_unit(m), lang)
    return pd.DataFrame({
        _col("item", lang): [i18n.metric_name(m, lang) for m in rows],
        _col("base", lang): [value(m, t.loc[m, "base"]) for m in rows],
        _col("current", lang): [value(m, t.loc[m, "current"]) for m in rows],
        _col("growth", lang): [i18n.fmt_growth(t.loc[m, "growth"]) for m in rows],
        _col("effect", lang): _money([*e["effect"], t.loc["gmv", "change"]], lang, signed=True),
        _col("share", lang): [i18n.fmt_pct(v) for v in [*e["share"], 1.0 if len(e) and e["share"].notna().all() else np.nan]]})


def channel_table(d: Drivers, lang: str) -> pd.DataFrame | None:
    """Per channel: GMV a year earlier and now, the change, and its parts (factors, new/lost, no traffic)."""
    if d.channel_effects is None:
        return None
    wide = d.channel_effects.pivot_table(index="segment", columns="factor", values="effect", aggfunc="sum", sort=False)
    c = d.segments["channel"].set_index("segment")
    comps = [*d.factors, *(k for k in (NEW, LOST, NO_TRAFFIC) if k in wide)]
    wide = wide.reindex(index=c.index, columns=comps).fillna(0.0)
    out = {i18n.t("col.channel", lang): [*map(str, c.index), i18n.t("drv.total", lang)],
           _col("base", lang): _money([*c["v0"], c["v0"].sum()], lang),
           _col("current", lang): _money([*c["v1"], c["v1"].sum()], lang),
           _col("change", lang): _money([*c["change"], c["change"].sum()], lang, signed=True)}
    for k in comps:
        out[_fname(k, lang)] = _money([*wide[k], d.channel_totals[k]], lang, signed=True)
    return pd.DataFrame(out)


def segment_table(frame: pd.DataFrame, dim: str, lang: str, *, gap: bool = False) -> pd.DataFrame:
    """Contributions by one dimension, with a total row: a year earlier (or target), now (or actual), YoY (or
    achievement rate), change (or gap), share of the change (or of the gap); new/lost segments marked."""
    v0, v1, change = [*frame["v0"], frame["v0"].sum()], [*frame["v1"], frame["v1"].sum()], [*frame["change"], frame["change"].sum()]
    ratio = v1[-1] / v0[-1] if v0[-1] else np.nan
    if gap:
        cols, third = ("target", "actual", "rate", "gap", "gap_share"), [i18n.fmt_pct(v) for v in [*frame["rate"], ratio]]
    else:
        cols = ("base", "current", "growth", "change", "contribution")
        third = [i18n.t(f"drv.status.{s}", lang) if s in (NEW, LOST) else i18n.fmt_growth(g)
                 for s, g in zip(frame["status"], frame["growth"])] + [i18n.fmt_growth(ratio - 1)]
    return pd.DataFrame({
        i18n.t(f"col.{dim}", lang): [*map(str, frame["segment"]), i18n.t("drv.total", lang)],
        _col(cols[0], lang): _money(v0, lang), _col(cols[1], lang): _money(v1, lang), _col(cols[2], lang): third,
        _col(cols[3], lang): _money(change, lang, signed=True),
        _col(cols[4], lang): [i18n.fmt_pct(v) for v in [*frame["share"], 1.0 if change[-1] else np.nan]]})


# --- charts --------------------------------------------------------------------------------

def waterfall(d: Drivers, lang: str, level: str = "total") -> Figure | None:
    """Last year's GMV -> each factor's effect (green up, red down; "channel": the sums over channels, with
    new/lost/no-traffic when not zero) -> this year's GMV, values labelled. None without a base."""
    if d.effects is None:
        return None
    g = d.totals.set_index("metric").loc["gmv"]
    parts = (d.effects.set_index("component")["effect"] if level == "total" else
             d.channel_totals[[k for k in d.channel_totals.index if k in d.factors or d.channel_totals[k] != 0]])
    names = [_fname(k, lang) for k in parts.index]
    labels = [period_text(d.base_period, lang), *[n[:1].upper() + n[1:] for n in names], period_text(d.period, lang)]
    fig, ax = viz.new_figure()
    run, top = g["base"], max(g["base"], g["current"])
    ax.bar(0, run, color=style.SERIES_COLORS["previous"], width=0.6)
    for i, v in enumerate(parts, start=1):
        ax.bar(i, abs(v), bottom=min(run, run + v), color=UP if v >= 0 else DOWN, width=0.6)
        ax.plot([i - 1.3, i + 0.3], [run, run], color="#888888", linewidth=0.8, linestyle=":")
        run += v
        top = max(top, run)
        ax.annotate(i18n.fmt_signed_money(v, lang), (i, max(run, run - v)), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9)
    n = len(parts) + 1
    ax.plot([n - 1.3, n], [run, run], color="#888888", linewidth=0.8, linestyle=":")
    ax.bar(n, g["current"], color=style.SERIES_COLORS["current"], width=0.6)
    for x, v in ((0, g["base"]), (n, g["current"])):
        ax.annotate(i18n.fmt_money(v, lang), (x, v), xytext=(0, 3), textcoords="offset points", ha="center",
                    va="bottom", fontsize=9, fontweight="bold")
    ax.set_xticks(range(n + 1), labels)
    bottom = _axis_floor(g["base"], g["current"], parts)
    ax.set_ylim(bottom, top + 0.1 * (top - bottom))
    ax.set_ylabel(i18n.t("drv.chart.gmv", lang))
    viz.money_axis(ax, lang)
    ax.grid(axis="x", visible=False)
    key = "drv.chart.waterfall" if level == "total" else "drv.chart.waterfall_ch"
    ax.set_title(i18n.t(key, lang, period=labels[-1], base=labels[0]))
    note = i18n.t("drv.chart.lmdi", lang) + (i18n.t("drv.chart.cut", lang) if bottom > 0 else "")
    viz.add_source(fig, list(d.tables), d.as_of, lang, note)
    return fig


def _axis_floor(base: float, current: float, parts) -> float:
    """Where the waterfall's value axis starts: 0, unless the effects would be slivers on two tall bars; then
    just below the lowest running level, so each effect can be read (the chart says the axis is cut)."""
    levels = np.cumsum([base, *list(parts)])
    low, high = float(min(levels.min(), current)), float(max(levels.max(), current))
    if high - low >= 0.25 * high:
        return 0.0
    return max(0.0, low - 1.5 * (high - low))


def _bars(frames: dict[str, pd.DataFrame], title: str, axis: str, label, note: str, tables, d: Drivers,
          lang: str) -> Figure | None:
    """One panel per dimension: horizontal bars of ``change`` (green up, red down), labelled by ``label(row)``."""
    if not frames:
        return None
    sizes = [len(f) for f in frames.values()]
    fig, axes = viz.new_figure(len(frames), 1, height=0.3 * sum(sizes) + 0.9 * len(frames) + 0.8, sharex=True,
                               squeeze=False, gridspec_kw={"height_ratios": sizes})
    lo = min(0.0, *(float(f["change"].min()) for f in frames.values()))
    hi = max(0.0, *(float(f["change"].max()) for f in frames.values()))
    for ax, (dim, f) in zip(axes[:, 0], frames.items()):
        f = f.sort_values("change", kind="stable")
        y = np.arange(len(f))
        ax.barh(y, f["change"], color=[UP if v >= 0 else DOWN for v in f["change"]], height=0.65)
        for yi, row in zip(y, f.itertuples()):
            ax.text(row.change, yi, f" {label(row)} ", ha="left" if row.change >= 0 else "right", va="center", fontsize=8)
        ax.set_yticks(y, [str(s) for s in f["segment"]])
        ax.set_ylabel(i18n.t(f"col.{dim}", lang))
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.grid(axis="y", visible=False)
    pad = 0.3 * ((hi - lo) or 1.0)
    axes[0, 0].set_xlim(lo - (pad if lo < 0 else 0.02 * pad), hi + pad)
    axes[-1, 0].set_xlabel(i18n.t(axis, lang))
    viz.money_axis(axes[-1, 0], lang, "x")
    axes[0, 0].set_title(title)
    viz.add_source(fig, tables, d.as_of, lang, i18n.t(note, lang))
    return fig


def segment_chart(d: Drivers, lang: str) -> Figure | None:
    """GMV change by channel, category and region, labelled amount (share of the total change)."""
    title = i18n.t("drv.chart.segments", lang, period=period_text(d.period, lang), base=period_text(d.base_period, lang))
    label = lambda r: f"{i18n.fmt_signed_money(r.change, lang)} ({i18n.fmt_pct(r.share, decimals=0)})"
    return _bars(d.segments, title, "drv.chart.change", label, "drv.chart.labels", ["orders"], d, lang)


def gap_chart(d: Drivers, lang: str) -> Figure | None:
    """Actual − target by segment, labelled gap (achievement rate)."""
    title = i18n.t("drv.chart.gap_title", lang, period=period_text(d.period, lang))
    label = lambda r: f"{i18n.fmt_signed_money(r.change, lang)} ({i18n.fmt_pct(r.rate, decimals=0)})"
    return _bars(d.gap, title, "drv.chart.gap", label, "drv.chart.gap_labels", ["orders", "targets"], d, lang)


def show(d: Drivers, lang: str) -> None:
    """Heading, finding, the waterfall and its table, the channel split, contributions by segment, the gap."""
    display.heading("drv.section", lang)
    display.paragraph(finding(d, lang))
    if d.reason:
        display.paragraph(i18n.t("drv.no_base", lang, base=period_text(d.base_period, lang)))
    else:
        display.figure(waterfall(d, lang))
        display.table(effects_table(d, lang))
        display.note(i18n.t("drv.note.method", lang) + (i18n.t("drv.note.fallback", lang) if d.fallback else ""))
        display.heading("drv.h.channels", lang, level=3)
        display.table(channel_table(d, lang))
        display.note(i18n.t("drv.note.channels", lang))
        display.heading("drv.h.segments", lang, level=3)
        display.figure(segment_chart(d, lang))
        for dim, frame in d.segments.items():
            display.table(segment_table(frame, dim, lang))
    display.heading("drv.h.gap", lang, level=3)
    if d.gap_reason:
        display.paragraph(i18n.t(f"drv.gap.{d.gap_reason}", lang, detail=d.gap_detail))
        return
    display.figure(gap_chart(d, lang))
    for dim, frame in d.gap.items():
        display.table(segment_table(frame, dim, lang, gap=True))


__all__ = ["channel_table", "effects_table", "finding", "gap_chart", "segment_chart", "segment_table", "show",
           "waterfall"]
