"""The one-command report: pilot-eval report DIR --out OUT (issue: walking skeleton).

Checks the output contract (data-contract.md, "Report folder"), atomicity
(a failed run leaves no partial OUT and an earlier OUT untouched), parameter
checking, offline HTML and determinism of results/*.csv.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import BUILT_REPORT_PARAMS
from pilot_eval.data.params import ParameterError, parse_assignments
from pilot_eval.report.build import ReportError, build_report, default_notebooks_dir

pytestmark = pytest.mark.slow


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _quiet(msg: str) -> None:  # keep test logs short
    pass


@pytest.fixture(scope="module")
def built(built_report):
    return built_report


def test_report_folder_follows_output_contract(built):
    cohort, out, result = built
    assert (out / "index.html").is_file()
    assert (out / "manifest.json").is_file()
    assert (out / "results" / "completeness.csv").is_file()
    for nb in sorted(default_notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        assert (out / "notebooks" / nb.name).is_file()
        assert (out / "html" / f"{nb.stem}.html").is_file()
    header = (out / "results" / "completeness.csv").read_text().splitlines()[0]
    assert header.split(",")[:5] == ["table", "measure", "expected", "observed", "completeness"]
    # nothing left beside OUT
    assert [p.name for p in out.parent.iterdir()] == ["report"]


def test_manifest_records_inputs_parameters_versions_commit(built):
    cohort, out, _ = built
    m = json.loads((out / "manifest.json").read_text())
    inputs = {p.name for p in cohort.iterdir() if p.suffix in {".csv", ".parquet", ".toml"}}
    assert set(m["inputs"]) == inputs
    for name, rec in m["inputs"].items():
        assert rec["sha256"] == _sha(cohort / name)
    assert m["packages"]["pandas"] and m["packages"]["papermill"] and m["packages"]["python"]
    assert "git_commit" in m and m["started_at"] <= m["finished_at"]
    assert m["settings"]["min_group_size"] == 5
    assert m["parameters"] == BUILT_REPORT_PARAMS


def test_html_opens_offline_and_hides_code(built):
    _, out, _ = built
    pages = list((out / "html").glob("*.html")) + [out / "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script src=" not in text, page
        external = re.findall(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//[^"\'\s>]+', text)
        external += re.findall(r'url\(\s*["\']?(?:https?:)?//[^)]+\)', text)
        external += re.findall(r'@import\s+["\']?(?:https?:)?//', text)
        assert external == [], (page, external[:5])
        assert "open_context(" not in text, f"code shown in {page}"
    dq = (out / "html" / "00_data_quality.html").read_text(encoding="utf-8")
    assert dq.count("data:image/svg+xml") >= 4  # the charts, inline


@pytest.mark.scenario
def test_second_run_of_the_first_step_gives_byte_identical_results(built, tmp_path):
    """Step 0 runs again (its results depend on no later step): the same bytes as the shared
    report's.  The whole report is run twice in the scenario suite too (below); make test checks
    determinism where the numbers are made (test_effects, test_reliability, test_synth)."""
    cohort, out, _ = built
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(default_notebooks_dir() / "00_data_quality.ipynb", nbs)
    again = tmp_path / "again"
    # step 0 takes none of the shared report's parameters (bootstrap and permutation counts)
    build_report(cohort, again, notebooks_dir=nbs, progress=False, log=_quiet)
    second = {p.name: _sha(p) for p in (again / "results").glob("*.csv")}
    first = {name: _sha(out / "results" / name) for name in second}
    assert "completeness.csv" in second
    assert first == second


@pytest.mark.scenario
def test_second_run_gives_byte_identical_results(built, tmp_path):
    cohort, out, _ = built
    again = tmp_path / "again"
    build_report(cohort, again, params=BUILT_REPORT_PARAMS or None, progress=False, log=_quiet)
    first = {p.name: _sha(p) for p in (out / "results").glob("*.csv")}
    second = {p.name: _sha(p) for p in (again / "results").glob("*.csv")}
    assert first and first == second


def test_failing_notebook_leaves_earlier_report_untouched(tiny_cohort, tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])  # a step that succeeds first
    good.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(good, nbs / "00_fine.ipynb")
    bad = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('planted failure')"),
    ])
    bad.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(bad, nbs / "99_broken.ipynb")
    from pilot_eval.report.target import MARKER, marker_text

    out = tmp_path / "out"
    out.mkdir()  # an earlier report (only pilot-eval reports may be replaced, issue 12 item 1)
    (out / MARKER).write_text(marker_text("0"), encoding="utf-8")
    (out / "index.html").write_text("an earlier report")
    before = {p.name: _sha(p) for p in out.iterdir()}
    with pytest.raises(ReportError) as err:
        build_report(tiny_cohort, out, notebooks_dir=nbs, progress=False, log=_quiet)
    msg = str(err.value)
    assert "99_broken.ipynb" in msg and "cell 1" in msg and "planted failure" in msg
    assert {p.name: _sha(p) for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "out"]


def test_failing_notebook_without_earlier_report_leaves_nothing(tiny_cohort, tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    bad = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0")])
    bad.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(bad, nbs / "00_broken.ipynb")
    with pytest.raises(ReportError, match="ZeroDivisionError"):
        build_report(tiny_cohort, tmp_path / "out", notebooks_dir=nbs, progress=False, log=_quiet)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks"]


def test_unknown_parameter_is_an_error_listing_all():
    with pytest.raises(ParameterError) as err:
        parse_assignments(["min_group_size=8", "colour=red", "nonsense", "min_raters_per_category=x"])
    msg = str(err.value)
    assert "colour" in msg and "nonsense" in msg and "min_raters_per_category" in msg
    assert parse_assignments(["min_group_size=007"]) == {"min_group_size": 7}
    with pytest.raises(ParameterError, match="set by the command"):
        parse_assignments(["data_dir=/elsewhere"])


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pilot_eval", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_unknown_parameter_exit_2_writes_nothing(tiny_cohort, tmp_path):
    r = _cli("report", str(tiny_cohort), "--out", str(tmp_path / "out"), "-p", "bogus=1")
    assert r.returncode == 2, r.stderr
    assert "bogus" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_invalid_cohort_exit_2_writes_nothing(tiny_cohort, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_cohort, broken)
    leaders = broken / "leaders.csv"
    lines = leaders.read_text().splitlines()
    lines[1] = lines[1].replace("pilot", "treatment", 1).replace("comparison", "treatment", 1)
    leaders.write_text("\n".join(lines) + "\n")
    before = {p.name: _sha(p) for p in broken.iterdir()}
    r = _cli("report", str(broken), "--out", str(tmp_path / "out"))
    assert r.returncode == 2, r.stderr
    assert "treatment" in r.stderr and "leaders.csv" in r.stderr
    assert not (tmp_path / "out").exists()
    assert before == {p.name: _sha(p) for p in broken.iterdir()}


def _without_optional_tables_and_with_a_small_culture(tiny_cohort: Path, folder: Path) -> Path:
    shutil.copytree(tiny_cohort, folder)
    for stem in ("observations", "behaviours", "incidents", "sessions"):
        (folder / f"{stem}.csv").unlink()
    leaders = (folder / "leaders.csv").read_text().splitlines()
    ci = leaders[0].split(",").index("culture")
    for i in (1, 2, 3):
        cells = leaders[i].split(",")
        cells[ci] = "Atlantis"
        leaders[i] = ",".join(cells)
    (folder / "leaders.csv").write_text("\n".join(leaders) + "\n")
    return folder


def _one_notebook(tmp_path: Path, stem: str) -> Path:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    shutil.copy(default_notebooks_dir() / f"{stem}.ipynb", nbs)
    return nbs


def _check_skipped_tables_and_no_small_group(out: Path) -> None:
    m = json.loads((out / "manifest.json").read_text())
    assert set(m["skipped_tables"]) >= {"observations", "behaviours", "incidents", "sessions"}
    completeness = (out / "results" / "completeness.csv").read_text()
    assert "observations,table_present,1,0,0" in completeness
    hits = [p.relative_to(out) for p in out.rglob("*") if p.is_file() and "Atlantis" in p.read_text(errors="ignore")]
    assert hits == []


def test_data_quality_step_without_optional_tables_with_a_small_culture_and_a_parameter(tiny_cohort, tmp_path):
    """The data-quality step alone (the cheap form of the whole-report scenario below): it records
    the skipped tables, a culture of 3 leaders (< min_group_size 5) is in no file it writes, and
    a -p value reaches the notebook (one kernel for the three checks)."""
    folder = _without_optional_tables_and_with_a_small_culture(tiny_cohort, tmp_path / "cohort")
    out = tmp_path / "out"
    build_report(folder, out, params={"min_raters_per_category": 4},
                 notebooks_dir=_one_notebook(tmp_path, "00_data_quality"), progress=False, log=_quiet)
    _check_skipped_tables_and_no_small_group(out)
    m = json.loads((out / "manifest.json").read_text())
    assert m["parameters"] == {"min_raters_per_category": 4}
    assert m["settings"]["min_raters_per_category"] == 4
    measures = (out / "results" / "completeness.csv").read_text()
    assert "raters_at_least_4:" in measures and "raters_at_least_3:" not in measures


@pytest.mark.scenario
def test_missing_optional_tables_and_a_small_culture(tiny_cohort, tmp_path):
    """Every notebook runs without the optional tables, says what it skipped, and a
    culture of 3 leaders (< min_group_size 5) appears in no file of the report folder:
    its name, hence any number for it, is in no notebook, HTML page or CSV."""
    folder = _without_optional_tables_and_with_a_small_culture(tiny_cohort, tmp_path / "cohort")
    out = tmp_path / "out"
    build_report(folder, out, progress=False, log=_quiet)
    index = (out / "index.html").read_text(encoding="utf-8")
    for stem in ("observations", "incidents", "sessions"):
        assert stem in index
    _check_skipped_tables_and_no_small_group(out)


def test_baseline_step_without_comparison_group(tmp_path):
    """The baseline step alone on a pilot-only cohort (the cheap form of the scenario below)."""
    from pilot_eval.data.synth import generate_cohort

    generate_cohort(tmp_path / "c", n_pilot=12, n_comparison=0, seed=11, effect=0.3)
    out = tmp_path / "out"
    build_report(tmp_path / "c", out, notebooks_dir=_one_notebook(tmp_path, "01_baseline"), progress=False,
                 log=_quiet)
    html = (out / "html" / "01_baseline.html").read_text(encoding="utf-8")
    assert "cannot be assessed" in html


@pytest.mark.scenario
def test_cohort_without_comparison_group_reports(tmp_path):
    from pilot_eval.data.synth import generate_cohort

    generate_cohort(tmp_path / "c", n_pilot=12, n_comparison=0, seed=11, effect=0.3)
    out = tmp_path / "out"
    build_report(tmp_path / "c", out, progress=False, log=_quiet)
    assert (out / "index.html").is_file()
    html = (out / "html" / "01_baseline.html").read_text(encoding="utf-8")
    assert "cannot be assessed" in html


def test_cli_validate_lists_every_violation_with_exit_2(tiny_cohort, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_cohort, broken)
    leaders = (broken / "leaders.csv").read_text().splitlines()
    leaders.append(leaders[1])  # duplicated leader_id
    (broken / "leaders.csv").write_text("\n".join(leaders) + "\n")
    ratings = (broken / "ratings.csv").read_text().splitlines()
    cells = ratings[1].split(",")
    cells[-1] = "7"  # score 7 on a 1-5 scale
    ratings[1] = ",".join(cells)
    (broken / "ratings.csv").write_text("\n".join(ratings) + "\n")
    r = _cli("validate", str(broken))
    assert r.returncode == 2
    assert "leaders.csv" in r.stderr and "leader_id" in r.stderr
    assert "ratings.csv" in r.stderr and "'7'" in r.stderr
    ok = _cli("validate", str(tiny_cohort))
    assert ok.returncode == 0 and ok.stdout.startswith("OK")


def test_user_text_is_inert_everywhere(built):
    """A role named =HYPERLINK(...) and a culture named <script>...: escaped in every HTML
    page, never raw; neutralised (leading ') in every CSV cell that starts with '='."""
    from conftest import HOSTILE_CULTURE, HOSTILE_NAME, HOSTILE_ROLE

    _, out, _ = built
    pages = list((out / "html").glob("*.html")) + [out / "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert HOSTILE_CULTURE not in text, page
        assert "<b>\"bold\"</b>" not in text, page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Pilot &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; =1+1" in index  # shown, as text
    import csv
    import html as html_lib

    # the cohort name: shown, escaped by the standard library's rules, never raw
    assert html_lib.escape(HOSTILE_NAME, quote=True) in index and HOSTILE_NAME not in index
    cells = []
    for csv_path in (out / "results").glob("*.csv"):
        with csv_path.open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (csv_path.name, cell)
                    cells.append(cell)
    # the role is shown, as inert text: exactly the user's text behind one leading quote
    assert "'" + HOSTILE_ROLE in cells, "the formula-like role should be shown (inert) in results/"
    assert HOSTILE_ROLE not in cells


def test_no_rater_or_employee_id_anywhere_in_report(built):
    """No rater, observer, respondent or employee ID in any file of the report folder
    (researcher-only cells keep their output only when run in JupyterLab)."""
    import pandas as pd

    cohort, out, _ = built
    ids = set(pd.read_csv(cohort / "ratings.csv", dtype=str)["rater_id"])
    ids |= set(pd.read_csv(cohort / "employees.csv", dtype=str)["employee_id"])
    ids |= set(pd.read_csv(cohort / "observations.csv", dtype=str)["observer_id"])
    ids |= set(pd.read_csv(cohort / "pulse.csv", dtype=str)["respondent_id"])
    pattern = re.compile(r"\b(" + "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)) + r")\b")
    for path in out.rglob("*"):
        if path.is_file() and path.name != "manifest.json":
            hit = pattern.search(path.read_text(encoding="utf-8", errors="ignore"))
            assert hit is None, (path.relative_to(out), hit.group(0) if hit else None)
