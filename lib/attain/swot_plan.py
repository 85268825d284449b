"""swot.yaml: the analyst's SWOT entries and overrides of the rule thresholds.

    strengths: [{text_zh: …, text_en: …}, 一条只写中文也可以, …]   (likewise weaknesses, opportunities, threats)
    rules: {cac_rise: 0.15, …}                                     (fields of ``SwotRules``)

下沉市场 is not defined here: it is the ``lower_tier`` segment of channels.yaml (``attain.channels``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from attain import paths
from attain.errors import AttainError
from attain.planfile import read_plan_yaml
from attain.swot_rules import QUADRANTS, Entry, SwotRules

PLAN_FILE = "swot.yaml"
_HINT_ENTRY = "write each entry as {text_zh: 中文, text_en: English} (or as one plain text)"
#: keys swot.yaml no longer reads -> where their setting lives now
_MOVED = {"sinking_regions": "下沉市场 is defined once, in channels.yaml: segments: lower_tier: members: [三线城市, …]"}


@dataclass
class SwotPlan:
    entries: list[Entry]
    rules: SwotRules
    file: Path
    missing: bool = False


def _entry(path: Path, quadrant: str, i: int, item) -> Entry:
    where = f"{quadrant}[{i}]"
    if isinstance(item, str) and item.strip():
        return Entry(quadrant, item.strip(), item.strip())
    if not isinstance(item, dict):
        raise AttainError(f"entry {i} of {quadrant} is not a text", file=path, where=where, hint=_HINT_ENTRY)
    unknown = [str(k) for k in item if k not in ("text_zh", "text_en")]
    if unknown:
        raise AttainError(f"unknown key '{unknown[0]}' in entry {i} of {quadrant}", file=path, where=where,
                          hint=_HINT_ENTRY)
    texts = {k: item.get(k) for k in ("text_zh", "text_en")}
    bad = [k for k, v in texts.items() if v is not None and not isinstance(v, str)]
    if bad or not any(isinstance(v, str) and v.strip() for v in texts.values()):
        raise AttainError(f"entry {i} of {quadrant} has no text" if not bad else f"'{bad[0]}' must be a text",
                          file=path, where=where, hint=_HINT_ENTRY)
    return Entry(quadrant, (texts["text_zh"] or "").strip(), (texts["text_en"] or "").strip())


def _rule_value(path: Path, key: str, value, default):
    where, hint = f"rules.{key}", "give a number; shares and changes are fractions (0.10 = 10 %, 0.01 = 1 pp)"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise AttainError(f"'{key}' must be a number ≥ 0, not {value!r}", file=path, where=where, hint=hint)
    if isinstance(default, int) and value != int(value):
        raise AttainError(f"'{key}' must be a whole number, not {value!r}", file=path, where=where, hint="e.g. 4")
    if key.endswith(("quantile", "share")) and value > 1:
        raise AttainError(f"'{key}' must be between 0 and 1, not {value!r}", file=path, where=where, hint=hint)
    return type(default)(value)


def parse_rules(block, path: Path) -> SwotRules:
    """``SwotRules`` with the overrides of the ``rules:`` block (None: the defaults)."""
    if block is None:
        return SwotRules()
    fields = {f.name: f.default for f in dataclasses.fields(SwotRules)}
    if not isinstance(block, dict):
        raise AttainError("'rules' must map rule thresholds to values", file=path, where="rules",
                          hint=f"e.g. rules: {{cac_rise: 0.15}}; thresholds: {', '.join(fields)}")
    for key in block:
        if key in _MOVED:
            raise AttainError(f"'{key}' is no longer set in swot.yaml", file=path, where=f"rules.{key}",
                              hint=_MOVED[key])
        if key not in fields:
            raise AttainError(f"unknown threshold '{key}'", file=path, where=f"rules.{key}",
                              hint=f"use one of: {', '.join(fields)} (documented in attain.swot_rules.SwotRules)")
    rules = SwotRules(**{k: _rule_value(path, k, v, fields[k]) for k, v in block.items()})
    if rules.bottom_quantile >= rules.top_quantile:
        raise AttainError("bottom_quantile must be below top_quantile", file=path, where="rules",
                          hint="e.g. bottom_quantile: 0.25, top_quantile: 0.75")
    return rules


def load_swot(plan_dir) -> SwotPlan:
    """The analyst's entries and threshold overrides from ``<plan_dir>/swot.yaml``.

    A missing file gives no entries and ``missing=True`` (not an error); a malformed one raises
    ``AttainError`` naming the file, the key and what to do.
    """
    path = paths.resolve(plan_dir) / PLAN_FILE
    if not path.is_file():
        return SwotPlan([], SwotRules(), path, missing=True)
    doc = read_plan_yaml(path)
    doc = {} if doc is None else doc
    allowed = ", ".join(QUADRANTS) + " (and optionally rules)"
    if not isinstance(doc, dict):
        raise AttainError("expected the keys strengths, weaknesses, opportunities, threats", file=path,
                          hint=f"use {allowed}")
    for key in doc:
        if key not in QUADRANTS and key != "rules":
            raise AttainError(f"unknown key '{key}'", file=path, where=str(key), hint=f"use {allowed}")
    entries = []
    for q in QUADRANTS:
        items = doc.get(q) or []
        if not isinstance(items, list):
            raise AttainError(f"'{q}' must be a list of entries", file=path, where=q,
                              hint=f"start each entry with '- '; {_HINT_ENTRY}")
        entries += [_entry(path, q, i, item) for i, item in enumerate(items, start=1)]
    return SwotPlan(entries, parse_rules(doc.get("rules"), path), path)
