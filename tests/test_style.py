"""Chart style: CJK text renders with a real font, in every chart string we use.

pyproject turns "Glyph ... missing from font" warnings into errors; these tests also record
warnings explicitly, so they fail even where that configuration is not active, and a negative
control proves the check can fail at all.
"""

from __future__ import annotations

import re
import warnings

import matplotlib as mpl
import pytest
import seaborn as sns
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from attain import goal_report, i18n, situation_report, style
from attain.errors import AttainError
from attain.metrics import METRICS

# the two report modules import every section module, so all their texts are registered here
assert situation_report and goal_report

CHANNELS = ["自然搜索", "付费搜索", "信息流", "短视频", "直播", "社交裂变", "私域", "KOL"]
CATEGORIES = ["美妆", "服饰", "3C数码", "家居", "食品"]
REGIONS = ["一线城市", "新一线城市", "二线城市", "三线城市", "四线及以下"]
GLYPH = "missing from font"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def chinese_strings() -> list[str]:
    """Every Chinese string a chart may show: i18n texts, metric names, dimension values, numbers."""
    texts = [v["zh"] for v in i18n.STRINGS.values()]
    texts += [m.zh for m in METRICS.values()] + [m.definition_zh for m in METRICS.values()]
    texts += CHANNELS + CATEGORIES + REGIONS
    texts += [i18n.fmt_money(123_456_789, "zh"), i18n.fmt_money(-45_600_000, "zh"), i18n.fmt_pp(-0.023, "zh"),
              i18n.fmt_month("2026-07", "zh"), i18n.fmt_quarter("2026-Q2", "zh"),
              i18n.fmt_tick(15_000_000, 20_000_000, "zh", money=True)]
    return texts


def render(fig: Figure) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [w for w in caught if GLYPH in str(w.message)]


def figure_with(texts: list[str]) -> Figure:
    """A figure whose title, axis labels, tick labels, legend and free text use ``texts``."""
    fig = Figure(figsize=(12, 2 + 0.25 * len(texts)))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_title(texts[0])
    ax.set_xlabel(texts[1 % len(texts)])
    ax.set_ylabel(texts[2 % len(texts)])
    ticks = list(range(len(texts)))
    ax.set_yticks(ticks, texts)
    ax.set_xticks([0, 1, 2], CHANNELS[:3])
    ax.barh(ticks, [1] * len(texts), label=texts[-1])
    ax.plot([0, 1], [0, -1], label="-5.0%")  # a negative number in the ticks (unicode minus gap)
    ax.legend()
    fig.text(0, 0, " ".join(texts[:5]))
    return fig


@pytest.fixture
def styled():
    with mpl.rc_context():
        yield style.apply("zh")


def test_apply_sets_cjk_font_after_the_seaborn_theme(styled):
    assert styled in style.CJK_FAMILIES
    assert mpl.rcParams["font.sans-serif"][0] == styled
    assert mpl.rcParams["font.sans-serif"][-1] == "DejaVu Sans"
    assert mpl.rcParams["axes.unicode_minus"] is False
    assert mpl.rcParams["axes.grid"] is True  # seaborn whitegrid is on, and did not wipe the font
    path = font_manager.findfont(font_manager.FontProperties(family=styled), fallback_to_default=False)
    assert "DejaVu" not in str(path)


def test_noto_sans_cjk_sc_is_used_when_installed(styled):
    assert styled == "Noto Sans CJK SC"


def test_every_chinese_string_renders_without_missing_glyphs(styled):
    texts = chinese_strings()
    assert all(CJK.search(t) for t in CHANNELS[:-1] + CATEGORIES)
    assert render(figure_with(texts)) == []


def test_english_charts_still_render_chinese_data_values():
    with mpl.rc_context():
        style.apply("en")
        texts = [v["en"] for v in i18n.STRINGS.values()][:40] + CHANNELS + CATEGORIES
        assert render(figure_with(texts)) == []


def test_negative_control_dejavu_alone_misses_cjk_glyphs():
    """Proves the check above can fail: DejaVu Sans has no CJK glyphs."""
    with mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        missing = render(figure_with(["直播 GMV 同比"]))
    assert missing, "rendering CJK with DejaVu Sans alone must warn about missing glyphs"
    assert "DejaVu Sans" in str(missing[0].message)


def test_seaborn_theme_alone_would_drop_the_cjk_font():
    """Why apply() sets the font after the theme: set_theme resets font.sans-serif."""
    with mpl.rc_context():
        style.apply("zh")
        sns.set_theme(style="whitegrid")
        assert "Noto Sans CJK SC" not in mpl.rcParams["font.sans-serif"]


def test_no_cjk_font_raises_with_install_advice():
    with pytest.raises(AttainError) as info:
        style.find_cjk_family(("No Such CJK Font",), ())
    text = str(info.value)
    assert "apt-get install fonts-noto-cjk" in text
    assert "~/.cache/matplotlib" in text


def test_apply_fails_loudly_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(style, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(style, "KNOWN_FONT_FILES", ())
    with mpl.rc_context(), pytest.raises(AttainError):
        style.apply("zh")


def test_stale_font_cache_is_rebuilt_when_the_font_file_exists(monkeypatch, tmp_path):
    """A cache built before fonts-noto-cjk was installed lacks the font: rebuild and find it."""
    fm = font_manager.fontManager
    stale = [f for f in fm.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(fm, "ttflist", stale)
    monkeypatch.setattr(mpl, "get_cachedir", lambda: str(tmp_path))  # write the new cache here
    fm._findfont_cached.cache_clear()
    try:
        assert "CJK" not in str(fm.findfont("Noto Sans CJK SC", rebuild_if_missing=False))
        on_disk = [f for f in style.KNOWN_FONT_FILES if __import__("os").path.isfile(f)]
        assert on_disk, "this test needs the Debian fonts-noto-cjk file"
        assert style.find_cjk_family(style.CJK_FAMILIES, style.KNOWN_FONT_FILES) == "Noto Sans CJK SC"
        assert any(p.name.startswith("fontlist") for p in tmp_path.iterdir())
    finally:
        fm._findfont_cached.cache_clear()


def test_unknown_language_is_refused():
    with pytest.raises(AttainError):
        style.apply("fr")


def test_channel_colours_are_fixed_and_distinct():
    colours = [style.channel_color(c) for c in CHANNELS]
    assert len(set(colours)) == len(CHANNELS)
    assert style.channel_color("直播") == style.CHANNEL_COLORS["直播"]
    assert style.channel_color("新渠道") == style.channel_color("新渠道")  # stable for unknown ones
    assert style.channel_palette(["KOL", "私域"]) == {"KOL": style.CHANNEL_COLORS["KOL"],
                                                    "私域": style.CHANNEL_COLORS["私域"]}


def test_status_colours_are_distinct_and_have_names():
    assert len(set(style.STATUS_COLORS.values())) == len(style.STATUS_COLORS)
    for status in style.STATUS_COLORS:
        assert i18n.t(f"status.{status}", "zh") and i18n.t(f"status.{status}", "en")
    assert style.status_color("nonsense") == style.STATUS_COLORS["no_data"]
