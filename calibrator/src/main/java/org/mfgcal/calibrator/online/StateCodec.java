package org.mfgcal.calibrator.online;

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
 * The binary container of a {@link RegionCalibrator}'s warm state: a 6-byte plain header (magic {@value #MAGIC_TEXT},
 * version as a big-endian short), then a deflate stream of named fields. Numbers are written exactly (float64 as
 * their IEEE bits), so a restored calibrator continues bit-identically. Each array is written as its length then its
 * values split into 8 byte planes (most significant byte of every value first, "byte shuffle"): the sign and exponent
 * bytes of neighbouring values are nearly equal and deflate well, which interleaved bytes do not.
 *
 * <p>{@link Reader} checks every length against the receiving array and names the field in its error. Not thread-safe.
 */
final class StateCodec {
    static final String MAGIC_TEXT = "MFGS";
    static final int MAGIC = 0x4D464753;
    /** Version of the layout written by {@link RegionCalibrator#exportState()}. */
    static final short VERSION = 2;
    /** Last value of the deflated body: a truncated body fails on it instead of restoring a partial state. */
    static final long END = 0x454E445F53544154L;

    private StateCodec() {
    }

    /** Writes fields into a deflated body; {@link #finish()} returns the whole snapshot. */
    static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        private final DataOutputStream out;

        Writer() {
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

        Writer string(String s) {
            try {
                out.writeUTF(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer i32(int v) {
            try {
                out.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer i64(long v) {
            try {
                out.writeLong(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Writer bool(boolean v) {
            try {
                out.writeBoolean(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** a[0..n−1] (not modified) as float64 bits in byte planes. */
        Writer doubles(double[] a, int n) {
            long[] bits = new long[n];
            for (int i = 0; i < n; i++) {
                bits[i] = Double.doubleToRawLongBits(a[i]);
            }
            return planes(bits, n);
        }

        Writer doubles(double[] a) {
            return doubles(a, a.length);
        }

        Writer longs(long[] a) {
            return planes(a, a.length);
        }

        Writer ints(int[] a) {
            long[] v = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                v[i] = a[i];
            }
            return planes(v, v.length);
        }

        Writer booleans(boolean[] a) {
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

        byte[] finish() {
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
    static final class Reader {
        private final DataInputStream in;

        /** Checks the plain header. */
        Reader(byte[] snapshot) {
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

        String string(String field) {
            try {
                return in.readUTF();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        int i32(String field) {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        long i64(String field) {
            try {
                return in.readLong();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        boolean bool(String field) {
            try {
                return in.readBoolean();
            } catch (IOException e) {
                throw corrupt(field, e);
            }
        }

        /** An int that must equal {@code expected}. */
        void expect(String field, int expected) {
            int v = i32(field);
            if (v != expected) {
                throw new IllegalArgumentException("warm-state snapshot: " + field + " is " + v + ", expected "
                        + expected);
            }
        }

        /** Fills into[0..n−1] (modified) from an array of exactly n values. */
        void doubles(String field, double[] into, int n) {
            long[] bits = planes(field, n);
            for (int i = 0; i < n; i++) {
                into[i] = Double.longBitsToDouble(bits[i]);
            }
        }

        void doubles(String field, double[] into) {
            doubles(field, into, into.length);
        }

        void longs(String field, long[] into) {
            long[] v = planes(field, into.length);
            System.arraycopy(v, 0, into, 0, into.length);
        }

        void ints(String field, int[] into) {
            long[] v = planes(field, into.length);
            for (int i = 0; i < into.length; i++) {
                into[i] = (int) v[i];
            }
        }

        void booleans(String field, boolean[] into) {
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
        void end() {
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
