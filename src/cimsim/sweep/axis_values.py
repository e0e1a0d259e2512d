"""What a sweep axis may list for a config field: each value checked by the field's own rule (a table's preset by
the shipped presets' names), as one cell of a one-line CSV row; whether a network sweep has its network, and whether
any point of a sweep is a valid config."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..argcheck import has_control_character
from ..config import SECTION_PRESETS, SECTIONS, Config, list_section_presets, with_overrides
from ..config.rules import Choice
from ..errors import ConfigError

__all__ = ["FIELD_RULES", "OVERRIDE", "field_error", "range_end_errors", "choice_names", "has_control",
           "missing_network", "point_value", "valid_nowhere"]

FIELD_RULES = {f"{section}.{f.name}": f.metadata["rule"] for section, cls in SECTIONS.items()
               for f in dataclasses.fields(cls)}
"""dotted config field -> its rule (an axis value is checked, and stored, by it)"""
OVERRIDE = " (given as an override)"
"""--set's wording, which a sweep's messages (of its [set] or axis values, said as such) do without"""


def point_value(field: str, value: Any, base_dir: Path) -> tuple:
    """what a point takes of an axis ``value``: a file field's file (data/w.npy and ./data/w.npy are one), else the
    value (22 and 22.0 are one; a bool is not a number)"""
    if field.endswith("_file") and isinstance(value, str):
        return ("file", os.path.realpath(base_dir / value))
    return isinstance(value, bool), value


def has_control(value: Any) -> bool:
    """whether ``value`` is a string holding a control character (a newline, a tab, ...)"""
    return isinstance(value, str) and has_control_character(value)


def field_error(field: str, value: Any) -> str | None:
    """Why ``value`` is not valid for ``field`` on its own (None if it is)."""
    if has_control(value):
        return "must hold no control character (a newline, a tab: each value is one cell of a one-line CSV row)"
    section, _, name = field.partition(".")
    if name == "preset" and section in SECTION_PRESETS:
        valid = list_section_presets(section)
        return None if isinstance(value, str) and value in valid else f"must be one of {', '.join(valid)}"
    rule = FIELD_RULES[field]
    return None if rule.accepts(value) else f"must be {rule.expected}"


def range_end_errors(field: str, ends, floats: list[str], whole_numbers: bool) -> list[str]:
    """what is wrong with the values a range of ``field`` reaches (``ends``), each problem once with the ends that
    have it (both ends' "a float" had been two lines); where its numbers are all whole (``whole_numbers``: so is every
    value), a whole float the field would take as an integer says that ``floats`` (the range's keys written as
    floats, as "'step' (2.0)") made it one; where they are not all whole, that the range's values are not (a step
    of 0.5 on an integer field had been told by its ends alone)"""
    found: dict[tuple[str, bool], list] = {}
    for v in dict.fromkeys(ends):  # (a range of one value reaches it once)
        if (why := field_error(field, v)) is not None:
            whole = bool(floats) and float(v).is_integer() and field_error(field, int(v)) is None
            found.setdefault((why, whole), []).append(v)
    made = (f", a float: {' and '.join(floats)} written as a float makes every value of the range one; write "
            "integers" if whole_numbers else f"; with {' and '.join(floats)} the values between the ends are no whole "
            "numbers either: an integer field takes an integer start, stop and step")
    return [f"{why}; the range reaches {' and '.join(map(repr, values))}" + (made if whole else "")
            for (why, whole), values in found.items()]


def choice_names(field: str) -> tuple[str, ...]:
    """the names ``field`` takes (a table's presets, a choice's), else none"""
    section, _, name = field.partition(".")
    if name == "preset" and section in SECTION_PRESETS:
        return tuple(list_section_presets(section))
    rule = FIELD_RULES[field]
    return rule.names if isinstance(rule, Choice) else ()


def missing_network(base: Config, axes, errors: list[tuple[str, str]]) -> str | None:
    """why a network sweep's ``base`` (with its [set]) runs no point: no 'workload.network_file' and no axis gives
    one (a sweep has no network in memory, as a script's simulate(network=...) has); None where it does, or where
    ``errors`` already refuse an axis of it"""
    if base.workload.kind != "network" or base.workload.network_file or any(
            a.field == "workload.network_file" for a in axes) or any("workload.network_file" in k for k, _ in errors):
        return None
    return ("a network workload needs 'workload.network_file' (a sweep has no network in memory): give it in the "
            "base config, [set] or an axis")


def valid_nowhere(base: Config, fixed: dict[str, Any], points: Iterable[dict[str, Any]],
                  base_dir: Path) -> list[tuple[str, str]]:
    """the errors of the sweep's first point where none of its ``points`` (field -> axis value) is a valid config,
    each point built as it runs (``base`` with the ``[set]`` fields ``fixed`` and its axis values: a preset axis
    replaces its table, [set]'s fields of it stated again), each error named by its axis field, its [set] field
    (``set.<field>``) or ``axes``; [] at the first valid one (a one-value axis refused as its value in [set] would
    be: it had run, every row failed; a bad-configs probe)"""
    first = None
    for values in points:
        try:
            with_overrides(base, {**fixed, **values}, base_dir=base_dir)
            return []
        except ConfigError as exc:
            first = first or (values, exc.errors)
    if first is None:
        return []
    at = ", ".join(f"{f} = {v!r}" for f, v in first[0].items())
    return [(f"axes.'{f}'" if f in first[0] else f"set.'{f}'" if f in fixed else "axes", f"the axes are valid at no "
             f"point of the sweep (its first: {at}): {message.removesuffix(OVERRIDE)}") for f, message in first[1]]
