"""The digital layers of a network: activations, reshapes, residual adds, softmax, layer norm, attention products.

Every layer here runs in the digital periphery, exactly, in float64; the crossbars see only the matrix layers
(:mod:`cimsim.network.layers`). Axes are per-sample (the batch axis is not counted: axis 0 is the first axis
after the batch; negative axes count from the end). ``work(*shapes)`` is the digital operations one sample
costs, for the vector unit's cost model: one per output element, one multiply-accumulate per term of an
activation product. Pooling is in :mod:`cimsim.network.pooling`, data movement (concat, slice, reshape,
transpose, flatten) in :mod:`cimsim.network.movement`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .arguments import constant_array
from .layers import DigitalLayer

__all__ = ["ReLU", "Unary", "Clip", "Affine", "Elementwise", "Softmax", "Mean", "Max", "ActivationMatMul",
           "ArgMax", "VALUE_TESTS", "per_sample_axis", "aligned"]

def special(name: str, x: np.ndarray) -> np.ndarray:
    """scipy.special's function ``name`` of x, elementwise (scipy imported when a network first uses one)."""
    from scipy import special as functions

    return getattr(functions, name)(x)


def float_rounded(x: np.ndarray, bits: int, lowest: int, limit: float) -> np.ndarray:
    """x rounded to the nearest value of a binary float format (ties to even, as IEEE casts): ``bits`` significant
    bits, a fixed quantum below its smallest normal 2**(lowest - 1) (subnormals), infinite from ``limit`` (2**16
    for float16) on; NaN and infinities kept."""
    exponent = np.maximum(np.frexp(x)[1], lowest)  # x = m 2**exponent, 0.5 <= |m| < 1
    y = np.ldexp(np.rint(np.ldexp(x, bits - exponent)), exponent - bits)
    return np.where(np.abs(y) >= limit, np.copysign(np.inf, x), y)


FLOAT_FORMATS = {"float16": (11, -13, 2.0 ** 16), "bfloat16": (8, -125, 2.0 ** 128)}
"""narrow float type -> (significant bits, frexp exponent of its smallest normal, magnitude rounding to inf)"""

VALUE_TESTS = {"isnan": np.isnan, "isinf": np.isinf, "isposinf": np.isposinf, "isneginf": np.isneginf}
"""tests of non-finite values: the unary ``name`` (1 where found, else 0) and ``name[2:]`` + "_to_zero" (them 0)"""

UNARY_FUNCTIONS = {
    "sigmoid": lambda x: special("expit", x),  # 1 / (1 + exp(-x)) without overflow, exact far below 0
    "tanh": np.tanh,
    "erf": lambda x: special("erf", x),
    "gelu": lambda x: 0.5 * x * special("erfc", -x / math.sqrt(2.0)),  # 1 + erf(x / sqrt 2) without cancelling
    "gelu_tanh": lambda x: x * special("expit", math.sqrt(8.0 / math.pi) * (x + 0.044715 * x ** 3)),
    "silu": lambda x: x * special("expit", x),
    "hardswish": lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "log": np.log,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "neg": np.negative,
    "reciprocal": np.reciprocal,
    **{name: lambda x, t=t: t(x).astype(np.float64) for name, t in VALUE_TESTS.items()},
    **{f"{name[2:]}_to_zero": lambda x, t=t: np.where(t(x), 0.0, x) for name, t in VALUE_TESTS.items()},
    "step": lambda x: (x > 0).astype(np.float64),
    "round": np.round,
    "trunc": np.trunc,
    "int_trunc": lambda x: np.trunc(x) + 0.0,  # toward zero, to an integer: +0 (an integer has no -0)
    **{name: lambda x, f=f: float_rounded(x, *f) for name, f in FLOAT_FORMATS.items()},
    "floor": np.floor, "ceil": np.ceil, "sign": np.sign,
    "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": np.arctanh,
}
"""functions of :class:`Unary`, by name"""

BINARY_FUNCTIONS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
                    "max": np.maximum, "min": np.minimum}
"""functions of :class:`Elementwise`, by name"""


def int_tuple(name: str, values) -> tuple[int, ...]:
    """``values`` (a sequence of whole numbers: ints, or floats such as 2.0) as a tuple of ints; a ValueError naming
    ``name`` for anything else (2.7 is not truncated, a str not parsed)."""
    try:
        items = tuple(values)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of ints; got {values!r}") from None
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
               and math.isfinite(v) and v == int(v) for v in items):
        raise ValueError(f"{name} must be a sequence of ints; got {values!r}")
    return tuple(int(v) for v in items)


def per_sample_axis(axis, ndim: int, name: str) -> int:
    """A per-sample ``axis`` (negative counts from the end) as an index in [0, ndim)."""
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"{name} axis {axis!r} is outside the {ndim} per-sample axes")
    return int(axis) % ndim


def aligned(xs: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """Batches given the same number of axes by inserting ones after the batch axis (numpy broadcasting per sample)."""
    ndim = max(x.ndim for x in xs)
    return [x.reshape(x.shape[:1] + (1,) * (ndim - x.ndim) + x.shape[1:]) for x in xs]


class _SameShape(DigitalLayer):
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)


@dataclass(frozen=True, eq=False)
class ReLU(_SameShape):
    """max(x, 0), any shape."""

    kind: ClassVar[str] = "relu"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0)


@dataclass(frozen=True, eq=False)
class Unary(_SameShape):
    """An elementwise function (``UNARY_FUNCTIONS``: sigmoid, tanh, erf, gelu, gelu_tanh, silu, hardswish, softplus,
    exp, log, sqrt, ...; float16, bfloat16: rounded to that type)."""

    kind: ClassVar[str] = "unary"
    function: str

    def __post_init__(self):
        super().__post_init__()
        if self.function not in UNARY_FUNCTIONS:
            raise ValueError(f"unknown function {self.function!r}; known: {', '.join(UNARY_FUNCTIONS)}")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):  # sqrt(-1) is NaN, log(0) -inf, exp(1000) inf: as torch and ONNX
            return UNARY_FUNCTIONS[self.function](x)


@dataclass(frozen=True, eq=False)
class Clip(_SameShape):
    """min(max(x, low), high); None: no bound on that side (either may be infinite)."""

    kind: ClassVar[str] = "clip"
    low: float | None = None
    high: float | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.clip(x, self.low, self.high)


@dataclass(frozen=True, eq=False)
class Affine(DigitalLayer):
    """x * scale + shift with constants broadcast over each sample (e.g. (C, 1, 1) per channel: a batch norm); the
    shift may hold -inf (an attention mask: the masked scores' softmax weight is 0)."""

    kind: ClassVar[str] = "affine"
    scale: np.ndarray | None = None
    shift: np.ndarray | None = None

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "scale", constant_array("Affine scale", self.scale))
        object.__setattr__(self, "shift", constant_array("Affine shift", self.shift, minus_inf=True))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        for name in ("scale", "shift"):
            value = getattr(self, name)
            try:
                fits = value is None or np.broadcast_shapes(shape, value.shape) == shape
            except ValueError:
                fits = False
            if not fits:
                raise ValueError(f"Affine {name} of shape {value.shape} does not broadcast to {shape}")
        return shape

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y = x if self.scale is None else x * self.scale
        return y if self.shift is None else y + self.shift


@dataclass(frozen=True, eq=False)
class Elementwise(DigitalLayer):
    """Two activations combined elementwise (``BINARY_FUNCTIONS``: add for residual connections, mul, ...),
    broadcast per sample."""

    kind: ClassVar[str] = "elementwise"
    arity: ClassVar[int] = 2
    op: str = "add"

    def __post_init__(self):
        super().__post_init__()
        if self.op not in BINARY_FUNCTIONS:
            raise ValueError(f"unknown elementwise op {self.op!r}; known: {', '.join(BINARY_FUNCTIONS)}")

    def output_shape(self, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        try:
            return tuple(np.broadcast_shapes(tuple(a), tuple(b)))
        except ValueError:
            raise ValueError(f"shapes {tuple(a)} and {tuple(b)} do not broadcast") from None

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):  # x / 0 is inf, 0 / 0 NaN, an overflow inf: as torch
            return BINARY_FUNCTIONS[self.op](*aligned((a, b)))


@dataclass(frozen=True, eq=False)
class Softmax(_SameShape):
    """exp(x - max) / sum along a per-sample ``axis``."""

    kind: ClassVar[str] = "softmax"
    axis: int = -1

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        per_sample_axis(self.axis, len(input_shape), "Softmax")
        return tuple(input_shape)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        axis = per_sample_axis(self.axis, x.ndim - 1, "Softmax") + 1
        with np.errstate(invalid="ignore"):  # a row of -inf only (every key masked) is NaN, as ONNX's Softmax gives
            e = np.exp(x - x.max(axis=axis, keepdims=True))
            return e / e.sum(axis=axis, keepdims=True)


@dataclass(frozen=True, eq=False)
class Mean(DigitalLayer):
    """Mean over per-sample ``axes``, kept as size-1 axes when ``keepdims`` (over every axis without: one value per
    sample, shape ())."""

    kind: ClassVar[str] = "mean"
    axes: tuple[int, ...]
    keepdims: bool = True

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "axes", int_tuple(f"{type(self).__name__} axes", self.axes))

    def _axes(self, ndim: int) -> tuple[int, ...]:
        return tuple(sorted({per_sample_axis(a, ndim, type(self).__name__) for a in self.axes}))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        axes = self._axes(len(input_shape))
        if self.keepdims:
            return tuple(1 if k in axes else s for k, s in enumerate(input_shape))
        return tuple(s for k, s in enumerate(input_shape) if k not in axes)

    def work(self, input_shape: tuple[int, ...]) -> int:  # an add (a compare) per value reduced, as a pooling's
        return math.prod(input_shape)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.mean(axis=tuple(a + 1 for a in self._axes(x.ndim - 1)), keepdims=self.keepdims)


@dataclass(frozen=True, eq=False)
class Max(Mean):
    """Maximum over per-sample ``axes``, kept as size-1 axes when ``keepdims``."""

    kind: ClassVar[str] = "max"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.max(axis=tuple(a + 1 for a in self._axes(x.ndim - 1)), keepdims=self.keepdims)


@dataclass(frozen=True, eq=False)
class ArgMax(DigitalLayer):
    """The index of the largest (``minimum``: smallest) value along a per-sample ``axis``, as a float; the first
    such index, or the last where ``last``; the axis kept with size 1 when ``keepdims`` (ONNX ArgMax / ArgMin).
    One compare per value."""

    kind: ClassVar[str] = "argmax"
    axis: int = 0
    keepdims: bool = True
    minimum: bool = False
    last: bool = False

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        axis = per_sample_axis(self.axis, len(input_shape), "ArgMax")
        kept = (1,) if self.keepdims else ()
        return tuple(input_shape[:axis]) + kept + tuple(input_shape[axis + 1:])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        axis = per_sample_axis(self.axis, x.ndim - 1, "ArgMax") + 1
        y = -x if self.minimum else x
        if self.last:
            index = y.shape[axis] - 1 - np.argmax(np.flip(y, axis), axis=axis)
        else:
            index = np.argmax(y, axis=axis)
        index = index.astype(np.float64)
        return np.expand_dims(index, axis) if self.keepdims else index

    def work(self, input_shape: tuple[int, ...]) -> int:
        return math.prod(input_shape)


@dataclass(frozen=True, eq=False)
class ActivationMatMul(DigitalLayer):
    """Product of two activations (attention's Q Kᵀ and A V), numpy ``matmul`` semantics per sample. Both
    operands change with every input, so it runs on the digital unit, not on crossbars."""

    kind: ClassVar[str] = "activation_matmul"
    arity: ClassVar[int] = 2

    def output_shape(self, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
        a, b = tuple(a), tuple(b)
        if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
            raise ValueError(f"ActivationMatMul needs (..., m, k) and (..., k, n) per sample; got {a} and {b}")
        try:
            lead = np.broadcast_shapes(a[:-2], b[:-2])
        except ValueError:
            raise ValueError(f"ActivationMatMul leading axes of {a} and {b} do not broadcast") from None
        return tuple(lead) + (a[-2], b[-1])

    def work(self, a: tuple[int, ...], b: tuple[int, ...]) -> int:
        return math.prod(self.output_shape(a, b)) * a[-1]

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(*aligned((a, b)))


def __getattr__(name: str):
    """``LayerNorm``, which lives in :mod:`.norms` since 2026-12-05: a network pickled before names it here"""
    if name == "LayerNorm":
        from .norms import LayerNorm

        return LayerNorm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
