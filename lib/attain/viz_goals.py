"""Charts of the goal-setting report.

Conventions of ``attain.viz``: each function returns a ``Figure`` not registered with pyplot, with a
title, axis units and the source line; call ``attain.style.apply(lang)`` first.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from attain import i18n, style, viz
from attain.achievability import Assessment, period_name, scope_name
from attain.metric_defs import METRICS

# --- forecast of a goal (achievability) ----------------------------------------------------

HISTORY_SHOWN = 24       # months of history before the forecast
FORECAST_COLOR = style.SERIES_COLORS["partial"]
TARGET_COLOR = style.SERIES_COLORS["accent"]

i18n.register({
    "achviz.title": {"zh": "{what}：预测与目标", "en": "{what}: forecast and target"},
    "achviz.title_closed": {"zh": "{what}：实际与目标", "en": "{what}: actual and target"},
    "achviz.actual": {"zh": "实际", "en": "Actual"},
    "achviz.forecast": {"zh": "预测", "en": "Forecast"},
    "achviz.band": {"zh": "{level}预测区间", "en": "{level} prediction interval"},
    "achviz.period": {"zh": "目标期间", "en": "Goal period"},
    "achviz.baseline": {"zh": "去年同期", "en": "A year earlier"},
    "achviz.to_date": {"zh": "已完成", "en": "To date"},
    "achviz.rest": {"zh": "预测剩余", "en": "Forecast"},
    "achviz.period_total": {"zh": "期间值", "en": "Period value"},
    "achviz.target": {"zh": "目标 {value}（达成概率{prob}）", "en": "Target {value} ({prob} chance)"},
    "achviz.target_closed": {"zh": "目标 {value}", "en": "Target {value}"},
    "achviz.scaled": {"zh": "期间值按去年同期「期间值 ÷ 月度值合成」的比例换算（去重人数不可按月相加）",
                      "en": "period value rescaled by last year's period-to-monthly ratio (distinct buyers do "
                            "not add up over months)"},
    "achviz.note": {"zh": "模型：{method}；{n:,}次模拟", "en": "model: {method}; {n:,} simulations"},
})


def _value_axis(ax, unit: str, lang: str) -> None:
    if unit == "CNY":
        viz.money_axis(ax, lang)
    elif unit == "ratio":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    else:
        viz.count_axis(ax, lang)


def _ylabel(metric: str, lang: str) -> str:
    unit = METRICS[metric].unit
    key = {"CNY": "unit.cny", "orders": "unit.orders", "people": "unit.people"}.get(unit)
    name = i18n.metric_name(metric, lang)
    if key is None:
        return name
    return f"{name}（{i18n.t(key, lang)}）" if lang == "zh" else f"{name} ({i18n.t(key, lang)})"


def _fmt(a: Assessment, v: float, lang: str) -> str:
    return i18n.fmt_value(v, METRICS[a.metric].unit, lang)


def _monthly_panel(ax, a: Assessment, lang: str) -> None:
    path = a.path
    first_fc = path.index[path["kind"] != "actual"]
    start = max(0, (first_fc[0] if len(first_fc) else len(path)) - HISTORY_SHOWN)
    shown = path.iloc[start:].reset_index(drop=True)
    x = np.arange(len(shown))
    actual = shown["kind"] == "actual"
    ax.plot(x[actual], shown.loc[actual, "value"], color=style.SERIES_COLORS["current"], marker="o",
            markersize=3, linewidth=2, label=i18n.t("achviz.actual", lang))
    fc = shown.index[~actual]
    if len(fc):
        joined = ([fc[0] - 1] if fc[0] > 0 else []) + list(fc)   # the line starts at the last actual month
        for level, alpha in ((0.95, 0.18), (0.8, 0.35)):
            tag = round(level * 100)
            low = shown[f"low_{tag}"].copy()
            high = shown[f"high_{tag}"].copy()
            low[joined[0]] = low[joined[0]] if not np.isnan(low[joined[0]]) else shown.loc[joined[0], "value"]
            high[joined[0]] = high[joined[0]] if not np.isnan(high[joined[0]]) else shown.loc[joined[0], "value"]
            ax.fill_between(x[joined], low[joined], high[joined], color=FORECAST_COLOR, alpha=alpha, linewidth=0,
                            label=i18n.t("achviz.band", lang, level=f"{tag}%"))
        ax.plot(x[joined], shown.loc[joined, "value"], color=FORECAST_COLOR, linestyle="--", marker="o",
                markersize=3, linewidth=2, label=i18n.t("achviz.forecast", lang))
    in_period = [i for i, mo in enumerate(shown["month"]) if mo in a.months]
    if in_period:
        ax.axvspan(in_period[0] - 0.5, in_period[-1] + 0.5, color="#EEF2F7", zorder=0,
                   label=i18n.t("achviz.period", lang))
    # a ratio's months compare with its period target, unless the period value is rescaled (distinct counts)
    draw_target = a.remainder is None and "distinct_scaled" not in a.notes
    if draw_target:
        ax.axhline(a.target, color=TARGET_COLOR, linestyle=":", linewidth=1.5)
    ax.set_ylabel(_ylabel(a.metric, lang))
    _value_axis(ax, METRICS[a.metric].unit, lang)
    highest = np.nanmax(np.r_[shown["value"].to_numpy(float), shown.get("high_95", shown["value"]).to_numpy(float),
                              [a.target if draw_target else 0.0]])
    ax.set_ylim(0, highest * 1.3)    # room for the legend above the lines
    viz.month_ticks(ax, list(shown["month"]), lang)
    handles, labels = ax.get_legend_handles_labels()
    order = [i18n.t(k, lang, level=lv) for k, lv in (("achviz.actual", ""), ("achviz.forecast", ""),
                                                      ("achviz.band", "80%"), ("achviz.band", "95%"),
                                                      ("achviz.period", ""))]
    pairs = sorted(zip(handles, labels, strict=True), key=lambda hl: order.index(hl[1]) if hl[1] in order else len(order))
    ax.legend([h for h, _ in pairs], [lb for _, lb in pairs], loc="upper left", ncols=3)


def _period_panel(ax, a: Assessment, lang: str) -> None:
    grey, dark = style.SERIES_COLORS["previous"], style.SERIES_COLORS["current"]
    labels = [i18n.t("achviz.baseline", lang), i18n.t("achviz.period_total", lang)]
    if a.baseline is not None and not np.isnan(a.baseline):
        ax.bar(0, a.baseline, color=grey, width=0.6)
        ax.text(0, a.baseline, _fmt(a, a.baseline, lang), ha="center", va="bottom", fontsize=8)
    if a.remainder is not None and a.actual_to_date is not None and not a.closed:
        ax.bar(1, a.actual_to_date, color=dark, width=0.6)
        ax.bar(1, a.remainder, bottom=a.actual_to_date, color=FORECAST_COLOR, width=0.6)
        top = max(v for v in (a.baseline or 0, a.target, a.interval(0.95)[1]) if not np.isnan(v))
        for bottom, height, key, color in ((0, a.actual_to_date, "achviz.to_date", "white"),
                                           (a.actual_to_date, a.remainder, "achviz.rest", "#1A1A1A")):
            if height > 0.12 * top:
                ax.text(1, bottom + height / 2, f"{i18n.t(key, lang)}\n{_fmt(a, height, lang)}", ha="center",
                        va="center", fontsize=8, color=color)
    else:
        ax.bar(1, a.forecast, color=dark if a.closed else FORECAST_COLOR, width=0.6)
        if a.actual_to_date is not None and not a.closed:
            ax.plot([0.7, 1.3], [a.actual_to_date] * 2, color=dark, linewidth=2)
            ax.text(1.32, a.actual_to_date, f"{i18n.t('achviz.to_date', lang)} {_fmt(a, a.actual_to_date, lang)}",
                    va="center", ha="left", fontsize=8, color=dark)
    if not a.closed:
        for level, width in ((0.95, 1.0), (0.8, 3.0)):
            low, high = a.interval(level)
            ax.plot([1, 1], [low, high], color="#333333", linewidth=width, solid_capstyle="butt")
    ax.text(1, a.interval(0.95)[1] if not a.closed else a.forecast, _fmt(a, a.forecast, lang), ha="center",
            va="bottom", fontsize=8)
    sign = "≥ " if a.direction == "higher" else "≤ "
    key = "achviz.target_closed" if a.closed else "achviz.target"
    prob = ">99%" if a.probability > 0.99 else "<1%" if a.probability < 0.01 else i18n.fmt_pct(a.probability, decimals=0)
    ax.axhline(a.target, color=TARGET_COLOR, linestyle=":", linewidth=1.5)
    ax.set_title(i18n.t(key, lang, value=sign + _fmt(a, a.target, lang), prob=prob), fontsize=9,
                 color=TARGET_COLOR, fontweight="normal", loc="center")
    ax.set_xticks([0, 1], labels)
    ax.set_xlim(-0.6, 1.9 if a.remainder is None else 1.6)
    ax.grid(axis="x", visible=False)
    _value_axis(ax, METRICS[a.metric].unit, lang)
    top = max(v for v in (a.baseline or 0, a.target, a.forecast, a.interval(0.95)[1]) if not np.isnan(v))
    ax.set_ylim(0, top * 1.12)


def forecast_chart(a: Assessment, lang: str, title: str | None = None) -> Figure:
    """Monthly history and forecast with 80%/95% bands (left); the period value against the target and
    the same period a year earlier (right)."""
    fig, (left, right) = viz.new_figure(1, 2, gridspec_kw={"width_ratios": [3.2, 1.0]})
    _monthly_panel(left, a, lang)
    _period_panel(right, a, lang)
    what = " · ".join(x for x in (period_name(a.period, lang), scope_name(a.scope, lang),
                                  i18n.metric_name(a.metric, lang)) if x)
    left.set_title(title or i18n.t("achviz.title_closed" if a.closed else "achviz.title", lang, what=what))
    methods = " / ".join(dict.fromkeys(m for m in a.parts["method"] if m not in ("none", "zero")))
    notes = [i18n.t("achviz.note", lang, method=methods, n=a.n_sims)] if methods else []
    if "distinct_scaled" in a.notes:
        notes.append(i18n.t("achviz.scaled", lang))
    note = ("；" if lang == "zh" else "; ").join(notes) or None
    viz.add_source(fig, list(a.tables), a.as_of, lang, note)
    return fig
