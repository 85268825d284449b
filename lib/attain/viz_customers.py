"""How the customer section looks: its tables, notes and charts.

Every function takes a ``attain.customers.Customers`` and ``lang``. Tables are DataFrames of
display strings (headers in the report's language); charts are Figures (None when there is
nothing to draw) with a title, units and the source line: new vs returning buyers, the cohort
retention heatmap and the value pyramid. Call ``attain.style.apply(lang)`` before drawing.
Only aggregated frames are used; no customer ids.

Small groups are not shown (:data:`attain.customers.MIN_GROUP`, the result's ``min_group``): a tier, a
month's new or returning buyers, a quarter or a cohort of 1 to ``min_group - 1`` buyers shows as "< K"
(its money, shares and medians as "—"), with a note under the table saying so. Where a printed total would
give one hidden group away by subtraction, one more group is hidden with it (complementary suppression):
the RFM tier table hides the next smallest tier; a month hides both new and returning (its buyer total
stays).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from attain import i18n, style, viz
from attain.timegrain import month_label, shift_month

HIDDEN = "—"                # a hidden figure of a small group

COLORS = {"new": "#DD8452", "returning": style.SERIES_COLORS["current"],
          "high": "#1F4E79", "potential": "#5B8DB8", "low": "#B7CCE0"}
TEXT_COLORS = {"high": "white", "potential": "white", "low": "#1F2D3D"}
PYRAMID_WIDTHS = {"low": 1.0, "potential": 0.72, "high": 0.44}   # drawn shape only, bottom to top

i18n.register({
    "cust.col.returning": {"zh": "老客数", "en": "Returning buyers"},
    "cust.col.new_share": {"zh": "新客占比", "en": "New-buyer share"},
    "cust.col.new_gmv": {"zh": "新客GMV", "en": "GMV, new buyers"},
    "cust.col.returning_gmv": {"zh": "老客GMV", "en": "GMV, returning buyers"},
    "cust.col.guest_gmv": {"zh": "游客GMV", "en": "GMV, guests"},
    "cust.col.tier": {"zh": "客户层级", "en": "Tier"},
    "cust.col.rfm": {"zh": "RFM分数", "en": "RFM score"},
    "cust.col.buyer_share": {"zh": "买家占比", "en": "Share of buyers"},
    "cust.col.gmv_share": {"zh": "GMV占比", "en": "Share of GMV"},
    "cust.col.recency": {"zh": "距最近购买（中位数，天）", "en": "Days since last order (median)"},
    "cust.col.frequency": {"zh": "订单数（中位数）", "en": "Orders (median)"},
    "cust.col.per_buyer": {"zh": "人均GMV", "en": "GMV per buyer"},
    "cust.partial_quarter": {"zh": "（季度至今）", "en": " (quarter to date)"},
    "cust.note.monthly": {"zh": "新客：首单（全部数据中最早的订单）在当月的买家；老客 = 购买人数 − 新客数。"
                                "新客/老客GMV按买家首单月份划分；游客订单无客户编号，单列。",
                          "en": "New buyers: first order in the whole data in that month; returning = buyers − new. "
                                "GMV is split by the buyer's first-order month; guest orders have no customer id "
                                "and are shown on their own."},
    "cust.note.early": {"zh": "新客按数据中最早的订单判断：数据始于{start}，其后约一年内的新客可能偏多（更早的购买看不到）。",
                        "en": "New buyers are judged by the earliest order in the data, which starts on {start}: "
                              "in its first year some returning buyers look new (earlier purchases are not visible)."},
    "cust.note.quarter": {"zh": "{quarter}为未满季度（截至{as_of}），与去年同期相同天数对比。",
                          "en": "{quarter} is partial (to {as_of}); it is compared with the same days a year earlier."},
    "cust.note.first_cohort": {"zh": "{month}为数据起始月：该同期群包含数据开始前已购买过的买家，留存可能偏高。",
                               "en": "{month} is the first month of the data: its cohort includes buyers who may "
                                     "have bought before the data start, so its retention may read high."},
    "cust.note.rfm": {"zh": "统计范围：{start}至{as_of}有订单的买家（不含游客），共{buyers}人。R（距最近购买天数，越近越高）、"
                            "F（订单数）、M（GMV，含退货）各按五分位打1–{levels}分，取值相同者同分（取较低分），"
                            "三项相加{low}–{top}分：高价值客户 ≥ {high}分，潜力客户 {potential}–{high_1}分，"
                            "低价值客户 ≤ {potential_1}分。",
                      "en": "Buyers (not guests) with an order from {start} to {as_of}: {buyers}. R (days since the "
                            "last order, recent scores high), F (orders) and M (GMV, returns included) are each "
                            "scored 1–{levels} by quintile, equal values sharing the lower score; the sum runs "
                            "{low}–{top}: high-value ≥ {high}, potential {potential}–{high_1}, "
                            "low-value ≤ {potential_1}."},
    "cust.small": {"zh": "< {k}", "en": "< {k}"},
    "cust.note.small": {"zh": "为避免识别到个人，不足{k}名买家的组只显示为“< {k}”，其金额、占比和中位数不显示；"
                              "若由合计可推算出被隐藏的组，则再隐藏一组。",
                        "en": "So that no buyer can be singled out, groups of fewer than {k} buyers show as "
                              "“< {k}” without their money, shares or medians; where a total would give a hidden "
                              "group away, one more group is hidden with it."},
    "cust.note.small_cohorts": {"zh": "不足{k}名买家的同期群（{n}个）未显示，以免识别到个人。",
                                "en": "{n} cohort(s) of fewer than {k} buyers are not shown, so that no buyer can "
                                      "be singled out."},
    "cust.tier.high": {"zh": "高价值客户", "en": "High-value"},
    "cust.tier.potential": {"zh": "潜力客户", "en": "Potential"},
    "cust.tier.low": {"zh": "低价值客户", "en": "Low-value"},
    "cust.chart.new_returning": {"zh": "新客与老客人数（按月）", "en": "New and returning buyers by month"},
    "cust.chart.new": {"zh": "新客", "en": "New buyers"},
    "cust.chart.returning": {"zh": "老客", "en": "Returning buyers"},
    "cust.chart.cohorts": {"zh": "月度同期群留存率", "en": "Monthly cohort retention"},
    "cust.chart.offset": {"zh": "首单后第几个月", "en": "Months since the first order"},
    "cust.chart.cohort": {"zh": "首单月份（同期群人数）", "en": "Month of first order (cohort size)"},
    "cust.chart.retention": {"zh": "留存率（%）", "en": "Retention (%)"},
    "cust.chart.cohort_note": {"zh": "留存率 = 当月有订单的同期群买家 ÷ 同期群人数；仅含截至{month}的完整月份",
                               "en": "retention = cohort buyers with an order that month ÷ cohort size; "
                                     "complete months up to {month} only"},
    "cust.chart.pyramid": {"zh": "客户价值金字塔（RFM）", "en": "Customer value pyramid (RFM)"},
    "cust.chart.pyramid_label": {"zh": "买家占比 {buyers} · GMV占比 {gmv}", "en": "{buyers} of buyers · {gmv} of GMV"},
    "cust.chart.pyramid_small": {"zh": "买家 < {k}人", "en": "< {k} buyers"},
    "cust.chart.pyramid_note": {"zh": "层宽仅为示意；买家：{start}至{as_of}有订单者",
                                "en": "layer widths are illustrative; buyers with an order {start} to {as_of}"},
})


# --- tables and notes (display strings) ------------------------------------------------------

def is_small(n, k: int) -> bool:
    """A group of 1 to ``k - 1`` buyers (an empty group reveals no one; a missing count is not small)."""
    return not i18n.is_missing(n) and 0 < float(n) < k


def _count(n, k: int, lang: str) -> str:
    return i18n.t("cust.small", lang, k=k) if is_small(n, k) else i18n.fmt_count(n, lang)


def hidden_tiers(result) -> set[str]:
    """The RFM tiers not shown: those of 1 to ``min_group - 1`` buyers and, when that is exactly one tier, the
    smallest other non-empty tier too (the total under the table would give a lone hidden tier away)."""
    k, r = result.min_group, result.rfm
    counts = dict(zip(r["tier"], r["buyers"]))
    hidden = {t for t, n in counts.items() if is_small(n, k)}
    if len(hidden) == 1:
        rest = sorted((n, t) for t, n in counts.items() if t not in hidden and n > 0)
        hidden.update(t for _, t in rest[:1])
    return hidden


def hidden_months(result) -> list[bool]:
    """Per row of ``result.monthly``: hide its new/returning split (a small buyer, new or returning count;
    both are hidden together, since buyers − one gives the other)."""
    k, m = result.min_group, result.monthly
    return [any(is_small(m[c].iloc[i], k) for c in ("buyers", "new_buyers", "returning_buyers"))
            for i in range(len(m))]


def small_cohorts(result) -> list[str]:
    """Cohorts of 1 to ``min_group - 1`` buyers (left out of the heatmap)."""
    c = result.cohorts
    if c is None or not len(c):
        return []
    sizes = c.drop_duplicates("cohort").set_index("cohort")["size"]
    return [cohort for cohort, n in sizes.items() if is_small(n, result.min_group)]


def small_note(result, lang: str, part: str) -> str | None:
    """The note under ``part`` (monthly, quarterly, tiers, cohorts) when it hides a small group, else None."""
    k = result.min_group
    if part == "cohorts":
        n = len(small_cohorts(result))
        return i18n.t("cust.note.small_cohorts", lang, k=k, n=n) if n else None
    hidden = {"monthly": lambda: any(hidden_months(result)),
              "quarterly": lambda: any(is_small(n, k) for n in result.quarterly["buyers"]),
              "tiers": lambda: bool(hidden_tiers(result)) or is_small(result.rfm["buyers"].sum(), k)}[part]()
    return i18n.t("cust.note.small", lang, k=k) if hidden else None


def monthly_table(result, lang: str) -> pd.DataFrame:
    """Month by month, newest first; a month with a small group shows only its buyer total and guest GMV."""
    m = result.monthly.assign(_hide=hidden_months(result)).sort_values("month", ascending=False)
    k = result.min_group
    money = lambda v: i18n.fmt_money(v, lang)

    def split(col, fmt):
        return [HIDDEN if hide else fmt(v) for v, hide in zip(m[col], m["_hide"])]

    return pd.DataFrame({
        i18n.t("col.month", lang): [i18n.fmt_month(x, lang) + (i18n.t("flag.partial", lang) if p else "")
                                    for x, p in zip(m["month"], m["partial"])],
        i18n.metric_name("buyers", lang): [_count(v, k, lang) for v in m["buyers"]],
        i18n.metric_name("new_buyers", lang): split("new_buyers", lambda v: i18n.fmt_count(v, lang)),
        i18n.t("cust.col.returning", lang): split("returning_buyers", lambda v: i18n.fmt_count(v, lang)),
        i18n.t("cust.col.new_share", lang): split("new_share", i18n.fmt_pct),
        i18n.t("cust.col.new_gmv", lang): split("new_gmv", money),
        i18n.t("cust.col.returning_gmv", lang): split("returning_gmv", money),
        i18n.t("cust.col.guest_gmv", lang): m["guest_gmv"].map(money).to_list(),
    })


def quarter_table(result, lang: str) -> pd.DataFrame:
    """Repurchase by quarter, newest first; a quarter of few buyers shows no rates."""
    q = result.quarterly.sort_values("quarter", ascending=False)
    k = result.min_group
    small = [is_small(n, k) for n in q["buyers"]]

    def rate(col, fmt):
        return [HIDDEN if hide else fmt(v) for v, hide in zip(q[col], small)]

    return pd.DataFrame({
        i18n.t("col.quarter", lang): [i18n.fmt_quarter(x, lang) + (i18n.t("cust.partial_quarter", lang) if p else "")
                                      for x, p in zip(q["quarter"], q["partial"])],
        i18n.metric_name("buyers", lang): [_count(v, k, lang) for v in q["buyers"]],
        i18n.metric_name("repurchase_rate", lang): rate("repurchase_rate", i18n.fmt_pct),
        i18n.t("col.base", lang): rate("base_rate", i18n.fmt_pct),
        i18n.t("col.change", lang): rate("change", lambda v: i18n.fmt_pp(v, lang)),
    })


def tier_table(result, lang: str) -> pd.DataFrame:
    """The RFM tiers; a hidden tier (:func:`hidden_tiers`) shows its score range and "< K" only."""
    r = result.rfm
    k = result.min_group
    hidden = hidden_tiers(result)
    hide = [t in hidden for t in r["tier"]]

    def cells(col, fmt):
        return [HIDDEN if h else fmt(v) for v, h in zip(r[col], hide)]

    money = lambda v: i18n.fmt_money(v, lang)
    return pd.DataFrame({
        i18n.t("cust.col.tier", lang): [i18n.t(f"cust.tier.{x}", lang) for x in r["tier"]],
        i18n.t("cust.col.rfm", lang): [f"{lo}–{hi}" for lo, hi in zip(r["low"], r["high"])],
        i18n.metric_name("buyers", lang): [i18n.t("cust.small", lang, k=k) if h else i18n.fmt_count(v, lang)
                                           for v, h in zip(r["buyers"], hide)],
        i18n.t("cust.col.buyer_share", lang): cells("buyer_share", i18n.fmt_pct),
        i18n.metric_name("gmv", lang): cells("gmv", money),
        i18n.t("cust.col.gmv_share", lang): cells("gmv_share", i18n.fmt_pct),
        i18n.t("cust.col.recency", lang): cells("median_recency", _plain),
        i18n.t("cust.col.frequency", lang): cells("median_frequency", _plain),
        i18n.t("cust.col.per_buyer", lang): cells("gmv_per_buyer", money),
    })


def _plain(v) -> str:
    return i18n.MISSING if i18n.is_missing(v) else f"{float(v):,.1f}".removesuffix(".0")


def rfm_note(result, lang: str) -> str:
    """The RFM scope and rules (from ``result.rules``: the one place of the thresholds)."""
    rules = result.rules
    return i18n.t("cust.note.rfm", lang, start=result.rfm_start.isoformat(), as_of=result.window.as_of.isoformat(),
                  buyers=_count(result.rfm["buyers"].sum(), result.min_group, lang), levels=rules.levels, low=3,
                  top=3 * rules.levels, high=rules.high, high_1=rules.high - 1, potential=rules.potential,
                  potential_1=rules.potential - 1)


def monthly_notes(result, lang: str) -> list[str]:
    """What new/returning mean; a caution when the window starts within a year of the data."""
    notes = [i18n.t("cust.note.monthly", lang)]
    if result.window.months[0] < shift_month(month_label(result.data_start), 12):
        notes.append(i18n.t("cust.note.early", lang, start=result.data_start.isoformat()))
    return notes


def quarter_note(result, lang: str) -> str | None:
    partial = result.quarterly[result.quarterly["partial"]]
    if not len(partial):
        return None
    return i18n.t("cust.note.quarter", lang, quarter=i18n.fmt_quarter(partial["quarter"].iloc[0], lang),
                  as_of=result.window.as_of.isoformat())


def cohort_note(result, lang: str) -> str | None:
    """A caution when the first cohort shown is the data's first month (earlier buyers look new)."""
    shown = _shown_cohorts(result)
    if not len(shown) or shown["cohort"].min() != month_label(result.data_start):
        return None
    return i18n.t("cust.note.first_cohort", lang, month=i18n.fmt_month(shown["cohort"].min(), lang))


def _shown_cohorts(result) -> pd.DataFrame:
    c = result.cohorts
    return c[~c["cohort"].isin(small_cohorts(result))] if c is not None else c


# --- charts ------------------------------------------------------------------------------------

def _with_unit(name: str, unit_key: str, lang: str) -> str:
    unit = i18n.t(unit_key, lang)
    return f"{name}（{unit}）" if lang == "zh" else f"{name} ({unit})"


def new_returning(result, lang: str) -> Figure | None:
    """Stacked bars: returning and new buyers in each full month of the window."""
    if result.monthly is None:
        return None
    shown = ~result.monthly["partial"]
    m = result.monthly[shown]
    hide = np.array(hidden_months(result))[shown.to_numpy()]          # small groups: no bar
    months = list(m["month"])
    x = np.arange(len(months))
    fig, ax = viz.new_figure()
    ret = np.where(hide, np.nan, m["returning_buyers"].to_numpy(dtype=float))
    new = np.where(hide, np.nan, m["new_buyers"].to_numpy(dtype=float))
    ax.bar(x, ret, width=0.75, color=COLORS["returning"], label=i18n.t("cust.chart.returning", lang))
    ax.bar(x, new, bottom=ret, width=0.75, color=COLORS["new"], label=i18n.t("cust.chart.new", lang))
    ax.set_title(i18n.t("cust.chart.new_returning", lang))
    ax.set_ylabel(_with_unit(i18n.metric_name("buyers", lang), "unit.people", lang))
    viz.count_axis(ax, lang)
    top = np.nansum([ret, new], axis=0).max() if len(months) else 0.0
    ax.set_ylim(0, max(float(top), 1.0) * 1.18)   # room for the legend
    viz.month_ticks(ax, months, lang)
    ax.grid(axis="x", visible=False)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", ncol=2)
    note = (i18n.t("chart.partial_excluded", lang, month=result.window.partial_month)
            if result.window.partial_month else None)
    viz.add_source(fig, ["orders"], result.window.as_of, lang, note)
    return fig


def _cohort_label(cohort: str, size: int, lang: str) -> str:
    n = i18n.fmt_count(size, lang)
    return f"{cohort}（{n}人）" if lang == "zh" else f"{cohort} (n={n})"


def _cell(v: float) -> str:
    if np.isnan(v):
        return ""
    return "100%" if v == 1 else i18n.fmt_pct(v, decimals=1)


def cohort_heatmap(result, lang: str) -> Figure | None:
    """Retention by cohort (rows) and months since the first order (columns), annotated in %.

    The colour scale runs from 0 to the highest retention after month 0, so later months stay
    readable; month 0 (always 100%) takes the darkest colour.
    """
    c = _shown_cohorts(result)
    if c is None or not len(c):
        return None
    wide = c.pivot(index="cohort", columns="offset", values="retention").sort_index()
    wide = wide.reindex(columns=range(int(c["offset"].max()) + 1))
    sizes = c.drop_duplicates("cohort").set_index("cohort")["size"].reindex(wide.index)
    later = wide.drop(columns=[0]).stack()
    vmax = float(later.max()) if len(later) and later.max() > 0 else 1.0
    annot = wide.map(_cell)
    fig, ax = viz.new_figure(height=0.36 * len(wide) + 1.9)
    sns.heatmap(wide, ax=ax, mask=wide.isna(), annot=annot.to_numpy(), fmt="", cmap="Blues", vmin=0, vmax=vmax,
                linewidths=0.5, linecolor="white", annot_kws={"fontsize": 8},
                cbar_kws={"label": i18n.t("cust.chart.retention", lang), "format": PercentFormatter(1.0, decimals=0)})
    ax.set_yticks(np.arange(len(wide)) + 0.5, [_cohort_label(k, int(n), lang) for k, n in sizes.items()], rotation=0)
    ax.set_xticks(np.arange(wide.shape[1]) + 0.5, [str(k) for k in wide.columns], rotation=0)
    ax.set_xlabel(i18n.t("cust.chart.offset", lang))
    ax.set_ylabel(i18n.t("cust.chart.cohort", lang))
    ax.set_title(i18n.t("cust.chart.cohorts", lang))
    ax.grid(False)
    viz.add_source(fig, ["orders"], result.window.as_of, lang,
                   i18n.t("cust.chart.cohort_note", lang, month=result.window.last_full_month))
    return fig


def value_pyramid(result, lang: str) -> Figure | None:
    """Tiers as centred bars narrowing to the top (high-value), labelled with buyer and GMV shares."""
    r = result.rfm
    if r is None or not r["buyers"].sum():
        return None
    rows, hidden = r.set_index("tier"), hidden_tiers(result)
    order = ["low", "potential", "high"]             # bottom to top
    fig, ax = viz.new_figure(height=4.2)
    for y, tier in enumerate(order):
        width = PYRAMID_WIDTHS[tier]
        ax.barh(y, width, left=-width / 2, height=0.92, color=COLORS[tier], edgecolor="white")
        name = i18n.t(f"cust.tier.{tier}", lang)
        score = f"RFM {int(rows.loc[tier, 'low'])}–{int(rows.loc[tier, 'high'])}"
        shares = (i18n.t("cust.chart.pyramid_small", lang, k=result.min_group) if tier in hidden else
                  i18n.t("cust.chart.pyramid_label", lang, buyers=i18n.fmt_pct(rows.loc[tier, "buyer_share"]),
                         gmv=i18n.fmt_pct(rows.loc[tier, "gmv_share"])))
        ax.text(0, y + 0.14, f"{name}  ·  {score}", ha="center", va="center", fontsize=11, fontweight="bold",
                color=TEXT_COLORS[tier])
        ax.text(0, y - 0.18, shares, ha="center", va="center", fontsize=10, color=TEXT_COLORS[tier])
    ax.set_xlim(-0.52, 0.52)
    ax.set_ylim(-0.55, len(order) - 0.45)
    ax.set_axis_off()
    ax.set_title(i18n.t("cust.chart.pyramid", lang))
    viz.add_source(fig, ["orders"], result.window.as_of, lang,
                   i18n.t("cust.chart.pyramid_note", lang, start=result.rfm_start.isoformat(),
                          as_of=result.window.as_of.isoformat()))
    return fig
