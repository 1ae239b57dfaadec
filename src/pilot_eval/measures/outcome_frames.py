"""Leader-level outcome frames for the effect models (notebook 03).

Every outcome comes from :mod:`pilot_eval.measures.scores` (the single definitions);
this module only arranges the measures into the shapes the models need:

* :func:`outcome_frame` - one row per leader: ``baseline`` (before training)
  and ``endline`` (end of the pilot) values of one outcome, with the leader's
  arm, role, culture, org unit and tenure;
* :func:`wave_panel` - the 360 empathy score of every leader in every wave
  (long format, for the mixed model);
* :func:`monthly_panel` - one outcome per leader and 30-day month over the
  pre and pilot windows (for difference-in-differences and the event study).

Which values count as baseline and endline:

============================  =================================  ==============================
outcome                       baseline                           endline
============================  =================================  ==============================
empathy_360                   baseline wave                      endline wave
behaviour_index, pulse        mean of the pre-window months      last month of the pilot (the
                                                                 last complete one at an interim
                                                                 look: :func:`endline_month`)
voluntary_attrition,          pre window (per 100 members        pilot window (or the window
hr_incidents, escalations     per 90 days)                       given as ``rate_window``)
============================  =================================  ==============================
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS
from pilot_eval.data.windows import pilot_months, pre_months
from pilot_eval.measures.lagging_outcomes import month_outcome_rates

#: Outcomes the controls step estimates effects for (measure names).
OUTCOMES: tuple[str, ...] = (
    "empathy_360",
    "behaviour_index",
    "pulse",
    "voluntary_attrition",
    "hr_incidents",
    "escalations",
)
#: Outcomes that are event rates per 100 team members per 90 days.
RATE_OUTCOMES: tuple[str, ...] = ("voluntary_attrition", "hr_incidents", "escalations")
#: Outcomes measured every 30-day month (difference-in-differences, event study).
MONTHLY_OUTCOMES: tuple[str, ...] = ("behaviour_index", "pulse", *RATE_OUTCOMES)
#: Leader columns carried into every frame.
LEADER_COLUMNS: tuple[str, ...] = ("leader_id", "arm", "role", "culture", "org_unit", "tenure_years")
#: Optional tables each outcome needs.
NEEDS: dict[str, tuple[str, ...]] = {
    "behaviour_index": ("observations", "behaviours"),
    "hr_incidents": ("incidents",),
    "escalations": ("incidents",),
}


def missing_tables(cohort: Cohort, outcome: str) -> list[str]:
    """Optional tables ``outcome`` needs that the cohort does not have."""
    return [t for t in NEEDS.get(outcome, ()) if not cohort.has(t)]


def _leaders(cohort: Cohort) -> pd.DataFrame:
    return cohort.leaders[list(LEADER_COLUMNS)].copy()


#: Dated tables whose latest date says how far a cohort's data reach (see :func:`endline_month`).
_DATED = ("ratings", "observations", "pulse", "incidents", "sessions")
#: A month counts as complete when the data reach its last week (a monthly survey or a coding
#: round need not fall on the month's very last day).
_LAST_WEEK = 7


def latest_date(cohort: Cohort) -> pd.Timestamp | None:
    """The latest date in the cohort's dated tables (None when they are all empty)."""
    dates = [pd.to_datetime(cohort.tables[t]["date"]).max() for t in _DATED
             if t in cohort.tables and len(cohort.tables[t])]
    dates = [d for d in dates if pd.notna(d)]
    return max(dates) if dates else None


def endline_month(cohort: Cohort) -> int | None:
    """The pilot month whose values are the endline of the monthly outcomes (pulse, behaviour index).

    The pilot's last month when the data reach it; for a cohort whose data stop earlier (an
    interim look, ``pilot-eval report --as-of``, or an export taken during the pilot) the last
    pilot month the data reach to its last week; None when no pilot month is complete yet.

    Examples
    --------
    >>> import datetime as dt
    >>> from pilot_eval.data.as_of import cohort_as_of
    >>> from pilot_eval.data.synth import simulate_cohort
    >>> c, _ = simulate_cohort(8, 8, seed=3)
    >>> start = c.config.pilot_start
    >>> [endline_month(cohort_as_of(c, start + dt.timedelta(days=d))) for d in (20, 30, 60)], endline_month(c)
    ([None, 0, 1], 2)
    """
    months = pilot_months(cohort.config)
    latest = latest_date(cohort)
    if latest is None:
        return None
    day = (latest.date() - cohort.config.pilot_start).days
    complete = [m for m in months
                if day >= min(MONTH_DAYS * (m + 1), cohort.config.pilot_days) - _LAST_WEEK]
    return complete[-1] if complete else None


def periods(cohort: Cohort, outcome: str, rate_window: str = "pilot") -> tuple[str, str]:
    """Plain-language labels of the baseline and endline values of ``outcome``."""
    cfg = cohort.config
    pre, last = pre_months(cfg), endline_month(cohort)
    if outcome == "empathy_360":
        return "baseline wave", "endline wave"
    if outcome in RATE_OUTCOMES:
        return "pre window", f"{rate_window.replace('_', '-')} window"
    if last is None:
        return f"pre-window months {pre[0]}..{pre[-1]} (mean)", "no pilot month complete yet"
    which = "last pilot month" if last == pilot_months(cfg)[-1] else "last complete pilot month so far"
    return f"pre-window months {pre[0]}..{pre[-1]} (mean)", f"month {last} ({which})"


def outcome_frame(
    cohort: Cohort,
    outcome: str,
    exclude: Iterable[str] = (),
    rate_window: str = "pilot",
) -> pd.DataFrame:
    """Baseline and endline value of one outcome per leader.

    Parameters
    ----------
    cohort
        The loaded cohort.
    outcome
        One of :data:`OUTCOMES`.
    exclude
        Behaviour codes left out of ``behaviour_index`` (use
        :func:`pilot_eval.measures.behaviour_exclusions.excluded_behaviours`).
    rate_window
        Window of the endline value of the event rates (``pilot`` or
        ``follow_up``); their baseline is always the pre window.

    Returns
    -------
    DataFrame
        ``leader_id, arm, role, culture, org_unit, tenure_years, baseline,
        endline`` for every leader (values missing where the leader has no
        data).  ``attrs`` holds ``outcome``, ``baseline_period`` and
        ``endline_period``.

    Raises
    ------
    ValueError
        For an unknown outcome or when a table it needs is missing (see
        :func:`missing_tables`).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {OUTCOMES}")
    absent = missing_tables(cohort, outcome)
    if absent:
        raise ValueError(f"{outcome} needs the {', '.join(absent)} table(s), which the cohort does not have")
    cfg = cohort.config
    out = _leaders(cohort)
    if outcome == "empathy_360":
        emp = measures.empathy_360(cohort.ratings)
        wide = emp.pivot_table(index="leader_id", columns="wave", values="empathy_360", observed=True)
        wide = wide.reindex(columns=["baseline", "endline"]).rename_axis(columns=None).reset_index()
    elif outcome in RATE_OUTCOMES:
        rates = measures.outcome_rates(cohort.employees, cohort.incidents, cfg)
        wide = rates.pivot_table(index="leader_id", columns="window", values=outcome, observed=True)
        wide = wide.reindex(columns=["pre", rate_window]).rename_axis(columns=None).reset_index()
        wide = wide.rename(columns={"pre": "baseline", rate_window: "endline"})
    else:
        monthly = monthly_values(cohort, outcome, exclude)
        pre, last = pre_months(cfg), endline_month(cohort)
        month = monthly["month"].to_numpy(dtype="float64", na_value=np.nan)
        base = (monthly[np.isin(month, pre)].groupby("leader_id", observed=True)["value"].mean()
                .rename("baseline"))
        end = monthly[month == last].groupby("leader_id", observed=True)["value"].mean().rename("endline")
        wide = pd.concat([base, end], axis=1).rename_axis("leader_id").reset_index()
    wide["leader_id"] = wide["leader_id"].astype(out["leader_id"].dtype)
    out = out.merge(wide[["leader_id", "baseline", "endline"]], on="leader_id", how="left")
    out[["baseline", "endline"]] = out[["baseline", "endline"]].astype("float64")
    base_label, end_label = periods(cohort, outcome, rate_window)
    out.attrs.update(outcome=outcome, baseline_period=base_label, endline_period=end_label)
    return out.sort_values("leader_id", ignore_index=True)


def outcome_frames(
    cohort: Cohort,
    outcomes: Sequence[str] = OUTCOMES,
    exclude: Iterable[str] = (),
    rate_window: str = "pilot",
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """:func:`outcome_frame` for every outcome the cohort's tables allow.

    Returns
    -------
    frames
        ``{outcome: frame}`` for the outcomes that can be computed.
    skipped
        ``outcome, reason`` for those that cannot (a missing optional table,
        or no leader with both a baseline and an endline value).
    """
    frames: dict[str, pd.DataFrame] = {}
    skipped: list[dict[str, str]] = []
    exclude = tuple(exclude)
    for outcome in outcomes:  # a handful of outcomes
        absent = missing_tables(cohort, outcome)
        if absent:
            skipped.append({"outcome": outcome,
                            "reason": f"no {' / '.join(absent)} table in this cohort: {outcome} is not analysed"})
            continue
        frame = outcome_frame(cohort, outcome, exclude, rate_window)
        if not (frame["baseline"].notna() & frame["endline"].notna()).any():
            skipped.append({"outcome": outcome,
                            "reason": f"no leader has both a {frame.attrs['baseline_period']} and a "
                                      f"{frame.attrs['endline_period']} value"})
            continue
        frames[outcome] = frame
    return frames, pd.DataFrame(skipped, columns=["outcome", "reason"], dtype="str")


def wave_panel(cohort: Cohort) -> pd.DataFrame:
    """360 empathy score per leader and wave (long), with the leader columns.

    Columns ``leader_id, arm, role, culture, org_unit, tenure_years, wave,
    value``; only leader x wave combinations with a score.
    """
    emp = measures.empathy_360(cohort.ratings)[["leader_id", "wave", "empathy_360"]]
    emp = emp.rename(columns={"empathy_360": "value"})
    emp["leader_id"] = emp["leader_id"].astype(cohort.leaders["leader_id"].dtype)
    out = _leaders(cohort).merge(emp, on="leader_id", how="inner")
    return out.sort_values(["leader_id", "wave"], ignore_index=True)


def _monthly_rates(cohort: Cohort, outcome: str, months: Sequence[int]) -> pd.DataFrame:
    """Event rate per leader and month: :func:`lagging_outcomes.month_outcome_rates`.

    The measure's single definition (per 100 average team members per 90 days)
    on 30-day months.
    """
    rates = month_outcome_rates(cohort.employees, cohort.incidents, cohort.config, months)
    return pd.DataFrame({"leader_id": rates["leader_id"].to_numpy(),
                         "month": rates["month"].to_numpy(dtype="int64"),
                         "value": rates[outcome].to_numpy(dtype="float64", na_value=np.nan)})


def monthly_values(cohort: Cohort, outcome: str, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """``leader_id, month, value`` of a monthly outcome over the pre and pilot months."""
    if outcome not in MONTHLY_OUTCOMES:
        raise ValueError(f"{outcome} is not measured monthly; expected one of {MONTHLY_OUTCOMES}")
    absent = missing_tables(cohort, outcome)
    if absent:
        raise ValueError(f"{outcome} needs the {', '.join(absent)} table(s), which the cohort does not have")
    cfg = cohort.config
    months = [*pre_months(cfg), *pilot_months(cfg)]
    if outcome in RATE_OUTCOMES:
        out = _monthly_rates(cohort, outcome, months)
    else:
        if outcome == "pulse":
            m = measures.pulse(cohort.pulse, cfg).rename(columns={"pulse": "value"})
        else:
            obs, codebook = cohort.observations, cohort.behaviours
            if obs is None or codebook is None:
                raise ValueError("the behaviour index needs the observations and behaviours tables")
            m = measures.behaviour_index(obs, codebook, cohort.leaders, cfg,
                                         exclude=tuple(exclude)).rename(columns={"behaviour_index": "value"})
        m = m.dropna(subset=["month"])
        month = m["month"].to_numpy(dtype="float64", na_value=np.nan)
        m = m[np.isin(month, months)]
        out = pd.DataFrame({"leader_id": m["leader_id"].to_numpy(),
                            "month": m["month"].to_numpy(dtype="int64"),
                            "value": m["value"].to_numpy(dtype="float64")})
    return out.dropna(subset=["value"]).reset_index(drop=True)


def monthly_panel(cohort: Cohort, outcome: str, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Monthly outcome per leader with the leader columns and a ``post`` flag.

    Columns ``leader_id, arm, role, culture, org_unit, tenure_years, month,
    post, value``; ``post`` is True for the pilot window's months.
    """
    vals = monthly_values(cohort, outcome, exclude)
    vals["leader_id"] = vals["leader_id"].astype(cohort.leaders["leader_id"].dtype)
    out = _leaders(cohort).merge(vals, on="leader_id", how="inner")
    out["post"] = out["month"].to_numpy() >= 0
    out.attrs["outcome"] = outcome
    return out.sort_values(["leader_id", "month"], ignore_index=True)
