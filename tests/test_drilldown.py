"""Drill-down of a slipping goal into months and segments (hand-worked)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from attain import drilldown
from attain.drilldown import DrillDown

PLAN = pd.DataFrame({
    "level": ["year", "month", "month", "month", "month"],
    "period_bucket": ["2026", "2026-10", "2026-10", "2026-11", "2026-11"],
    "channel": ["", "A", "B", "A", "B"],
    "target": [550.0, 100.0, 50.0, 300.0, 100.0],
})
NOV11 = dt.date(2026, 11, 11)


def test_expected_parts_by_segment_and_month():
    # October in full, half of November (share 0.5): A 100 + 150 = 250, B 50 + 50 = 100
    by_channel = drilldown.expected_parts(PLAN, "channel", NOV11, 0.5).set_index("channel")["expected"]
    assert by_channel.to_dict() == {"A": 250.0, "B": 100.0}
    by_month = drilldown.expected_parts(PLAN, "period_bucket", NOV11, 0.5).set_index("period_bucket")["expected"]
    assert by_month.to_dict() == {"2026-10": 150.0, "2026-11": 200.0}


def test_gap_is_negative_when_behind_and_flips_for_lower_is_better():
    expected = pd.DataFrame({"channel": ["A", "B"], "expected": [250.0, 100.0]})
    actual = pd.DataFrame({"channel": ["A", "B"], "actual": [200.0, 120.0]})
    higher = drilldown._frame(expected, actual, "channel", "higher")
    assert list(higher["part"]) == ["A", "B"] and list(higher["gap"]) == [-50.0, 20.0]   # A is behind
    assert higher.loc[0, "pace"] == pytest.approx(0.8)
    lower = drilldown._frame(expected, actual, "channel", "lower")                       # e.g. spend, CAC
    assert list(lower["part"]) == ["B", "A"] and list(lower["gap"]) == [-20.0, 50.0]     # B over its plan
    assert lower.loc[0, "pace"] == pytest.approx(100 / 120)


def test_a_segment_without_plan_or_without_actual_still_shows():
    expected = pd.DataFrame({"channel": ["A"], "expected": [100.0]})
    actual = pd.DataFrame({"channel": ["A", "New"], "actual": [100.0, 30.0]})
    f = drilldown._frame(expected, actual, "channel", "higher").set_index("part")
    assert f.loc["New", "expected"] == 0 and f.loc["New", "gap"] == 30


def test_finding_names_the_parts_furthest_behind():
    d = DrillDown("G9", "gmv", "higher", parts={
        "month": pd.DataFrame({"part": ["2026-07", "2026-08"], "expected": [100.0, 50.0], "actual": [60.0, 55.0],
                               "gap": [-40.0, 5.0], "pace": [0.6, 1.1]}),
        "channel": pd.DataFrame({"part": ["直播"], "expected": [150.0], "actual": [115.0], "gap": [-35.0],
                                 "pace": [0.77]})})
    zh = drilldown.finding(d, "G9 测试", "zh")
    assert zh.index("2026年7月") < zh.index("直播") and "2026年8月" not in zh
    assert drilldown.finding(d, "G9 test", "en").startswith("G9 test: the gap comes mostly from Jul 2026")
    table = drilldown.part_table(d, "channel", "en")
    assert list(table.columns) == ["Channel", "Expected to date", "Actual", "Gap", "Pace"]
    assert table.iloc[0]["Pace"] == "0.77"


def test_a_metric_that_cannot_be_split_says_why():
    d = DrillDown("G3", "repurchase_rate", "higher", reason="distinct buyers do not add up")
    assert "distinct buyers do not add up" in drilldown.finding(d, "G3", "en")
