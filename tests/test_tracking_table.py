"""The tracking table: exact columns, deviation sign and 口径, check-in selection, the 24-hour adjustment
deadline, the highlight of an off-track row without a cause, escaping, the finding, the sample check-ins.

The scoreboard is built by hand (the frame ``attain.pacing`` produces); every expected value is worked out
in the comments.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
import pytest
from attain import display
from attain import tracking_table as tt
from attain.checkins import CheckIn, load_checkins
from attain.goals import Plan, load_goals, load_plan

AS_OF = dt.date(2026, 8, 15)

ZH = ["策略模块", "具体目标(SMART)", "执行计划", "关键指标(KPI)", "数据来源", "实际完成值", "偏差值(目标-实际)",
      "偏差原因分析", "优化措施", "负责人", "完成时限"]
EN = ["Strategy module", "Goal (SMART)", "Plan", "KPI", "Data source", "Actual", "Deviation (target − actual)",
      "Cause", "Measure", "Owner", "Deadline"]

PLAN = Plan.model_validate({"modules": [
    {"id": "M2", "name": {"zh": "渠道拓展", "en": "Channel expansion"}, "owner": "刘洋", "actions": [
        {"name": {"zh": "付费搜索出价", "en": "Search bids"}, "owner": "刘洋", "start": "2026-01-01", "end": "2026-12-31"},
        {"name": {"zh": "春季拉新", "en": "Spring drive"}, "owner": "刘洋", "start": "2026-03-01", "end": "2026-04-30"}]},
    {"id": "M3", "name": {"zh": "内容营销", "en": "Content marketing"}, "owner": "陈静", "actions": [
        {"name": {"zh": "直播间", "en": "Live room"}, "owner": "周杰", "start": "2026-07-01", "end": "2026-09-30"},
        {"name": {"zh": "7月达人专场", "en": "July creators"}, "owner": "陈静", "start": "2026-07-01", "end": "2026-07-31"},
        {"name": {"zh": "开学季", "en": "Back to school"}, "owner": "陈静", "start": "2026-08-20", "end": "2026-09-10"}]},
    {"id": "M4", "name": {"zh": "活动促销", "en": "Campaigns"}, "owner": "赵磊", "actions": [
        {"name": {"zh": "618大促", "en": "618 festival"}, "owner": "赵磊", "start": "2026-05-20", "end": "2026-06-20"},
        {"name": {"zh": "双11大促", "en": "Singles' Day"}, "owner": "赵磊", "start": "2026-10-15", "end": "2026-11-13"}]},
]})


def goal_row(goal_id="G1", **kw) -> dict:
    """One scoreboard row (the columns of attain.pacing.COLUMNS); a Q3 GMV goal unless overridden."""
    row = {"goal_id": goal_id, "name_zh": "直播GMV", "name_en": "Live GMV", "module": "内容营销", "owner": "陈静",
           "metric": "gmv", "scope": {"channel": "直播"}, "goal_period": "2026-Q3", "start": dt.date(2026, 7, 1),
           "end": dt.date(2026, 9, 30), "direction": "higher", "unit": "CNY", "target": 1000.0, "actual": 90.0,
           "expected": 100.0, "pace": 0.9, "achievement": 0.09, "forecast": 900.0, "low": 800.0, "high": 1000.0,
           "probability": 0.3, "status": "at_risk", "method": "plan", "reason": None, "tables": ("orders",)}
    row.update(kw)
    return row


CAC = {"name_zh": "获客成本", "name_en": "CAC", "module": "M2", "owner": "刘洋", "metric": "cac", "scope": {},
       "goal_period": "2026", "start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31), "direction": "lower",
       "unit": "CNY", "target": 115.0, "actual": 120.0, "expected": 112.0, "tables": ("spend", "orders")}


def board(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def ci(date, **kw) -> CheckIn:
    return CheckIn.model_validate({"date": date, **kw})


def build(rows, checkins=(), first_seen=None, lang="zh", as_of=AS_OF):
    return tt.build(board(*rows), [], PLAN, list(checkins), as_of, first_seen, lang)


def cell(t, goal_id, col, lang="zh"):
    i = t.raw.index[t.raw["goal_id"] == goal_id][0]
    return t.frames[lang].iloc[i][col]


def raw(t, goal_id):
    return t.raw.set_index("goal_id").loc[goal_id]


# --- columns --------------------------------------------------------------------------------------

def test_exact_columns_zh_and_en():
    t = build([goal_row()])
    assert list(t.frames["zh"].columns) == ZH and list(t.frames["en"].columns) == EN
    assert list(t.frame.columns) == ZH and tt.headers("en") == EN
    assert list(build([goal_row()], lang="en").frame.columns) == EN


def test_one_row_per_goal_in_scoreboard_order():
    t = build([goal_row("G2"), goal_row("G1"), goal_row("G3", **CAC)])
    assert t.raw["goal_id"].tolist() == ["G2", "G1", "G3"] and len(t.frame) == 3


def test_empty_scoreboard():
    t = tt.build(pd.DataFrame(columns=list(goal_row())), [], PLAN, [], AS_OF, None, "en")
    assert list(t.frame.columns) == EN and t.frame.empty
    assert tt.finding(t, "en") == "No goals to track in this period."
    assert tt.finding(t, "zh") == "本期没有需要跟踪的目标。"


# --- cells from the scoreboard ------------------------------------------------------------------------

def test_text_cells():
    t = build([goal_row(), goal_row("G4", **CAC)])
    assert cell(t, "G1", "策略模块") == "内容营销" and cell(t, "G1", "Strategy module", "en") == "Content marketing"
    assert cell(t, "G4", "策略模块") == "渠道拓展"            # the goal names its module by id
    assert cell(t, "G1", "具体目标(SMART)").splitlines()[0] == "G1 直播GMV"
    assert cell(t, "G1", "Goal (SMART)", "en").splitlines()[0] == "G1 Live GMV"
    # target 1000 (≥, higher is better) and, for a cumulative metric, the target to date 100
    assert cell(t, "G1", "具体目标(SMART)").splitlines()[1] == "目标 ≥ ¥1,000 · 至今应达 ¥100"
    assert cell(t, "G4", "Goal (SMART)", "en").splitlines()[1] == "target ≤ ¥115 · due to date ¥112"
    assert cell(t, "G1", "关键指标(KPI)") == "GMV(商品交易总额) · 渠道：直播"
    assert cell(t, "G4", "KPI", "en") == "Customer acquisition cost · whole business"
    assert cell(t, "G4", "数据来源") == "投放表、订单表" and cell(t, "G4", "Data source", "en") == "spend, orders"
    assert cell(t, "G1", "实际完成值") == "¥90.00" and cell(t, "G4", "Actual", "en") == "¥120"
    assert cell(t, "G1", "负责人") == "陈静"
    assert cell(t, "G1", "完成时限") == "2026-09-30"          # at risk: no adjustment deadline


def test_unmeasurable_goal_shows_dashes():
    row = goal_row("G7", metric=None, unit=None, direction=None, target=math.nan, actual=math.nan,
                   expected=math.nan, status="unmeasurable", tables=(), start=None, end=None, module="品牌推广")
    t = build([row])
    for col in ("关键指标(KPI)", "数据来源", "实际完成值", "偏差值(目标-实际)", "完成时限"):
        assert cell(t, "G7", col) == "—"
    assert cell(t, "G7", "策略模块") == "品牌推广"               # not in plan.yaml: the goal's text
    assert cell(t, "G7", "执行计划") == "—"


# --- deviation = target − actual ---------------------------------------------------------------------

def test_deviation_lower_is_better_uses_the_target_to_date():
    # CAC: the seasonal plan to date is 112 (target 115 for the year); actual 120: 112 − 120 = −8, bad
    t = build([goal_row("G4", **CAC)])
    r = raw(t, "G4")
    assert r["deviation"] == pytest.approx(-8.0) and r["reference"] == 112.0 and r["deviation_bad"]
    assert not r["cumulative"]
    assert cell(t, "G4", "偏差值(目标-实际)") == "-¥8.00"


def test_deviation_without_a_plan_to_date_uses_the_target():
    # no expected: 115 − 120 = −5
    t = build([goal_row("G4", **{**CAC, "expected": math.nan})])
    assert raw(t, "G4")["deviation"] == pytest.approx(-5.0) and raw(t, "G4")["reference"] == 115.0


def test_deviation_lower_is_better_below_ceiling_is_fine():
    # CAC 110 under the plan to date of 112: 112 − 110 = +2, not bad
    t = build([goal_row("G4", **{**CAC, "actual": 110.0})])
    assert raw(t, "G4")["deviation"] == pytest.approx(2.0) and not raw(t, "G4")["deviation_bad"]
    assert cell(t, "G4", "Deviation (target − actual)", "en") == "+¥2.00"


def test_deviation_cumulative_uses_target_to_date():
    # GMV: the whole target is 1000 but the target to date (expected) is 100; actual 90 -> 100 − 90 = +10, behind
    t = build([goal_row()])
    r = raw(t, "G1")
    assert r["deviation"] == pytest.approx(10.0) and r["reference"] == 100.0 and r["deviation_bad"] and r["cumulative"]
    assert cell(t, "G1", "偏差值(目标-实际)") == "+¥10.00"


def test_deviation_cumulative_ahead_is_negative_and_fine():
    # expected 100, actual 130 -> −30, ahead of plan
    t = build([goal_row(actual=130.0)])
    assert raw(t, "G1")["deviation"] == pytest.approx(-30.0) and not raw(t, "G1")["deviation_bad"]
    assert cell(t, "G1", "Deviation (target − actual)", "en") == "-¥30.00"


def test_deviation_ratio_in_percentage_points_and_counts_whole():
    # conversion planned 4.5 % to date (5 % target), actual 4 % -> +0.5 pp, behind;
    # new buyers expected 34,254.08, actual 34,007 -> +247
    conv = goal_row("G8", metric="conversion_rate", unit="ratio", target=0.05, actual=0.04, expected=0.045)
    buyers = goal_row("G10", metric="new_buyers", unit="people", target=69000.0, actual=34007.0, expected=34254.08)
    t = build([conv, buyers])
    assert raw(t, "G8")["deviation"] == pytest.approx(0.005) and raw(t, "G8")["deviation_bad"]
    assert cell(t, "G8", "偏差值(目标-实际)") == "+0.50个百分点"
    assert cell(t, "G8", "Deviation (target − actual)", "en") == "+0.50 pp"
    assert cell(t, "G8", "实际完成值") == "4.00%"
    assert raw(t, "G10")["deviation"] == pytest.approx(247.08)
    assert cell(t, "G10", "偏差值(目标-实际)") == "+247"


def test_missing_expected_falls_back_to_the_whole_target():
    # no plan to date: 1000 − 90 = +910
    t = build([goal_row(expected=math.nan)])
    assert raw(t, "G1")["deviation"] == pytest.approx(910.0) and cell(t, "G1", "偏差值(目标-实际)") == "+¥910"


def test_missing_actual_gives_no_deviation():
    t = build([goal_row(actual=math.nan)])
    assert math.isnan(raw(t, "G1")["deviation"]) and cell(t, "G1", "偏差值(目标-实际)") == "—"


@pytest.mark.parametrize("metric,cumulative", [("gmv", True), ("orders", True), ("buyers", True), ("new_buyers", True),
                                               ("net_sales", True), ("spend", True), ("cac", False), ("aov", False),
                                               ("conversion_rate", False), ("return_rate", False),
                                               ("repurchase_rate", False), ("roas", False), ("nope", False),
                                               (None, False)])
def test_is_cumulative(metric, cumulative):
    assert tt.is_cumulative(metric) is cumulative


# --- cause and measure from check-ins ----------------------------------------------------------------

CAUSE = {"zh": "主播流失", "en": "Hosts left"}
MEASURE = {"zh": "新签主播", "en": "Sign hosts"}


def test_latest_goal_checkin_over_module_and_not_after_as_of():
    notes = [ci("2026-08-01", goal="G1", cause={"zh": "旧原因", "en": "old"}, measure="旧措施"),
             ci("2026-08-10", goal="G1", cause=CAUSE, cause_type="execution", measure=MEASURE, due="2026-08-25"),
             ci("2026-08-12", module="内容营销", cause="模块原因", measure="模块措施"),   # newer, but the goal's wins
             ci("2026-08-20", goal="G1", cause="未来", measure="未来")]                  # after as_of: ignored
    t = build([goal_row()], notes)
    assert raw(t, "G1")["checkin_date"] == dt.date(2026, 8, 10) and raw(t, "G1")["checkin_from"] == "goal"
    assert cell(t, "G1", "偏差原因分析") == "2026-08-10 · 执行：主播流失"
    assert cell(t, "G1", "优化措施") == "2026-08-10：新签主播（截至 2026-08-25）"
    assert cell(t, "G1", "Cause", "en") == "2026-08-10 · execution: Hosts left"
    assert cell(t, "G1", "Measure", "en") == "2026-08-10: Sign hosts (by 2026-08-25)"


def test_module_checkin_when_the_goal_has_none():
    # the module is named by its English name in the check-in, by its Chinese name in the goal
    notes = [ci("2026-08-05", module="Content marketing", cause=CAUSE, measure=MEASURE, done=True),
             ci("2026-08-09", module="Content marketing", cause="太晚", measure="太晚")]
    t = build([goal_row()], notes, as_of=dt.date(2026, 8, 8))
    assert raw(t, "G1")["checkin_from"] == "module"
    assert cell(t, "G1", "偏差原因分析") == "2026-08-05 · 模块：主播流失"
    assert cell(t, "G1", "Measure", "en") == "2026-08-05 · module: Sign hosts (done)"


def test_no_checkin_and_other_modules_notes_ignored():
    notes = [ci("2026-08-05", module="M2", cause=CAUSE, measure=MEASURE), ci("2026-08-06", goal="G2", cause="x")]
    t = build([goal_row()], notes)
    assert cell(t, "G1", "偏差原因分析") == "—" and cell(t, "G1", "优化措施") == "—"
    assert raw(t, "G1")["checkin_from"] is None


def test_checkin_with_measure_only():
    t = build([goal_row()], [ci("2026-08-10", goal="G1", measure=MEASURE)])
    assert cell(t, "G1", "偏差原因分析") == "—" and cell(t, "G1", "优化措施") == "2026-08-10：新签主播"


# --- execution plan -----------------------------------------------------------------------------------

def test_plan_lists_actions_in_the_goal_period_with_marks():
    # M3 actions overlapping Q3: 直播间 (running), 7月达人专场 (ended 7-31, no done check-in: overdue),
    # 开学季 (starts 8-20). The year goal of M4 lists 618 (done by an action check-in) and 双11 (not started).
    notes = [ci("2026-07-03", action="618 festival", done=True)]
    year = goal_row("G6", module="活动促销", goal_period="2026", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    t = build([goal_row(), year], notes)
    assert cell(t, "G1", "执行计划") == "直播间\n7月达人专场（逾期）\n开学季（2026-08-20开始）"
    assert cell(t, "G1", "Plan", "en") == "Live room\nJuly creators (overdue)\nBack to school (starts 2026-08-20)"
    assert raw(t, "G1")["overdue_actions"] == ["7月达人专场"]
    assert cell(t, "G6", "执行计划") == "618大促（已完成）\n双11大促（2026-10-15开始）"
    # the Q3 goal of M2 does not list the spring action (March–April)
    q3 = build([goal_row("G9", module="M2")])
    assert cell(q3, "G9", "执行计划") == "付费搜索出价"


def test_action_done_only_by_a_done_checkin_up_to_as_of():
    action = PLAN.module("M4").actions[0]          # 618大促, ended 2026-06-20
    assert tt.action_state(action, [], AS_OF) == "overdue"
    assert tt.action_state(action, [ci("2026-07-03", action="618大促", done=True)], AS_OF) == "done"
    assert tt.action_state(action, [ci("2026-07-03", action="618 FESTIVAL", done=True)], AS_OF) == "done"
    assert tt.action_state(action, [ci("2026-08-20", action="618大促", done=True)], AS_OF) == "overdue"
    assert tt.action_state(action, [ci("2026-07-03", action="618大促", cause="x")], AS_OF) == "overdue"
    assert tt.action_state(action, [ci("2026-07-03", action="双11大促", done=True)], AS_OF) == "overdue"
    # an action that has not ended yet is running (or not started), never overdue
    assert tt.action_state(PLAN.module("M4").actions[1], [], AS_OF) == "not_started"
    assert tt.action_state(PLAN.module("M2").actions[0], [], AS_OF) == "running"


# --- the 24-hour adjustment plan ---------------------------------------------------------------------

def test_off_track_deadline_is_first_seen_plus_24_hours():
    # no first_seen given: flagged today (2026-08-15) -> plan due 2026-08-16
    t = build([goal_row(status="off_track")])
    r = raw(t, "G1")
    assert r["first_seen"] == AS_OF and r["adjustment_due"] == dt.date(2026, 8, 16) and not r["plan_overdue"]
    assert cell(t, "G1", "完成时限") == "2026-09-30\n调整方案截止 2026-08-16"
    assert cell(t, "G1", "Deadline", "en") == "2026-09-30\nAdjustment plan due 2026-08-16"


def test_adjustment_plan_overdue():
    # first flagged 2026-08-12 -> due 2026-08-13; nothing since -> overdue on 2026-08-15
    t = build([goal_row(status="off_track")], first_seen={"G1": "2026-08-12"})
    r = raw(t, "G1")
    assert r["adjustment_due"] == dt.date(2026, 8, 13) and r["plan_overdue"] and r["plan_submitted"] is None
    assert cell(t, "G1", "完成时限") == "2026-09-30\n调整方案逾期（截止 2026-08-13）"


def test_first_seen_by_alert_key():
    t = build([goal_row(status="off_track")], first_seen={"pace:G1": "2026-08-14"})
    assert raw(t, "G1")["adjustment_due"] == dt.date(2026, 8, 15) and not raw(t, "G1")["plan_overdue"]


def test_adjustment_plan_submitted():
    # flagged 2026-08-12; a check-in with a measure on 2026-08-13 is the plan (an older one does not count)
    notes = [ci("2026-08-01", goal="G1", cause="旧", measure="旧"),
             ci("2026-08-13", goal="G1", cause=CAUSE, measure=MEASURE)]
    t = build([goal_row(status="off_track")], notes, first_seen={"G1": dt.date(2026, 8, 12)})
    r = raw(t, "G1")
    assert r["plan_submitted"] == dt.date(2026, 8, 13) and not r["plan_overdue"] and not r["red_without_cause"]
    assert cell(t, "G1", "完成时限") == "2026-09-30\n已提交调整方案 (2026-08-13)"
    assert cell(t, "G1", "Deadline", "en") == "2026-09-30\nAdjustment plan submitted (2026-08-13)"


def test_measure_before_first_seen_is_not_the_adjustment_plan():
    notes = [ci("2026-08-01", goal="G1", cause=CAUSE, measure=MEASURE)]
    t = build([goal_row(status="off_track")], notes, first_seen={"G1": "2026-08-15"})
    assert raw(t, "G1")["plan_submitted"] is None
    assert cell(t, "G1", "完成时限").endswith("调整方案截止 2026-08-16")
    assert not raw(t, "G1")["red_without_cause"]          # it has a cause and a measure, though an old one


def test_no_deadline_for_at_risk_goals():
    t = build([goal_row(status="at_risk")], first_seen={"G1": "2026-08-01"})
    assert raw(t, "G1")["adjustment_due"] is None and cell(t, "G1", "完成时限") == "2026-09-30"


# --- highlight of a red row without cause ------------------------------------------------------------

def test_red_row_without_cause_is_flagged_and_marked():
    rows = [goal_row("G1", status="off_track"), goal_row("G2", status="off_track"), goal_row("G3", status="at_risk")]
    notes = [ci("2026-08-10", goal="G2", cause=CAUSE)]            # G2: a cause but no measure
    t = build(rows, notes)
    assert raw(t, "G1")["red_without_cause"] and raw(t, "G2")["red_without_cause"]
    assert not raw(t, "G3")["red_without_cause"]                 # not red: nothing highlighted
    assert tt.missing_cells(raw(t, "G1")) == {"cause", "measure"} and tt.missing_cells(raw(t, "G2")) == {"measure"}
    assert tt.missing_cells(raw(t, "G3")) == set()
    assert cell(t, "G1", "偏差原因分析").startswith("⚠ 缺少原因") and cell(t, "G1", "Measure", "en") == "⚠ Measure missing"
    assert cell(t, "G3", "偏差原因分析") == "—"
    html = tt.table_html(t, "zh")
    rows_html = re.findall(r"<tr data-status=.*?</tr>", html, flags=re.DOTALL)
    assert rows_html[0].count("attain-missing") == 2 and rows_html[1].count("attain-missing") == 1
    assert "attain-missing" not in rows_html[2]
    assert "⚠ 缺少原因" in rows_html[0] and tt.HIGHLIGHT in rows_html[0]


def test_rows_tinted_by_status():
    # off track #C62828 mixed 16 % with white: 255 − (255 − 198)·0.16 = 245.9 -> F6; 255 − 215·0.16 = 220.6 -> DD
    assert tt.tint("#C62828") == "#F6DDDD"
    assert tt.status_fill("off_track") == "#F6DDDD" and tt.status_fill("missed") == "#F6DDDD"
    # on track #66BB6A: 255 − 153·0.16 = 230.52 -> 231 = E7; 255 − 68·0.16 = 244.12 -> F4; 255 − 149·0.16 = 231.16 -> E7
    assert tt.status_fill("on_track") == "#E7F4E7"
    t = build([goal_row(status="off_track"), goal_row("G2", status="on_track")])
    html = tt.table_html(t, "en")
    assert "data-status='off_track' style='background:#F6DDDD'" in html
    assert "data-status='on_track' style='background:#E7F4E7'" in html


# --- escaping -------------------------------------------------------------------------------------

def test_hostile_texts_are_escaped():
    notes = [ci("2026-08-10", goal="G1", cause="<img src=x onerror=alert(1)>", measure="a & b")]
    t = build([goal_row(name_zh="<script>alert('x')</script>", name_en="<script>", owner="<b>陈静</b>")], notes)
    for lang in ("zh", "en"):
        html = tt.table_html(t, lang)
        assert "<script>" not in html and "<img" not in html and "<b>陈静" not in html
        assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in tt.table_html(t, "zh") and "a &amp; b" in tt.table_html(t, "zh")


# --- finding and show ------------------------------------------------------------------------------

def _mixed():
    rows = [goal_row("G1", status="on_track"), goal_row("G2", status="off_track", owner="陈静"),
            goal_row("G3", status="off_track", owner="刘洋"), goal_row("G4", status="at_risk"),
            goal_row("G6", status="not_started")]
    notes = [ci("2026-08-14", goal="G3", cause=CAUSE, measure=MEASURE)]
    return build(rows, notes)


def test_finding_counts_and_red_rows_without_cause():
    # 5 goals: off track G2, G3; at risk G4; on track G1; not started G6. G3 has a check-in, G2 has none.
    t = _mixed()
    assert tt.finding(t, "zh") == ("共5个目标：落后2个，有风险1个，进度正常1个，未开始1个。"
                                   "1个落后目标尚缺原因或措施（G2，负责人陈静）。")
    assert tt.finding(t, "en") == ("5 goals: 2 off track, 1 at risk, 1 on track, 1 not started. "
                                   "1 off-track goal has no cause or measure yet (G2, owner 陈静).")


def test_finding_without_red_and_with_all_causes():
    t = build([goal_row(status="on_track")])
    assert tt.finding(t, "en") == "1 goal: 1 on track. No goal is off track."
    t = build([goal_row(status="off_track")], [ci("2026-08-14", goal="G1", cause=CAUSE, measure=MEASURE)])
    assert tt.finding(t, "zh") == "共1个目标：落后1个。1个落后目标均已填写原因和措施。"
    assert tt.finding(t, "en").endswith("Every off-track goal (1) has a cause and a measure.")


def test_show_renders_heading_finding_table_and_note(monkeypatch):
    shown = []
    monkeypatch.setattr(display, "_display", lambda obj: shown.append(getattr(obj, "data", obj)))
    tt.show(_mixed(), "en")
    text = "\n".join(str(s) for s in shown)
    assert "## Tracking table" in text and "5 goals: 2 off track" in text
    assert "Deviation (target − actual)" in text and "attain-missing" in text
    assert "within 24 hours" in text


# --- the sample check-ins ---------------------------------------------------------------------------

def test_sample_checkins_name_existing_goals_modules_and_actions():
    from attain import paths
    folder = paths.project_root() / "data" / "plan"
    notes = load_checkins(folder)
    goals, plan = {g.id for g in load_goals(folder)}, load_plan(folder)
    actions = {n for m in plan.modules for a in m.actions for n in (a.name.zh, a.name.en)}
    assert len(notes) >= 6
    for c in notes:
        kind, ref = c.subject
        assert (kind == "goal" and ref in goals) or (kind == "module" and plan.module(ref) is not None) or \
            (kind == "action" and ref in actions), c
        assert dt.date(2026, 1, 1) <= c.date <= dt.date(2026, 8, 15), c   # in the plan year, not after the data
        for text in (c.cause, c.measure):
            assert text is None or (text.zh and text.en and text.zh != text.en)
    assert any(c.subject == ("action", "618大促") and c.done for c in notes)
    # G09 (off track in the sample at 2026-08-15) and its module 渠道拓展 have no check-in: its row is highlighted
    assert not [c for c in notes if c.subject in (("goal", "G09"), ("module", "M2"), ("module", "渠道拓展"))]
