"""The query engine a dataset runs on: embedded DuckDB (default) or Apache Spark.

The engine is chosen by the ``engine=`` argument of ``attain.data.load_dataset``, else by the environment
variable ``ATTAIN_ENGINE`` (``duckdb`` or ``spark``). Checking the data against the contract always
happens in DuckDB (one validation path); for Spark the typed contract tables are then handed over and
registered as temporary views, and the metric layer's ibis expressions run on ``ibis.pyspark``.

Which Spark (first match wins):

1. a SparkSession that is already active in this process (e.g. a Databricks or EMR notebook);
2. ``SPARK_REMOTE`` (Spark Connect, ``sc://host:15002``; a token belongs in that variable, never in a file);
3. ``ATTAIN_SPARK_MASTER`` (``spark://host:7077``, ``yarn``, ``k8s://…``, ``local[4]``);
4. ``spark.master`` from the standard ``spark-defaults.conf`` (``$SPARK_CONF_DIR`` or ``$SPARK_HOME/conf``);
5. otherwise local mode, ``local[2]``: two shuffle partitions, no web UI, no progress bar, errors-only logs.

Hand-over: DuckDB writes each table as Parquet into a staging folder that Spark reads — a private temporary
folder in local mode (removed when the dataset is garbage-collected or the process ends), or
``ATTAIN_SPARK_STAGING`` for a cluster (a folder every executor can read, e.g. a shared mount). Without a
staging folder a remote Spark gets the tables through the driver (``createDataFrame``), which suits data
that fits in the driver's memory. Credentials (cloud storage keys, Connect tokens) are read by Spark from
its own environment; this module never prints, logs or writes them.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path

from .errors import AttainError

ENV_ENGINE = "ATTAIN_ENGINE"
ENV_MASTER = "ATTAIN_SPARK_MASTER"
ENV_STAGING = "ATTAIN_SPARK_STAGING"
ENGINES = ("duckdb", "spark")
LOCAL_MASTER = "local[2]"
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}
INSTALL_SPARK = ("install the Spark extra: pip install -e '.[spark]' (pyspark), and Java 17: "
                 "apt-get install openjdk-17-jre-headless (or set JAVA_HOME)")
_LOG4J = "\n".join((   # errors only; org.apache.spark set explicitly, else PySpark announces "Setting default log level"
    "rootLogger.level = error", "rootLogger.appenderRef.stderr.ref = console",
    "appender.console.type = Console", "appender.console.name = console", "appender.console.target = SYSTEM_ERR",
    "appender.console.layout.type = PatternLayout", "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n",
    "logger.spark.name = org.apache.spark", "logger.spark.level = error", ""))


class EngineError(AttainError):
    """The query engine asked for is unknown or cannot start."""


def choose(engine: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The engine's name: the argument, else ``ATTAIN_ENGINE``, else ``duckdb``."""
    where = "engine=" if engine is not None else ENV_ENGINE
    value = (engine if engine is not None else environ.get(ENV_ENGINE, "")).strip().lower()
    if not value:
        return "duckdb"
    if value not in ENGINES:
        raise EngineError(f"unknown engine '{value}'", where=where,
                          hint=f"use one of: {', '.join(ENGINES)}")
    return value


# --- the session --------------------------------------------------------------------------------

def defaults_master(environ: Mapping[str, str] = os.environ) -> str | None:
    """``spark.master`` from spark-defaults.conf in ``$SPARK_CONF_DIR`` or ``$SPARK_HOME/conf``, if set."""
    folders = [environ.get("SPARK_CONF_DIR")]
    if environ.get("SPARK_HOME"):
        folders.append(str(Path(environ["SPARK_HOME"]) / "conf"))
    for folder in filter(None, folders):
        conf = Path(folder) / "spark-defaults.conf"
        if conf.is_file():
            for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
                match = re.match(r"\s*spark\.master[\s=]+(\S+)", line)
                if match:
                    return match.group(1)
    return None


def master(environ: Mapping[str, str] = os.environ) -> str | None:
    """The master URL to set on the builder; None when Spark Connect or spark-defaults decide."""
    if environ.get("SPARK_REMOTE"):
        return None
    if environ.get(ENV_MASTER, "").strip():
        return environ[ENV_MASTER].strip()
    return None if defaults_master(environ) else LOCAL_MASTER


def _log_config() -> str:
    """A log4j2 file that keeps Spark's JVM quiet (errors only) in local mode."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"attain-spark-log4j2-{uid}.properties"
    if not path.is_file() or path.read_text(encoding="utf-8") != _LOG4J:
        tmp = path.with_name(f"{path.name}.{os.getpid()}")
        tmp.write_text(_LOG4J, encoding="utf-8")
        os.replace(tmp, path)
    return str(path)


def spark_session(environ: Mapping[str, str] = os.environ):
    """The SparkSession to use (see the module's docstring for the order)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("the Spark engine needs pyspark, which is not installed", where=ENV_ENGINE,
                          hint=INSTALL_SPARK) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("attain")
    if environ.get("SPARK_REMOTE"):
        return _start(builder.remote(environ["SPARK_REMOTE"]), "SPARK_REMOTE")
    url = master(environ)
    if url is None:
        return _start(builder, "spark-defaults.conf")
    builder = builder.master(url)
    if url.startswith("local"):
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_log_config()}")
    return _start(builder, ENV_MASTER if environ.get(ENV_MASTER, "").strip() else f"Spark {url}")


def _start(builder, where: str):
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise EngineError("the Spark engine needs Java, which is not installed", where=ENV_ENGINE,
                          hint=INSTALL_SPARK)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j / JVM start-up problems come in many classes
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise EngineError(f"Spark did not start: {_without_secrets(first)}", where=where,
                          hint="check the Spark settings in the environment; " + INSTALL_SPARK) from None
    return session


def _without_secrets(text: str) -> str:
    """An error line with any Spark Connect URL's parameters (tokens) removed."""
    return re.sub(r"(sc://[^\s/;]+)[^\s]*", r"\1/…", text)


def is_local(session) -> bool:
    try:
        return session.sparkContext.master.startswith("local")
    except Exception:  # Spark Connect sessions have no SparkContext
        return False


# --- handing the tables over --------------------------------------------------------------------

def staging_folder(session, environ: Mapping[str, str] = os.environ) -> tuple[str | None, bool]:
    """(folder for the Parquet hand-over or None, whether we own it and should remove it)."""
    if environ.get(ENV_STAGING, "").strip():
        base = environ[ENV_STAGING].strip()
        Path(base).mkdir(parents=True, exist_ok=True)
        return tempfile.mkdtemp(prefix="attain-", dir=base), True
    if is_local(session):
        return tempfile.mkdtemp(prefix="attain-spark-"), True
    return None, False


def hand_over(con, session, names, folder: str | None) -> dict[str, str]:
    """Register each DuckDB table of ``names`` as a Spark temporary view; {table: view name}.

    View names carry a random tag, so two datasets loaded into one Spark session never see each other's rows."""
    tag = secrets.token_hex(4)
    views = {}
    for name in names:
        if folder is not None:
            path = Path(folder).resolve() / f"{name}.parquet"
            con.execute(f"COPY {_quote(name)} TO '{_escape(str(path))}' (FORMAT parquet)")
            frame = session.read.parquet(path.as_uri())     # file://, whatever the cluster's default file system
        else:
            rel = con.sql(f"SELECT * FROM {_quote(name)}")
            frame = session.createDataFrame(rel.fetchall(), _spark_schema(rel))
        views[name] = f"attain_{tag}_{name}"
        frame.createOrReplaceTempView(views[name])
    return views


def _spark_schema(rel):
    """The Spark schema of a DuckDB relation of contract types. Timestamps are TIMESTAMP_NTZ, as when Spark reads
    DuckDB's Parquet: wall-clock values that no time zone (the driver's, the session's) can shift."""
    from pyspark.sql import types as T
    kinds = {"VARCHAR": T.StringType, "DOUBLE": T.DoubleType, "BIGINT": T.LongType, "BOOLEAN": T.BooleanType,
             "DATE": T.DateType, "TIMESTAMP": T.TimestampNTZType}
    return T.StructType([T.StructField(col, kinds[str(kind)](), True) for col, kind in zip(rel.columns, rel.types)])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _escape(text: str) -> str:
    return text.replace("'", "''")


def spark_backend(con, names, environ: Mapping[str, str] = os.environ):
    """(ibis PySpark backend, {table: Spark view}) for the DuckDB tables ``names``.

    A staging folder this module made is removed when the backend (and every expression on it) is gone."""
    import ibis
    session = spark_session(environ)
    session.conf.set("spark.sql.session.timeZone", "UTC")   # as ibis sets it; before any data crosses over
    folder, owned = staging_folder(session, environ)
    try:
        views = hand_over(con, session, names, folder)
    except BaseException:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    backend = ibis.pyspark.connect(session)
    if owned:
        weakref.finalize(backend, shutil.rmtree, folder, True)
    return backend, views
