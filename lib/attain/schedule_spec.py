"""``schedule.yml``: what runs when, read and checked.

A schedule names jobs. Each job has a cron expression (five fields, standard crontab meaning) read in its
timezone (default ``Asia/Shanghai``), the notebooks it runs, the parameters it passes, and optionally
*audiences*: several parameter sets for the same notebooks, each published under its own name
(``03_tracking-hq.html``) so no audience overwrites another's report.

Parameter values may use templates, resolved when the job runs from the job's *as-of* day (the run day minus
``lag_days``, by default 1: yesterday's data is the newest complete day):

=================  ================================================  =====================
``{as_of}``        the as-of day                                     2026-08-16
``{today}``        the day the job runs (its own timezone)           2026-08-17
``{year}``         the as-of year                                    2026
``{quarter}``      the as-of quarter                                 2026-Q3
``{prev_quarter}`` the quarter before                                2026-Q2
``{month}``        the as-of month                                   2026-08
``{prev_month}``   the month before                                  2026-07
``{period}``       the notebook's own default period for as_of       2026 (02), 2026-Q3 (03), 2026-Q2 (04)
=================  ================================================  =====================

Only these names are allowed, with no attribute access or format spec: a template is text substitution,
never code. This module needs only the standard library, PyYAML and pydantic, so an Airflow environment can
read the schedule without installing the workbench's data stack (see ``dags/attain_schedule.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from attain.errors import AttainError, ParameterError
from attain.params import NOTEBOOKS, default_period, find_notebook, validate_params

DEFAULT_TIMEZONE = "Asia/Shanghai"
TEMPLATE_NAMES = ("as_of", "today", "year", "quarter", "prev_quarter", "month", "prev_month", "period")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_CRON_FIELD = re.compile(r"^[A-Za-z0-9*/,\-?]+$")


class ScheduleError(AttainError):
    """schedule.yml cannot be used as written."""


# --------------------------------------------------------------------------- templates

def _quarter(day: dt.date, back: int = 0) -> str:
    index = day.year * 4 + (day.month - 1) // 3 - back
    return f"{index // 4}-Q{index % 4 + 1}"


def _month(day: dt.date, back: int = 0) -> str:
    index = day.year * 12 + day.month - 1 - back
    return f"{index // 12}-{index % 12 + 1:02d}"


def template_values(run_day: dt.date, lag_days: int = 1, notebook: str | None = None) -> dict[str, str]:
    """The template values for a job that runs on ``run_day``."""
    as_of = run_day - dt.timedelta(days=lag_days)
    values = {"as_of": as_of.isoformat(), "today": run_day.isoformat(), "year": str(as_of.year),
              "quarter": _quarter(as_of), "prev_quarter": _quarter(as_of, 1), "month": _month(as_of),
              "prev_month": _month(as_of, 1)}
    spec = NOTEBOOKS.get(notebook) if notebook else None
    values["period"] = (default_period(as_of, spec.period_grain) if spec and spec.period_based
                        else values["quarter"])
    return values


def template_fields(text: str) -> list[str]:
    """The placeholder names in ``text``; a malformed template raises ValueError."""
    names = []
    for _, field_name, spec, conversion in string.Formatter().parse(text):
        if field_name is None:
            continue
        if spec or conversion or field_name not in TEMPLATE_NAMES:
            shown = "{" + field_name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(f"unknown template {shown}")
        names.append(field_name)
    return names


def resolve(value: Any, values: dict[str, str]) -> Any:
    """``value`` with its templates filled in (text only; numbers pass through)."""
    if not isinstance(value, str):
        return value
    template_fields(value)
    return value.format_map(values)


# --------------------------------------------------------------------------- the file

def _scalar(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()      # YAML turns 2026-08-15 into a date; parameters are text
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise ValueError(f"a parameter value must be text or a number, not {type(value).__name__}")


class Job(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str
    cron: str
    timezone: str = DEFAULT_TIMEZONE
    notebooks: list[str]
    params: dict[str, Any] = Field(default_factory=dict)
    audiences: dict[str, dict[str, Any]] = Field(default_factory=dict)
    lag_days: int = Field(default=1, ge=0, le=366)
    timeout: int = Field(default=1800, ge=10, le=86400)
    description: str | None = None

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str) -> str:
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError("a cron expression has five fields: minute hour day-of-month month day-of-week, "
                             "e.g. '0 8 * * mon'")
        return " ".join(fields)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; write an IANA name such as Asia/Shanghai") from None
        return value

    @field_validator("notebooks", mode="before")
    @classmethod
    def _check_notebooks(cls, value: Any) -> list[str]:
        items = [value] if isinstance(value, (str, int)) else value
        if not isinstance(items, list) or not items:
            raise ValueError("list at least one notebook, e.g. [03_tracking]")
        names: list[str] = []
        for item in items:
            if str(item).strip().lower() == "all":
                names.extend(NOTEBOOKS)
                continue
            try:
                names.append(find_notebook(str(item).zfill(2) if isinstance(item, int) else str(item)).name)
            except ParameterError as exc:
                raise ValueError(exc.message) from None
        return list(dict.fromkeys(names))

    @field_validator("params", mode="before")
    @classmethod
    def _check_params(cls, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("params is a mapping of name: value")
        return {str(k): _scalar(v) for k, v in value.items()}

    @field_validator("audiences", mode="before")
    @classmethod
    def _check_audiences(cls, value: Any) -> dict[str, dict[str, Any]]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("audiences is a mapping of audience name: {parameters}")
        out = {}
        for key, params in value.items():
            if not _SLUG.match(str(key)):
                raise ValueError(f"audience name {key!r} must be lower-case letters, digits, '-' or '_' "
                                 "(it becomes part of the report's file name)")
            if params is not None and not isinstance(params, dict):
                raise ValueError(f"audience {key!r}: give its parameters as a mapping")
            out[str(key)] = {str(k): _scalar(v) for k, v in (params or {}).items()}
        return out


@dataclass(frozen=True)
class Target:
    """One notebook run of a job: a notebook for one audience (or for everyone)."""

    job: str
    notebook: str
    audience: str | None
    params: dict[str, Any]          # unresolved templates

    @property
    def id(self) -> str:
        return self.notebook + (f"-{self.audience}" if self.audience else "")


@dataclass(frozen=True)
class Schedule:
    path: Path
    timezone: str
    out: str | None
    jobs: dict[str, Job]

    def job(self, name: str) -> Job:
        if name not in self.jobs:
            raise ScheduleError(f"no job named {name!r}", file=self.path,
                                hint=f"jobs in this file: {', '.join(self.jobs) or '(none)'}")
        return self.jobs[name]


def targets(job: Job) -> list[Target]:
    """The notebook runs of ``job``, audiences in file order."""
    out = []
    for notebook in job.notebooks:
        if not job.audiences:
            out.append(Target(job.name, notebook, None, dict(job.params)))
        for audience, extra in job.audiences.items():
            out.append(Target(job.name, notebook, audience, {**job.params, **extra, "audience": audience}))
    return out


def target_params(target: Target, run_day: dt.date, lag_days: int = 1) -> dict[str, Any]:
    """The parameters of ``target`` for a run on ``run_day``: templates filled in, as_of defaulted."""
    values = template_values(run_day, lag_days, target.notebook)
    params = {k: resolve(v, values) for k, v in target.params.items()}
    params.setdefault("as_of", values["as_of"])
    spec = NOTEBOOKS[target.notebook]
    return {k: v for k, v in params.items() if k in spec.model.model_fields}


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def _check_params(path: Path, job: Job) -> None:
    """Every template is known and every resolved parameter is valid for its notebook."""
    for where, params in [("params", job.params), *((f"audiences.{a}", p) for a, p in job.audiences.items())]:
        for key, value in params.items():
            if isinstance(value, str):
                try:
                    template_fields(value)
                except ValueError as exc:
                    raise ScheduleError(f"{exc} in {value!r}", file=path, where=f"jobs.{job.name}.{where}.{key}",
                                        hint=f"templates: {', '.join('{' + n + '}' for n in TEMPLATE_NAMES)}") from None
        accepted = set().union(*(NOTEBOOKS[n].model.model_fields for n in job.notebooks))
        unknown = sorted(set(params) - accepted - {"audience"})
        if unknown:
            raise ScheduleError(f"unknown parameter {', '.join(map(repr, unknown))}", file=path,
                                where=f"jobs.{job.name}.{where}",
                                hint=f"{', '.join(job.notebooks)} accept: {', '.join(sorted(accepted))}")
    sample_day = dt.date(2026, 1, 15)
    for target in targets(job):
        try:
            validate_params(target.notebook, target_params(target, sample_day, job.lag_days))
        except ParameterError as exc:
            raise ScheduleError(exc.message, file=path, where=f"jobs.{job.name}",
                                hint="fix the job's params (templates are filled in when it runs)") from None


def load_schedule(path: str | Path) -> Schedule:
    """Read and check ``schedule.yml``; any problem is a ScheduleError naming the job and key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ScheduleError("file not found", file=path,
                            hint="create it (see schedule.yml in the project) or pass --schedule") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise ScheduleError(f"not valid YAML ({getattr(exc, 'problem', exc)})", file=path, where=where,
                            hint="check the indentation and quotes; cron expressions need quotes") from None
    except UnicodeDecodeError:
        raise ScheduleError("not UTF-8 text", file=path, hint="save the file as UTF-8") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("jobs"), dict) or not raw["jobs"]:
        raise ScheduleError("no jobs: the file needs a 'jobs:' mapping of job name: settings", file=path)
    unknown = sorted(set(raw) - {"timezone", "out", "jobs"})
    if unknown:
        raise ScheduleError(f"unknown key {unknown[0]!r}", file=path, hint="top-level keys: timezone, out, jobs")
    zone = str(raw.get("timezone") or DEFAULT_TIMEZONE)
    jobs = {}
    for name, body in raw["jobs"].items():
        name = str(name)
        if not _SLUG.match(name):
            raise ScheduleError(f"job name {name!r} must be lower-case letters, digits, '-' or '_'",
                                file=path, where=f"jobs.{name}")
        if not isinstance(body, dict):
            raise ScheduleError("a job is a mapping with cron, notebooks and params", file=path, where=f"jobs.{name}")
        try:
            job = Job.model_validate({"timezone": zone, **body, "name": name})
        except ValidationError as exc:
            err = exc.errors()[0]
            key = _where(err["loc"]) or "?"
            message = "is required" if err["type"] == "missing" else (
                "is not a known setting" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, "))
            raise ScheduleError(f"{key}: {message}", file=path, where=f"jobs.{name}",
                                hint="settings: cron, timezone, notebooks, params, audiences, lag_days, "
                                     "timeout, description") from None
        _check_params(path, job)
        jobs[name] = job
    return Schedule(path, zone, str(raw["out"]) if raw.get("out") else None, jobs)
