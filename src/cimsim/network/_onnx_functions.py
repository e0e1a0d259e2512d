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
    inlined = inline_local_functions(_with_default_attributes(onnx, model, source))
    functions = {_called(f): f for f in model.functions}
    for node in _all_nodes(inlined.graph):
        if (function := functions.get(_called(node))) is not None:  # the inliner leaves a call it cannot expand
            opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
            mismatch = [f"{o.domain or 'ai.onnx'} {o.version} (the model: {opsets[o.domain or 'ai.onnx']})"
                        for o in function.opset_import if opsets.get(o.domain or "ai.onnx", o.version) != o.version]
            why = f"its body imports {', '.join(mismatch)}" if mismatch else "onnx's inliner left its call in place"
            raise ValueError(f"{source}: node {node_label(node)} calls the model's own function {function.domain}::"
                             f"{function.name}, which cannot be expanded: {why}; onnx's inliner expands a function "
                             "whose body imports the opsets the model does")
    return inlined


def _called(node_or_function) -> tuple[str, str, str]:
    """the (domain, name, overload) a node calls, or a function is called by"""
    name = getattr(node_or_function, "op_type", None) or node_or_function.name
    return node_or_function.domain, name, getattr(node_or_function, "overload", "")


def _all_nodes(graph):
    """the nodes of ``graph`` (or a function's body) and of every subgraph in it (If, Loop, Scan bodies)"""
    for node in graph.node:
        yield node
        for body in _subgraphs(node):
            yield from _all_nodes(body)


def _subgraphs(node) -> list:
    """the graphs ``node``'s attributes hold (If's branches, Loop's and Scan's bodies)"""
    return [body for a in node.attribute for body in ([a.g] if a.HasField("g") else []) + list(a.graphs)]


def _with_default_attributes(onnx, model, source: str):
    """``model`` (a copy where anything changes) whose calls of its own functions state every attribute the function
    gives a default (``FunctionProto.attribute_proto``): onnx's inliner (1.23) drops those defaults, so a call that
    left one out had run with the body operator's own default (LeakyRelu's 0.01 for a function's 0.25: a probe).
    A function attribute without a default that its body forwards to such a function takes that default first
    (:func:`_inherited_defaults`); a call leaving out one whose readers fall back to different values is refused."""
    if not any(len(f.attribute_proto) for f in model.functions):
        return model
    model = onnx.ModelProto.FromString(model.SerializeToString())
    unclear = _inherited_defaults(onnx, model.functions)
    defaults = {_called(f): list(f.attribute_proto) for f in model.functions}
    running = _running_nodes(model, source)  # held while their ids are: a freed wrapper's id names another node
    runs = {id(n) for n in running}
    for node in [n for body in [model.graph, *model.functions] for n in _all_nodes(body)]:
        stated = {a.name for a in node.attribute}
        if id(node) in runs and (left := sorted(name for called, name in unclear
                                                if called == _called(node) and name not in stated)):
            raise ValueError(f"{source}: node {node_label(node)} leaves out attribute {left[0]!r} of the model's own "
                             f"function {node.domain}::{node.op_type}, which gives it no default and passes it to "
                             "nodes that fall back to different values (the functions' defaults, an operator's own); "
                             "cimsim's inlining cannot keep them apart: state it in the call")
        node.attribute.extend(a for a in defaults.get(_called(node), []) if a.name not in stated)
    return model


def _running_nodes(model, source: str) -> list:
    """the nodes that run: the graph's that its output needs (:func:`live_nodes`), their subgraphs', and those of
    every function they call, transitively (a dead call, or one in a function nothing calls, refuses nothing)"""
    by_call = {_called(f): f for f in model.functions}
    nodes = [n for top in live_nodes(model.graph, source) for n in [top, *(m for body in _subgraphs(top)
                                                                           for m in _all_nodes(body))]]
    seen = set()
    for node in nodes:  # (grows as it goes: the bodies of the functions called)
        if (called := _called(node)) in by_call and called not in seen:
            seen.add(called)
            nodes.extend(_all_nodes(by_call[called]))
    return nodes


_UNCLEAR = b"\0unclear"
"""the fallback of a function attribute whose readers fall back to different values"""


def _inherited_defaults(onnx, functions) -> set[tuple[tuple[str, str, str], str]]:
    """Give each attribute of ``functions`` that has no default, and that its body passes on by reference only to
    attributes that fall back to one value (a function's default, its own or inherited: a chain of calls), that
    value as its default, so that a call leaving it out runs as ONNX says (an unset reference leaves the attribute
    unset: the inner function's default applies). Returns the (function, attribute) pairs whose readers fall back to
    different values (two defaults, or one and an operator's own that differs: valid ONNX, which one default cannot
    express)."""
    by_call = {_called(f): f for f in functions}
    readers: dict[tuple, list] = {}  # (function, attribute) -> what each reader fills: a function's attribute, or
    for function in functions:       # an operator's own default (its value, None where it has none)
        opsets = {o.domain: o.version for o in function.opset_import}
        for node in _all_nodes(function):
            for a in node.attribute:
                if a.ref_attr_name:
                    target = ((_called(node), a.name) if _called(node) in by_call else
                              ("operator", _operator_default(onnx, node, a.name, opsets)))
                    readers.setdefault((_called(function), a.ref_attr_name), []).append(target)
    resolved: dict[tuple, bytes | None] = {}

    def fallback(key) -> bytes | None:
        """the value ``key`` (function, attribute) takes where a call leaves it out: its default, else the one its
        readers' functions fall back to where every reader agrees (an operator's own default included), None where
        none does (left unset: each operator its own default), else _UNCLEAR"""
        if key not in resolved:
            resolved[key] = None  # (a call cycle, which ONNX does not allow, ends here)
            own = next((a for a in by_call[key[0]].attribute_proto if a.name == key[1]), None)
            targets = readers.get(key, [])
            inner = {fallback(t) for t in targets if t[0] != "operator"}  # the functions' readers'
            given = inner - {None}
            agree = len(given) == 1 and _UNCLEAR not in given and None not in inner and all(
                t[1] == next(iter(given)) for t in targets if t[0] == "operator")  # operators' own defaults too
            resolved[key] = (_unnamed(onnx, own).SerializeToString() if own is not None else
                             None if not given else next(iter(given)) if agree else _UNCLEAR)
        return resolved[key]

    for key in list(readers):
        if (value := fallback(key)) not in (None, _UNCLEAR) and not any(
                a.name == key[1] for a in by_call[key[0]].attribute_proto):
            default = onnx.AttributeProto.FromString(value)
            default.name = key[1]
            function = by_call[key[0]]
            function.attribute_proto.append(default)
            kept = [n for n in function.attribute if n != key[1]]
            del function.attribute[:]
            function.attribute.extend(kept)
    return {key for key, value in resolved.items() if value == _UNCLEAR}


def _unnamed(onnx, attribute):
    """a copy of ``attribute`` without its name and doc string: its value alone (two defaults that differ in their
    doc strings alone had been refused as different)"""
    copy = onnx.AttributeProto()
    copy.CopyFrom(attribute)
    copy.name, copy.doc_string = "", ""
    return copy


def _operator_default(onnx, node, name: str, opsets: dict) -> bytes | None:
    """the default value of operator ``node``'s attribute ``name`` at the function's opset (as :func:`_unnamed`
    serialises it), None where it has none (an attribute left unset then: a value of its own, as no function's)"""
    try:
        schema = onnx.defs.get_schema(node.op_type, opsets.get(node.domain, opsets.get("", 1)), node.domain)
    except onnx.defs.SchemaError:
        return None
    given = schema.attributes.get(name)
    default = getattr(given, "default_value", None)
    if default is None or default.type == 0:  # (UNDEFINED: no default)
        return None
    return _unnamed(onnx, default).SerializeToString()


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
    for body in _subgraphs(node):
        names.extend([o.name for o in body.output] + [name for inner in body.node for name in _reads(inner)])
    return names


def _check_rotary_caches(g, node, where: str) -> None:
    """RotaryEmbedding's cos and sin caches: 2-d (positions, dims) read at ``position_ids``, else 3-d (batch,
    sequence, dims), as ONNX defines them (a 2-d cache without positions had failed inside the body's Slice)"""
    positions = len(node.input) > 3 and bool(node.input[3])
    for name in node.input[1:3]:
        rank = np.ndim(g.consts[name]) if name in g.consts else g.full_ndim(name)
        if rank != (2 if positions else 3):
            raise ValueError(f"{where}: the cache {name!r} has {rank} axes; it takes 2 (positions, dims) with "
                             "position_ids, 3 (batch, sequence, dims) without")


def function_nodes(onnx, g, node, opset: int, where: str) -> list | None:
    """The nodes of ``node``'s function body at ``opset`` (graph state ``g`` gives its inputs' types), bound to the
    node; None where its operator has no function body. A ValueError naming ``where`` for inputs its body cannot
    take (RotaryEmbedding's caches)."""
    if node.op_type == "RotaryEmbedding" and (node.domain or "ai.onnx") == "ai.onnx":
        _check_rotary_caches(g, node, where)
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
