#!/usr/bin/env Rscript
# Re-derives data/epidemics/*.csv (daily incidence, `day,incidence`, day 0 = first day of the series) from the
# datasets of the R package EpiEstim (Debian r-cran-epiestim 2.2-4+dfsg-1: apt-get install r-cran-epiestim).
# Run from the repository root: Rscript scripts/derive-epidemics.R
# Provenance, populations and transformations: data/epidemics/PROVENANCE.md.
suppressPackageStartupMessages(library(EpiEstim))
out <- "data/epidemics"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
get_data <- function(name) { e <- new.env(); data(list = name, package = "EpiEstim", envir = e); get(name, envir = e) }
write_series <- function(file, inc) {
  inc <- as.numeric(inc)
  stopifnot(all(is.finite(inc)), all(inc >= 0), all(inc == round(inc)))
  write.csv(data.frame(day = seq_along(inc) - 1L, incidence = as.integer(inc)),
            file.path(out, file), row.names = FALSE, quote = FALSE)
  cat(sprintf("%-32s %4d days, total %6d, peak %5d\n", file, length(inc), sum(inc), max(inc)))
}
write_series("measles-1861-hagelloch.csv", get_data("Measles1861")$incidence)
write_series("flu-1918-baltimore.csv",     get_data("Flu1918")$incidence)
write_series("flu-2009-pennsylvania.csv",  get_data("Flu2009")$incidence$I)
write_series("flu-2009-nyc-school.csv",    get_data("flu_2009_NYC_school")$incidence$I)
write_series("sars-2003-hong-kong.csv",    get_data("SARS2003")$incidence)
write_series("smallpox-1972-kosovo.csv",   get_data("Smallpox1972")$incidence)
write_series("mers-2014-15-local.csv",     get_data("mers_2014_15")$incidence$local)
write_series("rotavirus-mock.csv",         get_data("MockRotavirus")$incidence)
