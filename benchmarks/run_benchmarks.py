#!/usr/bin/env python
"""Benchmarks of the pilot-eval workbench (issue 8): can it evaluate a rollout?

What it measures, in one run (``make bench`` or ``python benchmarks/run_benchmarks.py``):

1. **Full report** - ``pilot-eval report`` run as a subprocess on the sample
   cohort (``data/sample``) and on synthetic cohorts of ``--sizes`` leaders
   (:func:`pilot_eval.data.synth.generate_cohort`): wall time, per-notebook seconds
   (from the report's ``manifest.json``) and peak memory, both the largest
   single process (``os.wait4`` ``ru_maxrss``) and the whole process tree
   (report process + notebook kernel, summed RSS polled with psutil).
2. **Where the time goes** - per notebook: kernel start (an empty notebook
   through papermill), imports (the notebook's import statements in a fresh
   interpreter), HTML export (``pilot_eval.report.build._export_html`` on the
   executed notebooks, in a fresh process, in report order) and compute
   (notebook time minus the other three).
3. **Side by side, same data, equal results** - :func:`pilot_eval.stats.icc.icc_crossed`
   against ``pingouin.intraclass_corr`` on a balanced crossed design, and
   :func:`pilot_eval.stats.kripp_alpha.krippendorff_alpha_ci` against a loop that calls
   the ``krippendorff`` package once per bootstrap replicate on the same
   resampled units.  Ratio = reference seconds / project seconds.
4. **Profile** - every notebook's code executed in-process on the largest
   cohort (cell by cell, last expression rendered as the kernel would) under
   cProfile: seconds per cell and the slowest ``pilot_eval`` functions.

Results go to ``benchmarks/results/latest.md`` and ``latest.json`` (and the
full profile to ``profile_<N>.txt``).  Work files (cohorts, reports) go under
``--work`` (default: a folder in the system temp dir) and are removed unless
``--keep``.

No statistic is timed against a threshold in the test suite: the smoke test
(``tests/test_benchmarks_smoke.py``) runs these functions on tiny sizes and
checks structure and equality only.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RESULTS = REPO / "benchmarks" / "results"
DEFAULT_SAMPLE = REPO / "data" / "sample"

#: Acceptance targets of issue 8.
TARGETS: dict[str, float] = {
    "largest_report_seconds": 180.0,   # 5,000 leaders, full report
    "largest_report_peak_mb": 4096.0,  # 5,000 leaders, peak memory (process tree)
    "sample_report_seconds": 60.0,     # data/sample
    "icc_ratio": 10.0,                 # pingouin time / project time
    "alpha_ratio": 10.0,               # per-replicate loop time / project time
}
#: Share of pilot leaders in generated cohorts (the sample has 45 of 105).
PILOT_SHARE = 3 / 7
#: Equality tolerance of the side-by-side comparisons.
EQUAL_TOL = 1e-9


# ---------------------------------------------------------------------------
# cohorts
# ---------------------------------------------------------------------------
def make_cohort(n_leaders: int, out_dir: str | Path, seed: int = 20260105,
                file_format: str = "csv") -> dict[str, Any]:
    """Write a synthetic cohort of ``n_leaders`` leaders and describe it.

    Parameters
    ----------
    n_leaders
        Total leaders; ``round(n_leaders * 3 / 7)`` of them in the pilot arm
        (the sample's 45 of 105), the rest comparison.
    out_dir
        Cohort folder (created; an earlier generator output is replaced).
    seed, file_format
        Passed to :func:`pilot_eval.data.synth.generate_cohort`.

    Returns
    -------
    dict
        ``path``, ``n_leaders``, ``n_pilot``, ``n_comparison``,
        ``generate_seconds`` and ``rows`` (rows per table).
    """
    from pilot_eval.data.synth import generate_cohort

    n_pilot = max(1, round(n_leaders * PILOT_SHARE))
    n_comparison = n_leaders - n_pilot
    start = time.perf_counter()
    generate_cohort(out_dir, n_pilot=n_pilot, n_comparison=n_comparison, seed=seed,
                    file_format=file_format)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    return {
        "path": str(Path(out_dir)),
        "n_leaders": n_leaders,
        "n_pilot": n_pilot,
        "n_comparison": n_comparison,
        "generate_seconds": round(seconds, 3),
        "rows": table_rows(out_dir),
    }


def table_rows(cohort_dir: str | Path) -> dict[str, int]:
    """Data rows per table of a cohort folder (CSV: lines minus header; Parquet: metadata)."""
    rows: dict[str, int] = {}
    for path in sorted(Path(cohort_dir).iterdir()):
        if path.suffix == ".csv":
            with open(path, "rb") as fh:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            size = path.stat().st_size
            if size:  # a last line without a trailing newline still counts
                with open(path, "rb") as fh:
                    fh.seek(size - 1)
                    if fh.read(1) != b"\n":
                        lines += 1
            rows[path.stem] = max(0, lines - 1)
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            rows[path.stem] = int(pq.ParquetFile(path).metadata.num_rows)
    return rows


def describe_cohort(cohort_dir: str | Path) -> dict[str, Any]:
    """Leaders per arm and rows per table of an existing cohort folder."""
    cohort_dir = Path(cohort_dir)
    leaders_file = next(p for p in cohort_dir.iterdir() if p.stem == "leaders")
    leaders = (pd.read_parquet(leaders_file) if leaders_file.suffix == ".parquet"
               else pd.read_csv(leaders_file, dtype=str))
    arms = leaders["arm"].value_counts()
    return {
        "path": str(cohort_dir),
        "n_leaders": int(len(leaders)),
        "n_pilot": int(arms.get("pilot", 0)),
        "n_comparison": int(arms.get("comparison", 0)),
        "generate_seconds": None,
        "rows": table_rows(cohort_dir),
    }


# ---------------------------------------------------------------------------
# subprocesses with peak memory
# ---------------------------------------------------------------------------
@dataclass
class Measured:
    """A finished subprocess: exit code, wall time and peak memory."""

    returncode: int
    seconds: float
    max_rss_mb: float        # largest single process of the tree (wait4 ru_maxrss)
    peak_tree_rss_mb: float  # largest sampled sum of RSS over the process tree (psutil)
    stdout: str
    stderr: str


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    try:
        members = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def run_measured(cmd: Sequence[str], cwd: str | Path | None = None,
                 env: dict[str, str] | None = None, poll_seconds: float = 0.1) -> Measured:
    """Run ``cmd`` and measure wall time and peak memory of its process tree.

    The largest single process comes from ``os.wait4`` (``ru_maxrss`` of the
    child and of the descendants it waited for, e.g. the notebook kernels);
    the summed tree RSS is sampled every ``poll_seconds`` with psutil (NaN if
    psutil is not installed), so it can miss a peak shorter than that.
    """
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        psutil = None  # type: ignore[assignment]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=err)
        peak = [0]
        done = threading.Event()

        def poll() -> None:
            if psutil is None:
                return
            try:
                handle = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(handle))
                done.wait(poll_seconds)

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=proc.returncode,
            seconds=round(seconds, 3),
            max_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
            peak_tree_rss_mb=round(peak[0] / 2**20, 1) if psutil is not None else float("nan"),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def run_report(data_dir: str | Path, out_dir: str | Path,
               notebooks_dir: str | Path | None = None) -> dict[str, Any]:
    """Time ``pilot-eval report DATA --out OUT`` in a subprocess.

    Returns
    -------
    dict
        ``seconds`` (wall), ``max_rss_mb``, ``peak_tree_rss_mb``,
        ``notebooks`` (name -> seconds, from manifest.json: execution plus
        HTML export) and ``overhead_seconds`` (wall minus the notebooks:
        interpreter start, validating the cohort in the report process,
        index page, hashing inputs for the manifest).
    """
    cmd = [sys.executable, "-m", "pilot_eval", "report", str(data_dir), "--out", str(out_dir)]
    if notebooks_dir is not None:
        cmd += ["--notebooks", str(notebooks_dir)]
    load_before = os.getloadavg()[0]
    m = run_measured(cmd, cwd=REPO)
    if m.returncode != 0:
        raise RuntimeError(f"pilot-eval report failed (exit {m.returncode}):\n{m.stderr[-4000:]}")
    manifest = json.loads((Path(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    notebooks = {nb["name"]: float(nb["seconds"]) for nb in manifest["notebooks"]}
    return {
        "seconds": m.seconds,
        "max_rss_mb": m.max_rss_mb,
        "peak_tree_rss_mb": m.peak_tree_rss_mb,
        "notebooks": notebooks,
        "overhead_seconds": round(m.seconds - sum(notebooks.values()), 3),
        # 1-minute load average before / after: above the CPU count, other work competed
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


_FAILED_NOTEBOOK = re.compile(r"(?:notebook |exporting )(\d\d_[^\s/]+?)\.ipynb")


def failed_notebook(stderr: str) -> str | None:
    """Name (``NN_name``) of the notebook a failed ``pilot-eval report`` names, if any."""
    match = _FAILED_NOTEBOOK.search(stderr)
    return match.group(1) if match else None


def snapshot_notebooks(src: str | Path, dest: str | Path,
                       exclude: Sequence[str] = ()) -> list[str]:
    """Copy the report's ``NN_name.ipynb`` notebooks (minus ``exclude`` stems) to ``dest``.

    Notebooks are being added while benchmarks run; every phase of one run
    uses the same snapshot.  Returns the copied stems, in report order.
    """
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    copied = []
    for nb in sorted(Path(src).glob("[0-9][0-9]_*.ipynb")):
        if nb.is_file() and nb.stem not in exclude:
            shutil.copy2(nb, dest / nb.name)
            copied.append(nb.stem)
    return copied


def run_report_dropping_broken(data_dir: str | Path, out_dir: str | Path, notebooks_dir: Path,
                               excluded: dict[str, str]) -> dict[str, Any]:
    """:func:`run_report`; a notebook that fails is removed from ``notebooks_dir`` and the run
    repeated.  ``excluded`` (stem -> error) records what was left out."""
    while True:
        try:
            return run_report(data_dir, out_dir, notebooks_dir)
        except RuntimeError as exc:
            name = failed_notebook(str(exc))
            path = notebooks_dir / f"{name}.ipynb" if name else None
            if path is None or not path.exists():
                raise
            excluded[name] = _error_summary(str(exc))
            _log(f"  {name} failed; benchmarking without it")
            path.unlink()


def _error_summary(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    keep = [ln for ln in lines if "failed" in ln or "Error" in ln]
    return " / ".join(keep[:3])[:500]


# ---------------------------------------------------------------------------
# where the time goes
# ---------------------------------------------------------------------------
def time_kernel_start(workdir: str | Path, repeats: int = 3) -> float:
    """Median seconds to run a one-cell (``pass``) notebook through papermill.

    Uses the report's own papermill arguments, so it is the per-notebook cost
    of starting, talking to and shutting down a kernel (papermill itself is
    imported before the clock starts, as in the report process).
    """
    import nbformat
    import papermill as pm

    from pilot_eval.report.build import KERNEL_QUIET

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / "empty.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("pass"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        pm.execute_notebook(str(src), str(workdir / "empty.out.ipynb"), kernel_name="python3",
                            progress_bar=False, log_output=False,
                            request_save_on_cell_execute=False, extra_arguments=KERNEL_QUIET,
                            cwd=str(workdir))
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def _code_cells(notebook: str | Path) -> list[dict[str, Any]]:
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return [c for c in nb.cells if c.get("cell_type") == "code"]


def notebook_imports(notebook: str | Path) -> list[str]:
    """The top-level ``import`` / ``from ... import`` statements of a notebook's code cells."""
    statements: list[str] = []
    for cell in _code_cells(notebook):
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: not plain Python
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statements.append(ast.unparse(node))
    return statements


def time_imports(statements: Sequence[str], repeats: int = 3) -> float:
    """Median seconds the ``statements`` take in a fresh interpreter."""
    body = "\n".join(statements) if statements else "pass"
    script = (
        "import time as _t\n_s = _t.perf_counter()\n" + body +
        "\nprint(repr(_t.perf_counter() - _s))\n"
    )
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True, cwd=REPO)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return round(statistics.median(times), 3)


_EXPORT_SCRIPT = """
import json, sys, time
from pathlib import Path
from pilot_eval.report.build import _export_html
out = Path(sys.argv[1])
times = {}
for name in sys.argv[2:]:
    nb = Path(name)
    start = time.perf_counter()
    _export_html(nb, out / (nb.stem + ".html"))
    times[nb.stem] = time.perf_counter() - start
print(json.dumps(times))
"""


def time_exports(executed: Sequence[str | Path], workdir: str | Path) -> dict[str, float]:
    """Seconds of ``pilot_eval.report.build._export_html`` per executed notebook.

    Runs in one fresh process, in the given (report) order, so the first
    export pays for importing nbconvert and loading the template, as in the
    report process.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([sys.executable, "-c", _EXPORT_SCRIPT, str(workdir),
                          *[str(p) for p in executed]],
                         capture_output=True, text=True, check=True, cwd=REPO)
    times = json.loads(out.stdout.strip().splitlines()[-1])
    return {k: round(v, 3) for k, v in times.items()}


def time_breakdown(notebook_seconds: dict[str, float], kernel_seconds: float,
                   import_seconds: dict[str, float], export_seconds: dict[str, float]) -> pd.DataFrame:
    """Per notebook: total, kernel start, imports, export and compute (the rest).

    Compute is floored at 0 (the parts are measured separately, so they can
    add up to slightly more than a very short notebook).
    """
    rows = []
    for name, total in notebook_seconds.items():
        imports = import_seconds.get(name, 0.0)
        export = export_seconds.get(name, 0.0)
        rows.append({
            "notebook": name,
            "total": total,
            "kernel_start": kernel_seconds,
            "imports": imports,
            "export": export,
            "compute": round(max(0.0, total - kernel_seconds - imports - export), 3),
        })
    return pd.DataFrame(rows, columns=["notebook", "total", "kernel_start", "imports", "export",
                                       "compute"])


# ---------------------------------------------------------------------------
# side by side: ICC
# ---------------------------------------------------------------------------
def crossed_ratings(n_targets: int, n_raters: int, seed: int = 0) -> pd.DataFrame:
    """Balanced crossed long data: every target rated once by every rater.

    ``rating = target effect + rater bias + noise`` (SDs 1, 0.5, 0.8), ids
    as zero-padded strings.
    """
    rng = np.random.default_rng(seed)
    target = rng.normal(0.0, 1.0, n_targets)
    bias = rng.normal(0.0, 0.5, n_raters)
    score = target[:, None] + bias[None, :] + rng.normal(0.0, 0.8, (n_targets, n_raters))
    return pd.DataFrame({
        "target": np.repeat([f"t{i:06d}" for i in range(n_targets)], n_raters),
        "rater": np.tile([f"r{j:03d}" for j in range(n_raters)], n_targets),
        "rating": score.reshape(-1),
    })


@contextlib.contextmanager
def _pingouin_full_precision() -> Iterator[None]:
    """No rounding in pingouin output (``round`` and the ``round.column.CI95`` default)."""
    import pingouin

    saved = dict(pingouin.options)
    for key in [k for k in pingouin.options if k.startswith("round.")]:
        del pingouin.options[key]
    pingouin.options["round"] = None
    try:
        yield
    finally:
        pingouin.options.clear()
        pingouin.options.update(saved)


def pingouin_icc(data: pd.DataFrame, targets: str, raters: str, ratings: str) -> pd.DataFrame:
    """``pingouin.intraclass_corr`` at full precision, without its pandas 3 warning.

    pingouin 0.7 calls ``DataFrame.dropna(inplace=True)``, which pandas 3
    deprecates (``Pandas4Warning``); the warning is silenced here only.
    """
    import pingouin

    category: type[Warning] = getattr(pd.errors, "Pandas4Warning", FutureWarning)
    with _pingouin_full_precision(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=category)
        return pingouin.intraclass_corr(data=data, targets=targets, raters=raters, ratings=ratings)


#: pingouin's ``Type`` labels -> the project's method names (Shrout & Fleiss).
PINGOUIN_ICC_TYPES: dict[str, str] = {
    "ICC(1,1)": "ICC1", "ICC(A,1)": "ICC2", "ICC(C,1)": "ICC3",
    "ICC(1,k)": "ICC1k", "ICC(A,k)": "ICC2k", "ICC(C,k)": "ICC3k",
    # pingouin < 0.7 labels
    "ICC1": "ICC1", "ICC2": "ICC2", "ICC3": "ICC3",
    "ICC1k": "ICC1k", "ICC2k": "ICC2k", "ICC3k": "ICC3k",
}


def compare_icc(ours: pd.DataFrame, ref: pd.DataFrame) -> dict[str, float]:
    """Max abs difference per quantity between ``icc_crossed`` and pingouin output."""
    ref = ref.assign(method=ref["Type"].map(PINGOUIN_ICC_TYPES)).set_index("method")
    ours = ours.set_index("method")
    if set(ours.index) != set(ref.index):
        raise ValueError(f"ICC forms differ: {sorted(ours.index)} vs {sorted(ref.index)}")
    ref = ref.loc[ours.index]
    ci = np.vstack([np.asarray(x, dtype=np.float64) for x in ref["CI95"]])
    pairs = {
        "estimate": (ours["estimate"], ref["ICC"]),
        "f": (ours["f"], ref["F"]),
        "df1": (ours["df1"], ref["df1"]),
        "df2": (ours["df2"], ref["df2"]),
        "p_value": (ours["p_value"], ref["pval"]),
        "ci_low": (ours["ci_low"], ci[:, 0]),
        "ci_high": (ours["ci_high"], ci[:, 1]),
    }
    return {k: float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))
            for k, (a, b) in pairs.items()}


def _best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench_icc(n_targets: int = 2000, n_raters: int = 6, seed: int = 0,
              repeats: int = 3) -> dict[str, Any]:
    """Time ``icc_crossed`` and ``pingouin.intraclass_corr`` on the same crossed data.

    Returns
    -------
    dict
        ``name``, ``data``, ``project_seconds``, ``reference_seconds`` (best
        of ``repeats`` each), ``ratio`` (reference / project), ``max_abs_diff``
        over all six forms' estimate, F, df, p-value and CI bounds, ``diffs``
        (per quantity) and ``equal`` (max_abs_diff <= 1e-9).
    """
    from pilot_eval.stats.icc import icc_crossed

    data = crossed_ratings(n_targets, n_raters, seed)
    t_ours, ours = _best_of(lambda: icc_crossed(data, "target", "rater", "rating"), repeats)
    t_ref, ref = _best_of(lambda: pingouin_icc(data, "target", "rater", "rating"), repeats)
    diffs = compare_icc(ours, ref)
    worst = max(diffs.values())
    return {
        "name": "icc_crossed vs pingouin.intraclass_corr",
        "data": f"{n_targets} targets x {n_raters} raters, balanced crossed",
        "reference": "pingouin.intraclass_corr (round=None, CI95 unrounded)",
        "project_seconds": round(t_ours, 6),
        "reference_seconds": round(t_ref, 6),
        "ratio": round(t_ref / t_ours, 1),
        "max_abs_diff": worst,
        "diffs": diffs,
        "equal": bool(worst <= EQUAL_TOL),
    }


# ---------------------------------------------------------------------------
# side by side: bootstrap CI of Krippendorff's alpha
# ---------------------------------------------------------------------------
def reliability_matrix(n_units: int, n_coders: int, seed: int = 0,
                       missing: float = 0.2) -> np.ndarray:
    """Coders x units matrix of 1..5 codes with ``missing`` share of NaN.

    Unit 0 is coded by nobody and unit 1 by one coder (not pairable), as in
    tests/test_kripp_alpha.py.
    """
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=n_units)
    noise = rng.integers(-1, 2, size=(n_coders, n_units)) * (rng.random((n_coders, n_units)) < 0.4)
    matrix = np.clip(truth + noise, 1, 5).astype(np.float64)
    matrix[rng.random(matrix.shape) < missing] = np.nan
    matrix[:, 0] = np.nan
    matrix[1:, 1] = np.nan
    return matrix


def matrix_to_long(matrix: np.ndarray) -> pd.DataFrame:
    """Coders x units matrix -> long (unit, coder, value); unit ids sort in column order."""
    m, n = matrix.shape
    return pd.DataFrame({
        "unit": np.tile([f"u{j:07d}" for j in range(n)], m),
        "coder": np.repeat([f"c{i:03d}" for i in range(m)], n),
        "value": matrix.reshape(-1),
    })


def loop_bootstrap_alpha(matrix: np.ndarray, level: str, n_boot: int, seed: int,
                         confidence: float = 0.95) -> dict[str, float]:
    """Reference: one ``krippendorff.alpha`` call per bootstrap replicate.

    Same draws as :func:`pilot_eval.stats.kripp_alpha.krippendorff_alpha_ci`
    (copied from the reference loop in tests/test_kripp_alpha.py): the
    pairable units in sorted-id order (here the column order); replicate
    ``b`` holds the units ``default_rng(seed).integers(0, n, size=(n_boot,
    n))[b]``; percentile interval with ``numpy.quantile`` over the defined
    replicates.
    """
    import krippendorff

    pairable = np.sum(~np.isnan(matrix), axis=0) >= 2
    sub = matrix[:, pairable]
    n = sub.shape[1]
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    domain = np.unique(sub[~np.isnan(sub)])
    reps = np.empty(n_boot)
    for b in range(n_boot):
        resampled = sub[:, draws[b]]
        reps[b] = krippendorff.alpha(reliability_data=resampled, level_of_measurement=level,
                                     value_domain=domain)
    valid = reps[np.isfinite(reps)]
    tail = (1 - confidence) / 2
    low, high = np.quantile(valid, [tail, 1 - tail])
    estimate = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    return {"estimate": float(estimate), "ci_low": float(low), "ci_high": float(high),
            "n_valid": int(valid.size)}


def bench_alpha(n_units: int = 2000, n_coders: int = 3, n_boot: int = 1000,
                level: str = "ordinal", seed: int = 0, repeats: int = 3) -> dict[str, Any]:
    """Time ``krippendorff_alpha_ci`` against the per-replicate ``krippendorff`` loop.

    Returns
    -------
    dict
        As :func:`bench_icc`; the compared quantities are the estimate and
        both interval bounds (``n_valid`` must match exactly).  The project
        time is the best of ``repeats``; the (slow) loop runs once.
    """
    from pilot_eval.stats.kripp_alpha import krippendorff_alpha_ci

    matrix = reliability_matrix(n_units, n_coders, seed)
    data = matrix_to_long(matrix)
    boot_seed = seed + 1
    t_ours, ours = _best_of(
        lambda: krippendorff_alpha_ci(data, "unit", "coder", "value", level=level,  # type: ignore[arg-type]
                                      n_boot=n_boot, seed=boot_seed), repeats)
    t_ref, ref = _best_of(lambda: loop_bootstrap_alpha(matrix, level, n_boot, boot_seed), 1)
    row = ours.iloc[0]
    diffs = {k: float(abs(float(row[k]) - ref[k])) for k in ("estimate", "ci_low", "ci_high")}
    worst = max(diffs.values())
    return {
        "name": f"krippendorff_alpha_ci vs krippendorff loop ({level})",
        "data": f"{n_units} units x {n_coders} coders (20 % missing), {n_boot} replicates",
        "reference": "krippendorff.alpha once per replicate, same resampled units",
        "project_seconds": round(t_ours, 6),
        "reference_seconds": round(t_ref, 6),
        "ratio": round(t_ref / t_ours, 1),
        "max_abs_diff": worst,
        "diffs": diffs,
        "equal": bool(worst <= EQUAL_TOL and int(row["n_valid"]) == ref["n_valid"]),
    }


def _comparison(name: str, data: str, reference: str, t_ours: float, t_ref: float,
                diffs: dict[str, float]) -> dict[str, Any]:
    """One side-by-side row (the shape :func:`bench_icc` documents) from its timings and differences."""
    worst = max(diffs.values())
    return {"name": name, "data": data, "reference": reference,
            "project_seconds": round(t_ours, 6), "reference_seconds": round(t_ref, 6),
            "ratio": round(t_ref / t_ours, 3), "max_abs_diff": worst, "diffs": diffs,
            "equal": bool(worst <= EQUAL_TOL)}


def rating_rows(n_leaders: int, n_raters: int = 10, n_items: int = 8,
                seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """A complete 360 ratings table (3 waves; rater 0 of each leader is ``self``; 5 % missing
    scores) and its scores as a (leader, wave, rater, item) array, for :func:`bench_empathy_360`."""
    rng = np.random.default_rng(seed)
    leader = np.repeat(np.arange(n_leaders), n_raters * n_items * 3)
    wave = np.tile(np.repeat(np.arange(3), n_raters * n_items), n_leaders)
    rater = np.tile(np.repeat(np.arange(n_raters), n_items), n_leaders * 3)
    item = np.tile(np.arange(n_items), n_leaders * n_raters * 3)
    score = rng.integers(1, 6, leader.size).astype("float64")
    score[rng.random(leader.size) < 0.05] = np.nan
    kinds = np.array(["self", "manager"] + ["peer"] * 3 + ["direct_report"] * (n_raters - 5))[:n_raters]
    waves = np.array(["baseline", "midpoint", "endline"])
    ratings = pd.DataFrame({
        "leader_id": pd.Series(np.char.add("L", leader.astype(str)), dtype="str"),
        "rater_id": pd.Series(np.char.add(np.char.add("R", leader.astype(str)), rater.astype(str)), dtype="str"),
        "rater_type": pd.Series(kinds[rater], dtype="str"),
        "wave": pd.Series(waves[wave], dtype="str"),
        "item": pd.Series(np.char.add("E", item.astype(str)), dtype="str"),
        "score": pd.array(np.where(np.isnan(score), None, score), dtype="Int64"),
    })
    return ratings, score.reshape(n_leaders, 3, n_raters, n_items)


def bench_empathy_360(n_leaders: int = 5000, repeats: int = 3) -> dict[str, Any]:
    """Time ``measures.scores.empathy_360`` (1.2 million rating rows at 5,000 leaders) against
    an independent NumPy computation of the same score on the reshaped array (item mean per
    rater, then the mean over the other raters).  The reference only works on a complete
    rectangular design; the project's path takes any long table."""
    import warnings

    from pilot_eval.measures.scores import empathy_360

    ratings, cube = rating_rows(n_leaders)

    def reference() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing rater: nan, as the measure
            return np.nanmean(np.nanmean(cube, axis=3)[:, :, 1:], axis=2)

    t_ours, ours = _best_of(lambda: empathy_360(ratings), repeats)
    t_ref, ref = _best_of(reference, repeats)
    got = (ours.assign(li=ours["leader_id"].str[1:].astype(int),
                       wi=ours["wave"].map({"baseline": 0, "midpoint": 1, "endline": 2}))
           .pivot(index="li", columns="wi", values="empathy_360").sort_index().to_numpy(float))
    return _comparison(
        "empathy_360 vs NumPy on the reshaped ratings",
        f"{n_leaders} leaders x 10 raters x 8 items x 3 waves ({len(ratings):,} rows, 5 % missing)",
        "nanmean over items, then over the non-self raters, of the (leader, wave, rater, item) array",
        t_ours, t_ref, {"empathy_360": float(np.nanmax(np.abs(got - ref)))})


def bench_icc_oneway(n_leaders: int = 5000, seed: int = 5, repeats: int = 3) -> dict[str, Any]:
    """Time ``stats.icc.icc_oneway_unbalanced`` on about a million rating rows (150-260 raters
    per leader) against the one-way ANOVA estimator written out in NumPy (Shrout & Fleiss
    1979 with the unbalanced n0 of Searle 1971): ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW)."""
    from pilot_eval.stats.icc import icc_oneway_unbalanced

    rng = np.random.default_rng(seed)
    sizes = rng.integers(150, 260, size=n_leaders)
    codes = np.repeat(np.arange(n_leaders), sizes)
    score = rng.normal(scale=0.5, size=n_leaders)[codes] + rng.normal(size=codes.size)
    data = pd.DataFrame({"leader": "L" + pd.Series(codes).astype("str"), "score": score})

    def reference() -> float:
        n, k = codes.size, n_leaders
        means = np.bincount(codes, score) / sizes
        grand = score.mean()
        msb = float(np.sum(sizes * (means - grand) ** 2)) / (k - 1)
        msw = float(np.sum((score - means[codes]) ** 2)) / (n - k)
        n0 = (n - float(np.sum(sizes.astype(float) ** 2)) / n) / (k - 1)
        return (msb - msw) / (msb + (n0 - 1) * msw)

    t_ours, ours = _best_of(lambda: icc_oneway_unbalanced(data, "leader", "score"), repeats)
    t_ref, ref = _best_of(reference, repeats)
    est = float(ours.set_index("method").loc["ICC1", "estimate"])
    return _comparison(
        "icc_oneway_unbalanced vs NumPy one-way ANOVA",
        f"{n_leaders} leaders, {codes.size:,} ratings (150-259 per leader)",
        "ICC(1) from the one-way ANOVA mean squares with the unbalanced n0",
        t_ours, t_ref, {"ICC1": abs(est - ref)})


# ---------------------------------------------------------------------------
# profile: the notebooks' code in-process
# ---------------------------------------------------------------------------
def _tags(cell: dict[str, Any]) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def _render(value: Any) -> None:
    """Format a cell's value as the kernel does (e.g. Altair -> SVG, DataFrame -> HTML)."""
    if value is None:
        return
    from IPython.core.formatters import DisplayFormatter

    DisplayFormatter().format(value)


def profile_notebook(notebook: str | Path, data_dir: str | Path, out_dir: str | Path,
                     profiler: cProfile.Profile | None = None) -> pd.DataFrame:
    """Execute a notebook's code cells in this process and time each cell.

    The ``parameters`` cell runs first, then ``data_dir`` / ``out_dir`` are
    overridden (as papermill would inject them); each cell's last expression
    is rendered with IPython's display formatter, so chart rendering counts.
    Cells that are not plain Python (magics) are skipped.  ``profiler``, if
    given, is enabled around the cells.

    Returns
    -------
    DataFrame
        ``cell`` (index among code cells), ``first_line``, ``seconds``.
    """
    notebook = Path(notebook)
    # IPython's display() as the notebooks use it: render each object as the kernel would
    ns: dict[str, Any] = {"__name__": "__main__",
                          "display": lambda *objs, **_: [_render(o) for o in objs] and None}
    rows = []
    cwd = os.getcwd()
    os.chdir(notebook.parent)
    try:
        for i, cell in enumerate(_code_cells(notebook)):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            last = None
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = ast.Expression(tree.body.pop().value)
            body = compile(tree, f"<{notebook.stem} cell {i}>", "exec")
            tail = compile(last, f"<{notebook.stem} cell {i}>", "eval") if last is not None else None
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                if profiler is not None:
                    profiler.enable()
                try:
                    exec(body, ns)
                    if "parameters" in _tags(cell):
                        ns["data_dir"], ns["out_dir"] = str(data_dir), str(out_dir)
                    _render(eval(tail, ns) if tail is not None else None)
                finally:
                    if profiler is not None:
                        profiler.disable()
            first = next((ln.strip() for ln in cell.source.splitlines()
                          if ln.strip() and not ln.strip().startswith("#")), "")
            rows.append({"cell": i, "first_line": first[:90],
                         "seconds": round(time.perf_counter() - start, 3)})
    finally:
        os.chdir(cwd)
    return pd.DataFrame(rows, columns=["cell", "first_line", "seconds"])


def top_functions(profiler: cProfile.Profile, limit: int = 15,
                  only: str | None = "pilot_eval") -> pd.DataFrame:
    """The functions with the largest cumulative time in ``profiler``.

    ``only`` keeps functions whose file path contains that string (default:
    the project's own code); ``None`` keeps everything and sorts by own time.
    """
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        if only is not None and only not in filename:
            continue
        short = filename.split("site-packages/")[-1] if "site-packages/" in filename else filename
        short = short.split("src/")[-1] if only and "src/" in short else short
        rows.append({"function": f"{short}:{line}({func})", "calls": int(nc),
                     "own_seconds": round(tt, 3), "cumulative_seconds": round(ct, 3)})
    key = "cumulative_seconds" if only is not None else "own_seconds"
    frame = pd.DataFrame(rows, columns=["function", "calls", "own_seconds", "cumulative_seconds"])
    return frame.sort_values(key, ascending=False).head(limit).reset_index(drop=True)


def profile_notebooks(notebooks: Sequence[str | Path], data_dir: str | Path,
                      out_dir: str | Path, stats_file: str | Path | None = None,
                      limit: int = 15) -> dict[str, Any]:
    """Profile every notebook in-process on one cohort.

    Returns
    -------
    dict
        Per notebook name: ``seconds``, ``cells`` (records of
        :func:`profile_notebook`), ``functions`` (top ``pilot_eval``
        functions by cumulative time) and ``library`` (top functions
        anywhere by own time).  If ``stats_file`` is given, the full pstats
        listings are written there.
    """
    result: dict[str, Any] = {}
    listing = io.StringIO()
    for nb in notebooks:
        nb = Path(nb)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        error = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                cells = profile_notebook(nb, data_dir, out_dir, profiler)
            except Exception as exc:  # a notebook in progress may be broken
                cells = pd.DataFrame(columns=["cell", "first_line", "seconds"])
                error = f"{type(exc).__name__}: {exc}"[:500]
        seconds = time.perf_counter() - start
        result[nb.stem] = {
            "seconds": round(seconds, 3),
            "error": error,
            "cells": cells.to_dict("records"),
            "functions": top_functions(profiler, limit).to_dict("records"),
            "library": top_functions(profiler, limit, only=None).to_dict("records"),
        }
        listing.write(f"\n{'=' * 100}\n{nb.stem}: {seconds:.1f} s in-process\n{'=' * 100}\n")
        listing.write(cells.to_string(index=False) + "\n\n")
        pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler, stream=listing).sort_stats("tottime").print_stats(30)
        listing.write("\nWho calls the functions with the most own time:\n")
        pstats.Stats(profiler, stream=listing).sort_stats("tottime").print_callers(12)
    if stats_file is not None:
        Path(stats_file).write_text(_portable(listing.getvalue()), encoding="utf-8")
    return result


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------
def _md_table(frame: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float):
            return f"{v:,.3g}" if abs(v) < 1e-3 and v != 0 else f"{v:,.2f}"
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}"
        return str(v).replace("|", "\\|")

    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for rec in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in rec) + " |")
    return "\n".join(lines)


def acceptance(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each acceptance target of issue 8 with the measured value and pass / fail."""
    rows: list[dict[str, Any]] = []
    reports = results.get("reports", {})
    if "sample" in reports:
        v = reports["sample"]["seconds"]
        rows.append({"target": "sample report < 60 s", "measured": v,
                     "pass": v < TARGETS["sample_report_seconds"]})
    sized = [k for k in reports if k != "sample"]
    if sized:
        big = max(sized, key=lambda k: results["cohorts"][k]["n_leaders"])
        rep = reports[big]
        n = results["cohorts"][big]["n_leaders"]
        rows.append({"target": f"{n:,} leaders report < 180 s", "measured": rep["seconds"],
                     "pass": rep["seconds"] < TARGETS["largest_report_seconds"]})
        rows.append({"target": f"{n:,} leaders peak memory < 4 GB (MB, process tree)",
                     "measured": rep["peak_tree_rss_mb"],
                     "pass": rep["peak_tree_rss_mb"] < TARGETS["largest_report_peak_mb"]})
    for item in results.get("comparisons", []):
        if not (item["name"].startswith("icc_crossed") or item["name"].startswith("krippendorff")):
            # the scale runs (empathy_360, one-way ICC) are timed against NumPy, not a package:
            # no speed target, only equality
            rows.append({"target": f"{item['name']}: equal to 1e-9", "measured": item["max_abs_diff"],
                         "pass": item["equal"]})
            continue
        key = "icc_ratio" if item["name"].startswith("icc") else "alpha_ratio"
        rows.append({"target": f"{item['name']}: >= 10x and equal to 1e-9",
                     "measured": item["ratio"],
                     "pass": item["ratio"] >= TARGETS[key] and item["equal"]})
    return rows


def render_markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown report (tables)."""
    env = results["environment"]
    out = [f"# pilot-eval benchmarks ({env['date']})", "",
           f"Machine: {env['cpus']} CPUs, {env['memory_gb']} GB RAM, {env['platform']}; "
           f"Python {env['python']}; load average at start "
           f"{'/'.join(str(x) for x in env.get('load_average_at_start', []))}; " +
           ", ".join(f"{k} {v}" for k, v in env["packages"].items()) + ".",
           f"Command: `{env['command']}`", ""]
    if results.get("notebooks"):
        out += ["Notebooks: " + ", ".join(results["notebooks"]) + "."]
    for name, why in (results.get("excluded_notebooks") or {}).items():
        out += [f"Left out: {name} ({why})."]
    out += [""]
    if results.get("note"):
        out += [results["note"], ""]
    acc = acceptance(results)
    if acc:
        frame = pd.DataFrame(acc)
        frame["pass"] = frame["pass"].map({True: "yes", False: "NO"})
        out += ["## Acceptance targets", "", _md_table(frame), ""]
    if results.get("cohorts"):
        rows = []
        for label, c in results["cohorts"].items():
            rows.append({"cohort": label, "leaders": c["n_leaders"], "pilot": c["n_pilot"],
                         "comparison": c["n_comparison"],
                         "ratings rows": c["rows"].get("ratings"),
                         "pulse rows": c["rows"].get("pulse"),
                         "observations rows": c["rows"].get("observations"),
                         "employees rows": c["rows"].get("employees"),
                         "generate s": c["generate_seconds"]})
        out += ["## Cohorts", "", _md_table(pd.DataFrame(rows)), ""]
    if results.get("reports"):
        rows = []
        for label, r in results["reports"].items():
            row: dict[str, Any] = {"cohort": label, "report wall s": r["seconds"],
                                   "peak MB (tree)": r["peak_tree_rss_mb"],
                                   "peak MB (largest process)": r["max_rss_mb"]}
            row.update({f"{k} s": v for k, v in r["notebooks"].items()})
            row["outside notebooks s"] = r["overhead_seconds"]
            if "load_average" in r:
                row["load avg before/after"] = "/".join(f"{x:.1f}" for x in r["load_average"])
            rows.append(row)
        out += ["## Full report (`pilot-eval report`, subprocess)", "",
                "Notebook seconds are from the report's manifest.json (execution + HTML export). "
                "'Outside notebooks' = interpreter start, validating and loading the cohort in the "
                "report process, index page, hashing inputs.", "",
                _md_table(pd.DataFrame(rows)), ""]
    if results.get("breakdown"):
        parts = results["breakdown"]
        out += ["## Where the time goes (seconds per notebook)", "",
                f"Kernel start (empty notebook through papermill, median): "
                f"{parts['kernel_start_seconds']} s per notebook.", ""]
        for label, rows in parts["by_cohort"].items():
            out += [f"### {label}", "", _md_table(pd.DataFrame(rows)), ""]
    if results.get("comparisons"):
        rows = [{"comparison": c["name"], "data": c["data"], "project s": c["project_seconds"],
                 "reference s": c["reference_seconds"], "ratio": c["ratio"],
                 "max abs diff": c["max_abs_diff"], "equal (1e-9)": "yes" if c["equal"] else "NO"}
                for c in results["comparisons"]]
        out += ["## Side by side (same data, same run)", "", _md_table(pd.DataFrame(rows)), ""]
    if results.get("profile"):
        prof = results["profile"]
        out += [f"## Profile ({prof['cohort']}, notebooks' code in-process under cProfile)", ""]
        for name, p in prof["notebooks"].items():
            if p.get("error"):
                out += [f"### {name}: failed in-process: {p['error']}", ""]
                continue
            cells = pd.DataFrame(p["cells"]).sort_values("seconds", ascending=False).head(6)
            funcs = pd.DataFrame(p["functions"]).head(10)
            out += [f"### {name}: {p['seconds']} s", "", "Slowest cells:", "", _md_table(cells), "",
                    "Slowest pilot_eval functions (cumulative):", "", _md_table(funcs), ""]
    return "\n".join(out) + "\n"


def write_results(results: dict[str, Any], results_dir: str | Path,
                  stem: str = "latest") -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.md`` into ``results_dir``."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    js = results_dir / f"{stem}.json"
    md = results_dir / f"{stem}.md"
    js.write_text(_portable(json.dumps(results, indent=2, default=str)) + "\n", encoding="utf-8")
    md.write_text(_portable(render_markdown(results)), encoding="utf-8")
    return md, js


def _portable(text: str) -> str:
    """Results are committed: replace this machine's paths (repo, venv, temp work) by neutral ones."""
    import re
    import sys as _sys

    text = text.replace(str(REPO), ".")
    text = text.replace(_sys.prefix, "<venv>").replace(_sys.base_prefix, "<python>")
    return re.sub(r"/tmp/[^\s\"',)]*", "<tmp>", text)


def environment(argv: Sequence[str]) -> dict[str, Any]:
    from importlib import metadata

    packages = {}
    for name in ("pilot-eval", "pandas", "numpy", "scipy", "statsmodels", "pingouin",
                 "krippendorff", "papermill", "nbconvert", "altair"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        mem_gb = None
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": packages,
        "command": "python benchmarks/run_benchmarks.py " + " ".join(argv),
    }


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sizes", default="100,1000,5000",
                   help="comma-separated numbers of leaders of the synthetic cohorts ('' = none)")
    p.add_argument("--sample", default=str(DEFAULT_SAMPLE),
                   help="cohort folder benchmarked as 'sample' ('' = skip)")
    p.add_argument("--notebooks", default=None,
                   help="notebooks folder (default: the repo's); a snapshot of it is used for the "
                   "whole run and passed to pilot-eval report --notebooks")
    p.add_argument("--work", default=None, help="work folder for cohorts and reports (None: a new temporary folder, removed "
                   "at the end)")
    p.add_argument("--results", default=str(DEFAULT_RESULTS), help="where latest.md/.json go")
    p.add_argument("--stem", default="latest", help="file name stem of the results")
    p.add_argument("--seed", type=int, default=20260105, help="seed of the synthetic cohorts")
    p.add_argument("--repeats", type=int, default=3, help="repeats of the short timings (best / median)")
    p.add_argument("--skip-reports", action="store_true", help="no full reports, no breakdown")
    p.add_argument("--skip-compare", action="store_true", help="no side-by-side comparisons")
    p.add_argument("--profile", type=int, default=-1,
                   help="profile the notebooks on the cohort of this size (-1 = largest size, 0 = no)")
    p.add_argument("--icc", default="2000x6", help="ICC data: TARGETSxRATERS")
    p.add_argument("--alpha", default="2000x3x1000",
                   help="alpha bootstrap data: UNITSxCODERSxREPLICATES")
    p.add_argument("--alpha-levels", default="nominal,ordinal", help="levels of measurement")
    p.add_argument("--exclude", default="",
                   help="comma-separated notebook stems (NN_name) left out of every phase")
    p.add_argument("--keep", action="store_true", help="keep the work folder and the reports")
    p.add_argument("--note", default="", help="free text added to the results (e.g. which notebooks)")
    return p.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="pilot-eval-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src_nb = Path(args.notebooks).resolve() if args.notebooks else REPO / "notebooks"
    excluded: dict[str, str] = {k: "excluded with --exclude" for k in args.exclude.split(",") if k}
    nb_dir = work / "notebooks"
    results: dict[str, Any] = {"environment": environment(argv), "note": args.note,
                               "targets": TARGETS, "notebooks_source": str(src_nb),
                               "notebooks": snapshot_notebooks(src_nb, nb_dir, list(excluded)),
                               "excluded_notebooks": excluded, "cohorts": {}, "reports": {}}
    results_dir = Path(args.results)

    def save() -> None:
        results["notebooks"] = sorted(p.stem for p in nb_dir.glob("[0-9][0-9]_*.ipynb"))
        write_results(results, results_dir, args.stem)

    try:
        # cohorts
        if args.sample:
            results["cohorts"]["sample"] = describe_cohort(args.sample)
        for n in sizes:
            _log(f"generating a cohort of {n:,} leaders")
            results["cohorts"][f"{n:,} leaders"] = make_cohort(n, work / f"cohort_{n}", seed=args.seed)
        save()

        # full reports + breakdown
        if not args.skip_reports:
            _log("timing kernel start and imports")
            kernel = time_kernel_start(work / "kernel", repeats=args.repeats)
            imports = {nb.stem: time_imports(notebook_imports(nb), args.repeats)
                       for nb in sorted(nb_dir.glob("[0-9][0-9]_*.ipynb"))}
            results["breakdown"] = {"kernel_start_seconds": kernel, "import_seconds": imports,
                                    "by_cohort": {}}
            for label, cohort in results["cohorts"].items():
                _log(f"full report: {label}")
                out = work / f"report_{label.split()[0].replace(',', '')}"
                rep = run_report_dropping_broken(cohort["path"], out, nb_dir, excluded)
                results["reports"][label] = rep
                _log(f"  {rep['seconds']:.1f} s, peak {rep['peak_tree_rss_mb']:.0f} MB")
                exports = time_exports([out / "notebooks" / f"{name}.ipynb" for name in rep["notebooks"]],
                                       work / "export")
                results["breakdown"]["by_cohort"][label] = time_breakdown(
                    rep["notebooks"], kernel, imports, exports).to_dict("records")
                if not args.keep:
                    shutil.rmtree(out, ignore_errors=True)
                save()

        # side by side
        if not args.skip_compare:
            n_t, n_r = (int(x) for x in args.icc.lower().split("x"))
            n_u, n_c, n_b = (int(x) for x in args.alpha.lower().split("x"))
            _log("ICC vs pingouin")
            comps = [bench_icc(n_t, n_r, seed=0, repeats=args.repeats)]
            for level in [lv for lv in args.alpha_levels.split(",") if lv]:
                _log(f"alpha bootstrap vs krippendorff loop ({level})")
                comps.append(bench_alpha(n_u, n_c, n_b, level=level, seed=0, repeats=args.repeats))
            _log("empathy_360 and the one-way ICC at about a million rows vs NumPy")
            comps.append(bench_empathy_360(repeats=args.repeats))
            comps.append(bench_icc_oneway(repeats=args.repeats))
            results["comparisons"] = comps
            save()

        # profile
        prof_n = (max(sizes) if sizes else 0) if args.profile < 0 else args.profile
        if prof_n:
            label = f"{prof_n:,} leaders"
            cohort = results["cohorts"].get(label)
            path = Path(cohort["path"]) if cohort else work / f"cohort_{prof_n}"
            if cohort is None:
                results["cohorts"][label] = make_cohort(prof_n, path, seed=args.seed)
            _log(f"profiling the notebooks in-process on {label}")
            stats_file = results_dir / f"profile_{prof_n}.txt"
            results_dir.mkdir(parents=True, exist_ok=True)
            results["profile"] = {
                "cohort": label,
                "stats_file": str(stats_file.relative_to(REPO)) if stats_file.is_relative_to(REPO)
                else str(stats_file),
                "notebooks": profile_notebooks(sorted(nb_dir.glob("[0-9][0-9]_*.ipynb")), path,
                                               work / "profile_out", stats_file=stats_file),
            }
            save()
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    md, _ = write_results(results, results_dir, args.stem)
    sys.stdout.write(md.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
