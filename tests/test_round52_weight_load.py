"""Round 52: the baseline's one-off weight load runs before its vectors, in series, as the chip's does
(docs/cost_cim.md, "Totals"): its roofline had hidden the fetch under compute or on-chip traffic."""

from pathlib import Path

import pytest

from cimsim.comparison import compare
from cimsim.config import load_config, with_overrides
from cimsim.cost.memory import dram_bandwidth_gbps, dram_energy_pj_per_bit

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _fetch_ns(config, loaded) -> float:
    """the one-off fetch's time, ns: the loaded baseline's DRAM weight bits (from its dynamic energy) over the DRAM"""
    b = config.baseline
    gbps = b.dram_bandwidth_gbps if b.dram_bandwidth_gbps is not None else dram_bandwidth_gbps(b.dram)
    return loaded.energy_pj["dram_weights"] / dram_energy_pj_per_bit(b.dram) / 8 / gbps


def test_a_compute_bound_baseline_pays_its_one_off_fetch_before_its_vectors():
    """default.toml, 64 vectors: 16384 ns steady and 16384 ns with the load (the 64 KiB fetch, 3841 ns over LPDDR4,
    hidden under compute), while the chip added its fetch in series; now 16384 + 3841 ns, the throughput as steady"""
    config = with_overrides(load_config(CONFIGS / "default.toml"), {"workload.vectors": 64})
    comp = compare(config)
    steady, loaded = comp.baseline, comp.baseline_with_load
    fetch_ns = _fetch_ns(config, loaded)
    assert fetch_ns == pytest.approx(256 * 256 / 17.064, rel=1e-3)
    assert steady.latency_ns == pytest.approx(steady.compute_ns, rel=1e-12)  # compute-bound
    assert loaded.latency_ns == pytest.approx(steady.latency_ns + fetch_ns, rel=1e-9)
    assert (loaded.interval_ns, loaded.item_latency_ns) == (steady.interval_ns, steady.item_latency_ns)
    assert comp.gain_with_load["latency"] == pytest.approx(loaded.latency_ns / comp.cim_with_load.latency_ns)
    assert comp.gain_with_load["throughput"] == comp.gain["throughput"]


def test_a_board_power_baseline_pays_its_one_off_fetch_in_energy_too():
    """h100 with weight-stationary tiles (a 1024 x 1024 int8 layer resident in its L2, batch 1), 512 vectors: L2-bound,
    and its load had added only the L2 write (31 ns), not the 313 ns fetch from HBM, nor its board
    energy; now the fetch runs first, at 700 W"""
    config = with_overrides(load_config(CONFIGS / "default.toml"), {
        "baseline.preset": "h100", "baseline.dataflow": "weight_stationary", "workload.in_features": 1024,
        "workload.out_features": 1024, "workload.vectors": 512})
    comp = compare(config)
    steady, loaded = comp.baseline, comp.baseline_with_load
    fetch_ns = 1024 * 1024 / config.baseline.dram_bandwidth_gbps
    assert steady.latency_ns == pytest.approx(steady.memory_ns) and steady.memory_ns > 10 * steady.compute_ns
    assert loaded.latency_ns == pytest.approx(steady.latency_ns + fetch_ns, rel=1e-9)
    watts = config.baseline.board_power_w
    assert loaded.energy_pj["board_power"] == pytest.approx(watts * loaded.latency_ns * 1e3, rel=1e-12)
    assert loaded.total_energy_pj - steady.total_energy_pj == pytest.approx(watts * fetch_ns * 1e3, rel=1e-9)


def test_a_network_baseline_pays_each_layers_one_off_fetch_in_series():
    """digits-mlp (its weights fit the baseline's SRAM together): the run with the load is the steady run plus
    every layer's fetch, as the chip's is its fetch, programming and steady run"""
    config = with_overrides(load_config(CONFIGS / "digits-mlp.toml"), {"workload.vectors": 4})
    comp = compare(config)
    steady, loaded = comp.baseline, comp.baseline_with_load
    fetch_ns = _fetch_ns(config, loaded)
    assert fetch_ns > 0 and steady.energy_pj["dram_weights"] == 0
    assert loaded.latency_ns == pytest.approx(steady.latency_ns + fetch_ns, rel=1e-9)


def test_weights_a_network_fetches_every_run_are_its_steady_state_with_or_without_the_load():
    """digits-mlp's 4736 B of weights beside a 4.5 KiB SRAM (each layer fits, not both): fetched once per run in the
    steady state too (RUN_FETCH), overlapped by the roofline; the load adds no fetch of its own, so nothing in
    series"""
    config = with_overrides(load_config(CONFIGS / "digits-mlp.toml"), {"workload.vectors": 4,
                                                                      "baseline.sram_kib": 4.5})
    comp = compare(config)
    steady, loaded = comp.baseline, comp.baseline_with_load
    assert steady.energy_pj["dram_weights"] > 0
    assert (loaded.latency_ns, loaded.total_energy_pj) == (steady.latency_ns, steady.total_energy_pj)
