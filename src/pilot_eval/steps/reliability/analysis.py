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

from pilot_eval.stats import bands
from pilot_eval.measures import scores as measures
from pilot_eval.steps.reliability import calibration as rater_calibration
from pilot_eval.measures.behaviour_exclusions import MIN_DOUBLE_CODED, double_coded, excluded_behaviours
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.stats.icc import (
    ICC_METHODS,
    KOO_LI_BANDS,
    icc_band_probabilities,
    icc_crossed,
    icc_oneway_unbalanced,
    koo_li_band_from_ci,
)
from pilot_eval.stats.internal_consistency import cronbach_alpha
from pilot_eval.stats.kappa import cohen_kappa, fleiss_kappa
from pilot_eval.stats.kripp_alpha import krippendorff_alpha_ci, reliability_verdict
from pilot_eval.stats.spearman_brown import raters_needed

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

#: Contract columns of results/reliability.csv, in order.
CONTRACT_COLUMNS: tuple[str, ...] = (
    "measure", "method", "estimate", "ci_low", "ci_high", "n_targets", "mean_raters", "verdict",
)
#: Further columns of the reliability table (see the module docstring).
EXTRA_COLUMNS: tuple[str, ...] = (
    "wave", "design", "mcgraw_wong", "description", "level", "f", "df1", "df2", "p_value", "n0",
    "p_poor", "p_moderate", "p_good", "p_excellent", "in_behaviour_index", "note",
)
#: The nested 360 measures: rater type (None = all non-self raters) by label.
NESTED_MEASURES: dict[str, str | None] = {
    "empathy_360:manager": "manager",
    "empathy_360:peer": "peer",
    "empathy_360:direct_report": "direct_report",
    "empathy_360:all_others": None,
}
ALL_OTHERS = "empathy_360:all_others"
NESTED_DESIGN = "nested: raters within leaders, one wave (one-way, unbalanced, n0-corrected)"
INSUFFICIENT = "insufficient data"
NOT_ESTIMABLE = "not estimable"
_BAND_COLUMNS = tuple(f"p_{b}" for b in KOO_LI_BANDS)
#: Name of the per-observer session score's measure.
SESSION_SCORE = "behaviour_index"


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a table with the contract and extra columns, in order."""
    cols = list(CONTRACT_COLUMNS) + list(EXTRA_COLUMNS)
    out = pd.DataFrame(rows, columns=cols)
    for c in ("estimate", "ci_low", "ci_high", "mean_raters", "f", "df1", "df2", "p_value", "n0",
              *_BAND_COLUMNS):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    out["n_targets"] = pd.to_numeric(out["n_targets"], errors="coerce").astype("Int64")
    for c in ("measure", "method", "verdict", "wave", "design", "mcgraw_wong", "description", "level",
              "note"):
        out[c] = out[c].astype("str").mask(out[c].isna())
    out["in_behaviour_index"] = out["in_behaviour_index"].astype("boolean")
    return out


def _band_probabilities(data: pd.DataFrame, targets: str, ratings: str, raters: str | None,
                        method: str, n_boot: int, seed: int | None) -> dict[str, float]:
    probs = icc_band_probabilities(data, targets, ratings, raters=raters, method=method,
                                   n_boot=n_boot, seed=seed)
    return {f"p_{b}": float(p) for b, p in zip(probs["band"], probs["probability"])}


def _icc_rows(res: pd.DataFrame, measure: str, design: str, extra: dict[str, Any],
              probs: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Reliability-table rows from an icc_* result frame."""
    verdicts = koo_li_band_from_ci(res["ci_low"], res["ci_high"])
    rows = []
    for i, r in enumerate(res.to_dict("records")):
        mean_raters = r.get("mean_raters", r.get("n_raters"))
        rows.append({
            "measure": measure, "method": r["method"], "estimate": r["estimate"],
            "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n_targets": r["n_targets"],
            "mean_raters": mean_raters, "verdict": verdicts.iloc[i], "design": design,
            "mcgraw_wong": r["mcgraw_wong"], "description": r["description"], "f": r["f"],
            "df1": r["df1"], "df2": r["df2"], "p_value": r["p_value"], "n0": r.get("n0", np.nan),
            **probs.get(r["method"], {}), **extra,
        })
    return rows


def _empty_rows(measure: str, methods: Iterable[str], verdict: str, note: str,
                extra: dict[str, Any], n_targets: int | None = None,
                mean_raters: float | None = None) -> list[dict[str, Any]]:
    return [{"measure": measure, "method": m, "estimate": np.nan, "ci_low": np.nan,
             "ci_high": np.nan, "n_targets": n_targets, "mean_raters": mean_raters,
             "verdict": verdict, "note": note, **extra} for m in methods]


# --------------------------------------------------------------------------
# 360 survey: nested design
# --------------------------------------------------------------------------
def _other_rater_means(ratings: pd.DataFrame) -> pd.DataFrame:
    """Rater means of the non-self raters who answered at least one item."""
    rm = measures.rater_means(ratings)
    keep = (rm["n_items"].to_numpy() > 0) & ~rm["rater_type"].eq("self").to_numpy(dtype=bool)
    return rm.loc[keep].reset_index(drop=True)


def _nested_subset(rm: pd.DataFrame, rater_type: str | None, wave: str) -> pd.DataFrame:
    mask = rm["wave"].eq(wave).to_numpy(dtype=bool)
    if rater_type is not None:
        mask = mask & rm["rater_type"].eq(rater_type).to_numpy(dtype=bool)
    return rm.loc[mask, ["leader_id", "rater_id", "rater_type", "rater_mean"]]


def rater_icc(
    ratings: pd.DataFrame,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """One-way ICC(1) and ICC(1,k) of the 360 ratings per rater type and wave.

    Parameters
    ----------
    ratings : DataFrame
        ratings table (data contract v1).
    confidence : float
        Level of the F intervals.
    n_boot, seed
        Bootstrap replicates (over leaders) and seed for the Koo & Li band
        probabilities (:func:`pilot_eval.stats.icc.icc_band_probabilities`).

    Returns
    -------
    DataFrame
        Reliability-table rows (see the module docstring): for each measure of
        :data:`NESTED_MEASURES` and each wave present, ``ICC1`` and ``ICC1k``
        with ``n_targets`` (leaders), ``mean_raters`` (raters per leader),
        ``n0``, F test, interval, Koo & Li verdict from the interval and band
        probabilities.  A measure with no leader rated by two raters of the
        type in a wave gets missing estimates, verdict ``"not estimable"`` and
        the reason in ``note``.

    Notes
    -----
    Targets are leaders within one wave; ratings are the raters' mean item
    scores; raters who answered no item are left out.  Every leader with at
    least one rating counts (no leader is dropped for having few raters).

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). *Psychological Bulletin*, 86(2),
    420-428.  Donner, A. (1986). *International Statistical Review*, 54(1),
    67-82.
    """
    rm = _other_rater_means(ratings)
    waves = [w for w in measures.WAVES if rm["wave"].eq(w).any()]
    rows: list[dict[str, Any]] = []
    for measure, rater_type in NESTED_MEASURES.items():  # four measures x three waves
        for wave in waves:
            sub = _nested_subset(rm, rater_type, wave)
            extra = {"wave": wave, "design": NESTED_DESIGN}
            n_leaders = int(sub["leader_id"].nunique())
            per_leader = sub.groupby("leader_id", observed=True).size()
            if n_leaders < 2 or not (per_leader >= 2).any():
                who = rater_type or "non-self"
                note = (f"cannot be estimated: no leader has two or more {who} raters in this wave "
                        "(one rater per leader gives no within-leader variance)")
                rows += _empty_rows(measure, ("ICC1", "ICC1k"), NOT_ESTIMABLE, note, extra,
                                    n_targets=n_leaders,
                                    mean_raters=float(per_leader.mean()) if n_leaders else np.nan)
                continue
            res = icc_oneway_unbalanced(sub, "leader_id", "rater_mean", confidence=confidence)
            probs = {m: _band_probabilities(sub, "leader_id", "rater_mean", None, m, n_boot, seed)
                     for m in ("ICC1", "ICC1k")}
            rows += _icc_rows(res, measure, NESTED_DESIGN, {"wave": wave}, probs)
    return _frame(rows)


def within_leader_variance(ratings: pd.DataFrame, wave: str, rater_type: str | None = None) -> float:
    """Pooled within-leader variance of rater means (the one-way ANOVA's MSW).

    The error variance of a single rating: the mean of ``k`` raters has
    standard error ``sqrt(MSW / k)``.  ``rater_type=None`` pools all non-self
    raters.
    """
    sub = _nested_subset(_other_rater_means(ratings), rater_type, wave)
    g = sub.groupby("leader_id", observed=True)["rater_mean"]
    dev = sub["rater_mean"].to_numpy() - g.transform("mean").to_numpy()
    df = len(sub) - int(g.ngroups)
    return float(np.sum(dev**2) / df) if df > 0 else float("nan")


# --------------------------------------------------------------------------
# observers: crossed design
# --------------------------------------------------------------------------
def _crossed_frame(data: pd.DataFrame, value: str) -> tuple[pd.DataFrame, str]:
    """(session_id, rater, value) of sessions with >= 2 values, and the design label.

    Raters are the observers when every such session was coded by the same
    set of observers, else the first two coder slots (sorted observer id).
    """
    df = data.loc[data[value].notna().to_numpy(dtype=bool), ["session_id", "observer_id", value]]
    n_per = df.groupby("session_id", observed=True)["observer_id"].transform("size")
    df = df.loc[(n_per >= 2).to_numpy(dtype=bool)]
    if df.empty:
        return df.assign(rater=pd.Series(dtype="str")), "no double-coded sessions"
    # every session coded by all of the observers seen = the same observer set everywhere
    k_all = int(df["observer_id"].nunique())
    if bool((n_per[(n_per >= 2).to_numpy(dtype=bool)] == k_all).all()):
        k = k_all
        design = f"crossed: the same {k} observers coded every double-coded session"
        out = df.assign(rater=df["observer_id"].astype("str"))
    else:
        df = df.sort_values(["session_id", "observer_id"], kind="stable")
        slot = df.groupby("session_id", observed=True).cumcount()
        df = df.loc[(slot < 2).to_numpy(dtype=bool)]
        slot = slot[slot < 2]
        design = ("coder slots x sessions: observers differ between sessions, raters = first and "
                  "second coder (sorted observer id); ICC1/ICC1k are the forms that apply")
        out = df.assign(rater=np.where(slot.to_numpy() == 0, "coder_1", "coder_2"))
    return out[["session_id", "rater", value]].reset_index(drop=True), design


def _per_observer_session_scores(cohort: Cohort, exclude: Iterable[str]) -> pd.DataFrame:
    """Each observer's session behaviour score (the measures definition, per observer)."""
    obs = cohort.observations
    assert obs is not None and cohort.behaviours is not None
    sep = "\x1f"
    key = obs["session_id"].astype("str") + sep + obs["observer_id"].astype("str")
    scores = measures.behaviour_session_scores(obs.assign(session_id=key), cohort.behaviours,
                                               cohort.leaders, cohort.config, exclude)
    parts = scores["session_id"].str.split(sep, n=1, regex=False, expand=True)
    return pd.DataFrame({"session_id": parts[0], "observer_id": parts[1],
                         "session_score": scores["session_score"].to_numpy()})


def _crossed_rows(frame: pd.DataFrame, design: str, measure: str, value: str,
                  extra: dict[str, Any], confidence: float, n_boot: int,
                  seed: int | None) -> list[dict[str, Any]]:
    n_sessions = int(frame["session_id"].nunique()) if len(frame) else 0
    if n_sessions < MIN_DOUBLE_CODED or frame["rater"].nunique() < 2 or frame[value].nunique() < 2:
        note = (f"{n_sessions} double-coded sessions; at least {MIN_DOUBLE_CODED} are needed"
                if n_sessions < MIN_DOUBLE_CODED else "no variation between codings: ICC undefined")
        return _empty_rows(measure, ICC_METHODS, INSUFFICIENT, note, {"design": design, **extra},
                           n_targets=n_sessions)
    res = icc_crossed(frame, "session_id", "rater", value, confidence=confidence)
    # coder slots: only the one-way forms describe the observers, so only they get band probabilities
    forms = ICC_METHODS if design.startswith("crossed") else ("ICC1", "ICC1k")
    probs = {m: _band_probabilities(frame, "session_id", value, "rater", m, n_boot, seed)
             for m in forms}
    return _icc_rows(res, measure, design, extra, probs)


def observer_icc(
    cohort: Cohort,
    exclude: Iterable[str] = (),
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """The six Shrout & Fleiss ICCs of the observers on the double-coded sessions.

    Parameters
    ----------
    cohort : Cohort
        The loaded cohort (needs observations and the behaviours codebook).
    exclude : iterable of str
        Behaviours left out of the session behaviour score (this run's
        exclusions, :func:`pilot_eval.measures.behaviour_exclusions.excluded_behaviours`).
    confidence, n_boot, seed
        Interval level; bootstrap replicates (over sessions) and seed of the
        band probabilities.

    Returns
    -------
    DataFrame
        Reliability-table rows: ``behaviour:<code>`` for each ordinal
        behaviour and ``behaviour_index`` for the session behaviour score,
        each with ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k
        (:func:`pilot_eval.stats.icc.icc_crossed`: F test, exact interval, McGraw &
        Wong name), the Koo & Li verdict from the interval and the band
        probabilities.  Empty when the cohort has no observations.

    Notes
    -----
    See the module docstring for the design: observers when every
    double-coded session has the same observers, coder slots otherwise.
    """
    if cohort.observations is None or cohort.behaviours is None:
        return _frame([])
    dc = double_coded(cohort.observations)
    codebook = cohort.behaviours
    rows: list[dict[str, Any]] = []
    for code, scale in zip(codebook["behaviour"], codebook["scale"]):  # a handful of behaviours
        if scale != "ordinal":
            continue
        frame, design = _crossed_frame(dc[dc["behaviour"].eq(code).to_numpy(dtype=bool)], "value")
        frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
        extra = {"level": "ordinal", "in_behaviour_index": code not in set(exclude)}
        rows += _crossed_rows(frame, design, f"behaviour:{code}", "value", extra, confidence,
                              n_boot, seed)
    scores = _per_observer_session_scores(cohort, exclude)
    n_obs = scores.groupby("session_id", observed=True)["observer_id"].transform("size")
    frame, design = _crossed_frame(scores[(n_obs >= 2).to_numpy(dtype=bool)], "session_score")
    excluded = sorted(set(exclude))
    note = ("session score without " + ", ".join(excluded)) if excluded else None
    rows += _crossed_rows(frame, design, SESSION_SCORE, "session_score", {"note": note},
                          confidence, n_boot, seed)
    return _frame(rows)


# --------------------------------------------------------------------------
# behaviours: Krippendorff's alpha and kappas
# --------------------------------------------------------------------------
def behaviour_agreement(
    cohort: Cohort,
    exclude: Iterable[str] = (),
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Krippendorff's alpha, Cohen's kappa and Fleiss' kappa per behaviour.

    Parameters
    ----------
    cohort : Cohort
        The loaded cohort.
    exclude : iterable of str
        This run's exclusions from behaviour_index (sets ``in_behaviour_index``).
    confidence, n_boot, seed
        Interval level; bootstrap replicates (over sessions) and seed of
        alpha's percentile interval.

    Returns
    -------
    DataFrame
        Reliability-table rows ``behaviour:<code>`` x ``kripp_alpha``,
        ``cohen_kappa``, ``fleiss_kappa``, with ``level`` (nominal for binary,
        ordinal for ordinal behaviours; kappa weights in ``note``), the
        Krippendorff verdict of each estimate and ``in_behaviour_index``.
        Empty when the cohort has no observations.

    Notes
    -----
    * ``kripp_alpha``: :func:`pilot_eval.stats.kripp_alpha.krippendorff_alpha_ci`
      over the double-coded sessions; ``n_targets`` are the pairable sessions.
      Its point estimate is the one
      :func:`pilot_eval.measures.behaviour_exclusions.behaviour_alphas` judges.
    * ``cohen_kappa``: the first two coders of each session (sorted observer
      id), unweighted for binary, quadratic weights on the full scale for
      ordinal behaviours; Wald interval with the Fleiss-Cohen-Everitt SE.
    * ``fleiss_kappa``: only when every double-coded session has the same
      number of coders (else missing, with the reason in ``note``); nominal
      categories; interval from the null SE (an approximation).

    References
    ----------
    Krippendorff, K. (2004). *Content Analysis* (2nd ed.). Sage, ch. 11.
    Cohen, J. (1968). *Psychological Bulletin*, 70(4), 213-220.
    Fleiss, J. L. (1971). *Psychological Bulletin*, 76(5), 378-382.
    """
    if cohort.observations is None or cohort.behaviours is None:
        return _frame([])
    cfg = cohort.config
    dc = double_coded(cohort.observations)
    dc = dc.loc[dc["value"].notna().to_numpy(dtype=bool)]
    excluded = set(exclude)
    rows: list[dict[str, Any]] = []
    for code, scale in zip(cohort.behaviours["behaviour"], cohort.behaviours["scale"]):  # handful
        ordinal = scale == "ordinal"
        level = "ordinal" if ordinal else "nominal"
        domain = list(range(cfg.scale_min, cfg.scale_max + 1)) if ordinal else [0, 1]
        sub = dc.loc[dc["behaviour"].eq(code).to_numpy(dtype=bool),
                     ["session_id", "observer_id", "value"]]
        sub = sub.assign(value=pd.to_numeric(sub["value"]).astype("int64"))
        n_per = sub.groupby("session_id", observed=True)["observer_id"].transform("size")
        sub = sub.loc[(n_per >= 2).to_numpy(dtype=bool)]
        n_sessions = int(sub["session_id"].nunique())
        measure = f"behaviour:{code}"
        design = "double-coded sessions"
        extra = {"level": level, "design": design, "in_behaviour_index": code not in excluded}
        if n_sessions < MIN_DOUBLE_CODED or sub["value"].nunique() < 2:
            note = (f"{n_sessions} double-coded sessions; at least {MIN_DOUBLE_CODED} are needed"
                    if n_sessions < MIN_DOUBLE_CODED else
                    "every coding has the same value: agreement beyond chance is undefined")
            rows += _empty_rows(measure, ("kripp_alpha", "cohen_kappa", "fleiss_kappa"),
                                INSUFFICIENT, note, extra, n_targets=n_sessions)
            continue
        ka = krippendorff_alpha_ci(sub, "session_id", "observer_id", "value", level=level,
                                   n_boot=n_boot, seed=seed, confidence=confidence,
                                   value_domain=domain).iloc[0]
        rows.append({"measure": measure, "method": "kripp_alpha", "estimate": ka["estimate"],
                     "ci_low": ka["ci_low"], "ci_high": ka["ci_high"], "n_targets": ka["n_units"],
                     "mean_raters": ka["n_pairable"] / ka["n_units"], **extra,
                     "note": f"percentile bootstrap over sessions, {n_boot} replicates"})
        weights = "quadratic" if ordinal else None
        ck = cohen_kappa(sub, "session_id", "observer_id", "value", weights=weights,
                         confidence=confidence, categories=domain).iloc[0]
        rows.append({"measure": measure, "method": "cohen_kappa", "estimate": ck["estimate"],
                     "ci_low": ck["ci_low"], "ci_high": ck["ci_high"], "n_targets": ck["n_units"],
                     "mean_raters": 2.0, "p_value": ck["p_value"], **extra,
                     "note": (f"weights: {ck['weights']}; first two coders of each session; "
                              "Wald interval")})
        coders = sub.groupby("session_id", observed=True).size()
        if coders.nunique() == 1:
            fk = fleiss_kappa(sub, "session_id", "observer_id", "value", confidence=confidence,
                              categories=domain).iloc[0]
            rows.append({"measure": measure, "method": "fleiss_kappa", "estimate": fk["estimate"],
                         "ci_low": fk["ci_low"], "ci_high": fk["ci_high"],
                         "n_targets": fk["n_units"], "mean_raters": float(fk["n_raters"]),
                         "p_value": fk["p_value"], **extra,
                         "note": "nominal categories; interval from the null SE (approximate)"})
        else:
            rows += _empty_rows(measure, ("fleiss_kappa",), NOT_ESTIMABLE,
                                "sessions have different numbers of coders", extra,
                                n_targets=n_sessions, mean_raters=float(coders.mean()))
    out = _frame(rows)
    judged = out["method"].isin(["kripp_alpha", "cohen_kappa", "fleiss_kappa"]) & out["estimate"].notna()
    out.loc[judged, "verdict"] = reliability_verdict(out.loc[judged, "estimate"])
    return out


# --------------------------------------------------------------------------
# 360 items: internal consistency
# --------------------------------------------------------------------------
def item_consistency(ratings: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha of the 360 items over the non-self responses.

    Subjects are responses (rater x leader x wave), items the instrument's
    item codes; responses with a "don't know" are dropped (listwise, as
    ``psych::alpha``).  Responses of one rater or leader are not independent,
    so the Feldt interval is somewhat too narrow.

    Returns
    -------
    DataFrame
        One reliability-table row ``empathy_360:items`` / ``cronbach_alpha``:
        ``n_targets`` = responses used, ``mean_raters`` = number of items,
        verdict = Koo & Li band of the interval (alpha is ICC(C,k) with items
        as raters).

    References
    ----------
    Cronbach, L. J. (1951). *Psychometrika*, 16(3), 297-334.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). *Applied
    Psychological Measurement*, 11(1), 93-103.
    """
    keep = ~ratings["rater_type"].eq("self").to_numpy(dtype=bool)
    df = ratings.loc[keep, ["leader_id", "rater_id", "wave", "item", "score"]]
    subject = (df["leader_id"].astype("str") + "\x1f" + df["rater_id"].astype("str") + "\x1f"
               + df["wave"].astype("str"))
    data = pd.DataFrame({"subject": subject.to_numpy(), "item": df["item"].to_numpy(),
                         "score": pd.to_numeric(df["score"]).astype("float64").to_numpy()})
    res = cronbach_alpha(data, "subject", "item", "score", confidence=confidence).iloc[0]
    verdict = koo_li_band_from_ci(res["ci_low"], res["ci_high"])
    return _frame([{
        "measure": "empathy_360:items", "method": "cronbach_alpha", "estimate": res["estimate"],
        "ci_low": res["ci_low"], "ci_high": res["ci_high"], "n_targets": res["n_subjects"],
        "mean_raters": float(res["n_items"]), "verdict": verdict,
        "design": "non-self responses (rater x leader x wave) x items",
        "mcgraw_wong": "ICC(C,k)",
        "note": (f"mean_raters = items; {int(res['n_dropped'])} responses with a don't-know "
                 "answer dropped; Feldt interval"),
    }])


def reliability_table(
    cohort: Cohort,
    exclude: Iterable[str] = (),
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """``results/reliability.csv``: every reliability estimate of the cohort.

    The rows of :func:`rater_icc`, :func:`item_consistency`,
    :func:`behaviour_agreement` and :func:`observer_icc`, in that order, with
    the contract columns first (labels in the module docstring).
    """
    exclude = tuple(exclude)
    parts = [
        rater_icc(cohort.ratings, confidence, n_boot, seed),
        item_consistency(cohort.ratings, confidence),
        behaviour_agreement(cohort, exclude, confidence, n_boot, seed),
        observer_icc(cohort, exclude, confidence, n_boot, seed),
    ]
    parts = [p for p in parts if len(p)]
    return _frame([r for p in parts for r in p.to_dict("records")])


def reference_reliability(table: pd.DataFrame, measure: str = ALL_OTHERS,
                          method: str = "ICC1") -> pd.Series | None:
    """The row of ``table`` used as the measure's single-rater reliability.

    For 360 measures: the first wave (baseline, midpoint, endline) in which
    ``method`` could be estimated; for others the measure's only row.
    ``None`` when there is none.
    """
    rows = table[table["measure"].eq(measure).to_numpy(dtype=bool)
                 & table["method"].eq(method).to_numpy(dtype=bool)
                 & table["estimate"].notna().to_numpy(dtype=bool)]
    if rows.empty:
        return None
    if rows["wave"].notna().any():
        order = {w: i for i, w in enumerate(measures.WAVES)}
        rows = rows.assign(_o=rows["wave"].map(order)).sort_values("_o", kind="stable")
    return rows.iloc[0]


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
# leader bands and reliable change
# --------------------------------------------------------------------------
def _error_model(ratings: pd.DataFrame, rho1: float | None, wave: str | None) -> tuple[float, float, str]:
    """(rho1, SD of single ratings, wave) for the 360 all-others measure.

    The reference wave is ``wave`` or the first wave where ICC1 can be
    estimated.  Its one-way ANOVA gives the variance of a single rating,
    ``sigma_T^2 + sigma_e^2 = (MSB + (n0 - 1) MSW) / n0``; with ``rho1``
    (default: that wave's ICC1) the classical SEM of a mean of ``k`` ratings
    is ``sd * sqrt((1 - rho1) / k)`` (:func:`pilot_eval.stats.bands.sem_of_mean`),
    which is ``sqrt(MSW / k)`` when ``rho1`` is the ICC1 itself.
    """
    rm = _other_rater_means(ratings)
    waves = [wave] if wave is not None else list(measures.WAVES)
    for w in waves:  # first wave where ICC1 can be estimated
        sub = _nested_subset(rm, None, w)
        if sub["leader_id"].nunique() >= 2 and sub.groupby("leader_id", observed=True).size().ge(2).any():
            est = icc_oneway_unbalanced(sub, "leader_id", "rater_mean").set_index("method")
            f, n0 = float(est.loc["ICC1", "f"]), float(est.loc["ICC1", "n0"])
            rho = float(est.loc["ICC1", "estimate"]) if rho1 is None else float(rho1)
            msw = within_leader_variance(ratings, w)
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


def leader_reliable_change(
    cohort: Cohort,
    baseline_wave: str = "baseline",
    endline_wave: str = "endline",
    rho1: float | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Reliable change of each leader's empathy_360 (Jacobson & Truax 1991).

    Parameters
    ----------
    cohort : Cohort
        The loaded cohort.
    baseline_wave, endline_wave : str
        The two waves compared.
    rho1 : float, optional
        Single-rater reliability; default: ICC1 of all non-self raters in the
        first wave where it can be estimated (normally baseline).
    confidence : float
        ``0.95``: a change is reliable when ``|RCI| > 1.96``.

    Returns
    -------
    DataFrame
        One row per leader of the leaders table: ``leader_id, arm, baseline,
        endline, change, threshold, status`` plus ``k_baseline, k_endline,
        sem_baseline, sem_endline, rci``.  ``threshold`` is the smallest
        reliable absolute change for this leader's rater counts
        (:func:`pilot_eval.stats.bands.reliable_change_threshold` of the two SEMs);
        ``status`` is ``improved``, ``deteriorated``, ``no reliable change``,
        or missing when the leader lacks either wave.

    Notes
    -----
    Each wave's SEM is ``sd * sqrt((1 - rho1) / k)`` with the leader's own
    rater count ``k`` and the SD of a single rating from the reference wave's
    one-way ANOVA (:func:`pilot_eval.stats.bands.sem_of_mean`); with the default
    ``rho1`` (that wave's ICC1) this is ``sqrt(MSW / k)``, ``MSW`` the pooled
    within-leader variance (:func:`within_leader_variance`).

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical
    approach to defining meaningful change in psychotherapy research.
    *Journal of Consulting and Clinical Psychology*, 59(1), 12-19.
    """
    rho1, sd, _ = _error_model(cohort.ratings, rho1, None)
    emp = measures.empathy_360(cohort.ratings)
    wide = cohort.leaders[["leader_id", "arm"]].copy()
    for label, wave in (("baseline", baseline_wave), ("endline", endline_wave)):
        part = emp[emp["wave"].eq(wave).to_numpy(dtype=bool)][["leader_id", "empathy_360", "n_raters"]]
        part = part.rename(columns={"empathy_360": label, "n_raters": f"k_{label}"})
        wide = wide.merge(part, on="leader_id", how="left", validate="1:1")
    rc = bands.reliable_change(wide, rho1, sd, targets="leader_id", k_pre="k_baseline",
                               value_pre="baseline", k_post="k_endline", value_post="endline",
                               confidence=confidence)
    out = pd.DataFrame({
        "leader_id": wide["leader_id"].to_numpy(), "arm": wide["arm"].to_numpy(),
        "baseline": wide["baseline"].to_numpy(dtype="float64", na_value=np.nan),
        "endline": wide["endline"].to_numpy(dtype="float64", na_value=np.nan),
        "change": rc["change"].to_numpy(), "threshold": rc["threshold"].to_numpy(),
        "status": rc["status"].to_numpy(),
        "k_baseline": wide["k_baseline"].to_numpy(dtype="float64", na_value=np.nan),
        "k_endline": wide["k_endline"].to_numpy(dtype="float64", na_value=np.nan),
        "sem_baseline": rc["sem_pre"].to_numpy(), "sem_endline": rc["sem_post"].to_numpy(),
        "rci": rc["rci"].to_numpy(),
    })
    out["status"] = out["status"].astype("str").mask(rc["status"].isna().to_numpy())
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
    long = counts.stack().rename("leaders").reset_index()
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


# --------------------------------------------------------------------------
# views for the notebook (no IDs)
# --------------------------------------------------------------------------
def rater_icc_view(table: pd.DataFrame) -> pd.DataFrame:
    """360 ICC rows side by side: one row per measure x wave (ICC1 and ICC1k)."""
    sub = table[table["measure"].isin(list(NESTED_MEASURES)).to_numpy(dtype=bool)]
    one = sub[sub["method"].eq("ICC1").to_numpy(dtype=bool)].set_index(["measure", "wave"])
    k = sub[sub["method"].eq("ICC1k").to_numpy(dtype=bool)].set_index(["measure", "wave"])
    out = pd.DataFrame({
        "leaders": one["n_targets"], "mean_raters": one["mean_raters"], "n0": one["n0"],
        "ICC1": one["estimate"], "ICC1_ci": _ci_text(one), "ICC1_band": one["verdict"],
        "ICC1k": k["estimate"], "ICC1k_ci": _ci_text(k), "ICC1k_band": k["verdict"],
        "note": one["note"].fillna(""),
    })
    return out.reset_index()


def _ci_text(df: pd.DataFrame) -> pd.Series:
    lo, hi = df["ci_low"], df["ci_high"]
    text = [f"[{a:.3f}, {b:.3f}]" if pd.notna(a) and pd.notna(b) else "" for a, b in zip(lo, hi)]
    return pd.Series(text, index=df.index, dtype=object)


def observer_icc_view(table: pd.DataFrame) -> pd.DataFrame:
    """Observer ICC rows: the six forms per measure with McGraw & Wong names and F tests."""
    is_icc = table["method"].isin(list(ICC_METHODS)).to_numpy(dtype=bool)
    is_obs = (table["measure"].str.startswith("behaviour").to_numpy(dtype=bool, na_value=False))
    sub = table[is_icc & is_obs]
    return pd.DataFrame({
        "measure": sub["measure"], "method": sub["method"], "mcgraw_wong": sub["mcgraw_wong"],
        "estimate": sub["estimate"], "ci": _ci_text(sub), "band": sub["verdict"],
        "F": sub["f"], "df1": sub["df1"], "df2": sub["df2"], "p_value": sub["p_value"],
        "sessions": sub["n_targets"], "coders": sub["mean_raters"],
    }).reset_index(drop=True)


def behaviour_view(table: pd.DataFrame) -> pd.DataFrame:
    """One row per behaviour: alpha with interval, kappas, verdict, in the index or not."""
    sub = table[table["method"].isin(["kripp_alpha", "cohen_kappa", "fleiss_kappa"]).to_numpy(dtype=bool)]
    if sub.empty:
        return pd.DataFrame(columns=["behaviour", "level", "sessions", "kripp_alpha", "alpha_ci",
                                     "cohen_kappa", "fleiss_kappa", "verdict", "in_behaviour_index"])
    a = sub[sub["method"].eq("kripp_alpha").to_numpy(dtype=bool)].set_index("measure")
    c = sub[sub["method"].eq("cohen_kappa").to_numpy(dtype=bool)].set_index("measure")
    f = sub[sub["method"].eq("fleiss_kappa").to_numpy(dtype=bool)].set_index("measure")
    measures_ = pd.Index(sub["measure"].unique())
    a = a.reindex(measures_)
    out = pd.DataFrame({
        "behaviour": measures_.str.removeprefix("behaviour:"),
        "level": a["level"].to_numpy(),
        "sessions": a["n_targets"].to_numpy(),
        "kripp_alpha": a["estimate"].to_numpy(),
        "alpha_ci": _ci_text(a).to_numpy(),
        "cohen_kappa": c["estimate"].reindex(measures_).to_numpy(),
        "fleiss_kappa": f["estimate"].reindex(measures_).to_numpy(),
        "verdict": a["verdict"].to_numpy(),
        "in_behaviour_index": np.where(a["in_behaviour_index"].to_numpy(dtype=bool, na_value=True),
                                       "yes", "no (excluded)"),
    })
    return out


def internal_consistency_view(table: pd.DataFrame) -> pd.DataFrame:
    """The Cronbach's alpha row(s): estimate, interval, responses, items, band and note."""
    sub = table[table["method"].eq("cronbach_alpha").to_numpy(dtype=bool)]
    return pd.DataFrame({
        "measure": sub["measure"], "cronbach_alpha": sub["estimate"], "ci": _ci_text(sub),
        "responses": sub["n_targets"], "items": sub["mean_raters"].astype("Int64"),
        "band": sub["verdict"], "note": sub["note"],
    }).reset_index(drop=True)


def min_raters_view(mins: pd.DataFrame) -> pd.DataFrame:
    """The minimum-raters table for display (``inf`` shown as text)."""
    def raters(col: pd.Series) -> pd.Series:
        return col.map(_fmt_raters)

    return pd.DataFrame({
        "measure": mins["measure"], "rater_unit": mins["rater_unit"],
        "single_rater_reliability": mins["single_rater_reliability"],
        "min_raters": raters(mins["min_raters"]),
        "min_raters_if_ci_low": raters(mins["min_raters_if_ci_low"]),
        "min_raters_if_ci_high": raters(mins["min_raters_if_ci_high"]),
        "median_actual": mins["median_raters_actual"], "fewest_actual": mins["fewest_raters_actual"],
        "most_actual": mins["most_raters_actual"], "share_meeting": mins["share_meeting"],
        "note": mins["note"].fillna(""),
    })


def table_view(table: pd.DataFrame) -> pd.DataFrame:
    """The reliability table's contract columns plus wave and note (for display)."""
    return table[list(CONTRACT_COLUMNS) + ["wave", "note"]].reset_index(drop=True)


def _fmt(v: Any) -> str:
    return "n/a" if v is None or not np.isfinite(float(v)) else f"{float(v):.3f}"


def _fmt_raters(v: Any) -> str:
    if v is None or np.isnan(float(v)):
        return "n/a"
    return "no number of raters" if np.isinf(float(v)) else str(int(v))


def summary_text(res: ReliabilityResults) -> str:
    """Plain-text headline of the reliability step (stable for nbval; 3 decimals)."""

    t = res.table
    lines: list[str] = []
    ref = res.reference
    if ref["icc1"] is not None:
        row = reference_reliability(t, ALL_OTHERS, "ICC1k")
        lines.append(
            f"360 empathy, all non-self raters ({ref['wave']} wave): single-rater ICC(1) = "
            f"{_fmt(ref['icc1'])} [{_fmt(ref['ci_low'])}, {_fmt(ref['ci_high'])}]; "
            f"mean of the leader's raters ICC(1,k) = {_fmt(row['estimate'] if row is not None else None)}"
            f" ({row['verdict'] if row is not None else 'n/a'})")
    else:
        lines.append("360 empathy: single-rater reliability cannot be estimated")
    for measure, rater_type in NESTED_MEASURES.items():
        if rater_type is None:
            continue
        r = reference_reliability(t, measure)
        lines.append(f"  {rater_type}: " + (f"ICC(1) = {_fmt(r['estimate'])} ({r['verdict']}, {r['wave']})"
                                            if r is not None else "cannot be estimated"))
    items = t[t["method"].eq("cronbach_alpha").to_numpy(dtype=bool)]
    if len(items):
        i = items.iloc[0]
        lines.append(f"Cronbach's alpha of the 360 items: {_fmt(i['estimate'])} "
                     f"[{_fmt(i['ci_low'])}, {_fmt(i['ci_high'])}]")
    mr = res.min_raters
    parts = []
    for r in mr.to_dict("records"):
        if r["measure"] == SESSION_SCORE:
            continue
        label = r["measure"].split(":", 1)[1]
        share = "" if np.isnan(r["share_meeting"]) else f", {r['share_meeting']:.1%} of leaders have them"
        parts.append(f"{label} {_fmt_raters(r['min_raters'])}{share}")
    lines.append(f"raters needed for reliability {ref['target_reliability']:.3f}: " + "; ".join(parts))
    beh = behaviour_view(t)
    if len(beh):
        counts = beh["verdict"].value_counts()
        lines.append("behaviours (Krippendorff's alpha): " + ", ".join(
            f"{counts.get(v, 0)} {v}" for v in ("reliable", "tentative", "unreliable", INSUFFICIENT)))
        for r in beh[beh["verdict"].eq("unreliable").to_numpy(dtype=bool)].to_dict("records"):
            lines.append(f"  unreliable: {r['behaviour']} (alpha {_fmt(r['kripp_alpha'])})")
        lines.append("left out of behaviour_index: " + (", ".join(res.excluded) or "none"))
        s = t[t["measure"].eq(SESSION_SCORE).to_numpy(dtype=bool) & t["method"].eq("ICC1").to_numpy(dtype=bool)]
        if len(s) and np.isfinite(s["estimate"].iloc[0]):
            lines.append(f"observer ICC(1) of the session behaviour score: {_fmt(s['estimate'].iloc[0])} "
                         f"({s['verdict'].iloc[0]})")
    else:
        lines.append("behaviours: no observations table, behavioural reliability skipped")
    rc = res.reliable_change
    both = rc[rc["status"].notna().to_numpy(dtype=bool)]
    if len(both):
        med_thr = float(np.median(both["threshold"]))
        lines.append(f"reliable change threshold of empathy_360 (median over leaders): {med_thr:.3f} "
                     "scale points")
        summ = reliable_change_summary(rc, res.config)
        for arm in ("pilot", "comparison"):
            a = summ[summ["arm"].eq(arm).to_numpy(dtype=bool) & summ["status"].eq("improved").to_numpy(dtype=bool)]
            if len(a) and not pd.isna(a["leaders"].iloc[0]):
                lines.append(f"  {arm} leaders reliably improved: {int(a['leaders'].iloc[0])} "
                             f"({a['share'].iloc[0]:.1%} of those rated at baseline and endline)")
    lines.append(rater_calibration.calibration_text(res.rater_severity, res.observer_severity))
    return "\n".join(lines)
