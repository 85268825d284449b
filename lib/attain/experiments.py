"""A/B tests of the quarter (实验 / A/B测试) from ``data/plan/experiments.yaml``: uplift, interval, significance.

Each experiment names its metric (``conversion``: orders ÷ visitors, or ``click_through``: clicks ÷
impressions), its variants with their exposures and conversions (or clicks), and which variant is the
control. A missing file means no experiments.

口径, for each non-control variant (treatment *t*) against the control *c* of the same experiment:

- **rate** = conversions (or clicks) ÷ exposures; **diff** = rate_t − rate_c (absolute uplift);
  **uplift** = rate_t ÷ rate_c − 1 (relative uplift);
- **p_value**: two-sided two-proportion z-test with the pooled proportion,
  z = (p_t − p_c) / √(p(1−p)(1/n_t + 1/n_c)), p = (x_t + x_c)/(n_t + n_c)
  (``statsmodels.stats.proportion.proportions_ztest``); with no variation at all (no successes, or
  nothing but successes, in both arms) z = 0 and p = 1;
- **diff_lo/diff_hi**: the (1 − alpha) interval of the difference by Newcombe's hybrid score method
  (Newcombe 1998, method 10; ``confint_proportions_2indep(method="newcomb")``);
- **uplift_lo/uplift_hi**: the interval of the rate ratio by the log method (Katz 1978;
  ``compare="ratio", method="log"``) minus 1 (none when an arm has no successes);
- with more than one treatment in an experiment, the p-values are adjusted by Holm's step-down method
  within the experiment (``statsmodels.stats.multitest.multipletests``) into **p_adjusted**; the
  intervals stay per comparison;
- **significant** = p_adjusted < alpha; **verdict** = winner (significant, diff > 0), loser (significant,
  diff < 0) or inconclusive; the control's row has verdict "control";
- **small_counts**: an arm with fewer than 5 successes or failures (the normal approximation is rough).

An experiment belongs to a period when its days [start, end] (or its own period) overlap the period.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from pydantic import BaseModel, ConfigDict, field_validator
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from attain import display, i18n, paths, planfile, style, viz
from attain.errors import AttainError
from attain.goals import Name
from attain.params import check_period
from attain.targets import period_bounds, period_text

FILE_NAME = "experiments.yaml"
METRIC_KINDS = ("conversion", "click_through")
COLUMNS = ["experiment", "name_zh", "name_en", "metric", "owner", "start", "end", "variant_zh", "variant_en",
           "control_zh", "control_en", "is_control", "exposures", "successes", "rate", "control_rate", "diff",
           "diff_lo", "diff_hi", "uplift", "uplift_lo", "uplift_hi", "z", "p_value", "p_adjusted", "comparisons",
           "significant", "verdict", "small_counts", "hypothesis_zh", "hypothesis_en", "decision_zh", "decision_en"]

_HINTS = {
    "id": "give each experiment a short id of its own, e.g. E2026-01",
    "name": "write name: {zh: 中文名称, en: English name} (or one text)",
    "metric": "use conversion (orders ÷ visitors) or click_through (clicks ÷ impressions)",
    "period": "write a quarter, month or year (2026-Q2, 2026-05, 2026), or give start and end instead",
    "start": "write the date as YYYY-MM-DD", "end": "write the date as YYYY-MM-DD",
    "variants": "list the variants, each {name, exposures, conversions} (or clicks)",
    "exposures": "give the number of visitors (or impressions) as a whole number ≥ 1",
    "conversions": "give the number of conversions as a whole number ≥ 0",
    "clicks": "give the number of clicks as a whole number ≥ 0",
}

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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Variant(_Model):
    name: Name
    exposures: int
    conversions: int | None = None
    clicks: int | None = None

    @property
    def successes(self) -> int:
        return self.conversions if self.conversions is not None else self.clicks  # type: ignore[return-value]

    def names(self) -> set[str]:
        return {self.name.zh, self.name.en}


class Experiment(_Model):
    id: str
    name: Name
    period: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    metric: Literal["conversion", "click_through"]
    owner: str | None = None
    channel: str | None = None
    variants: list[Variant]
    control: str
    hypothesis: Name | None = None
    decision: Name | None = None

    @field_validator("id", "control", "period", "owner", "channel", mode="before")
    @classmethod
    def _text(cls, value):
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("period")
    @classmethod
    def _period(cls, value):
        return None if value is None else check_period(value)

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """The experiment's first and last day."""
        return period_bounds(self.period) if self.period else (self.start, self.end)  # type: ignore[return-value]

    @property
    def control_index(self) -> int:
        return next(i for i, v in enumerate(self.variants) if self.control in v.names())


def _check(path: Path, e: Experiment) -> None:
    """The rules a schema cannot say; each problem names file, experiment and field."""
    def fail(field: str, message: str, hint: str) -> None:
        raise AttainError(message, file=path, where=f"experiment {e.id}, field {field}", hint=hint)

    if e.period and (e.start or e.end):
        fail("period", "give either period or start and end, not both", _HINTS["period"])
    if not e.period and not (e.start and e.end):
        fail("start" if not e.start else "end", "the experiment has no period and no start/end", _HINTS["period"])
    if e.start and e.end and e.start > e.end:
        fail("end", f"end {e.end} is before start {e.start}", "write the last day of the test as end")
    if len(e.variants) < 2:
        fail("variants", f"an A/B test needs at least 2 variants, found {len(e.variants)}", _HINTS["variants"])
    seen: set[str] = set()
    for i, v in enumerate(e.variants, start=1):
        if v.names() & seen:
            fail(f"variants[{i}].name", f"variant name '{v.name.zh}' is used twice", "give each variant its own name")
        seen |= v.names()
        key = "clicks" if e.metric == "click_through" else "conversions"
        if v.conversions is not None and v.clicks is not None:
            fail(f"variants[{i}]", "give conversions or clicks, not both", f"keep '{key}' only")
        if v.successes is None:
            fail(f"variants[{i}].{key}", f"'{key}' is missing", _HINTS[key])
        field = f"variants[{i}].{'conversions' if v.conversions is not None else 'clicks'}"
        if v.exposures < 1:
            fail(f"variants[{i}].exposures", f"exposures must be at least 1, not {v.exposures}", _HINTS["exposures"])
        if v.successes < 0:
            fail(field, f"a count cannot be negative ({v.successes})", _HINTS[key])
        if v.successes > v.exposures:
            fail(field, f"{v.successes} is more than the variant's exposures ({v.exposures})",
                 "conversions (or clicks) are counted among the exposures: check both numbers")
    if not any(e.control in v.names() for v in e.variants):
        fail("control", f"control '{e.control}' is not one of the variants",
             f"name one of: {', '.join(v.name.zh for v in e.variants)}")


def load_experiments(plan_dir: str | Path | None = None) -> list[Experiment]:
    """The experiments of ``<plan_dir>/experiments.yaml`` in file order (a missing file: none)."""
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder / FILE_NAME
    if not path.is_file():
        return []
    items = planfile.entries(path, planfile.read(path), "experiments")
    found = [planfile.validate(path, Experiment, item, planfile.label("experiment", i, item), _HINTS)
             for i, item in enumerate(items, start=1)]
    planfile.no_duplicates(path, "experiment", [e.id for e in found])
    for e in found:
        _check(path, e)
    return found


def overlaps(e: Experiment, period: str) -> bool:
    lo, hi = period_bounds(period)
    start, end = e.window
    return start <= hi and end >= lo


# --- statistics ------------------------------------------------------------------------------

def _finite(x) -> float:
    x = float(x)
    return x if math.isfinite(x) else float("nan")


def compare(x_t: int, n_t: int, x_c: int, n_c: int, alpha: float = 0.05) -> dict[str, float]:
    """Treatment (x_t of n_t) against control (x_c of n_c): rates, diff, uplift, intervals, z, p (口径 above)."""
    p_t, p_c = x_t / n_t, x_c / n_c
    if x_t + x_c in (0, n_t + n_c):
        z, p = 0.0, 1.0
    else:
        z, p = (float(v) for v in proportions_ztest([x_t, x_c], [n_t, n_c]))
    lo, hi = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="newcomb", compare="diff", alpha=alpha)
    if x_t > 0 and x_c > 0:
        r_lo, r_hi = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="log", compare="ratio", alpha=alpha)
        u_lo, u_hi = _finite(r_lo) - 1, _finite(r_hi) - 1
    else:
        u_lo = u_hi = float("nan")
    return {"rate": p_t, "control_rate": p_c, "diff": p_t - p_c, "diff_lo": _finite(lo), "diff_hi": _finite(hi),
            "uplift": p_t / p_c - 1 if p_c > 0 else float("nan"), "uplift_lo": u_lo, "uplift_hi": u_hi,
            "z": z, "p_value": p}


def _small(*counts: int) -> bool:
    return min(counts) < 5


def _rows(e: Experiment, alpha: float) -> list[dict]:
    c = e.variants[e.control_index]
    start, end = e.window
    head = {"experiment": e.id, "name_zh": e.name.zh, "name_en": e.name.en, "metric": e.metric, "owner": e.owner,
            "start": start, "end": end, "control_zh": c.name.zh, "control_en": c.name.en,
            "hypothesis_zh": e.hypothesis.zh if e.hypothesis else None,
            "hypothesis_en": e.hypothesis.en if e.hypothesis else None,
            "decision_zh": e.decision.zh if e.decision else None, "decision_en": e.decision.en if e.decision else None}
    treatments = [v for i, v in enumerate(e.variants) if i != e.control_index]
    stats = [compare(v.successes, v.exposures, c.successes, c.exposures, alpha) for v in treatments]
    raw = [s["p_value"] for s in stats]
    adjusted = list(multipletests(raw, alpha=alpha, method="holm")[1]) if len(raw) > 1 else raw
    rows = [head | {"variant_zh": c.name.zh, "variant_en": c.name.en, "is_control": True, "exposures": c.exposures,
                    "successes": c.successes, "rate": c.successes / c.exposures, "control_rate": c.successes / c.exposures,
                    "comparisons": len(treatments), "verdict": "control",
                    "small_counts": _small(c.successes, c.exposures - c.successes)}]
    for v, s, p_adj in zip(treatments, stats, adjusted):
        significant = bool(p_adj < alpha)
        verdict = "inconclusive" if not significant or s["diff"] == 0 else "winner" if s["diff"] > 0 else "loser"
        rows.append(head | s | {"variant_zh": v.name.zh, "variant_en": v.name.en, "is_control": False,
                                "exposures": v.exposures, "successes": v.successes, "p_adjusted": float(p_adj),
                                "comparisons": len(treatments), "significant": significant, "verdict": verdict,
                                "small_counts": _small(v.successes, v.exposures - v.successes,
                                                       c.successes, c.exposures - c.successes)})
    return rows


def analyse(experiments: list[Experiment], period: str | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """One row per variant (the control first) of each experiment overlapping ``period`` (all when None);
    columns ``COLUMNS`` (口径: module docstring). ``attrs``: period, alpha, recorded (experiments in the file)."""
    period = check_period(period) if period is not None else None
    chosen = [e for e in experiments if period is None or overlaps(e, period)]
    out = pd.DataFrame([r for e in chosen for r in _rows(e, alpha)], columns=COLUMNS)
    out.attrs.update(period=period, alpha=alpha, recorded=len(experiments))
    return out


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


def treatments(result: pd.DataFrame) -> pd.DataFrame:
    """The rows of the non-control variants."""
    return result[~result["is_control"].astype(bool)]


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
        display.heading("experiments.h.one", lang, level=3, name=html.escape(first[f"name_{lang}"]), span=span,
                        owner=html.escape(first["owner"] or i18n.MISSING))
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


__all__ = ["COLUMNS", "FILE_NAME", "Experiment", "Variant", "analyse", "compare", "experiment_table", "finding",
           "load_experiments", "overlaps", "p_text", "sentence", "show", "treatments", "uplift_chart"]
