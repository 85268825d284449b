"""The SMART check in words, in the terminal and in HTML: ``finding``, ``lint_text``, ``smart_html`` and the
notebook section ``show_smart`` (alias ``show``). The check itself is ``attain.smart.check``; every name here
is also importable from ``attain.smart``."""

from __future__ import annotations

import datetime as dt
import html
import sys

import pandas as pd

from attain import display, i18n, style
from attain.metric_defs import METRICS
from attain.smart import (CHECKS, FAIL, NOT_ASSESSED, PASS, Achievability, SmartResult, check,
                          forecast_achievability)
from attain.targets import period_text, scope_text

STATUS_COLOR = {PASS: style.STATUS_COLORS["achieved"], FAIL: style.STATUS_COLORS["off_track"],
                NOT_ASSESSED: style.STATUS_COLORS["no_data"]}
_MARK = {PASS: "✓", FAIL: "×", NOT_ASSESSED: "–"}
_CMP_SIGN = {">=": "≥", "<=": "≤"}


def finding(result: SmartResult, lang: str) -> str:
    """One sentence: how many goals pass, which fail and on which letters."""
    g = result.goals
    if g.empty:
        return i18n.t("smart.finding.none", lang)
    if not result.failing:
        text = i18n.t("smart.finding.all", lang, n=len(g))
    else:
        sep, (lp, rp) = ("、", "（）") if lang == "zh" else (", ", ("(", ")"))
        items = [f"{r.goal_id} {getattr(r, 'name_' + lang)}{'' if lang == 'zh' else ' '}{lp}"
                 f"{sep.join(result.failed_checks(r.goal_id))}{rp}" for r in g[~g["passed"]].itertuples()]
        text = i18n.t("smart.finding.some", lang, n=len(g), n_pass=int(g["passed"].sum()),
                      failing=i18n.join_list(items, lang))
    k = int((g["A"] == NOT_ASSESSED).sum())
    return text + (("" if lang == "zh" else " ") + i18n.t("smart.finding.not_assessed", lang, k=k) if k else "")


def lint_text(result: SmartResult, lang: str) -> str:
    """The terminal report: a pass/fail grid, then the reasons of every failure and the notes."""
    marks = {PASS: "ok", FAIL: "FAIL", NOT_ASSESSED: "-"}
    grid = result.goals[["goal_id", *CHECKS]].copy()
    for c in CHECKS:
        grid[c] = grid[c].map(marks)
    grid["result"] = result.goals["passed"].map({True: "ok", False: "FAIL"})
    lines = [grid.rename(columns={"goal_id": "goal"}).to_string(index=False) if len(grid) else "", ""]
    for r in result.goals.itertuples():
        rows = result.checks[(result.checks.goal_id == r.goal_id) & (result.checks.status == FAIL)]
        note = getattr(r, f"note_{lang}")
        if rows.empty and not note:
            continue
        lines.append(f"{r.goal_id} {getattr(r, 'name_' + lang)}")
        lines += [f"  {c.check}: {getattr(c, 'reason_' + lang)}" for c in rows.itertuples()]
        lines += [f"  {i18n.t('smart.col.note', lang)}: {note}"] if note else []
    lines.append(finding(result, lang))
    return "\n".join(lines).strip("\n")


def _cell(status: str, text: str, title: str, lang: str) -> str:
    tip = html.escape(f"{i18n.t(f'smart.status.{status}', lang)}: {title}", quote=True)
    return (f"<td style='background:{STATUS_COLOR[status]};color:#fff;text-align:center;font-weight:bold' "
            f"title='{tip}'>{html.escape(text)}</td>")


def smart_html(result: SmartResult, lang: str) -> str:
    """The SMART table: one row per goal, a coloured mark per letter (reason on hover), the owner, and
    the reasons of every failure (and notes) in words. Every text from the plan file is escaped."""
    heads = [i18n.t(f"smart.col.{k}", lang) for k in ("goal", "what", "target")] + list("SMART") + [
        i18n.t(f"smart.col.{k}", lang) for k in ("owner", "result", "why")]
    out = ["<table class='attain-table'><thead><tr>"] + [f"<th style='text-align:left'>{html.escape(h)}</th>"
                                                         for h in heads] + ["</tr></thead><tbody>"]
    for r in result.goals.itertuples():
        checks = result.checks[result.checks.goal_id == r.goal_id].set_index("check")
        reason = checks[f"reason_{lang}"]
        metric, period = (v if isinstance(v, str) else "" for v in (r.metric, r.period))
        what = " · ".join(t for t in (i18n.metric_name(metric, lang) if metric in METRICS else metric or i18n.MISSING,
                                      scope_text(r.scope, lang),
                                      period_text(period, lang) if period and r.T == PASS else period) if t)
        target = html.escape(r.target) + ("" if pd.isna(r.target_value) else "<br><span style='color:#666'>" + html.escape(
            f"{_CMP_SIGN[r.comparator]} {i18n.fmt_value(r.target_value, METRICS[metric].unit, lang)}") + "</span>")
        why = [f"{c}：{reason[c]}" if lang == "zh" else f"{c}: {reason[c]}" for c in CHECKS
               if checks.loc[c, "status"] == FAIL]
        why_html = "".join(f"<div>{html.escape(w)}</div>" for w in why)
        note = getattr(r, f"note_{lang}")
        why_html += f"<div style='color:#666'>{html.escape(note)}</div>" if note else ""
        out.append("<tr>" + f"<td style='text-align:left'><b>{html.escape(r.goal_id)}</b> "
                   f"{html.escape(getattr(r, 'name_' + lang))}</td>"
                   + "".join(f"<td style='text-align:left;white-space:normal'>{t}</td>"
                             for t in (html.escape(what), target))
                   + "".join(_cell(checks.loc[c, "status"], _MARK[checks.loc[c, "status"]], reason[c], lang)
                             for c in "SMART")
                   + _cell(r.owner, r.owner_name or i18n.MISSING, reason["owner"], lang)
                   + _cell(PASS if r.passed else FAIL, i18n.t(f"smart.status.{PASS if r.passed else FAIL}", lang),
                           "", lang)
                   + f"<td style='text-align:left;white-space:normal;min-width:18em'>{why_html}</td></tr>")
    out.append("</tbody></table>")
    return f"{display.TABLE_CSS}<div style='{display.TABLE_STYLE}'>{''.join(out)}</div>"


def show_smart(result: SmartResult, lang: str) -> None:
    """Notebook section: heading, the finding, the coloured SMART table and its legend."""
    display.heading("section.smart", lang)
    display.paragraph(finding(result, lang))
    display.html_block(smart_html(result, lang))
    display.note(i18n.t("smart.legend", lang))


show = show_smart

__all__ = ["STATUS_COLOR", "finding", "lint_text", "show", "show_smart", "smart_html"]


def lint(plan_dir=None, data_dir=None, *, as_of: dt.date | str | None = None, strict: bool = False,
         lang: str = "en", achievability: Achievability | None = None, forecast: bool = True,
         out=None) -> int:
    """``attain lint-goals``: load the plan and data, check, print; 1 when ``strict`` and a goal fails.

    With ``forecast`` (the default) "Achievable" is judged from each goal's forecast."""
    from attain.data import load_dataset
    from attain.goals import load_goals, load_plan
    i18n.check_lang(lang)
    goals, plan, ds = load_goals(plan_dir), load_plan(plan_dir), load_dataset(data_dir)
    if achievability is None and forecast:
        achievability = forecast_achievability(ds, as_of or ds.date_range("orders")[1])
    result = check(goals, plan, ds, as_of=as_of, achievability=achievability)
    print(lint_text(result, lang), file=out or sys.stdout)
    return 1 if strict and result.failing else 0
