package org.mfgcal.ingest;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every command-line option and config key ({@code --bin}, {@code --duration},
 * {@code binWidth}, {@code window}, ...): a whole number followed by a unit {@code ms}, {@code s}, {@code m},
 * {@code h} or {@code d} ({@code 15m}, {@code 60m}, {@code 1h}, {@code 1d}), or ISO-8601 ({@code PT15M},
 * {@code PT1H}, {@code P1D}, {@code P1DT12H}). Case-insensitive; {@code 1d} is exactly 24 hours (bins are UTC,
 * see docs/ONLINE.md). Documented in README, section "Durations".
 *
 * <p>Stateless; thread-safe.
 */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)");

    /** What an error message says the syntax is. */
    public static final String SYNTAX = "a duration such as 15m, 60m, 1h, 1d, PT1H or P1D";

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param field the option or config key, named in the error message
     * @param s     the text
     * @throws IllegalArgumentException naming {@code field} and the value when {@code s} is not a duration
     */
    public static Duration parse(String field, String s) {
        if (s == null) {
            throw new IllegalArgumentException(field + ": expected " + SYNTAX + ", got nothing");
        }
        String v = s.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(v);
        try {
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            if (v.startsWith("p") || v.startsWith("-p") || v.startsWith("+p")) {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException(field + ": expected " + SYNTAX + ", got '" + Texts.clip(s) + "'", e);
        }
        throw new IllegalArgumentException(field + ": expected " + SYNTAX + ", got '" + Texts.clip(s) + "'");
    }

    /** {@link #parse}, and the duration must be {@code > 0}. */
    public static Duration parsePositive(String field, String s) {
        Duration d = parse(field, s);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + ": must be positive, got '" + Texts.clip(s) + "'");
        }
        return d;
    }
}
