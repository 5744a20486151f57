package org.transformer4j.generate;

import java.lang.foreign.Arena;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;

import org.transformer4j.T4jException;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tensor.WeightStorage;

/**
 * Choice of the weight format a loaded model generates with: as stored in the checkpoint, or quantised to int8 at
 * load time ({@link WeightStorage#quantizeInt8}: one float scale per 32 weights, 1.125 bytes per weight instead of 4
 * or 2). Generation reads every weight once per token, so its speed follows the bytes read.
 */
public final class WeightQuantizer {
    /** Accepted values of {@code --weights}. */
    public static final String STORED = "stored";
    public static final String INT8 = "int8";

    private WeightQuantizer() {}

    /** Checks a {@code --weights} value. */
    public static String check(String weights) {
        String w = weights.toLowerCase(Locale.ROOT);
        if (!w.equals(STORED) && !w.equals(INT8)) {
            throw new T4jException("--weights must be stored (as in the checkpoint) or int8, got '" + weights + "'");
        }
        return w;
    }

    /** Applies a {@code --weights} choice to a freshly loaded model; returns the number of matrices converted. */
    public static int apply(Object model, String weights) {
        if (check(weights).equals(STORED)) {
            return 0;
        }
        if (!(model instanceof Module m)) {
            throw new T4jException("--weights int8 is not supported for this model type");
        }
        return int8(m);
    }

    /**
     * Replaces the storage of every mapped 2-D parameter whose rows are whole groups of {@link WeightStorage#GROUP}
     * (every Linear and embedding matrix of GPT-2 and Llama; norms and biases stay as they are) by int8 storage in
     * memory owned by the garbage collector. A tied matrix (GPT-2's embedding and head) is converted once.
     */
    public static int int8(Module model) {
        Arena arena = Arena.ofAuto();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        int converted = 0;
        for (Tensor t : model.namedParameters().values()) {
            if (seen.put(t, Boolean.TRUE) != null || !t.isMapped() || t.shape().length != 2) {
                continue;
            }
            WeightStorage w = t.mapped();
            int rows = t.shape()[0], cols = t.shape()[1];
            if (w.format() == WeightStorage.Format.INT8 || !WeightStorage.canQuantizeInt8(rows, cols)) {
                continue;
            }
            t.useMapped(WeightStorage.quantizeInt8(w, rows, cols, arena));
            converted++;
        }
        return converted;
    }
}
