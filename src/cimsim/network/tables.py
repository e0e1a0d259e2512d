"""Digital layers that apply a constant table: an embedding lookup (token ids -> rows), a constant linear map along
one axis (resizes, running sums) and a scatter to constant positions. All run in the digital periphery, exactly, in
float64."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .indexing import checked_reduction, scattered
from .arguments import constant_array
from .layers import DigitalLayer
from .ops import per_sample_axis

__all__ = ["Interpolate", "Embedding", "Scatter"]


@dataclass(frozen=True, eq=False)
class Interpolate(DigitalLayer):
    """A constant linear map along one per-sample ``axis``: out[.., i, ..] = sum_j weight[i, j] x[.., j, ..] (a
    linear Resize: at most two non-zero weights per row). Work: a multiply-accumulate per non-zero weight and
    position of the other axes."""

    kind: ClassVar[str] = "interpolate"
    weight: np.ndarray
    axis: int = 0

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "weight", constant_array("Interpolate weight", self.weight))
        if self.weight.ndim != 2 or 0 in self.weight.shape:
            raise ValueError(f"Interpolate weight must be a non-empty (out, in) matrix; got shape {self.weight.shape}")

    @property
    def selects(self) -> bool:
        """True when every output copies one input (one weight of 1 per row: a nearest resize), data movement"""
        return bool(np.all(np.count_nonzero(self.weight, axis=1) == 1) and np.all(self.weight.max(axis=1) == 1.0))

    def _axis(self, input_shape: tuple[int, ...]) -> int:
        axis = per_sample_axis(self.axis, len(input_shape), "Interpolate")
        if input_shape[axis] != self.weight.shape[1]:
            raise ValueError(f"Interpolate maps {self.weight.shape[1]} values along axis {self.axis}; the input "
                             f"{tuple(input_shape)} has {input_shape[axis]}")
        return axis

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        axis = self._axis(tuple(input_shape))
        return tuple(input_shape[:axis]) + (self.weight.shape[0],) + tuple(input_shape[axis + 1:])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        axis = self._axis(x.shape[1:]) + 1
        return np.moveaxis(np.tensordot(x, self.weight, axes=([axis], [1])), -1, axis)

    def work(self, input_shape: tuple[int, ...]) -> int:
        axis = self._axis(tuple(input_shape))
        return int(np.count_nonzero(self.weight)) * math.prod(input_shape) // input_shape[axis]


@dataclass(frozen=True, eq=False)
class Embedding(DigitalLayer):
    """A lookup: each value of the input is a row number of ``table`` (vocabulary x dim; token ids, held as floats
    of integer value), replaced by that row: (...) -> (..., dim). A memory read, not arithmetic: no work; the table
    is kept in DRAM by the cost model. Ids that are not integers in [0, vocabulary) are refused."""

    kind: ClassVar[str] = "embedding"
    table: np.ndarray

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "table", constant_array("Embedding table", self.table))
        if self.table.ndim != 2 or 0 in self.table.shape:
            raise ValueError(f"Embedding table must be a non-empty (vocabulary, dim) matrix; got {self.table.shape}")

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape) + (self.table.shape[1],)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.output_shape(x.shape[1:])
        ids = np.asarray(x)
        if ids.size and not (np.all(ids == np.floor(ids)) and ids.min() >= 0 and ids.max() < self.table.shape[0]):
            fractional = ids[ids != np.floor(ids)]
            raise ValueError(f"Embedding ids must be integers in [0, {self.table.shape[0]}); got values from "
                             f"{float(ids.min()):g} to {float(ids.max()):g}"
                             + (f", {fractional.size} not an integer (e.g. {float(fractional[0]):g})"
                                if fractional.size else ""))
        return self.table[ids.astype(np.int64)]

    def work(self, input_shape: tuple[int, ...]) -> int:
        return 0


@dataclass(frozen=True, eq=False)
class Scatter(DigitalLayer):
    """Values written in place: (data, updates) -> data with updates' k-th value (flat, C order) at data's flat
    position ``positions[k]`` (ONNX ScatterND / ScatterElements with constant indices; MViT v2 adds its relative
    positions to part of its attention so), or combined with the value there by ``reduction`` (one of
    :data:`~cimsim.network.indexing.SCATTER_REDUCTIONS`: torch's ``scatter_add``). Written positions are distinct.
    Data movement, and a combining operation per update."""

    kind: ClassVar[str] = "scatter"
    arity: ClassVar[int | None] = 2
    positions: np.ndarray
    reduction: str = "none"

    def __post_init__(self):
        super().__post_init__()
        checked_reduction(self.reduction, "Scatter")
        p = np.asarray(self.positions)
        if p.ndim != 1 or p.dtype.kind not in "iu" or (p.size and p.min() < 0):
            raise ValueError(f"Scatter positions must be a 1-d array of integers >= 0; got {p.dtype} {p.shape}")
        if self.reduction == "none" and len(np.unique(p)) != len(p):
            raise ValueError("Scatter positions must be distinct (two updates of one value have no defined order) "
                             "unless a reduction combines them")
        p = p.astype(np.int64)
        p.setflags(write=False)
        object.__setattr__(self, "positions", p)

    def output_shape(self, data_shape: tuple[int, ...], updates_shape: tuple[int, ...]) -> tuple[int, ...]:
        if math.prod(updates_shape) != len(self.positions):
            raise ValueError(f"Scatter writes {len(self.positions)} values; got updates of shape {updates_shape}")
        if self.positions.size and self.positions.max() >= math.prod(data_shape):
            raise ValueError(f"Scatter position {self.positions.max()} is outside data of shape {data_shape}")
        return tuple(data_shape)

    def __call__(self, data: np.ndarray, updates: np.ndarray) -> np.ndarray:
        self.output_shape(data.shape[1:], updates.shape[1:])
        out = data.reshape(len(data), -1).copy()
        scattered(out, (slice(None), self.positions), updates.reshape(len(updates), -1), self.reduction)
        return out.reshape(data.shape)
