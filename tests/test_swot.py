"""SWOT: rules firing and not firing on hand-made frames, evidence text, the plan file, escaping.

Every expected number is worked out by hand in the comments next to the data.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import pytest

from attain import channels as chan
from attain import customers, mix, swot
from attain.data import load_dataset
from attain.errors import AttainError
from attain.swot import Entry, SwotInputs, SwotRules

R = SwotRules()


def channels() -> pd.DataFrame:
    # paid ROAS 1..5 -> pandas' linear 75th percentile = 4.0 (position 0.75*4 = 3), 25th = 2.0.
    # shares add up to 1.00; E sits exactly at the 35 % dependence threshold, F above it.
    return pd.DataFrame({
        "channel": ["A", "B", "C", "D", "E", "F"],
        "roas": [1.0, 2.0, 3.0, 4.0, 5.0, math.nan],
        "gmv": [5.0, 8.0, 7.0, 9.0, 35.0, 36.0],
        "gmv_share": [0.05, 0.08, 0.07, 0.09, 0.35, 0.36],
        "gmv_share_change_pp": [0.0, -0.01, 0.05, 0.02, 0.01, -0.03],
        "paid": [True, True, True, True, True, False],
    })


def subjects(signals) -> list[str]:
    return [s.subject for s in signals]


# --- channel rules --------------------------------------------------------------------------

def test_strong_channel_needs_top_quartile_roas_and_a_share_gain_above_the_threshold():
    # D: ROAS 4.0 = the 75th percentile (counts) and +2 pp > 1 pp -> fires.
    # E: ROAS 5.0 but +1 pp is exactly the threshold, which must be exceeded -> no.
    # C: +5 pp but ROAS 3.0 < 4.0 -> no.  F is unpaid -> never compared.
    hits = swot.rule_channel_strong(channels(), R)
    assert subjects(hits) == ["D"]
    assert hits[0].values["cut"] == pytest.approx(4.0)


def test_weak_channel_is_at_or_below_the_bottom_quartile():
    # 25th percentile of 1..5 = 2.0: A (1.0) and B (2.0, at the cut) fire
    assert subjects(swot.rule_channel_weak(channels(), R)) == ["A", "B"]


def test_channel_rules_need_enough_paid_channels():
    few = channels().assign(paid=[True, True, True, False, False, False])
    sig = swot.derive_signals(SwotInputs(channel_eff=few))
    skipped = {rule: (why, fmt) for rule, why, fmt in sig.skipped}
    assert skipped["channel_strong"][0] == skipped["channel_weak"][0] == "few_paid"
    assert skipped["channel_strong"][1]["n"] == 3 and skipped["channel_strong"][1]["need"] == 4
    assert "channel_dependence" not in skipped           # dependence does not need spend


def test_channel_frame_without_paid_or_roas_columns():
    # without ``paid`` a channel with a ROAS counts as paid: the same five as above
    assert subjects(swot.rule_channel_weak(channels().drop(columns="paid"), R)) == ["A", "B"]
    sig = swot.derive_signals(SwotInputs(channel_eff=channels().drop(columns=["paid", "roas"])))
    skipped = dict((r, w) for r, w, _ in sig.skipped)
    assert skipped["channel_strong"] == skipped["channel_weak"] == "few_paid"
    assert subjects(sig.items) == ["F"]          # dependence still works


def test_equal_roas_everywhere_marks_no_channel():
    same = channels().assign(roas=[3.0] * 5 + [math.nan])
    assert swot.rule_channel_strong(same, R) == [] and swot.rule_channel_weak(same, R) == []


def test_dependence_above_the_threshold_only():
    # F 36 % > 35 % fires; E at exactly 35 % does not
    hits = swot.rule_channel_dependence(channels(), R)
    assert subjects(hits) == ["F"]
    assert hits[0].score == pytest.approx(0.36 / 0.35)


# --- categories and segments -------------------------------------------------------------------

def category_quarters(quarters=("2025-Q4", "2026-Q1", "2026-Q2")) -> pd.DataFrame:
    # X falls twice (50 -> 48 -> 46 %); Y falls then stays (30 -> 29 -> 29 %); Z rises.
    shares = {"X": [0.50, 0.48, 0.46], "Y": [0.30, 0.29, 0.29], "Z": [0.20, 0.23, 0.25]}
    rows = [{"quarter": q, "category": c, "gmv": s[i] * 1000, "share": s[i]}
            for c, s in shares.items() for i, q in enumerate(quarters)]
    return pd.DataFrame(rows)


def test_category_losing_share_two_quarters_running():
    hits = swot.rule_category_losing(category_quarters(), R)
    assert subjects(hits) == ["X"]
    assert (hits[0].values["q0"], hits[0].values["q2"]) == ("2025-Q4", "2026-Q2")


def test_category_losing_uses_the_last_three_quarters_only():
    # an older quarter where X was lower does not matter
    older = pd.DataFrame([{"quarter": "2025-Q3", "category": "X", "gmv": 100.0, "share": 0.10}])
    assert subjects(swot.rule_category_losing(pd.concat([older, category_quarters()]), R)) == ["X"]


def test_category_losing_threshold_must_be_exceeded_each_step():
    # X falls 2 pp each step: a 2 pp threshold is not exceeded, 1.9 pp is
    assert swot.rule_category_losing(category_quarters(), SwotRules(share_fall_pp=0.02)) == []
    assert subjects(swot.rule_category_losing(category_quarters(), SwotRules(share_fall_pp=0.019))) == ["X"]


@pytest.mark.parametrize("quarters,reason", [(("2026-Q1", "2026-Q2"), "few_quarters"),
                                             (("2025-Q4", "2026-Q1", "2026-Q3"), "gap_quarters")])
def test_category_losing_needs_three_consecutive_quarters(quarters, reason):
    frame = category_quarters(("2025-Q4", "2026-Q1", "2026-Q2")[: len(quarters)])
    frame["quarter"] = frame["quarter"].map(dict(zip(("2025-Q4", "2026-Q1", "2026-Q2"), quarters)))
    sig = swot.derive_signals(SwotInputs(category_quarters=frame))
    assert ("category_losing", reason) in [(r, w) for r, w, _ in sig.skipped]


def segments() -> pd.DataFrame:
    # category base A 100, B 60, C 36, D 4 (= 200); now A 120, B 60, C 54, D 6 (= 240): total +20 %.
    # shares now: A 50 %, B 25 %, C 22.5 %, D 2.5 % (below the 3 % minimum, mix.MIN_SHARE).
    # region base R1 100, R2 100; now R1 110 (+10 %), R2 130 (+30 %): total +20 %, R2 share 130/240.
    return pd.DataFrame({
        "dimension": ["category"] * 4 + ["region"] * 2,
        "segment": ["A", "B", "C", "D", "R1", "R2"],
        "gmv": [120.0, 60.0, 54.0, 6.0, 110.0, 130.0],
        "growth": [0.2, 0.0, 0.5, 0.5, 0.1, 0.3],
        "share": [0.5, 0.25, 0.225, 0.025, 110 / 240, 130 / 240],
    })


def test_category_gaining_beats_the_total_by_the_lead():
    # C: +50 % vs total +20 % = 30 points ahead >= 5 -> fires; D is as fast but too small; A only matches the total
    hits = swot.rule_category_gaining(segments(), R)
    assert subjects(hits) == ["C"]
    assert hits[0].values["total"] == pytest.approx(0.20)


def test_segment_lead_at_the_threshold_counts():
    # C leads by exactly 30 points: a 30-point lead still fires, 31 does not
    assert subjects(swot.rule_category_gaining(segments(), SwotRules(segment_lead=0.30))) == ["C"]
    assert swot.rule_category_gaining(segments(), SwotRules(segment_lead=0.31)) == []


def test_base_gmv_makes_the_total_exact_when_a_segment_vanished():
    # add E: 40 a year ago, nothing now (growth -100 %). Category base 200 + 40 = 240, now 240: total 0 %,
    # so B (0 %) no longer trails and A (+20 %) leads by 20 points.
    frame = pd.concat([segments(), pd.DataFrame([{"dimension": "category", "segment": "E", "gmv": 0.0,
                                                 "growth": -1.0, "share": 0.0}])], ignore_index=True)
    frame["base_gmv"] = [100.0, 60.0, 36.0, 4.0, 100.0, 100.0, 40.0]
    hits = swot.rule_category_gaining(frame, R)
    assert subjects(hits) == ["C", "A"] and hits[0].values["total"] == pytest.approx(0.0)


def test_share_change_in_points_instead_of_a_fraction_is_refused():
    with pytest.raises(ValueError, match="fraction of 1"):
        swot.rule_channel_strong(channels().assign(gmv_share_change_pp=[0, -1, 5, 2, 1, -3]), R)


def test_fastest_segment_per_dimension():
    # category: C (D is faster but below 3 %); region: R2 (+30 % vs +20 %, 10 points >= 5)
    hits = swot.rule_segment_fastest(segments(), R)
    assert [(s.values["dimension"], s.subject) for s in hits] == [("category", "C"), ("region", "R2")]
    # R2 leads by 10 points: with a 10.5-point lead required only C remains
    assert subjects(swot.rule_segment_fastest(segments(), SwotRules(segment_lead=0.105))) == ["C"]


LOWER = ("三线城市", "四线及以下")


def test_sinking_market_must_outgrow_the_total():
    assert subjects(swot.rule_sinking_market((0.30, 0.20, LOWER), R)) == ["三线城市、四线及以下"]
    assert swot.rule_sinking_market((0.20, 0.20, LOWER), R) == []         # equal growth is not faster
    sig = swot.derive_signals(SwotInputs(sinking=(math.nan, 0.2, LOWER)))
    assert ("sinking_market", "unknown_growth") in [(r, w) for r, w, _ in sig.skipped]


def test_minimum_segment_share_is_the_mix_sections_constant():
    # one threshold for "fastest-growing segment" in both sections
    assert SwotRules().min_segment_share == mix.MIN_SHARE == 0.03


# --- quarters: CAC and repurchase --------------------------------------------------------------

def cac(values: dict) -> pd.DataFrame:
    return pd.DataFrame({"quarter": list(values), "cac": list(values.values())})


def test_cac_at_the_yoy_threshold_and_rising_two_quarters():
    # 2026-Q2 110 vs 2025-Q2 100 = +10 % (exactly the threshold: fires); also 90 -> 100 -> 110
    hits = swot.rule_cac_rising(cac({"2025-Q2": 100, "2025-Q3": 95, "2025-Q4": 90, "2026-Q1": 100, "2026-Q2": 110}), R)
    assert len(hits) == 1
    v = hits[0].values
    assert v["by_yoy"] and v["rising"] and v["yoy"] == pytest.approx(0.10)
    title, evidence = swot.signal_text(hits[0], R, "en")
    assert title == "Rising customer acquisition cost"
    assert evidence == ("Q2 2026: CAC ¥110 vs ¥100 a year earlier (+10.0%); "
                        "up two quarters running: ¥90.00 → ¥100 → ¥110")
    _, zh = swot.signal_text(hits[0], R, "zh")
    assert zh == "2026年第2季度获客成本¥110，去年同期¥100（+10.0%）；连续两个季度上升：¥90.00 → ¥100 → ¥110"


def test_cac_below_the_threshold_and_falling_does_not_fire():
    # +9 % and 120 -> 115 -> 109 falls
    assert swot.rule_cac_rising(cac({"2025-Q2": 100, "2025-Q3": 100, "2025-Q4": 120, "2026-Q1": 115,
                                     "2026-Q2": 109}), R) == []


def test_cac_rising_without_a_year_ago_quarter():
    hits = swot.rule_cac_rising(cac({"2025-Q4": 80, "2026-Q1": 85, "2026-Q2": 90}), R)
    assert hits and not hits[0].values["by_yoy"]
    assert swot.signal_text(hits[0], R, "en")[1] == "up two quarters running: ¥80.00 → ¥85.00 → ¥90.00"


def test_cac_with_too_few_quarters_is_not_evaluated():
    sig = swot.derive_signals(SwotInputs(cac_quarters=cac({"2026-Q1": 85, "2026-Q2": 90})))
    assert ("cac_rising", "no_year_ago") in [(r, w) for r, w, _ in sig.skipped]


def test_repurchase_drop_at_the_threshold_fires():
    # 20 % -> 19 %: a drop of exactly 1 pp
    frame = pd.DataFrame({"quarter": ["2025-Q2", "2026-Q1", "2026-Q2"], "repurchase_rate": [0.20, 0.10, 0.19]})
    hits = swot.rule_repurchase_falling(frame, R)
    assert len(hits) == 1
    assert swot.signal_text(hits[0], R, "en")[1] == "Q2 2026: 19.00% vs 20.00% a year earlier (-1.0 pp)"
    assert swot.signal_text(hits[0], R, "zh")[1] == "2026年第2季度复购率19.00%，去年同期20.00%（-1.0个百分点）"
    # 20 % -> 19.5 %: half a point, no weakness
    assert swot.rule_repurchase_falling(frame.assign(repurchase_rate=[0.20, 0.10, 0.195]), R) == []


# --- evidence text ------------------------------------------------------------------------------

def test_evidence_text_of_channel_and_segment_signals():
    strong = swot.rule_channel_strong(channels(), R)[0]
    assert swot.signal_text(strong, R, "en") == (
        "D: high ROAS and a growing GMV share",
        "ROAS 4.00 (top 25% of paid channels, ≥ 4.00); GMV share 9.0%, +2.0 pp vs a year earlier")
    assert swot.signal_text(strong, R, "zh")[1] == "ROAS 4.00（付费渠道前25%，不低于4.00）；GMV占比9.0%，较去年同期+2.0个百分点"
    fastest = swot.rule_segment_fastest(segments(), R)[1]
    assert swot.signal_text(fastest, R, "zh") == ("R2：增长最快的区域", "GMV同比+30.0%，整体+20.0%；占比54.2%")
    losing = swot.rule_category_losing(category_quarters(), R)[0]
    assert swot.signal_text(losing, R, "en")[1] == "share 50.00% → 48.00% → 46.00% (Q4 2025 to Q2 2026)"


# --- the whole grid -------------------------------------------------------------------------------

def full_inputs(**kw) -> SwotInputs:
    base = dict(channel_eff=channels(), category_quarters=category_quarters(), segments=segments(),
                cac_quarters=cac({"2025-Q2": 100, "2025-Q3": 95, "2025-Q4": 90, "2026-Q1": 100, "2026-Q2": 110}),
                repurchase_quarters=pd.DataFrame({"quarter": ["2025-Q2", "2026-Q2"], "repurchase_rate": [0.2, 0.19]}),
                sinking=(0.30, 0.20, LOWER), period=("2025-08", "2026-07"), lower_tier=LOWER)
    base.update(kw)
    return SwotInputs(**base)


def test_grid_counts_and_finding():
    # S: D (channel), C (category) | W: X (losing), A, B (ROAS), repurchase | O: C, R2, lower-tier | T: CAC, F
    result = swot.build_swot([Entry("threats", "价格战", "Price war")], swot.derive_signals(full_inputs()))
    assert [len(result.signals(q)) for q in swot.QUADRANTS] == [2, 4, 3, 2]
    assert result.skipped == []
    # CAC +10 % is 1.0x its threshold, F's 36 % is 1.03x: F is the biggest threat
    assert swot.finding(result, "zh") == "数据信号：2项优势、4项劣势、3个机会、2个威胁；最大威胁：F占GMV的36.0%"
    assert swot.finding(result, "en") == ("Data signals: 2 strengths, 4 weaknesses, 3 opportunities, 2 threats; "
                                          "biggest threat: F brings 36.0% of GMV")
    assert result.quadrants["threats"][0].text("en") == "Price war"    # analyst's entries come first


def test_biggest_threat_by_distance_past_its_threshold():
    # CAC +20 % is 2x its 10 % threshold, more than F's 36/35
    inputs = full_inputs(cac_quarters=cac({"2025-Q2": 100, "2026-Q2": 120}))
    result = swot.build_swot([], swot.derive_signals(inputs))
    assert swot.finding(result, "zh").endswith("最大威胁：获客成本同比+20.0%")
    assert swot.finding(result, "en").endswith("biggest threat: CAC +20.0% year on year")


def test_nothing_given_nothing_fires_and_every_rule_is_listed_as_not_evaluated():
    result = swot.build_swot([], swot.derive_signals(SwotInputs()))
    assert result.signals() == []
    assert [r for r, _, _ in result.skipped] == list(swot.RULES)
    assert swot.finding(result, "zh") == "数据信号：0项优势、0项劣势、0个机会、0个威胁；数据未显示威胁"
    assert swot.finding(result, "en") == ("Data signals: 0 strengths, 0 weaknesses, 0 opportunities, 0 threats; "
                                          "no threat in the data")
    lines = swot.rule_lines(result, "en")
    assert lines[-1].startswith("Rules not evaluated: strong channel (no channel_eff data)")


def test_rules_are_printed_with_their_thresholds():
    result = swot.build_swot([], swot.derive_signals(full_inputs(), SwotRules(cac_rise=0.15, dependence_share=0.4)))
    text = "\n".join(swot.rule_lines(result, "zh"))
    assert "比去年同季度高至少15%" in text and "单一渠道占GMV超过40%" in text
    assert "比较期：2025年8月至2026年7月对比去年同期" in text
    en = "\n".join(swot.rule_lines(result, "en"))
    assert "ROAS in the top 25% (at or above the 75th percentile)" in en and "more than 1 pp" in en
    assert "at least 3% of GMV" in en                                     # mix.MIN_SHARE


def test_lower_tier_regions_in_the_rule_text_come_from_the_inputs():
    one = swot.build_swot([], swot.derive_signals(full_inputs(lower_tier=("三线城市",))))
    assert "机会·下沉市场：三线城市的GMV同比增速高于整体" in swot.rule_lines(one, "zh")
    none = swot.build_swot([], swot.derive_signals(SwotInputs()))
    assert "机会·下沉市场：下沉市场的GMV同比增速高于整体" in swot.rule_lines(none, "zh")
    window = swot.build_swot([], swot.derive_signals(full_inputs(window=("2024-08", "2026-07"))))
    assert "ROAS and channel GMV shares cover Aug 2024 – Jul 2026 (as in the channel-efficiency section)." \
        in swot.rule_lines(window, "en")


# --- the plan file ------------------------------------------------------------------------------

def write_plan(tmp_path, text: str):
    (tmp_path / "swot.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_hostile_text_in_swot_yaml_is_escaped(tmp_path):
    plan = swot.load_swot(write_plan(tmp_path, """\
        strengths:
          - {text_zh: "<script>alert(1)</script>", text_en: "<script>alert(1)</script>"}
        weaknesses:
          - 只有中文 & <b>粗体</b>
        """))
    hostile = channels().assign(channel=["A", "B", "C", "<img src=x onerror=alert(2)>", "E", "F"])
    result = swot.build_swot(plan.entries, swot.derive_signals(SwotInputs(channel_eff=hostile)))
    for lang in ("zh", "en"):
        page = swot.grid_html(result, lang) + swot.rules_html(result, lang)
        assert "<script>" not in page and "<img" not in page and "<b>粗体" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(2)&gt;" in page
        assert "只有中文 &amp; &lt;b&gt;粗体&lt;/b&gt;" in page     # a plain text serves both languages


def test_plan_file_is_read_with_rule_overrides(tmp_path):
    plan = swot.load_swot(write_plan(tmp_path, """\
        opportunities:
          - {text_en: English only}
        threats:
        rules:
          cac_rise: 0.15
          min_paid_channels: 3
        """))
    assert [(e.quadrant, e.text("zh")) for e in plan.entries] == [("opportunities", "English only")]
    assert plan.rules == SwotRules(cac_rise=0.15, min_paid_channels=3)


def test_the_project_swot_yaml_loads():
    plan = swot.load_swot("data/plan")
    assert not plan.missing and len(plan.entries) == 12 and plan.rules == SwotRules()


def test_missing_plan_file_is_not_an_error(tmp_path):
    plan = swot.load_swot(tmp_path)
    assert plan.missing and plan.entries == []


@pytest.mark.parametrize("text,words", [
    ("strenghts:\n  - x\n", ["unknown key 'strenghts'", "strengths, weaknesses"]),
    ("strengths: just a text\n", ["'strengths' must be a list", "start each entry with '- '"]),
    ("strengths:\n  - 12\n", ["entry 1 of strengths is not a text", "strengths[1]", "text_zh"]),
    ("threats:\n  - ok\n  - {text_fr: non}\n", ["unknown key 'text_fr' in entry 2 of threats", "threats[2]"]),
    ("threats:\n  - {text_zh: '', text_en: ''}\n", ["entry 1 of threats has no text"]),
    ("rules:\n  cac_grow: 0.1\n", ["unknown threshold 'cac_grow'", "rules.cac_grow", "cac_rise"]),
    ("rules:\n  sinking_regions: [三线城市]\n", ["'sinking_regions' is no longer set in swot.yaml",
                                               "rules.sinking_regions", "channels.yaml", "lower_tier"]),
    ("rules:\n  cac_rise: 10%\n", ["'cac_rise' must be a number", "0.10 = 10 %"]),
    ("rules:\n  dependence_share: 35\n", ["between 0 and 1", "rules.dependence_share"]),
    ("rules:\n  min_paid_channels: 2.5\n", ["whole number"]),
    ("rules:\n  top_quantile: 0.2\n", ["bottom_quantile must be below top_quantile"]),
    ("strengths:\n  - {text_zh: a\n", ["not valid YAML", "line "]),
    ("- a\n- b\n", ["expected the keys strengths"]),
])
def test_malformed_plan_file_errors_name_file_key_and_fix(tmp_path, text, words):
    write_plan(tmp_path, text)
    with pytest.raises(AttainError) as info:
        swot.load_swot(tmp_path)
    msg = str(info.value)
    assert "swot.yaml" in msg and "What to do" in msg
    for w in words:
        assert w in msg


# --- inputs from the other sections' results ----------------------------------------------------

# Data start 2024-08-01. as_of 2026-07-31, lookback 24: the efficiency window is 2024-08 .. 2026-07 (all
# the data); the mix period is the last 12 months 2025-08 .. 2026-07 vs 2024-08 .. 2025-07.
ORDERS = """order_id,customer_id,order_date,gmv,channel,category,region
O1,c1,2024-08-01,100,直播,美妆,三线城市
O2,c2,2024-08-06,100,自然搜索,服饰,一线城市
O3,c3,2025-05-10,50,直播,美妆,一线城市
O4,c3,2025-05-20,50,直播,美妆,一线城市
O5,c4,2026-04-10,60,直播,美妆,一线城市
O6,c1,2026-07-05,150,直播,美妆,三线城市
O7,c5,2026-07-06,50,自然搜索,服饰,一线城市
O8,c6,2026-07-31,100,直播,服饰,四线及以下
"""
SPEND = "date,channel,spend\n2024-08-01,直播,50\n2025-05-10,直播,40\n2026-04-10,直播,30\n2026-07-05,直播,100\n"
AS_OF = "2026-07-31"


def dataset(tmp_path, spend=True):
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    if spend:
        (folder / "spend.csv").write_text(SPEND, encoding="utf-8")
    return load_dataset(folder)


def results(ds, as_of=AS_OF, lookback=24, plan_dir=None):
    """The efficiency, mix and customer sections' results, as the notebook computes them."""
    return dict(efficiency=mix.analyse_efficiency(ds, as_of, lookback),
                segment_mix=mix.analyse_mix(ds, as_of, chan.load_segments(plan_dir)),
                customers=customers.analyse(ds, as_of, lookback))


def test_inputs_from_the_sections_by_hand(tmp_path):
    ds = dataset(tmp_path)
    r = results(ds)
    inputs = swot.inputs_from(r["efficiency"], r["segment_mix"], r["customers"])
    assert inputs.period == ("2025-08", "2026-07") and inputs.window == ("2024-08", "2026-07")
    ch = inputs.channel_eff.set_index("channel")
    # window GMV 直播 100+50+50+60+150+100 = 510, 自然搜索 100+50 = 150 (of 660); 直播 spend 50+40+30+100 = 220
    assert ch.loc["直播", "gmv_share"] == pytest.approx(510 / 660)
    assert ch.loc["直播", "roas"] == pytest.approx(510 / 220) and bool(ch.loc["直播", "paid"])
    assert math.isnan(ch.loc["自然搜索", "roas"]) and not bool(ch.loc["自然搜索", "paid"])
    # share change, last 12 months vs the 12 before: 直播 310 of 360 vs 200 of 300
    assert ch.loc["直播", "gmv_share_change_pp"] == pytest.approx(310 / 360 - 200 / 300)
    seg = inputs.segments.set_index(["dimension", "segment"])
    # 美妆 60+150 = 210 vs 100+50+50 = 200; 服饰 50+100 vs 100; 一线 60+50 vs 100+50+50; 四线及以下 new
    assert seg.loc[("category", "美妆"), "growth"] == pytest.approx(0.05)
    assert seg.loc[("category", "服饰"), "growth"] == pytest.approx(0.5)
    assert seg.loc[("region", "一线城市"), "growth"] == pytest.approx(-0.45)
    assert math.isnan(seg.loc[("region", "四线及以下"), "growth"])
    # 下沉市场 (channels.yaml default: 三线城市 + 四线及以下): (150 + 100) / (100 + 0) − 1 = 1.5; total 360 / 300 − 1
    assert inputs.sinking[:2] == pytest.approx((1.5, 0.2)) and inputs.sinking[2] == LOWER
    # CAC by full quarter in the window: 2025-Q2 spend 40 / new buyer c3 = 40; 2026-Q2 30 / c4 = 30
    assert inputs.cac_quarters.set_index("quarter")["cac"].to_dict() == pytest.approx({"2025-Q2": 40.0,
                                                                                       "2026-Q2": 30.0})
    # repurchase: 2025-Q2 c3 ordered twice (1 of 1 = 100 %), 2026-Q2 c4 once (0 %); 2026-Q3 is partial
    assert inputs.repurchase_quarters.set_index("quarter")["repurchase_rate"].to_dict() == {"2025-Q2": 1.0,
                                                                                             "2026-Q2": 0.0}
    # category quarters from 2024-Q4 (2024-Q3 starts before the data): 2026-Q2 holds only 美妆 (60 of 60)
    last = inputs.category_quarters[inputs.category_quarters["quarter"] == "2026-Q2"]
    assert last[["category", "share"]].values.tolist() == [["美妆", 1.0]]
    # fired: 服饰 +50 % vs +20 % (strength and fastest category), repurchase 100 % -> 0 %, 三线城市 +50 % (fastest
    # region; 四线及以下 has no growth), 下沉市场 +150 %, 直播 77 % of GMV. Not fired: CAC 30 vs 40 (−25 %, and
    # no three quarters in a row), categories by quarter (shares unknown in the empty quarters 2025-Q4, 2026-Q1).
    sig = swot.derive_signals(inputs)
    assert [(s.rule, s.subject) for s in sig.items] == [
        ("category_gaining", "服饰"), ("repurchase_falling", "repurchase_rate"), ("segment_fastest", "服饰"),
        ("segment_fastest", "三线城市"), ("sinking_market", "三线城市、四线及以下"), ("channel_dependence", "直播")]
    assert dict((r, w) for r, w, _ in sig.skipped) == {"channel_strong": "few_paid", "channel_weak": "few_paid"}


def test_analyse_with_the_sections_results_gives_the_same_signals_without_querying(tmp_path, monkeypatch):
    ds = dataset(tmp_path)
    plan_dir = tmp_path / "plan"
    alone = swot.analyse(ds, AS_OF, 24, plan_dir)
    given = results(ds, plan_dir=plan_dir)

    def no_query(*args, **kwargs):
        raise AssertionError("queried although the results were passed")
    monkeypatch.setattr(ds, "table", no_query)
    passed = swot.analyse(ds, AS_OF, 24, plan_dir, **given)
    assert len(alone.signals()) == 6
    assert passed.signals() == alone.signals() and passed.skipped == alone.skipped
    assert (passed.period, passed.window) == (alone.period, alone.window)


def test_lower_tier_comes_from_channels_yaml(tmp_path):
    ds = dataset(tmp_path)
    plan_dir = tmp_path / "plan"
    plan_dir.mkdir()
    (plan_dir / "channels.yaml").write_text(textwrap.dedent("""\
        segments:
          lower_tier: {zh: 下沉市场, en: Lower-tier cities, dimension: region, members: [四线及以下]}
        """), encoding="utf-8")
    inputs = swot.inputs_from(**results(ds, plan_dir=plan_dir))
    # 四线及以下 alone had nothing a year earlier: its growth is unknown, the rule is not evaluated
    assert inputs.lower_tier == ("四线及以下",) and math.isnan(inputs.sinking[0])
    (plan_dir / "channels.yaml").write_text("segments: {}\n", encoding="utf-8")
    none = swot.inputs_from(**results(ds, plan_dir=plan_dir))
    assert none.sinking is None and none.missing["sinking"] == ("no_segment", {})
    line = swot.rule_lines(swot.build_swot([], swot.derive_signals(none)), "en")[-1]
    assert "lower-tier cities (channels.yaml has no lower_tier segment (lower-tier cities) under segments:)" in line


def test_inputs_without_spend_or_history(tmp_path):
    ds = dataset(tmp_path, spend=False)
    inputs = swot.inputs_from(**results(ds))
    assert inputs.cac_quarters is None and inputs.missing["cac_quarters"] == ("no_table", {"table": "spend"})
    assert "roas" not in inputs.channel_eff and "paid" not in inputs.channel_eff
    # as_of 2025-07-31: the last 12 months 2024-08 .. 2025-07 need 2023-08 .. 2024-07, before the data
    short = swot.inputs_from(**results(ds, as_of="2025-07-31"))
    assert short.segments is None and short.sinking is None
    result = swot.build_swot([], swot.derive_signals(short))
    line = swot.rule_lines(result, "en")[-1]
    assert "growing category (the data do not reach back to 2023-08-01)" in line
    assert "acquisition cost (the spend table is missing)" in line
    assert "strong channel (only 0 paid channels, 4 needed)" in line


def test_analyse_and_show_without_a_plan_file(tmp_path, monkeypatch):
    result = swot.analyse(dataset(tmp_path), AS_OF, 24, plan_dir=tmp_path / "no_plan")
    assert result.plan_missing and result.plan_file == tmp_path / "no_plan" / "swot.yaml"
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(getattr(obj, "data", obj)))
    swot.show(result, "en")
    assert shown[0] == "## SWOT analysis"
    assert "No analyst SWOT file at" in shown[2] and "text_zh" in shown[2]
    assert "attain-swot" in shown[3] and "Rules and thresholds" in shown[4]
