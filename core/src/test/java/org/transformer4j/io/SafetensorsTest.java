package org.transformer4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.tensor.Tensor;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static float[] randomFloats(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-8, 6)));
        }
        float[] specials = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 65504f, 70000f,
            6e-8f, 1e-40f, Float.MAX_VALUE};
        System.arraycopy(specials, 0, a, 0, Math.min(n, specials.length));
        return a;
    }

    private static void assertSameFloats(float[] got, float[] want) {
        assertThat(got).hasSize(want.length);
        for (int i = 0; i < want.length; i++) {
            assertThat(Float.floatToIntBits(got[i])).as("element %d", i).isEqualTo(Float.floatToIntBits(want[i]));
        }
    }

    @Test
    void roundTripsEveryWritableDtype() {
        SplittableRandom rng = new SplittableRandom(1);
        float[] a = randomFloats(rng, 3 * 5 * 7);
        long[] ids = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 42, 7};
        ByteBuffer i32 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(-5).putInt(Integer.MAX_VALUE)
                .putInt(Integer.MIN_VALUE);
        ByteBuffer f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(Math.PI).putDouble(-1e300);
        ByteBuffer i16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -300)
                .putShort((short) 0xFFFF);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("a.f32", TensorData.f32(a, 3, 5, 7));
        tensors.put("a.f16", TensorData.f16(a, 3, 5, 7));
        tensors.put("a.bf16", TensorData.bf16(a, 105));
        tensors.put("ids", TensorData.i64(ids, 2, 3));
        tensors.put("i32", TensorData.raw(DType.I32, i32.array(), 3));
        tensors.put("f64", TensorData.raw(DType.F64, f64.array(), 2, 1));
        tensors.put("i8", TensorData.raw(DType.I8, new byte[] {-128, 127, -1}, 3));
        tensors.put("u8", TensorData.raw(DType.U8, new byte[] {-128, 127, -1}, 3));
        tensors.put("u16", TensorData.raw(DType.U16, i16.array(), 2));
        tensors.put("i16", TensorData.raw(DType.I16, i16.array(), 2));
        tensors.put("mask", TensorData.raw(DType.BOOL, new byte[] {1, 0, 1, 1}, 2, 2));
        tensors.put("scalar", TensorData.f32(new float[] {2.5f}));
        tensors.put("empty", TensorData.bf16(new float[0], 0, 4));
        tensors.put("t", TensorData.of(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), DType.F32));
        Path f = dir.resolve("all.safetensors");
        Safetensors.write(f, tensors, Map.of("format", "pt"));

        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertThat(sf.names()).containsExactlyElementsOf(tensors.keySet());
            assertThat(sf.metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(sf.info("a.f16").shape()).containsExactly(3, 5, 7);
            assertThat(sf.info("a.f16").dtype()).isEqualTo(DType.F16);
            assertSameFloats(sf.readFloats("a.f32"), a);
            float[] f16 = new float[a.length];
            float[] bf16 = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                f16[i] = FloatFormats.f16ToFloat(FloatFormats.floatToF16(a[i]));
                bf16[i] = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(a[i]));
                // the stored bytes are the rounded 16-bit patterns
                assertThat(sf.segment("a.f16").get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        2L * i)).isEqualTo(FloatFormats.floatToF16(a[i]));
            }
            assertSameFloats(sf.readFloats("a.f16"), f16);
            assertSameFloats(sf.readFloats("a.bf16"), bf16);
            assertThat(sf.readLongs("ids")).containsExactly(ids);
            assertThat(sf.readFloats("ids")).containsExactly(0f, -1f, 9.223372e18f, -9.223372e18f, 42f, 7f);
            assertThat(sf.readLongs("i32")).containsExactly(-5, Integer.MAX_VALUE, Integer.MIN_VALUE);
            assertThat(sf.readDoubles("f64")).containsExactly(Math.PI, -1e300);
            assertThat(sf.readFloats("f64")).containsExactly((float) Math.PI, Float.NEGATIVE_INFINITY);
            assertThat(sf.readLongs("i8")).containsExactly(-128, 127, -1);
            assertThat(sf.readLongs("u8")).containsExactly(128, 127, 255);
            assertThat(sf.readLongs("u16")).containsExactly(65236, 65535);
            assertThat(sf.readLongs("i16")).containsExactly(-300, -1);
            assertThat(sf.readLongs("mask")).containsExactly(1, 0, 1, 1);
            assertThat(sf.readDoubles("a.f16")[3]).isEqualTo((double) f16[3]);
            assertThat(sf.info("scalar").shape()).isEmpty();
            assertThat(sf.readFloats("scalar")).containsExactly(2.5f);
            assertThat(sf.tensor("scalar").shape()).isEmpty();
            assertThat(sf.readFloats("empty")).isEmpty();
            assertThat(sf.tensor("t").data()).containsExactly(1, 2, 3, 4);
            assertThat(sf.headerLength() % 8).isZero();
        }
    }

    /** A second reader, independent of ours: raw bytes, a regex over the compact header, ByteBuffer decoding. */
    @Test
    void fileWeWriteIsValidForAnIndependentReader() throws Exception {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        float[] w = {1.5f, -2f, 3.25f, 1e-3f, 7f, 8f};
        tensors.put("z.weight", TensorData.f32(w, 2, 3));
        tensors.put("a.bias", TensorData.bf16(new float[] {1f, -0.5f, 3f}, 3));
        tensors.put("m.half", TensorData.f16(new float[] {0.25f}, 1, 1));
        for (int nameLen = 1; nameLen <= 9; nameLen++) { // vary the header length through every residue mod 8
            Map<String, TensorData> t = new LinkedHashMap<>(tensors);
            t.put("x".repeat(nameLen), TensorData.f32(new float[] {nameLen}, 1));
            Path f = dir.resolve("ind" + nameLen + ".safetensors");
            Safetensors.write(f, t, Map.of("k", "v"));
            byte[] bytes = Files.readAllBytes(f);
            ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = bb.getLong(0);
            assertThat((8 + n) % 8).as("data starts at a multiple of 8").isZero();
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertThat(header.stripTrailing()).startsWith("{\"__metadata__\":{\"k\":\"v\"},").endsWith("}");
            assertThat(header.length() - header.stripTrailing().length()).isLessThan(8);
            Matcher m = Pattern.compile("\"([^\"]+)\":\\{\"dtype\":\"(\\w+)\",\"shape\":\\[([0-9,]*)\\],"
                    + "\"data_offsets\":\\[(\\d+),(\\d+)\\]\\}").matcher(header);
            List<String> names = new ArrayList<>();
            long expectedBegin = 0;
            while (m.find()) {
                names.add(m.group(1));
                long begin = Long.parseLong(m.group(4));
                long end = Long.parseLong(m.group(5));
                assertThat(begin).as("contiguous").isEqualTo(expectedBegin);
                int size = switch (m.group(2)) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> throw new AssertionError(m.group(2));
                };
                long numel = 1;
                for (String d : m.group(3).split(",")) {
                    numel *= Long.parseLong(d);
                }
                assertThat(end - begin).isEqualTo(numel * size);
                expectedBegin = end;
            }
            assertThat(names).containsExactly("z.weight", "a.bias", "m.half", "x".repeat(nameLen));
            assertThat(bytes.length).isEqualTo(8 + n + expectedBegin);
            int data = (int) (8 + n);
            for (int i = 0; i < w.length; i++) {
                assertThat(bb.getFloat(data + 4 * i)).isEqualTo(w[i]);
            }
            // bf16 [1, -0.5, 3] = 0x3F80, 0xBF00, 0x4040; f16 0.25 = 0x3400
            assertThat(bb.getShort(data + 24)).isEqualTo((short) 0x3F80);
            assertThat(bb.getShort(data + 26)).isEqualTo((short) 0xBF00);
            assertThat(bb.getShort(data + 28)).isEqualTo((short) 0x4040);
            assertThat(bb.getShort(data + 30)).isEqualTo((short) 0x3400);
            assertThat(bb.getFloat(data + 32)).isEqualTo((float) nameLen);
        }
    }

    /** A file laid out by hand as another writer might: unpadded header, other key order, whitespace, BF16 first. */
    @Test
    void readsAHandMadeFile() throws Exception {
        String header = "{ \"b\" : {\"data_offsets\": [0, 4], \"shape\": [2], \"dtype\": \"BF16\"},\n"
                + "  \"a\": {\"shape\": [1, 2], \"dtype\": \"F32\", \"data_offsets\": [4, 12]},"
                + " \"__metadata__\": {\"who\": \"hand\"} }";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = h.length;
        for (int i = 0; i < 8; i++) {
            out.write((int) (n >>> (8 * i)) & 0xFF);
        }
        out.write(h);
        out.write(new byte[] {(byte) 0xC0, 0x3F, (byte) 0x80, (byte) 0xC0}); // bf16 0x3FC0 = 1.5, 0xC080 = -4
        out.write(new byte[] {0, 0, (byte) 0x80, 0x3F}); // f32 1.0
        out.write(new byte[] {0, 0, 0, (byte) 0xC1}); // f32 -8.0
        Path f = dir.resolve("hand.safetensors");
        Files.write(f, out.toByteArray());
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertThat(sf.names()).containsExactly("b", "a");
            assertThat(sf.readFloats("b")).containsExactly(1.5f, -4f);
            assertThat(sf.readFloats("a")).containsExactly(1f, -8f);
            assertThat(sf.info("a")).isEqualTo(new TensorInfo("a", DType.F32, new int[] {1, 2}, 4, 12));
            assertThat(sf.metadata()).containsEntry("who", "hand");
            MemorySegment seg = sf.segment("a");
            assertThat(seg.byteSize()).isEqualTo(8);
        }
    }

    @Test
    void emptyFileOfNoTensors() {
        Path f = dir.resolve("none.safetensors");
        Safetensors.write(f, Map.of(), null);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertThat(sf.names()).isEmpty();
            assertThat(sf.metadata()).isEmpty();
            assertThat(sf.headerLength()).isEqualTo(8); // "{}" padded
        }
    }

    @Test
    void segmentsDieWithTheFileAndUnknownNamesAreReported() {
        Path f = dir.resolve("c.safetensors");
        Safetensors.write(f, Map.of("w", TensorData.f32(new float[] {1, 2}, 2)), null);
        SafetensorsFile sf = SafetensorsFile.open(f);
        MemorySegment seg = sf.segment("w");
        assertThatThrownBy(() -> sf.info("nope")).isInstanceOf(T4jException.class)
                .hasMessage(f + ": no tensor named \"nope\"");
        assertThatThrownBy(() -> sf.readLongs("w")).hasMessage(f + ": tensor \"w\" is F32, not an integer tensor");
        sf.close();
        sf.close(); // idempotent
        assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unconvertibleDtypesAreReportedByName() throws Exception {
        Path f = write("f8.safetensors", "{\"q\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertThat(sf.segment("q").byteSize()).isEqualTo(2);
            assertThatThrownBy(() -> sf.readFloats("q")).isInstanceOf(T4jException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("\"q\"").hasMessageContaining("F8_E4M3");
        }
    }

    @Test
    void writerOverwritesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of("a", TensorData.f32(new float[] {1}, 1)), null);
        Safetensors.write(f, Map.of("b", TensorData.f32(new float[] {2, 3}, 2)), null);
        try (SafetensorsFile sf = SafetensorsFile.open(f)) {
            assertThat(sf.names()).containsExactly("b");
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("w.safetensors");
        }
        assertThatThrownBy(() -> Safetensors.write(f, Map.of("__metadata__", TensorData.f32(new float[] {1}, 1)),
                null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TensorData.f32(new float[3], 2, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- corrupt input

    /** A file with this header (unpadded) and {@code dataBytes} zero bytes of data. */
    private Path write(String name, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static void assertRejected(Path f, String... fragments) {
        assertThatThrownBy(() -> SafetensorsFile.open(f).close()).isInstanceOf(T4jException.class)
                .hasMessageStartingWith(f + ": ").satisfies(e -> {
                    for (String fragment : fragments) {
                        assertThat(e.getMessage()).contains(fragment);
                    }
                });
    }

    private static String entry(String dtype, String shape, String offsets) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void rejectsTruncatedAndAbsurdHeaders() throws Exception {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 0, 0});
        assertRejected(tiny, "3 bytes, too short");
        Path missing = dir.resolve("missing.safetensors");
        assertRejected(missing, "file not found");

        Path longer = dir.resolve("longer.safetensors");
        Files.write(longer, ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertRejected(longer, "header length 100 is larger than the file (20 bytes)");

        Path absurd = dir.resolve("absurd.safetensors");
        Files.write(absurd, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200L << 20).array());
        assertRejected(absurd, "header length 209715200 is absurd");
        Path negative = dir.resolve("negative.safetensors");
        Files.write(negative, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertRejected(negative, "header length 18446744073709551615 is absurd");
    }

    @Test
    void rejectsHeadersThatAreNotJsonObjects() throws Exception {
        assertRejected(write("notjson.safetensors", "{\"a\": ", 0), "header: line 1, column 7");
        assertRejected(write("array.safetensors", "[1, 2]", 0), "header is not a JSON object but an array");
        assertRejected(write("garbage.safetensors", "{} x", 0), "header: line 1, column 4");
        Path utf = dir.resolve("utf.safetensors");
        Files.write(utf, new byte[] {3, 0, 0, 0, 0, 0, 0, 0, '"', (byte) 0xFF, '"'});
        assertRejected(utf, "not valid UTF-8");
        assertRejected(write("dup.safetensors", "{\"w\":" + entry("F32", "[1]", "[0,4]") + ",\"w\":"
                + entry("F32", "[1]", "[4,8]") + "}", 8), "duplicate key \"w\"");
        assertRejected(write("meta.safetensors", "{\"__metadata__\":{\"a\":1}}", 0), "__metadata__", "\"a\"");
        assertRejected(write("meta2.safetensors", "{\"__metadata__\":[]}", 0), "__metadata__");
    }

    @Test
    void rejectsBadTensorEntriesNamingTheTensor() throws Exception {
        String[][] cases = {
            {"{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "missing dtype"},
            {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "missing shape"},
            {"{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "missing data_offsets"},
            {"{\"w\":" + entry("C64", "[1]", "[0,4]") + "}", "unsupported dtype \"C64\""},
            {"{\"w\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", "dtype must be a string"},
            {"{\"w\":" + entry("F32", "[-1]", "[0,4]") + "}", "negative dimension -1"},
            {"{\"w\":" + entry("F32", "[1.5]", "[0,4]") + "}", "shape must be an array of integers"},
            {"{\"w\":" + entry("F32", "3", "[0,4]") + "}", "shape must be an array"},
            {"{\"w\":" + entry("F32", "[1]", "[0,4,8]") + "}", "data_offsets must be an array of 2 integers"},
            {"{\"w\":" + entry("F32", "[1]", "[4,0]") + "}", "invalid data_offsets [4, 0]"},
            {"{\"w\":" + entry("F32", "[2]", "[0,4]") + "}", "span 4 bytes but F32 shape [2] needs 8"},
            {"{\"w\":" + entry("F32", "[1]", "[0,8]") + "}", "span 8 bytes but F32 shape [1] needs 4"},
            {"{\"w\":" + entry("F32", "[1]", "[4,8]") + "}", "leave a gap of 4 bytes"},
            {"{\"w\":" + entry("F32", "[3]", "[0,12]") + "}", "go past the end of the data region (8 bytes)"},
            {"{\"w\":" + entry("F32", "[4294967296,4294967296]", "[0,4]") + "}", "too large"},
            {"{\"w\":" + entry("F32", "[2147483647,2147483647,2147483647]", "[0,4]") + "}", "too many elements"},
            {"{\"w\":7}", "expected an object"},
        };
        int i = 0;
        for (String[] c : cases) {
            assertRejected(write("bad" + i++ + ".safetensors", c[0], 8), "tensor \"w\"", c[1]);
        }
        String two = "{\"v\":" + entry("F32", "[2]", "[0,8]") + ",\"w\":" + entry("F32", "[1]", "[4,8]") + "}";
        assertRejected(write("overlap.safetensors", two, 8), "tensor \"w\"", "overlap tensor \"v\"");
        String gapAtEnd = "{\"w\":" + entry("F32", "[1]", "[0,4]") + "}";
        assertRejected(write("trailing.safetensors", gapAtEnd, 8), "data region is 8 bytes but the tensors account"
                + " for 4");
    }

    // ---------------------------------------------------------------- sharded and directories

    @Test
    void opensShardedCheckpointsThroughTheIndex() throws Exception {
        Path ckpt = Files.createDirectory(dir.resolve("ckpt"));
        Safetensors.write(ckpt.resolve("model-00001-of-00002.safetensors"),
                Map.of("a", TensorData.f32(new float[] {1, 2}, 2), "unlisted", TensorData.f32(new float[] {0}, 1)),
                Map.of("format", "pt"));
        Safetensors.write(ckpt.resolve("model-00002-of-00002.safetensors"),
                Map.of("b", TensorData.bf16(new float[] {3, 4, 5}, 3, 1)), Map.of("format", "pt"));
        Files.writeString(ckpt.resolve(Safetensors.INDEX_FILE), "{\"metadata\": {\"total_size\": 14},"
                + " \"weight_map\": {\"b\": \"model-00002-of-00002.safetensors\","
                + " \"a\": \"model-00001-of-00002.safetensors\"}}");
        try (TensorReader r = Safetensors.openDirectory(ckpt)) {
            assertThat(r).isInstanceOf(ShardedSafetensors.class);
            assertThat(r.names()).containsExactly("b", "a");
            assertThat(r.contains("unlisted")).isFalse();
            assertThat(r.readFloats("a")).containsExactly(1, 2);
            assertThat(r.tensor("b").shape()).containsExactly(3, 1);
            assertThat(r.readFloats("b")).containsExactly(3, 4, 5);
            assertThat(r.metadata()).containsEntry("total_size", "14");
            assertThat(((ShardedSafetensors) r).shards()).hasSize(2);
            assertThatThrownBy(() -> r.info("c")).isInstanceOf(T4jException.class)
                    .hasMessageContaining(Safetensors.INDEX_FILE).hasMessageContaining("\"c\"");
        }
        try (TensorReader r = Safetensors.open(ckpt.resolve(Safetensors.INDEX_FILE))) {
            assertThat(r.names()).hasSize(2);
        }
        // a single file wins over the index
        Safetensors.write(ckpt.resolve(Safetensors.SINGLE_FILE), Map.of("s", TensorData.f32(new float[] {9}, 1)),
                null);
        try (TensorReader r = Safetensors.open(ckpt)) {
            assertThat(r).isInstanceOf(SafetensorsFile.class);
            assertThat(r.names()).containsExactly("s");
        }
    }

    @Test
    void badIndexesAreReported() throws Exception {
        Path ckpt = Files.createDirectory(dir.resolve("bad"));
        Safetensors.write(ckpt.resolve("s1.safetensors"), Map.of("a", TensorData.f32(new float[] {1}, 1)), null);
        Path index = ckpt.resolve(Safetensors.INDEX_FILE);
        Files.writeString(index, "{\"weight_map\": {\"a\": \"s1.safetensors\", \"b\": \"s1.safetensors\"}}");
        assertThatThrownBy(() -> Safetensors.openDirectory(ckpt)).isInstanceOf(T4jException.class)
                .hasMessage(index + ": tensor \"b\" is mapped to s1.safetensors, which has no such tensor");
        Files.writeString(index, "{\"weight_map\": {\"a\": \"s2.safetensors\"}}");
        assertThatThrownBy(() -> Safetensors.openDirectory(ckpt)).hasMessageContaining("s2.safetensors: file not found");
        Files.writeString(index, "{\"weight_map\": {\"a\": \"../s1.safetensors\"}}");
        assertThatThrownBy(() -> Safetensors.openDirectory(ckpt)).hasMessageContaining("not a file in the index's");
        Files.writeString(index, "{\"metadata\": {}}");
        assertThatThrownBy(() -> Safetensors.openDirectory(ckpt)).hasMessage(index + ": missing \"weight_map\"");
        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        assertThatThrownBy(() -> Safetensors.openDirectory(ckpt)).hasMessageContaining("\"a\" must be a file name");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> Safetensors.openDirectory(empty))
                .hasMessage(empty + ": no model.safetensors or model.safetensors.index.json in this directory");
    }
}
