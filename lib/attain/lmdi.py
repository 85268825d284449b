"""Exact additive decomposition of a change: LMDI-I for a product of factors, and contributions by segment.

Pure math on numbers, Series and small frames: no data access.

口径 of **LMDI-I** (log-mean Divisia index, additive form; Ang & Liu 2001). For V = Π_k x_k (e.g. GMV = UV ×
conversion rate × AOV) going from period 0 to period 1, factor k's effect is

    effect_k = L(V1, V0) × ln(x1_k / x0_k),   L(a, b) = (a − b) / (ln a − ln b),  L(a, a) = a,

and the effects add up to V1 − V0 exactly (Σ_k ln(x1_k/x0_k) = ln(V1/V0), so Σ effects = L × ln(V1/V0)).
Every result is checked: |Σ effects − (V1 − V0)| ≤ 1e-9 × max(|V0|, |V1|).

**Zeros** (the analytical-limit rule of Ang & Liu 2007, "Handling zero values in the logarithmic mean
Divisia index decomposition approach"): replace each zero by δ and let δ → 0.

- V0 = V1 = 0 (a factor is zero in both periods, or one factor in each): every effect is 0;
- V0 = 0 < V1: L(V1, δ) → 0, so every factor that is positive in both periods gets 0 and the factors that are
  zero in period 0 share the whole change V1 (equally, when several are zero: the limit with one common δ);
- V0 > 0 = V1: symmetrically, the factors that are zero in period 1 share −V0.

A period whose value is zero may leave the other factors undefined (AOV = GMV ÷ orders with no orders): a
missing value (NaN) is allowed in a period where another factor is 0 and then counts as 0 effect. A missing
factor elsewhere, a negative or an infinite value raises ``ValueError``.

**Segments** (``segment_lmdi``): V = Σ_s V_s with V_s = Π_k x_{s,k} (one row per segment, e.g. channel).
A segment with V_s > 0 in both periods is split by LMDI-I into its factors; a segment whose value is zero
(absent, or a zero factor) in period 0 and positive in period 1 is **new**, its whole V1_s goes to the ``new``
component; one positive in period 0 and zero in period 1 is **lost**, −V0_s goes to ``lost``. The factor
effects summed over segments plus ``new`` plus ``lost`` equal ΣV1 − ΣV0 exactly (checked), whatever the sign.

**Contribution to growth** (贡献度, ``contributions``): a segment's change ÷ the total change. Shares add up to
1 when the total changed; a segment can contribute more than 100 % or a negative share when others moved the
other way. When the total fell, a segment that fell has a positive share (of the decline).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

NEW, LOST = "new", "lost"
TOLERANCE = 1e-9
STATUSES = ("both", NEW, LOST, "none")


# --- the logarithmic mean -----------------------------------------------------------------

def logmean(a: float, b: float) -> float:
    """L(a, b) = (a − b) / (ln a − ln b); L(a, a) = a; L(a, 0) = L(0, a) = 0 (the limit). a, b ≥ 0.

    Computed as (hi − lo) / log1p((hi − lo) / lo), which is accurate when a and b are close and symmetric.
    """
    a, b = _number(a, "a"), _number(b, "b")
    if a == 0 or b == 0:
        return 0.0
    if a == b:
        return a
    hi, lo = max(a, b), min(a, b)
    return (hi - lo) / math.log1p((hi - lo) / lo)


def _number(x, what: str) -> float:
    x = float(x)
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{what} = {x}: the logarithmic mean needs finite values ≥ 0")
    return x


# --- one product ----------------------------------------------------------------------------

def period_value(values: Mapping[str, float]) -> float:
    """Π values; 0 when any value is 0 (other values may then be missing); ValueError on a missing value
    elsewhere, a negative or an infinite value."""
    vals = {k: float(v) if v is not None else math.nan for k, v in values.items()}
    bad = {k: v for k, v in vals.items() if not math.isnan(v) and (v < 0 or math.isinf(v))}
    if bad:
        raise ValueError(f"factors must be finite and ≥ 0: {bad}")
    if any(v == 0 for v in vals.values()):
        return 0.0
    if missing := [k for k, v in vals.items() if math.isnan(v)]:
        raise ValueError(f"factor(s) {missing} missing in a period whose value is not zero")
    return math.prod(vals.values())


def check_exact(parts, v0: float, v1: float) -> None:
    """Raise ArithmeticError unless Σ parts = v1 − v0 within 1e-9 × max(|v0|, |v1|)."""
    total = math.fsum(parts)
    scale = max(abs(v0), abs(v1))
    if abs(total - (v1 - v0)) > TOLERANCE * scale:
        raise ArithmeticError(f"parts add up to {total!r}, the change is {v1 - v0!r}")


def lmdi(v0: Mapping[str, float], v1: Mapping[str, float]) -> dict[str, float]:
    """Additive LMDI-I effects of V = Π factors from ``v0`` to ``v1`` (factor -> value, the same factors in
    both); the effects add up to V1 − V0 exactly. Zeros: the analytical-limit rule (module docstring)."""
    if set(v0) != set(v1) or not v0:
        raise ValueError(f"both periods need the same factors, got {sorted(v0)} and {sorted(v1)}")
    keys = list(v0)
    V0, V1 = period_value(v0), period_value(v1)
    if V0 > 0 and V1 > 0:
        weight = logmean(V1, V0)
        out = {k: weight * math.log(float(v1[k]) / float(v0[k])) for k in keys}
    elif V0 == 0 and V1 == 0:
        out = {k: 0.0 for k in keys}
    else:
        zero_in = v0 if V0 == 0 else v1
        zeros = [k for k in keys if float(zero_in[k]) == 0]
        out = {k: (V1 - V0) / len(zeros) if k in zeros else 0.0 for k in keys}
    check_exact(out.values(), V0, V1)
    return out


# --- segments -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentLMDI:
    """``effects``: tidy (segment, factor, effect), the factor being one of the factors, ``new`` or ``lost``;
    ``segments``: (segment, v0, v1, change, status) with status both / new / lost / none;
    ``totals``: effect per component (the factors, then ``new`` and ``lost``), adding up to ``change``."""
    factors: tuple[str, ...]
    effects: pd.DataFrame
    segments: pd.DataFrame
    totals: pd.Series
    v0: float
    v1: float

    @property
    def change(self) -> float:
        return self.v1 - self.v0


def _values_by_segment(frame: pd.DataFrame, key: str, factors) -> dict:
    if frame[key].duplicated().any():
        dup = frame.loc[frame[key].duplicated(), key].tolist()
        raise ValueError(f"segment(s) {dup} appear more than once in one period")
    return {row[key]: {f: row[f] for f in factors} for _, row in frame.iterrows()}


def _status(a: float, b: float) -> str:
    return "both" if a > 0 and b > 0 else NEW if b > 0 else LOST if a > 0 else "none"


def segment_lmdi(frame0: pd.DataFrame, frame1: pd.DataFrame, key: str, factors) -> SegmentLMDI:
    """LMDI-I of V = Σ_segments Π factors, one row per segment in each frame (columns ``key`` and
    ``factors``); segments that appear or disappear go to the ``new`` / ``lost`` components."""
    factors = tuple(factors)
    rows0, rows1 = _values_by_segment(frame0, key, factors), _values_by_segment(frame1, key, factors)
    effects, segments = [], []
    for seg in list(dict.fromkeys([*rows0, *rows1])):
        a = period_value(rows0[seg]) if seg in rows0 else 0.0
        b = period_value(rows1[seg]) if seg in rows1 else 0.0
        status = _status(a, b)
        segments.append({"segment": seg, "v0": a, "v1": b, "change": b - a, "status": status})
        if status == "both":
            effects += [{"segment": seg, "factor": f, "effect": e} for f, e in lmdi(rows0[seg], rows1[seg]).items()]
        elif status != "none":
            effects.append({"segment": seg, "factor": status, "effect": b - a})
    eff = pd.DataFrame(effects, columns=["segment", "factor", "effect"])
    seg_frame = pd.DataFrame(segments, columns=["segment", "v0", "v1", "change", "status"])
    totals = pd.Series({c: math.fsum(eff.loc[eff["factor"] == c, "effect"]) for c in (*factors, NEW, LOST)},
                       name="effect", dtype=float)
    v0, v1 = math.fsum(seg_frame["v0"]), math.fsum(seg_frame["v1"])
    check_exact(totals.to_list(), v0, v1)
    return SegmentLMDI(factors, eff, seg_frame, totals, v0, v1)


# --- contributions --------------------------------------------------------------------------

def contributions(v0: pd.Series, v1: pd.Series) -> pd.DataFrame:
    """Each segment's change and its share of the total change (贡献度).

    ``v0`` / ``v1``: values by segment (the index); a segment missing in one is 0 there. Columns: segment, v0,
    v1, change, growth (v1 ÷ v0 − 1, missing when v0 = 0), share (change ÷ total change, missing when the total
    did not change), status (both / new / lost / none). Sorted in the direction of the total change, largest
    first (ties keep the order of the input).
    """
    idx = list(dict.fromkeys([*v0.index, *v1.index]))
    a = v0.groupby(level=0, sort=False).sum().reindex(idx).fillna(0).astype(float)
    b = v1.groupby(level=0, sort=False).sum().reindex(idx).fillna(0).astype(float)
    out = pd.DataFrame({"segment": idx, "v0": a.to_numpy(), "v1": b.to_numpy()})
    out["change"] = out["v1"] - out["v0"]
    out["growth"] = out["v1"] / out["v0"].where(out["v0"] > 0) - 1
    total = math.fsum(out["change"])
    out["share"] = out["change"] / total if total != 0 else math.nan
    out["status"] = [_status(x, y) for x, y in zip(out["v0"], out["v1"])]
    return out.sort_values("change", ascending=total < 0, kind="stable").reset_index(drop=True)


def leaders(contrib: pd.DataFrame, cover: float = 0.6, max_n: int = 3) -> pd.DataFrame:
    """The few segments that explain most of the change: those moving with the total, largest first, until
    their shares add up to ``cover`` or ``max_n`` are taken. Empty when the total did not change."""
    if contrib.empty or contrib["share"].isna().all():
        return contrib.iloc[0:0]
    with_total = contrib[contrib["share"] > 0]
    cum = with_total["share"].cumsum()
    n = min(max_n, int((cum < cover).sum()) + 1, len(with_total))
    return with_total.iloc[:n]


__all__ = ["LOST", "NEW", "STATUSES", "SegmentLMDI", "check_exact", "contributions", "leaders", "lmdi", "logmean",
           "period_value", "segment_lmdi"]
