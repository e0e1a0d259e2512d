"""The assumption sentences of a baseline breakdown (:func:`cimsim.cost.baseline.baseline_breakdown`)."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

from ..config.modes import Dataflow, EnergyModel, MemoryTechnology
from ..config.schema import Config
from ..mapping import Plan
from .baseline_area import NATIVE_ACCUMULATOR_BITS, NATIVE_OPERAND_BITS, built_unit_bits, has_die
from .technology import stated_clock_note

if TYPE_CHECKING:
    from .baseline import OnChipMemory
    from .baseline_traffic import BaselineTraffic

__all__ = ["array_rows", "baseline_assumptions", "board_power_sentence"]

_DATAFLOW_SENTENCES = {
    "output_stationary": "Output-stationary: each MAC clocks its weight, input and accumulator registers once; "
                         "every weight is read from on-chip memory once per vector{last}.",
    "output_stationary_direct": "Output-stationary: each MAC clocks its weight, input and accumulator registers "
                                "once; every weight comes from DRAM straight into a MAC's register, once per vector "
                                "({reason}).",
    "weight_stationary": "Weight-stationary: each weight is read into a MAC's register once per {batch}; inputs "
                         "are broadcast and partial sums leave the array ({array}) once per input tile.",
    "weight_streaming": "Weight-streaming: no weight is kept on chip; each {batch} fetches every weight from DRAM "
                        "straight into a MAC's register; inputs are broadcast and partial sums leave the array "
                        "({array}) once per input tile.",
}


def _direct_reason(batch: int, t: BaselineTraffic, board_power: bool) -> str:
    """Why output-stationary weights stream straight into the registers: one vector per batch, or staging a fetch
    on chip would cost more energy (as priced: ``board_power`` over its time, else its events and leakage) than
    fetching it again."""
    if batch == 1 or t.weight_fetches <= 1:
        return "nothing on chip would reuse it"
    priced = "board power over each plan's time" if board_power else "the leakage over each plan's time included"
    return (f"staging it on chip for a batch of {batch} would save no energy over fetching it again for each "
            f"vector ({priced})")


def _weights_sentence(config: Config, plan: Plan, t: BaselineTraffic, kind: str, include_weight_load: bool) -> str:
    """Where the weights live: kept in the on-chip memory of ``kind``, or streamed from DRAM (and by which route)."""
    b = config.baseline
    shape = f"The weights ({plan.out_features}x{plan.in_features} x {plan.weight_bits} bit)"  # out x in
    if t.weights_fit:
        return (f"{shape} fit in the {b.sram_kib:g} KiB {kind}; "
                + ("they are loaded from DRAM once." if include_weight_load
                   else "they are resident (loading them is not counted)."))
    reason = ("are never kept on chip (weight_streaming)" if b.dataflow == Dataflow.WEIGHT_STREAMING
              else f"fit in the {b.sram_kib:g} KiB {kind}, but serve these vectors alone (an item's own K and V, from "
                   "a DRAM KV cache): streaming them costs less energy than writing them on chip and reading them "
                   "back, in no more time" if t.weights_fit_streamed and include_weight_load  # (load_serves_these)
              else f"fit in the {b.sram_kib:g} KiB {kind}, but so few vectors' inputs and outputs fit beside them that "
                   "streaming them costs less energy, in no more time" if t.weights_fit_streamed
              else f"do not fit in the {b.sram_kib:g} KiB {kind}")
    route = ("straight into the MAC registers (no on-chip weight traffic)" if t.weights_direct
             else f"through the {kind}, which keeps each fetch for the batch")
    per_vector = t.weights_direct and b.dataflow == Dataflow.OUTPUT_STATIONARY  # staging would not pay
    every = _batch_words(1 if per_vector else min(t.fetch_batch, t.vectors))
    if t.fetch_batch < min(b.batch, t.vectors) and not per_vector:
        holds = (f"the inputs of {t.fetch_batch}" if b.sram_kib * 8192 >= plan.in_features * plan.input_bits
                 else "not even one vector's inputs")
        every += f" (of baseline.batch's {b.batch}, the {b.sram_kib:g} KiB {kind} holds {holds})"
    fetches, last, rest = f"{t.weight_fetches} fetch{'es' * (t.weight_fetches != 1)}", "", t.vectors % t.fetch_batch
    if t.last_batch_direct:  # the whole batches' fetches, then one per vector of the last
        fetches += f": {t.weight_fetches - rest} for the whole batches"
        last = (f"; the last batch's {rest} vector(s) fetch them for each vector straight into the MAC registers "
                "(staging them for so few would save no energy)")
    return f"{shape} {reason}; they stream from DRAM once per {every} ({fetches}), {route}{last}."


def array_rows(b, plan: Plan, units: int) -> int:
    """Rows (inputs) of a weight-stationary array of ``units`` MAC units for ``plan``'s layer: the stated
    ``array_rows`` (at most the units), else the tiling a compiler picks for the layer: the rows whose on-chip
    traffic per vector is least (each input read once per output tile; each partial sum written and read back once
    per input tile after the first), the most of them on a tie. Of the rows giving one count of input tiles T the
    fewest, ceil(n_in / T), leave the most columns, so those are the only candidates (about 2 sqrt(n_in) of them).
    An array shaped to a wide layer (units x 1) reads each input once per output; a square one spills the partial
    sums of a layer of few outputs."""
    if b.array_rows:
        return min(b.array_rows, units)
    return _least_traffic_rows(plan.in_features, plan.out_features, plan.input_bits, plan.accumulator_bits, units)


@functools.lru_cache(maxsize=1024)
def _least_traffic_rows(n_in: int, n_out: int, input_bits: int, accumulator_bits: int, units: int) -> int:
    """:func:`array_rows` left out, held per layer shape (a search of up to 0.3 ms: pricing asks for it per layer and
    traffic plan, and a model's layers repeat)"""
    def traffic_bits(rows: int) -> int:
        return (n_in * input_bits * math.ceil(n_out / min(n_out, units // rows))
                + 2 * n_out * accumulator_bits * (math.ceil(n_in / rows) - 1))
    side = math.isqrt(n_in) + 1
    candidates = {rows for rows in ({-(-n_in // tiles) for tiles in range(1, side + 1)} | set(range(1, side + 1)))
                  if rows <= min(n_in, units)}
    return min(candidates, key=lambda rows: (traffic_bits(rows), -rows))


def _batch_words(vectors: int) -> str:
    """'vector', or 'batch of N vectors'"""
    return "vector" if vectors == 1 else f"batch of {vectors} vectors"


def _built_note(config: Config, plan: Plan) -> str:
    """where the units a preset's area counts (not a published die's) differ from the work they run: a preset with
    a wide rate has fixed 8 x 8-bit units with 32-bit accumulators (wider work runs at the wide rate, a sum past 32
    bits is priced as if they held it); one without is built as wide as the work in each width, never narrower"""
    built, b = built_unit_bits(config.baseline, plan), config.baseline
    if built == (plan.weight_bits, plan.input_bits, plan.accumulator_bits) or has_die(b):
        return ""
    units = f"{built[0]} x {built[1]}-bit units with {built[2]}-bit accumulators"
    if b.wide_macs_per_cycle > 0:
        return f" (on the preset's fixed {units}, which its area counts)"
    least = f"{NATIVE_OPERAND_BITS} x {NATIVE_OPERAND_BITS}-bit units with {NATIVE_ACCUMULATOR_BITS}-bit accumulators"
    return (f" (on the preset's {units}, the narrowest it is built with, which its area counts)" if units == least
            else f" (on the preset's units, as wide as the work and at least {least}: here {units}, which its area "
                 "counts)")


def baseline_assumptions(config: Config, plan: Plan, t: BaselineTraffic, mem: OnChipMemory, units: int,
                         dram_pj: float, dram_gbps: float, *, include_weight_load: bool, io_given: bool) -> list[str]:
    """The baseline's assumptions: technology and MAC units, on-chip memory (``mem``), dataflow, where the weights
    live, DRAM (``dram_pj`` pJ/bit, ``dram_gbps`` GB/s; ``io_given``: the workload's own DRAM traffic) and
    roofline."""
    b, tech = config.baseline, config.technology
    w_bits, x_bits, acc_bits = plan.weight_bits, plan.input_bits, plan.accumulator_bits
    kind = "eDRAM" if mem.technology == MemoryTechnology.EDRAM else "SRAM"
    banks = (f"one of {mem.banks} banks of {mem.bank_bytes / 1024:g} KiB" if mem.banks > 1
             else f"one array of {mem.bank_bytes / 1024:g} KiB")
    memory_source = ("ISAAC's 64 KB eDRAM (CiMLoop library) scaled by the CACTI depth law" if kind == "eDRAM"
                     else "Horowitz's SRAM points")
    at = f"at {tech.node_nm:g} nm, {tech.vdd_v:g} V"
    at = (f"({at} of [technology]: the per-event energies of the dynamic view beside the board-power energy)"
          if b.energy_model == EnergyModel.BOARD_POWER else at)
    return [
        f"Digital baseline {at}: {units} MAC units at "
        f"{b.clock_ghz:g} GHz{stated_clock_note(tech.node_nm, tech.vdd_v, 'baseline.clock_ghz', b.clock_ghz)}, "
        f"{w_bits}-bit weights x {x_bits}-bit inputs, {acc_bits}-bit sums{_built_note(config, plan)}.",
        "Energies from Horowitz (ISSCC 2014, 45 nm) scaled with Stillmaker & Baas (2017).",
        f"On-chip memory: {b.sram_kib:g} KiB {kind}; every access reads or writes {banks} "
        f"({mem.read_pj_per_bit:.3g} pJ/bit, {memory_source}).",
        _DATAFLOW_SENTENCES["output_stationary_direct" if b.dataflow == "output_stationary" and t.weights_direct
                            else b.dataflow].format(batch=_batch_words(min(t.fetch_batch, t.vectors)),
                                                    last=", except by the last batch's, which fetch their own "
                                                    "from DRAM (below)" if t.last_batch_direct else "",
                                                    reason=_direct_reason(min(t.fetch_batch, t.vectors), t, bool(
                                                        b.energy_model == EnergyModel.BOARD_POWER)), array=(
            f"{(rows := array_rows(b, plan, units))} x {units // rows} MACs, "
            + ("baseline.array_rows" if b.array_rows else "the layer's least-traffic tiling; baseline.array_rows "
               "left out"))),
        _weights_sentence(config, plan, t, kind, include_weight_load),
        f"Off-chip memory: {b.dram} at {dram_pj:g} pJ/bit and {dram_gbps:g} GB/s; "
        + ("the workload's inputs read and outputs written once; activations between layers stay on chip."
           if io_given else "inputs read and outputs written once.")
        + f" Outputs move at their sums' {acc_bits} bits (not requantised to {x_bits}).",
        f"Latency is a roofline: max(compute at full utilisation, DRAM time at {dram_gbps:g} GB/s, on-chip memory "
        f"time at {b.sram_bandwidth_gbps:g} GB/s){_sub_cycle_note(t, units, b.clock_ghz)}.",
    ] + ([f"A conv's input map is written on chip once, {t.map_bits_per_vector:.4g} bits a position; each position "
          "reads its window as gathered (no reuse between overlapping windows)."] if t.map_bits_per_vector else [])


def _sub_cycle_note(t: BaselineTraffic, units: int, clock_ghz: float) -> str:
    """where a vector's MACs fill less than the ``units`` MAC units for one cycle: the roofline's compute time a
    vector is below one clock cycle (a 1 x 1 layer's 3.9 ps at 1 GHz had been shown unsaid: a reports probe; the
    share and time are not printed, which rounding made read as one whole cycle: a review)"""
    per_vector = t.macs / max(t.vectors, 1)
    return "" if per_vector >= units else (
        f"; a vector's {per_vector:,.10g} MAC{'s take' if per_vector != 1 else ' takes'} less than one cycle of the "
        f"{units:,} MAC "
        "units: the roofline takes the units as shared by several vectors at once, each vector's compute time below "
        "one clock cycle (docs/cost_baseline.md)")


def board_power_sentence(config: Config, latency_ns: float, components_pj: float | None, whole: str = "") -> str:
    """The board-power model's assumption: rated power x roofline time ``latency_ns`` = the energy (pJ), with the
    dynamic view ``components_pj`` (pJ) beside it (None: not stated); ``whole``: what the figures are of (a run of
    parts, each stating its own), prefixed."""
    b, tech = config.baseline, config.technology
    dynamic = "" if components_pj is None else (
        f" The dynamic (component) view of the same run is {components_pj:.4g} pJ (MACs, registers, on-chip memory "
        f"and DRAM priced per event at {tech.node_nm:g} nm).")
    return (f"{whole}Energy is the datasheet-level model: board power {b.board_power_w:g} W x roofline time "
            f"{latency_ns:.4g} ns = {b.board_power_w * latency_ns * 1e3:.4g} pJ (the whole board at its rated power, "
            f"idle units included; kernel launches and utilisation below peak not modelled).{dynamic}")
