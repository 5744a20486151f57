package org.transformer4j.nn;

import org.transformer4j.autograd.Ops;
import org.transformer4j.tensor.Tensor;

/**
 * T5's relative position bias: one learned scalar per (bucket, head) added to the attention logits, where the
 * bucket of a (query i, key j) pair depends only on j - i. Small distances get a bucket each; larger ones share
 * logarithmically wider buckets up to {@code maxDistance}, beyond which all distances share the last bucket. The
 * encoder's buckets are bidirectional (half of them for keys after the query); the decoder's, unidirectional (keys
 * after the query cannot be seen, so all buckets describe the past). T5 computes the bias in the first layer and
 * every layer reuses it, so the stack owns one of these.
 */
public final class RelativePositionBias extends Module {
    public final Tensor weight;
    public final boolean bidirectional;
    public final int numBuckets;
    public final int maxDistance;

    public RelativePositionBias(int numBuckets, int maxDistance, int nHead, boolean bidirectional) {
        this.weight = param("weight", Tensor.zeros(numBuckets, nHead));
        this.bidirectional = bidirectional;
        this.numBuckets = numBuckets;
        this.maxDistance = maxDistance;
    }

    /**
     * The bucket of relative position {@code relative} = key position - query position (transformers'
     * _relative_position_bucket, the logarithm computed in float32 as it does).
     */
    public static int bucket(int relative, boolean bidirectional, int numBuckets, int maxDistance) {
        int bucket = 0;
        int n = numBuckets;
        int r;
        if (bidirectional) {
            n /= 2;
            if (relative > 0) {
                bucket += n;
            }
            r = Math.abs(relative);
        } else {
            r = Math.max(-relative, 0);
        }
        int maxExact = n / 2;
        if (r < maxExact) {
            return bucket + r;
        }
        float ratio = (float) r / maxExact;
        float logRatio = (float) Math.log(ratio);
        float span = (float) Math.log((double) maxDistance / maxExact);
        int large = maxExact + (int) (logRatio / span * (n - maxExact));
        return bucket + Math.min(large, n - 1);
    }

    /**
     * The bias [nHead, queries, keys] for queries at positions queryOffset.. and keys at 0..keys-1
     * (differentiable in the table).
     */
    public Tensor forward(int queryOffset, int queries, int keys) {
        int[] buckets = new int[queries * keys];
        for (int i = 0; i < queries; i++) {
            for (int j = 0; j < keys; j++) {
                buckets[i * keys + j] = bucket(j - (queryOffset + i), bidirectional, numBuckets, maxDistance);
            }
        }
        return Ops.relativePositionBias(weight, buckets, queries, keys);
    }
}
