# ANCOVA and mixed-model references of tests/test_effects.py (REFERENCE_R).
# R 4.2.2, lme4 1.1.31, sandwich 3.0.2.
# Run:  .venv/bin/python tests/reference/export_data.py && Rscript tests/reference/effects_lm_lmer.R
suppressPackageStartupMessages({library(sandwich); library(lme4)})
cat(R.version.string, "| lme4", as.character(packageVersion("lme4")),
    "| sandwich", as.character(packageVersion("sandwich")), "\n\n")
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(file.path(here, "data", "effects_reference.csv"))
d$pilot <- as.numeric(d$arm == "pilot")
d$tenure_m <- as.numeric(is.na(d$tenure_years))
d$tenure_f <- ifelse(is.na(d$tenure_years), mean(d$tenure_years, na.rm = TRUE), d$tenure_years)
fit <- lm(endline ~ pilot + baseline + tenure_f + tenure_m + factor(role) + factor(culture), data = d)
V <- vcovCL(fit, cluster = ~org_unit, type = "HC1")
out <- function(name, v) cat(sprintf("%s %.17g\n", name, v))
out("REFERENCE_R.ancova_pilot", coef(fit)[["pilot"]])
out("REFERENCE_R.ancova_pilot_se_cl", sqrt(V["pilot", "pilot"]))
out("REFERENCE_R.ancova_baseline", coef(fit)[["baseline"]])
out("REFERENCE_R.ancova_baseline_se_cl", sqrt(V["baseline", "baseline"]))

long <- do.call(rbind, lapply(c("baseline", "midpoint", "endline"), function(w)
  data.frame(d[, c("leader_id", "pilot", "role", "culture", "tenure_f", "tenure_m")],
             wave = w, value = d[[w]])))
long$wave <- factor(long$wave)  # levels: baseline, endline, midpoint
m <- lmer(value ~ pilot * wave + tenure_f + tenure_m + factor(role) * wave + factor(culture) * wave
          + (1 | leader_id), data = long, REML = TRUE)
out("REFERENCE_R.mixed_pilot_endline", fixef(m)[["pilot:waveendline"]])
out("REFERENCE_R.mixed_pilot_endline_se", sqrt(diag(as.matrix(vcov(m))))[["pilot:waveendline"]])
vc <- as.data.frame(VarCorr(m))
out("REFERENCE_R.mixed_leader_var", vc$vcov[vc$grp == "leader_id"])
out("REFERENCE_R.mixed_residual_var", vc$vcov[vc$grp == "Residual"])
