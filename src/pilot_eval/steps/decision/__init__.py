"""Step 5: the executive balanced scorecard (People Health, Behaviour Change, Risk) and the
scale / iterate / stop recommendation."""
