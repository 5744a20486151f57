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

    /** Loads a llama2.c checkpoint into the heap (float32 copies of every weight). */
    public static Llama load(Path file) {
        return open(file, true);
    }

    /**
     * Opens a llama2.c checkpoint for inference with its weight matrices left in the memory-mapped file (read in
     * place by the kernels, never copied into the heap); the norm vectors are copied. The weights are read-only.
     */
    public static Llama map(Path file) {
        return open(file, false);
    }

    private static Llama open(Path file, boolean heap) {
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
                    Arena.ofAuto()).asReadOnly(), heap);
            Tensor emb = read(f, c.vocabSize(), dim);
            Tensor[] attNorm = readLayers(f, layers, dim);
            Tensor[] wq = readLayers(f, layers, dim, dim);
            Tensor[] wk = readLayers(f, layers, c.kvDim(), dim);
            Tensor[] wv = readLayers(f, layers, c.kvDim(), dim);
            Tensor[] wo = readLayers(f, layers, dim, dim);
            Tensor[] ffnNorm = readLayers(f, layers, dim);
            Tensor[] w1 = readLayers(f, layers, hidden, dim);
            Tensor[] w2 = readLayers(f, layers, dim, hidden);
            Tensor[] w3 = readLayers(f, layers, hidden, dim);
            Tensor finalNorm = read(f, dim);
            f.skip(seqLen * hs); // freq_cis_real and freq_cis_imag, seqLen x hs/2 each
            Tensor cls = shared ? emb : read(f, c.vocabSize(), dim);
            Llama.Layer[] ls = new Llama.Layer[layers];
            for (int l = 0; l < layers; l++) {
                ls[l] = new Llama.Layer(attNorm[l], wq[l], wk[l], wv[l], wo[l], ffnNorm[l], w1[l], w2[l], w3[l]);
            }
            return new Llama(c, emb, ls, finalNorm, cls);
        } catch (IOException e) {
            throw new T4jException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** A cursor over the float32 weights after the header. */
    private static final class Weights {
        private static final ValueLayout.OfFloat F32_LE =
                ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        final MemorySegment segment;
        final boolean heap;
        long position; // in floats

        Weights(MemorySegment segment, boolean heap) {
            this.segment = segment;
            this.heap = heap;
        }

        void skip(long floats) {
            position += floats;
        }
    }

    /** The next tensor: a matrix stays mapped (unless loading into the heap), a vector is copied. */
    private static Tensor read(Weights f, int... shape) {
        long n = Tensor.numel(shape);
        MemorySegment slice = f.segment.asSlice(4 * f.position, 4 * n);
        f.skip(n);
        if (shape.length == 2 && !f.heap) {
            return Tensor.mapped(new WeightStorage(slice, WeightStorage.Format.F32, false), shape);
        }
        Tensor t = Tensor.zeros(shape);
        MemorySegment.copy(slice, Weights.F32_LE, 0, t.data(), 0, (int) n);
        return t;
    }

    private static Tensor[] readLayers(Weights f, int layers, int... shape) {
        Tensor[] out = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            out[l] = read(f, shape);
        }
        return out;
    }
}
