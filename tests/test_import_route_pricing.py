"""An imported network is priced as the shapes route prices the same architecture (cimsim.models.from_network):
matrices that read the same input vectors side by side as one matrix (a transformer's Q, K and V; a gated MLP's gate
and up), the rows an embedding lookup reads fetched from DRAM, and the element-wise steps of routed experts at
their share of the tokens."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from cimsim.config import load_config
from cimsim.models import Decoder, MatrixOp, VectorOp, price_model
from cimsim.models.from_network import model_from_network
from cimsim.network import (ActivationMatMul, Affine, Concat, Conv2d, Dense, Network, ReLU, Reshape, Slice, Transpose,
                            Upsample)
from cimsim.network.ops import Elementwise, Unary
from cimsim.network.tables import Embedding

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "configs" / "default.toml")
RNG = np.random.default_rng(56)


def _static(model) -> list[MatrixOp]:
    return [op for op in model.ops if isinstance(op, MatrixOp) and op.static]


def _three_heads(d: int = 48) -> tuple[Network, list[np.ndarray]]:
    """q, k and v of one input (value 1, after a ReLU), their outputs joined: three matrices of one input"""
    weights = [RNG.standard_normal((n, d)) for n in (d, d // 2, d // 2)]
    layers = (ReLU(), Dense(weights[0]), Dense(weights[1]), Dense(weights[2]), Concat())
    inputs = ((0,), (1,), (1,), (1,), (2, 3, 4))
    return Network(layers, (d,), inputs, names=["relu", "attn.q", "attn.k", "attn.v", "join"]), weights


def test_matrices_reading_one_input_are_one_matrix_priced_as_their_joined_weights():
    net, weights = _three_heads()
    model = model_from_network(net)
    assert [(op.name, op.in_features, op.out_features) for op in _static(model)] == [("attn.q+k+v", 48, 96)]
    assert model.parameters == sum(w.size for w in weights)
    joined = Network((ReLU(), Dense(np.concatenate(weights))), (48,))
    fused, one = price_model(CONFIG, model), price_model(CONFIG, model_from_network(joined))
    assert fused.arrays == one.arrays
    assert fused.cim.energy_pj == one.cim.energy_pj
    assert fused.cim.latency_ns == one.cim.latency_ns
    assert "2 matrices reading the same input as another fused with it" in model.source  # estimate prices apart
    assert "1 weight matrix\n" in model.summary()
    assert "fused" not in model_from_network(joined).source


def test_matrices_of_different_inputs_geometries_or_shared_weights_stay_apart():
    d = 16
    shared = RNG.standard_normal((d, d))
    first = Dense(shared)
    layers = (Dense(RNG.standard_normal((d, d))), Dense(RNG.standard_normal((d, d))),  # 0: of the input, 1: of 1
              first, replace(first))  # one matrix at two places: not joined with a sibling
    net = Network(layers, (d,), ((0,), (1,), (0,), (1,)))
    assert [op.name for op in _static(model_from_network(net))] == [net.names[0], net.names[1], net.names[2]]
    image = (3, 8, 8)
    convs = (Conv2d(RNG.standard_normal((4, 3, 3, 3)), padding=1), Conv2d(RNG.standard_normal((4, 3, 3, 3))),
             Conv2d(RNG.standard_normal((4, 3, 3, 3)), padding=1))
    net = Network((*convs, Elementwise("add")), image, ((0,), (0,), (0,), (1, 3)))
    static = _static(model_from_network(net))  # the padded two read the same patches: one matrix
    assert [(op.out_features, op.vectors_per_item) for op in static] == [(8, 64), (4, 36)]


def test_a_networks_lookups_read_their_rows_from_dram_as_the_shapes_route_reads_token_embeddings():
    tokens, d, vocab = 12, 32, 100
    table = RNG.standard_normal((vocab, d))
    net = Network((Embedding(table), Dense(RNG.standard_normal((vocab, d)))), (tokens,))
    model = model_from_network(net)
    assert model.tokens_per_item == tokens
    assert model.input_elements_per_item == tokens * d  # the rows, not the ids
    decoder = Decoder("t", 1, d, 2, 64, vocab, 64, learned_positions=False, tied_embeddings=False)
    assert decoder.prefill(tokens).input_elements_per_item == model.input_elements_per_item
    plain = Network((Dense(RNG.standard_normal((4, 6))),), (6,))
    assert model_from_network(plain).input_elements_per_item == 6


def test_the_element_wise_steps_of_routed_experts_count_their_share_of_the_tokens():
    """two experts, each routed half the tokens: their activation, the product by the routing weight and the sum
    over experts at half the elements each (the sum covers every token: the residual add after it counts whole)"""
    d, hidden, tokens = 8, 12, 10
    layers, inputs = [Dense(RNG.standard_normal((2, d)))], [(0,)]  # value 1: the router's weights (every token)
    for _ in range(2):
        k = len(layers)
        layers += [Dense(RNG.standard_normal((hidden, d)), routed_fraction=0.5), Unary("silu"),
                   Dense(RNG.standard_normal((d, hidden)), routed_fraction=0.5), Slice(axis=1, start=0, stop=1),
                   Elementwise("mul")]
        inputs += [(0,), (k + 1,), (k + 2,), (1,), (k + 3, k + 4)]
    layers += [Elementwise("add"), Elementwise("add")]
    inputs += [(6, 11), (0, 12)]  # the experts' sum, then the residual add
    net = Network(tuple(layers), (tokens, d), tuple(inputs))
    vector = {op.name: op.elements_per_item for op in model_from_network(net).ops if isinstance(op, VectorOp)}
    names = net.names
    assert [vector[names[k]] for k in (2, 5, 7, 10, 11, 12)] == [
        tokens * hidden // 2, tokens * d // 2, tokens * hidden // 2, tokens * d // 2, tokens * d // 2, tokens * d]


def _grouped_query(repeat_tokens: bool = False) -> Network:
    """4 query heads of 8 tokens x 16 against keys repeated by torch's expand: 2 key heads, each for two query
    heads; or (``repeat_tokens``) 4 key heads of 4 tokens, each token's key twice (a repeat inside the matrix)"""
    x, kv = 16, 4 if repeat_tokens else 2
    view, factors = ((kv, 4, 1, x), (1, 1, 2, 1)) if repeat_tokens else ((kv, 1, 8, x), (1, 2, 1, 1))
    layers = (Dense(RNG.standard_normal((4 * x, x))), Reshape((8, 4, x)), Transpose((1, 0, 2)),  # q: values 1-3
              Dense(RNG.standard_normal((kv * x // (1 + repeat_tokens), x))),  # k: values 4-6
              Reshape((8 // (1 + repeat_tokens), kv, x)),
              Transpose((1, 0, 2)), Reshape(view), Upsample(factors), Reshape((4, 8, x)),  # values 7-9
              Transpose((0, 2, 1)), Affine(scale=np.array(0.25)), ActivationMatMul())
    inputs = ((0,), (1,), (2,), (0,), (4,), (5,), (6,), (7,), (8,), (9,), (10,), (3, 11))
    return Network(layers, (8, x), inputs)


def _scores(network: Network) -> MatrixOp:
    (scores,) = [op for op in model_from_network(network).ops if isinstance(op, MatrixOp) and not op.static]
    return scores


def test_a_repeated_key_head_is_one_matrix_for_the_query_heads_that_read_it():
    """grouped-query attention: the scores of 4 query heads against 2 key heads repeated are 2 products of 16 query
    vectors each (as the shapes route counts them: each key head written once with activation_products = "arrays"),
    not 4 of 8; the MACs are the same. A repeat inside the matrix (each token's key twice) is no repeated head."""
    scores = _scores(_grouped_query())
    assert (scores.groups, scores.vectors_per_item, scores.in_features, scores.out_features) == (2, 16, 16, 8)
    assert scores.macs_per_item == 4 * 8 * 16 * 8
    scores = _scores(_grouped_query(repeat_tokens=True))
    assert (scores.groups, scores.vectors_per_item, scores.in_features, scores.out_features) == (4, 8, 16, 8)


def test_a_scalar_scale_is_free_and_an_erf_gelu_costs_the_shapes_routes_gelu():
    """GELU as an exporter writes it: x / sqrt 2 (a scalar scale), erf, + 1, times x, times 1/2: the scales fold into
    the quantisation scales (free, as the vector unit prices them), erf is I-BERT's i-erf alone, so the steps cost
    one gelu (2 multiplies, 4 adds); they had cost a gelu for the erf alone, plus a multiply per scale and the add
    and product again"""
    from cimsim.cost.vector_unit import VECTOR_KINDS
    from cimsim.network.ops import Affine

    d, n = 8, 16
    layers = (Dense(RNG.standard_normal((n, d))), Affine(scale=np.array(2 ** -0.5)), Unary("erf"),
              Affine(shift=np.array(1.0)), Elementwise("mul"), Affine(scale=np.array(0.5)))
    net = Network(layers, (d,), ((0,), (1,), (2,), (3,), (1, 4), (5,)))
    vector = [op for op in model_from_network(net).ops if isinstance(op, VectorOp)]
    assert sorted(op.kind for op in vector) == ["add", "erf", "mul"] and all(op.elements_per_item == n for op in vector)
    cost = [sum(x) for x in zip(*(VECTOR_KINDS[op.kind] for op in vector))]
    assert cost == list(VECTOR_KINDS["gelu"])


def test_a_clip_costs_a_compare_per_finite_bound_and_a_reduction_counts_its_values():
    """clamp(min=0) and maximum(x, 0) import as Clip(0, None), a ReLU: priced as ReLU6 (two compares) it had cost the
    vector unit 46 % more than torch.relu; a two-sided clip is ReLU6, an unbounded one free. A mean's digital work is
    its values reduced, as its cost counts them (it had counted its outputs)"""
    from cimsim.network.ops import Clip, Mean

    d, n = 8, 16
    for bounds, kinds in (((0.0, None), ["relu"]), ((None, 6.0), ["relu"]), ((0.0, 6.0), ["relu6"]),
                          ((-np.inf, None), [])):
        net = Network((Dense(RNG.standard_normal((n, d))), Clip(*bounds)), (d,))
        assert [op.kind for op in model_from_network(net).ops if isinstance(op, VectorOp)] == kinds
    net = Network((Dense(RNG.standard_normal((n, d))), Reshape((4, 4)), Mean((1,), keepdims=False)), (d,))
    mean = [op for op in model_from_network(net).ops if isinstance(op, VectorOp)]
    assert net.digital_work()["mean"] == n == mean[0].elements_per_item
