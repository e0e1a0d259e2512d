"""Reading configurations: TOML files, plain dicts, shipped presets and dotted-path overrides.

Validation runs in two stages and reports every problem of a stage at once (one
:class:`~cimsim.errors.ConfigError` naming the file and each dotted field):

1. schema: unknown tables or keys (with a "did you mean" suggestion), wrong types, values outside
   each field's rule (``field.metadata["rule"]`` in :mod:`cimsim.config.schema`);
2. consistency: rules between fields (:func:`cimsim.config.checks.check_consistency`), run once every field
   is valid.

A config may name a ``preset``; it then takes the preset's values and overrides them field by field.
Paths of weight and input files are resolved against the config file's directory (the working directory for a pipe)
and stored absolute. Overrides given with the file (``load_config(path, overrides)``) are validated with its tables,
once: a file they complete loads as if written whole.
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

from ..argcheck import checked_types, visible
from ..errors import ConfigError
from .checks import check_consistency
from .conditional import CONDITIONAL_FIELDS, unused_stated_fields
from .fields import checked_table, checked_value, field_errors, python_scalar, section_preset_values
from .keys import (
    DOTTED_FIELDS, OVERRIDE_KEYS, SECTION_FIELDS, TOP_LEVEL, TOP_LEVEL_KEYS, as_written, not_one_of, unknown_key,
)
from .presets_merge import (
    SECTION_PRESETS, as_loaded, dotted_settings, drop_stale_derived, is_template, merged_table, remember_stated,
    preset_origins, section_tables, stated_tables, warn_preset_replaced_in_code, warn_restated_preset,
)
from .rules import Choice, Text
from .schema import SECTIONS, Config
from .toml_file import read_toml, relative_dir, resolve_data_paths

__all__ = ["load_config", "config_from_dict", "config_to_dict", "with_overrides", "check_consistency", "list_presets",
           "load_preset", "list_section_presets", "section_preset", "SECTION_PRESETS", "python_scalar", "is_template",
           "field_errors", "completed"]

_OVERRIDABLE = {"name", "description", *DOTTED_FIELDS}
_PRESET_DIR = Path(str(resources.files("cimsim.config") / "presets"))
_LOADED: dict[str, Config] = {}  # the shipped presets read so far (load_preset)


def load_config(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None, template: bool = False, *,
                data: Mapping[str, Any] | None = None) -> Config:
    """Read and validate a TOML config file; ``name`` defaults to the file's stem, relative paths resolve against its
    folder (the working directory for a pipe: ``<(cat cfg.toml)``, /dev/stdin). ``overrides`` (as
    :func:`with_overrides` takes them) are validated once with the file's tables, so a file they complete
    (``weights = "file"``, its ``weights_file`` overridden) loads as if written whole. ``template``: a file that the
    rules between fields refuse alone is returned as a template (:func:`is_template`), which ``with_overrides`` and
    the API's calls validate whole. Raises :class:`ConfigError` naming the file when it cannot be read, is not valid
    TOML (with the line and column), or fails validation: with the file's problems that the overrides leave and
    the overrides' own (an unknown key, a value its field refuses: "given as an override"). ``data``: the file's
    tables where the caller read them (``cimsim validate``, telling a sweep spec from a config: a pipe is read once)."""
    data = read_toml(path, "config file") if data is None else dict(data)  # first: it refuses what is no path
    source, base_dir = str(path), relative_dir(path)
    data.setdefault("name", visible(Path(path).stem))
    try:
        config = config_from_dict(data, source, base_dir=base_dir)
    except ConfigError as alone:
        if overrides is None and not template:
            raise
        return _completed(data, source, base_dir, {} if overrides is None else overrides, alone, template)
    return config if overrides is None else with_overrides(config, overrides)


def _completed(data: Mapping[str, Any], source: str, base_dir: Path, overrides: Mapping[str, Any],
               alone: ConfigError, template: bool) -> Config:
    """A file's tables ``data``, which ``alone`` refuses, with ``overrides`` validated whole (with none: its template,
    where asked for); where they fix none of its problems (an unknown key or a value its field's rule refuses fixes
    none), the file's problems with the overrides' own (each marked as given as an override)."""
    _check_override_keys(overrides, source)  # first: a key that is no string is named, not read as a field
    flat, own = _override_problems(overrides, source)
    draft = None if flat is None else _template(data, source, base_dir, flat)
    if draft is not None and template and not flat:
        return draft
    if draft is None or not flat:  # the file's problems are left: said with the overrides' own
        raise ConfigError(source, alone.errors + [error for error in own if error not in alone.errors])
    refused = {field for field, _ in own}
    try:  # whether the sound overrides fix a problem of the file: the others' own problems are said with what is left
        config = with_overrides(draft, {key: value for key, value in flat.items() if key not in refused})
    except ConfigError as merged:
        left = alone.errors if set(alone.errors) <= set(merged.errors) else merged.errors
        raise ConfigError(source, left + [error for error in own if error not in left]) from None
    if own:
        raise ConfigError(source, own)
    return config


def _check_override_keys(overrides: Any, source: str) -> None:
    """A :class:`ConfigError` (``source``) unless ``overrides`` is a mapping whose keys are strings."""
    if not isinstance(overrides, Mapping):
        raise ConfigError(source, [("", f"settings (overrides) must be a dict of 'table.field' -> value; got "
                                        f"{type(overrides).__name__}")])
    bad = [key for key in overrides if not isinstance(key, str)]
    if bad:
        raise ConfigError(source, [("", f"override keys must be strings 'table.field'; got {as_written(bad[0])} "
                                        f"({type(bad[0]).__name__})")])


def _override_problems(overrides: Mapping[str, Any], source: str) -> tuple[dict | None, list[tuple[str, str]]]:
    """(``overrides`` as dotted fields, None where a table among them is not one; the problems of their own: a table
    that is not one, an unknown key, a value its field's rule refuses), as :func:`with_overrides` words them."""
    try:
        flat = dotted_settings(overrides, source)
    except ConfigError as exc:
        return None, exc.errors
    errors: list[tuple[str, str]] = []
    for key in flat:
        if key not in _OVERRIDABLE:
            errors.append((key, f"{unknown_key(key, OVERRIDE_KEYS, errors)} (given as an override)"))
    return flat, errors + _override_value_errors(flat)


def completed(template: Config, candidates: Iterable[Mapping[str, Any]], base_dir: str | os.PathLike) -> None:
    """Raise the problems of a template's file (:func:`is_template`) unless one of ``candidates`` (overrides, their
    relative paths against ``base_dir``) completes it, as the file written whole with them: the file's own where
    each candidate leaves them all, else those left by the first that fixes one, with its values."""
    try:
        with_overrides(template, {})
        return
    except ConfigError as exc:
        alone = exc
    first = None
    for overrides in candidates:
        try:
            with_overrides(template, overrides, base_dir=base_dir)
            return
        except ConfigError as exc:
            if first is None and not set(alone.errors) <= set(exc.errors):
                first = (overrides, exc)
    if first is None:
        raise alone
    at = ", ".join(f"{field} = {value!r}" for field, value in first[0].items())
    raise ConfigError(first[1].source, [(field, f"{message} (with {at})") for field, message in first[1].errors])


def _template(data: Mapping[str, Any], source: str, base_dir: Path, overrides: Mapping[str, Any]) -> Config | None:
    """``data``'s config with each field's own rule checked, not the rules between fields, marked a template; a field
    its own rule refuses takes its value in ``overrides`` (dotted); None where one is still refused."""
    try:
        return remember_stated(_built(data, source, base_dir), data, template=True)
    except ConfigError as exc:
        refused = {field for field, _ in exc.errors}
    if not refused <= overrides.keys():
        return None
    data = {key: dict(value) if key in SECTIONS else value for key, value in data.items()}
    for field in refused:
        section, _, name = field.rpartition(".")
        (data.setdefault(section, {}) if section else data)[name] = overrides[field]
    try:
        return remember_stated(_built(data, source, base_dir), data, template=True)
    except ConfigError:  # the override's value is refused too
        return None


def config_from_dict(data: Mapping[str, Any], source: str = "<dict>",
                     base_dir: str | os.PathLike | None = None, stated: Iterable[str] | None = None) -> Config:
    """Validate a parsed config (the tables of a TOML file) and build its :class:`Config`.

    ``source`` names the origin in messages and is stored in ``Config.source``; relative file paths are resolved
    against ``base_dir`` (default: the working directory). ``name`` defaults to the preset's name, or ``"default"``.
    ``stated``: the dotted fields the user gave (default: those of ``data``)."""
    config = _built(data, source, base_dir)
    stated = ({f"{section}.{key}" for section in SECTIONS for key in data.get(section, ())} if stated is None
              else set(stated))
    errors = preset_origins(check_consistency(config), data, config) + unused_stated_fields(config, stated)
    if errors:
        raise ConfigError(source, errors)
    return remember_stated(config, data)


def _built(data: Mapping[str, Any], source: str, base_dir: str | os.PathLike | None) -> Config:
    """The :class:`Config` of ``data`` with each field's own rule checked (the first stage of validation)."""
    if not isinstance(data, Mapping):
        raise ConfigError(source, [("", f"a config must be a table of settings; got {as_written(data)}")])
    if "axes" in data:  # one clear error for a sweep spec given where a config is asked for
        raise ConfigError(source, [("", "a sweep spec ([axes]) where a config is asked for: run it with cimsim sweep "
                                        "(a spec's 'base' names a config)")])
    errors: list[tuple[str, str]] = []
    for key in data:
        if key not in TOP_LEVEL and key not in SECTIONS:
            errors.append((str(key), unknown_key(str(key), TOP_LEVEL_KEYS, errors)))
    base = _preset_values(data["preset"], errors) if "preset" in data else {}
    name = base.get("name", Config.name)
    if "name" in data:
        name = checked_value("name", Text(one_line=True), data["name"], errors)
    if "description" in data:
        checked_value("description", Text(), data["description"], errors)
    sections: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        values = dict(base.get(section, {}))
        table = data.get(section, {})
        if isinstance(table, Mapping):
            restated = section in SECTION_PRESETS and Text().accepts(table.get("preset"))
            fresh = section_preset_values(section, table["preset"], errors) if restated else values
            stated = checked_table(section, table, errors)
            if restated and values.get("preset") == table["preset"] and not errors:  # it replaces even the same
                warn_restated_preset(source, section, data["preset"], merged_table(section, values, stated),
                                     merged_table(section, fresh, stated))
            values = merged_table(section, fresh, stated)
        else:
            errors.append((section, f"'{section}' must be a table ([{section}] in TOML); got {as_written(table)}"))
        sections[section] = values
    resolve_data_paths(sections["workload"], Path(base_dir) if base_dir is not None else None)
    if errors:
        raise ConfigError(source, errors)
    return Config(name=name, source=source, **{section: cls(**sections[section]) for section, cls in SECTIONS.items()})


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
    in a copy (dataclasses.replace); a table without one, or built in code, is replaced. None leaves an optional
    field out (a field with a default refuses it, naming its rule, as ``--set FIELD=`` does). A preset set in code
    (dataclasses.replace, ``BaselineConfig(preset="h100")``) is applied as this override of it
    (``presets_merge.as_loaded``), the fields set in code over it. Relative paths resolve against ``base_dir``
    (default: the working directory, as for a command-line option). A template (``load_config(path,
    template=True)``) is validated whole. Raises :class:`ConfigError` naming each bad dotted field."""
    _check_override_keys(overrides, config.source)
    held, given = config, dotted_settings(overrides, config.source)  # {"adc": {"bits": 6}} too
    config, overrides = as_loaded(held, given)
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
    try:  # a template's stated fields are checked with the overrides' (those of a valid config were, when loaded)
        done = config_from_dict(data, config.source, base_dir=base_dir,
                                stated=None if is_template(config) else overrides)
    except ConfigError as err:  # a value the overrides gave is theirs, not the file's
        raise ConfigError(err.source, [(f, f"{m} (given as an override)" if f in overrides else m)
                                       for f, m in err.errors]) from None
    warn_preset_replaced_in_code(held, done, given)
    return done


def _override_value_errors(overrides: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(dotted field, message) of each known field in ``overrides`` its own rule rejects, and of a table's preset no
    shipped one is named, as the loader words them (unknown keys and rules between fields are not checked here)."""
    errors: list[tuple[str, str]] = []
    for key, value in overrides.items():
        section, _, name = key.partition(".")
        if key in ("name", "description"):
            checked_value(key, Text(one_line=key == "name"), value, errors)
        elif section in SECTIONS and name in SECTION_FIELDS[section]:  # None too: a required field's rule refuses it
            checked_table(section, {name: value}, errors)
            if name == "preset" and section in SECTION_PRESETS and Text().accepts(value):
                section_preset_values(section, value, errors)
    return [(field, f"{message} (given as an override)") for field, message in errors]


def list_presets() -> dict[str, str]:
    """Shipped presets: name -> one-line description."""
    return dict(_preset_descriptions())


def load_preset(name: str) -> Config:
    """The config of a shipped preset; an unknown name (a list too) raises :class:`ConfigError` naming the others."""
    if not isinstance(name, str) or name not in list_presets():
        raise ConfigError("<presets>", [("preset", f"unknown preset {as_written(name)}; valid presets: "
                                                   + ", ".join(list_presets()))])
    if name not in _LOADED:  # read once
        path = _PRESET_DIR / f"{name}.toml"
        with path.open("rb") as file:
            data = tomllib.load(file)
        if "preset" in data:
            raise ConfigError(str(path), [("preset", "a preset is stated in full; it cannot start from another "
                                                     "preset")])
        _LOADED[name] = remember_stated(config_from_dict(data, str(path)), {"preset": name})  # `preset = name`
    return _LOADED[name]


def list_section_presets(section: str) -> dict[str, str]:
    """Shipped presets of one table (``[device] preset = "NAME"``): name -> one-line description."""
    return {name: str(table.get("description", "")) for name, table in section_tables(section).items()}


def section_preset(section: str, name: str) -> dict[str, Any]:
    """The fields of a shipped preset of one table; an unknown name raises :class:`ConfigError`."""
    errors: list[tuple[str, str]] = []
    values = section_preset_values(section, name, errors)
    if errors:
        raise ConfigError(f"<{section} presets>", errors)
    return values


@functools.cache
def _preset_descriptions() -> dict[str, str]:
    presets = {}
    for path in sorted(_PRESET_DIR.glob("*.toml")):
        with path.open("rb") as file:
            presets[path.stem] = str(tomllib.load(file).get("description", ""))
    return presets


def _preset_values(preset: Any, errors: list[tuple[str, str]]) -> dict[str, Any]:
    """The tables of the named preset, every field (those idle in it too: a config over it may make one apply, as an
    SRAM preset's device read voltage on a resistive array); empty, an error recorded, for an invalid name."""
    choice = Choice(tuple(list_presets()))
    if not choice.accepts(preset):
        errors.append(not_one_of("preset", choice, preset))
        return {}
    return _tables(load_preset(preset), set())
