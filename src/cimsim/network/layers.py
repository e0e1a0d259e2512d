"""The matrix layers of a network and the base classes of every layer, as frozen dataclasses.

Two families. A :class:`MatrixLayer` (``Dense``, ``Conv2d``) is a matrix product with constant weights that runs
on crossbars: it turns its input into row vectors (``to_rows``), the simulator multiplies them by ``matrix``, and
``from_rows`` reshapes the products back and adds the bias digitally. A :class:`DigitalLayer` (ReLU, pooling,
residual adds, softmax, ...; in :mod:`cimsim.network.ops`) runs in the digital periphery and is simply called,
with one input or, for ``arity`` other than 1, several.

Activations carry the batch first: (batch, ..., features) for dense layers, NCHW (batch, channels, height,
width) for convolutions and pooling. ``output_shape`` maps per-sample shapes (no batch) to the next one and
raises a ValueError when the layer cannot take them.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..argcheck import check_real
from .arguments import _padding, _pair, checked_bias, checked_groups, checked_scalar, real_array, scalar_fields

__all__ = ["Layer", "MatrixLayer", "DigitalLayer", "Dense", "GroupedConv", "Conv2d"]


def grouped_matrix(weight: np.ndarray, groups: int) -> np.ndarray:
    """The (out_ch, groups * per-group inputs) matrix of a convolution's weight (out_ch, in_ch / groups, *kernel):
    block-diagonal over the groups, zero elsewhere (read-only)."""
    out_ch, per_group = weight.shape[0], weight[0].size
    if groups == 1:
        return weight.reshape(out_ch, per_group)
    blocks = weight.reshape(groups, out_ch // groups, per_group)
    matrix = np.zeros((out_ch, groups * per_group))
    for g, block in enumerate(blocks):
        matrix[g * len(block):(g + 1) * len(block), g * per_group:(g + 1) * per_group] = block
    matrix.setflags(write=False)
    return matrix


def grouped_product(rows: np.ndarray, weight: np.ndarray, groups: int) -> np.ndarray:
    """``rows @ grouped_matrix(weight, groups).T`` group by group, without the zero blocks: (n, out_ch)"""
    out_ch, per_group = weight.shape[0], weight[0].size
    if groups == 1:
        return rows @ weight.reshape(out_ch, per_group).T
    blocks = weight.reshape(groups, out_ch // groups, per_group)
    parts = np.matmul(rows.reshape(len(rows), groups, per_group).transpose(1, 0, 2), blocks.transpose(0, 2, 1))
    return parts.transpose(1, 0, 2).reshape(len(rows), out_ch)


def window_out(size: int, kernel: int, stride: int) -> int:
    """Output positions of a window of ``kernel`` moving by ``stride`` over ``size`` (0 if it does not fit)."""
    return (size - kernel) // stride + 1 if size >= kernel else 0


class Layer(ABC):
    """One step of a network."""

    kind: ClassVar[str]
    """name of the layer in the .npz architecture list"""
    arity: ClassVar[int | None] = 1
    """activations the layer takes (None: one or more)"""

    def __post_init__(self):
        """Every scalar field checked and stored as a plain Python value (:func:`checked_scalar`); a layer with
        checks of its own calls this first."""
        for name, kind in scalar_fields(type(self)):
            value = checked_scalar(f"{type(self).__name__} {name}", getattr(self, name), kind)
            object.__setattr__(self, name, value)

    def __setstate__(self, state: dict) -> None:
        """A copy's arrays read-only, as the layer made its own (numpy's pickle and deepcopy give writable ones: an
        in-place edit of an unpickled network had changed what it computes)."""
        for value in state.values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        self.__dict__.update(state)

    @abstractmethod
    def output_shape(self, *input_shapes: tuple[int, ...]) -> tuple[int, ...]:
        """Per-sample output shape for per-sample input shapes (no batch); ValueError if they do not fit."""

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

    @property
    def matrix_shape(self) -> tuple[int, int]:
        """(out, in_flat) of :attr:`matrix`, without building it"""
        return self.matrix.shape

    def product(self, rows: np.ndarray) -> np.ndarray:
        """The float product ``rows @ matrix.T`` (n_vectors, out)."""
        return rows @ self.matrix.T

    @abstractmethod
    def to_rows(self, x: np.ndarray) -> np.ndarray:
        """The input vectors of the matrix product for a batch ``x``: (n_vectors, in_flat)."""

    @abstractmethod
    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The layer output from the products ``y`` (n_vectors, out) of ``to_rows(x)``, bias added."""

    @abstractmethod
    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        """Input vectors per sample of per-sample shape ``input_shape``: matrix-vector products per inference."""

    @property
    def routed_fraction(self) -> float:
        """the mean fraction of its input vectors a chip multiplies: 1 (see :class:`Dense`)"""
        return 1.0

    @property
    def tap_fraction(self) -> float:
        """the share of its products that meet an input value, not a zero an import inserted: 1 (see
        :class:`Conv2d`)"""
        return 1.0

    @property
    def matrix_key(self) -> tuple[int, int]:
        """what makes its matrix one with another layer's (weight sharing, ``Network.matrix_indices``): the weight
        array object and the groups"""
        return id(self.weight), getattr(self, "groups", 1)


class DigitalLayer(Layer):
    """A layer computed by the digital periphery."""

    @abstractmethod
    def __call__(self, *xs: np.ndarray) -> np.ndarray:
        """The layer applied to batches ``xs`` (one per input)."""

    def work(self, *input_shapes: tuple[int, ...]) -> int:
        """Digital operations per sample: one per output element unless the layer says otherwise."""
        return math.prod(self.output_shape(*input_shapes))


@dataclass(frozen=True, eq=False)
class Dense(MatrixLayer):
    """Fully connected layer y = x @ weight.T + bias over the last axis: (batch, ..., in) -> (batch, ..., out).

    Each position of the leading axes (a token of a sequence) is one input vector of the product.
    """

    kind: ClassVar[str] = "dense"
    weight: np.ndarray
    """(out, in) real"""
    bias: np.ndarray | None = None
    """(out,) real, or None"""
    routed_fraction: float = 1.0
    """the mean fraction of its input vectors a chip multiplies, in (0, 1]: k / E for an expert of a mixture that
    sends each token to k of its E experts, imported densely (every vector multiplied here, routing weight 0 off
    the top k; :mod:`._torch_experts`): the cost counts that fraction of the products, the numerics all of them"""

    def __post_init__(self):
        object.__setattr__(self, "weight", real_array("Dense weight", self.weight, 2))
        object.__setattr__(self, "bias", checked_bias(self.bias, self.weight.shape[0]))
        object.__setattr__(self, "routed_fraction", check_real("Dense routed_fraction", self.routed_fraction, 0, 1,
                                                               low_open=True))
        super().__post_init__()  # after its own, stricter check

    @property
    def matrix(self) -> np.ndarray:
        return self.weight

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        if not shape or shape[-1] != self.weight.shape[1]:
            raise ValueError(f"Dense expects {self.weight.shape[1]} features on the last axis per sample; got "
                             f"{shape} (a Flatten layer turns NCHW maps into features)")
        return shape[:-1] + (self.weight.shape[0],)

    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        return math.prod(self.output_shape(input_shape)[:-1])

    def to_rows(self, x: np.ndarray) -> np.ndarray:
        self._check(x)
        return x.reshape(-1, self.weight.shape[1])

    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        y = y.reshape(x.shape[:-1] + (self.weight.shape[0],))
        return y if self.bias is None else y + self.bias


class GroupedConv(MatrixLayer):
    """A convolution's matrix layer: ``weight`` (out_ch, in_ch / groups, *kernel) over ``groups`` channel groups,
    one block-diagonal matrix (:func:`grouped_matrix`) multiplied group by group (:func:`grouped_product`)."""

    def __post_init__(self):
        """the scalar fields (:meth:`Layer.__post_init__`), then ``tap_fraction``: a real number in (0, 1]"""
        super().__post_init__()
        name = f"{type(self).__name__} tap_fraction"
        object.__setattr__(self, "tap_fraction", check_real(name, self.tap_fraction, 0, 1, low_open=True))

    @cached_property
    def matrix(self) -> np.ndarray:
        return grouped_matrix(self.weight, self.groups)

    @property
    def matrix_shape(self) -> tuple[int, int]:
        return self.weight.shape[0], self.groups * self.weight[0].size

    def product(self, rows: np.ndarray) -> np.ndarray:
        return grouped_product(rows, self.weight, self.groups)


@dataclass(frozen=True, eq=False)
class Conv2d(GroupedConv):
    """2-d cross-correlation (PyTorch / ONNX Conv), NCHW, zero padding, lowered to a matrix product by im2col.

    Each output position (n, oh, ow) gives one row: the input patch ``xpad[n, :, oh*sh : oh*sh + dh*(kh-1) + 1 : dh,
    ow*sw : ow*sw + dw*(kw-1) + 1 : dw]`` flattened in (channel, kernel row, kernel column) order, so the weight
    matrix is ``weight.reshape(out_ch, in_ch * kh * kw)``. Rows are ordered batch-major, then oh, then ow. A
    grouped (or depthwise) convolution, ``groups`` > 1, is one block-diagonal matrix (out_ch, in_ch * kh * kw):
    group g's filters see only its channels, the other cells hold zero weights; the crossbars hold it packed, as
    many groups a block as an array takes (:mod:`cimsim.packing`, the diagonal mapping of depthwise layers).
    """

    kind: ClassVar[str] = "conv2d"
    weight: np.ndarray
    """(out_ch, in_ch / groups, kh, kw) real"""
    bias: np.ndarray | None = None
    """(out_ch,) real, or None"""
    stride: tuple[int, int] = (1, 1)
    """(vertical, horizontal) step; an int means both"""
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    """zeros added (top, left, bottom, right); an int means all four, a pair (height, width) both sides"""
    dilation: tuple[int, int] = (1, 1)
    """(vertical, horizontal) spacing of the kernel taps; an int means both"""
    groups: int = 1
    """channel groups: in_ch and out_ch are split in ``groups`` independent convolutions"""
    tap_fraction: float = 1.0
    """the share of its (output position, kernel tap) pairs whose input is a value, not a zero an import inserted,
    in (0, 1]: a transposed convolution, lowered to Dilate + Pad + this conv, meets its stride's and padding's zeros
    at the others (from their pattern, edges included). MACs and the baseline's work count that share; the arrays
    read every tap"""

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "weight", real_array("Conv2d weight", self.weight, 4))
        object.__setattr__(self, "bias", checked_bias(self.bias, self.weight.shape[0]))
        object.__setattr__(self, "stride", _pair("Conv2d stride", self.stride, 1))
        object.__setattr__(self, "padding", _padding("Conv2d padding", self.padding))
        object.__setattr__(self, "dilation", _pair("Conv2d dilation", self.dilation, 1))
        object.__setattr__(self, "groups", checked_groups("Conv2d", self.groups, self.weight.shape[0]))

    def _extent(self) -> tuple[int, int]:
        """Height and width of the input window one output position reads (dilation included)."""
        (kh, kw), (dh, dw) = self.weight.shape[2:], self.dilation
        return dh * (kh - 1) + 1, dw * (kw - 1) + 1

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        out_ch, in_ch = self.weight.shape[0], self.weight.shape[1] * self.groups
        shape = tuple(input_shape)
        if len(shape) != 3 or shape[0] != in_ch:
            raise ValueError(f"Conv2d expects ({in_ch}, height, width) per sample; got {shape}")
        top, left, bottom, right = self.padding
        eh, ew = self._extent()
        h = window_out(shape[1] + top + bottom, eh, self.stride[0])
        w = window_out(shape[2] + left + right, ew, self.stride[1])
        if h == 0 or w == 0:
            raise ValueError(f"Conv2d kernel {eh}x{ew} (padding {self.padding}) does not fit a {shape[1]}x{shape[2]} "
                             "input")
        return out_ch, h, w

    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        _, h, w = self.output_shape(input_shape)
        return h * w

    def to_rows(self, x: np.ndarray) -> np.ndarray:
        """im2col: (batch, in_ch, H, W) -> (batch * oh * ow, in_ch * kh * kw), patch order as in the class doc."""
        _, oh, ow = self._check(x)
        top, left, bottom, right = self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right))) if any(self.padding) else x
        (sh, sw), (dh, dw) = self.stride, self.dilation
        win = sliding_window_view(xp, self._extent(), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
        return win[:, :, :oh, :ow].transpose(0, 2, 3, 1, 4, 5).reshape(x.shape[0] * oh * ow, -1)

    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(batch * oh * ow, out_ch) products -> (batch, out_ch, oh, ow), bias added."""
        out_ch, oh, ow = self._check(x)
        maps = y.reshape(x.shape[0], oh, ow, out_ch).transpose(0, 3, 1, 2)
        return maps if self.bias is None else maps + self.bias[:, None, None]
