"""Tests of pilot_eval.stats.bands: SEM, per-leader bands and the Jacobson & Truax reliable change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.stats.bands import (
    leader_bands,
    reliable_change,
    reliable_change_threshold,
    sem,
    sem_of_mean,
)
from pilot_eval.stats.spearman_brown import spearman_brown

Z95 = 1.959963984540054


def test_jacobson_truax_formulas_hand_computed() -> None:
    """Jacobson & Truax (1991): SE = s1 sqrt(1 - rxx), S_diff = sqrt(2 SE^2), RC = 1.96 S_diff.

    Worked by hand for s1 = 7.6, rxx = 0.95 (the LDQ example used with the
    JT index): SE = 7.6 * sqrt(0.05) = 1.699412, S_diff = 2.403331, RC = 4.71.
    """
    se = sem(7.6, 0.95)
    assert se == pytest.approx(1.699412, abs=1e-6)
    assert reliable_change_threshold(se) == pytest.approx(Z95 * 2.403331, abs=1e-5)
    assert round(reliable_change_threshold(se), 2) == 4.71
    # unequal SEMs: sqrt(SEM_pre^2 + SEM_post^2) = sqrt(9 + 16) = 5
    assert reliable_change_threshold(3.0, 4.0) == pytest.approx(Z95 * 5.0)
    z90 = 1.6448536269514722
    assert reliable_change_threshold(3.0, 4.0, confidence=0.90) == pytest.approx(z90 * 5)


def test_sem_of_mean_hand_computed() -> None:
    """Single ratings SD 1.0, rho1 = 0.2: error variance 0.8 per rating; mean of 4 -> 0.2."""
    assert sem_of_mean(0.2, 4, 1.0) == pytest.approx(np.sqrt(0.8 / 4))
    # sd given for means of k ratings: the brief's SEM_k = SD_k * sqrt(1 - rho_k)
    rho4 = spearman_brown(0.2, 4)  # 0.5
    sd4 = np.sqrt(0.2 + 0.8 / 4)  # SD of 4-rating means when var(T) = 0.2, var(e) = 0.8
    assert sem_of_mean(0.2, 4, sd4, sd_k=4) == pytest.approx(sd4 * np.sqrt(1 - rho4))
    assert sem_of_mean(0.2, 4, sd4, sd_k=4) == pytest.approx(np.sqrt(0.2))
    # the same error SD whichever scores the SD was measured on
    assert sem_of_mean(0.2, 7, sd4, sd_k=4) == pytest.approx(sem_of_mean(0.2, 7, 1.0, sd_k=1))


def test_leader_bands_columns_and_values() -> None:
    scores = pd.DataFrame(
        {"target": ["a", "b", "c"], "k": [1, 4, np.nan], "value": [3.0, 4.0, 2.0]},
        index=[10, 11, 12],
    )
    out = leader_bands(scores, rho1=0.2, sd=1.0)
    assert list(out.columns) == ["target", "k", "value", "rho_k", "se", "ci_low", "ci_high"]
    assert list(out.index) == [10, 11, 12]
    assert out.loc[11, "rho_k"] == pytest.approx(0.5)
    assert out.loc[11, "se"] == pytest.approx(np.sqrt(0.2))
    assert out.loc[11, "ci_low"] == pytest.approx(4.0 - Z95 * np.sqrt(0.2))
    assert out.loc[10, "ci_high"] == pytest.approx(3.0 + Z95 * np.sqrt(0.8))
    assert np.isnan(out.loc[12, "se"])


def test_leader_bands_cover_true_scores_at_nominal_rate() -> None:
    """Monte Carlo: true score T ~ N(0, 1), ratings T + e, e ~ N(0, 2^2), so rho1 = 0.2
    and the SD of single ratings is sqrt(5); 95 % bands cover T about 95 % of the time."""
    rng = np.random.default_rng(1)
    n = 40000
    k = rng.integers(1, 15, size=n)
    true = rng.normal(size=n)
    mean_score = true + rng.normal(size=n) * 2.0 / np.sqrt(k)
    scores = pd.DataFrame({"target": np.arange(n), "k": k, "value": mean_score})
    out = leader_bands(scores, rho1=0.2, sd=np.sqrt(5.0))
    covered = (out["ci_low"] <= true) & (true <= out["ci_high"])
    assert covered.mean() == pytest.approx(0.95, abs=0.006)
    # a leader's false 'reliable change' rate under no true change is ~5 %
    k_post = rng.integers(1, 15, size=n)
    post = true + rng.normal(size=n) * 2.0 / np.sqrt(k_post)
    pre_post = pd.DataFrame({"target": np.arange(n), "k_pre": k, "value_pre": mean_score,
                             "k_post": k_post, "value_post": post})
    rc = reliable_change(pre_post, rho1=0.2, sd=np.sqrt(5.0))
    assert (rc["status"] != "no reliable change").mean() == pytest.approx(0.05, abs=0.005)


def test_reliable_change_status_and_direction() -> None:
    data = pd.DataFrame({
        "target": ["up", "down", "flat", "missing"],
        "k_pre": [4, 4, 4, 4], "value_pre": [3.0, 3.0, 3.0, np.nan],
        "k_post": [4, 9, 4, 4], "value_post": [4.5, 1.5, 3.1, 3.0],
    })
    out = reliable_change(data, rho1=0.2, sd=1.0)
    sem4, sem9 = np.sqrt(0.2), np.sqrt(0.8 / 9)
    assert out.loc[1, "s_diff"] == pytest.approx(np.sqrt(sem4**2 + sem9**2))
    assert out.loc[0, "rci"] == pytest.approx(1.5 / np.sqrt(2 * 0.2))
    assert out.loc[0, "threshold"] == pytest.approx(reliable_change_threshold(sem4))
    assert list(out["status"].iloc[:3]) == ["improved", "deteriorated", "no reliable change"]
    assert pd.isna(out.loc[3, "status"])
    flipped = reliable_change(data, rho1=0.2, sd=1.0, higher_is_better=False)
    assert list(flipped["status"].iloc[:2]) == ["deteriorated", "improved"]


def test_change_sem_reduces_to_jacobson_truax_without_shared_raters():
    """No rater at both waves: the classical S_diff = sqrt(SEM_pre^2 + SEM_post^2) (Jacobson & Truax
    1991) with SEM^2 = (persistent + transient) / k; all raters shared: 2 transient / k."""
    from pilot_eval.stats.bands import change_sem

    p, t = 0.3, 0.1
    assert change_sem(4, 6, 0, p, t) == pytest.approx(np.sqrt((p + t) / 4 + (p + t) / 6), rel=1e-12)
    assert change_sem(5, 5, 5, p, t) == pytest.approx(np.sqrt(2 * t / 5), rel=1e-12)
    with pytest.raises(ValueError):
        change_sem(4, 4, 5, p, t)


def test_same_rater_error_recovers_planted_components():
    """Simulation with planted truth: persistent 0.2 and transient 0.05 variance are recovered."""
    from pilot_eval.stats.bands import same_rater_error

    rng = np.random.default_rng(3)
    rows = []
    for i in range(400):
        t = rng.normal(0, 1)
        u = rng.normal(0, np.sqrt(0.2), 6)
        for w in ("pre", "post"):
            e = rng.normal(0, np.sqrt(0.05), 6)
            rows += [(i, r, w, t + u[r] + e[r]) for r in range(6)]
    d = pd.DataFrame(rows, columns=["target", "rater", "wave", "value"])
    est = same_rater_error(d)
    assert est["persistent"] == pytest.approx(0.2, rel=0.1)
    assert est["transient"] == pytest.approx(0.05, rel=0.1)
