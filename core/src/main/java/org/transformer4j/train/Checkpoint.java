package org.transformer4j.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;
import org.transformer4j.io.Json;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.io.TensorData;

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
    public record State(Map<String, float[]> optimizerState, long optimizerStep, int iter, double bestValLoss,
                        Map<String, Object> trainConfig) {}

    /** The weights file every architecture writes, as Hugging Face names it. */
    public static final String WEIGHTS = "model.safetensors";

    private Checkpoint() {}

    public static void save(Path dir, TrainingTask task, AdamW optimizer, int iter, double bestValLoss,
                            TrainConfig cfg) {
        String it = Integer.toString(iter);
        task.save(dir, Map.of("t4j_iter", it));
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

    /**
     * The optimizer and trainer state of the checkpoint in {@code dir}, after checking that its files belong to one
     * iteration. The model itself is loaded by its {@link Architecture#resume}.
     */
    public static State load(Path dir) {
        Path stateFile = dir.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) {
            throw new T4jException("cannot resume: no checkpoint in " + dir + " (" + STATE + " is missing)");
        }
        Map<String, Object> state = Json.parseObject(stateFile);
        int iter = Json.getInt(state, "iter_num");
        double best = Json.getDouble(state, "best_val_loss");
        long step = Json.getLong(state, "optimizer_step");
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
        try (SafetensorsFile sf = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            checkIter(dir.resolve(WEIGHTS), sf.metadata().get("t4j_iter"), iter);
        }
        return new State(opt, step, iter, best, Json.getObject(state, "config"));
    }

    /**
     * The training settings saved in the checkpoint in {@code dir}, as settings to apply before the ones given on
     * resuming (an empty list when there is no checkpoint: resuming then fails with its own clear error).
     * {@code init_from} and {@code eval_only} describe the invocation, not the run, and are left out.
     */
    public static List<TrainConfig.Setting> savedSettings(Path dir) {
        Path stateFile = dir.resolve(STATE);
        if (!Files.isRegularFile(stateFile)) {
            return List.of();
        }
        List<TrainConfig.Setting> out = new ArrayList<>();
        for (var e : Json.getObject(Json.parseObject(stateFile), "config").entrySet()) {
            if (!e.getKey().equals("init_from") && !e.getKey().equals("eval_only")) {
                out.add(new TrainConfig.Setting(e.getKey(), e.getValue(), stateFile.toString()));
            }
        }
        return out;
    }

    private static void checkIter(Path file, String recorded, int iter) {
        if (recorded == null || !recorded.equals(Integer.toString(iter))) {
            throw new T4jException("cannot resume: " + file + " belongs to iteration " + recorded + " but "
                    + STATE + " says " + iter + " (the checkpoint was torn while being written)");
        }
    }
}
