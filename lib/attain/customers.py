"""Customers (客户): new vs returning buyers, repurchase, cohort retention, RFM value tiers.

``analyse(ds, as_of, lookback_months)`` returns a ``Customers`` of small aggregated frames;
every per-buyer step runs in the engine (ibis on DuckDB) and no customer id leaves it.
口径 (definitions):

- *buyer*: a distinct non-empty customer_id; guest rows (no customer_id) count in no buyer
  figure, their GMV is reported on its own (``guest_gmv``).
- *new buyer* of a month: the buyer's first order in the whole data falls in that month
  (metric ``new_buyers``); *returning* = buyers − new buyers. *New-buyer GMV*: GMV of the rows
  of buyers whose first-order month is the row's month; *returning GMV*: of buyers whose first
  order came in an earlier month. new + returning + guest GMV = GMV.
- *repurchase rate* of a quarter: metric ``repurchase_rate`` (buyers with ≥ 2 orders in the
  quarter ÷ buyers). The quarter of ``as_of`` is partial (quarter to date); its year-ago base
  covers the same days. A base quarter that starts before the data gives no comparison.
- *cohort*: the buyers whose first order falls in a month (the window's last 12 full months);
  retention at offset k = share of the cohort with an order in month cohort + k (k = 0 is 100%),
  shown only for months complete by ``as_of``.
- *RFM* as of ``as_of`` over buyers with an order in the 12 months up to it (the day after
  the same day a year earlier, through ``as_of``): R = days from the last order to ``as_of``,
  F = distinct orders, M = GMV (returns included, the ``gmv`` 口径, so tier GMV shares add up to
  the buyers' GMV). Each is scored 1–5 by quintile (``ntile``; R reversed: recent = 5; buyers
  with equal values share the lower score), summed 3–15, and tiered by ``RFM`` below.
- *small groups*: the frames are complete; where they are shown (tables, charts, the finding) a group of
  fewer than ``MIN_GROUP`` buyers is hidden (:mod:`attain.viz_customers`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd

from attain import display, i18n, viz_customers
from attain.metrics import compute
from attain.situation import Window, data_window
from attain.timegrain import (bucket, label, labels, last_full_quarter, month_end, month_label, month_start,
                              quarter_bounds, shift_day, shift_month)


@dataclass(frozen=True)
class RfmTiers:
    """The one place for the RFM rules: score levels, look-back and tier thresholds."""
    high: int = 12          # high-value: RFM sum >= 12
    potential: int = 8      # potential: 8 <= sum < 12; low-value: sum < 8
    levels: int = 5         # R, F and M each scored 1..5 (quintiles)
    months: int = 12        # buyers with an order in the last 12 months up to as_of

    def tier(self, total: int) -> str:
        return "high" if total >= self.high else "potential" if total >= self.potential else "low"

    def range_of(self, tier: str) -> tuple[int, int]:
        top = 3 * self.levels
        return {"high": (self.high, top), "potential": (self.potential, self.high - 1),
                "low": (3, self.potential - 1)}[tier]


RFM = RfmTiers()
MIN_GROUP = 10
"""The smallest group of buyers the customer section shows (k-anonymity with k = 10).

A tier, cohort, quarter or month's new/returning split of 1-9 buyers would let a reader who knows one of
them (a colleague, a big client, the only buyer in a new region) read off that person's spending and
behaviour: with ten or more the figures describe a crowd. Ten is the usual rule of thumb of statistical
disclosure control (many statistics offices use 3-10; the stricter end suits a report mailed around a
company). Smaller groups show as "< 10" and the report says so (:mod:`attain.viz_customers`)."""
TIERS = ("high", "potential", "low")        # top of the pyramid first
COHORT_MONTHS = 12                          # cohorts: the window's last 12 full months
MAX_OFFSET = 11                             # months since the first order, 0..11
TRAILING_MONTHS = 12                        # the finding's "last 12 months"

i18n.register({
    "section.customers": {"zh": "客户", "en": "Customers"},
    "cust.new_returning": {"zh": "新客与老客（按月）", "en": "New and returning buyers by month"},
    "cust.repurchase": {"zh": "季度复购率", "en": "Repurchase rate by quarter"},
    "cust.cohorts": {"zh": "同期群留存", "en": "Cohort retention"},
    "cust.value": {"zh": "客户价值分层（RFM）", "en": "Customer value tiers (RFM)"},
    "cust.no_ids": {"zh": "订单数据中没有客户编号（全部为游客订单），无法做新老客、复购、留存和价值分层分析。",
                    "en": "The orders carry no customer ids (every order is a guest order), so new vs "
                          "returning buyers, repurchase, retention and value tiers cannot be analysed."},
    "cust.f.new": {"zh": "近12个月新客占买家的{share}", "en": "new buyers were {share} of buyers over the last 12 months"},
    "cust.f.repurchase": {"zh": "复购率{quarter}{rate}", "en": "the repurchase rate in {quarter} was {rate}"},
    "cust.f.repurchase_yoy": {"zh": "复购率{quarter}{rate}（同比{pp}）",
                              "en": "the repurchase rate in {quarter} was {rate} ({pp} YoY)"},
    "cust.f.value": {"zh": "高价值客户占买家的{buyers}，贡献了{gmv}的GMV",
                     "en": "high-value customers were {buyers} of buyers and brought {gmv} of GMV"},
})


@dataclass
class Customers:
    """The customer section's frames (aggregates only; no customer ids)."""
    window: Window
    data_start: dt.date
    reason: str | None = None              # i18n key when nothing can be shown (no customer ids)
    monthly: pd.DataFrame | None = None    # month, partial, buyers, new_buyers, returning_buyers, new_share,
    #                                        new_gmv, returning_gmv, guest_gmv
    trailing: dict | None = None           # first, last, buyers, new_buyers, new_share (None: data too short)
    quarterly: pd.DataFrame | None = None  # quarter, partial, buyers, repurchase_rate, base_rate, change
    cohorts: pd.DataFrame | None = None    # cohort, size, offset, month, active, retention
    rfm: pd.DataFrame | None = None        # tier, low, high, buyers, buyer_share, gmv, gmv_share,
    #                                        median_recency, median_frequency, gmv_per_buyer
    rfm_start: dt.date | None = None
    rules: RfmTiers = RFM                  # the RFM rules used (thresholds printed under the table)
    min_group: int = MIN_GROUP             # groups of fewer buyers are not shown (see MIN_GROUP)


# --- engine-side pieces ----------------------------------------------------------------------

def _buyer_rows(ds, end: dt.date | None = None, start: dt.date | None = None):
    t = ds.table("orders")
    t = t.filter(t.customer_id.notnull())
    if start:
        t = t.filter(t.order_date >= ibis.timestamp(start.isoformat()))
    if end:
        t = t.filter(t.order_date < ibis.timestamp((end + dt.timedelta(days=1)).isoformat()))
    return t


def _first_months(ds):
    """One row per buyer: ``buyer`` and ``first_month`` (month of the first order in the whole data)."""
    t = _buyer_rows(ds)
    first = t.group_by(buyer=t.customer_id).aggregate(first_date=t.order_date.min())
    return first.select("buyer", first_month=bucket(first.first_date, "month"))


def _split_gmv(ds, start: dt.date, end: dt.date) -> pd.DataFrame:
    """GMV by month from new buyers, returning buyers and guests (engine join on the first month)."""
    t = ds.table("orders")
    t = t.filter((t.order_date >= ibis.timestamp(start.isoformat()))
                 & (t.order_date < ibis.timestamp((end + dt.timedelta(days=1)).isoformat())))
    first = _first_months(ds)
    j = t.left_join(first, t.customer_id == first.buyer)
    j = j.mutate(month=bucket(j.order_date, "month"))
    out = j.group_by("month").aggregate(new_gmv=j.gmv.sum(where=j.first_month == j.month),
                                        returning_gmv=j.gmv.sum(where=j.first_month < j.month),
                                        guest_gmv=j.gmv.sum(where=j.customer_id.isnull())).execute()
    out["month"] = labels(out["month"], "month")
    return out


def _month_index(col):
    return col.year() * 12 + col.month() - 1


def _cohort_counts(ds, last_full: str, cohorts: list[str]) -> pd.DataFrame:
    """Buyers of each cohort (first-order month) active in each month up to ``last_full``."""
    t = _buyer_rows(ds, end=month_end(last_full))
    active = t.select(buyer=t.customer_id, idx=_month_index(t.order_date)).distinct()
    first = active.group_by("buyer").aggregate(first_idx=active.idx.min())
    j = active.join(first, "buyer")
    wanted = [_index_of(m) for m in cohorts]
    j = j.filter(j.first_idx.isin(wanted)).mutate(offset=j.idx - j.first_idx)
    j = j.filter(j.offset <= MAX_OFFSET)
    return j.group_by("first_idx", "offset").aggregate(active=j.buyer.count()).execute()


def _index_of(month: str) -> int:
    first = month_start(month)
    return first.year * 12 + first.month - 1


def _buyer_scores(ds, as_of: dt.date, rules: RfmTiers = RFM):
    """Per-buyer R, F, M, scores and tier as an ibis expression (it stays in the engine)."""
    start = shift_day(as_of, -rules.months) + dt.timedelta(days=1)
    t = _buyer_rows(ds, end=as_of, start=start)
    b = t.group_by(buyer=t.customer_id).aggregate(last=t.order_date.max(), frequency=t.order_id.nunique(),
                                                  monetary=t.gmv.sum())
    b = b.mutate(recency=ibis.date(as_of.isoformat()).delta(b.last.date(), unit="day"))
    ranks = {"r": ibis.desc(b.recency), "f": b.frequency, "m": b.monetary}
    b = b.mutate(**{f"_{k}": ibis.ntile(rules.levels).over(order_by=[v]) for k, v in ranks.items()})
    values = {"r": "recency", "f": "frequency", "m": "monetary"}  # equal values share the lower score
    b = b.mutate(**{f"{k}_score": b[f"_{k}"].min().over(group_by=b[v]) + 1 for k, v in values.items()})
    b = b.mutate(rfm=b.r_score + b.f_score + b.m_score)
    tier = ibis.cases((b.rfm >= rules.high, "high"), (b.rfm >= rules.potential, "potential"), else_="low")
    return b.mutate(tier=tier).drop("_r", "_f", "_m")


def _tiers(ds, as_of: dt.date, rules: RfmTiers = RFM) -> pd.DataFrame:
    """Per tier: buyers, shares, GMV, median recency and frequency, GMV per buyer."""
    b = _buyer_scores(ds, as_of, rules)
    agg = b.group_by("tier").aggregate(buyers=b.count(), gmv=b.monetary.sum(),
                                       median_recency=b.recency.median(),
                                       median_frequency=b.frequency.median()).execute()
    out = agg.set_index("tier").reindex(list(TIERS)).rename_axis("tier").reset_index()
    out[["buyers", "gmv"]] = out[["buyers", "gmv"]].fillna(0)
    out["buyers"] = out["buyers"].astype("int64")
    out.insert(1, "low", [rules.range_of(x)[0] for x in TIERS])
    out.insert(2, "high", [rules.range_of(x)[1] for x in TIERS])
    out["buyer_share"] = out["buyers"] / out["buyers"].sum() if out["buyers"].sum() else float("nan")
    out["gmv_share"] = out["gmv"] / out["gmv"].sum() if out["gmv"].sum() else float("nan")
    out["gmv_per_buyer"] = out["gmv"] / out["buyers"].where(out["buyers"] > 0)
    return out


# --- the frames ------------------------------------------------------------------------------

def new_returning(ds, window: Window, data_start: dt.date) -> pd.DataFrame:
    """Month by month (window months and the partial month): buyers, new/returning, GMV split."""
    months = list(window.months) + ([window.partial_month] if window.partial_month else [])
    counts = compute(ds, ["buyers", "new_buyers"], grain="month", start=window.start, end=window.as_of)
    frame = counts.merge(_split_gmv(ds, window.start, window.as_of), on="month", how="outer")
    frame = frame.set_index("month").reindex(months).rename_axis("month").reset_index().fillna(0)
    for c in ("buyers", "new_buyers"):
        frame[c] = frame[c].astype("int64")
    frame.insert(1, "partial", frame["month"] == window.partial_month)
    frame.insert(4, "returning_buyers", frame["buyers"] - frame["new_buyers"])
    frame.insert(5, "new_share", frame["new_buyers"] / frame["buyers"].where(frame["buyers"] > 0))
    before = frame["month"] < first_full_month(data_start)      # not (fully) covered by the data: unknown
    if before.any():
        values = [c for c in frame.columns if c not in ("month", "partial")]
        frame[values] = frame[values].astype(float)
        frame.loc[before, values] = float("nan")
    return frame


def first_full_month(data_start: dt.date) -> str:
    """The first month the data cover from its first day."""
    month = month_label(data_start)
    return month if data_start.day == 1 else shift_month(month, 1)


def trailing_new_share(ds, window: Window, data_start: dt.date) -> dict | None:
    """New buyers ÷ buyers over the last 12 full months (None when the data start later)."""
    first, last = window.last(TRAILING_MONTHS)[0], window.last_full_month
    if data_start >= month_start(first):
        return None  # every buyer of the data's first month would count as new
    row = compute(ds, ["buyers", "new_buyers"], start=month_start(first), end=month_end(last))
    buyers, new = (int(row[c].iloc[0]) if len(row) else 0 for c in ("buyers", "new_buyers"))
    return {"first": first, "last": last, "buyers": buyers, "new_buyers": new,
            "new_share": new / buyers if buyers else float("nan")}


def _rate(ds, start: dt.date, end: dt.date) -> float:
    row = compute(ds, ["repurchase_rate"], start=start, end=end)
    return float(row["repurchase_rate"].iloc[0]) if len(row) else float("nan")


def repurchase(ds, window: Window, data_start: dt.date) -> pd.DataFrame:
    """Repurchase rate of each quarter overlapping the window (and the last full quarter), vs a year earlier."""
    first_q = min(label(window.start, "quarter"), last_full_quarter(window.as_of))
    last_q = label(window.as_of, "quarter")
    start = quarter_bounds(f"{int(first_q[:4]) - 1}{first_q[4:]}")[0]
    frame = compute(ds, ["buyers", "repurchase_rate"], grain="quarter", start=start, end=window.as_of)
    rates = frame.set_index("quarter")["repurchase_rate"]
    rows = []
    for q in _quarters(first_q, last_q):
        q_start, q_end = quarter_bounds(q)
        if q_start < data_start:
            continue  # the data cover only part of the quarter
        base_q = f"{int(q[:4]) - 1}{q[4:]}"
        partial = window.as_of < q_end
        base = float("nan")
        if quarter_bounds(base_q)[0] >= data_start:
            base = (_rate(ds, quarter_bounds(base_q)[0], shift_day(window.as_of, -12)) if partial
                    else rates.get(base_q, float("nan")))
        hit = frame[frame["quarter"] == q]
        rows.append({"quarter": q, "partial": partial,
                     "buyers": int(hit["buyers"].iloc[0]) if len(hit) else 0,
                     "repurchase_rate": float(hit["repurchase_rate"].iloc[0]) if len(hit) else float("nan"),
                     "base_rate": base})
    out = pd.DataFrame(rows, columns=["quarter", "partial", "buyers", "repurchase_rate", "base_rate"])
    out["change"] = out["repurchase_rate"] - out["base_rate"]
    return out


def _quarters(first: str, last: str) -> list[str]:
    out, q = [], first
    while q <= last:
        out.append(q)
        q = label(quarter_bounds(q)[1] + dt.timedelta(days=1), "quarter")
    return out


def cohort_retention(ds, window: Window, data_start: dt.date) -> pd.DataFrame:
    """Tidy cohort matrix: cohort, size, offset, month, active, retention (complete months only)."""
    cohorts = [m for m in window.months[-COHORT_MONTHS:] if m >= month_label(data_start)]
    last_full = window.last_full_month
    counts = _cohort_counts(ds, last_full, cohorts) if cohorts else pd.DataFrame(
        columns=["first_idx", "offset", "active"])
    found = {(int(i), int(k)): int(n) for i, k, n in counts[["first_idx", "offset", "active"]].itertuples(index=False)}
    rows = []
    for c in cohorts:
        size = found.get((_index_of(c), 0), 0)
        if not size:
            continue
        for k in range(MAX_OFFSET + 1):
            month = shift_month(c, k)
            if month > last_full:
                break
            n = found.get((_index_of(c), k), 0)
            rows.append({"cohort": c, "size": size, "offset": k, "month": month, "active": n,
                         "retention": n / size})
    return pd.DataFrame(rows, columns=["cohort", "size", "offset", "month", "active", "retention"])


def has_customer_ids(ds) -> bool:
    info = ds.tables["orders"]
    return ds.has_column("orders", "customer_id") and info.null_share.get("customer_id", 0.0) < 1.0


def analyse(ds, as_of: str | dt.date, lookback_months: int = 24, min_group: int = MIN_GROUP) -> Customers:
    """Every frame of the customer section, from a loaded dataset (complete: small groups are hidden only
    where the section is shown, by ``min_group``)."""
    window, data_start, _ = data_window(ds, as_of, lookback_months)
    if not has_customer_ids(ds):
        return Customers(window, data_start, reason="cust.no_ids", min_group=min_group)
    return Customers(window, data_start, min_group=min_group, monthly=new_returning(ds, window, data_start),
                     trailing=trailing_new_share(ds, window, data_start),
                     quarterly=repurchase(ds, window, data_start),
                     cohorts=cohort_retention(ds, window, data_start),
                     rfm=_tiers(ds, window.as_of), rfm_start=shift_day(window.as_of, -RFM.months) + dt.timedelta(days=1))


# --- words and tables ------------------------------------------------------------------------

def finding(result: Customers, lang: str) -> str:
    """One sentence from the numbers: new-buyer share, last full quarter's repurchase, high-value tier."""
    if result.reason:
        return i18n.t(result.reason, lang)
    parts = []
    tr = result.trailing
    if tr and tr["buyers"]:
        parts.append(i18n.t("cust.f.new", lang, share=i18n.fmt_pct(tr["new_share"], decimals=0)))
    q = last_full_quarter(result.window.as_of)
    hit = result.quarterly[result.quarterly["quarter"] == q] if result.quarterly is not None else []
    if len(hit) and not i18n.is_missing(hit["repurchase_rate"].iloc[0]) \
            and not viz_customers.is_small(hit["buyers"].iloc[0], result.min_group):
        row = hit.iloc[0]
        key = "cust.f.repurchase" if i18n.is_missing(row["change"]) else "cust.f.repurchase_yoy"
        parts.append(i18n.t(key, lang, quarter=i18n.fmt_quarter(q, lang), rate=i18n.fmt_pct(row["repurchase_rate"]),
                            pp=i18n.fmt_pp(row["change"], lang)))
    top = result.rfm.set_index("tier").loc["high"] if result.rfm is not None else None
    if top is not None and result.rfm["buyers"].sum() and "high" not in viz_customers.hidden_tiers(result):
        parts.append(i18n.t("cust.f.value", lang, buyers=i18n.fmt_pct(top["buyer_share"], decimals=0),
                            gmv=i18n.fmt_pct(top["gmv_share"], decimals=0)))
    if not parts:
        return i18n.t("hl.no_data", lang)
    if lang == "zh":
        return "；".join(parts) + "。"
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def show(result: Customers, lang: str) -> None:
    """The customer section: heading, finding, tables with their notes, charts (one notebook cell)."""
    v = viz_customers
    display.heading("section.customers", lang)
    display.paragraph(finding(result, lang))
    if result.reason:
        return
    display.heading("cust.new_returning", lang, level=3)
    display.table(v.monthly_table(result, lang))
    for text in [*v.monthly_notes(result, lang), v.small_note(result, lang, "monthly")]:
        display.note(text)
    display.figure(v.new_returning(result, lang))
    display.heading("cust.repurchase", lang, level=3)
    display.table(v.quarter_table(result, lang))
    display.note(v.quarter_note(result, lang))
    display.note(v.small_note(result, lang, "quarterly"))
    display.heading("cust.cohorts", lang, level=3)
    display.figure(v.cohort_heatmap(result, lang))
    display.note(v.cohort_note(result, lang))
    display.note(v.small_note(result, lang, "cohorts"))
    display.heading("cust.value", lang, level=3)
    display.table(v.tier_table(result, lang))
    display.note(v.rfm_note(result, lang))
    display.note(v.small_note(result, lang, "tiers"))
    display.figure(v.value_pyramid(result, lang))


__all__ = ["MIN_GROUP", "RFM", "RfmTiers", "TIERS", "Customers", "analyse", "new_returning", "trailing_new_share",
           "repurchase", "cohort_retention", "first_full_month", "has_customer_ids", "finding", "show"]
