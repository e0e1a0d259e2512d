"""The baseline's earlier import path (``from cimsim.baseline import baseline_breakdown``, in earlier READMEs);
the model lives in :mod:`cimsim.cost.baseline`, where new code imports it from."""

from .cost.baseline import (BaselineTraffic, OnChipMemory, baseline_breakdown, baseline_traffic, macs_per_cycle,
                            onchip_memory, peak_tops)

__all__ = ["BaselineTraffic", "OnChipMemory", "baseline_traffic", "baseline_breakdown", "onchip_memory", "peak_tops",
           "macs_per_cycle"]
