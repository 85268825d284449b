"""What SWOT and capability maturity read from the other sections' results.

The report computes channel efficiency (``attain.mix.analyse_efficiency``), the category / region
mix (``attain.mix.analyse_mix``) and the customer frames (``attain.customers.analyse``) once; the
SWOT and capability sections read those results through these helpers instead of querying again:

- ``last12(as_of)``: the last 12 full months before ``as_of`` and the same months a year earlier
  (the comparison period of ``attain.mix``: segment growth and channel share change);
- ``cac_by_quarter(efficiency, data_start)``: the efficiency section's CAC by full quarter, without
  quarters starting before the data (their spend and first orders would be partial);
- ``new_buyers_by_quarter(customers)``: Σ of the customer section's monthly new buyers (metric
  ``new_buyers``, additive: a buyer's first order falls in one month) per quarter whose three
  months are complete and covered by the data;
- ``repurchase_by_quarter(customers)``: the customer section's repurchase rate (metric
  ``repurchase_rate``) of each full quarter, plus each year-ago quarter from its ``base_rate``;
- ``light_customers(ds, as_of, lookback_months)``: without a ``Customers`` at hand, just the
  frames these readers need, computed with ``attain.customers``' own functions.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from attain import customers as cust
from attain.situation import month_window
from attain.timegrain import label, month_start, quarter_bounds, shift_month, shift_quarter


def last12(as_of) -> tuple[list[str], list[str]]:
    """(the last 12 full months before ``as_of``, the same months a year earlier), oldest first."""
    recent = month_window(as_of, 12).last(12)
    return recent, [shift_month(m, -12) for m in recent]


def data_start(ds, tables=("orders",)) -> dt.date:
    """The first day every one of ``tables`` (those present) covers."""
    return max(ds.date_range(t)[0] for t in tables if ds.has_table(t))


def cac_by_quarter(efficiency, data_start: dt.date | None = None) -> pd.DataFrame | None:
    """quarter, spend, new_buyers, cac of ``efficiency.cac_by_quarter`` (None without spend)."""
    frame = efficiency.cac_by_quarter
    if frame is None or data_start is None:
        return frame
    return frame[[quarter_bounds(q)[0] >= data_start for q in frame["quarter"]]].reset_index(drop=True)


def new_buyers_by_quarter(customers) -> pd.Series | None:
    """New buyers per quarter (index: quarter) from ``customers.monthly``; None without that frame."""
    monthly = customers.monthly
    if monthly is None:
        return None
    full = monthly[~monthly["partial"]].dropna(subset=["new_buyers"])    # NaN: before the data's first month
    sums = full.groupby(full["month"].map(lambda m: label(month_start(m), "quarter")))["new_buyers"].agg(
        ["sum", "count"])
    return sums.loc[sums["count"] == 3, "sum"].astype(float).rename("new_buyers")


def repurchase_by_quarter(customers) -> pd.DataFrame | None:
    """quarter, repurchase_rate: the full quarters of ``customers.quarterly`` and their year-ago quarters."""
    frame = customers.quarterly
    if frame is None:
        return None
    full = frame[~frame["partial"]]
    rates = dict(zip(full["quarter"], full["repurchase_rate"]))
    for q, base in zip(full["quarter"], full["base_rate"]):
        rates.setdefault(shift_quarter(q, -4), base)
    out = pd.DataFrame({"quarter": list(rates), "repurchase_rate": list(rates.values())}, dtype=object)
    out["repurchase_rate"] = out["repurchase_rate"].astype(float)
    return out.dropna().sort_values("quarter", kind="stable").reset_index(drop=True)


def light_customers(ds, as_of, lookback_months: int, *, monthly: bool = False) -> cust.Customers:
    """A ``Customers`` with only ``quarterly`` (and ``monthly`` if asked): what the readers above use."""
    window = month_window(as_of, lookback_months)
    start = ds.date_range("orders")[0]
    if not cust.has_customer_ids(ds):
        return cust.Customers(window, start, reason="cust.no_ids")
    return cust.Customers(window, start, quarterly=cust.repurchase(ds, window, start),
                          monthly=cust.new_returning(ds, window, start) if monthly else None)
