"""Achievability of a goal: forecast the goal metric over the goal period, and the chance of the target.

``assess(ds, metric, scope, period, as_of, target)`` answers "where will this metric land for this
period, and how likely is the target?" from the data alone. 口径 of every number:

- **baseline**: the metric over the same period a year earlier, actual, from ``metrics.compute``.
- **actual_to_date**: the metric over [period start, min(as_of, period end)], from ``metrics.compute``.
- **forecast**: the period value formed from the metric's parts (``metric_defs``): for each part, the
  actual months of the period + the model's point forecast of the rest; then the metric's formula.
  For additive metrics (gmv, orders, spend, new_buyers, net_sales, ...) this is exactly
  ``actual_to_date + remainder``.
- **intervals / probability**: ``n_sims`` simulated futures of every part; the metric per path;
  prediction intervals are the central quantiles, the probability is the share of paths on the right
  side of the target (``>=`` when higher is better, ``<=`` when lower is better).

Method. Only full months enter the model (at most ``history_months``, from the first full month of
each needed table). Each part is a monthly series forecast with statsmodels' ``ETSModel``: ETS(M,Ad,M)
(multiplicative error and seasonality, damped additive trend, period 12) when the series is positive,
ETS(A,Ad,A) otherwise, initial states by the heuristic decomposition (it needs 24 months; it leaves
only the four smoothing parameters to estimate, which suits 2–3 years of history better than also
estimating 14 initial states). With fewer than 24 months: seasonal naive × growth (the same month a
year earlier × the growth of the last up-to-12 months over the same months a year earlier; with fewer
than 13 months the mean of the last 3 months), with log-normal errors whose spread is the empirical
root-mean-square log error of that rule in sample, plus a per-path level shock for the uncertainty of
the growth. Parts are simulated with correlated shocks (the correlation of their in-sample errors), so
a ratio of two parts that move together (GMV and orders) keeps a realistic, narrow spread.

Partial month: the month of ``as_of`` (unless as_of is its last day) is month-to-date actual + the
simulated full month × (days left ÷ days in month). Distinct counts (buyers, repeat buyers) are not
additive over days or months: their partial month is the forecast full month, and for a period longer
than a month the value from monthly sums is scaled by k = actual period value ÷ value from monthly sums,
measured on the same period a year earlier (else the latest span of as many full months); this is an
approximation, recorded in ``notes``. New buyers (first order *in the data*) are inflated in the first
months after the orders data start (returning customers look new): their first ``NEW_BUYERS_WARMUP``
months are left out of the model. Intervals carry the models' noise, not the uncertainty of their
parameters (nor of k), so they are on the narrow side.

Parts that are not metrics (returned orders, repeat buyers, ...) are recovered from the metrics that
carry them (return_rate × orders, ...), so every number comes from ``metrics.compute``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attain import i18n
from attain.errors import MetricError, ParameterError
# re-exported: these moved to attain.forecast and are still imported from here
from attain.forecast import (  # noqa: F401
    DISTINCT_PARTS, LEVELS, MIN_ETS_MONTHS, _Fit, _fit, _fit_ets, _fit_naive, _formula, _intervals, _loading,
    _path, _simulate, _with_partial)
from attain.metric_defs import METRICS, PARTS, Metric
from attain.metrics import compute
from attain.timegrain import month_end, month_label, month_range, month_start, parse_date, shift_month

#: probability of reaching the target -> class; the first row whose lower bound is met wins.
#: ≥ 0.8 conservative, [0.5, 0.8) ambitious, [0.2, 0.5) stretch, < 0.2 unrealistic.
CLASSES = (("conservative", 0.8), ("ambitious", 0.5), ("stretch", 0.2), ("unrealistic", 0.0))
MIN_MONTHS = 3                   # below this no forecast is attempted
#: new buyers are buyers whose first order *in the data* falls in the month: in the first months after
#: the orders data start, returning customers count as new. Those months are left out of their model.
NEW_BUYERS_WARMUP = 3
#: parts that are not metrics, recovered from metrics (value and the metrics it comes from)
_DERIVED = {
    "returned_orders": (("return_rate", "orders"), lambda f: f["return_rate"] * f["orders"]),
    "repeat_buyers": (("repurchase_rate", "buyers"), lambda f: f["repurchase_rate"] * f["buyers"]),
    "buyer_gmv": (("gmv_per_buyer", "buyers"), lambda f: f["gmv_per_buyer"] * f["buyers"]),
    "kept_cost": (("gross_margin", "net_sales"), lambda f: (1 - f["gross_margin"]) * f["net_sales"]),
    # months without bounces: UV stands in for the sessions base (the rate is 0 either way)
    "bounce_base": (("bounces", "bounce_rate", "uv"),
                    lambda f: (f["bounces"] / f["bounce_rate"].where(f["bounce_rate"] > 0)).fillna(f["uv"])),
}

i18n.register({
    "ach.class.conservative": {"zh": "保守", "en": "conservative"},
    "ach.class.ambitious": {"zh": "进取", "en": "ambitious"},
    "ach.class.stretch": {"zh": "挑战", "en": "stretch"},
    "ach.class.unrealistic": {"zh": "不现实", "en": "unrealistic"},
    "ach.find": {"zh": "{what}：预测{forecast}（80%区间{low}–{high}）{vs_base}；目标{target}{target_vs}，"
                       "达成概率{prob}，属于{cls}目标。",
                 "en": "{what}: forecast {forecast} (80% interval {low}–{high}){vs_base}; the target {target}"
                       "{target_vs} has a {prob} chance of being reached: {cls}."},
    "ach.find_closed": {"zh": "{what}：期间已结束，实际{forecast}{vs_base}；目标{target}{target_vs}{reached}。",
                        "en": "{what}: the period is over, actual {forecast}{vs_base}; the target {target}"
                              "{target_vs} was {reached}."},
    "ach.reached": {"zh": "已达成", "en": "reached"},
    "ach.missed": {"zh": "未达成", "en": "missed"},
    "ach.vs_base": {"zh": "，较去年同期（{base}）{change}", "en": ", {change} vs {base} a year earlier"},
    "ach.target_vs": {"zh": "（较去年同期{change}）", "en": " ({change} vs a year earlier)"},
    "ach.year": {"zh": "{year}年", "en": "{year}"},
})


@dataclass
class Assessment:
    """A goal's forecast and the probability of its target (numbers in the metric's unit)."""
    metric: str
    scope: dict
    period: str
    as_of: dt.date
    target: float
    direction: str                  # "higher" or "lower" is better
    months: tuple[str, ...]         # the period's months
    baseline: float | None          # same period a year earlier, actual (None: not in the data)
    actual_to_date: float | None    # period start .. min(as_of, period end); None before the period
    remainder: float | None         # forecast − actual_to_date, additive metrics only
    forecast: float                 # point forecast of the whole period
    intervals: pd.DataFrame         # level, low, high
    probability: float              # share of simulated paths that reach the target
    cls: str                        # conservative / ambitious / stretch / unrealistic
    path: pd.DataFrame              # month, kind (actual/partial/forecast), value, low_80, high_80, ...
    parts: pd.DataFrame             # part, actual_to_date, remainder, total (point), method
    notes: tuple[str, ...]          # approximations used: partial_month, distinct_scaled, short_history, closed
    tables: tuple[str, ...]         # source tables
    history: tuple[str, str] | None  # first and last month that entered the model
    n_sims: int = 2000
    seed: int = 0

    @property
    def closed(self) -> bool:
        return "closed" in self.notes

    def interval(self, level: float = 0.8) -> tuple[float, float]:
        row = self.intervals[np.isclose(self.intervals["level"], level)].iloc[0]
        return float(row["low"]), float(row["high"])


def classify(probability: float) -> str:
    """The class of a target by its probability (thresholds in ``CLASSES``)."""
    p = float(probability)
    if np.isnan(p):
        raise ValueError("probability is missing")
    return next(name for name, low in CLASSES if p >= low)


def period_months(period: str) -> list[str]:
    """``"2026"`` -> 12 months, ``"2026-Q3"`` -> 2026-07..09, ``"2026-07"`` -> [2026-07]."""
    text = str(period).strip()
    if re.fullmatch(r"\d{4}", text):
        return month_range(f"{text}-01", f"{text}-12")
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        first = f"{m[1]}-{3 * int(m[2]) - 2:02d}"
        return month_range(first, shift_month(first, 2))
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return [text]
    raise ParameterError(f"'{period}' is not a period", where="period",
                         hint='write a year "2026", a quarter "2026-Q3" or a month "2026-07"')


def baseline(ds, metric: str, scope: dict, period: str) -> float | None:
    """The metric over the same period a year earlier (None when the data do not cover it)."""
    months = [shift_month(m, -12) for m in period_months(period)]
    tables = _tables(_metric(metric))
    if any(month_start(months[0]) < ds.date_range(t)[0] or month_end(months[-1]) > ds.date_range(t)[1]
           for t in tables):
        return None
    return _value(ds, metric, scope, month_start(months[0]), month_end(months[-1]))


def assess(ds, metric: str, scope: dict | None, period: str, as_of, target: float, *, direction: str | None = None,
           history_months: int = 36, n_sims: int = 2000, seed: int = 0) -> Assessment:
    """Forecast ``metric`` for ``scope`` over ``period`` as of ``as_of`` and the chance of ``target``."""
    m, scope, direction = _metric(metric), dict(scope or {}), _direction(metric, direction, target)
    day, months, tables = parse_date(as_of, "as_of"), period_months(period), _tables(m)
    _check_as_of(ds, day, tables)
    last_full, partial, hist = _months(ds, day, tables, history_months)
    monthly = _monthly_parts(ds, m.parts, scope, min([hist[0] if hist else last_full, months[0]]), day)
    horizon = month_range(shift_month(last_full, 1), months[-1]) if months[-1] > last_full else []
    sims, points, methods = _simulate(_histories(ds, m, monthly, hist, bool(horizon)), len(horizon), n_sims, seed)
    sims, points = _with_partial(sims, points, monthly, partial, day)
    closed = month_end(months[-1]) <= day
    notes = _notes(m, months, partial, methods, closed)
    to_date = (_value(ds, metric, scope, month_start(months[0]), min(day, month_end(months[-1])))
               if month_start(months[0]) <= day else None)
    in_period = [i for i, mo in enumerate(horizon) if mo in months]
    done = monthly.loc[[mo for mo in months if mo <= last_full]].sum()   # full months of the period, per part
    if closed:
        values, point = np.full(n_sims, float(to_date)), float(to_date)
    else:
        k = _scale(ds, m, scope, months, hist, monthly) if "distinct_scaled" in notes else 1.0
        values = _formula(m, {p: done[p] + sims[p][in_period].sum(axis=0) for p in m.parts}) * k
        point = float(_formula(m, {p: [done[p] + points[p][in_period].sum()] for p in m.parts})[0] * k)
    reached = (values >= target) if direction == "higher" else (values <= target)
    probability = float(np.mean(reached & ~np.isnan(values)))
    return Assessment(
        metric=metric, scope=scope, period=str(period), as_of=day, target=float(target), direction=direction,
        months=tuple(months), baseline=baseline(ds, metric, scope, period), actual_to_date=to_date,
        remainder=(point - (to_date or 0.0)) if _is_additive(m) else None, forecast=point,
        intervals=_intervals(values), probability=probability, cls=classify(probability),
        path=_path(m, monthly, hist, horizon, partial, sims, points),
        parts=_parts_frame(m, done, monthly.loc[partial] if partial in months else None, points, in_period, methods),
        notes=notes, tables=tables, history=(hist[0], hist[-1]) if hist else None, n_sims=n_sims, seed=seed)


# --- data --------------------------------------------------------------------------------

def _metric(metric: str) -> Metric:
    if metric not in METRICS:
        raise MetricError(f"unknown metric '{metric}'", where="metric",
                          hint="`attain metrics --list` shows the metric dictionary")
    return METRICS[metric]


def _direction(metric: str, direction: str | None, target) -> str:
    direction = direction or METRICS[metric].direction
    if direction not in ("higher", "lower"):
        raise ParameterError(f"direction must be 'higher' or 'lower', not {direction!r}", where="direction")
    try:
        ok = np.isfinite(float(target))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(f"the target must be a number, not {target!r}", where="target",
                             hint="resolve relative targets (+20% yoy) to a value first, e.g. with baseline()")
    return direction


def _tables(m: Metric) -> tuple[str, ...]:
    names = ("orders" if PARTS[p].table == "first_orders" else PARTS[p].table for p in m.parts)
    return tuple(dict.fromkeys(names))


def _check_as_of(ds, day: dt.date, tables) -> None:
    for t in tables:
        if not ds.has_table(t):
            raise MetricError(f"this metric needs the {t} table, which this data folder does not have",
                              file=ds.data_dir, hint=f"add {t}.csv (or map it in mapping.yml)")
        start, end = ds.date_range(t)
        if not start <= day <= end:
            raise ParameterError(f"{day} is outside the {t} data ({start} to {end})", where="as_of",
                                 hint="choose an as_of inside the data, or refresh the data folder")


def _first_full_month(ds, table: str) -> str:
    start = ds.date_range(table)[0]
    return month_label(start) if start.day == 1 else shift_month(month_label(start), 1)


def _months(ds, day: dt.date, tables, history_months: int) -> tuple[str, str | None, list[str]]:
    """The last full month, the partial month of ``day`` (None at a month end), the model's history months."""
    current = month_label(day)
    last_full = current if day == month_end(current) else shift_month(current, -1)
    first = max(max(_first_full_month(ds, t) for t in tables), shift_month(last_full, 1 - history_months))
    return last_full, None if last_full == current else current, month_range(first, last_full)


def _histories(ds, m: Metric, monthly: pd.DataFrame, hist: list[str], needed: bool) -> dict[str, pd.Series]:
    """Each part's full months for its model (new buyers: without the warm-up months)."""
    warm = shift_month(_first_full_month(ds, "orders"), NEW_BUYERS_WARMUP)
    out = {p: monthly.loc[[mo for mo in hist if PARTS[p].table != "first_orders" or mo >= warm], p]
           for p in m.parts}
    if needed and min(len(v) for v in out.values()) < MIN_MONTHS:
        raise MetricError(f"too little history to forecast '{m.id}': {len(hist)} full month(s)", where=m.id,
                          hint=f"a forecast needs at least {MIN_MONTHS} full months of data "
                               f"({MIN_MONTHS + NEW_BUYERS_WARMUP} for new buyers)")
    return out


def _value(ds, metric: str, scope: dict, start: dt.date, end: dt.date) -> float:
    frame = compute(ds, [metric], start=start, end=end, where=scope)
    return float(frame[metric].iloc[0]) if len(frame) else float("nan")


def _monthly_parts(ds, parts, scope: dict, first: str, day: dt.date) -> pd.DataFrame:
    """Each part by month from ``first`` to the month of ``day`` (that month: to date); 0 where empty."""
    wanted = [p for p in parts if p in METRICS] + [x for p in parts if p in _DERIVED for x in _DERIVED[p][0]]
    frame = compute(ds, list(dict.fromkeys(wanted)), grain="month", start=month_start(first), end=day, where=scope)
    frame = frame.set_index("month").reindex(month_range(first, month_label(day)))
    out = pd.DataFrame(index=frame.index)
    for p in parts:
        value = frame[p] if p in METRICS else _DERIVED[p][1](frame)
        out[p] = value.astype(float).fillna(0.0)
    return out


# --- assembling the result ---------------------------------------------------------------

def _is_additive(m: Metric) -> bool:
    """The metric is a linear function of additive parts (its period value splits into pieces)."""
    if any(p in DISTINCT_PARTS for p in m.parts):
        return False
    a = {p: np.array([3.0 + i]) for i, p in enumerate(m.parts)}
    b = {p: np.array([5.0 + 2 * i]) for i, p in enumerate(m.parts)}
    both = {p: a[p] + b[p] for p in m.parts}
    return bool(np.allclose(_formula(m, a) + _formula(m, b), _formula(m, both)))


def _notes(m: Metric, months, partial, methods, closed) -> tuple[str, ...]:
    notes = []
    if closed:
        notes.append("closed")
    if partial in months:
        notes.append("partial_month")
    if len(months) > 1 and any(p in DISTINCT_PARTS for p in m.parts) and not closed:
        notes.append("distinct_scaled")
    if any(v not in ("none", "zero") and not v.startswith("ETS") for v in methods.values()):
        notes.append("short_history")
    return tuple(notes)


def _scale(ds, m: Metric, scope: dict, months, hist, monthly) -> float:
    """Actual period value ÷ value from monthly sums, on the latest comparable span of full months."""
    span = [shift_month(mo, -12) for mo in months]
    if not set(span) <= set(hist):
        span = hist[-len(months):] if len(hist) >= len(months) else []
    if not span:
        return 1.0
    actual = _value(ds, m.id, scope, month_start(span[0]), month_end(span[-1]))
    from_months = _formula(m, {p: np.array([monthly.loc[span, p].sum()]) for p in m.parts})[0]
    return actual / from_months if from_months and np.isfinite(actual / from_months) else 1.0


def _parts_frame(m: Metric, actual_parts, mtd, points, period_idx, methods) -> pd.DataFrame:
    """Per part: actual to date (full months + month to date), the forecast rest, the period total.

    Distinct parts (buyers) are monthly sums, before the period scaling of ``_scale``.
    """
    rows = []
    for p in m.parts:
        total = float(actual_parts[p]) + (float(points[p][period_idx].sum()) if len(points[p]) else 0.0)
        done = float(actual_parts[p]) + (float(mtd[p]) if mtd is not None and p not in DISTINCT_PARTS else 0.0)
        rows.append({"part": p, "actual_to_date": done, "remainder": total - done, "total": total,
                     "method": methods[p]})
    return pd.DataFrame(rows)


# --- words -------------------------------------------------------------------------------

def period_name(period: str, lang: str) -> str:
    text = str(period)
    if re.fullmatch(r"\d{4}", text):
        return i18n.t("ach.year", lang, year=text)
    return i18n.fmt_quarter(text, lang) if "-Q" in text else i18n.fmt_month(text, lang)


def scope_name(scope: dict, lang: str) -> str:
    values = [v if isinstance(v, str) else i18n.join_list([str(x) for x in v], lang) for v in scope.values()]
    return i18n.join_list(values, lang)


def _change(m: Metric, value: float, base: float | None, lang: str) -> str:
    if base is None or i18n.is_missing(base) or i18n.is_missing(value):
        return ""
    if m.unit == "ratio":   # in percentage points; hundredths for small rates such as conversion
        return i18n.fmt_pp(value - base, lang, decimals=2 if abs(base) < 0.05 else 1)
    return i18n.fmt_growth(value / base - 1) if base > 0 else ""


def _prob_text(p: float) -> str:
    return ">99%" if p > 0.99 else "<1%" if p < 0.01 else i18n.fmt_pct(p, decimals=0)


def finding(a: Assessment, lang: str) -> str:
    """One sentence: forecast, interval, change on a year earlier, target, probability and class."""
    m = METRICS[a.metric]
    value = lambda v: i18n.fmt_value(v, m.unit, lang)
    where = scope_name(a.scope, lang)
    what = " · ".join(x for x in (period_name(a.period, lang), where, i18n.metric_name(a.metric, lang)) if x)
    change, target_change = _change(m, a.forecast, a.baseline, lang), _change(m, a.target, a.baseline, lang)
    vs_base = i18n.t("ach.vs_base", lang, base=value(a.baseline), change=change) if change else ""
    target_vs = i18n.t("ach.target_vs", lang, change=target_change) if target_change else ""
    sign = ("≥" if a.direction == "higher" else "≤") + ("" if lang == "zh" else " ")
    common = {"what": what, "forecast": value(a.forecast), "vs_base": vs_base, "target": sign + value(a.target),
              "target_vs": target_vs}
    if a.closed:
        key = "ach.reached" if a.probability >= 0.5 else "ach.missed"
        return i18n.t("ach.find_closed", lang, reached=i18n.t(key, lang), **common)
    low, high = a.interval(0.8)
    return i18n.t("ach.find", lang, low=value(low), high=value(high), prob=_prob_text(a.probability),
                  cls=i18n.t(f"ach.class.{a.cls}", lang), **common)


__all__ = [
    "CLASSES",
    "LEVELS",
    "Assessment",
    "assess",
    "baseline",
    "classify",
    "finding",
    "period_months",
    "period_name",
    "scope_name",
]
