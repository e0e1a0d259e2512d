"""3-d convolution (video and volume CNNs: PyTorch Conv3d, ONNX Conv with a 5-d weight), a matrix layer on crossbars.

As :class:`~cimsim.network.layers.Conv2d` one dimension up: NCDHW activations, zero padding, lowered to one matrix
product by im2col, so a 3-d kernel is one weight matrix (out_ch, in_ch / groups x kd x kh x kw), programmed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arguments import checked_bias, checked_groups, ints, real_array
from .layers import GroupedConv, window_out

__all__ = ["Conv3d"]

_AXES = "depth, height, width"


@dataclass(frozen=True, eq=False)
class Conv3d(GroupedConv):
    """3-d cross-correlation, NCDHW, lowered by im2col. Each output position (n, od, oh, ow) gives one row: the input
    patch flattened in (channel, kernel depth, row, column) order, so the matrix is ``weight.reshape(out_ch, -1)``
    (block-diagonal over ``groups``, as Conv2d's). Rows are ordered batch-major, then od, oh, ow."""

    kind: ClassVar[str] = "conv3d"
    weight: np.ndarray
    """(out_ch, in_ch / groups, kd, kh, kw) real"""
    bias: np.ndarray | None = None
    """(out_ch,) real, or None"""
    stride: tuple[int, int, int] = (1, 1, 1)
    """(depth, height, width) step; an int means all three"""
    padding: tuple[int, ...] = (0, 0, 0, 0, 0, 0)
    """zeros added before each of depth, height, width, then after each (ONNX's order); an int means all six"""
    dilation: tuple[int, int, int] = (1, 1, 1)
    """(depth, height, width) spacing of the kernel taps; an int means all three"""
    groups: int = 1
    """channel groups: in_ch and out_ch are split in ``groups`` independent convolutions"""
    tap_fraction: float = 1.0
    """the share of its (output position, kernel tap) pairs whose input is a value, not a zero an import inserted
    (as Conv2d's: a transposed convolution's)"""

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "weight", real_array("Conv3d weight", self.weight, 5))
        object.__setattr__(self, "bias", checked_bias(self.bias, self.weight.shape[0]))
        object.__setattr__(self, "stride", ints("Conv3d stride", self.stride, 3, 1, _AXES))
        object.__setattr__(self, "padding", ints("Conv3d padding", self.padding, 6, 0, "begins, then ends"))
        object.__setattr__(self, "dilation", ints("Conv3d dilation", self.dilation, 3, 1, _AXES))
        object.__setattr__(self, "groups", checked_groups("Conv3d", self.groups, self.weight.shape[0]))

    def _extent(self) -> tuple[int, ...]:
        """Depth, height and width of the input window one output position reads (dilation included)."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.weight.shape[2:]))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        out_ch, in_ch = self.weight.shape[0], self.weight.shape[1] * self.groups
        shape = tuple(input_shape)
        if len(shape) != 4 or shape[0] != in_ch:
            raise ValueError(f"Conv3d expects ({in_ch}, depth, height, width) per sample; got {shape}")
        sizes = [n + self.padding[k] + self.padding[k + 3] for k, n in enumerate(shape[1:])]
        out = tuple(window_out(n, e, s) for n, e, s in zip(sizes, self._extent(), self.stride))
        if 0 in out:
            raise ValueError(f"Conv3d kernel {self._extent()} (padding {self.padding}) does not fit a {shape[1:]} "
                             "input")
        return (out_ch,) + out

    def rows_per_sample(self, input_shape: tuple[int, ...]) -> int:
        _, d, h, w = self.output_shape(input_shape)
        return d * h * w

    def to_rows(self, x: np.ndarray) -> np.ndarray:
        """im2col: (batch, in_ch, D, H, W) -> (batch * od * oh * ow, in_ch * kd * kh * kw)."""
        _, od, oh, ow = self._check(x)
        pads = ((0, 0), (0, 0)) + tuple((self.padding[k], self.padding[k + 3]) for k in range(3))
        xp = np.pad(x, pads) if any(self.padding) else x
        (sd, sh, sw), (dd, dh, dw) = self.stride, self.dilation
        win = sliding_window_view(xp, self._extent(), axis=(2, 3, 4))[:, :, ::sd, ::sh, ::sw, ::dd, ::dh, ::dw]
        return win[:, :, :od, :oh, :ow].transpose(0, 2, 3, 4, 1, 5, 6, 7).reshape(x.shape[0] * od * oh * ow, -1)

    def from_rows(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(batch * od * oh * ow, out_ch) products -> (batch, out_ch, od, oh, ow), bias added."""
        out_ch, od, oh, ow = self._check(x)
        maps = y.reshape(x.shape[0], od, oh, ow, out_ch).transpose(0, 4, 1, 2, 3)
        return maps if self.bias is None else maps + self.bias[:, None, None, None]
