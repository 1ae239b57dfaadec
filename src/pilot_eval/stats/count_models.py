"""Count models with exposure: Poisson or negative binomial, cluster-robust.

Lagging outcomes (voluntary exits, HR incidents, escalations) are event counts
over a team's person-time.  :func:`fit_count_model` fits a log-linear model of
the count with ``log(person-days)`` as offset, so coefficients are log rate
ratios:

* **Family rule.**  A Poisson GLM is fitted first and the Cameron & Trivedi
  (1990) regression test of overdispersion (:func:`dispersion_test`, the NB2
  alternative ``Var(y) = mu + alpha * mu**2``) is run on it.  If the one-sided
  p-value is below ``dispersion_level`` (0.05) the model is refitted as a
  negative binomial (NB2) GLM whose ``alpha`` is the maximum-likelihood
  estimate (profile likelihood, as ``MASS::glm.nb``); otherwise the Poisson
  fit is kept.  ``family="poisson"`` / ``"negative_binomial"`` force a family.
* **Standard errors.**  Cluster-robust (CR1 sandwich with the expected
  information as bread, clusters = org units, small-sample factor
  ``G/(G-1) * (N-1)/(N-K)``, as ``sandwich::vcovCL(type = "HC1")``;
  :func:`cluster_robust_cov`) when there are at least ``min_clusters`` clusters, with ``t(G-1)``
  reference distribution (Cameron & Miller 2015); otherwise model-based
  standard errors with normal reference, and the output says so.

References
----------
Cameron, A. C., & Trivedi, P. K. (1990). Regression-based tests for
overdispersion in the Poisson model. *Journal of Econometrics*, 46(3), 347-364.

Cameron, A. C., & Trivedi, P. K. (2013). *Regression Analysis of Count Data*
(2nd ed.). Cambridge University Press, ch. 3.

Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

Angrist, J. D., & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*.
Princeton University Press, sec. 8.2.3 (the larger of robust and conventional errors).

Venables, W. N., & Ripley, B. D. (2002). *Modern Applied Statistics with S*
(4th ed.), sec. 7.4 (``glm.nb``).
"""

from __future__ import annotations

import warnings
from typing import Literal, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

#: Columns of :func:`fit_count_model`'s result.
COUNT_MODEL_COLUMNS: tuple[str, ...] = (
    "term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high",
    "rate_ratio", "rr_ci_low", "rr_ci_high", "family", "alpha", "dispersion_z", "dispersion_p",
    "cov_type", "n_clusters", "df", "n", "events", "converged",
)

Family = Literal["auto", "poisson", "negative_binomial"]

#: Convergence tolerance of the IRLS fits (R's glm default is 1e-8).
_TOL = 1e-10

#: Bounds of the NB2 dispersion searched by the profile likelihood.
_ALPHA_BOUNDS = (1e-8, 1e3)


def dispersion_test(y: np.ndarray, mu: np.ndarray) -> dict[str, float]:
    """Cameron & Trivedi (1990) test of Poisson overdispersion (NB2 alternative).

    Regresses ``((y - mu)**2 - y) / mu`` on ``mu`` without intercept (OLS);
    the slope estimates ``alpha`` in ``Var(y) = mu + alpha * mu**2`` and its
    t-ratio is referred to the standard normal, one-sided (``alpha > 0``).

    Parameters
    ----------
    y, mu
        Observed counts and the fitted means of a Poisson model.

    Returns
    -------
    dict
        ``alpha``, ``z``, ``p_value``.  Same as R ``AER::dispersiontest(fit,
        trafo = 2)``.

    Examples
    --------
    Counts ``0, 2, 4, 6`` against a constant mean 3: the auxiliary responses
    are ``3, -1/3, -1, 1``, so the slope is ``3 * (8/3) / 36 = 0.2222``:

    >>> d = dispersion_test(np.array([0.0, 2.0, 4.0, 6.0]), np.full(4, 3.0))
    >>> {k: round(v, 4) for k, v in d.items()}
    {'alpha': 0.2222, 'z': 0.7559, 'p_value': 0.2248}

    References
    ----------
    Cameron, A. C., & Trivedi, P. K. (1990). Regression-based tests for
    overdispersion in the Poisson model. *Journal of Econometrics*, 46(3),
    347-364.
    """
    y = np.asarray(y, dtype="float64")
    mu = np.asarray(mu, dtype="float64")
    aux = ((y - mu) ** 2 - y) / mu
    n = len(y)
    sxx = float(mu @ mu)
    alpha = float(mu @ aux) / sxx
    resid = aux - alpha * mu
    sigma2 = float(resid @ resid) / (n - 1)
    z = alpha / np.sqrt(sigma2 / sxx) if sigma2 > 0 else np.nan
    return {"alpha": alpha, "z": float(z), "p_value": float(stats.norm.sf(z))}


def _glm(y: np.ndarray, X: np.ndarray, offset: np.ndarray, family: families.Family):
    return GLM(y, X, family=family, offset=offset)


def cluster_robust_cov(
    X: np.ndarray, y: np.ndarray, mu: np.ndarray, alpha: float, groups: np.ndarray
) -> np.ndarray:
    """CR1 cluster-robust covariance of a log-link Poisson / NB2 GLM.

    Sandwich ``c * B M B`` with bread ``B = (X' W X)^-1`` (expected
    information, ``W = mu / (1 + alpha * mu)``), meat ``M = sum_g s_g s_g'``
    of the cluster sums of the scores ``x_i (y_i - mu_i) / (1 + alpha mu_i)``
    and ``c = G / (G - 1) * (N - 1) / (N - K)``: the same as R
    ``sandwich::vcovCL(fit, cluster = ~g, type = "HC1")`` for ``glm`` and
    ``MASS::glm.nb`` fits (for Poisson, also statsmodels' ``cov_type="cluster"``).

    References
    ----------
    Zeileis, A., Koell, S., & Graham, N. (2020). Various versatile variances:
    an object-oriented implementation of clustered covariances in R.
    *Journal of Statistical Software*, 95(1), 1-36.

    Examples
    --------
    A Poisson fit with one binary predictor (fitted means 1 and 3.5) and four
    clusters of two; the same matrix as statsmodels'
    ``GLM(y, X, family=Poisson(), offset=log(e)).fit(cov_type="cluster")``:

    >>> y = np.array([1.0, 0, 2, 1, 4, 3, 5, 2])
    >>> X = np.column_stack([np.ones(8), np.repeat([0.0, 1.0], 4)])
    >>> mu = np.repeat([1.0, 3.5], 4)
    >>> cluster_robust_cov(X, y, mu, 0.0, np.repeat([0, 1, 2, 3], 2)).round(4)
    array([[ 0.1944, -0.1944],
           [-0.1944,  0.1944]])
    """
    n, k = X.shape
    denom = 1.0 + alpha * mu
    bread = np.linalg.inv(X.T @ (X * (mu / denom)[:, None]))
    scores = X * ((y - mu) / denom)[:, None]
    n_groups = int(groups.max()) + 1
    sums = np.zeros((n_groups, k))
    np.add.at(sums, groups, scores)
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    return factor * bread @ (sums.T @ sums) @ bread


def _quiet_fit(model, **kwargs):
    """Fit, turning convergence warnings into a flag (tests run with -W error)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = model.fit(**kwargs)
    bad = any(issubclass(w.category, (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning))
              for w in caught)
    return res, not bad


def nb_alpha_mle(y: np.ndarray, X: np.ndarray, offset: np.ndarray) -> float:
    """Maximum-likelihood NB2 dispersion ``alpha`` by profile likelihood.

    For each ``alpha`` the NB2 GLM is fitted by IRLS; ``alpha`` maximises the
    resulting log-likelihood (bounded search on ``log(alpha)``).  At the
    optimum the coefficients equal those of the joint maximum-likelihood fit
    (``MASS::glm.nb``, ``theta = 1 / alpha``).

    Examples
    --------
    Overdispersed counts (exposure 100 each, one binary predictor); the same
    ``alpha`` as statsmodels' ``NegativeBinomial(y, X, exposure=e,
    loglike_method="nb2").fit()`` (2.2045):

    >>> y = np.array([0.0, 0, 1, 9, 0, 2, 12, 1])
    >>> X = np.column_stack([np.ones(8), np.repeat([0.0, 1.0], 4)])
    >>> round(nb_alpha_mle(y, X, np.log(np.full(8, 100.0))), 4)
    2.2045
    """

    def negll(log_alpha: float) -> float:
        fam = families.NegativeBinomial(alpha=float(np.exp(log_alpha)))
        res, _ = _quiet_fit(_glm(y, X, offset, fam), tol=_TOL)
        return -float(res.llf)

    lo, hi = np.log(_ALPHA_BOUNDS[0]), np.log(_ALPHA_BOUNDS[1])
    opt = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-7})
    return float(np.exp(opt.x))


def fit_count_model(
    y: np.ndarray,
    exposure: np.ndarray,
    X: np.ndarray,
    names: Sequence[str],
    clusters: np.ndarray | pd.Series | None = None,
    family: Family = "auto",
    min_clusters: int = 10,
    dispersion_level: float = 0.05,
    confidence: float = 0.95,
    conservative: bool = False,
) -> pd.DataFrame:
    """Log-linear count model of ``y`` with offset ``log(exposure)``.

    Parameters
    ----------
    y
        Event counts per leader.
    exposure
        Person-time per leader (e.g. person-days); must be > 0.
    X, names
        ``n x p`` predictor matrix without intercept and its column names
        (an ``Intercept`` column is added first).
    clusters
        Cluster labels (org units) for cluster-robust standard errors, or None.
    family
        ``"auto"`` (Poisson unless the dispersion test rejects, see module
        docs), ``"poisson"`` or ``"negative_binomial"``.
    min_clusters
        Fewest clusters for which cluster-robust errors are used.
    dispersion_level
        Level of the one-sided overdispersion test of the ``auto`` rule.
    confidence
        Level of the confidence intervals.
    conservative
        With cluster-robust errors, use for each coefficient the larger of the
        cluster-robust and the model-based standard error (Angrist & Pischke
        2009, sec. 8.2.3): CR1 is biased downwards with few clusters, the
        model-based error ignores the clustering; the larger of the two keeps a
        one-sided 5 % test near or below its level with 7 to 16 org units in the
        project's simulations (benchmarks/results/count_test_null.md).

    Returns
    -------
    DataFrame
        One row per term with the columns of :data:`COUNT_MODEL_COLUMNS`:
        log rate ratio ``estimate`` with ``std_error``, ``statistic``,
        ``p_value``, ``ci_low``/``ci_high`` and their exponentiated
        ``rate_ratio``, ``rr_ci_low``, ``rr_ci_high``; model-level columns
        (repeated) ``family``, ``alpha`` (NB2 dispersion, 0 for Poisson), the
        dispersion test's ``dispersion_z``/``dispersion_p``, ``cov_type``
        (``cluster`` or ``model``), ``n_clusters``, ``df`` of the reference
        t distribution (``inf`` = normal), ``n``, ``events``, ``converged``.

    References
    ----------
    Cameron, A. C., & Trivedi, P. K. (2013). *Regression Analysis of Count
    Data* (2nd ed.), ch. 3.

    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to
    cluster-robust inference. *Journal of Human Resources*, 50(2), 317-372.

    Examples
    --------
    With one binary predictor the Poisson maximum-likelihood rate ratio is the
    ratio of the two groups' event rates, ``(14 / 400) / (4 / 400) = 3.5``:

    >>> y = np.array([1.0, 0, 2, 1, 4, 3, 5, 2])
    >>> x = np.repeat([0.0, 1.0], 4)[:, None]
    >>> fit = fit_count_model(y, np.full(8, 100.0), x, ["pilot"], family="poisson")
    >>> fit[["term", "rate_ratio", "family", "cov_type", "events"]].round(4)
            term  rate_ratio   family cov_type  events
    0  Intercept        0.01  poisson    model    18.0
    1      pilot        3.50  poisson    model    18.0
    """
    y = np.asarray(y, dtype="float64")
    exposure = np.asarray(exposure, dtype="float64")
    if np.any(exposure <= 0) or np.any(~np.isfinite(exposure)):
        raise ValueError("exposure must be positive and finite")
    design = np.column_stack([np.ones(len(y)), np.asarray(X, dtype="float64").reshape(len(y), -1)])
    terms = ["Intercept", *names]
    offset = np.log(exposure)

    poisson, ok_p = _quiet_fit(_glm(y, design, offset, families.Poisson()), tol=_TOL)
    disp = dispersion_test(y, poisson.fittedvalues)
    use_nb = family == "negative_binomial" or (
        family == "auto" and np.isfinite(disp["p_value"]) and disp["p_value"] < dispersion_level
    )
    alpha = 0.0
    fam: families.Family = families.Poisson()
    if use_nb:
        alpha = nb_alpha_mle(y, design, offset)
        fam = families.NegativeBinomial(alpha=alpha)

    groups = None
    n_clusters = 0
    if clusters is not None:
        codes, uniques = pd.factorize(pd.Series(np.asarray(clusters, dtype=object)), sort=True)
        n_clusters = len(uniques)
        if n_clusters >= min_clusters:
            groups = codes
    res, ok = _quiet_fit(_glm(y, design, offset, fam), tol=_TOL)
    est = np.asarray(res.params, dtype="float64")
    if groups is not None:
        cov = cluster_robust_cov(design, y, np.asarray(res.fittedvalues, dtype="float64"), alpha, groups)
        se = np.sqrt(np.diag(cov))
        if conservative:
            se = np.fmax(se, np.asarray(res.bse, dtype="float64"))
        df = float(n_clusters - 1)
        cov_type = "cluster"
    else:
        se = np.asarray(res.bse, dtype="float64")
        df = np.inf
        cov_type = "model"
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se
    dist = stats.norm if not np.isfinite(df) else stats.t(df)
    p = 2 * dist.sf(np.abs(stat))
    crit = dist.ppf(0.5 + confidence / 2)
    lo, hi = est - crit * se, est + crit * se
    out = pd.DataFrame({
        "term": terms, "estimate": est, "std_error": se, "statistic": stat, "p_value": p,
        "ci_low": lo, "ci_high": hi,
        "rate_ratio": np.exp(est), "rr_ci_low": np.exp(lo), "rr_ci_high": np.exp(hi),
    })
    out["family"] = "negative_binomial" if use_nb else "poisson"
    out["alpha"] = alpha
    out["dispersion_z"] = disp["z"]
    out["dispersion_p"] = disp["p_value"]
    out["cov_type"] = cov_type
    out["n_clusters"] = n_clusters
    out["df"] = df
    out["n"] = len(y)
    out["events"] = float(y.sum())
    out["converged"] = bool(ok and ok_p)
    return out[list(COUNT_MODEL_COLUMNS)]
