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


def _build_tiny(folder: Path) -> None:
    from pilot_eval.data.synth import generate_cohort

    generate_cohort(folder / "cohort", n_pilot=10, n_comparison=10, seed=7, effect=0.4)


@pytest.fixture(scope="session")
def tiny_cohort(tmp_path_factory) -> Path:
    """A small synthetic cohort (10 pilot + 10 comparison leaders), CSV."""
    return shared_once(tmp_path_factory, "tiny", _build_tiny) / "cohort"


#: User-supplied text that must stay inert: a spreadsheet formula and an HTML script.
HOSTILE_ROLE = '=HYPERLINK("http://x","y")'
HOSTILE_CULTURE = "<script>alert(1)</script>"
HOSTILE_NAME = 'Pilot <b>"bold"</b> & =1+1'


@pytest.fixture(scope="session")
def hostile_cohort(tmp_path_factory) -> Path:
    """The tiny cohort with user text an attacker (or a careless export) could supply:
    a role named like a spreadsheet formula and a culture named like a script, each
    large enough (>= min_group_size leaders) to be shown, and a cohort name with markup."""
    return _hostile_cohort(tmp_path_factory)


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


#: Parameters (``-p``) of the shared report: none, the notebooks' defaults.  (Fewer bootstrap
#: replicates do not make the tiny cohort's report faster: kernels and imports dominate.)
BUILT_REPORT_PARAMS: dict[str, object] = {}

_BUILD_SCRIPT = """
import json, sys
from pathlib import Path
from pilot_eval.report.build import build_report
build_report(Path(sys.argv[1]), Path(sys.argv[2]), params=json.loads(sys.argv[3]) or None, progress=False,
             log=lambda m: None)
"""


def _report_folder(tmp_path_factory) -> Path:
    root = _shared_root(tmp_path_factory) / "shared-fixtures"
    root.mkdir(exist_ok=True)
    return root / "rep"


def _start_report_build(tmp_path_factory) -> None:
    """Start building the shared report in the background, once per run (whichever worker is first).

    Called at collection, so the report is built while the workers run the other tests;
    :func:`built_report` waits for it.  The build's exit status lands in ``rep.rc``.
    """
    import json
    import subprocess
    import sys

    folder = _report_folder(tmp_path_factory)
    with _locked(folder.parent / ".rep.lock"):
        if (folder.parent / "rep.started").exists():
            return
        cohort = _hostile_cohort(tmp_path_factory)
        folder.mkdir(exist_ok=True)
        cmd = [sys.executable, "-c", _BUILD_SCRIPT, str(cohort), str(folder / "report"),
               json.dumps(BUILT_REPORT_PARAMS)]
        # a background shell runs the build and writes its exit status when it ends, whether or not
        # this worker is still running then; the shell started here returns at once
        env = {**os.environ, "RC": str(folder.parent / "rep.rc"), "LOG": str(folder.parent / "rep.log")}
        subprocess.run(["/bin/sh", "-c", '("$@" > "$LOG" 2>&1; echo $? > "$RC") &', "sh", *cmd], env=env,
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        (folder.parent / "rep.started").write_text("ok")


def _hostile_cohort(tmp_path_factory) -> Path:
    tiny = shared_once(tmp_path_factory, "tiny", _build_tiny) / "cohort"
    return shared_once(tmp_path_factory, "hostile", lambda folder: _hostile(tiny, folder / "cohort")) / "cohort"


def _uses_report(item) -> bool:
    return "built_report" in getattr(item, "fixturenames", ())


def pytest_itemcollected(item):
    """A test that reads the shared report builds one: it is ``slow`` (not in make test-fast)."""
    if _uses_report(item):
        item.add_marker(pytest.mark.slow)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Tests that read the shared report run last (same order in every xdist worker)."""
    items[:] = [it for it in items if not _uses_report(it)] + [it for it in items if _uses_report(it)]


def pytest_collection_finish(session):
    """When a selected test reads the shared report, start building it now, in the background."""
    if session.config.option.collectonly or not any(_uses_report(it) for it in session.items):
        return
    _start_report_build(session.config._tmp_path_factory)


@pytest.fixture(scope="session")
def built_report(hostile_cohort, tmp_path_factory):
    """The full report of the hostile tiny cohort, built once per test run: (cohort, out, result).

    Shared by every pytest-xdist worker: the build starts in the background at
    collection (:func:`pytest_collection_modifyitems`) and this fixture waits for it;
    ``result`` is rebuilt from the report's manifest.  Built with
    :data:`BUILT_REPORT_PARAMS`.
    """
    import json
    import time

    from pilot_eval.report.build import ReportResult
    from pilot_eval.report.notebooks import NotebookRun

    _start_report_build(tmp_path_factory)  # no-op when collection started it
    folder = _report_folder(tmp_path_factory)
    rc_file = folder.parent / "rep.rc"
    deadline = time.monotonic() + 1800
    while not rc_file.exists() or not rc_file.read_text().strip():
        if time.monotonic() > deadline:
            pytest.fail(f"the shared report is not built after 30 minutes (log: {folder.parent / 'rep.log'})")
        time.sleep(0.5)
    if rc_file.read_text().strip() != "0":
        log = (folder.parent / "rep.log").read_text(errors="replace")
        pytest.fail(f"the shared report did not build (exit {rc_file.read_text().strip()}):\n{log[-3000:]}")
    out = folder / "report"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    runs = [NotebookRun(r["name"], r["seconds"]) for r in manifest["notebooks"]]
    return hostile_cohort, out, ReportResult(out_dir=out, notebooks=runs, manifest=manifest)
