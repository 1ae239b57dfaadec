"""Leading and lagging indicators by arm and month (the time-course chart's data).

One aggregated row per indicator x arm x 30-day month, from the pre window to
the end of follow-up:

* leading: ``pulse`` and ``behaviour_index`` (mean over leaders of the
  leader-month measure), ``empathy_360`` (mean over leaders per wave, placed
  at the month of the wave's median rating date);
* lagging: ``voluntary_attrition``, ``hr_incidents``, ``escalations`` as
  pooled rates per 100 team members per 90 days (events over person-days of
  the arm's teams in the month, :func:`lagging_outcomes.month_outcome_rates`).

Cells with fewer than ``min_group_size`` leaders are suppressed (value and
leader count emptied, reason in ``suppressed``).
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from pilot_eval.measures import scores as measures
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS
from pilot_eval.measures.lagging_outcomes import OUTCOME_COUNTS, available_outcomes, month_outcome_rates
from pilot_eval.data.windows import month_of, pre_months
from pilot_eval.measures._common import suppress_small_cells

TIMECOURSE_COLUMNS: tuple[str, ...] = (
    "indicator", "kind", "arm", "month", "value", "n_leaders", "suppressed",
)

#: Unit of each indicator, for chart titles.
UNITS: dict[str, str] = {
    "pulse": "team pulse (scale points)",
    "behaviour_index": "behaviour index (share shown, 0-1)",
    "empathy_360": "360 empathy score (scale points)",
    "voluntary_attrition": "voluntary exits per 100 members per 90 days",
    "hr_incidents": "HR incidents per 100 members per 90 days",
    "escalations": "escalations per 100 members per 90 days",
}


def _months(cohort: Cohort) -> list[int]:
    cfg = cohort.config
    last = -(-(cfg.pilot_days + cfg.follow_up_days) // MONTH_DAYS)
    return [*pre_months(cfg), *range(0, last)]


def _mean_by_arm(values: pd.DataFrame, arms: pd.DataFrame, value: str, indicator: str) -> pd.DataFrame:
    df = values.merge(arms, on="leader_id", how="inner").dropna(subset=[value, "month"])
    out = (df.groupby(["arm", "month"], observed=True)
             .agg(value=(value, "mean"), n_leaders=("leader_id", "nunique")).reset_index())
    out["indicator"] = indicator
    out["kind"] = "leading"
    return out


def indicator_timecourse(cohort: Cohort, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Aggregated leading and lagging indicators by arm and month (see module docs).

    Parameters
    ----------
    cohort
        The loaded cohort.
    exclude
        Behaviour codes left out of behaviour_index.

    Returns
    -------
    DataFrame
        Columns of :data:`TIMECOURSE_COLUMNS`; ``month`` is the month index
        (0 = the pilot's first 30 days).
    """
    cfg = cohort.config
    months = _months(cohort)
    arms = cohort.leaders[["leader_id", "arm"]].copy()
    arms["arm"] = arms["arm"].astype("str")
    parts = []
    pul = measures.pulse(cohort.pulse, cfg)
    parts.append(_mean_by_arm(pul, arms, "pulse", "pulse"))
    if cohort.observations is not None and cohort.behaviours is not None:
        bi = measures.behaviour_index(cohort.observations, cohort.behaviours, cohort.leaders, cfg,
                                      exclude=tuple(exclude))
        parts.append(_mean_by_arm(bi, arms, "behaviour_index", "behaviour_index"))
    emp = measures.empathy_360(cohort.ratings)
    dates = pd.to_datetime(cohort.ratings["date"])
    wave_day = dates.groupby(cohort.ratings["wave"].astype("str").to_numpy()).median()
    wave_month = month_of(pd.Series(wave_day.to_numpy(), index=wave_day.index), cfg)
    emp = emp.assign(month=emp["wave"].astype("str").map(wave_month.to_dict()).astype("Int64"))
    parts.append(_mean_by_arm(emp, arms, "empathy_360", "empathy_360"))
    rates = month_outcome_rates(cohort.employees, cohort.incidents, cfg, months)
    rates = rates.merge(arms, on="leader_id", how="inner")
    rates = rates[rates["person_days"].to_numpy() > 0]
    scale = measures.RATE_PER_MEMBERS * measures.RATE_PER_DAYS
    for outcome in available_outcomes(cohort):  # three outcomes
        count = OUTCOME_COUNTS[outcome]
        g = (rates.assign(_e=rates[count].astype("float64"))
                  .groupby(["arm", "month"], observed=True)
                  .agg(events=("_e", "sum"), person_days=("person_days", "sum"),
                       n_leaders=("leader_id", "nunique")).reset_index())
        g["value"] = g["events"] / g["person_days"] * scale
        g["indicator"] = outcome
        g["kind"] = "lagging"
        parts.append(g.drop(columns=["events", "person_days"]))
    out = pd.concat(parts, ignore_index=True)
    out["month"] = out["month"].astype("int64")
    out = out[out["month"].isin(months)]
    # a small group's value and its size are not shown (privacy rule)
    out = suppress_small_cells(
        out.assign(value=out["value"].astype("float64")), "n_leaders", ["value"], cfg.min_group_size,
        f"fewer than {cfg.min_group_size} leaders: not shown (min_group_size)")
    order = {name: i for i, name in enumerate(UNITS)}
    out = out.sort_values(["indicator", "arm", "month"], key=lambda c: c.map(order) if c.name == "indicator" else c)
    return out[list(TIMECOURSE_COLUMNS)].reset_index(drop=True)
