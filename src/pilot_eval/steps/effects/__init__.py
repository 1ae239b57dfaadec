"""Step 3: the training effect with role and culture controls (ANCOVA, mixed, DiD, matching),
its heterogeneity and refutation checks."""
