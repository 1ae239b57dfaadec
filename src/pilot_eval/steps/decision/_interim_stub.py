"""Stand-in for :mod:`pilot_eval.steps.decision.interim` until that module lands (same interface).

Only :mod:`pilot_eval.steps.decision.course` uses it, and only when
``interim`` cannot be imported.  It is deliberately conservative: stop early
for harm when a risk outcome's one-sided p of a rise is below the
O'Brien-Fleming-type alpha spent since the previous look (Lan & DeMets 1983),
split over the three risk outcomes (Bonferroni); adjust coaching when a
leading indicator's chance of meeting its target is below 10 % divided by the
planned looks; otherwise continue.  Never scale.

References
----------
Lan, K. K. G., & DeMets, D. L. (1983). Discrete sequential boundaries for
clinical trials. *Biometrika*, 70(3), 659-663.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.steps.decision.indicators import HARM_INDICATORS
from pilot_eval.steps.decision.rule import HARM_ALPHA, Recommendation

INTERIM_RULE_TEXT: tuple[str, ...] = (
    "Before the pilot ends the question is its course, not whether to scale: continue, adjust the coaching, "
    "or stop early for harm.",
    "Stop early for harm only if a risk outcome (HR incidents, escalations or voluntary attrition) rose in pilot "
    "teams by more than the evidence this look may use up: the 5 in 100 false-alarm budget is spent over the "
    "looks (little early, more later), so looking every month does not add false alarms.",
    "Adjust the coaching if an early signal (team pulse, observed behaviours) has little chance of meeting its "
    "target, with a stricter cut-off because it is looked at every month.",
    "Otherwise continue.",
)
DECISION_LABELS = {"continue": "Continue", "adjust": "Adjust coaching", "stop_harm": "Stop early for harm"}
ADJUST_BUDGET = 0.10


@dataclasses.dataclass(frozen=True)
class InterimPlan:
    is_final: bool
    look: int
    n_looks: int
    fractions: tuple[float, ...]
    day: int | None
    final_harm_alpha: float


def _spent(t: float, alpha: float = HARM_ALPHA) -> float:
    t = min(max(t, 1e-9), 1.0)
    return float(2 * (1 - stats.norm.cdf(stats.norm.isf(alpha / 2) / np.sqrt(t))))


def interim_plan(config: CohortConfig, as_of: dt.date | None) -> InterimPlan:
    n_looks = max(1, config.pilot_days // MONTH_DAYS)
    total = config.pilot_days + config.follow_up_days
    if as_of is None or as_of >= config.follow_up_end:
        fr = tuple(min(1.0, MONTH_DAYS * k / total) for k in range(1, n_looks + 1))
        return InterimPlan(True, n_looks + 1, n_looks, fr, None, HARM_ALPHA - _spent(fr[-1]))
    day = (as_of - config.pilot_start).days
    look = max(1, min(n_looks, -(-day // MONTH_DAYS)))
    fr = tuple([min(1.0, MONTH_DAYS * k / total) for k in range(1, look)] + [min(1.0, max(day, 1) / total)])
    return InterimPlan(False, look, n_looks, fr, day, HARM_ALPHA - _spent(MONTH_DAYS * n_looks / total))


def _harm_threshold(fraction: float, previous: tuple[float, ...] | list[float]) -> float:
    before = _spent(previous[-1]) if len(previous) else 0.0
    return max(_spent(fraction) - before, 0.0) / len(HARM_INDICATORS)


def interim_recommendation(card: pd.DataFrame, *, look: int, n_looks: int, information_fraction: float,
                           previous_fractions=(), fair_comparison: bool = True,
                           why_not: str = "") -> Recommendation:
    sc = card.set_index("indicator", drop=False)
    harm_p = _harm_threshold(information_fraction, tuple(previous_fractions))
    adjust_p = ADJUST_BUDGET / max(n_looks, 1)
    cond = {"fair_comparison": bool(fair_comparison), "harm": False, "adjust": False}
    reasons = [f"Look {look} of {n_looks} planned during the pilot; about {100 * information_fraction:.0f}% "
               "of the planned information is in."]
    if not fair_comparison:
        return Recommendation("continue", "Continue: no firm signal without a fair comparison group"
                              + (f" ({why_not})." if why_not else "."), reasons, cond)
    harmed = [sc.loc[k] for k in HARM_INDICATORS
              if k in sc.index and np.isfinite(float(sc.loc[k, "p_worse"])) and float(sc.loc[k, "p_worse"]) < harm_p]
    if harmed:
        cond["harm"] = True
        names = " and ".join(str(r["label"]).split(" (")[0] for r in harmed)
        return Recommendation("stop_harm", f"Stop early for harm: {names} rose in pilot teams beyond this "
                              "look's boundary.", reasons, cond)
    weak = [sc.loc[k] for k in ("pulse_change", "behaviour_index_change")
            if k in sc.index and np.isfinite(float(sc.loc[k, "probability"]))
            and float(sc.loc[k, "probability"]) < adjust_p]
    if weak:
        cond["adjust"] = True
        names = " and ".join(str(r["label"]).lower() for r in weak)
        return Recommendation("adjust", f"Adjust coaching: {names} has little chance of meeting its target.",
                              reasons, cond)
    return Recommendation("continue", "Continue: no sign of harm and the early signals are not off track.",
                          reasons, cond)


def boundary_table(plan: InterimPlan) -> pd.DataFrame:
    rows = []
    prev: list[float] = []
    for k, t in enumerate(plan.fractions, 1):
        rows.append({"look": k, "information_fraction": t, "harm_p_threshold": _harm_threshold(t, prev),
                     "adjust_p_threshold": ADJUST_BUDGET / max(plan.n_looks, 1)})
        prev.append(t)
    return pd.DataFrame(rows)
