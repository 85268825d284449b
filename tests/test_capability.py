"""Capability maturity: directions, verdicts worked out by hand, the plan file, the chart and the text."""

from __future__ import annotations

import math
import warnings

import matplotlib as mpl
import pandas as pd
import pytest

from attain import capability as cap
from attain import customers, freshness, mix, style
from attain.data import load_dataset
from attain.errors import AttainError

NAN = math.nan


# --- directions and verdicts --------------------------------------------------------------------

@pytest.mark.parametrize("kind,change,better,expected", [
    ("change", 0.05, "higher", "stable"),        # exactly at ±5 % does not move
    ("change", 0.0501, "higher", "improving"),
    ("change", -0.06, "higher", "worsening"),
    ("change", 0.06, "lower", "worsening"),      # CAC up 6 % is worse
    ("change", -0.06, "lower", "improving"),
    ("share", 0.01, "higher", "stable"),         # exactly 1 pp
    ("share", 0.011, "higher", "improving"),
    ("share", -0.011, "higher", "worsening"),
    ("lag", 3, "higher", "good"), ("lag", 4, "higher", "fair"), ("lag", 14, "higher", "fair"),
    ("lag", 15, "higher", "poor"),
    ("coverage", 0, "higher", "good"), ("coverage", 1, "higher", "fair"), ("coverage", 2, "higher", "poor"),
    ("change", NAN, "higher", "no_data"),
])
def test_direction(kind, change, better, expected):
    assert cap.direction(kind, change, better) == expected


@pytest.mark.parametrize("dirs,expected", [
    (["improving", "stable"], "positive"), (["worsening", "no_data"], "negative"),
    (["improving", "worsening"], "mixed"), (["stable", "fair"], "flat"), (["no_data"], "none"), ([], "none"),
    (["good", "fair"], "positive"), (["poor"], "negative"),
])
def test_evidence(dirs, expected):
    assert cap.evidence(dirs) == expected


@pytest.mark.parametrize("level,ev,expected", [
    ("leading", "positive", "supports"), ("leading", "mixed", "contradicts"), ("leading", "negative", "contradicts"),
    ("leading", "flat", "neutral"), ("leading", "none", "neutral"),
    ("growing", "positive", "supports"), ("growing", "negative", "contradicts"), ("growing", "mixed", "neutral"),
    ("basic", "positive", "contradicts"), ("basic", "negative", "supports"), ("basic", "flat", "neutral"),
])
def test_verdict(level, ev, expected):
    assert cap.verdict(level, ev) == expected


def test_judge_on_hand_frames():
    assessment = pd.DataFrame({"capability": ["brand", "crm", "conversion"], "level": ["leading", "basic", "growing"],
                               "note_zh": "", "note_en": ""})
    indicators = pd.DataFrame({"capability": ["brand", "brand", "crm", "conversion"],
                               "direction": ["improving", "worsening", "worsening", "no_data"]})
    out = cap.judge(assessment, indicators).set_index("capability")
    # brand leading + one worsening = contradicts; crm basic + worsening = supports; conversion no data = neutral
    assert out["evidence"].to_dict() == {"brand": "mixed", "crm": "negative", "conversion": "none"}
    assert out["verdict"].to_dict() == {"brand": "contradicts", "crm": "supports", "conversion": "neutral"}


# --- indicators on a small folder ---------------------------------------------------------------

# Guest orders (no customer id) on 2024-07-31 and on as_of set the data's span without touching any buyer figure.
ORDERS = """order_id,customer_id,order_date,gmv,channel,category,region
O0,,2024-07-31,10,信息流,家居,二线城市
O1,c1,2025-05-01,100,自然搜索,美妆,一线城市
O2,c2,2025-05-03,100,直播,美妆,一线城市
O3,c2,2025-05-04,100,直播,美妆,一线城市
O4,c3,2025-05-05,200,短视频,服饰,二线城市
O5,c4,2026-05-02,100,自然搜索,美妆,一线城市
O6,c5,2026-05-03,300,KOL,服饰,一线城市
O7,c1,2026-05-20,100,自然搜索,美妆,一线城市
O8,c4,2026-05-25,100,自然搜索,美妆,一线城市
O9,,2026-07-31,100,私域,食品,一线城市
"""
SPEND = "date,channel,spend\n2025-04-01,直播,60\n2026-05-28,KOL,50\n2026-07-28,KOL,20\n"
TRAFFIC = ("date,channel,uv,pv\n2024-07-31,信息流,50,100\n2025-05-01,自然搜索,100,300\n2025-05-01,直播,100,300\n"
           "2026-05-28,自然搜索,100,300\n2026-05-28,KOL,100,300\n2026-07-25,自然搜索,25,50\n2026-07-25,私域,25,50\n")
PLAN = """\
capabilities:
  brand: {level: leading, note: 自然搜索强}
  acquisition: {level: 成长, note_zh: 获客, note_en: acquisition}
  content: leading
  crm: {level: basic}
  conversion: {level: growing}
  data_analysis: {level: Leading}
"""
AS_OF, LOOKBACK = "2026-07-31", 24


def folder(tmp_path, traffic=True, plan=PLAN, orders=ORDERS):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "orders.csv").write_text(orders, encoding="utf-8")
    (data / "spend.csv").write_text(SPEND, encoding="utf-8")
    if traffic:
        (data / "traffic.csv").write_text(TRAFFIC, encoding="utf-8")
    plan_dir = tmp_path / "plan"
    plan_dir.mkdir(exist_ok=True)
    if plan is not None:
        (plan_dir / "capabilities.yaml").write_text(plan, encoding="utf-8")
    return load_dataset(data), plan_dir


# as_of 2026-07-31, lookback 24 (window 2024-08 .. 2026-07), by hand.
# Months: the last 12 (2025-08 .. 2026-07, O5..O9) vs the 12 before (2024-08 .. 2025-07, O1..O4):
#   GMV 700 vs 500; 自然搜索 300 (3/7 = 42.9 %) vs 100 (20 %): +22.9 pp -> improving
#   UV 自然搜索 100 + 25 of 250 (50 %) vs 100 of 200 (50 %): 0 pp -> stable
#   content GMV (直播, 短视频, KOL) 300 (3/7) vs 400 (80 %): -37.1 pp and -25 % -> worsening twice
#   conversion 5 orders / 250 UV = 2 % vs 4 / 200 = 2 % -> stable
# Quarters: 2026-Q2 vs 2025-Q2 (both inside the window):
#   new buyers c4 c5 = 2 vs c1 c2 c3 = 3 (c1 is returning): -33 % -> worsening
#   CAC 50 / 2 = 25 vs 60 / 3 = 20: +25 %, lower is better -> worsening
#   repurchase: 1 of 3 buyers (c4 of c4, c5, c1) vs 1 of 3 (c2): 0 % -> stable
# As of: orders end on as_of, spend 3 days and traffic 6 days before: longest lag 6 (traffic) -> fair;
#   customers missing, 3 of 4 tables -> fair
EXPECTED = {
    "brand_gmv_share": (3 / 7, 0.2, "improving"), "brand_uv_share": (0.5, 0.5, "stable"),
    "cac": (25.0, 20.0, "worsening"), "new_buyers": (2, 3, "worsening"),
    "content_gmv_share": (3 / 7, 0.8, "worsening"), "content_gmv": (300.0, 400.0, "worsening"),
    "repurchase_rate": (1 / 3, 1 / 3, "stable"), "conversion_rate": (0.02, 0.02, "stable"),
    "freshness": (6, NAN, "fair"), "completeness": (3, 4, "fair"),
}


def test_indicators_by_hand(tmp_path):
    ds, _ = folder(tmp_path)
    ind = cap.measure(ds, AS_OF, LOOKBACK).set_index("indicator")
    assert list(ind.index) == [i.id for i in cap.INDICATORS]
    for name, (recent, base, direction) in EXPECTED.items():
        assert ind.loc[name, "recent"] == pytest.approx(recent), name
        assert ind.loc[name, "base"] == pytest.approx(base, nan_ok=True), name
        assert ind.loc[name, "direction"] == direction, name
    assert ind.loc["freshness", "detail"] == "traffic" and ind.loc["completeness", "detail"] == "customers"


def test_results_passed_in_give_the_same_indicators_without_recomputing_them(tmp_path, monkeypatch):
    ds, plan_dir = folder(tmp_path)
    given = dict(efficiency=mix.analyse_efficiency(ds, AS_OF, LOOKBACK), freshness=freshness.check(ds, AS_OF),
                 customers=customers.analyse(ds, AS_OF, LOOKBACK))
    alone = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)

    def no_recompute(*args, **kwargs):
        raise AssertionError("recomputed a result that was passed in")
    for target in ("attain.mix.analyse_efficiency", "attain.freshness.check",
                   "attain.section_inputs.light_customers"):
        monkeypatch.setattr(target, no_recompute)
    passed = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir, **given)
    pd.testing.assert_frame_equal(passed.indicators, alone.indicators)
    pd.testing.assert_frame_equal(passed.verdicts, alone.verdicts)


def test_verdicts_by_hand_and_finding(tmp_path):
    ds, plan_dir = folder(tmp_path)
    result = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)
    v = result.verdicts.set_index("capability")
    # brand leading, improving + stable -> supports; acquisition growing, two worsening -> contradicts;
    # content leading, worsening -> contradicts; crm basic, stable -> neutral; conversion growing, stable -> neutral;
    # data analysis leading, fair + fair -> neutral
    assert v["verdict"].to_dict() == {"brand": "supports", "acquisition": "contradicts", "content": "contradicts",
                                      "crm": "neutral", "conversion": "neutral", "data_analysis": "neutral"}
    assert v.loc["acquisition", "level"] == "growing" and v.loc["data_analysis", "level"] == "leading"
    assert v.loc["brand", "note_en"] == "自然搜索强" and v.loc["acquisition", "note_en"] == "acquisition"
    assert (result.period, result.quarter) == (("2025-08", "2026-07"), "2026-Q2")
    assert cap.finding(result, "zh") == "能力自评6项：1项有数据支持，2项与数据矛盾（获客、内容），3项无定论。"
    assert cap.finding(result, "en") == ("Self-assessment of 6 capabilities: 1 supported by the data, "
                                         "2 contradicted (Acquisition, Content), 3 inconclusive.")


def test_indicator_table_text(tmp_path):
    ds, plan_dir = folder(tmp_path)
    result = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)
    zh = cap.indicator_table(result, "zh").set_index("数据指标")
    assert zh.loc["获客成本(CAC)"].to_dict() == {"能力": "获客", "自评": "成长", "判断": "与数据矛盾",
                                              "比较期": "2026年第2季度", "本期": "¥25.00", "去年同期": "¥20.00",
                                              "变化": "+25.0%", "方向": "恶化"}
    assert zh.loc["自然搜索GMV占比（品牌需求）", "变化"] == "+22.9个百分点"
    assert zh.loc["自然搜索GMV占比（品牌需求）", "比较期"] == "2025年8月至2026年7月"
    assert zh.loc["数据新鲜度（最长滞后）", "本期"] == "6天（traffic）"
    assert zh.loc["数据新鲜度（最长滞后）", "比较期"] == "截至2026-07-31"
    en = cap.indicator_table(result, "en").set_index("Indicator")
    assert en.loc["Data completeness (tables)", "This period"] == "3 of 4"
    assert en.loc["Data completeness (tables)", "Change"] == "missing: customers"
    assert cap.rules_text(result, "zh").startswith("口径：2025年8月至2026年7月对比去年同期；获客成本、新客数和复购率为"
                                                   "2026年第2季度对比去年同季度")


def test_missing_traffic_makes_its_indicators_no_data(tmp_path):
    ds, plan_dir = folder(tmp_path, traffic=False)
    result = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)
    ind = result.indicators.set_index("indicator")
    assert ind.loc["conversion_rate", "direction"] == "no_data"
    assert ind.loc["conversion_rate", "reason"] == "no_table:traffic"
    assert result.verdicts.set_index("capability").loc["conversion", "evidence"] == "none"
    table = cap.indicator_table(result, "en").set_index("Indicator")
    assert table.loc["Conversion rate", "Direction"] == "no data (no traffic table)"


def test_no_history_for_the_base_period(tmp_path):
    ds, _ = folder(tmp_path)
    # as_of 2025-07-31: the 12 months before 2024-08 .. 2025-07 start 2023-08-01, 2025-Q2's year-ago quarter
    # 2024-04-01 — both before the data (2024-07-31)
    ind = cap.measure(ds, "2025-07-31", LOOKBACK).set_index("indicator")
    assert ind.loc["brand_gmv_share", "direction"] == "no_data"
    assert ind.loc["brand_gmv_share", "reason"] == "short_history:2023-08-01"
    assert ind.loc["cac", "direction"] == "no_data" and ind.loc["cac", "reason"] == "short_history:2024-04-01"
    assert ind.loc["freshness", "direction"] == "good"                 # every table runs past this as_of: lag 0


def test_a_short_window_leaves_the_year_ago_quarter_out(tmp_path):
    ds, plan_dir = folder(tmp_path)
    # lookback 12: the window 2025-08 .. 2026-07 holds 2026-Q2 but not 2025-Q2 (the efficiency section's CAC and
    # the customer section's months); the repurchase rate carries its year-ago rate, so it is still measured
    result = cap.analyse(ds, AS_OF, 12, plan_dir)
    ind = result.indicators.set_index("indicator")
    assert ind.loc["cac", "reason"] == ind.loc["new_buyers", "reason"] == "window:2025-Q2"
    assert ind.loc["repurchase_rate", "direction"] == "stable"
    table = cap.indicator_table(result, "en").set_index("Indicator")
    assert table.loc["New buyers", "Direction"] == "no data (Q2 2025 is outside the analysis window (lookback_months))"


def test_orders_without_customer_ids(tmp_path):
    guests = ORDERS
    for c in ("c1", "c2", "c3", "c4", "c5"):
        guests = guests.replace(f",{c},", ",,")
    ds, plan_dir = folder(tmp_path, orders=guests)
    ind = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir).indicators.set_index("indicator")
    assert ind.loc["new_buyers", "reason"] == ind.loc["repurchase_rate", "reason"] == "no_ids"
    assert ind.loc["brand_gmv_share", "direction"] == "improving"      # GMV needs no customer ids


# --- the plan file -------------------------------------------------------------------------------

@pytest.mark.parametrize("text,words", [
    ("capabilities:\n  brand: {level: expert}\n",
     ["unknown level 'expert' for capability 'brand'", "capabilities.brand.level",
      "basic (基础), growing (成长), leading (领先)"]),
    ("capabilities:\n  branding: {level: basic}\n", ["unknown capability 'branding'", "acquisition, content"]),
    ("capabilities:\n  brand: {note: x}\n", ["capability 'brand' has no level"]),
    ("capabilities:\n  brand: {level: basic, owner: 王芳}\n", ["unknown key 'owner' for capability 'brand'"]),
    ("brand: basic\n", ["expected one key 'capabilities'"]),
    ("capabilities:\n  brand: {level: basic\n", ["not valid YAML", "line "]),
])
def test_plan_errors_name_file_capability_and_fix(tmp_path, text, words):
    (tmp_path / "capabilities.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AttainError) as info:
        cap.load_capabilities(tmp_path)
    msg = str(info.value)
    assert "capabilities.yaml" in msg and "What to do" in msg
    for w in words:
        assert w in msg


def test_the_project_plan_file_loads():
    plan = cap.load_capabilities("data/plan")
    assert list(plan.assessment["capability"]) == list(cap.CAPABILITIES)
    assert set(plan.assessment["level"]) <= set(cap.LEVELS)


def test_missing_plan_file_says_how_to_create_it(tmp_path, monkeypatch):
    ds, plan_dir = folder(tmp_path, plan=None)
    result = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)
    assert result.plan_missing and result.verdicts.empty and cap.chart(result, "zh") is None
    # indicators: 1 improving (natural-search GMV share), 4 worsening (CAC, new buyers, content share and GMV),
    # 3 stable (UV share, repurchase, conversion); the two data states (fair) are not trends
    assert cap.finding(result, "zh") == "尚未填写能力自评；数据指标：1项改善、4项恶化、3项持平。"
    assert cap.finding(result, "en") == "No self-assessment yet; data indicators: 1 improving, 4 worsening, 3 stable."
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(getattr(obj, "data", obj)))
    cap.show(result, "en")
    assert shown[0] == "## Capability maturity"
    assert "No self-assessment file at" in shown[2] and "capabilities.yaml" in shown[2]


# --- chart ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_renders_without_missing_glyphs(tmp_path, lang):
    ds, plan_dir = folder(tmp_path)
    result = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)
    with mpl.rc_context():
        style.apply(lang)
        fig = cap.chart(result, lang)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
    assert [w for w in caught if "missing from font" in str(w.message)] == []
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # the first capability of the file on top (bars drawn bottom-up)
    assert labels[-1] == ("品牌" if lang == "zh" else "Brand") and len(labels) == 6
    # levels bottom-up: data_analysis leading, conversion growing, crm basic, content leading, acquisition growing,
    # brand leading
    assert [p.get_width() for p in ax.patches] == [3, 2, 1, 3, 2, 3]
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(t.startswith("数据来源" if lang == "zh" else "Source") for t in texts)
    assert ("与数据矛盾" if lang == "zh" else "Contradicted") in texts


def test_every_capability_text_renders(tmp_path):
    """All zh strings this module registers render with the CJK font."""
    with mpl.rc_context():
        style.apply("zh")
        from attain.viz import new_figure
        fig, ax = new_figure()
        texts = [v["zh"] for v in cap.TEXTS.values()]
        for i, t in enumerate(texts):
            ax.text(0, i, t)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
    assert [w for w in caught if "missing from font" in str(w.message)] == []


def test_notes_from_the_plan_file_are_escaped(tmp_path):
    plan = "capabilities:\n  brand: {level: basic, note: \"<script>alert(1)</script>\"}\n"
    ds, plan_dir = folder(tmp_path, plan=plan)
    result = cap.analyse(ds, AS_OF, LOOKBACK, plan_dir)
    from attain.display import table_html
    page = table_html(cap.notes_table(result, "en")) + table_html(cap.indicator_table(result, "en"))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
