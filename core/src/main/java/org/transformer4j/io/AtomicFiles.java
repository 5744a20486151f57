package org.transformer4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

import org.transformer4j.T4jException;

/**
 * Writes a file so that a reader (or a crash) never sees it half written: the bytes go to a temporary file in the
 * same directory (so the rename stays within one file system), are forced to disk, and the temporary file is then
 * renamed over the target. If the rename cannot be atomic, it falls back to a plain replacing move.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Like {@code Consumer}, but may throw an {@link IOException}. */
    @FunctionalInterface
    public interface IOConsumer<T> {
        void accept(T t) throws IOException;
    }

    /**
     * Creates or replaces {@code target} with what {@code writer} writes to the (buffered) stream. The writer must not
     * close the stream. On any failure the temporary file is deleted and the target is left as it was.
     *
     * @throws T4jException if the file cannot be written (the message names it)
     */
    public static void writeAtomically(Path target, IOConsumer<OutputStream> writer) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        // Not Files.createTempFile: it creates the file with mode 0600, which the renamed target would keep.
        Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                writer.accept(new NonClosing(out));
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(dir);
        } catch (IOException | UncheckedIOException e) {
            throw new T4jException(target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort; the original error matters more
                }
            }
        }
    }

    /** Creates or replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        writeAtomically(target, out -> out.write(bytes));
    }

    /** Creates or replaces {@code target} with {@code bytes}. */
    public static void writeBytes(Path target, byte[] bytes) {
        writeAtomically(target, out -> out.write(bytes));
    }

    /** Makes the rename itself durable. Not possible on every platform (e.g. Windows), hence best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // the data itself is already on disk
        }
    }

    /** Keeps a careless writer from closing the channel before we force it. */
    private static final class NonClosing extends OutputStream {
        private final OutputStream out;

        NonClosing(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
