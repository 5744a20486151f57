package org.transformer4j.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.transformer4j.T4jException;
import org.transformer4j.model.Llama;
import org.transformer4j.model.LlamaConfig;
import org.transformer4j.nn.Block;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tensor.WeightStorage;

/**
 * llama2.c's legacy checkpoint: a header of 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len; a negative vocab_size means the classifier is stored separately), then the
 * float32 weights in llama2.c's order, each per-layer tensor for all layers together, then the legacy RoPE tables
 * (skipped: we compute the rotations), then the classifier when it is not shared.
 */
public final class Llama2cFile {
    private static final int HEADER_BYTES = 7 * 4;

    private Llama2cFile() {}

    /** Loads a llama2.c checkpoint into the heap, trainable ({@link #map}, then {@link Llama#toHeap()}). */
    public static Llama load(Path file) {
        Llama model = map(file);
        model.toHeap();
        return model;
    }

    /**
     * Opens a llama2.c checkpoint for inference with its weight matrices left in the memory-mapped file (read in
     * place by the kernels, never copied into the heap); the norm vectors are copied. The weights are read-only.
     */
    public static Llama map(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (size < HEADER_BYTES) {
            throw new T4jException(file + ": " + size + " bytes is too short for a llama2.c checkpoint header");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (header.hasRemaining() && ch.read(header) >= 0) {
                // read fully
            }
            header.flip();
            int dim = header.getInt(), hidden = header.getInt(), layers = header.getInt(), heads = header.getInt();
            int kvHeads = header.getInt(), vocab = header.getInt(), seqLen = header.getInt();
            boolean shared = vocab > 0;
            LlamaConfig c;
            try {
                c = new LlamaConfig(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seqLen, 1e-5f, 10000f,
                        shared, true, null);
            } catch (T4jException e) {
                throw new T4jException(file + ": header (" + dim + ", " + hidden + ", " + layers + ", " + heads + ", "
                        + kvHeads + ", " + vocab + ", " + seqLen + ") is not a llama2.c checkpoint: " + e.getMessage());
            }
            long hs = c.headSize();
            long floats = (long) c.vocabSize() * dim + (long) layers * dim
                    + (long) layers * dim * dim + 2L * layers * dim * c.kvDim() + (long) layers * dim * dim
                    + (long) layers * dim + 3L * layers * dim * hidden + dim + seqLen * hs // RoPE tables: 2 x seqLen x hs/2
                    + (shared ? 0 : (long) c.vocabSize() * dim);
            long expected = HEADER_BYTES + 4 * floats;
            if (size != expected) {
                throw new T4jException(file + ": " + size + " bytes, but a llama2.c checkpoint with this header has "
                        + expected + " (truncated, or not a llama2.c file)");
            }
            // An automatic arena: the mapping lives as long as a tensor uses it.
            Weights f = new Weights(ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, size - HEADER_BYTES,
                    Arena.ofAuto()).asReadOnly());
            Llama model = new Llama(c);
            Llama.Trunk m = model.model;
            f.read(m.embed_tokens.weight);
            // Each per-layer tensor is stored for all layers together, in this order.
            readLayers(f, m, "input_layernorm.weight");
            readLayers(f, m, "self_attn.q_proj.weight");
            readLayers(f, m, "self_attn.k_proj.weight");
            readLayers(f, m, "self_attn.v_proj.weight");
            readLayers(f, m, "self_attn.o_proj.weight");
            readLayers(f, m, "post_attention_layernorm.weight");
            readLayers(f, m, "mlp.gate_proj.weight"); // w1
            readLayers(f, m, "mlp.down_proj.weight"); // w2
            readLayers(f, m, "mlp.up_proj.weight");   // w3
            f.read(m.norm.weight);
            f.skip(seqLen * hs); // freq_cis_real and freq_cis_imag, seqLen x hs/2 each
            if (!shared) {
                f.read(model.lm_head.weight);
            }
            return model;
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads parameter {@code name} (LlamaDecoderLayer's name, e.g. "self_attn.q_proj.weight") of every layer. */
    private static void readLayers(Weights f, Llama.Trunk m, String name) {
        for (Block layer : m.layers) {
            f.read(layer.namedParameters().get(name));
        }
    }

    /** A cursor over the float32 weights after the header. */
    private static final class Weights {
        private static final ValueLayout.OfFloat F32_LE =
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        final MemorySegment segment;
        long position; // in floats

        Weights(MemorySegment segment) {
            this.segment = segment;
        }

        void skip(long floats) {
            position += floats;
        }

        /** The next t.size() floats: a matrix is pointed at them in the mapped file, a vector is copied. */
        void read(Tensor t) {
            long n = t.size();
            MemorySegment slice = segment.asSlice(4 * position, 4 * n);
            skip(n);
            if (t.rank() == 2) {
                t.useMapped(new WeightStorage(slice, WeightStorage.Format.F32, false));
            } else {
                MemorySegment.copy(slice, F32_LE, 0, t.data(), 0, (int) n);
            }
        }
    }
}
