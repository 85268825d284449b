"""SWOT in words and HTML: evidence sentences, the finding, the 2×2 grid, the rules in words.

Texts are registered with ``attain.i18n`` at import; every text from data or plan files is escaped.
"""

from __future__ import annotations

import html

from attain import display, i18n, style
from attain.swot_plan import PLAN_FILE
from attain.swot_rules import QUADRANTS, RULES, Entry, Signal, SwotResult, SwotRules

TEXTS = {
    "section.swot": {"zh": "SWOT分析", "en": "SWOT analysis"},
    "swot.q.strengths": {"zh": "优势（S）", "en": "Strengths (S)"},
    "swot.q.weaknesses": {"zh": "劣势（W）", "en": "Weaknesses (W)"},
    "swot.q.opportunities": {"zh": "机会（O）", "en": "Opportunities (O)"},
    "swot.q.threats": {"zh": "威胁（T）", "en": "Threats (T)"},
    "swot.src.analyst": {"zh": "分析师", "en": "Analyst"},
    "swot.src.data": {"zh": "数据", "en": "Data"},
    "swot.none": {"zh": "（暂无）", "en": "(none)"},
    "swot.dim.category": {"zh": "品类", "en": "category"},
    "swot.dim.region": {"zh": "区域", "en": "region"},
    "swot.title.channel_strong": {"zh": "{subject}：投产比高且GMV占比提升",
                                  "en": "{subject}: high ROAS and a growing GMV share"},
    "swot.ev.channel_strong": {"zh": "ROAS {roas}（付费渠道前{top}，不低于{cut}）；GMV占比{share}，"
                                     "较去年同期{change}",
                               "en": "ROAS {roas} (top {top} of paid channels, ≥ {cut}); GMV share {share}, "
                                     "{change} vs a year earlier"},
    "swot.title.category_gaining": {"zh": "{subject}：增速高于整体",
                                    "en": "{subject}: growing faster than the total"},
    "swot.ev.category_gaining": {"zh": "GMV同比{growth}，整体{total}；占比{share}",
                                 "en": "GMV {growth} YoY vs {total} for the total; share {share}"},
    "swot.title.category_losing": {"zh": "{subject}：GMV占比连续两个季度下降",
                                   "en": "{subject}: GMV share down two quarters running"},
    "swot.ev.category_losing": {"zh": "占比 {s0} → {s1} → {s2}（{q0}至{q2}）",
                                "en": "share {s0} → {s1} → {s2} ({q0} to {q2})"},
    "swot.title.channel_weak": {"zh": "{subject}：投产比偏低", "en": "{subject}: low ROAS"},
    "swot.ev.channel_weak": {"zh": "ROAS {roas}（付费渠道后{bottom}，不高于{cut}）",
                             "en": "ROAS {roas} (bottom {bottom} of paid channels, ≤ {cut})"},
    "swot.title.repurchase_falling": {"zh": "复购率下降", "en": "Falling repurchase rate"},
    "swot.ev.repurchase_falling": {"zh": "{q}复购率{rate}，去年同期{base_rate}（{change}）",
                                   "en": "{q}: {rate} vs {base_rate} a year earlier ({change})"},
    "swot.title.segment_fastest": {"zh": "{subject}：增长最快的{dimension}",
                                   "en": "{subject}: the fastest-growing {dimension}"},
    "swot.ev.segment_fastest": {"zh": "GMV同比{growth}，整体{total}；占比{share}",
                                "en": "GMV {growth} YoY vs {total} for the total; share {share}"},
    "swot.title.sinking_market": {"zh": "下沉市场增速高于整体", "en": "Lower-tier cities grow faster than the total"},
    "swot.ev.sinking_market": {"zh": "{regions} GMV同比{growth}，整体{total}",
                               "en": "{regions}: GMV {growth} YoY vs {total} for the total"},
    "swot.title.cac_rising": {"zh": "获客成本上升", "en": "Rising customer acquisition cost"},
    "swot.ev.cac_rising": {"zh": "{q}获客成本{cac}，去年同期{base_cac}（{yoy}）",
                           "en": "{q}: CAC {cac} vs {base_cac} a year earlier ({yoy})"},
    "swot.ev.cac_run": {"zh": "连续两个季度上升：{r0} → {r1} → {r2}",
                        "en": "up two quarters running: {r0} → {r1} → {r2}"},
    "swot.title.channel_dependence": {"zh": "依赖单一渠道：{subject}", "en": "Dependence on one channel: {subject}"},
    "swot.ev.channel_dependence": {"zh": "近期GMV的{share}来自{subject}（阈值{limit}）",
                                   "en": "{subject} brought {share} of recent GMV (threshold {limit})"},
    "swot.short.cac_rising": {"zh": "获客成本同比{yoy}", "en": "CAC {yoy} year on year"},
    "swot.short.cac_run": {"zh": "获客成本连续两个季度上升", "en": "CAC up two quarters running"},
    "swot.short.channel_dependence": {"zh": "{subject}占GMV的{share}", "en": "{subject} brings {share} of GMV"},
    "swot.finding": {"zh": "数据信号：{s}项优势、{w}项劣势、{o}个机会、{t}个威胁",
                     "en": "Data signals: {s} strength{s_pl}, {w} weakness{w_pl}, {o} opportunit{o_pl}, {t} "
                           "threat{t_pl}"},
    "swot.finding.threat": {"zh": "；最大威胁：{threat}", "en": "; biggest threat: {threat}"},
    "swot.finding.no_threat": {"zh": "；数据未显示威胁", "en": "; no threat in the data"},
    "swot.rules.head": {"zh": "数据信号的规则与阈值", "en": "Rules and thresholds of the data signals"},
    "swot.rule.channel_strong": {"zh": "优势·渠道：付费渠道中ROAS处于前{top}（不低于第{p_hi}百分位数）"
                                       "且GMV占比较去年同期提升超过{gain}个百分点",
                                 "en": "Strength · channel: a paid channel with ROAS in the top {top} (at or above "
                                       "the {p_hi}th percentile) whose GMV share grew by more than {gain} pp vs a "
                                       "year earlier"},
    "swot.rule.category_gaining": {"zh": "优势·品类：占比不低于{min_share}、"
                                         "GMV同比增速比整体高出至少{lead}个百分点的品类",
                                   "en": "Strength · category: a category with at least {min_share} of GMV whose "
                                         "growth beats the total's by at least {lead} points"},
    "swot.rule.category_losing": {"zh": "劣势·品类：最近两次季度环比中GMV占比均下降（每次降幅超过{fall}个百分点）",
                                  "en": "Weakness · category: GMV share fell (by more than {fall} pp) in each of "
                                        "the last two quarter-on-quarter steps"},
    "swot.rule.channel_weak": {"zh": "劣势·渠道：付费渠道中ROAS处于后{bottom}（不高于第{p_lo}百分位数）；"
                                     "至少{n}个付费渠道时才比较",
                               "en": "Weakness · channel: a paid channel with ROAS in the bottom {bottom} (at or "
                                     "below the {p_lo}th percentile); compared only with at least {n} paid channels"},
    "swot.rule.repurchase_falling": {"zh": "劣势·复购：最近完整季度的复购率比去年同季度低至少{drop}个百分点",
                                     "en": "Weakness · repurchase: the last full quarter's repurchase rate is at "
                                           "least {drop} pp below the same quarter a year earlier"},
    "swot.rule.segment_fastest": {"zh": "机会·细分市场：品类、区域各取一个占比不低于{min_share}、"
                                        "增速最快且比整体高出至少{lead}个百分点的细分市场",
                                  "en": "Opportunity · segment: per dimension (category, region) the "
                                        "fastest-growing segment with at least {min_share} of GMV, if it beats the "
                                        "total's growth by at least {lead} points"},
    "swot.rule.category_losing.any": {"zh": "劣势·品类：最近两次季度环比中GMV占比均下降",
                                      "en": "Weakness · category: GMV share fell in each of the last two "
                                            "quarter-on-quarter steps"},
    "swot.rule.sinking_market.any": {"zh": "机会·下沉市场：{regions}的GMV同比增速高于整体",
                                     "en": "Opportunity · lower-tier cities: {regions} grow faster than the total"},
    "swot.rule.sinking_market": {"zh": "机会·下沉市场：{regions}的GMV同比增速比整体高出超过{slead}个百分点",
                                 "en": "Opportunity · lower-tier cities: {regions} grow faster than the total by "
                                       "more than {slead} points"},
    "swot.rule.cac_rising": {"zh": "威胁·获客成本：最近完整季度的获客成本比去年同季度高至少{rise}，"
                                   "或连续两个季度环比上升",
                             "en": "Threat · acquisition cost: the last full quarter's CAC is at least {rise} above "
                                   "the same quarter a year earlier, or CAC rose two quarters running"},
    "swot.rule.channel_dependence": {"zh": "威胁·渠道依赖：单一渠道占GMV超过{dep}",
                                     "en": "Threat · channel dependence: one channel brings more than {dep} of GMV"},
    "swot.rules.period": {"zh": "比较期：{span}对比去年同期；季度规则只用完整季度。ROAS = GMV ÷ 花费，"
                                "占比与增速均由汇总值计算。",
                          "en": "Period: {span} vs the same months a year earlier; quarter rules use full quarters "
                                "only. ROAS = GMV / spend; shares and growth are computed from summed values."},
    "swot.rules.window": {"zh": "ROAS与渠道GMV占比按{span}计算（与渠道效率一节相同）。",
                          "en": "ROAS and channel GMV shares cover {span} (as in the channel-efficiency section)."},
    "swot.rules.edit": {"zh": "阈值可在 {file} 的 rules: 下修改（例如 cac_rise: 0.15）。",
                        "en": "Change the thresholds under rules: in {file} (e.g. cac_rise: 0.15)."},
    "swot.skipped": {"zh": "未能评估的规则：{items}", "en": "Rules not evaluated: {items}"},
    "swot.name.channel_strong": {"zh": "高效渠道", "en": "strong channel"},
    "swot.name.category_gaining": {"zh": "品类增长", "en": "growing category"},
    "swot.name.category_losing": {"zh": "品类占比下降", "en": "category losing share"},
    "swot.name.channel_weak": {"zh": "低效渠道", "en": "weak channel"},
    "swot.name.repurchase_falling": {"zh": "复购率", "en": "repurchase rate"},
    "swot.name.segment_fastest": {"zh": "最快增长细分", "en": "fastest segment"},
    "swot.name.sinking_market": {"zh": "下沉市场", "en": "lower-tier cities"},
    "swot.name.cac_rising": {"zh": "获客成本", "en": "acquisition cost"},
    "swot.name.channel_dependence": {"zh": "渠道依赖", "en": "channel dependence"},
    "swot.why.not_given": {"zh": "没有{input}数据", "en": "no {input} data"},
    "swot.why.empty": {"zh": "期间内没有{input}数据", "en": "no {input} rows in the period"},
    "swot.why.unknown_growth": {"zh": "增速未知", "en": "growth unknown"},
    "swot.why.no_table": {"zh": "缺少{table}表", "en": "the {table} table is missing"},
    "swot.why.short_history": {"zh": "数据未覆盖{date}起的去年同期", "en": "the data do not reach back to {date}"},
    "swot.why.no_regions": {"zh": "数据中没有{regions}", "en": "no {regions} in the data"},
    "swot.why.no_segment": {"zh": "channels.yaml的segments下没有lower_tier（下沉市场）",
                            "en": "channels.yaml has no lower_tier segment (lower-tier cities) under segments:"},
    "swot.why.no_ids": {"zh": "订单中没有客户编号", "en": "the orders carry no customer ids"},
    "swot.why.few_paid": {"zh": "付费渠道只有{n}个，至少需要{need}个", "en": "only {n} paid channels, {need} needed"},
    "swot.why.few_quarters": {"zh": "完整季度只有{n}个，至少需要{need}个",
                              "en": "only {n} full quarters, {need} needed"},
    "swot.why.gap_quarters": {"zh": "季度不连续（{quarters}）",
                              "en": "the quarters are not consecutive ({quarters})"},
    "swot.why.no_year_ago": {"zh": "缺少{quarter}的去年同季度数据",
                             "en": "no data for the quarter a year before {quarter}"},
    "swot.no_plan": {"zh": "未找到分析师的SWOT文件 {file}。新建该文件，在 strengths / weaknesses / opportunities / "
                           "threats 下逐条写 {{text_zh: …, text_en: …}}，即可与数据信号并列显示。",
                     "en": "No analyst SWOT file at {file}. Create it with lists under strengths / weaknesses / "
                           "opportunities / threats, one {{text_zh: …, text_en: …}} per entry, to show them next to "
                           "the data signals."},
}
i18n.register(TEXTS)

#: quadrant -> (background, accent colour); strengths green, weaknesses red, opportunities blue, threats amber
COLORS = {"strengths": ("#EAF5EA", style.STATUS_COLORS["achieved"]),
          "weaknesses": ("#FBEAEA", style.STATUS_COLORS["off_track"]),
          "opportunities": ("#E8F0F8", style.SERIES_COLORS["current"]), "threats": ("#FFF6E0", "#B26A00")}
#: source badge -> (background, text colour)
BADGES = {"analyst": ("#E3E6EA", "#37474F"), "data": ("#1F4E79", "#FFFFFF")}


def _formats(lang: str) -> dict:
    """How each value key of a signal is shown (keys are the templates' placeholders)."""
    pct, pct2 = i18n.fmt_pct, (lambda v: i18n.fmt_pct(v, decimals=2))
    quarter = lambda v: i18n.fmt_quarter(v, lang) if v else i18n.MISSING  # noqa: E731
    return {"roas": lambda v: f"{v:.2f}", "cut": lambda v: f"{v:.2f}", "share": pct, "limit": pct,
            "s0": pct2, "s1": pct2, "s2": pct2, "rate": pct2, "base_rate": pct2,
            "growth": i18n.fmt_growth, "total": i18n.fmt_growth, "yoy": i18n.fmt_growth,
            "change": lambda v: i18n.fmt_pp(v, lang), "q": quarter, "q0": quarter, "q2": quarter, "base_q": quarter,
            "cac": lambda v: i18n.fmt_money(v, lang), "base_cac": lambda v: i18n.fmt_money(v, lang),
            "dimension": lambda v: i18n.t(f"swot.dim.{v}", lang), "regions": lambda v: i18n.join_list(list(v), lang)}


def _fmt(sig: Signal, rules: SwotRules, lang: str) -> dict:
    """The signal's values as display strings, plus the quartile words."""
    formats = _formats(lang)
    out = {"subject": sig.subject, "top": i18n.fmt_pct(1 - rules.top_quantile, decimals=0),
           "bottom": i18n.fmt_pct(rules.bottom_quantile, decimals=0)}
    out.update({k: i18n.MISSING if i18n.is_missing(v) else formats[k](v)
                for k, v in sig.values.items() if k in formats})
    out.update({f"r{i}": i18n.fmt_money(v, lang) for i, v in enumerate(sig.values.get("run") or [])})
    return out


def signal_text(sig: Signal, rules: SwotRules, lang: str) -> tuple[str, str]:
    """(title, evidence) of a signal in ``lang``; the evidence carries its numbers."""
    f = _fmt(sig, rules, lang)
    title = i18n.t(f"swot.title.{sig.rule}", lang, **f)
    if sig.rule != "cac_rising":
        return title, i18n.t(f"swot.ev.{sig.rule}", lang, **f)
    parts = [i18n.t("swot.ev.cac_rising", lang, **f)] if sig.values.get("base_q") else []
    parts += [i18n.t("swot.ev.cac_run", lang, **f)] if sig.values.get("rising") else []
    return title, ("；" if lang == "zh" else "; ").join(parts)


def _short(sig: Signal, rules: SwotRules, lang: str) -> str:
    f = _fmt(sig, rules, lang)
    if sig.rule == "cac_rising":
        return i18n.t("swot.short.cac_rising" if sig.values.get("by_yoy") else "swot.short.cac_run", lang, **f)
    if sig.rule == "channel_dependence":
        return i18n.t("swot.short.channel_dependence", lang, **f)
    return signal_text(sig, rules, lang)[0]


def finding(result: SwotResult, lang: str) -> str:
    """One line: how many data signals per quadrant, and the biggest threat (highest score)."""
    n = {q[0]: len(result.signals(q)) for q in QUADRANTS}
    plural = {"s_pl": "" if n["s"] == 1 else "s", "w_pl": "" if n["w"] == 1 else "es",
              "o_pl": "y" if n["o"] == 1 else "ies", "t_pl": "" if n["t"] == 1 else "s"}
    text = i18n.t("swot.finding", lang, **n, **plural)
    threats = sorted(result.signals("threats"), key=lambda s: -s.score)
    if threats:
        return text + i18n.t("swot.finding.threat", lang, threat=_short(threats[0], result.rules, lang))
    return text + i18n.t("swot.finding.no_threat", lang)


def _badge(source: str, lang: str) -> str:
    bg, fg = BADGES[source]
    return (f"<span style='display:inline-block;font-size:0.75em;padding:0 0.45em;margin-right:0.4em;"
            f"border-radius:3px;background:{bg};color:{fg}'>{html.escape(i18n.t(f'swot.src.{source}', lang))}</span>")


def _item_html(item, rules: SwotRules, lang: str) -> str:
    """One entry: the analyst's text, or a data signal's title with its evidence underneath (escaped)."""
    if isinstance(item, Entry):
        return f"<li style='margin:0.35em 0'>{_badge('analyst', lang)}{html.escape(item.text(lang))}</li>"
    title, evidence = signal_text(item, rules, lang)
    return (f"<li style='margin:0.35em 0'>{_badge('data', lang)}<b>{html.escape(title)}</b><br>"
            f"<span style='color:#555;font-size:0.88em'>{html.escape(evidence)}</span></li>")


def grid_html(result: SwotResult, lang: str) -> str:
    """The 2×2 grid as an HTML table (S W / O T); every text is escaped."""
    cells = []
    for q in QUADRANTS:
        bg, accent = COLORS[q]
        items = "".join(_item_html(i, result.rules, lang) for i in result.quadrants[q]) or \
            f"<li style='color:#888'>{html.escape(i18n.t('swot.none', lang))}</li>"
        cells.append(f"<td style='background:{bg};border-top:4px solid {accent};vertical-align:top;"
                     f"text-align:left;padding:0.6em 0.9em;width:50%'><div style='font-weight:bold;color:{accent};font-size:1.05em'>"
                     f"{html.escape(i18n.t(f'swot.q.{q}', lang))}</div>"
                     f"<ul style='list-style:none;margin:0.3em 0 0 0;padding:0'>{items}</ul></td>")
    rows = "".join(f"<tr>{cells[i]}{cells[i + 1]}</tr>" for i in (0, 2))
    return (f"<table class='attain-swot' style='border-collapse:separate;border-spacing:6px;width:100%;"
            f"table-layout:fixed;margin:0.4em 0 1em 0'>{rows}</table>")


def rule_lines(result: SwotResult, lang: str) -> list[str]:
    """The rules and thresholds in words, then the comparison period and the rules not evaluated."""
    r = result.rules
    pts = lambda x: f"{x * 100:.1f}".rstrip("0").rstrip(".")  # noqa: E731  (0.05 -> "5")
    fmt = {"top": i18n.fmt_pct(1 - r.top_quantile, decimals=0),
           "bottom": i18n.fmt_pct(r.bottom_quantile, decimals=0), "p_hi": pts(r.top_quantile),
           "p_lo": pts(r.bottom_quantile), "gain": pts(r.share_gain_pp),
           "fall": pts(r.share_fall_pp), "lead": pts(r.segment_lead), "slead": pts(r.sinking_lead),
           "min_share": i18n.fmt_pct(r.min_segment_share, decimals=0), "drop": pts(r.repurchase_drop_pp),
           "rise": i18n.fmt_pct(r.cac_rise, decimals=0), "dep": i18n.fmt_pct(r.dependence_share, decimals=0),
           "n": r.min_paid_channels, "regions": i18n.join_list(list(result.lower_tier), lang)
           if result.lower_tier else i18n.t("swot.name.sinking_market", lang)}
    zero = {"category_losing": r.share_fall_pp == 0, "sinking_market": r.sinking_lead == 0}
    lines = [i18n.t(f"swot.rule.{rule}{'.any' if zero.get(rule) else ''}", lang, **fmt) for rule in RULES]
    if result.period:
        lines.append(i18n.t("swot.rules.period", lang, span=i18n.fmt_month_span(*result.period, lang)))
    if result.window and result.window != result.period:
        lines.append(i18n.t("swot.rules.window", lang, span=i18n.fmt_month_span(*result.window, lang)))
    lines.append(i18n.t("swot.rules.edit", lang, file=PLAN_FILE))
    if result.skipped:
        paren = "{}（{}）" if lang == "zh" else "{} ({})"
        items = [paren.format(i18n.t(f"swot.name.{rule}", lang), i18n.t(f"swot.why.{why}", lang, **f))
                 for rule, why, f in result.skipped]
        lines.append(i18n.t("swot.skipped", lang, items=("；" if lang == "zh" else "; ").join(items)))
    return lines


def rules_html(result: SwotResult, lang: str) -> str:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in rule_lines(result, lang))
    return (f"<div class='attain-note' style='color:#555;font-size:0.88em;margin:0 0 1.2em 0'>"
            f"<b>{html.escape(i18n.t('swot.rules.head', lang))}</b><ul style='margin:0.3em 0'>{items}</ul></div>")


def show(result: SwotResult, lang: str) -> None:
    """Heading, finding, the 2×2 grid, then the rules and thresholds in words."""
    display.heading("section.swot", lang)
    display.paragraph(finding(result, lang))
    if result.plan_missing:
        display.note(i18n.t("swot.no_plan", lang, file=result.plan_file))
    display.html_block(grid_html(result, lang))
    display.html_block(rules_html(result, lang))
