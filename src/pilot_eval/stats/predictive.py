"""Does a leading indicator predict a lagging outcome out of sample?

:func:`cv_predictive_gain` answers with grouped cross-validation and a
permutation test:

1. Leaders are split into folds by org unit (:class:`sklearn.model_selection.GroupKFold`),
   so a unit's leaders are never in the training and the test fold at once.
2. In every fold two Poisson regressions with offset ``log(person-time)`` are
   fitted on the training leaders: **controls only** (role, culture,
   pre-window rate) and **controls + the leading indicator**.  Both are
   scored on the held-out leaders by the Poisson deviance.
3. The statistic is the out-of-sample deviance reduction
   ``gain = 1 - D(controls + leading) / D(controls)`` (a cross-validated D²
   of the leading indicator over the controls; > 0 = it improves prediction).
4. Its null distribution comes from permuting the leading indicator within
   role x culture strata (up to ``n_permutations`` times, ``seed``); the
   p-value is ``(1 + #{gain_perm >= gain}) / (1 + n_permutations)`` (Phipson &
   Smyth 2010).  Permutations are drawn in blocks and stop early once
   ``stop_after`` (20) permuted gains have reached the observed one, with the
   sequential p-value ``stop_after / L`` after ``L`` permutations (Besag &
   Clifford 1991, exact): a clearly null pair costs a few dozen refits
   instead of ``n_permutations``.  At the other end, a clearly predictive
   indicator stops once its p-value is decided: after ``DECIDED_AFTER`` (100)
   permutations none of which reached the observed gain, with the observed
   gain at least ``DECIDED_Z`` (30) SDs above the permuted gains' mean, the
   remaining permutations cannot plausibly reach it either, and the p-value is
   the full run's ``1 / (1 + n_permutations)``.

All fits (every fold of every permutation) are done at once by a batched,
vectorised Newton-Raphson (IRLS) solver, :func:`poisson_fit_batch`, with a
small ridge penalty on the standardised coefficients (not the intercept) so
that a category absent from a training fold cannot make the fit diverge.
Poisson deviance is used for every outcome, also when the count model uses a
negative binomial: the Poisson fit estimates the mean consistently under
overdispersion, and the permutation distribution carries the extra variance.

The multiplicity adjustment across all pairs is
:func:`pilot_eval.stats.multiplicity.adjust_p_values`.

References
----------
Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology*, 9(1), Article 39.

Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values.
*Biometrika*, 78(2), 301-304.

Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.

Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate.
*Journal of the Royal Statistical Society B*, 57(1), 289-300.

Cameron, A. C., & Windmeijer, F. A. G. (1996). R-squared measures for count
data regression models with applications to health-care utilization.
*Journal of Business & Economic Statistics*, 14(2), 209-220 (deviance R²).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from pilot_eval.stats.design import standardise
from pilot_eval.stats.guidelines import P_ADJUST_METHODS

#: Columns of :func:`cv_predictive_gain`'s result.
CV_COLUMNS: tuple[str, ...] = (
    "gain", "p_value", "deviance_controls", "deviance_full", "n", "n_folds", "n_permutations",
    "stopped_early", "decided_early",
)

#: Ridge penalty (on standardised, non-intercept coefficients) of the CV fits.
DEFAULT_RIDGE = 1.0

#: Sequential stopping: permuting stops once this many permuted gains reach the observed one.
STOP_AFTER = 20

#: Decided stop: after at least this many permutations, none reaching the observed gain, ...
DECIDED_AFTER = 100

#: ... and the observed gain this many SDs above the permuted gains' mean, the full-run
#: p-value ``1 / (1 + n_permutations)`` is taken as decided and permuting stops.
DECIDED_Z = 30.0

#: Cap on the elements of one batched work array (keeps memory bounded).
_MAX_BATCH_ELEMENTS = 4_000_000


# ---------------------------------------------------------------------------
# multiplicity
# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------
# permutations
# ---------------------------------------------------------------------------
def permute_within_strata(
    x: np.ndarray, strata: np.ndarray, n_permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """``n_permutations`` copies of ``x``, each permuted within strata.

    Vectorised: every row sorts the leaders by (stratum, uniform key), which
    is a uniformly random permutation inside each stratum.

    Returns
    -------
    ``(n_permutations, n)`` array.

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats.predictive import permute_within_strata
    >>> x = np.array([1.0, 2.0, 3.0, 10.0, 20.0])
    >>> strata = np.array(["a", "a", "a", "b", "b"])
    >>> perms = permute_within_strata(x, strata, 4, np.random.default_rng(0))
    >>> perms.shape, bool(np.all(np.sort(perms[:, :3], axis=1) == [1.0, 2.0, 3.0]))
    ((4, 5), True)
    """
    x = np.asarray(x)
    codes = pd.factorize(pd.Series(np.asarray(strata, dtype=object)), sort=True)[0].astype("float64")
    canonical = np.argsort(codes, kind="stable")
    keys = codes[None, :] + rng.random((n_permutations, len(x)))
    # keys are distinct (ties have probability ~ n**2 / 2**53), so the default
    # (SIMD) sort gives the same order as a stable one, several times faster
    order = np.argsort(keys, axis=1)
    out = np.empty((n_permutations, len(x)), dtype=x.dtype)
    out[:, canonical] = x[order]
    return out


# ---------------------------------------------------------------------------
# batched Poisson regression
# ---------------------------------------------------------------------------
def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Unit Poisson deviance ``2 * (y * log(y / mu) - (y - mu))`` (0 log 0 = 0).

    Examples
    --------
    >>> import numpy as np
    >>> from pilot_eval.stats.predictive import poisson_deviance
    >>> poisson_deviance(np.array([0.0, 2.0]), np.array([1.0, 2.0])).tolist()
    [2.0, 0.0]
    """
    y = np.asarray(y, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return 2.0 * (term - (y - mu))


def poisson_fit_batch(
    X: np.ndarray,
    y: np.ndarray,
    offset: np.ndarray,
    weights: np.ndarray,
    extra: np.ndarray | None = None,
    ridge: float = DEFAULT_RIDGE,
    start: np.ndarray | None = None,
    max_iter: int = 50,
    tol: float = 1e-6,
) -> np.ndarray:
    """Fit many ridge-penalised Poisson regressions at once (Newton-Raphson).

    Batch ``b`` minimises ``sum_i w[b, i] * (mu_i - y_i * eta_i) +
    ridge / 2 * ||beta[1:]||**2`` with ``eta = offset + [X, extra[b]] @ beta``.

    Parameters
    ----------
    X
        ``n x k0`` columns shared by every batch; the first must be the
        intercept (not penalised).
    y, offset
        Counts and offsets, length ``n``.
    weights
        ``B x n`` case weights (0/1 training masks for cross-validation).
    extra
        Optional ``B x n`` column that differs between batches (the permuted
        leading indicator), appended last.
    ridge
        Penalty on every coefficient except the intercept.
    start
        ``B x k`` starting values (default: intercept at the log of the
        weighted overall rate, the rest 0).
    max_iter, tol
        Newton iterations and convergence tolerance: a batch row stops (and
        leaves the batch) once its largest absolute Newton step is below
        ``tol``.  Newton converges quadratically, so the coefficients are
        then within about ``tol**2`` of the optimum.

    Returns
    -------
    ``B x k`` coefficients, ``k = k0 (+ 1)``.

    Notes
    -----
    Matches ``sklearn.linear_model.PoissonRegressor`` fitted on ``y / e`` with
    ``sample_weight = w * e`` and ``alpha = ridge / sum(w * e)`` (the same
    objective divided by ``sum(w * e)``).

    Examples
    --------
    Two weightings of the same data at once:

    >>> import numpy as np
    >>> from pilot_eval.stats.predictive import poisson_fit_batch
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200)
    >>> X = np.column_stack([np.ones(200), x])  # intercept first
    >>> y = rng.poisson(np.exp(0.5 + 0.3 * x))
    >>> w = np.vstack([np.ones(200), rng.integers(0, 3, 200)])
    >>> beta = poisson_fit_batch(X, y, np.zeros(200), w, ridge=0.0)
    >>> beta.shape, beta[0].round(2).tolist()  # planted: 0.5 and 0.3
    ((2, 2), [0.56, 0.28])
    """
    X = np.asarray(X, dtype="float64")
    y = np.asarray(y, dtype="float64")
    offset = np.asarray(offset, dtype="float64")
    W_all = np.atleast_2d(np.asarray(weights, dtype="float64"))
    E_all = None if extra is None else np.atleast_2d(np.asarray(extra, dtype="float64"))
    B = W_all.shape[0]
    k0 = X.shape[1]
    k = k0 + (0 if extra is None else 1)
    pen = np.full(k, float(ridge))
    pen[0] = 0.0
    if start is None:
        beta_all = np.zeros((B, k))
        rate = (W_all @ y) / (W_all @ np.exp(offset))
        beta_all[:, 0] = np.log(np.maximum(rate, 1e-12))
    else:
        beta_all = np.array(start, dtype="float64", copy=True)
    eye_pen = np.diag(pen)[None, :, :]
    # row-wise products x_ij x_il, j <= l (n x k0 (k0 + 1) / 2): the upper triangle of
    # X' diag(v_b) X for every batch b is one GEMM, mirrored below
    iu, ju = np.triu_indices(k0)
    outer = X[:, iu] * X[:, ju]
    # eta = [X, offset] @ [beta, 1]: the offset rides along in the product
    Xo_t = np.column_stack([X, offset]).T  # (k0 + 1) x n
    active = np.arange(B)  # rows still iterating; converged rows leave the batch
    W, ext, beta = W_all, E_all, beta_all
    Wy = W * y[None, :]
    for _ in range(max_iter):
        m = active.size
        eta = np.column_stack([beta[:, :k0], np.ones(m)]) @ Xo_t
        if ext is not None:
            eta += beta[:, k0:k0 + 1] * ext
        np.clip(eta, -50.0, 50.0, out=eta)
        v = np.exp(eta, out=eta)
        v *= W  # W * mu
        r = v - Wy  # W * (mu - y)
        H = np.empty((m, k, k))
        upper = v @ outer
        H[:, iu, ju] = upper
        H[:, ju, iu] = upper
        g = np.empty((m, k))
        g[:, :k0] = r @ X
        if ext is not None:
            vx = v * ext
            cross = vx @ X
            H[:, k0, :k0] = cross
            H[:, :k0, k0] = cross
            H[:, k0, k0] = np.einsum("bi,bi->b", vx, ext)
            g[:, k0] = np.einsum("bi,bi->b", r, ext)
        H += eye_pen
        g += pen[None, :] * beta
        step = np.linalg.solve(H, g[:, :, None])[:, :, 0]
        big = np.abs(step).max(axis=1)
        step = np.where((big > 5.0)[:, None], step * (5.0 / np.maximum(big, 1e-300))[:, None], step)
        beta = beta - step
        beta_all[active] = beta
        going = big >= tol
        if not going.any():
            break
        if not going.all():
            active, beta, W, Wy = active[going], beta[going], W[going], Wy[going]
            ext = None if ext is None else ext[going]
    return beta_all


# ---------------------------------------------------------------------------
# grouped cross-validation with a permutation test
# ---------------------------------------------------------------------------
def group_folds(groups: np.ndarray, n_splits: int = 5) -> np.ndarray:
    """Fold number of each leader from :class:`GroupKFold` (grouped by org unit).

    ``n_splits`` is lowered to the number of groups when there are fewer.

    Examples
    --------
    Org units stay together: every leader of a unit is in the same fold.

    >>> import numpy as np
    >>> from pilot_eval.stats.predictive import group_folds
    >>> units = np.array(["u1", "u1", "u2", "u3", "u3", "u4"])
    >>> fold = group_folds(units, n_splits=2)
    >>> bool(fold[0] == fold[1] and fold[3] == fold[4]), sorted(set(fold.tolist()))
    (True, [0, 1])
    """
    groups = np.asarray(groups, dtype=object)
    n_groups = len(pd.unique(groups))
    splits = min(n_splits, n_groups)
    if splits < 2:
        raise ValueError("grouped cross-validation needs at least 2 groups")
    fold = np.empty(len(groups), dtype="int64")
    dummy = np.zeros((len(groups), 1))
    for f, (_, test) in enumerate(GroupKFold(n_splits=splits).split(dummy, groups=groups)):
        fold[test] = f  # a handful of folds
    return fold


def _oos_deviance(
    X0: np.ndarray, y: np.ndarray, offset: np.ndarray, fold: np.ndarray, n_folds: int,
    ridge: float, extra: np.ndarray | None = None, start: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-sample deviance of each batch row; ``extra`` is ``R x n`` (or None).

    Returns the summed held-out deviance per row (``R``, or 1 without
    ``extra``) and the fitted coefficients ``(R * n_folds) x k``.
    """
    k0 = X0.shape[1]
    train = (fold[None, :] != np.arange(n_folds)[:, None]).astype("float64")  # F x n
    R = 1 if extra is None else extra.shape[0]
    W = np.tile(train, (R, 1))  # (R*F) x n, row = r * F + f
    ext = None if extra is None else np.repeat(extra, n_folds, axis=0)
    beta = poisson_fit_batch(X0, y, offset, W, extra=ext, ridge=ridge, start=start)
    # held-out Poisson deviance 2 * (y log y - y eta - (y - mu)), on each fold's
    # held-out leaders only (log mu = eta; 0 log 0 = 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y), 0.0)
    coef = beta.reshape(R, n_folds, -1)
    dev = np.zeros(R)
    for f in range(n_folds):  # a handful of folds
        test = np.flatnonzero(fold == f)
        eta = offset[test][None, :] + coef[:, f, :k0] @ X0[test].T  # R x n_test
        if extra is not None:
            eta += coef[:, f, k0:k0 + 1] * extra[:, test]
        yt = y[test][None, :]
        dev += 2.0 * (ylogy[test][None, :] - yt * eta - (yt - np.exp(eta))).sum(axis=1)
    return dev, beta


def cv_predictive_gain(
    y: np.ndarray,
    exposure: np.ndarray,
    leading: np.ndarray,
    controls: np.ndarray,
    groups: np.ndarray,
    strata: np.ndarray,
    n_splits: int = 5,
    n_permutations: int = 999,
    seed: int | None = 0,
    ridge: float = DEFAULT_RIDGE,
    stop_after: int | None = STOP_AFTER,
    decided_z: float | None = DECIDED_Z,
) -> pd.DataFrame:
    """Cross-validated deviance gain of a leading indicator, with permutation p-value.

    Parameters
    ----------
    y, exposure
        Lagging event counts and person-time per leader.
    leading
        The leading indicator (standardised here).
    controls
        ``n x p`` control columns without intercept (standardised here).
    groups
        Org unit of each leader (the folds keep units together).
    strata
        Permutation strata (role x culture labels).
    n_splits
        Folds of :class:`GroupKFold` (fewer if there are fewer org units).
    n_permutations
        Permutations of the leading indicator (0: no p-value).
    seed
        Seed of :func:`numpy.random.default_rng` for the permutations.
    ridge
        Ridge penalty of the fits (see :func:`poisson_fit_batch`).
    stop_after
        Stop permuting once this many permuted gains reach the observed gain
        (Besag & Clifford 1991); None runs all ``n_permutations``.
    decided_z
        Stop permuting once the p-value is decided: after at least
        ``DECIDED_AFTER`` permutations, none reaching the observed gain, and
        the observed gain at least ``decided_z`` permuted SDs above the
        permuted gains' mean; the p-value is then the full run's
        ``1 / (1 + n_permutations)``.  None runs all permutations.

    Returns
    -------
    DataFrame
        One row: ``gain`` (``1 - D_full / D_controls``, held-out Poisson
        deviances), ``p_value``, ``deviance_controls``, ``deviance_full``,
        ``n``, ``n_folds``, ``n_permutations`` (the number actually run),
        ``stopped_early`` (stopped by the Besag & Clifford rule, ``p =
        stop_after / n_permutations``) and ``decided_early`` (stopped because
        the full-run p-value ``1 / (1 + planned permutations)`` was decided).

    Notes
    -----
    The decided stop.  Under the null the held-out gain of one extra
    coefficient behaves like a shifted, scaled chi-square with 1 df (Wilks
    1938), so its standardised right tail is ``P(Z > z) ~ 2 Phi(-sqrt(1 +
    sqrt(2) z))``: about ``4e-11`` per permutation at ``z = 30``, below
    ``1e-7`` for all 999 permutations together.  (The permuted gains are
    indeed right-skewed: maxima 5-7 SDs above the mean in 200 permutations
    are common, which is why the threshold is far above a normal one.)
    Only a run with no permuted gain reaching the observed one can stop this
    way, and its full-run p-value would be ``1 / (1 + n_permutations)``
    unless one of the skipped permutations reached the observed gain.

    References
    ----------
    Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be
    zero. *Statistical Applications in Genetics and Molecular Biology*, 9(1).

    Besag, J., & Clifford, P. (1991). Sequential Monte Carlo p-values.
    *Biometrika*, 78(2), 301-304.

    Wilks, S. S. (1938). The large-sample distribution of the likelihood
    ratio for testing composite hypotheses. *Annals of Mathematical
    Statistics*, 9(1), 60-62.

    Examples
    --------
    A leading indicator that drives the counts gains out-of-sample deviance:

    >>> import numpy as np
    >>> from pilot_eval.stats.predictive import cv_predictive_gain
    >>> rng = np.random.default_rng(1)
    >>> n = 120
    >>> lead = rng.normal(size=n)
    >>> exposure = np.full(n, 365.0)
    >>> y = rng.poisson(exposure / 365 * np.exp(0.5 - 0.6 * lead))
    >>> res = cv_predictive_gain(y, exposure, lead, np.zeros((n, 0)), np.arange(n) % 12,
    ...                          np.zeros(n), n_permutations=99, seed=0)
    >>> bool(res.loc[0, "gain"] > 0), bool(res.loc[0, "p_value"] <= 0.05)
    (True, True)
    """
    # The batched fits are many small matrix products: on a shared 2-core
    # machine a multi-threaded BLAS slows them down several-fold as soon as
    # another process is busy, and gains almost nothing when idle.
    with threadpool_limits(limits=1, user_api="blas"):
        return _cv_predictive_gain(y, exposure, leading, controls, groups, strata, n_splits,
                                   n_permutations, seed, ridge, stop_after, decided_z)


def _cv_predictive_gain(
    y: np.ndarray, exposure: np.ndarray, leading: np.ndarray, controls: np.ndarray,
    groups: np.ndarray, strata: np.ndarray, n_splits: int, n_permutations: int,
    seed: int | None, ridge: float, stop_after: int | None, decided_z: float | None,
) -> pd.DataFrame:
    """:func:`cv_predictive_gain` without the BLAS thread limit."""
    y = np.asarray(y, dtype="float64")
    n = len(y)
    offset = np.log(np.asarray(exposure, dtype="float64"))
    C = np.asarray(controls, dtype="float64").reshape(n, -1)
    C = np.column_stack([standardise(C[:, j]) for j in range(C.shape[1])]) if C.shape[1] else C
    X0 = np.column_stack([np.ones(n), C])
    x = standardise(np.asarray(leading, dtype="float64"))
    fold = group_folds(groups, n_splits)
    n_folds = int(fold.max()) + 1

    d_controls, beta0 = _oos_deviance(X0, y, offset, fold, n_folds, ridge)
    dc = float(d_controls[0])

    def gains_of(block: np.ndarray) -> np.ndarray:
        start = np.column_stack([np.tile(beta0, (block.shape[0], 1)), np.zeros(block.shape[0] * n_folds)])
        d_full, _ = _oos_deviance(X0, y, offset, fold, n_folds, ridge, extra=block, start=start)
        return 1.0 - d_full / dc if dc > 0 else np.full(block.shape[0], np.nan)

    observed = gains_of(x[None, :])
    gain = float(observed[0])
    d_full_obs = dc * (1.0 - gain) if dc > 0 else np.nan
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _MAX_BATCH_ELEMENTS // max(1, n_folds * n * X0.shape[1]))
    per_chunk = min(per_chunk, 50)  # small blocks, so that early stopping saves work
    hits, used, p, stopped, decided = 0, 0, np.nan, False, False
    seen: list[np.ndarray] = []  # permuted gains so far (at most n_permutations floats)
    for lo in range(0, n_permutations, per_chunk):  # bounded-memory blocks of permutations
        block = permute_within_strata(x, strata, min(per_chunk, n_permutations - lo), rng)
        perm_gains = gains_of(block)
        exceed = perm_gains >= gain - 1e-12
        if stop_after is not None and hits + int(exceed.sum()) >= stop_after:
            last = int(np.flatnonzero(np.cumsum(exceed) + hits >= stop_after)[0])
            used = lo + last + 1
            p = stop_after / used  # Besag & Clifford (1991)
            stopped = True
            break
        hits += int(exceed.sum())
        used = lo + len(exceed)
        seen.append(perm_gains)
        if decided_z is not None and hits == 0 and DECIDED_AFTER <= used < n_permutations:
            z = _standardised(gain, np.concatenate(seen))
            if z >= decided_z:  # the full run's p-value is decided (see Notes)
                p = 1.0 / (1.0 + n_permutations)
                decided = True
                break
    else:
        p = (1.0 + hits) / (1.0 + n_permutations) if n_permutations > 0 else np.nan
    return pd.DataFrame([{
        "gain": gain, "p_value": float(p), "deviance_controls": dc, "deviance_full": float(d_full_obs),
        "n": n, "n_folds": n_folds, "n_permutations": int(used), "stopped_early": stopped,
        "decided_early": decided,
    }], columns=list(CV_COLUMNS))


def _standardised(value: float, sample: np.ndarray) -> float:
    """``(value - mean) / sd`` of a sample (ddof 1); NaN when undefined or constant."""
    finite = sample[np.isfinite(sample)]
    if finite.size < 2 or not np.isfinite(value):
        return float("nan")
    sd = float(finite.std(ddof=1))
    return (value - float(finite.mean())) / sd if sd > 0 else float("nan")

