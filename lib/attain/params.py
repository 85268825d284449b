"""Typed notebook parameters and the notebook registry.

Every notebook run goes through :func:`validate_params` before anything executes: an
unknown key or a malformed value is a :class:`~attain.errors.ParameterError` that names
the key, the value and the expected form. Validated parameters are plain JSON values
(strings and ints) because papermill would turn a ``date`` object into a string anyway.

Dates and periods stay ISO strings (``2026-06-30``, ``2026-Q3``, ``2026-07``, ``2026``);
the notebooks parse them with the library. Nothing here reads today's date: ``as_of`` is
always given by the caller.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from attain.errors import ParameterError

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_RE = re.compile(r"^\d{4}$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-?[Qq]([1-4])$")

# The expected form of each parameter, as shown in error messages.
EXPECTED: dict[str, str] = {
    "as_of": "an ISO date YYYY-MM-DD, e.g. 2026-06-30",
    "period": "a year YYYY, a quarter YYYY-Qn or a month YYYY-MM, e.g. 2026-Q3",
    "data_dir": "a folder path (non-empty text)",
    "plan_dir": "a folder path (non-empty text)",
    "lang": "zh or en",
    "lookback_months": "a whole number from 1 to 120",
    "cadence": "daily, weekly or monthly",
    "audience": "lower-case letters, digits, '-' or '_' (part of the report's file name), e.g. hq",
    "owner": "the name of a goal owner in goals.yaml",
}


# --------------------------------------------------------------------------- values

def check_as_of(value: Any) -> str:
    """``value`` as an ISO date string; a ``date`` object is accepted and converted."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        raise ValueError("not an ISO date")
    text = value.strip()
    date.fromisoformat(text)  # rejects 2026-02-30
    return text


def check_period(value: Any) -> str:
    """``value`` as ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM`` (``2026q3`` becomes ``2026-Q3``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("not a period")
    text = value.strip()
    if _YEAR_RE.match(text):
        return text
    m = _QUARTER_RE.match(text)
    if m:
        return f"{m.group(1)}-Q{m.group(2)}"
    m = _MONTH_RE.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return text
    raise ValueError("not a period")


def check_int(value: Any) -> Any:
    """Refuse booleans and fractional numbers; whole-number text passes on to pydantic."""
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, str) and not re.fullmatch(r"\s*[+-]?\d+\s*", value):
        raise ValueError("not a whole number")
    return value


def default_period(as_of: str | date, grain: str = "quarter") -> str:
    """The quarter (or year) that contains ``as_of``: ``default_period("2026-08-15") == "2026-Q3"``;
    grain ``"last_quarter"``: the last quarter complete on ``as_of`` (``"2026-Q2"``; ``"2026-Q3"`` on 30 Sep)."""
    day = date.fromisoformat(check_as_of(as_of))
    if grain == "last_quarter":   # plain dates here (no pandas): Airflow reads the schedule through this module
        quarter = (day.month - 1) // 3 + 1
        next_start = date(day.year + (quarter == 4), quarter % 4 * 3 + 1, 1)
        if day != next_start - timedelta(days=1):
            day = date(day.year, (quarter - 1) * 3 + 1, 1) - timedelta(days=1)   # the previous quarter's end
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year) if grain == "year" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# --------------------------------------------------------------------------- models

class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    as_of: str
    data_dir: str | None = Field(default=None, min_length=1)
    plan_dir: str | None = Field(default=None, min_length=1)
    lang: Literal["zh", "en"] = "zh"
    audience: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")

    @field_validator("data_dir", "plan_dir", mode="before")
    @classmethod
    def _check_path(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @field_validator("as_of", mode="before")
    @classmethod
    def _check_as_of(cls, value: Any) -> str:
        return check_as_of(value)


class _PeriodBase(_Base):
    period: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _check_period(cls, value: Any) -> str | None:
        return None if value is None else check_period(value)


class SituationParams(_Base):
    """01_situation_analysis."""

    lookback_months: int = Field(default=24, ge=1, le=120)

    @field_validator("lookback_months", mode="before")
    @classmethod
    def _check_lookback(cls, value: Any) -> Any:
        return check_int(value)


class GoalSettingParams(_PeriodBase):
    """02_goal_setting."""


class TrackingParams(_PeriodBase):
    """03_tracking. ``reports_dir``: where the published reports are (the previous run's alerts are read
    there); the runner passes its output folder. ``owner``: only this owner's goals (a report per owner)."""

    cadence: Literal["daily", "weekly", "monthly"] = "weekly"
    reports_dir: str | None = None
    owner: str | None = Field(default=None, min_length=1)

    @field_validator("reports_dir", mode="before")
    @classmethod
    def _check_reports_dir(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value


class RetrospectiveParams(_PeriodBase):
    """04_quarterly_retrospective: ``period`` is a quarter (default: the last complete one)."""

    @field_validator("period")
    @classmethod
    def _a_quarter(cls, value: str | None) -> str | None:
        if value is not None and not _QUARTER_RE.match(value):
            raise ValueError(f"the retrospective is for a quarter, not {value!r}; write e.g. 2026-Q2")
        return value


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class NotebookSpec:
    name: str
    file: str
    model: type[BaseModel]
    period_based: bool
    title_zh: str
    title_en: str
    period_grain: str = "quarter"   # the default period: the quarter (or year) of as_of

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh

    @property
    def allowed(self) -> list[str]:
        return sorted(self.model.model_fields)


def _spec(name: str, model: type[BaseModel], period_based: bool, zh: str, en: str,
          period_grain: str = "quarter") -> NotebookSpec:
    return NotebookSpec(name, f"{name}.ipynb", model, period_based, zh, en, period_grain)


NOTEBOOKS: dict[str, NotebookSpec] = {
    s.name: s
    for s in (
        _spec("01_situation_analysis", SituationParams, False, "形势分析", "Situation analysis"),
        _spec("02_goal_setting", GoalSettingParams, True, "目标设定", "Goal setting", "year"),
        _spec("03_tracking", TrackingParams, True, "进度追踪", "Progress tracking"),
        _spec("04_quarterly_retrospective", RetrospectiveParams, True,
              "季度复盘", "Quarterly retrospective", "last_quarter"),
    )
}


def find_notebook(name: str) -> NotebookSpec:
    """The spec for ``"01"``, ``"situation_analysis"``, ``"01_situation_analysis"`` (or
    ``...ipynb``). ``"all"`` is not a single notebook: use :func:`select_notebooks`."""
    key = str(name).strip().lower().removesuffix(".ipynb").replace("-", "_")
    for spec in NOTEBOOKS.values():
        number, _, short = spec.name.partition("_")
        if key in (spec.name, number, short, number.lstrip("0")):
            return spec
    choices = ", ".join(["all", *NOTEBOOKS])
    raise ParameterError(f"unknown notebook {name!r}; choose one of: {choices}",
                         hint="give the number (01) or the name (situation_analysis)")


def select_notebooks(names: Iterable[str]) -> list[NotebookSpec]:
    """Specs for several names in registry order, without duplicates; ``"all"`` = every one."""
    wanted: set[str] = set()
    for name in names:
        if str(name).strip().lower() == "all":
            wanted.update(NOTEBOOKS)
        else:
            wanted.add(find_notebook(name).name)
    return [spec for key, spec in NOTEBOOKS.items() if key in wanted]


def _as_spec(name_or_spec: str | NotebookSpec) -> NotebookSpec:
    return name_or_spec if isinstance(name_or_spec, NotebookSpec) else find_notebook(name_or_spec)


# --------------------------------------------------------------------------- validation

def _describe(spec: NotebookSpec, err: Mapping[str, Any]) -> str:
    key = str(err["loc"][0]) if err.get("loc") else "?"
    if err["type"] == "missing":
        return f"parameter {key!r} is required for {spec.name}; expected {EXPECTED.get(key, 'a value')}"
    if err["type"] == "extra_forbidden":
        return _unknown_message(spec, [key])
    value = err.get("input")
    expected = EXPECTED.get(key, "a valid value")
    if key == "period" and spec.period_grain == "last_quarter":
        expected = "a quarter YYYY-Qn, e.g. 2026-Q2"
    return f"parameter {key!r} = {value!r} is not valid for {spec.name}; expected {expected}"


def _unknown_message(spec: NotebookSpec, keys: list[str]) -> str:
    names = ", ".join(repr(k) for k in keys)
    word = "parameters" if len(keys) > 1 else "parameter"
    return f"unknown {word} {names} for {spec.name}; allowed: {', '.join(spec.allowed)}"


def validate_params(name_or_spec: str | NotebookSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``raw`` against the notebook's model and return plain JSON values.

    Defaults of the model (``lang``, ``lookback_months``) are filled in; optional values
    that were not given (``data_dir``, ``cadence``) are left out so the notebook's own
    default applies. A period-based notebook always gets a ``period``: the quarter of
    ``as_of`` unless one is given, so the report folder and the notebook agree.
    """
    spec = _as_spec(name_or_spec)
    unknown = sorted(k for k in raw if k not in spec.model.model_fields)
    if unknown:
        raise ParameterError(_unknown_message(spec, unknown))
    try:
        model = spec.model.model_validate(dict(raw))
    except ValidationError as exc:
        raise ParameterError("; ".join(_describe(spec, e) for e in exc.errors())) from None
    values = model.model_dump(exclude_none=True)
    if spec.period_based and "period" not in values:
        values["period"] = default_period(values["as_of"], spec.period_grain)
    return values


def period_label(name_or_spec: str | NotebookSpec, params: Mapping[str, Any]) -> str:
    """The report folder name: the ``period`` parameter, else the ``as_of`` month."""
    spec = _as_spec(name_or_spec)
    if spec.period_based and params.get("period"):
        return check_period(params["period"])
    if spec.period_based:
        return default_period(params["as_of"], spec.period_grain)
    return check_as_of(params["as_of"])[:7]


def output_name(name_or_spec: str | NotebookSpec, params: Mapping[str, Any]) -> str:
    """The published file name without suffix: the notebook's name, plus ``_daily`` / ``_monthly`` for a
    daily or monthly tracking report, plus ``-<audience>`` for a report made for one audience — so no two
    reports of one period overwrite each other (``03_tracking_daily-hq``)."""
    spec = _as_spec(name_or_spec)
    cadence = params.get("cadence")
    name = spec.name + (f"_{cadence}" if cadence in ("daily", "monthly") else "")
    return name + (f"-{params['audience']}" if params.get("audience") else "")


# --------------------------------------------------------------------------- command line

def parse_cli_params(items: Iterable[str]) -> dict[str, str]:
    """``["as_of=2026-06-30", "lang=en"]`` → ``{"as_of": "2026-06-30", "lang": "en"}``.

    Values stay text (validation converts ``lookback_months``); ``-`` in keys becomes ``_``.
    """
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ParameterError(f"parameter {item!r} is not of the form key=value",
                                 hint="write e.g. -p as_of=2026-06-30")
        if key in out:
            raise ParameterError(f"parameter {key!r} is given twice ({out[key]!r} and {value!r})")
        out[key] = value.strip()
    return out


def merge_params(options: Mapping[str, Any], cli_params: Mapping[str, Any]) -> dict[str, Any]:
    """Join named command options (``None`` = not given) with ``-p key=value`` items.

    A key given both ways is an error, even with the same value.
    """
    given = {k: v for k, v in options.items() if v is not None}
    both = sorted(set(given) & set(cli_params))
    if both:
        raise ParameterError(
            f"parameter {both[0]!r} is given both as an option and with -p; give it once")
    return {**given, **cli_params}
