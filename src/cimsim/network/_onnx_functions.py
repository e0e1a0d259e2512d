"""Functions expanded into their nodes at import: a model's own (local) functions, and ONNX operators that ONNX
defines as functions of others, from a body of the schema (Mish, Swish, Softsign, Shrink, ThresholdedRelu,
MeanVarianceNormalization, AffineGrid, SwiGLU, the signal windows) or one the schema builds for the node's input
types (RotaryEmbedding, CenterCropPad). The body's inputs, outputs and attribute references are bound to the node's;
its inner tensors are named ``<first output>#<name>``. Nodes the output does not need are left out
(:func:`live_nodes`).
"""

from __future__ import annotations

import numpy as np

from ._onnx_checks import node_label

__all__ = ["function_nodes", "live_nodes", "with_local_functions_inlined"]


def with_local_functions_inlined(onnx, model, source: str):
    """``model`` with every call of its own functions (``model.functions``: onnxscript, torch's dynamo exporter
    unoptimised) replaced by the function's nodes (onnx's inliner); the model itself where it has none"""
    if not model.functions:
        return model
    try:
        from onnx.inliner import inline_local_functions
    except ImportError:
        raise ValueError(f"{source}: the model calls functions of its own ({', '.join(f.name for f in model.functions)}"
                         "), which need onnx >= 1.16 to inline: pip install -U onnx") from None
    return inline_local_functions(model)


def live_nodes(graph, source: str) -> list:
    """the nodes of ``graph`` its output needs, in order (a dead node, which onnxruntime runs or skips without a word,
    had refused the model for an operator cimsim lacks: an ONNX-files probe); a node of a subgraph (If, Loop) needs
    the outer tensors it reads or returns. A dead node that reads a name nothing defined before it is refused, as
    onnxruntime refuses it (two definitions of a name: :func:`._onnx_checks.check_single_assignment`, on every node)."""
    needed, live = {o.name for o in graph.output}, []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            live.append(node)
            needed.update(name for name in _reads(node) if name)
    defined, kept = {t.name for t in graph.initializer} | {i.name for i in graph.input}, {id(n) for n in live}
    for node in graph.node:  # (a live node's reads: checked as it is built)
        if id(node) not in kept and (unknown := [name for name in node.input if name and name not in defined]):
            raise ValueError(f"{source}: node {node_label(node)} ({node.op_type}) reads {unknown}, which no earlier "
                             "node produced")
        defined.update(node.output)
    return live[::-1]


def _reads(node) -> list[str]:
    """the tensors ``node`` reads: its inputs and, through its subgraphs, every name their nodes read or they return"""
    names = list(node.input)
    for attribute in node.attribute:
        for body in ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs):
            names.extend([o.name for o in body.output] + [name for inner in body.node for name in _reads(inner)])
    return names


def function_nodes(onnx, g, node, opset: int) -> list | None:
    """The nodes of ``node``'s function body at ``opset`` (graph state ``g`` gives its inputs' types), bound to the
    node; None where its operator has no function body."""
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, node.domain or "")
    except onnx.defs.SchemaError:
        return None
    body = b""  # the body of the latest version at or before the opset, else of the first (a later opset's)
    if schema.has_function:
        versions = sorted(schema.function_opset_versions)
        body = schema.get_function_with_opset_version(([v for v in versions if v <= opset] or versions)[-1])
    elif schema.has_context_dependent_function:
        types = [_type(onnx, g, name).SerializeToString() for name in node.input]
        versions = sorted(schema.context_dependent_function_opset_versions)
        body = schema.get_context_dependent_function_with_opset_version(
            ([v for v in versions if v <= opset] or versions[:1])[-1], node.SerializeToString(), types)
    if not body:
        return None
    function = onnx.FunctionProto()
    function.ParseFromString(body)
    names = {**dict(zip(function.input, list(node.input) + [""] * len(function.input))),
             **dict(zip(function.output, node.output))}
    given = {a.name: a for a in node.attribute}
    return [_bound(onnx, inner, names, f"{node.output[0]}#", given, schema) for inner in function.node]


def _type(onnx, g, name: str):
    """the TypeProto of input ``name`` of a node (a constant's dtype and shape; an activation's element kind and
    full shape); an omitted input as a float of no shape"""
    if name in g.consts:
        value = np.asarray(g.consts[name])
        return onnx.helper.make_tensor_type_proto(onnx.helper.np_dtype_to_tensor_dtype(value.dtype), value.shape)
    kind = g.types.get(name, "float")
    elem = {"float": onnx.TensorProto.FLOAT, "int": onnx.TensorProto.INT64, "bool": onnx.TensorProto.BOOL}[kind]
    return onnx.helper.make_tensor_type_proto(elem, g.full_shape(name) if name in g.value else None)


def _bound(onnx, inner, names: dict, prefix: str, given: dict, schema):
    """``inner`` (a node of a function body) with its tensors renamed (the body's inputs and outputs to the node's,
    the others prefixed, in subgraphs too) and its attribute references replaced by the node's attributes (or the
    schema's defaults; dropped where neither is given)"""
    bound = onnx.NodeProto()
    bound.CopyFrom(inner)
    del bound.attribute[:]
    for attribute in inner.attribute:
        if attribute.ref_attr_name:
            source = given.get(attribute.ref_attr_name)
            default = schema.attributes[attribute.ref_attr_name].default_value if (
                attribute.ref_attr_name in schema.attributes) else None
            source = source if source is not None else default if default is not None and default.name else None
            if source is None:
                continue
            attribute = onnx.helper.make_attribute(attribute.name, onnx.helper.get_attribute_value(source))
        bound.attribute.append(attribute)
    _rename(onnx, bound, lambda name: names.get(name, prefix + name if name else name))
    return bound


def _rename(onnx, node, rename) -> None:
    """rename every tensor ``node`` reads or writes, and those of the subgraphs in its attributes"""
    node.input[:] = [rename(n) for n in node.input]
    node.output[:] = [rename(n) for n in node.output]
    for attribute in node.attribute:
        for graph in ([attribute.g] if attribute.type == onnx.AttributeProto.GRAPH else list(attribute.graphs)):
            for inner in graph.node:
                _rename(onnx, inner, rename)
            for info in (*graph.input, *graph.output):
                info.name = rename(info.name)
            for tensor in graph.initializer:
                tensor.name = rename(tensor.name)
