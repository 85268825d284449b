"""Next quarter's proposed targets: the run-rate × seasonality formula by hand on a tiny CSV folder, rounding,
the goals.yaml text loading back through attain.goals.load_goals, owners carried over, skipped goals, zh/en
text, HTML escaping, and the sample register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from attain import display
from attain import next_quarter as nq
from attain import next_quarter_view as nqv
from attain.data import load_dataset
from attain.goals import load_goals
from attain.metrics import compute
from attain.targets import parse_target

# One row per order (all 直播).
#   2025-Q2 (L):  4 orders, GMV 100 + 200 + 300 + 400 = 1000, one returned → return rate 25 %, AOV 250
#   2025-Q3 (N):  4 orders of 300 = 1200, two returned → 50 %, AOV 300
#   2026-Q2 (T):  5 orders of 300 = 1500, one returned → 20 %, AOV 300
#   2026-07-10:   one order of 5000 after the quarter — must not be used
ORDERS = """order_id,order_date,gmv,channel,returned
L1,2025-04-01,100,直播,true
L2,2025-05-01,200,直播,false
L3,2025-05-15,300,直播,false
L4,2025-06-30,400,直播,false
N1,2025-07-01,300,直播,true
N2,2025-08-01,300,直播,true
N3,2025-09-01,300,直播,false
N4,2025-09-30,300,直播,false
T1,2026-04-10,300,直播,false
T2,2026-05-10,300,直播,true
T3,2026-05-20,300,直播,false
T4,2026-06-10,300,直播,false
T5,2026-06-30,300,直播,false
X1,2026-07-10,5000,直播,false
"""
GOALS = """goals:
  - id: GA
    name: {zh: 去年GMV, en: GMV last year}
    metric: gmv
    scope: {}
    period: "2025"
    target: 4000
    owner: 甲
    module: 活动促销
    objective: 增长 / growth
    priority: 1
  - id: G-2026Q3-01
    name: {zh: 三季度GMV, en: Q3 GMV}
    metric: gmv
    scope: {}
    period: "2026-Q3"
    target: 1700
    owner: 乙
    module: 内容营销
    objective: '<script>x</script> a: "b" # c'
    priority: 2
  - id: GC
    name: {zh: 退货率, en: Return rate}
    metric: return_rate
    scope: {}
    period: "2026"
    target: "<= 30%"
    owner: 丙
    module: 用户运营
    objective: 降本 / cost
    priority: 2
  - id: GD
    name: {zh: 客单, en: AOV}
    metric: aov
    scope: {}
    target: 320
    owner: 丁
    module: 用户运营
    priority: 3
  - id: GE
    name: {zh: 品牌, en: Brand}
    scope: {}
    period: "2026"
    target: 明显提升
    owner: 王
    priority: 3
  - id: GF
    name: {zh: 访客, en: Visitors}
    metric: uv
    scope: {}
    period: "2026"
    target: 1000
    owner: 赵
    priority: 3
"""


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "goals.yaml").write_text(GOALS, encoding="utf-8")
    return tmp_path


def run(folder: Path, period="2026-Q2", as_of="2026-08-15", **kw):
    kw.setdefault("cross_check", False)
    return nq.propose(load_dataset(folder / "data"), load_goals(folder / "plan"), period, as_of, **kw)


def render(p, lang: str) -> str:
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        nqv.show(p, lang)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


# --- the arithmetic -------------------------------------------------------------------------------

def test_formula_by_hand():
    # amounts: N × T ÷ L = 1200 × 1500 / 1000 = 1800
    assert nq.run_rate_seasonal(1500, 1000, 1200, rate=False) == pytest.approx(1800)
    # rates: N + (T − L) = 50 % + (20 % − 25 %) = 45 %; kept within 0–100 %
    assert nq.run_rate_seasonal(0.20, 0.25, 0.50, rate=True) == pytest.approx(0.45)
    assert nq.run_rate_seasonal(0.10, 0.50, 0.30, rate=True) == 0.0
    assert nq.run_rate_seasonal(0.90, 0.20, 0.60, rate=True) == 1.0


@pytest.mark.parametrize("value, metric, expected", [
    (67264.8, "new_buyers", 67300), (49_483_780.0, "gmv", 49_500_000), (118.553, "cac", 119),
    (99.96, "cac", 100.0), (42.04, "aov", 42.0), (5.05, "new_buyers", 5), (45.6, "orders", 46), (0.0180588, "conversion_rate", 0.0181),
    (0.243061, "return_rate", 0.243), (3.856, "roas", 3.86), (1010.989, "gmv", 1011)])
def test_round_target(value, metric, expected):
    assert nq.round_target(value, metric) == pytest.approx(expected, abs=1e-12)


def test_target_text_parses_back():
    cases = [(67300.0, "new_buyers", 67300, ">="), (119.0, "cac", "<= 119", "<="),
             (0.0181, "conversion_rate", ">= 1.81%", ">="), (0.45, "return_rate", "<= 45%", "<="),
             (3.86, "roas", 3.86, ">=")]
    for value, metric, text, cmp in cases:
        assert nq.target_text(value, metric) == text
        parsed = parse_target(text)
        assert parsed.value == pytest.approx(value) and (parsed.comparator or ">=") == cmp


# --- the proposal on a tiny folder -------------------------------------------------------------------

def test_proposals_by_hand(folder):
    p = run(folder)
    assert (p.period, p.next_period, p.cutoff, p.created) == ("2026-Q2", "2026-Q3", dt.date(2026, 6, 30),
                                                              dt.date(2026, 7, 1))
    f = p.frame.set_index("metric")
    assert list(f.index) == ["gmv", "return_rate", "aov"]            # register order, one per metric/scope
    gmv, ret, aov = f.loc["gmv"], f.loc["return_rate"], f.loc["aov"]
    # GMV: T = 1500 (not the July 5000), L = 1000, N = 1200 → 1200 × 1.5 = 1800
    assert (gmv.this_value, gmv.base_this, gmv.base_next) == (1500, 1000, 1200)
    assert (gmv.method, gmv.change, gmv.proposed, gmv.target_text) == ("yoy_ratio", pytest.approx(0.5), 1800, 1800)
    # return rate: 50 % + (20 % − 25 %) = 45 %, lower is better
    assert (ret.method, ret.change, ret.proposed) == ("yoy_pp", pytest.approx(-0.05), pytest.approx(0.45))
    assert ret.target_text == "<= 45%" and ret.direction == "lower"
    # AOV: 300 × (300 / 250) = 360 (= the GMV proposal 1800 ÷ orders 4 × 5/4)
    assert aov.proposed == pytest.approx(360) and aov.target_text == 360
    # ids skip the G-2026Q3-01 the register already uses
    assert list(p.frame["id"]) == ["G-2026Q3-02", "G-2026Q3-03", "G-2026Q3-04"]
    # owner etc. from the goal overlapping Q3 (G-2026Q3-01, not GA of 2025), else the one ending latest
    assert (gmv.source_goal, gmv.owner, gmv.module, gmv.priority) == ("G-2026Q3-01", "乙", "内容营销", 2)
    assert (ret.source_goal, ret.owner, aov.source_goal, aov.owner) == ("GC", "丙", "GD", "丁")
    # skipped: no metric (GE), a metric without its table (GF: uv needs traffic)
    s = p.skipped.set_index("goal_id")
    assert s.loc["GE", "reason"] == "no_metric" and s.loc["GF", "reason"] == "not_measurable"
    assert s.loc["GF", "detail"] == "traffic"


def test_run_rate_without_year_ago_data(folder):
    # 2025-Q2 as "this quarter": 2024-Q2 is not in the data → run rate
    p = run(folder, period="2025-Q2", as_of="2025-06-30")
    f = p.frame.set_index("metric")
    # additive: 1000 ÷ 91 days × 92 days = 1010.99 → 1011; ratios stay at this quarter's level
    assert f.loc["gmv", "method"] == "run_rate" and f.loc["gmv", "proposed"] == pytest.approx(1000 / 91 * 92)
    assert f.loc["gmv", "target"] == 1011
    assert (f.loc["return_rate", "method"], f.loc["return_rate", "proposed"]) == ("flat", 0.25)
    assert f.loc["aov", "target_text"] == 250
    assert "无去年同期数据" in f.loc["gmv", "basis_zh"] and "91 days × 92 days" in f.loc["gmv", "basis_en"]


def test_new_buyers_need_warm_up_months(folder, tmp_path):
    # with a buyer per order, 2026-Q2 has 5 new buyers; a year earlier (2025-Q2) the data have only just
    # started (1 Apr 2025), so every buyer looks new: not a base. Run rate: 5 ÷ 91 × 92 = 5.05 → 5 people
    rows = ORDERS.strip().splitlines()
    with_ids = [rows[0] + ",customer_id"] + [f"{r},c{i}" for i, r in enumerate(rows[1:])]
    (folder / "data" / "orders.csv").write_text("\n".join(with_ids) + "\n", encoding="utf-8")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "goals.yaml").write_text(
        "goals:\n  - {id: GN, name: 新客, metric: new_buyers, scope: {}, period: '2026', target: 30, priority: 2}\n",
        encoding="utf-8")
    p = nq.propose(load_dataset(folder / "data"), load_goals(tmp_path / "p"), "2026-Q2", "2026-08-15",
                   cross_check=False)
    row = p.frame.iloc[0]
    assert (row.this_value, row.method, row.target, row.target_text) == (5, "run_rate", 5, 5)
    assert np.isnan(row.base_this)


def test_quarter_still_running(folder):
    # as_of 31 May: T = 1 Apr – 31 May 2026 = 900 (3 orders), L = 1 Apr – 31 May 2025 = 600 → 1200 × 1.5 = 1800
    p = run(folder, as_of="2026-05-31")
    gmv = p.frame.set_index("metric").loc["gmv"]
    assert (p.cutoff, gmv.this_value, gmv.base_this, gmv.proposed) == (dt.date(2026, 5, 31), 900, 600, 1800)
    assert "（截至2025-05-31）" in gmv.basis_zh and "(to 2026-05-31)" in gmv.basis_en
    assert p.created == dt.date(2026, 7, 1)


# --- the goals.yaml text -------------------------------------------------------------------------------

def test_yaml_loads_as_a_goal_register(folder, tmp_path):
    p = run(folder)
    out = tmp_path / "out"
    out.mkdir()
    (out / "goals.yaml").write_text(p.yaml, encoding="utf-8")
    goals = load_goals(out)
    assert [g.id for g in goals] == ["G-2026Q3-02", "G-2026Q3-03", "G-2026Q3-04"]
    g = goals[0]
    assert (g.metric, g.scope, g.period, g.owner, g.module, g.priority, g.created) == \
        ("gmv", {}, "2026-Q3", "乙", "内容营销", 2, dt.date(2026, 7, 1))
    assert g.objective == '<script>x</script> a: "b" # c'              # quotes, colon and hash survive
    assert (g.name.zh, g.name.en) == ("2026年第3季度GMV不低于¥1,800", "Q3 2026 GMV at least ¥1.80K")
    assert g.target == 1800
    r = parse_target(goals[1].target)
    assert (r.value, r.comparator) == (pytest.approx(0.45), "<=")
    assert goals[1].name.zh == "2026年第3季度退货率不高于45%"
    # pasted under the register's own entries, the whole file still loads (no duplicate ids)
    entries = p.yaml.split("goals:\n", 1)[1]
    (out / "goals.yaml").write_text(GOALS + entries, encoding="utf-8")
    assert len(load_goals(out)) == 6 + 3


def test_yaml_scope_lists_and_owner_lists(tmp_path):
    p = nq.Proposal("2026-Q2", "2026-Q3", dt.date(2026, 8, 15), dt.date(2026, 6, 30), dt.date(2026, 7, 1),
                    frame=None, skipped=None)
    import pandas as pd
    row = {c: None for c in nq.COLUMNS}
    row.update(id="G-2026Q3-01", metric="gmv", scope={"category": ["美妆", "服饰"], "channel": "直播"},
               period="2026-Q3", target_text=1000, owner=["A", "B"], module="M", objective=None, priority=1,
               name_zh="名", name_en="Name", basis_zh="依据\n第二行", basis_en="basis", forecast=np.nan)
    p.frame = pd.DataFrame([row], columns=nq.COLUMNS)
    (tmp_path / "goals.yaml").write_text(nq.to_yaml(p), encoding="utf-8")
    g = load_goals(tmp_path)[0]
    assert g.scope == {"category": ["美妆", "服饰"], "channel": "直播"} and g.owner == ["A", "B"]
    assert g.objective is None


# --- words ---------------------------------------------------------------------------------------------

def test_finding_and_table_zh_en(folder):
    p = run(folder)
    zh, en = nqv.finding(p, "zh"), nqv.finding(p, "en")
    assert zh == ("为2026年第3季度提出3项目标建议（依据：去年同季水平 × 本季度同比趋势，数据截至2026-06-30），"
                  "如GMV(商品交易总额)¥1,800（较去年同季+50.0%）。")
    assert en.startswith("3 targets proposed for Q3 2026") and "GMV ¥1.80K (+50.0% on a year earlier)" in en
    f = p.frame.set_index("metric")
    assert f.loc["gmv", "basis_zh"] == ("去年同季（2025年第3季度）¥1,200 × 本季度同比（2026年第2季度 ¥1,500 ÷ "
                                        "2025年第2季度 ¥1,000，+50.0%）= ¥1,800")
    assert f.loc["return_rate", "basis_en"] == ("Q3 2025 50.00% + this quarter's year-on-year change (Q2 2026 "
                                                "20.00% − Q2 2025 25.00%, -5.0 pp) = 45.00%")
    t = nqv.proposal_table(p, "en")
    assert list(t["Proposed target"]) == ["≥ ¥1.80K", "≤ 45%", "≥ ¥360"]
    assert "ETS cross-check" not in t.columns                  # not asked for
    assert nqv.skipped_text(p, "zh") == "未提出建议：GE（没有指标）、GF（数据无法度量（traffic））。"


def test_show_escapes_the_yaml(folder):
    p = run(folder)
    for lang in ("zh", "en"):
        page = render(p, lang)
        assert "&lt;script&gt;" in page and "<script>" not in page
        assert "<pre" in page and "G-2026Q3-02" in page
        assert ("粘贴" in page) if lang == "zh" else ("Paste the entries" in page)


def test_nothing_to_propose(folder, tmp_path):
    (tmp_path / "p2").mkdir()
    (tmp_path / "p2" / "goals.yaml").write_text(GOALS.split("  - id: GE")[0].split("  - id: GA")[0]
                                                + "  - id: GE\n    name: x\n    priority: 3\n", encoding="utf-8")
    p = nq.propose(load_dataset(folder / "data"), load_goals(tmp_path / "p2"), "2026-Q2", "2026-08-15",
                   cross_check=False)
    assert p.frame.empty and nqv.finding(p, "en").startswith("No target can be proposed for Q3 2026")
    assert "GE" in render(p, "zh") and p.yaml.endswith("goals:")


def test_cross_check_failure_is_not_fatal(folder):
    with mock.patch("attain.achievability.assess", side_effect=ValueError("no")):
        p = run(folder, cross_check=True)
    assert p.frame["forecast"].isna().all() and nq.ets_text(p.frame.iloc[0].to_dict(), "en") == "—"


# --- the sample ---------------------------------------------------------------------------------------

def test_sample_register(sample_dir):
    ds, goals = load_dataset(sample_dir), load_goals(None)
    p = nq.propose(ds, goals, "2026-Q2", "2026-08-15")
    f = p.frame.set_index("source_goal")
    # G01 (GMV, whole business): N × T ÷ L on the dictionary's numbers up to the quarter end
    v = {k: float(compute(ds, ["gmv"], start=a, end=b)["gmv"].iloc[0]) for k, (a, b) in
         {"T": ("2026-04-01", "2026-06-30"), "L": ("2025-04-01", "2025-06-30"), "N": ("2025-07-01", "2025-09-30")}.items()}
    assert f.loc["G01", "proposed"] == pytest.approx(v["N"] * v["T"] / v["L"])
    assert f.loc["G02", "owner"] == "陈静"                      # G02 (Q3) rather than G11 (Q2) for 直播 GMV
    assert set(p.skipped["goal_id"]) == {"G07"}
    assert f["forecast"].notna().all() and ((f["probability"] >= 0) & (f["probability"] <= 1)).all()
    assert (p.frame["period"] == "2026-Q3").all()
