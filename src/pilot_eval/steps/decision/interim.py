"""The recommendation at an interim (monthly) look: continue, adjust coaching, or stop early for harm.

Before the data of the whole pilot and its follow-up are in, the question is
about the course, never about scaling.  The rule is written in
:data:`INTERIM_RULE_TEXT` and applied by :func:`interim_recommendation`:

1. **No fair comparison, no early signal.**  Without a comparison group (or
   with an arm under ``min_group_size``) the answer is *continue*: nothing
   can be told apart from chance, and nothing is stopped on it.
2. **Stop early for harm** when a risk outcome (HR incidents, escalations,
   voluntary attrition) rose in pilot teams beyond this look's *harm
   boundary*.  The boundaries spend the rule's 5 % false-alarm budget for
   harm over the looks with the Lan-DeMets O'Brien-Fleming-type spending
   function (:mod:`pilot_eval.stats.group_sequential`), on the information
   fraction = share of the person-time from the pilot start to the end of
   follow-up seen at the look (calendar share; team sizes change little).
   The budget of a look is split evenly over the three risk outcomes
   (Bonferroni, which is the first step of Holm's procedure: the step that
   decides whether anything is stopped).  With the planned looks at days 30,
   60 and 90 of a 90-day pilot with 180 days of follow-up, the fractions are
   1/9, 2/9 and 1/3 and the interim looks may spend ``alpha(1/3) = 0.0007``
   of the 0.05; the final rule's Holm test (:func:`pilot_eval.steps.decision.rule.recommend`)
   gets the rest, ``harm_alpha = 0.0493`` (:func:`final_harm_alpha`).  The
   final test uses another window (the follow-up), so the split between the
   interim looks and the final is a union bound, valid whatever the
   correlation: the family-wise chance of a false "stop for harm" over the
   three looks and the final is at most 5 %.
3. **Adjust coaching** when a leading indicator (team pulse, observed
   behaviours) is off track *after allowing for repeated looks*: its chance
   of meeting its target is below this look's *adjust threshold*, from
   Pocock-type spending (which spreads the budget evenly: leading indicators
   are there to steer early) of a 10 % false "adjust" budget over the
   planned interim looks (fraction = share of the pilot seen), split evenly
   over the two leading indicators.  A single look at the 10 % cut-off of
   the scorecard's "off track" would, over three looks and two indicators,
   flag a training on target far more often.
4. Otherwise **continue**.

Looks after the pilot's end and before the end of follow-up are extra
looks: they spend nothing more (neither a stop for harm nor a call to
adjust the coaching, which is over; the final analysis judges), so the
budgets hold.

The error rates of the rule over a 3-look schedule are measured by the
decision benchmark (``benchmarks/decision/run.py --looks``) and shipped in
``interim_oc.csv`` (:func:`pilot_eval.steps.decision.oc.interim_error_rate_sentence`);
those of the call to adjust the coaching by ``looks.py --leading``
(``benchmarks/results/interim_adjust_oc.csv``).

References
----------
Lan, K. K. G., & DeMets, D. L. (1983). Discrete sequential boundaries for
clinical trials. *Biometrika*, 70(3), 659-663.

Jennison, C., & Turnbull, B. W. (2000). *Group Sequential Methods with
Applications to Clinical Trials*. Chapman & Hall/CRC, ch. 7.

Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics*, 6(2), 65-70.

Examples
--------
>>> import datetime as dt
>>> from pilot_eval.data.config import CohortConfig
>>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
>>> plan = interim_plan(cfg, dt.date(2026, 3, 6))        # day 60
>>> plan.look, plan.n_looks, [round(t, 3) for t in plan.fractions], plan.is_final
(2, 3, [0.111, 0.222], False)
>>> round(final_harm_alpha(cfg), 4)
0.0493
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Sequence, cast

import numpy as np
import pandas as pd

from pilot_eval.data.config import MONTH_DAYS, CohortConfig
from pilot_eval.stats.group_sequential import nominal_levels, spending, spending_boundaries
from pilot_eval.steps.decision.indicators import HARM_INDICATORS, INDICATORS, NO_DATA
from pilot_eval.steps.decision.rule import HARM_ALPHA, Recommendation, chance, describe

CONTINUE, ADJUST, STOP_HARM = "continue", "adjust", "stop_harm"
INTERIM_DECISIONS: tuple[str, ...] = (CONTINUE, ADJUST, STOP_HARM)
DECISION_LABELS: dict[str, str] = {CONTINUE: "Continue", ADJUST: "Adjust coaching",
                                   STOP_HARM: "Stop early for harm"}
#: Spending function of the harm budget (``HARM_ALPHA``) over the information fraction.
HARM_SPENDING = "obf"
#: False "adjust coaching" budget over the interim looks (both leading indicators together).
ADJUST_ALPHA = 0.10
#: Spending function of the adjust budget over the share of the pilot seen.
ADJUST_SPENDING = "pocock"
#: The leading indicators ADJUST looks at.
LEADING_INDICATORS: tuple[str, ...] = tuple(s.key for s in INDICATORS if s.kind == "leading")


@dataclasses.dataclass(frozen=True)
class InterimPlan:
    """Where a look stands in the schedule (:func:`interim_plan`).

    Attributes
    ----------
    day
        Days from the pilot start to the look (the look sees the days before it).
    look
        1-based number of this look among the looks taken (0 before the pilot starts).
    n_looks
        Planned interim looks (days 30, 60, ... and the pilot's end).
    fractions
        Harm information fractions of looks ``1..look`` (the last is this look's).
    pilot_fractions
        Share of the pilot seen at looks ``1..look`` (for the adjust budget; capped at 1).
    planned_days
        The planned interim look days.
    is_final
        True without ``as_of`` or from the end of follow-up on: the final rule applies.
    extra
        True for a look after the pilot's end and before the final (spends nothing).
    final_harm_alpha
        The alpha left for the final rule's harm test.
    harm_alpha
        The Holm level of the harm test **at this look**, for a caller that
        applies :func:`pilot_eval.steps.decision.rule.recommend` here: the
        final analysis gets ``final_harm_alpha``; a planned interim look
        ``m`` times its per-outcome boundary (Holm's first step then stops
        exactly where :func:`interim_recommendation` does); an extra look
        after the pilot's end 0 (no stop for harm before the final analysis).
    """

    day: int
    look: int
    n_looks: int
    fractions: tuple[float, ...]
    pilot_fractions: tuple[float, ...]
    planned_days: tuple[int, ...]
    is_final: bool
    extra: bool
    final_harm_alpha: float
    harm_alpha: float = float("nan")

    def __post_init__(self) -> None:
        if np.isnan(self.harm_alpha):
            if self.is_final:
                a = self.final_harm_alpha
            elif self.extra or not self.fractions:
                a = 0.0
            else:
                a = len(HARM_INDICATORS) * harm_threshold(self.fractions)
            object.__setattr__(self, "harm_alpha", float(a))


def planned_look_days(config: CohortConfig) -> tuple[int, ...]:
    """The planned interim looks: every 30 days during the pilot and at its end (30, 60, 90)."""
    days = [MONTH_DAYS * k for k in range(1, config.pilot_days // MONTH_DAYS + 1) if MONTH_DAYS * k < config.pilot_days]
    return tuple([*days, int(config.pilot_days)])


def horizon_days(config: CohortConfig) -> int:
    """Days from the pilot start to the end of follow-up (the final analysis)."""
    return int(config.pilot_days + config.follow_up_days)


def information_fraction(config: CohortConfig, day: int) -> float:
    """Harm information at ``day``: share of the person-time from the pilot start to the end of follow-up.

    Calendar share ``day / (pilot_days + follow_up_days)``, clipped to [0, 1]
    (team sizes change little, so person-time grows with the days).

    Examples
    --------
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> information_fraction(cfg, 90)
    0.3333333333333333
    """
    return float(min(max(day / max(horizon_days(config), 1), 0.0), 1.0))


def final_harm_alpha(config: CohortConfig | None = None, alpha: float = HARM_ALPHA) -> float:
    """The alpha the final rule's harm test may use after the planned interim looks.

    ``alpha - alpha(t)`` with ``t`` the harm information fraction of the last
    planned interim look (the pilot's end) and ``alpha(t)`` the
    O'Brien-Fleming-type spending function.  Without ``config``, the contract
    default (90-day pilot, 180-day follow-up).
    """
    cfg = config if config is not None else CohortConfig(name="default", pilot_start=dt.date(2026, 1, 1))
    if cfg.follow_up_days <= 0:  # the final analysis is at the pilot's end: the last interim look is before it
        days = planned_look_days(cfg)[:-1]
        if not days:
            return alpha
        t = information_fraction(cfg, days[-1])
    else:
        t = information_fraction(cfg, planned_look_days(cfg)[-1])
    return float(alpha - float(spending(t, alpha, HARM_SPENDING)))


def interim_plan(config: CohortConfig, as_of: dt.date | None) -> InterimPlan:
    """The look at ``as_of`` in the schedule of :func:`planned_look_days`.

    The looks taken are taken to be the planned days before ``as_of`` plus
    ``as_of`` itself (a look on another day replaces the planned one it
    falls after; the spending method allows it).  From the end of follow-up
    on (or without ``as_of``) the plan is final.
    """
    planned = planned_look_days(config)
    if config.follow_up_days <= 0:
        planned = planned[:-1]  # the pilot's end is the final analysis
    horizon = horizon_days(config)
    alpha_left = final_harm_alpha(config)
    if as_of is None:
        return InterimPlan(horizon, len(planned) + 1, len(planned), (), (), planned, True, False, alpha_left)
    day = int((as_of - config.pilot_start).days)
    if day >= horizon:
        return InterimPlan(day, len(planned) + 1, len(planned), (), (), planned, True, False, alpha_left)
    if day <= 0:
        return InterimPlan(day, 0, len(planned), (), (), planned, False, False, alpha_left)
    extra = bool(planned) and day > planned[-1]
    days = [d for d in planned if d < day] + ([] if extra else [day])
    fr = tuple(information_fraction(config, d) for d in days)
    pf = tuple(min(d / max(config.pilot_days, 1), 1.0) for d in days)
    look = len(days) + (1 if extra else 0)
    return InterimPlan(day, look, len(planned), fr, pf, planned, False, extra, alpha_left)


@functools.lru_cache(maxsize=256)
def _harm_levels(fractions: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    m = len(HARM_INDICATORS)
    b = spending_boundaries(fractions, alpha, spend=lambda t: spending(t, alpha, HARM_SPENDING) / m)
    return tuple(nominal_levels(b))


@functools.lru_cache(maxsize=256)
def _adjust_levels(fractions: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    m = len(LEADING_INDICATORS)
    b = spending_boundaries(fractions, alpha, spend=lambda t: spending(t, alpha, ADJUST_SPENDING) / m)
    return tuple(nominal_levels(b))


def harm_threshold(fractions: Sequence[float], alpha: float = HARM_ALPHA) -> float:
    """One-sided p below which a risk outcome stops the pilot at the last of ``fractions``.

    Examples
    --------
    >>> f"{harm_threshold([1/9, 2/9, 1/3]):.5f}"
    '0.00022'
    """
    fr = tuple(float(round(t, 12)) for t in fractions)
    return _harm_levels(fr, float(alpha))[-1] if fr else 0.0


def adjust_threshold(pilot_fractions: Sequence[float], alpha: float = ADJUST_ALPHA) -> float:
    """Chance of meeting its target below which a leading indicator calls for adjusting, at the last look.

    Examples
    --------
    >>> f"{adjust_threshold([1/3, 2/3, 1]):.3f}"
    '0.024'
    """
    fr = tuple(float(round(t, 12)) for t in pilot_fractions)
    return _adjust_levels(fr, float(alpha))[-1] if fr else 0.0


def boundary_table(plan: InterimPlan | CohortConfig) -> pd.DataFrame:
    """The evidence needed at each planned interim look (for the page).

    Columns ``look, day, information_fraction, harm_p_threshold,
    adjust_probability_threshold``.
    """
    cfg_plan = plan if isinstance(plan, InterimPlan) else None
    if cfg_plan is None:
        cfg = cast(CohortConfig, plan)
        days = list(planned_look_days(cfg))
        if cfg.follow_up_days <= 0:
            days = days[:-1]
        fr = [information_fraction(cfg, d) for d in days]
        pf = [min(d / max(cfg.pilot_days, 1), 1.0) for d in days]
    else:
        days = list(cfg_plan.planned_days)
        fr, pf = [], []
        n = len(cfg_plan.fractions)
        # planned looks: fractions of the ones taken, then the planned rest at their share
        if n:
            per_day = cfg_plan.fractions[-1] / max(cfg_plan.day, 1) if not cfg_plan.extra else None
            for i, d in enumerate(days):
                if i < n:
                    fr.append(cfg_plan.fractions[i])
                    pf.append(cfg_plan.pilot_fractions[i])
                elif per_day is not None:
                    fr.append(per_day * d)
                    pf.append(min(cfg_plan.pilot_fractions[-1] / max(cfg_plan.day, 1) * d, 1.0))
        days = days[: len(fr)]
    rows = []
    for k in range(len(fr)):
        rows.append({"look": k + 1, "day": int(days[k]), "information_fraction": fr[k],
                     "harm_p_threshold": harm_threshold(fr[: k + 1]),
                     "adjust_probability_threshold": adjust_threshold(pf[: k + 1])})
    return pd.DataFrame(rows, columns=["look", "day", "information_fraction", "harm_p_threshold",
                                       "adjust_probability_threshold"])


INTERIM_RULE_TEXT: tuple[str, ...] = (
    "Before the pilot and its follow-up are complete, the question is whether to continue, adjust the "
    "coaching or stop early for harm; the recommendation is never to scale.",
    "Without a fair comparison group, nothing can be told apart from chance, so the answer is continue.",
    "Stop early if a risk outcome (HR incidents, escalations or voluntary attrition) rose in pilot teams by "
    "more than chance can explain at this look. The evidence needed is very strong early on and eases as the "
    "data grow, so that looking every month does not add false alarms: over all the monthly looks and the "
    "final analysis together, a harmless training is wrongly stopped for harm in at most 5 in 100 pilots.",
    "Adjust the coaching if a leading indicator (team pulse or observed empathy behaviours) is clearly off "
    "track, with a bar set so that, over all the monthly looks, a training on target is wrongly flagged in "
    "at most 10 in 100 pilots.",
    "Otherwise continue: lagging outcomes that cannot be measured yet are judged at the end.",
)


def _in_n(p: float) -> str:
    """A small probability as "1 in N" (rounded to two significant digits)."""
    if not np.isfinite(p) or p <= 0:
        return "never"
    n = 1.0 / p
    digits = max(int(np.floor(np.log10(n))) - 1, 0)
    return f"1 in {int(round(n, -digits)):,}"


def interim_recommendation(scorecard: pd.DataFrame, *, look: int, n_looks: int, information_fraction: float,
                           fair_comparison: bool, why_not: str = "",
                           previous_fractions: Sequence[float] = (),
                           pilot_fractions: Sequence[float] | None = None,
                           alpha: float = HARM_ALPHA, adjust_alpha: float = ADJUST_ALPHA,
                           extra: bool = False) -> Recommendation:
    """Continue, adjust coaching or stop early for harm at an interim look (module docstring).

    Parameters
    ----------
    scorecard
        The scorecard at this look (:func:`pilot_eval.steps.decision.scorecard.build_scorecard`
        on the cohort as of the look): ``p_worse`` of the risk rows and
        ``probability`` of the leading rows are used.
    look, n_looks
        This look's number (1-based) and the planned interim looks.
    information_fraction
        Harm information fraction of this look (:func:`information_fraction`).
    fair_comparison, why_not
        As for :func:`pilot_eval.steps.decision.rule.recommend`.
    previous_fractions
        Harm information fractions of the earlier looks (default: ``look - 1``
        looks evenly spaced before this one).
    pilot_fractions
        Share of the pilot seen at looks ``1..look`` (default: ``k / n_looks``).
    alpha, adjust_alpha
        The harm and adjust budgets.
    extra
        A look after the last planned one (after the pilot's end): it spends nothing, so it neither
        stops for harm nor calls for adjusting (the final analysis judges).

    Returns
    -------
    Recommendation
        ``decision`` in :data:`INTERIM_DECISIONS` (never scale), headline, reasons, conditions.

    Examples
    --------
    >>> card = pd.DataFrame({"indicator": ["hr_incidents_change_pct", "escalations_change_pct",
    ...     "voluntary_attrition_change_pct", "pulse_change", "behaviour_index_change"],
    ...     "label": ["HR incidents", "Escalations", "Voluntary attrition", "Team pulse", "Behaviours"],
    ...     "status": ["at risk"] * 5, "p_worse": [1e-5, 0.5, 0.5, np.nan, np.nan],
    ...     "probability": [0.2, 0.5, 0.5, 0.6, 0.6], "value": [80.0, 0, 0, 0.1, 0.1],
    ...     "ci_low": [40.0, -20, -20, -0.1, -0.1], "ci_high": [130.0, 20, 20, 0.3, 0.3],
    ...     "target": [-30.0, 0, 0, 0, 0], "unit": ["%", "%", "%", "points", "share"], "n": [105] * 5})
    >>> interim_recommendation(card, look=3, n_looks=3, information_fraction=1/3,
    ...                        previous_fractions=[1/9, 2/9], fair_comparison=True).decision
    'stop_harm'
    """
    k = max(int(look), 0)
    t = float(information_fraction)
    prev = [float(x) for x in previous_fractions]
    if k > 1 and len(prev) != k - 1:
        prev = [t * (i + 1) / k for i in range(k - 1)]
    fr = [*prev[: max(k - 1, 0)], t] if k >= 1 and t > 0 else []
    pf = list(pilot_fractions) if pilot_fractions is not None else [min((i + 1) / max(n_looks, 1), 1.0)
                                                                    for i in range(len(fr))]
    pf = pf[: len(fr)]
    ok_fr = len(fr) > 0 and all(np.diff([0.0, *fr]) > 0) and all(np.diff([0.0, *pf]) > 0) and len(pf) == len(fr)
    # an extra look (after the last planned one) spends nothing: no stop for harm, no adjust call
    harm_p = harm_threshold(fr, alpha) if ok_fr and not extra else 0.0
    adj_p = adjust_threshold(pf, adjust_alpha) if ok_fr and not extra else 0.0

    sc = scorecard.set_index("indicator", drop=False)
    risk = [cast(pd.Series, sc.loc[i]) for i in HARM_INDICATORS if i in sc.index]
    leading = [cast(pd.Series, sc.loc[i]) for i in LEADING_INDICATORS if i in sc.index]

    def num(r: pd.Series, col: str) -> float:
        v = r.get(col, np.nan)
        try:
            return float(v)
        except (TypeError, ValueError):
            return float("nan")

    harmed = [r for r in risk if r["status"] != NO_DATA and np.isfinite(num(r, "p_worse"))
              and num(r, "p_worse") < harm_p]
    off = [r for r in leading if r["status"] != NO_DATA and np.isfinite(num(r, "probability"))
           and num(r, "probability") < adj_p]
    cond = {"fair_comparison": bool(fair_comparison), "harm": bool(harmed and fair_comparison),
            "adjust": bool(off and fair_comparison), "extra_look": bool(extra)}
    reasons: list[str] = []
    where = f"look {k} of {n_looks} planned" if not extra else f"an extra look after the {n_looks} planned"
    if not fair_comparison:
        decision = CONTINUE
        headline = ("Continue: " + (f"{why_not}, so " if why_not else "there is no fair comparison group, so ")
                    + "no early signal can be told apart from chance.")
    elif harmed:
        decision = STOP_HARM
        headline = ("Stop early and review: " + " and ".join(str(r["label"]).split(" (")[0] for r in harmed)
                    + " rose in pilot teams by more than chance explains, even allowing for looking every month.")
    elif off:
        decision = ADJUST
        headline = ("Adjust the coaching: " + " and ".join(str(r["label"]).split(" (")[0].lower() for r in off)
                    + " clearly off track, even allowing for looking every month.")
    else:
        decision = CONTINUE
        headline = "Continue: no risk outcome has risen beyond chance and the leading indicators are not clearly off track."
    if k <= 0 or not fr:
        if fair_comparison:
            headline = "Continue: the pilot has not started yet, so there is nothing to judge."
        decision = CONTINUE
    reasons.append(f"This is {where} before the final analysis; the recommendation is about the course, "
                   "never to scale.")
    if not fair_comparison and why_not:
        reasons.append(f"No firm call: {why_not}.")
    for r in risk:
        p = num(r, "p_worse")
        if r["status"] == NO_DATA or not np.isfinite(p):
            reasons.append(f"Not yet judged for harm: {describe(r)}.")
            continue
        bar = (f"stopping at this look needs less than {_in_n(harm_p)}" if harm_p > 0
               else "no early stop for harm at this look (judged at the final analysis)")
        tag = "Harm" if any(r is h for h in harmed) else "Risk outcome"
        reasons.append(f"{tag}: {describe(r)}; a rise this large would arise by chance in about "
                       f"{_in_n(p)} pilots, and {bar}.")
    for r in leading:
        p = num(r, "probability")
        if r["status"] == NO_DATA or not np.isfinite(p):
            reasons.append(f"Not yet judged: {describe(r)}.")
            continue
        tag = "Off track" if any(r is o for o in off) else "Leading indicator"
        bar = (f"adjusting is called for below {chance(adj_p)} at this look" if adj_p > 0
               else "no call to adjust at this look (the pilot's coaching is over)")
        reasons.append(f"{tag}: {describe(r)}; {bar}.")
    return Recommendation(decision, headline, reasons, cond)
