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
from pilot_eval.data.as_of import planned_config
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


# --------------------------------------------------------------------------
# the 12-month view: leading indicators at months 2-4, lagging outcomes at months 9-12
# --------------------------------------------------------------------------
#: Months (1-based, as the source articles count them) where leading indicators guide and lagging ones confirm.
LEADING_MONTHS: tuple[int, int] = (2, 4)
LAGGING_MONTHS: tuple[int, int] = (9, 12)
TWELVE_MONTH_COLUMNS: tuple[str, ...] = ("indicator", "kind", "months", "arm", "value", "n_leaders", "suppressed")


def twelve_month_end(config) -> "pd.Timestamp":
    """The first day after month 12 (1-based) from the pilot start: when the 12-month view is complete."""
    return pd.Timestamp(config.pilot_start) + pd.Timedelta(days=MONTH_DAYS * LAGGING_MONTHS[1])


def reaches_month_12(cohort: Cohort) -> bool:
    """Whether the cohort's follow-up covers month 12 from the pilot start (its windows and its data)."""
    cfg = cohort.config
    if cfg.pilot_days + cfg.follow_up_days < MONTH_DAYS * LAGGING_MONTHS[1]:
        return False
    last = pd.concat([pd.to_datetime(cohort.tables[t]["date"]) for t in ("pulse", "incidents")
                      if t in cohort.tables and len(cohort.tables[t])], ignore_index=True)
    return bool(len(last)) and last.max() >= twelve_month_end(cfg) - pd.Timedelta(days=MONTH_DAYS)


def twelve_month_view(cohort: Cohort, exclude: Iterable[str] = (),
                      timecourse: pd.DataFrame | None = None) -> pd.DataFrame:
    """Leading indicators at months 2-4 next to lagging outcomes at months 9-12, per arm.

    The view of the source articles' 45-manager case: the pulse and the
    observed behaviours in months 2-4 of the pilot (where they guide the
    coaching) beside voluntary attrition, HR incidents and escalations in
    months 9-12 (where they confirm).  Months are counted from 1 at the
    pilot start (30-day months: month 2 is days 30-59).  Each value is the
    mean of the arm's monthly values over the months with data
    (:func:`indicator_timecourse`; observations need not be coded every
    month), ``n_leaders`` the smallest monthly count; an arm cell with fewer
    than ``min_group_size`` leaders in any of its months is not shown (value
    and n emptied, the reason in ``suppressed``), like the monthly cells it
    comes from.

    Returns
    -------
    DataFrame
        Columns :data:`TWELVE_MONTH_COLUMNS`; empty when follow-up does not
        reach month 12 (:func:`reaches_month_12`).
    """
    if not reaches_month_12(cohort):
        return pd.DataFrame(columns=list(TWELVE_MONTH_COLUMNS))
    cfg = cohort.config
    tc = indicator_timecourse(cohort, exclude) if timecourse is None else timecourse
    rows = []
    for kind, (first, last), names in (("leading", LEADING_MONTHS, ("pulse", "behaviour_index")),
                                       ("lagging", LAGGING_MONTHS, ("voluntary_attrition", "hr_incidents",
                                                                    "escalations"))):
        months = list(range(first - 1, last))  # 0-based month indexes
        for name in names:
            sub = tc[(tc["indicator"] == name) & tc["month"].isin(months)]
            for arm, g in sub.groupby("arm", observed=True, sort=True):
                complete = len(g) > 0 and g["suppressed"].eq("").all() and g["value"].notna().any()
                n = g["n_leaders"].min() if complete else pd.NA
                rows.append({"indicator": name, "kind": kind, "months": f"{first}-{last}", "arm": str(arm),
                             "value": float(g["value"].mean()) if complete else float("nan"),
                             "n_leaders": n})
    if not rows:
        return pd.DataFrame(columns=list(TWELVE_MONTH_COLUMNS))
    out = pd.DataFrame(rows)
    out["n_leaders"] = pd.array(out["n_leaders"].tolist(), dtype="Int64")
    hidden = out["n_leaders"].isna()
    out = suppress_small_cells(
        out.assign(n_leaders=out["n_leaders"].fillna(0).astype("int64")), "n_leaders", ["value"],
        cfg.min_group_size, f"fewer than {cfg.min_group_size} leaders in a month: not shown (min_group_size)")
    out.loc[hidden.to_numpy(), ["value"]] = float("nan")
    return out[list(TWELVE_MONTH_COLUMNS)].reset_index(drop=True)


def twelve_month_sentence(cohort: Cohort) -> str:
    """One sentence: what the 12-month view shows, or when follow-up will reach month 12."""
    cfg = planned_config(cohort)
    end = twelve_month_end(cfg).date()
    if reaches_month_12(cohort):
        return ("The 12-month view: the early signals in months 2 to 4 of the pilot (where they guide the "
                "coaching) beside the later outcomes in months 9 to 12 (where they confirm it), per group.")
    if cfg.pilot_days + cfg.follow_up_days < MONTH_DAYS * LAGGING_MONTHS[1]:
        return (f"The 12-month view (early signals in months 2 to 4 beside outcomes in months 9 to 12) needs a "
                f"follow-up to month 12, until {end}; this cohort's follow-up ends on {cfg.follow_up_end}, so "
                f"lengthen the follow-up window in cohort.toml to at least "
                f"{MONTH_DAYS * LAGGING_MONTHS[1] - cfg.pilot_days} days and "
                f"report again after {end}.")
    return (f"The 12-month view (early signals in months 2 to 4 beside outcomes in months 9 to 12) will be "
            f"shown once the follow-up data reach month 12, from {end}.")
