"""schedule.yml: reading it, cron times in a timezone, templates, catch-up once — no notebook runs here."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from attain import schedule as sch
from attain.params import output_name
from attain.paths import project_root
from attain.schedule_spec import (Job, ScheduleError, load_schedule, target_params, targets,
                                  template_values)
from tmpfiles import write

SH = ZoneInfo("Asia/Shanghai")
BIN = Path(sys.executable).parent


def job(cron: str, **kw) -> Job:
    return Job(name=kw.pop("name", "j"), cron=cron, notebooks=kw.pop("notebooks", ["03"]), **kw)


def at(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=SH)


# --------------------------------------------------------------------------- cron

@pytest.mark.parametrize("field, expected", [
    ("1", "mon"), ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"),
    ("*/2", "sun,tue,thu,sat"), ("1-5/2", "mon,wed,fri"), ("mon", "mon"), ("*", "*")])
def test_day_of_week_keeps_its_crontab_meaning(field, expected):
    # crontab counts 0 = Sunday; APScheduler counts 0 = Monday, so numbers are turned into names
    assert sch._dow_part(field) == expected


def test_numeric_monday_fires_on_monday():
    # 2026-08-16 is a Sunday (2026-01-01 was a Thursday; 16 Aug is day 228: 227 days later = 32 weeks + 3 days)
    monday = job("0 8 * * 1")
    assert sch.next_slots(monday, at(2026, 8, 16, 12), 2) == [at(2026, 8, 17, 8), at(2026, 8, 24, 8)]


def test_the_cron_is_read_in_the_jobs_timezone():
    # 08:00 in Shanghai is 00:00 UTC; the same cron in Berlin (summer, UTC+2) is 06:00 UTC
    utc_now = dt.datetime(2026, 8, 16, 12, tzinfo=dt.timezone.utc)
    sh = sch.next_slots(job("0 8 * * mon"), utc_now, 1)[0]
    berlin = sch.next_slots(job("0 8 * * mon", timezone="Europe/Berlin"), utc_now, 1)[0]
    assert sh.astimezone(dt.timezone.utc) == dt.datetime(2026, 8, 17, 0, tzinfo=dt.timezone.utc)
    assert berlin.astimezone(dt.timezone.utc) == dt.datetime(2026, 8, 17, 6, tzinfo=dt.timezone.utc)


def test_latest_slot_is_the_last_one_at_or_before_now():
    weekly = job("0 8 * * mon")
    assert sch.latest_slot(weekly, at(2026, 8, 16, 12)) == at(2026, 8, 10, 8)
    assert sch.latest_slot(weekly, at(2026, 8, 17, 8)) == at(2026, 8, 17, 8)          # the very minute counts
    assert sch.latest_slot(weekly, at(2026, 8, 16, 12), after=at(2026, 8, 10, 8)) is None   # already ran


def test_missed_slots_are_caught_up_once():
    daily = job("30 7 * * *")
    # last ran on Monday 10 Aug; the machine was off until Friday 09:00: four slots missed, one run (Friday's)
    assert sch.latest_slot(daily, at(2026, 8, 14, 9), after=at(2026, 8, 10, 7, 30)) == at(2026, 8, 14, 7, 30)


def test_quarterly_slot_found_across_a_long_gap():
    quarterly = job("0 9 1 1,4,7,10 *")
    assert sch.latest_slot(quarterly, at(2026, 9, 30, 23)) == at(2026, 7, 1, 9)
    assert sch.latest_slot(quarterly, at(2026, 9, 30, 23), after=at(2026, 4, 1, 9)) == at(2026, 7, 1, 9)


def test_a_killed_slot_is_retried_once():
    daily = job("30 7 * * *")
    entry = {"slot": at(2026, 8, 14, 7, 30).isoformat(), "status": "interrupted", "attempts": 1}
    assert sch._due_slot(daily, entry, at(2026, 8, 14, 9)) == (at(2026, 8, 14, 7, 30), 2)
    assert sch._due_slot(daily, {**entry, "attempts": 2}, at(2026, 8, 14, 9)) == (None, 0)
    assert sch._due_slot(daily, {**entry, "status": "failed"}, at(2026, 8, 14, 9)) == (None, 0)


# --------------------------------------------------------------------------- templates

def test_templates_on_the_first_day_of_a_quarter():
    values = template_values(dt.date(2026, 7, 1))          # runs 1 July: yesterday closed Q2
    assert values == {"as_of": "2026-06-30", "today": "2026-07-01", "year": "2026", "quarter": "2026-Q2",
                      "prev_quarter": "2026-Q1", "month": "2026-06", "prev_month": "2026-05",
                      "period": "2026-Q2"}


def test_templates_across_new_year():
    values = template_values(dt.date(2026, 1, 1), notebook="02_goal_setting")
    assert (values["as_of"], values["quarter"], values["prev_quarter"], values["prev_month"], values["period"]) == \
        ("2025-12-31", "2025-Q4", "2025-Q3", "2025-11", "2025")
    assert template_values(dt.date(2026, 8, 17), lag_days=0)["as_of"] == "2026-08-17"


def test_period_template_follows_the_notebook():
    # as_of 2026-08-16: tracking = its quarter, retrospective = the last complete quarter, goal setting = its year
    day = dt.date(2026, 8, 17)
    assert template_values(day, notebook="03_tracking")["period"] == "2026-Q3"
    assert template_values(day, notebook="04_quarterly_retrospective")["period"] == "2026-Q2"
    assert template_values(day, notebook="02_goal_setting")["period"] == "2026"


def test_audiences_become_separate_targets_and_file_names():
    weekly = job("0 8 * * mon", params={"period": "{quarter}"},
                 audiences={"hq": {"lang": "en"}, "chen-jing": {"owner": "陈静"}})
    found = targets(weekly)
    assert [t.id for t in found] == ["03_tracking-hq", "03_tracking-chen-jing"]
    params = [target_params(t, dt.date(2026, 8, 17)) for t in found]
    assert params[0] == {"period": "2026-Q3", "lang": "en", "audience": "hq", "as_of": "2026-08-16"}
    assert params[1]["owner"] == "陈静"
    assert [output_name("03_tracking", p) for p in params] == ["03_tracking-hq", "03_tracking-chen-jing"]
    assert output_name("03_tracking", {"cadence": "daily", "audience": "hq"}) == "03_tracking_daily-hq"
    assert output_name("03_tracking", {"cadence": "weekly"}) == "03_tracking"


# --------------------------------------------------------------------------- the file

GOOD = """
jobs:
  weekly:
    cron: "0 8 * * mon"
    notebooks: [03]
    params: {period: "{quarter}"}
"""


def test_the_projects_schedule_is_valid():
    schedule = sch.load(project_root() / "schedule.yml")
    assert {"daily-flash", "weekly-tracking", "quarterly-retrospective", "monthly-situation"} <= set(schedule.jobs)
    assert schedule.jobs["weekly-tracking"].timezone == "Asia/Shanghai"


def test_a_good_file_loads(tmp_path):
    write(tmp_path, **{"schedule.yml": GOOD})
    schedule = load_schedule(tmp_path / "schedule.yml")
    assert schedule.jobs["weekly"].notebooks == ["03_tracking"] and schedule.jobs["weekly"].timezone == "Asia/Shanghai"


@pytest.mark.parametrize("body, words", [
    ('cron: "0 8 * *"', ["jobs.weekly", "cron", "five fields"]),
    ('cron: "0 8 * * mon"\n    notebooks: [07]', ["jobs.weekly", "unknown notebook", "07"]),
    ('cron: "0 8 * * mon"\n    params: {period: "{as_of.year}"}', ["jobs.weekly.params.period", "{as_of.year}"]),
    ('cron: "0 8 * * mon"\n    params: {period: "{week}"}', ["unknown template {week}", "{prev_quarter}"]),
    ('cron: "0 8 * * mon"\n    params: {colour: red}', ["jobs.weekly.params", "'colour'", "accept"]),
    ('cron: "0 8 * * mon"\n    timezone: Mars/Base', ["timezone", "Mars/Base"]),
    ('cron: "0 8 * * mon"\n    audiences: {HQ: {lang: en}}', ["audience name 'HQ'"]),
    ('cron: "0 8 * * mon"\n    params: {lang: fr}', ["jobs.weekly", "'lang'", "zh or en"]),
    ('cron: "0 25 * * mon"', ["jobs.weekly.cron", "not valid"]),
])
def test_bad_jobs_are_named(tmp_path, body, words):
    write(tmp_path, **{"schedule.yml": f"jobs:\n  weekly:\n    notebooks: [03]\n    {body}\n"
                       if "notebooks" not in body else f"jobs:\n  weekly:\n    {body}\n"})
    with pytest.raises(ScheduleError) as exc:
        sch.load(tmp_path / "schedule.yml")
    text = str(exc.value)
    assert "schedule.yml" in text
    for word in words:
        assert word in text, text


def test_yaml_errors_give_the_line(tmp_path):
    write(tmp_path, **{"schedule.yml": "jobs:\n  weekly:\n    cron: 0 8 * * mon\n  - x\n"})
    with pytest.raises(ScheduleError, match=r"line \d"):
        load_schedule(tmp_path / "schedule.yml")


def test_the_command_reports_a_bad_schedule_without_a_traceback(tmp_path):
    write(tmp_path, **{"schedule.yml": "jobs:\n  weekly:\n    cron: '0 8 * * mon'\n    notebooks: [9]\n"})
    proc = subprocess.run([str(BIN / "attain"), "schedule", "list", "--schedule", str(tmp_path / "schedule.yml")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "schedule.yml" in proc.stderr and "jobs.weekly" in proc.stderr and "Traceback" not in proc.stderr


def test_list_shows_the_next_times_in_the_jobs_timezone(tmp_path):
    write(tmp_path, **{"schedule.yml": GOOD})
    proc = subprocess.run([str(BIN / "attain"), "schedule", "list", "--schedule", str(tmp_path / "schedule.yml"),
                           "--now", "2026-08-16T12:00", "--count", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "2026-08-17 08:00 Mon, 2026-08-24 08:00 Mon" in proc.stdout and "never" in proc.stdout
