"""Secrets and privacy: nothing from the environment or a customer's identity reaches an output, parameters are
data, and customer tables hide groups too small to be anonymous.

1. *Secrets*: the shared sample render (``published`` in conftest.py) runs with ``PLANTED_SECRETS`` in its
   environment (webhook URL with a token, warehouse URL with a password, AWS keys, a Spark Connect token).
   Every file it writes — HTML, executed notebooks, Excel (unzipped), alerts.json, runs.jsonl, the query cache
   (Parquet, read back), the index — and its stdout/stderr are scanned for each secret and each distinctive
   part of it (token, password, key), plain and URL-, HTML-, JSON- and base64-encoded. A control file that
   holds a secret in each form is caught by the same scan.
2. *Parameters are data*: values that are Python code, with quotes, newlines and triple quotes, given with
   ``-p`` to ``attain run`` and in ``schedule.yml`` (``attain schedule run``) in a throw-away project whose
   notebooks are the stand-in tests/fixtures/notebooks/scheduled.ipynb, are refused with a clear message or
   injected as string literals; the marker file their code would create never appears.
3. *Customer ids*: the sample's ids (read from data/sample/orders.parquet with pyarrow alone) appear in no
   output of the sample render.
4. *Small groups*: hand-made customer frames show that a group of K - 1 buyers is hidden and one of K shown.
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import PLANTED_SECRETS

from attain import customers, redaction, viz_customers
from attain.customers import Customers
from attain.params import NOTEBOOKS
from attain.situation import Window

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).parent / "fixtures"
STAND_IN = FIXTURES / "notebooks" / "scheduled.ipynb"
SMALL = FIXTURES / "data" / "small"
PLAN = Path(__file__).parents[1] / "data" / "plan"
_PART = re.compile(r"(?:TOKEN|PASSWORD|SECRET|SIGN)-\w+|AKIA[A-Z0-9]{16}")
_CUSTOMER_ID = re.compile(rb"(?<![A-Za-z0-9])C\d{8}(?![A-Za-z0-9])")


# --- scanning ----------------------------------------------------------------------------------------------

def _base64_cores(raw: bytes) -> list[bytes]:
    """The base64 text of ``raw`` at each of the three alignments it can have inside a longer blob: only the
    characters made of ``raw``'s bits alone (standard and URL-safe alphabets)."""
    cores = []
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + raw)
        core = enc[-(-8 * shift // 6):(8 * (shift + len(raw))) // 6]
        cores += [core, core.translate(bytes.maketrans(b"+/", b"-_"))]
    return cores


def forms(text: str) -> dict[str, bytes]:
    """``text`` as it could be written: plain, URL-, HTML- and JSON-escaped, base64 (label -> bytes)."""
    out = {"plain": text, "url": quote(text, safe=""), "url+": quote_plus(text), "html": html.escape(text),
           "json": json.dumps(text)[1:-1]}
    found = {k: v.encode("utf-8") for k, v in out.items()}
    found.update({f"base64.{i}": core for i, core in enumerate(_base64_cores(text.encode("utf-8")))})
    return found


def needles(secrets: dict[str, str]) -> dict[str, bytes]:
    """Each secret and each distinctive part of it (tokens, password, keys) in every form: label -> bytes."""
    found = {}
    for name, value in secrets.items():
        parts = [value, *_PART.findall(value)]
        assert len(parts) > 1, f"{name}: the planted value has no distinctive part to look for"
        for part in parts:
            for label, data in forms(part).items():
                found[f"{name}:{part[:12]}…:{label}"] = data
    return found


def readable(path: Path) -> list[tuple[str, bytes]]:
    """(where, bytes) to search in a file: the file itself, each member of a zip (xlsx), a Parquet file's
    values as text."""
    data = path.read_bytes()
    out = [(str(path), data)]
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            out += [(f"{path}!{name}", zf.read(name)) for name in zf.namelist()]
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        out.append((f"{path}:values", json.dumps(table.to_pylist(), default=str, ensure_ascii=False).encode()))
    return out


def scan(files: list[Path], wanted: dict[str, bytes]) -> list[tuple[str, str]]:
    """(where, label) for every needle found in the files."""
    return [(where, label) for path in files for where, data in readable(path)
            for label, needle in wanted.items() if needle in data]


def customer_ids_in(files: list[Path], ids: set[str]) -> list[tuple[str, str]]:
    """(where, id) for every customer id (``C`` + 8 digits, not inside a longer word) found in the files."""
    hits = []
    for path in files:
        for where, data in readable(path):
            hits += [(where, m.decode()) for m in _CUSTOMER_ID.findall(data) if m.decode() in ids]
    return hits


def render_files(out: Path) -> list[Path]:
    """Every file of the published folder, plus the render's stdout and its stdout+stderr log."""
    files = sorted(p for p in out.rglob("*") if p.is_file())
    return files + [out.with_name("published.stdout"), out.with_name("published.log")]


# --- 1. secrets --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def outputs(published) -> list[Path]:
    files = render_files(published[0])
    kinds = {p.name.split(".", 1)[-1] for p in files} | {part for p in files for part in p.parts}
    for kind in ("html", "ipynb", "xlsx", "alerts.json", "jsonl", "parquet", "stdout", "log", "_cache"):
        assert kind in kinds, f"no {kind} output to scan"
    return files


def test_no_planted_secret_in_any_output(outputs):
    wanted = needles(PLANTED_SECRETS)
    assert scan(outputs, wanted) == []
    print(f"secrets: {len(PLANTED_SECRETS)} planted, {len(wanted)} needles, {len(outputs)} files scanned")


def test_the_render_really_had_the_webhook(published):
    # the planted webhook was used: each failed delivery is said on stderr, without the URL
    log = published[0].with_name("published.log").read_text(encoding="utf-8")
    assert "notification not delivered" in log


def test_the_scan_catches_a_secret_in_each_form(tmp_path):
    webhook, warehouse = PLANTED_SECRETS["ATTAIN_WEBHOOK_URL"], PLANTED_SECRETS["ATTAIN_WAREHOUSE_URL"]
    token = _PART.findall(webhook)[0]
    password = _PART.findall(warehouse)[0]
    leaks = {
        "page.html": f"<p>posted to {html.escape(webhook)}</p>",
        "run.log": "error: could not reach " + quote(webhook, safe=""),
        "nb.ipynb": json.dumps({"data": {"image/png": "iVBO" + base64.b64encode(b"xy" + password.encode()).decode()}}),
        "alerts.json": json.dumps({"message": f"warehouse {warehouse.split('@')[1]} rejected {password}"}),
    }
    for name, text in leaks.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", f"<sst><si><t>{PLANTED_SECRETS['AWS_SECRET_ACCESS_KEY']}</t></si></sst>")
    pd.DataFrame({"note": [f"remote {PLANTED_SECRETS['SPARK_REMOTE']}"]}).to_parquet(tmp_path / "cache.parquet")
    (tmp_path / "clean.html").write_text("<p>TOKEN- and PASSWORD- alone are words, not secrets</p>", encoding="utf-8")
    found = scan(sorted(tmp_path.iterdir()), needles(PLANTED_SECRETS))
    where = {Path(w.split("!")[0].split(":values")[0]).name for w, _ in found}
    assert where == {"page.html", "run.log", "nb.ipynb", "alerts.json", "book.xlsx", "cache.parquet"}
    labels = {label for _, label in found}
    assert any(token[:12] in label and label.endswith(":url") for label in labels)        # the whole URL, encoded
    assert any(password[:12] in label and ":base64." in label for label in labels)         # inside a PNG blob


# --- 3. customer ids ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_ids(sample_dir) -> set[str]:
    column = pq.read_table(sample_dir / "orders.parquet", columns=["customer_id"]).column("customer_id")
    ids = {v for v in column.to_pylist() if v}
    assert ids and all(re.fullmatch(r"C\d{8}", v) for v in ids)   # the pattern scanned for below
    return ids


def test_no_customer_id_in_any_output(outputs, sample_ids):
    assert customer_ids_in(outputs, sample_ids) == []
    print(f"customer ids: {len(sample_ids)} ids, {len(outputs)} files scanned")


def test_the_id_scan_catches_an_id_and_ignores_base64(tmp_path, sample_ids):
    one = min(sample_ids)
    (tmp_path / "page.html").write_text(f"<td>{one}</td>", encoding="utf-8")
    (tmp_path / "blob.ipynb").write_text(json.dumps({"image/png": f"iVBORw0K{one}Gg"}), encoding="utf-8")
    (tmp_path / "other.html").write_text("<td>C99999999 is no sample customer</td>", encoding="utf-8")
    assert customer_ids_in(sorted(tmp_path.iterdir()), sample_ids) == [(str(tmp_path / "page.html"), one)]


# --- 2. parameters are data --------------------------------------------------------------------------------

def payloads(marker: Path) -> list[str]:
    """Values that run ``touch <marker>`` if they were ever executed as code."""
    touch = f"touch {marker}"
    return [f"'); import os; os.system(\"{touch}\")#",
            f"__import__('os').system('{touch}')",
            f'"""\nimport os; os.system(\'{touch}\')\n"""',
            f"\\\"; import os; os.system('{touch}'); x = \"",
            f"'''; __import__('os').system('{touch}'); '''",
            f"x\r\nimport os\nos.system('{touch}')\n#",
            f"$({touch}) `{touch}`"]


class Project:
    """A throw-away project (ATTAIN_ROOT) whose notebooks are the cheap stand-in, with secrets planted."""

    def __init__(self, root: Path) -> None:
        self.root, self.out = root, root / "reports"
        (root / "notebooks").mkdir(parents=True)
        for spec in NOTEBOOKS.values():
            shutil.copy(STAND_IN, root / "notebooks" / spec.file)
        shutil.copytree(PLAN, root / "data" / "plan")              # `attain run` checks the plan folder
        self.marker = root / "PWNED"
        self.log = root / "commands.log"

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATTAIN_")}
        env.update(PLANTED_SECRETS, ATTAIN_ROOT=str(self.root), **extra)
        proc = subprocess.run([str(BIN / "attain"), *args], capture_output=True, text=True, env=env,
                              cwd=self.root, timeout=300)
        with open(self.log, "a", encoding="utf-8") as fh:       # scanned for secrets at the end
            fh.write(f"$ attain {args}\n{proc.stdout}{proc.stderr}")
        return proc

    def pwned(self) -> list[Path]:
        return [p for p in (self.marker, self.root / "notebooks" / "PWNED", Path.cwd() / "PWNED") if p.exists()]


def injected(ipynb: Path) -> dict:
    """The injected-parameters cell of an executed notebook, which must be assignments of literals only."""
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    values = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), ast.dump(node)
        values[node.targets[0].id] = node.value.value
    return values


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("payload-project"))


def test_cli_parameters_are_passed_as_literals(project):
    chosen = [payloads(project.marker)[i] for i in (0, 2, 3, 5)]   # quote, triple quotes, backslash, CRLF
    for value in chosen:                         # owner: the free-text parameter (03's report for one owner)
        proc = project.run("run", "03", "--as-of", "2026-03-31", "--data", str(SMALL), "--out", str(project.out),
                           "-p", f"owner={value}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert injected(project.out / "2026-Q1" / "03_tracking.ipynb")["owner"] == value.strip()
        assert project.pwned() == []


@pytest.mark.parametrize("option", ["-p audience={}", "-p as_of={}", "-p period={}", "-p lang={}",
                                    "-p lookback_months={}", "-p plan_dir={}", "--data={}"])
def test_cli_refuses_code_where_a_value_has_a_form(project, option):
    payload = payloads(project.marker)[1]
    key, _, value = option.partition(" ") if option.startswith("-p") else (option, "", "")
    args = ["-p", value.format(payload)] if key == "-p" else [key.format(payload)]
    proc = project.run("run", "01", "--as-of", "2026-03-31", "--out", str(project.out), *args)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("attain: ")
    name = value.split("=")[0] if key == "-p" else "data"
    assert name in proc.stderr or "folder" in proc.stderr, proc.stderr
    assert project.pwned() == []


def test_schedule_parameters_are_passed_as_literals(project):
    values = payloads(project.marker)
    job = {"cron": "0 8 * * mon", "notebooks": ["03"], "params": {"period": "{quarter}"},
           "audiences": {f"p{i}": {"owner": v} for i, v in enumerate(values)}}
    (project.root / "schedule.yml").write_text(yaml.safe_dump({"jobs": {"payloads": job}}, allow_unicode=True),
                                               encoding="utf-8")
    proc = project.run("schedule", "run", "payloads", "--at", "2026-04-06T08:00", "--out", str(project.out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for i, value in enumerate(values):
        assert injected(project.out / "2026-Q2" / f"03_tracking-p{i}.ipynb")["owner"] == value.strip()
    assert project.pwned() == []
    assert (project.out / "_schedule").is_dir()
    print(f"payloads: {len(values)} schedule.yml values injected as literals")


def test_schedule_refuses_a_template_that_reaches_into_python(project):
    job = {"cron": "0 8 * * mon", "notebooks": ["03"], "params": {"owner": "{as_of.__class__.__init__.__globals__}"}}
    path = project.root / "bad-schedule.yml"
    path.write_text(yaml.safe_dump({"jobs": {"sneaky": job}}), encoding="utf-8")
    proc = project.run("schedule", "list", "--schedule", str(path))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "unknown template" in proc.stderr and "jobs.sneaky.params.owner" in proc.stderr


def test_a_failed_run_keeps_its_notebook_and_announces_it(project):
    # the stand-in raises when ATTAIN_TEST_FAIL is set: a kept failed notebook, an error in runs.jsonl and a
    # webhook attempt (to the planted URL, which refuses) all happen with the secrets in the environment
    proc = project.run("run", "03", "--as-of", "2026-03-31", "--data", str(SMALL), "--out", str(project.out),
                       ATTAIN_TEST_FAIL="boom")
    assert proc.returncode != 0 and "planted failure: boom" in proc.stderr
    assert "notification not delivered" in proc.stderr
    assert list((project.out / "_failed").rglob("*.ipynb"))


def test_an_error_quoting_a_connection_string_is_redacted(project):
    # a driver's error text often quotes its connection string: here the notebook's error carries the whole
    # planted warehouse URL; the message, runs.jsonl, the webhook text and the kept failed notebook hide it
    url = PLANTED_SECRETS["ATTAIN_WAREHOUSE_URL"]
    proc = project.run("run", "03", "--as-of", "2026-03-31", "--data", str(SMALL), "--out", str(project.out),
                       ATTAIN_TEST_FAIL=f"could not connect to {url}")
    assert proc.returncode != 0 and "planted failure: could not connect to ***" in proc.stderr
    kept = sorted((project.out / "_failed").rglob("*.ipynb"), key=lambda p: p.stat().st_mtime)[-1]
    assert "could not connect to ***" in kept.read_text(encoding="utf-8")
    assert scan([kept, project.out / "runs.jsonl"], needles({"ATTAIN_WAREHOUSE_URL": url})) == []


def test_payload_runs_leak_no_secret(project):
    # runs after the payload runs above (file order): their reports, run log, schedule state, logs
    files = sorted(p for p in project.out.rglob("*") if p.is_file()) + [project.log]
    assert any(p.parent.name == "_schedule" for p in files)
    assert "notification not delivered" in project.log.read_text(encoding="utf-8")
    assert scan(files, needles(PLANTED_SECRETS)) == []


# --- 4. small groups ---------------------------------------------------------------------------------------

K = customers.MIN_GROUP


def _result(tiers: list[int], monthly: list[tuple[int, int]], cohort_sizes: list[int],
            quarter_buyers: list[int]) -> Customers:
    """A hand-made Customers: tier sizes (high, potential, low; GMV 100 per buyer), months (new, returning;
    GMV 50 per buyer), cohorts (retention 50% at month 1) and quarters (repurchase 20%)."""
    window = Window(as_of=dt.date(2026, 6, 30), months=("2026-04", "2026-05", "2026-06"), partial_month=None,
                    start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30))
    months = window.months[:len(monthly)]
    m = pd.DataFrame({"month": months, "partial": False, "buyers": [n + r for n, r in monthly],
                      "new_buyers": [n for n, _ in monthly], "returning_buyers": [r for _, r in monthly]})
    m["new_share"] = m["new_buyers"] / m["buyers"]
    m = m.assign(new_gmv=m["new_buyers"] * 50.0, returning_gmv=m["returning_buyers"] * 50.0, guest_gmv=7.0)
    rfm = pd.DataFrame({"tier": list(customers.TIERS), "low": [12, 8, 3], "high": [15, 11, 7], "buyers": tiers})
    rfm["gmv"] = rfm["buyers"] * 100.0
    rfm = rfm.assign(buyer_share=rfm["buyers"] / sum(tiers), gmv_share=rfm["gmv"] / rfm["gmv"].sum(),
                     median_recency=5.0, median_frequency=2.0, gmv_per_buyer=100.0)
    cohorts = pd.DataFrame([{"cohort": f"2026-0{4 + i}", "size": n, "offset": k, "month": f"2026-0{4 + i + k}",
                             "active": n if k == 0 else n // 2, "retention": 1.0 if k == 0 else (n // 2) / n}
                            for i, n in enumerate(cohort_sizes) for k in range(2)])
    q = pd.DataFrame({"quarter": [f"2026-Q{i + 1}" for i in range(len(quarter_buyers))], "partial": False,
                      "buyers": quarter_buyers, "repurchase_rate": 0.2, "base_rate": 0.1})
    q["change"] = q["repurchase_rate"] - q["base_rate"]
    return Customers(window, dt.date(2025, 1, 1), monthly=m, trailing=None, quarterly=q, cohorts=cohorts, rfm=rfm,
                     rfm_start=dt.date(2025, 7, 1))


def test_k_is_ten():
    assert K == 10 and "k-anonymity" in customers.__doc__ + (customers.analyse.__doc__ or "") + \
        viz_customers.__doc__ + open(customers.__file__, encoding="utf-8").read()


def test_a_tier_of_k_minus_1_is_hidden_with_the_next_smallest():
    r = _result([K - 1, 40, 951], [(20, 30)], [20], [50])
    table = viz_customers.tier_table(r, "en")
    assert table["Buyers"].tolist() == [f"< {K}", f"< {K}", "951"]
    assert table.iloc[0, 3:].tolist() == ["—"] * 6 and table.iloc[1, 3:].tolist() == ["—"] * 6
    assert table.iloc[2, 3] == "95.1%"                     # 951 / 1000: shares stay shares of every buyer
    note = viz_customers.rfm_note(r, "en")
    assert "to 2026-06-30: 1.00K." in note                 # 951 shown + 49 hidden = the total printed
    assert viz_customers.small_note(r, "en", "tiers").startswith(f"So that no buyer can be singled out, groups of "
                                                                 f"fewer than {K} buyers")
    assert "high-value" not in customers.finding(r, "en").lower()
    assert "< 10 buyers" in [t.get_text() for t in viz_customers.value_pyramid(r, "en").axes[0].texts]


def test_tiers_of_k_are_shown_and_add_up():
    r = _result([K, 40, 950], [(20, 30)], [20], [50])
    table = viz_customers.tier_table(r, "en")
    assert table["Buyers"].tolist() == ["10", "40", "950"]
    assert table["Share of buyers"].tolist() == ["1.0%", "4.0%", "95.0%"]        # 10 + 40 + 950 = 1,000
    assert "to 2026-06-30: 1.00K." in viz_customers.rfm_note(r, "en")
    assert viz_customers.small_note(r, "en", "tiers") is None
    assert "high-value customers were 1% of buyers" in customers.finding(r, "en").lower()


def test_an_empty_tier_is_no_small_group():
    r = _result([0, 40, 960], [(20, 30)], [20], [50])
    assert viz_customers.tier_table(r, "en")["Buyers"].tolist() == ["0", "40", "960"]


def test_a_month_with_k_minus_1_new_buyers_shows_only_its_total():
    r = _result([20, 40, 940], [(K - 1, 30), (K, 30), (40, K - 1)], [20], [50])
    table = viz_customers.monthly_table(r, "en").set_index("Month")
    assert table.loc["Apr 2026"].tolist() == ["39", "—", "—", "—", "—", "—", "¥7.00"]   # 9 new: hidden with returning
    assert table.loc["May 2026"].tolist()[:3] == ["40", "10", "30"]                      # 10 + 30 = 40 shown
    assert table.loc["Jun 2026"].tolist()[1:3] == ["—", "—"]                             # 9 returning
    assert viz_customers.small_note(r, "en", "monthly") is not None
    fig = viz_customers.new_returning(r, "en")
    heights = [p.get_height() for p in fig.axes[0].patches if p.get_height() == p.get_height()]   # NaN: no bar
    assert heights.count(K) == 1 and K - 1 not in heights                               # no bar for 9


def test_small_cohorts_and_quarters_are_hidden():
    r = _result([20, 40, 940], [(20, 30)], [K - 1, K, 30], [K - 1, K])
    assert viz_customers.small_cohorts(r) == ["2026-04"]
    ax = viz_customers.cohort_heatmap(r, "en").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2026-05 (n=10)", "2026-06 (n=30)"]
    assert viz_customers.small_note(r, "en", "cohorts").startswith("1 cohort(s) of fewer than 10 buyers")
    q = viz_customers.quarter_table(r, "en").set_index("Quarter")
    assert q.loc["Q1 2026"].tolist() == ["< 10", "—", "—", "—"]
    assert q.loc["Q2 2026"].tolist() == ["10", "20.0%", "10.0%", "+10.0 pp"]


def test_nothing_small_means_no_note():
    r = _result([20, 40, 940], [(20, 30)], [20], [50])
    assert [viz_customers.small_note(r, "en", p) for p in ("monthly", "quarterly", "tiers", "cohorts")] == [None] * 4


def test_the_finding_skips_a_small_quarter():
    assert "repurchase rate in Q2 2026 was 20.0%" in customers.finding(_result([20, 40, 940], [(20, 30)], [20],
                                                                               [50, K]), "en")
    assert "repurchase" not in customers.finding(_result([20, 40, 940], [(20, 30)], [20], [50, K - 1]), "en")


# --- redaction of error texts (attain.redaction.redact) -------------------------------------------------------

def test_redact_hides_each_planted_secret_and_its_parts():
    env = {**PLANTED_SECRETS, "ATTAIN_ENGINE": "duckdb", "LANG": "C.UTF-8", "HOME": "/home/analyst1"}
    text = " | ".join([*PLANTED_SECRETS.values(), *(quote(v, safe="") for v in PLANTED_SECRETS.values()),
                       *_PART.findall(" ".join(PLANTED_SECRETS.values())),
                       "OperationalError: Connection refused at warehouse.internal:5432 (duckdb, /home/analyst1)"])
    out = redaction.redact(text, env)
    plain = {k: v for k, v in needles(PLANTED_SECRETS).items() if k.endswith((":plain", ":url"))}
    assert [k for k, v in plain.items() if v.decode() in out] == []
    assert out.endswith("OperationalError: Connection refused at warehouse.internal:5432 (duckdb, /home/analyst1)")
    assert redaction.redact(text, {"ATTAIN_ENGINE": "duckdb"}) == text          # nothing secret in that environment
