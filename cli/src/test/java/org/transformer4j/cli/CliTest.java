package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.cli.CliTestSupport.Result;

class CliTest {
    @TempDir
    Path tmp;

    @Test
    void helpListsEveryCommand() {
        Result r = CliTestSupport.run("--help");
        assertThat(r.code()).isZero();
        for (String cmd : new String[] {"prepare", "train", "sample", "generate", "inspect", "tokenize", "bench"}) {
            assertThat(r.out()).containsPattern("(?m)^  " + cmd + " +\\S");
        }
        assertThat(r.err()).isEmpty();
    }

    @Test
    void subcommandHelpShowsItsOptions() {
        Result r = CliTestSupport.run("prepare", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--input=FILE", "--tokenizer=KIND", "--out=DIR", "90% of the text");
    }

    @Test
    void trainHelpNamesEveryTrainingKeyAndArchitecture() {
        Result r = CliTestSupport.run("train", "--help");
        assertThat(r.code()).isZero();
        // The footer is hand-written (annotation text must be a constant), so check it against the real key list.
        String flat = r.out().replaceAll("\\s+", " ");
        for (org.transformer4j.train.ConfigKey k : org.transformer4j.train.ConfigKey.values()) {
            assertThat(flat).as(k.key()).containsPattern("[ :]" + k.key() + "( |,|$)");
        }
        for (String arch : org.transformer4j.train.TrainConfig.ARCHS) {
            assertThat(flat).as(arch).contains(arch);
        }
    }

    @Test
    void versionNamesJava() {
        Result r = CliTestSupport.run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("t4j " + Main.VERSION).contains("Java " + Runtime.version().feature());
    }

    @Test
    void unknownCommandIsOneUsageLine() {
        Result r = CliTestSupport.run("frobnicate");
        assertThat(r.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("t4j: error: unknown command 'frobnicate' (commands: prepare, train, sample, "
                + "generate, inspect, embed, finetune, classify, tokenize, bench, help)" + System.lineSeparator());
        assertThat(CliTestSupport.run("tokenise").err()).contains("did you mean 'tokenize'?");
    }

    @Test
    void unknownOptionAndMissingOptionAreUsageErrors() {
        Result r = CliTestSupport.run("prepare", "--inptu", "x", "--out", "y");
        assertThat(r.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).isEqualTo("t4j: error: unknown option '--inptu'; did you mean '--input'? (see 't4j prepare --help')"
                + System.lineSeparator());
        assertThat(CliTestSupport.run("prepare", "-i", "a", "-o", "b", "extra").err())
                .startsWith("t4j: error: unexpected argument 'extra'");

        Result missing = CliTestSupport.run("prepare", "--out", "y");
        assertThat(missing.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(missing.err()).startsWith("t4j: error: Missing required option: '--input=FILE'");

        Result badKind = CliTestSupport.run("prepare", "--input", "x", "--out", "y", "--tokenizer", "bpe");
        assertThat(badKind.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(badKind.err()).contains("unknown tokenizer 'bpe' (choose char or gpt2)");
    }

    @Test
    void benchPeakRejectsBadPasses() {
        Result bad = CliTestSupport.run("bench", "peak", "--passes", "0");
        assertThat(bad.code()).isEqualTo(Cli.EXIT_ERROR);
        assertThat(bad.err()).isEqualTo("t4j: error: --passes must be >= 1, got 0" + System.lineSeparator());
    }

    @Test
    void noCommandPrintsUsageAsAnError() {
        Result r = CliTestSupport.run();
        assertThat(r.code()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(r.err()).contains("Usage: t4j");
    }

    @Test
    void userErrorFromACommandIsOneLineWithExitCodeOne() {
        Path missing = tmp.resolve("missing.txt");
        Result r = CliTestSupport.run("prepare", "--input", missing.toString(), "--out", tmp.resolve("o").toString());
        assertThat(r.code()).isEqualTo(Cli.EXIT_ERROR);
        assertThat(r.err()).isEqualTo("t4j: error: " + missing + ": no such file" + System.lineSeparator());
    }

    @Test
    void reportClassifiesExceptions() {
        assertThat(report(new T4jException("bad\nthing"))).isEqualTo(new Report(1, "t4j: error: bad thing"));
        assertThat(report(new NoSuchFileException("/x/y"))).isEqualTo(new Report(1, "t4j: error: /x/y: no such file or directory"));
        assertThat(report(new java.io.UncheckedIOException(new NoSuchFileException("z"))))
                .isEqualTo(new Report(1, "t4j: error: z: no such file or directory"));
        assertThat(report(new OutOfMemoryError("Java heap space")).firstLine()).startsWith("t4j: error: out of memory");
        Report bug = report(new IllegalStateException("oops"));
        assertThat(bug.code()).isEqualTo(Cli.EXIT_INTERNAL);
        assertThat(bug.firstLine()).isEqualTo("t4j: internal error: java.lang.IllegalStateException: oops");
    }

    @Test
    void parameterExceptionThrownByACommandIsAUsageError() {
        // Commands validate some options themselves and throw ParameterException: same policy as picocli's.
        StringWriter err = new StringWriter();
        int code = Cli.run(new String[] {"tokenize", "--tokenizer", "gpt2", "--text", "x", "--format", "xml"},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertThat(code).isEqualTo(Cli.EXIT_USAGE);
        assertThat(err.toString()).isEqualTo("t4j: error: unknown --format 'xml' (choose text or json) (see 't4j tokenize --help')"
                + System.lineSeparator());
    }

    @Test
    void debugModeAddsTheStackTrace() {
        System.setProperty("t4j.debug", "1");
        try {
            StringWriter err = new StringWriter();
            assertThat(Cli.report(new T4jException("bad input"), new PrintWriter(err))).isEqualTo(Cli.EXIT_ERROR);
            assertThat(err.toString()).startsWith("t4j: error: bad input" + System.lineSeparator())
                    .contains("\tat org.transformer4j.cli.CliTest.debugModeAddsTheStackTrace");
        } finally {
            System.clearProperty("t4j.debug");
        }
    }

    record Report(int code, String firstLine) {}

    private static Report report(Throwable t) {
        StringWriter err = new StringWriter();
        int code = Cli.report(t, new PrintWriter(err));
        assertThat(err.toString()).doesNotContain("\tat ");   // no stack trace (T4J_DEBUG is not set in tests)
        return new Report(code, err.toString().lines().findFirst().orElse(""));
    }
}
