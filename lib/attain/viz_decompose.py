"""Target decomposition in the report: the finding, formatted tables (zh/en) and the chart.

``finding(d, lang)`` is one sentence built from the numbers of a ``Decomposition``;
``targets_table`` lists the buckets (months with their quarters, then the period total),
``dims_table`` the dimension values by bucket, ``weights_table`` the seasonal weights per
history year; ``monthly_chart`` draws the targets (bars, stacked by dimension value for an
additive metric split by one dimension) against last year's actuals (line) and the actuals
to date (markers). ``show(d, lang, title=None)`` renders the section in a notebook.
The tables, the notes and the ``dec.*`` texts live in ``attain.decompose_tables`` and are
re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from attain import display, i18n, style, viz
from attain.decompose import DERIVED, LEVELS, Decomposition, bucket_bounds  # noqa: F401

# the words, numbers, tables and notes (and every dec.* text) live in attain.decompose_tables
from attain.decompose_tables import (  # noqa: F401
    _DEPTH,
    _POINT_RATIOS,
    _by,
    _change,
    _dim_name,
    _key_label,
    _mid,
    _ordered,
    _years,
    bucket_text,
    dims_table,
    fmt_target,
    measure_name,
    method_notes,
    note_texts,
    period_text,
    targets_table,
    weights_table,
)

ACTUAL_COLOR = "#222222"


# --- finding -------------------------------------------------------------------------------

def _end(lang: str) -> str:
    return "。" if lang == "zh" else "."


def _dim_part(d: Decomposition, lang: str) -> str:
    """The largest dimension value (additive) or the highest and lowest ratio targets over the period."""
    if not d.dims:
        return ""
    top = d.targets[d.targets["level"] == d.level]
    if d.is_ratio:
        rated = top[(top["numerator"] > 0) & (top["denominator"] > 0)].sort_values("target", ascending=False,
                                                                                   kind="stable")
        if len(rated) < 2:
            return ""
        hi, lo = rated.iloc[0], rated.iloc[-1]
        return i18n.t("dec.find.ratio_dim", lang, dim=_dim_name(d, lang, mid=True), top=_key_label(hi, d.dims),
                      top_v=fmt_target(hi["target"], d.metric, lang), bottom=_key_label(lo, d.dims),
                      bottom_v=fmt_target(lo["target"], d.metric, lang))
    whole = top["target"].sum()
    big = top.sort_values("target", ascending=False, kind="stable").iloc[0]
    return i18n.t("dec.find.dim", lang, dim=_dim_name(d, lang, mid=True), top=_key_label(big, d.dims),
                  top_v=fmt_target(big["target"], d.metric, lang),
                  top_s=i18n.fmt_pct(big["target"] / whole if whole else float("nan")))


def finding(d: Decomposition, lang: str) -> str:
    """One sentence: the target, its highest and lowest buckets, its growth, the largest part."""
    buckets, whole = d.totals(), d.totals(d.level).iloc[0]
    names = {"period": period_text(d.period, lang), "metric": _mid(i18n.metric_name(d.metric, lang), lang)}
    if d.is_ratio:
        text = i18n.t("dec.find.ratio", lang, **names, target=fmt_target(d.target, d.metric, lang),
                      den=_mid(measure_name(d.denominator, lang), lang),
                      D=fmt_target(whole["denominator"], d.denominator, lang),
                      num=_mid(measure_name(d.numerator, lang), lang), N=fmt_target(whole["numerator"], d.numerator, lang))
        rated = buckets.dropna(subset=["target"])
        if len(rated) > 1:
            hi, lo = rated.loc[rated["target"].idxmax()], rated.loc[rated["target"].idxmin()]
            text += i18n.t("dec.find.ratio_range", lang, g=i18n.t(f"dec.grain.{d.grain}", lang),
                           hi=bucket_text(hi["period_bucket"], lang, True), hi_v=fmt_target(hi["target"], d.metric, lang),
                           lo=bucket_text(lo["period_bucket"], lang, True), lo_v=fmt_target(lo["target"], d.metric, lang))
        return text + _dim_part(d, lang) + _end(lang)
    total = fmt_target(whole["target"], d.metric, lang)
    if len(buckets) > 1:
        hi, lo = buckets.loc[buckets["target"].idxmax()], buckets.loc[buckets["target"].idxmin()]
        text = i18n.t("dec.find.additive", lang, **names, total=total,
                      hi=bucket_text(hi["period_bucket"], lang, True), hi_v=fmt_target(hi["target"], d.metric, lang),
                      hi_s=i18n.fmt_pct(hi["share"]), lo=bucket_text(lo["period_bucket"], lang, True),
                      lo_v=fmt_target(lo["target"], d.metric, lang), lo_s=i18n.fmt_pct(lo["share"]))
    else:
        text = i18n.t("dec.find.single", lang, **names, total=total)
    if not i18n.is_missing(whole["vs_last_year"]):
        text += i18n.t("dec.find.growth", lang, growth=i18n.fmt_growth(whole["vs_last_year"]))
    return text + _dim_part(d, lang) + _end(lang)


# --- chart ---------------------------------------------------------------------------------

def _value_axis(ax, d: Decomposition, lang: str) -> None:
    unit = i18n.metric_unit(d.metric)
    if d.metric in _POINT_RATIOS:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.1f}"))
    elif unit == "ratio":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    elif unit == "CNY":
        viz.money_axis(ax, lang)
    else:
        viz.count_axis(ax, lang)


def _colors(d: Decomposition, labels) -> list[str]:
    if d.dims == ("channel",):
        return [style.channel_color(x) for x in labels]
    cycle = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"]
    return [cycle[i % len(cycle)] for i in range(len(labels))]


def _bars(ax, d: Decomposition, frame: pd.DataFrame, x, lang: str) -> None:
    """Target bars: stacked by dimension value for an additive metric split by one dimension."""
    if len(d.dims) == 1 and not d.is_ratio and len(frame) > 1:
        part = d.targets[d.targets["level"] == d.grain]
        labels = list(dict.fromkeys(_key_label(r, d.dims) for _, r in part.iterrows()))
        part = part.assign(_key=[_key_label(r, d.dims) for _, r in part.iterrows()])
        wide = part.pivot_table(index="period_bucket", columns="_key", values="target", aggfunc="sum", sort=False)
        wide = wide.reindex(index=list(frame["period_bucket"]), columns=labels).fillna(0.0)
        bottom = np.zeros(len(frame))
        for label, color in zip(labels, _colors(d, labels)):
            ax.bar(x, wide[label].to_numpy(dtype=float), bottom=bottom, width=0.7, color=color, label=label,
                   edgecolor="white", linewidth=0.3)
            bottom += wide[label].to_numpy(dtype=float)
        return
    ax.bar(x, frame["target"].to_numpy(dtype=float), width=0.7, color=style.SERIES_COLORS["partial"],
           label=i18n.t("dec.chart.target", lang))


def monthly_chart(d: Decomposition, lang: str) -> Figure | None:
    """Targets by bucket of the grain (bars) against the same bucket a year earlier (line) and the
    actuals to date (markers; hollow for a bucket still in progress). A single bucket split by a
    dimension is drawn by dimension value instead; None for a single bucket without dimensions."""
    frame = d.totals()
    by_key = len(frame) == 1
    if by_key:
        if not d.dims:
            return None
        frame = d.targets[d.targets["level"] == d.grain].reset_index(drop=True)
        ticks = [_key_label(r, d.dims) for _, r in frame.iterrows()]
    else:
        ticks = [bucket_text(b, lang, short=True, tick=True) for b in frame["period_bucket"]]
    fig, ax = viz.new_figure()
    x = np.arange(len(frame))
    if by_key:
        ax.bar(x, frame["target"].to_numpy(dtype=float), width=0.7, color=style.SERIES_COLORS["partial"],
               label=i18n.t("dec.chart.target", lang))
    else:
        _bars(ax, d, frame, x, lang)
    ax.plot(x, frame["last_year"].to_numpy(dtype=float), color=style.SERIES_COLORS["previous"],
            linestyle="none" if by_key else "--", marker="o", markersize=6 if by_key else 4, linewidth=1.6,
            label=i18n.t("dec.chart.last_year", lang), zorder=4)
    seen = frame["phase"] != "ahead"
    if seen.any():
        done = (frame["phase"] == "done").to_numpy()
        actual = frame["actual"].to_numpy(dtype=float)
        now = ~done & seen.to_numpy()
        if done.any():
            ax.scatter(x[done], actual[done], marker="D", s=40, color=ACTUAL_COLOR, zorder=5,
                       label=i18n.t("dec.chart.actual", lang, as_of=d.as_of.isoformat()))
        if now.any():
            ax.scatter(x[now], actual[now], marker="D", s=40, zorder=5, facecolor="white", edgecolor=ACTUAL_COLOR,
                       linewidth=1.4, label=i18n.t("dec.chart.partial", lang))
    ax.set_xticks(x, ticks)
    ax.set_xlim(-0.6, len(frame) - 0.4)
    ax.set_ylim(bottom=0)
    _value_axis(ax, d, lang)
    ax.set_ylabel(i18n.metric_name(d.metric, lang))
    if d.is_ratio and len(frame) <= 12:
        ax.bar_label(ax.containers[0], [fmt_target(v, d.metric, lang) for v in frame["target"]], fontsize=8.5,
                     padding=2, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
    ax.set_title(i18n.t("dec.chart.title", lang, metric=i18n.metric_name(d.metric, lang),
                        period=period_text(d.period, lang)))
    ax.grid(axis="x", visible=False)
    handles, labels = ax.get_legend_handles_labels()
    stacked = len(d.dims) == 1 and not d.is_ratio and not by_key
    fig.legend(handles[::-1], labels[::-1], loc="outside right upper",
               title=i18n.t("dec.chart.by", lang, dim=_dim_name(d, lang, mid=True)) if stacked else None)
    viz.add_source(fig, list(d.tables), d.as_of, lang, i18n.t("dec.chart.note", lang, years=_years(d)))
    return fig


# --- the section ---------------------------------------------------------------------------

def show(d: Decomposition, lang: str, title: str | None = None) -> None:
    """Heading, finding, the time table, the dimension table, the chart, the method notes."""
    if title:
        display.heading("dec.heading", lang, level=3, title=title)
    else:
        display.heading("dec.section", lang, level=3)
    display.paragraph(finding(d, lang))
    display.table(targets_table(d, lang))
    for dim in d.dims:      # one table per dimension (the joint breakdown is in the targets file)
        display.heading("dec.table.dims", lang, level=4, dims=i18n.t(f"col.{dim}", lang))
        display.table(dims_table(d, lang, [dim]))
    display.figure(monthly_chart(d, lang))
    for text in method_notes(d, lang):
        display.note(text)
