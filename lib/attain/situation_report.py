"""The situation report (notebook 01): every section's result, and the answer it opens with.

``analyse`` computes the eight sections once, in order, each section reusing what the
earlier ones computed (the SWOT and the capability check read the efficiency, mix,
customer and freshness results instead of querying again). ``summary`` is the box at the
top of the report; the ``show_*`` functions render the two sections that combine several
library pieces, so every notebook cell stays one or two lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from attain import (capability, channels, customers, display, freshness, i18n, mix, situation,
                    swot, viz)


@dataclass
class SituationReport:
    freshness: freshness.Freshness
    overview: situation.Situation
    groups: channels.GroupMix
    efficiency: mix.Efficiency
    mix: mix.SegmentMix
    customers: customers.Customers
    swot: swot.SwotResult
    capability: capability.CapabilityResult


def analyse(ds, as_of, lookback_months: int, plan_dir) -> SituationReport:
    """All sections as of ``as_of`` over ``lookback_months`` full months."""
    fresh = freshness.check(ds, as_of)
    overview = situation.analyse(ds, as_of=as_of, lookback_months=lookback_months)
    groups = channels.analyse_groups(ds, as_of, lookback_months, channels.load_channel_groups(plan_dir))
    efficiency = mix.analyse_efficiency(ds, as_of, lookback_months)
    segments = mix.analyse_mix(ds, as_of, channels.load_segments(plan_dir))
    buyers = customers.analyse(ds, as_of, lookback_months)
    swot_result = swot.analyse(ds, as_of, lookback_months, plan_dir, efficiency=efficiency,
                               segment_mix=segments, customers=buyers)
    capability_result = capability.analyse(ds, as_of, lookback_months, plan_dir, efficiency=efficiency,
                                           freshness=fresh, customers=buyers)
    return SituationReport(fresh, overview, groups, efficiency, segments, buyers, swot_result,
                           capability_result)


def summary(r: SituationReport, lang: str) -> list[str]:
    """The answer first: where the business stands, then what the other sections found.

    A data problem (data ending before as_of, a lagging table) comes first of all, because
    every other sentence depends on it.
    """
    lines = []
    if r.freshness.warnings:
        lines.append(freshness.finding(r.freshness, lang))
    lines += situation.headline_findings(r.overview, lang)[:4]
    lines += [mix.finding(r.efficiency, lang), customers.finding(r.customers, lang),
              swot.finding(r.swot, lang)]
    return [line for line in lines if line]


def show_overview(r: SituationReport, lang: str) -> None:
    """Section 2: monthly KPIs with YoY and MoM, the trend charts, the last full quarter."""
    s = r.overview
    display.heading("section.overview", lang)
    display.paragraph(situation.headline_findings(s, lang)[0])
    display.overview_monthly_section(s, lang)
    display.figure(viz.gmv_yoy(s, lang))
    display.figure(viz.orders_aov(s, lang))
    display.quarter_section(s, lang)


def show_traffic(r: SituationReport, lang: str) -> None:
    """Section 3: channel groups (with their finding), then the channels themselves."""
    channels.show(r.groups, lang)
    s = r.overview
    display.heading("section.traffic.channels", lang, level=3)
    display.figure(viz.channel_shares(s, lang))
    display.figure(viz.conversion_by_channel(s, lang))
    display.shifts_section(s, lang)
    display.contribution_section(s, lang)


i18n.register({
    "section.traffic.channels": {"zh": "各渠道的占比与转化", "en": "Channels: shares and conversion"},
})
