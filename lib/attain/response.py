"""Response curves (响应曲线): how a paid channel's GMV answers its spend, with diminishing returns.

Model: a power curve ``GMV = a · spend^b`` with ``0 < b < 1`` (``b`` is the elasticity: +1 % spend
gives about +b % GMV). It is concave, so each extra yuan brings less; its marginal ROAS
``dGMV/dspend = a·b·spend^(b−1)`` falls as spend grows, and the allocation that equalises marginal
ROAS across channels is exact and easy to compute (``attain.allocate``). A Hill curve would also
saturate, but needs a half-saturation point that two years of weekly data rarely pin down.

Fit, per channel, on WEEKLY aggregates of the dictionary's ``spend`` and ``gmv`` (``metrics.compute(ds,
["spend", "gmv"], grain="week", by=["channel"])``) over the last ``history_weeks`` full ISO weeks
(Monday–Sunday) up to ``as_of``, by least squares in logs (``scipy.optimize.lsq_linear``, b bounded
to ``B_BOUNDS``)::

    log GMV_w = c + b·log spend_w + γ·log index_w + δ·t_w + e_w

- ``index_w``: GMV of all OTHER channels in week w (leave-one-out total GMV) — a rough seasonal
  and demand index, so promotions (618, 双11) that raise both budgets and sales are not credited to
  spend. Left out when there is only one channel. ``t_w``: years since the first week (price and
  market trend).
- Weeks with no spend or no GMV are skipped (logs); a channel needs ``MIN_WEEKS`` such weeks.
- From week to week the model learns from the variation of spend that seasonality and trend do
  not explain; that is an observational estimate, not an experiment. Limits: budgets that follow
  expected demand beyond the index bias ``b`` upward; weekly totals of concave daily responses
  bias it slightly downward; effects that last beyond a week (brand building) are not counted;
  outside the range of past spend the curve is an extrapolation.

The fitted curve is turned into one for a budget PERIOD of ``horizon_weeks`` (52: a year): spending
``B`` with the week-by-week pattern of the last 52 weeks' spend gives
``GMV(B) = A · B^b`` with ``A = Σ_w â_w · p_w^b`` (``â_w`` = the fitted level of week w without spend,
``p_w`` = that week's share of the spend, Duan smearing for the log retransformation). So the
curve is at the last 52 weeks' demand level (no trend extrapolated); at the spend of the last
52 weeks it gives about that period's GMV. Channels without spend (自然搜索) have no curve: their
GMV over the last 52 weeks is reported as ``baseline`` (non-paid GMV).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear

from attain import i18n
from attain.metrics import compute
from attain.timegrain import parse_date

HISTORY_WEEKS = 104
HORIZON_WEEKS = 52
MIN_WEEKS = 26
B_BOUNDS = (0.05, 0.95)

i18n.register({
    "response.excluded.no_spend": {"zh": "无花费记录（非付费渠道）", "en": "no spend (not a paid channel)"},
    "response.excluded.too_few_weeks": {"zh": "有花费的周数不足{min}周（{weeks}周）",
                                        "en": "fewer than {min} weeks with spend ({weeks})"},
    "response.excluded.stale": {"zh": "近52周没有花费", "en": "no spend in the last 52 weeks"},
    "response.missing.spend": {"zh": "数据中没有花费表（spend），无法拟合响应曲线。",
                               "en": "The data have no spend table, so no response curve can be fitted."},
    "response.missing.history": {"zh": "花费与订单数据重叠不足{min}个完整周，无法拟合响应曲线。",
                                 "en": "Spend and orders overlap by fewer than {min} full weeks: "
                                       "no response curve can be fitted."},
})


@dataclass(frozen=True)
class Curve:
    """``GMV(spend) = a · spend^b`` over a budget period of ``HORIZON_WEEKS`` weeks (see module doc)."""
    channel: str
    a: float
    b: float
    b_se: float = float("nan")       # standard error of b (OLS formula, ignoring the bound)
    b_raw: float = float("nan")      # b before the bound B_BOUNDS
    r2: float = float("nan")         # R² of the log regression (all covariates)
    weeks: int = 0
    gamma: float = float("nan")      # elasticity to the seasonal index
    trend: float = float("nan")      # log change a year not explained by spend or the index
    spend_ref: float = float("nan")  # spend over the last 52 weeks
    gmv_ref: float = float("nan")    # GMV over the last 52 weeks

    @property
    def clipped(self) -> bool:
        return not np.isnan(self.b_raw) and not B_BOUNDS[0] <= self.b_raw <= B_BOUNDS[1]

    def expected_gmv(self, spend):
        """Expected GMV over the period at ``spend`` (CNY over the period)."""
        return self.a * np.power(np.maximum(np.asarray(spend, dtype=float), 0.0), self.b)

    def marginal_roas(self, spend):
        """d GMV / d spend: the GMV the next yuan brings (∞ at zero spend)."""
        with np.errstate(divide="ignore"):
            return self.a * self.b * np.power(np.asarray(spend, dtype=float), self.b - 1)

    def roas(self, spend):
        """Average ROAS: expected GMV ÷ spend."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.expected_gmv(spend) / np.asarray(spend, dtype=float)

    def spend_at_marginal(self, m):
        """The spend whose marginal ROAS is ``m`` (inverse of ``marginal_roas``)."""
        return np.power(np.asarray(m, dtype=float) / (self.a * self.b), 1.0 / (self.b - 1))


@dataclass
class Responses:
    """Fitted curves and what could not be fitted.

    ``params``: channel, a, b, b_se, b_raw, clipped, r2, weeks, gamma, trend, spend_ref, gmv_ref,
    roas_ref (gmv_ref ÷ spend_ref), mroas_ref (marginal ROAS at spend_ref). ``excluded``: channel,
    reason (i18n key), detail (dict). ``weekly``: week, monday, channel, spend, gmv, index (the data
    fitted). ``baseline``: GMV over the last 52 weeks of the channels without spend.
    ``missing``: an i18n key when nothing could be fitted (no spend table, too little history).
    """
    as_of: dt.date
    start: dt.date | None
    end: dt.date | None
    curves: dict[str, Curve] = field(default_factory=dict)
    params: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["channel", "reason", "detail"]))
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    baseline: float = 0.0
    missing: str | None = None
    missing_params: dict = field(default_factory=dict)

    def message(self, lang: str) -> str | None:
        return i18n.t(self.missing, lang, **self.missing_params) if self.missing else None


# --- the fit on plain arrays -----------------------------------------------------------------

def fit_power(spend, gmv, t=None, index=None, *, b_bounds=B_BOUNDS) -> dict:
    """Least squares of log gmv on [1, log spend, log index, t]; b bounded to ``b_bounds``.

    All arrays positive and of one length. Returns c, b, b_raw, b_se, gamma, trend, r2, smear,
    ``level`` (the fitted log level of each row without the spend term) and n.
    """
    y = np.log(np.asarray(gmv, dtype=float))
    x = np.log(np.asarray(spend, dtype=float))
    cols, names = [np.ones_like(y), x], ["c", "b"]
    if index is not None:
        cols.append(np.log(np.asarray(index, dtype=float)))
        names.append("gamma")
    if t is not None and np.ptp(np.asarray(t, dtype=float)) > 0:
        cols.append(np.asarray(t, dtype=float))
        names.append("trend")
    X = np.column_stack(cols)
    ols, *_ = np.linalg.lstsq(X, y, rcond=None)
    lo = np.full(X.shape[1], -np.inf)
    hi = np.full(X.shape[1], np.inf)
    lo[1], hi[1] = b_bounds
    beta = lsq_linear(X, y, bounds=(lo, hi), method="bvls").x if not b_bounds[0] <= ols[1] <= b_bounds[1] else ols
    resid = y - X @ beta
    n, k = X.shape
    sigma2 = float(resid @ resid) / max(n - k, 1)
    try:
        b_se = float(np.sqrt(sigma2 * np.linalg.inv(X.T @ X)[1, 1]))
    except np.linalg.LinAlgError:
        b_se = float("nan")
    tss = float(((y - y.mean()) ** 2).sum())
    out = dict(zip(names, (float(v) for v in beta)))
    out.update(b_raw=float(ols[1]), b_se=b_se, r2=1 - float(resid @ resid) / tss if tss > 0 else float("nan"),
               smear=float(np.mean(np.exp(resid))), level=X @ beta - beta[1] * x, n=n)
    out.setdefault("gamma", float("nan"))
    out.setdefault("trend", float("nan"))
    return out


def period_scale(level, spend, b: float, smear: float, horizon: int, weeks: int) -> float:
    """``A`` of ``GMV(B) = A·B^b`` for a period of ``horizon`` weeks spent like ``spend`` (the last
    ``weeks`` calendar weeks; rows are the weeks with spend): A = k^(1−b)·Σ â_w·p_w^b, k = horizon/weeks."""
    spend = np.asarray(spend, dtype=float)
    p = spend / spend.sum()
    k = horizon / weeks
    return float(k ** (1 - b) * np.sum(np.exp(np.asarray(level)) * smear * p ** b))


# --- the data -------------------------------------------------------------------------------

def _monday(label: str) -> dt.date:
    year, week = label.split("-W")
    return dt.date.fromisocalendar(int(year), int(week), 1)


def fit_window(ds, as_of, history_weeks: int = HISTORY_WEEKS) -> tuple[dt.date, dt.date] | None:
    """First Monday and last Sunday of the full weeks to fit: up to ``as_of`` and the end of both the
    orders and the spend data, at most ``history_weeks`` back; None without spend data."""
    if not ds.has_table("spend"):
        return None
    as_of = parse_date(as_of, "as_of")
    (o_start, o_end), (s_start, s_end) = ds.date_range("orders"), ds.date_range("spend")
    last = min(as_of, o_end, s_end)
    end = last - dt.timedelta(days=(last.weekday() + 1) % 7)          # a Sunday
    first = max(o_start, s_start)
    first += dt.timedelta(days=(7 - first.weekday()) % 7)             # a Monday
    start = max(first, end - dt.timedelta(days=7 * history_weeks - 1))
    return (start, end) if start < end else None


def weekly_frame(ds, start: dt.date, end: dt.date) -> pd.DataFrame:
    """week, monday, channel, spend, gmv, index (GMV of the other channels that week)."""
    f = compute(ds, ["spend", "gmv"], grain="week", by=["channel"], start=start, end=end)
    f[["spend", "gmv"]] = f[["spend", "gmv"]].fillna(0.0)
    f.insert(1, "monday", f["week"].map(_monday))
    total = f.groupby("week")["gmv"].transform("sum")
    f["index"] = total - f["gmv"]
    return f.reset_index(drop=True)


def fit_responses(ds, as_of, *, history_weeks: int = HISTORY_WEEKS, horizon_weeks: int = HORIZON_WEEKS,
                  min_weeks: int = MIN_WEEKS) -> Responses:
    """A response curve for every channel with spend (see the module doc for the model and 口径)."""
    as_of = parse_date(as_of, "as_of")
    if not ds.has_table("spend"):
        return Responses(as_of, None, None, missing="response.missing.spend")
    window = fit_window(ds, as_of, history_weeks)
    if window is None or (window[1] - window[0]).days + 1 < 7 * min_weeks:
        return Responses(as_of, None, None, missing="response.missing.history", missing_params={"min": min_weeks})
    start, end = window
    weekly = weekly_frame(ds, start, end)
    ref_start = max(start, end - dt.timedelta(days=7 * horizon_weeks - 1))
    ref_weeks = ((end - ref_start).days + 1) // 7
    use_index = weekly["channel"].nunique() > 1
    curves, excluded, baseline = {}, [], 0.0
    for channel, g in weekly.groupby("channel", sort=True):
        if g["spend"].sum() <= 0:
            baseline += float(g.loc[g["monday"] >= ref_start, "gmv"].sum())
            excluded.append({"channel": channel, "reason": "response.excluded.no_spend", "detail": {}})
            continue
        keep = (g["spend"] > 0) & (g["gmv"] > 0)
        ok = g[keep & (g["index"] > 0)] if use_index else g[keep]
        if len(ok) < min_weeks:
            excluded.append({"channel": channel, "reason": "response.excluded.too_few_weeks",
                             "detail": {"min": min_weeks, "weeks": len(ok)}})
            continue
        ref = (ok["monday"] >= ref_start).to_numpy()
        if not ref.any():
            excluded.append({"channel": channel, "reason": "response.excluded.stale", "detail": {}})
            continue
        t = np.array([(d - start).days / 365.25 for d in ok["monday"]])
        fit = fit_power(ok["spend"], ok["gmv"], t, ok["index"] if use_index else None)
        a = period_scale(fit["level"][ref], ok["spend"].to_numpy()[ref], fit["b"], fit["smear"],
                         horizon_weeks, ref_weeks)
        in_ref = g["monday"] >= ref_start
        curves[channel] = Curve(channel, a, fit["b"], fit["b_se"], fit["b_raw"], fit["r2"], fit["n"],
                                fit["gamma"], fit["trend"], float(g.loc[in_ref, "spend"].sum()),
                                float(g.loc[in_ref, "gmv"].sum()))
    return Responses(as_of, start, end, curves, params_frame(curves),
                     pd.DataFrame(excluded, columns=["channel", "reason", "detail"]), weekly, baseline)


def params_frame(curves: dict[str, Curve]) -> pd.DataFrame:
    rows = [{"channel": c.channel, "a": c.a, "b": c.b, "b_se": c.b_se, "b_raw": c.b_raw, "clipped": c.clipped,
             "r2": c.r2, "weeks": c.weeks, "gamma": c.gamma, "trend": c.trend, "spend_ref": c.spend_ref,
             "gmv_ref": c.gmv_ref, "roas_ref": c.gmv_ref / c.spend_ref if c.spend_ref else np.nan,
             "mroas_ref": float(c.marginal_roas(c.spend_ref)) if c.spend_ref else np.nan}
            for c in curves.values()]
    cols = ["channel", "a", "b", "b_se", "b_raw", "clipped", "r2", "weeks", "gamma", "trend", "spend_ref",
            "gmv_ref", "roas_ref", "mroas_ref"]
    return pd.DataFrame(rows, columns=cols)


def excluded_text(responses: Responses, lang: str) -> list[str]:
    """"channel (reason)" for every channel without a curve."""
    left, right = ("（", "）") if i18n.check_lang(lang) == "zh" else (" (", ")")
    return [f"{r.channel}{left}{i18n.t(r.reason, lang, **r.detail)}{right}" for r in responses.excluded.itertuples()]
