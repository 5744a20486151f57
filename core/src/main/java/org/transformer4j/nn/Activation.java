package org.transformer4j.nn;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * The nonlinearity of a feed-forward network, named as Hugging Face configs name it (BERT's {@code hidden_act},
 * GPT-2's {@code activation_function}): exact GELU (BERT, nanoGPT), GELU's tanh approximation (GPT-2), ReLU (the
 * original Transformer) and SiLU.
 */
public enum Activation {
    GELU, GELU_TANH, RELU, SILU;

    public Tensor apply(Tensor x) {
        return switch (this) {
            case GELU -> Ops.gelu(x, false);
            case GELU_TANH -> Ops.gelu(x, true);
            case RELU -> Ops.relu(x);
            case SILU -> Ops.silu(x);
        };
    }

    /** The Hugging Face name this activation is written as. */
    public String hfName() {
        return switch (this) {
            case GELU -> "gelu";
            case GELU_TANH -> "gelu_new";
            case RELU -> "relu";
            case SILU -> "silu";
        };
    }

    /** Parses a Hugging Face activation name; an unknown one throws naming it and the known ones. */
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
}
