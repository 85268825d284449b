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


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of jobs (write 1 or more)")
    return value


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

    p = sub.add_parser("validate", help="check a data folder against the data contract")
    _data_option(p)

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

    from .schedule_cli import add_parser
    add_parser(sub, _dir)
    return parser


def _show_warnings(name: str) -> None:
    logger = logging.getLogger(name)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("attain: %(message)s"))
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl-C (the run in progress is logged as interrupted, its kernel stopped)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    # the command prints its own summary; library log lines go to handlers a scheduler sets up
    logging.getLogger("attain").addHandler(logging.NullHandler())
    _show_warnings("attain.notify")   # a webhook that did not take the message is said on stderr
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
    print(f"data folder: {ds.data_dir}")
    print(ds.quality().to_string(index=False))
    print("OK: every table meets the data contract")
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
    from .smart_view import lint
    return lint(args.plan, args.data, as_of=args.as_of, strict=args.strict, lang=args.lang,
                forecast=args.forecast)


def cmd_run(args) -> int:
    from .runner_cli import run_from_cli
    return run_from_cli(args)


def cmd_schedule(args) -> int:
    from .schedule_cli import cmd_schedule as run_schedule
    return run_schedule(args)


COMMANDS = {"sample": cmd_sample, "validate": cmd_validate, "metrics": cmd_metrics, "lint-goals": cmd_lint_goals,
            "run": cmd_run, "schedule": cmd_schedule}

if __name__ == "__main__":
    sys.exit(main())
