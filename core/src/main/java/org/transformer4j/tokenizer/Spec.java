package org.transformer4j.tokenizer;

import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * One JSON object of a tokenizer file with its place in the file ("tokenizer.json: model.vocab"), so that every
 * error names the file and the field at fault. Values are those of {@link org.transformer4j.io.Json}.
 */
final class Spec {
    final String file;
    final String path;
    final Map<String, Object> map;

    Spec(String file, String path, Map<String, Object> map) {
        this.file = file;
        this.path = path;
        this.map = map;
    }

    String where(String key) {
        return file + ": " + (path.isEmpty() ? key : key == null ? path : path + "." + key);
    }

    T4jException error(String key, String problem) {
        return new T4jException(where(key) + ": " + problem);
    }

    boolean has(String key) {
        return map.get(key) != null;
    }

    Object raw(String key) {
        return map.get(key);
    }

    String string(String key) {
        Object v = map.get(key);
        if (v instanceof String s) return s;
        throw error(key, v == null ? "missing (expected a string)" : "expected a string, found " + show(v));
    }

    String string(String key, String def) {
        return map.get(key) == null ? def : string(key);
    }

    boolean bool(String key, boolean def) {
        Object v = map.get(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        throw error(key, "expected true or false, found " + show(v));
    }

    int integer(String key) {
        Object v = map.get(key);
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return (int) (long) l;
        throw error(key, v == null ? "missing (expected an integer)" : "expected an integer, found " + show(v));
    }

    int integer(String key, int def) {
        return map.get(key) == null ? def : integer(key);
    }

    @SuppressWarnings("unchecked")
    Spec object(String key) {
        Object v = map.get(key);
        if (v instanceof Map<?, ?> m) return new Spec(file, path.isEmpty() ? key : path + "." + key, (Map<String, Object>) m);
        throw error(key, v == null ? "missing (expected an object)" : "expected an object, found " + show(v));
    }

    /** The object at {@code key}, or null when the key is absent or null. */
    Spec objectOrNull(String key) {
        return map.get(key) == null ? null : object(key);
    }

    @SuppressWarnings("unchecked")
    List<Object> list(String key) {
        Object v = map.get(key);
        if (v instanceof List<?> l) return (List<Object>) l;
        throw error(key, v == null ? "missing (expected an array)" : "expected an array, found " + show(v));
    }

    /** Element {@code i} of the array at {@code key}, which must be an object. */
    @SuppressWarnings("unchecked")
    Spec element(String key, int i) {
        Object v = list(key).get(i);
        String p = (path.isEmpty() ? key : path + "." + key) + "[" + i + "]";
        if (v instanceof Map<?, ?> m) return new Spec(file, p, (Map<String, Object>) m);
        throw new T4jException(file + ": " + p + ": expected an object, found " + show(v));
    }

    static String show(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "a string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        return v.toString();
    }
}
