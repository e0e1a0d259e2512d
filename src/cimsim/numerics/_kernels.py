"""Numba kernels of the functional core. Private: the wrappers in this package validate every input.

Each kernel has a plain-numpy twin in ``tests/naive.py``; integer paths must match it bit for bit. The normal
draws (:func:`fill_normals`) are tested against the closed-form moments, tails and CDF of N(0, 1).

Threads. The kernels are serial and release the GIL: the crossbar runs one worker thread per core over
disjoint row ranges, each doing its rows' kernels and its own (single-threaded) BLAS products, so no two
thread pools ever spin against each other. Every per-row result is independent and every cross-row sum is
made from per-block partial sums (blocks of ``ROW_BLOCK`` rows) added in block order, so results are the
same bit for bit whatever the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["ROW_BLOCK", "ZIG_BLOCKS", "ZIG_R", "quantize_rows", "prepare_inputs",
           "adc_accumulate", "add_read_noise", "fill_normals"]

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
    """codes[b, i] = clip(round_half_away(x[b, i] * (1 / scale[b])), -max_code, max_code), int32."""
    batch, n = x.shape
    for b in range(batch):
        inv = 1.0 / scale[b]
        for i in range(n):
            codes[b, i] = np.int32(_quantize(x[b, i] * inv, max_code))


@njit(cache=True, nogil=True)
def prepare_inputs(x, max_code, input_max, mode, n_bits, bits_per_read, sign_mode, group_starts, planes, scale, row_sq,
                   code_sq_blocks):
    """Quantise inputs x (batch x n, float64) and write their DAC planes, in one pass.

    scale[b] = input_max / max_code, or (input_max <= 0) the row's max |x| / max_code (1 for an all-zero row);
    code = clip(round_half_away(x * (1 / scale[b]))).
    planes (n_planes x batch x n, float32) hold the DAC code of each read (mode 0: parallel two-phase
    [max(q, 0), max(-q, 0)]; 1: parallel bipolar [q]; 2: bit-serial two-phase, bits 0..n_bits-2 of max(q, 0)
    then of max(-q, 0); 3: bit-serial two's complement, bits 0..n_bits-1 of q mod 2**n_bits; 4: any other
    bits_per_read and sign handling, :func:`_sliced_codes`);
    row_sq[g, p * batch + b] = sum of the plane's squared codes over the rows of group g (for the output-referred
    read noise); code_sq_blocks[k, i] = sum over the rows of block k of the squared codes of input i in every
    plane (for the energy sum of G V**2 t). Returns (non-finite inputs found, non-zero plane codes); it stops
    at the first block holding a non-finite input.
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
                return True, 0
            peak_cell[0] = peak_bits
            peak = peak_float[0]
            s = input_max / max_code if input_max > 0 else (peak / max_code if peak > 0 else 1.0)
            scale[b] = s
            inv_scale[b - first] = 1.0 / s
        if mode == 1:
            nonzero += _bipolar_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq,
                                      code_sq_blocks[blk])
        elif mode == 0:
            nonzero += _two_phase_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq,
                                        code_sq_blocks[blk])
        elif mode == 4:
            nonzero += _sliced_codes(x, first, stop, inv_scale, max_code, sign_mode, n_bits, bits_per_read,
                                     group_starts, planes, row_sq, code_sq_blocks[blk])
        else:
            nonzero += _serial_codes(x, first, stop, inv_scale, max_code, mode, n_bits, group_starts, planes,
                                     row_sq, code_sq_blocks[blk])
    return False, nonzero


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})  # sums of integers: exact in any order
def _bipolar_codes(x, first, stop, inv_scale, max_code, group_starts, planes, row_sq, code_sq):
    """Codes of rows first..stop-1 for a bipolar parallel DAC (plane 0 holds q), their squares per group into
    row_sq and per input into code_sq; returns the count of non-zero codes. Inner loops run over 1-D views
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
                plane0[i] = q
                code_sq_g[i] += q * q
                sq += q * q
                nz += q != 0
            row_sq[g, b] = sq
            nonzero += nz
    return nonzero


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})  # sums of integers: exact in any order
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


@njit(cache=True, nogil=True, error_model="numpy")
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


@njit(cache=True, nogil=True, error_model="numpy")
def _sliced_codes(x, first, stop, inv_scale, max_code, sign_mode, n_bits, k, group_starts, planes, row_sq, code_sq):
    """As :func:`_bipolar_codes` for k = bits_per_read magnitude bits per read; n_bits = input bits.

    With J = ceil(m / k) slices of the m magnitude bits, plane j holds bits [j*k, (j+1)*k) of: max(q, 0) and
    then (planes J + j) of max(-q, 0) (sign_mode 0, two-phase); |q| with the sign of q (1, bipolar); q (3,
    unsigned, q >= 0); the low m bits of q mod 2**n_bits, then plane J its sign bit (2, two's complement).
    Returns the count of non-zero plane codes."""
    batch = planes.shape[1]
    mag = n_bits if sign_mode == 3 else n_bits - 1
    slices = (mag + k - 1) // k
    mask = (1 << k) - 1
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
                shift = j * k
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
                        plane[i] = c
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


ZIG_BLOCKS = 1024
"""layers of the normal ziggurat: 1024 rather than the usual 256, so only 0.37 % of draws (not 1.5 %) miss
their rectangle and take the slow path (a wedge test with an exp, or the tail); its index takes 10 of the
11 hash bits below the 53 that make the uniform"""
ZIG_R = 4.038849846109505
"""start of the tail (the base layer's right edge) for 1024 layers"""
_ZIG_V = 0.0012263246463530852
"""area of each layer for 1024 layers: r f(r) + the tail's area, f(x) = exp(-x**2 / 2)"""


def _ziggurat_tables(blocks=ZIG_BLOCKS, r=ZIG_R, v=_ZIG_V):
    """Layer edges x[0..blocks], ratios x[i+1] / x[i] and heights f(x[i]) = exp(-x[i]**2 / 2) of the normal
    ziggurat (Marsaglia and Tsang, "The ziggurat method for generating random variables", J. Stat. Softw. 5(8),
    2000; the rejection steps as in Doornik, "An improved ziggurat method", 2005). r and v close the layers
    (the top one reaches f = 1 at x = 0; tests/test_numerics.py checks both)."""
    x = np.empty(blocks + 1)
    f = np.exp(-0.5 * r * r)
    x[0], x[1], x[blocks] = v / f, r, 0.0
    for i in range(2, blocks):
        x[i] = np.sqrt(-2.0 * np.log(v / x[i - 1] + f))
        f = np.exp(-0.5 * x[i] * x[i])
    return x, x[1:] / x[:-1], np.exp(-0.5 * x * x)


_ZIG_X, _ZIG_RATIO, _ZIG_F = _ziggurat_tables()  # read by the kernels as compile-time constants
_ZIG_MASK = np.uint64(ZIG_BLOCKS - 1)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_TO_SIGNED = 1.0 / 4503599627370496.0  # 2**-52: 53 random bits -> [-1, 1)


@njit(cache=True, inline="always", error_model="numpy")
def _signed(bits):
    """uniform in [-1, 1) from the top 53 bits"""
    return np.int64(bits >> np.uint64(11)) * _TO_SIGNED - 1.0


@njit(cache=True, inline="always", error_model="numpy")
def _open_unit(bits):
    """uniform in (0, 1] from the top 53 bits"""
    return (np.int64(bits >> np.uint64(11)) + 1) * _TO_UNIT


@njit(cache=True, error_model="numpy")
def _finish(u, i, state):
    """Doornik's ziggurat after a first candidate (u, block i) missed its rectangle: the wedge test or the
    tail, then (if rejected) fresh candidates from ``state`` until one is accepted (exact N(0, 1))."""
    while True:
        if i == 0:  # the tail beyond R (Marsaglia 1964)
            while True:
                state, b1 = _uniform(state)
                state, b2 = _uniform(state)
                xt = np.log(_open_unit(b1)) / ZIG_R
                yt = np.log(_open_unit(b2))
                if -2.0 * yt >= xt * xt:
                    return (xt - ZIG_R) if u < 0 else (ZIG_R - xt)
        xw = u * _ZIG_X[i]
        state, b3 = _uniform(state)
        # a point uniform in the layer's height lies under the density (Doornik's test times exp(-xw**2 / 2))
        if _ZIG_F[i + 1] + (np.int64(b3 >> np.uint64(11)) * _TO_UNIT) * (_ZIG_F[i] - _ZIG_F[i + 1]) < np.exp(
                -0.5 * xw * xw):
            return xw
        state, bits = _uniform(state)  # rejected: a fresh candidate
        u = _signed(bits)
        i = np.int64(bits & _ZIG_MASK)
        if abs(u) < _ZIG_RATIO[i]:
            return u * _ZIG_X[i]


@njit(cache=True, error_model="numpy")
def fill_normals(key, z, block):
    """z[j] = standard normal number j of the stream ``key`` (exact N(0, 1), a 1024-block ziggurat).

    Draw j's candidate comes from the hash of (key, j): a first loop (vectorised) hashes every j into z[j] = u
    and block[j] = its block; a second looks up the tables, and the few that miss their rectangle finish on a
    stream of their own. ``block`` is uint64 scratch space of z's length (unsigned: no negative-index wrap).
    """
    n = z.shape[0]
    for j in range(n):
        bits = _mix(key + np.uint64(j + 1) * _GOLDEN)
        z[j] = _signed(bits)
        block[j] = bits & _ZIG_MASK
    for j in range(n):
        u = z[j]
        i = block[j]
        if abs(u) < _ZIG_RATIO[i]:
            z[j] = u * _ZIG_X[i]
        else:
            z[j] = _finish(u, np.int64(i), _mix(key ^ np.uint64(j + 1) * np.uint64(0xD1B54A32D192ED03)))


@njit(cache=True, inline="always")
def _stream(noise_key, vector, plane):
    """key of the random stream of one (vector, plane) read"""
    return _mix(noise_key ^ _mix(np.uint64(vector) * np.uint64(0x100000001B3) + np.uint64(plane)))


@njit(cache=True, nogil=True)
def add_read_noise(sums, batch, n_planes, n_cols, noise_std, noise_key, first_vector):
    """sums[p * batch + b, c] += noise_std[p * batch + b] * z, z the draws :func:`adc_accumulate` would make."""
    z = np.empty(n_cols)
    block = np.empty(n_cols, dtype=np.uint64)
    for b in range(batch):
        for p in range(n_planes):
            row = p * batch + b
            if noise_std[row] > 0.0:
                fill_normals(_stream(noise_key, first_vector + b, p), z, block)
                for c in range(n_cols):
                    sums[row, c] += noise_std[row] * z[c]


@njit(cache=True, inline="always")
def _transfer(a, step, inv_step, code_max, gain, offset_lsb, inl_lsb):
    """the unrounded reading of a non-ideal ADC (offset, gain, INL) of analog value a, in codes"""
    u = min(abs(a) / (step * code_max), 1.0)
    a = a * (1.0 + gain) + offset_lsb * step + np.sign(a) * 4.0 * inl_lsb * step * u * (1.0 - u)
    return np.floor(a * inv_step + 0.5)


@njit(cache=True, nogil=True)
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
    code = clip(floor(a' * (1 / lsb[c]) + 0.5), code_min, code_max); out[b, j] += plane_w[p] * col_w[c] * code *
    lsb[c]. ``first``: out starts from zero; ``x_scale``/``w_scale`` (when not empty): finally
    out[b, j] = out[b, j] * x_scale[b] * w_scale[j]. Returns the number of conversions that clipped.
    """
    n_cols = col_w.shape[0]
    n_data = n_blocks * n_out
    ideal = gain == 0.0 and offset_lsb == 0.0 and inl_lsb == 0.0
    noisy = noise_std.shape[0] > 0
    inv_lsb = 1.0 / lsb
    plane_col_w = np.empty((plane_w.shape[0], n_cols))
    for p in range(plane_w.shape[0]):
        for c in range(n_cols):
            plane_col_w[p, c] = plane_w[p] * col_w[c]
    n_planes = plane_w.shape[0]
    # the draws of ROW_BLOCK vectors at a time, then their conversions: the ziggurat's tables stay in cache
    # while they are read (interleaved with the conversions' streams they did not: 5-10 % slower)
    z_rows = np.empty((ROW_BLOCK * n_planes if noisy else 1, n_cols if noisy else 0))
    block = np.empty(n_cols if noisy else 0, dtype=np.uint64)
    hits = 0
    # The data columns' loops index the 2-D arrays directly (a view per row costs more than a 64-wide row's
    # conversions) and are written out per case (noisy ideal, quiet ideal, non-ideal): the compiler vectorises
    # each only so (a shared helper, or one loop with zero noise, measured 1.3-3x slower).
    for b in range(batch):
        if noisy and b % ROW_BLOCK == 0:
            for v in range(b, min(batch, b + ROW_BLOCK)):
                for p in range(n_planes):
                    if noise_std[p * batch + v] > 0.0:  # a read with no driven row has no noise: no draws
                        fill_normals(_stream(noise_key, first_vector + v, p), z_rows[(v - b) * n_planes + p], block)
        for p in range(n_planes):
            row = p * batch + b
            rowsum = np.float64(sums[row, ones_col]) if ones_col >= 0 else 0.0
            std = noise_std[row] if noisy else 0.0
            drawn = std > 0.0
            z = z_rows[(b % ROW_BLOCK) * n_planes + p if noisy else 0]
            for k in range(n_blocks):
                base = k * n_out
                fresh = first and p == 0 and k == 0  # out starts from zero
                # the rescale folds into the row's last conversions when no reference column follows
                last = n_data == n_cols and x_scale.shape[0] > 0 and p == plane_w.shape[0] - 1 and k == n_blocks - 1
                if ideal and drawn:
                    for j in range(n_out):
                        c = base + j
                        a = np.float64(sums[row, c]) + col_r[c] * rowsum + std * z[c]
                        raw = np.floor(a * inv_lsb[c] + 0.5)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        y = (0.0 if fresh else out[b, j]) + plane_col_w[p, c] * code * lsb[c]
                        out[b, j] = y * x_scale[b] * w_scale[j] if last else y
                    continue
                if ideal:
                    for j in range(n_out):
                        c = base + j
                        a = np.float64(sums[row, c])
                        if ones_col >= 0:
                            a += col_r[c] * rowsum
                        raw = np.floor(a * inv_lsb[c] + 0.5)
                        code = min(max(raw, code_min), code_max)
                        hits += raw != code
                        y = (0.0 if fresh else out[b, j]) + plane_col_w[p, c] * code * lsb[c]
                        out[b, j] = y * x_scale[b] * w_scale[j] if last else y
                    continue
                for j in range(n_out):
                    c = base + j
                    a = np.float64(sums[row, c]) + col_r[c] * rowsum + (std * z[c] if drawn else 0.0)
                    raw = _transfer(a, lsb[c], inv_lsb[c], code_max, gain, offset_lsb, inl_lsb)
                    code = min(max(raw, code_min), code_max)
                    hits += raw != code
                    y = (0.0 if fresh else out[b, j]) + plane_col_w[p, c] * code * lsb[c]
                    out[b, j] = y * x_scale[b] * w_scale[j] if last else y
            for c in range(n_data, n_cols):
                a = np.float64(sums[row, c]) + col_r[c] * rowsum + (std * z[c] if drawn else 0.0)
                if ideal:
                    raw = np.floor(a * inv_lsb[c] + 0.5)
                else:
                    raw = _transfer(a, lsb[c], inv_lsb[c], code_max, gain, offset_lsb, inl_lsb)
                code = min(max(raw, code_min), code_max)
                hits += raw != code
                v = plane_col_w[p, c] * code * lsb[c]
                first_out = ref_tile[c - n_data] * outputs_per_array
                for j in range(first_out, min(n_out, first_out + outputs_per_array)):
                    out[b, j] += v
        if x_scale.shape[0] > 0 and n_data < n_cols:
            for j in range(n_out):
                out[b, j] = out[b, j] * x_scale[b] * w_scale[j]
    return hits
