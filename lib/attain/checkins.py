"""Owners' check-ins (``data/plan/checkins.yaml``): dated notes on a goal, a module or an action.

Each entry says what caused a deviation and what will be done about it, by whom and by when::

    checkins:
      - date: 2026-08-12
        goal: G02                 # or module: M3 (id, Chinese or English name), or action: 618大促
        by: 陈静
        cause: {zh: 主播流失，场次减少, en: Two hosts left; fewer live sessions}
        cause_type: execution     # strategy | execution | environment (optional)
        measure: {zh: 新签两位主播，每周加播3场, en: Sign two hosts; three more sessions a week}
        due: 2026-08-25           # deadline of the measure (optional)
        done: false               # true once the measure (or the action) is finished

A missing file means no check-ins. The tracking report uses the latest check-in (by date, not after
``as_of``) for each goal, falling back to its module's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from attain import paths, planfile
from attain.goals import Name

FILE_NAME = "checkins.yaml"

_HINTS = {
    "date": "write the date as YYYY-MM-DD", "due": "write the date as YYYY-MM-DD",
    "cause_type": "use strategy, execution or environment",
    "cause": "write cause: {zh: 原因, en: cause} (or one text)",
    "measure": "write measure: {zh: 措施, en: measure} (or one text)",
    "goal": "name one goal id from goals.yaml, e.g. G02",
}


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    goal: str | None = None
    module: str | None = None
    action: str | None = None
    by: str | None = None
    cause: Name | None = None
    cause_type: Literal["strategy", "execution", "environment"] | None = None
    measure: Name | None = None
    due: dt.date | None = None
    done: bool = False

    @model_validator(mode="after")
    def _one_subject(self) -> CheckIn:
        named = [k for k in ("goal", "module", "action") if getattr(self, k)]
        if len(named) != 1:
            raise ValueError("name exactly one of goal, module or action"
                             + (f" (found {', '.join(named)})" if named else ""))
        return self

    @property
    def subject(self) -> tuple[str, str]:
        """("goal", "G02"), ("module", "M3") or ("action", "618大促")."""
        kind = next(k for k in ("goal", "module", "action") if getattr(self, k))
        return kind, str(getattr(self, kind)).strip()


def load_checkins(plan_dir: str | Path | None = None) -> list[CheckIn]:
    """The check-ins of ``<plan_dir>/checkins.yaml`` sorted by date (file order within a day)."""
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder / FILE_NAME
    if not path.is_file():
        return []
    items = planfile.entries(path, planfile.read(path), "checkins")
    found = [planfile.validate(path, CheckIn, item, f"check-in {i} ({_when(item)})", _HINTS)
             for i, item in enumerate(items, start=1)]
    return sorted(found, key=lambda c: c.date)


def _when(item: Any) -> str:
    return str(item.get("date", "no date")) if isinstance(item, dict) else "?"


def latest(checkins: list[CheckIn], kind: str, matches, as_of: dt.date) -> CheckIn | None:
    """The newest check-in of ``kind`` whose subject satisfies ``matches(text)``, dated on or before as_of."""
    hits = [c for c in checkins if c.subject[0] == kind and matches(c.subject[1]) and c.date <= as_of]
    return hits[-1] if hits else None


__all__ = ["FILE_NAME", "CheckIn", "latest", "load_checkins"]
