"""The goal register and plan loaders: typed models, revisions, and errors that name file, goal and field."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from attain.errors import AttainError
from attain.goals import Goal, load_goals, load_plan, split_owners

GOOD = """\
goals:
  - id: G1
    name: {zh: 直播GMV增长, en: Live-stream GMV growth}
    metric: gmv
    scope: {channel: 直播}
    period: "2026"
    target: "+20% yoy"
    owner: 张伟
    module: 内容营销
    objective: 增长
    priority: 1
  - id: G2
    name: 一个名字
    metric: cac
    period: 2026
    target: 90
    owner: 李娜
    module: M1
    objective: 效率
    priority: 2
    created: 2026-01-05
    decompose: {grain: quarter, dims: [channel]}
    revisions:
      - {date: 2026-03-01, target: 95, reason: Q1 CAC came in high, approved_by: 张伟}
      - {date: "2026-06-01", target: "<= 92", reason: mid-year review, approved_by: 张伟}
"""

PLAN = """\
modules:
  - id: M1
    name: {zh: 内容营销, en: Content marketing}
    owner: 陈静
    actions:
      - {name: {zh: 短视频, en: Short video}, owner: 陈静, start: 2026-01-01, end: 2026-12-31,
         budget: 4200000, kpis: [uv, roas], source: spend}
      - {name: 自播间, owner: 周杰, start: 2026-02-01, end: 2026-03-31}
"""


def write(folder, text, name="goals.yaml"):
    (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def error_of(folder) -> str:
    with pytest.raises(AttainError) as exc:
        load_goals(folder)
    return str(exc.value)


# --- good files -------------------------------------------------------------------------------

def test_goals_load_in_file_order_with_types(tmp_path):
    g1, g2 = load_goals(write(tmp_path, GOOD))
    assert (g1.id, g1.metric, g1.scope, g1.period, g1.priority) == ("G1", "gmv", {"channel": "直播"}, "2026", 1)
    assert (g1.name.zh, g1.name.en) == ("直播GMV增长", "Live-stream GMV growth")
    assert (g2.name.zh, g2.name.en) == ("一个名字", "一个名字")     # one text serves both languages
    assert g2.period == "2026"                                     # a YAML number becomes the period text
    assert g2.scope == {} and g2.created == dt.date(2026, 1, 5)
    assert (g2.decompose.grain, g2.decompose.dims) == ("quarter", ["channel"])


def test_revisions_keep_the_history_and_the_last_one_is_in_force(tmp_path):
    g1, g2 = load_goals(write(tmp_path, GOOD))
    assert g1.current_target == g1.original_target == "+20% yoy"   # never revised
    assert g2.original_target == 90                                # as first set, untouched
    assert [r.target for r in g2.revisions] == [95, "<= 92"]       # file order kept
    assert g2.current_target == "<= 92"
    assert g2.revisions[1].date == dt.date(2026, 6, 1)             # a quoted ISO date works too


def test_weak_goals_load_as_written(tmp_path):
    # no metric, a target in words, no period, two owners: SMART weaknesses, not file errors
    write(tmp_path, """\
        goals:
          - {id: W1, name: 提升品牌知名度, target: 明显提升, owner: 王芳/李娜, priority: 3}
          - {id: W2, name: x, metric: "", owner: [张伟, 李娜], priority: 3, scope: }
    """)
    w1, w2 = load_goals(tmp_path)
    assert (w1.metric, w1.period, w1.module, w1.objective) == (None, None, None, None)
    assert w1.current_target == "明显提升" and w1.owners == ["王芳", "李娜"]
    assert w2.metric is None and w2.owners == ["张伟", "李娜"] and w2.scope == {}


@pytest.mark.parametrize("owner, names", [
    ("张伟", ["张伟"]), ("A/B", ["A", "B"]), ("A、B", ["A", "B"]), ("A and B", ["A", "B"]),
    ("A, B", ["A", "B"]), ("A & B", ["A", "B"]), (["A"], ["A"]), (["A", "B/C"], ["A", "B", "C"]),
    ("王和平", ["王和平"]),        # 和 inside a name does not split it
    ("Alexander", ["Alexander"]), (None, []), ("", []),
])
def test_split_owners(owner, names):
    assert split_owners(owner) == names


def test_plan_loads_modules_and_actions(tmp_path):
    plan = load_plan(write(tmp_path, PLAN, "plan.yaml"))
    m = plan.modules[0]
    assert (m.id, m.name.en, m.owners) == ("M1", "Content marketing", ["陈静"])
    a, b = m.actions
    assert (a.name.en, a.start, a.budget, a.kpis) == ("Short video", dt.date(2026, 1, 1), 4_200_000.0, ["uv", "roas"])
    assert (b.name.zh, b.name.en, b.budget, b.kpis) == ("自播间", "自播间", None, [])
    # a goal names its module by id, Chinese or English name
    assert plan.module("M1") is plan.module("内容营销") is plan.module("content marketing") is m
    assert plan.module("品牌推广") is None and plan.module(None) is None


def test_a_missing_plan_is_empty_not_an_error(tmp_path):
    plan = load_plan(tmp_path)
    assert plan.missing and plan.modules == []


def test_the_sample_plan_loads(sample_dir):
    goals, plan = load_goals("data/plan"), load_plan("data/plan")
    assert [g.id for g in goals] == ["G01", "G02", "G03", "G04", "G05", "G06", "G09", "G10", "G11", "G07", "G08"]
    g02 = next(g for g in goals if g.id == "G02")
    assert (g02.original_target, g02.current_target) == (7_000_000, 7_500_000)
    assert len(plan.modules) == 5 and all(len(m.owners) == 1 for m in plan.modules)
    assert all(plan.module(g.module) for g in goals)


# --- structural errors --------------------------------------------------------------------------

def test_duplicate_id(tmp_path):
    text = GOOD.replace("id: G2", "id: G1")
    msg = error_of(write(tmp_path, text))
    assert "goals.yaml" in msg and "goal G1, field id" in msg and "used twice (goals 1 and 2)" in msg
    assert "What to do" in msg


def test_unknown_key_names_goal_and_key(tmp_path):
    msg = error_of(write(tmp_path, GOOD.replace("    priority: 2\n", "    priority: 2\n    owners: 张伟\n")))
    assert "goal G2" in msg and "unknown key 'owners'" in msg and "the keys are: id, name" in msg


def test_unknown_key_inside_a_revision(tmp_path):
    msg = error_of(write(tmp_path, GOOD.replace("reason: mid-year review", "why: mid-year review")))
    assert "goal G2, field revisions[2].why" in msg and "unknown key 'why'" in msg


@pytest.mark.parametrize("bad, words", [
    ("created: 2026-02-30", "field created"),          # not a real day (YAML keeps it as text)
    ("created: yesterday", "'yesterday' is not a date"),
    ("created: 20260105", "not a date"),              # a number is not a date
])
def test_malformed_dates(tmp_path, bad, words):
    msg = error_of(write(tmp_path, GOOD.replace("created: 2026-01-05", bad)))
    assert "goal G2" in msg and words in msg and "YYYY-MM-DD" in msg


@pytest.mark.parametrize("first, second, words", [
    ("2026-03-01", "2026-02-01", "revision 2 (2026-02-01) is not after revision 1 (2026-03-01)"),
    ("2026-03-01", "2026-03-01", "revision 2 (2026-03-01) is not after revision 1"),   # one per date
    ("2025-12-01", "2026-06-01", "revision 1 (2025-12-01) is not after the goal's created date (2026-01-05)"),
])
def test_bad_revision_order(tmp_path, first, second, words):
    text = GOOD.replace("date: 2026-03-01", f"date: {first}").replace('date: "2026-06-01"', f"date: {second}")
    msg = error_of(write(tmp_path, text))
    assert "goal G2, field revisions" in msg and words in msg and "oldest first" in msg


def test_revision_needs_an_approver(tmp_path):
    msg = error_of(write(tmp_path, GOOD.replace(", approved_by: 张伟}", "}", 1)))
    assert "field revisions[1].approved_by" in msg and "'approved_by' is missing" in msg


@pytest.mark.parametrize("value", ["4", "0", "high", "1.5", "true"])
def test_priority_is_1_to_3(tmp_path, value):
    msg = error_of(write(tmp_path, GOOD.replace("priority: 1", f"priority: {value}")))
    assert "goal G1, field priority" in msg and "1 (highest), 2 or 3" in msg


def test_missing_priority_and_missing_id(tmp_path):
    assert "'priority' is missing" in error_of(write(tmp_path, GOOD.replace("    priority: 1\n", "")))
    msg = error_of(write(tmp_path, GOOD.replace("  - id: G1\n    name", "  - name")))
    assert "goal 1 (no id), field id" in msg


def test_bad_decompose_and_scope(tmp_path):
    msg = error_of(write(tmp_path, GOOD.replace("dims: [channel]", "dims: [city]")))
    assert "field decompose.dims[1]" in msg and "grain: month or quarter" in msg
    msg = error_of(write(tmp_path, GOOD.replace("scope: {channel: 直播}", "scope: 直播")))
    assert "field scope" in msg and "{channel: 直播}" in msg


@pytest.mark.parametrize("text, words", [
    ("- id: G1\n", "expected one top-level key 'goals'"),
    ("goals: {id: G1}\n", "'goals' must be a list"),
    ("goal:\n  - id: G1\n", "found: goal"),
    ("goals:\n  - G1\n", "goal 1 (no id) is not a mapping"),
    ("goals:\n  - id: G1\n    name: [x\n", "not valid YAML"),
])
def test_file_shape_errors(tmp_path, text, words):
    assert words in error_of(write(tmp_path, text))


def test_missing_goal_register(tmp_path):
    assert "the goal register is missing" in error_of(tmp_path)


def test_an_empty_register_has_no_goals(tmp_path):
    assert load_goals(write(tmp_path, "# nothing yet\n")) == []


@pytest.mark.parametrize("old, new, words", [
    ("end: 2026-03-31", "end: 2026-01-31", "field actions[2].end: the action ends (2026-01-31) before it starts"),
    ("budget: 4200000", "budget: -5", "field actions[1].budget"),
    ("owner: 周杰,", "owner: 周杰, colour: red,", "unknown key 'colour'"),
    ("start: 2026-02-01", "start: 2026-02-30", "field actions[2].start"),
])
def test_plan_errors_name_module_and_field(tmp_path, old, new, words):
    write(tmp_path, PLAN.replace(old, new), "plan.yaml")
    with pytest.raises(AttainError) as exc:
        load_plan(tmp_path)
    assert "plan.yaml" in str(exc.value) and "module M1" in str(exc.value) and words in str(exc.value)


def test_plan_duplicate_module(tmp_path):
    write(tmp_path, PLAN + PLAN.split("modules:\n")[1], "plan.yaml")
    with pytest.raises(AttainError, match="module id 'M1' is used twice"):
        load_plan(tmp_path)


def test_goal_model_directly():
    g = Goal.model_validate({"id": "X", "name": {"en": "Only English"}, "priority": 3})
    assert g.name.zh == "Only English" and g.owners == [] and g.current_target is None
