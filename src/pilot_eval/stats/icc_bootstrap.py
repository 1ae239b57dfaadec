"""Bootstrap probability that an ICC lies in each Koo & Li (2016) band.

:func:`icc_band_probabilities` resamples targets and evaluates every replicate
at once from per-target sums weighted by the draw counts of
:func:`pilot_eval.stats._resample.bootstrap_counts`.

References
----------
Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
Chapman & Hall.

Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
intraclass correlation coefficients for reliability research. *Journal of
Chiropractic Medicine*, 15(2), 155-163.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.stats._icc_core import (
    ICC_METHODS,
    crossed_matrix,
    icc_estimates,
    oneway_from_totals,
    oneway_groups,
)
from pilot_eval.stats._resample import bootstrap_counts
from pilot_eval.stats.guidelines import KOO_LI_BANDS, koo_li_codes

__all__ = ["icc_band_probabilities"]


def _bootstrap_icc(
    data: pd.DataFrame,
    targets: str,
    ratings: str,
    raters: str | None,
    method: str,
    n_boot: int,
    seed: int | None,
) -> tuple[np.ndarray, int]:
    """Bootstrap replicates of one ICC form (resampling targets), vectorised."""
    if raters is None:
        if method not in ("ICC1", "ICC1k"):
            raise ValueError("without raters only ICC1 / ICC1k (one-way) are defined")
        counts, sums, ss_within = oneway_groups(data, targets, ratings)
        a = counts.size
        w = bootstrap_counts(a, n_boot, seed)
        res = oneway_from_totals(
            w @ counts, a, w @ sums, w @ (sums**2 / counts), w @ ss_within,
            w @ counts**2,
        )
        return np.asarray(res[method], dtype=np.float64), a
    if method not in ICC_METHODS:
        raise ValueError(f"method must be one of {ICC_METHODS}, got {method!r}")
    matrix, _ = crossed_matrix(data, targets, raters, ratings)
    n, k = matrix.shape
    if n < 2 or k < 2:
        raise ValueError("need at least 2 fully rated targets and 2 raters")
    x = matrix - matrix.mean()
    w = bootstrap_counts(n, n_boot, seed)
    row_sums = x.sum(axis=1)
    total = w @ row_sums
    correction = total**2 / (n * k)
    ss_total = w @ np.sum(x**2, axis=1) - correction
    ss_rows = (w @ (row_sums**2)) / k - correction
    col_sums = w @ x
    ss_cols = np.sum(col_sums**2, axis=1) / n - correction
    ss_error = ss_total - ss_rows - ss_cols
    ss_within = ss_total - ss_rows
    est = icc_estimates(
        ss_rows / (n - 1),
        ss_within / (n * (k - 1)),
        ss_cols / (k - 1),
        ss_error / ((n - 1) * (k - 1)),
        n,
        k,
    )
    return np.asarray(est[method], dtype=np.float64), n


def icc_band_probabilities(
    data: pd.DataFrame,
    targets: str,
    ratings: str,
    raters: str | None = None,
    method: str = "ICC1",
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Bootstrap probability that an ICC lies in each Koo & Li (2016) band.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per rating.
    targets, ratings : str
        Columns of the targets and the numeric ratings.
    raters : str, optional
        Column of the raters.  Given: the crossed design of
        :func:`icc_crossed` (any of its six forms).  ``None``: the unbalanced
        one-way design of :func:`icc_oneway_unbalanced` (ICC1 or ICC1k).
    method : str
        The ICC form, e.g. ``"ICC1"``, ``"ICC2k"``.
    n_boot : int
        Number of bootstrap replicates.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    DataFrame
        Four rows (poor, moderate, good, excellent) with columns ``method``,
        ``band``, ``probability`` (share of replicates in the band, among
        replicates with a defined ICC), ``n_targets``, ``n_boot`` and
        ``n_valid`` (replicates with a defined ICC).

    Notes
    -----
    Nonparametric bootstrap over targets (Efron & Tibshirani 1993): with the
    ``n`` targets in sorted id order, replicate ``b`` holds the targets
    ``default_rng(seed).integers(0, n, size=(n_boot, n))[b]`` (drawn with
    replacement); a target drawn twice counts as two targets.  All
    replicates are evaluated at once from per-target sums weighted by the
    draw counts (no loop over replicates).

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    Chapman & Hall.

    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
    intraclass correlation coefficients for reliability research. *Journal of
    Chiropractic Medicine*, 15(2), 155-163.

    Examples
    --------
    The Shrout & Fleiss (1979) ratings: with six targets the ICC3 could lie in
    almost any band:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats import icc_band_probabilities
    >>> scores = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
    ...                    [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    >>> data = pd.DataFrame({"target": np.repeat(np.arange(6), 4),
    ...                      "judge": np.tile(list("ABCD"), 6),
    ...                      "score": scores.ravel()})
    >>> res = icc_band_probabilities(data, targets="target", ratings="score", raters="judge",
    ...                              method="ICC3", n_boot=2000, seed=0)
    >>> res[["band", "probability"]].round(2)
            band  probability
    0       poor         0.07
    1   moderate         0.55
    2       good         0.37
    3  excellent         0.01
    """
    reps, n = _bootstrap_icc(data, targets, ratings, raters, method, n_boot, seed)
    valid = np.isfinite(reps)
    codes = koo_li_codes(reps[valid])
    n_valid = int(valid.sum())
    tallies = np.bincount(codes[codes >= 0], minlength=len(KOO_LI_BANDS))
    prob = tallies / n_valid if n_valid else np.full(len(KOO_LI_BANDS), np.nan)
    return pd.DataFrame(
        {
            "method": method,
            "band": list(KOO_LI_BANDS),
            "probability": prob,
            "n_targets": n,
            "n_boot": n_boot,
            "n_valid": n_valid,
        }
    )
