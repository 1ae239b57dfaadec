"""The scorecard follows the planted truth (issue: scorecard, acceptance).

Synthetic cohorts from ``pilot_eval.data.synth`` with a planted training effect
(0.3 scale points on empathy_360, pulse and behaviour gains, fewer exits and
incidents) and with none (effect 0): an effective pilot is never told to
stop, a null pilot is never told to scale.  The earlier steps' results are
computed in-process with the same functions the notebooks call.
"""

from __future__ import annotations

import pytest

from pilot_eval.steps.decision import scorecard as sc
from pilot_eval.measures.behaviour_exclusions import excluded_behaviours
from pilot_eval.data.cohort import load_cohort
from pilot_eval.steps.effects.models import estimate_effects
from pilot_eval.steps.reliability.analysis import leader_reliable_change, reliability_table
from pilot_eval.data.synth import generate_cohort

pytestmark = pytest.mark.slow


def _scorecard(folder):
    cohort = load_cohort(folder)
    excluded = excluded_behaviours(cohort)
    results = {
        "effects": estimate_effects(cohort, exclude=excluded, n_boot=199, seed=1).table,
        "reliability": reliability_table(cohort, exclude=excluded, n_boot=100, seed=1),
    }
    card = sc.build_scorecard(cohort, results, leader_reliable_change(cohort), excluded)
    rec = sc.recommend(card, results, has_comparison=True)
    return card.set_index("indicator"), rec


@pytest.mark.parametrize("seed", [101, 202, 303])
def test_effective_pilot_is_not_stopped_and_null_pilot_not_scaled(tmp_path, seed):
    generate_cohort(tmp_path / "eff", n_pilot=45, n_comparison=60, seed=seed, effect=0.3)
    generate_cohort(tmp_path / "null", n_pilot=45, n_comparison=60, seed=seed, effect=0.0)
    card_eff, rec_eff = _scorecard(tmp_path / "eff")
    card_null, rec_null = _scorecard(tmp_path / "null")
    assert rec_eff.decision != "stop", rec_eff
    assert rec_null.decision != "scale", rec_null
    # statuses follow the truth: the planted pulse gain shows as a real improvement,
    # the null pilot's empathy change cannot be on track
    assert card_eff.loc["pulse_change", "status"] == sc.ON_TRACK
    assert card_null.loc["empathy_360_change_pct", "status"] != sc.ON_TRACK
    assert card_eff.loc["empathy_360_change_pct", "value"] > card_null.loc["empathy_360_change_pct", "value"]
    assert card_eff.loc["leaders_improved_pct", "value"] > card_null.loc["leaders_improved_pct", "value"]
