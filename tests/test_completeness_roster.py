"""Pulse denominators: team rosters per month count each person once (contract v1.1 team history).

References: on a v1 roster (one row per employee), the count of rows on the roster at any day of
the month, computed here directly; on a roster with a move, the number of distinct people."""

import datetime as dt

import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.steps.completeness import team_roster_by_month

CFG = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 1))


def _rows_on_roster(e: pd.DataFrame, m: int) -> pd.Series:
    m0 = pd.Timestamp(CFG.pilot_start) + pd.Timedelta(days=30 * m)
    on = (e["start_date"] < m0 + pd.Timedelta(days=30)) & (e["end_date"].isna() | (e["end_date"] >= m0))
    return e[on].groupby("leader_id").size()


def test_v1_roster_counts_rows_and_moves_count_people_once():
    e = pd.DataFrame({"employee_id": ["E1", "E2", "E3", "E3"], "leader_id": ["A", "A", "A", "B"],
                      "start_date": pd.to_datetime(["2025-01-01", "2025-06-01", "2025-01-01", "2026-01-16"]),
                      "end_date": pd.to_datetime([None, "2026-01-20", "2026-01-15", None]),
                      "exit_type": [None, "voluntary", "transfer", None],
                      "promoted_date": pd.to_datetime([None, None, None, None])})
    v1 = e.iloc[:2]
    got = team_roster_by_month(v1, CFG, [0, 1]).set_index(["leader_id", "month"])["members"]
    assert got.loc[("A", 0)] == _rows_on_roster(v1, 0)["A"] == 2
    assert got.loc[("A", 1)] == _rows_on_roster(v1, 1)["A"] == 1
    moved = team_roster_by_month(e, CFG, [0]).set_index("leader_id")["members"]
    assert moved.sum() == 3                       # E1, E2, E3: three people, not four rows
    assert moved["B"] == 1 and moved["A"] == 2    # E3 counts for the team moved to
