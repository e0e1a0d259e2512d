"""A routed mixture's expert (``Dense.routed_fraction`` = k / E): every token is multiplied in the numerics, the cost
counts that fraction of the products (its vectors, events and activations), on the CIM side and the baseline's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cimsim.analytic import analytic_counts
from cimsim.comparison import price_network
from cimsim.config import Config
from cimsim.counts import Counts
from cimsim.mapping import plan_layer
from cimsim.models.from_network import model_from_network
from cimsim.network import Dense, Network, load_network, save_network

RNG = np.random.default_rng(5)
TOKENS, WIDTH = 8, 16


def network(fraction: float) -> Network:
    """a layer over 8 tokens of 16 features, then an expert that a router sends ``fraction`` of the tokens"""
    return Network((Dense(RNG.standard_normal((WIDTH, WIDTH))),
                    Dense(RNG.standard_normal((WIDTH, WIDTH)), routed_fraction=fraction)), (TOKENS, WIDTH))


def priced(net: Network, samples: int = 10):
    config = Config()
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    return price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                         include_weight_load=False, network=net)


def test_an_expert_is_priced_at_its_share_of_the_tokens():
    dense, routed = priced(network(1.0)), priced(network(0.25))
    for side in range(2):  # CIM and the baseline: the expert does 2 of the 8 tokens' products
        assert routed[side].energy_pj["adc" if side == 0 else "mac"] == pytest.approx(
            dense[side].energy_pj["adc" if side == 0 else "mac"] * (8 + 2) / (8 + 8), rel=1e-9)
    assert routed[0].area_mm2 == pytest.approx(dense[0].area_mm2)  # every expert's arrays are there
    for side in range(2):
        assert any(a.startswith("1 routed expert matrices (a mixture of experts, imported densely) priced at their "
                                "share of the tokens, 0.25;") for a in routed[side].assumptions)
        assert not any("routed" in a for a in dense[side].assumptions)
    ops = [op for op in model_from_network(network(0.25)).ops if getattr(op, "weights", None) == "static"]
    assert [(op.routed_vectors_per_item, op.macs_per_item) for op in ops] == [(TOKENS, TOKENS * WIDTH ** 2),
                                                                             (2, 2 * WIDTH ** 2)]
    assert [op.input_elements_per_item for op in ops] == [TOKENS * WIDTH, 2 * WIDTH]


def test_the_fraction_is_saved_checked_and_counts_keep_their_writes(tmp_path):
    save_network(network(0.5), tmp_path / "moe.npz")
    assert [layer.routed_fraction for layer in load_network(tmp_path / "moe.npz").layers] == [1.0, 0.5]
    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="Dense routed_fraction must be a finite number > 0 and <= 1"):
            Dense(np.ones((2, 2)), routed_fraction=bad)
    counts = Counts(mvms=10, adc_conversions=7, array_gv2t_fj=3.0, cell_writes=40, adc_bits=6)
    assert counts.share(0.5) == Counts(mvms=5, adc_conversions=4, array_gv2t_fj=1.5, cell_writes=40, adc_bits=6)
