"""Committed notebooks stay diff-friendly and papermill-ready."""

from __future__ import annotations

from pathlib import Path

import nbformat

import pytest

from pilot_eval.report.notebook_outputs import CHECK_TAG, check
from pilot_eval.data.params import PARAMETERS

from lazy_import import lazy

pm = lazy("papermill")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_data_quality.ipynb"


def test_notebooks_are_stored_stripped():
    assert check(NOTEBOOKS[0].parent) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_declares_known_parameters(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    declared = set(pm.inspect_notebook(str(path)))
    assert {"data_dir", "out_dir"} <= declared
    assert declared <= set(PARAMETERS), declared - set(PARAMETERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_headline_cells_are_checked_by_nbval(path):
    nb = nbformat.read(path, as_version=4)
    checked = [c for c in nb.cells if CHECK_TAG in c.metadata.get("tags", [])]
    assert checked, f"{path.name}: tag at least one headline cell '{CHECK_TAG}'"
    assert all(c.outputs for c in checked), f"{path.name}: run `make notebooks-refresh` to store headline outputs"
