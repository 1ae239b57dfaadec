"""The whole decision from Python: every estimate the scorecard needs, the scorecard and the rule.

:func:`evaluate` runs on a loaded cohort without notebooks or files (the
decision benchmark runs it on thousands of simulated cohorts);
:func:`decide_from_results` is what notebook 05 runs on the earlier steps'
``results/*.csv``.  Both end in :func:`decide`, so the report's decision
and :func:`evaluate` agree whenever they see the same estimates.

Examples
--------
>>> from pilot_eval.data.cohort import load_cohort                  # doctest: +SKIP
>>> result = evaluate(load_cohort("data/sample"), n_boot=199)       # doctest: +SKIP
>>> result.recommendation, result.reasons[0]                        # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Iterable, cast

import numpy as np
import pandas as pd

from pilot_eval.data.as_of import cohort_as_of, planned_config
from pilot_eval.data.cohort import Cohort
from pilot_eval.data.contract import WAVES
from pilot_eval.measures.behaviour_exclusions import excluded_behaviours
from pilot_eval.privacy import coarsen_published
from pilot_eval.stats.icc import icc_oneway_unbalanced
from pilot_eval.steps.decision.course import DECISION_WORDS, recommend_course
from pilot_eval.steps.decision.indicators import NOT_YET
from pilot_eval.steps.decision.previous import PreviousLook, with_previous
from pilot_eval.steps.decision.scorecard import (
    build_scorecard, confidence_components, reliability_icc1k, usable_comparison,
)
from pilot_eval.steps.baseline import leader_baseline
from pilot_eval.steps.effects.improved import excess_improved
from pilot_eval.steps.effects.models import adjustment_covariates, estimate_effects, has_comparison
from pilot_eval.steps.reliability.change import leader_reliable_change
from pilot_eval.steps.reliability.common import _nested_subset, _other_rater_means

#: The effects.csv rows the decision uses: ``outcome:model``.
DECISION_MODELS: tuple[str, ...] = (
    "empathy_360:ancova", "empathy_360:prepost", "pulse:ancova", "pulse:prepost",
    "behaviour_index:ancova", "behaviour_index:prepost",
    "voluntary_attrition:count", "hr_incidents:count", "escalations:count",
)
DECISION_OUTCOMES: tuple[str, ...] = ("empathy_360", "behaviour_index", "pulse", "voluntary_attrition",
                                      "hr_incidents", "escalations")


@dataclasses.dataclass
class DecisionResult:
    """What the decision rule says about one cohort.

    Attributes
    ----------
    recommendation
        ``"scale"``, ``"iterate"`` or ``"stop"`` (the final rule); before the pilot's end
        ``"continue"``, ``"adjust"`` or ``"stop_harm"`` (the course of the pilot, never scale).
    reasons
        The headline first, then every reason in plain words (every indicator
        at risk, off track or without data is named).
    scorecard
        The scorecard table (``results/scorecard.csv`` columns).
    headline
        One sentence: the recommendation and its main reason.
    conditions
        The rule's conditions (``fair_comparison``, ``harm``, ``futile``,
        ``effect_above_zero``, ``target_in_reach``, ``reliable``,
        ``harm_warning``, ``fairness_flag``).
    effects
        The ``effects.csv`` rows the scorecard used.
    icc1k
        ICC(1,k) of the 360's non-self raters (None if not measured).
    as_of
        The look's date (None: all data).
    interim
        Whether the interim (course) rule decided (a look before the pilot's end).
    rule_text
        The rule that decided, in plain sentences.
    boundaries
        At an interim look, the evidence needed at each look (else None).
    look
        At an interim look: ``look``, ``n_looks``, ``information_fraction``, ``day``.
    """

    recommendation: str
    reasons: list[str]
    scorecard: pd.DataFrame
    headline: str = ""
    conditions: dict[str, bool] = dataclasses.field(default_factory=dict)
    effects: pd.DataFrame | None = None
    icc1k: float | None = None
    as_of: dt.date | None = None
    interim: bool = False
    rule_text: tuple[str, ...] = ()
    boundaries: pd.DataFrame | None = None
    look: dict = dataclasses.field(default_factory=dict)

    @property
    def label(self) -> str:
        """The recommendation in words ("Scale", "Continue", "Stop early for harm", ...)."""
        return DECISION_WORDS.get(self.recommendation, self.recommendation.capitalize())


def icc1k_360(cohort: Cohort) -> float | None:
    """ICC(1,k) of all non-self 360 raters in the first wave where it can be estimated.

    The same estimate as the first ``empathy_360:all_others`` / ``ICC1k`` row
    of ``results/reliability.csv`` (step 2), without its bootstrap.
    """
    rm = _other_rater_means(cohort.ratings)
    for wave in WAVES:
        sub = _nested_subset(rm, None, wave)
        if sub["leader_id"].nunique() >= 2 and sub.groupby("leader_id", observed=True).size().ge(2).any():
            est = icc_oneway_unbalanced(sub, "leader_id", "rater_mean").set_index("method")
            v = float(cast(float, est.loc["ICC1k", "estimate"]))
            return v if np.isfinite(v) else None
    return None


def decision_effects(cohort: Cohort, excluded: Iterable[str] = (), covariates: Iterable[str] | None = None,
                     n_boot: int = 999, seed: int | None = 0) -> pd.DataFrame:
    """The ``effects.csv`` rows the scorecard uses (:data:`DECISION_MODELS`), computed as step 3 does.

    ``covariates`` default: :func:`pilot_eval.steps.effects.models.adjustment_covariates`.
    """
    excluded = tuple(excluded)
    lb = None
    if covariates is None:
        lb = leader_baseline(cohort, exclude_behaviours=excluded) if has_comparison(cohort) else None
        covariates = adjustment_covariates(cohort, excluded, baseline=lb)
    run = estimate_effects(cohort, exclude=excluded, covariates=list(covariates), outcomes=DECISION_OUTCOMES,
                           n_boot=n_boot, seed=seed, models=DECISION_MODELS, baseline=lb)
    return run.table


def decide(cohort: Cohort, effects: pd.DataFrame | None, reliable_change: pd.DataFrame | None,
           icc1k: float | None, confidence: pd.DataFrame | None = None, n_boot: int = 999,
           seed: int | None = 0, as_of: dt.date | None = None,
           previous: PreviousLook | None = None) -> DecisionResult:
    """Scorecard and recommendation from the estimates (shared by :func:`evaluate` and notebook 05).

    The effect rows are used as ``results/effects.csv`` publishes them
    (:func:`pilot_eval.privacy.coarsen_published`).  The excess share reliably improved is
    estimated here (:func:`pilot_eval.steps.effects.improved.excess_improved`, ``n_boot`` and ``seed``).
    ``as_of``: the look's date (the cohort already cut to it); before the pilot's end the interim
    rule decides (:func:`pilot_eval.steps.decision.course.recommend_course`).  ``previous``: the
    previous look, whose published values and statuses the scorecard carries.
    """
    ok, why = usable_comparison(cohort)
    if effects is not None and len(effects):
        # the numbers as published in results/effects.csv (rounded for privacy across reports,
        # idempotent), so evaluate() and the report decide on the same numbers
        effects = coarsen_published(effects, "effects", scale=(cohort.config.scale_min, cohort.config.scale_max))
    excess: dict | str | None = None
    if ok and reliable_change is not None:
        try:
            excess = excess_improved(cohort, reliable_change, n_boot=n_boot, seed=seed)
        except (ValueError, np.linalg.LinAlgError) as exc:
            excess = f"the excess share could not be estimated ({exc})"
    card = build_scorecard(cohort, effects, excess, confidence, as_of=as_of)
    course = recommend_course(card, planned_config(cohort), as_of, fair_comparison=ok, why_not=why, icc1k=icc1k)
    rec = course.recommendation
    reasons = [rec.headline, *rec.reasons]
    waiting = card[card["status"] == NOT_YET]
    if len(waiting):
        reasons.append("Not yet measurable at this look: " + "; ".join(
            f"{r['label']} (from {r['available_from']})" for _, r in waiting.iterrows()) + ".")
    card = with_previous(card, previous)
    return DecisionResult(rec.decision, reasons, card, rec.headline, rec.conditions, effects, icc1k,
                          as_of, course.interim, course.rule_text, course.boundaries, course.look)


def evaluate(cohort: Cohort, *, n_boot: int = 999, seed: int = 0, as_of: dt.date | None = None) -> DecisionResult:
    """The whole decision for a cohort, computed directly (no notebooks, no files).

    Uses the report's default settings: behaviours with Krippendorff's alpha
    below 0.667 left out of the behaviour index, extra ANCOVA covariates for
    the baseline measures that are not balanced (step 1), the wild cluster
    bootstrap with ``n_boot`` replicates and ``seed`` where org units are
    fewer than 30.  The confidence columns of the scorecard are left empty
    (they do not enter the decision).

    Parameters
    ----------
    cohort
        A loaded cohort (:func:`pilot_eval.data.cohort.load_cohort`).
    n_boot, seed
        Wild cluster bootstrap replicates and seed of the ANCOVA intervals.
    as_of
        An interim look: the cohort is cut to the data dated before it
        (:func:`pilot_eval.data.as_of.cohort_as_of`) and, before the pilot's end,
        the interim rule decides the course.

    Returns
    -------
    DecisionResult
    """
    if as_of is not None:
        cohort = cohort_as_of(cohort, as_of)
    excluded = excluded_behaviours(cohort, True, "")
    effects = decision_effects(cohort, excluded, None, n_boot, seed)
    rc = leader_reliable_change(cohort)
    return decide(cohort, effects, rc, icc1k_360(cohort), n_boot=n_boot, seed=seed, as_of=as_of)


def decide_from_results(cohort: Cohort, results: dict[str, pd.DataFrame], excluded: Iterable[str] = (),
                        n_boot: int = 999, seed: int | None = 0, as_of: dt.date | None = None,
                        previous: PreviousLook | None = None) -> DecisionResult:
    """The decision from the earlier steps' ``results/*.csv`` (notebook 05), with confidence scores.

    ``as_of`` and ``previous`` as for :func:`decide` (the cohort already cut to ``as_of``).
    """
    icc1k = reliability_icc1k(results.get("reliability"))
    conf = confidence_components(cohort, icc1k, excluded).set_index("source")
    return decide(cohort, results.get("effects"), leader_reliable_change(cohort), icc1k, conf, n_boot, seed,
                  as_of, previous)
