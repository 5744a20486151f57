package org.transformer4j.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Deterministic horizontal sums of a vector's lanes.
 *
 * <p>{@code reduceLanes(ADD)} leaves the order of additions unspecified, and in practice it differs between the
 * interpreter (lane by lane, left to right) and C2 (a tree), so the same code gives different float sums before
 * and after it is compiled. A training run must give the same numbers every time, so kernels sum lanes with this
 * fixed butterfly instead: add the vector to itself rotated by half its length, then by a quarter, and so on. Each
 * step is an exact lane-wise operation in every execution mode, so lane 0 ends up holding the same tree sum.
 */
public final class Lanes {
    // Butterfly shuffles per vector length (indexed by log2 of the lane count): kernels may run a narrower
    // species than the preferred one (tests force 128-bit vectors, for example).
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[][] FLOAT_STEPS = new VectorShuffle[][] {
        null, steps(FloatVector.SPECIES_64), steps(FloatVector.SPECIES_128), steps(FloatVector.SPECIES_256),
        steps(FloatVector.SPECIES_512)};
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Double>[][] DOUBLE_STEPS = new VectorShuffle[][] {
        steps(DoubleVector.SPECIES_64), steps(DoubleVector.SPECIES_128), steps(DoubleVector.SPECIES_256),
        steps(DoubleVector.SPECIES_512)};

    private Lanes() {}

    /** Sum of the lanes of {@code v}, in a fixed order. */
    public static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : FLOAT_STEPS[Integer.numberOfTrailingZeros(v.length())]) {
            v = v.add(v.rearrange(s));
        }
        return v.lane(0);
    }

    /** Sum of the lanes of {@code v}, in a fixed order. */
    public static double sum(DoubleVector v) {
        for (VectorShuffle<Double> s : DOUBLE_STEPS[Integer.numberOfTrailingZeros(v.length())]) {
            v = v.add(v.rearrange(s));
        }
        return v.lane(0);
    }

    @SuppressWarnings("unchecked")
    private static <E> VectorShuffle<E>[] steps(VectorSpecies<E> species) {
        int n = species.length();
        int count = Integer.numberOfTrailingZeros(n); // lane counts are powers of two
        VectorShuffle<E>[] out = new VectorShuffle[count];
        int k = 0;
        for (int half = n / 2; half >= 1; half /= 2) {
            int h = half;
            out[k++] = VectorShuffle.fromOp(species, i -> (i + h) % n);
        }
        return out;
    }
}
