package org.transformer4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.tensor.Tensor;

/**
 * A piece of a network that owns parameters and sub-modules, named as PyTorch names them (so that
 * {@link #namedParameters()} yields "h.0.attn.c_attn.weight"-style names).
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a parameter (it will require grad). */
    protected final Tensor param(String name, Tensor t) {
        t.requiresGrad(true);
        params.put(name, t);
        return t;
    }

    /** Registers a sub-module. */
    protected final <M extends Module> M child(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** Every parameter with its dotted path, in registration order (depth first). */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Tensor> out) {
        for (var e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (var e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
    }

    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Total number of parameter elements. */
    public final long numParameters() {
        long n = 0;
        for (Tensor t : namedParameters().values()) {
            n += t.size();
        }
        return n;
    }

    /** Training mode turns dropout on; evaluation mode turns it off. Applies to all sub-modules. */
    public final void train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Copies every parameter that is {@linkplain Tensor#isMapped() mapped} from a checkpoint into the heap (widened
     * to float32) and makes it trainable again. Loaded models are mapped read-only; call this before training or
     * modifying one. Parameters already on the heap are left alone.
     */
    public final Module toHeap() {
        for (Tensor t : namedParameters().values()) {
            if (t.isMapped()) {
                t.toHeap().requiresGrad(true);
            }
        }
        return this;
    }

    /** Clears every parameter's gradient. */
    public final void zeroGrad() {
        for (Tensor t : namedParameters().values()) {
            t.zeroGrad();
        }
    }
}
