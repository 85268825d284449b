"""Where things live.

The project root is found in this order: the ``ATTAIN_ROOT`` environment variable, the
folder this package was installed from (editable install: ``<root>/lib/attain``), then the
nearest parent of the current directory that has ``notebooks/`` and ``lib/attain/``.
Relative paths given to library functions are resolved against the project root, because
papermill runs a notebook with the notebook's folder as the current directory. Command-line
tools make paths absolute (against the shell's current directory) before passing them on.
"""

from __future__ import annotations

import os
from pathlib import Path


def _looks_like_root(p: Path) -> bool:
    return (p / "notebooks").is_dir() and (p / "lib" / "attain").is_dir()


def project_root() -> Path:
    env = os.environ.get("ATTAIN_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    installed = Path(__file__).resolve().parents[2]
    if _looks_like_root(installed):
        return installed
    cwd = Path.cwd().resolve()
    for base in (cwd, *cwd.parents):
        if _looks_like_root(base):
            return base
    return cwd


def resolve(path: str | os.PathLike) -> Path:
    """An absolute path: relative paths are taken from the project root."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (project_root() / p).resolve()


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def default_data_dir() -> Path:
    return project_root() / "data" / "sample"


def default_plan_dir() -> Path:
    return project_root() / "data" / "plan"


def default_reports_dir() -> Path:
    return project_root() / "reports"
