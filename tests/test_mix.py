"""Channel efficiency and the category/region mix on hand-made data folders (tmp_path, CSV).

Every expected number is worked out by hand in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from attain import channels, display, i18n, mix, style, viz_mix
from attain.channels import Segment
from attain.data import load_dataset
from tmpfiles import write

AS_OF = "2026-03-31"     # window with lookback 3: Jan–Mar 2026; last 12 months: Apr 2025 – Mar 2026


def render_show(result, lang: str) -> str:
    style.apply(lang)
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        mix.show(result, lang)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


# === channel efficiency ==========================================================================

EFF_ORDERS = """order_id,customer_id,order_date,gmv,channel
H1,c9,2024-04-01,300,付费搜索
H2,c8,2024-06-01,100,直播
E1,c1,2026-01-05,400,付费搜索
E2,c2,2026-01-06,200,付费搜索
E3,c9,2026-01-07,100,付费搜索
E4,c3,2026-01-08,100,信息流
E5,c4,2026-02-01,900,直播
E6,c5,2026-02-02,300,直播
E7,c1,2026-02-03,100,直播
E8,c6,2026-03-01,500,自然搜索
E9,,2026-03-02,200,私域
"""
EFF_SPEND = """date,channel,spend
2025-12-31,直播,999
2026-01-01,付费搜索,100
2026-01-01,信息流,200
2026-02-01,直播,400
2026-03-01,私域,50
"""
# Window Jan–Mar 2026 (the 999 on 2025-12-31 is outside):
#   channel   gmv   orders  new buyers           spend  ROAS         CAC        CPA
#   付费搜索   700   3       c1, c2 = 2 (c9 not)  100    7.00         50         33.33
#   信息流     100   1       c3 = 1               200    0.50         200        200
#   直播       1300  3       c4, c5 = 2 (c1 not)  400    3.25         200        133.33
#   私域       200   1       0 (guest)            50     4.00         — (0 new)  50
#   自然搜索   500   1       c6 = 1               0      — (unpaid)   —          —
#   total      2800  9       6                    750    3.7333       125        83.33
# GMV shares: 付费搜索 0.25, 信息流 1/28, 直播 13/28, 私域 1/14, 自然搜索 5/28.
# GMV share change, last 12 months (Apr 2025 – Mar 2026 = the window's orders) vs the 12 before
# (Apr 2024 – Mar 2025: 付费搜索 300, 直播 100 -> 0.75 / 0.25):
#   付费搜索 0.25 - 0.75 = -0.5 (-50 pp); 直播 13/28 - 0.25 = +0.2143; 自然搜索 5/28 - 0 = +0.1786.


@pytest.fixture
def eff_dir(tmp_path) -> Path:
    return write(tmp_path / "eff", **{"orders.csv": EFF_ORDERS, "spend.csv": EFF_SPEND})


@pytest.fixture
def eff(eff_dir) -> mix.Efficiency:
    return mix.analyse_efficiency(load_dataset(eff_dir), AS_OF, 3)


def test_efficiency_ratios_per_channel(eff):
    c = eff.channels.set_index("channel")
    assert list(c.index) == ["直播", "付费搜索", "自然搜索", "私域", "信息流"]      # by GMV
    assert c.loc["付费搜索", "spend"] == 100 and c.loc["直播", "spend"] == 400   # 999 is before the window
    assert c.loc["付费搜索", "roas"] == pytest.approx(7.0)
    assert c.loc["付费搜索", "cac"] == pytest.approx(50.0)
    assert c.loc["付费搜索", "cpa"] == pytest.approx(100 / 3)
    assert c.loc["直播", "new_buyers"] == 2 and c.loc["直播", "cac"] == pytest.approx(200.0)
    assert c.loc["直播", "roas"] == pytest.approx(3.25) and c.loc["直播", "cpa"] == pytest.approx(400 / 3)
    assert c.loc["信息流", "roas"] == pytest.approx(0.5)
    assert c.loc["私域", "roas"] == pytest.approx(4.0) and math.isnan(c.loc["私域", "cac"])   # no new buyers
    assert c.loc["直播", "gmv_share"] == pytest.approx(13 / 28)
    assert c["gmv_share"].sum() == pytest.approx(1.0)


def test_unpaid_channels_have_no_spend_ratios(eff):
    c = eff.channels.set_index("channel")
    assert eff.unpaid == ["自然搜索"] and not c.loc["自然搜索", "paid"]
    assert c.loc[["自然搜索"], ["roas", "cac", "cpa"]].isna().all().all()
    t = viz_mix.efficiency_table(eff, "zh").set_index("渠道")
    assert t.loc["自然搜索", "投产比(ROAS)"] == "—" and t.loc["自然搜索", "获客成本(CAC)"] == "—"
    assert t.loc["自然搜索", "单笔订单成本(CPA)"] == "—"
    assert t.loc["付费搜索", "投产比(ROAS)"] == "7.00"


def test_totals_are_ratios_of_sums_not_averages(eff):
    assert eff.total["spend"] == 750 and eff.total["gmv"] == 2800
    assert eff.total["roas"] == pytest.approx(2800 / 750)
    mean_roas = eff.channels["roas"].mean()            # (7 + 0.5 + 3.25 + 4) / 4 = 3.6875
    assert eff.total["roas"] != pytest.approx(mean_roas)
    assert eff.total["cac"] == pytest.approx(125.0) and eff.total["cpa"] == pytest.approx(750 / 9)
    row = viz_mix.efficiency_table(eff, "en").iloc[-1]
    assert row.iloc[0] == "Total" and row["Return on ad spend"] == "3.73"


def test_share_change_is_a_fraction_of_one(eff):
    c = eff.channels.set_index("channel")
    assert c.loc["付费搜索", "gmv_share_change_pp"] == pytest.approx(-0.5)
    assert c.loc["直播", "gmv_share_change_pp"] == pytest.approx(13 / 28 - 0.25)
    assert c.loc["自然搜索", "gmv_share_change_pp"] == pytest.approx(500 / 2800)
    t = viz_mix.efficiency_table(eff, "zh").set_index("渠道")
    assert t.loc["付费搜索", "GMV占比变化（近12个月）"] == "-50.0个百分点"


def test_cac_by_quarter(eff):
    q = eff.cac_by_quarter
    assert list(q["quarter"]) == ["2026-Q1"]
    assert q["cac"].iloc[0] == pytest.approx(750 / 6)


def test_full_quarters_inside_a_window():
    from attain.situation import month_window

    assert mix.full_quarters(month_window("2026-08-15", 24)) == [
        "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]     # Aug 2024 – Jul 2026


def test_efficiency_finding_zh_en(eff):
    assert mix.finding(eff, "zh") == (
        "2026年1月至2026年3月，ROAS最高的付费渠道是付费搜索（7.00），最低的是信息流（0.50）；"
        "花费最多的是直播（¥400，ROAS 3.25）；自然搜索无投放花费（不计ROAS/CAC/CPA）。")
    assert mix.finding(eff, "en") == (
        "Over Jan 2026 – Mar 2026, the paid channel with the highest ROAS is 付费搜索 (7.00) and the lowest "
        "信息流 (0.50); 直播 spends the most (¥400, ROAS 3.25); 自然搜索 had no spend (no ROAS/CAC/CPA).")


def test_without_spend(eff_dir):
    (eff_dir / "spend.csv").unlink()
    e = mix.analyse_efficiency(load_dataset(eff_dir), AS_OF, 3)
    assert not e.has_spend and e.cac_by_quarter is None
    assert not {"spend", "roas", "cac", "cpa"} & set(e.channels.columns)
    assert "营销花费" not in viz_mix.efficiency_table(e, "zh").columns
    assert viz_mix.efficiency_scatter(e, "zh") is None
    # 直播 has 1300 / 2800 = 46.4% of GMV
    assert mix.finding(e, "zh") == ("2026年1月至2026年3月，GMV占比最高的渠道是直播（46.4%）；"
                                    "没有花费表（spend），未计算ROAS、CAC、CPA。")
    html = render_show(e, "zh")
    assert "缺少花费表（spend）" in html and "<img" not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_scatter_renders(eff, lang):
    style.apply(lang)
    fig = viz_mix.efficiency_scatter(eff, lang)
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_title(loc="left") == i18n.t("vizmix.scatter", lang)
    labels = {t.get_text() for t in ax.texts}
    assert {"付费搜索 7.00", "信息流 0.50", "直播 3.25", "私域 4.00"} <= labels     # unpaid 自然搜索 not drawn
    assert not any(t.startswith("自然搜索") for t in labels)
    # median lines: GMV of the paid channels 100, 200, 700, 1300 -> 450; ROAS 0.5, 3.25, 4, 7 -> 3.625
    xs = sorted(line.get_xdata()[0] for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[1])
    ys = sorted(line.get_ydata()[0] for line in ax.lines if line.get_ydata()[0] == line.get_ydata()[1])
    assert 450 in xs and 3.625 in ys
    html = render_show(eff, lang)
    assert "<img src='data:image/png;base64," in html


# === category and region mix =====================================================================

MIX_ORDERS = """order_id,customer_id,order_date,gmv,category,region
P1,a,2024-04-01,1000,3C数码,一线城市
P2,b,2024-05-10,1000,美妆,二线城市
P3,c,2025-02-10,600,食品,三线城市
P4,d,2024-05-10,400,食品,四线及以下
P5,e,2024-05-10,10,家居,一线城市
L6,a,2025-06-10,1350,3C数码,一线城市
L7,b,2026-02-10,1100,美妆,二线城市
L8,c,2026-03-10,500,食品,三线城市
L9,d,2025-09-10,400,食品,四线及以下
L10,e,2025-10-10,60,家居,四线及以下
"""
# Previous 12 months (Apr 2024 – Mar 2025) and last 12 months (Apr 2025 – Mar 2026):
#   category  prev   last   growth            share last        share prev    change
#   3C数码    1000   1350   +35.0%            1350/3410 .3959   1000/3010     +6.37 pp
#   美妆      1000   1100   +10.0%            .3226             .3322         -0.97 pp
#   食品      1000    900   -10.0%            .2639             .3322         -6.83 pp
#   家居        10     60   +500% (tiny)      .0176             .0033         +1.43 pp
#   total     3010   3410   +13.29%
# 家居 holds less than 3% of GMV in both periods: never named, although it grew most.
#   region     prev   last   growth
#   一线城市   1010   1350   +33.7%     share .3959 vs .3355
#   二线城市   1000   1100   +10.0%
#   三线城市    600    500   -16.7%     share .1466 vs .1993 -> -5.27 pp
#   四线及以下  400    460   +15.0%
#   下沉市场   1000    960   -4.0%  (三线 + 四线及以下), slower than the whole (+13.3%)
# Last full quarter 2026-Q1 vs 2025-Q1: 食品 500 vs 600 -> -16.7%; 美妆 1100 vs 0 -> no growth;
# total 1600 vs 600.  Category shares in 2026-Q1: 美妆 1100/1600, 食品 500/1600.
LOWER = (Segment("lower_tier", "下沉市场", "Lower-tier cities", "region", ("三线城市", "四线及以下")),)


@pytest.fixture
def mix_dir(tmp_path) -> Path:
    return write(tmp_path / "mix", **{"orders.csv": MIX_ORDERS})


@pytest.fixture
def seg(mix_dir) -> mix.SegmentMix:
    return mix.analyse_mix(load_dataset(mix_dir), AS_OF, LOWER)


def rows(m: mix.SegmentMix, dim: str) -> pd.DataFrame:
    return m.growth[m.growth["dimension"] == dim].set_index("segment")


def test_segment_growth_and_shares(seg):
    c = rows(seg, "category")
    assert c.loc["3C数码", "gmv"] == 1350 and c.loc["3C数码", "base_gmv"] == 1000
    assert c.loc["3C数码", "growth"] == pytest.approx(0.35)
    assert c.loc["食品", "growth"] == pytest.approx(-0.10)
    assert c.loc["家居", "growth"] == pytest.approx(5.0)
    assert c.loc["食品", "share"] == pytest.approx(900 / 3410)
    assert c.loc["食品", "share_change"] == pytest.approx(900 / 3410 - 1000 / 3010)
    assert c.loc["食品", "growth_q"] == pytest.approx(500 / 600 - 1)
    assert math.isnan(c.loc["美妆", "growth_q"])                      # nothing in 2025-Q1
    assert seg.total["growth"] == pytest.approx(3410 / 3010 - 1)
    assert seg.total["growth_q"] == pytest.approx(1600 / 600 - 1)
    assert seg.quarter == "2026-Q1" and seg.last12 == ("2025-04", "2026-03")


def test_minimum_share_rule(seg, mix_dir):
    c = rows(seg, "category")
    assert not c.loc["家居", "eligible"] and c.loc["3C数码", "eligible"]
    lead = mix.leaders(seg, "category")
    assert lead["fastest"]["segment"] == "3C数码"            # not 家居 (+500%, under 3% of GMV)
    assert lead["slowest"]["segment"] == "食品" and lead["share_loser"]["segment"] == "食品"
    no_floor = mix.analyse_mix(load_dataset(mix_dir), AS_OF, LOWER, min_share=0.0)
    assert mix.leaders(no_floor, "category")["fastest"]["segment"] == "家居"


def test_lower_tier_line(seg):
    r = rows(seg, "region")
    low = r.loc["lower_tier"]
    assert low["combined"] and not low["eligible"]
    assert low["gmv"] == 960 and low["base_gmv"] == 1000
    assert low["growth"] == pytest.approx(-0.04)
    assert low["share"] == pytest.approx(960 / 3410)
    assert r.loc["三线城市", "growth"] == pytest.approx(-1 / 6)
    assert mix.leaders(seg, "region")["fastest"]["segment"] == "一线城市"
    assert seg.name("region", "lower_tier", True, "zh") == "下沉市场"


def test_lower_tier_members_come_from_channels_yaml(tmp_path, mix_dir):
    plan = write(tmp_path / "plan", **{"channels.yaml": (
        "groups:\n  paid: {zh: 付费, en: Paid, channels: [付费搜索]}\n"
        "segments:\n  low: {zh: 四线下沉, en: Tier 4, dimension: region, members: [四线及以下]}\n")})
    m = mix.analyse_mix(load_dataset(mix_dir), AS_OF, channels.load_segments(plan))
    low = rows(m, "region").loc["low"]
    assert low["growth"] == pytest.approx(460 / 400 - 1)             # +15.0%, faster than +13.3%
    assert mix.finding(m, "zh").endswith("四线下沉GMV同比+15.0%，快于整体。")


def test_category_quarterly_shares(seg):
    q = seg.category_quarterly
    assert list(dict.fromkeys(q["quarter"])) == [f"{y}-Q{n}" for y, n in [
        (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1)]]
    last = q[q["quarter"] == "2026-Q1"].set_index("category")
    assert last.loc["美妆", "share"] == pytest.approx(1100 / 1600)
    assert last.loc["3C数码", "gmv"] == 0 and last.loc["3C数码", "share"] == 0
    assert q.groupby("quarter")["share"].sum().round(12).isin([0.0, 1.0]).all()


def test_mix_finding_zh_en(seg):
    assert mix.finding(seg, "zh") == (
        "近12个月GMV同比+13.3%；品类中3C数码增长最快（+35.0%），食品下降最快（-10.0%，份额-6.8个百分点）；"
        "区域中一线城市增长最快（+33.7%），三线城市下降最快（-16.7%，份额-5.3个百分点）；"
        "下沉市场GMV同比-4.0%，慢于整体。")
    assert mix.finding(seg, "en") == (
        "GMV grew +13.3% over the last 12 months; among categories, 3C数码 grew fastest (+35.0%) and 食品 "
        "shrank fastest (-10.0%, share -6.8 pp); among regions, 一线城市 grew fastest (+33.7%) and 三线城市 "
        "shrank fastest (-16.7%, share -5.3 pp); GMV of Lower-tier cities grew -4.0%, slower than the whole "
        "business.")


def test_share_loser_named_separately_when_not_the_slowest():
    # hand-built: B grows slowest (+1%) but is small; A grows +5% and still loses more share
    g = pd.DataFrame({"dimension": "category", "segment": ["A", "B", "C"], "combined": False,
                      "growth": [0.05, 0.01, 0.50], "share_change": [-0.04, -0.01, 0.05], "eligible": True})
    m = mix.SegmentMix(None, ("2025-04", "2026-03"), "2026-Q1", g, pd.DataFrame(),
                       {"gmv": 1.0, "growth": 0.1})
    lead = mix.leaders(m, "category")
    assert (lead["fastest"]["segment"], lead["slowest"]["segment"], lead["share_loser"]["segment"]) == ("C", "B", "A")
    assert "C增长最快（+50.0%），B增长最慢（+1.0%），A份额下降最多（-4.0个百分点）" in mix.finding(m, "zh")


def test_mix_without_a_year_of_history(mix_dir):
    (mix_dir / "orders.csv").write_text("\n".join(MIX_ORDERS.splitlines()[:1] + MIX_ORDERS.splitlines()[6:]) + "\n",
                                        encoding="utf-8")
    m = mix.analyse_mix(load_dataset(mix_dir), AS_OF, LOWER)
    assert m.growth["growth"].isna().all() and m.growth["base_gmv"].isna().all()
    assert mix.finding(m, "zh") == "数据不足24个月，无法计算近12个月同比。"
    assert viz_mix.segment_growth(m, "zh") is None


def test_mix_table(seg):
    t = viz_mix.mix_table(seg, "region", "zh")
    assert list(t["区域"]) == ["一线城市", "二线城市", "三线城市", "四线及以下", "下沉市场"]
    # 下沉市场: share 960/3410 = 28.15% vs 1000/3010 = 33.22% -> -5.07 pp; 2026-Q1 500 vs 2025-Q1 600 -> -16.7%
    assert list(t.iloc[-1])[1:] == ["¥960", "28.2%", "-5.1个百分点", "-4.0%", "-16.7%"]
    assert list(t.columns)[-1] == "2026年第1季度同比"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_segment_growth_chart_renders(seg, lang):
    style.apply(lang)
    fig = viz_mix.segment_growth(seg, lang)
    fig.canvas.draw()   # glyph warnings are errors (pyproject)
    assert fig._suptitle.get_text() == i18n.t("vizmix.segment_growth", lang,
                                              span=i18n.fmt_month_span("2025-04", "2026-03", lang))
    cat, reg = fig.axes[:2]
    assert [t.get_text() for t in cat.get_yticklabels()] == ["家居", "食品", "美妆", "3C数码"]   # largest on top
    names = [t.get_text() for t in reg.get_yticklabels()]
    assert names[0] == seg.name("region", "lower_tier", True, lang) and names[-1] == "一线城市"
    bars = {t.get_text(): p for t, p in zip(cat.get_yticklabels(), cat.patches)}
    assert bars["家居"].get_alpha() == 0.35 and bars["3C数码"].get_alpha() == 1.0   # tiny segment is light
    assert reg.patches[0].get_hatch() == "//"                                          # the combined line
    texts = [t.get_text() for t in cat.texts]
    share = i18n.t("vizmix.bar_label", lang, share="39.6%", pp=i18n.fmt_pp(1350 / 3410 - 1000 / 3010, lang))
    assert f"+35.0% · {share}" in texts
    source = fig.texts[-1].get_text()
    assert i18n.t("vizmix.small", lang, share="3%") in source
    html = render_show(seg, lang)
    assert i18n.t("mix.section", lang) in html and "<img src='data:image/png;base64," in html


def test_one_paid_channel(eff_dir):
    (eff_dir / "spend.csv").write_text("date,channel,spend\n2026-02-01,直播,400\n", encoding="utf-8")
    e = mix.analyse_efficiency(load_dataset(eff_dir), AS_OF, 3)
    assert e.unpaid == ["付费搜索", "自然搜索", "私域", "信息流"]          # by GMV
    # 直播: 1300 / 400 = 3.25
    assert mix.finding(e, "zh") == ("2026年1月至2026年3月，唯一有花费的渠道是直播（¥400，ROAS 3.25）；"
                                    "付费搜索、自然搜索、私域、信息流无投放花费（不计ROAS/CAC/CPA）。")


def test_frames_for_rules(seg):
    t = seg.segment_table()
    assert list(t.columns) == ["dimension", "segment", "gmv", "base_gmv", "growth", "share"]
    assert "lower_tier" not in set(t["segment"]) and len(t) == 4 + 4     # 4 categories, 4 regions
    sinking, whole = seg.combined_growth("lower_tier")
    assert sinking == pytest.approx(-0.04) and whole == pytest.approx(3410 / 3010 - 1)
    assert math.isnan(seg.combined_growth("nope")[0])
