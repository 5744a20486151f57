package org.transformer4j.tensor;

/**
 * PyTorch's CPU random generator, draw for draw: the 32-bit Mersenne Twister (MT19937) that {@code
 * torch.manual_seed(seed)} seeds, and the way {@code torch.randint}, {@code Tensor.uniform_} and {@code
 * Tensor.normal_} turn its 32-bit words into numbers. With it a model can start from the very weights, and a
 * run draw the very batches, that a PyTorch program seeded the same way would (nanoGPT's train.py: see
 * {@code model.TorchInit}), which makes a loss curve comparable with PyTorch's step by step rather than only in
 * distribution. The facts below were checked against torch 2.13 on this machine (TorchGeneratorTest's fixture).
 *
 * <ul>
 *   <li>{@code randint(high)}: one word w, {@code w mod high} (for high below 2^32).</li>
 *   <li>{@code uniform_} of a float tensor: one word per element, {@code (w & 0xFFFFFF) / 2^24} scaled to the
 *       range (in double, then rounded to float).</li>
 *   <li>{@code normal_} of a contiguous float tensor of 16 or more elements: every element first gets a uniform
 *       as above; then each run of 16 is turned into normals by Box-Muller, element j from the pair (j, j + 8);
 *       when the size is not a multiple of 16 the last 16 elements are drawn again and transformed once more.
 *       Smaller tensors take one double normal per element from two 53-bit uniforms (two words each), the
 *       Box-Muller partner being kept for the next call.</li>
 * </ul>
 * {@link #position()} counts the words drawn since seeding, so a caller can find a draw again by position.
 */
public final class TorchGenerator {
    private static final int N = 624;
    private static final int M = 397;
    private static final double TWO_POW_M24 = 1.0 / (1 << 24);
    private static final double TWO_POW_M53 = 1.0 / (1L << 53);

    private final int[] mt = new int[N];
    private int index;
    private long position;
    private boolean hasCachedNormal;
    private double cachedNormal;

    public TorchGenerator(long seed) {
        mt[0] = (int) seed; // torch keeps the low 32 bits of the seed for MT19937
        for (int i = 1; i < N; i++) {
            mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        }
        index = N;
    }

    private TorchGenerator(TorchGenerator other) {
        System.arraycopy(other.mt, 0, mt, 0, N);
        index = other.index;
        position = other.position;
        hasCachedNormal = other.hasCachedNormal;
        cachedNormal = other.cachedNormal;
    }

    /** An independent generator in exactly this one's state. */
    public TorchGenerator copy() {
        return new TorchGenerator(this);
    }

    /** Words drawn since seeding. */
    public long position() {
        return position;
    }

    /** The next 32-bit word, as an unsigned value. */
    public long nextWord() {
        if (index >= N) {
            twist();
        }
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >>> 18;
        position++;
        return Integer.toUnsignedLong(y);
    }

    /** Draws and discards {@code words} words (what a PyTorch call whose values are not needed would consume). */
    public void skip(long words) {
        for (long i = 0; i < words; i++) {
            nextWord();
        }
    }

    /** Advances to {@code target} words since seeding, which must not be behind the current position. */
    public void advanceTo(long target) {
        if (target < position) {
            throw new IllegalArgumentException("cannot go back from word " + position + " to " + target);
        }
        skip(target - position);
    }

    /** {@code torch.randint(high, ())}: an integer in [0, high). */
    public long randint(long high) {
        if (high <= 0 || high >= (1L << 32)) {
            throw new IllegalArgumentException("randint bound " + high + " outside (0, 2^32)");
        }
        return nextWord() % high;
    }

    /** {@code t.uniform_(from, to)} on a float tensor stored in {@code out[off, off + n)}. */
    public void uniform(float[] out, int off, int n, float from, float to) {
        for (int i = 0; i < n; i++) {
            out[off + i] = (float) (uniform24() * ((double) to - from) + from);
        }
    }

    /** {@code t.normal_(mean, std)} on a contiguous float tensor stored in {@code out[off, off + n)}. */
    public void normal(float[] out, int off, int n, double mean, double std) {
        if (n < 16) {
            for (int i = 0; i < n; i++) {
                out[off + i] = (float) (nextDoubleNormal() * std + mean);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            out[off + i] = (float) uniform24();
        }
        for (int i = 0; i + 16 <= n; i += 16) {
            boxMuller16(out, off + i, mean, std);
        }
        if (n % 16 != 0) {
            int tail = off + n - 16;
            for (int i = 0; i < 16; i++) {
                out[tail + i] = (float) uniform24();
            }
            boxMuller16(out, tail, mean, std);
        }
    }

    /**
     * Draws what {@link #normal} would for {@code n} elements without keeping the values (a PyTorch call whose
     * result is overwritten still consumes the generator): n words, plus 16 when n is not a multiple of 16; a
     * tensor under 16 elements takes the double path, whose cached partner must be kept right.
     */
    public void discardNormal(long n) {
        if (n < 16) {
            normal(new float[(int) n], 0, (int) n, 0, 1);
        } else {
            skip(n + (n % 16 == 0 ? 0 : 16));
        }
    }

    private static void boxMuller16(float[] d, int off, double mean, double std) {
        for (int j = 0; j < 8; j++) {
            double u1 = 1.0 - d[off + j];
            double u2 = d[off + j + 8];
            double radius = Math.sqrt(-2.0 * Math.log(u1));
            double theta = 2.0 * Math.PI * u2;
            d[off + j] = (float) (radius * Math.cos(theta) * std + mean);
            d[off + j + 8] = (float) (radius * Math.sin(theta) * std + mean);
        }
    }

    private double uniform24() {
        return (nextWord() & 0xFFFFFF) * TWO_POW_M24;
    }

    private double uniform53() {
        long hi = nextWord();
        long lo = nextWord();
        return (((hi << 32) | lo) & ((1L << 53) - 1)) * TWO_POW_M53;
    }

    /** One N(0, 1) double as PyTorch's normal_distribution&lt;double&gt; draws it, with its cached partner. */
    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal;
        }
        double u1 = uniform53();
        double u2 = uniform53();
        double r = Math.sqrt(-2.0 * Math.log1p(-u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * Math.sin(theta);
        hasCachedNormal = true;
        return r * Math.cos(theta);
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7FFFFFFF);
            int next = mt[(i + M) % N] ^ (y >>> 1);
            mt[i] = (y & 1) != 0 ? next ^ 0x9908B0DF : next;
        }
        index = 0;
    }
}
