"""The shipped presets of a table, how its fields merge with the preset it starts from, what a loaded config
stated, and settings given as tables (``{"adc": {"bits": 6}}``) as the dotted fields they state (``{"adc.bits": 6}``).

A preset's value that describes other fields of its table (``DERIVED_FIELDS``: a GPU's HBM bandwidth describes
its memory) is dropped when the user states one of those fields at another value than the preset's, unless the
user states the derived field too: it then takes its default (left out: derived from the fields as stated).
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
import warnings
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from ..argcheck import cut_short, escaped
from ..errors import ConfigError, caller_stacklevel
from .schema import SECTIONS, Config

__all__ = ["SECTION_PRESETS", "section_tables", "DERIVED_FIELDS", "merged_table", "drop_stale_derived",
           "remember_stated", "stated_tables", "changed_since_loaded", "preset_changed_in_code", "as_loaded",
           "dotted_settings", "is_template", "preset_origins", "warn_defaults_over_preset", "warn_restated_preset",
           "without_stale_derived", "warn_preset_replaced_in_code", "warn_unread_settings"]

SECTION_PRESETS = {"device": "devices", "baseline": "baselines"}
"""tables that can start from a shipped preset of their own -> folder of those presets"""


def section_tables(section: str) -> dict[str, dict[str, Any]]:
    """The shipped presets of one table: name -> its TOML table (with its description); a ValueError for a name
    that is no such table (a list or another unhashable value too: it had failed as "unhashable type")."""
    if not isinstance(section, str) or section not in SECTION_PRESETS:
        raise ValueError(f"no table has shipped presets under the name {section!r}; tables with presets: "
                         f"{', '.join(SECTION_PRESETS)}")
    return _section_tables(section)


@functools.cache
def _section_tables(section: str) -> dict[str, dict[str, Any]]:
    """:func:`section_tables`, read once"""
    tables = {}
    folder = Path(str(resources.files("cimsim.config") / SECTION_PRESETS[section]))
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as file:
            tables[path.stem] = tomllib.load(file)
    return tables


_DIE = ("macs_per_cycle", "wide_macs_per_cycle", "narrow_macs_per_cycle", "sram_kib", "onchip_memory", "vector_lanes")
DERIVED_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "baseline": {
        "dram_bandwidth_gbps": ("dram",), "dram_gb": ("dram",), "wide_macs_per_cycle": ("macs_per_cycle",),
        "narrow_macs_per_cycle": ("macs_per_cycle",),
        "vector_lanes": ("macs_per_cycle",), "array_rows": ("macs_per_cycle",), "die_area_mm2": _DIE,
    },
}
"""table -> {a preset's field that describes others of the table -> those fields}; the device presets hold none
(each of their fields describes the cell by itself)"""

_DEFAULTS = {section: {f.name: f.default for f in dataclasses.fields(SECTIONS[section])}
             for section in {*DERIVED_FIELDS, *SECTION_PRESETS}}


def warn_restated_preset(source: str, section: str, design_preset: str, inherited: Mapping[str, Any],
                         fresh: Mapping[str, Any]) -> None:
    """A warning where a table names the preset that the whole-design preset ``design_preset`` names in it
    (``[device] preset = "sram"`` under ``preset = "sram-cicc2021"``): as every table naming a preset, it starts
    afresh from that preset, so each value the whole-design preset sets beside it is dropped (``inherited``: the
    table's fields over the whole-design preset's; ``fresh``: over the named preset's alone); named with the value
    it takes (the whole-design preset's device read pulse of 44.44 ns had fallen to 1 ns unsaid: ADC area +61 %)."""
    dropped = [f"{section}.{key} = {inherited.get(key, default)!r} (now {fresh.get(key, default)!r})"
               for key, default in _DEFAULTS[section].items() if inherited.get(key, default) != fresh.get(key, default)]
    if dropped:
        example = dropped[0].partition(" (now")[0]
        warnings.warn(f"{source}: [{section}] preset = {fresh['preset']!r} starts the table afresh from that preset, "
                      f"dropping what preset {design_preset!r} sets in it beside: {'; '.join(dropped)}; to keep "
                      f"them, state them beside it, in its table or as settings (a sweep's [set]: {example}), or "
                      "leave its preset line out", UserWarning, stacklevel=caller_stacklevel())


def merged_table(section: str, inherited: Mapping[str, Any], stated: Mapping[str, Any]) -> dict[str, Any]:
    """``stated`` (the user's valid values of a table) over ``inherited`` (its preset's), less each derived field
    of ``inherited`` whose described fields ``stated`` changes."""
    stale = {derived for derived, described in DERIVED_FIELDS.get(section, {}).items()
             if derived not in stated and any(f in stated and stated[f] != inherited.get(f, _DEFAULTS[section][f])
                                             for f in described)}
    return {**{key: value for key, value in inherited.items() if key not in stale}, **stated}


def drop_stale_derived(data: Mapping[str, Any], config: Config, overrides: Mapping[str, Any]) -> None:
    """Drop from ``data`` (the tables an override rebuilds ``config`` from) each derived field whose described fields
    ``overrides`` (dotted) change from what ``config`` holds, unless they state it too: the rule of
    :func:`merged_table`, kept whether ``config`` was loaded from a file or built in memory (equal configs agree)."""
    for section, derived_fields in DERIVED_FIELDS.items():
        given = {key.partition(".")[2]: v for key, v in overrides.items() if key.startswith(f"{section}.")}
        held = getattr(config, section)
        for derived, described in derived_fields.items():
            if derived not in given and any(f in given and given[f] != getattr(held, f) for f in described):
                data[section].pop(derived, None)


def without_stale_derived(config: Config) -> Config:
    """A loaded ``config`` with each derived field (:data:`DERIVED_FIELDS`) that its file did not state, whose
    described fields were changed in code since loading and it not, at its default: as the route with settings
    rebuilds it from the file's tables (an A100 baseline changed to LPDDR4 in code had kept its HBM bandwidth without
    settings: 120x; a bandwidth the file states stays on both)."""
    changed, tables = changed_since_loaded(config) or set(), {}
    stated = config.stated.fields if isinstance(config.stated, _Stated) else frozenset()  # the file's own: kept
    for section, derived_fields in DERIVED_FIELDS.items():
        stale = {derived: _DEFAULTS[section][derived] for derived, described in derived_fields.items()
                 if f"{section}.{derived}" not in changed and (section, derived) not in stated
                 and any(f"{section}.{f}" in changed for f in described)}
        if stale:
            tables[section] = dataclasses.replace(getattr(config, section), **stale)
    return dataclasses.replace(config, **tables) if tables else config


class _Stated(NamedTuple):
    """A loaded config's ``stated``: its source's top-level preset, the (table, field) pairs it stated, its tables,
    whether it is a template (its rules between fields not checked: valid only as overrides complete it)."""

    preset: str | None
    fields: frozenset[tuple[str, str]]
    tables: dict[str, Any]
    template: bool = False


def remember_stated(config: Config, data: Mapping[str, Any], template: bool = False) -> Config:
    """``config`` recording (its field ``stated``, which dataclasses.replace keeps) the top-level preset and the
    fields its ``data`` stated, with the tables it holds now (for :func:`stated_tables`), and ``template``."""
    fields = frozenset((section, key) for section in SECTIONS if isinstance(data.get(section), Mapping)
                       for key in data[section])
    tables = {section: getattr(config, section) for section in SECTIONS}
    return dataclasses.replace(config, stated=_Stated(data.get("preset"), fields, tables, template))


def is_template(config: Config) -> bool:
    """Whether ``config`` is a loaded template: a file the rules between fields refuse alone, read to be completed by
    overrides (``with_overrides`` validates it whole, its file's fields as they are stated)."""
    return isinstance(config.stated, _Stated) and config.stated.template


def stated_tables(config: Config) -> dict[str, Any] | None:
    """The tables ``config`` was loaded from: its top-level preset and the fields its source stated, with each field
    changed since (dataclasses.replace), at the values it holds (paths absolute); None for a Config built in code."""
    if config.stated is None:
        return None
    if not isinstance(config.stated, _Stated):
        raise ConfigError(config.source, [("stated", "'stated' is the loader's record of what a file stated: leave it "
                                                     f"out (None) in code; got {cut_short(repr(config.stated))}")])
    preset, fields, loaded, _ = config.stated
    data: dict[str, Any] = {"name": config.name, **({"preset": preset} if preset is not None else {})}
    for section in SECTIONS:
        table, held = getattr(config, section), loaded[section]
        data[section] = {f.name: getattr(table, f.name) for f in dataclasses.fields(table)
                         if (section, f.name) in fields or getattr(table, f.name) != getattr(held, f.name)}
    return data


def changed_since_loaded(config: Config) -> set[str] | None:
    """The dotted fields of a loaded ``config`` changed in code since (dataclasses.replace); None for a Config built
    in code (no loader's record)."""
    record = config.stated
    if not isinstance(record, _Stated):
        return None
    return {f"{section}.{f.name}" for section in SECTIONS for f in dataclasses.fields(SECTIONS[section])
            if getattr(getattr(config, section), f.name) != getattr(record.tables[section], f.name)}


def _code_built_presets(config: Config) -> list[str]:
    """the tables of a config built in code (no loader's record) that name a preset"""
    return [] if config.stated is not None else [s for s in SECTION_PRESETS if getattr(config, s).preset is not None]


def _defaults_over_preset(config: Config, fields: list[str]) -> list[str]:
    """the ``fields`` changed in code (dotted) that hold their default in a table naming a preset whose own value
    differs: a table built afresh (``DeviceConfig(preset="pcm")``) is not told apart from a replaced one, and its
    defaults are stated as a replace's changes are"""
    odd = []
    for field in fields:
        section, _, name = field.partition(".")
        preset = getattr(getattr(config, section), "preset", None) if section in SECTION_PRESETS else None
        value = getattr(getattr(config, section), name)
        if isinstance(preset, str) and preset in section_tables(section) and name != "preset" and value == getattr(
                SECTIONS[section](), name) and section_tables(section)[preset].get(name, value) != value:
            odd.append(f"{field} = {value!r} (its default; preset '{preset}' has "
                       f"{section_tables(section)[preset][name]!r})")
    return odd


def warn_defaults_over_preset(config: Config) -> None:
    """A warning naming the fields of a loaded ``config`` changed in code to their defaults where a preset its table
    names has other values (:func:`_defaults_over_preset`): stated, as any change in code is."""
    if odd := _defaults_over_preset(config, sorted(changed_since_loaded(config) or ())):
        field = odd[0].partition(" ")[0]
        warnings.warn(f"{config.source}: a table changed in code states every value it changes, its defaults too: "
                      f"{'; '.join(odd)}; for the preset's values leave them as loaded, or give the preset as a "
                      f"setting over the loaded config ({{'{field.partition('.')[0]}.preset': ...}})", UserWarning,
                      stacklevel=caller_stacklevel())


def _replaced_by_new_preset(held: Config, done: Config, given: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted field, the value ``held`` holds, the value ``done`` runs) for each field of a loaded config ``held``
    left as loaded in a table whose preset was changed in code (dataclasses.replace), that ``done`` (``held`` with
    the settings ``given``) runs at another value: the new preset's, or its default where the preset sets none"""
    changed, found = changed_since_loaded(held) or set(), []
    for section in SECTION_PRESETS:
        if f"{section}.preset" not in changed or f"{section}.preset" in given:  # a preset given as a setting: its own
            continue
        derived = DERIVED_FIELDS.get(section, {})  # a value a setting of the fields it describes drops
        for f in dataclasses.fields(SECTIONS[section]):
            field, was, now = f"{section}.{f.name}", getattr(getattr(held, section), f.name), getattr(
                getattr(done, section), f.name)
            by_setting = any(f"{section}.{d}" in given for d in derived.get(f.name, ()))
            if (f.name not in ("preset", "name") and field not in changed and field not in given and not by_setting
                    and was != now):
                found.append((field, was, now))
    return found


def warn_preset_replaced_in_code(held: Config, done: Config, given: Mapping[str, Any]) -> None:
    """A warning naming the values a preset changed in code in a loaded config (``held``) replaces in the config it
    runs (``done``, with the settings ``given``): fields left as loaded, which a replace cannot tell from fields
    written again at their old value (dataclasses.replace(device, preset="pcm", read_noise_sigma=0.0) over a
    noiseless table runs at PCM's read noise); the file's own fields beside its table's preset stay, unnamed."""
    found = _replaced_by_new_preset(held, done, given)
    for section in SECTION_PRESETS:  # one warning a table, its preset's
        if not (own := [(f, w, n) for f, w, n in found if f.startswith(f"{section}.")]):
            continue
        (field, was, _), preset = own[0], getattr(done, section).preset
        listed = ", ".join(f"{f} {w!r} -> {n!r}" for f, w, n in own)
        warnings.warn(f"{held.source}: {section}.preset = {preset!r} set in code runs its own values for the fields "
                      f"left as loaded (a replace cannot tell a value written again from one kept): {listed}; to keep "
                      f"one, give it as a setting over the loaded config ({{'{section}.preset': {preset!r}, "
                      f"'{field}': {was!r}}})", UserWarning, stacklevel=caller_stacklevel())


def preset_changed_in_code(config: Config) -> bool:
    """Whether ``config``'s fields do not hold a table preset it names (:func:`as_loaded`): a loaded config whose
    preset was changed in code since (dataclasses.replace; its other fields still the old preset's), or a table
    built in code naming one (``DeviceConfig(preset="pcm")``, its fields the table's defaults)."""
    return bool(_code_built_presets(config)) or any(field.endswith(".preset")
                                                    for field in changed_since_loaded(config) or ())


def as_loaded(config: Config, overrides: Mapping[str, Any]) -> tuple[Config, dict[str, Any]]:
    """(``config``, dotted ``overrides``), but where ``config``'s fields do not hold a preset it names
    (:func:`preset_changed_in_code`) the config as loaded (a table built in code: at its defaults, no preset) and the
    fields set in code (changed since loading, defaults too, with a warning naming those a table's new preset sets
    otherwise; every field of a table whose preset was removed; a table built in code: its preset and the fields
    off their defaults) as overrides before ``overrides``: the preset's values under them, as a preset override
    gives them (a dataclasses.replace of the preset had kept the old preset's values on one route and mixed them on
    another; a ``BaselineConfig(preset="h100")`` had kept the defaults: a baseline 26x off; a table whose preset was
    removed had fallen to the defaults under the fields it kept)."""
    warn_defaults_over_preset(config)
    if not preset_changed_in_code(config):
        return config, dict(overrides)
    tables = _code_built_presets(config)
    if tables:
        defaults = {s: SECTIONS[s]() for s in tables}
        base = dataclasses.replace(config, **defaults)
        changed = {f"{s}.{f.name}": getattr(getattr(config, s), f.name) for s in tables
                   for f in dataclasses.fields(SECTIONS[s]) if getattr(getattr(config, s), f.name) !=
                   getattr(defaults[s], f.name)}
        return base, {**changed, **overrides}
    fields = sorted(changed_since_loaded(config))
    dropped = [s for s in SECTION_PRESETS if f"{s}.preset" in fields and getattr(config, s).preset is None]
    fields += [f"{s}.{f.name}" for s in dropped for f in dataclasses.fields(SECTIONS[s])]  # no preset: all as given
    changed = {field: getattr(getattr(config, field.partition(".")[0]), field.partition(".")[2]) for field in fields}
    return dataclasses.replace(config, **config.stated.tables), {**changed, **overrides}


def dotted_settings(settings: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``settings`` ("table.field" -> value) with each table given as a dict (``"adc": {"bits": 6}``, as a config's
    tables are) as its dotted fields, in order; a :class:`ConfigError` (``source``) naming a table given as another
    value, or a field given both ways."""
    flat: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for key, value in settings.items():
        if key not in SECTIONS:
            flat[key] = value
        elif not isinstance(value, Mapping):
            example = dataclasses.fields(SECTIONS[key])[0].name
            errors.append((key, f"'{key}' is a table; set one of its fields ('{key}.{example}'), or give the table "
                                f"as a dict of its fields; got {cut_short(repr(value))}"))
        else:
            for field, field_value in value.items():
                dotted = f"{key}.{field}"
                if dotted in settings:
                    shown_key = escaped(dotted)
                    errors.append((dotted, f"'{shown_key}' is given twice: as '{shown_key}' and in the table "
                                           f"'{escaped(key)}'"))
                flat[dotted] = field_value
    if errors:
        raise ConfigError(source, [(f, f"{m} (given as an override)") for f, m in errors])
    return flat


def warn_unread_settings(settings: Any, unread: Callable[[str], bool], who: str, why: str, prefix: str = "") -> None:
    """A warning naming each of the ``settings`` (dotted or as tables) that ``who`` does not read (``unread`` of the
    dotted field; ``why`` says why): set, they had changed nothing, unsaid. Malformed settings are left to the
    loader, which names them with their config."""
    try:
        fields = [field for field in dotted_settings(settings, "settings") if unread(field)]
    except (ConfigError, TypeError, AttributeError):
        return
    if fields:
        warnings.warn(f"{prefix}{', '.join(fields)}: {who} does not read {'it' if len(fields) == 1 else 'them'} "
                      f"({why})", UserWarning, stacklevel=caller_stacklevel())


def preset_origins(errors: list[tuple[str, str]], data: Mapping[str, Any], config: Config) -> list[tuple[str, str]]:
    """``errors`` (dotted field, message) of a config built from ``data`` (its stated tables), each about a field the
    tables do not state but a preset set (its value not the field's default) saying so: a refusal of a preset's
    value had read as the user's (`preset = "isaac"` with `array.family = "current"` blamed 'array.cell_access' =
    "crosspoint"). A field set in code to the preset's value, or to its default (which in code states nothing), is
    not in the tables either: the note says where a value that changes it is stated."""
    def origin(field: str, message: str) -> str:
        section, _, name = field.partition(".")
        table = data.get(section)
        if section not in SECTIONS or not name or (isinstance(table, Mapping) and name in table):
            return message
        preset = table.get("preset") if isinstance(table, Mapping) and section in SECTION_PRESETS else None
        preset = preset if isinstance(preset, str) else data.get("preset")
        value = getattr(getattr(config, section), name, None)
        if not isinstance(preset, str) or value == getattr(type(getattr(config, section))(), name, value):
            return message
        return f"{message} (a value preset '{preset}' sets: state another in the file or the settings to change it)"
    return [(field, origin(field, message)) for field, message in errors]
