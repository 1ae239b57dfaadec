"""Notebooks run with papermill from the repository root and from notebooks/ (issue 15, item 3).

Reference: the notebooks' own defaults (data_dir = "../data/sample", relative to notebooks/).
"""

from __future__ import annotations

from pathlib import Path

from pilot_eval.report.context import resolve_paths
from pilot_eval.report.notebooks import REPO_ROOT


def test_defaults_resolve_from_the_repository_root_and_from_notebooks():
    for cwd in (REPO_ROOT, REPO_ROOT / "notebooks"):
        data, out = resolve_paths("../data/sample", "../reports/notebook-run", cwd=cwd)
        assert data.resolve() == (REPO_ROOT / "data" / "sample").resolve()
        assert out.resolve() == (REPO_ROOT / "reports" / "notebook-run").resolve()


def test_a_path_given_from_the_root_works_from_both_places():
    for cwd in (REPO_ROOT, REPO_ROOT / "notebooks"):
        data, _ = resolve_paths("data/sample", "x", cwd=cwd)
        assert data.resolve() == (REPO_ROOT / "data" / "sample").resolve()


def test_absolute_paths_are_kept(tmp_path):
    data, out = resolve_paths(tmp_path, tmp_path / "o", cwd=Path("/"))
    assert data == tmp_path and out == tmp_path / "o"
