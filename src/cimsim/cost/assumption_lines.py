"""The assumptions a chip's breakdown states (:func:`cimsim.cost.chip.chip_breakdown`): its technology, an array's
read-out and read cycle by array family, its chip, pipeline, DRAM, leakage and cells."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..config.conditional import priced_enob
from ..config.modes import ArrayFamily, DigitalAdders, InputEncoding, Pipeline
from ..config.schema import Config
from ..mapping import Plan, plan_layer
from . import trust
from .cim import CimTiming
from .families import tree_passes, trees
from .gates import nand2_delay_ns
from .parameters import CimParameters
from .technology import stated_clock_note

if TYPE_CHECKING:
    from .chip import ChipMapping, Stage

__all__ = ["converter_line", "array_line", "digital_adders", "chip_assumptions"]


def digital_adders(config: Config) -> str:
    """what sums a digital array's products, in words (the report's design line)"""
    if config.array.digital_adders == DigitalAdders.CELL_CHAIN:
        return "a full adder in every bit cell"
    trees, outputs = config.array.adder_trees, plan_layer(config).outputs_per_array
    return (f"{trees} adder trees an array of {outputs} outputs, which sum a layer's further outputs in turn"
            if 0 < trees < outputs else "a digital adder tree per output")


_LAWS = {"sar": "the survey regression", "flash": "the survey's flash comparators",
         "ramp": "a comparator decision and a counter step per count", "vco": "HERMES's CCO periods and a counter"}
"""what prices each ADC type (docs/adc.md)"""


def converter_line(config: Config, plan: Plan, p: CimParameters, t: CimTiming) -> str:
    """the report's line on layer 0's read-out (``plan``): its ADC (type, bits, rate, energy per conversion) or adder
    trees"""
    if p.family == ArrayFamily.DIGITAL:
        used, passes = plan.outputs_of_col_tile(0), tree_passes(plan)  # the fullest array's
        shared = f"; {trees(plan)} trees an array for its {used} outputs, in {passes} turns" if passes > 1 else ""
        adders = ("a full adder in every bit cell (a cell chain)" if config.array.digital_adders ==
                  DigitalAdders.CELL_CHAIN else f"a ripple adder tree (ZigZag-IMC DIMC model{shared})")
        chain = config.array.digital_adders == DigitalAdders.CELL_CHAIN
        rate = ("its running sums' toggle rate, 0.5" if chain else "uniform unsigned data's toggle rate, 0.375, "
                "the energy weighted by the data's own (docs/cost_cim.md)")
        return (f"No ADC: each output sums its 1-bit products exactly in {adders}, "
                f"{p.adder_tree_energy_pj:.3g} pJ per output sum at {rate}; no DAC either: its 'dac' row prices the "
                "input-bit wires along each row, their charge and their drivers.")
    cycles = f"{p.adc_bits} bit-cycle{'s' * (p.adc_bits != 1)}"
    enob = priced_enob(config)  # an idle one prices nothing
    detail = ("" if enob is None else f", ENOB {enob:g}") + ("" if config.adc.built_bits in (
        None, p.adc_bits) else f", built for {config.adc.built_bits} bits and run for {cycles}")
    converter = (f"{p.adc_bits}-bit {p.adc_type}{detail} (docs/adc.md: {_LAWS[p.adc_type]})" if p.adc_bits > 1
                 or detail else "1-bit, one column comparator (NeuroSim MultilevelSenseAmp, docs/adc.md)")
    n = t.conversions_per_adc
    return (f"ADC: {converter}; layer 0 samples at {p.adc_rate_gsps:.3g} GS/s = {n} conversion{'s' * (n != 1)} "
            f"per {t.read_cycle_ns:.3g} ns round: {p.adc_energy_pj:.3g} pJ per conversion.")


def array_line(config: Config, plan: Plan, p: CimParameters) -> str:
    """the report's line on layer 0's arrays (``plan``): their lines, and what a read cycle (a round) is: reads
    overlapped with the ADCs' conversions (sample-and-hold), or, in a digital array, the reads alone (its adders sum
    within a read, a pulse for each output a tree sums in turn)"""
    resistive, t = p.family == ArrayFamily.RESISTIVE, config.technology
    lines = "0.2 fF/um at the full read voltage, an upper bound" if resistive else "ZigZag-IMC per-cell loads at V_DD"
    passes = tree_passes(plan)
    reads = f"{plan.dac_encoding.replace('_', '-')} reads summed x {p.read_ns * passes:g} ns"
    turns = f", {passes} of {p.read_ns:g} ns each, one for each output a tree sums in turn" if passes > 1 else ""
    cycle = (f"no ADC: a round is {reads} (the adders sum within each read{turns})" if p.family == ArrayFamily.DIGITAL
             else f"sample-and-hold lets the ADCs convert one round while the next is read: a round is max({reads}, "
             f"conversions x {p.adc_conversion_ns:.3g} ns)")
    return (f"Array family '{p.family}': word and bit lines swing {p.line_voltage_v:g} V "
            f"({p.row_line_capacitance_ff:.3g} fF and {p.bitline_capacitance_ff:.3g} fF: {lines}); {cycle}; the arrays "
            f"of a layer work in parallel; digital periphery at {config.technology.clock_ghz:g} GHz"
            f"{stated_clock_note(t.node_nm, t.vdd_v, 'technology.clock_ghz', t.clock_ghz)}."
            f"{_short_pulse(config, plan, p)}")


def _short_pulse(config: Config, plan: Plan, p: CimParameters) -> str:
    """' Its unit pulse ... is shorter than one gate delay ...' where a time-domain input's unit pulse is (no driver
    forms it: the input's time is understated; said by `cimsim macros` alone before, a chips probe), else ''"""
    node, vdd = config.technology.node_nm, config.technology.vdd_v
    gate_ns = nand2_delay_ns(node, vdd)
    if plan.dac_encoding == InputEncoding.VOLTAGE or p.read_pulse_ns >= gate_ns:
        return ""
    return (f" Its unit pulse ('device.read_pulse_ns' = {p.read_pulse_ns:.3g} ns) is shorter than one gate delay at "
            f"{node:g} nm and {vdd:g} V ({gate_ns:.3g} ns): no driver forms it, so the time of the input bits is "
            "understated.")


def chip_assumptions(config: Config, stages: Sequence[Stage], m: ChipMapping, params: Sequence[CimParameters],
                     timings: Sequence[CimTiming], leakage_uw: float, items: int) -> tuple[str, ...]:
    """the assumptions of :func:`cimsim.cost.chip.chip_breakdown`: technology, converters, array, chip, pipeline,
    DRAM, leakage, cells, the validation record's line, programming"""
    tech, chip, p0, t0 = config.technology, config.chip, params[0], timings[0]
    access = ("" if p0.family != ArrayFamily.RESISTIVE else f", {config.array.cell_access} cell"
              if p0.cell_family != "sram" else ", an SRAM bit cell read as a resistive array's conductance")
    out = [
        f"Technology {tech.node_nm:g} nm, {tech.vdd_v:g} V: ISAAC figures (32 nm, 0.9 V assumed), ZigZag-IMC gates "
        f"(28 nm, 0.9 V) and survey ADC regressions scaled with Stillmaker & Baas 2017; lines switch C V**2.",
        converter_line(config, stages[0].plan, p0, t0), array_line(config, stages[0].plan, p0),
        f"Chip: {m.total_tiles} of {chip.tiles} tiles used ({chip.arrays_per_tile} array"
        f"{'s' * (chip.arrays_per_tile != 1)} per tile, a layer on "
        f"whole tiles of its own), each with a {p0.buffer_capacity_bytes // 1024} KiB {chip.buffer_memory} buffer, "
        f"an ISAAC bus and a router; {p0.global_buffer_capacity_bytes // 1024} KiB {chip.buffer_memory} global "
        f"buffer; every activation crosses the mesh to and from the global buffer (ISAAC router via CiMLoop, "
        f"{p0.router_energy_pj_per_bit_hop:.3g} pJ/bit-hop, {p0.noc_flit_bits}-bit links).",
        f"Pipeline '{chip.pipeline}', balance '{chip.balance}': copies of each layer's weights "
        f"{[t.replicas * k // s.blocks for s, t, k in zip(stages, timings, m.copies)]}"
        + (f" (grouped layers in packed blocks: {[s.blocks for s in stages]})" * any(s.blocks > 1 for s in stages))
        + "; throughput from the steady-state interval (the "
        + ("slowest stage's" if chip.pipeline == Pipeline.LAYER else "item's time through every stage, one item at "
           "a time") + ", the global buffer's ports' (every layer's input out of one, its output into the other) "
        "or DRAM's); one item's latency: its input from DRAM, each layer's transfer in + compute + transfer out, its "
        "output out.",
        f"DRAM: {p0.dram_kind} ({p0.dram_energy_pj_per_bit:g} pJ/bit, {p0.dram_bandwidth_gbps:g} GB/s), the same "
        f"technology as the baseline; it bounds the interval and the total time (roofline).",
        f"Leakage: {leakage_uw:.4g} uW static power of buffers and logic over the run time (eDRAM: Giterman 2020; "
        f"logic: Aladdin adder density; SRAM: cimsim's assumption, bitcells leak like logic of the same area); "
        f"converters and arrays have none beyond their ISAAC active power.",
        f"Cells: {p0.cell_family} family, {p0.cell_area_um2:.3g} um2 per cell (NeuroSim geometry{access}).",
        trust.record_line(config),
    ]
    if not p0.cell_family_recognised:
        out.append(f"Device '{config.device.name}' is not a known cell family; priced as an RRAM cell "
                   f"({config.array.cell_access}), with RRAM's write figures and validation record.")
    if writes := sum(s.counts.cell_writes for s in stages):
        out.append(f"Programming: {writes} cell writes at {p0.cell_write_energy_pj:.3g} pJ and {p0.cell_write_ns:.3g} "
                   f"ns per pulse (every copy written), one row of every array at a time, all layers at once: "
                   f"{max(t.programming_ns for t in timings):.4g} ns.")
    if items == 0:
        out.append("No workload items: no dynamic energy, no time.")
    return tuple(out)
