"""Shared fixtures: the project's sample data, generated once if it is missing, and the reports rendered
from it once per test session."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attain import paths

collect_ignore = ["fixtures"]   # fixture notebooks are inputs of tests, not tests (nbval)

ROOT = paths.project_root()


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """data/sample, generated with the default arguments if absent (safe across xdist workers)."""
    folder = paths.default_data_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / ".sample.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "orders.parquet").exists():
            from attain.sample import generate
            generate(folder)
    return folder


AS_OF = "2026-08-15"
PUBLISH_COMMANDS = [
    ["run", "all", "--as-of", AS_OF],
    ["run", "03", "--as-of", AS_OF, "--lang", "en", "-p", "audience=hq"],   # -> 2026-Q3/03_tracking-hq.html
]


def _published_folder(tmp_path_factory) -> Path:
    """One folder for the whole session: shared by the xdist workers, who each have their own basetemp."""
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "published"


def _publish(out: Path) -> str:
    """Render the sample reports into ``out``; the stdout of ``attain run all``. Fails with the commands' output."""
    outputs = []
    for args in PUBLISH_COMMANDS:
        proc = subprocess.run([str(Path(sys.executable).parent / "attain"), *args, "--out", str(out)],
                              capture_output=True, text=True, cwd=ROOT, timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"attain {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        outputs.append(proc.stdout)
    return outputs[0]


@pytest.fixture(scope="session")
def published(sample_dir, tmp_path_factory) -> tuple[Path, str]:
    """(folder, stdout of `attain run all`): every sample report as of 2026-08-15 plus the English tracking report
    for the audience "hq", rendered once per test session (xdist workers wait on a lock and reuse it)."""
    out = _published_folder(tmp_path_factory)
    done, failed = out.with_name("published.stdout"), out.with_name("published.failed")
    with open(out.with_name("published.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists() and not failed.exists():
            shutil.rmtree(out, ignore_errors=True)          # a half-written folder of an interrupted attempt
            try:
                done.write_text(_publish(out), encoding="utf-8")   # the marker, written only after success
            except RuntimeError as err:
                failed.write_text(str(err), encoding="utf-8")
    assert not failed.exists(), failed.read_text(encoding="utf-8")
    return out, done.read_text(encoding="utf-8")
