"""Stand-in for ``pilot_eval.steps.decision.evaluate`` while it is being written.

It runs the pieces the report used before issue 11 (effects with every
model, the rater ICC, reliable change, the scorecard and its
``recommend``), so the harness can be built and tested before the real rule
lands.  ``run.py --rule auto`` uses the real ``evaluate`` as soon as it
exists and says which one it ran in the results.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.measures.behaviour_exclusions import excluded_behaviours
from pilot_eval.steps.decision import scorecard
from pilot_eval.steps.effects.models import estimate_effects, has_comparison
from pilot_eval.steps.reliability.analysis import leader_reliable_change, rater_icc


@dataclasses.dataclass
class StandInResult:
    recommendation: str
    reasons: list[str]
    scorecard: pd.DataFrame


def evaluate(cohort: Cohort, *, n_boot: int = 999, seed: int = 0) -> StandInResult:
    """The pre-issue-11 recommendation of ``cohort`` (scale / iterate / stop)."""
    excluded = excluded_behaviours(cohort, True, [])
    run = estimate_effects(cohort, excluded, outcomes=("empathy_360", "pulse"), n_boot=n_boot, seed=seed)
    results = {"effects": run.table, "reliability": rater_icc(cohort.ratings, 0.95, n_boot, seed)}
    card = scorecard.build_scorecard(cohort, results, leader_reliable_change(cohort), excluded)
    rec = scorecard.recommend(card, results, has_comparison(cohort))
    return StandInResult(rec.decision, [rec.headline, *rec.reasons], card)
