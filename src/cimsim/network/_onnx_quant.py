"""ONNX quantize / dequantize pairs (the QDQ format of int8 models, e.g. onnxruntime's static quantisation), the
handler signature of :mod:`._onnx_ops`. Of constants (int8 weights and their scales) they fold at import
(:func:`quantize`, :func:`dequantize`); of activations they become the float layers that compute the same values:

- QuantizeLinear(x, s, z) = clip(round(x / s) + z, q_min, q_max), round half to even, [q_min, q_max] the range of
  z's integer type (uint8 when no z is given): an affine 1 / s, a ``round`` unary, an affine + z and a clip;
- DequantizeLinear(q, s, z) = (q - z) s: one affine.

``s`` and ``z`` hold one value, or one per channel along ``axis`` (default 1). cimsim then quantises the
activations and weights itself, as its config says; the pairs keep the model's own rounding in the float network.

The QOperator format (onnxruntime's QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinearMul, QLinear(Global)
AveragePool, QLinearConcat, QLinearSigmoid, QLinearLeakyRelu, QLinearSoftmax) is each operator between a dequantise
of its quantised inputs and a quantise of its output (:data:`QLINEAR`): the float operator's own handler in between,
an int32 bias dequantised with the product of its operands' scales. onnxruntime requantises in float32, so a value
on a rounding boundary may land one step apart.
"""

from __future__ import annotations

import numpy as np

from .ops import Affine, Clip, Unary

__all__ = ["QUANT_HANDLERS", "quantize", "dequantize"]


def _along(value: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """a per-tensor (one value) or per-axis (1-d) parameter shaped to broadcast against a tensor of ``ndim`` axes"""
    value = np.asarray(value)
    if value.ndim == 0 or value.size == 1:
        return value.reshape(())
    shape = [1] * ndim
    shape[axis % ndim] = value.size
    return value.reshape(shape)


def _parameters(operands: list, ndim: int, attrs: dict) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """(scale, zero point, integer type) of a node, shaped for a tensor of ``ndim`` axes"""
    axis = attrs.get("axis", 1)
    zero = operands[2] if len(operands) > 2 and operands[2] is not None else np.zeros((), np.uint8)
    return (_along(np.asarray(operands[1], dtype=np.float64), ndim, axis), _along(zero, ndim, axis).astype(np.float64),
            np.asarray(zero).dtype)


def quantize(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """QuantizeLinear of constants"""
    scale, zero, dtype = _parameters(operands, np.ndim(x), attrs)
    info = np.iinfo(dtype)
    return np.clip(np.round(np.asarray(x, dtype=np.float64) / scale) + zero, info.min, info.max).astype(dtype)


def dequantize(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """DequantizeLinear of constants (float32, as ONNX returns)"""
    scale, zero, _ = _parameters(operands, np.ndim(x), attrs)
    return ((np.asarray(x, dtype=np.float64) - zero) * scale).astype(np.float32)


def _constant_parameters(g, names: list[str]) -> list:
    if any(n and n not in g.consts for n in names[1:]):
        raise ValueError("quantisation needs constant scales and zero points")
    return [None] + [g.consts[n] if n else None for n in names[1:]]


def _quantize_activation(g, op, attrs, names, outs, name):
    x, out = names[0], outs[0]
    scale, zero, dtype = _parameters(_constant_parameters(g, names), g.full_ndim(x), attrs)
    info = np.iinfo(dtype)
    g.append(Affine(scale=g.sample_constant(1.0 / scale, x)), [x], f"{out}#scaled", name)
    g.append(Unary("round"), [f"{out}#scaled"], f"{out}#rounded", name)
    g.append(Affine(shift=g.sample_constant(zero, x)), [f"{out}#rounded"], f"{out}#shifted", name)
    g.append(Clip(float(info.min), float(info.max)), [f"{out}#shifted"], out, name)


def _dequantize_activation(g, op, attrs, names, outs, name):
    x = names[0]
    scale, zero, _ = _parameters(_constant_parameters(g, names), g.full_ndim(x), attrs)
    g.append(Affine(scale=g.sample_constant(scale, x), shift=g.sample_constant(-zero * scale, x)), [x], outs[0], name)


QLINEAR: dict[str, tuple[str, tuple[int, ...], int | None, tuple[int, int]]] = {
    "QLinearConv": ("Conv", (0, 3), 8, (6, 7)), "QLinearMatMul": ("MatMul", (0, 3), None, (6, 7)),
    "QGemm": ("Gemm", (0, 3), 6, (7, 8)), "QLinearAdd": ("Add", (0, 3), None, (6, 7)),
    "QLinearMul": ("Mul", (0, 3), None, (6, 7)), "QLinearAveragePool": ("AveragePool", (0,), None, (3, 4)),
    "QLinearGlobalAveragePool": ("GlobalAveragePool", (0,), None, (3, 4)),
    "QLinearSigmoid": ("Sigmoid", (0,), None, (3, 4)), "QLinearLeakyRelu": ("LeakyRelu", (0,), None, (3, 4)),
    "QLinearSoftmax": ("Softmax", (0,), None, (3, 4)), "QLinearConcat": ("Concat", (), None, (0, 1)),
}
"""QOperator -> (float operator, positions of its (quantised input, scale, zero point) triples, position of an
int32 bias (None: no bias), positions of the output's scale and zero point (QGemm without them: a float output));
QLinearConcat's inputs are the triples after its output's scale and zero point"""


def _weight_axis(op: str, attrs: dict) -> int:
    """the axis of a quantised matrix's per-channel scales: a conv's output channels, a MatMul's columns, a Gemm's
    outputs"""
    return 0 if op == "QLinearConv" or (op == "QGemm" and attrs.get("transB", 0)) else 1


def _dequantized(g, names: list[str], k: int, axis: int, out: str, name: str) -> str:
    """the float tensor of quantised input ``names[k]`` (scale names[k + 1], zero point names[k + 2]): a folded
    constant, or an affine of the activation"""
    triple = names[k:k + 3] + [""] * (3 - len(names[k:k + 3]))
    attrs = {"axis": axis}
    if triple[0] in g.consts:
        g.consts[out] = dequantize(g.consts[triple[0]], _constant_parameters(g, triple), attrs)
    else:
        _dequantize_activation(g, "DequantizeLinear", attrs, triple, [out], name)
    return out


def _qlinear(g, op, attrs, names, outs, name):
    """a QOperator: its float operator between a dequantise of its inputs and a quantise of its output"""
    from ._onnx_ops import layer_for  # the float operators' handlers (that module imports this one)

    float_op, triples, bias, output = QLINEAR[op]
    out = outs[0]
    if op == "QLinearConcat":
        triples = tuple(range(2, len(names), 3))
    if attrs.get("channels_last", 0):
        raise ValueError(f"{op} with channels_last is not supported")
    operands = [_dequantized(g, names, k, _weight_axis(op, attrs) if k else 1, f"{out}#in{k}", name)
                for k in triples]
    if bias is not None and len(names) > bias and names[bias]:
        scales = [np.ravel(np.asarray(g.consts[names[k + 1]], dtype=np.float64)) for k in triples[:2]]
        g.consts[f"{out}#bias"] = np.asarray(g.consts[names[bias]], dtype=np.float64) * scales[0] * scales[1]
        operands.append(f"{out}#bias")
    float_attrs = {k: v for k, v in attrs.items() if k != "channels_last"}
    float_out = out if len(names) <= output[0] or not names[output[0]] else f"{out}#float"
    layer_for(g, float_op, float_attrs, operands, [float_out], name)
    if float_out != out:
        _quantize_activation(g, "QuantizeLinear", {"axis": 1}, [float_out, *names[output[0]:output[1] + 1]], [out],
                             name)


QUANT_HANDLERS = {"QuantizeLinear": _quantize_activation, "DequantizeLinear": _dequantize_activation,
                  **{op: _qlinear for op in QLINEAR}}
"""ONNX operator -> handler, for the quantise / dequantise operators of activations and the QOperators"""
