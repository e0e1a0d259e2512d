"""A network graph (:class:`cimsim.network.Network`: from .npz, ONNX or PyTorch) as a shapes-only :class:`Model`.

Each matrix layer becomes a static :class:`MatrixOp` (a grouped conv: ``groups`` blocks of in_ch / groups x k x k
inputs; a transposed conv: the ``tap_fraction`` of its products that meet input values), each activation product
an ``activation`` MatrixOp, and each digital layer a :class:`VectorOp` of the vector unit's kind that does its work
(``DIGITAL_KINDS``); biases added after the crossbars are ``add`` ops.
Data movement (reshape, transpose, slice, concat, flatten, pad, upsample, dilate, a nearest resize's one-hot
interpolation, a scatter that writes) costs no vector-unit operation, a scatter that combines (scatter_add) one per
update; a linear resize costs a multiply and an add per weight it applies. An
embedding lookup is a memory read: its table counts as parameters kept in DRAM (``Model.dram_parameters``), unless
a matrix layer holds the same weights (a head tied to the token embeddings: counted once, on the crossbars); the
rows it reads are read from DRAM per item. Matrices that read the same input vectors are one op of their outputs
side by side (:func:`cimsim.models.fusion.fused`: Q, K and V, as the shapes route builds them).

Parameters (``Model.parameters``) are the trained values the network holds, each array once however many places read
it: matrix weights and biases (a shared matrix layer's once), norm gains and shifts, embedding tables (each content
once), and the constants of digital layers that are per-channel or per-feature vectors (one axis longer than 1: a
batch norm kept as scale and shift, a vision transformer's class token, not zeros joined on as padding). A scalar
constant is the arithmetic's (GELU's 1 / sqrt 2, an attention scale), a vector of evenly spaced integers an index grid
(the classes ``one_hot`` compares against, position ids) and a constant of several axes longer than 1 an expansion
whose source the network does not keep (BERT's position rows for the example's tokens, Swin's relative-position bias
per window, an attention mask), and a scale or shift that is a mask along a position axis of the example
(:func:`.network_parameters.positional`: DeBERTa's ones for its tokens, a padding mask's zeros): none counts, so the
count does not change with the example's length.
Unlike torch's count, then: no position table (ViT's, added whole, neither), a batch norm folded into the matrix
before it counts C (the bias) for torch's 2 C, a recurrent layer's W and R biases summed at import count once
(docs/models.md), a digital layer applied at several places counts once where the import reads one initializer
there by its name, alike (a shared LayerNorm's gains), and at each place where the export gives each its own copy
(a loop over the tokens unrolled by the export, an exporter's alias of initializers it merged) or two operators read
it differently (x * w and x / w: docs/networks.md), and a matrix read transposed
(a tied decoder) is a second matrix (``Network``: weight sharing), counted again.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np

from ..analytic import DataStats
from ..argcheck import check_int, checked_types
from ..footprint import GIB, machine_memory_bytes
from ..network import ActivationMatMul, Conv2d, Conv3d, Dense, Network
from ..network.layers import DigitalLayer
from ..network.ops import VALUE_TESTS
from ..numerics.samples import SAMPLE_VALUES, SAMPLE_VECTORS, sample_vectors, weight_sample_rows
from .fusion import fused, operand_repeats, sibling_key
from .network_parameters import counted, memory_parameters, positional
from .ops import MatrixOp, Model, VectorOp
from .routed_shares import scaled, work_shares

__all__ = ["model_from_network", "input_samples", "sample_rows", "check_pass_memory", "DIGITAL_KINDS",
           "SAMPLE_ITEMS", "SAMPLE_VALUES", "SAMPLE_VECTORS"]

_UNARY_KINDS = {"sigmoid": "tanh", "tanh": "tanh", "erf": "erf", "gelu": "gelu", "gelu_tanh": "gelu",
                "silu": "silu", "hardswish": "hardswish", "softplus": "softplus", "exp": "exp", "log": "exp",
                "sqrt": "mul", "reciprocal": "mul", "abs": "add", "neg": "add", "step": "max",
                "round": "add", "trunc": "add", "int_trunc": "add", "floor": "add", "ceil": "add", "sign": "relu6",
                "float16": "add", "bfloat16": "add",  # a cast rounding to a narrower float
                # the tests of non-finite values and their replacements by 0: a compare (and a select) per value
                **dict.fromkeys([*VALUE_TESTS, *(f"{name[2:]}_to_zero" for name in VALUE_TESTS)], "max"),
                **dict.fromkeys(("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
                                 "atanh"), "tanh")}  # a transcendental function: priced as tanh
_ELEMENTWISE_KINDS = {"add": "add", "sub": "add", "max": "max", "min": "max", "mul": "mul", "div": "mul"}
DIGITAL_KINDS = {"relu": "relu", "clip": "relu6", "softmax": "softmax", "layernorm": "layernorm", "rmsnorm": "rmsnorm",
                 "mean": "add",
                 "argmax": "max", "topk": "max", "select": "max",
                 "maxpool2d": "max", "avgpool2d": "add", "globalavgpool2d": "add"}
"""digital layer kind -> vector-unit kind (unary and elementwise layers go by their function)"""
_MOVES = {"reshape", "transpose", "slice", "concat", "join_constant", "flatten", "pad", "upsample", "dilate",
          "embedding", "scatter", "take_along", "put_along", "constant"}


def _positions(network: Network, tokens: int) -> set[int]:
    """the lengths of the example's position axes, which another example's length changes: every axis of token ids
    (``tokens`` above 1, :func:`_tokens`), all but the last (the features) of a float input of two axes (a sequence),
    all but the first (the channels) of one of three or more (an image); none of a vector"""
    axes = network.input_shape
    return set(axes if tokens > 1 else axes[:-1] if len(axes) == 2 else axes[1:])


def _vector_ops(layer: DigitalLayer, name: str, shapes: list[tuple[int, ...]], seen: set[int],
                positions: set[int]) -> list[VectorOp]:
    """the vector-unit ops of a digital layer, with the parameters it holds that no earlier op counted (``seen``);
    none for a mask along a position axis of the example (``positions``, :func:`.network_parameters.positional`)"""
    if getattr(layer, "reduction", "none") != "none":  # a scatter that combines: one operation per update
        return [VectorOp(name, _ELEMENTWISE_KINDS[layer.reduction], math.prod(shapes[1]))]
    if layer.kind in _MOVES:
        return []
    if layer.kind == "unary":
        return [VectorOp(name, _UNARY_KINDS[layer.function], layer.work(*shapes))]
    if layer.kind == "elementwise":
        return [VectorOp(name, _ELEMENTWISE_KINDS[layer.op], layer.work(*shapes))]
    if layer.kind == "affine":  # a scalar scale is folded into the quantisation scales (free: cost.vector_unit)
        n = layer.work(*shapes)
        return [VectorOp(f"{name}/{part}", kind, n, 0 if positional(getattr(layer, part), shapes[0], positions)
                         else counted(getattr(layer, part), seen, vectors_only=True))
                for part, kind in (("scale", "mul"), ("shift", "add")) if getattr(layer, part) is not None
                and not (part == "scale" and np.size(layer.scale) == 1)]
    if layer.kind == "interpolate" and layer.selects:  # a nearest resize only moves data
        return []
    if layer.kind in ("interpolate", "gridsample"):  # a multiply and an add per non-zero weight (a grid sample: per
        # tap) and position; the weights are computed, not stored
        return [VectorOp(f"{name}/{part}", part, layer.work(*shapes)) for part in ("mul", "add")]
    if layer.kind in ("mean", "max"):  # one add or compare per value reduced
        return [VectorOp(name, "add" if layer.kind == "mean" else "max", layer.work(*shapes))]
    if layer.kind == "clip":  # a compare per finite bound and value (clamp(min=0), a ReLU, had been priced as ReLU6)
        bounds = sum(b is not None and math.isfinite(b) for b in (layer.low, layer.high))
        return [VectorOp(name, ("relu", "relu6")[bounds - 1], layer.work(*shapes))] if bounds else []
    if layer.kind not in DIGITAL_KINDS:
        raise ValueError(f"layer {name!r} ({layer.kind}) has no vector-unit cost model")
    parameters = sum(counted(getattr(layer, part, None), seen) for part in ("weight", "bias"))
    return [VectorOp(name, DIGITAL_KINDS[layer.kind], layer.work(*shapes), parameters)]


def check_pass_memory(network: Network) -> None:
    """ValueError before a float forward pass of one sample that would need more than this machine's memory: 8 bytes
    per value it may hold (:meth:`Network.pass_values`, as ``cimsim validate`` counts them), naming the largest"""
    (activations, rows), total = network.pass_values(), machine_memory_bytes()
    if total is None or 8 * (activations + rows) <= total:
        return
    shapes = network.shapes()
    k = max(range(len(network.layers)), key=lambda j: math.prod(shapes[j + 1]))
    raise ValueError(f"the network's float forward pass of one sample would need {8 * (activations + rows) / GIB:.3g} "
                     f"GiB ({activations} activation and {rows} input-row values, float64; the largest, layer {k} "
                     f"({network.layers[k].kind}, {network.names[k]!r}): shape {shapes[k + 1]}), more than this "
                     f"machine's memory ({total / GIB:.3g} GiB)")


SAMPLE_ITEMS = 16
"""network inputs, at most, whose float forward pass measures each matrix's data (:func:`input_samples`)"""


def sample_rows(network: Network, n: int, samples: int = SAMPLE_ITEMS) -> np.ndarray:
    """The rows of ``n`` inputs whose float forward pass :func:`input_samples` makes: round(linspace(0, n - 1, m)), m
    enough for every matrix to see :func:`.samples.sample_vectors` vectors, at most ``samples`` and ``n``."""
    passes = min(samples, n, max((-(-sample_vectors(s.in_features) // max(s.rows_per_sample, 1))
                                  for s in network.matrix_shapes()), default=1))
    return np.round(np.linspace(0, n - 1, passes)).astype(int)


@checked_types
def input_samples(network: Network, inputs, samples: int = SAMPLE_ITEMS) -> list[tuple[DataStats, np.ndarray]]:
    """For each matrix of :meth:`Network.matrix_layers`, from a float forward pass of rows of ``inputs`` evenly
    spaced over them (:func:`sample_rows`, one at a time): its zero shares (of the values it multiplies, over
    all its places; of its weights) and :func:`.samples.sample_vectors` input vectors (evenly spaced over all the
    passes' vectors, in order) to measure their codes on. ``inputs``: one sample or more,
    (samples, *network.input_shape), else a ValueError naming them; a ValueError too, before anything runs, where
    one sample's pass would not fit in this machine's memory (:func:`check_pass_memory`)."""
    samples = check_int("samples", samples, 1)
    inputs = network._checked_input(inputs, "inputs")  # (batch, *input_shape), real and finite
    if not len(inputs):
        raise ValueError(f"inputs must hold one sample at least; got shape {inputs.shape}")
    check_pass_memory(network)
    zeros: dict[int, list[int]] = {}
    kept: dict[int, list[np.ndarray]] = {}
    shapes, rows_read = network.matrix_shapes(), sample_rows(network, len(inputs), samples)
    passes = len(rows_read)

    def count(index: int, layer, rows: np.ndarray) -> np.ndarray:
        seen = zeros.setdefault(index, [0, 0])
        start = seen[1] // rows.shape[1]  # the matrix's vectors before these, over the passes and places
        seen[0] += rows.size - int(np.count_nonzero(rows))
        seen[1] += rows.size
        total = passes * shapes[index].rows_per_sample
        spots = np.round(np.linspace(0, total - 1, min(sample_vectors(rows.shape[1]), total))).astype(int)
        kept.setdefault(index, []).append(rows[spots[(spots >= start) & (spots < start + len(rows))] - start])
        return layer.product(rows)

    matrices = network.matrix_layers()
    for k in rows_read:
        network.forward(inputs[k:k + 1], count)
    return [(DataStats(zeros[k][0] / zeros[k][1] if zeros.get(k, (0, 0))[1] else 0.0,
                       float(np.mean(layer.weight == 0))),
             np.concatenate(kept[k]) if k in kept else np.zeros((0, layer.matrix_shape[1])))
            for k, layer in enumerate(matrices)]


@checked_types
def model_from_network(network: Network, name: str = "network", inputs=None) -> Model:
    """The shapes-only model of ``network``, one item = one inference (of a network of token ids, its tokens per item
    those :func:`_tokens` counts, for per-token figures; of one token id, a token). A matrix shared by several
    places of the graph is one static op, at its first place, with the vectors and inputs of all its places
    (``MatrixOp.places``: each place's vectors, ``MatrixShape.rows_per_use``). Each static op holds its weights'
    share of zeros; with sample ``inputs``, its inputs' too (:func:`input_samples`), and samples of its input
    vectors and weight rows (a grouped op's: each group's), priced at their codes and levels. Its ``parameters``
    count each stored array once (module doc: what counts), whatever the example's length."""
    samples = input_samples(network, inputs) if inputs is not None else None
    measured = None if samples is None else [stats for stats, _ in samples]
    values, taps = network.shapes(), [shape.tap_fraction for shape in network.matrix_shapes()]
    ops, shared, siblings = [], {}, {}  # matrix index -> its op's position in ops; that position -> sibling_key
    seen: set[int] = set()  # the arrays whose parameters an op holds already
    item, tokens = _tokens(read := _ids_looked_up(network))
    positions, places = _positions(network, tokens), Counter(network.matrix_indices())
    for layer, reads, layer_name, index, share in zip(network.layers, network.inputs, network.names,
                                                      network.matrix_indices(), work_shares(network)):
        shapes = [values[v] for v in reads]
        if isinstance(layer, ActivationMatMul):
            (a, b), out = shapes, layer.output_shape(*shapes)
            groups, copies = math.prod(out[:-2]), operand_repeats(network, reads[1], values)
            copies = copies if groups % copies == 0 else 1  # each key / value head once, for its query heads
            ops.append(MatrixOp(layer_name, a[-1], b[-1], a[-2] * copies, "activation", groups // copies))
        elif isinstance(layer, DigitalLayer):
            ops.extend(scaled(_vector_ops(layer, layer_name, shapes, seen, positions), share))
        else:
            vectors = layer.rows_per_sample(shapes[0])
            conv, held = isinstance(layer, (Conv2d, Conv3d)), network.held_value(reads[0])  # a map's stored values
            groups = layer.groups if conv else 1
            out, inp = layer.matrix_shape
            zero_inputs = None if measured is None else measured[index].input_zero_fraction
            per = layer.weight[0].size if conv else inp  # the inputs of one group
            rows = None if samples is None else samples[index][1].reshape(-1, per)  # a vector per group
            weights = layer.weight.reshape(len(layer.weight), per)  # each output's weights, within its group
            op = MatrixOp(layer_name, per, out // groups, vectors, "static", groups,
                          input_elements_per_item=math.ceil(math.prod(values[held]) * layer.routed_fraction),
                          routed_fraction=layer.routed_fraction,  # a routed expert: its share of the tokens
                          tap_fraction=taps[index],  # a transposed conv: the share of its taps meeting inputs
                          input_zero_fraction=zero_inputs, weight_zero_fraction=float(np.mean(layer.weight == 0)),
                          input_sample=rows if rows is not None and len(rows) else None,
                          weight_sample=None if rows is None else weights[weight_sample_rows(weights)])
            if index in shared:  # another place of a shared matrix: its vectors, a place more of its op
                first = ops[shared[index]]
                ops[shared[index]] = replace(first, vectors_per_item=first.vectors_per_item + vectors,
                                             input_elements_per_item=first.input_elements_per_item
                                             + op.input_elements_per_item,
                                             places=(*(first.places or (first.vectors_per_item,)), vectors))
            else:
                shared[index] = len(ops)
                siblings[len(ops)] = sibling_key(layer, reads[0], places[index], op)
                ops.append(op)
            if layer.bias is not None:
                ops.append(VectorOp(f"{layer_name}/bias", "add", op.routed_elements(out), counted(layer.bias, seen)))
    if not any(isinstance(layer, (Dense, Conv2d, Conv3d)) for layer in network.layers):
        raise ValueError(f"network {name!r} has no matrix layer to put on crossbars")
    matrices = fused(list(ops), siblings)
    return Model(name, item, matrices, _dram_inputs(network, values, read), math.prod(network.output_shape),
                 tokens_per_item=tokens, dram_parameters=memory_parameters(network, seen),
                 source="network file" + _fusion_note(len(ops) - len(matrices)) + _zeros_note(measured))


def _fusion_note(joined: int) -> str:
    """what fusing ``joined`` matrices into the ops of others changed, for the model's source line (estimate prices
    them apart: docs/models.md, Limits)"""
    if not joined:
        return ""
    return (f"; {joined} matri{'x' if joined == 1 else 'ces'} reading the same input as another fused with it, the "
            "arrays read at once (`cimsim estimate` / `compare` price each matrix as a stage of its own)")


_ID_MOVES = {"reshape", "transpose", "slice", "flatten", "concat"}
"""data movements after which values of the input are still its token ids, one each (a concat of ids alone)"""


def _ids_looked_up(network: Network) -> list[np.ndarray]:
    """for each embedding layer that looks up the network's input as token ids (reading it directly or after
    :data:`_ID_MOVES` or a join of constant ids), the positions it reads (the input's flat indices, moved as the ids
    are; a joined constant id's a negative one of its own: a prepended class token is a token)"""
    flat = np.arange(math.prod(network.input_shape), dtype=np.float64)
    values, read, joined = {0: flat.reshape((1, *network.input_shape))}, [], 0  # value 0: the input
    for k, (layer, reads) in enumerate(zip(network.layers, network.inputs)):
        if layer.kind == "embedding" and reads[0] in values:
            read.append(values[reads[0]])
        elif layer.kind in _ID_MOVES and reads and all(v in values for v in reads):
            values[k + 1] = layer(*(values[v] for v in reads))  # value k + 1: layer k's output
        elif layer.kind == "join_constant" and reads[0] in values:  # ids joined by constant ones (a class token's):
            own = -1.0 - joined - np.arange(layer.constant.size).reshape(layer.constant.shape)  # positions of their
            values[k + 1], joined = replace(layer, constant=own)(values[reads[0]]), joined + layer.constant.size  # own
    return read


def _tokens(read: list[np.ndarray]) -> tuple[str, int]:
    """(its item, the tokens of one) of a network whose input is token ids, its lookups reading the input positions
    ``read`` (:func:`_ids_looked_up`): each position once (a pair's halves looked up apart are all its tokens; the
    same ids read by two tables, one token each; the most ids one lookup read had been taken: half a pair's tokens, a
    models probe), an inference, or of one token id a token (a decode step: it had no per-token figures, an LLM
    probe); ("inference", 1) for any other network"""
    tokens = int(np.unique(np.concatenate([r.ravel() for r in read])).size) if read else 1
    return ("token" if read and tokens == 1 else "inference"), tokens


def _dram_inputs(network: Network, shapes: list, read: list[np.ndarray]) -> int:
    """the activations read from DRAM per inference: the network's input unless it is token ids (its lookups read
    positions ``read``, :func:`_ids_looked_up`), and the rows every embedding lookup reads (its table kept in DRAM,
    :func:`.network_parameters.memory_parameters`), as the shapes route reads a decoder's token embeddings"""
    rows = sum(math.prod(shapes[k + 1]) for k, layer in enumerate(network.layers) if layer.kind == "embedding")
    return rows + (0 if read else math.prod(network.input_shape))


def _zeros_note(measured: list[DataStats] | None) -> str:
    """how the ops' zero inputs were measured, for the model's source line"""
    if measured is None:
        return ""
    shares = [z.input_zero_fraction for z in measured]
    listed = (", ".join(f"{z:.0%}" for z in shares) + " by matrix layer" if len(shares) <= 8 else
              f"{min(shares):.0%}-{max(shares):.0%} over the network's {len(shares)} matrix layers (before those "
              f"reading one input are fused), mean {np.mean(shares):.0%}")
    return (f"; zero inputs measured by a float forward pass of evenly spaced samples (until each matrix saw "
            f"{SAMPLE_VECTORS} vectors and {SAMPLE_VALUES} values, {SAMPLE_ITEMS} samples at most): {listed}; matrices "
            "priced at the codes of their sampled inputs and the levels of their weights")

