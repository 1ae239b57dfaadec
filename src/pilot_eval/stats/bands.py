"""Per-target confidence bands and reliable change for means of k ratings.

A leader's score is a mean of ``k`` ratings.  Under the classical model a
single rating is ``true score + error``; the single-rater reliability
``rho1`` (e.g. ICC1 from :func:`pilot_eval.stats.icc.icc_oneway_unbalanced`) and the
observed between-target SD fix the error variance, so every leader gets a
standard error of measurement (SEM) for its own ``k``, a band around its
score, and the Jacobson & Truax (1991) reliable change threshold between two
waves (with different rater counts before and after).

References
----------
Lord, F. M., & Novick, M. R. (1968). *Statistical Theories of Mental Test
Scores*. Addison-Wesley.

Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. *Journal of
Consulting and Clinical Psychology*, 59(1), 12-19.

When the **same raters** rate a target at both waves, part of each rater's
error (their lasting view of that target) is in both scores and cancels in the
change.  :func:`same_rater_error` splits the error variance of a single rating
into that persistent part and the transient part, and :func:`change_sem` gives
the standard error of a change for any mix of shared and new raters; pass it
to :func:`reliable_change` as ``s_diff``.

Cronbach, L. J., Gleser, G. C., Nanda, H., & Rajaratnam, N. (1972). *The
Dependability of Behavioral Measurements: Theory of Generalizability for
Scores and Profiles*. Wiley (rater x occasion designs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pilot_eval.stats._checks import require_columns, z_critical
from pilot_eval.stats.spearman_brown import spearman_brown

__all__ = [
    "sem",
    "sem_of_mean",
    "leader_bands",
    "reliable_change_threshold",
    "reliable_change",
    "same_rater_error",
    "change_sem",
]


def _out(value: np.ndarray) -> Any:
    return float(value) if np.ndim(value) == 0 else value


def sem(sd: Any, reliability: Any) -> Any:
    """Classical standard error of measurement: ``sd * sqrt(1 - reliability)``.

    Parameters
    ----------
    sd : float or array-like
        Between-target SD of the observed scores.
    reliability : float or array-like
        Reliability of those scores.

    Returns
    -------
    float or ndarray

    Examples
    --------
    ``10 * sqrt(1 - 0.91) = 3`` and ``10 * sqrt(1 - 0.75) = 5``:

    >>> round(sem(10.0, 0.91), 6)
    3.0
    >>> sem([10.0, 10.0], [0.91, 0.75]).round(6)
    array([3., 5.])

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). *Statistical Theories of Mental Test
    Scores*. Addison-Wesley.
    """
    sd = np.asarray(sd, dtype=np.float64)
    reliability = np.asarray(reliability, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return _out(sd * np.sqrt(1.0 - reliability))


def sem_of_mean(rho1: Any, k: Any, sd: Any, sd_k: Any = 1.0) -> Any:
    """SEM of a mean of ``k`` ratings.

    Parameters
    ----------
    rho1 : float or array-like
        Single-rater reliability.
    k : float or array-like
        Number of ratings in the mean.
    sd : float or array-like
        Observed between-target SD of means of ``sd_k`` ratings.
    sd_k : float or array-like
        Number of ratings behind the scores whose SD is ``sd`` (1: SD of
        single ratings).

    Returns
    -------
    float or ndarray
        ``sd * sqrt(sd_k * (1 - rho_{sd_k}) / k)`` with ``rho_m`` the
        Spearman-Brown reliability of ``m`` ratings.  For ``sd_k = k`` this is
        the classical ``SEM_k = sd * sqrt(1 - rho_k)``.

    Notes
    -----
    Means of ``m`` ratings have variance ``sd_T**2 + sd_e**2 / m`` and
    reliability ``rho_m = sd_T**2 / (sd_T**2 + sd_e**2 / m)``, so an observed
    SD of such means gives the single-rating error variance ``sd_e**2 = m *
    sd**2 * (1 - rho_m)``, and the mean of ``k`` ratings has error SD
    ``sd_e / sqrt(k)``.

    Examples
    --------
    Single ratings with SD 1 and reliability 0.5 carry error variance 0.5; a
    mean of 4 has error SD ``sqrt(0.5 / 4)``:

    >>> round(sem_of_mean(0.5, 4, 1.0), 4)
    0.3536

    With ``sd`` the SD of means of 4 ratings (``rho_4 = 0.8``), the classical
    ``1 * sqrt(1 - 0.8)``:

    >>> round(sem_of_mean(0.5, 4, 1.0, sd_k=4), 4)
    0.4472

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). *Statistical Theories of Mental Test
    Scores*. Addison-Wesley.
    """
    k = np.asarray(k, dtype=np.float64)
    sd_k = np.asarray(sd_k, dtype=np.float64)
    if np.any(k <= 0) or np.any(sd_k <= 0):
        raise ValueError("k and sd_k must be positive")
    rho_sd = np.asarray(spearman_brown(rho1, sd_k), dtype=np.float64)
    sd = np.asarray(sd, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return _out(sd * np.sqrt(sd_k * (1.0 - rho_sd) / k))


def leader_bands(
    scores: pd.DataFrame,
    rho1: float,
    sd: float,
    targets: str = "target",
    k: str = "k",
    value: str = "value",
    sd_k: float = 1.0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Confidence band of each target's mean score, from its number of raters.

    Parameters
    ----------
    scores : DataFrame
        One row per target with its number of ratings ``k`` and mean ``value``.
    rho1 : float
        Single-rater reliability (e.g. ICC1).
    sd : float
        Observed between-target SD of means of ``sd_k`` ratings.
    targets, k, value : str
        Column names.
    sd_k : float
        Number of ratings behind ``sd`` (see :func:`sem_of_mean`).
    confidence : float
        Coverage of the band (normal quantile).

    Returns
    -------
    DataFrame
        ``targets``, ``k``, ``value``, ``rho_k`` (Spearman-Brown reliability
        of the target's mean), ``se`` (its standard error of measurement,
        :func:`sem_of_mean`),
        ``ci_low`` and ``ci_high`` (``value -/+ z * se``), one row per input
        row, in input order.

    Examples
    --------
    With ``rho1 = 0.5`` and single-rating SD 1, a leader with 2 raters has
    ``se = sqrt(0.5 / 2) = 0.5`` and one with 8 raters ``0.25``:

    >>> s = pd.DataFrame({"target": ["a", "b"], "k": [2, 8], "value": [3.5, 4.0]})
    >>> leader_bands(s, rho1=0.5, sd=1.0).round(3)
      target    k  value  rho_k    se  ci_low  ci_high
    0      a  2.0    3.5  0.667  0.50    2.52     4.48
    1      b  8.0    4.0  0.889  0.25    3.51     4.49

    References
    ----------
    Lord, F. M., & Novick, M. R. (1968). *Statistical Theories of Mental Test
    Scores*. Addison-Wesley.
    """
    missing = [c for c in (targets, k, value) if c not in scores.columns]
    if missing:
        raise KeyError(f"columns not in scores: {missing}")
    z = z_critical(confidence)
    kk = pd.to_numeric(scores[k]).to_numpy(dtype=np.float64, na_value=np.nan)
    vv = pd.to_numeric(scores[value]).to_numpy(dtype=np.float64, na_value=np.nan)
    if np.any(kk[~np.isnan(kk)] <= 0):
        raise ValueError("k must be positive")
    ok = ~np.isnan(kk)
    rho_k = np.full(kk.shape, np.nan)
    se = np.full(kk.shape, np.nan)
    rho_k[ok] = spearman_brown(rho1, kk[ok])
    se[ok] = sem_of_mean(rho1, kk[ok], sd, sd_k)
    return pd.DataFrame(
        {
            targets: scores[targets].to_numpy(),
            k: kk,
            value: vv,
            "rho_k": rho_k,
            "se": se,
            "ci_low": vv - z * se,
            "ci_high": vv + z * se,
        },
        index=scores.index,
    )


def reliable_change_threshold(
    sem_pre: Any, sem_post: Any = None, confidence: float = 0.95
) -> Any:
    """Smallest change that is reliable (Jacobson & Truax 1991).

    Parameters
    ----------
    sem_pre : float or array-like
        SEM of the pre score.
    sem_post : float or array-like, optional
        SEM of the post score (default: ``sem_pre``, the original index).
    confidence : float
        ``0.95`` gives the usual ``z = 1.96``.

    Returns
    -------
    float or ndarray
        ``z * sqrt(sem_pre**2 + sem_post**2)``; with equal SEMs
        ``z * sqrt(2) * SEM`` = ``1.96 * S_diff`` of Jacobson & Truax.

    Examples
    --------
    ``1.96 * sqrt(2 * 3**2) = 8.315`` and ``1.96 * sqrt(3**2 + 4**2) = 9.8``:

    >>> round(reliable_change_threshold(3.0), 3)
    8.315
    >>> round(reliable_change_threshold(3.0, 4.0), 3)
    9.8

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
    approach to defining meaningful change in psychotherapy research.
    *Journal of Consulting and Clinical Psychology*, 59(1), 12-19.
    """
    pre = np.asarray(sem_pre, dtype=np.float64)
    post = pre if sem_post is None else np.asarray(sem_post, dtype=np.float64)
    return _out(z_critical(confidence) * np.sqrt(pre**2 + post**2))


def reliable_change(
    data: pd.DataFrame,
    rho1: float,
    sd: float,
    targets: str = "target",
    k_pre: str = "k_pre",
    value_pre: str = "value_pre",
    k_post: str = "k_post",
    value_post: str = "value_post",
    sd_k: float = 1.0,
    confidence: float = 0.95,
    higher_is_better: bool = True,
    s_diff: str | None = None,
) -> pd.DataFrame:
    """Jacobson & Truax (1991) reliable change index of each target.

    Parameters
    ----------
    data : DataFrame
        One row per target with the rater counts and mean scores before and
        after.
    rho1, sd, sd_k
        Single-rater reliability and observed between-target SD (see
        :func:`sem_of_mean`).
    targets, k_pre, value_pre, k_post, value_post : str
        Column names.
    confidence : float
        ``0.95``: a change is reliable when ``|RCI| > 1.96``.
    higher_is_better : bool
        Direction of improvement.
    s_diff : str, optional
        Column of ``data`` holding each target's standard error of the change
        (e.g. :func:`change_sem` for raters shared across waves); replaces
        ``sqrt(sem_pre**2 + sem_post**2)``, which assumes independent errors.

    Returns
    -------
    DataFrame
        ``targets``, ``change`` (post - pre), ``sem_pre``, ``sem_post``,
        ``s_diff`` (``sqrt(sem_pre**2 + sem_post**2)``), ``rci`` (change /
        s_diff), ``threshold`` (smallest reliable absolute change) and
        ``status``: ``"improved"``, ``"deteriorated"``, ``"no reliable
        change"`` or missing when a score or count is missing.

    Notes
    -----
    Each wave has its own SEM from its own rater count, so ``S_diff =
    sqrt(SEM_pre**2 + SEM_post**2)``; with equal counts this is Jacobson &
    Truax's ``sqrt(2 SEM**2)``.

    Examples
    --------
    Four raters at each wave, ``rho1 = 0.5``, single-rating SD 1: each SEM is
    ``sqrt(0.5 / 4)``, so ``S_diff = 0.5`` and a change is reliable beyond
    ``1.96 * 0.5 = 0.98``:

    >>> d = pd.DataFrame({"target": ["a", "b", "c"], "k_pre": [4, 4, 4],
    ...                   "value_pre": [3.0, 3.0, 3.0], "k_post": [4, 4, 4],
    ...                   "value_post": [4.5, 3.2, 1.8]})
    >>> r = reliable_change(d, rho1=0.5, sd=1.0)
    >>> r[["target", "change", "s_diff", "rci", "status"]].round(3)
      target  change  s_diff  rci              status
    0      a     1.5     0.5  3.0            improved
    1      b     0.2     0.5  0.4  no reliable change
    2      c    -1.2     0.5 -2.4        deteriorated
    >>> round(float(r["threshold"].iloc[0]), 3)
    0.98

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
    approach to defining meaningful change in psychotherapy research.
    *Journal of Consulting and Clinical Psychology*, 59(1), 12-19.
    """
    require_columns(data, targets, k_pre, value_pre, k_post, value_post)
    z = z_critical(confidence)

    def col(name: str) -> np.ndarray:
        return pd.to_numeric(data[name]).to_numpy(dtype=np.float64, na_value=np.nan)

    kp, kq = col(k_pre), col(k_post)
    if np.any(kp[~np.isnan(kp)] <= 0) or np.any(kq[~np.isnan(kq)] <= 0):
        raise ValueError("rater counts must be positive")
    sem_pre = np.full(kp.shape, np.nan)
    sem_post = np.full(kq.shape, np.nan)
    ok_p, ok_q = ~np.isnan(kp), ~np.isnan(kq)
    sem_pre[ok_p] = sem_of_mean(rho1, kp[ok_p], sd, sd_k)
    sem_post[ok_q] = sem_of_mean(rho1, kq[ok_q], sd, sd_k)
    change = col(value_post) - col(value_pre)
    s_diff_arr = np.sqrt(sem_pre**2 + sem_post**2) if s_diff is None else col(s_diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        rci = change / s_diff_arr
    signed = rci if higher_is_better else -rci
    status = np.select(
        [signed > z, signed < -z, np.isfinite(signed)],
        ["improved", "deteriorated", "no reliable change"],
        default="",
    )
    status_series = pd.Series(status, index=data.index, dtype="str")
    return pd.DataFrame(
        {
            targets: data[targets].to_numpy(),
            "change": change,
            "sem_pre": sem_pre,
            "sem_post": sem_post,
            "s_diff": s_diff_arr,
            "rci": rci,
            "threshold": z * s_diff_arr,
            "status": status_series.mask(status_series == ""),
        },
        index=data.index,
    )


def _pooled_within(values: np.ndarray, groups: np.ndarray) -> tuple[float, int]:
    """Pooled within-group variance and its degrees of freedom."""
    if len(values) == 0:
        return float("nan"), 0
    codes, uniques = pd.factorize(pd.Series(groups, dtype=object))
    sums = np.bincount(codes, weights=values, minlength=len(uniques))
    counts = np.bincount(codes, minlength=len(uniques))
    dev = values - (sums / counts)[codes]
    df = len(values) - len(uniques)
    return (float(dev @ dev / df) if df > 0 else float("nan")), int(df)


def same_rater_error(
    data: pd.DataFrame,
    targets: str = "target",
    raters: str = "rater",
    wave: str = "wave",
    value: str = "value",
    pre: str = "pre",
    post: str = "post",
) -> dict[str, float]:
    """Persistent and transient error variance of single ratings over two waves.

    Model: rater ``r``'s rating of target ``i`` at wave ``w`` is
    ``T_iw + u_ir + e_irw``, with ``u_ir`` the rater's lasting deviation for
    that target (variance ``persistent``) and ``e_irw`` a fresh error at each
    wave (variance ``transient``).  Within a target and wave the ratings vary
    by ``persistent + transient`` (the pooled within-target variance of both
    waves, ``within``); the change ``d_ir`` of a rater who rated at both waves
    varies around the target's mean change by ``2 * transient`` (the pooled
    within-target variance of those changes, ``diff``).  Hence
    ``transient = diff / 2`` and ``persistent = within - diff / 2`` (truncated
    to ``[0, within]``).

    Parameters
    ----------
    data : DataFrame
        One row per target x rater x wave with the rater's score.
    targets, raters, wave, value : str
        Column names.
    pre, post : str
        The two wave labels.

    Returns
    -------
    dict
        ``within``, ``df_within``, ``diff``, ``df_diff``, ``persistent``,
        ``transient`` and ``shared_share`` (``persistent / within``: the part
        of a rating's error that is shared by both waves).  ``diff`` (and the
        split) is ``nan`` when no target has two raters rated at both waves.

    References
    ----------
    Cronbach, L. J., Gleser, G. C., Nanda, H., & Rajaratnam, N. (1972). *The
    Dependability of Behavioral Measurements*. Wiley.

    Examples
    --------
    >>> d = pd.DataFrame({"target": ["a"] * 4 + ["b"] * 4, "rater": list("xyxyzwzw"),
    ...                   "wave": ["pre", "pre", "post", "post"] * 2,
    ...                   "value": [3.0, 4.0, 3.5, 4.5, 2.0, 3.0, 2.0, 4.0]})
    >>> e = same_rater_error(d)
    >>> round(e["within"], 3), round(e["diff"], 3), round(e["persistent"], 3)
    (0.875, 0.25, 0.75)
    """
    require_columns(data, targets, raters, wave, value)
    df = data[[targets, raters, wave, value]].copy()
    df[value] = pd.to_numeric(df[value]).astype("float64")
    df = df[df[value].notna() & df[wave].isin([pre, post]).to_numpy(dtype=bool)]
    key = df.groupby([targets, wave], observed=True, sort=False).ngroup().to_numpy()
    within, df_within = _pooled_within(df[value].to_numpy(), key)
    wide = df.pivot_table(index=[targets, raters], columns=wave, values=value, aggfunc="mean", observed=True)
    if pre in wide.columns and post in wide.columns:
        both = wide[[pre, post]].dropna()
        d = (both[post] - both[pre]).to_numpy(dtype="float64")
        diff, df_diff = _pooled_within(d, both.index.get_level_values(0).astype("str").to_numpy(dtype=object))
    else:
        diff, df_diff = float("nan"), 0
    if np.isfinite(diff) and np.isfinite(within):
        transient = min(diff / 2.0, within)
        persistent = within - transient
    else:
        transient = persistent = float("nan")
    share = persistent / within if np.isfinite(persistent) and within > 0 else float("nan")
    return {"within": within, "df_within": df_within, "diff": diff, "df_diff": df_diff,
            "persistent": persistent, "transient": transient, "shared_share": share}


def change_sem(k_pre: Any, k_post: Any, k_both: Any, persistent: float, transient: float) -> Any:
    """Standard error of a change in a mean rating when some raters rate both waves.

    With ``k_pre`` raters before, ``k_post`` after and ``k_both`` of them at
    both waves, the error of ``mean_post - mean_pre`` has variance

    ``persistent * (1/k_pre + 1/k_post - 2 k_both / (k_pre k_post))
    + transient * (1/k_pre + 1/k_post)``

    (the persistent errors of the shared raters cancel).  With no shared
    rater this is the classical ``SEM_pre**2 + SEM_post**2``; with the same
    ``k`` raters at both waves it is ``2 * transient / k``.

    Parameters
    ----------
    k_pre, k_post, k_both : float or array-like
        Rater counts (``k_both <= min(k_pre, k_post)``).
    persistent, transient : float
        Error variances of :func:`same_rater_error`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(change_sem(4, 4, 4, persistent=0.3, transient=0.2), 4)
    0.3162
    >>> round(change_sem(4, 4, 0, persistent=0.3, transient=0.2), 4)
    0.5
    """
    kp = np.asarray(k_pre, dtype=np.float64)
    kq = np.asarray(k_post, dtype=np.float64)
    kb = np.asarray(k_both, dtype=np.float64)
    if np.any(kp <= 0) or np.any(kq <= 0):
        raise ValueError("rater counts must be positive")
    if np.any(kb < 0) or np.any(kb > np.minimum(kp, kq)):
        raise ValueError("k_both must be between 0 and min(k_pre, k_post)")
    var = persistent * (1 / kp + 1 / kq - 2 * kb / (kp * kq)) + transient * (1 / kp + 1 / kq)
    with np.errstate(invalid="ignore"):
        return _out(np.sqrt(np.maximum(var, 0.0)))
