"""dags/attain_schedule.py as a real Airflow sees it.

Airflow lives in its own virtualenv (``make airflow`` -> ``.venv-airflow``), never in the project's: each test runs
``tests/airflow_probe.py`` (Airflow's DagBag, then the scheduler's serialization round trip) or the ``airflow``
command there, with a throw-away ``AIRFLOW_HOME``. Expected values are read from schedule.yml with plain PyYAML
or worked out by hand, never with ``attain.schedule_spec``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_BIN = ROOT / ".venv-airflow" / "bin"
PROBE = ROOT / "tests" / "airflow_probe.py"
DAGS = ROOT / "dags"

# schedule.yml's targets, worked out by hand: each notebook x audience (update when schedule.yml changes).
REPO_TARGETS = {
    "daily-flash": ["03_tracking"],
    "weekly-tracking": ["03_tracking"],
    "weekly-tracking-audiences": ["03_tracking-hq", "03_tracking-chen-jing", "03_tracking-liu-yang"],
    "monthly-situation": ["01_situation_analysis"],
    "quarterly-retrospective": ["04_quarterly_retrospective"],
}

FIXTURE_SCHEDULE = """\
timezone: Asia/Shanghai
jobs:
  daily-flash:
    description: Daily flash
    cron: "30  7 * * *"
    notebooks: [03_tracking]
    params: {cadence: daily}
  weekly-tracking:
    cron: "0 8 * * mon"
    notebooks: [tracking]
    audiences:
      hq: {lang: en}
      apparel: {owner: 陈静}
  monthly_situation:
    cron: "0 6 2 * *"
    timezone: Europe/Berlin
    notebooks: ["01", 02_goal_setting]
"""

FAKE_ATTAIN = """\
#!/bin/sh
# Stands in for the runner: records its folder and arguments (tab-separated, a line per call);
# the apparel report fails.
(pwd; printf '%s\\n' "$@") | paste -s -d '\\t' - >> "$FAKE_ATTAIN_LOG"
case "$*" in *"--only 03_tracking-apparel"*) echo "apparel failed on purpose" >&2; exit 1;; esac
"""


def airflow_tool(name: str) -> Path:
    tool = AIRFLOW_BIN / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: run make airflow (installs Apache Airflow in .venv-airflow)")
    return tool


def airflow_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without Airflow/attain settings, a fresh AIRFLOW_HOME, then ``extra``."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "ATTAIN_", "FAKE_ATTAIN")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**keep, "AIRFLOW_HOME": str(tmp_path / "airflow-home"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS), **extra}


def probe(tmp_path: Path, *args: str, **env: str) -> dict:
    """Run the probe in the Airflow virtualenv and return what it found."""
    out = tmp_path / "probe.json"
    proc = subprocess.run([str(airflow_tool("python")), str(PROBE), str(DAGS), str(out), *args],
                          env=airflow_env(tmp_path, **env), cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0 and out.exists(), f"the probe failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture
def fixture_project(tmp_path: Path) -> dict[str, Path]:
    """A schedule and a stand-in ``attain`` in folders whose names need shell quoting."""
    folder = tmp_path / "my project"
    (folder / "bin dir").mkdir(parents=True)
    schedule = folder / "schedule.yml"
    schedule.write_text(FIXTURE_SCHEDULE, encoding="utf-8")
    fake = folder / "bin dir" / "attain"
    fake.write_text(FAKE_ATTAIN, encoding="utf-8")
    fake.chmod(0o755)
    return {"schedule": schedule, "attain": fake, "log": tmp_path / "attain-calls.txt"}


def fixture_env(project: dict[str, Path]) -> dict[str, str]:
    return {"ATTAIN_SCHEDULE": str(project["schedule"]), "ATTAIN_BIN": str(project["attain"]),
            "FAKE_ATTAIN_LOG": str(project["log"])}


# --------------------------------------------------------------------------- the project's schedule.yml

def test_repo_schedule_as_airflow_sees_it(tmp_path):
    raw = yaml.safe_load((ROOT / "schedule.yml").read_text(encoding="utf-8"))
    jobs = raw["jobs"]
    assert sorted(jobs) == sorted(REPO_TARGETS), "schedule.yml changed: update REPO_TARGETS in this test"

    seen = probe(tmp_path)          # all defaults: <root>/schedule.yml, <root>/.venv/bin/attain

    assert seen["airflow"].startswith("3.")
    assert seen["import_errors"] == {} and seen["warnings"] == {}
    assert sorted(seen["dags"]) == sorted("attain_" + name.replace("-", "_") for name in jobs)
    for name, job in jobs.items():
        dag = seen["dags"]["attain_" + name.replace("-", "_")]
        assert dag["timetable"] == "CronTriggerTimetable"
        assert dag["cron"] == " ".join(job["cron"].split())
        assert dag["timezone"] == (job.get("timezone") or raw.get("timezone") or "Asia/Shanghai")
        assert dag["description"] == job["description"]
        assert (dag["tags"], dag["catchup"], dag["max_active_runs"]) == (["attain"], False, 1)
        assert sorted(dag["tasks"]) == sorted(REPO_TARGETS[name])
        for target, task in dag["tasks"].items():
            command = task["bash_command"]
            assert command.startswith(shlex.quote(str(ROOT / ".venv" / "bin" / "attain")) + " schedule run ")
            assert f"schedule run {name} --at " in command
            assert f"--only {target} " in command
            assert command.endswith("--schedule " + shlex.quote(str(ROOT / "schedule.yml")))
            assert (task["operator"], task["cwd"]) == ("BashOperator", str(ROOT))


# --------------------------------------------------------------------------- a schedule worked out by hand

def test_fixture_schedule_dags_tasks_and_next_runs(tmp_path, fixture_project):
    # 2026-09-15 00:30 UTC is a Tuesday, 08:30 in Shanghai
    seen = probe(tmp_path, "--after", "2026-09-15T00:30:00+00:00", **fixture_env(fixture_project))

    assert seen["import_errors"] == {} and seen["warnings"] == {}
    assert sorted(seen["dags"]) == ["attain_daily_flash", "attain_monthly_situation", "attain_weekly_tracking"]
    flash, monthly, weekly = (seen["dags"][d] for d in sorted(seen["dags"]))
    assert (flash["cron"], flash["timezone"], flash["description"]) == ("30 7 * * *", "Asia/Shanghai", "Daily flash")
    assert (weekly["cron"], weekly["timezone"]) == ("0 8 * * mon", "Asia/Shanghai")
    assert (monthly["cron"], monthly["timezone"]) == ("0 6 2 * *", "Europe/Berlin")
    assert list(flash["tasks"]) == ["03_tracking"]
    assert sorted(weekly["tasks"]) == ["03_tracking-apparel", "03_tracking-hq"]
    assert sorted(monthly["tasks"]) == ["01_situation_analysis", "02_goal_setting"]

    attain, schedule = (shlex.quote(str(fixture_project[k])) for k in ("attain", "schedule"))
    assert "'" in attain and "'" in schedule      # the folders have spaces: quoted
    assert weekly["tasks"]["03_tracking-hq"]["bash_command"] == (
        f'{attain} schedule run weekly-tracking --at "{{{{ (logical_date or dag_run.run_after).isoformat() }}}}" '
        f"--only 03_tracking-hq --schedule {schedule}")

    # The scheduler fires at the cron time in the job's zone, and the logical date is that time (UTC here):
    # 07:30 Shanghai = 23:30 UTC the day before; Monday 08:00 Shanghai = Monday 00:00 UTC;
    # 06:00 Berlin on the 2nd = 04:00 UTC in summer time (2 Oct), 05:00 UTC after it ends on 25 Oct (2 Nov).
    def times(dag):
        assert all(r["run_after"] == r["logical_date"] for r in dag["next_runs"])
        return [r["logical_date"] for r in dag["next_runs"]]

    assert times(flash) == ["2026-09-15T23:30:00+00:00", "2026-09-16T23:30:00+00:00"]
    assert times(weekly) == ["2026-09-21T00:00:00+00:00", "2026-09-28T00:00:00+00:00"]
    assert times(monthly) == ["2026-10-02T04:00:00+00:00", "2026-11-02T05:00:00+00:00"]

    assert not fixture_project["log"].exists(), "parsing the DAG file ran attain"


@pytest.mark.parametrize("manual", [False, True])
def test_at_is_rendered_as_the_trigger_time(tmp_path, fixture_project, manual):
    # a scheduled run has a logical date; an Airflow 3 manual run may have only run_after
    seen = probe(tmp_path, "--render", "attain_weekly_tracking", "03_tracking-hq", "2026-09-21T00:00:00+00:00",
                 *(["--manual"] if manual else []), **fixture_env(fixture_project))
    attain, schedule = (shlex.quote(str(fixture_project[k])) for k in ("attain", "schedule"))
    assert seen["rendered"] == (f'{attain} schedule run weekly-tracking --at "2026-09-21T00:00:00+00:00" '
                                f"--only 03_tracking-hq --schedule {schedule}")


@pytest.mark.parametrize("text, words", [
    (FIXTURE_SCHEDULE + "  broken-job:\n    cron: \"0 8 * * *\"\n    notebooks: [05_forecast]\n",
     ["jobs.broken-job", "unknown notebook '05_forecast'"]),
    (FIXTURE_SCHEDULE.replace("Europe/Berlin", "Europe/Atlantis"), ["jobs.monthly_situation", "unknown timezone"]),
    (None, ["file not found"]),
])
def test_a_broken_schedule_is_an_import_error_naming_the_job(tmp_path, fixture_project, text, words):
    schedule = fixture_project["schedule"]
    if text is None:
        schedule.unlink()
    else:
        schedule.write_text(text, encoding="utf-8")

    seen = probe(tmp_path, **fixture_env(fixture_project))

    assert seen["dags"] == {}
    [(file, error)] = seen["import_errors"].items()
    assert file.endswith("attain_schedule.py")
    assert "ScheduleError" in error and str(schedule) in error
    for word in words:
        assert word in error


# --------------------------------------------------------------------------- a real Airflow run

def airflow_cli(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(airflow_tool("airflow")), *args], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)


def calls(log: Path) -> list[list[str]]:
    return sorted(line.split("\t") for line in log.read_text(encoding="utf-8").splitlines())


def test_airflow_runs_each_report_and_a_failure_fails_the_run(tmp_path, fixture_project):
    # `airflow dags test`: a whole DAG run in-process, on a throw-away SQLite database
    env = airflow_env(tmp_path, **fixture_env(fixture_project))
    schedule = str(fixture_project["schedule"])
    migrated = airflow_cli(tmp_path, env, "db", "migrate")
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]

    ok = airflow_cli(tmp_path, env, "dags", "test", "attain_daily_flash", "2026-09-15T23:30:00+00:00")
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-3000:]
    assert calls(fixture_project["log"]) == [
        [str(ROOT), "schedule", "run", "daily-flash", "--at", "2026-09-15T23:30:00+00:00",
         "--only", "03_tracking", "--schedule", schedule]]

    fixture_project["log"].unlink()
    failed = airflow_cli(tmp_path, env, "dags", "test", "attain_weekly_tracking", "2026-09-21T00:00:00+00:00")
    assert failed.returncode != 0          # the apparel report failed ...
    assert calls(fixture_project["log"]) == [  # ... and the hq report still ran
        [str(ROOT), "schedule", "run", "weekly-tracking", "--at", "2026-09-21T00:00:00+00:00",
         "--only", f"03_tracking-{who}", "--schedule", schedule] for who in ("apparel", "hq")]
