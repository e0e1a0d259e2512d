"""ONNX operators that keep a tensor's shape: activations, elementwise arithmetic with activations or constants, and
normalisations, one handler each (the handler signature of :mod:`._onnx_ops`). A function ONNX defines from simpler
ones (HardSigmoid, LeakyRelu, PRelu, Elu, Selu, LogSoftmax) becomes those layers, intermediate tensors ``out#part``."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._onnx_checks import gelu_kind, scalar
from ._onnx_logic import data_where, value_where
from ._onnx_movement import widened
from ._onnx_reduce import REDUCTION_HANDLERS
from ._onnx_sharing import derived, read_alike
from .conv3d import Conv3d
from .layers import Conv2d, Dense
from .movement import Constant, Reshape
from .norms import LayerNorm, RMSNorm
from .ops import Affine, Clip, Elementwise, ReLU, Softmax, Unary
from .pooling import AvgPool2d
from .selection import Select

__all__ = ["SAME_SHAPE_HANDLERS"]

_UNARY = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Erf": "erf", "Exp": "exp", "Sqrt": "sqrt", "Abs": "abs",
          "Neg": "neg", "Reciprocal": "reciprocal", "HardSwish": "hardswish", "Softplus": "softplus",
          "Round": "round", "Floor": "floor", "Ceil": "ceil", "Sign": "sign", "Sin": "sin", "Cos": "cos",
          **{op: op.lower() for op in ("Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh")}}
_BINARY = {"Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Max": "max", "Min": "min"}


def _channel_vector(c: np.ndarray, layer, n: int) -> np.ndarray | None:
    """``c`` as a per-output vector of ``layer`` (Dense: trailing axis; Conv2d: (C, 1, 1)), or None."""
    c = np.asarray(c, dtype=np.float64)  # (n,): the constant's own array (a bias another layer holds: counted once)
    if isinstance(layer, Dense) and (c.ndim <= 1 or all(s == 1 for s in c.shape[:-1])) and c.size in (1, n):
        return c if c.shape == (n,) else np.broadcast_to(c.reshape(-1), (n,))
    if isinstance(layer, (Conv2d, Conv3d)) and c.ndim == layer.weight.ndim - 1 and all(
            s == 1 for s in c.shape[1:]) and c.shape[0] in (1, n):
        return np.broadcast_to(c.reshape(-1), (n,))
    return None


def _binary(g, op: str, names: list[str], out: str, name: str) -> None:
    a, b = names
    if g.is_data(a) and g.is_data(b):
        return g.append(Elementwise(_BINARY[op]), [a, b], out, name)
    (data, held), const = (a, b) if g.is_data(a) else (b, a), g.consts[b if g.is_data(a) else a]
    grown = widened(g, data, const, out, name)  # where the constant widens the activation
    (a, b), data = ((grown, b) if data == a else (a, grown)), grown
    c = read_alike(g, held, const, data)
    if op == "Add":
        found = g.sole_producer(data)
        if found and isinstance(found[1], (Dense, Conv2d, Conv3d)) and found[1].bias is None:
            bias = _channel_vector(c, found[1], found[1].weight.shape[0])
            if bias is not None:
                g.replace(found[0], replace(found[1], bias=bias))
                return g.alias(out, data)
        return g.append(Affine(shift=c), [data], out, name)
    if op == "Mul":
        return g.append(Affine(scale=c), [data], out, name)
    if op == "Sub":
        layer = Affine(shift=read_alike(g, held, const, data, "neg", np.negative)) if g.is_data(a) else Affine(
            scale=-1.0, shift=c)
        return g.append(layer, [data], out, name)
    if op == "Div" and g.is_data(a) and np.all(np.abs(c) >= np.finfo(np.float64).tiny):  # 1 / c finite
        return g.append(Affine(scale=read_alike(g, held, const, data, "1/", np.reciprocal)), [data], out, name)
    if op == "Div" and g.is_data(a):  # by +-0 (or a subnormal): x / c, +-inf or NaN where torch's is
        g.append(Constant(c), [data], f"{out}#divisor", name)
        return g.append(Elementwise("div"), [data, f"{out}#divisor"], out, name)
    if op == "Div":  # c / x (an RMSNorm's 1 / sqrt): a reciprocal, scaled
        if np.all(c == 1.0):
            return g.append(Unary("reciprocal"), [data], out, name)
        g.append(Unary("reciprocal"), [data], f"{out}#reciprocal", name)
        return g.append(Affine(scale=c), [f"{out}#reciprocal"], out, name)
    one_value = np.size(c) and np.all(c == np.ravel(c)[0])
    if one_value and np.broadcast_shapes(g.shape[data], np.shape(c)) == g.shape[data]:  # Max / Min: a clip
        bound = float(np.ravel(c)[0])
        return g.append(Clip(bound, None) if op == "Max" else Clip(None, bound), [data], out, name)
    # bounds that vary: max(x, c) = relu(x - c) + c, min(x, c) = c - relu(c - x)
    sign = 1.0 if op == "Max" else -1.0
    g.append(Affine(scale=sign, shift=-sign * c), [data], f"{out}#beyond", name)
    g.append(ReLU(), [f"{out}#beyond"], f"{out}#excess", name)
    g.append(Affine(scale=sign, shift=c), [f"{out}#excess"], out, name)


def _variadic(g, op, attrs, names, outs, name):
    """Max, Min, Sum and Mean of one or more inputs: a chain of pairwise layers (Sum: adds; Mean: their sum times
    1 / n); constant operands as in the pairwise case"""
    pairwise = {"Sum": "Add", "Mean": "Add"}.get(op, op)
    out, terms = outs[0], [n for n in names if n]
    if not any(g.is_data(t) for t in terms):
        raise ValueError(f"{op} of constants only: folding it at import is not supported")
    terms = sorted(terms, key=lambda t: not g.is_data(t))  # an activation first: every step then has one
    total = terms[0]
    for k, term in enumerate(terms[1:], 1):
        step = out if k == len(terms) - 1 and op != "Mean" else f"{out}#{k}"
        _binary(g, pairwise, [total, term], step, name)
        total = step
    if op == "Mean":
        g.append(Affine(scale=1.0 / len(terms)), [total], out, name)
    elif len(terms) == 1:
        g.alias(out, total)


def _trilu(g, op, attrs, names, outs, name):
    """Trilu of an activation: its upper (lower) triangle of the last two axes, from diagonal k, selected by a
    constant mask (0 elsewhere, whatever the activation holds there: infinities too)"""
    if len(names) > 1 and names[1] and names[1] not in g.consts:
        raise ValueError("Trilu needs a constant diagonal offset")
    k = int(np.ravel(g.consts[names[1]])[0]) if len(names) > 1 and names[1] else 0
    ones = np.ones(g.full_shape(names[0])[-2:])
    mask = np.triu(ones, k) if attrs.get("upper", 1) else np.tril(ones, k)
    g.append(Select(condition=mask, b=0.0), names[:1], outs[0], name)


def _where(g, op, attrs, names, outs, name):
    """Where with a constant condition (a mask): a :class:`.selection.Select` of the operands where each is an
    activation (a constant one, such as -inf, held by the layer), exact whatever the operand not chosen holds. A
    condition computed from activations: :func:`._onnx_logic.data_where`; of IsNaN or IsInf:
    :func:`._onnx_logic.value_where`."""
    cond, a, b = names
    if cond in g.value_tests:
        return value_where(g, cond, a, b, outs[0], name)
    if g.is_data(cond):
        return data_where(g, cond, a, b, outs[0], name)
    data = a if g.is_data(a) else b
    constant = {n: g.sample_constant(g.consts[n], data) for n in (a, b) if not g.is_data(n)}
    keep = g.sample_constant(g.consts[cond], data).astype(bool)
    g.append(Select(condition=keep, a=constant.get(a), b=constant.get(b)), [n for n in (a, b) if g.is_data(n)],
             outs[0], name)


POW_MAX_EXPONENT = 16
"""largest |integer exponent| of an activation's Pow: a chain of products (x**3 in GPT-2's GELU)"""


def _pow(g, op, attrs, names, outs, name):
    """Pow by one constant: an integer n (1 <= |n| <= POW_MAX_EXPONENT) as a chain of products by repeated squaring
    (exact, any sign of x), +-0.5 as a square root, a negative exponent then taking the reciprocal; 0 as ones; any
    other exponent p as exp(p log x) (NaN for x < 0, as x ** p is)"""
    exponent = float(np.ravel(g.consts[names[1]])[0]) if names[1] in g.consts and g.consts[names[1]].size == 1 else None
    if exponent is None or not np.isfinite(exponent):
        raise ValueError("Pow is supported with one finite constant exponent")
    x, out, whole = names[0], outs[0], exponent == int(exponent)
    if whole and abs(exponent) > POW_MAX_EXPONENT:
        raise ValueError(f"Pow by an integer is supported up to {POW_MAX_EXPONENT} in magnitude; got {exponent:g}")
    if exponent == 0:
        return g.append(Affine(scale=0.0, shift=1.0), [x], out, name)
    if not (whole or abs(exponent) == 0.5):
        g.append(Unary("log"), [x], f"{out}#log", name)
        g.append(Affine(scale=exponent), [f"{out}#log"], f"{out}#scaled", name)
        return g.append(Unary("exp"), [f"{out}#scaled"], out, name)
    power = f"{out}#power" if exponent < 0 else out
    if abs(exponent) == 0.5:
        g.append(Unary("sqrt"), [x], power, name)
    else:
        _integer_power(g, x, int(abs(exponent)), power, name)
    if exponent < 0:
        g.append(Unary("reciprocal"), [power], out, name)


def _integer_power(g, x: str, n: int, out: str, name: str) -> None:
    """tensor ``out`` = x**n (n >= 1) by repeated squaring: x**(2k) = (x**k)**2, x**(2k+1) = x**(2k) x"""
    if n == 1:
        return g.alias(out, x)
    half = f"{out}#{n // 2}"
    _integer_power(g, x, n // 2, half, name)
    if n % 2 == 0:
        return g.append(Elementwise("mul"), [half, half], out, name)
    g.append(Elementwise("mul"), [half, half], f"{out}#{n - 1}", name)
    g.append(Elementwise("mul"), [f"{out}#{n - 1}", x], out, name)


def _clip(g, op, attrs, names, outs, name):
    given = g.operand(names, 1, "Clip's min"), g.operand(names, 2, "Clip's max")
    low, high = (attrs.get(k) if v is None else v for k, v in zip(("min", "max"), given))
    g.append(Clip(*(None if v is None else scalar(v, "Clip's min and max") for v in (low, high))), names[:1], outs[0],
             name)


def _hard_sigmoid(g, op, attrs, names, outs, name):
    """HardSigmoid: clip(alpha x + beta, 0, 1), an affine and a clip (alpha 0.2, beta 0.5 by default; torch's 1/6)"""
    line = Affine(scale=float(attrs.get("alpha", 0.2)), shift=float(attrs.get("beta", 0.5)))
    g.append(line, names[:1], f"{outs[0]}#line", name)
    g.append(Clip(0.0, 1.0), [f"{outs[0]}#line"], outs[0], name)


def _log(g, op, attrs, names, outs, name):
    """Log; of a Sigmoid nothing else reads, log sigmoid(x) as -softplus(-x): exact far below 0 (-800, not -inf)"""
    x, out, found = names[0], outs[0], g.sole_producer(names[0])
    if not (found and isinstance(found[1], Unary) and found[1].function == "sigmoid"):
        return g.append(Unary("log"), [x], out, name)
    g.replace(found[0], Unary("neg"))  # the sigmoid's tensor now holds -x
    g.append(Unary("softplus"), [x], f"{out}#softplus", name)
    g.append(Unary("neg"), [f"{out}#softplus"], out, name)


def _leaky_relu(g, op, attrs, names, outs, name):
    """LeakyRelu (slope alpha, 0.01 when not given) and PRelu (a constant slope, per channel or one):
    relu(x) + slope min(x, 0), whatever the sign or size of the slope (x - relu(x) for min(x, 0) had made +inf NaN)"""
    x, out = names[0], outs[0]
    if op == "PRelu" and names[1] not in g.consts:
        raise ValueError("PRelu needs a constant slope")
    slope = float(attrs.get("alpha", 0.01)) if op == "LeakyRelu" else g.sample_constant(g.consts[names[1]], x)
    g.append(ReLU(), [x], f"{out}#pos", name)
    g.append(Clip(None, 0.0), [x], f"{out}#neg", name)
    g.append(Affine(scale=slope), [f"{out}#neg"], f"{out}#sloped", name)
    g.append(Elementwise("add"), [f"{out}#pos", f"{out}#sloped"], out, name)


def _elu(g, op, attrs, names, outs, name):
    """Elu: relu(x) + alpha (exp(min(x, 0)) - 1) (alpha 1 when not given); Celu: the same with exp(min(x, 0) /
    alpha); Selu: gamma times Elu (ONNX's default alpha and gamma)"""
    selu, x, out = op == "Selu", names[0], outs[0]
    alpha = float(attrs.get("alpha", 1.67326319217681884765625 if selu else 1.0))
    g.append(ReLU(), [x], f"{out}#pos", name)
    g.append(Clip(None, 0.0), [x], f"{out}#neg", name)
    if op == "Celu":
        g.append(Affine(scale=1.0 / alpha), [f"{out}#neg"], f"{out}#neg_scaled", name)
        g.append(Unary("exp"), [f"{out}#neg_scaled"], f"{out}#exp", name)
    else:
        g.append(Unary("exp"), [f"{out}#neg"], f"{out}#exp", name)
    g.append(Affine(scale=alpha, shift=-alpha), [f"{out}#exp"], f"{out}#tail", name)
    g.append(Elementwise("add"), [f"{out}#pos", f"{out}#tail"], f"{out}#elu" if selu else out, name)
    if selu:
        g.append(Affine(scale=float(attrs.get("gamma", 1.05070102214813232421875))), [f"{out}#elu"], out, name)


def _softmax(g, op, attrs, names, outs, name):
    """Softmax, and LogSoftmax as x - log(sum(exp(x))) (the ReduceLogSumExp's stable form: no overflow, no log of an
    underflowed 0). Before opset 13 (the node's ``opset`` attribute, com.microsoft's QLinearSoftmax; else the
    graph's) the input is coerced to 2-d at ``axis`` (default 1): the softmax runs over all the axes from ``axis``
    on, as one (a reshape around it)."""
    x, out, coerced = names[0], outs[0], int(attrs.get("opset", g.opset)) < 13
    full = g.full_shape(x)
    axis = g.onnx_axis(attrs.get("axis", 1 if coerced else -1), x)
    merge = coerced and axis < len(full) - 1
    if merge:
        g.append(Reshape(g.sample_shape(full[:axis] + (int(np.prod(full[axis:])),))), [x], f"{out}#rows", name)
        x = f"{out}#rows"
    soft = f"{out}#merged" if merge else out
    if op == "LogSoftmax":
        REDUCTION_HANDLERS["ReduceLogSumExp"](g, "ReduceLogSumExp", {"axes": [axis], "keepdims": 1}, [x],
                                              [f"{soft}#logsumexp"], name)
        g.append(Elementwise("sub"), [x, f"{soft}#logsumexp"], soft, name)
    else:
        g.append(Softmax(g.sample_axis(axis, x)), [x], soft, name)
    if merge:
        g.append(Reshape(g.sample_shape(full)), [soft], out, name)


def _lrn(g, op, attrs, names, outs, name):
    """LRN (AlexNet, GoogLeNet): x / (bias + alpha / size * sum of x**2 over the ``size`` channels around each, as
    ONNX centres them) ** beta. The window sum is an average pool of the squares over the channel axis (the map
    viewed as one (channels, positions) image, zero padding counted), then affine, log, affine, exp and a product."""
    x, out = names[0], outs[0]
    full, size = g.full_shape(x), int(attrs["size"])
    alpha, beta, bias = (float(attrs.get(k, d)) for k, d in (("alpha", 1e-4), ("beta", 0.75), ("bias", 1.0)))
    image = (full[0], 1, full[1], int(np.prod(full[2:])))
    g.append(Elementwise("mul"), [x, x], f"{out}#squares", name)
    g.append(Reshape(g.sample_shape(image)), [f"{out}#squares"], f"{out}#image", name)
    window = AvgPool2d((size, 1), (1, 1), ((size - 1) // 2, 0, size // 2, 0), count_include_pad=True)
    g.append_per_image(window, [f"{out}#image"], f"{out}#window", name)
    g.append(Reshape(g.sample_shape(full)), [f"{out}#window"], f"{out}#mean", name)
    g.append(Affine(scale=alpha, shift=bias), [f"{out}#mean"], f"{out}#base", name)
    g.append(Unary("log"), [f"{out}#base"], f"{out}#log", name)
    g.append(Affine(scale=-beta), [f"{out}#log"], f"{out}#power", name)
    g.append(Unary("exp"), [f"{out}#power"], f"{out}#divisor", name)
    g.append(Elementwise("mul"), [x, f"{out}#divisor"], out, name)


def learned(g, names: list[str], k: int, what: str, absent: float):
    """Input k of a norm node (``what`` names it), or None where not given or where it is an exporter's stand-in for
    a parameter the model lacks (torch's LayerNorm without elementwise_affine or bias, its InstanceNorm and GroupNorm
    without affine): a Constant node, no initializer, holding ``absent`` everywhere (1: a scale, 0: a shift); one
    array per constant (:func:`._onnx_sharing.derived`: a norm applied at several places holds it once)"""
    value = g.operand(names, k, what)
    if value is None or names[k] in g.made_up and np.all(np.asarray(value) == absent):
        return None
    return derived(g, value, "norm")


def _instance_norm(g, op, attrs, names, outs, name):
    """InstanceNormalization (also GroupNorm as torch exports it): a layer norm of each channel over its spatial axes
    (at least one: a 2-d input is refused, as onnxruntime refuses it), with a per-channel scale and shift"""
    if (rank := g.full_ndim(x := names[0])) < 3:
        raise ValueError(f"the input {x!r} has {rank} axes; it normalises each channel over the spatial axes after "
                         "(N, C): it takes 3 or more")
    trailing = (1,) * (rank - 2)
    given = learned(g, names, 1, "InstanceNormalization's scale", 1), learned(g, names, 2, "its B", 0)
    scale, bias = (None if v is None else derived(g, v, trailing, lambda a: a.reshape((-1,) + trailing)) for v in given)
    g.append(LayerNorm(scale, bias, attrs.get("epsilon", 1e-5), g.sample_axis(2, x)), [x], outs[0], name)


def _group_norm(g, op, attrs, names, outs, name):
    """GroupNormalization (opsets 18 and 21): each sample's channels in ``num_groups`` groups, each group normalised
    over its channels and positions (a layer norm of the group's row), then a scale and bias per channel (opset 21)
    or per group (opset 18: repeated over the group's channels)"""
    x, out, groups = names[0], outs[0], int(attrs["num_groups"])
    shape = g.shape[x]
    lead, (c, *rest) = (shape[:1], shape[1:]) if g.batch_as_axis else ((), shape)
    if groups < 1 or c % groups:
        raise ValueError(f"GroupNormalization num_groups {groups} does not divide the {c} channels")
    operands = ((1, "GroupNormalization's scale", 1), (2, "its bias", 0))
    per_channel = [learned(g, names, k, what, absent) for k, what, absent in operands]  # None: a stand-in
    sizes = [np.size(g.operand(names, k, what)) for k, what, _ in operands]  # a stand-in's size too
    if any(n not in (c, groups) for n in sizes):
        raise ValueError(f"GroupNormalization scale and bias need {c} channels or {groups} groups; got {sizes[0]} "
                         f"and {sizes[1]}")
    scale, bias = (None if p is None else np.repeat(np.ravel(p).astype(np.float64), c // np.size(p)).reshape(
        (-1,) + (1,) * len(rest)) for p in per_channel)
    g.append(Reshape(lead + (groups, -1)), [x], f"{out}#groups", name)
    g.append(LayerNorm(None, None, attrs.get("epsilon", 1e-5), -1), [f"{out}#groups"], f"{out}#normed", name)
    if scale is None and bias is None:
        return g.append(Reshape(shape), [f"{out}#normed"], out, name)
    g.append(Reshape(shape), [f"{out}#normed"], f"{out}#channels", name)
    g.append(Affine(scale, bias), [f"{out}#channels"], out, name)


def _layer_norm(g, op, attrs, names, outs, name):
    scale, bias = learned(g, names, 1, "LayerNormalization's scale", 1), learned(g, names, 2, "its bias", 0)
    axis = g.sample_axis(attrs.get("axis", -1), names[0])
    g.append(LayerNorm(scale, bias, attrs.get("epsilon", 1e-5), axis), names[:1], outs[0], name)


def _rms_norm(g, op, attrs, names, outs, name):
    """RMSNormalization (opset 23): the layer norm without its mean, a scale and no bias"""
    scale = learned(g, names, 1, "RMSNormalization's scale", 1)
    axis = g.sample_axis(attrs.get("axis", -1), names[0])
    g.append(RMSNorm(scale, None, attrs.get("epsilon", 1e-5), axis), names[:1], outs[0], name)


def _simple(make):
    """A handler appending ``make(g, attrs, data name)`` reading the node's first input."""
    return lambda g, op, attrs, names, outs, name: g.append(make(g, attrs, names[0]), names[:1], outs[0], name)


SAME_SHAPE_HANDLERS = {
    "Pow": _pow, "Clip": _clip, "LayerNormalization": _layer_norm, "RMSNormalization": _rms_norm, "Log": _log,
    "GroupNormalization": _group_norm, "InstanceNormalization": _instance_norm, "HardSigmoid": _hard_sigmoid,
    "LeakyRelu": _leaky_relu, "PRelu": _leaky_relu, "Elu": _elu, "Selu": _elu, "Celu": _elu, "Trilu": _trilu,
    "Softmax": _softmax, "LogSoftmax": _softmax, "LRN": _lrn, "Where": _where, "Relu": _simple(lambda *_: ReLU()),
    "Gelu": _simple(lambda g, attrs, x: Unary(gelu_kind(attrs))),
    **{op: _simple(lambda g, attrs, x, f=f: Unary(f)) for op, f in _UNARY.items()},
    **{op: lambda g, op, attrs, names, outs, name: _binary(g, op, names[:2], outs[0], name)
       for op in ("Add", "Sub", "Mul", "Div")},
    **{op: _variadic for op in ("Max", "Min", "Sum", "Mean")},
}
"""ONNX operator -> handler, for the operators that keep a tensor's shape"""
