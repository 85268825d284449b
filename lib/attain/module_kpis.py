"""Module KPIs and spend vs plan (模块KPI与预算执行) for the tracking report.

口径 of **spend vs plan** (``spend_plan``), for the budget year ``year`` up to ``as_of``:

- an action's **spent** = Σ spend of the spend-table rows dated from max(action start, 1 Jan) to
  min(action end, as_of, 31 Dec) whose ``module`` names the action's module (its id or Chinese name exactly,
  its English name in any case), whose channel is one of the action's ``scope`` channels (when the scope names
  channels; spend has no category or region, so other scope dimensions do not narrow it) and whose campaign
  matches the action's ``campaign`` pattern (``*`` = any text) when one is given. A row that several actions
  of a module match counts once, for the most specific of them (campaign and channel, then campaign, then
  channel, then module only; the first listed on a tie), so the actions and the unplanned part add up to the
  module's spend;
- **elapsed** = days of the action's window [start, end] passed by as_of ÷ days of the window (0 before it
  starts, 1 after it ends); **planned_to_date** = budget × elapsed; **burn** = spent ÷ planned_to_date;
- a module's **spent** = Σ spend of all its rows from 1 Jan to min(as_of, 31 Dec); **unplanned** = the part
  matched by none of its actions (outside every action's dates, channels or campaign); its budget and
  planned_to_date are the sums over its actions;
- the **total** adds up the modules; ``unassigned`` = spend in the same days whose module names no plan module.

All sums run in the engine (one aggregate query); only the one-row result reaches pandas.

口径 of **module KPIs** (``module_kpis``): each KPI (a metric id of :mod:`attain.metric_defs`) of each action,
computed with :func:`attain.metrics.compute` over the action's window inside the report period
[max(start, period start), min(end, period end, as_of)], filtered by the action's scope, next to the same
days one year earlier (``growth`` = value ÷ base − 1, ``change`` = value − base). The campaign pattern applies
to spend attribution only: the metric dictionary has no campaign dimension.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd

from attain.contract import TABLES
from attain.goals import Action, Module, Plan, split_owners
from attain.metric_defs import METRICS, PARTS
from attain.metrics import compute
from attain.owners import overdue_actions
from attain.targets import period_bounds
from attain.timegrain import parse_date, shift_day

ACTION_COLUMNS = ["module_id", "module_zh", "module_en", "action_zh", "action_en", "owner", "start", "end",
                  "state", "budget", "elapsed", "planned_to_date", "spent", "burn", "note"]
MODULE_COLUMNS = ["module_id", "module_zh", "module_en", "owner", "budget", "planned_to_date", "spent",
                  "unplanned", "burn"]
TOTAL_COLUMNS = ["budget", "planned_to_date", "spent", "unplanned", "burn", "unassigned"]
KPI_COLUMNS = ["module_id", "module_zh", "module_en", "action_zh", "action_en", "owner", "campaign", "kpi", "unit",
               "direction", "state", "reason", "detail", "start", "end", "base_start", "base_end", "value", "base",
               "change", "growth"]


EVENT_KPIS = ("participants", "redemption_rate", "coupon_redemption", "redemption")
MULTIPLES = ("roas",)   # ratios shown as a multiple (3.91) with a relative YoY, as in the goal-setting report


@dataclass
class SpendPlan:
    """Spend vs plan (see the module docstring for the 口径). Frames are None with ``reason``
    ("no_spend_table" | "no_module_column") when the data cannot say."""
    year: int
    as_of: dt.date
    by_action: pd.DataFrame | None
    by_module: pd.DataFrame | None
    total: pd.DataFrame | None
    reason: str | None = None
    tables: tuple[str, ...] = ("spend",)


# --- spend vs plan -------------------------------------------------------------------------

@ibis.udf.scalar.builtin
def like_escape(value: str, pattern: str, escape: str) -> bool:  # DuckDB's LIKE … ESCAPE
    ...


def like_pattern(glob: str) -> str:
    """A campaign glob as a LIKE pattern with ``\\`` as escape: ``*`` -> ``%``; ``%``, ``_``, ``\\`` literal."""
    out = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return out.replace("*", "%")


def scope_channels(action: Action) -> list[str]:
    value = action.scope.get("channel")
    return [] if not value else [value] if isinstance(value, str) else list(value)


def specificity(action: Action) -> int:
    """How narrowly an action claims spend: campaign and channel 3, campaign 2, channel 1, module only 0."""
    return 2 * bool(action.campaign) + bool(scope_channels(action))


def elapsed_share(start: dt.date, end: dt.date, as_of: dt.date) -> float:
    """Days of [start, end] passed by as_of ÷ days of [start, end] (as_of counts as passed)."""
    days = (end - start).days + 1
    return min(max((as_of - start).days + 1, 0), days) / days


def owner_text(owner) -> str | None:
    """An owner field as one text ("A/B" for several people; None for nobody)."""
    return "/".join(split_owners(owner)) or None


def _state(action: Action, as_of: dt.date) -> str:
    return "not_started" if as_of < action.start else "ended" if as_of > action.end else "running"


def _module_cond(t, module: Module):
    return t.module.isin([module.id, module.name.zh]) | (t.module.lower() == module.name.en.lower())


def _action_cond(t, module: Module, action: Action, lo: dt.date, hi: dt.date):
    start, end = max(action.start, lo), min(action.end, hi)
    if start > end:
        return ibis.literal(False)
    cond = _module_cond(t, module) & (t.date >= ibis.date(start.isoformat())) & (t.date <= ibis.date(end.isoformat()))
    if channels := scope_channels(action):
        cond &= t.channel.isin(channels)
    if action.campaign:
        cond &= like_escape(t.campaign, like_pattern(action.campaign), "\\").fill_null(False)
    return cond


def _spend_sums(ds, plan: Plan, lo: dt.date, hi: dt.date) -> dict[str, float]:
    """One aggregate query: spend per action (a<i>_<j>), per module (m<i>), unplanned (u<i>), all rows (all)."""
    t = ds.table("spend")
    t = t.filter((t.date >= ibis.date(lo.isoformat())) & (t.date <= ibis.date(hi.isoformat())))
    exprs = {"all": t.spend.sum()}
    for i, m in enumerate(plan.modules):
        claimed = ibis.literal(False)
        for j in sorted(range(len(m.actions)), key=lambda j: (-specificity(m.actions[j]), j)):
            cond = _action_cond(t, m, m.actions[j], lo, hi)
            exprs[f"a{i}_{j}"] = t.spend.sum(where=cond & ~claimed)
            claimed |= cond
        exprs[f"m{i}"] = t.spend.sum(where=_module_cond(t, m))
        exprs[f"u{i}"] = t.spend.sum(where=_module_cond(t, m) & ~claimed)
    row = t.aggregate(**exprs).execute().iloc[0]
    return {k: (0.0 if pd.isna(v) else float(v)) for k, v in row.items()}


def known(x) -> bool:
    """A number that is there (not None, not NaN)."""
    return x is not None and not pd.isna(x)


def _burn(spent: float, planned: float) -> float:
    return spent / planned if known(planned) and planned and known(spent) else float("nan")


def spend_plan(ds, plan: Plan, as_of, year) -> SpendPlan:
    """Spend vs plan per action, per module and in total for ``year`` up to ``as_of`` (口径: module docstring)."""
    as_of, year = parse_date(as_of, "as_of"), int(year)
    if not ds.has_table("spend"):
        return SpendPlan(year, as_of, None, None, None, "no_spend_table")
    if not ds.has_column("spend", "module"):
        return SpendPlan(year, as_of, None, None, None, "no_module_column")
    lo, hi = dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31))
    sums = _spend_sums(ds, plan, lo, hi) if lo <= hi else {}
    no_campaign = not ds.has_column("spend", "campaign")
    actions, modules = [], []
    for i, m in enumerate(plan.modules):
        for j, a in enumerate(m.actions):
            budget = float("nan") if a.budget is None else float(a.budget)
            elapsed = elapsed_share(a.start, a.end, as_of)
            spent = float("nan") if a.campaign and no_campaign else sums.get(f"a{i}_{j}", 0.0)
            actions.append({"module_id": m.id, "module_zh": m.name.zh, "module_en": m.name.en,
                            "action_zh": a.name.zh, "action_en": a.name.en, "owner": owner_text(a.owner),
                            "start": a.start, "end": a.end, "state": _state(a, as_of), "budget": budget, "elapsed": elapsed,
                            "planned_to_date": budget * elapsed, "spent": spent,
                            "burn": _burn(spent, budget * elapsed),
                            "note": "no_campaign" if a.campaign and no_campaign else None})
        mine = [r for r in actions if r["module_id"] == m.id]
        budget = sum(r["budget"] for r in mine if known(r["budget"]))
        planned = sum(r["planned_to_date"] for r in mine if known(r["planned_to_date"]))
        spent = sums.get(f"m{i}", 0.0)
        modules.append({"module_id": m.id, "module_zh": m.name.zh, "module_en": m.name.en,
                        "owner": owner_text(m.owner), "budget": budget, "planned_to_date": planned, "spent": spent,
                        "unplanned": sums.get(f"u{i}", 0.0), "burn": _burn(spent, planned)})
    by_module = pd.DataFrame(modules, columns=MODULE_COLUMNS)
    tot = {k: float(by_module[k].sum()) for k in ("budget", "planned_to_date", "spent", "unplanned")}
    tot["burn"] = _burn(tot["spent"], tot["planned_to_date"])
    tot["unassigned"] = round(sums.get("all", 0.0) - tot["spent"], 2)
    return SpendPlan(year, as_of, pd.DataFrame(actions, columns=ACTION_COLUMNS), by_module,
                     pd.DataFrame([tot], columns=TOTAL_COLUMNS))


# --- module KPIs ---------------------------------------------------------------------------

def _tables_of(metric: str) -> list[str]:
    return list(dict.fromkeys("orders" if PARTS[p].table == "first_orders" else PARTS[p].table
                              for p in METRICS[metric].parts))


def kpi_gap(ds, metric: str, scope: dict) -> tuple[str, str] | None:
    """Why ``metric`` cannot be measured within ``scope`` on these data: (reason, detail), or None."""
    if metric not in METRICS:
        return "unknown_metric", metric
    for pid in METRICS[metric].parts:
        table = "orders" if PARTS[pid].table == "first_orders" else PARTS[pid].table
        if not ds.has_table(table):
            return "missing_table", table
        for col in PARTS[pid].needs:
            if not ds.has_column(table, col):
                return "missing_column", f"{table}.{col}"
        if bad := [d for d in scope if d not in TABLES[table].dimensions]:
            return "not_by_scope", f"{table}|{','.join(bad)}"
    return None


def _covers(ds, metric: str, start: dt.date) -> bool:
    return all(ds.date_range(t)[0] is not None and ds.date_range(t)[0] <= start for t in _tables_of(metric))


def _values(ds, kpis: list[str], start: dt.date, end: dt.date, scope: dict) -> dict[str, float]:
    if not kpis:
        return {}
    row = compute(ds, kpis, start=start, end=end, where=scope).iloc[0]
    return {k: float(row[k]) for k in kpis}


def _action_rows(ds, m: Module, a: Action, p_lo: dt.date, p_hi: dt.date, as_of: dt.date) -> list[dict]:
    head = {"module_id": m.id, "module_zh": m.name.zh, "module_en": m.name.en, "action_zh": a.name.zh,
            "action_en": a.name.en, "owner": owner_text(a.owner), "campaign": a.campaign}
    lo, hi = max(a.start, p_lo), min(a.end, p_hi, as_of)
    if a.start > p_hi or a.end < p_lo:
        return [head | {"state": "not_in_period"}]
    if lo > hi:
        return [head | {"state": "not_started"}]
    if not a.kpis:
        return [head | {"state": "no_kpis", "start": lo, "end": hi}]
    gaps = {k: kpi_gap(ds, k, a.scope) for k in a.kpis}
    ok = [k for k in dict.fromkeys(a.kpis) if gaps[k] is None]
    b_lo, b_hi = shift_day(lo, -12), shift_day(hi, -12)
    cur = _values(ds, ok, lo, hi, a.scope)
    base = _values(ds, [k for k in ok if _covers(ds, k, b_lo)], b_lo, b_hi, a.scope)
    rows = []
    for k in dict.fromkeys(a.kpis):
        row = head | {"kpi": k, "start": lo, "end": hi, "base_start": b_lo, "base_end": b_hi}
        if gaps[k] is not None:
            rows.append(row | {"state": "no_data", "reason": gaps[k][0], "detail": gaps[k][1]})
            continue
        v, b = cur[k], base.get(k, float("nan"))
        rows.append(row | {"unit": METRICS[k].unit, "direction": METRICS[k].direction, "state": "ok",
                           "reason": None if known(b) else "no_base", "value": v, "base": b, "change": v - b,
                           "growth": v / b - 1 if known(b) and b else float("nan")})
    return rows


def module_kpis(ds, plan: Plan, period: str, as_of) -> pd.DataFrame:
    """One row per action KPI (state "ok" or "no_data"), or one row per action not measured ("not_in_period",
    "not_started", "no_kpis"); columns ``KPI_COLUMNS`` (口径: module docstring)."""
    as_of = parse_date(as_of, "as_of")
    p_lo, p_hi = period_bounds(period)
    rows = [r for m in plan.modules for a in m.actions for r in _action_rows(ds, m, a, p_lo, p_hi, as_of)]
    out = pd.DataFrame(rows, columns=KPI_COLUMNS)
    out.attrs.update(period=period, as_of=as_of)
    return out


__all__ = ["EVENT_KPIS", "MULTIPLES", "SpendPlan", "elapsed_share", "kpi_gap", "like_pattern", "module_kpis",
           "overdue_actions", "spend_plan"]
