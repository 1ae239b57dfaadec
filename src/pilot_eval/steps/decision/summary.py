"""The executive summary: four plain sentences from the decision.

What was found, how sure we are, what to do, and what would change the
decision; no code identifiers, no missing values.  At an interim look
(before the pilot's end) the four sentences are about the course of the
pilot: the early signals so far, what is not measurable yet and when it will
be, and continue / adjust coaching / stop early for harm.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.steps.decision.evaluate import DecisionResult
from pilot_eval.steps.decision.indicators import NO_DATA, NOT_YET, OFF_TRACK_P
from pilot_eval.steps.decision.rule import HARM_WARNING_P, MIN_ICC1K, SCALE, STOP
from pilot_eval.steps.decision.rule import chance as _chance


def executive_summary(result: DecisionResult, cohort: Cohort) -> list[str]:
    """Four sentences: found, how sure, what to do, what would change it.

    Parameters
    ----------
    result
        :func:`pilot_eval.steps.decision.evaluate.decide` (or ``evaluate``).
    cohort
        The cohort (group sizes, the smallest group shown).
    """
    if result.interim:
        return interim_summary(result, cohort)
    sc = result.scorecard.set_index("indicator")
    emp = cast(pd.Series, sc.loc["empathy_360_change_pct"])  # "indicator" is unique
    cond = result.conditions
    n = cohort.leaders["arm"].value_counts()
    n_p, n_c = int(n.get("pilot", 0)), int(n.get("comparison", 0))
    mgs = cohort.config.min_group_size
    target = float(emp["target"])
    has_emp = emp["status"] != NO_DATA and np.isfinite(emp["value"])

    if has_emp and cond.get("fair_comparison"):
        found = (f"Compared with {n_c} similar leaders who were not trained, the {n_p} pilot leaders' 360 "
                 f"empathy score rose by {emp['value']:.1f}% of the scale's full range more (95% range "
                 f"{emp['ci_low']:.1f}% to {emp['ci_high']:.1f}%), against a target of {target:.0f}%.")
    elif has_emp:
        found = (f"The {n_p} pilot leaders' 360 empathy score changed by {emp['value']:+.1f}% of the scale's "
                 f"full range (95% range {emp['ci_low']:+.1f}% to {emp['ci_high']:+.1f}%), but without a fair "
                 "comparison group this change cannot be credited to the training.")
    else:
        found = "The training's effect on the 360 empathy score could not be estimated from this cohort."

    if has_emp:
        real = ("the whole 95% range is above zero, so the rise is very unlikely to be chance"
                if emp["ci_low"] > 0 else "the 95% range includes zero, so the rise could be chance")
        sure = f"How sure: {real}; the chance that the {target:.0f}% target is met is {_chance(emp['probability'])}."
    else:
        sure = "How sure: without an estimate there is nothing to be sure of yet."

    word, _, rest = result.headline.partition(": ")
    todo = f"What to do: {word.lower()}" + (f", because {rest[0].lower() + rest[1:]}" if rest else ".")

    if not cond.get("fair_comparison"):
        change = (f"What would change it: a comparison group of at least {mgs} untrained leaders "
                  f"(and at least {mgs} pilot leaders), measured the same way, would allow a firm call.")
    elif result.recommendation == SCALE:
        change = ("What would change it: a rise in HR incidents, escalations or attrition, a promotion "
                  "equity flag, or a further cohort whose 95% range for the 360 effect includes zero.")
    elif result.recommendation == STOP and cond.get("harm"):
        change = ("What would change it: evidence that the rise in the risk outcome has another cause than "
                  "the training, or a revised training that does not show it in a new cohort.")
    elif result.recommendation == STOP:
        change = (f"What would change it: a revised training whose 360 effect reaches at least half the "
                  f"{target:.0f}% target in a new cohort.")
    elif not cond.get("effect_above_zero"):
        change = ("What would change it: a 360 effect whose whole 95% range is above zero, from a stronger "
                  "training or a larger cohort.")
    elif not cond.get("target_in_reach"):
        change = (f"What would change it: a 360 effect with at least a {100 * OFF_TRACK_P:.0f}% chance of "
                  f"reaching the {target:.0f}% target, from a stronger training.")
    elif cond.get("harm_warning"):
        change = (f"What would change it: the risk outcome that may have risen no longer showing a "
                  f"{100 * HARM_WARNING_P:.0f}% or higher chance of a rise.")
    elif cond.get("risk_target_off_track"):
        change = "What would change it: HR incidents with at least a 10% chance of meeting their target."
    elif cond.get("fairness_flag"):
        change = "What would change it: promotion rates in pilot teams that no longer show adverse impact."
    else:
        change = (f"What would change it: 360 raters who agree better (reliability of at least {MIN_ICC1K}).")
    return [found, sure, todo, change]


def interim_summary(result: DecisionResult, cohort: Cohort) -> list[str]:
    """Four sentences at an interim look: early signals so far, how sure, the course, what comes next."""
    sc = result.scorecard
    cfg = cohort.config
    as_of = result.as_of
    leading = sc[(sc["kind"] == "leading") & sc["value"].notna()]
    waiting = sc[sc["status"] == NOT_YET]
    when = f"By {as_of}" if as_of else "So far"
    if len(leading):
        found = f"{when}, the early signals are: " + "; ".join(
            f"{str(r['label']).lower()} {r['status']}" for _, r in leading.iterrows()) + "."
    else:
        found = f"{when}, no early signal could be estimated yet (too little data since the pilot started)."
    look = result.look or {}
    n_looks = look.get("n_looks")
    share = look.get("information_fraction")
    sure = ("How sure: this is an interim look"
            + (f" ({look.get('look')} of {n_looks} planned during the pilot)" if n_looks else "")
            + (f", with about {100 * float(share):.0f}% of the planned information in" if share is not None else "")
            + "; the evidence needed to stop grows stricter for early looks, so looking every month does not "
              "add false alarms.")
    word, _, rest = result.headline.partition(": ")
    todo = f"What to do: {word.lower()}" + (f", because {rest[0].lower() + rest[1:]}" if rest else ".")
    if len(waiting):
        first = min(str(d) for d in waiting["available_from"] if str(d))
        nxt = (f"What comes next: {len(waiting)} later outcome(s) are not measurable yet; the first can be "
               f"measured from {first}, and the final call is made once the pilot has ended ({cfg.pilot_end}).")
    else:
        nxt = f"What comes next: the final call is made once the pilot has ended ({cfg.pilot_end})."
    return [found, sure, todo, nxt]
