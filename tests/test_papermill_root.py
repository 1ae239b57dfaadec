"""``papermill notebooks/NN.ipynb out.ipynb`` from the repository root (issue 15, item 3).

The papermill command line, run from the root with the notebook's default
``data_dir`` (``../data/sample``, written from ``notebooks/``) and with
``-p data_dir data/sample`` (written from the root).  ``out_dir`` points to a
temporary folder so the working tree is not written to.  The scenario suite (CI runs it
after make test) runs the data-quality notebook both ways and every notebook in report
order (the scorecard reads the earlier steps' results), both ways; make test unit-tests the
path resolution only.  How a
relative ``data_dir`` is resolved from either place is unit-tested in
``tests/test_context_paths.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WAYS = {"defaults": [], "data_dir from the root": ["-p", "data_dir", "data/sample"]}

pytestmark = pytest.mark.slow


def _papermill(notebook: str, out_dir: Path, extra: list[str]) -> subprocess.CompletedProcess:
    executed = out_dir / f"executed-{notebook}"
    cmd = [sys.executable, "-m", "papermill", f"notebooks/{notebook}", str(executed), "--no-progress-bar",
           "-p", "out_dir", str(out_dir), *extra]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)


def _check(run: subprocess.CompletedProcess, notebook: str) -> None:
    assert run.returncode == 0, f"{notebook}:\n{run.stderr[-3000:]}"


@pytest.mark.scenario
@pytest.mark.parametrize("way", list(WAYS))
def test_data_quality_notebook_runs_from_the_root(way, tmp_path):
    _check(_papermill(NOTEBOOKS[0], tmp_path, WAYS[way]), NOTEBOOKS[0])
    assert (tmp_path / "results" / "completeness.csv").is_file()


@pytest.mark.scenario
@pytest.mark.parametrize("way", list(WAYS))
def test_every_notebook_runs_from_the_root(way, tmp_path):
    assert len(NOTEBOOKS) == 6
    for notebook in NOTEBOOKS:
        _check(_papermill(notebook, tmp_path, WAYS[way]), notebook)
    assert (tmp_path / "results" / "scorecard.csv").is_file()
