"""The SMART check of the goal register: pass or fail per letter, with the reason in words (zh and en).

====== ===========================================================================================
S      a metric is named, the scope keys are dimensions, and the metric's tables are recorded by them
M      the metric is in the metric dictionary, the data folder has its tables and rows for the scope,
       and the current target (after revisions) resolves to a number (a relative one against a full
       comparison period in the data)
A      from an injected assessment (``attain.achievability``): fails only when "unrealistic"; without
       one it is "not assessed", which does not fail
R      an objective and a module, and the module is in plan.yaml (by id, Chinese or English name)
T      a period: a year ``2026``, a quarter ``2026-Q3`` or a month ``2026-07``
owner  exactly one person
====== ===========================================================================================

A goal passes when no check fails. Notes never fail a goal: a stated "from" far from the data's
baseline, a target that does not beat last year, a revised target.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

from attain import i18n
from attain.contract import DIMENSIONS
from attain.goals import Goal, Plan
from attain.metric_defs import METRICS, PARTS
from attain.targets import (Baselines, ParsedTarget, ResolvedTarget, allowed_dims, baselines, metric_tables,
                            parse_target, period_bounds, period_text, resolve, scope_text)
from attain.smart_texts import TEXTS  # importing it registers the texts


CHECKS = ("S", "M", "A", "R", "T", "owner")
PASS, FAIL, NOT_ASSESSED = "pass", "fail", "not_assessed"
UNREALISTIC = "unrealistic"
#: metrics that are shares (0–1): an absolute target above 1 is a typo ("18" for 18 %)
SHARE_METRICS = frozenset({"return_rate", "repurchase_rate", "conversion_rate", "bounce_rate", "ctr",
                           "gross_margin"})
#: a stated "from" further than this (relative) from the data's baseline earns a note
STATED_FROM_TOLERANCE = 0.20

#: an assessment: {"classification": …, "probability": …}, an object with those attributes, or a text
Achievability = Mapping[str, object] | Callable[[Goal, ResolvedTarget], object] | pd.DataFrame


def _words(key: str, **fmt) -> dict[str, str]:
    """The text in both languages; a callable value is formatted per language (``lambda lang: …``)."""
    return {lang: i18n.t(key, lang, **{k: v(lang) if callable(v) else v for k, v in fmt.items()})
            for lang in i18n.LANGS}


def _join(parts: list[dict[str, str]], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(p[lang] for p in parts)


@dataclass
class _Verdict:
    status: str
    reasons: list[dict[str, str]]


@dataclass
class SmartResult:
    """``goals``: one row per goal (statuses per check, the resolved target, the baseline — the period a
    relative target compares with, else the same period last year — assessment and notes);
    ``checks``: one row per goal and check (goal_id, check, status, reason_zh, reason_en)."""
    goals: pd.DataFrame
    checks: pd.DataFrame
    as_of: dt.date

    @property
    def failing(self) -> list[str]:
        return self.goals.loc[~self.goals["passed"], "goal_id"].tolist()

    def failed_checks(self, goal_id: str) -> list[str]:
        rows = self.checks[(self.checks.goal_id == goal_id) & (self.checks.status == FAIL)]
        return rows["check"].tolist()


# --- formatting helpers ---------------------------------------------------------------------

def _metric_name(metric: str) -> Callable[[str], str]:
    return lambda lang: i18n.metric_name(metric, lang) if metric in METRICS else metric


def _dim_name(dim: str, lang: str) -> str:
    label = i18n.t(f"col.{dim}", lang)
    return label if lang == "zh" else label.lower()


def _value(metric: str, value: float) -> Callable[[str], str]:
    return lambda lang: i18n.fmt_value(value, METRICS[metric].unit, lang)


# --- the letters ----------------------------------------------------------------------------

def _specific(goal: Goal) -> _Verdict:
    reasons = [] if goal.metric else [_words("smart.s.no_metric")]
    for dim, vals in goal.scope.items():
        if dim not in DIMENSIONS:
            reasons.append(_words("smart.s.bad_dim", dim=dim))
        elif not vals:
            reasons.append(_words("smart.s.empty_value", dim=dim))
    if goal.metric in METRICS:
        allowed = allowed_dims(goal.metric)
        tables = ", ".join(metric_tables(goal.metric))
        for dim in [d for d in goal.scope if d in DIMENSIONS and d not in allowed]:
            reasons.append(_words("smart.s.not_recorded", metric=_metric_name(goal.metric), dim=dim, tables=tables))
        for dim in [d for d in (goal.decompose.dims if goal.decompose else []) if d not in allowed]:
            reasons.append(_words("smart.s.decompose", metric=_metric_name(goal.metric), dim=dim, tables=tables))
    if reasons:
        return _Verdict(FAIL, reasons)
    return _Verdict(PASS, [_words("smart.s.ok", metric=_metric_name(goal.metric),
                                  scope=lambda lang: scope_text(goal.scope, lang))])


class _Data:
    """The data folder, with the distinct dimension values per table cached (small engine queries)."""

    def __init__(self, ds, as_of: dt.date):
        self.ds, self.as_of, self._values = ds, as_of, {}

    def values(self, table: str, dim: str) -> set[str]:
        if (table, dim) not in self._values:
            frame = self.ds.table(table).select(dim).distinct().execute()
            self._values[table, dim] = set(frame[dim].dropna().astype(str))
        return self._values[table, dim]

    def problems(self, goal: Goal) -> list[dict[str, str]]:
        """Why the metric cannot be computed for the goal's scope: tables, columns, scope values."""
        metric, name = goal.metric, _metric_name(goal.metric)
        missing = [t for t in metric_tables(metric) if not self.ds.has_table(t)]
        if missing:
            return [_words("smart.m.no_table", metric=name, table=t) for t in missing]
        needs = [("orders" if PARTS[p].table == "first_orders" else PARTS[p].table, c)
                 for p in METRICS[metric].parts for c in PARTS[p].needs]
        out = [_words("smart.m.no_column", metric=name, table=t, column=c)
               for t, c in dict.fromkeys(needs) if not self.ds.has_column(t, c)]
        dims = [d for d in goal.scope if d in DIMENSIONS]
        if out or set(dims) - allowed_dims(metric) or len(dims) < len(goal.scope) or not all(goal.scope.values()):
            return out or [_words("smart.m.scope")]
        for dim in dims:
            wanted = goal.scope[dim] if isinstance(goal.scope[dim], list) else [goal.scope[dim]]
            for table in metric_tables(metric):
                absent = [v for v in wanted if v not in self.values(table, dim)]
                if absent:
                    out.append(_words("smart.m.no_rows", dim=lambda lang, d=dim: _dim_name(d, lang),
                                      values=lambda lang, a=absent: i18n.join_list(a, lang), table=table))
        return out

    def no_value(self, goal: Goal) -> list[dict[str, str]]:
        """The metric has no value for the scope over all the data up to as_of (e.g. a ratio over 0)."""
        from attain.metrics import compute
        value = compute(self.ds, [goal.metric], end=self.as_of, where=goal.scope)[goal.metric].iloc[0]
        return [_words("smart.m.no_value", metric=_metric_name(goal.metric))] if pd.isna(value) else []


def _target_problems(goal: Goal, parsed: ParsedTarget, base: Baselines | None, with_base: bool
                     ) -> list[dict[str, str]]:
    if not parsed.parseable:
        return [_words(f"target.problem.{parsed.problem}", target=parsed.text)]
    unit = METRICS[goal.metric].unit
    if parsed.kind == "absolute" and parsed.percent and (unit == "CNY" or METRICS[goal.metric].is_count):
        return [_words("smart.m.percent_unit", target=parsed.text, metric=_metric_name(goal.metric))]
    if parsed.kind == "absolute" and goal.metric in SHARE_METRICS and parsed.value > 1:
        return [_words("smart.m.share_over_one", target=parsed.text, metric=_metric_name(goal.metric))]
    if parsed.kind == "relative" and with_base:   # (no baseline is looked up when the data cannot give one)
        if base is None:
            return [_words("smart.m.relative_needs_period", target=parsed.text)]
        b = base.yoy if parsed.base_ref == "yoy" else base.pop
        if b.value is None or b.value == 0:
            return [_words(f"smart.m.base.{b.problem or 'zero'}", target=parsed.text,
                           period=lambda lang: period_text(b.period, lang))]
    return []


def _measurable(goal: Goal, problems: list[dict[str, str]], parsed: ParsedTarget, base: Baselines | None
                ) -> tuple[_Verdict, ResolvedTarget | None]:
    if not goal.metric or goal.metric not in METRICS:
        reasons = [_words("smart.m.no_metric") if not goal.metric else _words("smart.m.unknown", metric=goal.metric)]
        if not parsed.parseable:
            reasons.append(_words(f"target.problem.{parsed.problem}", target=parsed.text))
        return _Verdict(FAIL, reasons), None
    reasons = problems + _target_problems(goal, parsed, base, with_base=not problems)
    if reasons:
        return _Verdict(FAIL, reasons), None
    resolved = resolve(parsed, base.yoy.value if base else None, base.pop.value if base else None,
                       METRICS[goal.metric].direction)
    words = [_words("smart.m.ok", target=parsed.text, cmp=resolved.comparator,
                    value=_value(goal.metric, resolved.value))]
    if resolved.base is not None:
        b = base.yoy if resolved.base_ref == "yoy" else base.pop
        words.append(_words("smart.m.base", period=lambda lang: period_text(b.period, lang),
                            base=_value(goal.metric, resolved.base)))
    return _Verdict(PASS, words), resolved


def _read_assessment(found) -> tuple[str | None, float | None]:
    if isinstance(found, str):
        return found, None
    get = found.get if isinstance(found, Mapping) else (lambda k: getattr(found, k, None))
    prob, label = get("probability"), get("classification") or get("cls")
    return label, (None if prob is None or pd.isna(prob) else float(prob))


def _lookup(achievability, goal: Goal, resolved: ResolvedTarget):
    if isinstance(achievability, pd.DataFrame):
        rows = achievability[achievability["goal_id"] == goal.id]
        return None if rows.empty else rows.iloc[0].to_dict()
    if isinstance(achievability, Mapping):
        return achievability.get(goal.id)
    return achievability(goal, resolved)


def _achievable(goal: Goal, resolved: ResolvedTarget | None, achievability
                ) -> tuple[_Verdict, str | None, float | None]:
    """A fails only when the assessment says "unrealistic"; no assessment is "not assessed"."""
    if achievability is None:
        return _Verdict(NOT_ASSESSED, [_words("smart.a.none")]), None, None
    if resolved is None:
        return _Verdict(NOT_ASSESSED, [_words("smart.a.needs_target")]), None, None
    found = _lookup(achievability, goal, resolved)
    label, prob = _read_assessment(found) if found is not None else (None, None)
    if label is None:
        return _Verdict(NOT_ASSESSED, [_words("smart.a.none")]), None, prob
    cls = (lambda lang: i18n.t(f"smart.class.{label}", lang)) if f"smart.class.{label}" in TEXTS else str(label)
    chance = (lambda lang: i18n.fmt_pct(prob, decimals=0)) if prob is not None else i18n.MISSING
    status = FAIL if label == UNREALISTIC else PASS
    return _Verdict(status, [_words("smart.a.result", cls=cls, p=chance)]), label, prob


def forecast_achievability(ds, as_of: dt.date | str) -> Callable[[Goal, ResolvedTarget], object]:
    """An ``achievability`` for ``check``: ``attain.achievability.assess`` of each goal's resolved target
    (direction from the target's comparator); a goal it cannot forecast is "not assessed"."""
    from attain.achievability import assess
    from attain.errors import AttainError
    from attain.params import check_period

    def _assess(goal: Goal, target: ResolvedTarget):
        try:
            return assess(ds, goal.metric, goal.scope, check_period(goal.period), as_of, target.value,
                          direction="higher" if target.comparator == ">=" else "lower")
        except (AttainError, ValueError):
            return None
    return _assess


def _relevant(goal: Goal, plan: Plan) -> _Verdict:
    reasons = [] if goal.objective else [_words("smart.r.no_objective")]
    module = plan.module(goal.module)
    if not goal.module:
        reasons.append(_words("smart.r.no_module"))
    elif plan.missing:
        reasons.append(_words("smart.r.no_plan", module=goal.module))
    elif module is None:
        known = [f"{m.id} {m.name.zh}" for m in plan.modules]
        reasons.append(_words("smart.r.unknown_module", module=goal.module,
                              modules=lambda lang: i18n.join_list(known, lang) or i18n.MISSING))
    if reasons:
        return _Verdict(FAIL, reasons)
    return _Verdict(PASS, [_words("smart.r.ok", objective=goal.objective,
                                  module=lambda lang: f"{module.id} {module.name.get(lang)}")])


def _time_bound(goal: Goal, as_of: dt.date) -> _Verdict:
    if not goal.period:
        return _Verdict(FAIL, [_words("smart.t.no_period")])
    try:
        start, end = period_bounds(goal.period)
    except ValueError:
        return _Verdict(FAIL, [_words("smart.t.bad_period", period=goal.period)])
    words = [_words("smart.t.ok", period=lambda lang: period_text(goal.period, lang),
                    start=start.isoformat(), end=end.isoformat())]
    if end < as_of:
        words.append(_words("smart.t.past", as_of=as_of.isoformat()))
    return _Verdict(PASS, words)


def _owner(goal: Goal) -> _Verdict:
    names = goal.owners
    if not names:
        return _Verdict(FAIL, [_words("smart.o.none")])
    if len(names) > 1:
        return _Verdict(FAIL, [_words("smart.o.many", names=lambda lang: i18n.join_list(names, lang))])
    return _Verdict(PASS, [_words("smart.o.ok", name=names[0])])


def _notes(goal: Goal, parsed: ParsedTarget, resolved: ResolvedTarget | None, base: Baselines | None
           ) -> list[dict[str, str]]:
    """Remarks that never fail a goal: a stated "from" far from the data, a target that does not beat
    the same period last year, a revised target."""
    notes, yoy = [], (base.yoy if base else None)
    if yoy is not None and yoy.value is not None:
        when, base_value = (lambda lang: period_text(yoy.period, lang)), _value(goal.metric, yoy.value)
        if parsed.stated_from is not None and abs(parsed.stated_from - yoy.value) > STATED_FROM_TOLERANCE * abs(
                yoy.value):
            notes.append(_words("smart.note.stated_from", stated=_value(goal.metric, parsed.stated_from),
                                period=when, base=base_value))
        if resolved is not None and not (resolved.value > yoy.value if resolved.comparator == ">="
                                         else resolved.value < yoy.value):
            notes.append(_words("smart.note.not_above_base", value=_value(goal.metric, resolved.value),
                                period=when, base=base_value))
    if goal.revisions:
        last = goal.revisions[-1]
        notes.append(_words("smart.note.revised", n=len(goal.revisions), original=_written(goal),
                            date=last.date.isoformat(), reason=last.reason, approved_by=last.approved_by))
    return notes


def _written(goal: Goal) -> Callable[[str], str] | str:
    """The original target; a plain number in the metric's unit (7000000 -> ¥700万 / ¥7.00M)."""
    parsed = parse_target(goal.original_target)
    if parsed.kind != "absolute" or parsed.comparator or parsed.percent or parsed.stated_from is not None:
        return parsed.text
    return _value(goal.metric, parsed.value) if goal.metric in METRICS else parsed.text


def _goal_baselines(goal: Goal, data: _Data) -> Baselines | None:
    try:
        period_bounds(goal.period or "")
    except ValueError:
        return None
    return baselines(data.ds, goal.metric, goal.scope, goal.period, data.as_of)


def _check_goal(goal: Goal, plan: Plan, data: _Data, achievability) -> tuple[dict, dict[str, _Verdict]]:
    parsed = parse_target(goal.current_target)
    known = goal.metric in METRICS
    problems = data.problems(goal) if known else []
    base = _goal_baselines(goal, data) if known and not problems else None
    if known and not problems and (base is None or base.yoy.value is None and base.pop.value is None):
        problems = data.no_value(goal)       # (a baseline with a value already shows that data exist)
    m, resolved = _measurable(goal, problems, parsed, base)
    a, label, prob = _achievable(goal, resolved, achievability)
    verdicts = {"S": _specific(goal), "M": m, "A": a, "R": _relevant(goal, plan),
                "T": _time_bound(goal, data.as_of), "owner": _owner(goal)}
    notes = _notes(goal, parsed, resolved, base)
    # the baseline shown: the one a relative target was applied to, else the same period last year
    shown = (base.pop if resolved is not None and resolved.base_ref == "pop" else base.yoy) if base else None
    row = {"goal_id": goal.id, "name_zh": goal.name.zh, "name_en": goal.name.en, "metric": goal.metric,
           "scope": dict(goal.scope), "period": goal.period, "priority": goal.priority, "module": goal.module,
           "owner_name": "、".join(goal.owners), "target": parsed.text, "original_target": goal.original_target,
           "revisions": len(goal.revisions), "target_value": resolved.value if resolved else math.nan,
           "comparator": resolved.comparator if resolved else None,
           "base_period": shown.period if shown else None,
           "base_value": shown.value if shown and shown.value is not None else math.nan,
           "classification": label, "probability": math.nan if prob is None else prob,
           **{c: v.status for c, v in verdicts.items()},
           "passed": all(v.status != FAIL for v in verdicts.values()),
           "note_zh": _join(notes, "zh"), "note_en": _join(notes, "en")}
    return row, verdicts


def check(goals: list[Goal], plan: Plan, ds, *, as_of: dt.date | str | None = None,
          achievability: Achievability | None = None) -> SmartResult:
    """The SMART check of every goal (see the module doc).

    ``as_of``: the analysis date (default: the last day of the orders data); comparison periods must be
    over by then. ``achievability``: {goal id: assessment}, a frame with goal_id / classification /
    probability, or a callable ``(goal, resolved_target) -> assessment | None``; an assessment is
    {"classification": conservative|ambitious|stretch|unrealistic, "probability": 0–1} (or an object
    with those attributes). Measured targets are the current ones (after revisions).
    """
    as_of = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or ds.date_range("orders")[1])
    data = _Data(ds, as_of)
    rows, checks = [], []
    for goal in goals:
        row, verdicts = _check_goal(goal, plan, data, achievability)
        rows.append(row)
        checks += [{"goal_id": goal.id, "check": c, "status": v.status, "reason_zh": _join(v.reasons, "zh"),
                    "reason_en": _join(v.reasons, "en")} for c, v in verdicts.items()]
    goal_cols = ["goal_id", "name_zh", "name_en", "metric", "scope", "period", "priority", "module", "owner_name",
                 "target", "original_target", "revisions", "target_value", "comparator", "base_period", "base_value",
                 "classification", "probability", *CHECKS, "passed", "note_zh", "note_en"]
    return SmartResult(pd.DataFrame(rows, columns=goal_cols),
                       pd.DataFrame(checks, columns=["goal_id", "check", "status", "reason_zh", "reason_en"]), as_of)


__all__ = ["CHECKS", "FAIL", "NOT_ASSESSED", "PASS", "SmartResult", "check", "forecast_achievability"]
