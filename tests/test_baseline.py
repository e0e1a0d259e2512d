"""The von Neumann baseline: hand-computed traffic and energy, reuse, roofline, DRAM dominance."""

import math
from dataclasses import replace

import pytest

from cimsim.baseline import baseline_breakdown, baseline_traffic, peak_tops
from cimsim.config.schema import BaselineConfig, Config, TechnologyConfig, WorkloadConfig
from cimsim.cost.digital import mac_energy_pj, register_file_energy_pj_per_bit
from cimsim.cost.memory import sram_read_energy_pj_per_bit, sram_write_energy_pj_per_bit

TECH = TechnologyConfig(node_nm=45.0, vdd_v=0.9)


def tiny(**baseline) -> Config:
    """4 x 4 layer, 8-bit weights and inputs (accumulator 8 + 8 + log2(4) = 18 bits), 2 MAC units."""
    fields = dict(macs_per_cycle=2, clock_ghz=1.0, sram_kib=1.0, sram_bandwidth_gbps=512.0, dram="ddr4", batch=2)
    fields.update(baseline)
    return Config(technology=TECH, workload=WorkloadConfig(in_features=4, out_features=4),
                  baseline=BaselineConfig(**fields))


def test_tiny_layer_fitting_in_sram_hand_computed():
    config = tiny()
    bd = baseline_breakdown(config, 2, include_weight_load=True)
    # traffic by hand: 2 vectors x 16 MACs; weights 4 x 4 x 8 = 128 bits; per vector 32 input and 4 x 18 = 72 output
    # bits; inputs read once per group of 2 outputs -> 2 groups
    sram_read = sram_read_energy_pj_per_bit(1024, TECH)
    sram_write = sram_write_energy_pj_per_bit(1024, TECH)
    assert bd.macs == 32 and bd.mvms == 2
    assert bd.energy_pj["mac"] == pytest.approx(32 * mac_energy_pj(8, 8, TECH, 18))
    assert bd.energy_pj["register_file"] == pytest.approx(32 * (8 + 8 + 18) * register_file_energy_pj_per_bit(TECH))
    assert bd.energy_pj["sram_weights"] == pytest.approx(2 * 128 * sram_read + 128 * sram_write)
    assert bd.energy_pj["sram_activations"] == pytest.approx(2 * (32 * 2 + 72) * sram_read + 2 * (32 + 72) * sram_write)
    assert bd.energy_pj["dram_weights"] == pytest.approx(128 * 1300 / 64)
    assert bd.energy_pj["dram_activations"] == pytest.approx(2 * (32 + 72) * 1300 / 64)
    # roofline: 32 MACs / 2 per ns = 16 ns; DRAM 336 bits = 42 B at 25.6 GB/s; SRAM 864 bits = 108 B at 512 GB/s
    assert bd.compute_ns == pytest.approx(16.0)
    assert bd.memory_ns == pytest.approx(max(42 / 25.6, 108 / 512))
    assert bd.latency_ns == pytest.approx(16.0)
    assert bd.name == config.baseline.name


def test_tiny_layer_not_fitting_streams_weights_per_batch():
    # 0.02 KiB = 20.48 B < 16 B of weights + 1 x (32 + 72) bits / 8 = 29 B (batch 1)
    config = tiny(sram_kib=0.02, batch=1)
    t = baseline_traffic(config, 2, include_weight_load=False)
    assert not t.weights_fit and t.weight_fetches == 2
    assert t.dram_weight_bits == 2 * 128 and t.sram_weight_write_bits == 2 * 128
    assert t.sram_weight_read_bits == 2 * 128
    bd = baseline_breakdown(config, 2, include_weight_load=False)
    assert bd.energy_pj["dram_weights"] == pytest.approx(256 * 1300 / 64)
    assert any("do not fit" in a for a in bd.assumptions)


def test_resident_weights_cost_no_dram_and_scale_linearly():
    config = tiny(batch=4)
    t = baseline_traffic(config, 2, include_weight_load=False)
    assert t.weights_fit and t.weight_fetches == 0 and t.dram_weight_bits == 0
    one = baseline_breakdown(config, 1, include_weight_load=False)
    three = baseline_breakdown(config, 3, include_weight_load=False)
    assert three.total_energy_pj == pytest.approx(3 * one.total_energy_pj)
    assert any("resident" in a for a in one.assumptions)


def test_batching_divides_weight_fetches():
    config = tiny(sram_kib=0.02, batch=1)
    fetches = [baseline_traffic(replace(config, baseline=replace(config.baseline, batch=b)), 8,
                                include_weight_load=True).weight_fetches for b in (1, 2, 3, 8)]
    assert fetches == [8, 4, math.ceil(8 / 3), 1]


def test_roofline_switches_from_compute_to_memory_bound():
    fast = baseline_breakdown(tiny(dram_bandwidth_gbps=25.6), 2, include_weight_load=True)
    slow = baseline_breakdown(tiny(dram_bandwidth_gbps=1.0), 2, include_weight_load=True)
    assert fast.latency_ns == fast.compute_ns and fast.stall_ns == 0.0
    # 42 B at 1 GB/s = 42 ns > 16 ns of compute
    assert slow.latency_ns == pytest.approx(42.0) and slow.compute_ns == pytest.approx(16.0)
    assert slow.total_energy_pj == pytest.approx(fast.total_energy_pj)


def test_dram_dominates_batch_one_layer_fetched_from_dram():
    # REFERENCES: weight movement is ~99 % of a batch-1 256x256 layer fetched from DRAM
    config = Config(workload=WorkloadConfig(in_features=256, out_features=256),
                    baseline=BaselineConfig(sram_kib=32.0, batch=1, dram="ddr4"))
    bd = baseline_breakdown(config, 1, include_weight_load=True)
    dram = bd.energy_pj["dram_weights"] + bd.energy_pj["dram_activations"]
    assert dram / bd.total_energy_pj > 0.95
    assert max(bd.energy_pj, key=bd.energy_pj.get) == "dram_weights"
    # compute alone (MACs and registers) is well under 1 % of it
    assert (bd.energy_pj["mac"] + bd.energy_pj["register_file"]) / bd.total_energy_pj < 0.01


def test_area_components_positive_and_grow_with_units():
    small = baseline_breakdown(tiny(macs_per_cycle=2), 1, include_weight_load=False)
    big = baseline_breakdown(tiny(macs_per_cycle=8), 1, include_weight_load=False)
    assert set(small.area_um2) == {"mac_units", "register_file", "sram"}
    assert big.area_um2["mac_units"] == pytest.approx(4 * small.area_um2["mac_units"])
    assert big.area_um2["sram"] == small.area_um2["sram"]


@pytest.mark.parametrize("vectors", [0, -1, 2.0, True])
def test_bad_vectors_raise(vectors):
    with pytest.raises(ValueError, match="vectors"):
        baseline_breakdown(tiny(), vectors, include_weight_load=True)


def test_weight_stationary_tiny_layer_hand_computed():
    # 2 units hold a tile of k = 2 inputs x m = 1 output: T = 2 input tiles, 4 output tiles; one batch of 2 vectors
    config = tiny(dataflow="weight_stationary")
    t = baseline_traffic(config, 2, include_weight_load=True)
    assert t.register_bits == 32 * (8 + 18) + 128  # input + accumulator per MAC; each weight register written once
    assert t.sram_weight_read_bits == 128 and t.sram_weight_write_bits == 128
    assert t.sram_activation_read_bits == 2 * (32 * 4 + 72)  # each input read once per output tile
    assert t.sram_activation_write_bits == 2 * (32 + 72)
    # each of the 4 outputs leaves the array after the first input tile: written and read back once per vector
    assert t.sram_partial_sum_read_bits == t.sram_partial_sum_write_bits == 2 * 4 * 1 * 18
    assert t.dram_weight_bits == 128 and t.dram_activation_bits == 2 * (32 + 72)
    bd = baseline_breakdown(config, 2, include_weight_load=True)
    sram_read = sram_read_energy_pj_per_bit(1024, TECH)
    sram_write = sram_write_energy_pj_per_bit(1024, TECH)
    assert bd.energy_pj["sram_partial_sums"] == pytest.approx(144 * (sram_read + sram_write))
    assert bd.energy_pj["register_file"] == pytest.approx(960 * register_file_energy_pj_per_bit(TECH))
    assert any(a.startswith("Weight-stationary") and "batch of 2 vectors" in a for a in bd.assumptions)


def test_output_stationary_moves_no_partial_sums():
    t = baseline_traffic(tiny(), 2, include_weight_load=True)
    assert t.sram_partial_sum_read_bits == t.sram_partial_sum_write_bits == 0
    assert baseline_breakdown(tiny(), 2, include_weight_load=True).energy_pj["sram_partial_sums"] == 0.0


@pytest.mark.parametrize("batch", [1, 2, 4, 8])
def test_weight_stationary_reads_weights_batch_times_less_and_partial_sums_more(batch):
    vectors = 8
    os_ = baseline_traffic(tiny(batch=batch), vectors, include_weight_load=False)
    ws = baseline_traffic(tiny(batch=batch, dataflow="weight_stationary"), vectors, include_weight_load=False)
    assert os_.sram_weight_read_bits == vectors * 128
    assert os_.sram_weight_read_bits == batch * ws.sram_weight_read_bits
    assert ws.sram_partial_sum_read_bits > os_.sram_partial_sum_read_bits == 0
    assert ws.macs == os_.macs and ws.dram_bits == os_.dram_bits


def test_weight_stationary_single_input_tile_spills_nothing():
    # 4 units hold all 4 inputs of one output: the partial sum never leaves the array
    t = baseline_traffic(tiny(macs_per_cycle=4, dataflow="weight_stationary"), 2, include_weight_load=False)
    assert t.sram_partial_sum_read_bits == 0
    assert t.sram_activation_read_bits == 2 * (32 * 4 + 72)


def test_peak_tops_is_two_operations_per_mac_per_cycle():
    assert peak_tops(BaselineConfig(macs_per_cycle=256, clock_ghz=1.0)) == pytest.approx(0.512)
