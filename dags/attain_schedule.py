"""Airflow DAGs built from the project's ``schedule.yml``: one DAG per job, one task per report.

Point Airflow's ``dags_folder`` at ``dags/`` or symlink this file into it (a copy needs ``ATTAIN_ROOT``).
Each job of ``schedule.yml`` becomes a DAG ``attain_<job>`` (``-`` becomes ``_``) that fires on the job's cron,
read in the job's timezone, and has one task per target (a notebook for one audience, task id
``03_tracking-hq``). A task runs the workbench's own runner, so a run from Airflow is the same as one from cron
or ``attain schedule serve``::

    attain schedule run JOB --at <trigger time> --only TARGET --schedule schedule.yml

Where things are, read from the environment of the Airflow process that parses this file:

- ``ATTAIN_ROOT``      the project (default: the parent of this file's folder); tasks run there.
- ``ATTAIN_SCHEDULE``  the schedule file (default: ``<root>/schedule.yml``).
- ``ATTAIN_BIN``       the ``attain`` command (default: ``<root>/.venv/bin/attain``).

Parsing reads ``schedule.yml`` only: it runs nothing and touches no network. Airflow needs no data stack
for it, only PyYAML and pydantic 2 (Airflow 3 brings both; add pydantic to Airflow 2.10). A broken
``schedule.yml`` is shown by Airflow as an import error of this file, with the message that
``attain schedule list`` would print. Tasks inherit the worker's environment (e.g. the notification webhook
variable); this file holds no secrets.

Works with Airflow 3 and, through the import fallbacks below, Airflow 2.10.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

try:                                    # Airflow 3: the task SDK
    from airflow.sdk import DAG
except ImportError:                     # Airflow 2
    from airflow import DAG
try:
    from airflow.sdk import CronTriggerTimetable
except ImportError:
    from airflow.timetables.trigger import CronTriggerTimetable
try:                                    # Airflow 3, and Airflow 2 with the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:
    from airflow.operators.bash import BashOperator

# The trigger time of the run. Under CronTriggerTimetable the logical date *is* the cron's fire time
# (in UTC, printed with its offset; the runner reads it in the job's timezone). Airflow 3 allows a manual
# run without a logical date: then the time it was asked to run after is used.
AT_TEMPLATE = "{{ (logical_date or dag_run.run_after).isoformat() }}"
START_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)   # any day in the past; catchup is off
TIMEOUT_MARGIN = dt.timedelta(minutes=5)   # beyond the job's own timeout, in case the runner hangs


def project_root(environ: Mapping[str, str]) -> Path:
    """``ATTAIN_ROOT``, else the folder above ``dags/``."""
    value = environ.get("ATTAIN_ROOT")
    return Path(value).expanduser().resolve() if value else Path(__file__).resolve().parent.parent


def schedule_file(root: Path, environ: Mapping[str, str]) -> Path:
    """``ATTAIN_SCHEDULE``, else ``<root>/schedule.yml``."""
    value = environ.get("ATTAIN_SCHEDULE")
    return Path(value).expanduser().resolve() if value else root / "schedule.yml"


def attain_command(root: Path, environ: Mapping[str, str]) -> str:
    """``ATTAIN_BIN``, else the project's virtualenv's ``attain``."""
    return environ.get("ATTAIN_BIN") or str(root / ".venv" / "bin" / "attain")


def import_schedule_spec(root: Path) -> ModuleType:
    """``attain.schedule_spec`` from ``<root>/lib`` (it needs only PyYAML and pydantic)."""
    lib = str(root / "lib")
    if lib not in sys.path:
        sys.path.insert(0, lib)
    import attain.schedule_spec as spec
    return spec


def dag_id_for(job_name: str) -> str:
    """``weekly-tracking`` -> ``attain_weekly_tracking``."""
    return "attain_" + job_name.replace("-", "_")


def run_command(attain: str, schedule: Path, job_name: str, target_id: str) -> str:
    """The shell command of one task (paths and names quoted; ``--at`` is filled in by Airflow)."""
    q = shlex.quote
    return (f'{q(attain)} schedule run {q(job_name)} --at "{AT_TEMPLATE}" '
            f"--only {q(target_id)} --schedule {q(str(schedule))}")


def build_dag(job, target_ids: list[str], attain: str, schedule: Path, root: Path) -> DAG:
    """The DAG of one job: one BashOperator per target, run one at a time."""
    with DAG(
        dag_id=dag_id_for(job.name),
        description=job.description or f"attain job {job.name} ({job.cron}, {job.timezone})",
        schedule=CronTriggerTimetable(job.cron, timezone=job.timezone),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        max_active_tasks=1,             # reports of one job render one after another
        tags=["attain"],
    ) as dag:
        for target_id in target_ids:
            BashOperator(
                task_id=target_id,
                bash_command=run_command(attain, schedule, job.name, target_id),
                cwd=str(root),
                execution_timeout=dt.timedelta(seconds=job.timeout) + TIMEOUT_MARGIN,
            )
    return dag


def build_dags(environ: Mapping[str, str]) -> dict[str, DAG]:
    """Every job's DAG by dag id; a bad schedule raises its ScheduleError (Airflow shows it)."""
    root = project_root(environ)
    schedule = schedule_file(root, environ)
    spec = import_schedule_spec(root)
    loaded = spec.load_schedule(schedule)
    attain = attain_command(root, environ)
    return {dag_id_for(name): build_dag(job, [t.id for t in spec.targets(job)], attain, schedule, root)
            for name, job in loaded.jobs.items()}


globals().update(build_dags(os.environ))
