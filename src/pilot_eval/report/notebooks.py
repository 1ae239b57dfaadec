"""The report's notebooks: where they live, their order, what they declare."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pilot_eval.errors import ReportError

#: The repository root (notebooks/ lives there in a checkout).
REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class NotebookRun:
    name: str
    seconds: float


def default_notebooks_dir() -> Path:
    """Where the notebooks live: ``$PILOT_EVAL_NOTEBOOKS``, else the repository's ``notebooks/``."""
    env = os.environ.get("PILOT_EVAL_NOTEBOOKS")
    if env:
        return Path(env)
    repo = REPO_ROOT / "notebooks"
    if repo.is_dir():
        return repo
    return Path.cwd() / "notebooks"


def list_notebooks(notebooks_dir: Path) -> list[Path]:
    """The report's notebooks, in order (``NN_name.ipynb``)."""
    found = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb") if p.is_file())
    if not found:
        raise ReportError(f"no notebooks (NN_name.ipynb) found in {notebooks_dir}")
    return found


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    import papermill as pm

    return set(pm.inspect_notebook(str(notebook)).keys())


