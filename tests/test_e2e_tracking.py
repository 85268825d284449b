"""The tracking report run twice on different days (a separate file, so it runs beside test_e2e)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def attain(*args, **kw):
    return subprocess.run([str(BIN / "attain"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=900, **kw)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))


def test_tracking_alerts_are_new_then_ongoing_or_resolved(sample_dir, tmp_path):
    """Two runs of the same report a few days apart: what the second one says happened since the first;
    a third run with the same inputs changes nothing."""
    first = attain("run", "03", "--as-of", "2026-08-10", "--out", str(tmp_path))
    assert first.returncode == 0, first.stdout + first.stderr
    path = tmp_path / "2026-Q3" / "03_tracking.alerts.json"
    before = {a["key"]: a for a in json.loads(path.read_text(encoding="utf-8"))["alerts"]}
    assert all(a["state"] == "new" and a["first_seen"] == "2026-08-10" for a in before.values())
    # on 10 Aug the feed-ads conversion of the last 7 days was over 15 % below the 28 days before
    assert "conversion:信息流" in before and "pace:G09" in before
    second = attain("run", "03", "--as-of", "2026-08-15", "-p", "lang=en", "--out", str(tmp_path))
    assert second.returncode == 0, second.stdout + second.stderr
    after = {a["key"]: a for a in json.loads(path.read_text(encoding="utf-8"))["alerts"]}
    assert after["pace:G09"]["state"] == "ongoing" and after["pace:G09"]["first_seen"] == "2026-08-10"
    assert after["conversion:信息流"]["state"] == "resolved"
    assert {k for k, a in after.items() if a["state"] == "new"} == set(after) - set(before)
    text = _text((tmp_path / "2026-Q3" / "03_tracking.html").read_text(encoding="utf-8"))
    assert "Goal scoreboard" in text and "Tracking table" in text and "resolved" in text.lower()
    assert "Adjustment plan overdue (due 2026-08-11)" in text   # G09 first seen 10 Aug: 24 hours ran out
    # the same inputs again (same day, same previous run): byte-identical report, workbook and alerts
    folder = tmp_path / "2026-Q3"
    names = ("03_tracking.html", "03_tracking.xlsx", "03_tracking.alerts.json")
    published = {n: (folder / n).read_bytes() for n in names}
    third = attain("run", "03", "--as-of", "2026-08-15", "-p", "lang=en", "--out", str(tmp_path))
    assert third.returncode == 0, third.stdout + third.stderr
    assert {n: (folder / n).read_bytes() for n in names} == published
