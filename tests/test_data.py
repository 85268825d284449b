"""Loading a data folder: the contract, mapping.yml, and clear errors for bad input."""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import os
from pathlib import Path

import pytest

from attain import scratch_db
from attain.data import load_dataset
from attain.errors import DataError
from attain.metrics import compute

HEADER = "order_id,customer_id,order_date,gmv,channel\n"


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(folder) -> str:
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    return str(info.value)


def test_small_fixture_loads_with_summary():
    ds = load_dataset("tests/fixtures/data/small")
    q = ds.quality().set_index("table")
    assert q.loc["orders", "rows"] == 12
    assert ds.date_range("orders") == (dt.date(2026, 1, 5), dt.date(2026, 4, 30))
    assert ds.date_range("traffic") == (dt.date(2026, 1, 5), dt.date(2026, 4, 3))
    # 2 guest rows of 12 have no customer; 1 traffic row of 6 has no sessions
    assert "customer_id 16.7%" in q.loc["orders", "empty_values"]
    assert "sessions 16.7%" in q.loc["traffic", "empty_values"]


def test_missing_folder(tmp_path):
    msg = error_of(tmp_path / "nope")
    assert "does not exist" in msg and "attain sample" in msg


def test_no_orders_table(tmp_path):
    write(tmp_path, "traffic.csv", "date,channel,uv,pv\n2026-01-01,a,1,1\n")
    assert "no orders table" in error_of(tmp_path)


def test_unknown_table_file(tmp_path):
    write(tmp_path, "orders.csv", HEADER + "A,c,2026-01-01,1,x\n")
    write(tmp_path, "ordres.csv", HEADER)
    msg = error_of(tmp_path)
    assert "ordres.csv" in msg and "not a table of the data contract" in msg


def test_two_files_for_one_table(tmp_path):
    write(tmp_path, "orders.csv", HEADER + "A,c,2026-01-01,1,x\n")
    write(tmp_path, "orders.csv.gz", HEADER + "A,c,2026-01-01,1,x\n")
    assert "two files hold table 'orders'" in error_of(tmp_path)


def test_missing_required_column_names_file_and_column(tmp_path):
    write(tmp_path, "orders.csv", "order_id,customer_id,date,gmv\nA,c,2026-01-01,1\n")
    msg = error_of(tmp_path)
    assert "orders.csv" in msg and "order_date" in msg and "the file has: order_id, customer_id, date, gmv" in msg


@pytest.mark.parametrize("rows, words", [
    ("A,c,2026-01-01,1,x\nB,c,someday,2,x\nC,c,2026-13-45,3,x\n", ["order_date", "not a date/time", "line 3", "'someday'", "line 4"]),
    ("A,c,2026-01-01,1,x\nB,c,2026-01-02,-5,x\n", ["gmv", "negative", "line 3", "'-5'"]),
    ("A,c,2026-01-01,abc,x\n", ["gmv", "not a number", "'abc'"]),
    ("A,c,2026-01-01,1,x\n,c,2026-01-02,2,x\n", ["order_id", "empty value", "line 3"]),
])
def test_bad_rows_are_named(tmp_path, rows, words):
    write(tmp_path, "orders.csv", HEADER + rows)
    msg = error_of(tmp_path)
    assert "orders.csv" in msg
    for w in words:
        assert w in msg


def test_bad_bool_and_count(tmp_path):
    write(tmp_path, "orders.csv", "order_id,order_date,gmv,returned\nA,2026-01-01,1,maybe\n")
    write(tmp_path, "traffic.csv", "date,channel,uv,pv\n2026-01-01,a,1.5,3\n")
    msg = error_of(tmp_path)
    assert "returned" in msg and "not true/false" in msg


def test_fractional_visitors(tmp_path):
    write(tmp_path, "orders.csv", "order_id,order_date,gmv\nA,2026-01-01,1\n")
    write(tmp_path, "traffic.csv", "date,channel,uv,pv\n2026-01-01,a,1.5,3\n")
    msg = error_of(tmp_path)
    assert "traffic.csv" in msg and "uv" in msg and "not a whole number" in msg


def test_empty_table(tmp_path):
    write(tmp_path, "orders.csv", HEADER)
    assert "no rows" in error_of(tmp_path)


def test_defaults_and_formats(tmp_path):
    # slash dates, upper-case headers with spaces, empty channel, gzip
    write(tmp_path, "orders.csv.gz",
          " Order_ID ,Order_Date,GMV,Channel,Returned\nA,2026/01/02 10:00:00,10.5,,是\nB,2026/01/03,4.5,KOL,否\n")
    ds = load_dataset(tmp_path)
    frame = compute(ds, ["gmv", "returned_gmv", "buyers"], by=["channel"]).set_index("channel")
    assert frame.loc["unknown", "gmv"] == 10.5 and frame.loc["unknown", "returned_gmv"] == 10.5
    assert frame.loc["KOL", "returned_gmv"] == 0 and frame["buyers"].sum() == 0   # no customer column
    assert ds.date_range() == (dt.date(2026, 1, 2), dt.date(2026, 1, 3))


def test_ids_keep_leading_zeros(tmp_path):
    write(tmp_path, "orders.csv", "order_id,customer_id,order_date,gmv\n007,0042,2026-01-01,1\n7,42,2026-01-01,1\n")
    ds = load_dataset(tmp_path)
    assert compute(ds, ["orders", "buyers"]).iloc[0].tolist() == [2, 2]


# --- mapping.yml ---------------------------------------------------------------------------

RAW = ("InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Country\n"
       "536365,17850,12/1/2010 8:26,6,2.55,United Kingdom\n"
       "536365,17850,12/1/2010 8:26,2,3.39,United Kingdom\n"
       "C536379,17850,12/1/2010 9:41,-1,27.5,United Kingdom\n"
       "536380,,12/2/2010 10:00,3,1.25,France\n")

MAPPING = """orders:
  file: raw.csv
  columns:
    order_id: InvoiceNo
    customer_id: CustomerID
    order_date: strptime(InvoiceDate, '%m/%d/%Y %H:%M')
    gmv: Quantity * UnitPrice
    region: Country
  where: "Quantity > 0 AND UnitPrice > 0"
"""


def test_mapping_maps_a_raw_export(tmp_path):
    write(tmp_path, "raw.csv", RAW)
    write(tmp_path, "mapping.yml", MAPPING)
    ds = load_dataset(tmp_path)
    # kept: 536365 (6*2.55 + 2*3.39 = 22.08) and guest 536380 (3*1.25 = 3.75); the cancellation is filtered
    frame = compute(ds, ["gmv", "orders", "buyers"], grain="day", by=["region"])
    assert frame.to_dict("records") == [
        {"day": "2010-12-01", "region": "United Kingdom", "gmv": pytest.approx(22.08), "orders": 1, "buyers": 1},
        {"day": "2010-12-02", "region": "France", "gmv": pytest.approx(3.75), "orders": 1, "buyers": 0},
    ]
    assert ds.quality().set_index("table").loc["orders", "filtered_out"] == 1


@pytest.mark.parametrize("mapping, words", [
    (MAPPING.replace("Quantity * UnitPrice", "Quantity * NoSuchColumn"),
     ["mapping.yml", "orders.columns.gmv", "NoSuchColumn", "InvoiceNo"]),
    (MAPPING.replace("region: Country", "country: Country"), ["orders.columns.country", "not a column"]),
    (MAPPING.replace("file: raw.csv", "file: missing.csv"), ["missing.csv", "does not exist"]),
    (MAPPING.replace("orders:", "sales:"), ["unknown table 'sales'"]),
    (MAPPING.replace('"Quantity > 0 AND UnitPrice > 0"', '"Quantity >>> 0"'), ["orders.where"]),
    ("orders: [1, 2\n", ["not valid YAML"]),
    (MAPPING.replace("    order_id: InvoiceNo\n", ""), ["order_id", "required column"]),
    (MAPPING.replace("strptime(InvoiceDate, '%m/%d/%Y %H:%M')", "InvoiceDate"), ["order_date", "not a date/time", "12/1/2010 8:26"]),
])
def test_mapping_errors(tmp_path, mapping, words):
    write(tmp_path, "raw.csv", RAW)
    write(tmp_path, "mapping.yml", mapping)
    msg = error_of(tmp_path)
    for w in words:
        assert w in msg, msg


def test_non_utf8_file_says_so(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "orders.csv").write_bytes("order_id,order_date,gmv,region\nA,2026-01-01,1,Saint-Étienne\n"
                                          .encode("latin-1"))
    msg = error_of(tmp_path)
    assert "orders.csv" in msg and "not utf-8" in msg and "UTF-8" in msg


def test_mapping_types_are_sniffed_from_the_whole_file(tmp_path):
    # 25,000 numeric invoice numbers, then a cancellation 'C…': a sample-based sniffer would
    # type the column as a number and fail on the last line
    lines = [f"{536000 + i},17850,12/1/2010 8:26,1,2.5,UK" for i in range(25000)]
    lines.append("C999999,17850,12/2/2010 9:00,-1,2.5,UK")
    write(tmp_path, "raw.csv", "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice,Country\n" + "\n".join(lines) + "\n")
    write(tmp_path, "mapping.yml", MAPPING.replace('"Quantity > 0 AND UnitPrice > 0"',
                                                   "\"NOT starts_with(InvoiceNo, 'C')\""))
    ds = load_dataset(tmp_path)
    assert compute(ds, ["orders"]).iloc[0]["orders"] == 25000


# --- large data go through a scratch database file (attain.scratch_db) --------------------------------------

SMALL_DIR = Path(__file__).parent / "fixtures" / "data" / "small"

def test_large_data_go_through_a_scratch_file_that_is_removed(monkeypatch, tmp_path):
    monkeypatch.setattr(scratch_db, "SPILL_FROM_BYTES", 0)        # the small fixture counts as large
    ds = load_dataset(SMALL_DIR)
    folder = Path(ds.con.execute("PRAGMA database_list").fetchall()[0][2]).parent
    assert folder.name.startswith(f"attain-duckdb-{os.getpid()}-") and folder.is_dir()
    assert int(compute(ds, ["orders"])["orders"].iloc[0]) == 10    # A1 … A10 in the fixture
    del ds
    gc.collect()
    assert not folder.exists()
    # a row error keeps the file's row numbers: the 5th data row (A4, line 6) is the bad one
    bad = tmp_path / "bad"
    bad.mkdir()
    lines = (SMALL_DIR / "orders.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace(",80.00,", ",-80.00,")
    (bad / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 5 \(line 6\): '-80.00'"):
        load_dataset(bad)
    assert not list(Path(folder.parent).glob(f"attain-duckdb-{os.getpid()}-*"))     # removed on failure too
    monkeypatch.setenv("ATTAIN_DUCKDB_MEMORY", "lots")
    with pytest.raises(DataError, match="ATTAIN_DUCKDB_MEMORY"):
        load_dataset(SMALL_DIR)


def test_a_scratch_folder_of_a_dead_process_is_swept(tmp_path):
    dead, alive = tmp_path / "attain-duckdb-999999999-x", tmp_path / f"attain-duckdb-{os.getpid()}-y"
    dead.mkdir()
    alive.mkdir()
    scratch_db.sweep(tmp_path)
    assert not dead.exists() and alive.exists()
