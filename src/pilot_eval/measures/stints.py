"""Team history (data contract v1.1): the employees table as stints, read per person.

The employees table has one row per *stint* of a team member with a leader
(one row per employee in a v1 folder; several for an employee who moved teams,
the earlier ones ended with ``exit_type = "transfer"``).  Person-time is
additive over stints, so headcount and exposure sum the rows
(:func:`stint_days`).  Anything counted *per person* must not count a person
with two stints twice; the helpers here give one row per person:

* :func:`people_in_window` - each person on a roster in a window once, in the
  stint they are counted in (promotion equity's denominator);
* :func:`members_by_month` - team members per leader and 30-day month, each
  person once per month (the stint they were on last in that month), so the
  sum over leaders is the number of distinct people.

On a v1 folder (one row per employee) they give exactly the per-row results.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.data.contract import ATTRITION_EXITS, TRANSFER
from pilot_eval.measures._common import days_since

__all__ = ["stint_days", "people_in_window", "members_by_month", "is_attrition", "is_transfer",
           "team_moves", "OUTSIDE"]

#: ``to_arm`` of a transfer with no later stint: the person moved to a team outside the cohort.
OUTSIDE = "outside the cohort"


def is_transfer(employees: pd.DataFrame) -> np.ndarray:
    """Rows whose stint ended with a move to another team (never attrition).

    Examples
    --------
    >>> e = pd.DataFrame({"exit_type": ["transfer", None, "voluntary"]})
    >>> is_transfer(e).tolist()
    [True, False, False]
    """
    return employees["exit_type"].eq(TRANSFER).to_numpy(dtype=bool, na_value=False)


def is_attrition(employees: pd.DataFrame, kinds: Iterable[str] = ATTRITION_EXITS) -> np.ndarray:
    """Rows whose stint ended with an exit of one of ``kinds`` (default: voluntary or involuntary).

    A ``transfer`` is never attrition, whatever ``kinds`` says.

    Examples
    --------
    >>> e = pd.DataFrame({"exit_type": ["transfer", "involuntary", "voluntary", None],
    ...                   "end_date": pd.to_datetime(["2026-02-01", "2026-03-01", "2026-04-01", None])})
    >>> is_attrition(e).tolist(), is_attrition(e, ("voluntary", "transfer")).tolist()
    ([False, True, True, False], [False, False, True, False])
    """
    kinds = [k for k in kinds if k != TRANSFER]
    ended = employees["end_date"].notna().to_numpy(dtype=bool)
    return employees["exit_type"].isin(kinds).to_numpy(dtype=bool, na_value=False) & ended


def stint_days(employees: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Days of each stint (row) inside ``[start, end)``, float64.

    A stint runs from ``start_date`` through ``end_date`` inclusive (the last
    day counts); a missing ``end_date`` means still on the team.  Summed over
    the rows of a leader this is the leader's person-days: a person who moved
    counts for each team for the days they were on it.

    Examples
    --------
    >>> e = pd.DataFrame({"start_date": pd.to_datetime(["2026-01-01", "2026-01-11"]),
    ...                   "end_date": pd.to_datetime(["2026-01-10", None])})
    >>> stint_days(e, pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-15")).tolist()
    [6.0, 4.0]
    """
    s = days_since(employees["start_date"], start)
    e = days_since(employees["end_date"], start) + 1.0
    e = np.where(np.isnan(e), np.inf, e)
    width = (end - start).days
    out = np.minimum(e, width) - np.maximum(s, 0.0)
    return np.where(np.isnan(out), 0.0, np.clip(out, 0.0, None))


def people_in_window(employees: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """One row per person on a roster at any time in ``[start, end)``: the stint they are counted in.

    A person counts once however many stints they had in the window.  A
    person with a ``promoted_date`` in the window is counted in the stint the
    promotion happened in (the stint whose dates hold it; if none does, the
    stint whose row carries it); anyone else in their last stint that
    overlaps the window.

    Parameters
    ----------
    employees : DataFrame
        The employees table (typed as :func:`pilot_eval.data.cohort.load_cohort` gives it).
    start, end : Timestamp
        The window, end exclusive.

    Returns
    -------
    DataFrame
        The chosen rows (all columns of ``employees``, original index) plus
        ``promoted`` (bool: a ``promoted_date`` in the window on any of the
        person's stints in the window), one row per ``employee_id``, in the
        table's row order.

    Examples
    --------
    A move on 1 February, promoted on 10 February in the new team:

    >>> e = pd.DataFrame({
    ...     "employee_id": ["E1", "E1", "E2"], "leader_id": ["A", "B", "A"], "group": ["x", "x", "y"],
    ...     "start_date": pd.to_datetime(["2025-06-01", "2026-02-01", "2025-01-01"]),
    ...     "end_date": pd.to_datetime(["2026-01-31", None, None]),
    ...     "exit_type": ["transfer", None, None],
    ...     "promoted_date": pd.to_datetime([None, "2026-02-10", None])})
    >>> p = people_in_window(e, pd.Timestamp("2026-01-01"), pd.Timestamp("2026-04-01"))
    >>> p[["employee_id", "leader_id", "promoted"]].values.tolist()
    [['E1', 'B', True], ['E2', 'A', False]]
    """
    s = pd.to_datetime(employees["start_date"])
    e = pd.to_datetime(employees["end_date"])
    p = pd.to_datetime(employees["promoted_date"])
    in_window = ((s < end) & (e.isna() | (e >= start))).to_numpy(dtype=bool, na_value=False)
    rows = employees.loc[in_window]
    s, e, p = s[in_window], e[in_window], p[in_window]
    promo = ((p >= start) & (p < end)).to_numpy(dtype=bool, na_value=False)
    pos = np.arange(len(rows))
    emp = pd.Series(rows["employee_id"].to_numpy(dtype=object), index=pos)
    # everyone: the last stint overlapping the window (latest start; ties: later row)
    order = np.lexsort((pos, s.to_numpy(dtype="datetime64[ns]")))
    ranked = emp.iloc[order]
    pick = pd.Series(ranked.index.to_numpy(), index=ranked.to_numpy())
    pick = pick[~pick.index.duplicated(keep="last")]
    promoted_people = pd.Index([])
    if promo.any():
        # a promotion in the window -> the same person's stint whose dates hold it (else its row)
        pr = pd.DataFrame({"employee_id": emp[promo].to_numpy(), "carrier": pos[promo],
                           "day": p[promo].to_numpy()})
        st = pd.DataFrame({"employee_id": emp.to_numpy(), "holder": pos, "s": s.to_numpy(), "e": e.to_numpy()})
        both = pr.merge(st, on="employee_id", how="left")
        holds = ((both["s"] <= both["day"]) & (both["e"].isna() | (both["e"] >= both["day"])))
        both["pick"] = np.where(holds.to_numpy(dtype=bool, na_value=False), both["holder"], -1)
        both = both.sort_values(["day", "carrier", "pick"], ascending=[True, True, False], kind="stable")
        first = both.drop_duplicates("employee_id")  # the person's first promotion in the window
        chosen = pd.Series(np.where(first["pick"] >= 0, first["pick"], first["carrier"]).astype(np.int64),
                           index=first["employee_id"].to_numpy())
        pick.loc[chosen.index] = chosen.to_numpy()
        promoted_people = pd.Index(chosen.index)
    out = rows.iloc[np.sort(pick.to_numpy(dtype=np.int64))].copy()
    out["promoted"] = out["employee_id"].isin(promoted_people).to_numpy(dtype=bool)
    return out


def members_by_month(employees: pd.DataFrame, config: CohortConfig, months: Iterable[int]) -> pd.DataFrame:
    """Team members per leader and 30-day month, each person once per month.

    Month ``m`` is ``[pilot_start + 30 m, pilot_start + 30 (m + 1))``.  A
    person on a roster at any day of the month counts once, for the leader of
    the last stint they had in that month (a person who moved mid-month counts
    for the new team), so the members of all leaders add up to the number of
    distinct people.  On a v1 folder this is the number of rows on the roster.

    Returns
    -------
    DataFrame
        ``leader_id, month, members`` (months and leaders with no member left out).

    Examples
    --------
    >>> import datetime as dt
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 1))
    >>> e = pd.DataFrame({"employee_id": ["E1", "E1"], "leader_id": ["A", "B"],
    ...                   "start_date": pd.to_datetime(["2025-01-01", "2026-01-11"]),
    ...                   "end_date": pd.to_datetime(["2026-01-10", None]),
    ...                   "exit_type": ["transfer", None], "promoted_date": pd.to_datetime([None, None])})
    >>> members_by_month(e, cfg, [-1, 0]).values.tolist()
    [['A', -1, 1], ['B', 0, 1]]
    """
    origin = pd.Timestamp(config.pilot_start)
    frames = []
    for m in months:  # a handful of months, vectorised over stints
        m0 = origin + pd.Timedelta(days=MONTH_DAYS * int(m))
        frames.append(_last_stint(employees, m0, m0 + pd.Timedelta(days=MONTH_DAYS))[["leader_id"]]
                      .assign(month=int(m)))
    if not frames:
        return pd.DataFrame({"leader_id": pd.Series(dtype="str"), "month": pd.Series(dtype="int64"),
                             "members": pd.Series(dtype="int64")})
    roster = pd.concat(frames, ignore_index=True)
    out = roster.groupby(["leader_id", "month"], sort=True).size().rename("members").reset_index()
    out["members"] = out["members"].astype("int64")
    return out


def _last_stint(employees: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Each person's last stint overlapping ``[start, end)`` (latest start; ties: later row)."""
    s = pd.to_datetime(employees["start_date"])
    e = pd.to_datetime(employees["end_date"])
    on = ((s < end) & (e.isna() | (e >= start))).to_numpy(dtype=bool, na_value=False)
    rows = employees.loc[on]
    order = np.lexsort((np.arange(len(rows)), s[on].to_numpy(dtype="datetime64[ns]")))
    ranked = rows.iloc[order]
    keep = ~ranked["employee_id"].duplicated(keep="last").to_numpy(dtype=bool)
    return ranked[keep].sort_index()


def team_moves(employees: pd.DataFrame, leaders: pd.DataFrame) -> pd.DataFrame:
    """How many team moves there are, by the arm left and the arm joined (no IDs).

    A move is a stint ending with ``exit_type = "transfer"``; it goes to the
    arm of the same employee's next stint (by start_date), or to
    :data:`OUTSIDE` when there is none.

    Returns
    -------
    DataFrame
        ``from_arm, to_arm, moves`` (int64), one row per pair that occurs, sorted.

    Examples
    --------
    >>> e = pd.DataFrame({"employee_id": ["E1", "E1", "E2", "E3"], "leader_id": ["A", "B", "A", "B"],
    ...                   "start_date": pd.to_datetime(["2025-01-01", "2026-02-01", "2025-01-01", "2025-01-01"]),
    ...                   "exit_type": ["transfer", None, "transfer", None]})
    >>> ld = pd.DataFrame({"leader_id": ["A", "B"], "arm": ["pilot", "comparison"]})
    >>> team_moves(e, ld).values.tolist()
    [['pilot', 'comparison', 1], ['pilot', 'outside the cohort', 1]]
    """
    arm = pd.Series(leaders["arm"].astype(str).to_numpy(), index=leaders["leader_id"].astype(str).to_numpy())
    e = pd.DataFrame({"employee_id": employees["employee_id"].astype(str).to_numpy(),
                      "arm": employees["leader_id"].astype(str).map(arm).to_numpy(),
                      "start": pd.to_datetime(employees["start_date"]).to_numpy(),
                      "transfer": is_transfer(employees)})
    e = e.sort_values(["employee_id", "start"], kind="stable").reset_index(drop=True)
    nxt = e.groupby("employee_id", sort=False)["arm"].shift(-1)
    moved = e[e["transfer"]].assign(to_arm=nxt[e["transfer"]].fillna(OUTSIDE))
    out = (moved.rename(columns={"arm": "from_arm"}).groupby(["from_arm", "to_arm"], sort=True)
           .size().rename("moves").reset_index())
    out["moves"] = out["moves"].astype("int64")
    return out
