"""Restricted wild cluster bootstrap (WCR) for one regression coefficient.

With few clusters (org units), cluster-robust t tests over-reject.  The
restricted wild cluster bootstrap-t of Cameron, Gelbach & Miller (2008)
imposes the null hypothesis ``b_j = r``, multiplies the restricted residuals
of each cluster by one random weight (Rademacher +-1, or Webb's six-point
weights, better when clusters are few: MacKinnon & Webb 2018) and compares
the observed cluster-robust t statistic with the bootstrap ones.  The
confidence interval is the set of ``r`` the test does not reject, found by
bisection on the same draws (test inversion; MacKinnon 2023).

Everything is matrix algebra over all replicates at once: for the weights
``V`` (G x B) the bootstrap numerators are ``alpha' V`` and the cluster
scores of the bootstrap residuals are ``C V`` with a G x G matrix ``C``
built once per null value (the "fast" algorithm of Roodman et al. 2019 and
MacKinnon 2023), so no regression is refitted per replicate.

References
----------
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Bootstrap-based
improvements for inference with clustered errors. *Review of Economics and
Statistics*, 90(3), 414-427.

MacKinnon, J. G. & Webb, M. D. (2018). The wild bootstrap for few (treated)
clusters. *Econometrics Journal*, 21(2), 114-135.

Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered
errors. *Canadian Journal of Economics*, 56(3), 839-858 (six-point weights).

Roodman, D., MacKinnon, J. G., Nielsen, M. Ø. & Webb, M. D. (2019). Fast and
wild: Bootstrap inference in Stata using boottest. *Stata Journal*, 19(1), 4-60.

MacKinnon, J. G. (2023). Fast cluster bootstrap methods for linear regression
models. *Econometrics and Statistics*, 26, 52-71.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from pilot_eval.stats.cluster_ols import Design, cluster_codes, cluster_indicator, crv1_factor, fit_cluster_ols

#: Weight distributions of the wild bootstrap.
WEIGHT_KINDS: tuple[str, ...] = ("webb", "rademacher")
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclasses.dataclass(frozen=True)
class WildBootstrap:
    """Result of :func:`wild_cluster_bootstrap` for one coefficient."""

    estimate: float
    std_error: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    n_boot: int
    n_clusters: int
    weights: str
    #: Why the test could not be computed ("" when it was): e.g. a standard error of 0.
    not_estimable: str = ""

    @property
    def estimable(self) -> bool:
        """False when there was nothing to test (p-value and interval are NaN)."""
        return not self.not_estimable

    @property
    def method(self) -> str:
        return f"wild cluster bootstrap-t (WCR, {self.weights.capitalize()} weights, B={self.n_boot})"


def cluster_weights(n_clusters: int, n_boot: int, seed: int | None = 0, kind: str = "webb") -> np.ndarray:
    """Bootstrap weights, one per cluster and replicate (G x B).

    ``webb``: six-point distribution +-sqrt(1/2), +-1, +-sqrt(3/2) with equal
    probabilities (mean 0, variance 1); ``rademacher``: +-1.
    """
    rng = np.random.default_rng(seed)
    if kind == "webb":
        return _WEBB[rng.integers(0, 6, size=(n_clusters, n_boot))]
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot))
    raise ValueError(f"unknown weights {kind!r}; expected one of {WEIGHT_KINDS}")


class _WCR:
    """Pieces of the fast WCR bootstrap that do not depend on the null value."""

    def __init__(self, y: np.ndarray, X: np.ndarray, codes: np.ndarray, g: int, j: int, dof_k: int | None):
        n, k = X.shape
        self.factor = crv1_factor(n, dof_k if dof_k is not None else k, g)
        P = np.linalg.inv(X.T @ X)
        XP = X @ P
        a = XP[:, j]  # b_j = a' y
        self.beta = float(a @ y)
        S = cluster_indicator(codes, g)
        resid = y - X @ (P @ (X.T @ y))
        s_obs = S @ (a * resid)
        self.se = float(np.sqrt(self.factor * np.sum(s_obs ** 2)))
        Z = np.delete(X, j, axis=1)
        x = X[:, j]
        # restricted residuals under b_j = r are  u0 - r * ux  (linear in r), with
        # u0 = M_Z y and ux = M_Z x from one least-squares solve (one factorisation of Z)
        if Z.shape[1] == 0:
            u0, ux = y, x
        else:
            yx = np.column_stack([y, x])
            u0, ux = (yx - Z @ np.linalg.lstsq(Z, yx, rcond=None)[0]).T
        R = np.asarray(S @ (XP * a[:, None]))  # G x k: sum_i in h a_i (XP)_i
        self.alpha0 = S @ (a * u0)
        self.alphax = S @ (a * ux)
        self.C0 = np.diag(self.alpha0) - R @ np.asarray(S @ (X * u0[:, None])).T
        self.Cx = np.diag(self.alphax) - R @ np.asarray(S @ (X * ux[:, None])).T

    def p_value(self, r: float, V: np.ndarray) -> float:
        t_obs = (self.beta - r) / self.se
        num = (self.alpha0 - r * self.alphax) @ V
        scores = (self.C0 - r * self.Cx) @ V
        den = np.sqrt(self.factor * np.sum(scores ** 2, axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            t_boot = num / den
        ok = np.isfinite(t_boot)
        if not ok.any():
            return np.nan
        # symmetric two-sided Monte Carlo p-value (1 + #extreme) / (1 + B), so it is
        # never 0 (Davison & Hinkley 1997, eq. 4.11); tiny tolerance: ties count as extreme
        extreme = int(np.count_nonzero(np.abs(t_boot[ok]) >= abs(t_obs) * (1 - 1e-12)))
        return (1 + extreme) / (1 + int(ok.sum()))


def _invert(wcr: _WCR, V: np.ndarray, alpha: float, side: int, max_iter: int = 40) -> float:
    """Bound of the confidence set on one side of the estimate, by bisection."""
    se = wcr.se if wcr.se > 0 else 1.0
    inside = wcr.beta
    step = 2.0 * se
    outside = wcr.beta + side * step
    for _ in range(30):  # widen until the test rejects (a few steps)
        if wcr.p_value(outside, V) <= alpha:
            break
        inside, step = outside, step * 2
        outside = wcr.beta + side * step
    else:
        return side * np.inf
    for _ in range(max_iter):  # bisection between a kept and a rejected null value
        mid = 0.5 * (inside + outside)
        if wcr.p_value(mid, V) > alpha:
            inside = mid
        else:
            outside = mid
        if abs(outside - inside) < 1e-6 * se:
            break
    return 0.5 * (inside + outside)


def wild_cluster_bootstrap(
    y: np.ndarray,
    design: Design,
    clusters: pd.Series | np.ndarray,
    column: str,
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    null: float = 0.0,
    alpha: float = 0.05,
    ci: bool = True,
    dof_k: int | None = None,
    *,
    confidence: float | None = None,
) -> WildBootstrap:
    """WCR bootstrap p-value and test-inversion interval for one coefficient.

    Parameters
    ----------
    y
        Outcome (length n).
    design
        Full-rank design matrix with names.
    clusters
        Cluster label per observation.
    column
        Name of the tested coefficient.
    n_boot
        Bootstrap replicates B.
    seed
        Seed of the weights (:func:`cluster_weights`); the same draws are used
        for the p-value and every step of the interval search.
    weights
        ``"webb"`` (default) or ``"rademacher"``.
    null
        Value of the coefficient under the null hypothesis.
    alpha
        1 - confidence level of the interval (the older spelling; prefer ``confidence``).
    confidence
        Confidence level of the interval, as everywhere in :mod:`pilot_eval.stats`;
        when given it replaces ``alpha``.
    ci
        Compute the interval (about 2 x 40 extra evaluations of G x G x B work).
        A side on which no null value is rejected (possible with very few
        clusters) gets an infinite bound.
    dof_k
        K of the CRV1 small-sample factor (see
        :func:`pilot_eval.stats.cluster_ols.fit_cluster_ols`).

    Returns
    -------
    WildBootstrap
        ``estimate`` and ``std_error`` are the OLS estimate and its CRV1 SE;
        ``t_stat`` = (estimate - null) / std_error; ``p_value`` is
        ``(1 + #{|t*| >= |t|}) / (1 + B)``, the Monte Carlo p-value that is
        never 0 (Davison & Hinkley 1997, *Bootstrap Methods and their
        Application*, eq. 4.11).  When the standard error is 0 (no residual
        variation, e.g. every outcome equal) nothing can be tested:
        ``t_stat``, ``p_value`` and the interval are NaN and
        ``not_estimable`` says why.

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats.cluster_ols import drop_collinear
    >>> X = np.column_stack([np.ones(8), [0, 1] * 4])
    >>> wb = wild_cluster_bootstrap(np.full(8, 3.0), drop_collinear(X, ["const", "pilot"]),
    ...                             np.repeat(["a", "b", "c", "d"], 2), "pilot", n_boot=99)
    >>> wb.estimable, bool(np.isnan(wb.p_value))
    (False, True)
    """
    if confidence is not None:  # the API's spelling of the level (alpha is kept for older callers)
        alpha = round(1.0 - float(confidence), 12)  # 1 - 0.9 is 0.09999999999999998
    y = np.asarray(y, dtype="float64")
    codes, g = cluster_codes(clusters)
    wcr = _WCR(y, design.X, codes, g, design.index(column), dof_k)
    # a standard error at rounding-noise level is 0: the residuals are all 0
    tol = 1e-10 * max(1.0, float(np.max(np.abs(y), initial=0.0)))
    if not (np.isfinite(wcr.se) and wcr.se > tol):
        # every residual is 0 (e.g. all outcomes equal): no spread to test against
        why = (f"not estimable: the cluster-robust standard error of {column} is "
               f"{_fmt_se(wcr.se)} (the outcome has no variation left once the model is fitted, "
               "e.g. every value is the same), so there is no test and no interval")
        return WildBootstrap(wcr.beta, wcr.se, np.nan, np.nan, np.nan, np.nan, n_boot, g, weights,
                             not_estimable=why)
    V = cluster_weights(g, n_boot, seed, weights)
    p = wcr.p_value(null, V)
    lo, hi = (_invert(wcr, V, alpha, -1), _invert(wcr, V, alpha, +1)) if ci else (np.nan, np.nan)
    t = (wcr.beta - null) / wcr.se
    return WildBootstrap(wcr.beta, wcr.se, float(t), p, float(lo), float(hi), n_boot, g, weights)


def _fmt_se(se: float) -> str:
    return "0" if se == 0 else ("undefined" if not np.isfinite(se) else f"{se:.3g}")


#: Below this many clusters, p-values and intervals come from the wild cluster bootstrap.
MIN_CLUSTERS = 30


def few_clusters_note(n_clusters: int, n_boot: int, weights: str = "webb") -> str:
    """The warning placed next to estimates from fewer than :data:`MIN_CLUSTERS` org units."""
    return (f"only {n_clusters} org units (fewer than {MIN_CLUSTERS}): cluster-robust standard errors "
            f"understate uncertainty with so few clusters, so the p-value and CI come from the wild "
            f"cluster bootstrap (WCR, {weights.capitalize()} weights, B={n_boot})")


def cluster_inference(
    y: np.ndarray,
    design: Design,
    clusters: pd.Series | np.ndarray,
    column: str,
    n_boot: int = 999,
    seed: int | None = 0,
    weights: str = "webb",
    alpha: float = 0.05,
    min_clusters: int = MIN_CLUSTERS,
    dof_k: int | None = None,
    fallback_clusters: pd.Series | np.ndarray | None = None,
    *,
    confidence: float | None = None,
) -> dict[str, object]:
    """Estimate, CRV1 SE, p-value and CI of one coefficient, robust to few clusters.

    With at least ``min_clusters`` clusters: CRV1 with t(G-1) (Cameron & Miller
    2015).  With fewer: the same SE, but the p-value and CI from
    :func:`wild_cluster_bootstrap` (WCR), and a note saying so.  With a single
    cluster, errors are clustered by ``fallback_clusters`` (e.g. leader)
    instead, also with a note.

    Returns
    -------
    dict
        ``estimate, std_error, ci_low, ci_high, p_value, n_clusters,
        ci_method, note``.
    """
    if confidence is not None:  # the API's spelling of the level (alpha is kept for older callers)
        alpha = round(1.0 - float(confidence), 12)  # 1 - 0.9 is 0.09999999999999998
    notes: list[str] = []
    _, g = cluster_codes(clusters)
    if g < 2 and fallback_clusters is not None:
        notes.append("a single org unit: standard errors are clustered by leader instead")
        clusters = fallback_clusters
        _, g = cluster_codes(clusters)
    fit = fit_cluster_ols(y, design, clusters, dof_k=dof_k)
    if g >= min_clusters:
        row = fit.t_inference(column, alpha)
        method = "cluster-robust (CRV1) SE, t(G-1)"
    else:
        wb = wild_cluster_bootstrap(y, design, clusters, column, n_boot=n_boot, seed=seed,
                                    weights=weights, alpha=alpha, dof_k=dof_k)
        row = {"estimate": wb.estimate, "std_error": wb.std_error, "ci_low": wb.ci_low,
               "ci_high": wb.ci_high, "p_value": wb.p_value}
        method = wb.method
        notes.append(wb.not_estimable or few_clusters_note(g, n_boot, weights))
    return {**row, "n_clusters": g, "ci_method": method, "note": "; ".join(notes)}
