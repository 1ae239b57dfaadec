"""The endline of the monthly outcomes at an interim look (measures.outcome_frames.endline_month).

Reference: direct computation.  At day 60 of the pilot the last complete month is month 1; the
pulse endline of every leader must equal that leader's mean pulse in month 1 computed straight
from the pulse table of the as-of cohort (measures.scores.pulse, the one definition of the
measure), and the full cohort keeps the pilot's last month (2)."""

import datetime as dt

import numpy as np
import pandas as pd

from pilot_eval.data.as_of import cohort_as_of
from pilot_eval.data.synth import simulate_cohort
from pilot_eval.measures import scores
from pilot_eval.measures.outcome_frames import endline_month, outcome_frame


def test_interim_endline_is_the_last_complete_pilot_month():
    cohort, _ = simulate_cohort(12, 12, seed=11)
    look = cohort_as_of(cohort, cohort.config.pilot_start + dt.timedelta(days=60))
    assert endline_month(cohort) == 2 and endline_month(look) == 1
    frame = outcome_frame(look, "pulse")
    assert "month 1" in frame.attrs["endline_period"]
    direct = scores.pulse(look.pulse, look.config)
    direct = direct[direct["month"].eq(1).fillna(False)].groupby("leader_id", observed=True)["pulse"].mean()
    got = frame.set_index("leader_id")["endline"].dropna()
    assert len(got) >= 20
    np.testing.assert_allclose(got.to_numpy(), direct.reindex(got.index).to_numpy(), rtol=1e-12)
    full = outcome_frame(cohort, "pulse")
    assert "month 2 (last pilot month)" == full.attrs["endline_period"]


def test_before_any_complete_month_there_is_no_endline():
    cohort, _ = simulate_cohort(8, 8, seed=2)
    look = cohort_as_of(cohort, cohort.config.pilot_start + dt.timedelta(days=10))
    frame = outcome_frame(look, "pulse")
    assert endline_month(look) is None and frame["endline"].isna().all()
    assert frame.attrs["endline_period"] == "no pilot month complete yet"
    assert isinstance(frame, pd.DataFrame)
