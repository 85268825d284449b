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


# Fake secrets in the environment of the shared sample render (and so of its kernels): test_secrets_privacy.py
# scans every file the render writes, and its output, for them. Nothing listens on port 9 of 127.0.0.1, so
# each notification the render attempts fails at once (and must not quote the URL).
PLANTED_SECRETS = {
    "ATTAIN_WEBHOOK_URL": "http://127.0.0.1:9/hook/TOKEN-wh7Qz3Kp9xLm2VbN?sign=SIGN-4tYu8IoP2aSd",
    "ATTAIN_WAREHOUSE_URL": "postgresql://attain_reader:PASSWORD-pg5Rt8Yw1Zq4@warehouse.internal:5432/sales",
    "AWS_ACCESS_KEY_ID": "AKIAFAKEQX3ZP9LM2VBT",
    "AWS_SECRET_ACCESS_KEY": "SECRET-aws3Jf8Kq2Lp7Xz1Wm5Nb9Vc4",
    "SPARK_REMOTE": "sc://spark.internal:15002/;token=TOKEN-sc6Hd2Ug8Yt4Re1",
}


def _publish(out: Path) -> str:
    """Render the sample reports into ``out`` with ``PLANTED_SECRETS`` in the environment; the stdout of
    ``attain run all``. Every command's stdout and stderr go to ``published.log`` beside ``out``. Fails with
    the commands' output."""
    outputs = []
    env = {**os.environ, **PLANTED_SECRETS}
    with open(out.with_name("published.log"), "w", encoding="utf-8") as log:
        for args in PUBLISH_COMMANDS:
            proc = subprocess.run([str(Path(sys.executable).parent / "attain"), *args, "--out", str(out)],
                                  capture_output=True, text=True, cwd=ROOT, timeout=900, env=env)
            log.write(f"$ attain {' '.join(args)}\n{proc.stdout}{proc.stderr}")
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
