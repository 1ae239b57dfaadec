"""Faults (issue 12, item 4): signals, inputs edited during a run, disk errors, two runs.

Each test runs ``pilot-eval report`` (or :func:`build_report`) with tiny notebooks
(a parameters cell, a wait, a results file) so that a run takes seconds, in a
private ``TMPDIR`` so that "nothing left in the temporary folder" can be checked.
The reference for "nothing left" is a listing of the folders before and after.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pilot_eval.report.build import OutputError, build_report

pytestmark = [pytest.mark.slow, pytest.mark.scenario]


def _notebook(path: Path, wait: float) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('data_dir = ""\nout_dir = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import time, pathlib\n"
            "from pilot_eval.report.context import open_context\n"
            "ctx = open_context(data_dir, out_dir)\n"
            f"time.sleep({wait})\n"
            "n = len(ctx.cohort.ratings)\n"
            "(pathlib.Path(out_dir) / 'results' / 'rows.csv').write_text(f'ratings\\n{n}\\n')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture()
def setup(tiny_cohort, tmp_path):
    """(cohort copy, notebooks folder with one slow notebook, env with private TMPDIR)."""
    cohort = tmp_path / "cohort"
    shutil.copytree(tiny_cohort, cohort)
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "00_wait.ipynb", wait=6)
    tmpdir = tmp_path / "tmpdir"
    runtime = tmp_path / "runtime"
    tmpdir.mkdir()
    runtime.mkdir()
    env = {**os.environ, "TMPDIR": str(tmpdir), "JUPYTER_RUNTIME_DIR": str(runtime)}
    return cohort, nbs, env, tmpdir, runtime


def _interruptible() -> None:
    """Ctrl-C as in a terminal: a test run started in the background (``make test-scenarios &``)
    inherits SIGINT ignored, and Python then keeps ignoring it, as a background job should."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(cohort: Path, out: Path, nbs: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pilot_eval", "report", str(cohort), "--out", str(out),
                             "--notebooks", str(nbs)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)


def _wait_for(path_glob: tuple[Path, str], timeout: float = 60) -> None:
    folder, pattern = path_glob
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list(folder.glob(pattern)):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing matched {pattern} in {folder}")


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_during_a_notebook_leaves_nothing(setup, tmp_path, sig):
    cohort, nbs, env, tmpdir, runtime = setup
    out = tmp_path / "reports" / "out"
    build_report(cohort, out, notebooks_dir=nbs, progress=False, log=lambda m: None)  # an earlier report
    earlier = _tree(out)
    before_tmp = sorted(os.listdir(tmpdir))
    proc = _start(cohort, out, nbs, env)
    _wait_for((out.parent, ".out.building-*/notebooks"))
    time.sleep(2.5)  # the kernel is running the notebook now
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "nothing was written" in err
    assert _tree(out) == earlier  # the earlier report untouched
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no partial OUT, no lock file
    assert sorted(os.listdir(tmpdir)) == before_tmp  # no snapshot, no cohort pickle with IDs
    assert list(runtime.iterdir()) == []  # no kernel connection file
    time.sleep(1)
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # and no kernel writes later


@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_sigterm_early_leaves_nothing(setup, tmp_path, delay):
    cohort, nbs, env, tmpdir, runtime = setup
    out = tmp_path / "out"
    proc = _start(cohort, out, nbs, env)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (128 + signal.SIGTERM, -signal.SIGTERM), err  # before the handler: default
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort", "notebooks", "runtime", "tmpdir"]
    assert list(tmpdir.iterdir()) == [] and list(runtime.iterdir()) == []


def test_input_edited_during_the_run_does_not_reach_the_report(setup, tmp_path):
    cohort, nbs, env, tmpdir, runtime = setup
    out = tmp_path / "out"
    original = hashlib.sha256((cohort / "ratings.csv").read_bytes()).hexdigest()
    n_rows = len((cohort / "ratings.csv").read_text().splitlines()) - 1
    proc = _start(cohort, out, nbs, env)
    _wait_for((tmp_path, ".out.building-*/notebooks"))
    lines = (cohort / "ratings.csv").read_text().splitlines()
    (cohort / "ratings.csv").write_text("\n".join(lines[: len(lines) // 2]) + "\n")  # edited mid-run
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["ratings.csv"]["sha256"] == original  # the snapshot, not the edit
    assert (out / "results" / "rows.csv").read_text() == f"ratings\n{n_rows}\n"
    nb = (out / "notebooks" / "00_wait.ipynb").read_text()
    assert str(cohort) in nb and str(tmpdir) not in nb  # the real folder named, not the snapshot
    assert list(tmpdir.iterdir()) == []


def test_two_runs_to_one_out_one_wins(setup, tmp_path):
    cohort, nbs, env, tmpdir, runtime = setup
    _notebook(nbs / "00_wait.ipynb", wait=30)  # the first run is surely still running when the second starts
    out = tmp_path / "out"
    first = _start(cohort, out, nbs, env)
    _wait_for((tmp_path, ".out.building-*"))
    second = _start(cohort, out, nbs, env)
    _, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and "being written to" in err2, err2
    assert (out / "index.html").is_file()


@pytest.mark.parametrize("code, words", [(errno.EROFS, "read-only"), (errno.ENOSPC, "disk is full"),
                                         (errno.EACCES, "permission denied")])
def test_disk_errors_are_one_line(setup, tmp_path, monkeypatch, code, words):
    cohort, nbs, *_ = setup
    out = tmp_path / "out"
    real = Path.write_text

    def failing(self, *args, **kwargs):
        if self.name == "manifest.json":
            raise OSError(code, os.strerror(code), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)
    with pytest.raises(OutputError) as err:
        build_report(cohort, out, notebooks_dir=nbs, progress=False, log=lambda m: None)
    msg = str(err.value)
    assert words in msg and str(out) in msg and "\n" not in msg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort", "notebooks", "runtime", "tmpdir"]


def test_read_only_out_parent_cli_one_line(setup, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions; the EROFS case is covered by test_disk_errors_are_one_line")
    cohort, nbs, env, *_ = setup
    parent = tmp_path / "ro"
    parent.mkdir(mode=0o555)
    r = subprocess.run([sys.executable, "-m", "pilot_eval", "report", str(cohort), "--out", str(parent / "out"),
                        "--notebooks", str(nbs)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr and "permission denied" in r.stderr
