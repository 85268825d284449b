"""Target syntax, resolution against baselines, period arithmetic, and baselines from a tiny data folder.

Every expected number is worked out by hand in the comments next to the case.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from attain.data import load_dataset
from attain.targets import (ParsedTarget, ResolvedTarget, TargetError, baselines, is_met, parse_target,
                            period_bounds, period_grain, period_text, pop_period, problem_text, resolve,
                            scope_text, shift_period, yoy_period)

# --- parsing ----------------------------------------------------------------------------------

# raw -> (kind, value, comparator, base_ref, stated_from)
PARSE_CASES = [
    (7500000, ("absolute", 7_500_000.0, None, None, None)),
    (0.2, ("absolute", 0.2, None, None, None)),
    ("7500000", ("absolute", 7_500_000.0, None, None, None)),
    ("7,500,000", ("absolute", 7_500_000.0, None, None, None)),
    ("2.2%", ("absolute", 0.022, None, None, None)),            # 2.2 / 100
    ("-3", ("absolute", -3.0, None, None, None)),
    ("<= 80", ("absolute", 80.0, "<=", None, None)),
    (">= 5", ("absolute", 5.0, ">=", None, None)),
    (">=5", ("absolute", 5.0, ">=", None, None)),
    ("<= 18%", ("absolute", 0.18, "<=", None, None)),
    ("≤ 18%", ("absolute", 0.18, "<=", None, None)),
    ("≥ 1.5", ("absolute", 1.5, ">=", None, None)),
    ("< 90", ("absolute", 90.0, "<=", None, None)),             # < is read as <=
    ("＜＝18％", ("absolute", 0.18, "<=", None, None)),          # full-width signs
    ("+20% yoy", ("relative", 0.20, None, "yoy", None)),
    ("-5% yoy", ("relative", -0.05, None, "yoy", None)),
    ("20% YoY", ("relative", 0.20, None, "yoy", None)),          # no sign = up; case does not matter
    ("+5% pop", ("relative", 0.05, None, "pop", None)),
    ("+12.5%yoy", ("relative", 0.125, None, "yoy", None)),
    (">= +10% yoy", ("relative", 0.10, ">=", "yoy", None)),
    ("15% -> 20%", ("absolute", 0.20, None, None, 0.15)),
    ("15%→20%", ("absolute", 0.20, None, None, 0.15)),
    ("100 -> 80", ("absolute", 80.0, None, None, 100.0)),
]


@pytest.mark.parametrize("raw, expected", PARSE_CASES)
def test_parse_target(raw, expected):
    p = parse_target(raw)
    kind, value, cmp, ref, stated = expected
    assert (p.kind, p.comparator, p.base_ref) == (kind, cmp, ref)
    assert p.value == pytest.approx(value)
    assert p.stated_from == (None if stated is None else pytest.approx(stated))
    assert p.parseable and p.problem is None


@pytest.mark.parametrize("raw, problem", [
    ("明显提升", "words"),
    ("grow sales", "words"),
    ("7.5M", "suffix"),
    ("750万", "suffix"),
    ("1.2亿", "suffix"),
    ("15% -> 0.2", "mixed_units"),
    ("+500 yoy", "relative_needs_percent"),
    ("+20% mom", "words"),          # only yoy and pop
    ("1,2", "words"),
    ("", "empty"),
    ("   ", "empty"),
    (None, "empty"),
    (True, "words"),                # a YAML yes/no is not a target
    (float("nan"), "words"),
    ([1, 2], "words"),
])
def test_unparseable_targets_do_not_raise(raw, problem):
    p = parse_target(raw)
    assert p.kind == "unparseable" and not p.parseable
    assert p.problem == problem
    assert p.value is None


def test_problem_text_in_both_languages():
    p = parse_target("7.5M")
    assert "7500000" in problem_text(p, "en") and "7.5M" in problem_text(p, "en")
    assert "完整数字" in problem_text(p, "zh")
    assert problem_text(parse_target("7500000"), "en") == ""


# --- resolution (baselines passed in, worked out by hand) -------------------------------------

@pytest.mark.parametrize("raw, yoy, pop, direction, value, cmp", [
    ("+20% yoy", 100.0, None, "higher", 120.0, ">="),     # 100 + 0.20 × 100
    ("-5% yoy", 98.0, None, "lower", 93.1, "<="),         # CAC: 98 − 0.05 × 98 = 93.1, lower is better
    ("+5% pop", None, 200.0, "higher", 210.0, ">="),      # previous period 200 → 210
    ("+5% pop", 999.0, 200.0, "higher", 210.0, ">="),     # only the named baseline is used
    ("+20% yoy", -50.0, None, "higher", -40.0, ">="),     # −50 + 0.20 × |−50| = −40 (an improvement)
    ("15% -> 20%", 0.17, None, "higher", 0.20, ">="),     # the stated 15 % is not the baseline
    ("<= 18%", None, None, "lower", 0.18, "<="),
    ("<= 18%", None, None, "higher", 0.18, "<="),         # a written comparator wins over the direction
    ("2.2%", None, None, "higher", 0.022, ">="),
    (90, None, None, "lower", 90.0, "<="),                # no comparator: lower is better -> <=
])
def test_resolve(raw, yoy, pop, direction, value, cmp):
    r = resolve(parse_target(raw), yoy, pop, direction)
    assert r.value == pytest.approx(value) and r.comparator == cmp


def test_resolve_keeps_the_baseline_used():
    r = resolve(parse_target("+20% yoy"), 100.0, 80.0, "higher")
    assert (r.base, r.base_ref) == (100.0, "yoy")


@pytest.mark.parametrize("raw, yoy, pop", [
    ("+20% yoy", None, 100.0),          # the yoy baseline is missing
    ("+5% pop", 100.0, None),
    ("+20% yoy", float("nan"), None),
    ("+20% yoy", 0.0, None),            # +20 % of zero means nothing
    ("明显提升", 100.0, 100.0),
])
def test_resolve_refuses_without_a_number(raw, yoy, pop):
    with pytest.raises(TargetError):
        resolve(parse_target(raw), yoy, pop, "higher")


def test_resolve_needs_a_direction():
    with pytest.raises(ValueError):
        resolve(parse_target("5"), None, None, "up")


def test_is_met_follows_the_comparator():
    assert is_met(120.0, ResolvedTarget(120.0, ">=")) is True
    assert is_met(119.9, ResolvedTarget(120.0, ">=")) is False
    assert is_met(0.18, ResolvedTarget(0.18, "<=")) is True
    assert is_met(0.181, ResolvedTarget(0.18, "<=")) is False
    assert is_met(float("nan"), ResolvedTarget(0.18, "<=")) is None


def test_parsed_target_is_plain_data():
    assert parse_target("+20% yoy") == ParsedTarget("relative", 0.2, None, "yoy", None, True, "+20% yoy")


# --- periods ----------------------------------------------------------------------------------

@pytest.mark.parametrize("period, grain, first, last, yoy, pop", [
    ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2025", "2025"),
    ("2026-Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "2025-Q3", "2026-Q2"),
    ("2026-Q1", "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31), "2025-Q1", "2025-Q4"),
    ("2026-03", "month", dt.date(2026, 3, 1), dt.date(2026, 3, 31), "2025-03", "2026-02"),
    ("2026-01", "month", dt.date(2026, 1, 1), dt.date(2026, 1, 31), "2025-01", "2025-12"),
    ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "2023-02", "2024-01"),  # leap year
])
def test_period_arithmetic(period, grain, first, last, yoy, pop):
    assert period_grain(period) == grain
    assert period_bounds(period) == (first, last)
    assert (yoy_period(period), pop_period(period)) == (yoy, pop)


def test_shift_and_text():
    assert shift_period("2026-Q1", -5) == "2024-Q4"
    assert shift_period("2026-11", 3) == "2027-02"
    assert period_bounds("2026q3") == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert (period_text("2026-Q3", "zh"), period_text("2026-Q3", "en")) == ("2026年第3季度", "Q3 2026")
    assert (period_text("2026", "zh"), period_text("2026-07", "en")) == ("2026年", "Jul 2026")


@pytest.mark.parametrize("bad", ["2026-13", "明年", "26", "2026-Q5", ""])
def test_bad_periods_raise_value_error(bad):
    with pytest.raises(ValueError):
        period_bounds(bad)


def test_scope_text():
    assert scope_text({}, "zh") == "全部业务" and scope_text({}, "en") == "whole business"
    assert scope_text({"channel": "直播"}, "zh") == "渠道：直播"
    assert scope_text({"category": ["美妆", "服饰"]}, "en") == "category 美妆, 服饰"


# --- baselines from a data folder -------------------------------------------------------------

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


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "orders.csv").write_text(textwrap.dedent(ORDERS), encoding="utf-8")
    return load_dataset(folder)


def test_baselines_of_a_year(tiny):
    # 2025 GMV = O1 100 + O2 50 + O3 30 + O4 20 = 200; for a year the previous period is the same year
    b = baselines(tiny, "gmv", {}, "2026", "2026-04-30")
    assert (b.yoy.period, b.yoy.value, b.pop.value) == ("2025", 200.0, 200.0)
    assert resolve(parse_target("+20% yoy"), b.yoy.value, b.pop.value, "higher").value == pytest.approx(240.0)


def test_baselines_with_a_scope(tiny):
    # 直播 in 2025: O1 100 + O3 30 + O4 20 = 150 -> +20 % = 180
    b = baselines(tiny, "gmv", {"channel": "直播"}, "2026", dt.date(2026, 4, 30))
    assert b.yoy.value == 150.0
    # return rate 2025: 1 returned order (O2) of 4 = 0.25; -20 % yoy -> 0.25 − 0.05 = 0.20, lower is better
    r = baselines(tiny, "return_rate", {}, "2026", "2026-04-30")
    res = resolve(parse_target("-20% yoy"), r.yoy.value, r.pop.value, "lower")
    assert r.yoy.value == pytest.approx(0.25) and res.value == pytest.approx(0.20) and res.comparator == "<="


def test_baselines_of_a_quarter_and_a_month(tiny):
    # 2026-Q2: yoy 2025-Q2 = O3 30; pop 2026-Q1 = O5 70 + O6 40 = 110 (over by 2026-04-30)
    q = baselines(tiny, "gmv", {}, "2026-Q2", "2026-04-30")
    assert (q.yoy.period, q.yoy.value, q.pop.period, q.pop.value) == ("2025-Q2", 30.0, "2026-Q1", 110.0)
    assert resolve(parse_target("+5% pop"), q.yoy.value, q.pop.value, "higher").value == pytest.approx(115.5)
    # 2026-02: yoy 2025-02 = O2 50; pop 2026-01 = O5 70
    m = baselines(tiny, "gmv", {}, "2026-02", "2026-04-30")
    assert (m.yoy.value, m.pop.value) == (50.0, 70.0)


def test_incomplete_and_uncovered_baselines_give_no_value(tiny):
    # 2026-Q3's previous quarter 2026-Q2 ends 2026-06-30, after as_of
    q = baselines(tiny, "gmv", {}, "2026-Q3", "2026-04-30")
    assert q.pop.value is None and q.pop.problem == "incomplete"
    assert (q.yoy.value, q.yoy.problem) == (0.0, None)  # 2025-Q3 is covered but has no orders: GMV 0
    # 2025's baseline 2024 lies before the data start (2025-01-01)
    y = baselines(tiny, "gmv", {}, "2025", "2026-04-30")
    assert y.yoy.value is None and y.yoy.problem == "no_history"
    # 2027-Q3's same quarter last year, 2026-Q3, is not over by as_of either
    assert baselines(tiny, "gmv", {}, "2027-Q3", "2026-04-30").yoy.problem == "incomplete"
    # ... while 2027-Q1's, 2026-Q1, is: O5 70 + O6 40 = 110
    assert baselines(tiny, "gmv", {}, "2027-Q1", "2026-04-30").yoy.value == 110.0


def test_a_ratio_with_nothing_to_divide_has_no_value(tiny):
    # no orders in 2025-Q3: return rate = 0 / 0 -> no value
    b = baselines(tiny, "return_rate", {}, "2026-Q3", "2026-04-30")
    assert b.yoy.value is None and b.yoy.problem == "no_value"
