"""Effects by role and culture, Holm adjustment, suppression, within-group z-scores.

References: statsmodels formula OLS with the pilot indicator interacted with every
role level (cov_type="cluster") for the per-level effects; statsmodels
``multipletests(method="holm")`` and a hand computation for Holm; pandas
groupby z-scores for the within-cell standardisation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.measures.outcome_frames import outcome_frame
from pilot_eval.steps.effects.heterogeneity import (
    SUPPRESSED_LEVEL,
    effect_by_group,
    heterogeneity_table,
    within_group_z,
    z_score_table,
)

from lazy_import import lazy

smf = lazy("statsmodels.formula.api")


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    from pilot_eval.data.synth import generate_cohort

    out = tmp_path_factory.mktemp("het") / "c"
    generate_cohort(out, n_pilot=45, n_comparison=60, seed=31)
    return outcome_frame(load_cohort(out), "empathy_360")


def test_effects_by_role_equal_interaction_regression(frame):
    # reference: statsmodels OLS with pilot x every role level, CRV1 by org unit
    het = effect_by_group(frame, "role", min_group_size=1, min_clusters=1)  # nothing hidden, CRV1 path
    d = frame.dropna(subset=["baseline", "endline"]).copy()
    d["pilot"] = (d.arm == "pilot").astype(float)
    d["tenure_m"] = d.tenure_years.isna().astype(float)
    d["tenure_f"] = d.tenure_years.fillna(d.tenure_years.mean())
    for lv in sorted(d.role.unique()):
        d[f"p_{lv}"] = d.pilot * (d.role == lv)
    terms = " + ".join(f"p_{lv}" for lv in sorted(d.role.unique()))
    m = smf.ols(f"endline ~ {terms} + baseline + tenure_f + tenure_m + C(role) + C(culture)", d).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(d.org_unit)[0]})
    for r in het.itertuples():
        assert r.estimate == pytest.approx(m.params[f"p_{r.level}"], rel=1e-8)
        assert r.std_error == pytest.approx(m.bse[f"p_{r.level}"], rel=1e-8)
    # Holm by hand: sort p ascending, multiply by (m - rank), running max, cap at 1
    p = het.p_value.to_numpy()
    order = np.argsort(p)
    adj = np.minimum(1, np.maximum.accumulate(p[order] * (len(p) - np.arange(len(p)))))
    expected = np.empty_like(adj)
    expected[order] = adj
    np.testing.assert_allclose(het.p_holm.to_numpy(), expected)


def test_small_groups_are_suppressed_with_reason(frame):
    het = effect_by_group(frame, "culture", min_group_size=5, n_boot=99)
    d = frame.dropna(subset=["baseline", "endline"])
    counts = pd.crosstab(d.culture, d.arm)
    for r in het.itertuples():
        if r.suppressed:
            assert np.isnan(r.estimate) and pd.isna(r.n_pilot) and np.isnan(r.p_holm)
        else:
            assert counts.loc[r.level].min() >= 5
    small = counts.index[counts.min(axis=1) < 5]
    shown = set(het.loc[het.estimate.notna(), "level"])
    assert not (shown & set(small))
    # a level under min_group_size leaders in total is not even named
    tiny = counts.index[counts.sum(axis=1) < 5]
    assert not (set(tiny) & set(het.level))
    assert set(het.level[het.level == SUPPRESSED_LEVEL]) <= {SUPPRESSED_LEVEL}


def test_heterogeneity_table_adds_equal_effects_test(frame):
    t = heterogeneity_table({"empathy_360": frame}, min_group_size=5, n_boot=99)
    assert set(t.by) == {"role", "culture"}
    assert "equal_effects_p" in t.columns


def test_within_group_z_equals_groupby_standardisation(frame):
    z = within_group_z(frame)
    d = frame.assign(change=frame.endline - frame.baseline)
    g = d.groupby(["role", "culture"]).change
    expected = (d.change - g.transform("mean")) / g.transform("std")
    np.testing.assert_allclose(z.z.to_numpy(), expected.to_numpy(), equal_nan=True)
    zs = z_score_table(frame, min_group_size=5)
    assert set(zs.by) == {"role", "culture"}
    hidden = zs[zs.suppressed != ""]
    assert hidden.mean_z.isna().all() and hidden.n.isna().all()
