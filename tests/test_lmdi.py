"""LMDI-I decomposition and contributions against hand-worked numbers and an independent method (Shapley).

The hand example used throughout (GMV = UV × conversion × AOV):
    period 0: UV 100, conversion 0.02,  AOV 100 -> V0 = 100 × 0.02 × 100 = 200
    period 1: UV 120, conversion 0.025, AOV 90  -> V1 = 120 × 0.025 × 90 = 270,  ΔV = 70
    L(270, 200) = 70 / ln(270/200) = 70 / ln 1.35 = 70 / 0.3001046 = 233.25201
    UV effect   = 233.25201 × ln(120/100)   = 233.25201 ×  0.1823216 =  42.52687
    conv effect = 233.25201 × ln(0.025/0.02) = 233.25201 ×  0.2231436 =  52.04868
    AOV effect  = 233.25201 × ln(90/100)    = 233.25201 × −0.1053605 = −24.57555
    sum = 42.52687 + 52.04868 − 24.57555 = 70.00000
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from attain.lmdi import (LOST, NEW, check_exact, contributions, leaders, lmdi, logmean, period_value,
                         segment_lmdi)

V0 = {"uv": 100, "conv": 0.02, "aov": 100}
V1 = {"uv": 120, "conv": 0.025, "aov": 90}


def shapley(x0: dict, x1: dict) -> dict:
    """Shapley (= Sun's for a product) decomposition: each factor's marginal change averaged over the orders
    in which the factors can move from period 0 to period 1. An exact method independent of LMDI."""
    keys = list(x0)
    out = dict.fromkeys(keys, 0.0)
    orders = list(itertools.permutations(keys))
    for order in orders:
        state = dict(x0)
        for k in order:
            before = math.prod(state.values())
            state[k] = x1[k]
            out[k] += (math.prod(state.values()) - before) / len(orders)
    return out


# --- logmean ---------------------------------------------------------------------------------

def test_logmean_values():
    assert logmean(2, 1) == pytest.approx(1 / math.log(2), rel=1e-15)      # (2 − 1) / ln 2
    assert logmean(270, 200) == pytest.approx(233.25201, abs=1e-5)         # the hand example
    assert logmean(5, 5) == 5                                              # L(a, a) = a
    assert logmean(7, 0) == 0 and logmean(0, 7) == 0 and logmean(0, 0) == 0  # the limit
    assert logmean(3, 8) == logmean(8, 3)                                  # symmetric


def test_logmean_between_geometric_and_arithmetic_mean():
    rng = np.random.default_rng(1)
    for a, b in rng.uniform(0.01, 1000, size=(200, 2)):
        assert math.sqrt(a * b) * (1 - 1e-12) <= logmean(a, b) <= (a + b) / 2 * (1 + 1e-12)


def test_logmean_is_continuous_at_a_equals_b():
    # L(1 + d, 1) = 1 + d/2 − d²/12 + d³/24 − ...: no cancellation error near a = b
    # (d = a − 1 is exact in floating point; the series' next term is below 1e-12 · d)
    for e in (1e-3, 1e-8, 1e-12):
        a = 1 + e
        d = a - 1
        assert logmean(a, 1) == pytest.approx(1 + d / 2 - d * d / 12 + d ** 3 / 24, rel=1e-14)


@pytest.mark.parametrize("bad", [(-1, 2), (math.inf, 1), (math.nan, 1)])
def test_logmean_rejects_negative_and_infinite(bad):
    with pytest.raises(ValueError):
        logmean(*bad)


# --- lmdi --------------------------------------------------------------------------------------

def test_hand_example():
    e = lmdi(V0, V1)
    assert e["uv"] == pytest.approx(42.52687, abs=1e-5)
    assert e["conv"] == pytest.approx(52.04868, abs=1e-5)
    assert e["aov"] == pytest.approx(-24.57555, abs=1e-5)
    assert sum(e.values()) == pytest.approx(70, abs=1e-12)
    assert list(e) == ["uv", "conv", "aov"]


def test_negative_growth_is_exact():
    # the hand example backwards: every effect changes sign, they add up to −70
    e = lmdi(V1, V0)
    assert e["uv"] == pytest.approx(-42.52687, abs=1e-5)
    assert e["aov"] == pytest.approx(24.57555, abs=1e-5)
    assert sum(e.values()) == pytest.approx(-70, abs=1e-12)


def test_no_change_gives_zero_total():
    # UV +20 %, AOV −1/6: V stays 200 (120 × 0.02 × 83.33); L(200, 200) = 200
    e = lmdi(V0, {"uv": 120, "conv": 0.02, "aov": 100 / 1.2})
    assert e["uv"] == pytest.approx(200 * math.log(1.2), rel=1e-12)
    assert e["conv"] == 0
    assert sum(e.values()) == pytest.approx(0, abs=1e-12)


def test_only_one_factor_moves_takes_the_whole_change():
    # conversion 0.02 -> 0.03 only: V 200 -> 300; effect = L × ln(300/200) = ΔV = 100
    e = lmdi(V0, {**V0, "conv": 0.03})
    assert e == pytest.approx({"uv": 0, "conv": 100, "aov": 0}, abs=1e-12)


def test_zero_factor_appearing_takes_the_whole_change():
    # conversion 0 -> 0.025 (UV 100 -> 120, AOV undefined -> 90): V 0 -> 270, the limit gives it all to conversion
    e = lmdi({"uv": 100, "conv": 0.0, "aov": math.nan}, V1)
    assert e == {"uv": 0.0, "conv": 270.0, "aov": 0.0}


def test_zero_factor_disappearing_takes_the_whole_change():
    # UV 100 -> 0: V 200 -> 0, −200 all to UV
    assert lmdi(V0, {"uv": 0, "conv": 0.025, "aov": 90}) == {"uv": -200.0, "conv": 0.0, "aov": 0.0}


def test_two_zero_factors_share_the_change():
    # UV and conversion both 0 in period 0: with one common δ each gets half of 270
    e = lmdi({"uv": 0, "conv": 0, "aov": 100}, V1)
    assert e == {"uv": 135.0, "conv": 135.0, "aov": 0.0}


def test_zero_in_both_periods_gives_zero_effects():
    assert lmdi({"uv": 0, "conv": 0.02, "aov": 100}, {"uv": 120, "conv": 0, "aov": 90}) == \
        {"uv": 0.0, "conv": 0.0, "aov": 0.0}


def test_zero_rule_is_the_limit_of_small_values():
    # replace the zero by δ = 1e-300 and use the plain formula: the effects approach the rule's (Ang & Liu)
    rule = lmdi({"uv": 100, "conv": 0.0, "aov": 100}, V1)
    small = lmdi({"uv": 100, "conv": 1e-300, "aov": 100}, V1)
    assert small["conv"] == pytest.approx(rule["conv"], rel=1e-3)
    assert abs(small["uv"]) < 0.1 and abs(small["aov"]) < 0.1


@pytest.mark.parametrize("a, b", [
    ({"uv": -1, "conv": 1}, {"uv": 1, "conv": 1}),          # negative
    ({"uv": math.inf, "conv": 1}, {"uv": 1, "conv": 1}),    # infinite
    ({"uv": math.nan, "conv": 1}, {"uv": 1, "conv": 1}),    # missing in a period whose value is not 0
    ({"uv": 1, "conv": 1}, {"uv": 1, "aov": 1}),            # different factors
])
def test_lmdi_rejects_bad_input(a, b):
    with pytest.raises(ValueError):
        lmdi(a, b)


def test_check_exact_raises_on_a_wrong_sum():
    check_exact([30, 40], 200, 270)
    with pytest.raises(ArithmeticError):
        check_exact([30, 40.001], 200, 270)


def test_period_value():
    assert period_value(V0) == pytest.approx(200)
    assert period_value({"uv": 5, "conv": 0, "aov": math.nan}) == 0


# --- against independent identities and methods ------------------------------------------------

def random_pairs(n, spread, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        x0 = dict(zip(("uv", "conv", "aov"), rng.uniform([1e3, 0.005, 50], [1e6, 0.08, 900])))
        x1 = {k: v * rng.uniform(1 - spread, 1 + spread) for k, v in x0.items()}
        yield x0, x1


def test_random_inputs_are_exact_and_log_linear():
    for x0, x1 in random_pairs(500, 0.6, seed=7):
        e = lmdi(x0, x1)
        v0, v1 = math.prod(x0.values()), math.prod(x1.values())
        assert math.fsum(e.values()) == pytest.approx(v1 - v0, abs=1e-9 * max(v0, v1))
        # each effect ∝ its log change, with the common weight L(V1, V0) (the multiplicative link)
        for k in x0:
            assert e[k] == pytest.approx(logmean(v1, v0) * math.log(x1[k] / x0[k]), rel=1e-12)
        assert math.exp(sum(e.values()) / logmean(v1, v0)) == pytest.approx(v1 / v0, rel=1e-12)


def test_agrees_with_shapley():
    # Both methods are exact and symmetric; they differ only in third-order terms of the relative changes,
    # so with changes within ±10 % they differ by less than 0.1³ · V0 = 0.1 % of V0 (3e-4 · V0 at most seen on
    # these draws), and always have the same signs (both take the sign of x1 − x0)
    for x0, x1 in random_pairs(500, 0.1, seed=11):
        e, s = lmdi(x0, x1), shapley(x0, x1)
        v0, v1 = math.prod(x0.values()), math.prod(x1.values())
        assert math.fsum(s.values()) == pytest.approx(v1 - v0, abs=1e-9 * v0)
        for k in x0:
            assert e[k] == pytest.approx(s[k], abs=1e-3 * v0)
            assert np.sign(e[k]) == np.sign(s[k])


def test_agrees_with_shapley_on_the_hand_example():
    # Shapley by hand for UV, conv, AOV (Δuv = 20, Δconv = 0.005, Δaov = −10):
    # UV: 1/3·(20·0.02·100 + 20·0.025·90) + 1/6·(20·0.025·100 + 20·0.02·90) = 1/3·(40+45) + 1/6·(50+36) = 42.6667
    s = shapley(V0, V1)
    assert s["uv"] == pytest.approx(42.66667, abs=1e-5)
    assert lmdi(V0, V1)["uv"] == pytest.approx(s["uv"], abs=0.2)


# --- segments ----------------------------------------------------------------------------------

def frame(rows):
    return pd.DataFrame(rows, columns=["channel", "uv", "conv", "aov"])


def test_segments_with_new_and_lost_and_negative_growth():
    # A: the hand example × 10 in UV (1000 -> 1200): V 2000 -> 2700, effects 425.2687, 520.4868, −245.7555
    # B: 500 × 0.02 × 100 = 1000 last year, gone this year -> lost −1000
    # C: new this year, 100 × 0.01 × 50 = 50 -> new +50
    # total 3000 -> 2750: −250 = 425.2687 + 520.4868 − 245.7555 + 50 − 1000
    f0 = frame([("A", 1000, 0.02, 100), ("B", 500, 0.02, 100)])
    f1 = frame([("C", 100, 0.01, 50), ("A", 1200, 0.025, 90)])
    r = segment_lmdi(f0, f1, "channel", ["uv", "conv", "aov"])
    assert (r.v0, r.v1, r.change) == (3000, 2750, -250)
    assert r.totals["uv"] == pytest.approx(425.2687, abs=1e-4)
    assert r.totals["conv"] == pytest.approx(520.4868, abs=1e-4)
    assert r.totals["aov"] == pytest.approx(-245.7555, abs=1e-4)
    assert r.totals[NEW] == 50 and r.totals[LOST] == -1000
    assert math.fsum(r.totals) == pytest.approx(-250, abs=1e-9)
    assert list(r.totals.index) == ["uv", "conv", "aov", NEW, LOST]
    status = r.segments.set_index("segment")["status"].to_dict()
    assert status == {"A": "both", "B": LOST, "C": NEW}
    eff = r.effects.set_index(["segment", "factor"])["effect"]
    assert eff[("B", LOST)] == -1000 and eff[("C", NEW)] == 50
    assert len(r.effects) == 5          # 3 factors of A + B lost + C new


def test_segment_with_a_zero_factor_counts_as_new():
    # D had traffic but no orders last year (conversion 0, AOV undefined): V 0 -> 300 (1000 × 0.003 × 100)
    f0 = frame([("D", 1000, 0.0, math.nan)])
    f1 = frame([("D", 1000, 0.003, 100)])
    r = segment_lmdi(f0, f1, "channel", ["uv", "conv", "aov"])
    assert r.totals[NEW] == pytest.approx(300) and r.segments["status"].tolist() == [NEW]


def test_segment_zero_in_both_periods_adds_nothing():
    f0 = frame([("E", 0, math.nan, math.nan), ("A", 10, 0.5, 2)])
    f1 = frame([("E", 50, 0.0, math.nan), ("A", 10, 0.5, 2)])
    r = segment_lmdi(f0, f1, "channel", ["uv", "conv", "aov"])
    assert r.change == 0 and (r.totals == 0).all()
    assert r.segments.set_index("segment")["status"]["E"] == "none"


def test_segments_reject_duplicates():
    f = frame([("A", 1, 1, 1), ("A", 2, 1, 1)])
    with pytest.raises(ValueError, match="more than once"):
        segment_lmdi(f, f, "channel", ["uv", "conv", "aov"])


def test_segments_random_exact():
    rng = np.random.default_rng(3)
    for _ in range(100):
        names = [f"s{i}" for i in range(12)]
        def draw():
            keep = [n for n in names if rng.random() > 0.2]
            vals = rng.uniform(0.1, 1000, size=(len(keep), 3))
            vals[rng.random(vals.shape) < 0.05] = 0.0           # a few zero factors
            return frame([(n, *v) for n, v in zip(keep, vals)])
        f0, f1 = draw(), draw()
        r = segment_lmdi(f0, f1, "channel", ["uv", "conv", "aov"])
        expected = (f1.uv * f1.conv * f1.aov).sum() - (f0.uv * f0.conv * f0.aov).sum()
        assert math.fsum(r.totals) == pytest.approx(expected, abs=1e-9 * max(r.v0, r.v1))
        assert math.fsum(r.effects["effect"]) == pytest.approx(expected, abs=1e-9 * max(r.v0, r.v1))


# --- contributions -----------------------------------------------------------------------------

def test_contributions_growth():
    # A 100 -> 150 (+50), B 50 -> 40 (−10), C new 0 -> 20 (+20), D lost 30 -> 0 (−30); total 180 -> 210, +30
    # shares: A 50/30 = 1.6667, C 20/30 = 0.6667, B −10/30 = −0.3333, D −30/30 = −1
    c = contributions(pd.Series({"A": 100, "B": 50, "D": 30}), pd.Series({"A": 150, "B": 40, "C": 20}))
    assert c["segment"].tolist() == ["A", "C", "B", "D"]
    assert c["change"].tolist() == [50, 20, -10, -30]
    assert c["share"].tolist() == pytest.approx([5 / 3, 2 / 3, -1 / 3, -1])
    assert c["share"].sum() == pytest.approx(1)
    assert c["growth"].tolist()[0] == pytest.approx(0.5) and math.isnan(c["growth"][1])
    assert c["growth"].tolist()[2:] == pytest.approx([-0.2, -1.0])
    assert c["status"].tolist() == ["both", NEW, "both", LOST]
    assert leaders(c)["segment"].tolist() == ["A"]                       # 167 % ≥ 60 % on its own


def test_contributions_decline():
    # A 100 -> 60 (−40), B 100 -> 70 (−30), C 100 -> 90 (−10), D 10 -> 30 (+20); total 310 -> 250, −60
    # shares of the decline: A 0.6667, B 0.5, C 0.1667, D −0.3333 (sorted: largest fall first)
    c = contributions(pd.Series({"A": 100, "B": 100, "C": 100, "D": 10}),
                      pd.Series({"A": 60, "B": 70, "C": 90, "D": 30}))
    assert c["segment"].tolist() == ["A", "B", "C", "D"]
    assert c["share"].tolist() == pytest.approx([2 / 3, 0.5, 1 / 6, -1 / 3])
    assert leaders(c)["segment"].tolist() == ["A"]                       # 66.7 % ≥ 60 %
    assert leaders(c, cover=0.9)["segment"].tolist() == ["A", "B"]      # 66.7 % < 90 %, then 116.7 %


def test_leaders_stop_at_max_n_and_on_no_change():
    c = contributions(pd.Series({k: 0 for k in "ABCDE"}), pd.Series({k: 1 for k in "ABCDE"}))
    assert len(leaders(c)) == 3                                         # 20 %, 40 %, 60 %: three reach 60 %
    assert len(leaders(c, max_n=2)) == 2
    flat = contributions(pd.Series({"A": 1, "B": 2}), pd.Series({"A": 2, "B": 1}))
    assert flat["share"].isna().all() and leaders(flat).empty
