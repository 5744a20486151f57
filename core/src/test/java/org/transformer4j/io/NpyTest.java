package org.transformer4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.tensor.Tensor;

/** .npy files: numpy's own files (made by make_npy_fixtures.py) read, and ours compared with them byte for byte. */
class NpyTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws Exception {
        return SafetensorsFixtureTest.resource(name);
    }

    @Test
    void readsEveryTypeNumpyWrote() throws Exception {
        double[] base = {1.5, -2.25, 3.0, 1e-30, -0.0, 6.5e10};
        Npy.Array f4 = Npy.read(fixture("npy_f4_2x3.npy"));
        assertThat(f4.shape()).containsExactly(2, 3);
        assertThat(f4.descr()).isEqualTo("<f4");
        for (int i = 0; i < base.length; i++) {
            assertThat(f4.floats()[i]).isEqualTo((float) base[i]);
        }
        assertThat(Float.floatToRawIntBits(f4.floats()[4])).isEqualTo(0x80000000);
        Npy.Array f8 = Npy.read(fixture("npy_f8_2x3.npy"));
        assertThat(f8.doubles()).containsExactly(base);
        assertThat(Npy.read(fixture("npy_i4_2x3.npy")).longs())
                .containsExactly(1, -2, 3, Integer.MAX_VALUE, Integer.MIN_VALUE, 0);
        Npy.Array i8 = Npy.read(fixture("npy_i8_2x3.npy"));
        assertThat(i8.longs()).containsExactly(1, -2, 3, Long.MAX_VALUE, Long.MIN_VALUE, 0);
        assertThat(i8.shape()).containsExactly(2, 3);
        assertThat(Npy.read(fixture("npy_f4_5.npy")).floats()).containsExactly(0f, 0.25f, 0.5f, 0.75f, 1f);
        Npy.Array scalar = Npy.read(fixture("npy_f4_scalar.npy"));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.floats()).containsExactly(7.25f);
        Npy.Array empty = Npy.read(fixture("npy_f4_2x0x3.npy"));
        assertThat(empty.shape()).containsExactly(2, 0, 3);
        assertThat(empty.floats()).isEmpty();
        assertThatThrownBy(f4::longs).isInstanceOf(T4jException.class);
    }

    @Test
    void writesTheSameBytesAsNumpy() throws Exception {
        double[] base = {1.5, -2.25, 3.0, 1e-30, -0.0, 6.5e10};
        float[] f = new float[base.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) base[i];
        }
        check("npy_f4_2x3.npy", f, 2, 3);
        check("npy_f4_5.npy", new float[] {0f, 0.25f, 0.5f, 0.75f, 1f}, 5);
        check("npy_f4_scalar.npy", new float[] {7.25f});
        check("npy_f4_2x0x3.npy", new float[0], 2, 0, 3);
    }

    private void check(String numpyFile, float[] data, int... shape) throws Exception {
        Path ours = dir.resolve(numpyFile);
        Npy.writeFloats(ours, data, shape);
        assertThat(Files.readAllBytes(ours)).as(numpyFile).isEqualTo(Files.readAllBytes(fixture(numpyFile)));
    }

    @Test
    void roundTripsAndPadsTheHeaderTo64() throws Exception {
        SplittableRandom rng = new SplittableRandom(5);
        for (int rank = 0; rank <= 6; rank++) {
            int[] shape = new int[rank];
            for (int i = 0; i < rank; i++) {
                shape[i] = rng.nextInt(1, rank <= 3 ? 40 : 6);
            }
            if (rank == 6) {
                shape[2] = 1_000_000 / 7; // long dims make the dict longer
                shape[0] = shape[1] = shape[3] = shape[4] = shape[5] = 1;
            }
            Tensor t = Tensor.randn(rng, 1f, shape);
            Path f = dir.resolve("r" + rank + ".npy");
            Npy.write(f, t);
            byte[] bytes = Files.readAllBytes(f);
            int headerLen = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
            assertThat((10 + headerLen) % 64).isZero();
            assertThat(bytes[10 + headerLen - 1]).isEqualTo((byte) '\n');
            assertThat(bytes.length).isEqualTo(10 + headerLen + 4 * t.data().length);
            Npy.Array back = Npy.read(f);
            assertThat(back.shape()).containsExactly(shape);
            assertThat(back.floats()).isEqualTo(t.data());
            assertThat(back.tensor().shape()).containsExactly(shape);
        }
        assertThatThrownBy(() -> Npy.writeFloats(dir.resolve("x.npy"), new float[3], 2, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsWhatItCannotRead() throws Exception {
        assertThatThrownBy(() -> Npy.read(fixture("npy_f4_fortran.npy"))).isInstanceOf(T4jException.class)
                .hasMessageContaining("npy_f4_fortran.npy: Fortran-order");
        assertThatThrownBy(() -> Npy.read(fixture("npy_f4_bigendian.npy")))
                .hasMessageContaining("npy_f4_bigendian.npy: big-endian arrays ('>f4')");
        assertThatThrownBy(() -> Npy.read(fixture("npy_u1.npy")))
                .hasMessageContaining("npy_u1.npy: unsupported npy dtype '|u1'");
        Path bad = dir.resolve("bad.npy");
        Files.write(bad, "not a numpy file at all".getBytes());
        assertThatThrownBy(() -> Npy.read(bad)).hasMessage(bad + ": not a .npy file (bad magic)");
        Files.write(bad, new byte[] {1, 2});
        assertThatThrownBy(() -> Npy.read(bad)).hasMessage(bad + ": not a .npy file (bad magic)");
        byte[] good = Files.readAllBytes(fixture("npy_f4_2x3.npy"));
        Files.write(bad, java.util.Arrays.copyOf(good, good.length - 4));
        assertThatThrownBy(() -> Npy.read(bad)).hasMessage(bad + ": shape [2, 3] of <f4 needs 24 data bytes, file"
                + " has 20");
        Files.write(bad, java.util.Arrays.copyOf(good, 40));
        assertThatThrownBy(() -> Npy.read(bad)).hasMessageContaining("header length 118 is larger than the file");
        byte[] mangled = good.clone();
        mangled[12] = 'x'; // 'descr' -> 'xescr'
        Files.write(bad, mangled);
        assertThatThrownBy(() -> Npy.read(bad)).hasMessageContaining("bad .npy header")
                .hasMessageContaining("unexpected key 'xescr'");
        assertThatThrownBy(() -> Npy.read(dir.resolve("none.npy"))).hasMessageContaining("file not found");
    }

    /** The logits file of the shared stories260K test case: float32 [64, 512], made by numpy. */
    @Test
    void readsSharedLogitsFile() throws Exception {
        Path f = null;
        for (String candidate : new String[] {"../shared/models/stories260K/logits_case1.npy",
            "../../shared/models/stories260K/logits_case1.npy", "/work/shared/models/stories260K/logits_case1.npy"}) {
            if (Files.isRegularFile(Path.of(candidate))) {
                f = Path.of(candidate);
                break;
            }
        }
        assumeTrue(f != null, "shared file models/stories260K/logits_case1.npy is absent; skipping");
        Npy.Array a = Npy.read(f);
        assertThat(a.descr()).isEqualTo("<f4");
        assertThat(a.shape()).containsExactly(64, 512);
        float[] v = a.floats();
        assertThat(v).hasSize(64 * 512);
        // Independent decode straight from the file bytes: the data is the last 4 * 64 * 512 bytes.
        byte[] bytes = Files.readAllBytes(f);
        int dataStart = bytes.length - 4 * 64 * 512;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] want = new float[v.length];
        int nonFinite = 0;
        for (int i = 0; i < want.length; i++) {
            want[i] = bb.getFloat(dataStart + 4 * i);
            nonFinite += Float.isFinite(v[i]) ? 0 : 1;
        }
        assertThat(v).isEqualTo(want);
        assertThat(nonFinite).isZero();
        assertThat(v[0]).isNotEqualTo(v[1]); // real logits, not a constant array
    }
}
