"""Leader bands and reliable change of the 360 empathy score (notebook 02, scorecard).

* :func:`leader_bands_360` - each leader's score with its confidence band;
* :func:`leader_reliable_change` - whether each leader changed by more than
  the measurement error of a change, with the same raters at both waves;
* :func:`reliable_change_summary` - leaders by arm and status (no IDs).

References
----------
Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. *Journal of
Consulting and Clinical Psychology*, 59(1), 12-19.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.measures import scores as measures
from pilot_eval.stats import bands
from pilot_eval.stats.icc import icc_oneway_unbalanced
from pilot_eval.steps.reliability.common import _nested_subset, _other_rater_means, _within_variance

# --------------------------------------------------------------------------
# leader bands and reliable change
# --------------------------------------------------------------------------
def _error_model(ratings: pd.DataFrame, rho1: float | None, wave: str | None,
                 rm: pd.DataFrame | None = None) -> tuple[float, float, str]:
    """(rho1, SD of single ratings, wave) for the 360 all-others measure.

    The reference wave is ``wave`` or the first wave where ICC1 can be
    estimated.  Its one-way ANOVA gives the variance of a single rating,
    ``sigma_T^2 + sigma_e^2 = (MSB + (n0 - 1) MSW) / n0``; with ``rho1``
    (default: that wave's ICC1) the classical SEM of a mean of ``k`` ratings
    is ``sd * sqrt((1 - rho1) / k)`` (:func:`pilot_eval.stats.bands.sem_of_mean`),
    which is ``sqrt(MSW / k)`` when ``rho1`` is the ICC1 itself.
    """
    rm = _other_rater_means(ratings) if rm is None else rm
    waves = [wave] if wave is not None else list(measures.WAVES)
    for w in waves:  # first wave where ICC1 can be estimated
        sub = _nested_subset(rm, None, w)
        if sub["leader_id"].nunique() >= 2 and sub.groupby("leader_id", observed=True).size().ge(2).any():
            est = icc_oneway_unbalanced(sub, "leader_id", "rater_mean").set_index("method")
            f, n0 = float(cast(float, est.loc["ICC1", "f"])), float(cast(float, est.loc["ICC1", "n0"]))
            rho = float(cast(float, est.loc["ICC1", "estimate"])) if rho1 is None else float(rho1)
            msw = _within_variance(rm, w)
            sd = float(np.sqrt(msw * (f + n0 - 1.0) / n0))
            return rho, sd, w
    return float("nan"), float("nan"), ""


def leader_bands_360(
    ratings: pd.DataFrame,
    rho1: float | None = None,
    reference_wave: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Confidence band of each leader's empathy_360 in each wave.

    Parameters
    ----------
    ratings : DataFrame
        ratings table.
    rho1 : float, optional
        Single-rater reliability; default: ICC1 of all non-self raters in the
        reference wave.
    reference_wave : str, optional
        Wave whose one-way ANOVA gives the variance of a single rating;
        default: the first wave where ICC1 can be estimated.
    confidence : float
        Coverage of the band.

    Returns
    -------
    DataFrame
        ``leader_id, wave, k`` (non-self raters), ``value`` (empathy_360),
        ``rho_k`` (Spearman-Brown reliability of the leader's mean), ``se``
        (``sd * sqrt((1 - rho1) / k)``, i.e. ``sqrt(MSW / k)`` with the
        default ``rho1``), ``ci_low``, ``ci_high``
        (:func:`pilot_eval.stats.bands.leader_bands`).  Contains leader IDs: for
        researchers and the scorecard, not for display.
    """
    rho1, sd, _ = _error_model(ratings, rho1, reference_wave)
    emp = measures.empathy_360(ratings)
    out = bands.leader_bands(emp, rho1, sd, targets="leader_id", k="n_raters", value="empathy_360",
                             confidence=confidence)
    out.insert(1, "wave", emp["wave"].to_numpy())
    return out.rename(columns={"n_raters": "k", "empathy_360": "value"}).reset_index(drop=True)


def leader_band_summary(leader_bands: pd.DataFrame, wave: str = "baseline") -> pd.DataFrame:
    """Band width by number of raters in one wave (no IDs; chart and table input).

    Columns: k (raters), leaders, rho_k, se, half_width (``ci_high - value``).
    """
    sub = leader_bands[leader_bands["wave"].eq(wave).to_numpy(dtype=bool)]
    sub = sub.assign(half_width=sub["ci_high"] - sub["value"])
    out = (sub.groupby("k", observed=True, sort=True)
              .agg(leaders=("leader_id", "size"), rho_k=("rho_k", "first"), se=("se", "first"),
                   half_width=("half_width", "first"))
              .reset_index())
    out["k"] = out["k"].astype("int64")
    return out


def same_rater_error_360(ratings: pd.DataFrame, baseline_wave: str = "baseline",
                         endline_wave: str = "endline", rm: pd.DataFrame | None = None) -> dict[str, float]:
    """Persistent and transient error of a single non-self 360 rating over two waves.

    :func:`pilot_eval.stats.bands.same_rater_error` on each non-self rater's
    mean item score (:func:`pilot_eval.measures.scores.rater_means`), targets
    = leaders, raters = rater IDs.
    """
    rm = _other_rater_means(ratings) if rm is None else rm
    rm = rm[rm["wave"].isin([baseline_wave, endline_wave]).to_numpy(dtype=bool)]
    return bands.same_rater_error(rm, targets="leader_id", raters="rater_id", wave="wave",
                                  value="rater_mean", pre=baseline_wave, post=endline_wave)


def leader_reliable_change(
    cohort: Cohort,
    baseline_wave: str = "baseline",
    endline_wave: str = "endline",
    rho1: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Reliable change of each leader's empathy_360, for raters who rate both waves.

    Parameters
    ----------
    cohort : Cohort
        The loaded cohort.
    baseline_wave, endline_wave : str
        The two waves compared.
    rho1 : float, optional
        Kept for the leader bands' error model (``sem_baseline`` /
        ``sem_endline`` columns); the change's own error does not use it.
    confidence : float
        ``0.95``: a change is reliable when ``|RCI| > 1.96``.

    Returns
    -------
    DataFrame
        One row per leader of the leaders table: ``leader_id, arm, baseline,
        endline, change, threshold, status`` plus ``k_baseline, k_endline,
        k_both`` (raters at both waves), ``sem_baseline, sem_endline``
        (each wave's SEM), ``s_diff`` (SE of the change) and ``rci``.
        ``status`` is ``improved``, ``deteriorated``, ``no reliable change``,
        or missing when the leader lacks either wave.  Contains leader IDs.

    Notes
    -----
    Jacobson & Truax's ``S_diff = sqrt(SEM_pre**2 + SEM_post**2)`` assumes
    the two scores' errors are independent.  Here the same raters rate a
    leader at both waves, so each rater's lasting view of the leader is in
    both scores and cancels in the change.  The error of a single rating is
    split into that persistent part and a transient part
    (:func:`same_rater_error_360`, from the within-leader spread of the
    ratings and of the raters' own changes), and each leader's ``s_diff`` is
    :func:`pilot_eval.stats.bands.change_sem` for their counts of baseline,
    endline and shared raters.  Validated by simulation in
    ``tests/test_reliability.py``: truly unchanged leaders are flagged at
    the nominal 5 %.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
    approach to defining meaningful change in psychotherapy research.
    *Journal of Consulting and Clinical Psychology*, 59(1), 12-19.
    """
    rm = _other_rater_means(cohort.ratings)
    rho1, sd, _ = _error_model(cohort.ratings, rho1, None, rm)
    err = same_rater_error_360(cohort.ratings, baseline_wave, endline_wave, rm)
    emp = measures.empathy_360(cohort.ratings)
    wide = cohort.leaders[["leader_id", "arm"]].copy()
    for label, wave in (("baseline", baseline_wave), ("endline", endline_wave)):
        part = emp[emp["wave"].eq(wave).to_numpy(dtype=bool)][["leader_id", "empathy_360", "n_raters"]]
        part = part.rename(columns={"empathy_360": label, "n_raters": f"k_{label}"})
        wide = wide.merge(part, on="leader_id", how="left", validate="1:1")
    pairs = rm[rm["wave"].isin([baseline_wave, endline_wave]).to_numpy(dtype=bool)]
    both = (pairs.groupby(["leader_id", "rater_id"], observed=True)["wave"].nunique() == 2)
    k_both = both.groupby(level="leader_id", observed=True).sum().rename("k_both")
    wide["k_both"] = wide["leader_id"].map(k_both).astype("float64").fillna(0.0).to_numpy()
    kb = wide["k_baseline"].to_numpy(dtype="float64", na_value=np.nan)
    ke = wide["k_endline"].to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(kb) & np.isfinite(ke) & np.isfinite(err["persistent"])
    s_diff = np.full(len(wide), np.nan)
    if ok.any():
        s_diff[ok] = bands.change_sem(kb[ok], ke[ok], np.minimum(wide["k_both"].to_numpy()[ok],
                                                                  np.minimum(kb[ok], ke[ok])),
                                      err["persistent"], err["transient"])
    s_diff[s_diff <= 0] = np.nan
    wide["s_diff"] = s_diff
    rc = bands.reliable_change(wide, rho1, sd, targets="leader_id", k_pre="k_baseline",
                               value_pre="baseline", k_post="k_endline", value_post="endline",
                               confidence=confidence, s_diff="s_diff")
    out = pd.DataFrame({
        "leader_id": wide["leader_id"].to_numpy(), "arm": wide["arm"].to_numpy(),
        "baseline": wide["baseline"].to_numpy(dtype="float64", na_value=np.nan),
        "endline": wide["endline"].to_numpy(dtype="float64", na_value=np.nan),
        "change": rc["change"].to_numpy(), "threshold": rc["threshold"].to_numpy(),
        "status": rc["status"].to_numpy(),
        "k_baseline": kb, "k_endline": ke, "k_both": wide["k_both"].to_numpy(dtype="float64"),
        "sem_baseline": rc["sem_pre"].to_numpy(), "sem_endline": rc["sem_post"].to_numpy(),
        "s_diff": rc["s_diff"].to_numpy(), "rci": rc["rci"].to_numpy(),
    })
    out["status"] = out["status"].astype("str").mask(rc["status"].isna().to_numpy())
    out.attrs["error"] = err
    return out.sort_values("leader_id", ignore_index=True)


STATUSES: tuple[str, ...] = ("improved", "no reliable change", "deteriorated", "not rated in both waves")


def reliable_change_summary(change: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Leaders by arm and reliable-change status (counts and shares, no IDs).

    Columns: arm, status, leaders, share (of the arm's leaders rated in both
    waves; missing for ``not rated in both waves``), suppressed.  An arm with
    fewer than ``config.min_group_size`` leaders is not shown (counts and
    shares emptied, the reason in ``suppressed``).
    """
    status = change["status"].astype("object").where(change["status"].notna(), STATUSES[-1])
    df = pd.DataFrame({"arm": change["arm"].astype("str").to_numpy(), "status": status.to_numpy()})
    arms = [a for a in ("pilot", "comparison") if df["arm"].eq(a).any()]
    counts = (pd.crosstab(df["arm"], df["status"]).reindex(index=arms, columns=list(STATUSES),
                                                           fill_value=0))
    rated = counts[list(STATUSES[:-1])].sum(axis=1)
    long = cast(pd.Series, counts.stack()).rename("leaders").reset_index()
    long.columns = ["arm", "status", "leaders"]
    denom = long["arm"].map(rated).to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = long["leaders"].to_numpy(dtype="float64") / denom
    long["share"] = np.where(long["status"].eq(STATUSES[-1]), np.nan, share)
    arm_n = long["arm"].map(counts.sum(axis=1))
    small = (arm_n < config.min_group_size).to_numpy(dtype=bool)
    long["leaders"] = long["leaders"].astype("Int64").mask(small)
    long["share"] = long["share"].mask(small)
    reason = f"arm of fewer than {config.min_group_size} leaders: not shown (min_group_size)"
    long["suppressed"] = np.where(small, reason, "")
    return long


