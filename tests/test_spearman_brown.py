"""Tests of pilot_eval.stats.spearman_brown: closed forms, round trip, hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pilot_eval.stats.spearman_brown import raters_needed, single_rater_from_k, spearman_brown


def test_closed_forms() -> None:
    """rho_k = k rho / (1 + (k - 1) rho) (Spearman 1910; Brown 1910)."""
    assert spearman_brown(0.5, 2) == pytest.approx(2 / 3)
    assert spearman_brown(0.2, 12) == pytest.approx(2.4 / 3.2)  # = 0.75
    assert spearman_brown(0.3, 1) == pytest.approx(0.3)
    assert spearman_brown(1.0, 7) == pytest.approx(1.0)
    assert spearman_brown(0.0, 7) == pytest.approx(0.0)
    # Shrout & Fleiss (1979) data: ICC1 stepped up to 4 judges is psych's ICC1k
    assert spearman_brown(0.165741768405476, 4) == pytest.approx(0.442797133679269, abs=1e-12)
    np.testing.assert_allclose(spearman_brown(np.array([0.1, 0.4]), np.array([3, 5])),
                               [0.3 / 1.2, 2.0 / 2.6])


def test_round_trip_property() -> None:
    rng = np.random.default_rng(0)
    rho1 = rng.uniform(0.01, 0.99, size=200)
    k = rng.uniform(1, 40, size=200)
    np.testing.assert_allclose(single_rater_from_k(spearman_brown(rho1, k), k), rho1, atol=1e-12)
    # stepping up by a then b equals stepping up by a * b
    np.testing.assert_allclose(
        spearman_brown(spearman_brown(rho1, 3), 4), spearman_brown(rho1, 12), atol=1e-12
    )


def test_raters_needed_hand_worked_example() -> None:
    """rho1 = 0.2, target 0.75: 0.75 * 0.8 / (0.2 * 0.25) = 12 exactly (not 13 from
    floating-point noise: in doubles the ratio is 12.000000000000002)."""
    assert 0.75 * 0.8 / (0.2 * 0.25) > 12  # the floating-point trap is real
    assert raters_needed(0.2, 0.75) == 12
    # rho1 = 0.3, target 0.8: 0.8 * 0.7 / (0.3 * 0.2) = 9.33 -> 10
    assert raters_needed(0.3, 0.8) == 10
    assert spearman_brown(0.3, 10) >= 0.8 > spearman_brown(0.3, 9)


def test_raters_needed_edge_cases() -> None:
    assert raters_needed(0.9, 0.8) == 1
    assert math.isinf(raters_needed(0.0, 0.8))
    assert math.isinf(raters_needed(-0.1, 0.8))
    assert math.isinf(raters_needed(0.5, 1.0))
    assert raters_needed(1.0, 1.0) == 1
    assert math.isnan(raters_needed(np.nan, 0.8))
    assert math.isnan(raters_needed(0.5, 0.0))
    out = raters_needed(np.array([0.2, 0.0, 0.5]), 0.75)
    np.testing.assert_array_equal(out, [12.0, np.inf, 3.0])


def test_raters_needed_is_minimal_on_a_grid() -> None:
    rho1 = np.linspace(0.02, 0.95, 60)[:, None]
    target = np.array([0.6, 0.7, 0.8, 0.9])[None, :]
    k = raters_needed(rho1, target)
    assert np.all(spearman_brown(rho1, k) >= target - 1e-12)
    prev = np.maximum(k - 1, 1)
    assert np.all((k == 1) | (spearman_brown(rho1, prev) < target))


def test_invalid_k_raises() -> None:
    with pytest.raises(ValueError):
        spearman_brown(0.5, 0)
    with pytest.raises(ValueError):
        single_rater_from_k(0.5, -1)
