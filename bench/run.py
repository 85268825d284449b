"""``make bench``: the scale figures of issue 8, measured side by side in one run on this machine.

1. the standard KPI set on 10 M orders: metric layer ÷ one hand-written DuckDB query (best of 3 each,
   same numbers checked) — goal ≤ 1.3; the load + validation time is reported alongside, without a goal;
2. peak memory of the metric-layer pass (load + compute) at 10 M orders, in a fresh process — ≤ 1.5 GB;
3. the four-report pack on the sample (``attain run all``) ÷ a naive papermill-CLI + nbconvert-CLI
   baseline run notebook after notebook — ≤ 0.5;
4. the pack at 10 M orders ÷ the pack at 1 M — ≤ 2;
5. the size of each HTML report of pack 3 — ≤ 3 MB each.

Prints progress and a table, writes ``bench/results.json`` (atomically) with the machine it ran on.
Exit status: 0 when everything was measured (goals met or not: the table says), 3 when the metric layer and
the SQL disagree, 1 when something crashed. Data sets live in ``bench/.data/`` and are reused while the
sample generator's code and seed are unchanged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import machine  # noqa: E402
import packs  # noqa: E402
import scale_data  # noqa: E402
from summary import GB, MB, Figure, table, write_json  # noqa: E402

SAMPLE_AS_OF = "2026-08-15"
PARITY_EXIT = 3
_START = time.perf_counter()


def say(text: str) -> None:
    """A progress line with the time since the start."""
    took = int(time.perf_counter() - _START)
    print(f"[{took // 60:2d}:{took % 60:02d}] {text}", flush=True)


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    p.add_argument("--big-scale", type=float, default=10, help="scale of the large data set (10 ≈ 10 M orders)")
    p.add_argument("--small-scale", type=float, default=1, help="scale of the small data set (1 ≈ 1 M orders)")
    p.add_argument("--data-root", type=Path, default=HERE / ".data", help="where the data sets are kept")
    p.add_argument("--results", type=Path, default=HERE / "results.json")
    p.add_argument("--keep", action="store_true", help="keep the packs' scratch folders (reports) afterwards")
    return p.parse_args(argv)


# --------------------------------------------------------------------------- steps

def kpi_pass(data: Path) -> dict:
    """Items 1 and 2 in a fresh process (bench/kpis.py); its progress lines pass through to stderr."""
    cmd = [sys.executable, str(HERE / "kpis.py"), str(data)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=packs.clean_env())
    if done.returncode == PARITY_EXIT:
        raise SystemExit(PARITY_EXIT)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(cmd)}` exited with {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def last_day(data: Path) -> str:
    """The last order day of a generated data set (read from its Parquet file)."""
    import duckdb
    path = str(data / "orders.parquet").replace("'", "''")
    with duckdb.connect() as con:
        day = con.execute(f"SELECT CAST(MAX(order_date) AS DATE) FROM read_parquet('{path}')").fetchone()[0]
    return day.isoformat()


def _pack_line(name: str, pack: packs.Pack) -> str:
    each = ", ".join(f"{k[:2]} {v:.0f} s" for k, v in pack.notebooks.items())
    return f"{name}: {pack.seconds:.1f} s ({each})"


def small_pack(bin_dir: Path, work: Path, plan: Path, small: scale_data.ScaleData, sample: packs.Pack,
               sample_dir: Path) -> tuple[packs.Pack, bool]:
    """The pack at the small scale. When data/sample holds byte-identical files (it is scale 1, seed 7 too),
    the sample pack just measured did exactly this work: it is used again instead of a second run."""
    if last_day(small.folder) == SAMPLE_AS_OF and scale_data.same_data(small.folder, sample_dir):
        say(f"scale {small.scale:g} data are byte-identical to data/sample: its pack above is the "
            f"scale-{small.scale:g} pack ({sample.seconds:.1f} s)")
        return sample, True
    say(f"pack at scale {small.scale:g} …")
    pack = packs.attain_pack(bin_dir, work, f"scale{small.scale:g}", plan, last_day(small.folder), small.folder)
    say(_pack_line(f"attain run all (scale {small.scale:g})", pack))
    return pack, False


# --------------------------------------------------------------------------- figures

def kpi_figures(k: dict, scale: float) -> list[Figure]:
    layer, sql = min(k["metric_layer_s"]), min(k["sql_s"])
    label = f"{k['orders'] / 1e6:.1f} M orders"
    return [
        Figure("metric_layer_vs_sql", f"KPI set: metric layer ÷ hand-written SQL ({label})", layer / sql,
               "ratio", 1.3, f"{layer / sql:.2f} ({layer:.1f} s ÷ {sql:.1f} s)",
               {"metric_layer_s": k["metric_layer_s"], "sql_s": k["sql_s"], "best_of": len(k["sql_s"]),
                "parity": k["parity"], "orders": k["orders"], "order_rows": k["order_rows"], "scale": scale}),
        Figure("load_validate", f"load + validate the data ({label})", k["load_s"], "s", None,
               f"{k['load_s']:.1f} s"),
        Figure("peak_memory", f"peak memory, load + metric-layer pass ({label})", k["peak_rss_bytes"] / GB,
               "GB", 1.5, f"{k['peak_rss_bytes'] / GB:.2f} GB",
               {"peak_rss_bytes": k["peak_rss_bytes"], "after_load_bytes": k["peak_rss_after_load_bytes"]}),
    ]


def pack_figures(sample: packs.Pack, baseline: packs.Pack, small: packs.Pack, big: packs.Pack,
                 scales: tuple[float, float]) -> list[Figure]:
    figures = [
        Figure("pack_vs_baseline", "pack on the sample: attain run all ÷ papermill+nbconvert CLIs",
               sample.seconds / baseline.seconds, "ratio", 0.5,
               f"{sample.seconds / baseline.seconds:.2f} ({sample.seconds:.0f} s ÷ {baseline.seconds:.0f} s)",
               {"attain": vars(sample), "baseline": vars(baseline)}),
        Figure("pack_big_vs_small", f"pack at scale {scales[1]:g} ÷ pack at scale {scales[0]:g}",
               big.seconds / small.seconds, "ratio", 2.0,
               f"{big.seconds / small.seconds:.2f} ({big.seconds:.0f} s ÷ {small.seconds:.0f} s)",
               {"big": vars(big), "small": vars(small)}),
    ]
    for name, size in sample.html.items():
        figures.append(Figure(f"html_size:{name}", f"HTML size {name}", size / MB, "MB", 3.0,
                              f"{size / MB:.2f} MB", {"bytes": size}))
    return figures


# --------------------------------------------------------------------------- main

def measure(args: argparse.Namespace, work: Path) -> tuple[list[Figure], dict]:
    bin_dir = Path(sys.executable).parent
    lib_dir = ROOT / "lib" / "attain"
    big = scale_data.ensure(args.big_scale, args.data_root, bin_dir / "attain", lib_dir, say)
    small = scale_data.ensure(args.small_scale, args.data_root, bin_dir / "attain", lib_dir, say)

    say(f"KPI set on scale {big.scale:g} in a fresh process: load, then metric layer and SQL alternately, "
        "3 runs each …")
    k = kpi_pass(big.folder)
    figures = kpi_figures(k, big.scale)

    plan, notebooks, sample_dir = ROOT / "data" / "plan", ROOT / "notebooks", ROOT / "data" / "sample"
    say("sample: make sure data/sample exists (attain sample --if-missing)")
    subprocess.run([str(bin_dir / "attain"), "sample", "--if-missing"], check=True, capture_output=True)
    say("pack on the sample: attain run all …")
    sample = packs.attain_pack(bin_dir, work, "sample", plan, SAMPLE_AS_OF)
    say(_pack_line("attain run all (sample)", sample))
    say("pack on the sample: naive baseline (papermill CLI, then nbconvert CLI, one notebook after another) …")
    baseline = packs.baseline_pack(bin_dir, work, plan, notebooks, SAMPLE_AS_OF, say)
    say(_pack_line("baseline (sample)", baseline))
    pack_small, small_is_sample = small_pack(bin_dir, work, plan, small, sample, sample_dir)
    say(f"pack at scale {big.scale:g} …")
    pack_big = packs.attain_pack(bin_dir, work, f"scale{big.scale:g}", plan, k["last_day"], big.folder)
    say(_pack_line(f"attain run all (scale {big.scale:g})", pack_big))
    figures += pack_figures(sample, baseline, pack_small, pack_big, (small.scale, big.scale))
    data = {f"scale{d.scale:g}": {"folder": str(d.folder), "reused": d.reused, "generate_s": d.seconds}
            for d in (big, small)}
    data[f"scale{big.scale:g}"].update(orders=k["orders"], order_rows=k["order_rows"], last_day=k["last_day"])
    data[f"scale{small.scale:g}"].update(identical_to_data_sample=small_is_sample)
    return figures, data


def portable(value, work: Path):
    """``value`` with the scratch folder written ``<scratch>`` and paths in the project made relative."""
    if isinstance(value, dict):
        return {k: portable(v, work) for k, v in value.items()}
    if isinstance(value, list):
        return [portable(v, work) for v in value]
    if isinstance(value, str):
        return value.replace(str(work), "<scratch>").replace(str(ROOT) + os.sep, "")
    return value


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # a stop signal ends the bench like an error: the scratch folder is removed, running commands are stopped
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = dt.datetime.now().astimezone()
    facts = machine.facts(ROOT)
    say(f"bench on {facts['cpu_model']} × {facts['cpu_count']}, {(facts['ram_bytes'] or 0) / GB:.1f} GB RAM, "
        f"load average {loadavg()}")
    work = Path(tempfile.mkdtemp(prefix="attain-bench-"))
    load_before = loadavg()
    try:
        figures, data = measure(args, work)
    finally:
        if args.keep:
            say(f"scratch folders kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - _START
    payload = {
        "date": started.isoformat(timespec="seconds"),
        "machine": {k: v for k, v in facts.items() if k not in ("versions", "git")},
        "versions": facts["versions"], "git": facts["git"],
        "load_average": {"start": load_before, "end": loadavg()},
        "data": data, "total_seconds": round(total, 1),
        "figures": [f.to_json() for f in figures],
    }
    write_json(args.results, portable(payload, work))
    print()
    print(table(figures))
    missed = [f.id for f in figures if f.met is False]
    print(f"\n{len(figures) - len(missed) - sum(f.met is None for f in figures)} goal(s) met, "
          f"{len(missed)} not met; whole bench {total / 60:.1f} min; results in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
