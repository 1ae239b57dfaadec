"""Multiplicity corrections of a family of p-values: Holm (1979) and Benjamini-Hochberg (1995).

NumPy only (statsmodels' ``multipletests`` runs a full garbage collection on every
Holm call, a fifth of a second in a notebook kernel).  Checked against
``statsmodels.stats.multitest.multipletests`` and R's ``p.adjust``
(tests/test_multiplicity.py).

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.
Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate.
*Journal of the Royal Statistical Society B*, 57(1), 289-300.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.stats.guidelines import P_ADJUST_METHODS

__all__ = ["adjust_p_values"]


def adjust_p_values(p_values: np.ndarray | pd.Series, method: str = "holm") -> np.ndarray:
    """Adjust a family of p-values; missing p-values stay missing and do not count.

    Parameters
    ----------
    p_values
        Raw p-values (NaN = not tested, e.g. insufficient data).
    method
        ``"holm"`` (family-wise error, Holm 1979) or ``"fdr_bh"`` (false
        discovery rate, Benjamini & Hochberg 1995).

    Returns
    -------
    Adjusted p-values (same length, NaN where the input was NaN).

    References
    ----------
    Holm, S. (1979). *Scandinavian Journal of Statistics*, 6(2), 65-70.
    Benjamini, Y., & Hochberg, Y. (1995). *JRSS B*, 57(1), 289-300.

    Examples
    --------
    Holm (1979) and Benjamini & Hochberg (1995) on three p-values:

    >>> from pilot_eval.stats.multiplicity import adjust_p_values
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p_values([0.01, 0.04, 0.03], "fdr_bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    if method not in P_ADJUST_METHODS:
        raise ValueError(f"p-value adjustment must be one of {P_ADJUST_METHODS}, got {method!r}")
    p = np.asarray(p_values, dtype="float64")
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order]
    if method == "holm":  # p_(i) * (m - i + 1), running maximum from the smallest
        adjusted = np.maximum.accumulate(ranked * np.arange(m, 0, -1))
    else:  # Benjamini-Hochberg: p_(i) * m / i, running minimum from the largest
        adjusted = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out[order] = np.minimum(adjusted, 1.0)
    return out
