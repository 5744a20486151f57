package org.transformer4j.autograd;

/**
 * Which keys a query may attend to in {@link Ops#attention}.
 *
 * <ul>
 *   <li>{@link #none()}: every query sees every key (encoder self-attention, cross-attention).</li>
 *   <li>{@link #causal()}: query t sees keys 0..t (decoder self-attention).</li>
 *   <li>{@link #causal(int)}: as causal, with queries standing at positions offset..offset+T-1 of the key
 *       sequence: query t sees keys 0..offset+t (generation with a KV cache, where S = offset + T).</li>
 *   <li>{@link #padding(int[])}: batch row b sees only its first {@code keyLengths[b]} keys (padded batches);
 *       {@link #causalPadding(int[])} combines both.</li>
 * </ul>
 *
 * @param isCausal   whether future keys are hidden
 * @param offset     position of query 0 within the key sequence (causal only)
 * @param keyLengths per batch row, the number of valid keys, or null when all keys are valid
 */
public record AttentionMask(boolean isCausal, int offset, int[] keyLengths) {
    public static AttentionMask none() {
        return new AttentionMask(false, 0, null);
    }

    public static AttentionMask causal() {
        return new AttentionMask(true, 0, null);
    }

    public static AttentionMask causal(int offset) {
        return new AttentionMask(true, offset, null);
    }

    public static AttentionMask padding(int[] keyLengths) {
        return new AttentionMask(false, 0, keyLengths.clone());
    }

    public static AttentionMask causalPadding(int[] keyLengths) {
        return new AttentionMask(true, 0, keyLengths.clone());
    }

    /** Whether query {@code t} of batch row {@code b} may see key {@code s}. */
    public boolean visible(int b, int t, int s) {
        if (isCausal && s > offset + t) {
            return false;
        }
        return keyLengths == null || s < keyLengths[b];
    }
}
