"""A cohort as it was known on a given day: the data of an interim (monthly) look.

:func:`cohort_as_of` keeps only what was dated before ``as_of``: ratings,
observations, pulse answers, incidents and training sessions before that day;
employees who had joined by then, with an exit or a promotion that came later
not yet known.  :func:`window_status` says which of the contract's windows a
look can already see whole, in part, or not yet.

The input cohort is not changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS, CohortConfig

#: Tables filtered on their ``date`` column.
DATED_TABLES = ("ratings", "observations", "pulse", "incidents", "sessions")
COMPLETE, PARTIAL, NOT_YET = "complete", "partial", "not yet"


def cohort_as_of(cohort: Cohort, as_of: dt.date) -> Cohort:
    """The cohort restricted to what was known before ``as_of`` (a new Cohort; the input is untouched).

    Examples
    --------
    >>> import datetime as dt
    >>> from pilot_eval.data.synth import simulate_cohort
    >>> c, _ = simulate_cohort(10, 10, seed=1)
    >>> early = cohort_as_of(c, c.config.pilot_start + dt.timedelta(days=30))
    >>> bool(early.ratings["date"].max() < pd.Timestamp(c.config.pilot_start + dt.timedelta(days=30)))
    True
    >>> len(early.ratings) < len(c.ratings)
    True
    """
    cut = pd.Timestamp(as_of)
    tables = {}
    for name, df in cohort.tables.items():
        if name in DATED_TABLES:
            tables[name] = df[df["date"] < cut].reset_index(drop=True)
        elif name == "employees":
            e = df[df["start_date"] < cut].copy()
            later_exit = e["end_date"].notna() & (e["end_date"] >= cut)
            e.loc[later_exit, "end_date"] = pd.NaT
            e.loc[later_exit, "exit_type"] = pd.NA
            if "promoted_date" in e:
                e.loc[e["promoted_date"].notna() & (e["promoted_date"] >= cut), "promoted_date"] = pd.NaT
            tables[name] = e.reset_index(drop=True)
        else:
            tables[name] = df.copy()
    return dataclasses.replace(cohort, tables=tables)


def window_status(config: CohortConfig, as_of: dt.date | None) -> dict[str, str]:
    """``{window: complete | partial | not yet}`` for pre, pilot, follow_up and each pilot month.

    A window is complete when it ended before ``as_of`` (the day ``as_of``
    itself is not yet known), partial when ``as_of`` falls inside it.
    Without ``as_of`` every window is complete.

    Examples
    --------
    >>> import datetime as dt
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> s = window_status(cfg, dt.date(2026, 2, 20))
    >>> s["pre"], s["pilot"], s["follow_up"], s["month 0"], s["month 1"], s["month 2"]
    ('complete', 'partial', 'not yet', 'complete', 'partial', 'not yet')
    """
    bounds = dict(config.window_bounds())
    for m in range(-(config.pilot_days // MONTH_DAYS), (config.pilot_days + config.follow_up_days) // MONTH_DAYS):
        start = config.pilot_start + dt.timedelta(days=MONTH_DAYS * m)
        bounds[f"month {m}"] = (start, start + dt.timedelta(days=MONTH_DAYS))
    out = {}
    for name, (start, end) in bounds.items():
        if as_of is None or end <= as_of:
            out[name] = COMPLETE
        elif start < as_of:
            out[name] = PARTIAL
        else:
            out[name] = NOT_YET
    return out


def available_from(config: CohortConfig, window: str) -> dt.date:
    """The first look that sees ``window`` whole (the day after it ends)."""
    return config.window_bounds()[window][1]
