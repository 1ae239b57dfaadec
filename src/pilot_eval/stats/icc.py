"""Intraclass correlation coefficients (ICC) and their Koo & Li (2016) bands.

Two designs are covered:

* :func:`icc_crossed` - the balanced, crossed design of Shrout & Fleiss (1979):
  every target is rated by the same set of raters (e.g. sessions coded by the
  same observers).  Returns the six Shrout & Fleiss forms with exact F-based
  confidence intervals, identical to R ``psych::ICC`` and
  ``pingouin.intraclass_corr``.
* :func:`icc_oneway_unbalanced` - the one-way random-effects design with
  unequal group sizes (e.g. 360 raters nested in leaders, each leader rated by
  a different number of raters).  Uses the ANOVA estimator with the ``n0``
  correction (Searle 1971; Donner 1986), as R ``ICC::ICCest``.

The bands of Koo & Li (2016) are judged from the confidence interval
(:func:`koo_li_band_from_ci`), and :func:`icc_band_probabilities` gives the
bootstrap probability of each band.

References
----------
Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
assessing rater reliability. *Psychological Bulletin*, 86(2), 420-428.

McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
correlation coefficients. *Psychological Methods*, 1(1), 30-46.

Searle, S. R. (1971). *Linear Models*. Wiley.

Donner, A. (1986). A review of inference procedures for the intraclass
correlation coefficient in the one-way random effects model. *International
Statistical Review*, 54(1), 67-82.

Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
intraclass correlation coefficients for reliability research. *Journal of
Chiropractic Medicine*, 15(2), 155-163.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

__all__ = [
    "ICC_METHODS",
    "KOO_LI_BANDS",
    "icc_crossed",
    "icc_oneway_unbalanced",
    "koo_li_band",
    "koo_li_band_from_ci",
    "icc_band_probabilities",
]

#: The six Shrout & Fleiss forms, in the order they are reported.
ICC_METHODS: tuple[str, ...] = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")

_DESCRIPTIONS: dict[str, str] = {
    "ICC1": "one-way random effects, single rater",
    "ICC2": "two-way random effects, absolute agreement, single rater",
    "ICC3": "two-way mixed effects, consistency, single rater",
    "ICC1k": "one-way random effects, mean of k raters",
    "ICC2k": "two-way random effects, absolute agreement, mean of k raters",
    "ICC3k": "two-way mixed effects, consistency, mean of k raters",
}

# McGraw & Wong (1996), Table 4: one-way ICC(1) / ICC(k); two-way absolute
# agreement ICC(A,1) / ICC(A,k); two-way consistency ICC(C,1) / ICC(C,k).
_MCGRAW_WONG: dict[str, str] = {
    "ICC1": "ICC(1)",
    "ICC2": "ICC(A,1)",
    "ICC3": "ICC(C,1)",
    "ICC1k": "ICC(k)",
    "ICC2k": "ICC(A,k)",
    "ICC3k": "ICC(C,k)",
}

# Text columns of the icc_crossed table, built once (str dtype, as pandas 3).
_CROSSED_TEXT: dict[str, Any] = {
    "method": pd.array(list(ICC_METHODS), dtype="str"),
    "description": pd.array([_DESCRIPTIONS[m] for m in ICC_METHODS], dtype="str"),
    "mcgraw_wong": pd.array([_MCGRAW_WONG[m] for m in ICC_METHODS], dtype="str"),
}

#: Koo & Li (2016) reliability bands, from lowest to highest.
KOO_LI_BANDS: tuple[str, ...] = ("poor", "moderate", "good", "excellent")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _require_columns(data: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {missing}")


def _as_float(series: pd.Series) -> np.ndarray:
    """Numeric column as float64 with NaN for missing (nullable dtypes too)."""
    if series.dtype == np.float64:
        return series.to_numpy()
    return pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan)


def _check_confidence(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return 1.0 - confidence


def _f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """Upper tail of the F distribution, ``scipy.stats.f.sf`` without its checks.

    ``stats.f.sf`` calls ``scipy.special.fdtrc`` after validating its
    arguments (1 for ``x < 0``, outside the support); the same here, at a
    fraction of the per-call cost.
    """
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 0, 1.0, special.fdtrc(dfn, dfd, np.where(x < 0, 0.0, x)))


def _f_isf(q: Any, dfn: Any, dfd: Any) -> Any:
    """Upper quantile of the F distribution, as ``scipy.stats.f.isf``.

    ``stats.f.isf(q)`` is ``scipy.special.fdtri(dfn, dfd, 1 - q)`` (NaN for
    invalid degrees of freedom, as here).
    """
    return special.fdtri(dfn, dfd, 1.0 - np.asarray(q, dtype=np.float64))


def _sorted_codes(
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


def _crossed_matrix(
    data: pd.DataFrame, targets: str, raters: str, ratings: str, sort: bool = True
) -> tuple[np.ndarray, int]:
    """Targets x raters matrix of the targets rated by every rater.

    Returns the matrix (targets in sorted id order, raters in sorted id order;
    with ``sort=False`` in order of first appearance) and the number of
    targets dropped because a rating was missing.
    """
    _require_columns(data, targets, raters, ratings)
    values = _as_float(data[ratings])
    t_codes, n_targets_all = _sorted_codes(data[targets], targets, sort=sort)
    present = ~np.isnan(values)
    all_present = bool(present.all())
    r_codes, n_raters = _sorted_codes(
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


def _crossed_mean_squares(matrix: np.ndarray) -> dict[str, float]:
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


def _icc_estimates(
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


# --------------------------------------------------------------------------
# balanced crossed design
# --------------------------------------------------------------------------
def icc_crossed(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The six Shrout & Fleiss ICCs for a balanced, crossed design.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per target x rater.
    targets, raters, ratings : str
        Column names of the rated targets (e.g. ``session_id``), the raters
        (e.g. ``observer_id``) and the numeric ratings.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per form, in the order ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k,
        with columns ``method``, ``description``, ``mcgraw_wong`` (McGraw &
        Wong 1996 name: ``ICC(1)``, ``ICC(A,1)``, ``ICC(C,1)``, ``ICC(k)``,
        ``ICC(A,k)``, ``ICC(C,k)``), ``estimate``, ``f``, ``df1``, ``df2``,
        ``p_value``, ``ci_low``, ``ci_high``, ``n_targets``, ``n_raters`` and
        ``n_dropped``.

    Notes
    -----
    Rows with a missing rating are ignored; a target without a rating from
    every rater is then dropped whole (listwise deletion, as ``psych::ICC``
    and ``pingouin.intraclass_corr(nan_policy="omit")``), and ``n_dropped``
    counts those targets.  A (target, rater) pair rated twice is an error.

    ``f`` is ``MSR / MSW`` for the one-way forms and ``MSR / MSE`` for the
    two-way forms, tested against ``F(n - 1, n (k - 1))`` and
    ``F(n - 1, (n - 1)(k - 1))``.  Intervals are the exact F intervals of
    Shrout & Fleiss (1979); ICC2 / ICC2k use the Satterthwaite-type degrees of
    freedom of McGraw & Wong (1996), exactly as ``psych::ICC`` computes them.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. *Psychological Bulletin*, 86(2), 420-428.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
    intraclass correlation coefficients. *Psychological Methods*, 1(1), 30-46.
    """
    alpha = _check_confidence(confidence)
    # the ANOVA is invariant to the order of targets and raters: no id sort
    matrix, n_dropped = _crossed_matrix(data, targets, raters, ratings, sort=False)
    n, k = matrix.shape
    if n < 2 or k < 2:
        raise ValueError(
            f"need at least 2 fully rated targets and 2 raters, got {n} and {k}"
        )
    ms = _crossed_mean_squares(matrix)
    msr, msw, msc, mse = ms["msr"], ms["msw"], ms["msc"], ms["mse"]
    est = _icc_estimates(msr, msw, msc, mse, n, k)

    df1 = n - 1
    df2_one = n * (k - 1)
    df2_two = (n - 1) * (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_one = msr / msw
        f_two = msr / mse
    p_one = _f_sf(f_one, df1, df2_one)
    p_two = _f_sf(f_two, df1, df2_two)

    # Case 1 (one-way) and case 3 (consistency): exact F intervals.
    f1_low = f_one / _f_isf(alpha / 2, df1, df2_one)
    f1_high = f_one * _f_isf(alpha / 2, df2_one, df1)
    f3_low = f_two / _f_isf(alpha / 2, df1, df2_two)
    f3_high = f_two * _f_isf(alpha / 2, df2_two, df1)
    # Case 2 (absolute agreement): Satterthwaite approximation.
    icc2 = est["ICC2"]
    fj = msc / mse
    vn = df2_two * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f2_high = _f_isf(alpha / 2, df1, v)
    f2_low = _f_isf(alpha / 2, v, df1)
    denom = k * msc + (k * n - k - n) * mse
    l2 = n * (msr - f2_high * mse) / (f2_high * denom + n * msr)
    u2 = n * (f2_low * msr - mse) / (denom + n * f2_low * msr)

    ci = {
        "ICC1": ((f1_low - 1) / (f1_low + k - 1), (f1_high - 1) / (f1_high + k - 1)),
        "ICC2": (l2, u2),
        "ICC3": ((f3_low - 1) / (f3_low + k - 1), (f3_high - 1) / (f3_high + k - 1)),
        "ICC1k": (1 - 1 / f1_low, 1 - 1 / f1_high),
        "ICC2k": (l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
        "ICC3k": (1 - 1 / f3_low, 1 - 1 / f3_high),
    }
    one_way = np.array([m in ("ICC1", "ICC1k") for m in ICC_METHODS])
    n_forms = len(ICC_METHODS)
    return pd.DataFrame(
        {
            **_CROSSED_TEXT,
            "estimate": np.array([est[m] for m in ICC_METHODS], dtype=np.float64),
            "f": np.where(one_way, f_one, f_two).astype(np.float64),
            "df1": np.full(n_forms, df1, dtype=np.int64),
            "df2": np.where(one_way, df2_one, df2_two).astype(np.int64),
            "p_value": np.where(one_way, p_one, p_two).astype(np.float64),
            "ci_low": np.array([ci[m][0] for m in ICC_METHODS], dtype=np.float64),
            "ci_high": np.array([ci[m][1] for m in ICC_METHODS], dtype=np.float64),
            "n_targets": np.full(n_forms, n, dtype=np.int64),
            "n_raters": np.full(n_forms, k, dtype=np.int64),
            "n_dropped": np.full(n_forms, n_dropped, dtype=np.int64),
        }
    )


# --------------------------------------------------------------------------
# one-way design, unequal numbers of raters per target
# --------------------------------------------------------------------------
def _oneway_groups(
    data: pd.DataFrame, targets: str, ratings: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-target counts, (centred) sums and within sums of squares."""
    _require_columns(data, targets, ratings)
    values = _as_float(data[ratings])
    present = ~np.isnan(values)
    codes, n_groups = _sorted_codes(data[targets], targets, present)
    y = values[present]
    y = y - y.mean() if y.size else y  # centre: ICC is shift invariant
    counts = np.bincount(codes, minlength=n_groups).astype(np.float64)
    sums = np.bincount(codes, weights=y, minlength=n_groups)
    means = sums / counts
    ss_within = np.bincount(codes, weights=(y - means[codes]) ** 2, minlength=n_groups)
    return counts, sums, ss_within


def _oneway_from_totals(
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


def icc_oneway_unbalanced(
    data: pd.DataFrame,
    targets: str,
    ratings: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One-way random-effects ICC for unequal numbers of ratings per target.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per rating.  Rater identity is not used: raters are
        treated as nested in targets (each target rated by its own raters).
    targets, ratings : str
        Column names of the targets (e.g. ``leader_id``) and numeric ratings.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Two rows, ``ICC1`` (reliability of one rating) and ``ICC1k``
        (reliability of the mean of ``n0`` ratings), with columns ``method``,
        ``description``, ``mcgraw_wong``, ``estimate``, ``f``, ``df1``,
        ``df2``, ``p_value``, ``ci_low``, ``ci_high``, ``n_targets``,
        ``n_ratings``, ``mean_raters``, ``min_raters``, ``max_raters`` and
        ``n0``.

    Notes
    -----
    With ``a`` targets, ``n_i`` ratings of target ``i`` and ``N = sum n_i``,
    the one-way ANOVA gives ``MSB`` (``a - 1`` df) and ``MSW`` (``N - a`` df),
    and

    * ``n0 = (N - sum n_i**2 / N) / (a - 1)`` (equals ``k`` when balanced),
    * ``ICC1 = (MSB - MSW) / (MSB + (n0 - 1) MSW)``,
    * ``ICC1k = (MSB - MSW) / MSB``: the Spearman-Brown step-up of ICC1 to
      ``k = n0`` raters (not to the arithmetic ``mean_raters``); with equal
      group sizes it is Shrout & Fleiss' ICC(1,k).

    ``F = MSB / MSW`` on ``(a - 1, N - a)`` df.  The interval is the
    approximate F interval with ``n0`` in place of ``k`` (Searle 1971;
    Donner 1986, the "THD" interval of R ``ICC::ICCest``):
    ``F_L = F / F_{1-alpha/2}(a-1, N-a)``, ``F_U = F * F_{1-alpha/2}(N-a, a-1)``,
    ``ICC1`` in ``[(F_L - 1)/(F_L + n0 - 1), (F_U - 1)/(F_U + n0 - 1)]`` and
    ``ICC1k`` in ``[1 - 1/F_L, 1 - 1/F_U]``.  On balanced data every number
    equals :func:`icc_crossed`'s ICC1 / ICC1k.

    Missing ratings are ignored.  Targets with a single rating are kept: they
    add to ``MSB`` and ``N`` but nothing within.

    References
    ----------
    Searle, S. R. (1971). *Linear Models*. Wiley, ch. 9.

    Donner, A. (1986). A review of inference procedures for the intraclass
    correlation coefficient in the one-way random effects model.
    *International Statistical Review*, 54(1), 67-82.

    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. *Psychological Bulletin*, 86(2), 420-428.
    """
    alpha = _check_confidence(confidence)
    counts, sums, ss_within = _oneway_groups(data, targets, ratings)
    a = counts.size
    n_total = counts.sum()
    if a < 2 or n_total <= a:
        raise ValueError(
            "need at least 2 targets and at least one target with 2 or more ratings"
        )
    res = _oneway_from_totals(
        n_total, a, sums.sum(), np.sum(sums**2 / counts), ss_within.sum(),
        np.sum(counts**2),
    )
    msb, msw, n0 = res["msb"], res["msw"], res["n0"]
    df1, df2 = a - 1, int(n_total - a)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_value = msb / msw
    p_value = _f_sf(f_value, df1, df2)
    f_low = f_value / _f_isf(alpha / 2, df1, df2)
    f_high = f_value * _f_isf(alpha / 2, df2, df1)
    ci = {
        "ICC1": ((f_low - 1) / (f_low + n0 - 1), (f_high - 1) / (f_high + n0 - 1)),
        "ICC1k": (1 - 1 / f_low, 1 - 1 / f_high),
    }
    common = {
        "f": float(f_value),
        "df1": df1,
        "df2": df2,
        "p_value": float(p_value),
        "n_targets": a,
        "n_ratings": int(n_total),
        "mean_raters": float(n_total / a),
        "min_raters": int(counts.min()),
        "max_raters": int(counts.max()),
        "n0": float(n0),
    }
    rows = []
    for method in ("ICC1", "ICC1k"):
        rows.append(
            {
                "method": method,
                "description": _DESCRIPTIONS[method].replace(
                    "mean of k raters", "mean of n0 raters"
                )
                + " (unbalanced, n0-corrected)",
                "mcgraw_wong": _MCGRAW_WONG[method],
                "estimate": float(res[method]),
                "ci_low": float(ci[method][0]),
                "ci_high": float(ci[method][1]),
                **common,
            }
        )
    cols = [
        "method", "description", "mcgraw_wong", "estimate", "f", "df1", "df2",
        "p_value", "ci_low", "ci_high", "n_targets", "n_ratings", "mean_raters",
        "min_raters", "max_raters", "n0",
    ]
    return pd.DataFrame(rows)[cols]


# --------------------------------------------------------------------------
# Koo & Li (2016) bands
# --------------------------------------------------------------------------
def _band_codes(values: np.ndarray) -> np.ndarray:
    """0..3 for poor..excellent, -1 for missing.

    < 0.50 poor; [0.50, 0.75) moderate; [0.75, 0.90] good; > 0.90 excellent.
    """
    codes = np.select(
        [values < 0.50, values < 0.75, values <= 0.90, values > 0.90],
        [0, 1, 2, 3],
        default=-1,
    )
    return codes


def _labels_like(value: Any, labels: np.ndarray) -> Any:
    """Return labels shaped like the input: str / None, Series or ndarray."""
    if isinstance(value, pd.Series):
        return pd.Series(labels, index=value.index, name=value.name, dtype="str")
    if np.ndim(value) == 0:
        item = labels.reshape(-1)[0]
        return None if item is None else str(item)
    return labels


def koo_li_band(value: Any) -> Any:
    """Koo & Li (2016) reliability band of an ICC value.

    Parameters
    ----------
    value : float, array-like or Series
        ICC value(s).

    Returns
    -------
    str, ndarray or Series
        ``"poor"`` (< 0.50), ``"moderate"`` (0.50 to < 0.75), ``"good"``
        (0.75 to 0.90) or ``"excellent"`` (> 0.90); ``None`` (missing) for
        NaN.  Same shape as the input; a Series keeps its index.

    Notes
    -----
    Koo & Li give the bands as "less than 0.5", "between 0.5 and 0.75",
    "between 0.75 and 0.9" and "greater than 0.90"; boundary values go to the
    upper band except 0.90, which is "good" (excellent needs > 0.90).

    References
    ----------
    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
    intraclass correlation coefficients for reliability research. *Journal of
    Chiropractic Medicine*, 15(2), 155-163.
    """
    arr = np.asarray(value, dtype=np.float64)
    codes = _band_codes(np.atleast_1d(arr))
    names = np.array(list(KOO_LI_BANDS) + [None], dtype=object)
    labels = names[codes].reshape(arr.shape) if arr.ndim else names[codes]
    return _labels_like(value, labels)


def koo_li_band_from_ci(ci_low: Any, ci_high: Any) -> Any:
    """Koo & Li (2016) band judged from a confidence interval.

    Parameters
    ----------
    ci_low, ci_high : float, array-like or Series
        Lower and upper confidence limits of the ICC.

    Returns
    -------
    str, ndarray or Series
        The band containing the whole interval (e.g. ``"good"``) when both
        limits fall in one band; otherwise ``"<band of ci_low> to <band of
        ci_high>"`` (e.g. ``"moderate to good"``, ``"poor to excellent"``).
        ``None`` when a limit is missing.

    Notes
    -----
    Koo & Li (2016) recommend judging the level of reliability from the 95 %
    confidence interval rather than the point estimate: "if the 95 % CI of an
    ICC estimate is 0.83-0.94, the level of reliability can be regarded as
    'good' to 'excellent'".  Bands of the limits use :func:`koo_li_band`.

    References
    ----------
    Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
    intraclass correlation coefficients for reliability research. *Journal of
    Chiropractic Medicine*, 15(2), 155-163.
    """
    low = np.asarray(ci_low, dtype=np.float64)
    high = np.asarray(ci_high, dtype=np.float64)
    low, high = np.broadcast_arrays(low, high)
    if np.any(low > high):
        raise ValueError("ci_low must not exceed ci_high")
    lo_codes = _band_codes(np.atleast_1d(low))
    hi_codes = _band_codes(np.atleast_1d(high))
    names = np.array(KOO_LI_BANDS, dtype=object)
    out = np.empty(lo_codes.shape, dtype=object)
    valid = (lo_codes >= 0) & (hi_codes >= 0)
    same = valid & (lo_codes == hi_codes)
    out[same] = names[lo_codes[same]]
    diff = valid & ~same
    out[diff] = names[lo_codes[diff]] + " to " + names[hi_codes[diff]]
    out[~valid] = None
    if low.ndim:
        out = out.reshape(low.shape)
    template = ci_low if isinstance(ci_low, pd.Series) else (
        ci_high if isinstance(ci_high, pd.Series) else ci_low
    )
    if isinstance(template, pd.Series):
        return pd.Series(out, index=template.index, dtype="str")
    if low.ndim == 0:
        return _labels_like(0.0, out)
    return out


def _bootstrap_counts(n: int, n_boot: int, seed: int | None) -> np.ndarray:
    """(n_boot, n) resampling counts: row b says how often each unit is drawn.

    Replicate ``b`` draws the units
    ``numpy.random.default_rng(seed).integers(0, n, size=(n_boot, n))[b]``
    (``n`` draws with replacement); the counts are tallied for all
    replicates at once by one ``np.bincount`` of the draws offset by
    ``b * n``.  Returned as float64, ready for matrix products.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be >= 1")
    if n < 1:
        raise ValueError("need at least one unit to resample")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_boot, n))
    draws += (np.arange(n_boot, dtype=draws.dtype) * n)[:, None]
    counts = np.bincount(draws.reshape(-1), minlength=n_boot * n)
    return counts.reshape(n_boot, n).astype(np.float64)


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
        counts, sums, ss_within = _oneway_groups(data, targets, ratings)
        a = counts.size
        w = _bootstrap_counts(a, n_boot, seed)
        res = _oneway_from_totals(
            w @ counts, a, w @ sums, w @ (sums**2 / counts), w @ ss_within,
            w @ counts**2,
        )
        return np.asarray(res[method], dtype=np.float64), a
    if method not in ICC_METHODS:
        raise ValueError(f"method must be one of {ICC_METHODS}, got {method!r}")
    matrix, _ = _crossed_matrix(data, targets, raters, ratings)
    n, k = matrix.shape
    if n < 2 or k < 2:
        raise ValueError("need at least 2 fully rated targets and 2 raters")
    x = matrix - matrix.mean()
    w = _bootstrap_counts(n, n_boot, seed)
    row_sums = x.sum(axis=1)
    total = w @ row_sums
    correction = total**2 / (n * k)
    ss_total = w @ np.sum(x**2, axis=1) - correction
    ss_rows = (w @ (row_sums**2)) / k - correction
    col_sums = w @ x
    ss_cols = np.sum(col_sums**2, axis=1) / n - correction
    ss_error = ss_total - ss_rows - ss_cols
    ss_within = ss_total - ss_rows
    est = _icc_estimates(
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
    """
    reps, n = _bootstrap_icc(data, targets, ratings, raters, method, n_boot, seed)
    valid = np.isfinite(reps)
    codes = _band_codes(reps[valid])
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
