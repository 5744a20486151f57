package org.transformer4j.cli;

import java.util.concurrent.atomic.AtomicInteger;

import sun.misc.Signal;

/**
 * Ctrl-C handling for long work: the first SIGINT asks the work to stop cleanly (e.g. training saves a
 * checkpoint); a second one exits at once with status 130. Uses sun.misc.Signal, which the JDK keeps available
 * (jdk.unsupported) for exactly this, because a shutdown hook runs only once the JVM is already going down.
 */
final class Interrupts {
    private Interrupts() {}

    /** An installed handler; closing it restores the previous one. */
    interface Handle extends AutoCloseable {
        @Override
        void close();
    }

    static Handle onInterrupt(Runnable firstInterrupt) {
        Signal sigint = new Signal("INT");
        AtomicInteger count = new AtomicInteger();
        var previous = Signal.handle(sigint, sig -> {
            if (count.incrementAndGet() == 1) {
                firstInterrupt.run();
            } else {
                System.err.println("t4j: aborted");
                Runtime.getRuntime().halt(130);
            }
        });
        return () -> Signal.handle(sigint, previous);
    }
}
