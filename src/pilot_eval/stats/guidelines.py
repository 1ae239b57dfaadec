"""Published cut-offs for reading a statistic, each defined once.

* Koo & Li (2016) bands of an ICC: :data:`KOO_LI_CUTS`, :func:`koo_li_band`,
  :func:`koo_li_band_from_ci`.
* Landis & Koch (1977) labels of a kappa: :data:`LANDIS_KOCH_CUTS`,
  :func:`landis_koch_label`.
* Krippendorff (2004) verdicts on an alpha: :data:`KRIPPENDORFF_RELIABLE`,
  :data:`KRIPPENDORFF_TENTATIVE`, :func:`reliability_verdict`.
* What Works Clearinghouse baseline equivalence of an effect size:
  :data:`WWC_SATISFIED_MAX`, :data:`WWC_ADJUSTMENT_MAX`, :func:`wwc_rating`.

Charts draw their reference lines from these constants, so a line and the
verdict next to it cannot disagree.

References
----------
Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
intraclass correlation coefficients for reliability research. *Journal of
Chiropractic Medicine*, 15(2), 155-163.

Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for
categorical data. *Biometrics*, 33(1), 159-174.

Krippendorff, K. (2004). *Content Analysis: An Introduction to Its
Methodology* (2nd ed.). Sage, p. 241.

What Works Clearinghouse (2022). *Procedures and Standards Handbook, Version
5.0* (baseline equivalence).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "KOO_LI_BANDS",
    "KOO_LI_CUTS",
    "koo_li_band",
    "koo_li_band_from_ci",
    "LANDIS_KOCH_LABELS",
    "LANDIS_KOCH_CUTS",
    "landis_koch_label",
    "KRIPPENDORFF_RELIABLE",
    "KRIPPENDORFF_TENTATIVE",
    "reliability_verdict",
    "SATISFIED",
    "REQUIRES_ADJUSTMENT",
    "NOT_SATISFIED",
    "WWC_SATISFIED_MAX",
    "WWC_ADJUSTMENT_MAX",
    "wwc_rating",
]

# --------------------------------------------------------------------------
# Koo & Li (2016): ICC
# --------------------------------------------------------------------------
#: Koo & Li (2016) reliability bands, from lowest to highest.
KOO_LI_BANDS: tuple[str, ...] = ("poor", "moderate", "good", "excellent")
#: Lower limits of moderate, good and excellent (excellent needs > 0.90).
KOO_LI_CUTS: tuple[float, float, float] = (0.50, 0.75, 0.90)


def koo_li_codes(values: np.ndarray) -> np.ndarray:
    """0..3 for poor..excellent, -1 for missing.

    < 0.50 poor; [0.50, 0.75) moderate; [0.75, 0.90] good; > 0.90 excellent.

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats.guidelines import koo_li_codes
    >>> koo_li_codes(np.array([0.3, 0.5, 0.9, 0.95, np.nan])).tolist()
    [0, 1, 2, 3, -1]
    """
    moderate, good, excellent = KOO_LI_CUTS
    return np.select(
        [values < moderate, values < good, values <= excellent, values > excellent],
        [0, 1, 2, 3],
        default=-1,
    )


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

    Examples
    --------
    >>> from pilot_eval.stats import koo_li_band
    >>> koo_li_band(0.82)
    'good'
    >>> list(koo_li_band([0.3, 0.5, 0.90, 0.91]))
    ['poor', 'moderate', 'good', 'excellent']
    """
    arr = np.asarray(value, dtype=np.float64)
    codes = koo_li_codes(np.atleast_1d(arr))
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

    Examples
    --------
    >>> from pilot_eval.stats import koo_li_band_from_ci
    >>> koo_li_band_from_ci(0.83, 0.94)
    'good to excellent'
    >>> koo_li_band_from_ci(0.78, 0.88)
    'good'
    """
    low = np.asarray(ci_low, dtype=np.float64)
    high = np.asarray(ci_high, dtype=np.float64)
    low, high = np.broadcast_arrays(low, high)
    if np.any(low > high):
        raise ValueError("ci_low must not exceed ci_high")
    lo_codes = koo_li_codes(np.atleast_1d(low))
    hi_codes = koo_li_codes(np.atleast_1d(high))
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


# --------------------------------------------------------------------------
# Landis & Koch (1977): kappa
# --------------------------------------------------------------------------
#: Landis & Koch (1977) strength-of-agreement labels, lowest first.
LANDIS_KOCH_LABELS: tuple[str, ...] = (
    "poor",
    "slight",
    "fair",
    "moderate",
    "substantial",
    "almost perfect",
)
#: Upper limits (inclusive) of slight, fair, moderate and substantial; poor is < 0.
LANDIS_KOCH_CUTS: tuple[float, float, float, float] = (0.20, 0.40, 0.60, 0.80)


def landis_koch_label(kappa: Any) -> Any:
    """Landis & Koch (1977) strength-of-agreement label of a kappa.

    Parameters
    ----------
    kappa : float, array-like or Series

    Returns
    -------
    str, ndarray or Series
        ``"poor"`` (< 0), ``"slight"`` (0-0.20), ``"fair"`` (0.21-0.40),
        ``"moderate"`` (0.41-0.60), ``"substantial"`` (0.61-0.80) or
        ``"almost perfect"`` (0.81-1.00); ``None`` for NaN.  The published
        bands are given to two decimals; between them a value goes to the
        lower band (upper limits inclusive: 0.20 is slight, 0.205 is fair).

    References
    ----------
    Landis, J. R., & Koch, G. G. (1977). The measurement of observer
    agreement for categorical data. *Biometrics*, 33(1), 159-174, p. 165.

    Examples
    --------
    >>> from pilot_eval.stats import landis_koch_label
    >>> landis_koch_label(0.62)
    'substantial'
    >>> landis_koch_label(-0.1)
    'poor'
    """
    arr = np.asarray(kappa, dtype=np.float64)
    flat = np.atleast_1d(arr)
    slight, fair, moderate, substantial = LANDIS_KOCH_CUTS
    codes = np.select(
        [flat < 0, flat <= slight, flat <= fair, flat <= moderate, flat <= substantial,
         flat <= 1.0 + 1e-12],
        [0, 1, 2, 3, 4, 5],
        default=6,
    )
    names = np.array(list(LANDIS_KOCH_LABELS) + [None], dtype=object)
    labels = names[codes]
    if isinstance(kappa, pd.Series):
        return pd.Series(labels, index=kappa.index, name=kappa.name, dtype="str")
    if arr.ndim == 0:
        item = labels[0]
        return None if item is None else str(item)
    return labels.reshape(arr.shape)


# --------------------------------------------------------------------------
# Krippendorff (2004): alpha
# --------------------------------------------------------------------------
#: Alpha at or above this: reliable.
KRIPPENDORFF_RELIABLE = 0.800
#: Alpha at or above this (and below 0.800): tentative conclusions only.
KRIPPENDORFF_TENTATIVE = 0.667


def reliability_verdict(alpha: Any) -> Any:
    """Krippendorff's verdict on an alpha value.

    Parameters
    ----------
    alpha : float, array-like or Series
        Krippendorff's alpha value(s) (not a significance level).

    Returns
    -------
    str, ndarray or Series
        ``"reliable"`` (alpha >= 0.800), ``"tentative"`` (0.667 <= alpha <
        0.800: tentative conclusions only) or ``"unreliable"`` (< 0.667);
        ``None`` for NaN.  Same shape as the input.

    References
    ----------
    Krippendorff, K. (2004). *Content Analysis: An Introduction to Its
    Methodology* (2nd ed.). Sage, p. 241.

    Examples
    --------
    >>> from pilot_eval.stats import reliability_verdict
    >>> reliability_verdict(0.74)
    'tentative'
    >>> list(reliability_verdict([0.81, 0.5]))
    ['reliable', 'unreliable']
    """
    arr = np.asarray(alpha, dtype=np.float64)
    flat = np.atleast_1d(arr)
    codes = np.select(
        [flat >= KRIPPENDORFF_RELIABLE, flat >= KRIPPENDORFF_TENTATIVE,
         flat < KRIPPENDORFF_TENTATIVE],
        [0, 1, 2],
        default=3,
    )
    names = np.array(["reliable", "tentative", "unreliable", None], dtype=object)
    labels = names[codes]
    if isinstance(alpha, pd.Series):
        return pd.Series(labels, index=alpha.index, name=alpha.name, dtype="str")
    if arr.ndim == 0:
        item = labels[0]
        return None if item is None else str(item)
    return labels.reshape(arr.shape)


# --------------------------------------------------------------------------
# What Works Clearinghouse: baseline equivalence
# --------------------------------------------------------------------------
#: WWC baseline-equivalence ratings.
SATISFIED = "satisfied"
REQUIRES_ADJUSTMENT = "requires statistical adjustment"
NOT_SATISFIED = "not satisfied"
#: |effect| at or below this: equivalence satisfied.
WWC_SATISFIED_MAX = 0.05
#: |effect| at or below this (and above 0.05): satisfied only with adjustment.
WWC_ADJUSTMENT_MAX = 0.25


def wwc_rating(effect: Any) -> Any:
    """WWC baseline-equivalence rating of an effect size (g or Cox index).

    ``|e| <= 0.05`` -> "satisfied"; ``0.05 < |e| <= 0.25`` -> "requires
    statistical adjustment"; ``|e| > 0.25`` -> "not satisfied"; missing -> None.

    Parameters
    ----------
    effect : float or array-like
        Effect size(s).

    Returns
    -------
    str or None for a scalar; a numpy object array for array-like input.

    References
    ----------
    What Works Clearinghouse (2022). *Procedures and Standards Handbook,
    Version 5.0* (baseline equivalence).

    Examples
    --------
    >>> from pilot_eval.stats import wwc_rating
    >>> wwc_rating(0.12)
    'requires statistical adjustment'
    >>> list(wwc_rating([0.03, -0.4]))
    ['satisfied', 'not satisfied']
    """
    scalar = np.ndim(effect) == 0
    e = np.abs(np.atleast_1d(np.asarray(effect, dtype="float64")))
    out = np.full(e.shape, None, dtype=object)
    ok = ~np.isnan(e)
    out[ok & (e <= WWC_SATISFIED_MAX)] = SATISFIED
    out[ok & (e > WWC_SATISFIED_MAX) & (e <= WWC_ADJUSTMENT_MAX)] = REQUIRES_ADJUSTMENT
    out[ok & (e > WWC_ADJUSTMENT_MAX)] = NOT_SATISFIED
    return out[0] if scalar else out

#: Multiplicity corrections offered for families of p-values (Holm 1979; Benjamini & Hochberg 1995).
#: Defined here, not in the prediction module, so reading it (the -p registry of the CLI) does
#: not import scikit-learn.
P_ADJUST_METHODS: tuple[str, ...] = ("holm", "fdr_bh")
