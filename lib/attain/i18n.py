"""Words and numbers in Chinese (``zh``) and English (``en``).

``t(key, lang, **fmt)`` looks a string up in ``STRINGS`` and fills its ``{placeholders}``.
Metric names are not kept here: they come from the metric dictionary
(``attain.metrics.METRICS[id].zh / .en``) through ``metric_name``.

Number formatting follows each language's habit:

- money: ``¥1.23亿`` / ``¥4,560万`` in Chinese, ``¥123M`` / ``¥45.6K`` in English;
- counts: ``12.3万`` / ``12.3K``;
- growth: a signed percentage ``+18.2%``; share shifts in percentage points.

Missing values (None / NaN) are shown as an em dash.
"""

from __future__ import annotations

import math
from datetime import date

from attain.errors import ParameterError

LANGS = ("zh", "en")
MISSING = "—"

STRINGS: dict[str, dict[str, str]] = {
    # report and section titles
    "report.situation": {"zh": "形势分析", "en": "Situation analysis"},
    "report.goal_setting": {"zh": "目标设定", "en": "Goal setting"},
    "report.tracking": {"zh": "进度追踪", "en": "Progress tracking"},
    "report.retrospective": {"zh": "季度复盘", "en": "Quarterly retrospective"},
    "report.subtitle": {"zh": "截至 {as_of} · 回看 {months} 个月",
                        "en": "As of {as_of} · looking back {months} months"},
    "section.headlines": {"zh": "结论摘要", "en": "Key findings"},
    "section.overview": {"zh": "经营概况", "en": "Business overview"},
    "section.overview.monthly": {"zh": "月度经营指标", "en": "Monthly business metrics"},
    "section.overview.quarter": {"zh": "季度对比：{quarter}与去年同期",
                                 "en": "Quarter: {quarter} vs the same quarter last year"},
    "section.traffic": {"zh": "流量结构", "en": "Traffic structure"},
    "section.traffic.window": {"zh": "各渠道流量、GMV占比与转化率（{span}）",
                               "en": "Share of traffic and GMV, and conversion, by channel ({span})"},
    "section.traffic.shifts": {"zh": "占比变化：近3个月与去年同期",
                               "en": "Share shifts: last 3 months vs a year earlier"},
    "section.traffic.contribution": {"zh": "近12个月GMV增长贡献（按渠道）",
                                     "en": "Contribution to GMV growth, last 12 months, by channel"},
    "stub.later": {"zh": "本报告的内容将在后续版本中提供。",
                   "en": "This report's content comes in a later release."},
    "stub.data_range": {"zh": "已加载数据：订单日期 {start} 至 {end}。",
                        "en": "Data loaded: orders from {start} to {end}."},
    "stub.params": {"zh": "期间 {period}，截至 {as_of}", "en": "Period {period}, as of {as_of}"},
    # column headers
    "col.month": {"zh": "月份", "en": "Month"},
    "col.quarter": {"zh": "季度", "en": "Quarter"},
    "col.period": {"zh": "期间", "en": "Period"},
    "col.channel": {"zh": "渠道", "en": "Channel"},
    "col.category": {"zh": "品类", "en": "Category"},
    "col.region": {"zh": "区域", "en": "Region"},
    "col.metric": {"zh": "指标", "en": "Metric"},
    "col.current": {"zh": "本期", "en": "This period"},
    "col.base": {"zh": "去年同期", "en": "Same period last year"},
    "col.change": {"zh": "变化", "en": "Change"},
    "col.growth": {"zh": "同比", "en": "YoY"},
    "col.value": {"zh": "数值", "en": "Value"},
    "col.contribution": {"zh": "增长贡献", "en": "Contribution to growth"},
    "col.last12": {"zh": "近12个月GMV", "en": "GMV, last 12 months"},
    "col.prev12": {"zh": "前12个月GMV", "en": "GMV, 12 months before"},
    "suffix.yoy": {"zh": "同比", "en": "YoY"},
    "suffix.mom": {"zh": "环比", "en": "MoM"},
    "suffix.share": {"zh": "占比", "en": "share"},
    "suffix.shift": {"zh": "占比变化", "en": "share shift"},
    "suffix.recent": {"zh": "近3个月", "en": "last 3 months"},
    "suffix.base": {"zh": "去年同期", "en": "a year earlier"},
    "suffix.contribution": {"zh": "增长贡献", "en": "contribution to growth"},
    "suffix.change": {"zh": "变化额", "en": "change"},
    "flag.partial": {"zh": "（月至今）", "en": " (month to date)"},
    "flag.partial_note": {"zh": "{month}为未满月数据（{start} 至 {end}），同比、环比按相同天数对比。",
                          "en": "{month} is a partial month ({start} to {end}); its YoY and MoM compare "
                                "the same days."},
    "flag.total": {"zh": "合计", "en": "Total"},
    # units (axis labels)
    "unit.cny": {"zh": "元", "en": "CNY"},
    "unit.orders": {"zh": "单", "en": "orders"},
    "unit.people": {"zh": "人", "en": "people"},
    "unit.share": {"zh": "占比", "en": "share"},
    "unit.rate": {"zh": "比率", "en": "rate"},
    # chart titles and labels
    "chart.gmv_yoy": {"zh": "月度GMV与去年同期对比", "en": "Monthly GMV vs the same month last year"},
    "chart.this_year": {"zh": "本期", "en": "This period"},
    "chart.last_year": {"zh": "去年同月", "en": "Same month last year"},
    "chart.orders_aov": {"zh": "订单量与平均订单金额趋势", "en": "Orders and average order value"},
    "chart.share": {"zh": "各渠道占比（按月）", "en": "Channel shares by month"},
    "chart.share_uv": {"zh": "UV占比", "en": "Share of UV"},
    "chart.share_gmv": {"zh": "GMV占比", "en": "Share of GMV"},
    "chart.conversion": {"zh": "各渠道转化率（订单数 ÷ UV）", "en": "Conversion rate by channel (orders ÷ UV)"},
    "chart.source": {"zh": "数据来源：{tables}，截至 {as_of}", "en": "Source: {tables}, as of {as_of}"},
    "chart.partial_excluded": {"zh": "未含未满月 {month}", "en": "partial month {month} not shown"},
    "chart.month": {"zh": "月份", "en": "Month"},
    # headline sentence templates
    "hl.trailing": {"zh": "近12个月（{span}）GMV {gmv}，同比{growth}。",
                    "en": "GMV over the last 12 months ({span}) was {gmv}, {growth} year on year."},
    "hl.trailing_no_base": {"zh": "近12个月（{span}）GMV {gmv}（数据不足，无法计算同比）。",
                            "en": "GMV over the last 12 months ({span}) was {gmv} (too little history for YoY)."},
    "hl.driver_up": {"zh": "{channel}贡献了增长的{share}（{change}）。",
                     "en": "{channel} contributed {share} of the growth ({change})."},
    "hl.driver_down": {"zh": "下降主要来自{channel}，占降幅的{share}（{change}）。",
                       "en": "The decline came mostly from {channel}: {share} of it ({change})."},
    "hl.quarter": {"zh": "{quarter} GMV {gmv}，同比{growth}；订单数{orders}，客单价{gpb}。",
                   "en": "{quarter}: GMV {gmv}, {growth} YoY; orders {orders}, GMV per buyer {gpb}."},
    "hl.month": {"zh": "{month} GMV {gmv}，同比{yoy}，环比{mom}。",
                 "en": "{month}: GMV {gmv}, {yoy} YoY, {mom} MoM."},
    "hl.mtd": {"zh": "本月至今（{span}，未满月）GMV {gmv}，较去年同期{yoy}。",
               "en": "Month to date ({span}, partial): GMV {gmv}, {yoy} vs the same days last year."},
    "hl.mtd_no_base": {"zh": "本月至今（{span}，未满月）GMV {gmv}。", "en": "Month to date ({span}, partial): GMV {gmv}."},
    "hl.shift": {"zh": "近3个月UV占比提升最多的是{up}（{up_pp}），下降最多的是{down}（{down_pp}）。",
                 "en": "Over the last 3 months {up} gained the most share of UV ({up_pp}); "
                       "{down} lost the most ({down_pp})."},
    "hl.conversion": {"zh": "转化率最高的渠道是{best}（{best_rate}），最低的是{worst}（{worst_rate}），整体{total_rate}。",
                      "en": "Conversion is highest in {best} ({best_rate}) and lowest in {worst} ({worst_rate}); "
                            "overall {total_rate}."},
    "hl.no_data": {"zh": "所选期间没有订单数据。", "en": "No orders in the selected period."},
    # goal status (shared colours live in attain.style.STATUS_COLORS)
    "status.achieved": {"zh": "已达成", "en": "Achieved"},
    "status.on_track": {"zh": "进度正常", "en": "On track"},
    "status.at_risk": {"zh": "有风险", "en": "At risk"},
    "status.off_track": {"zh": "落后", "en": "Off track"},
    "status.no_data": {"zh": "无数据", "en": "No data"},
}

# (threshold, suffix) from largest to smallest
_ZH_UNITS = ((1e8, "亿"), (1e4, "万"))
_EN_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "K"))


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ParameterError(f"unknown language {lang!r}", where="lang",
                             hint=f"use one of: {', '.join(LANGS)}")
    return lang


def register(strings: dict[str, dict[str, str]]) -> None:
    """Add a module's own texts (each key with both zh and en); a key may not be defined twice."""
    for key, texts in strings.items():
        if set(texts) != set(LANGS):
            raise ValueError(f"text {key!r} needs exactly {LANGS}, has {sorted(texts)}")
        if key in STRINGS and STRINGS[key] != texts:
            raise ValueError(f"text {key!r} is already defined differently")
        STRINGS[key] = texts


def t(key: str, lang: str, **fmt: object) -> str:
    """The text for ``key`` in ``lang`` with ``{placeholders}`` filled from ``fmt``."""
    check_lang(lang)
    try:
        text = STRINGS[key][lang]
    except KeyError:
        raise KeyError(f"no {lang!r} text for {key!r} in attain.i18n.STRINGS") from None
    return text.format(**fmt) if fmt else text


def metric_name(metric_id: str, lang: str) -> str:
    """The metric's name from the metric dictionary (``METRICS[id].zh`` / ``.en``)."""
    from attain.metrics import METRICS  # the dictionary is the one source of names

    check_lang(lang)
    return getattr(METRICS[metric_id], lang)


def metric_unit(metric_id: str) -> str:
    from attain.metrics import METRICS

    return METRICS[metric_id].unit


def is_missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _decimals(scaled: float) -> int:
    """About three significant digits."""
    a = abs(scaled)
    return 0 if a >= 100 else 1 if a >= 10 else 2


def _compact(x: float, units: tuple[tuple[float, str], ...], small_decimals: int | None) -> str:
    a = abs(x)
    for i, (scale, suffix) in enumerate(units):
        if a >= scale:
            d = _decimals(a / scale)
            text = f"{a / scale:,.{d}f}"
            # 9,999.6万 rounds up to 10,000万: show it in the next unit instead
            if i > 0 and round(a / scale, d) >= units[i - 1][0] / scale:
                prev_scale, prev_suffix = units[i - 1]
                return f"{a / prev_scale:,.{_decimals(a / prev_scale)}f}{prev_suffix}"
            return f"{text}{suffix}"
    d = small_decimals if small_decimals is not None else (0 if a >= 100 or a == 0 else 2)
    return f"{a:,.{d}f}"


def _units(lang: str) -> tuple[tuple[float, str], ...]:
    return _ZH_UNITS if check_lang(lang) == "zh" else _EN_UNITS


def fmt_money(x: object, lang: str) -> str:
    """``¥1.23亿``, ``¥4,560万``, ``¥256`` (zh); ``¥123M``, ``¥45.6K`` (en)."""
    if is_missing(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    return f"{sign}¥{_compact(v, _units(lang), None)}"


def fmt_count(x: object, lang: str) -> str:
    """``12.3万`` (zh), ``12.3K`` (en), ``1,234`` below the first unit."""
    if is_missing(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    sign = "-" if v < 0 else ""
    small = 0 if float(v).is_integer() else 1
    return f"{sign}{_compact(v, _units(lang), small)}"


def fmt_pct(x: object, *, signed: bool = False, decimals: int = 1) -> str:
    """A fraction as a percentage: ``0.182`` -> ``18.2%`` (``+18.2%`` when signed)."""
    if is_missing(x) or math.isinf(float(x)):  # type: ignore[arg-type]
        return MISSING
    v = float(x) * 100  # type: ignore[arg-type]
    if round(v, decimals) == 0:
        v = 0.0  # no "-0.0%"
    sign = "+" if signed and v >= 0 else ""
    return f"{sign}{v:.{decimals}f}%"


def fmt_growth(x: object) -> str:
    return fmt_pct(x, signed=True, decimals=1)


def fmt_pp(x: object, lang: str, decimals: int = 1) -> str:
    """A change of a share in percentage points: ``+2.3个百分点`` / ``+2.3 pp``."""
    if is_missing(x):
        return MISSING
    v = float(x) * 100  # type: ignore[arg-type]
    if round(v, decimals) == 0:
        v = 0.0
    num = f"{'+' if v >= 0 else ''}{v:.{decimals}f}"
    return f"{num}个百分点" if check_lang(lang) == "zh" else f"{num} pp"


def fmt_signed_money(x: object, lang: str) -> str:
    if is_missing(x):
        return MISSING
    text = fmt_money(x, lang)
    return text if text.startswith("-") else f"+{text}"


def fmt_value(x: object, unit: str, lang: str) -> str:
    """Format a metric value by its dictionary unit."""
    if unit == "CNY":
        return fmt_money(x, lang)
    if unit in ("ratio", "percent", "rate", "share"):
        return fmt_pct(x, decimals=2)
    if is_missing(x):
        return MISSING
    v = float(x)  # type: ignore[arg-type]
    if not v.is_integer() and abs(v) < 1000:
        return f"{v:,.2f}"
    return fmt_count(v, lang)


def fmt_tick(x: float, axis_max: float, lang: str, *, money: bool = False) -> str:
    """An axis tick: one unit for the whole axis (chosen by ``axis_max``), no trailing zeros."""
    scale, suffix = 1.0, ""
    for threshold, name in _units(lang):
        if abs(axis_max) >= threshold:
            scale, suffix = threshold, name
            break
    v = float(x) / scale
    text = f"{abs(v):,.2f}".rstrip("0").rstrip(".") if v else "0"
    return f"{'-' if v < 0 else ''}{'¥' if money else ''}{text}{suffix if v else ''}"


def fmt_month(label: str, lang: str) -> str:
    """``2026-07`` -> ``2026年7月`` / ``Jul 2026``."""
    year, month = (int(p) for p in str(label).split("-")[:2])
    if check_lang(lang) == "zh":
        return f"{year}年{month}月"
    return date(year, month, 1).strftime("%b %Y")


def fmt_quarter(label: str, lang: str) -> str:
    """``2026-Q2`` -> ``2026年第2季度`` / ``Q2 2026``."""
    year, q = str(label).split("-Q")
    return f"{year}年第{q}季度" if check_lang(lang) == "zh" else f"Q{q} {year}"


def fmt_date(d: date | str, lang: str) -> str:
    """``2026-08-15`` -> ``2026年8月15日`` / ``15 Aug 2026``."""
    d = date.fromisoformat(str(d)) if not isinstance(d, date) else d
    if check_lang(lang) == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {d.strftime('%b %Y')}"


def fmt_month_span(first: str, last: str, lang: str) -> str:
    """``2025-08``..``2026-07`` -> ``2025年8月至2026年7月`` / ``Aug 2025 – Jul 2026``."""
    sep = "至" if check_lang(lang) == "zh" else " – "
    return f"{fmt_month(first, lang)}{sep}{fmt_month(last, lang)}"


def fmt_day_span(start: date, end: date, lang: str) -> str:
    """Days of one month: ``8月1日至15日`` / ``1–15 Aug 2026``."""
    if check_lang(lang) == "zh":
        tail = f"{end.day}日" if (start.year, start.month) == (end.year, end.month) else f"{end.month}月{end.day}日"
        return f"{start.month}月{start.day}日至{tail}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end.strftime('%b %Y')}"
    return f"{fmt_date(start, lang)} – {fmt_date(end, lang)}"


def join_list(items: list[str], lang: str) -> str:
    if check_lang(lang) == "zh":
        return "、".join(items)
    return ", ".join(items)
