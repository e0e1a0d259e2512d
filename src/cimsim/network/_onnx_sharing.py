"""Weight sharing at ONNX import: the nodes that read one weight initializer (a module applied at several places, as
ALBERT's repeated blocks, which torch exports as one initializer, or an ``Identity`` of it; TridentNet's one kernel
at three dilations; one kernel with a bias per branch) get layers that hold one weight array object, which
:class:`~cimsim.network.Network` takes for one matrix, programmed once and read at each place, whatever bias and
geometry each place has.

The handlers build their layers from :func:`derived` arrays, made once per constant (and values: a Gemm and a MatMul
reading one initializer); a bias or batch norm folded in later makes a new layer at that place (``_Graph.replace``
records which layer it came from), and :func:`unified` gives the layers of one matrix, folded or not, that still
hold equal weights (or biases) one array again.
"""

from __future__ import annotations

import functools
import hashlib
import math
import warnings
from collections import Counter, defaultdict
from dataclasses import replace

import numpy as np

from ._onnx_checks import node_label
from ._onnx_functions import live_nodes
from .layers import MatrixLayer

__all__ = ["derived", "read_alike", "stored_names", "unified", "shared_note", "SAME_MATRIX"]


def derived(g, const: np.ndarray, how, make=None) -> np.ndarray:
    """``make(const)`` (None: ``const`` itself) as a read-only float64 array, made once per constant of the graph
    ``g`` and ``how`` (hashable: what ``make`` does), so that the layers built with it hold one object; one made
    another way from the same constant with the same values is that array too (a Gemm's untransposed B and a
    MatMul's B, both read from one initializer: one matrix)"""
    key = (id(const), how)
    if key not in g.matrices:
        array = np.array(np.asarray(const) if make is None else make(np.asarray(const)), dtype=np.float64)
        array.setflags(write=False)
        made = g.matrices.setdefault(("made from", id(const)), (const, []))[1]  # the arrays of this constant
        array = next((a for a in made if a.shape == array.shape and np.array_equal(a, array)), array)
        if not any(a is array for a in made):
            made.append(array)
        g.matrices[key] = (const, array)  # the constant kept: its id stays unique while the key lives
    return g.matrices[key][1]


def stored_names(graph) -> frozenset[str]:
    """the tensors of ``graph`` an initializer or a Constant node holds by its own name (not an exporter's Identity
    of one: :func:`read_alike`)"""
    return frozenset(t.name for t in graph.initializer) | {o for n in graph.node if n.op_type == "Constant"
                                                           for o in n.output}


def read_alike(g, held: str, const: np.ndarray, data: str, how: str = "", make=None) -> np.ndarray:
    """``const`` (tensor ``held``) as broadcast against tensor ``data`` (``g.sample_constant``), then ``make``
    (``how``: its name; a Sub's negation, a Div's reciprocal): one array at every place that reads an initializer by
    its own name alike (a shared norm's gain and shift, decomposed below opset 17; a bias added after a MatMul that a
    Gemm reads too: each place had counted its own, a probe), a new one for any other constant (an exporter's
    Identity of initializers it merged by value: from_torch keeps those apart) and at another rank"""
    def per_sample(k: np.ndarray) -> np.ndarray:
        c = g.sample_constant(k, data)
        return c if make is None else make(c)
    if held not in g.stored:
        return per_sample(const)
    return derived(g, const, ("per sample", g.full_ndim(data), g.batch_as_axis, how), per_sample)


def unified(layers: list, origin: dict) -> list:
    """``layers`` with each matrix layer, folded (``origin``: folded layer -> the layer it came from) or not, whose
    weights (bias) equal those of an earlier layer from the same matrix given that layer's array: one matrix (one
    bias) again (a Gemm's bias and a MatMul's Add of it folded in)"""
    places = Counter(origin.get(layer, layer).matrix_key for layer in layers if isinstance(layer, MatrixLayer))
    first: dict[tuple, np.ndarray] = {}
    out = []
    for layer in layers:
        if isinstance(layer, MatrixLayer) and places[origin.get(layer, layer).matrix_key] > 1:
            root = origin.get(layer, layer).matrix_key
            weight = first.setdefault((root, "weight", _digest(layer.weight)), layer.weight)
            bias = None if layer.bias is None else first.setdefault((root, "bias", _digest(layer.bias)), layer.bias)
            if weight is not layer.weight or bias is not layer.bias:
                layer = replace(layer, weight=weight, bias=bias)
        out.append(layer)
    return out


def _digest(array: np.ndarray) -> tuple:
    """the shape and a digest of the values of ``array``"""
    return array.shape, hashlib.sha256(np.ascontiguousarray(array)).hexdigest()


def _made_of(graph, nodes: list, constants: set[str]) -> tuple[dict[str, tuple], set[str], dict[str, str]]:
    """(tensor -> how it is made of an initializer or Constant node's tensor (``constants``: their outputs): (that
    tensor's name, the operators, other inputs and attributes of :data:`SAME_MATRIX` steps, an Identity none: one
    matrix however often made so; ('node', output) for another step, one tensor where it is read twice: a Reshape),
    in graph order, chains too; the tensors computed from constants alone; an Identity's output -> the tensor it
    passes). A tensor of two or more axes is a matrix
    at once; another only once a step made it (a flat weight reshaped)."""
    flat = {t.name for t in graph.initializer if len(t.dims) < 2} | {
        n.output[0] for n in nodes if n.op_type == "Constant" and not any(
            a.name == "value" and len(a.t.dims) >= 2 for a in n.attribute)}
    fixed = {t.name for t in graph.initializer} | constants  # tensors of constants alone
    alias = {name: (name,) for name in fixed - flat}  # (a flat tensor is a matrix once a step made it one)
    same: dict[str, str] = {}  # a scale through an Identity is that scale (a review)
    for n in nodes:
        if n.op_type == "Identity" and n.input:
            same[n.output[0]] = same.get(n.input[0], n.input[0])
        if not all(name in fixed for name in n.input if name):
            continue  # (a step of an activation makes no weight)
        fixed.update(n.output)  # (a product of constants alone too: folded, no layer)
        if n.op_type in _MATRIX_OPS:
            continue
        first = n.input[0] if n.input else ""
        made = alias.get(first) or ((first,) if first in flat else None)
        if made is None:
            continue
        if n.op_type in SAME_MATRIX and first in alias:
            how = () if n.op_type == "Identity" else (n.op_type, *(same.get(i, i) for i in n.input[1:]),
                                                      *(str(a) for a in n.attribute))
            alias[n.output[0]] = (*made, *how)
        else:  # each output its own (a Split's)
            alias.update((out, (*made, "node", out)) for out in n.output)
    return alias, fixed, same


def _values(array: np.ndarray) -> tuple | bytes:
    """a scale's or zero point's values as the importer compares them: one value where all are equal (a per-tensor
    scale and a per-channel one of equal values, float16 and float32), else their float64 bytes"""
    flat = np.asarray(array, dtype=np.float64).ravel()
    return (float(flat[0]),) if flat.size and (flat == flat[0]).all() else flat.tobytes()


def _weights_read(node, alias: dict[str, tuple], value) -> list[tuple]:
    """how each weight matrix a matrix ``node`` reads is made (:func:`_made_of`), once each, at its weight inputs
    (:data:`_MATRIX_OPS`: not a bias, a scale or a zero point): a Gemm's B^T or B x alpha, a ConvTranspose's kernel
    and a quantised weight at scales of other values (``value``: a constant's name -> its values) are other
    matrices than a MatMul's B or a Conv's, and a constant left of a product is its own (each had been said shared or
    unsaid: reviews)"""
    attrs = {a.name: a for a in node.attribute}
    transposed = "transB" in attrs and attrs["transB"].i
    made = []
    for k in _MATRIX_OPS.get(node.op_type, ()):
        if k < len(node.input) and node.input[k] in alias:
            how = alias[node.input[k]] + (("transB",) if transposed and k > 0 else ()) + (
                ("alpha", attrs["alpha"].f) if "alpha" in attrs and attrs["alpha"].f != 1 else ()) + (
                (node.op_type,) if node.op_type == "ConvTranspose" else ()) + tuple(  # a QLinear weight's scales
                value(name) if name else (0.0,) for name in ([*node.input[k + 1:k + 3], "", ""][:2]
                                                       if node.op_type[0] == "Q" else ()))  # (an omitted zero point: 0)
            left = k == 0 and node.op_type in ("MatMul", "QLinearMatMul", "MatMulInteger")  # a float one: its own
            made.append((*how, "left of", node.name or node.output[0] if node.op_type == "MatMul" else "") if left
                        else how)
    return list(dict.fromkeys(made))


_MATRIX_OPS = {"MatMul": (0, 1), "Gemm": (0, 1), "Conv": (1,), "ConvTranspose": (1,), "MatMulInteger": (0, 1),
               "ConvInteger": (1,), "QLinearMatMul": (0, 3), "QLinearConv": (3,), "QGemm": (0, 3)}
"""the operators whose matrix (or kernel) initializer a layer programs into arrays -> the inputs that may hold it"""


SAME_MATRIX = {"Identity", "DequantizeLinear", "Cast", "Transpose"}
"""operators whose output of a weight initializer is that weight's values, rearranged for a Transpose, folded once:
one array, one matrix, for each way it is made (two Transposes of one initializer, a module applied twice in an
export without constant folding, had been one or two matrices as the exporter's flag chose: a review)"""


def shared_note(graph, source: str) -> None:
    """Warn where several matrix nodes of ``graph`` (an ONNX GraphProto read from the file ``source``) read one
    initializer or Constant node's tensor (:func:`_weights_read`): priced as one shared matrix, programmed once,
    which is right for a module applied at several places (ALBERT) but not for distinct layers an exporter merged
    because they held equal values (torch merges equal initializers: an untrained ``nn.TransformerEncoder``'s deep
    copies). A recurrent node's own matrices, shared by its steps, are one node's: not warned of."""
    nodes = live_nodes(graph, source)
    constants = {n.output[0] for n in nodes if n.op_type == "Constant"
                 and any(a.name in ("value", "value_floats") for a in n.attribute)}
    from onnx import numpy_helper

    (alias, fixed, same), readers = _made_of(graph, nodes, constants), defaultdict(list)
    tensors = {t.name: t for t in graph.initializer} | {
        n.output[0]: a.t for n in nodes if n.op_type == "Constant" for a in n.attribute if a.name == "value"}

    @functools.cache
    def value(name: str) -> tuple | bytes | str:
        """a scale's or zero point's values (:func:`_values`; by value, as the importer makes one matrix: reviews),
        read only where looked up, of a number tensor of up to 2**20 values; else its name"""
        t = tensors.get(same.get(name, name))
        if t is None or math.prod(t.dims) > 1 << 20:
            return name
        array = numpy_helper.to_array(t)
        return _values(array) if array.dtype.kind in "biuf" else name
    for node in nodes:  # the imported ones (a dead reader is not priced; one of constants alone is folded)
        if not all(name in fixed for name in node.input if name):
            for made in _weights_read(node, alias, value):
                readers[made].append(node_label(node))
    shared = {made: nodes for made, nodes in readers.items() if len(nodes) > 1}
    if not shared:
        return
    listed = "; ".join(f"{made[0]!r} by {', '.join(nodes[:-1])} and {nodes[-1]}"
                       for made, nodes in list(shared.items())[:3])
    more = f" (and {len(shared) - 3} more)" if len(shared) > 3 else ""
    kind = " or ".join(sorted({f"Constant node{'s' * (len(shared) > 1)}" if made[0] in constants else
                               f"initializer{'s' * (len(shared) > 1)}" for made in shared}, reverse=True))
    warnings.warn(f"{source}: {len(shared)} weight {kind} {'are' if len(shared) > 1 else 'is'} each read by "
                  f"several nodes ({listed}{more}), priced as one shared matrix, programmed once, as a module applied "
                  "at several places is. Exporters merge initializers of equal values (torch's does), so distinct "
                  "layers that still hold equal weights (untrained copies) come out as one: if the model's are "
                  "distinct, import it with cimsim.network.from_torch, which keeps them apart", UserWarning,
                  stacklevel=3)
