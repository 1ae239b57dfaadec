"""The contract's measures on a cohort: 360 scores, behaviours, pulse (scores), headcount and outcome
rates (rates), outcome frames, lagging outcomes, fidelity, time courses, behaviour exclusions.

Uses :mod:`pilot_eval.data`, :mod:`pilot_eval.stats` and :mod:`pilot_eval.privacy`; never a step or
the report.  ``from pilot_eval.measures import scores as measures`` reaches every measure.
"""
