"""Constant folding of the operators :mod:`._onnx_fold` has no rule for: a layer's operator given constants only (a
LayerNormalization of learned latents or global tokens, a Pad or MaxPool of a position table) evaluated at import
by onnx's reference implementation, alone in a graph of its constant inputs; so are the forms of a foldable
operator that the numpy fold does not follow (:func:`by_reference`)."""

from __future__ import annotations

import numpy as np

from ._onnx_checks import bounded, prod
from ._onnx_fold import FOLDABLE, fold
from ._onnx_sharing import SAME_MATRIX

__all__ = ["by_reference", "reference_fold", "node_fold"]


def node_fold(onnx, g, node, names: list[str], attrs: dict, operands: list) -> list[np.ndarray]:
    """The outputs of ``node`` of the graph ``g`` whose inputs are all constants (``operands``): numpy's fold
    (:func:`._onnx_fold.fold`) or onnx's reference evaluation (:func:`by_reference`). A node of
    :data:`._onnx_sharing.SAME_MATRIX` (a DequantizeLinear, a Cast, a Transpose) of the same attributes and constant
    objects as an earlier one gets the earlier one's arrays: two dequantisations of one weight initializer give one
    weight, one matrix, as one initializer read by two nodes does (they had been two, its cells and parameters
    counted twice: a probe), and the sharing note says so; other operators' folds stay apart (a Mul of one had
    become one matrix, unsaid: a review)"""
    def values() -> list[np.ndarray]:
        return (fold(onnx, node.op_type, attrs, operands, len(node.output))
                if node.op_type in FOLDABLE and not by_reference(node.op_type, attrs, operands)
                else reference_fold(onnx, node, names, attrs, operands, g.opset))

    if node.op_type not in SAME_MATRIX:
        return values()
    key = (node.op_type, tuple((k, _attribute_key(v)) for k, v in sorted(attrs.items())), tuple(map(id, operands)),
           len(node.output))
    if key not in g.folds:  # (the operands kept with the values: their ids stay theirs while the key lives)
        g.folds[key] = operands, values()
    return g.folds[key][1]


def _attribute_key(value) -> object:
    """an attribute's value as a key: an array by its type, shape and bytes (its repr elides long ones)"""
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    return repr(value)


def reference_fold(onnx, node, names: list[str], attrs: dict, operands: list, opset: int) -> list[np.ndarray]:
    """The outputs of ``node`` (operator and outputs; inputs ``names``, attributes ``attrs``) whose inputs are all
    constants (``operands``, None for an input not given), at the graph's ``opset``: onnx.reference's evaluation; a
    ValueError where an output would hold more than MAX_FOLDED_VALUES values (as onnx's shape inference or the
    result says) or the evaluation fails"""
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    kinds = {a.name: a.type for a in node.attribute}
    one = helper.make_node(node.op_type, names, list(node.output), domain=node.domain)
    one.attribute.extend(helper.make_attribute(key, value, attr_type=kinds.get(key)) for key, value in attrs.items())
    given = {n: numpy_helper.from_array(np.asarray(v), n) for n, v in zip(names, operands) if n}
    outputs = [helper.make_empty_tensor_value_info(out) for out in node.output if out]
    graph = helper.make_graph([one], "constant", [], outputs, initializer=list(given.values()))
    domains = {"", node.domain}
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, opset if d in ("", "ai.onnx") else 1)
                                                    for d in sorted(domains)])
    _check_sizes(onnx, model, node.op_type)
    try:
        values = ReferenceEvaluator(model).run(None, {})
    except Exception as exc:  # onnx's reference implementations raise many types on inputs they reject
        raise ValueError(f"{node.op_type} of constants only: folding it at import (onnx's reference evaluation) "
                         f"failed: {type(exc).__name__}: {exc}") from None
    for value in values:
        bounded(np.size(value), node.op_type)
    return [np.asarray(v) for v in values]


def _check_sizes(onnx, model, op: str) -> None:
    """ValueError where onnx's shape inference gives the one node's output more than MAX_FOLDED_VALUES values
    (before the evaluation would hold them); an output it cannot size is checked once computed"""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception:  # an inference failure leaves the size to the check of the result
        return
    for info in inferred.graph.output:
        dims = info.type.tensor_type.shape.dim
        if info.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            bounded(prod([d.dim_value for d in dims]), op)


def by_reference(op: str, attrs: dict, operands: list) -> bool:
    """whether a node of constants that the importer's numpy fold (:func:`._onnx_fold.fold`) would evaluate goes to
    onnx's reference evaluation instead: the forms whose meaning that fold does not follow (a probe found each
    giving other values than onnxruntime, or refused): Shape's start and end, an integer ReduceMean (which
    truncates), Max and Min of other than two inputs, a Pow of an integer base (its type the result's)"""
    ints = [o is not None and np.asarray(o).dtype.kind in "iu" for o in operands]
    return ((op == "Shape" and ("start" in attrs or "end" in attrs)) or (op == "ReduceMean" and ints[:1] == [True])
            or (op in ("Max", "Min") and len(operands) != 2) or (op == "Pow" and ints[:1] == [True]))
