"""Cluster-robust OLS (CRV1) and the restricted wild cluster bootstrap.

References used here:
- statsmodels ``OLS(...).fit(cov_type="cluster")`` (a second implementation of CRV1
  with the same G/(G-1) * (N-1)/(N-K) factor);
- R ``sandwich::vcovCL(type = "HC1")`` values, hard-coded in tests/test_effects.py;
- a slow per-replicate loop refitting statsmodels OLS on every bootstrap sample,
  with the same weights, for the vectorised WCR bootstrap (Cameron, Gelbach &
  Miller 2008; Roodman et al. 2019).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilot_eval.stats.cluster_bootstrap import (
    MIN_CLUSTERS,
    cluster_inference,
    cluster_weights,
    wild_cluster_bootstrap,
)
from pilot_eval.stats.cluster_ols import cluster_codes, drop_collinear, fit_cluster_ols, wald_test

from lazy_import import lazy

sm = lazy("statsmodels.api")


def _data(n: int = 150, g: int = 12, seed: int = 1, effect: float = 0.3):
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, g, n)
    X = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(size=n), rng.normal(size=n)])
    y = X @ np.array([1.0, effect, 0.5, -0.2]) + rng.normal(size=n) + rng.normal(size=g)[cl]
    labels = np.array([f"unit-{c:02d}" for c in cl], dtype=object)
    return y, drop_collinear(X, ["const", "pilot", "x1", "x2"]), labels


def test_crv1_equals_statsmodels_cluster():
    # reference: statsmodels OLS cov_type="cluster" (CRV1 with the HC1-type factor)
    y, design, cl = _data()
    fit = fit_cluster_ols(y, design, cl)
    ref = sm.OLS(y, design.X).fit(cov_type="cluster", cov_kwds={"groups": cluster_codes(cl)[0]})
    np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.vcov, ref.cov_params(), rtol=1e-8)
    assert fit.n_clusters == 12 and fit.df == 11


def test_wald_test_equals_statsmodels_f_test():
    # reference: statsmodels wald_test with the same cluster covariance; F(q, G-1) by hand
    from scipy import stats

    y, design, cl = _data(seed=5)
    fit = fit_cluster_ols(y, design, cl)
    ref = sm.OLS(y, design.X).fit(cov_type="cluster", cov_kwds={"groups": cluster_codes(cl)[0]})
    w = ref.wald_test(np.eye(4)[[2, 3]], use_f=True, scalar=True)
    res = wald_test(fit, ["x1", "x2"])
    assert res["statistic"] == pytest.approx(float(w.statistic), rel=1e-8)
    assert res["df1"] == 2 and res["df2"] == 11
    assert res["p_value"] == pytest.approx(stats.f.sf(res["statistic"], 2, 11), rel=1e-12)


def test_drop_collinear_keeps_earlier_columns():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=30), rng.normal(size=30)
    X = np.column_stack([np.ones(30), a, b, a + 2 * b, np.zeros(30)])
    d = drop_collinear(X, ["const", "a", "b", "a+2b", "zero"])
    assert d.names == ("const", "a", "b")
    assert d.dropped == ("a+2b", "zero")


def _greedy_rank_reference(X: np.ndarray) -> list[int]:
    """Reference: keep a column when numpy.linalg.matrix_rank of the kept ones grows."""
    kept: list[int] = []
    for j in range(X.shape[1]):
        if np.linalg.matrix_rank(X[:, kept + [j]]) == len(kept) + 1:
            kept.append(j)
    return kept


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_drop_collinear_equals_greedy_matrix_rank(seed):
    # reference: a column-by-column numpy.linalg.matrix_rank check (SVD of the n-row matrix)
    rng = np.random.default_rng(seed)
    n = 400
    wave = rng.integers(0, 3, n)
    role = rng.integers(0, 4, n)
    W = np.column_stack([wave == 1, wave == 2]).astype(float)
    D = np.column_stack([role == r for r in range(4)]).astype(float)  # all 4 levels: collinear with const
    inter = (D[:, :, None] * W[:, None, :]).reshape(n, -1)  # role x wave, some aliased with wave
    x = rng.normal(size=n)
    X = np.column_stack([np.ones(n), x, W, D, inter, x * 1e-3 + W[:, 0], 2 * x - W[:, 1],
                         np.zeros(n), rng.normal(size=n)])
    names = [f"c{j}" for j in range(X.shape[1])]
    d = drop_collinear(X, names)
    expected = _greedy_rank_reference(X)
    assert d.names == tuple(names[j] for j in expected)
    assert np.linalg.matrix_rank(d.X) == d.X.shape[1]
    assert set(d.dropped) == set(names) - set(d.names)


def test_webb_and_rademacher_weights_have_mean_0_variance_1():
    w = cluster_weights(50, 4000, seed=3, kind="webb")
    assert set(np.round(np.unique(w) ** 2, 12)) == {0.5, 1.0, 1.5}
    assert abs(w.mean()) < 0.01 and abs(w.var() - 1) < 0.01
    r = cluster_weights(50, 4000, seed=3, kind="rademacher")
    assert set(np.unique(r)) == {-1.0, 1.0}
    with pytest.raises(ValueError):
        cluster_weights(5, 5, kind="mammen")


def _slow_wcr_p(y, X, cl, j, null, V, codes):
    """Per-replicate WCR loop: impose the null, flip residuals by cluster, refit with statsmodels."""
    Z = np.delete(X, j, axis=1)
    y0 = y - null * X[:, j]
    restricted = sm.OLS(y0, Z).fit()
    fitted = restricted.fittedvalues + null * X[:, j]
    u = restricted.resid
    full = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes})
    t_obs = (full.params[j] - null) / full.bse[j]
    t_boot = []
    for b in range(V.shape[1]):  # the slow reference: one regression per replicate
        yb = fitted + u * V[codes, b]
        fb = sm.OLS(yb, X).fit(cov_type="cluster", cov_kwds={"groups": codes})
        t_boot.append((fb.params[j] - null) / fb.bse[j])
    t_boot = np.asarray(t_boot)
    return (1 + np.sum(np.abs(t_boot) >= abs(t_obs) * (1 - 1e-12))) / (1 + len(t_boot))


@pytest.mark.parametrize("weights", ["webb", "rademacher"])
@pytest.mark.parametrize("null", [0.0, 0.25, -0.4])
def test_fast_wcr_equals_slow_per_replicate_loop(weights, null):
    y, design, cl = _data(seed=2)
    codes, g = cluster_codes(cl)
    B = 199
    fast = wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=B, seed=11, weights=weights, null=null, ci=False)
    V = cluster_weights(g, B, seed=11, kind=weights)
    slow = _slow_wcr_p(y, design.X, cl, design.index("pilot"), null, V, codes)
    assert fast.p_value == pytest.approx(slow, abs=1e-12)
    ref = sm.OLS(y, design.X).fit(cov_type="cluster", cov_kwds={"groups": codes})
    assert fast.estimate == pytest.approx(ref.params[1], rel=1e-10)
    assert fast.std_error == pytest.approx(ref.bse[1], rel=1e-8)


def test_wcr_interval_is_the_set_of_unrejected_nulls():
    # test inversion: p(ci bound - eps) > alpha inside, p(bound + eps) <= alpha outside
    y, design, cl = _data(seed=4)
    res = wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=399, seed=5)
    assert res.ci_low < res.estimate < res.ci_high
    eps = 1e-3 * res.std_error
    for bound, inside, outside in ((res.ci_low, res.ci_low + 20 * eps, res.ci_low - 20 * eps),
                                   (res.ci_high, res.ci_high - 20 * eps, res.ci_high + 20 * eps)):
        p_in = wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=399, seed=5, null=inside, ci=False).p_value
        p_out = wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=399, seed=5, null=outside, ci=False).p_value
        assert p_in > 0.05 >= p_out


def test_wcr_size_under_the_null_with_few_clusters():
    # 8 clusters, true effect 0: the bootstrap test should reject about 5% of the time
    rejections = []
    for s in range(60):
        y, design, cl = _data(n=80, g=8, seed=100 + s, effect=0.0)
        rejections.append(wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=199, seed=s, ci=False).p_value < 0.05)
    assert np.mean(rejections) <= 0.15


def test_cluster_inference_switches_to_bootstrap_below_30_clusters():
    y, design, cl = _data(n=200, g=12, seed=6)
    few = cluster_inference(y, design, cl, "pilot", n_boot=99, seed=1)
    assert "wild cluster bootstrap" in few["ci_method"] and "only 12 org units" in few["note"]
    y, design, cl = _data(n=400, g=MIN_CLUSTERS + 10, seed=6)
    many = cluster_inference(y, design, cl, "pilot", n_boot=99, seed=1)
    assert many["ci_method"].startswith("cluster-robust (CRV1)") and many["note"] == ""
    fit = fit_cluster_ols(y, design, cl)
    assert many["std_error"] == pytest.approx(fit.se("pilot"))
    one = cluster_inference(y, design, np.array(["u"] * len(y), dtype=object), "pilot", n_boot=99,
                            fallback_clusters=pd.Series(np.arange(len(y)).astype(str)))
    assert "clustered by leader" in one["note"]
    # one observation per cluster = HC1: compare with statsmodels
    hc1 = sm.OLS(y, design.X).fit(cov_type="HC1")
    assert one["std_error"] == pytest.approx(hc1.bse[1], rel=1e-8)


@pytest.mark.parametrize("y_kind", ["constant", "exact_fit"])
def test_zero_standard_error_is_not_estimable_not_a_crash(y_kind):
    # issue 12: all scores equal gave ZeroDivisionError (se = 0). With no residual
    # variation there is nothing to test: reference = the definition of the t statistic
    # (estimate - null) / se, undefined for se = 0; statsmodels gives se = 0 too.
    n, g = 24, 6
    cl = np.repeat([f"u{i}" for i in range(g)], n // g)
    pilot = np.tile([0.0, 1.0], n // 2)
    X = np.column_stack([np.ones(n), pilot])
    y = np.full(n, 3.0) if y_kind == "constant" else 2.0 + 0.5 * pilot
    design = drop_collinear(X, ["const", "pilot"])
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(cl)[0]})
    assert ref.bse[1] == pytest.approx(0.0, abs=1e-12)
    wb = wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=99, seed=1)
    assert not wb.estimable and "standard error" in wb.not_estimable
    assert np.isnan(wb.p_value) and np.isnan(wb.ci_low) and np.isnan(wb.ci_high)
    assert wb.estimate == pytest.approx(0.0 if y_kind == "constant" else 0.5)
    res = cluster_inference(y, design, cl, "pilot", n_boot=99, seed=1)
    assert np.isnan(res["p_value"]) and "not estimable" in res["note"]


def test_nonzero_standard_error_is_still_estimable():
    y, design, cl = _data(g=8)
    wb = wild_cluster_bootstrap(y, design, cl, "pilot", n_boot=199, seed=2)
    assert wb.estimable and wb.not_estimable == "" and 0 < wb.p_value <= 1


def test_confidence_keyword_equals_alpha():
    """API convention (issue 13): confidence= is the level; alpha= (its complement) gives the same result."""
    import numpy as np
    import pandas as pd

    from pilot_eval.stats.cluster_bootstrap import cluster_inference
    from pilot_eval.stats.cluster_ols import drop_collinear

    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(8), 10)
    x = rng.normal(size=80)
    y = 0.5 * x + rng.normal(size=8)[g] + rng.normal(size=80)
    design = drop_collinear(np.column_stack([np.ones(80), x]), ["const", "x"])
    a = cluster_inference(y, design, pd.Series(g), "x", n_boot=99, alpha=0.1)
    b = cluster_inference(y, design, pd.Series(g), "x", n_boot=99, confidence=0.9)
    assert a == b and a["ci_low"] < a["estimate"] < a["ci_high"]
