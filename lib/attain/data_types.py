"""SQL that turns a source column into its contract type (text, number, count, timestamp, date, bool).

Every expression yields NULL for a value that does not parse, so the loader's checks can count and show the
bad rows (``attain.data``). Numbers written with thousands separators (``1,234.50``, exactly) are read.
"""

from __future__ import annotations

from .contract import Column
from .csvfix import THOUSANDS_RE
from .sources import sql_string

TRUE_WORDS = ("true", "1", "yes", "y", "t", "是")
FALSE_WORDS = ("false", "0", "no", "n", "f", "否")
TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d")
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
                 "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "DECIMAL")


def text(raw: str) -> str:
    return f"NULLIF(TRIM(CAST({raw} AS VARCHAR)), '')"


def is_numeric(sqltype: str) -> bool:
    return sqltype.upper().startswith(NUMERIC_TYPES)


def typed(col: Column, raw: str | None, sqltype: str) -> str:
    """SQL giving the contract value of a column (NULL when it does not parse)."""
    if raw is None:
        return default(col)
    txt = text(raw)
    if col.type == "text":
        return f"COALESCE({txt}, {sql_string(col.default)})" if col.default is not None else txt
    if col.type in ("number", "count"):
        num = number(raw, sqltype)
        return num if col.type == "number" else f"TRY_CAST({num} AS BIGINT)"
    if col.type in ("timestamp", "date"):
        if sqltype.upper().startswith(("TIMESTAMP", "DATE")):
            ts = f"CAST({raw} AS TIMESTAMP)"
        else:
            fmts = "[" + ", ".join(sql_string(f) for f in TIMESTAMP_FORMATS) + "]"
            ts = f"COALESCE(TRY_CAST({txt} AS TIMESTAMP), TRY_STRPTIME({txt}, {fmts}))"
        return ts if col.type == "timestamp" else f"CAST({ts} AS DATE)"
    if col.type == "bool":
        if sqltype.upper() == "BOOLEAN":
            return f"COALESCE({raw}, {str(bool(col.default)).upper()})"
        low = f"LOWER({txt})"
        return (f"CASE WHEN {txt} IS NULL THEN {str(bool(col.default)).upper()} "
                f"WHEN {low} IN ({', '.join(map(sql_string, TRUE_WORDS))}) THEN TRUE "
                f"WHEN {low} IN ({', '.join(map(sql_string, FALSE_WORDS))}) THEN FALSE END")
    raise ValueError(f"unknown contract type {col.type}")


def number(raw: str, sqltype: str) -> str:
    """SQL: the value as a DOUBLE; text with thousands separators (``1,234.50``, exactly) is read too."""
    if is_numeric(sqltype):
        return f"TRY_CAST({raw} AS DOUBLE)"
    txt = text(raw)
    plain = f"CASE WHEN regexp_full_match({txt}, '{THOUSANDS_RE}') THEN REPLACE({txt}, ',', '') ELSE {txt} END"
    return f"TRY_CAST({plain} AS DOUBLE)"


def default(col: Column) -> str:
    sql_type = {"text": "VARCHAR", "number": "DOUBLE", "count": "BIGINT", "timestamp": "TIMESTAMP",
                "date": "DATE", "bool": "BOOLEAN"}[col.type]
    if col.default is None:
        return f"CAST(NULL AS {sql_type})"
    if col.type == "bool":
        return str(bool(col.default)).upper()
    return f"CAST({sql_string(col.default)} AS {sql_type})"
