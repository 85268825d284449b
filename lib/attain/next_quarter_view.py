"""Next quarter's proposed targets (下季度目标建议) in words and tables: the finding, the proposals table, what
was skipped, the goals.yaml block and the report section (``show``).

The proposals, their 口径 and the texts stored in them (names, basis, YAML) are :mod:`attain.next_quarter`
(``propose(...)`` -> ``Proposal``); this module only presents them.
"""

from __future__ import annotations

import html

import pandas as pd

from attain import i18n
from attain.next_quarter import Proposal, _fmt, ets_text, target_display
from attain.targets import period_text, scope_text

i18n.register({
    "nq.section": {"zh": "下季度目标建议", "en": "Proposed targets for next quarter"},
    "nq.find": {"zh": "为{next}提出{n}项目标建议（依据：去年同季水平 × 本季度同比趋势，数据截至{cutoff}），如{lead}",
                "en": "{n} targets proposed for {next} (last year's level of the quarter × this quarter's "
                      "year-on-year trend, data to {cutoff}), e.g. {lead}"},
    "nq.find.lead": {"zh": "{what}{target}（较去年同季{change}）", "en": "{what} {target} ({change} on a year earlier)"},
    "nq.find.ets": {"zh": "；{k}项落在ETS预测的80%区间内", "en": "; {k} of {n} lie within the ETS forecast's 80% interval"},
    "nq.find.outside": {"zh": "，区间外：{items}", "en": " (outside: {items})"},
    "nq.find.none": {"zh": "没有可为{next}提出的目标建议：登记册中没有可用数据度量的目标指标",
                     "en": "No target can be proposed for {next}: no goal metric of the register is measurable "
                           "on these data"},
    "nq.find.end": {"zh": "。", "en": "."},
    "nq.col.id": {"zh": "建议编号", "en": "Suggested id"},
    "nq.col.what": {"zh": "目标", "en": "Goal"},
    "nq.col.target": {"zh": "建议目标", "en": "Proposed target"},
    "nq.col.basis": {"zh": "依据", "en": "Basis"},
    "nq.col.ets": {"zh": "ETS交叉检验", "en": "ETS cross-check"},
    "nq.col.owner": {"zh": "负责人（沿用）", "en": "Owner (kept)"},
    "nq.col.source": {"zh": "参照目标", "en": "From goal"},
    "nq.note.method": {"zh": "口径：金额与比值类指标 = 去年同季 × (本季度 ÷ 去年同期)；比率类指标（转化率、退货率等）= 去年同季 + "
                             "(本季度 − 去年同期)（按百分点）。只用截至{cutoff}的数据。目标值已取整，负责人、模块、目标方向与优先级沿用"
                             "登记册中同指标同范围的现行目标。",
                       "en": "Basis: amounts and money ratios = next quarter a year ago × (this quarter ÷ the same "
                             "days a year ago); rates (conversion, return rate …) = next quarter a year ago + (this "
                             "quarter − a year ago), in percentage points. Data up to {cutoff} only. Targets are "
                             "rounded; owner, module, objective and priority are those of the register's current "
                             "goal with the same metric and scope."},
    "nq.note.skipped": {"zh": "未提出建议：{items}。", "en": "Not proposed: {items}."},
    "nq.skip.no_metric": {"zh": "没有指标", "en": "no metric"},
    "nq.skip.unknown_metric": {"zh": "指标不在指标字典中", "en": "metric not in the dictionary"},
    "nq.skip.not_measurable": {"zh": "数据无法度量（{detail}）", "en": "not measurable on these data ({detail})"},
    "nq.skip.no_history": {"zh": "本季度没有数值", "en": "no value this quarter"},
    "nq.yaml_intro": {"zh": "下列条目可直接粘贴到data/plan/goals.yaml的goals:之下（粘贴后可用 attain lint-goals 检查）：",
                      "en": "Paste the entries below under goals: in data/plan/goals.yaml (then check with "
                            "attain lint-goals):"},
})


def _what(row: dict, lang: str) -> str:
    scope = "" if not row["scope"] else scope_text(row["scope"], lang) + ("·" if lang == "zh" else " · ")
    return scope + i18n.metric_name(row["metric"], lang)


def finding(p: Proposal, lang: str) -> str:
    """One sentence: how many targets, on what basis, the lead one, and how they compare with ETS."""
    end = i18n.t("nq.find.end", lang)
    if p.frame.empty:
        return i18n.t("nq.find.none", lang, next=period_text(p.next_period, lang)) + end
    rows = p.frame.to_dict("records")
    lead = next((r for r in rows if r["metric"] == "gmv" and not r["scope"]), rows[0])
    change = (i18n.fmt_growth(lead["target"] / lead["base_next"] - 1) if lead["method"] == "yoy_ratio" else
              i18n.fmt_pp(lead["target"] - lead["base_next"], lang) if lead["method"] == "yoy_pp" else i18n.MISSING)
    text = i18n.t("nq.find", lang, next=period_text(p.next_period, lang), n=len(rows), cutoff=p.cutoff,
                  lead=i18n.t("nq.find.lead", lang, what=_what(lead, lang), change=change,
                              target=_fmt(lead["target"], lead["metric"], lang)))
    checked = [r for r in rows if not i18n.is_missing(r.get("forecast"))]
    if checked:
        outside = [r for r in checked if not r["low"] <= r["target"] <= r["high"]]
        text += i18n.t("nq.find.ets", lang, k=len(checked) - len(outside), n=len(checked))
        if outside:
            text += i18n.t("nq.find.outside", lang, items=i18n.join_list([_what(r, lang) for r in outside], lang))
    return text + end


def proposal_table(p: Proposal, lang: str) -> pd.DataFrame:
    """One row per proposal: id, goal, proposed target, basis, ETS cross-check, owner, the goal it follows."""
    rows = p.frame.to_dict("records")
    out = {i18n.t("nq.col.id", lang): [r["id"] for r in rows],
           i18n.t("nq.col.what", lang): [r[f"name_{lang}"] for r in rows],
           i18n.t("nq.col.target", lang): [("≥" if r["direction"] == "higher" else "≤") + ("" if lang == "zh" else " ")
                                            + target_display(r["target"], r["metric"], lang) for r in rows],
           i18n.t("nq.col.basis", lang): [r[f"basis_{lang}"] for r in rows]}
    if p.cross_checked:
        out[i18n.t("nq.col.ets", lang)] = [ets_text(r, lang) for r in rows]
    out[i18n.t("nq.col.owner", lang)] = [r["owner"] if isinstance(r["owner"], str) else "/".join(r["owner"] or [])
                                         for r in rows]
    out[i18n.t("nq.col.source", lang)] = [r["source_goal"] for r in rows]
    return pd.DataFrame(out)


def skipped_text(p: Proposal, lang: str) -> str | None:
    if p.skipped.empty:
        return None
    items = [f"{s['goal_id']}（{i18n.t('nq.skip.' + s['reason'], lang, detail=s['detail'])}）" if lang == "zh" else
             f"{s['goal_id']} ({i18n.t('nq.skip.' + s['reason'], lang, detail=s['detail'])})"
             for s in p.skipped.to_dict("records")]
    return i18n.t("nq.note.skipped", lang, items=i18n.join_list(items, lang))


def yaml_html(p: Proposal) -> str:
    return f"<pre class='attain-yaml' style='font-size:0.85em;background:#F7F7F7;padding:0.8em'>{html.escape(p.yaml)}</pre>"


def show(p: Proposal, lang: str) -> None:
    """Heading, finding, the proposals with their basis and cross-check, what was skipped, and the YAML."""
    from attain import display
    display.heading("nq.section", lang)
    display.paragraph(finding(p, lang))
    if p.frame.empty:
        display.note(skipped_text(p, lang))
        return
    display.table(proposal_table(p, lang))
    display.note(i18n.t("nq.note.method", lang, cutoff=p.cutoff))
    display.note(skipped_text(p, lang))
    display.paragraph(i18n.t("nq.yaml_intro", lang))
    display.html_block(yaml_html(p))


__all__ = ["finding", "proposal_table", "show", "skipped_text", "yaml_html"]
