package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.transformer4j.T4jException;
import org.transformer4j.train.TrainConfig.Setting;

class ConfigFilesTest {
    @Test
    void pythonLiterals() {
        List<Setting> s = ConfigFiles.parsePython("""
                a = 'x # not a comment'  # a comment
                b="it's"
                c = True
                d = False
                e = 5 * 8
                f = 6e-4
                g = 1_000
                h = -3
                i = .5
                j = 2 * 0.5
                k = 'esc\\'aped'
                """, "cfg.py");
        assertThat(s).extracting(Setting::key).containsExactly("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k");
        assertThat(s).extracting(Setting::value).containsExactly("x # not a comment", "it's", true, false, 40L, 6e-4,
                1000L, -3L, 0.5, 1.0, "esc'aped");
        assertThat(s.get(4).origin()).isEqualTo("cfg.py: line 5");
    }

    @Test
    void laterAssignmentWins() {
        TrainConfig c = TrainConfig.defaults().withAll(ConfigFiles.parsePython("n_layer = 2\nn_layer = 3\n", "x"));
        assertThat(c.nLayer()).isEqualTo(3);
    }

    @Test
    void otherPythonIsAnErrorWithItsLine() {
        assertThatThrownBy(() -> ConfigFiles.parsePython("n_layer = 2\n\nimport time\n", "config.py"))
                .isInstanceOf(T4jException.class).hasMessage("config.py: line 3: cannot read 'import time'");
        for (String bad : List.of("x = foo()", "x = 2 ** 3", "x = 'open", "x == 3", "x = None", "x = a", "x = ")) {
            assertThatThrownBy(() -> ConfigFiles.parsePython("# c\n" + bad + "\n", "config.py"))
                    .hasMessage("config.py: line 2: cannot read '" + bad.strip() + "'");
        }
    }

    @Test
    void jsonFlatObject() {
        List<Setting> s = ConfigFiles.parseJson("""
                {
                  "n_layer": 4,
                  "dropout": 0.1,
                  "bias": true,
                  "out_dir": "o\\u0075t\\n"
                }
                """, "c.json");
        assertThat(s).extracting(Setting::value).containsExactly(4L, 0.1, true, "out\n");
        assertThat(s.get(1).origin()).isEqualTo("c.json: line 3");
        assertThat(ConfigFiles.parseJson("{}", "e.json")).isEmpty();
    }

    @Test
    void jsonErrorsNameTheLine() {
        assertThatThrownBy(() -> ConfigFiles.parseJson("{\n \"a\": 1,\n \"b\": [1]\n}", "c.json"))
                .isInstanceOf(T4jException.class)
                .hasMessage("c.json: line 3: value of 'b' must be a string, number or boolean");
        assertThatThrownBy(() -> ConfigFiles.parseJson("{\"a\": 1 \"b\": 2}", "c.json"))
                .hasMessage("c.json: line 1: expected ',' or '}'");
        assertThatThrownBy(() -> ConfigFiles.parseJson("{\"a\": 1", "c.json"))
                .hasMessage("c.json: line 1: unexpected end of file");
        assertThatThrownBy(() -> ConfigFiles.parseJson("{} x", "c.json"))
                .hasMessage("c.json: line 1: unexpected text after the object");
    }
}
