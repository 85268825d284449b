"""Hostile text: script and event-handler payloads planted in every text of the sample's data and plan files
(tests/fixtures/hostile/plant.py) are shown literally in every report and the index, and none of them runs.

The hostile copy is rendered once per module with the real runner (`attain run all`, ~2 minutes idle, more on
a busy machine); the index is also built from a run log whose job name, report title and error carry payloads.
Each page is opened in Debian's chromium (tests/browser.py's launch settings), hovered and clicked where payload
text sits, and checked: no dialog, no console message or page error from a payload, no element with an on*
attribute or a javascript: URL, the same <script> elements as the clean sample report (none), and every planted
Chinese text visible verbatim (inner text) in the report that shows its place. Charts are PNG images: text that
reaches a report only inside a chart cannot be checked here (every place planted also shows in a table or text).
The fast tests at the top check the escaping of headings against nbconvert's own Markdown renderer, and that
chart labels are never parsed as TeX; a crafted page proves the browser checks fire.
"""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM, OFFLINE_ARGS, VIEWPORT, normalise

from attain import display, experiments_view, paths, report_index, runlog, style  # noqa: F401 (registers texts)

HERE = Path(__file__).resolve().parent
AS_OF = "2026-08-15"
_spec = importlib.util.spec_from_file_location("hostile_plant", HERE / "fixtures" / "hostile" / "plant.py")
plant = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plant)

PAGES = {"01": "2026-08/01_situation_analysis.html", "02": "2026/02_goal_setting.html",
         "03": "2026-Q3/03_tracking.html", "04": "2026-Q2/04_quarterly_retrospective.html", "index": "index.html"}
MARKERS = ("alert", "pwn7")


# --- fast: the Markdown escaping of headings (display.heading) ------------------------------------------

def _markdown_html(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(source)


@pytest.mark.parametrize("text, escaped", [
    ("<b onmouseover=alert(6)>", r"&lt;b onmouseover\=alert\(6\)&gt;"),
    ("[x](javascript:alert(5))", r"\[x\]\(javascript\:alert\(5\)\)"),
    ("R&D 研发 ${7*7}", r"R&amp;D 研发 \$\{7\*7\}"),
    ("二行\n# 标题", r"二行 \# 标题"),
    ("中文不变", "中文不变"),
])
def test_markdown_text_escapes_every_markdown_and_html_character(text, escaped):
    assert display.markdown_text(text) == escaped


def test_a_heading_shows_plan_text_literally():
    source = display.heading_markdown("experiments.h.one", "zh", level=3, name="券[x](javascript:alert(5))",
                                      span="2026-05-20 ~ 2026-06-18", owner="周杰<img src=x onerror=alert(2)>")
    assert source == (r"### 券\[x\]\(javascript\:alert\(5\)\)（2026\-05\-20 \~ 2026\-06\-18，"
                      r"负责人：周杰&lt;img src\=x onerror\=alert\(2\)&gt;）")
    out = _markdown_html(source)
    assert "<a href" not in out and "<img" not in out
    assert "券[x](javascript:alert(5))" in out.replace("&#21048;", "券")
    assert "&lt;img src=x onerror=alert(2)&gt;" in out


def test_a_heading_escapes_text_once_and_formats_other_values_as_given():
    source = display.heading_markdown("experiments.h.one", "en", level=2, name="R&D <x>", span=7, owner="李娜")
    assert source == "## R&amp;D &lt;x&gt; (7, owner: 李娜)"
    out = _markdown_html(source)
    assert "R&amp;D &lt;x&gt;" in out and "&amp;amp;" not in out and "&amp;lt;" not in out


def test_unescaped_heading_text_would_have_been_markup():
    """The failure the escaping prevents: the same text straight into Markdown becomes a tag and a link."""
    out = _markdown_html("### G05 服饰<b onmouseover=alert(6)> [x](javascript:alert(5))")
    assert '<b onmouseover="alert(6)">' in out or "<b onmouseover=alert(6)>" in out
    assert '<a href="javascript:alert(5)">' in out


# --- fast: chart labels are text, never TeX (style.rc_params) ----------------------------------------------

TEX_LIKE = r"GMV $5M \to $7M, $\frac{1}$ off"


def _draw(title: str, rc: dict) -> bool:
    """Draw a figure titled ``title`` under ``rc`` into a PNG; whether the title is parsed as TeX."""
    import io

    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(rc):
        fig = Figure()
        fig.add_subplot().set_title(title)
        fig.savefig(io.BytesIO(), format="png")
        return fig.axes[0].title.get_parse_math()


def test_chart_labels_from_data_are_drawn_literally():
    rc = style.rc_params(["DejaVu Sans"])
    assert rc["text.parse_math"] is False
    assert _draw(TEX_LIKE, rc) is False                          # drawn as typed, dollars included


def test_without_it_the_same_label_is_tex_and_fails():
    with pytest.raises(ValueError, match="frac"):
        _draw(TEX_LIKE, {**style.rc_params(["DejaVu Sans"]), "text.parse_math": True})


# --- the hostile render (once per module) and a hostile run log for the index ----------------------------

def _attain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "attain"), *args], capture_output=True, text=True,
                          cwd=paths.project_root(), timeout=900)


@pytest.fixture(scope="module")
def hostile(sample_dir, tmp_path_factory):
    """(reports folder, manifest): every report rendered from the hostile copy by `attain run all`."""
    base = tmp_path_factory.mktemp("hostile")
    manifest = plant.plant(sample_dir, paths.default_plan_dir(), base)
    data, plan, out = base / plant.DATA_NAME, base / plant.PLAN_NAME, base / "out"
    proc = _attain("run", "all", "--as-of", AS_OF, "--data", str(data), "--plan", str(plan), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, manifest


RUN_ERROR = "goals.yaml: G01 \"><svg onload=alert(3)> [x](javascript:alert(5)) '; console.error('pwn7'); ' R&D"
RUN_JOB = "nightly<img src=x onerror=alert(2)>"
PAGE_TITLE = "进度追踪 <script>alert(1)</script>"


def hostile_run_log(out: Path) -> Path:
    """A reports folder whose report title, job name and run error carry payloads; its index page. (A plan
    file's mistake is refused before any run starts, so the error of a real run cannot quote plan text.)"""
    page = out / "2026-Q3" / "03_tracking.html"
    page.parent.mkdir(parents=True)
    page.write_text(f"<html><head><title>{html.escape(PAGE_TITLE)}</title></head><body></body></html>",
                    encoding="utf-8")
    record = runlog.start(out, job=RUN_JOB, notebook="03_tracking", target="03_tracking", audience=None,
                          period="2026-Q3", title=PAGE_TITLE, params={})
    runlog.finish(out, record, "failed", seconds=1.0, error=RUN_ERROR,
                  failed_notebook=out / "_failed" / "2026-Q3" / "03_tracking-1.ipynb")
    return report_index.write_index(out)


# --- in the browser -----------------------------------------------------------------------------------

_DOM_JS = """() => {
  const handlers = [], urls = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const tag = el.tagName.toLowerCase();
      if (a.name.toLowerCase().startsWith('on')) handlers.push(`${tag} ${a.name}=${a.value}`);
      if (a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase().startsWith('javascript:'))
        urls.push(`${tag} ${a.name}=${a.value}`);
    }
  }
  const scripts = Array.from(document.scripts).map(s => s.src || s.textContent.trim().slice(0, 120));
  return {handlers, urls, scripts, text: document.body.innerText};
}"""
_TARGETS = "h1, h2, h3, h4, th, td, li, p, span, b, a"
MAX_TARGETS = 25          # elements hovered and clicked per page


def _poke(page) -> int:
    """Hover and click the visible elements whose text holds a payload (links only hovered): at most
    MAX_TARGETS of them. Returns how many were poked."""
    targets = page.locator(_TARGETS).filter(has_text=re.compile(r"alert\(|pwn7"))
    poked = 0
    for i in range(targets.count()):
        if poked >= MAX_TARGETS:
            break
        el = targets.nth(i)
        if not el.is_visible():
            continue
        el.scroll_into_view_if_needed(timeout=2000)
        el.hover(timeout=2000)
        if el.evaluate("e => e.tagName") != "A":
            el.click(timeout=2000, no_wait_after=True)
        poked += 1
    return poked


def _visit(browser, path: Path, poke: bool) -> dict:
    """Open ``path`` offline, optionally poke it, and return what happened and what the DOM holds."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                  else route.abort("blockedbyclient"))
    page = context.new_page()
    seen = {"dialogs": [], "console": [], "errors": []}
    page.on("dialog", lambda d: (seen["dialogs"].append(f"{d.type}: {d.message}"), d.dismiss()))
    page.on("console", lambda msg: seen["console"].append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda err: seen["errors"].append(str(err)))
    page.goto(path.resolve().as_uri(), wait_until="load")
    seen["poked"] = _poke(page) if poke else 0
    page.wait_for_timeout(200)                        # let any handler a hover or click started finish
    seen.update(page.evaluate(_DOM_JS))
    seen["text"] = normalise(seen["text"])
    context.close()
    return seen


@pytest.fixture(scope="module")
def seen(hostile, published, tmp_path_factory):
    """{page: {"hostile": …, "clean": …}}: each page of the hostile render (poked) and the same page of the
    sample's render; "runs" is the index of the hostile run log (its clean twin: the sample's index)."""
    from playwright.sync_api import sync_playwright

    out, _ = hostile
    clean, _ = published
    runs_index = hostile_run_log(tmp_path_factory.mktemp("hostile-runs"))
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS)
        try:
            for key, rel in {**PAGES, "runs": "index.html"}.items():
                found[key] = {"hostile": _visit(browser, runs_index if key == "runs" else out / rel, poke=True),
                              "clean": _visit(browser, clean / rel, poke=False)}
        finally:
            browser.close()
    return found


@pytest.mark.browser
@pytest.mark.parametrize("key", [*PAGES, "runs"])
def test_no_payload_runs(seen, key):
    """No dialog, no payload in the console, no handler attribute or javascript: URL, only the report's own
    scripts (the clean sample report's: none), and the payloads were there to hover and click."""
    page, clean = seen[key]["hostile"], seen[key]["clean"]
    assert page["dialogs"] == []
    assert [m for m in page["console"] + page["errors"] if any(k in m for k in MARKERS)] == []
    assert page["errors"] == clean["errors"] == []
    assert page["handlers"] == clean["handlers"] == []
    assert page["urls"] == clean["urls"] == []
    assert page["scripts"] == clean["scripts"]
    assert page["poked"] >= {"index": 0, "runs": 1}.get(key, 5), page["poked"]   # the index shows no data


# Where each place's Chinese texts must show (English texts are planted too, but only Chinese reports render)
SHOWN_IN = {
    "channel": ("01", "02", "03", "04"), "category": ("01", "02", "03", "04"), "region": ("01", "04"),
    "module": ("02", "03"), "campaign": ("03",), "owner": ("03",), "goal name": ("02",),
    "goal objective": ("04",), "revision reason": ("02",), "module name": ("02", "03"), "action name": ("03",),
    "check-in cause": ("03",), "check-in measure": ("03",), "swot entry": ("01",), "risk": ("03",),
    "risk contingency": ("03",), "alert rule name": ("03",), "experiment name": ("04",),
    "experiment variant": ("04",), "experiment hypothesis": ("04",), "experiment decision": ("04",),
    "retro note": ("04",), "retro measure": ("04",), "lesson": ("04",), "lesson tag": ("04",),
    "capability note": ("01",), "channel group": ("01",), "segment name": ("01",),
}
# Chinese texts no report shows, and why (the test checks they are indeed on no page)
NOT_SHOWN = {
    "金卡": "the customers' membership tier is not reported (the value tiers are RFM scores)",
    "大促冲刺 / win the 双11 campaign": "objective of G06 (November), not a goal of the Q2 retrospective",
    "品牌建设 / brand building": "objective of G07, not a goal of the Q2 retrospective",
    "年货节按计划结束": "a finished action's check-in: the tracking table shows goals' and modules' notes",
    "38女王节按计划结束，美妆品类贡献过半": "a finished action's check-in",
    "618大促如期结束，活动期GMV约为计划的101%": "a finished action's check-in",
    "复盘完成，爆品组合和预售节奏沿用到双11": "a finished action's check-in",
    "7月上旬两位主播离职，场次减少": "G02's earlier check-in, superseded by the one of 2026-08-12",
    "新签两位主播，每周加播3场": "G02's earlier check-in, superseded by the one of 2026-08-12",
    "KOL测评类脚本复测": "experiment E2026-04 ran in Q3, after the Q2 retrospective",
    "种草类脚本": "a variant of E2026-04 (Q3)", "测评类脚本": "a variant of E2026-04 (Q3)",
    "测评类脚本能止住KOL内容点击率的下滑": "the hypothesis of E2026-04 (Q3)",
    "春节等停运期的月度目标按历史季节性下调，不与上月环比": "an earlier lesson sharing no tag with the Q2 notes",
    **dict.fromkeys(["24小时内评估影响并把预算转向私域和搜索 / assess within 24 h and shift budget to private domain "
                     "and search", "加大信息流与KOL投放补量，检查搜索排名 / top up with feed ads and KOL, check search "
                     "ranking", "以会员权益和组合装代替直接降价，守住毛利 / answer with member benefits and bundles "
                     "instead of price cuts", "提前备货分仓、加强尺码推荐 / pre-position stock, improve size "
                     "recommendations"], "the contingency of a risk that has not fired (shown for fired risks only)"),
}


def _kind(entry: dict) -> str:
    return entry["place"].split(" (")[0]


def _chinese(manifest: list[dict]) -> list[dict]:
    return [e for e in manifest if not _kind(e).endswith("[en]")]


def test_the_hostile_copy_covers_every_place_and_payload(hostile):
    """The manifest is what the checks below rely on: every place of SHOWN_IN planted, every payload used."""
    _, manifest = hostile
    assert {_kind(e) for e in _chinese(manifest)} == set(SHOWN_IN) | {"tier"}
    assert {e["payload"] for e in manifest} == set(plant.PAYLOADS) | {plant.AMPERSAND}
    assert len({e["planted"] for e in manifest}) == len(manifest)          # each can be found on its own
    assert set(NOT_SHOWN) <= {e["original"] for e in manifest}


@pytest.mark.browser
def test_every_planted_text_is_shown_literally(seen, hostile):
    _, manifest = hostile
    text = {key: seen[key]["hostile"]["text"] for key in PAGES}
    missing, unexpected = [], []
    for e in _chinese(manifest):
        shown = normalise(plant.shown_in_chinese(e["planted"]))
        if e["original"] in NOT_SHOWN or _kind(e) == "tier":
            unexpected += [(e["planted"], key) for key in PAGES if shown in text[key]]
        else:
            missing += [(e["planted"], key) for key in SHOWN_IN[_kind(e)] if shown not in text[key]]
    assert missing == []
    assert unexpected == []


@pytest.mark.browser
def test_text_is_escaped_once(seen):
    """R&D shows as R&D (not R&amp;D), the folder names with payloads show in each report's header line,
    and the run log's payloads show on the index page."""
    pages = {key: seen[key]["hostile"]["text"] for key in [*PAGES, "runs"]}
    assert all("&amp;" not in t and "&lt;" not in t and "&quot;" not in t for t in pages.values())
    assert all("家居 R&D" in pages[key] for key in ("01", "02", "03", "04"))
    assert all(plant.DATA_NAME in pages[key] and plant.PLAN_NAME in pages[key] for key in ("01", "02", "03", "04"))
    for planted in (RUN_ERROR, RUN_JOB, PAGE_TITLE):
        assert normalise(planted) in pages["runs"], planted


@pytest.mark.browser
def test_the_checks_catch_payloads_that_run(tmp_path):
    """The same visit on a page where the payloads were pasted in unescaped: every check fires."""
    from playwright.sync_api import sync_playwright

    page = tmp_path / "raw.html"
    page.write_text("<!doctype html><html><head><meta charset='utf-8'></head><body><h1>G05 服饰</h1>"
                    f"<table><tr><td>直播{plant.SCRIPT.replace('alert(1)', 'console.error(`alert(1)`)')}</td>"
                    f"<td>自然搜索{plant.IMG}</td><td>KOL{plant.SVG}</td></tr></table>"
                    f"<p>pwn7 <b onmouseover=\"console.error('pwn7')\">社交裂变 alert(6)</b> "
                    "<a href='javascript:alert(5)'>x alert(5)</a></p></body></html>", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS)
        try:
            found = _visit(browser, page, poke=True)
        finally:
            browser.close()
    assert found["dialogs"] == ["alert: 2", "alert: 3"]                    # onerror and onload ran
    assert {"error: alert(1)", "error: pwn7"} <= set(found["console"])     # the script ran; the hover ran
    assert [h.split()[0] for h in found["handlers"]] == ["img", "svg", "b"]
    assert found["urls"] == ["a href=javascript:alert(5)"]
    assert len(found["scripts"]) == 1 and found["poked"] >= 3
