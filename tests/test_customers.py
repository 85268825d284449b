"""Customers section on a hand-made folder; every expected value is worked out by hand below.

Nine buyers (cust-01..cust-09) and guest orders (empty customer_id). cust-08 and cust-09 first
bought in 2025; the other seven are new in 2026-01..2026-04. The ids contain "-", which base64
never does, so a search of the rendered HTML (with inline PNGs) for "cust-" is meaningful.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

import matplotlib as mpl
import pandas as pd
import pytest

from attain import customers, display, style, viz_customers
from attain.customers import RFM
from attain.data import load_dataset
from attain.errors import ParameterError
from attain.metrics import compute

HEADER = "order_id,customer_id,order_date,gmv,channel,category,region,returned,cost"
ROWS = """\
X1,cust-08,2025-01-01 09:00:00,90,直播,美妆,一线城市,false,30
X2,cust-08,2025-02-11,60,直播,美妆,一线城市,false,20
X3,cust-09,2025-03-20,30,私域,食品,二线城市,false,10
X4,cust-09,2025-04-12,20,私域,食品,二线城市,false,8
X5,cust-09,2025-06-18,25,私域,食品,二线城市,false,8
O1,cust-01,2026-01-05,100,直播,美妆,一线城市,false,40
O2,cust-02,2026-01-08,200,私域,服饰,二线城市,false,90
G1,,2026-01-12,15,直播,食品,三线城市,false,5
O3,cust-03,2026-01-20,40,直播,食品,三线城市,false,15
O4,cust-02,2026-01-25 18:30:00,100,私域,服饰,二线城市,false,45
O5,cust-01,2026-02-10,50,直播,美妆,一线城市,false,20
O6,cust-04,2026-02-02,200,KOL,3C数码,新一线城市,false,150
O6,cust-04,2026-02-02,100,KOL,家居,新一线城市,false,60
O7,cust-05,2026-02-14,40,直播,美妆,二线城市,false,15
O6b,cust-08,2026-02-20,45,私域,美妆,一线城市,false,15
O8,cust-02,2026-03-03,60,私域,服饰,二线城市,false,25
O9b,cust-09,2026-03-05,40,私域,食品,二线城市,false,12
G2,,2026-03-09,25,直播,食品,三线城市,false,8
O9,cust-01,2026-03-15,80,直播,美妆,一线城市,false,30
O10,cust-06,2026-03-28,500,KOL,3C数码,一线城市,false,400
O11,cust-06,2026-03-29,100,KOL,家居,一线城市,false,50
G3,,2026-04-02,35,直播,食品,三线城市,false,10
O12,cust-04,2026-04-10,30,KOL,家居,新一线城市,true,12
O13,cust-01,2026-04-20 21:15:00,70,直播,美妆,一线城市,false,25
O14,cust-07,2026-04-25,10,直播,食品,四线及以下,false,4
G4,,2026-04-30 12:00:00,5,私域,食品,三线城市,false,2
"""
# First orders: cust-08 2025-01, cust-09 2025-03, cust-01/02/03 2026-01, cust-04/05 2026-02,
# cust-06 2026-03, cust-07 2026-04.
IDS = [f"cust-0{i}" for i in range(1, 10)]


def write(folder, rows: str, header: str = HEADER):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text(header + "\n" + rows, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return load_dataset(write(tmp_path_factory.mktemp("cust") / "data", ROWS))


@pytest.fixture(scope="module")
def res(ds):
    # as_of 2026-04-30 is a month end: window = 2026-01..2026-04, no partial month
    return customers.analyse(ds, "2026-04-30", 4, min_group=1)   # 9 buyers: small groups shown here


@pytest.fixture(scope="module")
def res_mid(ds):
    # as_of 2026-04-15: window = 2026-01..2026-03, April is the partial month
    return customers.analyse(ds, "2026-04-15", 3, min_group=1)


def months(frame, col):
    return frame.set_index("month")[col].to_dict()


# --- 1. new vs returning ------------------------------------------------------------------------

def test_new_and_returning_buyers_by_month(res):
    m = res.monthly
    # Jan: buyers 01 02 03, all first orders -> 3 new, 0 returning
    # Feb: 01 (returning), 04 05 (new), 08 (returning, first 2025-01) -> 4 buyers, 2 new, 2 returning
    # Mar: 01 02 (returning), 06 (new), 09 (returning, first 2025-03) -> 4, 1, 3
    # Apr: 01 04 (returning), 07 (new) -> 3, 1, 2
    assert list(m["month"]) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert not m["partial"].any()
    assert months(m, "buyers") == {"2026-01": 3, "2026-02": 4, "2026-03": 4, "2026-04": 3}
    assert months(m, "new_buyers") == {"2026-01": 3, "2026-02": 2, "2026-03": 1, "2026-04": 1}
    assert months(m, "returning_buyers") == {"2026-01": 0, "2026-02": 2, "2026-03": 3, "2026-04": 2}
    assert months(m, "new_share") == pytest.approx({"2026-01": 1.0, "2026-02": 0.5, "2026-03": 0.25,
                                                    "2026-04": 1 / 3})


def test_gmv_split_by_first_order_month_and_guests(res):
    m = res.monthly
    # Jan new: O1 100 + O2 200 + O3 40 + O4 100 = 440; guest G1 15
    # Feb new: O6 300 + O7 40 = 340; returning: O5 50 + O6b 45 = 95
    # Mar new: O10 500 + O11 100 = 600; returning: O8 60 + O9b 40 + O9 80 = 180; guest G2 25
    # Apr new: O14 10; returning: O12 30 (returned, still GMV) + O13 70 = 100; guests G3 35 + G4 5 = 40
    assert months(m, "new_gmv") == pytest.approx({"2026-01": 440, "2026-02": 340, "2026-03": 600, "2026-04": 10})
    assert months(m, "returning_gmv") == pytest.approx({"2026-01": 0, "2026-02": 95, "2026-03": 180,
                                                        "2026-04": 100})
    assert months(m, "guest_gmv") == pytest.approx({"2026-01": 15, "2026-02": 0, "2026-03": 25, "2026-04": 40})


def test_same_definitions_as_the_metric_dictionary(ds, res):
    """Buyers/new buyers are the metrics; the three GMV parts add up to the gmv metric."""
    ref = compute(ds, ["buyers", "new_buyers", "gmv"], grain="month", start="2026-01-01", end="2026-04-30")
    m = res.monthly.set_index("month")
    assert m["buyers"].tolist() == ref["buyers"].tolist()
    assert m["new_buyers"].tolist() == ref["new_buyers"].tolist()
    parts = m["new_gmv"] + m["returning_gmv"] + m["guest_gmv"]
    assert parts.tolist() == pytest.approx(ref["gmv"].tolist())


def test_partial_month_is_flagged(res_mid):
    m = res_mid.monthly
    assert list(m["month"]) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert m["partial"].tolist() == [False, False, False, True]
    # Apr 1-15: O12 (cust-04, returning, 30) and guest G3 35
    apr = m.set_index("month").loc["2026-04"]
    assert (apr["buyers"], apr["new_buyers"], apr["returning_buyers"]) == (1, 0, 1)
    assert (apr["returning_gmv"], apr["guest_gmv"]) == (30, 35)


def test_months_before_the_data_are_unknown_not_zero(tmp_path):
    # data start on 2026-02-03: January is not covered, February only partly (so unknown too)
    ds = load_dataset(write(tmp_path, "A1,k-1,2026-02-03,10,直播,美妆,一线城市,false,1\n"
                                      "A2,k-1,2026-03-31,20,直播,美妆,一线城市,false,1\n"))
    m = customers.analyse(ds, "2026-03-31", 3).monthly.set_index("month")
    assert m.loc[["2026-01", "2026-02"], "buyers"].isna().all()
    assert m.loc["2026-03", "buyers"] == 1 and m.loc["2026-03", "returning_buyers"] == 1


def test_trailing_new_share(res, res_mid):
    # last 12 full months 2025-05..2026-04: buyers cust-01..09 = 9 (cust-08 O6b, cust-09 X5/O9b);
    # new = first order inside: cust-01..07 = 7 -> 7/9
    assert res.trailing == {"first": "2025-05", "last": "2026-04", "buyers": 9, "new_buyers": 7,
                            "new_share": pytest.approx(7 / 9)}
    # as_of 2026-04-15: 2025-04..2026-03; buyers 01-06, 08, 09 = 8; new 01-06 = 6
    assert (res_mid.trailing["buyers"], res_mid.trailing["new_buyers"]) == (8, 6)


def test_trailing_share_is_withheld_when_the_data_start_inside_it(tmp_path):
    # every buyer of the data's first month would count as new: no share
    ds = load_dataset(write(tmp_path, "A1,k-1,2026-01-01,10,直播,美妆,一线城市,false,1\n"
                                      "A2,k-2,2026-03-31,20,直播,美妆,一线城市,false,1\n"))
    r = customers.analyse(ds, "2026-03-31", 3)
    assert r.trailing is None
    assert "新客占买家" not in customers.finding(r, "zh")


# --- 2. repurchase -----------------------------------------------------------------------------

def test_repurchase_by_quarter_with_like_for_like_partial_quarter(res):
    q = res.quarterly.set_index("quarter")
    assert list(q.index) == ["2026-Q1", "2026-Q2"]
    # 2026-Q1 buyers: 01 (O1 O5 O9), 02 (O2 O4 O8), 03, 04 (O6), 05, 06 (O10 O11), 08, 09 -> 8 buyers,
    # 3 with >= 2 orders -> 37.5%; 2025-Q1: 08 (X1 X2) and 09 (X3) -> 1/2 = 50% -> -12.5 pp
    assert (q.loc["2026-Q1", "buyers"], q.loc["2026-Q1", "partial"]) == (8, False)
    assert q.loc["2026-Q1", "repurchase_rate"] == pytest.approx(0.375)
    assert q.loc["2026-Q1", "base_rate"] == pytest.approx(0.5)
    assert q.loc["2026-Q1", "change"] == pytest.approx(-0.125)
    # 2026-Q2 to Apr 30: 01, 04, 07 once each -> 0%. Base: 2025-04-01..2025-04-30 -> cust-09 once (X4)
    # -> 0%. (The whole 2025-Q2 would be 100%: X4 and X5 -- so this proves the like-for-like days.)
    assert bool(q.loc["2026-Q2", "partial"]) is True
    assert q.loc["2026-Q2", "buyers"] == 3
    assert q.loc["2026-Q2", "repurchase_rate"] == 0.0
    assert q.loc["2026-Q2", "base_rate"] == 0.0


def test_a_quarter_the_data_only_partly_cover_is_left_out(tmp_path):
    ds = load_dataset(write(tmp_path, "A1,k-1,2026-01-05,10,直播,美妆,一线城市,false,1\n"
                                      "A2,k-1,2026-04-30,20,直播,美妆,一线城市,false,1\n"))
    q = customers.analyse(ds, "2026-04-30", 4).quarterly
    assert q["quarter"].tolist() == ["2026-Q2"]       # Q1 starts before the data (Jan 5)
    assert q["base_rate"].isna().all()


# --- 3. cohorts ----------------------------------------------------------------------------------

def cohort_matrix(r) -> dict:
    return {(c, k): v for c, k, v in r.cohorts[["cohort", "offset", "retention"]].itertuples(index=False)}


def test_cohort_retention(res):
    # cohorts inside the window (2025 buyers 08 and 09 are not in any):
    # 2026-01 = {01, 02, 03}: Feb {01} 1/3, Mar {01, 02} 2/3, Apr {01} 1/3
    # 2026-02 = {04, 05}: Mar nobody 0, Apr {04} 1/2
    # 2026-03 = {06}: Apr nobody 0;   2026-04 = {07}: only offset 0
    assert cohort_matrix(res) == pytest.approx({
        ("2026-01", 0): 1.0, ("2026-01", 1): 1 / 3, ("2026-01", 2): 2 / 3, ("2026-01", 3): 1 / 3,
        ("2026-02", 0): 1.0, ("2026-02", 1): 0.0, ("2026-02", 2): 0.5,
        ("2026-03", 0): 1.0, ("2026-03", 1): 0.0,
        ("2026-04", 0): 1.0})
    sizes = res.cohorts.drop_duplicates("cohort").set_index("cohort")["size"].to_dict()
    assert sizes == {"2026-01": 3, "2026-02": 2, "2026-03": 1, "2026-04": 1}


def test_cohorts_stop_at_the_last_complete_month(res_mid):
    # as_of 2026-04-15: April is not complete, so no cohort 2026-04 and no offset landing in April
    assert cohort_matrix(res_mid) == pytest.approx({
        ("2026-01", 0): 1.0, ("2026-01", 1): 1 / 3, ("2026-01", 2): 2 / 3,
        ("2026-02", 0): 1.0, ("2026-02", 1): 0.0,
        ("2026-03", 0): 1.0})


# --- 4. RFM --------------------------------------------------------------------------------------

def test_tier_thresholds_live_in_one_place():
    assert [RFM.tier(s) for s in (15, 12, 11, 8, 7, 3)] == ["high", "high", "potential", "potential", "low", "low"]
    assert [RFM.range_of(t) for t in customers.TIERS] == [(12, 15), (8, 11), (3, 7)]


def test_rfm_scores_by_hand(ds):
    """Per-buyer scores (the test reads the engine expression; the report never does).

    Scope 2025-05-01..2026-04-30; 9 buyers -> ntile(5) buckets by position 0-1, 2-3, 4-5, 6-7, 8.
    recency (days to Apr 30): 07 5, 01 10, 04 20, 06 32, 09 56, 02 58, 08 69, 05 75, 03 100
      R, oldest first: 03 1, 05 1, 08 2, 02 2, 09 3, 06 3, 04 4, 01 4, 07 5
    frequency: 03 05 07 08 = 1 (positions 0-3 -> ntile 1,1,2,2 -> tie shares the lower: 1),
      04 06 09 = 2 (X5 + O9b for 09; positions 4-6 -> 3,3,4 -> 3), 02 = 3 (-> 4), 01 = 4 (-> 5)
    monetary: 07 10 (1); 03 40, 05 40 (positions 1-2 -> 1,2 -> both 1); 08 45 (2); 09 65 (3);
      01 300 (3); 04 330 incl. the returned 30 (4); 02 360 (4); 06 600 (5)
    sums: 01 4+5+3=12 high | 02 2+4+4=10, 04 4+3+4=11, 06 3+3+5=11, 09 3+3+3=9 potential |
          03 3, 05 3, 07 5+1+1=7, 08 2+1+2=5 low
    """
    b = customers._buyer_scores(ds, dt.date(2026, 4, 30)).execute().set_index("buyer").sort_index()
    assert b["recency"].to_dict() == dict(zip(IDS, [10, 58, 100, 20, 75, 32, 5, 69, 56]))
    assert b["frequency"].tolist() == [4, 3, 1, 2, 1, 2, 1, 1, 2]
    assert b["monetary"].tolist() == pytest.approx([300, 360, 40, 330, 40, 600, 10, 45, 65])
    assert b["r_score"].tolist() == [4, 2, 1, 4, 1, 3, 5, 2, 3]
    assert b["f_score"].tolist() == [5, 4, 1, 3, 1, 3, 1, 1, 3]
    assert b["m_score"].tolist() == [3, 4, 1, 4, 1, 5, 1, 2, 3]
    assert b["rfm"].tolist() == [12, 10, 3, 11, 3, 11, 7, 5, 9]
    assert b["tier"].tolist() == ["high", "potential", "low", "potential", "low", "potential", "low", "low",
                                  "potential"]


def test_rfm_tiers(res):
    t = res.rfm.set_index("tier")
    assert list(t.index) == ["high", "potential", "low"]
    assert t["buyers"].tolist() == [1, 4, 4]
    assert t["buyer_share"].tolist() == pytest.approx([1 / 9, 4 / 9, 4 / 9])
    # GMV 300 | 360+330+600+65 = 1355 | 40+40+10+45 = 135; total 1790 (guests excluded)
    assert t["gmv"].tolist() == pytest.approx([300, 1355, 135])
    assert t["gmv_share"].tolist() == pytest.approx([300 / 1790, 1355 / 1790, 135 / 1790])
    # medians: recency high 10; potential 20 32 56 58 -> 44; low 5 69 75 100 -> 72
    assert t["median_recency"].tolist() == pytest.approx([10, 44, 72])
    assert t["median_frequency"].tolist() == pytest.approx([4, 2, 1])
    assert t["gmv_per_buyer"].tolist() == pytest.approx([300, 338.75, 33.75])
    assert res.rfm_start == dt.date(2025, 5, 1)


def test_rfm_note_prints_the_thresholds(res):
    zh, en = viz_customers.rfm_note(res, "zh"), viz_customers.rfm_note(res, "en")
    assert "2025-05-01至2026-04-30" in zh and "共9人" in zh
    assert "高价值客户 ≥ 12分，潜力客户 8–11分，低价值客户 ≤ 7分" in zh
    assert "high-value ≥ 12, potential 8–11, low-value ≤ 7" in en


# --- 5. words, tables, privacy ---------------------------------------------------------------------

def test_finding_zh_and_en(res):
    # 7/9 = 77.8% -> 78%; Q1 2026 37.5%, -12.5 pp; high-value 1/9 = 11%, 300/1790 = 16.8% -> 17%
    assert customers.finding(res, "zh") == ("近12个月新客占买家的78%；复购率2026年第1季度37.5%（同比-12.5个百分点）；"
                                            "高价值客户占买家的11%，贡献了17%的GMV。")
    assert customers.finding(res, "en") == (
        "New buyers were 78% of buyers over the last 12 months; the repurchase rate in Q1 2026 was 37.5% "
        "(-12.5 pp YoY); high-value customers were 11% of buyers and brought 17% of GMV.")


def test_finding_without_a_year_ago_quarter(res):
    r = customers.Customers(res.window, res.data_start, monthly=res.monthly, trailing=None,
                            quarterly=res.quarterly.assign(base_rate=float("nan"), change=float("nan")),
                            cohorts=res.cohorts, rfm=res.rfm, rfm_start=res.rfm_start, min_group=1)
    assert customers.finding(r, "zh") == "复购率2026年第1季度37.5%；高价值客户占买家的11%，贡献了17%的GMV。"


def test_tables(res, res_mid):
    m = viz_customers.monthly_table(res_mid, "zh")
    assert list(m.columns) == ["月份", "购买人数", "新客数", "老客数", "新客占比", "新客GMV", "老客GMV", "游客GMV"]
    assert m.iloc[0].tolist() == ["2026年4月（月至今）", "1", "0", "1", "0.0%", "¥0", "¥30.00", "¥35.00"]
    q = viz_customers.quarter_table(res, "en")
    assert q.iloc[0].tolist() == ["Q2 2026 (quarter to date)", "3", "0.0%", "0.0%", "+0.0 pp"]
    assert q.iloc[1].tolist() == ["Q1 2026", "8", "37.5%", "50.0%", "-12.5 pp"]
    t = viz_customers.tier_table(res, "zh")
    assert t.iloc[0].tolist()[:4] == ["高价值客户", "12–15", "1", "11.1%"]
    assert t.iloc[1, 6:8].tolist() == ["44", "2"]


def test_notes_fire_only_when_they_apply(res, tmp_path):
    assert viz_customers.cohort_note(res, "zh") is None         # data start 2025-01, cohorts from 2026-01
    assert len(viz_customers.monthly_notes(res, "zh")) == 1     # window starts a full year after the data
    assert viz_customers.quarter_note(res, "en").startswith("Q2 2026 is partial (to 2026-04-30)")
    ds = load_dataset(write(tmp_path, "A1,k-1,2026-01-05,10,直播,美妆,一线城市,false,1\n"
                                      "A2,k-1,2026-03-31,20,直播,美妆,一线城市,false,1\n"))
    r = customers.analyse(ds, "2026-03-31", 3, min_group=1)
    assert viz_customers.cohort_note(r, "en").startswith("Jan 2026 is the first month of the data")
    assert len(viz_customers.monthly_notes(r, "zh")) == 2
    assert viz_customers.quarter_note(r, "zh") is None


def rendered(result, lang, monkeypatch) -> str:
    out = []
    monkeypatch.setattr(display, "_display", lambda obj: out.append(
        obj.data if isinstance(obj.data, str) else str(obj.data)))
    customers.show(result, lang)
    return "\n".join(out)


@pytest.fixture
def styled():
    with mpl.rc_context():
        style.apply("zh")
        yield


def test_no_customer_id_reaches_any_frame_or_the_html(res, res_mid, styled, monkeypatch):
    for r in (res, res_mid):
        frames = [r.monthly, r.quarterly, r.cohorts, r.rfm, pd.DataFrame([r.trailing])]
        text = "\n".join(f.to_csv() for f in frames) + repr(r)
        assert "cust-" not in text
        for lang in ("zh", "en"):
            html = rendered(r, lang, monkeypatch)
            assert "cust-" not in html
            assert html.count("<img ") == 3


def test_show_renders_every_part(res, styled, monkeypatch):
    html = rendered(res, "zh", monkeypatch)
    for text in ("## 客户", "### 新客与老客（按月）", "### 季度复购率", "### 同期群留存", "### 客户价值分层（RFM）",
                 "近12个月新客占买家的78%", "高价值客户 ≥ 12分"):
        assert text in html
    assert "## Customers" in rendered(res, "en", monkeypatch)


@pytest.mark.parametrize("header,rows", [
    ("order_id,order_date,gmv", "A1,2026-01-05,10\nA2,2026-02-05,20\n"),                     # no column
    (HEADER, "A1,,2026-01-05,10,直播,美妆,一线城市,false,1\nA2,,2026-02-05,20,私域,美妆,一线城市,false,1\n"),
])
def test_guest_only_orders_say_so(tmp_path, header, rows, monkeypatch):
    ds = load_dataset(write(tmp_path, rows, header))
    r = customers.analyse(ds, "2026-02-05", 2)
    assert r.reason == "cust.no_ids" and r.monthly is None and r.rfm is None
    assert customers.finding(r, "zh").startswith("订单数据中没有客户编号")
    html = rendered(r, "en", monkeypatch)
    assert "The orders carry no customer ids" in html and "<img" not in html


def test_as_of_outside_the_data_is_refused(ds):
    with pytest.raises(ParameterError, match="outside the orders data"):
        customers.analyse(ds, "2026-05-01", 3)


# --- charts ----------------------------------------------------------------------------------------

def draw(fig) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [w for w in caught if "missing from font" in str(w.message)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_render_with_every_glyph(res, res_mid, lang):
    with mpl.rc_context():
        style.apply(lang)
        for r in (res, res_mid):
            for make in (viz_customers.new_returning, viz_customers.cohort_heatmap, viz_customers.value_pyramid):
                fig = make(r, lang)
                assert draw(fig) == []
                assert fig.axes[0].get_title(loc="left")
                assert any("orders" in t.get_text() for t in fig.texts)     # the source line


def test_heatmap_cells_and_pyramid_labels(res):
    with mpl.rc_context():
        style.apply("en")
        ax = viz_customers.cohort_heatmap(res, "en").axes[0]
        cells = sorted(t.get_text() for t in ax.texts if re.fullmatch(r"[\d.]+%", t.get_text()))
        # 4 x 100%, 33.3% twice, 66.7%, 0.0% twice, 50.0%
        assert cells == sorted(["100%"] * 4 + ["33.3%", "33.3%", "66.7%", "0.0%", "0.0%", "50.0%"])
        assert [t.get_text() for t in ax.get_yticklabels()] == ["2026-01 (n=3)", "2026-02 (n=2)", "2026-03 (n=1)",
                                                                "2026-04 (n=1)"]
        texts = [t.get_text() for t in viz_customers.value_pyramid(res, "en").axes[0].texts]
        assert "11.1% of buyers · 16.8% of GMV" in texts
        assert "High-value  ·  RFM 12–15" in texts
