package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.data.DataDir;
import org.transformer4j.generate.Generator;
import org.transformer4j.generate.Sampler;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.io.Json;
import org.transformer4j.kernels.GemmBench;
import org.transformer4j.kernels.MatVecBench;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.kernels.PeakBench;
import org.transformer4j.model.CausalLM;
import org.transformer4j.nn.KVCache;
import org.transformer4j.train.Presets;
import org.transformer4j.train.TrainConfig;
import org.transformer4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code t4j bench}: speed measurements. Each subcommand warms up first (so the JIT has compiled the kernels),
 * then reports the median of several timed repeats, with the thread count.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure kernel, training and generation speed",
        subcommands = {BenchCommand.Gemm.class, BenchCommand.Train.class, BenchCommand.Generate.class,
                BenchCommand.Prefill.class, BenchCommand.Bandwidth.class, BenchCommand.MatVec.class,
                BenchCommand.Peak.class},
        footer = {"", "Time on a quiet machine: another busy process can slow a 2-thread run many-fold."})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Cli.EXIT_USAGE;
    }

    /** Options every bench shares. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--threads", defaultValue = "0", description = "worker threads, 0 = all cores")
        int threads;

        @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT", description = "text or json")
        String format;

        int threads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }

        void report(Map<String, Object> result, String line) {
            if (!format.equals("text") && !format.equals("json")) {
                throw new T4jException("--format must be text or json, got '" + format + "'");
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(format.equals("json") ? Json.write(result) : line);
            out.flush();
        }
    }

    /**
     * Runs {@code body} untimed at least {@code warmups} times and for at least a second (C2 compiles the kernels
     * only after many calls; timing earlier measures the interpreter), then {@code repeats} times timed. Returns
     * each timed run in ms.
     */
    static double[] time(int warmups, int repeats, Runnable body) {
        if (repeats < 1) {
            throw new T4jException("--repeats must be >= 1, got " + repeats);
        }
        long warmStart = System.nanoTime();
        for (int w = 0; w < warmups || System.nanoTime() - warmStart < 1_000_000_000L; w++) {
            body.run();
        }
        double[] ms = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            body.run();
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    /** An ordered JSON object from alternating keys and values. */
    static Map<String, Object> json(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true, description = "Matrix multiply speed (GFLOP/s)")
    static final class Gemm extends Base {
        @Option(names = "--m", required = true, description = "rows of C") int m;
        @Option(names = "--k", required = true, description = "inner dimension") int k;
        @Option(names = "--n", required = true, description = "columns of C") int n;
        @Option(names = "--layout", defaultValue = "nn", description = "nn (A·B), nt (A·Bᵀ) or tn (Aᵀ·B)")
        String layout;

        @Override
        public Integer call() {
            if (!List.of("nn", "nt", "tn").contains(layout)) {
                throw new T4jException("--layout must be nn, nt or tn, got '" + layout + "'");
            }
            if (m < 1 || k < 1 || n < 1) {
                throw new T4jException("--m, --k and --n must be >= 1");
            }
            GemmBench.Result r = GemmBench.run(m, k, n, threads(), layout);
            report(json("bench", "gemm", "layout", layout, "m", m, "k", k, "n", n, "threads", r.threads(),
                    "ms", r.medianMs(), "gflops", r.gflops()), r.toString());
            return Cli.EXIT_OK;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Training step time (ms/iter, tokens/s) of a preset, without evaluations",
            footer = {"", "Extra --key=value settings override the preset, as with t4j train."})
    static final class Train extends Base {
        @Option(names = "--preset", defaultValue = "shakespeare-char-cpu", description = "preset (default: ${DEFAULT-VALUE})")
        String preset;

        @Option(names = "--iters", defaultValue = "50", description = "timed iterations (default: ${DEFAULT-VALUE})")
        int iters;

        @Option(names = "--warmup", defaultValue = "10", description = "untimed iterations first (default: ${DEFAULT-VALUE})")
        int warmup;

        @Unmatched
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() throws IOException {
            if (iters < 1 || warmup < 0) {
                throw new T4jException("--iters must be >= 1 and --warmup >= 0");
            }
            if (!Presets.names().contains(preset)) {
                throw new T4jException("unknown preset '" + preset + "' (known: " + String.join(", ", Presets.names())
                        + ")");
            }
            List<String> o = new ArrayList<>(overrides);
            o.add("--threads=" + threads());
            TrainConfig cfg = TrainConfig.load(preset, null, o);
            double[] ms;
            double allocMb;
            double cpuMs;
            try (DataDir data = TrainCommand.openOrPrepareData(cfg, spec.commandLine().getErr())) {
                Trainer trainer = new Trainer(cfg, data, Path.of(cfg.outDir()), null);
                // Warm-up and timed steps on one model; CPU time and heap allocation are read over the timed steps
                // alone (all threads), so they show the steady state: no model creation, first gradients,
                // optimizer state or filling of the step's buffer arena.
                long[] start = new long[2];
                ms = trainer.benchmarkSteps(warmup, iters, () -> {
                    start[0] = allocatedBytes();
                    start[1] = processCpuNanos();
                });
                cpuMs = (processCpuNanos() - start[1]) / 1e6 / iters;
                allocMb = (allocatedBytes() - start[0]) / 1e6 / iters;
            }
            double med = median(ms);
            double tokens = (double) cfg.batchSize() * cfg.blockSize() * cfg.gradientAccumulationSteps();
            report(json("bench", "train", "preset", preset, "threads", Parallel.threads(), "iters", iters,
                    "ms_per_iter", med, "tokens_per_s", tokens * 1000 / med, "cpu_ms_per_iter", cpuMs,
                    "alloc_mb_per_iter", allocMb),
                    String.format(Locale.ROOT, "train %s: %.2f ms/iter, %.0f tokens/s (median of %d, %d threads); "
                            + "%.1f ms CPU/iter, %.1f MB allocated/iter (means)", preset, med, tokens * 1000 / med,
                            iters, Parallel.threads(), cpuMs, allocMb));
            return Cli.EXIT_OK;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Generation speed, batch 1, KV cache (tokens/s)")
    static final class Generate extends Base {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "model directory") Path model;
        @Option(names = "--max-new-tokens", defaultValue = "128", description = "tokens per run (default: ${DEFAULT-VALUE})")
        int maxNewTokens;
        @Option(names = "--repeats", defaultValue = "3", description = "timed runs (default: ${DEFAULT-VALUE})")
        int repeats;
        @Option(names = "--weights", defaultValue = "stored", paramLabel = "FORMAT",
                description = "stored (as in the checkpoint) or int8 (quantised on load)")
        String weights;

        @Override
        public Integer call() throws IOException {
            Parallel.setThreads(threads());
            // Load to first token, measured first, in a JVM that has not run the kernels yet (what a user waits).
            long t0 = System.nanoTime();
            CausalLM lm = LoadedModel.open(model, weights).model();
            long t1 = System.nanoTime();
            int n = Math.min(maxNewTokens, lm.contextLength() - 1);
            if (n < 1) {
                throw new T4jException("--max-new-tokens must be >= 1");
            }
            double[] ms;
            double cpuMs;
            double loadMs = (t1 - t0) / 1e6;
            double firstTokenMs;
            try (var noGrad = GradMode.off()) {
                Sampler.argmax(lm.forwardCached(new int[] {0}, lm.newCache(2)));
                firstTokenMs = (System.nanoTime() - t0) / 1e6;
                Generator g = new Generator(lm);
                Runnable run = () -> g.generate(new int[] {0}, n, new Sampler(SamplingParams.greedy(), 0), id -> true);
                ms = time(1, repeats, run);
                // CPU time (all threads) of one more run: disturbed less than wall time by other processes
                long cpu0 = processCpuNanos();
                run.run();
                cpuMs = (processCpuNanos() - cpu0) / 1e6;
            }
            double med = median(ms);
            report(json("bench", "generate", "model", model.toString(), "weights", weights, "threads", Parallel.threads(),
                    "new_tokens", n, "tokens_per_s", n * 1000 / med, "cpu_ms_per_token", cpuMs / n,
                    "load_ms", loadMs, "load_to_first_token_ms", firstTokenMs),
                    String.format(Locale.ROOT, "generate %s: %.1f tokens/s (%d tokens, median of %d, %d threads);"
                            + " load %.0f ms, load to first token %.0f ms", model, n * 1000 / med, n, repeats,
                            Parallel.threads(), loadMs, firstTokenMs));
            return Cli.EXIT_OK;
        }
    }

    @Command(name = "prefill", mixinStandardHelpOptions = true,
            description = "Prompt processing time for N tokens in one batched pass (ms)")
    static final class Prefill extends Base {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "model directory") Path model;
        @Option(names = "--tokens", defaultValue = "512", description = "prompt length (default: ${DEFAULT-VALUE})")
        int tokens;
        @Option(names = "--repeats", defaultValue = "5", description = "timed runs (default: ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() throws IOException {
            Parallel.setThreads(threads());
            CausalLM lm = LoadedModel.open(model).model();
            if (tokens < 1 || tokens > lm.contextLength()) {
                throw new T4jException("--tokens must be in [1, " + lm.contextLength() + "] for this model");
            }
            int[] prompt = new int[tokens];
            for (int i = 0; i < tokens; i++) {
                prompt[i] = i % lm.vocabSize();
            }
            double[] ms;
            KVCache cache = lm.newCache(tokens);
            // process CPU time from the start of each call (warm-ups first) and at the end of the last: the timed
            // calls' mean CPU time, which another busy process disturbs far less than wall time
            java.util.List<Long> cpu = new java.util.ArrayList<>();
            long[] cpuEnd = new long[1];
            try (var noGrad = GradMode.off()) {
                ms = time(2, repeats, () -> {
                    cpu.add(processCpuNanos());
                    cache.clear();
                    lm.forwardCached(prompt, cache);
                    cpuEnd[0] = processCpuNanos();
                });
            }
            double med = median(ms);
            double cpuMs = (cpuEnd[0] - cpu.get(cpu.size() - repeats)) / 1e6 / repeats;
            report(json("bench", "prefill", "model", model.toString(), "threads", Parallel.threads(), "tokens", tokens,
                    "ms", med, "cpu_ms", cpuMs), String.format(Locale.ROOT,
                    "prefill %s: %.1f ms for %d tokens (median of %d, %d threads; %.0f ms of CPU time per run)",
                    model, med, tokens, repeats, Parallel.threads(), cpuMs));
            return Cli.EXIT_OK;
        }
    }

    @Command(name = "bandwidth", mixinStandardHelpOptions = true,
            description = "Memory read bandwidth (GB/s): the limit of batch-1 generation, which reads every weight once per token")
    static final class Bandwidth extends Base {
        @Option(names = "--mb", defaultValue = "1024", description = "buffer size in MB, far above the caches (default: ${DEFAULT-VALUE})")
        int mb;
        @Option(names = "--passes", defaultValue = "10", description = "timed passes (default: ${DEFAULT-VALUE})")
        int passes;
        @Option(names = "--heap", description = "read a heap float[] instead of off-heap memory (as a mapped file)")
        boolean heap;

        @Override
        public Integer call() {
            if (mb < 1 || mb > 1536 || passes < 1) {
                throw new T4jException("--mb must be in [1, 1536] and --passes >= 1");
            }
            MatVecBench.Result r = MatVecBench.bandwidth(mb, threads(), passes, heap);
            report(json("bench", "bandwidth", "memory", heap ? "heap" : "off-heap", "mb", mb, "threads", r.threads(),
                    "passes", r.passes(), "best_gb_per_s", r.bestGbPerS(), "median_gb_per_s", r.medianGbPerS()),
                    r.toString());
            return Cli.EXIT_OK;
        }
    }

    @Command(name = "matvec", mixinStandardHelpOptions = true,
            description = "One generation matrix-vector product over off-heap weights (GB/s of weights read)")
    static final class MatVec extends Base {
        @Option(names = "--out", defaultValue = "3072", description = "output features (default: ${DEFAULT-VALUE})") int out;
        @Option(names = "--in", defaultValue = "768", description = "input features (default: ${DEFAULT-VALUE})") int in;
        @Option(names = "--weights", defaultValue = "f32", description = "f32, bf16, f16 or int8 (default: ${DEFAULT-VALUE})")
        String weights;
        @Option(names = "--transposed", description = "stored [in, out] (GPT-2's Conv1D layout)") boolean transposed;
        @Option(names = "--passes", defaultValue = "200", description = "timed calls (default: ${DEFAULT-VALUE})") int passes;
        @Option(names = "--copies", defaultValue = "1",
                description = "copies of the matrix used in turn; enough of them (over 8 MB in all) make every call read from memory, as in generation (default: ${DEFAULT-VALUE})")
        int copies;

        @Override
        public Integer call() {
            if (out < 1 || in < 1 || passes < 1 || copies < 1) {
                throw new T4jException("--out, --in, --passes and --copies must be >= 1");
            }
            if (!List.of("f32", "bf16", "f16", "int8").contains(weights)) {
                throw new T4jException("--weights must be f32, bf16, f16 or int8, got '" + weights + "'");
            }
            if (weights.equals("int8") && (in % 32 != 0 || transposed)) {
                throw new T4jException("--weights int8 needs --in a multiple of 32 and no --transposed (int8 is stored row-major)");
            }
            MatVecBench.Result r = MatVecBench.matvec(out, in, weights, transposed, threads(), passes, copies);
            report(json("bench", "matvec", "weights", weights, "out", out, "in", in, "transposed", transposed, "copies", copies,
                    "threads", r.threads(), "passes", r.passes(), "best_gb_per_s", r.bestGbPerS(),
                    "median_gb_per_s", r.medianGbPerS()), r.toString());
            return Cli.EXIT_OK;
        }
    }

    @Command(name = "peak", mixinStandardHelpOptions = true,
            description = "Float32 multiply-add peak (GFLOP/s): the ceiling of GEMM, training and prompt processing")
    static final class Peak extends Base {
        @Option(names = "--passes", defaultValue = "5", description = "timed passes (default: ${DEFAULT-VALUE})")
        int passes;

        @Override
        public Integer call() {
            if (passes < 1) {
                throw new T4jException("--passes must be >= 1, got " + passes);
            }
            PeakBench.Result r = PeakBench.run(threads(), passes);
            report(json("bench", "peak", "threads", r.threads(), "lanes", r.lanes(), "passes", r.passes(),
                    "best_gflops", r.bestGflops(), "median_gflops", r.medianGflops()), r.toString());
            return Cli.EXIT_OK;
        }
    }

    /**
     * CPU time of the whole process so far (all threads, JIT and GC included), or 0 where unavailable. On a shared
     * machine it is disturbed far less by other processes than wall time is.
     */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    /** Heap bytes allocated so far by all threads (HotSpot's counter), or 0 where the JVM does not provide it. */
    static long allocatedBytes() {
        if (java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return 0;
    }
}
