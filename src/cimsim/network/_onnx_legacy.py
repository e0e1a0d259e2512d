"""Operators' older forms, as the graph's opset gives them, brought to the forms the handlers and the constant folding
take (or built here, or refused saying what to do):

- Add, Sub, Mul, Div, Pow and the comparisons before opset 7: with ``broadcast`` = 1 the second operand lines up
  with the first at ``axis`` (its axes at axis .. axis + rank - 1, size 1 elsewhere; without ``axis``, at the last
  axes), as a reshape of it (a constant's, folded; an activation's, a ``Reshape`` layer) for numpy's broadcasting;
  without it ONNX required equal shapes, and another shape is refused.
- Concat before opset 4 without ``axis``: axis 1. Pad at opset 1: its ``paddings`` are opset 2's ``pads``.
- PRelu before opset 7: a slope of one value per channel along axis 1 (unidirectional broadcasting since).
- ImageScaler (opsets before 10): scale x + bias per channel, an ``Affine``.
- Softmax, LogSoftmax and Hardmax before opset 13 run over every axis from ``axis`` (default 1) as one: marked
  ``__coerced`` for the constant folding (a layer reads the opset itself).
- BatchNormalization before opset 14 with its statistics' outputs (before opset 7: with ``is_test`` 0, the
  default) runs in training mode: ``training_mode`` = 1, as opset 14 says it (it had been imported with the running
  statistics, the batch's ignored: 0.77 of the largest output off at opset 9).
- MeanVarianceNormalization before opset 9 (an experimental form): refused, naming the opset it needs.
"""

from __future__ import annotations

import numpy as np

from .movement import Reshape
from .ops import Affine

__all__ = ["older_form"]

_BROADCAST_OPS = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less"})
"""operators that took ``broadcast`` and ``axis`` before opset 7 (numpy's broadcasting since)"""


def older_form(g, op: str, attrs: dict, names: list[str], outs: list[str], name: str) -> list[str] | None:
    """The input names of node ``op`` in its current form (``attrs`` updated in place; a reshaped operand under a new
    name); None where the node is built here (ImageScaler). ``name``: the layers' name."""
    if op in _BROADCAST_OPS and g.opset < 7 and len(names) == 2:
        return _broadcast(g, op, attrs, names, name)
    if op == "Concat" and g.opset < 4:
        attrs.setdefault("axis", 1)
    elif op == "Pad" and g.opset < 2 and "paddings" in attrs:
        attrs["pads"] = attrs.pop("paddings")
    elif op == "PRelu" and g.opset < 7 and len(names) == 2 and not g.is_data(names[1]):
        return _channel_slopes(g, names)
    elif op == "BatchNormalization" and g.opset < 14 and (any(outs[1:]) or g.opset < 7 and not attrs.get("is_test")):
        attrs["training_mode"] = 1  # the batch's statistics, as training_mode = 1 says it since opset 14
        attrs["training_by"] = ("before opset 14 a node with its statistics' outputs is in training mode"
                                if any(outs[1:]) else "before opset 7 is_test = 0, the default, is training mode")
        attrs["training_by"] += f"; the graph's opset: {g.opset}"
    elif op in ("Softmax", "LogSoftmax", "Hardmax") and g.opset < 13:
        attrs["__coerced"] = True  # over the axes from axis (default 1) on: the fold's rule (a layer reads the opset)
    elif op == "Split" and g.opset < 18:
        attrs["__even"] = True  # equal parts only where they divide the axis (the last smaller from opset 18)
    elif op == "ImageScaler":
        return _image_scaler(g, attrs, names[0], outs[0], name)
    elif op == "MeanVarianceNormalization" and g.opset < 9:
        raise ValueError(f"MeanVarianceNormalization is supported from opset 9 (where ONNX defines it); this graph's "
                         f"opset {g.opset} has its experimental form: export the model at opset 9 or later")
    return names


def _shape(g, tensor: str) -> tuple[int, ...]:
    return tuple(g.full_shape(tensor)) if g.is_data(tensor) else np.shape(g.consts[tensor])


def _broadcast(g, op: str, attrs: dict, names: list[str], name: str) -> list[str]:
    """``names`` with the second operand reshaped to line up with the first (module doc)"""
    (a, b), broadcast = names, int(attrs.pop("broadcast", 0))
    shape_a, shape_b, axis = _shape(g, a), _shape(g, b), attrs.pop("axis", None)
    if not broadcast:
        if shape_a != shape_b:
            raise ValueError(f"{op} at opset {g.opset} without broadcast=1 needs operands of one shape (before opset "
                             f"7 ONNX broadcasts only with broadcast=1 and axis); got {list(shape_a)} and "
                             f"{list(shape_b)}")
        return names
    axis = len(shape_a) - len(shape_b) if axis is None else int(axis) + (len(shape_a) if int(axis) < 0 else 0)
    if not 0 <= axis <= len(shape_a) - len(shape_b) or any(
            m not in (1, n) for m, n in zip(shape_b, shape_a[axis:])):
        raise ValueError(f"{op} with broadcast=1: the second operand's shape {list(shape_b)} does not fit the first's "
                         f"{list(shape_a)} at axis {axis}")
    lined = (1,) * axis + tuple(shape_b) + (1,) * (len(shape_a) - axis - len(shape_b))
    if lined == (1,) * (len(lined) - len(shape_b)) + tuple(shape_b):  # at the last axes: numpy's broadcasting
        return names
    out = f"{b}#axis{axis}of{len(lined)}"
    if g.is_data(b):
        g.append(Reshape(g.sample_shape(lined)), [b], out, name)
    else:
        g.consts[out] = np.reshape(g.consts[b], lined)
        g.made_up.update({out} if b in g.made_up else ())
    return [a, out]


def _channel_slopes(g, names: list[str]) -> list[str]:
    """PRelu before opset 7: a slope of one value per channel applies along axis 1 (reshaped to (C, 1, ...) for
    numpy's broadcasting), not along the last axis"""
    (x, slope), shape = names, _shape(g, names[0])
    values = np.asarray(g.consts[slope])
    if values.ndim != 1 or len(shape) < 3 or values.size != shape[1] or values.size == 1:
        return names
    g.consts[f"{slope}#channels"] = values.reshape((-1,) + (1,) * (len(shape) - 2))
    return [x, f"{slope}#channels"]


def _image_scaler(g, attrs: dict, x: str, out: str, name: str) -> None:
    """y = scale x + bias[c], the channels on axis 1"""
    scale, bias = float(attrs.get("scale", 1.0)), np.asarray(attrs.get("bias", [0.0]), dtype=np.float64)
    per_channel = bias.reshape((-1,) + (1,) * (len(_shape(g, x)) - 2))
    if not g.is_data(x):
        g.consts[out] = scale * np.asarray(g.consts[x], dtype=np.float64) + per_channel
        return None
    g.append(Affine(scale=scale, shift=g.sample_constant(per_channel[None], x)), [x], out, name)
    return None
