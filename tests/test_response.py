"""Response curves: the power-curve maths by hand, recovery of known a and b, the weekly window,
data folders without spend, and the sample data (fitted b against the generator's true b)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from attain import i18n, sample
from attain.data import load_dataset
from attain.response import Curve, fit_power, fit_responses, fit_window, period_scale

START = dt.date(2025, 1, 6)          # a Monday


def write_dataset(folder: Path, *, weeks: int = 60, paid: dict[str, tuple[float, float]] | None = None,
                  organic: float = 3000.0, short: str | None = None, stopped: str | None = None,
                  spend_table: bool = True, seed: int = 3) -> dict:
    """A data folder (CSV) where each paid channel's weekly GMV is exactly ``7a·(S_w/7)^b·D_w``.

    Every day of week w: spend S_w/7 per paid channel (S_w = 7000·e^N(0, 0.4), independent of
    demand), one order per channel with gmv a·(S_w/7)^b·D_w, and one 自然搜索 order of
    ``organic·D_w``; D_w = 1 + 0.4·sin(2πw/52) is the season. ``short``: a paid channel with
    spend only in the last 10 weeks; ``stopped``: one with spend only in the first 30 weeks.
    Returns the generating arrays.
    """
    paid = paid if paid is not None else {"付费搜索": (50.0, 0.6)}
    rng = np.random.default_rng(seed)
    w = np.arange(weeks)
    demand = 1 + 0.4 * np.sin(2 * np.pi * w / 52)
    spend = {ch: 7000 * np.exp(rng.normal(0, 0.4, weeks)) for ch in paid}
    orders, spends = ["order_id,order_date,gmv,channel"], ["date,channel,spend"]
    for i in range(weeks * 7):
        day, wk = START + dt.timedelta(days=i), i // 7
        orders.append(f"N{i},{day},{organic * demand[wk]:.4f},自然搜索")
        for j, (ch, (a, b)) in enumerate(paid.items()):
            if (ch == short and wk < weeks - 10) or (ch == stopped and wk >= 30):
                continue
            daily = spend[ch][wk] / 7
            orders.append(f"P{j}-{i},{day},{a * daily ** b * demand[wk]:.4f},{ch}")
            spends.append(f"{day},{ch},{daily:.4f}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text("\n".join(orders) + "\n", encoding="utf-8")
    if spend_table:
        (folder / "spend.csv").write_text("\n".join(spends) + "\n", encoding="utf-8")
    return {"demand": demand, "spend": spend, "paid": paid, "organic": organic, "weeks": weeks}


# --- the curve by hand -------------------------------------------------------------------------

def test_curve_maths_by_hand():
    c = Curve("X", a=100.0, b=0.5)
    # GMV(10,000) = 100 · 10,000^0.5 = 10,000; ROAS = 1; marginal = 100 · 0.5 · 10,000^-0.5 = 0.5
    assert c.expected_gmv(10_000) == pytest.approx(10_000)
    assert c.roas(10_000) == pytest.approx(1.0)
    assert c.marginal_roas(10_000) == pytest.approx(0.5)
    assert c.spend_at_marginal(0.5) == pytest.approx(10_000)
    assert c.expected_gmv(0) == 0 and math.isinf(c.marginal_roas(0))
    assert not c.clipped and Curve("Y", 1.0, 0.95, b_raw=1.3).clipped


def test_period_scale_by_hand():
    # two weeks, fitted level 10 each (no spend term), spend pattern 50/50, b = 0.5:
    # A = 10·0.5^0.5 + 10·0.5^0.5 = 14.142; GMV(100) = 14.142·10 = 141.42 = 2 weeks × 10·√50.
    a = period_scale(np.log([10.0, 10.0]), [1.0, 1.0], 0.5, 1.0, horizon=2, weeks=2)
    assert a == pytest.approx(20 * math.sqrt(0.5))
    assert a * 100 ** 0.5 == pytest.approx(2 * 10 * math.sqrt(50))
    # a 4-week period spent like those 2 weeks, twice: 4 weeks × 10·√25 = 200 = A·√100 → A = 20.
    assert period_scale(np.log([10.0, 10.0]), [1.0, 1.0], 0.5, 1.0, horizon=4, weeks=2) == pytest.approx(20)


# --- recovering known parameters ------------------------------------------------------------------

def test_fit_power_exact_without_noise():
    rng = np.random.default_rng(1)
    spend, index, t = np.exp(rng.normal(9, 0.5, 80)), np.exp(rng.normal(12, 0.3, 80)), np.arange(80) / 52
    gmv = 3.0 * spend ** 0.65 * index ** 0.4 * np.exp(0.05 * t)
    fit = fit_power(spend, gmv, t, index)
    assert fit["b"] == pytest.approx(0.65, abs=1e-9) and fit["gamma"] == pytest.approx(0.4, abs=1e-9)
    assert fit["trend"] == pytest.approx(0.05, abs=1e-9) and fit["c"] == pytest.approx(math.log(3.0), abs=1e-8)
    assert fit["r2"] == pytest.approx(1.0) and fit["smear"] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_power_recovers_a_and_b_with_noise(seed):
    rng = np.random.default_rng(seed)
    n = 104
    spend, index = np.exp(rng.normal(10, 0.4, n)), np.exp(rng.normal(13, 0.3, n))
    gmv = 20.0 * spend ** 0.55 * index ** 0.3 * np.exp(rng.normal(0, 0.05, n))
    fit = fit_power(spend, gmv, None, index)
    # with log noise 0.05 and log-spend spread 0.4 over 104 weeks the s.e. of b is about 0.012
    assert fit["b"] == pytest.approx(0.55, abs=0.04)
    assert abs(fit["b"] - 0.55) < 4 * fit["b_se"]
    # a itself is far from the data (log spend ≈ 10): check the curve where the data are instead
    at = math.exp(fit["c"] + fit["b"] * 10 + fit["gamma"] * 13)
    assert at == pytest.approx(20.0 * math.exp(0.55 * 10 + 0.3 * 13), rel=0.03)
    assert fit["r2"] > 0.8


def test_b_is_bounded_and_flagged():
    rng = np.random.default_rng(5)
    spend = np.exp(rng.normal(8, 0.5, 60))
    fit = fit_power(spend, 0.01 * spend ** 1.3, None, None)
    assert fit["b_raw"] == pytest.approx(1.3) and fit["b"] == pytest.approx(0.95)


# --- from a data folder ---------------------------------------------------------------------------

def test_fit_window_full_weeks(tmp_path):
    write_dataset(tmp_path, weeks=60)
    ds = load_dataset(tmp_path)
    # data 2025-01-06 (Mon) .. 2026-03-01 (Sun, 60 weeks); as_of Wed 2026-02-18 -> last full week ends Sun 02-15
    assert fit_window(ds, "2026-02-18") == (START, dt.date(2026, 2, 15))
    # at most 20 weeks back: 2026-02-15 − 139 days = 2025-09-29 (a Monday)
    assert fit_window(ds, "2026-02-18", history_weeks=20) == (dt.date(2025, 9, 29), dt.date(2026, 2, 15))
    # as_of after the data: the data's last day (Sun 2026-03-01) ends the window
    assert fit_window(ds, "2026-12-31")[1] == dt.date(2026, 3, 1)


def test_fit_responses_recovers_b_and_calibrates_to_the_last_52_weeks(tmp_path):
    truth = write_dataset(tmp_path, weeks=60)
    r = fit_responses(load_dataset(tmp_path), "2026-03-01")
    assert r.missing is None and (r.start, r.end) == (START, dt.date(2026, 3, 1))
    curve = r.curves["付费搜索"]
    # weekly GMV = 7·50·(S/7)^0.6·D, index = 自然搜索 = 7·3000·D → b = 0.6, γ = 1 exactly (up to CSV rounding)
    assert curve.b == pytest.approx(0.6, abs=1e-4) and curve.gamma == pytest.approx(1.0, abs=1e-3)
    assert curve.weeks == 60 and curve.r2 > 0.999
    # the year curve at the last 52 weeks' spend returns those weeks' GMV
    last = slice(8, 60)
    spend_ref = truth["spend"]["付费搜索"][last].sum()
    gmv_ref = (7 * 50 * (truth["spend"]["付费搜索"][last] / 7) ** 0.6 * truth["demand"][last]).sum()
    assert curve.spend_ref == pytest.approx(spend_ref, rel=1e-6) and curve.gmv_ref == pytest.approx(gmv_ref, rel=1e-6)
    assert curve.expected_gmv(spend_ref) == pytest.approx(gmv_ref, rel=1e-3)
    # A = 7^(1−b)·a·Σ D_w·p_w^b over those weeks
    p = truth["spend"]["付费搜索"][last] / spend_ref
    assert curve.a == pytest.approx(7 ** 0.4 * 50 * (truth["demand"][last] * p ** 0.6).sum(), rel=1e-3)
    # 自然搜索 has no spend: excluded, its GMV of the last 52 weeks is the baseline
    assert list(r.excluded["channel"]) == ["自然搜索"]
    assert r.baseline == pytest.approx(7 * 3000 * truth["demand"][last].sum(), rel=1e-6)
    assert r.params.loc[0, "roas_ref"] == pytest.approx(gmv_ref / spend_ref, rel=1e-6)


def test_two_paid_channels_a_short_and_a_stopped_one(tmp_path):
    write_dataset(tmp_path, weeks=90, paid={"付费搜索": (50.0, 0.6), "直播": (20.0, 0.75), "KOL": (10.0, 0.5),
                                            "私域": (30.0, 0.5)}, short="KOL", stopped="私域")
    r = fit_responses(load_dataset(tmp_path), "2026-09-27")       # the data's last day: 90 weeks
    # the index of each channel now holds the other paid channel too: close to, not exactly, the truth
    assert r.curves["付费搜索"].b == pytest.approx(0.6, abs=0.05)
    assert r.curves["直播"].b == pytest.approx(0.75, abs=0.05)
    excluded = dict(zip(r.excluded["channel"], r.excluded["reason"]))
    # 私域: 30 weeks with spend (enough to fit) but none in the last 52 of the 90: no curve for the coming year
    assert excluded == {"KOL": "response.excluded.too_few_weeks", "自然搜索": "response.excluded.no_spend",
                        "私域": "response.excluded.stale"}
    detail = r.excluded.set_index("channel").loc["KOL", "detail"]
    assert detail == {"min": 26, "weeks": 10}
    assert i18n.t("response.excluded.too_few_weeks", "zh", **detail) == "有花费的周数不足26周（10周）"


def test_without_spend_table_a_message_not_a_crash(tmp_path):
    write_dataset(tmp_path, weeks=30, spend_table=False)
    r = fit_responses(load_dataset(tmp_path), "2025-08-03")
    assert r.curves == {} and r.missing == "response.missing.spend"
    assert "spend" in r.message("en") and "花费表" in r.message("zh")


def test_too_little_history(tmp_path):
    write_dataset(tmp_path, weeks=20)
    r = fit_responses(load_dataset(tmp_path), "2025-12-31")
    assert r.curves == {} and r.missing == "response.missing.history"
    assert r.message("en").startswith("Spend and orders overlap by fewer than 26 full weeks")


# --- the sample data -----------------------------------------------------------------------------

def test_sample_fitted_b_near_the_generators_b(sample_dir):
    r = fit_responses(load_dataset(sample_dir), "2026-08-15")
    true_b = {c.name: c.b for c in sample.CHANNELS if c.b is not None}
    assert set(r.curves) == set(true_b) and list(r.excluded["channel"]) == ["自然搜索"]
    for ch, b in true_b.items():
        curve = r.curves[ch]
        # weekly totals of daily concave responses and promotion weeks bias b down a little (module doc)
        assert abs(curve.b - b) < 0.15, (ch, curve.b, b)
        assert 0 < curve.b < 1 and curve.weeks == 104
        assert curve.expected_gmv(curve.spend_ref) == pytest.approx(curve.gmv_ref, rel=0.01)
