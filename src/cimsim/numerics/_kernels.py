"""Numba kernels of the functional core. Private: the wrappers in this package validate every input.

Each kernel has a plain-numpy twin in ``tests/naive.py``; integer paths must match it bit for bit.
Kernels are serial on purpose: BLAS does the heavy products between them, and two thread pools
(numba's and the BLAS library's) alternating on few cores spin against each other.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["quantize_rows", "input_planes", "adc_accumulate"]


@njit(cache=True)
def quantize_rows(x, scale, max_code, codes):
    """codes[b, i] = clip(round_half_away(x[b, i] / scale[b]), -max_code, max_code), int32."""
    batch, n = x.shape
    for b in range(batch):
        s = scale[b]
        for i in range(n):
            v = x[b, i] / s
            r = np.floor(np.abs(v) + 0.5)
            if r > max_code:
                r = max_code
            codes[b, i] = np.int32(r if v >= 0 else -r)


@njit(cache=True)
def input_planes(codes, mode, n_bits, planes):
    """Write the DAC input planes of signed codes (batch x n) into planes (n_planes x batch x n), float32.

    mode 0: parallel two-phase    -> [max(q, 0), max(-q, 0)]
    mode 1: parallel bipolar      -> [q]
    mode 2: bit-serial two-phase  -> bits 0..n_bits-2 of max(q, 0), then of max(-q, 0)
    mode 3: bit-serial two's complement -> bits 0..n_bits-1 of q mod 2**n_bits
    """
    batch, n = codes.shape
    mag = n_bits - 1
    for b in range(batch):
        for i in range(n):
            q = codes[b, i]
            if mode == 0:
                planes[0, b, i] = q if q > 0 else 0
                planes[1, b, i] = -q if q < 0 else 0
            elif mode == 1:
                planes[0, b, i] = q
            elif mode == 2:
                pos = q if q > 0 else 0
                neg = -q if q < 0 else 0
                for k in range(mag):
                    planes[k, b, i] = (pos >> k) & 1
                    planes[mag + k, b, i] = (neg >> k) & 1
            else:
                u = q & ((1 << n_bits) - 1)
                for k in range(n_bits):
                    planes[k, b, i] = (u >> k) & 1


@njit(cache=True)
def adc_accumulate(sums, batch, plane_w, col_w, col_r, col_t, ones_col, lsb, code_min, code_max,
                   gain, offset_lsb, inl_lsb, outputs_per_array, out):
    """Convert every column sum with the ADC and shift-add the codes into out (batch x outputs), float64.

    sums[p * batch + b, c] is the analog sum of column c for input plane p of vector b (float32, in units of
    one input code times one conductance level); column ``ones_col`` holds the plane's row sum s = sum_i x_i.
    The column's analog value is a = sums[., c] + col_r[c] * s (col_r: g_min / level step of an unsubtracted
    column). The ADC of column c (step lsb[c], full scale F = lsb[c] * code_max) sees
    a' = a (1 + gain) + offset_lsb lsb[c] + sign(a) 4 inl_lsb lsb[c] u (1 - u),  u = min(|a| / F, 1),
    and returns code = clip(floor(a' / lsb[c] + 0.5), code_min, code_max). Then
    out[b, col_t[c]] += plane_w[p] * col_w[c] * code * lsb[c]; a negative col_t[c] = -(k + 1) marks a reference
    column of column tile k, added to the outputs k * outputs_per_array ... (k + 1) * outputs_per_array - 1.
    Returns the number of conversions that clipped.
    """
    n_cols = col_w.shape[0]
    n_out = out.shape[1]
    clipped = 0
    for p in range(plane_w.shape[0]):
        pw = plane_w[p]
        for b in range(batch):
            row = p * batch + b
            rowsum = np.float64(sums[row, ones_col])
            for c in range(n_cols):
                step = lsb[c]
                a = np.float64(sums[row, c]) + col_r[c] * rowsum
                if gain != 0.0 or offset_lsb != 0.0 or inl_lsb != 0.0:
                    u = min(abs(a) / (step * code_max), 1.0)
                    a = a * (1.0 + gain) + offset_lsb * step + np.sign(a) * 4.0 * inl_lsb * step * u * (1.0 - u)
                code = np.floor(a / step + 0.5)
                if code > code_max:
                    code = code_max
                    clipped += 1
                elif code < code_min:
                    code = code_min
                    clipped += 1
                v = pw * col_w[c] * code * step
                t = col_t[c]
                if t >= 0:
                    out[b, t] += v
                else:
                    first = (-t - 1) * outputs_per_array
                    for j in range(first, min(n_out, first + outputs_per_array)):
                        out[b, j] += v
    return clipped
