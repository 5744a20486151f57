package org.transformer4j.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.transformer4j.T4jException;
import org.transformer4j.train.TrainConfig.Setting;

/**
 * Reads training config files: nanoGPT's Python config files ({@code key = value} lines) and flat JSON objects.
 *
 * <p>nanoGPT runs its config files with {@code exec}; we read the subset they actually use: one assignment per
 * line, {@code #} comments, string literals, True/False, ints, floats such as {@code 6e-4} and products such as
 * {@code 5 * 8}. Anything else is reported with its line number rather than guessed at.
 *
 * <p>Values come back as String, Long, Double or Boolean; {@link TrainConfig} converts them to each key's type.
 */
public final class ConfigFiles {
    private ConfigFiles() {}

    /** Reads a config file: JSON when the name ends in {@code .json}, nanoGPT's Python format otherwise. */
    public static List<Setting> parse(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read config file: " + e.getMessage(), e);
        }
        String name = file.toString();
        return name.endsWith(".json") ? parseJson(text, name) : parsePython(text, name);
    }

    private static final Pattern ASSIGN = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*=(?!=)\\s*(.*)");
    private static final Pattern INT = Pattern.compile("[+-]?(0|[1-9](_?[0-9])*)");
    private static final Pattern FLOAT =
            Pattern.compile("[+-]?(([0-9](_?[0-9])*)?\\.[0-9](_?[0-9])*|[0-9](_?[0-9])*\\.?)([eE][+-]?[0-9]+)?");

    /** Reads nanoGPT-style {@code key = value} lines; {@code name} prefixes error messages. */
    public static List<Setting> parsePython(String text, String name) {
        List<Setting> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String where = name + ": line " + (i + 1);
            String code = stripComment(lines[i]).strip();
            if (code.isEmpty()) {
                continue;
            }
            Matcher m = ASSIGN.matcher(code);
            Object value = m.matches() ? pythonValue(m.group(2).strip()) : null;
            if (value == null) {
                throw new T4jException(where + ": cannot read '" + lines[i].strip() + "'");
            }
            out.add(new Setting(m.group(1), value, where));
        }
        return out;
    }

    /** The line without a trailing {@code #} comment; a {@code #} inside a string literal is kept. */
    private static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '#') {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** A Python literal or product of numbers, or null when it is anything else. */
    private static Object pythonValue(String v) {
        if (v.equals("True") || v.equals("False")) {
            return v.equals("True");
        }
        if (v.length() >= 2 && (v.charAt(0) == '\'' || v.charAt(0) == '"')) {
            return pythonString(v);
        }
        Object product = null;
        for (String f : v.split("\\*", -1)) {
            f = f.strip();
            Object n;
            if (INT.matcher(f).matches()) {
                try {
                    n = Long.parseLong(f.replace("_", ""));
                } catch (NumberFormatException e) {
                    return null;
                }
            } else if (FLOAT.matcher(f).matches() && !f.isEmpty()) {
                n = Double.parseDouble(f.replace("_", ""));
            } else {
                return null; // includes "**", names, calls
            }
            product = product == null ? n : multiply(product, n);
        }
        return product;
    }

    private static Object multiply(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            try {
                return Math.multiplyExact(x, y);
            } catch (ArithmeticException e) {
                return (double) x * y;
            }
        }
        return ((Number) a).doubleValue() * ((Number) b).doubleValue();
    }

    /** A whole single- or double-quoted literal with the common escapes, or null. */
    private static String pythonString(String v) {
        char q = v.charAt(0);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == q) {
                return i == v.length() - 1 ? sb.toString() : null;
            }
            if (c == '\\' && i + 1 < v.length()) {
                char e = v.charAt(++i);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case '\\', '\'', '"' -> sb.append(e);
                    default -> sb.append('\\').append(e);
                }
            } else {
                sb.append(c);
            }
        }
        return null; // unterminated
    }

    // ---- JSON ------------------------------------------------------------------------------------------------

    /** Reads a flat JSON object of strings, numbers and booleans; {@code name} prefixes error messages. */
    public static List<Setting> parseJson(String text, String name) {
        return new JsonReader(text, name).object();
    }

    /**
     * A reader for one flat object that remembers the line of every key, so that a bad value in a config file is
     * reported with its line (io.Json gives the position of syntax errors only).
     */
    static final class JsonReader {
        private final String s;
        private final String name;
        private int pos;

        JsonReader(String s, String name) {
            this.s = s;
            this.name = name;
        }

        List<Setting> object() {
            List<Setting> out = new ArrayList<>();
            expect('{');
            skipSpace();
            if (peek() == '}') {
                pos++;
            } else {
                while (true) {
                    skipSpace();
                    String where = name + ": line " + line();
                    String key = string();
                    expect(':');
                    skipSpace();
                    out.add(new Setting(key, value(key), where));
                    skipSpace();
                    char c = next();
                    if (c == '}') {
                        break;
                    }
                    if (c != ',') {
                        fail("expected ',' or '}'");
                    }
                }
            }
            skipSpace();
            if (pos < s.length()) {
                fail("unexpected text after the object");
            }
            return out;
        }

        private Object value(String key) {
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("false", pos)) {
                pos += 5;
                return false;
            }
            if (s.startsWith("null", pos)) {
                pos += 4;
                return null;
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return number();
            }
            fail("value of '" + key + "' must be a string, number or boolean");
            return null;
        }

        private Object number() {
            int start = pos;
            boolean isFloat = false;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '.' || c == 'e' || c == 'E') {
                    isFloat = true;
                } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
                    break;
                }
                pos++;
            }
            String t = s.substring(start, pos);
            try {
                return isFloat ? (Object) Double.parseDouble(t) : (Object) Long.parseLong(t);
            } catch (NumberFormatException e) {
                pos = start;
                fail("bad number '" + t + "'");
                return null;
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return sb.toString();
                }
                if (c == '\\') {
                    char e = next();
                    switch (e) {
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            if (pos + 4 > s.length()) {
                                fail("bad \\u escape");
                            }
                            try {
                                sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                            } catch (NumberFormatException ex) {
                                fail("bad \\u escape");
                            }
                            pos += 4;
                        }
                        default -> sb.append(e);
                    }
                } else {
                    sb.append(c);
                }
            }
        }

        private void expect(char c) {
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != c) {
                fail("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            if (pos >= s.length()) {
                fail("unexpected end of file");
            }
            return s.charAt(pos);
        }

        private char next() {
            char c = peek();
            pos++;
            return c;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private int line() {
            int n = 1;
            for (int i = 0; i < pos && i < s.length(); i++) {
                if (s.charAt(i) == '\n') {
                    n++;
                }
            }
            return n;
        }

        private void fail(String what) {
            throw new T4jException(name + ": line " + line() + ": " + what);
        }
    }
}
