# R's glm on the same models as benchmarks/analysis_bench.py (issue 16): the outside baseline.
# Usage: Rscript analysis_glm.R data.csv models.tsv levels.tsv repeats
# data.csv: the prepared rows (outcomes 0/1, predictors as text, empty = missing)
# models.tsv: one model a line, "outcome<TAB>predictor,predictor,..."
# levels.tsv: one predictor a line, "name<TAB>level|level|..." (reference first)
# Prints the best of `repeats` elapsed seconds for all the fits (reading the data not timed).
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], na.strings = "", colClasses = "character", check.names = FALSE)
models <- strsplit(readLines(args[2]), "\t", fixed = TRUE)
levels <- strsplit(readLines(args[3]), "\t", fixed = TRUE)
for (lv in levels) {
  data[[lv[1]]] <- factor(data[[lv[1]]], levels = strsplit(lv[2], "|", fixed = TRUE)[[1]])
}
for (m in models) data[[m[1]]] <- as.numeric(data[[m[1]]])
fit_all <- function() {
  for (m in models) {
    predictors <- strsplit(m[2], ",", fixed = TRUE)[[1]]
    rows <- droplevels(na.omit(data[, c(m[1], predictors)]))
    formula <- reformulate(sprintf("`%s`", predictors), response = sprintf("`%s`", m[1]))
    suppressWarnings(glm(formula, family = binomial, data = rows))
  }
}
best <- Inf
for (i in seq_len(as.integer(args[4]))) {
  best <- min(best, system.time(fit_all())[["elapsed"]])
}
cat(sprintf("%.6f\n", best))
