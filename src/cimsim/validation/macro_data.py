"""The published compute-in-memory macros and chips of ``published_macros.toml`` (or of a user's file in its
format), as data.

Each :class:`Macro` holds its source and its measured operating points (:class:`MacroPoint`); a point's fields
override the macro's. Conventions of the file (units, 1b-normalised figures, digitized values) are in its header.
Functions taking ``file`` read that path (a TOML file of ``[[macro]]`` entries); ``None`` is the shipped file.
Reading it runs the checks of :mod:`.macro_checks` (a misspelt or contradictory entry is refused, not ignored).
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..argcheck import escaped, look_alike_key
from ..config.toml_file import read_toml
from .macro_checks import (CONFIG_FIELDS, DATA_CONDITIONS, FAMILIES, FULL_ARRAY_ENERGY, MVM_MACS, as_toml,
                           check_consistent, check_fields, check_top_level, check_uiuc_area, unique_labels)
from .macro_figures import (ADC_CONVERSION, check_density, check_invocation, check_throughput, significant_digits,
                            whole_invocation)
from .macro_text import caution, design_cores, normalised, stated_sparsity, system_level
from .macro_defaults import in_entry_terms

__all__ = ["MACRO_FILE", "CONFIG_FIELDS", "DATA_CONDITIONS", "FAMILIES", "ENTRY_LIMITS",
           "Unusable", "MacroPoint", "Macro", "MVM_MACS", "RAW_FIGURES", "COMPARED_ENERGIES", "uiuc_normalised",
           "raw_figures", "invocation_blockers", "invocation_precision", "invocation_reads", "cached_per_file",
           "file_name", "load_macros", "find_macro", "point_exclusion", "explained_unusable", "significant_digits",
           "rounds_to"]

MACRO_FILE = "published_macros.toml"
"""the data file, shipped in this package"""
RAW_FIGURES = ("tops_per_w", "tops", "tops_per_mm2", "energy_fj_per_mac", "area_mm2")
"""an entry's figures at its operand precision (not 1b-normalised), with an energy_pj that is compared"""
COMPARED_ENERGIES = (ADC_CONVERSION, FULL_ARRAY_ENERGY)
"""how the energy_per of an energy_pj the harness compares begins; any other energy is left out (what it covers,
such as UIUC's E_mvm or E_core, is not stated)"""


def uiuc_normalised(values: Mapping[str, Any]) -> bool:
    """whether a point's own ``values`` hold UIUC 1b-normalised figures"""
    return any(k.endswith("_1b_norm") for k in values)


def raw_figures(values: Mapping[str, Any]) -> list[str]:
    """the figures of a point's own ``values`` at its operand precision that are compared: those of
    :data:`RAW_FIGURES`, and an energy_pj whose energy_per is one of :data:`COMPARED_ENERGIES` (named with it)"""
    per = str(values.get("energy_per", ""))
    energy = [f"energy_pj (energy per {per})"] if "energy_pj" in values and per.startswith(COMPARED_ENERGIES) else []
    return [k for k in RAW_FIGURES if k in values] + energy


def invocation_blockers(fields: Mapping[str, Any], values: Mapping[str, Any]) -> list[str]:
    """why a point (configuration ``fields``, own ``values``) cannot be priced as one array invocation at UIUC's
    B_x and B_w (:func:`invocation_precision`); [] where it can"""
    b_x, b_w = values.get("uiuc_b_x"), values.get("uiuc_b_w")
    stated, raw = [k for k in ("input_bits", "weight_bits", "weight_levels") if k in fields], raw_figures(values)
    whys = ["no UIUC B_x and B_w (uiuc_b_x, uiuc_b_w)"] if b_x is None or b_w is None else []
    if b_w is not None and not float(b_w).is_integer():
        whys.append(f"a fractional B_w ({b_w:g}): no whole weight bits to price")
    if raw:
        whys.append(f"it states {', '.join(raw)}: a figure at the operand precision, not one invocation's")
    if stated:
        whys.append(f"it states {', '.join(stated)}: part of an operand precision")
    return whys


def invocation_precision(fields: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, int]:
    """``{"input_bits": B_x, "weight_bits": B_w}`` of one array invocation for a point (configuration ``fields``,
    own ``values``) that states no input or weight precision and no compared figure at an operand precision, only
    UIUC 1b-normalised ones, with a whole B_w (:func:`invocation_blockers`); else ``{}``. Such a figure is one
    invocation's (1b-TOPS/W = N_1b / E_core, N_1b = 2 N N_ADC B_x B_w), so one invocation priced and the figure
    divided by B_x B_w compare the same quantity."""
    if invocation_blockers(fields, values):
        return {}
    return {"input_bits": int(values["uiuc_b_x"]), "weight_bits": int(values["uiuc_b_w"])}


def invocation_reads(fields: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, int]:
    """``{"bits_per_read": B_x}`` for a point (configuration ``fields``, own ``values``) that states UIUC's B_x but
    no bits_per_read: an invocation, one read at the stated cycle, takes B_x input bits (a B_x of 1 beside 8-bit
    inputs had been priced as all 8 bits in one read); else ``{}``, and where input planes are summed before one
    conversion (analog_accumulation) and B_x is every input bit (an invocation may take them in several reads)"""
    if "uiuc_b_x" not in values or "bits_per_read" in fields or whole_invocation(fields, values["uiuc_b_x"]):
        return {}
    return {"bits_per_read": int(values["uiuc_b_x"])}


class Unusable(ValueError):
    """A point (or one of its figures) that cannot be compared; the message is the reason."""


def rounds_to(model: float, published: float) -> bool:
    """whether ``model`` rounded to the significant digits ``published`` is written with gives ``published``"""
    digits = significant_digits(published)
    return published != 0 and float(f"{model:.{digits - 1}e}") == float(f"{published:.{digits - 1}e}")


@dataclass(frozen=True)
class MacroPoint:
    """One measured operating point of a macro."""

    macro: str
    index: int
    """position in the macro's list (0 = first)"""
    label: str
    """the entry's label (its whitespace runs as single spaces, as a table shows it), a repeated one with ' (2)',
    ' (3)', ... appended (:func:`.macro_checks.unique_labels`: a label of its own)"""
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
        """the point of ``label`` (its whitespace runs read as single spaces, as the labels are held)"""
        for p in self.points:
            if p.label == " ".join(label.split()):
                return p
        raise KeyError(f"macro {self.key!r} has no point {label!r}; points: {[p.label for p in self.points]}")

    def nodes_nm(self) -> str:
        """each node its points are priced at (a point's own, else the macro's), as text: '28', '40 / 180'"""
        stated = (p.values.get("node_nm", self.values.get("node_nm")) for p in self.points)
        return " / ".join(f"{n:g}" for n in sorted({float(n) for n in stated if n is not None}))


def _version(file: str | None) -> tuple[int, ...] | None:
    """(modification and change times, ns; size, bytes; inode) of a macro file, None for the shipped one or one that
    cannot be read (the reader then says why): an edit of the same size with its time restored (``cp -p``) changes
    the change time or the inode, and had been answered from the cache"""
    try:
        stat = os.stat(file) if file is not None else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino) if stat else None


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
    has none, holds them in another shape or holds anything else (:func:`.macro_checks.check_top_level`)"""
    name = file_name(file)
    macros = check_top_level(name, _read_table(file))
    for n, entry in enumerate(macros):
        points = entry.get("point", [])
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise ValueError(f"{name}: macro {as_toml(entry.get('key', f'number {n + 1}'))}: 'point' must be "
                             "[[macro.point]] tables")
    return macros


def _points(name: str, entry: Mapping[str, Any], base: Mapping[str, Any]) -> tuple[MacroPoint, ...]:
    """the checked points of one ``[[macro]]`` table (``base``: its configuration fields), each labelled apart"""
    raws, key = entry.get("point", []), entry["key"]
    for i, raw in enumerate(raws):
        check_fields(name, f"macro {key!r}, point {i + 1}", "point", raw)
    points = []
    for i, (raw, label) in enumerate(zip(raws, unique_labels([" ".join(raw["label"].split()) for raw in raws]))):
        merged = dict(base)
        for pair in (("weight_bits", "weight_levels"), ("weight_levels", "weight_bits")):
            if pair[0] in raw and pair[1] not in raw:  # the point's precision replaces the macro's
                merged.pop(pair[1], None)
        merged.update({k: v for k, v in raw.items() if k in CONFIG_FIELDS})
        merged.update(invocation_precision(merged, raw))
        check_invocation(name, f"macro {key!r}, point {i + 1} ({raw['label']!r})", merged, raw)
        merged.update(invocation_reads(merged, raw))
        check_consistent(name, f"macro {key!r}, point {i + 1} ({raw['label']!r})", entry["family"], merged,
                         {k: v for k, v in base.items() if k not in raw})
        check_density(name, f"macro {key!r}, point {i + 1}", raw, design_cores(entry))
        check_throughput(name, f"macro {key!r}, point {i + 1} ({raw['label']!r})", entry, merged, raw,
                         design_cores(entry))
        points.append(MacroPoint(key, i, label, str(raw.get("source", "")), dict(raw), merged))
    return tuple(points)


@cached_per_file
def load_macros(file: str | None = None) -> tuple[Macro, ...]:
    """Every macro of ``file`` (default: ``published_macros.toml``) with its points, in file order; a ValueError
    naming the file, entry, point and field where a check of :mod:`.macro_checks` refuses one, or a macro that has
    no point."""
    macros, name = [], file_name(file)
    for n, entry in enumerate(_entries(file)):
        values = {k: v for k, v in entry.items() if k != "point"}
        check_fields(name, f"macro {as_toml(entry.get('key', f'number {n + 1}'))}", "macro", values)
        base = {k: v for k, v in values.items() if k in CONFIG_FIELDS}
        check_consistent(name, f"macro {entry['key']!r}", entry["family"], base)
        check_uiuc_area(name, f"macro {entry['key']!r}", values, entry.get("point", []))
        macros.append(Macro(entry["key"], entry["title"], entry["source"], entry["read_via"], entry["family"],
                            entry.get("notes", ""), values, _points(name, entry, base), file))
    alike = [" ".join(look_alike_key(m.key, str.lower).split()) for m in macros]  # case, joiners and spacing aside
    repeated = sorted({m.key for m, k in zip(macros, alike) if alike.count(k) > 1})
    if repeated:
        raise ValueError(f"{name}: repeated macro keys (names that look alike are alike): "
                         f"{', '.join(escaped(k) for k in repeated)}")  # a joiner shown, not hidden
    pointless = [m.key for m in macros if not m.points]  # it would be dropped without a reason
    if pointless:
        raise ValueError(f"{name}: macro {pointless[0]!r} has no [[macro.point]] (a measured operating point with its "
                         "figures)")
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
    "zigzag-isscc2023-7p8": "ZigZag's figure assumes 37.5 % input toggle and 50 % weight sparsity; the title's "
                            "conditions are not stated; cimsim prices uniform data",
    "iscas2022-7t-65nm": "the entry's 2 GHz clock may be the input-pulse clock; cimsim takes it as one read",
}
"""what each of these entries' notes say the macro does that its cimsim configuration cannot express (appended to
the why of a case outside its tolerance)"""


def point_exclusion(macro: Macro, point: MacroPoint) -> str | None:
    """why a whole point is left out (before building its config), or None"""
    if flagged := caution(macro.notes):
        return f"the entry flags the figure as unreliable ('{flagged}')"
    if system_level(point.source) or system_level(point.label):
        return "system-level figure (includes energy outside the macro)"
    for what, text in (("label", point.label), ("source", point.source)):
        if (found := normalised(text)) and raw_figures(point.values):
            return (f"a normalised figure (its {what} says {found!r}): raw figures are compared as measured; UIUC's "
                    "1b x 1b ones as tops_per_w_1b_norm, tops_1b_norm, tops_per_mm2_1b_norm with uiuc_b_x and uiuc_b_w")
    sparse = stated_sparsity(point.label) or stated_sparsity(point.source)
    if sparse and not {"input_zero_fraction", "weight_zero_fraction"} & set(point.fields):
        return (f"a figure at a sparsity ({sparse!r}) that no input_zero_fraction or weight_zero_fraction states: "
                "state it, and the model prices the zeros as the chip skips them")
    if point.values.get("one_phase") is False:
        return ("two-phase input (MSB/LSB phases): the phase split is described in the notes only, not as a "
                "configuration field")
    if "read_phases" in point.values:
        return "read mode (read_phases) of a whole chip, with no cimsim counterpart"
    return None


def explained_unusable(macro: Macro, point: MacroPoint, reason: str) -> str:
    """the reason a point's config cannot be built, said in the entry's terms where they explain it: for a point
    with UIUC figures and no input precision, what stops pricing it as one invocation (:func:`invocation_blockers`)"""
    blockers = invocation_blockers(point.fields, point.values)
    if reason.startswith("not stated:") and "input_bits" in reason and uiuc_normalised(point.values) and blockers:
        return ("UIUC 1b-normalised figures with no input or weight precision to undo the normalisation, and one "
                "invocation at UIUC's B_x and B_w cannot be priced in its place: " + "; ".join(blockers) + "; "
                + reason)
    return in_entry_terms(reason, point.fields, {**macro.values, **point.values})  # what the entry states
