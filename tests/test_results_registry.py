"""The registry of step results (issue 13, item 3): every file a notebook writes is registered with its step,
and reading a missing one names the step to run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from pilot_eval.errors import MissingResultError
from pilot_eval.steps.results import RESULT_FILES, read_result, write_result

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_every_result_a_notebook_writes_is_registered_with_that_notebook():
    seen = {}
    for nb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        text = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        for name in re.findall(r'write_result\([^)]*?,\s*"([a-z_]+)"\)', text):
            seen[name] = nb.stem
    assert seen, "no write_result call found in the notebooks"
    for name, stem in seen.items():
        assert RESULT_FILES.get(name) == stem, (name, stem)


def test_missing_result_names_the_step(tmp_path):
    with pytest.raises(MissingResultError, match="run step 03_controls first"):
        read_result(tmp_path, "effects")
    with pytest.raises(ValueError, match="not a registered"):
        write_result(pd.DataFrame({"a": [1]}), tmp_path, "my_new_table")


def test_round_trip(tmp_path):
    df = pd.DataFrame({"table": ["leaders"], "measure": ["table_present"], "expected": [1], "observed": [1],
                       "completeness": [1.0]})
    write_result(df, tmp_path, "completeness")
    pd.testing.assert_frame_equal(read_result(tmp_path, "completeness"), df, check_dtype=False)
