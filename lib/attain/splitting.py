"""Exact splitting helpers for target decomposition (see ``attain.decompose`` for the 口径).

Goal periods and their buckets (``parse_period``, ``bucket_label``, ``bucket_bounds``, ``phase``),
whole-unit arithmetic (``to_units``, ``split_exact`` by the largest-remainder method), seasonal
weights from history grids and the exact split of a total into months × dimension values.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import numpy as np
import pandas as pd

from attain.errors import MetricError, ParameterError
from attain.timegrain import label, month_end, month_range, month_start

# --- periods and buckets -------------------------------------------------------------------

def parse_period(period) -> tuple[str, list[str]]:
    """``"2026"`` -> ("year", 12 months), ``"2026-Q3"`` -> ("quarter", 3), ``"2026-07"`` -> ("month", 1)."""
    text = str(period).strip()
    m = re.fullmatch(r"(\d{4})(?:-Q(\d)|-(\d{2}))?", text)
    if not m or (m[2] and not 1 <= int(m[2]) <= 4) or (m[3] and not 1 <= int(m[3]) <= 12):
        raise ParameterError(f"'{period}' is not a goal period", where="period",
                             hint='write "2026" (a year), "2026-Q3" (a quarter) or "2026-07" (a month)')
    year = m[1]
    if m[2]:
        first = 3 * int(m[2]) - 2
        return "quarter", month_range(f"{year}-{first:02d}", f"{year}-{first + 2:02d}")
    if m[3]:
        return "month", [text]
    return "year", month_range(f"{year}-01", f"{year}-12")


def bucket_label(month: str, level: str) -> str:
    """The label of the ``level`` bucket holding ``month``: ``2026-07`` -> ``2026-Q3`` / ``2026``."""
    return month if level == "month" else label(month_start(month), level)


def bucket_bounds(bucket: str) -> tuple[dt.date, dt.date]:
    _, months = parse_period(bucket)
    return month_start(months[0]), month_end(months[-1])


def phase(bucket: str, as_of: dt.date) -> str:
    """done (ended by as_of), in_progress (as_of inside it) or ahead."""
    start, end = bucket_bounds(bucket)
    return "done" if end <= as_of else "ahead" if start > as_of else "in_progress"


# --- whole units ---------------------------------------------------------------------------

def split_exact(total: int, weights) -> list[int]:
    """Split ``total`` whole units by ``weights`` (≥ 0) with the largest-remainder method.

    The parts add up to ``total`` exactly. Ties: the larger weight, then the later position wins.
    """
    w = [Fraction(float(x)) for x in weights]
    if any(x < 0 for x in w) or not w:
        raise ValueError(f"weights must be ≥ 0 and not empty: {list(weights)}")
    if total == 0:
        return [0] * len(w)
    s = sum(w)
    if s == 0:
        raise ValueError("cannot split a non-zero total by weights that are all zero")
    sign, total = (1 if total > 0 else -1), abs(int(total))
    quotas = [total * x / s for x in w]
    parts = [q.numerator // q.denominator for q in quotas]
    order = sorted(range(len(w)), key=lambda i: (quotas[i] - parts[i], w[i], i), reverse=True)
    for i in order[:total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def to_units(value, scale: int) -> int:
    """A value in whole units of 1/scale (cents for money), rounded half away from zero."""
    x = Fraction(str(value)) * scale
    return int(x.numerator * 2 + x.denominator) // (2 * x.denominator) if x >= 0 else -to_units(-value, scale)


def compound_adjust(weights, target_growth: float, history_growth: float) -> np.ndarray:
    """Replace the in-period growth ramp of ``weights`` (history_growth a year) by target_growth's."""
    w = np.asarray(weights, dtype=float)
    k = np.arange(len(w))
    adjusted = w * ((1 + target_growth) / (1 + history_growth)) ** (k / 12)
    return adjusted / adjusted.sum()


# --- history grids and weights -------------------------------------------------------------

def _grid(data: pd.DataFrame, measure: str, dims, keys, months) -> np.ndarray:
    """months × keys array of ``measure`` (0 where there are no rows)."""
    pos, idx = {m: i for i, m in enumerate(months)}, {k: j for j, k in enumerate(keys)}
    out = np.zeros((len(months), len(keys)))
    for row in data[["month", *dims, measure]].itertuples(index=False):
        i, j = pos.get(row[0]), idx.get(tuple(row[1:-1]))
        if i is not None and j is not None:
            out[i, j] += row[-1]
    return out


def _in_year(months, year: int) -> list[str]:
    return [f"{year}-{m[5:]}" for m in months]


def _time_weights(hist: dict[int, np.ndarray]) -> tuple[np.ndarray | None, dict[int, np.ndarray]]:
    per = {y: g.sum(axis=1) / g.sum() for y, g in hist.items() if g.sum() > 0}
    return (np.mean(list(per.values()), axis=0) if per else None), per


def _dim_shares(hist: dict[int, np.ndarray], i: int) -> np.ndarray:
    """The average share of each key in month ``i`` of the history years (pooled over the
    period's months when no history year has that month)."""
    rows = [g[i] / g[i].sum() for g in hist.values() if g[i].sum() > 0]
    if rows:
        return np.mean(rows, axis=0)
    pooled = sum(g.sum(axis=0) for g in hist.values())
    return pooled / pooled.sum()


def _plan(total: int, hist, explicit, adjust=None) -> tuple[np.ndarray, np.ndarray, dict]:
    """months × keys whole units adding up to ``total`` (weights used, per-year shares)."""
    w, per = _time_weights(hist)
    if w is None:
        raise MetricError("there is no history for this scope in the history years", where="scope",
                          hint="check the scope's values, or choose a period after some history")
    w = adjust(w) if adjust else w
    month_units = split_exact(total, w)
    n_keys = next(iter(hist.values())).shape[1]
    out = np.zeros((len(w), n_keys), dtype=np.int64)
    for i, u in enumerate(month_units):
        out[i] = split_exact(u, explicit if explicit is not None else _dim_shares(hist, i))
    return out, w, per


def _weights_frame(measure: str, months, w, per) -> pd.DataFrame:
    return pd.DataFrame({"measure": measure, "month": months, **{f"y{y}": s for y, s in per.items()}, "weight": w})


def _growths(target, last_year: np.ndarray, hist, years) -> tuple[float, float] | None:
    """(target growth over the same period last year, compound yearly growth of the history)."""
    base, first, last = np.nansum(last_year), hist[years[0]].sum(), hist[years[-1]].sum()
    if len(years) < 2 or np.isnan(last_year).any() or base <= 0 or first <= 0:
        return None
    return float(target) / base - 1, (last / first) ** (1 / (years[-1] - years[0])) - 1


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den != 0)
