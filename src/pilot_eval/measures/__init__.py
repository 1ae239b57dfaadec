"""The contract's measures on a cohort: 360 scores, behaviours, pulse, headcount, outcome rates and frames.

Uses :mod:`pilot_eval.data` and :mod:`pilot_eval.stats`; never a step or the report.
"""
