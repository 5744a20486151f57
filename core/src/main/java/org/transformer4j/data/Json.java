package org.transformer4j.data;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON subset core needs for meta.json (core may not depend on a JSON library). Parses any valid JSON
 * into LinkedHashMap / ArrayList / String / BigDecimal / Boolean / null; errors carry the line and column.
 */
final class Json {
    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /** Thrown on malformed input; the message names the line and column. */
    static final class ParseException extends Exception {
        ParseException(String message) {
            super(message);
        }
    }

    static Object parse(String text) throws ParseException {
        Json p = new Json(text);
        p.skipWs();
        Object v = p.value();
        p.skipWs();
        if (p.pos != text.length()) throw p.error("unexpected text after the JSON value");
        return v;
    }

    private Object value() throws ParseException {
        if (pos >= s.length()) throw error("unexpected end of input");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object() throws ParseException {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        skipWs();
        if (peek() == '}') { pos++; return m; }
        while (true) {
            skipWs();
            if (peek() != '"') throw error("expected a string key");
            String k = string();
            skipWs();
            expect(':');
            skipWs();
            if (m.containsKey(k)) throw error("duplicate key \"" + k + "\"");
            m.put(k, value());
            skipWs();
            char c = peek();
            pos++;
            if (c == '}') return m;
            if (c != ',') { pos--; throw error("expected ',' or '}'"); }
        }
    }

    private List<Object> array() throws ParseException {
        List<Object> a = new ArrayList<>();
        pos++;
        skipWs();
        if (peek() == ']') { pos++; return a; }
        while (true) {
            skipWs();
            a.add(value());
            skipWs();
            char c = peek();
            pos++;
            if (c == ']') return a;
            if (c != ',') { pos--; throw error("expected ',' or ']'"); }
        }
    }

    private String string() throws ParseException {
        pos++;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) { pos--; throw error("control character in string"); }
            if (c != '\\') { sb.append(c); continue; }
            if (pos >= s.length()) throw error("unterminated string");
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) throw error("bad \\u escape");
                    try {
                        sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    pos += 4;
                }
                default -> { pos--; throw error("bad escape '\\" + e + "'"); }
            }
        }
    }

    private BigDecimal number() throws ParseException {
        int start = pos;
        if (peek() == '-') pos++;
        while (pos < s.length() && "0123456789.eE+-".indexOf(s.charAt(pos)) >= 0) pos++;
        try {
            return new BigDecimal(s.substring(start, pos));
        } catch (NumberFormatException ex) {
            pos = start;
            throw error("bad number");
        }
    }

    private Object literal(String word, Object v) throws ParseException {
        if (!s.startsWith(word, pos)) throw error("unexpected character '" + s.charAt(pos) + "'");
        pos += word.length();
        return v;
    }

    private char peek() throws ParseException {
        if (pos >= s.length()) throw error("unexpected end of input");
        return s.charAt(pos);
    }

    private void expect(char c) throws ParseException {
        if (peek() != c) throw error("expected '" + c + "'");
        pos++;
    }

    private void skipWs() {
        while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) pos++;
    }

    private ParseException error(String what) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') { line++; col = 1; } else col++;
        }
        return new ParseException(what + " at line " + line + ", column " + col);
    }

    /** {@code "text"} with JSON escapes. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
