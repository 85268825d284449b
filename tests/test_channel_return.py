"""Channel return of a quarter: spend, GMV, ROAS, CAC, new buyers against a pro-rata plan and budgeted CAC,
marginal ROAS at the quarter's spend rate, next quarter's reallocation — worked out by hand on a tiny CSV
folder with hand-made response curves; no spend table; zh/en text; chart rendering; the sample data."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from attain import channel_return as cr
from attain import channel_return_view as crv
from attain import display, style
from attain.budget import load_budget
from attain.data import load_dataset
from attain.metrics import compute
from attain.response import Curve, Responses

# Orders (one row per order). Quarter 2026-Q2 = 1 Apr – 30 Jun, 91 days.
#   直播  Q2: n1 1000 (first order), n2 500 (first order), o1 300 (o1 first bought in Q1) -> GMV 1800, 2 new buyers
#   私域  Q2: n3 2000 (first order), n3 400 (repeat)                                    -> GMV 2400, 1 new buyer
#   自然搜索 Q2: n4 700 (no spend: not a paid channel)
#   直播 5 Jul: n5 999 — after the quarter, must not count.
ORDERS = """order_id,customer_id,order_date,gmv,channel
O1,o1,2026-02-01,100,直播
A1,n1,2026-04-10,1000,直播
A2,n2,2026-05-10,500,直播
A3,o1,2026-06-10,300,直播
B1,n3,2026-04-20,2000,私域
B2,n3,2026-06-20,400,私域
C1,n4,2026-05-05,700,自然搜索
D1,n5,2026-07-05,999,直播
"""
# Spend in Q2: 直播 400 + 500 = 900; 私域 300; 信息流 100 (a channel not in the budget, no orders).
# 31 Mar and 1 Jul fall outside the quarter.
SPEND = """date,channel,spend
2026-03-31,直播,50
2026-04-01,直播,400
2026-06-30,直播,500
2026-07-01,直播,10000
2026-05-15,私域,300
2026-05-20,信息流,100
"""
# allocatable = 45,625 × (1 − 0.2) = 36,500 = 21,900 + 14,600
BUDGET = """year: 2026
total: 45625
reserve_share: 0.2
channels:
  直播: 21900
  私域: 14600
cac_targets:
  直播: 400
  私域: 300
"""
Q2_END = dt.date(2026, 6, 30)
CURVES = {"直播": Curve("直播", 100.0, 0.5), "私域": Curve("私域", 200.0, 0.5)}
RESPONSES = Responses(Q2_END, dt.date(2024, 7, 1), dt.date(2026, 6, 28), dict(CURVES))
K92 = math.sqrt(92 / 364)        # a quarter of 92 days on a 364-day curve with b = 0.5: a × (92/364)^0.5


def make_folder(tmp_path: Path, *, spend: bool = True, budget: str = BUDGET) -> Path:
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "data" / "orders.csv").write_text(ORDERS, encoding="utf-8")
    if spend:
        (tmp_path / "data" / "spend.csv").write_text(SPEND, encoding="utf-8")
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "budget.yaml").write_text(budget, encoding="utf-8")
    return tmp_path


def run(folder: Path, as_of="2026-08-15", **kw):
    ds, plan = load_dataset(folder / "data"), load_budget(folder / "plan")
    kw.setdefault("responses", RESPONSES)
    return cr.channel_return(ds, plan, "2026-Q2", as_of, **kw)


def render(r, lang: str) -> str:
    style.apply(lang)
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        crv.show(r, lang)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


# --- the arithmetic -------------------------------------------------------------------------------

def test_quarter_curve_and_annualised_spend_agree():
    c = Curve("X", 100.0, 0.5)
    # 91 days: a_q = 100 × (91/364)^0.5 = 50; slope at 900 = 50 × 0.5 / √900 = 0.8333
    q = cr.quarter_curve(c, 91)
    assert q.a == pytest.approx(50.0)
    assert q.marginal_roas(900) == pytest.approx(25 / 30)
    # the year's curve at the annualised spend 900 × 364/91 = 3600: 100 × 0.5 / 60 = 0.8333
    assert cr.annualised(900, 91) == pytest.approx(3600)
    assert c.marginal_roas(cr.annualised(900, 91)) == pytest.approx(25 / 30)
    # GMV of the quarter = 91/364 of the year's GMV at the annualised rate: ¼ × 100 × 60 = 1500 = 50 × 30
    assert q.expected_gmv(900) == pytest.approx(0.25 * c.expected_gmv(3600)) == pytest.approx(1500)


def test_pro_rata_by_days():
    assert cr.pro_rata(21900, 91, 365) == pytest.approx(5460)
    assert cr.year_days(2024) == 366 and cr.year_days(2026) == 365


# --- the quarter ------------------------------------------------------------------------------------

def test_spend_gmv_roas_cac_against_plan(tmp_path):
    r = run(make_folder(tmp_path))
    assert (r.start, r.end, r.days, r.next_period, r.next_days) == (dt.date(2026, 4, 1), Q2_END, 91, "2026-Q3", 92)
    c = r.channels.set_index("channel")
    assert list(r.channels["channel"]) == ["直播", "私域", "信息流"]      # by spend; 自然搜索 (no spend) left out
    live, private, feed = c.loc["直播"], c.loc["私域"], c.loc["信息流"]
    # 直播: spend 900 (not the 31 Mar 50 nor the 1 Jul 10,000), GMV 1800, ROAS 2, new 2, CAC 450
    assert (live.spend, live.gmv, live.roas, live.new_buyers, live.cac) == pytest.approx((900, 1800, 2.0, 2, 450))
    # 私域: 300, 2400, ROAS 8, one new buyer (n3's repeat order is not new), CAC 300
    assert (private.spend, private.gmv, private.roas, private.new_buyers, private.cac) == \
        pytest.approx((300, 2400, 8.0, 1, 300))
    # plan pro rata: 21,900 × 91/365 = 5,460 and 14,600 × 91/365 = 3,640; spend ÷ plan = 0.1648, 0.0824
    assert (live.plan_spend, private.plan_spend) == pytest.approx((5460, 3640))
    assert (live.spend_vs_plan, private.spend_vs_plan) == pytest.approx((900 / 5460, 300 / 3640))
    # budgeted CAC 400 and 300: 450/400 − 1 = +12.5 %, 300/300 − 1 = 0
    assert (live.cac_vs_target, private.cac_vs_target) == pytest.approx((0.125, 0.0))
    # marginal ROAS at the quarter's rate (a × (91/364)^0.5 = a/2): 50 × 0.5/√900 = 0.8333; 100 × 0.5/√300 = 2.8868
    assert (live.mroas, private.mroas) == pytest.approx((25 / 30, 50 / math.sqrt(300)))
    # 信息流: spend but no budget line, no orders: ROAS 0, no CAC, no plan, no curve
    assert not feed.in_budget and feed.roas == 0 and np.isnan(feed.cac) and np.isnan(feed.plan_spend)
    assert np.isnan(feed.mroas) and r.not_in_budget == ["信息流"]
    # total over the paid channels: spend 1300, GMV 4200, ROAS 3.2308, 3 new buyers, CAC 433.33;
    # plan 9,100 and spend of the planned channels 1,200 → 13.19 %
    t = r.total
    assert (t["spend"], t["gmv"], t["new_buyers"]) == pytest.approx((1300, 4200, 3))
    assert (t["roas"], t["cac"]) == pytest.approx((4200 / 1300, 1300 / 3))
    assert (t["plan_spend"], t["spend_vs_plan"]) == pytest.approx((9100, 1200 / 9100))


def test_nothing_after_the_quarter_and_curves_fitted_to_its_end(tmp_path):
    folder = make_folder(tmp_path)
    ds = load_dataset(folder / "data")
    r = cr.channel_return(ds, load_budget(folder / "plan"), "2026-Q2", "2026-08-15")   # curves not injected
    assert r.responses.as_of == Q2_END                 # fitted with as_of = the quarter's end
    assert r.realloc is None and r.realloc_missing == "response.missing.history"   # 3 months is too little
    assert r.channels.set_index("channel").loc["直播", "spend"] == 900
    # a quarter still running: as_of 31 May → 61 days, 直播 spend 400, plan 21,900 × 61/365
    r = run(folder, as_of="2026-05-31")
    live = r.channels.set_index("channel").loc["直播"]
    assert (r.end, r.days, live.spend, live.gmv) == (dt.date(2026, 5, 31), 61, 400, 1500)
    assert live.plan_spend == pytest.approx(21900 * 61 / 365)


def test_year_to_date_against_the_year(tmp_path):
    r = run(make_folder(tmp_path))
    # 1 Jan – 30 Jun on the budget's channels: 50 + 400 + 500 + 300 = 1,250 of 36,500; left 35,250;
    # 184 days left in the year (1 Jul – 31 Dec), Q3 has 92 of them → 35,250 / 2 = 17,625
    assert r.ytd["spent"] == pytest.approx(1250) and r.ytd["left"] == pytest.approx(35250)
    assert r.ytd["left_next"] == pytest.approx(17625)


# --- the reallocation ---------------------------------------------------------------------------------

def test_reallocation_by_hand(tmp_path):
    r = run(make_folder(tmp_path))
    a, tot = r.realloc.set_index("channel"), r.realloc_total
    # Q3 allocatable = 36,500 × 92/365 = 9,200; reserve = 45,625 × 0.2 × 92/365 = 2,300 (kept aside)
    assert (tot["allocatable"], tot["reserve"], tot["total"]) == pytest.approx((9200, 2300, 11500))
    assert (a.loc["直播", "planned"], a.loc["私域", "planned"]) == pytest.approx((21900 * 92 / 365, 14600 * 92 / 365))
    # equal b = 0.5 and a 私域 = 2 × a 直播: 0.5·100/√x1 = 0.5·200/√x2 → x2 = 4·x1; x1 + x2 = 9,200
    assert (a.loc["直播", "recommended"], a.loc["私域", "recommended"]) == pytest.approx((1840, 7360))
    assert "信息流" not in a.index                          # not in the budget: not reallocated
    # "current" = this quarter's spend rate over Q3's 92 days: 900 × 92/91 = 909.89 and 300 × 92/91 = 303.30
    r92 = 92 / 91
    assert (a.loc["直播", "current"], a.loc["直播", "change"]) == pytest.approx((900 * r92, 1840 - 900 * r92))
    assert tot["current"] == pytest.approx(1200 * r92)
    # expected GMV over 92 days: K·(100√x1 + 200√x2), K = √(92/364) = 0.50274
    cur = K92 * (100 * math.sqrt(900 * r92) + 200 * math.sqrt(300 * r92))   # 3,267.7
    rec = K92 * (100 * math.sqrt(1840) + 200 * math.sqrt(7360))              # 10,782.6
    assert (tot["gmv_current"], tot["gmv_recommended"]) == pytest.approx((cur, rec))
    # budget level: the current mix scaled to 9,200 (× 9,200/1,213.2), GMV × √(that); the mix part is the rest
    level = cur * math.sqrt(9200 / (1200 * r92)) - cur
    assert tot["gmv_level"] == pytest.approx(level) and tot["gmv_mix"] == pytest.approx(rec - cur - level)
    assert tot["gmv_mix"] > 0
    # marginal ROAS equal after the split: K·0.5·100/√1840 = K·0.5·200/√7360
    assert a.loc["直播", "mroas_recommended"] == pytest.approx(a.loc["私域", "mroas_recommended"])


def test_bounds_scaled_to_the_quarter(tmp_path):
    budget = BUDGET.replace("  直播: 21900\n", "  直播: {current: 21900, max: 3650}\n")
    r = run(make_folder(tmp_path, budget=budget))
    a = r.realloc.set_index("channel")
    # the year's max 3,650 × 92/365 = 920 holds 直播 below its free optimum of 1,840; 私域 takes the rest
    assert a.loc["直播", "max"] == pytest.approx(920)
    assert (a.loc["直播", "recommended"], a.loc["私域", "recommended"]) == pytest.approx((920, 8280))
    # bounds that cannot hold the budget: no reallocation, said why
    tight = BUDGET.replace("  直播: 21900\n", "  直播: {current: 21900, max: 100}\n").replace(
        "  私域: 14600\n", "  私域: {current: 14600, max: 100}\n")
    r = run(make_folder(tmp_path / "tight", budget=tight))
    assert r.realloc is None and r.realloc_missing == "budget.infeasible"


def test_brand_split_and_priority_weights(tmp_path):
    budget = BUDGET + "brand_share: 0.4\nbrand_channels: [直播]\n"
    r = run(make_folder(tmp_path, budget=budget))
    a = r.realloc.set_index("channel")
    # each pool has one channel: 直播 gets 40 % of 9,200 = 3,680, 私域 5,520
    assert (a.loc["直播", "recommended"], a.loc["私域", "recommended"]) == pytest.approx((3680, 5520))
    # a priority-1 GMV goal on 直播 weighs its GMV 1.2: 1.2·100/√x1 = 200/√x2 → x2 = (5/3)²·x1 = 25/9·x1
    goals = [{"metric": "gmv", "scope": {"channel": "直播"}, "priority": 1}]
    r = run(make_folder(tmp_path / "w"), goals=goals)
    a = r.realloc.set_index("channel")
    assert r.weights == {"直播": 1.2, "私域": 1.0}
    assert (a.loc["直播", "recommended"], a.loc["私域", "recommended"]) == pytest.approx((9200 * 9 / 34, 9200 * 25 / 34))


# --- missing pieces -----------------------------------------------------------------------------------

def test_without_a_spend_table(tmp_path):
    folder = make_folder(tmp_path, spend=False)
    r = cr.channel_return(load_dataset(folder / "data"), load_budget(folder / "plan"), "2026-Q2", "2026-08-15")
    assert r.missing == "cr.missing.spend" and r.channels is None and r.realloc is None
    assert crv.channel_table(r, "zh") is None and crv.roas_chart(r, "zh") is None and crv.spend_chart(r, "en") is None
    assert "没有花费表" in crv.finding(r, "zh") and "not available" in crv.finding(r, "en")
    assert crv.finding(r, "en").startswith("Q2 2026: The data have no spend table")
    zh, en = render(r, "zh"), render(r, "en")
    assert "有了花费表" in zh and "<table" not in zh
    assert "With a spend table (date, channel, spend)" in en


def test_without_a_budget(tmp_path):
    folder = make_folder(tmp_path)
    r = cr.channel_return(load_dataset(folder / "data"), None, "2026-Q2", "2026-08-15", responses=RESPONSES)
    assert r.realloc is None and r.realloc_missing == "cr.missing.no_budget"
    assert r.channels["plan_spend"].isna().all() and list(r.channels["channel"]) == ["直播", "私域", "信息流"]
    assert "no reallocation for next quarter: No budget.yaml" in crv.finding(r, "en")
    assert "没有budget.yaml" in render(r, "zh")


def test_not_a_quarter(tmp_path):
    folder = make_folder(tmp_path)
    with pytest.raises(Exception, match="not a quarter"):
        cr.channel_return(load_dataset(folder / "data"), None, "2026-05", "2026-08-15")


# --- words, tables, charts --------------------------------------------------------------------------

def test_finding_and_tables_zh_en(tmp_path):
    r = run(make_folder(tmp_path))
    zh, en = crv.finding(r, "zh"), crv.finding(r, "en")
    assert zh.startswith("2026年第2季度付费渠道花费¥1,300（为按天数折算计划¥9,100的13%），带来GMV ¥4,200（ROAS 3.23）")
    assert "边际ROAS最高的是私域（2.89），最低的是直播（0.83）" in zh
    assert "2026年第3季度可分配预算¥9,200（另留预留¥2,300）" in zh and zh.endswith("。")
    assert en.startswith("In Q2 2026 the paid channels spent ¥1.30K (13% of the ¥9.10K planned pro rata)")
    # moves: 私域 7,360 − 303.30 = +7,057, 直播 1,840 − 909.89 = +930
    assert "3 new buyers (CAC ¥433)" in en and "私域 (+¥7.06K)" in en and "直播 (+¥930)" in en
    t = crv.channel_table(r, "en")
    assert list(t.iloc[:, 0]) == ["直播", "私域", "信息流", "Total"]
    assert t.iloc[0]["Spend ÷ plan"] == "16%" and t.iloc[0]["CAC vs budget"] == "+12.5%"
    assert t.iloc[0]["Marginal ROAS"] == "0.83" and t.iloc[3]["Return on ad spend"] == "3.23"
    a = crv.realloc_table(r, "zh")
    assert list(a["渠道"]) == ["直播", "私域", "合计"] and list(a["下季度建议"]) == ["¥1,840", "¥7,360", "¥9,200"]


def test_show_escapes_and_renders(tmp_path):
    r = run(make_folder(tmp_path))
    for lang in ("zh", "en"):
        page = render(r, lang)
        assert page.count("<img") == 2 and "<table" in page
        assert ("下季度可分配预算" in page) if lang == "zh" else ("allocatable" in page)
        assert ("信息流有花费但不在budget.yaml中" in page) if lang == "zh" else ("信息流: spend but no line" in page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_render_without_missing_glyphs(tmp_path, lang):
    r = run(make_folder(tmp_path))
    style.apply(lang)
    for make in (crv.roas_chart, crv.spend_chart):
        fig = make(r, lang)
        fig.canvas.draw()                       # "Glyph ... missing" warnings are errors (pyproject)
        assert fig.axes[0].get_title(loc="left") or fig.axes[0].get_title()
        assert fig.axes[0].get_xlabel()
        assert any("2026-06-30" in t.get_text() for t in fig.texts)     # the source line, as of the quarter end


# --- the sample ---------------------------------------------------------------------------------------

def test_sample_quarter(sample_dir):
    ds, plan = load_dataset(sample_dir), load_budget(None)
    r = cr.channel_return(ds, plan, "2026-Q2", "2026-08-15")
    assert r.responses.end <= Q2_END and r.end == Q2_END
    by = compute(ds, ["spend", "gmv", "cac"], by=["channel"], start="2026-04-01", end="2026-06-30").set_index("channel")
    c = r.channels.set_index("channel")
    assert set(c.index) == set(plan.names()) and "自然搜索" not in c.index
    assert c["spend"].to_numpy() == pytest.approx(by.loc[c.index, "spend"].to_numpy())
    assert c["cac"].to_numpy() == pytest.approx(by.loc[c.index, "cac"].to_numpy())
    tot, a = r.realloc_total, r.realloc
    assert tot["allocatable"] == pytest.approx(plan.allocatable * 92 / 365)
    assert tot["reserve"] == pytest.approx(plan.total * plan.reserve_share * 92 / 365)
    assert a["recommended"].sum() == pytest.approx(tot["allocatable"])
    assert (a["recommended"] >= a["min"] - 1e-6).all() and (a["recommended"] <= a["max"] + 1e-6).all()
    brand = a[a["pool"] == "brand"]["recommended"].sum()
    assert brand == pytest.approx(plan.brand_share * tot["allocatable"])
    assert tot["gmv_level"] + tot["gmv_mix"] == pytest.approx(tot["gmv_change"])
    for lang in ("zh", "en"):
        assert crv.finding(r, lang)
