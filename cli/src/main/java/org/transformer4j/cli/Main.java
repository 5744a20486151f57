package org.transformer4j.cli;

/** Entry point of the {@code t4j} command (placeholder until the CLI lands). */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("t4j");
    }
}
