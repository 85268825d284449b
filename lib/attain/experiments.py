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

The words, tables, the chart and the section (``finding``, ``sentence``, ``experiment_table``, ``show`` …) are
in :mod:`attain.experiments_view`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from attain import paths, planfile
from attain.errors import AttainError
from attain.goals import Name
from attain.params import check_period
from attain.targets import period_bounds

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


def treatments(result: pd.DataFrame) -> pd.DataFrame:
    """The rows of the non-control variants."""
    return result[~result["is_control"].astype(bool)]


__all__ = ["COLUMNS", "FILE_NAME", "Experiment", "Variant", "analyse", "compare", "load_experiments", "overlaps",
           "treatments"]
