"""Running ``schedule.yml``: when jobs are due, and running them once each, whoever calls.

Three callers share this module and the runner (:func:`attain.run.run_notebook`): ``attain schedule run-due``
from cron, ``attain schedule serve`` (:mod:`attain.schedule_serve`), and the Airflow DAG (through
``attain schedule run``).

**Due.** A job's *slot* is a time its cron expression names, in the job's timezone. ``run_due(now)`` runs,
for each job, the latest slot at or before ``now`` that has not run yet — once, however many slots were
missed (a machine off over the weekend runs Monday's report once, not three daily flashes). A job that has
never run runs its latest slot. The state (``<reports>/_schedule/state.json``) records each job's last slot
and how it went.

**Never twice at once.** Each job has a lock file (``<reports>/_schedule/<job>.lock``, ``flock``). A second
``run-due`` that finds a job locked skips it; under the lock the state is read again, so a slot finished by
another process meanwhile is not run again. A slot whose run was killed (state "running", lock free) is
recorded as interrupted and tried once more; after that it waits for the next slot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from attain import paths
from attain.errors import ParameterError
from attain.publish import atomic_write_text
from attain.schedule_spec import Job, Schedule, ScheduleError, load_schedule, target_params, targets

try:
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2          # a killed slot is tried once more
STATE_DIR = "_schedule"
_WINDOWS = [dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=8), dt.timedelta(days=32),
            dt.timedelta(days=93), dt.timedelta(days=367), dt.timedelta(days=3000)]
_DOW = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


# --------------------------------------------------------------------------- time

def _dow_part(part: str) -> str:
    """One comma part of a standard day-of-week field, in APScheduler's words (it counts 0 = Monday)."""
    part = re.sub(r"^\*/", "0-6/", part)     # */2 counts from Sunday in crontab, from Monday in APScheduler
    m = re.fullmatch(r"(\d)(?:-(\d))?(?:/(\d+))?", part)
    if not m:
        return part                       # *, mon, mon-fri: the same in both
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else (7 if m.group(3) else first)
    if first > 7 or last > 7 or first > last:
        raise ValueError(f"day of week {part!r} is not in 0-7")
    step = int(m.group(3) or 1)
    return ",".join(dict.fromkeys(_DOW[d] for d in range(first, last + 1, step)))


def cron_trigger(job: Job):
    """The APScheduler trigger of ``job``'s cron expression (standard crontab meaning) in its timezone."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, dow = job.cron.split()
    try:
        dow = ",".join(_dow_part(p) for p in dow.split(","))
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow,
                           timezone=ZoneInfo(job.timezone))
    except ValueError as exc:
        raise ScheduleError(f"cron {job.cron!r} is not valid: {exc}", where=f"jobs.{job.name}.cron",
                            hint="five fields: minute hour day-of-month month day-of-week, e.g. '0 8 * * mon'") from None


def parse_time(text: str, zone: str) -> dt.datetime:
    """An ISO date-time; without an offset it is read in ``zone`` (a date alone means its midnight)."""
    try:
        moment = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ParameterError(f"{text!r} is not a date-time", hint="write e.g. 2026-08-17T09:00 or "
                             "2026-08-17T09:00+08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def latest_slot(job: Job, now: dt.datetime, after: dt.datetime | None = None) -> dt.datetime | None:
    """The last time the job's cron names at or before ``now`` and after ``after`` (None: there is none)."""
    trigger = cron_trigger(job)
    for window in _WINDOWS:
        start, final = now - window, False
        if after is not None and after >= start:
            start, final = after + dt.timedelta(microseconds=1), True
        last, moment = None, trigger.get_next_fire_time(None, start)
        while moment is not None and moment <= now:
            last, moment = moment, trigger.get_next_fire_time(moment, moment)
        if last is not None or final:
            return last
    return None


def next_slots(job: Job, now: dt.datetime, count: int = 3) -> list[dt.datetime]:
    trigger = cron_trigger(job)
    out, moment = [], trigger.get_next_fire_time(None, now)
    while moment is not None and len(out) < count:
        out.append(moment)
        moment = trigger.get_next_fire_time(moment, moment)
    return out


# --------------------------------------------------------------------------- state and locks

def state_dir(out_dir: Path) -> Path:
    return Path(out_dir) / STATE_DIR


def read_state(out_dir: Path) -> dict:
    try:
        state = json.loads((state_dir(out_dir) / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(out_dir: Path, state: dict) -> None:
    atomic_write_text(state_dir(out_dir) / "state.json", json.dumps(state, ensure_ascii=False, indent=1,
                                                                     sort_keys=True) + "\n")


@contextlib.contextmanager
def _flock(path: Path, blocking: bool) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        if fcntl is None:
            yield True
            return
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def job_lock(out_dir: Path, job: str, *, wait: bool = False):
    """Context manager yielding True when this process holds the job's lock (False: another one does)."""
    return _flock(state_dir(out_dir) / f"{job}.lock", wait)


def update_state(out_dir: Path, job: str, **values) -> dict:
    """Read-modify-write one job's entry under the state lock."""
    with _flock(state_dir(out_dir) / "state.lock", True):
        state = read_state(out_dir)
        entry = {**state.get(job, {}), **values}
        state[job] = entry
        _write_state(out_dir, state)
    return entry


# --------------------------------------------------------------------------- running

@dataclass
class JobRun:
    job: str
    slot: dt.datetime | None
    status: str                      # ok, failed, skipped, interrupted
    results: list = field(default_factory=list)
    note: str = ""


def reports_dir(schedule: Schedule, out: Path | None = None) -> Path:
    """``--out`` wins; else the file's ``out`` (relative to the schedule file's folder); else reports/."""
    if out is not None:
        return paths.resolve(out)
    if schedule.out:
        base = Path(schedule.out).expanduser()
        return base if base.is_absolute() else (schedule.path.resolve().parent / base).resolve()
    return paths.default_reports_dir()


def run_job(schedule: Schedule, job: Job, slot: dt.datetime, out_dir: Path,
            only: list[str] | None = None) -> list:
    """Run every target of ``job`` (or those in ``only``) as scheduled at ``slot``; continue after a failure.
    Each notebook may run ``job.timeout`` seconds in all (not per cell): past that its kernel is stopped and
    the run fails saying so. Returns the runner's results (a ParameterError of one target is recorded as its
    failure)."""
    from attain import shared_data
    from attain.run import RunResult, run_notebook
    from attain.errors import RunError

    chosen = targets(job)
    if only:
        unknown = sorted(set(only) - {t.id for t in chosen})
        if unknown:
            raise ScheduleError(f"job {job.name} has no target {', '.join(unknown)}", file=schedule.path,
                                hint=f"targets: {', '.join(t.id for t in chosen)}")
        chosen = [t for t in chosen if t.id in only]
    run_day = slot.astimezone(ZoneInfo(job.timezone)).date()
    planned = [(target, target_params(target, run_day, job.lag_days)) for target in chosen]
    results = []
    with shared_data.for_job([params.get("data_dir") for _, params in planned]):
        for target, params in planned:
            try:
                results.append(run_notebook(target.notebook, params, out_dir=out_dir, timeout=job.timeout,
                                            job=job.name))
            except (RunError, ParameterError) as exc:
                log.error("%s %s failed: %s", job.name, target.id, exc)
                results.append(RunResult(target.notebook, params.get("period", ""), None, None, 0.0, "failed",
                                         error=str(exc), failed_notebook=getattr(exc, "failed_notebook", None)))
    return results


def _due_slot(job: Job, entry: dict, now: dt.datetime) -> tuple[dt.datetime | None, int]:
    """(slot to run, attempt number) for ``job`` given its state entry, under the job's lock."""
    last = dt.datetime.fromisoformat(entry["slot"]) if entry.get("slot") else None
    slot = latest_slot(job, now, last)
    if slot is not None:
        return slot, 1
    if last is not None and entry.get("status") in ("running", "interrupted") and \
            int(entry.get("attempts", 1)) < MAX_ATTEMPTS:
        return last, int(entry.get("attempts", 1)) + 1    # killed mid-run: one more try
    return None, 0


def run_due(schedule: Schedule, now: dt.datetime, out_dir: Path, jobs: list[str] | None = None) -> list[JobRun]:
    """Run each job whose latest slot at or before ``now`` has not run yet (see the module docstring)."""
    from attain import runlog

    runlog.close_dead_runs(out_dir)
    done = []
    for job in schedule.jobs.values():
        if jobs and job.name not in jobs:
            continue
        with job_lock(out_dir, job.name) as mine:
            if not mine:
                done.append(JobRun(job.name, None, "skipped", note="running in another process"))
                continue
            entry = read_state(out_dir).get(job.name, {})
            if entry.get("status") == "running":      # its process died: we hold the lock now
                entry = update_state(out_dir, job.name, status="interrupted")
            slot, attempt = _due_slot(job, entry, now)
            if slot is None:
                continue
            done.append(_run_slot(schedule, job, slot, attempt, out_dir))
    return done


def _run_slot(schedule: Schedule, job: Job, slot: dt.datetime, attempt: int, out_dir: Path) -> JobRun:
    update_state(out_dir, job.name, slot=slot.isoformat(), status="running", attempts=attempt,
                 started=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), pid=os.getpid(),
                 host=socket.gethostname(), finished=None)
    status = "interrupted"
    try:
        results = run_job(schedule, job, slot, out_dir)
        status = "ok" if all(r.status == "ok" for r in results) else "failed"
    finally:
        update_state(out_dir, job.name, status=status,
                     finished=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    return JobRun(job.name, slot, status, results)


def load(path: str | Path | None) -> Schedule:
    """The schedule at ``path`` (default: schedule.yml in the project), every job's cron checked."""
    schedule = load_schedule(paths.resolve(path) if path else paths.project_root() / "schedule.yml")
    for job in schedule.jobs.values():
        try:
            cron_trigger(job)
        except ScheduleError as exc:
            raise ScheduleError(exc.message, file=schedule.path, where=exc.where, hint=exc.hint) from None
    return schedule
