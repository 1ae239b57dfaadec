"""Leader-level outcome frames of the controls step (pilot_eval.measures.outcome_frames).

The monthly event rates are checked against a hand computation on a
hand-built roster; the other frames against the measures they rearrange.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pilot_eval.measures import scores as measures
from pilot_eval.data.cohort import Cohort, load_cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.measures.outcome_frames import (
    monthly_panel,
    monthly_values,
    outcome_frame,
    outcome_frames,
    wave_panel,
)


def _hand_cohort() -> Cohort:
    start = dt.date(2026, 1, 5)
    d = lambda k: (start + dt.timedelta(days=k)).isoformat()  # noqa: E731
    leaders = pd.DataFrame({"leader_id": ["L1"], "arm": ["pilot"], "role": ["manager"], "culture": ["x"],
                            "org_unit": ["u"], "tenure_years": [2.0]})
    # two members all along; a third leaves (voluntary) on day 14 of month 0
    employees = pd.DataFrame({
        "employee_id": ["E1", "E2", "E3"], "leader_id": ["L1"] * 3, "group": ["A", "B", "A"],
        "start_date": pd.to_datetime(["2020-01-01"] * 3),
        "end_date": pd.to_datetime([None, None, d(14)]),
        "exit_type": [None, None, "voluntary"], "promoted_date": pd.to_datetime([None] * 3)})
    incidents = pd.DataFrame({"leader_id": ["L1"] * 4, "date": pd.to_datetime([d(-5), d(3), d(10), d(40)]),
                              "kind": ["hr_incident", "hr_incident", "hr_incident", "escalation"]})
    cfg = CohortConfig(name="hand", pilot_start=start)
    tables = {"leaders": leaders, "employees": employees, "incidents": incidents,
              "ratings": pd.DataFrame(), "pulse": pd.DataFrame()}
    return Cohort(Path("."), cfg, tables, {})


def test_monthly_rates_by_hand():
    # month 0: headcount = 2 + 15/30 (E3 on the team days 0..14) = 2.5;
    #   HR incidents 2 -> 2 / 2.5 * 100 * 90/30 = 240; voluntary exits 1 -> 120
    # month -1: 3 members all month, 1 HR incident -> 1/3 * 300 = 100; month 1: 2 members, 1 escalation -> 150
    c = _hand_cohort()
    hr = monthly_values(c, "hr_incidents").set_index("month")["value"]
    assert hr[0] == pytest.approx(240.0) and hr[-1] == pytest.approx(100.0)
    assert hr[1] == pytest.approx(0.0) and hr[-3] == pytest.approx(0.0)
    att = monthly_values(c, "voluntary_attrition").set_index("month")["value"]
    assert att[0] == pytest.approx(120.0) and att[1] == pytest.approx(0.0)
    esc = monthly_values(c, "escalations").set_index("month")["value"]
    assert esc[1] == pytest.approx(150.0)
    assert sorted(hr.index) == [-3, -2, -1, 0, 1, 2]


@pytest.fixture(scope="module")
def cohort(tiny_cohort):
    return load_cohort(tiny_cohort)


def test_outcome_frame_empathy_equals_measure(cohort):
    f = outcome_frame(cohort, "empathy_360")
    emp = measures.empathy_360(cohort.ratings).pivot_table(index="leader_id", columns="wave", values="empathy_360")
    got = f.set_index("leader_id")
    np.testing.assert_allclose(got["baseline"], emp["baseline"].reindex(got.index))
    np.testing.assert_allclose(got["endline"], emp["endline"].reindex(got.index))
    assert f.attrs["endline_period"] == "endline wave"
    assert list(f.columns) == ["leader_id", "arm", "role", "culture", "org_unit", "tenure_years", "baseline", "endline"]


def test_outcome_frame_pulse_is_pre_mean_and_last_pilot_month(cohort):
    f = outcome_frame(cohort, "pulse").set_index("leader_id")
    p = measures.pulse(cohort.pulse, cohort.config)
    pre = p[p.month.isin([-3, -2, -1])].groupby("leader_id").pulse.mean()
    last = p[p.month == 2].set_index("leader_id").pulse
    np.testing.assert_allclose(f["baseline"], pre.reindex(f.index))
    np.testing.assert_allclose(f["endline"], last.reindex(f.index))


def test_outcome_frame_rates_are_pre_and_pilot_windows(cohort):
    f = outcome_frame(cohort, "hr_incidents").set_index("leader_id")
    r = measures.outcome_rates(cohort.employees, cohort.incidents, cohort.config)
    r = r.pivot_table(index="leader_id", columns="window", values="hr_incidents")
    np.testing.assert_allclose(f["baseline"], r["pre"].reindex(f.index))
    np.testing.assert_allclose(f["endline"], r["pilot"].reindex(f.index))
    fu = outcome_frame(cohort, "hr_incidents", rate_window="follow_up").set_index("leader_id")
    np.testing.assert_allclose(fu["endline"], r["follow_up"].reindex(fu.index))


def test_panels(cohort):
    w = wave_panel(cohort)
    assert set(w.wave) == {"baseline", "midpoint", "endline"}
    m = monthly_panel(cohort, "pulse")
    assert sorted(m.month.unique()) == [-3, -2, -1, 0, 1, 2]
    assert (m.post == (m.month >= 0)).all()
    frames, skipped = outcome_frames(cohort)
    assert set(frames) == {"empathy_360", "behaviour_index", "pulse", "voluntary_attrition", "hr_incidents",
                           "escalations"} and skipped.empty
    with pytest.raises(ValueError):
        outcome_frame(cohort, "promotion_rate")
