"""A report pack checks its data once: the runner's load leaves the checked tables, its notebooks open them.

Expected values are the fixture's, worked out by hand in test_metrics.py: 12 order rows from 2026-01-05 to
2026-04-30, GMV 1080.5, 10 orders, 4 buyers who are all new.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from attain import data as data_mod, query_cache, shared_data
from attain.data import load_dataset
from attain.errors import DataError
from attain.metrics import compute

SMALL = Path(__file__).parent / "fixtures" / "data" / "small"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(SMALL, folder)
    return folder


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(query_cache.ENV, str(folder))
    return folder


@pytest.fixture
def loads(monkeypatch):
    """How many tables were loaded and checked from their source files."""
    calls = []
    real = data_mod._load_table

    def counted(con, src):
        calls.append(src.table.name)
        return real(con, src)
    monkeypatch.setattr(data_mod, "_load_table", counted)
    return calls


def checked_files(cache: Path) -> list[str]:
    return sorted(p.suffix for p in (cache / "checked").iterdir())


def total(ds, metric):
    return compute(ds, [metric])[metric].iloc[0]


def test_the_notebooks_of_a_pack_open_the_tables_the_runner_checked(data, cache, loads):
    shared_data.prepare(data).release()
    assert sorted(loads) == ["orders", "spend", "traffic"]            # checked once, by the runner
    assert checked_files(cache) == [".duckdb", ".json"]

    ds = load_dataset(data)                                           # what a notebook does
    assert sorted(loads) == ["orders", "spend", "traffic"]            # not loaded again
    orders = ds.tables["orders"]
    assert (orders.rows, orders.date_min, orders.date_max) == (12, dt.date(2026, 1, 5), dt.date(2026, 4, 30))
    assert total(ds, "gmv") == pytest.approx(1080.5)
    assert total(ds, "orders") == 10
    assert total(ds, "new_buyers") == 4
    with pytest.raises(duckdb.Error, match="read-only"):              # nothing a notebook does changes them
        ds.con.execute("DELETE FROM orders")
    # the runner also worked out each buyer's first order there
    assert ds.con.execute("SELECT count(*) FROM _attain_first_orders").fetchall() == [(4,)]


def test_a_changed_export_is_checked_again(data, cache, loads):
    shared_data.prepare(data).release()
    with (data / "orders.csv").open("a", encoding="utf-8") as f:
        f.write("A11,c5,2026-05-01,-5.00,直播,美妆,一线城市,false,1\n")
    with pytest.raises(DataError, match="gmv"):                        # not hidden by the old tables
        load_dataset(data)
    lines = (data / "orders.csv").read_text(encoding="utf-8").splitlines()
    (data / "orders.csv").write_text("\n".join(lines[:-1] + ["A11,c5,2026-05-01,5.00,直播,美妆,一线城市,false,1"])
                                     + "\n", encoding="utf-8")
    ds = load_dataset(data)
    assert ds.tables["orders"].rows == 13
    assert total(ds, "gmv") == pytest.approx(1085.5)


def test_a_damaged_description_means_loading_as_usual(data, cache, loads):
    shared_data.prepare(data).release()
    (desc,) = (cache / "checked").glob("*.json")
    desc.write_text("{", encoding="utf-8")
    loads.clear()
    ds = load_dataset(data)
    assert sorted(loads) == ["orders", "spend", "traffic"]
    assert total(ds, "orders") == 10


def test_outside_a_pack_every_load_checks_for_itself(data, monkeypatch, loads):
    monkeypatch.delenv(query_cache.ENV, raising=False)
    shared_data.prepare(data).release()
    load_dataset(data)
    assert sorted(loads) == ["orders", "orders", "spend", "spend", "traffic", "traffic"]


def test_only_the_newest_checked_tables_are_kept(tmp_path, cache):
    folders = []
    for name in ("a", "b", "c"):
        folders.append(tmp_path / name)
        shutil.copytree(SMALL, folders[-1])
        shared_data.prepare(folders[-1]).release()
    described = sorted((cache / "checked").glob("*.json"))
    assert len(described) == shared_data.KEEP == 2
    assert len(list((cache / "checked").glob("*.duckdb"))) == 2
    from attain.sources import discover
    kept = {p.stem for p in described}
    assert shared_data.key(discover(folders[0])) not in kept        # the oldest went
    assert shared_data.key(discover(folders[2])) in kept
    # the query cache's own clean-up leaves the checked tables alone
    for i in range(query_cache.KEEP_FINGERPRINTS + 1):
        (cache / f"{i:020d}").mkdir()
    query_cache._prune(cache, cache / f"{0:020d}")
    assert (cache / "checked").is_dir()


def test_a_runner_killed_midway_leaves_nothing_used_or_kept(data, cache):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(gone.stdout)
    (cache / "checked").mkdir(parents=True)
    half = cache / "checked" / f".abc.{dead_pid}.tmp.duckdb"
    half.write_bytes(b"half a database")
    ds = shared_data.prepare(data)
    assert ds.tables["orders"].rows == 12
    assert not half.exists()


def test_a_full_disk_while_sharing_still_gives_the_runner_its_data(data, cache, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(shared_data.os, "replace", full)
    ds = shared_data.prepare(data)
    assert ds.tables["orders"].rows == 12
    assert list((cache / "checked").iterdir()) == []                 # no half-written file left
