"""The published compute-in-memory macros and chips of ``published_macros.toml``, as data.

Each :class:`Macro` holds its source and its measured operating points (:class:`MacroPoint`); a point's fields
override the macro's. Conventions of the file (units, 1b-normalised figures, digitized values) are in its header.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["MACRO_FILE", "CONFIG_FIELDS", "Unusable", "MacroPoint", "Macro", "load_macros", "find_macro"]

MACRO_FILE = "published_macros.toml"
"""the data file, shipped in this package"""
CONFIG_FIELDS = ("node_nm", "vdd_v", "rows", "cols", "rows_per_read", "input_bits", "input_signed", "bits_per_read",
                 "input_encoding", "analog_accumulation", "weight_accumulation", "weight_bits", "weight_levels",
                 "bits_per_cell", "adc_bits", "adc_type", "adcs", "cols_per_adc", "cycle_ns", "clock_mhz",
                 "digital_adders", "chain_register_rows")
"""entry fields that set the configuration (a point's value overrides the macro's)"""


_POSITIVE_INTS = ("rows", "cols", "rows_per_read", "input_bits", "bits_per_read", "weight_bits", "weight_levels",
                  "bits_per_cell", "adcs", "cols_per_adc", "chain_register_rows", "uiuc_alpha", "uiuc_b_x",
                  "read_phases")
_POSITIVE_NUMBERS = ("node_nm", "vdd_v", "cycle_ns", "clock_mhz", "ops_per_mac", "uiuc_b_w", "energy_pj", "tops",
                     "tops_1b_norm", "tops_per_mm2", "tops_per_mm2_1b_norm", "tops_per_w", "tops_per_w_1b_norm",
                     "energy_fj_per_mac", "area_mm2", "latency_ns", "wl_switching_fj_per_mac", "neuron_fj_per_mac",
                     "input_pulse_fj_per_mac")
_NON_NEGATIVE_NUMBERS = ("adc_bits", "avg_output_value")
_BOOLS = ("input_signed", "analog_accumulation", "weight_accumulation", "one_phase")
_STRINGS = ("key", "title", "source", "read_via", "family", "notes", "label", "adc_type", "input_encoding",
            "digital_adders", "energy_per")
_REQUIRED = {"macro": ("key", "title", "source", "read_via", "family"), "point": ("label",)}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_FIELD_RULES = ((_POSITIVE_INTS, lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                 "a positive integer"),
                (_POSITIVE_NUMBERS, lambda v: _number(v) and v > 0, "a positive finite number"),
                (_NON_NEGATIVE_NUMBERS, lambda v: _number(v) and v >= 0, "a finite number >= 0"),
                (_BOOLS, lambda v: isinstance(v, bool), "true or false"),
                (_STRINGS, lambda v: isinstance(v, str), "a string"))
"""(fields, test of a value, what the test asks for) of the entries' fields the harness reads"""


def _checked(where: str, kind: str, values: Mapping[str, Any]) -> None:
    """A ValueError naming the entry and field where a field the harness reads has the wrong type or range (an int
    where a count is meant, a positive finite number for a figure, ...); unknown fields are the entry's own notes."""
    for name in _REQUIRED[kind]:
        if name not in values:
            raise ValueError(f"{MACRO_FILE}: {where}: '{name}' is required")
    for name, value in values.items():
        for names, accepts, what in _FIELD_RULES:
            if name in names and not accepts(value):
                raise ValueError(f"{MACRO_FILE}: {where}: '{name}' must be {what}; got {value!r}")


class Unusable(ValueError):
    """A point (or one of its figures) that cannot be compared; the message is the reason."""


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
    """configuration fields: the macro's, overridden by the point's"""

    @property
    def key(self) -> str:
        return f"{self.macro} / {self.label}"


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

    def point(self, label: str) -> MacroPoint:
        for p in self.points:
            if p.label == label:
                return p
        raise KeyError(f"macro {self.key!r} has no point {label!r}; points: {[p.label for p in self.points]}")


def _read_table() -> dict[str, Any]:
    with (resources.files("cimsim.validation") / MACRO_FILE).open("rb") as file:
        return tomllib.load(file)


@functools.cache
def load_macros() -> tuple[Macro, ...]:
    """Every macro of ``published_macros.toml`` with its points, in file order."""
    macros = []
    for n, entry in enumerate(_read_table()["macro"]):
        values = {k: v for k, v in entry.items() if k != "point"}
        _checked(f"macro {entry.get('key', f'number {n + 1}')!r}", "macro", values)
        base = {k: v for k, v in values.items() if k in CONFIG_FIELDS}
        points, seen = [], {}
        for i, raw in enumerate(entry.get("point", [])):
            _checked(f"macro {entry['key']!r}, point {i + 1}", "point", raw)
            label = raw["label"]
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label} ({seen[label]})"
            merged = dict(base)
            merged.update({k: v for k, v in raw.items() if k in CONFIG_FIELDS})
            points.append(MacroPoint(entry["key"], i, label, str(raw.get("source", "")), dict(raw), merged))
        macros.append(Macro(entry["key"], entry["title"], entry["source"], entry["read_via"], entry["family"],
                            entry.get("notes", ""), values, tuple(points)))
    keys = [m.key for m in macros]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{MACRO_FILE}: repeated macro keys")
    return tuple(macros)


def find_macro(key: str) -> Macro:
    for m in load_macros():
        if m.key == key:
            return m
    raise KeyError(f"no macro {key!r} in {MACRO_FILE}")
