package org.transformer4j.nn;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The nonlinearity of a feed-forward network, named as Hugging Face configs name it (BERT's {@code hidden_act},
 * GPT-2's and BART's {@code activation_function}, T5's {@code feed_forward_proj}): exact GELU (BERT, BART,
 * nanoGPT), GELU's tanh approximation (GPT-2), ReLU (the original Transformer, T5) and SiLU, and the gated forms
 * of T5 v1.1 and Llama, {@code act(wi_0(x)) * wi_1(x)}: gated-GELU (the tanh GELU) and gated-SiLU (SwiGLU). One
 * enum for every family, taken by the one {@link FeedForward}.
 */
public enum Activation {
    GELU, GELU_TANH, RELU, SILU, GATED_GELU, GATED_SILU;

    /** Whether the hidden layer is gated by a second projection (the gated form of {@link FeedForward}). */
    public boolean gated() {
        return this == GATED_GELU || this == GATED_SILU;
    }

    /** The nonlinearity itself: GELU_TANH for gated-GELU, SILU for gated-SiLU, else this. */
    public Activation base() {
        return switch (this) {
            case GATED_GELU -> GELU_TANH;
            case GATED_SILU -> SILU;
            default -> this;
        };
    }

    /** act(x); for a gated activation the nonlinearity of its gate ({@link #base()}). */
    public Tensor apply(Tensor x) {
        return switch (base()) {
            case GELU -> Ops.gelu(x, false);
            case GELU_TANH -> Ops.gelu(x, true);
            case RELU -> Ops.relu(x);
            case SILU -> Ops.silu(x);
            default -> throw new IllegalStateException(); // base() is never gated
        };
    }

    /** The Hugging Face name this activation is written as (T5's feed_forward_proj spelling for the gated ones). */
    public String hfName() {
        return switch (this) {
            case GELU -> "gelu";
            case GELU_TANH -> "gelu_new";
            case RELU -> "relu";
            case SILU -> "silu";
            case GATED_GELU -> "gated-gelu";
            case GATED_SILU -> "gated-silu";
        };
    }

    /**
     * Parses a Hugging Face activation name (hidden_act, activation_function); an unknown one throws naming it and
     * the known ones. Gated forms are not activation names (they need a second projection): see {@link #parse}.
     */
    public static Activation fromHfName(String name) {
        return switch (name) {
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            default -> throw new T4jException("activation '" + name + "' is not supported (supported: gelu, gelu_new, "
                    + "gelu_pytorch_tanh, gelu_fast, relu, silu, swish)");
        };
    }

    /** Parses T5's feed_forward_proj ("relu", "gated-gelu", "gated-silu", ...) or any name {@link #fromHfName} knows. */
    public static Activation parse(String s) {
        return switch (s) {
            case "gated-gelu" -> GATED_GELU;
            case "gated-silu", "gated-swish" -> GATED_SILU;
            case "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish" -> fromHfName(s);
            default -> throw new T4jException("unsupported feed-forward activation '" + s
                    + "' (supported: relu, gelu, gelu_new, silu, gated-gelu, gated-silu)");
        };
    }
}
