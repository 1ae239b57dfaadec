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
  events per 100 team members (average headcount) per 90 days.
- ``promotion_rate`` by group and the adverse impact ratio (four-fifths rule).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.windows import WINDOWS, month_of, window_of

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

#: Rater types of ratings.csv; ``self`` is excluded from ``empathy_360``.
RATER_TYPES: tuple[str, ...] = ("self", "manager", "peer", "direct_report")
#: Rater types whose ratings make up ``empathy_360``.
OTHER_RATER_TYPES: tuple[str, ...] = ("manager", "peer", "direct_report")
#: Survey waves of ratings.csv, in time order.
WAVES: tuple[str, ...] = ("baseline", "midpoint", "endline")

#: Event rates are expressed per this many team members ...
RATE_PER_MEMBERS = 100
#: ... and per this many days.
RATE_PER_DAYS = 90
#: Four-fifths rule threshold (29 CFR 1607.4(D)).
FOUR_FIFTHS = 0.8

_RATER_KEYS = ["leader_id", "wave", "rater_id", "rater_type"]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _is(values: pd.Series, label: str) -> np.ndarray:
    """``values == label`` as a plain bool array, missing values -> False.

    Works for the pandas 3 ``str`` dtype, the nullable ``string`` dtype and object.
    """
    return values.eq(label).to_numpy(dtype=bool, na_value=False)


def _as_float(values: pd.Series) -> pd.Series:
    """Numeric column (``Int64`` with ``<NA>``, int or float) as float64 with NaN."""
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _days_since(dates: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Whole days from ``origin`` as float64 (NaN for missing dates).

    Independent of the datetime resolution (``ns``, ``us``, ...).
    """
    delta = pd.to_datetime(dates) - origin
    return (delta / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)


def _window_lengths(config: CohortConfig) -> dict[str, int]:
    """``{window: days}`` for the windows with a positive length."""
    lengths = {
        "pre": config.pilot_days,
        "pilot": config.pilot_days,
        "follow_up": config.follow_up_days,
    }
    return {w: d for w, d in lengths.items() if d > 0}


def _window_sort_key(col: pd.Series) -> pd.Series:
    order = {w: i for i, w in enumerate(WINDOWS)}
    if col.name == "window":
        return col.map(order)
    return col


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
    df = ratings[_RATER_KEYS].assign(_score=_as_float(ratings["score"]))
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
        rm = rm[~_is(rm["rater_type"], "self")]
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
    own = rm[_is(rm["rater_type"], "self") & (rm["n_items"].to_numpy() > 0)]
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
    value = _as_float(obs["value"]).to_numpy()
    span = float(config.scale_max - config.scale_min)
    score = np.where(
        _is(obs["scale"], "binary"),
        value,
        np.where(_is(obs["scale"], "ordinal"), (value - config.scale_min) / span, np.nan),
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
            "_score": _as_float(pulse_df["score"]),
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


# ---------------------------------------------------------------------------
# HR outcomes
# ---------------------------------------------------------------------------
def headcount(employees: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Average team headcount per leader and window (pre, pilot, follow_up).

    Day-weighted: person-days on the team inside the window divided by the
    window's days.  An employee is on the team from ``start_date`` through
    ``end_date`` inclusive (the leaving day counts, as an HRIS "last day");
    a missing ``end_date`` means still on the team.  Windows of zero length
    (``follow_up_days = 0``) are left out.

    Returns
    -------
    DataFrame
        ``leader_id, window, window_days, person_days, avg_headcount``, one row
        per leader present in ``employees`` and window.
    """
    lengths = _window_lengths(config)
    names = list(lengths)
    bounds = config.window_bounds()
    origin = pd.Timestamp(config.pilot_start)
    w_start = np.array(
        [(pd.Timestamp(bounds[w][0]) - origin).days for w in names], dtype="float64"
    )
    w_end = np.array(
        [(pd.Timestamp(bounds[w][1]) - origin).days for w in names], dtype="float64"
    )
    start = _days_since(employees["start_date"], origin)
    end_excl = _days_since(employees["end_date"], origin) + 1.0
    end_excl = np.where(np.isnan(end_excl), np.inf, end_excl)
    overlap = np.minimum(end_excl[:, None], w_end[None, :]) - np.maximum(
        start[:, None], w_start[None, :]
    )
    overlap = np.where(np.isnan(overlap), 0.0, np.clip(overlap, 0.0, None))
    wide = pd.DataFrame(overlap, columns=names, index=employees.index)
    wide["leader_id"] = employees["leader_id"]
    person_days = wide.groupby("leader_id", sort=True).sum()
    out = (
        person_days.rename_axis(columns="window")
        .stack()
        .rename("person_days")
        .reset_index()
    )
    out["window"] = out["window"].astype("str")
    out["window_days"] = out["window"].map(lengths).astype("int64")
    out["avg_headcount"] = out["person_days"] / out["window_days"]
    out = out.sort_values(["leader_id", "window"], key=_window_sort_key, kind="stable")
    return out[
        ["leader_id", "window", "window_days", "person_days", "avg_headcount"]
    ].reset_index(drop=True)


def _count_by_window(
    leader_id: pd.Series, window: pd.Series, name: str
) -> pd.DataFrame:
    df = pd.DataFrame({"leader_id": leader_id.to_numpy(), "window": window.to_numpy()})
    df = df.dropna()
    counts = df.groupby(["leader_id", "window"], sort=False).size().rename(name)
    return counts.reset_index()


def outcome_rates(
    employees: pd.DataFrame,
    incidents: pd.DataFrame | None,
    config: CohortConfig,
) -> pd.DataFrame:
    """Voluntary attrition, HR incidents and escalations per leader and window.

    Counts events whose date falls in the window (a voluntary exit is dated by
    ``end_date`` with ``exit_type == "voluntary"``) and turns them into rates
    **per 100 team members per 90 days**::

        rate = count / avg_headcount * 100 * 90 / window_days

    with the day-weighted average headcount of :func:`headcount`.  A window
    with zero headcount has a missing rate.

    Parameters
    ----------
    employees : DataFrame
        employees table (HRIS roster).
    incidents : DataFrame or None
        incidents table; None (table absent) gives missing incident and
        escalation columns.
    config : CohortConfig
        Defines the windows.

    Returns
    -------
    DataFrame
        ``leader_id, window, window_days, avg_headcount, voluntary_exits,
        voluntary_attrition, hr_incidents_n, hr_incidents, escalations_n,
        escalations``.  Counts are ``Int64`` (missing without incidents), rates
        float64.  Leaders are those present in ``employees``.
    """
    hc = headcount(employees, config)
    keys = ["leader_id", "window"]
    vol = _is(employees["exit_type"], "voluntary") & employees["end_date"].notna().to_numpy()
    exits = _count_by_window(
        employees.loc[vol, "leader_id"],
        window_of(employees.loc[vol, "end_date"], config),
        "voluntary_exits",
    )
    exits["window"] = exits["window"].astype(hc["window"].dtype)
    exits["leader_id"] = exits["leader_id"].astype(hc["leader_id"].dtype)
    out = hc.merge(exits, on=keys, how="left")
    out["voluntary_exits"] = out["voluntary_exits"].fillna(0).astype("Int64")

    denom = out["avg_headcount"].to_numpy(dtype="float64")
    scale = RATE_PER_MEMBERS * RATE_PER_DAYS / out["window_days"].to_numpy(dtype="float64")
    safe = np.where(denom > 0, denom, np.nan)

    def rate(count: pd.Series) -> np.ndarray:
        return count.to_numpy(dtype="float64", na_value=np.nan) / safe * scale

    out["voluntary_attrition"] = rate(out["voluntary_exits"])
    for kind, col in (("hr_incident", "hr_incidents"), ("escalation", "escalations")):
        if incidents is None:
            out[f"{col}_n"] = pd.array([pd.NA] * len(out), dtype="Int64")
        else:
            sel = _is(incidents["kind"], kind)
            counts = _count_by_window(
                incidents.loc[sel, "leader_id"],
                window_of(incidents.loc[sel, "date"], config),
                f"{col}_n",
            )
            counts["window"] = counts["window"].astype(hc["window"].dtype)
            counts["leader_id"] = counts["leader_id"].astype(hc["leader_id"].dtype)
            out = out.merge(counts, on=keys, how="left")
            out[f"{col}_n"] = out[f"{col}_n"].fillna(0).astype("Int64")
        out[col] = rate(out[f"{col}_n"])
    return out[
        [
            "leader_id",
            "window",
            "window_days",
            "avg_headcount",
            "voluntary_exits",
            "voluntary_attrition",
            "hr_incidents_n",
            "hr_incidents",
            "escalations_n",
            "escalations",
        ]
    ]


# ---------------------------------------------------------------------------
# promotion equity
# ---------------------------------------------------------------------------
def promotion_rates(
    employees: pd.DataFrame,
    leaders: pd.DataFrame,
    config: CohortConfig,
    by: Sequence[str] = ("group",),
) -> pd.DataFrame:
    """Promotion rate by demographic group over the pilot + follow-up window.

    The window is ``[pilot_start, pilot_start + pilot_days + follow_up_days)``.
    Denominator: employees on the team at any time in the window (started
    before its end; no ``end_date`` or ``end_date`` on/after its start).
    Numerator: those of them with a ``promoted_date`` in the window.  Employees
    with a missing ``group`` are excluded.

    Parameters
    ----------
    employees, leaders : DataFrame
        employees and leaders tables; columns of ``by`` not in ``employees``
        (e.g. ``arm``) are taken from ``leaders``.
    config : CohortConfig
        Defines the window.
    by : sequence of str, default ("group",)
        Grouping columns; must include ``group``.  ``("arm", "group")`` gives
        rates by group within each arm.

    Returns
    -------
    DataFrame
        ``*by, n, promoted, promotion_rate``.
    """
    by = list(by)
    if "group" not in by:
        raise ValueError("promotion_rates: `by` must include 'group'")
    start = pd.Timestamp(config.pilot_start)
    end = pd.Timestamp(config.follow_up_end)
    emp = employees
    extra = [c for c in by if c not in emp.columns]
    if extra:
        emp = emp.merge(leaders[["leader_id", *extra]], on="leader_id", how="left", validate="m:1")
    s = pd.to_datetime(emp["start_date"])
    e = pd.to_datetime(emp["end_date"])
    p = pd.to_datetime(emp["promoted_date"])
    in_team = (s < end).to_numpy(dtype=bool, na_value=False) & (
        e.isna() | (e >= start)
    ).to_numpy(dtype=bool, na_value=False)
    keep = in_team & emp["group"].notna().to_numpy(dtype=bool)
    promoted = ((p >= start) & (p < end)).to_numpy(dtype=bool, na_value=False)
    df = emp.loc[keep, by].assign(_promoted=promoted[keep].astype("int64"))
    out = (
        df.groupby(by, observed=True, sort=True)
        .agg(n=("_promoted", "size"), promoted=("_promoted", "sum"))
        .reset_index()
    )
    out["n"] = out["n"].astype("int64")
    out["promoted"] = out["promoted"].astype("int64")
    out["promotion_rate"] = out["promoted"] / out["n"]
    return out


def adverse_impact_ratio(rates: pd.DataFrame, group: str = "group") -> pd.DataFrame:
    """Adverse impact ratio: lowest group promotion rate / highest.

    Under the four-fifths rule (29 CFR 1607.4(D)) a ratio below 0.8 is
    evidence of adverse impact.  With small numbers the ratio is unstable, so
    a two-sided Fisher exact test of the lowest vs the highest group is given
    too (``p_value``).

    Parameters
    ----------
    rates : DataFrame
        Output of :func:`promotion_rates`.  Key columns other than ``group``
        (e.g. ``arm``) define separate strata, each with its own ratio.
    group : str, default "group"
        The group column.

    Returns
    -------
    DataFrame
        ``*strata, n_groups, lowest_group, lowest_rate, highest_group,
        highest_rate, adverse_impact_ratio, four_fifths_flag, p_value``.  The
        ratio is missing (and the flag False) when the highest rate is 0.

    References
    ----------
    Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D).
    """
    stat_cols = {group, "n", "promoted", "promotion_rate"}
    strata = [c for c in rates.columns if c not in stat_cols]
    df = rates.dropna(subset=["promotion_rate"]).reset_index(drop=True)
    key = strata if strata else (lambda _: 0)
    grouped = df.groupby(key, observed=True, sort=True)["promotion_rate"]
    lo = df.loc[grouped.idxmin().to_numpy()].reset_index(drop=True)
    hi = df.loc[grouped.idxmax().to_numpy()].reset_index(drop=True)
    out = lo[strata].copy() if strata else pd.DataFrame(index=range(len(lo)))
    out["n_groups"] = grouped.size().to_numpy().astype("int64")
    out["lowest_group"] = lo[group].to_numpy()
    out["lowest_rate"] = lo["promotion_rate"].to_numpy(dtype="float64")
    out["highest_group"] = hi[group].to_numpy()
    out["highest_rate"] = hi["promotion_rate"].to_numpy(dtype="float64")
    top = out["highest_rate"].to_numpy()
    out["adverse_impact_ratio"] = out["lowest_rate"].to_numpy() / np.where(
        top > 0, top, np.nan
    )
    out["four_fifths_flag"] = (out["adverse_impact_ratio"] < FOUR_FIFTHS).to_numpy(
        dtype=bool, na_value=False
    )
    # one 2x2 test per stratum (a handful of strata, not per leader)
    p_values = [
        stats.fisher_exact(
            [[a, n_a - a], [b, n_b - b]], alternative="two-sided"
        ).pvalue
        for a, n_a, b, n_b in zip(
            lo["promoted"].to_numpy(), lo["n"].to_numpy(),
            hi["promoted"].to_numpy(), hi["n"].to_numpy(),
        )
    ]
    out["p_value"] = np.asarray(p_values, dtype="float64")
    return out
