"""Pacing: expected-to-date from a seasonal plan, pace, status; hand-worked answers in the comments."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from attain import pacing, tracking_rules
from attain.data import load_dataset
from attain.goals import Goal, Plan

NOV11 = dt.date(2026, 11, 11)


def _orders(tmp_path):
    """One order a day. November 2025: days 1–10 CNY 10 each (100), 双11 CNY 400, days 12–30 CNY 5 each (95);
    the month is 595. November 2026 so far (1–11): days 1–10 CNY 11 each (110), 双11 CNY 440 -> 550."""
    rows = []
    for year, small, peak, late in ((2025, 10, 400, 5), (2026, 11, 440, None)):
        last = 30 if late is not None else 11
        for day in range(1, last + 1):
            gmv = small if day <= 10 else (peak if day == 11 else late)
            rows.append({"order_id": f"{year}{day:02d}", "customer_id": f"C{day}", "order_date": f"{year}-11-{day:02d}",
                         "gmv": gmv, "channel": "直播", "category": "美妆", "region": "一线城市",
                         "returned": False, "cost": 0})
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "orders.csv", index=False)
    return load_dataset(folder)


def _goal(**kw) -> Goal:
    base = {"id": "G1", "name": {"zh": "双11GMV", "en": "Singles' Day GMV"}, "metric": "gmv", "scope": {},
            "period": "2026-11", "target": 1000, "owner": "赵磊", "module": "活动促销", "priority": 1}
    return Goal.model_validate({**base, **kw})


# --- expected to date ----------------------------------------------------------------------

def test_expected_follows_the_monthly_plan_not_a_straight_line():
    # Oct 100 + 60 % of Nov's 300 = 280 on 11 November; a straight line would give 500 × 42/92 = 228.26
    plan = pd.DataFrame({"period_bucket": ["2026-10", "2026-11", "2026-12"], "target": [100.0, 300.0, 100.0]})
    assert pacing.expected_from_plan(plan, NOV11, 0.6) == pytest.approx(280.0)
    assert pacing.expected_from_plan(plan, dt.date(2026, 10, 31), 1.0) == pytest.approx(100.0)


def test_expected_of_a_ratio_adds_numerators_and_denominators():
    # October 1000 / 10 in full, half of November (15 of 30 days): 1500 / 10 -> 2500 / 20 = 125
    plan = pd.DataFrame({"period_bucket": ["2026-10", "2026-11"], "numerator": [1000.0, 3000.0],
                         "denominator": [10.0, 20.0]})
    plan["target"] = plan["numerator"] / plan["denominator"]
    assert pacing.expected_from_plan(plan, dt.date(2026, 11, 15), 0.5) == pytest.approx(125.0)


def test_day_share_knows_about_double_eleven(tmp_path):
    ds = _orders(tmp_path)
    share, how = pacing.day_share(ds, "gmv", {}, NOV11)
    assert how == "last_year" and share == pytest.approx(500 / 595)      # 100 + 400 of 595
    share, _ = pacing.day_share(ds, "gmv", {}, dt.date(2026, 11, 10))
    assert share == pytest.approx(100 / 595)                             # the day before the peak
    share, how = pacing.day_share(ds, "gmv", {}, dt.date(2026, 12, 10))  # no December a year earlier
    assert how == "linear" and share == pytest.approx(10 / 31)


def test_month_plan_sums_dimensions_and_recomputes_ratios():
    frame = pd.DataFrame({"level": ["year", "month", "month", "month"],
                          "period_bucket": ["2026", "2026-01", "2026-01", "2026-02"],
                          "channel": ["", "A", "B", "A"], "target": [9.0, 1.0, 2.0, 6.0],
                          "numerator": [90.0, 10.0, 30.0, 50.0], "denominator": [10.0, 2.0, 3.0, 5.0]})
    out = pacing.month_plan(frame).set_index("period_bucket")
    assert out.loc["2026-01", "numerator"] == 40 and out.loc["2026-01", "denominator"] == 5
    assert out.loc["2026-01", "target"] == pytest.approx(8.0)           # 40 / 5, not 1 + 2


# --- pace and status -----------------------------------------------------------------------

def test_pace_flips_for_lower_is_better():
    assert tracking_rules.pace_index(95, 100, "higher") == pytest.approx(0.95)
    # CAC: expected 100, actual 120 — 20 % too expensive is behind: 100 / 120
    assert tracking_rules.pace_index(120, 100, "lower") == pytest.approx(0.8333, abs=1e-4)
    assert tracking_rules.pace_index(80, 100, "lower") == pytest.approx(1.25)
    assert np.isnan(tracking_rules.pace_index(5, 0, "higher"))
    assert tracking_rules.achievement(120, 115, "lower") == pytest.approx(115 / 120)


@pytest.mark.parametrize("pace, probability, expected", [
    (0.8999, 0.9, "off_track"), (0.90, 0.6, "at_risk"), (1.2, 0.19, "off_track"), (1.2, 0.20, "at_risk"),
    (0.97, 0.50, "on_track"), (0.9699, 0.9, "at_risk"), (1.0, 0.4999, "at_risk"),
    (float("nan"), 0.7, "on_track"), (0.85, float("nan"), "off_track"), (float("nan"), float("nan"), "at_risk"),
])
def test_status_thresholds(pace, probability, expected):
    assert tracking_rules.status(pace, probability) == expected


# --- the scoreboard ------------------------------------------------------------------------

def test_scoreboard_on_double_eleven(tmp_path):
    ds = _orders(tmp_path)
    goals = [_goal(),
             _goal(id="G3", period="2026-12"),                           # not started on 11 November
             _goal(id="G4", metric=None, target="明显提升")]              # nothing to measure
    board = pacing.score(ds, goals, Plan(), "2026-Q4", NOV11).scoreboard.set_index("goal_id")
    g1 = board.loc["G1"]
    # expected = 1000 × 500/595 = 840.34 (a straight line: 1000 × 11/30 = 366.67); actual 110 + 440 = 550
    assert g1["actual"] == pytest.approx(550)
    assert g1["expected"] == pytest.approx(1000 * 500 / 595)
    assert g1["pace"] == pytest.approx(550 / (1000 * 500 / 595))          # 0.6545: off track
    assert g1["achievement"] == pytest.approx(0.55)
    assert g1["status"] == "off_track"
    assert board.loc["G3", "status"] == "not_started"
    assert board.loc["G4", "status"] == "unmeasurable" and board.loc["G4", "reason"] == "no_metric"


def test_a_closed_period_is_achieved_or_missed(tmp_path):
    ds = _orders(tmp_path)
    goals = [_goal(id="G2", period="2025-11", target=500), _goal(id="G5", period="2025-11", target=600)]
    board = pacing.score(ds, goals, Plan(), "2025-Q4", NOV11).scoreboard.set_index("goal_id")
    assert board.loc["G2", "actual"] == pytest.approx(595) and board.loc["G2", "status"] == "achieved"
    assert board.loc["G5", "status"] == "missed" and board.loc["G5", "achievement"] == pytest.approx(595 / 600)


def test_scoreboard_lower_is_better_goal(tmp_path):
    ds = _orders(tmp_path)
    # AOV "<= 60" in November 2026: one order a day, so AOV to date = 550 / 11 = 50 (at most 60 is good).
    # The last-year shape of a ratio: LY AOV 1–11 Nov = 500/11 = 45.45, whole LY month 595/30 = 19.83:
    # expected = 60 × 45.45 / 19.83 = 137.5; pace = expected / actual = 137.5 / 50 = 2.75 (well ahead)
    board = pacing.score(ds, [_goal(metric="aov", target="<= 60")], Plan(), "2026-11", NOV11).scoreboard
    row = board.iloc[0]
    assert row["direction"] == "lower" and row["actual"] == pytest.approx(50)
    assert row["expected"] == pytest.approx(60 * (500 / 11) / (595 / 30))
    assert row["pace"] == pytest.approx(row["expected"] / 50)
    assert row["achievement"] == pytest.approx(60 / 50)


def test_tracked_goals_overlap_the_report_period():
    goals = [_goal(id="A", period="2026"), _goal(id="B", period="2026-Q3"), _goal(id="C", period="2026-11"),
             _goal(id="D", period=None), _goal(id="E", period="2025")]
    assert [g.id for g in pacing.tracked(goals, "2026-Q3")] == ["A", "B", "D"]
