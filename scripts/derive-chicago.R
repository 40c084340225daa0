#!/usr/bin/env Rscript
# Re-derives data/chicago/chicago-l-daily.csv.gz from the R package modeldata (Debian r-cran-modeldata 1.1.0),
# dataset `Chicago` (see data/chicago/PROVENANCE.md). Run from the project root: Rscript scripts/derive-chicago.R
#
# The 20 station columns of `Chicago` are lagged by 14 days relative to its `date` column (the unlagged Clark/Lake
# column `ridership` on date D equals the `Clark_Lake` station column on D + 14), so a station value on row date D is
# the entries of day D - 14: it is written with at = D - 14. Entries are in thousands in the package; they are
# written as whole entries (x 1000, rounded). Output: CSV at,zone,count (what `mfgcal online --format counts`
# reads), one row per day and station, days ascending, stations in the package's column order; gzip -9 -n.
suppressPackageStartupMessages(library(modeldata))
data(Chicago, package = "modeldata", envir = environment())
stations <- names(Chicago)[2:21]
stopifnot(length(stations) == 20, nrow(Chicago) == 5698)
# The lag, checked: ridership (Clark/Lake, unlagged) on D equals Clark_Lake on D + 14.
n <- nrow(Chicago)
stopifnot(isTRUE(all.equal(Chicago$ridership[1:(n - 14)], Chicago$Clark_Lake[15:n])))
day <- as.Date(Chicago$date) - 14
stopifnot(all(diff(day) == 1))
m <- as.matrix(Chicago[, stations])
counts <- round(1000 * m)
stopifnot(all(is.finite(counts)), all(counts >= 0))
out <- data.frame(at = rep(format(day, "%Y-%m-%d"), each = length(stations)),
                  zone = rep(stations, times = n),
                  count = as.vector(t(counts)))
dir.create("data/chicago", showWarnings = FALSE, recursive = TRUE)
tmp <- tempfile(fileext = ".csv")
write.csv(out, tmp, row.names = FALSE, quote = FALSE)
status <- system2("gzip", c("-9", "-n", "-c", tmp), stdout = "data/chicago/chicago-l-daily.csv.gz")
stopifnot(status == 0)
cat(sprintf("data/chicago/chicago-l-daily.csv.gz: %d rows, %d days %s..%s, %d stations\n",
            nrow(out), n, min(day), max(day), length(stations)))
