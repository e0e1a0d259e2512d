"""comparison.price_network: a network's layers priced on the CIM chip and on the baseline, as price_model prices
the same shapes."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from cimsim.analytic import analytic_counts
from cimsim.comparison import MACRO_COMPONENTS, price_network
from cimsim.config import Config
from cimsim.cost.memory import dram_energy_pj_per_bit
from cimsim.cost.vector_unit import vector_unit
from cimsim.mapping import plan_layer
from cimsim.models import price_model
from cimsim.models.from_network import model_from_network
from cimsim.models.pricing import DEFAULT_VECTOR_LANES
from cimsim.network import ActivationMatMul, Dense, Network, ReLU, Softmax, Transpose

WIDTH, LAYERS, SAMPLES = 64, 4, 10


def both(config: Config, net: Network, load: bool = False, with_network: bool = True):
    """(CIM, baseline) of ``net`` at SAMPLES samples, its digital work priced (``with_network``) or not"""
    layers = [(plan, analytic_counts(plan, SAMPLES * shape.rows_per_sample)) for shape in net.matrix_shapes()
              for plan in [plan_layer(config, shape.in_features, shape.out_features)]]
    return price_network(config, layers, SAMPLES, math.prod(net.input_shape), math.prod(net.output_shape),
                         include_weight_load=load, network=net if with_network else None)


def baseline(config: Config, net: Network, load: bool = False):
    return both(config, net, load)[1]


def test_a_networks_weights_that_together_exceed_the_sram_are_fetched_once_per_run():
    """four 64 x 64 layers of 4 KiB each on an 8 KiB SRAM: each fits, all four do not; the network path had kept
    them all on chip in the steady state (no DRAM weight traffic) where price_model fetches them once per run"""
    rng = np.random.default_rng(0)
    net = Network(tuple(Dense(rng.standard_normal((WIDTH, WIDTH))) for _ in range(LAYERS)), (WIDTH,))
    config = Config()
    small, large = (replace(config, baseline=replace(config.baseline, sram_kib=kib)) for kib in (8.0, 1024.0))
    steady = baseline(small, net)
    bits = LAYERS * WIDTH ** 2 * config.mapping.weight_bits
    assert steady.energy_pj["dram_weights"] == pytest.approx(bits * dram_energy_pj_per_bit(config.baseline.dram))
    assert steady.energy_pj == pytest.approx(baseline(small, net, load=True).energy_pj)  # the load is the run's own
    model = price_model(small, model_from_network(net), items=SAMPLES).baseline
    assert steady.energy_pj["dram_weights"] == pytest.approx(model.energy_pj["dram_weights"], rel=1e-12)
    assert any("fetched once per run (together they exceed baseline.sram_kib)" in a for a in steady.assumptions)
    resident = baseline(large, net)
    assert resident.energy_pj.get("dram_weights", 0.0) == 0.0
    assert not any("together they exceed" in a for a in resident.assumptions)


def test_a_network_without_digital_work_has_no_vector_unit_on_either_side():
    """a one-layer network had a 1.93 mm2 vector unit doing nothing: its area and leakage on the chip (2.5x the
    dense layer's area, 5x its leakage), its area on the baseline; now both sides are priced as its matrices alone"""
    net = Network((Dense(np.random.default_rng(0).standard_normal((WIDTH, WIDTH))),), (WIDTH,))
    for side, alone in zip(both(Config(), net), both(Config(), net, with_network=False)):
        assert "vector_unit" not in side.area_um2
        assert side.area_um2 == alone.area_um2 and side.energy_pj == pytest.approx(alone.energy_pj)


def test_a_vector_unit_with_work_is_held_by_both_sides_and_leaks_on_both():
    """a ReLU between two layers: both sides hold the unit (its area, dynamic energy and leakage alike), each side's
    other static power leaking over the time the unit adds too (the baseline's had leaked over its products alone)"""
    rng = np.random.default_rng(0)
    net = Network((Dense(rng.standard_normal((WIDTH, WIDTH))), ReLU(), Dense(rng.standard_normal((WIDTH, WIDTH)))),
                  (WIDTH,))
    config = Config()
    unit = vector_unit(config.technology, DEFAULT_VECTOR_LANES, config.dac.input_bits)
    (cim, base), (chip, base_chip) = both(config, net), both(config, net, with_network=False)
    assert base.area_um2["vector_unit"] == cim.area_um2["vector_unit"] == unit.area_um2
    assert cim.energy_pj["vector_unit"] == base.energy_pj["vector_unit"] > 0
    assert cim.latency_ns > chip.latency_ns
    assert cim.leakage_uw == pytest.approx(chip.leakage_uw + unit.leakage_uw, rel=1e-12)
    assert base.latency_ns > base_chip.latency_ns
    assert base.leakage_uw == pytest.approx(base_chip.leakage_uw + unit.leakage_uw, rel=1e-12)


def test_the_macro_alone_counts_only_the_products_its_arrays_did():
    """one-head self-attention: its two activation products run on the vector unit; the system's MACs count them (as
    the baseline's do), the macro's TOPS/W must not (digits-vit had shown 6.99 TOPS/W for its arrays' 6.22)"""
    from cimsim.report import _macro_tops_per_w

    rng, d = np.random.default_rng(0), 6
    w = [rng.standard_normal((d, d)) for _ in range(4)]
    net = Network((Dense(w[0]), Dense(w[1]), Dense(w[2]), Transpose((1, 0)), ActivationMatMul(), Softmax(-1),
                   ActivationMatMul(), Dense(w[3])), (4, d), ((0,), (0,), (0,), (2,), (1, 4), (5,), (6, 3), (7,)))
    (cim, base), arrays = both(Config(), net), both(Config(), net, with_network=False)[0]
    assert cim.macs == arrays.macs + SAMPLES * 2 * 4 * 4 * d == base.macs  # Q K^T and A V: 4 x 4 x 6 each
    assert cim.array_macs == arrays.macs and arrays.array_macs == arrays.macs
    macro_pj = sum(v for k, v in cim.energy_pj.items() if k in MACRO_COMPONENTS)
    assert _macro_tops_per_w(cim) == pytest.approx(2.0 * arrays.macs / macro_pj)


@pytest.mark.parametrize("name", ["digits-mlp.toml", "default.toml"])
def test_a_weight_load_fetches_the_weights_once_on_the_chip_as_on_the_baseline(name):
    """a network's chip had paid no DRAM for its weights with the load (the baseline paid 530 kpJ on digits-mlp),
    and a dense layer's one-off fetch had been spread over its steady-state interval"""
    from pathlib import Path

    from cimsim.comparison import compare
    from cimsim.config import load_config, with_overrides

    config = with_overrides(load_config(Path(__file__).resolve().parents[1] / "configs" / name),
                            {"workload.vectors": 20})
    comp = compare(config)
    fetched = comp.cim_with_load.energy_pj["dram"] - comp.cim.energy_pj["dram"]
    assert fetched == pytest.approx(comp.baseline_with_load.energy_pj["dram_weights"], rel=1e-9)
    assert comp.cim_with_load.interval_ns == pytest.approx(comp.cim.interval_ns, rel=1e-12)


@pytest.mark.parametrize("name", ["digits-mlp.toml", "default.toml"])
def test_a_one_off_weight_load_is_outside_both_sides_interval_and_item_latency(name):
    """the chip's interval and item latency leave its programming out, the baseline's with the load had spread its
    one-off weight fetch over the items (latency / items): at 1 vector of default.toml a throughput gain with the
    load of 65 against 4.27 in the steady state; now the load counts in the run's latency only, on both sides"""
    from pathlib import Path

    from cimsim.comparison import compare
    from cimsim.config import load_config, with_overrides

    config = with_overrides(load_config(Path(__file__).resolve().parents[1] / "configs" / name),
                            {"workload.vectors": 1, "adc.calibration_vectors": 1})
    comp = compare(config)
    for steady, loaded in ((comp.cim, comp.cim_with_load), (comp.baseline, comp.baseline_with_load)):
        assert loaded.latency_ns > steady.latency_ns  # the load counts in the whole run's
        assert (loaded.interval_ns, loaded.item_latency_ns) == (steady.interval_ns, steady.item_latency_ns)
    assert comp.gain_with_load["throughput"] == comp.gain["throughput"]
    assert comp.to_dict()["including_weight_load"]["gain"]["throughput"] == pytest.approx(comp.gain["throughput"])


def test_the_vector_unit_sentence_gives_each_side_its_own_figures():
    """the baseline runs attention's products on its MACs, not on the unit: its unit's energy and time are its own
    (digits-vit: 64.88 nJ and 280 ns per inference against the chip's 73.03 nJ and 408 ns), not the chip's"""
    from pathlib import Path

    from cimsim.comparison import price_from_shapes
    from cimsim.config import load_config

    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "digits-vit.toml")
    cim, base = price_from_shapes(config)
    line = next(a for a in base.assumptions if "vector unit" in a)
    assert line in cim.assumptions and "on both sides" not in line
    chip_nj, base_nj = (b.energy_pj["vector_unit"] / b.mvms / 1e3 for b in (cim, base))
    assert chip_nj != pytest.approx(base_nj, rel=0.01)
    assert f"on the chip, with the activation products, {chip_nj:.4g} nJ" in line
    assert f"on the baseline on the same unit, {base_nj:.4g} nJ" in line
    mlp = load_config(Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml")  # no attention: none said
    line = next(a for a in price_from_shapes(mlp)[1].assumptions if "vector unit" in a)
    assert "Digital layers on a" in line and "activation products" not in line


def test_a_sequences_assumptions_mark_a_parts_figures_as_per_part():
    """parts in sequence: a sentence the parts state with other figures (a time, a width, a shape) is stated once,
    marked as per part, each figure that differs as its range: never one part's figure as if it were the whole's"""
    from cimsim.breakdown import Breakdown, in_sequence

    def part(ns, bits, shape):
        return Breakdown(name="b", energy_pj={"mac": 1.0}, area_um2={}, latency_ns=ns, compute_ns=ns, memory_ns=0.0,
                         mvms=1, macs=1, assumptions=(
                             f"board power 400 W x roofline time {ns:g} ns.", f"{bits}-bit accumulators.",
                             f"The weights ({shape} x 8 bit) fit.", "Shared 14 pJ/bit."))

    seq = in_sequence([part(100, 18, "4x32"), part(300, 22, "32x96"), part(100, 18, "4x32")], "b", 1,
                      shared_hardware=True)
    per_part = [a for a in seq.assumptions if a.startswith("Per part, over the 3 parts")]
    assert len(per_part) == 3 and "Shared 14 pJ/bit." in seq.assumptions and len(seq.assumptions) == 4
    text = "\n".join(per_part)
    assert "roofline time (100 to 300) ns." in text and "(18 to 22)-bit accumulators" in text
    assert "The weights ((4 to 32)x(32 to 96) x 8 bit)" in text
    alike = in_sequence([part(100, 18, "4x32")] * 2, "b", 1, shared_hardware=True)
    assert alike.assumptions == part(100, 18, "4x32").assumptions
    # a part standing for several places (a layer shape's runs summed over its layers) counts as those places: a
    # shapes-only baseline's parts had said 'over the 12 parts' of ResNet-18's 21 (a review, 2026-12-08)
    merged = in_sequence([part(100, 18, "4x32"), part(300, 22, "32x96")], "b", 1, shared_hardware=True,
                         places=[2, 1])
    assert merged.assumptions == seq.assumptions
    assert in_sequence([part(100, 18, "4x32"), part(300, 22, "32x96")], "b", 1, shared_hardware=True,
                       places=np.array([2, 1])).assumptions == seq.assumptions  # numpy ints too
    for places in ([2], [0, 1], [2, -1], [2.0, 1], [True, True]):  # one a part, each an int >= 1
        with pytest.raises(ValueError, match="places must give each of the 2 parts its count"):
            in_sequence([part(100, 18, "4x32"), part(300, 22, "32x96")], "b", 1, shared_hardware=True, places=places)


def test_a_board_power_networks_baseline_states_the_runs_latency_and_energy():
    """a100 (energy_model "board_power"): the parts each stated their own board power x time (a range per part) but
    no sentence gave the run's (digits-vit: 9 050 ns, 3.62e9 pJ); now one states the final baseline's, vector unit
    included, its energy = board power x latency"""
    from cimsim.config import with_overrides

    rng = np.random.default_rng(0)
    net = Network((Dense(rng.standard_normal((WIDTH, WIDTH))), ReLU(), Dense(rng.standard_normal((WIDTH, WIDTH)))),
                  (WIDTH,))
    config = with_overrides(Config(), {"baseline.preset": "a100"})
    base = baseline(config, net)
    watts = config.baseline.board_power_w
    assert base.total_energy_pj == pytest.approx(watts * base.latency_ns * 1e3, rel=1e-12)
    whole = [a for a in base.assumptions if a.startswith("The whole run: ")]
    assert len(whole) == 1
    assert (f"board power {watts:g} W x roofline time {base.latency_ns:.4g} ns = {base.total_energy_pj:.4g} pJ"
            in whole[0])
    assert not any(a.startswith("The whole run: ") for a in baseline(Config(), net).assumptions)


def test_a_networks_baseline_sentences_are_merged_once():
    """the activation products had been merged into already-merged sentences: the weights sentence twice, 'over the
    3 parts' and 'over the 4 parts' for one network"""
    import re
    from pathlib import Path

    import cimsim
    from cimsim.network import ActivationMatMul, Dense, Network, Softmax, Transpose

    rng, d, t = np.random.default_rng(0), 32, 8
    layers = (Dense(rng.normal(0, .2, (d, d))), Dense(rng.normal(0, .2, (d, d))), Dense(rng.normal(0, .2, (d, d))),
              Transpose((1, 0)), ActivationMatMul(), Softmax(-1), ActivationMatMul(), Dense(rng.normal(0, .2, (16, d))))
    net = Network(layers, input_shape=(t, d), inputs=((0,), (0,), (0,), (2,), (1, 4), (5,), (6, 3), (7,)))
    config = Path(__file__).resolve().parents[1] / "configs" / "digits-cnn.toml"
    comp = cimsim.compare(config, network=net, inputs=rng.normal(size=(2, t, d)))
    per_part = [a for a in comp.baseline.assumptions if a.startswith("Per part")]
    assert len({re.sub(r"over the \d+ parts", "", a.split(": ", 1)[1][:20]) for a in per_part}) == len(per_part)
    assert len({re.findall(r"over the (\d+) parts", a)[0] for a in per_part}) <= 1


def test_a_conv_networks_baseline_is_priced_alike_by_the_network_and_model_routes():
    """a conv's positions hold their share of the input map while streamed weights pass, on both routes: the
    network route had held every position's im2col copy (9x the map for a 3x3 kernel), so with a memory that
    bounds the batch it fetched the weights more often than the model route (ResNet-18: 2.33x its DRAM weight
    energy, a probe measured)"""
    from cimsim.config import with_overrides
    from cimsim.network import Conv2d, Flatten

    rng = np.random.default_rng(3)
    net = Network((Conv2d(rng.standard_normal((32, 16, 3, 3)) / 12, padding=1), ReLU(),
                   Conv2d(rng.standard_normal((32, 32, 3, 3)) / 17, padding=1), ReLU(), Flatten(),
                   Dense(rng.standard_normal((10, 32 * 16 * 16)) / 90)), (16, 16, 16))
    config = with_overrides(Config(), {"baseline.sram_kib": 8.0, "baseline.batch": 8,  # the 9 KiB second conv streams
                                       "chip.global_buffer_kib": 4096.0})
    _, network_route = both(config, net)
    model_route = price_model(config, model_from_network(net), items=SAMPLES).baseline
    assert network_route.energy_pj.get("dram_weights", 0.0) > 0  # streamed, the batch bounded by the memory
    for name in ("dram_weights", "sram_weights", "sram_activations", "mac"):
        assert network_route.energy_pj[name] == pytest.approx(model_route.energy_pj[name], rel=1e-9), name


@pytest.mark.parametrize("pipeline", ["layer", "none"])
def test_a_vector_unit_adds_to_the_compute_time_as_a_stage_of_its_own(pipeline):
    """A DRAM-bound layer followed by digital layers: pipelined, the vector unit is a stage of its own, so it adds its
    first item's time and, per further item, only what it is slower than the slowest stage; one item at a time, its
    whole time each. Its time had been added in full for every item, so a pipelined chip whose interval DRAM sets was
    reported as computing all its run, 0 % waiting (a reports probe)."""
    from pathlib import Path

    import cimsim
    from cimsim.cost.pipelining import added_compute_ns
    from cimsim.network import Dense, LayerNorm, Network

    default = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    rng = np.random.default_rng(0)
    net = Network((Dense(rng.standard_normal((256, 256)) / 16), *[LayerNorm() for _ in range(8)]), (256,))
    settings = {"workload.kind": "network", "workload.vectors": 64, "chip.pipeline": pipeline}
    plain = cimsim.estimate(default, settings, network=Network((net.layers[0],), (256,)), inputs=np.ones((64, 256)))
    cim = cimsim.estimate(default, settings, network=net, inputs=np.ones((64, 256))).cim
    vec_ns = cim.item_latency_ns - plain.cim.item_latency_ns
    slowest = max(s.compute_interval_ns for s in plain.cim.stages)
    assert vec_ns > slowest  # the unit is the slowest stage
    added = vec_ns + 63 * (vec_ns - slowest if pipeline == "layer" else vec_ns)
    assert added_compute_ns(pipeline == "layer", plain.cim.stages, vec_ns, 64) == pytest.approx(added, rel=1e-12)
    assert cim.compute_ns == pytest.approx(min(cim.latency_ns, plain.cim.compute_ns + added), rel=1e-9)
    if pipeline == "layer":  # DRAM sets the interval: the chip waits on it part of the run
        assert cim.interval_ns == pytest.approx(plain.cim.interval_ns) and cim.stall_ns > 0.05 * cim.latency_ns
