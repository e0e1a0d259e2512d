"""The values a sweep's axes take: a stepped range's values, and the combination of each point (every combination of
the axes, or a seeded sample). The spec checks its ``[set]`` fields against these points; :func:`~.points.expand`
makes them."""

from __future__ import annotations

import decimal
import itertools
import math
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .spec import Axis

__all__ = ["steps", "combinations"]

_EXACT = decimal.Context(prec=60)  # 60 digits: exact on any two 17-digit floats but those 43 or more decades apart
_DIGITS = decimal.Context(prec=sys.float_info.dig)  # 15: every decimal of 15 digits is a float and back unchanged


def steps(start: float, stop: float, step: float, integer: bool) -> tuple[int, Any]:
    """The value count of a stepped range (stop in when it lands on the step) and its k-th value: for floats, decimal
    arithmetic on the numbers' ``repr`` rounded to 15 significant digits (65536.1 to 65536.12 by 0.01 holds its stop;
    12345.6 + 2 x 0.1 is 12345.8), counted with a slack for numbers computed in floats (``0.1 * 3``): 1e-9 of a step
    (a few float epsilons of the 1e6 steps at most) and 8 ulps of the larger end (half an ulp a rounding: 16)."""
    if integer:
        return (stop - start) // step + 1, lambda k: start + k * step
    first, size, last = (decimal.Decimal(repr(float(v))) for v in (start, step, stop))
    slack = _EXACT.divide(decimal.Decimal(8 * math.ulp(max(abs(start), abs(stop)))), size) + decimal.Decimal("1e-9")
    quotient = _EXACT.divide(_EXACT.subtract(last, first), size)
    count = int(_EXACT.add(quotient, slack).to_integral_value(decimal.ROUND_FLOOR)) + 1
    return count, lambda k: float(_DIGITS.add(first, _EXACT.multiply(k, size)))


def combinations(axes: tuple[Axis, ...], mode: str, samples: int | None, seed: int) -> Iterator[tuple[Any, ...]]:
    """One value per axis for each point, in run order: grid, the cartesian product (the last axis fastest); random,
    ``samples`` draws of ``seed`` (distinct grid points when every axis is discrete)."""
    if mode == "grid":
        yield from itertools.product(*(axis.values for axis in axes))
        return
    rng = np.random.default_rng(seed)
    if not any(axis.continuous for axis in axes):  # distinct points of the grid, in grid order
        sizes = [len(axis.values) for axis in axes]
        for index in _distinct_indices(sizes, samples, rng):
            yield tuple(axis.values[i] for axis, i in zip(axes, index))
        return
    for _ in range(samples):
        yield tuple(_draw(axis, rng) for axis in axes)


def _distinct_indices(sizes: list[int], samples: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """``samples`` distinct index tuples of a grid of ``sizes``, in grid order: flat indices drawn without
    replacement; beyond int64's range of flat indices, one index per axis at a time, a repeat drawn again (at
    most 10**6 samples of over 2**63 points: a repeat is all but impossible)"""
    total = math.prod(sizes)
    if total < 2**63:
        return [np.unravel_index(flat, sizes) for flat in sorted(rng.choice(total, size=samples, replace=False))]
    drawn: set[tuple[int, ...]] = set()
    while len(drawn) < samples:
        drawn.add(tuple(int(rng.integers(n)) for n in sizes))
    return sorted(drawn)


def _draw(axis: Axis, rng: np.random.Generator) -> Any:
    """One value of an axis: uniform over its values, or over its continuous range."""
    if not axis.continuous:
        return axis.values[int(rng.integers(len(axis.values)))]
    if axis.integer:
        return int(rng.integers(int(axis.low), int(axis.high), endpoint=True))
    return float(rng.uniform(axis.low, axis.high))
