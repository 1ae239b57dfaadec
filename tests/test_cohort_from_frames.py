"""Cohort.from_frames (issue 13, item 4): a validated cohort from DataFrames, typed as one from files.

Reference: load_cohort on the same tables written by the generator.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pilot_eval.data.cohort import Cohort, CohortValidationError, load_cohort


def test_frames_give_the_same_cohort_as_files(tiny_cohort):
    files = load_cohort(tiny_cohort)
    frames = Cohort.from_frames({"name": files.config.name, "pilot_start": files.config.pilot_start},
                                **{k: v for k, v in files.tables.items()})
    for name, df in files.tables.items():
        pd.testing.assert_frame_equal(frames.tables[name], df, check_dtype=True)


def test_bad_frames_list_every_violation(tiny_cohort):
    files = load_cohort(tiny_cohort)
    leaders = files.leaders.copy()
    leaders.loc[0, "arm"] = "treated"
    with pytest.raises(CohortValidationError, match="arm"):
        Cohort.from_frames({"name": "x", "pilot_start": files.config.pilot_start},
                           **{**files.tables, "leaders": leaders})
