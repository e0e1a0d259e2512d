"""The von Neumann baseline: the same dense workload on a digital processor (DESIGN.md section 4).

Shapes only, no numerics. The processor has P = ``macs_per_cycle`` MAC units at ``clock_ghz``, each with
its own registers, one on-chip SRAM of ``sram_kib`` and a DRAM of kind ``dram``, all at the config's
technology node and supply. Per vector of the layer (n_in inputs, n_out outputs), with B = ``batch``:

- ``output_stationary``: each unit owns one output and accumulates it in a register over all inputs;
  per MAC it clocks its weight, input and accumulator registers once. P outputs of one vector are computed
  at once, so each input is read from the SRAM once per group of P outputs (ceil(n_out / P) groups) and
  broadcast; each weight is read from the SRAM once per vector (batching saves DRAM traffic, not SRAM reads).
- ``weight_stationary``: the units hold a tile of k = min(n_in, P) inputs x m = min(n_out, P // k) outputs
  of weights; each weight is read from the SRAM into its register once per batch of B vectors and used
  for all of them. Inputs of the tile are read once per vector and broadcast along its m outputs
  (ceil(n_out / m) output tiles); the k products of an output are summed inside the array, and its
  partial sum leaves the array once per input tile: with T = ceil(n_in / k) input tiles it is written to
  and read back from the SRAM T - 1 times per vector before its final write. Per MAC the input and
  accumulator registers are clocked; each weight register is written once per batch.

Weights fit on chip when their bytes plus the inputs and outputs of one batch fit in the SRAM. Then
they are fetched from DRAM once (only with ``include_weight_load``); otherwise they stream from DRAM
once per ``batch`` vectors, each fetch written into the SRAM and read from it. Inputs are read from
DRAM once and written to the SRAM; outputs (``accumulator_bits`` wide) are written to the SRAM,
read back and written to DRAM once.

Latency is a roofline: compute_ns = MACs / (macs_per_cycle x clock_ghz) at full utilisation;
memory_ns = max(DRAM bytes / DRAM bandwidth, SRAM bytes / SRAM bandwidth) (the two levels overlap);
latency_ns = max(compute_ns, memory_ns). Leakage is not modelled.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from .breakdown import Breakdown
from .config.schema import BaselineConfig, Config
from .cost.digital import mac_area_um2, mac_energy_pj, register_area_um2_per_bit, register_file_energy_pj_per_bit
from .cost.memory import (dram_bandwidth_gbps, dram_energy_pj_per_bit, sram_area_um2, sram_read_energy_pj_per_bit,
                          sram_write_energy_pj_per_bit)
from .mapping import plan_layer

__all__ = ["BaselineTraffic", "baseline_traffic", "baseline_breakdown", "peak_tops"]


@dataclass(frozen=True)
class BaselineTraffic:
    """Event counts of the baseline running ``vectors`` input vectors (totals)."""

    macs: int
    register_bits: int
    """register bits clocked (weight, input and accumulator registers; see the module's dataflows)"""
    sram_weight_read_bits: int
    sram_weight_write_bits: int
    sram_activation_read_bits: int
    """inputs read by the MAC units plus outputs read back for DRAM"""
    sram_activation_write_bits: int
    """inputs arriving from DRAM plus outputs from the MAC units"""
    sram_partial_sum_read_bits: int
    """partial sums read back into the array (weight-stationary with more inputs than one tile holds)"""
    sram_partial_sum_write_bits: int
    """partial sums written out of the array before the final output write"""
    dram_weight_bits: int
    dram_activation_bits: int
    """inputs read plus outputs written"""
    weights_fit: bool
    weight_fetches: int
    """times the whole weight matrix comes from DRAM"""

    @property
    def sram_bits(self) -> int:
        return (self.sram_weight_read_bits + self.sram_weight_write_bits
                + self.sram_activation_read_bits + self.sram_activation_write_bits
                + self.sram_partial_sum_read_bits + self.sram_partial_sum_write_bits)

    @property
    def dram_bits(self) -> int:
        return self.dram_weight_bits + self.dram_activation_bits


def _check_vectors(vectors: int) -> None:
    if isinstance(vectors, bool) or not isinstance(vectors, numbers.Integral) or vectors < 1:
        raise ValueError(f"vectors must be a positive integer; got {vectors!r}")


def peak_tops(baseline: BaselineConfig) -> float:
    """Peak throughput, tera-operations per second: 2 operations (multiply, add) per MAC unit per cycle."""
    return 2 * baseline.macs_per_cycle * baseline.clock_ghz / 1e3


def baseline_traffic(config: Config, vectors: int, *, include_weight_load: bool,
                     dram_activation_bits: int | None = None) -> BaselineTraffic:
    """Traffic at each level of the baseline for ``vectors`` vectors of the config's dense layer.

    ``dram_activation_bits``: input and output bits that cross the DRAM interface; None: every input vector
    read and every output written once (a network passes what its layer really moves: activations between
    layers stay in SRAM).
    """
    _check_vectors(vectors)
    vectors = int(vectors)
    plan = plan_layer(config)
    b = config.baseline
    n_in, n_out = plan.in_features, plan.out_features
    w_bits, x_bits, acc_bits = plan.weight_bits, plan.input_bits, plan.accumulator_bits
    macs = vectors * n_in * n_out

    weight_bits = n_in * n_out * w_bits
    in_bits_per_vector = n_in * x_bits
    out_bits_per_vector = n_out * acc_bits
    batch_io_bits = min(b.batch, vectors) * (in_bits_per_vector + out_bits_per_vector)
    weights_fit = weight_bits + batch_io_bits <= b.sram_kib * 1024 * 8
    batches = math.ceil(vectors / b.batch)
    fetches = (1 if include_weight_load else 0) if weights_fit else batches

    if b.dataflow == "weight_stationary":
        tile_in = min(n_in, b.macs_per_cycle)
        tile_out = min(n_out, b.macs_per_cycle // tile_in)
        input_reads = math.ceil(n_out / tile_out)  # each input tile is read once per output tile
        spills = math.ceil(n_in / tile_in) - 1  # partial sums written out and read back per output and vector
        weight_reads = batches * weight_bits
        register_bits = macs * (x_bits + acc_bits) + batches * weight_bits
    else:
        input_reads = math.ceil(n_out / b.macs_per_cycle)  # each input is read once per group of P outputs
        spills = 0
        weight_reads = vectors * weight_bits
        register_bits = macs * (w_bits + x_bits + acc_bits)
    partial_sum_bits = vectors * n_out * spills * acc_bits

    return BaselineTraffic(
        macs=macs,
        register_bits=register_bits,
        sram_weight_read_bits=weight_reads,
        sram_weight_write_bits=fetches * weight_bits,
        sram_activation_read_bits=vectors * (in_bits_per_vector * input_reads + out_bits_per_vector),
        sram_activation_write_bits=vectors * (in_bits_per_vector + out_bits_per_vector),
        sram_partial_sum_read_bits=partial_sum_bits,
        sram_partial_sum_write_bits=partial_sum_bits,
        dram_weight_bits=fetches * weight_bits,
        dram_activation_bits=(vectors * (in_bits_per_vector + out_bits_per_vector) if dram_activation_bits is None
                              else dram_activation_bits),
        weights_fit=weights_fit,
        weight_fetches=fetches,
    )


_DATAFLOW_SENTENCES = {
    "output_stationary": "Output-stationary: each MAC clocks its weight, input and accumulator registers once; "
                         "every weight is read from SRAM once per vector.",
    "weight_stationary": "Weight-stationary: each weight is read from SRAM into a MAC's register once per batch of "
                         "{batch} vectors; inputs are broadcast and partial sums leave the array once per input tile.",
}


def baseline_breakdown(config: Config, vectors: int, *, include_weight_load: bool,
                       dram_activation_bits: int | None = None) -> Breakdown:
    """Energy, latency and area of the baseline processor running ``vectors`` vectors of the layer
    (``dram_activation_bits`` as in :func:`baseline_traffic`)."""
    t = baseline_traffic(config, vectors, include_weight_load=include_weight_load,
                         dram_activation_bits=dram_activation_bits)
    plan = plan_layer(config)
    b, tech = config.baseline, config.technology
    w_bits, x_bits, acc_bits = plan.weight_bits, plan.input_bits, plan.accumulator_bits
    sram_bytes = b.sram_kib * 1024
    sram_read_pj = sram_read_energy_pj_per_bit(sram_bytes, tech)
    sram_write_pj = sram_write_energy_pj_per_bit(sram_bytes, tech)
    dram_pj = dram_energy_pj_per_bit(b.dram)
    dram_gbps = b.dram_bandwidth_gbps if b.dram_bandwidth_gbps is not None else dram_bandwidth_gbps(b.dram)

    energy_pj = {
        "mac": t.macs * mac_energy_pj(w_bits, x_bits, tech, acc_bits),
        "register_file": t.register_bits * register_file_energy_pj_per_bit(tech),
        "sram_weights": t.sram_weight_read_bits * sram_read_pj + t.sram_weight_write_bits * sram_write_pj,
        "sram_activations": t.sram_activation_read_bits * sram_read_pj + t.sram_activation_write_bits * sram_write_pj,
        "sram_partial_sums": t.sram_partial_sum_read_bits * sram_read_pj + t.sram_partial_sum_write_bits * sram_write_pj,
        "dram_weights": t.dram_weight_bits * dram_pj,
        "dram_activations": t.dram_activation_bits * dram_pj,
    }
    area_um2 = {
        "mac_units": b.macs_per_cycle * mac_area_um2(w_bits, x_bits, tech, acc_bits),
        "register_file": b.macs_per_cycle * (w_bits + x_bits + acc_bits) * register_area_um2_per_bit(tech),
        "sram": sram_area_um2(sram_bytes, tech),
    }

    compute_ns = t.macs / (b.macs_per_cycle * b.clock_ghz)
    dram_ns = t.dram_bits / 8 / dram_gbps  # bytes / (GB/s) = ns
    sram_ns = t.sram_bits / 8 / b.sram_bandwidth_gbps
    memory_ns = max(dram_ns, sram_ns)

    if t.weights_fit:
        where = (f"The weights ({plan.in_features}x{plan.out_features} x {w_bits} bit) fit in the "
                 f"{b.sram_kib:g} KiB SRAM; "
                 + ("they are loaded from DRAM once." if include_weight_load
                    else "they are resident (loading them is not counted)."))
    else:
        where = (f"The weights ({plan.in_features}x{plan.out_features} x {w_bits} bit) do not fit in the "
                 f"{b.sram_kib:g} KiB SRAM; they stream from DRAM once per batch of {b.batch} vectors "
                 f"({t.weight_fetches} fetches).")
    assumptions = (
        f"Digital baseline at {tech.node_nm:g} nm, {tech.vdd_v:g} V: {b.macs_per_cycle} MAC units at "
        f"{b.clock_ghz:g} GHz, {w_bits}-bit weights x {x_bits}-bit inputs, {acc_bits}-bit accumulators.",
        "Energies from Horowitz (ISSCC 2014, 45 nm) scaled with Stillmaker & Baas (2017); leakage not modelled.",
        _DATAFLOW_SENTENCES[b.dataflow].format(batch=b.batch),
        where,
        f"Off-chip memory: {b.dram} at {dram_pj:g} pJ/bit and {dram_gbps:g} GB/s; "
        + ("inputs read and outputs written once." if dram_activation_bits is None else
           "the workload's inputs read and outputs written once; activations between layers stay in SRAM."),
        "Latency is a roofline: max(compute at full utilisation, DRAM time, SRAM time).",
    )
    return Breakdown(
        name=b.name,
        energy_pj=energy_pj,
        area_um2=area_um2,
        latency_ns=max(compute_ns, memory_ns),
        compute_ns=compute_ns,
        memory_ns=memory_ns,
        mvms=int(vectors),
        macs=t.macs,
        assumptions=assumptions,
    )
