"""Alerts of the tracking report (预警): the built-in rules plus the custom rules of ``data/plan/alerts.yaml``.

Built-ins, thresholds from ``tracking_rules.ALERT_DEFAULTS`` as overridden by the file's ``settings:``
(each fires *at* its threshold, ≥):

- ``goal_pace`` (key ``pace:<goal>``) — an open goal of the scoreboard (off track / at risk / on track)
  whose pace index is below 1 − pace_gap; high when the goal is off track, else medium;
- ``cac_over_budget`` (``cac:<channel>``) — a channel's CAC (metric ``cac`` = spend ÷ new buyers, from the
  period start to as_of) ≥ (1 + cac_over) × its budgeted CAC (``budget.yaml`` ``cac_targets``);
  high from (1 + 2 × cac_over) ×;
- ``spend_burn`` (``burn:<module>``, ``burn:total``) — spend to date ÷ planned spend to date (the
  SpendPlan's ``burn``) ≥ 1 + burn_ahead, high from 1 + 2 × burn_ahead; spend with nothing planned to
  date is infinitely ahead;
- ``conversion_drop`` (``conversion:<channel>``, ``conversion:all``) — conversion (orders ÷ UV) of the
  RECENT_DAYS days ending as_of at least conversion_drop (relative) below the TRAILING_DAYS days before,
  per channel with traffic in both windows and overall; high from 2 × conversion_drop;
- ``stale_data`` (``stale:<table>``) — a table whose last day is more than stale_days before as_of;
  high for orders, medium for the others.

Custom rules (``rule:<id>``) are evaluated by ``attain.alert_rules.evaluate_rule``. ``collect_alerts``
runs everything and says which built-ins (and rules) were skipped and why (a missing table or input).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from attain import i18n
from attain.alert_rules import (
    AlertConfig,
    Rule,
    RuleResult,
    both,
    each,
    evaluate_rule,
    load_alert_rules,
)
from attain.alert_state import Alert
from attain.metrics import compute
from attain.timegrain import parse_date
from attain.tracking_rules import (
    ALERT_DEFAULTS,
    OPEN_STATUSES,
    RECENT_DAYS,
    TRAILING_DAYS,
)

BUILTIN_RULES = ("goal_pace", "cac_over_budget", "spend_burn", "conversion_drop", "stale_data")

i18n.register({
    "alerts.rule.goal_pace": {"zh": "目标进度", "en": "Goal pace"},
    "alerts.rule.cac_over_budget": {"zh": "获客成本超预算", "en": "CAC over budget"},
    "alerts.rule.spend_burn": {"zh": "花费超前", "en": "Spend burn"},
    "alerts.rule.conversion_drop": {"zh": "转化率下降", "en": "Conversion drop"},
    "alerts.rule.stale_data": {"zh": "数据滞后", "en": "Stale data"},
    "alerts.rule.custom": {"zh": "自定义规则", "en": "Custom rule"},
    "alerts.msg.pace": {"zh": "{goal}进度落后：至今实际{actual}，按季节性计划应为{expected}{lower}，"
                              "进度指数{pace}（低于{threshold}）。",
                        "en": "{goal} is behind pace: {actual} to date against {expected} expected by the seasonal "
                              "plan{lower}, pace {pace} (below {threshold})."},
    "alerts.msg.landing": {"zh": "{goal}可能无法达成：期末预测{forecast}，达到目标{target}的概率只有{chance}。",
                           "en": "{goal} is unlikely to land: forecast {forecast} for the period, a {chance} chance of "
                                 "reaching {target}."},
    "alerts.lower_better": {"zh": "（越低越好）", "en": " (lower is better)"},
    "alerts.msg.cac": {"zh": "{channel}获客成本{cac}，比预算CAC {target}高{over}（{start}至{end}：花费{spend}，新客{new}人）。",
                       "en": "CAC in {channel} is {cac}, {over} above the budgeted {target} ({start} to {end}: "
                             "spend {spend}, {new} new buyers)."},
    "alerts.msg.burn": {"zh": "{module}已花费{spent}，按计划至今应花{planned}，花费进度{burn}（超前{ahead}）。",
                        "en": "{module} has spent {spent} against {planned} planned to date: burn {burn} "
                              "({ahead} ahead of plan)."},
    "alerts.msg.burn_unplanned": {"zh": "{module}已花费{spent}，但按计划至今尚无预算。",
                                  "en": "{module} has spent {spent} with nothing planned to date."},
    "alerts.total": {"zh": "全部模块合计", "en": "All modules"},
    "alerts.msg.conversion": {"zh": "{channel}转化率近{days}天为{recent}，比前{trailing}天的{base}下降{drop}。",
                              "en": "Conversion in {channel} over the last {days} days is {recent}, {drop} below "
                                    "the {trailing} days before ({base})."},
    "alerts.all_channels": {"zh": "全渠道", "en": "all channels"},
    "alerts.msg.stale": {"zh": "{table}表数据截至{last}，比分析日{as_of}早{days}天（允许{allowed}天）。",
                         "en": "The {table} data end on {last}, {days} day(s) before the analysis date {as_of} "
                               "(allowed: {allowed})."},
    "alerts.msg.rule": {"zh": "{name}：{described}。", "en": "{name}: {described}."},
    "alerts.skip.scoreboard": {"zh": "无计分板，未检查目标进度", "en": "no scoreboard: goal pace not checked"},
    "alerts.skip.table": {"zh": "缺少{table}表，未检查{what}", "en": "no {table} table: {what} not checked"},
    "alerts.skip.budget": {"zh": "无预算或budget.yaml未设置cac_targets，未检查获客成本",
                           "en": "no budget, or no cac_targets in budget.yaml: CAC not checked"},
    "alerts.skip.spend_plan": {"zh": "无花费与计划的对比，未检查花费进度",
                               "en": "no spend-vs-plan figures: spend burn not checked"},
    "alerts.skip.module_column": {"zh": "spend表没有module列，未检查花费进度",
                                  "en": "the spend table has no module column: spend burn not checked"},
    "alerts.skip.period": {"zh": "报告期尚未开始，未检查获客成本", "en": "the period has not started: CAC not checked"},
    "alerts.skip.history": {"zh": "{table}表数据从{first}开始，不够前{trailing}天的比较，未检查转化率",
                            "en": "the {table} data start on {first}, too late for the {trailing} days before: "
                                  "conversion not checked"},
    "alerts.skip.rule": {"zh": "规则{id}未评估：{why}", "en": "rule {id} not evaluated: {why}"},
})


@dataclass(frozen=True)
class Skipped:
    """A built-in or custom rule that could not run, and why."""
    rule: str
    reason_zh: str
    reason_en: str

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reason_zh


@dataclass
class AlertRun:
    """What ``collect_alerts`` found: the alerts (state "new" until compared with the previous run), the
    skipped rules, the thresholds in force and each custom rule's evaluation (by rule id)."""
    alerts: list[Alert]
    skipped: list[Skipped] = field(default_factory=list)
    settings: dict[str, float] = field(default_factory=lambda: dict(ALERT_DEFAULTS))
    results: dict[str, RuleResult] = field(default_factory=dict)


def _skip(rule: str, key: str, **fmt) -> Skipped:
    return Skipped(rule, *both(key, **fmt))


def _settings(settings: Mapping | None) -> dict[str, float]:
    return {**ALERT_DEFAULTS, **(settings or {})}


def _money(v) -> dict[str, str]:
    return each(i18n.fmt_money, v)


def _severity(level: float, high_from: float) -> str:
    return "high" if level >= high_from else "medium"


def channel_owners(plan) -> dict[str, str]:
    """Channel -> owner of the first plan action scoped to exactly that channel (the sample: 直播 -> 周杰)."""
    owners: dict[str, str] = {}
    for module in getattr(plan, "modules", []) or []:
        for action in module.actions:
            channel = action.scope.get("channel")
            who = action.owners or module.owners
            if isinstance(channel, str) and who:
                owners.setdefault(channel, "/".join(who))
    return owners


# --- built-ins ------------------------------------------------------------------------------

def goal_pace_alerts(scoreboard: pd.DataFrame, settings: Mapping | None = None) -> list[Alert]:
    """Open goals with pace < 1 − pace_gap (the scoreboard's pace is already flipped for lower-is-better), and
    off-track goals whose pace is fine but whose landing forecast is unlikely to reach the target (so every
    major deviation has an alert, and its 24-hour clock a start)."""
    threshold = 1 - _settings(settings)["pace_gap"]
    out = []
    for r in scoreboard.itertuples(index=False):
        pace = r.pace
        slow = pace is not None and not math.isnan(pace) and pace < threshold
        if r.status not in OPEN_STATUSES or not (slow or r.status == "off_track"):
            continue
        goal = {"zh": r.name_zh, "en": r.name_en}
        if slow:
            lower = each(i18n.t, "alerts.lower_better") if r.direction == "lower" else ""
            zh, en = both("alerts.msg.pace", goal=goal, lower=lower, actual=each(i18n.fmt_value, r.actual, r.unit),
                          expected=each(i18n.fmt_value, r.expected, r.unit), pace=f"{pace:.2f}",
                          threshold=f"{threshold:.2f}")
        else:
            zh, en = both("alerts.msg.landing", goal=goal, forecast=each(i18n.fmt_value, r.forecast, r.unit),
                          target=each(i18n.fmt_value, r.target, r.unit), chance=i18n.fmt_pct(r.probability, decimals=0))
        out.append(Alert(key=f"pace:{r.goal_id}", rule="goal_pace", subject=str(r.goal_id),
                         severity="high" if r.status == "off_track" else "medium", message_zh=zh, message_en=en,
                         owner=r.owner if isinstance(r.owner, str) and r.owner else None,
                         value=float(pace) if pace is not None and not math.isnan(pace) else None, threshold=threshold,
                         extra={"status": r.status, "actual": r.actual, "expected": r.expected,
                                "probability": getattr(r, "probability", None)}))
    return out


def cac_alerts(ds, cac_targets: Mapping[str, float], settings: Mapping | None, start, as_of,
               owners: Mapping[str, str] | None = None) -> list[Alert]:
    """Channels whose CAC over [start, as_of] is ≥ (1 + cac_over) × the budgeted CAC."""
    over = _settings(settings)["cac_over"]
    start, as_of = parse_date(start, "period start"), parse_date(as_of, "as_of")
    frame = compute(ds, ["cac", "spend", "new_buyers"], by=["channel"], start=start, end=as_of)
    out = []
    for r in frame.itertuples(index=False):
        target = cac_targets.get(r.channel)
        if not target or not math.isfinite(r.cac) or r.cac < (1 + over) * target:
            continue
        zh, en = both("alerts.msg.cac", channel=r.channel, cac=_money(r.cac), target=_money(target),
                       over=i18n.fmt_pct(r.cac / target - 1), start=start.isoformat(), end=as_of.isoformat(),
                       spend=_money(r.spend), new=each(i18n.fmt_count, r.new_buyers))
        out.append(Alert(key=f"cac:{r.channel}", rule="cac_over_budget", subject=r.channel,
                         severity=_severity(r.cac, (1 + 2 * over) * target), message_zh=zh, message_en=en,
                         owner=(owners or {}).get(r.channel), value=float(r.cac), threshold=(1 + over) * target,
                         extra={"budgeted_cac": float(target), "spend": float(r.spend),
                                "new_buyers": int(r.new_buyers)}))
    return out


def _burn(spent: float, planned: float) -> float:
    if planned and planned > 0:
        return spent / planned
    return math.inf if spent > 0 else float("nan")


def burn_alerts(spend_plan, settings: Mapping | None = None) -> list[Alert]:
    """Modules (``spend_plan.by_module``) and the total (``spend_plan.total``) with burn ≥ 1 + burn_ahead."""
    ahead = _settings(settings)["burn_ahead"]
    rows = [(str(r["module_id"]), r["module_zh"], r["module_en"], r.get("owner"), r)
            for _, r in spend_plan.by_module.iterrows()]
    total = spend_plan.total if spend_plan.total is not None else pd.DataFrame()
    rows += [("total", i18n.t("alerts.total", "zh"), i18n.t("alerts.total", "en"), None, r)
             for _, r in total.iterrows()]
    out = []
    for ident, name_zh, name_en, owner, r in rows:
        burn = _burn(float(r["spent"]), float(r["planned_to_date"]))
        if not burn >= 1 + ahead:
            continue
        key = "alerts.msg.burn" if math.isfinite(burn) else "alerts.msg.burn_unplanned"
        zh, en = both(key, module={"zh": name_zh, "en": name_en}, spent=_money(r["spent"]), planned=_money(r["planned_to_date"]),
                       burn=i18n.fmt_pct(burn, decimals=0), ahead=i18n.fmt_pct(burn - 1, decimals=0))
        out.append(Alert(key=f"burn:{ident}", rule="spend_burn", subject=ident, message_zh=zh, message_en=en,
                         severity=_severity(burn, 1 + 2 * ahead), owner=owner if isinstance(owner, str) else None,
                         value=burn if math.isfinite(burn) else None, threshold=1 + ahead,
                         extra={"spent": float(r["spent"]), "planned_to_date": float(r["planned_to_date"])}))
    return out


def _conversion(ds, start: dt.date, end: dt.date) -> pd.DataFrame:
    """conversion_rate and uv per channel, plus an overall row (channel None)."""
    by = compute(ds, ["conversion_rate", "uv"], by=["channel"], start=start, end=end)
    total = compute(ds, ["conversion_rate", "uv"], start=start, end=end).assign(channel=None)
    return pd.concat([by, total[by.columns]], ignore_index=True).set_index("channel")


def conversion_alerts(ds, settings: Mapping | None, as_of, owners: Mapping[str, str] | None = None) -> list[Alert]:
    """Conversion of the last RECENT_DAYS days vs the TRAILING_DAYS before: a relative drop ≥ conversion_drop."""
    drop_at = _settings(settings)["conversion_drop"]
    as_of = parse_date(as_of, "as_of")
    start = as_of - dt.timedelta(days=RECENT_DAYS - 1)
    recent = _conversion(ds, start, as_of)
    base = _conversion(ds, start - dt.timedelta(days=TRAILING_DAYS), start - dt.timedelta(days=1))
    out = []
    for channel in [c for c in recent.index if c in base.index]:
        r, b = recent.loc[channel], base.loc[channel]
        if not (r["uv"] > 0 and b["uv"] > 0 and b["conversion_rate"] > 0):
            continue
        drop = 1 - r["conversion_rate"] / b["conversion_rate"]
        if drop < drop_at:
            continue
        name = each(i18n.t, "alerts.all_channels") if channel is None else channel
        zh, en = both("alerts.msg.conversion", channel=name, days=RECENT_DAYS, trailing=TRAILING_DAYS,
                       recent=i18n.fmt_pct(r["conversion_rate"], decimals=2),
                       base=i18n.fmt_pct(b["conversion_rate"], decimals=2), drop=i18n.fmt_pct(drop))
        subject = channel or "all"
        out.append(Alert(key=f"conversion:{subject}", rule="conversion_drop", subject=subject,
                         severity=_severity(drop, 2 * drop_at), message_zh=zh, message_en=en,
                         owner=(owners or {}).get(channel) if channel else None, value=float(drop),
                         threshold=drop_at, extra={"recent": float(r["conversion_rate"]),
                                                   "trailing": float(b["conversion_rate"])}))
    return out


def stale_alerts(ds, settings: Mapping | None, as_of) -> list[Alert]:
    """Tables whose last day is more than stale_days before as_of (high for orders)."""
    allowed = int(_settings(settings)["stale_days"])
    as_of = parse_date(as_of, "as_of")
    out = []
    for name, info in ds.tables.items():
        days = (as_of - info.date_max).days
        if days <= allowed:
            continue
        zh, en = both("alerts.msg.stale", table=name, last=info.date_max.isoformat(), as_of=as_of.isoformat(),
                       days=days, allowed=allowed)
        out.append(Alert(key=f"stale:{name}", rule="stale_data", subject=name, message_zh=zh, message_en=en,
                         severity="high" if name == "orders" else "medium", value=float(days),
                         threshold=float(allowed), extra={"last_day": info.date_max.isoformat()}))
    return out


def rule_alerts(ds, rules, as_of) -> tuple[list[Alert], dict[str, RuleResult], list[Skipped]]:
    """Custom rules: an alert per fired rule, every rule's evaluation, and the rules that could not run."""
    alerts, results, skipped = [], {}, []
    for rule in rules:
        res = results[rule.id] = evaluate_rule(ds, rule, as_of)
        if not res.evaluated:
            skipped.append(Skipped(f"rule:{rule.id}", *both("alerts.skip.rule", id=rule.id, why=each(res.described))))
        elif res.fired:
            zh, en = both("alerts.msg.rule", name=each(rule.name.get), described=each(res.described))
            alerts.append(Alert(key=f"rule:{rule.id}", rule=rule.id, severity=rule.severity, subject=rule.id,
                                message_zh=zh, message_en=en, owner=rule.owner,
                                value=res.change if res.change is not None else res.value,
                                threshold=rule.condition[1],
                                extra={"name_zh": rule.name.zh, "name_en": rule.name.en, "metric": rule.metric}))
    return alerts, results, skipped


def _burn_skip(ds, spend_plan) -> Skipped:
    """Why the burn alert cannot run: no spend table, no module column, or no spend-vs-plan figures."""
    reason = getattr(spend_plan, "reason", None)
    if reason == "no_spend_table" or not ds.has_table("spend"):
        return _skip("spend_burn", "alerts.skip.table", table="spend", what=each(i18n.t, "alerts.rule.spend_burn"))
    if reason == "no_module_column":
        return _skip("spend_burn", "alerts.skip.module_column")
    return _skip("spend_burn", "alerts.skip.spend_plan")


def collect_alerts(ds, *, scoreboard: pd.DataFrame | None, spend_plan, budget_plan, config: AlertConfig | None,
                   period_start, as_of, plan=None) -> AlertRun:
    """All alerts as of ``as_of``; a built-in whose input is missing is skipped with a reason.

    ``spend_plan``: a module_kpis.SpendPlan (``by_module`` / ``total`` frames) or None; ``budget_plan``:
    a BudgetPlan (its ``cac_targets``) or None; ``plan``: the execution plan, for channel owners.
    """
    config = config or AlertConfig()
    s, owners = _settings(config.settings), channel_owners(plan)
    start, as_of = parse_date(period_start, "period start"), parse_date(as_of, "as_of")
    alerts: list[Alert] = []
    skipped: list[Skipped] = []
    if scoreboard is None:
        skipped.append(_skip("goal_pace", "alerts.skip.scoreboard"))
    else:
        alerts += goal_pace_alerts(scoreboard, s)
    targets = getattr(budget_plan, "cac_targets", None) or {}
    if not ds.has_table("spend"):
        skipped.append(_skip("cac_over_budget", "alerts.skip.table", table="spend",
                             what=each(i18n.t, "alerts.rule.cac_over_budget")))
    elif not targets:
        skipped.append(_skip("cac_over_budget", "alerts.skip.budget"))
    elif start > as_of:
        skipped.append(_skip("cac_over_budget", "alerts.skip.period"))
    else:
        alerts += cac_alerts(ds, targets, s, start, as_of, owners)
    if spend_plan is None or getattr(spend_plan, "by_module", None) is None:
        skipped.append(_burn_skip(ds, spend_plan))
    else:
        alerts += burn_alerts(spend_plan, s)
    trailing_start = as_of - dt.timedelta(days=RECENT_DAYS + TRAILING_DAYS - 1)
    if not ds.has_table("traffic"):
        skipped.append(_skip("conversion_drop", "alerts.skip.table", table="traffic",
                             what=each(i18n.t, "alerts.rule.conversion_drop")))
    elif (late := [t for t in ("orders", "traffic") if ds.date_range(t)[0] > trailing_start]):
        skipped.append(_skip("conversion_drop", "alerts.skip.history", table=late[0], trailing=TRAILING_DAYS,
                             first=ds.date_range(late[0])[0].isoformat()))
    else:
        alerts += conversion_alerts(ds, s, as_of, owners)
    alerts += stale_alerts(ds, s, as_of)
    custom, results, skipped_rules = rule_alerts(ds, config.rules, as_of)
    return AlertRun(alerts + custom, skipped + skipped_rules, s, results)


__all__ = [
    "BUILTIN_RULES",
    "AlertConfig",
    "AlertRun",
    "Rule",
    "RuleResult",
    "Skipped",
    "burn_alerts",
    "cac_alerts",
    "channel_owners",
    "collect_alerts",
    "conversion_alerts",
    "evaluate_rule",
    "goal_pace_alerts",
    "load_alert_rules",
    "rule_alerts",
    "stale_alerts",
]
