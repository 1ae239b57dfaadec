"""Which rule decides at a look: the course of a running pilot, or the final call.

Before the pilot has ended (``as_of`` before ``pilot_end``) the question is
the course of the pilot, not whether to scale it: *continue*, *adjust
coaching* or *stop early for harm*, by the interim rule with its
alpha-spending harm boundary (:mod:`pilot_eval.steps.decision.interim`).
From the pilot's end on (the 360 effect is measured then), and in a report
with all data, the final rule decides
(:func:`pilot_eval.steps.decision.rule.recommend`: scale, iterate or stop),
with the harm alpha the interim looks left.

:func:`recommend_course` is the one place that picks the rule; evaluate,
the scorecard page, the summary and index.html all go through it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from pilot_eval.data.config import CohortConfig
from pilot_eval.steps.decision import interim, oc, rule

#: Decisions of the interim rule (never "scale", never the final "stop" for futility).
CONTINUE, ADJUST, STOP_HARM = "continue", "adjust", "stop_harm"
INTERIM_DECISIONS: tuple[str, ...] = (CONTINUE, ADJUST, STOP_HARM)
#: Words for every decision, for headings.
DECISION_WORDS: dict[str, str] = {
    rule.SCALE: "Scale", rule.ITERATE: "Iterate", rule.STOP: "Stop",
    CONTINUE: "Continue", ADJUST: "Adjust coaching", STOP_HARM: "Stop early for harm",
}


@dataclasses.dataclass
class Course:
    """The rule's answer at a look, and which rule gave it.

    Attributes
    ----------
    recommendation
        :class:`pilot_eval.steps.decision.rule.Recommendation` (``decision``, headline, reasons, conditions).
    interim
        True when the interim (course) rule decided.
    rule_text
        The rule that decided, in plain sentences.
    boundaries
        The evidence needed at each look (interim rule only; else None).
    look
        ``{"look", "n_looks", "information_fraction", "day"}`` of an interim look ({} otherwise).
    """

    recommendation: rule.Recommendation
    interim: bool
    rule_text: tuple[str, ...]
    boundaries: pd.DataFrame | None = None
    look: dict[str, Any] = dataclasses.field(default_factory=dict)


def is_interim(config: CohortConfig, as_of: dt.date | None) -> bool:
    """Whether a look at ``as_of`` is before the pilot's end (the course rule decides).

    Examples
    --------
    >>> cfg = CohortConfig(name="x", pilot_start=dt.date(2026, 1, 5))
    >>> is_interim(cfg, dt.date(2026, 3, 6)), is_interim(cfg, cfg.pilot_end), is_interim(cfg, None)
    (True, False, False)
    """
    return as_of is not None and as_of < config.pilot_end


def recommend_course(card: pd.DataFrame, config: CohortConfig, as_of: dt.date | None, *,
                     fair_comparison: bool, why_not: str = "", icc1k: float | None = None) -> Course:
    """The recommendation at a look: the interim rule before the pilot's end, else the final rule.

    Parameters
    ----------
    card
        The scorecard at this look (:func:`pilot_eval.steps.decision.scorecard.build_scorecard`
        with ``as_of``).
    config
        The cohort's settings (its windows).
    as_of
        The look's date (None: all data).
    fair_comparison, why_not, icc1k
        As for :func:`pilot_eval.steps.decision.rule.recommend`.
    """
    plan = interim.interim_plan(config, as_of)
    if not is_interim(config, as_of):
        rec = rule.recommend(card, fair_comparison=fair_comparison, why_not=why_not, icc1k=icc1k,
                             harm_alpha=plan.harm_alpha)
        return Course(rec, False, tuple(rule.RULE_TEXT))
    fraction = plan.fractions[-1] if plan.fractions else 0.0  # a look on the pilot's first day has none
    rec = interim.interim_recommendation(card, look=max(plan.look, 1), n_looks=plan.n_looks,
                                         information_fraction=fraction,
                                         previous_fractions=plan.fractions[:-1],
                                         pilot_fractions=plan.pilot_fractions, extra=plan.extra,
                                         fair_comparison=fair_comparison, why_not=why_not)
    if rec.decision not in INTERIM_DECISIONS:  # the course rule never scales nor stops for futility
        raise ValueError(f"the interim rule answered {rec.decision!r}; expected one of {INTERIM_DECISIONS}")
    look = {"look": max(plan.look, 1), "n_looks": plan.n_looks, "information_fraction": fraction, "day": plan.day}
    return Course(rec, True, tuple(interim.INTERIM_RULE_TEXT), interim.boundary_table(plan), look)


def error_rate_text(n_pilot: int, n_comparison: int, interim_look: bool) -> str:
    """The measured error rate of the rule that decided, for a pilot of this size, in one sentence."""
    if not interim_look:
        return oc.error_rate_sentence(n_pilot, n_comparison)
    return oc.interim_error_rate_sentence(n_pilot, n_comparison)
