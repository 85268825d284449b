"""Data freshness and quality on hand-made folders (contract CSVs, and a mapping.yml with a filter)."""

from __future__ import annotations

from unittest import mock

import pytest

from attain import display, freshness
from attain.data import load_dataset
from tmpfiles import write

# 4 order rows on 3 days (Mar 1, 15, 31 of 31 days); one guest row -> customer_id empty 1/4 = 25%;
# no cost column -> filled with the default (missing).
ORDERS = """order_id,customer_id,order_date,gmv,channel,category,region,returned
F1,c1,2026-03-01,100,直播,美妆,一线城市,false
F2,,2026-03-01,50,直播,美妆,一线城市,false
F3,c2,2026-03-15,80,私域,服饰,二线城市,true
F4,c3,2026-03-31,70,私域,服饰,二线城市,false
"""
# traffic ends on Mar 28: 3 days before the orders; no sessions/bounces columns
TRAFFIC = """date,channel,uv,pv
2026-03-01,直播,100,300
2026-03-28,私域,50,100
"""
# a raw export described by mapping.yml; the filter drops the 2 cancelled rows of 5 (40%)
RAW = """id,buyer,day,amount,status
M1,b1,2026-03-01,100,paid
M2,b2,2026-03-02,50,cancelled
M3,b1,2026-03-03,80,paid
M4,,2026-03-04,30,cancelled
M5,b3,2026-03-05,20,paid
"""
MAPPING = """orders:
  file: raw.csv
  columns:
    order_id: id
    customer_id: buyer
    order_date: day
    gmv: amount
  where: status <> 'cancelled'
"""


@pytest.fixture
def lagging(tmp_path):
    return load_dataset(write(tmp_path / "lag", **{"orders.csv": ORDERS, "traffic.csv": TRAFFIC}))


@pytest.fixture
def mapped(tmp_path):
    return load_dataset(write(tmp_path / "mapped", **{"raw.csv": RAW, "mapping.yml": MAPPING}))


def test_table_summary(lagging):
    f = freshness.check(lagging, "2026-03-31")
    t = f.tables.set_index("table")
    assert list(t.index) == ["orders", "traffic"]
    assert t.loc["orders", "rows"] == 4 and t.loc["orders", "filtered_out"] == 0
    assert (t.loc["orders", "days_with_data"], t.loc["orders", "days_in_range"]) == (3, 31)
    assert t.loc["orders", "days_behind"] == 0 and t.loc["orders", "lag_days"] == 0
    assert t.loc["traffic", "days_behind"] == 3 and t.loc["traffic", "lag_days"] == 3
    assert list(f.missing["table"]) == ["spend", "customers"]
    empty = f.empty_values.set_index(["table", "column"])["share"]
    assert empty[("orders", "customer_id")] == pytest.approx(0.25)
    assert list(zip(f.defaulted["table"], f.defaulted["column"])) == [
        ("orders", "cost"), ("traffic", "sessions"), ("traffic", "bounces")]
    assert f.warnings == [("lag", "traffic")]


def test_data_ending_before_as_of(lagging):
    f = freshness.check(lagging, "2026-04-02")
    t = f.tables.set_index("table")
    assert t.loc["orders", "days_behind"] == 2
    assert t.loc["traffic", "lag_days"] == 3          # measured against the orders' end (Mar 31)
    assert f.warnings == [("data_behind",), ("lag", "traffic")]
    assert freshness.finding(f, "zh").startswith("数据截至2026-03-31，比分析日2026-04-02早2天；")
    assert freshness.finding(f, "en").startswith("Data end on 2026-03-31, 2 day(s) before the analysis date "
                                                 "2026-04-02; ")


def test_a_lag_after_as_of_does_not_count(lagging):
    # as_of Mar 20: traffic (to Mar 28) covers it although it ends before the orders
    f = freshness.check(lagging, "2026-03-20")
    assert f.tables.set_index("table").loc["traffic", "lag_days"] == 0 and f.warnings == []
    assert freshness.finding(f, "zh").startswith("数据截至2026-03-31，分析日2026-03-20之后的数据不计入；")


def test_finding_zh_en_with_a_lagging_table(lagging):
    f = freshness.check(lagging, "2026-03-31")
    assert freshness.finding(f, "zh") == (
        "数据截至2026-03-31，与分析日一致；缺少spend表，无法提供渠道花费、ROAS、CAC和CPA；"
        "缺少customers表，无法提供会员注册与会员等级；无被剔除的行；traffic表比订单表早3天结束；"
        "缺少列orders.cost、traffic.sessions、traffic.bounces，已用默认值填充。")
    assert freshness.finding(f, "en") == (
        "Data run to 2026-03-31, the analysis date; no spend table, so no spend, ROAS, CAC and CPA by channel; "
        "no customers table, so no member sign-ups and member tiers; no rows filtered out; "
        "traffic ends 3 day(s) before the orders; missing columns filled with defaults: orders.cost, "
        "traffic.sessions, traffic.bounces.")


def test_mapping_filter_is_reported(mapped):
    f = freshness.check(mapped, "2026-03-05")
    t = f.tables.set_index("table")
    assert t.loc["orders", "rows"] == 3 and t.loc["orders", "filtered_out"] == 2
    assert t.loc["orders", "filtered_share"] == pytest.approx(0.4)
    assert f.empty_values.empty          # the guest row M4 was filtered out
    zh = freshness.finding(f, "zh")
    assert "mapping.yml剔除了orders表2行（40.0%）" in zh
    assert "缺少列orders.channel、orders.category、orders.region、orders.returned、orders.cost" in zh
    assert "mapping.yml filtered out 2 orders rows (40.0%)" in freshness.finding(f, "en")
    table = freshness.tables_table(f, "en")
    assert table.iloc[0]["Rows filtered out by the mapping"] == "2 (40.0%)"
    assert table.iloc[0]["Source file"] == "raw.csv"


def test_all_tables_present_on_the_sample(sample_dir):
    f = freshness.check(load_dataset(sample_dir), "2026-08-15")
    assert freshness.finding(f, "zh") == "数据截至2026-08-15，与分析日一致；4张表齐全，无被剔除的行。"
    assert freshness.finding(f, "en") == ("Data run to 2026-08-15, the analysis date; all 4 tables present, "
                                          "no rows filtered out.")
    assert freshness.missing_table(f, "zh") is None


def test_show_lists_the_missing_tables_and_what_they_feed(lagging):
    f = freshness.check(lagging, "2026-03-31")
    missing = freshness.missing_table(f, "zh")
    assert list(missing.iloc[:, 0]) == ["spend", "customers"]
    assert missing.iloc[0, 1] == "渠道花费、ROAS、CAC和CPA"
    t = freshness.tables_table(f, "zh").set_index("表")
    assert t.loc["orders", "有数据的天数"] == "3 / 31" and t.loc["orders", "空值占比"] == "customer_id 25.0%"
    assert t.loc["traffic", "缺失列（用默认值填充）"] == "sessions, bounces"
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        freshness.show(f, "zh")
    html = "\n".join(str(getattr(o, "data", o)) for o in captured)
    assert "数据时效与质量" in html and "缺少的可选表" in html and "渠道花费、ROAS、CAC和CPA" in html


def test_what_the_loader_fixed_is_shown_in_the_quality_table(tmp_path):
    # one amount written "1,250.00" (as Excel exports it) is read as 1250 and said in its own column
    fixed = ORDERS.replace("F1,c1,2026-03-01,100,", 'F1,c1,2026-03-01,"1,250.00",')
    t = freshness.tables_table(freshness.check(load_dataset(write(tmp_path / "fx", **{"orders.csv": fixed})),
                                               "2026-03-31"), "en")
    assert len(t) == 1 and "1 value(s) written with thousands separators" in t["Fixed when loading"].iloc[0]
    clean = freshness.tables_table(freshness.check(load_dataset(write(tmp_path / "cl", **{"orders.csv": ORDERS})),
                                                   "2026-03-31"), "en")
    assert "Fixed when loading" not in clean.columns
