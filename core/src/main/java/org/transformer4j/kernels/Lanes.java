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
 *
 * <p>The shuffles are separate static final fields (not an array) so that C2 sees them as constants and
 * compiles each rotation to one permute instruction.
 */
public final class Lanes {
    private static final VectorShuffle<Float> F2_1 = rotate(FloatVector.SPECIES_64, 1);
    private static final VectorShuffle<Float> F4_2 = rotate(FloatVector.SPECIES_128, 2);
    private static final VectorShuffle<Float> F4_1 = rotate(FloatVector.SPECIES_128, 1);
    private static final VectorShuffle<Float> F8_4 = rotate(FloatVector.SPECIES_256, 4);
    private static final VectorShuffle<Float> F8_2 = rotate(FloatVector.SPECIES_256, 2);
    private static final VectorShuffle<Float> F8_1 = rotate(FloatVector.SPECIES_256, 1);
    private static final VectorShuffle<Float> F16_8 = rotate(FloatVector.SPECIES_512, 8);
    private static final VectorShuffle<Float> F16_4 = rotate(FloatVector.SPECIES_512, 4);
    private static final VectorShuffle<Float> F16_2 = rotate(FloatVector.SPECIES_512, 2);
    private static final VectorShuffle<Float> F16_1 = rotate(FloatVector.SPECIES_512, 1);
    private static final VectorShuffle<Double> D2_1 = rotate(DoubleVector.SPECIES_128, 1);
    private static final VectorShuffle<Double> D4_2 = rotate(DoubleVector.SPECIES_256, 2);
    private static final VectorShuffle<Double> D4_1 = rotate(DoubleVector.SPECIES_256, 1);
    private static final VectorShuffle<Double> D8_4 = rotate(DoubleVector.SPECIES_512, 4);
    private static final VectorShuffle<Double> D8_2 = rotate(DoubleVector.SPECIES_512, 2);
    private static final VectorShuffle<Double> D8_1 = rotate(DoubleVector.SPECIES_512, 1);

    private Lanes() {}

    /** Sum of the lanes of {@code v}, in a fixed order. */
    public static float sum(FloatVector v) {
        switch (v.length()) {
            case 1 -> { }
            case 2 -> v = v.add(v.rearrange(F2_1));
            case 4 -> {
                v = v.add(v.rearrange(F4_2));
                v = v.add(v.rearrange(F4_1));
            }
            case 8 -> {
                v = v.add(v.rearrange(F8_4));
                v = v.add(v.rearrange(F8_2));
                v = v.add(v.rearrange(F8_1));
            }
            case 16 -> {
                v = v.add(v.rearrange(F16_8));
                v = v.add(v.rearrange(F16_4));
                v = v.add(v.rearrange(F16_2));
                v = v.add(v.rearrange(F16_1));
            }
            default -> throw new IllegalArgumentException("unsupported vector length " + v.length());
        }
        return v.lane(0);
    }

    /** Sum of the lanes of {@code v}, in a fixed order. */
    public static double sum(DoubleVector v) {
        switch (v.length()) {
            case 1 -> { }
            case 2 -> v = v.add(v.rearrange(D2_1));
            case 4 -> {
                v = v.add(v.rearrange(D4_2));
                v = v.add(v.rearrange(D4_1));
            }
            case 8 -> {
                v = v.add(v.rearrange(D8_4));
                v = v.add(v.rearrange(D8_2));
                v = v.add(v.rearrange(D8_1));
            }
            default -> throw new IllegalArgumentException("unsupported vector length " + v.length());
        }
        return v.lane(0);
    }

    /** Lane i takes lane (i + by) mod length. */
    private static <E> VectorShuffle<E> rotate(VectorSpecies<E> species, int by) {
        int n = species.length();
        return VectorShuffle.fromOp(species, i -> (i + by) % n);
    }
}
