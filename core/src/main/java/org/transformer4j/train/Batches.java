package org.transformer4j.train;

import java.util.function.LongUnaryOperator;

import org.transformer4j.T4jException;
import org.transformer4j.data.TokenFile;

/**
 * nanoGPT's get_batch: B random windows of T+1 consecutive tokens; x is each window's first T tokens and y the
 * same shifted by one (the next-token targets). Fills caller-owned arrays, so training allocates nothing here.
 */
final class Batches {
    private Batches() {}

    /** Window starts come from {@code below}, which returns a number in [0, bound) for a bound. */
    static void sample(TokenFile data, String split, LongUnaryOperator below, int batch, int block, int[] x,
                       int[] y) {
        long n = data.length();
        if (n <= block) {
            throw new T4jException("the " + split + " split has only " + n + " tokens; block_size " + block
                    + " needs at least " + (block + 1) + " (use a smaller block_size or more data)");
        }
        for (int b = 0; b < batch; b++) {
            long start = below.applyAsLong(n - block);
            data.copy(start, x, b * block, block);
            data.copy(start + 1, y, b * block, block);
        }
    }
}
