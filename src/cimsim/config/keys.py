"""Config keys: the valid ones (top level, tables, dotted fields) and how the loader words a problem with one, an
unknown key with what comes closest, a refused value as the user wrote it."""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..argcheck import cut_short, escaped
from ..errors import SHOWN_ERRORS
from .rules import Choice
from .schema import SECTIONS

__all__ = ["did_you_mean", "TOP_LEVEL", "SECTION_FIELDS", "DOTTED_FIELDS", "TOP_LEVEL_KEYS", "OVERRIDE_KEYS",
           "unknown_key", "not_one_of", "as_written"]

TOP_LEVEL = ("name", "preset", "description")
SECTION_FIELDS = {section: {f.name: f for f in dataclasses.fields(cls)} for section, cls in SECTIONS.items()}
DOTTED_FIELDS = [f"{section}.{name}" for section, fields in SECTION_FIELDS.items() for name in fields]
TOP_LEVEL_KEYS = ([*TOP_LEVEL, *SECTIONS], f"{', '.join(TOP_LEVEL)} and the tables {', '.join(SECTIONS)}")
OVERRIDE_KEYS = (["name", "description"], f"name, description and 'table.field' for the tables {', '.join(SECTIONS)}")


_RESISTIVE = '; the cell is the device\'s: "resistive" with device.preset = "{}"'
SYNONYMS: dict[str, dict[str, str]] = {
    "adc.type": {**dict.fromkeys(("single-slope", "single slope", "dual-slope", "integrating", "counting"),
                                 '; a ramp converter: "ramp"'),
                 **dict.fromkeys(("successive approximation", "successive-approximation"), '; "sar"'),
                 **dict.fromkeys(("cco", "oscillator"), '; an oscillator converter: "vco"')},
    "array.family": {"rram": _RESISTIVE.format("rram"), "reram": _RESISTIVE.format("rram"),
                     "pcm": _RESISTIVE.format("pcm"), "mram": '; "resistive" (an MTJ cell)',
                     "fefet": '; "resistive" (a FeFET cell)',
                     "sram": '; an SRAM array names its domain: "charge", "current" or "digital"',
                     "dcim": '; "digital"'}}
"""a field's values that papers write for one of its names -> the hint a refusal gives (difflib finds none of them:
'single-slope' is no misspelling of 'ramp'; a chips probe)"""


def not_one_of(dotted: str, choice: Choice, value: Any) -> tuple[str, str]:
    """(dotted, message) for a ``value`` that ``choice`` refuses, with the name a paper's word means
    (:data:`SYNONYMS`) or the one it comes closest to (:func:`did_you_mean`)."""
    said = SYNONYMS.get(dotted, {}).get(value.strip().lower()) if isinstance(value, str) else None
    return dotted, (f"'{dotted}' must be {choice.expected}; got {as_written(value)}"
                    + (said or did_you_mean(choice.names, value)))


def did_you_mean(names: Sequence[str], value: Any) -> str:
    """'; did you mean "name"?' for the one of ``names`` that ``value`` differs from only in case (said: the names
    are lower case), else the one closest to it in any case (``A100`` is a100, not h100); '' for none"""
    if not isinstance(value, str):
        return ""
    same = [name for name in names if name.lower() == value.lower()]
    if same:
        return f'; did you mean "{same[0]}"?' + (" (values are lower case)" if same[0] == same[0].lower() else "")
    close = difflib.get_close_matches(value.lower(), list(names), n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


def unknown_key(key: str, top_level: tuple[list[str], str], errors: list) -> str:
    """Message for an unknown key: the valid key it differs from only in case, else the closest valid key (of any
    table), else the valid keys; a bare message once ``errors`` holds SHOWN_ERRORS problems (no suggestion work).

    ``top_level`` holds the keys valid outside the tables and a sentence listing the valid keys. The key is shown
    escaped (:func:`~cimsim.argcheck.escaped`: a newline in it as ``\\n``).
    """
    key = escaped(key)
    if len(errors) >= SHOWN_ERRORS:  # the rest are only counted in the message
        return f"unknown key '{key}'"
    keys, listing = top_level
    if key.lower() == "preset" and "preset" not in keys:  # the top-level key a file states but overrides may not
        table_presets = ", ".join(f"{table}.preset" for table, fields in SECTION_FIELDS.items() if "preset" in fields)
        return (f"'{key}' (a whole-design preset) cannot be given as an override: state it in the config file "
                f"(preset = \"NAME\" above its tables; `cimsim presets` lists them); a table's preset can be "
                f"overridden: {table_presets}")
    table, _, inner = key.partition(".")
    if table in SECTIONS and (inner.partition(".")[0] in SECTIONS or inner in DOTTED_FIELDS):  # [workload] adc.bits
        home = inner.partition(".")[0]
        if home == table:  # [adc] then adc.bits = 6
            field = inner.partition(".")[2] or next(iter(SECTION_FIELDS[table]))
            return (f"unknown key '{key}': inside [{table}] its fields take no table name ({field} = ..., not "
                    f"{table}.{field} = ...)")
        return (f"unknown key '{key}': [{home}] is a table of its own, not a field of [{table}] (in TOML a dotted or "
                f"quoted key after the [{table}] header belongs to it): state its fields under [{home}]")
    candidates = DOTTED_FIELDS if "." in key else [*keys, *DOTTED_FIELDS]
    if key in DOTTED_FIELDS:  # "adc.bits" as one key, where its table is expected
        section, field = key.split(".", 1)
        return (f"'{key}' is one key here; a field belongs in its table ([{section}] {field} = ... in TOML, "
                f"{{'{section}': {{'{field}': ...}}}} in a dict) or among the settings (--set {key}=..., "
                f"settings={{'{key}': ...}})")
    same = [k for k in candidates if k.lower() == key.lower()]
    if same:
        return f"unknown key '{key}'; did you mean '{same[0]}'? (keys are lower case)"
    close = difflib.get_close_matches(key.lower(), candidates, n=1)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    section = key.partition(".")[0]
    if "." in key and section in SECTIONS:
        return f"unknown key '{key}'; valid keys of [{section}]: " + ", ".join(SECTION_FIELDS[section])
    return f"unknown key '{key}'; valid keys: {listing}"


def as_written(value: Any) -> str:
    """A value as a user wrote it in TOML (long ones cut short)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return cut_short(json.dumps(value))
    if isinstance(value, Mapping):
        return "a table"
    if getattr(value, "ndim", 0) and hasattr(value, "shape"):  # a numpy array: one value is asked for
        return f"an array of shape {tuple(value.shape)}"
    if isinstance(value, int) and abs(value) > 10**30:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    try:
        if isinstance(value, list) and len(value) <= 8:  # each item as TOML spells it: [true, 1], not [True, 1]
            return cut_short(f"[{', '.join(as_written(v) for v in value)}]")
        shown = cut_short(str(value))
        plain = isinstance(value, (int, float, list, tuple, type(None)))
        return shown if plain else f"{shown} (a {type(value).__name__})"
    except (RecursionError, ValueError):  # arrays nested thousands deep; ints beyond str()'s digit limit
        return f"a value of type {type(value).__name__}"
