"""pilot-eval: evaluate a 90-day empathy-training pilot cohort with a balanced scorecard."""

__version__ = "0.1.0"
