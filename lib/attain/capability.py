"""Capability maturity (能力成熟度): the team's self-assessment held against indicators from the data.

``data/plan/capabilities.yaml`` grades six capabilities basic / growing / leading (基础/成长/领先).
Each capability has data indicators (``INDICATORS``, the one mapping), measured over the recent
period (the last ``min(lookback_months, 12)`` full months) against the same months a year earlier:

- a *change* indicator is a dictionary metric's relative change (recent ÷ base − 1);
- a *share* indicator is the change, in share points, of some channels' part of a total;
- *lag* and *coverage* describe the data themselves (freshness, tables present).

口径 of the indicators (all from ``attain.metrics``, ratios of summed parts over the period):
brand = 自然搜索's share of GMV (orders) and of UV (traffic), a proxy for brand demand; acquisition =
CAC (spend ÷ new buyers) and new buyers (first order in the whole data falls in the period, so the
first months of a data set overstate them); content = GMV of 短视频/直播/KOL and its share; CRM =
repurchase rate (buyers with ≥ 2 orders in the period ÷ buyers in the period); conversion = orders
÷ UV; data analysis = the longest lag between a table's last date and ``as_of`` (freshness) and the
number of contract tables present (completeness).

Each gets a direction (improving / stable / worsening, or good / fair / poor for the data states)
by the thresholds of ``CapabilityRules``, and each capability a verdict against its self-assessed
level (``VERDICTS``): supports / contradicts / neutral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from attain import display, i18n, paths, style, viz
from attain.contract import TABLES
from attain.errors import AttainError
from attain.metrics import METRICS, compute
from attain.swot import periods, read_plan_yaml
from attain.timegrain import month_end, month_start, parse_date

PLAN_FILE = "capabilities.yaml"
LEVELS = ("basic", "growing", "leading")                       # drawn as 1, 2, 3
LEVEL_WORDS = {"基础": "basic", "成长": "growing", "领先": "leading"}
CAPABILITIES = ("brand", "acquisition", "content", "data_analysis", "crm", "conversion")
CONTENT_CHANNELS = ("短视频", "直播", "KOL")
BRAND_CHANNELS = ("自然搜索",)


@dataclass(frozen=True)
class CapabilityRules:
    """The thresholds that turn an indicator into a direction."""
    #: a change indicator moves when its relative change is beyond ±this (0.05 = ±5 %), in the metric's better direction
    change: float = 0.05
    #: a share indicator moves when its share changes by more than ±this (0.01 = ±1 pp)
    share_pp: float = 0.01
    #: data freshness: the oldest table's last date at most this many days before as_of is good, then fair
    fresh_days: tuple[int, int] = (3, 14)
    #: data completeness: this many contract tables missing or fewer is good, then fair (more is poor)
    missing_tables: tuple[int, int] = (0, 1)


@dataclass(frozen=True)
class Indicator:
    capability: str
    id: str
    kind: str                         # change | share | lag | coverage
    metric: str | None = None         # dictionary metric (share: the summed value, e.g. gmv or uv)
    channels: tuple[str, ...] = ()    # channel filter (change) or the channels whose share is taken (share)


#: capability -> its data indicators; the ONE place that maps capabilities to the metric dictionary
INDICATORS = (
    Indicator("brand", "brand_gmv_share", "share", "gmv", BRAND_CHANNELS),        # natural search = brand demand
    Indicator("brand", "brand_uv_share", "share", "uv", BRAND_CHANNELS),
    Indicator("acquisition", "cac", "change", "cac"),
    Indicator("acquisition", "new_buyers", "change", "new_buyers"),
    Indicator("content", "content_gmv_share", "share", "gmv", CONTENT_CHANNELS),
    Indicator("content", "content_gmv", "change", "gmv", CONTENT_CHANNELS),
    Indicator("crm", "repurchase_rate", "change", "repurchase_rate"),
    Indicator("conversion", "conversion_rate", "change", "conversion_rate"),
    Indicator("data_analysis", "freshness", "lag"),
    Indicator("data_analysis", "completeness", "coverage"),
)
POLARITY = {"improving": 1, "good": 1, "stable": 0, "fair": 0, "worsening": -1, "poor": -1}
#: (self-assessed level, evidence) -> verdict; evidence: positive (some improving, none worsening), negative,
#: mixed (both), flat (all stable), none (no indicator measured). "leading" with anything worsening contradicts.
VERDICTS = {
    "leading": {"positive": "supports", "negative": "contradicts", "mixed": "contradicts", "flat": "neutral"},
    "growing": {"positive": "supports", "negative": "contradicts", "mixed": "neutral", "flat": "neutral"},
    "basic": {"positive": "contradicts", "negative": "supports", "mixed": "neutral", "flat": "neutral"},
}
VERDICT_COLORS = {"supports": style.STATUS_COLORS["on_track"], "contradicts": style.STATUS_COLORS["off_track"],
                  "neutral": style.STATUS_COLORS["no_data"]}


@dataclass
class CapabilityPlan:
    assessment: pd.DataFrame          # capability, level, note_zh, note_en (file order)
    file: Path
    missing: bool = False


@dataclass
class CapabilityResult:
    indicators: pd.DataFrame          # capability, indicator, kind, metric, recent, base, change, direction,
    #                                   reason (why no data: 'no_table:spend'), detail (tables behind lag/coverage)
    verdicts: pd.DataFrame            # capability, level, note_zh, note_en, evidence, verdict
    period: tuple[str, str]
    as_of: object
    rules: CapabilityRules
    plan_file: Path | None = None
    plan_missing: bool = False


# --- pure rules ----------------------------------------------------------------------------------

def direction(kind: str, change: float, better: str = "higher", rules: CapabilityRules = CapabilityRules()) -> str:
    """Direction of a change (``change``/``share`` kinds; a value exactly at the threshold is stable) or a state.

    ``lag``: ``change`` is the lag in days; ``coverage``: the number of missing contract tables.
    """
    if change is None or (isinstance(change, float) and math.isnan(change)):
        return "no_data"
    if kind in ("lag", "coverage"):
        good, fair = rules.fresh_days if kind == "lag" else rules.missing_tables
        return "good" if change <= good else "fair" if change <= fair else "poor"
    limit = rules.share_pp if kind == "share" else rules.change
    signed = change if better == "higher" else -change
    return "improving" if signed > limit + 1e-12 else "worsening" if signed < -limit - 1e-12 else "stable"


def evidence(directions) -> str:
    """positive / negative / mixed / flat / none from the directions of a capability's indicators."""
    signs = [POLARITY[d] for d in directions if d in POLARITY]
    if not signs:
        return "none"
    up, down = any(s > 0 for s in signs), any(s < 0 for s in signs)
    return "mixed" if up and down else "positive" if up else "negative" if down else "flat"


def verdict(level: str, ev: str) -> str:
    return VERDICTS[level].get(ev, "neutral")


def judge(assessment: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per assessed capability: its level, the evidence of its indicators and the verdict."""
    out = assessment.copy()
    dirs = indicators.groupby("capability")["direction"].apply(list)
    out["evidence"] = [evidence(dirs.get(c, [])) for c in out["capability"]]
    out["verdict"] = [verdict(lv, ev) for lv, ev in zip(out["level"], out["evidence"])]
    return out.reset_index(drop=True)


# --- measuring the indicators ---------------------------------------------------------------------

def _total(ds, metric: str, months, channels=()) -> float:
    where = {"channel": list(channels)} if channels else None
    row = compute(ds, [metric], start=month_start(months[0]), end=month_end(months[-1]), where=where)
    return float(row[metric].iloc[0]) if len(row) else math.nan


def _share(ds, metric: str, months, channels) -> float:
    frame = compute(ds, [metric], by=["channel"], start=month_start(months[0]), end=month_end(months[-1]))
    total = frame[metric].sum()
    return float(frame.loc[frame["channel"].isin(channels), metric].sum() / total) if total > 0 else math.nan


def _tables_of(ind: Indicator) -> list[str]:
    from attain.metric_defs import PARTS
    if ind.metric is None:
        return []
    return sorted({"orders" if PARTS[p].table == "first_orders" else PARTS[p].table for p in METRICS[ind.metric].parts})


def _measure(ds, ind: Indicator, recent, base, has_base: bool, as_of, rules: CapabilityRules) -> dict:
    row = {"capability": ind.capability, "indicator": ind.id, "kind": ind.kind, "metric": ind.metric,
           "recent": math.nan, "base": math.nan, "change": math.nan, "reason": None, "detail": None}
    if ind.kind == "lag":
        lags = {n: (as_of - ds.date_range(n)[1]).days for n in ds.tables}
        worst = max(lags, key=lags.get)
        row.update(recent=max(lags[worst], 0), change=max(lags[worst], 0), detail=worst)
    elif ind.kind == "coverage":
        missing = [n for n in TABLES if not ds.has_table(n)]
        row.update(recent=len(TABLES) - len(missing), base=len(TABLES), change=len(missing),
                   detail=", ".join(missing) or None)
    elif absent := [t for t in _tables_of(ind) if not ds.has_table(t)]:
        row["reason"] = f"no_table:{absent[0]}"
    elif not has_base:
        row["reason"] = f"short_history:{month_start(base[0]).isoformat()}"
    elif ind.kind == "share":
        cur, old = _share(ds, ind.metric, recent, ind.channels), _share(ds, ind.metric, base, ind.channels)
        row.update(recent=cur, base=old, change=cur - old)
    else:
        cur, old = _total(ds, ind.metric, recent, ind.channels), _total(ds, ind.metric, base, ind.channels)
        row.update(recent=cur, base=old, change=cur / old - 1 if old > 0 else math.nan)
    better = "higher" if ind.kind == "share" or ind.metric is None else METRICS[ind.metric].direction
    row["direction"] = direction(ind.kind, row["change"], better, rules)
    return row


def measure(ds, as_of, lookback_months: int = 12, rules: CapabilityRules = CapabilityRules()) -> pd.DataFrame:
    """Every indicator of ``INDICATORS`` (recent period vs a year earlier), one row each."""
    day = parse_date(as_of, "as_of")
    recent, base, _ = periods(day, lookback_months)
    has_base = month_start(base[0]) >= ds.date_range("orders")[0]
    return pd.DataFrame([_measure(ds, ind, recent, base, has_base, day, rules) for ind in INDICATORS])


# --- the plan file -------------------------------------------------------------------------------

_LEVEL_HINT = "use one of: basic (基础), growing (成长), leading (领先)"


def _level(path: Path, cap: str, value) -> str:
    text = str(value).strip() if isinstance(value, str) else value
    level = LEVEL_WORDS.get(text, text.lower() if isinstance(text, str) else text)
    if level not in LEVELS:
        raise AttainError(f"unknown level {value!r} for capability '{cap}'", file=path,
                          where=f"capabilities.{cap}.level", hint=_LEVEL_HINT)
    return level


def _row(path: Path, cap: str, entry) -> dict:
    if not isinstance(entry, dict):
        entry = {"level": entry}
    unknown = [k for k in entry if k not in ("level", "note", "note_zh", "note_en")]
    if unknown:
        raise AttainError(f"unknown key '{unknown[0]}' for capability '{cap}'", file=path, where=f"capabilities.{cap}",
                          hint="each capability has level and note (or note_zh and note_en)")
    if entry.get("level") is None:
        raise AttainError(f"capability '{cap}' has no level", file=path, where=f"capabilities.{cap}", hint=_LEVEL_HINT)
    notes = {k: entry.get(k) for k in ("note", "note_zh", "note_en")}
    if any(v is not None and not isinstance(v, str) for v in notes.values()):
        raise AttainError(f"the note of capability '{cap}' must be a text", file=path, where=f"capabilities.{cap}",
                          hint="quote the note if it starts with a special character")
    zh, en = notes["note_zh"] or notes["note"] or "", notes["note_en"] or notes["note"] or ""
    return {"capability": cap, "level": _level(path, cap, entry["level"]), "note_zh": zh.strip(), "note_en": en.strip()}


def load_capabilities(plan_dir) -> CapabilityPlan:
    """The self-assessment in ``<plan_dir>/capabilities.yaml`` (a missing file: empty, ``missing=True``).

    A malformed file raises ``AttainError`` naming the file, the capability and what to do.
    """
    path = paths.resolve(plan_dir) / PLAN_FILE
    empty = pd.DataFrame(columns=["capability", "level", "note_zh", "note_en"])
    if not path.is_file():
        return CapabilityPlan(empty, path, missing=True)
    doc = read_plan_yaml(path)
    caps = doc.get("capabilities") if isinstance(doc, dict) else None
    if not isinstance(caps, dict) or (isinstance(doc, dict) and set(doc) - {"capabilities"}):
        raise AttainError("expected one key 'capabilities' mapping each capability to its level and note", file=path,
                          hint="e.g. capabilities: {brand: {level: growing, note: ...}}")
    for cap in caps:
        if cap not in CAPABILITIES:
            raise AttainError(f"unknown capability '{cap}'", file=path, where=f"capabilities.{cap}",
                              hint=f"use one of: {', '.join(CAPABILITIES)}")
    rows = [_row(path, cap, entry) for cap, entry in caps.items()]
    return CapabilityPlan(pd.DataFrame(rows) if rows else empty, path)


def analyse(ds, as_of, lookback_months: int = 12, plan_dir="data/plan",
            rules: CapabilityRules = CapabilityRules()) -> CapabilityResult:
    """Load the self-assessment, measure the indicators, and judge each capability."""
    plan = load_capabilities(plan_dir)
    indicators = measure(ds, as_of, lookback_months, rules)
    recent, _, _ = periods(parse_date(as_of, "as_of"), lookback_months)
    return CapabilityResult(indicators, judge(plan.assessment, indicators), (recent[0], recent[-1]),
                            parse_date(as_of, "as_of"), rules, plan.file, plan.missing)


# --- words, chart, table and the notebook section --------------------------------------------------

TEXTS = {
    "section.capability": {"zh": "能力成熟度", "en": "Capability maturity"},
    "cap.brand": {"zh": "品牌", "en": "Brand"},
    "cap.acquisition": {"zh": "获客", "en": "Acquisition"},
    "cap.content": {"zh": "内容", "en": "Content"},
    "cap.data_analysis": {"zh": "数据分析", "en": "Data analysis"},
    "cap.crm": {"zh": "用户运营", "en": "CRM / user operations"},
    "cap.conversion": {"zh": "转化", "en": "Conversion"},
    "cap.level.basic": {"zh": "基础", "en": "Basic"},
    "cap.level.growing": {"zh": "成长", "en": "Growing"},
    "cap.level.leading": {"zh": "领先", "en": "Leading"},
    "cap.dir.improving": {"zh": "改善", "en": "improving"},
    "cap.dir.stable": {"zh": "持平", "en": "stable"},
    "cap.dir.worsening": {"zh": "恶化", "en": "worsening"},
    "cap.dir.good": {"zh": "良好", "en": "good"},
    "cap.dir.fair": {"zh": "一般", "en": "fair"},
    "cap.dir.poor": {"zh": "不足", "en": "poor"},
    "cap.dir.no_data": {"zh": "无数据", "en": "no data"},
    "cap.verdict.supports": {"zh": "数据支持", "en": "Supported"},
    "cap.verdict.contradicts": {"zh": "与数据矛盾", "en": "Contradicted"},
    "cap.verdict.neutral": {"zh": "无定论", "en": "Inconclusive"},
    "cap.ind.brand_gmv_share": {"zh": "自然搜索GMV占比（品牌需求）",
                                "en": "Natural-search share of GMV (brand demand)"},
    "cap.ind.brand_uv_share": {"zh": "自然搜索UV占比", "en": "Natural-search share of UV"},
    "cap.ind.content_gmv_share": {"zh": "内容渠道GMV占比（短视频、直播、KOL）",
                                  "en": "Content channels' share of GMV (短视频, 直播, KOL)"},
    "cap.ind.content_gmv": {"zh": "内容渠道GMV", "en": "Content channels' GMV"},
    "cap.ind.freshness": {"zh": "数据新鲜度（最长滞后）", "en": "Data freshness (longest lag)"},
    "cap.ind.completeness": {"zh": "数据完整度（数据表）", "en": "Data completeness (tables)"},
    "cap.days": {"zh": "{n}天（{table}）", "en": "{n} days ({table})"},
    "cap.days0": {"zh": "0天", "en": "0 days"},
    "cap.tables": {"zh": "{n}/{total}张", "en": "{n} of {total}"},
    "cap.missing_tables": {"zh": "缺少：{tables}", "en": "missing: {tables}"},
    "cap.why.no_table": {"zh": "缺少{arg}表", "en": "no {arg} table"},
    "cap.why.short_history": {"zh": "数据未覆盖{arg}起的去年同期", "en": "the data do not reach back to {arg}"},
    "cap.col.capability": {"zh": "能力", "en": "Capability"},
    "cap.col.level": {"zh": "自评", "en": "Self-assessed"},
    "cap.col.indicator": {"zh": "数据指标", "en": "Indicator"},
    "cap.col.direction": {"zh": "方向", "en": "Direction"},
    "cap.col.verdict": {"zh": "判断", "en": "Verdict"},
    "cap.col.note": {"zh": "说明", "en": "Note"},
    "cap.chart.title": {"zh": "能力成熟度：自评等级与数据判断",
                        "en": "Capability maturity: self-assessed level and what the data say"},
    "cap.counts": {"zh": "正面{up}、负面{down}", "en": "{up} positive, {down} negative"},
    "cap.chart.x": {"zh": "自评等级", "en": "Self-assessed level"},
    "cap.not_assessed": {"zh": "未自评", "en": "not assessed"},
    "cap.finding": {"zh": "能力自评{n}项：{s}项有数据支持，{c}项与数据矛盾{names}，{u}项无定论。",
                    "en": "Self-assessment of {n} capabilities: {s} supported by the data, {c} contradicted{names}, "
                          "{u} inconclusive."},
    "cap.finding.no_plan": {"zh": "尚未填写能力自评；数据指标：{i}项改善、{w}项恶化、{st}项持平。",
                            "en": "No self-assessment yet; data indicators: {i} improving, {w} worsening, {st} "
                                  "stable."},
    "cap.no_plan": {"zh": "未找到能力自评文件 {file}。新建该文件，在 capabilities: 下为 {caps} 各写 "
                          "level（basic/growing/leading 或 基础/成长/领先）和 note，例如 acquisition: {{level: "
                          "growing, note: 新客成本可控}}。",
                    "en": "No self-assessment file at {file}. Create it with, under capabilities:, a level "
                          "(basic/growing/leading) and a note for each of {caps}, e.g. acquisition: {{level: "
                          "growing, note: CAC under control}}."},
    "cap.rules": {"zh": "口径：{span}对比去年同期。比率与数量类指标变化超过±{change}为改善/恶化（获客成本越低越好）"
                        "，占比类变化超过±{pp}个百分点；数据滞后≤{fresh_good}天为良好、≤{fresh_fair}天为一般；"
                        "数据表齐全为良好、缺{miss_fair}张为一般。判断：“领先”有指标恶化即矛盾，"
                        "有改善且无恶化为支持；“成长”有改善无恶化为支持，有恶化无改善为矛盾；"
                        "“基础”有恶化无改善为支持，有改善无恶化为矛盾；其余无定论。",
                  "en": "Basis: {span} vs the same months a year earlier. Rates and counts move when they change by "
                        "more than ±{change} (lower CAC is better), shares by more than ±{pp} pp; a data lag of ≤ "
                        "{fresh_good} days is good, ≤ {fresh_fair} fair; all tables present is good, {miss_fair} "
                        "missing fair. Verdict: 'leading' is contradicted by any worsening indicator and supported "
                        "by improvement without worsening; 'growing' is supported by improvement without worsening, "
                        "contradicted by worsening without improvement; 'basic' is supported by worsening without "
                        "improvement, contradicted by improvement without worsening; otherwise inconclusive."},
}
i18n.register(TEXTS)


def indicator_name(ind_id: str, metric: str | None, lang: str) -> str:
    """Own text for derived indicators; the metric dictionary's name for metric trends."""
    key = f"cap.ind.{ind_id}"
    return i18n.t(key, lang) if key in i18n.STRINGS else i18n.metric_name(metric, lang)


def _value(row, which: str, lang: str) -> str:
    v = row[which]
    if i18n.is_missing(v):
        return i18n.MISSING
    if row["kind"] == "share":
        return i18n.fmt_pct(v)
    if row["kind"] == "lag":
        if which != "recent":
            return i18n.MISSING
        return i18n.t("cap.days", lang, n=int(v), table=row["detail"]) if v > 0 else i18n.t("cap.days0", lang)
    if row["kind"] == "coverage":
        if which != "recent":
            return i18n.MISSING
        return i18n.t("cap.tables", lang, n=int(row["recent"]), total=int(row["base"]))
    return i18n.fmt_value(v, i18n.metric_unit(row["metric"]), lang)


def _change(row, lang: str) -> str:
    if row["kind"] == "share":
        return i18n.fmt_pp(row["change"], lang)
    if row["kind"] == "change":
        return i18n.fmt_growth(row["change"])
    if row["kind"] == "coverage" and isinstance(row["detail"], str):
        return i18n.t("cap.missing_tables", lang, tables=row["detail"])
    return i18n.MISSING


def _direction(row, lang: str) -> str:
    text = i18n.t(f"cap.dir.{row['direction']}", lang)
    if isinstance(row["reason"], str):
        code, _, arg = row["reason"].partition(":")
        why = i18n.t(f"cap.why.{code}", lang, arg=arg)
        text += f"（{why}）" if lang == "zh" else f" ({why})"
    return text


def indicator_table(result: CapabilityResult, lang: str) -> pd.DataFrame:
    """Capability, self-assessed level, verdict, and each indicator with its values and direction."""
    judged = result.verdicts.set_index("capability")
    rows = []
    for _, r in result.indicators.iterrows():
        cap = r["capability"]
        level = judged["level"].get(cap)
        rows.append({
            i18n.t("cap.col.capability", lang): i18n.t(f"cap.{cap}", lang),
            i18n.t("cap.col.level", lang): i18n.t(f"cap.level.{level}" if level else "cap.not_assessed", lang),
            i18n.t("cap.col.verdict", lang): i18n.t(f"cap.verdict.{judged['verdict'][cap]}", lang)
            if level else i18n.MISSING,
            i18n.t("cap.col.indicator", lang): indicator_name(r["indicator"], r["metric"], lang),
            i18n.t("col.current", lang): _value(r, "recent", lang),
            i18n.t("col.base", lang): _value(r, "base", lang),
            i18n.t("col.change", lang): _change(r, lang),
            i18n.t("cap.col.direction", lang): _direction(r, lang),
        })
    return pd.DataFrame(rows)


def notes_table(result: CapabilityResult, lang: str) -> pd.DataFrame | None:
    """The team's notes, as written in the plan file."""
    v = result.verdicts
    notes = v["note_zh" if lang == "zh" else "note_en"]
    if v.empty or not notes.astype(bool).any():
        return None
    return pd.DataFrame({i18n.t("cap.col.capability", lang): [i18n.t(f"cap.{c}", lang) for c in v["capability"]],
                         i18n.t("cap.col.level", lang): [i18n.t(f"cap.level.{x}", lang) for x in v["level"]],
                         i18n.t("cap.col.note", lang): notes.to_list()})


def _bar_label(result: CapabilityResult, cap: str, verdict_id: str, lang: str) -> str:
    """The verdict with its evidence count, e.g. 与数据矛盾（正面1、负面1）."""
    signs = [POLARITY.get(d, 0) for d in result.indicators.loc[result.indicators["capability"] == cap, "direction"]]
    counts = i18n.t("cap.counts", lang, up=signs.count(1), down=signs.count(-1))
    return i18n.t(f"cap.verdict.{verdict_id}", lang) + (f"（{counts}）" if lang == "zh" else f" ({counts})")


def chart(result: CapabilityResult, lang: str):
    """Horizontal bars: the self-assessed level (1-3) per capability, coloured by the verdict. None without a plan."""
    v = result.verdicts
    if v.empty:
        return None
    v = v.iloc[::-1]      # first capability of the file on top
    fig, ax = viz.new_figure(height=0.5 * len(v) + 1.8)
    y = np.arange(len(v))
    levels = [LEVELS.index(x) + 1 for x in v["level"]]
    ax.barh(y, levels, color=[VERDICT_COLORS[x] for x in v["verdict"]], height=0.6)
    ax.set_yticks(y, [i18n.t(f"cap.{c}", lang) for c in v["capability"]])
    for yi, lv, cap, verdict_id in zip(y, levels, v["capability"], v["verdict"]):
        ax.text(lv + 0.04, yi, _bar_label(result, cap, verdict_id, lang), va="center", fontsize=9, color="#333333",
                zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.9})
    ax.set_xticks([1, 2, 3], [i18n.t(f"cap.level.{x}", lang) for x in LEVELS])
    ax.set_xlim(0, 4.1)
    ax.set_xlabel(i18n.t("cap.chart.x", lang))
    ax.set_title(i18n.t("cap.chart.title", lang))
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=VERDICT_COLORS[k], label=i18n.t(f"cap.verdict.{k}", lang)) for k in VERDICT_COLORS]
    fig.legend(handles=handles, loc="outside right upper")
    viz.add_source(fig, [PLAN_FILE, *result_tables(result)], result.as_of, lang,
                   i18n.fmt_month_span(*result.period, lang))
    return fig


def result_tables(result: CapabilityResult) -> list[str]:
    """The data tables the measured indicators used (those without a missing-table reason)."""
    used = result.indicators[result.indicators["reason"].isna() & result.indicators["metric"].notna()]
    return sorted({t for ind in INDICATORS if ind.id in set(used["indicator"]) for t in _tables_of(ind)})


def finding(result: CapabilityResult, lang: str) -> str:
    """One line: how many self-assessed levels the data support or contradict (and which)."""
    v = result.verdicts
    if v.empty:
        d = result.indicators["direction"].value_counts()
        return i18n.t("cap.finding.no_plan", lang, i=d.get("improving", 0), w=d.get("worsening", 0),
                      st=d.get("stable", 0))
    n = v["verdict"].value_counts()
    bad = [i18n.t(f"cap.{c}", lang) for c in v.loc[v["verdict"] == "contradicts", "capability"]]
    names = (f"（{i18n.join_list(bad, lang)}）" if lang == "zh" else f" ({i18n.join_list(bad, lang)})") if bad else ""
    return i18n.t("cap.finding", lang, n=len(v), s=n.get("supports", 0), c=n.get("contradicts", 0),
                  u=n.get("neutral", 0), names=names)


def rules_text(result: CapabilityResult, lang: str) -> str:
    r = result.rules
    return i18n.t("cap.rules", lang, span=i18n.fmt_month_span(*result.period, lang),
                  change=i18n.fmt_pct(r.change, decimals=0), pp=f"{r.share_pp * 100:g}",
                  fresh_good=r.fresh_days[0], fresh_fair=r.fresh_days[1], miss_fair=r.missing_tables[1])


def show(result: CapabilityResult, lang: str) -> None:
    """Heading, finding, the chart, the indicator table, the team's notes and the rules in words."""
    display.heading("section.capability", lang)
    display.paragraph(finding(result, lang))
    if result.plan_missing:
        display.note(i18n.t("cap.no_plan", lang, file=result.plan_file, caps=", ".join(CAPABILITIES)))
    display.figure(chart(result, lang))
    display.table(indicator_table(result, lang))
    display.table(notes_table(result, lang))
    display.note(rules_text(result, lang))
