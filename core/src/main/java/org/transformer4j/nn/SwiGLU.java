package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * Llama's feed-forward network (Shazeer, 2020, "GLU Variants Improve Transformer"): a SiLU-gated linear unit,
 * down_proj(silu(gate_proj(x)) * up_proj(x)), no biases. Hugging Face's LlamaMLP names.
 */
public final class SwiGLU extends Module {
    public final Linear gate_proj;
    public final Linear up_proj;
    public final Linear down_proj;

    public SwiGLU(int dim, int hidden) {
        this.gate_proj = child("gate_proj", new Linear(dim, hidden, false));
        this.up_proj = child("up_proj", new Linear(dim, hidden, false));
        this.down_proj = child("down_proj", new Linear(hidden, dim, false));
    }

    public Tensor forward(Tensor x) {
        return down_proj.forward(Ops.mul(Ops.silu(gate_proj.forward(x)), up_proj.forward(x)));
    }
}
