"""The standard KPI set two ways — the metric layer and one hand-written DuckDB query — timed side by side.

Run as a script in a fresh process (``python bench/kpis.py DATA_DIR``) so the peak memory it reports belongs
to this pass alone: load the data set, compute the KPI set once through ``attain.metrics.compute`` and read
the process's peak resident memory right there (load + compute, nothing else has run yet); then time both
ways alternately, ``RUNS`` times each, check that they give the same numbers, and print one JSON object on
stdout. Progress goes to stderr. Exit status 3 when the two ways disagree (a benchmark of different work
is worthless).

The KPI set: by month × channel GMV, orders, buyers, AOV and return rate; by quarter the repurchase rate.
The SQL follows each metric's definition (口径) in ``attain.metric_defs`` / ``attain.metrics``:

- GMV: Σ gmv over all order rows, returns included;
- orders: distinct order_id; buyers: distinct non-empty customer_id (the loader makes empty ids NULL);
- AOV: GMV ÷ orders; return rate: distinct order_id having a returned row ÷ orders;
- repurchase rate: buyers with ≥ 2 distinct orders in the quarter ÷ buyers in the quarter;
- a row belongs to the month / quarter of its order_date; no date range, no filters.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time

import pandas as pd

RUNS = 3
REL_TOL = 1e-9
MONTHLY = ["gmv", "orders", "buyers", "aov", "return_rate"]
QUARTERLY = ["repurchase_rate"]
COUNTS = ("orders", "buyers")

# One query. Each distinct count is its own aggregate: that is how a careful analyst writes it for DuckDB
# (several DISTINCT aggregates in one GROUP BY are much slower there), so the layer is compared with a
# good hand-written query, not a weak one.
KPI_SQL = """
WITH month_orders AS (
  SELECT CAST(date_trunc('month', order_date) AS DATE) AS bucket, channel,
         SUM(gmv) AS gmv, COUNT(DISTINCT order_id) AS orders
  FROM orders GROUP BY 1, 2),
month_buyers AS (
  SELECT CAST(date_trunc('month', order_date) AS DATE) AS bucket, channel,
         COUNT(DISTINCT customer_id) AS buyers
  FROM orders GROUP BY 1, 2),
month_returned AS (
  SELECT CAST(date_trunc('month', order_date) AS DATE) AS bucket, channel,
         COUNT(DISTINCT order_id) AS returned_orders
  FROM orders WHERE returned GROUP BY 1, 2),
quarter_buyer_orders AS (
  SELECT CAST(date_trunc('quarter', order_date) AS DATE) AS bucket, customer_id,
         COUNT(DISTINCT order_id) AS n
  FROM orders WHERE customer_id IS NOT NULL GROUP BY 1, 2),
quarterly AS (
  SELECT bucket, COUNT(*) AS buyers, COUNT(*) FILTER (WHERE n >= 2) AS repeat_buyers
  FROM quarter_buyer_orders GROUP BY 1)
SELECT 'month' AS grain, bucket, channel, gmv, orders, buyers,
       gmv / orders AS aov, COALESCE(returned_orders, 0) / orders AS return_rate,
       CAST(NULL AS DOUBLE) AS repurchase_rate
FROM month_orders JOIN month_buyers USING (bucket, channel) LEFT JOIN month_returned USING (bucket, channel)
UNION ALL
SELECT 'quarter', bucket, NULL, NULL, NULL, NULL, NULL, NULL, repeat_buyers / buyers
FROM quarterly
"""


class ParityError(AssertionError):
    """The metric layer and the SQL gave different numbers."""


def say(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def metric_layer(ds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The KPI set through the metric layer (the timed work)."""
    from attain.metrics import compute
    monthly = compute(ds, MONTHLY, grain="month", by=["channel"])
    quarterly = compute(ds, QUARTERLY, grain="quarter")
    return monthly, quarterly


def hand_sql(ds) -> pd.DataFrame:
    """The KPI set as one DuckDB query on the loaded contract tables (the timed work)."""
    return ds.con.sql(KPI_SQL).df()


def sql_as_layer(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The SQL result in the metric layer's shape: ISO bucket labels, one frame per grain, same sort."""
    from attain.timegrain import label
    month = frame[frame.grain == "month"].copy()
    month["month"] = [label(d, "month") for d in month.bucket]
    month = month[["month", "channel", *MONTHLY]].sort_values(["month", "channel"], kind="stable")
    quarter = frame[frame.grain == "quarter"].copy()
    quarter["quarter"] = [label(d, "quarter") for d in quarter.bucket]
    quarter = quarter[["quarter", *QUARTERLY]].sort_values("quarter", kind="stable")
    return month.reset_index(drop=True), quarter.reset_index(drop=True)


def _mismatches(ours: pd.DataFrame, theirs: pd.DataFrame, keys: list[str], columns: list[str]) -> list[str]:
    left, right = ours.set_index(keys), theirs.set_index(keys)
    problems = []
    if set(left.index) != set(right.index):
        only_l, only_r = set(left.index) - set(right.index), set(right.index) - set(left.index)
        return [f"buckets differ: only metric layer {sorted(only_l)[:5]}, only SQL {sorted(only_r)[:5]}"]
    right = right.loc[left.index]
    for col in columns:
        for key, a, b in zip(left.index, left[col], right[col]):
            a, b = float(a), float(b)
            same = (a == b) if col in COUNTS else math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)
            if not same and not (math.isnan(a) and math.isnan(b)):
                problems.append(f"{col} at {key}: metric layer {a!r}, SQL {b!r}")
    return problems


def check_parity(layer: tuple[pd.DataFrame, pd.DataFrame], sql: pd.DataFrame) -> dict[str, int]:
    """Raise ParityError unless every KPI agrees (counts exactly, money and ratios to ``REL_TOL``)."""
    month_sql, quarter_sql = sql_as_layer(sql)
    problems = _mismatches(layer[0], month_sql, ["month", "channel"], MONTHLY)
    problems += _mismatches(layer[1], quarter_sql, ["quarter"], QUARTERLY)
    if problems:
        raise ParityError(f"{len(problems)} difference(s), e.g.:\n    " + "\n    ".join(problems[:10]))
    if len(layer[0]) == 0 or len(layer[1]) == 0:
        raise ParityError("the KPI set came back empty: nothing was compared")
    return {"monthly_rows": len(layer[0]), "quarterly_rows": len(layer[1]),
            "values_compared": len(layer[0]) * len(MONTHLY) + len(layer[1]) * len(QUARTERLY)}


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _timed(fn, *args):
    began = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - began


def measure(data_dir: str, runs: int = RUNS) -> dict[str, object]:
    """Load, one metric-layer pass (→ peak memory), then both ways alternately ``runs`` times; parity."""
    os.environ.pop("ATTAIN_CACHE_DIR", None)      # every compute asks the engine: no cached answers
    from attain.data import load_dataset
    ds, load_s = _timed(load_dataset, data_dir)
    after_load = peak_rss_bytes()
    say(f"loaded and validated {ds.tables['orders'].rows:,} order rows in {load_s:.1f} s "
        f"(peak memory so far {after_load / 1e9:.2f} GB)")
    layer, first = _timed(metric_layer, ds)
    peak = peak_rss_bytes()
    say(f"metric layer run 1: {first:.1f} s; peak memory of load + compute {peak / 1e9:.2f} GB")
    layer_s, sql_s = [first], []
    for i in range(runs):
        sql, seconds = _timed(hand_sql, ds)
        sql_s.append(seconds)
        say(f"hand-written SQL run {i + 1}: {seconds:.1f} s")
        if i + 1 < runs:
            layer, seconds = _timed(metric_layer, ds)
            layer_s.append(seconds)
            say(f"metric layer run {i + 2}: {seconds:.1f} s")
    parity = check_parity(layer, sql)
    say(f"parity: {parity['values_compared']} values agree (counts exactly, the rest to {REL_TOL:g})")
    facts = ds.con.execute("SELECT COUNT(*), COUNT(DISTINCT order_id) FROM orders").fetchone()
    return {"load_s": load_s, "metric_layer_s": layer_s, "sql_s": sql_s,
            "peak_rss_bytes": peak, "peak_rss_after_load_bytes": after_load,
            "order_rows": int(facts[0]), "orders": int(facts[1]),
            "last_day": ds.date_range("orders")[1].isoformat(), "parity": parity}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python bench/kpis.py DATA_DIR", file=sys.stderr)
        return 2
    try:
        result = measure(argv[0])
    except ParityError as exc:
        print(f"PARITY CHECK FAILED: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
