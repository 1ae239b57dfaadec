"""Tests of pilot_eval.measures.scores against hand computations.

Every expected value below is worked out by hand from the tiny frames built in
this file (the arithmetic is written next to it); the frames use the data
contract's column names and the loader's dtypes (text columns as the pandas 3
``str`` dtype or the nullable ``string`` dtype, dates ``datetime64[ns]``, int
columns ``Int64``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pilot_eval.data.config import CohortConfig
from pilot_eval.measures.lagging_outcomes import month_outcome_rates
from pilot_eval.measures.rates import period_rates
from pilot_eval.measures.scores import (
    MEASURES,
    adverse_impact_ratio,
    behaviour_index,
    behaviour_session_scores,
    empathy_360,
    headcount,
    outcome_rates,
    promotion_rates,
    pulse,
    rater_means,
    self_other_gap,
)

START = dt.date(2026, 1, 5)
CONFIG = CohortConfig(name="test", pilot_start=START, pilot_days=90, follow_up_days=180)

NA = pd.NA


def day(n: float | None) -> pd.Timestamp | None:
    """The date ``n`` days after pilot_start (day 0); None for missing."""
    if n is None or pd.isna(n):
        return None
    return pd.Timestamp(START) + pd.Timedelta(days=int(n))


def frame(data: dict, text: list[str], dates: list[str] = (), ints: list[str] = (),
          str_dtype: str = "str") -> pd.DataFrame:
    df = pd.DataFrame(data)
    for c in text:
        df[c] = df[c].astype(str_dtype)
    for c in dates:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    for c in ints:
        df[c] = df[c].astype("Int64")
    return df


@pytest.fixture(params=["str", "string"])
def str_dtype(request) -> str:
    """Both pandas text dtypes the loader might produce."""
    return request.param


# ---------------------------------------------------------------------------
# 360 ratings
# ---------------------------------------------------------------------------
def make_ratings(str_dtype: str) -> pd.DataFrame:
    rows = [
        # leader, rater, type, wave, item, score
        ("L1", "S1", "self", "baseline", "E1", 5),
        ("L1", "S1", "self", "baseline", "E2", 5),
        ("L1", "M1", "manager", "baseline", "E1", 4),
        ("L1", "M1", "manager", "baseline", "E2", None),  # "don't know"
        ("L1", "P1", "peer", "baseline", "E1", 3),
        ("L1", "P1", "peer", "baseline", "E2", 4),
        ("L1", "P2", "peer", "baseline", "E1", 2),
        ("L1", "P2", "peer", "baseline", "E2", 2),
        ("L1", "D1", "direct_report", "baseline", "E1", None),  # answered nothing
        ("L1", "D1", "direct_report", "baseline", "E2", None),
        ("L1", "S1", "self", "endline", "E1", 3),
        ("L1", "S1", "self", "endline", "E2", 3),
        ("L1", "P1", "peer", "endline", "E1", 4),
        ("L1", "P1", "peer", "endline", "E2", 4),
        ("L2", "S2", "self", "baseline", "E1", 4),  # self only: no 360 score
        ("L2", "S2", "self", "baseline", "E2", 2),
    ]
    df = pd.DataFrame(rows, columns=["leader_id", "rater_id", "rater_type", "wave", "item", "score"])
    df["date"] = day(-3)
    return frame(df.to_dict("list"), ["leader_id", "rater_id", "rater_type", "wave", "item"],
                 dates=["date"], ints=["score"], str_dtype=str_dtype)


def test_rater_means_skip_dont_know(str_dtype):
    rm = rater_means(make_ratings(str_dtype))
    m1 = rm[(rm.leader_id == "L1") & (rm.rater_id == "M1")].iloc[0]
    # M1: E1 = 4, E2 = "don't know" -> mean 4 over 1 item (not (4 + 0) / 2)
    assert m1.rater_mean == 4.0 and m1.n_items == 1
    d1 = rm[rm.rater_id == "D1"].iloc[0]
    assert np.isnan(d1.rater_mean) and d1.n_items == 0
    p1 = rm[(rm.rater_id == "P1") & (rm.wave == "baseline")].iloc[0]
    assert p1.rater_mean == 3.5 and p1.n_items == 2  # (3 + 4) / 2


def test_empathy_360_excludes_self_and_weights_raters_equally(str_dtype):
    e = empathy_360(make_ratings(str_dtype)).set_index(["leader_id", "wave"])
    # L1 baseline: raters M1 = 4, P1 = (3+4)/2 = 3.5, P2 = (2+2)/2 = 2; self S1 = 5
    # excluded; D1 answered nothing -> not counted.
    # empathy_360 = (4 + 3.5 + 2) / 3 = 3.1666...   (with self: 3.625; item-pooled: 3.0)
    assert e.loc[("L1", "baseline"), "empathy_360"] == pytest.approx(9.5 / 3, abs=1e-12)
    assert e.loc[("L1", "baseline"), "n_raters"] == 3
    # L1 endline: P1 = (4+4)/2 = 4
    assert e.loc[("L1", "endline"), "empathy_360"] == 4.0
    assert e.loc[("L1", "endline"), "n_raters"] == 1
    # L2 has only a self rating -> no 360 score
    assert ("L2", "baseline") not in e.index
    assert list(e.reset_index().columns) == ["leader_id", "wave", "empathy_360", "n_raters"]


def test_empathy_360_by_rater_type(str_dtype):
    e = empathy_360(make_ratings(str_dtype), by_rater_type=True)
    e = e.set_index(["leader_id", "wave", "rater_type"])
    # L1 baseline: manager 4 (1 rater); peer (3.5 + 2)/2 = 2.75 (2 raters); self 5
    assert e.loc[("L1", "baseline", "manager"), "empathy_360"] == 4.0
    assert e.loc[("L1", "baseline", "peer"), "empathy_360"] == 2.75
    assert e.loc[("L1", "baseline", "peer"), "n_raters"] == 2
    assert e.loc[("L1", "baseline", "self"), "empathy_360"] == 5.0
    # the direct report answered nothing -> no direct_report row
    assert ("L1", "baseline", "direct_report") not in e.index


def test_self_other_gap(str_dtype):
    g = self_other_gap(make_ratings(str_dtype)).set_index(["leader_id", "wave"])
    # baseline: self 5 - 3.1666... = 1.8333...; endline: self 3 - 4 = -1
    assert g.loc[("L1", "baseline"), "self_other_gap"] == pytest.approx(5 - 9.5 / 3, abs=1e-12)
    assert g.loc[("L1", "endline"), "self_other_gap"] == -1.0
    assert g.loc[("L1", "baseline"), "n_raters"] == 3
    # L2 has no other raters -> no gap
    assert ("L2", "baseline") not in g.index


# ---------------------------------------------------------------------------
# observed behaviours
# ---------------------------------------------------------------------------
def make_behaviour_tables(str_dtype: str):
    behaviours = frame(
        {
            "behaviour": ["asked_q", "paraphrased", "coached"],
            "scale": ["binary", "ordinal", "binary"],
            "description": ["asks", "paraphrases", "coaches"],
            "roles": ["all", "all", "manager; director"],  # coached: not for team leads
        },
        ["behaviour", "scale", "description", "roles"], str_dtype=str_dtype,
    )
    leaders = frame(
        {
            "leader_id": ["L1", "L2"],
            "arm": ["pilot", "pilot"],
            "role": ["team_lead", "manager"],
            "culture": ["EU", "EU"],
            "org_unit": ["U1", "U1"],
            "tenure_years": [2.0, 5.0],
        },
        ["leader_id", "arm", "role", "culture", "org_unit"], str_dtype=str_dtype,
    )
    rows = [
        # session, leader, observer, day, behaviour, value
        ("S1", "L1", "O1", 0, "asked_q", 1),
        ("S1", "L1", "O1", 0, "paraphrased", 4),
        ("S1", "L1", "O1", 0, "coached", 1),  # not applicable to a team lead
        ("S1", "L1", "O2", 0, "asked_q", 0),  # S1 is double-coded
        ("S1", "L1", "O2", 0, "paraphrased", 5),
        ("S1", "L1", "O2", 0, "coached", 0),
        ("S2", "L1", "O1", 29, "asked_q", 1),  # day 29: still month 0
        ("S2", "L1", "O1", 29, "paraphrased", 1),
        ("S3", "L1", "O1", 30, "asked_q", 0),  # day 30: month 1
        ("S3", "L1", "O1", 30, "paraphrased", 3),
        ("S4", "L2", "O1", 0, "asked_q", 1),
        ("S4", "L2", "O1", 0, "coached", 1),  # applicable to a manager
        ("S4", "L2", "O1", 0, "paraphrased", 2),
    ]
    obs = pd.DataFrame(rows, columns=["session_id", "leader_id", "observer_id", "d", "behaviour", "value"])
    obs["date"] = [day(d) for d in obs.pop("d")]
    obs = frame(obs.to_dict("list"), ["session_id", "leader_id", "observer_id", "behaviour"],
                dates=["date"], ints=["value"], str_dtype=str_dtype)
    return obs, behaviours, leaders


def test_behaviour_index_hand_computed(str_dtype):
    obs, behaviours, leaders = make_behaviour_tables(str_dtype)
    bi = behaviour_index(obs, behaviours, leaders, CONFIG).set_index(["leader_id", "month"])
    # scale 1..5: ordinal score = (value - 1) / 4
    # S1 O1: asked 1, paraphrased (4-1)/4 = 0.75, coached n/a -> (1 + 0.75)/2 = 0.875
    # S1 O2: asked 0, paraphrased (5-1)/4 = 1.0, coached n/a -> (0 + 1)/2  = 0.5
    # S1 = mean over observers = (0.875 + 0.5)/2 = 0.6875
    # S2 (day 29, month 0): (1 + 0)/2 = 0.5
    # L1 month 0 = (0.6875 + 0.5)/2 = 0.59375 over 2 sessions
    assert bi.loc[("L1", 0), "behaviour_index"] == pytest.approx(0.59375, abs=1e-12)
    assert bi.loc[("L1", 0), "n_sessions"] == 2
    # S3 (day 30, month 1): (0 + (3-1)/4)/2 = 0.25
    assert bi.loc[("L1", 1), "behaviour_index"] == pytest.approx(0.25, abs=1e-12)
    assert bi.loc[("L1", 1), "n_sessions"] == 1
    # S4 (manager, coached applies): (1 + 1 + (2-1)/4)/3 = 0.75
    assert bi.loc[("L2", 0), "behaviour_index"] == pytest.approx(0.75, abs=1e-12)
    assert list(bi.reset_index().columns) == ["leader_id", "month", "behaviour_index", "n_sessions"]


def test_behaviour_index_exclude(str_dtype):
    obs, behaviours, leaders = make_behaviour_tables(str_dtype)
    bi = behaviour_index(obs, behaviours, leaders, CONFIG, exclude=("paraphrased",))
    bi = bi.set_index(["leader_id", "month"])["behaviour_index"]
    # without paraphrased: S1 = (1 + 0)/2 = 0.5, S2 = 1 -> L1 month 0 = 0.75
    # S3 = 0 -> month 1 = 0; S4 = (1 + 1)/2 = 1
    assert bi[("L1", 0)] == pytest.approx(0.75)
    assert bi[("L1", 1)] == 0.0
    assert bi[("L2", 0)] == 1.0


def test_behaviour_session_scores_double_coded(str_dtype):
    obs, behaviours, leaders = make_behaviour_tables(str_dtype)
    s = behaviour_session_scores(obs, behaviours, leaders, CONFIG).set_index("session_id")
    assert s.loc["S1", "n_observers"] == 2
    assert s.loc["S1", "session_score"] == pytest.approx(0.6875)
    assert s.loc["S2", "month"] == 0 and s.loc["S3", "month"] == 1


# ---------------------------------------------------------------------------
# pulse
# ---------------------------------------------------------------------------
def test_pulse_mean_of_respondent_means(str_dtype):
    rows = [
        ("L1", "R1", 0, "Q1", 4), ("L1", "R1", 0, "Q2", 2),   # R1 month 0: 3
        ("L1", "R2", 5, "Q1", 5), ("L1", "R2", 5, "Q2", None),  # R2 month 0: 5
        ("L1", "R1", 30, "Q1", 1), ("L1", "R1", 30, "Q2", 2),   # R1 month 1: 1.5
        ("L1", "R3", -1, "Q1", 3),                              # month -1: 3
    ]
    df = pd.DataFrame(rows, columns=["leader_id", "respondent_id", "d", "item", "score"])
    df["date"] = [day(d) for d in df.pop("d")]
    df = frame(df.to_dict("list"), ["leader_id", "respondent_id", "item"], dates=["date"],
               ints=["score"], str_dtype=str_dtype)
    p = pulse(df, CONFIG).set_index(["leader_id", "month"])
    # month 0: (3 + 5)/2 = 4 over 2 respondents (item-pooled would be 11/3)
    assert p.loc[("L1", 0), "pulse"] == 4.0 and p.loc[("L1", 0), "n_respondents"] == 2
    assert p.loc[("L1", 1), "pulse"] == 1.5 and p.loc[("L1", 1), "n_respondents"] == 1
    assert p.loc[("L1", -1), "pulse"] == 3.0


# ---------------------------------------------------------------------------
# headcount and HR outcome rates
# ---------------------------------------------------------------------------
def make_employees(str_dtype: str) -> pd.DataFrame:
    rows = [
        # id, leader, group, start, end, exit, promoted   (days from pilot_start)
        ("E1", "L1", "A", -400, None, None, None),        # whole time
        ("E2", "L1", "A", -400, 44, "voluntary", None),   # leaves mid-pilot (day 44)
        ("E3", "L1", "B", 45, None, None, None),          # joins the next day
        ("E4", "L2", "B", 100, 109, "involuntary", None),  # follow-up only, 10 days
    ]
    df = pd.DataFrame(rows, columns=["employee_id", "leader_id", "group", "s", "e",
                                     "exit_type", "p"])
    df["start_date"] = [day(d) for d in df.pop("s")]
    df["end_date"] = [day(d) for d in df.pop("e")]
    df["promoted_date"] = [day(d) for d in df.pop("p")]
    return frame(df.to_dict("list"), ["employee_id", "leader_id", "group", "exit_type"],
                 dates=["start_date", "end_date", "promoted_date"], str_dtype=str_dtype)


def make_incidents(str_dtype: str) -> pd.DataFrame:
    rows = [("L1", 10, "hr_incident"), ("L1", 100, "escalation"),
            ("L1", 200, "escalation"), ("L1", -5, "hr_incident")]
    df = pd.DataFrame(rows, columns=["leader_id", "d", "kind"])
    df["date"] = [day(d) for d in df.pop("d")]
    return frame(df.to_dict("list"), ["leader_id", "kind"], dates=["date"], str_dtype=str_dtype)


def test_headcount_day_weighted_with_mid_window_leaver(str_dtype):
    hc = headcount(make_employees(str_dtype), CONFIG).set_index(["leader_id", "window"])
    # pilot window = days 0..89 (90 days). E1: 90 person-days; E2 on the team
    # days 0..44 inclusive = 45; E3 days 45..89 = 45 -> 180 / 90 = 2.0
    assert hc.loc[("L1", "pilot"), "person_days"] == 180
    assert hc.loc[("L1", "pilot"), "avg_headcount"] == 2.0
    # pre (days -90..-1): E1 + E2 = 180 / 90 = 2; follow-up (90..269): E1 + E3 = 360 / 180 = 2
    assert hc.loc[("L1", "pre"), "avg_headcount"] == 2.0
    assert hc.loc[("L1", "follow_up"), "avg_headcount"] == 2.0
    # L2: E4 days 100..109 inclusive = 10 person-days / 180
    assert hc.loc[("L2", "follow_up"), "avg_headcount"] == pytest.approx(10 / 180)
    assert hc.loc[("L2", "pilot"), "avg_headcount"] == 0.0
    assert list(hc.reset_index()["window"][:3]) == ["pre", "pilot", "follow_up"]


def test_outcome_rates_per_100_per_90_days(str_dtype):
    r = outcome_rates(make_employees(str_dtype), make_incidents(str_dtype), CONFIG)
    r = r.set_index(["leader_id", "window"])
    # pilot: 1 voluntary exit (E2, day 44) / 2.0 headcount * 100 * 90/90 = 50
    assert r.loc[("L1", "pilot"), "voluntary_exits"] == 1
    assert r.loc[("L1", "pilot"), "voluntary_attrition"] == pytest.approx(50.0)
    # pilot: 1 HR incident (day 10) -> 50; no escalation -> 0
    assert r.loc[("L1", "pilot"), "hr_incidents_n"] == 1
    assert r.loc[("L1", "pilot"), "hr_incidents"] == pytest.approx(50.0)
    assert r.loc[("L1", "pilot"), "escalations"] == 0.0
    # follow-up: 2 escalations / 2.0 * 100 * 90/180 = 50
    assert r.loc[("L1", "follow_up"), "escalations_n"] == 2
    assert r.loc[("L1", "follow_up"), "escalations"] == pytest.approx(50.0)
    # pre: HR incident at day -5 -> 1 / 2 * 100 = 50
    assert r.loc[("L1", "pre"), "hr_incidents"] == pytest.approx(50.0)
    # L2 pilot: headcount 0 -> rates missing; follow-up: involuntary exit not counted
    assert np.isnan(r.loc[("L2", "pilot"), "voluntary_attrition"])
    assert r.loc[("L2", "follow_up"), "voluntary_exits"] == 0
    assert r.loc[("L2", "follow_up"), "voluntary_attrition"] == 0.0
    assert list(r.reset_index().columns) == [
        "leader_id", "window", "window_days", "avg_headcount", "voluntary_exits",
        "voluntary_attrition", "hr_incidents_n", "hr_incidents", "escalations_n", "escalations",
    ]


def test_outcome_rates_without_incidents_table(str_dtype):
    r = outcome_rates(make_employees(str_dtype), None, CONFIG)
    assert r["hr_incidents"].isna().all() and r["escalations"].isna().all()
    assert r["hr_incidents_n"].isna().all()
    # attrition is still computed: L1 pilot = 50 (as above)
    pilot = r[(r.leader_id == "L1") & (r.window == "pilot")].iloc[0]
    assert pilot.voluntary_attrition == pytest.approx(50.0)


def test_outcome_rates_no_follow_up_window(str_dtype):
    cfg = CONFIG.with_overrides(follow_up_days=0)
    r = outcome_rates(make_employees(str_dtype), make_incidents(str_dtype), cfg)
    assert set(r["window"]) == {"pre", "pilot"}


def test_month_rates_by_hand_and_as_one_month_windows(str_dtype):
    """30-day months of the hand roster (L1), and each month equal to outcome_rates on a copy of the
    settings whose pilot window is that month (the months' definition)."""
    emp, inc = make_employees(str_dtype), make_incidents(str_dtype)
    months = [-1, 0, 1, 3, 6]
    got = month_outcome_rates(emp, inc, CONFIG, months).set_index(["leader_id", "month"])
    # month 1 = days 30..59: E1 30 days, E2 days 30..44 = 15, E3 days 45..59 = 15 -> 60 / 30 = 2.0;
    # E2's voluntary exit on day 44 -> 1 / 2.0 * 100 * 90/30 = 150
    assert got.loc[("L1", 1), "person_days"] == 60 and got.loc[("L1", 1), "voluntary_attrition"] == 150.0
    # month 0 (days 0..29): E1 + E2 = 2.0; the HR incident on day 10 -> 150; month -1: day -5 -> 150
    assert got.loc[("L1", 0), "hr_incidents"] == 150.0 and got.loc[("L1", -1), "hr_incidents"] == 150.0
    # month 6 (days 180..209): E1 + E3 = 2.0, the escalation on day 200 -> 150
    assert got.loc[("L1", 6), "escalations_n"] == 1 and got.loc[("L1", 6), "escalations"] == 150.0
    # L2: E4 is on the team days 100..109, in month 3 (90..119): 10 / 30 person-days a day
    assert got.loc[("L2", 3), "avg_headcount"] == pytest.approx(10 / 30)
    assert np.isnan(got.loc[("L2", 0), "voluntary_attrition"])  # nobody on the team: no rate
    for m in months:
        cfg = CONFIG.with_overrides(pilot_start=START + dt.timedelta(days=30 * m), pilot_days=30,
                                    follow_up_days=0)
        one = outcome_rates(emp, inc, cfg)
        one = one[one["window"] == "pilot"].drop(columns="window").set_index("leader_id")
        mine = got.xs(m, level="month")[one.columns]
        pd.testing.assert_frame_equal(mine, one)


def test_periods_must_not_overlap(str_dtype):
    with pytest.raises(ValueError, match="overlap"):
        period_rates(make_employees(str_dtype), None, START, {"a": (0, 30), "b": (20, 30)})


# ---------------------------------------------------------------------------
# promotion equity
# ---------------------------------------------------------------------------
def make_promotion_tables(str_dtype: str):
    rows = [
        # id, leader, group, start, end, promoted
        ("A1", "L1", "A", -400, None, 10),
        ("A2", "L1", "A", -400, None, 200),
        ("A3", "L1", "A", -400, None, -10),   # promoted before the window: not counted
        ("A4", "L1", "A", -400, None, None),
        ("A5", "L2", "A", -400, None, None),
        ("A6", "L2", "A", 100, None, None),
        ("B1", "L1", "B", -400, None, 50),
        ("B2", "L2", "B", -400, None, None),
        ("B3", "L2", "B", -400, 5, None),     # on the team at the window start
        ("B4", "L2", "B", -400, None, None),
        ("B5", "L2", "B", -400, -1, None),    # left before the window: excluded
        ("X1", "L1", None, -400, None, 20),   # group missing: excluded
    ]
    df = pd.DataFrame(rows, columns=["employee_id", "leader_id", "group", "s", "e", "p"])
    df["start_date"] = [day(d) for d in df.pop("s")]
    df["end_date"] = [day(d) for d in df.pop("e")]
    df["promoted_date"] = [day(d) for d in df.pop("p")]
    df["exit_type"] = np.where(df["end_date"].notna(), "transfer", None)
    emp = frame(df.to_dict("list"), ["employee_id", "leader_id", "group", "exit_type"],
                dates=["start_date", "end_date", "promoted_date"], str_dtype=str_dtype)
    leaders = frame({"leader_id": ["L1", "L2"], "arm": ["pilot", "comparison"],
                     "role": ["manager", "manager"], "culture": ["EU", "EU"],
                     "org_unit": ["U1", "U2"], "tenure_years": [1.0, 2.0]},
                    ["leader_id", "arm", "role", "culture", "org_unit"], str_dtype=str_dtype)
    return emp, leaders


def test_promotion_rates_and_four_fifths_violation(str_dtype):
    emp, leaders = make_promotion_tables(str_dtype)
    rates = promotion_rates(emp, leaders, CONFIG).set_index("group")
    # window = days 0..269. A: 6 on the team, promoted in window A1, A2 -> 2/6
    # B: B1..B4 on the team (B5 left at day -1), promoted B1 -> 1/4
    assert rates.loc["A", "n"] == 6 and rates.loc["A", "promoted"] == 2
    assert rates.loc["B", "n"] == 4 and rates.loc["B", "promoted"] == 1
    assert rates.loc["A", "promotion_rate"] == pytest.approx(1 / 3)
    air = adverse_impact_ratio(rates.reset_index())
    assert len(air) == 1
    row = air.iloc[0]
    # AIR = 0.25 / (1/3) = 0.75 < 0.8 -> four-fifths flag
    assert row.adverse_impact_ratio == pytest.approx(0.75)
    assert bool(row.four_fifths_flag) is True
    assert row.lowest_group == "B" and row.highest_group == "A"
    # Fisher exact test of [[1, 3], [2, 4]] by hand: P(X = k) = C(4,k) C(6,3-k) / C(10,3)
    # = 20/120, 60/120, 36/120, 4/120; observed k = 1 has the largest probability,
    # so the two-sided p (sum of P <= P(observed)) is 1.
    assert row.p_value == pytest.approx(1.0)


def test_promotion_rates_by_arm(str_dtype):
    emp, leaders = make_promotion_tables(str_dtype)
    rates = promotion_rates(emp, leaders, CONFIG, by=("arm", "group"))
    r = rates.set_index(["arm", "group"])
    # pilot (L1): A1..A4 -> 2/4; B1 -> 1/1.  comparison (L2): A5, A6 -> 0/2; B2..B4 -> 0/3
    assert r.loc[("pilot", "A"), "promotion_rate"] == 0.5
    assert r.loc[("pilot", "B"), "promotion_rate"] == 1.0
    assert r.loc[("comparison", "B"), "n"] == 3
    air = adverse_impact_ratio(rates).set_index("arm")
    assert air.loc["pilot", "adverse_impact_ratio"] == 0.5        # 0.5 / 1.0
    assert bool(air.loc["pilot", "four_fifths_flag"]) is True
    # highest rate 0 -> ratio undefined, no flag
    assert np.isnan(air.loc["comparison", "adverse_impact_ratio"])
    assert bool(air.loc["comparison", "four_fifths_flag"]) is False


def test_adverse_impact_fisher_tea_tasting():
    """Fisher (1935) lady-tasting-tea table [[3, 1], [1, 3]]: two-sided p = 0.4857
    (R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857143)."""
    rates = pd.DataFrame({"group": ["X", "Y"], "n": [4, 4], "promoted": [3, 1]})
    rates["promotion_rate"] = rates["promoted"] / rates["n"]
    row = adverse_impact_ratio(rates).iloc[0]
    assert row.adverse_impact_ratio == pytest.approx(1 / 3)  # 0.25 / 0.75
    assert row.p_value == pytest.approx(0.4857143, abs=1e-7)


def test_measure_names():
    assert MEASURES == ("empathy_360", "self_other_gap", "behaviour_index", "pulse",
                        "voluntary_attrition", "hr_incidents", "escalations", "promotion_rate")
