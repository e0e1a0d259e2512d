"""The report's lines on an array's read-out and its read cycle (:func:`cimsim.cost.chip.chip_breakdown`'s
assumptions), by array family."""

from __future__ import annotations

from ..config.conditional import priced_enob
from ..config.modes import ArrayFamily, DigitalAdders
from ..config.schema import Config
from ..mapping import Plan, plan_layer
from .cim import CimTiming
from .families import tree_passes, trees
from .parameters import CimParameters
from .technology import stated_clock_note

__all__ = ["converter_line", "array_line", "digital_adders"]


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
        return (f"No ADC: each output sums its 1-bit products exactly in {adders}, "
                f"{p.adder_tree_energy_pj:.3g} pJ per output sum; no DAC either: its 'dac' row prices the input-bit "
                "wires along each row, their charge and their drivers.")
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
    resistive = p.family == ArrayFamily.RESISTIVE
    lines = "0.2 fF/um at the full read voltage, an upper bound" if resistive else "ZigZag-IMC per-cell loads at V_DD"
    passes = tree_passes(plan)
    reads = f"{config.dac.encoding.replace('_', '-')} reads summed x {p.read_ns * passes:g} ns"
    turns = f", {passes} of {p.read_ns:g} ns each, one for each output a tree sums in turn" if passes > 1 else ""
    cycle = (f"no ADC: a round is {reads} (the adders sum within each read{turns})" if p.family == ArrayFamily.DIGITAL
             else f"sample-and-hold lets the ADCs convert one round while the next is read: a round is max({reads}, "
             f"conversions x {p.adc_conversion_ns:.3g} ns)")
    return (f"Array family '{p.family}': word and bit lines swing {p.line_voltage_v:g} V "
            f"({p.row_line_capacitance_ff:.3g} fF and {p.bitline_capacitance_ff:.3g} fF: {lines}); {cycle}; the arrays "
            f"of a layer work in parallel; digital periphery at {config.technology.clock_ghz:g} GHz"
            f"{stated_clock_note(config.technology.node_nm, config.technology.vdd_v, 'technology.clock_ghz')}.")
