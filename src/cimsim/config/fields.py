"""Each field of a config checked by its own rule (``field.metadata["rule"]`` in :mod:`cimsim.config.schema`), as
the loader words a refusal, and a value as a script passes it (a numpy scalar, a path object) as the loader
stores it."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from .keys import SECTION_FIELDS, TOP_LEVEL_KEYS, as_written, not_one_of, unknown_key
from .presets_merge import SECTION_PRESETS, section_tables
from .rules import Choice, Text
from .schema import SECTIONS, Config

__all__ = ["checked_table", "checked_value", "field_errors", "python_scalar", "section_preset_values"]


def section_preset_values(section: str, preset: Any, errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The fields of the named preset of ``section`` (empty after recording an error for a bad name)."""
    choice = Choice(tuple(section_tables(section)))
    if not choice.accepts(preset):
        errors.append(not_one_of(f"{section}.preset", choice, preset))
        return {}
    table = {k: v for k, v in section_tables(section)[preset].items() if k != "description"}
    values = checked_table(section, table, errors)
    values["preset"] = preset
    return values


def checked_value(dotted: str, rule: Any, value: Any, errors: list[tuple[str, str]]) -> Any:
    """``value`` as stored, or None after recording why the rule rejects it."""
    if rule.accepts(value):
        return rule.convert(value)
    errors.append(_refused(dotted, rule, value))
    return None


def _refused(dotted: str, rule: Any, value: Any) -> tuple[str, str]:
    """(dotted, message) for a value ``rule`` refuses; a choice's with the name it comes closest to (any case)"""
    if isinstance(rule, Choice):
        return not_one_of(dotted, rule, value)
    return dotted, f"'{dotted}' must be {rule.expected}; got {as_written(value)}"


def field_errors(config: Config) -> list[tuple[str, str]]:
    """(dotted field, message) of every field of ``config`` its own rule rejects, and of a table's preset no shipped
    one of that table is named, as the loader words them: a Config built directly or with dataclasses.replace passed
    no loader (``DeviceConfig(preset="no-such-preset")`` had been priced)."""
    errors: list[tuple[str, str]] = []
    checked_value("name", Text(one_line=True), config.name, errors)
    for section in SECTIONS:
        table = getattr(config, section)
        for f in dataclasses.fields(table):
            checked_value(f"{section}.{f.name}", f.metadata["rule"], getattr(table, f.name), errors)
        if section in SECTION_PRESETS and Text().accepts(table.preset):
            section_preset_values(section, table.preset, errors)
    return errors


def checked_table(section: str, table: Mapping[str, Any], errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The valid values of one section's table; every unknown key or invalid value is recorded."""
    fields = SECTION_FIELDS[section]
    values = {}
    for key, value in table.items():
        dotted = f"{section}.{key}"
        if key not in fields:
            errors.append((dotted, unknown_key(dotted, TOP_LEVEL_KEYS, errors)))
            continue
        rule = fields[key].metadata["rule"]
        value = python_scalar(value)
        if rule.accepts(value):
            values[key] = rule.convert(value)
        else:
            errors.append(_refused(dotted, rule, value))
    return values


def python_scalar(value: Any) -> Any:
    """A numpy scalar or 0-d array (as scripts pass them) as the Python number it holds (a float16 / float32 by its
    shortest repr: 0.05 as --set gives it, not 0.05000000074505806), a path object as its string; else ``value``
    (a masked scalar too, a missing value that its field's check refuses: its item() is the value under the mask,
    np.ma.masked's 0.0)."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item") and not bool(getattr(value, "mask", False)):
        narrow = str(getattr(value, "dtype", "")) in ("float16", "float32")  # the scalar's str: a masked array's is --
        return float(str(value.dtype.type(value.item()))) if narrow else value.item()
    return os.fspath(value) if isinstance(value, os.PathLike) else value
