"""The contract's shared measures, defined once and used by every notebook.

Every function takes the cohort tables of data contract v1 as tidy
:class:`pandas.DataFrame` objects (plus the :class:`~pilot_eval.data.config.CohortConfig`
where windows, months or the rating scale matter) and returns a tidy frame that
carries the number of units behind each value (``n_items``, ``n_raters``,
``n_sessions``, ``n_respondents``, ``avg_headcount``, ``n``).

All computations are vectorised ``groupby``/NumPy operations: nothing loops over
leaders, raters, sessions or employees, so the functions stay fast on cohorts of
thousands of leaders and millions of rating rows.

Measures (data contract v1, "Measures"):

- ``empathy_360`` (leader x wave): mean over the leader's non-self raters of each
  rater's mean item score; sub-scores by ``rater_type``; ``self_other_gap`` =
  self - empathy_360.
- ``behaviour_index`` (leader x month): per session, share of applicable codebook
  behaviours shown (binary) or ``(value - scale_min) / (scale_max - scale_min)``
  (ordinal), averaged over observers, then over the leader's sessions.
- ``pulse`` (leader x month): mean of respondents' mean item score.
- ``voluntary_attrition``, ``hr_incidents``, ``escalations`` (leader x window):
  events per 100 team members (average headcount) per 90 days, and
- ``promotion_rate`` by group and the adverse impact ratio (four-fifths rule):
  both in :mod:`pilot_eval.measures.rates`, re-exported here so that
  ``from pilot_eval.measures import scores as measures`` reaches every measure.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.contract import RATER_TYPES, WAVES
from pilot_eval.data.windows import month_of
from pilot_eval.measures._common import as_float, is_label
from pilot_eval.measures.rates import (
    FOUR_FIFTHS,
    RATE_PER_DAYS,
    RATE_PER_MEMBERS,
    adverse_impact_ratio,
    headcount,
    outcome_rates,
    promotion_rates,
)

#: The measure names every notebook and results file uses.
MEASURES: tuple[str, ...] = (
    "empathy_360",
    "self_other_gap",
    "behaviour_index",
    "pulse",
    "voluntary_attrition",
    "hr_incidents",
    "escalations",
    "promotion_rate",
)

#: Rater types whose ratings make up ``empathy_360`` (all but ``self``); the
#: vocabularies themselves (RATER_TYPES, WAVES) are defined in the data contract.
OTHER_RATER_TYPES: tuple[str, ...] = tuple(t for t in RATER_TYPES if t != "self")


__all__ = [
    "MEASURES",
    "RATER_TYPES",
    "OTHER_RATER_TYPES",
    "WAVES",
    "RATE_PER_MEMBERS",
    "RATE_PER_DAYS",
    "FOUR_FIFTHS",
    "rater_means",
    "empathy_360",
    "self_other_gap",
    "behaviour_session_scores",
    "behaviour_index",
    "pulse",
    "headcount",
    "outcome_rates",
    "promotion_rates",
    "adverse_impact_ratio",
]

_RATER_KEYS = ["leader_id", "wave", "rater_id", "rater_type"]


# ---------------------------------------------------------------------------
# 360 empathy survey
# ---------------------------------------------------------------------------
def rater_means(ratings: pd.DataFrame) -> pd.DataFrame:
    """Each rater's mean item score per leader and wave.

    Parameters
    ----------
    ratings : DataFrame
        ratings table (leader_id, rater_id, rater_type, wave, item, score).
        A missing score is a "don't know" answer and is skipped.

    Returns
    -------
    DataFrame
        One row per leader_id x wave x rater_id x rater_type with ``rater_mean``
        (mean over the rater's non-missing items; NaN if the rater answered no
        item) and ``n_items`` (number of non-missing items).
    """
    df = ratings[_RATER_KEYS].assign(_score=as_float(ratings["score"]))
    out = (
        df.groupby(_RATER_KEYS, observed=True, sort=True)["_score"]
        .agg(["mean", "count"])
        .reset_index()
        .rename(columns={"mean": "rater_mean", "count": "n_items"})
    )
    out["n_items"] = out["n_items"].astype("int64")
    return out


def _empathy_from_rater_means(rm: pd.DataFrame, by_rater_type: bool) -> pd.DataFrame:
    rm = rm[rm["n_items"].to_numpy() > 0]
    keys = ["leader_id", "wave"]
    if by_rater_type:
        keys = keys + ["rater_type"]
    else:
        rm = rm[~is_label(rm["rater_type"], "self")]
    out = (
        rm.groupby(keys, observed=True, sort=True)
        .agg(empathy_360=("rater_mean", "mean"), n_raters=("rater_mean", "size"))
        .reset_index()
    )
    out["n_raters"] = out["n_raters"].astype("int64")
    return out


def empathy_360(ratings: pd.DataFrame, by_rater_type: bool = False) -> pd.DataFrame:
    """360 empathy score per leader and wave (data contract v1).

    The score is the mean over the leader's non-self raters of each rater's mean
    item score (:func:`rater_means`), so every rater weighs the same whatever
    the number of items answered.  Raters who answered no item are left out.

    Parameters
    ----------
    ratings : DataFrame
        ratings table.
    by_rater_type : bool, default False
        If True, return the sub-score of each rater_type instead (long format,
        including ``self``), each with its own ``n_raters``.

    Returns
    -------
    DataFrame
        ``leader_id, wave, empathy_360, n_raters``; with ``by_rater_type=True``
        ``leader_id, wave, rater_type, empathy_360, n_raters``.

    Notes
    -----
    Categories under ``min_raters_per_category`` are not suppressed here: the
    reporting layer does that, so analyses can still use them.
    """
    return _empathy_from_rater_means(rater_means(ratings), by_rater_type)


def self_other_gap(ratings: pd.DataFrame) -> pd.DataFrame:
    """Self rating minus the others' 360 score, per leader and wave.

    Returns
    -------
    DataFrame
        ``leader_id, wave, self_score, empathy_360, self_other_gap, n_raters``
        for every leader x wave that has both a self rating and at least one
        non-self rater (``n_raters`` counts the non-self raters).  Positive gaps
        mean the leader rates themself higher than others do.
    """
    rm = rater_means(ratings)
    others = _empathy_from_rater_means(rm, by_rater_type=False)
    own = rm[is_label(rm["rater_type"], "self") & (rm["n_items"].to_numpy() > 0)]
    own = (
        own.groupby(["leader_id", "wave"], observed=True, sort=True)["rater_mean"]
        .mean()
        .rename("self_score")
        .reset_index()
    )
    out = own.merge(others, on=["leader_id", "wave"], how="inner")
    out["self_other_gap"] = out["self_score"] - out["empathy_360"]
    return out[
        ["leader_id", "wave", "self_score", "empathy_360", "self_other_gap", "n_raters"]
    ]


# ---------------------------------------------------------------------------
# observed behaviours
# ---------------------------------------------------------------------------
def _applicable(
    obs: pd.DataFrame, behaviours: pd.DataFrame
) -> np.ndarray:
    """Whether each observation's behaviour applies to its leader's role.

    ``behaviours.roles`` is ``all`` or a ``;``-separated list of roles.
    """
    roles = behaviours["roles"].astype("str").str.strip()
    is_all = roles.str.lower().eq("all").to_numpy(dtype=bool, na_value=False)
    all_codes = behaviours.loc[is_all, "behaviour"]
    pairs = (
        pd.DataFrame(
            {
                "behaviour": behaviours.loc[~is_all, "behaviour"],
                "role": roles[~is_all].str.split(";"),
            }
        )
        .explode("role")
        .dropna()
    )
    pairs["role"] = pairs["role"].str.strip()
    pairs = pairs.drop_duplicates()
    # same key dtypes on both sides of the merge
    pairs = pairs.astype({"behaviour": obs["behaviour"].dtype, "role": obs["role"].dtype})
    pairs["_applies"] = True
    hit = obs[["behaviour", "role"]].merge(pairs, on=["behaviour", "role"], how="left")
    by_role = hit["_applies"].to_numpy(dtype=bool, na_value=False)
    return by_role | obs["behaviour"].isin(all_codes).to_numpy(dtype=bool)


def behaviour_session_scores(
    observations: pd.DataFrame,
    behaviours: pd.DataFrame,
    leaders: pd.DataFrame,
    config: CohortConfig,
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Behaviour score of each observed session (averaged over its observers).

    For each observer of a session: mean over the observer's coded behaviours
    that apply to the leader's role of the 0-1 score (binary: ``value``;
    ordinal: ``(value - scale_min) / (scale_max - scale_min)``).  The session
    score is the mean over observers, so a double-coded session counts once.

    Parameters
    ----------
    observations, behaviours, leaders : DataFrame
        observations table, behaviours codebook and leaders table.
    config : CohortConfig
        Gives ``scale_min``/``scale_max`` and the 30-day months.
    exclude : iterable of str
        Behaviour codes to leave out (e.g. codes that failed the reliability
        check).

    Returns
    -------
    DataFrame
        ``session_id, leader_id, date, month, session_score, n_observers``.
        ``date`` is the session's (earliest) coding date.  Sessions without any
        applicable, non-missing code are dropped.
    """
    cols = ["session_id", "leader_id", "observer_id", "date", "behaviour", "value"]
    obs = observations[cols]
    excluded = list(exclude)
    if excluded:
        obs = obs[~obs["behaviour"].isin(excluded).to_numpy(dtype=bool)]
    obs = obs.merge(
        behaviours[["behaviour", "scale"]], on="behaviour", how="inner", validate="m:1"
    )
    obs = obs.merge(
        leaders[["leader_id", "role"]], on="leader_id", how="left", validate="m:1"
    )
    value = as_float(obs["value"]).to_numpy()
    span = float(config.scale_max - config.scale_min)
    score = np.where(
        is_label(obs["scale"], "binary"),
        value,
        np.where(is_label(obs["scale"], "ordinal"), (value - config.scale_min) / span, np.nan),
    )
    keep = _applicable(obs, behaviours) & ~np.isnan(score)
    scored = obs.loc[keep, ["session_id", "leader_id", "observer_id", "date"]].assign(
        _score=score[keep]
    )
    per_observer = (
        scored.groupby(["session_id", "observer_id"], observed=True, sort=False)
        .agg(
            leader_id=("leader_id", "first"),
            date=("date", "min"),
            _score=("_score", "mean"),
        )
        .reset_index()
    )
    sessions = (
        per_observer.groupby("session_id", observed=True, sort=True)
        .agg(
            leader_id=("leader_id", "first"),
            date=("date", "min"),
            session_score=("_score", "mean"),
            n_observers=("_score", "size"),
        )
        .reset_index()
    )
    sessions["n_observers"] = sessions["n_observers"].astype("int64")
    sessions.insert(3, "month", month_of(sessions["date"], config))
    return sessions


def behaviour_index(
    observations: pd.DataFrame,
    behaviours: pd.DataFrame,
    leaders: pd.DataFrame,
    config: CohortConfig,
    exclude: Iterable[str] = (),
) -> pd.DataFrame:
    """Behaviour index per leader and 30-day month (data contract v1).

    The mean over the leader's sessions in the month of the session scores of
    :func:`behaviour_session_scores` (share of applicable behaviours shown,
    ordinal codes rescaled to 0-1, averaged over observers).

    Returns
    -------
    DataFrame
        ``leader_id, month, behaviour_index, n_sessions``; ``month`` is the
        ``Int64`` month index of :func:`pilot_eval.data.windows.month_of` (0 = the
        pilot's first 30 days).
    """
    sessions = behaviour_session_scores(observations, behaviours, leaders, config, exclude)
    out = (
        sessions.groupby(["leader_id", "month"], observed=True, sort=True)
        .agg(
            behaviour_index=("session_score", "mean"),
            n_sessions=("session_score", "size"),
        )
        .reset_index()
    )
    out["n_sessions"] = out["n_sessions"].astype("int64")
    return out


# ---------------------------------------------------------------------------
# team pulse
# ---------------------------------------------------------------------------
def pulse(pulse_df: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Team pulse per leader and 30-day month (data contract v1).

    Each respondent's mean item score in the month (missing items skipped),
    then the mean over the leader's respondents.

    Returns
    -------
    DataFrame
        ``leader_id, month, pulse, n_respondents``.
    """
    df = pd.DataFrame(
        {
            "leader_id": pulse_df["leader_id"],
            "respondent_id": pulse_df["respondent_id"],
            "month": month_of(pulse_df["date"], config),
            "_score": as_float(pulse_df["score"]),
        }
    )
    per_resp = (
        df.groupby(["leader_id", "month", "respondent_id"], observed=True, sort=False)[
            "_score"
        ]
        .mean()
        .dropna()
        .reset_index()
    )
    out = (
        per_resp.groupby(["leader_id", "month"], observed=True, sort=True)
        .agg(pulse=("_score", "mean"), n_respondents=("_score", "size"))
        .reset_index()
    )
    out["n_respondents"] = out["n_respondents"].astype("int64")
    return out
