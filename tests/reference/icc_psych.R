# ICC reference values of tests/test_icc.py (PSYCH_ICC, ICCEST) and tests/test_spearman_brown.py.
# R 4.2.2, psych 2.2.9.   Run:  Rscript tests/reference/icc_psych.R
suppressPackageStartupMessages(library(psych))
cat(R.version.string, "| psych", as.character(packageVersion("psych")), "\n\n")

# Shrout & Fleiss (1979), Table 2: 6 targets (rows) x 4 judges (columns).
sf <- matrix(c(9, 2, 5, 8,
               6, 1, 3, 2,
               8, 4, 6, 8,
               7, 1, 2, 6,
              10, 5, 6, 9,
               6, 2, 4, 7), ncol = 4, byrow = TRUE)
out <- function(name, v) cat(sprintf("%s %.17g\n", name, v))
# PSYCH_ICC[method] = (ICC, F, df1, df2, p, lower bound, upper bound)
res <- ICC(sf, lmer = FALSE)$results
for (i in seq_len(nrow(res))) {
  for (col in c("ICC", "F", "df1", "df2", "p", "lower bound", "upper bound")) {
    out(paste0("PSYCH_ICC.", res$type[i], ".", sub(" bound", "", col)), res[i, col])
  }
}

# ICCEST: the one-way, unbalanced ICC of ICC::ICCest(x, y, CI.type = "THD") (Wolak, CRAN
# package ICC 2.3.x; no Debian build, so the computation of its function body is written
# out here: one-way ANOVA, k = n0, THD interval with F quantiles).
x <- factor(c("L1", rep("L2", 2), rep("L3", 3), rep("L4", 4), rep("L5", 5), rep("L6", 2),
              rep("L7", 3), rep("L8", 6), "L9"))
y <- c(4, 2, 3, 5, 4, 5, 1, 2, 2, 3, 3, 4, 3, 5, 4, 2, 2, 5, 5, 4, 3, 2, 4, 3, 3, 2, 1)
alpha <- 0.05
tab <- anova(aov(y ~ x))
num.df <- tab$Df[1]; denom.df <- tab$Df[2]
MSa <- tab$`Mean Sq`[1]; MSw <- tab$`Mean Sq`[2]
a <- nlevels(x); ns <- as.vector(table(x)); N <- sum(ns)
k <- (1 / (a - 1)) * (N - sum(ns^2) / N)
var.a <- (MSa - MSw) / k
r <- var.a / (MSw + var.a)
FL <- (MSa / MSw) / qf(alpha / 2, num.df, denom.df, lower.tail = FALSE)
FU <- (MSa / MSw) * qf(alpha / 2, denom.df, num.df, lower.tail = FALSE)
iccest <- c(ICC = r, LowerCI = (FL - 1) / (FL + k - 1), UpperCI = (FU - 1) / (FU + k - 1),
            N = a, k = k, MSa = MSa, MSw = MSw, F = MSa / MSw, df1 = num.df, df2 = denom.df,
            p = pf(MSa / MSw, num.df, denom.df, lower.tail = FALSE))
for (nm in names(iccest)) out(paste0("ICCEST.", nm), iccest[[nm]])
