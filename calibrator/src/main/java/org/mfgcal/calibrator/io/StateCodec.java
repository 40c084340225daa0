package org.mfgcal.calibrator.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;

/**
 * The binary container of the online calibrator's warm state ({@code online.RegionCalibrator}, layout in
 * {@code online.WarmState}): a 6-byte plain header (magic {@value #MAGIC_TEXT},
 * version as a big-endian short), then a deflate stream of named fields. Numbers are written exactly (float64 as
 * their IEEE bits), so a restored calibrator continues bit-identically. Each array is written as its length then its
 * values split into 8 byte planes (most significant byte of every value first, "byte shuffle"): the sign and exponent
 * bytes of neighbouring values are nearly equal and deflate well, which interleaved bytes do not.
 *
 * <p>{@link Reader} checks every length against the receiving array and names the field in its error. Not thread-safe.
 */
public final class StateCodec {
    public static final String MAGIC_TEXT = "MFGS";
    public static final int MAGIC = 0x4D464753;
    /** Version of the layout ({@code online.WarmState}); a snapshot of another version is refused with both numbers. */
    public static final short VERSION = 2;
    /** Last value of the deflated body: a truncated body fails on it instead of restoring a partial state. */
    static final long END = 0x454E445F53544154L;

    private StateCodec() {
    }

    /** Writes fields into a deflated body; {@link #finish()} returns the whole snapshot. */
    public static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        private final DataOutputStream out;

        public Writer() {
            try {
                DataOutputStream head = new DataOutputStream(bytes);
                head.writeInt(MAGIC);
                head.writeShort(VERSION);
                head.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out = new DataOutputStream(new DeflaterOutputStream(bytes, deflater, 1 << 16));
        }

        public Writer string(String s) {
            try {
                out.writeUTF(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Writer i32(int v) {
            try {
                out.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Writer i64(long v) {
            try {
                out.writeLong(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Writer bool(boolean v) {
            try {
                out.writeBoolean(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** a[0..n−1] (not modified) as float64 bits in byte planes. */
        public Writer doubles(double[] a, int n) {
            long[] bits = new long[n];
            for (int i = 0; i < n; i++) {
                bits[i] = Double.doubleToRawLongBits(a[i]);
            }
            return planes(bits, n);
        }

        public Writer doubles(double[] a) {
            return doubles(a, a.length);
        }

        public Writer longs(long[] a) {
            return planes(a, a.length);
        }

        public Writer ints(int[] a) {
            long[] v = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                v[i] = a[i];
            }
            return planes(v, v.length);
        }

        public Writer booleans(boolean[] a) {
            try {
                out.writeInt(a.length);
                for (boolean b : a) {
                    out.writeBoolean(b);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        private Writer planes(long[] v, int n) {
            try {
                out.writeInt(n);
                byte[] plane = new byte[n];
                for (int k = 7; k >= 0; k--) {
                    final int shift = 8 * k;
                    for (int i = 0; i < n; i++) {
                        plane[i] = (byte) (v[i] >>> shift);
                    }
                    out.write(plane, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public byte[] finish() {
            try {
                out.writeLong(END);
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                deflater.end();
            }
            return bytes.toByteArray();
        }
    }

    /** Reads what {@link Writer} wrote; every failure is an {@link IllegalArgumentException} naming the field. */
    public static final class Reader {
        private final DataInputStream in;

        /** Checks the plain header. */
        public Reader(byte[] snapshot) {
            if (snapshot == null) {
                throw new IllegalArgumentException("warm-state snapshot is null");
            }
            if (snapshot.length < 6) {
                throw new IllegalArgumentException("warm-state snapshot has " + snapshot.length
                        + " bytes, too short for its header (6)");
            }
            int magic = ((snapshot[0] & 0xff) << 24) | ((snapshot[1] & 0xff) << 16) | ((snapshot[2] & 0xff) << 8)
                    | (snapshot[3] & 0xff);
            if (magic != MAGIC) {
                throw new IllegalArgumentException(String.format("warm-state snapshot: magic 0x%08X, expected 0x%08X"
                        + " ('%s'): not a calibrator snapshot", magic, MAGIC, MAGIC_TEXT));
            }
            int version = (short) (((snapshot[4] & 0xff) << 8) | (snapshot[5] & 0xff));
            if (version != VERSION) {
                throw new IllegalArgumentException("warm-state snapshot: version " + version + ", this code reads"
                        + " version " + VERSION);
            }
            in = new DataInputStream(new InflaterInputStream(new ByteArrayInputStream(snapshot, 6,
                    snapshot.length - 6)));
        }

        public String string(String field) {
            try {
                return in.readUTF();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        public int i32(String field) {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        public long i64(String field) {
            try {
                return in.readLong();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        public boolean bool(String field) {
            try {
                return in.readBoolean();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        /** An int that must equal {@code expected}. */
        public void expect(String field, int expected) {
            int v = i32(field);
            if (v != expected) {
                throw new IllegalArgumentException("warm-state snapshot: " + field + " is " + v + ", expected "
                        + expected);
            }
        }

        /** Fills into[0..n−1] (modified) from an array of exactly n values. */
        public void doubles(String field, double[] into, int n) {
            long[] bits = planes(field, n);
            for (int i = 0; i < n; i++) {
                into[i] = Double.longBitsToDouble(bits[i]);
            }
        }

        public void doubles(String field, double[] into) {
            doubles(field, into, into.length);
        }

        public void longs(String field, long[] into) {
            long[] v = planes(field, into.length);
            System.arraycopy(v, 0, into, 0, into.length);
        }

        public void ints(String field, int[] into) {
            long[] v = planes(field, into.length);
            for (int i = 0; i < into.length; i++) {
                into[i] = (int) v[i];
            }
        }

        public void booleans(String field, boolean[] into) {
            length(field, into.length);
            try {
                for (int i = 0; i < into.length; i++) {
                    into[i] = in.readBoolean();
                }
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        /** Checks the end marker: nothing was left out or added. */
        public void end() {
            long v = i64("end marker");
            if (v != END) {
                throw new IllegalArgumentException("warm-state snapshot: end marker is 0x" + Long.toHexString(v)
                        + ", expected 0x" + Long.toHexString(END) + " (layout differs)");
            }
        }

        private void length(String field, int expected) {
            int n = i32(field + " length");
            if (n != expected) {
                throw new IllegalArgumentException("warm-state snapshot: " + field + " has " + n + " values, expected "
                        + expected);
            }
        }

        private long[] planes(String field, int n) {
            length(field, n);
            long[] v = new long[n];
            byte[] plane = new byte[n];
            try {
                for (int k = 7; k >= 0; k--) {
                    in.readFully(plane, 0, n);
                    final int shift = 8 * k;
                    for (int i = 0; i < n; i++) {
                        v[i] |= (plane[i] & 0xffL) << shift;
                    }
                }
            } catch (IOException e) {
                throw corrupt(field, e);
            }
            return v;
        }

        private static IllegalArgumentException corrupt(String field, IOException e) {
            String why = e instanceof EOFException ? "truncated" : e instanceof ZipException ? "corrupt" : "unreadable";
            return new IllegalArgumentException("warm-state snapshot is " + why + " at field " + field + ": " + e,
                    e);
        }
    }
}
