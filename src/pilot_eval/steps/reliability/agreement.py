"""Agreement of raters and observers: the rows of ``results/reliability.csv``.

* :func:`rater_icc` - 360 raters, nested within leaders (one-way, unbalanced ICC per wave);
* :func:`observer_icc` - observers on the double-coded sessions (crossed or coder slots);
* :func:`behaviour_agreement` - Krippendorff's alpha and kappa per codebook behaviour;
* :func:`item_consistency` - Cronbach's alpha of the 360 items;
* :func:`reliability_table` - all of them; :func:`reference_reliability` - the
  ICC1 the leader bands and reliable change use.

Designs and labels: :mod:`pilot_eval.steps.reliability.analysis`.
"""

from __future__ import annotations

from typing import Any, Iterable, Literal, cast

import numpy as np
import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.measures.behaviour_exclusions import MIN_DOUBLE_CODED, double_coded
from pilot_eval.data.cohort import Cohort
from pilot_eval.stats.icc import ICC_METHODS, icc_crossed, icc_oneway_unbalanced, koo_li_band_from_ci
from pilot_eval.stats.internal_consistency import cronbach_alpha
from pilot_eval.stats.kappa import cohen_kappa, fleiss_kappa
from pilot_eval.stats.kripp_alpha import krippendorff_alpha_ci, reliability_verdict
from pilot_eval.steps.reliability.common import (
    ALL_OTHERS, INSUFFICIENT, NESTED_DESIGN, NESTED_MEASURES,
    NOT_ESTIMABLE, SESSION_SCORE, _band_probabilities, _empty_rows, _frame, _icc_rows,
    _nested_subset, _other_rater_means,
)

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
    # sessions without a score from both coders are left out; the note column says how many
    res = icc_crossed(frame, "session_id", "rater", value, confidence=confidence, unbalanced="drop")
    n_dropped = int(res["n_dropped"].iloc[0])
    if n_dropped:
        left_out = f"{n_dropped} of {n_sessions} double-coded sessions left out: not scored by both coders"
        extra = {**extra, "note": "; ".join(x for x in (extra.get("note"), left_out) if x)}
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
        level: Literal["nominal", "ordinal"] = "ordinal" if ordinal else "nominal"
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
        weights: Literal["quadratic"] | None = "quadratic" if ordinal else None
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
    return _frame([cast(dict[str, Any], r) for p in parts for r in p.to_dict("records")])


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


