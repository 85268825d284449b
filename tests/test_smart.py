"""The SMART check: each letter passing and failing, notes, the finding, the HTML table and `attain lint-goals`.

The data folder is tiny and hand-made; every baseline and target is worked out by hand in the comments.
"""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from attain import smart, smart_view
from attain.cli import main
from attain.data import load_dataset
from attain.goals import load_goals, load_plan

AS_OF = "2026-04-30"

# 直播 GMV 2025 = O1 100 + O3 30 + O4 20 = 150 (-> "+20% yoy" = 180); all 2025 = 200.
# 2025 return rate = 1 returned order (O2) / 4 orders = 0.25.  No orders at all in 2025-Q3.
ORDERS = """\
order_id,customer_id,order_date,gmv,channel,category,region,returned
O1,c1,2025-01-01,100,直播,美妆,一线城市,false
O2,c2,2025-02-10,50,私域,服饰,二线城市,true
O3,c1,2025-04-05,30,直播,服饰,一线城市,false
O4,c3,2025-12-31,20,直播,美妆,二线城市,false
O5,c2,2026-01-10,70,私域,美妆,二线城市,false
O6,c1,2026-02-20,40,直播,美妆,一线城市,false
O7,c4,2026-04-30,60,直播,服饰,一线城市,false
"""

PLAN = """\
modules:
  - id: M1
    name: {zh: 内容营销, en: Content marketing}
    owner: 陈静
    actions: []
"""

BASE = {"id": "G1", "name": {"zh": "直播GMV增长", "en": "Live GMV growth"}, "metric": "gmv",
        "scope": {"channel": "直播"}, "period": "2026", "target": "+20% yoy", "owner": "张伟",
        "module": "内容营销", "objective": "增长", "priority": 1}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("orders_only")
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    return load_dataset(folder)


def plan_dir(tmp_path, goals: list[dict], plan: str | None = PLAN):
    """A plan folder with hand-made goals.yaml (and plan.yaml unless None)."""
    (tmp_path / "goals.yaml").write_text(yaml.safe_dump({"goals": goals}, allow_unicode=True), encoding="utf-8")
    if plan is not None:
        (tmp_path / "plan.yaml").write_text(textwrap.dedent(plan), encoding="utf-8")
    return tmp_path


def run_check(tmp_path, ds, *goals, plan=PLAN, achievability=None):
    folder = plan_dir(tmp_path, list(goals), plan)
    return smart.check(load_goals(folder), load_plan(folder), ds, as_of=AS_OF, achievability=achievability)


def goal(**changes) -> dict:
    out = {**BASE, **changes}
    return {k: v for k, v in out.items() if v is not None}


def status(result, check, goal_id="G1") -> tuple[str, str, str]:
    row = result.checks[(result.checks.goal_id == goal_id) & (result.checks.check == check)].iloc[0]
    return row.status, row.reason_en, row.reason_zh


# --- a goal that passes everything --------------------------------------------------------------

def test_a_good_goal_passes_and_its_target_is_resolved(tmp_path, ds):
    r = run_check(tmp_path, ds, goal())
    row = r.goals.iloc[0]
    assert [row[c] for c in smart.CHECKS] == ["pass", "pass", "not_assessed", "pass", "pass", "pass"]
    assert bool(row.passed) and r.failing == []
    # 直播 2025 = 150; +20 % -> 180, higher is better
    assert (row.target_value, row.comparator, row.base_period, row.base_value) == (180.0, ">=", "2025", 150.0)
    _, en, zh = status(r, "M")
    assert en == "target '+20% yoy' means >= ¥180; baseline: 2025 actual ¥150"
    assert zh == "目标“+20% yoy”即 >= ¥180；基数为2025年实际值 ¥150"
    assert status(r, "S")[1] == "GMV, channel 直播" and status(r, "S")[2] == "GMV(商品交易总额)，渠道：直播"
    assert status(r, "R")[1] == "serves '增长', module M1 Content marketing"
    assert status(r, "T")[1] == "2026 (2026-01-01 to 2026-12-31)"
    assert status(r, "owner")[2] == "负责人：张伟"


# --- S ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    ({"metric": None}, "no metric"),
    ({"scope": {"city": "北京"}}, "scope key 'city' is not a dimension"),
    ({"scope": {"channel": ""}}, "scope 'channel' has no value"),
    # CAC uses spend (recorded by channel only) and orders
    ({"metric": "cac", "scope": {"category": "美妆"}, "target": "<= 90"},
     "Customer acquisition cost comes from spend, orders, which is not recorded by category"),
    ({"metric": "uv", "target": 1000, "scope": {}, "decompose": {"grain": "month", "dims": ["region"]}},
     "cannot be broken down by region"),
])
def test_specific_fails(tmp_path, ds, changes, words):
    s, en, _ = status(run_check(tmp_path, ds, goal(**changes)), "S")
    assert s == "fail" and words in en


@pytest.mark.parametrize("scope", [{}, {"category": "美妆"}, {"channel": ["直播", "私域"]}])
def test_specific_passes_for_valid_scopes(tmp_path, ds, scope):
    assert status(run_check(tmp_path, ds, goal(scope=scope, target=100)), "S")[0] == "pass"


def test_unknown_metric_is_specific_but_not_measurable(tmp_path, ds):
    r = run_check(tmp_path, ds, goal(metric="revenue"))
    assert status(r, "S")[0] == "pass"
    assert status(r, "M")[:2] == ("fail", "'revenue' is not in the metric dictionary (attain metrics --list)")


# --- M ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    ({"target": "明显提升"}, "the target '明显提升' is not a number"),
    ({"target": "7.5M"}, "unit suffix"),
    ({"metric": None}, "no metric, so nothing to measure"),
    ({"metric": "conversion_rate", "target": "2%"}, "needs the traffic table, which the data folder does not have"),
    ({"metric": "cac", "scope": {}, "target": 90}, "needs the spend table"),
    ({"scope": {"channel": "抖音"}}, "the orders data have no channel 抖音"),
    ({"target": "2%"}, "is a percentage, but GMV is not a rate"),
    ({"metric": "orders", "target": "5%"}, "is a percentage, but Orders is not a rate"),
    ({"metric": "return_rate", "target": "<= 18", "scope": {}}, "above 100%: write a percentage"),
    # 2026-Q3's previous quarter, 2026-Q2, is not over on 2026-04-30
    ({"period": "2026-Q3", "target": "+5% pop"}, "compares with Q2 2026, which is not over by the analysis date"),
    # the data start 2025-01-01, so 2024 (the baseline of 2025) is not covered
    ({"period": "2025", "target": "+20% yoy"}, "the data do not cover 2024"),
    # 2025-Q3 has no orders: +10 % of zero
    ({"period": "2026-Q3", "target": "+10% yoy"}, "Q3 2025, the baseline of '+10% yoy', is zero"),
    ({"period": None, "target": "+20% yoy"}, "needs a period to find its baseline"),
])
def test_measurable_fails(tmp_path, ds, changes, words):
    s, en, zh = status(run_check(tmp_path, ds, goal(**changes)), "M")
    assert s == "fail" and words in en and zh


@pytest.mark.parametrize("changes, value, cmp", [
    ({"target": 180}, 180.0, ">="),
    ({"target": "15% -> 20%", "metric": "return_rate", "scope": {}}, 0.20, "<="),    # lower is better
    ({"target": "<= 18%", "metric": "return_rate", "scope": {}}, 0.18, "<="),
    ({"target": "-20% yoy", "metric": "return_rate", "scope": {}}, 0.20, "<="),      # 0.25 − 0.05
    ({"target": "+5% pop", "period": "2026-Q2", "scope": {}}, 115.5, ">="),          # 2026-Q1 = 70 + 40 = 110
    ({"target": "+10% yoy", "period": "2026-02", "scope": {}}, 55.0, ">="),          # 2025-02 = 50
    ({"target": 1, "scope": {"channel": ["直播", "私域"]}}, 1.0, ">="),
])
def test_measurable_passes_with_the_resolved_target(tmp_path, ds, changes, value, cmp):
    r = run_check(tmp_path, ds, goal(**changes))
    assert status(r, "M")[0] == "pass"
    assert r.goals.iloc[0].target_value == pytest.approx(value) and r.goals.iloc[0].comparator == cmp


def test_the_baseline_shown_is_the_one_the_target_compares_with(tmp_path, ds):
    # "+5% pop" for 2026-Q2 compares with 2026-Q1 (110); an absolute target shows 2025-Q2 (O3 30)
    r = run_check(tmp_path, ds, goal(target="+5% pop", period="2026-Q2", scope={}),
                  goal(id="G2", target=100, period="2026-Q2", scope={}))
    assert r.goals[["base_period", "base_value"]].values.tolist() == [["2026-Q1", 110.0], ["2025-Q2", 30.0]]
    assert status(r, "M")[1] == "target '+5% pop' means >= ¥116; baseline: Q1 2026 actual ¥110"


def test_the_current_target_is_measured_after_revisions(tmp_path, ds):
    g = goal(target="明显提升", created="2026-01-05",
             revisions=[{"date": "2026-02-01", "target": 170, "reason": "first cut", "approved_by": "李娜"},
                        {"date": "2026-03-01", "target": "+20% yoy", "reason": "Q1 review", "approved_by": "李娜"}])
    r = run_check(tmp_path, ds, g)
    row = r.goals.iloc[0]
    assert status(r, "M")[0] == "pass" and row.target == "+20% yoy" and row.target_value == 180.0
    assert row.original_target == "明显提升" and row.revisions == 2
    assert "revised 2 time(s), original target '明显提升' (latest 2026-03-01: Q1 review; approved by 李娜)" \
        in row.note_en


# --- A ------------------------------------------------------------------------------------------

def test_achievability_not_assessed_does_not_fail(tmp_path, ds):
    r = run_check(tmp_path, ds, goal())
    assert status(r, "A")[:2] == ("not_assessed", "not assessed (no achievability forecast)")
    assert r.goals.iloc[0].passed


@pytest.mark.parametrize("assessment, expected, words", [
    ({"classification": "unrealistic", "probability": 0.05}, "fail", "unrealistic, probability of reaching it 5%"),
    ({"classification": "stretch", "probability": 0.3}, "pass", "stretch, probability of reaching it 30%"),
    (SimpleNamespace(cls="conservative", probability=0.91), "pass", "conservative, probability of reaching it 91%"),
    ("ambitious", "pass", "ambitious, probability of reaching it —"),
])
def test_achievability_from_a_mapping(tmp_path, ds, assessment, expected, words):
    r = run_check(tmp_path, ds, goal(), achievability={"G1": assessment})
    assert status(r, "A")[:2] == (expected, words)
    assert bool(r.goals.iloc[0].passed) == (expected == "pass")


def test_achievability_from_a_frame_and_a_callable(tmp_path, ds):
    frame = pd.DataFrame({"goal_id": ["G1"], "classification": ["unrealistic"], "probability": [0.1]})
    assert status(run_check(tmp_path, ds, goal(), achievability=frame), "A")[0] == "fail"
    seen = []

    def assess(g, target):
        seen.append((g.id, target.value, target.comparator))
        return None                              # nothing to say about this goal

    r = run_check(tmp_path, ds, goal(), achievability=assess)
    assert seen == [("G1", 180.0, ">=")] and status(r, "A")[0] == "not_assessed"
    # a goal without a measurable target is never sent to the assessment
    seen.clear()
    r = run_check(tmp_path, ds, goal(target="明显提升"), achievability=assess)
    assert seen == [] and status(r, "A")[1] == "not assessed: the target must be measurable first"


def test_forecast_achievability_calls_the_forecast_with_the_target(monkeypatch, tmp_path, ds):
    import attain.achievability as ach
    calls = []

    def fake_assess(ds_, metric, scope, period, as_of, target, *, direction):
        calls.append((metric, scope, period, as_of, target, direction))
        if metric == "return_rate":
            raise ach.MetricError("too little history")
        return SimpleNamespace(cls="unrealistic", probability=0.02)

    monkeypatch.setattr(ach, "assess", fake_assess)
    r = run_check(tmp_path, ds, goal(period="2026q3", target=500),
                  goal(id="G2", metric="return_rate", scope={}, target="<= 18%"),
                  achievability=smart.forecast_achievability(ds, AS_OF))
    assert calls[0] == ("gmv", {"channel": "直播"}, "2026-Q3", AS_OF, 500.0, "higher")
    assert calls[1][-1] == "lower"               # "<=" -> lower is better
    assert status(r, "A", "G1")[0] == "fail" and status(r, "A", "G2")[0] == "not_assessed"


# --- R ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, plan, words", [
    ({"objective": None}, PLAN, "no business objective"),
    ({"module": None}, PLAN, "not linked to a strategy module"),
    ({"module": "品牌推广"}, PLAN, "module '品牌推广' is not in plan.yaml (it has: M1 内容营销)"),
    ({}, None, "plan.yaml is missing, so module '内容营销' cannot be confirmed"),
])
def test_relevant_fails(tmp_path, ds, changes, plan, words):
    s, en, _ = status(run_check(tmp_path, ds, goal(**changes), plan=plan), "R")
    assert s == "fail" and words in en


@pytest.mark.parametrize("module", ["M1", "内容营销", "Content Marketing"])
def test_relevant_finds_the_module_by_id_or_name(tmp_path, ds, module):
    assert status(run_check(tmp_path, ds, goal(module=module)), "R")[0] == "pass"


# --- T and owner ---------------------------------------------------------------------------------

@pytest.mark.parametrize("period, expected, words", [
    (None, "fail", "no period (deadline)"),
    ("2026-13", "fail", "'2026-13' is not a period"),
    ("明年", "fail", "'明年' is not a period"),
    ("2026-Q2", "pass", "Q2 2026 (2026-04-01 to 2026-06-30)"),
    ("2026-03", "pass", "Mar 2026 (2026-03-01 to 2026-03-31)"),
    ("2025-Q1", "pass", "already over as of 2026-04-30"),     # time-bound, but its deadline has passed
])
def test_time_bound(tmp_path, ds, period, expected, words):
    s, en, _ = status(run_check(tmp_path, ds, goal(period=period, target=100)), "T")
    assert s == expected and words in en


@pytest.mark.parametrize("owner, expected, words", [
    ("张伟", "pass", "owner: 张伟"),
    (None, "fail", "no owner: name one person"),
    ("张伟/李娜", "fail", "several owners (张伟, 李娜): name one"),
    ("张伟、李娜", "fail", "several owners"),
    ("Zhang Wei and Li Na", "fail", "several owners (Zhang Wei, Li Na)"),
    (["张伟", "李娜"], "fail", "several owners"),
])
def test_exactly_one_owner(tmp_path, ds, owner, expected, words):
    r = run_check(tmp_path, ds, goal(owner=owner))
    s, en, _ = status(r, "owner")
    assert s == expected and words in en
    assert bool(r.goals.iloc[0].passed) == (expected == "pass")


# --- notes (never failures) ---------------------------------------------------------------------

def test_notes_on_the_stated_baseline_and_a_target_that_does_not_beat_last_year(tmp_path, ds):
    r = run_check(tmp_path, ds,
                  # stated 15 % vs 2025's 25 %: |0.15 − 0.25| = 0.10 > 20 % of 0.25 -> note
                  goal(id="G1", metric="return_rate", scope={}, target="15% -> 20%"),
                  # stated 24 % vs 25 %: 0.01 ≤ 0.05 -> no note; 20 % beats 25 % (lower is better)
                  goal(id="G2", metric="return_rate", scope={}, target="24% -> 20%"),
                  # 直播 2025 = 150: a target of 140 does not beat it
                  goal(id="G3", target=140))
    notes = dict(zip(r.goals.goal_id, r.goals.note_en))
    assert notes["G1"] == "the stated starting point 15.00% is far from the 2025 actual 25.00%"
    assert notes["G2"] == ""
    assert notes["G3"] == "the target ¥140 does not beat the 2025 actual ¥150"
    assert r.goals.passed.all()


# --- finding, terminal text, HTML ---------------------------------------------------------------

def weak_and_strong(tmp_path, ds):
    return run_check(tmp_path, ds, goal(),
                     goal(id="G2", name={"zh": "提升品牌知名度", "en": "Raise awareness"}, metric=None, target="明显提升"),
                     goal(id="G3", name={"zh": "无期限", "en": "No deadline"}, period=None, target=100))


def test_finding_in_both_languages(tmp_path, ds):
    r = weak_and_strong(tmp_path, ds)
    assert r.failing == ["G2", "G3"] and r.failed_checks("G2") == ["S", "M"]
    assert smart_view.finding(r, "en") == ("1 of 3 goals pass the SMART check; failing: G2 Raise awareness (S, M), "
                                      "G3 No deadline (T). Achievability not assessed for 3 goal(s).")
    assert smart_view.finding(r, "zh") == ("3个目标中1个通过SMART检查；未通过：G2 提升品牌知名度（S、M）、G3 无期限（T）。"
                                      "3个目标的可达性尚未评估。")


def test_finding_when_all_pass_and_when_empty(tmp_path, ds):
    r = run_check(tmp_path, ds, goal(), achievability={"G1": "stretch"})
    assert smart_view.finding(r, "en") == "All 1 goals pass the SMART check."
    empty = smart.check([], load_plan(tmp_path), ds, as_of=AS_OF)
    assert smart_view.finding(empty, "zh") == "目标清单中没有目标。" and empty.failing == []


def test_lint_text_lists_failures_with_reasons(tmp_path, ds):
    text = smart_view.lint_text(weak_and_strong(tmp_path, ds), "en")
    grid = {ln.split()[0]: ln.split()[1:] for ln in text.splitlines() if ln.strip().startswith("G") and
            len(ln.split()) == 8}
    assert grid == {"G1": ["ok", "ok", "-", "ok", "ok", "ok", "ok"],
                    "G2": ["FAIL", "FAIL", "-", "ok", "ok", "ok", "FAIL"],
                    "G3": ["ok", "ok", "-", "ok", "FAIL", "ok", "FAIL"]}
    assert "  T: no period (deadline)" in text


def test_html_is_coloured_and_escaped(tmp_path, ds):
    r = run_check(tmp_path, ds, goal(name={"zh": "<script>x</script>", "en": "<b>bold</b> & co"}, owner="A/<i>B"))
    for lang in ("zh", "en"):
        page = smart_view.smart_html(r, lang)
        assert "<script>" not in page and "<b>bold</b>" not in page and "<i>B" not in page
        assert smart_view.STATUS_COLOR["fail"] in page and smart_view.STATUS_COLOR["pass"] in page
        assert smart_view.STATUS_COLOR["not_assessed"] in page
    en = smart_view.smart_html(r, "en")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in en and "several owners (A, &lt;i&gt;B)" in en
    assert "≥ ¥180" in en and "目标值" in smart_view.smart_html(r, "zh")


def test_show_smart_renders_in_a_notebook(tmp_path, ds, monkeypatch):
    shown = []
    monkeypatch.setattr("attain.display._display", shown.append)
    smart_view.show_smart(weak_and_strong(tmp_path, ds), "zh")
    assert len(shown) == 4        # heading, finding, table, legend


# --- the command --------------------------------------------------------------------------------

def lint(capsys, *args):
    code = main(["lint-goals", *args])
    out, err = capsys.readouterr()
    return code, out, err


def failing_rows(out: str) -> set[str]:
    return {ln.split()[0] for ln in out.splitlines() if ln.strip().startswith("G") and ln.rstrip().endswith("FAIL")
            and len(ln.split()) == 8}


def test_lint_goals_on_the_sample_flags_exactly_the_weak_goals(capsys, sample_dir):
    code, out, err = lint(capsys, "--strict")
    assert code == 1 and "Traceback" not in out + err
    assert failing_rows(out) == {"G07", "G08", "G09"}   # G09 fails only A (see test_e2e)
    assert "G07 Raise brand awareness (S, M), G08 Short-video conversion rate up to 2.2% (T)" in out
    code, out, _ = lint(capsys, "--lang", "zh", "--as-of", "2026-08-15")
    assert code == 0 and failing_rows(out) == {"G07", "G08", "G09"} and "未通过：G09 三季度付费搜索GMV同比增长15%（A）、G07 提升品牌知名度（S、M）" in out


def test_lint_goals_strict_passes_a_clean_register(capsys, tmp_path, sample_dir):
    folder = plan_dir(tmp_path, [goal(id="G1", target=1000)])
    assert lint(capsys, "--plan", str(folder), "--strict")[0] == 0


@pytest.mark.parametrize("goals, words", [
    ([goal(), goal()], "goal id 'G1' is used twice"),
    ([goal(deadline="2026-12-31")], "unknown key 'deadline'"),
])
def test_lint_goals_file_errors_exit_2_without_traceback(capsys, tmp_path, sample_dir, goals, words):
    code, out, err = lint(capsys, "--plan", str(plan_dir(tmp_path, goals)))
    assert code == 2 and words in err and "goals.yaml" in err and "Traceback" not in out + err
