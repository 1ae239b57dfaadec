# Kappa references of tests/test_kappa.py (IRR_KAPPA2, kappam.fleiss on "diagnoses").
# R 4.2.2, irr 0.84.1.  The test values were recorded from irr in statsmodels' test suite
# (statsmodels/stats/tests/test_inter_rater.py); this script re-derives them where irr is
# installed (irr has no Debian build: install.packages("irr")).
# Run:  Rscript tests/reference/kappa_irr.R
suppressPackageStartupMessages(library(irr))
cat(R.version.string, "| irr", as.character(packageVersion("irr")), "\n\n")
data(anxiety)
out <- function(name, v) cat(sprintf("%s %.17g\n", name, v))
# IRR_KAPPA2[weights] = (kappa, z), raters 2 and 3 of irr's anxiety data; irr "equal" is
# linear and "squared" quadratic weights
for (w in c("unweighted", "equal", "squared")) {
  k <- kappa2(anxiety[, 2:3], weight = w)
  key <- c(unweighted = "None", equal = "linear", squared = "quadratic")[[w]]
  out(paste0("IRR_KAPPA2.", key, ".0"), k$value)
  out(paste0("IRR_KAPPA2.", key, ".1"), k$statistic)
}
data(diagnoses)
f <- kappam.fleiss(diagnoses)
out("FLEISS_DIAGNOSES.kappa", f$value)   # 0.4302445 in test_kappa.py
out("FLEISS_DIAGNOSES.z", f$statistic)   # 17.65183
