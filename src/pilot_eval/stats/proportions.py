"""Confidence intervals for a proportion and for a difference of two proportions.

* :func:`wilson_interval` - Wilson (1927) score interval of ``k / n``;
* :func:`newcombe_difference` - Newcombe's (1998) hybrid score interval
  ("method 10") of ``k1 / n1 - k2 / n2``, built from the two Wilson intervals.
  It stays inside ``[-1, 1]``, is defined for 0 and n successes and keeps
  close to nominal coverage at the sample sizes of a pilot.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. *JASA*, 22(158), 209-212.

Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. *Statistics in
Medicine*, 17(8), 873-890.
"""

from __future__ import annotations

import math

from pilot_eval.stats._checks import z_critical

__all__ = ["wilson_interval", "newcombe_difference"]


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n``.

    Parameters
    ----------
    k, n
        Successes and trials (``0 <= k <= n``); ``n = 0`` gives ``(nan, nan)``.
    confidence
        Coverage of the interval.

    Returns
    -------
    (low, high)

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA*, 22(158), 209-212.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(56, 70)]
    [0.6918, 0.877]
    """
    if n <= 0:
        return float("nan"), float("nan")
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    z = z_critical(confidence)
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(centre - half, 0.0), min(centre + half, 1.0)


def newcombe_difference(k1: int, n1: int, k2: int, n2: int,
                        confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference ``k1/n1 - k2/n2`` with Newcombe's hybrid score interval.

    ``low = d - sqrt((p1 - l1)**2 + (u2 - p2)**2)`` and
    ``high = d + sqrt((u1 - p1)**2 + (p2 - l2)**2)`` with ``(l_i, u_i)`` the
    Wilson intervals of the two proportions (Newcombe 1998, method 10).

    Parameters
    ----------
    k1, n1, k2, n2
        Successes and trials of the two groups.
    confidence
        Coverage of the interval.

    Returns
    -------
    (difference, low, high)
        All ``nan`` when a group has no trials.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. *Statistics in
    Medicine*, 17(8), 873-890 (Table II: 56/70 - 48/80 gives 0.2000,
    0.0524 to 0.3339).

    Examples
    --------
    >>> [round(x, 4) for x in newcombe_difference(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    if n1 <= 0 or n2 <= 0:
        nan = float("nan")
        return nan, nan, nan
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high
