"""Charts of the reports: matplotlib Figures with a title, axis units and a source line.

Every function takes the frames it draws (usually a ``Situation``), ``lang`` and returns a
``matplotlib.figure.Figure`` that is not registered with pyplot (no global state, nothing
shown twice in a notebook; show it with ``attain.display.figure``). Call
``attain.style.apply(lang)`` first so the CJK font and the theme are set.
Colours come from ``attain.style``: the same channel has the same colour everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from attain import i18n, style
from attain.situation import Situation, shift_month

SOURCE_SIZE = 8


def new_figure(nrows: int = 1, ncols: int = 1, *, height: float | None = None, **kw):
    """A Figure with an Agg canvas (so ``fig.canvas.draw()`` renders) and its axes."""
    width, default_height = style.FIGSIZE
    fig = Figure(figsize=(width, height or default_height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def add_source(fig: Figure, tables, as_of, lang: str, note: str | None = None) -> None:
    """The grey line under a chart: where the numbers come from and up to when."""
    text = i18n.t("chart.source", lang, tables=", ".join(tables), as_of=str(as_of))
    if note:
        text += ("；" if lang == "zh" else "; ") + note
    fig.text(0.0, 0.0, text, ha="left", va="top", fontsize=SOURCE_SIZE, color="#666666",
             transform=fig.transFigure)


def _tick_formatter(ax, axis: str, lang: str, money: bool) -> FuncFormatter:
    def fmt(v, _pos):
        lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
        return i18n.fmt_tick(v, max(abs(lo), abs(hi)), lang, money=money)
    return FuncFormatter(fmt)


def money_axis(ax, lang: str, axis: str = "y") -> None:
    """Ticks like ¥1,500万 / ¥15M, one unit per axis."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(_tick_formatter(ax, axis, lang, True))


def count_axis(ax, lang: str, axis: str = "y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(_tick_formatter(ax, axis, lang, False))


def month_ticks(ax, months, lang: str, every: int | None = None) -> None:
    """Month labels on a categorical x axis, thinned to about 8 labels."""
    months = list(months)
    step = every or max(1, int(np.ceil(len(months) / 8)))
    ticks = list(range(len(months) - 1, -1, -step))[::-1]  # always label the latest month
    ax.set_xticks(ticks, [months[i] for i in ticks])
    ax.set_xlim(-0.6, len(months) - 0.4)
    ax.set_xlabel(i18n.t("chart.month", lang))


def _partial_note(s: Situation, lang: str) -> str | None:
    if not s.window.partial_month:
        return None
    return i18n.t("chart.partial_excluded", lang, month=s.window.partial_month)


def _with_unit(name: str, unit_key: str, lang: str) -> str:
    unit = i18n.t(unit_key, lang)
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def gmv_yoy(s: Situation, lang: str) -> Figure:
    """Monthly GMV over the window with the same month a year earlier overlaid."""
    months = list(s.window.months)
    gmv = s.history.set_index("month")["gmv"]
    cur = gmv.reindex(months).to_numpy(dtype=float)
    prev = gmv.reindex([shift_month(m, -12) for m in months]).to_numpy(dtype=float)
    fig, ax = new_figure()
    x = np.arange(len(months))
    ax.plot(x, prev, color=style.SERIES_COLORS["previous"], linestyle="--", marker="o", markersize=3,
            label=i18n.t("chart.last_year", lang))
    ax.plot(x, cur, color=style.SERIES_COLORS["current"], marker="o", markersize=4, linewidth=2,
            label=i18n.t("chart.this_year", lang))
    ax.set_title(i18n.t("chart.gmv_yoy", lang))
    ax.set_ylabel(_with_unit(i18n.metric_name("gmv", lang), "unit.cny", lang))
    money_axis(ax, lang)
    ax.set_ylim(bottom=0)
    month_ticks(ax, months, lang)
    ax.legend(loc="upper left")
    add_source(fig, ["orders"], s.window.as_of, lang, _partial_note(s, lang))
    return fig


def orders_aov(s: Situation, lang: str) -> Figure:
    """Orders (bars) and average order value (line) by month, one panel each."""
    months = list(s.window.months)
    frame = s.history.set_index("month").reindex(months)
    fig, (top, bottom) = new_figure(2, 1, height=6.0, sharex=True)
    x = np.arange(len(months))
    top.bar(x, frame["orders"].to_numpy(dtype=float), color=style.SERIES_COLORS["current"], width=0.7)
    top.set_title(i18n.t("chart.orders_aov", lang))
    top.set_ylabel(_with_unit(i18n.metric_name("orders", lang), "unit.orders", lang))
    count_axis(top, lang)
    bottom.plot(x, frame["aov"].to_numpy(dtype=float), color=style.SERIES_COLORS["accent"], marker="o", markersize=4)
    bottom.set_ylabel(_with_unit(i18n.metric_name("aov", lang), "unit.cny", lang))
    money_axis(bottom, lang)
    month_ticks(bottom, months, lang)
    top.set_xlabel("")
    add_source(fig, ["orders"], s.window.as_of, lang, _partial_note(s, lang))
    return fig


def _stacked_shares(ax, frame: pd.DataFrame, months, value: str, order) -> None:
    wide = frame.pivot_table(index="month", columns="channel", values=f"{value}_share", aggfunc="sum")
    wide = wide.reindex(index=months, columns=order).fillna(0.0)
    bottom = np.zeros(len(months))
    x = np.arange(len(months))
    for channel in order:
        values = wide[channel].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, width=0.85, color=style.channel_color(channel), label=channel,
               edgecolor="white", linewidth=0.3)
        bottom += values
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1)
    ax.grid(axis="x", visible=False)


def channel_order(s: Situation) -> list[str]:
    """Channels by GMV over the window, largest first (the legend and stacking order)."""
    frame = s.channels if s.channels is not None else pd.DataFrame(columns=["channel", "gmv"])
    return list(frame.sort_values("gmv", ascending=False, kind="stable")["channel"])


def channel_shares(s: Situation, lang: str) -> Figure:
    """Stacked monthly share of each channel in UV and in GMV."""
    months = list(s.window.months)
    panels = [v for v in ("uv", "gmv") if f"{v}_share" in s.channel_monthly]
    fig, axes = new_figure(len(panels), 1, height=3.2 * len(panels) + 0.6, sharex=True, squeeze=False)
    order = channel_order(s)
    for ax, value in zip(axes[:, 0], panels):
        _stacked_shares(ax, s.channel_monthly, months, value, order)
        ax.set_ylabel(i18n.t(f"chart.share_{value}", lang))
        ax.set_xlabel("")
    axes[0, 0].set_title(i18n.t("chart.share", lang))
    month_ticks(axes[-1, 0], months, lang)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right upper", title=i18n.t("col.channel", lang))
    tables = ["traffic", "orders"] if "uv" in panels else ["orders"]
    add_source(fig, tables, s.window.as_of, lang, _partial_note(s, lang))
    return fig


def conversion_by_channel(s: Situation, lang: str) -> Figure | None:
    """Conversion rate (orders / UV) of each channel over the window, with the overall rate.

    None when there is no traffic data to divide by.
    """
    if s.channels is None or "conversion_rate" not in s.channels or s.channels["conversion_rate"].isna().all():
        return None
    frame = s.channels.dropna(subset=["conversion_rate"]).sort_values("conversion_rate", kind="stable")
    fig, ax = new_figure(height=0.42 * max(len(frame), 3) + 1.4)
    y = np.arange(len(frame))
    rates = frame["conversion_rate"].to_numpy(dtype=float)
    ax.barh(y, rates, color=[style.channel_color(c) for c in frame["channel"]], height=0.65)
    ax.set_yticks(y, list(frame["channel"]))
    for yi, rate in zip(y, rates):
        ax.text(rate, yi, " " + i18n.fmt_pct(rate, decimals=2), va="center", fontsize=9, zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})
    if s.total_conversion is not None and not i18n.is_missing(s.total_conversion):
        ax.axvline(s.total_conversion, color="#444444", linestyle="--", linewidth=1, zorder=1.5)
        label = ("整体 " if lang == "zh" else "overall ") + i18n.fmt_pct(s.total_conversion, decimals=2)
        ax.text(s.total_conversion, len(frame) - 0.4, " " + label, fontsize=9, color="#444444", va="bottom")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_xlim(0, max(rates.max() if len(rates) else 0.01, s.total_conversion or 0) * 1.22)
    ax.set_ylim(-0.6, len(frame) + 0.2)
    ax.set_xlabel(i18n.metric_name("conversion_rate", lang))
    ax.set_title(i18n.t("chart.conversion", lang))
    ax.grid(axis="y", visible=False)
    start, end = s.window.months[0], s.window.months[-1]
    add_source(fig, ["orders", "traffic"], s.window.as_of, lang, i18n.fmt_month_span(start, end, lang))
    return fig
