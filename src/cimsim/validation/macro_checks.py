"""The checks a macro file (``published_macros.toml`` or a user's file in its format) passes when it is read.

Each refuses with a ValueError naming the file, the entry, the point and the field, so that a misspelt or
contradictory entry stops the run (exit 2) instead of being priced as something else or left out silently.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any

from ..argcheck import cut_short, has_control_character, has_hidden_character
from ..config.modes import CellAccess, DigitalAdders, InputEncoding, SignedEncoding, Subtraction
from .macro_figures import ADC_CONVERSION, FULL_ARRAY_ENERGY, MVM_MACS, as_toml, check_figures
from .macro_text import design_cores, states_no_converter
from .macro_units import field_hint

__all__ = ["CONFIG_FIELDS", "DEVICE_FIELDS", "DATA_CONDITIONS", "FAMILIES", "RESISTIVE_FAMILIES", "CHOICES",
           "MVM_MACS", "FULL_ARRAY_ENERGY", "check_top_level", "as_toml", "check_fields",
           "check_uiuc_area", "check_consistent", "unique_labels"]

DEVICE_FIELDS = ("g_min_us", "g_max_us", "read_voltage_v", "read_pulse_ns")
"""a resistive cell's conductance range, read voltage and word-line pulse as a paper states them (device.* of the
same names); an SRAM or digital macro's lines swing its supply instead"""
CONFIG_FIELDS = ("node_nm", "vdd_v", "rows", "cols", "rows_per_read", "input_bits", "input_signed", "bits_per_read",
                 "input_encoding", "analog_accumulation", "weight_accumulation", "weight_bits", "weight_levels",
                 "bits_per_cell", "adc_bits", "adc_type", "adcs", "cols_per_adc", "cycle_ns", "clock_mhz",
                 "digital_adders", "chain_register_rows", "row_groups_per_conversion", "input_zero_fraction",
                 "weight_zero_fraction", "data", "weight_encoding", "subtraction", "cell_access", "adc_enob",
                 *DEVICE_FIELDS)
"""entry fields that set the configuration (a point's value overrides the macro's)"""
DATA_CONDITIONS = ("uniform", "full_scale")
"""an entry's ``data``: the inputs and weights its figures were measured at: codes uniform over their range (the
default), or every input and weight at its largest code (a paper's full-scale figure: dearer than uniform data
for a resistive or charge array, but no worst case for a digital macro, whose adder trees switch less then)"""
FAMILIES = ("rram", "pcm", "mram", "fefet", "sram-charge", "sram-current", "digital")
"""an entry's ``family``: the cell technology and, for SRAM, the compute domain"""
RESISTIVE_FAMILIES = FAMILIES[:4]
"""the families of resistive cells (G V**2 t), the only ones whose entries state :data:`DEVICE_FIELDS`"""
_CAPACITOR = "sram-charge is the nearest (a capacitor per cell, C V**2 per switched line"
_HYBRID = ("cimsim has no such family; a hybrid macro (some weight or input bits summed by adder trees, the others in "
           "the analog domain) is priced as one domain only: digital for its exact part, sram-charge or sram-current "
           "for its analog one, each missing the other's energy (docs/validation.md, 'Configurations cimsim cannot "
           "express')")
FAMILY_HINTS = {("analog-digital", "analog/digital", "digital-analog", "mixed-signal", "mixed signal", "hybrid analog",
                 "hybrid digital", "hybrid-domain", "hybrid domain"): _HYBRID,
                ("feram", "fecap", "ferroelectric cap", "ferroelectric-cap", "1t1c"):
                "cimsim has no such family; a cell that computes on the charge of its capacitor (FeRAM / FeCAP, "
                f"1T1C): {_CAPACITOR}; a multi-level cell has no stand-in); a ferroelectric transistor: fefet",
                ("dram", "gain", "2t1c", "3t1c"): "cimsim has no such family; an eDRAM (gain) cell that computes on "
                                                  f"its storage capacitor: {_CAPACITOR}: its 1-bit cells; a "
                                                  "multi-level cell has no stand-in); eDRAM that only stores the "
                                                  "weights or lookup tables of digital logic (adder trees, LUTs): "
                                                  "digital",
                ("c-2c", "c2c", "capacitor", "charge-domain", "charge domain"):
                "cimsim has no such family; a cell whose products are charge on capacitors (C-2C ladders, charge "
                "sharing): sram-charge",
                ("flash",): "cimsim has no such family; a flash cell is a programmable-threshold transistor: fefet is "
                            "the nearest (priced as the RRAM 1T1R cell)",
                ("ferro",): "cimsim has no such family; a ferroelectric transistor: fefet (priced as the RRAM 1T1R "
                            f"cell); a ferroelectric capacitor computing on its charge: {_CAPACITOR})",
                ("memristor", "reram", "oxram", "cbram"): "cimsim has no such family; a resistive switching "
                                                          "(memristor) cell: rram",
                ("pcram", "phase-change", "phase change"): "cimsim has no such family; a phase-change cell: pcm",
                ("stt-", "sttram", "stt "): "cimsim has no such family; a magnetic tunnel junction cell: mram",
                ("dcim", "dimc", "adder tree", "adder-tree"): "cimsim has no such family; bitwise products summed "
                                                              "by adder trees (digital CIM): digital"}
"""words found in a family cimsim has none for -> what its refusal says (difflib had suggested 'rram' for 'edram',
'dram' and 'feram', letters alike, and nothing for 'fecap', 'memristor' or 'dcim'); the first that matches;
'sram' alone is told the three SRAM families"""


def _family_hint(family: str) -> str | None:
    words = family.strip().lower()
    if words == "sram":
        return "an SRAM macro names its compute domain: sram-charge, sram-current or digital"
    cell = ("slc", "mlc", "pcm", "rram", "reram", "mram", "fefet")  # a hybrid cell's, not this hint's
    if "hybrid" in words and not any(word in words for word in cell):
        return _HYBRID
    return next((hint for keys, hint in FAMILY_HINTS.items() if any(key in words for key in keys)), None)


CHOICES: dict[str, tuple[str, ...]] = {"family": FAMILIES, "data": DATA_CONDITIONS,
                                       "input_encoding": tuple(m.value for m in InputEncoding),
                                       "digital_adders": tuple(m.value for m in DigitalAdders),
                                       "weight_encoding": tuple(m.value for m in SignedEncoding),
                                       "subtraction": tuple(m.value for m in Subtraction),
                                       "cell_access": tuple(m.value for m in CellAccess),
                                       "uiuc_area_of": ("core", "design")}
"""the fields with a fixed set of values (``adc_type`` is free text: :func:`cimsim.validation.macro_text.adc_type`)"""
_POSITIVE_INTS = ("cores", "rows", "cols", "rows_per_read", "input_bits", "bits_per_read", "weight_bits",
                  "weight_levels", "bits_per_cell", "adcs", "cols_per_adc", "chain_register_rows", "uiuc_alpha",
                  "uiuc_b_x", "read_phases", "row_groups_per_conversion")
_POSITIVE_NUMBERS = ("node_nm", "vdd_v", "cycle_ns", "clock_mhz", "uiuc_b_w", "energy_pj", "tops",
                     "tops_1b_norm", "tops_per_mm2", "tops_per_mm2_1b_norm", "tops_per_w", "tops_per_w_1b_norm",
                     "energy_fj_per_mac", "area_mm2", "latency_ns", "wl_switching_fj_per_op", "neuron_fj_per_op",
                     "input_pulse_fj_per_op", "adc_enob", *DEVICE_FIELDS[1:])
_FRACTIONS = ("input_zero_fraction", "weight_zero_fraction")
_BOOLS = ("input_signed", "analog_accumulation", "weight_accumulation", "one_phase")
_NAMES = ("key", "label")
_STRINGS = ("title", "source", "read_via", "family", "notes", "adc_type", "input_encoding", "data", "digital_adders",
            "energy_per", "vdd_note", "weight_encoding", "subtraction", "doubtful_figure", "doubtful_reason",
            "uiuc_area_of", "cell_access")
_REQUIRED = {"macro": ("key", "title", "source", "read_via", "family"), "point": ("label",)}
_TABLES = {"macro": ("the [[macro]] table", "the [[macro]] table"),
           "point": ("each [[macro.point]]", "a [[macro.point]]")}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_FIELD_RULES = ((_POSITIVE_INTS, lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                 "a positive integer"),
                (_POSITIVE_NUMBERS, lambda v: _number(v) and 1e-9 <= v <= 1e12,
                 "a positive number in [1e-9, 1e12] (the shipped figures span 0.004 to 2e4: one outside is a slip)"),
                (("adc_bits",), lambda v: _number(v) and (v == 0 or v >= 1),
                 "a number >= 1 (the converter's bits), or 0 for a digital macro (no ADC)"),
                (("ops_per_mac",), lambda v: _number(v) and v in (1, 2),
                 "1 (a MAC counted as one operation) or 2 (a multiply and an add)"),
                (("avg_output_value", "g_min_us"), lambda v: _number(v) and v >= 0, "a finite number >= 0"),
                (_FRACTIONS, lambda v: _number(v) and 0 <= v < 1, "a number in [0, 1) (a figure measured on "
                                                                  "inputs or weights all zero would mean nothing)"),
                (_BOOLS, lambda v: isinstance(v, bool), "true or false"),
                (_NAMES, lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
                (_NAMES, lambda v: not has_control_character(v), "a string without control characters (newlines, "
                                                                 "tabs)"),
                (_NAMES, lambda v: v == unicodedata.normalize("NFC", v) and not has_hidden_character(v),
                 "in Unicode's NFC form, without zero-width or direction marks (names that look alike are alike; "
                 "the joiners of Persian or emoji words are text)"),
                (_STRINGS, lambda v: isinstance(v, str), "a string"))
"""(fields, test of a value, what the test asks for) of the entries' fields the harness reads"""

_KNOWN = frozenset(name for names, _, _ in _FIELD_RULES for name in names)
"""every field an entry may hold (a misspelt one would be ignored silently, so it is refused)"""
_LEVEL = {"macro": frozenset(("key", "title", "read_via", "family", "notes", "uiuc_area_of", "cores")),
          "point": _KNOWN - set(CONFIG_FIELDS) - {"key", "title", "read_via", "family", "notes", "source",
                                                  "uiuc_area_of", "cores"}}
"""the fields read at one level only (a [[macro]] table's, a [[macro.point]]'s): given at the other they would be
ignored silently, so they are refused; the configuration fields and ``source`` belong to both"""


def _did_you_mean(name: str, known: Collection[str]) -> str:
    """'; did you mean ...?' with the known name nearest to ``name`` in any case, '' where none is near"""
    lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), lower, n=1)
    return f"; did you mean {lower[close[0]]!r}?" if close else ""


def check_top_level(file: str, table: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``[[macro]]`` tables of a macro file's ``table``; a ValueError where it has none, holds them in another
    shape, or has another top-level key (``[[macros]]`` for ``[[macro]]``, a key above the first ``[[macro]]``),
    whose tables would be ignored silently."""
    macros, others = table.get("macro"), [key for key in table if key != "macro"]
    if not isinstance(macros, list) or not macros or not all(isinstance(m, dict) for m in macros):
        near = [key for key in others if _did_you_mean(key, ["macro"])]
        raise ValueError(f"{file}: expected one or more [[macro]] tables (each with [[macro.point]] tables); "
                         f"top-level keys: {sorted(table) or 'none'}"
                         + (f"; did you mean 'macro' for {near[0]!r}?" if near else ""))
    if others:
        raise ValueError(f"{file}: unknown top-level key {others[0]!r}{_did_you_mean(others[0], ['macro'])} (a macro "
                         "file holds only [[macro]] tables, each with its [[macro.point]] tables)")
    return macros


def check_fields(file: str, where: str, kind: str, values: Mapping[str, Any]) -> None:
    """A ValueError naming the file, entry and field where a field of a ``kind`` ('macro' or 'point') table is
    missing, unknown or at the wrong level, or has the wrong type or range (an int where a count is meant, a
    positive number in [1e-9, 1e12] for a figure, ...)."""
    for name in _REQUIRED[kind]:
        if name not in values:
            raise ValueError(f"{file}: {where}: '{name}' is required")
    for name, value in values.items():
        if name not in _KNOWN:
            known = _KNOWN | {"point"} if kind == "macro" else _KNOWN
            hint = field_hint(name, known) or f"; known fields: {', '.join(sorted(_KNOWN))}"
            tables = " ([[macro.point]] tables)" if hint == "; did you mean 'point'?" else ""
            raise ValueError(f"{file}: {where}: unknown field '{name}'{hint}{tables}")
        other = "point" if kind == "macro" else "macro"
        if name in _LEVEL[other]:
            raise ValueError(f"{file}: {where}: '{name}' belongs in {_TABLES[other][0]}, not in {_TABLES[kind][1]} "
                             "(it is read there only; here it would be ignored)")
        for names, accepts, what in _FIELD_RULES:
            if name in names and not accepts(value):
                alone = isinstance(value, str) and re.match(r"\s*[-+]?\.?\d", value)  # '0.9 V', '28nm'
                raise ValueError(f"{file}: {where}: '{name}' must be {what}; got {as_toml(value)}" + (
                    ": write the number alone, unquoted, in the unit the field's name ends with" if alone else ""))
    if "energy_per" in values and "energy_pj" not in values:
        raise ValueError(f"{file}: {where}: 'energy_per' says what an 'energy_pj' covers, and the table states no "
                         "energy_pj (it would be ignored): give the energy or leave energy_per out")
    _check_energy_per(file, where, str(values.get("energy_per", "")))
    if {"cycle_ns", "clock_mhz"} <= values.keys() and values["cycle_ns"] * values["clock_mhz"] < 1000 * (1 - 1e-9):
        raise ValueError(f"{file}: {where}: cycle_ns = {values['cycle_ns']:g} is shorter than one clock of clock_mhz = "
                         f"{values['clock_mhz']:g} ({1000 / values['clock_mhz']:g} ns): a read lasts one clock at "
                         "least (a clock in GHz written as MHz?)")
    check_figures(file, where, values)
    if kind == "macro":
        _check_choices(file, where, {k: values[k] for k in ("family", "uiuc_area_of") if k in values})


def check_uiuc_area(file: str, where: str, values: Mapping[str, Any], points: list[Mapping[str, Any]]) -> None:
    """A ValueError where a macro's ``uiuc_area_of`` (the extent, one core's or the whole design's, of the area
    UIUC's 1b-normalised density divides one core's throughput by) comes without a design of several cores (its
    notes' N_core) or without a point's UIUC density (``tops_per_mm2_1b_norm``): it would be ignored"""
    cores, densities = design_cores(values), any("tops_per_mm2_1b_norm" in p for p in points)
    if "uiuc_area_of" in values and ((cores or 1) <= 1 or not densities):
        raise ValueError(f"{file}: {where}: 'uiuc_area_of' is the area extent of a UIUC density (tops_per_mm2_1b_norm) "
                         "of a design of several cores (cores, or the notes' N_core, above 1); here N_core is "
                         f"{cores or 'not stated'} and {'a' if densities else 'no'} point states such a density: "
                         "leave it out")


def _check_energy_per(file: str, where: str, per: str) -> None:
    """A ValueError where a parenthesis of an ``energy_per`` names MACs but is no count '(N MACs)' of N >= 1 (a
    '(16,384 MACs)' had been ignored, the MVM priced as the whole array; a '(0 MACs)' divided by zero), or where one
    'one ADC conversion' goes on but for a remark in parentheses ('... of all 64 ADCs' had been compared as one), a
    remark that counts ADCs or conversions ('(of all 64 ADCs)' too), or where either compared form is written in
    other capitals ('One ADC conversion' had been left out as not saying what it covers)"""
    for form in (ADC_CONVERSION, FULL_ARRAY_ENERGY):
        spaced = " ".join(per.split())
        if spaced.casefold().startswith(form.casefold()) and not per.startswith(form):
            raise ValueError(f"{file}: {where}: 'energy_per' {cut_short(per)!r} is read as written '{form}' only "
                             f"(its capitals, single spaces): write '{form}{cut_short(spaced[len(form):])}'")
    remark = re.fullmatch(re.escape(ADC_CONVERSION) + r"(?:\s+\(([^()]*)\))?\s*", per)  # (any spaces around it)
    counted = (r"\b(ADCs|conversions)\b|\d[\d,]*\s*(ADC|conversion|column)s?\b|"  # of more than one conversion
               r"\b(all|every|each)\s+(of\s+the\s+|the\s+)?(ADC|column)s?\b")
    if per.startswith(ADC_CONVERSION) and (not remark or re.search(counted, remark.group(1) or "", re.IGNORECASE)):
        raise ValueError(f"{file}: {where}: 'energy_per' {cut_short(per)!r} is compared as one ADC conversion's "
                         f"energy only as '{ADC_CONVERSION}', a remark in parentheses after it at most (not a count "
                         "of ADCs or conversions): give one conversion's energy, or an MVM's as 'one full-array MVM "
                         "(N MACs)'")
    for inner in re.findall(r"\([^()]*\)", per):
        count = MVM_MACS.fullmatch(inner)
        if re.search(r"\bMACs?\b", inner, re.IGNORECASE) and not (count and int(count.group(1)) >= 1):
            raise ValueError(f"{file}: {where}: 'energy_per' must give the MVM's MACs as '(N MACs)', N a whole "
                             f"number >= 1 in at most 15 digits; got {cut_short(per)!r}")


def _check_choices(file: str, where: str, fields: Mapping[str, Any]) -> None:
    """A ValueError naming the field whose value is none of its :data:`CHOICES`, with the nearest one"""
    for name, allowed in CHOICES.items():
        if name in fields and fields[name] not in allowed:
            hint = _family_hint(str(fields[name])) if name == "family" else None
            raise ValueError(f"{file}: {where}: '{name}' must be one of {', '.join(allowed)}; "
                             f"got {as_toml(fields[name])}"
                             + (f": {hint}" if hint else _did_you_mean(str(fields[name]), allowed)))


_ANALOG_ONLY = ("analog_accumulation", "weight_accumulation")
"""flags that only an analog (ADC) macro can set"""
_DIGITAL_ONLY = ("digital_adders", "chain_register_rows")
"""fields of a digital macro's adders"""


_NOT_APPLICABLE = re.compile(r"n\s*[./-]?\s*a\.?|not applicable|[-\u2010-\u2015\u2212]+", re.IGNORECASE)
"""a digital macro's adc_type meaning not applicable: no converter ('N/A', 'n.a.', 'N / A', dashes)"""


def _check_family(file: str, where: str, family: str, fields: Mapping[str, Any]) -> None:
    """A ValueError where a digital macro states a converter (its bits, its type in any case, columns per ADC that
    do not restate cols / adcs: it reads only adcs, its adder trees) or analog summing, or an analog one no
    converter or a digital macro's adders."""
    adc_type, adc_bits = str(fields.get("adc_type", "")).strip(), fields.get("adc_bits")
    device = [n for n in DEVICE_FIELDS if n in fields]
    if device and family not in RESISTIVE_FAMILIES:
        raise ValueError(f"{file}: {where}: {', '.join(device)} state a resistive cell ({', '.join(RESISTIVE_FAMILIES)}"
                         f"); a {family} macro's lines swing its supply (vdd_v): leave them out")
    if fields.get("g_min_us", 0) >= fields.get("g_max_us", math.inf):
        raise ValueError(f"{file}: {where}: g_min_us = {fields['g_min_us']} must be below g_max_us = "
                         f"{fields['g_max_us']} (the cell's conductance range)")
    if family == "digital":
        stated = [f"{n} = true" for n in _ANALOG_ONLY if fields.get(n)]
        stated += [f"adc_bits = {adc_bits!r}"] if adc_bits else []
        unstated = states_no_converter(adc_type) or _NOT_APPLICABLE.fullmatch(adc_type)  # not applicable: none
        stated += [f"adc_type = {adc_type!r}"] if adc_type and not unstated else []
        stated += [f"adc_enob = {fields['adc_enob']!r}"] if "adc_enob" in fields else []  # (had been dropped, unsaid)
        stated += [f"subtraction = {fields['subtraction']!r}"] if fields.get("subtraction") == "analog" else []
        per_adc, adcs = fields.get("cols_per_adc"), fields.get("adcs")
        stated += [f"cols_per_adc = {per_adc}"] if per_adc and per_adc * (adcs or 0) != fields.get("cols") else []
        if stated:
            raise ValueError(f"{file}: {where}: a digital macro has no ADC and sums exactly; it states "
                             f"{', '.join(stated)} (leave them out, or give an analog family)")
        if str(fields.get("input_encoding", "voltage")) != "voltage":  # (a pulse had been priced as bits, unsaid)
            raise ValueError(f"{file}: {where}: a digital macro's inputs reach its rows as bits on wires; it states "
                             f"input_encoding = {fields['input_encoding']!r} (a time-domain input is an analog "
                             "family's: leave it out, or give one)")
        return
    if states_no_converter(adc_type) or adc_bits == 0:
        field = f"adc_type = {adc_type!r}" if states_no_converter(adc_type) else "adc_bits = 0"
        raise ValueError(f"{file}: {where}: a {family} macro converts its columns with ADCs; it states {field} "
                         "(only a digital macro has none; columns read by 1-bit comparators or sense amplifiers are "
                         "1-bit converters: adc_bits = 1, adc_type naming them, e.g. 'comparator')")
    stated = [n for n in _DIGITAL_ONLY if n in fields]
    if stated:
        raise ValueError(f"{file}: {where}: a {family} macro converts its columns with ADCs; it states "
                         f"{' and '.join(stated)} (a digital macro's adders: leave them out, or give a digital family)")


def check_consistent(file: str, where: str, family: str, fields: Mapping[str, Any],
                     inherited: Mapping[str, Any] | None = None) -> None:
    """A ValueError naming the fields where configuration fields (a macro's, or a point's merged with its
    macro's: ``inherited`` holds the macro's values the point does not restate) have a value outside their
    :data:`CHOICES` or contradict each other or the family (:func:`_check_family`): weight_bits and weight_levels
    that disagree, more rows per read than rows, more bits per read than input bits, a point's g_min_us without
    g_max_us or the reverse. A value the point inherited is said to be its macro's."""
    def said(name: str) -> str:
        mine = inherited is not None and name in inherited and inherited[name] == fields[name]
        return f"{name} = {fields[name]}" + (" (its macro's)" if mine else "")

    if inherited is not None and ("g_min_us" in fields) != ("g_max_us" in fields):  # one beside the preset's other
        raise ValueError(f"{file}: {where}: g_min_us and g_max_us go together (the cell's conductance range); it "
                         f"states {'g_min_us' if 'g_min_us' in fields else 'g_max_us'} alone (here or in its "
                         "macro)")
    _check_choices(file, where, fields)
    _check_family(file, where, family, fields)
    if "weight_bits" in fields and "weight_levels" in fields:
        bits, levels = fields["weight_bits"], fields["weight_levels"]
        if 2 ** bits - 1 != levels:
            raise ValueError(f"{file}: {where}: weight_bits = {bits} and weight_levels = {levels} disagree ({levels} "
                             f"levels are log2({levels} + 1) = {math.log2(levels + 1):g} weight bits); give one")
    for part, whole, what in (("rows_per_read", "rows", "a read drives at most every row"),
                              ("bits_per_read", "input_bits", "a read takes at most every input bit")):
        if part in fields and whole in fields and fields[part] > fields[whole]:
            own = f"; a point states its own {part} where it differs from its macro's" * (inherited is not None)
            raise ValueError(f"{file}: {where}: it states {said(part)} above {said(whole)} ({what}{own})")


def unique_labels(labels: list[str]) -> list[str]:
    """The points' ``labels``, each repeat of one with ' (2)', ' (3)', ... appended: the lowest count from its
    repeat on that no label of the macro, stated or appended, has (the shipped file repeats labels: Colonnade's
    1b-in 1b-w points of two figures), so every point keeps a label of its own."""
    taken, seen, out = set(labels), {}, []
    for label in labels:
        seen[label] = n = seen.get(label, 0) + 1
        if n > 1:
            while f"{label} ({n})" in taken:
                n += 1
            label = f"{label} ({n})"
            taken.add(label)
        out.append(label)
    return out
