"""`attain run`: turn command-line options into validated notebook runs."""

from __future__ import annotations

import os

from . import paths, query_cache, shared_data
from .params import merge_params, parse_cli_params, select_notebooks
from .run import run_many


def use_cache(out_dir) -> None:
    """The notebooks of this command share aggregated query results through ``<reports>/_cache`` (their
    kernels inherit the variable); an explicit ATTAIN_CACHE_DIR (empty: off) wins."""
    os.environ.setdefault(query_cache.ENV, str(out_dir / "_cache"))


def run_from_cli(args) -> int:
    specs = select_notebooks(args.notebooks)
    options = {
        "period": args.period, "as_of": args.as_of, "lang": args.lang,
        "data_dir": str(args.data) if args.data else None,
        "plan_dir": str(args.plan) if args.plan else None,
    }
    params = merge_params(options, parse_cli_params(args.param))
    out_dir = args.out or paths.default_reports_dir()
    use_cache(out_dir)
    # every command that reads data checks it first: a data problem stops here, before any run; the
    # checked tables are shared with the notebooks of this pack (attain.shared_data)
    with shared_data.for_pack(params.get("data_dir")) as ds:
        if "as_of" not in params:
            params["as_of"] = ds.date_range("orders")[1].isoformat()
            print(f"as of {params['as_of']} (the last day of the orders data; use --as-of to change)")
        ds.release()
        results = run_many(specs, params, out_dir=out_dir, jobs=args.jobs, timeout=args.timeout,
                           raise_on_failure=False)
    for r in results:
        where = r.html if r.status == "ok" else r.failed_notebook
        print(f"{r.status:>6}  {r.name}  {r.period}  {where}  ({r.seconds:.1f} s)")
    failed = [r for r in results if r.status != "ok"]
    print(f"reports: {(out_dir / 'index.html').as_uri()}")
    if failed:
        from .errors import RunError
        raise RunError("\n\n".join(f"{r.name} ({r.period}): {r.error}" for r in failed))
    return 0
