"""Krippendorff's alpha from the coincidence matrix, with a unit bootstrap.

Alpha works with any number of raters, missing data and the nominal, ordinal,
interval and ratio metrics (Krippendorff 2011).  Everything is computed from
per-unit value counts, so all bootstrap replicates are evaluated at once by
matrix products of a (replicates x units) resampling-count matrix.

References
----------
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
Departmental Papers (ASC), University of Pennsylvania, 43.

Krippendorff, K. (2004). *Content Analysis: An Introduction to Its
Methodology* (2nd ed.). Sage, ch. 11.

Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard
reliability measure for coding data. *Communication Methods and Measures*,
1(1), 77-89.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from pilot_eval.stats._checks import check_confidence, renamed_arguments, require_columns
from pilot_eval.stats._resample import bootstrap_counts
from pilot_eval.stats.guidelines import reliability_verdict

__all__ = [
    "LEVELS",
    "krippendorff_alpha",
    "krippendorff_alpha_ci",
    "reliability_verdict",
]

Level = Literal["nominal", "ordinal", "interval", "ratio"]
#: Levels of measurement (Stevens) and so difference functions supported.
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class _Units:
    """Value counts of the pairable units (targets with >= 2 ratings)."""

    counts: np.ndarray  # (n_units, n_values) value counts per unit
    domain: np.ndarray  # (n_values,) the ratings, ordered
    level: str

    @property
    def m(self) -> np.ndarray:
        """Number of pairable values in each unit."""
        return self.counts.sum(axis=1)


def _prepare(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    level: str,
    value_domain: Sequence[Any] | None,
) -> _Units:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    require_columns(data, targets, raters, ratings)
    present = data[ratings].notna().to_numpy()
    df = data.loc[present, [targets, raters, ratings]]
    if df[[targets, raters]].duplicated().any():
        raise ValueError(f"more than one value for some ({targets}, {raters}) pair")
    u_codes, u_uniques = pd.factorize(df[targets], sort=True)
    if (u_codes < 0).any():
        raise ValueError(f"missing ids in column {targets!r}")

    if value_domain is None:
        if level != "nominal" and not pd.api.types.is_numeric_dtype(df[ratings]):
            raise ValueError(
                f"{level} alpha of non-numeric values needs an ordered value_domain"
            )
        v_codes, domain_index = pd.factorize(df[ratings], sort=True)
        domain = np.asarray(domain_index)
    else:
        domain = np.asarray(value_domain)
        if pd.Index(domain).has_duplicates:
            raise ValueError("value_domain has duplicates")
        v_codes = pd.Index(domain).get_indexer(df[ratings])
        if (v_codes < 0).any():
            raise ValueError("data contain values outside value_domain")
    if level in ("interval", "ratio"):
        domain = domain.astype(np.float64)
    n_units, n_values = len(u_uniques), len(domain)
    flat = u_codes.astype(np.int64) * n_values + v_codes
    counts = np.bincount(flat, minlength=n_units * n_values).reshape(n_units, n_values)
    counts = counts[counts.sum(axis=1) >= 2].astype(np.float64)
    return _Units(counts=counts, domain=domain, level=level)


def _delta(domain: np.ndarray, level: str) -> np.ndarray:
    """Squared difference function for the fixed-metric levels."""
    if level == "nominal":
        return 1.0 - np.eye(domain.size)
    v = domain.astype(np.float64)
    diff = v[:, None] - v[None, :]
    if level == "interval":
        return diff**2
    if level == "ratio":
        total = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(total != 0, diff / total, 0.0) ** 2
        return out
    raise ValueError(level)  # pragma: no cover


#: Up to this many distinct values the ordinal bootstrap uses the per-value
#: form (memory ``n_units x n_values**2``); above it, per-unit mid-rank sums.
_ORDINAL_PAIR_FORM_MAX_VALUES = 32


def _alpha_weighted(u: _Units, weights: np.ndarray) -> np.ndarray:
    """Alpha for each row of ``weights`` (replicates x pairable targets).

    Row ``b`` gives how many times each pairable unit enters replicate ``b``;
    a row of ones gives the ordinary estimate.  With per-unit counts ``n_u``,
    ``m_u`` pairable values and difference matrix ``delta``, the coincidence
    matrix is ``o = sum_u w_u (n_u n_u' - diag n_u) / (m_u - 1)``, its
    margins ``n_c = sum_u w_u n_uc``, and

        alpha = 1 - (n.. - 1) sum(o * delta) / (n' delta n),

    using ``delta_cc = 0``, so ``sum(o * delta) = sum_u w_u n_u' delta n_u /
    (m_u - 1)``.
    """
    counts = u.counts
    inv = 1.0 / (u.m - 1.0)
    margins = weights @ counts  # (B, V)
    n_total = margins.sum(axis=1)
    if u.level == "ordinal":
        # Krippendorff's ordinal difference of values c <= k is
        # (sum_{g=c..k} n_g - (n_c + n_k)/2)^2 = (r_k - r_c)^2 with the
        # mid-ranks r_c = sum_{g<c} n_g + n_c / 2 of the pairable ratings, i.e.
        # the interval metric on mid-ranks; mid-ranks change per replicate.
        # Both disagreements are invariant to shifting a replicate's ranks,
        # so they are centred (r_c - n../2) to keep the sums of squares small.
        ranks = np.cumsum(margins, axis=1) - margins / 2.0 - n_total[:, None] / 2.0
        n_values = counts.shape[1]
        if n_values <= _ORDINAL_PAIR_FORM_MAX_VALUES:
            # sum_u w_u / (m_u - 1) (m_u n_u' r^2 - (n_u' r)^2)
            #   = sum_c r_c^2 A_c - r' Q r, with A = sum_u w_u n_u m_u / (m_u - 1)
            #   and Q = sum_u w_u n_u n_u' / (m_u - 1): two matrix products.
            a_mat = weights @ (counts * (u.m * inv)[:, None])  # (B, V)
            pairs = (counts[:, :, None] * counts[:, None, :]) * inv[:, None, None]
            q_mat = (weights @ pairs.reshape(-1, n_values * n_values)).reshape(
                -1, n_values, n_values
            )  # (B, V, V)
            observed = 2.0 * (
                np.sum(ranks**2 * a_mat, axis=1)
                - np.einsum("bc,bcd,bd->b", ranks, q_mat, ranks)
            )
        else:
            lin = counts @ ranks.T  # (U, B): sum_c n_uc r_c
            quad = counts @ (ranks**2).T  # (U, B): sum_c n_uc r_c^2
            per_unit = 2.0 * (u.m[:, None] * quad - lin**2) * inv[:, None]
            observed = np.einsum("bu,ub->b", weights, per_unit)
        expected = 2.0 * (
            n_total * np.sum(margins * ranks**2, axis=1)
            - np.sum(margins * ranks, axis=1) ** 2
        )
    else:
        delta = _delta(u.domain, u.level)
        per_unit = np.einsum("uc,cd,ud->u", counts, delta, counts) * inv
        observed = weights @ per_unit
        expected = np.einsum("bc,cd,bd->b", margins, delta, margins)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n_total - 1.0) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


@renamed_arguments(units="targets", coders="raters", values="ratings")
def krippendorff_alpha(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    level: Level = "nominal",
    value_domain: Sequence[Any] | None = None,
) -> float:
    """Krippendorff's alpha of long (target, rater, rating) data.

    Parameters
    ----------
    data : DataFrame
        One row per target x rater; a missing ``ratings`` cell is no value.
    targets, raters, ratings : str
        Column names of the coded units (e.g. ``session_id``), the raters
        (coders, e.g. ``observer_id``) and the values.  (pilot-eval 0.1 called these
        ``units``, ``coders`` and ``values``; the old keywords still work for
        one release, with a ``DeprecationWarning``.)
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which selects the difference function.
    value_domain : sequence, optional
        The possible ratings, in order (needed for ordinal strings).  Default:
        the sorted values present.  Values not present do not change alpha.

    Returns
    -------
    float
        Alpha; NaN when no unit has two pairable values or all pairable
        values are equal (no expected disagreement).

    Notes
    -----
    Units with fewer than two values are not pairable and do not count
    (Krippendorff 2011).  The ordinal metric uses ranks with counts:
    ``delta(c, k) = (sum_{g=c}^{k} n_g - (n_c + n_k) / 2) ** 2`` with the
    pairable-value frequencies ``n_g``.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Departmental Papers (ASC), University of Pennsylvania, 43.

    Examples
    --------
    Krippendorff's (2011) own example, 4 observers x 12 units with missing
    values; the published alphas are 0.743 (nominal) and 0.849 (interval):

    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats import krippendorff_alpha
    >>> nan = np.nan
    >>> matrix = np.array([
    ...     [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...     [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ... ])
    >>> data = pd.DataFrame({"unit": np.tile(np.arange(12), 4),
    ...                      "observer": np.repeat(list("ABCD"), 12),
    ...                      "value": matrix.ravel()})
    >>> round(krippendorff_alpha(data, targets="unit", raters="observer",
    ...                          ratings="value", level="nominal"), 3)
    0.743
    >>> round(krippendorff_alpha(data, "unit", "observer", "value", level="interval"), 3)
    0.849
    """
    u = _prepare(data, targets, raters, ratings, level, value_domain)
    if u.counts.shape[0] == 0:
        return float("nan")
    return float(_alpha_weighted(u, np.ones((1, u.counts.shape[0])))[0])


@renamed_arguments(units="targets", coders="raters", values="ratings")
def krippendorff_alpha_ci(
    data: pd.DataFrame,
    targets: str,
    raters: str,
    ratings: str,
    level: Level = "nominal",
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    value_domain: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Krippendorff's alpha with a percentile bootstrap interval over units.

    Parameters
    ----------
    data, targets, raters, ratings, level, value_domain
        As in :func:`krippendorff_alpha`.
    n_boot : int
        Number of bootstrap replicates.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.
    confidence : float
        Confidence level of the percentile interval.

    Returns
    -------
    DataFrame
        One row: ``level``, ``estimate``, ``ci_low``, ``ci_high``,
        ``n_units`` (pairable targets, i.e. with >= 2 ratings), ``n_pairable``
        (pairable ratings, ``n..``), ``n_boot`` and ``n_valid`` (replicates
        with a defined alpha).

    Notes
    -----
    Nonparametric bootstrap of the pairable units: with the ``n_units``
    pairable units sorted by id, replicate ``b`` is the alpha of the data set
    holding the units ``default_rng(seed).integers(0, n_units, size=(n_boot,
    n_units))[b]`` (drawn with replacement; a unit drawn twice enters
    twice).  Per-unit coincidence contributions are
    computed once and every replicate's coincidence matrix is a matrix
    product, so no loop runs over replicates.  The interval is the
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the
    replicates with a defined alpha (``numpy.quantile``, linear
    interpolation).  Memory grows as ``n_boot x n_units``.  This
    differs from Krippendorff's own bootstrap (Hayes & Krippendorff 2007),
    which resamples pairs of values.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Departmental Papers (ASC), University of Pennsylvania, 43.

    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
    Chapman & Hall.

    Examples
    --------
    Three coders agree on most of 40 sessions (ordinal codes 1-5):

    >>> import numpy as np
    >>> import pandas as pd
    >>> from pilot_eval.stats import krippendorff_alpha_ci
    >>> rng = np.random.default_rng(1)
    >>> truth = rng.integers(1, 6, size=40)
    >>> codes = np.clip(truth + rng.integers(-1, 2, size=(3, 40)) * (rng.random((3, 40)) < 0.3), 1, 5)
    >>> data = pd.DataFrame({"session": np.tile(np.arange(40), 3),
    ...                      "observer": np.repeat(["A", "B", "C"], 40),
    ...                      "code": codes.ravel()})
    >>> res = krippendorff_alpha_ci(data, targets="session", raters="observer", ratings="code",
    ...                             level="ordinal", n_boot=500, seed=0, confidence=0.95)
    >>> res[["level", "estimate", "ci_low", "ci_high", "n_units", "n_valid"]].round(3)
         level  estimate  ci_low  ci_high  n_units  n_valid
    0  ordinal     0.926   0.869    0.949       40      500
    """
    check_confidence(confidence)
    if n_boot < 1:
        raise ValueError("n_boot must be >= 1")
    u = _prepare(data, targets, raters, ratings, level, value_domain)
    n_units = u.counts.shape[0]
    row: dict[str, Any] = {
        "level": level,
        "estimate": float("nan"),
        "ci_low": float("nan"),
        "ci_high": float("nan"),
        "n_units": n_units,
        "n_pairable": int(u.counts.sum()),
        "n_boot": n_boot,
        "n_valid": 0,
    }
    if n_units > 0:
        row["estimate"] = float(_alpha_weighted(u, np.ones((1, n_units)))[0])
        weights = bootstrap_counts(n_units, n_boot, seed)
        reps = _alpha_weighted(u, weights)
        valid = np.isfinite(reps)
        row["n_valid"] = int(valid.sum())
        if valid.any():
            tail = (1.0 - confidence) / 2.0
            low, high = np.quantile(reps[valid], [tail, 1.0 - tail])
            row["ci_low"], row["ci_high"] = float(low), float(high)
    return pd.DataFrame([row])
