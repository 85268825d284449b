"""Next quarter's proposed targets (下季度目标建议), in the goal register's format.

``propose(ds, goals, period, as_of)`` -> ``Proposal`` (``.frame``: one row per proposal; ``.yaml``: the
entries as goals.yaml text, ready to paste). 口径:

- **Information.** Only data up to the *cutoff* = min(as_of, the quarter's last day): the proposal the
  meeting right after the quarter would make. ``created`` of every proposal = the day after the quarter.
- **Which metrics.** Each distinct (metric, scope) of the register's goals, in file order, whose metric is in
  the metric dictionary and measurable on these data (its tables exist and record the scope's dimensions).
  Goals without a metric are listed as skipped.
- **Values** (``metrics.compute`` over the goal's scope): T = this quarter [first day, cutoff]; L = the same
  days a year earlier; N = the whole next quarter a year earlier. A value counts only when the data cover its
  days (for new buyers and CAC also the 3 warm-up months before: a first order *in the data* is not yet a new
  buyer's first order right after the data start).
- **Formula** (run-rate and seasonality: last year's level of the next quarter carried forward by this
  quarter's year-on-year trend):
  amounts and money ratios (GMV, orders, new buyers, AOV, CAC, ROAS …): ``proposed = N × T ÷ L``
  ("yoy_ratio"); rates (conversion, return, repurchase, bounce rate …; unit "ratio"): ``proposed = N + (T − L)``,
  the year-on-year change in percentage points ("yoy_pp"; a ratio of two rates could leave 0–100 %), kept
  within 0–100 %. Without year-ago data (L or N missing or zero): the run rate ("run_rate"): additive metrics
  T ÷ days(T) × days of next quarter, other metrics T.
- **Target** = the proposal rounded (``round_target``): amounts ≥ 10,000 to 3 significant digits, ≥ 100 to
  a whole number (counts always), smaller amounts to 0.1 (ROAS to 0.01); rates to 0.1 pp (0.01 pp below 5 %). Written as a number
  when higher is better, ``<= …`` when lower is better, rates as ``>= 1.85%`` / ``<= 24.3%``.
- **Cross-check** (``cross_check=True``): ``attain.achievability.assess`` on the same data (as_of = cutoff):
  the ETS forecast of next quarter, its 80 % interval, and the probability of reaching the proposed target.
- **Owner, module, objective, priority** from the register's current goal with that metric and scope: the one
  whose period overlaps next quarter, else the one ending latest, else one without a period (file order on a
  tie). Ids are suggested as ``G-2026Q3-01``, skipping ids the register already uses.

The finding, the proposals table and the report section (``finding``, ``proposal_table``, ``show`` …) are in
:mod:`attain.next_quarter_view`; the texts written into a ``Proposal`` and its YAML (``basis``, ``ets_text``,
``goal_name``) stay here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from attain import i18n
from attain.achievability import NEW_BUYERS_WARMUP
from attain.decompose import ADDITIVE
from attain.errors import AttainError
from attain.metric_defs import METRICS
from attain.metrics import compute
from attain.module_kpis import kpi_gap
from attain.targets import (
    metric_tables,
    period_bounds,
    period_grain,
    period_text,
    shift_period,
)
from attain.timegrain import parse_date, shift_day

UNBOUNDED_RATIOS = ("roas", "roi")        # unit "ratio" but not a rate between 0 and 100 %
MULTIPLES = ("roas",)                     # a multiple: relative trend, two decimals
COLUMNS = ["id", "source_goal", "metric", "scope", "period", "this_value", "base_this", "base_next", "change",
           "method", "proposed", "target", "target_text", "direction", "forecast", "low", "high", "probability",
           "owner", "module", "objective", "priority", "name_zh", "name_en", "basis_zh", "basis_en"]

i18n.register({
    "nq.name.higher": {"zh": "不低于", "en": "at least"},
    "nq.name.lower": {"zh": "不高于", "en": "at most"},
    "nq.basis.yoy_ratio": {"zh": "去年同季（{next_ly}）{N} × 本季度同比（{this_q} {T} ÷ {ly_q} {L}，{change}）= {P}",
                           "en": "{next_ly} {N} × this quarter's year-on-year ratio ({this_q} {T} ÷ {ly_q} {L}, "
                                 "{change}) = {P}"},
    "nq.basis.yoy_pp": {"zh": "去年同季（{next_ly}）{N} + 本季度同比变化（{this_q} {T} − {ly_q} {L}，{change}）= {P}",
                        "en": "{next_ly} {N} + this quarter's year-on-year change ({this_q} {T} − {ly_q} {L}, "
                              "{change}) = {P}"},
    "nq.basis.run_rate": {"zh": "无去年同期数据：本季度{T} ÷ {days}天 × 下季度{next_days}天 = {P}",
                          "en": "no year-ago data: this quarter's {T} ÷ {days} days × {next_days} days = {P}"},
    "nq.basis.flat": {"zh": "无去年同期数据：沿用本季度水平{T}", "en": "no year-ago data: this quarter's level {T}"},
    "nq.basis.ets": {"zh": "ETS预测{fc}（80%区间{lo}–{hi}），达成概率{p}",
                     "en": "ETS forecast {fc} (80% interval {lo}–{hi}), {p} chance of reaching it"},
    "nq.to_date": {"zh": "（截至{day}）", "en": " (to {day})"},
})


@dataclass
class Proposal:
    """``frame``: ``COLUMNS`` (values in the metric's unit; ``change`` = T ÷ L − 1, or T − L for rates).
    ``skipped``: goal_id, metric, reason, detail. ``yaml``: the goals.yaml text of the proposals."""
    period: str
    next_period: str
    as_of: dt.date
    cutoff: dt.date
    created: dt.date
    frame: pd.DataFrame
    skipped: pd.DataFrame
    yaml: str = ""
    cross_checked: bool = False
    notes: list = field(default_factory=list)


# --- the arithmetic ------------------------------------------------------------------------------

def is_rate(metric: str) -> bool:
    return METRICS[metric].unit == "ratio" and metric not in UNBOUNDED_RATIOS


def run_rate_seasonal(this: float, base_this: float, base_next: float, *, rate: bool) -> float:
    """N × T ÷ L, or N + (T − L) for a rate (kept within 0–1)."""
    if rate:
        return min(max(base_next + (this - base_this), 0.0), 1.0)
    return base_next * this / base_this


def _sig(value: float, digits: int) -> float:
    """``value`` rounded half up to ``digits`` significant digits."""
    exp = math.floor(math.log10(abs(value))) - digits + 1
    q = Decimal(1).scaleb(exp)
    return float(Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP))


def round_target(value: float, metric: str) -> float:
    """The proposal as a target (see the module doc for the steps)."""
    if value == 0 or not math.isfinite(value):
        return value
    if is_rate(metric) or metric == "roi":
        step = Decimal("0.0001") if abs(value) < 0.05 else Decimal("0.001")
        return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))
    if metric in MULTIPLES:
        return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if abs(value) >= 10_000:
        return _sig(value, 3)
    if abs(value) >= 100 or METRICS[metric].is_count:
        return float(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def target_text(value: float, metric: str) -> float | int | str:
    """The target as written in goals.yaml: a number (higher is better), ``<= n``, or ``>= 1.85%``."""
    higher = METRICS[metric].direction == "higher"
    if is_rate(metric) or metric == "roi":
        pct = Decimal(repr(value)) * 100
        text = f"{pct.normalize():f}%"
        return f"{'>=' if higher else '<='} {text}"
    number = int(value) if float(value).is_integer() else value
    return number if higher else f"<= {number}"


# --- the register --------------------------------------------------------------------------------

def _overlap(goal, lo: dt.date, hi: dt.date) -> tuple[int, dt.date]:
    try:
        first, last = period_bounds(goal.period) if goal.period else (None, None)
    except (ValueError, AttainError):
        first = last = None
    if first is None:
        return (0, dt.date.min)
    return (2 if first <= hi and last >= lo else 1, last)


def current_goal(group: list, next_period: str):
    """The goal of ``group`` (same metric and scope) whose owner carries on (see the module doc)."""
    lo, hi = period_bounds(next_period)
    best = max(_overlap(g, lo, hi) for g in group)
    return next(g for g in group if _overlap(g, lo, hi) == best)


def _key(goal) -> str:
    return json.dumps([goal.metric, goal.scope], ensure_ascii=False, sort_keys=True)


def _ids(used: set[str], next_period: str):
    n = 0
    while True:
        n += 1
        candidate = f"G-{next_period.replace('-', '')}-{n:02d}"
        if candidate not in used:
            yield candidate


# --- values --------------------------------------------------------------------------------------

def _covered(ds, metric: str, start: dt.date, end: dt.date) -> bool:
    """The metric's tables cover [start, end]; for new buyers (first order *in the data*) also the
    ``NEW_BUYERS_WARMUP`` months before, when returning customers still look new."""
    if "new_buyers" in METRICS[metric].parts:
        start = shift_day(start, -NEW_BUYERS_WARMUP)
    for table in metric_tables(metric):
        first, last = ds.date_range(table) if ds.has_table(table) else (None, None)
        if first is None or first > start or last < end:
            return False
    return True


def value(ds, metric: str, scope: dict, start: dt.date, end: dt.date) -> float:
    """The metric over [start, end] within ``scope``; NaN when the data do not cover those days."""
    if not _covered(ds, metric, start, end):
        return float("nan")
    v = compute(ds, [metric], start=start, end=end, where=dict(scope))[metric]
    return float(v.iloc[0]) if len(v) else float("nan")


def _ok(*values: float) -> bool:
    return all(v is not None and math.isfinite(v) for v in values)


def _cross_check(ds, metric, scope, next_period, cutoff, target) -> dict:
    from attain.achievability import assess
    try:
        a = assess(ds, metric, scope, next_period, cutoff, target, n_sims=1000)
    except (AttainError, ValueError, np.linalg.LinAlgError):
        return {}
    low, high = a.interval(0.8)
    return {"forecast": a.forecast, "low": low, "high": high, "probability": a.probability}


def _fmt(v: float, metric: str, lang: str) -> str:
    if metric in MULTIPLES:
        return i18n.MISSING if i18n.is_missing(v) else f"{v:.2f}"
    return i18n.fmt_value(v, METRICS[metric].unit, lang)


def _change_text(row: dict, lang: str) -> str:
    if is_rate(row["metric"]) or row["metric"] == "roi":
        return i18n.fmt_pp(row["change"], lang, decimals=2 if abs(row["base_this"]) < 0.05 else 1)
    return i18n.fmt_growth(row["change"])


def basis(row: dict, p: Proposal, lang: str) -> str:
    """The formula of one proposal with its numbers, in words."""
    m = row["metric"]
    partial = p.cutoff < period_bounds(p.period)[1]

    def f(v):
        return _fmt(v, m, lang)

    def to(day):
        return i18n.t("nq.to_date", lang, day=day) if partial else ""
    this_q = period_text(p.period, lang) + to(p.cutoff)
    ly_q = period_text(shift_period(p.period, -4), lang) + to(shift_day(p.cutoff, -12))
    common = {"next_ly": period_text(shift_period(p.next_period, -4), lang), "N": f(row["base_next"]),
              "this_q": this_q, "T": f(row["this_value"]), "ly_q": ly_q,
              "L": f(row["base_this"]), "P": f(row["proposed"])}
    if row["method"] in ("yoy_ratio", "yoy_pp"):
        return i18n.t(f"nq.basis.{row['method']}", lang, change=_change_text(row, lang), **common)
    if row["method"] == "run_rate":
        lo, _ = period_bounds(p.period)
        n_lo, n_hi = period_bounds(p.next_period)
        return i18n.t("nq.basis.run_rate", lang, days=(p.cutoff - lo).days + 1, next_days=(n_hi - n_lo).days + 1,
                      **common)
    return i18n.t("nq.basis.flat", lang, **common)


def ets_text(row: dict, lang: str) -> str:
    if i18n.is_missing(row.get("forecast")):
        return i18n.MISSING
    f = {k: _fmt(row[k], row["metric"], lang) for k in ("forecast", "low", "high")}
    return i18n.t("nq.basis.ets", lang, fc=f["forecast"], lo=f["low"], hi=f["high"],
                  p=i18n.fmt_pct(row["probability"], decimals=0))


def target_display(target: float, metric: str, lang: str) -> str:
    """The target for reading: ¥880万 / ¥8.80M / 24.3% (a rate with the digits of its goals.yaml text)."""
    text = target_text(target, metric)
    return text.split(" ", 1)[1] if isinstance(text, str) and text.endswith("%") else _fmt(target, metric, lang)


def goal_name(metric: str, scope: dict, period: str, target: float, lang: str) -> str:
    """E.g. 2026年第3季度直播GMV不低于¥880万 / Q3 2026 GMV (直播) at least ¥8.80M."""
    m = METRICS[metric]
    where = i18n.join_list([v if isinstance(v, str) else "/".join(v) for v in scope.values()], lang)
    word = i18n.t("nq.name.higher" if m.direction == "higher" else "nq.name.lower", lang)
    value = target_display(target, metric, lang)
    if lang == "zh":
        return f"{period_text(period, 'zh')}{where}{re.sub(r'[(（].*?[)）]', '', m.zh)}{word}{value}"
    return f"{period_text(period, 'en')} {m.en}{f' ({where})' if where else ''} {word} {value}"


# --- the proposal --------------------------------------------------------------------------------

def _row(ds, metric, scope, p: Proposal, start, lo_next, hi_next) -> dict | None:
    this = value(ds, metric, scope, start, p.cutoff)
    if not _ok(this):
        return None
    ly_lo, ly_hi = shift_day(start, -12), shift_day(p.cutoff, -12)
    base_this = value(ds, metric, scope, ly_lo, ly_hi)
    base_next = value(ds, metric, scope, shift_day(lo_next, -12), shift_day(hi_next, -12))
    rate = is_rate(metric) or metric == "roi"
    row = {"metric": metric, "scope": dict(scope), "period": p.next_period, "this_value": this,
           "base_this": base_this, "base_next": base_next, "direction": METRICS[metric].direction}
    if _ok(base_this, base_next) and (rate or (base_this > 0 and base_next > 0)):
        row["method"] = "yoy_pp" if rate else "yoy_ratio"
        row["change"] = this - base_this if rate else this / base_this - 1
        row["proposed"] = (base_next + this - base_this if metric == "roi" else
                           run_rate_seasonal(this, base_this, base_next, rate=rate))
    elif metric in ADDITIVE:
        row.update(method="run_rate", change=np.nan,
                   proposed=this / ((p.cutoff - start).days + 1) * ((hi_next - lo_next).days + 1))
    else:
        row.update(method="flat", change=np.nan, proposed=this)
    row["target"] = round_target(row["proposed"], metric)
    row["target_text"] = target_text(row["target"], metric)
    return row


def propose(ds, goals, period: str, as_of, *, cross_check: bool = True) -> Proposal:
    """Proposed targets for the quarter after ``period`` (口径: module doc). ``goals``: the register
    (``attain.goals.load_goals``)."""
    if period_grain(period) != "quarter":
        raise AttainError(f"'{period}' is not a quarter", where="period", hint='write e.g. "2026-Q2"')
    day = parse_date(as_of, "as_of")
    start, last = period_bounds(period)
    if day < start:
        raise AttainError(f"{period} has not started on {day}", where="as_of", hint="choose a quarter before as_of")
    nxt = shift_period(period, 1)
    lo_next, hi_next = period_bounds(nxt)
    p = Proposal(period, nxt, day, min(day, last), last + dt.timedelta(days=1), pd.DataFrame(columns=COLUMNS),
                 pd.DataFrame(columns=["goal_id", "metric", "reason", "detail"]), cross_checked=cross_check)
    groups: dict[str, list] = {}
    skipped = []
    for g in goals:
        if not g.metric or g.metric not in METRICS:
            skipped.append({"goal_id": g.id, "metric": g.metric, "reason": "no_metric" if not g.metric
                            else "unknown_metric", "detail": ""})
            continue
        groups.setdefault(_key(g), []).append(g)
    ids, rows = _ids({g.id for g in goals}, nxt), []
    for group in groups.values():
        g = group[0]
        gap = kpi_gap(ds, g.metric, g.scope)
        row = None if gap else _row(ds, g.metric, g.scope, p, start, lo_next, hi_next)
        if row is None:
            skipped.append({"goal_id": g.id, "metric": g.metric, "reason": "not_measurable" if gap else "no_history",
                            "detail": gap[1] if gap else ""})
            continue
        source = current_goal(group, nxt)
        owner = source.owner if not isinstance(source.owner, list) else list(source.owner)
        row.update(id=next(ids), source_goal=source.id, owner=owner, module=source.module,
                   objective=source.objective, priority=source.priority)
        if cross_check:
            row.update(_cross_check(ds, g.metric, g.scope, nxt, p.cutoff, row["target"]))
        for lang in ("zh", "en"):
            row[f"name_{lang}"] = goal_name(g.metric, g.scope, nxt, row["target"], lang)
            row[f"basis_{lang}"] = basis(row, p, lang)
        rows.append(row)
    p.frame = pd.DataFrame(rows, columns=COLUMNS)
    p.skipped = pd.DataFrame(skipped, columns=["goal_id", "metric", "reason", "detail"])
    p.yaml = to_yaml(p)
    return p


# --- goals.yaml text -----------------------------------------------------------------------------

def _q(text) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML); one line."""
    return json.dumps(str(text), ensure_ascii=False)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def _scope_yaml(scope: dict) -> str:
    items = [f"{k}: {'[' + ', '.join(_q(x) for x in v) + ']' if isinstance(v, list) else _q(v)}"
             for k, v in scope.items()]
    return "{" + ", ".join(items) + "}"


def _target_yaml(v) -> str:
    return _q(v) if isinstance(v, str) else repr(v)


def to_yaml(p: Proposal) -> str:
    """The proposals as entries of goals.yaml (the register's format), with the basis as comments."""
    title = (f"# {period_text(p.next_period, 'zh')}目标建议 / proposed targets for "
             f"{period_text(p.next_period, 'en')} (attain.next_quarter, data up to {p.cutoff}).")
    lines = [title,
             "# 粘贴到 data/plan/goals.yaml 的 goals: 之下 / paste the entries under goals: in data/plan/goals.yaml.",
             "goals:"]
    for r in p.frame.to_dict("records"):
        lines += [f"  # 依据：{_one_line(r['basis_zh'])}", f"  # basis: {_one_line(r['basis_en'])}"]
        if not i18n.is_missing(r.get("forecast")):
            lines.append(f"  # {_one_line(ets_text(r, 'en'))}")
        lines += [f"  - id: {r['id']}", f"    name: {{zh: {_q(r['name_zh'])}, en: {_q(r['name_en'])}}}",
                  f"    metric: {r['metric']}", f"    scope: {_scope_yaml(r['scope'])}", f"    period: {_q(r['period'])}",
                  f"    target: {_target_yaml(r['target_text'])}"]
        if r["owner"]:
            owner = r["owner"]
            lines.append(f"    owner: {'[' + ', '.join(_q(o) for o in owner) + ']' if isinstance(owner, list) else _q(owner)}")
        lines += [f"    {k}: {_q(r[k])}" for k in ("module", "objective") if r[k]]
        lines += [f"    priority: {int(r['priority'])}", f"    created: {p.created.isoformat()}", ""]
    return "\n".join(lines)


__all__ = ["COLUMNS", "MULTIPLES", "UNBOUNDED_RATIOS", "Proposal", "basis", "current_goal", "ets_text", "goal_name",
           "is_rate", "propose", "round_target", "run_rate_seasonal", "target_display", "target_text", "to_yaml",
           "value"]
