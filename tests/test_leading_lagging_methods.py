"""Statistics of the leading-to-lagging step, each against a second implementation.

References used (named per test):
* partial correlation - pingouin.partial_corr (0.7);
* count models - R 4.2.2 glm / MASS 7.3-58.2 glm.nb / sandwich 3.0-2 vcovCL /
  AER 1.2-10 dispersiontest (values hard-coded from a one-off run, script in
  the test docstrings), and statsmodels' formula API;
* Holm / Benjamini-Hochberg - hand computation;
* batched Poisson fits and the cross-validation - scikit-learn PoissonRegressor;
* Fisher's exact test - scipy.stats.fisher_exact and R fisher.test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.linear_model import PoissonRegressor

from pathlib import Path

from pilot_eval.stats.count_models import cluster_robust_cov, dispersion_test, fit_count_model
from pilot_eval.stats.design import OTHER_LEVEL, control_design, pooled_levels
from pilot_eval.stats.partial_correlation import partial_correlation
from pilot_eval.stats.multiplicity import adjust_p_values
from pilot_eval.stats.predictive import (
    cv_predictive_gain,
    group_folds,
    permute_within_strata,
    poisson_deviance,
    poisson_fit_batch,
)

from lazy_import import lazy

pg = lazy("pingouin")
sm = lazy("statsmodels.api")
smf = lazy("statsmodels.formula.api")


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def reference_data() -> pd.DataFrame:
    """The data set of the one-off R run (written to CSV with float_format='%.17g').

    R script (R 4.2.2, MASS 7.3-58.2, sandwich 3.0-2, AER 1.2-10)::

        d  <- read.csv("ref.csv")
        ctl <- glm.control(epsilon = 1e-12, maxit = 100)
        fp <- glm(y ~ x + role + culture + pre_rate + offset(log(exposure)),
                  family = poisson, data = d, control = ctl)
        sqrt(diag(vcov(fp)))["x"]; sqrt(diag(vcovCL(fp, cluster = ~unit, type = "HC1")))["x"]
        dispersiontest(fp, trafo = 2)
        fn <- glm.nb(y ~ x + role + culture + pre_rate + offset(log(exposure)), data = d,
                     control = ctl)
        coef(fn)["x"]; 1 / fn$theta; logLik(fn)
        sqrt(diag(vcov(fn)))["x"]; sqrt(diag(vcovCL(fn, cluster = ~unit, type = "HC1")))["x"]
    """
    rng = np.random.default_rng(20240611)
    n = 120
    role = rng.choice(["a_lead", "b_manager", "c_director"], n, p=[0.5, 0.3, 0.2])
    culture = rng.choice(["east", "north", "west"], n, p=[0.45, 0.35, 0.2])
    unit = rng.integers(0, 12, n)
    x = rng.normal(0, 1, n)
    pre_rate = rng.gamma(2.0, 3.0, n)
    exposure = rng.integers(300, 1200, n).astype(float)
    u = rng.normal(0, 0.3, 12)[unit]
    mu = exposure / 1000 * np.exp(0.2 - 0.35 * x + 0.03 * pre_rate + u + 0.2 * (role == "b_manager"))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    return pd.DataFrame({"y": y, "x": x, "role": role, "culture": culture,
                         "unit": [f"U{k:02d}" for k in unit], "pre_rate": pre_rate, "exposure": exposure})


# values printed by the R script above (options(digits = 15))
R_POISSON_COEF_X = -0.405938751212518
R_POISSON_SE_X = 0.0617398160150346
R_POISSON_CR1_SE_X = 0.121116640405814
R_DISPERSION = {"alpha": 0.689706051167704, "z": 3.05076362199538, "p_value": 0.00114130099839397}
R_NB_COEF_X = -0.479797460779403
R_NB_ALPHA = 0.582219908769547  # 1 / theta, theta = 1.71756407662765
R_NB_LOGLIK = -182.497011926252
R_NB_SE_X = 0.0942102272197061
R_NB_CR1_SE_X = 0.116718885141641


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return reference_data()


def _design(df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    C, names = control_design(df, ("role", "culture"), ("pre_rate",), min_level_size=5)
    return np.column_stack([df["x"], C]), ["x", *names]


# ---------------------------------------------------------------------------
# count models
# ---------------------------------------------------------------------------
def test_poisson_matches_r_glm_and_sandwich(ref):
    """R glm(poisson) + sandwich::vcovCL(type = "HC1") (values above)."""
    X, names = _design(ref)
    model = fit_count_model(ref["y"], ref["exposure"], X, names, family="poisson")
    row = model.set_index("term").loc["x"]
    assert row["estimate"] == pytest.approx(R_POISSON_COEF_X, abs=1e-8)
    assert row["std_error"] == pytest.approx(R_POISSON_SE_X, rel=1e-6)
    assert row["cov_type"] == "model"
    robust = fit_count_model(ref["y"], ref["exposure"], X, names, clusters=ref["unit"], family="poisson")
    row = robust.set_index("term").loc["x"]
    assert row["std_error"] == pytest.approx(R_POISSON_CR1_SE_X, rel=1e-6)
    assert row["cov_type"] == "cluster" and row["n_clusters"] == 12 and row["df"] == 11
    # t(G - 1) reference distribution (Cameron & Miller 2015)
    t = row["estimate"] / row["std_error"]
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 11), rel=1e-10)


def test_poisson_matches_statsmodels_formula_api(ref):
    """statsmodels formula API fitted directly: same coefficients and cluster SEs (canonical link)."""
    X, names = _design(ref)
    ours = fit_count_model(ref["y"], ref["exposure"], X, names, clusters=ref["unit"], family="poisson")
    fit = smf.glm("y ~ x + C(role) + C(culture) + pre_rate", data=ref, family=sm.families.Poisson(),
                  offset=np.log(ref["exposure"])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(ref["unit"])[0]}, tol=1e-12)
    assert ours.set_index("term").loc["x", "estimate"] == pytest.approx(fit.params["x"], abs=1e-9)
    assert ours.set_index("term").loc["x", "std_error"] == pytest.approx(fit.bse["x"], rel=1e-6)
    # role / culture dummies are the same contrasts with the same reference (most frequent level)
    assert ours.set_index("term").loc["role=b_manager", "estimate"] == pytest.approx(
        fit.params["C(role)[T.b_manager]"], abs=1e-8)


def test_negative_binomial_matches_r_glm_nb(ref):
    """MASS::glm.nb (theta by ML) and sandwich::vcovCL on it (values above)."""
    X, names = _design(ref)
    nb = fit_count_model(ref["y"], ref["exposure"], X, names, family="negative_binomial")
    row = nb.set_index("term").loc["x"]
    assert row["family"] == "negative_binomial"
    assert row["estimate"] == pytest.approx(R_NB_COEF_X, abs=1e-6)
    assert row["alpha"] == pytest.approx(R_NB_ALPHA, rel=1e-5)
    assert row["std_error"] == pytest.approx(R_NB_SE_X, rel=1e-5)
    robust = fit_count_model(ref["y"], ref["exposure"], X, names, clusters=ref["unit"],
                             family="negative_binomial")
    assert robust.set_index("term").loc["x", "std_error"] == pytest.approx(R_NB_CR1_SE_X, rel=1e-5)
    # the log-likelihood at our estimates equals R's maximum
    design = np.column_stack([np.ones(len(ref)), X])
    llf = sm.GLM(ref["y"], design, family=sm.families.NegativeBinomial(alpha=row["alpha"]),
                 offset=np.log(ref["exposure"])).fit(tol=1e-12).llf
    assert llf == pytest.approx(R_NB_LOGLIK, abs=1e-6)


def test_dispersion_test_matches_r_aer_and_drives_family_choice(ref):
    """AER::dispersiontest(fit, trafo = 2) (Cameron & Trivedi 1990)."""
    X, names = _design(ref)
    design = np.column_stack([np.ones(len(ref)), X])
    mu = sm.GLM(ref["y"], design, family=sm.families.Poisson(),
                offset=np.log(ref["exposure"])).fit(tol=1e-12).fittedvalues
    got = dispersion_test(ref["y"].to_numpy(), np.asarray(mu))
    for key, value in R_DISPERSION.items():
        assert got[key] == pytest.approx(value, rel=1e-6)
    auto = fit_count_model(ref["y"], ref["exposure"], X, names, family="auto")
    assert auto["family"].iloc[0] == "negative_binomial"  # p = 0.0011 < 0.05
    # equidispersed Poisson data keep the Poisson model
    rng = np.random.default_rng(3)
    y = rng.poisson(ref["exposure"] / 500)
    keep = fit_count_model(y, ref["exposure"], X, names, family="auto")
    assert keep["family"].iloc[0] == "poisson" and keep["dispersion_p"].iloc[0] >= 0.05


def test_cluster_robust_cov_poisson_equals_statsmodels(ref):
    """For the canonical Poisson link our CR1 sandwich = statsmodels' cluster covariance."""
    X, _ = _design(ref)
    design = np.column_stack([np.ones(len(ref)), X])
    groups = pd.factorize(ref["unit"])[0]
    fit = sm.GLM(ref["y"], design, family=sm.families.Poisson(), offset=np.log(ref["exposure"])).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, tol=1e-12)
    ours = cluster_robust_cov(design, ref["y"].to_numpy(float), np.asarray(fit.fittedvalues), 0.0, groups)
    np.testing.assert_allclose(ours, fit.cov_params(), rtol=1e-8)


def test_too_few_clusters_falls_back_to_model_errors(ref):
    X, names = _design(ref)
    few = np.where(ref["unit"] < "U03", "A", "B")
    out = fit_count_model(ref["y"], ref["exposure"], X, names, clusters=few, family="poisson")
    assert (out["cov_type"] == "model").all() and np.isinf(out["df"]).all()


# ---------------------------------------------------------------------------
# partial correlation
# ---------------------------------------------------------------------------
def test_partial_correlation_matches_pingouin(ref):
    """pingouin.partial_corr with the same dummy columns as covariates."""
    C, names = control_design(ref, ("role", "culture"), ("pre_rate",), min_level_size=5)
    y_rate = ref["y"] / ref["exposure"] * 9000
    ours = partial_correlation(ref["x"].to_numpy(), y_rate.to_numpy(), C).iloc[0]
    data = pd.DataFrame(C, columns=[f"c{i}" for i in range(C.shape[1])])
    data["x"] = ref["x"].to_numpy()
    data["y"] = y_rate.to_numpy()
    theirs = pg.partial_corr(data, x="x", y="y", covar=[f"c{i}" for i in range(C.shape[1])]).iloc[0]
    assert ours["n"] == theirs["n"] == 120 and ours["k"] == C.shape[1]
    assert ours["r"] == pytest.approx(theirs["r"], abs=1e-10)
    assert ours["p_value"] == pytest.approx(theirs["p_val"], rel=1e-8)
    # partial_corr shows its CI rounded to 2 decimals; its CI function unrounded to 6
    np.testing.assert_allclose([ours["ci_low"], ours["ci_high"]], theirs["CI95"], atol=0.005)
    k = C.shape[1]
    esci = pg.compute_esci(stat=ours["r"], nx=120 - k, ny=120 - k, eftype="r", decimals=6)
    np.testing.assert_allclose([ours["ci_low"], ours["ci_high"]], esci, atol=1e-6)
    assert ours["r"] < 0  # the planted rate falls with x


def test_partial_correlation_degenerate_is_missing():
    x = np.arange(10.0)
    out = partial_correlation(x, 2 * x, x[:, None]).iloc[0]  # x is fully explained by the control
    assert np.isnan(out["r"]) and np.isnan(out["p_value"])


# ---------------------------------------------------------------------------
# design helpers
# ---------------------------------------------------------------------------
def test_small_levels_are_pooled_and_reference_is_most_frequent():
    s = pd.Series(["a"] * 6 + ["b"] * 7 + ["c"] * 2 + ["d"] * 3)
    pooled = pooled_levels(s, 5)
    assert set(pooled) == {"a", "b", OTHER_LEVEL} and (pooled == OTHER_LEVEL).sum() == 5
    C, names = control_design(pd.DataFrame({"role": s}), ("role",), (), min_level_size=5)
    assert names == ["role=(other)", "role=a"]  # reference b (7 leaders)
    # a pooled level still under the minimum joins the most frequent level
    tiny = pooled_levels(pd.Series(["a"] * 8 + ["z"]), 5)
    assert set(tiny) == {"a"}


# ---------------------------------------------------------------------------
# multiplicity
# ---------------------------------------------------------------------------
def test_holm_and_bh_match_hand_computation():
    """Holm (1979): sorted p_(i) * (m - i + 1), running maximum, capped at 1; NaN not counted."""
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.005, 0.20])
    got = adjust_p_values(p, "holm")
    # five tested: sorted 0.005, 0.01, 0.03, 0.04, 0.20 -> x5, x4, x3, x2, x1
    hand = {0.005: 0.025, 0.01: 0.04, 0.03: 0.09, 0.04: 0.09, 0.20: 0.20}
    expected = np.array([hand[0.01], np.nan, hand[0.04], hand[0.03], hand[0.005], hand[0.20]])
    np.testing.assert_allclose(got, expected, equal_nan=True)
    # Benjamini-Hochberg: p_(i) * m / i, running minimum from the top
    bh = adjust_p_values(p, "fdr_bh")
    hand_bh = {0.005: 0.025, 0.01: 0.025, 0.03: 0.05, 0.04: 0.05, 0.20: 0.20}
    np.testing.assert_allclose(bh, [hand_bh[0.01], np.nan, hand_bh[0.04], hand_bh[0.03], hand_bh[0.005],
                                    hand_bh[0.20]], equal_nan=True)
    with pytest.raises(ValueError):
        adjust_p_values(p, "bonferonni")


# ---------------------------------------------------------------------------
# batched Poisson fits, folds, permutations, cross-validated gain
# ---------------------------------------------------------------------------
def test_batched_poisson_fit_matches_sklearn(ref):
    """sklearn PoissonRegressor on y / e with sample_weight = w * e and alpha = ridge / sum(w * e)."""
    X, _ = _design(ref)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    design = np.column_stack([np.ones(len(ref)), Xs])
    y = ref["y"].to_numpy(float)
    e = ref["exposure"].to_numpy(float)
    rng = np.random.default_rng(1)
    W = (rng.random((3, len(y))) < 0.8).astype(float)
    beta = poisson_fit_batch(design, y, np.log(e), W, ridge=1.0)
    for b in range(3):
        sw = W[b] * e
        keep = sw > 0
        reg = PoissonRegressor(alpha=1.0 / sw.sum(), tol=1e-12, max_iter=10_000).fit(
            Xs[keep], y[keep] / e[keep], sample_weight=sw[keep])
        np.testing.assert_allclose(beta[b, 1:], reg.coef_, atol=1e-6)
        assert beta[b, 0] == pytest.approx(reg.intercept_, abs=1e-6)
    # the batch-specific extra column is the same as putting it into X
    extra = np.tile(Xs[:, 0], (3, 1))
    beta2 = poisson_fit_batch(design[:, [0, *range(2, design.shape[1])]], y, np.log(e), W, extra=extra)
    np.testing.assert_allclose(beta2[:, -1], beta[:, 1], atol=1e-8)


def test_batched_poisson_fit_tolerance_and_dropped_rows_do_not_change_coefficients(ref):
    """The default tolerance (1e-6 on the Newton step, rows leaving the batch as they
    converge) gives the coefficients of a much tighter fit to 1e-9; each row equals its
    own single-row fit (batch composition does not matter), and sklearn's
    PoissonRegressor (tol 1e-12) agrees to 1e-6 as in the test above."""
    X, _ = _design(ref)
    Xs = (X[:, 1:] - X[:, 1:].mean(axis=0)) / X[:, 1:].std(axis=0, ddof=1)
    design = np.column_stack([np.ones(len(ref)), Xs])
    y = ref["y"].to_numpy(float)
    e = ref["exposure"].to_numpy(float)
    rng = np.random.default_rng(8)
    W = (rng.random((6, len(y))) < 0.8).astype(float)
    extra = rng.normal(size=(6, len(y)))
    extra[0] = ref["x"].to_numpy()  # a row far from its start value: converges last
    start = np.zeros((6, design.shape[1] + 1))
    start[:, 0] = np.log(y.sum() / e.sum())
    start[3, 1:] = 0.8  # a poor start: more iterations for that row
    fast = poisson_fit_batch(design, y, np.log(e), W, extra=extra, start=start)
    tight = poisson_fit_batch(design, y, np.log(e), W, extra=extra, start=start, tol=1e-13)
    np.testing.assert_allclose(fast, tight, rtol=0, atol=1e-9)
    for b in (0, 3, 5):
        single = poisson_fit_batch(design, y, np.log(e), W[b:b + 1], extra=extra[b:b + 1],
                                   start=start[b:b + 1], tol=1e-13)
        np.testing.assert_allclose(fast[b], single[0], rtol=0, atol=1e-9)
    sw = W[0] * e
    keep = sw > 0
    full = np.column_stack([Xs, extra[0]])
    reg = PoissonRegressor(alpha=1.0 / sw.sum(), tol=1e-12, max_iter=10_000).fit(
        full[keep], y[keep] / e[keep], sample_weight=sw[keep])
    np.testing.assert_allclose(fast[0, 1:], reg.coef_, atol=1e-6)


def test_permutations_stay_within_strata():
    x = np.arange(12.0)
    strata = np.array(list("aaabbbbccccc"))
    perms = permute_within_strata(x, strata, 200, np.random.default_rng(0))
    assert perms.shape == (200, 12)
    for s in "abc":
        sel = strata == s
        assert (np.sort(perms[:, sel], axis=1) == np.sort(x[sel])).all()
    assert len({tuple(p) for p in perms}) > 100  # genuinely random
    again = permute_within_strata(x, strata, 200, np.random.default_rng(0))
    assert (perms == again).all()


def test_group_folds_keep_units_together(ref):
    fold = group_folds(ref["unit"].to_numpy(dtype=object), 5)
    assert len(set(fold)) == 5
    assert ref.assign(f=fold).groupby("unit")["f"].nunique().eq(1).all()


def _sklearn_cv_gain(ref: pd.DataFrame, C: np.ndarray, ridge: float = 1.0) -> float:
    """Second implementation: a plain loop over GroupKFold folds with sklearn's PoissonRegressor."""
    from sklearn.model_selection import GroupKFold

    y = ref["y"].to_numpy(float)
    e = ref["exposure"].to_numpy(float)
    std = lambda a: (a - a.mean(axis=0)) / a.std(axis=0, ddof=1)  # noqa: E731
    Cs = std(C)
    Xf = np.column_stack([Cs, std(ref["x"].to_numpy())])
    dev = {"c": 0.0, "f": 0.0}
    for train, test in GroupKFold(n_splits=5).split(Xf, groups=ref["unit"].to_numpy(dtype=object)):
        for key, X in (("c", Cs), ("f", Xf)):
            reg = PoissonRegressor(alpha=ridge / e[train].sum(), tol=1e-12, max_iter=10_000)
            reg.fit(X[train], y[train] / e[train], sample_weight=e[train])
            mu = reg.predict(X[test]) * e[test]
            dev[key] += poisson_deviance(y[test], mu).sum()
    return 1 - dev["f"] / dev["c"]


def test_cv_gain_matches_sklearn_loop_and_permutation_p(ref):
    C, _ = control_design(ref, ("role", "culture"), ("pre_rate",), min_level_size=5)
    strata = (ref["role"] + "|" + ref["culture"]).to_numpy(dtype=object)
    out = cv_predictive_gain(ref["y"], ref["exposure"], ref["x"], C, ref["unit"].to_numpy(dtype=object),
                             strata, n_permutations=199, seed=4).iloc[0]
    assert out["gain"] == pytest.approx(_sklearn_cv_gain(ref, C), abs=1e-6)
    assert out["gain"] > 0 and out["p_value"] == pytest.approx(1 / 200)  # x truly predicts y
    assert out["n_folds"] == 5 and out["n"] == 120
    assert out["n_permutations"] == 199  # nothing reached the observed gain: all permutations run
    # a pure-noise indicator is not significant, and the p-value is a valid permutation p
    noise = np.random.default_rng(11).normal(size=len(ref))
    units = ref["unit"].to_numpy(dtype=object)
    full = cv_predictive_gain(ref["y"], ref["exposure"], noise, C, units, strata, n_permutations=199, seed=4,
                              stop_after=None).iloc[0]
    assert full["p_value"] > 0.05 and full["n_permutations"] == 199
    assert (full["p_value"] * 200) == pytest.approx(round(full["p_value"] * 200))
    # Besag & Clifford (1991): stop at the 20th permuted gain >= observed, p = 20 / L; the same
    # permutation stream, so L is where the full run's 20th exceedance happened
    seq = cv_predictive_gain(ref["y"], ref["exposure"], noise, C, units, strata, n_permutations=199, seed=4).iloc[0]
    assert seq["gain"] == full["gain"] and seq["n_permutations"] < 199
    assert seq["p_value"] == pytest.approx(20 / seq["n_permutations"])
    assert abs(seq["p_value"] - full["p_value"]) < 0.2
    # same seed, same answer
    again = cv_predictive_gain(ref["y"], ref["exposure"], noise, C, units, strata, n_permutations=199,
                               seed=4).iloc[0]
    assert again["p_value"] == seq["p_value"] and again["gain"] == seq["gain"]


def _strong_predictor_data(n: int = 400, seed: int = 2) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    e = rng.uniform(300, 900, n)
    y = rng.poisson(e / 400 * np.exp(0.9 * x))
    return {"y": y, "e": e, "x": x, "units": rng.integers(0, 10, n).astype(str),
            "strata": rng.choice(["a", "b", "c"], n).astype(object)}


def test_decided_stop_gives_the_full_run_p_value():
    """A clearly predictive indicator stops after DECIDED_AFTER permutations with the p-value
    of the full run (reference: the same function with the decided stop switched off, i.e.
    all 999 permutations of the same stream, none of which reaches the observed gain)."""
    from pilot_eval.stats.predictive import DECIDED_AFTER

    d = _strong_predictor_data()
    args = (d["y"], d["e"], d["x"], np.zeros((len(d["y"]), 0)), d["units"], d["strata"])
    quick = cv_predictive_gain(*args, n_permutations=999, seed=1).iloc[0]
    full = cv_predictive_gain(*args, n_permutations=999, seed=1, decided_z=None).iloc[0]
    assert full["n_permutations"] == 999 and not full["decided_early"]
    assert full["p_value"] == pytest.approx(1 / 1000)  # no permuted gain reached the observed one
    assert quick["decided_early"] and not quick["stopped_early"]
    assert quick["n_permutations"] == DECIDED_AFTER
    assert quick["p_value"] == full["p_value"] and quick["gain"] == full["gain"]
    # the gain itself is the sklearn-checked statistic; the stop only skips permutations
    assert quick["gain"] > 0.1


def test_decided_stop_keeps_sample_verdicts_and_p_values(monkeypatch: pytest.MonkeyPatch):
    """On the sample cohort (data/sample) every leading -> lagging p-value, adjusted p-value
    and verdict is the same with and without the decided stop (199 permutations: the stop's
    decision depends on the count reached, not on the notebook's 999)."""
    import functools

    from pilot_eval.measures import lagging_outcomes
    from pilot_eval.steps.leading_lagging import validation as leading_lagging
    from pilot_eval.measures.behaviour_exclusions import excluded_behaviours
    from pilot_eval.data.cohort import load_cohort

    cohort = load_cohort(SAMPLE)
    ind = leading_lagging.leading_indicators(cohort, exclude=excluded_behaviours(cohort, True, ""))
    lag = lagging_outcomes.lagging_outcomes(cohort)
    fast = leading_lagging.validate_pairs(ind, lag, cohort.config, n_permutations=199, seed=20260105)
    monkeypatch.setattr(leading_lagging, "cv_predictive_gain",
                        functools.partial(cv_predictive_gain, decided_z=None))
    full = leading_lagging.validate_pairs(ind, lag, cohort.config, n_permutations=199, seed=20260105)
    assert (fast["verdict"] == full["verdict"]).all()
    np.testing.assert_array_equal(fast["p_value"].to_numpy(float), full["p_value"].to_numpy(float))
    np.testing.assert_array_equal(fast["p_adjusted"].to_numpy(float), full["p_adjusted"].to_numpy(float))
    assert (fast["verdict"] == "validated").any()


def test_permutation_p_is_uniform_under_the_null():
    """Type I error of the CV permutation test on null data stays near its level."""
    rng = np.random.default_rng(5)
    n, reps = 60, 60
    hits = 0
    for r in range(reps):  # a modest Monte Carlo check, not library code
        units = rng.integers(0, 8, n).astype(str)
        strata = rng.choice(["a", "b"], n)
        e = rng.uniform(200, 800, n)
        y = rng.poisson(e / 300)
        x = rng.normal(size=n)
        p = cv_predictive_gain(y, e, x, np.zeros((n, 0)), units, strata, n_permutations=99, seed=r)
        hits += p["p_value"].iloc[0] < 0.10
    # binomial(60, 0.10): mean 6, P(X > 14) < 0.001
    assert hits <= 14


# ---------------------------------------------------------------------------
# Fisher's exact test of promotion equity
# ---------------------------------------------------------------------------
def test_fisher_matches_scipy_and_r():
    """R 4.2.2: fisher.test(matrix(c(2, 79, 25, 282), 2, byrow = TRUE))$p.value = 0.0867125288116537,
    fisher.test(matrix(c(3, 51, 14, 186), 2, byrow = TRUE))$p.value = 1 (promotion counts of an
    earlier sample cohort, kept as fixed tables).  The equity table's p-value is scipy's
    fisher_exact on its own lowest vs highest group counts."""
    from pilot_eval.data.cohort import load_cohort
    from pilot_eval.measures.lagging_outcomes import promotion_equity

    assert stats.fisher_exact([[2, 79], [25, 282]]).pvalue == pytest.approx(R_FISHER_A, rel=1e-6)
    assert stats.fisher_exact([[3, 51], [14, 186]]).pvalue == pytest.approx(R_FISHER_B, rel=1e-6)
    eq = promotion_equity(load_cohort(SAMPLE), published=False).set_index("arm")
    for arm in ("comparison", "pilot"):
        row = eq.loc[arm]
        table = [[row["lowest_promoted"], row["lowest_n"] - row["lowest_promoted"]],
                 [row["highest_promoted"], row["highest_n"] - row["highest_promoted"]]]
        assert row["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-12)


R_FISHER_A = 0.0867125288116537
R_FISHER_B = 1.0
