"""The k largest (or smallest) values along an axis, or their positions: ONNX TopK and torch's topk / sort (k-max
pooling; a sort is the TopK of every value; a mixture of experts' router picks its experts' numbers). Digital:
comparisons on the vector unit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..argcheck import check_int
from .layers import DigitalLayer
from .ops import per_sample_axis

__all__ = ["TopK"]


@dataclass(frozen=True, eq=False)
class TopK(DigitalLayer):
    """The ``k`` largest values (``largest`` False: smallest) along a per-sample ``axis``, in order (largest first,
    or smallest first); ``indices``: their positions along the axis instead, as floats (of equal values the lower
    position first, as ONNX orders them)."""

    kind: ClassVar[str] = "topk"
    k: int
    axis: int = -1
    largest: bool = True
    indices: bool = False

    def __post_init__(self):
        object.__setattr__(self, "k", check_int("TopK k", self.k))
        object.__setattr__(self, "largest", bool(self.largest))
        object.__setattr__(self, "indices", bool(self.indices))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = list(input_shape)
        axis = per_sample_axis(self.axis, len(shape), "TopK")
        if self.k > shape[axis]:
            raise ValueError(f"TopK k {self.k} exceeds the {shape[axis]} values along axis {self.axis}")
        shape[axis] = self.k
        return tuple(shape)

    def work(self, input_shape: tuple[int, ...]) -> int:
        """comparisons: each value against a heap of k (log2(k) + 1 each)"""
        return math.prod(input_shape) * (math.ceil(math.log2(self.k)) + 1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        axis = per_sample_axis(self.axis, x.ndim - 1, "TopK") + 1
        if self.indices:  # a stable sort of -x (of x for the smallest): equal values keep their order
            order = np.argsort(-x if self.largest else x, axis=axis, kind="stable")
            return np.take(order, np.arange(self.k), axis=axis).astype(np.float64)
        ordered = np.sort(x, axis=axis)
        picked = np.flip(ordered, axis=axis) if self.largest else ordered
        return np.take(picked, np.arange(self.k), axis=axis)
