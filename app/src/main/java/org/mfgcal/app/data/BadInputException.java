package org.mfgcal.app.data;

import java.nio.file.Path;

/** Bad input file: the message names the file, the line (1-based, the header is line 1) and the field. */
public final class BadInputException extends IllegalArgumentException {
    public BadInputException(Path file, int line, String field, String problem) {
        super(file + ":" + (line > 0 ? line + ":" : "") + (field == null ? "" : " field '" + field + "':") + " " + problem);
    }
}
