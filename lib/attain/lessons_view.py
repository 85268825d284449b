"""The team's retrospective notes and the knowledge base of lessons (复盘记录与经验知识库) in words and tables:
the notes' finding and table, this quarter's lessons with their status, the relevant earlier lessons, and the
two report sections (``show_notes``, ``show_lessons``).

Reading the notes, appending the lessons and finding the relevant ones (and their 口径) are
:mod:`attain.lessons`; this module only presents them.
"""

from __future__ import annotations

import pandas as pd

from attain import display, i18n
from attain.lessons import CAUSES, KINDS, LESSONS_FILE, RETRO_DIR, LessonsReview, RetroNotes
from attain.targets import period_text

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


__all__ = ["finding_lessons", "finding_notes", "lessons_table", "notes_table", "relevant_table", "show_lessons",
           "show_notes"]
