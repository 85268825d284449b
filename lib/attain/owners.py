"""Owners: overdue actions and measures, and the owners' view (负责人视图, the "boss online" view).

口径:

- an **action is overdue** when its end date is before ``as_of`` and no check-in of kind ``action`` naming it
  (its Chinese name exactly or its English name in any case), dated on or before ``as_of``, says ``done: true``;
  days overdue = as_of − end;
- a **measure** is a check-in's ``measure``. Each subject (goal id, module, action) has one *current* measure:
  that of its latest check-in with a measure up to ``as_of`` (check-ins are never edited: a newer measure
  replaces the older one, as the tracking table shows the latest check-in). A later check-in repeating the
  same measure (same Chinese text, or English in any case) updates its ``done`` (and ``due`` when given); a
  later check-in on the subject with ``done: true`` and no measure marks it done. It is open while not done,
  **overdue** when open and its ``due`` date is before ``as_of`` (days overdue = as_of − due). Its owner is
  the check-in's ``by``, else the owner of the action or module;
- an **open action** of a person runs on ``as_of`` (start ≤ as_of ≤ end) or is overdue;
- an **open alert** is one whose state is not ``resolved``.

Each person's **level** (the colour of the view): red — a goal off track or missed, an overdue action or
measure, or an open high-severity alert; amber — a goal at risk or not measurable, or an open medium alert;
green — anything else with goals or open work; grey — nothing tracked.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from attain import display, i18n, style
from attain.checkins import CheckIn
from attain.goals import Plan, split_owners
from attain.timegrain import parse_date

OVERDUE_COLUMNS = ["kind", "subject_kind", "subject", "subject_zh", "subject_en", "module_id", "owner", "due",
                   "days_overdue", "measure_zh", "measure_en"]
VIEW_COLUMNS = ["owner", "level", "worst", "goals", "actions", "measures", "alerts", "n_goals", "n_off_track",
                "n_at_risk", "n_overdue"]
#: goal statuses from worst to best (the order of the "worst" summary)
STATUS_ORDER = ("off_track", "missed", "at_risk", "unmeasurable", "on_track", "achieved", "not_started")
LEVELS = ("red", "amber", "green", "grey")
LEVEL_COLORS = {"red": style.STATUS_COLORS["off_track"], "amber": style.STATUS_COLORS["at_risk"],
                "green": style.STATUS_COLORS["on_track"], "grey": style.STATUS_COLORS["no_data"]}
STATUS_LEVEL = {"off_track": "red", "missed": "red", "at_risk": "amber", "unmeasurable": "amber",
                "on_track": "green", "achieved": "green", "not_started": "grey"}

i18n.register({
    "own.section": {"zh": "负责人视图", "en": "Owners at a glance"},
    "own.overdue": {"zh": "逾期的行动与措施", "en": "Overdue actions and measures"},
    "own.col.owner": {"zh": "负责人", "en": "Owner"}, "own.col.status": {"zh": "状态", "en": "Status"},
    "own.col.goals": {"zh": "目标", "en": "Goals"}, "own.col.actions": {"zh": "进行中/逾期的行动", "en": "Open actions"},
    "own.col.measures": {"zh": "待完成的措施", "en": "Open measures"}, "own.col.alerts": {"zh": "预警", "en": "Alerts"},
    "own.col.kind": {"zh": "类型", "en": "Kind"}, "own.col.subject": {"zh": "事项", "en": "Subject"},
    "own.col.due": {"zh": "期限", "en": "Due"}, "own.col.days": {"zh": "逾期天数", "en": "Days overdue"},
    "own.col.measure": {"zh": "措施", "en": "Measure"},
    "own.kind.action": {"zh": "行动", "en": "Action"}, "own.kind.measure": {"zh": "措施", "en": "Measure"},
    "own.no_owner": {"zh": "（未指定负责人）", "en": "(no owner)"},
    "own.level.red": {"zh": "需处理", "en": "Needs action"}, "own.level.amber": {"zh": "需关注", "en": "Watch"},
    "own.level.green": {"zh": "正常", "en": "On track"}, "own.level.grey": {"zh": "无在跟踪事项", "en": "Nothing tracked"},
    "own.status.off_track": {"zh": "落后", "en": "off track"}, "own.status.missed": {"zh": "未达成", "en": "missed"},
    "own.status.at_risk": {"zh": "有风险", "en": "at risk"}, "own.status.unmeasurable": {"zh": "无法衡量", "en": "not measurable"},
    "own.status.on_track": {"zh": "进度正常", "en": "on track"}, "own.status.achieved": {"zh": "已达成", "en": "achieved"},
    "own.status.not_started": {"zh": "未开始", "en": "not started"},
    "own.count.goal": {"zh": "{n}个目标{status}", "en": "{n} goal{s} {status}"},
    "own.count.action": {"zh": "{n}项行动逾期", "en": "{n} action{s} overdue"},
    "own.count.measure": {"zh": "{n}项措施逾期", "en": "{n} measure{s} overdue"},
    "own.count.alert": {"zh": "{n}条高优先级预警", "en": "{n} high-severity alert{s}"},
    "own.count.alert_medium": {"zh": "{n}条中优先级预警", "en": "{n} medium-severity alert{s}"},
    "own.person": {"zh": "{owner}：{items}", "en": "{owner}: {items}"},
    "own.find.some": {"zh": "{n}位负责人需要关注——{people}", "en": "{n} owners need attention — {people}"},
    "own.find.one": {"zh": "1位负责人需要关注——{people}", "en": "1 owner needs attention — {people}"},
    "own.find.more": {"zh": "另有{n}位", "en": "and {n} more"},
    "own.find.none": {"zh": "所有负责人的目标均正常推进，无逾期事项或高优先级预警",
                      "en": "Every owner's goals are on track, with nothing overdue and no high-severity alert"},
    "own.find.empty": {"zh": "没有在跟踪的目标、行动或预警", "en": "No goals, actions or alerts are being tracked"},
    "own.days": {"zh": "逾期{n}天", "en": "{n} days overdue"}, "own.due": {"zh": "截止{due}", "en": "due {due}"},
    "own.sev.high": {"zh": "高", "en": "high"}, "own.sev.medium": {"zh": "中", "en": "medium"},
    "own.sev.low": {"zh": "低", "en": "low"},
    "own.ovd.find": {"zh": "截至{as_of}，{actions}项行动已过结束日期但未确认完成，{measures}项措施已过期限",
                     "en": "By {as_of}, {actions} action(s) have passed their end date without being confirmed "
                           "done and {measures} measure(s) are past their due date"},
    "own.ovd.worst": {"zh": "；逾期最久的是{subject}（{owner}，{days}天）",
                      "en": "; the longest overdue is {subject} ({owner}, {days} days)"},
    "own.ovd.none": {"zh": "截至{as_of}，没有逾期的行动或措施", "en": "By {as_of}, no action or measure is overdue"},
    "own.end": {"zh": "。", "en": "."},
})


# --- subjects and measures -----------------------------------------------------------------

def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip() or a.strip().casefold() == b.strip().casefold()


def _find_action(plan: Plan, text: str):
    """The (module, action) a check-in's ``action:`` names, by Chinese or English name; else (None, None)."""
    for m in plan.modules:
        for a in m.actions:
            if text.strip() == a.name.zh or _same(text, a.name.en):
                return m, a
    return None, None


def _subject(plan: Plan, c: CheckIn) -> tuple[str, str, str, str, str | None, str | None]:
    """(kind, key, zh, en, module id, owner of the subject) of a check-in: actions and modules by their plan names."""
    kind, text = c.subject
    if kind == "action":
        m, a = _find_action(plan, text)
        if a is not None:
            return kind, a.name.zh, a.name.zh, a.name.en, m.id, a.owner
    if kind == "module" and (m := plan.module(text)) is not None:
        return kind, m.id, m.name.zh, m.name.en, m.id, m.owner
    return kind, text, text, text, None, None


def _same_measure(record: dict, c: CheckIn) -> bool:
    return record["measure_zh"] == c.measure.zh or record["measure_en"].casefold() == c.measure.en.casefold()


def measures(plan: Plan, checkins: list[CheckIn], as_of) -> pd.DataFrame:
    """The current measure of each subject up to ``as_of`` (one row per subject with a measure): subject_kind,
    subject, subject_zh, subject_en, module_id, owner, measure_zh, measure_en, due, done, overdue,
    days_overdue (口径: module docstring)."""
    as_of = parse_date(as_of, "as_of")
    current: dict[tuple[str, str], dict] = {}
    for c in (c for c in checkins if c.date <= as_of):
        kind, key, zh, en, module_id, subject_owner = _subject(plan, c)
        record = current.get((kind, key))
        if c.measure is not None and record is not None and _same_measure(record, c):
            record.update(done=c.done, due=c.due or record["due"], owner=c.by or record["owner"])
        elif c.measure is not None:     # a new measure replaces the subject's earlier one
            current[(kind, key)] = {"subject_kind": kind, "subject": key, "subject_zh": zh, "subject_en": en,
                                    "module_id": module_id, "owner": c.by or subject_owner, "measure_zh": c.measure.zh,
                                    "measure_en": c.measure.en, "due": c.due, "done": c.done}
        elif c.done and record is not None:
            record["done"] = True
    rows = []
    for r in current.values():
        late = r["due"] is not None and r["due"] < as_of and not r["done"]
        rows.append(r | {"overdue": late, "days_overdue": (as_of - r["due"]).days if late else None})
    return pd.DataFrame(rows, columns=["subject_kind", "subject", "subject_zh", "subject_en", "module_id", "owner",
                                       "measure_zh", "measure_en", "due", "done", "overdue", "days_overdue"])


def _done_actions(plan: Plan, checkins: list[CheckIn], as_of: dt.date) -> set[str]:
    """Chinese names of the actions a check-in up to as_of marks done."""
    done = set()
    for c in checkins:
        if c.subject[0] == "action" and c.done and c.date <= as_of:
            _, a = _find_action(plan, c.subject[1])
            if a is not None:
                done.add(a.name.zh)
    return done


def overdue_actions(plan: Plan, checkins: list[CheckIn], as_of) -> pd.DataFrame:
    """Actions past their end date not confirmed done, then measures past their due date and not done, each
    longest overdue first; columns ``OVERDUE_COLUMNS`` (kind "action" | "measure")."""
    as_of = parse_date(as_of, "as_of")
    done = _done_actions(plan, checkins, as_of)
    rows = [{"kind": "action", "subject_kind": "action", "subject": a.name.zh, "subject_zh": a.name.zh,
             "subject_en": a.name.en, "module_id": m.id, "owner": a.owner, "due": a.end,
             "days_overdue": (as_of - a.end).days}
            for m in plan.modules for a in m.actions if a.end < as_of and a.name.zh not in done]
    late = measures(plan, checkins, as_of)
    late = late[late["overdue"]]
    rows += [{"kind": "measure", **{k: r[k] for k in OVERDUE_COLUMNS if k in r}} for _, r in late.iterrows()]
    out = pd.DataFrame(rows, columns=OVERDUE_COLUMNS)
    out["days_overdue"] = out["days_overdue"].astype("Int64")
    order = out["kind"].map({"action": 0, "measure": 1})
    return out.assign(_o=order).sort_values(["_o", "days_overdue"], ascending=[True, False], kind="stable") \
        .drop(columns="_o").reset_index(drop=True)


# --- overdue list: words and table ---------------------------------------------------------

def _subject_text(row, lang: str) -> str:
    return str(row[f"subject_{lang}"])


def overdue_finding(overdue: pd.DataFrame, lang: str, as_of=None) -> str:
    when = i18n.fmt_date(parse_date(as_of, "as_of"), lang) if as_of is not None else "as_of"
    if overdue.empty:
        return i18n.t("own.ovd.none", lang, as_of=when) + i18n.t("own.end", lang)
    n_act = int((overdue["kind"] == "action").sum())
    text = i18n.t("own.ovd.find", lang, as_of=when, actions=n_act, measures=len(overdue) - n_act)
    worst = overdue.loc[overdue["days_overdue"].astype(float).idxmax()]
    text += i18n.t("own.ovd.worst", lang, subject=_item_text(worst, lang), owner=worst["owner"] or "—",
                   days=int(worst["days_overdue"]))
    return text + i18n.t("own.end", lang)


def _item_text(row, lang: str) -> str:
    if row["kind"] == "measure":
        return f"{_subject_text(row, lang)} · {row[f'measure_{lang}']}"
    return _subject_text(row, lang)


def overdue_table(overdue: pd.DataFrame, lang: str) -> pd.DataFrame:
    col = lambda k: i18n.t(f"own.col.{k}", lang)
    return pd.DataFrame({
        col("kind"): [i18n.t(f"own.kind.{k}", lang) for k in overdue["kind"]],
        col("subject"): [_subject_text(r, lang) for _, r in overdue.iterrows()],
        col("measure"): ["" if r["kind"] == "action" else str(r[f"measure_{lang}"]) for _, r in overdue.iterrows()],
        col("owner"): [o or "" for o in overdue["owner"]],
        col("due"): [d.isoformat() for d in overdue["due"]],
        col("days"): [str(int(d)) for d in overdue["days_overdue"]]},
        columns=[col(k) for k in ("kind", "subject", "measure", "owner", "due", "days")])


def show_overdue(overdue: pd.DataFrame, lang: str, as_of=None) -> None:
    """Heading, finding and the overdue list (nothing but the finding when none is overdue)."""
    display.heading("own.overdue", lang, level=3)
    display.paragraph(overdue_finding(overdue, lang, as_of))
    if not overdue.empty:
        display.table(overdue_table(overdue, lang))


# --- the owners' view ----------------------------------------------------------------------

def _people(value) -> list[str | None]:
    """The people an owner text names; [None] when it names nobody."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return [None]
    return split_owners(value) or [None]


def _worst(statuses: list[str]) -> str | None:
    known = [s for s in statuses if s in STATUS_ORDER]
    return min(known, key=STATUS_ORDER.index) if known else None


def _level(goals: list[dict], n_overdue: int, alerts: list[dict], has_work: bool) -> str:
    levels = {STATUS_LEVEL.get(g["status"], "amber") for g in goals}
    sev = {a["severity"] for a in alerts}
    if "red" in levels or n_overdue or "high" in sev:
        return "red"
    if "amber" in levels or "medium" in sev:
        return "amber"
    return "green" if "green" in levels or has_work else "grey"


def _weight(row: dict) -> tuple[int, int]:
    """(red items, amber items) of a person: how much needs attention, for the order of the view."""
    statuses = [g["status"] for g in row["goals"]]
    sev = [a["severity"] for a in row["alerts"]]
    red = sum(STATUS_LEVEL.get(s) == "red" for s in statuses) + row["n_overdue"] + sev.count("high")
    return red, sum(STATUS_LEVEL.get(s, "amber") == "amber" for s in statuses) + sev.count("medium")


def owners_view(scoreboard: pd.DataFrame, plan: Plan, checkins: list[CheckIn], alerts, as_of) -> pd.DataFrame:
    """One row per person (``VIEW_COLUMNS``): goals (list of {goal_id, name_zh, name_en, status}), open actions
    ({module_id, action_zh, action_en, end, overdue, days_overdue}), open measures (rows of :func:`measures`),
    open alerts ({key, severity, message_zh, message_en, state}), the worst goal status, counts and the level;
    red rows first, then by the number of red, then amber items (口径: module docstring). Goals and alerts
    without an owner are listed under owner None."""
    as_of = parse_date(as_of, "as_of")
    rows: dict[str | None, dict] = {}

    def person(name):
        return rows.setdefault(name, {"owner": name, "goals": [], "actions": [], "measures": [], "alerts": []})

    for _, g in scoreboard.iterrows():
        for name in _people(g.get("owner")):
            person(name)["goals"].append({k: g.get(k) for k in ("goal_id", "name_zh", "name_en", "status")})
    late = overdue_actions(plan, checkins, as_of)
    late_actions = dict(zip(late.loc[late["kind"] == "action", "subject"], late.loc[late["kind"] == "action",
                                                                                    "days_overdue"]))
    for m in plan.modules:
        for a in m.actions:
            if a.start <= as_of <= a.end or a.name.zh in late_actions:
                days = late_actions.get(a.name.zh)
                for name in _people(a.owner):
                    person(name)["actions"].append({"module_id": m.id, "action_zh": a.name.zh, "action_en": a.name.en,
                                                    "end": a.end, "overdue": days is not None,
                                                    "days_overdue": None if days is None else int(days)})
    for _, r in measures(plan, checkins, as_of).iterrows():
        if not r["done"]:
            for name in _people(r["owner"]):
                person(name)["measures"].append(r.to_dict())
    for al in alerts or []:
        if al.state != "resolved":
            for name in _people(al.owner):
                person(name)["alerts"].append({"key": al.key, "severity": al.severity, "message_zh": al.message_zh,
                                               "message_en": al.message_en, "state": al.state})
    out = []
    for p in rows.values():
        statuses = [g["status"] for g in p["goals"]]
        n_overdue = sum(a["overdue"] for a in p["actions"]) + sum(bool(m["overdue"]) for m in p["measures"])
        out.append(p | {"worst": _worst(statuses), "n_goals": len(statuses),
                        "n_off_track": statuses.count("off_track"), "n_at_risk": statuses.count("at_risk"),
                        "n_overdue": n_overdue,
                        "level": _level(p["goals"], n_overdue, p["alerts"], bool(p["actions"] or p["measures"]))})
    out.sort(key=lambda r: (LEVELS.index(r["level"]), tuple(-n for n in _weight(r)), r["owner"] is None,
                            r["owner"] or ""))
    view = pd.DataFrame(out, columns=VIEW_COLUMNS)
    view["owner"] = pd.Series([r["owner"] for r in out], dtype=object)    # None stays None (no NaN)
    return view


# --- words and the view --------------------------------------------------------------------

def _owner_name(owner, lang: str) -> str:
    return owner if isinstance(owner, str) and owner else i18n.t("own.no_owner", lang)


def _count(key: str, n: int, lang: str, **fmt) -> str:
    return i18n.t(key, lang, n=n, s="" if n == 1 else "s", **fmt)


def person_items(row, lang: str) -> list[str]:
    """E.g. ["1个目标落后", "1项行动逾期"] for one row of the owners' view (problems only, worst first)."""
    statuses = [g["status"] for g in row["goals"]]
    items = [_count("own.count.goal", statuses.count(s), lang, status=i18n.t(f"own.status.{s}", lang))
             for s in ("off_track", "missed", "at_risk", "unmeasurable") if s in statuses]
    n_act = sum(a["overdue"] for a in row["actions"])
    n_mea = sum(bool(m["overdue"]) for m in row["measures"])
    sev = [a["severity"] for a in row["alerts"]]
    items += [_count("own.count.action", n_act, lang)] if n_act else []
    items += [_count("own.count.measure", n_mea, lang)] if n_mea else []
    items += [_count("own.count.alert", sev.count("high"), lang)] if "high" in sev else []
    items += [_count("own.count.alert_medium", sev.count("medium"), lang)] if "medium" in sev else []
    return items


def owners_finding(view: pd.DataFrame, lang: str, limit: int = 5) -> str:
    """E.g. "2位负责人需要关注——张伟：1个目标落后、1项行动逾期；陈静：1个目标有风险。"."""
    if view.empty:
        return i18n.t("own.find.empty", lang) + i18n.t("own.end", lang)
    flagged = view[view["level"].isin(("red", "amber"))]
    if flagged.empty:
        return i18n.t("own.find.none", lang) + i18n.t("own.end", lang)
    sep, items_sep = ("；", "、") if lang == "zh" else ("; ", ", ")
    people = [i18n.t("own.person", lang, owner=_owner_name(r["owner"], lang), items=items_sep.join(person_items(r, lang)))
              for _, r in flagged.head(limit).iterrows()]
    if len(flagged) > limit:
        people.append(i18n.t("own.find.more", lang, n=len(flagged) - limit))
    key = "own.find.one" if len(flagged) == 1 else "own.find.some"
    return i18n.t(key, lang, n=len(flagged), people=sep.join(people)) + i18n.t("own.end", lang)


def _mark(color: str, text: str) -> str:
    """A coloured dot and an escaped text."""
    return f"<span style='color:{color}'>&#9679;</span>&nbsp;{html.escape(text)}"


def _late(days, lang: str) -> str:
    return f" <b style='color:{LEVEL_COLORS['red']}'>{html.escape(i18n.t('own.days', lang, n=int(days)))}</b>"


def _cell(lines: list[str]) -> str:
    return "<br>".join(lines) if lines else "—"


def _goal_line(g: dict, lang: str) -> str:
    status = g["status"]
    word = i18n.t(f"own.status.{status}", lang) if f"own.status.{status}" in i18n.STRINGS else str(status)
    return _mark(LEVEL_COLORS[STATUS_LEVEL.get(status, "amber")], f"{g['goal_id']} {g[f'name_{lang}']} · {word}")


def _measure_line(m: dict, lang: str) -> str:
    due = f" ({i18n.t('own.due', lang, due=m['due'].isoformat())})" if isinstance(m["due"], dt.date) else ""
    return html.escape(f"{m[f'measure_{lang}']}{due}") + (_late(m["days_overdue"], lang) if m["overdue"] else "")


def _alert_line(a: dict, lang: str) -> str:
    sev = a["severity"]
    word = i18n.t(f"own.sev.{sev}", lang) if sev in ("high", "medium", "low") else str(sev)
    color = LEVEL_COLORS["red" if sev == "high" else "amber" if sev == "medium" else "grey"]
    return _mark(color, f"[{word}] {a[f'message_{lang}']}")


def _row_html(r, lang: str) -> str:
    cells = [("nowrap", f"<b>{html.escape(_owner_name(r['owner'], lang))}</b>"),
             ("nowrap", _mark(LEVEL_COLORS[r["level"]], i18n.t(f"own.level.{r['level']}", lang))),
             ("normal", _cell([_goal_line(g, lang) for g in r["goals"]])),
             ("normal", _cell([html.escape(a[f"action_{lang}"]) + (_late(a["days_overdue"], lang) if a["overdue"] else "")
                               for a in r["actions"]])),
             ("normal", _cell([_measure_line(m, lang) for m in r["measures"]])),
             ("normal", _cell([_alert_line(a, lang) for a in r["alerts"]]))]
    return "<tr>" + "".join(f"<td style='text-align:left;vertical-align:top;white-space:{w};"
                            f"{'' if w == 'nowrap' else 'min-width:14em'}'>{c}</td>" for w, c in cells) + "</tr>"


def owners_html(view: pd.DataFrame, lang: str) -> str:
    """The compact table: owner, coloured level, goals with coloured status, open actions (overdue in red),
    open measures, open alerts. Every text from data or plan files is escaped."""
    heads = "".join(f"<th style='text-align:left'>{html.escape(i18n.t('own.col.' + k, lang))}</th>"
                    for k in ("owner", "status", "goals", "actions", "measures", "alerts"))
    body = "".join(_row_html(r, lang) for _, r in view.iterrows())
    return (f"{display.TABLE_CSS}<div style='{display.TABLE_STYLE}'><table class='attain-table'>"
            f"<thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table></div>")


def show_owners(view: pd.DataFrame, lang: str) -> None:
    """Heading, finding and the compact owners' table."""
    display.heading("own.section", lang)
    display.paragraph(owners_finding(view, lang))
    if not view.empty:
        display.html_block(owners_html(view, lang))


__all__ = ["LEVELS", "OVERDUE_COLUMNS", "STATUS_ORDER", "VIEW_COLUMNS", "measures", "overdue_actions",
           "overdue_finding", "overdue_table", "owners_finding", "owners_html", "owners_view", "person_items",
           "show_overdue", "show_owners"]
