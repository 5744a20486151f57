package org.transformer4j.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Reads {@code hf_fixture.safetensors}, written by the reference Python safetensors library (see
 * {@code make_safetensors_fixture.py}), and checks every value against {@code hf_fixture.json} from the same script.
 * The script computed the expected float32 bit patterns with numpy, independently of our conversions; it also
 * recorded the 16-bit patterns numpy (f16) and integer arithmetic (bf16) produce from float32 sources, which checks
 * our narrowing against a second implementation.
 */
class SafetensorsFixtureTest {
    static Path resource(String name) throws Exception {
        return Path.of(SafetensorsFixtureTest.class.getResource("/io/" + name).toURI());
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsTheFileWrittenByTheReferenceLibrary() throws Exception {
        Map<String, Object> expected = Json.parseObject(resource("hf_fixture.json"));
        Map<String, Object> tensors = Json.getObject(expected, "tensors");
        try (TensorReader sf = Safetensors.open(resource("hf_fixture.safetensors"))) {
            assertThat(sf.metadata()).isEqualTo(Json.getObject(expected, "metadata"));
            assertThat(sf.metadata().get("note")).isEqualTo("fixture \u00e9\u6f22");
            assertThat(sf.names()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
            for (String name : tensors.keySet()) {
                Map<String, Object> t = (Map<String, Object>) tensors.get(name);
                TensorInfo info = sf.info(name);
                assertThat(info.dtype().name()).as(name).isEqualTo(Json.getString(t, "dtype"));
                assertThat(info.shape()).as(name)
                        .containsExactly(Json.getList(t, "shape").stream().mapToInt(o -> ((Long) o).intValue())
                                .toArray());
                if (t.containsKey("values")) {
                    long[] want = Json.getList(t, "values").stream().mapToLong(o -> (Long) o).toArray();
                    assertThat(sf.readLongs(name)).as(name).containsExactly(want);
                    continue;
                }
                List<Object> bits = Json.getList(t, "f32_bits");
                float[] got = sf.readFloats(name);
                assertThat(got).hasSize(bits.size());
                for (int i = 0; i < got.length; i++) {
                    assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d] = %s", name, i, got[i])
                            .isEqualTo((int) (long) (Long) bits.get(i));
                }
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void ourNarrowingMatchesNumpyAndTheScript() throws Exception {
        Map<String, Object> tensors = Json.getObject(Json.parseObject(resource("hf_fixture.json")), "tensors");
        for (String name : List.of("weights.f16", "weights.bf16")) {
            Map<String, Object> t = (Map<String, Object>) tensors.get(name);
            List<Object> src = Json.getList(t, "source_f32_bits");
            List<Object> stored = Json.getList(t, "stored_bits");
            for (int i = 0; i < src.size(); i++) {
                float f = Float.intBitsToFloat((int) (long) (Long) src.get(i));
                short s = name.endsWith("f16") && !name.endsWith("bf16") ? FloatFormats.floatToF16(f)
                        : FloatFormats.floatToBf16(f);
                int want = (int) (long) (Long) stored.get(i);
                if (Float.isNaN(f)) {
                    assertThat(Float.isNaN(FloatFormats.f16ToFloat(s))).isTrue();
                } else {
                    assertThat(s & 0xFFFF).as("%s of %s", name, f).isEqualTo(want);
                }
            }
        }
    }
}
