"""The batch size read as a value. The importer computes one sample at a time: a graph of symbolic batch size that
reads it through ``Shape`` is folded with a batch of 1. That is right where the batch size only shapes a tensor (the
target of a Reshape or an Expand, the bounds of a Slice: ``x.view(x.size(0), -1)``), wrong where it reaches the
values (``x / x.size(0)``, a Range over the batch): such a graph is refused, naming the Shape node.

Each constant computed from a Shape's batch entry has a mask of its entries that are (:class:`BatchSize`), carried
entry by entry through the shape arithmetic (Gather, Slice, Concat, reshapes, element-wise operators) and to every
entry of other operators' results."""

from __future__ import annotations

import numpy as np

from ._onnx_fold import fold

__all__ = ["BatchSize"]

SHAPE_INPUTS = {"Reshape": (1,), "Expand": (1,), "Slice": (1, 2, 3, 4), "Resize": (3,)}
"""inputs of data operators that take a shape or bounds, where the batch size may be read (per sample, 1)"""
_MOVEMENT = frozenset({"Reshape", "Expand", "Squeeze", "Unsqueeze", "Transpose", "Flatten", "Slice", "Gather",
                       "Tile", "Identity", "Concat"})
"""operators whose results take their values from their first input (Concat: from every input), placed as their
other inputs say"""
_ELEMENTWISE = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Floor", "Ceil", "Equal", "Where", "Mod",
                          "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Abs", "Min", "Max",
                          "Cast", "Reciprocal", "Sign", "Round", "Xor", "Relu", "Clip"})
"""operators whose result's entries each take the same entry of their (broadcast) inputs"""


class BatchSize:
    """The constants of a graph computed from its symbolic batch size (none where the batch size is a number)."""

    def __init__(self, symbolic: bool):
        self.symbolic = symbolic
        self.masks: dict[str, tuple[np.ndarray, str]] = {}
        """constant name -> (which of its entries are computed from the batch size, the Shape node that read it)"""

    def shape_read(self, out: str, size: int, start: int, node: str) -> None:
        """Shape node ``node`` gave ``out``, ``size`` entries of a shape from axis ``start`` (the batch axis: 0)."""
        if self.symbolic and start == 0 and size:
            mask = np.zeros(size, dtype=bool)
            mask[0] = True
            self.masks[out] = (mask, node)

    def folded(self, onnx, op: str, attrs: dict, names: list[str], consts: dict, outs: list[str]) -> None:
        """The masks of the results ``outs`` of an operator ``op`` folded at import."""
        read = [self.masks.get(n) for n in names]
        origin = next((m[1] for m in read if m is not None), None)
        if origin is None:
            return
        results = [consts[o] for o in outs]
        if op == "ConstantOfShape":  # the batch size shapes it only
            return
        if op in _MOVEMENT and not (op == "Gather" and read[1:2] != [None]):
            values = range(len(names)) if op == "Concat" else (0,)
            operands = [self._mask(n, consts) if k in values else consts.get(n) for k, n in enumerate(names)]
            masks = [np.asarray(m, dtype=bool) for m in fold(onnx, op, attrs, operands, len(outs))]
        elif op in _ELEMENTWISE:
            mask = np.zeros(np.shape(results[0]), dtype=bool)
            for n in names:
                if n in self.masks:
                    mask = mask | self.masks[n][0]
            masks = [np.broadcast_to(mask, np.shape(results[0]))]
        else:
            masks = [np.ones(np.shape(r), dtype=bool) for r in results]
        for out, mask in zip(outs, masks):
            if mask.any():
                self.masks[out] = (mask, origin)

    def _mask(self, name: str, consts: dict) -> np.ndarray:
        return self.masks[name][0] if name in self.masks else np.zeros(np.shape(consts[name]), dtype=bool)

    def check(self, op: str, names: list[str]) -> None:
        """ValueError where a node of the activations reads the batch size as a value (module doc)."""
        for k, name in enumerate(names):
            if name in self.masks and k not in SHAPE_INPUTS.get(op, ()):
                raise ValueError(f"{op} reads {name!r} (input {k}), computed from the batch size (axis 0 read by "
                                 f"node {self.masks[name][1]}), as a value: the network computes "
                                 "one sample at a time, where the batch size is 1 whatever the batch; not supported "
                                 "(the batch size may only shape a tensor: a Reshape's or Expand's target, a Slice's "
                                 "bounds). Export the graph with a fixed batch size, or without the batch size in "
                                 "its values")
