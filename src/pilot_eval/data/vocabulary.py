"""Human labels for the contract's codes: one vocabulary for every page, table and chart.

Codes stay codes in ``results/*.csv`` (machines read them); whatever a person
reads goes through :func:`label`.  Behaviour codes are labelled from the
cohort's own codebook (its ``description``), see :func:`behaviour_labels`.
"""

from __future__ import annotations

import re
from typing import Mapping

import pandas as pd

LABELS: dict[str, str] = {
    # arms, waves, rater types
    "pilot": "pilot", "comparison": "comparison", "overall": "overall",
    "baseline": "baseline", "midpoint": "midpoint", "endline": "endline",
    "self": "self", "manager": "manager", "peer": "peers", "direct_report": "direct reports",
    "all_others": "all raters but self",
    # windows
    "pre": "before the pilot", "follow_up": "follow-up", "pilot_window": "pilot",
    "last_pilot_month": "last month of the pilot",
    # measures and outcomes
    "empathy_360": "360 empathy score", "self_other_gap": "self-other gap", "behaviour_index": "behaviour index",
    "pulse": "team pulse", "voluntary_attrition": "voluntary attrition", "hr_incidents": "HR incidents",
    "escalations": "escalations", "promotion_rate": "promotion rate", "adverse_impact_ratio": "adverse impact ratio",
    "tenure_years": "tenure (years)", "team_size": "team size", "org_unit": "org unit", "role": "role",
    "culture": "culture", "leaders": "leaders",
    # models
    "naive": "naive (no controls)", "prepost": "before/after, pilot only (not causal)",
    "ancova": "ANCOVA (baseline, role, culture)", "mixed": "mixed model (waves)",
    "did": "difference-in-differences", "matched": "propensity matching",
    "count": "count model (rate ratio)",
    # leading indicators and the methods of the leading -> lagging step
    "pulse_change_early": "early change in team pulse",
    "behaviour_index_change": "change in observed behaviours",
    "empathy_360_midpoint_change": "360 empathy change by the midpoint",
    "practice_sessions": "practice sessions done",
    "practice_plateau": "practice scores stalled",
    "feedback_within_48h_share": "feedback given within 48 hours",
    "count_model": "count model (primary test)",
    "partial_correlation": "partial correlation (supporting)",
    "cv_permutation": "out-of-sample prediction (supporting)",
    "evidence": "evidence", "verdict_text": "verdict", "mde": "smallest detectable rate ratio",
    "primary": "primary test", "supporting": "supporting evidence",
    # reliability methods
    "ICC1": "ICC(1,1): one rater, one-way", "ICC2": "ICC(2,1): one rater, absolute agreement",
    "ICC3": "ICC(3,1): one rater, consistency", "ICC1k": "ICC(1,k): mean of the raters, one-way",
    "ICC2k": "ICC(2,k): mean of the raters, absolute agreement", "ICC3k": "ICC(3,k): mean of the raters, consistency",
    "kripp_alpha": "Krippendorff's alpha", "fleiss_kappa": "Fleiss' kappa", "cohen_kappa": "Cohen's kappa",
    "cronbach_alpha": "Cronbach's alpha",
    # statuses and verdicts
    "on_track": "on track", "at_risk": "at risk", "off_track": "off track", "no_data": "no data",
    "scale": "scale", "iterate": "iterate", "stop": "stop",
    # column names
    "estimate": "estimate", "std_error": "standard error", "ci_low": "95% CI, low", "ci_high": "95% CI, high",
    "p_value": "p", "p_adjusted": "p (adjusted)", "n": "n", "n_pilot": "pilot leaders",
    "n_comparison": "comparison leaders", "n_clusters": "org units", "n_targets": "rated targets",
    "mean_raters": "raters per target", "verdict": "verdict", "measure": "measure", "method": "method",
    "outcome": "outcome", "model": "model", "period": "period", "note": "note", "variable": "variable",
    "pilot_mean": "pilot mean", "comparison_mean": "comparison mean", "smd": "standardised difference",
    "wwc_rating": "WWC rating", "expected": "expected", "observed": "observed", "completeness": "completeness",
    "table": "table", "column": "column", "leading": "leading indicator", "lagging": "lagging outcome",
    "target_reliability": "target reliability", "single_rater_reliability": "one rater's reliability",
    "min_raters": "raters needed", "suppressed": "hidden because",
    "value_text": "value in words",
}

#: The unit of each outcome's values, in words (tables and sentences).
UNITS: dict[str, str] = {
    "empathy_360": "points", "self_other_gap": "points", "pulse": "points",
    "behaviour_index": "share of behaviours shown",
    "voluntary_attrition": "exits per 100 team members per 90 days",
    "hr_incidents": "incidents per 100 team members per 90 days",
    "escalations": "escalations per 100 team members per 90 days",
}

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def label(code: object, extra: Mapping[str, str] | None = None) -> str:
    """The human label of a code (``empathy_360:peer`` -> ``360 empathy score, peers``).

    Unknown snake_case codes become words (``asked_clarifying_question`` ->
    ``asked clarifying question``); anything else is returned as text.

    Examples
    --------
    >>> label("empathy_360:direct_report")
    '360 empathy score, direct reports'
    >>> label("behaviour:open_body_language", {"open_body_language": "Open, relaxed posture"})
    'behaviour: Open, relaxed posture'
    >>> label("ICC1k")
    'ICC(1,k): mean of the raters, one-way'
    """
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return ""
    text = str(code)
    extra = extra or {}
    if text in extra:
        return extra[text]
    if text in LABELS:
        return LABELS[text]
    if ":" in text:
        head, _, tail = text.partition(":")
        if head == "behaviour":
            return f"behaviour: {label(tail, extra)}"
        return f"{label(head, extra)}, {label(tail, extra)}"
    if _SNAKE.match(text):
        return text.replace("_", " ")
    return text


def behaviour_labels(behaviours: pd.DataFrame | None) -> dict[str, str]:
    """Behaviour code -> the codebook's description (the micro-action observers look for)."""
    if behaviours is None or not len(behaviours):
        return {}
    desc = behaviours["description"].astype("string").fillna("")
    return {str(b): (str(d) if d else str(b).replace("_", " ")) for b, d in zip(behaviours["behaviour"], desc)}
