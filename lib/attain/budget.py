"""The marketing budget (预算) of ``<plan_dir>/budget.yaml``: model, loading and checks.

The file an analyst edits::

    year: 2026
    currency: CNY
    total: 28000000              # the whole budget of the period, reserve included (CNY)
    reserve_share: 0.12          # kept back for contingencies (预留); 10–15 % is the house rule
    brand_share: 0.4             # share of the allocatable budget reserved for brand building
    brand_channels: [信息流, KOL, 短视频]   # the channels that count as brand building
    channels:                    # planned ("current") spend per paid channel
      直播: 7000000              #   simple form: the amount
      KOL: {current: 2400000, min: 1500000, max: 3500000}   # or with bounds
    limits:                      # optional: bounds for channels given in the simple form
      直播: {min: 5000000, max: 10000000}

口径: the *allocatable* budget is ``total × (1 − reserve_share)``; the reserve is never
allocated. The planned channel amounts should add up to the allocatable budget. ``brand_share``
applies to the allocatable budget: ``brand_share × allocatable`` goes to ``brand_channels``, the
rest to the other (performance) channels. Without ``brand_channels`` no split is applied.

``load_budget(plan_dir)`` raises ``AttainError`` (file, key, what to do) for a malformed file —
a missing total, a reserve share outside 0–50 %, a bound below zero, min above max, an unknown
key. ``budget_checks(plan)`` returns the softer findings (warnings): a reserve outside 10–15 %,
planned amounts that do not add up, a planned amount outside its own bounds, a planned brand
share different from ``brand_share``, bounds that cannot hold the allocatable budget ("error").
``check_text(check, lang)`` words one of them in zh or en.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from attain import i18n, paths
from attain.errors import AttainError
from attain.planfile import read_plan_yaml

FILE_NAME = "budget.yaml"
RESERVE_ADVICE = (0.10, 0.15)       # warn outside (house rule: 10–15 % of the total)
RESERVE_LIMITS = (0.0, 0.50)        # error outside
SUM_TOLERANCE = 1.0                 # CNY: planned amounts may differ from the target by rounding
TOP_KEYS = ("year", "currency", "total", "reserve_share", "brand_share", "brand_channels", "channels", "limits",
            "cac_targets")
CHANNEL_KEYS = ("current", "planned", "min", "max")

i18n.register({
    "budget.check.reserve": {
        "zh": "预留比例为{share}，不在建议的{lo}–{hi}之间。",
        "en": "The reserve share is {share}, outside the advised {lo}–{hi}."},
    "budget.check.sum": {
        "zh": "各渠道计划金额合计{planned}，与可分配预算（总预算 × (1 − 预留比例)）{target}相差{diff}。",
        "en": "The planned channel amounts add up to {planned}, {diff} away from the allocatable budget "
              "(total × (1 − reserve share)) of {target}."},
    "budget.check.outside": {
        "zh": "{channel}的计划金额{current}不在其上下限{lo}–{hi}之内。",
        "en": "{channel}: the planned amount {current} is outside its bounds {lo}–{hi}."},
    "budget.check.brand": {
        "zh": "品牌渠道（{channels}）的计划占比为{planned}，目标品牌占比为{target}。",
        "en": "The brand channels ({channels}) have {planned} of the planned amounts; the brand share is {target}."},
    "budget.check.no_brand_channels": {
        "zh": "设置了品牌占比{target}但未列出brand_channels，品牌/效果拆分不生效。",
        "en": "brand_share is {target} but no brand_channels are listed: the brand/performance split is not applied."},
    "budget.check.infeasible": {
        "zh": "{pool}的上下限合计{lo}–{hi}，容纳不下分配给它的{amount}。",
        "en": "{pool}: the bounds add up to {lo}–{hi}, which cannot hold its {amount}."},
    "budget.pool.brand": {"zh": "品牌建设", "en": "Brand building"},
    "budget.pool.performance": {"zh": "效果转化", "en": "Performance"},
    "budget.pool.all": {"zh": "全部渠道", "en": "All channels"},
})


@dataclass(frozen=True)
class ChannelBudget:
    """One paid channel: planned ("current") spend and optional bounds (None: unbounded)."""
    name: str
    current: float
    min: float | None = None
    max: float | None = None

    @property
    def lower(self) -> float:
        return 0.0 if self.min is None else self.min

    @property
    def upper(self) -> float:
        return math.inf if self.max is None else self.max


@dataclass(frozen=True)
class BudgetPlan:
    total: float
    reserve_share: float
    channels: tuple[ChannelBudget, ...]
    brand_share: float | None = None
    brand_channels: tuple[str, ...] = ()
    year: int | None = None
    currency: str = "CNY"
    source: Path | None = None
    cac_targets: dict[str, float] = field(default_factory=dict)   # budgeted CAC per channel (CNY per new buyer)

    @property
    def reserve(self) -> float:
        return self.total * self.reserve_share

    @property
    def allocatable(self) -> float:
        """total × (1 − reserve_share): what the channels may spend."""
        return self.total * (1 - self.reserve_share)

    @property
    def planned(self) -> float:
        return sum(c.current for c in self.channels)

    def channel(self, name: str) -> ChannelBudget:
        return next(c for c in self.channels if c.name == name)

    def names(self) -> list[str]:
        return [c.name for c in self.channels]

    def pool_of(self, name: str) -> str:
        """"brand" / "performance" with a brand split, else "all"."""
        if not self.split_applies:
            return "all"
        return "brand" if name in self.brand_channels else "performance"

    @property
    def split_applies(self) -> bool:
        return self.brand_share is not None and bool(self.brand_channels)

    def pool_shares(self) -> dict[str, float]:
        """Share of the allocatable budget per pool."""
        if not self.split_applies:
            return {"all": 1.0}
        return {"brand": self.brand_share, "performance": 1.0 - self.brand_share}


@dataclass(frozen=True)
class Check:
    level: str                       # "warning" or "error"
    code: str                        # i18n key suffix: budget.check.<code>
    key: str                         # where in the file
    params: dict = field(default_factory=dict)


def _fail(message: str, file, where: str | None = None, hint: str | None = None):
    raise AttainError(message, file=file, where=where,
                      hint=hint or f"see the comments at the top of data/plan/{FILE_NAME}")


def _number(value, file, where: str, *, required: bool = True, minimum: float | None = 0.0):
    if value is None:
        if required:
            _fail("is missing", file, where, hint="give an amount in CNY, e.g. 28000000")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(f"expected a number, got {value!r}", file, where,
              hint="write a plain number without units or thousands separators, e.g. 2400000")
    if minimum is not None and value < minimum:
        _fail(f"must be at least {minimum:g}, got {value:g}", file, where)
    return float(value)


def _share(value, file, where: str, lo: float, hi: float, required: bool) -> float | None:
    if value is None and not required:
        return None
    v = _number(value, file, where, minimum=None)
    if not lo <= v <= hi:
        _fail(f"must be between {lo:g} and {hi:g} (a fraction, 0.12 = 12 %), got {v:g}", file, where,
              hint="write a fraction such as 0.12")
    return v


def _channel(name: str, value, limits, file) -> ChannelBudget:
    where = f"channels.{name}"
    if isinstance(value, dict):
        unknown = sorted(str(k) for k in value if k not in CHANNEL_KEYS)
        if unknown:
            _fail(f"unknown key(s): {', '.join(unknown)}", file, f"{where}.{unknown[0]}",
                  hint="a channel has current (or planned), min and max")
        if "current" in value and "planned" in value:
            _fail("give either 'current' or 'planned', not both", file, where)
        current = _number(value.get("current", value.get("planned")), file, f"{where}.current")
        if limits is not None:
            _fail("bounds are given both here and under 'limits:'", file, f"limits.{name}",
                  hint="keep the bounds in one place")
        bounds = value
    else:
        current = _number(value, file, where)
        bounds = limits or {}
        if limits is not None:
            if not isinstance(limits, dict) or any(k not in ("min", "max") for k in limits):
                _fail("expected {min: ..., max: ...}", file, f"limits.{name}",
                      hint="write e.g. 直播: {min: 5000000, max: 10000000}")
            where = f"limits.{name}"
    lo = _number(bounds.get("min"), file, f"{where}.min", required=False)
    hi = _number(bounds.get("max"), file, f"{where}.max", required=False)
    if lo is not None and hi is not None and lo > hi:
        _fail(f"min ({lo:,.0f}) is above max ({hi:,.0f})", file, where, hint="swap or correct the bounds")
    return ChannelBudget(str(name), current, lo, hi)


def _path(plan_dir) -> Path:
    folder = paths.resolve(plan_dir) if plan_dir is not None else paths.default_plan_dir()
    return folder if folder.suffix in (".yaml", ".yml") else folder / FILE_NAME


def load_budget(plan_dir: str | Path | None = None) -> BudgetPlan:
    """The budget of ``<plan_dir>/budget.yaml`` (or of a .yaml file given directly).

    Raises ``AttainError`` naming the file and the key when the file is missing or malformed.
    """
    path = _path(plan_dir)
    if not path.is_file():
        _fail("the budget file does not exist", path,
              hint=f"create {FILE_NAME} in the plan folder (total, reserve_share, channels)")
    doc = read_plan_yaml(path)
    if not isinstance(doc, dict):
        _fail("expected keys such as total:, reserve_share: and channels:", path)
    unknown = sorted(str(k) for k in doc if k not in TOP_KEYS)
    if unknown:
        _fail(f"unknown key(s): {', '.join(unknown)}", path, unknown[0],
              hint=f"the file has only: {', '.join(TOP_KEYS)}")
    total = _number(doc.get("total"), path, "total")
    if total <= 0:
        _fail("must be above zero", path, "total")
    reserve = _share(doc.get("reserve_share"), path, "reserve_share", *RESERVE_LIMITS, required=True)
    brand = _share(doc.get("brand_share"), path, "brand_share", 0.0, 1.0, required=False)
    entries = doc.get("channels")
    if not isinstance(entries, dict) or not entries:
        _fail("'channels:' must list the planned amount of at least one channel", path, "channels",
              hint="write one line per channel, e.g. 直播: 7000000")
    limits = doc.get("limits") or {}
    if not isinstance(limits, dict):
        _fail("'limits:' must map channels to {min, max}", path, "limits")
    stray = sorted(str(k) for k in limits if k not in entries)
    if stray:
        _fail(f"channel '{stray[0]}' has limits but no planned amount under 'channels:'", path,
              f"limits.{stray[0]}", hint="add the channel under channels: or remove its limits")
    channels = tuple(_channel(name, value, limits.get(name), path) for name, value in entries.items())
    brand_channels = doc.get("brand_channels") or []
    if not isinstance(brand_channels, list):
        _fail("expected a list of channels, e.g. [信息流, KOL]", path, "brand_channels")
    brand_channels = tuple(str(c) for c in brand_channels)
    missing = [c for c in brand_channels if c not in entries]
    if missing:
        _fail(f"'{missing[0]}' is not under 'channels:'", path, "brand_channels",
              hint="list only channels that have a planned amount")
    year = doc.get("year")
    cac = doc.get("cac_targets") or {}
    if not isinstance(cac, dict):
        _fail("'cac_targets:' must map channels to a CAC in CNY", path, "cac_targets", hint="write e.g. 直播: 140")
    cac = {str(k): _number(v, path, f"cac_targets.{k}") for k, v in cac.items()}
    return BudgetPlan(cac_targets=cac, total=total, reserve_share=reserve, channels=channels, brand_share=brand,
                      brand_channels=brand_channels, year=int(year) if year is not None else None,
                      currency=str(doc.get("currency") or "CNY"), source=path)


def load_budget_if_present(plan_dir: str | Path | None = None) -> BudgetPlan | None:
    """``load_budget``, or None when there is no budget file (a malformed one still raises)."""
    return load_budget(plan_dir) if _path(plan_dir).is_file() else None


def pool_bounds(plan: BudgetPlan) -> dict[str, tuple[float, float, float]]:
    """Per pool: (Σ min, Σ max, amount the pool gets of the allocatable budget)."""
    shares = plan.pool_shares()
    out = {}
    for pool, share in shares.items():
        members = [c for c in plan.channels if plan.pool_of(c.name) == pool]
        out[pool] = (sum(c.lower for c in members), sum(c.upper for c in members), share * plan.allocatable)
    return out


def budget_checks(plan: BudgetPlan) -> list[Check]:
    """Warnings (and "error" for bounds that cannot hold the budget) about a loaded plan."""
    out: list[Check] = []
    lo, hi = RESERVE_ADVICE
    if not lo - 1e-12 <= plan.reserve_share <= hi + 1e-12:
        out.append(Check("warning", "reserve", "reserve_share", {"share": plan.reserve_share, "lo": lo, "hi": hi}))
    diff = round(plan.planned - plan.allocatable, 2)          # to the fen: 1000 × 0.88 is not exact
    if abs(diff) > SUM_TOLERANCE:
        out.append(Check("warning", "sum", "channels",
                         {"planned": plan.planned, "target": round(plan.allocatable, 2), "diff": diff}))
    for c in plan.channels:
        if not c.lower <= c.current <= c.upper:
            out.append(Check("warning", "outside", f"channels.{c.name}",
                             {"channel": c.name, "current": c.current, "lo": c.min, "hi": c.max}))
    if plan.brand_share is not None and not plan.brand_channels:
        out.append(Check("warning", "no_brand_channels", "brand_channels", {"target": plan.brand_share}))
    if plan.split_applies and plan.planned > 0:
        planned = sum(c.current for c in plan.channels if c.name in plan.brand_channels) / plan.planned
        if abs(planned - plan.brand_share) > 0.005:
            out.append(Check("warning", "brand", "brand_share",
                             {"channels": list(plan.brand_channels), "planned": planned, "target": plan.brand_share}))
    for pool, (p_lo, p_hi, amount) in pool_bounds(plan).items():
        if amount < p_lo - SUM_TOLERANCE or amount > p_hi + SUM_TOLERANCE:
            out.append(Check("error", "infeasible", "limits", {"pool": pool, "lo": p_lo, "hi": p_hi, "amount": amount}))
    return out


def pool_name(pool: str, lang: str) -> str:
    return i18n.t(f"budget.pool.{pool}", lang)


def check_text(check: Check, lang: str) -> str:
    """The check in words, amounts formatted for ``lang``."""
    p = dict(check.params)

    def money(v) -> str:
        return "∞" if v is None or (isinstance(v, float) and math.isinf(v)) else i18n.fmt_money(v, lang)

    if check.code == "reserve":
        p = {k: i18n.fmt_pct(v) for k, v in p.items()}
    elif check.code == "sum":
        p = {"planned": money(p["planned"]), "target": money(p["target"]),
             "diff": i18n.fmt_signed_money(p["diff"], lang)}
    elif check.code == "outside":
        p = {"channel": p["channel"], "current": money(p["current"]), "lo": money(p["lo"] or 0.0),
             "hi": money(p["hi"])}
    elif check.code == "brand":
        p = {"channels": i18n.join_list(p["channels"], lang), "planned": i18n.fmt_pct(p["planned"]),
             "target": i18n.fmt_pct(p["target"])}
    elif check.code == "no_brand_channels":
        p = {"target": i18n.fmt_pct(p["target"])}
    elif check.code == "infeasible":
        p = {"pool": pool_name(p["pool"], lang), "lo": money(p["lo"]), "hi": money(p["hi"]),
             "amount": money(p["amount"])}
    return i18n.t(f"budget.check.{check.code}", lang, **p)
