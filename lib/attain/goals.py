"""The goal register (``goals.yaml``) and the execution plan (``plan.yaml``) as typed models.

Two kinds of problems are told apart:

- **structural** problems make the file unreadable as a register — not valid YAML, an unknown key,
  a duplicate goal id, a malformed date, a priority outside 1–3, revisions out of date order. They
  raise ``AttainError`` naming the file, the goal id and the field, with what to do.
- **SMART weaknesses** — no metric, no period, a target in words, no owner or several owners, a
  module missing from plan.yaml — are loaded as written and reported by ``attain.smart.check``,
  so the report can show what a weak goal looks like.

A goal's target history is never overwritten: ``target`` is the target as first set, and each
entry of ``revisions`` (date, new target, reason, approved_by; dates increasing, none before
``created``) supersedes it. ``Goal.current_target`` is the last revision's target.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from attain import paths, planfile
from attain.errors import AttainError

GOALS_FILE = "goals.yaml"
PLAN_FILE = "plan.yaml"

#: Signs and words that join several names in one owner text: "A/B", "A、B", "A, B", "A & B", "A and B".
#: (和/及/与 are not used: they occur inside Chinese given names such as 王和平.)
_OWNER_SPLIT = re.compile(r"\s*[/／、,，;；&＆+]\s*|\s+and\s+", re.IGNORECASE)

_HINTS = {
    "id": "give each goal a short id of its own, e.g. G09",
    "name": "write name: {zh: 中文名称, en: English name} (or one text)",
    "scope": "write scope: {} for the whole business, or e.g. {channel: 直播} / {category: [美妆, 服饰]}",
    "priority": "use 1 (highest), 2 or 3",
    "created": "write the date as YYYY-MM-DD, e.g. 2026-01-05",
    "revisions": "each revision is {date: YYYY-MM-DD, target: …, reason: …, approved_by: one person}, oldest first",
    "decompose": "write decompose: {grain: month or quarter, dims: [channel, category, region]}",
    "start": "write the date as YYYY-MM-DD", "end": "write the date as YYYY-MM-DD",
    "budget": "give the budget in CNY as a number ≥ 0, e.g. 2400000",
    "kpis": "list metric ids, e.g. kpis: [roas, cpa]",
    "actions": "list the module's actions, each {name, owner, start, end, budget, kpis, source, scope, campaign}",
    "campaign": "name the spend table's campaign, * matches any text, e.g. campaign: 双11*",
}


def split_owners(value: Any) -> list[str]:
    """The people named in an owner field: ``"张伟"`` -> [张伟]; ``"A/B"``, ``"A、B"``, ``[A, B]`` -> [A, B]."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        names += [n for n in _OWNER_SPLIT.split(str(item).strip()) if n]
    return names


def _iso_date(value: Any) -> Any:
    """A date from a YAML date or a YYYY-MM-DD text (numbers are not dates)."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (write YYYY-MM-DD)")


def _text_or_none(value: Any) -> Any:
    """Scalars as text; empty text as None (so 'metric:' with nothing after it means no metric)."""
    if value is None or isinstance(value, (list, dict)):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _check_scope(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("scope must map dimensions to values")
    return {str(k): ([str(v) for v in vals] if isinstance(vals, list) else _text_or_none(vals) or "")
            for k, vals in value.items()}


def _target_value(value: Any) -> Any:
    """A target as written: a number stays a number, anything else becomes text for the parser."""
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, (list, dict)):
        raise ValueError("a target is one number or one text, e.g. 7500000, '+20% yoy' or '<= 90'")
    return str(value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Name(_Model):
    """A name in both languages; a single text (or one language) serves for both."""
    zh: str = ""
    en: str = ""

    @model_validator(mode="before")
    @classmethod
    def _one_text(cls, value: Any) -> Any:
        return {"zh": value, "en": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _fill(self) -> Name:
        if not self.zh and not self.en:
            raise ValueError("the name is empty")
        self.zh, self.en = self.zh or self.en, self.en or self.zh
        return self

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Decompose(_Model):
    """How a goal is broken down: by month or quarter, and by which dimensions."""
    grain: Literal["month", "quarter"] = "month"
    dims: list[Literal["channel", "category", "region"]] = Field(default_factory=list)


class Revision(_Model):
    """A change of target: when, to what, why, and who approved it (one entry per change)."""
    date: dt.date
    target: float | int | str
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return _iso_date(value)

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> Any:
        return _target_value(value)


class Goal(_Model):
    """One goal of the register, as written (SMART weaknesses included; see ``attain.smart``)."""
    id: str = Field(min_length=1)
    name: Name
    metric: str | None = None
    scope: dict[str, str | list[str]] = Field(default_factory=dict)
    period: str | None = None
    target: float | int | str | None = None
    owner: str | list[str] | None = None
    module: str | None = None
    objective: str | None = None
    priority: int = Field(ge=1, le=3)
    created: dt.date | None = None
    decompose: Decompose | None = None
    revisions: list[Revision] = Field(default_factory=list)

    @field_validator("id", "metric", "period", "module", "objective", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return _text_or_none(value)

    @field_validator("owner", mode="before")
    @classmethod
    def _owner(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [t for t in (_text_or_none(v) for v in value) if t]
        return _text_or_none(value)

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: Any) -> Any:
        return _check_scope(value)

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{value!r} is not 1, 2 or 3")
        return value

    @field_validator("created", mode="before")
    @classmethod
    def _created(cls, value: Any) -> Any:
        return _iso_date(value)

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> Any:
        return _target_value(value)

    @field_validator("revisions")
    @classmethod
    def _revision_order(cls, revisions: list[Revision], info: ValidationInfo) -> list[Revision]:
        """Oldest first, one per date, none before the goal was created (``created`` is validated first)."""
        previous = info.data.get("created")
        for i, rev in enumerate(revisions, start=1):
            if previous is not None and rev.date <= previous:
                what = "the goal's created date" if i == 1 else f"revision {i - 1}"
                raise ValueError(f"revision {i} ({rev.date}) is not after {what} ({previous}): "
                                 "list revisions oldest first, one per date")
            previous = rev.date
        return revisions

    @property
    def original_target(self) -> float | int | str | None:
        """The target as first set."""
        return self.target

    @property
    def current_target(self) -> float | int | str | None:
        """The target in force: the last revision's, else the original."""
        return self.revisions[-1].target if self.revisions else self.target

    @property
    def owners(self) -> list[str]:
        """The people named as owner (a SMART goal has exactly one)."""
        return split_owners(self.owner)


class Action(_Model):
    """One action of a strategy module: one owner, dates, budget (CNY), KPIs (metric ids), data source."""
    name: Name
    owner: str | list[str] | None = None
    start: dt.date
    end: dt.date
    budget: float | None = Field(default=None, ge=0)
    kpis: list[str] = Field(default_factory=list)
    source: str | None = None
    scope: dict[str, str | list[str]] = Field(default_factory=dict)   # where its KPIs and spend are measured
    campaign: str | None = None   # spend rows of this campaign (a pattern: 双11*) belong to the action

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: Any) -> Any:
        return _check_scope(value)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return _iso_date(value)

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
            raise ValueError(f"{value!r} is not an amount")
        return value

    @field_validator("end")
    @classmethod
    def _order(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"the action ends ({end}) before it starts ({start})")
        return end

    @property
    def owners(self) -> list[str]:
        return split_owners(self.owner)


class Module(_Model):
    """A strategy module (品牌推广, 内容营销, …) with its owner and actions."""
    id: str = Field(min_length=1)
    name: Name
    owner: str | list[str] | None = None
    actions: list[Action] = Field(default_factory=list)

    @property
    def owners(self) -> list[str]:
        return split_owners(self.owner)

    def matches(self, ref: str) -> bool:
        """A goal's ``module`` may name the module by id, Chinese or English name."""
        ref = ref.strip()
        return ref in (self.id, self.name.zh) or ref.casefold() == self.name.en.casefold()


class Plan(_Model):
    """plan.yaml: the strategy modules (``missing`` when the file does not exist)."""
    modules: list[Module] = Field(default_factory=list)
    file: Path | None = None
    missing: bool = False

    def module(self, ref: str | None) -> Module | None:
        if not ref:
            return None
        return next((m for m in self.modules if m.matches(ref)), None)


# --- loading ------------------------------------------------------------------------------

def load_goals(plan_dir: str | Path | None = None) -> list[Goal]:
    """The goals of ``<plan_dir>/goals.yaml`` in file order (default plan folder: data/plan).

    Raises ``AttainError`` (file, goal id, field, what to do) for a missing or malformed file.
    """
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder / GOALS_FILE
    if not path.is_file():
        raise AttainError("the goal register is missing", file=path,
                          hint="create goals.yaml (copy data/plan/goals.yaml as a starting point)")
    items = planfile.entries(path, planfile.read(path), "goals")
    goals = [planfile.validate(path, Goal, item, planfile.label("goal", i, item), _HINTS) for i, item in enumerate(items, start=1)]
    planfile.no_duplicates(path, "goal", [g.id for g in goals])
    return goals


def load_plan(plan_dir: str | Path | None = None) -> Plan:
    """The strategy modules of ``<plan_dir>/plan.yaml`` (a missing file: no modules, ``missing=True``)."""
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder / PLAN_FILE
    if not path.is_file():
        return Plan(file=path, missing=True)
    items = planfile.entries(path, planfile.read(path), "modules")
    modules = [planfile.validate(path, Module, item, planfile.label("module", i, item), _HINTS) for i, item in enumerate(items, start=1)]
    planfile.no_duplicates(path, "module", [m.id for m in modules])
    return Plan(modules=modules, file=path)


__all__ = ["GOALS_FILE", "PLAN_FILE", "Action", "Decompose", "Goal", "Module", "Name", "Plan", "Revision",
           "load_goals", "load_plan", "split_owners"]
