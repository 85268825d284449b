"""Forecasting model of ``attain.achievability``: each part's monthly series fit and simulated.

ETS via statsmodels' ``ETSModel`` (``_fit_ets``) with a seasonal-naive × growth or recent-level fallback
(``_fit_naive``); ``_simulate`` draws correlated paths of every part, ``_with_partial`` completes the
month of ``as_of``, and ``_path`` / ``_intervals`` turn paths into the metric's monthly values and
prediction intervals. The 口径 and method are described in ``attain.achievability``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attain.metric_defs import Metric
from attain.timegrain import month_end

LEVELS = (0.8, 0.95)             # prediction interval levels
MIN_ETS_MONTHS = 24              # ETS with heuristic seasonal initialisation needs two full years
DISTINCT_PARTS = frozenset({"buyers", "repeat_buyers"})


# --- models ------------------------------------------------------------------------------

@dataclass
class _Fit:
    point: np.ndarray       # (h,)
    resid: pd.Series        # in-sample errors by month (for the correlation between parts)
    method: str
    sim: object             # (z (h, n), level shock (n,)) -> paths (h, n)


def _fit(y: pd.Series, h: int) -> _Fit:
    if (y <= 0).all():
        return _Fit(np.zeros(h), pd.Series(dtype=float), "zero", lambda z, zl: np.zeros_like(z))
    if len(y) >= MIN_ETS_MONTHS:
        try:
            return _fit_ets(y, h)
        except (ValueError, np.linalg.LinAlgError):
            pass
    return _fit_naive(y, h)


def _fit_ets(y: pd.Series, h: int) -> _Fit:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    kind = "mul" if (y > 0).all() else "add"
    model = ETSModel(y.to_numpy(float), error=kind, trend="add", damped_trend=True, seasonal=kind,
                     seasonal_periods=12, initialization_method="heuristic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(disp=False)
    sigma = float(np.sqrt(res.scale))

    def sim(z, _zl):
        out = res.simulate(h, anchor="end", repetitions=z.shape[1], random_errors=z * sigma)
        return np.clip(np.asarray(out, dtype=float).reshape(h, -1), 0, None)
    name = "ETS(M,Ad,M)" if kind == "mul" else "ETS(A,Ad,A)"
    return _Fit(np.clip(np.asarray(res.forecast(h), float), 0, None), pd.Series(res.resid, index=y.index), name, sim)


def _fit_naive(y: pd.Series, h: int) -> _Fit:
    v, steps = y.to_numpy(float), np.arange(h)
    if len(v) >= 13:
        k = min(12, len(v) - 12)
        prev = v[-k - 12:-12].sum()
        g = v[-k:].sum() / prev if prev > 0 else 1.0
        base = v[-12:][steps % 12] * g ** (steps // 12 + 1)
        fitted, seen, idx, method = v[-k - 12:-12] * g, v[-k:], y.index[-k:], "seasonal naive × growth"
    else:
        k, base = min(3, len(v)), np.full(h, v[-3:].mean())
        fitted, seen, idx, method = v[:-1], v[1:], y.index[1:], "recent level"
    ok = (fitted > 0) & (seen > 0)
    err = pd.Series(np.log(seen[ok] / fitted[ok]), index=idx[ok])
    if len(err) < 3:
        pos = v[v > 0]
        err = pd.Series(np.diff(np.log(pos))) if len(pos) > 2 else pd.Series([0.1, -0.1])
    sigma = float(np.sqrt(np.mean(err.to_numpy() ** 2)))
    level_sigma = sigma / np.sqrt(k)

    def sim(z, zl):
        return base[:, None] * np.exp(sigma * z + level_sigma * zl[None, :])
    return _Fit(base, err, method, sim)


def _simulate(history: dict[str, pd.Series], h: int, n: int, seed: int):
    """Simulated monthly paths (h, n) and point forecasts (h,) of every part, with correlated shocks."""
    parts = list(history)
    if h == 0:
        empty = {p: np.zeros((0, n)) for p in parts}
        return empty, {p: np.zeros(0) for p in parts}, {p: "none" for p in parts}
    fits = {p: _fit(history[p], h) for p in parts}
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((len(parts), h, n))
    level = rng.standard_normal(n)
    shocks = np.einsum("pq,qhn->phn", _loading(fits, parts), raw)
    sims = {p: fits[p].sim(shocks[i], level) for i, p in enumerate(parts)}
    return sims, {p: fits[p].point for p in parts}, {p: fits[p].method for p in parts}


def _loading(fits: dict, parts: list[str]) -> np.ndarray:
    """L with L Lᵀ = the correlation of the parts' in-sample errors (identity when unknown)."""
    resid = pd.DataFrame({p: fits[p].resid for p in parts}).dropna()
    corr = resid.corr().reindex(index=parts, columns=parts).to_numpy() if len(resid) >= 6 else None
    if corr is None or np.isnan(corr).any():
        return np.eye(len(parts))
    vals, vecs = np.linalg.eigh(corr)
    return vecs * np.sqrt(np.clip(vals, 0, None))


def _with_partial(sims, points, monthly, partial, day: dt.date):
    """The partial month (the first forecast month) = month to date + the forecast × days left ÷ days in
    the month; distinct counts (buyers) take the forecast full month."""
    if not partial or not len(next(iter(points.values()))):
        return sims, points
    days = month_end(partial).day
    weight = (days - day.day) / days
    sims, points = {p: s.copy() for p, s in sims.items()}, {p: v.copy() for p, v in points.items()}
    for p in sims:
        if p not in DISTINCT_PARTS:
            sims[p][0] = monthly.loc[partial, p] + weight * sims[p][0]
            points[p][0] = monthly.loc[partial, p] + weight * points[p][0]
    return sims, points


# --- paths and intervals -----------------------------------------------------------------

def _formula(m: Metric, parts: dict) -> np.ndarray:
    return m.formula(pd.DataFrame({p: np.asarray(v, float).ravel() for p, v in parts.items()})).to_numpy(float)


def _intervals(values: np.ndarray) -> pd.DataFrame:
    rows = []
    for level in LEVELS:
        low, high = (np.nanquantile(values, [(1 - level) / 2, (1 + level) / 2])
                     if np.isfinite(values).any() else (np.nan, np.nan))
        rows.append({"level": level, "low": float(low), "high": float(high)})
    return pd.DataFrame(rows)


def _path(m: Metric, monthly, hist, horizon, partial, sims, points) -> pd.DataFrame:
    """Monthly metric values: actual full months, then the forecast with its intervals."""
    rows = pd.DataFrame({"month": hist, "kind": "actual",
                         "value": _formula(m, {p: monthly.loc[hist, p].to_numpy() for p in m.parts})})
    if horizon:
        n = next(iter(sims.values())).shape[1]
        per_path = _formula(m, {p: sims[p] for p in m.parts}).reshape(len(horizon), n)
        fc = pd.DataFrame({"month": horizon, "kind": ["partial" if mo == partial else "forecast" for mo in horizon],
                           "value": _formula(m, {p: points[p] for p in m.parts})})
        for level in LEVELS:
            q = np.nanquantile(per_path, [(1 - level) / 2, (1 + level) / 2], axis=1)
            fc[f"low_{round(level * 100)}"], fc[f"high_{round(level * 100)}"] = q[0], q[1]
        rows = pd.concat([rows, fc], ignore_index=True)
    return rows
