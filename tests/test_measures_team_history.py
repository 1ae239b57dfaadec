"""Measures on a roster with a team move (contract v1.1 team history).

Reference: the hand-worked numbers below (the arithmetic is written next to
each).  The roster, days counted from pilot_start (day 0); pilot window days
0..89, pre -90..-1, follow-up 90..179 (pilot_days = follow_up_days = 90):

====  ======  =====  ==========  =========  ==========  ========
id    leader  group  first day   last day   exit        promoted
====  ======  =====  ==========  =========  ==========  ========
E1    L1      A      -200        14         transfer
E1    L2      A      15          (open)                 45
E2    L1      A      -200        (open)
E3    L2      B      -200        59         voluntary
E4    L2      B      -200        (open)                 100
E5    L1      A      -200        119        transfer
====  ======  =====  ==========  =========  ==========  ========

E1 moves from L1 (pilot) to L2 (comparison) on day 15 and is promoted on day
45 in the new team; E5 moves on day 120 to a team outside the cohort.
"""

from __future__ import annotations

import datetime as dt
import doctest
import importlib

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.config import CohortConfig
from pilot_eval.measures.lagging_outcomes import period_outcome_rates
from pilot_eval.measures.scores import headcount, outcome_rates, promotion_rates
from pilot_eval.measures.stints import (OUTSIDE, is_attrition, is_transfer, members_by_month, people_in_window,
                                        stint_days, team_moves)

START = dt.date(2026, 1, 5)
CONFIG = CohortConfig(name="history", pilot_start=START, pilot_days=90, follow_up_days=90)


def day(n: int | None) -> pd.Timestamp | None:
    return None if n is None else pd.Timestamp(START) + pd.Timedelta(days=n)


ROWS = [
    # employee, leader, group, start, end, exit, promoted
    ("E1", "L1", "A", -200, 14, "transfer", None),
    ("E1", "L2", "A", 15, None, None, 45),
    ("E2", "L1", "A", -200, None, None, None),
    ("E3", "L2", "B", -200, 59, "voluntary", None),
    ("E4", "L2", "B", -200, None, None, 100),
    ("E5", "L1", "A", -200, 119, "transfer", None),
]


@pytest.fixture(params=["str", "string"])
def tables(request) -> tuple[pd.DataFrame, pd.DataFrame]:
    text = request.param
    df = pd.DataFrame(ROWS, columns=["employee_id", "leader_id", "group", "s", "e", "exit_type", "p"])
    emp = pd.DataFrame({
        "employee_id": df["employee_id"].astype(text),
        "leader_id": df["leader_id"].astype(text),
        "group": df["group"].astype(text),
        "start_date": pd.to_datetime([day(d) for d in df["s"]]).astype("datetime64[ns]"),
        "end_date": pd.to_datetime([day(None if pd.isna(d) else int(d)) for d in df["e"]]).astype("datetime64[ns]"),
        "exit_type": pd.Series(df["exit_type"], dtype=object).astype(text),
        "promoted_date": pd.to_datetime([day(None if pd.isna(d) else int(d)) for d in df["p"]])
        .astype("datetime64[ns]"),
    })
    leaders = pd.DataFrame({"leader_id": pd.Series(["L1", "L2"], dtype=text),
                            "arm": pd.Series(["pilot", "comparison"], dtype=text)})
    return emp, leaders


def test_headcount_sums_stints_for_the_leader_of_each(tables) -> None:
    emp, _ = tables
    hc = headcount(emp, CONFIG).set_index(["leader_id", "window"])["person_days"]
    # pre (-90..-1): L1 = E1 90 + E2 90 + E5 90 = 270; L2 = E3 90 + E4 90 = 180
    assert hc[("L1", "pre")] == 270 and hc[("L2", "pre")] == 180
    # pilot (0..89): L1 = E1 days 0..14 (15) + E2 90 + E5 90 = 195
    #                L2 = E1 days 15..89 (75) + E3 days 0..59 (60) + E4 90 = 225
    assert hc[("L1", "pilot")] == 195 and hc[("L2", "pilot")] == 225
    # follow-up (90..179): L1 = E2 90 + E5 days 90..119 (30) = 120; L2 = E1 90 + E4 90 = 180
    assert hc[("L1", "follow_up")] == 120 and hc[("L2", "follow_up")] == 180
    # nobody counts twice on a day: pilot person-days = 4 people x 90 + E3's 60 = 420
    assert hc.xs("pilot", level="window").sum() == 420


def test_exposure_of_the_count_models_follows_the_stints(tables) -> None:
    emp, _ = tables
    # the pilot's first 30-day month (days 0..29): L1 = E1 15 + E2 30 + E5 30 = 75; L2 = E1 15 + E3 30 + E4 30
    month = period_outcome_rates(emp, None, CONFIG, 0, 30).set_index("leader_id")["person_days"]
    assert month["L1"] == 75 and month["L2"] == 75
    # stint_days: the same per row
    per_row = stint_days(emp, pd.Timestamp(START), pd.Timestamp(START) + pd.Timedelta(days=30))
    assert per_row.tolist() == [15.0, 15.0, 30.0, 30.0, 30.0, 30.0]


def test_transfers_are_never_attrition(tables) -> None:
    emp, _ = tables
    rates = outcome_rates(emp, None, CONFIG).set_index(["leader_id", "window"])
    # the only voluntary exit: E3 on day 59, pilot window, leader L2; E1's and E5's transfers count nowhere
    assert rates["voluntary_exits"].to_dict() == {
        ("L1", "pre"): 0, ("L1", "pilot"): 0, ("L1", "follow_up"): 0,
        ("L2", "pre"): 0, ("L2", "pilot"): 1, ("L2", "follow_up"): 0}
    # rate = 1 / (225 / 90) * 100 * 90 / 90 = 40 per 100 members per 90 days
    assert rates.loc[("L2", "pilot"), "voluntary_attrition"] == pytest.approx(40.0)
    assert is_transfer(emp).tolist() == [True, False, False, False, False, True]
    assert is_attrition(emp).tolist() == [False, False, False, True, False, False]
    assert is_attrition(emp, ("voluntary", "transfer")).tolist() == is_attrition(emp).tolist()


def test_promotion_equity_counts_each_person_once(tables) -> None:
    emp, leaders = tables
    by_group = promotion_rates(emp, leaders, CONFIG).set_index("group")
    # window days 0..179; people: A = E1, E2, E5 (E1 once, not twice), promoted E1 -> 1/3
    #                             B = E3, E4, promoted E4 (day 100) -> 1/2
    assert (by_group.loc["A", "n"], by_group.loc["A", "promoted"]) == (3, 1)
    assert (by_group.loc["B", "n"], by_group.loc["B", "promoted"]) == (2, 1)
    by_arm = promotion_rates(emp, leaders, CONFIG, by=("arm", "group")).set_index(["arm", "group"])
    # E1's promotion (day 45) happened in the L2 stint -> comparison arm; E1 is not also in pilot
    assert (by_arm.loc[("comparison", "A"), "n"], by_arm.loc[("comparison", "A"), "promoted"]) == (1, 1)
    assert (by_arm.loc[("pilot", "A"), "n"], by_arm.loc[("pilot", "A"), "promoted"]) == (2, 0)
    assert (by_arm.loc[("comparison", "B"), "n"], by_arm.loc[("comparison", "B"), "promoted"]) == (2, 1)
    assert by_arm["n"].sum() == 5  # five people


def test_a_person_not_promoted_counts_in_the_last_stint(tables) -> None:
    emp, _ = tables
    emp = emp.assign(promoted_date=pd.NaT).astype({"promoted_date": "datetime64[ns]"})
    p = people_in_window(emp, pd.Timestamp(START), pd.Timestamp(START) + pd.Timedelta(days=180))
    assert p.set_index("employee_id")["leader_id"].astype(str).to_dict() == {
        "E1": "L2", "E2": "L1", "E3": "L2", "E4": "L2", "E5": "L1"}
    assert not p["promoted"].any()
    # a window before the move: E1 is in L1's stint
    before = people_in_window(emp, day(0), day(10))
    assert before.set_index("employee_id")["leader_id"].astype(str)["E1"] == "L1"


def test_members_by_month_counts_each_person_once(tables) -> None:
    emp, _ = tables
    m = members_by_month(emp, CONFIG, [0, 1, 4]).set_index(["leader_id", "month"])["members"]
    # month 0 (days 0..29): E1 on L1 days 0..14 and L2 from 15 -> counted for L2 (the last stint)
    #   L1 = E2, E5 = 2; L2 = E1, E3, E4 = 3; five people
    assert m[("L1", 0)] == 2 and m[("L2", 0)] == 3
    # month 1 (30..59): L1 = E2, E5; L2 = E1, E3 (last day 59), E4
    assert m[("L1", 1)] == 2 and m[("L2", 1)] == 3
    # month 4 (120..149): E5 moved out on day 120 -> L1 = E2 only; L2 = E1, E4
    assert m[("L1", 4)] == 1 and m[("L2", 4)] == 2


def test_v1_roster_gives_the_per_row_results(tables) -> None:
    """One row per employee: the per-person helpers change nothing (row count = people)."""
    emp, leaders = tables
    v1 = emp[emp["employee_id"] != "E1"].reset_index(drop=True)
    rates = promotion_rates(v1, leaders, CONFIG)
    assert rates["n"].sum() == len(v1)
    p = people_in_window(v1, day(0), day(180))
    assert p.index.tolist() == v1.index.tolist()
    assert np.array_equal(p["promoted"].to_numpy(), v1["promoted_date"].notna().to_numpy())


def test_team_moves_by_arm(tables) -> None:
    emp, leaders = tables
    # E1: L1 (pilot) -> L2 (comparison); E5: L1 (pilot) -> outside the cohort
    assert team_moves(emp, leaders).values.tolist() == [["pilot", "comparison", 1], ["pilot", OUTSIDE, 1]]


def test_team_moves_of_the_sample_match_its_truth() -> None:
    """Reference: truth.json of data/sample lists the planted moves."""
    import json
    from pathlib import Path

    from pilot_eval.data.cohort import load_cohort

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    truth = json.loads((sample / "truth.json").read_text(encoding="utf-8"))["team_moves"]
    c = load_cohort(sample)
    got = team_moves(c.employees, c.leaders)
    inside = got[got["to_arm"] != OUTSIDE]
    assert inside["moves"].sum() == truth["n_moves"]
    assert inside.loc[inside["from_arm"] != inside["to_arm"], "moves"].sum() == truth["n_between_arms"]
    # every other transfer leaves the cohort (the generator's exits by transfer)
    assert got.loc[got["to_arm"] == OUTSIDE, "moves"].sum() == (
        (c.employees["exit_type"] == "transfer").sum() - truth["n_moves"])


@pytest.mark.parametrize("name", ["pilot_eval.measures.stints", "pilot_eval.data.importers.history"])
def test_examples_run(name: str) -> None:
    """The Examples sections of the team-history helpers run and print what they say."""
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 2, name
