"""Success factors and shortfalls from the drivers (hand-built contributions)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from attain import retro_report
from attain.drivers import Drivers
from attain.lmdi import contributions


def _drivers() -> Drivers:
    # channels: 直播 +50, 搜索 −20, KOL +5; categories: 美妆 +40, 服饰 −5; against target: 直播 +10, 搜索 −30
    ch = contributions(pd.Series({"直播": 100.0, "搜索": 80.0, "KOL": 10.0}),
                       pd.Series({"直播": 150.0, "搜索": 60.0, "KOL": 15.0}))
    cat = contributions(pd.Series({"美妆": 100.0, "服饰": 90.0}), pd.Series({"美妆": 140.0, "服饰": 85.0}))
    gap = contributions(pd.Series({"直播": 140.0, "搜索": 90.0}), pd.Series({"直播": 150.0, "搜索": 60.0}))
    day = dt.date(2026, 6, 30)
    return Drivers("2026-Q2", "2025-Q2", day, (dt.date(2026, 4, 1), day), (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
                   ("uv", "conversion_rate", "aov"), pd.DataFrame(), segments={"channel": ch, "category": cat},
                   gap={"channel": gap})


def test_contributors_take_the_largest_changes_across_dimensions():
    up, down = retro_report.contributors(_drivers(), top=2)
    assert list(zip(up["dim"], up["segment"], up["change"])) == [("channel", "直播", 50.0), ("category", "美妆", 40.0)]
    assert list(zip(down["dim"], down["segment"], down["change"])) == [("channel", "搜索", -20.0),
                                                                       ("category", "服饰", -5.0)]


def test_below_target_lists_only_segments_under_their_plan():
    below = retro_report.below_target(_drivers())
    assert list(zip(below["segment"], below["change"])) == [("搜索", -30.0)]


def test_factors_in_words_and_one_table():
    class R:  # only what the section reads
        drivers = _drivers()
    text = retro_report.factors_finding(R, "en")
    assert text.startswith("From the data, the largest positive contributors: Channel 直播 (+¥50.00)")
    assert "Furthest below target: Channel 搜索 (-¥30.00)." in text
    table = retro_report.factors_table(R, "zh")
    assert list(table["类型"]) == ["正向（同比）"] * 3 + ["拖累（同比）"] * 2 + ["低于目标"]
    assert table.iloc[-1]["同比"] == "—"
