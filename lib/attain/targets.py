"""Goal targets: the syntax an analyst writes in goals.yaml, and its resolution to a number.

Syntax (a YAML number or a text; full-width signs such as ％ ＜＝ are accepted):

=====================  =============================================================================
``7500000``            an absolute value in the metric's unit (``7,500,000`` as text too)
``"2.2%"``             an absolute share: 0.022
``"<= 80"``            an absolute value with a comparator (``>=``, ``<=``; ``≥ ≤ > <`` are read the same way)
``"+20% yoy"``         relative to the same period one year earlier (``-5% yoy``: 5 % below it)
``"+5% pop"``          relative to the previous period of the same length (2026-Q3 → 2026-Q2, 2026 → 2025)
``"15% -> 20%"``       from → to: the target is 20 %; 15 % is the baseline the author states
=====================  =============================================================================

Anything else (``明显提升``, ``7.5M``, ``750万``) does not parse: ``kind == "unparseable"`` with a
``problem`` code, which the SMART check reports in words (it is not an exception).

Comparator: ``>=`` means the goal is met when actual >= target. When the text gives none, the metric's
direction in the metric dictionary decides (higher is better: ``>=``; lower is better, e.g. CAC or
return rate: ``<=``).

口径 of a relative target: ``target = base + g × |base|`` (+20 % of 100 = 120; −5 % of 98 = 93.1),
where ``base`` is the metric's actual over a *full* comparison period (same period last year, or the
previous period), computed with ``attain.metrics.compute`` over the goal's scope.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from attain import i18n
from attain.contract import DIMENSIONS, TABLES
from attain.errors import AttainError
from attain.metric_defs import METRICS, PARTS
from attain.params import check_period
from attain.timegrain import month_end, quarter_bounds, shift_month, shift_quarter

_NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+"
_CMP = r"(?P<cmp><=|>=|<|>)?\s*"
_ABSOLUTE = re.compile(rf"^{_CMP}(?P<num>{_NUM})\s*(?P<pct>%)?$")
_RELATIVE = re.compile(rf"^{_CMP}(?P<num>{_NUM})\s*(?P<pct>%)?\s*(?P<ref>yoy|pop)$", re.IGNORECASE)
_FROM_TO = re.compile(rf"^(?P<a>{_NUM})\s*(?P<pa>%)?\s*(?:->|=>)\s*(?P<b>{_NUM})\s*(?P<pb>%)?$")
_SUFFIX = re.compile(rf"^{_CMP}(?:{_NUM})\s*(?:[kmb]|w|万|亿|千|百万|千万)$", re.IGNORECASE)
_SYMBOLS = {"≤": "<=", "≦": "<=", "≥": ">=", "≧": ">=", "→": "->", "⇒": "->", "−": "-", "﹪": "%"}

_HOW = {"zh": "可写数字、百分比、“<= 90”、“+20% yoy”或“15% -> 20%”",
        "en": "write a number, a percentage, '<= 90', '+20% yoy' or '15% -> 20%'"}
#: why a target does not parse, in words (``problem_text``)
PROBLEMS = {
    "empty": {"zh": "没有目标值（" + _HOW["zh"] + "）", "en": "no target (" + _HOW["en"] + ")"},
    "words": {"zh": "目标“{target}”不是数字（" + _HOW["zh"] + "）",
              "en": "the target '{target}' is not a number (" + _HOW["en"] + ")"},
    "suffix": {"zh": "目标“{target}”带单位后缀：请写完整数字，如 7500000",
               "en": "the target '{target}' has a unit suffix: write the full number, e.g. 7500000"},
    "mixed_units": {"zh": "目标“{target}”前后单位不一致：两边都写百分比或都写数字",
                    "en": "the target '{target}' mixes units: write both sides as percentages or both as numbers"},
    "relative_needs_percent": {"zh": "相对目标“{target}”需写成百分比，如 +20% yoy",
                               "en": "the relative target '{target}' must be a percentage, e.g. +20% yoy"},
}
i18n.register({f"target.problem.{k}": v for k, v in PROBLEMS.items()})
i18n.register({"target.scope.all": {"zh": "全部业务", "en": "whole business"}})


class TargetError(AttainError):
    """A target that cannot be turned into a number (unparseable, or its baseline is missing)."""


@dataclass(frozen=True)
class ParsedTarget:
    """A target as written. ``value``: the absolute value, or for a relative target the change
    as a fraction (+20 % -> 0.20). ``comparator``: as written, None when not stated."""
    kind: str                         # "absolute" | "relative" | "unparseable"
    value: float | None = None
    comparator: str | None = None     # ">=" | "<=" | None
    base_ref: str | None = None       # "yoy" | "pop" for relative targets
    stated_from: float | None = None  # the "from" of "15% -> 20%"
    percent: bool = False             # written with % (a share or a relative change)
    text: str = ""
    problem: str | None = None        # one of PROBLEMS when unparseable

    @property
    def parseable(self) -> bool:
        return self.kind != "unparseable"


@dataclass(frozen=True)
class ResolvedTarget:
    """The target as a number: met when ``actual <comparator> value``."""
    value: float
    comparator: str                   # ">=" | "<="
    base: float | None = None         # the baseline a relative target was applied to
    base_ref: str | None = None


def _num(text: str, percent: bool = False) -> float:
    """The number of a text; a percentage as a fraction (decimal arithmetic: "2.2" % -> 0.022 exactly)."""
    value = Decimal(text.replace(",", ""))
    return float(value / 100 if percent else value)


def _cmp(sign: str | None) -> str | None:
    return None if not sign else ("<=" if sign.startswith("<") else ">=")


def parse_target(raw: Any) -> ParsedTarget:
    """Read a target as written in goals.yaml (see the module doc); never raises."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, (list, dict)):
        return ParsedTarget("unparseable", text="" if raw is None else str(raw),
                            problem="empty" if raw is None else "words")
    if isinstance(raw, (int, float)):
        ok = math.isfinite(raw)
        return ParsedTarget("absolute", float(raw), text=str(raw)) if ok else \
            ParsedTarget("unparseable", text=str(raw), problem="words")
    text = str(raw).strip()
    norm = unicodedata.normalize("NFKC", text)
    for sym, ascii_ in _SYMBOLS.items():
        norm = norm.replace(sym, ascii_)
    norm = re.sub(r"\s+", " ", norm).strip()
    if not norm:
        return ParsedTarget("unparseable", text=text, problem="empty")
    if m := _ABSOLUTE.match(norm):
        pct = bool(m["pct"])
        return ParsedTarget("absolute", _num(m["num"], pct), _cmp(m["cmp"]), percent=pct, text=text)
    if m := _RELATIVE.match(norm):
        if not m["pct"]:
            return ParsedTarget("unparseable", text=text, problem="relative_needs_percent")
        return ParsedTarget("relative", _num(m["num"], True), _cmp(m["cmp"]), m["ref"].lower(), percent=True,
                            text=text)
    if m := _FROM_TO.match(norm):
        if bool(m["pa"]) != bool(m["pb"]):
            return ParsedTarget("unparseable", text=text, problem="mixed_units")
        pct = bool(m["pb"])
        return ParsedTarget("absolute", _num(m["b"], pct), stated_from=_num(m["a"], pct),
                            percent=bool(m["pb"]), text=text)
    return ParsedTarget("unparseable", text=text, problem="suffix" if _SUFFIX.match(norm) else "words")


def problem_text(parsed: ParsedTarget, lang: str) -> str:
    """Why a target does not parse, in words ("" when it does)."""
    return "" if parsed.parseable else i18n.t(f"target.problem.{parsed.problem}", lang, target=parsed.text)


def default_comparator(direction: str) -> str:
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', not {direction!r}")
    return ">=" if direction == "higher" else "<="


def resolve(parsed: ParsedTarget, baseline_yoy: float | None, baseline_pop: float | None,
            direction: str) -> ResolvedTarget:
    """The absolute target and its comparator.

    ``baseline_yoy`` / ``baseline_pop``: the metric's actual over the same period last year / the
    previous period (see ``baselines``); only the one a relative target names is used. Raises
    ``TargetError`` for an unparseable target or a missing (or zero) baseline.
    """
    comparator = parsed.comparator or default_comparator(direction)
    if parsed.kind == "absolute":
        return ResolvedTarget(parsed.value, comparator)
    if parsed.kind != "relative":
        raise TargetError(f"the target {parsed.text!r} is not a number", where="target",
                          hint="write a number, a percentage, '<= 90', '+20% yoy' or '15% -> 20%'")
    base = baseline_yoy if parsed.base_ref == "yoy" else baseline_pop
    if base is None or (isinstance(base, float) and math.isnan(base)) or base == 0:
        raise TargetError(f"'{parsed.text}' needs a {parsed.base_ref} baseline, which is "
                          f"{'zero' if base == 0 else 'missing'}", where="target",
                          hint="give the target as an absolute value")
    return ResolvedTarget(base + parsed.value * abs(base), comparator, float(base), parsed.base_ref)


def is_met(actual: float | None, target: ResolvedTarget) -> bool | None:
    """Whether ``actual`` meets the target (None when there is no actual)."""
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return None
    return actual >= target.value if target.comparator == ">=" else actual <= target.value


# --- periods --------------------------------------------------------------------------------

def period_grain(period: str) -> str:
    """``"2026"`` -> year, ``"2026-Q3"`` -> quarter, ``"2026-07"`` -> month (ValueError otherwise)."""
    text = check_period(period)
    return "quarter" if "Q" in text else ("month" if "-" in text else "year")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period."""
    text, grain = check_period(period), period_grain(period)
    if grain == "year":
        return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
    if grain == "quarter":
        return quarter_bounds(text)
    return dt.date(int(text[:4]), int(text[5:]), 1), month_end(text)


def shift_period(period: str, n: int) -> str:
    """The period ``n`` periods of the same length away: ``shift_period("2026-Q1", -1) == "2025-Q4"``."""
    text, grain = check_period(period), period_grain(period)
    if grain == "year":
        return str(int(text) + n)
    return shift_quarter(text, n) if grain == "quarter" else shift_month(text, n)


def period_text(period: str, lang: str) -> str:
    """``2026`` -> 2026年 / 2026; ``2026-Q3`` -> 2026年第3季度 / Q3 2026; ``2026-07`` -> 2026年7月 / Jul 2026."""
    grain, text = period_grain(period), check_period(period)
    if grain == "quarter":
        return i18n.fmt_quarter(text, lang)
    if grain == "month":
        return i18n.fmt_month(text, lang)
    return f"{text}年" if i18n.check_lang(lang) == "zh" else text


def yoy_period(period: str) -> str:
    """The same period one year earlier."""
    return shift_period(period, {"year": -1, "quarter": -4, "month": -12}[period_grain(period)])


def pop_period(period: str) -> str:
    """The previous period of the same length."""
    return shift_period(period, -1)


# --- baselines ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Baseline:
    """A comparison period's actual. ``problem``: "incomplete" (ends after as_of), "no_history"
    (the data do not cover the whole period) or "no_value" (the metric is empty there)."""
    period: str
    value: float | None
    problem: str | None = None


@dataclass(frozen=True)
class Baselines:
    yoy: Baseline
    pop: Baseline


def metric_tables(metric: str) -> list[str]:
    """The contract tables a metric's parts come from (new buyers come from orders)."""
    tables = [PARTS[p].table for p in METRICS[metric].parts]
    return list(dict.fromkeys("orders" if t == "first_orders" else t for t in tables))


def allowed_dims(metric: str) -> set[str]:
    """Dimensions every table of the metric is recorded by (a goal's scope may only use these)."""
    return set.intersection(*(set(TABLES[t].dimensions) for t in metric_tables(metric)))


def scope_text(scope: Mapping, lang: str) -> str:
    """``{channel: 直播}`` -> 渠道：直播 / channel 直播; ``{}`` -> 全部业务 / whole business."""
    if not scope:
        return i18n.t("target.scope.all", lang)
    parts = []
    for dim, vals in scope.items():
        vals = vals if isinstance(vals, list) else [vals]
        label = i18n.t(f"col.{dim}", lang) if dim in DIMENSIONS else dim
        label = label if lang == "zh" else label.lower()
        parts.append(f"{label}{'：' if lang == 'zh' else ' '}{i18n.join_list([str(v) for v in vals], lang)}")
    return ("；" if lang == "zh" else "; ").join(parts)


def _baseline(ds, metric: str, scope: Mapping, period: str, as_of: dt.date) -> Baseline:
    from attain.metrics import compute
    start, end = period_bounds(period)
    if end > as_of:
        return Baseline(period, None, "incomplete")
    for table in metric_tables(metric):
        first, last = ds.date_range(table) if ds.has_table(table) else (None, None)
        if first is None or first > start or last < end:
            return Baseline(period, None, "no_history")
    value = compute(ds, [metric], start=start, end=end, where=dict(scope))[metric].iloc[0]
    value = float(value)
    return Baseline(period, None, "no_value") if math.isnan(value) else Baseline(period, value)


def baselines(ds, metric: str, scope: Mapping, period: str, as_of: dt.date | str) -> Baselines:
    """The metric's actual over the same period last year and over the previous period.

    Only full comparison periods count: one that ends after ``as_of`` or that the data do not cover
    from its first to its last day gives no value (see ``Baseline.problem``). For a year, both are
    the previous year.
    """
    as_of = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    yoy = _baseline(ds, metric, scope, yoy_period(period), as_of)
    pop_p = pop_period(period)
    pop = yoy if pop_p == yoy.period else _baseline(ds, metric, scope, pop_p, as_of)
    return Baselines(yoy, pop)


__all__ = ["PROBLEMS", "Baseline", "Baselines", "ParsedTarget", "ResolvedTarget", "TargetError", "allowed_dims",
           "baselines", "default_comparator", "is_met", "metric_tables", "parse_target", "period_bounds",
           "period_grain", "period_text", "pop_period", "problem_text", "resolve", "scope_text",
           "shift_period", "yoy_period"]
