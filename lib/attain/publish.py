"""Publishing reports: atomic file writes.

A reader (a browser, a file share, a static web server) must never see a half-written
report. Every file is written to a temporary file in the destination folder and then moved
over the old one with ``os.replace``, which is atomic on one file system. The index page is
built by :mod:`attain.report_index`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

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
