"""Tests of pilot_eval.stats.kappa against published values, SAS, R irr, sklearn and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats import inter_rater

from pilot_eval.stats.kappa import cohen_kappa, fleiss_kappa, landis_koch_label


def _pairs_from_table(table: np.ndarray) -> pd.DataFrame:
    """Long (unit, coder, value) data whose 2-coder cross table is ``table``."""
    rows = []
    unit = 0
    for i, j in np.ndindex(table.shape):
        for _ in range(int(table[i, j])):
            rows += [(f"s{unit:04d}", "coder_a", i), (f"s{unit:04d}", "coder_b", j)]
            unit += 1
    return pd.DataFrame(rows, columns=["unit", "coder", "value"])


def _pairs(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    n = len(a)
    units = [f"s{i:04d}" for i in range(n)]
    return pd.DataFrame(
        {
            "unit": units + units,
            "coder": ["obs1"] * n + ["obs2"] * n,
            "value": np.concatenate([a, b]),
        }
    )


# --------------------------------------------------------------------------
# Cohen's kappa
# --------------------------------------------------------------------------
# SAS PROC FREQ (AGREE) printout for the 3 x 3 table [[0,4,1],[0,8,0],[0,1,5]],
# as recorded in statsmodels' test suite (statsmodels/stats/tests/test_inter_rater.py):
# kappa, ASE, 95% lower, 95% upper, ASE under H0, Z
SAS_TABLE10 = np.array([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
SAS_SIMPLE = (0.4842, 0.1380, 0.2137, 0.7547, 0.1484, 3.2626)
SAS_WEIGHTED = (0.4701, 0.1457, 0.1845, 0.7558, 0.1426, 3.2971)  # Cicchetti-Allison = linear


@pytest.mark.parametrize(
    ("weights", "expected"), [(None, SAS_SIMPLE), ("linear", SAS_WEIGHTED)]
)
def test_cohen_kappa_matches_sas_printout(weights: str | None, expected: tuple) -> None:
    res = cohen_kappa(_pairs_from_table(SAS_TABLE10), "unit", "coder", "value", weights=weights)
    row = res.iloc[0]
    got = (row["estimate"], row["std_error"], row["ci_low"], row["ci_high"],
           row["std_error_null"], row["z"])
    np.testing.assert_allclose(got, expected, atol=5e-5)
    assert row["n_units"] == SAS_TABLE10.sum()


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cohen_kappa_matches_sklearn(weights: str | None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 6, size=150)
    b = np.clip(a + rng.integers(-2, 3, size=150) * (rng.random(150) < 0.5), 1, 5)
    res = cohen_kappa(_pairs(a, b), "unit", "coder", "value", weights=weights)
    assert res.loc[0, "estimate"] == pytest.approx(
        cohen_kappa_score(a, b, weights=weights), abs=1e-12
    )


@pytest.mark.parametrize(
    ("weights", "wt"), [(None, None), ("linear", "linear"), ("quadratic", "quadratic")]
)
def test_cohen_kappa_standard_errors_match_statsmodels(weights: str | None, wt: str | None) -> None:
    """statsmodels.stats.inter_rater.cohens_kappa (Fleiss, Cohen & Everitt 1969 variances)."""
    rng = np.random.default_rng(42)
    a = rng.integers(0, 4, size=90)
    b = np.clip(a + rng.integers(-1, 2, size=90), 0, 3)
    res = cohen_kappa(_pairs(a, b), "unit", "coder", "value", weights=weights)
    table = inter_rater.to_table(np.column_stack([a, b]), bins=4)[0]
    if weights is None:
        ref = inter_rater.cohens_kappa(table)
    else:
        ref = inter_rater.cohens_kappa(table, weights=np.arange(4), wt=wt)
    row = res.iloc[0]
    assert row["estimate"] == pytest.approx(ref.kappa, abs=1e-12)
    assert row["std_error"] == pytest.approx(np.sqrt(ref.var_kappa), abs=1e-12)
    assert row["std_error_null"] == pytest.approx(np.sqrt(ref.var_kappa0), abs=1e-12)
    assert row["ci_low"] == pytest.approx(ref.kappa_low, abs=1e-12)
    assert row["ci_high"] == pytest.approx(ref.kappa_upp, abs=1e-12)
    assert row["p_value"] == pytest.approx(ref.pvalue_two_sided, abs=1e-12)


# R irr::kappa2 on the irr "anxiety" data, raters 2 and 3 (values and z recorded
# in statsmodels' test suite, test_cohens_kappa_irr).
# Category 5 is unused; irr (and we) weight on the ranks of the used categories.
ANXIETY_RATER2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
ANXIETY_RATER3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
IRR_KAPPA2 = {  # weights: (kappa, z)
    None: (-0.006289308, -0.0604067),
    "linear": (0.1459075, 1.282472),  # irr "equal"
    "quadratic": (0.2520325, 1.437451),  # irr "squared"
}


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_z_matches_r_irr_kappa2(weights: str | None) -> None:
    data = _pairs(np.array(ANXIETY_RATER2), np.array(ANXIETY_RATER3))
    res = cohen_kappa(data, "unit", "coder", "value", weights=weights)
    kappa, z = IRR_KAPPA2[weights]
    assert res.loc[0, "estimate"] == pytest.approx(kappa, abs=1e-7)
    assert res.loc[0, "z"] == pytest.approx(z, abs=1e-5)


def test_cohen_kappa_takes_first_two_coders_by_sorted_id() -> None:
    rng = np.random.default_rng(5)
    a = rng.integers(0, 3, size=40)
    b = rng.integers(0, 3, size=40)
    c = rng.integers(0, 3, size=40)
    two = _pairs(a, b)
    extra = pd.DataFrame({"unit": two["unit"].iloc[:40], "coder": "obs3", "value": c})
    lonely = pd.DataFrame({"unit": ["solo"], "coder": ["obs1"], "value": [2]})
    three = pd.concat([extra, two.iloc[::-1], lonely], ignore_index=True)
    pd.testing.assert_frame_equal(
        cohen_kappa(three, "unit", "coder", "value"), cohen_kappa(two, "unit", "coder", "value")
    )


def test_cohen_kappa_categories_fix_the_weight_scale() -> None:
    """With categories 1..5 given, an unused category 5 widens the linear weights."""
    a = np.array([1, 2, 3, 4, 2, 3, 1, 4])
    b = np.array([1, 3, 3, 4, 2, 2, 2, 4])
    res = cohen_kappa(_pairs(a, b), "unit", "coder", "value", weights="linear",
                      categories=[1, 2, 3, 4, 5])
    ref = cohen_kappa_score(a, b, weights="linear", labels=[1, 2, 3, 4, 5])
    assert res.loc[0, "estimate"] == pytest.approx(ref, abs=1e-12)
    assert res.loc[0, "n_categories"] == 5


# --------------------------------------------------------------------------
# Fleiss' kappa
# --------------------------------------------------------------------------
# Fleiss (1971) / Wikipedia example: 10 subjects x 14 raters x 5 categories.
FLEISS_COUNTS = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def test_fleiss_kappa_published_example() -> None:
    """kappa = 0.210, P-bar = 0.378, P-bar-e = 0.2128 (reference-values.md)."""
    res = fleiss_kappa(pd.DataFrame(FLEISS_COUNTS)).iloc[0]
    assert round(res["estimate"], 3) == 0.210
    assert round(res["p_bar"], 3) == 0.378
    assert round(res["p_e"], 4) == 0.2128
    assert res["estimate"] == pytest.approx(inter_rater.fleiss_kappa(FLEISS_COUNTS), abs=1e-12)
    assert (res["n_units"], res["n_raters"], res["n_categories"]) == (10, 14, 5)


# Fleiss (1971) psychiatric diagnoses: 30 patients x 6 raters (irr "diagnoses"),
# categories 1..5, as stored in statsmodels' test suite.
DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)


def test_fleiss_kappa_long_data_matches_r_irr_kappam_fleiss() -> None:
    """R irr::kappam.fleiss(diagnoses): Kappa = 0.4302445, z = 17.65183 (statsmodels tests)."""
    n, m = DIAGNOSES.shape
    data = pd.DataFrame(
        {
            "patient": np.repeat(np.arange(n), m),
            "psychiatrist": np.tile([f"r{j}" for j in range(m)], n),
            "diagnosis": DIAGNOSES.reshape(-1),
        }
    )
    res = fleiss_kappa(data, targets="patient", raters="psychiatrist", ratings="diagnosis").iloc[0]
    assert res["estimate"] == pytest.approx(0.4302445, abs=1e-7)
    assert res["z"] == pytest.approx(17.65183, abs=1e-5)
    assert res["p_value"] < 1e-50
    assert res["ci_low"] == pytest.approx(res["estimate"] - 1.959963984540054 * res["std_error"])


def test_fleiss_kappa_long_and_counts_agree_and_unequal_raters_raise() -> None:
    rows = [(i, f"r{c}", cat) for i, row in enumerate(FLEISS_COUNTS)
            for c, cat in enumerate(np.repeat(np.arange(5), row))]
    long = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    pd.testing.assert_frame_equal(
        fleiss_kappa(long, "unit", "coder", "value"), fleiss_kappa(pd.DataFrame(FLEISS_COUNTS))
    )
    with pytest.raises(ValueError, match="same number of ratings"):
        fleiss_kappa(long.iloc[1:], "unit", "coder", "value")


def test_landis_koch_labels() -> None:
    """Landis & Koch (1977, p. 165) benchmarks."""
    cases = {
        -0.05: "poor", 0.0: "slight", 0.20: "slight", 0.21: "fair", 0.40: "fair",
        0.41: "moderate", 0.60: "moderate", 0.61: "substantial", 0.80: "substantial",
        0.81: "almost perfect", 1.0: "almost perfect",
    }
    for value, label in cases.items():
        assert landis_koch_label(value) == label
    assert landis_koch_label(np.nan) is None
    out = landis_koch_label(pd.Series([0.1, 0.5], index=[3, 4]))
    assert list(out) == ["slight", "moderate"] and list(out.index) == [3, 4]


def test_fleiss_kappa_all_ratings_identical_is_nan_not_an_error():
    """Every coder gives the same category to every unit: P-bar-e = 1, kappa undefined (Fleiss 1971)."""
    from pilot_eval.stats.kappa import fleiss_kappa

    out = fleiss_kappa(pd.DataFrame({"a": [3, 3, 3], "b": [0, 0, 0]}))
    assert np.isnan(out["estimate"].iloc[0])
