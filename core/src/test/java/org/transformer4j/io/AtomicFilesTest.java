package org.transformer4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;

class AtomicFilesTest {
    @TempDir
    Path dir;



    @Test
    void writesAndReplaces() throws Exception {
        Path f = dir.resolve("metrics.json");
        AtomicFiles.writeString(f, "first \u00e9");
        assertThat(Files.readString(f)).isEqualTo("first \u00e9");
        AtomicFiles.writeAtomically(f, out -> {
            out.write("second".getBytes());
            out.close(); // a careless writer: must not break the fsync and rename
        });
        assertThat(Files.readString(f)).isEqualTo("second");
        AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
        assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("metrics.json");
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path f = dir.resolve("ckpt.bin");
        AtomicFiles.writeString(f, "old");
        assertThatThrownBy(() -> AtomicFiles.writeAtomically(f, out -> {
            out.write("partial new content".getBytes());
            throw new IOException("disk full");
        })).isInstanceOf(T4jException.class).hasMessage(f + ": cannot write: disk full");
        assertThat(Files.readString(f)).isEqualTo("old");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("ckpt.bin");
        }
    }

    @Test
    void missingDirectoryIsReported() {
        Path f = dir.resolve("no/such/dir/x.txt");
        assertThatThrownBy(() -> AtomicFiles.writeString(f, "x")).isInstanceOf(T4jException.class)
                .hasMessageStartingWith(f + ": cannot write");
    }
}
