"""Sweep specs: a TOML file naming a base config, the config fields to vary, how to sample them, what to record.

Every problem of a spec is reported at once, as one :class:`~cimsim.errors.ConfigError` naming the spec file
and each key (``axes.'adc.bits'``, ``samples``). Axis values are checked against their field's rule here;
rules between fields (e.g. ``device.bits_per_cell`` against ``mapping.weight_bits``) are checked per point,
so one invalid combination fails alone."""

from __future__ import annotations

import decimal
import functools
import math
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..argcheck import check_instance, escaped, is_int
from ..config import SECTIONS, Config, list_presets, load_config, load_preset, with_overrides
from ..config.file_checks import path_problems
from ..config.load import completed, is_template, python_scalar
from ..config.rules import Float
from ..config.keys import as_written, did_you_mean
from ..config.toml_file import read_toml, relative_dir
from ..errors import ConfigError
from .axis_values import (FIELD_RULES, OVERRIDE, choice_names, field_error, has_control, missing_network,
                          point_value, range_end_errors, valid_nowhere)
from .metrics import available_metrics, default_metrics, warn_unread_axes
from .sampling import Axis, combinations, steps

__all__ = ["Axis", "SweepSpec", "load_spec", "spec_from_dict", "KINDS", "MODES", "MAX_POINTS", "FIELD_RULES"]

KINDS = ("analytic", "functional")
"""analytic: cost from shapes alone (fast); functional: simulate, accuracy too"""
MODES = ("grid", "random")
"""grid: the cartesian product of the axes; random: a seeded sample"""

MAX_POINTS = 1_000_000
"""most points one sweep may hold (a range's values, a grid's combinations, random samples): each point is a
validated config (about 1.7 KB and 0.5 ms each, measured: 1.7 GB and 9 minutes before the first point runs at
this limit); a larger design space is sampled (mode = "random")"""

_KEYS = ("base", "preset", "description", "kind", "mode", "samples", "seed", "objectives", "axes", "set")
_RANGE_KEYS = ("start", "stop", "step")
_NOT_AXES = {"workload.kind": "the recorded metrics depend on it; sweep each kind with its own spec"}


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: every point is ``base`` with one value of each axis."""

    source: str
    """the spec file (for messages)"""
    base: Config
    """the base config with the spec's ``[set]`` overrides applied (and a point's axis values where they need them); a
    template (``load_config(path, template=True)``) where the axes complete its file"""
    kind: str
    mode: str
    axes: tuple[Axis, ...]
    objectives: tuple[str, ...]
    """metrics recorded per point, in column order"""
    samples: int | None = None
    """random mode: draws (two giving one point run once: fewer points, said by the CLI)"""
    seed: int = 0
    """random mode: seed of the draw"""
    base_dir: str = "."
    """directory of the spec (relative file paths in axes resolve against it)"""
    fixed: tuple[tuple[str, Any], ...] = ()
    """the ``[set]`` overrides (dotted field, value), stated at every point with its axis values: a point whose axis
    sets a table's preset applies that preset first and then these fields of the table, as ``--set`` does"""
    origin: Config | None = None
    """the base config without ``[set]`` where ``[set]`` is valid only with some points' axis values (``base`` is
    then the first valid point's config; an invalid point's id hashes ``origin``) or the base is a template (each
    point is then ``origin`` with ``[set]`` and its axis values, validated whole); None where ``base`` holds it"""


def load_spec(path: str | os.PathLike) -> SweepSpec:
    """Read and validate a sweep spec (TOML); raises :class:`ConfigError` naming the file and each bad key. Relative
    paths resolve against its folder (the working directory for a pipe: ``<(cat spec.toml)``, /dev/stdin)."""
    return spec_from_dict(read_toml(path, "sweep spec"), str(path), relative_dir(path))


def spec_from_dict(data: Mapping[str, Any], source: str = "<dict>", base_dir: str | os.PathLike = ".") -> SweepSpec:
    """Validate a parsed spec; ``base`` and file-valued axes resolve against ``base_dir``."""
    check_instance("a sweep spec", data, Mapping, "a dict of its keys (as a TOML file parses)")
    source = os.fsdecode(check_instance("source", source, (str, os.PathLike), "a str or path (its messages' name)"))
    check_instance("base_dir", base_dir, (str, os.PathLike), "a folder path (str or os.PathLike)")
    sections = [f"[{k}]" for k in data if k in SECTIONS]
    if sections and "axes" not in data:  # one clear error for a config given where a spec is asked for
        raise ConfigError(source, [("", f"a config ({', '.join(sections)}), not a sweep spec: a spec names it as its "
                                        "base (base = \"config.toml\") and lists [axes] to vary; a config runs with "
                                        "'cimsim run', 'estimate' or 'compare'")])
    errors: list[tuple[str, str]] = []
    errors.extend((key, f"unknown key '{escaped(key)}'; valid keys: {', '.join(_KEYS)}") for key in data
                  if key not in _KEYS)
    if not isinstance(data.get("description", ""), str):
        errors.append(("description", f"'description' must be a string (free text); got {data['description']!r}"))
    base = _base(data, Path(base_dir), errors)
    kind = _choice(data, "kind", KINDS, "analytic", errors)
    mode = _choice(data, "mode", MODES, "grid", errors)
    before_axes = len(errors)
    axes = _axes(data.get("axes"), mode, errors, Path(base_dir))
    samples, seed = _sampling(data, mode, axes, errors)
    points = (functools.partial(_points, axes, mode, samples, seed)
              if mode is not None and len(errors) == before_axes else None)  # None: bad axes or sampling
    fixed = _flatten(data["set"], "set", errors) if isinstance(data.get("set"), Mapping) else {}
    base, origin = (_with_set(base, data["set"], fixed, axes, points, Path(base_dir), errors)
                    if base is not None and "set" in data else (base, None))
    objectives: tuple[str, ...] = ()
    if base is not None and kind is not None:
        objectives = _objectives(data.get("objectives"), available_metrics(kind, base.workload.kind),
                                 default_metrics(kind, base.workload.kind), errors)
        if why := missing_network(base, axes, errors):  # (every point had failed)
            errors.append(("set" if "set" in data else "base", why))
    if not errors and origin is None and not is_template(base):  # (else a point was valid, or left to completed)
        errors.extend(valid_nowhere(base, fixed, points(), Path(base_dir)))
    if errors:
        raise ConfigError(source, errors)
    warn_unread_axes(kind, list(fixed), [axis.field for axis in axes])
    if is_template(loaded := base if origin is None else origin):  # its file's problems unless a point completes it
        completed(loaded, ({**fixed, **values} for values in points()), Path(base_dir))
    return SweepSpec(source, base, kind, mode, axes, objectives, samples, seed, str(base_dir), tuple(fixed.items()),
                     origin)


def _points(axes: tuple[Axis, ...], mode: str, samples: int | None, seed: int) -> Iterator[dict[str, Any]]:
    """Each point's axis values (field -> value), in the order the sweep runs them."""
    return ({a.field: v for a, v in zip(axes, values)} for values in combinations(axes, mode, samples, seed))


def _base(data: Mapping[str, Any], base_dir: Path, errors: list[tuple[str, str]]) -> Config | None:
    """The base config: a file (``base``, relative to the spec; a template where only overrides complete it) or a
    shipped preset (``preset``)."""
    if ("base" in data) == ("preset" in data):
        errors.append(("base", "give exactly one of 'base' (a config file, relative to the spec) and 'preset'"))
        return None
    key, value = ("base", data["base"]) if "base" in data else ("preset", data["preset"])
    value = os.fspath(value) if key == "base" and isinstance(value, os.PathLike) else value  # a script's Path
    if not isinstance(value, str) or not value.strip():
        errors.append((key, f"'{key}' must be a non-empty string; got {value!r}"))
        return None
    if key == "preset":
        try:
            return load_preset(value)
        except ConfigError as exc:
            errors.extend(("preset", message) for _, message in exc.errors)
            return None
    if problems := path_problems(str(path := base_dir / value), "base", ""):  # a folder, a pipe, a loop, too long
        hint = f' (a shipped design is `preset = "{value}"`)' if value in list_presets() else ""
        errors.extend((field, message + hint) for field, message in problems)
        return None
    return load_config(path, template=True)  # a bad base config is reported against its own file and fields


def _choice(data: Mapping[str, Any], key: str, options: tuple[str, ...], default: str,
            errors: list[tuple[str, str]]) -> str | None:
    value = data.get(key, default)
    if value not in options:
        errors.append((key, f"'{key}' must be one of {', '.join(options)}; got {as_written(value)}"
                            + did_you_mean(options, value)))  # "Functional": the lower-case hint a config's gets
    return value if value in options else None


_VERB = {"axes": "vary", "set": "set"}


def _flatten(table: Mapping[str, Any], where: str, errors: list[tuple[str, str]]) -> dict[str, Any]:
    """``{"adc": {"bits": [...]}}`` (unquoted dotted keys in TOML) as ``{"adc.bits": [...]}``; a field given both
    ways (``[axes.adc] bits`` and ``[axes] "adc.bits"``) is an error, named ``<where>.'<field>'``, as is an empty
    ``[<where>.adc]`` (its fields left out, or meant for another table)."""
    flat: dict[str, Any] = {}
    errors.extend((f"{where}.{k}", f"[{where}.{k}] is empty: give it the fields to {_VERB[where]}, or leave it out")
                  for k, v in table.items() if k in SECTIONS and v == {})
    for key, value in table.items():
        items = ({f"{key}.{name}": v for name, v in value.items()} if key in SECTIONS and isinstance(value, Mapping)
                 else {key: value})
        for field, v in items.items():
            if field in flat:
                shown = escaped(field)
                errors.append((f"{where}.'{shown}'", f"[{where}] gives '{shown}' twice (as \"{shown}\" and in "
                                                     f"[{where}.{shown.partition('.')[0]}]); give it once"))
            flat[field] = v
    return flat


def _axes(table: Any, mode: str | None, errors: list[tuple[str, str]], base_dir: Path) -> tuple[Axis, ...]:
    fields = _flatten(table, "axes", errors) if isinstance(table, Mapping) else {}
    if not fields:  # also [axes.adc] alone, an empty sub-table
        errors.append(("axes", "[axes] must be a table of at least one dotted config field, e.g. "
                               "\"adc.bits\" = [4, 6, 8]"))
        return ()
    axes = []
    for field, value in fields.items():
        key = f"axes.'{escaped(field)}'"  # a valid field as it is; an unknown one with a newline, a NUL escaped
        if field not in FIELD_RULES:  # the nearest field, worded as a config file's unknown key (and [set]'s)
            near = did_you_mean(FIELD_RULES, field).replace('"', "'").replace("values are", "keys are")
            errors.append((key, f"{key}: no config field '{escaped(field)}'" + (
                near or " (fields are 'table.field', e.g. 'adc.bits')")))
        elif field in _NOT_AXES:
            errors.append((key, f"{key}: '{field}' cannot be an axis: {_NOT_AXES[field]}"))
        elif isinstance(value, (list, tuple, range)) or getattr(value, "ndim", None) == 1:  # a dict: any sequence
            axes.append(_list_axis(field, key, [python_scalar(v) for v in value], errors, base_dir))
        elif isinstance(value, Mapping):
            axes.append(_range_axis(field, key, {k: python_scalar(v) for k, v in value.items()}, mode, errors))
        else:
            errors.append((key, f"{key} must be a list of values or a range {{start, stop, step}}; got {value!r}"))
    return tuple(a for a in axes if a is not None)


def _list_axis(field: str, key: str, values: list, errors: list[tuple[str, str]], base_dir: Path) -> Axis | None:
    if not values:
        errors.append((key, f"{key} must list at least one value"))
        return None
    bad = [(v, why) for v in values if (why := field_error(field, v)) is not None]
    if bad:
        errors.extend((key, f"{key}: '{field}' {why}; got {v!r}{did_you_mean(choice_names(field), v)}")
                      for v, why in bad)
        return None
    if len({point_value(field, v, base_dir) for v in values}) < len(values):  # 22 and 22.0, 0.0 and -0.0: one point
        errors.append((key, f"{key} lists a value twice: {values!r}"))
        return None
    return Axis(field, tuple(values))


def _range_axis(field: str, key: str, table: Mapping[str, Any], mode: str | None,
                errors: list[tuple[str, str]]) -> Axis | None:
    numbers = {k: v for k, v in table.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
    problems = [f"unknown key '{escaped(k)}' (a range has start, stop, step)" for k in table if k not in _RANGE_KEYS]
    problems += [f"'{k}' must be a finite number" for k in _RANGE_KEYS if k in table and k not in numbers]
    problems += [f"'{k}' is required" for k in ("start", "stop") if k not in table]
    if "step" not in table and mode != "random":
        problems.append("'step' is required (only mode = \"random\" draws from a continuous range)")
    if not problems:
        start, stop, step = numbers["start"], numbers["stop"], numbers.get("step")
        if stop < start:
            problems.append(f"'stop' ({stop}) must not be below 'start' ({start})")
        if step is not None and step <= 0:
            problems.append(f"'step' must be > 0; got {step}")
    if problems:
        errors.extend((key, f"{key}: {p}") for p in problems)
        return None
    integer = all(isinstance(v, int) for v in numbers.values()) and not isinstance(FIELD_RULES[field], Float)
    if step is None:
        axis = Axis(field, low=start, high=stop, integer=integer)
        ends = (int(start), int(stop)) if integer else (float(start), float(stop))
    else:
        count, value = steps(start, stop, step, integer)
        if count > MAX_POINTS:
            size = count if count < 10 ** 15 else f"about {decimal.Decimal(count):.3g}"  # 10**320: 321 digits
            errors.append((key, f"{key}: the range has {size} values, above the {MAX_POINTS} points a sweep may "
                                "hold; take a larger step, or sample it with mode = \"random\" and no step"))
            return None
        axis, ends = None, (value(0), value(count - 1))  # the ends checked before the values are made
    floats = [f"'{k}' ({v!r})" for k, v in numbers.items() if isinstance(v, float)]
    if problems := range_end_errors(field, ends, floats, all(float(v).is_integer() for v in (
            ends if step is not None and count <= 2 else numbers.values()))):  # (2 values at most: the ends alone)
        errors.extend((key, f"{key}: '{field}' {p}") for p in problems)
        return None
    values = () if axis else tuple(value(k) for k in range(count))
    if len(set(values)) < len(values):
        errors.append((key, f"{key}: the step is below the 15 significant digits of its values: they repeat"))
        return None
    return axis or Axis(field, values)


def _sampling(data: Mapping[str, Any], mode: str | None, axes: tuple[Axis, ...],
              errors: list[tuple[str, str]]) -> tuple[int | None, int]:
    if mode != "random":
        errors.extend((key, f"'{key}' applies to mode = \"random\" only") for key in ("samples", "seed") if key in data)
        size = math.prod(len(a.values) for a in axes)
        if mode == "grid" and size > MAX_POINTS:
            errors.append(("axes", f"the grid has {size} points ({' x '.join(str(len(a.values)) for a in axes)}), "
                                   f"above the {MAX_POINTS} a sweep may hold; sample it with mode = \"random\""))
        return None, 0
    samples, seed = data.get("samples"), data.get("seed", 0)
    if not (is_int(samples) and samples >= 1):
        errors.append(("samples", "'samples' must be an integer >= 1 with mode = \"random\"; "
                                  + ("it is missing" if samples is None else f"got {samples!r}")))
        samples = None
    if not (is_int(seed) and seed >= 0):
        errors.append(("seed", f"'seed' must be an integer >= 0; got {seed!r}"))
    if samples is not None and samples > MAX_POINTS:
        errors.append(("samples", f"'samples' ({samples}) is above the {MAX_POINTS} points a sweep may hold"))
    elif samples is not None and axes and not errors and not any(a.continuous for a in axes) and samples > (
            size := math.prod(len(a.values) for a in axes)):  # (a refused axis is not counted: no grid to compare)
        errors.append(("samples", f"'samples' ({samples}) exceeds the {size} points of the grid; "
                                  "use mode = \"grid\" to run them all"))
    return samples, seed


def _with_set(base: Config, table: Any, overrides: dict[str, Any], axes: tuple[Axis, ...],
              points: Callable[[], Iterator[dict[str, Any]]] | None, base_dir: Path,
              errors: list[tuple[str, str]]) -> tuple[Config | None, Config | None]:
    """(the base with the fixed overrides of ``[set]``, the base without them where they need axis values or the base
    is a template), or (None, None) with each error named ``set.<field>`` (``set`` for an axis field's). A field's own
    rule is checked alone, a rule between fields against the ``points`` (field -> axis value; None when the axes or
    sampling are invalid): refused only where valid at none (``dac.mode = "sliced"`` needs ``dac.bits_per_read``,
    which an axis may give), naming the first; a template's left to :func:`completed`."""
    if not isinstance(table, Mapping):
        errors.append(("set", f"[set] must be a table of dotted config fields; got {table!r}"))
        return None, None
    clash = [f for f in overrides if f in {a.field for a in axes}]
    errors.extend((f"set.'{f}'", f"[set] '{f}' is both an axis and in [set]") for f in clash)
    errors.extend((f"set.'{f}'", f"[set] '{escaped(f)}' must hold no control character (a newline, a tab); got "
                                 f"{v!r}") for f, v in overrides.items() if has_control(v))
    template = base if is_template(base) else None  # each point: the template with [set] and its axis values
    try:
        return with_overrides(base, overrides, base_dir=base_dir), template
    except ConfigError as exc:
        alone = exc.errors
    own = all(f in ("name", "description") or (f in FIELD_RULES and field_error(f, v) is None)
              for f, v in overrides.items())  # each field's own rule holds (one broken is broken at every point)
    errors.extend((f"set.'{field}'", f"[set] {message.removesuffix(OVERRIDE)}") for field, message in alone if not own)
    first = None
    for values in points() if own and points is not None else ():  # unknown points (bad axes): not checked
        try:
            return with_overrides(base, {**overrides, **values}, base_dir=base_dir), base
        except ConfigError as exc:
            first = first or (values, exc.errors)
    if template is not None:  # the problems no point fixes: said by spec_from_dict once the spec holds no other
        return (base, base) if own else (None, None)
    if first is not None:  # each message named by its [set] field, or by "set" where an axis field breaks a rule
        at, given = (", ".join(f"{f} = {v!r}" for f, v in fields.items()) for fields in (first[0], overrides))
        errors.extend((f"set.'{field}'" if field in overrides else "set", f"[set] {given} is valid at no point of the "
                       f"sweep (its first: {at}): {message.removesuffix(OVERRIDE)}") for field, message in first[1])
    return None, None


_SWEEPS = tuple((kind, load) for kind in ("analytic", "functional") for load in ("dense", "network"))  # every sweep's


def _objectives(value: Any, available: tuple[str, ...], default: tuple[str, ...],
                errors: list[tuple[str, str]]) -> tuple[str, ...]:
    """The recorded metrics (``default`` when not given; any of ``available``), in the order given."""
    if value is None:
        return default
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        errors.append(("objectives", f"'objectives' must be a non-empty list of metric names; got {value!r}"))
        return ()
    if unknown := [v for v in value if v not in available]:
        homes = {v: [f"a kind = \"{k}\" sweep of a {w.replace('dense', 'dense layer')}" for k, w in _SWEEPS
                     if v in available_metrics(k, w)] for v in unknown}  # the sweeps that record each
        where = "".join(f" ({escaped(v)}: recorded by {' or '.join(h)})" for v, h in homes.items() if h)
        errors.append(("objectives", f"'objectives': no metric of this sweep: {', '.join(map(escaped, unknown))}"
                                     f"{where}; this sweep can record: {', '.join(available)}"))
    if len(set(value)) < len(value):
        errors.append(("objectives", f"'objectives' names a metric twice: {value!r}"))
    return tuple(value)
