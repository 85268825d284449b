"""Figures with goals: the printed table and bench/results.json (written atomically)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

MB = 1_000_000          # decimal units throughout: 3 MB = 3,000,000 bytes, 1.5 GB = 1,500,000,000 bytes
GB = 1_000_000_000


@dataclass
class Figure:
    """One measured figure; ``limit`` None means it is reported without a goal."""
    id: str
    label: str
    value: float
    unit: str                         # "ratio", "s", "GB", "MB"
    limit: float | None = None        # goal: value <= limit
    shown: str = ""                   # how the value is printed, with context
    detail: dict = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        return None if self.limit is None else self.value <= self.limit

    @property
    def goal(self) -> str:
        if self.limit is None:
            return "—"
        return f"≤ {self.limit:g}" + ("" if self.unit == "ratio" else f" {self.unit}")

    def to_json(self) -> dict:
        out = asdict(self)
        out.update(goal=self.goal, met=self.met)
        return out


def result_word(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: "—"}[met]


def table(figures: list[Figure]) -> str:
    """A plain-text table: figure, measured, goal, result."""
    rows = [("figure", "measured", "goal", "result")]
    rows += [(f.label, f.shown or f"{f.value:.3g} {f.unit}", f.goal, result_word(f.met)) for f in figures]
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def write_json(path: Path, payload: dict) -> None:
    """Write ``payload`` to ``path`` atomically (a temporary sibling, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
