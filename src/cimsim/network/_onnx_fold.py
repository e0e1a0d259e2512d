"""Constant folding for the ONNX importer: nodes whose inputs are all constants (shape arithmetic: Shape, Gather,
Concat, Unsqueeze, Cast, Slice, Range, ...; rotary angles, position ids, token-type gathers) are evaluated with numpy
at import, with ONNX's semantics (integer Div truncates)."""

from __future__ import annotations

import numpy as np

from ._onnx_checks import bounded, gelu_kind, in_range, prod
from ._onnx_quant import dequantize
from .ops import UNARY_FUNCTIONS, special

__all__ = ["FOLDABLE", "NARROW_INTEGERS", "fold", "int_list", "text_attr", "tensor_array", "constant_attr",
           "narrow_type"]


def _divide(a, b):
    """ONNX Div: integer operands divide truncating toward zero (as C does), keeping their integer type"""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b))
    return np.divide(a, b)


_NUMPY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": _divide, "Pow": np.power,
          "Sqrt": np.sqrt, "Neg": np.negative, "Floor": np.floor, "Ceil": np.ceil, "Equal": np.equal,
          "Where": np.where, "Identity": lambda x: x,
          "Range": lambda *ends: np.arange(*(np.asarray(v).item() for v in ends)),  # one-element tensors too
          "Mod": np.mod, "Less": np.less, "Greater": np.greater, "LessOrEqual": np.less_equal,
          "GreaterOrEqual": np.greater_equal, "Not": np.logical_not, "And": np.logical_and, "Or": np.logical_or,
          "Abs": np.abs, "Exp": np.exp, "Min": np.minimum, "Max": np.maximum, "Log": np.log, "Cos": np.cos,
          "Sin": np.sin, "Reciprocal": np.reciprocal, "Sign": np.sign, "Round": np.round, "Xor": np.logical_xor,
          "IsNaN": np.isnan, "Shape": lambda x: np.array(np.shape(x), dtype=np.int64),
          "Size": lambda x: np.array(np.size(x), dtype=np.int64), "MatMul": np.matmul,
          "Relu": lambda x: np.maximum(x, 0), "Sigmoid": UNARY_FUNCTIONS["sigmoid"], "Tanh": np.tanh,
          "Softplus": lambda x: np.logaddexp(0, x), "Erf": lambda x: special("erf", x),
          "Tan": np.tan, "Asin": np.arcsin, "Acos": np.arccos, "Atan": np.arctan, "Sinh": np.sinh, "Cosh": np.cosh,
          "Asinh": np.arcsinh, "Acosh": np.arccosh, "Atanh": np.arctanh,
          "Sum": lambda *xs: np.sum(np.broadcast_arrays(*xs), axis=0),
          "Mean": lambda *xs: np.mean(np.broadcast_arrays(*xs), axis=0),
          "NonZero": lambda x: np.array(np.nonzero(x) if np.ndim(x) else np.empty((0, np.count_nonzero(x))), np.int64)}


def _cumsum(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """ONNX CumSum: inclusive (or ``exclusive``) running sums along the axis operand, from the end with ``reverse``
    (e.g. position ids counted along an all-ones mask)"""
    axis = int(np.ravel(operands[1])[0])
    y = np.flip(x, axis) if attrs.get("reverse", 0) else x
    out = np.cumsum(y, axis=axis, dtype=x.dtype) - (y if attrs.get("exclusive", 0) else 0)
    return np.flip(out, axis) if attrs.get("reverse", 0) else out


def _gemm(a: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """ONNX Gemm of constants: alpha op(A) op(B) + beta C"""
    a = a.T if attrs.get("transA", 0) else a
    b = operands[1].T if attrs.get("transB", 0) else operands[1]
    y = attrs.get("alpha", 1.0) * (a @ b)
    c = operands[2] if len(operands) > 2 and operands[2] is not None else None
    return (y if c is None else y + attrs.get("beta", 1.0) * c).astype(np.result_type(a, b))


def flatten_axis(attrs: dict, rank: int) -> int:
    """Flatten's axis from 0 (ONNX: in [-rank, rank]; rank gives (size, 1))"""
    axis = int(attrs.get("axis", 1))
    if not -rank <= axis <= rank:
        raise ValueError(f"Flatten axis {axis} is outside [-{rank}, {rank}]")
    return axis + rank if axis < 0 else axis


def _flatten(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    axis = flatten_axis(attrs, x.ndim)
    return x.reshape(int(np.prod(x.shape[:axis])), int(np.prod(x.shape[axis:])))


def _clip(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    low = operands[1] if len(operands) > 1 and operands[1] is not None else attrs.get("min")
    high = operands[2] if len(operands) > 2 and operands[2] is not None else attrs.get("max")
    return np.clip(x, low, high)


def _rows(x: np.ndarray, attrs: dict) -> tuple[np.ndarray, int]:
    """(x, the axis) a Softmax, LogSoftmax or Hardmax of constants runs along: ``axis`` (default -1), or before opset 13
    (``__coerced``, set by :func:`._onnx_legacy.older_form`) all the axes from ``axis`` (default 1) on, as one"""
    coerced = attrs.get("__coerced", False)
    axis = attrs.get("axis", 1 if coerced else -1) % max(x.ndim, 1)
    return (x.reshape(x.shape[:axis] + (-1,)), -1) if coerced else (x, axis)


def _log_softmax(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:  # x - logsumexp: no log of an underflow
    s = (y := _rows(x, attrs))[0] - y[0].max(axis=y[1], keepdims=True)
    return (s - np.log(np.exp(s).sum(axis=y[1], keepdims=True))).reshape(x.shape)


def _hardmax(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:  # 1 at the first largest value, else 0
    m = np.moveaxis((y := _rows(x, attrs))[0], y[1], -1)
    return np.moveaxis(np.arange(m.shape[-1]) == m.argmax(-1)[..., None], -1, y[1]).astype(x.dtype).reshape(x.shape)


def _scatter_nd(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """ONNX ScatterND of constants: ``updates`` written (or added, multiplied) at the index tuples of ``indices``
    (BEiT builds its relative-position index so)"""
    out, indices, updates = np.array(x, copy=True), np.asarray(operands[1]).astype(np.int64), operands[2]
    where = tuple(np.moveaxis(indices, -1, 0))
    reduction = text_attr(attrs, "reduction", "none")
    if reduction == "none":
        out[where] = updates
    elif reduction in ("add", "mul", "max", "min"):
        {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[reduction].at(out, where, updates)
    else:
        raise ValueError(f"ScatterND reduction {reduction!r} is not supported")
    return out


def _gather_nd(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """ONNX GatherND of constants: the slices of ``x`` at the index tuples of ``indices`` (the last axis), after
    ``batch_dims`` leading axes taken together (LeViT gathers its attention biases so)"""
    indices, batch = np.asarray(operands[1]).astype(np.int64), int(attrs.get("batch_dims", 0))
    lead = x.shape[:batch]
    flat_x = x.reshape((-1,) + x.shape[batch:])
    flat_i = indices.reshape((-1,) + indices.shape[batch:])
    out = [xb[tuple(np.moveaxis(ib, -1, 0))] for xb, ib in zip(flat_x, flat_i)]
    return np.stack(out).reshape(lead + out[0].shape)


def _gelu(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    return UNARY_FUNCTIONS[gelu_kind(attrs)](x)


def _batch_norm(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """ONNX BatchNormalization of a constant over axis 1: with the given statistics, or (``training_mode``) those
    of the constant itself, population variance (NF-Net's weight standardisation normalises its weights so); the
    running statistics a training-mode node also outputs are not computed"""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    scale, bias, mean, var = (np.asarray(o, dtype=np.float64).reshape(shape) for o in operands[1:5])
    if attrs.get("training_mode", 0):
        axes = tuple(a for a in range(x.ndim) if a != 1)
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + attrs.get("epsilon", 1e-5)) * scale + bias


def _eye_like(x, operands, attrs) -> np.ndarray:
    """EyeLike: ones on diagonal ``k`` of a matrix of x's shape, of the element type ``dtype`` names (else x's)"""
    from onnx import helper

    if x.ndim != 2:
        raise ValueError(f"EyeLike needs a 2-d input; got shape {x.shape}")
    dtype = helper.tensor_dtype_to_np_dtype(attrs["dtype"]) if "dtype" in attrs else x.dtype
    return np.eye(x.shape[0], x.shape[1], k=int(attrs.get("k", 0)), dtype=dtype)


def _one_hot(x, operands, attrs) -> np.ndarray:
    """OneHot of constant indices: values[1] at each index's position along the new axis ``axis`` (negative indices
    from the end, ones out of range nowhere), values[0] elsewhere"""
    depth = int(np.ravel(operands[1])[0])
    off, on = np.ravel(operands[2])[:2]
    indices = np.asarray(x).astype(np.int64)
    indices = np.where(indices < 0, indices + depth, indices)
    axis = int(attrs.get("axis", -1)) % (indices.ndim + 1)
    positions = np.arange(depth).reshape([depth if k == axis else 1 for k in range(indices.ndim + 1)])
    return np.where(np.expand_dims(indices, axis) == positions, on, off).astype(np.asarray(operands[2]).dtype)


_WITH_ATTRIBUTES = {
    "BatchNormalization": _batch_norm,
    "CumSum": _cumsum, "Flatten": _flatten, "DequantizeLinear": dequantize,
    "GatherElements": lambda x, operands, attrs: np.take_along_axis(x, operands[1].astype(np.int64),
                                                                    axis=attrs.get("axis", 0)),
    "Tile": lambda x, operands, attrs: np.tile(x, np.ravel(operands[1]).astype(int)),
    "Gemm": lambda x, operands, attrs: _gemm(x, operands, attrs),
    "IsInf": lambda x, operands, attrs: (np.isposinf(x) & bool(attrs.get("detect_positive", 1))
                                         | np.isneginf(x) & bool(attrs.get("detect_negative", 1))),
    "LeakyRelu": lambda x, operands, attrs: np.where(x >= 0, x, attrs.get("alpha", 0.01) * x),
    "HardSigmoid": lambda x, operands, attrs: np.clip(attrs.get("alpha", 0.2) * x + attrs.get("beta", 0.5), 0, 1),
    "Clip": _clip, "LogSoftmax": _log_softmax, "Hardmax": _hardmax, "Gelu": _gelu, "ScatterND": _scatter_nd,
    "Softmax": lambda x, operands, attrs: np.exp(_log_softmax(x, operands, attrs)),
    "GatherND": _gather_nd, "EyeLike": _eye_like, "OneHot": _one_hot,
}
"""operators folded by a function of (first operand, operands, attributes)"""

FOLDABLE = frozenset(_NUMPY) | {"Cast", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Reshape", "Transpose",
                                "ConstantOfShape", "Expand", "Trilu", "ReduceProd", "ReduceSum", "ReduceMax",
                                "ReduceMin", "ReduceMean", "Einsum", "Split", *_WITH_ATTRIBUTES}
"""operators evaluated at import when every input is a constant"""


NARROW_INTEGERS = frozenset({21, 22, 25, 26})
"""ONNX's UINT4, INT4, UINT2 and INT2 (TensorProto.DataType), which :func:`tensor_array` holds in 8 bits"""

_SAME_TYPE = frozenset({"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Gather", "Slice",
                        "Concat", "Expand", "Tile", "Split", "Pad"})
"""operators whose outputs have their (first) input's element type"""


def narrow_type(onnx, node, narrow: dict[str, int]) -> int | None:
    """The :data:`NARROW_INTEGERS` type of the outputs of ``node`` (``narrow``: that of the tensors so far): a
    Constant's or ConstantOfShape's value's, a Cast's ``to``, a CastLike's or QuantizeLinear's zero point's (or its
    ``output_dtype``), the input's of an operator moving values (Identity, Reshape, ...); else None"""
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    names, op = list(node.input) + ["", "", ""], node.op_type
    if op in ("Constant", "ConstantOfShape"):
        found = getattr(attrs.get("value"), "data_type", None)
    elif op in ("Cast", "CastLike", "QuantizeLinear"):
        found = {"Cast": attrs.get("to"), "CastLike": narrow.get(names[1]),
                 "QuantizeLinear": attrs.get("output_dtype", narrow.get(names[2]))}[op]
    else:
        found = narrow.get(names[0]) if op in _SAME_TYPE else None
    return found if found in NARROW_INTEGERS else None


def tensor_array(tensor) -> np.ndarray:
    """An ONNX tensor as a numpy array (:func:`_held`)."""
    from onnx import numpy_helper

    return _held(numpy_helper.to_array(tensor))


def _held(array: np.ndarray) -> np.ndarray:
    """``array``, its narrow floats numpy lacks (bfloat16, float8: ml_dtypes types) as float32, its narrow integers
    (int4, uint4, int2, uint2) as int8 or uint8, which hold each of their values exactly"""
    if array.dtype.kind != "V":
        return array
    if array.dtype.name in ("int4", "int2", "uint4", "uint2"):
        return array.astype(np.uint8 if array.dtype.name.startswith("u") else np.int8)
    return array.astype(np.float32)


def text_attr(attrs: dict, key: str, default: str) -> str:
    """A string attribute (ONNX stores them as bytes), ``default`` when not given."""
    value = attrs.get(key, default)
    return value.decode() if isinstance(value, bytes) else value


def int_list(attrs: dict, operands: list, attr: str, index: int):
    """An int list given as attribute ``attr`` (older opsets) or as constant input ``index`` (newer ones)."""
    if attr in attrs:
        return [int(a) for a in attrs[attr]]
    if len(operands) > index and operands[index] is not None:
        return [int(a) for a in np.ravel(operands[index])]
    return None


def split_sizes(attrs: dict, operands: list, size: int, parts: int) -> list[int]:
    """The part sizes of a Split of an axis of ``size`` into ``parts``: given, or equal, the last smaller (opset 18)."""
    given = int_list(attrs, operands, "split", 1)
    if given is not None:
        if sum(given) != size or len(given) != parts:
            raise ValueError(f"Split sizes {given} do not cut an axis of {size} into {parts} parts")
        return given
    step, even = -(-size // parts), attrs.get("__even")  # even: before opset 18 (:func:`._onnx_legacy.older_form`)
    if size - (parts - 1) * step < 0 or even and size % parts:  # (a negative part had been a reversed Slice)
        raise ValueError(f"Split of an axis of {size} into {parts} " + ("equal parts: before opset 18 they must divide "
                         "it, as onnxruntime requires" if even else f"parts of {step} runs out before the last one"))
    return [min(step, size - k * step) for k in range(parts)]


def _reduced(op: str, x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """ReduceProd, ReduceSum, ReduceMax, ReduceMin or ReduceMean of a constant: over its axes (an axis named twice
    once, as onnxruntime), or none given, every axis, or none with ``noop_with_empty_axes``"""
    axes = int_list(attrs, operands, "axes", 1)
    if not axes and attrs.get("noop_with_empty_axes", 0):
        return x
    reduce = {"ReduceProd": np.prod, "ReduceSum": np.sum, "ReduceMax": np.max, "ReduceMin": np.min,
              "ReduceMean": np.mean}[op]
    axes = None if not axes else tuple(dict.fromkeys(a % max(x.ndim, 1) for a in axes))
    return np.asarray(reduce(x, axis=axes, keepdims=bool(attrs.get("keepdims", 1))))


def _check_size(op: str, x, operands: list) -> None:
    """ValueError where an operator that makes a constant of a given size is asked for more than
    MAX_FOLDED_VALUES values (before numpy would try to hold them)"""
    if op == "ConstantOfShape":
        bounded(prod(np.ravel(x)), op)
    elif op == "Expand":
        bounded(prod(np.broadcast_shapes(x.shape, tuple(np.ravel(operands[1]).astype(int)))), op)
    elif op == "Range":
        start, limit, delta = (float(np.asarray(v).item()) for v in (x, *operands[1:3]))
        bounded((limit - start) / delta, op)
    elif op == "Tile":
        bounded(x.size * prod(np.ravel(operands[1])), op)


def fold(onnx, op: str, attrs: dict, operands: list, outputs: int = 1) -> list[np.ndarray]:
    """The ``outputs`` outputs of a node whose inputs are all constants."""
    x = operands[0] if operands else None
    _check_size(op, x, operands)
    if op == "Split":
        axis = attrs.get("axis", 0)
        sizes = split_sizes(attrs, operands, x.shape[axis], outputs)
        return np.split(x, np.cumsum(sizes)[:-1], axis=axis)
    if op == "Mod" and attrs.get("fmod", 0):
        return [np.fmod(*operands)]
    if op in _NUMPY:  # IEEE results, as a runtime's (T5's log of bucket 0 is -inf, which a later Where drops)
        with np.errstate(all="ignore"):
            return [np.asarray(_NUMPY[op](*[o for o in operands if o is not None]))]
    if op == "Cast":  # to a type numpy lacks: held as :func:`tensor_array` holds it
        with np.errstate(invalid="ignore"):  # a non-finite value cast to integers: undefined in ONNX too
            return [_held(x.astype(onnx.helper.tensor_dtype_to_np_dtype(attrs["to"])))]
    if op == "Gather":
        axis = attrs.get("axis", 0)
        return [np.take(x, in_range(operands[1], x.shape[axis], "Gather"), axis=axis)]
    if op in ("Unsqueeze", "Squeeze"):
        axes = int_list(attrs, operands, "axes", 1)
        if op == "Squeeze":
            return [np.squeeze(x, axis=None if axes is None else tuple(axes))]
        out = x
        for a in sorted(a % (x.ndim + len(axes)) for a in axes):
            out = np.expand_dims(out, a)
        return [out]
    if op == "Concat":
        return [np.concatenate([np.atleast_1d(o) for o in operands], axis=attrs.get("axis", 0))]
    if op == "Slice":
        starts, ends = int_list(attrs, operands, "starts", 1), int_list(attrs, operands, "ends", 2)
        axes = int_list(attrs, operands, "axes", 3) or list(range(len(starts)))
        steps = int_list(attrs, operands, "steps", 4) or [1] * len(starts)
        index = [slice(None)] * x.ndim
        for a, s, e, st in zip(axes, starts, ends, steps):
            index[a] = slice(s, e, st)
        return [x[tuple(index)]]
    if op == "Reshape":
        target = [d if d != 0 else x.shape[k] for k, d in enumerate(int_list(attrs, operands, "shape", 1))]
        return [x.reshape(target)]
    if op == "Transpose":
        return [np.transpose(x, attrs.get("perm"))]
    if op == "ConstantOfShape":
        fill = tensor_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
        return [np.full(np.ravel(x).astype(int), fill.ravel()[0], dtype=fill.dtype)]
    if op == "Expand":
        return [x * np.ones(np.ravel(operands[1]).astype(int), dtype=x.dtype)]
    if op.startswith("Reduce"):  # e.g. the count of a std's Bessel correction, a product of shape values
        return [_reduced(op, x, operands, attrs)]
    if op == "Einsum":
        return [np.einsum(text_attr(attrs, "equation", ""), *operands)]
    if op in _WITH_ATTRIBUTES:
        return [_WITH_ATTRIBUTES[op](x, operands, attrs)]
    if op == "Trilu":  # a causal mask's triangle of the last two axes
        k = int(np.ravel(operands[1])[0]) if len(operands) > 1 and operands[1] is not None else 0
        return [np.triu(x, k) if attrs.get("upper", 1) else np.tril(x, k)]
    raise ValueError(f"constant folding of {op} is not supported")

def constant_attr(attrs: dict, where: str) -> np.ndarray:
    """The value of a Constant node of attributes ``attrs``."""
    if "value" in attrs:
        return tensor_array(attrs["value"])
    for key in ("value_float", "value_int"):
        if key in attrs:
            return np.array(attrs[key])
    for key in ("value_floats", "value_ints"):
        if key in attrs:
            return np.array(list(attrs[key]))
    raise ValueError(f"{where}: Constant with attributes {sorted(attrs)} is not supported")
