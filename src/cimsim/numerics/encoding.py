"""Weights and inputs as the array sees them: quantised codes, cell levels per slice, DAC input planes.

Quantisation is symmetric: a real value v with full scale P (the peak |value| or a given maximum) becomes
clip(round_half_away(v m / P), -m, m) with m = 2**(bits-1) - 1, so the code range is [-m, m] and v is approximately
code * s, s = P / m. A value exactly half-way between two codes rounds away from zero whatever the rounding of
m / P or s (the kernels' quotient is never below the exact one: :mod:`._input_kernels`, Rounding).
"""

from __future__ import annotations

import functools

import numpy as np

from .. import iv_curve as iv
from ..argcheck import check_bool, check_int, check_real, checked_types
from ..config.modes import InputEncoding, InputRange, SignedEncoding, SignedInputs
from ..config.schema import DacConfig
from ..mapping import Plan
from . import _input_kernels
from .checks import as_array, real_numbers
from .threads import scratch

__all__ = ["quantize_weights", "quantize_inputs", "binary_scale", "weight_levels", "SIGN_MODES", "dac_layout",
           "prepare_planes", "accumulate_planes", "TinyRows", "normal_rows", "with_normal_rows", "unshifted"]

SIGN_MODES = {"two_phase": 0, "bipolar": 1, "twos_complement": 2, "unsigned": 3}
"""signed_inputs -> sign handling code of the input-plane kernel's general (sliced) layout"""


@checked_types
def dac_layout(plan: Plan) -> int:
    """Plane layout code of the input-plane kernel for ``plan``: a specialised kernel for the four classic cases
    (0: one read, two phases; 1: one read of q; 2: bit-serial two-phase; 3: bit-serial two's complement), the
    general sliced kernel (4) otherwise."""
    whole = plan.bits_per_read == plan.magnitude_bits
    if whole and plan.signed_inputs == SignedInputs.TWO_PHASE:
        return 0
    if whole and plan.signed_inputs in (SignedInputs.BIPOLAR, SignedInputs.UNSIGNED):
        return 1
    if plan.bits_per_read == 1 and plan.signed_inputs == SignedInputs.TWO_PHASE:
        return 2
    if plan.bits_per_read == 1 and plan.signed_inputs == SignedInputs.TWOS_COMPLEMENT:
        return 3
    return 4


_NORMALISED_BELOW = 2.0 ** -900
"""rows whose peak |value| lies below this are brought up by a power of two before they are quantised (their scale,
peak / (2**16 - 1) at most, stays above _input_kernels.TINY_SCALE)"""


class TinyRows(Exception):
    """Some vector's peak is too small for its own scale (:data:`._input_kernels.TINY_SCALE`)."""


def _check_peaks(peak: np.ndarray, max_code: float) -> None:
    if ((peak > 0) & (peak < _input_kernels.TINY_SCALE * max_code)).any():
        raise TinyRows


def normal_rows(a: np.ndarray, peak: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``a`` with each row whose ``peak`` (default: its max |value|) is below 2**-900 times 2**shift, which brings
    that peak to [0.5, 1) exactly (a power of two), and the shift per row (int64); (``a``, None) when no row is.
    Quantised by its own peak, such a row gets the codes of its normal-range twin; :func:`unshifted` brings the
    products back."""
    peak = np.abs(a).max(axis=1, initial=0.0) if peak is None else peak
    tiny = (peak > 0) & (peak < _NORMALISED_BELOW)
    if not tiny.any():
        return a, None
    shift = np.where(tiny, -np.frexp(peak)[1], 0).astype(np.int64)
    return np.ldexp(a, shift[:, None]), shift


def fixed_input_max(dac: DacConfig) -> float | None:
    """The full-scale input every vector shares where ``dac.input_range`` is "fixed"; None: each vector's own."""
    return dac.input_max if dac.input_range == InputRange.FIXED else None


_CLIP_COUNT_BLOCK = 1 << 16
"""values per block :func:`fixed_range_tally` compares at once (a temporary of this size, not of the whole batch)"""


def fixed_range_tally(x: np.ndarray, plan: Plan, dac: DacConfig) -> tuple[int, int, int]:
    """(values the DAC saturates, nonzero values the range reads as code 0, nonzero values) of ``x`` (batch x in,
    finite) against its fixed full scale :func:`fixed_input_max` of ``dac``, m ``plan``'s largest input code:
    saturated, those beyond full scale by half a step or more (|x| m >= (m + 1/2) input_max), which would round past
    the top code; coded 0 by the range, those below half a step (|x| m < input_max / 2) that are not 0, where the
    range lies at least twice above the largest |x| (else none: the inputs' precision, not the range, codes them 0,
    as :func:`cimsim.run.zero_coded_inputs_note` has it). (0, 0, 0) without a fixed range (each vector scaled by its
    own range: none clips, none is lost) and for ``plan``'s binary inputs (each read as sign(x) x input_max). A value
    nearer full scale rounds to the top code as any value rounds to its code (a float32 input_max of 0.3, 1.2e-8
    above it, had been counted)."""
    input_max = fixed_input_max(dac)
    if input_max is None or plan.binary_inputs or x.size == 0:
        return 0, 0, 0
    m, rows, tally, peak = plan.max_input_code, max(1, _CLIP_COUNT_BLOCK // x.shape[1]), [0, 0, 0], 0.0
    for k in range(0, x.shape[0], rows):
        with np.errstate(over="ignore"):  # a finite |x| near float64's largest times m: inf, saturated as it is
            scaled = np.abs(x[k:k + rows]) * m
        nonzero, peak = int(np.count_nonzero(scaled)), max(peak, float(scaled.max()))
        tally[0] += int(np.count_nonzero(scaled >= (m + 0.5) * input_max))
        tally[1] += int(np.count_nonzero(scaled < 0.5 * input_max)) - (scaled.size - nonzero)
        tally[2] += nonzero
    return tally[0], tally[1] if 2 * peak <= m * input_max else 0, tally[2]


def with_normal_rows(call, x: np.ndarray):
    """(``call(x)``, None), or where some row of ``x`` is too small for its scale (:class:`TinyRows`),
    (``call`` of :func:`normal_rows` of ``x``, the rows' shifts)."""
    try:
        return call(x), None
    except TinyRows:
        x, shift = normal_rows(x)
        return call(x), shift


def unshifted(out: np.ndarray, row_shift: np.ndarray | None, col_shift: np.ndarray | None) -> np.ndarray:
    """Products ``out`` (rows x columns) of operands brought up by 2**row_shift and 2**col_shift (None: 0), at
    their own scale: one exact power-of-two step (rounded once where the result is subnormal)."""
    if row_shift is None and col_shift is None:
        return out
    rows = np.zeros(out.shape[0], np.int64) if row_shift is None else row_shift
    cols = np.zeros(out.shape[1], np.int64) if col_shift is None else col_shift
    return np.ldexp(out, -(rows[:, None] + cols[None, :]))


def _operand(name: str, a, bits, max_bits: int) -> tuple[np.ndarray, int]:
    """(``a`` as a float64 matrix, ``bits`` as an int in [1, max_bits]); a ValueError naming a bad one (only the
    shape and type are checked here: the crossbar checks every value before it quantises)"""
    a = real_numbers(name, np.asarray(a))  # booleans refused, as everywhere weights and inputs are given
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array of real numbers; got shape {a.shape}, dtype {a.dtype}")
    return a.astype(np.float64, copy=False), check_int(f"{name} bits", bits, 1, max_bits)


def _checked_matrix(name: str, a, rows: int) -> np.ndarray:
    """``a`` as a finite float64 matrix of at least ``rows`` rows and one column, or a ValueError naming it: the
    public quantisers' check (the crossbar checks its operands before it quantises them)"""
    a, _ = _operand(name, as_array(name, a), 1, 1)
    if a.shape[0] < rows or a.shape[1] == 0:
        raise ValueError(f"{name} must have at least {'one row and ' if rows else ''}one column; got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return a


def quantize_weights(w, bits: int, per_output: bool) -> tuple[np.ndarray, np.ndarray]:
    """Signed weight codes (int64, out x in) and their scale per output (float64, out) of finite weights ``w``
    (:func:`_quantize_weights`), or a ValueError naming a bad argument."""
    return _quantize_weights(_checked_matrix("weights", w, 1), bits, check_bool("per_output", per_output))


def quantize_inputs(x, bits: int, input_max: float | None, unsigned: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Input codes (int32, batch x in) and their scale per vector (float64, batch) of finite inputs ``x``
    (:func:`_quantize_inputs`; ``input_max`` None or > 0, ``unsigned`` inputs >= 0), or a ValueError naming a bad
    argument."""
    x = _checked_matrix("inputs", x, 0)
    input_max = None if input_max is None else check_real("input_max", input_max, 0.0, low_open=True)
    if check_bool("unsigned", unsigned) and (x < 0).any():
        raise ValueError(f"inputs must be >= 0 when unsigned; the smallest is {x.min():.6g}")
    try:
        return _quantize_inputs(x, bits, input_max, unsigned)
    except TinyRows:
        raise ValueError("inputs: a vector's max |x| is too small to quantise at its own scale (below about 1e-289 "
                         "times its largest code); scale the inputs up (only ratios matter to the codes)") from None


def _quantize_weights(w: np.ndarray, bits: int, per_output: bool) -> tuple[np.ndarray, np.ndarray]:
    """Signed weight codes (int64, out x in) and their scale per output (float64, out); ``w`` is not scanned.

    The codes are round_half_away(w m / P) (:func:`._input_kernels.quantize_rows`), P = max|W| over the whole
    tensor or over each output row, and the scale P / m; an all-zero tensor or row gets codes 0 and scale 0, so its
    outputs are 0 whatever its cells add (a pruned output on noisy devices: no noise at a made-up scale).
    Binary weights (``bits`` = 1) are sign(W) in {-1, +1} (0 -> +1) with the scale mean|W| (XNOR-Net, Rastegari
    et al., ECCV 2016: the scale that minimises the L2 error; 0 for an all-zero row, which no sign can represent).
    """
    w, bits = _operand("weights", w, bits, 16)
    if bits == 1:
        mean = np.abs(w).mean(axis=1) if per_output else np.full(w.shape[0], np.abs(w).mean())
        return np.where(w < 0, -1, 1).astype(np.int64), mean
    m = 2 ** (bits - 1) - 1
    peak = np.abs(w).max(axis=1) if per_output else np.full(w.shape[0], np.abs(w).max())
    # each row and its P brought to P in [0.5, 1) by a power of two (exact; the codes do not change), so m / P is a
    # normal float however small or large the weights
    exp = np.frexp(peak)[1]
    codes = np.empty(w.shape, dtype=np.int32)
    _input_kernels.quantize_rows(np.ldexp(w, -exp[:, None]), np.where(peak > 0, np.ldexp(peak, -exp), 1.0), float(m),
                                 codes)
    return codes.astype(np.int64), np.where(peak > 0, peak / m, 0.0)


def binary_scale(x: np.ndarray, input_max: float | None) -> np.ndarray:
    """Scale per vector of binary inputs: ``input_max``, or (None) the vector's mean |x| (XNOR-Net's, the scale that
    minimises the L2 error of sign(x) x scale; computed as max |x| x mean(|x| / max |x|), which cannot overflow; 0
    for an all-zero vector, whose codes are all +1)."""
    if input_max is not None:
        return np.full(x.shape[0], float(input_max))
    peak = np.abs(x).max(axis=1, initial=0.0)
    _check_peaks(peak, 1.0)
    safe = np.where(peak > 0, peak, 1.0)
    return safe * (np.abs(x) / safe[:, None]).mean(axis=1)


def _quantize_inputs(x: np.ndarray, bits: int, input_max: float | None,
                     unsigned: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Input codes (int32, batch x in) and their scale per vector (float64, batch; 0 for an all-zero vector without
    ``input_max``); ``x`` is not scanned.

    ``input_max = None``: each vector's own max |x| maps to full scale. Otherwise input_max does, and
    larger values clip. Signed codes are in [-m, m] with m = 2**(bits-1) - 1; ``unsigned`` codes (inputs
    >= 0) in [0, 2**bits - 1]; binary inputs (1 bit, signed) are sign(x) in {-1, +1} (0 -> +1) with the scale
    :func:`binary_scale`.
    """
    x, bits = _operand("inputs", x, bits, 16)
    if bits == 1 and not unsigned:
        return np.where(x >= 0, 1, -1).astype(np.int32), binary_scale(x, input_max)
    m = 2 ** bits - 1 if unsigned else 2 ** (bits - 1) - 1
    if input_max is None:
        peak = np.maximum(x.max(axis=1), -x.min(axis=1))  # max |x| without an array of |x|: 2.5x faster
        _check_peaks(peak, m)
        full = np.where(peak > 0, peak, m)  # an all-zero vector: codes 0, and scale 0 (its outputs 0, noise too)
    else:
        peak, full = None, np.full(x.shape[0], float(input_max))
    codes = np.empty(x.shape, dtype=np.int32)
    _input_kernels.quantize_rows(x, full, float(m), codes)
    return codes, full / m if peak is None else np.where(peak > 0, full / m, 0.0)


@checked_types
def weight_levels(codes, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """The cell levels of weight ``codes`` (integers, out x in, in [-m, m] as :func:`quantize_weights` gives them;
    -1 or +1 for binary weights) on ``plan`` (:func:`_weight_levels`), or a ValueError naming codes."""
    codes = as_array("codes", codes)
    shape, m = (plan.out_features, plan.in_features), 2 ** (plan.weight_bits - 1) - 1
    if codes.dtype.kind not in "iu" or codes.shape != shape:
        raise ValueError(f"codes must be integers of shape (out, in) = {shape}; got {codes.dtype} {codes.shape}")
    if plan.weight_bits == 1 and not np.isin(codes, (-1, 1)).all():
        raise ValueError("codes of binary weights must be -1 or +1")
    if codes.size and (codes.min() < -m or codes.max() > m):
        raise ValueError(f"codes of {plan.weight_bits}-bit weights must lie in [-{m}, {m}]; got {codes.min()} to "
                         f"{codes.max()}")
    return _weight_levels(codes, plan)


def _weight_levels(codes: np.ndarray, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Cell levels of every slice: (polarities x slices x in x out) uint8 (a cell holds at most 8 bits: one byte
    per cell, not eight), and the reference levels (slices,), uint8.

    differential: polarity 0 holds max(q, 0), polarity 1 holds max(-q, 0); no reference columns.
    offset: one polarity holding q + 2**(bits-1) ((q + 1) / 2 for binary weights); each array has one reference
    column per slice holding the slices of the offset. twos_complement: one polarity holding q mod 2**bits (its
    two's-complement bits); no reference columns. Slice k holds the stored code's bits from
    ``plan.weight_slices[k][0]`` on: bits_per_cell of them, the remainder in slice 0 (:mod:`cimsim.bit_slices`).
    """
    codes = np.ascontiguousarray(np.asarray(codes).T, dtype=np.int32)  # in x out, as the levels are laid out
    offset = 0
    if plan.signed_encoding == SignedEncoding.DIFFERENTIAL:
        stored = np.stack([np.maximum(codes, 0), np.maximum(-codes, 0)])
    elif plan.signed_encoding == SignedEncoding.TWOS_COMPLEMENT:
        stored = (codes & (2 ** plan.weight_bits - 1))[None]
    else:
        offset = plan.weight_offset
        stored = ((codes + offset) // plan.weight_step)[None]
    stored = stored.astype(np.uint16)  # at most 16 weight bits: below 2**16
    levels = np.empty((stored.shape[0], plan.n_slices, *codes.shape), dtype=np.uint8)
    for k, (shift, top) in enumerate(plan.weight_slices):  # slice by slice, in 16 bits: no wider array of every cell
        levels[:, k] = (stored >> shift) & top  # top: the slice's highest level, its bits' mask
    offset_code = plan.signed_encoding == SignedEncoding.OFFSET
    ref = [(offset >> shift) & top for shift, top in plan.weight_slices] if offset_code else []
    return levels, np.array(ref, dtype=np.uint8)


@functools.lru_cache(maxsize=256)
def _read_layout(plan: Plan) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(the first input of every conversion group, then the input count; the read levels of a non-linear cell or
    None; the plane layout code) of ``plan``: every read asks, so each plan's are made once (not to be changed)"""
    starts = np.array([g[0] for g in plan.conversion_groups()] + [plan.in_features], dtype=np.int64)
    return starts, iv.read_levels(plan), dac_layout(plan)


@checked_types
def prepare_planes(plan: Plan, x: np.ndarray, input_max: float | None, zero_point: int | None = None,
                   energy: np.ndarray | None = None):
    """Quantised DAC planes of ``x`` (n_planes x batch x in, float32, a work array of this thread; with
    ``zero_point``, uint8 for the int8 units: the codes of signed planes shifted by it) and per-row input scales,
    per-group squared sums of every plane row, per-input squared codes and the count of non-zero codes
    (:func:`._input_kernels.prepare_inputs`); a ValueError for non-finite inputs, :class:`TinyRows` for a vector
    too small for its scale. Cells with a non-linear I-V curve bend the planes into currents
    (:mod:`cimsim.iv_curve`; float32 planes even with ``zero_point``, squared currents per group; the squared codes
    stay codes). ``energy`` (float64, in), if given, gets added per input what its cells' V**2 t grows with, summed
    over the plane rows: the squared code (voltage inputs), its unit pulses |code| (time-domain inputs), code x
    current (a non-linear cell)."""
    batch = x.shape[0]
    starts, levels, layout = _read_layout(plan)
    shape = (plan.n_planes, batch, plan.in_features)
    zero_point = None if levels is not None else zero_point
    planes = scratch("planes", shape, np.float32) if zero_point is None else scratch("planes8", shape, np.uint8)
    if plan.binary_inputs:
        prepared = _binary_planes(x, input_max, int(zero_point or 0), np.diff(starts), planes)
        if energy is not None:
            energy += prepared[3]  # every code is +/-1: it squares to 1, one unit pulse
        return prepared
    scale = np.empty(batch)
    row_sq = np.empty((len(starts) - 1, plan.n_planes * batch))
    code_sq = np.zeros(((batch + _input_kernels.ROW_BLOCK - 1) // _input_kernels.ROW_BLOCK, plan.in_features))
    status, nonzero = _input_kernels.prepare_inputs(
        x, float(plan.max_input_code), -1.0 if input_max is None else float(input_max), layout,
        plan.input_bits, plan.bits_per_read, SIGN_MODES[plan.signed_inputs], starts, planes, scale, row_sq, code_sq,
        int(zero_point or 0))
    if status == 1:
        raise ValueError("inputs holds NaN or infinite values")
    if status == 2:
        raise TinyRows
    code_sq = term = code_sq.sum(axis=0)
    if levels is not None:
        row_sq, term = iv._bend_planes(levels, planes, starts)  # planes and starts made here
    elif energy is not None and plan.dac_encoding != InputEncoding.VOLTAGE:
        term = np.abs(planes).sum(axis=(0, 1), dtype=np.float64)  # a time-domain code's unit pulses
    if energy is not None:
        energy += term
    return planes, scale, row_sq, code_sq, int(nonzero)


def _binary_planes(x: np.ndarray, input_max: float | None, zero_point: int, group_rows: np.ndarray,
                   planes: np.ndarray):
    """:func:`prepare_planes` for binary inputs: one plane of sign(x) (0 -> +1, plus ``zero_point``); every code
    squares to 1, so each group's squared sum is its rows and every code is non-zero."""
    if not np.isfinite(x).all():
        raise ValueError("inputs holds NaN or infinite values")
    np.copyto(planes[0], np.where(x >= 0, 1 + zero_point, zero_point - 1), casting="unsafe")
    row_sq = np.repeat(group_rows.astype(np.float64)[:, None], x.shape[0], axis=1)
    return planes, binary_scale(x, input_max), row_sq, np.full(x.shape[1], float(x.shape[0])), x.size


@checked_types
def accumulate_planes(plan: Plan, sums: np.ndarray) -> np.ndarray:
    """The analog sum of every plane of a row group weighted by its plane weight (float64, batch x columns): what
    a binary-weighted charge accumulation holds before its one conversion (exact for integer sums)."""
    stacked = sums.reshape(plan.n_planes, -1, sums.shape[1])
    return np.tensordot(plan.plane_weights, stacked, axes=1)
