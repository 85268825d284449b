"""Alerts: the alerts.yaml rules, the built-ins firing and not firing at their thresholds, the view.

The folder used by most tests (``folder``), analysed as of 2026-03-31; every row is on one of two days:

- 2026-02-25 (in the trailing 28 days 02-25 .. 03-24 of a 7-day window 03-25 .. 03-31):
  直播 8 orders (customers l1..l8), UV 32; 私域 4 orders (p1..p4), UV 16; spend 直播 500, 私域 100.
- 2026-03-31 (in the last 7 days): 直播 6 orders (l9..l14, new buyers; 2 of them returned), UV 32;
  私域 4 orders (p5..p8, new buyers, category 服饰, 1 returned), UV 16; spend 直播 900, 私域 400.

Hand-worked values:
- conversion 直播: trailing 8 / 32 = 0.25, recent 6 / 32 = 0.1875 -> drop 1 − 0.75 = 0.25;
  私域: 4 / 16 = 0.25 both -> drop 0; all channels: 12 / 48 = 0.25 vs 10 / 48 -> drop 1 − 10/12 = 0.1667.
- CAC 2026-03-01 .. 03-31: 直播 900 / 6 new buyers = 150; 私域 400 / 4 = 100.
- return rate of the last 7 days: (2 + 1) / 10 orders = 0.30; 服饰 only: 1 / 4 = 0.25.
- UV 直播 per day: last 7 days 32 / 7, the 28 before 32 / 28 -> ×4, a change of +300 % (the totals are equal:
  comparing totals would say 0 %).
"""

from __future__ import annotations

import math
import types
from unittest import mock

import pandas as pd
import pytest

from attain import alert_rules, alert_state, alerts, alerts_view, display
from attain.alert_state import Alert
from attain.alerts import AlertConfig
from attain.data import load_dataset
from attain.errors import AttainError
from tmpfiles import write

AS_OF = "2026-03-31"
PERIOD_START = "2026-03-01"


def _orders() -> str:
    rows = ["order_id,customer_id,order_date,gmv,channel,category,region,returned,cost"]
    for i in range(1, 9):
        rows.append(f"L{i:02d},l{i},2026-02-25,100,直播,美妆,一线城市,false,40")
    for i in range(9, 15):
        rows.append(f"L{i:02d},l{i},2026-03-31,100,直播,美妆,一线城市,{'true' if i in (9, 10) else 'false'},40")
    for i in range(1, 5):
        rows.append(f"P{i:02d},p{i},2026-02-25,100,私域,服饰,二线城市,false,40")
    for i in range(5, 9):
        rows.append(f"P{i:02d},p{i},2026-03-31,100,私域,服饰,二线城市,{'true' if i == 5 else 'false'},40")
    return "\n".join(rows) + "\n"


TRAFFIC = """date,channel,uv,pv
2026-02-25,直播,32,100
2026-02-25,私域,16,50
2026-03-31,直播,32,100
2026-03-31,私域,16,50
"""
SPEND = """date,channel,spend,campaign,module,impressions,clicks
2026-02-25,直播,500,日常,内容营销,1000,10
2026-02-25,私域,100,日常,用户运营,1000,10
2026-03-31,直播,900,日常,内容营销,1000,10
2026-03-31,私域,400,日常,用户运营,1000,10
"""


@pytest.fixture
def ds(tmp_path):
    return load_dataset(write(tmp_path / "data", **{"orders.csv": _orders(), "traffic.csv": TRAFFIC,
                                                   "spend.csv": SPEND}))


@pytest.fixture
def orders_only(tmp_path):
    return load_dataset(write(tmp_path / "orders_only", **{"orders.csv": _orders()}))


def rule(**kw) -> alert_rules.Rule:
    return alert_rules.Rule(**{"id": "r1", "name": {"zh": "规则一", "en": "Rule one"}, **kw})


def keys(found) -> dict[str, str]:
    return {a.key: a.severity for a in found}


# --- alerts.yaml ------------------------------------------------------------------------------

def test_a_missing_file_gives_the_defaults(tmp_path):
    config = alerts.load_alert_rules(tmp_path)
    assert config.settings == {"pace_gap": 0.10, "cac_over": 0.20, "burn_ahead": 0.10, "conversion_drop": 0.15,
                               "stale_days": 2}
    assert config.rules == () and config.file is None


def test_settings_override_one_by_one_and_rules_load(tmp_path):
    write(tmp_path, **{"alerts.yaml": """settings: {cac_over: 0.3}
rules:
  - id: apparel_returns
    name: {zh: 服饰退货率过高, en: Apparel returns too high}
    metric: return_rate
    scope: {category: 服饰}
    above: 0.28
    owner: 孙丽
"""})
    config = alerts.load_alert_rules(tmp_path)
    assert config.settings["cac_over"] == 0.3 and config.settings["pace_gap"] == 0.10
    (r,) = config.rules
    assert (r.id, r.metric, r.scope, r.window, r.condition, r.severity) == (
        "apparel_returns", "return_rate", {"category": "服饰"}, 7, ("above", 0.28), "medium")


@pytest.mark.parametrize("body, where, words", [
    ("metric: gmvv\n    above: 1", "rule r1, field metric", "unknown metric 'gmvv'"),
    ("metric: gmv\n    above: 1\n    below: 0", "rule r1, field below", "above and below are both given"),
    ("metric: gmv", "rule r1, field above", "no condition"),
    ("metric: gmv\n    above: 1\n    severity: urgent", "rule r1, field severity", "'high', 'medium' or 'low'"),
    ("metric: uv\n    scope: {category: 服饰}\n    change_below: -0.2", "rule r1, field scope.category",
     "'uv' cannot be scoped by category"),
    ("metric: gmv\n    scope: {city: 上海}\n    above: 1", "rule r1, field scope", "unknown dimension 'city'"),
    ("metric: gmv\n    above: 1\n    treshold: 2", "rule r1, field treshold", "unknown key 'treshold'"),
])
def test_yaml_errors_name_file_rule_field_and_what_to_do(tmp_path, body, where, words):
    write(tmp_path, **{"alerts.yaml": f"rules:\n  - id: r1\n    name: 规则\n    {body}\n"})
    with pytest.raises(AttainError) as exc:
        alerts.load_alert_rules(tmp_path)
    text = str(exc.value)
    assert "alerts.yaml" in text and where in text and words in text and "What to do:" in text


def test_yaml_errors_in_settings_and_duplicate_ids(tmp_path):
    write(tmp_path, **{"alerts.yaml": "settings: {stale_days: -1}\n"})
    with pytest.raises(AttainError, match="settings, field stale_days"):
        alerts.load_alert_rules(tmp_path)
    write(tmp_path, **{"alerts.yaml": "rules:\n  - {id: a, name: A, metric: gmv, above: 1}\n"
                                      "  - {id: a, name: B, metric: gmv, below: 1}\n"})
    with pytest.raises(AttainError, match="rule id 'a' is used twice"):
        alerts.load_alert_rules(tmp_path)
    write(tmp_path, **{"alerts.yaml": "rule:\n  - {id: a}\n"})
    with pytest.raises(AttainError, match="expected the keys 'settings' and 'rules', found: rule"):
        alerts.load_alert_rules(tmp_path)


def test_the_sample_file_loads():
    config = alerts.load_alert_rules("data/plan")
    assert [r.id for r in config.rules] == ["apparel_returns", "live_gmv_drop"]


# --- custom rules ------------------------------------------------------------------------------

def test_level_rules_are_strict_at_the_threshold(ds):
    # return rate of the last 7 days = 3 / 10 = 0.30
    at = alert_rules.evaluate_rule(ds, rule(metric="return_rate", above=0.30), AS_OF)
    assert at.value == pytest.approx(0.30) and not at.fired
    assert alert_rules.evaluate_rule(ds, rule(metric="return_rate", above=0.29), AS_OF).fired
    assert not alert_rules.evaluate_rule(ds, rule(metric="return_rate", below=0.30), AS_OF).fired
    assert alert_rules.evaluate_rule(ds, rule(metric="return_rate", below=0.31), AS_OF).fired
    apparel = alert_rules.evaluate_rule(ds, rule(metric="return_rate", scope={"category": "服饰"}, above=0.24), AS_OF)
    assert apparel.value == pytest.approx(0.25) and apparel.fired        # 1 / 4


def test_level_rule_words(ds):
    res = alert_rules.evaluate_rule(ds, rule(metric="return_rate", scope={"category": "服饰"}, above=0.27), AS_OF)
    assert res.described_zh == "服饰退货率近7天高于27.00%：当前25.00%，未触发"
    assert res.described_en == "Return rate (服饰) over the last 7 days above 27.00%: now 25.00%, not fired"


def test_a_lower_is_better_metric_fires_when_it_rises(ds):
    # CAC of the last 7 days: 直播 900 / 6 = 150 (CAC is lower-is-better: "above" means worse)
    res = alert_rules.evaluate_rule(ds, rule(metric="cac", scope={"channel": "直播"}, above=149), AS_OF)
    assert res.value == pytest.approx(150) and res.fired
    assert not alert_rules.evaluate_rule(ds, rule(metric="cac", scope={"channel": "直播"}, above=150), AS_OF).fired


def test_change_rules_compare_sums_per_day(ds):
    # UV 直播: 32 / 7 per day vs 32 / 28 -> ×4, +300 %
    res = alert_rules.evaluate_rule(ds, rule(metric="uv", scope={"channel": "直播"}, change_above=2.9), AS_OF)
    assert res.value == pytest.approx(32 / 7) and res.baseline == pytest.approx(32 / 28)
    assert res.change == pytest.approx(3.0) and res.fired
    assert not alert_rules.evaluate_rule(ds, rule(metric="uv", scope={"channel": "直播"}, change_above=3.1),
                                         AS_OF).fired
    assert alert_rules.is_additive("uv") and alert_rules.is_additive("net_sales")
    assert not alert_rules.is_additive("conversion_rate") and not alert_rules.is_additive("cac")


def test_change_rules_compare_ratios_as_ratios(ds):
    # conversion 直播: 0.1875 vs 0.25 -> −25 %
    res = alert_rules.evaluate_rule(ds, rule(metric="conversion_rate", scope={"channel": "直播"},
                                             change_below=-0.2), AS_OF)
    assert (res.value, res.baseline, res.change, res.fired) == (pytest.approx(0.1875), pytest.approx(0.25),
                                                                 pytest.approx(-0.25), True)
    assert res.described_zh == ("直播转化率近7天较前28天下降超过20.0%：近7天18.75%，前28天25.00%，变化-25.0%，已触发")
    assert res.described_en == ("Conversion rate (直播) of the last 7 days falls by more than 20.0% vs the 28 days "
                                "before: 18.75% vs 25.00% (-25.0%), fired")
    assert not alert_rules.evaluate_rule(ds, rule(metric="conversion_rate", scope={"channel": "直播"},
                                                  change_below=-0.3), AS_OF).fired


def test_a_change_rule_needs_the_trailing_history(ds):
    # as_of 03-30: the 28 days before 03-24 .. 03-30 start on 02-24, before the data (02-25)
    res = alert_rules.evaluate_rule(ds, rule(metric="uv", change_below=-0.2), "2026-03-30")
    assert not res.fired and not res.evaluated
    assert "the traffic data start on 2026-02-25" in res.described_en


def test_a_rule_whose_table_is_missing_does_not_fire_and_says_why(orders_only):
    res = alert_rules.evaluate_rule(orders_only, rule(metric="uv", change_below=-0.2), AS_OF)
    assert not res.fired and res.missing == ("traffic",)
    assert res.described_zh.endswith("无法评估，数据缺少traffic")
    assert res.described_en.endswith("not evaluated, the data have no traffic")
    found, results, skipped = alerts.rule_alerts(orders_only, [rule(metric="uv", change_below=-0.2)], AS_OF)
    assert not results["r1"].evaluated and found == [] and skipped[0].rule == "rule:r1" and "rule r1 not evaluated" in skipped[0].reason_en


def test_fired_custom_rules_become_alerts(ds):
    r = rule(metric="return_rate", above=0.29, severity="high", owner="孙丽")
    (a,), results, skipped = alerts.rule_alerts(ds, [r], AS_OF)
    assert (a.key, a.rule, a.severity, a.owner, a.value, a.threshold) == (
        "rule:r1", "r1", "high", "孙丽", pytest.approx(0.3), 0.29)
    assert results["r1"].fired and skipped == []
    assert a.message_zh == "规则一：退货率近7天高于29.00%：当前30.00%，已触发。"
    assert a.message_en == "Rule one: Return rate over the last 7 days above 29.00%: now 30.00%, fired."


# --- built-ins -------------------------------------------------------------------------------

def scoreboard() -> pd.DataFrame:
    base = {"owner": "张伟", "unit": "CNY", "direction": "higher", "actual": 90.0, "expected": 100.0}
    rows = [
        {"goal_id": "G1", "name_zh": "目标一", "name_en": "Goal one", "pace": 0.90, "status": "at_risk"},  # = threshold
        {"goal_id": "G2", "name_zh": "目标二", "name_en": "Goal two", "pace": 0.89, "status": "off_track"},
        {"goal_id": "G3", "name_zh": "目标三", "name_en": "Goal three", "pace": 0.50, "status": "missed"},  # closed
        {"goal_id": "G4", "name_zh": "目标四", "name_en": "Goal four", "pace": float("nan"), "status": "at_risk"},
        # lower is better: CAC 125 actual vs 100 expected -> pace = 100 / 125 = 0.8
        {"goal_id": "G5", "name_zh": "获客成本", "name_en": "CAC", "pace": 0.8, "status": "off_track",
         "direction": "lower", "actual": 125.0, "expected": 100.0, "owner": "刘洋"},
        {"goal_id": "G6", "name_zh": "目标六", "name_en": "Goal six", "pace": 0.93, "status": "at_risk"},
    ]
    return pd.DataFrame([{**base, **r} for r in rows])


def test_goal_pace_fires_below_one_minus_the_gap():
    found = alerts.goal_pace_alerts(scoreboard(), None)             # threshold 1 − 0.10 = 0.90
    assert keys(found) == {"pace:G2": "high", "pace:G5": "high"}
    # with pace_gap 0.05 (threshold 0.95) the at-risk G1 (0.90) and G6 (0.93) are medium
    found = alerts.goal_pace_alerts(scoreboard(), {"pace_gap": 0.05})
    assert keys(found) == {"pace:G1": "medium", "pace:G2": "high", "pace:G5": "high", "pace:G6": "medium"}


def test_goal_pace_words_flip_for_lower_is_better():
    g5 = next(a for a in alerts.goal_pace_alerts(scoreboard(), None) if a.subject == "G5")
    assert g5.owner == "刘洋" and g5.value == pytest.approx(0.8) and g5.threshold == pytest.approx(0.9)
    assert g5.message_zh == "获客成本进度落后：至今实际¥125，按季节性计划应为¥100（越低越好），进度指数0.80（低于0.90）。"
    assert g5.message_en == ("CAC is behind pace: ¥125 to date against ¥100 expected by the seasonal plan "
                             "(lower is better), pace 0.80 (below 0.90).")


def test_cac_over_budget_at_the_boundary(ds):
    # 直播 150 vs budgeted 125: 150 ≥ 1.2 × 125 = 150 -> fires, medium (high from 1.4 × 125 = 175);
    # 私域 100 vs 50: 100 ≥ 1.4 × 50 = 70 -> high; KOL has a target but no data -> nothing
    found = alerts.cac_alerts(ds, {"直播": 125, "私域": 50, "KOL": 100}, None, PERIOD_START, AS_OF,
                              {"直播": "周杰"})
    assert keys(found) == {"cac:直播": "medium", "cac:私域": "high"}
    live = next(a for a in found if a.subject == "直播")
    assert (live.value, live.threshold, live.owner) == (pytest.approx(150), pytest.approx(150), "周杰")
    assert live.message_zh == "直播获客成本¥150，比预算CAC ¥125高20.0%（2026-03-01至2026-03-31：花费¥900，新客6人）。"
    assert live.message_en == ("CAC in 直播 is ¥150, 20.0% above the budgeted ¥125 (2026-03-01 to 2026-03-31: "
                               "spend ¥900, 6 new buyers).")
    # 1.2 × 126 = 151.2 > 150: no alert
    assert alerts.cac_alerts(ds, {"直播": 126}, None, PERIOD_START, AS_OF) == []


def spend_plan(rows, total) -> types.SimpleNamespace:
    """A SpendPlan-shaped object (module_kpis.SpendPlan's by_module / total frames), by hand."""
    cols = ["module_id", "module_zh", "module_en", "owner", "planned_to_date", "spent"]
    return types.SimpleNamespace(by_module=pd.DataFrame(rows, columns=cols),
                                 total=pd.DataFrame([total], columns=["planned_to_date", "spent"]))


def test_spend_burn_at_the_boundary():
    sp = spend_plan([("M1", "品牌推广", "Brand", "王芳", 1000, 1100),      # 1.10 = 1 + 0.10 -> medium
                     ("M2", "渠道拓展", "Channels", "刘洋", 1000, 1099),   # 1.099 -> nothing
                     ("M3", "内容营销", "Content", "陈静", 1000, 1200),    # 1.20 = 1 + 2 × 0.10 -> high
                     ("M4", "活动促销", "Campaigns", "赵磊", 0, 50)],      # nothing planned yet -> high
                    (3000, 3449))                                          # 1.1497 -> medium
    found = alerts.burn_alerts(sp, None)
    assert keys(found) == {"burn:M1": "medium", "burn:M3": "high", "burn:M4": "high", "burn:total": "medium"}
    by = {a.subject: a for a in found}
    assert by["M1"].owner == "王芳" and by["total"].owner is None and by["M4"].value is None
    assert by["M1"].message_zh == "品牌推广已花费¥1,100，按计划至今应花¥1,000，花费进度110%（超前10%）。"
    assert by["M1"].message_en == "Brand has spent ¥1.10K against ¥1.00K planned to date: burn 110% (10% ahead of plan)."
    assert by["M4"].message_en == "Campaigns has spent ¥50.00 with nothing planned to date."
    assert by["total"].message_zh.startswith("全部模块合计已花费")


def test_conversion_drop_at_the_boundary(ds):
    # 直播 drops 0.25; all channels 0.1667; 私域 0
    assert keys(alerts.conversion_alerts(ds, None, AS_OF)) == {"conversion:直播": "medium",
                                                               "conversion:all": "medium"}
    assert keys(alerts.conversion_alerts(ds, {"conversion_drop": 0.25}, AS_OF)) == {"conversion:直播": "medium"}
    assert keys(alerts.conversion_alerts(ds, {"conversion_drop": 0.125}, AS_OF)) == {"conversion:直播": "high",
                                                                                     "conversion:all": "medium"}
    assert alerts.conversion_alerts(ds, {"conversion_drop": 0.26}, AS_OF) == []
    live, every = alerts.conversion_alerts(ds, None, AS_OF, {"直播": "周杰"})
    assert live.owner == "周杰" and every.owner is None and live.value == pytest.approx(0.25)
    assert live.message_zh == "直播转化率近7天为18.75%，比前28天的25.00%下降25.0%。"
    assert every.message_en == ("Conversion in all channels over the last 7 days is 20.83%, 16.7% below the 28 days "
                                "before (25.00%).")


def test_stale_data_after_more_than_stale_days(ds, tmp_path):
    assert alerts.stale_alerts(ds, None, "2026-04-02") == []          # 2 days: allowed
    found = alerts.stale_alerts(ds, None, "2026-04-03")               # 3 days
    assert keys(found) == {"stale:orders": "high", "stale:traffic": "medium", "stale:spend": "medium"}
    orders = next(a for a in found if a.subject == "orders")
    assert orders.message_zh == "orders表数据截至2026-03-31，比分析日2026-04-03早3天（允许2天）。"
    # a traffic table ending on 02-25 is stale on 03-31 while the orders are not
    lagging = load_dataset(write(tmp_path / "lag", **{"orders.csv": _orders(), "traffic.csv": TRAFFIC.split(
        "2026-03-31")[0].rstrip() + "\n"}))
    assert keys(alerts.stale_alerts(lagging, None, AS_OF)) == {"stale:traffic": "medium"}


def test_collect_runs_everything(ds):
    config = AlertConfig(rules=(rule(metric="return_rate", above=0.29),))
    run = alerts.collect_alerts(ds, scoreboard=scoreboard(), spend_plan=spend_plan(
        [("M1", "品牌推广", "Brand", "王芳", 1000, 1100)], (1000, 1100)), budget_plan=types.SimpleNamespace(
        cac_targets={"直播": 125}), config=config, period_start=PERIOD_START, as_of=AS_OF)
    assert sorted(keys(run.alerts)) == ["burn:M1", "burn:total", "cac:直播", "conversion:all", "conversion:直播",
                                        "pace:G2", "pace:G5", "rule:r1"]
    assert run.skipped == [] and run.results["r1"].fired and run.settings["cac_over"] == 0.2
    doc = alert_state.document(alert_state.compare(run.alerts, None, AS_OF)[0], {}, report="t", period="2026-Q1",
                               as_of=AS_OF)
    assert alert_state.dumps(doc)                                     # JSON-serialisable (extra included)


def test_collect_skips_built_ins_without_their_input(orders_only, ds):
    run = alerts.collect_alerts(orders_only, scoreboard=None, spend_plan=None, budget_plan=None,
                                config=AlertConfig(rules=(rule(metric="uv", above=1),)),
                                period_start=PERIOD_START, as_of=AS_OF)
    assert run.alerts == []
    assert [s.rule for s in run.skipped] == ["goal_pace", "cac_over_budget", "spend_burn", "conversion_drop",
                                             "rule:r1"]
    reasons = [s.reason_zh for s in run.skipped]
    assert reasons[:4] == ["无计分板，未检查目标进度", "缺少spend表，未检查获客成本超预算", "缺少spend表，未检查花费超前",
                           "缺少traffic表，未检查转化率下降"]
    assert run.skipped[3].reason_en == "no traffic table: Conversion drop not checked"
    # a SpendPlan that says why it has no frames; a budget without cac_targets
    sp = types.SimpleNamespace(by_module=None, total=None, reason="no_module_column")
    run = alerts.collect_alerts(ds, scoreboard=None, spend_plan=sp, budget_plan=types.SimpleNamespace(
        cac_targets={}), config=None, period_start=PERIOD_START, as_of=AS_OF)
    assert [s.reason_zh for s in run.skipped] == ["无计分板，未检查目标进度",
                                                  "无预算或budget.yaml未设置cac_targets，未检查获客成本",
                                                  "spend表没有module列，未检查花费进度"]


def test_conversion_is_skipped_without_four_weeks_of_history(ds):
    run = alerts.collect_alerts(ds, scoreboard=None, spend_plan=None, budget_plan=None, config=None,
                                period_start=PERIOD_START, as_of="2026-03-30")
    skip = next(s for s in run.skipped if s.rule == "conversion_drop")
    assert skip.reason_en == ("the orders data start on 2026-02-25, too late for the 28 days before: conversion "
                              "not checked")


def test_channel_owners_from_the_plan():
    from attain.goals import load_plan
    owners = alerts.channel_owners(load_plan("data/plan"))
    assert owners["直播"] == "周杰" and owners["私域"] == "李娜" and "自然搜索" not in owners


# --- the view --------------------------------------------------------------------------------

def _alert(key, severity, state, **kw) -> Alert:
    rule_, _, subject = key.partition(":")
    rule_ = {"pace": "goal_pace", "cac": "cac_over_budget", "burn": "spend_burn", "stale": "stale_data"}.get(rule_,
                                                                                                            rule_)
    return Alert(key=key, rule=rule_, severity=severity, subject=subject, message_zh=f"{key} 中文",
                 message_en=f"{key} text", state=state, first_seen=kw.pop("first_seen", "2026-03-24"), **kw)


ALERTS = [_alert("pace:G2", "high", "new", owner="陈静"), _alert("cac:直播", "high", "ongoing"),
          _alert("burn:M3", "medium", "new"), _alert("burn:total", "medium", "new"),
          _alert("stale:traffic", "medium", "ongoing"), _alert("pace:G1", "high", "resolved")]


def test_finding_counts_states_and_open_high_ones():
    # 3 new, 2 ongoing, 1 resolved; high among the open ones: pace:G2, cac:直播 = 2; most severe: the new high one
    assert alerts_view.finding(ALERTS, "en") == ("Alerts: 3 new, 2 ongoing, 1 resolved; 2 high. "
                                                 "Most severe: pace:G2 text")
    assert alerts_view.finding(ALERTS, "zh") == "预警：新增3条、持续2条、已解除1条；其中高严重度2条。最严重的是：pace:G2 中文"
    assert alerts_view.finding([], "zh") == "没有预警：各项指标均在阈值之内。"


def test_table_by_severity_with_words():
    t = alerts_view.alerts_table(ALERTS, "zh")
    assert list(t.columns) == ["严重度", "状态", "首次出现", "对象", "内容", "负责人"]
    assert list(t["对象"]) == ["目标进度：G2", "获客成本超预算：直播", "花费超前：M3", "花费超前：全部模块合计",
                             "数据滞后：traffic", "目标进度：G1"]
    assert list(t["状态"]) == ["新增", "持续", "新增", "新增", "持续", "已解除"]
    assert list(t["严重度"])[:3] == ["高", "高", "中"] and t["负责人"].iloc[0] == "陈静" and t["负责人"].iloc[1] == "—"
    en = alerts_view.alerts_table(ALERTS, "en")
    assert list(en.columns) == ["Severity", "State", "Since", "Subject", "Message", "Owner"]
    assert en["Subject"].iloc[3] == "Spend burn: All modules" and en["State"].iloc[5] == "Resolved"


def test_html_is_escaped_and_coloured():
    bad = _alert("rule:x", "high", "new", owner="<b>me</b>")
    html = alerts_view.alerts_html([bad, _alert("pace:G1", "medium", "resolved")], "en")
    assert "<b>me</b>" not in html and "&lt;b&gt;me&lt;/b&gt;" in html
    assert "background:#C62828" in html and "color:#9E9E9E" in html        # high cell; the resolved row greyed
    assert "Custom rule: x" in html


def test_show_prints_heading_finding_table_and_thresholds(ds):
    config = AlertConfig(settings={**AlertConfig().settings, "cac_over": 0.25},
                         rules=(rule(metric="return_rate", above=0.29),))
    skipped = [alerts.Skipped("spend_burn", "无花费与计划的对比，未检查花费进度", "no spend-vs-plan figures")]
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        alerts_view.show(ALERTS, "zh", config=config, skipped=skipped)
    out = "\n".join(str(getattr(o, "data", o)) for o in captured)
    assert "## 预警" in out and "新增3条" in out and "获客成本超预算：直播" in out
    assert "渠道获客成本比预算CAC高25%及以上" in out and "规则一（退货率近7天高于29.00%）" in out
    assert "未检查：无花费与计划的对比，未检查花费进度" in out
    note = alerts_view.thresholds_note(None, "en")
    assert note.startswith("Thresholds: a goal's pace index below 0.90; a channel's CAC 20% or more above")


def test_sample_alerts_as_of_the_last_day(sample_dir):
    """data/sample, 2026-Q3 as of 2026-08-15: 私域's CAC (≈109 vs 85) is over budget; 直播's (≈167.7 vs 140,
    +19.8 %) is just under the +20 % line; no conversion drop; data are fresh."""
    from attain.budget import load_budget
    sample = load_dataset(sample_dir)
    run = alerts.collect_alerts(sample, scoreboard=None, spend_plan=None, budget_plan=load_budget("data/plan"),
                                config=alerts.load_alert_rules("data/plan"), period_start="2026-07-01",
                                as_of="2026-08-15")
    assert keys(run.alerts) == {"cac:私域": "medium"}
    assert not math.isnan(run.results["apparel_returns"].value) and not run.results["apparel_returns"].fired


def test_an_off_track_goal_on_pace_but_unlikely_to_land_still_alerts():
    # pace 0.99 is above the 0.90 threshold, but the goal is off track by its 5 % chance: one high alert
    row = {"goal_id": "G10", "name_zh": "新客", "name_en": "New buyers", "pace": 0.99, "status": "off_track",
           "owner": "孙丽", "unit": "people", "direction": "higher", "actual": 34000.0, "expected": 34300.0,
           "forecast": 68256.0, "target": 69000.0, "probability": 0.05}
    (a,) = alerts.goal_pace_alerts(pd.DataFrame([row]), None)
    assert (a.key, a.severity, a.owner) == ("pace:G10", "high", "孙丽")
    assert "5%" in a.message_zh and a.message_en.startswith("New buyers is unlikely to land")
    row.update(status="at_risk", probability=0.3)            # at risk with a fine pace: no alert
    assert alerts.goal_pace_alerts(pd.DataFrame([row]), None) == []
