"""The values a sweep's axes take: an axis (:class:`Axis`), a stepped range's values, and the combination of each
point (every combination of the axes, or a seeded sample). The spec checks its ``[set]`` fields against these
points; :func:`~.points.expand` makes them."""

from __future__ import annotations

import decimal
import itertools
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Axis", "steps", "combinations"]

_EXACT = decimal.Context(prec=60)  # 60 digits: exact on any two 17-digit floats but those 43 or more decades apart
_DIGITS = decimal.Context(prec=sys.float_info.dig)  # 15: every decimal of 15 digits is a float and back unchanged


@dataclass(frozen=True)
class Axis:
    """One config field varied by a sweep: discrete ``values``, or (random mode) a continuous ``[low, high]``."""

    field: str
    """dotted config field, e.g. ``"adc.bits"``"""
    values: tuple[Any, ...] = ()
    """the values of a list or a stepped range (empty for a continuous range)"""
    low: float | None = None
    high: float | None = None
    integer: bool = False
    """continuous draws are integers (integer ends on a field that is not a float field)"""

    @property
    def continuous(self) -> bool:
        return not self.values


def steps(start: float, stop: float, step: float, integer: bool) -> tuple[int, Any]:
    """The value count of a stepped range (stop in when it lands on the step) and its k-th value: for floats, decimal
    arithmetic on the numbers' ``repr`` rounded to 15 significant digits (65536.1 to 65536.12 by 0.01 holds its stop;
    12345.6 + 2 x 0.1 is 12345.8), counted with a slack for numbers computed in floats (``0.1 * 3``): 1e-9 of a step
    (a few float epsilons of the 1e6 steps at most) and 8 ulps of the larger end (half an ulp a rounding: 16), at
    most half a step (a step below the ends' ulps had counted the slack's steps: 22 to 22 by 1e-20, 2 842 171 values;
    9.99 to 9.99 by 1.2e-14 two, one past the stop)."""
    if integer:
        return (stop - start) // step + 1, lambda k: start + k * step
    first, size, last = (decimal.Decimal(repr(float(v))) for v in (start, step, stop))
    ulps = decimal.Decimal(8 * math.ulp(max(abs(start), abs(stop))))
    slack = _EXACT.divide(min(ulps, size / 2), size) + decimal.Decimal("1e-9")
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


_PERMUTED = 2**22
"""grids of at most this many points are sampled as a prefix of a seeded permutation of all their points (32 MB)"""
_CHUNK = 4096
"""flat indices drawn at a time on a larger grid (fixed, so the draws do not depend on ``samples``)"""


def _distinct_indices(sizes: list[int], samples: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """``samples`` distinct index tuples of a grid of ``sizes``, in grid order, prefix-stable (with more samples the
    points of fewer are all kept: the first ``samples`` distinct points of a draw that does not depend on it): up to
    :data:`_PERMUTED` points, the first of a seeded permutation of the flat indices; up to int64's range, flat
    indices drawn :data:`_CHUNK` at a time, a repeat left out (``samples`` <= 10**6 of over 4 x 10**6 points: few
    repeats); beyond, one index per axis at a time, a repeat drawn again (a repeat is all but impossible)"""
    total = math.prod(sizes)
    if total <= _PERMUTED:
        flat = rng.permutation(total)[:samples]
    elif total < 2**63:
        drawn: dict[int, None] = {}
        while len(drawn) < samples:
            drawn.update(dict.fromkeys(rng.integers(total, size=_CHUNK).tolist()))
        flat = np.fromiter(itertools.islice(drawn, samples), dtype=np.int64, count=samples)
    else:
        tuples: set[tuple[int, ...]] = set()
        while len(tuples) < samples:
            tuples.add(tuple(int(rng.integers(n)) for n in sizes))
        return sorted(tuples)
    return list(zip(*(index.tolist() for index in np.unravel_index(np.sort(flat), sizes))))  # grid order


def _draw(axis: Axis, rng: np.random.Generator) -> Any:
    """One value of an axis: uniform over its values, or over its continuous range."""
    if not axis.continuous:
        return axis.values[int(rng.integers(len(axis.values)))]
    if axis.integer:
        return int(rng.integers(int(axis.low), int(axis.high), endpoint=True))
    return float(rng.uniform(axis.low, axis.high))
