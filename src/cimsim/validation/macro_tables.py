"""The [dac] and [adc] tables of a published macro's operating point (used by :mod:`.macro_configs`): how the
entry's stated inputs and converter become cimsim's input reads, sign handling and converter."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..config.checks import input_magnitude_bits, stored_weight_bits
from ..config.conditional import summed_parts
from ..config.load import config_from_dict
from ..config.modes import Accumulation
from ..cost.adc import adc_default_enob
from ..cost.adc_survey import SURVEY_ENOB_FLOOR
from ..errors import ConfigError
from ..mapping import plan_layer
from .macro_data import Macro
from .macro_text import adc_type, adc_type_hint

__all__ = ["dac_table", "adc_table", "stated_adc_enob", "above_macros_converter", "state_what_applies"]


def dac_table(f: Mapping[str, Any], family: str, notes: list[str]) -> tuple[dict[str, Any], int]:
    """The [dac] table of the point's inputs and the magnitude bits read at once (k). Signed inputs read whole are
    bipolar (+/- row voltages), but a digital array's (cimsim ``family``) of 2 or more bits, which has no analog
    row voltage to negate, are two's complement as a digital INT-n macro's: the sign bit in a read of its own,
    with a note; signed inputs read in slices are two's complement."""
    input_bits = int(f["input_bits"])
    signed = bool(f.get("input_signed", False))
    magnitude = input_magnitude_bits(input_bits, "bipolar" if signed else "unsigned")  # 1 signed bit: binary, +/-1
    digital_signed = signed and family == "digital" and input_bits > 1
    stated = f.get("bits_per_read")
    k = magnitude if stated is None else min(int(stated), magnitude)
    if k == magnitude and not digital_signed:
        dac: dict[str, Any] = {"mode": "parallel"}
    elif k == 1:
        dac = {"mode": "bit_serial"}
    else:
        dac = {"mode": "sliced", "bits_per_read": k}
    if stated is None and magnitude > 1:  # a bit-serial chip stating none had been priced as read whole, unsaid
        notes.append(f"bits per read not stated: all {magnitude} magnitude bits in one read")
    if digital_signed and k == magnitude:
        bits = f"{magnitude} magnitude bit{'s' * (magnitude != 1)}"
        notes.append(f"signed {input_bits}b inputs of a digital macro read whole: two's complement, the {bits} in "
                     "one read and the sign bit in a read of its own")
    if signed:
        dac["signed_inputs"] = "bipolar" if dac["mode"] == "parallel" else "twos_complement"
    else:
        dac["signed_inputs"] = "unsigned"
    dac["input_bits"] = input_bits
    dac["encoding"] = str(f.get("input_encoding", "voltage"))
    return dac, k


def stated_adc_enob(stated_bits: float) -> float | None:
    """ENOB, bits, of a converter stated with fractional bits (a level count: log2(levels) bits, e.g. 3.4 for 11
    levels): the default-ENOB law (:func:`cimsim.cost.adc.adc_default_enob`, nominal bits - the survey's loss)
    interpolated linearly between the whole bits either side, so ENOB rises with the stated bits as across whole
    ones; the energy follows it only where the survey law at that ENOB sets the price (not on its floor,
    SURVEY_ENOB_FLOOR, at a converter bound or a flash below its rate corner; the level count itself is not
    priced), and a stated ENOB prices the resolution floor's smaller converters at it, so a fraction just below a
    whole bit can cost more than the whole bit at its default (docs/adc.md). None for whole bits (the law's own
    default) or beyond the law's resolutions (the config refuses adc.bits itself)."""
    low, high = math.floor(stated_bits), math.ceil(stated_bits)
    if low == high:
        return None
    try:
        at_low, at_high = adc_default_enob(low), adc_default_enob(high)
    except ValueError:
        return None
    return at_low + (stated_bits - low) * (at_high - at_low)


def _uiuc_weight_group(macro: Macro) -> str | None:
    """Where the UIUC database gives the macro a group of >= 2 weight bits per analog dot product (B_w), its first
    such point's B_w and label (in a 1-bit-per-cell SRAM array those bits' columns are summed in the analog domain
    before one conversion: a property of the silicon, so of its every point); None where none does."""
    for p in macro.points:
        if float(p.values.get("uiuc_b_w", 1)) >= 2:
            return f"UIUC B_w = {float(p.values['uiuc_b_w']):g} at '{p.label}'"
    return None


def adc_table(macro: Macro, f: Mapping[str, Any], family: str, weight_bits: int, bits_per_cell: int,
              notes: list[str]) -> dict[str, Any]:
    """The [adc] table (range max; a digital macro has no ADC), appending a note when the type is changed."""
    adc: dict[str, Any] = {"groups_per_conversion": int(f.get("row_groups_per_conversion", 1))}
    if family == "digital":  # summed row groups stated for one are refused by the config's checks
        return adc
    adc["range"] = "max"
    stated_bits = float(f["adc_bits"])
    adc["bits"] = math.ceil(stated_bits)
    adc["type"] = adc_type(f.get("adc_type"))
    enob = float(f["adc_enob"]) if "adc_enob" in f else stated_adc_enob(stated_bits)  # as the paper states it
    if enob is not None and adc["type"] in ("sar", "flash") and adc["bits"] > 1:  # a ramp's, VCO's: its 2**bits steps
        adc["enob"] = enob
        if stated_bits != adc["bits"]:
            given = "as stated" if "adc_enob" in f else "between the whole bits' defaults"
            notes.append(f"adc_bits {stated_bits:g} (about {round(2 ** stated_bits)} levels) priced as a "
                         f"{adc['bits']}-bit {adc['type']} at ENOB {enob:.3g} ({given}): cimsim's config has no level "
                         "count, and the ENOB moves the cost only where the survey law at it sets the price (not on "
                         f"its floor, ENOB {SURVEY_ENOB_FLOOR:.3g}, at a converter bound or a flash below its rate "
                         "corner)")
    else:
        if stated_bits != adc["bits"]:
            notes.append(f"adc_bits {stated_bits:g} (about {round(2 ** stated_bits)} levels) priced as a "
                         f"{adc['bits']}-bit {adc['type']}: its 2**bits steps (cimsim's config has no level count)")
        if "adc_enob" in f:
            notes.append(f"adc_enob {enob:g} not used: a {adc['type']} converter is priced by its 2**bits steps"
                         if adc["bits"] > 1 else f"adc_enob {enob:g} not used: a 1-bit converter is one comparator")
    built = math.ceil(float(macro.values.get("adc_bits", 0)))
    if adc["type"] == "sar" and built > adc["bits"] and "enob" not in adc:
        adc["built_bits"] = built
    elif above_macros_converter(macro, adc["bits"]):  # the macro's adc_bits is its converter
        notes.append(f"adc_bits {stated_bits:g} above the macro's converter ({built} bits): priced as one of its own")
    if f.get("adc_type") and adc["type"] != str(f["adc_type"]).strip().lower():  # 1 bit: every type, one comparator
        notes.append(f"ADC '{f['adc_type']}' priced as {_priced(adc)}{adc_type_hint(str(f['adc_type']))}")
    elif f.get("adc_type") and _priced(adc) != adc["type"]:
        notes.append(f"ADC '{f['adc_type']}' at 1 bit priced as {_priced(adc)}")
    if _priced(adc) != adc["type"]:  # a config states no type for it (refused as ignored)
        del adc["type"]
    adc["cols_per_adc"] = int(f["cols_per_adc"]) if "cols_per_adc" in f else math.ceil(int(f["cols"]) / int(f["adcs"]))
    if "adcs" in f and "cols_per_adc" in f and int(f["adcs"]) * adc["cols_per_adc"] != int(f["cols"]):
        built = math.ceil(int(f["cols"]) / adc["cols_per_adc"])
        stated = "" if built == int(f["adcs"]) else f", not {f['adcs']}"
        notes.append(f"adcs x cols_per_adc = {f['adcs']} x {f['cols_per_adc']} for {f['cols']} columns: ADCs built "
                     f"one per cols_per_adc columns ({built}{stated}), each converting its columns in turn; the stated "
                     "adcs bound the outputs per read")
    elif int(f.get("adcs", 0)) > int(f["cols"]):
        notes.append(f"{f['adcs']} adcs for {f['cols']} columns: one ADC built per column")
    planes = bool(f.get("analog_accumulation"))
    group = None if "weight_accumulation" in f or family not in ("charge", "current") else _uiuc_weight_group(macro)
    weights = bool(f["weight_accumulation"]) if "weight_accumulation" in f else group is not None  # as stated
    if group and weight_bits > bits_per_cell:  # (one column a weight: nothing to sum) a point without UIUC figures
        # of its own had changed unsaid with another point's
        notes.append(f"weight-bit columns summed before the ADC (adc.accumulation with slices): the chip's, from "
                     f"{group} (state weight_accumulation = false where it does not)")
    if planes or weights:
        adc["accumulation"] = {(True, False): "planes", (False, True): "slices",
                               (True, True): "planes_and_slices"}[(planes, weights)]
    stored = stored_weight_bits(weight_bits, f.get("weight_encoding", "offset"))  # a differential side's: magnitude
    _per_conversion(adc, f, math.ceil(stored / bits_per_cell) if weights else 1, notes)
    return adc


def above_macros_converter(macro: Macro, bits: int) -> bool:
    """whether a point's converter of ``bits`` is above its macro's (its adc_bits, where stated): priced as one of
    its own, a chip of its own"""
    return 0 < math.ceil(float(macro.values.get("adc_bits", 0))) < bits


def _priced(adc: Mapping[str, Any]) -> str:
    """what the [adc] table's converter is priced as: its type, or at 1 bit (unless a SAR built for more bits stops
    there) one comparator, whatever the type"""
    return (adc["type"] if adc["bits"] > 1 or "built_bits" in adc
            else "one column comparator (NeuroSim MultilevelSenseAmp, docs/adc.md)")


def _per_conversion(adc: dict[str, Any], f: Mapping[str, Any], slices: int, notes: list[str]) -> None:
    """An ADC serves converted columns: the entry's physical columns per ADC over those one conversion reads, a
    weight's ``slices`` columns summed before it (1: none) times the two of a differential pair (subtracted on its
    column pair before the conversion, unless the entry states subtraction = "digital": each column converted), with a
    note where they do not divide."""
    pair = 2 if f.get("weight_encoding") == "differential" and f.get("subtraction") != "digital" else 1
    summed, physical = slices * pair, adc["cols_per_adc"]
    what = " and ".join([f"a weight's {slices} columns summed"] * (slices > 1) + ["a differential pair"] * (pair > 1))
    if physical % summed and physical < summed:
        notes.append(f"{physical} column(s) per ADC where one conversion reads {summed} ({what}): one ADC per "
                     f"converted column priced, the others idle")
    elif physical % summed:
        notes.append(f"{physical} columns per ADC with {what} before it: {physical // summed} converted column(s) "
                     f"per ADC priced")
    adc["cols_per_adc"] = max(1, physical // summed)


def state_what_applies(data: dict[str, Any], notes: list[str], f: Mapping[str, Any]) -> None:
    """Leaves out of ``data`` what the entry describes but its layout would ignore (a config stating it is refused,
    cimsim.config.conditional), with a note on each the entry's fields ``f`` state (dropped unsaid before: chips
    probes; not a default's, UIUC's weight slices: reviews): the parts of 'adc.accumulation' of which a read has one
    only (input planes, weight slices) and a time-domain 'dac.encoding' of reads of one level (a pulse of the full
    read, as 'voltage')."""
    probe = {**data, "adc": {**data["adc"], "accumulation": "none"}, "dac": {**data["dac"], "encoding": "voltage"}}
    try:
        plan = plan_layer(config_from_dict(probe, "the entry's layout"), 1, 1)
    except (ConfigError, ValueError):  # refused all the same, the reason said when the data is validated
        return
    stated = Accumulation(data["adc"].pop("accumulation", "none"))
    summed = summed_parts(stated, plan)
    if summed != Accumulation.NONE:
        data["adc"]["accumulation"] = summed.value
    for field, part, n, what in (("analog_accumulation", "planes", plan.n_planes, "an input is one plane"),
                                 ("weight_accumulation", "slices", plan.n_slices, "a weight is one slice")):
        if f.get(field) and part in stated.value and n == 1:
            notes.append(f"{field} = true: {what} here, nothing to sum (priced without it)")
    encoding = data["dac"].get("encoding", "voltage")
    if plan.max_plane_code == 1:
        data["dac"].pop("encoding", None)
        if encoding != "voltage":
            notes.append(f"input encoding {encoding} on reads of one level: one pulse of the read voltage, as "
                         "voltage")
