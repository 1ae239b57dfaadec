"""Cohen's (weighted) kappa and Fleiss' kappa with asymptotic standard errors.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational
and Psychological Measurement*, 20(1), 37-46.

Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70(4), 213-220.

Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard
errors of kappa and weighted kappa. *Psychological Bulletin*, 72(5), 323-327.

Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
*Psychological Bulletin*, 76(5), 378-382.

Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of
kappa in the case of different sets of raters. *Psychological Bulletin*,
86(5), 974-977.

Fleiss, J. L., Levin, B., & Paik, M. C. (2003). *Statistical Methods for Rates
and Proportions* (3rd ed.). Wiley, ch. 18.

Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for
categorical data. *Biometrics*, 33(1), 159-174.
"""

from __future__ import annotations

from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.stats._checks import renamed_arguments, require_columns, z_critical
from pilot_eval.stats.guidelines import LANDIS_KOCH_LABELS, landis_koch_label

__all__ = ["cohen_kappa", "fleiss_kappa", "landis_koch_label", "LANDIS_KOCH_LABELS"]


def _first_two_coders(
    data: pd.DataFrame, targets: str, raters: str, ratings: str
) -> tuple[pd.Series, pd.Series]:
    """Values of the first two coders (by sorted coder id) of each unit."""
    require_columns(data, targets, raters, ratings)
    df = data.loc[data[ratings].notna().to_numpy(), [targets, raters, ratings]]
    if df[[targets, raters]].duplicated().any():
        raise ValueError(f"more than one value for some ({targets}, {raters}) pair")
    df = df.sort_values([targets, raters], kind="stable")
    position = df.groupby(targets, sort=False, observed=True).cumcount().to_numpy()
    first = df.loc[position == 0].set_index(targets)[ratings]
    second = df.loc[position == 1].set_index(targets)[ratings]
    first = first.loc[second.index]
    return first, second


def _category_codes(
    first: pd.Series, second: pd.Series, categories: Sequence[Any] | None
) -> tuple[np.ndarray, np.ndarray, int]:
    if categories is None:
        both = pd.concat([first, second], ignore_index=True)
        cats = pd.Index(pd.unique(both)).sort_values()
    else:
        cats = pd.Index(categories)
        if cats.has_duplicates:
            raise ValueError("categories has duplicates")
    c1 = cats.get_indexer(pd.Index(first))
    c2 = cats.get_indexer(pd.Index(second))
    if (c1 < 0).any() or (c2 < 0).any():
        raise ValueError("data contain values outside categories")
    return c1, c2, len(cats)


def _agreement_weights(n_cat: int, weights: str | None) -> np.ndarray:
    """Agreement weights w_ij (1 on the diagonal) on category ranks."""
    if weights is None:
        return np.eye(n_cat)
    if n_cat < 2:
        return np.ones((n_cat, n_cat))
    idx = np.arange(n_cat, dtype=np.float64)
    dist = np.abs(idx[:, None] - idx[None, :]) / (n_cat - 1)
    if weights == "linear":
        return 1.0 - dist
    if weights == "quadratic":
        return 1.0 - dist**2
    raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")


def _kappa_from_table(
    table: np.ndarray, w: np.ndarray
) -> dict[str, float]:
    """Kappa and Fleiss-Cohen-Everitt (1969) variances from a count table."""
    n = table.sum()
    p = table / n
    row = p.sum(axis=1)
    col = p.sum(axis=0)
    p_o = np.sum(w * p)
    p_e = np.sum(w * np.outer(row, col))
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (p_o - p_e) / (1.0 - p_e)
        w_row = w @ col  # w-bar_i. = sum_j p_.j w_ij
        w_col = row @ w  # w-bar_.j = sum_i p_i. w_ij
        wsum = w_row[:, None] + w_col[None, :]
        var = (
            np.sum(p * (w - wsum * (1.0 - kappa)) ** 2)
            - (kappa - p_e * (1.0 - kappa)) ** 2
        ) / (n * (1.0 - p_e) ** 2)
        var0 = (np.sum(np.outer(row, col) * (w - wsum) ** 2) - p_e**2) / (
            n * (1.0 - p_e) ** 2
        )
    return {
        "kappa": float(kappa),
        "var": float(var),
        "var0": float(var0),
        "p_o": float(p_o),
        "p_e": float(p_e),
        "n": float(n),
    }


@renamed_arguments(units="targets", coders="raters", values="ratings")
def cohen_kappa(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    weights: Literal["linear", "quadratic"] | None = None,
    confidence: float = 0.95,
    categories: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Cohen's kappa (unweighted or weighted) for two codings per unit.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per target x rater.  Missing ratings are ignored.
    targets, raters, ratings : str
        Column names of the rated units (e.g. ``session_id``), the raters
        (coders, e.g. ``observer_id``) and the categorical ratings.  (Before
        0.2 these were ``units``, ``coders`` and ``values``; the old keywords
        still work for one release, with a ``DeprecationWarning``.)
    weights : {None, "linear", "quadratic"}
        Disagreement weighting on the category ranks: agreement weights
        ``1 - |i - j| / (K - 1)`` (linear, Cicchetti-Allison) or
        ``1 - (i - j)**2 / (K - 1)**2`` (quadratic, Fleiss-Cohen), as
        ``sklearn.metrics.cohen_kappa_score``.
    confidence : float
        Confidence level of the interval.
    categories : sequence, optional
        The ordered categories (the full scale).  Default: the sorted values
        present.  With weights, unobserved categories change the weights.

    Returns
    -------
    DataFrame
        One row: ``estimate``, ``std_error``, ``ci_low``, ``ci_high``,
        ``std_error_null``, ``z``, ``p_value``, ``p_observed``,
        ``p_expected``, ``n_units``, ``n_categories``, ``weights``.

    Notes
    -----
    Each unit contributes one pair: the values of its first two coders in
    sorted coder-id order ("coder 1" = lower id).  Units with more coders use
    only those two; units with one coder are dropped.  Kappa is symmetric in
    the two raters, so the assignment to "first" and "second" does not
    matter.

    ``std_error`` is the large-sample (non-null) standard error of Fleiss,
    Cohen & Everitt (1969), used for the Wald interval ``estimate +/- z *
    std_error`` (as SAS PROC FREQ's "ASE").  ``std_error_null`` is the
    standard error under kappa = 0, used for ``z = estimate /
    std_error_null`` and the two-sided ``p_value``.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales.
    *Educational and Psychological Measurement*, 20(1), 37-46.

    Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70(4),
    213-220.

    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard
    errors of kappa and weighted kappa. *Psychological Bulletin*, 72(5),
    323-327.

    Examples
    --------
    Two observers code six sessions as 0 / 1; they disagree on one:

    >>> import pandas as pd
    >>> from pilot_eval.stats import cohen_kappa
    >>> data = pd.DataFrame({
    ...     "session": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    ...     "observer": ["a", "b"] * 6,
    ...     "code": [1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0],
    ... })
    >>> res = cohen_kappa(data, targets="session", raters="observer", ratings="code")
    >>> res[["estimate", "p_observed", "p_expected", "n_units"]].round(3)
       estimate  p_observed  p_expected  n_units
    0     0.667       0.833         0.5        6
    """
    z_crit = z_critical(confidence)
    first, second = _first_two_coders(data, targets, raters, ratings)
    if len(first) == 0:
        raise ValueError("no unit has values from two coders")
    c1, c2, n_cat = _category_codes(first, second, categories)
    table = np.bincount(c1 * n_cat + c2, minlength=n_cat * n_cat).reshape(n_cat, n_cat)
    res = _kappa_from_table(table.astype(np.float64), _agreement_weights(n_cat, weights))
    se = np.sqrt(res["var"]) if res["var"] >= 0 else np.nan
    se0 = np.sqrt(res["var0"]) if res["var0"] >= 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z = res["kappa"] / se0
    return pd.DataFrame(
        [
            {
                "estimate": res["kappa"],
                "std_error": float(se),
                "ci_low": float(res["kappa"] - z_crit * se),
                "ci_high": float(res["kappa"] + z_crit * se),
                "std_error_null": float(se0),
                "z": float(z),
                "p_value": float(2.0 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan,
                "p_observed": res["p_o"],
                "p_expected": res["p_e"],
                "n_units": int(res["n"]),
                "n_categories": n_cat,
                "weights": "none" if weights is None else weights,
            }
        ]
    )


def _counts_from_long(
    data: pd.DataFrame, targets: str, ratings: str, categories: Sequence[Any] | None
) -> np.ndarray:
    require_columns(data, targets, ratings)
    df = data.loc[data[ratings].notna().to_numpy(), [targets, ratings]]
    u_codes, u_uniques = pd.factorize(df[targets], sort=True)
    if categories is None:
        v_codes, cats = pd.factorize(df[ratings], sort=True)
    else:
        cats = pd.Index(categories)
        v_codes = cats.get_indexer(df[ratings])
        if (v_codes < 0).any():
            raise ValueError("data contain values outside categories")
    n_u, n_c = len(u_uniques), len(cats)
    flat = u_codes.astype(np.int64) * n_c + v_codes
    return np.bincount(flat, minlength=n_u * n_c).reshape(n_u, n_c)


@renamed_arguments(units="targets", coders="raters", values="ratings")
def fleiss_kappa(
    data: pd.DataFrame,
    targets: str | None = None,
    raters: str | None = None,
    ratings: str | None = None,
    confidence: float = 0.95,
    categories: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Fleiss' kappa for a fixed number of ratings per unit.

    Parameters
    ----------
    data : DataFrame
        Either a subjects x categories matrix of counts (each cell: how many
        raters put the subject in the category; every row sums to the same
        number of raters), when ``units`` and ``values`` are ``None``; or long
        data with one row per unit x coder.
    targets, raters, ratings : str, optional
        Column names for long data.  ``coders`` is only used to check that no
        coder rated a unit twice; raters need not be the same for every unit.
    confidence : float
        Confidence level of the interval.
    categories : sequence, optional
        Categories for long data (default: the values present).  Categories
        nobody used do not change kappa.

    Returns
    -------
    DataFrame
        One row: ``estimate``, ``std_error``, ``z``, ``p_value``, ``ci_low``,
        ``ci_high``, ``p_bar`` (mean observed agreement), ``p_e`` (chance
        agreement), ``n_units``, ``n_raters``, ``n_categories``.

    Notes
    -----
    Kappa as in Fleiss (1971): ``P_i = (sum_j n_ij**2 - m) / (m (m - 1))``,
    ``P-bar`` their mean, ``p_j`` the category shares, ``P-bar_e = sum
    p_j**2`` and ``kappa = (P-bar - P-bar_e) / (1 - P-bar_e)``.

    ``std_error`` is the standard error under the null hypothesis kappa = 0
    (Fleiss, Nee & Landis 1979; Fleiss, Levin & Paik 2003, ch. 18):
    ``sqrt(2 / (N m (m - 1))) * sqrt((sum p_j q_j)**2 - sum p_j q_j (q_j -
    p_j)) / sum p_j q_j``, as R ``irr::kappam.fleiss``; ``z = kappa /
    std_error`` with a two-sided ``p_value``.  No closed-form non-null
    standard error is standard for Fleiss' kappa, so the interval ``estimate
    +/- z * std_error`` is an approximation that is reasonable near kappa =
    0 and too narrow or wide elsewhere; bootstrap units if the interval
    matters.

    Units with a different number of ratings than the others are an error.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin*, 76(5), 378-382.

    Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance
    of kappa in the case of different sets of raters. *Psychological
    Bulletin*, 86(5), 974-977.

    Fleiss, J. L., Levin, B., & Paik, M. C. (2003). *Statistical Methods for
    Rates and Proportions* (3rd ed.). Wiley, ch. 18.

    Examples
    --------
    A counts matrix (3 subjects, 4 raters each, 2 categories); by hand,
    P-bar = (1 + 1 + 0.5) / 3 = 0.833, P-bar_e = (7/12)**2 + (5/12)**2 = 0.514:

    >>> import pandas as pd
    >>> from pilot_eval.stats import fleiss_kappa
    >>> counts = pd.DataFrame({"yes": [4, 0, 3], "no": [0, 4, 1]})
    >>> fleiss_kappa(counts)[["estimate", "p_bar", "p_e", "n_raters"]].round(3)
       estimate  p_bar    p_e  n_raters
    0     0.657  0.833  0.514         4
    """
    z_crit = z_critical(confidence)
    if targets is None and ratings is None:
        counts = data.to_numpy(dtype=np.float64)
        if np.isnan(counts).any() or (counts < 0).any():
            raise ValueError("count matrix must hold non-negative numbers")
    elif targets is not None and ratings is not None:
        if raters is not None:
            require_columns(data, raters)
            present = data[ratings].notna().to_numpy()
            if data.loc[present, [targets, raters]].duplicated().any():
                raise ValueError(f"more than one value for some ({targets}, {raters}) pair")
        counts = _counts_from_long(data, targets, ratings, categories).astype(np.float64)
    else:
        raise ValueError("give both targets and ratings for long data, or neither")
    m_per_unit = counts.sum(axis=1)
    if counts.shape[0] < 1 or not np.all(m_per_unit == m_per_unit[0]):
        raise ValueError("every unit must have the same number of ratings")
    n_units = counts.shape[0]
    m = float(m_per_unit[0])
    if m < 2:
        raise ValueError("need at least 2 ratings per unit")
    p_j = counts.sum(axis=0) / (n_units * m)
    q_j = 1.0 - p_j
    p_i = (np.sum(counts**2, axis=1) - m) / (m * (m - 1.0))
    # numpy scalars: a codebook value used by everyone (p_e = 1) gives NaN, not ZeroDivisionError
    p_bar = np.float64(p_i.mean())
    p_e = np.float64(np.sum(p_j**2))
    pq = np.float64(np.sum(p_j * q_j))
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (p_bar - p_e) / (1.0 - p_e)
        var0 = (
            2.0
            / (n_units * m * (m - 1.0))
            * (pq**2 - np.sum(p_j * q_j * (q_j - p_j)))
            / pq**2
        )
    se = float(np.sqrt(var0)) if var0 >= 0 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = kappa / se
    return pd.DataFrame(
        [
            {
                "estimate": float(kappa),
                "std_error": se,
                "z": float(z),
                "p_value": float(2.0 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan,
                "ci_low": float(kappa - z_crit * se),
                "ci_high": float(kappa + z_crit * se),
                "p_bar": p_bar,
                "p_e": p_e,
                "n_units": n_units,
                "n_raters": int(m),
                "n_categories": counts.shape[1],
            }
        ]
    )
