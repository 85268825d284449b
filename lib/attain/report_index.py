"""The index page ``<reports>/index.html``: the latest report of every notebook and period, and how its runs went.

It is built from two sources, both on disk: the published pages (``<reports>/<period>/*.html``) and the run log
(``runs.jsonl``, :mod:`attain.runlog`). Per period, one row per report: the link to the last good page, the
status and time of the latest run, and — when that run failed — its error and a link to the failed notebook,
with a note that the page shown is the previous good one. A "recent runs" table lists the last runs. A banner
on top says how many reports' latest run did not succeed, so the answer comes first.

Folders whose names start with ``_`` or ``.`` (``_staging``, ``_failed``, ``_schedule``) are not reports. The
page is self-contained (inline CSS, no scripts) and every piece of text on it is HTML-escaped.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from attain import runlog
from attain.publish import atomic_write_text

try:  # POSIX only; on other systems index updates are simply not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

RECENT_RUNS = 20
_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


@dataclass(frozen=True)
class ReportEntry:
    period: str
    name: str
    title: str
    html: Path
    ipynb: Path | None
    mtime: float


def _period_sort_key(name: str) -> tuple[int, int, int, str]:
    """Newest first: by the period's last month (descending), shorter periods first."""
    m = re.fullmatch(r"(\d{4})(?:-(?:Q([1-4])|(\d{2})))?", name)
    if not m:
        return (1, 0, 0, name)
    year = int(m.group(1))
    if m.group(2):
        end, span = int(m.group(2)) * 3, 3
    elif m.group(3):
        end, span = int(m.group(3)), 1
    else:
        end, span = 12, 12
    return (0, -(year * 12 + end), span, name)


def _read_title(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16384).decode("utf-8", errors="replace")
    except OSError:
        return None
    m = _TITLE_RE.search(head)
    return html.unescape(m.group(1)).strip() if m else None


def _is_report_dir(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith(("_", "."))


def find_reports(out_dir: Path) -> dict[str, list[ReportEntry]]:
    """Reports under ``out_dir/<period>/``, grouped by period, newest period first."""
    out_dir = Path(out_dir)
    groups: dict[str, list[ReportEntry]] = {}
    folders = [p for p in out_dir.iterdir() if _is_report_dir(p)] if out_dir.is_dir() else []
    for folder in sorted(folders, key=lambda p: _period_sort_key(p.name)):
        entries = []
        for page in sorted(folder.glob("*.html")):
            if page.name.startswith("."):
                continue
            nb = page.with_suffix(".ipynb")
            entries.append(ReportEntry(
                period=folder.name, name=page.stem, title=_read_title(page) or page.stem,
                html=page, ipynb=nb if nb.is_file() else None, mtime=page.stat().st_mtime))
        if entries:
            groups[folder.name] = entries
    return groups


# --------------------------------------------------------------------------- page

_TEXT = {
    "zh": {"title": "报告索引", "report": "报告", "notebook": "笔记本", "updated": "报告更新时间", "period": "期间",
           "empty": "还没有报告。", "last_run": "最近一次运行", "duration": "耗时", "note": "说明", "job": "任务",
           "recent": "最近的运行", "started": "开始时间", "status": "状态", "by_hand": "手动", "no_report": "尚无成功的报告",
           "failed_nb": "失败的笔记本", "kept_previous": "显示的是上一次成功的报告",
           "banner": "{n} 个报告最近一次运行没有成功：{names}。", "all_ok": "所有报告最近一次运行都成功了。",
           "ok": "成功", "failed": "失败", "interrupted": "中断", "running": "运行中", "seconds": "{s:.0f} 秒",
           "log": "运行日志：runs.jsonl（每次运行一行 JSON）。"},
    "en": {"title": "Reports", "report": "Report", "notebook": "Notebook", "updated": "Report updated",
           "period": "Period", "empty": "No reports yet.", "last_run": "Latest run", "duration": "Took",
           "note": "Note", "job": "Job", "recent": "Recent runs", "started": "Started", "status": "Status", "by_hand": "by hand",
           "no_report": "no successful report yet", "failed_nb": "failed notebook",
           "kept_previous": "the page linked is the previous good report",
           "banner": "{n} report(s) whose latest run did not succeed: {names}.",
           "all_ok": "The latest run of every report succeeded.", "ok": "ok", "failed": "failed",
           "interrupted": "interrupted", "running": "running", "seconds": "{s:.0f} s",
           "log": "Run log: runs.jsonl (one JSON line per run)."},
}

_COLORS = {"ok": "#2E7D32", "failed": "#C62828", "interrupted": "#E65100", "running": "#1565C0"}

_CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans", "PingFang SC", "Microsoft YaHei",
       system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
th { color: #555; font-weight: 600; white-space: nowrap; } td.time { color: #666; white-space: nowrap; }
td.job { white-space: nowrap; }
.status { font-weight: 600; white-space: nowrap; } .note { color: #555; font-size: .9rem; }
.banner { padding: .6rem .9rem; border-radius: 4px; background: #FDECEA; border-left: 4px solid #C62828; }
.banner.ok { background: #EDF7EE; border-left-color: #2E7D32; }
a { color: #0b5cad; }
"""


def _href(path: Path | str, out_dir: Path) -> str:
    rel = Path(path).relative_to(out_dir).as_posix() if Path(path).is_absolute() else str(path)
    return html.escape(quote(rel), quote=True)


def _link(path: Path | str | None, text: str, out_dir: Path) -> str:
    return f'<a href="{_href(path, out_dir)}">{html.escape(text)}</a>' if path else ""


def _when(iso: str | float | None) -> str:
    if iso is None:
        return ""
    moment = (datetime.fromtimestamp(iso) if isinstance(iso, float) else
              datetime.fromisoformat(str(iso)).astimezone())
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def _status(run: dict | None, text: dict[str, str]) -> str:
    if not run:
        return ""
    status = run.get("status", "")
    color = _COLORS.get(status, "#555")
    return (f'<span class="status" style="color:{color}">{html.escape(text.get(status, status))}</span> '
            f'<span class="note">{html.escape(_when(run.get("started")))}</span>')


def _run_note(run: dict | None, has_page: bool | None, out_dir: Path, text: dict[str, str]) -> str:
    """The error, the failed notebook's link and (``has_page`` not None) whether an older page is shown."""
    if not run or run.get("status") in ("ok", "running"):
        return ""
    parts = [html.escape(run.get("error") or "")]
    if run.get("failed_notebook"):
        parts.append(_link(run["failed_notebook"], text["failed_nb"], out_dir))
    if has_page is not None:
        parts.append(html.escape(text["kept_previous"] if has_page else text["no_report"]))
    return '<span class="note">' + " · ".join(p for p in parts if p) + "</span>"


def _period_rows(period: str, entries: list[ReportEntry], latest: dict, out_dir: Path,
                 text: dict[str, str]) -> list[str]:
    pages = {e.name: e for e in entries}
    names = sorted(set(pages) | {name for (p, name) in latest if p == period})
    rows = []
    for name in names:
        entry, run = pages.get(name), latest.get((period, name))
        title = entry.title if entry else (run or {}).get("title") or name
        report = ((_link(entry.html, title, out_dir) if entry else html.escape(title))
                  + f'<br><span class="note">{html.escape(name)}</span>')
        nb = _link(entry.ipynb, entry.ipynb.name, out_dir) if entry and entry.ipynb else ""
        duration = text["seconds"].format(s=run["seconds"]) if run and run.get("seconds") is not None else ""
        rows.append(f"<tr><td>{report}</td><td>{_status(run, text)}</td><td class=\"time\">{duration}</td>"
                    f"<td>{_run_note(run, entry is not None, out_dir, text)}</td><td>{nb}</td>"
                    f'<td class="time">{html.escape(_when(entry.mtime)) if entry else ""}</td></tr>')
    return rows


def _banner(latest: dict, text: dict[str, str]) -> str:
    if not latest:
        return ""
    bad = [f"{name} ({period})" for (period, name), run in sorted(latest.items())
           if run.get("status") in ("failed", "interrupted")]
    if not bad:
        return f'<p class="banner ok">{html.escape(text["all_ok"])}</p>'
    return (f'<p class="banner">{html.escape(text["banner"].format(n=len(bad), names=", ".join(bad)))}</p>')


def _recent(runs: list[dict], out_dir: Path, text: dict[str, str]) -> list[str]:
    if not runs:
        return []
    head = "".join(f"<th>{html.escape(text[k])}</th>" for k in ("started", "job", "report", "period",
                                                                 "status", "duration", "note"))
    rows = [f'<section><h2>{html.escape(text["recent"])}</h2>\n<table><tr>{head}</tr>']
    for run in reversed(runs[-RECENT_RUNS:]):
        status = run.get("status", "")
        target = run.get("target") or run.get("notebook") or ""
        page = _link(run.get("html"), target, out_dir) if status == "ok" and run.get("html") else html.escape(target)
        duration = text["seconds"].format(s=run["seconds"]) if run.get("seconds") is not None else ""
        note = _run_note(run, None, out_dir, text)
        rows.append(f'<tr><td class="time">{html.escape(_when(run.get("started")))}</td>'
                    f'<td class="job">{html.escape(run.get("job") or text["by_hand"])}</td><td>{page}</td>'
                    f'<td>{html.escape(run.get("period") or "")}</td>'
                    f'<td><span class="status" style="color:{_COLORS.get(status, "#555")}">'
                    f'{html.escape(text.get(status, status))}</span></td><td class="time">{duration}</td>'
                    f"<td>{note}</td></tr>")
    rows.append(f'</table><p class="note">{html.escape(text["log"])}</p></section>')
    return rows


def render_index(out_dir: Path, lang: str = "zh") -> str:
    """The index page for ``out_dir`` as HTML text."""
    out_dir = Path(out_dir)
    text = _TEXT.get(lang, _TEXT["zh"])
    esc = html.escape
    runs = runlog.runs(out_dir)
    latest = runlog.latest_by_report(runs)
    parts = [f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(text['title'])}</title>\n<style>{_CSS}</style>\n</head>",
             f"<body>\n<h1>{esc(text['title'])}</h1>", _banner(latest, text)]
    groups = find_reports(out_dir)
    periods = sorted(set(groups) | {p for (p, _) in latest if p}, key=_period_sort_key)
    if not periods:
        parts.append(f"<p>{esc(text['empty'])}</p>")
    head = "".join(f"<th>{esc(text[k])}</th>" for k in ("report", "last_run", "duration", "note", "notebook",
                                                         "updated"))
    for period in periods:
        parts.append(f'<section><h2>{esc(text["period"])} {esc(period)}</h2>\n<table><tr>{head}</tr>')
        parts.extend(_period_rows(period, groups.get(period, []), latest, out_dir, text))
        parts.append("</table></section>")
    parts.extend(_recent(runs, out_dir, text))
    parts.append("</body>\n</html>\n")
    return "\n".join(p for p in parts if p)


@contextlib.contextmanager
def _index_lock(out_dir: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    with open(out_dir / ".index.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_LANG_RE = re.compile(r'<html lang="(zh|en)"')


def current_lang(out_dir: Path, default: str = "zh") -> str:
    """The language of the index page as it is now (``default`` when there is none)."""
    try:
        with (Path(out_dir) / "index.html").open(encoding="utf-8") as fh:
            m = _LANG_RE.search(fh.read(512))
    except OSError:
        return default
    return m.group(1) if m else default


def write_index(out_dir: Path, lang: str | None = "zh") -> Path:
    """Rebuild ``out_dir/index.html`` atomically from what is on disk; ``lang=None`` keeps the page's language
    (a report made for one audience, e.g. English for head office, does not switch the team's index)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _index_lock(out_dir):
        page = render_index(out_dir, lang or current_lang(out_dir))
        return atomic_write_text(out_dir / "index.html", page)
