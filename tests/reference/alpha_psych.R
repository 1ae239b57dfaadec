# Cronbach's alpha reference of tests/test_internal_consistency.py (PSYCH_ALPHA).
# R 4.2.2, psych 2.2.9.   Run:  Rscript tests/reference/alpha_psych.R
suppressPackageStartupMessages(library(psych))
cat(R.version.string, "| psych", as.character(packageVersion("psych")), "\n\n")
d <- matrix(c(3, 4, 3, 2,
              4, 4, 5, 4,
              2, 3, 2, 3,
              5, 5, 4, 5,
              4, 3, 4, 5,
              3, 3, 2, 3,
              2, 2, 1, 2,
              5, 4, 5, 4), ncol = 4, byrow = TRUE)
a <- alpha(d)
# PSYCH_ALPHA = (raw_alpha, Feldt lower, Feldt upper)
v <- c(a$total$raw_alpha, unlist(a$feldt$lower.ci), unlist(a$feldt$upper.ci))
for (i in 1:3) cat(sprintf("PSYCH_ALPHA.%d %.17g\n", i - 1, v[i]))
