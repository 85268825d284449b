"""Target decomposition as text: the tables (zh/en) and the method notes of a ``Decomposition``.

``targets_table`` lists the buckets (months with their quarters, then the period total),
``dims_table`` the dimension values by bucket, ``weights_table`` the seasonal weights per
history year; ``method_notes`` says how the numbers were made and ``note_texts`` puts the
decomposition's own remarks in words. Also the shared words and number formats
(``measure_name``, ``period_text``, ``bucket_text``, ``fmt_target``) and every ``dec.*`` text.
The finding, the chart and the notebook section are in ``attain.viz_decompose``, which
re-exports every name here.
"""

from __future__ import annotations

import calendar

import pandas as pd

from attain import i18n
from attain.decompose import DERIVED, LEVELS, Decomposition, bucket_bounds

i18n.register({
    "dec.section": {"zh": "目标分解", "en": "Target decomposition"},
    "dec.heading": {"zh": "目标分解：{title}", "en": "Target decomposition: {title}"},
    "dec.table.time": {"zh": "按时间分解", "en": "By time"},
    "dec.table.dims": {"zh": "按{dims}分解", "en": "By {dims}"},
    "dec.table.weights": {"zh": "季节权重（各月占期间的比重）", "en": "Seasonal weights (each month's share of the period)"},
    "dec.col.target": {"zh": "目标", "en": "Target"},
    "dec.col.share": {"zh": "占全期", "en": "Share of period"},
    "dec.col.last_year": {"zh": "去年同期实际", "en": "Actual a year earlier"},
    "dec.col.vs_last_year": {"zh": "较去年同期", "en": "vs a year earlier"},
    "dec.col.actual": {"zh": "实际（截至{as_of}）", "en": "Actual (to {as_of})"},
    "dec.col.phase": {"zh": "状态", "en": "Status"},
    "dec.col.weight": {"zh": "采用权重", "en": "Weight used"},
    "dec.col.year_share": {"zh": "{year}年占比", "en": "Share in {year}"},
    "dec.col.measure_weight": {"zh": "{measure}权重", "en": "{measure} weight"},
    "dec.phase.done": {"zh": "已结束", "en": "Done"},
    "dec.phase.in_progress": {"zh": "进行中", "en": "In progress"},
    "dec.phase.ahead": {"zh": "未开始", "en": "Ahead"},
    "dec.measure.returned_orders": {"zh": "退货订单数", "en": "Returned orders"},
    "dec.measure.gross_profit": {"zh": "毛利", "en": "Gross profit"},
    "dec.measure.bounce_base": {"zh": "会话数（跳出率分母）", "en": "Sessions (bounce-rate base)"},
    "dec.chart.title": {"zh": "{metric}：{period}目标与去年同期实际", "en": "{metric}: targets for {period} vs a year earlier"},
    "dec.chart.target": {"zh": "目标", "en": "Target"},
    "dec.chart.last_year": {"zh": "去年同期实际", "en": "Actual a year earlier"},
    "dec.chart.actual": {"zh": "本期实际（截至{as_of}）", "en": "Actual (to {as_of})"},
    "dec.chart.partial": {"zh": "进行中（至今）", "en": "In progress (to date)"},
    "dec.chart.by": {"zh": "目标（按{dim}）", "en": "Target by {dim}"},
    "dec.chart.note": {"zh": "季节权重取自{years}年", "en": "seasonal weights from {years}"},
    "dec.method": {"zh": "口径：{unit}目标按{years}年各月占比的平均值分解，季度、全年为月度之和；金额精确到分、数量精确到个，"
                         "采用最大余数法，各级之和与上级目标完全一致。",
                   "en": "Method: {unit} targets follow the average share of each month in {years}; quarters and the "
                         "year are sums of months; amounts are exact to the cent and counts to the unit (largest "
                         "remainder), so every level adds up exactly to its parent."},
    "dec.method.dims": {"zh": "{dim}按历史同月占比拆分。", "en": "Each month is split by {dim} by its share in the same "
                                                             "month of the history years."},
    "dec.method.weights": {"zh": "{dim}按给定权重拆分：{weights}。", "en": "Split by {dim} with the given weights: {weights}."},
    "dec.method.ratio": {"zh": "比率指标：分母{den}计划{D}（{basis}），分子{num} = 目标 × 分母 = {N}；"
                               "两者各按自身历史结构分解，每个细分的目标 = 分子 ÷ 分母。",
                         "en": "Ratio metric: the denominator, {den}, is planned at {D} ({basis}), the numerator, {num}, "
                               "at target × denominator = {N}; each is split by its own history and every part's "
                               "target is numerator ÷ denominator."},
    "dec.basis.last_year": {"zh": "去年同期实际", "en": "its actual a year earlier"},
    "dec.basis.given": {"zh": "给定计划", "en": "as planned by the caller"},
    "dec.find.additive": {"zh": "{period}{metric}目标{total}按季节权重分解：{hi}最高（{hi_v}，占{hi_s}），{lo}最低（{lo_v}，占{lo_s}）",
                          "en": "The {period} {metric} target of {total} follows the seasonal weights: {hi} is the "
                                "highest ({hi_v}, {hi_s}) and {lo} the lowest ({lo_v}, {lo_s})"},
    "dec.find.single": {"zh": "{period}{metric}目标{total}", "en": "The {period} {metric} target is {total}"},
    "dec.find.growth": {"zh": "，较去年同期{growth}", "en": ", {growth} on a year earlier"},
    "dec.find.dim": {"zh": "；按{dim}，{top}最大（{top_v}，占{top_s}）", "en": "; by {dim}, {top} is the largest ({top_v}, {top_s})"},
    "dec.find.ratio": {"zh": "{period}{metric}目标{target}：{den}计划{D}，{num}目标{N}",
                       "en": "The {period} {metric} target of {target} rests on {D} {den} and {N} {num}"},
    "dec.find.ratio_range": {"zh": "；各{g}目标在{lo_v}（{lo}）至{hi_v}（{hi}）之间",
                             "en": "; {g} targets range from {lo_v} ({lo}) to {hi_v} ({hi})"},
    "dec.find.ratio_dim": {"zh": "；按{dim}，最高{top}（{top_v}），最低{bottom}（{bottom_v}）",
                           "en": "; by {dim}, {top} is the highest ({top_v}) and {bottom} the lowest ({bottom_v})"},
    "dec.grain.month": {"zh": "月", "en": "monthly"},
    "dec.grain.quarter": {"zh": "季度", "en": "quarterly"},
    "dec.grain.year": {"zh": "年", "en": "yearly"},
    "dec.note.few_years": {"zh": "只有{n}个完整历史年度（{years}），少于要求的{wanted}个。",
                           "en": "History covers only {years}: {n} of the {wanted} full years asked for."},
    "dec.note.unweighted": {"zh": "未给权重的{values}没有分到目标。",
                            "en": "{values} got no weight and so no target."},
    "dec.note.new_buyers": {"zh": "新客按全部数据中的首单认定，数据最初12个月的新客偏多，未用作历史权重。",
                            "en": "New buyers are counted from their first order in the data, so the data's first 12 "
                                  "months hold too many of them; those months are not used as history."},
    "dec.note.category_orders": {"zh": "按品类拆分订单数时，一单多品类会在每个品类各计一次，各品类实际之和大于总订单数。",
                                 "en": "By category, an order with lines in several categories counts in each, so "
                                       "the categories' actual orders add up to more than all orders."},
    "dec.note.trend_skipped": {"zh": "缺少去年同期或两年以上历史，无法按复利趋势调整，已按统一增长分解。",
                               "en": "No same period last year or fewer than two history years: the compound "
                                     "trend could not be applied, growth is uniform."},
    "dec.note.compound": {"zh": "增长按逐月复利分布：目标较去年同期{gt}，历史年均增长{gh}。",
                          "en": "Growth is spread as monthly compounding: target {gt} on a year earlier, history "
                                "{gh} a year."},
    "dec.note.no_ratio": {"zh": "部分细分的分母目标为0，其比率目标无法计算（显示为—）。",
                          "en": "Some parts have a zero denominator target, so their ratio target is undefined (—)."},
})

_DEPTH = {lv: i for i, lv in enumerate(LEVELS)}
_POINT_RATIOS = ("roas",)    # ratios shown as a multiple (3.91), not a percentage


# --- words and numbers ---------------------------------------------------------------------

def measure_name(measure: str, lang: str) -> str:
    key = f"dec.measure.{measure}"
    return i18n.t(key, lang) if key in i18n.STRINGS else i18n.metric_name(measure, lang)


def period_text(period: str, lang: str) -> str:
    """``2026`` -> 2026年全年 / full-year 2026; quarters and months as in the rest of the reports."""
    if "-Q" in period:
        return i18n.fmt_quarter(period, lang)
    if "-" in period:
        return i18n.fmt_month(period, lang)
    return f"{period}年全年" if lang == "zh" else f"full-year {period}"


def bucket_text(bucket: str, lang: str, short: bool = False, tick: bool = False) -> str:
    """A bucket label; ``short`` drops the year (11月 / November, 第4季度 / Q4); ``tick``: Nov."""
    if not short:
        return period_text(bucket, lang) if "-" in bucket else (f"{bucket}年" if lang == "zh" else bucket)
    if "-Q" in bucket:
        q = bucket[-1]
        return f"第{q}季度" if lang == "zh" else f"Q{q}"
    if "-" in bucket:
        month = int(bucket[5:7])
        return f"{month}月" if lang == "zh" else (calendar.month_abbr if tick else calendar.month_name)[month]
    return bucket


def fmt_target(value, measure: str, lang: str) -> str:
    """A value of a metric or measure in its unit (money, count, percentage, ROAS multiple)."""
    if i18n.is_missing(value):
        return i18n.MISSING
    if measure in _POINT_RATIOS:
        return f"{float(value):.2f}"
    if measure in DERIVED:
        return i18n.fmt_money(value, lang) if measure == "gross_profit" else i18n.fmt_count(value, lang)
    return i18n.fmt_value(value, i18n.metric_unit(measure), lang)


def _change(d: Decomposition, target, base, lang: str) -> str:
    """Target against a year earlier: percentage points for rates, growth otherwise."""
    if i18n.is_missing(target) or i18n.is_missing(base):
        return i18n.MISSING
    if d.is_ratio and i18n.metric_unit(d.metric) == "ratio" and d.metric not in _POINT_RATIOS:
        return i18n.fmt_pp(float(target) - float(base), lang)
    return i18n.fmt_growth(float(target) / float(base) - 1) if float(base) else i18n.MISSING


def _years(d: Decomposition) -> str:
    return f"{d.history[0]}–{d.history[-1]}" if len(d.history) > 1 else str(d.history[0])


def _mid(name: str, lang: str) -> str:
    """A name inside an English sentence: ``Unique visitors`` -> ``unique visitors`` (``GMV`` stays)."""
    return name[0].lower() + name[1:] if lang == "en" and name[1:2].islower() else name


def _dim_name(d: Decomposition, lang: str, mid: bool = False) -> str:
    names = [i18n.t(f"col.{x}", lang) for x in d.dims]
    return (" · " if lang == "en" else "×").join(_mid(n, lang) if mid else n for n in names)


def _key_label(row, dims) -> str:
    return " · ".join(str(row[x]) for x in dims)


# --- tables --------------------------------------------------------------------------------

def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Months, each quarter after its months, the period last."""
    ends = [bucket_bounds(b)[1] for b in frame["period_bucket"]]
    return frame.assign(_end=ends, _depth=[-_DEPTH[lv] for lv in frame["level"]]) \
        .sort_values(["_end", "_depth"], kind="stable").drop(columns=["_end", "_depth"])


def targets_table(d: Decomposition, lang: str) -> pd.DataFrame:
    """Every bucket of every level (summed over the dimensions), formatted."""
    rows = _ordered(pd.concat([d.totals(lv) for lv in d.levels], ignore_index=True))
    fmt = lambda v: fmt_target(v, d.metric, lang)
    out = {i18n.t("col.period", lang): [bucket_text(b, lang) for b in rows["period_bucket"]],
           i18n.t("dec.col.target", lang): [fmt(v) for v in rows["target"]]}
    if d.is_ratio:
        for x in ("numerator", "denominator"):
            measure = getattr(d, x)
            out[measure_name(measure, lang)] = [fmt_target(v, measure, lang) for v in rows[x]]
    else:
        out[i18n.t("dec.col.share", lang)] = [i18n.fmt_pct(v) for v in rows["share"]]
    out[i18n.t("dec.col.last_year", lang)] = [fmt(v) for v in rows["last_year"]]
    out[i18n.t("dec.col.vs_last_year", lang)] = [_change(d, t, b, lang) for t, b in zip(rows["target"], rows["last_year"])]
    out[i18n.t("dec.col.actual", lang, as_of=d.as_of.isoformat())] = [
        i18n.MISSING if p == "ahead" else fmt(v) for p, v in zip(rows["phase"], rows["actual"])]
    out[i18n.t("dec.col.phase", lang)] = [i18n.t(f"dec.phase.{p}", lang) for p in rows["phase"]]
    return pd.DataFrame(out)


def _by(d: Decomposition, level: str, dims) -> pd.DataFrame:
    """Targets of ``level`` summed over the dimensions not in ``dims`` (ratios from summed parts;
    a spend-based ratio of a part without spend, e.g. the CAC of an unpaid channel, is missing)."""
    f = d.targets[d.targets["level"] == level]
    cols = ["numerator", "denominator"] if d.is_ratio else ["target"]
    out = f.groupby(["period_bucket", *dims], sort=False)[cols].sum().reset_index()
    if d.is_ratio:
        out["target"] = out["numerator"] / out["denominator"].where(out["denominator"] != 0)
        if d.numerator == "spend":
            out.loc[out["numerator"] == 0, "target"] = float("nan")
    return out


def dims_table(d: Decomposition, lang: str, dims=None) -> pd.DataFrame | None:
    """Dimension values (rows) by bucket of the grain (columns) and the period total; None without dims.

    ``dims`` (default: all of the decomposition's) may name fewer: the others are summed over."""
    dims = list(dims or d.dims)
    if not dims:
        return None
    top = _by(d, d.level, dims)
    size = top["denominator" if d.is_ratio else "target"]
    top = top.assign(_size=size).sort_values("_size", ascending=False, kind="stable")
    keys = [tuple(r[x] for x in dims) for _, r in top.iterrows()]
    out = {(" · " if lang == "en" else "×").join(i18n.t(f"col.{x}", lang) for x in dims):
           [" · ".join(map(str, k)) for k in keys] + [i18n.t("flag.total", lang)]}
    fmt = lambda v: fmt_target(v, d.metric, lang)
    columns = [(b, d.grain) for b in dict.fromkeys(_by(d, d.grain, ())["period_bucket"])] if d.grain != d.level else []
    for bucket, lv in columns + [(d.period, d.level)]:
        part = _by(d, lv, dims)
        part = part[part["period_bucket"] == bucket].set_index(dims)["target"]
        total = _by(d, lv, ())
        name = bucket_text(bucket, lang, short=True) if lv != d.level else i18n.t("flag.total", lang)
        out[name] = [fmt(part.get(k[0] if len(k) == 1 else k)) for k in keys] + [
            fmt(total[total["period_bucket"] == bucket]["target"].iloc[0])]
    return pd.DataFrame(out)


def weights_table(d: Decomposition, lang: str) -> pd.DataFrame:
    """The seasonal weights: each history year's month shares and the weight used (additive);
    the numerator's and the denominator's weights (ratio)."""
    w = d.weights
    months = list(dict.fromkeys(w["month"]))
    out = {i18n.t("col.month", lang): [bucket_text(m, lang, short=True) for m in months]}
    if not d.is_ratio:
        for col in (c for c in w.columns if c.startswith("y")):
            out[i18n.t("dec.col.year_share", lang, year=col[1:])] = [i18n.fmt_pct(v) for v in w[col]]
        out[i18n.t("dec.col.weight", lang)] = [i18n.fmt_pct(v) for v in w["weight"]]
        return pd.DataFrame(out)
    for measure in (d.numerator, d.denominator):
        part = w[w["measure"] == measure]
        out[i18n.t("dec.col.measure_weight", lang, measure=measure_name(measure, lang))] = [
            i18n.fmt_pct(v) for v in part["weight"]]
    return pd.DataFrame(out)


def method_notes(d: Decomposition, lang: str) -> list[str]:
    """How the numbers were made (口径), then the decomposition's own notes."""
    out = [i18n.t("dec.method", lang, unit=i18n.t(f"dec.grain.{d.grain}", lang), years=_years(d))]
    if d.dims and d.explicit_weights:
        top = d.targets[d.targets["level"] == d.level]
        whole = top["denominator" if d.is_ratio else "target"].sum()
        parts = [f"{_key_label(r, d.dims)} {i18n.fmt_pct(r['denominator' if d.is_ratio else 'target'] / whole)}"
                 for _, r in top.iterrows()]
        out.append(i18n.t("dec.method.weights", lang, dim=_dim_name(d, lang, mid=True), weights=i18n.join_list(parts, lang)))
    elif d.dims:
        out.append(i18n.t("dec.method.dims", lang, dim=_dim_name(d, lang, mid=True)))
    if d.is_ratio:
        top = d.totals(d.level).iloc[0]
        out.append(i18n.t("dec.method.ratio", lang, den=_mid(measure_name(d.denominator, lang), lang),
                          num=_mid(measure_name(d.numerator, lang), lang),
                          D=fmt_target(top["denominator"], d.denominator, lang),
                          N=fmt_target(top["numerator"], d.numerator, lang),
                          basis=i18n.t("dec.basis.given" if d.denominator_given else "dec.basis.last_year", lang)))
    return out + note_texts(d, lang)


def note_texts(d: Decomposition, lang: str) -> list[str]:
    """The decomposition's own remarks (few history years, values without weight, …) in words."""
    out = []
    for key, values in d.notes:
        fmt = {k: i18n.fmt_growth(v) if key == "dec.note.compound" else
               i18n.join_list([str(x) for x in v], lang) if isinstance(v, (list, tuple)) else v
               for k, v in values.items()}
        out.append(i18n.t(key, lang, **fmt))
    return out
