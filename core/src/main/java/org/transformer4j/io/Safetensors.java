package org.transformer4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * Entry points for the safetensors format: {@link #write} a file, {@link #open} a file or a checkpoint directory.
 *
 * <p>Files we write: the tensors appear in the data region in the iteration order of the map given (pass a
 * {@link LinkedHashMap} or a {@link java.util.TreeMap} for a deterministic file), contiguous and without gaps, and the
 * header lists {@code __metadata__} first, then the tensors in the same order. The header is padded with spaces so the
 * data region starts at a multiple of 8 bytes, as the reference implementation does. (The reference implementation
 * orders tensors by dtype and then by name; both orders are valid files.)
 */
public final class Safetensors {
    /** File name of an unsharded Hugging Face checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** File name of the index of a sharded Hugging Face checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private Safetensors() {
    }

    /**
     * Writes a safetensors file atomically (temporary file in the same directory, fsync, rename).
     *
     * @param tensors  tensors in the order they are to be stored
     * @param metadata the {@code __metadata__} map; null or empty for none
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        AtomicFiles.writeAtomically(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (TensorData t : tensors.values()) {
                t.writeTo(out);
            }
        });
    }

    /** The padded header bytes for these tensors. */
    static byte[] header(Map<String, TensorData> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("\"__metadata__\" cannot be a tensor name");
            }
            TensorData t = e.getValue();
            List<Long> shape = new ArrayList<>();
            for (int d : t.shape()) {
                shape.add((long) d);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + t.byteSize()));
            header.put(e.getKey(), entry);
            offset += t.byteSize();
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    /**
     * Opens a checkpoint: a {@code .safetensors} file, an index {@code .json} file, or a directory holding
     * {@value #SINGLE_FILE} or {@value #INDEX_FILE} (see {@link #openDirectory}).
     */
    public static TensorReader open(Path path) {
        if (Files.isDirectory(path)) {
            return openDirectory(path);
        }
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }

    /**
     * Like {@link #openDirectory}, but the files stay mapped as long as a segment taken from them is reachable
     * ({@link SafetensorsFile#map}): for models whose weights stay in the file.
     */
    public static TensorReader mapDirectory(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return SafetensorsFile.map(single);
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return ShardedSafetensors.map(index);
        }
        throw new T4jException(dir + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " in this directory");
    }

    /** Opens {@code dir/model.safetensors} if present, else the sharded checkpoint of {@code dir/model.safetensors.index.json}. */
    public static TensorReader openDirectory(Path dir) {
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return SafetensorsFile.open(single);
        }
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return ShardedSafetensors.open(index);
        }
        throw new T4jException(dir + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " in this directory");
    }
}
