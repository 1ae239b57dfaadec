"""The scorecard and the decision follow the planted truth (issue 11, acceptance).

Synthetic cohorts from ``pilot_eval.data.synth`` with a planted training effect and with none
(effect 0), run through :func:`pilot_eval.steps.decision.evaluate` (the same functions the
notebooks call).  Reference: the generator's planted truth.
"""

from __future__ import annotations

import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.synth import generate_cohort
from pilot_eval.steps.decision import evaluate

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("seed", [101, pytest.param(202, marks=pytest.mark.scenario),
                                  pytest.param(303, marks=pytest.mark.scenario)])
def test_effective_pilot_is_not_stopped_and_null_pilot_not_scaled(tmp_path, seed):
    generate_cohort(tmp_path / "eff", n_pilot=45, n_comparison=60, seed=seed, effect=0.5)
    generate_cohort(tmp_path / "null", n_pilot=45, n_comparison=60, seed=seed, effect=0.0)
    eff = evaluate(load_cohort(tmp_path / "eff"), n_boot=199, seed=1)
    null = evaluate(load_cohort(tmp_path / "null"), n_boot=199, seed=1)
    assert eff.recommendation != "stop", eff.reasons
    assert null.recommendation != "scale", null.reasons
    card_eff, card_null = eff.scorecard.set_index("indicator"), null.scorecard.set_index("indicator")
    assert card_eff.loc["pulse_change", "status"] == "on track"
    assert card_null.loc["empathy_360_change_pct", "status"] != "on track"
    assert card_eff.loc["empathy_360_change_pct", "value"] > card_null.loc["empathy_360_change_pct", "value"]
    # the excess share reliably improved: above 0 where the effect is real, covers 0 where there is none
    ex_eff, ex_null = card_eff.loc["leaders_improved_pct"], card_null.loc["leaders_improved_pct"]
    assert ex_eff["ci_low"] > 0
    assert ex_null["ci_low"] <= 0 <= ex_null["ci_high"]
    assert ex_eff["pilot_share"] > ex_eff["comparison_share"]
