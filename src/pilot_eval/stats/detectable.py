"""Smallest link a count model can detect, and one-sided tests of its slope.

A leading indicator ``x`` (standardised, or a yes/no indicator) enters a
log-linear count model of a lagging outcome with offset ``log(exposure)``.
How strong must the link be for the test of its coefficient to succeed with
the requested power?

**Standard error of the slope.**  For a negative binomial (NB2) model with
means ``mu_i`` and dispersion ``k`` (``Var = mu + k mu^2``; ``k = 0`` is
Poisson), the Fisher information of a slope near 0 whose covariate has
variance ``v`` and is unrelated to ``mu`` is ``v * sum(mu_i / (1 + k mu_i))``
(Cameron & Trivedi 2013, ch. 3; for the Poisson case with a normal covariate
this is the ``beta -> 0`` limit of Signorini 1991, eq. 2).  Clustering of the
leaders in org units inflates the variance by the design effect of a
regression coefficient, ``1 + (m - 1) rho_x rho_y`` (Scott & Holt 1982), with
``m`` the (size-weighted) leaders per unit and ``rho_x``, ``rho_y`` the
intraclass correlations of the indicator and of the outcome::

    se = sqrt(deff / (v * sum(mu_i / (1 + k mu_i))))

**Minimal detectable effect.**  For a one-sided level ``alpha`` test with
reference distribution ``t(df)`` (``df = inf``: normal) the log rate ratio
detectable with probability ``power`` is
``(q(1 - alpha) + q(power)) * se`` (Bloom 1995), returned as a rate ratio
``exp(-that)`` (fewer events) or ``exp(+that)`` (more events).

References
----------
Signorini, D. F. (1991). Sample size for Poisson regression. *Biometrika*,
78(2), 446-450.

Cameron, A. C., & Trivedi, P. K. (2013). *Regression Analysis of Count Data*
(2nd ed.). Cambridge University Press, ch. 3.

Scott, A. J., & Holt, D. (1982). The effect of two-stage sampling on ordinary
least squares methods. *Journal of the American Statistical Association*,
77(380), 848-854.

Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the
statistical power of experimental designs. *Evaluation Review*, 19(5), 547-556.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def _quantile(q: float, df: float) -> float:
    return float(stats.norm.ppf(q) if not np.isfinite(df) else stats.t.ppf(q, df))


def one_sided_p(statistic: float | np.ndarray, direction: int, df: float = np.inf) -> np.ndarray:
    """One-sided p-value of a Wald statistic in the hypothesised ``direction``.

    Parameters
    ----------
    statistic
        ``estimate / std_error`` of a log rate ratio.
    direction
        ``-1``: the hypothesis is a negative coefficient (fewer events);
        ``+1``: a positive one.
    df
        Degrees of freedom of the reference t distribution (``inf``: normal).

    Examples
    --------
    >>> round(float(one_sided_p(-1.6448536, -1)), 4)
    0.05
    >>> round(float(one_sided_p(-1.6448536, +1)), 4)
    0.95
    """
    if direction not in (-1, 1):
        raise ValueError(f"direction must be -1 or +1, got {direction!r}")
    z = np.asarray(statistic, dtype="float64") * direction
    dist = stats.norm if not np.isfinite(df) else stats.t(df)
    return np.asarray(dist.sf(z), dtype="float64")


def slope_standard_error(
    mu: np.ndarray | float,
    dispersion: float = 0.0,
    x_variance: float = 1.0,
    design_effect: float = 1.0,
    n: int | None = None,
) -> float:
    """Large-sample standard error of a count model's slope near zero.

    Parameters
    ----------
    mu
        Expected events per leader over the period (an array, one per leader,
        or a scalar together with ``n``).
    dispersion
        NB2 dispersion ``k`` (0 = Poisson).
    x_variance
        Variance of the covariate (1 for a standardised indicator, ``p (1 - p)``
        for a yes/no indicator with share ``p``).
    design_effect
        Variance inflation for clustering (:func:`regression_design_effect`).
    n
        Number of leaders when ``mu`` is a scalar.

    Returns
    -------
    float
        ``sqrt(deff / (v * sum(mu / (1 + k mu))))``.

    Examples
    --------
    Poisson, 100 leaders with one expected event each, standardised
    covariate: ``1 / sqrt(100) = 0.1``.

    >>> slope_standard_error(1.0, n=100)
    0.1
    """
    m = np.asarray(mu, dtype="float64")
    if m.ndim == 0:
        if n is None:
            raise ValueError("n is required when mu is a scalar")
        m = np.full(int(n), float(m))
    info = float(x_variance) * float(np.sum(m / (1.0 + float(dispersion) * m)))
    if info <= 0:
        return float("inf")
    return float(np.sqrt(max(float(design_effect), 1.0) / info))


def icc_anova(groups: np.ndarray, values: np.ndarray) -> float:
    """One-way ANOVA ICC(1) for unequal group sizes (Donner 1986; the ``n0`` of Snedecor & Cochran).

    ``(MSB - MSW) / (MSB + (n0 - 1) MSW)`` with
    ``n0 = (N - sum n_g^2 / N) / (G - 1)``; NaN with fewer than 2 groups or
    no group of 2.  The same estimator as
    :func:`pilot_eval.stats.icc.icc_oneway_unbalanced` (ICC1), without its intervals.

    Examples
    --------
    >>> round(icc_anova(np.array([0, 0, 1, 1, 2, 2]), np.array([1.0, 1.2, 2.0, 2.2, 3.1, 2.9])), 3)
    0.978
    """
    codes, _ = pd.factorize(pd.Series(np.asarray(groups, dtype=object)), sort=True)
    y = np.asarray(values, dtype="float64")
    ok = np.isfinite(y)
    codes, y = codes[ok], y[ok]
    n_g = np.bincount(codes).astype("float64")
    keep = n_g > 0
    G, N = int(keep.sum()), float(len(y))
    if G < 2 or N - G < 1:
        return float("nan")
    means = np.bincount(codes, weights=y)[keep] / n_g[keep]
    grand = y.mean()
    ssb = float(np.sum(n_g[keep] * (means - grand) ** 2))
    ssw = float(np.sum((y - (np.bincount(codes, weights=y) / np.maximum(n_g, 1))[codes]) ** 2))
    msb, msw = ssb / (G - 1), ssw / (N - G)
    n0 = (N - float(np.sum(n_g[keep] ** 2)) / N) / (G - 1)
    denom = msb + (n0 - 1) * msw
    return float((msb - msw) / denom) if denom > 0 else float("nan")


def regression_design_effect(cluster_size: float, icc_x: float, icc_y: float) -> float:
    """``1 + (m - 1) * rho_x * rho_y`` (Scott & Holt 1982); negative or missing ICCs count as 0.

    Examples
    --------
    >>> regression_design_effect(6.0, 0.2, 0.1)
    1.1
    """
    rx = max(0.0, float(icc_x)) if np.isfinite(icc_x) else 0.0
    ry = max(0.0, float(icc_y)) if np.isfinite(icc_y) else 0.0
    return 1.0 + max(float(cluster_size) - 1.0, 0.0) * rx * ry


def minimal_detectable_log_effect(
    std_error: float, alpha: float = 0.05, power: float = 0.8, df: float = np.inf,
) -> float:
    """Size ``(q(1 - alpha) + q(power)) * se`` of the smallest detectable log rate ratio.

    One-sided level ``alpha`` (pass ``alpha / m`` for a Bonferroni / first Holm
    step over ``m`` tests), reference ``t(df)``.

    Examples
    --------
    >>> round(minimal_detectable_log_effect(0.1), 4)  # (1.6449 + 0.8416) * 0.1
    0.2486
    """
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must be in (0, 1)")
    return float((_quantile(1 - alpha, df) + _quantile(power, df)) * float(std_error))


def minimal_detectable_rate_ratio(
    std_error: float, direction: int = -1, alpha: float = 0.05, power: float = 0.8, df: float = np.inf,
) -> float:
    """Smallest rate ratio detectable with ``power`` by a one-sided test (Bloom 1995).

    ``direction = -1`` gives a ratio below 1 (the link means fewer events),
    ``+1`` a ratio above 1.

    Examples
    --------
    >>> round(minimal_detectable_rate_ratio(0.1), 3)
    0.78
    >>> round(minimal_detectable_rate_ratio(0.1, direction=+1), 3)
    1.282
    """
    if direction not in (-1, 1):
        raise ValueError(f"direction must be -1 or +1, got {direction!r}")
    return float(np.exp(direction * minimal_detectable_log_effect(std_error, alpha, power, df)))


__all__ = [
    "icc_anova",
    "minimal_detectable_log_effect",
    "minimal_detectable_rate_ratio",
    "one_sided_p",
    "regression_design_effect",
    "slope_standard_error",
]
