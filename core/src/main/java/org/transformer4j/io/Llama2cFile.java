package org.transformer4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

import org.transformer4j.T4jException;
import org.transformer4j.model.Llama;
import org.transformer4j.model.LlamaConfig;
import org.transformer4j.nn.LlamaBlock;
import org.transformer4j.tensor.Tensor;

/**
 * llama2.c's legacy checkpoint: a header of 7 little-endian int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len; a negative vocab_size means the classifier is stored separately), then the
 * float32 weights in llama2.c's order, each per-layer tensor for all layers together, then the legacy RoPE tables
 * (skipped: we compute the rotations), then the classifier when it is not shared.
 */
public final class Llama2cFile {
    private static final int HEADER_BYTES = 7 * 4;

    private Llama2cFile() {}

    public static Llama load(Path file) {
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
            FloatBuffer f = ch.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES, size - HEADER_BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            Llama model = new Llama(c);
            Llama.Trunk m = model.model;
            f.get(m.embed_tokens.weight.data());
            // Each per-layer tensor is stored for all layers together, in this order.
            readLayers(f, m, l -> l.input_layernorm.weight);
            readLayers(f, m, l -> l.self_attn.q_proj.weight);
            readLayers(f, m, l -> l.self_attn.k_proj.weight);
            readLayers(f, m, l -> l.self_attn.v_proj.weight);
            readLayers(f, m, l -> l.self_attn.o_proj.weight);
            readLayers(f, m, l -> l.post_attention_layernorm.weight);
            readLayers(f, m, l -> l.mlp.gate_proj.weight); // w1
            readLayers(f, m, l -> l.mlp.down_proj.weight); // w2
            readLayers(f, m, l -> l.mlp.up_proj.weight);   // w3
            f.get(m.norm.weight.data());
            f.position(f.position() + (int) (seqLen * hs)); // freq_cis_real and freq_cis_imag, seqLen x hs/2 each
            if (!shared) {
                f.get(model.lm_head.weight.data());
            }
            return model;
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void readLayers(FloatBuffer f, Llama.Trunk m, Function<LlamaBlock, Tensor> which) {
        for (LlamaBlock layer : m.layers) {
            f.get(which.apply(layer).data());
        }
    }
}
