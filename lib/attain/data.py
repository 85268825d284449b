"""Load a data folder, check it against the data contract, expose it on DuckDB (or Spark).

``load_dataset(DIR)`` finds the tables (see ``attain.sources``), checks every row in the
engine (required values present, dates and numbers parse, amounts not negative), and loads
typed tables into an embedded DuckDB database. Nothing is read into pandas: the checks are
aggregate queries, and only a few example rows are fetched when something is wrong.
A problem raises ``DataError`` naming the file, the column and example rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from . import engines, paths, scratch_db, shared_data
from . import data_types as sqlt
from .contract import Column, Table
from .csvfix import THOUSANDS_RE
from .errors import DataError, DiskError
from .sources import Source, discover, quote_ident

MAX_EXAMPLES = 3
#: amounts and counts at or above this are refused: no shop's row is worth 10^15, and a count above it is
#: a mangled export (Excel's 1.23E+20); it also keeps counts far from the BIGINT limit
MAX_VALUE = 1e15
#: tables where two rows for the same key would be counted twice (one row per day and channel)
UNIQUE_KEYS = {"traffic": ("date", "channel")}
log = logging.getLogger(__name__)


@dataclass
class TableInfo:
    """What was loaded for one contract table."""
    name: str
    source: Source
    present: set[str]
    rows: int = 0
    filtered_out: int = 0
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    null_share: dict[str, float] = field(default_factory=dict)

    @property
    def notes(self) -> list[str]:
        """What the loader fixed on its own (an encoding, thousands separators), in words."""
        return list(self.source.notes)


@dataclass
class _Check:
    column: str
    problem: str          # words for the message
    condition: str        # SQL: true for a bad row
    raw: str              # SQL: the value to show as an example


class Dataset:
    """Typed contract tables on an embedded DuckDB connection, queried there or on Spark.

    ``con`` always holds the checked tables (DuckDB); ``engine`` names where ``table()`` expressions run.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, data_dir: Path, tables: dict[str, TableInfo],
                 engine: str = "duckdb", backend=None, views: dict[str, str] | None = None):
        self.con = con
        self.data_dir = data_dir
        self.tables = tables
        self.engine = engine
        self._backend = backend
        self._views = views or {}
        #: tables worked out from the checked ones and kept in the engine for this data set's lifetime
        #: (e.g. each buyer's first order: :func:`attain.metrics.first_orders`)
        self.derived: dict[str, object] = {}

    @cached_property
    def ibis(self):
        """The ibis backend the metric layer queries."""
        if self._backend is not None:
            return self._backend
        import ibis
        return ibis.duckdb.from_connection(self.con)

    def table(self, name: str):
        """The ibis table expression of a contract table."""
        if name not in self.tables:
            raise DataError(f"table '{name}' is not in this data folder", file=self.data_dir,
                            hint=f"add {name}.csv (or map it in mapping.yml)")
        return self.ibis.table(self._views.get(name, name))

    def release(self) -> None:
        """Close the connection now (and remove a scratch folder) rather than when the data set is gone."""
        release = getattr(self, "_release", None)
        if release is not None:
            release()
        else:
            self.con.close()

    def has_table(self, name: str) -> bool:
        return name in self.tables

    def has_column(self, table: str, column: str) -> bool:
        return table in self.tables and column in self.tables[table].present

    def date_range(self, name: str = "orders") -> tuple[dt.date, dt.date]:
        info = self.tables[name]
        return info.date_min, info.date_max

    def quality(self) -> pd.DataFrame:
        """A short data-quality summary: one row per table."""
        rows = []
        for info in self.tables.values():
            absent = [c.name for c in info.source.table.columns if c.name not in info.present]
            nulls = {c: s for c, s in info.null_share.items() if s > 0}
            rows.append({
                "table": info.name,
                "source": info.source.file.name,
                "rows": info.rows,
                "from": info.date_min,
                "to": info.date_max,
                "filtered_out": info.filtered_out,
                "empty_values": ", ".join(f"{c} {s:.1%}" for c, s in sorted(nulls.items())) or "-",
                "defaulted_columns": ", ".join(absent) or "-",
                "notes": "; ".join(info.notes) or "-",
            })
        return pd.DataFrame(rows)


def _no_progress_bar(con) -> None:
    """A slow query must not print a progress bar into a terminal log or a report. Inside a Jupyter kernel
    DuckDB refuses to change the setting unless ipywidgets is installed, and then draws no bar anyway."""
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass


def load_dataset(data_dir: str | Path | None = None, engine: str | None = None,
                 database: Path | None = None) -> Dataset:
    """Load and check every table of a data folder (relative paths: from the project root).

    ``engine``: ``"duckdb"`` or ``"spark"``; None takes ``ATTAIN_ENGINE`` (default duckdb). The checks always
    run in DuckDB; with Spark the checked tables are then handed over (see ``attain.engines``). Inside a
    report pack the tables its runner checked are opened instead (:mod:`attain.shared_data`).
    ``database``: load into this DuckDB file (the runner's shared copy) instead of memory or a scratch file."""
    engine_name = engines.choose(engine)
    folder = paths.resolve(data_dir) if data_dir is not None else paths.default_data_dir()
    sources = discover(folder)
    checked = shared_data.open_checked(sources) if database is None else None
    con, scratch = checked[:2] if checked else scratch_db.connect(scratch_db.source_bytes(sources),
                                                                  database=database)
    try:
        _no_progress_bar(con)
        infos = checked[2] if checked else {name: _load_table(con, src) for name, src in sources.items()}
        if engine_name == "duckdb":
            ds = Dataset(con, folder, infos)
        else:
            backend, views = engines.spark_backend(con, list(infos))
            ds = Dataset(con, folder, infos, engine=engine_name, backend=backend, views=views)
    except BaseException:
        scratch_db.drop(con, scratch)
        raise
    # closes the connection and removes the scratch folder when the data set is gone, at interpreter exit,
    # or on release()
    ds._release = weakref.finalize(ds, scratch_db.drop, con, scratch)
    return ds


# --- building the SQL -----------------------------------------------------------------

def _source_columns(con, src: Source) -> dict[str, str]:
    """The source file's columns and their DuckDB types."""
    try:
        rel = con.sql(f"SELECT * FROM {src.raw_from} LIMIT 0")
    except duckdb.Error as exc:
        raise DataError(f"cannot be read: {_first_line(exc)}", file=src.file,
                        hint="check that it is a CSV with a header row, or a Parquet file") from None
    return dict(zip(rel.columns, [str(t) for t in rel.types]))


def _raw_exprs(con, src: Source) -> dict[str, str]:
    """contract column -> SQL over the source (absent columns are left out)."""
    found = _source_columns(con, src)
    by_lower = {c.strip().lower(): c for c in found}
    exprs: dict[str, str] = {}
    for col in src.table.columns:
        if col.name in src.exprs:
            exprs[col.name] = src.exprs[col.name]
        elif col.name in by_lower:
            exprs[col.name] = quote_ident(by_lower[col.name])
    missing = [c.name for c in src.table.columns if c.required and c.name not in exprs]
    if missing:
        how = ("map them under 'columns:' in mapping.yml" if src.mapping_file
               else "rename the columns in the file, or describe it with a mapping.yml")
        raise DataError(
            f"required column(s) missing: {', '.join(missing)} (the file has: {', '.join(found)})",
            file=src.origin, where=src.table.name, hint=how)
    if src.mapping_file:
        _check_expressions(con, src, exprs, found)
    _check_unique(con, src, exprs)
    _note_thousands(con, src, exprs)
    for note in src.notes:
        log.info("%s: %s", src.file, note)
    return exprs


def _check_unique(con, src: Source, exprs: dict[str, str]) -> None:
    """Two rows for one key of ``UNIQUE_KEYS`` (e.g. traffic of one day and channel) would be counted twice."""
    key = [c for c in UNIQUE_KEYS.get(src.table.name, ()) if c in exprs]
    if not key:
        return
    cols = ", ".join(f"{sqlt.text(exprs[c])} AS {quote_ident(c)}" for c in key)
    where = f" WHERE {src.where}" if src.where else ""
    dupes = con.execute(
        f"SELECT {', '.join(map(quote_ident, key))}, list(_row ORDER BY _row)[:{MAX_EXAMPLES}], COUNT(*) "
        f"FROM (SELECT row_number() OVER () AS _row, {cols} FROM {src.raw_from}{where}) "
        f"GROUP BY ALL HAVING COUNT(*) > 1 ORDER BY MIN(_row) LIMIT {MAX_EXAMPLES}").fetchall()
    if dupes:
        shown = "; ".join(f"{' / '.join(map(str, d[:len(key)]))} in rows {', '.join(map(str, d[-2]))}"
                          for d in dupes)
        raise DataError(f"the same {' and '.join(key)} appear in more than one row, so they would be counted "
                        f"twice — e.g. {shown}", file=src.origin,
                        where=f"table {src.table.name}, columns {', '.join(key)}",
                        hint="keep one row per " + " and ".join(key) + " (sum the rows, or drop the copies)")


def _note_thousands(con, src: Source, exprs: dict[str, str]) -> None:
    """Say how many text numbers were written with thousands separators (read by ``_number``)."""
    types = _types(con, src, exprs)
    cols = [c for c in src.table.columns
            if c.type in ("number", "count") and c.name in exprs and not sqlt.is_numeric(types[c.name])]
    if not cols:
        return
    where = f" WHERE {src.where}" if src.where else ""
    parts = [f"COUNT(*) FILTER (WHERE regexp_full_match({sqlt.text(exprs[c.name])}, '{THOUSANDS_RE}'))"
             for c in cols]
    counts = con.execute(f"SELECT {', '.join(parts)} FROM {src.raw_from}{where}").fetchone()
    for col, n in zip(cols, counts):
        if n:
            src.notes.append(f"column '{col.name}': {n} value(s) written with thousands separators "
                             "(like 1,234.50) were read as numbers (1234.50)")


def _check_expressions(con, src: Source, exprs: dict[str, str], found: dict[str, str]) -> None:
    for col, expr in exprs.items():
        try:
            con.sql(f"SELECT {expr} FROM {src.raw_from} LIMIT 0")
        except duckdb.Error as exc:
            raise DataError(
                f"the expression {expr[1:-1]!r} does not work: {_first_line(exc)}",
                file=src.mapping_file, where=f"{src.table.name}.columns.{col}",
                hint=f"use DuckDB SQL over the file's columns: {', '.join(found)}") from None
    if src.where:
        try:
            con.sql(f"SELECT 1 FROM {src.raw_from} WHERE {src.where} LIMIT 0")
        except duckdb.Error as exc:
            raise DataError(f"the filter {src.where[1:-1]!r} does not work: {_first_line(exc)}",
                            file=src.mapping_file, where=f"{src.table.name}.where",
                            hint="write a DuckDB SQL condition over the file's columns") from None


def _types(con, src: Source, exprs: dict[str, str]) -> dict[str, str]:
    if not exprs:
        return {}
    sel = ", ".join(f"{e} AS {quote_ident(c)}" for c, e in exprs.items())
    rel = con.sql(f"SELECT {sel} FROM {src.raw_from} LIMIT 0")
    return dict(zip(rel.columns, [str(t) for t in rel.types]))


def _checks(table: Table, exprs: dict[str, str], types: dict[str, str]) -> list[_Check]:
    checks: list[_Check] = []
    for col in table.columns:
        if col.name not in exprs:
            continue
        raw, sqltype = exprs[col.name], types[col.name]
        txt, typed = sqlt.text(raw), sqlt.typed(col, raw, sqltype)
        if col.required:
            checks.append(_Check(col.name, "empty value", f"{txt} IS NULL", txt))
        if col.type in ("number", "count"):
            checks += _number_checks(col, raw, sqltype, txt)
        elif col.type != "text":
            what = {"timestamp": "not a date/time", "date": "not a date", "bool": "not true/false"}[col.type]
            checks.append(_Check(col.name, what, f"{txt} IS NOT NULL AND {typed} IS NULL", txt))
        if col.min is not None:
            checks.append(_Check(col.name, f"below {col.min:g} (negative)",
                                 f"{typed} < {col.min}", txt))
    return checks


def _number_checks(col: Column, raw: str, sqltype: str, txt: str) -> list[_Check]:
    """Not a number (``1,5`` included), not finite or implausibly large, not whole (counts)."""
    num = sqlt.number(raw, sqltype)
    what = "not a number" if col.type == "number" else "not a whole number"
    checks = [_Check(col.name, what + " (write digits with a '.' for decimals, e.g. 1234.50)",
                     f"{txt} IS NOT NULL AND {num} IS NULL", txt),
              _Check(col.name, f"infinite or implausibly large (at least {MAX_VALUE:.0e}; a mangled export?)",
                     f"(isinf({num}) OR isnan({num}) OR abs({num}) >= {MAX_VALUE})", txt)]
    if col.type == "count":
        checks.append(_Check(col.name, "not a whole number",
                             f"isfinite({num}) AND {num} <> FLOOR({num})", txt))
    return checks


# --- loading ----------------------------------------------------------------------------

def _load_table(con, src: Source) -> TableInfo:
    exprs = _raw_exprs(con, src)
    types = _types(con, src, exprs)
    table = src.table
    info = TableInfo(name=table.name, source=src, present=set(exprs))
    checks = _checks(table, exprs, types)
    where = f" WHERE {src.where}" if src.where else ""
    date_col = table.column(table.date_column)
    date_sql = sqlt.typed(date_col, exprs.get(date_col.name), types.get(date_col.name, "VARCHAR"))
    optional = [c for c in table.columns if not c.required and c.name in exprs]
    parts = ["COUNT(*)", f"MIN({date_sql})", f"MAX({date_sql})"]
    parts += [f"COUNT(*) FILTER (WHERE {c.condition})" for c in checks]
    parts += [f"COUNT(*) FILTER (WHERE {sqlt.text(exprs[c.name])} IS NULL)" for c in optional]
    try:
        row = con.execute(f"SELECT {', '.join(parts)} FROM {src.raw_from}{where}").fetchone()
    except duckdb.Error as exc:
        raise DataError(f"cannot be read: {_first_line(exc)}", file=src.origin, where=table.name,
                        hint="check the file's format and the expressions in mapping.yml") from None
    info.rows = row[0]
    if info.rows == 0:
        raise DataError("the table has no rows" + (" after the mapping's filter" if where else ""),
                        file=src.origin, where=table.name, hint="export the data again")
    counts = row[3: 3 + len(checks)]
    failed = [(c, n) for c, n in zip(checks, counts) if n]
    if failed:
        _raise_violations(con, src, failed)
    info.date_min, info.date_max = (v.date() if isinstance(v, dt.datetime) else v for v in row[1:3])
    info.null_share = {c.name: n / info.rows for c, n in zip(optional, row[3 + len(checks):])}
    if src.where:
        total = con.execute(f"SELECT COUNT(*) FROM {src.raw_from}").fetchone()[0]
        info.filtered_out = total - info.rows
    select = ", ".join(
        f"{sqlt.typed(c, exprs.get(c.name), types.get(c.name, 'VARCHAR'))} AS {quote_ident(c.name)}"
        for c in table.columns)
    try:
        con.execute(f"CREATE TABLE {quote_ident(table.name)} AS SELECT {select} FROM {src.raw_from}{where}")
    except duckdb.IOException as exc:      # a full disk under the scratch database file
        raise DiskError(f"no room to load the table: {_first_line(exc)}", file=src.origin, where=table.name,
                        hint=scratch_db.NO_ROOM_HINT) from None
    return info


def _raise_violations(con, src: Source, failed: list[tuple[_Check, int]]) -> None:
    lines = []
    for check, n in failed[:8]:
        filt = f"{src.where} AND " if src.where else ""
        examples = con.execute(
            f"SELECT _row, {check.raw} FROM (SELECT row_number() OVER () AS _row, * "
            f"FROM {src.raw_from}) WHERE {filt}({check.condition}) ORDER BY _row LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        shown = "; ".join(f"row {r} (line {r + 1}): {v!r}" if v is not None else f"row {r} (line {r + 1}): empty"
                          for r, v in examples)
        lines.append(f"column '{check.column}': {n} row(s) {check.problem} — e.g. {shown}")
    more = f"\n  … and {len(failed) - 8} more problem(s)" if len(failed) > 8 else ""
    raise DataError(
        f"{len(failed)} problem(s) in table '{src.table.name}':\n  " + "\n  ".join(lines) + more,
        file=src.origin,
        hint=("fix these rows in the export, or exclude them with a 'where:' filter in mapping.yml"
              if src.mapping_file else "fix these rows in the export and run again"))


def _first_line(exc: Exception) -> str:
    """The useful part of an engine error: its first line, plus an encoding diagnosis."""
    lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
    if not lines:
        return exc.__class__.__name__
    encoding = next((ln for ln in lines[1:] if "utf-8" in ln.lower()), None)
    if encoding:
        return f"{lines[0]} — {encoding} (save it as UTF-8, e.g. Excel's 'CSV UTF-8')"
    return lines[0]

