"""Step 2: how far the cohort's measures can be trusted (notebook 02).

The statistics live in their own modules (:mod:`~pilot_eval.stats.icc`,
:mod:`~pilot_eval.stats.kripp_alpha`, :mod:`~pilot_eval.stats.kappa`,
:mod:`~pilot_eval.stats.internal_consistency`, :mod:`~pilot_eval.stats.spearman_brown`,
:mod:`~pilot_eval.stats.bands`); this module applies them to a cohort and builds
``results/reliability.csv``, ``results/min_raters.csv``, each leader's
confidence band and the reliable change the scorecard counts.

Designs
-------
* **360 survey (nested).**  Each leader is rated by their own raters, with
  unequal numbers of raters, so the one-way random-effects ICC for unbalanced
  groups is used (:func:`pilot_eval.stats.icc.icc_oneway_unbalanced`, n0-corrected).
  Targets are the leaders **within one wave** (baseline, midpoint, endline
  separately); ratings are each rater's mean item score
  (:func:`pilot_eval.measures.scores.rater_means`).  Waves are kept apart rather than
  pooled with leader x wave as target because the same raters rate the same
  leader in every wave: pooled targets would not be independent and the
  intervals would be too narrow.  No leader is dropped for having few raters:
  a leader with one rater adds to the between-leader mean square only.  A
  rater type with one rater per leader (the manager) gives no within-leader
  variance, so its ICC cannot be estimated, and the table says so.
* **Observers (crossed).**  Double-coded sessions are the inter-rater sample.
  When every double-coded session was coded by the same observers, the
  design is the crossed observers x sessions design of Shrout & Fleiss and
  the raters are the observers.  Otherwise (the usual case: a session's two
  coders are drawn from a pool) the raters are the coder slots: the first
  and second coder of each session in sorted observer-id order, and a session
  with more than two coders contributes its first two.  Then only ICC1 /
  ICC1k (Shrout & Fleiss case 1: each target rated by a different set of
  raters) describe the observers; ICC2 / ICC3 are reported for completeness
  but their "rater" effect is the slot, not an observer.
* **Reference reliability.**  Downstream numbers (minimum raters, leader
  bands, reliable change) use the single-rater ICC1 of the **first wave** in
  which it can be estimated (normally baseline): measured before training
  could change how raters rate.

Labels of ``results/reliability.csv``
-------------------------------------
``measure``
    ``empathy_360:manager``, ``empathy_360:peer``,
    ``empathy_360:direct_report``: the 360 ratings of one rater type;
    ``empathy_360:all_others``: all non-self raters together (the raters
    behind ``empathy_360``); ``empathy_360:items``: the instrument's items
    (Cronbach's alpha over non-self responses); ``behaviour:<code>``: one
    codebook behaviour on the double-coded sessions; ``behaviour_index``: the
    session behaviour score (share of applicable behaviours shown, ordinal
    codes rescaled to 0-1, with this run's exclusions) each observer gives a
    double-coded session.
``method``
    ``ICC1``, ``ICC1k`` (360 and observers), ``ICC2``, ``ICC2k``, ``ICC3``,
    ``ICC3k`` (observers only; the ``mcgraw_wong`` column gives McGraw &
    Wong's names), ``kripp_alpha`` (nominal for binary, ordinal for 1-5
    behaviours), ``cohen_kappa`` (unweighted for binary, quadratic weights for
    ordinal), ``fleiss_kappa`` (only when every double-coded session has the
    same number of coders; nominal) and ``cronbach_alpha``.
``n_targets`` / ``mean_raters``
    Leaders and mean raters per leader (360 ICC); sessions and coders per
    session (observer rows; for ``kripp_alpha`` pairable sessions and mean
    pairable values per session); responses and **items** (Cronbach).
``verdict``
    ICC and Cronbach rows: the Koo & Li (2016) band judged from the 95 %
    confidence interval (``"good"``, ``"moderate to good"`` ...; Cronbach's
    alpha is ICC(C,k) with items as raters).  ``kripp_alpha`` and kappa
    rows: Krippendorff's ``reliable`` (>= 0.800), ``tentative`` (0.667 to
    0.800) or ``unreliable`` (< 0.667).  ``insufficient data`` under
    :data:`pilot_eval.measures.behaviour_exclusions.MIN_DOUBLE_CODED` double-coded
    sessions; ``not estimable`` when the design has no within-target
    variance (the reason is in ``note``).
Extra columns
    ``wave`` (360 ICC rows), ``design``, ``mcgraw_wong``, ``description``,
    ``level``, ``f``, ``df1``, ``df2``, ``p_value``, ``n0``, ``p_poor``,
    ``p_moderate``, ``p_good``, ``p_excellent`` (bootstrap probability of each
    Koo & Li band over targets, :func:`pilot_eval.stats.icc.icc_band_probabilities`;
    ICC rows, and for a coder-slot design only ICC1 / ICC1k),
    ``in_behaviour_index`` (behaviour rows) and ``note``.

References
----------
Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
assessing rater reliability. *Psychological Bulletin*, 86(2), 420-428.

McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
correlation coefficients. *Psychological Methods*, 1(1), 30-46.

Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting
intraclass correlation coefficients for reliability research. *Journal of
Chiropractic Medicine*, 15(2), 155-163.

Krippendorff, K. (2004). *Content Analysis: An Introduction to Its
Methodology* (2nd ed.). Sage, ch. 11.

Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. *Journal of
Consulting and Clinical Psychology*, 59(1), 12-19.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

import numpy as np
import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.steps.reliability import calibration as rater_calibration
from pilot_eval.measures.behaviour_exclusions import excluded_behaviours
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.stats.spearman_brown import raters_needed
from pilot_eval.steps.reliability.agreement import (  # noqa: F401  (re-exported)
    _per_observer_session_scores, behaviour_agreement, item_consistency, observer_icc, rater_icc,
    reference_reliability, reliability_table,
)
from pilot_eval.steps.reliability.change import (  # noqa: F401  (re-exported)
    STATUSES, leader_band_summary, leader_bands_360, leader_reliable_change, reliable_change_summary,
    same_rater_error_360,
)
from pilot_eval.steps.reliability.common import (  # noqa: F401  (re-exported)
    _nested_subset, _other_rater_means,
    ALL_OTHERS, CONTRACT_COLUMNS, EXTRA_COLUMNS, INSUFFICIENT, NESTED_DESIGN, NESTED_MEASURES, NOT_ESTIMABLE,
    SESSION_SCORE, within_leader_variance,
)
from pilot_eval.steps.reliability.views import (  # noqa: F401  (re-exported)
    behaviour_view, internal_consistency_view, min_raters_view, observer_icc_view, rater_icc_view,
    summary_text, table_view,
)

__all__ = [
    "CONTRACT_COLUMNS",
    "EXTRA_COLUMNS",
    "NESTED_MEASURES",
    "ReliabilityResults",
    "rater_icc",
    "observer_icc",
    "behaviour_agreement",
    "item_consistency",
    "reliability_table",
    "reference_reliability",
    "within_leader_variance",
    "rater_count_distribution",
    "min_raters",
    "leader_bands_360",
    "leader_band_summary",
    "leader_reliable_change",
    "same_rater_error_360",
    "reliable_change_summary",
    "analyse",
    "rater_icc_view",
    "observer_icc_view",
    "behaviour_view",
    "internal_consistency_view",
    "min_raters_view",
    "table_view",
    "summary_text",
]


# --------------------------------------------------------------------------
# minimum raters (Spearman-Brown)
# --------------------------------------------------------------------------
def _raters_per_leader(ratings: pd.DataFrame, wave: str) -> pd.DataFrame:
    """Leaders rated by any non-self rater in ``wave`` x raters of each measure (0 if none)."""
    sub = _nested_subset(_other_rater_means(ratings), None, wave)
    leaders = pd.Index(sub["leader_id"].unique(), name="leader_id").sort_values()
    counts = sub.groupby(["leader_id", "rater_type"], observed=True).size().unstack(fill_value=0)
    out = pd.DataFrame(index=leaders)
    for measure, rater_type in NESTED_MEASURES.items():
        if rater_type is None:
            col = counts.sum(axis=1)
        else:
            col = counts[rater_type] if rater_type in counts.columns else pd.Series(0, index=counts.index)
        out[measure] = col.reindex(leaders, fill_value=0).astype("int64")
    return out


def rater_count_distribution(ratings: pd.DataFrame, wave: str = "baseline") -> pd.DataFrame:
    """Leaders by number of raters of each 360 measure in one wave (chart input).

    Columns: measure, n_raters, leaders.  Leaders rated in the wave with no
    rater of a type count with 0.
    """
    per = _raters_per_leader(ratings, wave)
    long = per.melt(var_name="measure", value_name="n_raters")
    return (long.groupby(["measure", "n_raters"], observed=True, sort=True).size()
            .rename("leaders").reset_index())


def min_raters(
    table: pd.DataFrame,
    ratings: pd.DataFrame,
    target_reliability: float = 0.75,
    sessions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``results/min_raters.csv``: raters needed to reach ``target_reliability``.

    Parameters
    ----------
    table : DataFrame
        The reliability table (:func:`reliability_table`).
    ratings : DataFrame
        ratings table, for the rater counts leaders actually had.
    target_reliability : float
        Reliability the mean of the raters should reach.
    sessions : DataFrame, optional
        ``session_id`` and ``n_observers`` of every observed session
        (:func:`pilot_eval.measures.scores.behaviour_session_scores`); adds the row
        ``behaviour_index`` (observers needed per session).

    Returns
    -------
    DataFrame
        One row per measure of :data:`NESTED_MEASURES` (and
        ``behaviour_index``): ``measure``, ``target_reliability``,
        ``single_rater_reliability`` (ICC1 of the reference wave, see
        :func:`reference_reliability`), ``min_raters`` (Spearman-Brown,
        rounded up; ``inf`` when ICC1 <= 0, missing when it cannot be
        estimated), ``min_raters_if_ci_low`` / ``min_raters_if_ci_high``
        (the same at the ICC's interval limits), ``wave``, ``rater_unit``,
        ``n_targets_actual`` (leaders rated in the wave / sessions),
        ``median_raters_actual``, ``fewest_raters_actual``,
        ``most_raters_actual``, ``share_meeting`` (share of leaders / sessions
        with at least ``min_raters``) and ``note``.

    References
    ----------
    Spearman, C. (1910); Brown, W. (1910). *British Journal of Psychology*, 3.
    Shrout, P. E., & Fleiss, J. L. (1979). *Psychological Bulletin*, 86(2),
    420-428.
    """
    rows: list[dict[str, Any]] = []

    def row(measure: str, counts: pd.Series | None, unit: str, ref: pd.Series | None,
            note: str | None) -> dict[str, Any]:
        rho1 = float(ref["estimate"]) if ref is not None else np.nan
        lo = float(ref["ci_low"]) if ref is not None else np.nan
        hi = float(ref["ci_high"]) if ref is not None else np.nan
        need = float(raters_needed(rho1, target_reliability))
        c = counts.to_numpy(dtype=np.float64) if counts is not None else np.array([])
        return {
            "measure": measure, "target_reliability": float(target_reliability),
            "single_rater_reliability": rho1, "min_raters": need,
            "min_raters_if_ci_low": float(raters_needed(lo, target_reliability)),
            "min_raters_if_ci_high": float(raters_needed(hi, target_reliability)),
            "wave": None if ref is None else ref["wave"], "rater_unit": unit,
            "n_targets_actual": int(c.size),
            "median_raters_actual": float(np.median(c)) if c.size else np.nan,
            "fewest_raters_actual": float(c.min()) if c.size else np.nan,
            "most_raters_actual": float(c.max()) if c.size else np.nan,
            "share_meeting": float(np.mean(c >= need)) if c.size and np.isfinite(need) else (
                0.0 if c.size and np.isinf(need) else np.nan),
            "note": note,
        }

    for measure, rater_type in NESTED_MEASURES.items():  # four measures
        ref = reference_reliability(table, measure)
        wave = ref["wave"] if ref is not None else "baseline"
        per = _raters_per_leader(ratings, wave)
        unit = f"{rater_type or 'non-self'} raters per leader"
        note = None
        if ref is None:
            cand = table[table["measure"].eq(measure).to_numpy(dtype=bool)]
            note = str(cand["note"].dropna().iloc[0]) if cand["note"].notna().any() else (
                "single-rater reliability not available")
        rows.append(row(measure, per[measure] if measure in per.columns else None, unit, ref, note))
    if sessions is not None and len(sessions):
        ref = reference_reliability(table, SESSION_SCORE)
        note = None if ref is not None else "observer ICC1 not available"
        rows.append(row(SESSION_SCORE, sessions["n_observers"], "observers per session", ref, note))
    out = pd.DataFrame(rows)
    out["wave"] = out["wave"].astype("str").mask(out["wave"].isna())
    out["note"] = out["note"].astype("str").mask(out["note"].isna())
    return out



# --------------------------------------------------------------------------
# everything at once
# --------------------------------------------------------------------------
@dataclasses.dataclass
class ReliabilityResults:
    """All reliability tables of one run (see :func:`analyse`)."""

    table: pd.DataFrame
    min_raters: pd.DataFrame
    rater_counts: pd.DataFrame
    leader_bands: pd.DataFrame
    reliable_change: pd.DataFrame
    rater_severity: pd.DataFrame
    observer_severity: pd.DataFrame
    excluded: list[str]
    reference: dict[str, Any]
    config: CohortConfig


def analyse(
    cohort: Cohort,
    target_reliability: float = 0.75,
    n_boot: int = 1000,
    seed: int | None = 0,
    exclude_unreliable: bool = True,
    exclude_behaviours: str | Iterable[str] = "",
    calibration_threshold: float = 0.5,
    confidence: float = 0.95,
) -> ReliabilityResults:
    """Run every reliability analysis of notebook 02 on a cohort.

    Parameters
    ----------
    cohort : Cohort
        The loaded cohort.
    target_reliability : float
        Reliability a rater average should reach (minimum raters).
    n_boot, seed
        Bootstrap replicates and seed (alpha intervals, ICC band probabilities).
    exclude_unreliable, exclude_behaviours
        Behaviour exclusions from behaviour_index
        (:func:`pilot_eval.measures.behaviour_exclusions.excluded_behaviours`).
    calibration_threshold : float
        Severity (scale points) beyond which a rater whose interval excludes 0
        is flagged for recalibration (:mod:`pilot_eval.steps.reliability.calibration`).
    confidence : float
        Level of every interval.

    Returns
    -------
    ReliabilityResults
        ``table`` (results/reliability.csv), ``min_raters``
        (results/min_raters.csv), ``rater_counts`` (leaders by rater count,
        reference wave), ``leader_bands`` and ``reliable_change`` (leader
        level, with IDs), ``rater_severity`` and ``observer_severity`` (with
        IDs), ``excluded`` behaviours and ``reference`` (the wave and ICC1
        the bands use).
    """

    if not isinstance(exclude_behaviours, str):
        exclude_behaviours = list(exclude_behaviours)
    excluded = excluded_behaviours(cohort, exclude_unreliable, exclude_behaviours)
    table = reliability_table(cohort, excluded, confidence, n_boot, seed)
    sessions = None
    if cohort.observations is not None and cohort.behaviours is not None:
        sessions = measures.behaviour_session_scores(cohort.observations, cohort.behaviours,
                                                     cohort.leaders, cohort.config, excluded)
    mins = min_raters(table, cohort.ratings, target_reliability, sessions)
    ref = reference_reliability(table, ALL_OTHERS)
    rho1 = None if ref is None else float(ref["estimate"])
    wave = None if ref is None else str(ref["wave"])
    bands_ = leader_bands_360(cohort.ratings, rho1, wave, confidence)
    change = leader_reliable_change(cohort, rho1=rho1, confidence=confidence)
    span = cohort.config.scale_max - cohort.config.scale_min
    rater_sev = rater_calibration.rater_severity(cohort.ratings, calibration_threshold, confidence)
    obs_sev = (rater_calibration.observer_severity(cohort.observations, cohort.behaviours,
                                                   calibration_threshold, confidence, span)
               if cohort.observations is not None and cohort.behaviours is not None
               else rater_calibration.observer_severity_empty())
    reference = {"measure": ALL_OTHERS, "wave": wave, "icc1": rho1,
                 "ci_low": None if ref is None else float(ref["ci_low"]),
                 "ci_high": None if ref is None else float(ref["ci_high"]),
                 "target_reliability": float(target_reliability),
                 "calibration_threshold": float(calibration_threshold)}
    counts = rater_count_distribution(cohort.ratings, wave or "baseline")
    return ReliabilityResults(table, mins, counts, bands_, change, rater_sev, obs_sev, excluded,
                              reference, cohort.config)


