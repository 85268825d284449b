"""The metric dictionary: one definition (口径) per KPI.

Each metric is a formula over *parts*: additive measures summed (or distinct-counted) in the
engine per bucket. Ratios are always computed from summed parts, never by averaging ratios.
A part belongs to one source table, which fixes the breakdowns it can give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class Part:
    id: str
    table: str                       # source table ("new_buyers" come from orders' first orders)
    needs: tuple[str, ...] = ()      # optional contract columns the part needs
    doc: str = ""


PARTS: dict[str, Part] = {p.id: p for p in (
    Part("gmv", "orders", doc="Σ gmv"),
    Part("returned_gmv", "orders", doc="Σ gmv of returned rows"),
    Part("orders", "orders", doc="distinct order_id"),
    Part("buyers", "orders", doc="distinct non-empty customer_id"),
    Part("buyer_gmv", "orders", doc="Σ gmv of rows with a customer_id"),
    Part("returned_orders", "orders", doc="distinct order_id with a returned row"),
    Part("repeat_buyers", "orders", doc="buyers with ≥ 2 distinct orders in the bucket"),
    Part("kept_cost", "orders", needs=("cost",), doc="Σ cost of rows not returned"),
    Part("new_buyers", "first_orders", doc="buyers whose first order falls in the bucket"),
    Part("uv", "traffic"), Part("pv", "traffic"),
    Part("sessions", "traffic", needs=("sessions",)),
    Part("bounces", "traffic", needs=("bounces",)),
    Part("bounce_base", "traffic", doc="Σ sessions, taking uv for rows without sessions"),
    Part("spend", "spend"),
    Part("impressions", "spend", needs=("impressions",)),
    Part("clicks", "spend", needs=("clicks",)),
)}


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, missing where the denominator is zero or missing."""
    den = den.astype(float).where(den != 0)
    return num.astype(float) / den


@dataclass(frozen=True)
class Metric:
    id: str
    zh: str
    en: str
    unit: str                        # CNY, orders, people, visits, ratio, ...
    direction: str                   # "higher" or "lower" is better
    parts: tuple[str, ...]
    formula: Callable[[pd.DataFrame], pd.Series]
    definition_zh: str
    definition_en: str

    @property
    def is_count(self) -> bool:
        return self.unit in ("orders", "people", "visitors", "visits", "views", "times")

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _sum_of(part: str):
    return lambda f: f[part]


def _m(id, zh, en, unit, direction, parts, formula, dzh, den):
    return Metric(id, zh, en, unit, direction, tuple(parts), formula, dzh, den)


_LIST = [
    _m("gmv", "GMV(商品交易总额)", "GMV", "CNY", "higher", ["gmv"], _sum_of("gmv"),
       "所有订单行金额之和(含退货)", "Sum of the amount of all order rows, returns included"),
    _m("returned_gmv", "退货金额", "Returned GMV", "CNY", "lower", ["returned_gmv"], _sum_of("returned_gmv"),
       "退货/退款订单行金额之和", "Sum of the amount of returned or refunded rows"),
    _m("net_sales", "净销售额", "Net sales", "CNY", "higher", ["gmv", "returned_gmv"],
       lambda f: f["gmv"] - f["returned_gmv"], "GMV − 退货金额", "GMV minus returned GMV"),
    _m("orders", "订单数", "Orders", "orders", "higher", ["orders"], _sum_of("orders"),
       "不同订单号的个数(一单多行只计一次)", "Number of distinct order ids (an order with several lines counts once)"),
    _m("buyers", "购买人数", "Buyers", "people", "higher", ["buyers"], _sum_of("buyers"),
       "有客户编号的不同买家数(游客订单不计)", "Distinct non-empty customer ids (guest orders not counted)"),
    _m("new_buyers", "新客数", "New buyers", "people", "higher", ["new_buyers"], _sum_of("new_buyers"),
       "首单(全部数据中最早的订单)落在该时段的买家数;新客的渠道/品类/地区取首单",
       "Buyers whose first order in the whole data falls in the bucket; a new buyer's channel, "
       "category and region are those of that first order"),
    _m("aov", "平均订单金额(AOV)", "Average order value", "CNY", "higher", ["gmv", "orders"],
       lambda f: ratio(f["gmv"], f["orders"]), "GMV ÷ 订单数", "GMV / orders"),
    _m("gmv_per_buyer", "客单价", "GMV per buyer", "CNY", "higher", ["buyer_gmv", "buyers"],
       lambda f: ratio(f["buyer_gmv"], f["buyers"]), "有客户编号订单的GMV ÷ 购买人数",
       "GMV of rows with a customer id / buyers"),
    _m("return_rate", "退货率", "Return rate", "ratio", "lower", ["returned_orders", "orders"],
       lambda f: ratio(f["returned_orders"], f["orders"]), "含退货行的订单数 ÷ 订单数",
       "Orders with a returned row / orders"),
    _m("repurchase_rate", "复购率", "Repurchase rate", "ratio", "higher", ["repeat_buyers", "buyers"],
       lambda f: ratio(f["repeat_buyers"], f["buyers"]), "该时段内下单≥2次(不同订单)的买家 ÷ 该时段买家数",
       "Buyers with ≥ 2 distinct orders in the bucket / buyers in the bucket"),
    _m("uv", "访客数(UV)", "Unique visitors", "visitors", "higher", ["uv"], _sum_of("uv"),
       "访客数之和", "Sum of unique visitors"),
    _m("pv", "浏览量(PV)", "Page views", "views", "higher", ["pv"], _sum_of("pv"), "浏览量之和", "Sum of page views"),
    _m("sessions", "会话数", "Sessions", "visits", "higher", ["sessions"], _sum_of("sessions"),
       "会话数之和", "Sum of sessions"),
    _m("bounces", "跳出次数", "Bounces", "visits", "lower", ["bounces"], _sum_of("bounces"),
       "跳出次数之和", "Sum of bounces"),
    _m("bounce_rate", "跳出率", "Bounce rate", "ratio", "lower", ["bounces", "bounce_base"],
       lambda f: ratio(f["bounces"], f["bounce_base"]), "跳出次数 ÷ 会话数(无会话数的行用UV)",
       "Bounces / sessions (UV for rows without sessions)"),
    _m("conversion_rate", "转化率", "Conversion rate", "ratio", "higher", ["orders", "uv"],
       lambda f: ratio(f["orders"], f["uv"]), "订单数 ÷ UV(含付费流量)", "Orders / UV (paid traffic included)"),
    _m("spend", "营销花费", "Spend", "CNY", "lower", ["spend"], _sum_of("spend"), "投放花费之和", "Sum of spend"),
    _m("impressions", "曝光量", "Impressions", "times", "higher", ["impressions"], _sum_of("impressions"),
       "曝光量之和", "Sum of impressions"),
    _m("clicks", "点击量", "Clicks", "times", "higher", ["clicks"], _sum_of("clicks"), "点击量之和", "Sum of clicks"),
    _m("ctr", "点击率(CTR)", "Click-through rate", "ratio", "higher", ["clicks", "impressions"],
       lambda f: ratio(f["clicks"], f["impressions"]), "点击量 ÷ 曝光量", "Clicks / impressions"),
    _m("cpc", "单次点击成本(CPC)", "Cost per click", "CNY", "lower", ["spend", "clicks"],
       lambda f: ratio(f["spend"], f["clicks"]), "花费 ÷ 点击量", "Spend / clicks"),
    _m("cac", "获客成本(CAC)", "Customer acquisition cost", "CNY", "lower", ["spend", "new_buyers"],
       lambda f: ratio(f["spend"], f["new_buyers"]), "花费 ÷ 新客数", "Spend / new buyers"),
    _m("cpa", "单笔订单成本(CPA)", "Cost per order", "CNY", "lower", ["spend", "orders"],
       lambda f: ratio(f["spend"], f["orders"]), "花费 ÷ 订单数", "Spend / orders"),
    _m("roas", "投产比(ROAS)", "Return on ad spend", "ratio", "higher", ["gmv", "spend"],
       lambda f: ratio(f["gmv"], f["spend"]), "GMV ÷ 花费(广告平台所说的ROI)",
       "GMV / spend (what ad platforms call ROI)"),
    _m("gross_margin", "毛利率", "Gross margin", "ratio", "higher", ["gmv", "returned_gmv", "kept_cost"],
       lambda f: ratio(f["gmv"] - f["returned_gmv"] - f["kept_cost"], f["gmv"] - f["returned_gmv"]),
       "(净销售额 − 未退货行成本) ÷ 净销售额", "(Net sales − cost of rows not returned) / net sales"),
    _m("roi", "投资回报率(ROI)", "Return on investment", "ratio", "higher",
       ["gmv", "returned_gmv", "kept_cost", "spend"],
       lambda f: ratio(f["gmv"] - f["returned_gmv"] - f["kept_cost"] - f["spend"], f["spend"]),
       "(净销售额 − 未退货行成本 − 花费) ÷ 花费", "(Net sales − cost of rows not returned − spend) / spend"),
]

METRICS: dict[str, Metric] = {m.id: m for m in _LIST}


def dictionary(lang: str = "en") -> pd.DataFrame:
    """The metric dictionary as a table (for `attain metrics --list` and the reports)."""
    rows = [{"id": m.id, "name": m.name(lang), "unit": m.unit,
             "better": m.direction, "definition": m.definition_zh if lang == "zh" else m.definition_en}
            for m in METRICS.values()]
    return pd.DataFrame(rows)


__all__ = ["METRICS", "PARTS", "Metric", "Part", "dictionary", "ratio"]
