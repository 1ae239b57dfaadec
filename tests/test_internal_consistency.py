"""Tests of pilot_eval.stats.internal_consistency against a hand example, R psych::alpha and pingouin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pilot_eval.stats.internal_consistency import cronbach_alpha

from lazy_import import lazy

pg = lazy("pingouin")


def _long(matrix: np.ndarray) -> pd.DataFrame:
    n, k = matrix.shape
    return pd.DataFrame(
        {
            "rater": np.repeat([f"p{i:03d}" for i in range(n)], k),
            "item": np.tile([f"E{j + 1}" for j in range(k)], n),
            "score": matrix.reshape(-1).astype(float),
        }
    )


def test_hand_computed_tiny_example() -> None:
    """Items a = (1, 2, 3), b = (2, 3, 3): var a = 1, var b = 1/3, var(a + b) = 7/3,
    alpha = 2 * (1 - (4/3) / (7/3)) = 6/7; Feldt bounds with F(2, 2) quantiles."""
    res = cronbach_alpha(_long(np.array([[1, 2], [2, 3], [3, 3]])), "rater", "item", "score")
    row = res.iloc[0]
    assert row["estimate"] == pytest.approx(6 / 7, abs=1e-15)
    # Feldt: 1 - (1 - 6/7) * F_{.975}(2, 2) and 1 - (1 - 6/7) * F_{.025}(2, 2);
    # F(2, 2) has cdf x / (1 + x), so its q-quantile is q / (1 - q).
    assert row["ci_low"] == pytest.approx(1 - (1 / 7) * (0.975 / 0.025), abs=1e-12)
    assert row["ci_high"] == pytest.approx(1 - (1 / 7) * (0.025 / 0.975), abs=1e-12)
    assert (row["n_subjects"], row["n_items"], row["n_dropped"]) == (3, 2, 0)


# R 4.2.2, psych 2.2.9: a <- alpha(d); a$total$raw_alpha; a$feldt
PSYCH_DATA = np.array(
    [[3, 4, 3, 2], [4, 4, 5, 4], [2, 3, 2, 3], [5, 5, 4, 5],
     [4, 3, 4, 5], [3, 3, 2, 3], [2, 2, 1, 2], [5, 4, 5, 4]]
)
PSYCH_ALPHA = (0.91254752851711, 0.740385940284236, 0.980356774894409)


def test_matches_r_psych_alpha_with_feldt_bounds() -> None:
    res = cronbach_alpha(_long(PSYCH_DATA), "rater", "item", "score").iloc[0]
    np.testing.assert_allclose(
        [res["estimate"], res["ci_low"], res["ci_high"]], PSYCH_ALPHA, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_pingouin_on_random_data(seed: int) -> None:
    """pingouin.cronbach_alpha (long format); pingouin rounds its CI to 3 decimals."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=(80, 1))
    matrix = np.clip(np.round(3 + trait + rng.normal(scale=0.9, size=(80, 6))), 1, 5)
    data = _long(matrix)
    ours = cronbach_alpha(data, "rater", "item", "score").iloc[0]
    est, ci = pg.cronbach_alpha(data=data, items="item", scores="score", subject="rater")
    assert ours["estimate"] == pytest.approx(est, abs=1e-12)
    assert ours["ci_low"] == pytest.approx(ci[0], abs=5e-4 + 1e-12)
    assert ours["ci_high"] == pytest.approx(ci[1], abs=5e-4 + 1e-12)


def test_listwise_deletion_of_incomplete_subjects() -> None:
    """Missing or absent items drop the subject; Feldt's n is the subjects kept.

    (pingouin 0.7 with nan_policy='listwise' keeps the pre-deletion n in the
    CI degrees of freedom, so it is compared on the already-reduced data.)"""
    rng = np.random.default_rng(9)
    matrix = np.round(3 + rng.normal(size=(40, 1)) + rng.normal(size=(40, 5)))
    data = _long(matrix)
    data.loc[3, "score"] = np.nan  # subject p000 item E4 missing
    data = data.drop(index=[12])  # subject p002 item E3 absent
    res = cronbach_alpha(data, "rater", "item", "score").iloc[0]
    assert (res["n_subjects"], res["n_dropped"]) == (38, 2)
    complete = _long(np.delete(matrix, [0, 2], axis=0))
    est, _ = pg.cronbach_alpha(data=complete, items="item", scores="score", subject="rater")
    assert res["estimate"] == pytest.approx(est, abs=1e-12)
    f_hi = stats.f.ppf(0.975, 37, 37 * 4)
    assert res["ci_low"] == pytest.approx(1 - (1 - est) * f_hi, abs=1e-12)


def test_duplicate_scores_raise() -> None:
    data = _long(PSYCH_DATA)
    with pytest.raises(ValueError, match="more than one score"):
        cronbach_alpha(pd.concat([data, data.iloc[[0]]]), "rater", "item", "score")
