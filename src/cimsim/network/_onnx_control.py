"""ONNX control flow known at import, and sequences of tensors: no layers of their own, only the nodes they stand for.

- If with a constant condition (torch exports rank and shape checks as one): the nodes of the branch it takes.
- Loop with a constant trip count (and a constant condition, or none): the body's nodes once per iteration, each
  iteration's tensors renamed ``name#loop{i}``, the iteration number a constant, the loop-carried values passed
  from one iteration to the next. torch exports a split into sizes computed from a shape so (torchvision's MViT: a
  Slice appended to a sequence per iteration, then SequenceAt). Refused: scan outputs (stacked before the batch
  axis: EmbeddingBag's bags), a body that holds a loop or a branch of its own, a computed condition.
- SequenceEmpty, SequenceConstruct, SequenceInsert (at a constant position, or the end), SequenceAt (a constant
  position), SequenceLength and ConcatFromSequence: a sequence is the list of its tensors' names, held at import.
- SplitToSequence (torch.tensor_split) with constant split sizes (or none: pieces of 1, squeezed where keepdims is
  0): a Split node, its pieces the sequence.
"""

from __future__ import annotations

import numpy as np

from ._onnx_checks import node_label
from ._onnx_fold import tensor_array

__all__ = ["CONTROL_OPS", "control_node"]

_SEQUENCE_OPS = ("SequenceEmpty", "SequenceConstruct", "SequenceInsert", "SequenceAt", "SequenceLength",
                 "ConcatFromSequence", "SplitToSequence")
CONTROL_OPS = frozenset({"If", "Loop", *_SEQUENCE_OPS})
"""operators :func:`control_node` stands for"""


def control_node(g, onnx, node, attrs: dict, where: str) -> None:
    """The nodes an If, a Loop or a sequence operator stands for, added to ``g`` (module doc)."""
    if node.op_type == "If":
        return _inline_if(g, onnx, node, attrs, where)
    if node.op_type == "Loop":
        return _unrolled_loop(g, onnx, node, attrs, where)
    try:
        _sequence(g, onnx, node, attrs, where)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"{where}: malformed sequence node ({type(exc).__name__}: {exc})") from None


def _constant(g, name: str, what: str, where: str):
    if name not in g.consts or np.size(g.consts[name]) != 1:
        raise ValueError(f"{where}: {what} must be known at import (a constant); this one is computed from the "
                         "activations")
    return np.ravel(g.consts[name])[0]


def _alias(g, out: str, name: str, where: str) -> None:
    """tensor (or sequence) ``out`` is ``name``"""
    if name in g.consts:
        g.consts[out] = g.consts[name]
    elif name in g.sequences:
        g.sequences[out] = list(g.sequences[name])
    elif g.is_data(name):
        g.alias(out, name)
    elif name in g.value_tests:
        g.value_tests[out] = g.value_tests[name]
    else:
        raise ValueError(f"{where}: {name!r} is not computed by the nodes before it")


def _inline_if(g, onnx, node, attrs: dict, where: str) -> None:
    branch = attrs["then_branch" if bool(_constant(g, node.input[0], "If's condition", where)) else "else_branch"]
    g.consts.update({t.name: tensor_array(t) for t in branch.initializer})
    for inner in branch.node:
        g.add(onnx, inner, f"{where} / branch node {node_label(inner)} ({inner.op_type})")
    for out, result in zip(node.output, branch.output):
        _alias(g, out, result.name, f"{where}: the branch's output")


def _unrolled_loop(g, onnx, node, attrs: dict, where: str) -> None:
    trips, cond = (node.input[k] if len(node.input) > k else "" for k in (0, 1))
    if not trips:
        raise ValueError(f"{where}: Loop needs a trip count (a loop until a computed condition is not unrolled)")
    count = int(_constant(g, trips, "Loop's trip count", where))
    going = bool(_constant(g, cond, "Loop's condition", where)) if cond else True
    body = attrs["body"]
    if any(b.op_type in ("If", "Loop", "Scan") for b in body.node):
        raise ValueError(f"{where}: a Loop body with a branch or loop of its own is not unrolled")
    carried, inputs, outputs = list(node.input[2:]), [i.name for i in body.input], [o.name for o in body.output]
    if len(outputs) > 1 + len(carried):
        raise ValueError(f"{where}: a Loop's scan outputs (stacked along a first axis, before the batch) are not "
                         "supported (torch exports an nn.EmbeddingBag given offsets, bags of varying size, so: give "
                         "it 2-d ids instead, one bag of one size per row)")
    g.consts.update({t.name: tensor_array(t) for t in body.initializer})
    for i in range(count if going else 0):
        rename = dict(zip(inputs[2:], carried))
        rename[inputs[0]], rename[inputs[1]] = f"{node.output[0]}#iteration{i}", f"{node.output[0]}#go{i}"
        g.consts[rename[inputs[0]]], g.consts[rename[inputs[1]]] = np.array(i, np.int64), np.array(True)
        for b in body.node:
            copy = onnx.NodeProto()
            copy.CopyFrom(b)
            del copy.input[:], copy.output[:]
            copy.input.extend(rename.get(n, n) for n in b.input)
            rename.update({n: f"{n}#loop{i}" for n in b.output if n})
            copy.output.extend(rename.get(n, n) for n in b.output)
            g.add(onnx, copy, f"{where} / iteration {i} node {node_label(b)} ({b.op_type})")
        carried = [rename.get(n, n) for n in outputs[1:]]
        if not bool(_constant(g, rename.get(outputs[0], outputs[0]), "Loop's condition", where)):
            break
    for out, name in zip(node.output, carried):
        _alias(g, out, name, f"{where}: the loop's output")


def _position(g, name: str, size: int, where: str) -> int:
    position = int(_constant(g, name, "a sequence position", where))
    if not -size <= position < size:
        raise ValueError(f"{where}: position {position} is outside a sequence of {size}")
    return position % size


def _sequence(g, onnx, node, attrs: dict, where: str) -> None:
    op, names, out = node.op_type, list(node.input), node.output[0]
    if op == "SequenceEmpty":
        g.sequences[out] = []
    elif op == "SequenceConstruct":
        g.sequences[out] = names
    elif op == "SequenceInsert":
        items = list(g.sequences[names[0]])
        at = _position(g, names[2], len(items) + 1, where) if len(names) > 2 and names[2] else len(items)
        items.insert(at, names[1])
        g.sequences[out] = items
    elif op == "SequenceAt":
        items = g.sequences[names[0]]
        _alias(g, out, items[_position(g, names[1], len(items), where)], where)
    elif op == "SequenceLength":
        g.consts[out] = np.array(len(g.sequences[names[0]]), np.int64)
    elif op == "SplitToSequence":
        _split(g, onnx, names, out, attrs, where)
    else:
        _concat(g, onnx, names[0], out, int(attrs.get("axis", 0)), bool(attrs.get("new_axis", 0)), where)


def _concat(g, onnx, sequence: str, out: str, axis: int, new_axis: bool, where: str) -> None:
    """ConcatFromSequence: the sequence's tensors concatenated along ``axis`` (each given that axis first where
    ``new_axis``), as Unsqueeze and Concat nodes"""
    items = g.sequences[sequence]
    if not items:
        raise ValueError(f"{where}: ConcatFromSequence of an empty sequence")
    if new_axis:
        g.consts[f"{out}#axes"] = np.array([axis], np.int64)
        for k, item in enumerate(items):  # the axes an input from opset 13, an attribute before
            g.add(onnx, onnx.helper.make_node("Unsqueeze", [item, f"{out}#axes"], [f"{out}#{k}"]) if g.opset >= 13
                  else onnx.helper.make_node("Unsqueeze", [item], [f"{out}#{k}"], axes=[axis]), where)
        items = [f"{out}#{k}" for k in range(len(items))]
    g.add(onnx, onnx.helper.make_node("Concat", items, [out], axis=axis), where)


def _split(g, onnx, names: list[str], out: str, attrs: dict, where: str) -> None:
    """SplitToSequence: a Split of input 0 along ``axis`` into its constant sizes (a scalar: pieces of that size,
    the last the remainder; none: pieces of 1, squeezed where ``keepdims`` is 0), the pieces the sequence"""
    x, given = names[0], names[1] if len(names) > 1 and names[1] else None
    if given is not None and given not in g.consts:
        raise ValueError(f"{where}: SplitToSequence needs constant split sizes; these are computed from the "
                         "activations (export with sizes fixed at export time)")
    full = np.shape(g.consts[x]) if x in g.consts else g.full_shape(x)
    axis = g.onnx_axis(int(attrs.get("axis", 0)), x)
    length, split = full[axis], np.ravel(g.consts[given]).astype(np.int64) if given is not None else None
    if split is not None and np.ndim(g.consts[given]) == 0:
        step = int(split[0])
        split = [step] * (length // step) + [length % step] * (length % step > 0) if step > 0 else [step]
    sizes = [1] * length if split is None else [int(v) for v in split]
    if not sizes or min(sizes) < 0 or sum(sizes) != length:  # (an empty piece: torch.chunk's, as onnxruntime takes)
        raise ValueError(f"{where}: SplitToSequence sizes {sizes} do not split axis {axis} of length {length} "
                         "(sizes of 0 or more summing to it)")
    pieces = [f"{out}#piece{k}" for k in range(len(sizes))]
    g.consts[f"{out}#sizes"] = np.array(sizes, np.int64)
    g.add(onnx, onnx.helper.make_node("Split", [x, f"{out}#sizes"], pieces, axis=axis) if g.opset >= 13
          else onnx.helper.make_node("Split", [x], pieces, axis=axis, split=sizes), where)
    if split is None and not attrs.get("keepdims", 1):
        g.consts[f"{out}#axes"] = np.array([axis], np.int64)
        for k, piece in enumerate(list(pieces)):
            pieces[k] = f"{piece}#squeezed"
            g.add(onnx, onnx.helper.make_node("Squeeze", [piece, f"{out}#axes"], [pieces[k]]) if g.opset >= 13
                  else onnx.helper.make_node("Squeeze", [piece], [pieces[k]], axes=[axis]), where)
    g.sequences[out] = pieces
