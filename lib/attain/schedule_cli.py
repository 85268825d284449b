"""``attain schedule list | run-due | run | serve``: the command-line face of :mod:`attain.schedule`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from attain import schedule as sch
from attain.params import output_name
from attain.schedule_spec import target_params, targets

EXIT_FAILED = 1


def add_parser(sub, dir_type) -> None:
    p = sub.add_parser("schedule", help="scheduled runs from schedule.yml: list, run-due (cron), run, serve")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--schedule", type=dir_type, default=None, metavar="FILE",
                       help="default: schedule.yml in the project")
        q.add_argument("--out", type=dir_type, default=None, metavar="DIR",
                       help="reports folder (default: the file's 'out', else reports/)")

    q = actions.add_parser("list", help="the jobs and their next run times")
    common(q)
    q.add_argument("--now", default=None, help="list from this time instead of now (ISO date-time)")
    q.add_argument("--count", type=int, default=3, help="how many next run times per job")

    q = actions.add_parser("run-due", help="run what has come due since the last run (for cron)")
    common(q)
    q.add_argument("--now", default=None, help="act as if it were this time (ISO date-time)")
    q.add_argument("--job", action="append", default=[], metavar="NAME", help="only this job (repeatable)")

    q = actions.add_parser("run", help="run one job now, as if scheduled at --at (Airflow calls this)")
    common(q)
    q.add_argument("job", metavar="JOB")
    q.add_argument("--at", default=None, help="the scheduled time (ISO date-time; default now)")
    q.add_argument("--only", action="append", default=[], metavar="TARGET",
                   help="only this target, e.g. 03_tracking-hq (repeatable)")

    q = actions.add_parser("serve", help="a long-running scheduler; stops on Ctrl-C or SIGTERM")
    common(q)


def _now(text: str | None, zone: str) -> dt.datetime:
    return sch.parse_time(text, zone) if text else dt.datetime.now(dt.timezone.utc)


def _local(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %a")


def cmd_list(schedule, out_dir: Path, args) -> int:
    now = _now(args.now, schedule.timezone)
    state = sch.read_state(out_dir)
    print(f"{schedule.path} — now {_local(now, schedule.timezone)} ({schedule.timezone})")
    for job in schedule.jobs.values():
        nexts = ", ".join(_local(t, job.timezone) for t in sch.next_slots(job, now, args.count))
        entry = state.get(job.name, {})
        last = (f"{_local(dt.datetime.fromisoformat(entry['slot']), job.timezone)} {entry.get('status', '')}"
                if entry.get("slot") else "never")
        print(f"\n{job.name}  [{job.cron}  {job.timezone}]  {job.description or ''}".rstrip())
        print(f"  runs:  {', '.join(_report_names(job, now))}")
        print(f"  next:  {nexts}")
        print(f"  last:  {last}")
    return 0


def _report_names(job, now: dt.datetime) -> list[str]:
    """The files each target publishes (``03_tracking_daily``, ``03_tracking-hq``), as of the next run."""
    day = now.astimezone(ZoneInfo(job.timezone)).date()
    return [output_name(t.notebook, target_params(t, day, job.lag_days)) for t in targets(job)]


def _print_results(run) -> None:
    for r in run.results:
        where = r.html if r.status == "ok" else (r.failed_notebook or "")
        print(f"  {r.status:>6}  {r.name}  {r.period}  {where}")
        if r.status != "ok" and r.error:       # the reason, not only where the failed notebook is
            print(f"          {r.error}", file=sys.stderr)


def cmd_run_due(schedule, out_dir: Path, args) -> int:
    now = _now(args.now, schedule.timezone)
    unknown = [j for j in args.job if j not in schedule.jobs]
    if unknown:
        schedule.job(unknown[0])     # raises with the list of jobs
    runs = sch.run_due(schedule, now, out_dir, jobs=args.job or None)
    if not runs:
        print(f"nothing due at {_local(now, schedule.timezone)}")
    for run in runs:
        slot = _local(run.slot, schedule.jobs[run.job].timezone) if run.slot else "-"
        print(f"{run.status:>11}  {run.job}  (slot {slot}){'  ' + run.note if run.note else ''}")
        _print_results(run)
    print(f"reports: {(out_dir / 'index.html').as_uri()}")
    return EXIT_FAILED if any(r.status in ("failed", "interrupted") for r in runs) else 0


def cmd_run(schedule, out_dir: Path, args) -> int:
    job = schedule.job(args.job)
    at = _now(args.at, job.timezone)
    with sch.job_lock(out_dir, job.name, wait=True):
        results = sch.run_job(schedule, job, at, out_dir, only=args.only or None)
    run = sch.JobRun(job.name, at, "ok" if all(r.status == "ok" for r in results) else "failed", results)
    print(f"{run.status:>11}  {job.name}  (as scheduled at {_local(at, job.timezone)})")
    _print_results(run)
    return 0 if run.status == "ok" else EXIT_FAILED


def cmd_serve(schedule, out_dir: Path, args) -> int:
    from attain.schedule_serve import Server
    return Server(schedule, out_dir, echo=lambda text: print(text, flush=True)).run()


ACTIONS = {"list": cmd_list, "run-due": cmd_run_due, "run": cmd_run, "serve": cmd_serve}


def cmd_schedule(args) -> int:
    schedule = sch.load(args.schedule)
    out_dir = sch.reports_dir(schedule, args.out)
    if args.action in ("run-due", "run"):
        from attain.runner_cli import use_cache
        use_cache(out_dir)
    return ACTIONS[args.action](schedule, out_dir, args)
