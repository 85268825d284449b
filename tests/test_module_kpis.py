"""Module KPIs and spend vs plan on a tiny hand-made data folder; every expected number is worked out below."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from attain import display, style
from attain import module_kpis as mk
from attain import module_view as mv
from attain.data import load_dataset
from attain.goals import load_plan
from tmpfiles import write

D = dt.date

# Two modules, five actions; as_of 2026-03-10 in the tests unless said otherwise.
#   A1 KOL种草   M1  channel KOL              2026-03-01..03-31 (31 days)  budget 3100
#   A2 信息流曝光 M1  channels 信息流, 短视频    2025-12-22..2026-01-10       budget 2000 (starts the year before)
#   A3 38节      M2  campaign "38女王节*"      2026-03-01..03-08            budget  800
#   A4 直播日常   M2  channel 直播              2026-01-01..12-31 (365 days) budget 3650
#   A5 618预热   M2  campaign "618_预热*"      2026-05-20..06-20            budget 1000 (not started)
PLAN = """modules:
  - id: M1
    name: {zh: 品牌推广, en: Brand promotion}
    owner: 王芳
    actions:
      - {name: {zh: KOL种草, en: KOL seeding}, owner: 王芳, start: 2026-03-01, end: 2026-03-31, budget: 3100,
         kpis: [gmv, orders, impressions, ctr], scope: {channel: KOL}}
      - {name: {zh: 信息流曝光, en: Feed exposure}, owner: 赵磊, start: 2025-12-22, end: 2026-01-10, budget: 2000,
         kpis: [gmv], scope: {channel: [信息流, 短视频]}}
  - id: M2
    name: {zh: 活动促销, en: Campaigns}
    owner: 赵磊
    actions:
      - {name: {zh: 38节, en: Women's Day}, owner: 赵磊, start: 2026-03-01, end: 2026-03-08, budget: 800,
         kpis: [gmv, participants], campaign: "38女王节*"}
      - {name: {zh: 直播日常, en: Live daily}, owner: 孙丽, start: 2026-01-01, end: 2026-12-31, budget: 3650,
         kpis: [roas], scope: {channel: 直播}}
      - {name: {zh: 618预热, en: 618 warm-up}, owner: 孙丽, start: 2026-05-20, end: 2026-06-20, budget: 1000,
         kpis: [gmv], campaign: "618_预热*"}
"""

# The spend rows and where each one goes (year 2026, as_of 2026-03-10):
SPEND = """date,channel,spend,campaign,module,impressions,clicks
2025-03-01,KOL,10,日常,品牌推广,1000,20
2025-03-09,KOL,20,日常,品牌推广,3000,30
2025-12-25,信息流,500,日常,品牌推广,,
2026-01-05,信息流,300,日常,品牌推广,,
2026-01-05,短视频,200,日常,M1,,
2026-01-15,信息流,70,日常,品牌推广,,
2026-02-20,KOL,45,日常,品牌推广,,
2026-03-01,KOL,120,日常,brand promotion,4000,60
2026-03-10,KOL,80,日常,品牌推广,1000,15
2026-03-02,直播,100,38女王节-直播,活动促销,,
2026-03-03,KOL,50,38女王节-KOL,活动促销,5000,25
2026-03-09,直播,40,38女王节-直播,活动促销,,
2026-03-10,付费搜索,25,日常投放,M2,,
2026-02-01,直播,60,年货节,campaigns,,
2026-02-02,KOL,33,日常,其他,,
2026-03-11,直播,999,日常,活动促销,,
"""
# 2025 rows: outside the year (the two 2025-03 rows feed the KPIs' year-earlier window only).
# A1: 03-01 KOL 120 (module by its English name in lower case) + 03-10 KOL 80 (as_of counts)       = 200
#     (02-20 KOL 45 is before A1 starts: M1 unplanned)
# A2: 01-05 信息流 300 + 01-05 短视频 200 (module by id "M1"); 2025-12-25 500 is before 1 Jan     = 500
#     (01-15 信息流 70 is after A2 ends: M1 unplanned)
# M1: 300 + 200 + 70 + 45 + 120 + 80 = 815, unplanned 70 + 45 = 115
# A3: 03-02 直播 100 + 03-03 KOL 50 (campaign 38女王节-…, within 03-01..03-08)                     = 150
#     03-02 直播 100 also matches A4 (channel 直播): it goes to the more specific A3 only
# A4: 03-09 直播 40 (after A3 ended) + 02-01 直播 60 (module "campaigns", en name in lower case)      = 100
# A5: not started                                                                                 =   0
# M2: 100 + 50 + 40 + 25 + 60 = 275, unplanned 25 (03-10 付费搜索: no action of M2 claims it)
# 2026-03-11 (after as_of) is not counted; 02-02 "其他" names no module: unassigned 33.
#
# planned_to_date = budget × days passed ÷ days of the action:
# A1 3100 × 10/31 = 1000; A2 2000 × 1 = 2000; A3 800 × 1 = 800; A4 3650 × 69/365 = 690 (31 + 28 + 10 days); A5 0
# M1 3000, M2 1490, total 4490; budgets M1 5100, M2 5450, total 10550; spent total 815 + 275 = 1090.

ORDERS = """order_id,customer_id,order_date,gmv,channel,category,region,returned,cost
O0,c0,2024-12-30,5,自然搜索,美妆,一线城市,false,1
O10,c1,2025-01-04,25,信息流,美妆,一线城市,false,5
O1,c1,2025-03-02,100,KOL,美妆,一线城市,false,20
O2,c2,2025-03-05,50,KOL,服饰,二线城市,false,10
O3,c3,2025-03-12,999,KOL,服饰,二线城市,false,10
O9,c4,2025-12-28,10,信息流,美妆,一线城市,false,2
O8,c4,2026-01-03,40,信息流,美妆,一线城市,false,8
O4,c5,2026-03-01,120,KOL,美妆,一线城市,false,20
O5,c6,2026-03-10,30,KOL,美妆,一线城市,false,5
O5,c6,2026-03-10,20,KOL,服饰,一线城市,false,5
O7,c7,2026-03-05,77,直播,家居,三线城市,false,10
O6,c8,2026-03-11,500,KOL,美妆,一线城市,false,50
"""


@pytest.fixture
def plan(tmp_path):
    return load_plan(write(tmp_path / "plan", **{"plan.yaml": PLAN}))


@pytest.fixture
def ds(tmp_path):
    return load_dataset(write(tmp_path / "data", **{"orders.csv": ORDERS, "spend.csv": SPEND}))


# --- spend vs plan ---------------------------------------------------------------------------

def test_action_spend_attribution_and_planned_to_date(ds, plan):
    sp = mk.spend_plan(ds, plan, "2026-03-10", 2026)
    a = sp.by_action.set_index("action_zh")
    assert a["spent"].to_dict() == pytest.approx({"KOL种草": 200, "信息流曝光": 500, "38节": 150, "直播日常": 100,
                                                  "618预热": 0})
    assert a["planned_to_date"].to_dict() == pytest.approx({"KOL种草": 1000, "信息流曝光": 2000, "38节": 800,
                                                            "直播日常": 690, "618预热": 0})
    assert a.loc["KOL种草", "elapsed"] == pytest.approx(10 / 31)
    assert a.loc["直播日常", "elapsed"] == pytest.approx(69 / 365)
    assert a.loc["KOL种草", "burn"] == pytest.approx(0.2)            # 200 / 1000
    assert a.loc["信息流曝光", "burn"] == pytest.approx(0.25)         # 500 / 2000
    assert a.loc["38节", "burn"] == pytest.approx(150 / 800)
    assert a.loc["直播日常", "burn"] == pytest.approx(100 / 690)
    assert a.loc["618预热", "burn"] != a.loc["618预热", "burn"]        # nothing planned yet: no burn (NaN)
    assert list(a["state"]) == ["running", "ended", "ended", "running", "not_started"]
    assert a.loc["直播日常", "owner"] == "孙丽" and a.loc["38节", "module_en"] == "Campaigns"


def test_module_and_total_with_unplanned(ds, plan):
    sp = mk.spend_plan(ds, plan, "2026-03-10", 2026)
    m = sp.by_module.set_index("module_id")
    assert m["spent"].to_dict() == pytest.approx({"M1": 815, "M2": 275})
    assert m["unplanned"].to_dict() == pytest.approx({"M1": 115, "M2": 25})
    assert m["budget"].to_dict() == pytest.approx({"M1": 5100, "M2": 5450})
    assert m["planned_to_date"].to_dict() == pytest.approx({"M1": 3000, "M2": 1490})
    assert m.loc["M1", "burn"] == pytest.approx(815 / 3000) and m.loc["M2", "burn"] == pytest.approx(275 / 1490)
    # the actions and the unplanned part add up to the module's spend (no row counted twice)
    by_mod = sp.by_action.groupby("module_id")["spent"].sum()
    assert (by_mod + m["unplanned"]).to_dict() == pytest.approx(m["spent"].to_dict())
    t = sp.total.iloc[0]
    assert (t["budget"], t["planned_to_date"], t["spent"], t["unplanned"], t["unassigned"]) == \
        pytest.approx((10550, 4490, 1090, 140, 33))
    assert t["burn"] == pytest.approx(1090 / 4490)


def test_window_moves_with_as_of(ds, plan):
    # as_of 2026-03-05: A1 has 5 of 31 days (planned 500) and only the 03-01 row (120);
    # A3 has 5 of 8 days (planned 500) and 03-02 100 + 03-03 50; A4 loses 03-09 (40): 60 left, planned 3650 × 64/365
    sp = mk.spend_plan(ds, plan, "2026-03-05", 2026)
    a = sp.by_action.set_index("action_zh")
    assert (a.loc["KOL种草", "planned_to_date"], a.loc["KOL种草", "spent"]) == pytest.approx((500, 120))
    assert (a.loc["38节", "planned_to_date"], a.loc["38节", "spent"]) == pytest.approx((500, 150))
    assert (a.loc["直播日常", "planned_to_date"], a.loc["直播日常", "spent"]) == pytest.approx((640, 60))


def test_campaign_glob_escapes_like_wildcards(tmp_path):
    # "618_预热*": "_" is a literal underscore, only "*" is a wildcard; "100%*": "%" is literal
    spend = ("date,channel,spend,campaign,module\n"
             "2026-05-21,KOL,10,618_预热-KOL,M1\n"          # matches
             "2026-05-21,KOL,20,618X预热-KOL,M1\n"          # would match if "_" were a wildcard
             "2026-05-22,KOL,40,618_预热,M1\n"              # "*" matches nothing too
             "2026-05-22,KOL,80,100%满减,M1\n"              # matches the second action
             "2026-05-22,KOL,160,100元满减,M1\n")           # would match if "%" were a wildcard
    plan_text = ("modules:\n  - id: M1\n    name: 活动\n    actions:\n"
                 "      - {name: 预热, start: 2026-05-20, end: 2026-06-20, budget: 100, campaign: '618_预热*'}\n"
                 "      - {name: 满减, start: 2026-05-20, end: 2026-06-20, budget: 100, campaign: '100%*'}\n")
    ds = load_dataset(write(tmp_path / "d", **{"orders.csv": ORDERS, "spend.csv": spend}))
    plan = load_plan(write(tmp_path / "p", **{"plan.yaml": plan_text}))
    sp = mk.spend_plan(ds, plan, "2026-06-30", 2026)
    assert list(sp.by_action["spent"]) == pytest.approx([50, 80])
    assert sp.by_module.loc[0, "unplanned"] == pytest.approx(180)      # 20 + 160
    assert mk.like_pattern("a_b%c*\\") == "a\\_b\\%c%\\\\"


def test_missing_spend_table_or_module_column(tmp_path, plan):
    no_spend = load_dataset(write(tmp_path / "a", **{"orders.csv": ORDERS}))
    sp = mk.spend_plan(no_spend, plan, "2026-03-10", 2026)
    assert sp.reason == "no_spend_table" and sp.by_action is None and sp.by_module is None and sp.total is None
    no_module = SPEND.replace(",module,", ",unit,")                   # the column is there under another name
    sp = mk.spend_plan(load_dataset(write(tmp_path / "b", **{"orders.csv": ORDERS, "spend.csv": no_module})),
                       plan, "2026-03-10", 2026)
    assert sp.reason == "no_module_column" and sp.by_module is None
    assert mv.budget_table(sp, "zh") is None and mv.spend_chart(sp, "zh") is None
    assert mv.finding(mk.module_kpis(no_spend, plan, "2026-Q1", "2026-03-10"), sp, "en").startswith(
        "The spend table has no module column")


# --- module KPIs ------------------------------------------------------------------------------

def test_kpi_windows_and_year_earlier(ds, plan):
    k = mk.module_kpis(ds, plan, "2026-Q1", "2026-03-10")
    ok = k[k["state"] == "ok"].set_index(["action_zh", "kpi"])
    # A1 (KOL) over 2026-03-01..03-10: O4 120 + O5 30 + 20 = 170 GMV, 2 orders (O5 has two lines; O6 is after
    # as_of); a year earlier 2025-03-01..03-10: O1 100 + O2 50 = 150, 2 orders (O3 on 03-12 is outside)
    r = ok.loc[("KOL种草", "gmv")]
    assert (r["start"], r["end"], r["base_start"], r["base_end"]) == (D(2026, 3, 1), D(2026, 3, 10),
                                                                      D(2025, 3, 1), D(2025, 3, 10))
    assert (r["value"], r["base"], r["growth"]) == pytest.approx((170, 150, 170 / 150 - 1))
    assert (ok.loc[("KOL种草", "orders"), "value"], ok.loc[("KOL种草", "orders"), "growth"]) == pytest.approx((2, 0))
    # KOL spend rows in the window (any module: KPIs follow the scope): impressions 4000 + 1000 + 5000 = 10000,
    # clicks 60 + 15 + 25 = 100 -> CTR 1.00 %; a year earlier 1000 + 3000 = 4000 and 20 + 30 = 50 -> 1.25 %
    assert (ok.loc[("KOL种草", "impressions"), "value"], ok.loc[("KOL种草", "impressions"), "growth"]) == \
        pytest.approx((10000, 1.5))
    ctr = ok.loc[("KOL种草", "ctr")]
    assert (ctr["value"], ctr["base"], ctr["change"]) == pytest.approx((0.01, 0.0125, -0.0025))
    # A2 started in December: its Q1 window is 01-01..01-10 (O8 40; O9 on 2025-12-28 is outside), vs O10 25
    a2 = ok.loc[("信息流曝光", "gmv")]
    assert (a2["start"], a2["end"], a2["value"], a2["base"]) == (D(2026, 1, 1), D(2026, 1, 10), 40, 25)
    # A3 has no scope: all channels 03-01..03-08: O4 120 + O7 77 = 197 vs O1 100 + O2 50 = 150
    assert (ok.loc[("38节", "gmv"), "value"], ok.loc[("38节", "gmv"), "base"]) == pytest.approx((197, 150))
    # A4 (直播) 01-01..03-10: GMV 77 ÷ spend (02-01 60 + 03-02 100 + 03-09 40 = 200) = 0.385; the spend table
    # starts 2025-03-01, after 2025-01-01, so there is no year-earlier value
    a4 = ok.loc[("直播日常", "roas")]
    assert a4["value"] == pytest.approx(0.385) and a4["base"] != a4["base"] and a4["reason"] == "no_base"
    rest = k[k["state"] != "ok"].set_index("action_zh")
    assert rest.loc["38节", "state"] == "no_data" and rest.loc["38节", "reason"] == "unknown_metric" \
        and rest.loc["38节", "detail"] == "participants"
    assert rest.loc["618预热", "state"] == "not_in_period"


def test_kpi_period_clipping_and_not_started(ds, plan):
    early = mk.module_kpis(ds, plan, "2026-Q1", "2026-02-15").drop_duplicates("action_zh").set_index("action_zh")
    assert early.loc["KOL种草", "state"] == "not_started" and early.loc["38节", "state"] == "not_started"
    assert early.loc["直播日常", "end"] == D(2026, 2, 15)
    late = mk.module_kpis(ds, plan, "2026-Q1", "2026-05-01").drop_duplicates("action_zh").set_index("action_zh")
    assert (late.loc["直播日常", "start"], late.loc["直播日常", "end"]) == (D(2026, 1, 1), D(2026, 3, 31))
    assert (late.loc["KOL种草", "end"]) == D(2026, 3, 31)


def test_missing_table_and_column_say_no_data(tmp_path):
    spend = "date,channel,spend,module,impressions\n2025-01-01,KOL,1,M1,100\n2026-03-01,KOL,5,M1,200\n"
    plan_text = ("modules:\n  - id: M1\n    name: 品牌\n    actions:\n      - {name: 曝光, start: 2026-01-01, "
                 "end: 2026-12-31, budget: 10, kpis: [impressions, ctr, conversion_rate], scope: {channel: KOL}}\n")
    ds = load_dataset(write(tmp_path / "d", **{"orders.csv": ORDERS, "spend.csv": spend}))
    plan = load_plan(write(tmp_path / "p", **{"plan.yaml": plan_text}))
    k = mk.module_kpis(ds, plan, "2026-Q1", "2026-03-10").set_index("kpi")
    assert k.loc["impressions", "state"] == "ok" and k.loc["impressions", "value"] == 200
    assert (k.loc["ctr", "state"], k.loc["ctr", "reason"], k.loc["ctr", "detail"]) == \
        ("no_data", "missing_column", "spend.clicks")
    assert (k.loc["conversion_rate", "reason"], k.loc["conversion_rate", "detail"]) == ("missing_table", "traffic")
    assert mk.kpi_gap(ds, "roas", {"category": "美妆"}) == ("not_by_scope", "spend|category")
    assert mk.kpi_gap(ds, "gmv", {"category": "美妆"}) is None
    table = mv.kpi_table(k.reset_index(), "zh")
    assert "无数据：缺少spend.clicks列" in list(table["说明"]) and "无数据：缺少traffic表" in list(table["说明"])
    assert "no data: no traffic table" in list(mv.kpi_table(k.reset_index(), "en")["Note"])


# --- words, tables, chart, section ------------------------------------------------------------

def test_finding_zh_en(ds, plan):
    sp = mk.spend_plan(ds, plan, "2026-03-10", 2026)
    k = mk.module_kpis(ds, plan, "2026-Q1", "2026-03-10")
    zh, en = mv.finding(k, sp, "zh"), mv.finding(k, sp, "en")
    # spent 1090 of 4490 planned = 24 %; M1 burns fastest (815/3000 = 27 % vs 18 %); unplanned 140, most in M1 (115)
    assert zh.startswith("截至2026年3月10日，各模块今年已花费¥1,090，为计划进度¥4,490的24%")
    assert "花费进度最快的是品牌推广（27%）" in zh and "¥140花费不属于任何计划行动，最多在品牌推广（¥115）" in zh
    # KPIs with a year-earlier value: A1 gmv +13 %, orders 0, impressions +150 %, CTR −20 %, A2 gmv +60 %,
    # A3 gmv +31 % -> 4 of 6 better; the weakest is A1's CTR, −0.25 pp; 1 KPI (participants) without data
    assert "6项KPI中4项好于去年同期，最弱的是KOL种草的点击率(CTR)（-0.25个百分点）" in zh and "1项KPI无数据" in zh
    assert "活动促销的活动参与人数与优惠券核销率无法衡量" in zh and zh.endswith("。")
    assert en.startswith("By 10 Mar 2026 the modules had spent ¥1.09K this year, 24% of the ¥4.49K planned to date")
    assert "4 of 6 KPIs are better than a year earlier, the weakest being Click-through rate of KOL seeding (-0.25 pp)" in en
    assert "for Campaigns, participants and coupon redemption cannot be measured" in en


def test_tables(ds, plan):
    sp = mk.spend_plan(ds, plan, "2026-03-10", 2026)
    b = mv.budget_table(sp, "zh")
    assert list(b["策略模块"]) == ["品牌推广", "活动促销", "合计"]
    assert list(b["花费进度"]) == ["27%", "18%", "24%"] and list(b["其中计划外"]) == ["¥115", "¥25.00", "¥140"]
    a = mv.action_table(sp, "en")
    assert list(a["Status"]) == ["running", "ended", "ended", "running", "not started yet"]
    assert list(a["Burn"]) == ["20%", "25%", "19%", "14%", "—"]
    k = mv.kpi_table(mk.module_kpis(ds, plan, "2026-Q1", "2026-03-10"), "zh")
    assert list(k["策略模块"])[:2] == ["品牌推广", ""]                  # the module is named once per group
    assert list(k.loc[k["关键指标(KPI)"] == "投产比(ROAS)", "实际值"]) == ["0.39"]   # a multiple, not a %
    assert "本期未执行" in list(k["说明"])


def render(fn, *args) -> str:
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        fn(*args)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_renders_without_missing_glyphs(ds, plan, lang):
    style.apply(lang)
    fig = mv.spend_chart(mk.spend_plan(ds, plan, "2026-03-10", 2026), lang)
    fig.canvas.draw()                       # "Glyph ... missing" warnings are errors (pyproject)
    ax = fig.axes[0]
    assert (ax.get_title(loc="left") or ax.get_title()) == ("各模块已花费与计划进度（2026年至2026-03-10）" if lang == "zh"
                              else "Spent vs planned to date by module (2026 to 2026-03-10)")
    assert [t.get_text() for t in ax.get_yticklabels()] == (["活动促销", "品牌推广"] if lang == "zh"
                                                            else ["Campaigns", "Brand promotion"])
    assert any("spend" in t.get_text() for t in fig.texts)      # the source line


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_show_section_and_missing_spend(ds, plan, tmp_path, lang):
    style.apply(lang)
    sp = mk.spend_plan(ds, plan, "2026-03-10", 2026)
    k = mk.module_kpis(ds, plan, "2026-Q1", "2026-03-10")
    overdue = mk.overdue_actions(plan, [], "2026-03-10")            # 信息流曝光 and 38节 have ended
    out = render(mv.show, k, sp, overdue, lang)
    assert "<img" in out and mv.finding(k, sp, lang)[:12] in out
    assert ("逾期的行动与措施" in out and "59" in out) if lang == "zh" else "Overdue actions and measures" in out
    assert ("模块KPI与预算执行" in out and "2026年第1季度" in out) if lang == "zh" else \
        ("Module KPIs and budget" in out and "Q1 2026" in out)
    no_spend = load_dataset(write(tmp_path / "x", **{"orders.csv": ORDERS}))
    sp = mk.spend_plan(no_spend, plan, "2026-03-10", 2026)
    out = render(mv.show, mk.module_kpis(no_spend, plan, "2026-Q1", "2026-03-10"), sp, None, lang)
    assert "<img" not in out
    assert ("没有花费表" in out and "无数据：缺少spend表" in out) if lang == "zh" else \
        ("no spend table" in out and "no data: no spend table" in out)


def test_names_from_the_plan_are_escaped(tmp_path):
    plan_text = ("modules:\n  - id: M1\n    name: {zh: '<b>品牌</b>', en: '<b>Brand</b>'}\n    actions:\n"
                 "      - {name: '<i>x</i>', start: 2026-01-01, end: 2026-12-31, budget: 10, kpis: [gmv]}\n")
    ds = load_dataset(write(tmp_path / "d", **{"orders.csv": ORDERS, "spend.csv": SPEND}))
    plan = load_plan(write(tmp_path / "p", **{"plan.yaml": plan_text}))
    style.apply("zh")
    out = render(mv.show, mk.module_kpis(ds, plan, "2026-Q1", "2026-03-10"),
                 mk.spend_plan(ds, plan, "2026-03-10", 2026), None, "zh")
    assert "<b>品牌" not in out and "&lt;b&gt;品牌" in out and "&lt;i&gt;x&lt;/i&gt;" in out


# --- the sample -------------------------------------------------------------------------------

def test_sample(sample_dir):
    ds, plan = load_dataset(sample_dir), load_plan(None)
    sp = mk.spend_plan(ds, plan, "2026-08-15", 2026)
    m = sp.by_module.set_index("module_id")
    assert (sp.by_action.groupby("module_id")["spent"].sum() + m["unplanned"]).to_dict() == \
        pytest.approx(m["spent"].to_dict())
    assert sp.total.iloc[0]["unassigned"] == pytest.approx(0)
    k = mk.module_kpis(ds, plan, "2026-Q3", "2026-08-15")
    brand = k[(k["module_id"] == "M1") & (k["state"] == "ok")]
    assert {"impressions", "ctr"} <= set(brand["kpi"])
    assert set(k.loc[k["module_id"] == "M4", "state"]) == {"not_in_period"}
