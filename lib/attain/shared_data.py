"""The checked tables of one report pack: loaded and checked once, opened by every notebook of the pack.

Loading and checking 10 M orders takes about 12 s, and a pack of four notebooks did it five times (the
runner checks the data before any kernel starts, then each notebook loads it again). Inside a pack — with
``ATTAIN_CACHE_DIR`` set, as ``attain run`` and scheduled runs do — the runner's load (:func:`prepare`)
writes the checked tables to ``<cache>/checked/<key>.duckdb`` and what it found out about them (rows, date
range, empty values) to ``<key>.json``; a notebook's ``load_dataset`` of the same data (:func:`open_checked`)
opens that database read-only instead of loading again. The runner also works out each buyer's first order
there once (:func:`attain.metrics.first_orders`), which every new-buyer question needs.

The key covers every source file (path, size, modification time), the mapping and the loader's own code,
so a changed export, mapping or check never gets old tables. Files are written under temporary names and
renamed; the description, renamed last, marks a database complete. Anything missing or unreadable means
"load as usual", never an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from pathlib import Path

from . import query_cache
from .sources import Source

log = logging.getLogger(__name__)

#: the modules whose code decides what a checked table holds
_CODE_FILES = ("data.py", "data_types.py", "contract.py", "sources.py", "csvfix.py", "metrics.py",
               "shared_data.py")
KEEP = 2                      # checked databases kept (the newest); older ones are removed


def folder() -> Path | None:
    """``<cache>/checked`` inside a pack, else None (every load checks the data itself)."""
    root = query_cache.cache_dir()
    return root / query_cache.CHECKED if root else None


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


def _describe(infos) -> dict:
    return {name: {"present": sorted(i.present), "rows": i.rows, "filtered_out": i.filtered_out,
                   "date_min": i.date_min and i.date_min.isoformat(),
                   "date_max": i.date_max and i.date_max.isoformat(), "null_share": i.null_share}
            for name, i in infos.items()}


def _infos(described: dict, sources: dict[str, Source]):
    from .data import TableInfo
    day = (lambda v: dt.date.fromisoformat(v) if v else None)
    if set(described) != set(sources):
        raise ValueError("the tables differ")
    return {name: TableInfo(name, sources[name], set(d["present"]), d["rows"], d["filtered_out"],
                            day(d["date_min"]), day(d["date_max"]), dict(d["null_share"]))
            for name, d in described.items()}


def open_checked(sources: dict[str, Source]):
    """(read-only connection, scratch folder, table infos) of this pack's checked tables, or None when
    there are none for exactly these sources (the caller then loads and checks as usual)."""
    where = folder()
    if where is None:
        return None
    k = key(sources)
    db, described = where / f"{k}.duckdb", where / f"{k}.json"
    if not described.is_file() or not db.is_file():
        return None
    from . import scratch_db
    try:
        infos = _infos(json.loads(described.read_text(encoding="utf-8")), sources)
        con, scratch = scratch_db.connect(db.stat().st_size, database=db, read_only=True)
    except Exception as exc:     # a damaged or foreign file: load as usual
        log.warning("checked tables in %s not used: %s", db, exc)
        return None
    return con, scratch, infos


def prepare(data_dir=None):
    """The runner's load: check the data once for the whole pack and leave the checked tables where the
    pack's notebooks find them. Outside a pack (no cache folder) this is a plain ``load_dataset``."""
    from . import paths
    from .data import load_dataset
    from .sources import discover
    where = folder()
    if where is None:
        return load_dataset(data_dir, engine="duckdb")
    sources = discover(paths.resolve(data_dir) if data_dir is not None else paths.default_data_dir())
    k = key(sources)
    if (where / f"{k}.json").is_file():
        return load_dataset(data_dir, engine="duckdb")   # opens the checked tables written by an earlier pack
    try:
        where.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("checked tables not shared: %s", exc)
        return load_dataset(data_dir, engine="duckdb")
    _sweep(where)
    tmp = where / f".{k}.{os.getpid()}.tmp.duckdb"
    tmp.unlink(missing_ok=True)
    ds = load_dataset(data_dir, engine="duckdb", database=tmp)   # a data problem is raised here, as usual
    try:
        _keep_first_orders(ds)
        ds.con.execute("CHECKPOINT")
        ds.release()
        os.replace(tmp, where / f"{k}.duckdb")
        text = json.dumps(_describe(ds.tables), ensure_ascii=False)
        desc_tmp = where / f".{k}.{os.getpid()}.tmp.json"
        desc_tmp.write_text(text, encoding="utf-8")
        os.replace(desc_tmp, where / f"{k}.json")
    except OSError as exc:                          # a full disk must not fail the pack: no sharing
        log.warning("checked tables not shared: %s", exc)
        for leftover in where.glob(f".{k}.{os.getpid()}.tmp.*"):
            leftover.unlink(missing_ok=True)
        return load_dataset(data_dir, engine="duckdb")
    _prune(where, k)
    return load_dataset(data_dir, engine="duckdb")


def _keep_first_orders(ds) -> None:
    from .metrics import first_orders
    if ds.has_table("orders") and ds.has_column("orders", "customer_id"):
        first_orders(ds)


def _sweep(where: Path) -> None:
    """Remove temporary files of runners that are gone (killed before they renamed them)."""
    for tmp in where.glob(".*.tmp.*"):
        pid = tmp.name.split(".")[2] if tmp.name.count(".") >= 4 else ""
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _prune(where: Path, keep: str) -> None:
    """Keep the newest :data:`KEEP` checked databases (a notebook that has one open keeps reading it)."""
    ready = sorted((p for p in where.glob("*.json") if p.stem != keep), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for old in ready[KEEP - 1:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".duckdb").unlink(missing_ok=True)
