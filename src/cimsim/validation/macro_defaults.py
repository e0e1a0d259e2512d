"""The one global rule for every value cimsim needs that a published macro's entry may leave out: what
:mod:`.macro_configs` applies, the same for every macro, and what the validation report lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import section_preset
from ..config.schema import DeviceConfig
from ..cost.adc_survey import SURVEY_ENOB_FLOOR
from .macro_checks import DEVICE_FIELDS

__all__ = ["DEFAULTS", "ENTRY_FIELDS", "in_entry_terms", "preset_read_pulse_ns", "unpriced_data"]

DEFAULTS: dict[str, str] = {
    "input_bits / weight_bits": "as stated; a point that states neither and whose figures are all UIUC "
                                "1b-normalised is priced as one array invocation: input_bits = B_x, weight_bits = "
                                "B_w (a whole B_w), each figure divided by B_x x B_w (UIUC's 1b figures are one "
                                "invocation's: 1b-TOPS/W = N_1b / E_core, N_1b = 2 N N_ADC B_x B_w: 2 operations "
                                "a MAC, so halved at a point of ops_per_mac = 1)",
    "rows_per_read": "all rows at once (= rows) when the entry gives no rows_per_read; the workload fills whole "
                     "reads, as a peak figure does: in_features = rows_per_read x floor(rows / rows_per_read)",
    "bits_per_read": "UIUC's B_x (uiuc_b_x: an invocation is one read) when not stated, unless the entry states "
                     "analog_accumulation = true and B_x is every input bit; else all magnitude bits in one read "
                     "(dac.mode = parallel), the point's note says so; 1 -> bit_serial, k below the magnitude bits -> "
                     "sliced; a stated bits_per_read other than uiuc_b_x is refused",
    "input_signed": "inputs unsigned (dac.signed_inputs = unsigned) unless input_signed = true; signed inputs read "
                    "whole are bipolar (1 signed bit: binary, +/-1), but a digital macro's of 2 or more bits are "
                    "two's complement as a digital INT-n macro's (dac.mode = sliced: the magnitude bits in one "
                    "read, the sign bit in its own); signed inputs read in slices are two's complement (sign plane "
                    "last)",
    "input_encoding": "voltage when not stated; for pulse encodings the cycle is one read of 2**bits_per_read - 1 "
                      "unit pulses (device.read_pulse_ns = cycle / unit pulses, or the entry's read_pulse_ns; one "
                      "shorter than one gate delay at the node and supply is noted); with "
                      "no clock stated each unit pulse lasts the entry's read_pulse_ns, else the device preset's read "
                      "pulse (the simulator's definition, docs/cost_cim.md); reads of unequal bits (a remainder slice, "
                      "a sign plane) last their own unit pulses in cimsim, shorter than the cycle: such a point's "
                      "throughput and area are left out",
    "analog_accumulation": "none (every input plane converted) when not stated; true -> adc.accumulation = planes; "
                           "weight_accumulation = true (weight-bit columns summed before the ADC), or an SRAM macro "
                           "whose UIUC B_w (weight bits per analog dot product) is >= 2 at any of its points (the "
                           "chip's structure: every point, noted there) and that does not state "
                           "weight_accumulation = false -> slices (both: "
                           "planes_and_slices), and an ADC serves cols_per_adc / (columns per weight) summed columns; "
                           "row_groups_per_conversion g -> adc.groups_per_conversion = g (1: every read converted)",
    "weights": "signed weights in the entry's weight_encoding where stated (it overrides the default below); "
               "else SRAM and digital macros with one bit per cell store their two's-complement bits "
               "(mapping.signed_encoding = twos_complement: no reference column, the sign bit's column recombined "
               "with weight -2**(bits-1) after conversion) unless their weight-bit columns are summed before the "
               "ADC; other macros in the offset encoding (one cell per stored bit, a reference column per slice, "
               "subtracted before the ADC; a digital macro forms the reference in its adders); a 1-bit weight is a "
               "binary weight in {-1, +1} (offset: one cell storing (q + 1) / 2, recombined as 2 x column - "
               "reference after the ADC: digital subtraction); a stated subtraction overrides the default one; "
               "weight_levels L -> weight_bits log2(L + 1)",
    "bits_per_cell": "1 bit per cell when not stated, at most the stored weight bits",
    "adc_type": "sar/flash/ramp/vco as stated; 'other' that names an oscillator (CCO/VCO) -> vco; any other or "
                "no type -> sar (the schema default)",
    "adc_bits": "the converter's nominal resolution, its ENOB the ADC model's default (bits - the survey's loss, "
                "docs/adc.md); fractional adc_bits (a level count, log2(levels): 3.4 for 11 levels) -> adc.bits = "
                "ceil, adc.enob (sar, flash) = that default interpolated linearly between the whole bits either side, "
                "the level count itself is not priced, only that ENOB, which moves the cost only where the survey "
                f"law at it sets the price (not on its floor, ENOB {SURVEY_ENOB_FLOOR:.3g}, at a converter bound or "
                "a flash below its rate corner: 11 levels cost a 4-bit converter's), and which, stated, prices the "
                "resolution floor's smaller converters at it (a fraction just below a whole bit can cost more than "
                "the whole bit: docs/adc.md); ramp and vco: 2**ceil steps; the macro's adc_bits is its converter: a "
                "SAR point stating "
                "fewer bits runs it for its own bits (adc.built_bits = the macro's adc_bits; not with fractional bits)",
    "cols_per_adc": "cols_per_adc as stated, else ceil(cols / adcs), physical columns, over the columns one conversion "
                    "reads (a differential pair's 2, times a weight's columns summed before the ADC; at least 1: "
                    "more ADCs than converted columns leave the others idle, with a note); a digital macro has no ADC "
                    "(its adcs are its adder trees, UIUC's N_ADC, which sum every output in turn: array.adder_trees); "
                    "where the stated adcs deliver fewer outputs per read than the columns hold, the workload has "
                    "those outputs (a peak figure counts the dot products the ADCs deliver); a point whose UIUC "
                    "figures are compared has the "
                    "N_ADC x B_w / weight_bits outputs UIUC counts an invocation (N_1b = 2 N N_ADC B_x B_w per T_core; "
                    "N_ADC where B_w is one whole weight's bits: weight_levels stated or a fractional B_w)",
    "clock": "cycle_ns, else 1000 / clock_mhz (a point's own value first: a cycle it states, even the macro's, else a "
             "clock other than the macro's; a point's clock_mhz alone, where the macro states both, runs the macro's "
             "read in as many clocks): one read per cycle (device.read_pulse_ns = cycle unless the entry states "
             "read_pulse_ns, the word-line pulse: a resistive cell conducts for the whole read, its energy an upper "
             "bound where the chip's pulse is shorter; a stated pulse shorter than the cycle sets cimsim's read "
             "time, so its throughput and area figures are left out, and its converters, as a point's without a clock, "
             "size no other point's area); technology.clock_ghz = "
             "clock_mhz where stated with it, else 1 / cycle; a point at another supply that states neither (not even "
             "the macro's: a fixed clock across supplies) takes the macro's cycle and clock scaled by the delay law "
             "(cimsim.cost.technology.delay_scale at the macro's node: a resistive cell conducts for the whole, "
             "longer read, so its energy grows as the supply falls, unless the entry states read_pulse_ns; a "
             "config's technology.vdd_v moves no read pulse); with neither, throughput and area figures are "
             "left out (the converters are sized for their rate) and energy uses the entry's read_pulse_ns, else the "
             "device preset's read pulse",
    "device": "resistive families take the shipped device preset of their cell (rram, pcm; mram and fefet the "
              "schema's default device named after the cell, an RRAM cell's conductances and read voltage, with a "
              "note: mram priced as its own cell family, fefet, which cimsim's cell table lacks, as the RRAM 1T1R "
              "cell), but for the g_min_us, g_max_us, read_voltage_v and read_pulse_ns the entry states; SRAM and "
              "digital macros take the 'sram' device preset, their lines swinging the macro's supply "
              "(technology.vdd_v = vdd)",
    "ops_per_mac": "the entry's ops_per_mac, 2 (one multiply and one add) when not stated",
    "adc.range": "max (the ADC covers the largest possible sum; no calibration data)",
    "data": "codes uniform over their range, but for the shares of zero inputs / weights input_zero_fraction / "
            "weight_zero_fraction state, and every row driven each read (the analytic path's upper bound on row "
            "activations, cimsim.analytic.DataStats(): a pulse input's rows take its largest code's pulses; a "
            "digital macro's rows, whose wires carry bits, their non-zero plane codes: half a bit-serial input's; "
            "`cimsim estimate` of the same design measures its workload's own data, inputs half of whose 1-bit codes "
            "drive no row and the config's weights, so its macro energy differs: 0.61-1.02x over the 212 usable "
            "points that state no data, median 1.00x (digital 0.96-1.02x), measured 2026-12-06; other designs may "
            "fall outside: a resistive array read by 1-bit or pulse-width inputs, whose driven rows' energy halves, by "
            "its array's share, 0.52-0.68x on four chips of two probes); data = "
            "\"full_scale\": every input and weight at its largest (positive) code: dearer than uniform data for a "
            "resistive or charge array (its currents and "
            "charges grow with the codes; a current-domain array's row pulses are priced at their upper bound either "
            "way), but no worst case for a digital macro (its adder trees switch less when every code is the same, its "
            "input wires all carry 1s; a cell chain's adders price the same; priced so for bit-serial reads of 1-bit "
            "cells, while wider reads or cells take uniform codes' bits, moved by the non-zero codes alone, and no "
            "zero weights: not modelled, the point's note says so)",
}
"""every value cimsim needs that an entry may leave out, with the one global rule used for it"""

ENTRY_FIELDS = {"technology.node_nm": "node_nm", "technology.vdd_v": "vdd_v", "array.rows": "rows",
                "array.cols": "cols", "array.rows_per_read": "rows_per_read", "adc.bits": "adc_bits",
                "adc.cols_per_adc": "cols_per_adc", "dac.input_bits": "input_bits",
                "dac.bits_per_read": "bits_per_read", "mapping.weight_bits": "weight_bits",
                "device.bits_per_cell": "bits_per_cell", "technology.clock_ghz": "clock_mhz or cycle_ns",
                "device.read_pulse_ns": "read_pulse_ns, else cycle_ns or clock_mhz; a pulse input's: over its unit "
                                        "pulses",
                "adc.built_bits": "adc_bits of the macro",
                "adc.enob": "adc_enob", "mapping.subtraction": "subtraction",
                **{f"device.{k}": k for k in DEVICE_FIELDS[:3]}}
"""config field -> the macro entry's field it is set from"""


def in_entry_terms(reason: str, fields: Mapping[str, Any] | None = None, values: Mapping[str, Any] | None = None
                   ) -> str:
    """``reason`` (a config's refusal) with each config field it quotes followed by the entry's field it came from:
    of a point's configuration ``fields`` (``values``: the fields its entry states, its macro's and its own), the one
    it was derived from where the entry states none (rows_per_read had been blamed for the rows it copies,
    input_bits for UIUC's B_x)"""
    for field, entry in ENTRY_FIELDS.items():
        reason = reason.replace(f"'{field}'", f"'{field}' (the entry's {_source(entry, fields, values or {})})")
    return reason


_UIUC_BITS = {"input_bits": "uiuc_b_x", "weight_bits": "uiuc_b_w", "bits_per_read": "uiuc_b_x"}
_DERIVED = {"rows_per_read": "rows (no rows_per_read stated: every row at once)", "weight_bits": "weight_levels"}


def _source(entry: str, fields: Mapping[str, Any] | None, values: Mapping[str, Any]) -> str:
    """the entry field a config field came from: ``entry`` where stated, else the field it was derived from"""
    uiuc = _UIUC_BITS.get(entry, "")
    if fields is not None and entry not in values and uiuc in values and fields.get(entry) == values[uiuc]:
        return f"{uiuc} (no {entry} stated: one array invocation)"
    return entry if fields is None or entry in fields else _DERIVED.get(entry, entry)


def preset_read_pulse_ns(device: Mapping[str, Any]) -> float:
    """The read pulse, ns, of a [device] table's shipped preset, else the schema's default device"""
    values = section_preset("device", device["preset"]) if "preset" in device else {}
    return float(values.get("read_pulse_ns", DeviceConfig.read_pulse_ns))


def unpriced_data(plan, fields: Mapping[str, Any]) -> list[str]:
    """a note where a digital macro's stated data moves less of its price than it would, or none: its reads or cells
    of more than one bit price their input wires and adder-tree toggles at uniform codes' bits, moved only by the
    share of non-zero input codes (a full-scale point's wires all carry 1s; zero weights make zero products), not
    modelled; none otherwise (``plan``: the point's :class:`~cimsim.mapping.Plan`, ``fields``: its entry's)"""
    if plan.has_adc or plan.cell_chain or (plan.bits_per_read == 1 and plan.bits_per_cell == 1):
        return []
    said = {"data": "priced in part", "weight_zero_fraction": "not priced"}
    stated = [f"{k} = {fields[k]!r} {said[k]}" for k in said if fields.get(k) not in (None, "uniform", 0, 0.0)]
    return [f"{'; '.join(stated)}: a digital array's reads or cells of more than one bit take uniform codes' input "
            "bits and adder-tree toggles, moved by the non-zero input codes alone (not modelled)"] if stated else []
