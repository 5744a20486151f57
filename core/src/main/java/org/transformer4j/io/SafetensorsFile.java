package org.transformer4j.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * A safetensors file, memory-mapped. Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON header,
 * then the data region; each header entry gives a tensor's dtype, shape and {@code data_offsets} relative to the
 * data region. Opening validates the whole header as the reference implementation does (offsets must tile the data
 * region exactly: no gap, no overlap, nothing left over) but reads no tensor data; values are copied to the heap only
 * by the {@code read*} methods. Errors are {@link T4jException}s naming the file and, where relevant, the tensor.
 */
public final class SafetensorsFile implements TensorReader {
    /** Largest header accepted; the reference implementation uses the same bound against hostile files. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = 8192;

    private final Path path;
    private final Arena arena;
    /** The mapping belongs to an automatic arena (see {@link #map}): close() leaves it to the GC. */
    private final boolean auto;
    private final MemorySegment data;
    private final long headerLength;
    private final Map<String, TensorInfo> infos;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, boolean auto, MemorySegment data, long headerLength,
            Map<String, TensorInfo> infos, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.auto = auto;
        this.data = data;
        this.headerLength = headerLength;
        this.infos = infos;
        this.metadata = metadata;
    }

    /** Opens, validates and maps a safetensors file; {@link #close()} unmaps it. */
    public static SafetensorsFile open(Path path) {
        return open(path, false);
    }

    /**
     * Opens, validates and maps a safetensors file whose mapping lives as long as any segment taken from it is
     * reachable (the garbage collector unmaps it; {@link #close()} does nothing). This is how a model keeps its
     * weights in the file: its tensors hold the segments, so the mapping cannot vanish under them.
     */
    public static SafetensorsFile map(Path path) {
        return open(path, true);
    }

    private static SafetensorsFile open(Path path, boolean auto) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new T4jException(path + ": file is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new T4jException(path + ": header length " + Long.toUnsignedString(n)
                        + " is absurd (limit " + MAX_HEADER_BYTES + "); not a safetensors file?");
            }
            if (8 + n > size) {
                throw new T4jException(path + ": header length " + n + " is larger than the file (" + size
                        + " bytes); truncated or not a safetensors file?");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8);
            Parsed parsed = parseHeader(path, headerBuf.array(), size - 8 - n);
            Arena arena = auto ? Arena.ofAuto() : Arena.ofShared();
            MemorySegment data;
            try {
                data = ch.map(FileChannel.MapMode.READ_ONLY, 8 + n, size - 8 - n, arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
            return new SafetensorsFile(path, arena, auto, data, n, parsed.infos, parsed.metadata);
        } catch (NoSuchFileException e) {
            throw new T4jException(path + ": file not found", e);
        } catch (IOException e) {
            throw new T4jException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private record Parsed(Map<String, TensorInfo> infos, Map<String, String> metadata) {
    }

    /** Validates a header against a data region of {@code dataLength} bytes. */
    private static Parsed parseHeader(Path path, byte[] header, long dataLength) {
        String text = Json.decodeUtf8(header, 0, header.length, path + ": header");
        Object root = Json.parse(text, path + ": header");
        if (!(root instanceof Map<?, ?> rootMap)) {
            throw new T4jException(path + ": header is not a JSON object but " + Json.describe(root));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : rootMap.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new T4jException(path + ": __metadata__ must be an object of strings, found "
                            + Json.describe(e.getValue()));
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String value)) {
                        throw new T4jException(path + ": __metadata__ entry \"" + me.getKey()
                                + "\" must be a string, found " + Json.describe(me.getValue()));
                    }
                    metadata.put((String) me.getKey(), value);
                }
                continue;
            }
            infos.put(name, parseEntry(path, name, e.getValue()));
        }
        checkLayout(path, infos.values(), dataLength);
        return new Parsed(Collections.unmodifiableMap(infos), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, Object value) {
        String where = path + ": tensor \"" + name + "\": ";
        if (!(value instanceof Map<?, ?> m)) {
            throw new T4jException(where + "expected an object with dtype, shape and data_offsets, found "
                    + Json.describe(value));
        }
        Object dt = m.get("dtype");
        if (!(dt instanceof String dtName)) {
            throw new T4jException(where + (dt == null ? "missing dtype" : "dtype must be a string"));
        }
        DType dtype = DType.fromName(dtName);
        if (dtype == null) {
            throw new T4jException(where + "unsupported dtype \"" + dtName + "\" (known: " + DType.allNames() + ")");
        }
        List<Long> shapeList = longList(where, m, "shape", -1);
        int[] shape = new int[shapeList.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = shapeList.get(i);
            if (d < 0) {
                throw new T4jException(where + "negative dimension " + d + " in shape " + shapeList);
            }
            if (d > Integer.MAX_VALUE) {
                throw new T4jException(where + "dimension " + d + " in shape " + shapeList + " is too large");
            }
            shape[i] = (int) d;
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException overflow) {
                throw new T4jException(where + "shape " + shapeList + " has too many elements");
            }
        }
        List<Long> offsets = longList(where, m, "data_offsets", 2);
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (begin < 0 || end < begin) {
            throw new T4jException(where + "invalid data_offsets " + offsets);
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new T4jException(where + "shape " + shapeList + " has too many elements");
        }
        if (end - begin != expected) {
            throw new T4jException(where + "data_offsets " + offsets + " span " + (end - begin) + " bytes but "
                    + dtype + " shape " + shapeList + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static List<Long> longList(String where, Map<?, ?> m, String key, int length) {
        Object v = m.get(key);
        if (v == null) {
            throw new T4jException(where + "missing " + key);
        }
        if (!(v instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new T4jException(where + key + " must be an array of " + (length >= 0 ? length + " " : "")
                    + "integers, found " + Json.write(v));
        }
        List<Long> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof Long l)) {
                throw new T4jException(where + key + " must be an array of integers, found " + Json.write(v));
            }
            out.add(l);
        }
        return out;
    }

    /** The tensors must tile [0, dataLength) exactly, like the reference implementation demands. */
    private static void checkLayout(Path path, java.util.Collection<TensorInfo> infos, long dataLength) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expectedBegin = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.end() > dataLength) {
                throw new T4jException(path + ": tensor \"" + t.name() + "\": data_offsets [" + t.begin() + ", "
                        + t.end() + "] go past the end of the data region (" + dataLength + " bytes)");
            }
            if (t.begin() < expectedBegin) {
                throw new T4jException(path + ": tensor \"" + t.name() + "\": data_offsets [" + t.begin() + ", "
                        + t.end() + "] overlap tensor \"" + previous.name() + "\"");
            }
            if (t.begin() > expectedBegin) {
                throw new T4jException(path + ": tensor \"" + t.name() + "\": data_offsets [" + t.begin() + ", "
                        + t.end() + "] leave a gap of " + (t.begin() - expectedBegin) + " bytes before it");
            }
            expectedBegin = t.end();
            previous = t;
        }
        if (expectedBegin != dataLength) {
            throw new T4jException(path + ": data region is " + dataLength + " bytes but the tensors account for "
                    + expectedBegin + " (truncated or trailing bytes)");
        }
    }

    // ---------------------------------------------------------------- access

    public Path path() {
        return path;
    }

    /** N, the length of the JSON header in bytes (the data region starts at byte 8 + N). */
    public long headerLength() {
        return headerLength;
    }

    @Override
    public List<String> names() {
        return List.copyOf(infos.keySet());
    }

    @Override
    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new T4jException(path + ": no tensor named \"" + name + "\"");
        }
        return info;
    }

    @Override
    public MemorySegment segment(String name) {
        TensorInfo info = info(name);
        return data.asSlice(info.begin(), info.byteSize());
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        MemorySegment seg = segment(name);
        float[] out = new float[arrayLength(info)];
        int n = out.length;
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(seg, F32_LE, 0, out, 0, n);
            case F16, BF16 -> {
                short[] tmp = new short[Math.min(n, CHUNK)];
                boolean f16 = info.dtype() == DType.F16;
                for (int start = 0; start < n; start += tmp.length) {
                    int len = Math.min(tmp.length, n - start);
                    MemorySegment.copy(seg, I16_LE, 2L * start, tmp, 0, len);
                    for (int i = 0; i < len; i++) {
                        out[start + i] = f16 ? FloatFormats.f16ToFloat(tmp[i]) : FloatFormats.bf16ToFloat(tmp[i]);
                    }
                }
            }
            case F64 -> {
                double[] tmp = new double[Math.min(n, CHUNK)];
                for (int start = 0; start < n; start += tmp.length) {
                    int len = Math.min(tmp.length, n - start);
                    MemorySegment.copy(seg, F64_LE, 8L * start, tmp, 0, len);
                    for (int i = 0; i < len; i++) {
                        out[start + i] = (float) tmp[i];
                    }
                }
            }
            default -> {
                long[] longs = readLongs(name);
                for (int i = 0; i < n; i++) {
                    out[i] = longs[i];
                }
            }
        }
        return out;
    }

    @Override
    public double[] readDoubles(String name) {
        TensorInfo info = info(name);
        double[] out;
        if (info.dtype() == DType.F64) {
            out = new double[arrayLength(info)];
            MemorySegment.copy(segment(name), F64_LE, 0, out, 0, out.length);
        } else if (info.dtype().isFloatingPoint()) {
            float[] f = readFloats(name);
            out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
        } else {
            long[] l = readLongs(name);
            out = new double[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = l[i];
            }
        }
        return out;
    }

    @Override
    public long[] readLongs(String name) {
        TensorInfo info = info(name);
        DType dt = info.dtype();
        checkReadable(info);
        if (dt.isFloatingPoint()) {
            throw new T4jException(path + ": tensor \"" + name + "\" is " + dt + ", not an integer tensor");
        }
        MemorySegment seg = segment(name);
        long[] out = new long[arrayLength(info)];
        switch (dt) {
            case I64 -> MemorySegment.copy(seg, I64_LE, 0, out, 0, out.length);
            case I32 -> fill(out, i -> seg.get(I32_LE, 4L * i));
            case U32 -> fill(out, i -> seg.get(I32_LE, 4L * i) & 0xFFFFFFFFL);
            case I16 -> fill(out, i -> seg.get(I16_LE, 2L * i));
            case U16 -> fill(out, i -> seg.get(I16_LE, 2L * i) & 0xFFFF);
            case I8 -> fill(out, i -> seg.get(ValueLayout.JAVA_BYTE, i));
            case U8 -> fill(out, i -> seg.get(ValueLayout.JAVA_BYTE, i) & 0xFF);
            case BOOL -> fill(out, i -> seg.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0);
            default -> throw new AssertionError(dt);
        }
        return out;
    }

    private static void fill(long[] out, java.util.function.LongUnaryOperator f) {
        for (int i = 0; i < out.length; i++) {
            out[i] = f.applyAsLong(i);
        }
    }

    private void checkReadable(TensorInfo info) {
        if (!info.dtype().isReadable()) {
            throw new T4jException(path + ": tensor \"" + info.name() + "\" has dtype " + info.dtype()
                    + ", which this reader cannot convert to numbers (use segment() for the raw bytes)");
        }
    }

    private int arrayLength(TensorInfo info) {
        checkReadable(info);
        long n = info.numel();
        if (n > Integer.MAX_VALUE - 16) {
            throw new T4jException(path + ": tensor \"" + info.name() + "\" has " + n
                    + " elements, too many for one Java array");
        }
        return (int) n;
    }

    /** Unmaps the file. Segments handed out before become inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive() && !auto) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + infos.size() + " tensors]";
    }
}
