"""Checks of the ONNX importer on malformed graphs: a node against its operator's schema, and sizes that no machine
holds, so that a broken file is a ValueError naming the node rather than a traceback or an exhausted memory; of
what valid graphs may hold but the import cannot take (strings, a convolution's weights computed from the
activations); and the element kind (float, int, bool) of each tensor, where ONNX's type inference knows it."""

from __future__ import annotations

import math
import warnings
from collections import Counter

import numpy as np

from ._onnx_opset import LATEST_OPSET, check_as_latest

__all__ = ["MAX_FOLDED_VALUES", "MAX_SAMPLE_VALUES", "bounded", "check_node", "check_domain", "prod", "element_types",
           "type_kind", "array_kind", "MICROSOFT_OPS", "input_shape", "unbuilt_output",
           "in_range", "squeezed", "check_pad_count", "scalar", "NON_NUMERIC", "real_cast", "constant_weights",
           "declared_shapes", "check_declared", "DATA_DEPENDENT_SHAPES", "data_dependent_reason", "ONLY_FOLDED",
           "unsupported_operator", "node_label", "initializer_arrays", "RANDOM_OPS", "check_single_assignment",
           "gelu_kind"]

ONLY_FOLDED = ": only of constants (folded at import)"
"""why an operator the importer evaluates on constants is refused on an activation"""
DATA_DEPENDENT_SHAPES = frozenset({"NonZero", "NonMaxSuppression", "Unique", "Compress"})
"""operators whose output's shape depends on the values of an activation (a detector's box selection, boolean
masking by an activation): no fixed-shape network layer can hold them"""


RANDOM_OPS = frozenset({"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial",
                        "Bernoulli"})
"""operators that draw random values (torch's randn_like, rand, bernoulli, multinomial in a forward pass)"""


def data_dependent_reason(op: str) -> str:
    """why ``op`` of an activation cannot be imported and what to do, for :data:`DATA_DEPENDENT_SHAPES` and
    :data:`RANDOM_OPS`; else ''"""
    if op in RANDOM_OPS:
        return (": it draws random values, so each forward pass computes another function and no fixed network "
                "holds the model (a noise injection or sampling step: leave it out of the model imported; cimsim's "
                "own randomness is its device and read-noise models)")
    if op not in DATA_DEPENDENT_SHAPES:
        return ""
    return (f": the shape of its output depends on the data (as a detector's box selection or masking by an "
            f"activation does), which no fixed-shape network holds; import the model up to the tensors {op} reads "
            "(a detector's backbone and head outputs) and do the rest in torch")


def node_label(node) -> str:
    """``node``'s name, quoted, for messages; an unnamed node's first output, by which a user finds it"""
    if node.name or not (node.output and node.output[0]):
        return repr(node.name or "(unnamed)")
    return f"(unnamed, output {node.output[0]!r})"


def unsupported_operator(op: str, supported) -> str:
    """the refusal of an operator the importer has no handler for: why, where its shape depends on the data, and
    the ``supported`` ones"""
    reason = data_dependent_reason(op)
    return f"unsupported ONNX operator {op!r}{reason}" + ("" if reason else f"; supported: {', '.join(supported)}")


MAX_FOLDED_VALUES = 1 << 28
"""most values a constant computed at import may hold (2 GiB in float64): the masks and position tables models
compute are far smaller; a shape that asks for more comes from a broken graph"""
MAX_SAMPLE_VALUES = 1 << 31
"""most values one sample's activation may hold (16 GiB in float64; a 64-head attention over 4096 tokens holds
2**30)"""


def bounded(count: float, what: str, limit: int = MAX_FOLDED_VALUES) -> None:
    """ValueError where ``what`` would hold ``count`` values, more than ``limit``"""
    if not count <= limit:  # NaN too
        raise ValueError(f"{what} would hold {count:.4g} values, more than {limit} (a malformed shape?)")


NON_NUMERIC = {8: "STRING", 14: "COMPLEX64", 15: "COMPLEX128"}
"""ONNX element types (TensorProto.DataType) of no real numbers, which cimsim cannot compute with"""


def real_cast(op: str, attrs: dict, where: str) -> dict:
    """``attrs``, a Cast to a complex type read as one to DOUBLE, with a warning: every value cimsim holds is real,
    and a real value cast to complex has imaginary part 0 (a node reading a complex constant or initializer, or a
    complex input, is refused). torch's
    TorchScript exporter writes 15 (COMPLEX128), torch's own code for bfloat16, where a model casts to bfloat16
    (Falcon's ALiBi): it had been refused as complex, and a constant's Cast had gone through numpy's complex."""
    if op != "Cast" or attrs.get("to") not in (14, 15):
        return attrs
    warnings.warn(f"{where}: Cast of real values to {NON_NUMERIC[attrs['to']]} read as real (imaginary part 0; cimsim "
                  "computes with real numbers); torch's TorchScript exporter writes COMPLEX128 (15, torch's own code "
                  "for bfloat16) for a cast to bfloat16, whose rounding is then not applied", stacklevel=2)
    return {**attrs, "to": 11}


MICROSOFT_OPS = frozenset({"QLinearAdd", "QLinearMul", "QGemm", "QLinearAveragePool", "QLinearGlobalAveragePool",
                           "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", "QLinearConcat", "QuantizeLinear",
                           "DequantizeLinear", "Gelu"})
"""operators of onnxruntime's com.microsoft domain the importer takes: those of its quantiser's QOperator format, and
Gelu (the ONNX one's meaning); others of that domain share a name with an ONNX operator but not its inputs
(Attention, RotaryEmbedding)"""


def check_domain(node, where: str) -> None:
    """ValueError where ``node``'s operator belongs to a domain other than ONNX's own (and not to
    :data:`MICROSOFT_OPS`): the importer knows operators by name, and a name means another operator there"""
    if node.domain in ("", "ai.onnx") or (node.domain == "com.microsoft" and node.op_type in MICROSOFT_OPS):
        return
    raise ValueError(f"{where}: operator {node.op_type!r} of domain {node.domain!r} is not supported: cimsim imports "
                     f"ONNX's own operators and these of com.microsoft: {', '.join(sorted(MICROSOFT_OPS))}")


def check_node(onnx, node, opset: int, where: str = "") -> None:
    """ValueError where ``node``'s operator changed after opset 23 (:func:`._onnx_opset.check_as_latest`), or lacks
    an input or an attribute that its schema at ``opset`` requires, has more inputs than it takes, or an attribute it
    does not list (a warning, naming ``where``, where onnx's own check takes it); operators without a schema are left
    to the handlers, which name the ones they do not support."""
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, node.domain or "")
    except onnx.defs.SchemaError:
        return
    if schema.since_version > LATEST_OPSET and (node.domain or "ai.onnx") == "ai.onnx":
        check_as_latest(onnx, node, schema, opset)
    option = onnx.defs.OpSchema.FormalParameterOption
    formal = list(schema.inputs)
    given = list(node.input)
    variadic = bool(formal) and formal[-1].option == option.Variadic
    if not variadic and len(given) > len(formal):
        raise ValueError(f"{node.op_type} takes at most {len(formal)} inputs; it has {len(given)}")
    for k, parameter in enumerate(formal):
        if parameter.option == option.Single and (k >= len(given) or not given[k]):
            raise ValueError(f"{node.op_type} needs input {k} ({parameter.name!r}); it is missing")
    if sum(1 for name in given if name) < schema.min_input:
        raise ValueError(f"{node.op_type} needs at least {schema.min_input} inputs; it has {len(given)}")
    present = {a.name for a in node.attribute}
    missing = [name for name, a in schema.attributes.items() if a.required and name not in present]
    if missing:
        raise ValueError(f"{node.op_type} needs the attribute(s) {', '.join(missing)}")
    unknown = sorted(a for a in present - set(schema.attributes) if not a.startswith("__"))  # ("__": annotations)
    if unknown and not _checker_accepts(onnx, node, opset):  # (a misspelt one had been ignored: its default ran)
        raise ValueError(f"{node.op_type} (opset {opset}) has no attribute {', '.join(unknown)}; its attributes: "
                         f"{', '.join(sorted(schema.attributes)) or 'none'}")
    if unknown:  # taken, as onnx and onnxruntime take them, but ignored: said (a misspelt epsilon)
        warnings.warn((f"{where}: ignores" if where else f"{node.op_type} (opset {opset}) ignores") + " the "
                      f"attribute(s) {', '.join(unknown)}, which its schema at opset {opset} does not list (its "
                      f"attributes: {', '.join(sorted(schema.attributes))}): check the spelling", stacklevel=2)


def _checker_accepts(onnx, node, opset: int) -> bool:
    """whether onnx's own node check takes ``node`` at ``opset`` (it lets some operators, LayerNormalization, carry
    attributes their schema does not list, as onnxruntime does)"""
    ctx = onnx.checker.C.CheckerContext()
    ctx.ir_version, ctx.opset_imports = onnx.IR_VERSION, {node.domain or "": opset}
    try:
        onnx.checker.check_node(node, ctx)
    except onnx.checker.ValidationError:
        return False
    return True


def squeezed(full: list[int], drop: set[int]) -> list[int]:
    """``full`` without the axes ``drop``; a ValueError naming the first of them not of size 1 (a probe: the reshape
    after it had said only that the values differ)"""
    if wide := sorted(k for k in drop if full[k] != 1):
        raise ValueError(f"Squeeze of axis {wide[0]} of {tuple(full)}: only axes of size 1 can be squeezed")
    return [s for k, s in enumerate(full) if k not in drop]


def scalar(value, what: str) -> float:
    """a constant of one value as a float; a ValueError naming ``what`` for more (a TypeError had been said)"""
    if np.size(value) != 1:
        raise ValueError(f"{what} must be scalars; got {np.ravel(value).tolist()[:8]}")
    return float(np.ravel(value)[0])


def check_pad_count(pads: list[int], axes: int) -> None:
    """a ValueError unless Pad's ``pads`` hold 2 values for each of its ``axes`` (an IndexError had been said)"""
    if len(pads) != 2 * axes:
        raise ValueError(f"Pad's pads must hold 2 values for each of its {axes} axes; got {len(pads)}")


def in_range(indices, size: int, what: str) -> np.ndarray:
    """constant ``indices`` into an axis of ``size``, a negative one counted from the end, as indices from 0; a
    ValueError naming ``what`` for one outside [-size, size) (onnxruntime refuses it; numpy would wrap it)"""
    indices = np.asarray(indices).astype(np.int64)
    outside = indices[(indices < -size) | (indices >= size)]
    if outside.size:
        raise ValueError(f"{what} indices {sorted(set(outside.tolist()))[:4]} are outside [-{size}, {size - 1}], "
                         f"the positions of an axis of {size}")
    return np.where(indices < 0, indices + size, indices)


def constant_weights(g, names: list[str], op: str) -> np.ndarray:
    """The weights (input 1) of a convolution ``op``; a ValueError where they or its bias (input 2) are computed
    from the activations"""
    for k, what in ((1, "weights"), (2, "bias")):
        if len(names) > k and names[k] and names[k] not in g.consts:
            raise ValueError(f"{op}'s {what} (input {k}, {names[k]!r}) are computed from the activations: cimsim "
                             "programs weights onto its arrays once, before any input, so they must be constants "
                             "(initializers or Constant nodes)")
    return np.asarray(g.consts[names[1]])


def prod(shape) -> float:
    """the number of values of ``shape`` (a float: no overflow), negative where a dimension is"""
    return math.prod(float(d) for d in shape)


def element_types(onnx, model) -> dict[str, str]:
    """Tensor name -> 'float', 'int' or 'bool': the element type ONNX's shape inference gives each tensor of
    ``model``'s graph (the types the graph itself states where the inference fails); a name not in it has no known
    type. The inference runs on the graph with its weights as typed inputs, not their values (BERT-base: 0.01
    against 4 s)."""
    graph, helper = model.graph, onnx.helper
    listed = {i.name for i in graph.input}  # older exports list their weights among the inputs
    weights = [helper.make_tensor_value_info(t.name, t.data_type, t.dims) for t in graph.initializer
               if t.name not in listed]
    light = helper.make_model(helper.make_graph(graph.node, graph.name, [*graph.input, *weights], graph.output,
                                                value_info=graph.value_info), opset_imports=model.opset_import)
    light.ir_version = model.ir_version
    try:
        graph = onnx.shape_inference.infer_shapes(light).graph
    except Exception:  # the inference is optional (its errors vary): the types the graph states are used
        pass
    kinds = {info.name: type_kind(onnx, info.type.tensor_type.elem_type)
             for info in (*graph.input, *graph.value_info, *graph.output)}
    return {name: kind for name, kind in kinds.items() if kind}


def array_kind(value) -> str:
    """'float', 'int' or 'bool': the kind of a constant's numpy element type"""
    return {"b": "bool", "i": "int", "u": "int"}.get(np.asarray(value).dtype.kind, "float")


def type_kind(onnx, elem_type: int) -> str | None:
    """'float', 'int' or 'bool': the kind of ONNX element type ``elem_type`` (None for UNDEFINED)"""
    name = onnx.TensorProto.DataType.Name(elem_type)
    return None if name == "UNDEFINED" else "bool" if name == "BOOL" else "int" if "INT" in name else "float"


def input_shape(source: str, value_info) -> tuple[int, tuple[int, ...], str]:
    """(export batch size, per-sample shape, the batch dimension's name where it is symbolic: '' where it is a
    number, its quoted name, or '?' where unnamed) of the data input; the batch is 1 when symbolic (the value
    shape arithmetic on it folds with: :mod:`._onnx_batch`)."""
    dims = value_info.type.tensor_type.shape.dim
    if value_info.type.tensor_type.elem_type in NON_NUMERIC:
        raise ValueError(f"{source}: input {value_info.name!r} holds "
                         f"{NON_NUMERIC[value_info.type.tensor_type.elem_type]} values; cimsim computes with real "
                         "numbers")
    shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims[1:])
    if len(dims) < 2 or not all(shape):
        free = [k for k, n in enumerate(shape, 1) if not n]  # a fixed first axis and one free: a batch put later?
        batch_fixed = len(free) == 1 and dims[0].HasField("dim_value") and dims[0].dim_value > 0
        moved = (f"if axis {free[0]} ({dims[free[0]].dim_param or '?'!r}) is the batch, make it the first axis "
                 "(batch_first=True, or a transpose before the export); else ") if batch_fixed else ""
        got = (f"needs a known shape (batch, ...); got {[d.dim_param or d.dim_value for d in dims]}"
               if value_info.type.tensor_type.HasField("shape") else "has no shape; it needs one (batch, ...)")
        raise ValueError(f"{source}: input {value_info.name!r} {got}: the batch must be the first axis, the only "
                         f"one that may stay free: {moved}export the model again at a fixed size, or fix the sizes "
                         "in the file with onnx.tools.update_model_dims.update_inputs_outputs_dims")
    if dims[0].HasField("dim_value") and dims[0].dim_value > 0:
        return dims[0].dim_value, shape, ""
    return 1, shape, repr(dims[0].dim_param) if dims[0].dim_param else "?"


def initializer_arrays(graph, source: str) -> dict[str, np.ndarray]:
    """The graph's initializers by name as arrays; a ValueError naming a sparse one (not supported) or one whose data
    do not make its shape (a file cut short: numpy's bare reshape error had named neither)."""
    from ._onnx_fold import tensor_array  # (it imports this module)

    if graph.sparse_initializer:
        raise ValueError(f"{source}: sparse initializer {graph.sparse_initializer[0].values.name!r} is not supported: "
                         "densify it (its values, onnx.numpy_helper.to_array, put at its indices in an array of zeros) "
                         "into a dense initializer (onnx.numpy_helper.from_array)")
    arrays = {}
    for tensor in graph.initializer:
        if tensor.name in arrays:  # onnxruntime reads the first, onnx's reference evaluator the last
            raise ValueError(f"{source}: initializer {tensor.name!r} is given twice: which one the graph reads is "
                             "open (onnxruntime takes the first, onnx's reference evaluator the last); keep one")
        try:
            arrays[tensor.name] = tensor_array(tensor)
        except ValueError as exc:
            raise ValueError(f"{source}: initializer {tensor.name!r} of shape {tuple(tensor.dims)} cannot be read: "
                             f"{exc} (its data hold another number of values: a file cut short or written wrong)"
                             ) from None
    return arrays


def check_single_assignment(graph, source: str) -> None:
    """ValueError naming a tensor the graph defines twice (two nodes' outputs, or a node's output and an initializer
    or the input): ONNX defines each name once, and a reader would take one or the other"""
    defined = Counter([*{t.name for t in graph.initializer}, *{i.name for i in graph.input}])
    for node in graph.node:
        for name in filter(None, node.output):
            defined[name] += 1
            if defined[name] > 1:
                raise ValueError(f"{source}: node {node_label(node)} ({node.op_type}) writes {name!r}, which the graph "
                                 "defines before it: an ONNX graph defines each name once (onnxruntime refuses it)")


def unbuilt_output(onnx, node, k: int, opset: int, where: str) -> str:
    """what output ``k`` of ``node`` is, which the importer does not compute (MaxPool's indices, Dropout's mask,
    LayerNormalization's mean): for the error where a node reads it"""
    try:
        role = f"{onnx.defs.get_schema(node.op_type, opset, node.domain or '').outputs[k].name}, "
    except (onnx.defs.SchemaError, IndexError):
        role = ""
    return (f"{where}: its output {k} ({role}{node.output[k]!r}) is not supported: cimsim computes only its "
            f"output(s) {[o for o in node.output[:k] if o]}")


def declared_shapes(graph) -> dict[str, tuple[int, ...]]:
    """Tensor name -> the shape the graph itself declares for it (its value_info and outputs), 0 for a dimension it
    leaves free; a tensor without a declared rank is left out"""
    return {info.name: tuple(d.dim_value if d.HasField("dim_value") else 0 for d in info.type.tensor_type.shape.dim)
            for info in (*graph.value_info, *graph.output) if info.type.tensor_type.HasField("shape")}


def check_declared(g, out: str, full: list[int]) -> None:
    """ValueError where the graph declares a fixed size for an axis of tensor ``out`` (past the batch axis) that
    differs from ``full``, the ONNX shape the import computes for it (a Resize's rounding)"""
    declared = getattr(g, "declared", {}).get(out)
    if declared is None or len(declared) != len(full):
        return
    if any(d and d != int(n) for d, n in zip(declared[1:], full[1:])):
        raise ValueError(f"its output {out!r} would have shape {[int(n) for n in full]}, but the graph declares "
                         f"{[d or '?' for d in declared]}: cimsim computes onnxruntime's output sizes; a declared "
                         "shape that disagrees comes from another rounding (export the model again, or give the "
                         "sizes instead of scales)")


def gelu_kind(attrs: dict) -> str:
    """the unary function of an ONNX Gelu's ``approximate``: "none" exact, "tanh"; a ValueError for another (it had
    run as the exact one)"""
    approximate = attrs.get("approximate", "none")
    approximate = approximate.decode() if isinstance(approximate, bytes) else approximate
    if approximate not in ("none", "tanh"):
        raise ValueError(f"Gelu approximate {approximate!r} is neither 'none' nor 'tanh'")
    return "gelu_tanh" if approximate == "tanh" else "gelu"
