"""Shared fixtures: small synthetic cohorts written once per test session."""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
EXTERNAL = Path(__file__).resolve().parent / "fixtures" / "external_cohort"


def _shared_root(tmp_path_factory) -> Path:
    """A folder all pytest-xdist workers of this run share (the session's own folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def shared_once(tmp_path_factory, name: str, build: Callable[[Path], object]) -> Path:
    """Build ``name`` once per test run, whichever worker asks first; the others reuse it.

    ``build(folder)`` writes into ``folder``, which is empty and exists.
    """
    root = _shared_root(tmp_path_factory) / "shared-fixtures"
    root.mkdir(exist_ok=True)
    folder, done = root / name, root / f"{name}.done"
    with _locked(root / f".{name}.lock"):
        if not done.exists():
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.write_text("ok")
    return folder


@pytest.fixture(scope="session")
def tiny_cohort(tmp_path_factory) -> Path:
    """A small synthetic cohort (10 pilot + 10 comparison leaders), CSV."""
    from pilot_eval.data.synth import generate_cohort

    def build(folder: Path) -> None:
        generate_cohort(folder / "cohort", n_pilot=10, n_comparison=10, seed=7, effect=0.4)

    return shared_once(tmp_path_factory, "tiny", build) / "cohort"


#: User-supplied text that must stay inert: a spreadsheet formula and an HTML script.
HOSTILE_ROLE = '=HYPERLINK("http://x","y")'
HOSTILE_CULTURE = "<script>alert(1)</script>"
HOSTILE_NAME = 'Pilot <b>"bold"</b> & =1+1'


@pytest.fixture(scope="session")
def hostile_cohort(tiny_cohort, tmp_path_factory) -> Path:
    """The tiny cohort with user text an attacker (or a careless export) could supply:
    a role named like a spreadsheet formula and a culture named like a script, each
    large enough (>= min_group_size leaders) to be shown, and a cohort name with markup."""

    def build(folder: Path) -> None:
        _hostile(tiny_cohort, folder / "cohort")

    return shared_once(tmp_path_factory, "hostile", build) / "cohort"


def _hostile(tiny_cohort: Path, out: Path) -> None:
    import json
    import shutil

    import pandas as pd

    shutil.copytree(tiny_cohort, out)
    leaders = pd.read_csv(out / "leaders.csv", dtype=str, keep_default_na=False)
    leaders.loc[leaders.index[:12], "role"] = HOSTILE_ROLE
    leaders.loc[leaders.index[6:18], "culture"] = HOSTILE_CULTURE
    leaders.to_csv(out / "leaders.csv", index=False)
    toml = (out / "cohort.toml").read_text(encoding="utf-8").splitlines()
    # a JSON string is a valid TOML basic string for this text
    toml = [f"name = {json.dumps(HOSTILE_NAME)}" if line.startswith("name =") else line for line in toml]
    (out / "cohort.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def built_report(hostile_cohort, tmp_path_factory):
    """The full report of the hostile tiny cohort, built once per test run: (cohort, out, result).

    Shared by every pytest-xdist worker (the first one to ask builds it); ``result`` is
    rebuilt from the report's manifest on the others.
    """
    import json

    from pilot_eval.report.build import ReportResult, build_report
    from pilot_eval.report.notebooks import NotebookRun

    def build(folder: Path) -> None:
        build_report(hostile_cohort, folder / "report", progress=False, log=lambda msg: None)

    out = shared_once(tmp_path_factory, "rep", build) / "report"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    runs = [NotebookRun(r["name"], r["seconds"]) for r in manifest["notebooks"]]
    return hostile_cohort, out, ReportResult(out_dir=out, notebooks=runs, manifest=manifest)
