"""The digital reference's exact products of integer codes: on the int8 units where both operands fit 8 bits
(:mod:`.int8`), else float64 BLAS."""

from __future__ import annotations

import numpy as np

from . import int8

__all__ = ["exact_product"]


def exact_product(codes: np.ndarray, weight_codes: np.ndarray, int8_units: bool = True) -> np.ndarray:
    """``codes`` (vectors x in, integers) @ ``weight_codes``.T (out x in), exactly, as float64: on the int8 units
    (``int8_units``: allowed) where both fit 8 bits (codes in [0, 255] or [-128, 127], int8 weights) and every sum
    fits int32, else float64 BLAS (exact below 2**53). The digital reference of every layer, computed once per
    evaluation."""
    lowest, highest = (int(codes.min()), int(codes.max())) if codes.size else (0, 0)
    zero_point = 0 if lowest >= 0 and highest <= 255 else 128 if -128 <= lowest and highest <= 127 else None
    fits = (zero_point is not None and weight_codes.dtype == np.int8 and codes.shape[1] * 255 * 128 < 2 ** 31
            and min(codes.shape[1], weight_codes.shape[0]) >= int8.MIN_SIDE)
    if not (fits and int8_units and int8.available() and int8.faster()):
        return codes.astype(np.float64) @ weight_codes.T.astype(np.float64)
    x = (codes + zero_point).astype(np.uint8)
    y = np.empty((codes.shape[0], weight_codes.shape[0]), dtype=np.int32)
    offset = int8.form(highest + zero_point, max(-int(weight_codes.min()), int(weight_codes.max())))
    int8.run_session(int8.shared_session(codes.shape[1], weight_codes.shape[0], zero_point, offset), x, y,
                     int8.stored(weight_codes.T, offset))
    return y.astype(np.float64)
