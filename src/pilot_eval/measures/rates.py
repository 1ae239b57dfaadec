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

from typing import Sequence, cast

import numpy as np
import pandas as pd
from scipy import stats

from pilot_eval.data.config import CohortConfig
from pilot_eval.data.windows import window_of
from pilot_eval.measures._common import days_since, is_label, window_lengths, window_sort_key
from pilot_eval.measures.stints import people_in_window

__all__ = [
    "RATE_PER_MEMBERS",
    "RATE_PER_DAYS",
    "FOUR_FIFTHS",
    "headcount",
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
    lengths = window_lengths(config)
    names = list(lengths)
    bounds = config.window_bounds()
    origin = pd.Timestamp(config.pilot_start)
    w_start = np.array(
        [(pd.Timestamp(bounds[w][0]) - origin).days for w in names], dtype="float64"
    )
    w_end = np.array(
        [(pd.Timestamp(bounds[w][1]) - origin).days for w in names], dtype="float64"
    )
    start = days_since(employees["start_date"], origin)
    end_excl = days_since(employees["end_date"], origin) + 1.0
    end_excl = np.where(np.isnan(end_excl), np.inf, end_excl)
    overlap = np.minimum(end_excl[:, None], w_end[None, :]) - np.maximum(
        start[:, None], w_start[None, :]
    )
    overlap = np.where(np.isnan(overlap), 0.0, np.clip(overlap, 0.0, None))
    wide = pd.DataFrame(overlap, columns=names, index=employees.index)
    wide["leader_id"] = employees["leader_id"]
    person_days = wide.groupby("leader_id", sort=True).sum()
    # one column per window stacked to long: a Series (leader_id, window) -> person-days
    stacked = cast(pd.Series, person_days.rename_axis(columns="window").stack())
    out = stacked.rename("person_days").reset_index()
    out["window"] = out["window"].astype("str")
    out["window_days"] = out["window"].map(lengths).astype("int64")
    out["avg_headcount"] = out["person_days"] / out["window_days"]
    out = out.sort_values(["leader_id", "window"], key=window_sort_key, kind="stable")
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
    ``end_date`` with ``exit_type == "voluntary"``, counted for the leader of
    the stint it ended; a ``transfer`` is a move, never an exit) and turns them into rates
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
    vol = is_label(employees["exit_type"], "voluntary") & employees["end_date"].notna().to_numpy()
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
            sel = is_label(incidents["kind"], kind)
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
