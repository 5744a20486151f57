"""Writes hf_fixture.safetensors with the reference safetensors library, and hf_fixture.json with the values a
reader must find in it. The Java test (SafetensorsFixtureTest) reads both without Python.

    pip install safetensors numpy
    python3 make_safetensors_fixture.py

Float values are stored in the JSON as the bit patterns of their float32 value (uint32), so that NaN, infinities
and -0.0 survive JSON. numpy has no bfloat16, so the BF16 tensor's bits are computed here (round to nearest even,
by integer arithmetic) and handed to the library's own serializer as raw bytes with dtype "bfloat16".
"""
import json
import os

import numpy as np
from safetensors import TensorSpec, serialize_file

HERE = os.path.dirname(os.path.abspath(__file__))

f32 = np.array([[1.0, -2.5, 3.1415927, 1e-30], [-0.0, 65504.0, 1e38, 7.0e-46]], dtype=np.float32)

# f16 sources: normal, subnormal (6e-8 is the smallest f16 subnormal), overflow to inf, NaN, ties to even.
f16_src = np.array([0.5, -1.0, 3.14159, 6.0e-8, 3.0e-5, 70000.0, -np.inf, np.nan, 1.0009765625 / 2 + 0.5,
                    2049.0, 2051.0, -0.0], dtype=np.float32)
with np.errstate(over="ignore"):
    f16 = f16_src.astype(np.float16)  # numpy rounds to nearest even; 70000 overflows to inf

# bf16 sources, including exact ties (0x3F808000 lies halfway between two bf16 values) and overflow.
bf16_src = np.array([1.0, -3.0, 3.1415927, 1e-40, 3.4e38, np.inf,
                     np.frombuffer(np.uint32(0x3F808000).tobytes(), np.float32)[0],
                     np.frombuffer(np.uint32(0x3F818000).tobytes(), np.float32)[0],
                     np.frombuffer(np.uint32(0x3F808001).tobytes(), np.float32)[0],
                     -0.0], dtype=np.float32)
b = bf16_src.view(np.uint32).astype(np.uint64)
bf16_bits = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)  # no NaN among the sources
bf16_bits = bf16_bits.reshape(2, 5)

i64 = np.array([0, 1, -1, 2**62, -(2**63), 2**63 - 1], dtype=np.int64).reshape(3, 2)
scalar = np.array(42.5, dtype=np.float32)
empty = np.zeros((0, 3), dtype=np.float32)

arrays = {"weights.f32": f32, "weights.f16": f16, "weights.bf16": bf16_bits, "ids.i64": i64,
          "scalar": scalar, "empty": empty}
dtypes = {"weights.f32": "float32", "weights.f16": "float16", "weights.bf16": "bfloat16", "ids.i64": "int64",
          "scalar": "float32", "empty": "float32"}
specs = {k: TensorSpec(dtype=dtypes[k], shape=v.shape, data_ptr=v.ctypes.data, data_len=v.nbytes) for k, v in arrays.items()}
metadata = {"format": "pt", "note": "fixture \u00e9\u6f22"}
serialize_file(specs, os.path.join(HERE, "hf_fixture.safetensors"), metadata=metadata)


def bits(a):
    return [int(x) for x in np.asarray(a, dtype=np.float32).ravel().view(np.uint32)]


expected = {
    "metadata": metadata,
    "tensors": {
        "weights.f32": {"dtype": "F32", "shape": list(f32.shape), "f32_bits": bits(f32)},
        "weights.f16": {"dtype": "F16", "shape": list(f16.shape), "f32_bits": bits(f16.astype(np.float32)),
                        "source_f32_bits": bits(f16_src),
                        "stored_bits": [int(x) for x in f16.view(np.uint16)]},
        "weights.bf16": {"dtype": "BF16", "shape": list(bf16_bits.shape),
                         "f32_bits": [int(x) << 16 for x in bf16_bits.ravel()],
                         "source_f32_bits": bits(bf16_src),
                         "stored_bits": [int(x) for x in bf16_bits.ravel()]},
        "ids.i64": {"dtype": "I64", "shape": list(i64.shape), "values": [int(x) for x in i64.ravel()]},
        "scalar": {"dtype": "F32", "shape": [], "f32_bits": bits(scalar)},
        "empty": {"dtype": "F32", "shape": [0, 3], "f32_bits": []},
    },
}
with open(os.path.join(HERE, "hf_fixture.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
