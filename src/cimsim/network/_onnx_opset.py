"""The ONNX opset a model is read at: the one it imports for the default domain, its operators as cimsim's handlers
follow them (opset 23 and earlier)."""

from __future__ import annotations

__all__ = ["LATEST_OPSET", "default_opset", "check_as_latest", "check_split_forms"]

LATEST_OPSET = 23
"""the newest ONNX opset whose operators cimsim's handlers follow: a node of a later version is read as at it where
it uses nothing newer, else refused (:func:`check_as_latest`)"""


def default_opset(onnx, model, source: str) -> int:
    """The opset ``model`` imports for the default ONNX domain, its Splits' forms checked at it
    (:func:`check_split_forms`), or a ValueError naming ``source`` where it names none (onnx's checker and onnxruntime
    refuse such a model: cimsim had read it as the newest, and a graph written for opset 11 computed other numbers,
    Softmax over its last axis), several, one below 1 or one past the newest the installed onnx knows"""
    opsets = sorted({o.version for o in model.opset_import if o.domain in ("", "ai.onnx")})
    newest = onnx.defs.onnx_opset_version()
    if len(opsets) > 1:  # onnxruntime takes the last import, other readers the first: which the graph means is open
        raise ValueError(f"{source}: its opset_import names the default ONNX domain at opsets {opsets}, whose "
                         "operators differ (Softmax's axis, Squeeze's axes ...): give the one the graph is written for")
    if not opsets or not 1 <= opsets[0] <= newest:
        way = ("upgrade onnx, or export the model at an opset it knows" if opsets and opsets[0] > newest else
               "export the model again, naming its opset")
        raise ValueError(f"{source}: its opset_import " + (f"names the default ONNX domain at opset {opsets[0]}"
                         if opsets else "names no opset for the default ONNX domain") + f"; expected one from 1 to "
                         f"{newest} (the installed onnx's newest), as the graph's operators mean different things at "
                         f"different opsets (Softmax's axis, Squeeze's axes ...): {way}")
    return check_split_forms(model.graph, opsets[0], source)


def check_split_forms(graph, opset: int, source: str) -> int:
    """``opset``, or a ValueError naming ``source`` where a Split of ``graph`` (or of its subgraphs) at opset 18 or
    later has neither its ``split`` input nor ``num_outputs``, both, or ``num_outputs`` other than its outputs'
    count: ONNX's rule, which onnxruntime enforces (cimsim had cut the axis evenly), checked before onnx's shape
    inference, which aborts the process on the last (onnx 1.23)"""
    if opset < 18:
        return opset
    for node in _all_nodes(graph):
        if node.op_type != "Split" or node.domain not in ("", "ai.onnx"):
            continue
        parts = next((a.i for a in node.attribute if a.name == "num_outputs"), None)
        sizes = len(node.input) > 1 and bool(node.input[1])
        if (parts is None) == (not sizes) or (parts is not None and parts != len(node.output)):
            said = ("neither its split input nor num_outputs" if parts is None else "both its split input and "
                    "num_outputs" if sizes else f"num_outputs = {parts} and {len(node.output)} outputs")
            label = repr(node.name or (node.output[0] if node.output else "(unnamed)"))
            raise ValueError(f"{source}: Split {label} at opset {opset} has {said}; from opset 18 a Split takes "
                             "exactly one of them, num_outputs equal to its outputs' count")
    return opset


def _all_nodes(graph):
    """the nodes of ``graph`` and of its nodes' subgraphs (If, Loop, Scan bodies), depth first"""
    for node in graph.node:
        yield node
        for attribute in node.attribute:
            for body in ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs):
                yield from _all_nodes(body)


def check_as_latest(onnx, node, schema, opset: int) -> None:
    """ValueError unless ``node``, whose operator's ``schema`` at ``opset`` came after :data:`LATEST_OPSET`, uses only
    what its schema at LATEST_OPSET has (the versions since have added types, optional inputs and attributes:
    Cast's round_mode, SpaceToDepth's mode), and no attribute it leaves out has changed its default: then it means
    what it meant there"""
    try:
        old = onnx.defs.get_schema(node.op_type, LATEST_OPSET, "")
    except onnx.defs.SchemaError:
        old = None
    if old is not None:
        present = {a.name for a in node.attribute}
        taken = old.inputs and old.inputs[-1].option == onnx.defs.OpSchema.FormalParameterOption.Variadic
        newer = [f"attribute {a}" for a in sorted(present - set(old.attributes))] + [
            f"input {k}" for k in range(len(old.inputs), len(node.input)) if node.input[k] and not taken] + [
            f"attribute {n}'s default" for n in sorted(set(old.attributes) & set(schema.attributes) - present)
            if old.attributes[n].default_value != schema.attributes[n].default_value]
        if not newer:
            return
    said = (f"uses its {', '.join(newer)}, which came" if old is not None else "came")
    raise ValueError(f"{node.op_type} at opset {opset} {said} after opset {LATEST_OPSET}, the newest whose "
                     f"operators cimsim follows: export the model at opset {LATEST_OPSET} or below")
