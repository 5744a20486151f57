package org.transformer4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Write logits and hidden states of a model for a prompt")
public final class InspectCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("error: 'inspect' is not implemented yet");
        return 1;
    }
}
