"""Versioned targets files: ``<plan_dir>/targets/<goal_id>.v<N>.csv``, one per decomposition written.

Earlier versions are never overwritten; ``latest_targets`` reads the newest.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from attain import paths
from attain.errors import ParameterError

if TYPE_CHECKING:
    from attain.decompose import Decomposition


TARGETS_DIR = "targets"
_GOAL_ID = re.compile(r"[A-Za-z0-9_-]+")


def _folder(plan_dir) -> Path:
    return paths.resolve(plan_dir) / TARGETS_DIR


def _check_goal_id(goal_id: str) -> str:
    if not _GOAL_ID.fullmatch(str(goal_id)):
        raise ParameterError(f"'{goal_id}' cannot name a targets file", where="goal_id",
                             hint="use letters, digits, '-' and '_' (e.g. G01)")
    return str(goal_id)


def target_versions(plan_dir, goal_id: str) -> list[Path]:
    """The goal's targets files, oldest version first."""
    goal_id, folder = _check_goal_id(goal_id), _folder(plan_dir)
    pattern = re.compile(rf"{re.escape(goal_id)}\.v([1-9][0-9]*)\.csv")
    found = [(int(m[1]), p) for p in folder.glob(f"{goal_id}.v*.csv") if (m := pattern.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def write_targets(plan_dir, goal_id: str, decomposition: Decomposition) -> Path:
    """Write ``<plan_dir>/targets/<goal_id>.v<N>.csv`` with the next N; earlier versions are never
    overwritten (the file appears whole, under a name no other writer holds)."""
    goal_id, folder = _check_goal_id(goal_id), _folder(plan_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{goal_id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(decomposition.plan_frame(goal_id).to_csv(index=False, lineterminator="\n"))
        versions = target_versions(plan_dir, goal_id)
        n = int(versions[-1].name.rsplit(".v", 1)[1][:-4]) + 1 if versions else 1
        while True:
            path = folder / f"{goal_id}.v{n}.csv"
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                n += 1
    finally:
        os.unlink(tmp)


def read_targets(path) -> pd.DataFrame:
    """A targets file as written (text columns as text, numbers as floats); ``attrs``: path, version."""
    f = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    for c in ("target", "numerator", "denominator"):
        if c in f:
            f[c] = pd.to_numeric(f[c].replace("", np.nan))
    f.attrs["path"], f.attrs["version"] = str(path), int(Path(path).name.rsplit(".v", 1)[1][:-4])
    return f


def latest_targets(plan_dir, goal_id: str) -> pd.DataFrame | None:
    """The newest version of the goal's targets (None when none was written)."""
    versions = target_versions(plan_dir, goal_id)
    return read_targets(versions[-1]) if versions else None
