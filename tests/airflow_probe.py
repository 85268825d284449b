"""Load a dags folder with Airflow's own DagBag and print what Airflow sees, as JSON.

Run with the Airflow virtualenv's interpreter (``.venv-airflow/bin/python``), never the project's:
``tests/test_airflow_dag.py`` does. Each DAG goes through the same serialization round trip as in Airflow's
DAG processor, so a DAG that parses but cannot be stored counts as an import error too.

    python tests/airflow_probe.py DAGS_FOLDER OUT.json [--after ISO] [--render DAG_ID TASK_ID ISO [--manual]]

Written to OUT.json (Airflow logs to stdout, so the answer goes to a file):
``{"airflow": version, "import_errors": {file: text}, "warnings": {file: [text]}, "dags": {dag_id: {...}}}``.
``--after``: each DAG also lists its next two scheduled runs from that instant on (``run_after`` and
``logical_date``, UTC), as the scheduler's timetable computes them.
``--render``: also ``"rendered"``, the task's bash command rendered with the DAG's templating for a run at
``ISO``; with ``--manual`` the run has no logical date (an Airflow 3 manual run), only ``run_after``.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback


def _dagbag(folder: str):
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3

        return DagBag(dag_folder=folder)
    except ImportError:
        from airflow.models.dagbag import DagBag  # Airflow 2

        return DagBag(dag_folder=folder, include_examples=False)


def _round_trip(dag):
    """The DAG as the scheduler sees it: serialized and read back."""
    try:
        from airflow.serialization.serialized_objects import DagSerialization as Ser
    except ImportError:
        from airflow.serialization.serialized_objects import SerializedDAG as Ser
    return Ser.from_dict(json.loads(json.dumps(Ser.to_dict(dag))))


def _zone_name(zone) -> str:
    return getattr(zone, "name", None) or str(zone)


def _describe(dag) -> dict:
    timetable = dag.timetable
    return {
        "timetable": type(timetable).__name__,
        "summary": getattr(timetable, "summary", None),
        "cron": getattr(timetable, "_expression", None),
        "timezone": _zone_name(getattr(timetable, "_timezone", None)),
        "description": dag.description,
        "tags": sorted(dag.tags),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "tasks": {t.task_id: {"operator": t.task_type, "bash_command": getattr(t, "bash_command", None),
                              "cwd": getattr(t, "cwd", None)} for t in dag.tasks},
    }


def _next_runs(timetable, after: str, count: int = 2) -> list[dict]:
    """The next ``count`` scheduled runs from ``after`` on (catch-up style, so "now" does not matter)."""
    import pendulum
    from airflow.timetables.base import TimeRestriction
    restriction = TimeRestriction(earliest=pendulum.parse(after), latest=None, catchup=True)
    runs, last = [], None
    for _ in range(count):
        info = timetable.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        runs.append({"run_after": info.run_after.isoformat(), "logical_date": info.logical_date.isoformat()})
        last = info.data_interval
    return runs


def _render(dag, task_id: str, when: str, manual: bool) -> str:
    """The bash command rendered with the task's own templating for a run at ``when``."""
    import pendulum
    task = dag.get_task(task_id)
    at = pendulum.parse(when)
    logical = None if manual else at
    run = argparse.Namespace(run_after=at, logical_date=logical)
    return task.render_template(task.bash_command, {"logical_date": logical, "dag_run": run})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("out")
    parser.add_argument("--after")
    parser.add_argument("--render", nargs=3, metavar=("DAG_ID", "TASK_ID", "ISO"))
    parser.add_argument("--manual", action="store_true")
    args = parser.parse_args(argv)

    import airflow
    bag = _dagbag(args.folder)
    errors = {str(k): v for k, v in bag.import_errors.items()}
    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        try:
            seen = _round_trip(dag)
            dags[dag_id] = _describe(seen)
            if args.after:
                dags[dag_id]["next_runs"] = _next_runs(seen.timetable, args.after)
        except Exception:  # noqa: BLE001 - as in Airflow's DAG processor: any failure is an import error
            errors[f"{dag.fileloc} ({dag_id})"] = traceback.format_exc()
    warned = {str(k): list(v) for k, v in getattr(bag, "captured_warnings", {}).items()}
    out = {"airflow": airflow.__version__, "import_errors": errors, "warnings": warned, "dags": dags}
    if args.render:
        dag_id, task_id, when = args.render
        out["rendered"] = _render(bag.dags[dag_id], task_id, when, args.manual)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
