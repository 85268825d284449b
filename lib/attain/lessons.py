"""The team's retrospective notes and the lasting knowledge base of lessons (复盘记录与经验知识库).

**Retro notes** ``data/plan/retro/<period>.yaml`` (``notes:``): what happened (a success or a shortfall),
its cause (strategy / execution / environment), the measure for next quarter, the owner, tags and
optionally the lesson to keep. A missing file means the team has not written its notes yet.

**Knowledge base** ``data/plan/lessons.yaml`` (``lessons:``) is append-only. Each retrospective adds the
lessons of its quarter's notes: the k-th note that has a lesson becomes ``<period>-<kk>`` (``2026-Q2-01``),
dated the quarter's last day (``date_added``; never the day the report ran), with its tags and its source
(``retro/2026-Q2.yaml#3``: the file and the note's id, else its position). A lesson of the same period
with the same text is already there (a re-run adds nothing). An id already used by a different text is a
**conflict**: the lesson on disk is kept as it is and the conflict reported. New entries are appended as
text at the end of the file (written atomically), so the header comment and every earlier entry stay
byte-for-byte; nothing is ever re-dumped, rewritten or removed.

**Relevant earlier lessons** (口径): lessons of other, earlier periods (added before the quarter starts)
sharing at least one tag (case-insensitive) with this quarter's notes, newest first (date_added, then id).

The words, tables and the sections (``finding_notes``, ``show_notes``, ``finding_lessons``, ``show_lessons`` …)
are in :mod:`attain.lessons_view`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from attain import paths, planfile
from attain.errors import AttainError
from attain.goals import Name
from attain.params import check_period
from attain.publish import atomic_write_text
from attain.targets import period_bounds

RETRO_DIR = "retro"
LESSONS_FILE = "lessons.yaml"
KINDS = ("success", "shortfall")
CAUSES = ("strategy", "execution", "environment")
LESSON_COLUMNS = ["id", "period", "date_added", "text_zh", "text_en", "tags", "shared", "source"]

_HINTS = {
    "what": "write what: {zh: 发生了什么, en: what happened} (or one text)",
    "kind": "use success or shortfall", "cause": "use strategy, execution or environment",
    "measure": "write measure: {zh: 下季度措施, en: measure} (or one text)",
    "lesson": "write lesson: {zh: 经验, en: lesson} (or one text)",
    "tags": "list short keywords, e.g. tags: [付费搜索, CAC]",
    "text": "write text: {zh: 经验, en: lesson}", "date_added": "write the date as YYYY-MM-DD",
    "period": "write the quarter, e.g. 2026-Q2",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("tags", mode="before", check_fields=False)
    @classmethod
    def _tags(cls, value):
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [str(t) if isinstance(t, (int, float)) and not isinstance(t, bool) else t for t in items]


class RetroNote(_Model):
    id: str | None = None
    what: Name
    kind: Literal["success", "shortfall"]
    cause: Literal["strategy", "execution", "environment"]
    measure: Name | None = None
    owner: str | None = None
    tags: list[str] = []
    lesson: Name | None = None


class Lesson(_Model):
    id: str
    period: str
    date_added: dt.date
    text: Name
    tags: list[str] = []
    source: str | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value):
        return check_period(value)


@dataclass
class RetroNotes:
    """A quarter's notes; ``missing`` when the file does not exist (the team has not written them yet)."""
    period: str
    path: Path
    notes: list[RetroNote]
    missing: bool = False


@dataclass(frozen=True)
class Conflict:
    id: str
    kept: Lesson        # the lesson on disk (kept as it is)
    proposed: Lesson    # what this quarter's notes would have written


@dataclass
class AppendResult:
    added: list[Lesson]
    already_there: list[Lesson]
    conflicts: list[Conflict] = field(default_factory=list)
    path: Path | None = None


def _folder(plan_dir) -> Path:
    return paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()


def retro_path(plan_dir, period: str) -> Path:
    return _folder(plan_dir) / RETRO_DIR / f"{check_period(period)}.yaml"


def load_retro(plan_dir, period: str) -> RetroNotes:
    """The notes of ``<plan_dir>/retro/<period>.yaml`` in file order (missing file: none, ``missing=True``)."""
    period = check_period(period)
    path = retro_path(plan_dir, period)
    if not path.is_file():
        return RetroNotes(period, path, [], missing=True)
    items = planfile.entries(path, planfile.read(path), "notes")
    notes = [planfile.validate(path, RetroNote, item, planfile.label("note", i, item), _HINTS)
             for i, item in enumerate(items, start=1)]
    planfile.no_duplicates(path, "note", [n.id for n in notes if n.id])
    return RetroNotes(period, path, notes)


def load_lessons(plan_dir=None) -> list[Lesson]:
    """The knowledge base ``<plan_dir>/lessons.yaml`` in file order (missing file: empty)."""
    path = _folder(plan_dir) / LESSONS_FILE
    if not path.is_file():
        return []
    items = planfile.entries(path, planfile.read(path), "lessons")
    kb = [planfile.validate(path, Lesson, item, planfile.label("lesson", i, item), _HINTS)
          for i, item in enumerate(items, start=1)]
    planfile.no_duplicates(path, "lesson", [x.id for x in kb])
    return kb


def candidates(period: str, notes) -> list[Lesson]:
    """The lessons this quarter's notes would add: ``<period>-<kk>`` numbered over the notes with a lesson."""
    period = check_period(period)
    items = notes.notes if isinstance(notes, RetroNotes) else list(notes)
    end = period_bounds(period)[1]
    out = []
    for i, note in enumerate(items, start=1):
        if note.lesson is not None:
            out.append(Lesson(id=f"{period}-{len(out) + 1:02d}", period=period, date_added=end,
                              text=note.lesson, tags=list(note.tags),
                              source=f"{RETRO_DIR}/{period}.yaml#{note.id or i}"))
    return out


def _same_text(a: Lesson, b: Lesson) -> bool:
    return (a.text.zh, a.text.en) == (b.text.zh, b.text.en)


def plan_append(kb: list[Lesson], new: list[Lesson]) -> AppendResult:
    """Which of ``new`` to add, which are already there (same period and text) and which conflict (their id
    is taken by another text). Nothing is written."""
    result = AppendResult([], [])
    by_id = {x.id: x for x in kb}
    for c in new:
        same = next((x for x in kb if x.period == c.period and _same_text(x, c)), None)
        if same is not None:
            result.already_there.append(same)
        elif c.id in by_id:
            result.conflicts.append(Conflict(c.id, by_id[c.id], c))
        else:
            result.added.append(c)
    return result


HEADER = """# 经验知识库 / lessons learned (append-only).
# Each quarterly retrospective (04) appends the lessons of its notes (data/plan/retro/<period>.yaml) at the end
# of this file. Never edit or delete an entry: earlier lessons must not be lost or rewritten. To revise a
# lesson, add a new one. Entries: id, period, date_added (the quarter's last day), text {zh, en}, tags, source.
lessons:
"""


def _entry_text(lesson: Lesson, indent: int) -> str:
    doc = {"id": lesson.id, "period": lesson.period, "date_added": lesson.date_added,
           "text": {"zh": lesson.text.zh, "en": lesson.text.en}, "tags": list(lesson.tags), "source": lesson.source}
    dumped = yaml.safe_dump([doc], allow_unicode=True, sort_keys=False, default_flow_style=None, width=10_000)
    return "\n" + "".join(" " * indent + line + "\n" for line in dumped.splitlines())


def _list_indent(text: str) -> int | None:
    """The indentation of the entries under ``lessons:`` (None when there are none yet)."""
    after = re.split(r"^lessons:[ \t]*(?:#.*)?$", text, maxsplit=1, flags=re.MULTILINE)
    m = re.search(r"^([ \t]*)-[ \t]", after[-1], flags=re.MULTILINE) if len(after) == 2 else None
    return len(m.group(1)) if m else None


def append_lessons(plan_dir, period: str, notes) -> AppendResult:
    """Append this quarter's new lessons to ``<plan_dir>/lessons.yaml`` (see the module docstring): earlier
    bytes unchanged, a re-run adds nothing, conflicts reported and not written."""
    path = _folder(plan_dir) / LESSONS_FILE
    kb = load_lessons(plan_dir)
    result = plan_append(kb, candidates(period, notes))
    result.path = path
    if not result.added:
        return result
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    old = old or HEADER                                   # a new (or empty) file starts with the header
    if not old.endswith("\n"):
        old += "\n"
    if not re.search(r"^lessons:", old, flags=re.MULTILINE):
        old += "lessons:\n"                               # comments only so far: the key goes after them
    indent = _list_indent(old)
    if indent is None and re.search(r"^lessons:[ \t]*\[\][ \t]*$", old, flags=re.MULTILINE):
        raise AttainError("the list of lessons is written as 'lessons: []'", file=path, where="lessons",
                          hint="write 'lessons:' on its own line so that entries can be appended below it")
    new = old + "".join(_entry_text(x, 2 if indent is None else indent) for x in result.added)
    check = planfile.entries(path, yaml.safe_load(new), "lessons")
    if [str(c.get("id")) for c in check if isinstance(c, dict)] != [x.id for x in kb + result.added]:
        raise AttainError("new lessons could not be appended at the end of the file", file=path, where="lessons",
                          hint="keep 'lessons:' as the file's last top-level key, with its entries below it")
    atomic_write_text(path, new)
    return result


def relevant(kb: list[Lesson], tags, period: str) -> pd.DataFrame:
    """Earlier lessons (other periods, added before ``period`` starts) sharing a tag with ``tags``, newest
    first (on the same date: more shared tags first, then id); columns ``LESSON_COLUMNS`` (``shared``: the
    common tags)."""
    start = period_bounds(check_period(period))[0]
    wanted = {str(t).strip().casefold() for t in tags}
    rows = []
    for x in kb:
        shared = [t for t in x.tags if t.strip().casefold() in wanted]
        if x.period != period and x.date_added < start and shared:
            rows.append({"id": x.id, "period": x.period, "date_added": x.date_added, "text_zh": x.text.zh,
                         "text_en": x.text.en, "tags": list(x.tags), "shared": shared, "source": x.source})
    out = pd.DataFrame(rows, columns=LESSON_COLUMNS)
    out["_n"] = out["shared"].map(len)
    out = out.sort_values(["date_added", "_n", "id"], ascending=[False, False, True], kind="stable")
    return out.drop(columns="_n").reset_index(drop=True)


def note_tags(notes: RetroNotes) -> list[str]:
    return list(dict.fromkeys(t for n in notes.notes for t in n.tags))


@dataclass
class LessonsReview:
    """This quarter's lessons against the knowledge base; ``written`` when they were appended."""
    period: str
    lessons: list[Lesson]
    status: dict[str, str]          # lesson id -> added | pending | already | conflict
    conflicts: list[Conflict]
    relevant: pd.DataFrame
    written: bool
    path: Path


def review_lessons(plan_dir, period: str, notes: RetroNotes, *, write: bool = False) -> LessonsReview:
    """Compare (and, with ``write``, append) this quarter's lessons with the knowledge base, and find the
    relevant earlier lessons. Without ``write`` nothing is written: new lessons are "pending"."""
    period = check_period(period)
    kb = load_lessons(plan_dir)
    found = candidates(period, notes)
    result = append_lessons(plan_dir, period, notes) if write else plan_append(kb, found)
    status = {x.id: ("added" if write else "pending") for x in result.added}
    status |= {c.id: "conflict" for c in result.conflicts}
    same = {(x.text.zh, x.text.en) for x in result.already_there}
    status |= {x.id: "already" for x in found if (x.text.zh, x.text.en) in same and x.id not in status}
    return LessonsReview(period, found, status, result.conflicts, relevant(kb, note_tags(notes), period), write,
                         _folder(plan_dir) / LESSONS_FILE)


__all__ = ["AppendResult", "Conflict", "Lesson", "LessonsReview", "RetroNote", "RetroNotes", "append_lessons",
           "candidates", "load_lessons", "load_retro", "plan_append", "relevant", "review_lessons"]
