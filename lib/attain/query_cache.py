"""A small on-disk cache of aggregated query results, shared by the notebooks of one report pack.

The notebooks of a pack run in separate kernels and several of them ask the engine the same aggregate
questions (monthly GMV by channel, the quarter's buyers …). With ``ATTAIN_CACHE_DIR`` set — the runner sets
it to ``<reports>/_cache`` for ``attain run`` and scheduled runs — :func:`cached` answers a question it has
seen before from a Parquet file instead of asking the engine again.

The key is the data's *fingerprint* (every source file's path, size and modification time, the mapping,
the engine) plus the query (the function and its arguments) plus the metric layer's own source code, so a
changed export, mapping or metric definition never gets an old answer. Results are small aggregated frames;
a frame that does not come back from Parquet exactly as it went in is not cached. Without the variable
nothing is cached (library calls and tests compute every time). Writes are atomic; two kernels asking the
same question at once both compute it and the later write wins with the same content.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

ENV = "ATTAIN_CACHE_DIR"
KEEP_FINGERPRINTS = 4          # data versions kept; older ones are removed
_CODE_FILES = ("metrics.py", "metric_defs.py", "timegrain.py", "data.py", "contract.py", "sources.py")


def cache_dir() -> Path | None:
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def _code_hash() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE_FILES:
        path = here / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def fingerprint(ds) -> str:
    """The data as loaded: each table's source file (path, size, mtime), mapping file, filter and expressions."""
    parts: list[Any] = [getattr(ds, "engine", "duckdb")]
    for name, info in sorted(ds.tables.items()):
        src = info.source
        stat = src.file.stat() if src.file.exists() else None
        mapping = src.mapping_file.read_bytes().hex() if src.mapping_file and src.mapping_file.is_file() else ""
        parts.append([name, str(src.file.resolve()), stat.st_size if stat else None,
                      stat.st_mtime_ns if stat else None, hashlib.sha256(mapping.encode()).hexdigest(),
                      src.where, sorted(src.exprs.items())])
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()[:20]


def key(*query: Any) -> str:
    """The cache key of a query: its parts (function name, arguments) and the metric layer's code."""
    text = json.dumps([_code_hash(), *query], default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _read(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_parquet(path)
    except Exception:  # a damaged or foreign file: compute again
        return None


def _write(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        frame.to_parquet(tmp, index=True)
        back = pd.read_parquet(tmp)
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
        os.replace(tmp, path)
    except Exception:  # not representable exactly: do not cache it
        tmp.unlink(missing_ok=True)


def _prune(root: Path, keep: Path) -> None:
    folders = sorted((p for p in root.iterdir() if p.is_dir() and p != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[KEEP_FINGERPRINTS - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def cached(ds, query: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``compute()``'s frame, from the cache when this data has answered this query before."""
    root = cache_dir()
    if root is None:
        return compute()
    folder = root / fingerprint(ds)
    path = folder / f"{key(*query)}.parquet"
    if path.is_file():
        frame = _read(path)
        if frame is not None:
            return frame
    frame = compute()
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            _prune(root, folder)
        _write(path, frame)
    except OSError as exc:  # a read-only or full disk must not fail a report
        log.warning("query cache not written: %s", exc)
    return frame
