"""How a code's bits are cut into slices of k bits: an input's magnitude into DAC reads (``dac.bits_per_read``), a
stored weight code into cells (``device.bits_per_cell``). Slices of k bits from the top down, the remainder (bits
mod k, where k does not divide them) in slice 0, the least significant, so every slice whose error weighs most
spans its DAC's or cell's full range. The functional core (:mod:`cimsim.numerics._input_kernels`,
:func:`cimsim.numerics.encoding.weight_levels`), the recombination weights (:class:`cimsim.mapping.Plan`) and the
cost model's codes and levels (:mod:`cimsim.analytic`) all cut them so."""

from __future__ import annotations

__all__ = ["slice_shift", "slice_bits"]


def slice_shift(j: int, k: int, bits: int) -> int:
    """the lowest bit of slice j of ``bits`` bits cut ``k`` at a time: slices of k bits from the top down, the
    remainder (bits mod k, where k does not divide them) in slice 0, the least significant. A short slice on top
    had used a fraction of its cell's or DAC's range while weighing most: an input slice so had cost a network
    5-8x its relative error with a shared ADC range, a weight slice (8-bit offset codes on 7-bit cells: 7 + 1)
    multiplied the read noise of its column 128-fold"""
    return max(0, bits - (-(-bits // k) - j) * k)


def slice_bits(j: int, k: int, bits: int) -> int:
    """the bits slice j of ``bits`` cut ``k`` at a time carries (:func:`slice_shift`): k, or the remainder in 0"""
    return min(k, bits - (-(-bits // k) - 1 - j) * k)
