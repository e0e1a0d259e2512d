"""The share of an item's vectors each layer of an imported mixture of experts works on.

An import computes every expert densely (:mod:`cimsim.network._torch_experts`) and marks each expert's matrices
with the share k / E of the tokens a routed chip sends them (``Dense.routed_fraction``). The element-wise steps
between and after those matrices (the gated activation, the product by the token's routing weight, the sum over
experts) run on the same tokens only, as the shapes route prices them (:mod:`cimsim.models.transformer`:
``expert{j}.silu``, ``expert_weights``, ``expert_sum``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..network import Network
from ..network.layers import MatrixLayer
from .ops import VectorOp

__all__ = ["work_shares", "scaled"]

_SUMS = {"add", "sub"}


def work_shares(network: Network) -> list[float]:
    """Per layer, the share of its element operations a routed chip does: a matrix layer's ``routed_fraction``; a
    layer of one input, its input's share; an element-wise operation of several, the smallest of its inputs'
    shares (a sum's too: where one input holds no routed value the other passes through); any other layer 1.
    The share of a layer's output is its work's, but a sum's is the total of its inputs' shares, at most 1 (the
    experts' outputs summed cover every token)."""
    values, work = [1.0], []  # value 0: the network input
    for layer, reads in zip(network.layers, network.inputs):
        shares = [values[v] for v in reads]
        if isinstance(layer, MatrixLayer):
            done = out = layer.routed_fraction
        elif layer.kind == "elementwise" and shares:
            done = min(shares)
            out = min(1.0, sum(shares)) if layer.op in _SUMS else done
        else:
            done = out = shares[0] if len(shares) == 1 else 1.0
        work.append(done)
        values.append(out)
    return work


def scaled(ops: list[VectorOp], share: float) -> list[VectorOp]:
    """``ops`` at ``share`` of their element operations (rounded up; parameters as held)"""
    return ops if share == 1 else [replace(op, elements_per_item=math.ceil(op.elements_per_item * share))
                                   for op in ops]
