"""What every notebook does first: load the cohort with the run's parameters.

A notebook's first code cell after ``parameters`` is::

    ctx = pilot_eval.report.context.open_context(data_dir, out_dir, min_group_size=min_group_size, ...)

which validates and loads the cohort (applying overrides of cohort.toml
settings), turns on the offline chart renderer and fixes pandas display
options, so that notebooks render the same way in JupyterLab, papermill and
nbval.

An interim look (``pilot-eval report --as-of DATE``) hands the kernels the
cohort already cut to what was known before DATE
(:func:`pilot_eval.data.as_of.cohort_as_of`, done once by the report process)
and names DATE in ``PILOT_EVAL_AS_OF``; a notebook run on its own with an
``as_of`` parameter cuts the cohort itself.  ``ctx.as_of`` and
``ctx.windows`` tell every step which windows are complete, partial or not
yet reached.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pilot_eval.report.notebooks import REPO_ROOT
from pilot_eval.report.tables import show
from pilot_eval.report.charts.base import use_offline_renderer
from pilot_eval.data.as_of import AS_OF_ENV, cohort_as_of, parse_as_of, planned_config, window_status
from pilot_eval.data.cohort import Cohort, load_cohort
from pilot_eval.data.cache import cached_cohort
from pilot_eval.data.config import CohortConfig
from pilot_eval.data.params import cohort_overrides
from pilot_eval.privacy import set_rating_scale


@dataclass
class Context:
    """The loaded cohort, the run's parameters and where results go."""

    cohort: Cohort
    out_dir: Path
    params: dict[str, Any] = field(default_factory=dict)
    #: The date of an interim look (None: all data).
    as_of: dt.date | None = None

    @property
    def config(self) -> CohortConfig:
        return self.cohort.config

    @property
    def planned(self) -> CohortConfig:
        """The settings as planned (an as-of cohort's ``config`` has the follow-up seen so far)."""
        return planned_config(self.cohort)

    @property
    def windows(self) -> dict[str, str]:
        """``{window: complete | partial | not yet}`` at this look (:func:`pilot_eval.data.as_of.window_status`)."""
        return window_status(self.planned, self.as_of)


def look_date(as_of: str | dt.date | None = None) -> dt.date | None:
    """The date of this look: the ``as_of`` parameter, else ``$PILOT_EVAL_AS_OF``, else None (all data)."""
    if as_of is None or as_of == "":
        as_of = os.environ.get(AS_OF_ENV) or None
    return parse_as_of(as_of) if as_of is not None else None


def _readable_html(df: pd.DataFrame) -> str:
    try:
        if not isinstance(df.index, pd.RangeIndex):
            df = df.reset_index()
        if df.columns.has_duplicates or isinstance(df.columns, pd.MultiIndex):
            raise ValueError("not a flat table")
        return show(df)._repr_html_()
    except (ValueError, TypeError, KeyError):  # an unusual frame: pandas' own table, without the index
        return df.to_html(index=False, na_rep="–")


def use_readable_tables() -> None:
    """Show every DataFrame a step displays as a readable table (:func:`pilot_eval.report.tables.show`):
    human labels, rounded numbers, no index, dashes for missing values.  The data are not changed."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is None:
        return
    ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _readable_html)


def resolve_paths(data_dir: str | Path, out_dir: str | Path,
                  cwd: Path | None = None) -> tuple[Path, Path]:
    """The notebook's ``data_dir`` and ``out_dir``, wherever the notebook is run from.

    Absolute paths are used as they are.  A relative ``data_dir`` is looked
    up from the working directory first, then from ``notebooks/`` (where
    the notebooks' defaults such as ``../data/sample`` point from), then from
    the repository root; ``out_dir`` is taken relative to the same base, so
    ``papermill notebooks/NN.ipynb out.ipynb`` works from the repository root
    and from ``notebooks/`` alike.
    """
    cwd = Path.cwd() if cwd is None else cwd
    data, out = Path(data_dir), Path(out_dir)
    if data.is_absolute():
        return data, out if out.is_absolute() else cwd / out
    for base in (cwd, REPO_ROOT / "notebooks", REPO_ROOT):
        if (base / data).is_dir():
            return (base / data), (out if out.is_absolute() else base / out)
    return cwd / data, out if out.is_absolute() else cwd / out  # validation says it is missing


def open_context(data_dir: str | Path, out_dir: str | Path, **params: Any) -> Context:
    """Load the cohort in ``data_dir`` for a notebook run writing to ``out_dir``.

    Parameters
    ----------
    data_dir, out_dir
        The notebook's ``data_dir`` / ``out_dir`` parameters.
    **params
        The notebook's other parameters; cohort settings among them
        (``min_group_size``, ``target_*``...) override cohort.toml when not None;
        ``as_of`` (a date or ``YYYY-MM-DD``) keeps only data dated before it.
    """
    data_dir, out_dir = resolve_paths(data_dir, out_dir)
    overrides = cohort_overrides(params)
    as_of = look_date(params.pop("as_of", None))
    # the report process already validated this exact input (and cut it to the look): reuse its typed tables
    cohort = cached_cohort(data_dir, overrides)
    if cohort is None:
        cohort = load_cohort(Path(data_dir), overrides=overrides)
        if as_of is not None:
            cohort = cohort_as_of(cohort, as_of)
    set_rating_scale(cohort.config.scale_min, cohort.config.scale_max)  # spans of published means
    use_offline_renderer()
    use_readable_tables()
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.precision", 3)
    out = Path(out_dir)
    (out / "results").mkdir(parents=True, exist_ok=True)
    return Context(cohort=cohort, out_dir=out, params=dict(params), as_of=as_of)
