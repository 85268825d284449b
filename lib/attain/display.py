"""Show results in a notebook: headings, the headline box, formatted tables, figures.

Notebook cells stay one call long: ``show.headlines(...)``, ``show.table(...)``,
``show.figure(...)``. Reports are rendered without code, so everything here produces
output (HTML or Markdown). Every value that reaches HTML is escaped (``html.escape`` or
pandas' ``to_html(escape=True)``): channel and category names come from the data.

The ``*_table`` functions turn the frames of a ``Situation`` into tables of display
strings with headers in the report's language; they return DataFrames so they can be
tested without a notebook.
"""

from __future__ import annotations

import base64
import html
import re
import zlib
import io

import pandas as pd
from matplotlib.figure import Figure

from attain import i18n, style
from attain.situation import OVERVIEW_METRICS, Situation

TABLE_STYLE = "overflow-x:auto;margin:0.4em 0 1.2em 0;"
# label columns (month, channel, metric) read left to right; numbers stay right-aligned
TABLE_CSS = ("<style>.attain-table td:first-child,.attain-table th:first-child{text-align:left}"
             ".attain-table th{text-align:right}.attain-table td{padding:0.25em 0.7em;white-space:nowrap}</style>")
BOX_STYLE = ("border-left:4px solid {color};background:#F4F7FB;padding:0.6em 1.2em 0.6em 1em;"
             "margin:0.6em 0 1.4em 0;border-radius:2px;")
NOTE_STYLE = "color:#666;font-size:0.85em;margin:0 0 1.2em 0;"


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def _html(text: str):
    from IPython.display import HTML

    return HTML(text)


# --- text ---------------------------------------------------------------------------------

_MARKDOWN_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")   # every ASCII punctuation character
_LINE_BREAKS = re.compile(r"[\r\n]+")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def markdown_text(value: str) -> str:
    """``value`` as literal Markdown inline text: ``& < >`` become HTML entities and every other ASCII
    punctuation character is backslash-escaped (CommonMark), so no HTML tag, entity, link, emphasis or math in
    it takes effect; line breaks become spaces (a heading is one line). ``markdown_text('R&D <b>')`` renders
    as the text ``R&D <b>``."""
    return _MARKDOWN_PUNCTUATION.sub(lambda m: _ENTITIES.get(m[0], "\\" + m[0]), _LINE_BREAKS.sub(" ", value))


def heading_markdown(key: str, lang: str, level: int = 2, **fmt) -> str:
    """The heading's Markdown. Text values of ``fmt`` (goal, experiment and owner names come from plan files)
    are shown literally (:func:`markdown_text`): pass them unescaped. Other values are formatted as given."""
    fmt = {k: markdown_text(v) if isinstance(v, str) else v for k, v in fmt.items()}
    return f"{'#' * level} {i18n.t(key, lang, **fmt)}"


def heading(key: str, lang: str, level: int = 2, **fmt) -> None:
    """A section heading in the report's language (Markdown, so it joins the HTML outline); text values of
    ``fmt`` are escaped here and shown literally."""
    from IPython.display import Markdown

    _display(Markdown(heading_markdown(key, lang, level, **fmt)))


def headlines_html(lines: list[str], lang: str, as_of=None) -> str:
    title = i18n.t("section.headlines", lang)
    if as_of is not None:
        title += f"（截至 {as_of}）" if lang == "zh" else f" (as of {as_of})"
    items = "".join(f"<li style='margin:0.3em 0'>{html.escape(line)}</li>" for line in lines)
    return (f"<div class='attain-headlines' style='{BOX_STYLE.format(color=style.SERIES_COLORS['current'])}'>"
            f"<h2 style='margin-top:0.2em'>{html.escape(title)}</h2>"
            f"<ul style='font-size:1.05em;line-height:1.6'>{items}</ul></div>")


def headlines(lines: list[str], lang: str, as_of=None) -> None:
    """The answer first: the key findings in a highlighted box."""
    _display(_html(headlines_html(lines, lang, as_of)))


def note(text: str | None) -> None:
    """A small grey remark under a table or chart; nothing when ``text`` is None."""
    if text:
        _display(_html(f"<p class='attain-note' style='{NOTE_STYLE}'>{html.escape(text)}</p>"))


def paragraph(text: str) -> None:
    _display(_html(f"<p>{html.escape(text)}</p>"))


def html_block(markup: str) -> None:
    """Show markup built by a library function. The caller has escaped every text in it
    that comes from data or plan files (html.escape)."""
    _display(_html(markup))


# --- tables -------------------------------------------------------------------------------

_NUMBERISH = re.compile(r"^[+\-−]?[¥$]?\s?[\d,.]+\s?(%|万|亿|K|M|B|个百分点|\s?pp|天|days?)?(\s?[（(].*[)）])?$")


def text_columns(frame: pd.DataFrame) -> list[int]:
    """Positions of the columns that hold words rather than numbers (most non-empty cells are not numbers)."""
    out = []
    for i, col in enumerate(frame.columns):
        cells = [str(v).strip() for v in frame.iloc[:, i] if str(v).strip() not in ("", i18n.MISSING, "nan")]
        if cells and sum(not _NUMBERISH.match(c) for c in cells) * 2 > len(cells):
            out.append(i)
    return out


def align_css(frame: pd.DataFrame) -> tuple[str, str]:
    """(a class name, a style block) that left-aligns the text columns of ``frame``; numbers stay right-aligned."""
    cols = [i + 1 for i in text_columns(frame) if i > 0]
    if not cols:
        return "", ""
    name = f"attain-t{zlib.crc32(repr(cols).encode()):08x}"
    rules = ",".join(f".{name} td:nth-child({k}),.{name} th:nth-child({k})" for k in cols)
    return name, f"<style>{rules}{{text-align:left;white-space:normal}}</style>"


def table_html(frame: pd.DataFrame) -> str:
    name, css = align_css(frame)
    body = frame.to_html(index=False, escape=True, border=0, na_rep=i18n.MISSING,
                         classes=f"attain-table {name}".strip())
    return f"{TABLE_CSS}{css}<div style='{TABLE_STYLE}'>{body}</div>"


def table(frame: pd.DataFrame | None) -> None:
    """A table of display strings as HTML, without the index; nothing when ``frame`` is None."""
    if frame is not None:
        _display(_html(table_html(frame)))


def _money(v, lang):
    return i18n.fmt_money(v, lang)


def _by_unit(metric: str, lang: str):
    unit = i18n.metric_unit(metric)
    return lambda v: i18n.fmt_value(v, unit, lang)


def _month_cell(month: str, partial: bool, lang: str) -> str:
    return i18n.fmt_month(month, lang) + (i18n.t("flag.partial", lang) if partial else "")


def overview_table(s: Situation, lang: str, metrics=OVERVIEW_METRICS) -> pd.DataFrame:
    """Month by month, latest first: each metric's value, YoY, and MoM for GMV."""
    rows = s.overview.sort_values("month", ascending=False)
    value, yoy, mom = (i18n.t(k, lang) for k in ("col.value", "suffix.yoy", "suffix.mom"))
    cols = {(i18n.t("col.month", lang), ""): [_month_cell(m, p, lang) for m, p in zip(rows["month"], rows["partial"])]}
    for m in metrics:
        name, fmt = i18n.metric_name(m, lang), _by_unit(m, lang)
        cols[(name, value)] = rows[m].map(fmt).to_list()
        cols[(name, yoy)] = rows[f"{m}_yoy"].map(i18n.fmt_growth).to_list()
        if m == "gmv":
            cols[(name, mom)] = rows[f"{m}_mom"].map(i18n.fmt_growth).to_list()
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def partial_note(s: Situation, lang: str) -> str | None:
    if not s.window.partial_month:
        return None
    return i18n.t("flag.partial_note", lang, month=i18n.fmt_month(s.window.partial_month, lang),
                  start=s.window.mtd_start.isoformat(), end=s.window.as_of.isoformat())


def quarter_table(s: Situation, lang: str) -> pd.DataFrame | None:
    """The last full quarter against the same quarter a year earlier."""
    if s.quarter_compare is None:
        return None
    q = s.quarter_compare
    base_q = f"{int(s.quarter[:4]) - 1}{s.quarter[4:]}"
    fmts = [_by_unit(m, lang) for m in q["metric"]]
    return pd.DataFrame({
        i18n.t("col.metric", lang): [i18n.metric_name(m, lang) for m in q["metric"]],
        i18n.fmt_quarter(s.quarter, lang): [f(v) for f, v in zip(fmts, q["current"])],
        i18n.fmt_quarter(base_q, lang): [f(v) for f, v in zip(fmts, q["base"])],
        i18n.t("col.change", lang): [_signed(f, v) for f, v in zip(fmts, q["change"])],
        i18n.t("col.growth", lang): q["growth"].map(i18n.fmt_growth).to_list(),
    })


def _signed(fmt, v) -> str:
    text = fmt(v)
    return text if i18n.is_missing(v) or text.startswith("-") else f"+{text}"


def channel_table(s: Situation, lang: str) -> pd.DataFrame:
    """Each channel over the window: UV and GMV with shares, orders, conversion; a total row."""
    c = s.channels.sort_values("gmv", ascending=False, kind="stable")
    total = {"channel": i18n.t("flag.total", lang), **{k: c[k].sum() for k in ("uv", "gmv", "orders") if k in c},
             "uv_share": 1.0 if "uv" in c else None, "gmv_share": 1.0, "conversion_rate": s.total_conversion}
    c = pd.concat([c, pd.DataFrame([total])], ignore_index=True)
    share = i18n.t("suffix.share", lang)
    out = {i18n.t("col.channel", lang): c["channel"].to_list()}
    for m in ("uv", "gmv", "orders", "conversion_rate"):
        if m not in c:
            continue
        out[i18n.metric_name(m, lang)] = c[m].map(_by_unit(m, lang)).to_list()
        if f"{m}_share" in c:
            out[f"{i18n.metric_name(m, lang)} {share}"] = c[f"{m}_share"].map(lambda v: i18n.fmt_pct(v)).to_list()
    return pd.DataFrame(out)


def shifts_table(s: Situation, lang: str) -> pd.DataFrame | None:
    """Share in the last 3 months vs the same months a year earlier, in percentage points."""
    if s.shifts is None:
        return None
    sh = s.shifts
    recent, base, shift = (i18n.t(k, lang) for k in ("suffix.recent", "suffix.base", "suffix.shift"))
    cols = {(i18n.t("col.channel", lang), ""): sh["channel"].to_list()}
    for v in ("uv", "gmv"):
        if f"{v}_shift" not in sh:
            continue
        group = i18n.t(f"chart.share_{v}", lang)
        cols[(group, recent)] = sh[f"{v}_share_recent"].map(i18n.fmt_pct).to_list()
        cols[(group, base)] = sh[f"{v}_share_base"].map(i18n.fmt_pct).to_list()
        cols[(group, shift)] = sh[f"{v}_shift"].map(lambda x: i18n.fmt_pp(x, lang)).to_list()
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(out.columns)
    return out


def contribution_table(s: Situation, lang: str) -> pd.DataFrame | None:
    """GMV of the last 12 months vs the 12 before, by channel, with each one's contribution."""
    if s.contribution is None:
        return None
    c = s.contribution
    return pd.DataFrame({
        i18n.t("col.channel", lang): c["channel"].to_list(),
        i18n.t("col.last12", lang): c["current"].map(lambda v: _money(v, lang)).to_list(),
        i18n.t("col.prev12", lang): c["base"].map(lambda v: _money(v, lang)).to_list(),
        i18n.t("col.change", lang): c["change"].map(lambda v: i18n.fmt_signed_money(v, lang)).to_list(),
        i18n.t("col.growth", lang): c["growth"].map(i18n.fmt_growth).to_list(),
        i18n.t("col.contribution", lang): c["contribution"].map(lambda v: i18n.fmt_pct(v, decimals=1)).to_list(),
    })


# --- figures ------------------------------------------------------------------------------

def png_bytes(fig: Figure) -> bytes:
    """The figure as a palette PNG: a chart has few colours, so 256 of them (no dithering) look the same as
    full colour at about a quarter of the bytes, which keeps a report with twenty charts small enough to
    mail and to open on a meeting-room laptop."""
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")
    out = io.BytesIO()
    flat.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True)
    return out.getvalue()


def figure_html(fig: Figure, alt: str | None = None) -> str:
    """The figure as an inline PNG (self-contained HTML), shown at its design width."""
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    if alt is None:
        titles = [ax.get_title() or ax.get_title(loc="left") for ax in fig.axes]
        alt = next((t for t in titles if t), "chart")
    width = int(fig.get_figwidth() * style.FIGURE_DPI)
    return (f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}' "
            f"style='max-width:100%;width:{width}px;height:auto'/>")


def figure(fig: Figure | None, alt: str | None = None) -> None:
    """Show a Figure built by ``attain.viz`` (rendered once, as PNG); nothing for None."""
    if fig is not None:
        _display(_html(figure_html(fig, alt)))


# --- sections -----------------------------------------------------------------------------

def overview_monthly_section(s: Situation, lang: str) -> None:
    heading("section.overview.monthly", lang, level=3)
    table(overview_table(s, lang))
    note(partial_note(s, lang))


def quarter_section(s: Situation, lang: str) -> None:
    """The last full quarter vs a year earlier (nothing when the data do not cover it)."""
    if s.quarter_compare is not None:
        heading("section.overview.quarter", lang, level=3, quarter=i18n.fmt_quarter(s.quarter, lang))
        table(quarter_table(s, lang))


def channel_section(s: Situation, lang: str) -> None:
    heading("section.traffic.window", lang, level=3,
            span=i18n.fmt_month_span(s.window.months[0], s.window.months[-1], lang))
    table(channel_table(s, lang))


def shifts_section(s: Situation, lang: str) -> None:
    if s.shifts is not None:
        heading("section.traffic.shifts", lang, level=3)
        table(shifts_table(s, lang))


def contribution_section(s: Situation, lang: str) -> None:
    if s.contribution is not None:
        heading("section.traffic.contribution", lang, level=3)
        table(contribution_table(s, lang))


def stub(ds, lang: str, *, period: str, as_of: str) -> None:
    """A report that is not built yet: a notice, and proof that the data load."""
    paragraph(i18n.t("stub.params", lang, period=period, as_of=as_of))
    paragraph(i18n.t("stub.later", lang))
    start, end = ds.date_range("orders")
    paragraph(i18n.t("stub.data_range", lang, start=start.isoformat(), end=end.isoformat()))
