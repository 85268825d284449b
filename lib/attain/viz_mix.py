"""Tables and charts of the channel-group, channel-efficiency and category/region-mix sections.

The ``*_table`` functions turn the frames of ``attain.channels.GroupMix``,
``attain.mix.Efficiency`` and ``attain.mix.SegmentMix`` into tables of display strings with
headers in the report's language (like ``attain.display``); the charts follow the conventions
of ``attain.viz``: each returns a Figure not registered with pyplot, with a title, axis units
and the source line; call ``attain.style.apply(lang)`` first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from attain import i18n, style, viz
from attain.channels import OTHER, GroupMix
from attain.metrics import METRICS
from attain.mix import MIX_DIMENSIONS, Efficiency, SegmentMix, fmt_roas

#: A fixed colour per channel group (unknown group ids get a stable colour of their own).
GROUP_COLORS = {"natural": "#4C72B0", "paid": "#DD8452", "social_content": "#8172B3",
                "private": "#937860", OTHER: "#B0B0B0"}

i18n.register({
    "mix.col.growth_q": {"zh": "{quarter}同比", "en": "{quarter} YoY"},
    "eff.col.gmv_share_change": {"zh": "GMV占比变化（近12个月）", "en": "GMV share change (12 months)"},
    "mix.col.gmv12": {"zh": "近12个月GMV", "en": "GMV, last 12 months"},
    "mix.col.share": {"zh": "占比", "en": "Share"},
    "mix.col.share_change": {"zh": "占比变化", "en": "Share change"},
    "mix.col.growth12": {"zh": "同比（近12个月）", "en": "Growth (12 months)"},
    "chgroup.col.group": {"zh": "渠道分组", "en": "Channel group"},
    "chgroup.col.channels": {"zh": "包含渠道", "en": "Channels"},
    "vizmix.group_shares": {"zh": "各渠道分组占比（按月）", "en": "Channel group shares by month"},
    "vizmix.scatter": {"zh": "渠道规模与效率：GMV与ROAS", "en": "Channel scale and efficiency: GMV and ROAS"},
    "vizmix.scatter_x": {"zh": "GMV（元，{span}）", "en": "GMV (CNY, {span})"},
    "vizmix.scatter_y": {"zh": "ROAS（GMV ÷ 花费，倍）", "en": "ROAS (GMV ÷ spend, times)"},
    "vizmix.scatter_size": {"zh": "气泡大小 = 花费；虚线 = 付费渠道中位数",
                            "en": "bubble size = spend; dashed lines = medians of the paid channels"},
    "vizmix.scatter_unpaid": {"zh": "无花费未画出：{channels}", "en": "no spend, not drawn: {channels}"},
    "vizmix.q.big_good": {"zh": "规模大 · 效率高", "en": "large and efficient"},
    "vizmix.q.small_good": {"zh": "规模小 · 效率高", "en": "small and efficient"},
    "vizmix.q.big_poor": {"zh": "规模大 · 效率低", "en": "large, less efficient"},
    "vizmix.q.small_poor": {"zh": "规模小 · 效率低", "en": "small, less efficient"},
    "vizmix.segment_growth": {"zh": "GMV同比增长（近12个月，{span}）", "en": "GMV growth, last 12 months ({span})"},
    "vizmix.growth_axis": {"zh": "同比增长", "en": "growth year on year"},
    "vizmix.bar_label": {"zh": "占比{share}（{pp}）", "en": "share {share} ({pp})"},
    "vizmix.overall": {"zh": "整体 {growth}", "en": "overall {growth}"},
    "vizmix.small": {"zh": "浅色 = 占比低于{share}", "en": "light = share below {share}"},
})


def group_color(group_id: str) -> str:
    return GROUP_COLORS.get(group_id, style.channel_color(group_id))


# --- tables -----------------------------------------------------------------------------

def totals_table(g: GroupMix, lang: str) -> pd.DataFrame:
    """Each group over the window: its channels, UV, GMV and orders with shares, conversion."""
    t = g.totals
    share = i18n.t("suffix.share", lang)
    members = {gr.id: gr.channels for gr in g.groups.groups}
    members[OTHER] = tuple(g.ungrouped)
    out = {i18n.t("chgroup.col.group", lang): [g.groups.name(x, lang) for x in t["group"]],
           i18n.t("chgroup.col.channels", lang): [i18n.join_list(list(members.get(x, ())), lang) for x in t["group"]]}
    for m in ("uv", "gmv", "orders", "conversion_rate"):
        if m not in t:
            continue
        unit = METRICS[m].unit
        out[i18n.metric_name(m, lang)] = [i18n.fmt_value(v, unit, lang) for v in t[m]]
        if f"{m}_share" in t:
            out[f"{i18n.metric_name(m, lang)} {share}"] = [i18n.fmt_pct(v) for v in t[f"{m}_share"]]
    return pd.DataFrame(out)


def shifts_table(g: GroupMix, lang: str) -> pd.DataFrame | None:
    """Each group's share in the last 3 months and a year earlier, and the shift in pp."""
    if g.shifts is None:
        return None
    sh = g.shifts
    cols = {(i18n.t("chgroup.col.group", lang), ""): [g.groups.name(x, lang) for x in sh["group"]]}
    for v in ("uv", "gmv"):
        if f"{v}_shift" in sh:
            head = i18n.t(f"chart.share_{v}", lang)
            cols[(head, i18n.t("suffix.recent", lang))] = [i18n.fmt_pct(x) for x in sh[f"{v}_share_recent"]]
            cols[(head, i18n.t("suffix.base", lang))] = [i18n.fmt_pct(x) for x in sh[f"{v}_share_base"]]
            cols[(head, i18n.t("suffix.shift", lang))] = [i18n.fmt_pp(x, lang) for x in sh[f"{v}_shift"]]
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def channels_table(g: GroupMix, lang: str) -> pd.DataFrame:
    """Each channel with its group and its shares of UV and GMV over the window."""
    c = g.channels
    out = {i18n.t("col.channel", lang): list(c["channel"]),
           i18n.t("chgroup.col.group", lang): [g.groups.name(x, lang) for x in c["group"]]}
    for v in ("uv", "gmv"):
        if f"{v}_share" in c:
            out[i18n.t(f"chart.share_{v}", lang)] = [i18n.fmt_pct(x) for x in c[f"{v}_share"]]
    if "conversion_rate" in c:
        out[i18n.metric_name("conversion_rate", lang)] = [i18n.fmt_pct(x, decimals=2) for x in c["conversion_rate"]]
    return pd.DataFrame(out)


def efficiency_table(e: Efficiency, lang: str) -> pd.DataFrame:
    """One row per channel and a total row, formatted (unpaid channels show "—")."""
    rows = pd.concat([e.channels, pd.DataFrame([{**e.total, "channel": i18n.t("flag.total", lang),
                                                 "gmv_share": 1.0}])], ignore_index=True)
    fmt = {"CNY": lambda v: i18n.fmt_money(v, lang), "ratio": lambda v: i18n.fmt_pct(v, decimals=2)}
    out = {i18n.t("col.channel", lang): list(rows["channel"])}
    for m in ("spend", "gmv", "gmv_share", "gmv_share_change_pp", "roas", "cac", "cpa", "orders",
              "new_buyers", "conversion_rate"):
        if m not in rows:
            continue
        if m == "gmv_share":
            out[f"{i18n.metric_name('gmv', lang)} {i18n.t('suffix.share', lang)}"] = [i18n.fmt_pct(v) for v in rows[m]]
        elif m == "gmv_share_change_pp":
            out[i18n.t("eff.col.gmv_share_change", lang)] = [i18n.fmt_pp(v, lang) for v in rows[m]]
        elif m == "roas":
            out[i18n.metric_name(m, lang)] = [fmt_roas(v) for v in rows[m]]
        else:
            unit = i18n.metric_unit(m)
            f = fmt.get(unit, lambda v, u=unit: i18n.fmt_value(v, u, lang))
            out[i18n.metric_name(m, lang)] = [f(v) for v in rows[m]]
    return pd.DataFrame(out)


def mix_table(m: SegmentMix, dimension: str, lang: str) -> pd.DataFrame:
    """One dimension's segments (combined lines last) with GMV, share, share change and growth."""
    f = m.growth[m.growth["dimension"] == dimension]
    q = i18n.fmt_quarter(m.quarter, lang)
    return pd.DataFrame({
        i18n.t(f"col.{dimension}", lang): [m.name(dimension, s, c, lang) for s, c in zip(f["segment"], f["combined"])],
        i18n.t("mix.col.gmv12", lang): [i18n.fmt_money(v, lang) for v in f["gmv"]],
        i18n.t("mix.col.share", lang): [i18n.fmt_pct(v) for v in f["share"]],
        i18n.t("mix.col.share_change", lang): [i18n.fmt_pp(v, lang) for v in f["share_change"]],
        i18n.t("mix.col.growth12", lang): [i18n.fmt_growth(v) for v in f["growth"]],
        i18n.t("mix.col.growth_q", lang, quarter=q): [i18n.fmt_growth(v) for v in f["growth_q"]],
    })


# --- channel groups -------------------------------------------------------------------------

def _stacked(ax, g: GroupMix, value: str, months, order, lang: str) -> list:
    wide = g.monthly.pivot_table(index="month", columns="group", values=f"{value}_share", aggfunc="sum")
    wide = wide.reindex(index=months, columns=order).fillna(0.0)
    x = np.arange(len(months))
    polys = ax.stackplot(x, *[wide[gid].to_numpy(dtype=float) for gid in order],
                         colors=[group_color(gid) for gid in order], edgecolor="white", linewidth=0.5)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.set_ylabel(i18n.t(f"chart.share_{value}", lang))
    return polys


def group_shares(g: GroupMix, lang: str) -> Figure:
    """Stacked areas: each group's share of UV (with traffic) and of GMV, month by month."""
    months = list(g.window.months)
    panels = [v for v in ("uv", "gmv") if f"{v}_share" in g.monthly]
    present = set(g.monthly["group"])
    order = [gid for gid in g.groups.order() if gid in present]
    fig, axes = viz.new_figure(len(panels), 1, height=3.0 * len(panels) + 0.8, sharex=True, squeeze=False)
    polys = []
    for ax, value in zip(axes[:, 0], panels):
        polys = _stacked(ax, g, value, months, order, lang)
        ax.set_xlabel("")
    axes[0, 0].set_title(i18n.t("vizmix.group_shares", lang))
    viz.month_ticks(axes[-1, 0], months, lang)
    axes[-1, 0].set_xlim(0, len(months) - 1)
    names = [g.groups.name(gid, lang) for gid in order]
    fig.legend(polys[::-1], names[::-1], loc="outside right upper", title=i18n.t("chgroup.col.group", lang))
    tables = ["traffic", "orders"] if "uv" in panels else ["orders"]
    partial = g.window.partial_month
    viz.add_source(fig, tables, g.window.as_of, lang,
                   i18n.t("chart.partial_excluded", lang, month=partial) if partial else None)
    return fig


# --- channel efficiency ---------------------------------------------------------------------

def _bubble_sizes(spend: np.ndarray) -> np.ndarray:
    top = spend.max() if len(spend) and spend.max() > 0 else 1.0
    return 120 + 1400 * spend / top


def _quadrant_labels(ax, lang: str) -> None:
    for (xa, ya, ha, va), key in zip(((0.99, 0.98, "right", "top"), (0.01, 0.98, "left", "top"),
                                      (0.99, 0.02, "right", "bottom"), (0.01, 0.02, "left", "bottom")),
                                     ("big_good", "small_good", "big_poor", "small_poor")):
        ax.text(xa, ya, i18n.t(f"vizmix.q.{key}", lang), transform=ax.transAxes, ha=ha, va=va,
                fontsize=9, color="#8A8A8A", zorder=2)


def efficiency_scatter(e: Efficiency, lang: str) -> Figure | None:
    """Scale (GMV, x) against efficiency (ROAS, y) of the paid channels; bubble size = spend.

    Dashed lines at the paid channels' medians cut the chart into quadrants: large and
    efficient (top right), small and efficient (top left), large and costly, small and costly.
    None without a spend table or without paid channels.
    """
    if not e.has_spend:
        return None
    paid = e.channels[e.channels["paid"]].dropna(subset=["roas"])
    if paid.empty:
        return None
    fig, ax = viz.new_figure(height=5.2)
    x, y = paid["gmv"].to_numpy(dtype=float), paid["roas"].to_numpy(dtype=float)
    sizes = _bubble_sizes(paid["spend"].to_numpy(dtype=float))
    ax.scatter(x, y, s=sizes, alpha=0.75, zorder=3,
               color=[style.channel_color(c) for c in paid["channel"]], edgecolor="white", linewidth=1)
    for xi, yi, size, name in zip(x, y, sizes, paid["channel"]):
        off = np.sqrt(size) / 2 + 2  # the bubble's radius in points
        ax.annotate(f"{name} {fmt_roas(yi)}", (xi, yi), xytext=(off * 0.75, off * 0.75), textcoords="offset points",
                    fontsize=9, zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.8})
    ax.axvline(float(np.median(x)), color="#888888", linestyle="--", linewidth=1, zorder=1)
    ax.axhline(float(np.median(y)), color="#888888", linestyle="--", linewidth=1, zorder=1)
    ax.set_xlim(0, x.max() * 1.25)
    ax.set_ylim(0, y.max() * 1.2)
    _quadrant_labels(ax, lang)
    viz.money_axis(ax, lang, axis="x")
    span = i18n.fmt_month_span(e.window.months[0], e.window.months[-1], lang)
    ax.set_xlabel(i18n.t("vizmix.scatter_x", lang, span=span))
    ax.set_ylabel(i18n.t("vizmix.scatter_y", lang))
    ax.set_title(i18n.t("vizmix.scatter", lang))
    note = i18n.t("vizmix.scatter_size", lang)
    if e.unpaid:
        note += ("；" if lang == "zh" else "; ") + i18n.t("vizmix.scatter_unpaid", lang,
                                                          channels=i18n.join_list(e.unpaid, lang))
    viz.add_source(fig, ["orders", "spend"], e.window.as_of, lang, note)
    return fig


# --- category and region mix ----------------------------------------------------------------

#: The share of the axis width kept free for the bar labels, on each side that has labels.
LABEL_ROOM = 0.32


def _growth_scale(m: SegmentMix) -> tuple[float, float, float, float]:
    """(left, right) axis limits and the (low, high) range of the bars that set the scale.

    The scale comes from the segments that can be named and the combined lines, so a tiny
    segment growing +500% does not squash the others (its bar runs off the edge, its label stays).
    """
    f = m.growth[m.growth["growth"].notna()]
    core = f[f["eligible"] | f["combined"]]
    rates = (core if len(core) else f)["growth"].to_numpy(dtype=float)
    lo, hi = min(0.0, rates.min()), max(0.0, rates.max())
    negative = bool((f["growth"] < 0).any())
    width = max(hi - lo, 0.05) / (1 - LABEL_ROOM * (1 + negative))
    return lo - (LABEL_ROOM if negative else 0.02) * width, hi + LABEL_ROOM * width, lo, hi


def _growth_panel(ax, m: SegmentMix, dim: str, lang: str, scale) -> None:
    """One dimension's bars, labelled with growth, share and share change."""
    left, right, lo, hi = scale
    f = m.growth[(m.growth["dimension"] == dim) & m.growth["growth"].notna()]
    f = f.iloc[::-1]  # largest GMV at the top; combined lines at the bottom
    y = np.arange(len(f))
    rates = f["growth"].to_numpy(dtype=float)
    colors = [style.SERIES_COLORS["accent"] if c else style.SERIES_COLORS["current"] for c in f["combined"]]
    alphas = [1.0 if (c or e) else 0.35 for c, e in zip(f["combined"], f["eligible"])]
    bars = ax.barh(y, rates, color=colors, height=0.62, zorder=3)
    for bar, alpha, combined in zip(bars, alphas, f["combined"]):
        bar.set_alpha(alpha)
        if combined:
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    names = [m.name(dim, s, c, lang) for s, c in zip(f["segment"], f["combined"])]
    ax.set_yticks(y, names)
    pad = 0.01 * (right - left)
    for yi, rate, share, pp in zip(y, rates, f["share"], f["share_change"]):
        text = f"{i18n.fmt_growth(rate)} · " + i18n.t("vizmix.bar_label", lang, share=i18n.fmt_pct(share),
                                                        pp=i18n.fmt_pp(pp, lang))
        at = min(max(rate, lo), hi)   # a bar running off the scale keeps its label inside
        ax.text(at + (pad if rate >= 0 else -pad), yi, text, va="center", fontsize=8.5, zorder=4,
                ha="left" if rate >= 0 else "right",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.9})
    total = m.total["growth"]
    if not i18n.is_missing(total):
        ax.axvline(total, color="#444444", linestyle="--", linewidth=1, zorder=2)
        ax.text(total, len(f) - 0.45, " " + i18n.t("vizmix.overall", lang, growth=i18n.fmt_growth(total)),
                fontsize=8.5, color="#444444", va="bottom")
    ax.set_ylim(-0.6, len(f) + 0.3)
    ax.axvline(0, color="#999999", linewidth=0.8, zorder=2)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(i18n.t("vizmix.growth_axis", lang))
    ax.set_title(i18n.t(f"col.{dim}", lang), loc="left", fontsize=11)
    ax.grid(axis="y", visible=False)


def segment_growth(m: SegmentMix, lang: str) -> Figure | None:
    """Horizontal bars of each category's and region's 12-month GMV growth, labelled with share.

    Combined segments (e.g. 下沉市场) are hatched; segments below the minimum share are light.
    Both panels share one growth axis. None when the data hold no 12-month comparison.
    """
    if m.growth["growth"].notna().sum() == 0:
        return None
    rows = [max(1, int(((m.growth["dimension"] == d) & m.growth["growth"].notna()).sum())) for d in MIX_DIMENSIONS]
    fig, axes = viz.new_figure(len(MIX_DIMENSIONS), 1, height=0.42 * sum(rows) + 2.6, squeeze=False,
                               sharex=True, gridspec_kw={"height_ratios": rows})
    scale = _growth_scale(m)
    for ax, dim in zip(axes[:, 0], MIX_DIMENSIONS):
        _growth_panel(ax, m, dim, lang, scale)
    axes[0, 0].set_xlim(scale[0], scale[1])
    axes[0, 0].set_xlabel("")
    axes[0, 0].tick_params(labelbottom=True)
    fig.suptitle(i18n.t("vizmix.segment_growth", lang, span=i18n.fmt_month_span(*m.last12, lang)),
                 x=0.0, ha="left", fontsize=13, fontweight="bold")
    small = m.growth[~m.growth["combined"] & ~m.growth["eligible"] & m.growth["growth"].notna()]
    note = i18n.t("vizmix.small", lang, share=i18n.fmt_pct(m.min_share, decimals=0)) if len(small) else None
    viz.add_source(fig, ["orders"], m.as_of, lang, note)
    return fig
