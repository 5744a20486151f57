package org.transformer4j.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Objects;

import org.transformer4j.T4jException;
import org.transformer4j.io.AtomicFiles;

/**
 * A sequence of token ids in nanoGPT's {@code train.bin}/{@code val.bin} format: raw little-endian unsigned ids,
 * no header, 16 bits each when the vocabulary fits (at most 65,536 ids) and 32 bits otherwise. Read through a
 * memory mapping, so a file larger than RAM costs nothing until used and many threads may read it at once.
 */
public final class TokenFile implements AutoCloseable {

    /** The width of one id on disk. */
    public enum Dtype {
        UINT16(2), UINT32(4);

        private final int bytes;

        Dtype(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        /** The name used in meta.json (and numpy): "uint16" or "uint32". */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The narrowest dtype that holds every id of a vocabulary of {@code vocabSize}. */
        public static Dtype forVocab(int vocabSize) {
            return vocabSize <= 65536 ? UINT16 : UINT32;
        }

        /** Parses "uint16"/"uint32"; anything else gives null. */
        public static Dtype parse(String name) {
            for (Dtype d : values()) if (d.jsonName().equals(name)) return d;
            return null;
        }
    }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Dtype dtype;
    private final Arena arena;
    private final MemorySegment seg;
    private final long length;

    private TokenFile(Path path, Dtype dtype, Arena arena, MemorySegment seg) {
        this.path = path;
        this.dtype = dtype;
        this.arena = arena;
        this.seg = seg;
        this.length = seg.byteSize() / dtype.bytes();
    }

    /**
     * Maps {@code file}. Its size must be a multiple of the id width; {@link DataDir} checks the exact size.
     * A missing file throws {@link NoSuchFileException}.
     */
    public static TokenFile open(Path file, Dtype dtype) throws IOException {
        Objects.requireNonNull(dtype);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size % dtype.bytes() != 0) {
                throw new T4jException(file + ": size " + String.format("%,d", size) + " bytes is not a multiple of "
                        + dtype.bytes() + " (" + dtype.jsonName() + " token ids); the file is truncated or not a token file");
            }
            if (size == 0) return new TokenFile(file, dtype, null, MemorySegment.ofArray(new byte[0]));
            Arena arena = Arena.ofShared();
            try {
                return new TokenFile(file, dtype, arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    /**
     * Writes {@code ids} to {@code file} in {@code dtype}: into a temporary file next to it, then renamed over
     * it, so a reader never sees a half-written file. Every id must fit the dtype.
     */
    public static void write(Path file, int[] ids, Dtype dtype) throws IOException {
        long limit = dtype == Dtype.UINT16 ? 65535L : 0xFFFF_FFFFL;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > limit) {
                throw new T4jException(file + ": token " + i + " has id " + ids[i] + ", which does not fit "
                        + dtype.jsonName());
            }
        }
        AtomicFiles.writeAtomically(file, out -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int id : ids) {
                if (buf.remaining() < dtype.bytes()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                if (dtype == Dtype.UINT16) buf.putShort((short) id); else buf.putInt(id);
            }
            out.write(buf.array(), 0, buf.position());
        });
    }

    public Path path() {
        return path;
    }

    public Dtype dtype() {
        return dtype;
    }

    /** Number of ids. */
    public long length() {
        return length;
    }

    /** The id at index {@code i} (0 <= i < length()). */
    public int get(long i) {
        Objects.checkIndex(i, length);
        return dtype == Dtype.UINT16 ? Short.toUnsignedInt(seg.get(U16, i << 1)) : seg.get(U32, i << 2);
    }

    /** Copies ids [start, start+len) into dst[dstOff, dstOff+len). */
    public void copy(long start, int[] dst, int dstOff, int len) {
        Objects.checkFromIndexSize(start, len, length);
        Objects.checkFromIndexSize(dstOff, len, dst.length);
        if (dtype == Dtype.UINT16) {
            long off = start << 1;
            for (int k = 0; k < len; k++) dst[dstOff + k] = Short.toUnsignedInt(seg.get(U16, off + ((long) k << 1)));
        } else {
            MemorySegment.copy(seg, U32, start << 2, dst, dstOff, len);
        }
    }

    /**
     * The index of the first id >= {@code vocabSize}, or -1 if all are smaller. Reads the whole file: for
     * validation, not for training loops. (uint32 ids above 2^31-1 read back negative and are reported too.)
     */
    public long firstIdAtLeast(int vocabSize) {
        int[] chunk = new int[1 << 16];
        for (long start = 0; start < length; start += chunk.length) {
            int n = (int) Math.min(chunk.length, length - start);
            copy(start, chunk, 0, n);
            for (int k = 0; k < n; k++) if (chunk[k] >= vocabSize || chunk[k] < 0) return start + k;
        }
        return -1;
    }

    /** Unmaps the file; later reads throw IllegalStateException. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "TokenFile[" + path + ", " + length + " " + dtype.jsonName() + "]";
    }
}
