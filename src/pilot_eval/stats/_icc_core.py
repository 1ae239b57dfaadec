"""The ANOVA of an ICC, shared by :mod:`pilot_eval.stats.icc` and its bootstrap.

Targets x raters matrices from long data, two-way and one-way mean squares,
the six Shrout & Fleiss (1979) estimates from them, and F-distribution tails
without ``scipy.stats``' per-call checks.  Private: the public functions are in
:mod:`pilot_eval.stats.icc` and :mod:`pilot_eval.stats.icc_bootstrap`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from pilot_eval.stats._checks import as_float, require_columns

#: The six Shrout & Fleiss forms, in the order they are reported.
ICC_METHODS: tuple[str, ...] = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")

DESCRIPTIONS: dict[str, str] = {
    "ICC1": "one-way random effects, single rater",
    "ICC2": "two-way random effects, absolute agreement, single rater",
    "ICC3": "two-way mixed effects, consistency, single rater",
    "ICC1k": "one-way random effects, mean of k raters",
    "ICC2k": "two-way random effects, absolute agreement, mean of k raters",
    "ICC3k": "two-way mixed effects, consistency, mean of k raters",
}

# McGraw & Wong (1996), Table 4: one-way ICC(1) / ICC(k); two-way absolute
# agreement ICC(A,1) / ICC(A,k); two-way consistency ICC(C,1) / ICC(C,k).
MCGRAW_WONG: dict[str, str] = {
    "ICC1": "ICC(1)",
    "ICC2": "ICC(A,1)",
    "ICC3": "ICC(C,1)",
    "ICC1k": "ICC(k)",
    "ICC2k": "ICC(A,k)",
    "ICC3k": "ICC(C,k)",
}

# Text columns of the icc_crossed table, built once (str dtype, as pandas 3).
CROSSED_TEXT: dict[str, Any] = {
    "method": pd.array(list(ICC_METHODS), dtype="str"),
    "description": pd.array([DESCRIPTIONS[m] for m in ICC_METHODS], dtype="str"),
    "mcgraw_wong": pd.array([MCGRAW_WONG[m] for m in ICC_METHODS], dtype="str"),
}


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """Upper tail of the F distribution, ``scipy.stats.f.sf`` without its checks.

    ``stats.f.sf`` calls ``scipy.special.fdtrc`` after validating its
    arguments (1 for ``x < 0``, outside the support); the same here, at a
    fraction of the per-call cost.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 0, 1.0, special.fdtrc(dfn, dfd, np.where(x < 0, 0.0, x)))


def f_isf(q: Any, dfn: Any, dfd: Any) -> Any:
    """Upper quantile of the F distribution, as ``scipy.stats.f.isf``.

    ``stats.f.isf(q)`` is ``scipy.special.fdtri(dfn, dfd, 1 - q)`` (NaN for
    invalid degrees of freedom, as here).
    """
    return special.fdtri(dfn, dfd, 1.0 - np.asarray(q, dtype=np.float64))


def sorted_codes(
    column: pd.Series, name: str, rows: np.ndarray | None = None, sort: bool = True
) -> tuple[np.ndarray, int]:
    """Codes of ``column`` in sorted id order, restricted to ``rows`` if given.

    Equals ``pd.factorize(column[rows], sort=True)`` (codes and number of
    ids) but factorizes the whole column once, without copying a subset.
    ``sort=False`` numbers the ids in order of appearance instead (faster,
    for order-free statistics).
    """
    codes, uniques = pd.factorize(column, sort=sort)
    if rows is None:
        if (codes < 0).any():
            raise ValueError(f"missing ids in column {name!r}")
        return codes.astype(np.int64), len(uniques)
    codes = codes[rows]
    if (codes < 0).any():
        raise ValueError(f"missing ids in column {name!r}")
    used = np.bincount(codes, minlength=len(uniques)) > 0
    if used.all():
        return codes.astype(np.int64), len(uniques)
    return (np.cumsum(used) - 1)[codes], int(used.sum())


def crossed_matrix(
    data: pd.DataFrame, targets: str, raters: str, ratings: str, sort: bool = True
) -> tuple[np.ndarray, int]:
    """Targets x raters matrix of the targets rated by every rater.

    Returns the matrix (targets in sorted id order, raters in sorted id order;
    with ``sort=False`` in order of first appearance) and the number of
    targets dropped because a rating was missing.
    """
    require_columns(data, targets, raters, ratings)
    values = as_float(data[ratings])
    t_codes, n_targets_all = sorted_codes(data[targets], targets, sort=sort)
    present = ~np.isnan(values)
    all_present = bool(present.all())
    r_codes, n_raters = sorted_codes(
        data[raters], raters, None if all_present else present, sort=sort
    )
    if not all_present:
        t_codes = t_codes[present]
        values = values[present]

    cell = t_codes * n_raters + r_codes
    if cell.size and np.bincount(cell, minlength=n_targets_all * n_raters).max() > 1:
        raise ValueError(
            f"more than one rating for some ({targets}, {raters}) pair; "
            "aggregate them before computing the ICC"
        )
    per_target = np.bincount(t_codes, minlength=n_targets_all)
    complete = per_target == n_raters
    n_complete = int(complete.sum())
    if n_complete == n_targets_all:
        matrix = np.empty((n_targets_all, n_raters), dtype=np.float64)
        matrix.reshape(-1)[cell] = values
        return matrix, 0
    row_of = np.cumsum(complete) - 1
    keep = complete[t_codes]
    matrix = np.empty((n_complete, n_raters), dtype=np.float64)
    matrix[row_of[t_codes[keep]], r_codes[keep]] = values[keep]
    return matrix, int(n_targets_all - n_complete)


def crossed_mean_squares(matrix: np.ndarray) -> dict[str, float]:
    """Two-way ANOVA mean squares (rows = targets, columns = raters)."""
    n, k = matrix.shape
    grand = matrix.mean()
    row_means = matrix.mean(axis=1)
    col_means = matrix.mean(axis=0)
    ss_rows = k * np.sum((row_means - grand) ** 2)
    ss_cols = n * np.sum((col_means - grand) ** 2)
    ss_within = np.sum((matrix - row_means[:, None]) ** 2)
    resid = matrix - row_means[:, None] - col_means[None, :] + grand
    ss_error = np.sum(resid**2)
    return {
        "msr": ss_rows / (n - 1),
        "msw": ss_within / (n * (k - 1)),
        "msc": ss_cols / (k - 1),
        "mse": ss_error / ((n - 1) * (k - 1)),
    }


def icc_estimates(
    msr: Any, msw: Any, msc: Any, mse: Any, n: Any, k: Any
) -> dict[str, Any]:
    """The six Shrout & Fleiss estimates (works elementwise on arrays)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ICC1": (msr - msw) / (msr + (k - 1) * msw),
            "ICC2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
            "ICC3": (msr - mse) / (msr + (k - 1) * mse),
            "ICC1k": (msr - msw) / msr,
            "ICC2k": (msr - mse) / (msr + (msc - mse) / n),
            "ICC3k": (msr - mse) / msr,
        }


def oneway_groups(
    data: pd.DataFrame, targets: str, ratings: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-target counts, (centred) sums and within sums of squares."""
    require_columns(data, targets, ratings)
    values = as_float(data[ratings])
    present = ~np.isnan(values)
    codes, n_groups = sorted_codes(data[targets], targets, present)
    y = values[present]
    y = y - y.mean() if y.size else y  # centre: ICC is shift invariant
    counts = np.bincount(codes, minlength=n_groups).astype(np.float64)
    sums = np.bincount(codes, weights=y, minlength=n_groups)
    means = sums / counts
    ss_within = np.bincount(codes, weights=(y - means[codes]) ** 2, minlength=n_groups)
    return counts, sums, ss_within


def oneway_from_totals(
    n_total: Any,
    n_groups: Any,
    sum_y: Any,
    sum_group_sq_over_n: Any,
    ss_within: Any,
    sum_n_sq: Any,
) -> dict[str, Any]:
    """Mean squares, n0 and ICC(1) / ICC(k) from group totals.

    Works elementwise, so the bootstrap evaluates all replicates at once.
    ``sum_group_sq_over_n`` is sum_i (sum_i y)^2 / n_i.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ss_between = sum_group_sq_over_n - sum_y**2 / n_total
        msb = ss_between / (n_groups - 1)
        msw = ss_within / (n_total - n_groups)
        n0 = (n_total - sum_n_sq / n_total) / (n_groups - 1)
        icc1 = (msb - msw) / (msb + (n0 - 1) * msw)
        icc1k = (msb - msw) / msb
    return {"msb": msb, "msw": msw, "n0": n0, "ICC1": icc1, "ICC1k": icc1k}
