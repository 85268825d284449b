"""`attain metrics` against an independent pandas computation, on real and real-looking data.

Two data sets, each read through a ``mapping.yml`` exactly as a user would:

* **CDNOW** (real): the CDNOW master file of Fader & Hardie as shipped in the PyPI package
  ``lifetimes`` 0.11.3 (MIT), committed as ``tests/fixtures/realdata/cdnow/`` (see the README
  there). 69,659 purchase rows of the 23,570 customers whose first CDNOW purchase fell in
  1997-Q1, up to 1998-06-30. The file has no order number: an order is a customer's
  purchases on one day (``customer_id-date``), so a few orders have several rows.
* **Online Retail** (real-looking, generated below, deterministic): a UCI "Online
  Retail"-style line-level export with invoices of several lines, cancellations
  (``C``-prefixed invoices with negative Quantity), bad-debt adjustments (``A``-prefixed,
  one with a negative price), guest rows without CustomerID, zero prices, prices with
  three decimals, descriptions with commas and quotes, US dates like ``12/1/2010 8:26``,
  CustomerID written ``17850.0``, a country with guest orders only, orders at 23:59 on
  the last day of a month/quarter, orders on 1-2 Jan 2011 (ISO week 2010-W52), and a
  buyer with two invoices in the same minute in two countries.

  How cancellations are mapped -- two mappings, both tested:

  - ``MAPPING_SALES`` (the recommended one): the ``where`` filter drops cancellations,
    adjustments and zero/negative prices; GMV is Quantity x UnitPrice of sold lines.
    Nothing is flagged returned (a UCI cancellation cannot be tied to the line it
    cancels), so returned_gmv = 0 and net_sales = gmv there.
  - ``MAPPING_RETURNS``: cancellation lines are kept as rows of their own with
    ``returned`` = the ``C`` prefix and gmv = |Quantity| x UnitPrice. Then GMV counts
    sales plus cancelled amounts, returned_gmv is the cancelled amount, net_sales equals
    the GMV of ``MAPPING_SALES``, and return_rate is cancellation invoices / invoices.
    It also maps a category (postage/manual lines vs goods).

The expected figures are computed here with plain pandas and the standard library from
the written definitions (metric_defs.py), reading the raw files with pandas -- never with
attain, DuckDB or ibis. Money is computed exactly, in decimal, from the text of the files;
attain prints money rounded to the cent, so its figure must have at most two decimals and
lie within half a cent of the exact value: |diff| < 0.005, or = 0.005 when the exact value
is itself a half cent (x.xx5), which must be rounded away from zero (half up, as
accountants round). Counts must agree exactly, ratios to 1e-9.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import decimal
import gzip
import hashlib
import io
import math
import random
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
ATTAIN = Path(sys.executable).with_name("attain")
CDNOW_DIR = ROOT / "tests" / "fixtures" / "realdata" / "cdnow"
CDNOW_CSV_SHA256 = "3a59389af9f81c6f329587b55d09b709cd678fba4a3503072ca6b28809524a35"

MONEY = ("gmv", "net_sales", "returned_gmv", "aov", "gmv_per_buyer")
COUNTS = ("orders", "buyers", "new_buyers")
RATIOS = ("return_rate", "repurchase_rate")
ALL_METRICS = ("gmv", "net_sales", "returned_gmv", "orders", "buyers", "new_buyers", "aov",
               "gmv_per_buyer", "return_rate", "repurchase_rate")
GRAINS = ("day", "week", "month", "quarter", "year")
CENT, HALF_CENT = Decimal("0.01"), Decimal("0.005")
RATIO_TOL = 1e-9
decimal.getcontext().prec = 40


# --- the real-looking export --------------------------------------------------------------

PRODUCTS = [  # StockCode, Description, usual UnitPrice
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55),
    ("71053", "WHITE METAL LANTERN", 3.39),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25),
    ("22633", "HAND WARMER UNION JACK", 1.85),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS ", 2.95),
    ("21212", "PACK OF 72 RETROSPOT CAKE CASES", 0.55),
    ("16216", "LETTER SHAPE PENCIL SHARPENER", 0.165),
    ("35004C", "SET OF 3 COLOURED  FLYING DUCKS", 5.45),
    ("90214Y", 'LETTER "Y" BLING KEY RING', 0.29),
    ("21360", 'JOY LARGE WOOD LETTERS, "JOY"', 9.95),
    ("84997B", "CHILDRENS CUTLERY RETROSPOT, RED", 4.15),
    ("85049E", 'SCANDINAVIAN REDS RIBBONS, 6 X 3M "SET"', 1.245),
    ("16008", "SMALL FOLDING SCISSOR(POINTED EDGE)", 0.042),
    ("23166", "MEDIUM CERAMIC TOP STORAGE JAR", 1.04),
    ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", 3.39),
    ("20725", "LUNCH BAG RED RETROSPOT", 1.65),
    ("22197", "SMALL POPCORN HOLDER", 0.72),
    ("47566", "PARTY BUNTING", 4.95),
    ("22423", "REGENCY CAKESTAND 3 TIER", 12.75),
    ("23084", "RABBIT NIGHT LIGHT", 2.085),
    ("15056BL", "EDWARDIAN PARASOL BLACK", 5.95),
    ("21175", "GIN + TONIC DIET METAL SIGN", 2.1),
    ("22960", "JAM MAKING SET WITH JARS", 4.25),
    ("85099B", "JUMBO BAG RED RETROSPOT", 1.95),
    ("22469", "HEART OF WICKER SMALL", 1.65),
    ("79321", "CHILLI LIGHTS", 5.75),
    ("22138", "BAKING SET 9 PIECE RETROSPOT ", 4.95),
    ("21871", "SAVE THE PLANET MUG", 1.25),
    ("22961", "CAFÉ CRÈME JAR, SMALL", 1.45),
    ("POST", "POSTAGE", 18.0),
    ("DOT", "DOTCOM POSTAGE", 0.0),          # price drawn per invoice
    ("M", "Manual", 0.0),                    # price drawn per line
]
COUNTRIES = [("United Kingdom", 80), ("France", 5), ("Germany", 5), ("EIRE", 3), ("Spain", 2),
             ("Netherlands", 2), ("Channel Islands", 1), ("Unspecified", 1), ("Belgium", 1)]
QUANTITIES = [1, 1, 2, 2, 3, 4, 6, 6, 8, 10, 12, 12, 12, 24, 24, 25, 36, 48, 72, 96, 100, 144]
HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
          "CustomerID", "Country"]
FIRST_DAY, LAST_DAY = dt.date(2010, 12, 1), dt.date(2011, 12, 9)


def _price_text(p: float) -> str:
    return f"{p:.3f}".rstrip("0").rstrip(".") if p else "0"


def _date_text(t: dt.datetime) -> str:
    return f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}"


def _lines(rng: random.Random, n: int) -> list[tuple[str, str, int, float]]:
    picks = rng.sample(PRODUCTS[:-3], min(n, len(PRODUCTS) - 3))
    if rng.random() < 0.1:
        picks.append(picks[0])  # the same item twice in one invoice, as in the real export
    out = []
    for code, desc, price in picks:
        q = rng.choice(QUANTITIES) if rng.random() < 0.97 else rng.choice([480, 1200])
        if rng.random() < 0.15:
            price = round(price * rng.choice([0.85, 0.9, 1.1]), 3)  # discount / surcharge
        if rng.random() < 0.012:
            price = 0.0  # free line (samples, damages)
        out.append((code, desc, q, price))
    return out


def generate_online_retail(path: Path, seed: int = 20101201, invoices: int = 2200) -> int:
    """Write the UCI-style export to ``path`` (.csv.gz); return the number of lines."""
    rng = random.Random(seed)
    countries = [c for c, _ in COUNTRIES]
    weights = [w for _, w in COUNTRIES]
    customers = []
    for i, cid in enumerate(rng.sample(range(12346, 18288), 420)):
        home = rng.choices(countries, weights)[0]
        second = rng.choice(countries) if i % 20 == 0 else None
        customers.append((float(cid), home, second, rng.paretovariate(1.2)))
    cust_weights = [c[3] for c in customers]
    span = (LAST_DAY - FIRST_DAY).days
    events = []  # (time, kind, customer, country, lines)

    def when(day: dt.date | None = None) -> dt.datetime:
        day = day or FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))
        return dt.datetime.combine(day, dt.time(rng.randrange(7, 21), rng.randrange(60)))

    for _ in range(invoices):
        t = when()
        if rng.random() < 0.18:
            cust, country = None, rng.choices(countries, weights)[0]
            lines = _lines(rng, rng.randint(1, 30))
        else:
            cid, home, second, _ = rng.choices(customers, cust_weights)[0]
            cust, country = cid, (second if second and rng.random() < 0.4 else home)
            lines = _lines(rng, rng.randint(1, 14))
        if rng.random() < 0.25:
            lines.append(("POST", "POSTAGE", rng.choice([1, 2, 3]), 18.0))
        if cust is None and rng.random() < 0.3:
            lines.append(("DOT", "DOTCOM POSTAGE", 1, round(rng.uniform(5, 900), 2)))
        if rng.random() < 0.02:
            lines.append(("M", "Manual", 1, round(rng.uniform(0.1, 300), 2)))
        if rng.random() < 0.01:
            lines.append(("21134", "", 12, 0.0))  # no description, no price
        events.append((t, "sale", cust, country, lines))
        if cust is not None and rng.random() < 0.05:  # later cancelled, in part
            back = [(c, d, -rng.randint(1, q), p) for c, d, q, p in lines if p > 0][: rng.randint(1, 3)]
            if back:
                events.append((t + dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(1, 500)),
                               "cancel", cust, country, back))

    # Hand-placed edge cases.
    c0, c1, c2, c3 = customers[0], customers[1], customers[2], customers[3]
    early = dt.datetime(2010, 12, 1, 7, 0)
    # a cancellation among the first lines of the file (of something bought before the data)
    events.append((early, "cancel", c0[0], c0[1], [("22556", "PLASTERS IN TIN CIRCUS PARADE ", -12, 1.65)]))
    # guest-only country (as Hong Kong in the real data): buyers 0, gmv_per_buyer undefined
    for day in (dt.date(2011, 3, 2), dt.date(2011, 3, 9), dt.date(2011, 8, 17)):
        events.append((when(day), "sale", None, "Hong Kong", _lines(rng, 6)))
    # a brand-new buyer with two invoices in the same minute in two countries
    events.append((dt.datetime(2011, 2, 14, 11, 5), "sale", 18288.0, "Germany", _lines(rng, 3)))
    events.append((dt.datetime(2011, 2, 14, 11, 5), "sale", 18288.0, "France", _lines(rng, 2)))
    # bucket boundaries and ISO week 2010-W52 (which ends on Sunday 2 Jan 2011)
    for t, cust in [(dt.datetime(2010, 12, 31, 23, 59), c1), (dt.datetime(2011, 1, 1, 0, 0), c1),
                    (dt.datetime(2011, 1, 2, 12, 0), c2), (dt.datetime(2011, 1, 3, 0, 0), c2),
                    (dt.datetime(2011, 3, 31, 23, 59), c3), (dt.datetime(2011, 4, 1, 0, 0), c3),
                    (dt.datetime(2011, 6, 30, 23, 59), c1), (dt.datetime(2011, 7, 1, 0, 0), None)]:
        events.append((t, "sale", cust and cust[0], cust[1] if cust else "United Kingdom", _lines(rng, 4)))
    # bad-debt adjustments
    adjust = [(dt.datetime(2011, 8, 12, 14, 50), [("B", "Adjust bad debt", 1, 11062.06)]),
              (dt.datetime(2011, 8, 12, 14, 51), [("B", "Adjust bad debt", 1, -11062.06)])]

    events.sort(key=lambda e: (e[0], e[1] != "cancel"))
    rows, number = [], 536365
    for t, kind, cust, country, lines in events:
        invoice = ("C" if kind == "cancel" else "") + str(number)
        number += 1
        for code, desc, q, p in lines:
            rows.append([invoice, code, desc, q, _date_text(t), _price_text(p),
                         "" if cust is None else repr(cust), country])
        if not adjust or t < adjust[0][0]:
            continue
        for k, (ta, lines_a) in enumerate(adjust):
            for code, desc, q, p in lines_a:
                rows.append([f"A{563185 + k}", code, desc, q, _date_text(ta), f"{p:.2f}", "",
                             "United Kingdom"])
        adjust = []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path.write_bytes(gzip.compress(buf.getvalue().encode("utf-8"), 9, mtime=0))
    return len(rows)


MAPPING_SALES = """\
# UCI "Online Retail"-style export, one row per invoice line.
# Cancellations (C...), adjustments (A...) and free or negative-price lines are left out.
orders:
  file: online_retail.csv.gz
  columns:
    order_id: InvoiceNo
    customer_id: CustomerID
    order_date: strptime(InvoiceDate, '%m/%d/%Y %H:%M')
    gmv: Quantity * UnitPrice
    region: Country
  where: "Quantity > 0 AND UnitPrice > 0 AND NOT starts_with(InvoiceNo, 'C') AND NOT starts_with(InvoiceNo, 'A')"
"""

MAPPING_RETURNS = """\
# The same export with cancellation lines kept as returned rows (gmv = |Quantity| x UnitPrice).
orders:
  file: online_retail.csv.gz
  columns:
    order_id: InvoiceNo
    customer_id: CustomerID
    order_date: strptime(InvoiceDate, '%m/%d/%Y %H:%M')
    gmv: abs(Quantity) * UnitPrice
    region: Country
    category: CASE WHEN StockCode IN ('POST', 'DOT', 'M') THEN 'postage & manual' ELSE 'goods' END
    returned: starts_with(InvoiceNo, 'C')
  where: "Quantity <> 0 AND UnitPrice > 0 AND NOT starts_with(InvoiceNo, 'A')"
"""


# --- independent reading of the raw files (pandas + stdlib only) --------------------------

def contract_rows_retail(raw_file: Path, *, returns: bool) -> pd.DataFrame:
    """The orders rows the mapping describes, built with pandas from the raw export."""
    raw = pd.read_csv(raw_file, dtype=str, keep_default_na=False)
    qty = raw["Quantity"].astype(int)
    price = raw["UnitPrice"].astype(float)
    inv = raw["InvoiceNo"]
    cancel = inv.str.startswith("C")
    if returns:
        keep = (qty != 0) & (price > 0) & ~inv.str.startswith("A")
    else:
        keep = (qty > 0) & (price > 0) & ~cancel & ~inv.str.startswith("A")
    raw = raw[keep].reset_index(drop=True)
    cancel = raw["InvoiceNo"].str.startswith("C")
    fees = raw["StockCode"].isin(["POST", "DOT", "M"])
    return pd.DataFrame({
        "order_id": raw["InvoiceNo"],
        "customer_id": raw["CustomerID"].str.strip().where(raw["CustomerID"].str.strip() != "", None),
        "ts": [dt.datetime.strptime(s, "%m/%d/%Y %H:%M") for s in raw["InvoiceDate"]],
        "gmv": [abs(Decimal(q)) * Decimal(p) for q, p in zip(raw["Quantity"], raw["UnitPrice"])],
        "region": raw["Country"],
        "category": fees.map({True: "postage & manual", False: "goods"}) if returns else "unknown",
        "channel": "unknown",
        "returned": cancel if returns else False,
    })


def contract_rows_cdnow(raw_file: Path) -> pd.DataFrame:
    raw = pd.read_csv(raw_file, dtype=str, keep_default_na=False)
    return pd.DataFrame({
        "order_id": raw["customer_id"] + "-" + raw["date"],
        "customer_id": raw["customer_id"],
        "ts": [dt.datetime.strptime(s, "%Y%m%d") for s in raw["date"]],
        "gmv": raw["dollar_value"].map(Decimal),
        "region": "unknown", "category": "unknown", "channel": "unknown", "returned": False,
    })


# --- the metric definitions, by hand ------------------------------------------------------

def label(day: dt.date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        year, week, _ = day.isocalendar()   # ISO 8601: Monday first, week 1 holds a Thursday
        return f"{year}-W{week:02d}"
    if grain == "month":
        return f"{day.year}-{day.month:02d}"
    if grain == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return str(day.year)


def first_orders(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per buyer: their first order in the whole data (earliest order_date, then
    order_id), with that order's region/channel and the category of its largest line."""
    with_id = rows[rows["customer_id"].notna()]
    orders = with_id.groupby(["customer_id", "order_id"], as_index=False)["ts"].min()
    first = orders.sort_values(["customer_id", "ts", "order_id"]).drop_duplicates("customer_id")
    lines = with_id.drop(columns="ts").merge(first, on=["customer_id", "order_id"])
    top = lines.sort_values(["customer_id", "gmv", "channel", "category", "region"],
                            ascending=[True, False, True, True, True]).drop_duplicates("customer_id")
    return top[["customer_id", "ts", "region", "category", "channel"]].reset_index(drop=True)


def _in_scope(frame: pd.DataFrame, start, end, where) -> pd.Series:
    days = frame["ts"].map(lambda t: t.date())
    ok = pd.Series(True, index=frame.index)
    if start:
        ok &= days >= dt.date.fromisoformat(start)
    if end:
        ok &= days <= dt.date.fromisoformat(end)
    for dim, values in (where or {}).items():
        ok &= frame[dim].isin(values)
    return ok


def expected(rows: pd.DataFrame, firsts: pd.DataFrame, grain: str | None = None, dims=(),
             start: str | None = None, end: str | None = None, where=None) -> pd.DataFrame:
    """Every metric of ALL_METRICS per bucket, straight from the definitions."""
    dims = list(dims)
    rows = rows[_in_scope(rows, start, end, where)].copy()
    firsts = firsts[_in_scope(firsts, start, end, where)].copy()
    keys = ([grain] if grain else []) + dims
    for f in (rows, firsts):
        f["_all"] = "*"
        if grain:
            f[grain] = f["ts"].map(lambda t: label(t.date(), grain))
    keys_or_all = keys or ["_all"]
    out = []
    for key, g in rows.groupby(keys_or_all, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        sel = pd.Series(True, index=firsts.index)
        for k, v in zip(keys_or_all, key):
            sel &= firsts[k] == v
        gmv = sum(g["gmv"], Decimal(0))
        returned_gmv = sum(g.loc[g["returned"].astype(bool), "gmv"], Decimal(0))
        orders = g["order_id"].nunique()
        known = g[g["customer_id"].notna()]
        buyers = known["customer_id"].nunique()
        orders_per_buyer = known.groupby("customer_id")["order_id"].nunique()
        returned_orders = g.loc[g["returned"].astype(bool), "order_id"].nunique()
        rec = dict(zip(keys, key)) if keys else {}
        rec.update({
            "gmv": gmv, "returned_gmv": returned_gmv, "net_sales": gmv - returned_gmv,
            "orders": orders, "buyers": buyers, "new_buyers": int(sel.sum()),
            "aov": gmv / orders if orders else None,
            "gmv_per_buyer": sum(known["gmv"], Decimal(0)) / buyers if buyers else None,
            "return_rate": returned_orders / orders if orders else math.nan,
            "repurchase_rate": (orders_per_buyer >= 2).sum() / buyers if buyers else math.nan,
        })
        out.append(rec)
    return pd.DataFrame(out)


# --- running the real CLI and comparing ---------------------------------------------------

def run_attain(*args: str, subprocess_run: bool = False) -> subprocess.CompletedProcess:
    """The `attain` command: the installed script in a subprocess, or its entry point
    ``attain.cli.main`` in this process (same code, faster) with stdout/stderr captured."""
    if subprocess_run:
        return subprocess.run([str(ATTAIN), *args], capture_output=True, text=True, cwd=ROOT, timeout=300)
    from attain.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["attain", *args], code, out.getvalue(), err.getvalue())


def attain_metrics(data: Path, grain=None, dims=(), start=None, end=None, where=None) -> pd.DataFrame:
    by = ",".join(([grain] if grain else []) + list(dims))
    args = ["metrics", *ALL_METRICS, "--data", str(data), "--format", "csv"]
    if by:
        args += ["--by", by]
    if start:
        args += ["--from", start]
    if end:
        args += ["--to", end]
    for dim, values in (where or {}).items():
        args += ["--where", f"{dim}={','.join(values)}"]
    proc = run_attain(*args)
    assert proc.returncode == 0, proc.stderr
    keys = ([grain] if grain else []) + list(dims)
    frame = pd.read_csv(io.StringIO(proc.stdout), dtype={**{k: str for k in keys}, **{m: str for m in MONEY}},
                        keep_default_na=False, na_values={m: [""] for m in ALL_METRICS if m not in MONEY})
    assert list(frame.columns) == keys + list(ALL_METRICS)
    for m in MONEY:  # money as printed, read as exact decimals (None where empty)
        frame[m] = [Decimal(v) if v != "" else None for v in frame[m]]
    return frame


def is_half_cent(x: Decimal) -> bool:
    """True when x lies exactly between two cents (x.xx5)."""
    scaled = x * 200
    return scaled == scaled.to_integral_value() and scaled % 2 == 1


def compare(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> dict[str, object]:
    """Assert every row and value agrees; return the largest difference per metric
    (and, under "half_cent_ties", how many exact half cents were printed rounded down/up)."""
    assert len(got) == len(want), f"{len(got)} rows from attain, {len(want)} expected"
    if keys:
        got_keys = list(got[keys].itertuples(index=False, name=None))
        want_keys = sorted(want[keys].itertuples(index=False, name=None))
        assert got_keys == want_keys, "buckets differ (or are not sorted)"
        got = got.set_index(keys)
        want = want.set_index(keys).loc[got.index]
    worst: dict[str, object] = {}
    ties = {"down": 0, "up": 0}
    for m in ALL_METRICS:
        bad, diffs = [], []
        for where, x, y in zip(got.index, got[m], want[m]):
            if m in MONEY:
                if x is None or y is None:
                    if not (x is None and y is None):
                        bad.append((where, x, y))
                    continue
                d = abs(x - y)
                diffs.append(d)
                if x != x.quantize(CENT) or d > HALF_CENT or (d == HALF_CENT and not is_half_cent(y)):
                    bad.append((where, x, y))
                elif d == HALF_CENT:
                    ties["down" if x < y else "up"] += 1
                    if abs(x) < abs(y):   # half a cent must round away from zero
                        bad.append((where, x, y))
                continue
            x, y = float(x), float(y)
            if math.isnan(x) or math.isnan(y):
                if not (math.isnan(x) and math.isnan(y)):
                    bad.append((where, x, y))
                continue
            d = abs(x - y)
            diffs.append(d)
            if d > (RATIO_TOL if m in RATIOS else 0):
                bad.append((where, x, y))
        assert not bad, f"{m}: attain != expected at {bad[:5]} ({len(bad)} values)"
        worst[m] = max(diffs, default=0)
    worst["half_cent_ties"] = ties
    return worst


CASES = {  # name: (grain, dims, start, end, where)
    "month": ("month", (), None, None, None),
    "quarter": ("quarter", (), None, None, None),
    "week": ("week", (), None, None, None),
    "year": ("year", (), None, None, None),
    "day_new_year": ("day", (), "2010-12-30", "2011-01-04", None),
    "total": (None, (), None, None, None),
    "region": (None, ("region",), None, None, None),
    "month_region": ("month", ("region",), None, None, None),
    "week_range": ("week", (), "2011-01-01", "2011-06-30", None),
    "quarter_region_range": ("quarter", ("region",), "2011-03-31", "2011-07-01", None),
    "month_where": ("month", (), "2010-12-15", "2011-09-10", {"region": ["France", "Germany"]}),
    "week_region_where": ("week", ("region",), "2011-02-01", "2011-04-30",
                          {"region": ["France", "Germany", "Hong Kong"]}),
    "year_where_uk": ("year", (), None, None, {"region": ["United Kingdom"]}),
}
RETURNS_CASES = {
    "month": ("month", (), None, None, None),
    "quarter_region": ("quarter", ("region",), None, None, None),
    "month_category": ("month", ("category",), None, None, None),
    "week_where": ("week", (), "2011-01-01", "2011-03-31", {"region": ["United Kingdom"]}),
    "year_category_where": ("year", (), None, "2011-10-31", {"category": ["goods"]}),
}


@pytest.fixture(scope="module")
def retail(tmp_path_factory):
    """Two data folders over the same generated export (sales-only and with returns)."""
    base = tmp_path_factory.mktemp("online_retail")
    raw = base / "online_retail.csv.gz"
    n = generate_online_retail(raw)
    folders = {}
    for name, mapping in (("sales", MAPPING_SALES), ("returns", MAPPING_RETURNS)):
        folder = base / name
        folder.mkdir()
        shutil.copy(raw, folder / raw.name)
        (folder / "mapping.yml").write_text(mapping, encoding="utf-8")
        rows = contract_rows_retail(raw, returns=name == "returns")
        folders[name] = (folder, rows, first_orders(rows))
    return {"lines": n, "raw": raw, **folders}


def test_generator_is_deterministic_and_messy(tmp_path, retail):
    again = tmp_path / "again.csv.gz"
    generate_online_retail(again)
    assert again.read_bytes() == retail["raw"].read_bytes()
    text = gzip.decompress(again.read_bytes()).decode("utf-8")
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert retail["lines"] == len(raw) > 10_000
    assert raw["InvoiceNo"].str.startswith("C").any() and raw["InvoiceNo"].str.startswith("A").any()
    assert raw.head(50)["InvoiceNo"].str.startswith("C").any()   # as in the real file
    assert (raw["CustomerID"] == "").mean() > 0.1
    assert raw["CustomerID"].str.fullmatch(r"|\d{5}\.0").all()
    assert (raw["UnitPrice"] == "0").any() and raw["UnitPrice"].str.fullmatch(r"-?\d+\.\d{3}").any()
    assert raw["Description"].str.contains(",").any() and raw["Description"].str.contains('"').any()
    assert "12/1/2010 7:00" in set(raw["InvoiceDate"])
    assert raw.groupby("InvoiceNo").size().max() > 5
    assert set(raw.loc[raw["Country"] == "Hong Kong", "CustomerID"]) == {""}


@pytest.mark.parametrize("case", sorted(CASES))
def test_retail_sales_matches_pandas(retail, case):
    folder, rows, firsts = retail["sales"]
    grain, dims, start, end, where = CASES[case]
    got = attain_metrics(folder, grain, dims, start, end, where)
    want = expected(rows, firsts, grain, dims, start, end, where)
    compare(got, want, ([grain] if grain else []) + list(dims))


@pytest.mark.parametrize("case", sorted(RETURNS_CASES))
def test_retail_with_returns_matches_pandas(retail, case):
    folder, rows, firsts = retail["returns"]
    grain, dims, start, end, where = RETURNS_CASES[case]
    got = attain_metrics(folder, grain, dims, start, end, where)
    want = expected(rows, firsts, grain, dims, start, end, where)
    compare(got, want, ([grain] if grain else []) + list(dims))


def test_retail_edge_cases_are_in_the_output(retail):
    """The hand-placed rows land where the definitions say (guards the generator too)."""
    folder, rows, firsts = retail["sales"]
    week = attain_metrics(folder, "week", (), "2010-12-27", "2011-01-09").set_index("week")
    assert list(week.index) == ["2010-W52", "2011-W01"]          # 1-2 Jan 2011 are in 2010-W52
    region = attain_metrics(folder, None, ("region",)).set_index("region")
    assert region.loc["Hong Kong", "buyers"] == 0 and region.loc["Hong Kong", "gmv_per_buyer"] is None
    # buyer 18288: two invoices at 2011-02-14 11:05 (Germany, then France); the first by order_id
    feb = attain_metrics(folder, "month", ("region",), "2011-02-01", "2011-02-28")
    mine = firsts[firsts["customer_id"] == "18288.0"]
    assert len(mine) == 1 and mine["region"].iloc[0] == "Germany"
    assert feb.set_index(["month", "region"]).loc[("2011-02", "Germany"), "new_buyers"] >= 1
    # 23:59 on the last day of a quarter stays in that quarter; --to includes the whole day
    q = attain_metrics(folder, "quarter", (), "2011-03-31", "2011-03-31")
    assert list(q["quarter"]) == ["2011-Q1"]


def test_retail_returns_mapping_is_consistent(retail):
    """net_sales with cancellations as returns equals the GMV of the sales-only mapping."""
    a = attain_metrics(retail["sales"][0], "month").set_index("month")
    b = attain_metrics(retail["returns"][0], "month").set_index("month")
    both = a.index.intersection(b.index)
    assert (b.loc[both, "returned_gmv"] > 0).any()
    assert all(abs(x - y) <= CENT for x, y in zip(a.loc[both, "gmv"], b.loc[both, "net_sales"]))


def test_installed_script_prints_the_same(retail):
    """The comparisons above call the CLI entry point in-process; the installed script agrees."""
    args = ["metrics", *ALL_METRICS, "--by", "week,region", "--from", "2011-01-01", "--to", "2011-03-31",
            "--where", "region=France,Germany", "--data", str(retail["sales"][0]), "--format", "csv"]
    inner, outer = run_attain(*args), run_attain(*args, subprocess_run=True)
    assert outer.returncode == inner.returncode == 0, outer.stderr
    assert outer.stdout == inner.stdout and outer.stdout.count("\n") > 10


# --- the real CDNOW file ------------------------------------------------------------------

@pytest.fixture(scope="module")
def cdnow():
    raw = CDNOW_DIR / "cdnow_master.csv.gz"
    rows = contract_rows_cdnow(raw)
    return CDNOW_DIR, rows, first_orders(rows)


def test_cdnow_fixture_is_the_documented_file():
    text = gzip.decompress((CDNOW_DIR / "cdnow_master.csv.gz").read_bytes())
    assert hashlib.sha256(text).hexdigest() == CDNOW_CSV_SHA256
    assert text.count(b"\n") == 69_660       # header + 69,659 purchase rows


CDNOW_CASES = {
    "month": ("month", (), None, None, None),
    "quarter": ("quarter", (), None, None, None),
    "year": ("year", (), None, None, None),
    "week_range": ("week", (), "1997-03-01", "1997-12-31", None),
    "day_range": ("day", (), "1997-03-25", "1997-04-06", None),
    "total": (None, (), None, None, None),
}


@pytest.mark.parametrize("case", sorted(CDNOW_CASES))
def test_cdnow_matches_pandas(cdnow, case):
    folder, rows, firsts = cdnow
    grain, dims, start, end, where = CDNOW_CASES[case]
    got = attain_metrics(folder, grain, dims, start, end, where)
    want = expected(rows, firsts, grain, dims, start, end, where)
    compare(got, want, [grain] if grain else [])


def test_cdnow_published_facts(cdnow):
    """Facts stated by the data's authors: 23,570 customers, all first buying in 1997-Q1."""
    q = attain_metrics(cdnow[0], "quarter").set_index("quarter")
    assert q.loc["1997-Q1", "new_buyers"] == q.loc["1997-Q1", "buyers"] == 23_570
    assert q["new_buyers"].sum() == 23_570
    total = attain_metrics(cdnow[0])
    assert total["buyers"].iloc[0] == 23_570


# --- a broken mapping is a clear user error -----------------------------------------------

def test_bad_mapping_expression_is_a_clear_error(tmp_path, retail):
    folder = tmp_path / "bad"
    folder.mkdir()
    shutil.copy(retail["raw"], folder / "online_retail.csv.gz")
    (folder / "mapping.yml").write_text(
        MAPPING_SALES.replace("Quantity * UnitPrice", "Quantity * NoSuchColumn"), encoding="utf-8")
    proc = run_attain("metrics", "gmv", "--by", "month", "--data", str(folder), "--format", "csv",
                      subprocess_run=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert "mapping.yml" in proc.stderr
    assert "orders.columns.gmv" in proc.stderr
    assert "NoSuchColumn" in proc.stderr
