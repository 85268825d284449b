"""SWOT (优势/劣势/机会/威胁): the analyst's entries joined with signals derived from the data.

``analyse(ds, as_of, lookback_months, plan_dir)`` = ``load_swot`` (entries + thresholds from
swot.yaml) -> ``derive_inputs`` (tidy frames from ``attain.metrics.compute``) -> ``derive_signals``
-> ``build_swot``; ``finding`` and ``show`` render it (texts registered with ``attain.i18n`` at import).

Periods (口径): the *recent* period is the last ``min(lookback_months, 12)`` full months before
``as_of``; its *base* is the same months a year earlier (seasonality cancels). Quarter rules use
full quarters up to the last full quarter before ``as_of``. Ratios are taken of summed parts.

The rule functions are pure over these tidy frames; any input may be None (its rules do not fire
and are listed as not evaluated). Shares and share changes are fractions of 1 (0.031 = 3.1 % / +3.1 pp).

- ``channel_eff``: per channel over the recent period: ``channel``, ``roas`` (GMV ÷ spend, NaN for
  unpaid), ``gmv``, ``gmv_share``, ``gmv_share_change_pp`` (share now − share in the base period,
  a fraction: 0.031 = +3.1 pp), ``paid`` (bool: spend > 0).
- ``category_quarters``: ``quarter`` ("2026-Q2"), ``category``, ``gmv``, ``share`` (of the quarter's
  GMV); at least 3 consecutive full quarters.
- ``segments``: ``dimension`` ("category" | "region"), ``segment``, ``gmv`` (recent), ``growth`` (vs the
  base period, ratio 0.18 = +18 %; NaN when the segment had nothing then), ``share`` (of the dimension's
  recent GMV); optional ``base_gmv`` (base period) makes the total's growth exact even for segments
  that vanished (without it the base is rebuilt as gmv ÷ (1 + growth)).
- ``cac_quarters``: ``quarter``, ``cac``;  ``repurchase_quarters``: ``quarter``, ``repurchase_rate``.
- ``sinking``: (GMV growth of the lower-tier regions 下沉市场, GMV growth of the total); NaN = unknown.

``channel_eff`` may lack ``paid`` (then a channel with a ROAS is paid) or ``roas`` (no spend data).
"""

from __future__ import annotations

import dataclasses
import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from attain import display, i18n, paths, style
from attain.errors import AttainError
from attain.metrics import compute
from attain.situation import month_window
from attain.timegrain import label, last_full_quarter, month_end, month_start, quarter_bounds, shift_month

QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")
PLAN_FILE = "swot.yaml"
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
    #: segments below this share of their dimension's GMV are ignored (0.05 = 5 %)
    min_segment_share: float = 0.05
    #: the regions that make up the lower-tier market (下沉市场)
    sinking_regions: tuple[str, ...] = ("三线城市", "四线及以下")
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
class SwotPlan:
    entries: list[Entry]
    rules: SwotRules
    file: Path
    missing: bool = False


@dataclass
class SwotInputs:
    """The frames the rules read (module docstring) and, per missing input, (reason key, format values)."""
    channel_eff: pd.DataFrame | None = None
    category_quarters: pd.DataFrame | None = None
    segments: pd.DataFrame | None = None
    cac_quarters: pd.DataFrame | None = None
    repurchase_quarters: pd.DataFrame | None = None
    sinking: tuple[float, float] | None = None
    period: tuple[str, str] | None = None          # first and last month of the recent period
    missing: dict[str, tuple[str, dict]] = field(default_factory=dict)


@dataclass
class Signals:
    items: list[Signal]
    skipped: list[tuple[str, str, dict]]            # (rule, reason key, format values)
    rules: SwotRules
    period: tuple[str, str] | None = None


@dataclass
class SwotResult:
    quadrants: dict[str, list]                       # quadrant -> [Entry ..., Signal ...]
    skipped: list[tuple[str, str, dict]]
    rules: SwotRules
    period: tuple[str, str] | None = None
    plan_file: Path | None = None
    plan_missing: bool = False

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


def shift_quarter(q: str, n: int) -> str:
    """``shift_quarter("2026-Q1", -1) == "2025-Q4"``."""
    return label(month_start(shift_month(quarter_bounds(q)[0].strftime("%Y-%m"), 3 * n)), "quarter")


# --- rules: pure functions over the tidy frames -----------------------------------------------

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


def rule_channel_dependence(channel_eff: pd.DataFrame, r: SwotRules) -> list[Signal]:
    """Threat: a channel with more than ``dependence_share`` of GMV."""
    hits = channel_eff[channel_eff["gmv_share"].map(lambda s: _above(s, r.dependence_share))]
    return [Signal("threats", "channel_dependence", str(h.channel), {"share": h.gmv_share, "limit": r.dependence_share},
                   h.gmv_share / r.dependence_share if r.dependence_share else 1.0) for h in hits.itertuples()]


def rule_sinking_market(sinking: tuple[float, float], r: SwotRules) -> list[Signal]:
    """Opportunity: lower-tier cities (下沉市场) growing more than ``sinking_lead`` faster than the total."""
    growth, total = sinking
    if pd.isna(growth) or pd.isna(total):
        raise _Skip("unknown_growth")
    if not _above(growth - total, r.sinking_lead):
        return []
    return [Signal("opportunities", "sinking_market", "、".join(r.sinking_regions),
                   {"growth": growth, "total": total, "regions": list(r.sinking_regions)}, 1 + growth - total)]


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
    return Signals(items, skipped, rules, inputs.period)


def build_swot(entries, signals: Signals) -> SwotResult:
    """The 2×2 grid: each quadrant lists the analyst's entries (file order), then the data signals."""
    quadrants = {q: [e for e in entries if e.quadrant == q] for q in QUADRANTS}
    for s in signals.items:
        quadrants[s.quadrant].append(s)
    return SwotResult(quadrants, list(signals.skipped), signals.rules, signals.period)


# --- the input frames from a dataset --------------------------------------------------------

def periods(as_of, lookback_months: int) -> tuple[list[str], list[str], str]:
    """(recent months, the same months a year earlier, the last full quarter) for ``as_of``."""
    window = month_window(as_of, lookback_months)
    recent = window.last(max(1, min(int(lookback_months), 12)))
    return recent, [shift_month(m, -12) for m in recent], last_full_quarter(window.as_of)


def _by(ds, metrics, dim, months) -> pd.DataFrame:
    return compute(ds, metrics, by=[dim], start=month_start(months[0]), end=month_end(months[-1])).set_index(dim)


def _quarterly(ds, metrics, quarters, first_day, by=()) -> pd.DataFrame:
    """``metrics`` by quarter for the ``quarters`` the data cover fully (starting on/after ``first_day``)."""
    qs = [q for q in quarters if quarter_bounds(q)[0] >= first_day]
    if not qs:
        return pd.DataFrame(columns=["quarter", *by, *metrics])
    frame = compute(ds, metrics, grain="quarter", by=list(by), start=quarter_bounds(qs[0])[0],
                    end=quarter_bounds(qs[-1])[1])
    return frame[frame["quarter"].isin(qs)].reset_index(drop=True)


def _segments(ds, recent, base, sinking_regions, out: SwotInputs) -> None:
    rows = []
    for dim in ("category", "region"):
        now, then = _by(ds, ["gmv"], dim, recent)["gmv"], _by(ds, ["gmv"], dim, base)["gmv"]
        names = now.index.union(then.index)
        now, then = now.reindex(names).fillna(0.0), then.reindex(names).fillna(0.0)
        rows.append(pd.DataFrame({"dimension": dim, "segment": names, "gmv": now.to_numpy(),
                                  "base_gmv": then.to_numpy(),
                                  "growth": (now / then.where(then > 0) - 1).to_numpy(),
                                  "share": (now / now.sum()).to_numpy()}))
        low = [x for x in sinking_regions if x in names]
        if dim == "region" and low and then[low].sum() > 0:
            out.sinking = (now[low].sum() / then[low].sum() - 1, now.sum() / then.sum() - 1)
        elif dim == "region":
            out.missing["sinking"] = ("no_regions", {"regions": "、".join(sinking_regions)})
    out.segments = pd.concat(rows, ignore_index=True)


def derive_inputs(ds, as_of, lookback_months: int = 12, sinking_regions=SwotRules.sinking_regions) -> SwotInputs:
    """The rule inputs, each computed with ``attain.metrics.compute`` (ratios of summed parts).

    Year-on-year inputs are None (with a reason) when the data do not reach back to the base period;
    quarters not fully covered by the data are dropped; CAC needs the spend table.
    """
    recent, base, q = periods(as_of, lookback_months)
    start = ds.date_range("orders")[0]
    out = SwotInputs(period=(recent[0], recent[-1]))
    has_base, has_spend = month_start(base[0]) >= start, ds.has_table("spend")
    cur = _by(ds, ["gmv", "spend", "roas"] if has_spend else ["gmv"], "channel", recent)
    share = cur["gmv"] / cur["gmv"].sum()
    change = math.nan
    if has_base:
        before = _by(ds, ["gmv"], "channel", base)["gmv"]
        change = share - (before / before.sum()).reindex(share.index).fillna(0.0)
    out.channel_eff = pd.DataFrame({
        "channel": cur.index, "roas": cur["roas"] if has_spend else math.nan, "gmv": cur["gmv"],
        "gmv_share": share, "gmv_share_change_pp": change,
        "paid": (cur["spend"] > 0) if has_spend else False}).reset_index(drop=True)
    quarters = [shift_quarter(q, -i) for i in range(4, -1, -1)]    # the last full quarter and the 4 before
    cq = _quarterly(ds, ["gmv"], quarters[2:], start, by=["category"])
    out.category_quarters = cq.assign(share=cq["gmv"] / cq.groupby("quarter")["gmv"].transform("sum"))
    out.repurchase_quarters = _quarterly(ds, ["repurchase_rate"], quarters, start)
    if has_spend:
        out.cac_quarters = _quarterly(ds, ["cac"], quarters, max(start, ds.date_range("spend")[0]))
    else:
        out.missing["cac_quarters"] = ("no_table", {"table": "spend"})
    if has_base:
        _segments(ds, recent, base, sinking_regions, out)
    else:
        out.missing["segments"] = out.missing["sinking"] = ("short_history", {"date": month_start(base[0]).isoformat()})
    return out


# --- the plan file ------------------------------------------------------------------------------

_HINT_ENTRY = "write each entry as {text_zh: 中文, text_en: English} (or as one plain text)"


def read_plan_yaml(path: Path):
    """A plan file's YAML; a syntax error names the file and line."""
    import yaml
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise AttainError(f"not valid YAML ({getattr(exc, 'problem', None) or exc.__class__.__name__})", file=path,
                          where=f"line {mark.line + 1}" if mark else None,
                          hint="fix the YAML syntax (indentation, colons, quotes; quote texts containing ': ')"
                          ) from None
    except UnicodeDecodeError:
        raise AttainError("the file is not UTF-8 text", file=path, hint="save it as UTF-8") from None


def _entry(path: Path, quadrant: str, i: int, item) -> Entry:
    where = f"{quadrant}[{i}]"
    if isinstance(item, str) and item.strip():
        return Entry(quadrant, item.strip(), item.strip())
    if not isinstance(item, dict):
        raise AttainError(f"entry {i} of {quadrant} is not a text", file=path, where=where, hint=_HINT_ENTRY)
    unknown = [str(k) for k in item if k not in ("text_zh", "text_en")]
    if unknown:
        raise AttainError(f"unknown key '{unknown[0]}' in entry {i} of {quadrant}", file=path, where=where,
                          hint=_HINT_ENTRY)
    texts = {k: item.get(k) for k in ("text_zh", "text_en")}
    bad = [k for k, v in texts.items() if v is not None and not isinstance(v, str)]
    if bad or not any(isinstance(v, str) and v.strip() for v in texts.values()):
        raise AttainError(f"entry {i} of {quadrant} has no text" if not bad else f"'{bad[0]}' must be a text",
                          file=path, where=where, hint=_HINT_ENTRY)
    return Entry(quadrant, (texts["text_zh"] or "").strip(), (texts["text_en"] or "").strip())


def _rule_value(path: Path, key: str, value, default):
    where, hint = f"rules.{key}", "give a number; shares and changes are fractions (0.10 = 10 %, 0.01 = 1 pp)"
    if isinstance(default, tuple):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise AttainError(f"'{key}' must be a list of region names", file=path, where=where,
                              hint="e.g. sinking_regions: [三线城市, 四线及以下]")
        return tuple(v.strip() for v in items)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise AttainError(f"'{key}' must be a number ≥ 0, not {value!r}", file=path, where=where, hint=hint)
    if isinstance(default, int) and value != int(value):
        raise AttainError(f"'{key}' must be a whole number, not {value!r}", file=path, where=where, hint="e.g. 4")
    if key.endswith(("quantile", "share")) and value > 1:
        raise AttainError(f"'{key}' must be between 0 and 1, not {value!r}", file=path, where=where, hint=hint)
    return type(default)(value)


def parse_rules(block, path: Path) -> SwotRules:
    """``SwotRules`` with the overrides of the ``rules:`` block (None: the defaults)."""
    if block is None:
        return SwotRules()
    fields = {f.name: f.default for f in dataclasses.fields(SwotRules)}
    if not isinstance(block, dict):
        raise AttainError("'rules' must map rule thresholds to values", file=path, where="rules",
                          hint=f"e.g. rules: {{cac_rise: 0.15}}; thresholds: {', '.join(fields)}")
    for key in block:
        if key not in fields:
            raise AttainError(f"unknown threshold '{key}'", file=path, where=f"rules.{key}",
                              hint=f"use one of: {', '.join(fields)} (documented in attain.swot.SwotRules)")
    rules = SwotRules(**{k: _rule_value(path, k, v, fields[k]) for k, v in block.items()})
    if rules.bottom_quantile >= rules.top_quantile:
        raise AttainError("bottom_quantile must be below top_quantile", file=path, where="rules",
                          hint="e.g. bottom_quantile: 0.25, top_quantile: 0.75")
    return rules


def load_swot(plan_dir) -> SwotPlan:
    """The analyst's entries and threshold overrides from ``<plan_dir>/swot.yaml``.

    A missing file gives no entries and ``missing=True`` (not an error); a malformed one raises
    ``AttainError`` naming the file, the key and what to do.
    """
    path = paths.resolve(plan_dir) / PLAN_FILE
    if not path.is_file():
        return SwotPlan([], SwotRules(), path, missing=True)
    doc = read_plan_yaml(path)
    doc = {} if doc is None else doc
    allowed = ", ".join(QUADRANTS) + " (and optionally rules)"
    if not isinstance(doc, dict):
        raise AttainError("expected the keys strengths, weaknesses, opportunities, threats", file=path,
                          hint=f"use {allowed}")
    for key in doc:
        if key not in QUADRANTS and key != "rules":
            raise AttainError(f"unknown key '{key}'", file=path, where=str(key), hint=f"use {allowed}")
    entries = []
    for q in QUADRANTS:
        items = doc.get(q) or []
        if not isinstance(items, list):
            raise AttainError(f"'{q}' must be a list of entries", file=path, where=q,
                              hint=f"start each entry with '- '; {_HINT_ENTRY}")
        entries += [_entry(path, q, i, item) for i, item in enumerate(items, start=1)]
    return SwotPlan(entries, parse_rules(doc.get("rules"), path), path)


def analyse(ds, as_of, lookback_months: int = 12, plan_dir="data/plan") -> SwotResult:
    """Load swot.yaml, derive the inputs and the signals, and build the grid."""
    plan = load_swot(plan_dir)
    inputs = derive_inputs(ds, as_of, lookback_months, plan.rules.sinking_regions)
    result = build_swot(plan.entries, derive_signals(inputs, plan.rules))
    return dataclasses.replace(result, plan_file=plan.file, plan_missing=plan.missing)



# --- words, HTML and the notebook section ----------------------------------------------------

TEXTS = {
    "section.swot": {"zh": "SWOT分析", "en": "SWOT analysis"},
    "swot.q.strengths": {"zh": "优势（S）", "en": "Strengths (S)"},
    "swot.q.weaknesses": {"zh": "劣势（W）", "en": "Weaknesses (W)"},
    "swot.q.opportunities": {"zh": "机会（O）", "en": "Opportunities (O)"},
    "swot.q.threats": {"zh": "威胁（T）", "en": "Threats (T)"},
    "swot.src.analyst": {"zh": "分析师", "en": "Analyst"},
    "swot.src.data": {"zh": "数据", "en": "Data"},
    "swot.none": {"zh": "（暂无）", "en": "(none)"},
    "swot.dim.category": {"zh": "品类", "en": "category"},
    "swot.dim.region": {"zh": "区域", "en": "region"},
    "swot.title.channel_strong": {"zh": "{subject}：投产比高且GMV占比提升",
                                  "en": "{subject}: high ROAS and a growing GMV share"},
    "swot.ev.channel_strong": {"zh": "ROAS {roas}（付费渠道前{top}，不低于{cut}）；GMV占比{share}，"
                                     "较去年同期{change}",
                               "en": "ROAS {roas} (top {top} of paid channels, ≥ {cut}); GMV share {share}, "
                                     "{change} vs a year earlier"},
    "swot.title.category_gaining": {"zh": "{subject}：增速高于整体",
                                    "en": "{subject}: growing faster than the total"},
    "swot.ev.category_gaining": {"zh": "GMV同比{growth}，整体{total}；占比{share}",
                                 "en": "GMV {growth} YoY vs {total} for the total; share {share}"},
    "swot.title.category_losing": {"zh": "{subject}：GMV占比连续两个季度下降",
                                   "en": "{subject}: GMV share down two quarters running"},
    "swot.ev.category_losing": {"zh": "占比 {s0} → {s1} → {s2}（{q0}至{q2}）",
                                "en": "share {s0} → {s1} → {s2} ({q0} to {q2})"},
    "swot.title.channel_weak": {"zh": "{subject}：投产比偏低", "en": "{subject}: low ROAS"},
    "swot.ev.channel_weak": {"zh": "ROAS {roas}（付费渠道后{bottom}，不高于{cut}）",
                             "en": "ROAS {roas} (bottom {bottom} of paid channels, ≤ {cut})"},
    "swot.title.repurchase_falling": {"zh": "复购率下降", "en": "Falling repurchase rate"},
    "swot.ev.repurchase_falling": {"zh": "{q}复购率{rate}，去年同期{base_rate}（{change}）",
                                   "en": "{q}: {rate} vs {base_rate} a year earlier ({change})"},
    "swot.title.segment_fastest": {"zh": "{subject}：增长最快的{dimension}",
                                   "en": "{subject}: the fastest-growing {dimension}"},
    "swot.ev.segment_fastest": {"zh": "GMV同比{growth}，整体{total}；占比{share}",
                                "en": "GMV {growth} YoY vs {total} for the total; share {share}"},
    "swot.title.sinking_market": {"zh": "下沉市场增速高于整体", "en": "Lower-tier cities grow faster than the total"},
    "swot.ev.sinking_market": {"zh": "{regions} GMV同比{growth}，整体{total}",
                               "en": "{regions}: GMV {growth} YoY vs {total} for the total"},
    "swot.title.cac_rising": {"zh": "获客成本上升", "en": "Rising customer acquisition cost"},
    "swot.ev.cac_rising": {"zh": "{q}获客成本{cac}，去年同期{base_cac}（{yoy}）",
                           "en": "{q}: CAC {cac} vs {base_cac} a year earlier ({yoy})"},
    "swot.ev.cac_run": {"zh": "连续两个季度上升：{r0} → {r1} → {r2}",
                        "en": "up two quarters running: {r0} → {r1} → {r2}"},
    "swot.title.channel_dependence": {"zh": "依赖单一渠道：{subject}", "en": "Dependence on one channel: {subject}"},
    "swot.ev.channel_dependence": {"zh": "近期GMV的{share}来自{subject}（阈值{limit}）",
                                   "en": "{subject} brought {share} of recent GMV (threshold {limit})"},
    "swot.short.cac_rising": {"zh": "获客成本同比{yoy}", "en": "CAC {yoy} year on year"},
    "swot.short.cac_run": {"zh": "获客成本连续两个季度上升", "en": "CAC up two quarters running"},
    "swot.short.channel_dependence": {"zh": "{subject}占GMV的{share}", "en": "{subject} brings {share} of GMV"},
    "swot.finding": {"zh": "数据信号：{s}项优势、{w}项劣势、{o}个机会、{t}个威胁",
                     "en": "Data signals: {s} strength{s_pl}, {w} weakness{w_pl}, {o} opportunit{o_pl}, {t} "
                           "threat{t_pl}"},
    "swot.finding.threat": {"zh": "；最大威胁：{threat}", "en": "; biggest threat: {threat}"},
    "swot.finding.no_threat": {"zh": "；数据未显示威胁", "en": "; no threat in the data"},
    "swot.rules.head": {"zh": "数据信号的规则与阈值", "en": "Rules and thresholds of the data signals"},
    "swot.rule.channel_strong": {"zh": "优势·渠道：付费渠道中ROAS处于前{top}（不低于第{p_hi}百分位数）"
                                       "且GMV占比较去年同期提升超过{gain}个百分点",
                                 "en": "Strength · channel: a paid channel with ROAS in the top {top} (at or above "
                                       "the {p_hi}th percentile) whose GMV share grew by more than {gain} pp vs a "
                                       "year earlier"},
    "swot.rule.category_gaining": {"zh": "优势·品类：占比不低于{min_share}、"
                                         "GMV同比增速比整体高出至少{lead}个百分点的品类",
                                   "en": "Strength · category: a category with at least {min_share} of GMV whose "
                                         "growth beats the total's by at least {lead} points"},
    "swot.rule.category_losing": {"zh": "劣势·品类：最近两次季度环比中GMV占比均下降（每次降幅超过{fall}个百分点）",
                                  "en": "Weakness · category: GMV share fell (by more than {fall} pp) in each of "
                                        "the last two quarter-on-quarter steps"},
    "swot.rule.channel_weak": {"zh": "劣势·渠道：付费渠道中ROAS处于后{bottom}（不高于第{p_lo}百分位数）；"
                                     "至少{n}个付费渠道时才比较",
                               "en": "Weakness · channel: a paid channel with ROAS in the bottom {bottom} (at or "
                                     "below the {p_lo}th percentile); compared only with at least {n} paid channels"},
    "swot.rule.repurchase_falling": {"zh": "劣势·复购：最近完整季度的复购率比去年同季度低至少{drop}个百分点",
                                     "en": "Weakness · repurchase: the last full quarter's repurchase rate is at "
                                           "least {drop} pp below the same quarter a year earlier"},
    "swot.rule.segment_fastest": {"zh": "机会·细分市场：品类、区域各取一个占比不低于{min_share}、"
                                        "增速最快且比整体高出至少{lead}个百分点的细分市场",
                                  "en": "Opportunity · segment: per dimension (category, region) the "
                                        "fastest-growing segment with at least {min_share} of GMV, if it beats the "
                                        "total's growth by at least {lead} points"},
    "swot.rule.category_losing.any": {"zh": "劣势·品类：最近两次季度环比中GMV占比均下降",
                                      "en": "Weakness · category: GMV share fell in each of the last two "
                                            "quarter-on-quarter steps"},
    "swot.rule.sinking_market.any": {"zh": "机会·下沉市场：{regions}的GMV同比增速高于整体",
                                     "en": "Opportunity · lower-tier cities: {regions} grow faster than the total"},
    "swot.rule.sinking_market": {"zh": "机会·下沉市场：{regions}的GMV同比增速比整体高出超过{slead}个百分点",
                                 "en": "Opportunity · lower-tier cities: {regions} grow faster than the total by "
                                       "more than {slead} points"},
    "swot.rule.cac_rising": {"zh": "威胁·获客成本：最近完整季度的获客成本比去年同季度高至少{rise}，"
                                   "或连续两个季度环比上升",
                             "en": "Threat · acquisition cost: the last full quarter's CAC is at least {rise} above "
                                   "the same quarter a year earlier, or CAC rose two quarters running"},
    "swot.rule.channel_dependence": {"zh": "威胁·渠道依赖：单一渠道占GMV超过{dep}",
                                     "en": "Threat · channel dependence: one channel brings more than {dep} of GMV"},
    "swot.rules.period": {"zh": "比较期：{span}对比去年同期；季度规则只用完整季度。ROAS = GMV ÷ 花费，"
                                "占比与增速均由汇总值计算。",
                          "en": "Period: {span} vs the same months a year earlier; quarter rules use full quarters "
                                "only. ROAS = GMV / spend; shares and growth are computed from summed values."},
    "swot.rules.edit": {"zh": "阈值可在 {file} 的 rules: 下修改（例如 cac_rise: 0.15）。",
                        "en": "Change the thresholds under rules: in {file} (e.g. cac_rise: 0.15)."},
    "swot.skipped": {"zh": "未能评估的规则：{items}", "en": "Rules not evaluated: {items}"},
    "swot.name.channel_strong": {"zh": "高效渠道", "en": "strong channel"},
    "swot.name.category_gaining": {"zh": "品类增长", "en": "growing category"},
    "swot.name.category_losing": {"zh": "品类占比下降", "en": "category losing share"},
    "swot.name.channel_weak": {"zh": "低效渠道", "en": "weak channel"},
    "swot.name.repurchase_falling": {"zh": "复购率", "en": "repurchase rate"},
    "swot.name.segment_fastest": {"zh": "最快增长细分", "en": "fastest segment"},
    "swot.name.sinking_market": {"zh": "下沉市场", "en": "lower-tier cities"},
    "swot.name.cac_rising": {"zh": "获客成本", "en": "acquisition cost"},
    "swot.name.channel_dependence": {"zh": "渠道依赖", "en": "channel dependence"},
    "swot.why.not_given": {"zh": "没有{input}数据", "en": "no {input} data"},
    "swot.why.empty": {"zh": "期间内没有{input}数据", "en": "no {input} rows in the period"},
    "swot.why.unknown_growth": {"zh": "增速未知", "en": "growth unknown"},
    "swot.why.no_table": {"zh": "缺少{table}表", "en": "the {table} table is missing"},
    "swot.why.short_history": {"zh": "数据未覆盖{date}起的去年同期", "en": "the data do not reach back to {date}"},
    "swot.why.no_regions": {"zh": "数据中没有{regions}", "en": "no {regions} in the data"},
    "swot.why.few_paid": {"zh": "付费渠道只有{n}个，至少需要{need}个", "en": "only {n} paid channels, {need} needed"},
    "swot.why.few_quarters": {"zh": "完整季度只有{n}个，至少需要{need}个",
                              "en": "only {n} full quarters, {need} needed"},
    "swot.why.gap_quarters": {"zh": "季度不连续（{quarters}）",
                              "en": "the quarters are not consecutive ({quarters})"},
    "swot.why.no_year_ago": {"zh": "缺少{quarter}的去年同季度数据",
                             "en": "no data for the quarter a year before {quarter}"},
    "swot.no_plan": {"zh": "未找到分析师的SWOT文件 {file}。新建该文件，在 strengths / weaknesses / opportunities / "
                           "threats 下逐条写 {{text_zh: …, text_en: …}}，即可与数据信号并列显示。",
                     "en": "No analyst SWOT file at {file}. Create it with lists under strengths / weaknesses / "
                           "opportunities / threats, one {{text_zh: …, text_en: …}} per entry, to show them next to "
                           "the data signals."},
}
i18n.register(TEXTS)

#: quadrant -> (background, accent colour); strengths green, weaknesses red, opportunities blue, threats amber
COLORS = {"strengths": ("#EAF5EA", style.STATUS_COLORS["achieved"]),
          "weaknesses": ("#FBEAEA", style.STATUS_COLORS["off_track"]),
          "opportunities": ("#E8F0F8", style.SERIES_COLORS["current"]), "threats": ("#FFF6E0", "#B26A00")}
#: source badge -> (background, text colour)
BADGES = {"analyst": ("#E3E6EA", "#37474F"), "data": ("#1F4E79", "#FFFFFF")}


def _formats(lang: str) -> dict:
    """How each value key of a signal is shown (keys are the templates' placeholders)."""
    pct, pct2 = i18n.fmt_pct, (lambda v: i18n.fmt_pct(v, decimals=2))
    quarter = lambda v: i18n.fmt_quarter(v, lang) if v else i18n.MISSING  # noqa: E731
    return {"roas": lambda v: f"{v:.2f}", "cut": lambda v: f"{v:.2f}", "share": pct, "limit": pct,
            "s0": pct2, "s1": pct2, "s2": pct2, "rate": pct2, "base_rate": pct2,
            "growth": i18n.fmt_growth, "total": i18n.fmt_growth, "yoy": i18n.fmt_growth,
            "change": lambda v: i18n.fmt_pp(v, lang), "q": quarter, "q0": quarter, "q2": quarter, "base_q": quarter,
            "cac": lambda v: i18n.fmt_money(v, lang), "base_cac": lambda v: i18n.fmt_money(v, lang),
            "dimension": lambda v: i18n.t(f"swot.dim.{v}", lang), "regions": lambda v: i18n.join_list(list(v), lang)}


def _fmt(sig: Signal, rules: SwotRules, lang: str) -> dict:
    """The signal's values as display strings, plus the quartile words."""
    formats = _formats(lang)
    out = {"subject": sig.subject, "top": i18n.fmt_pct(1 - rules.top_quantile, decimals=0),
           "bottom": i18n.fmt_pct(rules.bottom_quantile, decimals=0)}
    out.update({k: i18n.MISSING if i18n.is_missing(v) else formats[k](v)
                for k, v in sig.values.items() if k in formats})
    out.update({f"r{i}": i18n.fmt_money(v, lang) for i, v in enumerate(sig.values.get("run") or [])})
    return out


def signal_text(sig: Signal, rules: SwotRules, lang: str) -> tuple[str, str]:
    """(title, evidence) of a signal in ``lang``; the evidence carries its numbers."""
    f = _fmt(sig, rules, lang)
    title = i18n.t(f"swot.title.{sig.rule}", lang, **f)
    if sig.rule != "cac_rising":
        return title, i18n.t(f"swot.ev.{sig.rule}", lang, **f)
    parts = [i18n.t("swot.ev.cac_rising", lang, **f)] if sig.values.get("base_q") else []
    parts += [i18n.t("swot.ev.cac_run", lang, **f)] if sig.values.get("rising") else []
    return title, ("；" if lang == "zh" else "; ").join(parts)


def _short(sig: Signal, rules: SwotRules, lang: str) -> str:
    f = _fmt(sig, rules, lang)
    if sig.rule == "cac_rising":
        return i18n.t("swot.short.cac_rising" if sig.values.get("by_yoy") else "swot.short.cac_run", lang, **f)
    if sig.rule == "channel_dependence":
        return i18n.t("swot.short.channel_dependence", lang, **f)
    return signal_text(sig, rules, lang)[0]


def finding(result: SwotResult, lang: str) -> str:
    """One line: how many data signals per quadrant, and the biggest threat (highest score)."""
    n = {q[0]: len(result.signals(q)) for q in QUADRANTS}
    plural = {"s_pl": "" if n["s"] == 1 else "s", "w_pl": "" if n["w"] == 1 else "es",
              "o_pl": "y" if n["o"] == 1 else "ies", "t_pl": "" if n["t"] == 1 else "s"}
    text = i18n.t("swot.finding", lang, **n, **plural)
    threats = sorted(result.signals("threats"), key=lambda s: -s.score)
    if threats:
        return text + i18n.t("swot.finding.threat", lang, threat=_short(threats[0], result.rules, lang))
    return text + i18n.t("swot.finding.no_threat", lang)


def _badge(source: str, lang: str) -> str:
    bg, fg = BADGES[source]
    return (f"<span style='display:inline-block;font-size:0.75em;padding:0 0.45em;margin-right:0.4em;"
            f"border-radius:3px;background:{bg};color:{fg}'>{html.escape(i18n.t(f'swot.src.{source}', lang))}</span>")


def _item_html(item, rules: SwotRules, lang: str) -> str:
    """One entry: the analyst's text, or a data signal's title with its evidence underneath (escaped)."""
    if isinstance(item, Entry):
        return f"<li style='margin:0.35em 0'>{_badge('analyst', lang)}{html.escape(item.text(lang))}</li>"
    title, evidence = signal_text(item, rules, lang)
    return (f"<li style='margin:0.35em 0'>{_badge('data', lang)}<b>{html.escape(title)}</b><br>"
            f"<span style='color:#555;font-size:0.88em'>{html.escape(evidence)}</span></li>")


def grid_html(result: SwotResult, lang: str) -> str:
    """The 2×2 grid as an HTML table (S W / O T); every text is escaped."""
    cells = []
    for q in QUADRANTS:
        bg, accent = COLORS[q]
        items = "".join(_item_html(i, result.rules, lang) for i in result.quadrants[q]) or \
            f"<li style='color:#888'>{html.escape(i18n.t('swot.none', lang))}</li>"
        cells.append(f"<td style='background:{bg};border-top:4px solid {accent};vertical-align:top;"
                     f"padding:0.6em 0.9em;width:50%'><div style='font-weight:bold;color:{accent};font-size:1.05em'>"
                     f"{html.escape(i18n.t(f'swot.q.{q}', lang))}</div>"
                     f"<ul style='list-style:none;margin:0.3em 0 0 0;padding:0'>{items}</ul></td>")
    rows = "".join(f"<tr>{cells[i]}{cells[i + 1]}</tr>" for i in (0, 2))
    return (f"<table class='attain-swot' style='border-collapse:separate;border-spacing:6px;width:100%;"
            f"table-layout:fixed;margin:0.4em 0 1em 0'>{rows}</table>")


def rule_lines(result: SwotResult, lang: str) -> list[str]:
    """The rules and thresholds in words, then the comparison period and the rules not evaluated."""
    r = result.rules
    pts = lambda x: f"{x * 100:.1f}".rstrip("0").rstrip(".")  # noqa: E731  (0.05 -> "5")
    fmt = {"top": i18n.fmt_pct(1 - r.top_quantile, decimals=0),
           "bottom": i18n.fmt_pct(r.bottom_quantile, decimals=0), "p_hi": pts(r.top_quantile),
           "p_lo": pts(r.bottom_quantile), "gain": pts(r.share_gain_pp),
           "fall": pts(r.share_fall_pp), "lead": pts(r.segment_lead), "slead": pts(r.sinking_lead),
           "min_share": i18n.fmt_pct(r.min_segment_share, decimals=0), "drop": pts(r.repurchase_drop_pp),
           "rise": i18n.fmt_pct(r.cac_rise, decimals=0), "dep": i18n.fmt_pct(r.dependence_share, decimals=0),
           "n": r.min_paid_channels, "regions": i18n.join_list(list(r.sinking_regions), lang)}
    zero = {"category_losing": r.share_fall_pp == 0, "sinking_market": r.sinking_lead == 0}
    lines = [i18n.t(f"swot.rule.{rule}{'.any' if zero.get(rule) else ''}", lang, **fmt) for rule in RULES]
    if result.period:
        lines.append(i18n.t("swot.rules.period", lang, span=i18n.fmt_month_span(*result.period, lang)))
    lines.append(i18n.t("swot.rules.edit", lang, file=PLAN_FILE))
    if result.skipped:
        paren = "{}（{}）" if lang == "zh" else "{} ({})"
        items = [paren.format(i18n.t(f"swot.name.{rule}", lang), i18n.t(f"swot.why.{why}", lang, **f))
                 for rule, why, f in result.skipped]
        lines.append(i18n.t("swot.skipped", lang, items=("；" if lang == "zh" else "; ").join(items)))
    return lines


def rules_html(result: SwotResult, lang: str) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in rule_lines(result, lang))
    return (f"<div class='attain-note' style='color:#555;font-size:0.88em;margin:0 0 1.2em 0'>"
            f"<b>{html.escape(i18n.t('swot.rules.head', lang))}</b><ul style='margin:0.3em 0'>{items}</ul></div>")


def show(result: SwotResult, lang: str) -> None:
    """Heading, finding, the 2×2 grid, then the rules and thresholds in words."""
    from IPython.display import HTML, display as ipy_display

    display.heading("section.swot", lang)
    display.paragraph(finding(result, lang))
    if result.plan_missing:
        display.note(i18n.t("swot.no_plan", lang, file=result.plan_file))
    ipy_display(HTML(grid_html(result, lang)))
    ipy_display(HTML(rules_html(result, lang)))
