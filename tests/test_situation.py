"""Situation analysis on small hand-made frames; every expected value is worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from attain import display, i18n, situation, timegrain
from attain.situation import Situation, Window

D = dt.date


# --- calendar ---------------------------------------------------------------------------

def test_window_ends_with_the_last_full_month_and_flags_the_partial_one():
    w = situation.month_window("2026-08-15", 24)
    assert w.months[0] == "2024-08" and w.months[-1] == "2026-07" and len(w.months) == 24
    assert w.partial_month == "2026-08"
    assert (w.start, w.end, w.mtd_start) == (D(2024, 8, 1), D(2026, 7, 31), D(2026, 8, 1))
    assert w.last(3) == ["2026-05", "2026-06", "2026-07"]


def test_window_on_a_month_end_has_no_partial_month():
    w = situation.month_window(D(2026, 7, 31), 3)
    assert w.months == ("2026-05", "2026-06", "2026-07")
    assert w.partial_month is None and w.mtd_start is None


@pytest.mark.parametrize("label,n,expected", [("2026-01", -1, "2025-12"), ("2025-12", 1, "2026-01"),
                                              ("2026-07", -12, "2025-07"), ("2026-03", -27, "2023-12")])
def test_shift_month(label, n, expected):
    assert timegrain.shift_month(label, n) == expected


def test_shift_day_clips_to_shorter_months():
    assert timegrain.shift_day(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert timegrain.shift_day(D(2024, 2, 29), -12) == D(2023, 2, 28)
    assert timegrain.shift_day(D(2026, 8, 15), -12) == D(2025, 8, 15)


@pytest.mark.parametrize("as_of,expected", [(D(2026, 8, 15), "2026-Q2"), (D(2026, 6, 30), "2026-Q2"),
                                            (D(2026, 6, 29), "2026-Q1"), (D(2026, 1, 1), "2025-Q4")])
def test_last_full_quarter(as_of, expected):
    assert timegrain.last_full_quarter(as_of) == expected


def test_quarter_bounds():
    assert timegrain.quarter_bounds("2026-Q2") == (D(2026, 4, 1), D(2026, 6, 30))
    assert timegrain.quarter_bounds("2025-Q4") == (D(2025, 10, 1), D(2025, 12, 31))


# --- growth -------------------------------------------------------------------------------

def monthly_frame() -> pd.DataFrame:
    # 2025-06 is missing on purpose; 2025-08 has zero GMV
    return pd.DataFrame({
        "month": ["2025-07", "2025-08", "2026-06", "2026-07", "2026-08"],
        "gmv": [100.0, 0.0, 150.0, 120.0, 60.0],
        "orders": [10, 0, 12, 12, 5],
    })


def test_add_growth_matches_months_by_label():
    g = situation.add_growth(monthly_frame(), ["gmv", "orders"]).set_index("month")
    assert g.loc["2026-07", "gmv_yoy"] == pytest.approx(120 / 100 - 1)      # +20%
    assert g.loc["2026-07", "gmv_mom"] == pytest.approx(120 / 150 - 1)      # -20%
    assert g.loc["2026-07", "orders_yoy"] == pytest.approx(0.2)
    assert math.isnan(g.loc["2026-06", "gmv_yoy"])                          # 2025-06 missing
    assert math.isnan(g.loc["2026-08", "gmv_yoy"])                          # base is zero
    assert g.loc["2026-08", "gmv_mom"] == pytest.approx(60 / 120 - 1)
    assert math.isnan(g.loc["2025-07", "gmv_mom"])


def test_add_growth_by_group():
    f = pd.DataFrame({"month": ["2025-07", "2025-07", "2026-07", "2026-07"], "channel": ["A", "B", "A", "B"],
                      "gmv": [10.0, 40.0, 15.0, 30.0]})
    g = situation.add_growth(f, ["gmv"], by=["channel"]).set_index(["month", "channel"])
    assert g.loc[("2026-07", "A"), "gmv_yoy"] == pytest.approx(0.5)
    assert g.loc[("2026-07", "B"), "gmv_yoy"] == pytest.approx(-0.25)


def test_growth_edge_cases():
    assert situation.growth(118.2, 100) == pytest.approx(0.182)
    assert math.isnan(situation.growth(10, 0))
    assert math.isnan(situation.growth(None, 10))
    assert math.isnan(situation.growth(10, float("nan")))


def test_overview_table_flags_the_partial_month_and_uses_like_for_like_growth():
    window = situation.month_window("2026-08-15", 2)          # 2026-06, 2026-07 + partial 2026-08
    monthly = pd.DataFrame({"month": ["2025-07", "2025-08", "2026-06", "2026-07", "2026-08"],
                            "gmv": [100.0, 200.0, 150.0, 120.0, 60.0]})
    mtd = pd.DataFrame({"gmv": [60.0, 50.0, 48.0]}, index=["current", "last_year", "prev_month"])
    t = situation.overview_table(monthly, window, mtd)
    assert list(t["month"]) == ["2026-06", "2026-07", "2026-08"]
    assert list(t["partial"]) == [False, False, True]
    row = t.set_index("month").loc["2026-08"]
    assert row["gmv_yoy"] == pytest.approx(60 / 50 - 1)     # same days last year, not the whole month (-70%)
    assert row["gmv_mom"] == pytest.approx(60 / 48 - 1)
    assert t.set_index("month").loc["2026-07", "gmv_yoy"] == pytest.approx(0.2)


def test_complete_months_fills_additive_measures_only():
    f = pd.DataFrame({"month": ["2026-01", "2026-03"], "gmv": [10.0, 30.0], "aov": [5.0, 6.0]})
    c = situation.complete_months(f, ["2026-01", "2026-02", "2026-03"]).set_index("month")
    assert c.loc["2026-02", "gmv"] == 0 and math.isnan(c.loc["2026-02", "aov"])


def test_compare_quarters():
    c = situation.compare({"gmv": 120.0, "orders": 8}, {"gmv": 100.0, "orders": 10}, ["gmv", "orders"])
    c = c.set_index("metric")
    assert c.loc["gmv", "change"] == 20 and c.loc["gmv", "growth"] == pytest.approx(0.2)
    assert c.loc["orders", "growth"] == pytest.approx(-0.2)


# --- shares and contribution --------------------------------------------------------------

def channel_frame() -> pd.DataFrame:
    rows = []
    # (month, channel, uv, gmv)
    for m, values in {"2025-05": (60, 40, 300, 100), "2025-06": (60, 40, 300, 100),
                      "2026-05": (50, 50, 200, 200), "2026-06": (40, 60, 100, 300)}.items():
        rows += [(m, "自然搜索", values[0], values[2]), (m, "直播", values[1], values[3])]
    return pd.DataFrame(rows, columns=["month", "channel", "uv", "gmv"])


def test_shares_sum_to_one_per_month():
    s = situation.add_shares(channel_frame(), ["uv", "gmv"])
    sums = s.groupby("month")[["uv_share", "gmv_share"]].sum()
    assert (sums.round(12) == 1.0).all().all()
    live = s[(s["month"] == "2026-06") & (s["channel"] == "直播")].iloc[0]
    assert live["uv_share"] == pytest.approx(0.6) and live["gmv_share"] == pytest.approx(0.75)


def test_shares_over_all_rows():
    s = situation.add_shares(pd.DataFrame({"channel": ["A", "B"], "uv": [30, 10]}), ["uv"], period=None)
    assert list(s["uv_share"]) == [0.75, 0.25]


def test_share_shifts_use_summed_values_against_the_same_months_a_year_earlier():
    sh = situation.share_shifts(channel_frame(), ["2026-05", "2026-06"]).set_index("channel")
    # UV of 直播: recent (50+60)/(100+100) = 0.55; a year earlier (40+40)/200 = 0.40
    assert sh.loc["直播", "uv_share_recent"] == pytest.approx(0.55)
    assert sh.loc["直播", "uv_share_base"] == pytest.approx(0.40)
    assert sh.loc["直播", "uv_shift"] == pytest.approx(0.15)
    # GMV of 直播: recent 500/800 = 0.625, not the mean of monthly shares (0.5+0.75)/2
    assert sh.loc["直播", "gmv_share_recent"] == pytest.approx(0.625)
    assert sh["uv_shift"].sum() == pytest.approx(0.0)
    assert list(sh.index) == ["直播", "自然搜索"]  # largest gain first


def test_growth_contribution_is_change_over_total_change():
    cur = pd.Series({"直播": 150.0, "私域": 90.0, "KOL": 20.0})
    base = pd.Series({"直播": 100.0, "私域": 100.0})        # KOL is new
    c = situation.growth_contribution(cur, base).set_index("channel")
    # total change = +50 - 10 + 20 = +60
    assert c.loc["直播", "contribution"] == pytest.approx(50 / 60)
    assert c.loc["私域", "contribution"] == pytest.approx(-10 / 60)
    assert c.loc["KOL", "contribution"] == pytest.approx(20 / 60)
    assert c["contribution"].sum() == pytest.approx(1.0)
    assert c.loc["直播", "growth"] == pytest.approx(0.5)
    assert math.isnan(c.loc["KOL", "growth"])
    assert list(c.index) == ["直播", "KOL", "私域"]


def test_growth_contribution_when_nothing_changed():
    c = situation.growth_contribution(pd.Series({"A": 1.0, "B": 2.0}), pd.Series({"A": 2.0, "B": 1.0}))
    assert c["contribution"].isna().all()


# --- formatting -------------------------------------------------------------------------------

@pytest.mark.parametrize("value,lang,expected", [
    (123_000_000, "zh", "¥1.23亿"), (45_600_000, "zh", "¥4,560万"), (123_456, "zh", "¥12.3万"),
    (256.4, "zh", "¥256"), (1.234, "zh", "¥1.23"), (0, "zh", "¥0"), (-45_600_000, "zh", "-¥4,560万"),
    (99_996_000, "zh", "¥1.00亿"), (1_230_000_000, "en", "¥1.23B"), (45_600_000, "en", "¥45.6M"),
    (4_560, "en", "¥4.56K"), (float("nan"), "zh", "—"), (None, "en", "—"),
])
def test_fmt_money(value, lang, expected):
    assert i18n.fmt_money(value, lang) == expected


def test_percentages_and_points():
    assert i18n.fmt_growth(0.182) == "+18.2%"
    assert i18n.fmt_growth(-0.05) == "-5.0%"
    assert i18n.fmt_growth(-0.00001) == "+0.0%"
    assert i18n.fmt_pct(0.0597, decimals=2) == "5.97%"
    assert i18n.fmt_pp(0.023, "zh") == "+2.3个百分点"
    assert i18n.fmt_pp(-0.021, "en") == "-2.1 pp"
    assert i18n.fmt_growth(float("nan")) == "—"


def test_counts_dates_and_periods():
    assert i18n.fmt_count(123_456, "zh") == "12.3万"
    assert i18n.fmt_count(123_456, "en") == "123K"
    assert i18n.fmt_count(1_234, "zh") == "1,234"
    assert i18n.fmt_month("2026-07", "zh") == "2026年7月" and i18n.fmt_month("2026-07", "en") == "Jul 2026"
    assert i18n.fmt_quarter("2026-Q2", "zh") == "2026年第2季度" and i18n.fmt_quarter("2026-Q2", "en") == "Q2 2026"
    assert i18n.fmt_day_span(D(2026, 8, 1), D(2026, 8, 15), "zh") == "8月1日至15日"
    assert i18n.fmt_tick(15_000_000, 20_000_000, "zh", money=True) == "¥1,500万"
    assert i18n.fmt_tick(5_000, 40_000, "en") == "5K"


def test_t_fills_templates_and_refuses_unknown_languages():
    assert i18n.t("chart.source", "zh", tables="orders", as_of="2026-08-15") == "数据来源：orders，截至 2026-08-15"
    with pytest.raises(i18n.ParameterError):
        i18n.t("chart.source", "fr")
    assert set(i18n.LANGS) == {"zh", "en"}
    assert all(set(v) == {"zh", "en"} for v in i18n.STRINGS.values())


def test_metric_names_come_from_the_dictionary():
    from attain.metrics import METRICS

    assert i18n.metric_name("gmv_per_buyer", "zh") == METRICS["gmv_per_buyer"].zh == "客单价"
    assert i18n.metric_name("gmv", "en") == METRICS["gmv"].en


# --- headlines and tables on a hand-built Situation ---------------------------------------------

def hand_situation() -> Situation:
    window = Window(D(2026, 8, 15), tuple(timegrain.month_range("2025-08", "2026-07")), "2026-08",
                    D(2025, 8, 1), D(2026, 7, 31))
    months = timegrain.month_range("2024-08", "2026-07")
    history = pd.DataFrame({"month": months, "gmv": [1_000_000.0] * 12 + [1_200_000.0] * 12,
                            "orders": [100] * 24, "buyers": [90] * 24, "aov": [10_000.0] * 12 + [12_000.0] * 12,
                            "gmv_per_buyer": [11_000.0] * 24})
    overview = situation.overview_table(pd.concat([history, pd.DataFrame(
        {"month": ["2026-08"], "gmv": [500_000.0], "orders": [40], "buyers": [38], "aov": [12_500.0],
         "gmv_per_buyer": [13_000.0]})]), window,
        pd.DataFrame({m: [500_000.0, 400_000.0, 600_000.0] for m in situation.OVERVIEW_METRICS},
                     index=["current", "last_year", "prev_month"]))
    # last 12 months 14.4M vs 12M before: +2.4M, of which 直播 +1.8M (75%)
    contribution = situation.growth_contribution(pd.Series({"直播": 7_800_000.0, "私域": 6_600_000.0}),
                                                 pd.Series({"直播": 6_000_000.0, "私域": 6_000_000.0}))
    channels = pd.DataFrame({"channel": ["直播", "私域", "<b>KOL</b>"], "uv": [1000, 500, 100],
                             "gmv": [7.8e6, 6.6e6, 1e5], "orders": [30, 40, 1], "conversion_rate": [0.03, 0.08, 0.01],
                             "uv_share": [0.625, 0.3125, 0.0625], "gmv_share": [0.5, 0.45, 0.05]})
    shifts = pd.DataFrame({"channel": ["直播", "私域"], "uv_share_recent": [0.6, 0.4], "uv_share_base": [0.5, 0.5],
                           "uv_shift": [0.1, -0.1]})
    return Situation(window=window, overview=overview, history=history, mtd=None, quarter=None,
                     channels=channels, total_conversion=0.044, shifts=shifts, contribution=contribution,
                     trailing=("2025-08", "2026-07"), has_traffic=True)


def test_headlines_zh_are_built_from_the_numbers():
    lines = situation.headline_findings(hand_situation(), "zh")
    assert lines[0] == ("近12个月（2025年8月至2026年7月）GMV ¥1,440万，同比+20.0%。"
                        "直播贡献了增长的75%（+¥180万）。")
    assert "2026年7月 GMV ¥120万，同比+20.0%，环比+0.0%。" in lines
    assert "本月至今（8月1日至15日，未满月）GMV ¥50.0万，较去年同期+25.0%。" in lines
    assert any(line.startswith("近3个月UV占比提升最多的是直播（+10.0个百分点）") for line in lines)
    assert any("转化率最高的渠道是私域（8.00%）" in line and "整体4.40%" in line for line in lines)


def test_headlines_en_and_decline_wording():
    s = hand_situation()
    s.contribution = situation.growth_contribution(pd.Series({"直播": 5e6, "私域": 6e6}),
                                                   pd.Series({"直播": 6e6, "私域": 6e6}))
    first = situation.headline_findings(s, "en")[0]
    assert first.startswith("GMV over the last 12 months (Aug 2025 – Jul 2026) was ¥11.0M, -8.3% year on year.")
    assert "The decline came mostly from 直播: 100% of it (-¥1.00M)." in first


def test_tables_escape_data_and_drop_the_index():
    s = hand_situation()
    html = display.table_html(display.channel_table(s, "en"))
    assert "<b>KOL</b>" not in html and "&lt;b&gt;KOL&lt;/b&gt;" in html
    t = display.channel_table(s, "zh")
    assert list(t.iloc[-1])[:1] == ["合计"]
    assert t.columns[0] == "渠道"
    box = display.headlines_html(["<script>x</script>"], "zh", as_of="2026-08-15")
    assert "<script>" not in box and "结论摘要" in box


def test_overview_table_marks_partial_month_in_the_label():
    t = display.overview_table(hand_situation(), "zh")
    assert t.iloc[0, 0] == "2026年8月（月至今）"
    assert t.iloc[1, 0] == "2026年7月"


def test_analyse_on_the_small_fixture_data():
    """End to end through load_dataset/compute on a tiny folder (orders 2026-01-05..2026-04-30)."""
    from attain.data import load_dataset

    ds = load_dataset("tests/fixtures/data/small")
    s = situation.analyse(ds, "2026-04-15", 3)
    assert list(s.overview["month"]) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert list(s.overview["partial"]) == [False, False, False, True]
    assert s.overview.set_index("month").loc["2026-03", "orders"] == 0
    assert s.overview["gmv"].isna().iloc[0]            # January is only partly covered by the data
    assert s.channels["uv_share"].sum() == pytest.approx(1.0)
    assert s.channels["gmv_share"].sum() == pytest.approx(1.0)
    assert s.contribution is None and s.quarter_compare is None   # too little history
    lines = situation.headline_findings(s, "zh")
    assert not any("近12个月" in line for line in lines)
    assert "2026年3月 GMV ¥0，同比—，环比-100.0%。" in lines        # a month without orders is zero
    assert any(line.startswith("本月至今（4月1日至15日，未满月）GMV ¥") for line in lines)


@pytest.mark.parametrize("as_of", ["2019-06-30", "2026-05-01"])
def test_analyse_refuses_an_as_of_outside_the_data(as_of):
    from attain.data import load_dataset
    from attain.errors import ParameterError

    with pytest.raises(ParameterError, match=as_of):
        situation.analyse(load_dataset("tests/fixtures/data/small"), as_of, 3)
