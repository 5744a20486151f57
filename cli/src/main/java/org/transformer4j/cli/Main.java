package org.transformer4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Entry point of the {@code t4j} command. The error policy lives in {@link Cli}. */
@Command(name = "t4j",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "transformer4j: train, sample and inspect Transformer models in pure Java.",
        subcommands = {
            PrepareCommand.class,
            TrainCommand.class,
            SampleCommand.class,
            GenerateCommand.class,
            InspectCommand.class,
            EmbedCommand.class,
            FinetuneCommand.class,
            ClassifyCommand.class,
            TokenizeCommand.class,
            BenchCommand.class,
            HelpCommand.class,
        },
        footer = {"", "Run 't4j COMMAND --help' for the options of a command.",
                  "Exit status: 0 success, 1 error, 2 usage error, 3 internal error (a bug; T4J_DEBUG=1 shows the stack trace)."})
public final class Main implements Callable<Integer> {
    public static final String VERSION = "0.1.0-SNAPSHOT";

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.run(args));
    }

    /** {@code t4j} without a command: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Cli.EXIT_USAGE;
    }

    /** {@code t4j --version}: our version plus the Java and SIMD facts that explain speed differences. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    ? VectorInfo.describe() : "Vector API not loaded (run through ./t4j)";
            return new String[] {
                "t4j " + VERSION,
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                        + Runtime.getRuntime().availableProcessors() + " cpus, " + vector,
            };
        }
    }

    /** Separate class so that it is loaded only when the incubator module is present. */
    private static final class VectorInfo {
        static String describe() {
            return "preferred vector " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits";
        }
    }
}
