"""Retro notes and the append-only knowledge base (attain.lessons)."""

from __future__ import annotations

import datetime as dt
import shutil
from unittest import mock

import pytest
from attain import display, paths
from attain import lessons as L
from attain import lessons_view as LV
from attain.errors import AttainError

NOTES = """\
notes:
  - id: N1
    what: {zh: 618预售提前, en: Early 618 pre-sale}
    kind: success
    cause: strategy
    measure: {zh: 双11沿用, en: Reuse for 双11}
    owner: 赵磊
    tags: [大促, 618]
    lesson: {zh: 大促提前开预售, en: Open festival pre-sales early}
  - what: {zh: 付费搜索CAC超预算, en: Search-ads CAC over budget}
    kind: shortfall
    cause: execution
    measure: 设出价上限
    owner: 刘洋
    tags: [付费搜索, cac]
    lesson: {zh: 大促期间设出价上限, en: Cap bids during festivals}
  - what: {zh: 平台规则调整, en: Platform rule change}
    kind: shortfall
    cause: environment
    owner: 陈静
    tags: 直播
"""


def plan_dir(tmp_path, notes: str = NOTES, period: str = "2026-Q2", lessons: str | None = None):
    (tmp_path / "retro").mkdir(exist_ok=True)
    (tmp_path / "retro" / f"{period}.yaml").write_text(notes, encoding="utf-8")
    if lessons is not None:
        (tmp_path / "lessons.yaml").write_text(lessons, encoding="utf-8")
    return tmp_path


# --- retro notes -------------------------------------------------------------------------------

def test_missing_notes_file(tmp_path):
    notes = L.load_retro(tmp_path, "2026-Q2")
    assert notes.missing and notes.notes == []
    assert LV.finding_notes(notes, "zh") == "团队尚未填写2026年第2季度的复盘记录（retro/2026-Q2.yaml）。"
    assert LV.finding_notes(notes, "en") == "The team has not written its notes for Q2 2026 yet (retro/2026-Q2.yaml)."
    out = render(LV.show_notes, notes, "en")
    assert "has not written its notes" in out and "lessons.yaml" in out and "<table" not in out


def test_notes_and_finding(tmp_path):
    notes = L.load_retro(plan_dir(tmp_path), "2026-Q2")
    assert [n.kind for n in notes.notes] == ["success", "shortfall", "shortfall"]
    assert notes.notes[2].tags == ["直播"] and notes.notes[1].measure.en == "设出价上限"   # one text serves both
    # 3 notes: 1 success, 2 shortfalls (execution 1, environment 1); the platform note has no measure
    assert LV.finding_notes(notes, "zh") == ("团队为2026年第2季度记录了3条复盘：1项成功因素、2项不足（不足的原因：执行1、外部环境1）。"
                                            "1项不足尚无下季度措施：平台规则调整。")
    assert LV.finding_notes(notes, "en") == ("The team wrote 3 notes for Q2 2026: 1 success factor and 2 shortfalls "
                                            "(causes of the shortfalls: execution 1, environment 1). 1 shortfall(s) "
                                            "have no measure for next quarter yet: Platform rule change.")
    table = LV.notes_table(notes, "zh")
    assert table["类型"].tolist() == ["成功", "不足", "不足"] and table["下季度措施"].tolist()[2] == "—"
    assert table["标签"].tolist()[1] == "付费搜索、cac"


@pytest.mark.parametrize("change, where, words", [
    (("kind: success", "kind: good"), "note N1, field kind", "success"),
    (("cause: execution", "cause: luck"), "note 2 (no id), field cause", "strategy"),
    (("    owner: 陈静", "    owners: 陈静"), "note 3 (no id), field owners", "unknown key 'owners'"),
    (("    what: {zh: 618预售提前, en: Early 618 pre-sale}\n", ""), "note N1, field what", "'what' is missing"),
])
def test_notes_errors_name_file_entry_field(tmp_path, change, where, words):
    with pytest.raises(AttainError) as err:
        L.load_retro(plan_dir(tmp_path, NOTES.replace(*change)), "2026-Q2")
    assert err.value.file.endswith("2026-Q2.yaml") and err.value.where == where and words in err.value.message


# --- the knowledge base --------------------------------------------------------------------------

KB = """\
# 经验知识库 (test file) — a header the code must keep byte-for-byte
lessons:
  - id: 2026-Q1-01
    period: 2026-Q1
    date_added: 2026-03-31
    text: {zh: 大促期间付费搜索设出价上限, en: Cap search-ads bids in festivals}
    tags: [付费搜索, CAC]     # an inline comment, kept
    source: retro/2026-Q1.yaml#2

  - {id: 2025-Q4-01, period: 2025-Q4, date_added: 2025-12-31, text: 双11预售, tags: [大促], source: x}
# trailing comment without a final newline"""


def test_candidates_ids_dates_sources(tmp_path):
    found = L.candidates("2026-Q2", L.load_retro(plan_dir(tmp_path), "2026-Q2"))
    # the two notes with a lesson, numbered 01, 02; dated the quarter's last day; source: #id else position
    assert [x.id for x in found] == ["2026-Q2-01", "2026-Q2-02"]
    assert {x.date_added for x in found} == {dt.date(2026, 6, 30)}
    assert [x.source for x in found] == ["retro/2026-Q2.yaml#N1", "retro/2026-Q2.yaml#2"]


def test_append_keeps_earlier_bytes_and_is_idempotent(tmp_path):
    folder = plan_dir(tmp_path, lessons=KB)
    before = (folder / "lessons.yaml").read_bytes()
    res = L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert [x.id for x in res.added] == ["2026-Q2-01", "2026-Q2-02"] and not res.already_there and not res.conflicts
    after = (folder / "lessons.yaml").read_bytes()
    assert after[:len(before)] == before                      # header and earlier entries byte-for-byte
    kb = L.load_lessons(folder)
    assert [x.id for x in kb] == ["2026-Q1-01", "2025-Q4-01", "2026-Q2-01", "2026-Q2-02"]
    assert kb[2].text.en == "Open festival pre-sales early" and kb[2].tags == ["大促", "618"]   # 618 stays text
    assert kb[3].date_added == dt.date(2026, 6, 30)
    again = L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert again.added == [] and [x.id for x in again.already_there] == ["2026-Q2-01", "2026-Q2-02"]
    assert (folder / "lessons.yaml").read_bytes() == after    # a re-run writes nothing


def test_append_creates_the_file_with_its_header(tmp_path):
    folder = plan_dir(tmp_path)
    L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    text = (folder / "lessons.yaml").read_text(encoding="utf-8")
    assert text.startswith(L.HEADER) and [x.id for x in L.load_lessons(folder)] == ["2026-Q2-01", "2026-Q2-02"]


def test_a_note_added_later_appends_only_its_lesson(tmp_path):
    folder = plan_dir(tmp_path, lessons=KB)
    L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    before = (folder / "lessons.yaml").read_bytes()
    plan_dir(tmp_path, NOTES + "  - {what: 新记录, kind: success, cause: execution, lesson: 新经验}\n")
    res = L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert [x.id for x in res.added] == ["2026-Q2-03"] and len(res.already_there) == 2
    assert (folder / "lessons.yaml").read_bytes().startswith(before)


def test_conflict_keeps_the_lesson_on_disk(tmp_path):
    folder = plan_dir(tmp_path, lessons=KB)
    L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    path = folder / "lessons.yaml"
    edited = path.read_text(encoding="utf-8").replace("Open festival pre-sales early", "Edited by hand")
    path.write_text(edited, encoding="utf-8")
    res = L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert res.added == [] and [x.id for x in res.already_there] == ["2026-Q2-02"]
    [c] = res.conflicts
    assert c.id == "2026-Q2-01" and c.kept.text.en == "Edited by hand" and c.proposed.text.en == \
        "Open festival pre-sales early"
    assert path.read_text(encoding="utf-8") == edited          # nothing overwritten, nothing removed
    review = L.review_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert review.status == {"2026-Q2-01": "conflict", "2026-Q2-02": "already"}
    out = render(LV.show_lessons, review, "en")
    assert "Id conflicts: 2026-Q2-01 (Edited by hand)" in out


def test_entries_at_column_zero_and_empty_flow_list(tmp_path):
    folder = plan_dir(tmp_path, lessons="lessons:\n- {id: A, period: 2026-Q1, date_added: 2026-03-31, text: t}\n")
    L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert [x.id for x in L.load_lessons(folder)] == ["A", "2026-Q2-01", "2026-Q2-02"]
    folder = plan_dir(tmp_path, lessons="# kb\nlessons: []\n")
    with pytest.raises(AttainError, match=r"lessons: \[\]"):
        L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert (folder / "lessons.yaml").read_text(encoding="utf-8") == "# kb\nlessons: []\n"


@pytest.mark.parametrize("start", ["", "# only a comment\n", "# no newline at the end"])
def test_append_to_an_empty_or_comment_only_file(tmp_path, start):
    folder = plan_dir(tmp_path, lessons=start)
    L.append_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    text = (folder / "lessons.yaml").read_text(encoding="utf-8")
    assert text.startswith(start) and [x.id for x in L.load_lessons(folder)] == ["2026-Q2-01", "2026-Q2-02"]


@pytest.mark.parametrize("change, where, words", [
    (("date_added: 2026-03-31", "date_added: 2026-02-30"), "lesson 2026-Q1-01, field date_added", "day value"),
    (("period: 2026-Q1\n", "period: Q1\n"), "lesson 2026-Q1-01, field period", "period"),
    (("    text: {zh: 大促期间付费搜索设出价上限, en: Cap search-ads bids in festivals}\n", ""),
     "lesson 2026-Q1-01, field text", "'text' is missing"),
    (("id: 2025-Q4-01", "id: 2026-Q1-01"), "lesson 2026-Q1-01, field id", "used twice"),
])
def test_kb_errors_name_file_entry_field(tmp_path, change, where, words):
    folder = plan_dir(tmp_path, lessons=KB.replace(*change))
    with pytest.raises(AttainError) as err:
        L.load_lessons(folder)
    assert err.value.file.endswith("lessons.yaml") and err.value.where == where and words in str(err.value.message)


# --- relevant earlier lessons ----------------------------------------------------------------------

def lesson(id_, period, added, tags):
    return L.Lesson(id=id_, period=period, date_added=added, text=f"text {id_}", tags=tags)


def test_relevant_by_tag_newest_first():
    kb = [lesson("a", "2025-Q4", dt.date(2025, 12, 31), ["大促"]),
          lesson("b", "2026-Q1", dt.date(2026, 3, 31), ["CAC", "物流"]),
          lesson("c", "2026-Q1", dt.date(2026, 3, 31), ["付费搜索", "CAC"]),
          lesson("d", "2026-Q1", dt.date(2026, 3, 31), ["物流"]),            # no shared tag
          lesson("e", "2026-Q2", dt.date(2026, 6, 30), ["大促"]),            # this quarter: not "earlier"
          lesson("f", "2026-Q3", dt.date(2026, 9, 30), ["大促"])]            # later: not "earlier"
    rel = L.relevant(kb, ["大促", "付费搜索", "cac"], "2026-Q2")
    # newest first; on the same date more shared tags first (c: 2, b: 1); tags match case-insensitively
    assert rel["id"].tolist() == ["c", "b", "a"]
    assert rel["shared"].tolist() == [["付费搜索", "CAC"], ["CAC"], ["大促"]]
    assert L.relevant(kb, [], "2026-Q2").empty


def test_review_without_write_changes_nothing(tmp_path):
    folder = plan_dir(tmp_path, lessons=KB)
    before = (folder / "lessons.yaml").read_bytes()
    review = L.review_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"))
    assert (folder / "lessons.yaml").read_bytes() == before
    assert review.status == {"2026-Q2-01": "pending", "2026-Q2-02": "pending"} and not review.written
    # notes' tags 大促, 618, 付费搜索, cac, 直播: 2026-Q1-01 (付费搜索, CAC) and 2025-Q4-01 (大促), newest first
    assert review.relevant["id"].tolist() == ["2026-Q1-01", "2025-Q4-01"]
    assert LV.finding_lessons(review, "zh") == ("本季度总结出2条经验：2条待写入知识库，0条已在库中；知识库中有2条往期经验与本季度的标签相关，"
                                               "最近一条（2026年第1季度）：大促期间付费搜索设出价上限。")
    assert LV.finding_lessons(review, "en") == ("2 lessons this quarter: 2 to be added to the knowledge base, 0 already "
                                               "there; 2 earlier lessons share a tag with this quarter's notes; the "
                                               "latest (Q1 2026): Cap search-ads bids in festivals.")
    written = L.review_lessons(folder, "2026-Q2", L.load_retro(folder, "2026-Q2"), write=True)
    assert written.status == {"2026-Q2-01": "added", "2026-Q2-02": "added"}
    assert LV.finding_lessons(written, "zh").startswith("本季度总结出2条经验：2条新写入知识库，0条已在库中；")


# --- display -----------------------------------------------------------------------------------------

def render(fn, *args) -> str:
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        fn(*args)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_show_sections(tmp_path, lang):
    folder = plan_dir(tmp_path, NOTES.replace("618预售提前", "<b>618</b>预售").replace("Early 618", "<b>618</b>"),
                      lessons=KB)
    notes = L.load_retro(folder, "2026-Q2")
    out = render(LV.show_notes, notes, lang)
    assert "&lt;b&gt;618" in out and "<b>618" not in out
    assert ("成功因素与不足" in out) if lang == "zh" else ("Success factors and shortfalls" in out)
    out = render(LV.show_lessons, L.review_lessons(folder, "2026-Q2", notes), lang)
    assert ("相关的往期经验" in out and "待写入" in out) if lang == "zh" else \
        ("Relevant earlier lessons" in out and "To be added" in out)
    assert "2026-Q1-01" in out


# --- the sample ----------------------------------------------------------------------------------------

def test_sample_files(tmp_path):
    """The sample knowledge base holds Q1's and Q2's lessons, as after the Q2 retrospective; running that
    retrospective again adds nothing, and on the file as it was before Q2 it appends exactly Q2's five."""
    kb = L.load_lessons("data/plan")
    q1 = L.load_retro("data/plan", "2026-Q1")
    assert len(q1.notes) == 3 and [x.period for x in kb] == ["2026-Q1"] * 3 + ["2026-Q2"] * 5
    assert L.candidates("2026-Q1", q1) == kb[:3]
    q2 = L.load_retro("data/plan", "2026-Q2")
    assert len(q2.notes) == 6 and all(n.measure for n in q2.notes if n.kind == "shortfall")
    assert L.candidates("2026-Q2", q2) == kb[3:]
    review = L.review_lessons("data/plan", "2026-Q2", q2)
    assert set(review.status.values()) == {"already"} and len(review.lessons) == 5
    assert review.relevant["id"].tolist() == ["2026-Q1-02", "2026-Q1-01"]
    # on a copy cut back to the Q1 entries, the Q2 lessons are appended after the untouched bytes
    shutil.copytree(paths.default_plan_dir(), tmp_path / "plan")
    path = tmp_path / "plan" / "lessons.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("  - id: 2026-Q2-01")], encoding="utf-8")
    before = path.read_bytes()
    res = L.append_lessons(tmp_path / "plan", "2026-Q2", L.load_retro(tmp_path / "plan", "2026-Q2"))
    assert len(res.added) == 5 and path.read_bytes().startswith(before)
    assert L.load_lessons(tmp_path / "plan") == kb
