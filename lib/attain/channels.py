"""Channel groups (渠道分组): natural / paid / social-content / private-domain traffic.

Which channel belongs to which group is written in ``<plan_dir>/channels.yaml`` (the same
file holds the combined market segments of ``attain.mix``, under ``segments:``), read by
``load_channel_groups(plan_dir)``. ``analyse_groups(ds, as_of, lookback_months, groups)``
computes, over the window of ``attain.situation.month_window``:

- each group's and each channel's share of UV and of GMV by month. 口径: a group's share is
  Σ of its channels' UV (GMV) ÷ Σ of all channels' UV (GMV) in the same month — shares of
  summed parts, never averaged shares;
- each group's conversion rate over the window: Σ orders ÷ Σ UV of its channels (the
  dictionary's ``conversion_rate`` formula applied to summed parts). Orders are distinct
  order ids per channel and month, so an order counts in the one channel it came from;
- where traffic shifted: each group's share in the last 3 full months against the same
  3 months a year earlier, in percentage points.

Channels in the data that ``channels.yaml`` does not list form the group ``other``
(未分组 / Ungrouped). Without a traffic table, UV shares and conversion rates are left out
(``uv_note`` says why) and GMV shares are still given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from attain import display, i18n, paths
from attain.errors import AttainError
from attain.metrics import METRICS, compute
from attain.situation import Window, add_shares, month_window, share_shifts
from attain.timegrain import month_start, shift_month

FILE_NAME = "channels.yaml"
OTHER = "other"
DIMENSIONS = ("region", "category")
_ID = re.compile(r"^[A-Za-z0-9_-]+$")

i18n.register({
    "chgroup.section": {"zh": "渠道分组：流量与GMV结构", "en": "Channel groups: traffic and GMV mix"},
    "chgroup.other": {"zh": "未分组", "en": "Ungrouped"},
    "chgroup.window": {"zh": "各渠道分组合计（{span}）", "en": "Channel groups, totals ({span})"},
    "chgroup.shifts": {"zh": "占比变化：近3个月与去年同期", "en": "Share shifts: last 3 months vs a year earlier"},
    "chgroup.mapping": {"zh": "渠道与分组（{span}）", "en": "Channels and their groups ({span})"},
    "chgroup.find.top": {"zh": "{span}，{group}带来的GMV最多（占{gmv_share}）",
                         "en": "Over {span}, {group} brought the most GMV ({gmv_share})"},
    "chgroup.find.top_uv": {"zh": "，UV占{uv_share}", "en": " and {uv_share} of UV"},
    "chgroup.find.shift": {"zh": "；近3个月{up}的{what}占比同比{up_pp}，{down}{down_pp}",
                           "en": "; in the last 3 months {up} gained {up_pp} of {what} year on year "
                                 "and {down} {down_pp}"},
    "chgroup.find.conv": {"zh": "；转化率{best}最高（{best_rate}），{worst}最低（{worst_rate}）",
                          "en": "; conversion is highest in {best} ({best_rate}) and lowest in {worst} "
                                "({worst_rate})"},
    "chgroup.find.other": {"zh": "。未在channels.yaml中分组的渠道：{channels}",
                           "en": ". Channels not grouped in channels.yaml: {channels}"},
    "chgroup.find.end": {"zh": "。", "en": "."},
    "chgroup.no_traffic": {"zh": "没有流量表（traffic），UV占比与各分组转化率未计算；GMV占比照常列出。",
                           "en": "No traffic table: UV shares and conversion by group are not computed; "
                                 "GMV shares are shown."},
    "chgroup.defaults": {"zh": "计划目录中没有channels.yaml，使用默认分组。",
                         "en": "No channels.yaml in the plan folder: the default groups are used."},
    "chgroup.note": {"zh": "分组占比 = 分组内各渠道之和 ÷ 全部渠道之和；转化率 = Σ订单数 ÷ ΣUV。",
                     "en": "A group's share = sum over its channels ÷ sum over all channels; "
                           "conversion = Σ orders ÷ Σ UV."},
})

DEFAULT_GROUPS = {
    "natural": ("自然流量", "Natural", ("自然搜索",)),
    "paid": ("付费流量", "Paid", ("付费搜索", "信息流")),
    "social_content": ("社交内容", "Social & content", ("短视频", "直播", "KOL", "社交裂变")),
    "private": ("私域", "Private domain", ("私域",)),
}
DEFAULT_SEGMENTS = {"lower_tier": ("下沉市场", "Lower-tier cities", "region", ("三线城市", "四线及以下"))}


# --- the plan file ------------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    id: str
    zh: str
    en: str
    channels: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.zh if i18n.check_lang(lang) == "zh" else self.en


@dataclass(frozen=True)
class Segment:
    """A combined line of a mix table, e.g. 下沉市场 = the members 三线城市 + 四线及以下 of region."""
    id: str
    zh: str
    en: str
    dimension: str
    members: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.zh if i18n.check_lang(lang) == "zh" else self.en


@dataclass(frozen=True)
class ChannelGroups:
    groups: tuple[Group, ...]
    source: Path | None = None        # None: the built-in defaults (no channels.yaml)

    def group_of(self, channel: str) -> str:
        """The group id of a channel; ``"other"`` for a channel no group lists."""
        return next((g.id for g in self.groups if channel in g.channels), OTHER)

    def order(self) -> list[str]:
        return [g.id for g in self.groups] + [OTHER]

    def name(self, group_id: str, lang: str) -> str:
        if group_id == OTHER:
            return i18n.t("chgroup.other", lang)
        return next(g for g in self.groups if g.id == group_id).name(lang)


def _fail(message: str, file: Path, where: str | None = None, hint: str | None = None):
    raise AttainError(message, file=file, where=where,
                      hint=hint or f"see the comments at the top of data/plan/{FILE_NAME}")


def read_plan_file(plan_dir: str | Path | None) -> tuple[dict | None, Path]:
    """The parsed ``channels.yaml`` (None when the file does not exist) and its path."""
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    path = folder / FILE_NAME
    if not path.is_file():
        return None, path
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        _fail(f"not valid YAML ({exc.__class__.__name__}: {str(exc).splitlines()[0]})", path,
              hint="fix the YAML syntax (indentation, colons, quotes)")
    doc = {} if doc is None else doc
    if not isinstance(doc, dict):
        _fail("expected the keys 'groups:' and 'segments:'", path)
    unknown = sorted(str(k) for k in doc if k not in ("groups", "segments"))
    if unknown:
        _fail(f"unknown key(s): {', '.join(unknown)}", path, where=unknown[0],
              hint="the file has only 'groups:' and 'segments:'")
    return doc, path


def _names(entry, path: Path, where: str, allowed: set[str], required: set[str]) -> None:
    if not isinstance(entry, dict):
        _fail(f"expected {', '.join(sorted(required))}", path, where)
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        _fail(f"unknown key(s): {', '.join(unknown)}", path, f"{where}.{unknown[0]}",
              hint=f"an entry has only {', '.join(sorted(allowed))}")
    for key in sorted(required):
        value = entry.get(key)
        if value is None or (not isinstance(value, list) and str(value).strip() == ""):
            _fail(f"'{key}' is missing or empty", path, f"{where}.{key}")


def _text_list(value, path: Path, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(v is None or str(v).strip() == "" for v in value):
        _fail("expected a list of names, e.g. [自然搜索, 付费搜索]", path, where)
    items = [str(v).strip() for v in value]
    twice = sorted({v for v in items if items.count(v) > 1})
    if twice:
        _fail(f"listed twice: {', '.join(twice)}", path, where)
    return tuple(items)


def _check_id(gid, path: Path, where: str) -> str:
    gid = str(gid)
    if not _ID.match(gid) or gid == OTHER:
        _fail(f"'{gid}' cannot be an id", path, where,
              hint="use letters, digits, _ or - (and not 'other', which holds the ungrouped channels)")
    return gid


def load_channel_groups(plan_dir: str | Path | None) -> ChannelGroups:
    """The channel groups of ``<plan_dir>/channels.yaml`` (the built-in defaults without the file).

    Raises ``AttainError`` naming the file and the key for bad YAML, an unknown key, a group
    without zh/en names or channels, and a channel listed in two groups.
    """
    doc, path = read_plan_file(plan_dir)
    if doc is None:
        return ChannelGroups(tuple(Group(k, zh, en, ch) for k, (zh, en, ch) in DEFAULT_GROUPS.items()))
    entries = doc.get("groups")
    if not isinstance(entries, dict) or not entries:
        _fail("'groups:' must list at least one group (id: {zh, en, channels})", path, "groups")
    groups, owner = [], {}
    for gid, entry in entries.items():
        where = f"groups.{gid}"
        gid = _check_id(gid, path, where)
        _names(entry, path, where, {"zh", "en", "channels"}, {"zh", "en", "channels"})
        channels = _text_list(entry["channels"], path, f"{where}.channels")
        for ch in channels:
            if ch in owner:
                _fail(f"channel '{ch}' is in two groups: {owner[ch]} and {gid}", path, f"{where}.channels",
                      hint="keep each channel in one group")
            owner[ch] = gid
        groups.append(Group(gid, str(entry["zh"]).strip(), str(entry["en"]).strip(), channels))
    return ChannelGroups(tuple(groups), path)


def load_segments(plan_dir: str | Path | None) -> tuple[Segment, ...]:
    """The combined segments of ``channels.yaml``'s ``segments:`` (default: 下沉市场 = 三线城市 + 四线及以下)."""
    doc, path = read_plan_file(plan_dir)
    if doc is None or "segments" not in doc:
        return tuple(Segment(k, zh, en, d, m) for k, (zh, en, d, m) in DEFAULT_SEGMENTS.items())
    entries = doc["segments"] or {}
    if not isinstance(entries, dict):
        _fail("'segments:' must map ids to {zh, en, dimension, members}", path, "segments")
    out = []
    for sid, entry in entries.items():
        where = f"segments.{sid}"
        sid = _check_id(sid, path, where)
        keys = {"zh", "en", "dimension", "members"}
        _names(entry, path, where, keys, keys)
        if entry["dimension"] not in DIMENSIONS:
            _fail(f"unknown dimension '{entry['dimension']}'", path, f"{where}.dimension",
                  hint=f"use one of: {', '.join(DIMENSIONS)}")
        members = _text_list(entry["members"], path, f"{where}.members")
        out.append(Segment(sid, str(entry["zh"]).strip(), str(entry["en"]).strip(), entry["dimension"], members))
    return tuple(out)


# --- the analysis -------------------------------------------------------------------------

@dataclass
class GroupMix:
    """Channel groups over a window. Frames (``group`` holds the group id, see ``groups.name``):

    - ``monthly``: month, group, [uv], gmv, orders, [uv_share], gmv_share — window months only;
    - ``channel_monthly``: month, channel, group, [uv], gmv, orders, [uv_share], gmv_share;
    - ``totals``: group, [uv], gmv, orders, [uv_share], gmv_share, [conversion_rate] — over the window;
    - ``channels``: channel, group, [uv], gmv, orders, [uv_share], gmv_share, [conversion_rate];
    - ``shifts``: group, <v>_share_recent, <v>_share_base, <v>_shift for v in uv/gmv (fractions:
      0.02 = 2 pp), last 3 full months vs a year earlier; None when the data do not reach back.
    Columns in brackets exist only with a traffic table.
    """
    window: Window
    groups: ChannelGroups
    monthly: pd.DataFrame
    channel_monthly: pd.DataFrame
    totals: pd.DataFrame
    channels: pd.DataFrame
    shifts: pd.DataFrame | None
    ungrouped: list[str] = field(default_factory=list)
    has_traffic: bool = True
    uv_note: str | None = None        # i18n key explaining why UV is missing


def _conversion(frame: pd.DataFrame) -> pd.Series:
    return METRICS["conversion_rate"].formula(frame)


def _sum_by(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    return frame.groupby(keys, as_index=False, sort=False)[values].sum()


def _covers(ds, table: str, month: str) -> bool:
    return ds.has_table(table) and ds.date_range(table)[0] <= month_start(month)


def _ordered(frame: pd.DataFrame, groups: ChannelGroups, extra: list[str] = ()) -> pd.DataFrame:
    rank = {g: i for i, g in enumerate(groups.order())}
    keys = list(extra) + ["_rank"]
    out = frame.assign(_rank=frame["group"].map(rank)).sort_values(keys, kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)


def analyse_groups(ds, as_of, lookback_months: int, groups: ChannelGroups) -> GroupMix:
    """Group and channel shares of UV and GMV, group conversion and share shifts (see the module doc)."""
    window = month_window(as_of, lookback_months)
    has_traffic = ds.has_table("traffic")
    values = ["uv", "orders", "gmv"] if has_traffic else ["orders", "gmv"]
    shares = [v for v in ("uv", "gmv") if v in values]
    recent = window.last(3)
    first = min(window.months[0], shift_month(recent[0], -12))
    raw = compute(ds, values, grain="month", by=["channel"], start=month_start(first), end=window.end)
    raw["group"] = raw["channel"].map(groups.group_of)
    by_group = _sum_by(raw, ["month", "group"], values)
    in_window = raw[raw["month"].isin(window.months)]

    channel_monthly = add_shares(in_window[["month", "channel", "group", *values]], shares)
    monthly = add_shares(by_group[by_group["month"].isin(window.months)], shares)
    totals = add_shares(_sum_by(in_window, ["group"], values), shares, period=None)
    channels = add_shares(_sum_by(in_window, ["channel", "group"], values), shares, period=None)
    if has_traffic:
        totals["conversion_rate"] = _conversion(totals)
        channels["conversion_rate"] = _conversion(channels)

    base_first = shift_month(recent[0], -12)
    covered = [v for v in shares if _covers(ds, "traffic" if v == "uv" else "orders", base_first)]
    shifts = share_shifts(by_group, recent, values=covered, key="group") if covered else None
    return GroupMix(
        window=window, groups=groups,
        monthly=_ordered(monthly, groups, ["month"]),
        channel_monthly=_ordered(channel_monthly, groups, ["month"]).reset_index(drop=True),
        totals=_ordered(totals, groups),
        channels=_ordered(channels.sort_values("gmv", ascending=False, kind="stable"), groups),
        shifts=None if shifts is None else _ordered(shifts, groups),
        ungrouped=sorted(in_window.loc[in_window["group"] == OTHER, "channel"].unique()),
        has_traffic=has_traffic, uv_note=None if has_traffic else "chgroup.no_traffic")


# --- words and tables ---------------------------------------------------------------------

def _span(g: GroupMix, lang: str) -> str:
    return i18n.fmt_month_span(g.window.months[0], g.window.months[-1], lang)


def _shift_text(g: GroupMix, lang: str) -> str:
    if g.shifts is None:
        return ""
    value = "uv" if "uv_shift" in g.shifts else "gmv"
    ranked = g.shifts.dropna(subset=[f"{value}_shift"]).sort_values(f"{value}_shift", ascending=False,
                                                                     kind="stable")
    if len(ranked) < 2:
        return ""
    up, down = ranked.iloc[0], ranked.iloc[-1]
    return i18n.t("chgroup.find.shift", lang, what="UV" if value == "uv" else "GMV",
                  up=g.groups.name(up["group"], lang), up_pp=i18n.fmt_pp(up[f"{value}_shift"], lang),
                  down=g.groups.name(down["group"], lang), down_pp=i18n.fmt_pp(down[f"{value}_shift"], lang))


def _conversion_text(g: GroupMix, lang: str) -> str:
    if "conversion_rate" not in g.totals:
        return ""
    ranked = g.totals.dropna(subset=["conversion_rate"]).sort_values("conversion_rate", ascending=False,
                                                                      kind="stable")
    if len(ranked) < 2:
        return ""
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    rate = lambda v: i18n.fmt_pct(v, decimals=2)  # noqa: E731
    return i18n.t("chgroup.find.conv", lang, best=g.groups.name(best["group"], lang),
                  best_rate=rate(best["conversion_rate"]), worst=g.groups.name(worst["group"], lang),
                  worst_rate=rate(worst["conversion_rate"]))


def finding(g: GroupMix, lang: str) -> str:
    """One sentence: the biggest group, where traffic moved, conversion extremes, ungrouped channels."""
    if g.totals.empty or g.totals["gmv"].sum() == 0:
        return i18n.t("hl.no_data", lang)
    top = g.totals.sort_values("gmv", ascending=False, kind="stable").iloc[0]
    text = i18n.t("chgroup.find.top", lang, span=_span(g, lang), group=g.groups.name(top["group"], lang),
                  gmv_share=i18n.fmt_pct(top["gmv_share"]))
    if "uv_share" in g.totals:
        text += i18n.t("chgroup.find.top_uv", lang, uv_share=i18n.fmt_pct(top["uv_share"]))
    text += _shift_text(g, lang) + _conversion_text(g, lang)
    if g.ungrouped:
        text += i18n.t("chgroup.find.other", lang, channels=i18n.join_list(g.ungrouped, lang))
    text += i18n.t("chgroup.find.end", lang)
    if not g.has_traffic:
        text += ("" if lang == "zh" else " ") + i18n.t(g.uv_note, lang)
    return text


def show(g: GroupMix, lang: str) -> None:
    """Heading, finding, the groups table, share shifts, the share chart and the channel mapping."""
    from attain import viz_mix

    display.heading("chgroup.section", lang)
    display.paragraph(finding(g, lang))
    if g.groups.source is None:
        display.note(i18n.t("chgroup.defaults", lang))
    display.heading("chgroup.window", lang, level=3, span=_span(g, lang))
    display.table(viz_mix.totals_table(g, lang))
    display.note(i18n.t("chgroup.note", lang))
    if g.uv_note:
        display.note(i18n.t(g.uv_note, lang))
    display.figure(viz_mix.group_shares(g, lang))
    if g.shifts is not None:
        display.heading("chgroup.shifts", lang, level=3)
        display.table(viz_mix.shifts_table(g, lang))
    display.heading("chgroup.mapping", lang, level=3, span=_span(g, lang))
    display.table(viz_mix.channels_table(g, lang))
