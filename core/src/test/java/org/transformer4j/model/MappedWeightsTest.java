package org.transformer4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.Generator;
import org.transformer4j.generate.Sampler;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.io.DType;
import org.transformer4j.io.Json;
import org.transformer4j.io.Llama2cFile;
import org.transformer4j.io.Safetensors;
import org.transformer4j.io.SafetensorsFile;
import org.transformer4j.io.TensorData;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.KVCache;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tensor.WeightStorage;

/**
 * Models opened with their weights left in the mapped checkpoint ({@code GPTFiles.map}, {@code LlamaFiles.map},
 * {@code Llama2cFile.map}) compute what the heap-loaded model computes, for F32, BF16 and F16 files, keep no copy
 * of their weights in the heap, and cannot be written.
 *
 * <p>Tolerance for mapped versus heap logits: both run in float32 on exactly the same values (a 16-bit file is
 * widened exactly either way); only the order of the additions inside each dot product differs (the mapped
 * kernels versus Gemm's), by at most ~k·u relative with k <= 192 terms here and u = 6e-8, i.e. ~1e-5 of the
 * terms' magnitude, compounded over two or three layers. We allow 1e-4 · max(1, max|logit|); a real fault (a
 * wrong layout, a row off by one, a bad widening) moves logits by O(1) with these fixtures' large weights.
 */
class MappedWeightsTest {
    static final Path GPT_FIXTURE = Path.of("src/test/resources/fixtures/gpt");
    static final Path LLAMA_FIXTURE = Path.of("src/test/resources/fixtures/llama");

    @TempDir
    Path tmp;

    enum Format {
        F32(DType.F32), BF16(DType.BF16), F16(DType.F16);

        final DType dtype;

        Format(DType dtype) {
            this.dtype = dtype;
        }
    }

    /** A copy of a model directory with every floating-point tensor stored as {@code dtype}. */
    static Path convert(Path src, Path dst, DType dtype) throws IOException {
        Files.createDirectories(dst);
        Files.copy(src.resolve("config.json"), dst.resolve("config.json"));
        Map<String, TensorData> out = new LinkedHashMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            for (String name : sf.names()) {
                var info = sf.info(name);
                out.put(name, info.dtype().isFloatingPoint() ? TensorData.of(sf.readFloats(name), dtype, info.shape())
                        : TensorData.raw(info.dtype(), sf.segment(name).toArray(ValueLayout.JAVA_BYTE), info.shape()));
            }
        }
        Safetensors.write(dst.resolve("model.safetensors"), out, Map.of("format", "pt"));
        return dst;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a.length).isEqualTo(b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double scale(float[] a) {
        double m = 1;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    static int[] ids(int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (i * 7 + 3) % vocab;
        }
        return ids;
    }

    /** Logits at every position through the cache one token at a time (the matrix-vector kernels). */
    static float[] stepwise(CausalLM m, int[] ids) {
        KVCache cache = m.newCache(ids.length);
        float[] all = new float[ids.length * m.vocabSize()];
        for (int p = 0; p < ids.length; p++) {
            float[] l = m.forwardCached(new int[] {ids[p]}, cache);
            System.arraycopy(l, 0, all, p * l.length, l.length);
        }
        return all;
    }

    static int[] greedy(CausalLM m, int[] prompt, int n) {
        return new Generator(m).generate(prompt, n, new Sampler(SamplingParams.greedy(), 0), id -> true).ids();
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void mappedGptComputesWhatTheHeapModelComputes(Format f) throws IOException {
        // "model": transformer.-prefixed names; "gpt2_style": plain names, mask buffers, lm_head copy, gelu_new
        for (String fixture : List.of("model", "gpt2_style")) {
            Path dir = convert(GPT_FIXTURE.resolve(fixture), tmp.resolve(fixture + "-" + f), f.dtype);
            GPT heap = GPTFiles.load(dir);
            GPT mapped = GPTFiles.map(dir);
            WeightStorage attn = mapped.transformer.h.get(0).self_attn.qkv.weight.mapped();
            assertThat(attn).as("Conv1D weight stays in its stored [in, out] layout").isNotNull();
            assertThat(attn.transposed()).isTrue();
            assertThat(attn.format().name()).isEqualTo(f.name());
            int t = Math.min(12, heap.config.blockSize());
            int[] ids = ids(t, heap.config.vocabSize());
            try (var noGrad = GradMode.off()) {
                // whole sequence at once: more than 4 rows, so the blocked GEMM path over the stored weights
                float[] a = heap.forward(ids, 1, t, null, ForwardContext.INFERENCE).logits().data();
                float[] b = mapped.forward(ids, 1, t, null, ForwardContext.INFERENCE).logits().data();
                assertThat(maxAbsDiff(a, b)).as("%s %s full forward", fixture, f).isLessThan(1e-4 * scale(a));
                // one position at a time: the matrix-vector kernels
                float[] c = stepwise(heap, ids);
                float[] d = stepwise(mapped, ids);
                assertThat(maxAbsDiff(c, d)).as("%s %s cached steps", fixture, f).isLessThan(1e-4 * scale(c));
                assertThat(greedy(mapped, new int[] {1, 2, 3}, 20)).isEqualTo(greedy(heap, new int[] {1, 2, 3}, 20));
            }
        }
    }

    /** The mapped float32 model against transformers itself: the fixture's 20 greedy tokens. */
    @Test
    void mappedGptMatchesTheTransformersGreedyIds() {
        for (String[] c : new String[][] {{"model", "greedy.json"}, {"gpt2_style", "gpt2_style_greedy.json"}}) {
            Map<String, Object> g = Json.parseObject(GPT_FIXTURE.resolve(c[1]));
            int[] prompt = Json.getList(g, "prompt_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
            int[] expected = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
            try (var noGrad = GradMode.off()) {
                assertThat(greedy(GPTFiles.map(GPT_FIXTURE.resolve(c[0])), prompt, expected.length)).as(c[0])
                        .containsExactly(expected);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void mappedLlamaComputesWhatTheHeapModelComputes(Format f) throws IOException {
        Path dir = convert(LLAMA_FIXTURE.resolve("model"), tmp.resolve("llama-" + f), f.dtype);
        Llama heap = LlamaFiles.load(dir);
        Llama mapped = LlamaFiles.map(dir);
        Tensor wq = mapped.model.layers.get(0).self_attn.q.weight;
        assertThat(wq.isMapped()).isTrue();
        assertThat(wq.mapped().format().name()).isEqualTo(f.name());
        assertThat(heap.model.layers.get(0).self_attn.q.weight.isMapped()).isFalse();
        int[] ids = ids(10, heap.vocabSize());
        try (var noGrad = GradMode.off()) {
            float[] a = heap.forward(ids, null).data();
            float[] b = mapped.forward(ids, null).data();
            assertThat(maxAbsDiff(a, b)).as("full forward").isLessThan(1e-4 * scale(a));
            float[] c = stepwise(heap, ids);
            float[] d = stepwise(mapped, ids);
            assertThat(maxAbsDiff(c, d)).as("cached steps").isLessThan(1e-4 * scale(c));
            if (f == Format.F32) {
                Map<String, Object> g = Json.parseObject(LLAMA_FIXTURE.resolve("greedy.json"));
                int[] prompt = Json.getList(g, "prompt_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
                int[] expected = Json.getList(g, "greedy_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
                assertThat(greedy(mapped, prompt, expected.length)).containsExactly(expected);
            }
        }
    }

    @Test
    void mappedLlama2cFileComputesWhatTheHeapModelComputes() {
        Path bin = null;
        for (String candidate : List.of("../../shared/models/stories260K", "../shared/models/stories260K",
                "/work/shared/models/stories260K")) {
            if (Files.isRegularFile(Path.of(candidate, "stories260K.bin"))) {
                bin = Path.of(candidate, "stories260K.bin");
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(bin != null, "shared/models/stories260K is not beside the checkout");
        Llama heap = Llama2cFile.load(bin);
        Llama mapped = Llama2cFile.map(bin);
        assertThat(mapped.model.embed_tokens.weight.isMapped()).isTrue();
        assertThat(mapped.model.embed_tokens.weight.mapped().segment().isMapped()).isTrue();
        int[] ids = ids(20, heap.vocabSize());
        try (var noGrad = GradMode.off()) {
            float[] c = stepwise(heap, ids);
            float[] d = stepwise(mapped, ids);
            assertThat(maxAbsDiff(c, d)).isLessThan(1e-4 * scale(c));
            assertThat(greedy(mapped, new int[] {1}, 40)).isEqualTo(greedy(heap, new int[] {1}, 40));
        }
    }

    /**
     * Structural: every weight matrix of a mapped model is a view of the mapped file, and opening a 21 MB model
     * grows the heap by far less than that (the vectors it does copy, biases and norm gains, are ~30 KB).
     */
    @Test
    void aMappedModelKeepsNoHeapCopyOfItsWeights() {
        GPTConfig c = new GPTConfig(8192, 128, 4, 4, 256, 1024, true, 0f, 1e-5f, true);
        GPT model = new GPT(c).initWeights(1, 0.02f);
        Path dir = tmp.resolve("big");
        GPTFiles.save(model, dir, Map.of());
        long fileBytes = dir.resolve("model.safetensors").toFile().length();
        assertThat(fileBytes).isGreaterThan(20_000_000L);
        model = null;
        long before = usedHeapAfterGc();
        GPT mapped = GPTFiles.map(dir);
        long after = usedHeapAfterGc();
        for (var e : mapped.namedParameters().entrySet()) {
            Tensor t = e.getValue();
            if (t.rank() == 2) {
                assertThat(t.isMapped()).as(e.getKey()).isTrue();
                assertThat(t.mapped().segment().isMapped()).as(e.getKey() + " is a view of the mapped file").isTrue();
                assertThat(t.mapped().segment().isReadOnly()).isTrue();
            }
        }
        assertThat(after - before).as("heap growth when mapping a %d-byte model", fileBytes)
                .isLessThan(fileBytes / 10);
        try (var noGrad = GradMode.off()) {
            assertThat(mapped.forwardCached(new int[] {5}, mapped.newCache(4))).hasSize(c.vocabSize());
        }
    }

    private static long usedHeapAfterGc() {
        var mem = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // the smallest of a few readings: a concurrent allocation only adds
            System.gc();
            used = Math.min(used, mem.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Mapped weights are read-only: using one as a float[] is a clear error; toHeap() makes the model trainable. */
    @Test
    void mappedWeightsAreReadOnlyUntilCopiedToTheHeap() throws IOException {
        Path dir = convert(GPT_FIXTURE.resolve("model"), tmp.resolve("ro"), DType.BF16);
        byte[] fileBefore = Files.readAllBytes(dir.resolve("model.safetensors"));
        GPT mapped = GPTFiles.map(dir);
        Tensor w = mapped.transformer.h.get(0).ffn.wi.weight;
        assertThat(w.requiresGrad()).isFalse();
        assertThatThrownBy(w::data).isInstanceOf(T4jException.class).hasMessageContaining("read-only")
                .hasMessageContaining("BF16").hasMessageContaining("toHeap");
        assertThatThrownBy(() -> w.set(1f, 0, 0)).isInstanceOf(T4jException.class);
        float stored = w.get(3, 5);
        GPT heap = GPTFiles.load(dir);
        assertThat(heap.transformer.h.get(0).ffn.wi.weight.get(3, 5)).isEqualTo(stored);

        // toHeap: the same logical values (the Conv1D storage transposed into [out, in]), trainable, writable
        mapped.toHeap();
        assertThat(w.isMapped()).isFalse();
        assertThat(w.requiresGrad()).isTrue();
        assertThat(w.get(3, 5)).isEqualTo(stored);
        assertThat(w.data()).containsExactly(heap.transformer.h.get(0).ffn.wi.weight.data());
        int t = 8;
        int[] ids = ids(t, mapped.config.vocabSize());
        var out = mapped.forward(ids, 1, t, ids, ForwardContext.INFERENCE);
        out.loss().backward();
        assertThat(w.hasGrad()).isTrue();
        w.data()[0] += 1f;
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).as("the file is never written")
                .isEqualTo(fileBefore);
    }

    /** Bad files through the mapping loader still name the file and the tensor. */
    @Test
    void badFilesNameTheFileAndTensorWhenMapping() throws IOException {
        Path dir = convert(GPT_FIXTURE.resolve("model"), tmp.resolve("bad"), DType.F32);
        Path file = dir.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> GPTFiles.map(dir)).isInstanceOf(T4jException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("go past the end of the data region");

        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Files.write(file, bytes);
        try (SafetensorsFile sf = SafetensorsFile.open(file)) {
            for (String name : sf.names()) {
                tensors.put(name, TensorData.f32(sf.readFloats(name), sf.info(name).shape()));
            }
        }
        String victim = "transformer.h.0.attn.c_proj.weight";
        int[] shape = tensors.get(victim).shape();
        tensors.put(victim, TensorData.f32(new float[shape[0] * shape[1] - shape[0]], shape[0], shape[1] - 1));
        Safetensors.write(file, tensors, null);
        assertThatThrownBy(() -> GPTFiles.map(dir)).isInstanceOf(T4jException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("h.0.attn.c_proj.weight")
                .hasMessageContaining("has shape");
        tensors.put(victim, TensorData.i64(new long[shape[0] * shape[1]], shape));
        Safetensors.write(file, tensors, null);
        assertThatThrownBy(() -> GPTFiles.map(dir)).isInstanceOf(T4jException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("h.0.attn.c_proj.weight")
                .hasMessageContaining("dtype I64");
    }
}
