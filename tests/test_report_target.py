"""``--out`` never deletes or replaces anything that is not a pilot-eval report (issue 12, item 1).

Reference: the output contract (data-contract.md, "Report folder") and the
project rule "nothing but a pilot-eval report is ever replaced".
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from pilot_eval.report.build import build_report
from pilot_eval.report.target import (
    MARKER, OutDirError, check_out_dir, is_report_folder, lock_path, out_lock,
)


def _tree(path: Path) -> dict[str, str]:
    """Every file under path with its sha256 (the folder's full state)."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _user_folder(tmp_path: Path) -> Path:
    d = tmp_path / "my-documents"
    (d / "sub").mkdir(parents=True)
    (d / "thesis.docx").write_bytes(b"irreplaceable")
    (d / "sub" / "notes.txt").write_text("more")
    (d / "index.html").write_text("<p>my own page</p>")  # looks a bit like a report: still not one
    return d


@pytest.fixture()
def one_notebook(tmp_path) -> Path:
    """A one-cell notebook folder: a report that builds in a couple of seconds."""
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, nbs / "00_one.ipynb")
    return nbs


def test_existing_user_folder_is_refused_and_intact(tmp_path):
    d = _user_folder(tmp_path)
    before = _tree(d)
    with pytest.raises(OutDirError, match="not a pilot-eval report"):
        check_out_dir(d)
    assert _tree(d) == before


def test_empty_folder_file_and_symlink_are_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OutDirError, match="empty folder"):
        check_out_dir(empty)
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(OutDirError, match="existing file"):
        check_out_dir(f)
    link = tmp_path / "link"
    link.symlink_to(empty)
    with pytest.raises(OutDirError, match="symbolic link"):
        check_out_dir(link)
    assert f.read_text() == "x" and empty.is_dir()


def test_folder_holding_the_cohort_is_refused_even_if_marked(tmp_path):
    rep = tmp_path / "rep"
    (rep / "cohort").mkdir(parents=True)
    (rep / MARKER).write_text(json.dumps({"written_by": "pilot-eval"}))
    with pytest.raises(OutDirError, match="contains the cohort"):
        check_out_dir(rep, rep / "cohort")
    with pytest.raises(OutDirError, match="inside it"):
        check_out_dir(rep / "cohort" / "out", rep / "cohort")


def test_new_path_and_marked_report_are_accepted(tmp_path):
    assert check_out_dir(tmp_path / "new") == (tmp_path / "new").resolve()
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / MARKER).write_text(json.dumps({"written_by": "pilot-eval", "kind": "report"}))
    assert is_report_folder(rep)
    assert check_out_dir(rep) == rep.resolve()


def test_legacy_report_recognised_only_with_nothing_else_inside(tmp_path):
    rep = tmp_path / "old"
    (rep / "results").mkdir(parents=True)
    (rep / "index.html").write_text("x")
    (rep / "manifest.json").write_text(json.dumps({"pilot_eval_version": "0.1.0"}))
    assert is_report_folder(rep)
    (rep / "my-notes.txt").write_text("keep me")
    assert not is_report_folder(rep)


def test_second_run_to_same_out_fails_at_once(tmp_path):
    out = tmp_path / "out"
    with out_lock(out.resolve()):
        with pytest.raises(OutDirError, match="being written"):
            with out_lock(out.resolve()):
                pass
    assert not lock_path(out.resolve()).exists()  # the lock file is removed after the run


@pytest.mark.parametrize("where", ["user_folder", "cwd", "cohort_parent"])
def test_cli_report_refuses_non_report_out_exit_2(where, tiny_cohort, tmp_path):
    if where == "user_folder":
        out = _user_folder(tmp_path)
        cwd = tmp_path
    elif where == "cwd":
        out = Path(".")
        cwd = _user_folder(tmp_path)
    else:
        out = tiny_cohort.parent
        cwd = tmp_path
    target = (cwd / out).resolve()
    before = _tree(target)
    cohort_before = _tree(tiny_cohort)
    proc = subprocess.run(
        [sys.executable, "-m", "pilot_eval", "report", str(tiny_cohort), "--out", str(out)],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Nothing was written" in proc.stderr or "replace your data" in proc.stderr
    assert _tree(target) == before
    assert _tree(tiny_cohort) == cohort_before


def test_report_marks_its_folder_and_replaces_only_its_own(tiny_cohort, tmp_path, one_notebook):
    out = tmp_path / "rep"
    build_report(tiny_cohort, out, notebooks_dir=one_notebook, progress=False, log=lambda m: None)
    assert is_report_folder(out)
    assert json.loads((out / MARKER).read_text())["written_by"] == "pilot-eval"
    # the report's permissions follow the umask, not mkdtemp's 0700
    assert os.stat(out).st_mode & 0o777 == 0o777 & ~_umask()
    # a second run replaces it
    build_report(tiny_cohort, out, notebooks_dir=one_notebook, progress=False, log=lambda m: None)
    assert is_report_folder(out)
    # but not once the user put their own file in it
    (out / "my-notes.txt").write_text("keep me")
    (out / MARKER).unlink()
    with pytest.raises(OutDirError):
        build_report(tiny_cohort, out, notebooks_dir=one_notebook, progress=False, log=lambda m: None)
    assert (out / "my-notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nbs", "rep"]


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m
