"""Numba kernels of the functional core. Private: the wrappers in this package validate every input.

Each kernel has a plain-numpy twin in ``tests/naive.py``; integer paths must match it bit for bit.

Threads. The kernels are serial and release the GIL: the crossbar runs one worker thread per core over
disjoint row ranges, each doing its rows' kernels and its own (single-threaded) BLAS products, so no two
thread pools ever spin against each other. Every per-row result is independent and every cross-row sum is
made from per-block partial sums (blocks of ``ROW_BLOCK`` rows) added in block order, so results are the
same bit for bit whatever the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["ROW_BLOCK", "ZIG_X", "ZIG_RATIO", "quantize_rows", "input_planes", "prepare_inputs",
           "adc_accumulate", "add_read_noise", "normal"]

ROW_BLOCK = 64
"""rows per parallel work item (fixed, so partial sums never depend on the thread count)"""
_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)
_INF_BITS = np.int64(0x7FF0000000000000)


@njit(cache=True, inline="always")
def _quantize(v, max_code):
    """round half away from zero, clipped to [-max_code, max_code]"""
    r = np.floor(np.abs(v) + 0.5)
    if r > max_code:
        r = max_code
    return r if v >= 0 else -r


@njit(cache=True)
def quantize_rows(x, scale, max_code, codes):
    """codes[b, i] = clip(round_half_away(x[b, i] / scale[b]), -max_code, max_code), int32."""
    batch, n = x.shape
    for b in range(batch):
        for i in range(n):
            codes[b, i] = np.int32(_quantize(x[b, i] / scale[b], max_code))


@njit(cache=True)
def _write_planes(q, mode, n_bits, planes, b, i):
    """the DAC codes of one input code q in every plane; returns their sum of squares"""
    mag = n_bits - 1
    if mode == 0:
        planes[0, b, i] = q if q > 0 else 0
        planes[1, b, i] = -q if q < 0 else 0
        return q * q
    if mode == 1:
        planes[0, b, i] = q
        return q * q
    sq = 0
    if mode == 2:
        pos = q if q > 0 else 0
        neg = -q if q < 0 else 0
        for k in range(mag):
            bp = (pos >> k) & 1
            bn = (neg >> k) & 1
            planes[k, b, i] = bp
            planes[mag + k, b, i] = bn
            sq += bp + bn
        return sq
    u = q & ((1 << n_bits) - 1)
    for k in range(n_bits):
        bit = (u >> k) & 1
        planes[k, b, i] = bit
        sq += bit
    return sq


@njit(cache=True)
def input_planes(codes, mode, n_bits, planes):
    """Write the DAC input planes of signed codes (batch x n) into planes (n_planes x batch x n), float32.

    mode 0: parallel two-phase    -> [max(q, 0), max(-q, 0)]
    mode 1: parallel bipolar      -> [q]
    mode 2: bit-serial two-phase  -> bits 0..n_bits-2 of max(q, 0), then of max(-q, 0)
    mode 3: bit-serial two's complement -> bits 0..n_bits-1 of q mod 2**n_bits
    """
    batch, n = codes.shape
    for b in range(batch):
        for i in range(n):
            _write_planes(np.int64(codes[b, i]), mode, n_bits, planes, b, i)


@njit(cache=True, nogil=True)
def prepare_inputs(x, max_code, input_max, mode, n_bits, group_starts, planes, scale, row_sq, code_sq_blocks):
    """Quantise inputs x (batch x n, float64) and write their DAC planes, in one pass.

    scale[b]: input_max / max_code, or (input_max <= 0) the row's max |x| / max_code (1 for an all-zero row).
    planes (n_planes x batch x n, float32) as :func:`input_planes`; row_sq[g, p * batch + b] = sum of the plane's
    squared codes over the rows of group g (for the output-referred read noise); code_sq_blocks[k, i] = sum over
    the rows of block k of the squared codes of input i in every plane (for the energy sum of G V**2 t).
    Returns (non-finite inputs found, non-zero plane codes).
    """
    batch, n = x.shape
    n_planes = planes.shape[0]
    n_groups = group_starts.shape[0] - 1
    n_blocks = (batch + ROW_BLOCK - 1) // ROW_BLOCK
    bad = np.zeros(n_blocks, dtype=np.int64)
    nonzero = np.zeros(n_blocks, dtype=np.int64)
    for blk in range(n_blocks):
        for b in range(blk * ROW_BLOCK, min(batch, (blk + 1) * ROW_BLOCK)):
            # max |x| as the integer order of the magnitude bits (the same order for non-negative floats);
            # at or above the bits of inf the row holds inf or NaN
            peak_bits = np.int64(0)
            bits = x[b].view(np.int64)
            for i in range(n):
                peak_bits = max(peak_bits, bits[i] & _MAGNITUDE)
            if peak_bits >= _INF_BITS:
                bad[blk] += 1
                continue
            peak = np.array([peak_bits]).view(np.float64)[0]
            s = input_max / max_code if input_max > 0 else (peak / max_code if peak > 0 else 1.0)
            scale[b] = s
            for g in range(n_groups):
                if mode <= 1:  # parallel DAC: one or two planes holding the code or its two signed parts
                    lo, hi = group_starts[g], group_starts[g + 1]
                    if mode == 1:
                        sq0, nz = _bipolar_plane(x[b, lo:hi], s, max_code, planes[0, b, lo:hi],
                                                 code_sq_blocks[blk, lo:hi])
                    else:
                        sq0, sq1, nz = _two_phase_planes(x[b, lo:hi], s, max_code, planes[0, b, lo:hi],
                                                         planes[1, b, lo:hi], code_sq_blocks[blk, lo:hi])
                        row_sq[g, batch + b] = sq1
                    row_sq[g, b] = sq0
                    nonzero[blk] += np.int64(nz)
                else:  # bit-serial: one plane per input bit; a bit's square is the bit
                    for p in range(n_planes):
                        row_sq[g, p * batch + b] = 0.0
                    for i in range(group_starts[g], group_starts[g + 1]):
                        q = np.int64(_quantize(x[b, i] / s, max_code))
                        bits = _write_bits(q, mode, n_bits, planes, b, i, row_sq, g, batch)
                        code_sq_blocks[blk, i] += bits
                        nonzero[blk] += bits
    return bad.sum() > 0, nonzero.sum()


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})  # sums of integers: exact in any order
def _bipolar_plane(xr, s, max_code, plane0, code_sq):
    """One row's codes for a bipolar parallel DAC (1-D views of equal length, looped from 0: the compiler
    vectorises it): plane0 = q; adds q**2 to code_sq; returns (sum of q**2, count of non-zero codes)."""
    sq = 0.0
    nz = 0.0
    for i in range(xr.shape[0]):
        q = _quantize(xr[i] / s, max_code)
        plane0[i] = q
        code_sq[i] += q * q
        sq += q * q
        nz += q != 0
    return sq, nz


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})  # sums of integers: exact in any order
def _two_phase_planes(xr, s, max_code, plane0, plane1, code_sq):
    """As :func:`_bipolar_plane` for a two-phase parallel DAC: plane0 = max(q, 0), plane1 = max(-q, 0);
    returns (sum of plane0**2, sum of plane1**2, count of non-zero codes)."""
    sq0 = 0.0
    sq1 = 0.0
    nz = 0.0
    for i in range(xr.shape[0]):
        q = _quantize(xr[i] / s, max_code)
        pos = max(q, 0.0)
        neg = max(-q, 0.0)
        plane0[i] = pos
        plane1[i] = neg
        code_sq[i] += q * q
        sq0 += pos * pos
        sq1 += neg * neg
        nz += q != 0
    return sq0, sq1, nz


@njit(cache=True, inline="always")
def _write_bits(q, mode, n_bits, planes, b, i, row_sq, g, batch):
    """the bit planes of one code (two-phase magnitude bits, or two's complement); returns the bits set"""
    mag = n_bits - 1
    set_bits = 0
    if mode == 2:
        pos = q if q > 0 else 0
        neg = -q if q < 0 else 0
        for k in range(mag):
            bp = (pos >> k) & 1
            bn = (neg >> k) & 1
            planes[k, b, i] = bp
            planes[mag + k, b, i] = bn
            row_sq[g, k * batch + b] += bp
            row_sq[g, (mag + k) * batch + b] += bn
            set_bits += bp + bn
    else:
        u = q & ((1 << n_bits) - 1)
        for k in range(n_bits):
            bit = (u >> k) & 1
            planes[k, b, i] = bit
            row_sq[g, k * batch + b] += bit
            set_bits += bit
    return set_bits


@njit(cache=True)
def _mix(z):
    """splitmix64 finaliser (Steele, Lea and Flood, OOPSLA 2014): a bijective 64-bit hash"""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def _uniform(state):
    """next (state, 64 random bits) of a splitmix64 stream"""
    state = state + _GOLDEN
    return state, _mix(state)


def _ziggurat_tables(blocks=128, r=3.442619855899, v=9.91256303526217e-3):
    """Layer edges x[0..blocks] and ratios x[i+1] / x[i] of the normal ziggurat (Doornik, "An improved ziggurat
    method to generate normal random samples", 2005: 128 blocks, R and V from that paper)."""
    x = np.empty(blocks + 1)
    f = np.exp(-0.5 * r * r)
    x[0], x[1], x[blocks] = v / f, r, 0.0
    for i in range(2, blocks):
        x[i] = np.sqrt(-2.0 * np.log(v / x[i - 1] + f))
        f = np.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1]


ZIG_X, ZIG_RATIO = _ziggurat_tables()
_ZIG_R = 3.442619855899
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True)
def normal(state, zig_x, zig_ratio):
    """(state, one standard normal draw): Doornik's ziggurat on a splitmix64 stream (exact N(0, 1))."""
    while True:
        state, bits = _uniform(state)
        u = 2.0 * ((bits >> np.uint64(11)) * _TO_UNIT) - 1.0
        i = np.int64(bits & np.uint64(0x7F))
        if abs(u) < zig_ratio[i]:
            return state, u * zig_x[i]
        if i == 0:  # the tail beyond R (Marsaglia 1964)
            while True:
                state, b1 = _uniform(state)
                state, b2 = _uniform(state)
                xt = np.log(((b1 >> np.uint64(11)) + 1) * _TO_UNIT) / _ZIG_R
                yt = np.log(((b2 >> np.uint64(11)) + 1) * _TO_UNIT)
                if -2.0 * yt >= xt * xt:
                    return state, (xt - _ZIG_R) if u < 0 else (_ZIG_R - xt)
        xw = u * zig_x[i]
        f0 = np.exp(-0.5 * (zig_x[i] * zig_x[i] - xw * xw))
        f1 = np.exp(-0.5 * (zig_x[i + 1] * zig_x[i + 1] - xw * xw))
        state, b3 = _uniform(state)
        if f1 + ((b3 >> np.uint64(11)) * _TO_UNIT) * (f0 - f1) < 1.0:
            return state, xw


@njit(cache=True, inline="always")
def _stream(noise_key, vector, plane):
    """start of the random stream of one (vector, plane) read"""
    return _mix(noise_key ^ _mix(np.uint64(vector) * np.uint64(0x100000001B3) + np.uint64(plane)))


@njit(cache=True, nogil=True)
def add_read_noise(sums, batch, n_planes, n_cols, noise_std, noise_key, first_vector, zig_x, zig_ratio):
    """sums[p * batch + b, c] += noise_std[p * batch + b] * z, z the draws :func:`adc_accumulate` would make."""
    for b in range(batch):
        for p in range(n_planes):
            row = p * batch + b
            state = _stream(noise_key, first_vector + b, p)
            for c in range(n_cols):
                state, z = normal(state, zig_x, zig_ratio)
                sums[row, c] += noise_std[row] * z


@njit(cache=True, inline="always")
def _transfer(a, step, code_max, ideal, gain, offset_lsb, inl_lsb):
    """the unrounded ADC reading a' / lsb of analog value a (see :func:`adc_accumulate`)"""
    if not ideal:
        u = min(abs(a) / (step * code_max), 1.0)
        a = a * (1.0 + gain) + offset_lsb * step + np.sign(a) * 4.0 * inl_lsb * step * u * (1.0 - u)
    return np.floor(a / step + 0.5)


@njit(cache=True, error_model="numpy")
def _convert_block(srow, col_r, rowsum, lsb, code_min, code_max, w, orow):
    """ideal ADC over one block of columns (1-D views: a loop the compiler vectorises); returns the clipped count"""
    hits = np.int64(0)
    for j in range(srow.shape[0]):
        a = np.float64(srow[j]) + col_r[j] * rowsum
        raw = np.floor(a / lsb[j] + 0.5)
        code = min(max(raw, code_min), code_max)
        hits += raw != code
        orow[j] += w[j] * code * lsb[j]
    return hits


@njit(cache=True, nogil=True)
def adc_accumulate(sums, batch, plane_w, n_blocks, n_out, col_w, col_r, ref_tile, ones_col, lsb, code_min, code_max,
                   gain, offset_lsb, inl_lsb, outputs_per_array, noise_std, noise_key, first_vector, first, x_scale,
                   w_scale, zig_x, zig_ratio, out):
    """Convert every column sum with the ADC and shift-add the codes into out (batch x n_out), float64.

    sums[p * batch + b, c] is the analog sum of column c for input plane p of vector b (float32, in units of
    one input code times one conductance level). Columns 0 .. n_blocks * n_out - 1 are blocks of n_out data
    columns (column k * n_out + j adds to output j); the ones after them are reference columns, column
    n_blocks * n_out + r subtracting from every output of column tile ref_tile[r]; column ``ones_col`` (if >= 0)
    holds the plane's row sum s. The column's analog value is a = sums[., c] + col_r[c] * s (+ read noise:
    noise_std[p * batch + b] times a standard normal drawn from the stream of (noise_key, vector
    first_vector + b, plane p, column c)). The ADC of column c (step lsb[c], full scale F = lsb[c] * code_max)
    sees a' = a (1 + gain) + offset_lsb lsb[c] + sign(a) 4 inl_lsb lsb[c] u (1 - u), u = min(|a| / F, 1),
    and returns code = clip(floor(a' / lsb[c] + 0.5), code_min, code_max); out[b, j] += plane_w[p] * col_w[c]
    * code * lsb[c]. ``first``: out starts from zero; ``x_scale``/``w_scale`` (when not empty): finally
    out[b, j] = out[b, j] * x_scale[b] * w_scale[j]. Returns the number of conversions that clipped.
    """
    n_cols = col_w.shape[0]
    n_data = n_blocks * n_out
    ideal = gain == 0.0 and offset_lsb == 0.0 and inl_lsb == 0.0
    noisy = noise_std.shape[0] > 0
    n_rowblocks = (batch + ROW_BLOCK - 1) // ROW_BLOCK
    clipped = np.zeros(n_rowblocks, dtype=np.int64)
    plane_col_w = np.empty((plane_w.shape[0], n_cols))
    for p in range(plane_w.shape[0]):
        for c in range(n_cols):
            plane_col_w[p, c] = plane_w[p] * col_w[c]
    for blk in range(n_rowblocks):
        hits = 0
        for b in range(blk * ROW_BLOCK, min(batch, (blk + 1) * ROW_BLOCK)):
            if first:
                for j in range(n_out):
                    out[b, j] = 0.0
            for p in range(plane_w.shape[0]):
                pw = plane_w[p]
                row = p * batch + b
                rowsum = np.float64(sums[row, ones_col]) if ones_col >= 0 else 0.0
                std = noise_std[row] if noisy else 0.0
                state = _stream(noise_key, first_vector + b, p) if noisy else np.uint64(0)
                for k in range(n_blocks):
                    base = k * n_out
                    w = plane_col_w[p, base:base + n_out]
                    if noisy:
                        for j in range(n_out):
                            state, z = normal(state, zig_x, zig_ratio)
                            a = np.float64(sums[row, base + j]) + col_r[base + j] * rowsum + std * z
                            raw = _transfer(a, lsb[base + j], code_max, ideal, gain, offset_lsb, inl_lsb)
                            code = min(max(raw, code_min), code_max)
                            hits += raw != code
                            out[b, j] += w[j] * code * lsb[base + j]
                    elif ideal:
                        hits += _convert_block(sums[row, base:base + n_out], col_r[base:base + n_out], rowsum,
                                               lsb[base:base + n_out], code_min, code_max, w, out[b])
                    else:
                        for j in range(n_out):
                            a = np.float64(sums[row, base + j]) + col_r[base + j] * rowsum
                            raw = _transfer(a, lsb[base + j], code_max, ideal, gain, offset_lsb, inl_lsb)
                            code = min(max(raw, code_min), code_max)
                            hits += raw != code
                            out[b, j] += w[j] * code * lsb[base + j]
                for c in range(n_data, n_cols):
                    a = np.float64(sums[row, c]) + col_r[c] * rowsum
                    if noisy:
                        state, z = normal(state, zig_x, zig_ratio)
                        a += std * z
                    raw = _transfer(a, lsb[c], code_max, ideal, gain, offset_lsb, inl_lsb)
                    code = min(max(raw, code_min), code_max)
                    hits += raw != code
                    v = pw * col_w[c] * code * lsb[c]
                    first_out = ref_tile[c - n_data] * outputs_per_array
                    for j in range(first_out, min(n_out, first_out + outputs_per_array)):
                        out[b, j] += v
            if x_scale.shape[0] > 0:
                for j in range(n_out):
                    out[b, j] = out[b, j] * x_scale[b] * w_scale[j]
        clipped[blk] = hits
    return clipped.sum()
