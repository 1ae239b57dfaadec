"""The report process hands its validated cohort to the notebook kernels only for the same input."""

from __future__ import annotations

import os
import shutil

import pandas as pd

from pilot_eval.data.cohort import load_cohort
from pilot_eval.data.cache import ENV_VAR, cached_cohort, shared_cohort


def test_cache_is_used_only_for_the_same_input(tiny_cohort, tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(tiny_cohort, folder)
    cohort = load_cohort(folder)
    assert cached_cohort(folder, {}) is None  # nothing shared outside a report run
    with shared_cohort(cohort, {}) as path:
        assert os.environ[ENV_VAR] == str(path)
        got = cached_cohort(folder, {})
        assert got is not None
        pd.testing.assert_frame_equal(got.ratings, cohort.ratings)
        assert got.config == cohort.config
        assert cached_cohort(folder, {"min_group_size": 8}) is None  # other overrides
        assert cached_cohort(tiny_cohort, {}) is None  # another folder
        (folder / "leaders.csv").write_text((folder / "leaders.csv").read_text() + "\n")
        assert cached_cohort(folder, {}) is None  # an input changed since validation
    assert ENV_VAR not in os.environ and not path.exists()
