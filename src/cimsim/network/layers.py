"""The layers of a network, as frozen dataclasses.

Two families. A :class:`MatrixLayer` (``Dense``, ``Conv2d``) is a matrix product that runs on crossbars:
it turns its input into row vectors (``to_rows``), the simulator multiplies them by ``matrix``, and
``from_rows`` reshapes the products back and adds the bias digitally. A :class:`DigitalLayer` (``ReLU``,
``MaxPool2d``, ``AvgPool2d``, ``Flatten``) runs in the digital periphery and is simply called.

Activations carry the batch first: (batch, features) for dense layers, NCHW (batch, channels, height,
width) for convolutions and pooling. ``output_shape`` maps a per-sample shape (no batch) to the next one
and raises a ValueError when the layer cannot take that shape.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "Layer", "MatrixLayer", "DigitalLayer", "Dense", "Conv2d", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten",
]


def _pair(name: str, value, minimum: int) -> tuple[int, int]:
    """``value`` (an int or two ints) as a (height, width) pair of ints >= ``minimum``."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair):
        raise ValueError(f"{name} must be an int >= {minimum} or two of them (height, width); got {value!r}")
    return int(pair[0]), int(pair[1])


def _array(name: str, value, ndim: int) -> np.ndarray:
    """``value`` as a read-only float64 array of ``ndim`` dimensions holding finite numbers."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != ndim or 0 in arr.shape:
        raise ValueError(f"{name} must be a non-empty {ndim}-d array; got shape {arr.shape}")
    arr = np.array(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    arr.setflags(write=False)
    return arr


def _bias(value, out: int) -> np.ndarray | None:
    if value is None:
        return None
    bias = _array("bias", value, 1)
    if bias.shape != (out,):
        raise ValueError(f"bias must have shape ({out},) to match the weight; got {bias.shape}")
    return bias


def _window_out(size: int, kernel: int, stride: int) -> int:
    """Output positions of a window of ``kernel`` moving by ``stride`` over ``size`` (0 if it does not fit)."""
    return (size - kernel) // stride + 1 if size >= kernel else 0


class Layer(ABC):
    """One step of a network."""

    kind: ClassVar[str]
    """name of the layer in the .npz architecture list"""

    @abstractmethod
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Per-sample output shape for a per-sample ``input_shape`` (no batch); ValueError if it does not fit."""

    def _check(self, x: np.ndarray) -> tuple[int, ...]:
        """The per-sample output shape of a batch ``x``, or a ValueError naming the layer."""
        if x.ndim < 2:
            raise ValueError(f"{type(self).__name__} expects a batch (batch, ...); got shape {x.shape}")
        return self.output_shape(x.shape[1:])


class MatrixLayer(Layer):
    """A layer computed as ``rows @ matrix.T`` on crossbars, plus a digital bias."""

    bias: np.ndarray | None

    @property
    @abstractmethod
    def matrix(self) -> np.ndarray:
        """Weight matrix (out, in_flat), float64: what is programmed onto the crossbars."""

    @abstractmethod
    def to_rows(self, x: np.ndarray) -> np.ndarray:
        """The input vectors of the matrix product for a batch ``x``: (n_vectors, in_flat)."""

    @abstractmethod
    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The layer output from the products ``y`` (n_vectors, out) of ``to_rows(x)``, bias added."""

    @abstractmethod
    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        """Input vectors per sample of per-sample shape ``input_shape``: matrix-vector products per inference."""


class DigitalLayer(Layer):
    """A layer computed by the digital periphery."""

    @abstractmethod
    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The layer applied to a batch ``x``."""


@dataclass(frozen=True, eq=False)
class Dense(MatrixLayer):
    """Fully connected layer y = x @ weight.T + bias, on (batch, in) -> (batch, out)."""

    kind: ClassVar[str] = "dense"
    weight: np.ndarray
    """(out, in) real"""
    bias: np.ndarray | None = None
    """(out,) real, or None"""

    def __post_init__(self):
        object.__setattr__(self, "weight", _array("Dense weight", self.weight, 2))
        object.__setattr__(self, "bias", _bias(self.bias, self.weight.shape[0]))

    @property
    def matrix(self) -> np.ndarray:
        return self.weight

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if tuple(input_shape) != (self.weight.shape[1],):
            raise ValueError(f"Dense expects ({self.weight.shape[1]},) features per sample; got "
                             f"{tuple(input_shape)} (a Flatten layer turns NCHW maps into features)")
        return (self.weight.shape[0],)

    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        self.output_shape(input_shape)
        return 1

    def to_rows(self, x: np.ndarray) -> np.ndarray:
        self._check(x)
        return x

    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        return y if self.bias is None else y + self.bias


@dataclass(frozen=True, eq=False)
class Conv2d(MatrixLayer):
    """2-d cross-correlation (PyTorch / ONNX Conv), NCHW, zero padding, lowered to a matrix product by im2col.

    Each output position (n, oh, ow) gives one row: the input patch ``xpad[n, :, oh*sh : oh*sh+kh,
    ow*sw : ow*sw+kw]`` flattened in (channel, kernel row, kernel column) order, so the weight matrix is
    ``weight.reshape(out_ch, in_ch * kh * kw)``. Rows are ordered batch-major, then oh, then ow.
    """

    kind: ClassVar[str] = "conv2d"
    weight: np.ndarray
    """(out_ch, in_ch, kh, kw) real"""
    bias: np.ndarray | None = None
    """(out_ch,) real, or None"""
    stride: tuple[int, int] = (1, 1)
    """(vertical, horizontal) step; an int means both"""
    padding: tuple[int, int] = (0, 0)
    """zeros added on each side (top and bottom, left and right); an int means both"""

    def __post_init__(self):
        object.__setattr__(self, "weight", _array("Conv2d weight", self.weight, 4))
        object.__setattr__(self, "bias", _bias(self.bias, self.weight.shape[0]))
        object.__setattr__(self, "stride", _pair("Conv2d stride", self.stride, 1))
        object.__setattr__(self, "padding", _pair("Conv2d padding", self.padding, 0))

    @property
    def matrix(self) -> np.ndarray:
        return self.weight.reshape(self.weight.shape[0], -1)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        out_ch, in_ch, kh, kw = self.weight.shape
        shape = tuple(input_shape)
        if len(shape) != 3 or shape[0] != in_ch:
            raise ValueError(f"Conv2d expects ({in_ch}, height, width) per sample; got {shape}")
        h = _window_out(shape[1] + 2 * self.padding[0], kh, self.stride[0])
        w = _window_out(shape[2] + 2 * self.padding[1], kw, self.stride[1])
        if h == 0 or w == 0:
            raise ValueError(f"Conv2d kernel {kh}x{kw} (padding {self.padding}) does not fit a {shape[1]}x{shape[2]} "
                             "input")
        return out_ch, h, w

    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        _, h, w = self.output_shape(input_shape)
        return h * w

    def to_rows(self, x: np.ndarray) -> np.ndarray:
        """im2col: (batch, in_ch, H, W) -> (batch * oh * ow, in_ch * kh * kw), patch order as in the class doc."""
        _, oh, ow = self._check(x)
        (ph, pw), (sh, sw) = self.padding, self.stride
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        win = sliding_window_view(xp, self.weight.shape[2:], axis=(2, 3))[:, :, ::sh, ::sw]
        return win.transpose(0, 2, 3, 1, 4, 5).reshape(x.shape[0] * oh * ow, -1)

    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(batch * oh * ow, out_ch) products -> (batch, out_ch, oh, ow), bias added."""
        out_ch, oh, ow = self._check(x)
        maps = y.reshape(x.shape[0], oh, ow, out_ch).transpose(0, 3, 1, 2)
        return maps if self.bias is None else maps + self.bias[:, None, None]


@dataclass(frozen=True, eq=False)
class ReLU(DigitalLayer):
    """max(x, 0), any shape."""

    kind: ClassVar[str] = "relu"

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0.0)


@dataclass(frozen=True, eq=False)
class _Pool2d(DigitalLayer):
    """A window of ``kernel`` moving by ``stride`` (default: the kernel) over NCHW maps, no padding."""

    kernel: tuple[int, int]
    """(height, width) of the window; an int means both"""
    stride: tuple[int, int] | None = None
    """(vertical, horizontal) step; an int means both; None: the kernel"""

    def __post_init__(self):
        name = type(self).__name__
        object.__setattr__(self, "kernel", _pair(f"{name} kernel", self.kernel, 1))
        object.__setattr__(self, "stride", _pair(f"{name} stride",
                                                 self.kernel if self.stride is None else self.stride, 1))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        name = type(self).__name__
        if len(shape) != 3:
            raise ValueError(f"{name} expects (channels, height, width) per sample; got {shape}")
        h = _window_out(shape[1], self.kernel[0], self.stride[0])
        w = _window_out(shape[2], self.kernel[1], self.stride[1])
        if h == 0 or w == 0:
            raise ValueError(f"{name} kernel {self.kernel} does not fit a {shape[1]}x{shape[2]} input")
        return shape[0], h, w

    def _windows(self, x: np.ndarray) -> np.ndarray:
        """(batch, channels, oh, ow, kh, kw) view of the windows."""
        self._check(x)
        sh, sw = self.stride
        return sliding_window_view(x, self.kernel, axis=(2, 3))[:, :, ::sh, ::sw]


@dataclass(frozen=True, eq=False)
class MaxPool2d(_Pool2d):
    """Maximum over each window."""

    kind: ClassVar[str] = "maxpool2d"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._windows(x).max(axis=(4, 5))


@dataclass(frozen=True, eq=False)
class AvgPool2d(_Pool2d):
    """Mean over each window."""

    kind: ClassVar[str] = "avgpool2d"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._windows(x).mean(axis=(4, 5))


@dataclass(frozen=True, eq=False)
class Flatten(DigitalLayer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...), C order (channel-major for NCHW)."""

    kind: ClassVar[str] = "flatten"
    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(input_shape)),)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1)
