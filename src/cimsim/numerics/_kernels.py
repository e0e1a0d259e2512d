"""Numba kernels of the read noise and the conversions. Private: the wrappers in this package validate every input.

Each kernel has a plain-numpy twin in ``tests/naive.py``; integer paths must match it bit for bit. The read
noise's normal draws come from :mod:`._normals`.

Threads. The kernels are serial and release the GIL: the crossbar runs one worker thread per core over
disjoint row ranges, each doing its rows' kernels and its own (single-threaded) BLAS products, so no two
thread pools ever spin against each other. Every per-row result is independent and every cross-row sum is
made from per-block partial sums (blocks of ``ROW_BLOCK`` rows) added in block order, so results are the
same bit for bit whatever the number of threads.
"""


from __future__ import annotations

import numpy as np
from numba import literally, njit

from ._input_kernels import ROW_BLOCK
from ._jit import INLINE, THREADED
from ._normals import fill_normals, stream

__all__ = ["ROW_BLOCK", "adc_accumulate", "add_read_noise"]


_HALF_SQRT = np.sqrt(0.5)
"""sqrt(1 / 2): the std of each half of a noise variance split in two"""


@njit(**THREADED)
def add_read_noise(sums, batch, n_planes, n_cols, noise_std, noise_key, first_vector, shared=None):
    """sums[p * batch + b, c] += noise_std[p * batch + b] * z[c], z the normals of the read's stream (the draws
    :func:`adc_accumulate` would make).

    ``shared`` (int64 per column, from 0): column c subtracts shared column shared[c], read once for every column
    naming it; half of each column's noise variance is its own (z[c] / sqrt(2)), half that shared column's
    (z[n_cols + shared[c]] / sqrt(2), normal number n_cols + shared[c] of the same stream).
    """
    n_shared = 0 if shared is None else shared.max() + 1
    z = np.empty(n_cols + n_shared)
    block = np.empty(n_cols + n_shared, dtype=np.uint64)
    for b in range(batch):
        for p in range(n_planes):
            row = p * batch + b
            if noise_std[row] > 0.0:
                fill_normals(stream(noise_key, first_vector + b, p), z, block)
                if shared is None:
                    for c in range(n_cols):
                        sums[row, c] += noise_std[row] * z[c]
                else:
                    half = noise_std[row] * _HALF_SQRT
                    for c in range(n_cols):
                        sums[row, c] += half * (z[c] + z[n_cols + shared[c]])


@njit(**INLINE)
def _code(x, half):
    """the code nearest x (analog value / step) on the grid half + integers (half 0, or 1/2 for a sign comparator),
    unclipped; a tie goes up, but a sign comparator's at its threshold: x = 0 reads 0, the mean of -1/2 and +1/2
    (half is added only where x != 0: integer codes are unchanged). The integer grid has a branch of its own, which
    the loops inlining this are unswitched on (see :func:`_conversions` for the measured gain)"""
    if half == 0.0:
        return np.floor(x + 0.5)
    return np.floor(x + (0.5 - half)) + (half if x != 0.0 else 0.0)


@njit(**INLINE)
def _transfer(a, step, inv_step, code_max, half, gain, offset_lsb, inl_lsb):
    """the unclipped code of a non-ideal ADC (offset, gain, INL) of analog value a (:func:`_code`)"""
    u = min(abs(a) / (step * code_max), 1.0)
    a = a * (1.0 + gain) + offset_lsb * step + np.sign(a) * 4.0 * inl_lsb * step * u * (1.0 - u)
    return _code(a * inv_step, half)


@njit(**INLINE)
def _reference_columns(sums, row, b, p, rowsum, std, z_rows, zr, lsb, inv_lsb, code_min, code_max, gain, offset_lsb,
                       inl_lsb, ideal, n_data, plane_col_w, col_r, ref_tile, outputs_per_array, out):
    """:func:`adc_accumulate`'s reference columns of plane row ``row`` (vector b, plane p), each subtracted from
    the outputs of its column tile, with read noise std * z_rows[zr] when std > 0. Returns the conversions that
    clipped."""
    hits, half = 0, code_max - np.floor(code_max)
    for c in range(n_data, lsb.shape[0]):
        a = np.float64(sums[row, c]) + col_r[c] * rowsum + (std * z_rows[zr, c] if std > 0.0 else 0.0)
        if ideal:
            raw = _code(a * inv_lsb[c], half)
        else:
            raw = _transfer(a, lsb[c], inv_lsb[c], code_max, half, gain, offset_lsb, inl_lsb)
        code = min(max(raw, code_min), code_max)
        hits += raw != code
        v = plane_col_w[p, c] * code * lsb[c]
        first_out = ref_tile[c - n_data] * outputs_per_array
        # unsigned indices: no negative-index wrap in the loop, which then vectorises
        for j in range(np.uint64(first_out), np.uint64(min(out.shape[1], first_out + outputs_per_array))):
            out[b, j] += v
    return hits


def adc_accumulate(sums, batch, plane_w, n_blocks, n_out, col_w, col_r, ref_tile, ones_col, lsb, code_min, code_max,
                   gain, offset_lsb, inl_lsb, outputs_per_array, noise_std, noise_key, first_vector, first, x_scale,
                   w_scale, out):
    """Convert every column sum with the ADC and shift-add the codes into out (batch x n_out), float64.

    sums[p * batch + b, c] is the analog sum of column c for input plane p of vector b (float32, in units of
    one input code times one conductance level). Columns 0 .. n_blocks * n_out - 1 are blocks of n_out data
    columns (column k * n_out + j adds to output j); the ones after them are reference columns, column
    n_blocks * n_out + r subtracting from every output of column tile ref_tile[r]; column ``ones_col`` (if >= 0)
    holds the plane's row sum s. The column's analog value is a = sums[., c] + col_r[c] * s (+ read noise:
    noise_std[p * batch + b] times normal number c of the stream of (noise_key, vector first_vector + b,
    plane p)). The ADC of column c (step lsb[c], full scale F = lsb[c] * code_max) sees
    a' = a (1 + gain) + offset_lsb lsb[c] + sign(a) 4 inl_lsb lsb[c] u (1 - u), u = min(|a| / F, 1), and returns
    code = clip(floor(a' * (1 / lsb[c]) + 0.5 - h) + h, code_min, code_max), h = code_max - floor(code_max) (0, or
    1/2 for a sign comparator: codes +/-1/2, and a' = 0, its threshold, reads 0, their mean);
    out[b, j] += plane_w[p] * col_w[c] * code * lsb[c].
    ``first``: out starts from zero; ``x_scale``/``w_scale`` (when not empty): finally
    out[b, j] = out[b, j] * x_scale[b] * w_scale[j]. Returns the number of conversions that clipped.
    """
    args = (sums, batch, np.multiply.outer(plane_w, col_w), n_blocks, n_out, col_r, ref_tile, ones_col, lsb, 1.0 / lsb,
            float(code_min), float(code_max), float(gain), float(offset_lsb), float(inl_lsb), outputs_per_array,
            noise_std, np.uint64(noise_key), first_vector, bool(first), x_scale, w_scale, out)
    if gain != 0.0 or offset_lsb != 0.0 or inl_lsb != 0.0:
        return _non_ideal(args)
    if noise_std.shape[0] > 0:
        return _noisy(args)
    if len(plane_w) == 1 and n_blocks == 1 and len(col_w) == n_out and ones_col < 0 and first and len(x_scale):
        return _one_conversion(args)
    return _quiet(args)


# The conversion loop is one function on purpose (over 60 lines): one fused loop per row keeps the sums, codes and
# outputs in registers and cache, and numba vectorises each case's loop only when written out in place (a helper
# per case costs a call per element: 1.3-3x slower). Each case is compiled on its own, when first used (``case`` is
# a compile-time constant, so the other cases' loops are pruned): side by side in one function the compiler
# vectorised the quiet loop half as well (0.50 against 0.27 ms for 10 000 x 64 outputs).
@njit(**THREADED)
def _conversions(case, args):
    """:func:`adc_accumulate` for one case, a compile-time constant: 0 an ideal ADC without read noise, 1 an ideal
    ADC with it, 2 a non-ideal ADC, 3 as 0 with one plane, one block of data columns and nothing else;
    ``args`` as adc_accumulate's but plane_col_w[p, c] = plane_w[p] * col_w[c] in
    place of plane_w and col_w, and inv_lsb = 1 / lsb after lsb."""
    literally(case)
    (sums, batch, plane_col_w, n_blocks, n_out, col_r, ref_tile, ones_col, lsb, inv_lsb, code_min, code_max, gain,
     offset_lsb, inl_lsb, outputs_per_array, noise_std, noise_key, first_vector, first, x_scale, w_scale, out) = args
    n_cols = lsb.shape[0]
    n_data = n_blocks * n_out
    noisy = noise_std.shape[0] > 0
    n_planes = plane_col_w.shape[0]
    half = code_max - np.floor(code_max)  # the codes' grid: integers, or half-integers for a sign comparator
    # the draws of ROW_BLOCK vectors at a time, then their conversions: the ziggurat's tables stay in cache
    # while they are read (interleaved with the conversions' streams they did not: 5-10 % slower)
    z_rows = np.zeros((ROW_BLOCK * n_planes if noisy else 1, n_cols))
    block = np.empty(n_cols if noisy else 0, dtype=np.uint64)
    hits = 0
    # the data columns' loops index the 2-D arrays directly (a view per row costs more than a 64-wide row's
    # conversions)
    for b in range(batch):
        if noisy and b % ROW_BLOCK == 0:
            for v in range(b, min(batch, b + ROW_BLOCK)):
                for p in range(n_planes):
                    if noise_std[p * batch + v] > 0.0:  # a read with no driven row has no noise: no draws
                        fill_normals(stream(noise_key, first_vector + v, p), z_rows[(v - b) * n_planes + p], block)
        for p in range(n_planes):
            row = p * batch + b
            rowsum = np.float64(sums[row, ones_col]) if ones_col >= 0 else 0.0
            std = noise_std[row] if noisy else 0.0
            zr = (b % ROW_BLOCK) * n_planes + p if noisy else 0  # z_rows' row (no view: one per row costs 10 %)
            for k in range(n_blocks):
                base = k * n_out
                fresh = first and p == 0 and k == 0  # out starts from zero
                # the rescale folds into the row's last conversions when no reference column follows
                last = n_data == n_cols and x_scale.shape[0] > 0 and p == n_planes - 1 and k == n_blocks - 1
                if case == 3:  # fresh and last
                    for j in range(n_out):
                        raw = _code(np.float64(sums[row, j]) * inv_lsb[j], half)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        out[b, j] = (0.0 + plane_col_w[p, j] * code * lsb[j]) * x_scale[b] * w_scale[j]
                elif case == 0 and not (fresh or last or ones_col >= 0):
                    # the bulk of a multi-plane row, with nothing to select per column: with _code's integer-grid
                    # branch, 0.45 against 0.58 ns a conversion (bit-serial, 128 vectors x 8 planes x 1024 columns,
                    # one thread, Xeon with AVX-512)
                    for j in range(n_out):
                        c = base + j
                        raw = _code(np.float64(sums[row, c]) * inv_lsb[c], half)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        out[b, j] += plane_col_w[p, c] * code * lsb[c]
                elif case == 0:
                    for j in range(n_out):
                        c = base + j
                        a = np.float64(sums[row, c])
                        if ones_col >= 0:
                            a += col_r[c] * rowsum
                        raw = _code(a * inv_lsb[c], half)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        y = (0.0 if fresh else out[b, j]) + plane_col_w[p, c] * code * lsb[c]
                        out[b, j] = y * x_scale[b] * w_scale[j] if last else y
                elif case == 1:
                    for j in range(n_out):
                        c = base + j
                        a = np.float64(sums[row, c]) + col_r[c] * rowsum + std * z_rows[zr, c]
                        raw = _code(a * inv_lsb[c], half)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        y = (0.0 if fresh else out[b, j]) + plane_col_w[p, c] * code * lsb[c]
                        out[b, j] = y * x_scale[b] * w_scale[j] if last else y
                else:
                    for j in range(n_out):
                        c = base + j
                        a = np.float64(sums[row, c]) + col_r[c] * rowsum + (std * z_rows[zr, c] if std > 0.0 else 0.0)
                        raw = _transfer(a, lsb[c], inv_lsb[c], code_max, half, gain, offset_lsb, inl_lsb)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        y = (0.0 if fresh else out[b, j]) + plane_col_w[p, c] * code * lsb[c]
                        out[b, j] = y * x_scale[b] * w_scale[j] if last else y
            if n_data < n_cols:
                hits += _reference_columns(sums, row, b, p, rowsum, std, z_rows, zr, lsb, inv_lsb, code_min,
                                           code_max, gain, offset_lsb, inl_lsb, case < 2, n_data, plane_col_w, col_r,
                                           ref_tile, outputs_per_array, out)
        if x_scale.shape[0] > 0 and n_data < n_cols:
            for j in range(n_out):
                out[b, j] = out[b, j] * x_scale[b] * w_scale[j]
    return hits


@njit(**THREADED)
def _quiet(args):
    """an ideal ADC without read noise"""
    return _conversions(0, args)


@njit(**THREADED)
def _noisy(args):
    """an ideal ADC with read noise"""
    return _conversions(1, args)


@njit(**THREADED)
def _non_ideal(args):
    """an ADC with gain, offset or INL error, with or without read noise"""
    return _conversions(2, args)


@njit(**THREADED)
def _one_conversion(args):
    """as :func:`_quiet` with one plane, one block of data columns and no other column: each output is one
    conversion, rescaled at once"""
    return _conversions(3, args)
