"""Writes small .npy files with numpy's own np.save, for NpyTest (which reads them without Python).

    python3 make_npy_fixtures.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, a):
    np.save(os.path.join(HERE, name), a)


base = np.array([[1.5, -2.25, 3.0], [1e-30, -0.0, 6.5e10]])
save("npy_f4_2x3.npy", base.astype(np.float32))
save("npy_f8_2x3.npy", base.astype(np.float64))
save("npy_i4_2x3.npy", np.array([[1, -2, 3], [2**31 - 1, -(2**31), 0]], dtype=np.int32))
save("npy_i8_2x3.npy", np.array([[1, -2, 3], [2**63 - 1, -(2**63), 0]], dtype=np.int64))
save("npy_f4_5.npy", np.arange(5, dtype=np.float32) / 4)
save("npy_f4_scalar.npy", np.array(7.25, dtype=np.float32))
save("npy_f4_2x0x3.npy", np.zeros((2, 0, 3), dtype=np.float32))
save("npy_f4_fortran.npy", np.asfortranarray(base.astype(np.float32)))
save("npy_f4_bigendian.npy", base.astype(">f4"))
save("npy_u1.npy", np.array([1, 2, 3], dtype=np.uint8))
