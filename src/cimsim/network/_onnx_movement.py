"""ONNX data-movement operators: reshapes, slices, gathers (and embedding lookups), squeezes, flatten, transpose,
concat (with constant parts too), pad, expand, tile and depth / space rearrangements, one handler each (the handler
signature of :mod:`._onnx_ops`). Resize is in :mod:`._onnx_resize`; GatherElements and the scatters in
:mod:`._onnx_indexing`; Slice and Split's handler in :mod:`._onnx_slices`."""

from __future__ import annotations

import math

import numpy as np

from ._onnx_checks import check_pad_count, in_range, squeezed
from ._onnx_fold import flatten_axis, int_list, text_attr
from ._onnx_slices import slices
from .indexing import TakeAlong
from .movement import PAD_MODES, Concat, Flatten, JoinConstant, Pad, Reshape, Slice, Transpose, Upsample
from .ops import Affine
from .tables import Embedding, Interpolate

__all__ = ["MOVEMENT_HANDLERS", "BatchAxisError", "per_sample_transpose", "resolved_shape"]


class BatchAxisError(ValueError):
    """A node of the graph moves or mixes the batch axis (e.g. attention reshaping to (batch * heads, ...))."""


def resolved_shape(full: tuple[int, ...], target) -> tuple[int, ...]:
    """The shape ``target`` (one entry may be -1) takes for a tensor of shape ``full`` (:meth:`Reshape.output_shape`);
    a ValueError naming both when it cannot hold its values"""
    try:
        return Reshape(tuple(target)).output_shape(tuple(full))
    except ValueError:
        raise ValueError(f"cannot reshape {list(full)} to {list(target)}") from None


def _reshape(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    """Reshape to a constant shape (input 1; an attribute before opset 5)"""
    full = g.full_shape(names[0])
    given = np.ravel(attrs["shape"] if "shape" in attrs else g.operand(names, 1, "Reshape's shape")).astype(np.int64)
    target = [full[k] if d == 0 else int(d) for k, d in enumerate(given)]
    resolved = resolved_shape(full, target)
    if given.size and given[0] > 0 and not g.batch_size.leads(names[1] if len(names) > 1 else ""):
        _symbolic_batch(g, f"a reshape to {given.tolist()} puts {given[0]} on the batch axis, not the batch size "
                        "(0, -1, or the size read by Shape)")
    shape = g.sample_shape(resolved)
    if shape == g.shape[names[0]]:
        return g.alias(out, names[0])
    g.append(Flatten() if len(shape) == 1 and not g.batch_as_axis else Reshape(shape), [names[0]], out, name)


def _gather(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    """Constant indices taken from an activation along one axis: one index or a run of consecutive ones as a slice,
    any others (F.unfold's patches) as one-hot Interpolate rows (data movement) reshaped to the indices' shape; rows
    of a constant table picked by an activation of ids along axis 0 (an embedding lookup of token ids): Embedding;
    indices computed from the activations: :func:`_gather_computed`."""
    if names[0] in g.consts and g.is_data(names[1]):
        table = np.asarray(g.consts[names[0]])
        if attrs.get("axis", 0) != 0 or table.ndim != 2:
            raise ValueError(f"a lookup of ids is supported along axis 0 of a 2-d table; got axis "
                             f"{attrs.get('axis', 0)} of a table of shape {table.shape}")
        return g.append(Embedding(table), [names[1]], out, name)
    if names[1] not in g.consts:
        return _gather_computed(g, attrs, names, out, name)
    axis = g.sample_axis(attrs.get("axis", 0), names[0])
    size = g.shape[names[0]][axis]
    index = in_range(g.consts[names[1]], size, "Gather")
    if index.size == 0:
        raise ValueError("Gather with no indices is not supported")
    if index.ndim > 1 or (index.ndim == 1 and np.any(np.diff(index) != 1)):  # any other selection: one-hot rows
        shape = g.shape[names[0]]
        g.append(Interpolate(np.eye(size)[index.ravel()], axis), [names[0]], f"{out}#selected", name)
        return g.append(Reshape(shape[:axis] + index.shape + shape[axis + 1:]), [f"{out}#selected"], out, name)
    start = int(index.ravel()[0])
    if index.ndim == 1:
        return g.append(Slice(axis, start, start + index.size), [names[0]], out, name)
    shape = g.shape[names[0]]
    g.append(Slice(axis, start, start + 1), [names[0]], f"{out}#gather", name)
    g.append(Reshape(shape[:axis] + shape[axis + 1:]), [f"{out}#gather"], out, name)


def _gather_computed(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    """Gather of an activation at indices computed from the activations (CLIP's pooler, x[arange(b), ids.argmax(-1)]:
    the (batch x tokens) axis read at b x tokens + the argmax): the data as (before, axis, after), the indices
    flattened and repeated over before and after (an Upsample), a TakeAlong along the axis, then ONNX's shape. With
    the batch kept as an axis only (a batch-1 export); otherwise the indices' batch axis lands in every sample."""
    if g.types.get(names[1]) == "float":  # ONNX's are int32 or int64
        raise ValueError("Gather needs constant indices, or ids (an activation) indexing a constant table, or integer "
                         "indices computed from the activations; here they are floats")
    if not g.batch_as_axis:
        raise BatchAxisError("a Gather at indices computed from the activations puts their batch axis inside each "
                             "sample's result (a selection of one position per sample written with torch.gather, an "
                             "ONNX GatherElements, is imported at any batch)")
    full, index = g.full_shape(names[0]), g.full_shape(names[1])
    axis = g.onnx_axis(attrs.get("axis", 0), names[0])
    before, after = math.prod(full[:axis]), math.prod(full[axis + 1:])
    g.append(Reshape((before, full[axis], after)), names[:1], f"{out}#data", name)
    g.append(Reshape((1, math.prod(index), 1)), names[1:2], f"{out}#column", name)
    g.append(Upsample((before, 1, after)), [f"{out}#column"], f"{out}#indices", name)
    g.append(TakeAlong(1), [f"{out}#data", f"{out}#indices"], f"{out}#taken", name)
    g.append(Reshape(full[:axis] + index + full[axis + 1:]), [f"{out}#taken"], out, name)


def _squeeze(g, op: str, attrs: dict, names: list[str], out: str, name: str) -> None:
    axes, full = int_list(attrs, [None, g.operand(names, 1, f"{op}'s axes")], "axes", 1), list(g.full_shape(names[0]))
    if op == "Unsqueeze":
        for a in sorted(g.onnx_axis(a, names[0], len(axes)) for a in axes):
            full.insert(a, 1)
            if a == 0:
                _symbolic_batch(g, "an Unsqueeze at axis 0 puts an axis before the batch axis")
    else:
        drop = {g.onnx_axis(a, names[0]) for a in axes} if axes else {k for k, s in enumerate(full) if s == 1}
        full = squeezed(full, drop)
    g.append(Reshape(g.sample_shape(tuple(full))), [names[0]], out, name)


def _flatten(g, op, attrs, names, outs, name):
    full = g.full_shape(names[0])
    axis = flatten_axis(attrs, len(full))
    if axis == 0:
        _symbolic_batch(g, "a Flatten at axis 0 merges the batch axis into the others")
    shape = g.sample_shape((int(np.prod(full[:axis])), int(np.prod(full[axis:]))))
    g.append(Flatten() if len(shape) == 1 else Reshape(shape), names[:1], outs[0], name)


def _symbolic_batch(g, what: str) -> None:
    """BatchAxisError ``what`` where the graph's batch size is symbolic: a first axis of size 1 that is not the
    batch axis (which a fixed batch tells from it by its size; at a fixed batch 1 they hold the same values)"""
    if g.batch_size.symbolic and not g.batch_as_axis:
        raise BatchAxisError(what)


def per_sample_transpose(g, perm) -> Transpose:
    """The Transpose layer of a permutation ``perm`` of ONNX axes (the batch axis kept first)."""
    perm = list(perm)
    if not g.batch_as_axis and perm[0] != 0:
        raise BatchAxisError(f"a transpose that moves the batch axis is not supported; got perm {perm}")
    return Transpose(tuple(perm) if g.batch_as_axis else tuple(p - 1 for p in perm[1:]))


def _transpose(g, op, attrs, names, outs, name):
    """Transpose; a perm entry in [-rank, 0) counts from the last axis, as numpy and torch read it: ONNX has
    perm in [0, rank), but torch's TorchScript exporter writes x.permute(0, -2, -1, 1) with the negative entries"""
    rank = g.full_ndim(names[0])
    perm = attrs.get("perm", list(range(rank))[::-1])
    if any(not -rank <= p < rank for p in perm):
        raise ValueError(f"Transpose perm {list(perm)} has an entry outside [-{rank}, {rank}) for a tensor of rank "
                         f"{rank}")
    g.append(per_sample_transpose(g, [p % rank for p in perm]), names[:1], outs[0], name)


def _concat(g, op, attrs, names, outs, name):
    """Concat of activations; a constant part joins the activation after it (or, last, the one before it)"""
    data = [n for n in names if g.is_data(n)]
    if not data:
        raise ValueError("Concat needs at least one activation")
    axis = g.sample_axis(attrs["axis"], data[0])
    parts, pending = [], []  # activations with their constants joined; constants waiting for the next activation
    for k, n in enumerate(names):
        if not g.is_data(n):
            if np.size(g.consts[n]):
                pending.append(g.sample_constant(g.consts[n], data[0]))
            continue
        for c in reversed(pending):
            g.append(JoinConstant(axis, c, True), [n], f"{outs[0]}#{k}", name)
            n = f"{outs[0]}#{k}"
        parts.append(n)
        pending = []
    for c in pending:  # constants after the last activation
        g.append(JoinConstant(axis, c, False), [parts[-1]], f"{outs[0]}#end", name)
        parts[-1] = f"{outs[0]}#end"
    if len(parts) == 1:
        return g.alias(outs[0], parts[0])
    g.append(Concat(axis), parts, outs[0], name)


def _pad(g, op, attrs, names, outs, name):
    """Pad: pads as an attribute (opset < 11) or a constant input, the value likewise (0 when not given), optional
    axes (opset 18); any mode; the batch axis is not padded; a negative pad crops (a Slice, before the padding:
    NASNet's ZeroPad2d((-1, 1, -1, 1))). A constant pad of -inf (timm's "same" max pooling) is kept for the MaxPool
    that must read it, as that pool's padding."""
    mode = text_attr(attrs, "mode", "constant")
    if mode not in PAD_MODES:
        raise ValueError(f"Pad mode {mode!r} is not one of ONNX's {', '.join(PAD_MODES)}")
    operands = [g.consts.get(n) if n else None for n in names]
    pads = int_list(attrs, operands, "pads", 1)
    if pads is None or any(n and not (n in g.consts) for n in names[1:]):
        raise ValueError("Pad needs constant pads, value and axes")
    nd, given = g.full_ndim(names[0]), operands[3] if len(operands) > 3 else None
    axes = [g.onnx_axis(a, names[0]) for a in np.ravel(given)] if given is not None else list(range(nd))
    check_pad_count(pads, len(axes))
    full = [0] * (2 * nd)
    for k, a in enumerate(axes):
        full[a], full[nd + a] = pads[k], pads[len(axes) + k]
    if not g.batch_as_axis and (full[0] or full[nd]):
        raise BatchAxisError("a pad of the batch axis is not supported")
    value = float(np.ravel(operands[2])[0]) if len(operands) > 2 and operands[2] is not None else \
        float(attrs.get("value", 0.0))
    x = _cropped(g, names[0], full, outs[0], name)
    full = [max(p, 0) for p in full]
    if mode == "constant" and value == -np.inf:
        g.max_pool_pads[outs[0]] = (x, full)
        return
    if not any(full):
        return g.alias(outs[0], x)
    keep = slice(0, nd) if g.batch_as_axis else slice(1, nd)
    g.append(Pad(tuple(full[keep]) + tuple(full[nd:][keep]), value, mode), [x], outs[0], name)


def _cropped(g, x: str, full: list[int], out: str, name: str) -> str:
    """``x`` cropped by the negative ONNX pads ``full`` (begins, then ends), one Slice per cropped axis"""
    nd = len(full) // 2
    for a in range(nd):
        begin, end = max(-full[a], 0), max(-full[nd + a], 0)
        if begin or end:
            size = g.full_shape(x)[a]
            if begin + end >= size:
                raise ValueError(f"Pad crops {begin + end} of the {size} values of axis {a}")
            g.append(Slice(g.sample_axis(a, x), begin, size - end), [x], f"{out}#crop{a}", name)
            x = f"{out}#crop{a}"
    return x


def max_pool_padding(g, op: str, names: list[str], attrs: dict) -> tuple[list[str], dict]:
    """A MaxPool of a tensor padded with -inf: the pool of the unpadded tensor, the pads added to its own (the
    padding of a max pool is never the maximum); where ONNX has a window of -inf values and padding only (its maximum
    -inf; the -inf values count as input: ceil_mode keeps a last window starting in them), the padded tensor itself"""
    if op != "MaxPool" or names[1:] or names[0] not in g.max_pool_pads:
        raise ValueError("a Pad with value -inf is supported as the input of a MaxPool only (as its padding)")
    source, full = g.max_pool_pads[names[0]]
    nd, dims = len(full) // 2, len(attrs.get("kernel_shape", ()))
    if any(full[:nd - dims] + full[nd:2 * nd - dims]) or text_attr(attrs, "auto_pad", "NOTSET") != "NOTSET":
        raise ValueError(f"a Pad with value -inf before a MaxPool pads only the pooled axes (and no auto_pad); got "
                         f"pads {full}")
    own, begins, ends = list(attrs.get("pads", [0] * 2 * dims)), full[nd - dims:nd], full[2 * nd - dims:]
    sizes = g.full_shape(source)[-dims:]
    extents = [d * (k - 1) + 1 for d, k in zip(attrs.get("dilations", [1] * dims), attrs["kernel_shape"])]
    for n, b, e, k, s, ob, oe in zip(sizes, begins, ends, extents, attrs.get("strides", [1] * dims), own[:dims],
                                     own[dims:]):
        last = (-(-(n + b + e + ob + oe - k) // s) if attrs.get("ceil_mode", 0) else (n + b + e + ob + oe - k) // s) * s
        last -= s if last >= n + b + e + ob else 0  # where ONNX's last window starts (ceil_mode: not in the end pads)
        if b + ob >= k or last >= n + b + ob:  # a window of -inf values (and own padding) only: kept as they are
            _minus_inf_padded(g, source, full, names[0])
            return names, attrs
    return [source], dict(attrs, pads=[a + b for a, b in zip(own, begins + ends)])


def _minus_inf_padded(g, x: str, full: list[int], out: str) -> None:
    """``x`` padded with -inf by the ONNX pads ``full`` (begins, then ends) as ``out``: padded with zeros, then
    -inf added to the padding, an ordinary activation from then on"""
    nd = len(full) // 2
    keep = slice(0, nd) if g.batch_as_axis else slice(1, nd)
    g.append(Pad(tuple(full[keep]) + tuple(full[nd:][keep])), [x], f"{out}#zero_padded", out)
    padded = g.shape[f"{out}#zero_padded"]
    shift = np.full(padded, -np.inf)
    shift[tuple(slice(b, n - e) for n, b, e in zip(padded, full[keep], full[nd:][keep]))] = 0.0
    g.append(Affine(shift=shift), [f"{out}#zero_padded"], out, out)
    del g.max_pool_pads[out]


def _expand(g, op, attrs, names, outs, name):
    """Expand of an activation to a constant shape (ONNX broadcasting): its size-1 axes repeated (an Upsample),
    after a reshape that adds the leading axes when the rank grows"""
    if names[1] not in g.consts:
        raise ValueError("Expand needs a constant shape")
    x, out, full = names[0], outs[0], g.full_shape(names[0])
    target = np.broadcast_shapes(full, tuple(int(v) for v in np.ravel(g.consts[names[1]])))
    if not g.batch_as_axis and (len(target) > len(full) or target[0] != full[0]):
        raise BatchAxisError("an expand that adds leading axes or repeats the batch axis is not supported")
    grown = (1,) * (len(target) - len(full)) + tuple(full)
    if len(grown) > len(full):
        g.append(Reshape(grown), [x], f"{out}#ranked", name)
        x = f"{out}#ranked"
    factors = tuple(t // s for t, s in zip(target, grown))
    g.append(Upsample(factors if g.batch_as_axis else factors[1:]), [x], out, name)


def widened(g, data: str, const, out: str, name: str) -> str:
    """the name of activation ``data`` expanded to its broadcast shape with constant ``const`` where the constant
    widens it (a distance to fixed centres, a comparison with a grid of values; a constant of higher rank adds
    leading axes, which only a graph imported with its batch as an axis has room for), else ``data``"""
    full = g.full_shape(data)
    try:
        grown = np.broadcast_shapes(full, np.shape(const))
    except ValueError:
        raise ValueError(f"a constant of shape {np.shape(const)} does not broadcast against the tensor's shape "
                         f"{list(full)}") from None
    if grown == full:
        return data
    g.consts[f"{out}#shape"] = np.array(grown, dtype=np.int64)
    _expand(g, "Expand", {}, [data, f"{out}#shape"], [f"{out}#expanded"], name)
    return f"{out}#expanded"


def _tile(g, op, attrs, names, outs, name):
    """Tile of an activation by constant repeats: for each repeated axis, a size-1 axis put before it, repeated
    (an Upsample) and merged back (reshapes), so the whole axis is copied, not each element"""
    if names[1] not in g.consts:
        raise ValueError("Tile needs constant repeats")
    x, out = names[0], outs[0]
    shape = list(g.full_shape(x))
    repeats = [int(r) for r in np.ravel(g.consts[names[1]])]
    if len(repeats) != len(shape) or min(repeats, default=1) < 1:
        raise ValueError(f"Tile repeats {repeats} do not fit a tensor of shape {shape}")
    if not g.batch_as_axis and repeats[0] != 1:
        raise BatchAxisError("a tile that repeats the batch axis is not supported")
    axes = [a for a, r in enumerate(repeats) if r > 1]
    if not axes:
        return g.alias(out, x)
    for a in axes:
        split = shape[:a] + [1] + shape[a:]
        factors = [1] * len(split)
        factors[a] = repeats[a]
        shape[a] *= repeats[a]
        g.append(Reshape(g.sample_shape(tuple(split))), [x], f"{out}#split{a}", name)
        g.append(Upsample(tuple(factors) if g.batch_as_axis else tuple(factors[1:])), [f"{out}#split{a}"],
                 f"{out}#copies{a}", name)
        x = out if a == axes[-1] else f"{out}#tiled{a}"
        g.append(Reshape(g.sample_shape(tuple(shape))), [f"{out}#copies{a}"], x, name)


def _depth_space(g, op, attrs, names, outs, name):
    """DepthToSpace (modes DCR and CRD) and SpaceToDepth: a reshape, a transpose and a reshape, as ONNX defines
    them"""
    x, out, b = names[0], outs[0], int(attrs["blocksize"])
    n, c, h, w = g.full_shape(x)
    if op == "SpaceToDepth":
        first, perm, last = (n, c, h // b, b, w // b, b), (0, 3, 5, 1, 2, 4), (n, c * b * b, h // b, w // b)
    elif text_attr(attrs, "mode", "DCR") == "DCR":
        first, perm, last = (n, b, b, c // (b * b), h, w), (0, 3, 4, 1, 5, 2), (n, c // (b * b), h * b, w * b)
    else:
        first, perm, last = (n, c // (b * b), b, b, h, w), (0, 1, 4, 2, 5, 3), (n, c // (b * b), h * b, w * b)
    if math.prod(first) != n * c * h * w:
        raise ValueError(f"{op} with blocksize {b} does not divide the shape {[n, c, h, w]}")
    g.append(Reshape(g.sample_shape(first)), [x], f"{out}#split", name)
    g.append(per_sample_transpose(g, perm), [f"{out}#split"], f"{out}#moved", name)
    g.append(Reshape(g.sample_shape(last)), [f"{out}#moved"], out, name)


MOVEMENT_HANDLERS = {
    "Flatten": _flatten, "Transpose": _transpose, "Concat": _concat, "Pad": _pad, "Expand": _expand, "Tile": _tile,
    "DepthToSpace": _depth_space, "SpaceToDepth": _depth_space,
    "Reshape": lambda g, op, attrs, names, outs, name: _reshape(g, attrs, names, outs[0], name),
    "Split": lambda g, op, attrs, names, outs, name: slices(g, attrs, names, outs, name, op),
    "Slice": lambda g, op, attrs, names, outs, name: slices(g, attrs, names, outs, name, op),
    "Squeeze": lambda g, op, attrs, names, outs, name: _squeeze(g, op, attrs, names, outs[0], name),
    "Unsqueeze": lambda g, op, attrs, names, outs, name: _squeeze(g, op, attrs, names, outs[0], name),
    "Gather": lambda g, op, attrs, names, outs, name: _gather(g, attrs, names, outs[0], name),
}
"""ONNX operator -> handler, for the data-movement operators"""
