"""drivers: GMV vs a year earlier split into UV × conversion × AOV, contributions, gap to target.

Main fixture (written as CSV in tmp_path; every order of a period on one day, one order = one row):

    channel  2025-Q2 (2025-05-10)                    2026-Q2 (2026-05-10)
    直播     UV 1000, 20 orders × 100 = 2000 (美妆, 一线)  UV 1200, 30 orders × 90 = 2700 (美妆, 一线)
    私域     UV 500,  10 orders × 50  = 500  (服饰, 二线)  UV 500,   8 orders × 50 = 400  (服饰, 二线)
    KOL      UV 200,   2 orders × 150 = 300  (美妆, 二线)  UV 100,   no orders          -> lost
    短视频   —                                          UV 300,   3 orders × 100 = 300 (服饰, 二线) -> new
plus 私域 on 2025-01-15 and 2026-07-01 (one order of 10, UV 10) so orders and traffic cover both quarters.

Totals: GMV 2800 -> 3400 (+600, +21.4 %); orders 32 -> 41; UV 1700 -> 2100
    conversion 32/1700 = 0.018824 -> 41/2100 = 0.019524; AOV 2800/32 = 87.5 -> 3400/41 = 82.927
    L(3400, 2800) = 600 / ln(3400/2800) = 600 / 0.194156 = 3090.298
    UV   3090.298 × ln(2100/1700)                = 3090.298 ×  0.211309 =  653.008
    conv 3090.298 × ln(0.019524/0.018824)        = 3090.298 ×  0.036527 =  112.880
    AOV  3090.298 × ln(82.927/87.5)              = 3090.298 × −0.053680 = −165.888   (sum 600.000)
By channel: 直播 is the hand example of test_lmdi × 10: UV 425.2687, conv 520.4868, AOV −245.7555;
    私域 only conversion moves (0.02 -> 0.016): −100; 短视频 new +300; KOL lost −300 (UV but no orders now)
    channel sums: UV 425.2687, conv 420.4868, AOV −245.7555, new 300, lost −300 -> 600
"""

from __future__ import annotations

import math
from unittest import mock

import pandas as pd
import pytest

from attain import display, drivers as drv, drivers_view as dv, style
from attain.data import load_dataset
from attain.errors import ParameterError
from attain.lmdi import LOST, NEW

TRAFFIC_HEAD = "date,channel,uv,pv\n"
ORDERS_HEAD = "order_id,customer_id,order_date,gmv,channel,category,region\n"

MAIN = [  # (date, channel, uv, orders, gmv per order, category, region)
    ("2025-01-15", "私域", 10, 1, 10, "服饰", "二线城市"),
    ("2025-05-10", "直播", 1000, 20, 100, "美妆", "一线城市"),
    ("2025-05-10", "私域", 500, 10, 50, "服饰", "二线城市"),
    ("2025-05-10", "KOL", 200, 2, 150, "美妆", "二线城市"),
    ("2026-05-10", "直播", 1200, 30, 90, "美妆", "一线城市"),
    ("2026-05-10", "私域", 500, 8, 50, "服饰", "二线城市"),
    ("2026-05-10", "KOL", 100, 0, 0, "美妆", "二线城市"),
    ("2026-05-10", "短视频", 300, 3, 100, "服饰", "二线城市"),
    ("2026-07-01", "私域", 10, 1, 10, "服饰", "二线城市"),
]


def write(folder, rows, traffic=True, extra_orders=()):
    folder.mkdir(parents=True, exist_ok=True)
    lines, n = [], 0
    for day, ch, _uv, k, gmv, cat, reg in list(rows) + list(extra_orders):
        for _ in range(k):
            n += 1
            lines.append(f"O{n},c{n},{day},{gmv},{ch},{cat},{reg}\n")
    (folder / "orders.csv").write_text(ORDERS_HEAD + "".join(lines), encoding="utf-8")
    if traffic:
        t = "".join(f"{day},{ch},{uv},{uv * 3}\n" for day, ch, uv, *_ in rows if uv)
        (folder / "traffic.csv").write_text(TRAFFIC_HEAD + t, encoding="utf-8")
    return load_dataset(folder)


@pytest.fixture()
def ds(tmp_path):
    return write(tmp_path / "main", MAIN)


@pytest.fixture()
def d(ds):
    return drv.drivers(ds, "2026-Q2")


def targets(rows, scope=""):
    """Month rows as attain.targets_store writes them: (month, channel, category, target)."""
    return pd.DataFrame([{"goal_id": "G1", "metric": "gmv", "scope": scope, "period": "2026", "level": "month",
                          "period_bucket": m, "channel": ch, "category": cat, "target": t} for m, ch, cat, t in rows])


MONTHS = ("2026-04", "2026-05", "2026-06")
PLAN = targets([(m, ch, cat, t) for m in MONTHS
                for ch, cat, t in (("直播", "美妆", 1000), ("私域", "服饰", 200), ("KOL", "美妆", 80))])


# --- totals and the total split --------------------------------------------------------------

def test_totals_and_total_split(d):
    t = d.totals.set_index("metric")
    assert list(t.index) == ["gmv", "orders", "uv", "conversion_rate", "aov"]
    assert (t.loc["gmv", "base"], t.loc["gmv", "current"]) == (2800, 3400)
    assert t.loc["gmv", "growth"] == pytest.approx(600 / 2800)
    assert t.loc["conversion_rate", "current"] == pytest.approx(41 / 2100)
    e = d.effects.set_index("component")["effect"]
    assert e["uv"] == pytest.approx(653.008, abs=1e-3)
    assert e["conversion_rate"] == pytest.approx(112.880, abs=1e-3)
    assert e["aov"] == pytest.approx(-165.888, abs=1e-3)
    assert math.fsum(e) == pytest.approx(600, abs=1e-9)
    assert d.effects["share"].sum() == pytest.approx(1)
    assert (d.span, d.base_span) == ((pd.Timestamp("2026-04-01").date(), pd.Timestamp("2026-06-30").date()),
                                     (pd.Timestamp("2025-04-01").date(), pd.Timestamp("2025-06-30").date()))
    assert d.fallback is None and d.reason is None and d.tables == ("orders", "traffic")


def test_channel_split_adds_up(d):
    tot = d.channel_totals
    assert tot["uv"] == pytest.approx(425.2687, abs=1e-4)
    assert tot["conversion_rate"] == pytest.approx(420.4868, abs=1e-4)      # 520.4868 − 100
    assert tot["aov"] == pytest.approx(-245.7555, abs=1e-4)
    assert (tot[NEW], tot[LOST], tot[drv.NO_TRAFFIC]) == (300, -300, 0)
    assert math.fsum(tot) == pytest.approx(600, abs=1e-9)
    e = d.channel_effects.set_index(["segment", "factor"])["effect"]
    assert e[("私域", "conversion_rate")] == pytest.approx(-100)
    assert e[("私域", "uv")] == 0 and e[("私域", "aov")] == 0
    assert e[("短视频", NEW)] == 300 and e[("KOL", LOST)] == -300


def test_contributions_by_segment(d):
    # channel: 直播 +700 (7/6), 短视频 +300 new (1/2), 私域 −100 (−1/6), KOL −300 lost (−1/2)
    ch = d.segments["channel"]
    assert ch["segment"].tolist() == ["直播", "短视频", "私域", "KOL"]
    assert ch["share"].tolist() == pytest.approx([7 / 6, 0.5, -1 / 6, -0.5])
    assert ch["status"].tolist() == ["both", NEW, "both", LOST]
    # category: 美妆 2000 + 300 -> 2700 (+400, 2/3); 服饰 500 -> 400 + 300 (+200, 1/3)
    cat = d.segments["category"].set_index("segment")
    assert cat.loc["美妆", "change"] == 400 and cat.loc["服饰", "share"] == pytest.approx(1 / 3)
    # region: 一线 2000 -> 2700 (+700); 二线 500 + 300 -> 400 + 300 (−100)
    reg = d.segments["region"].set_index("segment")["change"].to_dict()
    assert reg == {"一线城市": 700, "二线城市": -100}


# --- words -----------------------------------------------------------------------------------

def test_finding_zh_and_en(d):
    # effects 653.008 -> ¥653, 112.880 -> ¥113, −165.888 -> −¥166; 直播 alone brings 117 % (≥ 60 %)
    assert dv.finding(d, "zh") == ("2026年第2季度 GMV ¥3,400，较2025年第2季度+21.4%（+¥600）："
                                    "流量+¥653、转化率+¥113、平均订单金额-¥166；直播贡献了增长的117%。")
    assert dv.finding(d, "en") == ("Q2 2026 GMV ¥3.40K, +21.4% (+¥600) vs Q2 2025: traffic +¥653, "
                                    "conversion +¥113, AOV -¥166; 直播 brought 117% of the growth.")


def test_finding_names_the_channel_mix(tmp_path):
    # A: UV 100, 10 orders × 100 -> 10 orders × 110 (AOV +10 %); B: UV 100, 10 × 10 -> UV 300, 30 × 11 (AOV +10 %)
    # total AOV 1100/20 = 55 -> 1430/40 = 35.75: L(1430, 1100) = 330 / ln 1.3 = 1257.79; × ln(0.65) = −541.84
    # within channels: A 1000 -> 1100 all AOV (+100); B L(330, 100) = 192.64, × ln 1.1 = +18.36 -> +118.36
    rows = [("2025-01-01", "A", 1, 1, 1, "美妆", "一线城市"), ("2025-05-10", "A", 100, 10, 100, "美妆", "一线城市"),
            ("2025-05-10", "B", 100, 10, 10, "美妆", "一线城市"), ("2026-05-10", "A", 100, 10, 110, "美妆", "一线城市"),
            ("2026-05-10", "B", 300, 30, 11, "美妆", "一线城市"), ("2026-07-01", "A", 1, 1, 1, "美妆", "一线城市")]
    d = drv.drivers(write(tmp_path / "mix", rows), "2026-Q2")
    assert d.effects.set_index("component")["effect"]["aov"] == pytest.approx(-541.836, abs=1e-3)
    assert d.channel_totals["aov"] == pytest.approx(118.361, abs=1e-3)
    assert "；各渠道内平均订单金额的影响合计+¥118，整体为-¥542是渠道结构变化所致；" in dv.finding(d, "zh")
    assert "; within channels the AOV effects sum to +¥118: the total -¥542 reflects the channel mix;" in \
        dv.finding(d, "en")


def test_no_mix_clause_when_signs_agree(d):
    assert "渠道结构" not in dv.finding(d, "zh") and "mix" not in dv.finding(d, "en")


def test_decline_is_worded_as_a_decline(tmp_path):
    # swap the years: GMV 3400 -> 2800 (−600); 直播 2700 -> 2000 (−700) is 117 % of the decline
    swap = {"2025-05-10": "2026-05-10", "2026-05-10": "2025-05-10"}
    swapped = [(swap.get(r[0], r[0]), *r[1:]) for r in MAIN]
    d = drv.drivers(write(tmp_path / "down", swapped), "2026-Q2")
    assert math.fsum(d.channel_totals) == pytest.approx(-600, abs=1e-9)
    assert d.channel_totals[NEW] == 300 and d.channel_totals[LOST] == -300   # KOL comes back, 短视频 goes
    assert "-17.6%（-¥600）" in dv.finding(d, "zh") and "直播占降幅的117%" in dv.finding(d, "zh")
    assert "直播 accounted for 117% of the decline" in dv.finding(d, "en")


# --- fallbacks and missing data ----------------------------------------------------------------

def test_without_traffic_splits_orders_times_aov(tmp_path):
    # L(3400, 2800) = 3090.298; orders 3090.298 × ln(41/32) = 765.888; AOV −165.888
    # 直播: L(2700, 2000) = 2332.52; orders × ln 1.5 = 945.756, AOV × ln 0.9 = −245.756; 私域 orders −100
    d = drv.drivers(write(tmp_path / "nt", MAIN, traffic=False), "2026-Q2")
    assert d.factors == ("orders", "aov") and d.fallback == "no_traffic" and d.tables == ("orders",)
    e = d.effects.set_index("component")["effect"]
    assert e["orders"] == pytest.approx(765.888, abs=1e-3) and e["aov"] == pytest.approx(-165.888, abs=1e-3)
    assert d.channel_totals["orders"] == pytest.approx(945.756 - 100, abs=1e-3)
    assert math.fsum(d.channel_totals) == pytest.approx(600, abs=1e-9)
    assert "（无流量数据，按订单数×平均订单金额分解）" in dv.finding(d, "zh")
    assert "orders +¥766, AOV -¥166 (no traffic data: split as orders × AOV)" in dv.finding(d, "en")


def test_channel_with_orders_but_no_traffic(tmp_path):
    # 信息流 has orders (1 × 40 -> 2 × 40) but no traffic rows: its +40 goes whole to no_traffic
    extra = [("2025-05-10", "信息流", 0, 1, 40, "家居", "一线城市"), ("2026-05-10", "信息流", 0, 2, 40, "家居", "一线城市")]
    d = drv.drivers(write(tmp_path / "odd", MAIN, extra_orders=extra), "2026-Q2")
    assert d.channel_totals[drv.NO_TRAFFIC] == 40
    assert d.channel_totals["uv"] == pytest.approx(425.2687, abs=1e-4)
    assert math.fsum(d.channel_totals) == pytest.approx(640, abs=1e-9)
    assert math.fsum(d.effects["effect"]) == pytest.approx(640, abs=1e-9)


def test_no_base_year(ds):
    # 2025-Q1 (only the 10 on 2025-01-15): the data start in 2025, so there is no 2024-Q1 to compare with
    d = drv.drivers(ds, "2025-Q1")
    assert d.reason == "no_base" and d.effects is None and d.segments == {}
    assert dv.finding(d, "zh") == "2025年第1季度 GMV ¥10.00；数据未覆盖2024年第1季度，无法分解同比变化。"
    assert dv.waterfall(d, "zh") is None and dv.effects_table(d, "zh") is None


def test_as_of_cuts_the_period(ds):
    d = drv.drivers(ds, "2026-Q2", PLAN, as_of="2026-05-31")
    assert d.span[1].isoformat() == "2026-05-31" and d.base_span[1].isoformat() == "2025-05-31"
    assert d.totals.set_index("metric").loc["gmv", "current"] == 3400          # all orders are on 05-10
    assert d.gap_reason == "period_incomplete" and d.gap_total is None
    assert dv.finding(d, "zh").startswith("2026年第2季度（截至2026年5月31日） GMV ¥3,400，")
    assert dv.finding(d, "en").startswith("Q2 2026 (to 31 May 2026) GMV ¥3.40K, ")
    assert not drv.drivers(ds, "2026-Q2").partial


def test_period_without_data_is_an_error(ds):
    with pytest.raises(ParameterError):
        drv.drivers(ds, "2026-Q4")


# --- against target --------------------------------------------------------------------------

def test_gap_by_channel_and_category(ds):
    # targets per quarter: 直播 3000, 私域 600, KOL 240 -> 3840; actual 3400 -> gap −440, 88.5 %
    # channel gaps: 直播 −300 (90 %), KOL −240 (0 %), 私域 −200 (66.7 %), 短视频 +300 (no target)
    # category: 美妆 3240 -> 2700 (−540), 服饰 600 -> 700 (+100)
    d = drv.drivers(ds, "2026-Q2", PLAN)
    assert d.gap_total == pytest.approx({"target": 3840, "actual": 3400, "gap": -440, "rate": 3400 / 3840})
    g = d.gap["channel"].set_index("segment")
    assert g["change"].to_dict() == {"短视频": 300, "私域": -200, "KOL": -240, "直播": -300}
    assert g.loc["直播", "rate"] == pytest.approx(0.9) and g.loc["KOL", "rate"] == 0
    assert math.isnan(g.loc["短视频", "rate"])
    assert d.gap["category"].set_index("segment")["change"].to_dict() == {"服饰": 100, "美妆": -540}
    # shortfalls −740: 直播 40.5 %, then KOL (73.0 % ≥ 60 %); surplus: 短视频 alone
    assert dv.finding(d, "zh").endswith("；对比目标¥3,840达成88.5%（-¥440），低于目标最多的是直播（-¥300）、KOL（-¥240），"
                                         "高于目标最多的是短视频（+¥300）。")
    assert dv.finding(d, "en").endswith("; against the ¥3.84K target 88.5% achieved (-¥440); furthest below "
                                         "target: 直播 (-¥300), KOL (-¥240); furthest above: 短视频 (+¥300).")


def test_gap_with_scope_and_other_metrics(ds):
    # G-style goal on 直播 only: 3 × 1000 = 3000 vs 2700 -> 90 %; the CAC rows are ignored
    rows = targets([(m, None, None, 1000) for m in MONTHS], scope="channel=直播").drop(columns=["channel", "category"])
    other = rows.assign(metric="cac", target=90.0)
    d = drv.drivers(ds, "2026-Q2", pd.concat([rows, other]))
    assert d.gap_total == pytest.approx({"target": 3000, "actual": 2700, "gap": -300, "rate": 0.9})
    assert d.gap == {}
    assert dv.finding(d, "zh").endswith("；对比目标¥3,000达成90.0%（-¥300）。")


@pytest.mark.parametrize("plan, reason, detail", [
    (None, "no_targets", ""),
    (PLAN.assign(metric="cac"), "no_gmv_targets", ""),
    (PLAN[PLAN["period_bucket"] != "2026-06"], "months_missing", "2026-06"),
])
def test_gap_reasons(ds, plan, reason, detail):
    d = drv.drivers(ds, "2026-Q2", plan)
    assert (d.gap_reason, d.gap_detail, d.gap_total) == (reason, detail, None)
    assert "目标" not in dv.finding(d, "zh")


def test_mixed_scopes_are_refused(ds):
    plan = pd.concat([PLAN, PLAN.assign(scope="channel=直播")])
    with pytest.raises(ParameterError, match="scopes"):
        drv.drivers(ds, "2026-Q2", plan)


# --- tables, charts, show --------------------------------------------------------------------

def test_gap_table(ds):
    # 直播 3000 -> 2700 (90 %), ..., 短视频 no target; total 3840 -> 3400: 88.5 %, −440, 100 %
    g = dv.segment_table(drv.drivers(ds, "2026-Q2", PLAN).gap["channel"], "channel", "en", gap=True)
    assert list(g.columns) == ["Channel", "Target", "Actual", "Achieved", "Gap (actual − target)", "Share of gap"]
    assert g.iloc[-1].tolist() == ["Total", "¥3.84K", "¥3.40K", "88.5%", "-¥440", "100.0%"]
    assert g.set_index("Channel").loc["短视频", "Achieved"] == "—"


def test_tables(d):
    t = dv.effects_table(d, "en")
    assert t.iloc[:, 0].tolist() == ["Unique visitors", "Conversion rate", "Average order value", "GMV"]
    assert t["Effect on GMV"].tolist() == ["+¥653", "+¥113", "-¥166", "+¥600"]
    c = dv.channel_table(d, "zh")
    assert list(c.columns) == ["渠道", "去年同期", "本期", "GMV变化", "流量", "转化率", "平均订单金额", "新增渠道", "流失渠道"]
    assert c.iloc[-1].tolist() == ["合计", "¥2,800", "¥3,400", "+¥600", "+¥425", "+¥420", "-¥246", "+¥300", "-¥300"]
    s = dv.segment_table(d.segments["channel"], "channel", "zh")
    assert s["同比"].tolist() == ["+35.0%", "新增", "-20.0%", "流失", "+21.4%"]
    assert s["增长贡献"].tolist() == ["116.7%", "50.0%", "-16.7%", "-50.0%", "100.0%"]
    assert s.iloc[-1, :2].tolist() == ["合计", "¥2,800"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_render(ds, lang):
    style.apply(lang)
    d = drv.drivers(ds, "2026-Q2", PLAN)
    wf = dv.waterfall(d, lang)
    wf.canvas.draw()
    assert len(wf.axes[0].patches) == 5                     # last year, UV, conversion, AOV, this year
    assert "+¥653" in [t.get_text() for t in wf.axes[0].texts]          # annotations are texts
    ch = dv.waterfall(d, lang, level="channel")
    ch.canvas.draw()
    assert len(ch.axes[0].patches) == 7                     # + new and lost channels (no_traffic is 0: left out)
    for fig in (dv.segment_chart(d, lang), dv.gap_chart(d, lang)):
        fig.canvas.draw()
        assert fig.axes[0].get_title(loc="left")          # the theme puts titles on the left
    assert len(dv.segment_chart(d, lang).axes) == 3 and len(dv.gap_chart(d, lang).axes) == 2


def render_show(d, lang):
    style.apply(lang)
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        dv.show(d, lang)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


def test_show_full_and_missing_parts(ds, tmp_path):
    out = render_show(drv.drivers(ds, "2026-Q2", PLAN), "zh")
    assert "## 驱动因素分析" in out and "<img" in out and "直播" in out and "实际与目标的差距" in out
    out = render_show(drv.drivers(write(tmp_path / "nt", MAIN, traffic=False), "2026-Q2"), "en")
    assert "no traffic table covering both periods" in out
    assert "No targets were given (plan_targets)" in out
    out = render_show(drv.drivers(ds, "2025-Q1"), "en")
    assert "do not cover the same period a year earlier" in out and "<img" not in out


@pytest.mark.parametrize("within_conv, fires", [(-0.5, False), (-1.5, True)])
def test_mix_clause_needs_a_material_difference(within_conv, fires):
    # total effects: UV +100, conversion +1, AOV −1 (change +100); the channel sums give conversion the other sign:
    # |1 − (−0.5)| = 1.5 < 2 % of 100 -> no remark; |1 − (−1.5)| = 2.5 ≥ 2 -> remark
    d = drv.Drivers("2026-Q2", "2025-Q2", pd.Timestamp("2026-08-15").date(), (None, None), (None, None),
                    drv.FACTORS, pd.DataFrame(),
                    effects=pd.DataFrame({"component": list(drv.FACTORS), "effect": [100.0, 1.0, -1.0]}),
                    channel_totals=pd.Series({"uv": 101.0 - within_conv, "conversion_rate": within_conv,
                                              "aov": -1.0}))
    assert (dv._mix_clause(d, "en") != "") is fires


def test_waterfall_axis_starts_at_zero_unless_the_effects_would_be_slivers():
    from attain.drivers_view import _axis_floor
    # levels 100 -> 105 -> 103: the spread 5 is under a quarter of 105, so start at 100 − 1.5 × 5 = 92.5
    assert _axis_floor(100.0, 103.0, [5.0, -2.0]) == 92.5
    # 10 -> 20: the change is half the level, a zero-based axis shows it well
    assert _axis_floor(10.0, 20.0, [10.0]) == 0.0
