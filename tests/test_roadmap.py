"""Goal–strategy matrix, plan checks and roadmap on hand-written plan files."""

from __future__ import annotations

import warnings

import pytest

from attain import roadmap, style
from attain.goals import load_goals, load_plan

GOALS = """goals:
  - {id: A, name: GMV, metric: gmv, scope: {}, period: "2026", target: 100, owner: 张伟, module: 活动促销,
     objective: sales, priority: 1}
  - {id: B, name: 复购, metric: repurchase_rate, scope: {}, period: "2026", target: 0.2, owner: 李娜,
     module: 用户运营, objective: ltv, priority: 2}
  - {id: C, name: 品牌, scope: {}, period: "2026", target: 明显提升, owner: 王芳, module: 不存在的模块,
     objective: brand, priority: 3}
"""
PLAN = """modules:
  - id: M1
    name: {zh: 活动促销, en: Campaigns}
    owner: 赵磊
    actions:
      - {name: "618", owner: 赵磊, start: 2026-05-20, end: 2026-06-20, budget: 10, kpis: [gmv, orders]}
      - {name: 跨年, owner: 赵磊, start: 2026-12-20, end: 2027-01-05, budget: 5, kpis: [gmv]}
  - id: M2
    name: {zh: 用户运营, en: User operations}
    owner: [李娜, 孙丽]
    actions:
      - {name: 会员日, owner: 李娜、孙丽, start: 2026-03-01, end: 2026-03-31, kpis: [repurchase_rate, gmv]}
"""


@pytest.fixture
def plan_dir(tmp_path):
    (tmp_path / "goals.yaml").write_text(GOALS, encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    return tmp_path


def test_matrix_marks_own_and_supporting_modules(plan_dir):
    r = roadmap.build(load_goals(plan_dir), load_plan(plan_dir), "2026", "zh")
    m = r.matrix.set_index("id")
    # A: own module 活动促销 (●); 用户运营's 会员日 tracks gmv -> ○
    assert (m.loc["A", "活动促销"], m.loc["A", "用户运营"]) == ("●", "○")
    # B: own module 用户运营; 活动促销 has no repurchase KPI
    assert (m.loc["B", "活动促销"], m.loc["B", "用户运营"]) == ("", "●")
    # C: no metric, unknown module
    assert (m.loc["C", "活动促销"], m.loc["C", "用户运营"]) == ("", "")
    assert r.unlinked == ["C"]


def test_plan_check_finds_owners_and_dates(plan_dir):
    r = roadmap.build(load_goals(plan_dir), load_plan(plan_dir), "2026", "en")
    problems = list(r.problems.itertuples(index=False, name=None))
    # M2 has two owners, its action too; 跨年 ends in 2027
    assert len(problems) == 3
    assert problems[0][:2] == ("Campaigns", "跨年")
    assert "outside 2026" in problems[0][2]
    assert [p[:2] for p in problems[1:]] == [("User operations", ""), ("User operations", "会员日")]
    assert all("exactly one owner" in p[2] for p in problems[1:])
    assert "3 problem(s)" in roadmap.finding(r, "en") and "goals without a module: C" in roadmap.finding(r, "en")


def test_clean_plan_has_no_problems(plan_dir):
    r = roadmap.build(load_goals(plan_dir), load_plan(plan_dir), "2026-Q2", "zh")
    # in Q2 only 618 (05-20..06-20) fits; 跨年 and 会员日 (March) fall outside, plus the owner problems
    assert sum("超出计划期" in p for p in r.problems["problem"]) == 2


def test_period_bounds():
    import datetime as dt
    assert roadmap.period_bounds("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert roadmap.period_bounds("2026-Q3") == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert roadmap.period_bounds("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gantt_renders_without_missing_glyphs(plan_dir, lang):
    style.apply(lang)
    r = roadmap.build(load_goals(plan_dir), load_plan(plan_dir), "2026", lang)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        roadmap.gantt(r, lang).canvas.draw()
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_sample_plan_is_clean():
    r = roadmap.build(load_goals("data/plan"), load_plan("data/plan"), "2026", "zh")
    assert r.problems.empty and r.unlinked == []
