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

from attain import display, i18n, paths, planfile
from attain.errors import AttainError
from attain.goals import Name
from attain.params import check_period
from attain.publish import atomic_write_text
from attain.targets import period_bounds, period_text

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

i18n.register({
    "lessons.kind.success": {"zh": "成功", "en": "Success"},
    "lessons.kind.shortfall": {"zh": "不足", "en": "Shortfall"},
    "lessons.cause.strategy": {"zh": "策略", "en": "strategy"},
    "lessons.cause.execution": {"zh": "执行", "en": "execution"},
    "lessons.cause.environment": {"zh": "外部环境", "en": "environment"},
    "lessons.notes.section": {"zh": "成功因素与不足：团队复盘记录", "en": "Success factors and shortfalls: the team's notes"},
    "lessons.col.kind": {"zh": "类型", "en": "Kind"}, "lessons.col.what": {"zh": "事项", "en": "What happened"},
    "lessons.col.cause": {"zh": "原因类型", "en": "Cause"},
    "lessons.col.measure": {"zh": "下季度措施", "en": "Measure for next quarter"},
    "lessons.col.owner": {"zh": "负责人", "en": "Owner"}, "lessons.col.tags": {"zh": "标签", "en": "Tags"},
    "lessons.col.id": {"zh": "编号", "en": "Id"}, "lessons.col.lesson": {"zh": "经验", "en": "Lesson"},
    "lessons.col.status": {"zh": "知识库", "en": "Knowledge base"},
    "lessons.col.period": {"zh": "期间", "en": "Period"}, "lessons.col.shared": {"zh": "相同标签", "en": "Shared tags"},
    "lessons.notes.missing": {"zh": "团队尚未填写{period}的复盘记录（{file}）。",
                              "en": "The team has not written its notes for {period} yet ({file})."},
    "lessons.notes.missing_note": {
        "zh": "在该文件中逐条写下成功与不足、原因类型（策略/执行/外部环境）、下季度措施、负责人与标签后，这里会列出这些记录，"
              "并把其中的经验追加到知识库 lessons.yaml。",
        "en": "Writing each success and shortfall there, with its cause (strategy / execution / environment), the "
              "measure for next quarter, the owner and tags, lists them here and appends their lessons to the "
              "knowledge base lessons.yaml."},
    "lessons.notes.finding": {"zh": "团队为{period}记录了{n}条复盘：{s}项成功因素、{f}项不足{causes}。",
                              "en": "The team wrote {n} for {period}: {s} and {f}{causes}."},
    "lessons.notes.causes": {"zh": "（不足的原因：{items}）", "en": " (causes of the shortfalls: {items})"},
    "lessons.notes.all_measured": {"zh": "每项不足都有下季度措施。", "en": "Every shortfall has a measure for next quarter."},
    "lessons.notes.unmeasured": {"zh": "{k}项不足尚无下季度措施：{items}。",
                                 "en": "{k} shortfall(s) have no measure for next quarter yet: {items}."},
    "lessons.section": {"zh": "经验沉淀：知识库", "en": "Lessons learned: the knowledge base"},
    "lessons.h.quarter": {"zh": "本季度经验", "en": "This quarter's lessons"},
    "lessons.h.relevant": {"zh": "相关的往期经验（按标签）", "en": "Relevant earlier lessons (by tag)"},
    "lessons.status.added": {"zh": "已写入", "en": "Added"},
    "lessons.status.pending": {"zh": "待写入", "en": "To be added"},
    "lessons.status.already": {"zh": "已在库中", "en": "Already there"},
    "lessons.status.conflict": {"zh": "编号冲突，保留库中原文", "en": "Id conflict; the stored text is kept"},
    "lessons.finding": {"zh": "本季度总结出{n}条经验：{added}{verb}，{already}条已在库中{conflicts}；{relevant}",
                        "en": "{n} lessons this quarter: {added} {verb}, {already} already there{conflicts}; {relevant}"},
    "lessons.verb.added": {"zh": "条新写入知识库", "en": "added to the knowledge base"},
    "lessons.verb.pending": {"zh": "条待写入知识库", "en": "to be added to the knowledge base"},
    "lessons.conflicts": {"zh": "，{k}条编号冲突（保留库中原文）", "en": ", {k} id conflict(s) (the stored text kept)"},
    "lessons.relevant": {"zh": "知识库中有{k}条往期经验与本季度的标签相关，最近一条（{period}）：{text}",
                         "en": "{k} earlier lessons share a tag with this quarter's notes; the latest ({period}): {text}"},
    "lessons.relevant_none": {"zh": "知识库中没有与本季度标签相关的往期经验。",
                              "en": "No earlier lesson shares a tag with this quarter's notes."},
    "lessons.none": {"zh": "本季度的复盘记录中没有写经验（lesson）。", "en": "This quarter's notes record no lesson."},
    "lessons.conflict_note": {"zh": "编号冲突：{items}。知识库只追加不改写；如需修订，请以新编号新增一条。",
                              "en": "Id conflicts: {items}. The knowledge base is append-only; to revise a lesson, "
                                    "add a new one with a new id."},
    "lessons.rule": {"zh": "知识库 {file} 只追加、不改写：往期经验永不丢失或被覆盖。", "en": "The knowledge base {file} is "
                     "append-only: earlier lessons are never lost or rewritten."},
})


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


# --- words and tables ------------------------------------------------------------------------

def _sep(lang: str) -> str:
    return "" if lang == "zh" else " "


def plural(k: int, noun: str) -> str:
    """``1 note``, ``3 notes`` (English counts)."""
    return f"{k} {noun}{'' if k == 1 else 's'}"


def finding_notes(notes: RetroNotes, lang: str) -> str:
    """E.g. "团队为2026年第2季度记录了6条复盘：3项成功因素、3项不足（不足的原因：策略1、执行1、外部环境1）。
    每项不足都有下季度措施。"; a missing file says the team has not written its notes yet."""
    when = period_text(notes.period, lang)
    if notes.missing:
        return i18n.t("lessons.notes.missing", lang, period=when, file=f"{RETRO_DIR}/{notes.period}.yaml")
    short = [n for n in notes.notes if n.kind == "shortfall"]
    counts = [(c, sum(n.cause == c for n in short)) for c in CAUSES]
    items = [f"{i18n.t(f'lessons.cause.{c}', lang)}{k}" if lang == "zh" else f"{i18n.t(f'lessons.cause.{c}', lang)} {k}"
             for c, k in counts if k]
    n, s, f = len(notes.notes), len(notes.notes) - len(short), len(short)
    if lang == "en":
        n, s, f = plural(n, "note"), plural(s, "success factor"), plural(f, "shortfall")
    text = i18n.t("lessons.notes.finding", lang, period=when, n=n, s=s, f=f, causes=i18n.t("lessons.notes.causes", lang, items=i18n.join_list(items, lang))
                  if items else "")
    open_ = [n.what.get(lang) for n in short if n.measure is None]
    tail = (i18n.t("lessons.notes.unmeasured", lang, k=len(open_), items=i18n.join_list(open_, lang)) if open_
            else i18n.t("lessons.notes.all_measured", lang) if short else "")
    return text + (_sep(lang) + tail if tail else "")


def _keep(text: str) -> str:
    """A short cell that must not wrap (an owner's name, a cause) in a table whose long columns do:
    characters joined by word joiners (U+2060), spaces made non-breaking."""
    return "\u2060".join(text.replace(" ", "\u00a0"))


def notes_table(notes: RetroNotes, lang: str) -> pd.DataFrame:
    """The notes as display strings, successes first (file order within each kind); the short cause and
    owner cells do not wrap (see ``_keep``)."""
    ordered = sorted(notes.notes, key=lambda n: KINDS.index(n.kind))
    return pd.DataFrame({
        i18n.t("lessons.col.kind", lang): [i18n.t(f"lessons.kind.{n.kind}", lang) for n in ordered],
        i18n.t("lessons.col.what", lang): [n.what.get(lang) for n in ordered],
        i18n.t("lessons.col.cause", lang): [_keep(i18n.t(f"lessons.cause.{n.cause}", lang)) for n in ordered],
        i18n.t("lessons.col.measure", lang): [n.measure.get(lang) if n.measure else i18n.MISSING for n in ordered],
        i18n.t("lessons.col.owner", lang): [_keep(n.owner) if n.owner else i18n.MISSING for n in ordered],
        i18n.t("lessons.col.tags", lang): [i18n.join_list(n.tags, lang) for n in ordered],
    })


def show_notes(notes: RetroNotes, lang: str) -> None:
    """Heading, finding and the notes table (or which file is missing and what it would add)."""
    display.heading("lessons.notes.section", lang)
    display.paragraph(finding_notes(notes, lang))
    if notes.missing:
        display.note(i18n.t("lessons.notes.missing_note", lang))
    elif notes.notes:
        display.table(notes_table(notes, lang))


def finding_lessons(review: LessonsReview, lang: str) -> str:
    """E.g. "本季度总结出5条经验：5条待写入知识库，0条已在库中；知识库中有2条往期经验与本季度的标签相关，
    最近一条（2026年第1季度）：…"."""
    rel = review.relevant
    tail = (i18n.t("lessons.relevant", lang, k=len(rel), period=period_text(rel["period"].iloc[0], lang),
                   text=rel[f"text_{lang}"].iloc[0]) if len(rel) else i18n.t("lessons.relevant_none", lang))
    tail = tail if tail.endswith(("。", ".")) else tail + ("。" if lang == "zh" else ".")
    if not review.lessons:
        return i18n.t("lessons.none", lang) + _sep(lang) + tail
    if lang == "en":
        tail = tail[0].lower() + tail[1:]
    counts = {s: sum(v == s for v in review.status.values()) for s in ("added", "pending", "already", "conflict")}
    k = counts["conflict"]
    return i18n.t("lessons.finding", lang, n=len(review.lessons), added=counts["added"] + counts["pending"],
                  verb=i18n.t(f"lessons.verb.{'added' if review.written else 'pending'}", lang),
                  already=counts["already"], conflicts=i18n.t("lessons.conflicts", lang, k=k) if k else "",
                  relevant=tail)


def lessons_table(review: LessonsReview, lang: str) -> pd.DataFrame:
    """This quarter's lessons with their status in the knowledge base."""
    ls = review.lessons
    return pd.DataFrame({
        i18n.t("lessons.col.id", lang): [x.id for x in ls],
        i18n.t("lessons.col.lesson", lang): [x.text.get(lang) for x in ls],
        i18n.t("lessons.col.tags", lang): [i18n.join_list(x.tags, lang) for x in ls],
        i18n.t("lessons.col.status", lang): [i18n.t(f"lessons.status.{review.status.get(x.id, 'pending')}", lang)
                                             for x in ls],
    })


def relevant_table(rel: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        i18n.t("lessons.col.period", lang): [period_text(p, lang) for p in rel["period"]],
        i18n.t("lessons.col.lesson", lang): rel[f"text_{lang}"].to_list(),
        i18n.t("lessons.col.shared", lang): [i18n.join_list(s, lang) for s in rel["shared"]],
        i18n.t("lessons.col.id", lang): rel["id"].to_list(),
    })


def show_lessons(review: LessonsReview, lang: str) -> None:
    """Heading, finding, this quarter's lessons with their status, conflicts, and the relevant earlier ones."""
    display.heading("lessons.section", lang)
    display.paragraph(finding_lessons(review, lang))
    if review.lessons:
        display.heading("lessons.h.quarter", lang, level=3)
        display.table(lessons_table(review, lang))
    if review.conflicts:
        items = [f"{c.id}（{c.kept.text.get(lang)}）" if lang == "zh" else f"{c.id} ({c.kept.text.get(lang)})"
                 for c in review.conflicts]
        display.note(i18n.t("lessons.conflict_note", lang, items=i18n.join_list(items, lang)))
    if len(review.relevant):
        display.heading("lessons.h.relevant", lang, level=3)
        display.table(relevant_table(review.relevant, lang))
    display.note(i18n.t("lessons.rule", lang, file=LESSONS_FILE))


__all__ = ["AppendResult", "Conflict", "Lesson", "LessonsReview", "RetroNote", "RetroNotes", "append_lessons",
           "candidates", "finding_lessons", "finding_notes", "lessons_table", "load_lessons", "load_retro",
           "notes_table", "plan_append", "relevant", "relevant_table", "review_lessons", "show_lessons", "show_notes"]
