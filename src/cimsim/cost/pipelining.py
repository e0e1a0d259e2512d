"""The steady-state interval of a workload's parts: one law for the chip model (:mod:`cimsim.cost.chip`, whose module
doc states it), the vector unit beside it (:func:`cimsim.comparison.price_network`) and a model's chips
(:mod:`cimsim.models.compose`)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["steady_interval_ns", "added_compute_ns"]


def steady_interval_ns(pipelined: bool, intervals: Sequence[float], times: Sequence[float], floor_ns: float) -> float:
    """The interval, ns, between items through parts (layers, units, chips) that admit one every ``intervals`` ns
    and hold one for ``times`` ns (on the chip: its DRAM input and output apart): pipelined, the slowest part's
    interval; one item at a time, its time through them all (its DRAM transfers overlap its neighbours'); at
    least ``floor_ns`` (its DRAM time, or another bound the caller holds)."""
    return max(max(intervals, default=0.0) if pipelined else sum(times), floor_ns)


def added_compute_ns(pipelined: bool, stages: Sequence, unit_ns: float, items: int) -> float:
    """The compute time, ns, a unit taking ``unit_ns`` per item adds to ``items`` items through ``stages``
    (:class:`~cimsim.breakdown.StageTime`: each computes one every ``compute_interval_ns``): its first item's time,
    then for each further item what it adds to the compute interval (pipelined, a stage of its own: only where it is
    slower than the slowest stage; else its whole time). A unit's time had been added in full for every item, a
    pipelined chip then reported as computing all its run (a reports probe)."""
    if items <= 0:
        return 0.0
    slowest = max((s.compute_interval_ns for s in stages), default=0.0)
    extra = max(0.0, unit_ns - slowest) if pipelined else unit_ns
    return unit_ns + (items - 1) * extra
