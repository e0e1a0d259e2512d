"""The ONNX operators the importer understands: constant folding (numpy) and one handler per data operator (those
that keep a tensor's shape in :mod:`._onnx_same_shape`).

A handler gets the graph being built (``onnx_import._Graph``), the node's attributes, input and output tensor names
and its name; it appends layers (``g.append``), aliases a tensor (``g.alias``) or folds the node into the layer
before it. ONNX axes count the batch; layers' axes do not (``g.sample_axis``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._onnx_fold import FOLDABLE, int_list
from ._onnx_same_shape import SAME_SHAPE_HANDLERS
from .layers import Conv2d, Dense
from .movement import Concat, Flatten, Pad, Reshape, Slice, Transpose
from .ops import ActivationMatMul, Affine, Mean
from .pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d

__all__ = ["SUPPORTED_OPS", "BatchAxisError", "layer_for"]


class BatchAxisError(ValueError):
    """A node of the graph moves or mixes the batch axis (e.g. attention reshaping to (batch * heads, ...))."""


_ALIASES = ("Identity", "Dropout", "Cast")


def _batch_norm(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    scale, bias, mean, var = (np.asarray(g.consts[n], dtype=np.float64) for n in names[1:5])
    s = scale / np.sqrt(var + attrs.get("epsilon", 1e-5))
    t = bias - mean * s
    found = g.sole_producer(names[0])
    if found and isinstance(found[1], (Dense, Conv2d)):
        layer = found[1]
        w = layer.weight * s.reshape((-1,) + (1,) * (layer.weight.ndim - 1))
        b = (0.0 if layer.bias is None else layer.bias) * s + t
        g.replace(found[0], replace(layer, weight=w, bias=b))
        return g.alias(out, names[0])
    trailing = (1,) * (len(g.shape[names[0]]) - 1)
    g.append(Affine(scale=s.reshape((-1,) + trailing), shift=t.reshape((-1,) + trailing)), [names[0]], out, name)


def _pads(attrs: dict, size: tuple[int, int], extent: tuple[int, int]) -> list[int]:
    """(top, left, bottom, right) from ``pads`` or ``auto_pad`` (SAME_UPPER / SAME_LOWER: output = ceil(input /
    stride), the odd pad at the end / the start) for a window of ``extent`` over a map of ``size``."""
    mode = attrs.get("auto_pad", b"NOTSET")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode in ("NOTSET", "VALID"):
        return list(attrs.get("pads", [0, 0, 0, 0])) if mode == "NOTSET" else [0, 0, 0, 0]
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"auto_pad {mode!r} is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER)")
    strides = list(attrs.get("strides", [1, 1]))
    total = [max((-(-n // s) - 1) * s + e - n, 0) for n, s, e in zip(size, strides, extent)]
    small = [t // 2 for t in total]
    big = [t - h for t, h in zip(total, small)]
    return small + big if mode == "SAME_UPPER" else big + small


def _conv2d(attrs: dict, w: np.ndarray, bias, size: tuple[int, int]) -> Conv2d:
    dil = list(attrs.get("dilations", [1, 1]))
    extent = [d * (k - 1) + 1 for d, k in zip(dil, w.shape[2:])]
    return Conv2d(w, bias, attrs.get("strides", 1), _pads(attrs, size, extent), attrs.get("dilations", 1),
                  attrs.get("group", 1))


def _conv(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    w = np.asarray(g.consts[names[1]])
    bias = g.consts[names[2]] if len(names) > 2 and names[2] else None
    if w.ndim == 3:
        return _one_d(g, lambda size, a: _conv2d(a, w[:, :, None, :], bias, size), attrs, names[0], out, name)
    if w.ndim != 4:
        raise ValueError(f"only 1-d and 2-d convolutions are supported; got a weight of shape {w.shape}")
    g.append_per_image(_conv2d(attrs, w, bias, g.shape[names[0]][-2:]), [names[0]], out, name)


def _pool2d(op: str, attrs: dict, size: tuple[int, int]):
    if any(d != 1 for d in attrs.get("dilations", [])):
        raise ValueError(f"dilations {attrs['dilations']} are not supported (only 1)")
    kw = dict(kernel=attrs["kernel_shape"], stride=attrs.get("strides", 1),
              padding=_pads(attrs, size, list(attrs["kernel_shape"])))
    layer = MaxPool2d(**kw) if op == "MaxPool" else AvgPool2d(**kw, count_include_pad=bool(
        attrs.get("count_include_pad", 0)))
    if attrs.get("ceil_mode", 0):
        (h, w), (kh, kw_), (sh, sw) = size, layer.kernel, layer.stride
        top, left, bottom, right = layer.padding
        if (h + top + bottom - kh) % sh or (w + left + right - kw_) % sw:
            raise ValueError("ceil_mode = 1 changes the output size here; not supported")
    return layer


def _pool(g, op: str, attrs: dict, names: list[str], out: str, name: str) -> None:
    dims = len(attrs["kernel_shape"])
    if dims == 1:
        return _one_d(g, lambda size, a: _pool2d(op, a, size), attrs, names[0], out, name)
    if dims != 2:
        raise ValueError(f"only 1-d and 2-d pooling is supported; got kernel_shape {attrs['kernel_shape']}")
    g.append_per_image(_pool2d(op, attrs, g.shape[names[0]][-2:]), [names[0]], out, name)


def _two_d(attrs: dict) -> dict:
    """the attributes of a 1-d convolution or pooling as those of a 2-d one over a map of height 1"""
    a = dict(attrs)
    for key in ("strides", "dilations", "kernel_shape"):
        if key in a:
            a[key] = [1] + list(a[key])
    if "pads" in a:
        a["pads"] = [0, a["pads"][0], 0, a["pads"][1]]
    return a


def _one_d(g, make, attrs: dict, x: str, out: str, name: str) -> None:
    """A 1-d convolution or pooling (per sample (C, L)) as the 2-d layer ``make((1, L), 2-d attributes)`` over a map
    of height 1, between reshapes"""
    if g.full_ndim(x) != 3:
        raise ValueError(f"a 1-d convolution or pooling needs a (batch, channels, length) input; got shape "
                         f"{list(g.full_shape(x))}")
    shape = g.shape[x]
    g.append(Reshape(shape[:-1] + (1, shape[-1])), [x], f"{out}#2d", name)
    g.append_per_image(make((1, shape[-1]), _two_d(attrs)), [f"{out}#2d"], f"{out}#2d_out", name)
    done = g.shape[f"{out}#2d_out"]
    g.append(Reshape(done[:-2] + (done[-1],)), [f"{out}#2d_out"], out, name)


def _reshape(g, names: list[str], out: str, name: str) -> None:
    full = g.full_shape(names[0])
    target = [full[k] if d == 0 else int(d) for k, d in enumerate(np.ravel(g.consts[names[1]]))]
    try:
        resolved = np.empty(int(np.prod(full)), dtype=np.int8).reshape(target).shape
    except ValueError:
        raise ValueError(f"cannot reshape {list(full)} to {target}") from None
    shape = g.sample_shape(resolved)
    if shape == g.shape[names[0]]:
        return g.alias(out, names[0])
    g.append(Flatten() if len(shape) == 1 and not g.batch_as_axis else Reshape(shape), [names[0]], out, name)


def _slices(g, attrs: dict, names: list[str], outs: list[str], name: str, op: str) -> None:
    """Split into ``outs`` along one axis, or Slice with constant starts / ends / axes / steps."""
    nd = g.full_ndim(names[0])
    operands = [g.consts.get(n) for n in names]
    if op == "Split":
        axis = g.sample_axis(attrs.get("axis", 0), names[0])
        size = g.shape[names[0]][axis]
        sizes = int_list(attrs, operands, "split", 1) or [size // len(outs)] * len(outs)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for out, start, n in zip(outs, starts, sizes):
            g.append(Slice(axis, int(start), int(start + n)), [names[0]], out, f"{name}/{out}")
        return
    starts, ends = int_list(attrs, operands, "starts", 1), int_list(attrs, operands, "ends", 2)
    axes = int_list(attrs, operands, "axes", 3) or list(range(len(starts)))
    steps = int_list(attrs, operands, "steps", 4) or [1] * len(starts)
    current = names[0]
    for k, (a, s, e, st) in enumerate(zip(axes, starts, ends, steps)):
        if a % nd == 0 and not g.batch_as_axis and s == 0 and st == 1 and e >= 2**31 - 1:
            continue  # the whole batch axis
        tmp = outs[0] if k == len(axes) - 1 else f"{outs[0]}#slice{k}"
        big = 2**62
        layer = Slice(g.sample_axis(a, names[0]), None if s <= -big else s, None if abs(e) >= big else e, st)
        g.append(layer, [current], tmp, name)
        current = tmp
    if current == names[0]:
        g.alias(outs[0], names[0])


def _gather(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    """A constant index (or a run of consecutive indices) taken from an activation along one axis."""
    if names[1] not in g.consts:
        raise ValueError("Gather needs constant indices (an embedding lookup of token ids is not supported)")
    axis = g.sample_axis(attrs.get("axis", 0), names[0])
    size = g.shape[names[0]][axis]
    index = np.asarray(g.consts[names[1]]) % size
    if index.ndim > 1 or (index.ndim == 1 and (index.size == 0 or np.any(np.diff(index) != 1))):
        raise ValueError(f"Gather supports one index or consecutive indices; got {index.tolist()}")
    start = int(index.ravel()[0])
    if index.ndim == 1:
        return g.append(Slice(axis, start, start + index.size), [names[0]], out, name)
    shape = g.shape[names[0]]
    g.append(Slice(axis, start, start + 1), [names[0]], f"{out}#gather", name)
    g.append(Reshape(shape[:axis] + shape[axis + 1:]), [f"{out}#gather"], out, name)


def _squeeze(g, op: str, attrs: dict, names: list[str], out: str, name: str) -> None:
    axes = int_list(attrs, [g.consts.get(n) for n in names], "axes", 1)
    full = list(g.full_shape(names[0]))
    if op == "Unsqueeze":
        for a in sorted(a % (len(full) + len(axes)) for a in axes):
            full.insert(a, 1)
    else:
        drop = {a % len(full) for a in axes} if axes else {k for k, s in enumerate(full) if s == 1}
        full = [s for k, s in enumerate(full) if k not in drop]
    g.append(Reshape(g.sample_shape(tuple(full))), [names[0]], out, name)


def _reduce_mean(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    nd = g.full_ndim(names[0])
    axes = int_list(attrs, [g.consts.get(n) for n in names], "axes", 1) or list(range(0 if g.batch_as_axis else 1, nd))
    mean = Mean(tuple(g.sample_axis(a, names[0]) for a in axes), bool(attrs.get("keepdims", 1)))
    g.append(mean, [names[0]], out, name)


def _gemm(g, op, attrs, names, outs, name):
    if attrs.get("transA", 0) or not g.is_data(names[0]) or g.is_data(names[1]):
        raise ValueError("Gemm needs an activation times a constant matrix (transA = 0)")
    b = np.asarray(g.consts[names[1]], dtype=np.float64) * attrs.get("alpha", 1.0)
    w = b if attrs.get("transB", 0) else b.T
    c = g.consts.get(names[2]) if len(names) > 2 and names[2] else None
    bias = None if c is None else np.broadcast_to(np.ravel(c) * attrs.get("beta", 1.0), (w.shape[0],))
    g.append(Dense(w, bias), names[:1], outs[0], name)


def _matmul(g, op, attrs, names, outs, name):
    if g.is_data(names[0]) and g.is_data(names[1]):
        return g.append(ActivationMatMul(), names[:2], outs[0], name)
    if not g.is_data(names[0]) or np.ndim(g.consts[names[1]]) != 2:
        raise ValueError("MatMul needs an activation times a constant 2-d matrix, or two activations")
    g.append(Dense(np.asarray(g.consts[names[1]]).T), names[:1], outs[0], name)


def _flatten(g, op, attrs, names, outs, name):
    full = g.full_shape(names[0])
    axis = int(attrs.get("axis", 1)) % (len(full) + 1)
    shape = g.sample_shape((int(np.prod(full[:axis])), int(np.prod(full[axis:]))))
    g.append(Flatten() if len(shape) == 1 else Reshape(shape), names[:1], outs[0], name)


def _transpose(g, op, attrs, names, outs, name):
    perm = list(attrs.get("perm", list(range(g.full_ndim(names[0])))[::-1]))
    if not g.batch_as_axis and perm[0] != 0:
        raise BatchAxisError(f"a transpose that moves the batch axis is not supported; got perm {perm}")
    g.append(Transpose(tuple(perm) if g.batch_as_axis else tuple(p - 1 for p in perm[1:])), names[:1], outs[0], name)


def _concat(g, op, attrs, names, outs, name):
    if not all(g.is_data(n) for n in names):
        raise ValueError("Concat of activations with constants is not supported")
    g.append(Concat(g.sample_axis(attrs["axis"], names[0])), names, outs[0], name)


def _pad(g, op, attrs, names, outs, name):
    """Pad, constant mode: pads as an attribute (opset < 11) or a constant input, the value likewise (0 when not
    given), optional axes (opset 18); the batch axis is not padded."""
    mode = attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "constant":
        raise ValueError(f"Pad mode {mode!r} is not supported (constant only)")
    operands = [g.consts.get(n) if n else None for n in names]
    pads = int_list(attrs, operands, "pads", 1)
    if pads is None or any(n and not (n in g.consts) for n in names[1:]):
        raise ValueError("Pad needs constant pads, value and axes")
    nd = g.full_ndim(names[0])
    given = operands[3] if len(operands) > 3 else None
    axes = [int(a) % nd for a in np.ravel(given)] if given is not None else list(range(nd))
    full = [0] * (2 * nd)
    for k, a in enumerate(axes):
        full[a], full[nd + a] = pads[k], pads[len(axes) + k]
    if not g.batch_as_axis and (full[0] or full[nd]):
        raise BatchAxisError("a pad of the batch axis is not supported")
    value = float(np.ravel(operands[2])[0]) if len(operands) > 2 and operands[2] is not None else \
        float(attrs.get("value", 0.0))
    keep = slice(0, nd) if g.batch_as_axis else slice(1, nd)
    g.append(Pad(tuple(full[keep]) + tuple(full[nd:][keep]), value), names[:1], outs[0], name)


_HANDLERS = {
    "Gemm": _gemm, "MatMul": _matmul, "Flatten": _flatten, "Transpose": _transpose, "Concat": _concat, "Pad": _pad,
    **SAME_SHAPE_HANDLERS,
    "GlobalAveragePool": lambda g, op, attrs, names, outs, name: g.append_per_image(
        GlobalAvgPool2d(), names[:1], outs[0], name),
    "BatchNormalization": lambda g, op, attrs, names, outs, name: _batch_norm(g, attrs, names, outs[0], name),
    "Conv": lambda g, op, attrs, names, outs, name: _conv(g, attrs, names, outs[0], name),
    "MaxPool": lambda g, op, attrs, names, outs, name: _pool(g, op, attrs, names, outs[0], name),
    "AveragePool": lambda g, op, attrs, names, outs, name: _pool(g, op, attrs, names, outs[0], name),
    "Reshape": lambda g, op, attrs, names, outs, name: _reshape(g, names, outs[0], name),
    "Split": lambda g, op, attrs, names, outs, name: _slices(g, attrs, names, outs, name, op),
    "Slice": lambda g, op, attrs, names, outs, name: _slices(g, attrs, names, outs, name, op),
    "Squeeze": lambda g, op, attrs, names, outs, name: _squeeze(g, op, attrs, names, outs[0], name),
    "Unsqueeze": lambda g, op, attrs, names, outs, name: _squeeze(g, op, attrs, names, outs[0], name),
    "ReduceMean": lambda g, op, attrs, names, outs, name: _reduce_mean(g, attrs, names, outs[0], name),
    "Gather": lambda g, op, attrs, names, outs, name: _gather(g, attrs, names, outs[0], name),
    **{op: lambda g, op, attrs, names, outs, name: g.alias(outs[0], names[0]) for op in _ALIASES},
}
"""ONNX operator -> handler ``(graph, op, attrs, input names, output names, node name)``"""


def layer_for(g, op: str, attrs: dict, names: list[str], outs: list[str], name: str) -> None:
    """Add the layers of one data node to ``g`` (module doc)."""
    if op not in _HANDLERS:
        raise ValueError(f"unsupported ONNX operator {op!r}; supported: {', '.join(SUPPORTED_OPS)}")
    _HANDLERS[op](g, op, attrs, names, outs, name)


SUPPORTED_OPS = tuple(sorted(set(_HANDLERS) | {"Constant", "Shape"} | FOLDABLE))
"""ONNX operators the importer understands (those in FOLDABLE only when every input is a constant)"""
