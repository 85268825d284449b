"""The ``attain`` command: sample, validate, metrics, lint-goals, run, schedule.

User mistakes (bad data, unknown metric, malformed parameter) are printed as one clear
message without a traceback, and the command exits with status 2. A failed notebook run
exits with status 1 after keeping the previous good report.
"""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
import logging
import os
import signal
import sys
import time
from pathlib import Path

from . import paths
from .errors import AttainError, RunError

EXIT_USER_ERROR = 2
EXIT_RUN_FAILED = 1


def _dir(text: str) -> Path:
    return Path(text).expanduser().resolve()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (write YYYY-MM-DD)") from None


def _positive(what: str, example: str):
    """An argparse type: a whole number of at least 1, else a message saying what to write."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number of {what} (write {example})")
        return value
    return parse


_jobs = _positive("jobs", "1 or more")
_seconds = _positive("seconds", "e.g. 3600")


def _data_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=_dir, default=None, metavar="DIR",
                   help="data folder (default: data/sample in the project)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attain", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("sample", help="write the deterministic sample data set")
    p.add_argument("--out", type=_dir, default=None, metavar="DIR", help="default: data/sample")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start", type=_date, default=None, help="first day (default 2024-01-01)")
    p.add_argument("--end", type=_date, default=None, help="last day (default 2026-08-15)")
    p.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 ≈ 1 million orders)")
    p.add_argument("--if-missing", action="store_true", help="do nothing when the folder already has orders")

    p = sub.add_parser("validate", help="check a data folder (and plan files) against the contract")
    _data_option(p)
    p.add_argument("--plan", type=_dir, default=None, metavar="DIR",
                   help="also check every plan file in DIR (goals.yaml, budget.yaml, ...)")
    p.add_argument("--today", type=_date, default=None, metavar="DATE",
                   help="rows dated after this day are refused (default: the day the command runs)")

    p = sub.add_parser("metrics", help="compute metrics from the metric dictionary")
    p.add_argument("metric", nargs="*", help="metric ids, e.g. gmv aov")
    p.add_argument("--list", action="store_true", help="print the metric dictionary")
    p.add_argument("--by", default="", help="time grain and/or dimensions, e.g. month,channel")
    p.add_argument("--from", dest="start", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", default=None, metavar="YYYY-MM-DD")
    p.add_argument("--where", action="append", default=[], metavar="DIM=VALUE[,VALUE]")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of --list")
    _data_option(p)

    p = sub.add_parser("lint-goals", help="SMART check of the goal register (goals.yaml)")
    p.add_argument("--plan", type=_dir, default=None, metavar="DIR", help="plan folder (default: data/plan)")
    _data_option(p)
    p.add_argument("--as-of", dest="as_of", type=_date, default=None, metavar="DATE",
                   help="analysis date YYYY-MM-DD (default: the last day of the orders data)")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when any goal fails a check")
    p.add_argument("--no-forecast", dest="forecast", action="store_false",
                   help="skip the forecast behind 'Achievable' (faster; A is then not assessed)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the report")

    p = sub.add_parser("run", help="run notebooks and publish their HTML reports")
    p.add_argument("notebooks", nargs="+", metavar="NAME", help="01, situation_analysis, ... or all")
    p.add_argument("--period", default=None, help="goal period: 2026, 2026-Q3 or 2026-07")
    p.add_argument("--as-of", dest="as_of", default=None, help="default: the last day of the orders data")
    _data_option(p)
    p.add_argument("--plan", type=_dir, default=None, metavar="DIR", help="default: data/plan")
    p.add_argument("--lang", choices=("zh", "en"), default=None)
    p.add_argument("--out", type=_dir, default=None, metavar="DIR", help="default: reports/")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1, metavar="N",
                   help="notebooks run at the same time (default: the number of cores)")
    p.add_argument("--timeout", type=_seconds, default=1800, metavar="SECONDS",
                   help="time limit of each notebook as a whole (default 1800); past it the run is stopped and fails")

    from .schedule_cli import add_parser
    add_parser(sub, _dir)
    return parser


def _show_warnings(name: str, level: int = logging.WARNING) -> None:
    logger = logging.getLogger(name)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("attain: %(message)s"))
        handler.setLevel(level)
        logger.addHandler(handler)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl-C (the run in progress is logged as interrupted, its kernel stopped)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    # the command prints its own summary; library log lines go to handlers a scheduler sets up
    logging.getLogger("attain").addHandler(logging.NullHandler())
    _show_warnings("attain.notify")   # a webhook that did not take the message is said on stderr
    _show_warnings("attain.data", logging.INFO)   # what the loader fixed on its own (GBK, 1,234.50) is said
    args = build_parser().parse_args(argv)
    if not (args.command == "schedule" and args.action == "serve"):   # serve handles its own signals
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return COMMANDS[args.command](args) or 0
    except RunError as exc:
        print(f"attain: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except AttainError as exc:
        print(f"attain: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Terminated:
        print("attain: stopped by SIGTERM", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("attain: interrupted", file=sys.stderr)
        return 130


def cmd_sample(args) -> int:
    from . import sample
    out = args.out or paths.default_data_dir()
    if args.if_missing and any(out.glob("orders.*")):
        print(f"sample data already in {out}")
        return 0
    kwargs = {k: v for k, v in (("start", args.start), ("end", args.end)) if v is not None}
    began = time.perf_counter()
    rows = sample.generate(out, seed=args.seed, scale=args.scale, **kwargs)
    took = time.perf_counter() - began
    print(f"wrote {', '.join(f'{t} {n:,} rows' for t, n in rows.items())} to {out} in {took:.1f} s")
    return 0


def cmd_validate(args) -> int:
    from .data import load_dataset
    ds = load_dataset(args.data)
    check_not_after(ds, args.today or dt.date.today())
    print(f"data folder: {ds.data_dir}")
    print(ds.quality().to_string(index=False))
    print("OK: every table meets the data contract")
    if args.plan is not None:
        from .planfile import check_folder
        checked = check_folder(args.plan)
        print(f"OK: plan files in {args.plan}: {', '.join(checked) or 'none'}")
    return 0


def cmd_metrics(args) -> int:
    from .metrics import compute, dictionary, parse_where
    if args.list:
        _print_frame(dictionary(args.lang), args.format)
        return 0
    from .data import load_dataset
    from .errors import MetricError
    if not args.metric:
        raise MetricError("name at least one metric", hint="`attain metrics --list` shows them")
    by = [b.strip() for b in args.by.split(",") if b.strip()]
    from .timegrain import GRAINS
    grains = [b for b in by if b in GRAINS]
    if len(grains) > 1:
        raise MetricError(f"more than one time grain in --by: {', '.join(grains)}", where="--by",
                          hint="pick one of day, week, month, quarter, year")
    where = parse_where(args.where)
    ds = load_dataset(args.data)
    frame = compute(ds, args.metric, grain=grains[0] if grains else None,
                    by=[b for b in by if b not in GRAINS], start=args.start, end=args.end, where=where)
    _print_frame(_rounded(frame), args.format)
    return 0


def to_cent(value: float) -> float:
    """Money rounded to the cent, half a cent away from zero (as accountants round).

    The engine sums binary floats, so an exact 10125.695 may arrive as 10125.694999999;
    taking it to 6 decimals first recovers the decimal value before rounding.
    """
    if value != value:  # NaN: no value
        return value
    exact = Decimal(f"{value:.6f}")
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _rounded(frame):
    """Money to the cent; other values as computed."""
    from .metrics import METRICS
    out = frame.copy()
    for col in out.columns:
        if col in METRICS and METRICS[col].unit == "CNY":
            out[col] = out[col].map(to_cent)
    return out


def _print_frame(frame, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        print(frame.to_string(index=False) if len(frame) else "(no rows)")


def cmd_lint_goals(args) -> int:
    from .goals import GOALS_FILE
    from .smart_view import lint
    status = lint(args.plan, args.data, as_of=args.as_of, strict=args.strict, lang=args.lang,
                  forecast=args.forecast)
    if status:
        goals = (args.plan or paths.default_plan_dir()) / GOALS_FILE
        print(f"attain: {goals}: some goals fail the SMART check (the goal ids and reasons are listed above)\n"
              "  What to do: fix those goals in goals.yaml (metric id, period, one owner, a numeric target), "
              "or run without --strict", file=sys.stderr)
    return status


def cmd_run(args) -> int:
    check_run(args)   # names, parameters, folders and plan files: a mistake stops here, before any kernel
    from .runner_cli import run_from_cli
    return run_from_cli(args)


def cmd_schedule(args) -> int:
    from .schedule_cli import cmd_schedule as run_schedule
    return run_schedule(args)


# --- checks before work starts ---------------------------------------------------------------

#: the plan files each notebook reads (checked before its kernel starts)
PLAN_FILES = {
    "01_situation_analysis": ("channels.yaml", "swot.yaml", "capabilities.yaml"),
    "02_goal_setting": ("goals.yaml", "plan.yaml", "budget.yaml"),
    "03_tracking": ("goals.yaml", "plan.yaml", "budget.yaml", "alerts.yaml", "checkins.yaml", "risks.yaml"),
    "04_quarterly_retrospective": ("goals.yaml", "plan.yaml", "budget.yaml", "experiments.yaml", "lessons.yaml"),
}
#: stands in for an as_of taken from the data when the other parameters are checked before loading
_PLACEHOLDER_AS_OF = "2000-01-01"


def check_run(args) -> None:
    """`attain run`'s cheap checks, before the data are loaded: notebook names, parameters (each notebook's
    model), the data and plan folders, and the plan files the chosen notebooks read."""
    from .errors import DataError
    from .params import merge_params, parse_cli_params, select_notebooks, validate_params
    from .planfile import check_folder
    specs = select_notebooks(args.notebooks)
    options = {"period": args.period, "as_of": args.as_of, "lang": args.lang,
               "data_dir": str(args.data) if args.data else None,
               "plan_dir": str(args.plan) if args.plan else None}
    params = merge_params(options, parse_cli_params(args.param))
    for spec in specs:
        validate_params(spec, {"as_of": _PLACEHOLDER_AS_OF, **params})
    data = args.data or (paths.resolve(params["data_dir"]) if "data_dir" in params else None)
    if data is not None and not data.is_dir():
        raise DataError("the data folder does not exist", file=data, where="--data",
                        hint="check the path, or generate the sample with `attain sample`")
    plan = paths.resolve(params["plan_dir"]) if "plan_dir" in params else paths.default_plan_dir()
    wanted = tuple(sorted({f for spec in specs for f in PLAN_FILES.get(spec.name, ())}))
    if wanted:
        check_folder(plan, only=wanted)


def check_not_after(ds, today: dt.date) -> None:
    """Refuse rows dated after ``today`` (the day the command runs): an export cannot hold orders from the
    future, so such a date is a typo (2062 for 2026) or a day/month swap. Rows after a report's as_of are
    not refused: re-rendering an earlier period is normal, and the reports cut at as_of."""
    from .errors import DataError
    for name, info in ds.tables.items():
        if info.date_max is None or info.date_max <= today:
            continue
        col = info.source.table.date_column
        count, shown = _rows_after(ds, name, col, today, numbered=info.source.where is None)
        raise DataError(f"column '{col}': {count} row(s) dated after today ({today}) — e.g. {shown}",
                        file=info.source.origin, where=f"table {name}",
                        hint="fix the dates (a typo in the year? day and month swapped?); "
                             "use --today DATE if this machine's clock is wrong")


def _rows_after(ds, name: str, col: str, today: dt.date, numbered: bool) -> tuple[object, str]:
    """How many rows of a loaded table are dated after ``today``, and up to three of them in words."""
    import duckdb
    day = f'CAST("{col}" AS DATE)'
    try:
        count = ds.con.execute(f'SELECT COUNT(*) FROM "{name}" WHERE {day} > ?', [today]).fetchone()[0]
        rows = ds.con.execute(f'SELECT row_number() OVER () AS _row, {day} AS d FROM "{name}" '
                              f"QUALIFY d > ? ORDER BY _row LIMIT 3", [today]).fetchall()
    except duckdb.Error:
        return "some", f"the latest is {ds.tables[name].date_max}"
    if numbered:
        return count, "; ".join(f"row {r} (line {r + 1}): {d}" for r, d in rows)
    return count, "; ".join(str(d) for _, d in rows)


COMMANDS = {"sample": cmd_sample, "validate": cmd_validate, "metrics": cmd_metrics, "lint-goals": cmd_lint_goals,
            "run": cmd_run, "schedule": cmd_schedule}

if __name__ == "__main__":
    sys.exit(main())
