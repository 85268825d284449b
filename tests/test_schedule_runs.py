"""Scheduled runs for real: `attain schedule run-due / serve` in their own processes, with papermill executing a
tiny stand-in notebook (tests/fixtures/notebooks/scheduled.ipynb) under each notebook name of a throw-away
project (ATTAIN_ROOT). The test steers the notebook through the environment its kernel inherits:
ATTAIN_TEST_SLEEP (seconds) and ATTAIN_TEST_FAIL (a planted error)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from attain import runlog
from attain.params import NOTEBOOKS
from tmpfiles import write
from webhook import Hook

pytestmark = pytest.mark.notebook
BIN = Path(sys.executable).parent
FIXTURE = Path(__file__).parent / "fixtures" / "notebooks" / "scheduled.ipynb"

SCHEDULE = """
jobs:
  daily:
    cron: "30 7 * * *"
    notebooks: [03]
    params: {period: "{quarter}", cadence: daily}
  weekly:
    cron: "0 8 * * mon"
    notebooks: [03]
    params: {period: "{quarter}"}
    audiences:
      hq: {lang: en}
      ops: {}
  monthly:
    cron: "0 9 1 * *"
    notebooks: [01]
"""

ONE_JOB = """
jobs:
  daily:
    cron: "30 7 * * *"
    notebooks: [03]
    params: {period: "{quarter}", cadence: daily}
"""


class Project:
    def __init__(self, root: Path, schedule: str) -> None:
        self.root = root
        (root / "notebooks").mkdir(parents=True)
        for spec in NOTEBOOKS.values():
            shutil.copy(FIXTURE, root / "notebooks" / spec.file)
        write(root, **{"schedule.yml": schedule})
        self.out = root / "reports"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATTAIN_")}
        return {**env, "ATTAIN_ROOT": str(self.root), **extra}

    def args(self, action: str, *more: str) -> list[str]:
        return [str(BIN / "attain"), "schedule", action, "--schedule", str(self.root / "schedule.yml"), *more]

    def run(self, action: str, *more: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.args(action, *more), capture_output=True, text=True, env=self.env(**env),
                              timeout=300)

    def start(self, action: str, *more: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(self.args(action, *more), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env(**env))

    def lines(self) -> list[dict]:
        return runlog.read_lines(self.out)

    def runs(self) -> list[dict]:
        return runlog.runs(self.out)

    def kernels(self) -> list[psutil.Process]:
        """Live processes of this project (the kernels inherit ATTAIN_ROOT)."""
        found = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.environ().get("ATTAIN_ROOT") == str(self.root) and proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    def wait_for(self, predicate, seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out; log: {self.lines()}")


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path / "proj", SCHEDULE)


@pytest.fixture
def one_job(tmp_path):
    return Project(tmp_path / "proj", ONE_JOB)


def test_run_due_twice_runs_each_due_job_exactly_once(project):
    first = project.run("run-due", "--now", "2026-08-17T09:00")      # Monday, Shanghai time
    assert first.returncode == 0, first.stdout + first.stderr
    runs = project.runs()
    # due at Mon 17 Aug 09:00: daily (07:30 today), weekly (08:00 today, two audiences), monthly (09:00 on 1 Aug)
    assert sorted((r["job"], r["target"], r["status"]) for r in runs) == [
        ("daily", "03_tracking_daily", "ok"), ("monthly", "01_situation_analysis", "ok"),
        ("weekly", "03_tracking-hq", "ok"), ("weekly", "03_tracking-ops", "ok")]
    by_target = {r["target"]: r for r in runs}
    assert by_target["03_tracking_daily"]["params"]["as_of"] == "2026-08-16"      # yesterday
    assert by_target["01_situation_analysis"]["params"]["as_of"] == "2026-07-31"  # the day before 1 Aug
    assert by_target["03_tracking-hq"]["params"]["lang"] == "en"
    for rel in ("2026-Q3/03_tracking_daily.html", "2026-Q3/03_tracking-hq.html", "2026-Q3/03_tracking-ops.html",
                "2026-07/01_situation_analysis.html"):
        assert (project.out / rel).is_file(), rel
    executed = (project.out / "2026-Q3" / "03_tracking-hq.ipynb").read_text(encoding="utf-8")
    assert "as_of=2026-08-16 period=2026-Q3 lang=en audience=hq" in executed

    lines_before = len(project.lines())
    second = project.run("run-due", "--now", "2026-08-17T09:00")
    assert second.returncode == 0 and "nothing due" in second.stdout
    assert len(project.lines()) == lines_before

    # Thursday: Tue/Wed/Thu daily slots were missed; the daily job runs once, for Thursday
    third = project.run("run-due", "--now", "2026-08-20T10:00")
    assert third.returncode == 0, third.stderr
    new = project.runs()[len(runs):]
    assert [(r["job"], r["params"]["as_of"]) for r in new] == [("daily", "2026-08-19")]
    state = json.loads((project.out / "_schedule" / "state.json").read_text(encoding="utf-8"))
    assert state["daily"]["slot"] == "2026-08-20T07:30:00+08:00" and state["daily"]["status"] == "ok"
    index = (project.out / "index.html").read_text(encoding="utf-8")
    assert "03_tracking-hq.html" in index and "03_tracking-ops.html" in index and "daily" in index


def test_overlapping_invocations_never_run_a_job_twice(one_job):
    slow = one_job.start("run-due", "--now", "2026-08-17T09:00", ATTAIN_TEST_SLEEP="8")
    one_job.wait_for(lambda: any(r["status"] == "running" for r in one_job.lines()))
    other = one_job.run("run-due", "--now", "2026-08-17T09:00")
    assert other.returncode == 0 and "skipped" in other.stdout and "another process" in other.stdout
    assert slow.wait(timeout=120) == 0
    again = one_job.run("run-due", "--now", "2026-08-17T09:00")
    assert "nothing due" in again.stdout
    assert [(r["job"], r["status"]) for r in one_job.runs()] == [("daily", "ok")]


def _publish_once(project: Project) -> dict[Path, bytes]:
    done = project.run("run-due", "--now", "2026-08-17T09:00")
    assert done.returncode == 0, done.stderr
    folder = project.out / "2026-Q3"
    return {p: p.read_bytes() for p in folder.iterdir()}


def test_a_run_killed_outright_leaves_the_report_and_a_truthful_log(one_job):
    before = _publish_once(one_job)
    proc = one_job.start("run-due", "--now", "2026-08-18T09:00", ATTAIN_TEST_SLEEP="60")
    one_job.wait_for(lambda: sum(r["status"] == "running" for r in one_job.lines()) == 2)
    time.sleep(1.5)                                     # the kernel is executing the slow cell
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert {p: p.read_bytes() for p in (one_job.out / "2026-Q3").iterdir()} == before
    assert [r["status"] for r in one_job.runs()] == ["ok", "interrupted"]     # a dead "running" reads as interrupted
    one_job.wait_for(lambda: not one_job.kernels(), seconds=30)            # the orphaned kernel exits by itself

    retry = one_job.run("run-due", "--now", "2026-08-18T09:00")
    assert retry.returncode == 0, retry.stderr
    runs = one_job.runs()
    assert [r["status"] for r in runs] == ["ok", "interrupted", "ok"]
    assert runs[1]["finished"]                          # the log itself now says so, in an end line
    assert not list((one_job.out / "_staging").glob("*"))     # the killed run's scratch folder is gone
    assert runs[2]["params"]["as_of"] == "2026-08-17"
    state = json.loads((one_job.out / "_schedule" / "state.json").read_text(encoding="utf-8"))
    assert state["daily"]["attempts"] == 2 and state["daily"]["status"] == "ok"


def test_sigterm_stops_the_run_and_its_kernel_cleanly(one_job):
    before = _publish_once(one_job)
    proc = one_job.start("run-due", "--now", "2026-08-18T09:00", ATTAIN_TEST_SLEEP="60")
    one_job.wait_for(lambda: sum(r["status"] == "running" for r in one_job.lines()) == 2)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert "stopped by SIGTERM" in proc.stderr.read()
    assert not one_job.kernels()                        # stopped by the runner, not left to die later
    ends = [r for r in one_job.lines() if r["status"] == "interrupted"]
    assert len(ends) == 1 and ends[0]["finished"]
    assert {p: p.read_bytes() for p in (one_job.out / "2026-Q3").iterdir()} == before
    assert not list((one_job.out / "_staging").glob("*"))     # (a missing folder globs to nothing)
    state = json.loads((one_job.out / "_schedule" / "state.json").read_text(encoding="utf-8"))
    assert state["daily"]["status"] == "interrupted"


def test_a_failed_run_is_logged_and_shown_and_the_next_slot_runs(one_job):
    before = _publish_once(one_job)
    failed = one_job.run("run-due", "--now", "2026-08-18T09:00", ATTAIN_TEST_FAIL="boom")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    run = one_job.runs()[-1]
    assert run["status"] == "failed" and "planted failure: boom" in run["error"]
    assert "planted failure: boom" in failed.stderr          # the reason is shown, not only the notebook's path
    assert (one_job.out / run["failed_notebook"]).is_file()
    assert {p: p.read_bytes() for p in (one_job.out / "2026-Q3").iterdir()} == before
    index = (one_job.out / "index.html").read_text(encoding="utf-8")
    assert run["failed_notebook"] in index and "planted failure: boom" in index
    # a failed slot is not retried; the next slot runs
    assert "nothing due" in one_job.run("run-due", "--now", "2026-08-18T10:00").stdout
    assert one_job.run("run-due", "--now", "2026-08-19T09:00").returncode == 0
    assert one_job.runs()[-1]["status"] == "ok"


SERVE = """
jobs:
  every-minute:
    cron: "* * * * *"
    notebooks: [03]
    params: {period: "{quarter}"}
"""


def test_serve_catches_up_then_stops_cleanly_on_sigterm(tmp_path):
    project = Project(tmp_path / "proj", SERVE)
    proc = project.start("serve")
    project.wait_for(lambda: any(r["status"] == "ok" for r in project.runs()), seconds=90)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    out = proc.stdout.read()
    assert "serving 1 jobs" in out and "stopped" in out
    assert not project.kernels()


def test_serve_interrupts_a_running_job_on_sigint(tmp_path):
    project = Project(tmp_path / "proj", SERVE)
    proc = project.start("serve", ATTAIN_TEST_SLEEP="120")
    project.wait_for(lambda: any(r["status"] == "running" for r in project.lines()), seconds=60)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert [r["status"] for r in project.runs()] == ["interrupted"]
    assert not project.kernels()
    assert not list((project.out / "2026-Q3").glob("*.html"))   # nothing half-published


TOKEN = "T0KEN-8c1f0e2d9b7a"


def test_a_failed_scheduled_run_is_announced_on_the_webhook(one_job):
    hook = Hook()
    try:
        proc = one_job.run("run-due", "--now", "2026-08-17T09:00", ATTAIN_TEST_FAIL="boom",
                           ATTAIN_WEBHOOK_URL=hook.url(TOKEN))
    finally:
        hook.shutdown()
    assert proc.returncode == 1
    assert len(hook.bodies) == 1
    text = hook.bodies[0]["text"]                       # the Slack-style shape for an unknown host
    assert "daily" in text and "planted failure: boom" in text and "_failed/2026-Q3/" in text
    outputs = [proc.stdout, proc.stderr, (one_job.out / "runs.jsonl").read_text(encoding="utf-8"),
               (one_job.out / "index.html").read_text(encoding="utf-8")]
    assert not any(TOKEN in o for o in outputs)       # the webhook's token never reaches a log or a page


@pytest.mark.parametrize("status", [500, None])
def test_a_broken_webhook_never_fails_the_run(one_job, status):
    hook = Hook(status or 200)
    url = hook.url(TOKEN)
    hook.shutdown()
    hook.server_close()
    if status:                                          # a server that answers 500
        hook = Hook(status)
        url = hook.url(TOKEN)
    try:                                                # (status None: nothing listens on the port any more)
        failed = one_job.run("run-due", "--now", "2026-08-17T09:00", ATTAIN_TEST_FAIL="boom",
                             ATTAIN_WEBHOOK_URL=url)
        ok = one_job.run("run-due", "--now", "2026-08-18T09:00", ATTAIN_WEBHOOK_URL=url)
    finally:
        if status:
            hook.shutdown()
    assert failed.returncode == 1 and ok.returncode == 0      # the run's own outcome, nothing else
    assert [r["status"] for r in one_job.runs()] == ["failed", "ok"]
    assert "notification not delivered" in failed.stderr          # said, not hidden
    assert TOKEN not in failed.stderr + failed.stdout
