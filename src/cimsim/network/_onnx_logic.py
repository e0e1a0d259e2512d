"""ONNX comparisons and logic on activations (the handler signature of :mod:`._onnx_ops`): a truth value is an
activation holding 0.0 or 1.0, so Cast to float is the same value, and a Where whose condition is an activation
picks per value. Intermediate tensors are named ``out#part``.

- Greater(a, b) = step(a - b), with step(x) = 1 where x > 0, else 0 (a ``step`` unary, one compare per value);
  Less(a, b) = step(b - a); GreaterOrEqual(a, b) = 1 - step(b - a); LessOrEqual(a, b) = 1 - step(a - b);
  Equal(a, b) = 1 - step(|a - b|). Either operand may be a constant.
- Not(c) = 1 - c; And(c, d) = c d; Or(c, d) = max(c, d); Xor(c, d) = |c - d| (two activations); against
  a constant truth value k, each is affine in c: c k, c + k - c k, c + k - 2 c k.
- Where(c, a, b) for an activation c: a Select layer, where(c != 0, a, b) per value, exact whatever a and b hold
  (an arithmetic select, b + c (a - b), turns an infinite value it does not choose into NaN); with a constant of
  -inf only as b (a mask, as ``masked_fill(mask, -inf)`` writes), a + log(c) (log 1 = 0, log 0 = -inf), as a,
  b + log(1 - c).
- IsNaN and IsInf of an activation x (with IsInf's signs): Where(T(x), 0, x), as torch exports a boolean-masked
  attention (a fully masked row's softmax is 0 / 0), is x with the values found set to 0 (a ``nan_to_zero``,
  ``inf_to_zero``, ... unary, no layer for the test); any other reader (a Where with another value, as torch's
  ``nan_to_num`` writes, Cast, Not, Or) gets the test as a 0 / 1 activation (an ``isnan``, ``isinf``, ... unary).
- OneHot of activation indices at a constant depth, Hardmax (the one-hot of the first largest value): Equal with
  the positions along the new (or the same) axis, widened to them.
- TopK at a constant k: a TopK layer of its values (a sort's), and one of its indices where they are read (a
  mixture of experts' router: the experts' numbers, as floats).
- Cast of an activation (values are held as float64 whatever the type): to float16 or bfloat16, the values rounded
  to that type (a ``float16`` or ``bfloat16`` unary: to nearest, ties to even, as torch and onnxruntime; float8 and
  float4 refused); to an integer type from a floating one (or one the graph's type inference does not know),
  int_trunc(x) (trunc(x) + 0), toward zero as ONNX and torch's ``.long()`` cast (+0 for x in (-1, 0]: an integer
  has no -0); to bool from any other type, step(|x|) (x != 0); otherwise the same values (to float32 or float64:
  float32 and float64 activations are not told apart; from integers to integers: values outside the narrower type's
  range are not wrapped).
"""

from __future__ import annotations

import warnings

import numpy as np

from ._onnx_checks import NON_NUMERIC, array_kind, type_kind
from ._onnx_movement import MOVEMENT_HANDLERS, widened
from .ops import FLOAT_FORMATS, Affine, ArgMax, Elementwise, Unary
from .selection import Select, TopK

__all__ = ["LOGIC_HANDLERS", "data_where", "value_where", "materialized"]

_COMPARISONS = {"Greater": (False, False, False), "Less": (True, False, False), "GreaterOrEqual": (True, True, False),
                "LessOrEqual": (False, True, False), "Equal": (False, True, True)}
"""op -> (swap the operands, take 1 - the result, take |difference|): the table of the module docstring"""


def _difference(g, a: str, b: str, out: str, name: str) -> str:
    """tensor a - b where a, b or both are activations; returns its name"""
    if g.is_data(a) and g.is_data(b):
        g.append(Elementwise("sub"), [a, b], out, name)
    elif g.is_data(a):
        a = widened(g, a, g.consts[b], out, name)  # where the constant widens it (values against a grid)
        g.append(Affine(shift=-g.sample_constant(g.consts[b], a)), [a], out, name)
    else:
        b = widened(g, b, g.consts[a], out, name)
        g.append(Affine(scale=-1.0, shift=g.sample_constant(g.consts[a], b)), [b], out, name)
    return out


def _one_minus(g, x: str, out: str, name: str) -> None:
    g.append(Affine(scale=-1.0, shift=1.0), [x], out, name)


def _compare(g, op, attrs, names, outs, name):
    swap, complement, absolute = _COMPARISONS[op]
    a, b = names[:2]
    out = outs[0]
    d = _difference(g, *((b, a) if swap else (a, b)), f"{out}#difference", name)
    if absolute:
        g.append(Unary("abs"), [d], f"{out}#distance", name)
        d = f"{out}#distance"
    g.append(Unary("step"), [d], f"{out}#step" if complement else out, name)
    if complement:
        _one_minus(g, f"{out}#step", out, name)


_WITH_CONSTANT = {"And": lambda k: (k, None), "Or": lambda k: (1.0 - k, k), "Xor": lambda k: (1.0 - 2.0 * k, k)}
"""op -> (scale, shift) of its truth value c against a constant truth value k: c k, c + k - c k, c + k - 2 c k"""


def _logic(g, op, attrs, names, outs, name):
    out = outs[0]
    if op == "Not":
        return _one_minus(g, names[0], out, name)
    c, d = names[:2]
    if g.is_data(c) and g.is_data(d):
        if op != "Xor":
            return g.append(Elementwise("mul" if op == "And" else "max"), [c, d], out, name)
        g.append(Elementwise("sub"), [c, d], f"{out}#difference", name)
        return g.append(Unary("abs"), [f"{out}#difference"], out, name)
    if not g.is_data(c):
        c, d = d, c
    c = widened(g, c, g.consts[d], out, name)
    scale, shift = _WITH_CONSTANT[op]((g.sample_constant(g.consts[d], c) != 0).astype(np.float64))
    g.append(Affine(scale=scale, shift=shift), [c], out, name)


_INF_TESTS = {(1, 1): "isinf", (1, 0): "isposinf", (0, 1): "isneginf"}
"""IsInf's (detect_positive, detect_negative) -> the test (:data:`.ops.VALUE_TESTS`)"""


def _value_test(g, op, attrs, names, outs, name):
    """IsNaN or IsInf of an activation: recorded in ``g.value_tests`` for the node that reads it"""
    test = "isnan"
    if op == "IsInf":
        signs = (int(attrs.get("detect_positive", 1)), int(attrs.get("detect_negative", 1)))
        if signs not in _INF_TESTS:
            raise ValueError("IsInf detecting neither sign is always false; not supported")
        test = _INF_TESTS[signs]
    g.value_tests[outs[0]] = (names[0], test)


def materialized(g, tensor: str, name: str) -> str:
    """``tensor``; where it is a recorded test (``g.value_tests``) not yet computed, its 0 / 1 layer appended"""
    if tensor in g.value_tests and not g.is_data(tensor):
        x, test = g.value_tests[tensor]
        g.append(Unary(test), [x], tensor, name)
    return tensor


def value_where(g, cond: str, a: str, b: str, out: str, name: str) -> None:
    """Where(cond, a, b) on a recorded test ``cond`` = T(x): Where(T(x), 0, x) as x with the values found set to 0
    (one unary); any other as a :class:`.selection.Select` of the test's 0 / 1 values"""
    x, test = g.value_tests[cond]
    if b == x and a in g.consts and np.size(g.consts[a]) == 1 and not np.any(g.consts[a]):
        return g.append(Unary(f"{test[2:]}_to_zero"), [x], out, name)
    _select(g, materialized(g, cond, name), a, b, out, name)


def _all_minus_inf(g, operand: str) -> bool:
    return operand in g.consts and bool(np.all(np.asarray(g.consts[operand], dtype=np.float64) == -np.inf))


def data_where(g, cond: str, a: str, b: str, out: str, name: str) -> None:
    """Where(cond, a, b) for an activation ``cond`` of 0 / 1 values: a :class:`.selection.Select` (exact whatever a
    and b hold); with a constant of -inf only as b (a mask: masked_fill(..., -inf)), a + log(cond) (log 1 = 0,
    log 0 = -inf), and as a, b + log(1 - cond)"""
    masked_a, masked_b = _all_minus_inf(g, a), _all_minus_inf(g, b)
    if masked_a != masked_b:
        kept, selects = (a, cond) if masked_b else (b, f"{out}#not")
        if selects != cond:
            _one_minus(g, cond, selects, name)
        g.append(Unary("log"), [selects], f"{out}#mask", name)
        if g.is_data(kept):
            g.append(Elementwise("add"), [kept, f"{out}#mask"], out, name)
        else:
            g.append(Affine(shift=g.sample_constant(g.consts[kept], cond)), [f"{out}#mask"], out, name)
        return
    _select(g, cond, a, b, out, name)


def _select(g, cond: str, a: str, b: str, out: str, name: str) -> None:
    """a :class:`.selection.Select` of a and b (activations, or constants broadcast against the largest activation)"""
    data = max((n for n in (cond, a, b) if g.is_data(n)), key=g.full_ndim)
    constant = {n: g.sample_constant(g.consts[n], data) for n in (a, b) if not g.is_data(n)}
    g.append(Select(a=constant.get(a), b=constant.get(b)), [cond] + [n for n in (a, b) if g.is_data(n)], out, name)


def _cast(g, op, attrs, names, outs, name):
    """Cast of an activation, and CastLike (to the type of its second input; of a constant: folded) (module
    docstring)"""
    import onnx  # present: this is an ONNX import

    x, out = names[0], outs[0]
    if op == "Cast" and attrs["to"] in NON_NUMERIC:
        raise ValueError(f"Cast to {NON_NUMERIC[attrs['to']]} is not supported: cimsim computes with real numbers")
    if op == "Cast":
        target = type_kind(onnx, attrs["to"])
    elif names[1] in g.consts:
        target = array_kind(g.consts[names[1]])
    else:
        target = g.types.get(names[1], "float")
    if x in g.consts:
        g.consts[out] = np.asarray(g.consts[x]).astype({"bool": bool, "int": np.int64, "float": np.float64}[target])
        return
    like = g.consts.get(names[1]) if op == "CastLike" else None
    source, narrow = g.types.get(x, "float"), _narrow_float(onnx, op, attrs, like)
    if narrow:
        g.append(Unary(narrow), [x], out, name)
    elif target == "int" and source == "float":  # trunc(-0.3) is -0, an integer 0
        g.append(Unary("int_trunc"), [x], out, name)
    elif target == "bool" and source != "bool":
        g.append(Unary("abs"), [x], f"{out}#magnitude", name)
        g.append(Unary("step"), [f"{out}#magnitude"], out, name)
    else:
        if source != "float" and target == "float" and g.value.get(x) == 0:  # the model's input (g.value's first
            # name; 0 is its value, an alias's too): its samples go in as given
            warnings.warn(f"the model's input {next(iter(g.value))!r} is typed {source} and cast to float: cimsim "
                          f"feeds it the samples as they are, where a runtime takes "
                          f"{'0 or 1' if source == 'bool' else 'integers'} alone; give them as the model takes them "
                          "(raw integer values, not scaled ones)", UserWarning, stacklevel=2)
        g.alias(out, x)


def _narrow_float(onnx, op: str, attrs: dict, like) -> str | None:
    """the :data:`.ops.FLOAT_FORMATS` type a Cast (or a CastLike of a float16 constant ``like``) rounds to, else
    None (to a wider float, an integer or bool); a ValueError for the float8 and float4 types, whose rounding and
    saturation are not modelled"""
    if op == "CastLike":
        return "float16" if like is not None and np.asarray(like).dtype == np.float16 else None
    to = onnx.TensorProto.DataType.Name(attrs["to"]).lower()
    if to.startswith(("float8", "float4")):
        raise ValueError(f"Cast of an activation to {to} is not supported (its rounding and saturation are not "
                         "modelled); casts to float16 and bfloat16 are")
    return to if to in FLOAT_FORMATS else None


def _top_k(g, op, attrs, names, outs, name):
    """TopK of an activation at a constant k (input 1; an attribute before opset 10): its values (a sort's too), and
    its indices where they are read"""
    k = int(attrs["k"]) if "k" in attrs else int(np.ravel(g.operand(names, 1, "TopK's k"))[0])
    axis, largest = g.sample_axis(attrs.get("axis", -1), names[0]), bool(attrs.get("largest", 1))
    g.append(TopK(k, axis, largest), names[:1], outs[0], name)
    if len(outs) > 1 and outs[1] and g.consumers.get(outs[1], 0):
        g.append(TopK(k, axis, largest, indices=True), names[:1], outs[1], name)


def _hot(g, column: str, depth: int, axis: int, values: tuple[float, float], out: str, name: str) -> None:
    """off + (on - off) [column == k or column == k - depth] at position k of an axis ``axis`` of ``depth``
    positions: ``column`` (size 1 there) is widened against the constant positions (both, as ONNX's OneHot counts
    a negative index from the end; an index outside [-depth, depth - 1] stays off everywhere)"""
    shape = [1] * g.full_ndim(column)
    shape[axis] = depth
    positions = np.arange(depth, dtype=np.float64).reshape(shape)
    for part, at in (("hit", positions), ("hit_from_end", positions - depth)):
        g.consts[f"{out}#{part}_positions"] = at
        _compare(g, "Equal", {}, [column, f"{out}#{part}_positions"], [f"{out}#{part}"], name)
    g.append(Elementwise("add"), [f"{out}#hit", f"{out}#hit_from_end"], f"{out}#hot", name)
    off, on = values
    g.append(Affine(scale=on - off, shift=off), [f"{out}#hot"], out, name)


def _one_hot(g, op, attrs, names, outs, name):
    """OneHot(indices, depth, values) of activation indices (an argmax, a code's number) at a constant depth: a new
    axis ``axis`` of depth positions (:func:`_hot`)"""
    indices, depth, values = names
    if depth not in g.consts or values not in g.consts:
        raise ValueError("OneHot needs a constant depth and constant values")
    ndim = g.full_ndim(indices) + 1
    axis = int(attrs.get("axis", -1)) % ndim
    g.consts[f"{outs[0]}#axes"] = np.array([axis], dtype=np.int64)
    MOVEMENT_HANDLERS["Unsqueeze"](g, "Unsqueeze", {}, [indices, f"{outs[0]}#axes"], [f"{outs[0]}#column"], name)
    on_off = np.ravel(g.consts[values]).astype(np.float64)
    _hot(g, f"{outs[0]}#column", int(np.ravel(g.consts[depth])[0]), axis, (on_off[0], on_off[1]), outs[0], name)


def _hardmax(g, op, attrs, names, outs, name):
    """Hardmax: 1 at the first largest value along ``axis`` (default -1), 0 elsewhere: the one-hot of the kept
    ArgMax. Before opset 13 (default axis 1) the axes from ``axis`` on are flattened into one; that is the same only
    where ``axis`` is the last, and refused elsewhere."""
    x, out, ndim = names[0], outs[0], g.full_ndim(names[0])
    axis = int(attrs.get("axis", -1 if g.opset >= 13 else 1)) % ndim
    if g.opset < 13 and axis != ndim - 1:
        raise ValueError(f"Hardmax before opset 13 takes the axes from {axis} on as one (flattened); only the last "
                         f"axis ({ndim - 1}) is supported")
    g.append(ArgMax(g.sample_axis(axis, x), True), [x], f"{out}#argmax", name)
    _hot(g, f"{out}#argmax", g.full_shape(x)[axis], axis, (0.0, 1.0), out, name)


LOGIC_HANDLERS = {**{op: _compare for op in _COMPARISONS}, **{op: _logic for op in ("Not", "And", "Or", "Xor")},
                  "TopK": _top_k, "Cast": _cast, "CastLike": _cast, "OneHot": _one_hot, "Hardmax": _hardmax,
                  "IsNaN": _value_test, "IsInf": _value_test}
"""ONNX operator -> handler, for the comparisons and logic of activations"""
