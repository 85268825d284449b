"""The runner: papermill really executes the fixture notebooks (a few seconds each)."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from attain import runlog
from attain.errors import ParameterError, RunError
from attain.params import GoalSettingParams, NotebookSpec
from attain.publish import external_refs
from attain.report_index import find_reports, write_index
from attain.run import run_many, run_notebook

pytestmark = pytest.mark.notebook

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
PARAMS = {"as_of": "2026-06-30", "period": "2026-Q2",
          "data_dir": "/home/someone/private/shop_data", "lang": "zh"}


def spec(name: str, file: str | None = None) -> NotebookSpec:
    return NotebookSpec(name, file or f"{name}.ipynb", GoalSettingParams, True,
                        "测试报告", "Test report")


def run(name: str, out_dir: Path, fixture: str | None = None, **params):
    fixture = fixture or name
    return run_notebook(spec(name, f"{fixture}.ipynb"), {**PARAMS, **params}, out_dir=out_dir,
                        notebook_path=FIXTURES / f"{fixture}.ipynb", timeout=120)


class _Refs(HTMLParser):
    """src/href of script, link, img and iframe tags."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag in ("script", "link", "img", "iframe"):
            self.refs += [v or "" for k, v in attrs if k in ("src", "href")]


def parse(page: str) -> _Refs:
    p = _Refs()
    p.feed(page)
    return p


def no_leftovers(out_dir: Path) -> bool:
    return not (out_dir / "_staging").exists() and not list(out_dir.rglob("*.tmp"))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One good run of ok.ipynb published as 'report'."""
    out = tmp_path_factory.mktemp("reports")
    result = run("report", out, fixture="ok")
    return out, result


# --------------------------------------------------------------------------- success

def test_success_publishes_html_ipynb_and_index(published):
    out, result = published
    assert result.status == "ok" and result.period == "2026-Q2"
    assert result.html == out / "2026-Q2" / "report.html" and result.html.is_file()
    assert result.ipynb == out / "2026-Q2" / "report.ipynb" and result.ipynb.is_file()
    assert "derived=4059" in result.ipynb.read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-Q2/report.html"' in index and "测试报告 · 2026-Q2" in index
    assert no_leftovers(out) and not (out / "_failed").exists()


def test_html_is_a_reader_report(published):
    _, result = published
    page = result.html.read_text(encoding="utf-8")
    assert "derived=4059 period=2026-Q2 lang=zh" in page  # output is there
    assert "source-marker" not in page and "derived_value" not in page  # code is not
    assert "injected-parameters" not in page and "# Parameters" not in page
    assert 'as_of = "' not in page
    assert "<title>测试报告 · 2026-Q2</title>" in page
    assert 'src="data:image/png;base64,' in page  # the chart is inline


def test_html_is_self_contained_with_lang_and_header(published):
    out, result = published
    page = result.html.read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.lang == "zh"
    external = [r for r in parsed.refs if r.strip().lower().startswith(("http:", "https:", "//"))]
    assert external == [] and external_refs(page) == []
    assert "require.js" not in page and "mathjax" not in page.lower()
    assert 'class="attain-meta"' in page
    assert "2026-06-30" in page and "shop_data" in page
    assert "/home/someone/private" not in page  # only the folder's name is shown
    assert external_refs((out / "index.html").read_text(encoding="utf-8")) == []


# --------------------------------------------------------------------------- failures

def test_failure_keeps_previous_report(published, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(published[0], out)
    before = {p: p.read_bytes() for p in (out / "2026-Q2").iterdir()}
    index_before = (out / "index.html").read_bytes()

    with pytest.raises(RunError) as exc:
        run("report", out, fixture="broken")

    assert {p: p.read_bytes() for p in (out / "2026-Q2").iterdir()} == before
    failed = list((out / "_failed" / "2026-Q2").glob("report-*.ipynb"))
    assert len(failed) == 1
    # the index tells the truth: the failure, a link to the failed notebook, and the previous good page kept
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index != index_before.decode("utf-8")
    assert f'href="_failed/2026-Q2/{failed[0].name}"' in index and 'href="2026-Q2/report.html"' in index
    assert "上一次成功的报告" in index and "boom: the input is bad" in index
    msg = str(exc.value)
    assert "\n" not in msg
    assert "cell 3" in msg and "ValueError" in msg and "boom: the input is bad" in msg
    assert str(failed[0]) in msg
    assert exc.value.failed_notebook == failed[0]
    assert no_leftovers(out)


def test_user_error_message_has_no_traceback(tmp_path):
    with pytest.raises(RunError) as exc:
        run("user_error", tmp_path)
    msg = str(exc.value)
    assert msg == ("orders.csv: column order_date is missing\n"
                   "  What to do: add an order_date column (YYYY-MM-DD)")
    assert "Traceback" not in msg and "DataError" not in msg
    assert not (tmp_path / "2026-Q2").exists()
    assert len(list((tmp_path / "_failed" / "2026-Q2").glob("user_error-*.ipynb"))) == 1
    # the run log and the index say what happened: no report, the failure with its message
    assert [(r["status"], r["target"]) for r in runlog.runs(tmp_path)] == [("failed", "user_error")]
    assert "column order_date is missing" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert no_leftovers(tmp_path)


def test_missing_glyph_is_a_failure(tmp_path):
    with pytest.raises(RunError) as exc:
        run("glyph", tmp_path)
    assert "missing from" in str(exc.value) and "cell 2" in str(exc.value)
    assert not (tmp_path / "2026-Q2").exists()
    assert list((tmp_path / "_failed" / "2026-Q2").glob("glyph-*.ipynb"))
    assert no_leftovers(tmp_path)


def test_unknown_parameter_fails_before_running(tmp_path):
    with pytest.raises(ParameterError, match="'colour'"):
        run("ok", tmp_path, colour="red")
    with pytest.raises(ParameterError, match="'as_of'"):
        run("ok", tmp_path, as_of="2026-6-30")
    assert list(tmp_path.iterdir()) == []  # no _staging, no _failed


def test_run_many_continues_after_failure(tmp_path):
    specs = [spec("broken"), spec("ok")]
    with pytest.raises(RunError) as exc:
        run_many(specs, PARAMS, out_dir=tmp_path, notebook_dir=FIXTURES)
    results = exc.value.results
    assert [(r.name, r.status) for r in results] == [("broken", "failed"), ("ok", "ok")]
    assert "broken:" in str(exc.value) and "ValueError" in str(exc.value)
    assert (tmp_path / "2026-Q2" / "ok.html").is_file()
    assert not (tmp_path / "2026-Q2" / "broken.html").exists()
    assert no_leftovers(tmp_path)


def test_run_many_with_jobs_runs_notebooks_side_by_side(tmp_path, monkeypatch):
    # the stand-in notebook sleeps 4 s (its kernel inherits the variable); two jobs: the second starts
    # before the first has finished, and each result still lands in its own file, in the order asked
    monkeypatch.setenv("ATTAIN_TEST_SLEEP", "4")
    specs = [NotebookSpec(n, "scheduled.ipynb", GoalSettingParams, True, "测试报告", "Test report")
             for n in ("first", "second")]
    results = run_many(specs, PARAMS, out_dir=tmp_path, notebook_dir=FIXTURES, jobs=2)
    assert [(r.name, r.status) for r in results] == [("first", "ok"), ("second", "ok")]
    runs = {r["target"]: r for r in runlog.runs(tmp_path)}
    assert runs["second"]["started"] < runs["first"]["finished"]
    assert runs["first"]["started"] < runs["second"]["finished"]
    assert (tmp_path / "2026-Q2" / "first.html").is_file() and (tmp_path / "2026-Q2" / "second.html").is_file()
    assert "first" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "second" in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert no_leftovers(tmp_path)


def test_run_many_checks_all_parameters_first(tmp_path):
    with pytest.raises(ParameterError, match="'cadence'"):
        run_many([spec("ok")], {**PARAMS, "cadence": "weekly"}, out_dir=tmp_path,
                 notebook_dir=FIXTURES)
    assert not tmp_path.joinpath("_staging").exists()


# --------------------------------------------------------------------------- index (no runs)

def _fake_report(out: Path, period: str, name: str, title: str) -> None:
    folder = out / period
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body></body></html>",
        encoding="utf-8")


def test_index_groups_newest_period_first_and_escapes(tmp_path):
    for period in ("2025-Q4", "2026-Q2", "2026-05", "2026"):
        _fake_report(tmp_path, period, "02_goal_setting", f"目标 {period}")
    _fake_report(tmp_path, "2026-Q2", "01 <b>&", "A &lt;script&gt;alert(1)&lt;/script&gt;")
    _fake_report(tmp_path, "_failed", "x", "not a report")
    (tmp_path / "2026-Q2" / ".01.html.abc.tmp").write_text("partial")
    assert list(find_reports(tmp_path)) == ["2026", "2026-Q2", "2026-05", "2025-Q4"]

    page = write_index(tmp_path, "en").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="2026-Q2/01%20%3Cb%3E%26.html"' in page
    assert "not a report" not in page and ".tmp" not in page
    assert page.index("目标 2026-Q2") < page.index("目标 2026-05") < page.index("目标 2025-Q4")
    assert external_refs(page) == [] and not list(tmp_path.glob(".index.html.*"))
    assert oct(os.stat(tmp_path / "index.html").st_mode & 0o777) == oct(0o644)


def test_external_refs_detects_cdn_tags():
    assert external_refs('<script src="https://cdn.example/x.js"></script>')
    assert external_refs("<link rel=stylesheet href='//cdn.example/x.css'>")
    assert not external_refs('<a href="https://example.com">x</a><img src="data:image/png;base64,AA">')


# --- attached files (alerts.json, Excel) ----------------------------------------------------

class _AttachParams(GoalSettingParams):
    fail: bool = False


def run_attach(out_dir: Path, **params):
    attach = NotebookSpec("attach", "artifacts.ipynb", _AttachParams, True, "附件", "Attachments")
    return run_notebook(attach, {**PARAMS, "data_dir": "data/sample", **params}, out_dir=out_dir,
                        notebook_path=FIXTURES / "artifacts.ipynb", timeout=120)


def test_attached_files_are_published_beside_the_html(tmp_path):
    result = run_attach(tmp_path)
    folder = tmp_path / "2026-Q2"
    assert (folder / "attach.alerts.json").read_text(encoding="utf-8") == '{"as_of": "2026-06-30"}'
    assert (folder / "attach.table.xlsx").read_bytes() == bytes(range(256))   # binary survives exactly
    page = result.html.read_text(encoding="utf-8")
    assert "artifacts.attach" not in page and "x.attain-artifact" not in page   # hidden from readers


def test_a_failed_run_publishes_none_of_its_attachments(tmp_path):
    run_attach(tmp_path, as_of="2026-06-29")
    before = {p.name: p.read_bytes() for p in (tmp_path / "2026-Q2").iterdir()}
    with pytest.raises(RunError):
        run_attach(tmp_path, as_of="2026-06-30", fail=True)
    after = {p.name: p.read_bytes() for p in (tmp_path / "2026-Q2").iterdir()}
    assert after == before and b"2026-06-29" in after["attach.alerts.json"]
