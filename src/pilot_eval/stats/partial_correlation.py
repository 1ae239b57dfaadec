"""Partial correlation of a leading and a lagging indicator given controls.

The Pearson correlation of the residuals of ``x`` and ``y`` after regressing
each on the controls (least squares with intercept).  Inference as in
standard texts and pingouin: with ``n`` leaders and ``k`` control columns,
``t = r * sqrt((n - 2 - k) / (1 - r**2))`` on ``n - 2 - k`` df, and a Fisher-z
confidence interval with standard error ``1 / sqrt(n - 3 - k)``.

References
----------
Fisher, R. A. (1924). The distribution of the partial correlation coefficient.
*Metron*, 3, 329-332.

Anderson, T. W. (2003). *An Introduction to Multivariate Statistical Analysis*
(3rd ed.), Wiley, sec. 4.3 (distribution of the sample partial correlation:
that of a simple correlation with ``n - k`` observations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from pilot_eval.stats._checks import check_confidence

PARTIAL_CORR_COLUMNS: tuple[str, ...] = ("n", "k", "r", "ci_low", "ci_high", "p_value", "dof")


def _residuals(values: np.ndarray, design: np.ndarray) -> np.ndarray:
    """Least-squares residuals of the columns of ``values`` on ``design``."""
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return values - design @ coef


def partial_correlation(
    x: np.ndarray,
    y: np.ndarray,
    controls: np.ndarray,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Partial Pearson correlation of ``x`` and ``y`` controlling for ``controls``.

    Parameters
    ----------
    x, y
        The two variables, length ``n``, no missing values.
    controls
        ``n x k`` matrix of control columns (no intercept; one is added).
    confidence
        Level of the Fisher-z interval.

    Returns
    -------
    DataFrame
        One row: ``n, k, r, ci_low, ci_high, p_value, dof`` (``dof = n - 2 - k``).
        ``r`` is NaN when either residual has no variance or ``dof < 1``.

    Notes
    -----
    ``k`` counts the control *columns* (each dummy counts once), as
    ``pingouin.partial_corr`` does with the same columns passed as ``covar``.

    References
    ----------
    Fisher, R. A. (1924). The distribution of the partial correlation
    coefficient. *Metron*, 3, 329-332.

    Examples
    --------
    ``x`` and ``y`` both follow ``z``; controlling for it leaves little:

    >>> import numpy as np
    >>> from pilot_eval.stats import partial_correlation
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=200)
    >>> x = z + rng.normal(size=200)
    >>> y = z + rng.normal(size=200)
    >>> round(float(np.corrcoef(x, y)[0, 1]), 2)
    0.5
    >>> partial_correlation(x, y, z.reshape(-1, 1), confidence=0.95).round(3)
         n  k      r  ci_low  ci_high  p_value  dof
    0  200  1  0.061  -0.079    0.198    0.392  197
    """
    check_confidence(confidence)
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    controls = np.asarray(controls, dtype="float64").reshape(len(x), -1)
    n, k = len(x), controls.shape[1]
    dof = n - 2 - k
    design = np.column_stack([np.ones(n), controls])
    res = _residuals(np.column_stack([x, y]), design)
    sx, sy = np.sqrt((res**2).sum(axis=0))
    nan_row = {"n": n, "k": k, "r": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "p_value": np.nan, "dof": dof}
    if dof < 1 or sx <= 1e-12 * max(1.0, np.abs(x).max()) or sy <= 1e-12 * max(1.0, np.abs(y).max()):
        return pd.DataFrame([nan_row], columns=list(PARTIAL_CORR_COLUMNS))
    r = float(np.clip((res[:, 0] @ res[:, 1]) / (sx * sy), -1.0, 1.0))
    with np.errstate(divide="ignore"):
        t = r * np.sqrt(dof / (1.0 - r**2))
    # scipy.stats.t.sf(|t|, dof) and norm.ppf are these special functions (bit-identical),
    # without importing scipy.stats with the researcher API
    p = float(2 * special.stdtr(dof, -abs(t)))
    if n - 3 - k >= 1:
        z = np.arctanh(r)
        half = special.ndtri(0.5 + confidence / 2) / np.sqrt(n - 3 - k)
        ci_low, ci_high = float(np.tanh(z - half)), float(np.tanh(z + half))
    else:
        ci_low = ci_high = np.nan
    row = {**nan_row, "r": r, "ci_low": ci_low, "ci_high": ci_high, "p_value": p}
    return pd.DataFrame([row], columns=list(PARTIAL_CORR_COLUMNS))
