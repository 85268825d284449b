"""Overdue actions and measures, and the owners' view, on a hand-made plan, check-ins, scoreboard and alerts."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pandas as pd
import pytest
from attain import display, module_kpis, owners
from attain.alert_state import Alert
from attain.checkins import CheckIn, load_checkins
from attain.goals import Plan, load_plan
from tmpfiles import write

D = dt.date
AS_OF = "2026-03-10"

PLAN = """modules:
  - id: M1
    name: {zh: 品牌推广, en: Brand promotion}
    owner: 王芳
    actions:
      - {name: {zh: KOL种草, en: KOL seeding}, owner: 王芳, start: 2026-03-01, end: 2026-03-31, budget: 3100}
      - {name: {zh: 信息流曝光, en: Feed exposure}, owner: 赵磊, start: 2025-12-22, end: 2026-01-10, budget: 2000}
  - id: M2
    name: {zh: 活动促销, en: Campaigns}
    owner: 赵磊
    actions:
      - {name: {zh: 38节, en: Women's Day}, owner: 赵磊, start: 2026-03-01, end: 2026-03-08, budget: 800}
      - {name: {zh: 直播日常, en: Live daily}, owner: 孙丽, start: 2026-01-01, end: 2026-12-31, budget: 3650}
      - {name: {zh: 618预热, en: 618 warm-up}, owner: 孙丽, start: 2026-05-20, end: 2026-06-20, budget: 1000}
"""
# as_of 2026-03-10. Actions past their end: 信息流曝光 (ended 01-10: 21 + 28 + 10 = 59 days ago) and 38节 (ended
# 03-08, 2 days ago). Running on as_of: KOL种草 and 直播日常. 618预热 has not started.
CHECKINS = """checkins:
  - {date: 2026-02-01, goal: G1, by: 张伟, measure: {zh: 加投, en: Spend more}, due: 2026-02-20, done: false}
  - {date: 2026-02-25, goal: G1, by: 张伟, measure: {zh: 加投, en: spend more}, done: true}
  - {date: 2026-02-01, goal: G3, by: 王芳, measure: {zh: 旧措施, en: Old measure}, due: 2026-02-15}
  - {date: 2026-03-01, goal: G3, by: 王芳, measure: {zh: 新措施, en: New measure}, due: 2026-03-31}
  - {date: 2026-03-01, module: 活动促销, measure: {zh: 补签主播, en: Sign hosts}, due: 2026-03-05, done: false}
  - {date: 2026-03-02, action: KOL种草, by: 王芳, measure: {zh: 换达人, en: New KOLs}, due: 2026-03-20}
  - {date: 2026-03-03, goal: G2, by: 李娜, measure: {zh: 发券, en: Coupons}, due: 2026-03-09, done: false}
  - {date: 2026-03-09, action: "women's day", by: 赵磊, done: true}
  - {date: 2026-03-11, goal: G2, by: 李娜, measure: {zh: 发券, en: Coupons}, done: true}
  - {date: 2026-03-12, action: 信息流曝光, by: 赵磊, done: true}
"""
# - G1 "加投" was due 02-20 but the later check-in (02-25; same measure, English text in another case) says done.
# - G3 "旧措施" was due 02-15, but on 03-01 a newer measure "新措施" (due 03-31) replaced it: neither is overdue.
# - 活动促销's "补签主播" was due 03-05, not done: 5 days overdue; no `by`, so the module's owner 赵磊 owns it.
# - KOL种草's "换达人" is due 03-20: open, not overdue (done defaults to false).
# - G2 "发券" was due 03-09: 1 day overdue; it is marked done on 03-11, after as_of, which does not count yet.
# - 38节 is confirmed done (by its English name, in lower case) on 03-09: not overdue.
# - 信息流曝光 is confirmed done only on 03-12, after as_of: still overdue, 59 days.


@pytest.fixture
def plan_dir(tmp_path):
    return write(tmp_path / "plan", **{"plan.yaml": PLAN, "checkins.yaml": CHECKINS})


@pytest.fixture
def plan(plan_dir):
    return load_plan(plan_dir)


@pytest.fixture
def checkins(plan_dir):
    return load_checkins(plan_dir)


def scoreboard() -> pd.DataFrame:
    rows = [("G1", "GMV目标", "GMV goal", "张伟", "off_track"), ("G2", "复购目标", "Repurchase goal", "李娜", "on_track"),
            ("G3", "品牌目标", "Brand goal", "王芳/赵磊", "at_risk"), ("G4", "模糊目标", "Vague goal", None, "unmeasurable"),
            ("G5", "<b>退货</b>", "<b>Returns</b>", "张伟", "achieved")]
    return pd.DataFrame(rows, columns=["goal_id", "name_zh", "name_en", "owner", "status"])


ALERTS = [Alert(key="pace:G1", rule="goal_pace", severity="high", subject="G1", message_zh="G1 落后",
                message_en="G1 behind", owner="张伟", state="new"),
          Alert(key="burn:M2", rule="spend_burn", severity="medium", subject="M2", message_zh="M2 花费超前",
                message_en="M2 burning ahead", owner="赵磊", state="ongoing"),
          Alert(key="cac:KOL", rule="cac_over_budget", severity="high", subject="KOL", message_zh="KOL CAC",
                message_en="KOL CAC", owner="王芳", state="resolved")]


# --- overdue ----------------------------------------------------------------------------------

def test_overdue_actions_and_measures(plan, checkins):
    o = owners.overdue_actions(plan, checkins, AS_OF)
    assert list(o["kind"]) == ["action", "measure", "measure"]
    assert list(o["subject"]) == ["信息流曝光", "M2", "G2"]
    assert list(o["owner"]) == ["赵磊", "赵磊", "李娜"]
    assert list(o["days_overdue"]) == [59, 5, 1]
    assert list(o["due"]) == [D(2026, 1, 10), D(2026, 3, 5), D(2026, 3, 9)]
    assert o.loc[1, "measure_en"] == "Sign hosts" and o.loc[1, "subject_zh"] == "活动促销"


def test_overdue_changes_with_as_of(plan, checkins):
    # on 2026-03-12 the G2 coupon measure and 信息流曝光 are both confirmed done; the hosts measure is 7 days late
    o = owners.overdue_actions(plan, checkins, "2026-03-12")
    assert list(zip(o["kind"], o["subject"], o["days_overdue"])) == [("measure", "M2", 7)]
    # before anything ended or fell due: nothing overdue (信息流曝光 ends 01-10: not yet passed on 01-10)
    assert owners.overdue_actions(plan, checkins, "2026-01-10").empty
    # with no check-ins every ended action is overdue
    o = owners.overdue_actions(plan, [], AS_OF)
    assert list(zip(o["subject"], o["days_overdue"])) == [("信息流曝光", 59), ("38节", 2)]
    assert module_kpis.overdue_actions is owners.overdue_actions          # also importable from module_kpis


def test_measure_states(plan, checkins):
    m = owners.measures(plan, checkins, AS_OF).set_index("measure_zh")
    assert bool(m.loc["加投", "done"]) and not m.loc["加投", "overdue"]
    assert not m.loc["换达人", "done"] and not m.loc["换达人", "overdue"] and m.loc["换达人", "subject"] == "KOL种草"
    assert m.loc["换达人", "module_id"] == "M1"
    assert m.loc["发券", "overdue"] and m.loc["补签主播", "days_overdue"] == 5
    assert "旧措施" not in m.index and not m.loc["新措施", "overdue"] and m.loc["新措施", "owner"] == "王芳"
    assert len(m) == 5                                                   # one current measure per subject


def test_done_without_measure_closes_the_current_measure(plan):
    # G7: a measure due 02-10; on 02-20 a check-in without a measure says done -> closed, not overdue.
    # G8: the same measure written again on 02-05 without a due date keeps the first due date (02-08).
    cis = [CheckIn(date="2026-02-01", goal="G7", by="A", measure="X", due="2026-02-10"),
           CheckIn(date="2026-02-20", goal="G7", by="A", done=True),
           CheckIn(date="2026-02-01", goal="G8", by="B", measure={"zh": "Y", "en": "Why"}, due="2026-02-08"),
           CheckIn(date="2026-02-05", goal="G8", by="B", measure={"zh": "Y2", "en": "why"})]
    m = owners.measures(plan, cis, AS_OF).set_index("subject")
    assert bool(m.loc["G7", "done"]) and not m.loc["G7", "overdue"]
    assert m.loc["G8", "due"] == D(2026, 2, 8) and m.loc["G8", "days_overdue"] == 30      # 02-08 -> 03-10


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overdue_words(plan, checkins, lang):
    o = owners.overdue_actions(plan, checkins, AS_OF)
    text = owners.overdue_finding(o, lang, AS_OF)
    assert text == ("截至2026年3月10日，1项行动已过结束日期但未确认完成，2项措施已过期限；逾期最久的是信息流曝光（赵磊，59天）。"
                    if lang == "zh" else
                    "By 10 Mar 2026, 1 action(s) have passed their end date without being confirmed done and 2 "
                    "measure(s) are past their due date; the longest overdue is Feed exposure (赵磊, 59 days).")
    t = owners.overdue_table(o, lang)
    assert list(t.iloc[:, -1]) == ["59", "5", "1"]
    assert owners.overdue_finding(o.iloc[0:0], lang, AS_OF) == ("截至2026年3月10日，没有逾期的行动或措施。" if lang == "zh"
                                                                else "By 10 Mar 2026, no action or measure is overdue.")


# --- the owners' view -------------------------------------------------------------------------

def test_owners_grouping(plan, checkins):
    v = owners.owners_view(scoreboard(), plan, checkins, ALERTS, AS_OF)
    # red: 赵磊 (信息流曝光 and 补签主播 overdue: 2 red items; G3 at risk and a medium alert: 2 amber items),
    #      张伟 (G1 off track and a high alert: 2 red items, no amber), 李娜 (发券 overdue: 1 red item);
    # amber: 王芳 (G3 at risk; her KOL alert is resolved), no owner (G4 not measurable); green: 孙丽 (直播日常 running)
    assert [o for o in v["owner"]] == ["赵磊", "张伟", "李娜", "王芳", None, "孙丽"]
    assert list(v["level"]) == ["red", "red", "red", "amber", "amber", "green"]
    r = v.set_index(v["owner"].fillna("-"))
    assert [g["goal_id"] for g in r.loc["张伟", "goals"]] == ["G1", "G5"] and r.loc["张伟", "worst"] == "off_track"
    assert [g["goal_id"] for g in r.loc["王芳", "goals"]] == ["G3"] and [g["goal_id"] for g in r.loc["赵磊", "goals"]] == ["G3"]
    assert [(a["action_zh"], a["overdue"], a["days_overdue"]) for a in r.loc["赵磊", "actions"]] == \
        [("信息流曝光", True, 59)]                                    # 38节 is done
    assert [a["action_zh"] for a in r.loc["王芳", "actions"]] == ["KOL种草"]
    assert [a["action_zh"] for a in r.loc["孙丽", "actions"]] == ["直播日常"]   # 618预热 has not started
    assert [m["measure_zh"] for m in r.loc["王芳", "measures"]] == ["新措施", "换达人"]
    assert [m["measure_zh"] for m in r.loc["赵磊", "measures"]] == ["补签主播"]
    assert r.loc["张伟", "measures"] == []                                       # 加投 is done
    assert [a["key"] for a in r.loc["张伟", "alerts"]] == ["pace:G1"] and r.loc["王芳", "alerts"] == []
    assert r.loc["赵磊", "n_overdue"] == 2 and r.loc["张伟", "n_off_track"] == 1 and r.loc["-", "worst"] == "unmeasurable"


def test_owners_finding_zh_en(plan, checkins):
    v = owners.owners_view(scoreboard(), plan, checkins, ALERTS, AS_OF)
    assert owners.owners_finding(v, "zh") == (
        "5位负责人需要关注——赵磊：1个目标有风险、1项行动逾期、1项措施逾期、1条中优先级预警；张伟：1个目标落后、1条高优先级预警；"
        "李娜：1项措施逾期；王芳：1个目标有风险；（未指定负责人）：1个目标无法衡量。")
    assert owners.owners_finding(v, "en", limit=2) == (
        "5 owners need attention — 赵磊: 1 goal at risk, 1 action overdue, 1 measure overdue, 1 medium-severity "
        "alert; 张伟: 1 goal off track, 1 high-severity alert; and 3 more.")
    # on 2026-01-05 nothing has ended yet and every goal is on track
    calm = owners.owners_view(scoreboard().assign(status="on_track"), plan, [], [], "2026-01-05")
    assert set(calm["level"]) == {"green"}
    assert owners.owners_finding(calm, "en").startswith("Every owner's goals are on track")
    assert owners.owners_finding(owners.owners_view(scoreboard().iloc[0:0], Plan(), [], [], AS_OF), "zh") == "没有在跟踪的目标、行动或预警。"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_show_owners_marks_and_escapes(plan, checkins, lang):
    v = owners.owners_view(scoreboard(), plan, checkins, ALERTS, AS_OF)
    html = owners.owners_html(v, lang)
    assert "<b>退货</b>" not in html and "<b>Returns</b>" not in html and "&lt;b&gt;" in html
    assert html.count("<tr>") == 1 + 6                                   # header + one row per person
    assert "color:#C62828" in html and "color:#F9A825" in html and "color:#66BB6A" in html
    assert ("逾期59天" in html and "（未指定负责人）" in html) if lang == "zh" else \
        ("59 days overdue" in html and "(no owner)" in html)
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        owners.show_owners(v, lang)
        owners.show_overdue(owners.overdue_actions(plan, checkins, AS_OF), lang, AS_OF)
    out = "\n".join(str(getattr(o, "data", o)) for o in captured)
    assert ("负责人视图" in out and "逾期的行动与措施" in out) if lang == "zh" else \
        ("Owners at a glance" in out and "Overdue actions and measures" in out)
    assert owners.owners_finding(v, lang)[:8] in out
