package org.transformer4j.autograd;

/**
 * Whether ops record history for back-propagation. Off during evaluation and generation, where recording would
 * only cost memory.
 *
 * <pre>{@code
 * try (var ignored = GradMode.off()) {
 *     logits = model.forward(tokens);
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private GradMode() {}

    public static boolean enabled() {
        return ENABLED.get();
    }

    /** Turns recording off until the returned scope is closed (scopes nest). */
    public static Scope off() {
        boolean previous = ENABLED.get();
        ENABLED.set(Boolean.FALSE);
        return () -> ENABLED.set(previous);
    }

    /** Turns recording on until the returned scope is closed. */
    public static Scope on() {
        boolean previous = ENABLED.get();
        ENABLED.set(Boolean.TRUE);
        return () -> ENABLED.set(previous);
    }

    /** A grad-mode scope; closing it restores the previous mode. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
