"""HR outcome rates and promotion equity of data contract v1.1.

- ``voluntary_attrition``, ``hr_incidents``, ``escalations`` (leader x window):
  events per 100 team members (average headcount) per 90 days
  (:func:`headcount`, :func:`outcome_rates`).
- ``promotion_rate`` by group and the adverse impact ratio with the
  four-fifths rule (:func:`promotion_rates`, :func:`adverse_impact_ratio`).

Team history (v1.1): the employees table has one row per stint with a leader.
Headcount and person-days sum the stints, each for the leader of its stint; a
voluntary exit is counted for the leader of the stint it ended; a stint ended
by a ``transfer`` (a move to another team) is never attrition, neither for the
team left nor for the person; promotion equity counts each person once
(:func:`pilot_eval.measures.stints.people_in_window`).

Vectorised ``groupby`` / NumPy operations, no loop over leaders or employees.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.data.config import CohortConfig
from pilot_eval.measures._common import days_since, is_label, window_lengths
from pilot_eval.measures.stints import people_in_window

__all__ = [
    "RATE_PER_MEMBERS",
    "RATE_PER_DAYS",
    "FOUR_FIFTHS",
    "headcount",
    "period_rates",
    "outcome_rates",
    "promotion_rates",
    "adverse_impact_ratio",
]

#: Event rates are expressed per this many team members ...
RATE_PER_MEMBERS = 100
#: ... and per this many days.
RATE_PER_DAYS = 90
#: Four-fifths rule threshold (29 CFR 1607.4(D)).
FOUR_FIFTHS = 0.8


# ---------------------------------------------------------------------------
# HR outcomes
# ---------------------------------------------------------------------------
def _period_arrays(periods: Mapping[Any, tuple[float, float]]) -> tuple[list[Any], np.ndarray, np.ndarray]:
    labels = [k for k, (_, days) in periods.items() if days > 0]
    start = np.array([periods[k][0] for k in labels], dtype="float64")
    days = np.array([periods[k][1] for k in labels], dtype="float64")
    if len(labels) > 1:
        order = np.argsort(start)
        if np.any(start[order][1:] < (start + days)[order][:-1]):
            raise ValueError("periods must not overlap")
    return labels, start, days


def _person_days(employees: pd.DataFrame, origin: pd.Timestamp, start: np.ndarray, days: np.ndarray
                 ) -> tuple[pd.Index, np.ndarray]:
    """(leaders of ``employees`` in sorted order, person-days per leader x period)."""
    first = days_since(employees["start_date"], origin)
    end_excl = days_since(employees["end_date"], origin) + 1.0
    end_excl = np.where(np.isnan(end_excl), np.inf, end_excl)
    overlap = np.minimum(end_excl[:, None], (start + days)[None, :]) - np.maximum(first[:, None], start[None, :])
    overlap = np.where(np.isnan(overlap), 0.0, np.clip(overlap, 0.0, None))
    codes, leaders = pd.factorize(employees["leader_id"], sort=True)
    person_days = np.zeros((len(leaders), len(start)))
    np.add.at(person_days, codes, overlap)
    return pd.Index(leaders), person_days


def _event_counts(leader_id: pd.Series, dates: pd.Series, origin: pd.Timestamp, leaders: pd.Index,
                  start: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Events per leader x period: an event on day ``d`` (from ``origin``) is in ``[start, start + days)``."""
    day = np.floor(days_since(dates, origin))
    order = np.argsort(start, kind="stable")
    pos = np.searchsorted(start[order], day, side="right") - 1
    inside = (pos >= 0) & ~np.isnan(day)
    pos_c = np.clip(pos, 0, None)
    inside &= day < (start + days)[order][pos_c]
    who = leaders.get_indexer(pd.Index(leader_id.to_numpy()))
    inside &= who >= 0
    counts = np.zeros((len(leaders), len(start)), dtype="int64")
    np.add.at(counts, (who[inside], order[pos_c[inside]]), 1)
    return counts


def period_rates(
    employees: pd.DataFrame,
    incidents: pd.DataFrame | None,
    origin: dt.date,
    periods: Mapping[Any, tuple[float, float]],
    key: str = "window",
) -> pd.DataFrame:
    """Headcount, events and rates per leader and period: the one computation of the rates.

    ``periods`` maps a label to ``(start_day, days)``, days counted from
    ``origin`` (periods must not overlap; a period of zero days is left out).
    :func:`headcount` and :func:`outcome_rates` are this function on the
    cohort's windows; :func:`pilot_eval.measures.lagging_outcomes.month_outcome_rates`
    on 30-day months.  Definitions as in :func:`outcome_rates`.

    Returns
    -------
    DataFrame
        ``leader_id, <key>, window_days, person_days, avg_headcount,
        voluntary_exits, voluntary_attrition, hr_incidents_n, hr_incidents,
        escalations_n, escalations``: one row per leader present in
        ``employees`` (sorted) and period (in the order given).
    """
    labels, start, days = _period_arrays(periods)
    o = pd.Timestamp(origin)
    leaders, person_days = _person_days(employees, o, start, days)
    n_l, n_p = person_days.shape
    avg = person_days / days[None, :]
    safe = np.where(avg > 0, avg, np.nan)
    scale = RATE_PER_MEMBERS * RATE_PER_DAYS / days[None, :]
    lab = np.empty(len(labels), dtype=object)
    lab[:] = labels
    out = pd.DataFrame({
        "leader_id": leaders.take(np.repeat(np.arange(n_l), n_p)),
        key: np.tile(lab, n_l),
        "window_days": np.tile(days, n_l).astype("int64"),
        "person_days": person_days.ravel(),
        "avg_headcount": avg.ravel(),
    })
    vol = is_label(employees["exit_type"], "voluntary") & employees["end_date"].notna().to_numpy()
    exits = _event_counts(employees.loc[vol, "leader_id"], employees.loc[vol, "end_date"], o, leaders,
                          start, days)
    out["voluntary_exits"] = pd.array(exits.ravel(), dtype="Int64")
    out["voluntary_attrition"] = (exits / safe * scale).ravel()
    for kind, col in (("hr_incident", "hr_incidents"), ("escalation", "escalations")):
        if incidents is None:
            out[f"{col}_n"] = pd.array([pd.NA] * len(out), dtype="Int64")
            out[col] = np.nan
            continue
        sel = is_label(incidents["kind"], kind)
        n = _event_counts(incidents.loc[sel, "leader_id"], incidents.loc[sel, "date"], o, leaders, start, days)
        out[f"{col}_n"] = pd.array(n.ravel(), dtype="Int64")
        out[col] = (n / safe * scale).ravel()
    return out


def _config_periods(config: CohortConfig) -> dict[str, tuple[float, float]]:
    origin = pd.Timestamp(config.pilot_start)
    bounds = config.window_bounds()
    return {w: (float((pd.Timestamp(bounds[w][0]) - origin).days), float(d))
            for w, d in window_lengths(config).items()}


def headcount(employees: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Average team headcount per leader and window (pre, pilot, follow_up).

    Day-weighted: person-days on the team inside the window divided by the
    window's days.  A stint (a row) is on the team from ``start_date`` through
    ``end_date`` inclusive (the leaving day counts, as an HRIS "last day");
    a missing ``end_date`` means still on the team.  Person-days are summed
    over the stints of each leader: an employee who moved counts for each
    team for the days they were on it (stints of one employee do not overlap,
    so nobody counts twice on a day).  Windows of zero length
    (``follow_up_days = 0``) are left out.

    Returns
    -------
    DataFrame
        ``leader_id, window, window_days, person_days, avg_headcount``, one row
        per leader present in ``employees`` and window.
    """
    rates = period_rates(employees, None, config.pilot_start, _config_periods(config))
    return rates[["leader_id", "window", "window_days", "person_days", "avg_headcount"]]


def outcome_rates(
    employees: pd.DataFrame,
    incidents: pd.DataFrame | None,
    config: CohortConfig,
) -> pd.DataFrame:
    """Voluntary attrition, HR incidents and escalations per leader and window.

    Counts events whose date falls in the window (a voluntary exit is dated by
    ``end_date`` with ``exit_type == "voluntary"``, counted for the leader of
    the stint it ended; a ``transfer`` is a move, never an exit) and turns them into rates
    **per 100 team members per 90 days**::

        rate = count / avg_headcount * 100 * 90 / window_days

    with the day-weighted average headcount of :func:`headcount`.  A window
    with zero headcount has a missing rate.  Computed by :func:`period_rates`
    on the cohort's windows.

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
    rates = period_rates(employees, incidents, config.pilot_start, _config_periods(config))
    return rates.drop(columns="person_days")


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
    Denominator: people on a team at any time in the window (a stint that
    started before its end and has no ``end_date`` or one on/after its start),
    each person **once** however many stints they had
    (:func:`pilot_eval.measures.stints.people_in_window`).  Numerator: those of
    them with a ``promoted_date`` in the window.  A person is counted in the
    stint the promotion happened in (its leader's arm), otherwise in their last
    stint in the window; people whose counted stint has a missing ``group``
    are excluded.

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
    emp = people_in_window(employees, start, end)
    extra = [c for c in by if c not in emp.columns]
    if extra:
        emp = emp.merge(leaders[["leader_id", *extra]], on="leader_id", how="left", validate="m:1")
    keep = emp["group"].notna().to_numpy(dtype=bool)
    df = emp.loc[keep, by].assign(_promoted=emp.loc[keep, "promoted"].to_numpy(dtype="int64"))
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
