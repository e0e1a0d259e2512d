"""ONNX quantize / dequantize pairs (the QDQ format of int8 models, e.g. onnxruntime's static quantisation), the
handler signature of :mod:`._onnx_ops`. Of constants (int8 weights and their scales) they fold at import
(:func:`quantize`, :func:`dequantize`); of activations they become the float layers that compute the same values:

- QuantizeLinear(x, s, z) = clip(round(x / s) + z, q_min, q_max), round half to even, [q_min, q_max] the range of
  z's integer type (uint8 when no z is given): an affine 1 / s, a ``round`` unary, an affine + z and a clip;
- DequantizeLinear(q, s, z) = (q - z) s: one affine.

``s`` and ``z`` hold one value, or one per channel along ``axis`` (default 1). cimsim then quantises the
activations and weights itself, as its config says; the pairs keep the model's own rounding in the float network.
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


QUANT_HANDLERS = {"QuantizeLinear": _quantize_activation, "DequantizeLinear": _dequantize_activation}
"""ONNX operator -> handler, for the quantise / dequantise operators of activations"""
