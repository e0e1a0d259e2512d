"""Weight sharing at ONNX import: nodes that read one weight initializer (a module applied at several places, as
ALBERT's repeated blocks, which torch exports as one initializer, or an ``Identity`` of it) get one matrix layer
object, which :class:`~cimsim.network.Network` programs once and reads at each place.

The handlers ask :func:`shared_matrix` for their layer; a bias or batch norm folded into it later makes a new
layer at that place (``_Graph.replace`` records which layer it came from), and :func:`unified` makes the layers
that came from one matrix and still hold equal weights and biases one object again.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .layers import MatrixLayer

__all__ = ["shared_matrix", "unified"]


def shared_matrix(g, weight: str, how: tuple, make):
    """The matrix layer of initializer ``weight`` made as ``how`` says (attributes, input size: hashable); the
    layer made earlier for the same initializer and ``how``, or ``make()``"""
    key = (id(g.consts[weight]), how)
    if key not in g.matrices:
        g.matrices[key] = (g.consts[weight], make())  # the array kept: its id stays unique while the key lives
    return g.matrices[key][1]


def unified(layers: list, origin: dict) -> list:
    """``layers`` with each matrix layer that came from the same one (``origin``: derived layer -> the layer it came
    from) and holds the same weights and bias replaced by the first of them"""
    roots = [origin.get(layer, layer) if isinstance(layer, MatrixLayer) else None for layer in layers]
    counts: dict[int, int] = {}
    for root in roots:
        if root is not None:
            counts[id(root)] = counts.get(id(root), 0) + 1
    first: dict[tuple, MatrixLayer] = {}
    out = []
    for layer, root in zip(layers, roots):
        if root is not None and counts[id(root)] > 1:
            layer = first.setdefault((id(root), _content(layer)), layer)
        out.append(layer)
    return out


def _content(layer: MatrixLayer) -> tuple[str, str]:
    """digests of the layer's weights and bias"""
    return tuple(hashlib.sha256(np.ascontiguousarray(a if a is not None else np.zeros(0))).hexdigest()
                 for a in (layer.weight, layer.bias))
