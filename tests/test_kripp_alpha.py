"""Tests of pilot_eval.stats.kripp_alpha against Krippendorff (2011) and the krippendorff package."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest

from pilot_eval.stats.kripp_alpha import (
    LEVELS,
    krippendorff_alpha,
    krippendorff_alpha_ci,
    reliability_verdict,
)

nan = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C:
# 4 observers x 12 units, nan = missing.
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)
# Published values (Krippendorff 2011, pp. 3-7)
K2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def _long(matrix: np.ndarray) -> pd.DataFrame:
    """coders x units reliability matrix -> long (unit, coder, value) rows."""
    m, n = matrix.shape
    return pd.DataFrame(
        {
            "unit": np.tile([f"u{j:04d}" for j in range(n)], m),
            "coder": np.repeat([f"c{i:02d}" for i in range(m)], n),
            "value": matrix.reshape(-1),
        }
    )


def _random_reliability_data(seed: int, n_coders: int = 5, n_units: int = 60) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=n_units)
    noise = rng.integers(-1, 2, size=(n_coders, n_units)) * (rng.random((n_coders, n_units)) < 0.4)
    matrix = np.clip(truth + noise, 1, 5).astype(float)
    matrix[rng.random(matrix.shape) < 0.3] = nan
    matrix[:, 0] = nan  # a unit nobody coded
    matrix[1:, 1] = nan  # a unit with a single value
    return matrix


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_published_values(level: str) -> None:
    alpha = krippendorff_alpha(_long(K2011), "unit", "coder", "value", level=level)
    assert round(alpha, 3) == K2011_ALPHA[level]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_krippendorff_package_on_random_data_with_missing(level: str, seed: int) -> None:
    """fast-krippendorff 0.9 ``krippendorff.alpha(reliability_data=...)``."""
    matrix = _random_reliability_data(seed)
    ours = krippendorff_alpha(_long(matrix), "unit", "coder", "value", level=level)
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert ours == pytest.approx(ref, abs=1e-9)


def test_ordinal_strings_with_value_domain_match_package() -> None:
    """The package's ordinal example with string labels and an ordered domain (0.815)."""
    labels = np.array(["very low", "low", "mid", "high", "very high"], dtype=object)
    matrix = K2011.copy()
    text = np.where(np.isnan(matrix), None, labels[np.nan_to_num(matrix, nan=1).astype(int) - 1])
    data = _long(text)
    alpha = krippendorff_alpha(
        data, "unit", "coder", "value", level="ordinal", value_domain=list(labels)
    )
    assert round(alpha, 3) == 0.815
    nominal = krippendorff_alpha(data, "unit", "coder", "value", level="nominal")
    assert round(nominal, 3) == 0.743
    with pytest.raises(ValueError, match="value_domain"):
        krippendorff_alpha(data, "unit", "coder", "value", level="ordinal")


def test_unpairable_units_do_not_count() -> None:
    """Units with fewer than two values (Krippendorff 2011: unit 12) change nothing."""
    base = krippendorff_alpha(_long(K2011), "unit", "coder", "value", level="interval")
    dropped = _long(K2011[:, :11])
    assert krippendorff_alpha(dropped, "unit", "coder", "value", level="interval") == pytest.approx(
        base, abs=1e-15
    )


def test_degenerate_inputs_give_nan() -> None:
    one_each = pd.DataFrame({"unit": ["a", "b"], "coder": ["x", "y"], "value": [1, 2]})
    assert np.isnan(krippendorff_alpha(one_each, "unit", "coder", "value"))
    same = pd.DataFrame({"unit": ["a", "a", "b", "b"], "coder": list("xyxy"), "value": [3] * 4})
    assert np.isnan(krippendorff_alpha(same, "unit", "coder", "value", level="interval"))


def test_duplicate_codings_raise() -> None:
    data = pd.DataFrame({"unit": ["a", "a"], "coder": ["x", "x"], "value": [1, 2]})
    with pytest.raises(ValueError, match="more than one value"):
        krippendorff_alpha(data, "unit", "coder", "value")


# --------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------
def _loop_bootstrap_ci(
    matrix: np.ndarray, level: str, n_boot: int, seed: int, confidence: float
) -> tuple[float, float]:
    """Slow reference: resample pairable units per replicate, call krippendorff.alpha.

    Same draws as the library: pairable units in sorted-id order (the column
    order here); replicate b holds the units
    default_rng(seed).integers(0, n, size=(n_boot, n))[b], taken directly as
    column indices (no counting), so the library's bincount tally is checked too.
    """
    pairable = np.sum(~np.isnan(matrix), axis=0) >= 2
    sub = matrix[:, pairable]
    n = sub.shape[1]
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    domain = np.unique(sub[~np.isnan(sub)])
    reps = []
    for b in range(n_boot):
        resampled = sub[:, draws[b]]
        reps.append(
            krippendorff.alpha(
                reliability_data=resampled, level_of_measurement=level, value_domain=domain
            )
        )
    tail = (1 - confidence) / 2
    low, high = np.quantile(np.array(reps), [tail, 1 - tail])
    return float(low), float(high)


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_ci_equals_slow_reference_loop(level: str) -> None:
    matrix = _random_reliability_data(seed=8, n_units=40)
    res = krippendorff_alpha_ci(
        _long(matrix), "unit", "coder", "value", level=level, n_boot=40, seed=123, confidence=0.9
    )
    low, high = _loop_bootstrap_ci(matrix, level, n_boot=40, seed=123, confidence=0.9)
    assert res.loc[0, "ci_low"] == pytest.approx(low, abs=1e-9)
    assert res.loc[0, "ci_high"] == pytest.approx(high, abs=1e-9)
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert res.loc[0, "estimate"] == pytest.approx(ref, abs=1e-9)
    assert res.loc[0, "n_units"] == int(np.sum(np.sum(~np.isnan(matrix), axis=0) >= 2))
    assert res.loc[0, "n_pairable"] == int(
        np.sum(~np.isnan(matrix[:, np.sum(~np.isnan(matrix), axis=0) >= 2]))
    )


def test_bootstrap_ci_contains_estimate_and_is_deterministic() -> None:
    data = _long(_random_reliability_data(seed=4, n_units=200))
    a = krippendorff_alpha_ci(data, "unit", "coder", "value", level="ordinal", n_boot=400, seed=7)
    b = krippendorff_alpha_ci(data, "unit", "coder", "value", level="ordinal", n_boot=400, seed=7)
    c = krippendorff_alpha_ci(data, "unit", "coder", "value", level="ordinal", n_boot=400, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "ci_low"] != c.loc[0, "ci_low"]
    row = a.iloc[0]
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["n_boot"] == 400 and row["n_valid"] == 400
    assert list(a.columns[:3]) == ["level", "estimate", "ci_low"]


def test_bootstrap_of_many_units() -> None:
    """1,000 units x 500 replicates: the estimate equals the krippendorff package and the interval
    is narrow (speed at 2,000 units x 1,000 replicates: benchmarks/run_benchmarks.py, bench_alpha)."""
    rng = np.random.default_rng(0)
    n_units = 1000
    truth = rng.integers(1, 6, size=n_units)
    matrix = np.clip(truth + rng.integers(-1, 2, size=(3, n_units)), 1, 5).astype(float)
    data = _long(matrix)
    res = krippendorff_alpha_ci(data, "unit", "coder", "value", level="ordinal", n_boot=500)
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal")
    assert res.loc[0, "estimate"] == pytest.approx(ref, abs=1e-9)
    assert res.loc[0, "ci_high"] - res.loc[0, "ci_low"] < 0.1


def test_reliability_verdict_thresholds() -> None:
    """Krippendorff (2004, p. 241): >= .800 reliable, >= .667 tentative, else unreliable."""
    assert reliability_verdict(0.800) == "reliable"
    assert reliability_verdict(0.7999) == "tentative"
    assert reliability_verdict(0.667) == "tentative"
    assert reliability_verdict(0.6669) == "unreliable"
    assert reliability_verdict(nan) is None
    out = reliability_verdict(pd.Series([0.9, 0.1]))
    assert list(out) == ["reliable", "unreliable"]


@pytest.mark.parametrize("max_values", [32, 0])
def test_ordinal_many_values_both_code_paths_match_package(
    max_values: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ordinal alpha with 40 distinct values, through the per-value (pair) form and,
    with the threshold set to 0, the per-unit mid-rank form; both equal
    fast-krippendorff 0.9 ``krippendorff.alpha`` (estimate, and per replicate in the
    bootstrap reference loop)."""
    import pilot_eval.stats.kripp_alpha as ka

    monkeypatch.setattr(ka, "_ORDINAL_PAIR_FORM_MAX_VALUES", max_values)
    rng = np.random.default_rng(17)
    n_units = 80
    truth = rng.integers(0, 40, size=n_units)
    matrix = np.clip(truth + rng.integers(-3, 4, size=(4, n_units)), 0, 39).astype(float)
    matrix[rng.random(matrix.shape) < 0.25] = nan
    assert np.unique(matrix[~np.isnan(matrix)]).size > 32
    data = _long(matrix)
    ours = krippendorff_alpha(data, "unit", "coder", "value", level="ordinal")
    ref = krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal")
    assert ours == pytest.approx(ref, abs=1e-9)
    res = krippendorff_alpha_ci(data, "unit", "coder", "value", level="ordinal", n_boot=30, seed=5)
    low, high = _loop_bootstrap_ci(matrix, "ordinal", n_boot=30, seed=5, confidence=0.95)
    assert res.loc[0, "ci_low"] == pytest.approx(low, abs=1e-9)
    assert res.loc[0, "ci_high"] == pytest.approx(high, abs=1e-9)
