"""The scorecard's indicators, and their status from the probability that the target is met.

Probability that the target is met (one method for every indicator)
-------------------------------------------------------------------
A normal approximation on the indicator's interval scale: with ``d = +1``
when higher is better and ``-1`` when lower is better, the estimate ``e``,
the target ``T`` and the 95 % interval ``[lo, hi]``,

    p = Phi(1.96 * d * (g(e) - g(T)) / ((g(hi) - g(lo)) / 2))

where ``g`` is the scale on which the interval was built (the identity for
differences, ``log(1 + x / 100)`` for % changes of a rate, ``log`` for
ratios).  The standard error is the one implied by the interval shown, so the
probability and the interval always agree: ``p >= 0.975`` exactly when the
interval lies wholly on the good side of the target.

Status cut-offs
---------------
* **on track** - ``p >= 0.975`` (the 95 % interval lies wholly on the good
  side of the target);
* **off track** - ``p < 0.10`` (less than a 1 in 10 chance of meeting it);
* **at risk** - in between (the data cannot tell yet);
* **no data** - no estimate (the reason is in ``note``); never a number;
* **not yet** - at an interim look (``--as-of``), a lagging indicator whose
  window has not ended (:func:`availability`): no number, and the date from
  which it can be measured.

Cadence and looks
-----------------
Leading indicators are reviewed monthly, lagging ones at the quarter
(the source articles: "track the dashboard monthly ... review results at
the quarter").  :func:`is_due` says whether an indicator is due at a look:
a monthly one at every look from which it is measurable, a quarterly one at
the first look of each quarter (months 3, 6, 9... from the pilot start) from
which it is measurable, every indicator in a report with all data.

References
----------
Cohen, P., Cohen, J., Aiken, L. S., & West, S. G. (1999). The problem of
units and the circumstance for POMP. *Multivariate Behavioral Research*,
34(3), 315-346 (percent of maximum possible).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
from scipy import stats

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA = "on track", "at risk", "off track", "no data"
NOT_YET = "not yet"
#: Probability of meeting the target from which an indicator is on track.
ON_TRACK_P = 0.975
#: Probability of meeting the target under which an indicator is off track.
OFF_TRACK_P = 0.10
Z95 = float(stats.norm.isf(0.025))

PANELS = ("People Health", "Behaviour Change", "Risk")


@dataclasses.dataclass(frozen=True)
class IndicatorSpec:
    """Static description of one scorecard indicator."""

    key: str
    panel: str
    label: str
    kind: str  # leading | lagging
    cadence: str  # monthly | quarterly
    unit: str  # "% of scale", "points", "percentage points", "%", "ratio", "share"
    direction: int  # +1 higher is better, -1 lower is better
    target_key: str | None  # cohort.toml [targets] key, or None for a built-in target
    default_target: float
    scale: str = "identity"  # identity | pct_log | log: the interval's scale (module docstring)
    step: str = "03_controls"  # the step page that computed it
    outcome: str = ""  # the effects.csv outcome it comes from ("" if none)
    #: The window that must be complete before it can be measured ("" for a leading indicator:
    #: measured on the data so far at every look).
    needs: str = ""
    #: What it waits for, in words (for "not yet" notes).
    waits_for: str = ""


INDICATORS: tuple[IndicatorSpec, ...] = (
    IndicatorSpec("empathy_360_change_pct", "People Health", "360 empathy score change",
                  "lagging", "quarterly", "% of scale", +1, "empathy_360_change_pct", 10.0,
                  outcome="empathy_360", needs="pilot", waits_for="the 360 ratings at the end of the pilot"),
    IndicatorSpec("pulse_change", "People Health", "Team pulse change",
                  "leading", "monthly", "points", +1, "pulse_change", 0.0, outcome="pulse"),
    IndicatorSpec("leaders_improved_pct", "Behaviour Change",
                  "Leaders reliably improved, pilot minus comparison",
                  "lagging", "quarterly", "percentage points", +1, "leaders_improved_pct", 60.0,
                  step="02_reliability", needs="pilot", waits_for="the 360 ratings at the end of the pilot"),
    IndicatorSpec("behaviour_index_change", "Behaviour Change", "Observed empathy behaviours (change in share shown)",
                  "leading", "monthly", "share", +1, "behaviour_index_change", 0.0, outcome="behaviour_index"),
    IndicatorSpec("hr_incidents_change_pct", "Risk", "HR incidents (change in rate)",
                  "lagging", "quarterly", "%", -1, "hr_incidents_change_pct", -30.0, scale="pct_log",
                  outcome="hr_incidents", needs="follow_up", waits_for="the end of the follow-up window"),
    IndicatorSpec("escalations_change_pct", "Risk", "Escalations (change in rate)",
                  "lagging", "monthly", "%", -1, "escalations_change_pct", 0.0, scale="pct_log",
                  outcome="escalations", needs="follow_up", waits_for="the end of the follow-up window"),
    IndicatorSpec("voluntary_attrition_change_pct", "Risk", "Voluntary attrition (change in rate)",
                  "lagging", "quarterly", "%", -1, "voluntary_attrition_change_pct", 0.0, scale="pct_log",
                  outcome="voluntary_attrition", needs="follow_up", waits_for="the end of the follow-up window"),
    IndicatorSpec("promotion_air", "Risk", "Promotion equity in pilot teams (adverse impact ratio)",
                  "lagging", "quarterly", "ratio", +1, "promotion_air", 0.8, scale="log",
                  step="04_leading_lagging", needs="follow_up",
                  waits_for="promotions over the pilot and the follow-up window"),
)
SPECS = {s.key: s for s in INDICATORS}
#: The risk indicators the harm rule looks at.
HARM_INDICATORS: tuple[str, ...] = ("hr_incidents_change_pct", "escalations_change_pct",
                                    "voluntary_attrition_change_pct")


def _g(x: float, scale: str) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "pct_log":
            return float(np.log1p(x / 100.0)) if x > -100 else -np.inf
        if scale == "log":
            return float(np.log(x)) if x > 0 else -np.inf
    return float(x)


def probability_target_met(value: float, ci_low: float, ci_high: float, target: float,
                           direction: int, scale: str = "identity") -> float:
    """Probability that the true value meets the target (module docstring).

    Parameters
    ----------
    value, ci_low, ci_high
        Estimate and its 95 % interval.
    target
        The target (met when ``direction * (true - target) >= 0``).
    direction
        ``+1`` higher is better, ``-1`` lower is better.
    scale
        ``identity``, ``pct_log`` (a % change of a rate) or ``log`` (a ratio).

    Returns
    -------
    float
        In ``[0, 1]``; ``nan`` without an estimate or interval.

    Examples
    --------
    >>> round(probability_target_met(10.25, 8.5, 12.0, 10.0, +1), 3)   # just above a 10 % target
    0.61
    >>> round(probability_target_met(-40.0, -60.0, -10.0, 0.0, -1, "pct_log"), 3)
    0.993
    """
    vals = [value, ci_low, ci_high, target]
    if not all(v is not None and np.isfinite(v) for v in vals):
        return float("nan")
    lo, hi, e, t = (_g(v, scale) for v in (ci_low, ci_high, value, target))
    if not np.isfinite(e) and np.isfinite(lo) and np.isfinite(hi):  # e.g. a ratio of 0: the interval's centre
        e = (lo + hi) / 2.0
    if not all(np.isfinite([lo, hi, e])):
        return float("nan")
    if not np.isfinite(t):  # a target at the scale's edge (e.g. -100 %)
        return 0.0 if direction * t > 0 else 1.0
    half = (hi - lo) / 2.0
    if half <= 0:
        return 1.0 if direction * (e - t) >= 0 else 0.0
    return float(stats.norm.cdf(Z95 * direction * (e - t) / half))


def status_from_probability(p: float) -> str:
    """On track / at risk / off track / no data from the probability (module docstring)."""
    if p is None or not np.isfinite(p):
        return NO_DATA
    if p >= ON_TRACK_P:
        return ON_TRACK
    if p < OFF_TRACK_P:
        return OFF_TRACK
    return AT_RISK


def pomp(change: float, scale_min: float, scale_max: float) -> float:
    """A change in scale points as percent of the maximum possible (POMP): ``100 * change / (max - min)``.

    Independent of the scale's origin: relabelling a 1-5 scale as 0-4 gives
    the same value.

    Examples
    --------
    >>> pomp(0.4, 1, 5), pomp(0.4, 0, 4)
    (10.0, 10.0)
    """
    return 100.0 * change / (scale_max - scale_min)


def available_from(spec: IndicatorSpec, config) -> dt.date | None:
    """The first look from which ``spec`` can be measured (None: a leading indicator, at every look).

    A cohort without a follow-up window measures the follow-up indicators at the pilot's end.
    """
    if not spec.needs:
        return None
    window = spec.needs if spec.needs != "follow_up" or config.follow_up_days > 0 else "pilot"
    return config.window_bounds()[window][1]


def availability(spec: IndicatorSpec, config, as_of: dt.date | None) -> tuple[bool, dt.date | None]:
    """``(measurable at this look, from when)``: every indicator is measurable with all data.

    Examples
    --------
    >>> from pilot_eval.data.config import CohortConfig
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> availability(SPECS["empathy_360_change_pct"], cfg, dt.date(2026, 2, 4))
    (False, datetime.date(2026, 4, 5))
    >>> availability(SPECS["pulse_change"], cfg, dt.date(2026, 2, 4))
    (True, None)
    >>> availability(SPECS["hr_incidents_change_pct"], cfg, None)
    (True, datetime.date(2026, 10, 2))
    """
    when = available_from(spec, config)
    return (as_of is None or when is None or as_of >= when), when


def is_due(spec: IndicatorSpec, config, as_of: dt.date | None) -> bool:
    """Whether ``spec`` is due for review at this look (module docstring, "Cadence and looks").

    Examples
    --------
    >>> from pilot_eval.data.config import CohortConfig
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> is_due(SPECS["pulse_change"], cfg, dt.date(2026, 2, 4)), is_due(SPECS["empathy_360_change_pct"], cfg, dt.date(2026, 4, 5))
    (True, True)
    >>> is_due(SPECS["empathy_360_change_pct"], cfg, dt.date(2026, 5, 5))
    False
    """
    ok, _ = availability(spec, config, as_of)
    if as_of is None:
        return True
    if not ok:
        return False
    if spec.cadence == "monthly":
        return True
    month = (as_of - config.pilot_start).days // 30
    return month >= 3 and month % 3 == 0
