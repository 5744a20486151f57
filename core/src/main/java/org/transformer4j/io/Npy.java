package org.transformer4j.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.transformer4j.T4jException;
import org.transformer4j.tensor.Tensor;

/**
 * numpy's {@code .npy} format: the magic {@code \x93NUMPY}, a version, a header length, a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} padded with spaces and a newline, then the raw
 * elements. We write float32 in version 1.0 with the header padded so the data starts at a multiple of 64 bytes (as
 * numpy does), and read little-endian, C-order {@code <f4}, {@code <f8}, {@code <i4} and {@code <i8} of any version.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    /** An array read from a .npy file: its shape, its numpy type and its values in exactly one of three arrays. */
    public record Array(int[] shape, String descr, float[] f32, double[] f64, long[] i64) {
        @Override
        public int[] shape() {
            return shape.clone();
        }

        public long numel() {
            return Tensor.numel(shape);
        }

        /** The values as floats: exact for {@code <f4}, rounded for the others. */
        public float[] floats() {
            if (f32 != null) {
                return f32;
            }
            float[] out = new float[(int) numel()];
            for (int i = 0; i < out.length; i++) {
                out[i] = f64 != null ? (float) f64[i] : (float) i64[i];
            }
            return out;
        }

        /** The values as doubles: exact for the float types and for integers up to 2^53. */
        public double[] doubles() {
            if (f64 != null) {
                return f64;
            }
            double[] out = new double[(int) numel()];
            for (int i = 0; i < out.length; i++) {
                out[i] = f32 != null ? f32[i] : (double) i64[i];
            }
            return out;
        }

        /** The values of an integer array ({@code <i4} or {@code <i8}). */
        public long[] longs() {
            if (i64 == null) {
                throw new T4jException("npy array of type " + descr + " is not an integer array");
            }
            return i64;
        }

        /** The values as a float32 tensor. */
        public Tensor tensor() {
            return Tensor.of(floats(), shape);
        }
    }

    // ---------------------------------------------------------------- writing

    /** Writes float32 values of the given shape (C order), atomically. */
    public static void writeFloats(Path file, float[] data, int... shape) {
        if (Tensor.numel(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Tensor.numel(shape)
                    + " elements, data has " + data.length);
        }
        byte[] header = header("<f4", shape);
        AtomicFiles.writeAtomically(file, out -> {
            out.write(header);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            int per = buf.capacity() / 4;
            for (int start = 0; start < data.length; start += per) {
                int len = Math.min(per, data.length - start);
                buf.clear();
                buf.asFloatBuffer().put(data, start, len);
                out.write(buf.array(), 0, 4 * len);
            }
        });
    }

    /** Writes a tensor's values as float32. */
    public static void write(Path file, Tensor t) {
        writeFloats(file, t.data(), t.shape());
    }

    /** Magic, version 1.0, length and the padded dict, a multiple of 64 bytes in all. */
    static byte[] header(String descr, int[] shape) {
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            dict.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : "").append(i + 1 < shape.length ? ", "
                    : "");
        }
        dict.append("), }");
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        dict.repeat(' ', (64 - unpadded % 64) % 64).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        if (text.length > 0xFFFF) {
            throw new IllegalArgumentException("npy header too long for version 1.0");
        }
        ByteBuffer b = ByteBuffer.allocate(10 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return b.array();
    }

    // ---------------------------------------------------------------- reading

    /** Reads a float32 file (other types are converted, see {@link Array#floats}). */
    public static float[] readFloats(Path file) {
        return read(file).floats();
    }

    /** Reads a .npy file of {@code <f4}, {@code <f8}, {@code <i4} or {@code <i8}, C order. */
    public static Array read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            if (size < 10 || MemorySegment.ofArray(MAGIC).mismatch(seg.asSlice(0, 6)) != -1) {
                throw new T4jException(file + ": not a .npy file (bad magic)");
            }
            int major = seg.get(ValueLayout.JAVA_BYTE, 6);
            long headerLen;
            long dataStart;
            if (major == 1) {
                headerLen = Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
                dataStart = 10 + headerLen;
            } else if (major == 2 || major == 3) {
                if (size < 12) {
                    throw new T4jException(file + ": truncated .npy header");
                }
                headerLen = Integer.toUnsignedLong(seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
                dataStart = 12 + headerLen;
            } else {
                throw new T4jException(file + ": unsupported .npy version " + major);
            }
            if (dataStart > size) {
                throw new T4jException(file + ": .npy header length " + headerLen + " is larger than the file");
            }
            byte[] headerBytes = seg.asSlice(dataStart - headerLen, headerLen).toArray(ValueLayout.JAVA_BYTE);
            // Version 3 allows UTF-8 in the header; version 1 and 2 are latin-1, a subset for the keys we read.
            String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            HeaderDict dict = new HeaderDict(file, header);
            dict.parse();
            return readData(file, dict, seg.asSlice(dataStart));
        } catch (NoSuchFileException e) {
            throw new T4jException(file + ": file not found", e);
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Array readData(Path file, HeaderDict d, MemorySegment data) {
        String descr = d.descr;
        if (d.fortranOrder) {
            throw new T4jException(file + ": Fortran-order arrays are not supported (save with C order)");
        }
        if (descr.length() < 2) {
            throw new T4jException(file + ": bad descr '" + descr + "'");
        }
        char order = descr.charAt(0);
        String type = descr.substring(1);
        if (order == '>') {
            throw new T4jException(file + ": big-endian arrays ('" + descr + "') are not supported");
        }
        int itemSize = switch (type) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            default -> throw new T4jException(file + ": unsupported npy dtype '" + descr
                    + "' (supported: <f4, <f8, <i4, <i8)");
        };
        if (order != '<' && order != '=') {
            throw new T4jException(file + ": unsupported byte order in '" + descr + "'");
        }
        long n = Tensor.numel(d.shape);
        if (n > Integer.MAX_VALUE - 16) {
            throw new T4jException(file + ": array of " + n + " elements is too large");
        }
        if (data.byteSize() != n * itemSize) {
            throw new T4jException(file + ": shape " + Arrays.toString(d.shape) + " of " + descr + " needs "
                    + n * itemSize + " data bytes, file has " + data.byteSize());
        }
        int count = (int) n;
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        return switch (type) {
            case "f4" -> {
                float[] a = new float[count];
                MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), 0, a, 0, count);
                yield new Array(d.shape, descr, a, null, null);
            }
            case "f8" -> {
                double[] a = new double[count];
                MemorySegment.copy(data, ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(le), 0, a, 0, count);
                yield new Array(d.shape, descr, null, a, null);
            }
            case "i8" -> {
                long[] a = new long[count];
                MemorySegment.copy(data, ValueLayout.JAVA_LONG_UNALIGNED.withOrder(le), 0, a, 0, count);
                yield new Array(d.shape, descr, null, null, a);
            }
            default -> {
                int[] tmp = new int[count];
                MemorySegment.copy(data, ValueLayout.JAVA_INT_UNALIGNED.withOrder(le), 0, tmp, 0, count);
                long[] a = new long[count];
                for (int i = 0; i < count; i++) {
                    a[i] = tmp[i];
                }
                yield new Array(d.shape, descr, null, null, a);
            }
        };
    }

    /** Reads the three keys of the header dict; a tiny tokenizer for the Python literals numpy writes. */
    private static final class HeaderDict {
        private final Path file;
        private final String s;
        private int pos;
        String descr;
        Boolean fortranOrder;
        int[] shape;

        HeaderDict(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        void parse() {
            skipWs();
            expect('{');
            while (true) {
                skipWs();
                if (peek() == '}') {
                    pos++;
                    break;
                }
                String key = quoted();
                skipWs();
                expect(':');
                skipWs();
                switch (key) {
                    case "descr" -> descr = quoted();
                    case "fortran_order" -> fortranOrder = bool();
                    case "shape" -> shape = tuple();
                    default -> throw error("unexpected key '" + key + "'");
                }
                skipWs();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
            skipWs();
            if (pos != s.length()) {
                throw error("unexpected text after the dict");
            }
            if (descr == null || fortranOrder == null || shape == null) {
                throw error("missing 'descr', 'fortran_order' or 'shape'");
            }
        }

        private String quoted() {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw error("expected a quoted string");
            }
            int end = s.indexOf(q, pos + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            String v = s.substring(pos + 1, end);
            pos = end + 1;
            return v;
        }

        private boolean bool() {
            if (s.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw error("expected True or False");
        }

        private int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                skipWs();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                int start = pos;
                while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                    pos++;
                }
                // numpy 1.x on some platforms wrote dims as 3L; accept the suffix.
                String digits = s.substring(start, pos);
                if (peek() == 'L') {
                    pos++;
                }
                try {
                    dims.add(Integer.parseInt(digits));
                } catch (NumberFormatException e) {
                    throw error("bad dimension '" + digits + "' in shape");
                }
                skipWs();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != ')') {
                    throw error("expected ',' or ')' in shape");
                }
            }
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void skipWs() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private T4jException error(String message) {
            return new T4jException(file + ": bad .npy header at character " + pos + ": " + message + " in "
                    + s.strip());
        }
    }
}
