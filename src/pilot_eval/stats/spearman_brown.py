"""Spearman-Brown prophecy: reliability of a mean of k raters, raters needed.

All functions work elementwise on scalars or NumPy arrays (broadcasting).

References
----------
Spearman, C. (1910). Correlation calculated from faulty data. *British
Journal of Psychology*, 3(3), 271-295.

Brown, W. (1910). Some experimental results in the correlation of mental
abilities. *British Journal of Psychology*, 3(3), 296-322.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["spearman_brown", "raters_needed", "single_rater_from_k"]

# raters_needed rounds up; a ratio that is an integer up to floating-point
# error (0.75 * 0.8 / (0.2 * 0.25) = 12.000000000000002) must not become 13.
_ROUNDING_TOLERANCE = 1e-9


def _out(value: np.ndarray) -> Any:
    return float(value) if value.ndim == 0 else value


def spearman_brown(rho1: Any, k: Any) -> Any:
    """Reliability of the mean of ``k`` raters: ``k rho1 / (1 + (k - 1) rho1)``.

    Parameters
    ----------
    rho1 : float or array-like
        Single-rater reliability (e.g. ICC1 / ICC(A,1)).
    k : float or array-like
        Number of raters averaged (> 0; need not be an integer).

    Returns
    -------
    float or ndarray

    References
    ----------
    Spearman, C. (1910); Brown, W. (1910). *British Journal of Psychology*, 3.

    Examples
    --------
    >>> from pilot_eval.stats import spearman_brown
    >>> round(spearman_brown(0.2, 12), 3)  # 12 raters of single-rater reliability 0.2
    0.75
    """
    rho1 = np.asarray(rho1, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if np.any(k <= 0):
        raise ValueError("k must be positive")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(k * rho1 / (1.0 + (k - 1.0) * rho1))


def single_rater_from_k(rho_k: Any, k: Any) -> Any:
    """Single-rater reliability from that of a ``k``-rater mean.

    The inverse of :func:`spearman_brown`: ``rho_k / (k - (k - 1) rho_k)``.

    Parameters
    ----------
    rho_k : float or array-like
        Reliability of the mean of ``k`` raters (e.g. ICC1k).
    k : float or array-like
        Number of raters in that mean (> 0).

    Returns
    -------
    float or ndarray

    References
    ----------
    Spearman, C. (1910); Brown, W. (1910). *British Journal of Psychology*, 3.

    Examples
    --------
    >>> from pilot_eval.stats import single_rater_from_k
    >>> round(single_rater_from_k(0.75, 12), 3)
    0.2
    """
    rho_k = np.asarray(rho_k, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if np.any(k <= 0):
        raise ValueError("k must be positive")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(rho_k / (k - (k - 1.0) * rho_k))


def raters_needed(rho1: Any, target: Any) -> Any:
    """Smallest number of raters whose mean reaches a target reliability.

    ``ceil(target (1 - rho1) / (rho1 (1 - target)))``, at least 1.

    Parameters
    ----------
    rho1 : float or array-like
        Single-rater reliability.
    target : float or array-like
        Target reliability of the mean, in (0, 1).

    Returns
    -------
    float or ndarray
        Whole numbers as floats; ``inf`` when the target cannot be reached
        (``rho1 <= 0``, or ``target >= 1`` with ``rho1 < 1``); ``1`` when
        ``rho1 >= target``; NaN when an input is NaN, ``target <= 0`` or
        ``rho1 > 1``.

    Notes
    -----
    The ratio is rounded up after removing floating-point noise of 1e-9, so
    an exact integer ratio is not pushed to the next integer.

    References
    ----------
    Spearman, C. (1910); Brown, W. (1910). *British Journal of Psychology*, 3.
    Shrout, P. E., & Fleiss, J. L. (1979). *Psychological Bulletin*, 86(2),
    420-428 (the number of judges needed for a target reliability).

    Examples
    --------
    >>> from pilot_eval.stats import raters_needed
    >>> raters_needed(0.2, 0.75)
    12.0
    >>> raters_needed(0.0, 0.75)
    inf
    """
    rho1 = np.asarray(rho1, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    rho1, target = np.broadcast_arrays(rho1, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = target * (1.0 - rho1) / (rho1 * (1.0 - target))
        needed = np.maximum(np.ceil(ratio - _ROUNDING_TOLERANCE), 1.0)
    out = np.where(rho1 >= target, 1.0, needed)
    out = np.where((rho1 <= 0) | ((target >= 1) & (rho1 < 1)), np.inf, out)
    out = np.where(
        np.isnan(rho1) | np.isnan(target) | (target <= 0) | (rho1 > 1), np.nan, out
    )
    return _out(np.asarray(out, dtype=np.float64))
