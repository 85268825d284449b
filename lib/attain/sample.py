"""Deterministic sample data: a Chinese e-commerce business from 2024-01-01 to 2026-08-15.

``generate(out)`` writes ``orders``, ``traffic``, ``spend`` and ``customers`` as Parquet files
with exactly the columns of :mod:`attain.contract`. The data follow a known model, so notebooks
that learn from them can be checked against the truth (all in this module's constants):

- demand ``D(d)``: 春节 dip, 年货节, 38 女王节, 618, 双11 and 双12 peaks; weekly pattern ``W``;
- 自然搜索 orders ``∝ (1+g)^t · D · W``;
- each paid channel: ``spend = S · e^(r·t) · D^0.8 · ε`` (ε log-normal, σ = 0.35) and
  orders ``∝ spend^b · D^0.15 · W`` — diminishing returns with elasticity ``b``;
  ``r = ln(1+g)/b`` so orders grow by ``g`` a year;
- order lines: category mix by channel and season, log-normal line amounts by category and city
  tier, return rate and gross margin by category; repeat orders go to earlier buyers weighted by
  loyalty and recency, so the repurchase rate is realistic; guests have no customer_id.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from attain.contract import TABLES
from attain.errors import AttainError
from attain.paths import resolve

DEFAULT_START = date(2024, 1, 1)
DEFAULT_END = date(2026, 8, 15)
ORDERS_AT_SCALE_1 = 1_000_000  # distinct orders over DEFAULT_START..DEFAULT_END at scale 1


@dataclass(frozen=True)
class Channel:
    name: str
    share: float      # share of orders at the start of 2024
    growth: float     # yearly order growth
    b: float | None   # elasticity of orders to spend (None: no spend)
    spend: float      # daily spend at scale 1 at the start of 2024 (CNY)
    cvr: float        # orders / uv
    pv_per_uv: float
    bounce: float
    ctr: float
    cpm: float        # CNY per 1000 impressions
    p_return: float   # share of member orders placed by an existing customer
    p_guest: float
    lower_tier: float  # tilt of new customers towards 下沉市场 (negative: towards 一线)
    module: str


CHANNELS = (
    Channel("自然搜索", .24, .10, None, 0, .030, 4.5, .40, 0, 0, .45, .06, 0, ""),
    Channel("付费搜索", .18, -.02, .55, 10_000, .025, 3.8, .45, .028, 70, .30, .05, -1, "渠道拓展"),
    Channel("信息流", .10, .08, .60, 8_000, .012, 3.0, .62, .008, 25, .20, .06, 0, "品牌推广"),
    Channel("短视频", .10, .45, .70, 6_000, .018, 3.3, .55, .012, 35, .30, .04, 1.2, "内容营销"),
    Channel("直播", .14, .50, .75, 7_000, .040, 5.5, .35, .015, 45, .45, .03, 1.5, "内容营销"),
    Channel("社交裂变", .06, .15, .55, 2_000, .030, 3.6, .45, .020, 20, .25, .02, 2.0, "渠道拓展"),
    Channel("私域", .10, .25, .50, 800, .060, 5.8, .25, .025, 10, .85, .00, 0, "用户运营"),
    Channel("KOL", .08, .20, .65, 4_000, .022, 3.4, .50, .010, 60, .30, .04, -1, "品牌推广"),
)
CHANNEL_NAMES = tuple(c.name for c in CHANNELS)
PAID_CHANNELS = tuple(c.name for c in CHANNELS if c.b is not None)
CATEGORIES = ("美妆", "服饰", "3C数码", "家居", "食品")
LINE_MEDIAN = np.array([160.0, 150.0, 850.0, 200.0, 65.0])   # CNY per order line
LINE_SIGMA = np.array([.55, .60, .75, .70, .50])
RETURN_RATE = np.array([.08, .20, .06, .07, .02])
GROSS_MARGIN = np.array([.60, .45, .15, .35, .25])
CATEGORY_MIX = np.array([  # rows follow CHANNELS
    [.20, .25, .20, .20, .15], [.15, .20, .35, .18, .12], [.18, .30, .15, .22, .15],
    [.25, .30, .10, .15, .20], [.35, .28, .07, .10, .20], [.15, .15, .05, .25, .40],
    [.30, .20, .08, .12, .30], [.45, .25, .10, .10, .10]])
REGIONS = ("一线城市", "新一线城市", "二线城市", "三线城市", "四线及以下")
REGION_MIX = np.array([.18, .22, .24, .20, .16])
REGION_GROWTH = np.array([0, .05, .10, .16, .24])   # log growth of new customers a year
REGION_AOV = np.array([1.20, 1.10, 1.00, .90, .82])
TIERS = ("普通会员", "银卡", "金卡", "钻石")
TIER_SHARE = np.array([.68, .20, .09, .03])
MODULES = ("品牌推广", "渠道拓展", "内容营销", "活动促销", "用户运营")
WEEKLY = np.array([.97, .96, .97, .99, 1.02, 1.06, 1.03])  # Monday .. Sunday
HOURLY = np.array([2.0, 1.2, .6, .3, .2, .3, .6, 1.2, 2.2, 3.2, 4.0, 4.2,
                   3.8, 3.6, 3.8, 3.9, 3.7, 3.6, 4.0, 4.8, 5.8, 6.5, 5.8, 3.8])
CHINESE_NEW_YEAR = {2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
                    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
                    2029: date(2029, 2, 13), 2030: date(2030, 2, 3)}
# month*100+day windows: (first, last, demand factor, campaign name or None)
EVENTS = (
    (301, 307, 1.05, "38女王节"), (308, 308, 1.35, "38女王节"),
    (601, 601, 1.60, "618大促"), (602, 617, 1.25, "618大促"), (618, 618, 3.20, "618大促"),
    (619, 620, 1.10, None), (1020, 1030, 1.30, "双11预热"), (1031, 1031, 2.00, "双11预热"),
    (1101, 1103, 2.00, "双11大促"), (1104, 1110, 1.50, "双11大促"), (1111, 1111, 6.00, "双11大促"),
    (1112, 1113, 1.20, None), (1208, 1209, 1.00, "双12"), (1210, 1211, 1.20, "双12"),
    (1212, 1212, 2.20, "双12"),
)
SPEND_SIGMA = 0.35      # day-to-day variation of spend that identifies the response curve
SPEND_PROMO_POWER = 0.8  # spend ∝ D^0.8: budgets are raised during promotions
PAID_DEMAND_POWER = 0.15  # paid orders ∝ spend^b · D^0.15
PRICE_GROWTH = 0.03      # yearly growth of line amounts
ARROW_TYPES = {"text": pa.string(), "date": pa.date32(), "timestamp": pa.timestamp("us"),
               "number": pa.float64(), "count": pa.int64(), "bool": pa.bool_()}


def _calendar(days: np.ndarray) -> dict[str, np.ndarray]:
    """Demand factor, campaign names and category boosts per day (``days``: datetime64[D])."""
    n = len(days)
    months = days.astype("datetime64[M]")
    md = (months.astype(int) % 12 + 1) * 100 + (days - months).astype(int) + 1
    demand, boost = np.ones(n), np.ones((n, len(CATEGORIES)))
    campaign = np.full(n, "", dtype=object)
    for first, last, factor, name in EVENTS:
        hit = (md >= first) & (md <= last)
        demand[hit] *= factor
        if name:
            campaign[hit] = name
    boost[(md >= 301) & (md <= 308), 0] = 1.8                 # 美妆 on 38 女王节
    boost[(md >= 601) & (md <= 618), 2] = 1.3                 # 3C数码 on 618
    boost[(md >= 1020) & (md <= 1111), 1] = 1.2               # 服饰 on 双11
    for cny in CHINESE_NEW_YEAR.values():
        delta = (days - np.datetime64(cny)).astype(int)
        dip = np.abs(delta - 1) <= 10                         # logistics pause around 春节
        demand[dip] *= 1 - 0.55 * np.exp(-0.5 * ((delta[dip] - 1) / 4) ** 2)
        fair = (delta >= -25) & (delta <= -12)                # 年货节 before 春节
        demand[fair] *= 1.12
        boost[fair, 4] = 1.8
        campaign[fair] = "年货节"
    weekday = (days.astype(int) + 3) % 7                       # 1970-01-01 was a Thursday
    return {"demand": demand, "weekly": WEEKLY[weekday], "boost": boost, "campaign": campaign,
            "peak": np.isin(md, (618, 1111)), "big_promo": (md >= 1020) & (md <= 1113),
            "t": (days - np.datetime64(DEFAULT_START)).astype(int) / 365.25}


def _channel_model(cal: dict, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """Relative order intensity and relative spend per day × channel (noise-free if no rng)."""
    n, t, d, w = len(cal["t"]), cal["t"], cal["demand"], cal["weekly"]
    lam, spend = np.zeros((n, len(CHANNELS))), np.zeros((n, len(CHANNELS)))
    for j, c in enumerate(CHANNELS):
        if c.b is None:
            lam[:, j] = c.share * (1 + c.growth) ** t * d * w
            continue
        eps = np.exp(rng.normal(0, SPEND_SIGMA, n) - SPEND_SIGMA ** 2 / 2) if rng else 1.0
        x = np.exp(math.log1p(c.growth) / c.b * t) * d ** SPEND_PROMO_POWER * np.sqrt(w) * eps
        spend[:, j] = c.spend * x
        lam[:, j] = c.share * x ** c.b * d ** PAID_DEMAND_POWER * w
    return lam, spend


def _days(start: date, end: date) -> np.ndarray:
    return np.arange(np.datetime64(start), np.datetime64(end) + 1, dtype="datetime64[D]")


def _pick(rng: np.random.Generator, weights: np.ndarray, key: np.ndarray) -> np.ndarray:
    """For each ``key``, one column index drawn with the (unnormalised) row ``weights[key]``."""
    cum = np.cumsum(weights, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(key))
    idx = np.zeros(len(key), np.int8)
    for k in range(weights.shape[1] - 1):   # column by column: memory stays O(len(key))
        idx += u >= cum[key, k]
    return idx


def _by_day_channel(t: np.ndarray, boost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Region weights of new customers and category weights, rows keyed by day * 8 + channel."""
    tilt = np.array([c.lower_tier for c in CHANNELS])[:, None] * (np.arange(5) - 2) * 0.1
    region = REGION_MIX * np.exp(np.einsum("d,r->dr", t, REGION_GROWTH)[:, None, :] + tilt)
    category = CATEGORY_MIX[None, :, :] * boost[:, None, :]
    return region.reshape(-1, 5), category.reshape(-1, len(CATEGORIES))


class _Pool:
    """Customers known so far; customer number = index + 1."""

    def __init__(self) -> None:
        self.n = 0
        self.signup = np.zeros(0, np.int32)
        self.last = np.zeros(0, np.int32)
        self.loyalty = np.zeros(0, np.float32)
        self.region = np.zeros(0, np.int8)
        self.orders = np.zeros(0, np.int32)
        self.gmv = np.zeros(0, np.float64)

    def add(self, signup, last, loyalty, region) -> np.ndarray:
        m = len(signup)
        if self.n + m > len(self.signup):
            cap = max(2 * len(self.signup), self.n + m, 1024)
            for name in ("signup", "last", "loyalty", "region", "orders", "gmv"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros(cap - len(old), old.dtype)]))
        ids = np.arange(self.n, self.n + m)
        self.signup[ids], self.last[ids], self.loyalty[ids], self.region[ids] = \
            signup, last, loyalty, region
        self.n += m
        return ids


def _seed_pool(rng: np.random.Generator, pool: _Pool, start_day: int, size: int) -> None:
    """Members who bought before the data start (their ids come first, by signup date)."""
    signup = np.sort(start_day - rng.integers(1, 5 * 365, size))
    last = np.maximum(signup, start_day - rng.integers(1, 366, size))
    region = _pick(rng, REGION_MIX * np.exp(-REGION_GROWTH)[None, :], np.zeros(size, int))
    pool.add(signup, last, rng.gamma(0.5, 2.0, size), region)


def _assign_customers(rng, pool: _Pool, day_num, key, ch, region_w) -> tuple[np.ndarray, np.ndarray]:
    """Customer index (-1 = guest) and region per order; orders sorted by time, week by week."""
    n = len(day_num)
    cust, region = np.full(n, -1, np.int64), np.zeros(n, np.int8)
    p_guest = np.array([c.p_guest for c in CHANNELS])[ch]
    p_return = np.array([c.p_return for c in CHANNELS])[ch]
    guest = rng.random(n) < p_guest
    ret = ~guest & (rng.random(n) < p_return)
    region[guest] = _pick(rng, region_w, key[guest])
    week = day_num // 7
    bounds = np.flatnonzero(np.diff(week)) + 1
    for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, n]):
        sl = slice(lo, hi)
        r_idx = lo + np.flatnonzero(ret[sl])
        if pool.n and len(r_idx):
            age = day_num[lo] - pool.last[:pool.n]
            cdf = np.cumsum(pool.loyalty[:pool.n] * (0.08 + np.exp(-age / 45.0)))
            cust[r_idx] = np.searchsorted(cdf, rng.random(len(r_idx)) * cdf[-1], side="right")
        n_idx = lo + np.flatnonzero(~guest[sl] & ~(ret[sl] & (pool.n > 0)))
        if len(n_idx):
            wait = np.where(rng.random(len(n_idx)) < 0.65, 0, rng.geometric(1 / 40, len(n_idx)))
            new_region = _pick(rng, region_w, key[n_idx])
            cust[n_idx] = pool.add(day_num[n_idx] - wait.clip(0, 720), day_num[n_idx],
                                   rng.gamma(0.5, 2.0, len(n_idx)), new_region)
        member = lo + np.flatnonzero(cust[sl] >= 0)
        np.maximum.at(pool.last, cust[member], day_num[member].astype(np.int32))
        region[member] = pool.region[cust[member]]
    return cust, region


def _text(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(codes))


def _ids(prefix: pa.Array | str, numbers: np.ndarray, width: int, mask=None) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, mask=mask), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _order_lines(rng, cal, days, counts, pool, width) -> pa.Table:
    """Orders of one chunk of days (``counts``: orders per day × channel) as order lines."""
    day = np.repeat(np.arange(len(counts)), counts.sum(axis=1)).astype(np.int64)
    ch = np.concatenate([np.repeat(np.arange(len(CHANNELS)), row) for row in counts]
                        ) if len(counts) else np.zeros(0, int)
    hour_w = np.vstack([HOURLY, HOURLY * np.r_[6, np.ones(23)]])  # midnight rush on peak days
    sec = _pick(rng, hour_w, cal["peak"][day].astype(int)).astype(np.int64) * 3600 \
        + rng.integers(0, 3600, len(day))
    order = np.lexsort((sec, day))
    day, ch, sec = day[order], ch[order], sec[order]
    seq = np.arange(len(day)) - np.searchsorted(day, day) + 1
    day_num = days[day].astype(np.int64)
    region_w, category_w = _by_day_channel(cal["t"], cal["boost"])
    key = day * len(CHANNELS) + ch
    cust, region = _assign_customers(rng, pool, day_num, key, ch, region_w)
    n_lines = rng.geometric(np.where(cal["big_promo"][day], 0.72, 0.77)).clip(1, 6)
    o = np.repeat(np.arange(len(day)), n_lines)                  # order index of each line
    cat = _pick(rng, category_w, key[o])
    first = np.r_[True, o[1:] != o[:-1]][:len(o)]             # first line of each order
    same = ~first & (rng.random(len(o)) < 0.55)                 # basket of one category
    cat = np.where(same, cat[np.flatnonzero(first)][o], cat)
    price = LINE_MEDIAN[cat] * REGION_AOV[region[o]] * (1 + PRICE_GROWTH) ** cal["t"][day[o]]
    price *= np.where(cal["demand"][day[o]] > 1.15, 1.08, 1.0)    # bigger baskets on promotions
    gmv = np.round(np.exp(rng.normal(np.log(price), LINE_SIGMA[cat])), 2)
    big_promo, live = cal["big_promo"][day[o]], ch[o] == CHANNEL_NAMES.index("直播")
    p_ret = RETURN_RATE[cat] * np.where(big_promo, 1.3, 1.0) * np.where(live, 1.2, 1.0)
    margin = GROSS_MARGIN[cat] * np.where(big_promo, 0.85, 1.0)     # deeper discounts on 双11
    cost = np.round(gmv * (1 - margin) * np.exp(rng.normal(0, 0.05, len(o))), 2)
    member = cust[o] >= 0
    pool.gmv += np.bincount(cust[o][member], gmv[member], minlength=len(pool.gmv))
    pool.orders += np.bincount(cust[cust >= 0], minlength=len(pool.orders)).astype(np.int32)
    prefix = pa.array([f"O{str(d).replace('-', '')}" for d in days]).take(pa.array(day))
    ts = (day_num * 86_400 + sec) * 1_000_000
    columns = {
        "order_id": _ids(prefix, seq, width).take(pa.array(o)),
        "customer_id": _ids("C", cust + 1, 8, mask=cust < 0).take(pa.array(o)),
        "order_date": pa.array(ts[o], pa.timestamp("us")),
        "gmv": pa.array(gmv), "channel": _text(CHANNEL_NAMES, ch[o]),
        "category": _text(CATEGORIES, cat), "region": _text(REGIONS, region[o]),
        "returned": pa.array(rng.random(len(o)) < p_ret), "cost": pa.array(cost),
    }
    return pa.table(columns, schema=_schema("orders"))


def _traffic(rng, days, lam, counts) -> pa.Table:
    """One row per day × channel; uv follows orders through each channel's conversion rate."""
    n, k = lam.shape
    cvr = np.array([c.cvr for c in CHANNELS]) * np.exp(rng.normal(0, 0.08, (n, k)))
    uv = np.maximum(rng.poisson(lam / cvr), counts)
    pv = np.maximum(np.round(uv * np.array([c.pv_per_uv for c in CHANNELS]) *
                             np.exp(rng.normal(0, 0.1, (n, k)))), uv).astype(np.int64)
    sessions = np.round(uv * rng.uniform(1.1, 1.5, (n, k))).astype(np.int64)
    rate = np.array([c.bounce for c in CHANNELS]) * np.exp(rng.normal(0, 0.05, (n, k)))
    bounces = np.minimum(rng.binomial(sessions, rate.clip(0, .95)), np.maximum(sessions - 1, 0))
    return pa.table({"date": pa.array(np.repeat(days, k)),
                     "channel": _text(CHANNEL_NAMES, np.tile(np.arange(k), n)), "uv": uv.ravel(),
                     "pv": pv.ravel(), "sessions": sessions.ravel(),
                     "bounces": bounces.ravel()}, schema=_schema("traffic"))


def _spend(rng, days, cal, spend) -> pa.Table:
    """One row per day × paid channel, with campaign, strategy module, impressions and clicks."""
    paid = [j for j, c in enumerate(CHANNELS) if c.b is not None]
    n, k = len(days), len(paid)
    amount = np.round(spend[:, paid], 2)
    cpm = np.array([CHANNELS[j].cpm for j in paid]) * np.exp(rng.normal(0, 0.1, (n, k)))
    impressions = np.round(amount / cpm * 1000).astype(np.int64)
    ctr = np.array([CHANNELS[j].ctr for j in paid]) * np.exp(rng.normal(0, 0.1, (n, k)))
    clicks = rng.binomial(impressions, ctr.clip(.005, .03))
    event = np.repeat(cal["campaign"], k)
    names = np.tile(np.array([CHANNELS[j].name for j in paid], dtype=object), n)
    campaign = np.where(event != "", event + "-" + names, "日常投放")
    modules = np.tile(np.array([CHANNELS[j].module for j in paid], dtype=object), n)
    return pa.table({"date": pa.array(np.repeat(days, k)), "channel": pa.array(names, pa.string()),
                     "spend": amount.ravel(), "campaign": pa.array(campaign, pa.string()),
                     "module": pa.array(np.where(event != "", "活动促销", modules), pa.string()),
                     "impressions": impressions.ravel(), "clicks": clicks.ravel()},
                    schema=_schema("spend"))


def _customers(rng, pool: _Pool) -> pa.Table:
    """Every customer with at least one order; tier follows their spend (with some noise)."""
    idx = np.flatnonzero(pool.orders[:pool.n] > 0)
    score = np.log1p(pool.gmv[idx]) + rng.normal(0, 0.3, len(idx))
    rank = np.argsort(np.argsort(score, kind="stable"), kind="stable") / max(len(idx), 1)
    tier = np.searchsorted(np.cumsum(TIER_SHARE)[:-1], rank, side="right")
    return pa.table({"customer_id": _ids("C", idx + 1, 8),
                     "signup_date": pa.array(pool.signup[idx].astype("datetime64[D]")),
                     "region": _text(REGIONS, pool.region[idx]), "tier": _text(TIERS, tier)},
                    schema=_schema("customers"))


def _schema(table: str) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in TABLES[table].columns])


def _writer(path: Path, table: str) -> pq.ParquetWriter:
    # Same input ⇒ same bytes: fixed codec, no timestamps or pandas metadata in the file.
    return pq.ParquetWriter(path, _schema(table), compression="zstd", compression_level=3,
                            use_dictionary=True, write_statistics=True)


def _check(seed, start, end, scale) -> tuple[date, date, float]:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise AttainError(f"sample data: seed must be a whole number >= 0, got {seed!r}")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, date):
            raise AttainError(f"sample data: {name} must be a date, got {value!r}",
                              hint="pass a datetime.date such as date(2026, 8, 15)")
    start = start.date() if isinstance(start, datetime) else start
    end = end.date() if isinstance(end, datetime) else end
    if end <= start:
        raise AttainError(f"sample data: end {end} must be after start {start}",
                          hint="choose an end date later than the start date")
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not scale > 0 \
            or not math.isfinite(scale):
        raise AttainError(f"sample data: scale must be a positive number, got {scale!r}",
                          hint="use 1 for about a million orders, 0.1 for a quick test set")
    return start, end, float(scale)


def generate(out: Path, *, seed: int = 7, start: date = DEFAULT_START, end: date = DEFAULT_END,
             scale: float = 1.0) -> dict[str, int]:
    """Write orders/traffic/spend/customers Parquet files into ``out``; return rows per table.

    About ``ORDERS_AT_SCALE_1 * scale`` distinct orders (≈ 1.3 order lines = rows each) over the
    default period; another period gets the volume of its own dates. Same arguments ⇒
    byte-identical files. Everything is built in a temporary sibling folder and only then moved
    into ``out`` (created if missing; other files in it are left alone), so a crash never leaves
    half-written files. A relative ``out`` is taken from the project root (see attain.paths).
    Raises AttainError for bad arguments (end not after start, scale not > 0, ...).
    """
    start, end, scale = _check(seed, start, end, scale)
    out = resolve(out)
    if out.exists() and not out.is_dir():
        raise AttainError("sample data: the output path is a file, not a folder", file=out,
                          hint="choose a folder (it is created if missing)")
    rng = np.random.default_rng(seed)
    days = _days(start, end)
    cal = _calendar(days)
    reference, _ = _channel_model(_calendar(_days(DEFAULT_START, DEFAULT_END)), None)
    level = ORDERS_AT_SCALE_1 * scale / reference.sum()
    lam, spend = _channel_model(cal, rng)
    lam = lam * level * np.exp(rng.normal(0, 0.08, lam.shape) - 0.08 ** 2 / 2)
    counts = rng.poisson(lam)
    spend = spend * scale
    width = max(5, len(str(int(counts.sum(axis=1).max()))))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        pool = _Pool()
        day_num = days.astype(np.int64)
        first_year = counts[:365].sum() * 365 / min(len(days), 365)
        _seed_pool(rng, pool, int(day_num[0]), int(round(0.4 * first_year)))
        rows = {"orders": 0}
        with _writer(tmp / "orders.parquet", "orders") as writer:
            quarters = days.astype("datetime64[M]").astype(int) // 3   # chunks keep memory moderate
            for quarter in np.unique(quarters):
                sel = np.flatnonzero(quarters == quarter)
                sub = {k: v[sel] for k, v in cal.items()}
                table = _order_lines(rng, sub, days[sel], counts[sel], pool, width)
                writer.write_table(table, row_group_size=1_000_000)
                rows["orders"] += table.num_rows
        for name, table in (("traffic", _traffic(rng, days, lam, counts)),
                            ("spend", _spend(rng, days, cal, spend)),
                            ("customers", _customers(rng, pool))):
            with _writer(tmp / f"{name}.parquet", name) as writer:
                writer.write_table(table, row_group_size=1_000_000)
            rows[name] = table.num_rows
        out.mkdir(exist_ok=True)
        for name in TABLES:
            os.replace(tmp / f"{name}.parquet", out / f"{name}.parquet")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows
