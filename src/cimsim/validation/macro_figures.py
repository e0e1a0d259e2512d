"""The checks of the figures a point of a macro file states (:func:`check_figures`, run by
:func:`.macro_checks.check_fields` on each table; :func:`check_invocation` and :func:`check_density`, run on each
point with its macro's fields): each refuses with a ValueError naming the file, the entry and the point, so that a
figure stated twice, a flag on no figure or a figure no macro can have stops the run (exit 2) instead of being
compared as something else."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

from ..config.keys import as_written

__all__ = ["ADC_CONVERSION", "FULL_ARRAY_ENERGY", "MVM_MACS", "RETICLE_AREA_MM2", "as_toml", "check_figures",
           "check_invocation", "check_density", "check_throughput", "mvm_mac_bound", "significant_digits",
           "whole_invocation"]

ADC_CONVERSION = "one ADC conversion"
"""the ``energy_per`` of one conversion's energy (compared with the model ADC's)"""
FULL_ARRAY_ENERGY = "one full-array"
"""how an ``energy_per`` of one MVM of the whole array begins (the one compared per MAC)"""
MVM_MACS = re.compile(r"\((\d{1,15}) MACs?\)")
"""an ``energy_per``'s count of MACs, '(N MACs)' of at most 15 digits: the MVM a 'one full-array MVM' energy covers
(more digits had reached float() as a 400-digit integer: an internal OverflowError)"""


def mvm_mac_bound(fields: Mapping[str, Any]) -> tuple[float, str]:
    """(the most MACs one MVM of a point's array can hold, how): its rows x the weights a row holds, a weight of B
    bits taking at least ceil(B / bits_per_cell) cells of the row, a differential pair (weight_encoding) twice
    ceil(max(B - 1, 1) / bits_per_cell) (a MAC a cell for 1-bit weights only: rows x cols had let a 256 x 256 array
    of 8-bit weights count 65 536 MACs an MVM, 8x what it holds, a probe)"""
    rows, cols = fields.get("rows", math.inf), fields.get("cols", math.inf)
    levels, per_cell = fields.get("weight_levels"), int(fields.get("bits_per_cell", 1))
    bits = fields.get("weight_bits") or (math.ceil(math.log2(int(levels) + 1)) if levels else 1)
    pair = fields.get("weight_encoding") == "differential"
    cells = 2 * math.ceil(max(bits - 1, 1) / per_cell) if pair else math.ceil(bits / min(per_cell, bits))
    if cells == 1 or not math.isfinite(cols):
        return rows * cols, f"the array's rows x cols = {rows * cols}, a MAC a cell"
    weights = int(cols) // cells  # (0: no weight fits, no MVM either)
    return rows * weights, (f"the array's {rows} rows x the {weights} weights a row holds = {rows * weights} "
                            f"({cols} columns, at least {cells} cells a {bits}-bit weight{' pair' * pair})")


_DOUBTFUL_FIGURES = ("tops_per_w", "tops", "tops_per_mm2", "tops_per_w_1b_norm", "tops_1b_norm", "tops_per_mm2_1b_norm",
                     "energy_fj_per_mac", "energy_pj", "area_mm2")
"""the figures a point may flag as doubtful (``doubtful_figure``, with its ``doubtful_reason``)"""
RETICLE_AREA_MM2 = 858.0
"""a lithographic reticle's field, 26 x 33 mm, mm2: the largest die a stepper prints, so a macro's or chip's area_mm2
above it is a slip (um2 written as mm2: a 2396 um2 macro had been compared as a -7e5 % miss)"""


def check_figures(file: str, where: str, values: Mapping[str, Any]) -> None:
    """A ValueError where a table's figures contradict themselves: a doubtful flag without its figure or reason
    (:func:`_check_doubtful`), a UIUC figure without its B_x and B_w (:func:`_check_uiuc`), one measurement stated
    twice (:func:`_check_restated`), an area larger than a reticle (:data:`RETICLE_AREA_MM2`) or below 1 um2"""
    _check_doubtful(file, where, values)
    _check_uiuc(file, where, values)
    _check_restated(file, where, values)
    if 0 < values.get("area_mm2", 1.0) < 1e-6:  # a square micrometre: a few bit cells, no macro
        raise ValueError(f"{file}: {where}: area_mm2 = {values['area_mm2']:g} is below 1 um2, a few bit cells: an area "
                         "in m2 written as mm2? (1 mm2 = 1e-6 m2)")
    if values.get("area_mm2", 0) > RETICLE_AREA_MM2:
        raise ValueError(f"{file}: {where}: area_mm2 = {values['area_mm2']:g} is larger than a reticle (26 x 33 mm, "
                         f"{RETICLE_AREA_MM2:g} mm2), a die's limit: an area in um2 written as mm2? (1 mm2 = 1e6 um2)")


def as_toml(value: Any) -> str:
    """``value`` for a message: a string in quotes as the file's other messages show it, anything else as TOML spells
    it (a date as written; else :func:`cimsim.config.keys.as_written`: true, not Python's True; [true, 1]; a table
    as one)"""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else as_written(value)


def _check_doubtful(file: str, where: str, values: Mapping[str, Any]) -> None:
    """A ValueError where a point's ``doubtful_figure`` comes without its ``doubtful_reason`` (or the reason without
    the figure), or names no figure the point states (the flag would leave nothing out)"""
    figure, reason = values.get("doubtful_figure"), values.get("doubtful_reason")
    if (figure is None) != (reason is None) or (reason is not None and not reason.strip()):
        raise ValueError(f"{file}: {where}: 'doubtful_figure' and 'doubtful_reason' go together (the figure left out "
                         "and why, in the source's terms)")
    if figure is not None and (figure not in _DOUBTFUL_FIGURES or figure not in values):
        stated = ", ".join(k for k in _DOUBTFUL_FIGURES if k in values) or "none here"
        raise ValueError(f"{file}: {where}: 'doubtful_figure' must name a figure the point states (one of "
                         f"{stated}); got {as_toml(figure)}")


def _check_restated(file: str, where: str, values: Mapping[str, Any]) -> None:
    """A ValueError where a point states its energy efficiency twice: tops_per_w (or UIUC's tops_per_w_1b_norm, its
    stand-in), energy_fj_per_mac and an energy_pj per full-array MVM of N MACs are one measurement (fJ per MAC =
    ops_per_mac x 1000 / TOPS/W), which the comparison would count as two predictions; a figure flagged doubtful is
    not compared (its doubtful_figure names it)"""
    compared = {k: v for k, v in values.items() if k != values.get("doubtful_figure")}  # a doubtful one is not
    per = str(values.get("energy_per", ""))  # an ADC conversion's energy of N MACs is no MVM's
    mvm = "energy_pj" in compared and per.startswith(FULL_ARRAY_ENERGY) and MVM_MACS.search(per)
    efficiency = next((k for k in ("tops_per_w", "tops_per_w_1b_norm") if k in compared), None)
    stated = [k for k in (efficiency, "energy_fj_per_mac") if k in compared] + ["energy_pj"] * bool(mvm)
    if len(stated) > 1:
        raise ValueError(f"{file}: {where}: {' and '.join(repr(k) for k in stated)} state one measurement twice "
                         "(fJ per MAC = ops_per_mac x 1000 / TOPS/W; pJ per MVM = its MACs x fJ per MAC / 1000), "
                         "which would be compared as two predictions: keep the one the source states, or the other "
                         "in its own point if it was measured apart")


def _check_uiuc(file: str, where: str, values: Mapping[str, Any]) -> None:
    """A ValueError where a point states a UIUC 1b-normalised figure without UIUC's B_x and B_w (``uiuc_b_x``,
    ``uiuc_b_w``): they define the normalisation and the outputs UIUC counts per invocation"""
    norms = [k for k in values if k.endswith("_1b_norm")]
    missing = [k for k in ("uiuc_b_x", "uiuc_b_w") if k not in values]
    if norms and missing:
        raise ValueError(f"{file}: {where}: it states the UIUC 1b-normalised {', '.join(norms)} without "
                         f"{' and '.join(missing)} (UIUC's input and weight bits, which define the normalisation); "
                         "give them")


def whole_invocation(fields: Mapping[str, Any], b_x: Any) -> bool:
    """whether UIUC's B_x ``b_x`` of a point (configuration ``fields``) is every input bit of one conversion that
    sums the input planes (analog_accumulation): an invocation of several reads, whatever bits each takes"""
    return bool(fields.get("analog_accumulation")) and b_x == fields.get("input_bits")


def check_invocation(file: str, where: str, fields: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """A ValueError where a point's UIUC B_x (``uiuc_b_x``, input bits per array invocation) exceeds the input bits
    it states or its macro does (``fields``: the merged configuration): an invocation takes at most every input bit
    (B_x 8 beside 4-bit inputs had divided the figure by 8 and priced 4). B_w may exceed the weight bits (UIUC's
    weight bits per cell group: valavi-vlsi2018's 3 for binary weights). Nor may it differ from the bits a read takes
    (``bits_per_read``; every input bit where input planes are summed before one conversion)."""
    if values.get("uiuc_b_x", 0) > fields.get("input_bits", float("inf")):
        raise ValueError(f"{file}: {where}: it states uiuc_b_x = {values['uiuc_b_x']} (UIUC's input bits per array "
                         f"invocation) above input_bits = {fields['input_bits']}: an invocation takes at most every "
                         "input bit; give the precision the figure was measured at")
    if values.get("uiuc_b_w", 1) < 1:  # a published figure had been divided by 1e-6 (a chips probe)
        raise ValueError(f"{file}: {where}: it states uiuc_b_w = {values['uiuc_b_w']} (UIUC's weight bits per cell "
                         "group) below 1: a cell group holds a bit at least")
    b_x, read = values.get("uiuc_b_x"), fields.get("bits_per_read")
    if b_x is not None and read is not None and read != b_x and not whole_invocation(fields, b_x):
        raise ValueError(f"{file}: {where}: it states uiuc_b_x = {b_x} (UIUC's input bits per array invocation, "
                         f"one read at the stated cycle) beside bits_per_read = {read}: give one count of the input "
                         "bits a read takes (with analog_accumulation = true an invocation may instead take every "
                         "input bit, uiuc_b_x = input_bits)")


def significant_digits(value: float) -> int:
    """the significant digits ``value`` is written with (its shortest repr: 0.01 -> 1, 24.1 -> 3, 400.0 -> 1)"""
    mantissa = repr(abs(float(value))).split("e")[0].replace(".", "").strip("0")
    return max(1, len(mantissa))


_ROUNDING = 0.1
"""the most a figure's rounding is taken to have moved it, a share of it: a figure of one digit (2, 1000: 1.5-2.5,
500-1500 as written) had passed a throughput of two arrays (a review)"""


def _half_digit(value: float) -> float:
    """how far rounding to its significant digits may have moved a positive figure written as ``value``: half a unit
    in its last digit (0.3724: 0.00005), at most :data:`_ROUNDING` of it (2: 0.2)"""
    return min(0.5 * 10.0 ** (math.floor(math.log10(value)) - significant_digits(value) + 1), _ROUNDING * value)


def _fastest_cycle_ns(macro: Mapping[str, Any], point: Mapping[str, Any]) -> float | None:
    """no more than the read cycle the comparison takes (:func:`.macro_timing.cycle_ns`): the point's cycle_ns, else
    one clock of its clock_mhz (a read takes one at least), else the macro's, each the shortest its rounding allows
    (5.5 ns may be 5.45, 181 MHz 181.5: :func:`_half_digit`); None where neither states one, or where the point's
    own supply is above the macro's (the delay law may shorten the macro's cycle: :func:`.macro_timing.clocking`); a
    lower one, or one the macro does not state, keeps the macro's cycle as the fastest (a lower supply never speeds
    a read: a point at its own supply had been left unchecked, GOPS written as TOPS compared, a chips probe)"""
    for values in (point, macro):
        if "cycle_ns" in values or "clock_mhz" in values:
            cycle, clock = float(values.get("cycle_ns", 0.0)), float(values.get("clock_mhz", 0.0))
            return cycle - _half_digit(cycle) if cycle else 1000.0 / (clock + _half_digit(clock))
        own, nominal = point.get("vdd_v"), macro.get("vdd_v")
        if values is point and own is not None and nominal is not None and float(own) > float(nominal):
            return None
    return None


def _uniform_zeros(fields: Mapping[str, Any], operand: str) -> float:
    """the share of zeros among uniform codes of an operand ('input' or 'weight'): 1 / its weight_levels (a ternary
    weight's third), else 2**-bits, but none of a binary +/-1 operand (a 1-bit weight, a signed 1-bit input: a
    review, half had been counted); 0 where neither is stated (a bound left as tight as stated)"""
    levels, bits = fields.get(f"{operand}_levels"), fields.get(f"{operand}_bits")
    if not levels and bits == 1 and (operand == "weight" or fields.get("input_signed")):
        return 0.0
    return 1.0 / int(levels) if levels else 2.0 ** -int(bits) if bits else 0.0


def check_throughput(file: str, where: str, macro: Mapping[str, Any], fields: Mapping[str, Any],
                     values: Mapping[str, Any], cores: int | None) -> None:
    """A ValueError where a point's published ``tops`` needs more MACs a read cycle than its ``cores`` arrays hold
    (:func:`mvm_mac_bound` of the merged configuration ``fields``, over the reads an MVM takes where it states its
    input_bits and bits_per_read, which counts magnitude bits: a signed input's sign is no read of its own, a
    review, over the shares of the operands not zero where
    the point states them, with those of uniform data where it states one (:func:`_uniform_zeros`): a chip that
    skips zeros skips them too, which such a share does not count) at the fastest cycle its clock allows
    (:func:`_fastest_cycle_ns`; ``macro`` and ``values`` its macro's and its own fields): no chip of the stated array
    reaches it, whatever it was before its rounding to the digits it is written with (:func:`_half_digit`; GOPS
    written as TOPS had been compared, a probe)"""
    cycle = _fastest_cycle_ns(macro, values)
    if "tops" not in values or values.get("doubtful_figure") == "tops" or cycle is None:
        return
    ops = float(values.get("ops_per_mac", 2))
    tops = float(values["tops"])
    macs = (tops - _half_digit(tops)) * 1e3 * cycle / ops
    bound, how = mvm_mac_bound(fields)
    if "input_bits" in fields and "bits_per_read" in fields:  # an MVM of bit-serial inputs takes several reads
        magnitude = max(fields["input_bits"] - bool(fields.get("input_signed")), 1)  # a read's bits: magnitude bits
        reads = math.ceil(magnitude / fields["bits_per_read"])
        bound, how = bound / reads, how + f" over the {reads} reads an MVM takes" * (reads > 1) + (
            f" ({magnitude} input magnitude bits, {fields['bits_per_read']} a read)" * (reads > 1))
    dense = math.prod((1.0 - fields[k]) * (1.0 - _uniform_zeros(fields, operand)) for k, operand in (
        ("input_zero_fraction", "input"), ("weight_zero_fraction", "weight")) if k in fields)
    if macs * dense > bound * (cores or 1):
        skipped = f", over the {dense:.4g} of operands not zero" * (dense < 1.0)
        raise ValueError(f"{file}: {where}: it states tops = {as_toml(values['tops'])}, at {ops:g} ops a MAC at least "
                         f"{macs:.12g} MACs a {cycle:.6g} ns cycle (as rounded to its digits), more than "
                         f"{(cores or 1) * bound / dense:.12g}: {how}"
                         + (f", in each of {cores} cores" if (cores or 1) > 1 else "") + f"{skipped} (GOPS written as "
                         "TOPS? a figure of several arrays: state its cores; a clock or cycle of another extent?)")


def check_density(file: str, where: str, values: Mapping[str, Any], cores: int | None) -> None:
    """A ValueError where a point's compared figures hold its density with both its throughput and its area
    (tops_per_mm2 = tops / area_mm2, each raw or UIUC's 1b-normalised stand-in), which the comparison would count
    as three predictions of two measurements (1 TOPS on 1 mm2 stated as 100 TOPS/mm2 had been compared so);
    a figure flagged doubtful is not compared, nor (``cores`` above 1, its macro's notes) a design's throughput
    and area, one macro's density alone"""
    compared = set(values) - {values.get("doubtful_figure")}
    stated = [next((k for k in (raw, raw + "_1b_norm") if k in compared), None) for raw in ("tops", "tops_per_mm2")]
    if (cores or 1) <= 1 and "area_mm2" in compared and None not in stated:
        raise ValueError(f"{file}: {where}: {stated[0]!r}, 'area_mm2' and {stated[1]!r} state two measurements three "
                         "times (TOPS/mm2 = TOPS / mm2), which would be compared as three predictions: keep the two "
                         "the source measured, or flag one with doubtful_figure")
