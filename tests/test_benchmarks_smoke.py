"""Smoke test of benchmarks/run_benchmarks.py on tiny sizes (issue 8).

Checks structure and equality only - never a timing threshold.  The
side-by-side comparisons are checked against their independent references:
``pingouin.intraclass_corr`` (pingouin 0.7) for the ICC, and a loop calling
the ``krippendorff`` package (fast-krippendorff 0.9) once per bootstrap
replicate for the alpha interval; the loop itself is anchored to
Krippendorff (2011)'s published ordinal alpha of 0.815.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rb():
    """benchmarks/run_benchmarks.py as a module (benchmarks/ is not a package)."""
    path = REPO / "benchmarks" / "run_benchmarks.py"
    spec = importlib.util.spec_from_file_location("run_benchmarks", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_benchmarks"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("run_benchmarks", None)


# ---------------------------------------------------------------------------
# side by side
# ---------------------------------------------------------------------------
def test_icc_side_by_side_equals_pingouin(rb) -> None:
    """icc_crossed vs pingouin.intraclass_corr: all six forms, F, df, p, CI to 1e-9."""
    res = rb.bench_icc(n_targets=30, n_raters=4, seed=3, repeats=1)
    assert set(res) >= {"name", "data", "project_seconds", "reference_seconds", "ratio",
                        "max_abs_diff", "diffs", "equal"}
    assert set(res["diffs"]) == {"estimate", "f", "df1", "df2", "p_value", "ci_low", "ci_high"}
    assert res["equal"] is True
    assert res["max_abs_diff"] <= 1e-9
    assert res["project_seconds"] > 0 and res["reference_seconds"] > 0 and res["ratio"] > 0


def test_icc_comparison_sees_differences_and_pingouin_rounding(rb) -> None:
    """The comparison is not vacuous: a 1e-6 change shows, and pingouin's default CI rounding
    (2 decimals) would show too; the full-precision switch restores pingouin's options."""
    import pingouin

    from pilot_eval.stats.icc import icc_crossed

    data = rb.crossed_ratings(40, 3, seed=5)
    ours = icc_crossed(data, "target", "rater", "rating")
    ref = rb.pingouin_icc(data, "target", "rater", "rating")
    assert max(rb.compare_icc(ours, ref).values()) <= 1e-9
    shifted = ours.assign(estimate=ours["estimate"] + 1e-6)
    assert rb.compare_icc(shifted, ref)["estimate"] == pytest.approx(1e-6, rel=1e-6)

    assert pingouin.options.get("round.column.CI95") == 2  # restored after pingouin_icc
    with warnings.catch_warnings():  # pingouin 0.7's inplace dropna under pandas 3
        warnings.simplefilter("ignore", getattr(pd.errors, "Pandas4Warning", FutureWarning))
        rounded = pingouin.intraclass_corr(data=data, targets="target", raters="rater",
                                           ratings="rating")
    diffs = rb.compare_icc(ours, rounded)
    assert max(diffs["ci_low"], diffs["ci_high"]) > 1e-9


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_side_by_side_equals_krippendorff_loop(rb, level: str) -> None:
    res = rb.bench_alpha(n_units=40, n_coders=3, n_boot=25, level=level, seed=2, repeats=1)
    assert set(res["diffs"]) == {"estimate", "ci_low", "ci_high"}
    assert res["equal"] is True
    assert res["max_abs_diff"] <= 1e-9
    assert res["ratio"] > 0


def test_scale_runs_equal_their_numpy_references(rb) -> None:
    """The million-row runs of make bench at a small size: ``measures.scores.empathy_360`` (the
    vectorised long-table path) equals the NumPy mean over items, then over the non-self raters,
    of the (leader, wave, rater, item) array, and the one-way ICC equals its ANOVA formula."""
    e = rb.bench_empathy_360(n_leaders=30, repeats=1)
    i = rb.bench_icc_oneway(n_leaders=40, repeats=1)
    assert e["equal"] and e["max_abs_diff"] < 1e-12 and "30 leaders" in e["data"]
    assert i["equal"] and i["max_abs_diff"] < 1e-12
    assert e["project_seconds"] > 0 and i["reference_seconds"] > 0


def test_loop_reference_matches_krippendorff_2011(rb) -> None:
    """Krippendorff (2011): ordinal alpha 0.815 on the 4 observers x 12 units example."""
    nan = np.nan
    k2011 = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ])
    ref = rb.loop_bootstrap_alpha(k2011, "ordinal", n_boot=20, seed=1)
    assert round(ref["estimate"], 3) == 0.815
    assert ref["ci_low"] <= ref["ci_high"] and ref["n_valid"] <= 20


# ---------------------------------------------------------------------------
# cohorts, subprocesses, breakdown
# ---------------------------------------------------------------------------
def test_make_cohort_counts_rows(rb, tmp_path: Path) -> None:
    info = rb.make_cohort(7, tmp_path / "c", seed=1)
    assert (info["n_leaders"], info["n_pilot"], info["n_comparison"]) == (7, 3, 4)
    for table in ("leaders", "ratings", "pulse"):
        assert info["rows"][table] == len(pd.read_csv(tmp_path / "c" / f"{table}.csv"))
    described = rb.describe_cohort(tmp_path / "c")
    assert (described["n_pilot"], described["n_comparison"]) == (3, 4)
    assert described["rows"] == info["rows"]


def test_run_measured_sees_a_grandchild_allocation(rb) -> None:
    """A grandchild touching 150 MB: both the wait4 and the polled tree peak see it."""
    alloc = "import time; b = bytearray(b'x') * (150 * 2**20); time.sleep(0.6)"
    cmd = [sys.executable, "-c",
           f"import subprocess, sys; subprocess.run([sys.executable, '-c', {alloc!r}], check=True)"]
    m = rb.run_measured(cmd, poll_seconds=0.05)
    assert m.returncode == 0
    assert m.seconds >= 0.6
    assert m.max_rss_mb >= 150
    assert m.peak_tree_rss_mb >= 150
    failed = rb.run_measured([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert failed.returncode == 3


def test_snapshot_and_failed_notebook(rb, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("00_a.ipynb", "01_b.ipynb", "02_c.ipynb", "notes.ipynb", "03_d.txt"):
        (src / name).write_text("{}")
    assert rb.snapshot_notebooks(src, tmp_path / "snap", exclude=["01_b"]) == ["00_a", "02_c"]
    assert sorted(p.name for p in (tmp_path / "snap").iterdir()) == ["00_a.ipynb", "02_c.ipynb"]
    # messages of pilot_eval.report.build.build_report
    assert rb.failed_notebook("report failed: notebook 04_leading_lagging.ipynb failed in cell 3: "
                              "KeyError: 'x'") == "04_leading_lagging"
    assert rb.failed_notebook("report failed: exporting 02_reliability.ipynb to HTML failed") == (
        "02_reliability")
    assert rb.failed_notebook("some other error") is None


def test_time_breakdown_subtracts_parts(rb) -> None:
    frame = rb.time_breakdown({"00_a": 10.0, "01_b": 1.0}, kernel_seconds=1.5,
                              import_seconds={"00_a": 2.0, "01_b": 2.0},
                              export_seconds={"00_a": 0.5, "01_b": 0.2})
    assert list(frame.columns) == ["notebook", "total", "kernel_start", "imports", "export", "compute"]
    assert frame["compute"].tolist() == [6.0, 0.0]  # floored at 0


def _notebook(path: Path, cells: list[tuple[str, list[str]]]) -> Path:
    nb = nbformat.v4.new_notebook()
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_markdown_cell("import not_code"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_notebook_imports_and_import_timing(rb, tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "00_x.ipynb", [
        ('data_dir = "x"', ["parameters"]),
        ("import json\nfrom pathlib import (Path,\n    PurePath)\n\ndef f():\n    import csv\n", []),
        ("%timeit 1", []),
    ])
    assert rb.notebook_imports(nb) == ["import json", "from pathlib import Path, PurePath"]
    assert rb.time_imports(rb.notebook_imports(nb), repeats=1) >= 0.0


def test_profile_notebook_injects_parameters_and_times_cells(rb, tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "01_y.ipynb", [
        ('data_dir = "default"\nout_dir = "default"', ["parameters"]),
        ("from pathlib import Path\nPath(out_dir, 'seen.txt').write_text(str(data_dir))", []),
        ("import pandas as pd\ndisplay(pd.DataFrame({'a': range(3)}))\npd.DataFrame({'a': range(3)})", []),
    ])
    (tmp_path / "out").mkdir()
    result = rb.profile_notebooks([nb], tmp_path / "data", tmp_path / "out",
                                  stats_file=tmp_path / "stats.txt")
    assert (tmp_path / "out" / "seen.txt").read_text() == str(tmp_path / "data")
    assert [c["cell"] for c in result["01_y"]["cells"]] == [0, 1, 2]
    assert result["01_y"]["library"]  # the profiler ran
    assert "01_y" in (tmp_path / "stats.txt").read_text()


def test_time_exports_writes_html(rb, tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "02_z.ipynb", [("1 + 1", [])])
    times = rb.time_exports([nb], tmp_path / "html")
    assert set(times) == {"02_z"} and times["02_z"] > 0
    assert (tmp_path / "html" / "02_z.html").read_text(encoding="utf-8").lstrip().startswith("<!DOCTYPE html>")


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------
def test_results_files_and_acceptance(rb, tmp_path: Path) -> None:
    rows = {"ratings": 10, "pulse": 20, "observations": 5, "employees": 3}
    results = {
        "environment": rb.environment(["--sizes", "5000"]),
        "note": "",
        "cohorts": {
            "sample": {"n_leaders": 105, "n_pilot": 45, "n_comparison": 60, "rows": rows,
                       "generate_seconds": None, "path": "s"},
            "5,000 leaders": {"n_leaders": 5000, "n_pilot": 2143, "n_comparison": 2857,
                              "rows": rows, "generate_seconds": 12.0, "path": "c"},
        },
        "reports": {
            "sample": {"seconds": 50.0, "max_rss_mb": 400.0, "peak_tree_rss_mb": 700.0,
                       "notebooks": {"00_a": 20.0, "01_b": 25.0}, "overhead_seconds": 5.0},
            "5,000 leaders": {"seconds": 200.0, "max_rss_mb": 1500.0, "peak_tree_rss_mb": 2500.0,
                              "notebooks": {"00_a": 90.0, "01_b": 100.0}, "overhead_seconds": 10.0},
        },
        "comparisons": [{"name": "icc_crossed vs pingouin", "data": "d", "project_seconds": 0.1,
                         "reference_seconds": 1.5, "ratio": 15.0, "max_abs_diff": 0.0,
                         "equal": True}],
    }
    verdicts = {r["target"]: r["pass"] for r in rb.acceptance(results)}
    assert verdicts == {
        "sample report < 60 s": True,
        "5,000 leaders report < 180 s": False,
        "5,000 leaders peak memory < 4 GB (MB, process tree)": True,
        "icc_crossed vs pingouin: >= 10x and equal to 1e-9": True,
    }
    md, js = rb.write_results(results, tmp_path, "t")
    text = md.read_text(encoding="utf-8")
    assert "| 5,000 leaders report < 180 s | 200.00 | NO |" in text
    assert "| cohort | report wall s | peak MB (tree) | peak MB (largest process) | 00_a s | 01_b s |" in text
    assert json.loads(js.read_text(encoding="utf-8"))["reports"]["sample"]["seconds"] == 50.0


def test_kernel_start_runs_an_empty_notebook(rb, tmp_path: Path) -> None:
    seconds = rb.time_kernel_start(tmp_path, repeats=1)
    assert seconds > 0
    assert (tmp_path / "empty.out.ipynb").exists()
