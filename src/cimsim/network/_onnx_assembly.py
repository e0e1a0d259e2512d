"""The network an ONNX import has built: the layers the graph output depends on, in order, numbered as values."""

from __future__ import annotations

from ._onnx_sharing import unified
from .model import Network
from .movement import Reshape

__all__ = ["assembled"]


def assembled(g, output: str) -> Network:
    """The network of the layers built in ``g`` (an ``onnx_import._Graph``) that tensor ``output`` depends on (dead
    branches dropped), the folded layers of one matrix unified (:func:`._onnx_sharing.unified`)"""
    if output in g.consts:
        raise ValueError(f"the graph output {output!r} is a constant: it does not depend on the input")
    if output in g.unbuilt:
        raise ValueError(f"{g.unbuilt[output]}; it is the graph output")
    if output in g.sequences:
        raise ValueError(f"the graph output {output!r} is a sequence of tensors (SplitToSequence, SequenceConstruct "
                         "...): a network gives one tensor; end the graph on one (ConcatFromSequence, SequenceAt)")
    if output not in g.value:
        raise ValueError(f"the graph output {output!r} is not computed by any supported node")
    if g.value[output] == 0:  # the output is the input (an Identity, eval-mode dropout): one no-op reshape
        g.append(Reshape(g.shape[output]), [output], f"{output}#identity", "identity")
        output = f"{output}#identity"
    needed, stack = set(), [g.value[output]]
    while stack:  # keep the layers the output depends on, drop dead branches
        v = stack.pop()
        if v and v not in needed:
            needed.add(v)
            stack.extend(g.inputs[v - 1])
    order = sorted(needed)
    input_shape = next(g.shape[n] for n, v in g.value.items() if v == 0)
    layers, names = unified([g.layers[v - 1] for v in order], g.origin), [g.names[v - 1] for v in order]
    first = 0
    if g.batch_as_axis:  # a leading axis of size 1 in, and out where the output has it
        layers.insert(0, Reshape(input_shape))
        names.insert(0, "batch axis in")
        input_shape, first = input_shape[1:], 1
    renumber = {0: first, **{v: k + 1 + first for k, v in enumerate(order)}}
    inputs = [(0,)] * first + [tuple(renumber[r] for r in g.inputs[v - 1]) for v in order]
    output_shape = g.shape[output]
    if g.batch_as_axis and len(output_shape) > 1 and output_shape[0] == 1:
        layers.append(Reshape(output_shape[1:]))
        names.append("batch axis out")
        inputs.append((len(layers) - 1,))
    return Network(tuple(layers), input_shape, tuple(inputs), tuple(names))

