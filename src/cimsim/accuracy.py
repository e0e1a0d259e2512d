"""How far the analog results are from a reference: relative error and SNR, accumulated block by block."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["ErrorStats"]


@dataclass(frozen=True)
class ErrorStats:
    """Sums of squares of a reference and of the error against it, over every output seen.

    relative_error = ||y - ref|| / ||ref|| (Frobenius); snr_db = 10 log10(sum ref**2 / sum (y - ref)**2).
    """

    signal_sq: float = 0.0
    error_sq: float = 0.0
    max_abs_error: float = 0.0
    outputs: int = 0

    def add(self, y: np.ndarray, ref: np.ndarray) -> "ErrorStats":
        """These statistics with the outputs ``y`` against ``ref`` added; a ValueError when either overflows
        float64 (an overflow is an error, never a NaN or a null in a report)."""
        err = y - ref
        with np.errstate(over="ignore", invalid="ignore"):
            signal, error = float(np.sum(ref * ref)), float(np.sum(err * err))
        if not (math.isfinite(signal) and math.isfinite(error)):
            raise ValueError("the results overflow float64 (or hold NaN): the weights and inputs are too large for "
                             "their products; scale them down (only ratios matter to the quantised crossbars)")
        return ErrorStats(self.signal_sq + signal, self.error_sq + error,
                          max(self.max_abs_error, float(np.abs(err).max(initial=0.0))), self.outputs + y.size)

    def __add__(self, other: "ErrorStats") -> "ErrorStats":
        """the statistics of both sets of outputs together"""
        return ErrorStats(self.signal_sq + other.signal_sq, self.error_sq + other.error_sq,
                          max(self.max_abs_error, other.max_abs_error), self.outputs + other.outputs)

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
