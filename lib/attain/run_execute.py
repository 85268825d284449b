"""Execute one notebook with papermill under a whole-notebook time limit and say what went wrong.

:func:`execute` runs the notebook in its own ``python3`` kernel and returns a :class:`Failure` (or None):

* a cell that raised, an ``error`` output, a chart warning "missing from font" or the papermill exception
  flag (:func:`find_failure`);
* the time limit: ``timeout`` covers the whole notebook, not each cell. A :class:`Watchdog` kills this run's
  own kernel (found by a marker on its command line, so runs side by side in one process do not touch each
  other) once the limit has passed;
* a kernel that died otherwise (killed from outside, out of memory).

:func:`failure_message` turns a Failure into the one paragraph the user reads. :func:`kill_kernels` and
:func:`stop_kernels` stop kernels this process started (the watchdog, and the runner after Ctrl-C/SIGTERM).

When the watchdog has stopped a run, nbclient still logs "Kernel died while waiting for execute reply." on the
``papermill`` logger, which would contradict the run's own message; :class:`QuietAfterTimeLimit` drops exactly
that record of exactly that run. Every other papermill/nbclient record passes.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from attain.errors import AttainError
from attain.params import NotebookSpec
from attain.redaction import redact

KERNEL = "python3"
GLYPH_WARNING = "missing from font"
_SKIP_TAGS = {"injected-parameters", "papermill-error-cell-tag"}
CELL_TIMEOUT_MARGIN = 60    # papermill's per-cell limit: only a backstop behind the whole-notebook watchdog
KERNEL_DIED = "Kernel died while waiting for execute reply."   # nbclient's record, exactly
PAPERMILL_LOGGER = "papermill"   # papermill hands this logger to nbclient, which logs KERNEL_DIED on it


@dataclass
class Failure:
    """What went wrong in an executed notebook."""

    cell: int | None  # 1-based position in the notebook as committed
    exec_count: int | None
    ename: str
    evalue: str
    user_error: bool = False
    stopped: str = ""          # "time limit" or "kernel died": the kernel was gone, no cell raised
    limit: int | None = None   # the time limit in seconds, when stopped for it


# --------------------------------------------------------------------------- checks

def _attain_error_names() -> set[str]:
    names, todo = set(), [AttainError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _cell_problem(cell: Any) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", "Error"), out.get("evalue", "")
    for out in cell.get("outputs", []):
        text = out.get("text", "") if out.get("output_type") == "stream" else ""
        if GLYPH_WARNING in text:
            line = next(ln for ln in text.splitlines() if GLYPH_WARNING in ln)
            line = line[line.find("Glyph"):] if "Glyph" in line else line.strip()
            return ("MissingGlyph", "a chart uses characters missing from its font "
                    f"({line.rstrip('.')}); call attain.style.apply(lang) before plotting")
    return None


def _numbered_cells(nb: Any) -> Iterable[tuple[int, Any]]:
    """Cells with their 1-based position in the committed notebook."""
    number = 0
    for cell in nb.cells:
        if _SKIP_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        number += 1
        yield number, cell


def find_failure(nb: Any) -> Failure | None:
    """The first problem in an executed notebook, or None if it ran cleanly."""
    for number, cell in _numbered_cells(nb):
        if cell.cell_type != "code":
            continue
        problem = _cell_problem(cell)
        if problem:
            ename, evalue = problem
            return Failure(number, cell.get("execution_count"), ename, evalue,
                           user_error=ename in _attain_error_names())
    if nb.metadata.get("papermill", {}).get("exception"):
        return Failure(_status_cell(nb), None, "Error",
                       "papermill recorded an exception but no cell shows an error")
    return None


def _status_cell(nb: Any) -> int | None:
    for number, cell in _numbered_cells(nb):
        if cell.get("metadata", {}).get("papermill", {}).get("status") in ("running", "failed"):
            return number
    return None


def _last_started_cell(nb: Any) -> int | None:
    """The cell running when the kernel went away: the last one papermill started (it marks even that one
    "completed" when the kernel dies)."""
    last = None
    for number, cell in _numbered_cells(nb):
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            last = number
    return last


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def failure_message(spec: NotebookSpec, failure: Failure, kept: Path | None) -> str:
    """One paragraph for the user; an AttainError raised in the notebook is shown as is. A secret of the
    environment that the error quotes (a driver may print its connection string) is replaced by ***."""
    failure = dataclasses.replace(failure, evalue=redact(failure.evalue))
    if failure.user_error and failure.evalue.strip():
        return failure.evalue.strip()
    where = f"cell {failure.cell}" if failure.cell else "an unknown cell"
    if failure.exec_count:
        where += f" (In [{failure.exec_count}])"
    kept_text = (f"The failed notebook is kept at {kept}." if kept
                 else "No executed notebook could be kept.")
    if failure.stopped == "time limit":
        return (f"Notebook {spec.name} exceeded its time limit of {failure.limit} s and was stopped in {where}. "
                f"{kept_text} If it needs longer, raise `timeout:` for the job in schedule.yml (for a run by "
                "hand: attain run --timeout SECONDS). The previously published report, if any, was left unchanged.")
    if failure.stopped == "kernel died":
        return (f"Notebook {spec.name} failed in {where}: the kernel died (it was killed from outside or ran out "
                f"of memory). {kept_text} Run it again; if it dies again, look for a memory limit or for what "
                "stops the kernel. The previously published report, if any, was left unchanged.")
    return (f"Notebook {spec.name} failed in {where}: {failure.ename}: "
            f"{_last_line(failure.evalue).rstrip('.')}. {kept_text} "
            "The previously published report, if any, was left unchanged.")


# --------------------------------------------------------------------------- time limit

_WATCHDOG: contextvars.ContextVar[Watchdog | None] = contextvars.ContextVar("attain_watchdog", default=None)


class QuietAfterTimeLimit(logging.Filter):
    """Drops nbclient's KERNEL_DIED record when it comes from a run whose watchdog has fired: that kernel
    did not die, we stopped it, and the run says so. The run is told by a context variable the watchdog sets
    for its execution (asyncio tasks inherit it), so a run beside it in another thread keeps its record."""

    def filter(self, record: logging.LogRecord) -> bool:
        watchdog = _WATCHDOG.get()
        return not (watchdog is not None and watchdog.expired and record.getMessage() == KERNEL_DIED)


QUIET_AFTER_TIME_LIMIT = QuietAfterTimeLimit()


class Watchdog:
    """Kills the kernel whose command line holds ``marker`` once ``limit`` seconds have passed (a limit on the
    whole notebook, not per cell); ``expired`` tells afterwards whether it had to. Use as a context manager
    around the execution (inside it, this watchdog is the one :class:`QuietAfterTimeLimit` consults).
    ``limit`` None: no limit."""

    def __init__(self, limit: float | None, marker: str) -> None:
        self.limit, self.marker, self.expired = limit, marker, False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="attain-watchdog", daemon=True)
        self._token: contextvars.Token | None = None

    def __enter__(self) -> Watchdog:
        self._token = _WATCHDOG.set(self)
        if self.limit is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        if self._token is not None:
            _WATCHDOG.reset(self._token)
            self._token = None

    def _watch(self) -> None:
        if self._done.wait(self.limit):
            return
        self.expired = True
        while not self._done.is_set():        # until papermill notices the kernel is gone
            kill_kernels(self.marker)
            self._done.wait(0.5)


# --------------------------------------------------------------------------- execute

def execute(source: Path, staged: Path, params: Mapping[str, Any], timeout: int | None) -> Failure | None:
    """Run papermill; return the failure (if any). The staged notebook is always written
    when the kernel started. ``timeout``: seconds for the whole notebook (None: no limit)."""
    import papermill as pm

    logging.getLogger(PAPERMILL_LOGGER).addFilter(QUIET_AFTER_TIME_LIMIT)   # once: addFilter skips a repeat
    marker = f"--AttainRun.id={uuid.uuid4().hex}"      # finds this run's kernel among its process's children
    try:
        with Watchdog(timeout, marker) as watchdog:
            pm.execute_notebook(
                str(source), str(staged), parameters=dict(params), kernel_name=KERNEL,
                cwd=str(source.parent), progress_bar=False, log_output=False,
                execution_timeout=timeout + CELL_TIMEOUT_MARGIN if timeout else None,
                # the kernel's own log is noise in a run log: its plain-TCP notice (it talks to us over
                # loopback only), and "KeyboardInterrupt caught in kernel", logged as an ERROR when the
                # kernel manager interrupts it before every shutdown; a cell's error reaches us as output
                extra_arguments=["--IPKernelApp.log_level=CRITICAL", marker])
    except pm.PapermillExecutionError:
        if not watchdog.expired:
            return find_failure(nbformat.read(staged, as_version=4))   # the staged notebook holds the error
        exc = None
    except Exception as error:  # dead kernel, missing kernel ...
        exc = error
    else:
        return find_failure(nbformat.read(staged, as_version=4))
    return _stopped_failure(staged, exc, timeout, watchdog.expired)


def _stopped_failure(staged: Path, exc: Exception | None, timeout: int | None, expired: bool) -> Failure:
    """The failure of a run whose kernel went away (time limit, died) or never ran (``exc``)."""
    nb = nbformat.read(staged, as_version=4) if staged.is_file() else None
    cell = _last_started_cell(nb) if nb is not None else None
    if expired:
        return Failure(cell, None, "TimeLimit", f"over {timeout} s", stopped="time limit", limit=timeout)
    if type(exc).__name__ == "DeadKernelError":
        return Failure(cell, None, "DeadKernelError", str(exc), stopped="kernel died")
    first = str(exc).strip().splitlines()
    return Failure(_status_cell(nb) if nb is not None else None, None, type(exc).__name__,
                   first[0] if first else "")


# --------------------------------------------------------------------------- kernels

def stop_kernels() -> list[int]:
    """Stop the Jupyter kernels this process started (after Ctrl-C or SIGTERM papermill may not get to)."""
    return kill_kernels("ipykernel")


def kill_kernels(marker: str) -> list[int]:
    """Kill this process's child processes with ``marker`` in a command-line part (a kernel: "ipykernel", or
    one run's kernel: its ``--AttainRun.id=...``); returns their pids once they are gone (5 s at most)."""
    import psutil

    stopped = []
    for child in psutil.Process().children(recursive=True):
        try:
            if any(marker in part for part in child.cmdline()):
                child.kill()
                stopped.append(child.pid)
        except psutil.Error:
            pass  # already gone
    psutil.wait_procs([psutil.Process(pid) for pid in stopped if psutil.pid_exists(pid)], timeout=5)
    return stopped
