package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.transformer4j.io.Json;

/** t4j generate with a llama2.c checkpoint file as --model: greedy ids equal llama2.c's run.c (stories260K). */
class Llama2cCommandTest {
    @Test
    void generateFromABinFileMatchesRunC() {
        Path dir = Path.of("../../shared/models/stories260K");
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve("stories260K.bin")), "shared/ is not beside the checkout");
        Map<String, Object> ref = Json.parseObject(dir.resolve("reference.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> c = (Map<String, Object>) Json.getList(ref, "cases").get(2); // BOS alone, 64 tokens
        List<Object> expected = Json.getList(c, "greedy_ids");
        CliTestSupport.Result r = CliTestSupport.run("generate", "--model", dir.resolve("stories260K.bin").toString(),
                "--prompt-ids", "1", "--max-new-tokens", Integer.toString(expected.size()), "--temperature", "0",
                "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        List<Object> ids = Json.getList(Json.parseObject(r.out().strip(), "output"), "ids");
        assertThat(ids).isEqualTo(expected);

        CliTestSupport.Result bad = CliTestSupport.run("generate", "--model", "../pom.xml", "--prompt-ids", "1");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("not a model directory");
    }
}
