package org.transformer4j.io;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * A small, strict JSON (RFC 8259) parser and writer, so that the core library needs no JSON dependency.
 *
 * <p>Parsed values are: {@code Map<String,Object>} (a {@link LinkedHashMap}, keys in file order), {@code List<Object>},
 * {@code String}, {@code Long} (integers without fraction or exponent that fit a long), {@code Double} (every other
 * number), {@code Boolean} and {@code null}. Strict means: no comments, no trailing commas, no single quotes, no
 * leading zeros, no NaN, nothing after the value but whitespace, and a duplicate key in an object is an error.
 * Unpaired surrogate escapes (legal JSON grammar) are kept as they are. Nesting is limited to {@value #MAX_DEPTH}.
 *
 * <p>Errors are {@link T4jException}s reading {@code "<source>: line L, column C: <problem>"}; columns count UTF-16
 * characters from 1.
 */
public final class Json {
    /** Deepest nesting of arrays and objects accepted, so hostile input cannot overflow the stack. */
    public static final int MAX_DEPTH = 512;

    private Json() {
    }

    // ---------------------------------------------------------------- parsing

    /** Parses a JSON text; errors name the source "json". */
    public static Object parse(String text) {
        return parse(text, "json");
    }

    /** Parses a JSON text; errors start with {@code sourceName} (a file name, say). */
    public static Object parse(String text, String sourceName) {
        return new Parser(text, sourceName).parseDocument();
    }

    /** Reads and parses a UTF-8 JSON file (a leading byte-order mark is skipped); errors name the file. */
    public static Object parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new T4jException(file + ": file not found", e);
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(decodeUtf8(bytes, 0, bytes.length, file.toString()), file.toString());
    }

    /** Parses a file that must hold a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(Path file) {
        Object v = parse(file);
        if (!(v instanceof Map)) {
            throw new T4jException(file + ": expected a JSON object at the top level, found " + describe(v));
        }
        return (Map<String, Object>) v;
    }

    /** Parses a text that must hold a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String sourceName) {
        Object v = parse(text, sourceName);
        if (!(v instanceof Map)) {
            throw new T4jException(sourceName + ": expected a JSON object at the top level, found " + describe(v));
        }
        return (Map<String, Object>) v;
    }

    /** Strict UTF-8 decoding (malformed bytes are an error, not U+FFFD); skips a leading BOM. */
    static String decodeUtf8(byte[] bytes, int off, int len, String sourceName) {
        if (len >= 3 && (bytes[off] & 0xFF) == 0xEF && (bytes[off + 1] & 0xFF) == 0xBB
                && (bytes[off + 2] & 0xFF) == 0xBF) {
            off += 3;
            len -= 3;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new T4jException(sourceName + ": not valid UTF-8 text", e);
        }
    }

    private static final class Parser {
        private final String s;
        private final String source;
        private int pos;
        private int depth;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Object parseDocument() {
            skipWs();
            if (pos >= s.length()) {
                throw error("empty input, expected a JSON value");
            }
            Object v = value();
            skipWs();
            if (pos < s.length()) {
                throw error("unexpected " + quoteChar(s.charAt(pos)) + " after the end of the JSON value");
            }
            return v;
        }

        private Object value() {
            if (pos >= s.length()) {
                throw error("unexpected end of input, expected a value");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected " + quoteChar(c) + ", expected a value");
            }
        }

        private Map<String, Object> object() {
            enter();
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            skipWs();
            if (peek() == '}') {
                pos++;
                depth--;
                return map;
            }
            while (true) {
                skipWs();
                if (peek() != '"') {
                    throw error(pos >= s.length() ? "unexpected end of input, expected a string key"
                            : "expected a string key, found " + quoteChar(s.charAt(pos)));
                }
                int keyPos = pos;
                String key = string();
                skipWs();
                expect(':', "expected ':' after the key");
                skipWs();
                Object v = value();
                if (map.containsKey(key)) {
                    pos = keyPos;
                    throw error("duplicate key \"" + key + "\"");
                }
                map.put(key, v);
                skipWs();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == '}') {
                    pos++;
                    depth--;
                    return map;
                } else {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> array() {
            enter();
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWs();
            if (peek() == ']') {
                pos++;
                depth--;
                return list;
            }
            while (true) {
                skipWs();
                list.add(value());
                skipWs();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == ']') {
                    pos++;
                    depth--;
                    return list;
                } else {
                    throw error("expected ',' or ']'");
                }
            }
        }

        private String string() {
            pos++; // opening quote
            StringBuilder sb = null;
            int start = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String result = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
                    pos++;
                    return result;
                }
                if (c < 0x20) {
                    throw error("control character U+" + String.format("%04X", (int) c)
                            + " in a string must be escaped");
                }
                if (c != '\\') {
                    pos++;
                    continue;
                }
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(s, start, pos);
                pos++;
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    // A surrogate pair arrives as two \\u escapes; appending both UTF-16 units rebuilds the character.
                    case 'u' -> sb.append(hex4());
                    default -> {
                        pos--;
                        throw error("invalid escape \\" + e);
                    }
                }
                start = pos;
            }
        }

        private char hex4() {
            if (pos + 4 > s.length()) {
                throw error("truncated \\u escape");
            }
            int v = 0;
            for (int i = 0; i < 4; i++) {
                char c = s.charAt(pos);
                int d = c >= '0' && c <= '9' ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0) {
                    throw error("invalid hex digit " + quoteChar(c) + " in \\u escape");
                }
                v = v * 16 + d;
                pos++;
            }
            return (char) v;
        }

        private Object number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
                if (isDigit(peek())) {
                    throw error("leading zeros are not allowed in numbers");
                }
            } else if (isDigit(peek())) {
                while (isDigit(peek())) {
                    pos++;
                }
            } else {
                throw error("expected a digit");
            }
            boolean integral = true;
            if (peek() == '.') {
                integral = false;
                pos++;
                if (!isDigit(peek())) {
                    throw error("expected a digit after the decimal point");
                }
                while (isDigit(peek())) {
                    pos++;
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                integral = false;
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (!isDigit(peek())) {
                    throw error("expected a digit in the exponent");
                }
                while (isDigit(peek())) {
                    pos++;
                }
            }
            String text = s.substring(start, pos);
            if (integral && text.length() <= 20) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException tooBig) {
                    // falls through to double
                }
            }
            return Double.parseDouble(text);
        }

        private void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected " + quoteChar(s.charAt(pos)) + ", expected a value");
            }
            pos += word.length();
        }

        private void enter() {
            if (++depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
        }

        private void expect(char c, String message) {
            if (peek() != c) {
                throw error(message);
            }
            pos++;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private T4jException error(String message) {
            int line = 1;
            int lineStart = 0;
            int end = Math.min(pos, s.length());
            for (int i = 0; i < end; i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new T4jException(source + ": line " + line + ", column " + (end - lineStart + 1) + ": " + message);
        }

        private static String quoteChar(char c) {
            return c < 0x20 || c > 0x7E ? "character U+" + String.format("%04X", (int) c) : "'" + c + "'";
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Compact JSON of a value built from maps (String keys), lists/arrays, strings, numbers, booleans and null.
     * Floats are printed with {@link Float#toString} and doubles with {@link Double#toString}, so they parse back to
     * the same value; NaN and infinities are rejected.
     *
     * @throws IllegalArgumentException for a value JSON cannot represent
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        writeValue(sb, value, -1, 0);
        return sb.toString();
    }

    /** Like {@link #write}, indented by two spaces per level, one member or element per line. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        writeValue(sb, value, 2, 0);
        return sb.toString();
    }

    private static void writeValue(StringBuilder sb, Object v, int indent, int level) {
        if (level > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON value nested deeper than " + MAX_DEPTH + " (a cycle?)");
        }
        switch (v) {
            case null -> sb.append("null");
            case CharSequence cs -> writeString(sb, cs);
            case Boolean b -> sb.append(b);
            case Float f -> {
                checkFinite(f);
                sb.append(Float.toString(f));
            }
            case Double d -> {
                checkFinite(d);
                sb.append(Double.toString(d));
            }
            case Long l -> sb.append(l);
            case Integer i -> sb.append(i);
            case Short sh -> sb.append(sh);
            case Byte by -> sb.append(by);
            case BigInteger bi -> sb.append(bi);
            case BigDecimal bd -> sb.append(bd);
            case Map<?, ?> m -> writeObject(sb, m, indent, level);
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                writeArray(sb, items, indent, level);
            }
            case Object[] arr -> writeArray(sb, Arrays.asList(arr), indent, level);
            case float[] arr -> {
                List<Object> items = new ArrayList<>(arr.length);
                for (float x : arr) {
                    items.add(x);
                }
                writeArray(sb, items, indent, level);
            }
            case double[] arr -> writeArray(sb, Arrays.stream(arr).boxed().toList(), indent, level);
            case int[] arr -> writeArray(sb, Arrays.stream(arr).boxed().toList(), indent, level);
            case long[] arr -> writeArray(sb, Arrays.stream(arr).boxed().toList(), indent, level);
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static void checkFinite(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("JSON cannot represent " + d);
        }
    }

    private static void writeObject(StringBuilder sb, Map<?, ?> m, int indent, int level) {
        if (m.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            newline(sb, indent, level + 1);
            writeString(sb, key);
            sb.append(indent < 0 ? ":" : ": ");
            writeValue(sb, e.getValue(), indent, level + 1);
        }
        newline(sb, indent, level);
        sb.append('}');
    }

    private static void writeArray(StringBuilder sb, List<?> items, int indent, int level) {
        if (items.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            newline(sb, indent, level + 1);
            writeValue(sb, items.get(i), indent, level + 1);
        }
        newline(sb, indent, level);
        sb.append(']');
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent >= 0) {
            sb.append('\n');
            sb.repeat(' ', indent * level);
        }
    }

    private static void writeString(StringBuilder sb, CharSequence cs) {
        sb.append('"');
        for (int i = 0; i < cs.length(); i++) {
            char c = cs.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < cs.length()
                            && Character.isLowSurrogate(cs.charAt(i + 1)));
                    if (Character.isHighSurrogate(c) && !lone) {
                        sb.append(c).append(cs.charAt(++i));
                    } else if (c < 0x20 || lone) {
                        // A lone surrogate has no UTF-8 encoding; the escape keeps it intact through a round trip.
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    // ---------------------------------------------------------------- typed access

    /** An int member; {@code def} if the key is absent or null. Integral doubles such as {@code 2.0} are accepted. */
    public static int getInt(Map<String, ?> m, String key, int def) {
        Object v = m.get(key);
        return v == null ? def : toInt(key, v);
    }

    /** A required int member. */
    public static int getInt(Map<String, ?> m, String key) {
        return toInt(key, require(m, key));
    }

    public static long getLong(Map<String, ?> m, String key, long def) {
        Object v = m.get(key);
        return v == null ? def : toLong(key, v);
    }

    public static long getLong(Map<String, ?> m, String key) {
        return toLong(key, require(m, key));
    }

    /** A number member as a double (integers are accepted). */
    public static double getDouble(Map<String, ?> m, String key, double def) {
        Object v = m.get(key);
        return v == null ? def : toDouble(key, v);
    }

    public static double getDouble(Map<String, ?> m, String key) {
        return toDouble(key, require(m, key));
    }

    public static String getString(Map<String, ?> m, String key, String def) {
        Object v = m.get(key);
        return v == null ? def : toStr(key, v);
    }

    public static String getString(Map<String, ?> m, String key) {
        return toStr(key, require(m, key));
    }

    public static boolean getBool(Map<String, ?> m, String key, boolean def) {
        Object v = m.get(key);
        return v == null ? def : toBool(key, v);
    }

    public static boolean getBool(Map<String, ?> m, String key) {
        return toBool(key, require(m, key));
    }

    /** An object member, or null if absent or null. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> getObject(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof Map) {
            return (Map<String, Object>) v;
        }
        throw typeError(key, "an object", v);
    }

    /** An array member, or null if absent or null. */
    @SuppressWarnings("unchecked")
    public static List<Object> getList(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof List) {
            return (List<Object>) v;
        }
        throw typeError(key, "an array", v);
    }

    private static Object require(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new T4jException("key \"" + key + "\": " + (m.containsKey(key) ? "is null" : "is missing"));
        }
        return v;
    }

    private static long toLong(String key, Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            return d.longValue();
        }
        throw typeError(key, "an integer", v);
    }

    private static int toInt(String key, Object v) {
        long l = toLong(key, v);
        if (l != (int) l) {
            throw new T4jException("key \"" + key + "\": " + l + " does not fit in a 32-bit int");
        }
        return (int) l;
    }

    private static double toDouble(String key, Object v) {
        if (v instanceof Number n && !(v instanceof BigDecimal)) {
            return n.doubleValue();
        }
        throw typeError(key, "a number", v);
    }

    private static String toStr(String key, Object v) {
        if (v instanceof String s) {
            return s;
        }
        throw typeError(key, "a string", v);
    }

    private static boolean toBool(String key, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        throw typeError(key, "true or false", v);
    }

    private static T4jException typeError(String key, String expected, Object v) {
        return new T4jException("key \"" + key + "\": expected " + expected + ", found " + describe(v));
    }

    /** A short description of a parsed value for error messages: {@code string "abc"}, {@code number 1.5}. */
    static String describe(Object v) {
        String text;
        if (v == null) {
            return "null";
        } else if (v instanceof String s) {
            text = "string " + write(s);
        } else if (v instanceof Number n) {
            text = "number " + n;
        } else if (v instanceof Boolean b) {
            text = b.toString();
        } else if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "an array";
        } else {
            return v.getClass().getSimpleName();
        }
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }
}
