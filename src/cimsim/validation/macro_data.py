"""The published compute-in-memory macros and chips of ``published_macros.toml`` (or of a user's file in its
format), as data.

Each :class:`Macro` holds its source and its measured operating points (:class:`MacroPoint`); a point's fields
override the macro's. Conventions of the file (units, 1b-normalised figures, digitized values) are in its header.
Functions taking ``file`` read that path (a TOML file of ``[[macro]]`` entries); ``None`` is the shipped file.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..config.toml_file import read_toml

__all__ = ["adc_type", "MACRO_FILE", "CONFIG_FIELDS", "DATA_CONDITIONS", "FAMILIES", "ENTRY_LIMITS", "Unusable",
           "MacroPoint", "Macro", "RAW_FIGURES", "UIUC_MVM_ENERGY", "uiuc_normalised", "invocation_precision",
           "cached_per_file", "file_name", "load_macros", "find_macro"]

MACRO_FILE = "published_macros.toml"
"""the data file, shipped in this package"""
CONFIG_FIELDS = ("node_nm", "vdd_v", "rows", "cols", "rows_per_read", "input_bits", "input_signed", "bits_per_read",
                 "input_encoding", "analog_accumulation", "weight_accumulation", "weight_bits", "weight_levels",
                 "bits_per_cell", "adc_bits", "adc_type", "adcs", "cols_per_adc", "cycle_ns", "clock_mhz",
                 "digital_adders", "chain_register_rows", "row_groups_per_conversion", "input_zero_fraction",
                 "weight_zero_fraction", "data")
"""entry fields that set the configuration (a point's value overrides the macro's)"""


_POSITIVE_INTS = ("rows", "cols", "rows_per_read", "input_bits", "bits_per_read", "weight_bits", "weight_levels",
                  "bits_per_cell", "adcs", "cols_per_adc", "chain_register_rows", "uiuc_alpha", "uiuc_b_x",
                  "read_phases", "row_groups_per_conversion")
_POSITIVE_NUMBERS = ("node_nm", "vdd_v", "cycle_ns", "clock_mhz", "ops_per_mac", "uiuc_b_w", "energy_pj", "tops",
                     "tops_1b_norm", "tops_per_mm2", "tops_per_mm2_1b_norm", "tops_per_w", "tops_per_w_1b_norm",
                     "energy_fj_per_mac", "area_mm2", "latency_ns", "wl_switching_fj_per_mac", "neuron_fj_per_mac",
                     "input_pulse_fj_per_mac")
_NON_NEGATIVE_NUMBERS = ("adc_bits", "avg_output_value")
_FRACTIONS = ("input_zero_fraction", "weight_zero_fraction")
_BOOLS = ("input_signed", "analog_accumulation", "weight_accumulation", "one_phase")
_STRINGS = ("key", "title", "source", "read_via", "family", "notes", "label", "adc_type", "input_encoding", "data",
            "digital_adders", "energy_per", "vdd_note")
DATA_CONDITIONS = ("uniform", "full_scale")
"""an entry's ``data``: the inputs and weights its figures were measured at: codes uniform over their range (the
default), or every input and weight at its largest code (a paper's worst case)"""
FAMILIES = ("rram", "pcm", "mram", "fefet", "sram-charge", "sram-current", "digital")
"""an entry's ``family``: the cell technology and, for SRAM, the compute domain"""
_REQUIRED = {"macro": ("key", "title", "source", "read_via", "family"), "point": ("label",)}
_TABLES = {"macro": ("the [[macro]] table", "the [[macro]] table"),
           "point": ("each [[macro.point]]", "a [[macro.point]]")}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_FIELD_RULES = ((_POSITIVE_INTS, lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                 "a positive integer"),
                (_POSITIVE_NUMBERS, lambda v: _number(v) and v > 0, "a positive finite number"),
                (_NON_NEGATIVE_NUMBERS, lambda v: _number(v) and v >= 0, "a finite number >= 0"),
                (_FRACTIONS, lambda v: _number(v) and 0 <= v <= 1, "a number in [0, 1]"),
                (_BOOLS, lambda v: isinstance(v, bool), "true or false"),
                (_STRINGS, lambda v: isinstance(v, str), "a string"))
"""(fields, test of a value, what the test asks for) of the entries' fields the harness reads"""


_KNOWN = frozenset(name for names, _, _ in _FIELD_RULES for name in names)
"""every field an entry may hold (a misspelt one would be ignored silently, so it is refused)"""
_LEVEL = {"macro": frozenset(("key", "title", "read_via", "family", "notes")),
          "point": _KNOWN - set(CONFIG_FIELDS) - {"key", "title", "read_via", "family", "notes", "source"}}
"""the fields read at one level only (a [[macro]] table's, a [[macro.point]]'s): given at the other they would be
ignored silently, so they are refused; the configuration fields and ``source`` belong to both"""


def _checked(file: str, where: str, kind: str, values: Mapping[str, Any]) -> None:
    """A ValueError naming the file, entry and field where a field is unknown or has the wrong type or range (an
    int where a count is meant, a positive finite number for a figure, ...)."""
    for name in _REQUIRED[kind]:
        if name not in values:
            raise ValueError(f"{file}: {where}: '{name}' is required")
    for name, value in values.items():
        if name not in _KNOWN:
            close = difflib.get_close_matches(name, _KNOWN, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(sorted(_KNOWN))}"
            raise ValueError(f"{file}: {where}: unknown field '{name}'{hint}")
        other = "point" if kind == "macro" else "macro"
        if name in _LEVEL[other]:
            raise ValueError(f"{file}: {where}: '{name}' belongs in {_TABLES[other][0]}, not in {_TABLES[kind][1]} "
                             "(it is read there only; here it would be ignored)")
        for names, accepts, what in _FIELD_RULES:
            if name in names and not accepts(value):
                raise ValueError(f"{file}: {where}: '{name}' must be {what}; got {value!r}")
    if kind == "macro" and values["family"] not in FAMILIES:
        raise ValueError(f"{file}: {where}: 'family' must be one of {', '.join(FAMILIES)}; got {values['family']!r}")
    if values.get("data", DATA_CONDITIONS[0]) not in DATA_CONDITIONS:
        raise ValueError(f"{file}: {where}: 'data' must be one of {', '.join(DATA_CONDITIONS)}; got {values['data']!r}")


_ANALOG_ONLY = ("analog_accumulation", "weight_accumulation")
"""flags that only an analog (ADC) macro can set"""


def _check_consistent(file: str, where: str, family: str, fields: Mapping[str, Any]) -> None:
    """A ValueError naming the field where configuration fields (a macro's, or a point's merged with its macro's)
    contradict each other or the family: a digital macro converting or summing in the analog domain, an analog one
    without a converter, or weight_bits and weight_levels that disagree."""
    adc_type, adc_bits = str(fields.get("adc_type", "")).strip(), fields.get("adc_bits")
    if family == "digital":
        stated = [f"{n} = true" for n in _ANALOG_ONLY if fields.get(n)]
        stated += [f"adc_bits = {adc_bits!r}"] if adc_bits else []
        stated += [f"adc_type = {adc_type!r}"] if adc_type not in ("", "none") else []
        if stated:
            raise ValueError(f"{file}: {where}: a digital macro has no ADC and sums exactly; it states "
                             f"{', '.join(stated)} (leave them out, or give an analog family)")
    elif adc_type == "none" or adc_bits == 0:
        field = "adc_type = 'none'" if adc_type == "none" else "adc_bits = 0"
        raise ValueError(f"{file}: {where}: a {family} macro converts its columns with ADCs; it states {field} "
                         "(only a digital macro has none)")
    if "weight_bits" in fields and "weight_levels" in fields:
        bits, levels = fields["weight_bits"], fields["weight_levels"]
        if 2 ** bits - 1 != levels:
            raise ValueError(f"{file}: {where}: weight_bits = {bits} and weight_levels = {levels} disagree ({levels} "
                             f"levels are log2({levels} + 1) = {math.log2(levels + 1):g} weight bits); give one")


RAW_FIGURES = ("tops_per_w", "tops", "tops_per_mm2", "energy_fj_per_mac", "area_mm2")
"""an entry's figures at its operand precision (not 1b-normalised), with energy_pj but for UIUC's E_mvm"""
UIUC_MVM_ENERGY = "one multi-bit MVM (UIUC E_mvm)"
"""an entry's energy_per of UIUC's energy per MVM (of an MVM whose extent the database does not state)"""


def uiuc_normalised(values: Mapping[str, Any]) -> bool:
    """whether a point's own ``values`` hold UIUC 1b-normalised figures"""
    return any(k.endswith("_1b_norm") for k in values)


def invocation_precision(fields: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, int]:
    """``{"input_bits": B_x, "weight_bits": B_w}`` of one array invocation for a point (configuration ``fields``,
    own ``values``) that states no input or weight precision and whose only figures are UIUC 1b-normalised ones,
    with a whole B_w; else ``{}``. Such a figure is one invocation's (1b-TOPS/W = N_1b / E_core, N_1b = 2 N N_ADC
    B_x B_w), so one invocation priced and the figure divided by B_x B_w compare the same quantity."""
    b_x, b_w = values.get("uiuc_b_x"), values.get("uiuc_b_w")
    raw = any(k in values for k in RAW_FIGURES) or values.get("energy_per", UIUC_MVM_ENERGY) != UIUC_MVM_ENERGY
    if (b_x is None or b_w is None or not float(b_w).is_integer() or raw
            or any(k in fields for k in ("input_bits", "weight_bits", "weight_levels"))):
        return {}
    return {"input_bits": int(b_x), "weight_bits": int(b_w)}


class Unusable(ValueError):
    """A point (or one of its figures) that cannot be compared; the message is the reason."""


def adc_type(stated: str | None) -> str:
    """the stated ADC type in any case (single-slope, integrating: ramp; text naming CCO / VCO: vco; else sar)"""
    name = (stated or "").strip().lower()
    ramp = name in ("single-slope", "single slope", "integrating")
    return "ramp" if ramp else name if name in ("sar", "flash", "ramp", "vco") else (
        "vco" if re.search(r"\b(cco|vco)\b|oscillator", name) else "sar")


@dataclass(frozen=True)
class MacroPoint:
    """One measured operating point of a macro."""

    macro: str
    index: int
    """position in the macro's list (0 = first)"""
    label: str
    """the entry's label, with ' (2)', ' (3)' appended to a repeated one"""
    source: str
    values: Mapping[str, Any]
    """the point's own fields"""
    fields: Mapping[str, Any]
    """configuration fields: the macro's, overridden by the point's, and one array invocation's precision where
    the point states none (:func:`invocation_precision`)"""

    @property
    def key(self) -> str:
        return f"{self.macro} / {self.label}"

    @property
    def precision(self) -> tuple[int, float] | None:
        """(input bits, weight bits) the point states (weight_levels L: log2(L + 1) bits), None without both"""
        f = self.fields
        if "input_bits" not in f or not ("weight_bits" in f or "weight_levels" in f):
            return None
        return int(f["input_bits"]), int(f["weight_bits"]) if "weight_bits" in f else math.log2(f["weight_levels"] + 1)


@dataclass(frozen=True)
class Macro:
    """One published macro or chip."""

    key: str
    title: str
    source: str
    read_via: str
    family: str
    notes: str
    values: Mapping[str, Any]
    """the macro-level fields"""
    points: tuple[MacroPoint, ...]
    file: str | None = None
    """the macro file it was read from (``None``: the shipped file)"""

    def point(self, label: str) -> MacroPoint:
        for p in self.points:
            if p.label == label:
                return p
        raise KeyError(f"macro {self.key!r} has no point {label!r}; points: {[p.label for p in self.points]}")


def _version(file: str | None) -> tuple[int, int] | None:
    """(modification time, ns; size, bytes) of a macro file, None for the shipped one or one that cannot be read
    (the reader then says why)"""
    try:
        stat = os.stat(file) if file is not None else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size) if stat else None


def cached_per_file(function: Callable) -> Callable:
    """``functools.cache`` of a function with a ``file`` argument (a macro file), keyed on that file's version
    too: a file edited between two calls in one process is read anew, not answered from the cache."""
    signature = inspect.signature(function)

    @functools.cache
    def cached(version, args):
        return function(*args)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return cached(_version(bound.arguments["file"]), bound.args)

    wrapper.cache_clear = cached.cache_clear
    return wrapper


def file_name(file: str | None) -> str:
    """how messages name a macro file: its path, or the shipped file's name"""
    return MACRO_FILE if file is None else file


def _read_table(file: str | None = None) -> dict[str, Any]:
    """the TOML table of ``file``; a ValueError naming the file where it cannot be read or parsed"""
    if file is not None:
        return read_toml(file, "macro file")
    with (resources.files("cimsim.validation") / MACRO_FILE).open("rb") as stream:
        return tomllib.load(stream)


def _entries(file: str | None) -> list[dict[str, Any]]:
    """the ``[[macro]]`` tables of ``file``, each with its ``[[macro.point]]`` tables; a ValueError where the file
    has none or holds them in another shape"""
    table, name = _read_table(file), file_name(file)
    macros = table.get("macro")
    if not isinstance(macros, list) or not macros or not all(isinstance(m, dict) for m in macros):
        raise ValueError(f"{name}: expected one or more [[macro]] tables (each with [[macro.point]] tables); "
                         f"top-level keys: {sorted(table) or 'none'}")
    for n, entry in enumerate(macros):
        points = entry.get("point", [])
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise ValueError(f"{name}: macro {entry.get('key', f'number {n + 1}')!r}: 'point' must be "
                             "[[macro.point]] tables")
    return macros


@cached_per_file
def load_macros(file: str | None = None) -> tuple[Macro, ...]:
    """Every macro of ``file`` (default: ``published_macros.toml``) with its points, in file order."""
    macros, name = [], file_name(file)
    for n, entry in enumerate(_entries(file)):
        values = {k: v for k, v in entry.items() if k != "point"}
        _checked(name, f"macro {entry.get('key', f'number {n + 1}')!r}", "macro", values)
        base = {k: v for k, v in values.items() if k in CONFIG_FIELDS}
        _check_consistent(name, f"macro {entry['key']!r}", entry["family"], base)
        points, seen = [], {}
        for i, raw in enumerate(entry.get("point", [])):
            _checked(name, f"macro {entry['key']!r}, point {i + 1}", "point", raw)
            label = raw["label"]
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label} ({seen[label]})"
            merged = dict(base)
            for pair in (("weight_bits", "weight_levels"), ("weight_levels", "weight_bits")):
                if pair[0] in raw and pair[1] not in raw:  # the point's precision replaces the macro's
                    merged.pop(pair[1], None)
            merged.update({k: v for k, v in raw.items() if k in CONFIG_FIELDS})
            merged.update(invocation_precision(merged, raw))
            _check_consistent(name, f"macro {entry['key']!r}, point {i + 1} ({raw['label']!r})", entry["family"],
                              merged)
            points.append(MacroPoint(entry["key"], i, label, str(raw.get("source", "")), dict(raw), merged))
        macros.append(Macro(entry["key"], entry["title"], entry["source"], entry["read_via"], entry["family"],
                            entry.get("notes", ""), values, tuple(points), file))
    repeated = sorted({k for k in (m.key for m in macros) if [m.key for m in macros].count(k) > 1})
    if repeated:
        raise ValueError(f"{name}: repeated macro keys: {', '.join(repeated)}")
    return tuple(macros)


def find_macro(key: str, file: str | None = None) -> Macro:
    for m in load_macros(file):
        if m.key == key:
            return m
    raise KeyError(f"no macro {key!r} in {file_name(file)}")


ENTRY_LIMITS: dict[str, str] = {
    "kim-jssc2021-colonnade": "priced as a cell chain (a full adder per bit cell, B + 7 columns per weight, every "
                              "column of a driven row adding); the entry's drivers (28.8 % of its energy, Fig. 17) "
                              "are priced as input-wire charges and their inverter chains only, and its 0.6-0.8 V "
                              "trend (4x) is steeper than C V**2 (1.8x)",
    "wan-nature2022-neurram": "the entry's neurons integrate and convert by charge decrement (steps = output bits), "
                              "priced here as its 8-bit SAR run for the output bits",
    "wu-isscc2022-tdcim": "the entry computes and converts in the time domain (TDC), priced here as a SAR ADC",
    "zigzag-isscc2023-7p8": "the entry's figure assumes 37.5 % input toggle and 50 % weight sparsity (ZigZag); "
                            "cimsim prices uniform data",
    "iscas2022-7t-65nm": "the entry's 2 GHz clock may be the input-pulse clock; cimsim takes it as one read",
    "spetalnick-isscc2022-rram": "the UIUC area figure (0.004 1b-TOPS/mm2 at 0.009 1b-TOPS) implies ~2 mm2 for a "
                                 "64 kb macro whose title states 2.37 Mb/mm2",
}
"""what each of these entries' notes say the macro does that its cimsim configuration cannot express (appended to
the why of a case outside its tolerance)"""
