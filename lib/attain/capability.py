"""Capability maturity (能力成熟度): the team's self-assessment held against indicators from the data.

``data/plan/capabilities.yaml`` grades six capabilities basic / growing / leading (基础/成长/领先).
Each has data indicators (``capability_rules.INDICATORS``, the one mapping), each indicator a
direction (improving / stable / worsening, or good / fair / poor for the data states) by the
thresholds of ``CapabilityRules``, and each capability a verdict against its self-assessed level
(supports / contradicts / neutral).

``analyse(ds, as_of, lookback_months, plan_dir, *, efficiency=None, freshness=None, customers=None)``
reads what the report's other sections computed already: CAC by quarter (``mix.analyse_efficiency``),
new buyers by month and the repurchase rate by quarter (``customers.analyse``), each table's last
day and the missing tables (``freshness.check``). A result not passed is computed with that
section's own function. Its own queries are two: GMV (and UV) by channel in the last 12 full months
and in the 12 before, plus the total conversion rate of each (``attain.metrics.compute``).

口径 of the indicators: brand = 自然搜索's share of GMV (orders) and of UV (traffic), a proxy for
brand demand; content = GMV of 短视频/直播/KOL and its share; conversion = the dictionary's
conversion rate (orders ÷ UV) — these over the last 12 full months vs the 12 before. Acquisition =
CAC (spend ÷ new buyers) and new buyers (first order in the whole data falls in the quarter, so the
first months of a data set overstate them); CRM = repurchase rate (buyers with ≥ 2 orders in the
quarter ÷ buyers) — these in the last full quarter vs the same quarter a year earlier. Data
analysis = the longest lag between a table's last date and ``as_of`` and the number of contract
tables present.

Modules: ``capability_rules`` (indicators, directions, verdicts), ``capability_plan``
(capabilities.yaml), ``capability_view`` (texts, tables, chart, ``finding``, ``show``).
"""

from __future__ import annotations

import math

import pandas as pd

from attain import freshness as fresh
from attain import mix, section_inputs
from attain.capability_plan import LEVEL_WORDS, PLAN_FILE, CapabilityPlan, load_capabilities
from attain.capability_rules import (BRAND_CHANNELS, CAPABILITIES, CONTENT_CHANNELS, INDICATORS, LEVELS, POLARITY,
                                     VERDICTS, CapabilityInputs, CapabilityResult, CapabilityRules, Indicator,
                                     direction, evidence, judge, measure_inputs, verdict)
from attain.capability_view import (TEXTS, VERDICT_COLORS, chart, finding, indicator_name, indicator_table,
                                    notes_table, result_tables, rules_text, show)
from attain.metrics import compute
from attain.timegrain import last_full_quarter, month_end, month_start, parse_date

__all__ = ["analyse", "gather", "measure", "finding", "show",
           # rules (attain.capability_rules)
           "BRAND_CHANNELS", "CAPABILITIES", "CONTENT_CHANNELS", "INDICATORS", "LEVELS", "POLARITY", "VERDICTS",
           "CapabilityInputs", "CapabilityResult", "CapabilityRules", "Indicator", "direction", "evidence", "judge",
           "measure_inputs", "verdict",
           # the plan file (attain.capability_plan) and the words and chart (attain.capability_view)
           "LEVEL_WORDS", "PLAN_FILE", "CapabilityPlan", "load_capabilities", "TEXTS", "VERDICT_COLORS", "chart",
           "indicator_name", "indicator_table", "notes_table", "result_tables", "rules_text"]


def _channel_period(ds, months) -> tuple[pd.DataFrame, float]:
    """GMV (and UV) by channel over ``months`` and the total conversion rate (NaN without traffic)."""
    start, end = month_start(months[0]), month_end(months[-1])
    traffic = ds.has_table("traffic")
    frame = compute(ds, ["gmv", "uv"] if traffic else ["gmv"], by=["channel"], start=start, end=end)
    total = compute(ds, ["conversion_rate"], start=start, end=end) if traffic else None
    return frame, float(total["conversion_rate"].iloc[0]) if total is not None and len(total) else math.nan


def gather(ds, as_of, lookback_months: int = 12, *, efficiency: mix.Efficiency | None = None,
           freshness: fresh.Freshness | None = None, customers=None) -> CapabilityInputs:
    """The indicators' inputs: the sections' results (computed when not given) and the channel frames."""
    day = parse_date(as_of, "as_of")
    if efficiency is None:
        efficiency = mix.analyse_efficiency(ds, day, lookback_months)
    if freshness is None:
        freshness = fresh.check(ds, day)
    if customers is None:
        customers = section_inputs.light_customers(ds, day, lookback_months, monthly=True)
    recent, base = section_inputs.last12(day)
    periods = {"recent": _channel_period(ds, recent), "base": _channel_period(ds, base)}
    cac = section_inputs.cac_by_quarter(efficiency)
    repurchase = section_inputs.repurchase_by_quarter(customers)
    why = {"cac": "no_table:spend"}
    if customers.reason:
        why.update(new_buyers="no_ids", repurchase_rate="no_ids")
    return CapabilityInputs(
        as_of=day, months=recent, base_months=base, quarter=last_full_quarter(day),
        channels={p: f for p, (f, _) in periods.items()}, conversion={p: c for p, (_, c) in periods.items()},
        quarters={"cac": None if cac is None else cac.set_index("quarter")["cac"],
                  "new_buyers": section_inputs.new_buyers_by_quarter(customers),
                  "repurchase_rate": None if repurchase is None
                  else repurchase.set_index("quarter")["repurchase_rate"]},
        covers={"cac": efficiency.window.start, "new_buyers": customers.window.start,
                "repurchase_rate": customers.data_start},     # year-ago rates come with each quarter (base_rate)
        tables=freshness.tables, missing_tables=list(freshness.missing["table"]), why=why)


def measure(ds, as_of, lookback_months: int = 12, rules: CapabilityRules = CapabilityRules(), *,
            efficiency: mix.Efficiency | None = None, freshness: fresh.Freshness | None = None,
            customers=None) -> pd.DataFrame:
    """Every indicator, one row each (columns as ``CapabilityResult.indicators``)."""
    return measure_inputs(gather(ds, as_of, lookback_months, efficiency=efficiency, freshness=freshness,
                                 customers=customers), rules)


def analyse(ds, as_of, lookback_months: int = 12, plan_dir="data/plan", *, efficiency: mix.Efficiency | None = None,
            freshness: fresh.Freshness | None = None, customers=None,
            rules: CapabilityRules = CapabilityRules()) -> CapabilityResult:
    """Load the self-assessment, measure the indicators (reusing the results passed), judge each capability."""
    plan = load_capabilities(plan_dir)
    inputs = gather(ds, as_of, lookback_months, efficiency=efficiency, freshness=freshness, customers=customers)
    indicators = measure_inputs(inputs, rules)
    return CapabilityResult(indicators, judge(plan.assessment, indicators), (inputs.months[0], inputs.months[-1]),
                            inputs.as_of, rules, plan.file, plan.missing, inputs.quarter)
