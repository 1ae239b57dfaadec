"""Implementation-fidelity indicators from the training log (``sessions.csv``).

Per pilot leader, over the sessions dated inside the pilot window:

* ``practice_sessions`` - number of practice sessions done (a session with a
  missing score still counts as done; a pilot leader with none has 0);
* ``practice_plateau`` - whether the leader's practice scores stalled.
  **Definition**: order the leader's *scored* practice sessions by date
  (ties: file order).  A session "gains" when its score beats the leader's best
  earlier score by more than ``min_gain`` points (default 0: any new personal
  best).  The leader has plateaued when some ``run_length`` (default 3)
  consecutive sessions after the first all fail to gain - three sessions in a
  row without a new best.  Leaders with fewer than ``run_length + 1`` scored
  sessions cannot show this pattern and get a missing value.
  ``plateau_from_session`` is the (1-based) number, among the scored sessions,
  of the first session of the first such run;
* ``feedback_within_48h_share`` - the share of feedback sessions with
  ``feedback_latency_hours < 48`` (feedback sessions with a missing latency
  are left out; missing when there are none), with ``feedback_sessions``, the
  number of feedback sessions with a latency.

Comparison leaders take no training: they get no fidelity values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.windows import window_of
from pilot_eval.measures._common import PILOT, is_label

#: Fidelity indicators of :func:`fidelity_indicators`.
FIDELITY_INDICATORS: tuple[str, ...] = (
    "practice_sessions", "practice_plateau", "feedback_within_48h_share",
)

#: Columns of :func:`fidelity_indicators`.
FIDELITY_COLUMNS: tuple[str, ...] = (
    "leader_id", "practice_sessions", "practice_scored", "practice_plateau",
    "plateau_from_session", "feedback_sessions", "feedback_within_48h_share",
)

#: Feedback given sooner than this many hours counts as timely.
FEEDBACK_HOURS = 48.0


def practice_plateau(
    practice: pd.DataFrame, run_length: int = 3, min_gain: float = 0.0
) -> pd.DataFrame:
    """Plateau flag per leader from scored practice sessions (see module docs).

    Parameters
    ----------
    practice
        Practice sessions with ``leader_id``, ``date`` and ``score``; rows
        with a missing score are ignored.  The row order breaks date ties.
    run_length
        Consecutive sessions without a gain that make a plateau.
    min_gain
        A session gains when ``score > best earlier score + min_gain``.

    Returns
    -------
    DataFrame
        ``leader_id, practice_scored, practice_plateau, plateau_from_session``;
        ``practice_plateau`` is a nullable boolean (missing with fewer than
        ``run_length + 1`` scored sessions), ``plateau_from_session`` is
        ``Int64`` (missing without a plateau).
    """
    df = practice.loc[practice["score"].notna(), ["leader_id", "date", "score"]].copy()
    df["_row"] = np.arange(len(df))
    df = df.sort_values(["leader_id", "date", "_row"], kind="stable").reset_index(drop=True)
    df["score"] = pd.to_numeric(df["score"]).astype("float64")
    score = df["score"]
    g = df.groupby("leader_id", sort=True, observed=True)
    best_before = g["score"].cummax().groupby(df["leader_id"], observed=True).shift(1)
    position = g.cumcount().to_numpy() + 1  # 1-based among scored sessions
    no_gain = (position > 1) & ~(score.to_numpy() > best_before.to_numpy() + min_gain)
    # run lengths of consecutive no-gain sessions within each leader
    breaks = np.cumsum(~no_gain)
    run = pd.Series(no_gain.astype("int64")).groupby([df["leader_id"].to_numpy(), breaks]).cumsum().to_numpy()
    hit = run == run_length
    first_hit = pd.Series(np.where(hit, position - run_length + 1, np.nan))
    out = pd.DataFrame({
        "leader_id": df["leader_id"].to_numpy(),
        "_n": 1,
        "_hit": hit,
        "_from": first_hit.to_numpy(),
    }).groupby("leader_id", sort=True, observed=True).agg(
        practice_scored=("_n", "size"), _any=("_hit", "any"), plateau_from_session=("_from", "min"),
    ).reset_index()
    judged = out["practice_scored"].to_numpy() >= run_length + 1
    flag = pd.array(out["_any"].to_numpy(dtype=bool), dtype="boolean")
    flag[~judged] = pd.NA
    out["practice_plateau"] = flag
    out["plateau_from_session"] = pd.array(
        np.where(np.isfinite(out["plateau_from_session"].to_numpy(dtype="float64")),
                 out["plateau_from_session"].to_numpy(dtype="float64"), np.nan),
        dtype="Float64").astype("Int64")
    out["practice_scored"] = out["practice_scored"].astype("int64")
    return out[["leader_id", "practice_scored", "practice_plateau", "plateau_from_session"]]


def fidelity_indicators(
    sessions: pd.DataFrame,
    leaders: pd.DataFrame,
    config: CohortConfig,
    run_length: int = 3,
    min_gain: float = 0.0,
) -> pd.DataFrame:
    """Training-fidelity indicators per pilot leader (see module docs).

    Parameters
    ----------
    sessions
        The sessions table (training log).
    leaders
        The leaders table; one output row per ``pilot`` leader.
    config
        Defines the pilot window (sessions outside it are ignored).
    run_length, min_gain
        Plateau rule (:func:`practice_plateau`).

    Returns
    -------
    DataFrame
        Columns of :data:`FIDELITY_COLUMNS`, one row per pilot leader.
    """
    pilot_ids = leaders.loc[is_label(leaders["arm"], PILOT), ["leader_id"]].reset_index(drop=True)
    s = sessions[window_of(sessions["date"], config).eq("pilot").to_numpy(dtype=bool, na_value=False)]
    s = s[s["leader_id"].isin(pilot_ids["leader_id"]).to_numpy(dtype=bool)]
    practice = s[is_label(s["kind"], "practice")]
    done = practice.groupby("leader_id", observed=True).size().rename("practice_sessions")
    plateau = practice_plateau(practice, run_length=run_length, min_gain=min_gain)
    fb = s[is_label(s["kind"], "feedback")]
    lat = pd.to_numeric(fb["feedback_latency_hours"]).astype("float64")
    fb = pd.DataFrame({"leader_id": fb["leader_id"].to_numpy(), "_lat": lat.to_numpy()}).dropna()
    fb["_fast"] = (fb["_lat"] < FEEDBACK_HOURS).astype("float64")
    share = fb.groupby("leader_id", observed=True).agg(
        feedback_sessions=("_fast", "size"), feedback_within_48h_share=("_fast", "mean"))
    out = pilot_ids.merge(done.reset_index(), on="leader_id", how="left")
    out = out.merge(plateau, on="leader_id", how="left")
    out = out.merge(share.reset_index(), on="leader_id", how="left")
    out["practice_sessions"] = out["practice_sessions"].fillna(0).astype("int64")
    out["practice_scored"] = out["practice_scored"].fillna(0).astype("int64")
    out["feedback_sessions"] = out["feedback_sessions"].fillna(0).astype("int64")
    out["practice_plateau"] = out["practice_plateau"].astype("boolean")
    out["plateau_from_session"] = out["plateau_from_session"].astype("Int64")
    return out[list(FIDELITY_COLUMNS)].sort_values("leader_id", ignore_index=True)
