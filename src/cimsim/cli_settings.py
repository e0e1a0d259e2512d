"""A config as the CLI's options give it: the file, its ``--set`` overrides and ``--seed`` / ``--trials``."""

from __future__ import annotations

import dataclasses
import tomllib

import click

from .argcheck import cut_short, has_control_character
from .cli_guard import fail
from .config.rules import Float, Int, Text
from .config.toml_file import LONG_INTEGER
from .errors import ConfigError

__all__ = ["load_all", "load_with_options", "parse_value", "settings_overrides", "Integers"]


class Integers(click.IntRange):
    """an integer option within bounds; a value that is no integer ('1e3', '1.5') is said to be one: click's own
    range type had called it "not a valid integer range", as if a range had been asked for"""

    name = "integer"


def parse_value(text: str):
    """A --set value as TOML would read it (numbers, booleans, quoted strings); bare words stay strings; nothing
    (``--set FIELD=``) is None, the field left out (as the Python API's None)."""
    if not text:
        return None
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except ValueError:  # an integer past Python's limit on reading them (tomllib's bare ValueError)
        raise click.UsageError(f"--set value {cut_short(text, 40)}: {LONG_INTEGER}") from None


def settings_overrides(settings: tuple[str, ...]) -> dict:
    """``--set FIELD=VALUE`` items as overrides; a UsageError for an item without '=' or holding a control
    character (a newline had cut the value short, TOML reading the rest as another key), or for a field set twice
    to different values (the last had won silently)."""
    overrides, given = {}, {}
    for item in settings:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise click.UsageError(f"--set expects FIELD=VALUE (e.g. adc.bits=6); got {item!r}")
        if has_control_character(item.strip()):
            raise click.UsageError(f"--set {item!r} holds a control character (a newline, a tab ...); give one "
                                   "FIELD=VALUE per --set, on one line")
        field, text = field.strip(), value.strip()
        if text and not text.startswith(('"', "'")) and isinstance(_rule(field), Text):
            value = text  # a text field takes the words as given: name=6, name=2024-01-01, 5000 digits
        elif isinstance(value := parse_value(text), str) and not text.startswith(('"', "'")):  # quoted stays text
            value = _number(value, _rule(field))  # .5, 5., 06: numbers TOML does not write so
        if value is None and (rule := _required_rule(field)) is not None:
            raise click.UsageError(f"--set {field}= leaves '{field}' out, which only an optional field can be; "
                                   f"'{field}' must be {rule.expected}")
        if field in overrides and _key(overrides[field], field) != _key(value, field):
            raise click.UsageError(f"--set {field}={given[field]} and --set {field}={text} disagree; give one")
        overrides[field], given[field] = value, text
    return overrides


def _key(value, field: str) -> str:
    """what two values of one ``--set`` field agree by: their repr (1 and true, 8 and 8.0 differ), a float field's
    numbers as floats (1 and 1.0 agree; a bool stays a bool, refused by the field)"""
    as_float = isinstance(_rule(field), Float) and isinstance(value, (int, float)) and not isinstance(value, bool)
    return repr(float(value) if as_float else value)


def _number(text: str, rule) -> str | int | float:
    """``text`` as the number a numeric field's rule takes where Python reads it as one (TOML refuses .5, 5. and
    06, which had reached the field as words: "got '.5'"); else the text, for the field's rule to refuse"""
    try:
        return int(text) if isinstance(rule, Int) else float(text) if isinstance(rule, Float) else text
    except ValueError:
        return text


def _rule(field: str):
    """The rule of ``field`` (dotted, or name / description); None for an unknown field (the loader names it)."""
    from .config.schema import SECTIONS

    section = field.partition(".")[0]
    rules = ({f"{section}.{f.name}": f.metadata["rule"] for f in dataclasses.fields(SECTIONS[section])}
             if section in SECTIONS else {"name": Text(one_line=True), "description": Text(), "preset": Text()})
    return rules.get(field)


def _required_rule(field: str):
    """The rule of ``field`` when it refuses None: a field that cannot be left out; else None (an optional field,
    or an unknown one)."""
    rule = _rule(field)
    return rule if rule is not None and not rule.accepts(None) else None


def load_with_options(path: str, seed: int | None, settings: tuple[str, ...], trials: int | None,
                      data: dict | None = None):
    """The config at ``path`` with the ``--set`` overrides, ``--seed`` and ``--trials``, validated once with the
    file's tables (a file they complete is accepted); a UsageError where an option and a ``--set`` of its field
    disagree (the option had won silently) or a ``--set`` is malformed, said before the file is read (the file's own
    problems had come first, those of a file the options complete too); ``data``: its tables, where already read."""
    from .config import load_config

    overrides = settings_overrides(settings)
    for option, field, value in (("--seed", "simulation.seed", seed), ("--trials", "simulation.trials", trials)):
        if value is None:
            continue
        if (given := _given(overrides, field)) is None:
            overrides[field] = value
        elif type(given[1]) is int and given[1] != value:  # (1.0, true: refused by the loader as given)
            raise click.UsageError(f"{option} {value} and --set {given[0]} disagree; give one")
    config = load_config(path, overrides or None, data=data)
    _warn_idle_file_fields(path, config, overrides)
    return config


def _given(overrides: dict, field: str) -> tuple[str, object] | None:
    """(the --set, as cimsim reads it, and its value) that gives ``field`` ('simulation.seed'), dotted or in its
    section's table (--set 'simulation={seed=3}': beside --seed 3 it had been refused as given twice), or None"""
    section, name = field.split(".")
    if field in overrides:
        return f"{field}={overrides[field]!r}", overrides[field]
    table = overrides.get(section)
    if isinstance(table, dict) and name in table:
        return f"{section}={{{name} = {table[name]!r}}}", table[name]
    return None


def _warn_idle_file_fields(path: str, config, overrides: dict) -> None:
    """A warning on stderr for each field the file states that the ``--set`` overrides leave idle (a file's
    'array.cell_capacitance_ff' under --set array.family=resistive): accepted, as a sweep's axes may cross a base's
    fields, but no longer silently (the file alone refuses such a field)."""
    from .config.conditional import unused_stated_fields

    if not overrides or config.stated is None:
        return
    in_file = {f"{section}.{key}" for section, key in config.stated.fields} - overrides.keys()
    for _, message in unused_stated_fields(config, in_file):
        click.echo(f"warning: {path}: with the --set overrides, {message}", err=True)


def load_all(paths, seed, settings, trials) -> list:
    """Each config of ``paths`` with the options; the problems of every config that has some (one line each, naming
    its file) and exit 2, where those of the first alone had been said."""
    cfgs, errors = [], []
    for path in paths:
        try:
            cfgs.append(load_with_options(path, seed, settings, trials))
        except ConfigError as exc:
            errors.append(exc)
    if len(errors) > 1:
        fail(RuntimeError("\n".join(map(str, errors))), 2)
    if errors:
        raise errors[0]
    return cfgs
