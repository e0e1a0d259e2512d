"""ONNX models -> :class:`~cimsim.network.Network` graphs (needs the onnx package: ``pip install '.[onnx]'``).

One data input of known per-sample shape (batch, ...) and one output. Nodes whose inputs are all constants (shape
arithmetic: Shape, Gather, Concat, Unsqueeze, ...) are evaluated at import; the others become layers
(:data:`SUPPORTED_OPS`; docs/networks.md lists what each becomes). Constant right operands of ``MatMul`` / ``Gemm``
become ``Dense`` weights (crossbars); a ``BatchNormalization`` or constant ``Add`` right after a ``Conv`` / ``Dense``
whose output nothing else reads is folded into its weights and bias. Anything else raises a ValueError naming the
node and its operator."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from pathlib import Path

import numpy as np

from ..config.toml_file import is_descriptor, open_input
from ..footprint import check_process_memory
from ._onnx_batch import BatchSize, kept_apart
from ._onnx_checks import (MAX_SAMPLE_VALUES, bounded, check_domain, check_node,
                            check_single_assignment, declared_shapes, element_types, initializer_arrays, input_shape,
                            node_label, prod, real_cast, unbuilt_output)
from ._onnx_control import CONTROL_OPS, control_node
from ._onnx_fold import NARROW_INTEGERS, constant_attr, narrow_type
from ._onnx_functions import function_nodes, live_nodes, with_local_functions_inlined
from ._onnx_images import per_stacked_image
from ._onnx_legacy import older_form
from ._onnx_logic import materialized
from ._onnx_model import checked_model
from ._onnx_movement import max_pool_padding
from ._onnx_opset import LATEST_OPSET, default_opset
from ._onnx_ops import FOLDED_BY_HANDLER, SUPPORTED_OPS, BatchAxisError, layer_for
from ._onnx_reference import node_fold
from ._onnx_sharing import shared_note, stored_names
from ._onnx_assembly import assembled
from .model import Network
from .movement import Reshape

__all__ = ["load_onnx", "network_from_onnx", "SUPPORTED_OPS", "BatchAxisError", "LATEST_OPSET", "ONE_OUTPUT"]

ONE_OUTPUT = "expected one data input and one output"  # what a graph of other inputs or outputs is refused with


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("reading ONNX networks needs the onnx package: install the onnx extra: "
                          "pip install '.[onnx]'") from None
    return onnx


def load_onnx(path: str | os.PathLike) -> Network:
    """The network of the ONNX model in ``path``."""
    onnx, path = _onnx(), Path(path)
    if path.is_dir() or not path.exists():
        raise ValueError(f"{path}: {'a directory' if path.is_dir() else 'no such file'}, not an ONNX model")
    if not (path.is_file() or path.is_fifo()):  # /dev/zero had been read until memory ran out
        raise ValueError(f"{path}: names a device or socket, not a regular file (an ONNX model)")
    try:  # a FIFO read where a writer holds it, refused where none does (it had blocked for ever)
        with open_input(path) if path.is_fifo() else contextlib.nullcontext() as pipe:
            model = onnx.load_model_from_string(pipe.read()) if pipe else onnx.load(str(path))
            if pipe:  # its external data beside it (a named pipe's folder; /dev/stdin's: the working directory)
                onnx.load_external_data_for_model(model, str(Path.cwd() if is_descriptor(path) else path.parent))
    except Exception as exc:  # onnx raises protobuf DecodeError and others for a bad file
        with open(path, "rb") if path.is_file() else contextlib.nullcontext() as f:  # a FIFO is read once
            zipped = f is not None and f.read(4) == b"PK\x03\x04"
        zip_hint = "; it is a zip archive (an .npz network? load it by its .npz name)" * zipped
        raise ValueError(f"{path}: cannot read as an ONNX model ({exc}){zip_hint}") from None
    if not (model.graph.node or model.graph.input or model.graph.output):  # empty, or bytes that parse to nothing
        raise ValueError(f"{path}: {'it holds no graph' if path.stat().st_size else 'the file is empty'}, not an "
                         "ONNX model")
    network = network_from_onnx(model, str(path))
    shared_note(model.graph, str(path))
    return network


def network_from_onnx(model, source: str = "ONNX model") -> Network:
    """The network of an in-memory ``onnx.ModelProto``; ``source`` names it in error messages."""
    onnx = _onnx()
    model = with_local_functions_inlined(onnx, checked_model(onnx, model, source), source)
    graph = model.graph
    consts = initializer_arrays(graph, source)
    check_single_assignment(graph, source)
    nodes = live_nodes(graph, source)  # (the others: not imported)
    data_inputs = [i for i in graph.input if i.name not in consts]
    if len(data_inputs) != 1 or len(graph.output) != 1:
        raise ValueError(f"{source}: {ONE_OUTPUT}; got {len(data_inputs)} ({', '.join(i.name for i in data_inputs)}) "
                         f"and {len(graph.output)} ({', '.join(o.name for o in graph.output)}): export or wrap the "
                         "model so that it takes one tensor and returns one")
    batch, shape, symbolic = input_shape(source, data_inputs[0])
    inputs = (batch, shape, (default_opset(onnx, model, source), element_types(onnx, model), symbolic))
    consumers = Counter(name for node in nodes for name in node.input)
    consumers[graph.output[0].name] += 1
    try:
        return _build(onnx, graph, nodes, source, inputs, consts, consumers, batch_as_axis=False)
    except BatchAxisError as exc:
        refusal = (f"{exc} (a graph exported with batch 1 is imported with its batch axis as a per-sample axis of size "
                   f"1{'; this one has the symbolic batch ' + symbolic if symbolic else ''})")
        if batch != 1:  # a fixed batch of several samples: the same model exported with one imports
            raise ValueError(f"{refusal}; this one was exported with a batch of {batch}: export it again with one "
                             "sample, e.g. torch.onnx.export(model, (x[:1],), path, ...)") from None
        try:
            network = _build(onnx, graph, nodes, source, inputs, consts, consumers, batch_as_axis=True)
        except ValueError as second:  # a symbolic batch: the batch axis is the cause (a scale shaped for a batch)
            raise (ValueError(f"{refusal}; with its batch axis per sample: {second}") if symbolic else second) from None
        return kept_apart(onnx, model, data_inputs[0].name, network, refusal) if symbolic else network


def _build(onnx, graph, nodes: list, source: str, inputs: tuple, consts: dict, consumers: dict[str, int],
           batch_as_axis: bool) -> Network:
    """The network of ``graph``'s ``nodes``; ``inputs``: (export batch, per-sample input shape, (opset, element
    types, the batch dimension's name where it is symbolic))"""
    batch, shape, (opset, types, symbolic) = inputs
    graph_state = _Graph(graph.input[[i.name for i in graph.input].index(_data_input(graph, consts))].name,
                         shape, batch, dict(consts), consumers, batch_as_axis, opset, types)
    graph_state.batch_size = BatchSize(symbolic)
    graph_state.narrow = {t.name: t.data_type for t in graph.initializer if t.data_type in NARROW_INTEGERS}
    graph_state.stored = stored_names(graph)
    graph_state.declared = declared_shapes(graph)
    for node in nodes:
        graph_state.add(onnx, node, f"{source}: node {node_label(node)} ({node.op_type})")
    try:
        return assembled(graph_state, graph.output[0].name)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def _data_input(graph, consts: dict) -> str:
    return next(i.name for i in graph.input if i.name not in consts)


class _Graph:
    """Layers built so far, the value each tensor name holds, and the constants.

    Shapes are per sample. With ``batch_as_axis`` (a graph exported at batch 1 that mixes its batch axis with
    others), the graph's batch axis is kept as a per-sample axis of size 1: every ONNX axis is a per-sample axis.
    """

    def __init__(self, input_name: str, input_shape: tuple[int, ...], batch: int, consts: dict,
                 consumers: dict[str, int], batch_as_axis: bool, opset: int, types: dict | None = None):
        self.batch, self.batch_as_axis, self.consts = batch, batch_as_axis, consts
        input_shape = (1,) * batch_as_axis + tuple(input_shape)
        self.consumers = consumers
        """nodes (and the graph output) reading each tensor name"""
        self.produced: dict[int, str] = {}
        self.value = {input_name: 0}
        self.shape = {input_name: input_shape}
        self.layers, self.inputs, self.names = [], [], []
        self.readers: dict[int, int] = {}
        self.opset, self.folds = opset, {}
        """the graph's ONNX opset (the default domain's): some operators changed meaning across versions; the nodes
        of constants folded (:func:`._onnx_reference.node_fold`)"""
        self.types = types or {}
        """tensor name -> 'float', 'int' or 'bool' where ONNX's type inference knows it (:func:`element_types`)"""
        self.sequences: dict[str, list[str]] = {}
        """a sequence's name -> the names of its tensors (:mod:`._onnx_control`)"""
        self.value_tests: dict[str, tuple[str, str]] = {}
        """output of an IsNaN or IsInf node -> (the tensor it tests, the test: ``ops.VALUE_TESTS``)"""
        self.max_pool_pads: dict[str, tuple[str, list[int]]] = {}
        """output of a Pad with -inf -> (the tensor padded, the ONNX pads) (read by a MaxPool, as its padding)"""
        self.matrices: dict[tuple, tuple] = {}
        self.origin: dict = {}
        """the arrays made once per constant, the layer each folded matrix layer came from (:mod:`._onnx_sharing`)"""
        self.made_up: set[str] = set()
        """constants no initializer holds (Constant nodes, values folded from those alone): an exporter's stand-in
        for a parameter the model lacks is one (``_onnx_same_shape.learned``)"""
        self.batch_size = BatchSize("")
        """the constants computed from a symbolic batch size (:mod:`._onnx_batch`)"""
        self.narrow: dict[str, int] = {}
        """constant name -> ONNX type, of the 2- and 4-bit integers (held in 8 bits: a quantiser's range)"""
        self.unbuilt: dict[str, str] = {}
        """an output a node has but the importer does not compute (MaxPool's indices) -> what it is"""
        self.declared: dict[str, tuple[int, ...]] = {}
        """tensor name -> the shape the graph declares for it (0: a free dimension; :func:`declared_shapes`)"""

    def known(self, name: str) -> bool:
        """whether tensor (or sequence) ``name`` has been computed"""
        return any(name in held for held in (self.consts, self.value, self.sequences, self.value_tests,
                                             self.max_pool_pads))

    def add(self, onnx, node, where: str) -> None:
        """Add the layers of ``node`` (or the constants it computes); an output it has that is not computed is
        recorded, for an error naming it where a later node reads it; constants of a 2- or 4-bit integer type, in
        :attr:`narrow`."""
        self._add(onnx, node, where)
        narrow = narrow_type(onnx, node, self.narrow)
        self.narrow.update({out: narrow for out in node.output if narrow and out in self.consts})
        for k, out in enumerate(node.output):
            if out and not self.known(out):
                self.unbuilt[out] = unbuilt_output(onnx, node, k, self.opset, where)

    def _add(self, onnx, node, where: str) -> None:
        check_process_memory(where)  # a clear error, before the machine's out-of-memory killer
        attrs = real_cast(node.op_type, {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}, where)
        names = list(node.input)
        check_domain(node, where)
        if node.op_type == "Constant":
            self.consts[node.output[0]] = constant_attr(attrs, where)
            return self.made_up.add(node.output[0])
        if complex_read := [n for n in names if n in self.consts and np.iscomplexobj(self.consts[n])]:
            raise ValueError(f"{where} reads {complex_read[0]!r}, which holds complex values: cimsim computes with "
                             "real numbers")  # (an unused one is no matter: it had been refused)
        unknown = [n for n in names if n and not self.known(n)]
        if unknown and unknown[0] in self.unbuilt:
            raise ValueError(f"{self.unbuilt[unknown[0]]}; {where.split(': ', 1)[-1]} reads it")
        if unknown:
            raise ValueError(f"{where} reads {unknown}, which no earlier node produced")
        if node.op_type in CONTROL_OPS:  # If, Loop, the sequence operators: the nodes they stand for
            return control_node(self, onnx, node, attrs, where)
        body = None if node.op_type in SUPPORTED_OPS else function_nodes(onnx, self, node, self.opset, where)
        for inner in body or ():  # an operator defined as a function of others: those nodes
            self.add(onnx, inner, f"{where} / function node {inner.op_type}")
        if body is not None:
            return None
        try:
            if any(n in self.max_pool_pads for n in names):
                names, attrs = max_pool_padding(self, node.op_type, names, attrs)
            if node.op_type != "Where":  # a recorded IsNaN or IsInf read by another node: computed for it
                names = [materialized(self, n, node.name or node.output[0]) for n in names]
            names = older_form(self, node.op_type, attrs, names, list(node.output), node.name or node.output[0])
            if names is None:  # built there (ImageScaler)
                return None
            data = [n for n in names if n in self.value]
            if node.op_type in SUPPORTED_OPS:  # others are refused by name below
                check_node(onnx, node, self.opset, where)
            if node.op_type == "Shape" and data:
                full, start = self.full_shape(data[0]), attrs.get("start", 0)
                self.consts[node.output[0]] = np.array(full[start:attrs.get("end")], dtype=np.int64)
                self.batch_size.shape_read(node.output[0], len(self.consts[node.output[0]]),
                                           start if start >= 0 else max(start + len(full), 0),
                                           f"{node_label(node)} (Shape of {data[0]!r})")
                return
            if not data and node.op_type in SUPPORTED_OPS and node.op_type not in FOLDED_BY_HANDLER:
                operands = [self.consts[n] if n else None for n in names]
                values = node_fold(onnx, self, node, names, attrs, operands)
                for out, value in zip(node.output, values):
                    self.consts[out] = value
                if all(n in self.made_up for n in names if n):
                    self.made_up.update(node.output)
                return self.batch_size.folded(onnx, node.op_type, attrs, names, self.consts, list(node.output))
            self.batch_size.check(node.op_type, names)
            layer_for(self, node.op_type, attrs, names, list(node.output), node.name or node.output[0])
        except ValueError as exc:  # BatchAxisError stays one: the import retries with the batch as an axis
            raise type(exc)(f"{where}: {exc}") from None
        except (KeyError, IndexError, TypeError, AttributeError, ArithmeticError, MemoryError) as exc:
            # what numpy or a handler says of operands of a malformed graph that the checks above let through
            raise ValueError(f"{where}: malformed node ({type(exc).__name__}: {exc})") from None

    # ---- used by the operator handlers of _onnx_ops -------------------------------------------------------
    def is_data(self, name: str) -> bool:
        return name in self.value

    def full_shape(self, name: str) -> tuple[int, ...]:
        """The ONNX shape of tensor ``name``, batch axis included."""
        return self.shape[name] if self.batch_as_axis else (self.batch,) + self.shape[name]

    def full_ndim(self, name: str) -> int:
        return len(self.full_shape(name))

    def sample_shape(self, full: tuple[int, ...]) -> tuple[int, ...]:
        """The per-sample shape of an ONNX shape ``full``; BatchAxisError when its first axis is not the batch."""
        if self.batch_as_axis:
            return tuple(full)
        if not full or full[0] != self.batch:
            raise BatchAxisError(f"shape {list(full)} mixes the batch axis (exported with batch "
                                 f"{self.batch_size.symbolic or self.batch}) with others")
        return tuple(full[1:])

    def operand(self, names: list[str], k: int, what: str):
        """The constant that is input ``k`` of a node, None where the node does not give it; ValueError where it is
        computed from the activations (``what`` names it)."""
        if len(names) <= k or not names[k]:
            return None
        if names[k] not in self.consts:
            raise ValueError(f"{what} (input {k}) must be a constant; here it is computed from the activations")
        return self.consts[names[k]]

    def onnx_axis(self, axis: int, name: str, extra: int = 0) -> int:
        """An ONNX axis of tensor ``name`` (of its rank + ``extra``: Unsqueeze's output) from 0; ValueError outside
        [-rank, rank)."""
        rank = self.full_ndim(name) + extra
        if not -rank <= int(axis) < rank:
            raise ValueError(f"axis {axis} is outside [-{rank}, {rank}) for a tensor of rank {rank}")
        return int(axis) % rank

    def sample_axis(self, axis: int, name: str) -> int:
        """An ONNX axis of tensor ``name`` as a per-sample axis; BatchAxisError for the batch axis, ValueError
        outside [-rank, rank)."""
        a = self.onnx_axis(axis, name)
        if self.batch_as_axis:
            return a
        if a == 0:
            raise BatchAxisError(f"axis {axis} is the batch axis; only per-sample axes are supported")
        return a - 1

    def sample_constant(self, const: np.ndarray, name: str) -> np.ndarray:
        """A constant broadcast against tensor ``name`` (ONNX rules), as an array broadcast against one sample (one
        whose batch axis repeats the same values, as position tables gathered per sample: its first)."""
        c, nd = np.asarray(const, dtype=np.float64), self.full_ndim(name)
        if c.ndim > nd:
            raise ValueError(f"a constant of shape {c.shape} has more axes than the tensor ({nd})")
        if c.ndim == nd and not self.batch_as_axis:
            if not np.array_equal(c, np.broadcast_to(c[:1], c.shape), equal_nan=True):
                raise ValueError(f"a constant of shape {c.shape} varies over the batch axis")
            c = c[0]
        return c

    def append(self, layer, reads: list[str], out: str, name: str) -> None:
        """Add ``layer`` reading the tensors ``reads``; its output is tensor ``out``."""
        values = [self.value[r] for r in reads]
        shape = layer.output_shape(*(self.shape[r] for r in reads))
        bounded(prod(shape), f"its output, shape {tuple(shape)} per sample,", MAX_SAMPLE_VALUES)
        self.layers.append(layer)
        self.inputs.append(tuple(values))
        self.names.append(name)
        for v in values:
            self.readers[v] = self.readers.get(v, 0) + 1
        self.value[out], self.shape[out] = len(self.layers), tuple(shape)
        self.produced[len(self.layers)] = out

    def append_per_image(self, layer, reads: list[str], out: str, name: str) -> None:
        """Add a layer that takes (C, H, W) per sample (conv, pooling): with the batch kept as an axis of size 1,
        between reshapes that drop that axis and put it back."""
        if not self.batch_as_axis:
            return self.append(layer, reads, out, name)
        shape = self.shape[reads[0]]
        if shape[0] != 1:
            return per_stacked_image(self, layer, reads[0], out, name)
        self.append(Reshape(shape[1:]), reads, f"{out}#image", name)
        self.append(layer, [f"{out}#image"], f"{out}#out", name)
        self.append(Reshape((1,) + self.shape[f"{out}#out"]), [f"{out}#out"], out, name)

    def alias(self, out: str, name: str) -> None:
        """Tensor ``out`` holds the same value as ``name`` (Identity, Dropout, a no-op reshape)."""
        self.value[out], self.shape[out] = self.value[name], self.shape[name]

    def sole_producer(self, name: str):
        """(index, layer) of the layer that produced ``name`` when the node at hand is its only reader (so the
        layer may absorb that node), else None."""
        v = self.value[name]
        if v == 0 or self.readers.get(v, 0) or self.produced[v] != name or self.consumers.get(name, 0) != 1:
            return None
        return v - 1, self.layers[v - 1]

    def replace(self, index: int, layer) -> None:
        self.origin[layer] = self.origin.get(self.layers[index], self.layers[index])
        self.layers[index] = layer
