"""Every metric against values worked out by hand on tests/fixtures/data/small.

The fixture (12 order rows) has: an order with two lines (A1, one line returned), a second
two-line order (A8) in two categories, two guest orders (A3, A7), returns written as
true / yes / 1, an empty `returned` cell, a traffic row without sessions, and spend on
days without orders. The hand calculations are in the comments.
"""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from attain.data import load_dataset
from attain.errors import MetricError
from attain.metrics import METRICS, compute, parse_where

SMALL = "tests/fixtures/data/small"


@pytest.fixture(scope="module")
def ds():
    return load_dataset(SMALL)


def total(ds, metric, **kw):
    frame = compute(ds, [metric], **kw)
    assert len(frame) == 1
    return frame[metric].iloc[0]


# Whole fixture, by hand:
# gmv = 100+50.5+200+30.25+80+300+60+19.75+120+40+70+10 = 1080.5
# returned rows: A1 line 50.5, A5 300, A9 70  -> returned_gmv 420.5, returned orders 3
# rows with a customer: 1080.5 - 30.25 - 19.75 = 1030.5
# cost of rows not returned: 40+120+10+30+20+5+60+15+4 = 304
# buyers c1 (A1,A4) c2 (A2,A6) c3 (A5,A10) c4 (A8,A9): all four have two orders
# traffic: uv 3900, pv 13700, sessions 4050 (one row empty), bounces 1000;
#          bounce base = 4050 + 400 (uv of the row without sessions) = 4450
# spend 1350, impressions 270000, clicks 5600
EXPECTED_TOTALS = {
    "gmv": 1080.5, "returned_gmv": 420.5, "net_sales": 660.0, "orders": 10, "buyers": 4,
    "new_buyers": 4, "aov": 108.05, "gmv_per_buyer": 1030.5 / 4, "return_rate": 0.3,
    "repurchase_rate": 1.0, "uv": 3900, "pv": 13700, "sessions": 4050, "bounces": 1000,
    "bounce_rate": 1000 / 4450, "conversion_rate": 10 / 3900, "spend": 1350.0,
    "impressions": 270000, "clicks": 5600, "ctr": 5600 / 270000, "cpc": 1350 / 5600,
    "cac": 1350 / 4, "cpa": 135.0, "roas": 1080.5 / 1350, "gross_margin": (660 - 304) / 660,
    "roi": (660 - 304 - 1350) / 1350,
}


def test_every_metric_has_a_hand_value():
    assert set(EXPECTED_TOTALS) == set(METRICS)


@pytest.mark.parametrize("metric", sorted(EXPECTED_TOTALS))
def test_totals(ds, metric):
    assert total(ds, metric) == pytest.approx(EXPECTED_TOTALS[metric], rel=1e-12)


def test_counts_are_integers(ds):
    frame = compute(ds, ["orders", "buyers", "uv"], grain="month")
    assert all(pd.api.types.is_integer_dtype(frame[c]) for c in ("orders", "buyers", "uv"))


def test_by_month(ds):
    frame = compute(ds, ["gmv", "orders", "buyers", "new_buyers", "repurchase_rate", "return_rate"],
                    grain="month").set_index("month")
    # January: A1 (150.5) A2 (200) A3 (30.25) A4 (80); c1 ordered twice (A1, A4), c2 once
    # February: A5 300, A6 60, A7 19.75; c3 and c2 once each; March: nothing
    # April: A8 160, A9 70, A10 10; c4 twice (A8, A9), c3 once
    assert list(frame.index) == ["2026-01", "2026-02", "2026-04"]
    assert frame["gmv"].tolist() == pytest.approx([460.75, 379.75, 240.0])
    assert frame["orders"].tolist() == [4, 3, 3]
    assert frame["buyers"].tolist() == [2, 2, 2]
    assert frame["new_buyers"].tolist() == [2, 1, 1]          # c1 c2 | c3 | c4
    assert frame["repurchase_rate"].tolist() == pytest.approx([0.5, 0.0, 0.5])
    assert frame["return_rate"].tolist() == pytest.approx([1 / 4, 1 / 3, 1 / 3])


def test_grain_labels(ds):
    assert compute(ds, ["orders"], grain="quarter")["quarter"].tolist() == ["2026-Q1", "2026-Q2"]
    assert compute(ds, ["orders"], grain="year")["year"].tolist() == ["2026"]
    days = compute(ds, ["orders"], grain="day")
    assert days["day"].iloc[0] == "2026-01-05" and len(days) == 10   # 10 orders on 10 different days
    weeks = compute(ds, ["gmv", "orders"], grain="week").set_index("week")
    # ISO weeks: 2026-01-05 is the Monday of W02; 02-14 (Sat) and 02-15 (Sun) are both W07
    assert weeks.loc["2026-W02", "gmv"] == pytest.approx(350.5)
    assert weeks.loc["2026-W07", "orders"] == 2


def test_order_lines_in_several_categories(ds):
    frame = compute(ds, ["gmv", "orders", "aov", "new_buyers"], by=["category"]).set_index("category")
    # orders containing the category: 美妆 A1 A4 A6 A8 A9; 服饰 A1 A2 A8; 食品 A3 A7 A10; 3C数码 A5
    assert frame["orders"].to_dict() == {"3C数码": 1, "服饰": 3, "美妆": 5, "食品": 3}
    assert frame.loc["美妆", "gmv"] == pytest.approx(350.0)
    assert frame.loc["服饰", "aov"] == pytest.approx(370.5 / 3)
    # a new buyer's category is the largest line of the first order:
    # c1 -> A1 美妆 (100 > 50.5); c2 -> 服饰; c3 -> 3C数码; c4 -> A8 服饰 (120 > 40)
    assert frame["new_buyers"].to_dict() == {"3C数码": 1, "服饰": 2, "美妆": 1, "食品": 0}


def test_cross_table_metrics_by_channel(ds):
    frame = compute(ds, ["roas", "cac", "conversion_rate"], by=["channel"]).set_index("channel")
    # 直播: gmv 150.5+30.25+300+60+160 = 700.75, spend 500+400+300 = 1200, new buyers c1 c3 c4
    # 私域: gmv 200+80+19.75+70+10 = 379.75, spend 150, new buyer c2; uv 直播 2700, 私域 1200
    assert frame.loc["直播", "roas"] == pytest.approx(700.75 / 1200)
    assert frame.loc["直播", "cac"] == pytest.approx(400.0)
    assert frame.loc["私域", "cac"] == pytest.approx(150.0)
    assert frame.loc["私域", "conversion_rate"] == pytest.approx(5 / 1200)


def test_ratio_with_zero_denominator_is_missing(ds):
    frame = compute(ds, ["cac"], grain="quarter", by=["channel"]).set_index(["quarter", "channel"])
    # Q2 私域: spend 50 but no new buyer (c3's first order was in February)
    assert math.isnan(frame.loc[("2026-Q2", "私域"), "cac"])


def test_date_range_and_filters(ds):
    # 2026-01-06..2026-04-01 includes A8 placed 04-01 08:00 (the end day is inclusive)
    assert total(ds, "gmv", start="2026-01-06", end="2026-04-01") == pytest.approx(
        200 + 30.25 + 80 + 300 + 60 + 19.75 + 160)
    assert total(ds, "orders", where={"channel": "直播"}) == 5
    assert total(ds, "gmv", where={"channel": ["直播", "私域"], "region": "一线城市"}) == pytest.approx(460.5)
    # new buyers keep the first order of the whole data: from February only c3 and c4 are new
    assert total(ds, "new_buyers", start="2026-02-01") == 2
    assert total(ds, "new_buyers", where={"channel": "私域"}) == 1



def test_first_orders_are_worked_out_once_from_the_whole_data():
    ds = load_dataset(SMALL)              # its own data set: the kept table belongs to it
    # asked first for a window: the kept first orders must still come from the whole data
    assert total(ds, "new_buyers", start="2026-02-01") == 2        # c3, c4 (as above)
    kept = ds.derived["first_orders"]
    assert total(ds, "new_buyers") == 4                             # c1..c4
    assert ds.derived["first_orders"] is kept                       # not worked out again
    rows = ds.con.execute("SELECT customer_id FROM _attain_first_orders ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == ["c1", "c2", "c3", "c4"]         # one row per buyer, no guests

def test_parse_where():
    assert parse_where(["channel=直播,KOL", "region=一线城市"]) == {
        "channel": ["直播", "KOL"], "region": ["一线城市"]}
    with pytest.raises(MetricError):
        parse_where(["channel"])


@pytest.mark.parametrize("kwargs, words", [
    ({"metrics": ["roas"], "by": ["category"]}, "spend"),
    ({"metrics": ["uv"], "by": ["region"]}, "traffic"),
    ({"metrics": ["conversion_rate"], "where": {"category": "美妆"}}, "category"),
    ({"metrics": ["no_such_metric"]}, "unknown metric"),
    ({"metrics": ["gmv"], "by": ["colour"]}, "unknown dimension"),
    ({"metrics": ["gmv"], "grain": "fortnight"}, "unknown time grain"),
    ({"metrics": ["gmv"], "start": "2026-05-01", "end": "2026-01-01"}, "after it ends"),
    ({"metrics": ["gmv"], "start": "1/5/2026"}, "not a date"),
])
def test_impossible_requests_are_errors(ds, kwargs, words):
    metrics = kwargs.pop("metrics")
    with pytest.raises(MetricError, match=words):
        compute(ds, metrics, **kwargs)


def test_metric_needing_an_absent_column(tmp_path):
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,order_date,gmv\nX1,c1,2026-01-01,10\nX2,,2026-01-02,5\n", encoding="utf-8")
    ds = load_dataset(tmp_path)
    with pytest.raises(MetricError, match="cost"):
        compute(ds, ["gross_margin"])
    with pytest.raises(MetricError, match="spend table"):
        compute(ds, ["roas"])
    # optional dimensions default to "unknown"
    assert compute(ds, ["gmv"], by=["channel"])["channel"].tolist() == ["unknown"]


def test_parquet_gives_the_same_numbers(tmp_path, ds):
    import duckdb
    for name in ("orders", "traffic", "spend"):
        duckdb.sql(f"COPY (SELECT * FROM '{SMALL}/{name}.csv') TO '{tmp_path / name}.parquet' (FORMAT parquet)")
    other = load_dataset(tmp_path)
    cols = ["gmv", "orders", "buyers", "new_buyers", "return_rate", "bounce_rate", "roas"]
    pd.testing.assert_frame_equal(compute(other, cols, grain="month"), compute(ds, cols, grain="month"))


def test_dictionary_is_complete():
    for m in METRICS.values():
        assert m.zh and m.en and m.definition_zh and m.definition_en
        assert m.direction in ("higher", "lower")


def test_lower_is_better_metrics():
    lower = {m.id for m in METRICS.values() if m.direction == "lower"}
    assert {"cac", "cpa", "return_rate", "bounce_rate"} <= lower
    assert not {"gmv", "roas", "conversion_rate", "repurchase_rate"} & lower


def test_copy_of_fixture_is_independent(tmp_path):
    shutil.copytree(SMALL, tmp_path / "d")
    assert total(load_dataset(tmp_path / "d"), "gmv") == pytest.approx(1080.5)


def test_money_totals_drop_summation_noise_but_keep_real_decimals():
    """A parallel sum of floats differs in its last bits between runs; totals are rounded to 4 decimals, which
    removes that noise (1e-7 here) but keeps a real third decimal (price × quantity)."""
    from attain.metrics import _merge
    noisy = pd.DataFrame({"month": ["2026-01", "2026-02"], "gmv": [166725166.6400004, 9471.145],
                          "orders": [3, 4]})
    out = _merge([noisy], ["month"])
    assert list(out["gmv"]) == [166725166.64, 9471.145] and list(out["orders"]) == [3, 4]
