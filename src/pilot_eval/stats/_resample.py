"""Resampling draws shared by the bootstrap statistics (ICC bands, Krippendorff's alpha)."""

from __future__ import annotations

import numpy as np

__all__ = ["bootstrap_counts"]


def bootstrap_counts(n: int, n_boot: int, seed: int | None) -> np.ndarray:
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
