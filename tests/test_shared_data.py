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
import tempfile
from pathlib import Path

import duckdb
import pytest

from attain import data as data_mod, shared_data
from attain.data import load_dataset
from attain.errors import DataError
from attain.metrics import compute

SMALL = Path(__file__).parent / "fixtures" / "data" / "small"


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.delenv(shared_data.ENV, raising=False)
    folder = tmp_path / "data"
    shutil.copytree(SMALL, folder)
    return folder


@pytest.fixture
def loads(monkeypatch):
    """The tables loaded and checked from their source files."""
    calls = []
    real = data_mod._load_table

    def counted(con, src):
        calls.append(src.table.name)
        return real(con, src)
    monkeypatch.setattr(data_mod, "_load_table", counted)
    return calls


def total(ds, metric):
    return compute(ds, [metric])[metric].iloc[0]


def in_a_kernel(data: Path, code: str) -> str:
    """Run ``code`` in a fresh interpreter that inherits this environment (as a pack's kernel does)."""
    script = f"from attain.data import load_dataset\nds = load_dataset({str(data)!r})\n{code}"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_notebooks_of_a_pack_open_the_tables_the_runner_checked(data, loads):
    with shared_data.for_pack(data) as ds:
        assert sorted(loads) == ["orders", "spend", "traffic"]        # checked once, by the runner
        ds.release()
        shared = Path(os.environ[shared_data.ENV])
        assert shared.is_file()
        mine = load_dataset(data)                                     # what a notebook does
        assert sorted(loads) == ["orders", "spend", "traffic"]        # not loaded again
        orders = mine.tables["orders"]
        assert (orders.rows, orders.date_min, orders.date_max) == (12, dt.date(2026, 1, 5),
                                                                   dt.date(2026, 4, 30))
        assert total(mine, "gmv") == pytest.approx(1080.5)
        assert total(mine, "orders") == 10
        assert total(mine, "new_buyers") == 4
        with pytest.raises(duckdb.Error, match="read-only"):          # nothing a notebook does changes them
            mine.con.execute("DELETE FROM orders")
        # each buyer's first order was worked out by the runner, once
        assert mine.con.execute("SELECT count(*) FROM _attain_first_orders").fetchall() == [(4,)]
        # another process (a kernel) opens the same file while this one has it open
        assert in_a_kernel(data, "print(ds.con.execute('SELECT count(*) FROM orders').fetchall())") == "[(12,)]\n"
        mine.release()
    # the copy holds customer ids: it is gone with the pack, and so is the variable
    assert not shared.exists() and not shared.parent.exists()
    assert shared_data.ENV not in os.environ


def test_the_copy_is_private_to_the_user(data):
    with shared_data.for_pack(data) as ds:
        ds.release()
        folder = Path(os.environ[shared_data.ENV]).parent
        assert folder.parent == Path(tempfile.gettempdir())
        assert folder.stat().st_mode & 0o077 == 0


def test_a_changed_export_is_checked_again(data, loads):
    with shared_data.for_pack(data) as ds:
        ds.release()
        with (data / "orders.csv").open("a", encoding="utf-8") as f:
            f.write("A11,c5,2026-05-01,-5.00,直播,美妆,一线城市,false,1\n")
        with pytest.raises(DataError, match="gmv"):                    # not hidden by the checked copy
            load_dataset(data)
        lines = (data / "orders.csv").read_text(encoding="utf-8").splitlines()
        (data / "orders.csv").write_text("\n".join([*lines[:-1], "A11,c5,2026-05-01,5.00,直播,美妆,一线城市,false,1"])
                                         + "\n", encoding="utf-8")
        mine = load_dataset(data)
        assert mine.tables["orders"].rows == 13
        assert total(mine, "gmv") == pytest.approx(1085.5)


def test_another_data_folder_is_loaded_as_usual(data, tmp_path, loads):
    other = tmp_path / "other"
    shutil.copytree(SMALL, other)
    with shared_data.for_pack(data) as ds:
        ds.release()
        loads.clear()
        assert load_dataset(other).tables["orders"].rows == 12
        assert sorted(loads) == ["orders", "spend", "traffic"]


def test_a_damaged_description_means_loading_as_usual(data, loads):
    with shared_data.for_pack(data) as ds:
        ds.release()
        Path(os.environ[shared_data.ENV]).with_suffix(".json").write_text("{", encoding="utf-8")
        loads.clear()
        assert total(load_dataset(data), "orders") == 10
        assert sorted(loads) == ["orders", "spend", "traffic"]


def test_refused_data_leave_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.delenv(shared_data.ENV, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("order_id,order_date,gmv\nA,2026-01-01,-3\n", encoding="utf-8")
    with pytest.raises(DataError, match="gmv"):
        with shared_data.for_pack(data):
            pass
    assert list((tmp_path / "tmp").iterdir()) == []
    assert shared_data.ENV not in os.environ


def test_a_killed_runner_s_copy_is_removed_by_the_next_pack(data, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    left = tmp_path / "tmp" / f"attain-duckdb-{int(gone.stdout)}-x1y2"
    left.mkdir()
    (left / "checked.duckdb").write_bytes(b"rows with customer ids")
    with shared_data.for_pack(data) as ds:
        ds.release()
        assert not left.exists()


def test_a_full_disk_while_sharing_still_gives_the_runner_its_data(data, monkeypatch, loads):
    real = Path.write_text

    def full(self, *args, **kwargs):
        if self.suffix == ".json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", full)
    with shared_data.for_pack(data) as ds:
        assert ds.tables["orders"].rows == 12
        assert shared_data.ENV not in os.environ                       # the notebooks load for themselves


def test_a_scheduled_job_shares_when_its_notebooks_read_one_folder(data, tmp_path):
    with shared_data.for_job([str(data), str(data)]):
        assert load_dataset(data).con.execute("SELECT count(*) FROM orders").fetchall() == [(12,)]
        assert Path(os.environ[shared_data.ENV]).is_file()
    assert shared_data.ENV not in os.environ
    for alone in ([str(data)], [str(data), str(tmp_path)]):             # one notebook, or two folders
        with shared_data.for_job(alone):
            assert shared_data.ENV not in os.environ


def test_a_scheduled_job_leaves_bad_data_to_its_notebooks(tmp_path, monkeypatch):
    monkeypatch.delenv(shared_data.ENV, raising=False)
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("order_id,order_date,gmv\nA,2026-01-01,-3\n", encoding="utf-8")
    with shared_data.for_job([str(data), str(data)]):                  # no error here: each run records it
        assert shared_data.ENV not in os.environ


@pytest.fixture
def full_temp(tmp_path, monkeypatch):
    """The temporary folder on a full 1 MB tmpfs (root), else None."""
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(tiny)],
                                           capture_output=True).returncode != 0:
        yield None
        return
    stat = os.statvfs(tiny)
    (tiny / "ballast").write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize))
    monkeypatch.setattr(tempfile, "tempdir", str(tiny))
    yield tiny
    monkeypatch.undo()
    subprocess.run(["umount", "-l", str(tiny)])


def _full_disk_or_injected(full_temp, monkeypatch):
    """Without a tmpfs, a full disk is injected where the loader writes a table into a file."""
    if full_temp is not None:
        return
    real = data_mod._load_table

    class Full:
        """A connection to a database file whose disk is full: writing a table fails."""
        def __init__(self, con):
            self.con = con

        def __getattr__(self, name):
            return getattr(self.con, name)

        def execute(self, sql, *args):
            on_file = self.con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                                       "current_database()").fetchall()[0][0]
            if on_file and sql.startswith("CREATE TABLE"):
                raise duckdb.IOException('IO Error: Could not write file "data.duckdb": No space left on device')
            return self.con.execute(sql, *args)

    def no_room(con, src):
        return real(Full(con), src)
    monkeypatch.setattr(data_mod, "_load_table", no_room)


def test_a_full_temp_disk_means_each_notebook_loads_for_itself(data, full_temp, monkeypatch):
    _full_disk_or_injected(full_temp, monkeypatch)
    with shared_data.for_pack(data) as ds:                 # small data: loaded in memory after all
        assert ds.tables["orders"].rows == 12
        assert total(ds, "gmv") == pytest.approx(1080.5)
        assert shared_data.ENV not in os.environ
    if full_temp is not None:
        assert [p.name for p in full_temp.iterdir()] == ["ballast"]      # nothing half-written left


def test_no_room_for_a_scratch_database_is_a_clear_error(data, full_temp, monkeypatch, tmp_path):
    _full_disk_or_injected(full_temp, monkeypatch)
    target = (full_temp or tmp_path) / "data.duckdb"
    with pytest.raises(DataError.__base__) as err:          # an AttainError: shown without a traceback
        load_dataset(data, database=target)
    text = str(err.value)
    assert "No space left on device" in text and "TMPDIR" in text and "data.duckdb" in text
