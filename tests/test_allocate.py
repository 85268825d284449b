"""Allocation and goal-seek on power curves whose optimum is worked out by hand; the section's
text, tables and charts (zh/en); no spend table; the sample data.

For GMV_i = a_i·x^b_i the optimum of Σ GMV_i with Σ x = B equalises the marginal returns
a_i·b_i·x_i^(b_i−1) of the channels not at a bound.
"""

from __future__ import annotations

import math
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from attain import allocate, display, style, viz_budget
from attain.allocate import allocate as allocate_plan
from attain.allocate import (
    analyse_budget,
    frontier,
    goal_seek,
    optimise_lagrange,
    optimise_slsqp,
    priority_weights,
    split_budget,
)
from attain.budget import BudgetPlan, ChannelBudget, load_budget
from attain.data import load_dataset
from attain.errors import AttainError
from attain.response import Curve
from test_response import write_dataset

BOTH = [optimise_lagrange, optimise_slsqp]


def solve(method, *args, **kw) -> np.ndarray:
    out = method(*args, **kw)
    return out[0] if isinstance(out, tuple) else out


def plan_of(total: float, reserve: float, channels: dict, **kw) -> BudgetPlan:
    """channels: name -> current or (current, min, max)."""
    items = tuple(ChannelBudget(n, *(v if isinstance(v, tuple) else (v,))) for n, v in channels.items())
    return BudgetPlan(total=total, reserve_share=reserve, channels=items, **kw)


CURVES = {"A": Curve("A", 100.0, 0.5), "B": Curve("B", 200.0, 0.5)}


# --- the optimiser: known answers -----------------------------------------------------------------

@pytest.mark.parametrize("method", BOTH)
def test_equal_b_known_answer_beats_the_even_split(method):
    # 0.5·100·x1^-0.5 = 0.5·200·x2^-0.5 → x2 = 4·x1; x1 + x2 = 1000 → x1 = 200, x2 = 800.
    # GMV = 100·√200 + 200·√800 = 1414.21 + 5656.85 = 7071.07; the even split 500/500 gives 300·√500 = 6708.20.
    x = solve(method, [100, 200], [0.5, 0.5], 1000)
    assert x == pytest.approx([200, 800], rel=1e-5)
    gmv = 100 * math.sqrt(x[0]) + 200 * math.sqrt(x[1])
    assert gmv == pytest.approx(7071.07, abs=0.01) and gmv > 300 * math.sqrt(500)


@pytest.mark.parametrize("method", BOTH)
def test_unequal_b_known_answer(method):
    # GMV1 = 4·x^0.5 (marginal 2·x^-0.5), GMV2 = (8/3)·x^0.75 (marginal 2·x^-0.25).
    # At x1 = 4, x2 = 16 both marginals are 1 and 4 + 16 = 20: the optimum of a budget of 20.
    x = solve(method, [4, 8 / 3], [0.5, 0.75], 20)
    assert x == pytest.approx([4, 16], rel=1e-5)


def test_lagrange_returns_the_common_marginal():
    x, lam = optimise_lagrange([4, 8 / 3], [0.5, 0.75], 20)
    assert lam == pytest.approx(1.0, rel=1e-9) and x.sum() == pytest.approx(20, rel=1e-12)


@pytest.mark.parametrize("method", BOTH)
@pytest.mark.parametrize("lo, hi, expected", [
    ([0, 0], [np.inf, 600], [400, 600]),        # B's max binds: the rest goes to A
    ([300, 0], [np.inf, np.inf], [300, 700]),   # A's min binds (its optimum 200 < 300)
    ([0, 0], [150, np.inf], [150, 850]),        # A's max binds
    ([0, 850], [np.inf, np.inf], [150, 850]),   # B's min binds
])
def test_bounds_bind(method, lo, hi, expected):
    x = solve(method, [100, 200], [0.5, 0.5], 1000, lo, hi)
    assert x == pytest.approx(expected, rel=1e-5)
    assert (x >= np.array(lo) - 1e-6).all() and (x <= np.array(hi) + 1e-6).all()


@pytest.mark.parametrize("method", BOTH)
def test_weights(method):
    # equal curves, A's GMV weighted 2: 2·50·x1^-0.5 = 50·x2^-0.5 → x1 = 4·x2 → 800 / 200
    x = solve(method, [100, 100], [0.5, 0.5], 1000, None, None, [2, 1])
    assert x == pytest.approx([800, 200], rel=1e-5)


@pytest.mark.parametrize("seed", range(4))
def test_lagrange_and_slsqp_agree_on_random_problems(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(50, 500, 6), rng.uniform(0.3, 0.85, 6)
    lo, hi = rng.uniform(0, 50, 6), rng.uniform(300, 900, 6)
    x1, _ = optimise_lagrange(a, b, 2000, lo, hi)
    x2 = optimise_slsqp(a, b, 2000, lo, hi)
    assert x1 == pytest.approx(x2, rel=1e-4, abs=1e-3)
    assert np.sum(a * x1 ** b) >= np.sum(a * x2 ** b) - 1e-6


def test_infeasible_bounds_raise():
    with pytest.raises(AttainError, match="cannot be split"):
        optimise_lagrange([1, 1], [0.5, 0.5], 100, [60, 60], None)
    with pytest.raises(AttainError, match="min/max"):
        optimise_slsqp([1, 1], [0.5, 0.5], 100, None, [30, 30])


# --- allocation of a plan ------------------------------------------------------------------------

def test_reserve_is_not_allocated():
    # total 1250, reserve 20 % = 250 → allocatable 1000 → A 200, B 800 (as above)
    plan = plan_of(1250, 0.2, {"A": 500, "B": 500})
    a = allocate_plan(plan, CURVES)
    t = a.table.set_index("channel")
    assert t["recommended"].to_list() == pytest.approx([200, 800], rel=1e-6)
    assert a.totals["recommended"] == pytest.approx(1000) and a.totals["reserve"] == pytest.approx(250)
    # expected GMV: planned 300·√500 = 6708.20, recommended 7071.07; uplift 362.87
    assert a.totals["gmv_current"] == pytest.approx(6708.20, abs=0.01)
    assert a.totals["gmv_recommended"] == pytest.approx(7071.07, abs=0.01)
    assert a.totals["uplift"] == pytest.approx(362.87, abs=0.01)
    # marginal ROAS at the optimum: 50/√200 = 100/√800 = 3.5355; ROAS of A = 100·√200/200 = 7.0711
    assert t["mroas_recommended"].to_list() == pytest.approx([3.5355, 3.5355], abs=1e-4)
    assert t.loc["A", "roas_recommended"] == pytest.approx(7.0711, abs=1e-4)
    assert t.loc["A", "mroas_current"] == pytest.approx(50 / math.sqrt(500))


def test_brand_split_pools_are_optimised_apart():
    # total 1000, no reserve, brand 25 % → brand channel C gets 250; A and B share 750 → 150 / 600
    curves = {**CURVES, "C": Curve("C", 100.0, 0.5)}
    plan = plan_of(1000, 0.0, {"A": 300, "B": 300, "C": 400}, brand_share=0.25, brand_channels=("C",))
    a = allocate_plan(plan, curves)
    assert dict(zip(a.table["channel"], a.table["recommended"])) == pytest.approx({"A": 150, "B": 600, "C": 250})
    split = a.split.set_index("pool")
    assert split.loc["brand", "current_share"] == pytest.approx(0.4)       # 400 / 1000
    assert split.loc["brand", "recommended_share"] == pytest.approx(0.25)


def test_channel_without_curve_keeps_its_planned_amount():
    # X has no curve: it keeps 100; A and B share 900 → 180 / 720. Y has a curve but is not in the budget.
    plan = plan_of(1000, 0.0, {"A": 300, "B": 600, "X": 100})
    a = allocate_plan(plan, {**CURVES, "Y": Curve("Y", 1.0, 0.5)})
    rec = dict(zip(a.table["channel"], a.table["recommended"]))
    assert rec == pytest.approx({"A": 180, "B": 720, "X": 100})
    assert a.fixed == ["X"] and a.unbudgeted == ["Y"]
    assert math.isnan(a.table.set_index("channel").loc["X", "gmv_recommended"])


def test_priority_weights_from_goals():
    goals = [{"metric": "gmv", "scope": {"channel": "直播"}, "priority": 1},
             {"metric": "gmv", "scope": {"channel": "KOL"}, "priority": 2},
             {"metric": "conversion_rate", "scope": {"channel": "短视频"}, "priority": 1},   # not a sales metric
             {"metric": "gmv", "scope": {"channel": "信息流", "category": "美妆"}, "priority": 1},  # not a channel scope
             {"metric": "gmv", "scope": {}, "priority": 1}]
    w = priority_weights(goals, ["直播", "KOL", "短视频", "信息流"])
    assert w == {"直播": 1.2, "KOL": 1.1, "短视频": 1.0, "信息流": 1.0}


# --- goal-seek and the budget -> GMV curve --------------------------------------------------------

def test_goal_seek_minimal_budget():
    # optimal split at allocatable B: B/5 and 4B/5 → paid GMV = 100·√(B/5) + 200·√(4B/5) = 500·√(B/5).
    # baseline 1000 + 500·√(B/5) = 6000 → B = 500 → total = 500 / (1 − 0.2) = 625.
    plan = plan_of(1250, 0.2, {"A": 500, "B": 500})
    s = goal_seek(plan, CURVES, 6000, baseline=1000)
    assert s.status == "reached" and s.total == pytest.approx(625, rel=1e-6)
    assert s.allocatable == pytest.approx(500, rel=1e-6) and s.expected_gmv >= 6000
    assert s.split.set_index("channel")["spend"].to_list() == pytest.approx([100, 400], rel=1e-5)
    # a slightly smaller budget misses the goal
    missed = 1000 + allocate.paid_gmv(CURVES, split_budget(plan, CURVES, s.allocatable * (1 - 1e-4)))
    assert missed < 6000


def test_goal_seek_unreachable_and_at_minimum():
    # maximums 100 each: at most 100·10 + 200·10 = 3000 + baseline 1000 = 4000 < 6000; total 200 / 0.8 = 250
    capped = plan_of(1250, 0.2, {"A": (50, 0, 100), "B": (50, 0, 100)})
    s = goal_seek(capped, CURVES, 6000, baseline=1000)
    assert s.status == "unreachable" and s.total is None
    assert s.max_gmv == pytest.approx(4000) and s.max_total == pytest.approx(250)
    # minimums 200 / 800: the smallest allowed allocatable 1000 already gives 7071.07 + 1000 ≥ 5000
    floored = plan_of(1250, 0.2, {"A": (200, 200, None), "B": (800, 800, None)})
    s = goal_seek(floored, CURVES, 5000, baseline=1000)
    assert s.status == "at_minimum" and s.total == pytest.approx(1250)
    assert s.expected_gmv == pytest.approx(8071.07, abs=0.01)


def test_frontier_is_increasing_and_matches_the_formula():
    plan = plan_of(1250, 0.2, {"A": 500, "B": 500})
    f = frontier(plan, CURVES, baseline=1000, points=11)
    # from 0 to 2 × 1250 total = 2000 allocatable, 11 points
    assert f["allocatable"].iloc[0] == 0 and f["allocatable"].iloc[-1] == pytest.approx(2000)
    assert (np.diff(f["expected_gmv"]) > 0).all()
    row = f.iloc[5]                                  # allocatable 1000 → 500·√200 + 1000
    assert row["expected_gmv"] == pytest.approx(500 * math.sqrt(200) + 1000)
    assert row["total"] == pytest.approx(1250)


# --- the section on a data folder ------------------------------------------------------------------

BUDGET = ("total: 1250000\nreserve_share: 0.2\nchannels:\n  付费搜索: {current: 600000, min: 300000, max: 700000}\n"
          "  直播: {current: 400000, min: 200000}\n")


@pytest.fixture
def folder(tmp_path) -> Path:
    write_dataset(tmp_path / "data", weeks=60, paid={"付费搜索": (50.0, 0.6), "直播": (20.0, 0.75)})
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "budget.yaml").write_text(BUDGET, encoding="utf-8")
    return tmp_path


def render(result, lang: str) -> str:
    style.apply(lang)
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        viz_budget.show(result, lang)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


def test_section_on_a_data_folder(folder):
    ds, plan = load_dataset(folder / "data"), load_budget(folder / "plan")
    r = analyse_budget(ds, plan, "2026-03-01", gmv_target=0.0)  # a goal already met: the smallest budget
    assert r.seek.status == "at_minimum"
    r = analyse_budget(ds, plan, "2026-03-01", gmv_target=None)
    t = r.allocation.table
    assert t["recommended"].sum() == pytest.approx(1_000_000)
    assert (t["recommended"] >= t["min"] - 1e-6).all() and t.loc[0, "recommended"] <= 700_000 + 1e-6
    assert r.allocation.totals["gmv_recommended"] >= r.allocation.totals["gmv_current"]
    target = r.allocation.totals["expected_recommended"] * 1.05
    r = analyse_budget(ds, plan, "2026-03-01", gmv_target=target, responses=r.responses)
    assert r.seek.status == "reached" and r.seek.total > plan.total
    for lang in ("zh", "en"):
        text = viz_budget.finding(r, lang)
        assert viz_budget.allocation_table(r, lang) is not None and viz_budget.curves_table(r, lang) is not None
        html = render(r, lang)
        assert ("可分配" in text and "至少需要总预算" in text) if lang == "zh" else \
            ("allocated" in text and "takes a total budget of at least" in text)
        assert "<img" in html and text.split("；")[0][:10] in html


def test_section_without_spend_table(tmp_path):
    write_dataset(tmp_path / "data", weeks=40, spend_table=False)
    plan = plan_of(1000, 0.12, {"付费搜索": 880})
    r = analyse_budget(load_dataset(tmp_path / "data"), plan, "2025-10-05", gmv_target=1e6)
    assert r.allocation is None and r.seek is None and r.message == "response.missing.spend"
    assert viz_budget.finding(r, "en") == "The data have no spend table, so no response curve can be fitted."
    assert viz_budget.allocation_table(r, "zh") is None and viz_budget.response_curves(r, "zh") is None
    for lang in ("zh", "en"):
        html = render(r, lang)
        assert ("花费表" in html and "响应曲线" in html) if lang == "zh" else "fits a response curve" in html
        assert "付费搜索" in html                      # the planned budget is still shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_render_without_missing_glyphs(folder, lang):
    ds, plan = load_dataset(folder / "data"), load_budget(folder / "plan")
    r = analyse_budget(ds, plan, "2026-03-01")
    r = analyse_budget(ds, plan, "2026-03-01", gmv_target=r.allocation.totals["expected_recommended"] * 1.05,
                       responses=r.responses)
    style.apply(lang)
    for make in (viz_budget.response_curves, viz_budget.allocation_bars, viz_budget.frontier_chart):
        fig = make(r, lang)
        fig.canvas.draw()               # "Glyph ... missing" warnings are errors (pyproject)
        ax = fig.axes[0]
        assert ax.get_title(loc="left") or ax.get_title() or fig._suptitle is not None


# --- the sample -----------------------------------------------------------------------------------

def test_sample_allocation(sample_dir):
    ds, plan = load_dataset(sample_dir), load_budget(None)
    goals = [{"metric": "gmv", "scope": {"channel": "直播"}, "priority": 1}]
    r = analyse_budget(ds, plan, "2026-08-15", goals=goals, gmv_target=190e6)
    t = r.allocation.table
    assert t["recommended"].sum() == pytest.approx(plan.allocatable)
    lo, hi = t["min"].astype(float), t["max"].astype(float)
    assert ((t["recommended"] >= lo - 1e-6) & (t["recommended"] <= hi + 1e-6)).all()
    assert r.allocation.totals["gmv_recommended"] > r.allocation.totals["gmv_current"]
    split = r.allocation.split.set_index("pool")
    assert split.loc["brand", "recommended"] == pytest.approx(0.4 * plan.allocatable)
    assert r.weights["直播"] == 1.2
    slsqp = allocate_plan(plan, r.responses.curves, weights=r.weights, method="slsqp")
    assert slsqp.table["recommended"].to_numpy() == pytest.approx(t["recommended"].to_numpy(), rel=1e-4)
    assert r.seek.status == "reached" and plan.total < r.seek.total


def test_section_with_infeasible_bounds_or_no_curves(folder):
    ds = load_dataset(folder / "data")
    # allocatable 1000 × 0.88 = 880 but the minimums add up to 500 + 500 = 1000: an "error" check, no allocation
    tight = plan_of(1000, 0.12, {"付费搜索": (440, 500, None), "直播": (440, 500, None)})
    r = analyse_budget(ds, tight, "2026-03-01")
    assert r.allocation is None and r.message == "budget.infeasible"
    assert [c.code for c in r.checks][-1] == "infeasible"
    html = render(r, "en")
    assert "cannot hold" in html and "付费搜索" in html
    # no channel of the budget has a curve
    other = plan_of(1000, 0.12, {"KOL": 880})
    r = analyse_budget(ds, other, "2026-03-01")
    assert r.message == "budget.no_curves"
    assert viz_budget.finding(r, "zh") == "预算中的渠道都没有可用的响应曲线，无法给出分配建议。"
