"""The event counts of the von Neumann baseline running a layer (:func:`cimsim.cost.baseline.baseline_traffic`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

__all__ = ["BaselineTraffic", "combined"]


@dataclass(frozen=True)
class BaselineTraffic:
    """Event counts of the baseline running ``vectors`` input vectors (totals)."""

    macs: int
    register_bits: int
    """register bits clocked (weight, input and accumulator registers; see the module's dataflows)"""
    sram_weight_read_bits: int
    """weight bits read from the on-chip memory (SRAM or eDRAM)"""
    sram_weight_write_bits: int
    """weight bits written into the on-chip memory (fetches that are kept or staged there)"""
    sram_activation_read_bits: int
    """inputs read by the MAC units plus outputs read back for DRAM"""
    sram_activation_write_bits: int
    """inputs arriving from DRAM plus outputs from the MAC units"""
    sram_partial_sum_read_bits: int
    """partial sums read back into the array (weight-stationary tiling with more inputs than one tile holds)"""
    sram_partial_sum_write_bits: int
    """partial sums written out of the array before the final output write"""
    dram_weight_bits: int
    dram_activation_bits: int
    """inputs read plus outputs written"""
    weights_fit: bool
    """the weights are kept on chip (never with weight_streaming)"""
    weight_fetches: int
    """times the whole weight matrix comes from DRAM"""
    weights_direct: bool = False
    """fetched weights go from DRAM straight into the MAC registers (no on-chip weight traffic)"""
    fetch_batch: int = 1
    """vectors that share a streamed fetch: baseline.batch, or fewer where the on-chip memory cannot hold that many
    vectors' inputs (:func:`cimsim.cost.baseline._residence`); more than ``vectors`` where the run has fewer"""
    vectors: int = 0
    """the vectors run"""
    last_batch_direct: bool = False
    """the run's last, partial batch fetches for each vector straight into the registers where its whole batches
    stage theirs (output-stationary: too few vectors for staging to pay; the other way round never happens, staging
    paying less per vector for fewer)"""
    weights_fit_streamed: bool = False
    """the weights fit on chip but are streamed: that costs less energy, in no more time, than keeping them, whose
    room leaves sub-batches of few vectors (a weight-stationary unit reloads its registers per sub-batch)"""
    map_bits_per_vector: float | None = None
    """a conv's input-map bits per output position, written on chip once as the map arrives while each position
    reads its window (k x k x C_in inputs: the im2col copy is read, never written); None: each vector's own inputs
    written, as a dense layer's"""

    @property
    def sram_bits(self) -> int:
        return (self.sram_weight_read_bits + self.sram_weight_write_bits
                + self.sram_activation_read_bits + self.sram_activation_write_bits
                + self.sram_partial_sum_read_bits + self.sram_partial_sum_write_bits)

    @property
    def dram_bits(self) -> int:
        return self.dram_weight_bits + self.dram_activation_bits

    @property
    def vectors_per_fetch(self) -> int:
        """the vectors a whole batch's fetch serves, which finish together: one where each vector fetches its own"""
        return 1 if self.weight_fetches >= self.vectors else min(self.fetch_batch, self.vectors)


def combined(parts: Sequence[tuple[int, BaselineTraffic]]) -> BaselineTraffic:
    """``n`` runs of each traffic of ``parts`` ((n, traffic), ...) one after the other: their counts (vectors,
    fetches, bits) summed, the first's plan (its flags and fetch batch)"""
    counted = [f.name for f in fields(BaselineTraffic) if f.type == "int" and f.name != "fetch_batch"]
    return replace(parts[0][1], **{name: sum(n * getattr(t, name) for n, t in parts) for name in counted})
