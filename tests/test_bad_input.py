"""The bad-input corpus: one broken thing per case, run through the real `attain` CLI.

Every case copies the small fixture data (tests/fixtures/data/small) and the plan files (data/plan) into a
temporary folder, breaks one thing, runs `attain validate | run | lint-goals | schedule list` in a subprocess
and asserts: a non-zero exit, a message that names the file and the row/column/key and says what to do, no
Python traceback, and a report published once for this module unchanged byte for byte.

Decisions documented here (a careful analyst's):
- orders dated after the day the command runs are an error (`attain validate`; an export cannot hold orders
  from the future: a typo like 2062); orders after a report's as_of are not (re-rendering a past period is
  normal; the reports cut at as_of);
- several rows with one order_id are order lines (the contract allows them); two traffic rows for one day
  and channel are refused (they would be counted twice);
- amounts or counts of 10^15 or more, inf and nan are refused (a mangled export, e.g. Excel's 1.23E+20).

The safe auto-fixes (UTF-8 BOM, GBK, thousands separators) are tested at the end: the values loaded, the
note on stderr and in the quality table, and a near miss that is still refused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from attain import paths
from attain.data import load_dataset
from attain.errors import DataError

ROOT = paths.project_root()
ATTAIN = str(Path(sys.executable).parent / "attain")
SMALL = ROOT / "tests" / "fixtures" / "data" / "small"
PLAN = ROOT / "data" / "plan"
TODAY = "2026-11-26"      # --today for `attain validate`: fixed, so the future-date case does not depend on the clock
SCHEDULE = """jobs:
  weekly:
    cron: "0 8 * * mon"
    notebooks: [03_tracking]
    params: {period: "{quarter}", cadence: weekly}
"""
MAPPING = """orders:
  file: export.csv
  columns:
    order_id: Invoice
    order_date: Day
    gmv: Qty * Price
"""
EXPORT = "Invoice,Day,Qty,Price\nX1,2026-01-05,2,10.5\nX2,2026-01-06,1,3\n"
WHAT_TO_DO = ("What to do", "allowed:", "expected", "choose one of", "write ")


# --------------------------------------------------------------------------- helpers

def edit(path: Path, old: str, new: str, count: int = 1) -> list:
    """Replace the first ``old`` in a copied file (the breaking helpers return no extra arguments: [])."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return []


def add_line(path: Path, line: str) -> list:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return []


def replace_file(path: Path, data: bytes | str) -> list:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return []


def copy(src: Path, dst: Path) -> list:
    shutil.copy(src, dst)
    return []


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Env:
    """The copies a case may break: data/ (small fixture), plan/ (data/plan), schedule.yml; reports/ is the
    published folder (not to be touched by any case)."""
    data: Path
    plan: Path
    schedule: Path
    reports: Path


@dataclass
class Case:
    id: str
    command: str                       # validate | plan | run | lint | schedule
    breaks: Callable[[Env], list[str] | None]   # breaks one thing; may return extra arguments
    names: tuple[str, ...]             # the message must contain each (file, row/column/key, ...)


def _args(case: Case, env: Env, extra: list[str]) -> list[str]:
    if case.command == "validate":
        return ["validate", "--data", str(env.data), "--today", TODAY, *extra]
    if case.command == "plan":
        return ["validate", "--data", str(env.data), "--today", TODAY, "--plan", str(env.plan), *extra]
    if case.command == "lint":
        return ["lint-goals", "--strict", "--no-forecast", "--plan", str(env.plan), "--data", str(env.data), *extra]
    if case.command == "schedule":
        return ["schedule", "list", "--schedule", str(env.schedule), "--now", "2026-08-15T00:00", *extra]
    if case.command == "run":
        nb = extra[0] if extra and not extra[0].startswith("-") else "01"
        rest = extra[1:] if extra and not extra[0].startswith("-") else extra
        return ["run", nb, "--data", str(env.data), "--plan", str(env.plan), "--out", str(env.reports), *rest]
    raise ValueError(case.command)


# --------------------------------------------------------------------------- the corpus

def _orders(env: Env) -> Path:
    return env.data / "orders.csv"


CASES: list[Case] = [
    # --- data files
    Case("missing-column", "validate",
         lambda e: replace_file(_orders(e), "order_id,order_date,channel\nA1,2026-01-05,直播\n"),
         ("orders.csv", "gmv", "missing")),
    Case("renamed-column", "validate", lambda e: edit(_orders(e), "order_date,gmv", "orderdate,gmv"),
         ("orders.csv", "order_date", "orderdate")),
    Case("missing-column-run", "run",
         lambda e: only(e) + replace_file(_orders(e), "order_id,order_date,channel\nA1,2026-01-05,直播\n"),
         ("orders.csv", "gmv", "missing")),
    Case("text-in-amount", "validate", lambda e: edit(_orders(e), ",200.00,", ",two hundred,"),
         ("orders.csv", "gmv", "row 3", "two hundred")),
    Case("bare-comma-decimal", "validate", lambda e: edit(_orders(e), ",200.00,", ',"200,5",'),
         ("orders.csv", "gmv", "not a number", "200,5")),
    Case("fraction-in-count", "validate", lambda e: edit(e.data / "traffic.csv", ",1000,4000,", ",1000.5,4000,"),
         ("traffic.csv", "uv", "whole number", "1000.5")),
    Case("bad-bool", "validate", lambda e: edit(_orders(e), ",true,20", ",maybe,20"),
         ("orders.csv", "returned", "maybe")),
    Case("unparseable-date", "validate", lambda e: edit(_orders(e), "2026-01-10,", "2026-13-45,"),
         ("orders.csv", "order_date", "2026-13-45", "row 3")),
    Case("day-first-date", "validate", lambda e: edit(e.data / "spend.csv", "2026-01-10,", "31/01/2026,"),
         ("spend.csv", "date", "31/01/2026")),
    Case("future-date", "validate", lambda e: edit(_orders(e), "2026-01-20 23:59:59", "2062-01-20 23:59:59"),
         ("orders.csv", "order_date", "after today", "row 4", "2062-01-20")),
    Case("negative-amount", "validate", lambda e: edit(_orders(e), ",200.00,", ",-200.00,"),
         ("orders.csv", "gmv", "negative", "-200.00")),
    Case("empty-required-value", "validate", lambda e: edit(_orders(e), "A2,c2,", ",c2,"),
         ("orders.csv", "order_id", "empty", "row 3")),
    Case("duplicate-traffic-day", "validate",
         lambda e: add_line(e.data / "traffic.csv", "2026-01-05,直播,10,40,12,3"),
         ("traffic.csv", "date", "channel", "2026-01-05", "twice")),
    Case("empty-file", "validate", lambda e: replace_file(_orders(e), b""), ("orders.csv", "empty")),
    Case("header-only", "validate",
         lambda e: replace_file(_orders(e), _orders(e).read_text(encoding="utf-8").splitlines()[0] + "\n"),
         ("orders.csv", "no rows")),
    Case("latin1-encoding", "validate",
         lambda e: replace_file(_orders(e), "order_id,order_date,gmv,region\nA,2026-01-01,1,Saint-Étienne\n"
                                .encode("latin-1")),
         ("orders.csv", "line 2", "not utf-8", "UTF-8")),
    Case("utf16-encoding", "validate",
         lambda e: replace_file(_orders(e), _orders(e).read_text(encoding="utf-8").encode("utf-16")),
         ("orders.csv", "line 1", "UTF-8")),
    Case("huge-amount", "validate", lambda e: edit(_orders(e), ",200.00,", ",1e300,"),
         ("orders.csv", "gmv", "implausibly large", "1e300")),
    Case("infinite-amount", "validate", lambda e: edit(_orders(e), ",200.00,", ",inf,"),
         ("orders.csv", "gmv", "infinite", "inf")),
    Case("count-overflow", "validate", lambda e: edit(e.data / "traffic.csv", ",1000,4000,", ",1e30,4000,"),
         ("traffic.csv", "uv", "1e30")),
    Case("folder-instead-of-file", "validate",
         lambda e: (_orders(e).unlink(), _orders(e).mkdir()) and None, ("orders.csv", "folder")),
    Case("unknown-extra-file", "validate", lambda e: replace_file(e.data / "notes.csv", "a,b\n1,2\n"),
         ("notes.csv", "not a table", "mapping.yml")),
    Case("two-files-one-table", "validate",
         lambda e: copy(_orders(e), e.data / "orders.csv.gz"), ("orders", "two files")),
    Case("no-orders", "validate", lambda e: _orders(e).unlink(), ("orders", "required")),
    Case("not-a-parquet-file", "validate",
         lambda e: (_orders(e).unlink(), replace_file(e.data / "orders.parquet", "this is not parquet")) and None,
         ("orders.parquet", "cannot be read")),
    Case("data-folder-missing", "run", lambda e: shutil.rmtree(e.data), ("data", "does not exist", "--data")),
    # --- mapping.yml
    Case("mapping-unknown-column", "validate",
         lambda e: _mapping(e, MAPPING.replace("gmv: Qty * Price", "amount: Qty * Price")),
         ("mapping.yml", "orders.columns.amount", "columns of orders")),
    Case("mapping-sql-syntax-error", "validate",
         lambda e: _mapping(e, MAPPING.replace("Qty * Price", "Qty * * Price")),
         ("mapping.yml", "orders.columns.gmv", "Qty * * Price")),
    Case("mapping-unknown-source-column", "run",
         lambda e: only(e) + _mapping(e, MAPPING.replace("Qty * Price", "Quantity * Price")),
         ("mapping.yml", "orders.columns.gmv", "Quantity", "Invoice, Day, Qty, Price")),
    Case("mapping-missing-file", "validate", lambda e: _mapping(e, MAPPING.replace("export.csv", "exprt.csv")),
         ("mapping.yml", "orders.file", "exprt.csv")),
    Case("mapping-bad-yaml", "validate", lambda e: _mapping(e, MAPPING.replace("  file:", "file:")),
         ("mapping.yml", "YAML")),
    Case("mapping-unknown-table", "validate", lambda e: _mapping(e, MAPPING.replace("orders:", "ordres:")),
         ("mapping.yml", "ordres", "orders")),
    Case("mapping-bad-filter", "validate",
         lambda e: _mapping(e, MAPPING + "  where: Qty >>> 0\n"), ("mapping.yml", "orders.where")),
    # --- plan files: `attain run 02` checks goals.yaml, plan.yaml and budget.yaml before any kernel starts;
    #     `attain validate --plan` checks every plan file (here a copy holding only the broken one)
    Case("goals-bad-yaml", "run", lambda e: run02(e) + edit(e.plan / "goals.yaml", "    metric: gmv\n", "    metric gmv: [\n"),
         ("goals.yaml", "line", "YAML")),
    Case("goals-duplicate-id", "run", lambda e: run02(e) + edit(e.plan / "goals.yaml", "- id: G02", "- id: G01"),
         ("goals.yaml", "G01", "twice")),
    Case("goals-revision-before-creation", "run",
         lambda e: run02(e) + edit(e.plan / "goals.yaml", "\n      - {date: 2026-04-10,", "\n      - {date: 2025-12-10,"),
         ("goals.yaml", "G02", "revisions", "2025-12-10")),
    Case("goals-unknown-key", "run", lambda e: run02(e) + edit(e.plan / "goals.yaml", "    owner: 陈静", "    ownr: 陈静"),
         ("goals.yaml", "G02", "ownr")),
    Case("goals-bad-priority", "run", lambda e: run02(e) + edit(e.plan / "goals.yaml", "priority: 1", "priority: 5"),
         ("goals.yaml", "G01", "priority")),
    Case("goals-unknown-metric", "lint",
         lambda e: edit(e.plan / "goals.yaml", "    metric: gmv\n    scope: {channel: 直播}",
                        "    metric: gmvv\n    scope: {channel: 直播}"),
         ("goals.yaml", "G02", "gmvv")),
    Case("goals-bad-period", "lint", lambda e: edit(e.plan / "goals.yaml", 'period: "2026-Q3"', 'period: "2026-Q5"'),
         ("goals.yaml", "G02", "'2026-Q5' is not a period")),
    Case("goals-two-owners", "lint", lambda e: edit(e.plan / "goals.yaml", "owner: 陈静", "owner: 陈静/张伟"),
         ("goals.yaml", "G02", "several owners (陈静, 张伟)")),
    Case("goals-target-in-words", "lint",
         lambda e: edit(e.plan / "goals.yaml", "    target: 7000000", "    target: a lot more"),
         ("goals.yaml", "G02", "a lot more", "not a number")),
    Case("plan-action-ends-before-start", "run",
         lambda e: run02(e) + edit(e.plan / "plan.yaml", "start: 2026-03-01, end: 2026-12-31",
                                   "start: 2027-03-01, end: 2026-12-31"),
         ("plan.yaml", "module", "before", "2027-03-01")),
    Case("budget-negative-total", "run", lambda e: run02(e) + edit(e.plan / "budget.yaml", "total: 28000000", "total: -5"),
         ("budget.yaml", "total")),
    Case("budget-text-amount", "run",
         lambda e: run02(e) + edit(e.plan / "budget.yaml", "  直播: 7000000", "  直播: seven million"),
         ("budget.yaml", "直播")),
    Case("swot-unknown-section", "plan", lambda e: only(e, "swot.yaml") + edit(e.plan / "swot.yaml", "strengths:", "strenghts:"),
         ("swot.yaml", "strenghts")),
    Case("risks-likelihood-out-of-range", "plan",
         lambda e: only(e, "risks.yaml") + edit(e.plan / "risks.yaml", "likelihood: 4", "likelihood: 9"),
         ("risks.yaml", "R01", "likelihood")),
    Case("checkins-bad-date", "plan",
         lambda e: only(e, "checkins.yaml") + edit(e.plan / "checkins.yaml", "date: 2026-03-10", "date: 2026-03-40"),
         ("checkins.yaml", "date", "2026-03-40")),
    Case("retro-file-misnamed", "plan",
         lambda e: only(e, "retro") + copy(e.plan / "retro" / "2026-Q1.yaml", e.plan / "retro" / "q1.yaml"),
         ("q1.yaml", "quarter")),
    # --- schedule.yml
    Case("schedule-bad-cron", "schedule", lambda e: edit(e.schedule, '"0 8 * * mon"', '"0 8 * mon"'),
         ("schedule.yml", "weekly", "cron")),
    Case("schedule-unknown-notebook", "schedule", lambda e: edit(e.schedule, "[03_tracking]", "[07_forecast]"),
         ("schedule.yml", "weekly", "07_forecast")),
    Case("schedule-bad-template", "schedule", lambda e: edit(e.schedule, "{quarter}", "{quater}"),
         ("schedule.yml", "weekly", "quater")),
    Case("schedule-unknown-parameter", "schedule", lambda e: edit(e.schedule, "cadence: weekly", "cadense: weekly"),
         ("schedule.yml", "weekly", "cadense")),
    # --- command-line parameters of attain run
    Case("param-unknown-name", "run", lambda e: ["-p", "lookback=12"], ("lookback", "allowed:")),
    Case("param-not-key-value", "run", lambda e: ["-p", "as_of"], ("as_of", "key=value")),
    Case("param-bad-date", "run", lambda e: ["--as-of", "2026-02-30"], ("as_of", "2026-02-30", "YYYY-MM-DD")),
    Case("param-bad-period", "run", lambda e: ["02", "--period", "2026-Q5"], ("period", "2026-Q5", "YYYY-Qn")),
    Case("param-bad-number", "run", lambda e: ["-p", "lookback_months=two"], ("lookback_months", "two")),
    Case("unknown-notebook", "run", lambda e: ["07_forecast"], ("07_forecast", "choose one of")),
]


def run02(env: Env) -> list[str]:
    """`attain run 02`: its preflight reads goals.yaml, plan.yaml and budget.yaml before any kernel."""
    return ["02", "--as-of", "2026-04-30"]


def only(env: Env, *keep: str) -> list:
    """Leave only ``keep`` in the plan copy (`attain validate --plan` then imports only their loaders)."""
    for path in env.plan.iterdir():
        if path.name not in keep:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    return []


def _mapping(env: Env, text: str) -> list:
    for name in ("orders.csv", "traffic.csv", "spend.csv"):
        (env.data / name).unlink()
    replace_file(env.data / "export.csv", EXPORT)
    return replace_file(env.data / "mapping.yml", text)


# --------------------------------------------------------------------------- fixtures and the test

@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """One real report, published once for this module (01 on the small data)."""
    out = tmp_path_factory.mktemp("published") / "reports"
    for _attempt in range(2):   # a kernel can lose a race for its port on a busy machine: try once more
        proc = subprocess.run([ATTAIN, "run", "01", "--data", str(SMALL), "--as-of", "2026-04-30", "--out", str(out)],
                              capture_output=True, text=True, cwd=ROOT, timeout=600)
        if proc.returncode == 0:
            break
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "2026-04" / "01_situation_analysis.html").is_file()
    return out


@pytest.fixture
def env(tmp_path, published) -> Env:
    shutil.copytree(SMALL, tmp_path / "data")
    shutil.copytree(PLAN, tmp_path / "plan", ignore=shutil.ignore_patterns("targets"))
    (tmp_path / "schedule.yml").write_text(SCHEDULE, encoding="utf-8")
    return Env(tmp_path / "data", tmp_path / "plan", tmp_path / "schedule.yml", published)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 45
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_clearly(case: Case, env: Env):
    extra = case.breaks(env) or []
    before = tree_hashes(env.reports)
    proc = subprocess.run([ATTAIN, *_args(case, env, extra)], capture_output=True, text=True, cwd=env.data.parent,
                          timeout=120)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0, said
    assert "Traceback" not in said, said
    for word in case.names:
        assert word in said, f"{word!r} not in:\n{said}"
    assert any(w in said for w in WHAT_TO_DO), said
    assert tree_hashes(env.reports) == before


# --------------------------------------------------------------------------- safe auto-fixes

ORDERS_HEAD = "order_id,order_date,gmv,channel\n"


def _validate(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ATTAIN, "validate", "--data", str(folder), "--today", TODAY],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def _gmv_by_channel(folder: Path) -> dict[str, float]:
    ds = load_dataset(folder)
    rows = ds.con.execute("SELECT channel, SUM(gmv) FROM orders GROUP BY 1 ORDER BY 1").fetchall()
    return {c: round(v, 2) for c, v in rows}


def test_a_bom_is_ignored_and_said(tmp_path):
    (tmp_path / "orders.csv").write_bytes(b"\xef\xbb\xbf" + (ORDERS_HEAD + "A1,2026-01-05,100.5,直播\n"
                                                             "A2,2026-01-06,20,私域\n").encode("utf-8"))
    assert _gmv_by_channel(tmp_path) == {"直播": 100.5, "私域": 20.0}
    proc = _validate(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "byte-order mark" in proc.stderr and "orders.csv" in proc.stderr
    assert "byte-order mark" in proc.stdout      # the notes column of the quality table


GBK_ROWS = ORDERS_HEAD + "A1,2026-01-05,100.5,直播\nA2,2026-01-06,20,私域\nA3,2026-01-07,9.5,直播\n"


def test_a_gbk_file_from_excel_is_converted_and_said(tmp_path):
    (tmp_path / "orders.csv").write_bytes(GBK_ROWS.encode("gbk"))
    assert _gmv_by_channel(tmp_path) == {"直播": 110.0, "私域": 20.0}    # 100.5 + 9.5; 20
    proc = _validate(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "read as GBK" in proc.stderr and "converted to UTF-8" in proc.stderr and "orders.csv" in proc.stderr
    assert "read as GBK" in proc.stdout


def test_the_gbk_copy_is_private_and_follows_the_file(tmp_path):
    from attain.csvfix import readable_csv
    src = tmp_path / "orders.csv"
    src.write_bytes(GBK_ROWS.encode("gbk"))
    copy, notes = readable_csv(src, cache=tmp_path / "cache")
    assert copy.read_text(encoding="utf-8") == GBK_ROWS and notes and copy.stat().st_mode & 0o077 == 0
    assert readable_csv(src, cache=tmp_path / "cache")[0] == copy        # unchanged: the same copy
    src.write_bytes((GBK_ROWS + "A4,2026-01-08,1,私域\n").encode("gbk"))
    newer = readable_csv(src, cache=tmp_path / "cache")[0]
    assert newer != copy and not copy.exists() and newer.read_text(encoding="utf-8").endswith("私域\n")


def test_a_latin1_file_is_not_taken_for_gbk(tmp_path):
    (tmp_path / "orders.csv").write_bytes((ORDERS_HEAD + "A1,2026-01-05,1,Saint-Étienne\n").encode("latin-1"))
    with pytest.raises(DataError, match="not utf-8"):
        load_dataset(tmp_path)


def test_thousands_separators_are_read_and_said(tmp_path):
    (tmp_path / "orders.csv").write_text(ORDERS_HEAD + 'A1,2026-01-05,"1,234.50",直播\n'
                                         'A2,2026-01-06,"12,345",私域\nA3,2026-01-07,-0,私域\n'
                                         'A4,2026-01-08,"1,000,000.25",直播\n', encoding="utf-8")
    (tmp_path / "traffic.csv").write_text('date,channel,uv,pv\n2026-01-05,直播,"1,200","12,000"\n', encoding="utf-8")
    assert _gmv_by_channel(tmp_path) == {"直播": 1001234.75, "私域": 12345.0}   # 1234.50 + 1000000.25; 12345
    ds = load_dataset(tmp_path)
    assert ds.con.execute("SELECT uv, pv FROM traffic").fetchall() == [(1200, 12000)]
    proc = _validate(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "column 'gmv': 3 value(s) written with thousands separators" in proc.stderr
    assert "column 'uv': 1 value(s)" in proc.stderr and "column 'pv': 1 value(s)" in proc.stderr
    assert "thousands separators" in proc.stdout


@pytest.mark.parametrize("value", ["1,5", "1,2345", "12,34.5", "1,234,5", ",123", "1.234,50"])
def test_near_misses_of_thousands_separators_are_refused(tmp_path, value):
    (tmp_path / "orders.csv").write_text(ORDERS_HEAD + f'A1,2026-01-05,"{value}",直播\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert "column 'gmv'" in str(info.value) and "not a number" in str(info.value) and value in str(info.value)


def test_rows_after_as_of_but_not_after_today_are_accepted(tmp_path):
    """The not-firing side of the future-date case: a row dated 2062 loads when today is later; reports cut at
    as_of on their own, so rows after a report's as_of are never refused."""
    shutil.copytree(SMALL, tmp_path / "data")
    edit(tmp_path / "data" / "orders.csv", "2026-01-20 23:59:59", "2062-01-20 23:59:59")
    proc = subprocess.run([ATTAIN, "validate", "--data", str(tmp_path / "data"), "--today", "2070-01-01"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "2062-01-20" in proc.stdout      # the quality table's 'to' column


def test_values_near_the_limits_load(tmp_path):
    """The not-firing side of the size and duplicate checks: just below 10^15, and one row per day and channel."""
    (tmp_path / "orders.csv").write_text(ORDERS_HEAD + "A1,2026-01-05,999999999999999,直播\n", encoding="utf-8")
    (tmp_path / "traffic.csv").write_text("date,channel,uv,pv\n2026-01-05,直播,999999999999999,1\n"
                                          "2026-01-05,私域,1,1\n2026-01-06,直播,1,1\n", encoding="utf-8")
    ds = load_dataset(tmp_path)
    assert ds.con.execute("SELECT gmv FROM orders").fetchall() == [(999999999999999.0,)]
    assert ds.con.execute("SELECT SUM(uv) FROM traffic").fetchone()[0] == 999999999999999 + 2


def test_a_clean_file_gets_no_notes(tmp_path):
    shutil.copytree(SMALL, tmp_path / "data")
    proc = _validate(tmp_path / "data")
    assert proc.returncode == 0 and proc.stderr == ""
    ds = load_dataset(tmp_path / "data")
    assert set(ds.quality()["notes"]) == {"-"}
