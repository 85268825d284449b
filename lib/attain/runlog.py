"""The run log ``<reports>/runs.jsonl``: one JSON line when a notebook run starts, one when it ends.

A run's lines share its ``run_id``; the last line wins. The start line says ``"status": "running"`` with the
process id and host, so a run killed outright (``kill -9``, a power cut) still shows in the log: a "running"
run whose process is gone is read as ``interrupted`` (:func:`runs`), and :func:`close_dead_runs` writes that
down as an end line so the file itself tells the truth. An end line carries the status (``ok``, ``failed``,
``interrupted``), the duration, the published files and a one-paragraph error summary.

Paths in the log are relative to the reports folder. Lines are appended under an exclusive lock, so runs in
parallel never interleave a line. The log holds parameters and file names, never data rows or secrets.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from attain.redaction import redact

try:  # POSIX; elsewhere appends are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOG_NAME = "runs.jsonl"
ERROR_CHARS = 600
FINAL = ("ok", "failed", "interrupted")


def log_path(out_dir: Path) -> Path:
    return Path(out_dir) / LOG_NAME


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def new_run_id(started: datetime) -> str:
    return f"{started.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"


def relative(path: Path | None, out_dir: Path) -> str | None:
    """``path`` relative to the reports folder (as text), or None."""
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(Path(out_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


def short_error(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(redact(str(text)).split())   # an error may quote a secret of the environment
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 1] + "…"


@contextlib.contextmanager
def _locked(path: Path, mode: str) -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode, encoding="utf-8") as fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_UN)


def append(out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Append one line (a whole line or nothing: one write under the lock, then fsync)."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    with _locked(log_path(out_dir), "a") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return record


def start(out_dir: Path, *, job: str | None, notebook: str, target: str, audience: str | None, period: str,
          title: str, params: dict[str, Any], started: datetime | None = None,
          staging: Path | None = None) -> dict[str, Any]:
    """Write the start line of a run; returns the record to finish with :func:`finish`. ``staging`` is the
    run's scratch folder, removed by :func:`close_dead_runs` if the run dies without cleaning up."""
    started = started or utc_now()
    record = {"run_id": new_run_id(started), "job": job, "notebook": notebook, "target": target,
              "staging": relative(staging, out_dir),
              "audience": audience, "period": period, "title": title, "params": dict(params),
              "started": started.isoformat(), "status": "running", "pid": os.getpid(),
              "host": socket.gethostname(), "seconds": None, "html": None, "ipynb": None, "alerts": None,
              "failed_notebook": None, "error": None}
    return append(out_dir, record)


def finish(out_dir: Path, record: dict[str, Any], status: str, *, seconds: float, **files: Any) -> dict[str, Any]:
    """Write the end line of ``record``'s run: ``status`` is ok, failed or interrupted; ``files`` are paths
    (html, ipynb, alerts, failed_notebook) and ``error`` text."""
    if status not in FINAL:
        raise ValueError(f"status must be one of {FINAL}, not {status!r}")
    end = dict(record, status=status, seconds=round(float(seconds), 1), finished=utc_now().isoformat())
    for key in ("html", "ipynb", "alerts", "failed_notebook"):
        if key in files:
            end[key] = relative(files[key], out_dir)
    if "error" in files:
        end["error"] = short_error(files["error"])
    return append(out_dir, end)


def read_lines(out_dir: Path) -> list[dict[str, Any]]:
    """Every readable line of the log in file order (a damaged line is skipped, not fatal)."""
    path = log_path(out_dir)
    if not path.is_file():
        return []
    lines = []
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            item = json.loads(text)
            if isinstance(item, dict) and item.get("run_id"):
                lines.append(item)
    return lines


def _alive(record: dict[str, Any]) -> bool:
    """Is the process that started this run still there? (Only answerable on the same host.)"""
    if record.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(record.get("pid") or 0), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OverflowError):
        return True
    return int(record.get("pid") or 0) > 0


def runs(out_dir: Path) -> list[dict[str, Any]]:
    """One record per run, oldest first; a "running" run whose process is gone is shown as interrupted."""
    folded: dict[str, dict[str, Any]] = {}
    for line in read_lines(out_dir):
        folded[line["run_id"]] = line
    out = []
    for record in folded.values():
        if record.get("status") == "running" and not _alive(record):
            record = dict(record, status="interrupted",
                          error=record.get("error") or "the run's process ended before the run finished")
        out.append(record)
    return sorted(out, key=lambda r: (r.get("started") or "", r["run_id"]))


def close_dead_runs(out_dir: Path) -> list[dict[str, Any]]:
    """Write an end line for every run whose process died without one, and remove its scratch folder (never a
    published file: only a folder under ``_staging/``); returns those records."""
    closed = []
    for record in runs(out_dir):
        if record["status"] == "interrupted" and not record.get("finished"):
            closed.append(append(out_dir, dict(record, finished=utc_now().isoformat())))
            scratch = Path(out_dir) / str(record.get("staging") or "")
            if record.get("staging") and scratch.parent == Path(out_dir) / "_staging":
                shutil.rmtree(scratch, ignore_errors=True)
    return closed


def latest_by_report(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(period, published name) -> the newest run of that report."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        latest[(record.get("period") or "", record.get("target") or record.get("notebook") or "")] = record
    return latest
