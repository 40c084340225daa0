package org.mfgcal.ingest;

/**
 * Input text quoted in error messages is clipped, so a message never echoes a whole huge line.
 *
 * <p>Stateless; thread-safe.
 */
public final class Texts {

    /** Characters of a value kept in a message. */
    public static final int MAX = 120;

    private Texts() {
    }

    /** {@code s} when at most {@link #MAX} characters, else its start, "…" and its length. */
    public static String clip(String s) {
        return clip(s, MAX);
    }

    /** {@code s} when at most {@code max} characters, else its first {@code max} characters, "…" and its length. */
    public static String clip(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, max) + "… (" + s.length() + " characters)";
    }

    /** {@code s} without a leading UTF-8 byte-order mark (U+FEFF), as a header line read as UTF-8 may carry. */
    public static String stripBom(String s) {
        return s != null && !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }
}
