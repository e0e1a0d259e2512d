"""How far the analog results are from a reference: relative error and SNR, accumulated block by block."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["ErrorStats"]


_SAFE_EXPONENT = 200
"""outputs whose largest magnitude lies within 2**-200 .. 2**200 are squared as they are; beyond, they are scaled
by a power of two first, so their squares neither overflow nor underflow (outputs of 1e-300 would otherwise give a
relative error of 0 / 0)"""


@dataclass(frozen=True)
class ErrorStats:
    """Sums of squares of a reference and of the error against it, over every output seen.

    relative_error = ||y - ref|| / ||ref|| (Frobenius); snr_db = 10 log10(sum ref**2 / sum (y - ref)**2).
    Both sums are held in units of 4**exponent (exponent 0 unless outputs lie beyond 2**+-200), so their ratio
    holds for outputs of any finite magnitude.
    """

    signal_sq: float = 0.0
    error_sq: float = 0.0
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
            err = y - ref
            max_err = float(np.abs(err).max(initial=0.0))
            peak = max(float(np.abs(ref).max(initial=0.0)), max_err)
        if not (math.isfinite(peak) and math.isfinite(max_err)):  # max(1.0, nan) is 1.0
            if np.isnan(y).any() or np.isnan(ref).any():
                raise ValueError("y or ref holds NaN: error statistics need finite outputs")
            raise ValueError("the results overflow float64: the weights and inputs are too large for their "
                             "products; scale them down (only ratios matter to the quantised crossbars)")
        exponent = math.frexp(peak)[1]
        if abs(exponent) <= _SAFE_EXPONENT:
            exponent = 0
        else:
            ref, err = np.ldexp(ref, -exponent), np.ldexp(err, -exponent)
        return self + ErrorStats(float(np.sum(ref * ref)), float(np.sum(err * err)), max_err, y.size, exponent)

    def __add__(self, other: "ErrorStats") -> "ErrorStats":
        """the statistics of both sets of outputs together (sums brought to the larger exponent of the two that
        hold any)"""
        exponent = max((s.exponent for s in (self, other) if s.signal_sq or s.error_sq), default=0)
        mine, theirs = 2 * (self.exponent - exponent), 2 * (other.exponent - exponent)
        return ErrorStats(math.ldexp(self.signal_sq, mine) + math.ldexp(other.signal_sq, theirs),
                          math.ldexp(self.error_sq, mine) + math.ldexp(other.error_sq, theirs),
                          max(self.max_abs_error, other.max_abs_error), self.outputs + other.outputs, exponent)

    @property
    def relative_error(self) -> float:
        if self.signal_sq == 0:
            return 0.0 if self.error_sq == 0 else math.inf
        return math.sqrt(self.error_sq / self.signal_sq)

    @property
    def snr_db(self) -> float:
        if self.error_sq == 0:
            return math.inf
        if self.signal_sq == 0:
            return -math.inf
        return 10.0 * math.log10(self.signal_sq / self.error_sq)

    def as_dict(self) -> dict:
        return {"relative_error": self.relative_error, "snr_db": self.snr_db,
                "max_abs_error": self.max_abs_error, "outputs": self.outputs}
