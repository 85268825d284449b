"""SWOT (优势/劣势/机会/威胁): the analyst's entries joined with signals derived from the data.

``analyse(ds, as_of, lookback_months, plan_dir, *, efficiency=None, segment_mix=None, customers=None)``
= ``load_swot`` (swot.yaml) -> ``inputs_from`` (the other sections' results mapped to the rule inputs)
-> ``derive_signals`` -> ``build_swot``. Pass the results the report already has (the notebook's
efficiency, mix and customer sections) and nothing is queried again; a result not passed is computed
with that section's own function (``attain.mix``, ``attain.customers``), never by a query of SWOT's own.

Modules: ``swot_rules`` (thresholds, pure rule functions), ``swot_plan`` (swot.yaml),
``swot_view`` (texts, HTML, ``finding``, ``show``); this module assembles them and re-exports the API.

Periods (口径), those of the sections the numbers come from, so SWOT quotes the report's own figures:
- ROAS, paid / unpaid and GMV share per channel: the efficiency window (``lookback_months`` full
  months before ``as_of``); share change: the last 12 full months vs the 12 before;
- segment growth and shares, 下沉市场 (the ``lower_tier`` segment of channels.yaml): the last 12
  full months vs the 12 before (``attain.mix.analyse_mix``);
- category shares by quarter: the mix section's full quarters; CAC by quarter: the efficiency
  section's full quarters inside its window (so the year-ago quarter needs ``lookback_months`` ≥ 15
  or so), without quarters starting before the data; repurchase: the customer section's full
  quarters and their year-ago rates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from attain import channels, mix, section_inputs
from attain.i18n import is_missing
from attain.swot_plan import PLAN_FILE, SwotPlan, load_swot, parse_rules
from attain.swot_rules import (QUADRANTS, RULES, Entry, Signal, Signals, SwotInputs, SwotResult, SwotRules,
                               build_swot, derive_signals, rule_cac_rising, rule_category_gaining, rule_category_losing,
                               rule_channel_dependence, rule_channel_strong, rule_channel_weak, rule_repurchase_falling,
                               rule_segment_fastest, rule_sinking_market)
from attain.swot_view import TEXTS, finding, grid_html, rule_lines, rules_html, show, signal_text
from attain.timegrain import month_start, shift_month

#: the id of 下沉市场 among channels.yaml's segments (``attain.channels.load_segments``)
LOWER_TIER = "lower_tier"
CHANNEL_COLUMNS = ("channel", "roas", "gmv", "gmv_share", "gmv_share_change_pp", "paid")

__all__ = ["analyse", "inputs_from", "finding", "show", "LOWER_TIER",
           # rules (attain.swot_rules)
           "QUADRANTS", "RULES", "Entry", "Signal", "Signals", "SwotInputs", "SwotResult", "SwotRules", "build_swot",
           "derive_signals", "rule_cac_rising", "rule_category_gaining", "rule_category_losing",
           "rule_channel_dependence", "rule_channel_strong", "rule_channel_weak", "rule_repurchase_falling",
           "rule_segment_fastest", "rule_sinking_market",
           # the plan file (attain.swot_plan) and the words (attain.swot_view)
           "PLAN_FILE", "SwotPlan", "load_swot", "parse_rules", "TEXTS", "grid_html", "rule_lines", "rules_html",
           "signal_text"]


def _channel_eff(efficiency: mix.Efficiency):
    return efficiency.channels[[c for c in CHANNEL_COLUMNS if c in efficiency.channels]].reset_index(drop=True)


def _add_mix(out: SwotInputs, m: mix.SegmentMix) -> None:
    """Segments, 下沉市场 and category quarters from the mix section (reasons for what is missing)."""
    out.period = m.last12
    out.category_quarters = m.category_quarterly[["quarter", "category", "gmv", "share"]]
    lower = next((s for s in m.segments if s.id == LOWER_TIER), None)
    out.lower_tier = lower.members if lower else ()
    if is_missing(m.total["base_gmv"]):
        date = month_start(shift_month(m.last12[0], -12)).isoformat()
        out.missing["segments"] = out.missing["sinking"] = ("short_history", {"date": date})
        return
    out.segments = seg = m.segment_table()
    if lower is None:
        out.missing["sinking"] = ("no_segment", {})
    elif not set(lower.members) & set(seg.loc[seg["dimension"] == lower.dimension, "segment"]):
        out.missing["sinking"] = ("no_regions", {"regions": "、".join(lower.members)})
    else:
        out.sinking = (*m.combined_growth(LOWER_TIER), lower.members)


def inputs_from(efficiency: mix.Efficiency | None, segment_mix: mix.SegmentMix | None, customers,
                *, data_start: dt.date | None = None) -> SwotInputs:
    """The rule inputs, mapped from the efficiency, mix and customer sections' results (no query).

    Any result may be None: its inputs are then None ("no … data"). CAC quarters starting before
    ``data_start`` (default: ``customers.data_start``, the orders' first day) are dropped.
    """
    out = SwotInputs()
    if efficiency is not None:
        out.window = (efficiency.window.months[0], efficiency.window.months[-1])
        out.channel_eff = _channel_eff(efficiency)
        if customers is not None and data_start is None:
            data_start = customers.data_start
        out.cac_quarters = section_inputs.cac_by_quarter(efficiency, data_start)
        if not efficiency.has_spend:
            out.missing["cac_quarters"] = ("no_table", {"table": "spend"})
    if segment_mix is not None:
        _add_mix(out, segment_mix)
    if customers is not None:
        out.repurchase_quarters = section_inputs.repurchase_by_quarter(customers)
        if customers.reason:
            out.missing["repurchase_quarters"] = ("no_ids", {})
    return out


def analyse(ds, as_of, lookback_months: int = 12, plan_dir="data/plan", *, efficiency: mix.Efficiency | None = None,
            segment_mix: mix.SegmentMix | None = None, customers=None) -> SwotResult:
    """Load swot.yaml, take (or compute) the sections' results, derive the signals, build the grid.

    Pass ``efficiency`` (``mix.analyse_efficiency(ds, as_of, lookback_months)``), ``segment_mix``
    (``mix.analyse_mix(ds, as_of, channels.load_segments(plan_dir))``) and ``customers``
    (``customers.analyse(ds, as_of, lookback_months)``) when the report has them already.
    """
    plan = load_swot(plan_dir)
    if efficiency is None:
        efficiency = mix.analyse_efficiency(ds, as_of, lookback_months)
    if segment_mix is None:
        segment_mix = mix.analyse_mix(ds, as_of, channels.load_segments(plan_dir))
    if customers is None:
        customers = section_inputs.light_customers(ds, as_of, lookback_months)
    start = section_inputs.data_start(ds, ("orders", "spend"))
    inputs = inputs_from(efficiency, segment_mix, customers, data_start=start)
    result = build_swot(plan.entries, derive_signals(inputs, plan.rules))
    return dataclasses.replace(result, plan_file=plan.file, plan_missing=plan.missing)
