"""Channel efficiency (渠道效率) and the category / region mix (品类与区域结构).

``analyse_efficiency(ds, as_of, lookback_months)``: per channel over the window of
``attain.situation.month_window`` — spend, GMV, orders, new buyers, ROAS, CAC, CPA,
conversion rate, all from ``attain.metrics.compute`` by channel (ratios of the channel's
summed parts, never averaged ratios) — plus its share of GMV and the change of that share.
Channels without spend are *unpaid*: their ROAS / CAC / CPA are missing (shown as "—").

``analyse_mix(ds, as_of, segments)``: GMV by category and by region (city tier) in the last
12 full months against the 12 before, and in the last full quarter against the same quarter
a year earlier, with shares and share changes; combined segments (下沉市场 = the lower city
tiers, from ``channels.yaml``'s ``segments:``) as extra lines. The fastest growing and the
fastest shrinking segments are named among segments holding at least ``MIN_SHARE`` of GMV.

``finding(result, lang)`` and ``show(result, lang)`` take either result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from attain import display, i18n
from attain.channels import Segment
from attain.metrics import compute
from attain.situation import Window, add_shares, growth, month_window, share_shifts
from attain.timegrain import (label, last_full_quarter, month_end, month_start, quarter_bounds,
                              shift_month)

#: A segment below this share of GMV (in both periods) is never named fastest / shrinking.
MIN_SHARE = 0.03
MIX_DIMENSIONS = ("category", "region")

i18n.register({
    "eff.section": {"zh": "渠道效率", "en": "Channel efficiency"},
    "eff.table": {"zh": "各渠道投入产出（{span}）", "en": "Spend and return by channel ({span})"},
    "eff.find": {"zh": "{span}，ROAS最高的付费渠道是{best}（{best_roas}），最低的是{worst}（{worst_roas}）；"
                       "花费最多的是{big}（{spend}，ROAS {big_roas}）",
                 "en": "Over {span}, the paid channel with the highest ROAS is {best} ({best_roas}) and the "
                       "lowest {worst} ({worst_roas}); {big} spends the most ({spend}, ROAS {big_roas})"},
    "eff.find_one": {"zh": "{span}，唯一有花费的渠道是{big}（{spend}，ROAS {big_roas}）",
                     "en": "Over {span}, {big} is the only channel with spend ({spend}, ROAS {big_roas})"},
    "eff.find_unpaid": {"zh": "；{channels}无投放花费（不计ROAS/CAC/CPA）",
                        "en": "; {channels} had no spend (no ROAS/CAC/CPA)"},
    "eff.find_nospend": {"zh": "{span}，GMV占比最高的渠道是{top}（{share}）；没有花费表（spend），未计算ROAS、CAC、CPA",
                         "en": "Over {span}, {top} brings the largest share of GMV ({share}); there is no spend "
                               "table, so ROAS, CAC and CPA are not computed"},
    "eff.no_spend": {"zh": "缺少花费表（spend）：加入后可计算各渠道花费、ROAS、CAC和CPA。",
                     "en": "The spend table is missing: with it, spend, ROAS, CAC and CPA by channel are shown."},
    "eff.unpaid": {"zh": "无投放花费的渠道：{channels}。", "en": "Channels without spend: {channels}."},
    "eff.note": {"zh": "ROAS = GMV ÷ 花费；CAC = 花费 ÷ 新客数（新客按首单渠道计）；CPA = 花费 ÷ 订单数；"
                       "合计行为全部渠道（含无花费渠道的GMV、新客与订单）。",
                 "en": "ROAS = GMV ÷ spend; CAC = spend ÷ new buyers (by the channel of their first order); "
                       "CPA = spend ÷ orders; the total row covers all channels (GMV, new buyers and orders "
                       "of unpaid channels included)."},
    "mix.section": {"zh": "品类与区域结构", "en": "Category and region mix"},
    "mix.table": {"zh": "{dimension}：近12个月（{span}）与前12个月对比",
                  "en": "{dimension}: last 12 months ({span}) vs the 12 before"},
    "mix.find.total": {"zh": "近12个月GMV同比{growth}", "en": "GMV grew {growth} over the last 12 months"},
    "mix.find.dim": {"zh": "；{dimension}中{fast}增长最快（{fast_g}）",
                     "en": "; among {dimension}, {fast} grew fastest ({fast_g})"},
    "mix.find.down": {"zh": "，{slow}下降最快（{slow_g}）", "en": " and {slow} shrank fastest ({slow_g})"},
    "mix.find.slow": {"zh": "，{slow}增长最慢（{slow_g}）", "en": " and {slow} grew slowest ({slow_g})"},
    "mix.find.loser": {"zh": "，{loser}份额下降最多（{pp}）", "en": "; {loser} lost the most share ({pp})"},
    "mix.find.pp": {"zh": "，份额{pp}", "en": ", share {pp}"},
    "mix.find.combined": {"zh": "；{name}GMV同比{growth}，{cmp}整体", "en": "; GMV of {name} grew {growth}, {cmp} the "
                                                                          "whole business"},
    "mix.faster": {"zh": "快于", "en": "faster than"},
    "mix.slower": {"zh": "慢于", "en": "slower than"},
    "mix.dim.category": {"zh": "品类", "en": "categories"},
    "mix.dim.region": {"zh": "区域", "en": "regions"},
    "mix.no_base": {"zh": "数据不足24个月，无法计算近12个月同比。",
                    "en": "Less than 24 months of data: no 12-month growth."},
    "mix.note": {"zh": "增长最快/最慢只在任一期GMV占比不低于{share}的细分中选出；{combined}。",
                 "en": "Fastest / slowest are chosen among segments with at least {share} of GMV in "
                       "either period; {combined}."},
})


def _covers(ds, table: str, day) -> bool:
    return ds.has_table(table) and ds.date_range(table)[0] <= day


def _span(window: Window, lang: str) -> str:
    return i18n.fmt_month_span(window.months[0], window.months[-1], lang)


def fmt_roas(v) -> str:
    """ROAS as a multiple, ``3.91`` (a dictionary ratio; not a percentage)."""
    return i18n.MISSING if i18n.is_missing(v) else f"{float(v):.2f}"


# --- channel efficiency -------------------------------------------------------------------

@dataclass
class Efficiency:
    """Channel efficiency over ``window``.

    ``channels``: one row per channel, by GMV (largest first) — channel, gmv, orders, new_buyers,
    gmv_share (of all channels' GMV in the window), gmv_share_change_pp (share in the last 12
    full months minus the share in the 12 before, a fraction like every share in the house:
    0.023 = +2.3 pp; missing when the data do not reach back); with traffic: uv, conversion_rate;
    with spend: spend, roas, cac, cpa (missing for unpaid channels) and paid (spend > 0).
    ``total``: the same metrics over all channels. ``cac_by_quarter``: quarter, spend,
    new_buyers, cac for the full quarters inside the window (None without spend).
    """
    window: Window
    channels: pd.DataFrame
    total: dict
    cac_by_quarter: pd.DataFrame | None
    unpaid: list[str] = field(default_factory=list)
    has_spend: bool = True
    has_traffic: bool = True


def _metrics(has_spend: bool, has_traffic: bool) -> list[str]:
    out = ["gmv", "orders", "new_buyers"]
    out += ["uv", "conversion_rate"] if has_traffic else []
    out += ["spend", "roas", "cac", "cpa"] if has_spend else []
    return out


def full_quarters(window: Window) -> list[str]:
    """Quarters lying wholly inside the window, oldest first."""
    out, day = [], window.start
    while day <= window.end:
        q = label(day, "quarter")
        first, last = quarter_bounds(q)
        if first >= window.start and last <= window.end:
            out.append(q)
        day = last + dt.timedelta(days=1)
    return out


def _share_change(ds, window: Window) -> pd.Series | None:
    last12 = window.last(12)
    if not _covers(ds, "orders", month_start(shift_month(last12[0], -12))):
        return None
    monthly = compute(ds, ["gmv"], grain="month", by=["channel"],
                      start=month_start(shift_month(last12[0], -12)), end=window.end)
    sh = share_shifts(monthly, last12, values=["gmv"])
    return sh.set_index("channel")["gmv_shift"]


def analyse_efficiency(ds, as_of, lookback_months: int) -> Efficiency:
    """Spend, GMV, ROAS, CAC, CPA, conversion and GMV share per channel (see ``Efficiency``)."""
    window = month_window(as_of, lookback_months)
    has_spend, has_traffic = ds.has_table("spend"), ds.has_table("traffic")
    metrics = _metrics(has_spend, has_traffic)
    per = compute(ds, metrics, by=["channel"], start=window.start, end=window.end)
    per = add_shares(per, ["gmv"], period=None).sort_values("gmv", ascending=False, kind="stable")
    change = _share_change(ds, window)
    per["gmv_share_change_pp"] = per["channel"].map(change) if change is not None else float("nan")
    unpaid: list[str] = []
    cac_q = None
    if has_spend:
        per["paid"] = per["spend"] > 0
        per.loc[~per["paid"], ["roas", "cac", "cpa"]] = float("nan")
        unpaid = list(per.loc[~per["paid"], "channel"])
        quarters = full_quarters(window)
        if quarters:
            cac_q = compute(ds, ["spend", "new_buyers", "cac"], grain="quarter",
                            start=quarter_bounds(quarters[0])[0], end=quarter_bounds(quarters[-1])[1])
    total = compute(ds, metrics, start=window.start, end=window.end).iloc[0].to_dict()
    return Efficiency(window, per.reset_index(drop=True), total, cac_q, unpaid, has_spend, has_traffic)


def efficiency_finding(e: Efficiency, lang: str) -> str:
    span = _span(e.window, lang)
    if e.channels.empty or e.channels["gmv"].sum() == 0:
        return i18n.t("hl.no_data", lang)
    end = "。" if lang == "zh" else "."
    if not e.has_spend:
        top = e.channels.iloc[0]
        return i18n.t("eff.find_nospend", lang, span=span, top=top["channel"],
                      share=i18n.fmt_pct(top["gmv_share"])) + end
    paid = e.channels[e.channels["paid"]].sort_values("roas", ascending=False, kind="stable")
    if paid.empty:
        return i18n.t("eff.unpaid", lang, channels=i18n.join_list(e.unpaid, lang))
    best, worst = paid.iloc[0], paid.iloc[-1]
    big = paid.sort_values("spend", ascending=False, kind="stable").iloc[0]
    text = i18n.t("eff.find" if len(paid) > 1 else "eff.find_one", lang, span=span, best=best["channel"],
                  best_roas=fmt_roas(best["roas"]), worst=worst["channel"], worst_roas=fmt_roas(worst["roas"]),
                  big=big["channel"], spend=i18n.fmt_money(big["spend"], lang), big_roas=fmt_roas(big["roas"]))
    if e.unpaid:
        text += i18n.t("eff.find_unpaid", lang, channels=i18n.join_list(e.unpaid, lang))
    return text + end


def show_efficiency(e: Efficiency, lang: str) -> None:
    from attain import viz_mix

    display.heading("eff.section", lang)
    display.paragraph(efficiency_finding(e, lang))
    display.heading("eff.table", lang, level=3, span=_span(e.window, lang))
    display.table(viz_mix.efficiency_table(e, lang))
    if not e.has_spend:
        display.note(i18n.t("eff.no_spend", lang))
        return
    if e.unpaid:
        display.note(i18n.t("eff.unpaid", lang, channels=i18n.join_list(e.unpaid, lang)))
    display.note(i18n.t("eff.note", lang))
    display.figure(viz_mix.efficiency_scatter(e, lang))


# --- category and region mix -----------------------------------------------------------------

@dataclass
class SegmentMix:
    """GMV growth and shares by category and region.

    ``growth``: dimension, segment, combined (True for a combined line such as 下沉市场, whose
    ``segment`` is its id in ``segments``), gmv (last 12 full months), base_gmv (the 12 before),
    growth, share, base_share, share_change (fractions: 0.018 = 1.8 pp), gmv_q, base_gmv_q,
    growth_q (last full quarter vs a year earlier), eligible (may be named fastest/slowest).
    Base columns are missing when the data do not reach back.
    ``category_quarterly``: quarter, category, gmv, share — up to 8 full quarters ending with the
    last full quarter (as many as the data cover; a category without orders in a quarter has 0).
    ``total``: gmv, base_gmv, growth, gmv_q, base_gmv_q, growth_q of the whole business.
    """
    as_of: object
    last12: tuple[str, str]
    quarter: str
    growth: pd.DataFrame
    category_quarterly: pd.DataFrame
    total: dict
    segments: tuple[Segment, ...] = ()
    min_share: float = MIN_SHARE

    def name(self, dimension: str, segment: str, combined: bool, lang: str) -> str:
        if not combined:
            return segment
        return next(s.name(lang) for s in self.segments if s.id == segment and s.dimension == dimension)

    def segment_table(self) -> pd.DataFrame:
        """For rules (e.g. SWOT): dimension, segment, gmv, base_gmv, growth, share — data values only,
        without the combined lines (which would double count)."""
        keep = ["dimension", "segment", "gmv", "base_gmv", "growth", "share"]
        return self.growth.loc[~self.growth["combined"], keep].reset_index(drop=True)

    def combined_growth(self, segment_id: str = "lower_tier") -> tuple[float, float]:
        """(12-month GMV growth of a combined segment, that of the whole business); NaN when unknown."""
        hit = self.growth[self.growth["combined"] & (self.growth["segment"] == segment_id)]
        return (float(hit["growth"].iloc[0]) if len(hit) else float("nan"), float(self.total["growth"]))


def _period_sums(ds, dim: str, last12: list[str], quarter: str) -> pd.DataFrame:
    """gmv, base_gmv, gmv_q, base_gmv_q per value of ``dim`` (bases NaN where data are short)."""
    prev_first = shift_month(last12[0], -12)
    base_q = f"{int(quarter[:4]) - 1}{quarter[4:]}"
    spans = {"gmv": (month_start(last12[0]), month_end(last12[-1])),
             "base_gmv": (month_start(prev_first), month_end(shift_month(last12[-1], -12))),
             "gmv_q": quarter_bounds(quarter), "base_gmv_q": quarter_bounds(base_q)}
    out = None
    for col, (start, end) in spans.items():
        f = compute(ds, ["gmv"], by=[dim], start=start, end=end).rename(columns={"gmv": col, dim: "segment"})
        out = f if out is None else out.merge(f, on="segment", how="outer")
    for col, (start, _) in spans.items():
        short = col.startswith("base_") and not _covers(ds, "orders", start)   # a partial base would mislead
        out[col] = float("nan") if short else out[col].fillna(0.0)
    return out


def _rates(frame: pd.DataFrame, totals: dict) -> pd.DataFrame:
    f = frame.copy()
    f["growth"] = [growth(c, b) for c, b in zip(f["gmv"], f["base_gmv"])]
    f["growth_q"] = [growth(c, b) for c, b in zip(f["gmv_q"], f["base_gmv_q"])]
    f["share"] = f["gmv"] / totals["gmv"] if totals["gmv"] else float("nan")
    f["base_share"] = f["base_gmv"] / totals["base_gmv"] if totals["base_gmv"] else float("nan")
    f["share_change"] = f["share"] - f["base_share"]
    return f


def _dimension(ds, dim, last12, quarter, segments, min_share) -> pd.DataFrame:
    sums = _period_sums(ds, dim, last12, quarter)
    cols = ["gmv", "base_gmv", "gmv_q", "base_gmv_q"]
    totals = sums[cols].sum(min_count=1).to_dict()
    f = _rates(sums.sort_values("gmv", ascending=False, kind="stable"), totals).assign(combined=False)
    f["eligible"] = (f[["share", "base_share"]].max(axis=1) >= min_share) & f["growth"].notna()
    lines = []
    for s in (s for s in segments if s.dimension == dim):
        part = sums[sums["segment"].isin(s.members)][cols].sum(min_count=1)
        lines.append(_rates(pd.DataFrame([{"segment": s.id, **part.to_dict()}]), totals)
                     .assign(combined=True, eligible=False))
    f = pd.concat([f, *lines], ignore_index=True) if lines else f
    return f.assign(dimension=dim)


def _category_quarters(ds, quarter: str) -> pd.DataFrame:
    quarters = [quarter]
    while len(quarters) < 8:
        y, q = int(quarters[0][:4]), int(quarters[0][-1])
        prev = f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
        if not _covers(ds, "orders", quarter_bounds(prev)[0]):
            break
        quarters.insert(0, prev)
    f = compute(ds, ["gmv"], grain="quarter", by=["category"], start=quarter_bounds(quarters[0])[0],
                end=quarter_bounds(quarter)[1])
    full = pd.MultiIndex.from_product([quarters, sorted(f["category"].unique())], names=["quarter", "category"])
    f = f.set_index(["quarter", "category"]).reindex(full, fill_value=0.0).reset_index()
    return add_shares(f, ["gmv"], period="quarter").rename(columns={"gmv_share": "share"})


def analyse_mix(ds, as_of, segments: tuple[Segment, ...] = (), min_share: float = MIN_SHARE) -> SegmentMix:
    """Growth and shares by category and region (see ``SegmentMix``)."""
    window = month_window(as_of, 12)
    last12, quarter = window.last(12), last_full_quarter(window.as_of)
    frames = [_dimension(ds, d, last12, quarter, segments, min_share) for d in MIX_DIMENSIONS]
    growth_frame = pd.concat(frames, ignore_index=True)
    first = growth_frame[growth_frame["dimension"] == MIX_DIMENSIONS[0]]
    first = first[~first["combined"]]
    total = {c: first[c].sum(min_count=1) for c in ("gmv", "base_gmv", "gmv_q", "base_gmv_q")}
    total["growth"], total["growth_q"] = growth(total["gmv"], total["base_gmv"]), growth(total["gmv_q"],
                                                                                          total["base_gmv_q"])
    order = ["dimension", "segment", "combined", "gmv", "base_gmv", "growth", "share", "base_share",
             "share_change", "gmv_q", "base_gmv_q", "growth_q", "eligible"]
    return SegmentMix(window.as_of, (last12[0], last12[-1]), quarter, growth_frame[order],
                      _category_quarters(ds, quarter), total, tuple(segments), min_share)


def leaders(m: SegmentMix, dimension: str) -> dict:
    """The eligible segments of ``dimension`` with the highest and lowest growth and the biggest share loss."""
    f = m.growth[(m.growth["dimension"] == dimension) & m.growth["eligible"]]
    if f.empty:
        return {}
    ranked = f.sort_values("growth", ascending=False, kind="stable")
    out = {"fastest": ranked.iloc[0], "slowest": ranked.iloc[-1] if len(ranked) > 1 else None}
    losers = f[f["share_change"] < 0].sort_values("share_change", kind="stable")
    out["share_loser"] = losers.iloc[0] if len(losers) else None
    return out


def _dim_text(m: SegmentMix, dim: str, lang: str) -> str:
    lead = leaders(m, dim)
    if not lead:
        return ""
    fast, slow, loser = lead["fastest"], lead["slowest"], lead["share_loser"]
    text = i18n.t("mix.find.dim", lang, dimension=i18n.t(f"mix.dim.{dim}", lang), fast=fast["segment"],
                  fast_g=i18n.fmt_growth(fast["growth"]))
    same = slow is not None and loser is not None and slow["segment"] == loser["segment"]
    if slow is not None:
        key = "mix.find.down" if slow["growth"] < 0 else "mix.find.slow"
        pp = i18n.t("mix.find.pp", lang, pp=i18n.fmt_pp(loser["share_change"], lang)) if same else ""
        text += i18n.t(key, lang, slow=slow["segment"], slow_g=i18n.fmt_growth(slow["growth"]) + pp)
    if loser is not None and not same:
        text += i18n.t("mix.find.loser", lang, loser=loser["segment"], pp=i18n.fmt_pp(loser["share_change"], lang))
    return text


def _combined_text(m: SegmentMix, lang: str) -> str:
    out = ""
    for _, row in m.growth[m.growth["combined"]].iterrows():
        if i18n.is_missing(row["growth"]) or i18n.is_missing(m.total["growth"]):
            continue
        cmp = "mix.faster" if row["growth"] > m.total["growth"] else "mix.slower"
        out += i18n.t("mix.find.combined", lang, name=m.name(row["dimension"], row["segment"], True, lang),
                      growth=i18n.fmt_growth(row["growth"]), cmp=i18n.t(cmp, lang))
    return out


def mix_finding(m: SegmentMix, lang: str) -> str:
    """E.g. "近12个月GMV同比+20.0%；品类中3C数码增长最快（+35.0%），食品增长最慢（+2.0%），
    食品份额下降最多（-1.8个百分点）；…；下沉市场GMV同比+28.0%，快于整体。"."""
    if i18n.is_missing(m.total["gmv"]) or not m.total["gmv"]:
        return i18n.t("hl.no_data", lang)
    if i18n.is_missing(m.total["growth"]):
        return i18n.t("mix.no_base", lang)
    text = i18n.t("mix.find.total", lang, growth=i18n.fmt_growth(m.total["growth"]))
    text += "".join(_dim_text(m, d, lang) for d in MIX_DIMENSIONS) + _combined_text(m, lang)
    return text + ("。" if lang == "zh" else ".")


def _mix_note(m: SegmentMix, lang: str) -> str:
    defs = [f"{s.name(lang)} = {' + '.join(s.members)}" for s in m.segments]
    return i18n.t("mix.note", lang, share=i18n.fmt_pct(m.min_share, decimals=0),
                  combined=i18n.join_list(defs, lang) if defs else "—")


def show_mix(m: SegmentMix, lang: str) -> None:
    from attain import viz_mix

    display.heading("mix.section", lang)
    display.paragraph(mix_finding(m, lang))
    for dim in MIX_DIMENSIONS:
        display.heading("mix.table", lang, level=3, dimension=i18n.t(f"col.{dim}", lang),
                        span=i18n.fmt_month_span(*m.last12, lang))
        display.table(viz_mix.mix_table(m, dim, lang))
    display.note(_mix_note(m, lang))
    display.figure(viz_mix.segment_growth(m, lang))


def finding(result, lang: str) -> str:
    """The one-line finding of an ``Efficiency`` or a ``SegmentMix``."""
    return efficiency_finding(result, lang) if isinstance(result, Efficiency) else mix_finding(result, lang)


def show(result, lang: str) -> None:
    """Render an ``Efficiency`` or a ``SegmentMix`` section."""
    return show_efficiency(result, lang) if isinstance(result, Efficiency) else show_mix(result, lang)
