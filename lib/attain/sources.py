"""Find the tables in a data folder: contract-named files, or a ``mapping.yml``.

A source says where a contract table's rows come from: the SQL that reads the file
(``raw_from``), the SQL expression that gives each contract column from the source's own
columns, and an optional filter. Everything downstream (checks, typing, loading) is built
from these three pieces, so files named after the contract and mapped files are treated
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .contract import FILE_SUFFIXES, TABLES, Table
from .csvfix import readable_csv
from .errors import DataError

MAPPING_NAMES = ("mapping.yml", "mapping.yaml")


@dataclass
class Source:
    table: Table
    file: Path
    raw_from: str                       # SQL relation that reads the file
    exprs: dict[str, str]               # contract column -> SQL expression over the source
    where: str | None = None            # mapping filter, if any
    mapping_file: Path | None = None    # set when the table comes from mapping.yml
    notes: list[str] = field(default_factory=list)

    @property
    def origin(self) -> Path:
        """The file a user should look at when something is wrong."""
        return self.mapping_file or self.file


def sql_string(text: str | Path) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_name_of(path: Path) -> str | None:
    """The table a data file is named after, or None when it is not a data file."""
    name = path.name
    for suffix in sorted(FILE_SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def reader_sql(path: Path, *, all_varchar: bool, notes: list[str] | None = None) -> str:
    """SQL reading ``path``; a CSV in another encoding is read from a UTF-8 copy, said in ``notes``."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return f"read_parquet({sql_string(path)})"
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        _not_empty(path)
        readable, fixes = readable_csv(path)
        if notes is not None:
            notes += fixes
        # contract-named files are read as text (the loader parses and checks each column);
        # mapped files get types, sniffed from the whole file so a late 'C123' cannot break it
        opts = ", all_varchar = true" if all_varchar else ", sample_size = -1"
        return f"read_csv({sql_string(readable)}, header = true{opts})"
    raise DataError(
        "this file type cannot be read", file=path,
        hint="save the table as .csv, .csv.gz or .parquet",
    )


def _not_empty(path: Path) -> None:
    if path.stat().st_size == 0:
        raise DataError("the file is empty (0 bytes)", file=path,
                        hint="export the table again: a CSV needs a header row and at least one data row")


def discover(data_dir: Path) -> dict[str, Source]:
    """The sources of every table in ``data_dir`` (raises DataError on a problem)."""
    if not data_dir.is_dir():
        raise DataError(
            "the data folder does not exist", file=data_dir,
            hint="generate the sample with `attain sample`, or pass --data DIR with your own exports",
        )
    mapping_path = next((data_dir / n for n in MAPPING_NAMES if (data_dir / n).is_file()), None)
    sources: dict[str, Source] = {}
    if mapping_path is not None:
        sources.update(_from_mapping(mapping_path, data_dir))
    for path in sorted(data_dir.iterdir()):
        name = table_name_of(path)
        if name is None:
            continue
        if not path.is_file():
            if name in TABLES and name not in sources:
                raise DataError("this is a folder, not a data file", file=path,
                                hint=f"put the {name} export here as a file (or rename the folder)")
            continue
        if name in sources:
            if sources[name].mapping_file is None:
                raise DataError(
                    f"two files hold table '{name}': {sources[name].file.name} and {path.name}",
                    file=data_dir, hint="keep one of them",
                )
            continue  # mapping.yml wins over a file named after the table
        if name not in TABLES:
            if mapping_path is not None:
                continue  # with a mapping, other files are raw exports it may refer to
            raise DataError(
                f"'{path.name}' is not a table of the data contract",
                file=path,
                hint=f"name data files after a table ({', '.join(TABLES)}), "
                     "or describe the file in a mapping.yml",
            )
        sources[name] = _direct_source(TABLES[name], path)
    if "orders" not in sources:
        raise DataError(
            "no orders table: orders.csv, orders.csv.gz or orders.parquet (or an 'orders:' entry "
            "in mapping.yml) is required", file=data_dir,
            hint="export your orders under that name, or map your file with mapping.yml",
        )
    return sources


def _direct_source(table: Table, path: Path) -> Source:
    notes: list[str] = []
    raw_from = reader_sql(path, all_varchar=True, notes=notes)
    return Source(table=table, file=path, raw_from=raw_from, exprs={}, notes=notes)


def _load_mapping(path: Path) -> dict:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"not valid YAML ({exc.__class__.__name__}: {str(exc).splitlines()[0]})",
                        file=path, hint="fix the YAML syntax (indentation, colons, quotes)") from None
    if not isinstance(doc, dict) or not doc:
        raise DataError("expected one entry per table, e.g. 'orders:' with 'file:' and 'columns:'",
                        file=path, hint="see the README section 'Bring your own data'")
    return doc


def _from_mapping(path: Path, data_dir: Path) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for name, entry in _load_mapping(path).items():
        if name not in TABLES:
            raise DataError(f"unknown table '{name}'", file=path, where=str(name),
                            hint=f"use one of: {', '.join(TABLES)}")
        table = TABLES[name]
        if not isinstance(entry, dict) or "file" not in entry:
            raise DataError("each table needs 'file:' (and usually 'columns:')", file=path,
                            where=name, hint="add file: <name of the export in this folder>")
        unknown_keys = set(entry) - {"file", "columns", "where"}
        if unknown_keys:
            raise DataError(f"unknown key(s) {sorted(unknown_keys)}", file=path, where=name,
                            hint="a table entry has only file, columns and where")
        file = (data_dir / str(entry["file"])).resolve()
        if not file.is_file():
            raise DataError(f"the file '{entry['file']}' does not exist in {data_dir}", file=path,
                            where=f"{name}.file", hint="check the file name (and its extension)")
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            raise DataError("'columns' must map contract columns to SQL expressions", file=path,
                            where=f"{name}.columns", hint="e.g.  gmv: Quantity * UnitPrice")
        for col, expr in columns.items():
            if col not in table.column_names:
                raise DataError(f"'{col}' is not a column of table {name}", file=path,
                                where=f"{name}.columns.{col}",
                                hint=f"the columns of {name} are: {', '.join(table.column_names)}")
            if expr is None or str(expr).strip() == "":
                raise DataError("empty expression", file=path, where=f"{name}.columns.{col}",
                                hint="write a SQL expression over the file's columns, or remove the line")
        where = entry.get("where")
        notes: list[str] = []
        raw_from = reader_sql(file, all_varchar=False, notes=notes)
        out[name] = Source(
            table=table, file=file, raw_from=raw_from,
            exprs={c: f"({e})" for c, e in columns.items()},
            where=f"({where})" if where not in (None, "") else None, mapping_file=path, notes=notes,
        )
    return out
