"""Pooling layers of a network (digital): max and average over windows of NCHW maps, and global average."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .arguments import _padding, _pair
from .layers import DigitalLayer, window_out

__all__ = ["MaxPool2d", "AvgPool2d", "GlobalAvgPool2d"]


@dataclass(frozen=True, eq=False)
class _Pool2d(DigitalLayer):
    """A window of ``kernel`` taps ``dilation`` apart moving by ``stride`` (default: the kernel) over NCHW maps,
    ``padding`` (top, left, bottom, right) added around them."""

    kernel: tuple[int, int]
    """(height, width) of the window; an int means both"""
    stride: tuple[int, int] | None = None
    """(vertical, horizontal) step; an int means both; None: the kernel"""
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    """added (top, left, bottom, right): never the maximum (max pool), not counted in the mean (average pool,
    unless count_include_pad)"""
    dilation: tuple[int, int] = (1, 1)
    """(vertical, horizontal) distance between a window's taps; an int means both"""

    def __post_init__(self):
        super().__post_init__()
        name = type(self).__name__
        object.__setattr__(self, "kernel", _pair(f"{name} kernel", self.kernel, 1))
        object.__setattr__(self, "stride", _pair(f"{name} stride",
                                                 self.kernel if self.stride is None else self.stride, 1))
        object.__setattr__(self, "padding", _padding(f"{name} padding", self.padding))
        object.__setattr__(self, "dilation", _pair(f"{name} dilation", self.dilation, 1))

    @property
    def extent(self) -> tuple[int, int]:
        """(height, width) a window spans: dilation x (kernel - 1) + 1"""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel))

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        shape = tuple(input_shape)
        name = type(self).__name__
        if len(shape) != 3:
            raise ValueError(f"{name} expects (channels, height, width) per sample; got {shape}")
        top, left, bottom, right = self.padding
        h = window_out(shape[1] + top + bottom, self.extent[0], self.stride[0])
        w = window_out(shape[2] + left + right, self.extent[1], self.stride[1])
        if h == 0 or w == 0:
            raise ValueError(f"{name} kernel {self.kernel} (spanning {self.extent}) does not fit a "
                             f"{shape[1]}x{shape[2]} input")
        for n, begin, k, s, out in zip(shape[1:], (top, left), self.extent, self.stride, (h, w)):
            if begin >= k or (out - 1) * s >= n + begin:  # a max or mean of no input value
                raise ValueError(f"{name} padding {self.padding} leaves a {k}-wide window of a {shape[1]}x{shape[2]} "
                                 "input on padding only")
        return shape[0], h, w

    def work(self, input_shape: tuple[int, ...]) -> int:
        return math.prod(self.output_shape(input_shape)) * math.prod(self.kernel)

    def _windows(self, x: np.ndarray, fill: float) -> np.ndarray:
        """(batch, channels, oh, ow, kh, kw) view of the windows over ``x`` padded with ``fill``."""
        _, oh, ow = self._check(x)
        top, left, bottom, right = self.padding
        if any(self.padding):
            x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return sliding_window_view(x, self.extent, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :oh, :ow]


@dataclass(frozen=True, eq=False)
class MaxPool2d(_Pool2d):
    """Maximum over each window."""

    kind: ClassVar[str] = "maxpool2d"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self._windows(x, -np.inf).max(axis=(4, 5))


@dataclass(frozen=True, eq=False)
class AvgPool2d(_Pool2d):
    """Mean over each window (over its input values only, unless ``count_include_pad``)."""

    kind: ClassVar[str] = "avgpool2d"
    count_include_pad: bool = False

    def __call__(self, x: np.ndarray) -> np.ndarray:
        sums = self._windows(x, 0.0).sum(axis=(4, 5))
        if self.count_include_pad or not any(self.padding):
            return sums / math.prod(self.kernel)
        ones = np.ones((1, 1) + x.shape[2:])
        return sums / self._windows(ones, 0.0).sum(axis=(4, 5))


@dataclass(frozen=True, eq=False)
class GlobalAvgPool2d(DigitalLayer):
    """Mean over each whole map: (C, H, W) -> (C, 1, 1)."""

    kind: ClassVar[str] = "globalavgpool2d"

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(input_shape) != 3:
            raise ValueError(f"GlobalAvgPool2d expects (channels, height, width) per sample; got {input_shape}")
        return input_shape[0], 1, 1

    def work(self, input_shape: tuple[int, ...]) -> int:
        return math.prod(input_shape)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x.mean(axis=(2, 3), keepdims=True)
