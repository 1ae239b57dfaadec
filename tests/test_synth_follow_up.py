"""Generator knob follow_up_days (a cohort whose follow-up reaches month 12).

References: the contract's windows (cohort.toml follow_up_days; the follow-up runs from the
pilot's end for follow_up_days days) and the default cohort itself: the default must stay the
same numbers (the knob draws no extra random numbers before the follow-up)."""

import datetime as dt

import pandas as pd
import pytest

from pilot_eval.data.synth import generate_cohort, simulate_cohort
from pilot_eval.data.cohort import load_cohort


def test_longer_follow_up_reaches_month_twelve_and_is_written_to_cohort_toml(tmp_path):
    truth = generate_cohort(tmp_path / "c", 8, 8, seed=5, follow_up_days=300)
    cohort = load_cohort(tmp_path / "c")
    assert cohort.config.follow_up_days == 300 and truth["arguments"]["follow_up_days"] == 300
    end = cohort.config.pilot_end + dt.timedelta(days=300)
    exits = cohort.employees["end_date"].dropna()
    assert exits.max() >= pd.Timestamp(cohort.config.pilot_start + dt.timedelta(days=360 - 30))  # month 11+
    assert exits.max() < pd.Timestamp(end)
    assert cohort.incidents["date"].max() < pd.Timestamp(end)


def test_default_follow_up_is_unchanged_and_bad_values_are_refused():
    c, t = simulate_cohort(8, 8, seed=5)
    assert c.config.follow_up_days == 180 and "follow_up_days" not in t["arguments"]
    with pytest.raises(ValueError, match="follow_up_days"):
        simulate_cohort(8, 8, seed=5, follow_up_days=-1)
    with pytest.raises(ValueError, match="follow_up_days"):
        simulate_cohort(8, 8, seed=5, follow_up_days=12.5)
