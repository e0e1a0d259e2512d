"""Matrices of an imported network priced as fewer, as the shapes route builds them (:mod:`cimsim.models.transformer`).

- Siblings: a transformer's Q, K and V projections (a gated MLP's gate and up) each read the same normalised vector;
  a chip holds them as one wider matrix whose arrays read it at once, not as stages one after another.
- Repeats: grouped-query attention repeats each key / value head for the query heads that read it (torch's expand
  before the product); the product reads one matrix per key / value head with the vectors of all its query heads.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

import numpy as np

from ..network import Conv2d, Conv3d, Dense
from .ops import MatrixOp

__all__ = ["sibling_key", "fused", "operand_repeats"]


def sibling_key(layer, value: int, places: int, op: MatrixOp) -> tuple | None:
    """what static matrices reading the same input vectors share (None: a matrix fused with none): an unshared
    (``places`` 1), unrouted, ungrouped dense layer or convolution of one geometry reading value ``value``"""
    if places > 1 or op.groups > 1 or op.routed_fraction < 1:
        return None
    geometry = (layer.weight.shape[1:], layer.stride, layer.padding, layer.dilation) if op.tap_fraction == 1 and \
        isinstance(layer, (Conv2d, Conv3d)) else () if isinstance(layer, Dense) else None
    return None if geometry is None else (type(layer).__name__, value, geometry, op.in_features, op.vectors_per_item)


def fused(ops: list, siblings: dict[int, tuple | None]) -> tuple:
    """``ops`` with the static matrices that read the same input vectors (equal :func:`sibling_key`, ``siblings``:
    by position in ops) as one matrix of their outputs side by side, at the first's place: a transformer's Q, K and V
    projections (a gated MLP's gate and up) as the shapes route and a chip build them, arrays read at once rather
    than stages one after another. The zero shares of their weights are weighted by outputs, their weight samples
    joined."""
    first: dict[tuple, int] = {}
    for k, key in siblings.items():
        if key is not None and first.setdefault(key, k) != k:
            a, b = ops[first[key]], ops[k]
            out = a.out_features + b.out_features
            zeros = None if a.weight_zero_fraction is None else (
                a.weight_zero_fraction * a.out_features + b.weight_zero_fraction * b.out_features) / out
            joined = None if a.weight_sample is None else np.concatenate([a.weight_sample, b.weight_sample])
            ops[first[key]] = replace(a, name=_joined_name(a.name, b.name), out_features=out,
                                      weight_zero_fraction=zeros, weight_sample=joined)
            ops[k] = None
    return tuple(op for op in ops if op is not None)


def _joined_name(a: str, b: str) -> str:
    """``a`` and ``b`` after the part of ``b``'s dotted path they share: model.l0.q_proj+k_proj"""
    head = os.path.commonprefix([a, b])
    head = head[:max(head.rfind("."), head.rfind("/")) + 1]
    return f"{a}+{b[len(head):]}"


def operand_repeats(network, value: int, shapes: list) -> int:
    """How many copies of each distinct matrix the stored operand ``value`` of an activation product holds (its
    matrices: the last two axes): the factor of a nearest upsampling (an ONNX Expand) of axes before the last two,
    reached through reshapes, transposes and scalar scales that keep the matrix axes' size (grouped-query attention's
    repeated key / value heads); 1 for any other operand. ``shapes``: ``Network.shapes()``."""
    matrix = math.prod(shapes[value][-2:])
    while value > 0:
        layer = network.layers[value - 1]
        if layer.kind == "upsample":
            leading = layer.factors[:-2]
            return math.prod(leading) if layer.factors[-2:] == (1, 1) else 1
        scalar = layer.kind == "affine" and all(np.size(getattr(layer, part)) <= 1 for part in ("scale", "shift"))
        if layer.kind not in ("reshape", "transpose") and not scalar:
            return 1
        value = network.inputs[value - 1][0]
        if math.prod(shapes[value][-2:]) != matrix:
            return 1
    return 1
