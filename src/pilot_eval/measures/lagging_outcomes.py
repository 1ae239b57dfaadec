"""Lagging indicators per leader: event counts with exposure, and promotion equity.

The HR outcomes keep their single definition in :mod:`pilot_eval.measures.scores`
(:func:`~pilot_eval.measures.scores.outcome_rates`: events per 100 average team
members per 90 days, average headcount from person-days on the roster).  For
periods other than the contract's windows (a 30-day month, e.g. the pilot's
last month) :func:`period_outcome_rates` and :func:`month_outcome_rates` call
the computation behind it, :func:`pilot_eval.measures.rates.period_rates`, on
those periods, so counting rules, headcount and rate scaling cannot drift apart.

* :func:`lagging_outcomes` - per leader x outcome x period (``last_pilot_month``,
  ``follow_up``): ``events``, ``person_days`` (the exposure of the count
  models), ``rate`` and the pre-window ``pre_rate`` (a control).
* :func:`month_outcome_rates` - the same per 30-day month (time-course chart).
* :func:`promotion_equity` - the adverse impact ratio of promotion rates by
  arm with Fisher's exact test and a small-numbers warning, as published
  (counts, rates, ratio and p rounded by
  :func:`pilot_eval.privacy.coarsen_promotion_contrast`, flags from the exact
  values); :func:`most_people_per_leader` is the T of that rule.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from pilot_eval.data.cohort import Cohort
from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.data.windows import pilot_months
from pilot_eval.measures import scores as measures
from pilot_eval.measures._common import suppress_small_cells
from pilot_eval.measures.rates import period_rates
from pilot_eval.privacy import coarsen_promotion_contrast

#: Lagging outcome -> its event-count column in :func:`measures.outcome_rates`.
OUTCOME_COUNTS: dict[str, str] = {
    "voluntary_attrition": "voluntary_exits",
    "hr_incidents": "hr_incidents_n",
    "escalations": "escalations_n",
}
#: Outcomes that need the incidents table.
INCIDENT_OUTCOMES: tuple[str, ...] = ("hr_incidents", "escalations")
#: Periods of the lagging outcomes, in time order.
PERIODS: tuple[str, ...] = ("last_pilot_month", "follow_up")

LAGGING_COLUMNS: tuple[str, ...] = (
    "leader_id", "outcome", "period", "events", "person_days", "rate",
    "pre_events", "pre_person_days", "pre_rate",
)

#: Fewest promotions in a compared group before the ratio is called stable.
MIN_PROMOTIONS = 5


def _periods(employees: pd.DataFrame, incidents: pd.DataFrame | None, config: CohortConfig,
             periods: dict[int, tuple[int, int]]) -> pd.DataFrame:
    rates = period_rates(employees, incidents, config.pilot_start, periods, key="month")
    person_days = rates.pop("person_days")
    rates["person_days"] = person_days
    return rates


def period_outcome_rates(
    employees: pd.DataFrame,
    incidents: pd.DataFrame | None,
    config: CohortConfig,
    start_day: int,
    days: int,
) -> pd.DataFrame:
    """:func:`measures.outcome_rates` for the period ``[start_day, start_day + days)``.

    ``start_day`` counts from ``pilot_start``.  Returns the measure's columns
    for that period (``window`` is dropped) plus ``person_days``
    (:func:`pilot_eval.measures.rates.period_rates`).
    """
    rates = _periods(employees, incidents, config, {0: (int(start_day), int(days))})
    return rates.drop(columns="month")


def month_outcome_rates(
    employees: pd.DataFrame,
    incidents: pd.DataFrame | None,
    config: CohortConfig,
    months: Iterable[int],
) -> pd.DataFrame:
    """Outcome counts, person-days and rates per leader and 30-day month.

    Returns
    -------
    DataFrame
        :func:`period_outcome_rates` columns with a ``month`` column (0 = the
        pilot's first 30 days), one block per month.
    """
    months = [int(m) for m in months]
    rates = _periods(employees, incidents, config, {m: (MONTH_DAYS * m, MONTH_DAYS) for m in months})
    rates["month"] = rates["month"].astype("int64")
    # one block per month, leaders sorted within each block
    block = pd.Series(rates["month"]).map({m: i for i, m in enumerate(months)})
    rates = rates.iloc[np.argsort(block.to_numpy(), kind="stable")].reset_index(drop=True)
    return rates[["leader_id", "month", *[c for c in rates.columns if c not in ("leader_id", "month")]]]


def available_outcomes(cohort: Cohort) -> list[str]:
    """Lagging outcomes the cohort's tables allow (incident ones need incidents)."""
    return [o for o in OUTCOME_COUNTS if cohort.incidents is not None or o not in INCIDENT_OUTCOMES]


def available_periods(config: CohortConfig) -> list[str]:
    """``last_pilot_month``, and ``follow_up`` when the cohort has follow-up days."""
    return [p for p in PERIODS if p != "follow_up" or config.follow_up_days > 0]


def _long(rates: pd.DataFrame, outcomes: Sequence[str], period: str) -> pd.DataFrame:
    parts = []
    for outcome in outcomes:  # three outcomes
        parts.append(pd.DataFrame({
            "leader_id": rates["leader_id"].to_numpy(),
            "outcome": outcome,
            "period": period,
            "events": rates[OUTCOME_COUNTS[outcome]].to_numpy(dtype="float64", na_value=np.nan),
            "person_days": rates["person_days"].to_numpy(dtype="float64"),
            "rate": rates[outcome].to_numpy(dtype="float64"),
        }))
    return pd.concat(parts, ignore_index=True)


def lagging_outcomes(cohort: Cohort) -> pd.DataFrame:
    """Lagging outcomes per leader, outcome and period, with the pre-window control.

    Periods: ``last_pilot_month`` (the pilot's last 30-day month) and
    ``follow_up`` (the contract's follow-up window, if any).  Outcomes:
    voluntary attrition, HR incidents, escalations (the latter two only with
    an incidents table).

    Returns
    -------
    DataFrame
        Columns of :data:`LAGGING_COLUMNS`: ``events`` (count), ``person_days``
        (exposure), ``rate`` (per 100 members per 90 days), and the same
        outcome's pre-window ``pre_events``, ``pre_person_days``,
        ``pre_rate``.  Leaders without roster rows are absent.
    """
    cfg = cohort.config
    outcomes = available_outcomes(cohort)
    incidents = cohort.incidents
    std = measures.outcome_rates(cohort.employees, incidents, cfg)
    std["person_days"] = std["avg_headcount"] * std["window_days"]
    parts = []
    last = pilot_months(cfg)[-1]
    month = period_outcome_rates(cohort.employees, incidents, cfg, MONTH_DAYS * last,
                                 min(MONTH_DAYS, cfg.pilot_days - MONTH_DAYS * last))
    parts.append(_long(month, outcomes, "last_pilot_month"))
    if "follow_up" in available_periods(cfg):
        fu = std[std["window"].eq("follow_up").to_numpy(dtype=bool, na_value=False)]
        parts.append(_long(fu, outcomes, "follow_up"))
    out = pd.concat(parts, ignore_index=True)
    pre = _long(std[std["window"].eq("pre").to_numpy(dtype=bool, na_value=False)], outcomes, "pre")
    pre = pre.rename(columns={"events": "pre_events", "person_days": "pre_person_days", "rate": "pre_rate"})
    out = out.merge(pre.drop(columns="period"), on=["leader_id", "outcome"], how="left")
    return out[list(LAGGING_COLUMNS)]


def lagging_summary(lagging: pd.DataFrame, leaders: pd.DataFrame, config: CohortConfig) -> pd.DataFrame:
    """Events, person-days and pooled rate of each lagging outcome by period and arm.

    Returns
    -------
    DataFrame
        ``outcome, period, arm, leaders, events, person_days, rate`` (rate per
        100 members per 90 days: events over the arm's person-days), plus the
        pre-window ``pre_rate`` of the same leaders and ``suppressed``; arms
        with fewer than ``min_group_size`` leaders show no numbers.
    """
    arms = leaders[["leader_id", "arm"]].copy()
    arms["arm"] = arms["arm"].astype("str")
    lag = lagging.copy()
    lag["leader_id"] = lag["leader_id"].astype(arms["leader_id"].dtype)
    df = lag.merge(arms, on="leader_id", how="inner")
    df = df[df["person_days"].to_numpy(dtype="float64") > 0]
    out = (df.groupby(["outcome", "period", "arm"], observed=True, sort=False)
             .agg(leaders=("leader_id", "nunique"), events=("events", "sum"),
                  person_days=("person_days", "sum"), pre_events=("pre_events", "sum"),
                  pre_person_days=("pre_person_days", "sum")).reset_index())
    scale = measures.RATE_PER_MEMBERS * measures.RATE_PER_DAYS
    out["rate"] = out["events"] / out["person_days"] * scale
    out["pre_rate"] = out["pre_events"] / out["pre_person_days"] * scale
    cols = ["events", "person_days", "rate", "pre_rate"]
    out[cols] = out[cols].astype("float64")
    out = suppress_small_cells(out, "leaders", cols, config.min_group_size,
                               f"fewer than {config.min_group_size} leaders: not shown")
    return out[["outcome", "period", "arm", "leaders", "events", "person_days", "rate", "pre_rate",
                "suppressed"]]


def small_numbers(lowest_promoted: Iterable[float], lowest_n: Iterable[float],
                  highest_promoted: Iterable[float], highest_n: Iterable[float]) -> np.ndarray:
    """The small-numbers check of :func:`promotion_equity`, from the exact counts (arrays, one per arm).

    True when a compared group has fewer than :data:`MIN_PROMOTIONS` promotions, when one
    promotion more in the lowest group (or one fewer in the highest) would move the ratio
    across 0.8, or when there is no ratio.

    Examples
    --------
    >>> small_numbers([2, 8], [54, 176], [18, 23], [203, 316]).tolist()
    [True, False]
    """
    lo_p, lo_n = np.asarray(lowest_promoted, float), np.asarray(lowest_n, float)
    hi_p, hi_n = np.asarray(highest_promoted, float), np.asarray(highest_n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (lo_p / lo_n) / np.where(hi_p > 0, hi_p / hi_n, np.nan)
        up = ((lo_p + 1) / lo_n) / (hi_p / hi_n)
        down = (lo_p / lo_n) / (np.maximum(hi_p - 1, 0) / hi_n)
    # the four-fifths flag of measures.adverse_impact_ratio is from the exact ratio, like this check
    flagged = ratio < measures.FOUR_FIFTHS
    flips = np.where(flagged, up >= measures.FOUR_FIFTHS, down < measures.FOUR_FIFTHS)
    few = (lo_p < MIN_PROMOTIONS) | (hi_p < MIN_PROMOTIONS)
    return np.asarray(few | flips | ~np.isfinite(ratio), dtype=bool)


def most_people_per_leader(employees: pd.DataFrame, leaders: pd.DataFrame, config: CohortConfig) -> dict[str, int]:
    """T of the privacy rule for promotion counts: per arm, the most people one leader has in them.

    The people of :func:`measures.promotion_rates` (each person once, with a group), counted
    by the leader they are counted under; one leader leaving the cohort changes a group's count
    of members or of promoted by at most this.  Used to round the published counts
    (:func:`pilot_eval.privacy.coarsen_promotion_contrast`); never published itself.

    Returns
    -------
    dict
        Arm -> T (arms without people are absent).

    Examples
    --------
    >>> cfg = CohortConfig(name="t", pilot_start=dt.date(2026, 1, 5))
    >>> emp = pd.DataFrame({"employee_id": ["E1", "E2", "E3"], "leader_id": ["L1", "L1", "L2"],
    ...                     "group": ["a", "b", "a"], "start_date": pd.to_datetime(["2025-01-01"] * 3),
    ...                     "end_date": pd.NaT, "exit_type": None, "promoted_date": pd.NaT})
    >>> most_people_per_leader(emp, pd.DataFrame({"leader_id": ["L1", "L2"], "arm": ["pilot", "pilot"]}), cfg)
    {'pilot': 2}
    """
    per = measures.promotion_rates(employees, leaders, config, by=("arm", "leader_id", "group"))
    if per.empty:
        return {}
    per["arm"] = per["arm"].astype("str")
    team = per.groupby(["arm", "leader_id"], observed=True)["n"].sum()
    return {str(arm): int(t) for arm, t in team.groupby(level="arm").max().items()}


def promotion_equity(cohort: Cohort, published: bool = True) -> pd.DataFrame:
    """Adverse impact ratio of promotion rates by arm, with Fisher's exact test.

    Promotion rates by demographic group within each arm
    (:func:`measures.promotion_rates`), the lowest / highest ratio and the
    two-sided Fisher exact test of lowest vs highest group
    (:func:`measures.adverse_impact_ratio`).  Added here:

    * ``small_numbers`` - True when the compared groups have fewer than
      :data:`MIN_PROMOTIONS` promotions, or when one promotion more in the
      lowest group (or one fewer in the highest) would move the ratio across
      0.8 (the "one more person" check the agencies' Questions and Answers
      on the Uniform Guidelines suggest for small samples): the four-fifths
      verdict is then unstable;
    * ``warning`` - that message in words ("" when stable);
    * groups with fewer than ``min_group_size`` employees are left out before
      the ratio is formed (``n_groups_hidden`` counts them).

    Parameters
    ----------
    cohort
        The loaded cohort.
    published
        True (default): the table as published (``results/promotion_equity.csv``
        and the step page): counts, rates, the ratio and p rounded by
        :func:`pilot_eval.privacy.coarsen_promotion_contrast` with the arm's
        :func:`most_people_per_leader`, so two reports of cohorts that differ by
        one leader do not give that leader's promotions by subtraction; the
        ``p_value`` is then its class (``"< 0.05"``, ``"0.05 or more"``, ...).
        With small numbers the ratio is not published at all (empty); the
        ``warning`` says on which side of 0.8 it is.
        ``four_fifths_flag``, ``small_numbers`` and ``warning`` are computed from
        the exact counts first.  False: the exact values (researcher use).

    Returns
    -------
    DataFrame
        One row per arm: ``arm, n_groups, n_groups_hidden, lowest_group,
        lowest_n, lowest_promoted, lowest_rate, highest_group, highest_n,
        highest_promoted, highest_rate, adverse_impact_ratio,
        four_fifths_flag, p_value, small_numbers, warning``.

    References
    ----------
    Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D).

    Adoption of Questions and Answers to Clarify and Provide a Common
    Interpretation of the Uniform Guidelines on Employee Selection Procedures
    (1979), 44 Fed. Reg. 11996 (small samples and statistical significance).
    """
    cfg = cohort.config
    rates = measures.promotion_rates(cohort.employees, cohort.leaders, cfg, by=("arm", "group"))
    rates["arm"] = rates["arm"].astype("str")
    rates["group"] = rates["group"].astype("str")
    small = rates["n"].to_numpy() < cfg.min_group_size
    hidden = rates[small].groupby("arm").size()
    shown = rates[~small].reset_index(drop=True)
    cols = ["arm", "n_groups", "n_groups_hidden", "lowest_group", "lowest_n", "lowest_promoted",
            "lowest_rate", "highest_group", "highest_n", "highest_promoted", "highest_rate",
            "adverse_impact_ratio", "four_fifths_flag", "p_value", "small_numbers", "warning"]
    if shown.empty:
        return pd.DataFrame(columns=cols)
    air = measures.adverse_impact_ratio(shown)
    counts = shown.set_index(["arm", "group"])
    lo = counts.loc[list(zip(air["arm"], air["lowest_group"]))]
    hi = counts.loc[list(zip(air["arm"], air["highest_group"]))]
    air["lowest_n"] = lo["n"].to_numpy()
    air["lowest_promoted"] = lo["promoted"].to_numpy()
    air["highest_n"] = hi["n"].to_numpy()
    air["highest_promoted"] = hi["promoted"].to_numpy()
    air["n_groups_hidden"] = air["arm"].map(hidden).fillna(0).astype("int64").to_numpy()
    air["small_numbers"] = small_numbers(air["lowest_promoted"], air["lowest_n"], air["highest_promoted"],
                                         air["highest_n"])
    air["warning"] = np.where(
        air["small_numbers"],
        "small numbers: the ratio is unstable (few promotions, or one promotion would change the "
        "four-fifths verdict); read it with the Fisher test",
        "",
    )
    out = air[cols].reset_index(drop=True)
    if not published:
        return out
    most = most_people_per_leader(cohort.employees, cohort.leaders, cfg)
    rows = [coarsen_promotion_contrast(r, most.get(str(r["arm"]), np.nan)) for r in out.to_dict("records")]
    for r in rows:
        if r.get("ratio_class"):
            r["warning"] = (f"{r['warning']}. It is {r['ratio_class']}: too few promotions to publish the ratio "
                            "as a number without revealing one team's")
    pub = pd.DataFrame(rows, columns=cols)
    for col in ("lowest_n", "lowest_promoted", "highest_n", "highest_promoted", "lowest_rate", "highest_rate",
                "adverse_impact_ratio"):
        pub[col] = pd.to_numeric(pub[col], errors="coerce").astype("float64")
    pub["p_value"] = pub["p_value"].astype(object)  # its class: "< 0.05", "0.05 or more", ...
    return pub

