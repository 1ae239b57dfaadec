"""Interim looks (issue 16, foundation): the cohort as known on a day, and which windows a look sees.

Reference: the data contract's windows (pre / pilot / follow-up, 30-day months from pilot_start),
checked by hand on dates, and the generator's tables.
"""

from __future__ import annotations

import datetime as dt
import doctest

import pandas as pd

import pilot_eval.data.as_of as as_of_module
from pilot_eval.data.as_of import cohort_as_of, window_status
from pilot_eval.data.synth import simulate_cohort


def test_doctests():
    r = doctest.testmod(as_of_module)
    assert r.attempted > 0 and r.failed == 0


def test_only_what_was_known_before_the_day_and_the_input_untouched():
    c, _ = simulate_cohort(12, 12, seed=4)
    before = {k: v.copy() for k, v in c.tables.items()}
    day = c.config.pilot_start + dt.timedelta(days=45)
    cut = pd.Timestamp(day)
    early = cohort_as_of(c, day)
    for name in ("ratings", "pulse", "incidents", "sessions", "observations"):
        if name in early.tables:
            assert (early.tables[name]["date"] < cut).all()
            assert len(early.tables[name]) == int((c.tables[name]["date"] < cut).sum())
    e = early.employees
    assert (e["start_date"] < cut).all()
    assert not (e["end_date"] >= cut).any()                      # a later exit is not known yet
    assert e.loc[e["end_date"].isna(), "exit_type"].isna().all()  # and neither is its type
    assert not (e["promoted_date"] >= cut).any()
    for k, v in before.items():                                   # the input cohort is unchanged
        pd.testing.assert_frame_equal(v, c.tables[k])
    late = cohort_as_of(c, c.config.follow_up_end + dt.timedelta(days=400))
    for k in c.tables:
        assert len(late.tables[k]) == len(c.tables[k])


def test_window_status_by_hand():
    c, _ = simulate_cohort(5, 5, seed=1)
    cfg = c.config
    assert set(window_status(cfg, None).values()) == {"complete"}
    s = window_status(cfg, cfg.pilot_start)
    assert s["pre"] == "complete" and s["pilot"] == "not yet" and s["month 0"] == "not yet"
    s = window_status(cfg, cfg.pilot_end)
    assert s["pilot"] == "complete" and s["follow_up"] == "not yet" and s["month 2"] == "complete"
    s = window_status(cfg, cfg.pilot_end + dt.timedelta(days=1))
    assert s["follow_up"] == "partial"
