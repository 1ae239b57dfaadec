"""Group-sequential boundaries (pilot_eval.stats.group_sequential) against published values.

References
----------
* Jennison, C., & Turnbull, B. W. (2000). *Group Sequential Methods with
  Applications to Clinical Trials*, Table 2.1 (Pocock constants C_P(K, 0.05):
  K = 3: 2.289, K = 5: 2.413) and Table 2.3 (O'Brien-Fleming constants
  C_B(K, 0.05): K = 3: 2.004, i.e. boundaries 3.471, 2.454, 2.004), two-sided 0.05.
* Lan & DeMets (1983) O'Brien-Fleming-type spending, K = 3 equally spaced,
  one-sided 0.025 (= two-sided 0.05 split evenly): 3.710, 2.511, 1.993, as
  printed by R ldbounds / rpact ``getDesignGroupSequential(typeOfDesign = "asOF")``
  (Wassmer & Brannath 2016, *Group Sequential and Confirmatory Adaptive Designs*).
* rpact design summary, OBF-type spending at information 0.3, 0.6, 1, one-sided
  0.025: cumulative alpha spent < 0.0001, 0.0038, 0.0250.
* An independent numerical integration: scipy's multivariate normal CDF (Genz)
  of the canonical joint distribution corr(Z_j, Z_k) = sqrt(t_j / t_k).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pilot_eval.stats.group_sequential import (
    crossing_probabilities, nominal_levels, spending, spending_boundaries,
)


def _canonical_cov(t: list[float]) -> np.ndarray:
    tt = np.asarray(t)
    return np.sqrt(np.minimum.outer(tt, tt) / np.maximum.outer(tt, tt))


def test_classical_obrien_fleming_and_pocock_constants_spend_alpha() -> None:
    # Jennison & Turnbull Tables 2.1 / 2.3: two-sided 0.05 (tables give three decimals)
    t3 = [1 / 3, 2 / 3, 1]
    obf = 2.004 * np.sqrt(3 / np.arange(1, 4))
    assert [round(c, 3) for c in obf] == [3.471, 2.454, 2.004]
    assert crossing_probabilities(t3, obf, sides=2).sum() == pytest.approx(0.05, abs=3e-4)
    assert crossing_probabilities(t3, [2.289] * 3, sides=2).sum() == pytest.approx(0.05, abs=3e-4)
    t5 = [k / 5 for k in range(1, 6)]
    assert crossing_probabilities(t5, [2.413] * 5, sides=2).sum() == pytest.approx(0.05, abs=3e-4)
    # the table values are the exact ones: a constant 0.01 away spends clearly more / less
    assert crossing_probabilities(t3, [2.279] * 3, sides=2).sum() > 0.0505
    assert crossing_probabilities(t3, [2.299] * 3, sides=2).sum() < 0.0495


def test_lan_demets_obf_spending_boundaries_match_published_values() -> None:
    c = spending_boundaries([1 / 3, 2 / 3, 1], alpha=0.025, kind="obf", sides=1)
    assert c == pytest.approx([3.710, 2.511, 1.993], abs=6e-4)
    # two-sided 0.05 split evenly over the sides is the same design
    c2 = spending_boundaries([1 / 3, 2 / 3, 1], alpha=0.025, kind="obf", sides=1)
    assert c2 == pytest.approx(c)
    # rpact's cumulative alpha spent at 0.3, 0.6, 1 (one-sided 0.025)
    cum = spending([0.3, 0.6, 1.0], 0.025, "obf")
    assert cum[0] < 1e-4 and round(float(cum[1]), 4) == 0.0038 and cum[2] == pytest.approx(0.025)


@pytest.mark.parametrize("kind,alpha,t", [("obf", 0.05, [1 / 9, 2 / 9, 1 / 3]), ("pocock", 0.05, [1 / 3, 2 / 3, 1]),
                                          ("obf", 0.025, [0.25, 0.6, 1.0])])
def test_boundaries_agree_with_an_independent_multivariate_normal_integration(kind, alpha, t) -> None:
    c = spending_boundaries(t, alpha, kind=kind, sides=1)
    cov = _canonical_cov(t)
    # P(no crossing by look k) from Genz's algorithm, compared with 1 - alpha(t_k)
    for k in range(1, len(t) + 1):
        upper = np.asarray(c[:k])
        if k == 1:
            p_cont = float(stats.norm.cdf(upper[0]))
        else:
            mvn = stats.multivariate_normal(mean=np.zeros(k), cov=cov[:k, :k], seed=0, maxpts=200_000 * k,
                                            abseps=1e-8, releps=1e-8)
            p_cont = float(mvn.cdf(upper))
        assert 1 - p_cont == pytest.approx(float(spending(t[k - 1], alpha, kind)), abs=2e-5)


def test_spending_functions_and_nominal_levels() -> None:
    assert float(spending(1.0, 0.05, "obf")) == pytest.approx(0.05)
    assert float(spending(0.0, 0.05, "obf")) == 0.0
    # Lan-DeMets Pocock-type: alpha log(1 + (e - 1) t)
    assert float(spending(0.5, 0.05, "pocock")) == pytest.approx(0.05 * np.log(1 + (np.e - 1) / 2))
    assert nominal_levels([1.959963984540054]) == pytest.approx([0.025])
    assert nominal_levels([1.959963984540054], sides=2) == pytest.approx([0.05])
    # one look at t = 1 is the fixed-sample test
    assert spending_boundaries([1.0], 0.05) == pytest.approx([stats.norm.isf(0.05)], abs=1e-8)
    with pytest.raises(ValueError):
        spending_boundaries([0.5, 0.4], 0.05)
    with pytest.raises(ValueError):
        spending(0.5, 0.05, "haybittle")


def test_repeated_testing_at_a_fixed_level_inflates_and_spending_does_not() -> None:
    t = [1 / 3, 2 / 3, 1]
    z = stats.norm.isf(0.05)
    naive = crossing_probabilities(t, [z] * 3).sum()
    assert 0.09 < naive < 0.11  # three looks at 5% one-sided: about 10.7% (Armitage et al. 1969)
    spend = crossing_probabilities(t, spending_boundaries(t, 0.05)).sum()
    assert spend == pytest.approx(0.05, abs=1e-6)
