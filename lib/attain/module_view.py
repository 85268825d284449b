"""Module KPIs and spend vs plan in words, tables and a chart (the tracking report's module section).

The numbers come from :mod:`attain.module_kpis` (see its docstring for the 口径).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from attain import display, i18n, style, viz
from attain.decompose_tables import period_text
from attain.metric_defs import METRICS
from attain.module_kpis import EVENT_KPIS, MULTIPLES, SpendPlan, known
from attain.owners import show_overdue
from attain.tracking_rules import ALERT_DEFAULTS

i18n.register({
    "mk.section": {"zh": "模块KPI与预算执行", "en": "Module KPIs and budget"},
    "mk.h.kpis": {"zh": "各模块KPI（{period}，与去年同期对比）", "en": "Module KPIs ({period}, vs a year earlier)"},
    "mk.h.budget": {"zh": "预算执行：已花费与计划进度（{year}年）", "en": "Budget: spent vs planned to date ({year})"},
    "mk.h.actions": {"zh": "各行动的预算执行", "en": "Budget by action"},
    "mk.col.module": {"zh": "策略模块", "en": "Module"}, "mk.col.action": {"zh": "行动", "en": "Action"},
    "mk.col.owner": {"zh": "负责人", "en": "Owner"}, "mk.col.kpi": {"zh": "关键指标(KPI)", "en": "KPI"},
    "mk.col.window": {"zh": "统计区间", "en": "Days"}, "mk.col.value": {"zh": "实际值", "en": "Actual"},
    "mk.col.base": {"zh": "去年同期", "en": "A year earlier"}, "mk.col.change": {"zh": "同比", "en": "YoY"},
    "mk.col.note": {"zh": "说明", "en": "Note"}, "mk.col.budget": {"zh": "全年预算", "en": "Budget"},
    "mk.col.dates": {"zh": "起止日期", "en": "Dates"}, "mk.col.elapsed": {"zh": "时间进度", "en": "Time elapsed"},
    "mk.col.planned": {"zh": "计划至今", "en": "Planned to date"}, "mk.col.spent": {"zh": "已花费", "en": "Spent"},
    "mk.col.burn": {"zh": "花费进度", "en": "Burn"}, "mk.col.unplanned": {"zh": "其中计划外", "en": "Of which unplanned"},
    "mk.col.state": {"zh": "状态", "en": "Status"},
    "mk.state.not_in_period": {"zh": "本期未执行", "en": "not in this period"},
    "mk.state.not_started": {"zh": "尚未开始", "en": "not started yet"},
    "mk.state.no_kpis": {"zh": "未设KPI", "en": "no KPIs set"},
    "mk.state.running": {"zh": "进行中", "en": "running"}, "mk.state.ended": {"zh": "已结束", "en": "ended"},
    "mk.reason.missing_table": {"zh": "无数据：缺少{detail}表", "en": "no data: no {detail} table"},
    "mk.reason.missing_column": {"zh": "无数据：缺少{detail}列", "en": "no data: no {detail} column"},
    "mk.reason.not_by_scope": {"zh": "无数据：{detail}", "en": "no data: {detail}"},
    "mk.reason.unknown_metric": {"zh": "无数据：指标字典中没有{detail}", "en": "no data: {detail} is not in the metric dictionary"},
    "mk.reason.no_base": {"zh": "去年同期无数据", "en": "no data a year earlier"},
    "mk.note.no_campaign": {"zh": "花费表没有campaign列，无法按活动归属", "en": "the spend table has no campaign column"},
    "mk.not_by": {"zh": "{table}表不按{dims}记录", "en": "{table} is not recorded by {dims}"},
    "mk.missing.no_spend_table": {
        "zh": "数据中没有花费表（spend），无法对比预算执行；有了花费表（含module列），本节会按模块和行动对比已花费与计划进度。",
        "en": "The data have no spend table, so spend cannot be compared with the budget; with a spend table (with "
              "a module column) this section compares spent with planned to date by module and action."},
    "mk.missing.no_module_column": {
        "zh": "花费表没有module列，无法把花费归到策略模块；加上module列（填模块的中文名、编号或英文名）后，本节会按模块和行动对比已花费与计划进度。",
        "en": "The spend table has no module column, so spend cannot be attributed to strategy modules; with a "
              "module column (the module's Chinese name, id or English name) this section compares spent with "
              "planned to date by module and action."},
    "mk.find.spend": {"zh": "截至{as_of}，各模块今年已花费{spent}，为计划进度{planned}的{burn}（全年预算{budget}）",
                      "en": "By {as_of} the modules had spent {spent} this year, {burn} of the {planned} planned to "
                            "date (budget {budget})"},
    "mk.find.fastest": {"zh": "；花费进度最快的是{module}（{burn}）", "en": "; {module} has the highest burn ({burn})"},
    "mk.find.unplanned": {"zh": "；{amount}花费不属于任何计划行动，最多在{module}（{module_amount}）",
                          "en": "; {amount} was spent outside any planned action, most in {module} ({module_amount})"},
    "mk.find.no_spend": {"zh": "数据中没有花费表，无法对比预算执行", "en": "The data have no spend table, so spend "
                                                                      "cannot be compared with the budget"},
    "mk.find.no_module": {"zh": "花费表没有module列，无法按模块对比预算执行",
                          "en": "The spend table has no module column, so spend cannot be compared with the budget "
                                "by module"},
    "mk.find.kpis": {"zh": "；{n}项KPI中{better}项好于去年同期，最弱的是{action}的{kpi}（{change}）",
                     "en": "; {better} of {n} KPIs are better than a year earlier, the weakest being {kpi} of "
                           "{action} ({change})"},
    "mk.find.no_data": {"zh": "；{n}项KPI无数据", "en": "; {n} KPI(s) have no data"},
    "mk.find.events": {"zh": "；{module}的活动参与人数与优惠券核销率无法衡量，需要优惠券/参与数据",
                       "en": "; for {module}, participants and coupon redemption cannot be measured without "
                             "coupon/participant data"},
    "mk.find.end": {"zh": "。", "en": "."},
    "mk.note.rules": {"zh": "口径：计划至今 = 行动预算 × 已过天数占比；花费进度 = 已花费 ÷ 计划至今；行动花费 = 花费表中属于该模块、"
                            "行动渠道与活动、且在行动日期内（今年至分析日）的花费；计划外 = 模块花费中不属于任何行动的部分。",
                      "en": "Planned to date = the action's budget × the share of its days passed; burn = spent ÷ "
                            "planned to date; an action's spend = spend rows of its module, channel(s) and campaign "
                            "within its dates (this year, up to as_of); unplanned = module spend no action claims."},
    "mk.note.kpis": {"zh": "KPI按行动的范围（渠道等）与行动在本期内的日期计算，对比去年同期相同日期；比率类指标的同比为百分点变化。",
                     "en": "KPIs are measured within each action's scope (channel etc.) over its days in the period, "
                           "against the same days a year earlier; for rates the change is in percentage points."},
    "mk.chart.title": {"zh": "各模块已花费与计划进度（{year}年至{as_of}）",
                       "en": "Spent vs planned to date by module ({year} to {as_of})"},
    "mk.chart.planned": {"zh": "计划至今", "en": "Planned to date"},
    "mk.chart.spent": {"zh": "已花费（行动内）", "en": "Spent on planned actions"},
    "mk.chart.unplanned": {"zh": "已花费（计划外）", "en": "Spent outside actions"},
    "mk.chart.axis": {"zh": "金额（元）", "en": "Amount (CNY)"},
    "mk.chart.note": {"zh": "百分比 = 已花费 ÷ 计划至今；红色：花费进度≥{ahead}", "en": "% = spent ÷ planned to date; red: burn ≥ {ahead}"},
    "mk.total": {"zh": "合计", "en": "Total"},
})


# --- words ---------------------------------------------------------------------------------

def _name(row, what: str, lang: str) -> str:
    return str(row[f"{what}_{lang}"])


def _better(row) -> float:
    """Direction-adjusted growth: > 0 is better than a year earlier."""
    g = row["growth"]
    return g if row["direction"] == "higher" else -g


def _fmt_kpi(value, row, lang: str) -> str:
    if row["kpi"] in MULTIPLES:
        return i18n.MISSING if i18n.is_missing(value) else f"{float(value):.2f}"
    return i18n.fmt_value(value, row["unit"], lang)


def _change_text(row, lang: str) -> str:
    if row["unit"] == "ratio" and row["kpi"] not in MULTIPLES:
        return i18n.fmt_pp(row["change"], lang, decimals=2)
    return i18n.fmt_growth(row["growth"])


def _spend_clauses(sp: SpendPlan, lang: str) -> list[str]:
    if sp.reason:
        return [i18n.t("mk.find.no_spend" if sp.reason == "no_spend_table" else "mk.find.no_module", lang)]
    tot, mods = sp.total.iloc[0], sp.by_module
    out = [i18n.t("mk.find.spend", lang, as_of=i18n.fmt_date(sp.as_of, lang), spent=i18n.fmt_money(tot["spent"], lang),
                  planned=i18n.fmt_money(tot["planned_to_date"], lang), burn=i18n.fmt_pct(tot["burn"], decimals=0),
                  budget=i18n.fmt_money(tot["budget"], lang))]
    burning = mods.dropna(subset=["burn"])
    if len(burning) > 1:
        top = burning.sort_values("burn", ascending=False, kind="stable").iloc[0]
        out.append(i18n.t("mk.find.fastest", lang, module=_name(top, "module", lang),
                          burn=i18n.fmt_pct(top["burn"], decimals=0)))
    if tot["unplanned"] > 0:
        top = mods.sort_values("unplanned", ascending=False, kind="stable").iloc[0]
        out.append(i18n.t("mk.find.unplanned", lang, amount=i18n.fmt_money(tot["unplanned"], lang),
                          module=_name(top, "module", lang), module_amount=i18n.fmt_money(top["unplanned"], lang)))
    return out


def _kpi_clauses(kpis: pd.DataFrame, lang: str) -> list[str]:
    out = []
    ok = kpis[(kpis["state"] == "ok") & kpis["growth"].notna()]
    if len(ok):
        better = ok.apply(_better, axis=1)
        worst = ok.loc[better.idxmin()]
        out.append(i18n.t("mk.find.kpis", lang, n=len(ok), better=int((better > 0).sum()),
                          action=_name(worst, "action", lang), kpi=i18n.metric_name(worst["kpi"], lang),
                          change=_change_text(worst, lang)))
    if n := int((kpis["state"] == "no_data").sum()):
        out.append(i18n.t("mk.find.no_data", lang, n=n))
    events = kpis[kpis["campaign"].notna() | kpis["kpi"].isin(EVENT_KPIS)].drop_duplicates("module_id")
    out += [i18n.t("mk.find.events", lang, module=_name(r, "module", lang)) for _, r in events.iterrows()]
    return out


def finding(kpis: pd.DataFrame, spend: SpendPlan, lang: str) -> str:
    """One line: spend vs plan to date, the fastest burner, unplanned spend, KPIs vs a year earlier, KPIs
    without data; a module of campaigns (an action with a campaign, or a participants/redemption KPI) is told
    that participants and coupon redemption need coupon/participant data (the data contract has none)."""
    text = "".join(_spend_clauses(spend, lang) + _kpi_clauses(kpis, lang))
    return text.lstrip("；; ") + i18n.t("mk.find.end", lang)


# --- tables --------------------------------------------------------------------------------

def _note(row, lang: str) -> str:
    if row["state"] != "ok":
        if row["state"] == "no_data":
            return reason_text(row["reason"], row["detail"], lang)
        return i18n.t(f"mk.state.{row['state']}", lang)
    return i18n.t("mk.reason.no_base", lang) if row["reason"] == "no_base" else ""


def reason_text(reason: str, detail: str, lang: str) -> str:
    if reason == "not_by_scope":
        table, dims = str(detail).split("|")
        detail = i18n.t("mk.not_by", lang, table=table, dims=dims)
    return i18n.t(f"mk.reason.{reason}", lang, detail=detail)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _window(start, end, lang: str) -> str:
    return i18n.fmt_day_span(start, end, lang) if isinstance(start, dt.date) else ""


def kpi_table(kpis: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One table grouped by module (the module named on its first row): action, owner, KPI, days, actual,
    a year earlier, YoY (pp for rates), note."""
    col = lambda k: i18n.t(f"mk.col.{k}", lang)
    rows, last = [], None
    for _, r in kpis.iterrows():
        module, ok, kpi = _name(r, "module", lang), r["state"] == "ok", _text(r["kpi"])
        rows.append({col("module"): module if module != last else "", col("action"): _name(r, "action", lang),
                     col("owner"): _text(r["owner"]),
                     col("kpi"): i18n.metric_name(kpi, lang) if kpi in METRICS else kpi,
                     col("window"): _window(r["start"], r["end"], lang),
                     col("value"): _fmt_kpi(r["value"], r, lang) if ok else "",
                     col("base"): _fmt_kpi(r["base"], r, lang) if ok else "",
                     col("change"): _change_text(r, lang) if ok else "", col("note"): _note(r, lang)})
        last = module
    return pd.DataFrame(rows, columns=[col(k) for k in ("module", "action", "owner", "kpi", "window", "value",
                                                         "base", "change", "note")])


def budget_table(sp: SpendPlan, lang: str) -> pd.DataFrame | None:
    """Per module and in total: budget, planned to date, spent, burn, of which unplanned."""
    if sp.by_module is None:
        return None
    col = lambda k: i18n.t(f"mk.col.{k}", lang)
    m = sp.by_module
    total = sp.total.iloc[0]
    names = [_name(r, "module", lang) for _, r in m.iterrows()] + [i18n.t("mk.total", lang)]
    money = lambda key: [i18n.fmt_money(v, lang) for v in list(m[key]) + [total[key]]]
    return pd.DataFrame({col("module"): names, col("owner"): list(m["owner"].fillna("")) + [""],
                         col("budget"): money("budget"), col("planned"): money("planned_to_date"),
                         col("spent"): money("spent"),
                         col("burn"): [i18n.fmt_pct(v, decimals=0) for v in list(m["burn"]) + [total["burn"]]],
                         col("unplanned"): money("unplanned")})


def action_table(sp: SpendPlan, lang: str) -> pd.DataFrame | None:
    """Per action: module, owner, dates, status, budget, time elapsed, planned to date, spent, burn."""
    if sp.by_action is None:
        return None
    col = lambda k: i18n.t(f"mk.col.{k}", lang)
    a = sp.by_action
    return pd.DataFrame({
        col("module"): [_name(r, "module", lang) for _, r in a.iterrows()],
        col("action"): [_name(r, "action", lang) for _, r in a.iterrows()],
        col("owner"): list(a["owner"].fillna("")),
        col("dates"): [f"{s.isoformat()} – {e.isoformat()}" for s, e in zip(a["start"], a["end"])],
        col("state"): [i18n.t(f"mk.state.{s}", lang) for s in a["state"]],
        col("budget"): [i18n.fmt_money(v, lang) for v in a["budget"]],
        col("elapsed"): [i18n.fmt_pct(v, decimals=0) for v in a["elapsed"]],
        col("planned"): [i18n.fmt_money(v, lang) for v in a["planned_to_date"]],
        col("spent"): [i18n.fmt_money(v, lang) for v in a["spent"]],
        col("burn"): [i18n.fmt_pct(v, decimals=0) if n is None else i18n.t("mk.note.no_campaign", lang)
                      for v, n in zip(a["burn"], a["note"])]})


# --- chart and section ---------------------------------------------------------------------

def spend_chart(sp: SpendPlan, lang: str) -> Figure | None:
    """Horizontal bars per module: planned to date (grey) and spent, split into spent on planned actions
    and spent outside them (hatched); red when burn ≥ 1 + the burn-ahead alert threshold; burn % labelled."""
    if sp.by_module is None or sp.by_module.empty:
        return None
    m = sp.by_module.iloc[::-1].reset_index(drop=True)
    fig, ax = viz.new_figure(height=0.7 * len(m) + 1.8)
    y = np.arange(len(m))
    ahead = 1 + ALERT_DEFAULTS["burn_ahead"]
    colors = [style.SERIES_COLORS["accent"] if known(b) and b >= ahead else style.SERIES_COLORS["current"]
              for b in m["burn"]]
    ax.barh(y + 0.2, m["planned_to_date"], height=0.38, color=style.SERIES_COLORS["previous"],
            label=i18n.t("mk.chart.planned", lang))
    inside = m["spent"] - m["unplanned"]
    ax.barh(y - 0.2, inside, height=0.38, color=colors, label=i18n.t("mk.chart.spent", lang))
    ax.barh(y - 0.2, m["unplanned"], left=inside, height=0.38, color="white", edgecolor=colors, hatch="////",
            linewidth=0.8, label=i18n.t("mk.chart.unplanned", lang))
    for yi, spent, burn in zip(y, m["spent"], m["burn"]):
        ax.text(spent, yi - 0.2, " " + i18n.fmt_pct(burn, decimals=0), va="center", fontsize=9)
    ax.set_yticks(y, [str(v) for v in m[f"module_{lang}"]])
    ax.set_xlabel(i18n.t("mk.chart.axis", lang))
    viz.money_axis(ax, lang, "x")
    ax.set_xlim(0, max(float(m["spent"].max()), float(m["planned_to_date"].max()), 1.0) * 1.15)
    ax.set_title(i18n.t("mk.chart.title", lang, year=sp.year, as_of=sp.as_of.isoformat()))
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", visible=False)
    viz.add_source(fig, list(sp.tables), sp.as_of, lang,
                   i18n.t("mk.chart.note", lang, ahead=i18n.fmt_pct(ahead, decimals=0)))
    return fig


def show(kpis: pd.DataFrame, spend: SpendPlan, overdue: pd.DataFrame | None, lang: str, *, as_of=None) -> None:
    """Heading, finding, the KPI table by module, the budget tables and the spent-vs-planned chart (or what
    the missing spend table/column would add), then the overdue actions and measures (``overdue``:
    :func:`attain.owners.overdue_actions`; None leaves them out)."""
    display.heading("mk.section", lang)
    display.paragraph(finding(kpis, spend, lang))
    period = kpis.attrs.get("period")
    display.heading("mk.h.kpis", lang, level=3, period=period_text(period, lang) if period else "")
    display.table(kpi_table(kpis, lang))
    display.note(i18n.t("mk.note.kpis", lang))
    display.heading("mk.h.budget", lang, level=3, year=spend.year)
    if spend.reason:
        display.paragraph(i18n.t(f"mk.missing.{spend.reason}", lang))
    else:
        display.table(budget_table(spend, lang))
        display.figure(spend_chart(spend, lang))
        display.heading("mk.h.actions", lang, level=4)
        display.table(action_table(spend, lang))
        display.note(i18n.t("mk.note.rules", lang))
    if overdue is not None:
        show_overdue(overdue, lang, as_of if as_of is not None else spend.as_of)


__all__ = ["action_table", "budget_table", "finding", "kpi_table", "reason_text", "show", "spend_chart"]
