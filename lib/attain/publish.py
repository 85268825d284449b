"""Publishing reports: atomic file writes and the report index page.

A reader (a browser, a file share, a static web server) must never see a half-written
report. Every file is written to a temporary file in the destination folder and then moved
over the old one with ``os.replace``, which is atomic on one file system.

The index page ``<reports>/index.html`` lists every report found in ``<reports>/*/*.html``
grouped by period folder, newest period first. Folders whose names start with ``_`` or
``.`` (``_staging``, ``_failed``) are not reports. The page is self-contained (inline CSS,
no scripts) and every piece of text on it is HTML-escaped.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

try:  # POSIX only; on other systems index updates are simply not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FILE_MODE = 0o644
_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_EXTERNAL_RE = re.compile(
    r"<(script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>",
    re.I)


# --------------------------------------------------------------------------- atomic files

def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see either the old or the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def external_refs(page: str) -> list[str]:
    """Tags (script/link/img/iframe) whose src/href points to another site."""
    return [m.group(0) for m in _EXTERNAL_RE.finditer(page)]


# --------------------------------------------------------------------------- index

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


_INDEX_TEXT = {
    "zh": {"title": "报告索引", "report": "报告", "notebook": "笔记本", "updated": "更新时间",
           "period": "期间", "empty": "还没有报告。"},
    "en": {"title": "Reports", "report": "Report", "notebook": "Notebook", "updated": "Updated",
           "period": "Period", "empty": "No reports yet."},
}

_INDEX_CSS = """
body { font-family: "Noto Sans CJK SC", "Noto Sans", "PingFang SC", "Microsoft YaHei",
       system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem;
       color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; }
th { color: #555; font-weight: 600; } td.time { color: #666; white-space: nowrap; }
a { color: #0b5cad; }
"""


def _href(entry_path: Path, out_dir: Path) -> str:
    rel = entry_path.relative_to(out_dir).as_posix()
    return html.escape(quote(rel), quote=True)


def _entry_row(entry: ReportEntry, out_dir: Path, text: dict[str, str]) -> str:
    esc = html.escape
    when = datetime.fromtimestamp(entry.mtime).strftime("%Y-%m-%d %H:%M")
    nb_link = (f'<a href="{_href(entry.ipynb, out_dir)}">{esc(entry.ipynb.name)}</a>'
               if entry.ipynb else "")
    return (f'<tr><td><a href="{_href(entry.html, out_dir)}">{esc(entry.title)}</a></td>'
            f"<td>{nb_link}</td><td class=\"time\">{esc(when)}</td></tr>")


def render_index(out_dir: Path, lang: str = "zh") -> str:
    """The index page for ``out_dir`` as HTML text."""
    out_dir = Path(out_dir)
    text = _INDEX_TEXT.get(lang, _INDEX_TEXT["zh"])
    esc = html.escape
    parts = [f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(text['title'])}</title>\n<style>{_INDEX_CSS}</style>\n</head>",
             f"<body>\n<h1>{esc(text['title'])}</h1>"]
    groups = find_reports(out_dir)
    if not groups:
        parts.append(f"<p>{esc(text['empty'])}</p>")
    for period, entries in groups.items():
        parts.append(f'<section><h2>{esc(text["period"])} {esc(period)}</h2>\n<table>'
                     f"<tr><th>{esc(text['report'])}</th><th>{esc(text['notebook'])}</th>"
                     f"<th>{esc(text['updated'])}</th></tr>")
        parts.extend(_entry_row(e, out_dir, text) for e in entries)
        parts.append("</table></section>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


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


def write_index(out_dir: Path, lang: str = "zh") -> Path:
    """Rebuild ``out_dir/index.html`` atomically from what is on disk."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _index_lock(out_dir):
        return atomic_write_text(out_dir / "index.html", render_index(out_dir, lang))


def publish_report(out_dir: Path, period: str, name: str, *, html_text: str,
                   ipynb_bytes: bytes, extras: dict[str, bytes] | None = None) -> tuple[Path, Path]:
    """Put ``<name>.<extra>`` files, ``<name>.ipynb`` and ``<name>.html`` into ``out_dir/<period>/``, each
    atomically, the HTML last (so a reader who sees the new page finds its files beside it)."""
    folder = Path(out_dir) / period
    for extra, data in sorted((extras or {}).items()):
        atomic_write_bytes(folder / f"{name}.{extra}", data)
    ipynb = atomic_write_bytes(folder / f"{name}.ipynb", ipynb_bytes)
    page = atomic_write_text(folder / f"{name}.html", html_text)
    return page, ipynb
