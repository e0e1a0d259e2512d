"""The steady-state interval of a workload's parts: one law for the chip model (:mod:`cimsim.cost.chip`, whose module
doc states it), the vector unit beside it (:func:`cimsim.comparison.price_network`) and a model's chips
(:mod:`cimsim.models.compose`)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["steady_interval_ns"]


def steady_interval_ns(pipelined: bool, intervals: Sequence[float], times: Sequence[float], floor_ns: float) -> float:
    """The interval, ns, between items through parts (layers, units, chips) that admit one every ``intervals`` ns
    and hold one for ``times`` ns (on the chip: its DRAM input and output apart): pipelined, the slowest part's
    interval; one item at a time, its time through them all (its DRAM transfers overlap its neighbours'); at
    least ``floor_ns`` (its DRAM time, or another bound the caller holds)."""
    return max(max(intervals, default=0.0) if pipelined else sum(times), floor_ns)
