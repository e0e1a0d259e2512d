"""How far the analog results are from a reference: relative error and SNR, accumulated block by block."""

from __future__ import annotations

import contextlib
import math
import sys
from dataclasses import dataclass

import numpy as np

__all__ = ["ErrorStats"]


_SAFE_EXPONENT = 200
"""a row (an output vector) whose largest magnitude lies within 2**-200 .. 2**200 is squared as it is; beyond, it
is scaled by a power of two first, so its squares neither overflow nor underflow (outputs of 1e-300 would otherwise
give a relative error of 0 / 0)"""
_UNIT_EXPONENT = -1127
"""the sums of squares are integers in units of 2**-1127 x 4**exponent: every float64, subnormal or not, is a whole
number of them (a 53-bit mantissa at a binary exponent of -1074 - 53 at least), so the rows' sums add exactly"""
_SLICE = 2 ** 25
"""row sums added per binary exponent in one float64 bincount: 27-bit halves of their mantissas, at most 2**25 of
them, sum below 2**53, exactly"""


def _rows(x: np.ndarray) -> np.ndarray:
    """``x`` as float64 rows along its first axis (a vector's elements each a row of one)"""
    x = np.ascontiguousarray(x, dtype=np.float64)
    return x.reshape(x.shape[0] if x.ndim else 1, math.prod(x.shape[1:]))


def _row_peaks(rows: np.ndarray) -> np.ndarray:
    """each row's largest magnitude (a row of one value: its own, without numpy's reduction per row, slow on them)"""
    return np.abs(rows[:, 0]) if rows.shape[1] == 1 else np.abs(rows).max(axis=1, initial=0.0)


def _exact_sum(row_sums: np.ndarray, shifts: np.ndarray) -> int:
    """sum of ``row_sums`` (float64, >= 0) x 2**``shifts`` in units of 2**_UNIT_EXPONENT, exactly (shifts >= 0)"""
    mantissa, exponent = np.frexp(row_sums)
    top = mantissa * 2.0 ** 27  # the 53-bit mantissa's 27 high bits, then its 26 low ones (exact in float64)
    high_bits = np.floor(top)
    low_bits = (top - high_bits) * 2.0 ** 26
    at = exponent - 53 - _UNIT_EXPONENT + shifts  # >= 1: the units lie below every float64
    total = 0
    for a in range(0, at.size, _SLICE):
        k = at[a:a + _SLICE]
        high = np.bincount(k, weights=high_bits[a:a + _SLICE])
        low = np.bincount(k, weights=low_bits[a:a + _SLICE])
        for b in np.flatnonzero(high + low):
            total += ((int(high[b]) << 26) + int(low[b])) << int(b)
    return total


def _value(units: int, exponent: int) -> float:
    """``units`` of 2**_UNIT_EXPONENT x 4**``exponent`` as a float64 (int / int: rounded once), inf beyond it"""
    try:
        if exponent >= 0:
            return (units << 2 * exponent) / (1 << -_UNIT_EXPONENT)
        return units / (1 << (-_UNIT_EXPONENT - 2 * exponent))
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class ErrorStats:
    """Sums of squares of a reference and of the error against it, over every output seen.

    relative_error = ||y - ref|| / ||ref|| (Frobenius); snr_db = 10 log10(sum ref**2 / sum (y - ref)**2).
    Each row's (output vector's) sums are numpy's, which the row alone sets, scaled by a power of two where it lies
    beyond 2**+-200; the rows' sums add exactly, as integers in units of 2**-1127 x 4**exponent (exponent: the
    smallest scale of a row that adds any). So the statistics hold for outputs of any finite magnitude and are the
    same however the rows are split into blocks (a batch size, workers) and in whatever order the blocks come.
    """

    signal_units: int = 0
    error_units: int = 0
    max_abs_error: float = 0.0
    outputs: int = 0
    exponent: int = 0

    def add(self, y: np.ndarray, ref: np.ndarray) -> "ErrorStats":
        """These statistics with the outputs ``y`` against ``ref`` added; a ValueError when either is not finite
        or their difference overflows float64 (an overflow is an error, never a NaN or a null in a report), or
        when their shapes differ (one is never broadcast against the other)."""
        y, ref = np.asarray(y), np.asarray(ref)
        if y.shape != ref.shape:
            raise ValueError(f"y and ref must have the same shape; got {y.shape} and {ref.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            ref_rows, err_rows = _rows(ref), _rows(y - ref)
            err_peaks = _row_peaks(err_rows)
            peaks = np.maximum(_row_peaks(ref_rows), err_peaks)
            max_err = float(err_peaks.max(initial=0.0))
            peak = max(float(peaks.max(initial=0.0)), max_err)
        if not (math.isfinite(peak) and math.isfinite(max_err)):  # max(1.0, nan) is 1.0
            if np.isnan(y).any() or np.isnan(ref).any():
                raise ValueError("y or ref holds NaN: error statistics need finite outputs")
            raise ValueError("the results overflow float64: the weights and inputs are too large for their "
                             "products; scale them down (only ratios matter to the quantised crossbars)")
        scale = np.frexp(peaks)[1].astype(np.int64)
        scale[np.abs(scale) <= _SAFE_EXPONENT] = 0
        if scale.any():
            ref_rows, err_rows = np.ldexp(ref_rows, -scale[:, None]), np.ldexp(err_rows, -scale[:, None])
        # numpy's pairwise sum along a row: the same for the row alone as in a block (einsum's is not, for rows
        # of more than 8192 values)
        signal, error = (r[:, 0] * r[:, 0] if r.shape[1] == 1 else np.sum(r * r, axis=1) for r in (ref_rows, err_rows))
        held = (signal > 0) | (error > 0)
        exponent = int(scale[held].min()) if held.any() else 0
        shifts = 2 * (scale - exponent) * held  # (a row of no sum: its shift is none)
        return self + ErrorStats(_exact_sum(signal, shifts), _exact_sum(error, shifts), max_err, y.size, exponent)

    def __add__(self, other: "ErrorStats") -> "ErrorStats":
        """the statistics of both sets of outputs together (sums brought to the smaller exponent of the two that
        hold any: a shift, exact)"""
        exponent = min((s.exponent for s in (self, other) if s.signal_units or s.error_units), default=0)

        def units(a: int, b: int) -> int:  # (a shift is negative only for a sum of 0)
            mine, theirs = 2 * (self.exponent - exponent), 2 * (other.exponent - exponent)
            return (a << mine if a else 0) + (b << theirs if b else 0)

        return ErrorStats(units(self.signal_units, other.signal_units), units(self.error_units, other.error_units),
                          max(self.max_abs_error, other.max_abs_error), self.outputs + other.outputs, exponent)

    @property
    def signal_sq(self) -> float:
        """sum of ref**2 (rounded once; inf beyond float64)"""
        return _value(self.signal_units, self.exponent)

    @property
    def error_sq(self) -> float:
        """sum of (y - ref)**2 (rounded once; inf beyond float64)"""
        return _value(self.error_units, self.exponent)

    @property
    def relative_error(self) -> float:
        """||y - ref|| / ||ref|| (0 where both are 0, inf where only ref is)"""
        signal, error = self.signal_units, self.error_units
        if signal == 0:
            return 0.0 if error == 0 else math.inf
        with contextlib.suppress(OverflowError):
            if (ratio := error / signal) >= sys.float_info.min:  # int / int: rounded once
                return math.sqrt(ratio)
        # beyond float64's normal range: the root of the ratio's 120 leading bits, inf or 0 beyond float64
        k = max(0, (signal.bit_length() - error.bit_length() + 121) // 2)
        try:
            return math.ldexp(float(math.isqrt((error << 2 * k) // signal)), -k)
        except OverflowError:
            return math.inf

    @property
    def snr_db(self) -> float:
        """10 log10(sum ref**2 / sum (y - ref)**2), dB (inf where exact)"""
        signal, error = self.signal_units, self.error_units
        if error == 0:
            return math.inf
        if signal == 0:
            return -math.inf
        with contextlib.suppress(OverflowError):
            if (ratio := signal / error) >= sys.float_info.min:
                return 10.0 * math.log10(ratio)
        return 10.0 * (math.log10(signal) - math.log10(error))  # a ratio beyond float64's normal range

    def __repr__(self) -> str:
        """the figures a reader wants (the exact sums are integers of hundreds of digits: ``signal_units``)"""
        return (f"ErrorStats(relative_error={self.relative_error:.6g}, snr_db={self.snr_db:.4g}, "
                f"max_abs_error={self.max_abs_error:.6g}, outputs={self.outputs})")

    def as_dict(self) -> dict:
        return {"relative_error": self.relative_error, "snr_db": self.snr_db,
                "max_abs_error": self.max_abs_error, "outputs": self.outputs}
