"""Values chosen by comparison: the k largest (or smallest) values along an axis, or their positions (ONNX TopK and
torch's topk / sort: k-max pooling; a sort is the TopK of every value; a mixture of experts' router picks its
experts' numbers), and one of two tensors chosen per value by a computed condition (ONNX Where, torch's where and
masked_fill). Digital: comparisons on the vector unit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..argcheck import check_int
from .arguments import constant_array
from .layers import DigitalLayer
from .ops import aligned, per_sample_axis

__all__ = ["TopK", "Select"]


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
        super().__post_init__()
        object.__setattr__(self, "k", check_int("TopK k", self.k))

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


@dataclass(frozen=True, eq=False)
class Select(DigitalLayer):
    """where(condition != 0, a, b) per value, broadcast per sample: ONNX Where of a condition computed from the
    activations (0 / 1 values). Exact whatever a and b hold: an arithmetic select, b + c (a - b), would turn an
    infinite value it does not choose into NaN (torch's nan_to_num selects its replacement for infinities so).
    Inputs: the condition, then a and b where each is an activation; a constant operand is ``a`` or ``b`` here
    (broadcast per sample; any value, infinities and NaN included), a constant condition ``condition`` (a mask:
    ONNX Where of a constant condition, Trilu's triangle)."""

    kind: ClassVar[str] = "select"
    arity: ClassVar[int | None] = None
    a: np.ndarray | None = None
    b: np.ndarray | None = None
    condition: np.ndarray | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.condition is not None and self.a is not None and self.b is not None:
            raise ValueError("Select of a constant condition needs an activation operand (else it is a constant)")
        for name in ("a", "b", "condition"):
            object.__setattr__(self, name, constant_array(f"Select {name}", getattr(self, name), any_value=True))

    @property
    def _inputs(self) -> int:
        return (self.condition is None) + (self.a is None) + (self.b is None)

    def output_shape(self, *shapes: tuple[int, ...]) -> tuple[int, ...]:
        if len(shapes) != self._inputs:
            raise ValueError(f"Select takes {self._inputs} inputs (the condition and the operands that are "
                             f"activations); got {len(shapes)}")
        constants = [v.shape for v in (self.condition, self.a, self.b) if v is not None]
        try:
            return tuple(np.broadcast_shapes(*(tuple(s) for s in shapes), *constants))
        except ValueError:
            raise ValueError(f"Select operands of shapes {[tuple(s) for s in shapes] + constants} do not "
                             "broadcast") from None

    def __call__(self, *inputs: np.ndarray) -> np.ndarray:
        given = iter(inputs)
        condition = next(given) if self.condition is None else self.condition[None]
        a = next(given) if self.a is None else self.a[None]
        b = next(given) if self.b is None else self.b[None]
        condition, a, b = aligned((condition, a, b))
        return np.where(condition != 0, a, b)
