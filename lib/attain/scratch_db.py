"""Where a loaded data set lives: DuckDB's memory for small data, a scratch database file for large data.

A DuckDB table held in memory costs about its whole size (1.9 GB for 12.9 M order lines). Large data are
loaded into a database file in a private scratch folder instead, with a memory limit and a spill folder, so
DuckDB keeps in memory only what the running query needs. The folder is removed when the data set is
dropped, at exit, or — after a killed process — by the next load.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from .errors import DataError, DiskError
from .sources import Source

#: Data whose source files reach this size together go into a DuckDB database file in a scratch folder
#: instead of memory: DuckDB's buffer manager then keeps in memory only what the running query needs (up to
#: the memory limit) and reads the rest back from the file. Smaller data stay in memory, where loading is
#: faster (the sample: 1.1 s in memory, 1.7 s through a file).
SPILL_FROM_BYTES = 64 * 1024 * 1024
MEMORY_ENV = "ATTAIN_DUCKDB_MEMORY"
DEFAULT_MEMORY_LIMIT = "1GB"
#: what to do when the temporary folder has no room for a scratch database
NO_ROOM_HINT = ("free space in the temporary folder, or point TMPDIR at a disk with room (large data, and a "
                "report pack's checked data, are loaded into a file there)")


def source_bytes(sources: dict[str, Source]) -> int:
    """The size of the data folder's source files (a folder of files counts all of them)."""
    total = 0
    for src in sources.values():
        path = src.file
        files = path.rglob("*") if path.is_dir() else [path]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total


def connect(size: int, environ=None, database: Path | None = None,
            read_only: bool = False) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    """(connection, scratch folder or None): in memory for small data, else a database file with a memory
    limit (``ATTAIN_DUCKDB_MEMORY``, default 1GB) and a spill folder, both in a scratch folder that
    :func:`drop` removes. ``database``: this file instead (a report pack's shared checked tables, see
    :mod:`attain.shared_data`); the scratch folder then holds only the spill folder."""
    if size < SPILL_FROM_BYTES and database is None:
        return duckdb.connect(), None
    limit = ((os.environ if environ is None else environ).get(MEMORY_ENV) or DEFAULT_MEMORY_LIMIT).strip()
    sweep(Path(tempfile.gettempdir()))
    scratch = tempfile.mkdtemp(prefix=f"attain-duckdb-{os.getpid()}-")
    # insertion order is kept (the default): the row numbers in data error messages count the file's rows;
    # measured at 9.9 M orders, turning it off saved no memory (peak 1.29 vs 1.30 GB)
    config = {"memory_limit": limit, "temp_directory": str(Path(scratch) / "spill"),
              "preserve_insertion_order": True}
    try:
        return duckdb.connect(str(database or Path(scratch) / "data.duckdb"), read_only=read_only,
                              config=config), scratch
    except duckdb.IOException as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise DiskError(f"no room for the scratch database: {_first_line(exc)}", where=str(database or scratch),
                        hint=NO_ROOM_HINT) from None
    except duckdb.Error as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise DataError(f"DuckDB does not accept the memory limit {limit!r}: {_first_line(exc)}",
                        where=MEMORY_ENV, hint="write a size such as 1GB or 800MB, or unset it") from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def sweep(tmp: Path) -> None:
    """Remove scratch folders left by processes that were killed (a SIGKILL runs no clean-up): the folder
    name carries the process id, and a folder whose process no longer exists is no one's."""
    for old in tmp.glob("attain-duckdb-*-*"):
        pid = old.name.split("-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except OSError:       # alive, another user's process
            pass


def drop(con, scratch: str | None) -> None:
    """Close the connection and remove its scratch folder (an in-memory database has none)."""
    try:
        con.close()
    except duckdb.Error:
        pass
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
