package org.transformer4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;

class JsonTest {
    @TempDir
    Path dir;

    @Test
    void parsesAllValueKindsInOrder() {
        Object v = Json.parse(" {\"b\": 1, \"a\": [true, false, null, -0, 12.5e-1, \"x\"],\n \"c\": {}} ");
        assertThat(v).isInstanceOf(LinkedHashMap.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("b", "a", "c");
        assertThat(m.get("b")).isEqualTo(1L);
        assertThat(m.get("a")).isEqualTo(Arrays.asList(true, false, null, 0L, 1.25, "x"));
        assertThat((Map<?, ?>) m.get("c")).isEmpty();
        assertThat(Json.parse("[]")).isEqualTo(List.of());
        assertThat(Json.parse("\"\"")).isEqualTo("");
    }

    @Test
    void integersThatFitALongAreLongsOthersDoubles() {
        assertThat(Json.parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(Json.parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(Json.parse("9223372036854775808")).isEqualTo(9.223372036854775808e18);
        assertThat(Json.parse("1e3")).isEqualTo(1000.0);
        assertThat(Json.parse("1E+2")).isEqualTo(100.0);
        assertThat(Json.parse("-1.5E-3")).isEqualTo(-0.0015);
        assertThat(Json.parse("3.0")).isEqualTo(3.0);
    }

    @Test
    void decodesEveryEscapeIncludingSurrogatePairs() {
        String s = (String) Json.parse("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u00e9\\u6F22\\uD83D\\uDE00z\"");
        assertThat(s).isEqualTo("a\"b\\c/d\be\ff\ng\rh\ti\u00e9\u6f22\uD83D\uDE00z");
        assertThat(s.codePointAt(s.length() - 3)).isEqualTo(0x1F600);
        // raw (unescaped) non-ASCII passes through
        assertThat(Json.parse("\"\uD83D\uDE00 \u00e9\"")).isEqualTo("\uD83D\uDE00 \u00e9");
        // a lone surrogate is legal JSON grammar and is kept
        assertThat(Json.parse("\"\\uD800\"")).isEqualTo("\uD800");
    }

    @Test
    void errorsGiveLineAndColumn() throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\n  \"a\": 1,\n  \"bb\": 2 \"c\": 3\n}");
        assertThatThrownBy(() -> Json.parse(f)).isInstanceOf(T4jException.class)
                .hasMessage(f + ": line 3, column 11: expected ',' or '}'");
        assertThatThrownBy(() -> Json.parse("[1,\n 2,,3]", "x.json"))
                .hasMessage("x.json: line 2, column 4: unexpected ',', expected a value");
    }

    @Test
    void rejectsInvalidJson() {
        String[] bad = {
            "", "   ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "NaN",
            "Infinity", "tru", "nul", "[1] x", "{} {}", "\"abc", "\"a\nb\"", "\"\\x\"", "\"\\u12G4\"", "\"\\u12\"",
            "[1 2]", "{\"a\" 1}", "// c\n1", "\u00a01", "{\"a\":1}}", "\"\\u0660\\u0661\"x"
        };
        for (String s : bad) {
            assertThatThrownBy(() -> Json.parse(s, "t")).as("input %s", s).isInstanceOf(T4jException.class)
                    .hasMessageStartingWith("t: line ");
        }
    }

    @Test
    void duplicateKeysAreAnError() {
        assertThatThrownBy(() -> Json.parse("{\"a\": 1,\n \"a\": 2}", "d.json"))
                .hasMessage("d.json: line 2, column 2: duplicate key \"a\"");
    }

    @Test
    void nestingIsLimited() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.parse(ok)).isInstanceOf(List.class);
        String tooDeep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertThatThrownBy(() -> Json.parse(tooDeep)).hasMessageContaining("nesting deeper than 512");
        String hostile = "{\"a\":".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(hostile)).isInstanceOf(T4jException.class);
    }

    @Test
    void fileErrorsNameTheFile() throws Exception {
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> Json.parse(missing)).isInstanceOf(T4jException.class)
                .hasMessage(missing + ": file not found");
        Path latin1 = dir.resolve("latin1.json");
        Files.write(latin1, new byte[] {'"', (byte) 0xE9, '"'});
        assertThatThrownBy(() -> Json.parse(latin1)).hasMessage(latin1 + ": not valid UTF-8 text");
        Path bom = dir.resolve("bom.json");
        Files.write(bom, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '[', '1', ']'});
        assertThat(Json.parse(bom)).isEqualTo(List.of(1L));
        Path array = dir.resolve("array.json");
        Files.writeString(array, "[1]");
        assertThatThrownBy(() -> Json.parseObject(array)).hasMessage(array + ": expected a JSON object at the top"
                + " level, found an array");
    }

    @Test
    void writesCompactAndPretty() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "q\"\\\n\t\u0001\u00e9");
        m.put("i", 3);
        m.put("l", List.of(1L, 2.5, true, new ArrayList<>()));
        m.put("o", Map.of());
        m.put("n", null);
        m.put("f", 0.1f);
        assertThat(Json.write(m)).isEqualTo(
                "{\"s\":\"q\\\"\\\\\\n\\t\\u0001\u00e9\",\"i\":3,\"l\":[1,2.5,true,[]],\"o\":{},\"n\":null,\"f\":0.1}");
        assertThat(Json.writePretty(m)).isEqualTo("""
                {
                  "s": "q\\"\\\\\\n\\t\\u0001\u00e9",
                  "i": 3,
                  "l": [
                    1,
                    2.5,
                    true,
                    []
                  ],
                  "o": {},
                  "n": null,
                  "f": 0.1
                }""");
        assertThat(Json.parse(Json.writePretty(m))).isEqualTo(Json.parse(Json.write(m)));
        assertThat(Json.write(new float[] {1f, -0f})).isEqualTo("[1.0,-0.0]");
        assertThat(Json.write(new int[] {1, 2})).isEqualTo("[1,2]");
        assertThat(Json.write("\uD800x\uD83D\uDE00")).isEqualTo("\"\\ud800x\uD83D\uDE00\"");
        assertThat(Json.parse(Json.write("\uD800x\uDC00"))).isEqualTo("\uD800x\uDC00");
    }

    @Test
    void writerRejectsNonFiniteAndNonStringKeys() {
        assertThatThrownBy(() -> Json.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(List.of(Float.POSITIVE_INFINITY)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(Map.of(1, 2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void floatsAndDoublesRoundTripExactly() {
        SplittableRandom rng = new SplittableRandom(3);
        List<Object> values = new ArrayList<>();
        float[] floats = new float[2000];
        double[] doubles = new double[2000];
        for (int i = 0; i < floats.length; i++) {
            float f;
            do {
                f = Float.intBitsToFloat(rng.nextInt());
            } while (!Float.isFinite(f));
            floats[i] = f;
            double d;
            do {
                d = Double.longBitsToDouble(rng.nextLong());
            } while (!Double.isFinite(d));
            doubles[i] = d;
        }
        floats[0] = Float.MIN_VALUE;
        floats[1] = Float.MAX_VALUE;
        floats[2] = -0f;
        String text = Json.write(List.of(floats, doubles));
        List<?> back = (List<?>) Json.parse(text);
        List<?> fs = (List<?>) back.get(0);
        List<?> ds = (List<?>) back.get(1);
        for (int i = 0; i < floats.length; i++) {
            // a float printed by Float.toString parses as a double that narrows back to the same float
            assertThat(Float.floatToRawIntBits((float) ((Number) fs.get(i)).doubleValue()))
                    .isEqualTo(Float.floatToRawIntBits(floats[i]));
            assertThat(Double.doubleToRawLongBits(((Number) ds.get(i)).doubleValue()))
                    .isEqualTo(Double.doubleToRawLongBits(doubles[i]));
        }
        values.add(Long.MIN_VALUE);
        assertThat(Json.parse(Json.write(values))).isEqualTo(List.of(Long.MIN_VALUE));
    }

    @Test
    void randomValuesRoundTripThroughText() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < 200; i++) {
            Object v = randomValue(rng, 0);
            assertThat(Json.parse(Json.write(v))).isEqualTo(v);
            assertThat(Json.parse(Json.writePretty(v))).isEqualTo(v);
            byte[] utf8 = Json.writePretty(v).getBytes(StandardCharsets.UTF_8);
            assertThat(Json.parse(new String(utf8, StandardCharsets.UTF_8))).isEqualTo(v);
        }
    }

    private static Object randomValue(SplittableRandom rng, int depth) {
        int kind = rng.nextInt(depth > 3 ? 5 : 7);
        switch (kind) {
            case 0:
                return null;
            case 1:
                return rng.nextBoolean();
            case 2:
                return rng.nextLong();
            case 3:
                return rng.nextDouble() * Math.pow(10, rng.nextInt(-40, 40));
            case 4: {
                StringBuilder sb = new StringBuilder();
                int n = rng.nextInt(8);
                for (int i = 0; i < n; i++) {
                    sb.appendCodePoint(rng.nextInt(4) == 0 ? rng.nextInt(0x20) : rng.nextInt(0x20, 0x11000));
                }
                return sb.toString();
            }
            case 5: {
                List<Object> l = new ArrayList<>();
                int n = rng.nextInt(4);
                for (int i = 0; i < n; i++) {
                    l.add(randomValue(rng, depth + 1));
                }
                return l;
            }
            default: {
                Map<String, Object> m = new LinkedHashMap<>();
                int n = rng.nextInt(4);
                for (int i = 0; i < n; i++) {
                    m.put("k" + i + (char) rng.nextInt(0x20, 0x3000), randomValue(rng, depth + 1));
                }
                return m;
            }
        }
    }

    @Test
    void typedAccessorsCheckTypesAndNameTheKey() {
        Map<String, Object> m = Json.parseObject("{\"n\": 12, \"big\": 5000000000, \"x\": 2.5, \"two\": 2.0,"
                + " \"s\": \"abc\", \"b\": true, \"z\": null, \"o\": {\"k\": 1}, \"l\": [1]}", "c.json");
        assertThat(Json.getInt(m, "n")).isEqualTo(12);
        assertThat(Json.getInt(m, "two")).isEqualTo(2);
        assertThat(Json.getInt(m, "missing", 7)).isEqualTo(7);
        assertThat(Json.getInt(m, "z", 7)).isEqualTo(7);
        assertThat(Json.getLong(m, "big")).isEqualTo(5_000_000_000L);
        assertThat(Json.getDouble(m, "x")).isEqualTo(2.5);
        assertThat(Json.getDouble(m, "n")).isEqualTo(12.0);
        assertThat(Json.getString(m, "s")).isEqualTo("abc");
        assertThat(Json.getString(m, "zz", "d")).isEqualTo("d");
        assertThat(Json.getBool(m, "b")).isTrue();
        assertThat(Json.getBool(m, "nb", false)).isFalse();
        assertThat(Json.getObject(m, "o")).containsEntry("k", 1L);
        assertThat(Json.getObject(m, "none")).isNull();
        assertThat(Json.getList(m, "l")).containsExactly(1L);
        assertThatThrownBy(() -> Json.getInt(m, "x")).isInstanceOf(T4jException.class)
                .hasMessage("key \"x\": expected an integer, found number 2.5");
        assertThatThrownBy(() -> Json.getInt(m, "big")).hasMessage("key \"big\": 5000000000 does not fit in a 32-bit int");
        assertThatThrownBy(() -> Json.getInt(m, "s", 1)).hasMessage("key \"s\": expected an integer, found string \"abc\"");
        assertThatThrownBy(() -> Json.getString(m, "n")).hasMessage("key \"n\": expected a string, found number 12");
        assertThatThrownBy(() -> Json.getBool(m, "s")).hasMessage("key \"s\": expected true or false, found string \"abc\"");
        assertThatThrownBy(() -> Json.getDouble(m, "b")).hasMessage("key \"b\": expected a number, found true");
        assertThatThrownBy(() -> Json.getObject(m, "l")).hasMessage("key \"l\": expected an object, found an array");
        assertThatThrownBy(() -> Json.getList(m, "o")).hasMessage("key \"o\": expected an array, found an object");
        assertThatThrownBy(() -> Json.getInt(m, "missing")).hasMessage("key \"missing\": is missing");
        assertThatThrownBy(() -> Json.getString(m, "z")).hasMessage("key \"z\": is null");
    }
}
