"""A/B tests of the quarter (实验 / A/B测试) in words, tables and a chart: each treatment in a sentence, the
finding, one table per experiment, the uplift chart, and the report section (``show``).

The numbers and their 口径 are :mod:`attain.experiments` (``analyse(...)`` -> one row per variant); this module
only presents them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from attain import display, i18n, style, viz
from attain.experiments import FILE_NAME, treatments
from attain.targets import period_bounds, period_text

i18n.register({
    "experiments.section": {"zh": "A/B测试", "en": "Experiments (A/B tests)"},
    "experiments.h.one": {"zh": "{name}（{span}，负责人：{owner}）", "en": "{name} ({span}, owner: {owner})"},
    "experiments.metric.conversion": {"zh": "转化率", "en": "conversion rate"},
    "experiments.metric.click_through": {"zh": "点击率", "en": "click-through rate"},
    "experiments.col.variant": {"zh": "版本", "en": "Variant"},
    "experiments.col.exposures.conversion": {"zh": "访客数", "en": "Visitors"},
    "experiments.col.exposures.click_through": {"zh": "曝光量", "en": "Impressions"},
    "experiments.col.successes.conversion": {"zh": "转化数", "en": "Conversions"},
    "experiments.col.successes.click_through": {"zh": "点击数", "en": "Clicks"},
    "experiments.col.uplift": {"zh": "相对提升（{level}置信区间）", "en": "Uplift ({level} CI)"},
    "experiments.col.diff": {"zh": "绝对差（{level}置信区间）", "en": "Difference ({level} CI)"},
    "experiments.col.p": {"zh": "p值", "en": "p"},
    "experiments.col.verdict": {"zh": "结论", "en": "Verdict"},
    "experiments.control": {"zh": "（对照）", "en": " (control)"},
    "experiments.verdict.control": {"zh": "对照组", "en": "Control"},
    "experiments.verdict.winner": {"zh": "胜出", "en": "Winner"},
    "experiments.verdict.loser": {"zh": "落败", "en": "Loser"},
    "experiments.verdict.inconclusive": {"zh": "差异不显著", "en": "Inconclusive"},
    "experiments.say.winner": {"zh": "胜出", "en": "winner"},
    "experiments.say.loser": {"zh": "落败，不如对照", "en": "loser, worse than the control"},
    "experiments.say.inconclusive": {"zh": "差异不显著，暂无胜者", "en": "no significant difference (inconclusive)"},
    "experiments.sentence": {"zh": "{variant}{metric}比{control}{updown}{size}（{level}置信区间 {lo}~{hi}，{p}）",
                             "en": "{variant}: {metric} {size} {updown} {control} ({level} CI {lo} to {hi}, {p})"},
    "experiments.up": {"zh": "高", "en": "above"},
    "experiments.down": {"zh": "低", "en": "below"},
    "experiments.adjusted": {"zh": "Holm校正后", "en": "Holm-adjusted "},
    "experiments.finding": {"zh": "{period}共{n}项A/B测试、{k}个实验组：{winners}个胜出，{losers}个落败，{open}个差异不显著。",
                            "en": "{period}: {n} with {k}: {winners} won, {losers} lost, {open} inconclusive."},
    "experiments.finding_top": {"zh": "最大胜出：{sentence}。", "en": "Biggest winner: {sentence}."},
    "experiments.finding_none_won": {"zh": "没有实验组显著优于对照组。", "en": "No treatment beat its control."},
    "experiments.none": {"zh": "{period}没有记录A/B测试。", "en": "No A/B tests are recorded for {period}."},
    "experiments.missing": {
        "zh": "data/plan/experiments.yaml 中没有本期的A/B测试。在文件中记录每个测试的版本、曝光（或访客）与点击（或转化）后，"
              "这里会给出各版本的相对提升、置信区间与显著性，并直接写明胜出或无结论。",
        "en": "data/plan/experiments.yaml records no A/B test for this period. Recording each test's variants, "
              "exposures (or visitors) and clicks (or conversions) there adds each variant's uplift with its "
              "confidence interval and significance, with winners and inconclusive tests stated plainly."},
    "experiments.hypothesis": {"zh": "假设：{text}", "en": "Hypothesis: {text}"},
    "experiments.decision": {"zh": "决定：{text}", "en": "Decision: {text}"},
    "experiments.small": {"zh": "注意：有版本的转化（或未转化）数少于5，正态近似的检验与区间只作参考。",
                          "en": "Caution: a variant has fewer than 5 successes (or failures); the normal-approximation "
                                "test and intervals are rough."},
    "experiments.method": {
        "zh": "检验：双比例z检验（合并比例，双侧）；绝对差区间：Newcombe混合score法；相对提升区间：比值对数法；"
              "显著性水平α={alpha}。一个测试有多个实验组时，p值在测试内按Holm法校正，区间不校正。",
        "en": "Test: two-sided two-proportion z-test (pooled proportion); interval of the difference: Newcombe's "
              "hybrid score method; interval of the uplift: log rate ratio; significance level α={alpha}. With "
              "several treatments in one test the p-values are Holm-adjusted within the test; intervals are not."},
    "experiments.chart.title": {"zh": "A/B测试：各实验组相对对照组的提升（{level}置信区间）",
                                "en": "A/B tests: uplift of each treatment over its control ({level} CI)"},
    "experiments.chart.axis": {"zh": "相对提升（%）", "en": "Relative uplift (%)"},
    "experiments.chart.note": {"zh": "区间跨过0即差异不显著；一个测试有多个实验组时以Holm校正后的p值为准",
                               "en": "an interval crossing 0 is not significant; with several treatments in a test "
                                     "the Holm-adjusted p decides"},
})


# --- words -------------------------------------------------------------------------------------

def level_text(alpha: float) -> str:
    return f"{(1 - alpha) * 100:g}%"


def p_text(p: float, adjusted: bool, lang: str) -> str:
    """``p<0.001``, ``p=0.012``, ``p=0.36``; prefixed "Holm校正后" / "Holm-adjusted " when adjusted."""
    if i18n.is_missing(p):
        return i18n.MISSING
    text = "p<0.001" if p < 0.001 else f"p={p:.3f}" if p < 0.1 else f"p={p:.2f}"
    return (i18n.t("experiments.adjusted", lang) + text) if adjusted else text


def _pct(x: float) -> str:
    return i18n.fmt_pct(x, signed=True, decimals=1)


def sentence(row, lang: str, alpha: float = 0.05, verdict: bool = True) -> str:
    """One treatment in words, e.g. "动态海报点击率比静态海报高25.2%（95%置信区间 +13.6%~+37.9%，p<0.001）：胜出"
    (without the verdict when ``verdict`` is False)."""
    relative = not i18n.is_missing(row["uplift"])         # else (a control without successes) in points
    up = (row["uplift"] if relative else row["diff"]) >= 0
    size = (i18n.fmt_pct(abs(row["uplift"]), decimals=1) if relative
            else i18n.fmt_pp(abs(row["diff"]), lang, 2).lstrip("+"))
    lo, hi = (_pct(row["uplift_lo"]), _pct(row["uplift_hi"])) if relative else \
        (i18n.fmt_pp(row["diff_lo"], lang, 2), i18n.fmt_pp(row["diff_hi"], lang, 2))
    text = i18n.t("experiments.sentence", lang, variant=row[f"variant_{lang}"], control=row[f"control_{lang}"],
                  metric=i18n.t(f"experiments.metric.{row['metric']}", lang),
                  updown=i18n.t("experiments.up" if up else "experiments.down", lang),
                  size=size, level=level_text(alpha), lo=lo, hi=hi,
                  p=p_text(row["p_adjusted"], row["comparisons"] > 1, lang))
    return text + ("：" if lang == "zh" else ": ") + i18n.t(f"experiments.say.{row['verdict']}", lang) if verdict \
        else text


def finding(result: pd.DataFrame, lang: str) -> str:
    """E.g. "2026年第2季度共3项A/B测试、4个实验组：2个胜出，0个落败，2个差异不显著。最大胜出：…"."""
    period = result.attrs.get("period")
    when = period_text(period, lang) if period else ("所有期间" if lang == "zh" else "All periods")
    t = treatments(result)
    if t.empty:
        return i18n.t("experiments.none", lang, period=when)
    counts = t["verdict"].value_counts()
    n, k = t["experiment"].nunique(), len(t)
    if lang == "en":
        n, k = f"{n} A/B test{'s' * (n != 1)}", f"{k} treatment{'s' * (k != 1)}"
    text = i18n.t("experiments.finding", lang, period=when, n=n, k=k,
                  winners=int(counts.get("winner", 0)), losers=int(counts.get("loser", 0)),
                  open=int(counts.get("inconclusive", 0)))
    winners = t[t["verdict"] == "winner"]
    tail = (i18n.t("experiments.finding_top", lang, sentence=sentence(
        winners.loc[winners["uplift"].fillna(winners["diff"]).idxmax()], lang, result.attrs.get("alpha", 0.05),
        verdict=False))
        if not winners.empty else i18n.t("experiments.finding_none_won", lang))
    return text + ("" if lang == "zh" else " ") + tail


def experiment_table(result: pd.DataFrame, experiment: str, lang: str) -> pd.DataFrame:
    """One experiment's variants as display strings: exposures, successes, rate, uplift and difference with
    their intervals, p and the verdict (the control first)."""
    rows = result[result["experiment"] == experiment]
    metric, level = rows["metric"].iloc[0], level_text(result.attrs.get("alpha", 0.05))
    adjusted = rows["comparisons"].iloc[0] > 1

    def ci(x, lo, hi, fmt, unit=""):
        return i18n.MISSING if i18n.is_missing(x) else f"{fmt(x)}{unit}（{fmt(lo)}~{fmt(hi)}）" if lang == "zh" \
            else f"{fmt(x)}{unit} ({fmt(lo)} to {fmt(hi)})"

    def pp(x):
        return f"{x * 100:+.2f}"

    return pd.DataFrame({
        i18n.t("experiments.col.variant", lang): [v + (i18n.t("experiments.control", lang) if c else "")
                                                  for v, c in zip(rows[f"variant_{lang}"], rows["is_control"])],
        i18n.t(f"experiments.col.exposures.{metric}", lang): [f"{int(v):,}" for v in rows["exposures"]],
        i18n.t(f"experiments.col.successes.{metric}", lang): [f"{int(v):,}" for v in rows["successes"]],
        i18n.t(f"experiments.metric.{metric}", lang).capitalize(): [i18n.fmt_pct(v, decimals=2) for v in rows["rate"]],
        i18n.t("experiments.col.uplift", lang, level=level): [
            ci(r.uplift, r.uplift_lo, r.uplift_hi, _pct) for r in rows.itertuples()],
        i18n.t("experiments.col.diff", lang, level=level): [
            ci(r.diff, r.diff_lo, r.diff_hi, pp, "个百分点" if lang == "zh" else " pp") for r in rows.itertuples()],
        i18n.t("experiments.col.p", lang): [i18n.MISSING if c else p_text(p, adjusted, lang)
                                           for c, p in zip(rows["is_control"], rows["p_adjusted"])],
        i18n.t("experiments.col.verdict", lang): [i18n.t(f"experiments.verdict.{v}", lang) for v in rows["verdict"]],
    })


VERDICT_COLORS = {"winner": style.STATUS_COLORS["achieved"], "loser": style.STATUS_COLORS["off_track"],
                  "inconclusive": style.STATUS_COLORS["no_data"]}


def uplift_chart(result: pd.DataFrame, lang: str, as_of=None) -> Figure | None:
    """Each treatment's relative uplift with its interval (a dot and a bar), coloured by verdict; 0 marked."""
    t = result[~result["is_control"] & result["uplift"].notna()].iloc[::-1].reset_index(drop=True)
    if t.empty:
        return None
    alpha = result.attrs.get("alpha", 0.05)
    fig, ax = viz.new_figure(height=0.6 * len(t) + 1.9)
    y = np.arange(len(t))
    for yi, r in zip(y, t.itertuples()):
        color = VERDICT_COLORS[r.verdict]
        ax.plot([r.uplift_lo, r.uplift_hi], [yi, yi], color=color, linewidth=3, solid_capstyle="butt")
        ax.plot([r.uplift], [yi], "o", color=color, markersize=8)
        ax.text(r.uplift_hi, yi, f"  {_pct(r.uplift)} · {i18n.t(f'experiments.verdict.{r.verdict}', lang)}",
                va="center", fontsize=9)
    ax.axvline(0, color="#444444", linewidth=1)
    sep = "：" if lang == "zh" else ": "
    ax.set_yticks(y, [f"{getattr(r, f'name_{lang}')}{sep}{getattr(r, f'variant_{lang}')}" for r in t.itertuples()])
    lo, hi = float(t["uplift_lo"].min()), float(t["uplift_hi"].max())
    span = max(hi - min(lo, 0), 0.05)
    ax.set_xlim(min(lo, 0) - 0.08 * span, hi + 0.45 * span)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(i18n.t("experiments.chart.axis", lang))
    ax.set_title(i18n.t("experiments.chart.title", lang, level=level_text(alpha)))
    ax.grid(axis="y", visible=False)
    period = result.attrs.get("period")
    when = as_of or (period_bounds(period)[1] if period else i18n.MISSING)
    viz.add_source(fig, [FILE_NAME], when, lang, i18n.t("experiments.chart.note", lang))
    return fig


def show(result: pd.DataFrame, lang: str, *, as_of=None) -> None:
    """Heading, finding, the uplift chart, then per experiment: its table, each treatment in words, its
    hypothesis and decision; the method note. Without experiments: what recording them would add."""
    display.heading("experiments.section", lang)
    display.paragraph(finding(result, lang))
    if result.empty:
        display.note(i18n.t("experiments.missing", lang))
        return
    display.figure(uplift_chart(result, lang, as_of))
    alpha = result.attrs.get("alpha", 0.05)
    rows_t = treatments(result)
    for exp_id, rows in result.groupby("experiment", sort=False):
        first = rows.iloc[0]
        span = f"{first['start'].isoformat()} ~ {first['end'].isoformat()}"
        display.heading("experiments.h.one", lang, level=3, name=first[f"name_{lang}"], span=span,
                        owner=first["owner"] or i18n.MISSING)        # escaped by display.heading
        if isinstance(first[f"hypothesis_{lang}"], str):
            display.paragraph(i18n.t("experiments.hypothesis", lang, text=first[f"hypothesis_{lang}"]))
        display.table(experiment_table(result, exp_id, lang))
        for _, r in rows_t[rows_t["experiment"] == exp_id].iterrows():
            display.paragraph(sentence(r, lang, alpha) + ("。" if lang == "zh" else "."))
        if isinstance(first[f"decision_{lang}"], str):
            display.paragraph(i18n.t("experiments.decision", lang, text=first[f"decision_{lang}"]))
        if rows["small_counts"].any():
            display.note(i18n.t("experiments.small", lang))
    display.note(i18n.t("experiments.method", lang, alpha=f"{alpha:g}"))


__all__ = ["experiment_table", "finding", "p_text", "sentence", "show", "uplift_chart"]
