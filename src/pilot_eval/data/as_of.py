"""A cohort as it was known on a given day: the data of an interim (monthly) look.

:func:`cohort_as_of` keeps only what was dated before ``as_of``: ratings,
observations, pulse answers, incidents and training sessions before that day;
employees who had joined by then, with an exit or a promotion that came later
not yet known.  The follow-up window is shortened to the part already
seen (none before the pilot's end), so that every step measures the
follow-up outcomes on the data so far, not on person-time that is not yet
known; :func:`planned_config` gives the cohort's settings as planned (for the
windows a look has not reached).  :func:`window_status` says which of the contract's windows a
look can already see whole, in part, or not yet; :func:`look_at` numbers the
look in the pilot's monthly schedule; :func:`cohort_hash` identifies a cohort
across looks (its settings and leaders, not its growing data files).

The input cohort is not changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS, CohortConfig

#: Tables filtered on their ``date`` column.
DATED_TABLES = ("ratings", "observations", "pulse", "incidents", "sessions")

#: Set by the report process while its notebooks run: the look's date (ISO), when it is an interim look.
AS_OF_ENV = "PILOT_EVAL_AS_OF"
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
    planned = planned_config(cohort)
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
    seen = max(0, min(planned.follow_up_days, (as_of - planned.pilot_end).days))
    config = planned if seen == planned.follow_up_days else dataclasses.replace(planned, follow_up_days=seen)
    out = dataclasses.replace(cohort, tables=tables, config=config)
    setattr(out, PLANNED_ATTR, planned)  # carried by pickling (the report's cohort cache), not by replace()
    return out


#: Attribute of an as-of cohort holding the settings as planned (before the follow-up was shortened).
PLANNED_ATTR = "planned_config"


def planned_config(cohort: Cohort) -> CohortConfig:
    """The cohort's settings as planned: for an as-of cohort, with its whole follow-up window.

    Examples
    --------
    >>> from pilot_eval.data.synth import simulate_cohort
    >>> c, _ = simulate_cohort(6, 6, seed=1)
    >>> early = cohort_as_of(c, c.config.pilot_start + dt.timedelta(days=30))
    >>> early.config.follow_up_days, planned_config(early).follow_up_days, planned_config(c).follow_up_days
    (0, 180, 180)
    >>> cohort_as_of(c, c.config.pilot_end + dt.timedelta(days=45)).config.follow_up_days
    45
    """
    planned = getattr(cohort, PLANNED_ATTR, None)
    return planned if isinstance(planned, CohortConfig) else cohort.config


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


def parse_as_of(value: str | dt.date | dt.datetime) -> dt.date:
    """A look's date from ``YYYY-MM-DD`` text or a date.

    Raises
    ------
    ValueError
        When the text is not a date.

    Examples
    --------
    >>> parse_as_of("2026-02-04")
    datetime.date(2026, 2, 4)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"not a date (expected YYYY-MM-DD): {value!r}") from None


@dataclasses.dataclass(frozen=True)
class Look:
    """One look at the pilot: its date and its place in the monthly schedule.

    Attributes
    ----------
    as_of
        The look's date (data dated before it are used); None for a report with all data.
    day
        Days since the pilot start (None with all data).
    number
        Which monthly look this is: ``ceil(day / 30)`` capped at ``planned`` (0 before the pilot).
    planned
        Planned looks during the pilot: one a month, ``pilot_days / 30`` (at least 1).
    information_fraction
        Share of the pilot window seen: ``day / pilot_days`` in [0, 1] (1 with all data).
    interim
        Whether the pilot had not ended at this look (``as_of < pilot_end``): the
        recommendation is then about the course, never about scaling.
    """

    as_of: dt.date | None
    day: int | None
    number: int
    planned: int
    information_fraction: float
    interim: bool


def look_at(config: CohortConfig, as_of: dt.date | None) -> Look:
    """Where a look falls in the pilot (:class:`Look`).

    Examples
    --------
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> lk = look_at(cfg, dt.date(2026, 2, 4))
    >>> lk.day, lk.number, lk.planned, round(lk.information_fraction, 3), lk.interim
    (30, 1, 3, 0.333, True)
    >>> look_at(cfg, cfg.pilot_end).interim, look_at(cfg, None).information_fraction
    (False, 1.0)
    """
    planned = max(1, -(-config.pilot_days // MONTH_DAYS))
    if as_of is None:
        return Look(None, None, planned, planned, 1.0, False)
    day = (as_of - config.pilot_start).days
    number = min(planned, max(0, -(-day // MONTH_DAYS)))
    fraction = min(1.0, max(0.0, day / config.pilot_days)) if config.pilot_days > 0 else 1.0
    return Look(as_of, day, number, planned, fraction, as_of < config.pilot_end)


def cohort_hash(cohort: Cohort) -> str:
    """A sha256 that names the cohort across looks: its name, pilot dates and leaders with their arms.

    Two reports of the same pilot at different looks (with more data files
    filled in later) share it; another cohort does not.  No ID can be read
    back from it.

    Examples
    --------
    >>> from pilot_eval.data.synth import simulate_cohort
    >>> c, _ = simulate_cohort(6, 6, seed=1)
    >>> cohort_hash(c) == cohort_hash(cohort_as_of(c, c.config.pilot_start))
    True
    >>> cohort_hash(c) == cohort_hash(simulate_cohort(6, 6, seed=2)[0])
    False
    """
    cfg = cohort.config
    h = hashlib.sha256()
    h.update(f"{cfg.name}\n{cfg.pilot_start.isoformat()}\n{cfg.pilot_days}\n".encode())
    leaders = cohort.tables["leaders"][["leader_id", "arm"]].astype(str).sort_values(["leader_id", "arm"])
    for lid, arm in leaders.itertuples(index=False):
        h.update(f"{lid}\t{arm}\n".encode())
    return h.hexdigest()
