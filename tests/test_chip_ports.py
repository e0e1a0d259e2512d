"""The global buffer's ports and capacity bound the chip (probe of 2026-12-05): every stage's input leaves the global
buffer through one port and every output enters through the other, a flit a cycle, so a deep network's interval is
at least the busier port's flits (a 10-layer MLP's had been one stage's 24 ns: 3-4x its throughput); a chip too small
for mapping.replication's copies says so."""

import math

import numpy as np
import pytest

import cimsim
from cimsim.analytic import analytic_counts
from cimsim.comparison import price_network
from cimsim.config import Config, with_overrides
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer
from cimsim.network import Dense, Network, ReLU

RNG = np.random.default_rng(3)


def mlp(depth: int, width: int = 256, last: int | None = None) -> Network:
    layers = []
    for k in range(depth):
        layers += [Dense(RNG.standard_normal((last if last and k == depth - 1 else width, width))), ReLU()]
    return Network(tuple(layers[:-1]), (width,))


def priced(net: Network, config: Config, samples: int = 8):
    layers = [(plan, analytic_counts(plan, samples * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    return price_network(config, layers, samples, math.prod(net.input_shape), math.prod(net.output_shape),
                         include_weight_load=False, network=net)[0]


@pytest.mark.parametrize("depth", [1, 4, 10])
def test_the_interval_is_at_least_the_global_buffer_ports_flits(depth):
    config = with_overrides(Config(), {"baseline.dram": "hbm2"})  # DRAM time per item (the chip's too) below both
    cim, cycle_ns = priced(mlp(depth), config), 1.0 / config.technology.clock_ghz
    plan = plan_layer(config, 256, 256)
    in_flits = depth * -(-256 * plan.input_bits // 256)  # every stage's input: 256 values at 8 bits, 256-bit flits
    out_flits = (depth - 1) * -(-256 * plan.input_bits // 256) + -(-256 * plan.accumulator_bits // 256)
    port_ns = max(in_flits, out_flits) * cycle_ns
    assert cim.interval_ns >= port_ns - 1e-9
    slowest = max(s.interval_ns for s in cim.stages)
    assert cim.interval_ns == pytest.approx(max(slowest, port_ns))
    if depth == 10:
        assert port_ns > 3 * slowest  # the port, not a stage, sets a deep network's pace


def test_a_chip_too_small_for_the_copies_names_mapping_replication():
    with pytest.raises(ConfigError, match=r"'mapping.replication' = 2 copies of every layer's arrays: 86 tiles hold "
                                          r"one copy; lower it"):
        cimsim.estimate("configs/default.toml", {"workload.in_features": 8192, "workload.out_features": 8192,
                                                 "mapping.replication": 2})
    with pytest.raises(ConfigError, match="chip.tiles") as too_big:  # one copy does not fit either: no such hint
        cimsim.estimate("configs/default.toml", {"workload.in_features": 16384, "workload.out_features": 8192,
                                                 "mapping.replication": 2})
    assert "mapping.replication" not in str(too_big.value)


def test_unpipelined_balance_steps_over_copies_that_leave_an_item_s_rounds_flat():
    """one item's 64 vectors take 8 rounds on 8 copies and on 9: balance had stopped there (474.2 ns), where 64
    copies of each conv (as mapping.replication = 64 gives) run an item in 195.5 ns; it now steps to the fewest copies
    that make the slowest stage faster, and does at least as well as the uniform replication that fits"""
    from cimsim.network import Conv2d, Flatten

    convs = (Conv2d(RNG.standard_normal((8, 1, 3, 3)), padding=1), ReLU(),
             Conv2d(RNG.standard_normal((16, 8, 3, 3)), padding=1), ReLU(), Flatten(),
             Dense(RNG.standard_normal((10, 1024))))
    net = Network(convs, (1, 8, 8))
    balanced = priced(net, with_overrides(Config(), {"chip.pipeline": "none", "chip.balance": "replicate"}))
    uniform = priced(net, with_overrides(Config(), {"chip.pipeline": "none", "mapping.replication": 64}))
    assert [s.copies for s in balanced.stages][:2] == [64, 64]  # each conv's 64 positions in one round
    assert balanced.interval_ns <= uniform.interval_ns


@pytest.mark.parametrize("pipeline", ["layer", "none"])
def test_balance_keeps_the_copies_that_shorten_the_run_not_an_interval_one_item_never_has(pipeline):
    """a one-vector item: a copy cannot shorten it, and a run of one item has no interval; balance had kept the
    copies of the lowest interval there (138 copies of default.toml's layer with a 10-bit VCO ADC: 18x the area, 1.7x
    the energy, the latency no shorter; probe of 2026-12-06). Over 1000 pipelined items the copies pay and stay (one
    item at a time, a one-vector item runs no faster on more)."""
    design = {"chip.balance": "replicate", "chip.pipeline": pipeline, "adc.type": "vco", "adc.bits": 10}
    one, lone = (cimsim.estimate("configs/default.toml", {**design, "workload.vectors": 1, "chip.balance": b}).cim
                 for b in ("replicate", "none"))
    assert [s.copies for s in one.stages] == [1]
    assert (one.energy_pj, one.latency_ns, one.area_mm2) == (lone.energy_pj, lone.latency_ns, lone.area_mm2)
    many, plain = (cimsim.estimate("configs/default.toml", {**design, "workload.vectors": 1000, "chip.balance": b}).cim
                   for b in ("replicate", "none"))
    if pipeline == "layer":
        assert many.stages[0].copies > 1 and many.latency_ns < plain.latency_ns / 10
    else:
        assert many.stages[0].copies == 1 and many.latency_ns == plain.latency_ns
    for vectors in (2, 4):  # never more copies than the run has vectors (2 had kept 138: review, 2026-12-06)
        few, alone = (cimsim.estimate("configs/default.toml", {**design, "workload.vectors": vectors,
                                                                "chip.balance": b}).cim for b in ("replicate", "none"))
        assert few.stages[0].copies == (vectors if pipeline == "layer" else 1)
        assert few.latency_ns <= alone.latency_ns and sum(few.energy_pj.values()) <= sum(alone.energy_pj.values())
    # a network item of 64 vectors: copies shorten one item, so one item keeps them
    from cimsim.network import Conv2d

    net = Network((Conv2d(RNG.standard_normal((8, 1, 3, 3)), padding=1),), (1, 8, 8))
    lone_item = priced(net, with_overrides(Config(), {"chip.pipeline": pipeline, "chip.balance": "replicate"}), 1)
    assert lone_item.stages[0].copies > 1


@pytest.mark.parametrize("samples", [2, 7, 17, 100])
def test_a_pipelined_run_is_never_faster_than_its_vector_unit_allows(samples):
    """the unit's serial bound, item latency + (items - 1) x its time, holds with the steady-state run model (a
    256-wide layer and 30 softmaxes, 300 ns of vector work an item: a run tail tried on 2026-12-06 had come out 29 %
    under it at 17 items, a review found)"""
    from cimsim.comparison import _vector_work
    from cimsim.network import Softmax

    net = Network((Dense(RNG.standard_normal((256, 256))), *[Softmax() for _ in range(30)]), (256,))
    config = with_overrides(Config(), {"chip.pipeline": "layer", "chip.balance": "replicate", "adc.type": "vco",
                                       "adc.bits": 10})
    unit, _, _, cycles = _vector_work(config, net)
    cim = priced(net, config, samples)
    bound = cim.item_latency_ns + (samples - 1) * unit.time_ns(cycles)
    assert cim.latency_ns >= bound - 1e-6  # never under the unit's serial bound
    assert cim.latency_ns == pytest.approx(cim.item_latency_ns + (samples - 1) * cim.interval_ns, rel=1e-12)


@pytest.mark.parametrize("replication", [3, 5, 7])
def test_balance_reaches_one_round_when_the_replication_does_not_divide_the_vectors(replication):
    """copies grow in steps of mapping.replication; the step that first covers an item's 64 vectors is taken (a cap
    of whole steps within them had left 33 x 3 copies: 234 ns an item, against 194 ns; review, 2026-12-06)"""
    from cimsim.network import Conv2d, Flatten

    net = Network((Conv2d(RNG.standard_normal((8, 1, 3, 3)), padding=1), ReLU(),
                   Conv2d(RNG.standard_normal((16, 8, 3, 3)), padding=1), ReLU(), Flatten(),
                   Dense(RNG.standard_normal((10, 1024)))), (1, 8, 8))
    design = {"chip.pipeline": "none", "chip.balance": "replicate"}
    one = priced(net, with_overrides(Config(), design))
    stepped = priced(net, with_overrides(Config(), {**design, "mapping.replication": replication}))
    assert stepped.item_latency_ns == pytest.approx(one.item_latency_ns, rel=1e-12)
    assert all(s.copies >= 64 for s in stepped.stages[:2])


def test_price_model_names_mapping_replication_when_its_copies_overflow_the_chip():
    """price-model's own capacity message had named chips and reloads only (probe, 2026-12-05)"""
    from cimsim.models import get_model, price_model

    config = with_overrides(Config(), {"mapping.replication": 64, "chip.tiles": 100})
    with pytest.raises(ValueError, match=r"or lower mapping.replication \(64 copies of every matrix's arrays\)"):
        price_model(config, get_model("resnet18"))


def test_balance_caps_a_routed_expert_s_copies_at_the_vectors_it_is_sent():
    """an expert routed 1 in 8 tokens gets one vector over 8 items: balance had kept 8 copies of it, 7 never used,
    their area priced and their speed credited (a review of 2026-12-06)"""
    from cimsim.models import price_model
    from cimsim.models.ops import MatrixOp, Model

    model = Model("moe", "tokens", (MatrixOp("expert", 256, 256, 1, routed_fraction=0.125),), 256, 256)
    design = {"chip.pipeline": "layer", "adc.type": "vco", "adc.bits": 10}
    routed, alone = (price_model(with_overrides(cimsim.as_config("configs/default.toml"),
                                                {**design, "chip.balance": b}), model, items=8).cim
                     for b in ("replicate", "none"))
    assert [s.copies for s in routed.stages] == [1] and routed.area_mm2 == alone.area_mm2
