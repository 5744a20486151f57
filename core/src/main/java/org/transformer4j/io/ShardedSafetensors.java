package org.transformer4j.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * A checkpoint split over several safetensors files, described by an index file such as
 * {@code model.safetensors.index.json}: {@code {"metadata": {...}, "weight_map": {"tensor name": "shard file"}}}.
 * Shard paths are relative to the index's directory and may not leave it. Every shard is opened (mapped) up front,
 * and every tensor of the weight map must exist in its shard; tensors in a shard but not in the map are not visible.
 */
public final class ShardedSafetensors implements TensorReader {
    private final Path indexFile;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path indexFile, Map<String, SafetensorsFile> byTensor, List<SafetensorsFile> shards,
            Map<String, String> metadata) {
        this.indexFile = indexFile;
        this.byTensor = byTensor;
        this.shards = shards;
        this.metadata = metadata;
    }

    /** Opens the index file and every shard it names. */
    public static ShardedSafetensors open(Path indexFile) {
        return open(indexFile, false);
    }

    /** Like {@link #open}, with every shard opened by {@link SafetensorsFile#map} (mappings live while used). */
    public static ShardedSafetensors map(Path indexFile) {
        return open(indexFile, true);
    }

    private static ShardedSafetensors open(Path indexFile, boolean auto) {
        Map<String, Object> index = Json.parseObject(indexFile);
        Object wm = index.get("weight_map");
        if (!(wm instanceof Map<?, ?> weightMap)) {
            throw new T4jException(indexFile + ": " + (wm == null ? "missing \"weight_map\""
                    : "\"weight_map\" must be an object, found " + Json.describe(wm)));
        }
        Path dir = indexFile.toAbsolutePath().normalize().getParent();
        Map<String, SafetensorsFile> openShards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : weightMap.entrySet()) {
                String tensor = (String) e.getKey();
                if (!(e.getValue() instanceof String file)) {
                    throw new T4jException(indexFile + ": weight_map entry \"" + tensor
                            + "\" must be a file name, found " + Json.describe(e.getValue()));
                }
                SafetensorsFile shard = openShards.get(file);
                if (shard == null) {
                    Path shardPath = dir.resolve(file).normalize();
                    if (!shardPath.startsWith(dir) || shardPath.equals(dir)) {
                        throw new T4jException(indexFile + ": shard \"" + file + "\" of tensor \"" + tensor
                                + "\" is not a file in the index's directory");
                    }
                    shard = auto ? SafetensorsFile.map(shardPath) : SafetensorsFile.open(shardPath);
                    openShards.put(file, shard);
                }
                if (!shard.contains(tensor)) {
                    throw new T4jException(indexFile + ": tensor \"" + tensor + "\" is mapped to " + file
                            + ", which has no such tensor");
                }
                byTensor.put(tensor, shard);
            }
        } catch (RuntimeException ex) {
            openShards.values().forEach(SafetensorsFile::close);
            throw ex;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (index.get("metadata") instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> me : m.entrySet()) {
                Object v = me.getValue();
                metadata.put((String) me.getKey(), v instanceof String s ? s : Json.write(v));
            }
        }
        return new ShardedSafetensors(indexFile, Collections.unmodifiableMap(byTensor),
                List.copyOf(openShards.values()), Collections.unmodifiableMap(metadata));
    }

    public Path indexFile() {
        return indexFile;
    }

    /** The shard files, in order of first appearance in the weight map. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    private SafetensorsFile shard(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new T4jException(indexFile + ": no tensor named \"" + name + "\"");
        }
        return f;
    }

    @Override
    public List<String> names() {
        return new ArrayList<>(byTensor.keySet());
    }

    @Override
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    @Override
    public MemorySegment segment(String name) {
        return shard(name).segment(name);
    }

    @Override
    public float[] readFloats(String name) {
        return shard(name).readFloats(name);
    }

    @Override
    public double[] readDoubles(String name) {
        return shard(name).readDoubles(name);
    }

    @Override
    public long[] readLongs(String name) {
        return shard(name).readLongs(name);
    }

    /** The index's {@code "metadata"} object, values as strings (non-strings as their JSON text). */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
