"""Slow, obvious numpy twins of the functional core, written from docs/design.md section 2 without its speed tricks.

Integer arithmetic throughout (int64 products of codes and levels), one slice / polarity / plane / row group
at a time, explicit conductance matrices for the energy sum.
"""

from __future__ import annotations

import numpy as np


def round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def round_ratio(v, m, full):
    """round_half_away(v r), r = (m / full) (1 + 2**-52) (full > 0, one per row): a ratio never below m / full, so a
    value exactly half-way between two codes rounds away from zero"""
    return round_half_away(v * ((m / full) * (1.0 + 2.0 ** -52))[:, None])


def weight_codes(w, bits, per_output):
    """codes round_ratio(w, m, peak) (peak = max |w| of the tensor or row), scale peak / m (0 for an all-zero
    row); binary weights (1 bit) are sign(w) (0 -> +1) with the scale mean |w| (0 for an all-zero row)"""
    if bits == 1:
        mean = np.abs(w).mean(axis=1) if per_output else np.full(w.shape[0], np.abs(w).mean())
        return np.where(w >= 0, 1, -1).astype(np.int64), mean
    m = 2 ** (bits - 1) - 1
    peak = np.abs(w).max(axis=1) if per_output else np.full(w.shape[0], np.abs(w).max())
    full = np.where(peak > 0, peak, 1.0)
    return np.clip(round_ratio(w, m, full), -m, m).astype(np.int64), np.where(peak > 0, peak / m, 0.0)


def input_codes(x, bits, input_max, unsigned=False):
    """codes round_ratio(x, m, full), full = input_max or the vector's max |x|, scale full / m (0 for an
    all-zero vector without input_max); binary inputs (1 signed bit) are sign(x) (0 -> +1) with the scale mean |x|
    (max |x| x mean(|x| / max |x|)) or input_max"""
    if bits == 1 and not unsigned:
        if input_max is not None:
            return np.where(x >= 0, 1, -1).astype(np.int64), np.full(x.shape[0], float(input_max))
        peak = np.abs(x).max(axis=1)
        safe = np.where(peak > 0, peak, 1.0)  # an all-zero vector: scale 0
        return np.where(x >= 0, 1, -1).astype(np.int64), safe * (np.abs(x) / safe[:, None]).mean(axis=1)
    m = 2 ** bits - 1 if unsigned else 2 ** (bits - 1) - 1
    if input_max is None:
        peak = np.abs(x).max(axis=1)
        full = np.where(peak > 0, peak, float(m))
        scale = np.where(peak > 0, full / m, 0.0)
    else:
        full = np.full(x.shape[0], float(input_max))
        scale = full / m
    lo = 0 if unsigned else -m
    return np.clip(round_ratio(x, m, full), lo, m).astype(np.int64), scale


def bits_per_read(dac):
    """input magnitude bits one read applies, from the DAC config"""
    magnitude = magnitude_bits(dac.input_bits, dac.signed_inputs)
    return {"parallel": magnitude, "bit_serial": 1}.get(dac.mode, dac.bits_per_read)


def magnitude_bits(bits, signed_inputs):
    """all bits when unsigned, all but the sign otherwise; a binary input (1 bipolar bit) has magnitude 1"""
    return bits if signed_inputs == "unsigned" or (signed_inputs == "bipolar" and bits == 1) else bits - 1


def planes(q, bits, mode, signed_inputs, k=None):
    """[(weight, plane of non-negative / signed int64 codes)] in the order the hardware applies them: the magnitude
    cut into digits of k bits (k = every magnitude bit when parallel, 1 when bit-serial), least significant first;
    where k does not divide the magnitude bits, the lowest digit holds the remainder (the others k bits each)."""
    magnitude = magnitude_bits(bits, signed_inputs)
    k = {"parallel": magnitude, "bit_serial": 1}.get(mode, k)
    n_digits = -(-magnitude // k)
    digits = range(n_digits)
    low_bits = magnitude - (n_digits - 1) * k  # the lowest digit's bits
    shifts = [0] + [low_bits + (j - 1) * k for j in range(1, n_digits)]
    widths = [low_bits] + [k] * (n_digits - 1)

    def digit(v, j):
        return (v // 2 ** shifts[j]) % 2 ** widths[j]

    if signed_inputs == "unsigned":
        return [(2 ** shifts[j], digit(q, j)) for j in digits]
    if signed_inputs == "bipolar":
        return [(2 ** shifts[j], np.sign(q) * digit(np.abs(q), j)) for j in digits]
    if signed_inputs == "twos_complement":
        u = np.mod(q, 2 ** bits)  # the two's complement word: low magnitude bits, then the sign bit
        low = np.mod(u, 2 ** magnitude)
        return [(2 ** shifts[j], digit(low, j)) for j in digits] + [(-(2 ** magnitude), u // 2 ** magnitude)]
    pos, neg = np.maximum(q, 0), np.maximum(-q, 0)
    return ([(2 ** shifts[j], digit(pos, j)) for j in digits]
            + [(-(2 ** shifts[j]), digit(neg, j)) for j in digits])


def currents(plane, cfg, k):
    """A read plane as its cells' currents in code units: top sinh(a c / top) / sinh(a) for a non-linear I-V curve
    (2 cosh(a / 2) = device.iv_nonlinearity, top = 2**k - 1; float32, as the crossbar holds it), else the plane:
    an ohmic cell, reads of 0 or full scale (k = 1), time-domain reads."""
    nl, top = cfg.device.iv_nonlinearity, 2 ** k - 1
    if nl == 2.0 or top == 1 or cfg.dac.encoding != "voltage":
        return plane
    a = 2 * np.arccosh(nl / 2)
    return np.sign(plane) * (top * np.sinh(a * np.abs(plane) / top) / np.sinh(a)).astype(np.float32)


def slice_bounds(bits_per_cell, stored_bits):
    """(lowest bit, width) of each weight slice, least significant first: bits_per_cell bits each from the top
    down, the remainder (where bits_per_cell does not divide the stored bits) in the lowest"""
    n = -(-stored_bits // bits_per_cell)
    low = stored_bits - (n - 1) * bits_per_cell
    return [(0, low)] + [(low + (k - 1) * bits_per_cell, bits_per_cell) for k in range(1, n)]


def slices(stored, bits_per_cell, stored_bits):
    """[(slice weight 2**lowest bit, the slice's levels)] of stored codes"""
    return [(2 ** lo, (stored >> lo) & (2 ** width - 1)) for lo, width in slice_bounds(bits_per_cell, stored_bits)]


def groups(n_in, rows, rows_per_read):
    out = []
    for tile in range(0, n_in, rows):
        for s in range(tile, min(n_in, tile + rows), rows_per_read):
            out.append((s, min(n_in, tile + rows, s + rows_per_read)))
    return out


def adc(a, lsb, code_min, code_max, gain=0.0, offset_lsb=0.0, inl_lsb=0.0):
    if gain or offset_lsb or inl_lsb:
        u = np.minimum(np.abs(a) / (lsb * code_max), 1.0)
        a = a * (1.0 + gain) + offset_lsb * lsb + np.sign(a) * 4.0 * inl_lsb * lsb * u * (1.0 - u)
    half = code_max % 1 if np.isfinite(code_max) else 0.0  # 1/2 for a sign comparator: codes +/-1/2
    x = a * (1.0 / lsb)  # a tie goes up, but at a sign comparator's threshold (x = 0): the mean of its codes, 0
    return np.clip(np.floor(x + (0.5 - half)) + np.where(x != 0.0, half, 0.0), code_min, code_max)


def stored_bits(cfg):
    """bits of the unsigned code a weight's cells store: its magnitude's in a differential pair"""
    m = cfg.mapping
    return max(1, m.weight_bits - 1 if m.signed_encoding == "differential" else m.weight_bits)


def cell_levels(cfg):
    """(highest level of a cell, slices per weight, conductance step in uS) of a config"""
    dev = cfg.device
    max_level = 2 ** dev.bits_per_cell - 1
    return max_level, -(-stored_bits(cfg) // dev.bits_per_cell), (dev.g_max_us - dev.g_min_us) / max_level


def mvm(w, x, cfg, full_scale=None):
    """Reference analog MVM for a config (ideal devices); returns (y, lsb).

    Accumulates in the order the hardware's digital logic does: row group, then input plane, then the
    converted columns of one output (slices; the second polarity; then its tile's reference columns).
    """
    m, d, dev, arr, ad = cfg.mapping, cfg.dac, cfg.device, cfg.array, cfg.adc
    qw, sw = weight_codes(w, m.weight_bits, m.weight_scale == "per_output")
    unsigned = d.signed_inputs == "unsigned"
    qx, sx = input_codes(x, d.input_bits, d.input_max, unsigned)
    bpc = dev.bits_per_cell
    max_level, n_slices, step = cell_levels(cfg)
    r = 0.0 if arr.family == "digital" else dev.g_min_us / step  # the floor a sum carries: none in a digital array
    analog = m.subtraction == "analog"
    k = bits_per_read(d)
    read_planes = planes(qx, d.input_bits, d.mode, d.signed_inputs, k)
    input_planes = [(pw, currents(plane, cfg, k)) for pw, plane in read_planes]
    accumulate = ad.accumulation in ("planes", "planes_and_slices")
    sum_slices = ad.accumulation in ("slices", "planes_and_slices")
    magnitude = magnitude_bits(d.input_bits, d.signed_inputs)
    # largest code a read applies; with accumulation, the largest |weighted sum of an input's planes|: the largest
    # |code| (two's complement codes are symmetric too)
    full = 2 ** magnitude - 1
    cmax = full if accumulate else 2 ** k - 1
    signed = analog or d.signed_inputs == "bipolar" or (accumulate and any(pw < 0 for pw, _ in input_planes))
    rpr = min(arr.rows_per_read * ad.groups_per_conversion, arr.rows)  # rows summed into one conversion
    if full_scale is None:
        full_scale = rpr * cmax * (max_level + (0 if analog else r))
        if sum_slices:  # a summed column holds up to sum_s 2**(lowest bit of s) x (top level of s + r)
            bounds = slice_bounds(bpc, stored_bits(cfg))
            full_scale = rpr * cmax * sum(2 ** lo * (2 ** width - 1 + (0 if analog else r)) for lo, width in bounds)
        if analog and m.signed_encoding == "offset":  # a column less its reference: its largest distance from
            # it over every code a weight takes, by brute force (summed slices: their weighted sum)
            off, half = 2 ** (m.weight_bits - 1), 2 ** (m.weight_bits - 1) - 1
            digits = slices(np.arange(off - half, off + half + 1), bpc, stored_bits(cfg))
            refs = slices(np.int64(off), bpc, stored_bits(cfg))
            gaps = [(sk, lv - ref) for (sk, lv), (_, ref) in zip(digits, refs)]
            span = (np.abs(sum(sk * gap for sk, gap in gaps)).max() if sum_slices
                    else max(np.abs(gap).max() for _, gap in gaps))
            full_scale = rpr * cmax * span
        if ad.range == "fixed":
            full_scale *= ad.full_scale_fraction
    codes = (2 ** (ad.bits - 1) - 1 if ad.bits > 1 else 0.5) if signed else 2 ** ad.bits - 1
    lsb = full_scale / codes
    if lsb < 1.0:  # codes to spare: the step 2**-k, k the largest with full_scale x 2**k <= codes (1 for a 0 range)
        k = 0
        while full_scale > 0 and full_scale * 2.0 ** (k + 1) <= codes:
            k += 1
        lsb = 2.0 ** -k
    lo, hi = (-codes if signed else 0), codes
    if arr.family == "digital":  # an adder tree: exact sums
        lsb, lo, hi = 1.0, -np.inf, np.inf
    n_out = w.shape[0]
    per_array = (arr.cols - (n_slices if m.signed_encoding == "offset" else 0)) // (
        n_slices * (2 if m.signed_encoding == "differential" else 1))

    def conv(a):
        return adc(a, lsb, lo, hi, ad.gain_error, ad.offset_lsb, ad.inl_lsb)

    def converted(terms, rs=None, step=lsb):
        """[(weight, code x step)] of the slice terms [(2**(s x bpc), integer part of the analog value)]: each
        converted, or (slice accumulation) their weighted sum converted once, with weight 1. An unsubtracted
        column adds g_min's share (r x its slice weights) x the row sum ``rs``, as the crossbar's ``col_r`` does.
        ``step`` 1: the codes, for a weight that is no power of two (the crossbar multiplies it by the code first)."""
        def g_min_share(weight_sum):
            return 0.0 if rs is None else (r * weight_sum) * rs

        if sum_slices:
            return [(1, conv(sum(sk * a for sk, a in terms) + g_min_share(sum(sk for sk, _ in terms))) * step)]
        return [(sk, conv(a + g_min_share(1)) * step) for sk, a in terms]

    acc = np.zeros((x.shape[0], n_out))
    # analog accumulation: the weighted planes are summed before the one conversion; by linearity that is one read
    # of the summed codes
    reads = [(1, sum(pw * plane for pw, plane in input_planes))] if accumulate else input_planes
    for s, e in groups(w.shape[1], arr.rows, rpr):
        for pw, plane in reads:
            xg = plane[:, s:e]
            rowsum = xg.sum(axis=1, keepdims=True).astype(np.float64)

            def column(levels):  # integer part of the columns holding levels (out x in)
                return (xg @ levels[:, s:e].T).astype(np.float64)

            if m.signed_encoding == "differential":
                pos = slices(np.maximum(qw, 0), bpc, stored_bits(cfg))
                neg = slices(np.maximum(-qw, 0), bpc, stored_bits(cfg))
                if analog:
                    for sk, v in converted([(sk, (xg @ (lp - ln)[:, s:e].T).astype(np.float64))
                                            for (sk, lp), (_, ln) in zip(pos, neg)]):
                        acc += pw * sk * v
                else:
                    for sign, sl in ((1, pos), (-1, neg)):
                        for sk, v in converted([(sk, column(lv)) for sk, lv in sl], rowsum):
                            acc += pw * (sign * sk) * v
            elif m.signed_encoding == "twos_complement":  # q mod 2**bits, a bit per cell; the sign bit weighs -2**(b-1)
                data = slices(qw % 2 ** m.weight_bits, bpc, stored_bits(cfg))
                for k_s, (sk, v) in enumerate(converted([(sk, column(lv)) for sk, lv in data], rowsum)):
                    acc += pw * (-sk if k_s == n_slices - 1 else sk) * v
            else:
                off = 2 ** (m.weight_bits - 1)
                wstep = 2 if m.weight_bits == 1 else 1  # a binary weight stores (q + 1) / 2: q = 2 b - 1
                data = slices((qw + off) // wstep, bpc, stored_bits(cfg))
                refs = slices(np.int64(off), bpc, stored_bits(cfg))
                if analog:
                    for sk, v in converted([(sk, (xg @ (lv - ref)[:, s:e].T).astype(np.float64))
                                            for (sk, lv), (_, ref) in zip(data, refs)]):
                        acc += pw * sk * v
                else:
                    for sk, v in converted([(sk, column(lv)) for sk, lv in data], rowsum):
                        acc += pw * sk * wstep * v
                    # the reference weighs (1 + 2 r) / (1 + r) beside binary data columns of weight 2: the g_min
                    # floor r x rowsum of every column read cancels
                    ref_w = (1.0 + 2.0 * r) / (1.0 + r) if wstep == 2 else 1.0
                    for first in range(0, n_out, per_array):
                        for sk, code in converted([(sk, float(ref) * rowsum) for sk, ref in refs], rowsum, 1.0):
                            acc[:, first:first + per_array] += pw * (-sk * ref_w) * code * lsb
    return acc * sx[:, None] * sw[None, :], lsb


def cell_levels_matrix(w, cfg, col_tiles):
    """the stored level of every used cell (in x physical columns): one column per (polarity, slice, output), then
    the reference columns of every column tile"""
    m, dev = cfg.mapping, cfg.device
    qw, _ = weight_codes(w, m.weight_bits, m.weight_scale == "per_output")
    bpc = dev.bits_per_cell
    _, n_slices, _ = cell_levels(cfg)
    if m.signed_encoding == "differential":
        stored = [np.maximum(qw, 0), np.maximum(-qw, 0)]
        ref_cols = []
    elif m.signed_encoding == "twos_complement":
        stored, ref_cols = [qw % 2 ** m.weight_bits], []
    else:
        off = 2 ** (m.weight_bits - 1)
        stored = [(qw + off) // (2 if m.weight_bits == 1 else 1)]
        ref_cols = [lv for _, lv in slices(np.full(w.shape[1], off), bpc, stored_bits(cfg))] * col_tiles
    cols = [lv[j] for st in stored for _, lv in slices(st, bpc, stored_bits(cfg)) for j in range(w.shape[0])] + ref_cols
    return np.array(cols, dtype=np.float64).T


def gv2t_fj(w, x, cfg, col_tiles):
    """sum over reads and every used cell of G * V**2 * t, from an explicit conductance matrix (fJ)."""
    d, dev = cfg.dac, cfg.device
    qx, _ = input_codes(x, d.input_bits, d.input_max, d.signed_inputs == "unsigned")
    _, _, step = cell_levels(cfg)
    g = dev.g_min_us + step * cell_levels_matrix(w, cfg, col_tiles)
    k = bits_per_read(d)
    total = 0.0
    for _, plane in planes(qx, d.input_bits, d.mode, d.signed_inputs, k):
        if d.encoding == "voltage":  # V I: V = V_read code / c_max, I = G V_read current / c_max
            energy = plane * currents(plane, cfg, k).astype(np.float64) * (dev.read_voltage_v / (2 ** k - 1)) ** 2
        else:  # |code| unit pulses at V_read
            energy = np.abs(plane).astype(np.float64) * dev.read_voltage_v ** 2
        total += float((energy @ g).sum()) * dev.read_pulse_ns
    return total


def cell_activity(w, x, cfg, col_tiles):
    """sum over reads and every used cell of (code / c_max)**2 (level / max level), from explicit cells"""
    d = cfg.dac
    qx, _ = input_codes(x, d.input_bits, d.input_max, d.signed_inputs == "unsigned")
    max_level, _, _ = cell_levels(cfg)
    fractions = cell_levels_matrix(w, cfg, col_tiles) / max_level
    k = bits_per_read(d)
    return sum(float(((plane.astype(np.float64) / (2 ** k - 1)) ** 2 @ fractions).sum())
               for _, plane in planes(qx, d.input_bits, d.mode, d.signed_inputs, k))
