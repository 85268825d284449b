"""The tracking report's rules and thresholds, in one place (printed under the scoreboard).

Pace index: actual to date ÷ expected to date for a higher-is-better metric, expected ÷ actual for a
lower-is-better one (CAC, return rate, bounce rate), so a pace of 1.0 or more is always "ahead".

Status of a goal whose period has started and not ended:

- **off track** — pace below ``OFF_TRACK_PACE`` *or* a landing probability below ``OFF_TRACK_PROBABILITY``;
- **on track** — pace at least ``ON_TRACK_PACE`` *and* a landing probability of at least
  ``ON_TRACK_PROBABILITY``;
- **at risk** — everything in between.

A goal whose period has not started is *not started*; one whose period has ended is *achieved* or
*missed*; one without a metric or a numeric target is *not measurable*. An off-track goal is a major
deviation: its owner owes an adjustment plan within ``ADJUSTMENT_HOURS`` hours of the first report that
showed it.

Alert defaults (``data/plan/alerts.yaml`` ``settings:`` may override each one):
"""

from __future__ import annotations

ON_TRACK_PACE = 0.97
OFF_TRACK_PACE = 0.90
ON_TRACK_PROBABILITY = 0.50
OFF_TRACK_PROBABILITY = 0.20
ADJUSTMENT_HOURS = 24

STATUSES = ("off_track", "at_risk", "on_track", "achieved", "missed", "not_started", "unmeasurable")
OPEN_STATUSES = ("off_track", "at_risk", "on_track")
SEVERITIES = ("high", "medium", "low")

#: Built-in alert thresholds. ``pace_gap``: a goal's pace below 1 − pace_gap raises an alert (high when the
#: goal is off track); ``cac_over``: a channel's CAC this period at least (1 + cac_over) × its budgeted CAC;
#: ``burn_ahead``: spend to date ÷ planned spend to date at least 1 + burn_ahead; ``conversion_drop``: the
#: last 7 days' conversion at least this much (relative) below the 28 days before; ``stale_days``: the
#: last day of data more than this many days before as_of.
ALERT_DEFAULTS: dict[str, float] = {
    "pace_gap": 0.10,
    "cac_over": 0.20,
    "burn_ahead": 0.10,
    "conversion_drop": 0.15,
    "stale_days": 2,
}

RECENT_DAYS = 7      # "this week" in the conversion-drop rule and in custom rules' default window
TRAILING_DAYS = 28   # the four weeks it is compared with


def status(pace: float | None, probability: float | None) -> str:
    """The status of an open goal from its pace index and landing probability (see the module docstring).

    A missing value does not vote: with neither, the goal is at risk (nothing says it is on track).
    """
    def known(x):
        return x is not None and x == x

    if (known(pace) and pace < OFF_TRACK_PACE) or (known(probability) and probability < OFF_TRACK_PROBABILITY):
        return "off_track"
    if (known(pace) or known(probability)) and (not known(pace) or pace >= ON_TRACK_PACE) and \
            (not known(probability) or probability >= ON_TRACK_PROBABILITY):
        return "on_track"
    return "at_risk"


def pace_index(actual: float, expected: float, direction: str) -> float:
    """actual ÷ expected (higher is better) or expected ÷ actual (lower is better); NaN when undefined."""
    num, den = (actual, expected) if direction == "higher" else (expected, actual)
    if num is None or den is None or den != den or num != num or den <= 0:
        return float("nan")
    return float(num) / float(den)


def achievement(actual: float, target: float, direction: str) -> float:
    """达成率: actual ÷ target (higher is better) or target ÷ actual (lower is better)."""
    return pace_index(actual, target, direction)
