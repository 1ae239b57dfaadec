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

from pilot_eval.privacy import coarsen_published, neutralise_csv_frame

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
