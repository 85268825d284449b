"""Publishing reports: atomic file writes.

A reader (a browser, a file share, a static web server) must never see a half-written
report. Every file is written to a temporary file in the destination folder and then moved
over the old one with ``os.replace``, which is atomic on one file system. The index page is
built by :mod:`attain.report_index`.

A report is several files (``.html``, ``.ipynb``, attachments such as ``.alerts.json``).
:func:`publish_report` writes *all* of them to temporary files first (each fsynced) and renames
only when every one is written, the HTML last; when a write fails (a full disk) the temporary
files are removed and nothing is renamed, so the published set stays entirely the old one.
Publishing holds ``<reports>/.publish.lock``, so two runs of one report never mix their files;
under the lock, temporary files a crashed run left behind are removed.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

try:  # POSIX; elsewhere publishing is not serialised between processes
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FILE_MODE = 0o644
LOCK_NAME = ".publish.lock"
_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_EXTERNAL_RE = re.compile(
    r"<(script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>",
    re.I)


# --------------------------------------------------------------------------- atomic files

def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def write_temp(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new hidden temporary file beside ``path`` (fsynced, mode 644) and return it.
    On failure the partial temporary file is removed and the error raised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see either the old or the new file."""
    tmp = write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(path)


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def external_refs(page: str) -> list[str]:
    """Tags (script/link/img/iframe) whose src/href points to another site."""
    return [m.group(0) for m in _EXTERNAL_RE.finditer(page)]


# --------------------------------------------------------------------------- a report's files

@contextlib.contextmanager
def publish_lock(out_dir: Path) -> Iterator[None]:
    """Hold the reports folder's publishing lock (waits for another publisher)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK_NAME, "a") as fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_stale_temps(targets: list[Path]) -> None:
    """Temporary files of these targets left by a publisher that died (call under the lock only)."""
    for target in targets:
        for stale in target.parent.glob(f"{glob.escape(_temp_prefix(target))}*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):   # not every file system lets a folder be opened or synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish_files(out_dir: Path, files: list[tuple[Path, bytes]],
                  before_rename: Callable[[], None] | None = None) -> None:
    """Publish ``files`` (target, content) as one set, in the order given (put the HTML last).

    Under the publishing lock: every content goes to a temporary file beside its target first; if any
    write fails, the temporary files are removed, nothing is renamed and the error is raised. Only then
    is each temporary file renamed over its target. ``before_rename`` is called between the two steps
    (the runner's crash test hook)."""
    with publish_lock(out_dir):
        _remove_stale_temps([target for target, _ in files])
        temps: list[tuple[Path, Path]] = []
        try:
            for target, data in files:
                temps.append((write_temp(target, data), target))
        except BaseException:
            for tmp, _ in temps:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            raise
        if before_rename is not None:
            before_rename()
        for tmp, target in temps:
            os.replace(tmp, target)
        for folder in dict.fromkeys(target.parent for target, _ in files):
            _fsync_dir(folder)


def publish_report(out_dir: Path, period: str, name: str, *, html_text: str, ipynb_bytes: bytes,
                   extras: dict[str, bytes] | None = None,
                   before_rename: Callable[[], None] | None = None) -> tuple[Path, Path]:
    """Put ``<name>.<extra>`` files, ``<name>.ipynb`` and ``<name>.html`` into ``out_dir/<period>/`` as one set
    (:func:`publish_files`): all written first, then renamed, the HTML last (so a reader who sees the new page
    finds its files beside it). Returns (html, ipynb)."""
    folder = Path(out_dir) / period
    page, ipynb = folder / f"{name}.html", folder / f"{name}.ipynb"
    files = [(folder / f"{name}.{extra}", data) for extra, data in sorted((extras or {}).items())]
    files += [(ipynb, ipynb_bytes), (page, html_text.encode("utf-8"))]
    publish_files(out_dir, files, before_rename)
    return page, ipynb
