# Holm and Benjamini-Hochberg adjusted p-values of tests/test_multiplicity.py (R_P_ADJUST).
# R's stats::p.adjust; the NaN of the Python input is NA here (not counted: n = the tested ones).
# Run:  Rscript tests/reference/p_adjust.R
cat(R.version.string, "\n\n")
p <- c(0.01, NA, 0.04, 0.03, 0.005, 0.20, 0.03, 0.9, 1e-6, 0.5)
out <- function(name, v) for (i in seq_along(v)) if (!is.na(v[i])) cat(sprintf("%s.%d %.17g\n", name, i - 1, v[i]))
out("R_P_ADJUST.holm", p.adjust(p, "holm"))
out("R_P_ADJUST.fdr_bh", p.adjust(p, "BH"))
