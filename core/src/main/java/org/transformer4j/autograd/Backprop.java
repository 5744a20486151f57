package org.transformer4j.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.tensor.Tensor;

/** Reverse-mode differentiation over the graph of {@link Node}s hanging off a tensor. */
public final class Backprop {
    private Backprop() {}

    /** Seeds {@code root}'s gradient with ones and back-propagates. */
    public static void run(Tensor root) {
        java.util.Arrays.fill(root.grad(), 1f);
        runWithSeed(root);
    }

    /**
     * Back-propagates the gradient already in {@code root.grad()} to every tensor that requires grad. The graph
     * is released afterwards (each visited tensor forgets its {@link Node}), so memory held by saved activations
     * can be reclaimed and the same graph cannot be back-propagated twice by mistake.
     */
    public static void runWithSeed(Tensor root) {
        List<Tensor> order = topologicalOrder(root);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            Node node = t.gradFn();
            if (node != null && t.hasGrad()) {
                node.backward().run();
            }
        }
        for (Tensor t : order) {
            t.gradFn(null);
        }
    }

    /** Tensors reachable from {@code root}, each after all its inputs (iterative DFS: graphs can be deep). */
    static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Node node = t.gradFn();
            Tensor[] inputs = node == null ? new Tensor[0] : node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && seen.put(in, Boolean.TRUE) == null) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return Collections.unmodifiableList(order);
    }
}
