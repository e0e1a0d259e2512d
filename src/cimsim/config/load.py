"""Reading configurations: TOML files, plain dicts, shipped presets and dotted-path overrides.

Validation runs in two stages and reports every problem of a stage at once (one
:class:`~cimsim.errors.ConfigError` naming the file and each dotted field):

1. schema: unknown tables or keys (with a "did you mean" suggestion), wrong types, values outside
   each field's rule (``field.metadata["rule"]`` in :mod:`cimsim.config.schema`);
2. consistency: rules between fields (:func:`cimsim.config.checks.check_consistency`), run once every field
   is valid.

A config may name a ``preset``; it then takes the preset's values and overrides them field by field.
Paths of weight and input files are resolved against the config file's directory and stored absolute.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..argcheck import checked_types
from ..errors import ConfigError
from .checks import check_consistency
from .conditional import CONDITIONAL_FIELDS, unused_stated_fields
from .keys import OVERRIDE_KEYS, SECTION_FIELDS, TOP_LEVEL, TOP_LEVEL_KEYS, as_written, not_one_of, unknown_key
from .presets_merge import (
    SECTION_PRESETS, dotted_settings, drop_stale_derived, merged_table, remember_stated, section_tables, stated_tables,
)
from .rules import Choice, Text
from .schema import SECTIONS, Config
from .toml_file import read_toml

__all__ = ["load_config", "config_from_dict", "config_to_dict", "with_overrides", "check_consistency", "list_presets",
           "load_preset", "list_section_presets", "section_preset", "SECTION_PRESETS", "python_scalar"]

_FILE_FIELDS = ("weights_file", "inputs_file", "network_file", "dataset_file")



def load_config(path: str | os.PathLike) -> Config:
    """Read and validate a TOML config file; ``name`` defaults to the file's stem. Raises :class:`ConfigError`
    naming the file when it cannot be read, is not valid TOML (with the line and column), or fails validation."""
    source = str(path)
    data = read_toml(path, "config file")
    if "name" not in data:
        data["name"] = Path(path).stem
    return config_from_dict(data, source, base_dir=Path(path).parent)


def config_from_dict(data: Mapping[str, Any], source: str = "<dict>",
                     base_dir: str | os.PathLike | None = None, stated: Iterable[str] | None = None) -> Config:
    """Validate a parsed config (the tables of a TOML file) and build its :class:`Config`.

    ``source`` names the origin in messages and is stored in ``Config.source``; relative file paths
    are resolved against ``base_dir`` (default: the working directory). ``name`` defaults to the
    preset's name, or ``"default"``. ``stated``: the dotted fields the user gave (default: those of ``data``).
    """
    if not isinstance(data, Mapping):
        raise ConfigError(source, [("", f"a config must be a table of settings; got {as_written(data)}")])
    if "axes" in data:  # one clear error for a sweep spec given where a config is asked for
        raise ConfigError(source, [("", "a sweep spec ([axes]) where a config is asked for: run it with cimsim sweep")])
    errors: list[tuple[str, str]] = []
    for key in data:
        if key not in TOP_LEVEL and key not in SECTIONS:
            errors.append((str(key), unknown_key(str(key), TOP_LEVEL_KEYS, errors)))
    base = _preset_values(data["preset"], errors) if "preset" in data else {}
    name = base.get("name", Config.name)
    if "name" in data:
        name = _checked("name", Text(one_line=True), data["name"], errors)
    if "description" in data:
        _checked("description", Text(), data["description"], errors)
    sections: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        values = dict(base.get(section, {}))
        table = data.get(section, {})
        if isinstance(table, Mapping):
            if section in SECTION_PRESETS and Text().accepts(table.get("preset")):  # replaces the inherited table
                values = _section_preset_values(section, table["preset"], errors)
            values = merged_table(section, values, _checked_table(section, table, errors))
        else:
            errors.append((section, f"'{section}' must be a table ([{section}] in TOML); got {as_written(table)}"))
        sections[section] = values
    _resolve_paths(sections["workload"], Path(base_dir) if base_dir is not None else Path.cwd())
    if errors:
        raise ConfigError(source, errors)

    config = Config(name=name, source=source,
                    **{section: cls(**sections[section]) for section, cls in SECTIONS.items()})
    stated = ({f"{section}.{key}" for section in SECTIONS for key in data.get(section, ())} if stated is None
              else set(stated))
    errors = check_consistency(config) + unused_stated_fields(config, stated)
    if errors:
        raise ConfigError(source, errors)
    return remember_stated(config, data)


@checked_types
def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as plain TOML/JSON-ready tables (``name`` and one table per section).

    Fields left out (None) are omitted, as are those that do not apply to it (``CONDITIONAL_FIELDS``), and
    ``source`` is not included, so ``config_from_dict(config_to_dict(c), c.source)`` rebuilds ``c``.
    """
    return _tables(config, {field for field, (applies, _) in CONDITIONAL_FIELDS.items() if not applies(config)})


def _tables(config: Config, left_out: set[str]) -> dict[str, Any]:
    """``name`` and one table per section of the fields set (not None), but the dotted fields ``left_out``"""
    data: dict[str, Any] = {"name": config.name}
    for section in SECTIONS:
        values = dataclasses.asdict(getattr(config, section))
        data[section] = {key: value for key, value in values.items()
                         if value is not None and f"{section}.{key}" not in left_out}
    return data


@checked_types
def with_overrides(config: Config, overrides: Mapping[str, Any],
                   base_dir: str | os.PathLike | None = None) -> Config:
    """A copy of ``config`` with dotted-path updates (``{"adc.bits": 6}``), validated again.

    Keys are ``"name"`` or ``"section.field"`` (or a table's fields as a dict, ``{"adc": {"bits": 6}}``), as if the
    file stated them: a new ``device.preset`` keeps the fields stated beside the file's own, and those changed since
    in a copy (dataclasses.replace); a table without one, or built in code, is replaced. None leaves a field out. In
    code, a preset's values come from here (``with_overrides(Config(), {"baseline.preset": "h100"})``): a
    ``BaselineConfig(preset="h100")`` keeps its defaults. Relative file paths given here are resolved against
    ``base_dir`` (default: the working directory, as for a command-line option). Raises :class:`ConfigError` (source
    ``config.source``) naming each bad dotted field.
    """
    if not isinstance(overrides, Mapping):
        raise ConfigError(config.source, [("", f"overrides must be a dict of 'table.field' -> value; got "
                                               f"{type(overrides).__name__}")])
    bad = [key for key in overrides if not isinstance(key, str)]
    if bad:
        raise ConfigError(config.source, [("", f"override keys must be strings 'table.field'; got "
                                               f"{as_written(bad[0])} ({type(bad[0]).__name__})")])
    overrides = dotted_settings(overrides, config.source)  # {"adc": {"bits": 6}} had been an unknown key 'adc'
    stated = stated_tables(config)  # else all fields, those that do not apply too (an override may make one apply)
    data = stated if stated is not None else _tables(config, set())
    kept = {section for section in SECTION_PRESETS if stated is not None and "preset" in stated[section]}
    errors: list[tuple[str, str]] = []
    for key, value in overrides.items():
        section, _, name = str(key).partition(".")
        if key in ("name", "description"):  # a description is checked as text and, as in a file, not kept
            data[key] = value
        elif name == "preset" and section in SECTION_PRESETS and section not in kept and value is not None:
            data[section] = {"preset": value, **{k.partition(".")[2]: v for k, v in overrides.items()
                                                 if k.startswith(f"{section}.")}}
        elif section in SECTIONS and name in SECTION_FIELDS[section]:
            data[section][name] = value
        else:
            errors.append((str(key), f"{unknown_key(str(key), OVERRIDE_KEYS, errors)} (given as an override)"))
    if errors:  # with each known field's own rule: an unknown key had hidden every other problem
        raise ConfigError(config.source, errors + _override_value_errors(overrides))
    drop_stale_derived(data, config, overrides)
    try:
        return config_from_dict(data, config.source, base_dir=base_dir, stated=overrides)
    except ConfigError as err:  # a value the overrides gave is theirs, not the file's
        raise ConfigError(err.source, [(f, f"{m} (given as an override)" if f in overrides else m)
                                       for f, m in err.errors]) from None


def _override_value_errors(overrides: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(dotted field, message) of each known field in ``overrides`` its own rule rejects, and of a table's preset no
    shipped one is named, as the loader words them (unknown keys and rules between fields are not checked here)."""
    errors: list[tuple[str, str]] = []
    for key, value in overrides.items():
        section, _, name = key.partition(".")
        if key in ("name", "description"):
            _checked(key, Text(one_line=key == "name"), value, errors)
        elif section in SECTIONS and name in SECTION_FIELDS[section]:  # None too: a required field's rule refuses it
            _checked_table(section, {name: value}, errors)
            if name == "preset" and section in SECTION_PRESETS and Text().accepts(value):
                _section_preset_values(section, value, errors)
    return [(field, f"{message} (given as an override)") for field, message in errors]


def list_presets() -> dict[str, str]:
    """Shipped presets: name -> one-line description."""
    return dict(_preset_descriptions())


@functools.cache
def load_preset(name: str) -> Config:
    """The config of a shipped preset; an unknown name raises :class:`ConfigError` listing the valid ones."""
    if name not in list_presets():
        raise ConfigError("<presets>", [("preset", f"unknown preset {as_written(name)}; valid presets: "
                                                   + ", ".join(list_presets()))])
    path = _preset_dir() / f"{name}.toml"
    with path.open("rb") as file:
        data = tomllib.load(file)
    if "preset" in data:
        raise ConfigError(str(path), [("preset", "a preset is stated in full; it cannot start from another preset")])
    return remember_stated(config_from_dict(data, str(path)), {"preset": name})  # overridden as `preset = name`


def list_section_presets(section: str) -> dict[str, str]:
    """Shipped presets of one table (``[device] preset = "NAME"``): name -> one-line description."""
    return {name: str(table.get("description", "")) for name, table in section_tables(section).items()}


def section_preset(section: str, name: str) -> dict[str, Any]:
    """The fields of a shipped preset of one table; an unknown name raises :class:`ConfigError`."""
    errors: list[tuple[str, str]] = []
    values = _section_preset_values(section, name, errors)
    if errors:
        raise ConfigError(f"<{section} presets>", errors)
    return values


def _preset_dir() -> Path:
    return Path(str(resources.files("cimsim.config") / "presets"))


def _section_preset_values(section: str, preset: Any, errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The fields of the named preset of ``section`` (empty after recording an error for a bad name)."""
    choice = Choice(tuple(section_tables(section)))
    if not choice.accepts(preset):
        errors.append(not_one_of(f"{section}.preset", choice, preset))
        return {}
    table = {k: v for k, v in section_tables(section)[preset].items() if k != "description"}
    values = _checked_table(section, table, errors)
    values["preset"] = preset
    return values


@functools.cache
def _preset_descriptions() -> dict[str, str]:
    presets = {}
    for path in sorted(_preset_dir().glob("*.toml")):
        with path.open("rb") as file:
            presets[path.stem] = str(tomllib.load(file).get("description", ""))
    return presets


def _preset_values(preset: Any, errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The tables of the named preset (empty after recording an error when it is not a valid name)."""
    choice = Choice(tuple(list_presets()))
    if not choice.accepts(preset):
        errors.append(not_one_of("preset", choice, preset))
        return {}
    return config_to_dict(load_preset(preset))


def _checked(dotted: str, rule: Any, value: Any, errors: list[tuple[str, str]]) -> Any:
    """``value`` as stored, or None after recording why the rule rejects it."""
    if rule.accepts(value):
        return rule.convert(value)
    errors.append((dotted, f"'{dotted}' must be {rule.expected}; got {as_written(value)}"))
    return None


def field_errors(config: Config) -> list[tuple[str, str]]:
    """(dotted field, message) of every field of ``config`` its own rule rejects, and of a table's preset no shipped
    one of that table is named, as the loader words them: a Config built directly or with dataclasses.replace passed
    no loader (``DeviceConfig(preset="no-such-preset")`` had been priced)."""
    errors: list[tuple[str, str]] = []
    _checked("name", Text(one_line=True), config.name, errors)
    for section in SECTIONS:
        table = getattr(config, section)
        for f in dataclasses.fields(table):
            _checked(f"{section}.{f.name}", f.metadata["rule"], getattr(table, f.name), errors)
        if section in SECTION_PRESETS and Text().accepts(table.preset):
            _section_preset_values(section, table.preset, errors)
    return errors


def _checked_table(section: str, table: Mapping[str, Any], errors: list[tuple[str, str]]) -> dict[str, Any]:
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
            errors.append((dotted, f"'{dotted}' must be {rule.expected}; got {as_written(value)}"))
    return values


def python_scalar(value: Any) -> Any:
    """A numpy scalar or 0-d array (as scripts pass them) as the Python number it holds (a float16 / float32 by its
    shortest repr: 0.05 as --set gives it, not 0.05000000074505806), a path object as its string; else ``value``."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        narrow = str(getattr(value, "dtype", "")) in ("float16", "float32")  # the scalar's str: a masked array's is --
        return float(str(value.dtype.type(value.item()))) if narrow else value.item()
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _resolve_paths(workload: dict[str, Any], base_dir: Path) -> None:
    """Make the weight and input file paths absolute, relative to ``base_dir``."""
    for key in _FILE_FIELDS:
        if isinstance(workload.get(key), str):
            workload[key] = os.path.abspath(base_dir / workload[key])
