"""Values read or written at positions computed from the activations, along one axis: ONNX GatherElements and
ScatterElements (torch's ``gather`` and ``scatter``, and ``scatter_add`` / ``index_add``: a scatter that combines)
by computed indices, as a mixture of experts' router reads the score of the expert it picked, or masks it out.
Digital: data movement on the vector unit, and a scatter's combining operation per update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .layers import DigitalLayer
from .ops import per_sample_axis

__all__ = ["TakeAlong", "PutAlong", "SCATTER_REDUCTIONS", "checked_reduction", "scattered"]

SCATTER_REDUCTIONS = {"none": None, "add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}
"""a scatter's reduction (ONNX ScatterElements / ScatterND) -> how an update combines with the value it lands on
(none: it replaces it)"""


def checked_reduction(reduction, kind: str) -> str:
    if reduction not in SCATTER_REDUCTIONS:
        raise ValueError(f"{kind} reduction must be one of {', '.join(SCATTER_REDUCTIONS)}; got {reduction!r}")
    return reduction


def scattered(target: np.ndarray, where: tuple, values: np.ndarray, reduction: str) -> None:
    """``values`` written into ``target`` at index tuple ``where`` in place, each combined with the value it lands on
    by ``reduction`` (every update of one position in turn, as ONNX's)"""
    combine = SCATTER_REDUCTIONS[reduction]
    if combine is None:
        target[where] = values
    else:
        combine.at(target, where, values)


def _positions(indices: np.ndarray, size: int, kind: str) -> np.ndarray:
    """``indices`` (activations) as int64 positions in [0, size): integers in [-size, size), negative ones counted
    from the end (as ONNX); a ValueError otherwise"""
    if not np.all(np.isfinite(indices)) or np.any(indices != np.round(indices)) or (
            indices.size and (indices.min() < -size or indices.max() >= size)):
        low, high = (float(indices.min()), float(indices.max())) if indices.size else (0.0, 0.0)
        raise ValueError(f"{kind} indices must be integers in [{-size}, {size}); got values from {low:g} to {high:g}")
    return np.where(indices < 0, indices + size, indices).astype(np.int64)


def _within(a: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """the view of a batch ``a`` that per-sample ``shape`` covers, all of ``axis`` (indices may be shorter than the
    data along the other axes)"""
    return a[(slice(None),) + tuple(slice(None) if k == axis else slice(0, n) for k, n in enumerate(shape))]


def _check_shapes(data_shape: tuple[int, ...], index_shape: tuple[int, ...], axis: int, kind: str) -> None:
    if len(index_shape) != len(data_shape) or any(i > d for k, (i, d) in enumerate(zip(index_shape, data_shape))
                                                  if k != axis):
        raise ValueError(f"{kind} indices of shape {index_shape} do not fit data of shape {data_shape} (the same "
                         f"axes, no longer than the data's but along axis {axis})")


@dataclass(frozen=True, eq=False)
class TakeAlong(DigitalLayer):
    """(data, indices) -> out[..., i, ...] = data[..., indices[..., i, ...], ...] along a per-sample ``axis``:
    the indices' shape (ONNX GatherElements)."""

    kind: ClassVar[str] = "take_along"
    arity: ClassVar[int | None] = 2
    axis: int = -1

    def output_shape(self, data_shape: tuple[int, ...], index_shape: tuple[int, ...]) -> tuple[int, ...]:
        _check_shapes(tuple(data_shape), tuple(index_shape), per_sample_axis(self.axis, len(data_shape), "TakeAlong"),
                      "TakeAlong")
        return tuple(index_shape)

    def __call__(self, data: np.ndarray, indices: np.ndarray) -> np.ndarray:
        self.output_shape(data.shape[1:], indices.shape[1:])
        axis = per_sample_axis(self.axis, data.ndim - 1, "TakeAlong")
        positions = _positions(indices, data.shape[axis + 1], "TakeAlong")
        return np.take_along_axis(_within(data, indices.shape[1:], axis), positions, axis=axis + 1)


@dataclass(frozen=True, eq=False)
class PutAlong(DigitalLayer):
    """(data, indices, updates) -> data with each update written at its index along a per-sample ``axis`` (ONNX
    ScatterElements; of one index named twice, the later update stays), or combined with the value there by
    ``reduction`` (:data:`SCATTER_REDUCTIONS`: torch's ``scatter_add``); with ``value`` (a constant, -inf allowed,
    as a router masks its pick out), (data, indices) and that value written."""

    kind: ClassVar[str] = "put_along"
    arity: ClassVar[int | None] = None
    axis: int = -1
    value: float | None = None
    reduction: str = "none"

    def __post_init__(self):
        super().__post_init__()
        checked_reduction(self.reduction, "PutAlong")

    def output_shape(self, *shapes: tuple[int, ...]) -> tuple[int, ...]:
        if len(shapes) != 2 + (self.value is None):
            raise ValueError(f"PutAlong takes (data, indices{', updates' if self.value is None else ''}); got "
                             f"{len(shapes)} inputs")
        data_shape, index_shape, *updates_shape = shapes
        _check_shapes(tuple(data_shape), tuple(index_shape), per_sample_axis(self.axis, len(data_shape), "PutAlong"),
                      "PutAlong")
        if updates_shape and tuple(updates_shape[0]) != tuple(index_shape):
            raise ValueError(f"PutAlong updates of shape {updates_shape[0]} differ from the indices' {index_shape}")
        return tuple(data_shape)

    def __call__(self, data: np.ndarray, indices: np.ndarray, *updates: np.ndarray) -> np.ndarray:
        self.output_shape(data.shape[1:], indices.shape[1:], *(u.shape[1:] for u in updates))
        axis = per_sample_axis(self.axis, data.ndim - 1, "PutAlong")
        out = data.copy()
        values = updates[0] if updates else np.full(indices.shape, self.value)
        where = list(np.indices(indices.shape, sparse=True))
        where[axis + 1] = _positions(indices, data.shape[axis + 1], "PutAlong")
        scattered(_within(out, indices.shape[1:], axis), tuple(where), values, self.reduction)  # into out
        return out
