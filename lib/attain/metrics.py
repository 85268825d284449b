"""Compute any list of metrics by time grain and dimensions, in the engine.

``compute(ds, ["gmv", "aov"], grain="month", by=["channel"], start=..., end=..., where=...)``
sums the parts each metric needs in the query engine (one aggregate query per source
table; on orders one per distinct count, see ``_orders_queries``), joins the small aggregated
frames on the bucket, and applies the formulas from the metric dictionary. Only aggregated
rows ever reach pandas.

Buckets: an order row falls in the bucket of its ``order_date``; an order whose lines fall in
several categories counts once in each of them (so orders by category add up to more than
all orders). New buyers are attributed to the bucket, channel, category and region of their
first order in the whole data (earliest order_date, then order_id; the largest line of that
order gives its category), whatever the requested date range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import duckdb
import ibis
import pandas as pd

from .contract import DIMENSIONS, TABLES
from .data import Dataset
from . import query_cache
from .errors import MetricError
from .metric_defs import METRICS, PARTS, Metric, dictionary
from .timegrain import bucket, check_grain, labels, parse_date

__all__ = ["compute", "METRICS", "dictionary", "parse_where"]

_TABLE_OF = {"first_orders": "orders"}


def compute(ds: Dataset, metrics: Sequence[str], grain: str | None = None,
            by: Iterable[str] = (), start: str | dt.date | None = None,
            end: str | dt.date | None = None,
            where: Mapping[str, str | Sequence[str]] | None = None) -> pd.DataFrame:
    """Metrics by ``grain`` and ``by`` over [start, end] (inclusive days) with dimension filters.

    Inside a report pack the answer may come from :mod:`attain.query_cache` (same data, same question)."""
    query = ("metrics.compute", list(metrics), grain, list(by), str(start), str(end),
             sorted((k, _as_list(v)) for k, v in (where or {}).items()))
    return query_cache.cached(ds, query, lambda: _compute(ds, metrics, grain, by, start, end, where))


def _compute(ds: Dataset, metrics: Sequence[str], grain: str | None, by: Iterable[str],
             start: str | dt.date | None, end: str | dt.date | None,
             where: Mapping[str, str | Sequence[str]] | None) -> pd.DataFrame:
    wanted = _check_metrics(metrics)
    grain = check_grain(grain)
    dims = _check_dims(by, "--by")
    filters = {k: _as_list(v) for k, v in (where or {}).items()}
    _check_dims(filters, "--where")
    start_d, end_d = parse_date(start, "--from"), parse_date(end, "--to")
    if start_d and end_d and start_d > end_d:
        raise MetricError(f"the range starts ({start_d}) after it ends ({end_d})", where="--from/--to",
                          hint="swap the dates")
    parts = _parts_for(ds, wanted, dims, filters)
    keys = ([grain] if grain else []) + dims
    frames = [frame for source, names in _by_source(parts).items()
              for frame in _aggregate(ds, source, names, grain, dims, filters, start_d, end_d)]
    merged = _merge(frames, keys)
    out = merged[keys].copy()
    for m in wanted:
        values = m.formula(merged)
        out[m.id] = values.round().astype("int64") if m.is_count else values.astype(float)
    if grain:
        out[grain] = labels(out[grain], grain)
    return out.sort_values(keys, kind="stable").reset_index(drop=True) if keys else out


def parse_where(items: Iterable[str]) -> dict[str, list[str]]:
    """``["channel=直播,KOL", "region=一线城市"]`` -> {"channel": ["直播", "KOL"], ...}."""
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise MetricError(f"'{item}' is not a filter", where="--where",
                              hint="write DIMENSION=VALUE[,VALUE...], e.g. channel=直播")
        out.setdefault(key.strip(), []).extend(v.strip() for v in value.split(",") if v.strip())
    return out


# --- checks -----------------------------------------------------------------------------

def _check_metrics(ids: Sequence[str]) -> list[Metric]:
    if not ids:
        raise MetricError("no metric asked for", hint="name at least one; `attain metrics --list` shows them")
    unknown = [i for i in ids if i not in METRICS]
    if unknown:
        raise MetricError(f"unknown metric(s): {', '.join(unknown)}", where="METRIC",
                          hint="`attain metrics --list` shows the metric dictionary")
    return [METRICS[i] for i in dict.fromkeys(ids)]


def _check_dims(dims: Iterable[str], what: str) -> list[str]:
    dims = list(dict.fromkeys(dims))
    bad = [d for d in dims if d not in DIMENSIONS]
    if bad:
        raise MetricError(f"unknown dimension(s): {', '.join(bad)}", where=what,
                          hint=f"dimensions are {', '.join(DIMENSIONS)}")
    return dims


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _parts_for(ds: Dataset, metrics: list[Metric], dims: list[str], filters: dict) -> list[str]:
    parts: list[str] = []
    for m in metrics:
        for pid in m.parts:
            _check_part(ds, m, PARTS[pid], dims, filters)
            parts.append(pid)
    return list(dict.fromkeys(parts))


def _check_part(ds: Dataset, m: Metric, part, dims: list[str], filters: dict) -> None:
    table = _TABLE_OF.get(part.table, part.table)
    if not ds.has_table(table):
        raise MetricError(f"'{m.id}' needs the {table} table, which this data folder does not have",
                          file=ds.data_dir, hint=f"add {table}.csv (or map it in mapping.yml)")
    for col in part.needs:
        if not ds.has_column(table, col):
            raise MetricError(f"'{m.id}' needs column '{col}' in {table}, which the data does not have",
                              file=ds.data_dir, hint=f"add a '{col}' column to {table}")
    allowed = TABLES[table].dimensions
    for d in list(dims) + list(filters):
        if d not in allowed:
            raise MetricError(
                f"'{m.id}' cannot be broken down or filtered by {d}: it uses {table}, "
                f"which is recorded by {', '.join(allowed) or 'date only'}",
                where=m.id, hint=f"drop {d} for this metric, or ask for it separately")


def _by_source(parts: list[str]) -> dict[str, list[str]]:
    """Parts grouped by the rows they are counted on. Buyers asked together with repeat buyers are counted
    on the per-buyer rows the repeat buyers need anyway (one scan of the orders instead of two)."""
    out: dict[str, list[str]] = {}
    for pid in parts:
        source = "repeat" if pid == "repeat_buyers" else PARTS[pid].table
        out.setdefault(source, []).append(pid)
    if "repeat" in out and "buyers" in out.get("orders", []):
        out["orders"].remove("buyers")
        out["repeat"].append("buyers")
        if not out["orders"]:
            del out["orders"]
    return out


# --- queries ----------------------------------------------------------------------------

def _restrict(t, date_col: str, dims: Mapping[str, list[str]], start, end):
    col = t[date_col]
    is_ts = col.type().is_timestamp()
    if start:
        t = t.filter(col >= (ibis.timestamp(start.isoformat()) if is_ts else ibis.date(start.isoformat())))
    if end:
        nxt = end + dt.timedelta(days=1)
        t = t.filter(col < (ibis.timestamp(nxt.isoformat()) if is_ts else ibis.date(nxt.isoformat())))
    for dim, values in dims.items():
        t = t.filter(t[dim].isin(values))
    return t


def _group_keys(t, date_col: str, grain, dims) -> dict:
    keys = {grain: bucket(t[date_col], grain)} if grain else {}
    keys.update({d: t[d] for d in dims})
    return keys


def _aggregate(ds, source, names, grain, dims, filters, start, end) -> list[pd.DataFrame]:
    """The parts of one source, per bucket: one aggregate query (orders: one per distinct count)."""
    table = _TABLE_OF.get(source, "orders" if source == "repeat" else source)
    date_col = TABLES[table].date_column
    rows = first_orders(ds) if source == "first_orders" else ds.table(table)
    t = _restrict(rows, date_col, filters, start, end)
    if source == "repeat":
        return [_repeat_buyers(t, grain, dims, with_buyers="buyers" in names).execute()]
    if source == "orders":
        return [_grouped(q, _group_keys(q, date_col, grain, dims), expr).execute()
                for q, expr in _orders_queries(t, names)]
    if source == "first_orders":
        expr = {"new_buyers": t.count()}
    else:
        expr = {p: (t.sessions.coalesce(t.uv) if p == "bounce_base" else t[p]).sum() for p in names}
    return [_grouped(t, _group_keys(t, date_col, grain, dims), expr).execute()]


def _grouped(t, keys: dict, expr: dict):
    return t.group_by(**keys).aggregate(**expr) if keys else t.aggregate(**expr)


#: Distinct counts of the orders table: part -> (column, boolean column the rows must have, or None).
_DISTINCT = {"orders": ("order_id", None), "buyers": ("customer_id", None),
             "returned_orders": ("order_id", "returned")}


def _orders_queries(t, names: list[str]) -> list[tuple[object, dict]]:
    """(rows, {part: aggregate}) per query for the order parts. The sums go with the first unfiltered
    distinct count; every other distinct count gets a query of its own over just the rows it counts.
    DuckDB answers several COUNT(DISTINCT …) in one GROUP BY far more slowly than one each (10 M orders:
    ~15 s against ~9 s); buckets a filtered count has no rows in come back from the merge as 0."""
    distinct = [n for n in names if n in _DISTINCT]
    first = next((n for n in distinct if _DISTINCT[n][1] is None), None)
    if first is None and distinct and len(distinct) == len(names):
        first = distinct[0]      # the only query: it must keep every bucket (its FILTER gives 0 there)
    shared = [n for n in names if n not in _DISTINCT] + ([first] if first else [])
    queries = [(t, _orders_parts(t, shared))] if shared else []
    for name in distinct:
        if name != first:
            column, only = _DISTINCT[name]
            rows = t.filter(t[only]) if only else t
            queries.append((rows, {name: rows[column].nunique()}))
    return queries


def _orders_parts(t, names: list[str]) -> dict:
    has_customer = t.customer_id.notnull()
    exprs = {
        "gmv": lambda: t.gmv.sum(),
        "returned_gmv": lambda: t.gmv.sum(where=t.returned),
        "orders": lambda: t.order_id.nunique(),
        "buyers": lambda: t.customer_id.nunique(),
        "buyer_gmv": lambda: t.gmv.sum(where=has_customer),
        "returned_orders": lambda: t.order_id.nunique(where=t.returned),
        "kept_cost": lambda: t.cost.sum(where=~t.returned),
    }
    return {n: exprs[n]() for n in names}


def _repeat_buyers(t, grain, dims, with_buyers: bool = False):
    """Buyers with ≥ 2 distinct orders per bucket; ``with_buyers``: also all buyers (the non-empty ids among
    the per-buyer rows, whose guest row keeps a bucket with guest orders only, as the orders query would)."""
    if not with_buyers:
        t = t.filter(t.customer_id.notnull())
    keys = _group_keys(t, "order_date", grain, dims)
    per_buyer = t.group_by(**keys, customer_id=t.customer_id).aggregate(n=t.order_id.nunique())
    is_buyer = per_buyer.customer_id.notnull()
    agg = {"repeat_buyers": ((per_buyer.n >= 2) & is_buyer).sum()}
    if with_buyers:
        agg["buyers"] = is_buyer.sum()
    return per_buyer.group_by(list(keys)).aggregate(**agg) if keys else per_buyer.aggregate(**agg)


_FIRST_ORDERS = "_attain_first_orders"


def first_orders(ds: Dataset):
    """One row per buyer: the first row of their first order (date and dimensions), worked out once per
    data set and kept in the engine. Every new-buyer question needs it, and finding it ranks all order rows
    by buyer — at 10 M orders ~4.5 s, against well under a second for a question asked of the kept rows."""
    kept = ds.derived.get("first_orders")
    if kept is None:
        ranked = _first_orders(ds.table("orders"))
        rows = ranked.select(*[c for c in ("order_date", "customer_id", *DIMENSIONS) if c in ranked.columns])
        # DuckDB keeps them as a table of this data set's own database (gone with it); Spark's tables are
        # written to its warehouse, so there the expression is left for Spark to plan
        if ds.engine == "duckdb":
            rows = _keep_in_duckdb(ds, rows)
        kept = rows
        ds.derived["first_orders"] = kept
    return kept


def _keep_in_duckdb(ds: Dataset, rows):
    """The first orders as a table of the data set's database: already there when a report pack's runner
    worked them out (:mod:`attain.shared_data`), else made now. A database opened read-only that lacks
    them gets the expression back (worked out per question)."""
    there = ds.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [_FIRST_ORDERS])
    if not there.fetchall()[0][0]:
        try:
            ds.con.execute(f"CREATE TABLE {_FIRST_ORDERS} AS {ds.ibis.compile(rows)}")
        except duckdb.Error:
            return rows
    return ds.ibis.table(_FIRST_ORDERS)


def _first_orders(orders):
    """One row per buyer: the first row of their first order."""
    buyers = orders.filter(orders.customer_id.notnull())
    window = ibis.window(group_by=buyers.customer_id,
                         order_by=[buyers.order_date, buyers.order_id, ibis.desc(buyers.gmv),
                                   buyers.channel, buyers.category, buyers.region])
    ranked = buyers.mutate(_rank=ibis.row_number().over(window))
    return ranked.filter(ranked._rank == 0)


#: Parts that are sums of money. A parallel engine adds floating-point amounts in a different order on each
#: run, so the last bits of a total differ between runs (about 1e-7 on a total of 1e8). Amounts have at most
#: a few decimals (cents, or a price × quantity with a third decimal), so totals are rounded to
#: ``MONEY_DECIMALS``: far finer than any amount and far coarser than the noise, the same number every run.
MONEY_PARTS = ("gmv", "returned_gmv", "buyer_gmv", "kept_cost", "spend")
MONEY_DECIMALS = 4


def _merge(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    merged = frames[0]
    for f in frames[1:]:
        merged = merged.merge(f, on=keys, how="outer") if keys else pd.concat([merged, f], axis=1)
    parts = [c for c in merged.columns if c not in keys]
    for c in parts:
        merged[c] = merged[c].fillna(0)
        if c in MONEY_PARTS:
            merged[c] = merged[c].astype(float).round(MONEY_DECIMALS)
    return merged
