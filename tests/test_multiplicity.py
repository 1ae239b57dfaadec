"""Holm and Benjamini-Hochberg adjustment (:func:`pilot_eval.stats.multiplicity.adjust_p_values`).

References: R's ``stats::p.adjust`` (values below, printed by tests/reference/p_adjust.R,
R 4.2.2) and statsmodels' ``multipletests`` (a second implementation) on random families
with ties, p-values near 0 and 1, and missing p-values.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from pilot_eval.stats.multiplicity import adjust_p_values

P = np.array([0.01, np.nan, 0.04, 0.03, 0.005, 0.20, 0.03, 0.9, 1e-6, 0.5])

#: p.adjust(P, "holm") and p.adjust(P, "BH") in R (NA not counted).
R_P_ADJUST = {
    "holm": [0.07, np.nan, 0.18, 0.18, 0.04, 0.6, 0.18, 1.0, 9e-06, 1.0],
    "fdr_bh": [0.03, np.nan, 0.06, 0.054, 0.0225, 0.25714285714285717, 0.054, 0.9, 9e-06, 0.5625],
}


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_matches_r_p_adjust(method: str) -> None:
    np.testing.assert_allclose(adjust_p_values(P, method), R_P_ADJUST[method], rtol=1e-14, equal_nan=True)


@pytest.mark.parametrize("method", ["holm", "fdr_bh"])
def test_matches_statsmodels_on_random_families(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # multipletests' Holm runs a full gc.collect() per call: a third of a second in a test worker
    monkeypatch.setattr(gc, "collect", lambda *a: 0)
    rng = np.random.default_rng(7)
    for _ in range(200):
        m = int(rng.integers(1, 25))
        p = rng.choice([rng.uniform(0, 1), 0.05, 1.0, 1e-12], size=m) if rng.random() < 0.3 \
            else rng.beta(0.5, 1.0, size=m)
        p[rng.random(m) < 0.15] = np.nan
        got = adjust_p_values(p, method)
        ok = np.isfinite(p)
        assert np.isnan(got[~ok]).all()
        if ok.any():
            np.testing.assert_allclose(got[ok], multipletests(p[ok], method=method)[1], rtol=1e-13, atol=0)


def test_order_of_the_family_does_not_matter() -> None:
    rng = np.random.default_rng(3)
    order = rng.permutation(len(P))
    for method in ("holm", "fdr_bh"):
        np.testing.assert_array_equal(adjust_p_values(P[order], method), adjust_p_values(P, method)[order])


def test_empty_and_all_missing() -> None:
    assert adjust_p_values(np.array([]), "holm").shape == (0,)
    assert np.isnan(adjust_p_values([np.nan, np.nan], "fdr_bh")).all()
    with pytest.raises(ValueError, match="one of"):
        adjust_p_values([0.1], "bonferroni")
