"""Data freshness and quality (数据时效与质量): can the report be trusted as of ``as_of``?

``check(ds, as_of)`` summarises what ``attain.data.load_dataset`` found, without reading any
rows again except one aggregate query per table (days with data):

- which contract tables are present, and which optional ones are missing (and which
  report sections they would feed);
- each table's date coverage (first and last day, days with at least one row);
- how far each table's last day is from ``as_of`` (``days_behind`` = as_of − last day; negative
  when the data run past as_of) and from the orders' last day (``lag_days``, counted up to
  as_of): a table that ends before the orders makes the latest days incomplete;
- rows dropped by a ``where:`` filter of ``mapping.yml`` (``filtered_out``, "rejected rows");
- the share of empty values of optional columns, and contract columns the source lacks,
  filled with the contract's default.

Warnings (``Freshness.warnings``): the orders end before ``as_of``; a table ends before the
orders. Rows filtered out by a mapping are reported, not warned about (a filter is a choice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from attain import display, i18n
from attain.contract import TABLES
from attain.timegrain import parse_date

#: Optional tables and the sections they feed (i18n keys of the section names).
FEEDS = {"traffic": ("fresh.feed.traffic",), "spend": ("fresh.feed.spend",), "customers": ("fresh.feed.customers",)}

i18n.register({
    "fresh.section": {"zh": "数据时效与质量", "en": "Data freshness and quality"},
    "fresh.feed.traffic": {"zh": "UV占比、转化率和跳出率", "en": "UV shares, conversion and bounce rates"},
    "fresh.feed.spend": {"zh": "渠道花费、ROAS、CAC和CPA", "en": "spend, ROAS, CAC and CPA by channel"},
    "fresh.feed.customers": {"zh": "会员注册与会员等级", "en": "member sign-ups and member tiers"},
    "fresh.col.table": {"zh": "表", "en": "Table"},
    "fresh.col.source": {"zh": "来源文件", "en": "Source file"},
    "fresh.col.rows": {"zh": "行数", "en": "Rows"},
    "fresh.col.from": {"zh": "起始日", "en": "From"},
    "fresh.col.to": {"zh": "截止日", "en": "To"},
    "fresh.col.days": {"zh": "有数据的天数", "en": "Days with data"},
    "fresh.col.behind": {"zh": "距分析日（天）", "en": "Days before as_of"},
    "fresh.col.filtered": {"zh": "被mapping剔除的行", "en": "Rows filtered out by the mapping"},
    "fresh.col.empty": {"zh": "空值占比", "en": "Empty values"},
    "fresh.col.defaulted": {"zh": "缺失列（用默认值填充）", "en": "Missing columns (filled with defaults)"},
    "fresh.col.notes": {"zh": "读取时的自动修正", "en": "Fixed when loading"},
    "fresh.col.feeds": {"zh": "缺少时无法提供", "en": "Without it, no"},
    "fresh.missing_title": {"zh": "缺少的可选表", "en": "Optional tables not present"},
    "fresh.end_same": {"zh": "数据截至{end}，与分析日一致", "en": "Data run to {end}, the analysis date"},
    "fresh.end_behind": {"zh": "数据截至{end}，比分析日{as_of}早{days}天", "en": "Data end on {end}, {days} day(s) "
                                                                       "before the analysis date {as_of}"},
    "fresh.end_after": {"zh": "数据截至{end}，分析日{as_of}之后的数据不计入",
                        "en": "Data run to {end}; days after the analysis date {as_of} are not used"},
    "fresh.all_tables": {"zh": "{n}张表齐全", "en": "all {n} tables present"},
    "fresh.missing": {"zh": "缺少{table}表，无法提供{feeds}", "en": "no {table} table, so no {feeds}"},
    "fresh.lag": {"zh": "{table}表比订单表早{days}天结束", "en": "{table} ends {days} day(s) before the orders"},
    "fresh.no_filtered": {"zh": "无被剔除的行", "en": "no rows filtered out"},
    "fresh.filtered": {"zh": "mapping.yml剔除了{items}", "en": "mapping.yml filtered out {items}"},
    "fresh.filtered_item": {"zh": "{table}表{n}行（{share}）", "en": "{n} {table} rows ({share})"},
    "fresh.defaulted": {"zh": "缺少列{items}，已用默认值填充", "en": "missing columns filled with defaults: {items}"},
    "fresh.sep": {"zh": "；", "en": "; "},
    "fresh.end": {"zh": "。", "en": "."},
    "fresh.default_none": {"zh": "空", "en": "empty"},
})


@dataclass
class Freshness:
    """The data-quality summary.

    ``tables``: one row per present table — table, source, rows, filtered_out,
    filtered_share (of the rows before the filter), date_min, date_max, days_with_data,
    days_in_range, days_behind (as_of − date_max), lag_days (days the table ends before
    min(orders' last day, as_of); 0 for orders).
    ``missing``: table, feeds (i18n keys) for each optional table not present.
    ``empty_values``: table, column, share — optional columns with empty values.
    ``defaulted``: table, column, default — contract columns the source lacks.
    ``warnings``: codes, e.g. ("data_behind",), ("lag", "traffic").
    """
    as_of: dt.date
    tables: pd.DataFrame
    missing: pd.DataFrame
    empty_values: pd.DataFrame
    defaulted: pd.DataFrame
    warnings: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def data_end(self) -> dt.date:
        return self.tables.set_index("table").loc["orders", "date_max"]


def _days_with_data(ds, name: str) -> int:
    """Distinct days with at least one row (one aggregate query in the engine)."""
    col = ds.table(name)[TABLES[name].date_column]
    day = col.date() if col.type().is_timestamp() else col
    return int(ds.table(name).aggregate(n=day.nunique()).execute()["n"].iloc[0])


def _table_rows(ds, as_of: dt.date) -> pd.DataFrame:
    orders_end = min(ds.tables["orders"].date_max, as_of)
    rows = []
    for name in (n for n in TABLES if ds.has_table(n)):
        info = ds.tables[name]
        before = info.rows + info.filtered_out
        rows.append({
            "table": name, "source": info.source.file.name, "rows": info.rows, "filtered_out": info.filtered_out,
            "filtered_share": info.filtered_out / before if before else 0.0,
            "date_min": info.date_min, "date_max": info.date_max,
            "days_with_data": _days_with_data(ds, name),
            "days_in_range": (info.date_max - info.date_min).days + 1,
            "days_behind": (as_of - info.date_max).days,
            "lag_days": max(0, (orders_end - info.date_max).days),
            "notes": "; ".join(info.notes),
        })
    return pd.DataFrame(rows)


def check(ds, as_of) -> Freshness:
    """The freshness and quality summary of a loaded dataset as of ``as_of``."""
    as_of = parse_date(as_of, "as_of")
    tables = _table_rows(ds, as_of)
    missing = pd.DataFrame([{"table": n, "feeds": FEEDS.get(n, ())} for n in TABLES if not ds.has_table(n)],
                           columns=["table", "feeds"])
    empty = [{"table": n, "column": c, "share": s} for n, info in ds.tables.items()
             for c, s in info.null_share.items() if s > 0]
    defaulted = [{"table": n, "column": c.name, "default": c.default} for n, info in ds.tables.items()
                 for c in info.source.table.columns if c.name not in info.present]
    warnings: list[tuple[str, ...]] = []
    orders = tables.set_index("table").loc["orders"]
    if orders["days_behind"] > 0:
        warnings.append(("data_behind",))
    warnings += [("lag", r["table"]) for _, r in tables.iterrows() if r["lag_days"] > 0]
    return Freshness(as_of, tables, missing, pd.DataFrame(empty, columns=["table", "column", "share"]),
                     pd.DataFrame(defaulted, columns=["table", "column", "default"]), warnings)


# --- words ------------------------------------------------------------------------------

def _end_text(f: Freshness, lang: str) -> str:
    end, behind = f.data_end, f.tables.set_index("table").loc["orders", "days_behind"]
    key = "fresh.end_same" if behind == 0 else "fresh.end_behind" if behind > 0 else "fresh.end_after"
    return i18n.t(key, lang, end=end.isoformat(), as_of=f.as_of.isoformat(), days=abs(int(behind)))


def _feeds(keys, lang: str) -> str:
    return i18n.join_list([i18n.t(k, lang) for k in keys], lang)


def _missing_parts(f: Freshness, lang: str) -> list[str]:
    return [i18n.t("fresh.missing", lang, table=r["table"], feeds=_feeds(r["feeds"], lang))
            for _, r in f.missing.iterrows()]


def _lag_parts(f: Freshness, lang: str) -> list[str]:
    lagging = f.tables[f.tables["lag_days"] > 0]
    return [i18n.t("fresh.lag", lang, table=r["table"], days=int(r["lag_days"])) for _, r in lagging.iterrows()]


def _filter_part(f: Freshness, lang: str) -> str:
    hit = f.tables[f.tables["filtered_out"] > 0]
    if hit.empty:
        return i18n.t("fresh.no_filtered", lang)
    items = [i18n.t("fresh.filtered_item", lang, table=r["table"], n=f"{int(r['filtered_out']):,}",
                    share=i18n.fmt_pct(r["filtered_share"])) for _, r in hit.iterrows()]
    return i18n.t("fresh.filtered", lang, items=i18n.join_list(items, lang))


def finding(f: Freshness, lang: str) -> str:
    """E.g. "数据截至2026-08-15，与分析日一致；4张表齐全，无被剔除的行。"."""
    comma = "，" if lang == "zh" else ", "
    clauses = [_end_text(f, lang)]
    if f.missing.empty:
        clauses.append(i18n.t("fresh.all_tables", lang, n=len(f.tables)) + comma + _filter_part(f, lang))
    else:
        clauses += _missing_parts(f, lang) + [_filter_part(f, lang)]
    clauses += _lag_parts(f, lang)
    if not f.defaulted.empty:
        items = [f"{r['table']}.{r['column']}" for _, r in f.defaulted.iterrows()]
        clauses.append(i18n.t("fresh.defaulted", lang, items=i18n.join_list(items, lang)))
    return i18n.t("fresh.sep", lang).join(clauses) + i18n.t("fresh.end", lang)


# --- tables -----------------------------------------------------------------------------

def tables_table(f: Freshness, lang: str) -> pd.DataFrame:
    """One row per present table: source, rows, coverage, days behind, filtered rows, empty values."""
    t = f.tables
    empty = {n: ", ".join(f"{r['column']} {i18n.fmt_pct(r['share'])}" for _, r in g.iterrows())
             for n, g in f.empty_values.groupby("table")}
    defaulted = {n: ", ".join(g["column"]) for n, g in f.defaulted.groupby("table")}
    col = lambda k: i18n.t(f"fresh.col.{k}", lang)  # noqa: E731
    out = pd.DataFrame({
        col("table"): list(t["table"]), col("source"): list(t["source"]),
        col("rows"): [f"{int(v):,}" for v in t["rows"]],
        col("from"): [d.isoformat() for d in t["date_min"]], col("to"): [d.isoformat() for d in t["date_max"]],
        col("days"): [f"{int(a):,} / {int(b):,}" for a, b in zip(t["days_with_data"], t["days_in_range"])],
        col("behind"): [str(int(v)) for v in t["days_behind"]],
        col("filtered"): [f"{int(n):,}" + (f" ({i18n.fmt_pct(s)})" if n else "")
                          for n, s in zip(t["filtered_out"], t["filtered_share"])],
        col("empty"): [empty.get(n, "—") for n in t["table"]],
        col("defaulted"): [defaulted.get(n, "—") for n in t["table"]],
    })
    if any(t["notes"]):   # a BOM, a GBK file or thousands separators the loader fixed (attain.csvfix)
        out[col("notes")] = [n or "—" for n in t["notes"]]
    return out


def missing_table(f: Freshness, lang: str) -> pd.DataFrame | None:
    if f.missing.empty:
        return None
    return pd.DataFrame({i18n.t("fresh.col.table", lang): list(f.missing["table"]),
                         i18n.t("fresh.col.feeds", lang): [_feeds(k, lang) for k in f.missing["feeds"]]})


def show(f: Freshness, lang: str) -> None:
    """Heading, finding, the per-table summary and the missing optional tables."""
    display.heading("fresh.section", lang)
    display.paragraph(finding(f, lang))
    display.table(tables_table(f, lang))
    if not f.missing.empty:
        display.heading("fresh.missing_title", lang, level=3)
        display.table(missing_table(f, lang))
