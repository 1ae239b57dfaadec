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

:func:`icc` is the researcher's entry point (as ``pingouin.intraclass_corr``):
the crossed design's six forms, one row each.  The bands of Koo & Li (2016)
are judged from the confidence interval (:func:`koo_li_band_from_ci`, in
:mod:`pilot_eval.stats.guidelines`), and :func:`icc_band_probabilities` (in
:mod:`pilot_eval.stats.icc_bootstrap`) gives the bootstrap probability of each
band; both are re-exported here.

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

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from pilot_eval.stats._checks import check_confidence
from pilot_eval.stats._icc_core import (
    CROSSED_TEXT,
    DESCRIPTIONS,
    ICC_METHODS,
    MCGRAW_WONG,
    crossed_matrix,
    crossed_mean_squares,
    f_isf,
    f_sf,
    icc_estimates,
    oneway_from_totals,
    oneway_groups,
)
from pilot_eval.stats.guidelines import KOO_LI_BANDS, koo_li_band, koo_li_band_from_ci
from pilot_eval.stats.icc_bootstrap import icc_band_probabilities

__all__ = [
    "ICC_METHODS",
    "KOO_LI_BANDS",
    "UnbalancedDesignWarning",
    "icc",
    "icc_crossed",
    "icc_oneway_unbalanced",
    "koo_li_band",
    "koo_li_band_from_ci",
    "icc_band_probabilities",
]


class UnbalancedDesignWarning(UserWarning):
    """:func:`icc_crossed` dropped targets that some rater did not rate."""


def icc(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    *,
    confidence: float = 0.95,
    unbalanced: Literal["warn", "drop", "raise"] = "warn",
) -> pd.DataFrame:
    """Intraclass correlations of long data, one row per Shrout & Fleiss form.

    The researcher's entry point, in the manner of
    ``pingouin.intraclass_corr(data, targets, raters, ratings)``: the crossed
    design (every target rated by the same raters) with the six forms ICC1,
    ICC2, ICC3, ICC1k, ICC2k and ICC3k, their F tests and exact intervals.
    For raters nested in targets with unequal numbers of raters per target
    use :func:`icc_oneway_unbalanced`.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per target x rater.
    targets, raters, ratings : str
        Column names of the rated targets, the raters and the numeric ratings.
    confidence : float, default 0.95
        Confidence level of the intervals.
    unbalanced : {"warn", "drop", "raise"}, default "warn"
        What to do with targets some rater did not rate (see :func:`icc_crossed`).

    Returns
    -------
    DataFrame
        As :func:`icc_crossed`: ``method``, ``description``, ``mcgraw_wong``,
        ``estimate``, ``f``, ``df1``, ``df2``, ``p_value``, ``ci_low``,
        ``ci_high``, ``n_targets``, ``n_raters``, ``n_dropped``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. *Psychological Bulletin*, 86(2), 420-428.

    Examples
    --------
    pingouin's own example (8 wines, 4 judges); the estimates equal
    ``pingouin.intraclass_corr(data, "Wine", "Judge", "Scores")["ICC"]``:

    >>> import pingouin as pg
    >>> import pilot_eval.stats as ps
    >>> data = pg.read_dataset("icc")
    >>> res = ps.icc(data, targets="Wine", raters="Judge", ratings="Scores")
    >>> res[["method", "mcgraw_wong", "estimate", "ci_low", "ci_high"]].round(3)
      method mcgraw_wong  estimate  ci_low  ci_high
    0   ICC1      ICC(1)     0.728   0.434    0.927
    1   ICC2    ICC(A,1)     0.728   0.434    0.927
    2   ICC3    ICC(C,1)     0.729   0.426    0.928
    3  ICC1k      ICC(k)     0.914   0.754    0.981
    4  ICC2k    ICC(A,k)     0.914   0.754    0.981
    5  ICC3k    ICC(C,k)     0.915   0.748    0.981
    """
    return icc_crossed(data, targets, raters, ratings, confidence=confidence, unbalanced=unbalanced)


def icc_crossed(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    confidence: float = 0.95,
    unbalanced: Literal["warn", "drop", "raise"] = "warn",
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
    unbalanced : {"warn", "drop", "raise"}, default "warn"
        What to do when some target lacks a rating from some rater (an
        unbalanced design, which the crossed ICCs do not cover): ``"warn"``
        drops those targets and issues an :class:`UnbalancedDesignWarning`
        saying how many and why; ``"drop"`` drops them silently (for callers
        that report ``n_dropped`` themselves); ``"raise"`` refuses with a
        ``ValueError``.

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
    counts those targets.  By default this is never silent (``unbalanced``);
    for raters nested in targets use :func:`icc_oneway_unbalanced`, which
    keeps every rating.  A (target, rater) pair rated twice is an error.

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

    Examples
    --------
    Shrout & Fleiss (1979), Table 2: six targets, four judges.  The published
    values are ICC(1,1) = 0.17, ICC(2,1) = 0.29, ICC(3,1) = 0.71, ICC(1,4) =
    0.44, ICC(2,4) = 0.62 and ICC(3,4) = 0.91:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats import icc_crossed
    >>> scores = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
    ...                    [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    >>> data = pd.DataFrame({"target": np.repeat(np.arange(6), 4),
    ...                      "judge": np.tile(list("ABCD"), 6),
    ...                      "score": scores.ravel()})
    >>> res = icc_crossed(data, "target", "judge", "score", confidence=0.95)
    >>> res.set_index("method")["estimate"].round(2).to_dict()
    {'ICC1': 0.17, 'ICC2': 0.29, 'ICC3': 0.71, 'ICC1k': 0.44, 'ICC2k': 0.62, 'ICC3k': 0.91}
    """
    alpha = check_confidence(confidence)
    if unbalanced not in ("warn", "drop", "raise"):
        raise ValueError(f"unbalanced must be 'warn', 'drop' or 'raise', got {unbalanced!r}")
    # the ANOVA is invariant to the order of targets and raters: no id sort
    matrix, n_dropped = crossed_matrix(data, targets, raters, ratings, sort=False)
    n, k = matrix.shape
    if n_dropped and unbalanced != "drop":
        what = (f"unbalanced design: {n_dropped} of {n + n_dropped} targets ({targets!r}) lack a "
                f"rating from at least one of the {k} raters ({raters!r})")
        if unbalanced == "raise":
            raise ValueError(f"{what}; the crossed ICCs need every target rated by every rater. "
                             "Use icc_oneway_unbalanced, or unbalanced='warn' to drop those targets.")
        warnings.warn(f"{what} and were dropped (listwise deletion): the ICCs use the {n} fully "
                      "rated targets. Use icc_oneway_unbalanced to keep every rating, or "
                      "unbalanced='drop' to drop them without this warning.",
                      UnbalancedDesignWarning, stacklevel=2)
    if n < 2 or k < 2:
        raise ValueError(
            f"need at least 2 fully rated targets and 2 raters, got {n} and {k}"
        )
    ms = crossed_mean_squares(matrix)
    msr, msw, msc, mse = ms["msr"], ms["msw"], ms["msc"], ms["mse"]
    est = icc_estimates(msr, msw, msc, mse, n, k)

    df1 = n - 1
    df2_one = n * (k - 1)
    df2_two = (n - 1) * (k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_one = msr / msw
        f_two = msr / mse
    p_one = f_sf(f_one, df1, df2_one)
    p_two = f_sf(f_two, df1, df2_two)

    # Case 1 (one-way) and case 3 (consistency): exact F intervals.
    f1_low = f_one / f_isf(alpha / 2, df1, df2_one)
    f1_high = f_one * f_isf(alpha / 2, df2_one, df1)
    f3_low = f_two / f_isf(alpha / 2, df1, df2_two)
    f3_high = f_two * f_isf(alpha / 2, df2_two, df1)
    # Case 2 (absolute agreement): Satterthwaite approximation.
    icc2 = est["ICC2"]
    # all scores equal: 0 / 0 mean squares give NaN limits, not a warning
    with np.errstate(divide="ignore", invalid="ignore"):
        fj = msc / mse
        vn = df2_two * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
        v = vn / vd
        f2_high = f_isf(alpha / 2, df1, v)
        f2_low = f_isf(alpha / 2, v, df1)
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
            **CROSSED_TEXT,
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

    Examples
    --------
    Four leaders rated by 2 to 4 raters each (raters nested in leaders):

    >>> import pandas as pd
    >>> from pilot_eval.stats import icc_oneway_unbalanced
    >>> data = pd.DataFrame({
    ...     "leader": ["a"] * 4 + ["b"] * 3 + ["c"] * 2 + ["d"] * 3,
    ...     "score": [4.0, 4.5, 5.0, 4.5, 2.0, 2.5, 3.0, 3.5, 3.0, 1.5, 2.0, 1.0],
    ... })
    >>> res = icc_oneway_unbalanced(data, targets="leader", ratings="score")
    >>> res[["method", "estimate", "ci_low", "ci_high", "n_targets", "n0"]].round(3)
      method  estimate  ci_low  ci_high  n_targets     n0
    0   ICC1     0.899   0.578    0.993          4  2.944
    1  ICC1k     0.963   0.801    0.997          4  2.944
    """
    alpha = check_confidence(confidence)
    counts, sums, ss_within = oneway_groups(data, targets, ratings)
    a = counts.size
    n_total = counts.sum()
    if a < 2 or n_total <= a:
        raise ValueError(
            "need at least 2 targets and at least one target with 2 or more ratings"
        )
    res = oneway_from_totals(
        n_total, a, sums.sum(), np.sum(sums**2 / counts), ss_within.sum(),
        np.sum(counts**2),
    )
    msb, msw, n0 = res["msb"], res["msw"], res["n0"]
    df1, df2 = a - 1, int(n_total - a)
    with np.errstate(divide="ignore", invalid="ignore"):
        f_value = msb / msw
    p_value = f_sf(f_value, df1, df2)
    f_low = f_value / f_isf(alpha / 2, df1, df2)
    f_high = f_value * f_isf(alpha / 2, df2, df1)
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
                "description": DESCRIPTIONS[method].replace(
                    "mean of k raters", "mean of n0 raters"
                )
                + " (unbalanced, n0-corrected)",
                "mcgraw_wong": MCGRAW_WONG[method],
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
