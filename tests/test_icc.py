"""Tests of pilot_eval.stats.icc against R psych::ICC, R ICC::ICCest, pingouin and statsmodels."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.anova import anova_lm

from pilot_eval.stats.icc import (
    ICC_METHODS,
    KOO_LI_BANDS,
    UnbalancedDesignWarning,
    icc,
    icc_band_probabilities,
    icc_crossed,
    icc_oneway_unbalanced,
    koo_li_band,
    koo_li_band_from_ci,
)
from pilot_eval.stats.spearman_brown import spearman_brown

from lazy_import import lazy

pg = lazy("pingouin")
smf = lazy("statsmodels.formula.api")

# Shrout & Fleiss (1979), Table 2: 6 targets (rows) x 4 judges (columns).
SHROUT_FLEISS = np.array(
    [
        [9, 2, 5, 8],
        [6, 1, 3, 2],
        [8, 4, 6, 8],
        [7, 1, 2, 6],
        [10, 5, 6, 9],
        [6, 2, 4, 7],
    ]
)

# R 4.2.2, psych 2.2.9: print(ICC(sf, lmer = FALSE)$results, digits = 15)
# (method, ICC, F, df1, df2, p, lower bound, upper bound)
PSYCH_ICC = {
    "ICC1": (0.165741768405476, 1.79467849223947, 5, 18, 0.164768808344639611,
             -0.1329323248747509, 0.722560062328121),
    "ICC2": (0.289763779527559, 11.02724795640327, 5, 15, 0.000134566516484337,
             0.0187865133747120, 0.761084369648953),
    "ICC3": (0.714840714840715, 11.02724795640327, 5, 15, 0.000134566516484337,
             0.3424647650339254, 0.945858259955360),
    "ICC1k": (0.442797133679269, 1.79467849223947, 5, 18, 0.164768808344639611,
              -0.8844421552381190, 0.912415420340776),
    "ICC2k": (0.620050547598989, 11.02724795640327, 5, 15, 0.000134566516484337,
              0.0711368153025035, 0.927232040167722),
    "ICC3k": (0.909315542377069, 11.02724795640327, 5, 15, 0.000134566516484337,
              0.6756747138163047, 0.985891678169062),
}

# The same, as printed by psych::ICC and copied in shared/spec/reference-values.md
# (type, ICC, F, df1, df2, p, lower, upper) and its "unrounded" ICCs.
PRINTED = {
    "ICC1": (0.17, 1.8, 5, 18, 0.16477, -0.133, 0.72),
    "ICC2": (0.29, 11.0, 5, 15, 0.00013, 0.019, 0.76),
    "ICC3": (0.71, 11.0, 5, 15, 0.00013, 0.342, 0.95),
    "ICC1k": (0.44, 1.8, 5, 18, 0.16477, -0.884, 0.91),
    "ICC2k": (0.62, 11.0, 5, 15, 0.00013, 0.071, 0.93),
    "ICC3k": (0.91, 11.0, 5, 15, 0.00013, 0.676, 0.99),
}
UNROUNDED = {"ICC1": 0.1657, "ICC2": 0.2898, "ICC3": 0.7148, "ICC1k": 0.4428,
             "ICC2k": 0.6201, "ICC3k": 0.9093}


def _long(matrix: np.ndarray) -> pd.DataFrame:
    n, k = matrix.shape
    return pd.DataFrame(
        {
            "target": np.repeat([f"t{i:03d}" for i in range(n)], k),
            "rater": np.tile([f"r{j:02d}" for j in range(k)], n),
            "score": matrix.reshape(-1).astype(float),
        }
    )


def _pingouin_icc(data: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """pingouin.intraclass_corr; pingouin 0.7 itself calls ``dropna(inplace=True)``,
    which pandas >= 3.1 flags with a Pandas4Warning (not ours to fix)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.dropna")
        return pg.intraclass_corr(
            data=data, targets="target", raters="rater", ratings="score", **kwargs
        )


@pytest.fixture
def pingouin_full_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    """pingouin rounds the CI95 column to 2 decimals by default; switch that off."""
    monkeypatch.setitem(pg.options, "round.column.CI95", None)


# --------------------------------------------------------------------------
# icc_crossed
# --------------------------------------------------------------------------
def test_shrout_fleiss_example_matches_r_psych_full_precision() -> None:
    """Shrout & Fleiss (1979) data vs R psych::ICC (psych 2.2.9, R 4.2.2)."""
    res = icc_crossed(_long(SHROUT_FLEISS), "target", "rater", "score").set_index("method")
    assert list(res.index) == list(ICC_METHODS)
    for method, (icc, f, df1, df2, p, lo, hi) in PSYCH_ICC.items():
        row = res.loc[method]
        assert row["estimate"] == pytest.approx(icc, rel=1e-12)
        assert row["f"] == pytest.approx(f, rel=1e-12)
        assert row["df1"] == df1 and row["df2"] == df2
        assert row["p_value"] == pytest.approx(p, rel=1e-9)
        assert row["ci_low"] == pytest.approx(lo, rel=1e-9)
        assert row["ci_high"] == pytest.approx(hi, rel=1e-9)
    assert (res["n_targets"] == 6).all() and (res["n_raters"] == 4).all()
    assert (res["n_dropped"] == 0).all()
    assert res.loc["ICC2", "mcgraw_wong"] == "ICC(A,1)"
    assert res.loc["ICC3k", "mcgraw_wong"] == "ICC(C,k)"
    assert res.loc["ICC1", "mcgraw_wong"] == "ICC(1)"


def test_shrout_fleiss_example_matches_reference_values_md() -> None:
    """The printed psych::ICC table of shared/spec/reference-values.md, to printed precision."""
    res = icc_crossed(_long(SHROUT_FLEISS), "target", "rater", "score").set_index("method")
    for method, (icc, f, df1, df2, p, lo, hi) in PRINTED.items():
        row = res.loc[method]
        assert round(row["estimate"], 2) == pytest.approx(icc)
        assert round(row["f"], 1) == pytest.approx(f)
        assert (row["df1"], row["df2"]) == (df1, df2)
        assert round(row["p_value"], 5) == pytest.approx(p)
        assert round(row["ci_low"], 3) == pytest.approx(lo)
        assert round(row["ci_high"], 2) == pytest.approx(hi)
        assert row["estimate"] == pytest.approx(UNROUNDED[method], abs=1e-4)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_crossed_matches_pingouin_on_random_balanced_data(
    seed: int, pingouin_full_precision: None
) -> None:
    """pingouin 0.7 intraclass_corr (columns Type, ICC, F, df1, df2, pval, CI95)."""
    rng = np.random.default_rng(seed)
    n, k = 25, 5
    matrix = rng.normal(size=(n, 1)) + rng.normal(size=(1, k)) * 0.5 + rng.normal(size=(n, k))
    data = _long(matrix)
    ours = icc_crossed(data, "target", "rater", "score")
    ref = _pingouin_icc(data)
    # pingouin labels the forms by their McGraw & Wong / Shrout & Fleiss names
    assert list(ref["Type"]) == [
        "ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"
    ]
    ci = np.vstack(ref["CI95"].to_numpy())
    np.testing.assert_allclose(ours["estimate"], ref["ICC"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours["f"], ref["F"], rtol=1e-10)
    np.testing.assert_array_equal(ours["df1"], ref["df1"])
    np.testing.assert_array_equal(ours["df2"], ref["df2"])
    np.testing.assert_allclose(ours["p_value"], ref["pval"], rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(ours["ci_low"], ci[:, 0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours["ci_high"], ci[:, 1], rtol=0, atol=1e-10)


def test_crossed_listwise_deletion_matches_pingouin_omit(pingouin_full_precision: None) -> None:
    """A target missing one rating is dropped whole, as pingouin nan_policy='omit'."""
    rng = np.random.default_rng(7)
    data = _long(rng.normal(size=(12, 3)) + rng.normal(size=(12, 1)))
    data.loc[4, "score"] = np.nan  # target t001, rater r01
    data = data.drop(index=8)  # target t002, rater r02: row absent altogether
    ours = icc_crossed(data, "target", "rater", "score", unbalanced="drop")
    assert (ours["n_dropped"] == 2).all() and (ours["n_targets"] == 10).all()
    ref = _pingouin_icc(data, nan_policy="omit")
    np.testing.assert_allclose(ours["estimate"], ref["ICC"], atol=1e-10)
    np.testing.assert_allclose(ours["ci_low"], np.vstack(ref["CI95"].to_numpy())[:, 0], atol=1e-10)


def _unbalanced_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    data = _long(rng.normal(size=(12, 3)) + rng.normal(size=(12, 1)))
    data.loc[4, "score"] = np.nan  # one target loses a rating
    return data.drop(index=[7, 8])  # a second target loses two


def test_crossed_unbalanced_warns_naming_the_dropped_targets_and_why() -> None:
    """Issue 15: a target without a rating from every rater is not dropped silently."""
    data = _unbalanced_data()
    with pytest.warns(UnbalancedDesignWarning) as caught:
        warned = icc_crossed(data, "target", "rater", "score")
    message = str(caught[0].message)
    assert "2 of 12 targets" in message and "lack a rating" in message and "dropped" in message
    assert "'target'" in message and "3 raters" in message and "icc_oneway_unbalanced" in message
    # the warning points at the caller, not at pilot_eval's internals
    assert caught[0].filename == __file__
    # the researcher's entry point warns too
    with pytest.warns(UnbalancedDesignWarning):
        icc(data, "target", "rater", "score")
    # same numbers as the silent listwise deletion (pingouin nan_policy="omit": tested above)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        silent = icc_crossed(data, "target", "rater", "score", unbalanced="drop")
    pd.testing.assert_frame_equal(warned, silent)
    assert (silent["n_dropped"] == 2).all() and (silent["n_targets"] == 10).all()


def test_crossed_unbalanced_can_refuse() -> None:
    with pytest.raises(ValueError, match=r"2 of 12 targets .* need every target rated by every rater"):
        icc_crossed(_unbalanced_data(), "target", "rater", "score", unbalanced="raise")
    with pytest.raises(ValueError, match="unbalanced must be"):
        icc_crossed(_unbalanced_data(), "target", "rater", "score", unbalanced="ignore")  # type: ignore[arg-type]


def test_crossed_balanced_data_never_warns_or_refuses() -> None:
    data = _long(SHROUT_FLEISS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = icc_crossed(data, "target", "rater", "score", unbalanced="raise")
    assert (res["n_dropped"] == 0).all()


def test_crossed_row_order_and_dtypes_do_not_matter() -> None:
    """Shuffled rows, str ids and nullable Int64 ratings give the psych::ICC values."""
    data = _long(SHROUT_FLEISS).sample(frac=1.0, random_state=3)
    data["score"] = data["score"].astype("Int64")
    res = icc_crossed(data, "target", "rater", "score").set_index("method")
    assert res.loc["ICC2", "estimate"] == pytest.approx(PSYCH_ICC["ICC2"][0], rel=1e-12)


def test_crossed_rejects_duplicate_ratings() -> None:
    data = _long(SHROUT_FLEISS)
    data = pd.concat([data, data.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="more than one rating"):
        icc_crossed(data, "target", "rater", "score")


def test_crossed_confidence_level_changes_interval_width() -> None:
    data = _long(SHROUT_FLEISS)
    narrow = icc_crossed(data, "target", "rater", "score", confidence=0.80)
    wide = icc_crossed(data, "target", "rater", "score", confidence=0.99)
    assert ((wide["ci_high"] - wide["ci_low"]) > (narrow["ci_high"] - narrow["ci_low"])).all()


# --------------------------------------------------------------------------
# icc_oneway_unbalanced
# --------------------------------------------------------------------------
# Fixed small unbalanced data set (group sizes 1..6) and the output of R 4.2.2
# running the computation of ICC::ICCest(x, y, CI.type = "THD") from the CRAN
# package ICC (2.3.x source, argument handling left out; the package has no
# Debian build, so its function body was sourced once), printed with digits = 15:
UNBAL_TARGETS = (
    ["L1"] + ["L2"] * 2 + ["L3"] * 3 + ["L4"] * 4 + ["L5"] * 5 + ["L6"] * 2
    + ["L7"] * 3 + ["L8"] * 6 + ["L9"]
)
UNBAL_SCORES = [4, 2, 3, 5, 4, 5, 1, 2, 2, 3, 3, 4, 3, 5, 4, 2, 2, 5, 5, 4,
                3, 2, 4, 3, 3, 2, 1]
ICCEST = {
    "ICC": 0.684740841943472,
    "LowerCI": 0.329649205956672,
    "UpperCI": 0.907505487549403,
    "N": 9,
    "k": 2.88888888888889,  # n0
    "MSa": 3.82592592592593,
    "MSw": 0.525925925925926,
    "F": 7.27464788732395,
    "df1": 8,
    "df2": 18,
    "p": 0.000246588037751951,  # pf(F, 8, 18, lower.tail = FALSE)
}


def test_oneway_unbalanced_matches_r_iccest() -> None:
    data = pd.DataFrame({"leader": UNBAL_TARGETS, "score": UNBAL_SCORES})
    res = icc_oneway_unbalanced(data, "leader", "score").set_index("method")
    icc1 = res.loc["ICC1"]
    assert icc1["estimate"] == pytest.approx(ICCEST["ICC"], abs=1e-12)
    assert icc1["ci_low"] == pytest.approx(ICCEST["LowerCI"], abs=1e-12)
    assert icc1["ci_high"] == pytest.approx(ICCEST["UpperCI"], abs=1e-12)
    assert icc1["n0"] == pytest.approx(ICCEST["k"], abs=1e-12)
    assert icc1["f"] == pytest.approx(ICCEST["F"], rel=1e-12)
    assert (icc1["df1"], icc1["df2"]) == (ICCEST["df1"], ICCEST["df2"])
    assert icc1["p_value"] == pytest.approx(ICCEST["p"], rel=1e-9)
    assert icc1["n_targets"] == ICCEST["N"]
    assert (icc1["min_raters"], icc1["max_raters"]) == (1, 6)
    assert icc1["mean_raters"] == pytest.approx(27 / 9)
    # ICC1k is the Spearman-Brown step-up of ICC1 to n0 raters = (MSB - MSW) / MSB
    icc1k = res.loc["ICC1k", "estimate"]
    assert icc1k == pytest.approx(spearman_brown(ICCEST["ICC"], ICCEST["k"]), abs=1e-12)
    assert icc1k == pytest.approx((ICCEST["MSa"] - ICCEST["MSw"]) / ICCEST["MSa"], abs=1e-12)
    # its interval is the step-up of the ICC1 interval (monotone transform)
    assert res.loc["ICC1k", "ci_low"] == pytest.approx(
        spearman_brown(ICCEST["LowerCI"], ICCEST["k"]), abs=1e-12
    )


def test_oneway_unbalanced_matches_statsmodels_anova_with_singletons() -> None:
    """Mean squares from statsmodels ols + anova_lm plugged into the n0 formulas."""
    rng = np.random.default_rng(11)
    n_targets = 60
    sizes = rng.integers(1, 9, size=n_targets)  # includes leaders with 1 rater
    sizes[:5] = 1
    leader = np.repeat([f"L{i:03d}" for i in range(n_targets)], sizes)
    effect = np.repeat(rng.normal(scale=0.8, size=n_targets), sizes)
    score = np.round(3 + effect + rng.normal(size=sizes.sum()))
    data = pd.DataFrame({"leader": leader, "score": score})
    res = icc_oneway_unbalanced(data, "leader", "score").set_index("method")

    aov = anova_lm(smf.ols("score ~ C(leader)", data=data).fit())
    msb, msw = aov["mean_sq"].iloc[0], aov["mean_sq"].iloc[1]
    df1, df2 = aov["df"].iloc[0], aov["df"].iloc[1]
    n_total = sizes.sum()
    n0 = (n_total - np.sum(sizes**2) / n_total) / (n_targets - 1)
    assert res.loc["ICC1", "estimate"] == pytest.approx(
        (msb - msw) / (msb + (n0 - 1) * msw), abs=1e-6
    )
    assert res.loc["ICC1k", "estimate"] == pytest.approx((msb - msw) / msb, abs=1e-6)
    assert res.loc["ICC1", "f"] == pytest.approx(aov["F"].iloc[0], rel=1e-6)
    assert res.loc["ICC1", "p_value"] == pytest.approx(aov["PR(>F)"].iloc[0], rel=1e-6)
    assert (res.loc["ICC1", "df1"], res.loc["ICC1", "df2"]) == (df1, df2)
    assert res.loc["ICC1", "n_targets"] == n_targets  # singletons are not dropped
    assert res.loc["ICC1", "min_raters"] == 1


def test_oneway_unbalanced_equals_crossed_on_balanced_data() -> None:
    crossed = icc_crossed(_long(SHROUT_FLEISS), "target", "rater", "score").set_index("method")
    oneway = icc_oneway_unbalanced(_long(SHROUT_FLEISS), "target", "score").set_index("method")
    for method in ("ICC1", "ICC1k"):
        for col in ("estimate", "f", "df1", "df2", "p_value", "ci_low", "ci_high"):
            assert oneway.loc[method, col] == pytest.approx(crossed.loc[method, col], rel=1e-12)
    assert oneway.loc["ICC1", "n0"] == pytest.approx(4.0)


def test_oneway_unbalanced_ignores_missing_ratings() -> None:
    data = pd.DataFrame({"leader": UNBAL_TARGETS, "score": UNBAL_SCORES}, dtype=object)
    data["score"] = data["score"].astype(float)
    with_nan = pd.concat(
        [data, pd.DataFrame({"leader": ["L1", "L5"], "score": [np.nan, np.nan]})],
        ignore_index=True,
    )
    a = icc_oneway_unbalanced(data, "leader", "score")
    b = icc_oneway_unbalanced(with_nan, "leader", "score")
    pd.testing.assert_frame_equal(a, b)


def test_oneway_unbalanced_recovers_the_population_icc() -> None:
    """1,500 leaders, ~300,000 rating rows: agrees with the population ICC (its speed at a
    million rows is measured in benchmarks/run_benchmarks.py, bench_icc_oneway)."""
    rng = np.random.default_rng(5)
    n_leaders = 1500
    sizes = rng.integers(150, 260, size=n_leaders)
    codes = np.repeat(np.arange(n_leaders), sizes)
    score = rng.normal(scale=0.5, size=n_leaders)[codes] + rng.normal(size=codes.size)
    data = pd.DataFrame({"leader": "L" + pd.Series(codes).astype("str"), "score": score})
    assert len(data) > 250_000
    res = icc_oneway_unbalanced(data, "leader", "score").set_index("method")
    # population ICC = 0.25 / (0.25 + 1) = 0.2; SE here is about 0.008
    assert res.loc["ICC1", "estimate"] == pytest.approx(0.2, abs=0.03)
    assert res.loc["ICC1", "n_targets"] == n_leaders


def test_oneway_unbalanced_needs_within_target_replication() -> None:
    data = pd.DataFrame({"leader": ["a", "b", "c"], "score": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError):
        icc_oneway_unbalanced(data, "leader", "score")


# --------------------------------------------------------------------------
# Koo & Li bands
# --------------------------------------------------------------------------
def test_koo_li_band_thresholds() -> None:
    """Koo & Li (2016): < 0.5 poor, 0.5-0.75 moderate, 0.75-0.9 good, > 0.9 excellent."""
    assert koo_li_band(0.49) == "poor"
    assert koo_li_band(0.50) == "moderate"
    assert koo_li_band(0.7499) == "moderate"
    assert koo_li_band(0.75) == "good"
    assert koo_li_band(0.90) == "good"
    assert koo_li_band(0.9001) == "excellent"
    assert koo_li_band(-0.3) == "poor"
    assert koo_li_band(np.nan) is None
    arr = koo_li_band([0.1, 0.6, 0.8, 0.95])
    assert list(arr) == list(KOO_LI_BANDS)
    s = koo_li_band(pd.Series([0.2, np.nan], index=["x", "y"]))
    assert list(s.index) == ["x", "y"] and s["x"] == "poor" and pd.isna(s["y"])


def test_koo_li_band_from_ci_uses_the_whole_interval() -> None:
    """Koo & Li (2016), p. 161: a 95 % CI of 0.83-0.94 is 'good' to 'excellent'."""
    assert koo_li_band_from_ci(0.83, 0.94) == "good to excellent"
    assert koo_li_band_from_ci(0.78, 0.88) == "good"
    assert koo_li_band_from_ci(0.2, 0.95) == "poor to excellent"
    assert koo_li_band_from_ci(np.nan, 0.5) is None
    out = koo_li_band_from_ci(pd.Series([0.1, 0.6]), pd.Series([0.3, 0.8]))
    assert list(out) == ["poor", "moderate to good"]
    with pytest.raises(ValueError):
        koo_li_band_from_ci(0.8, 0.7)


# --------------------------------------------------------------------------
# bootstrap band probabilities
# --------------------------------------------------------------------------
def _loop_band_probabilities_crossed(
    matrix: np.ndarray, method: str, n_boot: int, seed: int
) -> np.ndarray:
    """Slow reference: resample targets per replicate and call pingouin.

    Same draws as the library: replicate b holds the targets (rows, in sorted
    id order) default_rng(seed).integers(0, n, size=(n_boot, n))[b].
    """
    n = matrix.shape[0]
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    names = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)",
             "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k)", "ICC3k": "ICC(C,k)"}
    bands = []
    for b in range(n_boot):
        resampled = matrix[draws[b]]
        ref = _pingouin_icc(_long(resampled)).set_index("Type")
        bands.append(koo_li_band(ref.loc[names[method], "ICC"]))
    return np.array([np.mean([x == band for x in bands]) for band in KOO_LI_BANDS])


def _loop_band_probabilities_oneway(
    data: pd.DataFrame, method: str, n_boot: int, seed: int
) -> np.ndarray:
    """Slow reference: resample leaders, relabel repeats, re-run the estimator."""
    groups = {key: grp["score"].to_numpy() for key, grp in data.groupby("leader", sort=True)}
    keys = sorted(groups)
    n = len(keys)
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))  # as the library
    bands = []
    for b in range(n_boot):
        parts = []
        for i in draws[b]:
            parts.append(pd.DataFrame({"leader": f"copy{len(parts)}", "score": groups[keys[i]]}))
        rep = pd.concat(parts, ignore_index=True)
        est = icc_oneway_unbalanced(rep, "leader", "score").set_index("method")
        bands.append(koo_li_band(est.loc[method, "estimate"]))
    return np.array([np.mean([x == band for x in bands]) for band in KOO_LI_BANDS])


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ICC2", "ICC3k", "ICC1"])
def test_band_probabilities_crossed_equal_slow_loop(method: str) -> None:
    rng = np.random.default_rng(21)
    matrix = rng.normal(size=(15, 1)) * 1.5 + rng.normal(size=(15, 3))
    res = icc_band_probabilities(
        _long(matrix), "target", "score", raters="rater", method=method, n_boot=30, seed=4
    )
    expected = _loop_band_probabilities_crossed(matrix, method, n_boot=30, seed=4)
    np.testing.assert_allclose(res["probability"], expected, atol=1e-12)
    assert list(res["band"]) == list(KOO_LI_BANDS)
    assert res["probability"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["ICC1", "ICC1k"])
def test_band_probabilities_oneway_equal_slow_loop(method: str) -> None:
    data = pd.DataFrame({"leader": UNBAL_TARGETS, "score": UNBAL_SCORES})
    res = icc_band_probabilities(data, "leader", "score", method=method, n_boot=25, seed=9)
    expected = _loop_band_probabilities_oneway(data, method, n_boot=25, seed=9)
    np.testing.assert_allclose(res["probability"], expected, atol=1e-12)


def test_band_probabilities_deterministic_and_seed_dependent() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(20, 1)) + rng.normal(size=(20, 4))
    data = _long(matrix)
    a = icc_band_probabilities(data, "target", "score", "rater", "ICC2", n_boot=500, seed=1)
    b = icc_band_probabilities(data, "target", "score", "rater", "ICC2", n_boot=500, seed=1)
    c = icc_band_probabilities(data, "target", "score", "rater", "ICC2", n_boot=500, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["probability"], c["probability"])
    with pytest.raises(ValueError):
        icc_band_probabilities(data, "target", "score", None, "ICC2")
