"""SWOT rules: pure functions from tidy frames to data signals (优势/劣势/机会/威胁).

The frames (``SwotInputs``; ``attain.swot.inputs_from`` builds them from the efficiency, mix and
customer sections' results). Any input may be None: its rules do not fire and are listed as not
evaluated. Shares and share changes are fractions of 1 (0.031 = 3.1 % / +3.1 pp).

- ``channel_eff``: per channel: ``channel``, ``roas`` (GMV ÷ spend, NaN for unpaid), ``gmv``,
  ``gmv_share``, ``gmv_share_change_pp`` (share now − share a year earlier, a fraction), ``paid``
  (bool: spend > 0). May lack ``paid`` (then a channel with a ROAS is paid) or ``roas`` (no spend).
- ``category_quarters``: ``quarter`` ("2026-Q2"), ``category``, ``gmv``, ``share`` (of the quarter's GMV).
- ``segments``: ``dimension`` ("category" | "region"), ``segment``, ``gmv`` (recent), ``growth`` (vs the
  base period, ratio 0.18 = +18 %; NaN when the segment had nothing then), ``share`` (of the dimension's
  recent GMV); optional ``base_gmv`` makes the total's growth exact even for segments that vanished
  (without it the base is rebuilt as gmv ÷ (1 + growth)).
- ``cac_quarters``: ``quarter``, ``cac``;  ``repurchase_quarters``: ``quarter``, ``repurchase_rate``.
- ``sinking``: (GMV growth of 下沉市场, GMV growth of the total, its member regions); NaN = unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from attain.mix import MIN_SHARE
from attain.timegrain import shift_quarter

QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")
EPS = 1e-12   # a value exactly at a threshold is judged without floating-point noise


@dataclass(frozen=True)
class SwotRules:
    """Every threshold of the derived signals (override any under ``rules:`` in swot.yaml)."""
    #: ROAS at or above this percentile of the paid channels' ROAS counts as top quartile (pandas' linear quantile)
    top_quantile: float = 0.75
    #: ROAS at or below this percentile counts as bottom quartile
    bottom_quantile: float = 0.25
    #: quartiles are compared only when at least this many channels are paid (spend > 0)
    min_paid_channels: int = 4
    #: a strong channel's GMV share grew by MORE than this vs a year earlier (0.01 = 1 pp)
    share_gain_pp: float = 0.01
    #: a category loses share when its share falls by MORE than this in each of the last two QoQ steps
    share_fall_pp: float = 0.0
    #: a segment outgrows the total when its growth is AT LEAST this much above the total's (0.05 = 5 points)
    segment_lead: float = 0.05
    #: segments below this share of their dimension's GMV are ignored; the mix section's ``MIN_SHARE``, so
    #: both sections name the same fastest segment (mix asks max(share, base share) ≥ it; for a segment
    #: outgrowing the total the share rose, so that is its recent share, the one compared here)
    min_segment_share: float = MIN_SHARE
    #: lower-tier growth must beat the total's by MORE than this
    sinking_lead: float = 0.0
    #: repurchase rate falls when the last full quarter is AT LEAST this far below a year earlier (0.01 = 1 pp)
    repurchase_drop_pp: float = 0.01
    #: CAC rises when the last full quarter is AT LEAST this much above a year earlier (0.10 = +10 %)
    cac_rise: float = 0.10
    #: one channel with MORE than this share of GMV is a dependence threat
    dependence_share: float = 0.35


@dataclass(frozen=True)
class Entry:
    """An analyst's entry from swot.yaml."""
    quadrant: str
    text_zh: str
    text_en: str

    def text(self, lang: str) -> str:
        return (self.text_zh or self.text_en) if lang == "zh" else (self.text_en or self.text_zh)


@dataclass(frozen=True)
class Signal:
    """A derived signal: the rule that fired, on what, and the numbers that made it fire."""
    quadrant: str
    rule: str
    subject: str
    values: dict = field(default_factory=dict, hash=False)
    score: float = 1.0     # how far past its threshold (1 = at it): orders items, picks the biggest threat


@dataclass
class SwotInputs:
    """The frames the rules read (module docstring) and, per missing input, (reason key, format values)."""
    channel_eff: pd.DataFrame | None = None
    category_quarters: pd.DataFrame | None = None
    segments: pd.DataFrame | None = None
    cac_quarters: pd.DataFrame | None = None
    repurchase_quarters: pd.DataFrame | None = None
    sinking: tuple[float, float, tuple[str, ...]] | None = None
    period: tuple[str, str] | None = None          # first and last month of the year-on-year period
    window: tuple[str, str] | None = None          # first and last month of the ROAS / GMV-share window
    lower_tier: tuple[str, ...] = ()               # the regions of 下沉市场 (channels.yaml), for the rule text
    missing: dict[str, tuple[str, dict]] = field(default_factory=dict)


@dataclass
class Signals:
    items: list[Signal]
    skipped: list[tuple[str, str, dict]]            # (rule, reason key, format values)
    rules: SwotRules
    period: tuple[str, str] | None = None
    window: tuple[str, str] | None = None
    lower_tier: tuple[str, ...] = ()


@dataclass
class SwotResult:
    quadrants: dict[str, list]                       # quadrant -> [Entry ..., Signal ...]
    skipped: list[tuple[str, str, dict]]
    rules: SwotRules
    period: tuple[str, str] | None = None
    plan_file: Path | None = None
    plan_missing: bool = False
    window: tuple[str, str] | None = None
    lower_tier: tuple[str, ...] = ()

    def signals(self, quadrant: str | None = None) -> list[Signal]:
        return [i for q in ([quadrant] if quadrant else QUADRANTS) for i in self.quadrants[q] if isinstance(i, Signal)]


class _Skip(Exception):
    """The rule cannot be evaluated on this input (reason key + format values)."""

    def __init__(self, reason: str, **fmt) -> None:
        super().__init__(reason)
        self.reason, self.fmt = reason, fmt


def _above(x, t) -> bool:
    return pd.notna(x) and x > t + EPS


def _at_least(x, t) -> bool:
    return pd.notna(x) and x >= t - EPS


# --- channel rules ------------------------------------------------------------------------------

def _paid_quartiles(channel_eff: pd.DataFrame, r: SwotRules):
    """The paid channels (``paid``; without that column: ROAS known) and the two ROAS cut-offs."""
    if "roas" not in channel_eff:
        raise _Skip("few_paid", n=0, need=r.min_paid_channels)
    roas = channel_eff["roas"].astype(float)
    paid_flag = channel_eff["paid"].fillna(False).astype(bool) if "paid" in channel_eff else roas.notna()
    paid = channel_eff[paid_flag & roas.notna()]
    if len(paid) < r.min_paid_channels:
        raise _Skip("few_paid", n=len(paid), need=r.min_paid_channels)
    return paid, float(paid["roas"].quantile(r.top_quantile)), float(paid["roas"].quantile(r.bottom_quantile))


def rule_channel_strong(channel_eff: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Strength: a paid channel with ROAS ≥ the top quantile AND GMV share change > ``share_gain_pp``."""
    if (channel_eff["gmv_share_change_pp"].abs() > 1).any():
        raise ValueError("channel_eff.gmv_share_change_pp must be a fraction of 1 (0.031 = +3.1 pp), not points")
    paid, hi, lo = _paid_quartiles(channel_eff, r)
    if hi <= lo:
        return []       # all paid channels have the same ROAS: none stands out
    grew = paid["gmv_share_change_pp"].map(lambda c: _above(c, r.share_gain_pp))
    return [Signal("strengths", "channel_strong", str(h.channel),
                   {"roas": h.roas, "cut": hi, "share": h.gmv_share, "change": h.gmv_share_change_pp},
                   h.gmv_share_change_pp / r.share_gain_pp if r.share_gain_pp else 1.0)
            for h in paid[(paid["roas"] >= hi - EPS) & grew].itertuples()]


def rule_channel_weak(channel_eff: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Weakness: a paid channel with ROAS ≤ the bottom quantile of the paid channels."""
    paid, hi, lo = _paid_quartiles(channel_eff, r)
    if hi <= lo:
        return []
    return [Signal("weaknesses", "channel_weak", str(h.channel), {"roas": h.roas, "cut": lo},
                   lo / h.roas if h.roas > 0 else 1.0) for h in paid[paid["roas"] <= lo + EPS].itertuples()]


def rule_channel_dependence(channel_eff: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Threat: a channel with more than ``dependence_share`` of GMV."""
    hits = channel_eff[channel_eff["gmv_share"].map(lambda s: _above(s, r.dependence_share))]
    return [Signal("threats", "channel_dependence", str(h.channel), {"share": h.gmv_share, "limit": r.dependence_share},
                   h.gmv_share / r.dependence_share if r.dependence_share else 1.0) for h in hits.itertuples()]


# --- segment rules ------------------------------------------------------------------------------

def _outgrowing(segments: pd.DataFrame, dimension: str, r: SwotRules):
    """Segments of ``dimension`` with share ≥ minimum growing ≥ ``segment_lead`` faster than the total.

    The total's growth is Σ recent ÷ Σ base − 1 over the dimension: base from ``base_gmv`` when given,
    else gmv ÷ (1 + growth) (a segment with missing growth had nothing a year earlier: base 0).
    """
    seg = segments[segments["dimension"] == dimension]
    known = seg[seg["growth"] > -1]
    base = seg["base_gmv"].sum() if "base_gmv" in seg else (known["gmv"] / (1 + known["growth"])).sum()
    if known.empty or not base > 0:
        return known, math.nan
    total = seg["gmv"].sum() / base - 1
    lead = known["growth"].map(lambda g: _at_least(g - total, r.segment_lead))
    return known[(known["share"] >= r.min_segment_share - EPS) & lead].sort_values("growth", ascending=False,
                                                                                  kind="stable"), total


def rule_category_gaining(segments: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Strength: a category (share ≥ ``min_segment_share``) growing ≥ ``segment_lead`` faster than the total."""
    rows, total = _outgrowing(segments, "category", r)
    return [Signal("strengths", "category_gaining", str(s.segment),
                   {"growth": s.growth, "total": total, "share": s.share}, 1 + s.growth - total)
            for s in rows.itertuples()]


def rule_segment_fastest(segments: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Opportunity: per dimension, the fastest-growing segment (share ≥ minimum) outgrowing the total by ≥ lead."""
    out = []
    for dim in ("category", "region"):
        rows, total = _outgrowing(segments, dim, r)
        if len(rows):
            s = rows.iloc[0]
            out.append(Signal("opportunities", "segment_fastest", str(s["segment"]),
                              {"dimension": dim, "growth": s["growth"], "total": total, "share": s["share"]},
                              1 + s["growth"] - total))
    return out


def rule_sinking_market(sinking: tuple, r: SwotRules) -> list[Signal]:
    """Opportunity: 下沉市场 (regions from channels.yaml) growing more than ``sinking_lead`` faster than the total."""
    growth, total, regions = sinking
    if pd.isna(growth) or pd.isna(total):
        raise _Skip("unknown_growth")
    if not _above(growth - total, r.sinking_lead):
        return []
    return [Signal("opportunities", "sinking_market", "、".join(regions),
                   {"growth": growth, "total": total, "regions": list(regions)}, 1 + growth - total)]


# --- quarter rules ------------------------------------------------------------------------------

def _last_quarters(quarters, n: int) -> list[str]:
    qs = sorted(set(quarters))[-n:]
    if len(qs) < n:
        raise _Skip("few_quarters", n=len(qs), need=n)
    if any(shift_quarter(a, 1) != b for a, b in zip(qs, qs[1:])):
        raise _Skip("gap_quarters", quarters=", ".join(qs))
    return qs


def rule_category_losing(category_quarters: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Weakness: a category whose GMV share fell (by > ``share_fall_pp``) in each of the last two QoQ steps."""
    qs = _last_quarters(category_quarters["quarter"], 3)
    wide = category_quarters.pivot_table(index="category", columns="quarter", values="share", aggfunc="sum")
    out = []
    for cat, row in wide.reindex(columns=qs).iterrows():
        s0, s1, s2 = (row[q] for q in qs)
        if _above(s0 - s1, r.share_fall_pp) and _above(s1 - s2, r.share_fall_pp):
            out.append(Signal("weaknesses", "category_losing", str(cat),
                              {"s0": s0, "s1": s1, "s2": s2, "q0": qs[0], "q2": qs[2]}, 1 + s0 - s2))
    return out


def rule_repurchase_falling(repurchase_quarters: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Weakness: the last quarter's repurchase rate ≥ ``repurchase_drop_pp`` below the same quarter a year earlier."""
    rates = repurchase_quarters.dropna(subset=["repurchase_rate"]).set_index("quarter")["repurchase_rate"]
    q = max(rates.index)
    base_q = shift_quarter(q, -4)
    if base_q not in rates.index:
        raise _Skip("no_year_ago", quarter=q)
    rate, base = float(rates[q]), float(rates[base_q])
    if not _at_least(base - rate, r.repurchase_drop_pp):
        return []
    return [Signal("weaknesses", "repurchase_falling", "repurchase_rate",
                   {"q": q, "rate": rate, "base_q": base_q, "base_rate": base, "change": rate - base},
                   (base - rate) / r.repurchase_drop_pp if r.repurchase_drop_pp else 1.0)]


def rule_cac_rising(cac_quarters: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Threat: the last quarter's CAC ≥ (1 + ``cac_rise``) × the same quarter a year earlier, or CAC rose in
    each of the last two QoQ steps. Needs the year-ago quarter or three consecutive quarters."""
    cac = cac_quarters.dropna(subset=["cac"]).set_index("quarter")["cac"]
    if cac.empty:
        raise _Skip("few_quarters", n=0, need=3)
    q = max(cac.index)
    base_q = shift_quarter(q, -4) if shift_quarter(q, -4) in cac.index else None
    try:
        run_qs = _last_quarters(cac.index, 3)
    except _Skip:
        run_qs = None
    if base_q is None and run_qs is None:
        raise _Skip("no_year_ago", quarter=q)
    yoy = cac[q] / cac[base_q] - 1 if base_q and cac[base_q] > 0 else math.nan
    run = [float(cac[x]) for x in run_qs] if run_qs else None
    rising = bool(run) and run[0] < run[1] < run[2]
    by_yoy = _at_least(yoy, r.cac_rise)
    if not (by_yoy or rising):
        return []
    return [Signal("threats", "cac_rising", "cac",
                   {"q": q, "cac": float(cac[q]), "base_q": base_q,
                    "base_cac": float(cac[base_q]) if base_q else math.nan, "yoy": yoy, "by_yoy": by_yoy,
                    "rising": rising, "run": run},
                   yoy / r.cac_rise if by_yoy and r.cac_rise else 1.0)]


#: rule id -> (the input it reads, its function); this order is the order within each quadrant
RULES = {
    "channel_strong": ("channel_eff", rule_channel_strong),
    "category_gaining": ("segments", rule_category_gaining),
    "category_losing": ("category_quarters", rule_category_losing),
    "channel_weak": ("channel_eff", rule_channel_weak),
    "repurchase_falling": ("repurchase_quarters", rule_repurchase_falling),
    "segment_fastest": ("segments", rule_segment_fastest),
    "sinking_market": ("sinking", rule_sinking_market),
    "cac_rising": ("cac_quarters", rule_cac_rising),
    "channel_dependence": ("channel_eff", rule_channel_dependence),
}


def derive_signals(inputs: SwotInputs, rules: SwotRules | None = None) -> Signals:
    """Run every rule; one whose input is None/empty (or too thin) goes to ``skipped`` with the reason."""
    rules = rules or SwotRules()
    items, skipped = [], []
    for rule, (name, fn) in RULES.items():
        data = getattr(inputs, name)
        if data is None or (isinstance(data, pd.DataFrame) and data.empty):
            reason, fmt = inputs.missing.get(name, ("not_given" if data is None else "empty", {}))
            skipped.append((rule, reason, {"input": name, **fmt}))
            continue
        try:
            items += sorted(fn(data, rules), key=lambda s: -s.score)
        except _Skip as skip:
            skipped.append((rule, skip.reason, {"input": name, **skip.fmt}))
    return Signals(items, skipped, rules, inputs.period, inputs.window, tuple(inputs.lower_tier))


def build_swot(entries, signals: Signals) -> SwotResult:
    """The 2×2 grid: each quadrant lists the analyst's entries (file order), then the data signals."""
    quadrants = {q: [e for e in entries if e.quadrant == q] for q in QUADRANTS}
    for s in signals.items:
        quadrants[s.quadrant].append(s)
    return SwotResult(quadrants, list(signals.skipped), signals.rules, signals.period,
                      window=signals.window, lower_tier=signals.lower_tier)
