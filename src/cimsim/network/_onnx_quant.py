"""ONNX quantize / dequantize pairs (the QDQ format of int8 models, e.g. onnxruntime's static quantisation), the
handler signature of :mod:`._onnx_ops`. Of constants (int8 weights and their scales) they fold at import
(:func:`quantize`, :func:`dequantize`); of activations they become the float layers that compute the same values:

- QuantizeLinear(x, s, z) = clip(round(x / s) + z, q_min, q_max), round half to even, [q_min, q_max] the range of
  z's integer type (uint8 when no z is given): an affine 1 / s, a ``round`` unary, an affine + z and a clip. ONNX
  divides in the scale's float type (opset 23: its ``precision``), float32 as a rule: so does the folding of
  constants; an activation's quotient is float64, so where the float32 quotient rounds onto a .5 tie that the
  float64 one misses, its code is one step apart;
- DequantizeLinear(q, s, z) = (q - z) s: one affine.

``s`` and ``z`` hold one value, one per channel along ``axis`` (default 1), or (opset 21's ``block_size``) one per
block of that many values along it, repeated over the block. QuantizeLinear's integer type is z's, else its
``output_dtype`` (opset 21), else uint8: 2-, 4-, 8-, 16- or 32-bit; the float8 types are refused. cimsim then
quantises the activations and weights itself, as its config says; the pairs keep the model's own rounding in the
float network. DynamicQuantizeLinear of an activation (onnxruntime's dynamic quantisation: a scale computed from
each input at run time) is refused by name; of a constant it folds.

The QOperator format (onnxruntime's QLinearConv, QLinearMatMul, QGemm, QLinearAdd, QLinearMul, QLinear(Global)
AveragePool, QLinearConcat, QLinearSigmoid, QLinearLeakyRelu, QLinearSoftmax) is each operator between a dequantise
of its quantised inputs and a quantise of its output (:data:`QLINEAR`): the float operator's own handler in between,
an int32 bias dequantised with the product of its operands' scales. That is what onnxruntime computes node by node
(ORT_DISABLE_ALL, ORT_ENABLE_BASIC), within float32 rounding; its default session fuses dequantise -> operator ->
quantise into integer kernels that requantise their own way, measured one or two output steps apart on small CNNs
and an MLP, up to six on an attention block (docs/networks.md). QLinearSoftmax takes axis -1 unless given and is
coerced to 2-d as its own ``opset`` attribute says (onnxruntime's kernel), not the graph's opset. Their scales and
zero points are one value each but a weight's (per channel), as onnxruntime requires; a weight initializer read by
several QOperators is one matrix, as a float weight is. A quantise by scale 0 or NaN is refused, and so is a
dequantise of an activation by an infinite or NaN scale (no finite value).
"""

from __future__ import annotations

import numpy as np

from ._onnx_sharing import derived
from .ops import Affine, Clip, Unary

__all__ = ["QUANT_HANDLERS", "quantize", "dequantize"]

INTEGER_BITS = {f"{sign}INT{bits}": bits for sign in ("", "U") for bits in (2, 4, 8, 16, 32)}
"""the integer types QuantizeLinear may quantise to -> their bits (their range is its saturation)"""


def _along(value: np.ndarray, shape: tuple[int, ...], axis: int, block: int) -> np.ndarray:
    """a per-tensor (one value), per-axis (1-d) or blocked (``block`` > 0: x's rank, one value per block along
    ``axis``) parameter shaped to broadcast against a tensor of ``shape``"""
    value, ndim = np.asarray(value), len(shape)
    if block <= 0 and value.size == 1:
        return value.reshape(())
    if not -ndim <= axis < ndim:
        raise ValueError(f"attribute axis {axis} is out of range for an input of rank {ndim} ({-ndim} to {ndim - 1})")
    axis %= ndim
    if block > 0:
        wanted = tuple(-(-n // block) if k == axis else n for k, n in enumerate(shape))
        if value.shape != wanted:
            raise ValueError(f"block_size {block} along axis {axis} needs scales and zero points of shape "
                             f"{list(wanted)} for an input of shape {list(shape)}; got {list(value.shape)}")
        return np.repeat(value, block, axis=axis).take(range(shape[axis]), axis=axis)
    if value.ndim != 1 or value.size != shape[axis]:
        raise ValueError(f"scales and zero points of shape {list(value.shape)} are neither one value nor one per "
                         f"position of axis {axis} of an input of shape {list(shape)} (blocks need block_size)")
    axes = [1] * ndim
    axes[axis] = value.size
    return value.reshape(axes)


def _parameters(operands: list, shape: tuple[int, ...], attrs: dict) -> tuple[np.ndarray, np.ndarray]:
    """(scale, zero point) of a node, shaped for a tensor of ``shape``"""
    axis, block = attrs.get("axis", 1), int(attrs.get("block_size", 0))
    zero = operands[2] if len(operands) > 2 and operands[2] is not None else None
    if zero is not None and np.size(zero) != np.size(operands[1]):  # onnxruntime refuses them too
        raise ValueError(f"scale of shape {list(np.shape(operands[1]))} and zero point of shape "
                         f"{list(np.shape(zero))} differ: ONNX gives a zero point the scale's shape")
    x = operands[0]
    if zero is not None and isinstance(x, np.ndarray) and x.dtype.kind in "iu" and np.asarray(zero).dtype != x.dtype:
        raise ValueError(f"zero point of type {np.asarray(zero).dtype} for an input of type {x.dtype}: ONNX "
                         "needs one type (a uint8 zero point of int8 weights had been read as codes minus it)")
    return (_along(np.asarray(operands[1], dtype=np.float64), shape, axis, block),
            np.zeros(()) if zero is None else _along(zero, shape, axis, block).astype(np.float64))


def _output_type(operands: list, attrs: dict) -> tuple[int, int, np.dtype]:
    """(least, greatest, numpy type holding them) of QuantizeLinear's integer type: its ``output_dtype`` (given, or
    a 4-bit zero point's), else its zero point's type, else uint8"""
    from onnx import TensorProto

    zero = operands[2] if len(operands) > 2 and operands[2] is not None else None
    if "output_dtype" in attrs:
        name = TensorProto.DataType.Name(attrs["output_dtype"])
    else:  # a zero point of a type numpy lacks (float8) is held as float32
        name = "UINT8" if zero is None else np.asarray(zero).dtype.name.upper()
    if name not in INTEGER_BITS:
        raise ValueError(f"QuantizeLinear to type {name.lower()} (its output_dtype, or its zero point's type) is not "
                         f"supported; supported: {', '.join(t.lower() for t in INTEGER_BITS)} (a float8 zero point "
                         "reads as float32)")
    bits, unsigned = INTEGER_BITS[name], name.startswith("U")
    low, high = (0, 2**bits - 1) if unsigned else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return low, high, np.dtype(f"{'u' * unsigned}int{max(8, bits)}")  # 2- and 4-bit values held in 8 bits


def _quotient_type(operands: list, attrs: dict) -> np.dtype:
    """the float type QuantizeLinear divides in, as ONNX defines it: its ``precision`` (opset 23), else its scale's
    type; bfloat16 as float32 (numpy lacks it; the scale is held so), an integer scale's in float64"""
    if "precision" in attrs:
        from onnx import helper

        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(attrs["precision"]))
    else:
        dtype = np.asarray(operands[1]).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float32 if dtype.kind == "V" else np.float64)


def quantize(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """QuantizeLinear of constants: x / s in ONNX's type (:func:`_quotient_type`), rounded half to even, + z,
    saturated"""
    scale, zero = _parameters(operands, np.shape(x), attrs)
    low, high, dtype = _output_type(operands, attrs)
    kind = _quotient_type(operands, attrs)
    with np.errstate(over="ignore"):  # a quotient past the type's range is infinite, and saturates
        quotient = np.asarray(x).astype(kind) / scale.astype(kind)
    return np.clip(np.round(quotient).astype(np.float64) + zero, low, high).astype(dtype)


def dequantize(x: np.ndarray, operands: list, attrs: dict) -> np.ndarray:
    """DequantizeLinear of constants (float32, as ONNX returns)"""
    scale, zero = _parameters(operands, np.shape(x), attrs)
    return ((np.asarray(x, dtype=np.float64) - zero) * scale).astype(np.float32)


def _constant_parameters(g, names: list[str]) -> list:
    if any(n and n not in g.consts for n in names[1:]):
        raise ValueError("quantisation needs constant scales and zero points")
    return [None] + [g.consts[n] if n else None for n in names[1:]]


def _nonzero_scale(scale, what: str) -> None:
    """ValueError where the scale a quantise divides by holds 0 (x / 0 is infinite, 0 / 0 NaN: no code) or NaN; a
    negative or infinite one quantises as ONNX says"""
    values = np.ravel(np.asarray(scale, dtype=np.float64))
    bad = values[(values == 0) | np.isnan(values)]
    if bad.size:
        raise ValueError(f"quantising by scale {bad[0]:g} (input {what!r}) is undefined; a scale must be a nonzero "
                         "number")


def _quantize_activation(g, op, attrs, names, outs, name):
    """QuantizeLinear of an activation, or of a constant (folded); a 4-bit zero point (held in 8 bits) gives its
    type's range"""
    x, out = names[0], outs[0]
    if len(names) > 2 and names[2] in g.narrow:
        attrs = {**attrs, "output_dtype": g.narrow[names[2]]}
    operands = _constant_parameters(g, names)
    _nonzero_scale(operands[1], names[1])
    if x in g.consts:
        g.consts[out] = quantize(g.consts[x], operands, attrs)
        return
    scale, zero = _parameters(operands, g.full_shape(x), attrs)
    low, high, _ = _output_type(operands, attrs)
    g.append(Affine(scale=g.sample_constant(1.0 / scale, x)), [x], f"{out}#scaled", name)
    g.append(Unary("round"), [f"{out}#scaled"], f"{out}#rounded", name)
    g.append(Affine(shift=g.sample_constant(zero, x)), [f"{out}#rounded"], f"{out}#shifted", name)
    g.append(Clip(float(low), float(high)), [f"{out}#shifted"], out, name)


def _dequantize_activation(g, op, attrs, names, outs, name):
    """DequantizeLinear of an activation: an affine, its scale finite ((q - z) inf is no number cimsim's layers
    hold)"""
    x = names[0]
    scale, zero = _parameters(_constant_parameters(g, names), g.full_shape(x), attrs)
    if not np.isfinite(scale).all():
        raise ValueError(f"dequantising by scale {scale[~np.isfinite(scale)][0]:g} (input {names[1]!r}) gives "
                         "infinite or NaN values; a scale must be a finite number")
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


def _per_tensor(g, op: str, names: list[str], triples: tuple[int, ...], output: tuple[int, int]) -> None:
    """ValueError where a scale or zero point that the QOperator's schema (and onnxruntime) takes as one value
    holds several: every one but a weight's (input 3 of QLinearConv, QLinearMatMul and QGemm: per channel)"""
    weight = 3 if op in ("QLinearConv", "QLinearMatMul", "QGemm") else None
    for scale in [k + 1 for k in triples if k != weight] + [output[0]]:
        for p, role in ((scale, "scale"), (scale + 1, "zero point")):
            if p < len(names) and names[p] in g.consts and np.size(g.consts[names[p]]) != 1:
                raise ValueError(f"{op}'s input {p} ({names[p]!r}, a {role}) holds {np.size(g.consts[names[p]])} "
                                 "values; it quantises its input or output per tensor: one value (per channel: a "
                                 "weight's only)")


def _operand_axis(op: str, attrs: dict, k: int) -> int:
    """the axis of the per-channel scales of a QOperator's input ``k`` (0: the activation): a conv's input and
    output channels, a MatMul's rows of a and columns of b (the last two axes, whatever the batch axes before
    them), a Gemm's outputs"""
    if op == "QLinearMatMul":
        return -1 if k else -2
    if not k:
        return 1
    return 0 if op == "QLinearConv" or (op == "QGemm" and attrs.get("transB", 0)) else 1


def _dequantized(g, names: list[str], k: int, axis: int, out: str, name: str) -> str:
    """the float tensor of quantised input ``names[k]`` (scale names[k + 1], zero point names[k + 2]): a folded
    constant, one array per initializer and parameter values (:func:`._onnx_sharing.derived`: a weight read by two
    nodes stays one matrix), or an affine of the activation"""
    triple = names[k:k + 3] + [""] * (3 - len(names[k:k + 3]))
    attrs = {"axis": axis}
    if triple[0] in g.consts:
        operands = _constant_parameters(g, triple)
        how = ("DequantizeLinear", axis, *(None if v is None else (np.asarray(v).dtype.str, np.shape(v),
                                                                   np.asarray(v).tobytes()) for v in operands[1:]))
        g.consts[out] = derived(g, g.consts[triple[0]], how, lambda q: dequantize(q, operands, attrs))
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
    _per_tensor(g, op, names, triples, output)
    operands = [_dequantized(g, names, k, _operand_axis(op, attrs, k), f"{out}#in{k}", name) for k in triples]
    if bias is not None and len(names) > bias and names[bias]:
        scales = [np.ravel(np.asarray(g.consts[names[k + 1]], dtype=np.float64)) for k in triples[:2]]
        # QGemm's C is quantised at scale alpha * sa * sb (onnxruntime's contrib spec): the float Gemm adds it once
        scale = scales[0] * scales[1] * float(attrs.get("alpha", 1.0))
        if np.asarray(g.consts[names[bias]]).dtype != np.int32:  # a float bias had been read as int32 codes
            raise ValueError(f"{op}'s bias {names[bias]!r} is of type {np.asarray(g.consts[names[bias]]).dtype}: it "
                             "takes int32 codes at the inputs' scales")
        g.consts[f"{out}#bias"] = np.asarray(g.consts[names[bias]], dtype=np.float64) * scale
        operands.append(f"{out}#bias")
    float_attrs = {k: v for k, v in attrs.items() if k != "channels_last"}
    if op == "QLinearSoftmax":  # com.microsoft's: axis -1 by default, coerced to 2-d as its own opset says
        if "opset" not in attrs:
            raise ValueError("QLinearSoftmax needs its attribute opset (the Softmax version it follows)")
        float_attrs = {"axis": -1, **float_attrs}
    float_out = out if len(names) <= output[0] or not names[output[0]] else f"{out}#float"
    layer_for(g, float_op, float_attrs, operands, [float_out], name)
    if float_out != out:
        quantized = [float_out, *names[output[0]:output[1] + 1]]
        zero_given = len(quantized) > 2 and bool(quantized[2])
        type_attrs = {} if zero_given else _first_input_type(g, names, triples[0])
        _quantize_activation(g, "QuantizeLinear", {"axis": 1, **type_attrs}, quantized, [out], name)


def _first_input_type(g, names: list[str], k: int) -> dict:
    """``output_dtype`` of a QOperator's output whose optional zero point is left out: its first input's integer type
    (com.microsoft's schemas), not QuantizeLinear's uint8; that input's zero point left out too: {} (uint8)"""
    from onnx import TensorProto

    zero = names[k + 2] if len(names) > k + 2 else ""
    if not zero:
        return {}
    if zero in g.narrow:
        return {"output_dtype": g.narrow[zero]}
    return {"output_dtype": TensorProto.DataType.Value(np.asarray(g.consts[zero]).dtype.name.upper())}


def _dynamic(g, op, attrs, names, outs, name):
    """DynamicQuantizeLinear of an activation: refused by name (of constants it folds, not reaching here), before
    its function body is inlined into nodes whose scale is no constant"""
    raise ValueError("dynamic quantisation (a scale and zero point computed from each input at run time, as "
                     "onnxruntime's quantize_dynamic writes) is not supported; quantise the model with onnxruntime's "
                     "quantize_static (QDQ format) instead")


QUANT_HANDLERS = {"QuantizeLinear": _quantize_activation, "DequantizeLinear": _dequantize_activation,
                  "DynamicQuantizeLinear": _dynamic, **{op: _qlinear for op in QLINEAR}}
"""ONNX operator -> handler, for the quantise / dequantise operators of activations and the QOperators (a dynamic
quantisation of an activation: refused)"""
