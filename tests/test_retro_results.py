"""Results of the quarter against the original and the final target (hand-worked)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from attain import retro_results as rr
from attain.data import load_dataset
from attain.goals import Goal

Q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))


@pytest.fixture
def ds(tmp_path):
    """Q2 2026: three orders of CNY 40 each (120 GMV, AOV 40); one order in July (not in the quarter)."""
    rows = [("A", "2026-04-10", 40), ("B", "2026-05-20", 40), ("C", "2026-06-30", 40), ("D", "2026-07-02", 500)]
    frame = pd.DataFrame([{"order_id": o, "customer_id": f"C{o}", "order_date": d, "gmv": g, "channel": "直播",
                           "category": "美妆", "region": "一线城市", "returned": False, "cost": 0} for o, d, g in rows])
    folder = tmp_path / "data"
    folder.mkdir()
    frame.to_csv(folder / "orders.csv", index=False)
    return load_dataset(folder)


def goal(**kw) -> Goal:
    base = {"id": "G1", "name": {"zh": "二季度GMV", "en": "Q2 GMV"}, "metric": "gmv", "scope": {},
            "period": "2026-Q2", "target": 100, "owner": "陈静", "module": "内容营销", "priority": 1,
            "created": "2026-01-05"}
    return Goal.model_validate({**base, **kw})


def test_original_and_final_target_with_revisions(ds):
    g = goal(revisions=[{"date": "2026-05-10", "target": 150, "reason": "预售强", "approved_by": "张伟"},
                        {"date": "2026-07-05", "target": 200, "reason": "after the quarter", "approved_by": "张伟"}])
    out = rr.quarter_goals(ds, [g], *Q2, dt.date(2026, 8, 15)).iloc[0]
    # original 100, final 150 (the July revision came after the quarter); actual 40 × 3 = 120
    assert (out["original"], out["final"], out["actual"]) == (100, 150, 120)
    assert out["ach_original"] == pytest.approx(1.2) and out["ach_final"] == pytest.approx(0.8)
    assert out["result"] == "missed"                                  # judged against the final target
    assert [r["date"] for r in out["revisions"]] == ["2026-05-10"]
    zh = rr._revision_text(out["revisions"], "CNY", "zh")
    assert "2026-05-10 调整为 ¥150" in zh and "预售强" in zh and "张伟" in zh


def test_lower_is_better_goal_and_a_quarter_not_over(ds):
    g = goal(id="G2", metric="aov", target="<= 50")
    done = rr.quarter_goals(ds, [g], *Q2, dt.date(2026, 8, 15)).iloc[0]
    assert done["direction"] == "lower" and done["actual"] == pytest.approx(40)
    assert done["ach_final"] == pytest.approx(50 / 40) and done["result"] == "achieved"
    early = rr.quarter_goals(ds, [goal()], *Q2, dt.date(2026, 5, 31)).iloc[0]
    assert early["actual"] == 80 and early["result"] == "open"      # two orders so far; not judged yet


def test_goals_outside_the_quarter_and_unmeasurable_goals_are_left_out(ds):
    goals = [goal(id="Y", period="2026"), goal(id="Q3", period="2026-Q3"), goal(id="W", metric=None, target="更好")]
    assert rr.quarter_goals(ds, goals, *Q2, dt.date(2026, 8, 15)).empty


def test_final_target_is_the_last_revision_on_or_before_the_day():
    g = goal(revisions=[{"date": "2026-05-10", "target": 150, "reason": "r", "approved_by": "张伟"}])
    assert rr.final_target(g, dt.date(2026, 5, 9)) == 100 and rr.final_target(g, dt.date(2026, 5, 10)) == 150


def test_quarter_target_from_a_plan():
    plan = pd.DataFrame({"level": ["year", "quarter", "quarter", "month"],
                         "period_bucket": ["2026", "2026-Q1", "2026-Q2", "2026-04"],
                         "target": [400.0, 90.0, 110.0, 30.0]})
    assert rr._quarter_target(plan, "2026-Q2") == 110.0
    ratio = pd.DataFrame({"level": ["quarter", "quarter"], "period_bucket": ["2026-Q2", "2026-Q2"],
                          "channel": ["A", "B"], "target": [10.0, 30.0], "numerator": [100.0, 300.0],
                          "denominator": [10.0, 10.0]})
    assert rr._quarter_target(ratio, "2026-Q2") == pytest.approx(20.0)   # 400 / 20, not 10 + 30


def test_finding_names_the_missed_goals_where_they_belong():
    q = pd.DataFrame([{"goal_id": "G11", "name_zh": "直播", "name_en": "Live", "result": "achieved"}])
    s = pd.DataFrame([{"goal_id": "G01", "name_zh": "GMV", "name_en": "GMV", "result": "achieved"},
                      {"goal_id": "G04", "name_zh": "获客成本", "name_en": "CAC", "result": "missed"}])
    r = rr.Results("2026-Q2", *Q2, Q2[1], q, s, None)
    assert rr.finding(r, "zh") == "本季度1个目标中1个达成；年度目标的本季度部分2项中1项达成（未达成：G04 获客成本）。"
    assert rr.finding(r, "en") == ("1 of 1 goals of the quarter achieved; 1 of 2 quarterly parts of the annual goals "
                                   "achieved (missed: G04 CAC).")
