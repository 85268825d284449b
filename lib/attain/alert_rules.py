"""Custom alert rules (``data/plan/alerts.yaml``) and metric conditions, shared by alerts and risk triggers.

The file::

    settings: {pace_gap: 0.10, cac_over: 0.20, burn_ahead: 0.10, conversion_drop: 0.15, stale_days: 2}
    rules:
      - id: apparel_returns
        name: {zh: 服饰退货率过高, en: Apparel returns too high}
        metric: return_rate          # a metric id of the dictionary
        scope: {category: 服饰}      # optional
        window: 7                    # days ending as_of (default RECENT_DAYS)
        above: 0.27                  # or below:, change_above:, change_below: (exactly one)
        severity: medium
        owner: 孙丽

``settings`` override ``tracking_rules.ALERT_DEFAULTS`` one by one. A condition's ``above`` / ``below`` /
``change_above`` / ``change_below`` are strict (a value equal to the threshold does not fire). A change
compares the window with the TRAILING_DAYS days before it: additive metrics (GMV, UV, spend …) per day,
ratios (conversion, AOV, CAC …) as ratios, and is value ÷ baseline − 1. Every number comes from
``attain.metrics.compute`` (one 口径). A problem in the file raises ``AttainError`` naming file, rule, field
and what to do.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from attain import i18n, paths, planfile
from attain.contract import DIMENSIONS, TABLES
from attain.errors import AttainError
from attain.goals import Name
from attain.metric_defs import METRICS, PARTS
from attain.metrics import compute
from attain.timegrain import parse_date
from attain.tracking_rules import ALERT_DEFAULTS, RECENT_DAYS, TRAILING_DAYS

FILE_NAME = "alerts.yaml"
CONDITIONS = ("above", "below", "change_above", "change_below")

i18n.register({
    # conditions in words
    "alert_rules.cond.level": {"zh": "{subject}近{days}天{op}{threshold}",
                          "en": "{subject} over the last {days} days {op} {threshold}"},
    "alert_rules.cond.change": {"zh": "{subject}近{days}天{avg}较前{trailing}天{op}",
                           "en": "{subject}{avg} of the last {days} days {op} vs the {trailing} days before"},
    "alert_rules.op.above": {"zh": "高于", "en": "above"}, "alert_rules.op.below": {"zh": "低于", "en": "below"},
    "alert_rules.op.falls": {"zh": "下降超过{pct}", "en": "falls by more than {pct}"},
    "alert_rules.op.rises": {"zh": "上升超过{pct}", "en": "rises by more than {pct}"},
    "alert_rules.op.change_below": {"zh": "变化低于{pct}", "en": "changes by less than {pct}"},
    "alert_rules.op.change_above": {"zh": "变化高于{pct}", "en": "changes by more than {pct}"},
    "alert_rules.avg": {"zh": "日均", "en": ", daily average"},
    "alert_rules.fired": {"zh": "已触发", "en": "fired"}, "alert_rules.not_fired": {"zh": "未触发", "en": "not fired"},
    "alert_rules.result.level": {"zh": "{cond}：当前{value}，{state}", "en": "{cond}: now {value}, {state}"},
    "alert_rules.result.change": {"zh": "{cond}：近{days}天{value}，前{trailing}天{base}，变化{change}，{state}",
                             "en": "{cond}: {value} vs {base} ({change}), {state}"},
    "alert_rules.result.missing": {"zh": "{cond}：无法评估，数据缺少{what}",
                              "en": "{cond}: not evaluated, the data have no {what}"},
    "alert_rules.result.history": {"zh": "{cond}：无法评估，{table}表数据从{first}开始，不够前{trailing}天的比较",
                              "en": "{cond}: not evaluated, the {table} data start on {first}, too late for "
                                    "the {trailing} days before"},
})


# --- the file -------------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _scope(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("scope must map dimensions to values, e.g. {category: 服饰}")  # noqa: TRY004 (pydantic)
    bad = [str(k) for k in value if k not in DIMENSIONS]
    if bad:
        raise ValueError(f"unknown dimension '{bad[0]}' (dimensions are {', '.join(DIMENSIONS)})")
    return {str(k): [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in value.items()}


class Condition(_Model):
    """A metric over the ``window`` days ending as_of, with one of above / below / change_above / change_below."""
    metric: str
    scope: dict[str, str | list[str]] = Field(default_factory=dict)
    window: int = Field(RECENT_DAYS, ge=1, le=366)
    above: float | None = None
    below: float | None = None
    change_above: float | None = None
    change_below: float | None = None

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown metric '{value}'")
        return value

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: Any) -> Any:
        return _scope(value)

    @property
    def condition(self) -> tuple[str, float]:
        """(kind, threshold): the one condition given."""
        return next((k, float(getattr(self, k))) for k in CONDITIONS if getattr(self, k) is not None)

    @property
    def is_change(self) -> bool:
        return self.condition[0].startswith("change_")


class Rule(Condition):
    """A custom alert rule: a condition with an id, a name, a severity and an owner."""
    id: str = Field(min_length=1)
    name: Name
    severity: Literal["high", "medium", "low"] = "medium"
    owner: str | None = None


class Settings(_Model):
    pace_gap: float = Field(ALERT_DEFAULTS["pace_gap"], ge=0, lt=1)
    cac_over: float = Field(ALERT_DEFAULTS["cac_over"], ge=0)
    burn_ahead: float = Field(ALERT_DEFAULTS["burn_ahead"], ge=0)
    conversion_drop: float = Field(ALERT_DEFAULTS["conversion_drop"], gt=0, le=1)
    stale_days: int = Field(int(ALERT_DEFAULTS["stale_days"]), ge=0)


@dataclass(frozen=True)
class AlertConfig:
    settings: dict[str, float] = field(default_factory=lambda: Settings().model_dump())
    rules: tuple[Rule, ...] = ()
    file: Path | None = None


HINTS = {
    "metric": "use a metric id of the dictionary (`attain metrics --list`), e.g. return_rate",
    "scope": "write e.g. scope: {channel: 直播} or {category: [美妆, 服饰]}",
    "window": "the number of days ending on as_of, e.g. 7",
    "severity": "use high, medium or low", "name": "write name: {zh: 中文名称, en: English name}",
    "above": "a number in the metric's unit (a ratio as a fraction: 0.28 = 28 %)",
    "below": "a number in the metric's unit (a ratio as a fraction: 0.28 = 28 %)",
    "change_above": "a relative change as a fraction, e.g. 0.3 = +30 %",
    "change_below": "a relative change as a fraction, e.g. -0.15 = −15 %",
    "pace_gap": "a fraction, e.g. 0.10", "stale_days": "a whole number of days, e.g. 2",
}


LANGS = ("zh", "en")


def each(fn, *args) -> dict[str, str]:
    """{"zh": fn(*args, "zh"), "en": fn(*args, "en")}: a value that depends on the language."""
    return {lang: fn(*args, lang) for lang in LANGS}


def both(key: str, **fmt) -> tuple[str, str]:
    """The text of ``key`` in zh and en; a value given as {"zh": …, "en": …} is taken per language."""
    return tuple(i18n.t(key, lang, **{k: v[lang] if isinstance(v, dict) else v for k, v in fmt.items()})
                 for lang in LANGS)


def metric_tables(metric_id: str) -> list[str]:
    """The source tables of a metric's parts (new buyers come from orders)."""
    tables = [PARTS[p].table for p in METRICS[metric_id].parts]
    return list(dict.fromkeys("orders" if t == "first_orders" else t for t in tables))


def check_condition(path: Path, what: str, cond: Condition) -> None:
    """Exactly one condition, and a scope the metric's tables are recorded by (else AttainError)."""
    given = [k for k in CONDITIONS if getattr(cond, k) is not None]
    if not given:
        raise AttainError("no condition", file=path, where=f"{what}, field above",
                          hint="add one of above:, below:, change_above: or change_below:")
    if len(given) > 1:
        raise AttainError(f"{' and '.join(given)} are both given", file=path, where=f"{what}, field {given[1]}",
                          hint="keep one condition per entry (write a second rule for the other)")
    for table in metric_tables(cond.metric):
        bad = [d for d in cond.scope if d not in TABLES[table].dimensions]
        if bad:
            dims = ", ".join(TABLES[table].dimensions) or "date only"
            raise AttainError(f"'{cond.metric}' cannot be scoped by {bad[0]}", file=path,
                              where=f"{what}, field scope.{bad[0]}",
                              hint=f"it uses the {table} table, recorded by {dims}")


def _doc(path: Path) -> dict:
    doc = planfile.read(path) if path.is_file() else None
    if doc is None:
        return {}
    if not isinstance(doc, dict) or set(doc) - {"settings", "rules"}:
        extra = sorted(str(k) for k in doc if k not in ("settings", "rules")) if isinstance(doc, dict) else []
        raise AttainError("expected the keys 'settings' and 'rules'" + (f", found: {', '.join(extra)}" if extra else ""),
                          file=path, where=extra[0] if extra else None,
                          hint="write settings: {pace_gap: 0.10, …} and rules: followed by '- ' entries")
    return doc


def load_alert_rules(plan_dir: str | Path | None = None) -> AlertConfig:
    """``<plan_dir>/alerts.yaml`` (a missing file: the default thresholds, no custom rules)."""
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder if folder.suffix in (".yaml", ".yml") else folder / FILE_NAME
    doc = _doc(path)
    settings = planfile.validate(path, Settings, doc.get("settings") or {}, "settings", HINTS)
    items = planfile.entries(path, {"rules": doc.get("rules")}, "rules")
    rules = []
    for i, item in enumerate(items, start=1):
        what = planfile.label("rule", i, item)
        rule = planfile.validate(path, Rule, item, what, HINTS)
        check_condition(path, what, rule)
        rules.append(rule)
    planfile.no_duplicates(path, "rule", [r.id for r in rules])
    return AlertConfig(settings.model_dump(), tuple(rules), path if path.is_file() else None)


# --- custom rules --------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleResult:
    """A condition evaluated as of a day. For a change rule ``value`` / ``baseline`` are the window's and the
    trailing window's values (per day for an additive metric) and ``change`` = value ÷ baseline − 1.
    ``missing`` names what the data lack when the rule could not be evaluated (then it does not fire)."""
    value: float | None
    baseline: float | None
    fired: bool
    described_zh: str
    described_en: str
    change: float | None = None
    missing: tuple[str, ...] = ()

    @property
    def evaluated(self) -> bool:
        return not self.missing

    def described(self, lang: str) -> str:
        return self.described_en if lang == "en" else self.described_zh


def is_additive(metric_id: str) -> bool:
    """A metric whose value doubles when all its parts double (a sum: GMV, UV …), not a ratio (AOV, CAC …)."""
    m = METRICS[metric_id]
    parts = pd.DataFrame({p: [10.0 + 3 * i] for i, p in enumerate(m.parts)})
    one, two = float(m.formula(parts).iloc[0]), float(m.formula(parts * 2).iloc[0])
    return math.isclose(two, 2 * one, rel_tol=1e-9)


def _scope_text(scope: Mapping) -> str:
    return "、".join("/".join(v) if isinstance(v, list) else str(v) for v in scope.values())


def describe_condition(cond: Condition, lang: str) -> str:
    """E.g. "服饰退货率近7天高于27.00%" / "Return rate (服饰) over the last 7 days above 27.00%"."""
    name, where = i18n.metric_name(cond.metric, lang), _scope_text(cond.scope)
    subject = (where + name) if lang == "zh" else (f"{name} ({where})" if where else name)
    kind, x = cond.condition
    if not cond.is_change:
        value = i18n.fmt_value(x, METRICS[cond.metric].unit, lang)
        return i18n.t("alert_rules.cond.level", lang, subject=subject, days=cond.window,
                      op=i18n.t(f"alert_rules.op.{kind}", lang), threshold=value)
    if (kind == "change_below" and x < 0) or (kind == "change_above" and x > 0):
        op = i18n.t("alert_rules.op." + ("falls" if x < 0 else "rises"), lang, pct=i18n.fmt_pct(abs(x)))
    else:
        op = i18n.t(f"alert_rules.op.{kind}", lang, pct=i18n.fmt_pct(x, signed=True))
    avg = i18n.t("alert_rules.avg", lang) if is_additive(cond.metric) else ""
    return i18n.t("alert_rules.cond.change", lang, subject=subject, days=cond.window, avg=avg,
                  trailing=TRAILING_DAYS, op=op)


def fmt_metric(value: float | None, metric_id: str, lang: str) -> str:
    """A metric value in words by its unit; a count (UV, orders …) averaged per day is shown whole."""
    m = METRICS[metric_id]
    if m.is_count and value is not None and math.isfinite(value):
        value = round(value)
    return i18n.fmt_value(value, m.unit, lang)


def _missing(ds, metric_id: str) -> list[str]:
    out = []
    for p in METRICS[metric_id].parts:
        table = "orders" if PARTS[p].table == "first_orders" else PARTS[p].table
        if not ds.has_table(table):
            out.append(table)
        out += [f"{table}.{c}" for c in PARTS[p].needs if ds.has_table(table) and not ds.has_column(table, c)]
    return list(dict.fromkeys(out))


def metric_value(ds, metric_id: str, start: dt.date, end: dt.date, scope: Mapping | None = None) -> float:
    """The metric over [start, end] (inclusive days) within ``scope`` (attain.metrics.compute, one 口径)."""
    frame = compute(ds, [metric_id], start=start, end=end, where=dict(scope or {}))
    return float(frame[metric_id].iloc[0]) if len(frame) else float("nan")


def _fires(kind: str, x: float, value: float | None) -> bool:
    if value is None or not math.isfinite(value):
        return False
    return value > x if kind.endswith("above") else value < x


def evaluate_rule(ds, rule: Condition, as_of) -> RuleResult:
    """The condition over the ``window`` days ending ``as_of`` (and the TRAILING_DAYS before, for a change)."""
    as_of = parse_date(as_of, "as_of")
    start = as_of - dt.timedelta(days=rule.window - 1)
    cond = each(describe_condition, rule)
    missing = _missing(ds, rule.metric)
    if missing:
        zh, en = both("alert_rules.result.missing", cond=cond, what={"zh": "、".join(missing), "en": ", ".join(missing)})
        return RuleResult(None, None, False, zh, en, missing=tuple(missing))
    kind, x = rule.condition
    value = metric_value(ds, rule.metric, start, as_of, rule.scope)
    if not rule.is_change:
        fired = _fires(kind, x, value)
        zh, en = both("alert_rules.result.level", cond=cond, value=each(fmt_metric, value, rule.metric),
                      state=each(i18n.t, "alert_rules.fired" if fired else "alert_rules.not_fired"))
        return RuleResult(value, None, fired, zh, en)
    t_start = start - dt.timedelta(days=TRAILING_DAYS)
    late = [t for t in metric_tables(rule.metric) if ds.date_range(t)[0] > t_start]
    if late:
        zh, en = both("alert_rules.result.history", cond=cond, table=late[0],
                      first=ds.date_range(late[0])[0].isoformat(), trailing=TRAILING_DAYS)
        return RuleResult(None, None, False, zh, en, missing=(f"{late[0]} history",))
    base = metric_value(ds, rule.metric, t_start, start - dt.timedelta(days=1), rule.scope)
    if is_additive(rule.metric):
        value, base = value / rule.window, base / TRAILING_DAYS
    change = value / base - 1 if math.isfinite(base) and base > 0 else float("nan")
    fired = _fires(kind, x, change)
    zh, en = both("alert_rules.result.change", cond=cond, days=rule.window, trailing=TRAILING_DAYS,
                  value=each(fmt_metric, value, rule.metric), base=each(fmt_metric, base, rule.metric),
                  change=i18n.fmt_growth(change),
                  state=each(i18n.t, "alert_rules.fired" if fired else "alert_rules.not_fired"))
    return RuleResult(value, base, fired, zh, en, change=change)


__all__ = [
    "AlertConfig",
    "Condition",
    "Rule",
    "RuleResult",
    "Settings",
    "both",
    "check_condition",
    "describe_condition",
    "each",
    "evaluate_rule",
    "fmt_metric",
    "is_additive",
    "load_alert_rules",
    "metric_tables",
    "metric_value",
]
