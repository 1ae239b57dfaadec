"""Internal consistency of a multi-item instrument: Cronbach's alpha.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
*Psychometrika*, 16(3), 297-334.

Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from pilot_eval.stats._checks import check_confidence, renamed_arguments, require_columns

__all__ = ["cronbach_alpha"]


@renamed_arguments(subjects="targets", items="raters", scores="ratings")
def cronbach_alpha(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Cronbach's alpha with Feldt's F-based confidence interval.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per respondent x item.
    targets, raters, ratings : str
        Column names of the respondents (the measured targets, e.g.
        ``rater_id``), the items (which play the raters' part) and the numeric
        scores.  The names are those of the ICC and agreement functions
        because alpha *is* an ICC: with the items as raters it equals the
        two-way consistency ICC of the mean of ``k`` raters, ICC(C,k) = ICC3k
        (McGraw & Wong 1996).  (pilot-eval 0.1 called these ``subjects``, ``items``
        and ``scores``; the old keywords still work for one release, with a
        ``DeprecationWarning``.)
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        One row: ``estimate``, ``ci_low``, ``ci_high``, ``n_subjects``
        (complete subjects used), ``n_items`` and ``n_dropped`` (subjects
        dropped for a missing item).

    Notes
    -----
    ``alpha = k / (k - 1) * (1 - sum(var(item)) / var(total))`` over the
    ``k`` items (variances with ``n - 1``).  Subjects missing any item are
    dropped (listwise deletion, as ``psych::alpha(use="complete.obs")``); an
    item is missing when its score is missing or its row is absent.

    Feldt's interval: with ``n`` subjects, ``df1 = n - 1`` and ``df2 = (n -
    1)(k - 1)``, ``[1 - (1 - alpha) F_{1-g/2}(df1, df2), 1 - (1 - alpha)
    F_{g/2}(df1, df2)]`` with ``g = 1 - confidence`` (Feldt, Woodruff & Salih
    1987), as ``psych::alpha``'s Feldt bounds and ``pingouin.cronbach_alpha``.
    Here ``n`` counts the subjects actually used: pingouin (0.7) counts the
    subjects before listwise deletion.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika*, 16(3), 297-334.

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical
    inference for coefficient alpha. *Applied Psychological Measurement*,
    11(1), 93-103.

    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some
    intraclass correlation coefficients. *Psychological Methods*, 1(1), 30-46.

    Examples
    --------
    Five respondents answer three items; alpha equals ICC3k with the items as
    raters:

    >>> import pandas as pd
    >>> import pilot_eval.stats as ps
    >>> data = pd.DataFrame({
    ...     "respondent": [r for r in range(5) for _ in range(3)],
    ...     "item": ["q1", "q2", "q3"] * 5,
    ...     "score": [4, 5, 4, 2, 3, 3, 5, 5, 4, 3, 3, 2, 1, 2, 2],
    ... })
    >>> res = ps.cronbach_alpha(data, targets="respondent", raters="item", ratings="score")
    >>> res.round(3)
       estimate  ci_low  ci_high  n_subjects  n_items  n_dropped
    0     0.944   0.717    0.994           5        3          0
    >>> icc3k = ps.icc(data, targets="respondent", raters="item", ratings="score")
    >>> round(float(icc3k.set_index("method").loc["ICC3k", "estimate"]), 3)
    0.944
    """
    check_confidence(confidence)
    require_columns(data, targets, raters, ratings)
    values = pd.to_numeric(data[ratings]).to_numpy(dtype=np.float64, na_value=np.nan)
    # alpha does not depend on the order of subjects or items: no id sort
    s_codes, s_uniques = pd.factorize(data[targets], sort=False)
    i_codes, i_uniques = pd.factorize(data[raters], sort=False)
    if (s_codes < 0).any() or (i_codes < 0).any():
        raise ValueError("missing subject or item ids")
    n_all, k = len(s_uniques), len(i_uniques)
    cell = s_codes.astype(np.int64) * k + i_codes
    if cell.size and np.bincount(cell, minlength=n_all * k).max() > 1:
        raise ValueError(f"more than one score for some ({targets}, {raters}) pair")
    flat = np.full(n_all * k, np.nan)
    flat[cell] = values
    matrix = flat.reshape(n_all, k)
    complete = ~np.isnan(matrix).any(axis=1)
    matrix = matrix[complete]
    n = matrix.shape[0]
    if k < 2 or n < 2:
        raise ValueError(f"need at least 2 items and 2 complete subjects, got {k} and {n}")
    item_var = matrix.var(axis=0, ddof=1).sum()
    total_var = matrix.sum(axis=1).var(ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = k / (k - 1) * (1.0 - item_var / total_var)
    gamma = 1.0 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    # F quantiles: stats.f.isf(q) = fdtri(df1, df2, 1 - q), stats.f.ppf(q) =
    # fdtri(df1, df2, q), without scipy.stats' per-call argument checks
    low = 1.0 - (1.0 - alpha) * special.fdtri(df1, df2, 1.0 - gamma / 2)
    high = 1.0 - (1.0 - alpha) * special.fdtri(df1, df2, gamma / 2)
    return pd.DataFrame(
        {
            "estimate": [float(alpha)],
            "ci_low": [float(low)],
            "ci_high": [float(high)],
            "n_subjects": [n],
            "n_items": [k],
            "n_dropped": [int(n_all - n)],
        }
    )
