"""Shipped baseline presets against the figures their papers publish (docs/cost_baseline.md, "Validation")."""

import pytest

from cimsim.baseline import baseline_breakdown, baseline_traffic, peak_tops
from cimsim.config.load import config_from_dict, list_section_presets

PRESETS = ("digital-accelerator", "dadiannao", "cpu", "tpu-v1")


def preset(name: str, *, node_nm: float = 32.0, bits: int = 8, size: int = 256):
    """A square layer of ``size`` with ``bits``-bit operands on the preset at ``node_nm``."""
    return config_from_dict({
        "baseline": {"preset": name},
        "technology": {"node_nm": node_nm, "vdd_v": 0.9},
        "mapping": {"weight_bits": bits},
        "dac": {"input_bits": bits},
        "array": {"rows_per_read": 64},  # keeps the CIM side's float32-exactness rule satisfied at 16 bits
        "workload": {"in_features": size, "out_features": size},
    }, "t.toml")


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_with_its_name(name):
    assert name in list_section_presets("baseline")
    config = config_from_dict({"baseline": {"preset": name}}, "t.toml")
    assert config.baseline.name == name and config.baseline.preset == name


@pytest.mark.parametrize("name, published_tops", [
    ("tpu-v1", 92.0),   # Jouppi et al. ISCA 2017, Table 2
    ("cpu", 2.6),       # same table, Haswell E5-2699 v3, 8-bit (two significant digits)
])
def test_peak_reproduces_published_peak(name, published_tops):
    tolerance = 0.01 if name == "tpu-v1" else 0.02  # 2.6 is rounded to two digits: 2.65 is within its rounding
    assert peak_tops(preset(name).baseline) == pytest.approx(published_tops, rel=tolerance)


def test_dadiannao_peak_counts_one_multiply_and_add_per_multiplier():
    # 2 x 4096 x 0.606 GHz = 4.965 TOPS; the paper reports 5.58 TOPS = 9208 operations per cycle (2.25 per
    # multiplier), so its count includes more than the multiply and add of each MAC. The gap is pinned here.
    model = peak_tops(preset("dadiannao").baseline)
    assert model == pytest.approx(2 * 4096 * 0.606e9 / 1e12)
    assert 5.58 / model == pytest.approx(1.124, abs=0.001)


def test_cpu_batch_one_layer_is_memory_bound_and_large_batch_compute_bound():
    # weights fetched from DRAM (the TPU paper's roofline premise); 256 x 256 int8 = 64 KiB
    config = preset("cpu", node_nm=22.0)
    one = baseline_breakdown(config, 1, include_weight_load=True)
    assert one.memory_ns > 20 * one.compute_ns  # 66 560 B at 51 GB/s = 1305 ns against 49.5 ns of MACs
    many = baseline_breakdown(config, 1024, include_weight_load=True)
    assert many.latency_ns == many.compute_ns > many.memory_ns


def test_cpu_layer_larger_than_caches_streams_weights_per_batch():
    config = preset("cpu", node_nm=22.0, size=8192)  # 64 MiB of int8 weights > 51 MiB on chip
    t = baseline_traffic(config, 32, include_weight_load=False)
    assert not t.weights_fit and t.weight_fetches == 2  # batch 16
    one = baseline_breakdown(config, 1, include_weight_load=False)
    assert one.memory_ns > 20 * one.compute_ns  # 64 MiB at 51 GB/s = 1.32 ms against 50.7 us of MACs


def test_dadiannao_keeps_weights_resident_and_streams_nothing_from_dram():
    # a 4096 x 4096 16-bit layer (32 MiB) fits in the 36 MB eDRAM; activations stay on chip as in a network
    config = preset("dadiannao", node_nm=28.0, bits=16, size=4096)
    t = baseline_traffic(config, 64, include_weight_load=False, dram_activation_bits=0)
    assert t.weights_fit and t.weight_fetches == 0
    assert t.dram_bits == 0


def test_dadiannao_energy_per_mac_brackets_the_published_power():
    # Published: 15.97 W at 4096 MACs x 606 MHz = 6.43 pJ per 16-bit MAC (whole node: eDRAM, links, clock).
    # Loose on purpose: the model's arithmetic (MAC + registers) is a lower bound, and its total is an upper
    # bound because each weight read is priced from one 36 MB SRAM array instead of a bank next to the NFU.
    published_pj = 15.97 / (4096 * 0.606e9) * 1e12
    bd = baseline_breakdown(preset("dadiannao", node_nm=28.0, bits=16), 1, include_weight_load=False,
                            dram_activation_bits=0)
    arithmetic_pj = (bd.energy_pj["mac"] + bd.energy_pj["register_file"]) / bd.macs
    total_pj = bd.total_energy_pj / bd.macs
    assert published_pj == pytest.approx(6.434, abs=0.001)
    assert 0.05 * published_pj < arithmetic_pj < 0.2 * published_pj  # 0.59 pJ: 9 % of the node's power
    assert 5 * published_pj < total_pj < 20 * published_pj  # 71 pJ: 11x, almost all weight reads
    assert bd.energy_pj["sram_weights"] / bd.total_energy_pj > 0.9


def test_tpu_weight_stationary_reads_each_weight_once_per_batch():
    config = preset("tpu-v1", node_nm=28.0)
    t = baseline_traffic(config, 400, include_weight_load=False)
    assert t.sram_weight_read_bits == 2 * 256 * 256 * 8  # 400 vectors in batches of 200
    assert t.sram_partial_sum_read_bits == 0  # 256 inputs fill one tile of the 256 x 256 array
