"""Step 5: the executive balanced scorecard (People Health, Behaviour Change, Risk) and the
scale / iterate / stop recommendation.

``evaluate(cohort, n_boot=..., seed=...)`` runs the whole decision from Python and returns a
:class:`DecisionResult` (``recommendation``, ``reasons``, ``scorecard``).
"""

from pilot_eval.steps.decision.evaluate import DecisionResult, evaluate

__all__ = ["DecisionResult", "evaluate"]
