"""New / ongoing / resolved alerts between runs of one report."""

from __future__ import annotations

import json

from attain.alert_state import Alert, compare, document, dumps, read_previous


def alert(key: str, severity: str = "medium") -> Alert:
    return Alert(key=key, rule=key.split(":")[0], severity=severity, subject=key.split(":")[1],
                 message_zh=f"{key} 中文", message_en=f"{key} text", owner="张伟", value=1.5, threshold=1.1)


def run(current, previous, as_of):
    alerts, baseline = compare(current, previous, as_of)
    return alerts, document(alerts, baseline, report="03_tracking", period="2026-Q3", as_of=as_of)


def states(alerts):
    return {a.key: (a.state, a.first_seen) for a in alerts}


def test_first_run_everything_is_new():
    alerts, doc = run([alert("pace:G1"), alert("cac:直播")], None, "2026-08-08")
    assert states(alerts) == {"pace:G1": ("new", "2026-08-08"), "cac:直播": ("new", "2026-08-08")}
    assert doc["counts"] == {"new": 2, "ongoing": 0, "resolved": 0} and doc["baseline"] == {"as_of": None, "alerts": []}


def test_next_run_marks_ongoing_new_and_resolved():
    _, first = run([alert("pace:G1"), alert("cac:直播")], None, "2026-08-08")
    alerts, doc = run([alert("pace:G1"), alert("burn:M3", "high")], json.loads(dumps(first)), "2026-08-15")
    assert states(alerts) == {"pace:G1": ("ongoing", "2026-08-08"),      # first seen a week ago, carried
                              "burn:M3": ("new", "2026-08-15"),
                              "cac:直播": ("resolved", "2026-08-08")}   # listed once, then gone
    assert [a.key for a in alerts] == ["burn:M3", "pace:G1", "cac:直播"]   # high first, resolved last
    assert doc["counts"] == {"new": 1, "ongoing": 1, "resolved": 1}
    # the run after that: the resolved alert is not carried again
    again, _ = run([alert("pace:G1")], json.loads(dumps(doc)), "2026-08-22")
    assert states(again) == {"pace:G1": ("ongoing", "2026-08-08"), "burn:M3": ("resolved", "2026-08-15")}


def test_rerunning_the_same_day_gives_the_same_states():
    _, first = run([alert("pace:G1"), alert("cac:直播")], None, "2026-08-08")
    _, second = run([alert("pace:G1"), alert("burn:M3")], json.loads(dumps(first)), "2026-08-15")
    _, rerun = run([alert("pace:G1"), alert("burn:M3")], json.loads(dumps(second)), "2026-08-15")
    assert dumps(rerun) == dumps(second)          # compared with 08-08 again, not with itself


def test_a_run_for_an_earlier_day_does_not_compare_with_the_future():
    _, later = run([alert("pace:G1")], None, "2026-08-15")
    alerts, doc = run([alert("pace:G1")], json.loads(dumps(later)), "2026-08-01")
    assert states(alerts) == {"pace:G1": ("new", "2026-08-01")} and doc["baseline"]["as_of"] is None


def test_document_is_plain_json_without_nan(tmp_path):
    a = Alert(key="stale:traffic", rule="stale_data", severity="high", subject="traffic", message_zh="x",
              message_en="y", value=float("nan"), threshold=2.0)
    alerts, doc = run([a], None, "2026-08-15")
    path = tmp_path / "03_tracking.alerts.json"
    path.write_text(dumps(doc), encoding="utf-8")
    back = read_previous(path)
    assert back["alerts"][0]["value"] is None and back["as_of"] == "2026-08-15"
    path.write_text("{not json", encoding="utf-8")
    assert read_previous(path) is None and read_previous(tmp_path / "missing.json") is None
