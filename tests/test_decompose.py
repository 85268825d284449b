"""Target decomposition on a tiny two-year data folder built in tmp_path.

Every expected number is worked out by hand in the comments. Money is compared in whole
cents (round(value × 100)), which is what "adds up exactly" means.
"""

from __future__ import annotations

import io
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from attain import display, i18n, style, viz_decompose
from attain.data import load_dataset
from attain.decompose import (compound_adjust, decompose, latest_targets, parse_period, read_targets,
                              split_exact, target_versions, to_units, write_targets)
from attain.errors import MetricError, ParameterError

AS_OF = "2026-05-20"

# Monthly GMV. Each month has three orders (three rows, three order ids, guests):
#   直播 / 美妆 (a), 私域 / 服饰 (b/2), 私域 / 食品 (b/2).
#   2024: month totals Jan 80, Feb 40, Mar–Oct 75, Nov 180, Dec 100  -> year 1000; 直播 25% every month
#   2025: month totals Jan 200, Feb 100, Mar–Oct 150, Nov 300, Dec 200 -> year 2000; 直播 35%, Nov 45%
# Shares of the year:    2024          2025          average (the seasonal weight)
#   Jan                  80/1000=.08   200/2000=.10  .09
#   Feb                  .04           .05           .045
#   Mar–Oct (each)       .075          .075          .075
#   Nov                  .18           .15           .165
#   Dec                  .10           .10           .10      (sum .09+.045+8×.075+.165+.10 = 1)
# 直播's share of a month, averaged: (.25+.35)/2 = .30, Nov (.25+.45)/2 = .35; 私域 the rest.
# 美妆 = 直播; 服饰 = 食品 = half of 私域.
# 2026: Jan–May three orders of 100 on the 10th (300 a month); one more 直播 order of 999 on
# 2026-05-25, after as_of (2026-05-20): it must not count.
TOTALS = {2024: [80, 40] + [75] * 8 + [180, 100], 2025: [200, 100] + [150] * 8 + [300, 200]}
LIVE = {2024: [0.25] * 12, 2025: [0.35] * 10 + [0.45, 0.35]}


def _orders_csv() -> str:
    lines = ["order_id,customer_id,order_date,gmv,channel,category,region"]
    n = 0
    for year in (2024, 2025):
        for m, (total, live) in enumerate(zip(TOTALS[year], LIVE[year]), start=1):
            day = f"{year}-{m:02d}-01"
            for channel, category, gmv in (("直播", "美妆", total * live), ("私域", "服饰", total * (1 - live) / 2),
                                           ("私域", "食品", total * (1 - live) / 2)):
                n += 1
                lines.append(f"O{n},,{day},{gmv:.4f},{channel},{category},一线城市")
    for m in range(1, 6):
        for channel, category in (("直播", "美妆"), ("私域", "服饰"), ("私域", "食品")):
            n += 1
            lines.append(f"O{n},,2026-{m:02d}-10,100,{channel},{category},一线城市")
    lines.append(f"O{n + 1},,2026-05-25,999,直播,美妆,一线城市")
    return "\n".join(lines) + "\n"


# Traffic only from 2025 (so metrics on orders and traffic have one history year, 2025):
#   UV a month: 直播 1000, 私域 2000 (3000), November 直播 2000, 私域 4000 (6000) -> 2025: 39000.
def _traffic_csv() -> str:
    lines = ["date,channel,uv,pv"]
    for year, months in ((2025, range(1, 13)), (2026, range(1, 6))):
        for m in months:
            k = 2 if (year, m) == (2025, 11) else 1
            lines += [f"{year}-{m:02d}-01,直播,{1000 * k},{3000 * k}", f"{year}-{m:02d}-01,私域,{2000 * k},{6000 * k}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dec")
    (folder / "orders.csv").write_text(_orders_csv(), encoding="utf-8")
    (folder / "traffic.csv").write_text(_traffic_csv(), encoding="utf-8")
    return load_dataset(folder)


def cents(values) -> list[int]:
    return [round(v * 100) for v in values]


def level(d, lv, **dims):
    f = d.targets[d.targets["level"] == lv]
    for k, v in dims.items():
        f = f[f[k] == v]
    return f.reset_index(drop=True)


# === pure helpers ================================================================================

def test_split_exact_largest_remainder():
    # 100.00 in three equal parts: 3333.33 cents each -> floors 3333 ×3 = 9999, one cent left;
    # equal remainders and weights -> the later part takes it.
    assert split_exact(10000, [1, 1, 1]) == [3333, 3333, 3334]
    # 10 by 1:2:3 -> quotas 1.667, 3.333, 5 -> floors 1, 3, 5 (9), the cent goes to the largest remainder (.667)
    assert split_exact(10, [1, 2, 3]) == [2, 3, 5]
    assert split_exact(0, [0, 0]) == [0, 0]
    assert split_exact(-10000, [1, 1, 1]) == [-3333, -3333, -3334]
    with pytest.raises(ValueError):
        split_exact(5, [0, 0])
    with pytest.raises(ValueError):
        split_exact(5, [1, -1])


def test_to_units_rounds_half_away_from_zero():
    assert to_units(2.675, 100) == 268      # the float 2.675 is read as written, not as 2.67499…
    assert to_units(0.005, 100) == 1
    assert to_units(479.7, 1) == 480
    assert to_units(479.5, 1) == 480
    assert to_units(-0.005, 100) == -1


def test_parse_period():
    assert parse_period("2026") == ("year", [f"2026-{m:02d}" for m in range(1, 13)])
    assert parse_period("2026-Q3") == ("quarter", ["2026-07", "2026-08", "2026-09"])
    assert parse_period(2026)[0] == "year"
    assert parse_period("2026-11") == ("month", ["2026-11"])
    for bad in ("2026-13", "2026Q3", "26", "2026-Q5", ""):
        with pytest.raises(ParameterError):
            parse_period(bad)


def test_compound_adjust_is_monthly_compounding():
    # flat history, no historical growth, +20% target: month k weighs 1.2^(k/12), normalised.
    # Consecutive months differ by 1.2^(1/12) = 1.01531 (not 20%/12 = 1.667% linearly).
    w = compound_adjust([1 / 12] * 12, 0.2, 0.0)
    r = 1.2 ** (1 / 12)
    assert w.sum() == pytest.approx(1)
    assert w[1] / w[0] == pytest.approx(r)
    assert w[11] / w[0] == pytest.approx(1.2 ** (11 / 12))
    assert w[0] == pytest.approx((r - 1) / (r ** 12 - 1))          # 1 / Σ r^k = (r−1)/(r^12−1)
    # the same growth as the history leaves the weights alone
    assert np.allclose(compound_adjust([0.2, 0.3, 0.5], 0.5, 0.5), [0.2, 0.3, 0.5])


# === time =======================================================================================

def test_seasonal_weights_by_hand(ds):
    d = decompose(ds, "gmv", {}, "2026", 10000.01, AS_OF)
    w = d.weights.set_index("month")
    assert d.history == (2024, 2025)
    assert w.loc["2026-01", "y2024"] == pytest.approx(0.08)
    assert w.loc["2026-01", "y2025"] == pytest.approx(0.10)
    expected = [0.09, 0.045] + [0.075] * 8 + [0.165, 0.10]
    assert w["weight"].to_list() == pytest.approx(expected)


def test_year_to_quarters_to_months_exact_in_cents(ds):
    # 10000.01 = 1,000,001 cents × weights: Jan 90000.09, Feb 45000.045, Mar–Oct 75000.075,
    # Nov 165000.165, Dec 100000.1 -> floors add to 1,000,000; the last cent goes to the largest
    # remainder (Nov, .165): Nov = 1650.01.
    d = decompose(ds, "gmv", {}, "2026", 10000.01, AS_OF)
    months = level(d, "month")
    assert cents(months["target"]) == [90000, 45000] + [75000] * 8 + [165001, 100000]
    quarters = level(d, "quarter")
    # Q1 900+450+750 = 2100.00; Q2 = Q3 = 3 × 750 = 2250.00; Q4 750+1650.01+1000 = 3400.01
    assert cents(quarters["target"]) == [210000, 225000, 225000, 340001]
    assert cents(level(d, "year")["target"]) == [1000001]
    assert sum(cents(months["target"])) == sum(cents(quarters["target"])) == 1000001


def test_quarter_goal_uses_within_quarter_shares(ds):
    # Q4 shares: 2024 Oct 75, Nov 180, Dec 100 of 355; 2025 150, 300, 200 of 650.
    # Oct (75/355 + 150/650)/2 = (.211268 + .230769)/2 = .221019
    d = decompose(ds, "gmv", {}, "2026-Q4", 1000, AS_OF)
    w = d.weights["weight"].to_list()
    assert w == pytest.approx([(75 / 355 + 150 / 650) / 2, (180 / 355 + 300 / 650) / 2, (100 / 355 + 200 / 650) / 2])
    assert list(d.targets["level"].unique()) == ["quarter", "month"]
    assert sum(cents(level(d, "month")["target"])) == 100000


def test_uniform_growth_is_the_same_in_every_quarter(ds):
    # One history year (2025): +20% on 2025's 2000 = 2400; each month is 1.2 × its 2025 value,
    # so every quarter is +20% on a year earlier (Q1 540 vs 450), not "+5% a quarter".
    d = decompose(ds, "gmv", {}, "2026", 2400, AS_OF, history_years=1)
    q = d.totals("quarter")
    # Q1 240+120+180, Q2 = Q3 = 3 × 180, Q4 180+360+240
    assert cents(q["target"]) == [54000, 54000, 54000, 78000]
    assert q["vs_last_year"].to_list() == pytest.approx([0.2] * 4)


def test_compound_trend(ds):
    # History grows 2024 -> 2025 by +100%; a target of 4000 is +100% on 2025: weights unchanged.
    same = decompose(ds, "gmv", {}, "2026", 4000, AS_OF, trend="compound")
    flat = decompose(ds, "gmv", {}, "2026", 4000, AS_OF)
    assert same.weights["weight"].to_list() == pytest.approx(flat.weights["weight"].to_list())
    # A target of 2000 is 0% growth: month k is weighted by ((1+0)/(1+1))^(k/12) = 2^(−k/12).
    slow = decompose(ds, "gmv", {}, "2026", 2000, AS_OF, trend="compound")
    base = np.array([0.09, 0.045] + [0.075] * 8 + [0.165, 0.10]) * 2.0 ** (-np.arange(12) / 12)
    assert slow.weights["weight"].to_list() == pytest.approx(list(base / base.sum()))
    assert sum(cents(level(slow, "month")["target"])) == 200000
    assert any(k == "dec.note.compound" for k, _ in slow.notes)


# === dimensions =================================================================================

def test_split_by_channel_history_share(ds):
    d = decompose(ds, "gmv", {}, "2026", 10000.01, AS_OF, dims=["channel"])
    months = level(d, "month")
    assert list(months["channel"][:2]) == ["私域", "直播"]       # larger history first
    jan = months[months["period_bucket"] == "2026-01"].set_index("channel")
    assert cents(jan["target"]) == [63000, 27000]            # 900.00 × .70 / .30
    # Nov 1650.01 × .35 = 577.5035 -> 57750.35 cents, 私域 107250.65: floors 57750 + 107250,
    # the cent to 私域 (.65 > .35)
    nov = months[months["period_bucket"] == "2026-11"].set_index("channel")
    assert cents(nov.loc[["直播", "私域"], "target"]) == [57750, 107251]
    for _, month in months.groupby("period_bucket"):          # Σ channels = month, every month
        assert sum(cents(month["target"])) in (90000, 45000, 75000, 165001, 100000)
    assert sum(cents(months["target"])) == 1000001
    # 直播 over the year: 270 + 135 + 8 × 225 + 577.50 + 300 = 3082.50; 私域 the rest 6917.51
    year = level(d, "year").set_index("channel")
    assert cents(year.loc[["直播", "私域"], "target"]) == [308250, 691751]
    q4 = level(d, "quarter", period_bucket="2026-Q4")
    assert sum(cents(q4["target"])) == 340001


def test_explicit_weights(ds):
    d = decompose(ds, "gmv", {}, "2026-06", 100, AS_OF, dims=["category"],
                  weights={"美妆": 1, "服饰": 1, "食品": 1})
    f = level(d, "month")
    assert list(f["category"]) == ["美妆", "服饰", "食品"]
    assert cents(f["target"]) == [3333, 3333, 3334]           # 100.00 / 3, last takes the cent
    part = decompose(ds, "gmv", {}, "2026-06", 100, AS_OF, dims=["category"], weights={"美妆": 3, "服饰": 1})
    assert cents(level(part, "month")["target"]) == [7500, 2500, 0]
    assert ("dec.note.unweighted", {"values": ["食品"]}) in part.notes
    assert viz_decompose.note_texts(part, "zh") == ["未给权重的食品没有分到目标。"]
    assert viz_decompose.note_texts(part, "en") == ["食品 got no weight and so no target."]


def test_scope_filters_the_history(ds):
    # 直播 only: its own seasonality (2024: 20, 10, 18.75 …, 2025: 70, 35, 52.5 …, Nov 135)
    d = decompose(ds, "gmv", {"channel": "直播"}, "2026-11", 500, AS_OF, dims=["category"])
    assert list(level(d, "month")["category"]) == ["美妆"]
    assert cents(level(d, "month")["target"]) == [50000]


def test_errors(ds):
    with pytest.raises(ParameterError, match="cannot be split into quarters"):
        decompose(ds, "gmv", {}, "2026-11", 100, AS_OF, grain="quarter")
    with pytest.raises(ParameterError, match="cannot be split into years"):
        decompose(ds, "gmv", {}, "2026-Q3", 100, AS_OF, grain="year")
    with pytest.raises(ParameterError, match="unknown category value.*鞋靴"):
        decompose(ds, "gmv", {}, "2026", 100, AS_OF, dims=["category"], weights={"美妆": 1, "鞋靴": 1})
    with pytest.raises(ParameterError, match="exactly one dimension"):
        decompose(ds, "gmv", {}, "2026", 100, AS_OF, dims=["category", "channel"], weights={"美妆": 1})
    with pytest.raises(ParameterError, match="weights must be numbers"):
        decompose(ds, "gmv", {}, "2026", 100, AS_OF, dims=["category"], weights={"美妆": -1})
    with pytest.raises(MetricError, match="distinct"):
        decompose(ds, "repurchase_rate", {}, "2026", 0.2, AS_OF)
    with pytest.raises(MetricError, match="no full calendar year"):
        decompose(ds, "gmv", {}, "2024-Q4", 100, "2024-10-01")
    with pytest.raises(ParameterError, match="target"):
        decompose(ds, "gmv", {}, "2026", "明显提升", AS_OF)
    with pytest.raises(ParameterError, match="trend"):
        decompose(ds, "aov", {}, "2026", 50, AS_OF, trend="compound")
    # a ratio needs its denominator a year earlier (2026 is not over at as_of) or a plan
    with pytest.raises(MetricError, match="denominator_plan"):
        decompose(ds, "aov", {}, "2027", 50, AS_OF)


# === ratios =====================================================================================

def test_aov_recomposes(ds):
    # Denominator: orders in 2025 = 12 × 3 = 36, 3 a month in both years -> 1/12 each -> 3 a month.
    # Numerator: GMV = 50 × 36 = 1800.00 by the GMV weights: Jan 162, Feb 81, Mar–Oct 135,
    # Nov 297, Dec 180. AOV Jan 54, Feb 27, Nov 99; Q4 (135+297+180)/9 = 68; year 50.
    d = decompose(ds, "aov", {}, "2026", 50, AS_OF)
    assert (d.numerator, d.denominator) == ("gmv", "orders")
    m = level(d, "month")
    assert list(m["denominator"]) == [3] * 12
    assert cents(m["numerator"]) == [16200, 8100] + [13500] * 8 + [29700, 18000]
    assert m["target"][[0, 1, 10]].to_list() == pytest.approx([54, 27, 99])
    assert level(d, "quarter")["target"][3] == pytest.approx(68)
    y = level(d, "year").iloc[0]
    assert (y["numerator"], y["denominator"], y["target"]) == (1800, 36, 50)
    # actuals: 2026 Jan–Apr 300 GMV / 3 orders = 100; May to the 20th the same (the 999 is later)
    assert m["actual"][:5].to_list() == [100] * 5 and m["actual"][5:].isna().all()
    assert m["last_year"][0] == pytest.approx(200 / 3)


def test_aov_by_channel_recomposes(ds):
    # Jan: 3 orders -> 直播 1, 私域 2 (order shares 1/3, 2/3); GMV 162 -> 直播 .30 = 48.60, 私域 113.40
    # Nov: GMV 297 -> 直播 .35 = 103.95, 私域 193.05 (2 orders: 96.525)
    d = decompose(ds, "aov", {}, "2026", 50, AS_OF, dims=["channel"])
    m = level(d, "month")
    jan = m[m["period_bucket"] == "2026-01"].set_index("channel")
    assert list(jan.loc[["直播", "私域"], "denominator"]) == [1, 2]
    assert cents(jan.loc[["直播", "私域"], "numerator"]) == [4860, 11340]
    assert jan.loc["直播", "target"] == pytest.approx(48.6)
    nov = m[m["period_bucket"] == "2026-11"].set_index("channel")
    assert nov.loc["私域", "target"] == pytest.approx(96.525)
    for _, month in m.groupby("period_bucket"):
        total = level(d, "month", period_bucket=month["period_bucket"].iloc[0])
        assert month["numerator"].sum() / month["denominator"].sum() == pytest.approx(
            total["numerator"].sum() / total["denominator"].sum())
    assert sum(cents(m["numerator"])) == 180000 and m["denominator"].sum() == 36


def test_conversion_rate_one_history_year_and_rounding(ds):
    # Traffic starts in 2025: one history year (a note says so).
    # Denominator UV 2025 = 39000; numerator orders = .0123 × 39000 = 479.7 -> 480.
    # UV by month: 3000/39000 = 1/13 (Nov 2/13) -> 3000 … 6000; orders 3 a month -> 40 a month.
    # Jan 40/3000 = 1.333%, Nov 40/6000 = 0.667%. Σ orders / Σ UV = 480/39000 = .0123077.
    d = decompose(ds, "conversion_rate", {}, "2026", 0.0123, AS_OF)
    assert d.history == (2025,)
    assert d.notes[0] == ("dec.note.few_years", {"n": 1, "years": [2025], "wanted": 2})
    assert viz_decompose.note_texts(d, "en")[0] == "History covers only 2025: 1 of the 2 full years asked for."
    m = level(d, "month")
    assert list(m["denominator"]) == [3000] * 10 + [6000, 3000]
    assert list(m["numerator"]) == [40] * 12
    y = level(d, "year").iloc[0]
    assert (y["numerator"], y["denominator"]) == (480, 39000)
    assert abs(y["target"] - 0.0123) <= 0.5 / 39000          # exact up to the rounding of one order
    # by channel, Jan: UV 1000 / 2000; orders 40 × 1/3, 2/3 = 13.33, 26.67 -> 13, 27 (largest remainder)
    c = level(decompose(ds, "conversion_rate", {}, "2026", 0.0123, AS_OF, dims=["channel"]), "month")
    jan = c[c["period_bucket"] == "2026-01"].set_index("channel")
    assert list(jan.loc[["直播", "私域"], "numerator"]) == [13, 27]
    assert list(jan.loc[["直播", "私域"], "denominator"]) == [1000, 2000]
    assert c["numerator"].sum() == 480 and c["denominator"].sum() == 39000


def test_denominator_plan_and_derived_numerator(ds):
    d = decompose(ds, "conversion_rate", {}, "2026", 0.0123, AS_OF, denominator_plan=78000)
    y = level(d, "year").iloc[0]
    assert (y["denominator"], y["numerator"]) == (78000, 959)   # .0123 × 78000 = 959.4
    # return rate: no returns in history, so the numerator follows the denominator's weights;
    # 10% of 36 orders = 3.6 -> 4 returned orders, all parts add up
    r = decompose(ds, "return_rate", {}, "2026", 0.1, AS_OF)
    m = level(r, "month")
    assert (m["numerator"].sum(), m["denominator"].sum()) == (4, 36)
    assert level(r, "year")["target"][0] == pytest.approx(4 / 36)


# === tracking columns ============================================================================

def test_phase_actual_and_last_year(ds):
    d = decompose(ds, "gmv", {}, "2026", 3000, AS_OF)
    m = level(d, "month")
    assert list(m["phase"][:6]) == ["done"] * 4 + ["in_progress", "ahead"]
    assert m["actual"][:5].to_list() == [300] * 5                # May: the 999 on 05-25 is after as_of
    assert m["actual"][5:].isna().all()
    assert m["last_year"].to_list() == pytest.approx(TOTALS[2025])
    q = level(d, "quarter")
    assert list(q["phase"]) == ["done", "in_progress", "ahead", "ahead"]
    assert q["actual"][:2].to_list() == [900, 600] and q["actual"][2:].isna().all()
    assert level(d, "year")["actual"][0] == 1500


def test_category_orders_note(ds):
    d = decompose(ds, "aov", {}, "2026", 50, AS_OF, dims=["category"])
    assert ("dec.note.category_orders", {}) in d.notes


# === versioned targets files =====================================================================

def test_write_versions_and_latest(ds, tmp_path):
    plan = tmp_path / "plan"
    assert latest_targets(plan, "G01") is None
    first = decompose(ds, "gmv", {}, "2026", 10000.01, AS_OF)
    second = decompose(ds, "gmv", {}, "2026", 12000, AS_OF, dims=["channel"])
    p1 = write_targets(plan, "G01", first)
    before = p1.read_text(encoding="utf-8")
    p2 = write_targets(plan, "G01", second)
    assert (p1.name, p2.name) == ("G01.v1.csv", "G01.v2.csv")
    assert p1.parent == plan / "targets"
    assert p1.read_text(encoding="utf-8") == before          # never overwritten
    assert target_versions(plan, "G01") == [p1, p2]
    latest = latest_targets(plan, "G01")
    assert (latest.attrs["path"], latest.attrs["version"]) == (str(p2), 2)
    assert set(latest["channel"]) == {"直播", "私域"}
    assert latest[latest["level"] == "year"]["period_bucket"].to_list() == ["2026"] * 2   # text, not 2026
    assert sum(cents(latest[latest["level"] == "month"]["target"])) == 1200000
    v1 = read_targets(p1)
    assert list(v1.columns[:6]) == ["goal_id", "metric", "scope", "period", "planned_on", "level"]
    assert sum(cents(v1[v1["level"] == "month"]["target"])) == 1000001
    assert not list((plan / "targets").glob(".*"))           # no temporary file left behind
    with pytest.raises(ParameterError):
        write_targets(plan, "../G01", first)


def test_ratio_file_keeps_numerator_and_denominator(ds, tmp_path):
    path = write_targets(tmp_path, "G08", decompose(ds, "conversion_rate", {"channel": "直播"}, "2026", 0.02, AS_OF))
    f = read_targets(path)
    assert f["numerator_metric"].unique().tolist() == ["orders"]
    assert f["denominator_metric"].unique().tolist() == ["uv"]
    assert f["scope"].iloc[0] == "channel=直播"


# === words, tables, chart ========================================================================

def test_finding_zh_en(ds):
    # 3000: Nov .165 × 3000 = 495 (16.5%), Feb .045 × 3000 = 135 (4.5%); 2025 was 2000 -> +50.0%;
    # 私域 = 3000 × (1 − (.30 × .835 + .35 × .165)) = 3000 × .69175 = 2075.25 (69.2%)
    d = decompose(ds, "gmv", {}, "2026", 3000, AS_OF, dims=["channel"])
    assert viz_decompose.finding(d, "zh") == (
        "2026年全年GMV(商品交易总额)目标¥3,000按季节权重分解：11月最高（¥495，占16.5%），2月最低（¥135，占4.5%），"
        "较去年同期+50.0%；按渠道，私域最大（¥2,075，占69.2%）。")
    assert viz_decompose.finding(d, "en") == (
        "The full-year 2026 GMV target of ¥3.00K follows the seasonal weights: November is the highest "
        "(¥495, 16.5%) and February the lowest (¥135, 4.5%), +50.0% on a year earlier; by channel, 私域 is "
        "the largest (¥2.08K, 69.2%).")


def test_finding_ratio_and_single_bucket(ds):
    d = decompose(ds, "aov", {}, "2026", 50, AS_OF)
    assert viz_decompose.finding(d, "zh") == (
        "2026年全年平均订单金额(AOV)目标¥50.00：订单数计划36，GMV(商品交易总额)目标¥1,800；"
        "各月目标在¥27.00（2月）至¥99.00（11月）之间。")
    # English money from 1,000 up is written in K: ¥1.80K
    assert viz_decompose.finding(d, "en") == (
        "The full-year 2026 average order value target of ¥50.00 rests on 36 orders and ¥1.80K GMV; "
        "monthly targets range from ¥27.00 (February) to ¥99.00 (November).")
    # one month: 2025-06 was 150 -> 180 is +20.0%
    one = decompose(ds, "gmv", {}, "2026-06", 180, AS_OF)
    assert viz_decompose.finding(one, "zh") == "2026年6月GMV(商品交易总额)目标¥180，较去年同期+20.0%。"


def test_tables(ds):
    d = decompose(ds, "gmv", {}, "2026", 3000, AS_OF, dims=["channel"])
    t = viz_decompose.targets_table(d, "zh")
    # months with their quarter after them, the year last: 12 + 4 + 1 rows
    assert t["期间"].to_list()[:4] == ["2026年1月", "2026年2月", "2026年3月", "2026年第1季度"]
    assert t["期间"].to_list()[-1] == "2026年" and len(t) == 17
    assert t["状态"].to_list()[:2] == ["已结束", "已结束"]
    assert t.iloc[-1]["占全期"] == "100.0%"
    wide = viz_decompose.dims_table(d, "en")
    assert wide.columns.to_list()[0] == "Channel" and wide.columns.to_list()[-1] == "Total"
    assert wide["Channel"].to_list() == ["私域", "直播", "Total"]
    # channel × category: each dimension's table sums the joint parts (直播 is exactly 美妆 here)
    both = decompose(ds, "gmv", {}, "2026", 3000, AS_OF, dims=["channel", "category"])
    by_channel = viz_decompose.dims_table(both, "zh", ["channel"])
    assert by_channel.iloc[:, 1:].values.tolist() == viz_decompose.dims_table(d, "zh").iloc[:, 1:].values.tolist()
    by_category = viz_decompose.dims_table(both, "zh", ["category"]).set_index("品类")
    assert by_category.loc["美妆"].to_list() == by_channel.set_index("渠道").loc["直播"].to_list()
    assert len(viz_decompose.dims_table(both, "zh")) == 4      # 3 joint parts + total
    w = viz_decompose.weights_table(d, "zh")
    assert w.loc[0].to_list() == ["1月", "8.0%", "10.0%", "9.0%"]
    assert viz_decompose.dims_table(decompose(ds, "gmv", {}, "2026", 3000, AS_OF), "zh") is None


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("metric,target,dims,period", [("gmv", 3000, ["channel"], "2026"),
                                                       ("conversion_rate", 0.0123, [], "2026"),
                                                       ("gmv", 300, ["category"], "2026-06")])
def test_chart_renders(ds, lang, metric, target, dims, period):
    style.apply(lang)
    fig = viz_decompose.monthly_chart(decompose(ds, metric, {}, period, target, AS_OF, dims=dims), lang)
    fig.savefig(io.BytesIO(), format="png")          # glyph warnings are errors (pyproject)
    assert fig.axes[0].get_title(loc="left")


def test_show_renders_escaped_html(ds):
    style.apply("zh")
    captured = []
    d = decompose(ds, "gmv", {}, "2026", 3000, AS_OF, dims=["channel"])
    with mock.patch.object(display, "_display", captured.append):
        viz_decompose.show(d, "zh", title="G01 <全年GMV>")
    text = "\n".join(str(getattr(o, "data", o)) for o in captured)
    assert "### 目标分解：G01 &lt;全年GMV&gt;" in text      # Markdown heading: shown as the literal <全年GMV>, not a tag
    assert "按季节权重分解" in text and "<img" in text and "口径" in text
    assert "最大余数法" in text
    assert i18n.t("dec.table.dims", "zh", dims="渠道") in text


def test_sample_gmv_goal_adds_up(sample_dir, tmp_path):
    ds = load_dataset(sample_dir)
    d = decompose(ds, "gmv", {}, "2026", 2.0e8, "2026-08-15", dims=["channel"])
    m = level(d, "month")
    assert sum(cents(m["target"])) == sum(cents(level(d, "quarter")["target"])) == 20_000_000_000
    assert Path(write_targets(tmp_path, "G01", d)).name == "G01.v1.csv"
