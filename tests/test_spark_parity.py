"""The metric layer gives the same numbers on DuckDB and on Spark (local mode), and the engine is chosen by configuration.

Every metric of the dictionary is computed by every time grain (and as a total) and by every dimension it
supports (and by none), on two data folders: the hand-checked fixture and a slice of the sample that spans a
year end (ISO week 2025-W01 starts on 2024-12-30) and a quarter end. The combinations come from
``metric_defs`` and ``contract``; their number is checked against a count made by hand. Counts must agree
exactly, sums and ratios to a relative 1e-9, and the rows (labels, dimension values) must be the same.

One SparkSession serves the whole module. Spark needs Java and pyspark: when either is missing the tests
FAIL and say what to install — a parity test that skips itself would prove nothing.
"""

from __future__ import annotations

import importlib
import math
import os
import shutil
import time
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from attain import engines
from attain.contract import DIMENSIONS, TABLES
from attain.data import Dataset, load_dataset
from attain.engines import EngineError
from attain.metric_defs import METRICS, PARTS
from attain.metrics import compute
from attain.timegrain import GRAINS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pyspark")   # pyspark 3.5 on pandas 3

SMALL = "tests/fixtures/data/small"
ALL_GRAINS = (None, *GRAINS)                      # None: one total row
REL = 1e-9
# Slice of the sample: across the 2024/2025 year end and the 2026-Q1/Q2 quarter end (end days exclusive).
WINDOWS = (("2024-12-28", "2025-01-07"), ("2026-03-29", "2026-04-03"))

# By hand: 11 metrics read only orders (gmv returned_gmv net_sales orders buyers new_buyers aov gmv_per_buyer
# return_rate repurchase_rate gross_margin): 6 grains x (no dimension + channel, category, region) = 24 each.
# 15 read traffic or spend, which are recorded by channel only (uv pv sessions bounces bounce_rate
# conversion_rate spend impressions clicks ctr cpc cac cpa roas roi): 6 grains x (none + channel) = 12 each.
EXPECTED_COMBINATIONS = 11 * 24 + 15 * 12        # = 444 per data folder (888 compared in all)
EXPECTED_REQUESTS = 6 * 4                         # compute() calls per data folder and engine


# --- what to compare ------------------------------------------------------------------------------

def dimensions_of(metric) -> tuple[str, ...]:
    """The dimensions a metric can be broken down by: those of every table its parts read."""
    tables = {"orders" if PARTS[p].table == "first_orders" else PARTS[p].table for p in metric.parts}
    return tuple(d for d in DIMENSIONS if all(d in TABLES[t].dimensions for t in tables))


def combinations() -> list[tuple[str, str | None, str | None]]:
    """(metric, grain, dimension) for every metric, grain (None = total) and supported dimension (None = none)."""
    return [(m.id, grain, dim) for m in METRICS.values() for grain in ALL_GRAINS
            for dim in (None, *dimensions_of(m))]


def requests() -> dict[tuple[str | None, str | None], list[str]]:
    """The combinations grouped into compute() calls: (grain, dimension) -> metrics."""
    out: dict[tuple[str | None, str | None], list[str]] = {}
    for metric, grain, dim in combinations():
        out.setdefault((grain, dim), []).append(metric)
    return out


def mismatches(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str], metrics: list[str]) -> list[str]:
    """What differs between the two engines' frames (empty when they agree)."""
    if list(duck.columns) != list(spark.columns):
        return [f"columns {list(duck.columns)} vs {list(spark.columns)}"]
    rows_d, rows_s = duck[keys].values.tolist(), spark[keys].values.tolist()
    if rows_d != rows_s:
        return [f"rows differ: {len(rows_d)} vs {len(rows_s)}, first {rows_d[:3]} vs {rows_s[:3]}"]
    problems = []
    for m in metrics:
        a, b = duck[m].to_numpy(), spark[m].to_numpy()
        if METRICS[m].is_count:
            if not (pd.api.types.is_integer_dtype(duck[m]) and pd.api.types.is_integer_dtype(spark[m])):
                problems.append(f"{m}: counts must be integers ({duck[m].dtype} vs {spark[m].dtype})")
            elif not np.array_equal(a, b):
                problems.append(f"{m}: counts differ at rows {np.flatnonzero(a != b)[:5].tolist()}")
            continue
        a, b = a.astype(float), b.astype(float)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            problems.append(f"{m}: missing values at different rows")
            continue
        ok = np.isnan(a) | (np.abs(a - b) <= REL * np.maximum(np.abs(a), np.abs(b)))
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            problems.append(f"{m}: {a[i]!r} vs {b[i]!r} at row {i} (relative tolerance {REL})")
    return problems


# --- fixtures --------------------------------------------------------------------------------------

# The module starts a short-lived JVM and asks it hundreds of small questions: most of its time would go to the
# JIT's optimising compiler and to generating code for each plan. The standard spark-defaults.conf (found via
# SPARK_CONF_DIR, which also exercises that path) keeps the JIT to its quick tier; the session settings below
# skip whole-stage code generation and adaptive re-planning. None of this changes a result.
SPARK_DEFAULTS = "spark.driver.defaultJavaOptions -XX:TieredStopAtLevel=1 -XX:+UseSerialGC\n"
SMALL_DATA_CONF = {"spark.sql.codegen.wholeStage": "false", "spark.sql.adaptive.enabled": "false",
                   "spark.sql.shuffle.partitions": "1"}


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local SparkSession for the module (stopped afterwards); fails with what to install."""
    conf_dir = tmp_path_factory.mktemp("spark_conf")
    (conf_dir / "spark-defaults.conf").write_text(SPARK_DEFAULTS, encoding="utf-8")
    started = time.perf_counter()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_CONF_DIR", str(conf_dir))
        for name in ("SPARK_REMOTE", "ATTAIN_SPARK_MASTER", "ATTAIN_SPARK_STAGING", "SPARK_HOME"):
            env.delenv(name, raising=False)
        try:
            session, problem = engines.spark_session(), None
        except EngineError as err:
            session, problem = None, err
    if problem is not None:
        pytest.fail(f"Spark cannot run here, so DuckDB/Spark parity cannot be checked:\n{problem}", pytrace=False)
    assert session.sparkContext.master == "local[2]"
    for key, value in SMALL_DATA_CONF.items():
        session.conf.set(key, value)
    print(f"\nSparkSession started in {time.perf_counter() - started:.1f} s")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sample_slice(sample_dir, tmp_path_factory) -> Path:
    """orders, traffic and spend of the sample inside WINDOWS, as Parquet."""
    out = tmp_path_factory.mktemp("sample_slice")
    con = duckdb.connect()
    for table, column in (("orders", "order_date"), ("traffic", "date"), ("spend", "date")):
        cond = " OR ".join(f"({column} >= '{a}' AND {column} < '{b}')" for a, b in WINDOWS)
        source = (sample_dir / f"{table}.parquet").as_posix()
        con.execute(f"COPY (SELECT * FROM read_parquet('{source}') WHERE {cond}) "
                    f"TO '{(out / f'{table}.parquet').as_posix()}' (FORMAT parquet)")
    return out


@pytest.fixture(scope="module")
def datasets(spark, sample_slice) -> dict[str, tuple]:
    """name -> (DuckDB dataset, Spark dataset) of the same folder; both Spark ones live in one session."""
    return {name: (load_dataset(folder, engine="duckdb"), load_dataset(folder, engine="spark"))
            for name, folder in (("small", SMALL), ("slice", sample_slice))}


# --- the combinations ------------------------------------------------------------------------------

def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def test_spark_is_installed():
    """Java and pyspark are there (when not, every Spark test below fails too; this one says it first)."""
    missing = [what for what, found in (
        ("pyspark (pip install -e '.[spark]')", _importable("pyspark.sql")),
        ("Java 17 (apt-get install openjdk-17-jre-headless, or set JAVA_HOME)",
         bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None)) if not found]
    if missing:
        pytest.fail("the DuckDB/Spark parity test needs " + " and ".join(missing), pytrace=False)


def test_the_combinations_are_the_ones_counted_by_hand():
    assert len(METRICS) == 26
    assert len(combinations()) == EXPECTED_COMBINATIONS == 444
    assert len(requests()) == EXPECTED_REQUESTS
    assert dimensions_of(METRICS["new_buyers"]) == ("channel", "category", "region")
    assert dimensions_of(METRICS["cac"]) == ("channel",)          # spend is recorded by channel only


def test_the_comparison_catches_a_difference():
    keys = ["month"]
    duck = pd.DataFrame({"month": ["2026-01", "2026-02"], "orders": [4, 3], "aov": [115.1875, math.nan]})
    assert mismatches(duck, duck.copy(), keys, ["orders", "aov"]) == []
    near = duck.assign(aov=[115.1875 * (1 + 1e-12), math.nan])
    assert mismatches(duck, near, keys, ["orders", "aov"]) == []
    assert mismatches(duck, duck.assign(aov=[115.1875 * (1 + 1e-8), math.nan]), keys, ["aov"])[0].startswith("aov:")
    assert mismatches(duck, duck.assign(aov=[115.1875, 0.0]), keys, ["aov"]) == ["aov: missing values at different rows"]
    assert mismatches(duck, duck.assign(orders=[4, 2]), keys, ["orders"]) == ["orders: counts differ at rows [1]"]
    assert mismatches(duck, duck.assign(orders=[4.0, 3.0]), keys, ["orders"])[0].startswith("orders: counts must")
    assert mismatches(duck, duck.assign(month=["2026-01", "2026-03"]), keys, ["orders"])[0].startswith("rows differ")


def test_the_two_data_folders_are_different_and_not_trivial(datasets):
    """Two Spark datasets in one session keep their own rows (their views carry a random tag)."""
    for name, expected in (("small", 12), ("slice", 19922)):
        duck, spark = datasets[name]
        assert spark.engine == "spark" and duck.engine == "duckdb"
        assert spark.table("orders").count().execute() == expected == duck.table("orders").count().execute()


@pytest.mark.parametrize("folder", ["small", "slice"])
@pytest.mark.parametrize("grain, dim", list(requests()), ids=[f"{g or 'total'}-{d or 'all'}" for g, d in requests()])
def test_parity(datasets, folder, grain, dim):
    duck_ds, spark_ds = datasets[folder]
    metrics = requests()[(grain, dim)]
    by = [dim] if dim else []
    keys = ([grain] if grain else []) + by
    duck = compute(duck_ds, metrics, grain=grain, by=by)
    spark = compute(spark_ds, metrics, grain=grain, by=by)
    assert len(duck) > 0
    assert mismatches(duck, spark, keys, metrics) == []


@pytest.mark.parametrize("folder", ["small", "slice"])
def test_parity_with_a_date_range_and_filters(datasets, folder):
    """Date bounds compare timestamps with literals, filters use IN: both are compiled per engine."""
    duck_ds, spark_ds = datasets[folder]
    start, end = ("2026-01-06", "2026-04-01") if folder == "small" else ("2024-12-31", "2026-03-31")
    kwargs = dict(grain="week", by=["channel"], start=start, end=end, where={"channel": ["直播", "私域"]})
    metrics = ["gmv", "orders", "new_buyers", "repurchase_rate", "cac", "bounce_rate"]
    duck, spark = compute(duck_ds, metrics, **kwargs), compute(spark_ds, metrics, **kwargs)
    assert len(duck) > 0 and set(duck["channel"]) <= {"直播", "私域"}
    assert mismatches(duck, spark, ["week", "channel"], metrics) == []


def test_hand_over_through_the_driver_keeps_wall_clock_times(spark, datasets):
    """Without a staging folder (a remote Spark) the rows travel through the driver (createDataFrame). A driver in
    another time zone must not move an order to another day: the fixture has orders at 08:00, 10:00 and 23:59:59."""
    duck_ds, _ = datasets["small"]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TZ", "Asia/Shanghai")
        time.tzset()
        spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
        try:
            views = engines.hand_over(duck_ds.con, spark, list(duck_ds.tables), folder=None)
        finally:
            env.undo()
            time.tzset()
            spark.conf.set("spark.sql.session.timeZone", "UTC")       # as ibis.pyspark.connect sets it
    ds = Dataset(duck_ds.con, duck_ds.data_dir, duck_ds.tables, engine="spark",
                 backend=ibis.pyspark.connect(spark), views=views)
    metrics = ["gmv", "orders", "new_buyers", "repurchase_rate", "bounce_rate", "cac"]
    duck, spark_frame = compute(duck_ds, metrics, grain="day"), compute(ds, metrics, grain="day")
    assert len(duck) == 12          # 10 order days and 2 days with only traffic or spend
    assert mismatches(duck, spark_frame, ["day"], metrics) == []


# --- choosing the engine -----------------------------------------------------------------------------

def test_engine_comes_from_the_argument_then_the_environment():
    assert engines.choose(None, {}) == "duckdb"
    assert engines.choose(None, {"ATTAIN_ENGINE": " Spark "}) == "spark"
    assert engines.choose("duckdb", {"ATTAIN_ENGINE": "spark"}) == "duckdb"
    assert engines.choose(None, {"ATTAIN_ENGINE": ""}) == "duckdb"


@pytest.mark.parametrize("arg, env, where", [("flink", {}, "engine="),
                                              (None, {"ATTAIN_ENGINE": "flink"}, "ATTAIN_ENGINE")])
def test_an_unknown_engine_is_explained(arg, env, where):
    with pytest.raises(EngineError) as err:
        engines.choose(arg, env)
    assert err.value.where == where and "unknown engine 'flink'" in str(err.value)
    assert "duckdb, spark" in err.value.hint


def test_load_dataset_follows_attain_engine(datasets, monkeypatch):
    monkeypatch.setenv("ATTAIN_ENGINE", "spark")
    ds = load_dataset(SMALL)
    assert ds.engine == "spark" and ds.ibis.name == "pyspark"
    assert load_dataset(SMALL, engine="duckdb").ibis.name == "duckdb"
    monkeypatch.delenv("ATTAIN_ENGINE")
    assert load_dataset(SMALL).ibis.name == "duckdb"


def test_the_master_comes_from_the_usual_places(tmp_path):
    assert engines.master({}) == "local[2]"
    assert engines.master({"ATTAIN_SPARK_MASTER": "spark://head:7077"}) == "spark://head:7077"
    assert engines.master({"SPARK_REMOTE": "sc://head:15002"}) is None            # Spark Connect decides
    (tmp_path / "spark-defaults.conf").write_text("spark.executor.memory 4g\n", encoding="utf-8")
    assert engines.master({"SPARK_CONF_DIR": str(tmp_path)}) == "local[2]"       # no master in the file
    (tmp_path / "spark-defaults.conf").write_text("# cluster\nspark.master   yarn\n", encoding="utf-8")
    assert engines.defaults_master({"SPARK_CONF_DIR": str(tmp_path)}) == "yarn"
    assert engines.master({"SPARK_CONF_DIR": str(tmp_path)}) is None             # spark-submit reads it


def test_a_connect_token_never_reaches_a_message():
    line = engines._without_secrets("cannot reach sc://head:443/;token=s3cr3t;user_id=me now")
    assert "s3cr3t" not in line and "sc://head:443" in line


def test_missing_java_says_what_to_install(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineError) as err:
        engines._start(builder=None, where="ATTAIN_ENGINE")
    assert "needs Java" in str(err.value) and "openjdk-17-jre-headless" in err.value.hint
