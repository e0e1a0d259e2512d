"""How an input's magnitude bits are cut into DAC reads of k bits (``dac.bits_per_read``): slices of k bits from
the top down, the remainder (bits mod k, where k does not divide them) in slice 0, the least significant. The
functional core (:mod:`cimsim.numerics._input_kernels`), the recombination weights (:class:`cimsim.mapping.Plan`)
and the cost model's plane codes (:mod:`cimsim.analytic`) all cut them so."""

from __future__ import annotations

__all__ = ["slice_shift", "slice_bits"]


def slice_shift(j: int, k: int, bits: int) -> int:
    """the lowest bit of slice j of ``bits`` magnitude bits read ``k`` at a time: slices of k bits from the top
    down, the remainder (bits mod k, where k does not divide them) in slice 0, the least significant, so every
    plane but the lowest spans the DAC's full range (the short slice at the top had cost a network 5-8x its
    relative error with a shared ADC range)"""
    return max(0, bits - (-(-bits // k) - j) * k)


def slice_bits(j: int, k: int, bits: int) -> int:
    """the bits slice j of ``bits`` read ``k`` at a time carries (:func:`slice_shift`): k, or the remainder in 0"""
    return min(k, bits - (-(-bits // k) - 1 - j) * k)
