package org.transformer4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs t4j in-process and captures what it prints. */
final class CliTestSupport {
    private CliTestSupport() {}

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }
}
