package org.transformer4j.autograd;

import org.transformer4j.tensor.Tensor;

/**
 * The record of one differentiable op: which tensors it read and how to push the output's gradient back to them.
 *
 * <p>{@code backward} reads the output tensor's {@link Tensor#grad()} and <em>adds</em> into the gradients of
 * those inputs that {@linkplain Tensor#requiresGrad() require grad}. It is a closure over the op's inputs, the
 * output and whatever the forward pass saved.
 */
public record Node(String name, Tensor[] inputs, Runnable backward) {}
