"""Write the report's machine-readable ``results/*.csv`` files.

Every headline number lands in one of the contract's result files.  Writing
goes through :func:`write_result` so that the files are

* **complete**: the contract's columns are present, in the contract's order first;
* **deterministic**: fixed float formatting and line endings, so the same
  inputs and parameters give byte-identical files;
* **safe**: text cells that a spreadsheet would run as a formula are neutralised;
* **private across reports**: group aggregates (means by arm, by month...) are
  rounded to a step no finer than one leader's largest contribution
  (:func:`pilot_eval.privacy.coarsen_published`), so two reports of cohorts that
  differ by one leader cannot be subtracted to recover that leader's value.
  This makes those columns coarser than the computation (e.g. a pilot mean of
  45 leaders on a 1-5 scale to 0.1, of 6 leaders to 1); researcher-only
  notebook cells keep full precision.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pilot_eval.errors import MissingResultError
from pilot_eval.privacy import coarsen_published, neutralise_csv_frame

#: The hand-off between steps: every result file, and the step (notebook) that writes it.
#: Steps read earlier steps' results only through :func:`read_result`, which names the step to run.
RESULT_FILES: dict[str, str] = {
    "completeness": "00_data_quality",
    "baseline_balance": "01_baseline",
    "table_one": "01_baseline",
    "reliability": "02_reliability",
    "min_raters": "02_reliability",
    "effects": "03_controls",
    "effects_heterogeneity": "03_controls",
    "effects_refutation": "03_controls",
    "leading_lagging": "04_leading_lagging",
    "power": "04_leading_lagging",
    "promotion_equity": "04_leading_lagging",
    "indicator_timecourse": "04_leading_lagging",
    "scorecard": "05_scorecard",
    "scorecard_trends": "05_scorecard",
    "early_warnings": "05_scorecard",
    "roi": "05_scorecard",
}

#: Output contract (data-contract.md, "Report folder"): columns each file has at least.
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "completeness": ("table", "measure", "expected", "observed", "completeness"),
    "baseline_balance": ("variable", "pilot_mean", "comparison_mean", "smd", "wwc_rating"),
    "reliability": ("measure", "method", "estimate", "ci_low", "ci_high", "n_targets", "mean_raters", "verdict"),
    "min_raters": ("measure", "target_reliability", "single_rater_reliability", "min_raters"),
    "effects": ("outcome", "model", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n"),
    "leading_lagging": ("leading", "lagging", "method", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "verdict"),
    "scorecard": ("panel", "indicator", "kind", "cadence", "period", "value", "target", "status", "ci_low", "ci_high", "confidence"),
}

#: Significant digits kept for floats: far beyond any reported precision, and
#: short enough that the last-bit noise of a different BLAS does not show.
FLOAT_FORMAT = "%.10g"


def write_result(df: pd.DataFrame, out_dir: str | Path, name: str) -> Path:
    """Write ``df`` to ``<out_dir>/results/<name>.csv``.

    Parameters
    ----------
    df
        The result table.  If ``name`` is a contract file, it must have the
        contract's columns; they are written first, in the contract's order,
        followed by any extra columns.
    out_dir
        The report folder (the notebook's ``out_dir`` parameter).
    name
        File stem, e.g. ``"completeness"``.

    Returns
    -------
    Path of the written file.
    """
    if name not in RESULT_FILES:
        raise ValueError(f"results/{name}.csv is not a registered result file; register it in "
                         "pilot_eval.steps.results.RESULT_FILES with the step that writes it")
    required = RESULT_COLUMNS.get(name)
    if required is not None:
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise ValueError(f"results/{name}.csv is missing contract columns: {missing}")
        extra = [c for c in df.columns if c not in required]
        df = df[list(required) + extra]
    path = Path(out_dir) / "results" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_csv_frame(coarsen_published(df.reset_index(drop=True), name))
    safe.to_csv(path, index=False, float_format=FLOAT_FORMAT, lineterminator="\n", encoding="utf-8")
    return path


def read_result(out_dir: str | Path, name: str) -> pd.DataFrame:
    """Read an earlier step's ``results/<name>.csv`` from the report folder ``out_dir``.

    Raises
    ------
    MissingResultError
        When the file is not there, naming the step (notebook) that writes it.
    ValueError
        When ``name`` is not a registered result file.
    """
    if name not in RESULT_FILES:
        raise ValueError(f"unknown result file {name!r}; known: {', '.join(RESULT_FILES)}")
    path = Path(out_dir) / "results" / f"{name}.csv"
    if not path.is_file():
        raise MissingResultError(
            f"results/{name}.csv is missing in {Path(out_dir)}: run step {RESULT_FILES[name]} first "
            "(pilot-eval report runs every step in order)")
    return pd.read_csv(path)


def read_packaged_table(path: str | Path, columns: tuple[str, ...], nonempty: bool = False) -> pd.DataFrame | None:
    """A table packaged with pilot_eval (a benchmark's measured error rates), or None when it is
    absent, unreadable, lacks one of ``columns`` (or, with ``nonempty``, has no row): the page
    then says the rates are not available instead of failing.

    Examples
    --------
    >>> read_packaged_table("no-such-file.csv", ("scenario",)) is None
    True
    """
    p = Path(path)
    if not p.is_file():
        return None
    try:
        table = pd.read_csv(p)
    except (OSError, ValueError, pd.errors.ParserError):
        return None
    if any(c not in table.columns for c in columns) or (nonempty and not len(table)):
        return None
    return table
