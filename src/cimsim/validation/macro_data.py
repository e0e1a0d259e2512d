"""The published compute-in-memory macros and chips of ``published_macros.toml``, as data.

Each :class:`Macro` holds its source and its measured operating points (:class:`MacroPoint`); a point's fields
override the macro's. Conventions of the file (units, 1b-normalised figures, digitized values) are in its header.
"""

from __future__ import annotations

import functools
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
    for entry in _read_table()["macro"]:
        values = {k: v for k, v in entry.items() if k != "point"}
        base = {k: v for k, v in values.items() if k in CONFIG_FIELDS}
        points, seen = [], {}
        for i, raw in enumerate(entry.get("point", [])):
            label = str(raw["label"])
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
