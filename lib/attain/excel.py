"""The tracking table as an Excel workbook (written next to the HTML report).

``tracking_workbook(t, lang, title=..., as_of=...)`` returns the bytes of an .xlsx with two sheets:

1. **跟踪表 / Tracking table** — a title row, then the table in the domain's columns (bold frozen header,
   column widths, wrapped text, rows tinted by status with the report's colours, a missing cause or measure
   of an off-track goal highlighted), then the note on deviations and deadlines;
2. **计分板 / Scoreboard** — the scoreboard's numbers as numbers (target, actual, expected to date, deviation,
   pace, achievement, forecast and interval, probability), dates as dates, for anyone who wants to compute.

The bytes are deterministic: the workbook's created/modified properties are the ``as_of`` date and every zip
entry is rewritten with the same timestamp, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from attain import i18n
from attain.metric_defs import METRICS
from attain.tracking_table import (
    COLUMNS,
    HIGHLIGHT,
    MARK_COLOR,
    RATIO_UNITS,
    TrackingTable,
    missing_cells,
    note,
    status_fill,
)

WIDTHS = {"module": 14, "goal": 30, "plan": 26, "kpi": 22, "source": 14, "actual": 13, "deviation": 15,
          "cause": 40, "measure": 40, "owner": 9, "deadline": 24}
HEADER_FILL = "E7ECF3"
_SCORE = {  # key: (zh, en, source column or None, kind)
    "goal_id": ("目标编号", "Goal id", "goal_id", "text"), "name": ("目标", "Goal", None, "text"),
    "owner": ("负责人", "Owner", "owner", "text"), "metric": ("指标", "Metric", None, "text"),
    "unit": ("单位", "Unit", "unit", "text"), "direction": ("方向", "Better", None, "text"),
    "period": ("期间", "Period", "goal_period", "text"), "start": ("开始", "Start", "start", "date"),
    "end": ("结束", "End", "end", "date"), "target": ("目标值", "Target", "target", "value"),
    "actual": ("实际(至今)", "Actual to date", "actual", "value"),
    "expected": ("应达(至今)", "Expected to date", "expected", "value"),
    "deviation": ("偏差(目标-实际)", "Deviation (target − actual)", None, "value"),
    "pace": ("进度指数", "Pace index", "pace", "index"), "achievement": ("达成率", "Achievement", "achievement", "pct"),
    "forecast": ("预测落点", "Forecast", "forecast", "value"), "low": ("预测下限(80%)", "Forecast low (80%)", "low", "value"),
    "high": ("预测上限(80%)", "Forecast high (80%)", "high", "value"),
    "probability": ("达成概率", "Probability", "probability", "pct"), "status": ("状态", "Status", None, "text"),
}
i18n.register({
    **{f"excel.col.{k}": {"zh": zh, "en": en} for k, (zh, en, _, _) in _SCORE.items()},
    "excel.sheet.table": {"zh": "跟踪表", "en": "Tracking table"},
    "excel.sheet.scoreboard": {"zh": "计分板", "en": "Scoreboard"},
    "excel.as_of": {"zh": "截至 {as_of}", "en": "as of {as_of}"},
    "excel.direction.higher": {"zh": "越高越好", "en": "higher"},
    "excel.direction.lower": {"zh": "越低越好", "en": "lower"},
})


def _fill(color: str) -> PatternFill:
    c = color.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=c, end_color=c)


def _empty(value) -> bool:
    return value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value))


def _day(value) -> dt.date | None:
    if _empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


#: Decimals kept in the scoreboard sheet. Sums in a parallel engine may differ in the last bits from run to
#: run, and a simulated forecast by a few cents; rounding keeps the workbook byte-identical for the same inputs.
DECIMALS = {"ratio": 6, "index": 4, "pct": 4, "value": 2, "forecast": 0}


def _number(value, places: int | None = None):
    if _empty(value):
        return None
    return float(value) if places is None else round(float(value), places)


def _places(key: str, unit, kind: str) -> int:
    if kind == "value" and unit in RATIO_UNITS:
        return DECIMALS["ratio"]
    if kind == "value" and key in ("forecast", "low", "high"):
        return DECIMALS["forecast"]
    return DECIMALS[kind]


def _cell(ws, row: int, column: int, value):
    """Set a cell; text is always stored as text. openpyxl stores a string starting with '=' as a formula, so
    a goal or channel named '=HYPERLINK(...)' would run in Excel: such a cell is turned back into text."""
    c = ws.cell(row=row, column=column, value=value)
    if c.data_type == "f":
        c.data_type = "s"
    return c


def _table_sheet(ws, t: TrackingTable, lang: str, title: str, as_of: str) -> None:
    frame = t.frames[lang]
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    _cell(ws, 1, 1, f"{title} · {i18n.t('excel.as_of', lang, as_of=as_of)}").font = Font(bold=True, size=14)
    for j, head in enumerate(frame.columns, start=1):
        c = _cell(ws, 2, j, head)
        c.font, c.fill, c.border = Font(bold=True), _fill(HEADER_FILL), border
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS[COLUMNS[j - 1]]
    for i, ((_, raw), values) in enumerate(zip(t.raw.iterrows(), frame.itertuples(index=False)), start=3):
        hot, row_fill = missing_cells(raw), _fill(status_fill(raw["status"]))
        for j, (key, value) in enumerate(zip(COLUMNS, values), start=1):
            c = _cell(ws, i, j, str(value))
            c.alignment, c.border = Alignment(wrap_text=True, vertical="top"), border
            c.fill = _fill(HIGHLIGHT) if key in hot else row_fill
            if key in hot or (key == "deviation" and raw["deviation_bad"]):
                c.font = Font(bold=True, color=MARK_COLOR.lstrip("#"))
    last = 2 + len(frame)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(COLUMNS))}{max(last, 2)}"
    c = _cell(ws, last + 2, 1, note(lang))
    c.alignment, c.font = Alignment(wrap_text=True, vertical="top"), Font(italic=True, color="666666")
    ws.merge_cells(start_row=last + 2, start_column=1, end_row=last + 2, end_column=len(COLUMNS))
    ws.row_dimensions[last + 2].height = 90


def _value_format(unit, kind: str) -> str | None:
    if kind == "value":
        return "0.00%" if unit in RATIO_UNITS else "#,##0.00"
    return {"index": "0.00", "pct": "0.0%", "date": "yyyy-mm-dd"}.get(kind)


def _scoreboard_sheet(ws, t: TrackingTable, lang: str) -> None:
    sb, raw = t.scoreboard.reset_index(drop=True), t.raw.reset_index(drop=True)
    for j, key in enumerate(_SCORE, start=1):
        c = _cell(ws, 1, j, i18n.t(f"excel.col.{key}", lang))
        c.font, c.fill = Font(bold=True), _fill(HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = 24 if key == "name" else 13
    for i, r in sb.iterrows():
        metric, unit, status, way = r.get("metric"), r.get("unit"), r.get("status"), r.get("direction")
        derived = {"name": r.get(f"name_{lang}"),
                   "direction": i18n.t(f"excel.direction.{way}", lang) if way in ("higher", "lower") else None,
                   "metric": i18n.metric_name(metric, lang) if metric in METRICS else None,
                   "deviation": raw.loc[i, "deviation"] if i < len(raw) else None,
                   "status": i18n.t(f"tracking_table.status.{status}", lang)
                   if isinstance(status, str) and f"tracking_table.status.{status}" in i18n.STRINGS else status}
        for j, (key, (_, _, col, kind)) in enumerate(_SCORE.items(), start=1):
            value = derived[key] if col is None else r.get(col)
            value = _day(value) if kind == "date" else (_number(value, _places(key, unit, kind))
                                                        if kind in ("value", "index", "pct") else
                                                        (None if _empty(value) else str(value)))
            c = _cell(ws, i + 2, j, value)
            fmt = _value_format(unit, kind)
            if fmt and value is not None:
                c.number_format = fmt
    ws.freeze_panes = "C2"


def _stamp(as_of: dt.date) -> dt.datetime:
    return dt.datetime.combine(as_of, dt.time())


def deterministic_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same archive with every entry stamped ``when`` (and docProps/core.xml's modified date, which
    openpyxl sets to the clock while saving, replaced by ``when``)."""
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + iso.encode() + rb"\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def tracking_workbook(t: TrackingTable, lang: str, *, title: str, as_of) -> bytes:
    """The tracking table and the scoreboard as .xlsx bytes (deterministic for the same inputs)."""
    i18n.check_lang(lang)
    day = _day(as_of)
    wb = Workbook()
    ws = wb.active
    ws.title = i18n.t("excel.sheet.table", lang)
    _table_sheet(ws, t, lang, title, day.isoformat())
    _scoreboard_sheet(wb.create_sheet(i18n.t("excel.sheet.scoreboard", lang)), t, lang)
    wb.properties.creator = wb.properties.lastModifiedBy = "attain"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = _stamp(day)
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(buf.getvalue(), _stamp(day))


__all__ = ["deterministic_zip", "tracking_workbook"]
