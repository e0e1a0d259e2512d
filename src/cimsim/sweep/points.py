"""The points of a sweep: every combination of the axes (grid) or a seeded sample, each with a stable id.

A point's id is the first 16 hex digits of the sha256 of its full config as canonical JSON
(``config_to_dict``, sorted keys, no spaces; less the simulation's :data:`RUN_SETTINGS`, which change no number),
with the sha256 of each data file the config names (``workload.*_file``) when it names any, and
``"kind": "analytic"`` for an analytic point (a functional point's id is its config's, as before the kind was
folded in): the same design on the same data, priced the same way, gets the same id in every run, which is what
lets an interrupted sweep resume; a data file changed since, or another
kind, makes its points new ones. Each point
states its axis values and the spec's ``[set]`` fields, as ``--set`` does; a combination that breaks a rule between
them gets no config: its id hashes the base config and the fields the point sets on it (not the other points'
values), and it is recorded as failed with the message. A point whose axis sets a table's preset (``device.preset``)
gets that preset first and then the spec's ``[set]`` fields of the table.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..argcheck import check_instance, checked_types, cut_short
from ..config import Config, config_to_dict, with_overrides
from ..config.load import is_template
from ..config.rules import Float
from ..errors import ConfigError
from .axis_values import OVERRIDE
from .data_files import file_digests
from .metrics import error_text, unread_fields
from .sampling import combinations
from .spec import FIELD_RULES, SweepSpec

__all__ = ["Point", "expand", "point_id", "identity", "RUN_SETTINGS"]



@dataclass(frozen=True)
class Point:
    """One design of a sweep."""

    id: str
    values: tuple[Any, ...]
    """one value per axis, in the spec's order"""
    config: Config | None
    """the validated config (None when the combination is invalid)"""
    error: str | None = None
    """why the combination is invalid"""
    file_sha256: Mapping[str, str] = field(default_factory=dict)
    """the sha256 of each data file its id hashed (dotted field -> hex), which its worker checks again"""


def point_id(data: Mapping[str, Any]) -> str:
    """sha256 of canonical JSON (sorted keys, compact), first 16 hex digits. A numpy scalar counts as the number it
    holds; a NaN, an infinity or a value JSON cannot hold is a ValueError naming its field."""
    check_instance("data", data, Mapping, "a mapping (field -> value)")
    try:
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False, default=_plain)
    except (TypeError, ValueError) as exc:
        found = _unfit(data, "")
        if found is None:  # keys of mixed types, which cannot be sorted
            raise ValueError(f"data cannot be written as canonical JSON: {exc}") from None
        raise ValueError(f"{found[0]} must be a finite number, a str, a bool, None, a list or a mapping; got "
                         f"{cut_short(repr(found[1]))}") from None
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """a numpy scalar as the Python value it holds (json's hook for what it cannot write itself)"""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _unfit(value: Any, field: str) -> tuple[str, Any] | None:
    """(field, value) of the first value under ``value`` that canonical JSON cannot hold (NaN, infinity, an
    object), or None"""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, Mapping):
        items = ((f"{field}.{k}" if field else str(k), v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{field}[{i}]", v) for i, v in enumerate(value))
    elif value is None or isinstance(value, (str, int)) or (isinstance(value, float) and math.isfinite(value)):
        return None
    else:
        return field or "data", value
    return next((found for name, v in items if (found := _unfit(v, name)) is not None), None)


RUN_SETTINGS = ("batch_size", "memory_limit_gib", "int8_products")
"""the ``simulation`` fields that say how a point is run, not what it computes (its numbers are the same whatever they
are: vectors read at once, the memory it may take, the product kernel), left out of its id unless they are the
sweep's axes (a sweep of run times, or of what fits): set in ``[set]`` after a point failed over the memory limit,
they had made every finished row stale"""


def unhashed_fields(kind: str) -> tuple[str, ...]:
    """the dotted ``simulation`` fields a point's id leaves out: the :data:`RUN_SETTINGS`, and for an analytic point
    the settings an estimate never reads (:func:`.metrics.unread_fields`: its trials, ...; set in ``[set]``, they
    had made every finished row stale, the numbers unchanged)"""
    return tuple(dict.fromkeys([*(f"simulation.{name}" for name in RUN_SETTINGS), *unread_fields(kind)]))


def identity(config: Config, kind: str = "functional") -> dict[str, Any]:
    """What a point's id hashes: the config's tables (``config_to_dict``) less its name (a label: a renamed copy of
    the base had made every finished row stale) and the :func:`unhashed_fields`; where it names data files, the
    sha256 of each file's contents (``"file_sha256"``: dotted field -> hex digest); ``"kind": "analytic"`` where the
    sweep's ``kind`` is analytic, whose numbers are not a simulation's."""
    data = config_to_dict(config)
    data.pop("name", None)
    unhashed = {field.partition(".")[2] for field in unhashed_fields(kind)}
    data["simulation"] = {k: v for k, v in data["simulation"].items() if k not in unhashed}
    files = file_digests(data["workload"])
    data = {**data, "file_sha256": files} if files else data
    return {**data, "kind": kind} if kind != "functional" else data


@checked_types
def expand(spec: SweepSpec) -> list[Point]:
    """The sweep's points in run order; two combinations giving the same config count once."""
    points: dict[str, Point] = {}
    for values in combinations(spec.axes, spec.mode, spec.samples, spec.seed):
        point = _point(spec, values)
        points.setdefault(point.id, point)
    return list(points.values())


def _stored(field: str, value: Any) -> Any:
    """an axis value as the config stores it, by its field's rule: an int in a float field as a float (0 and 0.0 are
    one point: its cell is written '0.0' whichever the spec lists, where '0' had made a resumed 0.0 run again)"""
    rule = FIELD_RULES.get(field)
    return rule.convert(value) if isinstance(rule, Float) and rule.accepts(value) else value


def _point(spec: SweepSpec, values: tuple[Any, ...]) -> Point:
    """A point's config: the base with the ``[set]`` fields and its axis values, every one of them stated (a field
    one of them states that the point's config would ignore makes it invalid, as with ``--set``); of a template base,
    the template with them, validated whole whether a value comes from ``[set]`` or an axis."""
    values = tuple(_stored(axis.field, value) for axis, value in zip(spec.axes, values))
    axes = {axis.field: value for axis, value in zip(spec.axes, values)}
    start = spec.origin if spec.origin is not None and is_template(spec.origin) else spec.base  # a template: whole
    try:
        config = with_overrides(start, {**dict(spec.fixed), **axes}, base_dir=spec.base_dir)
    except ConfigError as exc:  # a value is the point's axis value or the spec's [set] field, not a --set override
        errors = [(f, m.removesuffix(OVERRIDE) + (" (this point's axis value)" if f in axes else " (the spec's [set])")
                   if m.endswith(OVERRIDE) else m) for f, m in exc.errors]
        return Point(point_id(_invalid_identity(spec, axes)), values, None, error_text(ConfigError(exc.source, errors)))
    run = {name: value for name, value in axes.items() if name in unhashed_fields(spec.kind)}  # its own
    data = identity(config, spec.kind)
    return Point(point_id({**data, **({"run_axes": run} if run else {})}), values, config,
                 file_sha256=data.get("file_sha256", {}))


def _invalid_identity(spec: SweepSpec, axes: dict[str, Any]) -> dict[str, Any]:
    """What an invalid point's id hashes, the same whatever the order of the axes and their values: the base config
    and the fields the point sets on it, its axis values and the ``[set]`` fields ``spec.base`` does not hold (all
    of them over ``spec.origin`` where ``[set]`` needs axis values; else those of a table its preset replaces)."""
    if spec.origin is not None:  # (a run setting of [set] no part of it, as of a valid point's)
        return {"base": identity(spec.origin), "overrides": {**{f: v for f, v in spec.fixed
                                                                if f not in unhashed_fields(spec.kind)}, **axes}}
    reset = {field.partition(".")[0] for field in axes if field.endswith(".preset")}  # tables a preset replaces
    return {"base": identity(spec.base), "overrides": {**{f: v for f, v in spec.fixed if f.partition(".")[0] in reset},
                                                       **axes}}
