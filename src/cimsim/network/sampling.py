"""Sampling a map at points that the activations give: grid sampling (spatial transformers, deformable attention,
the warps of optical flow). Digital and exact in float64."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .layers import DigitalLayer

__all__ = ["GridSample", "GRID_MODES", "GRID_PADDING"]

GRID_MODES = ("bilinear", "nearest")
"""how a point between pixels reads the map: its four neighbours weighted by distance, or the nearest pixel"""
GRID_PADDING = ("zeros", "border", "reflection")
"""what a point outside the map reads: zero, the nearest border pixel, or the map mirrored at its border"""


@dataclass(frozen=True, eq=False)
class GridSample(DigitalLayer):
    """(map (C, H, W), grid (Ho, Wo, 2)) -> (C, Ho, Wo): the map read at each grid point (x, y), both in [-1, 1]
    across the map, as torch's ``grid_sample`` and ONNX's GridSample (opset 16) define it; a stack of n maps per
    sample (n, C, H, W), each at its own grid (n, Ho, Wo, 2), -> (n, C, Ho, Wo) (the heads or windows a model moved
    into the batch axis of a batch-1 export: deformable attention, RAFT's correlations). ``align_corners``: -1 and
    1 are the centres of the corner pixels (else their outer edges). ``mode`` and ``padding_mode``: GRID_MODES and
    GRID_PADDING; nearest rounds half to even. A point that is not finite reads zero. Work: a multiply and an add per
    tap (four per point bilinear, one nearest)."""

    kind: ClassVar[str] = "gridsample"
    arity: ClassVar[int | None] = 2
    mode: str = "bilinear"
    padding_mode: str = "zeros"
    align_corners: bool = False

    def __post_init__(self):
        super().__post_init__()
        for name, value, allowed in (("mode", self.mode, GRID_MODES), ("padding_mode", self.padding_mode,
                                                                       GRID_PADDING)):
            if value not in allowed:
                raise ValueError(f"GridSample {name} must be one of {', '.join(allowed)}; got {value!r}")

    def output_shape(self, map_shape: tuple[int, ...], grid_shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(map_shape) not in (3, 4) or len(grid_shape) != len(map_shape) or grid_shape[-1] != 2 or (
                len(map_shape) == 4 and grid_shape[0] != map_shape[0]):
            raise ValueError(f"GridSample reads a (channels, height, width) map (or a stack of n, (n, channels, "
                             f"height, width), with n grids) at a (height, width, 2) grid per sample; got "
                             f"{tuple(map_shape)} and {tuple(grid_shape)}")
        return tuple(map_shape[:-2]) + tuple(grid_shape[-3:-1])

    def work(self, map_shape: tuple[int, ...], grid_shape: tuple[int, ...]) -> int:
        return (4 if self.mode == "bilinear" else 1) * math.prod(self.output_shape(map_shape, grid_shape))

    def __call__(self, x: np.ndarray, grid: np.ndarray) -> np.ndarray:
        self.output_shape(x.shape[1:], grid.shape[1:])
        if x.ndim == 5:  # stacks of maps: each map of each sample with its grid
            out = self(x.reshape((-1,) + x.shape[2:]), grid.reshape((-1,) + grid.shape[2:]))
            return out.reshape(x.shape[:2] + out.shape[1:])
        out = np.zeros((x.shape[0], x.shape[1]) + grid.shape[1:3])
        for rows, cols, weight in self._taps(grid, *x.shape[2:]):
            inside = _inside(rows, cols, weight, *x.shape[2:])
            r, c = np.where(inside, rows, 0).astype(np.int64), np.where(inside, cols, 0).astype(np.int64)
            values = x[np.arange(x.shape[0])[:, None, None], :, r, c]  # (batch, Ho, Wo, C)
            out += np.moveaxis(np.where(inside[..., None], values * weight[..., None], 0.0), -1, 1)
        return out

    def matrix(self, grid: np.ndarray, h: int, w: int) -> np.ndarray:
        """(Ho Wo, h w): the linear map from an h x w map's pixels (C order) to the points of one (Ho, Wo, 2) grid:
        what this layer computes at a constant grid (a fixed warp)"""
        m = np.zeros((grid.shape[0] * grid.shape[1], h * w))
        for rows, cols, weight in self._taps(grid, h, w):
            inside = _inside(rows, cols, weight, h, w).ravel()
            points = np.nonzero(inside)[0]
            pixels = (rows.ravel()[inside] * w + cols.ravel()[inside]).astype(np.int64)
            np.add.at(m, (points, pixels), weight.ravel()[inside])
        return m

    def _taps(self, grid: np.ndarray, h: int, w: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(row, column, weight) of each tap of every grid point: the nearest pixel, or the four around the point"""
        ix, iy = self._coordinate(grid[..., 0], w), self._coordinate(grid[..., 1], h)
        if self.mode == "nearest":
            return [(np.rint(iy), np.rint(ix), np.ones_like(ix))]
        x0, y0 = np.floor(ix), np.floor(iy)
        fx, fy = ix - x0, iy - y0
        return [(y0 + dy, x0 + dx, wy * wx) for dy, wy in ((0.0, 1.0 - fy), (1.0, fy))
                for dx, wx in ((0.0, 1.0 - fx), (1.0, fx))]

    def _coordinate(self, g: np.ndarray, size: int) -> np.ndarray:
        """the pixel coordinate of normalised grid values along an axis of ``size`` pixels, padded as the mode says
        (torch's grid_sampler_compute_source_index)"""
        p = (g + 1.0) / 2.0 * (size - 1) if self.align_corners else ((g + 1.0) * size - 1.0) / 2.0
        if self.padding_mode == "reflection":  # mirrored at the corner centres, or at the map's outer edges
            low, span = (0.0, size - 1.0) if self.align_corners else (-0.5, float(size))
            if span <= 0:
                return np.where(np.isfinite(p), 0.0, p)
            d = np.abs(p - low)
            flips, extra = np.floor(d / span), np.fmod(d, span)
            p = np.where(flips % 2 == 0, extra + low, span - extra + low)
        if self.padding_mode != "zeros":
            p = np.clip(p, 0.0, size - 1.0)
        return p



def _inside(rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, h: int, w: int) -> np.ndarray:
    """taps on a pixel of the map, with a finite weight (the others read zero)"""
    return (np.isfinite(rows) & np.isfinite(cols) & np.isfinite(weight) & (rows >= 0) & (rows <= h - 1)
            & (cols >= 0) & (cols <= w - 1))
