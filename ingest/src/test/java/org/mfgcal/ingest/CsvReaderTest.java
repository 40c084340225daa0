package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared line reader: numbering, byte-order mark, gzip, and both field splitters on hand-written lines. */
class CsvReaderTest {

    @Test
    void nextLine_bomOnFirstLineOnly_linesNumberedFromOne(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.csv");
        Files.writeString(f, "\uFEFFa,b\n\n\uFEFFx,y\n", StandardCharsets.UTF_8);
        try (CsvReader r = CsvReader.open(f.toString())) {
            assertEquals(0, r.lineNumber());
            assertEquals("a,b", r.nextLine());
            assertEquals(1, r.lineNumber());
            assertEquals("", r.nextLine());
            assertEquals("\uFEFFx,y", r.nextLine()); // only the file's first character can be a byte-order mark
            assertEquals(3, r.lineNumber());
            assertEquals(f + " line 3: ", r.where());
            assertNull(r.nextLine());
        }
    }

    @Test
    void open_gzipByName_isDecompressed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("a.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("h\n1\n".getBytes(StandardCharsets.UTF_8));
        }
        try (CsvReader r = CsvReader.open(f.toString())) {
            assertEquals("h", r.nextLine());
            assertEquals("1", r.nextLine());
        }
    }

    @Test
    void split_keepsEmptyFieldsAndQuotes_splitQuotedFollowsRfc4180() {
        assertArrayEquals(new String[] {"a", "", "\"b", "c\"", ""}, CsvReader.split("a,,\"b,c\","));
        assertEquals(List.of("a", "", "b,c", ""), CsvReader.splitQuoted("a,,\"b,c\","));
        assertEquals(List.of("say \"hi\"", "x"), CsvReader.splitQuoted("\"say \"\"hi\"\"\",x"));
    }
}
