"""Alerts and their state from one run of a report to the next: new, ongoing or resolved.

An alert has a stable ``key`` (``pace:G02``, ``cac:直播``, ``burn:M1``, ``stale:traffic``, ``rule:<id>``) so the
same problem found by two runs is recognised as the same. The comparison is always with the last
*published* run of the same report (its ``alerts.json``), so a failed run never advances the state:

- the previous run has an earlier ``as_of``: its open alerts are the baseline;
- it has the same ``as_of`` (a re-run): the baseline *it* used is used again, so re-running gives the same
  report;
- it has a later ``as_of`` (an old date re-run) or there is none: no baseline, every alert is new.

A baseline alert that is no longer raised is listed once as resolved. ``first_seen`` is the ``as_of`` of the
run that first raised an alert and is carried while it stays open.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

SCHEMA = 1
STATES = ("new", "ongoing", "resolved")
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Alert:
    key: str                       # stable identity, e.g. "pace:G02"
    rule: str                      # goal_pace, cac_over_budget, spend_burn, conversion_drop, stale_data, or a custom id
    severity: str                  # high | medium | low
    subject: str                   # the goal id, channel, module or table concerned
    message_zh: str
    message_en: str
    owner: str | None = None
    value: float | None = None     # the measured value (rate, ratio, days …)
    threshold: float | None = None
    state: str = "new"             # new | ongoing | resolved
    first_seen: str | None = None  # ISO date (as_of of the run that first raised it)
    extra: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh


def sort_alerts(alerts: list[Alert]) -> list[Alert]:
    """Open alerts by severity (high first), then new before ongoing, then by key; resolved ones last."""
    return sorted(alerts, key=lambda a: (a.state == "resolved", _SEVERITY_ORDER.get(a.severity, 9),
                                         a.state != "new", a.key))


def _baseline(previous: dict | None, as_of: str) -> tuple[str | None, list[dict]]:
    if not previous:
        return None, []
    prev_as_of = str(previous.get("as_of", ""))
    if prev_as_of == as_of:
        base = previous.get("baseline") or {}
        return base.get("as_of"), list(base.get("alerts") or [])
    if prev_as_of and prev_as_of < as_of:
        return prev_as_of, [a for a in previous.get("alerts", []) if a.get("state") != "resolved"]
    return None, []


def compare(current: list[Alert], previous: dict | None, as_of: str) -> tuple[list[Alert], dict]:
    """``current`` with their state set, plus resolved ones; and the baseline used ({as_of, alerts})."""
    base_as_of, base = _baseline(previous, as_of)
    before = {a["key"]: a for a in base if "key" in a}
    now = {a.key for a in current}
    out = [replace(a, state="ongoing", first_seen=before[a.key].get("first_seen") or base_as_of)
           if a.key in before else replace(a, state="new", first_seen=as_of) for a in current]
    for key, old in before.items():
        if key not in now:
            out.append(Alert(key=key, rule=old.get("rule", ""), severity=old.get("severity", "low"),
                             subject=old.get("subject", ""), message_zh=old.get("message_zh", ""),
                             message_en=old.get("message_en", ""), owner=old.get("owner"),
                             value=old.get("value"), threshold=old.get("threshold"), state="resolved",
                             first_seen=old.get("first_seen")))
    baseline = {"as_of": base_as_of, "alerts": [{"key": a["key"], "rule": a.get("rule"),
                                                 "severity": a.get("severity"), "subject": a.get("subject"),
                                                 "message_zh": a.get("message_zh"),
                                                 "message_en": a.get("message_en"), "owner": a.get("owner"),
                                                 "value": a.get("value"), "threshold": a.get("threshold"),
                                                 "first_seen": a.get("first_seen")} for a in base]}
    return sort_alerts(out), baseline


def _clean(value: Any) -> Any:
    """JSON-ready: NaN as null, floats to 6 decimals (parallel sums may differ in the last bits between runs)."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def document(alerts: list[Alert], baseline: dict, *, report: str, period: str, as_of: str) -> dict:
    """The machine-readable alerts.json content (no wall-clock time: the same inputs give the same file)."""
    counts = {s: sum(a.state == s for a in alerts) for s in STATES}
    return _clean({"schema": SCHEMA, "report": report, "period": period, "as_of": as_of, "counts": counts,
                   "alerts": [asdict(a) for a in alerts], "baseline": baseline})


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def read_previous(path: str | Path) -> dict | None:
    """The published alerts.json of the last good run (None when there is none or it cannot be read)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") == SCHEMA else None


__all__ = ["Alert", "STATES", "compare", "document", "dumps", "read_previous", "sort_alerts"]
