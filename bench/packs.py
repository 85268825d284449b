"""Report packs, timed: ``attain run all`` as a user runs it, and a naive one-CLI-per-step baseline.

Every pack works on its own scratch folder: a fresh output folder (so no report, run log or query cache
from an earlier pack helps it) and a fresh copy of ``data/plan`` (02_goal_setting writes a new targets
version on every run; the benchmark must neither grow nor change the analyst's plan folder, and each pack
must start from the same plan).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

_RESULT_LINE = re.compile(r"^\s*(ok|failed)\s+(\S+)\s+(\S+)\s+(.*?)\s+\((\d+(?:\.\d+)?) s\)\s*$")


@dataclass
class Pack:
    """One timed pack: wall time, the per-notebook times the runner printed, the HTML it wrote."""
    seconds: float
    notebooks: dict[str, float] = field(default_factory=dict)
    html: dict[str, int] = field(default_factory=dict)       # notebook -> bytes
    command: list[str] = field(default_factory=list)


def clean_env() -> dict[str, str]:
    """The environment for the measured commands: DuckDB, and no query cache carried in from outside
    (``attain run`` then uses its own ``<out>/_cache``, empty at the start of each pack)."""
    env = dict(os.environ)
    env.pop("ATTAIN_CACHE_DIR", None)
    env["ATTAIN_ENGINE"] = "duckdb"
    return env


def scratch(base: Path, name: str, plan_dir: Path) -> tuple[Path, Path]:
    """``<base>/<name>/out`` (empty) and ``<base>/<name>/plan`` (a copy of ``plan_dir``)."""
    folder = base / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copytree(plan_dir, folder / "plan")
    (folder / "out").mkdir()
    return folder / "out", folder / "plan"


def _check(done: subprocess.CompletedProcess, cmd: list[str]) -> None:
    if done.returncode != 0:
        tail = (done.stderr or "").strip()[-3000:] or (done.stdout or "").strip()[-3000:]
        raise RuntimeError(f"`{' '.join(cmd)}` exited with {done.returncode}:\n{tail}")


def html_sizes(out_dir: Path) -> dict[str, int]:
    """Bytes of each published report (``<out>/<period>/<name>.html``; the index is not a report)."""
    return {p.stem: p.stat().st_size for p in sorted(out_dir.glob("*/*.html"), key=lambda p: p.name)}


def parse_times(stdout: str) -> dict[str, float]:
    """Per-notebook seconds from the lines ``attain run`` prints: ``ok  01_situation_analysis  …  (44.8 s)``."""
    out = {}
    for line in stdout.splitlines():
        m = _RESULT_LINE.match(line)
        if m:
            out[m.group(2)] = float(m.group(5))
    return out


def attain_pack(bin_dir: Path, work: Path, name: str, plan_dir: Path, as_of: str,
                data_dir: Path | None = None) -> Pack:
    """``attain run all`` into a fresh folder, with the runner's defaults (``--jobs`` = cores)."""
    out, plan = scratch(work, name, plan_dir)
    cmd = [str(bin_dir / "attain"), "run", "all", "--as-of", as_of, "--out", str(out), "--plan", str(plan)]
    if data_dir is not None:
        cmd += ["--data", str(data_dir)]
    began = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env())
    seconds = time.perf_counter() - began
    _check(done, cmd)
    return Pack(seconds, parse_times(done.stdout), html_sizes(out), cmd)


def notebook_params(spec, as_of: str, plan_dir: Path, out_dir: Path) -> dict[str, object]:
    """The parameters ``attain run`` would give this notebook: validated, defaults filled in (period,
    lang, lookback, cadence), and ``reports_dir`` = the output folder where the notebook takes it."""
    from attain.params import validate_params
    values = validate_params(spec, {"as_of": as_of, "plan_dir": str(plan_dir)})
    if "reports_dir" in spec.model.model_fields and not values.get("reports_dir"):
        values["reports_dir"] = str(out_dir)
    return values


def papermill_args(params: dict[str, object]) -> list[str]:
    """``-r key text`` for strings (kept as text: ``period`` 2026 must not become a number), ``-p`` else."""
    args: list[str] = []
    for key, value in params.items():
        args += ["-r" if isinstance(value, str) else "-p", key, str(value)]
    return args


def baseline_pack(bin_dir: Path, work: Path, plan_dir: Path, notebooks_dir: Path, as_of: str, say) -> Pack:
    """The naive pack: for each notebook in turn, the ``papermill`` CLI, then the ``jupyter nbconvert`` CLI."""
    from attain.params import NOTEBOOKS
    out, plan = scratch(work, "baseline", plan_dir)
    pack = Pack(0.0)
    began = time.perf_counter()
    for spec in NOTEBOOKS.values():
        step = time.perf_counter()
        executed = out / spec.file
        params = notebook_params(spec, as_of, plan, out)
        cmds = [
            [str(bin_dir / "papermill"), str(notebooks_dir / spec.file), str(executed), "-k", "python3",
             "--cwd", str(notebooks_dir), "--no-progress-bar", *papermill_args(params)],
            [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed),
             "--output-dir", str(out)],
        ]
        for cmd in cmds:
            done = subprocess.run(cmd, capture_output=True, text=True, env=clean_env())
            _check(done, cmd)
        pack.notebooks[spec.name] = time.perf_counter() - step
        pack.command = [" ".join(c[:2]) + " …" for c in cmds]
        say(f"baseline {spec.name}: {pack.notebooks[spec.name]:.1f} s")
    pack.seconds = time.perf_counter() - began
    pack.html = {p.stem: p.stat().st_size for p in sorted(out.glob("*.html"))}
    return pack
