"""ONNX GatherElements, ScatterND and ScatterElements on activations (the handler signature of :mod:`._onnx_ops`):
at constant indices a Scatter layer of flat positions; at indices computed from the activations (a mixture of
experts' router) a TakeAlong or PutAlong layer. A scatter into a constant (a tensor made empty, then written in
parts) reads it as a Constant layer."""

from __future__ import annotations

import math

import numpy as np

from ._onnx_checks import in_range
from ._onnx_fold import text_attr
from ._onnx_movement import BatchAxisError
from .indexing import PutAlong, TakeAlong, checked_reduction
from .movement import Constant
from .ops import Affine
from .tables import Scatter

__all__ = ["INDEXING_HANDLERS"]


def _gather_elements(g, op, attrs, names, outs, name):
    """GatherElements of an activation by an activation of indices (a router reading its pick's score), or by
    constant indices (read as a Constant layer; AffineGrid's body): a TakeAlong layer; of a constant holding one
    value everywhere by an activation of indices (Hugging Face's buffered token types, all zero, gathered by
    computed positions): that value, in the indices' shape"""
    if g.is_data(names[0]) and names[1] in g.consts:
        g.append(Constant(g.sample_constant(g.consts[names[1]], names[0])), names[:1], f"{outs[0]}#indices", name)
        names = [names[0], f"{outs[0]}#indices"]
    if g.is_data(names[0]) and g.is_data(names[1]):
        return g.append(TakeAlong(g.sample_axis(attrs.get("axis", 0), names[0])), names[:2], outs[0], name)
    table = g.consts.get(names[0])
    if table is None or not g.is_data(names[1]) or not np.size(table) or np.any(table != np.ravel(table)[0]):
        raise ValueError("GatherElements of an activation, or of a constant by indices computed from activations "
                         "unless the constant holds one value, is not supported")
    g.append(Affine(scale=0.0, shift=float(np.ravel(table)[0])), names[1:2], outs[0], name)


def _scatter(g, op, attrs, names, outs, name):
    """ScatterND / ScatterElements (any reduction) of an activation (or of a constant, read as a Constant layer
    first), at constant indices, with an activation's updates (or constant ones, read as a Constant layer: a
    sequence's start token written in): a Scatter layer writing at the flat positions the indices name (within one
    sample: the batch axis is kept as an axis, the indices address it); ScatterElements at computed indices:
    :func:`_put_along`"""
    data, index, updates = names[:3]
    if data in g.consts and (g.is_data(index) or g.is_data(updates)):  # written into a constant (an empty tensor)
        like = next((t for t in (updates, index) if g.is_data(t) and g.full_ndim(t) == np.ndim(g.consts[data])), None)
        if like is None:
            raise ValueError(f"{op} into a constant needs indices or updates of its rank from the activations")
        g.append(Constant(g.sample_constant(g.consts[data], like)), [like], f"{outs[0]}#data", name)
        data = f"{outs[0]}#data"
    if updates in g.consts and g.is_data(data) and index in g.consts:  # a constant written in (a start token)
        g.append(Constant(g.sample_constant(g.consts[updates], data)), [data], f"{outs[0]}#updates", name)
        updates = f"{outs[0]}#updates"
    reduction = checked_reduction(text_attr(attrs, "reduction", "none"), op)
    if op == "ScatterElements" and g.is_data(data) and g.is_data(index):  # at computed positions: a PutAlong
        return _put_along(g, attrs, data, index, updates, outs[0], name, reduction)
    if index not in g.consts or not (g.is_data(data) and g.is_data(updates)):
        raise ValueError(f"{op} needs an activation as data, and constant indices and updates from the activations "
                         "(ScatterElements: or indices from the activations)")
    if not g.batch_as_axis:
        raise BatchAxisError(f"{op} indexes the batch axis")
    full, indices = g.full_shape(data), np.asarray(g.consts[index]).astype(np.int64)
    cells = np.arange(math.prod(full)).reshape(full)
    if op == "ScatterND":
        targets = cells[tuple(np.moveaxis(indices, -1, 0))]
    else:
        where = list(np.indices(indices.shape))
        axis = g.onnx_axis(attrs.get("axis", 0), data)
        where[axis] = in_range(indices, full[axis], op)
        targets = cells[tuple(where)]
    if targets.shape != g.full_shape(updates):
        raise ValueError(f"{op} indices {list(indices.shape)} name {list(targets.shape)} values; the updates have "
                         f"shape {list(g.full_shape(updates))}")
    g.append(Scatter(targets.ravel(), reduction), [data, updates], outs[0], name)


def _put_along(g, attrs, data: str, index: str, updates: str, out: str, name: str, reduction: str) -> None:
    """ScatterElements of an activation at computed indices: a PutAlong layer of the updates (an activation, or a
    constant holding one value: a router's -inf over its pick)"""
    axis = g.sample_axis(attrs.get("axis", 0), data)
    if g.is_data(updates):
        return g.append(PutAlong(axis, reduction=reduction), [data, index, updates], out, name)
    value = np.asarray(g.consts[updates], dtype=np.float64)
    if not value.size or np.any(value != value.ravel()[0]):
        raise ValueError("ScatterElements at computed indices needs updates from the activations or a constant of "
                         "one value")
    g.append(PutAlong(axis, float(value.ravel()[0]), reduction), [data, index], out, name)


INDEXING_HANDLERS = {"GatherElements": _gather_elements, "ScatterND": _scatter, "ScatterElements": _scatter}
"""ONNX operator -> handler, for the element gathers and scatters of activations"""
