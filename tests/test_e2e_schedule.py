"""The project's own schedule.yml driving the real tracking notebook on the sample: a report for one owner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attain import runlog
from attain.paths import project_root
from webhook import Hook

pytestmark = pytest.mark.notebook
BIN = Path(sys.executable).parent


def attain(*args, **env):
    return subprocess.run([str(BIN / "attain"), *args], capture_output=True, text=True, cwd=project_root(),
                          timeout=900, env={**os.environ, **env})


def test_the_weekly_owner_report_holds_only_that_owners_goals(sample_dir, tmp_path):
    # Sunday 16 Aug 08:00 in Shanghai: as_of = yesterday = 2026-08-15, the last day of the sample
    hook = Hook()
    try:
        proc = attain("schedule", "run", "weekly-tracking-audiences", "--at", "2026-08-16T08:00+08:00",
                      "--only", "03_tracking-chen-jing", "--out", str(tmp_path),
                      ATTAIN_WEBHOOK_URL=hook.url("secret-robot-token"), ATTAIN_WEBHOOK_STYLE="feishu",
                      ATTAIN_REPORTS_URL="http://intranet.example/reports")
    finally:
        hook.shutdown()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = (tmp_path / "2026-Q3" / "03_tracking-chen-jing.html").read_text(encoding="utf-8")
    assert "<title>进度追踪 · 2026-Q3 · chen-jing</title>" in page
    # goals.yaml: 陈静 owns G02 (Q3 live-stream GMV), G08 (no period) and G11 (a Q2 goal, not tracked in Q3)
    assert "本报告只含陈静负责的目标（G02, G08）" in page
    board = page[page.index("attain-scoreboard"):]
    board = board[:board.index("</table>")]
    assert "<b>G02</b>" in board
    for other in ("G01", "G03", "G04", "G05", "G09", "G10"):     # owned by 张伟, 李娜, 刘洋, 孙丽, 刘洋, 孙丽
        assert f"<b>{other}</b>" not in board, other
    assert "负责人" in page and "chen-jing" in page           # the header says whom it is for
    [run] = runlog.runs(tmp_path)
    assert (run["job"], run["target"], run["params"]["owner"], run["status"]) == \
        ("weekly-tracking-audiences", "03_tracking-chen-jing", "陈静", "ok")
    assert not (tmp_path / "2026-Q3" / "03_tracking.html").exists()     # nobody else's file was written
    # a first run: every alert is new, so the team hears about it, in Feishu's shape, with the report's link
    [body] = hook.bodies
    assert body["msg_type"] == "text"
    text = body["content"]["text"]
    alerts = json.loads((tmp_path / "2026-Q3" / "03_tracking-chen-jing.alerts.json").read_text(encoding="utf-8"))
    new = sum(a["state"] == "new" for a in alerts["alerts"])
    assert new > 0 and f"新预警 {new} 条" in text and "weekly-tracking-audiences" in text
    assert "http://intranet.example/reports/2026-Q3/03_tracking-chen-jing.html" in text


def test_an_owner_without_goals_is_a_clear_error(sample_dir, tmp_path):
    proc = attain("run", "03", "--as-of", "2026-08-15", "-p", "owner=王小明", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert "goals.yaml" in proc.stderr and "no goal has the owner '王小明'" in proc.stderr
    assert "陈静" in proc.stderr and "Traceback" not in proc.stderr
    assert [r["status"] for r in runlog.runs(tmp_path)] == ["failed"]
