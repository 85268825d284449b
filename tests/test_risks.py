"""The risk register: loading risks.yaml, triggers firing from an alert and from a metric, the words and table.

Fixture data (as of 2026-03-31; the 7-day window is 03-25 .. 03-31, the 28 days before 02-25 .. 03-24):
- 2026-02-25: 4 orders in 直播 of ¥100 each; UV 28.
- 2026-03-31: 4 orders in 直播 of ¥80 each, 2 of them returned; UV 14.
Hand-worked: AOV 80 vs 100 -> −20 %; return rate of the last 7 days 2 / 4 = 0.5; UV per day 14 / 7 = 2 vs
28 / 28 = 1 -> +100 %.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

from attain import display, risks
from attain.alert_state import Alert
from attain.alerts import Skipped
from attain.data import load_dataset
from attain.errors import AttainError
from tmpfiles import write

AS_OF = "2026-03-31"

ORDERS = "order_id,customer_id,order_date,gmv,channel,category,region,returned\n" + "".join(
    f"A{i},c{i},2026-02-25,100,直播,美妆,一线城市,false\n" for i in range(1, 5)) + "".join(
    f"B{i},d{i},2026-03-31,80,直播,美妆,一线城市,{'true' if i <= 2 else 'false'}\n" for i in range(1, 5))
TRAFFIC = "date,channel,uv,pv\n2026-02-25,直播,28,50\n2026-03-31,直播,14,30\n"

RISKS = """# a register by hand
risks:
  - id: R01
    risk: 预算超支 / Budget overrun
    likelihood: 4
    impact: 3
    owner: 刘洋
    contingency: 启用预留金 / use the reserve
    trigger: {alert: spend_burn}
  - id: R02
    risk: {zh: 价格战, en: Price war}
    likelihood: 3
    impact: 4
    owner: 张伟
    contingency: {zh: 会员权益, en: member benefits}
    trigger: {metric: aov, change_below: -0.1}
  - id: R03
    risk: {zh: 退货, en: Returns}
    likelihood: 2
    impact: 2
    owner: 孙丽
    contingency: 分仓 / stock
    trigger: {metric: return_rate, above: 0.5}
  - id: R04
    risk: 流量下滑 / Traffic
    likelihood: 5
    impact: 5
    owner: 王芳
    contingency: 补量 / top up
    trigger: {metric: uv, scope: {channel: 直播}, change_below: -0.2}
  - id: R05
    risk: 其他 / Other
    likelihood: 1
    impact: 1
"""


@pytest.fixture
def ds(tmp_path):
    return load_dataset(write(tmp_path / "data", **{"orders.csv": ORDERS, "traffic.csv": TRAFFIC}))


@pytest.fixture
def register(tmp_path):
    return risks.load_risks(write(tmp_path / "plan", **{"risks.yaml": RISKS}))


BURN = Alert(key="burn:M3", rule="spend_burn", severity="high", subject="M3", message_zh="…", message_en="…")


def test_loading(register):
    assert [r.id for r in register] == ["R01", "R02", "R03", "R04", "R05"]
    r1, r2 = register[0], register[1]
    assert (r1.risk.zh, r1.risk.en, r1.contingency.zh, r1.contingency.en) == ("预算超支", "Budget overrun",
                                                                              "启用预留金", "use the reserve")
    assert isinstance(r1.trigger, risks.AlertTrigger) and r1.trigger.alert == "spend_burn" and r1.score == 12
    assert r2.trigger.metric == "aov" and r2.trigger.condition == ("change_below", -0.1)
    assert register[4].trigger is None and register[4].contingency is None
    assert risks.load_risks(Path("/nonexistent-plan-folder")) == []


def test_the_sample_register_has_a_trigger_for_each_risk():
    found = risks.load_risks("data/plan")
    assert [r.id for r in found] == ["R01", "R02", "R03", "R04", "R05"]
    assert found[0].trigger.alert == "spend_burn"
    assert [(r.trigger.metric, r.trigger.scope, r.trigger.condition) for r in found[1:]] == [
        ("uv", {"channel": "直播"}, ("change_below", -0.2)), ("uv", {"channel": "自然搜索"}, ("change_below", -0.15)),
        ("aov", {}, ("change_below", -0.08)), ("return_rate", {}, ("above", 0.14))]
    assert found[0].contingency.en == "use the 12% reserve; cut the lowest-ROAS campaigns first"


@pytest.mark.parametrize("entry, where, words", [
    ("likelihood: 6\n    impact: 3", "risk R01, field likelihood", "less than or equal to 5"),
    ("likelihood: 2\n    impact: 3\n    trigger: {alert: spend_burns}", "risk R01, trigger, field alert",
     "'goal_pace', 'cac_over_budget'"),
    ("likelihood: 2\n    impact: 3\n    trigger: {metric: gmv, above: 1, below: 0}", "risk R01, trigger, field below",
     "above and below are both given"),
    ("likelihood: 2\n    impact: 3\n    trigger: {metric: gmw, above: 1}", "risk R01, trigger, field metric",
     "unknown metric 'gmw'"),
    ("likelihood: 2\n    impact: 3\n    trigger: {metric: gmv}", "risk R01, trigger, field above", "no condition"),
])
def test_yaml_errors_name_file_risk_and_field(tmp_path, entry, where, words):
    write(tmp_path, **{"risks.yaml": f"risks:\n  - id: R01\n    risk: 风险\n    {entry}\n"})
    with pytest.raises(AttainError) as exc:
        risks.load_risks(tmp_path)
    text = str(exc.value)
    assert "risks.yaml" in text and where in text and words in text and "What to do:" in text


def test_assessment_fires_from_an_alert_and_from_a_metric(ds, register):
    f = risks.assess_risks(ds, register, [BURN], AS_OF)
    # fired first (R01, R02: both score 12, by id), then by score: R04 25, R03 4, R05 1
    assert list(f["id"]) == ["R01", "R02", "R04", "R03", "R05"]
    assert list(f["fired"]) == [True, True, False, False, False]
    assert list(f["evaluated"]) == [True, True, True, True, False]
    row = f.set_index("id")
    assert row.loc["R01", "current_en"] == "raised: M3" and row.loc["R01", "value"] == 1
    assert row.loc["R02", "value"] == pytest.approx(-0.2)                   # AOV 80 vs 100
    assert row.loc["R02", "current_en"] == "¥80.00 (¥100 before, -20.0%)"
    assert row.loc["R02", "trigger_zh"] == "平均订单金额(AOV)近7天较前28天下降超过10.0%"
    assert row.loc["R03", "value"] == pytest.approx(0.5) and not row.loc["R03", "fired"]   # strict: not above 0.5
    assert row.loc["R04", "current_zh"] == "2（前28天1，+100.0%）"               # UV per day 2 vs 1
    assert row.loc["R01", "trigger_en"] == "a “Spend burn” alert is raised"
    assert row.loc["R05", "trigger_zh"] == "未设触发条件"


def test_alert_triggers_ignore_resolved_alerts_and_other_subjects(ds, register, tmp_path):
    from dataclasses import replace
    resolved = replace(BURN, state="resolved")
    assert not risks.assess_risks(ds, register, [resolved], AS_OF).set_index("id").loc["R01", "fired"]
    write(tmp_path / "p2", **{"risks.yaml": "risks:\n  - {id: R1, risk: 预算, likelihood: 1, impact: 1, "
                                            "trigger: {alert: spend_burn, subject: M1}}\n"})
    only_m1 = risks.load_risks(tmp_path / "p2")
    assert not risks.assess_risks(ds, only_m1, [BURN], AS_OF)["fired"].iloc[0]
    assert risks.assess_risks(ds, only_m1, [replace(BURN, subject="M1", key="burn:M1")], AS_OF)["fired"].iloc[0]
    assert only_m1[0].trigger.subject == "M1"


def test_an_alert_trigger_whose_rule_was_skipped_is_not_evaluated(ds, register):
    skipped = [Skipped("spend_burn", "缺少spend表，未检查花费超前", "no spend table: Spend burn not checked")]
    row = risks.assess_risks(ds, register, [], AS_OF, skipped=skipped).set_index("id").loc["R01"]
    assert not row["fired"] and not row["evaluated"]
    assert row["current_en"] == "alert not checked: no spend table: Spend burn not checked"


def test_a_metric_trigger_without_its_table_is_not_evaluated(tmp_path, register):
    orders_only = load_dataset(write(tmp_path / "o", **{"orders.csv": ORDERS}))
    row = risks.assess_risks(orders_only, register, [], AS_OF).set_index("id").loc["R04"]
    assert not row["fired"] and not row["evaluated"] and row["current_en"].endswith("the data have no traffic")
    assert risks.risks_table(risks.assess_risks(orders_only, register, [], AS_OF), "zh").set_index("编号").loc[
        "R04", "状态"] == "无法评估"


def test_finding_in_both_languages(ds, register):
    f = risks.assess_risks(ds, register, [BURN], AS_OF)
    assert risks.finding(f, "en") == ("2 of 5 risks have fired: Budget overrun (contingency: use the reserve); "
                                      "Price war (contingency: member benefits). 1 risk(s) have a trigger that "
                                      "could not be evaluated or none at all.")
    assert risks.finding(f, "zh") == ("5个风险中有2个已触发：预算超支（应对：启用预留金）；价格战（应对：会员权益）。"
                                      "1个风险的触发条件无法评估或未设置。")
    quiet = risks.assess_risks(ds, register[2:4], [], AS_OF)                  # R03, R04: neither fires
    assert risks.finding(quiet, "en") == "None of the 2 risks has fired; the highest-scoring is Traffic (score 25)."
    assert risks.finding(quiet, "zh") == "2个风险均未触发；得分最高的是流量下滑（25分）。"
    assert risks.finding(risks.assess_risks(ds, [], [], AS_OF), "zh") == "风险登记（risks.yaml）为空。"


def test_table_shows_contingency_for_fired_risks_only_and_highlights_them(ds, register):
    f = risks.assess_risks(ds, register, [BURN], AS_OF)
    t = risks.risks_table(f, "zh")
    assert list(t.columns) == ["编号", "风险", "可能性", "影响", "得分", "触发条件", "当前值", "状态", "应对预案", "负责人"]
    assert list(t["应对预案"]) == ["启用预留金", "会员权益", "—", "—", "—"]
    assert list(t["状态"]) == ["已触发", "已触发", "未触发", "未触发", "无法评估"]
    html = risks.risks_html(f, "en")
    assert html.count(risks.FIRED_STYLE) == 2 and "Contingency" in html
    assert "a “Spend burn” alert is raised" in html


def test_html_escapes_plan_texts(ds, tmp_path):
    write(tmp_path / "p3", **{"risks.yaml": "risks:\n  - {id: R1, risk: '<script>x</script>', likelihood: 1, "
                                            "impact: 1, owner: '<i>me</i>'}\n"})
    html = risks.risks_html(risks.assess_risks(ds, risks.load_risks(tmp_path / "p3"), [], AS_OF), "zh")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;i&gt;me&lt;/i&gt;" in html


def test_show_risks(ds, register):
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        risks.show_risks(risks.assess_risks(ds, register, [BURN], AS_OF), "zh")
    out = "\n".join(str(getattr(o, "data", o)) for o in captured)
    assert "## 风险与应对预案" in out and "5个风险中有2个已触发" in out and risks.FIRED_STYLE in out


def test_sample_triggers_on_a_few_days(sample_dir):
    """The sample's metric triggers (risks.yaml) are quiet in mid-August 2026 and fire after 618 (early July:
    live-stream and organic UV and AOV fall against the festival weeks) and for 双11 pre-sale returns."""
    sample, register = load_dataset(sample_dir), risks.load_risks("data/plan")

    def fired(as_of, alerts=()):
        f = risks.assess_risks(sample, register, list(alerts), as_of)
        return set(f.loc[f["fired"], "id"])

    assert fired("2026-08-15") == set()
    assert fired("2026-08-15", [BURN]) == {"R01"}
    assert fired("2026-07-05") == {"R02", "R03", "R04"}
    assert fired("2025-11-10") == {"R05"}
    assert isinstance(risks.assess_risks(sample, register, [], "2026-08-15"), pd.DataFrame)
