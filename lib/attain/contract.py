"""The data contract: which tables a data folder may hold and what their columns mean.

A column is described by its contract type:

- ``text``      any text; empty text counts as missing
- ``date``      a calendar date (ISO ``2026-08-15`` or ``2026/08/15``; a timestamp keeps its date)
- ``timestamp`` a date or a date with a time of day
- ``number``    a decimal number
- ``count``     a whole number
- ``bool``      true/false, 1/0, yes/no, y/n, t/f, 是/否

``required`` columns must exist and may not be empty; optional columns that are absent
are filled with ``default`` (``None`` = missing). ``min`` is a lower bound checked on every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    default: object = None
    min: float | None = None
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    date_column: str
    columns: tuple[Column, ...]
    dimensions: tuple[str, ...] = field(default=())
    doc: str = ""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


ORDERS = Table(
    name="orders",
    required=True,
    date_column="order_date",
    dimensions=("channel", "category", "region"),
    doc="One row per order or per order line; several rows may share an order_id.",
    columns=(
        Column("order_id", "text", required=True, doc="order number; rows of one order share it"),
        Column("customer_id", "text", doc="buyer; empty for guest orders"),
        Column("order_date", "timestamp", required=True, doc="when the order was placed"),
        Column("gmv", "number", required=True, min=0, doc="amount of the row (GMV, 商品交易总额)"),
        Column("channel", "text", default="unknown", doc="marketing channel of the order"),
        Column("category", "text", default="unknown", doc="product category"),
        Column("region", "text", default="unknown", doc="region or city tier"),
        Column("returned", "bool", default=False, doc="the row was returned or refunded"),
        Column("cost", "number", min=0, doc="cost of goods of the row"),
    ),
)

TRAFFIC = Table(
    name="traffic",
    required=False,
    date_column="date",
    dimensions=("channel",),
    doc="Web/app analytics by day and channel.",
    columns=(
        Column("date", "date", required=True),
        Column("channel", "text", default="unknown"),
        Column("uv", "count", required=True, min=0, doc="unique visitors"),
        Column("pv", "count", required=True, min=0, doc="page views"),
        Column("sessions", "count", min=0),
        Column("bounces", "count", min=0),
    ),
)

SPEND = Table(
    name="spend",
    required=False,
    date_column="date",
    dimensions=("channel",),
    doc="Marketing spend by day and channel (ad platforms, KOL fees, ...).",
    columns=(
        Column("date", "date", required=True),
        Column("channel", "text", default="unknown"),
        Column("spend", "number", required=True, min=0),
        Column("campaign", "text"),
        Column("module", "text", doc="strategy module the spend belongs to"),
        Column("impressions", "count", min=0),
        Column("clicks", "count", min=0),
    ),
)

CUSTOMERS = Table(
    name="customers",
    required=False,
    date_column="signup_date",
    dimensions=("region",),
    doc="Members / registered customers.",
    columns=(
        Column("customer_id", "text", required=True),
        Column("signup_date", "date", required=True),
        Column("region", "text"),
        Column("tier", "text"),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (ORDERS, TRAFFIC, SPEND, CUSTOMERS)}
DIMENSIONS = ("channel", "category", "region")
FILE_SUFFIXES = (".csv", ".csv.gz", ".parquet")
