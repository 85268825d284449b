"""Run a notebook with papermill and publish it as a self-contained HTML report.

Order of work, each step only if the previous one succeeded:

1. validate the parameters (:mod:`attain.params`) — nothing runs on a bad parameter;
2. execute with papermill into ``<out>/_staging/<run id>/`` with the notebook's folder as
   the working directory and the ``python3`` kernel;
3. check the executed notebook: a papermill error, an ``error`` output, the papermill
   exception flag or a chart warning "missing from font" all count as failure;
4. render HTML with nbconvert (no code, no prompts, no parameter cells, the ``attain``
   template, ``lang`` set);
5. publish ``<out>/<period>/<name>.html``, ``.ipynb`` and the files the notebook attached
   (:mod:`attain.artifacts`, e.g. ``<name>.alerts.json``) atomically, rebuild the index.

On failure the published files are not touched, the executed notebook is kept in
``<out>/_failed/<period>/<name>-<YYYYmmddTHHMMSS>.ipynb`` and :class:`RunError` explains
what failed in one paragraph. The staging folder is removed in every case.

Steps 2 and 3 live in :mod:`attain.run_execute`: ``timeout`` limits the whole notebook's wall time (not each
cell): a watchdog kills the run's own kernel when the limit is reached and the run fails saying so. A kernel
that dies otherwise (killed from outside, out of memory) fails the run with "the kernel died". Publishing
writes every file of the report before renaming any (:func:`attain.publish.publish_report`); a failed write
(a full disk) leaves the published set as it was. Secrets of the environment that an output or an error
quotes are replaced by ``***`` in the published and the kept notebook, the HTML and the messages
(:func:`attain.redaction.redact`).
Each run first closes the runs of dead processes in the log and removes their scratch folders
(:func:`attain.runlog.close_dead_runs`).

Test hook: ``ATTAIN_TEST_CRASH_BEFORE_PUBLISH=1`` in the environment makes the process die (``os._exit(70)``)
after the report's files are written beside their targets and before any is renamed — a crash between writing
and publishing (:func:`_crash_if_asked`, the only place it is read). Never set it outside tests.

Every run that gets past validation is written to ``<out>/runs.jsonl`` (:mod:`attain.runlog`) when it starts
and when it ends — ok, failed, or interrupted (Ctrl-C, SIGTERM) — then the index is rebuilt and, when a
webhook is configured, a failure or new alerts are announced (:mod:`attain.notify`; never fails the run).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat

from attain import artifacts, paths, runlog
from attain.errors import ParameterError, RunError
from attain.params import NotebookSpec, find_notebook, output_name, period_label, validate_params
from attain.publish import external_refs, publish_report
from attain.redaction import redact
from attain.render import HEADER_LABELS, header_fields, render_html, report_title
from attain.report_index import write_index
from attain.run_execute import (GLYPH_WARNING, KERNEL, Failure, Watchdog, execute, failure_message, find_failure,
                                kill_kernels, stop_kernels)

__all__ = ["CRASH_EXIT", "CRASH_HOOK", "GLYPH_WARNING", "KERNEL", "Failure", "RunResult", "Watchdog",
           "failure_message", "find_failure", "kill_kernels", "publish_failure", "run_many", "run_notebook",
           "stop_kernels"]

log = logging.getLogger(__name__)

CRASH_HOOK = "ATTAIN_TEST_CRASH_BEFORE_PUBLISH"
CRASH_EXIT = 70


@dataclass
class RunResult:
    name: str
    period: str
    html: Path | None
    ipynb: Path | None
    seconds: float
    status: str  # "ok" or "failed"
    error: str | None = None
    failed_notebook: Path | None = None


# --------------------------------------------------------------------------- run

def _resolve(spec_or_name: str | NotebookSpec) -> NotebookSpec:
    return spec_or_name if isinstance(spec_or_name, NotebookSpec) else find_notebook(spec_or_name)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%dT%H%M%S")


def _keep_failed(staged: Path, out_dir: Path, period: str, name: str) -> Path | None:
    if not staged.is_file():
        return None
    folder = out_dir / "_failed" / period
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{_stamp()}.ipynb"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{name}-{_stamp()}-{n}.ipynb"
    shutil.move(str(staged), target)
    redact_file(target)
    return target


def redact_file(path: Path) -> None:
    """Replace in a kept notebook any secret of the environment its outputs quote (a traceback may print a
    connection string)."""
    text = path.read_text(encoding="utf-8")
    clean = redact(text)
    if clean != text:
        path.write_text(clean, encoding="utf-8")


def _publish(spec: NotebookSpec, staged: Path, params: Mapping[str, Any], period: str,
             out_dir: Path) -> tuple[Path, Path, Path | None]:
    lang = params.get("lang", "zh")
    nb = nbformat.read(staged, as_version=4)
    header = {"label": HEADER_LABELS[lang]["label"], "fields": header_fields(params, lang)}
    page = redact(render_html(nb, title=report_title(spec, params, period, lang), lang=lang, header=header))
    for tag in external_refs(page):
        log.warning("%s: report refers to an external resource: %s", spec.name, tag[:200])
    extras = artifacts.collect(nb)
    html_path, ipynb_path = publish_report(
        out_dir, period, output_name(spec, params), html_text=page, ipynb_bytes=redact(staged.read_text(encoding="utf-8")).encode("utf-8"),
        extras=extras, before_rename=_crash_if_asked)
    alerts = html_path.with_name(f"{output_name(spec, params)}.alerts.json") if "alerts.json" in extras else None
    return html_path, ipynb_path, alerts


def _crash_if_asked() -> None:
    """Test hook (see the module docstring): die here, the report's files written but not yet renamed."""
    if os.environ.get(CRASH_HOOK) == "1":
        os._exit(CRASH_EXIT)


def publish_failure(spec: NotebookSpec, exc: Exception, out_dir: Path, period: str, kept: Path | None) -> str:
    """The message of a run whose notebook ran but whose report could not be published."""
    kept_text = f"The executed notebook is kept at {kept}." if kept else "No executed notebook could be kept."
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        folder = Path(exc.filename).parent if exc.filename else out_dir / period
        return (f"Notebook {spec.name} ran, but could not write the report: {os.strerror(exc.errno)} — free space "
                f"in {folder} and run it again. {kept_text} The previously published report was left unchanged.")
    if isinstance(exc, OSError):
        return (f"Notebook {spec.name} ran, but could not write the report: {exc.strerror or exc} "
                f"({exc.filename or out_dir / period}). {kept_text} The previously published report was left "
                "unchanged.")
    return (f"Notebook {spec.name} ran, but publishing its report failed: {type(exc).__name__}: {exc}. "
            f"{kept_text}")


def run_notebook(name: str | NotebookSpec, params: Mapping[str, Any], *, out_dir: Path,
                 notebook_path: Path | None = None, timeout: int | None = 1800,
                 job: str | None = None) -> RunResult:
    """Validate, execute, render and publish one notebook. Raises ParameterError before
    anything runs, RunError if the notebook fails (published files stay as they were).
    ``job`` names the scheduled job in the run log (None: a run by hand)."""
    spec = _resolve(name)
    values = validate_params(spec, params)
    period = period_label(spec, values)
    out_dir = paths.resolve(out_dir)
    if "reports_dir" in spec.model.model_fields and not values.get("reports_dir"):
        values["reports_dir"] = str(out_dir)   # where the notebook finds its previous published run
    source = paths.resolve(notebook_path) if notebook_path else paths.notebooks_dir() / spec.file
    if not source.is_file():
        raise RunError(f"notebook file not found: {source}", hint="check the notebooks/ folder")
    lang = values.get("lang", "zh")
    runlog.close_dead_runs(out_dir)       # runs whose process died: logged as interrupted, scratch removed
    staging = out_dir / "_staging" / f"{_stamp()}-{spec.name}-{uuid.uuid4().hex[:8]}"
    record = runlog.start(out_dir, job=job, notebook=spec.name, target=output_name(spec, values),
                          audience=values.get("audience"), period=period, title=spec.title(lang), params=values,
                          staging=staging)
    staging.mkdir(parents=True)
    started = time.monotonic()
    status, files = "interrupted", {"error": "stopped (Ctrl-C or a stop signal) before the run finished"}
    try:
        staged = staging / Path(spec.file).name
        failure = execute(source, staged, values, timeout)
        if failure is not None:
            kept = _keep_failed(staged, out_dir, period, spec.name)
            err = RunError(failure_message(spec, failure, kept))
            err.failure, err.failed_notebook, err.notebook = failure, kept, spec.name
            status, files = "failed", {"failed_notebook": kept, "error": str(err)}
            raise err
        try:
            html_path, ipynb_path, alerts = _publish(spec, staged, values, period, out_dir)
        except Exception as exc:  # nbconvert or the file system; keep the run for a look
            kept = _keep_failed(staged, out_dir, period, spec.name)
            err = RunError(publish_failure(spec, exc, out_dir, period, kept))
            err.failed_notebook = kept
            status, files = "failed", {"failed_notebook": kept, "error": str(err)}
            raise err from exc
        status, files = "ok", {"html": html_path, "ipynb": ipynb_path, "alerts": alerts}
    finally:
        if status == "interrupted":
            stop_kernels()
        shutil.rmtree(staging, ignore_errors=True)
        _remove_if_empty(out_dir / "_staging")
        _after_run(out_dir, record, status, time.monotonic() - started, files,
                   None if values.get("audience") else lang)
    seconds = time.monotonic() - started
    log.info("%s %s: published %s in %.1f s", spec.name, period, html_path, seconds)
    return RunResult(spec.name, period, html_path, ipynb_path, seconds, "ok")


def _after_run(out_dir: Path, record: dict, status: str, seconds: float, files: dict, lang: str | None) -> None:
    """Log the end of the run, rebuild the index, announce it. None of this may hide the run's own outcome."""
    try:
        end = runlog.finish(out_dir, record, status, seconds=seconds, **files)
        write_index(out_dir, lang)
    except Exception:  # e.g. the disk is full: the report itself is already published (or kept)
        log.exception("%s: could not write the run log or the index", record.get("target"))
        return
    try:
        from attain import notify
        outcome = notify.send(end, reports_dir=out_dir)
        log.info("%s: notification %s", record.get("target"), outcome)
    except Exception:  # notify.send never raises; this is a last guard
        log.exception("%s: notification failed", record.get("target"))


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (another run is staging) or already gone


def run_many(names: Iterable[str | NotebookSpec], params: Mapping[str, Any], *, out_dir: Path,
             jobs: int = 1, notebook_dir: Path | None = None, timeout: int | None = 1800,
             raise_on_failure: bool = True, job: str | None = None) -> list[RunResult]:
    """Run several notebooks with one set of parameters, ``jobs`` at a time, continuing after a failure.

    Each notebook gets only the parameters it accepts; a key no notebook accepts, or a bad
    value, is a ParameterError before anything runs. With ``jobs`` > 1 the notebooks run in
    threads of this process (each in its own kernel; papermill and nbconvert through their
    Python APIs), results in the order asked. ``notebook_dir`` replaces ``notebooks/``. At the
    end a RunError lists every failure (its ``results`` attribute holds all results),
    unless ``raise_on_failure`` is False.
    """
    if jobs < 1:
        raise ParameterError(f"jobs must be 1 or more, not {jobs}")
    specs = list(dict.fromkeys(_resolve(n) for n in names))
    per_spec = _split_params(specs, params)

    def one(spec: NotebookSpec) -> RunResult:
        path = Path(notebook_dir) / spec.file if notebook_dir else None
        return _run_one(spec, per_spec[spec.name], out_dir, path, timeout, job)

    if jobs == 1 or len(specs) == 1:
        results = [one(spec) for spec in specs]
    else:
        with ThreadPoolExecutor(max_workers=min(jobs, len(specs)), thread_name_prefix="attain-run") as pool:
            results = list(pool.map(one, specs))
    failed = [r for r in results if r.status != "ok"]
    if failed and raise_on_failure:
        err = RunError("\n\n".join(f"{r.name}: {r.error}" for r in failed))
        err.results = results
        raise err
    return results


def _split_params(specs: list[NotebookSpec], params: Mapping[str, Any]) -> dict[str, dict]:
    accepted = set().union(*(s.model.model_fields for s in specs))
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ParameterError(
            f"unknown parameter {', '.join(map(repr, unknown))} for "
            f"{', '.join(s.name for s in specs)}; allowed: {', '.join(sorted(accepted))}")
    split = {s.name: {k: v for k, v in params.items() if k in s.model.model_fields}
             for s in specs}
    for spec in specs:
        validate_params(spec, split[spec.name])  # every notebook checked before any runs
    return split


def _run_one(spec: NotebookSpec, params: Mapping[str, Any], out_dir: Path,
             notebook_path: Path | None, timeout: int | None, job: str | None = None) -> RunResult:
    started = time.monotonic()
    try:
        return run_notebook(spec, params, out_dir=out_dir, notebook_path=notebook_path,
                            timeout=timeout, job=job)
    except RunError as exc:
        period = period_label(spec, validate_params(spec, params))
        log.error("%s %s failed: %s", spec.name, period, exc)
        return RunResult(spec.name, period, None, None, time.monotonic() - started, "failed",
                         error=str(exc), failed_notebook=getattr(exc, "failed_notebook", None))
