"""Shared fixtures: the project's sample data, generated once if it is missing."""

from __future__ import annotations

import fcntl
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
