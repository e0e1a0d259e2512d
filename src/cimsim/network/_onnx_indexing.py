"""ONNX GatherElements, GatherND, ScatterND and ScatterElements on activations (the handler signature of
:mod:`._onnx_ops`): GatherND at constant indices as one-hot Interpolate rows (data movement); the others at constant
indices a Scatter layer of flat positions; at indices computed from the activations (a mixture of
experts' router) a TakeAlong or PutAlong layer. A scatter into a constant (a tensor made empty, then written in
parts) reads it as a Constant layer."""

from __future__ import annotations

import math

import numpy as np

from ._onnx_checks import bounded, in_range
from ._onnx_fold import text_attr
from ._onnx_movement import BatchAxisError
from .indexing import PutAlong, TakeAlong, checked_reduction
from .movement import Constant, Reshape, Slice, Upsample
from .ops import Affine
from .tables import Interpolate, Scatter

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


def _gather_nd(g, op, attrs, names, outs, name):
    """GatherND of an activation at constant indices (torch's dynamo exporter writes an adaptive pool's windows so):
    the tensor's first ``batch_dims`` + r axes (r: the indices' last axis) flattened to one, the addressed slices
    picked from it by one-hot Interpolate rows (data movement), and reshaped to the result's shape. Per sample, the
    batch axis must be a batch_dims axis with the same indices for every sample (otherwise BatchAxisError: the
    import retries with the batch as an axis)."""
    if g.is_data(names[0]) and g.is_data(names[1]):
        return _gather_nd_computed(g, attrs, names, outs[0], name)
    if not g.is_data(names[0]) or names[1] not in g.consts:
        raise ValueError("GatherND needs an activation as data (input 0) and constant or computed indices (input 1)")
    full, batch = g.full_shape(names[0]), int(attrs.get("batch_dims", 0))
    indices = np.asarray(g.consts[names[1]]).astype(np.int64)
    r = indices.shape[-1] if indices.ndim else 0
    if indices.ndim < batch + 1 or indices.shape[:batch] != full[:batch] or not 1 <= r <= len(full) - batch:
        raise ValueError(f"GatherND indices of shape {list(indices.shape)} (batch_dims {batch}) do not address data "
                         f"of shape {list(full)}")
    if not indices.size:
        raise ValueError("GatherND with no indices is not supported")
    if not g.batch_as_axis:
        if batch == 0 or np.any(indices != indices[:1]):
            raise BatchAxisError("GatherND indexes the batch axis")
        full, indices, batch = full[1:], indices[0], batch - 1
    lead, rest = full[:batch + r], full[batch + r:]
    grid = [np.arange(n).reshape([-1 if j == b else 1 for j in range(indices.ndim - 1)])
            for b, n in enumerate(lead[:batch])]
    tuples = [in_range(indices[..., k], lead[batch + k], "GatherND") for k in range(r)]
    picked = np.arange(math.prod(lead)).reshape(lead)[tuple(grid + tuples)]
    bounded(picked.size * math.prod(lead), f"GatherND's selection ({picked.size} of {math.prod(lead)} slices)")
    rows = np.zeros((picked.size, math.prod(lead)))
    rows[np.arange(picked.size), picked.ravel()] = 1.0
    g.append(Reshape((math.prod(lead),) + rest), names[:1], f"{outs[0]}#flat", name)
    g.append(Interpolate(rows, 0), [f"{outs[0]}#flat"], f"{outs[0]}#picked", name)
    g.append(Reshape(picked.shape + rest), [f"{outs[0]}#picked"], outs[0], name)


def _gather_nd_computed(g, attrs, names, out, name):
    """GatherND of an activation at indices computed from the activations: one TakeAlong per index component k,
    along the axis it addresses (the data as (lead, points, A_k, rest), the component repeated over rest: an
    Upsample), then the result's shape. Per sample, the batch axis must be a batch_dims axis (else BatchAxisError:
    the import retries with the batch as an axis)."""
    full, index, batch = g.full_shape(names[0]), g.full_shape(names[1]), int(attrs.get("batch_dims", 0))
    if not g.batch_as_axis:
        if batch == 0:
            raise BatchAxisError("GatherND at computed indices indexes the batch axis")
        full, index, batch = full[1:], index[1:], batch - 1
    r = index[-1] if index else 0
    if tuple(index[:batch]) != tuple(full[:batch]) or not 1 <= r <= len(full) - batch:
        raise ValueError(f"GatherND indices of shape {list(index)} (batch_dims {batch}) do not address data of "
                         f"shape {list(full)}")
    lead, points, axes = math.prod(full[:batch]), math.prod(index[batch:-1]), full[batch:batch + r]
    rest = math.prod(full[batch + r:])
    g.append(Reshape((lead, points, r)), names[1:2], f"{out}#indices", name)
    x = names[0]
    for k in range(r):
        after = math.prod(axes[k + 1:]) * rest
        lead_shape = (lead,) if k == 0 else (lead, points)
        g.append(Reshape(lead_shape + (axes[k], after)), [x], f"{out}#data{k}", name)
        g.append(Slice(2, k, k + 1), [f"{out}#indices"], f"{out}#part{k}", name)
        g.append(Reshape((lead, points) + (1,) * (k > 0) + (1,)), [f"{out}#part{k}"], f"{out}#column{k}", name)
        g.append(Upsample((1, 1) + (1,) * (k > 0) + (after,)), [f"{out}#column{k}"], f"{out}#spread{k}", name)
        g.append(TakeAlong(len(lead_shape)), [f"{out}#data{k}", f"{out}#spread{k}"], f"{out}#taken{k}", name)
        x = f"{out}#taken{k}"
    g.append(Reshape(tuple(index[:-1]) + tuple(full[batch + r:])), [x], out, name)


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


INDEXING_HANDLERS = {"GatherElements": _gather_elements, "GatherND": _gather_nd, "ScatterND": _scatter,
                     "ScatterElements": _scatter}
"""ONNX operator -> handler, for the element and slice gathers and the scatters of activations"""
