"""Group-sequential boundaries from an alpha-spending function (Lan & DeMets 1983).

A statistic ``Z_k`` is looked at after information fractions
``0 < t_1 < ... < t_K <= 1``.  Under the null hypothesis the looks are
jointly normal with ``corr(Z_j, Z_k) = sqrt(t_j / t_k)`` (``j <= k``: the
canonical joint distribution of cumulative data, Jennison & Turnbull 2000,
ch. 3), i.e. the score ``S_k = Z_k sqrt(t_k)`` has independent
``N(0, t_k - t_{k-1})`` increments.  A *spending function* ``alpha(t)``,
increasing from ``alpha(0) = 0`` to ``alpha(1) = alpha``, says how much of
the total false-alarm chance may be used up by information ``t``; the
boundary ``c_k`` of look ``k`` is the value with

    P(Z_1 < c_1, ..., Z_{k-1} < c_{k-1}, Z_k >= c_k) = alpha(t_k) - alpha(t_{k-1})

(one-sided), or with ``|Z|`` in place of ``Z`` (two-sided, symmetric).
The boundaries depend only on the looks already taken, so unplanned or
shifted looks are allowed.  The crossing probabilities are computed by the
recursive numerical integration of Armitage, McPherson & Rowe (1969) on a
fine grid of the score (Jennison & Turnbull 2000, ch. 19).

Spending functions
------------------
* ``"obf"`` - O'Brien-Fleming type (Lan & DeMets 1983):
  ``alpha(t) = 2 (1 - Phi(z_{1 - alpha/2} / sqrt(t)))``; spends almost
  nothing early.
* ``"pocock"`` - Pocock type (Lan & DeMets 1983):
  ``alpha(t) = alpha log(1 + (e - 1) t)``; spends about evenly.

References
----------
Lan, K. K. G., & DeMets, D. L. (1983). Discrete sequential boundaries for
clinical trials. *Biometrika*, 70(3), 659-663.

Jennison, C., & Turnbull, B. W. (2000). *Group Sequential Methods with
Applications to Clinical Trials*. Chapman & Hall/CRC (Table 7.6: the
O'Brien-Fleming-type spending boundaries for K = 3 equally spaced looks,
two-sided alpha = 0.05: 3.471, 2.454, 2.004).

Armitage, P., McPherson, C. K., & Rowe, B. C. (1969). Repeated significance
tests on accumulating data. *Journal of the Royal Statistical Society A*,
132(2), 235-244.

Examples
--------
>>> [round(c, 3) for c in spending_boundaries([1/3, 2/3, 1], alpha=0.025)]
[3.71, 2.511, 1.993]
"""

from __future__ import annotations

import math
from typing import Callable, Literal, Sequence

__all__ = ["SPENDING_FUNCTIONS", "spending", "crossing_probabilities", "spending_boundaries", "nominal_levels"]

import numpy as np
from scipy import optimize, stats

SPENDING_FUNCTIONS = ("obf", "pocock")
#: Grid points per unit standard deviation of the score in the recursion.
_GRID_PER_SD = 64
#: Half-width of the score grid in standard deviations.
_GRID_SD = 9.0


def spending(t: float | Sequence[float] | np.ndarray, alpha: float = 0.05,
             kind: str = "obf") -> np.ndarray:
    """The cumulative alpha spent by information fraction ``t`` (module docstring).

    Parameters
    ----------
    t
        Information fraction(s); values above 1 count as 1, at or below 0 spend nothing.
    alpha
        Total false-alarm chance (one-sided, or both sides together).
    kind
        ``"obf"`` (O'Brien-Fleming type) or ``"pocock"`` (Pocock type).

    Returns
    -------
    ndarray
        ``alpha(t)``, same shape as ``t``.

    Examples
    --------
    >>> [round(float(a), 5) for a in spending([0.5, 1.0], 0.05, "obf")]
    [0.00557, 0.05]
    >>> round(float(spending(1.0, 0.05, "pocock")), 6)
    0.05
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}")
    tt = np.clip(np.asarray(t, dtype="float64"), 0.0, 1.0)
    if kind == "obf":
        z = stats.norm.isf(alpha / 2)
        with np.errstate(divide="ignore"):
            out = np.where(tt > 0, 2 * stats.norm.sf(z / np.sqrt(np.where(tt > 0, tt, 1.0))), 0.0)
    elif kind == "pocock":
        out = alpha * np.log1p((math.e - 1) * tt)
    else:
        raise ValueError(f"unknown spending function {kind!r}; expected one of {SPENDING_FUNCTIONS}")
    return np.minimum(out, alpha)


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    t = np.asarray(list(fractions), dtype="float64")
    if len(t) == 0:
        raise ValueError("at least one look is needed")
    if not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(t > 1 + 1e-12) or np.any(np.diff(t) <= 0):
        raise ValueError(f"information fractions must increase strictly within (0, 1]; got {t.tolist()}")
    return t


def _grid(sd: float, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Points and trapezoid weights on [lo, hi] with spacing sd / _GRID_PER_SD."""
    n = max(int(math.ceil((hi - lo) / sd * _GRID_PER_SD)), 2) + 1
    x = np.linspace(lo, hi, n)
    w = np.full(n, (hi - lo) / (n - 1))
    w[0] = w[-1] = w[0] / 2
    return x, w


def _first_density(tk: float, upper: float, sides: int, drift: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sd1 = math.sqrt(tk)
    mean = drift * tk
    lo = -upper if (sides == 2 and np.isfinite(upper)) else mean - _GRID_SD * sd1
    hi = upper if np.isfinite(upper) else mean + _GRID_SD * sd1
    x, w = _grid(sd1, lo, hi)
    return x, w, stats.norm.pdf(x, loc=mean, scale=sd1)


def _tail(x: np.ndarray | None, wf: np.ndarray | None, tk: float, prev_t: float, c: float, sides: int,
          drift: float) -> float:
    """P(continue to look k and cross its boundary c), from the sub-density at the previous look."""
    if not np.isfinite(c):
        return 0.0
    upper = c * math.sqrt(tk)
    if x is None or wf is None:  # first look: S_1 ~ N(drift t_1, t_1)
        loc, scale = drift * tk, math.sqrt(tk)
        out = float(stats.norm.sf(upper, loc=loc, scale=scale))
        return out + (float(stats.norm.cdf(-upper, loc=loc, scale=scale)) if sides == 2 else 0.0)
    locs, sd = x + drift * (tk - prev_t), math.sqrt(tk - prev_t)
    out = float(wf @ stats.norm.sf(upper, loc=locs, scale=sd))
    return out + (float(wf @ stats.norm.cdf(-upper, loc=locs, scale=sd)) if sides == 2 else 0.0)


def _advance(x: np.ndarray | None, wf: np.ndarray | None, tk: float, prev_t: float, c: float, sides: int,
             drift: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid and weighted sub-density (weights x density) of S_k on look k's continuation region."""
    upper = c * math.sqrt(tk)
    if x is None or wf is None:
        x1, w1, f1 = _first_density(tk, upper, sides, drift)
        return x1, w1 * f1
    sd = math.sqrt(tk - prev_t)
    mean_inc = drift * (tk - prev_t)
    lo = -upper if (sides == 2 and np.isfinite(upper)) else float(x[0] + mean_inc - _GRID_SD * sd)
    hi = upper if np.isfinite(upper) else float(x[-1] + mean_inc + _GRID_SD * sd)
    x_new, w_new = _grid(min(sd, math.sqrt(tk) / 4), lo, hi)
    kern = stats.norm.pdf(x_new[:, None], loc=x[None, :] + mean_inc, scale=sd)
    return x_new, w_new * (kern @ wf)


def crossing_probabilities(fractions: Sequence[float], bounds: Sequence[float],
                           sides: Literal[1, 2] = 1, drift: float = 0.0) -> np.ndarray:
    """P(first crossing at look k) for boundaries ``bounds`` on the Z scale.

    Parameters
    ----------
    fractions
        Information fractions of the looks, strictly increasing in (0, 1].
    bounds
        Upper boundary ``c_k`` of each look (``inf``: no stop at that look).
    sides
        1: stop when ``Z_k >= c_k``; 2: when ``|Z_k| >= c_k``.
    drift
        ``theta``: the mean of ``Z_k`` is ``theta sqrt(t_k)`` (0 under the null).

    Returns
    -------
    ndarray
        The chance of stopping first at each look (their sum is the overall chance).

    Examples
    --------
    >>> p = crossing_probabilities([0.5, 1.0], [1.96, 1.96], sides=1)
    >>> round(float(p[0]), 4), round(float(p.sum()), 4)   # two looks at 2.5% each: about 4.2% in all
    (0.025, 0.0416)
    """
    t = _check_fractions(fractions)
    c = np.asarray(list(bounds), dtype="float64")
    if len(c) != len(t):
        raise ValueError("one boundary per look is needed")
    out = np.zeros(len(t))
    x = wf = None
    prev_t = 0.0
    for k in range(len(t)):
        out[k] = _tail(x, wf, float(t[k]), prev_t, float(c[k]), sides, drift)
        if k < len(t) - 1:
            x, wf = _advance(x, wf, float(t[k]), prev_t, float(c[k]), sides, drift)
        prev_t = float(t[k])
    return out


def spending_boundaries(fractions: Sequence[float], alpha: float = 0.05, kind: str = "obf",
                        sides: Literal[1, 2] = 1,
                        spend: Callable[[np.ndarray], np.ndarray] | None = None) -> list[float]:
    """Z boundaries of the looks at ``fractions`` that spend ``alpha`` by ``kind`` (module docstring).

    Parameters
    ----------
    fractions
        Information fractions of the looks taken so far, strictly increasing
        in (0, 1] (the last need not be 1: the boundaries of the looks
        taken do not depend on later looks).
    alpha
        Total chance of a false stop when the last look is at ``t = 1``.
    kind
        Spending function, ``"obf"`` or ``"pocock"`` (ignored with ``spend``).
    sides
        1: one-sided (``Z >= c``); 2: two-sided symmetric (``|Z| >= c``).
    spend
        Optional custom spending function ``t -> alpha(t)`` (cumulative).

    Returns
    -------
    list of float
        ``c_k`` per look (``inf`` when a look may spend nothing, i.e. less than 1e-15).

    Examples
    --------
    >>> [round(c, 3) for c in spending_boundaries([1/3, 2/3, 1], alpha=0.025, sides=1)]
    [3.71, 2.511, 1.993]
    """
    t = _check_fractions(fractions)
    cum = spend(t) if spend is not None else spending(t, alpha, kind)
    inc = np.diff(np.concatenate([[0.0], np.asarray(cum, dtype="float64")]))
    bounds: list[float] = []
    x = wf = None
    prev_t = 0.0
    for k in range(len(t)):
        tk, target = float(t[k]), float(inc[k])
        if target < 1e-15:
            c = float("inf")
        else:
            def excess(cc: float) -> float:
                return _tail(x, wf, tk, prev_t, cc, sides, 0.0) - target
            c = 0.0 if excess(0.0) < 0 else float(optimize.brentq(excess, 0.0, 40.0, xtol=1e-12))
        bounds.append(c)
        if k < len(t) - 1:
            x, wf = _advance(x, wf, tk, prev_t, c, sides, 0.0)
        prev_t = tk
    return bounds


def nominal_levels(bounds: Sequence[float], sides: Literal[1, 2] = 1) -> list[float]:
    """The nominal p-value threshold of each boundary: ``1 - Phi(c)`` (one-sided) or twice that.

    Examples
    --------
    >>> [round(p, 4) for p in nominal_levels([1.96, float("inf")])]
    [0.025, 0.0]
    """
    return [float(sides * stats.norm.sf(c)) for c in bounds]
