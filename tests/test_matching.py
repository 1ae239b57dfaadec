"""Propensity-score matching ATT (pilot_eval.stats.matching).

The ATT and its Abadie-Imbens (2006) variance are checked against a small
example computed by hand (below), the propensity model against an unpenalised
statsmodels Logit where the two should nearly agree, and the suppression of
the matched balance table against the min_group_size rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.cohort import load_cohort
from pilot_eval.measures.outcome_frames import outcome_frame
from pilot_eval.stats.matching import match_att, matched_effect, propensity_logit
from pilot_eval.steps.effects.matched_balance import matched_balance

from lazy_import import lazy

sm = lazy("statsmodels.api")

# units 0-2 treated, 3-6 controls
Y = np.array([5.0, 7.0, 9.0, 4.0, 5.0, 6.0, 3.0])
T = np.array([True, True, True, False, False, False, False])
S = np.array([0.0, 1.0, 2.0, 0.1, 0.9, 3.5, -1.0])


def test_att_and_abadie_imbens_se_by_hand():
    # hand computation: matches 0->3 (|0-0.1|), 1->4 (|1-0.9|), 2->4 (|2-0.9|=1.1 < |2-3.5|=1.5)
    # differences 1, 2, 4 -> ATT = 7/3.  K(3)=1, K(4)=2.  sigma^2(4): nearest other control
    # of 0.9 is unit 3 (0.1, distance 0.8 < 2.6), so sigma^2 = (5-4)^2/2 = 0.5.
    # V = [(1-7/3)^2 + (2-7/3)^2 + (4-7/3)^2 + K(K-1) sigma^2] / N1^2 = (42/9 + 1) / 9
    res = match_att(Y, T, S)
    assert res.att == pytest.approx(7 / 3)
    assert res.std_error == pytest.approx(np.sqrt((42 / 9 + 1) / 9))
    assert list(res.control_pos) == [3, 4, 4]
    assert (res.n_treated, res.n_matched, res.n_controls_used) == (3, 3, 2)


def test_caliper_drops_treated_without_close_control():
    # caliper 1.0 drops unit 2 (distance 1.1): pairs (0,3), (1,4); ATT 1.5; K = 1 each
    # V = [(1-1.5)^2 + (2-1.5)^2] / 4
    res = match_att(Y, T, S, caliper=1.0)
    assert res.n_matched == 2 and res.att == pytest.approx(1.5)
    assert res.std_error == pytest.approx(np.sqrt(0.5 / 4))


def test_bias_corrected_att_by_hand():
    # mu0 = 1 for unit 2 only: its pair difference 4 becomes 4 - (1 - 0) = 3; ATT = (1+2+3)/3 = 2
    # residuals y - mu0 of units 3 and 4 are unchanged, so sigma^2(4) = 0.5:  V = (1 + 0 + 1 + 1) / 9
    mu0 = np.array([0, 0, 1.0, 0, 0, 0, 0])
    res = match_att(Y, T, S, mu0=mu0)
    assert res.att == pytest.approx(2.0)
    assert res.std_error == pytest.approx(np.sqrt(3 / 9))


def test_matching_is_invariant_to_unit_order():
    perm = np.array([6, 2, 4, 0, 5, 1, 3])
    a, b = match_att(Y, T, S), match_att(Y[perm], T[perm], S[perm])
    assert a.att == pytest.approx(b.att) and a.std_error == pytest.approx(b.std_error)


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    from pilot_eval.data.synth import generate_cohort

    out = tmp_path_factory.mktemp("match") / "c"
    generate_cohort(out, n_pilot=30, n_comparison=40, seed=17)
    return outcome_frame(load_cohort(out), "empathy_360")


def test_propensity_logit_close_to_unpenalised_statsmodels_logit(frame):
    # reference: statsmodels Logit (unpenalised MLE) on the same covariates; our weak L2
    # penalty (C=100 on standardised covariates) should barely move the linear predictor
    df = frame.dropna(subset=["baseline", "endline"]).reset_index(drop=True)
    ours = propensity_logit(df)
    X = pd.get_dummies(df[["role", "culture"]], drop_first=True, dtype=float)
    X["tenure"] = df.tenure_years.fillna(df.tenure_years.mean())
    X["tenure_m"] = df.tenure_years.isna().astype(float)
    X["baseline"] = df.baseline
    X = sm.add_constant(X)
    ref = sm.Logit((df.arm == "pilot").astype(float), X).fit(disp=0)
    assert np.corrcoef(ours, ref.fittedvalues)[0, 1] > 0.99
    assert np.max(np.abs(ours - ref.fittedvalues)) < 0.25


def test_matched_effect_row(frame):
    row = matched_effect(frame)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["n_pilot"] <= 30 and row["n_comparison"] <= 40
    assert "caliper 0.2 SD" in row["note"] and "Abadie-Imbens" in row["note"]


def test_matched_balance_hides_small_groups_in_both_samples(frame):
    bal = matched_balance(frame, min_group_size=5)
    assert set(bal["sample"]) == {"before matching", "after matching"}
    before = bal[bal["sample"] == "before matching"].set_index("variable")
    after = bal[bal["sample"] == "after matching"].set_index("variable")
    # the same levels are hidden in both samples, so one cannot be used to recover the other
    assert set(before.index[before.smd.isna()]) == set(after.index[after.smd.isna()])
    df = frame.dropna(subset=["baseline", "endline"])
    for var in ("role", "culture"):
        counts = pd.crosstab(df[var], df["arm"])
        for level, r in counts.iterrows():
            name = f"{var}={level}"
            if r.sum() < 5:
                assert name not in before.index
            elif r.min() < 5:
                assert np.isnan(before.loc[name, "smd"]) and before.loc[name, "suppressed"]


def test_no_after_rows_when_too_few_pilot_leaders_match(frame):
    # caliper 0: no pilot leader has a comparison leader at exactly the same score
    bal = matched_balance(frame, min_group_size=5, caliper_sd=0.0)
    assert set(bal["sample"]) == {"before matching"}
    with pytest.raises(ValueError, match="no matching estimate"):
        matched_effect(frame, caliper_sd=0.0)
