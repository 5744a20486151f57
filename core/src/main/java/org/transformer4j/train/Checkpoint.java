package org.transformer4j.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;
import org.transformer4j.io.Json;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.io.TensorData;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTFiles;

/**
 * A training run's checkpoint: the run directory is a model directory (config.json, model.safetensors, tokenizer
 * files) plus optimizer.safetensors (AdamW moments) and trainer_state.json (iteration, best val loss, settings).
 *
 * <p>Each file is written to a temporary file and renamed. The files are written model first and trainer state
 * last, and each records the iteration it belongs to, so a checkpoint torn by a crash between two renames is
 * detected on resume instead of silently mixing two iterations.
 */
public final class Checkpoint {
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer_state.json";

    /** What a checkpoint holds. */
    public record State(GPT model, Map<String, float[]> optimizerState, long optimizerStep, int iter,
                        double bestValLoss, Map<String, Object> trainConfig) {}

    private Checkpoint() {}

    public static void save(Path dir, GPT model, AdamW optimizer, int iter, double bestValLoss, TrainConfig cfg) {
        String it = Integer.toString(iter);
        GPTFiles.save(model, dir, Map.of("t4j_iter", it));
        LinkedHashMap<String, TensorData> opt = new LinkedHashMap<>();
        for (var e : optimizer.exportState().entrySet()) {
            opt.put(e.getKey(), TensorData.f32(e.getValue(), e.getValue().length));
        }
        Safetensors.write(dir.resolve(OPTIMIZER), opt,
                Map.of("t4j_iter", it, "step", Long.toString(optimizer.stepCount())));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("iter_num", iter);
        state.put("best_val_loss", bestValLoss);
        state.put("optimizer_step", optimizer.stepCount());
        state.put("config", cfg.toMap());
        AtomicFiles.writeString(dir.resolve(STATE), Json.writePretty(state) + "\n");
    }

    public static State load(Path dir) {
        Path stateFile = dir.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) {
            throw new T4jException("cannot resume: no checkpoint in " + dir + " (" + STATE + " is missing)");
        }
        Map<String, Object> state = Json.parseObject(stateFile);
        int iter = Json.getInt(state, "iter_num");
        double best = Json.getDouble(state, "best_val_loss");
        long step = Json.getLong(state, "optimizer_step");
        GPT model = GPTFiles.load(dir);
        Path optFile = dir.resolve(OPTIMIZER);
        if (!Files.isRegularFile(optFile)) {
            throw new T4jException("cannot resume: " + optFile + " is missing");
        }
        Map<String, float[]> opt = new LinkedHashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(optFile)) {
            checkIter(optFile, sf.metadata().get("t4j_iter"), iter);
            for (String name : sf.names()) {
                opt.put(name, sf.readFloats(name));
            }
        }
        try (SafetensorsFile sf = SafetensorsFile.open(dir.resolve(GPTFiles.WEIGHTS))) {
            checkIter(dir.resolve(GPTFiles.WEIGHTS), sf.metadata().get("t4j_iter"), iter);
        }
        return new State(model, opt, step, iter, best, Json.getObject(state, "config"));
    }

    private static void checkIter(Path file, String recorded, int iter) {
        if (recorded == null || !recorded.equals(Integer.toString(iter))) {
            throw new T4jException("cannot resume: " + file + " belongs to iteration " + recorded + " but "
                    + STATE + " says " + iter + " (the checkpoint was torn while being written)");
        }
    }
}
