"""One module (or subpackage) per report step: completeness, baseline, reliability, effects,
leading-lagging, decision, and the registry of the result files they hand each other.

Uses data, stats and measures; never :mod:`pilot_eval.report`.
"""
