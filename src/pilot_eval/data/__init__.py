"""Contract and data: the cohort data contract, settings, windows, validation, loading, the generator.

Bottom layer: imports only :mod:`pilot_eval.errors` and :mod:`pilot_eval.privacy`.
"""
