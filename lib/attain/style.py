"""One place for the look of every chart: seaborn theme, CJK font, colours.

Call ``apply(lang)`` once at the top of a notebook (never ``sns.set_theme`` directly:
seaborn's theme resets ``font.family``/``font.sans-serif`` and would drop the CJK font).

Colours are fixed per meaning so a reader sees the same colour for the same thing in
every chart: ``CHANNEL_COLORS`` for the marketing channels, ``STATUS_COLORS`` for the
status of a goal, ``SERIES_COLORS`` for this period / last year.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

from attain.errors import AttainError
from attain.i18n import check_lang

#: Font families in order of preference; the first installed CJK one is used.
CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei")
FALLBACK_FAMILY = "DejaVu Sans"

#: Where Debian/Ubuntu packages put those fonts (used to detect a stale font cache).
KNOWN_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)

INSTALL_HINT = (
    "install a CJK font, e.g. `sudo apt-get install fonts-noto-cjk` (Debian/Ubuntu; or "
    "fonts-wqy-microhei), then clear matplotlib's font cache with `rm -rf ~/.cache/matplotlib` "
    "and restart the kernel"
)

CHANNEL_COLORS: dict[str, str] = {
    "自然搜索": "#4C72B0",  # blue
    "付费搜索": "#55A8D8",  # light blue
    "信息流": "#DD8452",    # orange
    "短视频": "#8172B3",    # purple
    "直播": "#C44E52",      # red
    "社交裂变": "#55A868",  # green
    "私域": "#937860",      # brown
    "KOL": "#DA8BC3",       # pink
}
_EXTRA_COLORS = ("#8C8C8C", "#CCB974", "#64B5CD", "#4D4D4D", "#B07AA1", "#76B7B2")

STATUS_COLORS: dict[str, str] = {
    "achieved": "#2E7D32",   # dark green
    "on_track": "#66BB6A",   # green
    "at_risk": "#F9A825",    # amber
    "off_track": "#C62828",  # red
    "no_data": "#9E9E9E",    # grey
}

SERIES_COLORS: dict[str, str] = {
    "current": "#1F4E79",    # this period
    "previous": "#A6A6A6",   # last year / comparison
    "partial": "#7FA7CC",    # month to date
    "accent": "#C44E52",
}

FIGSIZE = (10.0, 4.6)
FIGURE_DPI = 100     # 10 in -> 1000 CSS px in the HTML
SAVEFIG_DPI = 150    # crisp on high-density screens


def channel_color(name: str) -> str:
    """The fixed colour of a channel; unknown channels get a stable colour of their own."""
    if name in CHANNEL_COLORS:
        return CHANNEL_COLORS[name]
    return _EXTRA_COLORS[zlib.crc32(str(name).encode("utf-8")) % len(_EXTRA_COLORS)]


def channel_palette(names) -> dict[str, str]:
    return {n: channel_color(n) for n in names}


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, STATUS_COLORS["no_data"])


def _installed(family: str) -> bool:
    try:
        font_manager.findfont(font_manager.FontProperties(family=family),
                              fallback_to_default=False)
    except ValueError:
        return False
    return True


def _rebuild_font_cache() -> None:
    """Rescan the system fonts, rewrite matplotlib's cache file, update the live manager."""
    fresh = font_manager._load_fontmanager(try_read_cache=False)
    live = font_manager.fontManager
    live.ttflist = fresh.ttflist
    live.afmlist = fresh.afmlist
    live._findfont_cached.cache_clear()


def _add_font_files(files) -> None:
    for f in files:
        if Path(f).is_file():
            font_manager.fontManager.addfont(f)


def find_cjk_family(families=CJK_FAMILIES, font_files=KNOWN_FONT_FILES) -> str:
    """The first installed CJK family.

    If none is known to matplotlib but a font file is on disk, matplotlib's cached font list
    is stale (built before the font was installed): rebuild it and look again.
    Raises ``AttainError`` with installation advice when no CJK font can be found.
    """
    for fam in families:
        if _installed(fam):
            return fam
    on_disk = [f for f in font_files if Path(f).is_file()]
    if on_disk:
        _rebuild_font_cache()
        if not any(_installed(fam) for fam in families):
            _add_font_files(on_disk)  # the file is outside matplotlib's search path
        for fam in families:
            if _installed(fam):
                return fam
    raise AttainError(
        f"no CJK font found for charts (looked for {', '.join(families)}); Chinese labels "
        "would render as empty boxes", hint=INSTALL_HINT)


def rc_params(cjk_families: list[str]) -> dict[str, object]:
    """The matplotlib settings applied on top of the seaborn theme."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [*cjk_families, FALLBACK_FAMILY],
        "axes.unicode_minus": False,  # U+2212 is a gap in per-glyph fallback in tick labels
        "text.parse_math": False,     # labels come from data: "$5M → $7M" is text, not TeX (nor a crash)
        "figure.figsize": FIGSIZE,
        "figure.dpi": FIGURE_DPI,
        "savefig.dpi": SAVEFIG_DPI,
        "savefig.bbox": "tight",
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def apply(lang: str = "zh") -> str:
    """Set the seaborn theme, then the CJK font settings; return the CJK family used.

    The CJK font is needed in both languages: channel and category names in the data are
    Chinese. Only installed families are listed, so matplotlib logs no "family not found".
    """
    check_lang(lang)
    import seaborn as sns

    primary = find_cjk_family(CJK_FAMILIES, KNOWN_FONT_FILES)
    families = [primary] + [f for f in CJK_FAMILIES if f != primary and _installed(f)]
    rc = rc_params(families)
    sns.set_theme(context="notebook", style="whitegrid", palette="deep", rc=rc)
    mpl.rcParams.update(rc)  # again after seaborn, in case a seaborn version ignores rc fonts
    return primary
