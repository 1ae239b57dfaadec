# Count-model references of tests/test_leading_lagging_methods.py (R_POISSON_*, R_DISPERSION,
# R_NB_*) and Fisher's exact tests of test_leading_lagging_methods.py / test_measures.py.
# R 4.2.2, MASS 7.3-58.2, sandwich 3.0-2, AER 1.2-10.
# Run:  .venv/bin/python tests/reference/export_data.py && Rscript tests/reference/count_models.R
suppressPackageStartupMessages({library(MASS); library(sandwich); library(AER)})
cat(R.version.string, "| MASS", as.character(packageVersion("MASS")),
    "| sandwich", as.character(packageVersion("sandwich")),
    "| AER", as.character(packageVersion("AER")), "\n\n")
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "data", "count_reference.csv"))
ctl <- glm.control(epsilon = 1e-12, maxit = 100)
fp <- glm(y ~ x + role + culture + pre_rate + offset(log(exposure)),
          family = poisson, data = d, control = ctl)
out <- function(name, v) cat(sprintf("%s %.17g\n", name, v))
out("R_POISSON_COEF_X", coef(fp)[["x"]])
out("R_POISSON_SE_X", sqrt(diag(vcov(fp)))[["x"]])
out("R_POISSON_CR1_SE_X", sqrt(diag(vcovCL(fp, cluster = ~unit, type = "HC1")))[["x"]])
dt <- dispersiontest(fp, trafo = 2)
out("R_DISPERSION.alpha", dt$estimate[[1]])
out("R_DISPERSION.z", dt$statistic[[1]])
out("R_DISPERSION.p_value", dt$p.value)
fn <- glm.nb(y ~ x + role + culture + pre_rate + offset(log(exposure)), data = d, control = ctl)
out("R_NB_COEF_X", coef(fn)[["x"]])
out("R_NB_ALPHA", 1 / fn$theta)
out("R_NB_LOGLIK", as.numeric(logLik(fn)))
out("R_NB_SE_X", sqrt(diag(vcov(fn)))[["x"]])
out("R_NB_CR1_SE_X", sqrt(diag(vcovCL(fn, cluster = ~unit, type = "HC1")))[["x"]])

# Fisher's exact tests: R_FISHER_A, R_FISHER_B (test_leading_lagging_methods.py) and the
# tea-tasting table of test_measures.py::test_adverse_impact_fisher_tea_tasting (0.4857143)
out("R_FISHER_A", fisher.test(matrix(c(2, 79, 25, 282), 2, byrow = TRUE))$p.value)
out("R_FISHER_B", fisher.test(matrix(c(3, 51, 14, 186), 2, byrow = TRUE))$p.value)
out("FISHER_TEA", fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value)
