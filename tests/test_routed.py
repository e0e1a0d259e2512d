"""A routed mixture's expert (``Dense.routed_fraction`` = k / E): every token is multiplied in the numerics, the cost
counts that fraction of the products (its vectors, events and activations), on the CIM side and the baseline's."""

from __future__ import annotations

import math

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binom

from cimsim.analytic import analytic_counts
from cimsim.breakdown import Breakdown, in_sequence, repeated
from cimsim.comparison import price_network
from cimsim.config import Config
from cimsim.cost.memory import dram_energy_pj_per_bit
from cimsim.cost.routing import POINTS, routed_runs, routed_vectors
from cimsim.counts import Counts
from cimsim.mapping import plan_layer
from cimsim.models import Decoder, price_model
from cimsim.models.from_network import model_from_network
from cimsim.models.ops import MatrixOp
from cimsim.network import Dense, Network, load_network, save_network

RNG = np.random.default_rng(5)
TOKENS, WIDTH = 8, 16


def network(fraction: float) -> Network:
    """a layer over 8 tokens of 16 features, then an expert that a router sends ``fraction`` of the tokens"""
    return Network((Dense(RNG.standard_normal((WIDTH, WIDTH))),
                    Dense(RNG.standard_normal((WIDTH, WIDTH)), routed_fraction=fraction)), (TOKENS, WIDTH))


def priced(net: Network, samples: int = 10, load: bool = False, config: Config | None = None):
    config = config or Config()
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    return price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                         include_weight_load=load, network=net)


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


def test_an_experts_activations_and_item_latency_are_its_mean_share_as_price_model_prices_them():
    """the network path had rounded an expert's vectors per item to a whole one (at least one): at one token and
    0.25 it moved the whole token's activations (global buffer 6185 pJ against price_model's 3093) and kept an item
    69.6 ns against 47.9; at 8 tokens and 0.3, 2 vectors against the mean 2.4 and 3 busy ones"""
    for tokens, fraction in ((1, 1.0), (1, 0.25), (8, 0.3), (3, 0.5)):
        net = Network((Dense(RNG.standard_normal((WIDTH, WIDTH))),
                       Dense(RNG.standard_normal((WIDTH, WIDTH)), routed_fraction=fraction)),
                      (tokens, WIDTH) if tokens > 1 else (WIDTH,))
        cim, model = priced(net)[0], price_model(Config(), model_from_network(net), items=10).cim
        for key in ("global_buffer", "noc", "buffers", "adc"):
            assert cim.energy_pj[key] == pytest.approx(model.energy_pj[key], rel=1e-9), (tokens, fraction, key)
        assert (cim.item_latency_ns, cim.interval_ns) == pytest.approx((model.item_latency_ns, model.interval_ns))


@pytest.mark.parametrize("tokens, fraction", [(8, 1.0), (8, 0.3), (1, 0.25)])
def test_one_item_at_a_time_overlaps_its_dram_transfers_on_both_shape_paths(tokens, fraction):
    """with chip.pipeline = "none" price_model had held an item's whole latency as the interval, its DRAM input and
    output included, where the chip model (cimsim.estimate, compare) overlaps them with its neighbours': two dense 64 x
    64 layers over 8 tokens, 10 items, 545.9 ns against 433.3 ns, leakage 27242 pJ against 22188 pJ"""
    base = Config()
    config = replace(base, chip=replace(base.chip, pipeline="none"))
    first, second = RNG.standard_normal((2, 64, 64))
    net = Network((Dense(first), Dense(second, routed_fraction=fraction)), (tokens, 64) if tokens > 1 else (64,))
    cim, model = priced(net, config=config)[0], price_model(config, model_from_network(net), items=10).cim
    figures = ("interval_ns", "item_latency_ns", "latency_ns")
    assert [getattr(model, k) for k in figures] == pytest.approx([getattr(cim, k) for k in figures], rel=1e-9)
    assert model.energy_pj["leakage"] == pytest.approx(cim.energy_pj["leakage"], rel=1e-9)
    assert cim.interval_ns < cim.item_latency_ns  # its DRAM input and output overlap the items before and after


def test_an_experts_interval_is_its_mean_busy_share_so_pipelining_never_loses():
    """an expert kept a dense layer's steady interval (v x vector time / c, without Stage.path_share): one 256 x 64
    layer at 0.25 with 1000 ns reads took 555.9 ns an item but 2000 ns an interval, 100 items 198.6 us pipelined
    against 51.1 us not; on the network path (cimsim.estimate, compare) and price_model's alike"""
    weights, base = RNG.standard_normal((256, 64)) / 8, Config()
    cim = {}
    for pipeline in ("layer", "none"):
        config = replace(base, device=replace(base.device, read_pulse_ns=1000.0),
                         chip=replace(base.chip, pipeline=pipeline))
        for fraction in (1.0, 0.25):
            net = Network((Dense(weights, routed_fraction=fraction),), (64,))
            cim[pipeline, fraction, "network"] = b = priced(net, 100, config=config)[0]
            cim[pipeline, fraction, "model"] = price_model(config, model_from_network(net), items=100).cim
            assert all(s.interval_ns <= s.latency_ns for s in b.stages), (pipeline, fraction)
    for path in ("network", "model"):
        dense, expert = cim["layer", 1.0, path], cim["layer", 0.25, path]
        assert expert.interval_ns == pytest.approx(0.25 * dense.interval_ns, rel=1e-9), path
        assert expert.interval_ns <= expert.item_latency_ns, path
        assert expert.latency_ns <= cim["none", 0.25, path].latency_ns, path
    assert cim["layer", 0.25, "network"].latency_ns == pytest.approx(cim["layer", 0.25, "model"].latency_ns)


def test_an_experts_weighted_runs_sum_to_its_mean_macs():
    """the baseline's runs of an expert (a token count each, weighted by its probability) had each rounded its MACs,
    so their sum drifted from the mean count the chip counts: 26623 against 26624 at 8 tokens, 0.3 and 10 samples"""
    for n_vectors, share in ((16, 0.25), (80, 0.3), (7, 0.1), (5000, 0.25)):
        runs = [repeated(Breakdown("b", {}, {}, 1.0, 1.0, 0.0, n, n * WIDTH ** 2), w)
                for n, w in routed_vectors(n_vectors, share)]
        assert in_sequence(runs, "b", n_vectors, shared_hardware=True).macs == round(n_vectors * share * WIDTH ** 2)
    for tokens, fraction, samples in ((8, 0.3, 10), (1, 0.1, 7), (8, 0.25, 10)):
        net = Network((Dense(RNG.standard_normal((WIDTH, WIDTH))),
                       Dense(RNG.standard_normal((WIDTH, WIDTH)), routed_fraction=fraction)),
                      (tokens, WIDTH) if tokens > 1 else (WIDTH,))
        cim, base = priced(net, samples)
        assert base.macs == cim.macs == round(samples * tokens * (1 + fraction) * WIDTH ** 2)
        assert price_model(Config(), model_from_network(net), items=samples).baseline.macs == base.macs


def test_the_fraction_is_saved_checked_and_counts_keep_their_writes(tmp_path):
    save_network(network(0.5), tmp_path / "moe.npz")
    assert [layer.routed_fraction for layer in load_network(tmp_path / "moe.npz").layers] == [1.0, 0.5]
    for bad in (0.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="Dense routed_fraction must be a finite number > 0 and <= 1"):
            Dense(np.ones((2, 2)), routed_fraction=bad)
    counts = Counts(mvms=10, adc_conversions=7, array_gv2t_fj=3.0, cell_writes=40, adc_bits=6)
    assert counts.share(0.5) == Counts(mvms=5, adc_conversions=4, array_gv2t_fj=1.5, cell_writes=40, adc_bits=6)


def test_an_experts_token_count_is_binomial():
    """cost.routing: the pairs (n, weight) are Binomial(N, k / E) without n = 0, whole or cut into runs"""
    for vectors, share in ((1, 0.25), (3, 0.5), (64, 0.25), (5000, 0.25), (10 ** 7, 2 / 8), (9, 0.999)):
        pairs = routed_vectors(vectors, share)
        n, weight = (np.array(column, dtype=float) for column in zip(*pairs))
        assert 1 <= n.min() and n.max() <= vectors and len(pairs) <= 2 * POINTS
        assert weight.sum() == pytest.approx(1 - (1 - share) ** vectors, rel=1e-9)  # P(some token comes)
        assert n @ weight == pytest.approx(vectors * share, rel=1e-9)  # its mean count of tokens
    assert routed_vectors(4, 0.25) == [(k, pytest.approx(binom.pmf(k, 4, 0.25), rel=1e-12)) for k in range(1, 5)]
    assert routed_vectors(10, 1.0) == [(10, 1.0)]
    for vectors, share in ((0, 0.5), (10, 0.0), (10, 1.5), (10, float("nan"))):
        with pytest.raises(ValueError, match="vectors|share"):
            routed_vectors(vectors, share)


def test_a_decode_step_fetches_every_expert_some_token_reaches():
    """A baseline that cannot hold the weights fetches them once a step; an expert only in steps some token reaches
    it: 1 - (1 - k / E) ** S of the steps at S sequences in flight, not k / E of them (which was priced before)"""
    moe = Decoder("moe", layers=1, d_model=64, heads=4, d_ff=256, vocab=64, max_context=32, experts=8,
                  experts_per_token=2).decode(2)  # caches small enough to stay on chip at 64 sequences
    config = Config(baseline=replace(Config().baseline, sram_kib=64.0))  # each matrix fits, not all
    statics = [op for op in moe.of_type(MatrixOp) if op.static]
    bits = {op.name: op.in_features * op.out_features * config.mapping.weight_bits for op in statics}
    dram_pj = dram_energy_pj_per_bit(config.baseline.dram)
    for sequences in (1, 4, 16, 64):
        price = price_model(config, moe, items=sequences, sequences=sequences, chips=64)
        fetched = sum(bits[op.name] * (1 - (1 - op.routed_fraction) ** sequences if op.routed_fraction < 1 else 1)
                      for op in statics)
        assert price.baseline.energy_pj["dram_weights"] == pytest.approx(fetched * dram_pj, rel=1e-9)


def test_an_imported_expert_is_fetched_when_some_token_reaches_it():
    """the network path prices the baseline's routed expert as price_model does: its weights loaded with the
    probability that one of the run's 8 tokens reaches it, 1 - (3/4) ** 8, not once whatever the routing"""
    dram_pj = dram_energy_pj_per_bit(Config().baseline.dram)
    fetched = priced(network(0.25), samples=1, load=True)[1].energy_pj["dram_weights"] / dram_pj
    assert fetched == pytest.approx(WIDTH ** 2 * Config().mapping.weight_bits * (1 + 1 - 0.75 ** TOKENS), rel=1e-9)


def test_streamed_experts_draw_their_tokens_batch_by_batch():
    """where weights stream once per batch, each batch's tokens reach an expert on their own: an imported expert
    of 8 tokens a sample at batch 1 (one sample) is fetched 1 - (3/4)**8 times a sample whatever the samples (it had
    fallen to 0.26 at 64 samples: tokens of different batches had shared one fetch)"""
    config = Config()
    streaming = replace(config, baseline=replace(config.baseline, dataflow="weight_streaming", batch=1))
    dram_pj = dram_energy_pj_per_bit(config.baseline.dram)
    bits = WIDTH ** 2 * config.mapping.weight_bits
    net = network(0.25)
    for samples in (1, 8):
        layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
                  for plan in [plan_layer(streaming, shape.in_features, shape.out_features)]]
        base = price_network(streaming, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                             include_weight_load=False, network=net)[1]
        assert base.energy_pj["dram_weights"] / dram_pj / samples == pytest.approx(bits * (2 - 0.75 ** TOKENS),
                                                                                   rel=1e-9)
    pairs = routed_runs(20, 0.25, 8, resident=False)  # two batches of 8 and one of 4
    assert sum(w for _, w in pairs) == pytest.approx(2 * (1 - 0.75 ** 8) + 1 - 0.75 ** 4, rel=1e-12)
    assert max(n for n, _ in pairs) == 8 and routed_runs(20, 0.25, 8, resident=True) == routed_vectors(20, 0.25)


def test_a_huge_token_count_is_priced_from_a_bounded_grid():
    """2**40 items of 4096 tokens: every count within 10 sigma had been held (12 GiB, then killed); the wide binomial
    is read every stride-th count at its normal density: weights sum to P(n >= 1), their mean to vectors x share"""
    import tracemalloc

    from cimsim.cost.routing import MAX_COUNTS, routed_vectors

    vectors, share = 2 ** 40 * 4096, 0.25
    tracemalloc.start()
    pairs = routed_vectors(vectors, share)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * MAX_COUNTS  # a few arrays of MAX_COUNTS float64s, not one of 1.6e9
    assert sum(w for _, w in pairs) == pytest.approx(1.0, abs=1e-12)
    assert sum(n * w for n, w in pairs) == pytest.approx(vectors * share, rel=1e-9)


def test_a_wait_on_earlier_results_adds_up_over_runs_and_is_checked():
    part = Breakdown("b", {}, {}, 10.0, 4.0, 2.0, 1, 1, wait_ns=5.0)
    assert part.stall_ns == 1.0 and repeated(part, 3).wait_ns == 15.0
    assert in_sequence([part, part], "two", 2, shared_hardware=True).wait_ns == 10.0
    for bad in (-1.0, 11.0, float("nan")):
        with pytest.raises(ValueError, match="wait_ns must be within 0 and latency_ns"):
            Breakdown("b", {}, {}, 10.0, 4.0, 2.0, 1, 1, wait_ns=bad)
