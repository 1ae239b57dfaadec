"""Least squares with cluster-robust (CRV1) standard errors, in matrix form.

The effect models (ANCOVA, difference-in-differences, heterogeneity) all fit
``y = X b + e`` with errors clustered by org unit.  This module builds the
design matrices from tidy frames and fits them with NumPy so that the same
algebra serves the point estimate, the wild cluster bootstrap
(:mod:`pilot_eval.stats.cluster_bootstrap`) and the permutation check, with no
loop over leaders or replicates.

The cluster-robust covariance is the CRV1 estimator of Liang & Zeger (1986)
with the small-sample factor ``G/(G-1) * (N-1)/(N-K)`` used by Stata,
statsmodels (``cov_type="cluster"``) and R ``sandwich::vcovCL(type="HC1")``.
Intervals and tests use the t distribution with ``G - 1`` degrees of freedom
(Cameron & Miller 2015).

References
----------
Liang, K.-Y. & Zeger, S. L. (1986). Longitudinal data analysis using generalized
linear models. *Biometrika*, 73(1), 13-22.

Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources*, 50(2), 317-372.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import sparse, stats

from pilot_eval.stats._checks import check_confidence

#: Relative tolerance under which a column is treated as a linear combination of earlier ones.
COLLINEAR_TOL = 1e-9


@dataclasses.dataclass(frozen=True)
class Design:
    """A design matrix with column names (full column rank after :func:`drop_collinear`)."""

    X: np.ndarray
    names: tuple[str, ...]
    dropped: tuple[str, ...] = ()

    def index(self, name: str) -> int:
        return self.names.index(name)


@dataclasses.dataclass(frozen=True)
class ClusterFit:
    """An OLS fit with its CRV1 covariance.

    Attributes
    ----------
    names, coef, vcov
        Coefficient names, estimates and the CRV1 covariance matrix.
    resid
        Residuals.
    n, k, n_clusters
        Observations, estimated coefficients, clusters.
    dropped
        Columns left out as collinear with earlier ones.
    """

    names: tuple[str, ...]
    coef: np.ndarray
    vcov: np.ndarray
    resid: np.ndarray
    n: int
    k: int
    n_clusters: int
    dropped: tuple[str, ...] = ()

    def se(self, name: str) -> float:
        i = self.names.index(name)
        return float(np.sqrt(self.vcov[i, i]))

    def estimate(self, name: str) -> float:
        return float(self.coef[self.names.index(name)])

    @property
    def df(self) -> int:
        """Degrees of freedom of the t reference distribution, ``G - 1``."""
        return max(self.n_clusters - 1, 1)

    def t_inference(self, name: str, alpha: float | None = None, *,
                    confidence: float | None = None) -> dict[str, float]:
        """Estimate, SE, t(G-1) p-value and ``confidence`` interval of one coefficient.

        ``confidence`` defaults to 0.95; ``alpha`` (``1 - confidence``,
        positional) is the deprecated spelling of pilot-eval 0.1.
        """
        if alpha is not None and confidence is not None:
            raise TypeError("give confidence= only (alpha is its deprecated complement)")
        est, se = self.estimate(name), self.se(name)
        if alpha is not None:
            check_confidence(1.0 - alpha)
            crit = stats.t.ppf(1 - alpha / 2, self.df)
        else:
            confidence = 0.95 if confidence is None else confidence
            check_confidence(confidence)
            crit = stats.t.ppf((1 + confidence) / 2, self.df)
        t = est / se if se > 0 else np.nan
        p = float(2 * stats.t.sf(abs(t), self.df)) if np.isfinite(t) else np.nan
        return {"estimate": est, "std_error": se, "ci_low": est - crit * se,
                "ci_high": est + crit * se, "p_value": p}


# ---------------------------------------------------------------------------
# design matrices
# ---------------------------------------------------------------------------
def dummies(values: pd.Series, prefix: str, drop_first: bool = True) -> pd.DataFrame:
    """0/1 indicator columns ``prefix[level]`` of a categorical column.

    Levels are sorted as text; with ``drop_first`` the first level is the
    reference and gets no column.  Missing values get all zeros.

    Examples
    --------
    >>> import pandas as pd
    >>> from pilot_eval.stats.cluster_ols import dummies
    >>> dummies(pd.Series(["b", "a", "b"]), "role").to_dict("list")
    {'role[b]': [1.0, 0.0, 1.0]}
    """
    text = values.astype("str").where(values.notna(), None)
    levels = sorted(text.dropna().unique())
    if drop_first:
        levels = levels[1:]
    arr = np.column_stack([text.eq(lv).to_numpy(dtype="float64", na_value=0.0) for lv in levels]) \
        if levels else np.empty((len(values), 0))
    return pd.DataFrame(arr, columns=[f"{prefix}[{lv}]" for lv in levels], index=values.index)


def numeric_with_indicator(values: pd.Series, name: str) -> pd.DataFrame:
    """A numeric covariate with missing values handled by the indicator method.

    Missing values are set to the mean of the observed ones and a 0/1 column
    ``name[missing]`` is added (only when something is missing), so leaders
    with, e.g., unknown tenure stay in the model.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats.cluster_ols import numeric_with_indicator
    >>> numeric_with_indicator(pd.Series([2.0, np.nan, 4.0]), "tenure").to_dict("list")
    {'tenure': [2.0, 3.0, 4.0], 'tenure[missing]': [0.0, 1.0, 0.0]}
    """
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    miss = np.isnan(x)
    if miss.all():
        return pd.DataFrame(index=values.index)
    out = {name: np.where(miss, np.nanmean(x), x)}
    if miss.any():
        out[f"{name}[missing]"] = miss.astype("float64")
    return pd.DataFrame(out, index=values.index)


def drop_collinear(X: np.ndarray, names: Sequence[str], tol: float = COLLINEAR_TOL) -> Design:
    """Remove columns that are linear combinations of the columns before them.

    Uses the diagonal of R in an (unpivoted) QR decomposition, so the earlier
    columns (intercept, treatment) are always kept.  The full-rank check of
    the kept columns reuses the same R: ``X[:, cols] = Q R[:, cols]`` with
    orthonormal ``Q``, so both have the same singular values, and the small
    ``R[:, cols]`` replaces an SVD of the n-row matrix (with the rank
    tolerance ``numpy.linalg.matrix_rank`` would use on ``X[:, cols]``).

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats import drop_collinear
    >>> X = np.column_stack([np.ones(4), [1.0, 2, 3, 4], [2.0, 4, 6, 8]])
    >>> design = drop_collinear(X, ["const", "a", "two_a"])
    >>> design.names, design.dropped
    (('const', 'a'), ('two_a',))
    """
    names = list(names)
    if X.shape[1] == 0:
        return Design(X, tuple(names))
    n = X.shape[0]
    scale = np.sqrt((X ** 2).sum(axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    R: np.ndarray = np.asarray(np.linalg.qr(X / scale, mode="r"))
    r = np.abs(np.diag(R))
    keep = np.zeros(X.shape[1], dtype=bool)
    keep[:r.size] = r > tol * max(float(r.max()), 1.0)
    # QR without pivoting can keep a later column whose R_jj is large only by
    # cancellation; confirm the kept set has full rank, dropping from the end.
    cols = np.flatnonzero(keep)
    while len(cols) and _rank(R[:, cols], n) < len(cols):
        cols = cols[:-1]
    kept = set(cols.tolist())
    return Design(X[:, cols], tuple(names[i] for i in cols),
                  tuple(names[i] for i in range(len(names)) if i not in kept))


def _rank(R_cols: np.ndarray, n_rows: int) -> int:
    """Rank of ``Q @ R_cols`` (``n_rows`` x k), from the singular values of ``R_cols``.

    Tolerance as :func:`numpy.linalg.matrix_rank` on the n-row matrix:
    ``S.max() * max(n_rows, k) * eps``.
    """
    sv = np.linalg.svd(R_cols, compute_uv=False)
    if sv.size == 0:
        return 0
    tol = sv.max() * max(n_rows, R_cols.shape[1]) * np.finfo(np.float64).eps
    return int(np.count_nonzero(sv > tol))


def cluster_codes(clusters: pd.Series | np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 of cluster labels, and G.

    Examples
    --------
    >>> from pilot_eval.stats.cluster_ols import cluster_codes
    >>> codes, g = cluster_codes(["b", "a", "b"])
    >>> codes.tolist(), g
    ([1, 0, 1], 2)
    """
    codes, uniques = pd.factorize(pd.Series(np.asarray(clusters, dtype=object)), sort=True)
    return codes.astype(np.int64), len(uniques)


def cluster_indicator(codes: np.ndarray, n_clusters: int) -> sparse.csr_matrix:
    """Sparse G x n matrix S with S[g, i] = 1 when observation i is in cluster g.

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats.cluster_ols import cluster_indicator
    >>> cluster_indicator(np.array([1, 0, 1]), 2).toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    """
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_clusters, n))


def crv1_factor(n: int, k: int, n_clusters: int) -> float:
    """Small-sample factor of CRV1: ``G/(G-1) * (N-1)/(N-K)``.

    Examples
    --------
    >>> from pilot_eval.stats.cluster_ols import crv1_factor
    >>> round(crv1_factor(n=100, k=3, n_clusters=10), 4)  # 10/9 * 99/97
    1.134
    """
    if n_clusters < 2 or n <= k:
        return np.nan
    return n_clusters / (n_clusters - 1) * (n - 1) / (n - k)


def fit_cluster_ols(y: np.ndarray, design: Design, clusters: pd.Series | np.ndarray,
                    dof_k: int | None = None) -> ClusterFit:
    """OLS of ``y`` on ``design`` with the CRV1 cluster-robust covariance.

    Parameters
    ----------
    y
        Outcome, length n.
    design
        Full-rank design (see :func:`drop_collinear`).
    clusters
        Cluster label of every observation (org unit).
    dof_k
        K of the small-sample factor; default the number of columns.  Fits on
        data demeaned by a fixed effect nested in the clusters pass the
        number of slope coefficients (the nested effects are not counted, as
        in Stata's ``xtreg, fe vce(cluster)`` and R ``fixest``).

    Returns
    -------
    ClusterFit

    Examples
    --------
    Twelve org units of five leaders; the coefficient of ``x`` with its CRV1
    standard error (as statsmodels ``OLS(...).fit(cov_type="cluster")``):

    >>> import numpy as np
    >>> from pilot_eval.stats import drop_collinear, fit_cluster_ols
    >>> rng = np.random.default_rng(0)
    >>> unit = np.repeat(np.arange(12), 5)
    >>> x = rng.normal(size=60)
    >>> y = 1.0 + 0.5 * x + rng.normal(size=12)[unit] + rng.normal(size=60)
    >>> design = drop_collinear(np.column_stack([np.ones(60), x]), ["const", "x"])
    >>> fit = fit_cluster_ols(y, design, unit)
    >>> {k: round(float(v), 3) for k, v in fit.t_inference("x", confidence=0.95).items()}
    {'estimate': 0.522, 'std_error': 0.265, 'ci_low': -0.06, 'ci_high': 1.105, 'p_value': 0.074}
    """
    X = design.X
    y = np.asarray(y, dtype="float64")
    n, k = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    coef = xtx_inv @ (X.T @ y)
    resid = y - X @ coef
    codes, g = cluster_codes(clusters)
    S = cluster_indicator(codes, g)
    scores = np.asarray(S @ (X * resid[:, None]))  # G x k
    meat = scores.T @ scores
    vcov = crv1_factor(n, dof_k if dof_k is not None else k, g) * (xtx_inv @ meat @ xtx_inv)
    return ClusterFit(design.names, coef, vcov, resid, n, k, g, design.dropped)


def wald_test(fit: ClusterFit, names: Sequence[str]) -> dict[str, float]:
    """Joint test that the named coefficients are all zero (cluster-robust).

    ``F = b' V^-1 b / q`` referred to ``F(q, G - 1)``, the usual small-cluster
    form of the cluster-robust Wald test (Cameron & Miller 2015, sec. VII).

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats import drop_collinear, fit_cluster_ols, wald_test
    >>> rng = np.random.default_rng(1)
    >>> unit = np.repeat(np.arange(10), 6)
    >>> X = np.column_stack([np.ones(60), rng.normal(size=(60, 2))])
    >>> y = X @ [1.0, 0.0, 0.0] + rng.normal(size=60)
    >>> fit = fit_cluster_ols(y, drop_collinear(X, ["const", "a", "b"]), unit)
    >>> res = wald_test(fit, ["a", "b"])
    >>> res["df1"], res["df2"], round(res["p_value"], 3)
    (2, 9, 0.378)
    """
    idx = [fit.names.index(n) for n in names if n in fit.names]
    q = len(idx)
    if q == 0:
        return {"statistic": np.nan, "df1": 0, "df2": fit.df, "p_value": np.nan}
    b = fit.coef[idx]
    V = fit.vcov[np.ix_(idx, idx)]
    stat = float(b @ np.linalg.pinv(V) @ b) / q
    df2 = fit.df
    return {"statistic": stat, "df1": q, "df2": df2, "p_value": float(stats.f.sf(stat, q, df2))}
