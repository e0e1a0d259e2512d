"""The baseline's roofline times: its MAC units' rate and compute time, its memories' transfer time
(docs/cost_baseline.md)."""

from __future__ import annotations

from ..argcheck import check_int, checked_types
from ..config.schema import BaselineConfig
from ..mapping import Plan
from .baseline_checks import checked_baseline
from .baseline_traffic import BaselineTraffic
from .memory import dram_bandwidth_gbps

__all__ = ["macs_per_cycle", "peak_tops", "times_ns", "memory_ns", "dram_gbps"]


@checked_types
def macs_per_cycle(baseline: BaselineConfig, operand_bits: int = 8) -> int:
    """MAC units working per cycle at operands of ``operand_bits`` (the wider of weights and inputs): above 8 bits
    ``wide_macs_per_cycle``, at most 4 ``narrow_macs_per_cycle``, where set."""
    checked_baseline(baseline)
    bits = check_int("operand_bits", operand_bits, 1, 64)
    rate = baseline.wide_macs_per_cycle if bits > 8 else baseline.narrow_macs_per_cycle if bits <= 4 else 0
    return int(rate or baseline.macs_per_cycle)


@checked_types
def peak_tops(baseline: BaselineConfig, operand_bits: int = 8) -> float:
    """Peak throughput, tera-operations per second: 2 operations (multiply, add) per MAC unit per cycle, at
    operands of ``operand_bits`` (:func:`macs_per_cycle`)."""
    return 2 * macs_per_cycle(baseline, operand_bits) * float(baseline.clock_ghz) / 1e3


def times_ns(b: BaselineConfig, plan: Plan, t: BaselineTraffic) -> tuple[float, float]:
    """(compute, memory) time of ``t``, ns: the roofline's two bounds"""
    compute_ns = t.macs / (macs_per_cycle(b, max(plan.weight_bits, plan.input_bits)) * b.clock_ghz)
    return compute_ns, memory_ns(b, t.dram_bits, t.sram_bits, dram_gbps(b))


def memory_ns(b: BaselineConfig, dram_bits: int, sram_bits: int, dram_gbps: float) -> float:
    """time of the slower of the DRAM and on-chip transfers, ns (bytes / (GB/s) = ns)"""
    return max(dram_bits / 8 / dram_gbps, sram_bits / 8 / b.sram_bandwidth_gbps)


def dram_gbps(b: BaselineConfig) -> float:
    """the DRAM's bandwidth, GB/s: stated, else its technology's"""
    return b.dram_bandwidth_gbps if b.dram_bandwidth_gbps is not None else dram_bandwidth_gbps(b.dram)
