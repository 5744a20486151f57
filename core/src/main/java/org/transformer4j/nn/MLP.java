package org.transformer4j.nn;

import org.transformer4j.tensor.Tensor;

/** The position-wise feed-forward network: c_fc (C -> 4C), an activation (GELU by default), c_proj (4C -> C), dropout. */
public final class MLP extends Module {
    public final Linear c_fc;
    public final Linear c_proj;
    public final Dropout dropout;
    public final Activation activation;

    /** @param tanhGelu GPT-2's tanh approximation ("gelu_new") instead of nanoGPT's exact GELU */
    public MLP(int nEmbd, int hidden, boolean bias, float dropout, boolean tanhGelu) {
        this(nEmbd, hidden, bias, dropout, tanhGelu ? Activation.GELU_TANH : Activation.GELU);
    }

    public MLP(int nEmbd, int hidden, boolean bias, float dropout, Activation activation) {
        this.c_fc = child("c_fc", new Linear(nEmbd, hidden, bias));
        this.c_proj = child("c_proj", new Linear(hidden, nEmbd, bias));
        this.dropout = child("dropout", new Dropout(dropout));
        this.activation = activation;
    }

    public Tensor forward(Tensor x, ForwardContext ctx) {
        Tensor h = activation.apply(c_fc.forward(x));
        return dropout.forward(c_proj.forward(h), ctx.rng());
    }
}
