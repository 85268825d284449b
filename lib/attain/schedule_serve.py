"""``attain schedule serve``: a long-running scheduler (APScheduler 3) for hosts without cron.

On start it catches up once (the same ``run-due`` as cron uses), then fires each job at its cron times in the
job's timezone. Every firing runs ``attain schedule run-due --job NAME --now <the fire time>`` in a child
process, so the state, the lock and the run log are exactly those of the cron route, a crash in a report
never takes the scheduler down, and memory is returned after each run. One job runs at a time
(``coalesce``: a backlog runs once; ``max_instances=1``).

SIGTERM or SIGINT stops it cleanly: no new job starts, a running child is asked to stop (it records its run
as interrupted and shuts its kernel down; the published reports stay as they were), and the process exits 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path

from attain.schedule import cron_trigger
from attain.schedule_spec import Schedule

log = logging.getLogger(__name__)

CHILD_STOP_SECONDS = 60
MISFIRE_GRACE_SECONDS = 6 * 3600


class Server:
    def __init__(self, schedule: Schedule, out_dir: Path, echo=print) -> None:
        self.schedule, self.out_dir, self.echo = schedule, out_dir, echo
        self.stopping = threading.Event()
        self._children: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self.scheduler = None

    def _command(self, job: str | None, now: dt.datetime | None) -> list[str]:
        cmd = [sys.executable, "-m", "attain.cli", "schedule", "run-due", "--schedule", str(self.schedule.path),
               "--out", str(self.out_dir)]
        if job:
            cmd += ["--job", job]
        if now:
            cmd += ["--now", now.isoformat()]
        return cmd

    def fire(self, job: str | None = None, now: dt.datetime | None = None) -> int | None:
        """Run ``run-due`` (for one job at its fire time, or everything now) in a child process."""
        if self.stopping.is_set():
            return None
        with self._lock:
            child = subprocess.Popen(self._command(job, now))
            self._children.add(child)
        self.echo(f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S} start {job or 'catch-up'} (pid {child.pid})")
        code = child.wait()
        with self._lock:
            self._children.discard(child)
        self.echo(f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S} end   {job or 'catch-up'}: exit {code}")
        return code

    def stop(self, signum=None, frame=None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self.echo(f"stopping ({signal.Signals(signum).name if signum else 'stop'}): no new runs")
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        with self._lock:
            for child in list(self._children):
                child.terminate()   # the child records "interrupted" and stops its kernel

    def build(self):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler = BlockingScheduler(executors={"default": ThreadPoolExecutor(max_workers=1)},
                                      job_defaults={"coalesce": True, "max_instances": 1,
                                                    "misfire_grace_time": MISFIRE_GRACE_SECONDS},
                                      timezone=dt.timezone.utc)
        for job in self.schedule.jobs.values():
            scheduler.add_job(self.fire, trigger=cron_trigger(job), args=[job.name], id=job.name,
                              name=job.description or job.name)
        scheduler.add_job(self.fire, "date", run_date=dt.datetime.now(dt.timezone.utc), id="catch-up")
        self.scheduler = scheduler
        return scheduler

    def run(self) -> int:
        scheduler = self.build()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.echo(f"serving {len(self.schedule.jobs)} jobs from {self.schedule.path}; reports in {self.out_dir}")
        self.echo("stop with Ctrl-C or SIGTERM")
        scheduler.start()                       # returns after shutdown
        self._wait_for_children()
        self.echo("stopped")
        return 0

    def _wait_for_children(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:
            try:
                child.wait(timeout=CHILD_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
