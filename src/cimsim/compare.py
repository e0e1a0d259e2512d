"""CIM versus the von Neumann baseline on the same workload: both sides priced, gains as ratios.

Two scenarios are priced (REFERENCES.md, "reports must separate"): the steady state, with the weights
resident in the arrays (CIM) or in their home memory (baseline: on-chip SRAM when they fit, else streamed
from DRAM once per batch); and the totals including loading the weights once (programming the cells;
fetching them from DRAM). The macro alone (converters and arrays, no buffers or DRAM) is reported too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .baseline import baseline_breakdown
from .breakdown import Breakdown
from .config.schema import Config
from .cost.cim import cim_breakdown
from .run import RunResult, simulate

__all__ = ["Comparison", "compare", "gains", "MACRO_COMPONENTS"]

MACRO_COMPONENTS = ("dac", "array", "sample_hold", "adc", "shift_add")
"""energy components of the CIM macro itself (arrays and their converters)"""


def gains(cim: Breakdown, baseline: Breakdown) -> dict[str, float]:
    """baseline / CIM for energy, latency and EDP; CIM / baseline for throughput: > 1 means CIM wins."""
    return {
        "energy": baseline.total_energy_pj / cim.total_energy_pj,
        "latency": baseline.latency_ns / cim.latency_ns,
        "throughput": cim.throughput_mvm_per_s / baseline.throughput_mvm_per_s,
        "edp": baseline.edp_pj_ns / cim.edp_pj_ns,
    }


@dataclass(frozen=True)
class Comparison:
    run: RunResult
    cim: Breakdown
    """steady state, weights resident"""
    baseline: Breakdown
    cim_with_load: Breakdown
    """including programming the weights once"""
    baseline_with_load: Breakdown
    """including fetching the weights from DRAM once"""

    @property
    def gain(self) -> dict[str, float]:
        return gains(self.cim, self.baseline)

    @property
    def gain_with_load(self) -> dict[str, float]:
        return gains(self.cim_with_load, self.baseline_with_load)

    @property
    def macro_energy_pj(self) -> float:
        """energy of the arrays and their converters alone (steady state)"""
        return sum(v for k, v in self.cim.energy_pj.items() if k in MACRO_COMPONENTS)


def compare(config: Config, progress: Callable[[int], None] | None = None) -> Comparison:
    """Simulate the config's workload on CIM and price it next to the baseline."""
    result = simulate(config, progress)
    vectors = config.workload.vectors
    cim = cim_breakdown(config, result.plan, result.counts, name=config.name)
    return Comparison(
        run=result,
        cim=cim,
        baseline=baseline_breakdown(config, vectors, include_weight_load=False),
        cim_with_load=cim_breakdown(config, result.plan, result.counts + result.programming_counts, name=config.name),
        baseline_with_load=baseline_breakdown(config, vectors, include_weight_load=True),
    )
