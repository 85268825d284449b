"""capabilities.yaml: the team's self-assessment, one level (basic / growing / leading) and note each.

    capabilities:
      brand: {level: growing, note_zh: …, note_en: …}     # or level 成长, or note: one text for both
      content: leading                                   # a bare level is enough
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from attain import paths
from attain.capability_rules import CAPABILITIES, LEVELS
from attain.errors import AttainError
from attain.planfile import read_plan_yaml

PLAN_FILE = "capabilities.yaml"
LEVEL_WORDS = {"基础": "basic", "成长": "growing", "领先": "leading"}
_LEVEL_HINT = "use one of: basic (基础), growing (成长), leading (领先)"


@dataclass
class CapabilityPlan:
    assessment: pd.DataFrame          # capability, level, note_zh, note_en (file order)
    file: Path
    missing: bool = False


def _level(path: Path, cap: str, value) -> str:
    text = str(value).strip() if isinstance(value, str) else value
    level = LEVEL_WORDS.get(text, text.lower() if isinstance(text, str) else text)
    if level not in LEVELS:
        raise AttainError(f"unknown level {value!r} for capability '{cap}'", file=path,
                          where=f"capabilities.{cap}.level", hint=_LEVEL_HINT)
    return level


def _row(path: Path, cap: str, entry) -> dict:
    if not isinstance(entry, dict):
        entry = {"level": entry}
    unknown = [k for k in entry if k not in ("level", "note", "note_zh", "note_en")]
    if unknown:
        raise AttainError(f"unknown key '{unknown[0]}' for capability '{cap}'", file=path, where=f"capabilities.{cap}",
                          hint="each capability has level and note (or note_zh and note_en)")
    if entry.get("level") is None:
        raise AttainError(f"capability '{cap}' has no level", file=path, where=f"capabilities.{cap}", hint=_LEVEL_HINT)
    notes = {k: entry.get(k) for k in ("note", "note_zh", "note_en")}
    if any(v is not None and not isinstance(v, str) for v in notes.values()):
        raise AttainError(f"the note of capability '{cap}' must be a text", file=path, where=f"capabilities.{cap}",
                          hint="quote the note if it starts with a special character")
    zh, en = notes["note_zh"] or notes["note"] or "", notes["note_en"] or notes["note"] or ""
    return {"capability": cap, "level": _level(path, cap, entry["level"]), "note_zh": zh.strip(), "note_en": en.strip()}


def load_capabilities(plan_dir) -> CapabilityPlan:
    """The self-assessment in ``<plan_dir>/capabilities.yaml`` (a missing file: empty, ``missing=True``).

    A malformed file raises ``AttainError`` naming the file, the capability and what to do.
    """
    path = paths.resolve(plan_dir) / PLAN_FILE
    empty = pd.DataFrame(columns=["capability", "level", "note_zh", "note_en"])
    if not path.is_file():
        return CapabilityPlan(empty, path, missing=True)
    doc = read_plan_yaml(path)
    caps = doc.get("capabilities") if isinstance(doc, dict) else None
    if not isinstance(caps, dict) or (isinstance(doc, dict) and set(doc) - {"capabilities"}):
        raise AttainError("expected one key 'capabilities' mapping each capability to its level and note", file=path,
                          hint="e.g. capabilities: {brand: {level: growing, note: ...}}")
    for cap in caps:
        if cap not in CAPABILITIES:
            raise AttainError(f"unknown capability '{cap}'", file=path, where=f"capabilities.{cap}",
                              hint=f"use one of: {', '.join(CAPABILITIES)}")
    rows = [_row(path, cap, entry) for cap, entry in caps.items()]
    return CapabilityPlan(pd.DataFrame(rows) if rows else empty, path)
