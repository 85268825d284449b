"""A/B tests (attain.experiments): textbook values, hand-computed z-tests, Holm, verdicts, the YAML checks,
period selection, words in zh and en, the chart and the sample file."""

from __future__ import annotations

import math
import textwrap
from unittest import mock

import pytest
from attain import display, style
from attain import experiments as ex
from attain import experiments_view as exv
from attain.errors import AttainError

# --- textbook values ---------------------------------------------------------------------------


def test_z_statistic_of_the_binge_drinking_example():
    # Moore, McCabe & Craig, "Introduction to the Practice of Statistics", §8.2 (two proportions), the
    # binge-drinking example (Wechsler et al.): men 1,630 of 7,180, women 1,684 of 9,916.
    # The book: pooled p̂ = 3,314/17,096 = 0.194, z = 9.34, P < 0.0001; SE_D = 0.00622 and the 95 % interval
    # of the difference D = 0.057 is (0.045, 0.069).
    r = ex.compare(1630, 7180, 1684, 9916)
    assert r["z"] == pytest.approx(9.34, abs=0.005)
    assert r["p_value"] < 0.0001
    assert r["diff"] == pytest.approx(0.057, abs=0.0005)
    # the book's interval is the Wald one; with samples this large Newcombe's interval agrees to 3 decimals
    assert (round(r["diff_lo"], 3), round(r["diff_hi"], 3)) == (0.045, 0.069)


@pytest.mark.parametrize("x1, n1, x2, n2, lo, hi", [
    (56, 70, 48, 80, 0.0524, 0.3339),   # Newcombe (1998), Stat Med 17:873-890, Table II, example (a), method 10
    (9, 10, 3, 10, 0.1705, 0.8090),     # ... example (b), method 10
])
def test_difference_interval_matches_newcombe_1998(x1, n1, x2, n2, lo, hi):
    r = ex.compare(x1, n1, x2, n2)
    assert (round(r["diff_lo"], 4), round(r["diff_hi"], 4)) == (lo, hi)


def test_ratio_interval_of_the_aspirin_example():
    # Agresti, "Categorical Data Analysis" (2nd ed.), §2.2 (Physicians' Health Study): myocardial infarction
    # 189 of 11,034 on placebo, 104 of 11,037 on aspirin; relative risk 0.0171/0.0094 = 1.82 with 95 % CI
    # (1.43, 2.30). As an uplift of placebo over aspirin: +82 % (+43 % … +130 %). The book works from the
    # rounded proportions, so its upper limit may differ by 0.01 from the unrounded 2.306.
    r = ex.compare(189, 11034, 104, 11037)
    assert r["uplift"] == pytest.approx(0.82, abs=0.005)
    assert 1 + r["uplift_lo"] == pytest.approx(1.43, abs=0.005)
    assert 1 + r["uplift_hi"] == pytest.approx(2.30, abs=0.01)


# --- hand-computed z-tests ---------------------------------------------------------------------

def test_hand_computed_z_small_numbers():
    # 3/10 vs 5/10: p = 8/20 = 0.4; z = (0.3 − 0.5) / √(0.4·0.6·(1/10 + 1/10)) = −0.2/√0.048 = −0.91287;
    # two-sided p = 2·Φ(−0.91287) ≈ 2·0.1807 = 0.3613 (normal table: Φ(0.91) = 0.8186, Φ(0.92) = 0.8212)
    r = ex.compare(3, 10, 5, 10)
    assert r["z"] == pytest.approx(-0.2 / math.sqrt(0.048), abs=1e-9)
    assert r["p_value"] == pytest.approx(0.361, abs=0.001)
    assert r["diff"] == pytest.approx(-0.2) and r["uplift"] == pytest.approx(-0.4)   # 0.3/0.5 − 1


def test_hand_computed_z_and_relative_uplift():
    # 30/100 vs 20/100: p = 0.25; z = 0.1/√(0.25·0.75·0.02) = 0.1/0.0612372 = 1.63299; p = 2(1 − Φ(1.633)) ≈ 0.1025.
    # Ratio 1.5; log-ratio SE = √(1/30 − 1/100 + 1/20 − 1/100) = √0.063333 = 0.251661;
    # 1.5·exp(±1.95996·0.251661) = (0.91596, 2.45644) -> uplift −8.4 % … +145.6 %.
    r = ex.compare(30, 100, 20, 100)
    assert r["z"] == pytest.approx(1.63299, abs=1e-5)
    assert r["p_value"] == pytest.approx(0.1025, abs=0.0005)
    assert r["uplift"] == pytest.approx(0.5)
    assert r["uplift_lo"] == pytest.approx(-0.08404, abs=5e-5) and r["uplift_hi"] == pytest.approx(1.45644, abs=5e-5)


def test_no_variation_at_all_is_inconclusive():
    # nobody converted in either arm: nothing to test (z = 0, p = 1); no relative uplift (0 ÷ 0)
    r = ex.compare(0, 500, 0, 500)
    assert (r["z"], r["p_value"]) == (0.0, 1.0)
    assert math.isnan(r["uplift"]) and math.isnan(r["uplift_lo"])
    assert r["diff_lo"] < 0 < r["diff_hi"]


def test_control_without_successes_is_said_in_points(tmp_path):
    # 6/200 vs 0/200: no relative uplift (÷ 0); the sentence gives the difference, 3.00 percentage points
    folder = write(tmp_path, TWO_ARMS.replace("exposures: 100, conversions: 20", "exposures: 200, conversions: 0")
                   .replace("exposures: 100, conversions: 30", "exposures: 200, conversions: 6"))
    row = ex.treatments(ex.analyse(ex.load_experiments(folder))).iloc[0]
    assert math.isnan(row["uplift"]) and row["diff"] == pytest.approx(0.03)
    assert exv.sentence(row, "zh").startswith("新版转化率比旧版高3.00个百分点（95%置信区间 +")


# --- experiments from a file ---------------------------------------------------------------------

def write(tmp_path, body: str):
    (tmp_path / "experiments.yaml").write_text("experiments:\n" + textwrap.indent(textwrap.dedent(body), "  "),
                                               encoding="utf-8")
    return tmp_path


TWO_ARMS = """\
- id: T1
  name: {zh: 海报测试, en: Poster test}
  start: 2026-04-10
  end: 2026-04-30
  metric: conversion
  owner: 王芳
  variants:
    - {name: {zh: 旧版, en: Old}, exposures: 100, conversions: 20}
    - {name: {zh: 新版, en: New}, exposures: 100, conversions: 30}
  control: 旧版
"""

# control 200/1000; A 240/1000 (z = 0.04/√(0.22·0.78·0.002) = 2.159, p = 0.0308);
# B 238/1000 (z = 0.038/√(0.219·0.781·0.002) = 2.0546, p = 0.0399).
# Holm: the smaller p × 2 = 0.0617; the larger max(0.0617, 0.0399 × 1) = 0.0617 -> neither below 0.05.
THREE_ARMS = """\
- id: T2
  name: 优惠券测试
  period: 2026-Q3
  metric: conversion
  variants:
    - {name: 无券, exposures: 1000, conversions: 200}
    - {name: A券, exposures: 1000, conversions: 240}
    - {name: B券, exposures: 1000, conversions: 238}
  control: 无券
"""


def test_analyse_two_arms_inconclusive_with_words(tmp_path):
    res = ex.analyse(ex.load_experiments(write(tmp_path, TWO_ARMS)), "2026-Q2")
    assert list(res["variant_zh"]) == ["旧版", "新版"] and list(res["verdict"]) == ["control", "inconclusive"]
    t = res.iloc[1]
    assert t["z"] == pytest.approx(1.63299, abs=1e-5) and not t["significant"]
    assert t["p_adjusted"] == t["p_value"]                           # one treatment: nothing to adjust
    assert exv.sentence(t, "zh") == "新版转化率比旧版高50.0%（95%置信区间 -8.4%~+145.6%，p=0.10）：差异不显著，暂无胜者"
    assert exv.sentence(t, "en") == ("New: conversion rate 50.0% above Old (95% CI -8.4% to +145.6%, p=0.10): "
                                    "no significant difference (inconclusive)")
    assert exv.finding(res, "zh") == ("2026年第2季度共1项A/B测试、1个实验组：0个胜出，0个落败，1个差异不显著。"
                                     "没有实验组显著优于对照组。")
    assert exv.finding(res, "en") == ("Q2 2026: 1 A/B test with 1 treatment: 0 won, 0 lost, 1 inconclusive. "
                                     "No treatment beat its control.")


def test_holm_adjustment_turns_two_marginal_winners_inconclusive(tmp_path):
    res = ex.analyse(ex.load_experiments(write(tmp_path, THREE_ARMS)))
    t = res[~res["is_control"]]
    assert list(t["p_value"].round(4)) == [0.0308, 0.0399]
    assert list(t["p_adjusted"].round(4)) == [0.0617, 0.0617]
    assert list(t["verdict"]) == ["inconclusive", "inconclusive"] and list(t["comparisons"]) == [2, 2]
    # unadjusted each would have won
    assert all(p < 0.05 for p in t["p_value"])
    assert "Holm校正后p=0.062" in exv.sentence(t.iloc[0], "zh")


def test_winner_and_loser(tmp_path):
    # 45 vs 20 of 100: p = 65/200 = 0.325; z = 0.25/√(0.325·0.675·0.02) = 0.25/√0.0043875 = 0.25/0.066238 = 3.7743
    body = TWO_ARMS.replace("conversions: 30", "conversions: 45")
    res = ex.analyse(ex.load_experiments(write(tmp_path, body)))
    assert res.iloc[1]["verdict"] == "winner" and res.iloc[1]["z"] == pytest.approx(3.7743, abs=1e-4)
    # 4 vs 20: p = 0.12, z = −0.16/√(0.12·0.88·0.02) = −3.4815; only 4 conversions: small counts flagged
    body = TWO_ARMS.replace("conversions: 30", "conversions: 4")
    res = ex.analyse(ex.load_experiments(write(tmp_path, body)))
    assert res.iloc[1]["verdict"] == "loser" and res.iloc[1]["z"] == pytest.approx(-3.4815, abs=1e-4)
    assert res.iloc[1]["small_counts"] and not res.iloc[0]["small_counts"]


def test_period_selection(tmp_path):
    folder = write(tmp_path, TWO_ARMS + THREE_ARMS + """\
- id: T3
  name: 跨季度测试
  start: 2026-06-20
  end: 2026-07-10
  metric: click_through
  variants:
    - {name: a, exposures: 10, clicks: 1}
    - {name: b, exposures: 10, clicks: 2}
  control: a
""")
    found = ex.load_experiments(folder)
    assert sorted(ex.analyse(found, "2026-Q2")["experiment"].unique()) == ["T1", "T3"]
    assert sorted(ex.analyse(found, "2026-Q3")["experiment"].unique()) == ["T2", "T3"]
    assert ex.analyse(found, "2026-05").empty
    assert ex.analyse(found, "2026-04")["experiment"].unique().tolist() == ["T1"]


def test_missing_file_means_no_experiments(tmp_path):
    assert ex.load_experiments(tmp_path) == []
    res = ex.analyse([], "2026-Q2")
    assert res.empty and exv.finding(res, "zh") == "2026年第2季度没有记录A/B测试。"
    out = render(exv.show, res, "en")
    assert "No A/B tests are recorded for Q2 2026." in out and "experiments.yaml" in out


# --- file errors name the file, the experiment and the field -------------------------------------

@pytest.mark.parametrize("change, field, words", [
    (("conversions: 30", "conversions: 130"), "variants[2].conversions", "more than the variant's exposures"),
    (("control: 旧版", "control: 原版"), "control", "not one of the variants"),
    (("    - {name: {zh: 新版, en: New}, exposures: 100, conversions: 30}\n", ""), "variants", "at least 2 variants"),
    (("conversions: 30}", "}"), "variants[2].conversions", "'conversions' is missing"),
    (("metric: conversion", "metric: ctr"), "metric", "conversion"),
    (("start: 2026-04-10", "start: 2026-04-10\n  period: 2026-Q2"), "period", "not both"),
    (("end: 2026-04-30", "end: 2026-04-01"), "end", "before start"),
    (("exposures: 100, conversions: 20", "exposures: 100, conversions: 20, clicks: 3"), "variants[1]", "not both"),
])
def test_errors_name_file_experiment_and_field(tmp_path, change, field, words):
    folder = write(tmp_path, TWO_ARMS.replace(*change))
    with pytest.raises(AttainError) as err:
        ex.load_experiments(folder)
    e = err.value
    assert e.file.endswith("experiments.yaml") and e.where.startswith("experiment T1") and e.where.endswith(field)
    assert words in e.message


def test_duplicate_ids_and_bad_yaml(tmp_path):
    with pytest.raises(AttainError, match="used twice"):
        ex.load_experiments(write(tmp_path, TWO_ARMS + TWO_ARMS))
    (tmp_path / "experiments.yaml").write_text("experiments:\n  - id: [\n", encoding="utf-8")
    with pytest.raises(AttainError, match="not valid YAML"):
        ex.load_experiments(tmp_path)


# --- display -------------------------------------------------------------------------------------

def render(fn, *args, **kw) -> str:
    captured = []
    with mock.patch.object(display, "_display", captured.append):
        fn(*args, **kw)
    return "\n".join(str(getattr(o, "data", o)) for o in captured)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_and_show(tmp_path, lang):
    style.apply(lang)
    res = ex.analyse(ex.load_experiments(write(tmp_path, THREE_ARMS)))
    table = exv.experiment_table(res, "T2", lang)
    assert table.iloc[:, 0].tolist() == (["无券（对照）", "A券", "B券"] if lang == "zh"
                                         else ["无券 (control)", "A券", "B券"])
    assert table.iloc[1, 1:4].tolist() == ["1,000", "240", "24.00%"]
    # A: +20.0 % (1.2·exp(±1.96·√(1/240 − 1/1000 + 1/200 − 1/1000)) − 1 = +1.7 % … +41.7 %); diff +4.00 pp
    assert table.iloc[1, 4] == ("+20.0%（+1.7%~+41.7%）" if lang == "zh" else "+20.0% (+1.7% to +41.7%)")
    assert table.iloc[1, 5].startswith("+4.00个百分点" if lang == "zh" else "+4.00 pp")
    assert table.iloc[1, 7] == ("差异不显著" if lang == "zh" else "Inconclusive")
    out = render(exv.show, res, lang, as_of="2026-08-15")
    assert "<img" in out and ("Holm" in out)


def test_plan_texts_are_escaped(tmp_path):
    style.apply("zh")
    body = TWO_ARMS.replace("{zh: 海报测试, en: Poster test}", "'<b>海报</b>'").replace("{zh: 新版, en: New}",
                                                                                      "'<i>x</i>'")
    out = render(exv.show, ex.analyse(ex.load_experiments(write(tmp_path, body))), "zh")
    assert "<b>海报" not in out and "&lt;b&gt;海报" in out and "<i>x" not in out and "&lt;i&gt;x" in out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_renders_without_missing_glyphs(tmp_path, lang):
    style.apply(lang)
    res = ex.analyse(ex.load_experiments(write(tmp_path, TWO_ARMS + THREE_ARMS)))
    fig = exv.uplift_chart(res, lang, as_of="2026-08-15")
    fig.canvas.draw()                              # "Glyph ... missing" warnings are errors (pyproject)
    ax = fig.axes[0]
    assert (ax.get_title(loc="left") or ax.get_title()) == ("A/B测试：各实验组相对对照组的提升（95%置信区间）" if lang == "zh"
                              else "A/B tests: uplift of each treatment over its control (95% CI)")
    assert len(ax.get_yticklabels()) == 3           # three treatments
    assert any("experiments.yaml" in t.get_text() for t in fig.texts)   # the source line
    assert exv.uplift_chart(ex.analyse([]), lang) is None


# --- the sample ----------------------------------------------------------------------------------

def test_sample_file():
    found = ex.load_experiments("data/plan")
    res = ex.analyse(found, "2026-Q2")
    assert res["experiment"].unique().tolist() == ["E2026-01", "E2026-02", "E2026-03"]
    poster = res[(res["experiment"] == "E2026-01") & ~res["is_control"]].iloc[0]
    # 903/48,035 = 1.880 % vs 724/48,210 = 1.502 %: +25.2 %
    assert poster["verdict"] == "winner" and poster["uplift"] == pytest.approx(0.2518, abs=5e-4)
    checkout = res[(res["experiment"] == "E2026-02") & ~res["is_control"]].iloc[0]
    assert checkout["verdict"] == "inconclusive"
    assert exv.finding(res, "zh").startswith("2026年第2季度共3项A/B测试、4个实验组：2个胜出，0个落败，2个差异不显著。")
