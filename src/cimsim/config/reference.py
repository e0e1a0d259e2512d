"""The configuration reference as Markdown, generated from the schema's field rules and docs."""

from __future__ import annotations

import dataclasses
import json

from ..argcheck import check_int, markdown_cell as _cell
from .load import SECTION_PRESETS, list_presets, list_section_presets
from .rules import Choice, Float, Int, OptionalFloat, OptionalInt, Rule, Text
from .schema import SECTIONS

__all__ = ["reference_markdown"]

_TYPE_NAMES: dict[type, str] = {
    Int: "integer", OptionalInt: "integer", Float: "number", OptionalFloat: "number", Choice: "string", Text: "string",
}


_PATHS_AND_OVERRIDES = (
    "A config file is TOML. A file path it gives (the `*_file` fields) is relative to the config file's folder "
    "as its path names it (a link to a config file: the link's folder), read as `open` reads it, links followed "
    "(`../data` beside a linked folder's target; `~` is not expanded); to the working directory for a config "
    "read through a pipe: `<(cat cfg.toml)`, /dev/stdin; given as an override "
    "(`--set`, a script's settings) relative to the working directory; in a sweep spec's `[set]` or axes "
    "relative to the spec's folder (the working directory for a spec read through a pipe). Overrides (`--set`, "
    "`cimsim.config.load_config(path, overrides)`, a sweep's axes and `[set]`) are validated with the file's "
    "tables, once: a file they complete (`weights = \"file\"` and `--set workload.weights_file=w.npy`, "
    "`dac.mode = \"sliced\"` and `--set dac.bits_per_read=2`) runs as the same config written whole; the file's "
    "problems they do not fix are said as for the file alone, with their own (an unknown key, a refused value). "
    "One exception: a table's preset given as an override (`--set device.preset=pcm`) starts that table afresh "
    "from the preset, with the overrides of its fields, where the file's table names no preset (its fields "
    "described another device, not changes to one: a sweep over `device.preset` compares the presets); where it "
    "names one, its other fields stay over the new preset, as if the file named it. Top-level keys:"
)
"""the reference's opening: how file paths resolve and how overrides combine with a file"""


def reference_markdown(level: int = 1) -> str:
    """Every table and field of a config file (type, default, allowed values, doc) as Markdown.

    ``level`` is the heading level of the title (1-5); each table gets a heading one level below.
    """
    level = check_int("level", level, 1, 5)
    lines = [
        f"{'#' * level} Configuration reference",
        "",
        "Generated from the schema by `cimsim.config.reference_markdown()`.",
        "",
        _PATHS_AND_OVERRIDES,
        "",
        "| key | type | meaning |",
        "|---|---|---|",
        "| `name` | string | label of the run (default: the file's name without extension, a hidden character in it "
        "as U+XXXX and a byte that is no UTF-8 as U+FFFD) |",
        "| `preset` | string | start from a shipped preset and override its fields table by table |",
        "| `description` | string | free text, ignored by the simulator |",
        "",
        "Presets:",
        "",
        "| preset | description |",
        "|---|---|",
        *(f"| `{name}` | {_cell(text)} |" for name, text in list_presets().items()),
    ]
    for section in SECTION_PRESETS:
        lines += [
            "",
            f"`[{section}]` presets (`[{section}] preset = \"NAME\"` replaces the inherited table, even where the "
            "whole-design preset names the same one: a warning then names each of its values dropped; fields given "
            "beside it override the preset):",
            "",
            "| preset | description |",
            "|---|---|",
            *(f"| `{name}` | {_cell(text)} |" for name, text in list_section_presets(section).items()),
        ]
    for section, cls in SECTIONS.items():
        lines += [
            "",
            f"{'#' * (level + 1)} `[{section}]`",
            "",
            _cell(cls.__doc__ or ""),
            "",
            "| field | type | default | allowed | description |",
            "|---|---|---|---|---|",
        ]
        for field in dataclasses.fields(cls):
            rule: Rule = field.metadata["rule"]
            lines.append(f"| `{field.name}` | {_type_name(rule)} | {_default(field)} | "
                         f"{_cell(_allowed(rule))} | {_cell(field.metadata['doc'])} |")
    return "\n".join(lines) + "\n"


def _type_name(rule: Rule) -> str:
    optional = isinstance(rule, (OptionalFloat, OptionalInt)) or (isinstance(rule, Text) and rule.optional)
    return _TYPE_NAMES[type(rule)] + (" (optional)" if optional else "")


def _allowed(rule: Rule) -> str:
    """What a rule accepts; a mode enum's members each with their meaning."""
    if isinstance(rule, Choice) and isinstance(rule.options, type):
        return "; ".join(f'"{member}": {member.__doc__}' for member in rule.options)
    return rule.expected


def _default(field: dataclasses.Field) -> str:
    value = field.default
    if value is None:
        return "left out"
    return f"`{json.dumps(value)}`"
