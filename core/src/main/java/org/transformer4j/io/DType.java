package org.transformer4j.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types of the safetensors format, named as in its header ({@code "F32"}, {@code "BF16"}, ...).
 * Every one of them can be opened and its bytes mapped; {@link #isReadable()} tells which ones
 * {@link TensorReader#readFloats} can convert.
 */
public enum DType {
    BOOL(1, true),
    U8(1, true),
    I8(1, true),
    F8_E5M2(1, false),
    F8_E4M3(1, false),
    I16(2, true),
    U16(2, true),
    F16(2, true),
    BF16(2, true),
    I32(4, true),
    U32(4, true),
    F32(4, true),
    F64(8, true),
    I64(8, true),
    U64(8, false);

    private final int byteSize;
    private final boolean readable;

    DType(int byteSize, boolean readable) {
        this.byteSize = byteSize;
        this.readable = readable;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether values of this type can be converted to numbers by the readers (8-bit floats and U64 cannot). */
    public boolean isReadable() {
        return readable;
    }

    /** Whether this is a floating-point type. */
    public boolean isFloatingPoint() {
        return this == F16 || this == BF16 || this == F32 || this == F64 || this == F8_E4M3 || this == F8_E5M2;
    }

    /** The type of a header name, or null if the name is not a safetensors dtype. */
    public static DType fromName(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    static String allNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
