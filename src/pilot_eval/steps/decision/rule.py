"""The decision rule: scale, iterate or stop, from the scorecard.

The rule is written down in :data:`RULE_TEXT` (shown on the report's first
page) and applied by :func:`recommend`, in this order:

1. **No firm call without a fair comparison.**  Without a comparison group,
   or with fewer than ``min_group_size`` leaders in an arm, the answer is
   *iterate*: neither scale nor stop can be justified.
2. **Stop for harm.**  A risk outcome (HR incidents, escalations, voluntary
   attrition) rose in pilot teams, judged by the one-sided tests of the
   adjusted count models with Holm's correction over the three at
   ``harm_alpha``: the part of the 5 % harm budget that the interim
   (monthly) looks have not spent (:mod:`pilot_eval.steps.decision.interim`;
   O'Brien-Fleming-type alpha spending, union bound between the interim
   looks and this final test).  With the planned looks at days 30, 60 and 90
   of a 90-day pilot with 180 days of follow-up, ``harm_alpha`` =
   :data:`FINAL_HARM_ALPHA` = 0.0493, so the chance of a false "stop for
   harm" over the monthly looks and this final test together stays at most
   5 %.  A report that applies this rule at a look before the end of
   follow-up passes that look's level, ``InterimPlan.harm_alpha`` (three
   times the look's boundary at the pilot's end, 0 between the pilot's end
   and the end of follow-up).  Measured: ``interim_oc.csv``
   (``benchmarks/decision/run.py --looks``).
3. **Stop for futility.**  The 360 effect's 95 % interval lies at or below
   half its target: the training cannot plausibly reach it.  "At or below":
   the published bounds are rounded outwards for privacy (to 2.5 or 5 points
   at the sample's size), so a rounded top equal to half the target means the
   computed one lay below it; with a strict "below" the decision benchmark
   stopped only 77 % of the no-effect pilots of 45 + 60 leaders (97 % before
   the rounding).
4. **Scale** when all of these hold: the 360 effect's 95 % interval lies
   wholly above zero; its target is not out of reach (at least a 10 % chance
   of meeting it, i.e. not off track); the 360 raters agree well enough
   (ICC(1,k) at least 0.5, where measured); no risk outcome shows a sign of
   harm (a 90 % or higher chance that it rose, unadjusted: scaling needs the
   absence of a warning, stopping needs proof); HR incidents, the risk
   outcome with a target, is not off track (at least a 10 % chance of
   meeting it; measured by the decision benchmark: without this condition a
   pilot that doubles HR incidents was told to scale in about 11 in 100
   simulated cases at the sample's size); and no fairness flag (promotion
   equity below 0.8 with a significant Fisher test); and no risk outcome
   is still *not yet* measurable (a look before the follow-up window is
   complete: scaling waits for the lagging risk outcomes).
5. Otherwise **iterate**.

Every indicator at risk, off track or without data is named in the reasons.
Error rates of the rule on simulated cohorts with planted truth are in
``decision_oc.csv`` (``make bench-decision``).

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.

Lan, K. K. G., & DeMets, D. L. (1983). Discrete sequential boundaries for
clinical trials. *Biometrika*, 70(3), 659-663.
"""

from __future__ import annotations

import dataclasses
from typing import cast

import numpy as np
import pandas as pd

from pilot_eval.stats.group_sequential import spending
from pilot_eval.stats.multiplicity import adjust_p_values
from pilot_eval.steps.decision.indicators import AT_RISK, HARM_INDICATORS, NO_DATA, NOT_YET, OFF_TRACK, OFF_TRACK_P

SCALE, ITERATE, STOP = "scale", "iterate", "stop"
#: Family-wise false-alarm budget of the harm rule (Holm over the three risk outcomes, all looks together).
HARM_ALPHA = 0.05
#: Information fraction of the last planned interim look for the contract's default windows:
#: the pilot's end (day 90) of the 270 days to the end of follow-up.
DEFAULT_LAST_INTERIM_FRACTION = 90 / 270
#: The harm alpha the final test may use after the planned interim looks (default windows):
#: HARM_ALPHA minus the O'Brien-Fleming-type spending at the last interim look (0.0493).
FINAL_HARM_ALPHA = HARM_ALPHA - float(spending(DEFAULT_LAST_INTERIM_FRACTION, HARM_ALPHA, "obf"))
#: Probability that a risk outcome rose from which scaling is held back (a warning, not proof).
HARM_WARNING_P = 0.90
#: Fewest ICC(1,k) of the 360 raters for scaling.
MIN_ICC1K = 0.5
#: The risk indicator with a target (cohort.toml [targets]) that must not be off track for scaling.
TARGETED_RISK = "hr_incidents_change_pct"

RULE_TEXT: tuple[str, ...] = (
    "No firm call without a fair comparison: without a comparison group, or with fewer leaders in a group "
    "than the smallest group this report shows, the answer is iterate.",
    "Stop if a risk outcome (HR incidents, escalations or voluntary attrition) rose in pilot teams, judged "
    "with a correction for looking at three outcomes and for the monthly looks before this one, so that a "
    "harmless training is wrongly stopped for harm in at most 5 in 100 pilots over all the looks together.",
    "Stop if even the best case for the 360 empathy effect (the top of its 95% range) is at or below half its target.",
    "Scale only if all of these hold: the 360 empathy effect is above zero across its 95% range; its target "
    "is within reach (at least a 1 in 10 chance of meeting it); the 360 raters agree well enough (reliability "
    "of at least 0.5); no risk outcome shows a warning sign of harm (a 9 in 10 chance or more that it rose); "
    "HR incidents are not off track (at least a 1 in 10 chance of meeting their target); "
    "promotion equity is not flagged (below 0.8 with enough data to tell); "
    "and every risk outcome can already be measured (scaling waits for the follow-up).",
    "Otherwise iterate: improve the training or the measurement and run another cohort.",
)
STATUS_RULE_TEXT = (
    "Each indicator's status comes from the chance that its target is met, worked out from the estimate "
    "and its 95% range: on track when that chance is at least 97.5% (the whole range meets the target), "
    "off track when it is below 10%, at risk in between; no data when it could not be estimated."
)


@dataclasses.dataclass
class Recommendation:
    """The rule's answer: ``decision`` (scale, iterate or stop), a headline and the reasons."""

    decision: str
    headline: str
    reasons: list[str]
    conditions: dict[str, bool] = dataclasses.field(default_factory=dict)


def holm(p_values: list[float]) -> list[float]:
    """Holm-adjusted p-values (NaN stays NaN): :func:`pilot_eval.stats.predictive.adjust_p_values`.

    Examples
    --------
    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    return adjust_p_values(np.asarray(p_values, dtype="float64"), "holm").tolist()


def _fmt(v: float, unit: str) -> str:
    if unit in ("%", "% of scale"):
        return f"{v:+.1f}%"
    if unit == "percentage points":
        return f"{v:+.0f} percentage points"
    if unit == "ratio":
        return f"{v:.2f}"
    if unit == "share":
        return f"{v:+.2f}"
    return f"{v:+.2f} {unit}"


def counted(indicator: str) -> str:
    """Who an indicator's ``n`` counts: employees for promotion equity, leaders for the others.

    Examples
    --------
    >>> counted("promotion_air"), counted("pulse_change")
    ('employees', 'leaders')
    """
    return "employees" if indicator == "promotion_air" else "leaders"


def describe(r: pd.Series) -> str:
    """One indicator in words: value, 95% range, n, target and the chance of meeting it."""
    if r["status"] == NO_DATA or not np.isfinite(r["value"]):
        note = str(r.get("note", "") or "")
        return f"{r['label']}" + (f" ({note[0].lower() + note[1:]})" if note else "")
    unit = r["unit"]
    target = _fmt(r["target"], unit) if unit != "ratio" else f"at least {r['target']:.2f}"
    who = counted(str(r["indicator"]))
    return (f"{r['label']}: {_fmt(r['value'], unit)} (95% range {_fmt(r['ci_low'], unit)} to "
            f"{_fmt(r['ci_high'], unit)}, {int(r['n'])} {who}), target {target}; "
            f"{chance(r['probability'])} chance the target is met: {r['status']}")


def chance(p: float) -> str:
    """A probability in words: "more than 99%", "about 62%", "less than 1%"."""
    if p >= 0.995:
        return "more than 99%"
    if p < 0.005:
        return "less than 1%"
    return f"about {100 * p:.0f}%"


def recommend(scorecard: pd.DataFrame, *, fair_comparison: bool, why_not: str = "",
              icc1k: float | None = None, harm_alpha: float | None = None) -> Recommendation:
    """Scale, iterate or stop by the rule of the module docstring.

    Parameters
    ----------
    scorecard
        :func:`pilot_eval.steps.decision.scorecard.build_scorecard`.
    fair_comparison
        Whether both arms have at least ``min_group_size`` leaders
        (:func:`pilot_eval.steps.decision.scorecard.usable_comparison`).
    why_not
        The reason when there is no fair comparison.
    icc1k
        ICC(1,k) of the 360's non-self raters (None: not measured).
    harm_alpha
        Level of the Holm harm test: the harm budget the interim looks left
        (:func:`pilot_eval.steps.decision.interim.final_harm_alpha` of the
        cohort's windows; None: :data:`FINAL_HARM_ALPHA`, the default windows').
    """
    sc = scorecard.set_index("indicator", drop=False)
    emp = cast(pd.Series, sc.loc["empathy_360_change_pct"])  # "indicator" is unique
    target = float(emp["target"])
    emp_ok = emp["status"] != NO_DATA
    reasons: list[str] = [describe(emp)]

    risk = [cast(pd.Series, sc.loc[k]) for k in HARM_INDICATORS]
    p_worse = [float(r["p_worse"]) if r["status"] != NO_DATA else np.nan for r in risk]
    adjusted = holm(p_worse)
    level = FINAL_HARM_ALPHA if harm_alpha is None else float(harm_alpha)
    harmed = [r for r, q in zip(risk, adjusted) if np.isfinite(q) and q < level]
    warned = [r for r, p in zip(risk, p_worse) if np.isfinite(p) and (1 - p) >= HARM_WARNING_P]
    air = cast(pd.Series, sc.loc["promotion_air"])
    fairness_flag = bool(air["fairness_flag"])
    reliable = icc1k is None or not np.isfinite(icc1k) or icc1k >= MIN_ICC1K
    hr_off = bool(sc.loc[TARGETED_RISK, "status"] == OFF_TRACK)
    pending = [r for r in risk if r["status"] == NOT_YET]
    cond = {
        "fair_comparison": bool(fair_comparison), "harm": bool(harmed),
        "futile": bool(emp_ok and emp["ci_high"] <= target / 2),
        "effect_above_zero": bool(emp_ok and emp["ci_low"] > 0),
        "target_in_reach": bool(emp_ok and emp["probability"] >= OFF_TRACK_P),
        "reliable": bool(reliable), "harm_warning": bool(warned), "fairness_flag": fairness_flag,
        "risk_target_off_track": hr_off, "risk_not_yet": bool(pending),
    }

    if not fair_comparison:
        decision = ITERATE
        headline = f"Iterate: {why_not}." if why_not else "Iterate: there is no fair comparison group."
    elif harmed:
        decision = STOP
        headline = ("Stop and review: " + " and ".join(r["label"].split(" (")[0] for r in harmed)
                    + " rose in pilot teams.")
    elif cond["futile"]:
        decision = STOP
        headline = "Stop: the 360 empathy effect is too small to reach even half its target."
    elif (cond["effect_above_zero"] and cond["target_in_reach"] and reliable and not warned
          and not hr_off and not fairness_flag and not pending):
        decision = SCALE
        headline = ("Scale: the training raised 360 empathy beyond chance, compared with similar leaders, "
                    "with no sign of harm.")
    else:
        decision = ITERATE
        if not emp_ok:
            headline = "Iterate: the 360 empathy effect could not be estimated."
        elif not cond["effect_above_zero"]:
            headline = "Iterate: the effect on 360 empathy cannot yet be told apart from zero."
        elif not cond["target_in_reach"]:
            headline = (f"Iterate: the training works, but the 360 empathy effect falls short of its "
                        f"{target:+.0f}% target; strengthen it before scaling.")
        elif warned:
            headline = ("Iterate: the effect is real, but " + " and ".join(r["label"].split(" (")[0].lower()
                                                                          for r in warned)
                        + " may have risen; check before scaling.")
        elif hr_off:
            headline = ("Iterate: the effect is real, but HR incidents are far from their target; "
                        "check before scaling.")
        elif fairness_flag:
            headline = "Iterate: the effect is real, but promotion equity in pilot teams is flagged."
        elif pending:
            headline = ("Iterate for now: the effect is real so far, but " + " and ".join(
                r["label"].split(" (")[0].lower() for r in pending)
                + " cannot be measured yet; decide on scaling when the follow-up is complete.")
        else:
            headline = "Iterate: the effect is real, but the 360 raters do not agree well enough to rely on it."

    if not fair_comparison and why_not:
        reasons.append(f"No firm call: {why_not}.")
    for r in harmed:
        reasons.append(f"Harm: {describe(r)}.")
    for r in warned:
        if all(r is not h for h in harmed):
            reasons.append(f"Warning sign: {describe(r)}.")
    if fairness_flag:
        reasons.append(f"Fairness flag: {describe(air)}.")
    if icc1k is not None and np.isfinite(icc1k):
        reasons.append(f"Agreement of the 360 raters (reliability of a leader's average rating): {icc1k:.2f}"
                       + ("" if reliable else f", below the {MIN_ICC1K} needed") + ".")
    for _, r in scorecard.iterrows():
        if r["indicator"] == "empathy_360_change_pct" or r["status"] not in (AT_RISK, OFF_TRACK, NO_DATA):
            continue
        reasons.append(f"{r['status'].capitalize()}: {describe(r)}.")
    return Recommendation(decision, headline, reasons, cond)
