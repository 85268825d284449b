"""budget.yaml: loading, errors that name file and key, and the checks (reserve, sums, bounds, brand share).

Every expected number is worked out by hand in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from attain import budget
from attain.budget import budget_checks, check_text, load_budget
from attain.errors import AttainError

GOOD = """\
year: 2026
total: 1000000
reserve_share: 0.12
brand_share: 0.4
brand_channels: [KOL]
channels:
  直播: 528000
  KOL: {current: 352000, min: 300000, max: 400000}
limits:
  直播: {min: 400000}
"""
# allocatable = 1,000,000 × (1 − 0.12) = 880,000 = 528,000 + 352,000 (no sum warning);
# brand share of the plan: 352,000 / 880,000 = 0.40 = brand_share (no brand warning);
# brand pool 0.4 × 880,000 = 352,000 within KOL's 300,000–400,000; performance 528,000 ≥ 直播's min 400,000.


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "budget.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def codes(plan) -> list[str]:
    return [c.code for c in budget_checks(plan)]


def test_loads_both_channel_forms(tmp_path):
    plan = load_budget(write(tmp_path, GOOD))
    assert plan.total == 1_000_000 and plan.reserve_share == 0.12 and plan.year == 2026
    assert math.isclose(plan.reserve, 120_000) and math.isclose(plan.allocatable, 880_000)
    live, kol = plan.channel("直播"), plan.channel("KOL")
    assert (live.current, live.min, live.max) == (528_000, 400_000, None)
    assert live.upper == math.inf and kol.lower == 300_000 and kol.upper == 400_000
    assert plan.pool_of("KOL") == "brand" and plan.pool_of("直播") == "performance"
    assert plan.pool_shares() == {"brand": 0.4, "performance": pytest.approx(0.6)}
    assert budget_checks(plan) == []


def test_planned_is_an_alias_of_current_and_a_yaml_file_path_works(tmp_path):
    write(tmp_path, "total: 100\nreserve_share: 0.1\nchannels:\n  A: {planned: 90}\n")
    plan = load_budget(tmp_path / "budget.yaml")
    assert plan.channel("A").current == 90 and plan.pool_of("A") == "all"
    assert budget_checks(plan) == []          # 100 × 0.9 = 90


@pytest.mark.parametrize("share, warned", [(0.12, False), (0.10, False), (0.15, False), (0.09, True),
                                           (0.2, True), (0.0, True)])
def test_reserve_warning_outside_10_to_15_percent(tmp_path, share, warned):
    total = 1000
    text = f"total: {total}\nreserve_share: {share}\nchannels:\n  A: {total * (1 - share)}\n"
    assert ("reserve" in codes(load_budget(write(tmp_path, text)))) is warned


def test_reserve_warning_words(tmp_path):
    plan = load_budget(write(tmp_path, "total: 1000\nreserve_share: 0.2\nchannels:\n  A: 800\n"))
    (check,) = budget_checks(plan)
    assert check.level == "warning" and check.key == "reserve_share"
    assert check_text(check, "zh") == "预留比例为20.0%，不在建议的10.0%–15.0%之间。"
    assert check_text(check, "en") == "The reserve share is 20.0%, outside the advised 10.0%–15.0%."


@pytest.mark.parametrize("value", [0.6, -0.1, 1.2])
def test_reserve_outside_0_to_50_percent_is_an_error(tmp_path, value):
    with pytest.raises(AttainError) as err:
        load_budget(write(tmp_path, f"total: 1000\nreserve_share: {value}\nchannels:\n  A: 500\n"))
    text = str(err.value)
    assert "budget.yaml" in text and "reserve_share" in text and "between 0 and 0.5" in text


@pytest.mark.parametrize("text, where", [
    ("reserve_share: 0.1\nchannels:\n  A: 1\n", "total"),                             # no total
    ("total: 2,800万\nreserve_share: 0.1\nchannels:\n  A: 1\n", "total"),             # not a number
    ("total: 0\nreserve_share: 0.1\nchannels:\n  A: 1\n", "total"),                    # not above 0
    ("total: 10\nchannels:\n  A: 1\n", "reserve_share"),                               # no reserve
    ("total: 10\nreserve_share: 0.1\n", "channels"),                                   # no channels
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: -5\n", "channels.A"),             # negative
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: {current: 5, min: 6, max: 4}\n", "channels.A"),
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: {current: 5, cap: 6}\n", "channels.A.cap"),
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: {current: 5, min: 1}\nlimits:\n  A: {max: 6}\n", "limits.A"),
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: 5\nlimits:\n  B: {max: 6}\n", "limits.B"),
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: 5\nlimits:\n  A: 6\n", "limits.A"),
    ("total: 10\nreserve_share: 0.1\nchannels:\n  A: 5\nlimits:\n  A: {min: 3, max: 2}\n", "limits.A"),
    ("total: 10\nreserve_share: 0.1\nbrand_share: 1.5\nchannels:\n  A: 5\n", "brand_share"),
    ("total: 10\nreserve_share: 0.1\nbrand_channels: [B]\nchannels:\n  A: 5\n", "brand_channels"),
    ("total: 10\nreserve_share: 0.1\nbudget: 5\nchannels:\n  A: 5\n", "budget"),       # unknown key
])
def test_malformed_file_names_file_and_key(tmp_path, text, where):
    with pytest.raises(AttainError) as err:
        load_budget(write(tmp_path, text))
    assert err.value.file.endswith("budget.yaml")
    assert err.value.where == where
    assert err.value.hint                      # what to do


def test_missing_file_and_yaml_syntax(tmp_path):
    with pytest.raises(AttainError, match="does not exist"):
        load_budget(tmp_path)
    write(tmp_path, "total: 10\nchannels: [A: 1\n")
    with pytest.raises(AttainError) as err:
        load_budget(tmp_path)
    assert "not valid YAML" in str(err.value) and "line" in err.value.where


def test_sum_warning_with_the_difference(tmp_path):
    # allocatable 1000 × 0.88 = 880; planned 500 + 300 = 800 → 80 short
    plan = load_budget(write(tmp_path, "total: 1000\nreserve_share: 0.12\nchannels:\n  A: 500\n  B: 300\n"))
    (check,) = budget_checks(plan)
    assert check.code == "sum" and check.params["diff"] == pytest.approx(-80)
    assert check_text(check, "en") == ("The planned channel amounts add up to ¥800, -¥80.00 away from the "
                                       "allocatable budget (total × (1 − reserve share)) of ¥880.")
    assert "¥880" in check_text(check, "zh") and "相差" in check_text(check, "zh")


def test_outside_bounds_brand_and_infeasible_checks(tmp_path):
    text = ("total: 1000\nreserve_share: 0.12\nbrand_share: 0.5\nbrand_channels: [A]\n"
            "channels:\n  A: {current: 300, max: 250}\n  B: {current: 580, min: 600}\n")
    # allocatable 880 = 300 + 580 (no sum warning).
    # A 300 > its max 250; B 580 < its min 600 -> two "outside" warnings.
    # brand share of the plan 300/880 = 34.1% vs 50% -> "brand" warning.
    # brand pool 0.5 × 880 = 440 > Σmax 250 -> infeasible; performance 440 < Σmin 600 -> infeasible.
    found = budget_checks(load_budget(write(tmp_path, text)))
    assert [c.code for c in found] == ["outside", "outside", "brand", "infeasible", "infeasible"]
    assert [c.level for c in found][-2:] == ["error", "error"]
    assert check_text(found[2], "zh") == "品牌渠道（A）的计划占比为34.1%，目标品牌占比为50.0%。"
    assert check_text(found[3], "en") == "Brand building: the bounds add up to ¥0–¥250, which cannot hold its ¥440."
    assert check_text(found[0], "en") == "A: the planned amount ¥300 is outside its bounds ¥0–¥250."


def test_brand_share_without_brand_channels_is_a_warning(tmp_path):
    plan = load_budget(write(tmp_path, "total: 100\nreserve_share: 0.1\nbrand_share: 0.4\nchannels:\n  A: 90\n"))
    assert not plan.split_applies and codes(plan) == ["no_brand_channels"]


def test_sample_budget():
    plan = load_budget(None)                  # data/plan/budget.yaml
    assert plan.total == 28_000_000 and math.isclose(plan.allocatable, 24_640_000)
    assert math.isclose(plan.planned, plan.allocatable)
    assert all(c.min is not None and c.max is not None and c.min <= c.current <= c.max for c in plan.channels)
    # the plan puts 信息流 + KOL + 短视频 = 3.8 + 2.4 + 6.2 = 12.4 M = 50.3 % into brand channels (policy 40 %)
    assert codes(plan) == ["brand"]
    assert budget.pool_bounds(plan)["brand"][2] == pytest.approx(0.4 * 24_640_000)


def test_a_missing_budget_file_is_none_but_a_broken_one_still_raises(tmp_path):
    from attain.budget import load_budget_if_present
    assert load_budget_if_present(tmp_path) is None
    (tmp_path / "budget.yaml").write_text("total: -5\nreserve_share: 0.12\nchannels: {直播: 1}\n", encoding="utf-8")
    with pytest.raises(AttainError, match="total"):
        load_budget_if_present(tmp_path)
