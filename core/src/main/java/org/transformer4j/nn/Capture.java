package org.transformer4j.nn;

import java.util.ArrayList;
import java.util.List;

import org.transformer4j.tensor.Tensor;

/**
 * What a forward pass hands out when asked, for looking inside a model: the residual stream after the embedding and
 * after every block (hidden states, entry 0 the embedding output, entry i the output of block i, before any final
 * norm), and each layer's attention weights [B, nHead, T, S].
 */
public final class Capture {
    private final boolean attention;
    private final List<Tensor> hiddenStates = new ArrayList<>();
    private final List<Tensor> attentions = new ArrayList<>();

    /** @param attention whether to record attention weights too (they cost B·nHead·T·S floats per layer) */
    public Capture(boolean attention) {
        this.attention = attention;
    }

    public boolean wantsAttention() {
        return attention;
    }

    /** Records a copy of a hidden state (copied so later in-place work cannot change it). */
    public void hidden(Tensor x) {
        hiddenStates.add(x.copy());
    }

    public void attention(Tensor probs) {
        attentions.add(probs);
    }

    public List<Tensor> hiddenStates() {
        return hiddenStates;
    }

    public List<Tensor> attentions() {
        return attentions;
    }
}
