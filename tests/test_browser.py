"""Every published report (and the index) opened offline in headless chromium, plus proof that each check fails.

The report tests need the session's `published` folder (tests/conftest.py); the meta-tests below them run
the same checker on small crafted pages, each made to trip exactly one check, and on one clean page.
Screenshots of the reports go to test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser import check_report, heading_problems

from attain.paths import project_root

pytestmark = pytest.mark.browser

SCREENSHOTS = project_root() / "test-artifacts" / "screenshots"


@dataclass(frozen=True)
class Page:
    headings: tuple[str, ...]     # the main sections, in order of appearance (i18n texts, written out by hand)
    min_images: int = 0           # charts the report embeds at least
    lang: str = "zh"


TRACKING_ZH = ("进度追踪 · Progress tracking", "结论摘要", "目标记分牌", "跟踪表", "偏差下钻", "预警",
               "模块KPI与预算执行", "负责人视图", "风险与应对预案")
TRACKING_EN = ("进度追踪 · Progress tracking", "Key findings", "Goal scoreboard", "Tracking table",
               "Where the gaps are", "Alerts", "Module KPIs and budget", "Owners at a glance",
               "Risks and contingencies")

PAGES = {
    "2026-08/01_situation_analysis.html": Page(
        ("形势分析 · Situation analysis", "结论摘要", "数据时效与质量", "经营概况", "月度经营指标",
         "渠道分组：流量与GMV结构", "渠道效率", "品类与区域结构", "客户", "新客与老客", "SWOT分析", "能力成熟度"),
        min_images=3),
    "2026/02_goal_setting.html": Page(
        ("目标设定 · 分解 · 预算", "结论摘要", "SMART检查", "可达成性", "目标分解", "目标—战略矩阵", "行动路线图",
         "资源配置与预算", "当前与建议分配"),
        min_images=6),
    "2026-Q3/03_tracking.html": Page(TRACKING_ZH, min_images=2),
    "2026-Q3/03_tracking-hq.html": Page(TRACKING_EN, min_images=2, lang="en"),
    "2026-Q2/04_quarterly_retrospective.html": Page(
        ("季度复盘 · Quarterly retrospective", "结论摘要", "目标达成", "驱动因素分析", "渠道回报", "A/B测试",
         "成功因素与不足", "经验沉淀：知识库", "下季度目标建议"),
        min_images=4),
    # newest period first (2026 ends in December), then the run log; the English audience run keeps it Chinese
    "index.html": Page(("报告索引", "期间 2026", "期间 2026-Q3", "期间 2026-08", "期间 2026-Q2", "最近的运行")),
}


def screenshot_path(rel: str) -> Path:
    """test-artifacts/screenshots/2026-Q3__03_tracking.png for 2026-Q3/03_tracking.html."""
    return SCREENSHOTS / (rel.removesuffix(".html").replace("/", "__") + ".png")


# --- the checks can fail: crafted pages ---------------------------------------------------------

def _png_1x1() -> bytes:
    """A valid one-pixel red PNG, built by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


GOOD_PNG = "data:image/png;base64," + base64.b64encode(_png_1x1()).decode()
GOOD_SVG = ("data:image/svg+xml;base64," + base64.b64encode(
    b"<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'><rect width='40' height='20' fill='teal'/>"
    b"</svg>").decode())


def _write(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text("<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>t</title>"
                    "<style>body { font-family: sans-serif; }</style></head>"
                    f"<body>{body}</body></html>", encoding="utf-8")
    return path


def _check(tmp_path: Path, body: str, **kw):
    return check_report(_write(tmp_path, body), screenshot=tmp_path / "shot.png", **kw)


CLEAN = f"""
<h1>报告标题 Report</h1>
<div class="jp-Cell jp-MarkdownCell"><div class="jp-InputArea"><h2>结论摘要（截至 2026-08-15）</h2>
  <p>目标达成：GMV ¥1,234万 → 同比 +12.5% ⚠ 注意</p></div></div>
<div class="jp-Cell jp-CodeCell" style="display:none"><div class="jp-InputArea"><pre>x = 1</pre></div></div>
<h2>目标记分牌</h2>
<img src="{GOOD_PNG}" alt="png"> <img src="{GOOD_SVG}" alt="svg">
<p><a href="https://example.com/more">a link is not a request</a></p>
<script>console.log("fine"); console.warn("only a warning");</script>
"""


def test_a_clean_page_passes_every_check(tmp_path):
    found = _check(tmp_path, CLEAN, headings=["报告标题", "结论摘要", "目标记分牌"])
    assert found.problems() == {}, found.summary()
    assert found.images == 2
    assert [tag for tag, _ in found.headings] == ["h1", "h2", "h2"]
    assert found.checked_chars >= 10          # 报 告 标 题 结 论 … ¥ → ⚠ were drawn and compared
    assert (tmp_path / "shot.png").stat().st_size > 1000


def test_a_request_leaving_the_machine_is_blocked_and_reported(tmp_path):
    found = _check(tmp_path, '<link rel="stylesheet" href="https://cdn.example.org/a.css">'
                             '<h1>t</h1><img src="https://example.com/x.png" alt="remote">')
    assert sorted(found.blocked_requests) == ["https://cdn.example.org/a.css", "https://example.com/x.png"]
    assert any("example.com/x.png" in item for item in found.broken_images)     # blocked, so never shown


def test_console_errors_and_uncaught_exceptions_are_reported(tmp_path):
    found = _check(tmp_path, '<h1>t</h1><script>console.error("x")</script><script>notDefined()</script>')
    assert "console.error: x" in found.console_errors
    assert any(item.startswith("uncaught:") and "notDefined" in item for item in found.console_errors)
    assert len(found.console_errors) == 2


def test_an_image_that_does_not_decode_is_reported(tmp_path):
    found = _check(tmp_path, f'<h1>t</h1><img src="data:image/png;base64,iVBORw0KGgoAAAAA" alt="chart">'
                             f'<img src="{GOOD_PNG}" alt="fine">')
    assert found.images == 2
    assert len(found.broken_images) == 1 and "alt=chart" in found.broken_images[0]


def test_a_missing_or_hidden_heading_is_reported(tmp_path):
    found = _check(tmp_path, "<h1>报告标题</h1><h2>结论摘要（截至 2026-08-15）</h2><h3>目标记分牌</h3>"
                             "<h2 style='display:none'>跟踪表</h2>",
                   headings=["报告标题", "结论摘要", "跟踪表"])
    assert found.heading_problems == ["missing: '跟踪表'"]
    assert [text for _, text in found.headings] == ["报告标题", "结论摘要（截至 2026-08-15）", "目标记分牌"]


def test_heading_order_and_matching():
    found = ["进度追踪 · Progress tracking", "结论摘要（截至 2026-08-15）", "目标记分牌", "跟踪表"]
    assert heading_problems(found, ["进度追踪", "结论摘要", "跟踪表"]) == []
    assert heading_problems(found, ["跟踪表", "目标记分牌"]) == ["out of order: '目标记分牌'"]
    assert heading_problems(found, ["结论  摘要"]) == ["missing: '结论  摘要'"]   # no fuzzy matching
    assert heading_problems(["Key  findings\n(as of x)"], ["Key findings"]) == []   # whitespace normalised


LAB_CODE_CELL = """
<h1>t</h1>
<div class="jp-Cell jp-CodeCell jp-Notebook-cell"><div class="jp-Cell-inputWrapper">
  <div class="jp-InputArea jp-Cell-inputArea">
    <div class="jp-InputPrompt jp-InputArea-prompt">In [1]:</div>
    <div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline"><div class="cm-editor">
      <div class="highlight hl-ipython3"><pre><span></span>r = report.analyse(ds)</pre></div></div></div>
  </div></div></div>
"""


def test_a_visible_code_cell_is_reported(tmp_path):
    found = _check(tmp_path, LAB_CODE_CELL)
    assert any("report.analyse" in item for item in found.visible_code), found.visible_code
    classic = _check(tmp_path, '<h1>t</h1><div class="cell code_cell"><div class="input"><div class="prompt '
                               'input_prompt">In [1]:</div><div class="inner_cell"><div class="input_area">'
                               '<div class="highlight"><pre>x = 1</pre></div></div></div></div></div>')
    assert any("x = 1" in item for item in classic.visible_code), classic.visible_code


@pytest.mark.parametrize("exclude_input", [False, True])
def test_code_check_on_real_nbconvert_output(tmp_path, exclude_input):
    """nbconvert's own lab template: inputs shown are caught; with exclude_input nothing is (markdown cells,
    which also sit in a .jp-InputArea, are not code)."""
    import nbformat
    from nbconvert import HTMLExporter
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 标题"),
                                         nbformat.v4.new_code_cell("total = 40 + 2\nprint(total)")])
    html, _ = HTMLExporter(template_name="lab", exclude_input=exclude_input).from_notebook_node(nb)
    path = tmp_path / "nb.html"
    path.write_text(html, encoding="utf-8")
    found = check_report(path)
    if exclude_input:
        assert found.visible_code == []
    else:
        assert any("total = 40 + 2" in item for item in found.visible_code), found.visible_code


def test_missing_glyphs_are_reported_as_tofu(tmp_path):
    """U+0378, U+0379 and U+0530 are unassigned: no font has them, so chromium draws its missing-glyph box.
    They are caught in two different fonts, while the Chinese text in the same elements is not."""
    found = _check(tmp_path, "<h1 style='font-family: serif'>目标达成</h1><p>目标\u0378 和 目标\u0379</p>"
                             "<p style='font-family: \"Noto Sans CJK SC\"; font-size: 22px; font-weight: bold'>"
                             "目标达成 ¥ → \u0530</p>")
    codes = sorted(item.split()[0] for item in found.tofu)
    assert codes == ["U+0378", "U+0379", "U+0530"], found.tofu
    assert not any(ch in item for item in found.tofu for ch in "目标达成和¥→")
    assert "Noto Sans CJK SC" in next(item for item in found.tofu if item.startswith("U+0530"))
    assert found.problems().keys() == {"tofu"}


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.skipif(not DEJAVU.is_dir(), reason="needs Debian's fonts-dejavu-core")
def test_chinese_without_a_cjk_font_is_tofu(tmp_path):
    """The failure this check exists for: the same page, once with the machine's fonts and once with a
    fontconfig that only knows DejaVu (no CJK font): the Chinese characters become tofu, the ¥ does not."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>{DEJAVU}</dir>"
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    page = _write(tmp_path, "<h1>目标达成 ¥1,234</h1>")
    assert check_report(page).tofu == []
    codes = {item.split()[0] for item in check_report(page, env={"FONTCONFIG_FILE": str(conf)}).tofu}
    assert codes == {"U+76EE", "U+6807", "U+8FBE", "U+6210"}      # 目 标 达 成


# --- the published reports: last, so under xdist the tests above run while another worker renders ---

def test_every_published_page_is_checked(published):
    """A new report cannot slip past the browser suite: the pages on disk are exactly PAGES."""
    out, _ = published
    pages = set()
    for path in out.rglob("*.html"):
        rel = path.relative_to(out)
        if not any(part.startswith(("_", ".")) for part in rel.parts[:-1]):
            pages.add(rel.as_posix())
    assert pages == set(PAGES)


@pytest.mark.parametrize("rel", list(PAGES))
def test_page_reads_well_offline(published, rel):
    out, _ = published
    page, shot = PAGES[rel], screenshot_path(rel)
    found = check_report(out / rel, headings=page.headings, screenshot=shot)
    print(f"screenshot: {shot}")
    assert found.problems() == {}, found.summary()
    assert any(tag == "h1" for tag, _ in found.headings), found.headings
    assert found.images >= page.min_images
    assert shot.stat().st_size > 20_000                      # a real picture, not a blank page
    if rel != "index.html":
        assert found.checked_chars >= 100                    # the glyph check looked at the Chinese text
    if page.lang == "en":
        assert found.headings[1][1].startswith("Key findings")
