"""ISAAC versus DaDianNao: cimsim's gains against the ones ISAAC reports.

ISAAC (Shafiee et al., ISCA 2016, abstract and Sec. VIII) reports 14.8x the throughput, 5.5x the energy
efficiency and 7.5x the computational density of DaDianNao, averaged over its CNN benchmarks. cimsim prices one
representative layer instead: the ``isaac`` preset's tile layer (128 inputs x 1440 outputs on the 96 arrays of
a tile) replicated on every tile of the chip (``mapping.replication = chip.tiles``, the vectors dealt to the
copies), against the ``dadiannao`` baseline preset at the same 32 nm node. Both sides leave out DRAM (ISAAC and
DaDianNao keep weights and activations on chip): CIM time is its compute time and its energy leaves out
``dram``; the baseline moves no activation bits off chip.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cost.baseline import baseline_breakdown
from ..config import load_preset, with_overrides
from ..cost import cim_breakdown
from ..analytic import DataStats, analytic_counts
from ..mapping import plan_layer

__all__ = ["PAPER_GAINS", "DensityGains", "isaac_vs_dadiannao"]

PAPER_GAINS = {"throughput": 14.8, "energy": 5.5, "density": 7.5}
"""ISAAC over DaDianNao (ISAAC, ISCA 2016, abstract; Sec. VIII-B)"""


@dataclass(frozen=True)
class DensityGains:
    """ISAAC / DaDianNao (> 1: ISAAC wins) on one layer."""

    throughput: float
    energy: float
    """energy efficiency: baseline energy / CIM energy for the same work"""
    density: float
    """computational density: (ops/s per mm2) ratio"""


def isaac_vs_dadiannao(vectors: int = 16800) -> DensityGains:
    """cimsim's gains of the ISAAC chip over the DaDianNao node on the representative layer."""
    isaac = load_preset("isaac")
    per_array = plan_layer(isaac).outputs_per_array
    config = with_overrides(isaac, {
        "workload.out_features": per_array * isaac.chip.arrays_per_tile,
        "workload.vectors": vectors,
        "mapping.replication": isaac.chip.tiles,
        "baseline.preset": "dadiannao",
    })
    plan = plan_layer(config)
    cim = cim_breakdown(config, plan, analytic_counts(plan, vectors, DataStats.of(config)))
    cim_energy = sum(v for k, v in cim.energy_pj.items() if k != "dram")
    base = baseline_breakdown(config, vectors, include_weight_load=False, dram_activation_bits=0)
    cim_ops_per_ns = 2.0 * cim.macs / cim.compute_ns
    base_ops_per_ns = 2.0 * base.macs / base.latency_ns
    return DensityGains(
        throughput=cim_ops_per_ns / base_ops_per_ns,
        energy=base.total_energy_pj / cim_energy,
        density=(cim_ops_per_ns / cim.area_mm2) / (base_ops_per_ns / base.area_mm2),
    )
