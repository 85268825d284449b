"""The checked tables of one report pack: loaded and checked once, opened by every notebook of the pack.

Loading and checking 10 M orders takes about 12 s, and a pack of four notebooks did it five times (the
runner checks the data before any kernel starts, then each notebook loads it again). :func:`for_pack` — used
by ``attain run`` — loads and checks the data once into a DuckDB file in a private scratch folder, works out
each buyer's first order there (:func:`attain.metrics.first_orders`, which every new-buyer question needs),
and names the file in ``ATTAIN_CHECKED_DB`` for the pack's kernels, which inherit the environment. A
notebook's ``load_dataset`` (:func:`open_checked`) opens that file read-only when it describes exactly the
data asked for: the key beside it covers every source file (path, size, modification time), the mapping
and the loader's own code. Anything else — another data folder, a changed export, a missing or unreadable
file — means "load and check as usual", never an error.

The file is a copy of the rows, customer ids included, so it never goes near the reports: it lives in the
system's temporary folder (a folder only this user can read), is removed when the pack ends, and — after a
killed run — by the next load (the folder is named like :mod:`attain.scratch_db`'s and swept with them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from . import scratch_db
from .sources import Source

log = logging.getLogger(__name__)

ENV = "ATTAIN_CHECKED_DB"
#: the modules whose code decides what a checked table holds
_CODE_FILES = ("data.py", "data_types.py", "contract.py", "sources.py", "csvfix.py", "metrics.py",
               "shared_data.py")


def key(sources: dict[str, Source]) -> str:
    """What the checked tables depend on: the loader's code and every source as found on disk."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE_FILES:
        digest.update((here / name).read_bytes())
    for name, src in sorted(sources.items()):
        files = sorted(f for f in src.file.rglob("*") if f.is_file()) if src.file.is_dir() else [src.file]
        stats = [(str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files if f.exists()]
        mapping = src.mapping_file.read_bytes() if src.mapping_file and src.mapping_file.is_file() else b""
        part = [name, src.raw_from, stats, hashlib.sha256(mapping).hexdigest(), src.where,
                sorted(src.exprs.items()), src.notes]
        digest.update(json.dumps(part, default=str, ensure_ascii=False).encode())
    return digest.hexdigest()[:24]


def _describe(k: str, infos) -> str:
    tables = {name: {"present": sorted(i.present), "rows": i.rows, "filtered_out": i.filtered_out,
                     "date_min": i.date_min and i.date_min.isoformat(),
                     "date_max": i.date_max and i.date_max.isoformat(), "null_share": i.null_share}
              for name, i in infos.items()}
    return json.dumps({"key": k, "tables": tables}, ensure_ascii=False)


def _infos(tables: dict, sources: dict[str, Source]):
    from .data import TableInfo
    day = (lambda v: dt.date.fromisoformat(v) if v else None)
    if set(tables) != set(sources):
        raise ValueError("the tables differ")
    return {name: TableInfo(name, sources[name], set(d["present"]), d["rows"], d["filtered_out"],
                            day(d["date_min"]), day(d["date_max"]), dict(d["null_share"]))
            for name, d in tables.items()}


def open_checked(sources: dict[str, Source]):
    """(read-only connection, scratch folder, table infos) of the pack's checked tables when they are of
    exactly these sources, else None (the caller then loads and checks as usual)."""
    named = os.environ.get(ENV, "").strip()
    if not named:
        return None
    db = Path(named)
    try:
        described = json.loads(db.with_suffix(".json").read_text(encoding="utf-8"))
        if described.get("key") != key(sources):
            return None                                   # another data folder, or the data changed
        infos = _infos(described["tables"], sources)
        con, scratch = scratch_db.connect(db.stat().st_size, database=db, read_only=True)
    except Exception as exc:     # gone, damaged or foreign: load as usual
        log.info("checked tables in %s not used: %s", db, exc)
        return None
    return con, scratch, infos


@contextmanager
def for_pack(data_dir=None) -> Iterator:
    """Check the data once for a pack of notebooks run while this is open; yields the checked data set
    (release it when done with it). A data problem is raised as by ``load_dataset``; a failure to write the
    shared copy (a full disk) only means each notebook loads for itself."""
    from .data import load_dataset
    scratch_db.sweep(Path(tempfile.gettempdir()))
    scratch = Path(tempfile.mkdtemp(prefix=f"attain-duckdb-{os.getpid()}-"))
    earlier = os.environ.get(ENV)
    try:
        db = scratch / "checked.duckdb"
        if _check_into(db, data_dir):
            os.environ[ENV] = str(db)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
        yield load_dataset(data_dir, engine="duckdb")       # the shared copy, opened read-only
    finally:
        if earlier is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = earlier
        shutil.rmtree(scratch, ignore_errors=True)


def _check_into(db: Path, data_dir) -> bool:
    """Load and check the data into the file ``db``, with each buyer's first order, and describe it beside
    it. A data problem is raised; False when the copy could not be written (a full disk)."""
    from . import paths
    from .data import load_dataset
    from .errors import DiskError
    from .sources import discover
    sources = discover(paths.resolve(data_dir) if data_dir is not None else paths.default_data_dir())
    try:
        ds = load_dataset(data_dir, engine="duckdb", database=db)
    except DiskError as exc:
        log.warning("the checked data are not shared with the notebooks: %s", exc.message)
        return False
    try:
        _keep_first_orders(ds)
        ds.con.execute("CHECKPOINT")
        ds.release()
        db.with_suffix(".json").write_text(_describe(key(sources), ds.tables), encoding="utf-8")
    except (OSError, duckdb.Error) as exc:
        ds.release()
        log.warning("the checked data are not shared with the notebooks: %s", exc)
        return False
    return True


@contextmanager
def for_job(data_dirs: list) -> Iterator[None]:
    """:func:`for_pack` for a scheduled job's notebooks (``data_dirs``: each one's data folder, None for the
    default): shared when there are several on one folder. A data problem is not raised here: each
    notebook then meets it and the run log records it, as without sharing."""
    from .errors import DataError
    with ExitStack() as stack:
        if len(data_dirs) > 1 and len(set(data_dirs)) == 1:
            try:
                stack.enter_context(for_pack(data_dirs[0])).release()
            except DataError:
                pass
        yield


def _keep_first_orders(ds) -> None:
    from .metrics import first_orders
    if ds.has_table("orders") and ds.has_column("orders", "customer_id"):
        first_orders(ds)
