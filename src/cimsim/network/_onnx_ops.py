"""The ONNX operators the importer understands: constant folding (numpy) and one handler per data operator (those
that keep a tensor's shape in :mod:`._onnx_same_shape`, data movement in :mod:`._onnx_movement`, matrix products in
:mod:`._onnx_products`, Pow in :mod:`._onnx_powers`, resizes in :mod:`._onnx_resize`, comparisons in
:mod:`._onnx_logic`, int8 operators in :mod:`._onnx_quant`, reductions in :mod:`._onnx_reduce`, batch norms in
:mod:`._onnx_batch_norm`; convolutions and pooling here).

A handler gets the graph being built (``onnx_import._Graph``), the node's attributes, input and output tensor names
and its name; it appends layers (``g.append``), aliases a tensor (``g.alias``) or folds the node into the layer
before it. ONNX axes count the batch; layers' axes do not (``g.sample_axis``)."""

from __future__ import annotations

import numpy as np

from ._onnx_checks import ONLY_FOLDED, constant_weights, data_dependent_reason, unsupported_operator
from ._onnx_control import CONTROL_OPS
from ._onnx_fold import FOLDABLE, text_attr
from ._onnx_attention import ATTENTION_HANDLERS
from ._onnx_batch_norm import batch_norm
from ._onnx_indexing import INDEXING_HANDLERS
from ._onnx_logic import LOGIC_HANDLERS
from ._onnx_movement import MOVEMENT_HANDLERS, BatchAxisError
from ._onnx_powers import POWER_HANDLERS
from ._onnx_products import PRODUCT_HANDLERS
from ._onnx_quant import QUANT_HANDLERS
from ._onnx_recurrent import RECURRENT_HANDLERS
from ._onnx_reduce import REDUCTION_HANDLERS
from ._onnx_resize import AXIS_MAP_HANDLERS, CONSTANT_INPUT_OPS
from ._onnx_same_shape import SAME_SHAPE_HANDLERS
from ._onnx_sharing import derived
from .conv3d import Conv3d
from .layers import Conv2d
from .movement import Dilate, Pad, Reshape
from .ops import Affine, ArgMax, Elementwise, Max, Mean, Unary
from .pooling import AvgPool2d, GlobalAvgPool2d, MaxPool2d

__all__ = ["FOLDED_BY_HANDLER", "SUPPORTED_OPS", "BatchAxisError", "layer_for"]

_ALIASES = ("Identity",)
_QUOTIENTS = {"Mean": "", "ReduceMean": "", "Resize": "nearest", "Upsample": "nearest"}
"""operators whose result on integers is truncated: computed in float (a sum over a count, an interpolation that
onnxruntime casts back), then truncated (Div of integers: :func:`_quotient`) -> default mode (nearest: kept)"""


def _quotient(g, a: str, b: str, out: str, name: str, rounding: str) -> None:
    """``rounding`` (trunc, int_trunc or floor) of a / b, an activation and a constant or two activations, by a true
    division: a constant operand becomes an activation (0 x + c) rather than a scale by its reciprocal, which is a
    rounding off (49 x (1 / 49) < 1). Exact for integer values below 2**53: the correctly rounded quotient of integers
    is on the right side of every integer."""
    operands = []
    for role, operand, other in (("dividend", a, b), ("divisor", b, a)):
        if not g.is_data(operand):
            g.append(Affine(scale=0.0, shift=g.sample_constant(g.consts[operand], other)), [other], f"{out}#{role}",
                     name)
            operand = f"{out}#{role}"
        operands.append(operand)
    g.append(Elementwise("div"), operands, f"{out}#ratio", name)
    g.append(Unary(rounding), [f"{out}#ratio"], out, name)


def _mod(g, op, attrs, names, outs, name):
    """Mod: a - b q, q = trunc(a / b) (``fmod`` 1: the sign of a, C's fmod, as floats require) or floor(a / b)
    (``fmod`` 0, integers: the sign of b, Python's %), q by a true division (:func:`_quotient`); exact for integer
    values, and for float values but where a / b rounds onto an integer from below"""
    a, b, out = names[0], names[1], outs[0]
    _quotient(g, a, b, f"{out}#quotient", name, "trunc" if attrs.get("fmod", 0) else "floor")
    if g.is_data(b):
        g.append(Elementwise("mul"), [b, f"{out}#quotient"], f"{out}#multiple", name)
    else:
        g.append(Affine(scale=g.sample_constant(g.consts[b], f"{out}#quotient")), [f"{out}#quotient"],
                 f"{out}#multiple", name)
    if g.is_data(a):
        return g.append(Elementwise("sub"), [a, f"{out}#multiple"], out, name)
    g.append(Affine(scale=-1.0, shift=g.sample_constant(g.consts[a], f"{out}#multiple")), [f"{out}#multiple"], out,
             name)


def _dropout(g, op, attrs, names, outs, name):
    """Dropout at inference (training_mode false or unset; opsets before 7: is_test set), or of ratio 0: its input"""
    training = g.operand(names, 2, "Dropout's training_mode")
    training = bool(np.ravel(training)[0]) if training is not None else g.opset < 7 and not attrs.get("is_test", 0)
    ratio = g.operand(names, 1, "Dropout's ratio")
    ratio = float(np.ravel(ratio)[0]) if ratio is not None else attrs.get("ratio", 0.5)
    if training and ratio:
        raise ValueError("Dropout in training mode (training_mode true, or opset < 7 is_test 0: random drops) is "
                         "not supported: export in eval mode (a trace: after model.eval()), without training=True")
    g.alias(outs[0], names[0])


def _pads(attrs: dict, size: tuple[int, ...], extent: tuple[int, ...]) -> list[int]:
    """the begins then the ends of each axis ((top, left, bottom, right) in 2-d) from ``pads`` or ``auto_pad``
    (SAME_UPPER / SAME_LOWER: output = ceil(input / stride), the odd pad at the end / the start) for a window of
    ``extent`` over a map of ``size``."""
    mode = text_attr(attrs, "auto_pad", "NOTSET")
    if mode in ("NOTSET", "VALID"):
        return list(attrs.get("pads", [0] * 2 * len(size))) if mode == "NOTSET" else [0] * 2 * len(size)
    if mode not in ("SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"auto_pad {mode!r} is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER)")
    strides = list(attrs.get("strides", [1] * len(size)))
    total = [max((-(-n // s) - 1) * s + e - n, 0) for n, s, e in zip(size, strides, extent)]
    small = [t // 2 for t in total]
    big = [t - h for t, h in zip(total, small)]
    return small + big if mode == "SAME_UPPER" else big + small


def _conv_pads(attrs: dict, w: np.ndarray, size: tuple[int, ...]) -> list[int]:
    """the pads of a convolution of weights ``w`` over a map of ``size`` (:func:`_pads`; the window's extent
    with its dilation)"""
    dil = list(attrs.get("dilations", [1] * len(size)))
    return _pads(attrs, size, [d * (k - 1) + 1 for d, k in zip(dil, w.shape[2:])])


def _conv2d(attrs: dict, w: np.ndarray, bias, size: tuple[int, int]) -> Conv2d:
    return Conv2d(w, bias, attrs.get("strides", 1), _conv_pads(attrs, w, size), attrs.get("dilations", 1),
                  attrs.get("group", 1))


def _kernel(attrs: dict, w: np.ndarray) -> np.ndarray:
    """the weights, checked against a kernel_shape attribute (optional in ONNX; it must agree with them)"""
    if "kernel_shape" in attrs and tuple(attrs["kernel_shape"]) != tuple(w.shape[2:]):
        raise ValueError(f"kernel_shape {list(attrs['kernel_shape'])} does not match the weights' {list(w.shape[2:])}")
    return w


def _conv(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    w = _kernel(attrs, constant_weights(g, names, "Conv"))
    bias = g.consts[names[2]] if len(names) > 2 and names[2] else None
    if names[0] in g.consts:  # a convolution of a constant (EdgeNeXt's Fourier position table): folded
        x = np.asarray(g.consts[names[0]], dtype=np.float64)
        if w.ndim != 4 or x.ndim != 4:
            raise ValueError(f"a convolution of a constant folds in 2-d only; got a {x.shape} constant")
        conv = _conv2d(attrs, w, bias, x.shape[-2:])
        g.consts[out] = conv.from_rows(conv.product(conv.to_rows(x)), x)
        return None
    # one weight array (and bias) per initializer, whatever each node's geometry: one matrix (_onnx_sharing)
    bias = None if bias is None else derived(g, bias, "bias")
    if w.ndim == 3:
        w = derived(g, g.consts[names[1]], "Conv 1-d", lambda v: v[:, :, None, :])
        return _one_d(g, lambda size, a: _conv2d(a, w, bias, size), attrs, names[0], out, name)
    if w.ndim == 5:
        layer = Conv3d(derived(g, g.consts[names[1]], "Conv"), bias, attrs.get("strides", 1),
                       _conv_pads(attrs, w, g.shape[names[0]][-3:]), attrs.get("dilations", 1), attrs.get("group", 1))
        return g.append_per_image(layer, [names[0]], out, name)
    if w.ndim != 4:
        raise ValueError(f"only 1-d, 2-d and 3-d convolutions are supported; got a weight of shape {w.shape}")
    w = derived(g, g.consts[names[1]], "Conv")
    g.append_per_image(_conv2d(attrs, w, bias, g.shape[names[0]][-2:]), [names[0]], out, name)


def _conv_transpose(g, attrs: dict, names: list[str], out: str, name: str) -> None:
    """ConvTranspose (2-d or 3-d) as the convolution it equals: over its input dilated by the stride and padded by
    d (k - 1) - pad on each side (+ output_padding at the end), with the kernel flipped and each group's input and
    output channels swapped, stride 1"""
    w = _kernel(attrs, constant_weights(g, names, "ConvTranspose").astype(np.float64))
    if w.ndim == 3:  # 1-d: the 2-d one over a map of height 1, between reshapes
        shape = g.shape[names[0]]
        g.append(Reshape(shape[:-1] + (1, shape[-1])), [names[0]], f"{out}#2d", name)
        g.consts[f"{out}#w2d"] = derived(g, g.consts[names[1]], "ConvTranspose 1-d", lambda v: v[:, :, None, :])
        _conv_transpose(g, _two_d(attrs), [f"{out}#2d", f"{out}#w2d"] + names[2:], f"{out}#2d_out", name)
        done = g.shape[f"{out}#2d_out"]
        return g.append(Reshape(done[:-2] + (done[-1],)), [f"{out}#2d_out"], out, name)
    if w.ndim not in (4, 5):
        raise ValueError(f"only 1-d, 2-d and 3-d transposed convolutions are supported; got a weight of shape "
                         f"{w.shape}")
    dims, groups = w.ndim - 2, int(attrs.get("group", 1))
    if not 1 <= groups <= w.shape[0] or w.shape[0] % groups:
        raise ValueError(f"ConvTranspose group {groups} does not divide the weights' {w.shape[0]} input channels")
    strides, dil = list(attrs.get("strides", [1] * dims)), list(attrs.get("dilations", [1] * dims))
    pads, extra = list(attrs.get("pads", [0] * 2 * dims)), list(attrs.get("output_padding", [0] * dims))
    reach = [d * (k - 1) for d, k in zip(dil, w.shape[2:])]
    auto = text_attr(attrs, "auto_pad", "NOTSET")
    if "output_shape" in attrs or auto in ("SAME_UPPER", "SAME_LOWER"):  # the pads that give that size (ONNX)
        size = g.full_shape(names[0])[-dims:]
        wanted = list(attrs.get("output_shape", [n * s for n, s in zip(size, strides)]))[-dims:]
        total = [s * (n - 1) + e + r + 1 - m for s, n, e, r, m in zip(strides, size, extra, reach, wanted)]
        late = [t - t // 2 if auto == "SAME_UPPER" else t // 2 for t in total]
        pads = [t - k for t, k in zip(total, late)] + late
    begin = [r - p for r, p in zip(reach, pads[:dims])]
    end = [r - p + e for r, p, e in zip(reach, pads[dims:], extra)]
    if min(begin + end) < 0:
        raise ValueError(f"ConvTranspose pads {pads} beyond dilation x (kernel - 1) {reach} crop the output; not "
                         "supported")
    c_in, flip = w.shape[0] // groups, (slice(None), slice(None)) + (slice(None, None, -1),) * dims
    kernel = derived(g, g.consts[names[1]], ("ConvTranspose", groups), lambda v: np.concatenate(
        [np.swapaxes(v[k * c_in:(k + 1) * c_in], 0, 1)[flip] for k in range(groups)]))
    bias = derived(g, g.consts[names[2]], "bias") if len(names) > 2 and names[2] else None
    lead = len(g.shape[names[0]]) - dims  # the channel axis (and a batch axis kept per sample)
    g.append(Dilate((1,) * lead + tuple(strides)), names[:1], f"{out}#dilated", name)
    g.append(Pad((0,) * lead + tuple(begin) + (0,) * lead + tuple(end)), [f"{out}#dilated"], f"{out}#padded", name)
    taps = _tap_fraction(g.shape[names[0]][-dims:], strides, dil, w.shape[2:], begin, end)
    conv = (Conv2d if dims == 2 else Conv3d)(kernel, bias, 1, 0, dil, groups, tap_fraction=taps)
    g.append_per_image(conv, [f"{out}#padded"], out, name)


def _tap_fraction(size, strides, dil, kernel, begin, end) -> float:
    """the share of the (output position, tap) pairs of a stride-1 convolution over an input of ``size`` dilated by
    ``strides`` and padded by ``begin`` / ``end`` whose tap meets an input value: per axis, the pairs (o, t) with
    o + d t = begin + s i, where value i of n lies, and o inside the output; the axes' shares multiplied (exact:
    edges, cropping pads and output_padding included)"""
    real = every = 1
    for n, s, d, k, b, e in zip(size, strides, dil, kernel, begin, end):
        outputs = b + s * (n - 1) + 1 + e - d * (k - 1)
        reached = b + s * np.arange(n)
        real *= sum(int(np.count_nonzero((reached >= d * t) & (reached - d * t < outputs))) for t in range(k))
        every *= outputs * k
    return real / every


def _ceil_extra(n: int, begin: int, end: int, k: int, s: int) -> int:
    """Padding at the end that makes a floor-mode window count equal ONNX's (and torch's) ceil mode: one more
    window where the last would start inside the input or its begin padding"""
    out = -(-(n + begin + end - k) // s) + 1
    if (out - 1) * s >= n + begin:
        out -= 1
    return max((out - 1) * s + k - (n + begin + end), 0)


def _pool2d(op: str, attrs: dict, size: tuple[int, int]):
    kernel, strides = list(attrs["kernel_shape"]), list(attrs.get("strides", [1, 1]))
    dilation = list(attrs.get("dilations", [1, 1]))
    extent = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    top, left, bottom, right = _pads(attrs, size, extent)
    counted = bool(attrs.get("count_include_pad", 0)) and any((top, left, bottom, right))  # no padding: the same
    if attrs.get("ceil_mode", 0):  # the extra windows: end padding, never the max and not counted in a mean
        extra = [_ceil_extra(n, b, e, k, st) for n, b, e, k, st in zip(size, (top, left), (bottom, right), extent,
                                                                         strides)]
        if op != "MaxPool" and counted and any(extra):
            raise ValueError("ceil_mode = 1 with count_include_pad = 1 and padding adds windows here (torch: "
                             "ceil_mode=True, count_include_pad=True, padding > 0); not supported")
        bottom, right = bottom + extra[0], right + extra[1]
    kw = dict(kernel=kernel, stride=strides, padding=(top, left, bottom, right), dilation=dilation)
    return MaxPool2d(**kw) if op == "MaxPool" else AvgPool2d(**kw, count_include_pad=counted)


def _pool(g, op: str, attrs: dict, names: list[str], out: str, name: str) -> None:
    dims = len(attrs["kernel_shape"])
    if dims == 1:
        return _one_d(g, lambda size, a: _pool2d(op, a, size), attrs, names[0], out, name)
    if dims > 2:
        return _pool3d(g, op, attrs, names[0], out, name)
    g.append_per_image(_pool2d(op, attrs, g.shape[names[0]][-2:]), [names[0]], out, name)


def _pool3d(g, op: str, attrs: dict, x: str, out: str, name: str) -> None:
    """A 3-d pooling (NCDHW) as two 2-d ones, which give the same values (a max, or a mean over a box of counted
    values, separates): over (height, width) with depth merged into the channels, then over depth with the
    positions merged; a window of one position (torch's LocalResponseNorm pools over channels so) skips the first"""
    if len(attrs["kernel_shape"]) != 3:
        raise ValueError(f"only 1-d, 2-d and 3-d pooling is supported; got kernel_shape {attrs['kernel_shape']}")
    full = g.full_shape(x)
    k, s = list(attrs["kernel_shape"]), list(attrs.get("strides", [1, 1, 1]))
    dil = list(attrs.get("dilations", [1, 1, 1]))
    p = _pads(attrs, full[2:], [d * (n - 1) + 1 for d, n in zip(dil, k)])
    common = {key: attrs[key] for key in ("ceil_mode", "count_include_pad") if key in attrs}
    plane = dict(common, kernel_shape=k[1:], strides=s[1:], pads=[p[1], p[2], p[4], p[5]], dilations=dil[1:])
    depth = dict(common, kernel_shape=[k[0], 1], strides=[s[0], 1], pads=[p[0], 0, p[3], 0], dilations=[dil[0], 1])
    n, c, d = full[:3]
    if k[1:] != [1, 1] or s[1:] != [1, 1] or any(plane["pads"]):
        g.append(Reshape(g.sample_shape((n, c * d) + full[3:])), [x], f"{out}#planes", name)
        g.append_per_image(_pool2d(op, plane, full[3:]), [f"{out}#planes"], f"{out}#plane_pooled", name)
        h, w = g.shape[f"{out}#plane_pooled"][-2:]
        g.append(Reshape(g.sample_shape((n, c, d, h * w))), [f"{out}#plane_pooled"], f"{out}#2d", name)
    else:
        h, w = full[3:]
        g.append(Reshape(g.sample_shape((n, c, d, h * w))), [x], f"{out}#2d", name)
    g.append_per_image(_pool2d(op, depth, (d, h * w)), [f"{out}#2d"], f"{out}#pooled", name)
    g.append(Reshape(g.sample_shape((n, c, g.shape[f"{out}#pooled"][-2], h, w))), [f"{out}#pooled"], out, name)


def _global_pool(g, op, attrs, names, outs, name):
    """Global{Average,Max}Pool: a mean or max over the spatial axes (of NCHW: GlobalAvgPool2d); rank 2 refused"""
    x, rank = names[0], g.full_ndim(names[0])
    if rank < 3:
        raise ValueError(f"{op} needs a tensor (N, C, spatial axes ...) of rank 3 or more; got rank {rank}")
    if op == "GlobalAveragePool" and rank == 4:
        return g.append_per_image(GlobalAvgPool2d(), [x], outs[0], name)
    g.append((Mean if op == "GlobalAveragePool" else Max)(tuple(g.sample_axis(a, x) for a in range(2, rank))), [x],
             outs[0], name)


def _two_d(attrs: dict) -> dict:
    """the attributes of a 1-d convolution or pooling as those of a 2-d one over a map of height 1"""
    a = dict(attrs)
    for key in ("strides", "dilations", "kernel_shape", "output_shape"):
        if key in a:
            a[key] = [1] + list(a[key])
    if "output_padding" in a:
        a["output_padding"] = [0] + list(a["output_padding"])
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


_HANDLERS = {
    **PRODUCT_HANDLERS, **SAME_SHAPE_HANDLERS, **MOVEMENT_HANDLERS, **INDEXING_HANDLERS, **LOGIC_HANDLERS,
    **QUANT_HANDLERS, **AXIS_MAP_HANDLERS, **RECURRENT_HANDLERS, **ATTENTION_HANDLERS, **POWER_HANDLERS,
    "GlobalAveragePool": _global_pool, "GlobalMaxPool": _global_pool, "Mod": _mod, "Dropout": _dropout,
    **{op: lambda g, op, attrs, names, outs, name: g.append(ArgMax(
        g.sample_axis(attrs.get("axis", 0), names[0]), bool(attrs.get("keepdims", 1)), op == "ArgMin",
        bool(attrs.get("select_last_index", 0))), names[:1], outs[0], name) for op in ("ArgMax", "ArgMin")},
    "BatchNormalization": lambda g, op, attrs, names, outs, name: batch_norm(g, attrs, names, outs[0], name),
    "Conv": lambda g, op, attrs, names, outs, name: _conv(g, attrs, names, outs[0], name),
    "ConvTranspose": lambda g, op, attrs, names, outs, name: _conv_transpose(g, attrs, names, outs[0], name),
    "MaxPool": lambda g, op, attrs, names, outs, name: _pool(g, op, attrs, names, outs[0], name),
    "AveragePool": lambda g, op, attrs, names, outs, name: _pool(g, op, attrs, names, outs[0], name),
    **REDUCTION_HANDLERS,
    **{op: lambda g, op, attrs, names, outs, name: g.alias(outs[0], names[0]) for op in _ALIASES},
}
"""ONNX operator -> handler ``(graph, op, attrs, input names, output names, node name)``"""


def layer_for(g, op: str, attrs: dict, names: list[str], outs: list[str], name: str) -> None:
    """Add the layers of one data node to ``g`` (module doc)."""
    if op in FOLDABLE and op not in _HANDLERS:
        raise ValueError(f"{op} of an activation is not supported{data_dependent_reason(op) or ONLY_FOLDED}")
    if op == "Scan":
        raise ValueError(f"unsupported ONNX operator {op!r}: a scan is not unrolled at import (Loop with a constant "
                         "trip count, and the recurrent operators RNN, GRU and LSTM, are)")
    if op not in _HANDLERS:
        raise ValueError(unsupported_operator(op, SUPPORTED_OPS))
    if op == "Div" and g.types.get(outs[0]) == "int":  # integers divided: ONNX truncates toward zero (+0, not -0)
        return _quotient(g, names[0], names[1], outs[0], name, "int_trunc")
    if op in _QUOTIENTS and g.types.get(outs[0]) == "int" and text_attr(attrs, "mode", _QUOTIENTS[op]) != "nearest":
        if attrs.get("antialias", 0):  # onnxruntime: per axis, in fixed point (8 bits) or rounded
            raise ValueError(f"an antialiased {op} of integers is not supported (onnxruntime rounds it per axis)")
        _HANDLERS[op](g, op, attrs, names, [f"{outs[0]}#quotient"], name)
        if f"{outs[0]}#quotient" in g.consts:  # a constant's resize, folded
            g.consts[outs[0]] = np.trunc(g.consts[f"{outs[0]}#quotient"])
            return None
        return g.append(Unary("int_trunc"), [f"{outs[0]}#quotient"], outs[0], name)
    _HANDLERS[op](g, op, attrs, names, outs, name)


SUPPORTED_OPS = tuple(sorted(set(_HANDLERS) | {"Constant", "Shape"} | FOLDABLE | CONTROL_OPS))
"""ONNX operators the importer understands (those in FOLDABLE only when every input is a constant)"""
FOLDED_BY_HANDLER = CONSTANT_INPUT_OPS | {"Conv", "CastLike", "QuantizeLinear"}
"""operators whose handler also takes constant inputs (and folds them), rather than the constant folding"""
