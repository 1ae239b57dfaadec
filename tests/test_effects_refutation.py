"""Refutation checks: permuted treatment (vectorised FWL) and placebo outcomes.

References: statsmodels OLS refitted once per permutation (slow loop, same
permutations) for the vectorised permutation estimates; statsmodels formula OLS
with cov_type="cluster" for the placebo regression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.measures.outcome_frames import outcome_frame
from pilot_eval.steps.effects.models import TREATED, ancova_design
from pilot_eval.steps.effects.refutation import (
    ancova_permutation_estimates,
    permutation_check,
    placebo_tests,
    refutation_table,
    stratified_permutations,
)

from lazy_import import lazy

sm = lazy("statsmodels.api")
smf = lazy("statsmodels.formula.api")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    from pilot_eval.data.synth import generate_cohort

    out = tmp_path_factory.mktemp("ref") / "c"
    generate_cohort(out, n_pilot=30, n_comparison=40, seed=41, effect=0.3)
    return load_cohort(out)


def test_stratified_permutations_stay_within_strata():
    strata = np.array(list("aabbbcaacb"), dtype=object)
    perm = stratified_permutations(strata, 500, seed=1)
    assert perm.shape == (10, 500)
    assert (strata[perm] == strata[:, None]).all()  # every position takes a label from its own stratum
    assert all(sorted(perm[:, b]) == list(range(10)) for b in range(0, 500, 50))
    assert len({tuple(perm[:, b]) for b in range(500)}) > 50  # actually shuffled


def test_vectorised_permutation_estimates_equal_slow_loop(cohort):
    frame = outcome_frame(cohort, "empathy_360").dropna(subset=["baseline", "endline"]).reset_index(drop=True)
    design = ancova_design(frame)
    y = frame.endline.to_numpy()
    t = (frame.arm == "pilot").to_numpy(dtype=float)
    perm = stratified_permutations(frame[["role", "culture"]].astype(str).agg("|".join, axis=1).to_numpy(object),
                                   20, seed=3)
    fast = ancova_permutation_estimates(y, design, TREATED, t[perm])
    j = design.index(TREATED)
    for b in range(20):  # slow reference: one full regression per permutation
        X = design.X.copy()
        X[:, j] = t[perm[:, b]]
        assert fast[b] == pytest.approx(sm.OLS(y, X).fit().params[j], rel=1e-9, abs=1e-12)


def test_permutation_check_p_value_and_null_centre(cohort):
    frame = outcome_frame(cohort, "empathy_360")
    chk = permutation_check(frame, n_perm=499, seed=2)
    extreme = np.sum(np.abs(chk.permuted) >= abs(chk.observed) * (1 - 1e-12))
    assert chk.p_value == pytest.approx((1 + extreme) / (1 + chk.n_perm))
    assert chk.p_value < 0.05  # a planted effect of 0.3 stands out
    # under the sharp null (endline unrelated to arm) the observed estimate is not extreme:
    # the randomisation test rejects about 5% of the time over repeated null data sets
    rng = np.random.default_rng(5)
    rejections = 0
    for _ in range(40):
        null = frame.assign(endline=frame.baseline + rng.normal(0, 0.2, len(frame)))
        rejections += permutation_check(null, n_perm=199, seed=2).p_value < 0.05
    assert rejections <= 6


def test_placebo_baseline_level_equals_statsmodels(cohort):
    pl = placebo_tests(cohort, n_boot=99, seed=1, min_clusters=1)  # CRV1 path
    row = pl[pl.check == "baseline 360 level"].iloc[0]
    f = outcome_frame(cohort, "empathy_360").dropna(subset=["baseline"])
    d = f.assign(pilot=(f.arm == "pilot").astype(float), tenure_m=f.tenure_years.isna().astype(float),
                 tenure_f=f.tenure_years.fillna(f.tenure_years.mean()))
    tenure = "tenure_f + tenure_m" if d.tenure_m.any() else "tenure_f"
    m = smf.ols(f"baseline ~ pilot + {tenure} + C(role) + C(culture)", d).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d.org_unit)[0]})
    assert row.estimate == pytest.approx(m.params["pilot"], rel=1e-8)
    assert row.std_error == pytest.approx(m.bse["pilot"], rel=1e-8)
    assert set(pl.outcome) >= {"empathy_360", "pulse", "hr_incidents"}
    assert pl.verdict.str.startswith(("passes", "fails")).all()


def test_refutation_table_puts_checks_next_to_ancova(cohort):
    from pilot_eval.steps.effects.models import estimate_effects
    from pilot_eval.steps.effects.refutation import permutation_checks

    run = estimate_effects(cohort, outcomes=("empathy_360", "pulse"), n_boot=99)
    pl = placebo_tests(cohort, n_boot=99)
    checks = permutation_checks(run.frames, n_perm=99)
    t = refutation_table(run.table, pl[pl.outcome.isin(["empathy_360", "pulse"])], checks)
    anc = run.table[run.table.model == "ancova"].set_index("outcome").estimate
    assert (t.ancova_estimate == t.outcome.map(anc)).all()
    perm = t[t.check.str.startswith("permuted")]
    np.testing.assert_allclose(perm.estimate, perm.ancova_estimate, rtol=1e-10)  # same model as the ANCOVA
