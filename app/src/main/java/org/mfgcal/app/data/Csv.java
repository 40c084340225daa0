package org.mfgcal.app.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mfgcal.ingest.CsvReader;

/**
 * A comma-separated table with named columns (no quoting needed by our inputs; {@code .gz} read transparently), read
 * with ingest's {@link CsvReader}; errors are {@link BadInputException}s naming file, line and column.
 */
final class Csv {
    final Path file;
    final Map<String, Integer> columns = new HashMap<>();
    final List<String[]> rows = new ArrayList<>();

    private Csv(Path file) {
        this.file = file;
    }

    static Csv read(Path file, String... required) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, 0, null, "no such file");
        }
        Csv c = new Csv(file);
        try (CsvReader r = CsvReader.open(file.toString())) {
            String header = r.nextLine();
            if (header == null) {
                throw new BadInputException(file, 1, null, "empty file (expected a header line)");
            }
            String[] h = CsvReader.split(header.trim());
            for (int i = 0; i < h.length; i++) {
                c.columns.put(h[i].trim().replace("\"", ""), i);
            }
            for (String req : required) {
                if (!c.columns.containsKey(req)) {
                    throw new BadInputException(file, 1, req, "missing column (header has "
                            + org.mfgcal.ingest.Texts.clip(String.join(",", h)) + ")");
                }
            }
            String line;
            while ((line = r.nextLine()) != null) {
                if (line.isBlank()) {
                    c.rows.add(null);
                    continue;
                }
                c.rows.add(CsvReader.split(line));
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, 0, null, "no such file");
        }
        return c;
    }

    /** Line number (1-based, header = 1) of row i. */
    int line(int i) {
        return i + 2;
    }

    String get(int i, String col) {
        String[] row = rows.get(i);
        int k = columns.get(col);
        if (k >= row.length) {
            throw new BadInputException(file, line(i), col, "missing value (row has " + row.length + " fields)");
        }
        return row[k].trim().replace("\"", "");
    }

    double number(int i, String col) {
        String v = get(i, col);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new BadInputException(file, line(i), col, "'" + org.mfgcal.ingest.Texts.clip(v) + "' is not a number");
        }
    }
}
