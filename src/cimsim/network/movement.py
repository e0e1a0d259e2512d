"""Data-movement layers of a network (digital, no arithmetic): concat (of activations, or of one with a constant),
a constant, slice, reshape, flatten, transpose, pad, upsample, dilate.

Axes are per sample, as in :mod:`cimsim.network.ops`. Their vector-unit cost is nil (``work`` counts the values
moved; the shapes-only pricing leaves data movement out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..argcheck import check_real
from .arguments import constant_array
from .layers import DigitalLayer
from .ops import int_tuple, per_sample_axis

__all__ = ["Concat", "JoinConstant", "Constant", "Slice", "Reshape", "Flatten", "Transpose", "Pad", "Upsample",
           "Dilate"]

PAD_MODES = ("constant", "reflect", "edge", "wrap")
"""the padding modes of :class:`Pad` (ONNX Pad's)"""


@dataclass(frozen=True, eq=False)
class Concat(DigitalLayer):
    """Activations joined along a per-sample ``axis``."""

    kind: ClassVar[str] = "concat"
    arity: ClassVar[None] = None
    axis: int = 0

    def output_shape(self, *shapes: tuple[int, ...]) -> tuple[int, ...]:
        first = tuple(shapes[0])
        axis = per_sample_axis(self.axis, len(first), "Concat")
        for shape in shapes[1:]:
            if len(shape) != len(first) or any(s != f for k, (s, f) in enumerate(zip(shape, first)) if k != axis):
                raise ValueError(f"Concat on axis {self.axis} needs equal shapes elsewhere; got {list(shapes)}")
        return first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]

    def __call__(self, *xs: np.ndarray) -> np.ndarray:
        return np.concatenate(xs, axis=per_sample_axis(self.axis, xs[0].ndim - 1, "Concat") + 1)


@dataclass(frozen=True, eq=False)
class JoinConstant(DigitalLayer):
    """An activation joined with a constant block (per-sample shape) along a per-sample ``axis``, the constant
    ``before`` it or after it: a vision transformer's class token, a constant feature."""

    kind: ClassVar[str] = "join_constant"
    axis: int
    constant: np.ndarray
    before: bool = True

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "constant", constant_array("JoinConstant constant", self.constant))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        parts = (self.constant.shape, tuple(input_shape)) if self.before else (tuple(input_shape), self.constant.shape)
        return Concat(self.axis).output_shape(*parts)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.output_shape(x.shape[1:])
        block = np.broadcast_to(self.constant, (x.shape[0],) + self.constant.shape)
        return Concat(self.axis)(*((block, x) if self.before else (x, block)))


@dataclass(frozen=True, eq=False)
class Constant(DigitalLayer):
    """The same ``value`` (per-sample shape) for every sample of the batch it reads, whatever that batch holds:
    a constant that an operator of activations takes as one (the empty tensor a model writes its parts into)."""

    kind: ClassVar[str] = "constant"
    value: np.ndarray

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "value", constant_array("Constant value", self.value))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return self.value.shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.value, (x.shape[0],) + self.value.shape).copy()


@dataclass(frozen=True, eq=False)
class Slice(DigitalLayer):
    """``x[start:stop:step]`` along a per-sample ``axis`` (python slice semantics)."""

    kind: ClassVar[str] = "slice"
    axis: int
    start: int | None = None
    stop: int | None = None
    step: int = 1

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        axis = per_sample_axis(self.axis, len(shape), "Slice")
        if self.step == 0:
            raise ValueError("Slice step must not be 0")
        size = len(range(*slice(self.start, self.stop, self.step).indices(shape[axis])))
        if size == 0:
            raise ValueError(f"Slice [{self.start}:{self.stop}:{self.step}] of axis {self.axis} (size "
                             f"{shape[axis]}) is empty")
        return shape[:axis] + (size,) + shape[axis + 1:]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        index = [slice(None)] * x.ndim
        index[per_sample_axis(self.axis, x.ndim - 1, "Slice") + 1] = slice(self.start, self.stop, self.step)
        return x[tuple(index)]


@dataclass(frozen=True, eq=False)
class Reshape(DigitalLayer):
    """Each sample reshaped to ``shape`` (C order; one entry may be -1: inferred)."""

    kind: ClassVar[str] = "reshape"
    shape: tuple[int, ...]

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "shape", int_tuple("Reshape shape", self.shape))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        size, target = math.prod(input_shape), self.shape
        known = math.prod(s for s in target if s != -1)
        if target.count(-1) > 1 or any(s < 1 and s != -1 for s in target) or known == 0:
            raise ValueError(f"Reshape target {target} must hold positive sizes and at most one -1")
        out = tuple(size // known if s == -1 else s for s in target)
        if math.prod(out) != size:
            raise ValueError(f"cannot reshape {tuple(input_shape)} ({size} values) to {target}")
        return out

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.reshape((x.shape[0],) + self.output_shape(x.shape[1:]))


@dataclass(frozen=True, eq=False)
class Flatten(DigitalLayer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...), C order (channel-major for NCHW)."""

    kind: ClassVar[str] = "flatten"

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (math.prod(input_shape),)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1)


@dataclass(frozen=True, eq=False)
class Transpose(DigitalLayer):
    """Per-sample axes permuted: output axis k is input axis ``perm[k]``."""

    kind: ClassVar[str] = "transpose"
    perm: tuple[int, ...]

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "perm", int_tuple("Transpose perm", self.perm))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if sorted(self.perm) != list(range(len(input_shape))):
            raise ValueError(f"Transpose perm {self.perm} is not a permutation of {len(input_shape)} axes")
        return tuple(input_shape[p] for p in self.perm)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.transpose((0,) + tuple(p + 1 for p in self.perm))


@dataclass(frozen=True, eq=False)
class Pad(DigitalLayer):
    """Each sample padded: ``pads`` holds the begin of every per-sample axis, then the end of every one (ONNX's
    order), each >= 0 (a crop is a slice). ``mode`` as ONNX's (numpy's): "constant" (``value``), "reflect" (mirrored
    about the edge, the edge not repeated), "edge" (the edge repeated) or "wrap" (the other side's values)."""

    kind: ClassVar[str] = "pad"
    pads: tuple[int, ...]
    value: float = 0.0
    mode: str = "constant"

    def __post_init__(self):
        object.__setattr__(self, "value", check_real("Pad value", self.value))
        super().__post_init__()  # after its own, stricter check
        object.__setattr__(self, "pads", int_tuple("Pad pads", self.pads))
        if len(self.pads) % 2 or any(p < 0 for p in self.pads):
            raise ValueError(f"Pad needs a begin and an end >= 0 for every axis; got pads {self.pads}")
        if self.mode not in PAD_MODES:
            raise ValueError(f"Pad mode must be one of {', '.join(PAD_MODES)}; got {self.mode!r}")

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        n = len(input_shape)
        if len(self.pads) != 2 * n:
            raise ValueError(f"Pad has {len(self.pads)} pads for {n} axes (needs {2 * n})")
        return tuple(s + a + b for s, a, b in zip(input_shape, self.pads[:n], self.pads[n:]))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n = x.ndim - 1
        self.output_shape(x.shape[1:])
        widths = [(0, 0)] + list(zip(self.pads[:n], self.pads[n:]))
        if self.mode == "constant":
            return np.pad(x, widths, constant_values=self.value)
        return np.pad(x, widths, mode=self.mode)


@dataclass(frozen=True, eq=False)
class _PerAxisFactors(DigitalLayer):
    """A layer with a whole factor >= 1 for every per-sample axis."""

    factors: tuple[int, ...]

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "factors", int_tuple(f"{type(self).__name__} factors", self.factors))
        if any(f < 1 for f in self.factors):
            raise ValueError(f"{type(self).__name__} factors must be whole numbers >= 1; got {self.factors}")

    def _checked(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(self.factors) != len(input_shape):
            raise ValueError(f"{type(self).__name__} has {len(self.factors)} factors for {len(input_shape)} axes")
        return tuple(input_shape)


@dataclass(frozen=True, eq=False)
class Upsample(_PerAxisFactors):
    """Nearest-neighbour upsampling by whole factors: every value of per-sample axis k repeated ``factors[k]``
    times (1: the axis unchanged)."""

    kind: ClassVar[str] = "upsample"

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(s * f for s, f in zip(self._checked(input_shape), self.factors))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.output_shape(x.shape[1:])
        for axis, f in enumerate(self.factors):
            if f > 1:
                x = np.repeat(x, f, axis=axis + 1)
        return x


@dataclass(frozen=True, eq=False)
class Dilate(_PerAxisFactors):
    """``factors[k] - 1`` zeros inserted between neighbouring values of per-sample axis k (size n -> (n - 1) f + 1):
    a transposed convolution is a convolution over its input dilated by the stride (and padded)."""

    kind: ClassVar[str] = "dilate"

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple((s - 1) * f + 1 for s, f in zip(self._checked(input_shape), self.factors))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros((x.shape[0],) + self.output_shape(x.shape[1:]), dtype=x.dtype)
        out[(slice(None),) + tuple(slice(None, None, f) for f in self.factors)] = x
        return out
