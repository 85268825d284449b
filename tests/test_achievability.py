"""Achievability of a goal (forecast + probability of the target) on hand-made data folders.

The synthetic shop (written as CSV to tmp_path) sells every day; on a day of month m in year
2023 + y it takes ``S[m] + y`` orders of ¥100 each (a seasonal pattern with a November peak and a
trend of one more order a day each year). Order j of a day is bought by customer c<j>; order 0 is
returned and comes through 直播, the others through 私域. So, by hand (days × orders a day × ¥100):

    2024 (y = 1, 366 days): S+1 = 3 3 4 4 4 5 4 4 4 5 7 5
        Σ days × (S+1) = 93+87+124+120+124+150+124+124+120+155+210+155 = 1,586 orders -> GMV ¥158,600
    2025 (y = 2):           S+2 = 4 4 5 5 5 6 5 5 5 6 8 6
        Σ days × (S+2) = 124+112+155+150+155+180+155+155+150+186+240+186 = 1,948 orders -> GMV ¥194,800
    2025 to 2025-06-15: Jan–May 124+112+155+150+155 = 696, June 1–15: 15 × 6 = 90 -> 786 orders, ¥78,600

Returned orders are one a day, so the 2025 return rate would be 365 / 1,948 = 18.74 %; 直播 has one
¥100 order a day (2024: ¥36,600; 2025: ¥36,500).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from attain import achievability as ach
from attain import style, viz_goals
from attain.data import load_dataset
from attain.errors import MetricError, ParameterError

S = [2, 2, 3, 3, 3, 4, 3, 3, 3, 4, 6, 4]
AS_OF = "2025-06-15"
GMV_2025 = 194_800
GMV_2024 = 158_600


def write_shop(folder: Path, start: dt.date, end: dt.date) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["order_id,customer_id,order_date,gmv,channel,category,region,returned"]
    day = start
    while day <= end:
        for j in range(S[day.month - 1] + day.year - 2023):
            channel, returned = ("直播", "true") if j == 0 else ("私域", "false")
            lines.append(f"{day:%Y%m%d}-{j},c{j},{day} 10:00:00,100,{channel},服饰,一线城市,{returned}")
        day += dt.timedelta(days=1)
    (folder / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """2023-01-01 .. 2025-06-15: 29 full months of history (ETS) and a half month."""
    return load_dataset(write_shop(tmp_path_factory.mktemp("shop"), dt.date(2023, 1, 1), dt.date(2025, 6, 15)))


@pytest.fixture(scope="module")
def short_shop(tmp_path_factory):
    """2024-01-01 .. 2025-06-15: 17 full months, too few for ETS."""
    return load_dataset(write_shop(tmp_path_factory.mktemp("short"), dt.date(2024, 1, 1), dt.date(2025, 6, 15)))


@pytest.fixture(scope="module")
def gmv_2025(shop):
    return ach.assess(shop, "gmv", {}, "2025", AS_OF, 150_000, n_sims=1000)


# --- pure helpers ---------------------------------------------------------------------------

@pytest.mark.parametrize("p, expected", [
    (1.0, "conservative"), (0.8, "conservative"), (0.7999, "ambitious"), (0.5, "ambitious"),
    (0.4999, "stretch"), (0.2, "stretch"), (0.1999, "unrealistic"), (0.0, "unrealistic")])
def test_classify_at_the_thresholds(p, expected):
    assert ach.classify(p) == expected


def test_classify_refuses_a_missing_probability():
    with pytest.raises(ValueError):
        ach.classify(float("nan"))


def test_period_months():
    assert ach.period_months("2026") == [f"2026-{m:02d}" for m in range(1, 13)]
    assert ach.period_months("2026-Q3") == ["2026-07", "2026-08", "2026-09"]
    assert ach.period_months("2026-07") == ["2026-07"]
    for bad in ("2026-Q5", "26", "2026-13", "next year"):
        with pytest.raises(ParameterError):
            ach.period_months(bad)


# --- additive metric, ETS -------------------------------------------------------------------

def test_baseline_is_the_same_period_a_year_earlier(shop):
    assert ach.baseline(shop, "gmv", {}, "2025") == pytest.approx(GMV_2024)
    assert ach.baseline(shop, "gmv", {"channel": "直播"}, "2025") == pytest.approx(36_600)   # 366 days × ¥100
    assert ach.baseline(shop, "gmv", {}, "2023") is None     # 2022 is not in the data


def test_actual_to_date_plus_remainder_adds_up(gmv_2025):
    a = gmv_2025
    assert a.actual_to_date == pytest.approx(78_600)         # Jan–May 696 + June 1–15 90 orders, × ¥100
    assert a.baseline == pytest.approx(GMV_2024)
    assert a.actual_to_date + a.remainder == pytest.approx(a.forecast)
    part = a.parts.set_index("part").loc["gmv"]
    assert part["actual_to_date"] == pytest.approx(78_600)
    assert part["total"] == pytest.approx(a.forecast)
    assert part["method"].startswith("ETS")
    assert "partial_month" in a.notes and a.history == ("2023-01", "2025-05")
    assert "short_history" not in a.notes and "distinct_scaled" not in a.notes and not a.closed


def test_as_of_at_a_month_end_has_no_partial_month(shop):
    a = ach.assess(shop, "gmv", {}, "2025", "2025-05-31", 150_000, n_sims=200)
    assert a.actual_to_date == pytest.approx(69_600)          # Jan–May: 696 orders × ¥100
    assert "partial_month" not in a.notes
    assert "partial" not in set(a.path["kind"]) and a.path["month"].iloc[-1] == "2025-12"
    assert a.history == ("2023-01", "2025-05")


def test_forecast_follows_the_seasonal_trend(gmv_2025):
    a = gmv_2025
    assert a.forecast == pytest.approx(GMV_2025, rel=0.05)   # the pattern continued: ¥194,800
    low95, high95 = a.interval(0.95)
    low80, high80 = a.interval(0.8)
    assert low95 <= low80 <= a.forecast <= high80 <= high95
    # June = month to date ¥9,000 + half of a ~¥18,000 month (30 days × 6 × ¥100)
    path = a.path.set_index("month")
    assert path.loc["2025-06", "kind"] == "partial"
    assert path.loc["2025-06", "value"] == pytest.approx(18_000, rel=0.05)
    # November is the peak: 30 × 8 = 240 orders against October's 31 × 6 = 186 (× 1.29; 2024: 210 / 155 = × 1.35)
    future = path[path["kind"] == "forecast"]["value"]
    assert future.idxmax() == "2025-11"
    assert future["2025-11"] / future["2025-10"] > 1.2
    assert path.loc["2025-05", "kind"] == "actual" and path.loc["2025-05", "value"] == pytest.approx(15_500)


def test_probability_near_one_below_and_near_zero_above(shop, gmv_2025):
    assert gmv_2025.probability > 0.99 and gmv_2025.cls == "conservative"     # target ¥150,000: −23 %
    high = ach.assess(shop, "gmv", {}, "2025", AS_OF, 250_000, n_sims=1000)  # +28 % over the pattern
    assert high.probability < 0.01 and high.cls == "unrealistic"


def test_scope_filters_the_series(shop):
    a = ach.assess(shop, "gmv", {"channel": "直播"}, "2025", AS_OF, 30_000, n_sims=500)
    assert a.actual_to_date == pytest.approx(16_600)         # 166 days × ¥100
    assert a.forecast == pytest.approx(36_500, rel=0.02)     # 365 days × ¥100


def test_deterministic_with_a_seed(shop):
    target = GMV_2025
    one = ach.assess(shop, "gmv", {}, "2025", AS_OF, target, n_sims=500, seed=7)
    two = ach.assess(shop, "gmv", {}, "2025", AS_OF, target, n_sims=500, seed=7)
    other = ach.assess(shop, "gmv", {}, "2025", AS_OF, target, n_sims=500, seed=8)
    assert one.probability == two.probability
    assert one.intervals.equals(two.intervals)
    assert one.forecast == other.forecast                    # the point forecast does not depend on the draws
    assert not one.intervals.equals(other.intervals)


# --- ratio metric, direction --------------------------------------------------------------

def test_ratio_metric_is_formed_from_its_parts(shop):
    a = ach.assess(shop, "return_rate", {}, "2025", AS_OF, 0.25, n_sims=1000)
    parts = a.parts.set_index("part")
    assert set(parts.index) == {"returned_orders", "orders"}
    assert parts.loc["returned_orders", "actual_to_date"] == pytest.approx(166)   # one a day, Jan 1 – Jun 15
    assert parts.loc["orders", "actual_to_date"] == pytest.approx(786)
    assert a.actual_to_date == pytest.approx(166 / 786)
    assert a.forecast == pytest.approx(parts.loc["returned_orders", "total"] / parts.loc["orders", "total"])
    assert a.forecast == pytest.approx(365 / 1948, rel=0.05)   # 18.74 %
    assert a.remainder is None                               # a ratio does not split into pieces


def test_ratio_of_parts_that_move_together_stays_narrow(shop):
    # every order is ¥100, so GMV / orders is exactly 100 in every month; the parts are simulated with
    # fully correlated shocks, so every simulated path keeps an AOV of ¥100
    a = ach.assess(shop, "aov", {}, "2025", AS_OF, 100.0, n_sims=500)
    low, high = a.interval(0.95)
    assert a.forecast == pytest.approx(100, abs=0.01)
    assert low == pytest.approx(100, abs=0.5) and high == pytest.approx(100, abs=0.5)


def test_lower_is_better_flips_the_probability(shop):
    # return rate ≈ 18.7 %: at most 25 % is near certain (it is lower-is-better in the dictionary) ...
    lower = ach.assess(shop, "return_rate", {}, "2025", AS_OF, 0.25, n_sims=500)
    assert lower.direction == "lower" and lower.probability > 0.99 and lower.cls == "conservative"
    # ... at least 25 % (direction forced to higher) is near impossible
    higher = ach.assess(shop, "return_rate", {}, "2025", AS_OF, 0.25, direction="higher", n_sims=500)
    assert higher.probability < 0.01 and higher.cls == "unrealistic"
    assert ach.assess(shop, "return_rate", {}, "2025", AS_OF, 0.15, n_sims=500).probability < 0.01


def test_distinct_buyers_over_a_quarter_are_rescaled(shop):
    # the same customers c0..c<n-1> buy every day: a month's buyers = orders a day; a quarter's buyers are
    # the same people, so the quarter (4 in 2024-Q3) is 1/3 of the sum of its months (4 + 4 + 4).
    # 2025-Q3 would have 5 buyers (S + 2 = 5 in Jul–Sep).
    a = ach.assess(shop, "buyers", {}, "2025-Q3", AS_OF, 4, n_sims=500)
    assert a.baseline == pytest.approx(4)
    assert "distinct_scaled" in a.notes
    assert a.forecast == pytest.approx(5, rel=0.1)
    assert a.remainder is None


# --- short history, closed periods, errors ------------------------------------------------

def test_short_history_falls_back_to_seasonal_naive_times_growth(short_shop):
    # 17 full months. growth = Σ 2025-01..05 / Σ 2024-01..05 = 696 / 548 = 1.270073 (orders)
    # 2025 = Jan–May 696 + June to date 90 + rest of June 150 × 1.270073 × 15/30 = 95.26
    #        + Jul–Dec 2024 (124+124+120+155+210+155 = 888) × 1.270073 = 1,127.82 -> 2,009.08 orders = ¥200,908
    a = ach.assess(short_shop, "gmv", {}, "2025", AS_OF, 150_000, n_sims=500)
    assert a.parts["method"].tolist() == ["seasonal naive × growth"]
    assert "short_history" in a.notes
    assert a.forecast == pytest.approx(200_908, rel=1e-4)
    assert a.actual_to_date + a.remainder == pytest.approx(a.forecast)
    assert a.probability > 0.99


def test_under_a_year_of_history_uses_the_recent_level(tmp_path):
    # 2024-08-01 .. 2025-06-15: 10 full months (Aug 2024 – May 2025), no month a year earlier to copy.
    # July 2025 = mean of Mar–May 2025 = (155 + 150 + 155) / 3 = 153.33 orders -> ¥15,333
    ds = load_dataset(write_shop(tmp_path / "young", dt.date(2024, 8, 1), dt.date(2025, 6, 15)))
    a = ach.assess(ds, "gmv", {}, "2025-07", AS_OF, 10_000, n_sims=500)
    assert a.parts["method"].tolist() == ["recent level"] and "short_history" in a.notes
    assert a.forecast == pytest.approx(15_333.33, rel=1e-4)
    assert a.actual_to_date is None and a.baseline is None


def test_too_little_history_is_an_error(tmp_path):
    ds = load_dataset(write_shop(tmp_path / "tiny", dt.date(2025, 4, 1), dt.date(2025, 6, 15)))
    with pytest.raises(MetricError, match="too little history"):
        ach.assess(ds, "gmv", {}, "2025", AS_OF, 100_000)


def test_a_closed_period_is_its_actual(shop):
    a = ach.assess(shop, "gmv", {}, "2024", AS_OF, 150_000, n_sims=200)
    assert a.closed and a.forecast == pytest.approx(GMV_2024) and a.actual_to_date == pytest.approx(GMV_2024)
    assert a.probability == 1.0
    assert "已达成" in ach.finding(a, "zh") and "reached" in ach.finding(a, "en")


def test_bad_inputs(shop):
    with pytest.raises(ParameterError):
        ach.assess(shop, "gmv", {}, "2025", "2026-01-01", 1)        # as_of after the data
    with pytest.raises(ParameterError):
        ach.assess(shop, "gmv", {}, "2025", AS_OF, 1, direction="up")
    with pytest.raises(ParameterError):
        ach.assess(shop, "gmv", {}, "2025", AS_OF, float("nan"))
    with pytest.raises(MetricError):
        ach.assess(shop, "cac", {}, "2025", AS_OF, 90)              # needs the spend table


# --- words and chart ----------------------------------------------------------------------

def test_finding_in_both_languages(gmv_2025, shop):
    zh, en = ach.finding(gmv_2025, "zh"), ach.finding(gmv_2025, "en")
    assert "2025年" in zh and "目标≥¥15.0万" in zh and "达成概率>99%" in zh and "保守" in zh
    assert "较去年同期（¥15.9万）" in zh                                    # baseline 2024: ¥158,600
    assert "the target ≥ ¥150K" in en and ">99% chance" in en and "conservative" in en
    assert "-5.4% vs a year earlier" in en                   # 150,000 / 158,600 − 1
    rr = ach.assess(shop, "return_rate", {"channel": "直播"}, "2025", AS_OF, 0.5, n_sims=200)
    assert "直播" in ach.finding(rr, "zh") and "≤ 50.00%" in ach.finding(rr, "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forecast_chart_renders(gmv_2025, shop, lang):
    style.apply(lang)
    for a in (gmv_2025, ach.assess(shop, "return_rate", {}, "2025", AS_OF, 0.25, n_sims=200)):
        fig = viz_goals.forecast_chart(a, lang)
        fig.canvas.draw()                                     # glyph warnings are errors (pyproject)
        left, right = fig.axes
        assert left.get_title(loc="left") and right.get_title(loc="center")
        assert any("orders" in t.get_text() for t in fig.texts)    # the source line
    custom = viz_goals.forecast_chart(gmv_2025, lang, title="G01")
    assert custom.axes[0].get_title(loc="left") == "G01"
    assert not math.isnan(np.nanmax(gmv_2025.path["value"]))
