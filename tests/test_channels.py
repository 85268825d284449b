"""Channel groups: channels.yaml loading and errors, group shares and conversion from summed parts.

The data folder is written by hand in ``tmp_path``; every expected number is worked out in the
comments. Window: as_of 2026-03-31 with lookback 3 -> Jan, Feb, Mar 2026 (no partial month);
the shift compares Jan–Mar 2026 with Jan–Mar 2025.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from attain import channels, display, i18n, style, viz_mix
from attain.data import load_dataset
from attain.errors import AttainError
from tmpfiles import write

AS_OF = "2026-03-31"

# order_id, customer_id, order_date, gmv, channel   (one row per order except O4: two lines 60 + 40)
ORDERS = """order_id,customer_id,order_date,gmv,channel,category,region
O0,c0,2025-01-01,100,自然搜索,美妆,一线城市
O00,c00,2025-01-02,100,付费搜索,美妆,一线城市
O1,c1,2026-01-06,100,自然搜索,美妆,一线城市
O2,c2,2026-01-07,100,自然搜索,美妆,一线城市
O2b,c2,2026-01-08,100,自然搜索,美妆,一线城市
O3,c3,2026-01-08,300,付费搜索,美妆,一线城市
O4,c4,2026-01-09,60,信息流,美妆,一线城市
O4,c4,2026-01-09,40,信息流,服饰,一线城市
O5,c5,2026-02-06,200,直播,美妆,一线城市
O6,c6,2026-02-07,200,直播,美妆,一线城市
O7,c7,2026-02-08,200,直播,美妆,一线城市
O8,c8,2026-03-06,200,私域,美妆,一线城市
O10,c8,2026-03-08,100,私域,美妆,一线城市
O9,c9,2026-03-07,100,线下,美妆,一线城市
"""
TRAFFIC = """date,channel,uv,pv
2025-01-01,自然搜索,100,300
2025-01-01,付费搜索,300,900
2026-01-05,自然搜索,200,600
2026-01-05,付费搜索,100,300
2026-01-05,信息流,300,900
2026-02-05,直播,400,1200
2026-03-05,私域,100,300
2026-03-05,线下,100,300
"""
# Window (Jan–Mar 2026), by group (线下 is in no group -> "other"):
#   group    channels            uv    gmv   orders  conversion (Σorders/Σuv)
#   natural  自然搜索             200   300   3       0.015
#   paid     付费搜索 + 信息流     400   400   2       2/400 = 0.005  (mean of channel rates would be
#                                                              (1/100 + 1/300)/2 = 0.00667)
#   social   直播                 400   600   3       0.0075
#   private  私域                 100   300   2       0.02
#   other    线下                 100   100   1       0.01
#   total                        1200  1700  11
# UV shares 1/6, 1/3, 1/3, 1/12, 1/12; GMV shares 3/17, 4/17, 6/17 = 35.3%, 3/17, 1/17.
# Base (Jan–Mar 2025): UV natural 100, paid 300 -> 0.25 / 0.75; GMV 100 / 100 -> 0.5 / 0.5.
# UV shifts: natural 1/6 − 1/4 = −1/12; paid 1/3 − 3/4 = −5/12 (−41.7 pp); social +1/3 (+33.3 pp);
#            private +1/12; other +1/12.

GROUPS_YAML = """groups:
  natural: {zh: 自然流量, en: Natural, channels: [自然搜索]}
  paid: {zh: 付费流量, en: Paid, channels: [付费搜索, 信息流]}
  social_content: {zh: 社交内容, en: Social & content, channels: [短视频, 直播, KOL, 社交裂变]}
  private: {zh: 私域, en: Private domain, channels: [私域]}
"""


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return write(tmp_path / "data", **{"orders.csv": ORDERS, "traffic.csv": TRAFFIC})


@pytest.fixture
def groups(tmp_path) -> channels.ChannelGroups:
    return channels.load_channel_groups(write(tmp_path / "plan", **{"channels.yaml": GROUPS_YAML}))


@pytest.fixture
def result(data_dir, groups) -> channels.GroupMix:
    return channels.analyse_groups(load_dataset(data_dir), AS_OF, 3, groups)


# --- channels.yaml ---------------------------------------------------------------------------

def test_project_file_groups_the_eight_sample_channels():
    g = channels.load_channel_groups("data/plan")
    assert [x.id for x in g.groups] == ["natural", "paid", "social_content", "private"]
    expected = {"自然搜索": "natural", "付费搜索": "paid", "信息流": "paid", "短视频": "social_content",
                "直播": "social_content", "KOL": "social_content", "社交裂变": "social_content", "私域": "private"}
    assert {ch: g.group_of(ch) for ch in expected} == expected
    assert g.group_of("线下") == "other"
    assert g.name("social_content", "zh") == "社交内容" and g.name("other", "en") == "Ungrouped"
    segs = channels.load_segments("data/plan")
    assert [(s.id, s.dimension, s.members) for s in segs] == [("lower_tier", "region", ("三线城市", "四线及以下"))]


def test_missing_file_gives_the_default_groups(tmp_path):
    g = channels.load_channel_groups(tmp_path)
    assert g.source is None and g.group_of("信息流") == "paid"
    assert channels.load_segments(tmp_path)[0].members == ("三线城市", "四线及以下")


@pytest.mark.parametrize("text,where,words", [
    ("groups: [a, b", None, "not valid YAML"),
    ("group:\n  paid: {zh: 付费, en: Paid, channels: [付费搜索]}\n", "group", "unknown key"),
    ("groups:\n  paid: {zh: 付费, en: Paid, channels: [付费搜索], colour: red}\n", "groups.paid.colour",
     "unknown key"),
    ("groups:\n  paid: {zh: 付费, channels: [付费搜索]}\n", "groups.paid.en", "missing"),
    ("groups:\n  paid: {zh: 付费, en: Paid, channels: []}\n", "groups.paid.channels", "list"),
    ("groups:\n  paid: {zh: 付费, en: Paid, channels: [付费搜索]}\n"
     "  search: {zh: 搜索, en: Search, channels: [自然搜索, 付费搜索]}\n", "groups.search.channels",
     "'付费搜索' is in two groups: paid and search"),
    ("groups:\n  other: {zh: 其他, en: Other, channels: [线下]}\n", "groups.other", "cannot be an id"),
    ("groups: {}\n", "groups", "at least one group"),
])
def test_channels_yaml_errors_name_the_file_and_the_key(tmp_path, text, where, words):
    write(tmp_path, **{"channels.yaml": text})
    with pytest.raises(AttainError) as info:
        channels.load_channel_groups(tmp_path)
    err = info.value
    assert err.file.endswith("channels.yaml") and words in err.message
    if where:
        assert err.where == where


def test_segments_errors(tmp_path):
    write(tmp_path, **{"channels.yaml": GROUPS_YAML + "segments:\n  low: {zh: 下沉, en: Low, dimension: city, "
                                                      "members: [三线城市]}\n"})
    with pytest.raises(AttainError, match="unknown dimension 'city'") as info:
        channels.load_segments(tmp_path)
    assert info.value.where == "segments.low.dimension"
    channels.load_channel_groups(tmp_path)  # the groups themselves are fine


# --- shares and conversion ---------------------------------------------------------------------

def test_group_totals_are_sums_of_their_channels(result):
    t = result.totals.set_index("group")
    assert list(t.index) == ["natural", "paid", "social_content", "private", "other"]
    assert list(t["uv"]) == [200, 400, 400, 100, 100]
    assert list(t["gmv"]) == pytest.approx([300, 400, 600, 300, 100])
    assert list(t["orders"]) == [3, 2, 3, 2, 1]         # O4's two lines are one order
    assert t.loc["paid", "uv_share"] == pytest.approx(1 / 3)
    assert t.loc["private", "uv_share"] == pytest.approx(1 / 12)
    assert t.loc["social_content", "gmv_share"] == pytest.approx(6 / 17)
    assert t["gmv_share"].sum() == pytest.approx(1.0)


def test_group_conversion_is_summed_orders_over_summed_uv(result):
    t = result.totals.set_index("group")
    assert t.loc["paid", "conversion_rate"] == pytest.approx(2 / 400)
    assert t.loc["paid", "conversion_rate"] != pytest.approx((1 / 100 + 1 / 300) / 2)   # not averaged
    assert t.loc["natural", "conversion_rate"] == pytest.approx(0.015)
    assert t.loc["private", "conversion_rate"] == pytest.approx(0.02)
    c = result.channels.set_index("channel")
    assert c.loc["信息流", "conversion_rate"] == pytest.approx(1 / 300)
    assert c.loc["信息流", "group"] == "paid" and c.loc["线下", "group"] == "other"
    assert c.loc["信息流", "uv_share"] == pytest.approx(300 / 1200)


def test_monthly_shares(result):
    m = result.monthly.set_index(["month", "group"])
    assert sorted(set(result.monthly["month"])) == ["2026-01", "2026-02", "2026-03"]   # window only
    # January: uv natural 200, paid 400; gmv natural 300, paid 400
    assert m.loc[("2026-01", "paid"), "uv_share"] == pytest.approx(2 / 3)
    assert m.loc[("2026-01", "natural"), "gmv_share"] == pytest.approx(3 / 7)
    assert m.loc[("2026-03", "private"), "gmv_share"] == pytest.approx(0.75)
    cm = result.channel_monthly.set_index(["month", "channel"])
    assert cm.loc[("2026-01", "信息流"), "uv_share"] == pytest.approx(0.5)


def test_shifts_last_three_months_vs_a_year_earlier(result):
    sh = result.shifts.set_index("group")
    assert sh.loc["paid", "uv_share_base"] == pytest.approx(0.75)
    assert sh.loc["paid", "uv_shift"] == pytest.approx(-5 / 12)
    assert sh.loc["social_content", "uv_shift"] == pytest.approx(1 / 3)
    assert sh.loc["natural", "uv_shift"] == pytest.approx(-1 / 12)
    assert sh.loc["natural", "gmv_shift"] == pytest.approx(3 / 17 - 0.5)
    assert sh["uv_shift"].sum() == pytest.approx(0.0)


def test_ungrouped_channels_are_named(result):
    assert result.ungrouped == ["线下"]


def test_finding_zh_and_en(result):
    assert channels.finding(result, "zh") == (
        "2026年1月至2026年3月，社交内容带来的GMV最多（占35.3%），UV占33.3%；"
        "近3个月社交内容的UV占比同比+33.3个百分点，付费流量-41.7个百分点；"
        "转化率私域最高（2.00%），付费流量最低（0.50%）。未在channels.yaml中分组的渠道：线下。")
    assert channels.finding(result, "en") == (
        "Over Jan 2026 – Mar 2026, Social & content brought the most GMV (35.3%) and 33.3% of UV; "
        "in the last 3 months Social & content gained +33.3 pp of UV year on year and Paid -41.7 pp; "
        "conversion is highest in Private domain (2.00%) and lowest in Paid (0.50%). "
        "Channels not grouped in channels.yaml: 线下.")


def test_shifts_are_skipped_when_the_data_do_not_reach_back(tmp_path, groups):
    folder = write(tmp_path / "short", **{
        "orders.csv": "\n".join(ORDERS.splitlines()[:1] + ORDERS.splitlines()[3:]) + "\n",
        "traffic.csv": "\n".join(TRAFFIC.splitlines()[:1] + TRAFFIC.splitlines()[3:]) + "\n"})
    r = channels.analyse_groups(load_dataset(folder), AS_OF, 3, groups)
    assert r.shifts is None
    assert "近3个月" not in channels.finding(r, "zh")


# --- without traffic -------------------------------------------------------------------------

def test_without_traffic_uv_and_conversion_are_skipped_gmv_shares_stay(data_dir, groups):
    (data_dir / "traffic.csv").unlink()
    r = channels.analyse_groups(load_dataset(data_dir), AS_OF, 3, groups)
    assert not r.has_traffic and "uv_share" not in r.totals and "conversion_rate" not in r.totals
    assert r.totals.set_index("group").loc["social_content", "gmv_share"] == pytest.approx(6 / 17)
    # GMV shifts: paid 4/17 now vs 0.5 a year earlier -> -26.5 pp; natural 3/17 - 1/2 = -11/34 -> -32.4 pp
    # (the largest loss); social 6/17 - 0 -> +35.3 pp
    assert r.shifts.set_index("group").loc["paid", "gmv_shift"] == pytest.approx(4 / 17 - 0.5)
    zh = channels.finding(r, "zh")
    assert "（占35.3%）；近3个月社交内容的GMV占比同比+35.3个百分点，自然流量-32.4个百分点" in zh
    assert zh.endswith("没有流量表（traffic），UV占比与各分组转化率未计算；GMV占比照常列出。")
    assert "No traffic table" in channels.finding(r, "en")
    shown = render_show(r, "en")
    assert "No traffic table" in shown and "Share of GMV" in shown


# --- display ---------------------------------------------------------------------------------

def render_show(r, lang: str) -> str:
    style.apply(lang)
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        channels.show(r, lang)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


def test_tables_and_show(result):
    t = viz_mix.totals_table(result, "zh")
    assert list(t.iloc[:, 0]) == ["自然流量", "付费流量", "社交内容", "私域", "未分组"]
    assert t.iloc[1, 1] == "付费搜索、信息流" and t.iloc[4, 1] == "线下"
    assert list(t["转化率"]) == ["1.50%", "0.50%", "0.75%", "2.00%", "1.00%"]
    sh = viz_mix.shifts_table(result, "en")
    assert sh.iloc[1].tolist()[-3:] == ["23.5%", "50.0%", "-26.5 pp"]       # paid GMV share
    html = render_show(result, "zh")
    assert "渠道分组：流量与GMV结构" in html and "<img src='data:image/png;base64," in html


def test_show_escapes_channel_names(data_dir, groups):
    (data_dir / "orders.csv").write_text(ORDERS.replace("线下", "<b>线下</b>"), encoding="utf-8")
    r = channels.analyse_groups(load_dataset(data_dir), AS_OF, 3, groups)
    html = render_show(r, "zh")
    assert "<b>线下</b>" not in html and "&lt;b&gt;线下&lt;/b&gt;" in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_group_share_chart_renders(result, lang):
    style.apply(lang)
    fig = viz_mix.group_shares(result, lang)
    fig.canvas.draw()   # glyph warnings are errors (pyproject)
    axes = fig.axes
    assert axes[0].get_title(loc="left") == i18n.t("vizmix.group_shares", lang)
    assert [a.get_ylabel() for a in axes[:2]] == [i18n.t("chart.share_uv", lang), i18n.t("chart.share_gmv", lang)]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert set(legend) == {result.groups.name(g, lang) for g in result.totals["group"]}


def test_group_share_chart_without_traffic_has_one_panel(data_dir, groups):
    (data_dir / "traffic.csv").unlink()
    style.apply("zh")
    fig = viz_mix.group_shares(channels.analyse_groups(load_dataset(data_dir), AS_OF, 3, groups), "zh")
    fig.canvas.draw()
    assert [a.get_ylabel() for a in fig.axes] == ["GMV占比"]


def test_sample_data_is_fully_grouped(sample_dir):
    g = channels.analyse_groups(load_dataset(sample_dir), "2026-08-15", 24, channels.load_channel_groups("data/plan"))
    assert g.ungrouped == [] and g.totals["uv_share"].sum() == pytest.approx(1.0)
