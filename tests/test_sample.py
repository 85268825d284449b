"""Tests for attain.sample (the deterministic sample data) and the starter plan files.

Expected properties come from the generator's stated model (see the docstring of attain.sample)
and the business brief, not from its output.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import attain.sample as sample
from attain.contract import TABLES
from attain.errors import AttainError

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "data" / "plan"
SHORT = dict(start=date(2025, 10, 1), end=date(2025, 12, 31), scale=0.02)
CNY = [date(2024, 2, 10), date(2025, 1, 29)]
PAID = ["付费搜索", "信息流", "短视频", "直播", "KOL", "社交裂变", "私域"]
CATEGORIES = {"美妆", "服饰", "3C数码", "家居", "食品"}
REGIONS = {"一线城市", "新一线城市", "二线城市", "三线城市", "四线及以下"}
METRICS = {"gmv", "net_sales", "orders", "buyers", "new_buyers", "aov", "gmv_per_buyer", "return_rate",
           "repurchase_rate", "uv", "conversion_rate", "spend", "cac", "cpa", "roas", "gross_margin",
           "bounce_rate"}
KPI_METRICS = METRICS | {"impressions", "clicks", "ctr"}   # module KPIs may also use the ad platforms' figures


def _is_type(contract_type: str, t: pa.DataType) -> bool:
    return {"text": pa.types.is_string, "date": pa.types.is_date32,
            "timestamp": pa.types.is_timestamp, "number": pa.types.is_floating,
            "count": pa.types.is_integer, "bool": pa.types.is_boolean}[contract_type](t)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    """A default-period run at scale 0.2 (about 200 000 orders)."""
    out = tmp_path_factory.mktemp("sample") / "data"
    rows = sample.generate(out, seed=11, scale=0.2)
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}
    return {"out": out, "rows": rows, **tables}


@pytest.fixture(scope="module")
def daily_gmv(data) -> pd.Series:
    o = data["orders"]
    return o.groupby(o["order_date"].dt.normalize())["gmv"].sum()


# --- files, determinism, atomic write -------------------------------------------------------

def test_files_columns_and_types_follow_contract(data):
    assert sorted(p.name for p in data["out"].iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    for name, table in TABLES.items():
        schema = pq.read_schema(data["out"] / f"{name}.parquet")
        assert schema.names == table.column_names, name
        for col in table.columns:
            assert _is_type(col.type, schema.field(col.name).type), (name, col.name)
        assert data["rows"][name] == pq.ParquetFile(data["out"] / f"{name}.parquet").metadata.num_rows
        for col in table.columns:
            if col.required:
                assert data[name][col.name].notna().all(), (name, col.name)


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    sample.generate(a, seed=3, **SHORT)
    sample.generate(b, seed=3, **SHORT)
    sample.generate(c, seed=4, **SHORT)
    for name in TABLES:
        assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name
    assert (a / "orders.parquet").read_bytes() != (c / "orders.parquet").read_bytes()
    assert not pd.read_parquet(a / "orders.parquet").equals(pd.read_parquet(c / "orders.parquet"))


def test_creates_missing_folder_and_leaves_no_temporary_files(tmp_path):
    out = tmp_path / "x" / "y"
    sample.generate(out, **SHORT)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in TABLES)
    assert [p.name for p in out.parent.iterdir()] == ["y"]


def test_crash_keeps_previous_files(tmp_path, monkeypatch):
    out = tmp_path / "data"
    sample.generate(out, seed=1, **SHORT)
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sample, "_customers", boom)
    with pytest.raises(RuntimeError):
        sample.generate(out, seed=2, **SHORT)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["data"]
    with pytest.raises(RuntimeError):
        sample.generate(tmp_path / "fresh", **SHORT)
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


@pytest.mark.parametrize("kwargs", [
    dict(start=date(2025, 1, 2), end=date(2025, 1, 1)),
    dict(start=date(2025, 1, 1), end=date(2025, 1, 1)),
    dict(scale=0), dict(scale=-1), dict(scale=float("nan")), dict(scale="1"),
    dict(start="2025-01-01"), dict(seed=-1), dict(seed=1.5),
])
def test_bad_arguments_raise_attain_error(tmp_path, kwargs):
    with pytest.raises(AttainError):
        sample.generate(tmp_path / "bad", **kwargs)
    assert not (tmp_path / "bad").exists()


def test_output_path_that_is_a_file_raises(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(AttainError):
        sample.generate(tmp_path / "f", **SHORT)


def test_tiny_scale_still_writes_valid_files(tmp_path):
    rows = sample.generate(tmp_path / "t", start=date(2025, 3, 1), end=date(2025, 3, 3), scale=1e-6)
    assert rows["traffic"] == 3 * 8 and rows["spend"] == 3 * 7
    assert pq.read_schema(tmp_path / "t" / "orders.parquet").names == TABLES["orders"].column_names


# --- orders -----------------------------------------------------------------------------------

def test_volume_and_order_lines(data):
    o = data["orders"]
    n_orders = o["order_id"].nunique()
    assert 0.2 * 0.9e6 < n_orders < 0.2 * 1.1e6           # ~1 M orders at scale 1
    assert 1.2 <= len(o) / n_orders <= 1.4
    lines = o.groupby("order_id").size()
    assert 0.1 < (lines > 1).mean() < 0.4
    multi_cat = o.groupby("order_id")["category"].nunique()
    assert (multi_cat > 1).sum() > 0.03 * n_orders


def test_order_values(data):
    o = data["orders"]
    assert set(o["channel"]) == set(sample.CHANNEL_NAMES)
    assert set(o["category"]) == CATEGORIES and set(o["region"]) == REGIONS
    assert (o["gmv"] >= 0).all() and (o["cost"] >= 0).all()
    assert np.allclose(o["gmv"], o["gmv"].round(2)) and np.allclose(o["cost"], o["cost"].round(2))
    assert o["returned"].dtype == bool
    assert o["order_date"].min() >= pd.Timestamp(sample.DEFAULT_START)
    assert o["order_date"].max() < pd.Timestamp(sample.DEFAULT_END + timedelta(days=1))
    assert (o["order_date"].dt.hour.nunique() == 24) and (o["order_date"].dt.second.nunique() == 60)


def test_order_ids_and_shared_fields(data):
    o = data["orders"]
    assert o["order_id"].str.fullmatch(r"O\d{13}").all()
    assert (o["order_id"].str[1:9] == o["order_date"].dt.strftime("%Y%m%d")).all()
    shared = ["customer_id", "order_date", "channel", "region"]
    same = o.groupby("order_id")[shared].nunique(dropna=False)
    assert (same == 1).all().all()
    members = o["customer_id"].dropna()
    assert members.str.fullmatch(r"C\d{8}").all()


def test_guest_orders_about_four_percent(data):
    per_order = data["orders"].drop_duplicates("order_id")
    assert 0.03 <= per_order["customer_id"].isna().mean() <= 0.05


def test_return_rate_and_margin_by_category(data):
    by = data["orders"].groupby("category").agg(returned=("returned", "mean"), gmv=("gmv", "sum"),
                                               cost=("cost", "sum"))
    rate = by["returned"]
    assert 0.16 < rate["服饰"] < 0.26 and 0.06 < rate["美妆"] < 0.11
    assert 0.01 < rate["食品"] < 0.035 and 0.04 < rate["3C数码"] < 0.09
    margin = 1 - by["cost"] / by["gmv"]
    assert margin.idxmin() == "3C数码" and margin.idxmax() == "美妆"
    assert 0.10 < margin["3C数码"] < 0.20 and 0.52 < margin["美妆"] < 0.65
    aov = data["orders"].groupby("category")["gmv"].median()
    assert aov.idxmax() == "3C数码" and aov.idxmin() == "食品"


def test_returns_higher_during_double_11(data):
    o = data["orders"]
    md = o["order_date"].dt.month * 100 + o["order_date"].dt.day
    promo = (md >= 1020) & (md <= 1113)
    assert o.loc[promo, "returned"].mean() > 1.1 * o.loc[~promo, "returned"].mean()


# --- growth and seasonality -------------------------------------------------------------------

def test_growth(data):
    o = data["orders"]
    year = o["order_date"].dt.year
    gmv = o.groupby(year)["gmv"].sum()
    assert 1.10 < gmv[2025] / gmv[2024] < 1.30
    share = o[year < 2026].drop_duplicates("order_id").pipe(
        lambda x: pd.crosstab(x["order_date"].dt.year, x["channel"], normalize="index"))
    assert share.loc[2025, "直播"] > share.loc[2024, "直播"]
    assert share.loc[2025, "短视频"] > share.loc[2024, "短视频"]
    assert share.loc[2025, "付费搜索"] < share.loc[2024, "付费搜索"]
    low = o["region"].isin(["三线城市", "四线及以下"])
    assert low[year == 2025].mean() > low[year == 2024].mean()


def test_seasonality(daily_gmv):
    for y, cny in zip((2024, 2025), CNY):
        year = daily_gmv[daily_gmv.index.year == y]
        avg = year.mean()
        assert daily_gmv[f"{y}-11-05":f"{y}-11-11"].mean() > 1.5 * avg       # 双11 week
        assert daily_gmv[pd.Timestamp(f"{y}-11-11")] > 3 * avg                 # 双11 day
        assert daily_gmv[pd.Timestamp(f"{y}-06-18")] > 1.8 * avg               # 618 peak
        assert daily_gmv[pd.Timestamp(f"{y}-12-12")] > 1.4 * avg               # 双12
        around = daily_gmv[str(cny - timedelta(days=7)):str(cny + timedelta(days=7))]
        assert around.mean() < 0.85 * avg                                      # 春节 dip
    weekday = daily_gmv.groupby(daily_gmv.index.day_of_week).median()
    assert weekday[5] > weekday[1]                                             # Saturday > Tuesday


def test_beauty_peaks_on_womens_day(data):
    o = data["orders"]
    window = (o["order_date"].dt.month == 3) & (o["order_date"].dt.day <= 8)
    beauty = o["category"] == "美妆"
    assert beauty[window].mean() > 1.2 * beauty[~window].mean()


# --- customers --------------------------------------------------------------------------------

def test_customers_match_orders(data):
    o, c = data["orders"], data["customers"]
    assert c["customer_id"].is_unique
    assert set(c["customer_id"]) == set(o["customer_id"].dropna())
    assert set(c["tier"]) == {"普通会员", "银卡", "金卡", "钻石"}
    first = o.dropna(subset=["customer_id"]).groupby("customer_id")["order_date"].min().dt.normalize()
    signup = pd.to_datetime(c.set_index("customer_id")["signup_date"])
    assert (signup.reindex(first.index) <= first).all()
    regions = o.dropna(subset=["customer_id"]).groupby("customer_id")["region"].agg(["nunique", "first"])
    assert (regions["nunique"] == 1).all()
    assert (c.set_index("customer_id")["region"].reindex(regions.index) == regions["first"]).all()


def test_tier_follows_spend(data):
    spent = data["orders"].groupby("customer_id")["gmv"].sum()
    tier = data["customers"].set_index("customer_id")["tier"]
    mean = spent.groupby(tier.reindex(spent.index)).mean()
    assert mean["普通会员"] < mean["银卡"] < mean["金卡"] < mean["钻石"]


def test_repurchase_within_a_quarter(data):
    o = data["orders"].dropna(subset=["customer_id"]).drop_duplicates("order_id")
    o = o[o["order_date"] < "2026-07-01"]                                     # whole quarters
    per = o.groupby([o["order_date"].dt.to_period("Q"), "customer_id"]).size()
    rate = (per >= 2).groupby(level=0).mean()
    assert rate.between(0.10, 0.25).all(), rate
    first = o.groupby("customer_id")["order_date"].transform("min")
    returning = (o["order_date"] > first).mean()
    assert 0.2 < returning < 0.7                                              # mix of new and returning


# --- traffic and spend ------------------------------------------------------------------------

def test_traffic(data):
    t, o = data["traffic"], data["orders"]
    days = (sample.DEFAULT_END - sample.DEFAULT_START).days + 1
    assert len(t) == days * 8 and not t.duplicated(["date", "channel"]).any()
    assert (t["sessions"] >= t["uv"]).all() and (t["pv"] >= t["uv"]).all()
    assert (t["bounces"] < t["sessions"]).all()
    agg = t.groupby("channel")[["uv", "pv"]].sum()
    assert (agg["pv"] / agg["uv"]).between(3, 6).all()
    orders = o.drop_duplicates("order_id").groupby("channel").size()
    cvr = orders / agg["uv"]
    assert cvr.between(0.01, 0.065).all(), cvr
    assert cvr.idxmax() == "私域" and cvr.idxmin() == "信息流"


def test_spend(data):
    s = data["spend"]
    days = (sample.DEFAULT_END - sample.DEFAULT_START).days + 1
    assert set(s["channel"]) == set(PAID) and len(s) == days * len(PAID)
    assert (s["spend"] >= 0).all() and (s["clicks"] <= s["impressions"]).all()
    assert set(s["module"]) == {"品牌推广", "渠道拓展", "内容营销", "活动促销", "用户运营"}
    total = s.groupby("channel")[["clicks", "impressions"]].sum()
    ctr = total["clicks"] / total["impressions"]
    assert ctr.between(0.005, 0.03).all()
    events = "年货节|38女王节|618大促|双11预热|双11大促|双12"
    assert s["campaign"].str.fullmatch(rf"日常投放|({events})-.+").all()
    d = pd.to_datetime(s["date"])
    assert (s.loc[(d.dt.month == 6) & (d.dt.day <= 18), "campaign"].str.startswith("618大促")).all()
    assert (s.loc[s["campaign"] != "日常投放", "module"] == "活动促销").all()
    by_year = s.groupby([d.dt.year, "channel"])["spend"].sum().unstack()
    assert by_year.loc[2025, "直播"] > 1.3 * by_year.loc[2024, "直播"]
    promo = s.loc[(d.dt.month == 11) & (d.dt.day == 11), "spend"].sum()
    assert promo > 2 * s.loc[d.dt.month == 9, "spend"].sum() / 30                # raised on 双11


@pytest.mark.parametrize("channel", ["付费搜索", "直播"])
def test_spend_response_has_diminishing_returns(data, channel):
    o, s = data["orders"], data["spend"]
    orders = (o[o["channel"] == channel].drop_duplicates("order_id")
              .groupby(o["order_date"].dt.normalize()).size())
    paid = s[s["channel"] == channel]
    spend = paid.set_index(pd.to_datetime(paid["date"]))["spend"]
    both = pd.concat([orders.rename("orders"), spend], axis=1).dropna()
    both = both[(both["orders"] > 0) & (both["spend"] > 0)]
    design = np.c_[np.ones(len(both)), np.log(both["spend"])]
    slope = np.linalg.lstsq(design, np.log(both["orders"]), rcond=None)[0][1]
    true_b = next(c.b for c in sample.CHANNELS if c.name == channel)
    assert 0.5 <= true_b <= 0.8
    assert 0.2 < slope < 0.9, slope
    assert abs(slope - true_b) < 0.15, (slope, true_b)


# --- plan files -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, keys", [
    ("goals", {"goals"}), ("plan", {"modules"}),
    ("budget", {"year", "total", "reserve_share", "brand_share", "channels"}),
    ("swot", {"strengths", "weaknesses", "opportunities", "threats"}), ("risks", {"risks"}),
])
def test_plan_file_parses_with_expected_keys(name, keys):
    doc = yaml.safe_load((PLAN / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and keys <= set(doc), name


def test_goals_are_well_formed():
    goals = yaml.safe_load((PLAN / "goals.yaml").read_text(encoding="utf-8"))["goals"]
    assert 6 <= len(goals) <= 12
    assert len({g["id"] for g in goals}) == len(goals)
    plan = yaml.safe_load((PLAN / "plan.yaml").read_text(encoding="utf-8"))
    modules = {m["name"]["zh"] for m in plan["modules"]}
    for g in goals:
        assert {"zh", "en"} <= set(g["name"]) and isinstance(g["owner"], str)
        assert g["priority"] in (1, 2, 3)
        assert g["module"] in modules
        if "metric" in g:
            assert g["metric"] in METRICS, g["id"]
        if "period" in g:
            assert re.fullmatch(r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?", str(g["period"])), g["id"]
    assert sum("metric" not in g for g in goals) >= 1 and sum("period" not in g for g in goals) >= 1


def test_budget_and_plan_add_up():
    budget = yaml.safe_load((PLAN / "budget.yaml").read_text(encoding="utf-8"))
    plan = yaml.safe_load((PLAN / "plan.yaml").read_text(encoding="utf-8"))
    assert budget["year"] == 2026 and 0.10 <= budget["reserve_share"] <= 0.15
    assert set(budget["channels"]) <= set(PAID)
    spendable = budget["total"] * (1 - budget["reserve_share"])
    assert math.isclose(sum(budget["channels"].values()), spendable)
    actions = [a for m in plan["modules"] for a in m["actions"]]
    assert math.isclose(sum(a["budget"] for a in actions), spendable)
    for a in actions:
        assert a["start"] <= a["end"] and a["start"].year == 2026 and set(a["kpis"]) <= KPI_METRICS
