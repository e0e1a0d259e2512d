"""Numba kernels that quantise inputs and write their DAC planes. Private: the wrappers in this package validate
every input (see :mod:`._kernels` for the threading rules all kernels follow).

Each kernel has a plain-numpy twin in ``tests/naive.py`` and must match it bit for bit.

Rounding. A value x of full scale P (a vector's max |x|, or the given input maximum) has the code
round_half_away(x * r), clipped to [-m, m], with r = (m / P) * (1 + 2**-52) (:func:`ratio_up`): m / P rounded to
nearest is at most half an ulp below the exact ratio and the factor lifts it by one to two ulps, so r is never below
m / P and less than 2**-50 (relative) above it. So a value exactly half-way between two codes (x m / P = k + 1/2)
rounds away from zero whatever the rounding of m / P: |x| r >= k + 1/2 exactly, and the product's rounding to
nearest keeps that. The computed quotient is never below the exact one and less than 2**-50 above it, so only a
value less than that below a half-way point rounds away from zero with it. Deciding those too (an exact fma check of
every value near a half-way point) made this kernel 22-58 % slower (10 000 vectors of 256 and of 64 inputs, one
thread).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._jit import CACHED, INLINE, THREADED, THREADED_NUMPY, THREADED_SUMS

__all__ = ["ROW_BLOCK", "TINY_SCALE", "quantize_rows", "prepare_inputs"]

ROW_BLOCK = 64
"""rows per parallel work item (fixed, so partial sums never depend on the thread count)"""
_MAGNITUDE = np.int64(0x7FFFFFFFFFFFFFFF)
_INF_BITS = np.int64(0x7FF0000000000000)
TINY_SCALE = 2.0 ** -960
"""smallest per-vector input scale quantised as it is: below it (a vector's max |x| near 1e-290 or subnormal) the
reciprocal scale overflows or loses bits, and the caller brings the vector up by a power of two first
(:func:`.encoding.normal_rows`)"""


@njit(**INLINE)
def ratio_up(m, full):
    """(m / full) * (1 + 2**-52): never below the exact ratio m / full and less than 2**-50 above it (both > 0, the
    ratio a normal float; see Rounding above)"""
    return (m / full) * (1.0 + 2.0 ** -52)


@njit(**INLINE)
def _quantize(v, max_code):
    """round half away from zero, clipped to [-max_code, max_code]"""
    r = np.floor(np.abs(v) + 0.5)
    if r > max_code:
        r = max_code
    return r if v >= 0 else -r


@njit(**CACHED)
def quantize_rows(x, full, max_code, codes):
    """codes[b, i] = clip(round_half_away(x[b, i] * ratio_up(max_code, full[b])), -max_code, max_code), int32: the
    code of x[b, i] at full scale full[b] > 0 (see Rounding above)."""
    batch, n = x.shape
    for b in range(batch):
        inv = ratio_up(max_code, full[b])
        for i in range(n):
            codes[b, i] = np.int32(_quantize(x[b, i] * inv, max_code))


@njit(**THREADED)
def prepare_inputs(x, max_code, input_max, mode, n_bits, bits_per_read, sign_mode, group_starts, planes, scale, row_sq,
                   code_sq_blocks, zero_point):
    """Quantise inputs x (batch x n, float64) and write their DAC planes, in one pass.

    With full scale P = input_max, or (input_max <= 0) the row's max |x| (max_code for an all-zero row), code =
    clip(round_half_away(x * ratio_up(max_code, P)), -max_code, max_code) (see Rounding above) and
    scale[b] = P / max_code (0 for an all-zero row without input_max: its outputs, noise and all, are 0).
    planes (n_planes x batch x n, float32; or uint8 for the int8 units, signed codes shifted by zero_point, 0
    for float32 planes) hold the DAC code of each read (mode 0: parallel two-phase
    [max(q, 0), max(-q, 0)]; 1: parallel bipolar [q]; 2: bit-serial two-phase, bits 0..n_bits-2 of max(q, 0)
    then of max(-q, 0); 3: bit-serial two's complement, bits 0..n_bits-1 of q mod 2**n_bits; 4: any other
    bits_per_read and sign handling, :func:`_sliced_codes`);
    row_sq[g, p * batch + b] = sum of the plane's squared codes over the rows of group g (for the output-referred
    read noise); code_sq_blocks[k, i] = sum over the rows of block k of the squared codes of input i in every
    plane (for the energy sum of G V**2 t). Returns (status, non-zero plane codes): status 0, or 1 at the first
    block holding a non-finite input, 2 at the first row whose own scale is below TINY_SCALE (it stops there).
    """
    batch, n = x.shape
    nonzero = 0
    inv_scale = np.empty(ROW_BLOCK)
    peak_cell = np.empty(1, dtype=np.int64)  # reads the peak's bits back as a float (no allocation per row)
    peak_float = peak_cell.view(np.float64)
    for blk in range((batch + ROW_BLOCK - 1) // ROW_BLOCK):
        first, stop = blk * ROW_BLOCK, min(batch, (blk + 1) * ROW_BLOCK)
        # the block's scales first: a row's codes then need no wait for its own peak and divide
        for b in range(first, stop):
            # max |x| as the integer order of the magnitude bits (the same order for non-negative floats);
            # at or above the bits of inf the row holds inf or NaN
            peak_bits = np.int64(0)
            bits = x[b].view(np.int64)
            for i in range(n):
                peak_bits = max(peak_bits, bits[i] & _MAGNITUDE)
            if peak_bits >= _INF_BITS:
                return 1, 0
            peak_cell[0] = peak_bits
            peak = peak_float[0]
            full = input_max if input_max > 0 else (peak if peak > 0 else max_code)
            s = full / max_code
            if s < TINY_SCALE:
                return 2, 0
            scale[b] = s if input_max > 0 or peak > 0 else 0.0
            inv_scale[b - first] = ratio_up(max_code, full)
        if mode == 1:
            nonzero += _bipolar_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq,
                                      code_sq_blocks[blk], zero_point)
        elif mode == 0:
            nonzero += _two_phase_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq,
                                        code_sq_blocks[blk])
        elif mode == 4:
            nonzero += _sliced_codes(x, first, stop, inv_scale, max_code, sign_mode, n_bits, bits_per_read,
                                     group_starts, planes, row_sq, code_sq_blocks[blk], zero_point)
        else:
            nonzero += _serial_codes(x, first, stop, inv_scale, max_code, mode, n_bits, group_starts, planes,
                                     row_sq, code_sq_blocks[blk])
    return 0, nonzero


@njit(**THREADED_SUMS)
def _bipolar_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq, code_sq, zero_point):
    """Codes of rows first..stop-1 for a bipolar parallel DAC (plane 0 holds q + zero_point), their squares per group
    into row_sq and per input into code_sq; returns the count of non-zero codes. Inner loops run over 1-D views
    from 0, so the compiler vectorises them. One function per DAC mode: one function with the mode as a branch
    measured 0.26 ms per 5000 x 64 rows against 0.20."""
    nonzero = 0
    for b in range(first, stop):
        inv = inv_scale[b - first]
        for g in range(group_starts.shape[0] - 1):
            lo, hi = group_starts[g], group_starts[g + 1]
            xr, code_sq_g, plane0 = x[b, lo:hi], code_sq[lo:hi], planes[0, b, lo:hi]
            sq = 0.0
            nz = 0
            for i in range(xr.shape[0]):
                q = _quantize(xr[i] * inv, max_code)
                plane0[i] = q + zero_point
                code_sq_g[i] += q * q
                sq += q * q
                nz += q != 0
            row_sq[g, b] = sq
            nonzero += nz
    return nonzero


@njit(**THREADED_SUMS)
def _two_phase_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq, code_sq):
    """As :func:`_bipolar_codes` for a two-phase parallel DAC: planes 0 and 1 hold max(q, 0) and max(-q, 0)."""
    batch = planes.shape[1]
    nonzero = 0
    for b in range(first, stop):
        inv = inv_scale[b - first]
        for g in range(group_starts.shape[0] - 1):
            lo, hi = group_starts[g], group_starts[g + 1]
            xr, code_sq_g, plane0, plane1 = x[b, lo:hi], code_sq[lo:hi], planes[0, b, lo:hi], planes[1, b, lo:hi]
            sq0 = 0.0
            sq1 = 0.0
            nz = 0
            for i in range(xr.shape[0]):
                q = _quantize(xr[i] * inv, max_code)
                pos = max(q, 0.0)
                neg = max(-q, 0.0)
                plane0[i] = pos
                plane1[i] = neg
                code_sq_g[i] += q * q
                sq0 += pos * pos
                sq1 += neg * neg
                nz += q != 0
            row_sq[g, b] = sq0
            row_sq[g, batch + b] = sq1
            nonzero += nz
    return nonzero


@njit(**THREADED_NUMPY)
def _serial_codes(x, first, stop, inv_scale, max_code, mode, n_bits, group_starts, planes, row_sq, code_sq):
    """As :func:`_bipolar_codes` for a bit-serial DAC: one plane per input bit (mode 2: two-phase, bits
    0..n_bits-2 of max(q, 0) then of max(-q, 0); mode 3: two's complement, bits 0..n_bits-1 of q mod 2**n_bits);
    a bit's square is the bit. Returns the count of set bits. One loop per plane over 1-D views (vectorised)."""
    batch = planes.shape[1]
    mag = n_bits - 1
    mask = (1 << n_bits) - 1
    codes = np.empty(x.shape[1], dtype=np.int64)
    set_bits = 0
    for b in range(first, stop):
        inv = inv_scale[b - first]
        for g in range(group_starts.shape[0] - 1):
            lo, hi = group_starts[g], group_starts[g + 1]
            xr, q, code_sq_g = x[b, lo:hi], codes[:hi - lo], code_sq[lo:hi]
            for i in range(q.shape[0]):
                q[i] = np.int64(_quantize(xr[i] * inv, max_code))
            if mode == 2:
                for k in range(mag):
                    pos, neg = planes[k, b, lo:hi], planes[mag + k, b, lo:hi]
                    n_pos = 0
                    n_neg = 0
                    for i in range(q.shape[0]):
                        bp = (max(q[i], 0) >> k) & 1
                        bn = (max(-q[i], 0) >> k) & 1
                        pos[i] = bp
                        neg[i] = bn
                        code_sq_g[i] += bp + bn
                        n_pos += bp
                        n_neg += bn
                    row_sq[g, k * batch + b] = n_pos
                    row_sq[g, (mag + k) * batch + b] = n_neg
                    set_bits += n_pos + n_neg
            else:
                for k in range(n_bits):
                    plane = planes[k, b, lo:hi]
                    n_set = 0
                    for i in range(q.shape[0]):
                        bit = ((q[i] & mask) >> k) & 1
                        plane[i] = bit
                        code_sq_g[i] += bit
                        n_set += bit
                    row_sq[g, k * batch + b] = n_set
                    set_bits += n_set
    return set_bits


# One function on purpose (over 60 lines): a single pass per row group quantises, slices and squares each code
# while it is in a register; split per sign mode, each helper would re-read x and the codes (a call per element
# or a second pass over the group in numba).
@njit(**THREADED_NUMPY)
def _sliced_codes(x, first, stop, inv_scale, max_code, sign_mode, n_bits, k, group_starts, planes, row_sq, code_sq,
                  zero_point):
    """As :func:`_bipolar_codes` for k = bits_per_read magnitude bits per read; n_bits = input bits.

    With J = ceil(m / k) slices of the m magnitude bits, plane j holds bits [s_j, s_j + b_j) (s_j = max(0, m - (J -
    j) k), b_j = min(k, m - (J - 1 - j) k): k bits each from the top down, the remainder in plane 0,
    :mod:`cimsim.bit_slices`) of: max(q, 0) and
    then (planes J + j) of max(-q, 0) (sign_mode 0, two-phase); |q| with the sign of q, + zero_point (1,
    bipolar); q (3, unsigned, q >= 0); the low m bits of q mod 2**n_bits, then plane J its sign bit (2, two's
    complement). Returns the count of non-zero plane codes."""
    batch = planes.shape[1]
    mag = n_bits if sign_mode == 3 else n_bits - 1
    slices = (mag + k - 1) // k
    low_mask = (1 << mag) - 1
    word_mask = (1 << n_bits) - 1
    codes = np.empty(x.shape[1], dtype=np.int64)
    nonzero = 0
    for b in range(first, stop):
        inv = inv_scale[b - first]
        for g in range(group_starts.shape[0] - 1):
            lo, hi = group_starts[g], group_starts[g + 1]
            xr, q, code_sq_g = x[b, lo:hi], codes[:hi - lo], code_sq[lo:hi]
            for i in range(q.shape[0]):
                q[i] = np.int64(_quantize(xr[i] * inv, max_code))
            for j in range(slices):
                shift = max(0, mag - (slices - j) * k)
                mask = (1 << min(k, mag - (slices - 1 - j) * k)) - 1
                if sign_mode == 0:
                    pos, neg = planes[j, b, lo:hi], planes[slices + j, b, lo:hi]
                    sq_pos = 0
                    sq_neg = 0
                    for i in range(q.shape[0]):
                        cp = (max(q[i], 0) >> shift) & mask
                        cn = (max(-q[i], 0) >> shift) & mask
                        pos[i] = cp
                        neg[i] = cn
                        code_sq_g[i] += cp * cp + cn * cn
                        sq_pos += cp * cp
                        sq_neg += cn * cn
                        nonzero += (cp != 0) + (cn != 0)
                    row_sq[g, j * batch + b] = sq_pos
                    row_sq[g, (slices + j) * batch + b] = sq_neg
                else:
                    plane = planes[j, b, lo:hi]
                    sq = 0
                    for i in range(q.shape[0]):
                        if sign_mode == 1:
                            c = (abs(q[i]) >> shift) & mask
                            if q[i] < 0:
                                c = -c
                        elif sign_mode == 2:
                            c = ((q[i] & word_mask & low_mask) >> shift) & mask
                        else:
                            c = (q[i] >> shift) & mask
                        plane[i] = c + zero_point if sign_mode == 1 else c
                        code_sq_g[i] += c * c
                        sq += c * c
                        nonzero += c != 0
                    row_sq[g, j * batch + b] = sq
            if sign_mode == 2:
                plane = planes[slices, b, lo:hi]
                n_set = 0
                for i in range(q.shape[0]):
                    bit = ((q[i] & word_mask) >> mag) & 1
                    plane[i] = bit
                    code_sq_g[i] += bit
                    n_set += bit
                row_sq[g, slices * batch + b] = n_set
                nonzero += n_set
    return nonzero
