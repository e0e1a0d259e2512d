"""The API's arguments checked and made one config: a path, Config or dict of tables with its settings, the run
arguments (trials, seed) as settings, and data given in memory (a dense layer's weights and inputs as float64 matrices
that set its shape, a network and its samples), each refused with a message naming it where it cannot be used."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from .argcheck import shown
from .config import config_from_dict, load_config, with_overrides
from .config.load import field_errors, python_scalar
from .config.modes import WorkloadKind
from .config.presets_merge import dotted_settings
from .config.schema import Config, SimulationConfig, WorkloadConfig
from .errors import ConfigError
from .inference import config_network
from .network import Network
from .npfiles import read_npy
from .numerics.checks import as_array, finite_matrix, real_numbers, validated_config

__all__ = ["as_config", "prepared"]


def as_config(config: Config | str | os.PathLike | Mapping, settings: Mapping[str, Any] | None = None) -> Config:
    """A Config from a Config, a TOML path or a dict of tables, with ``settings`` ("table.field" -> value).

    A Config given in memory (built directly or with dataclasses.replace, which validate nothing) passes the
    loader's rules for each field and between fields (with ``settings``: once they are applied), or raises its
    :class:`ConfigError` naming each field; its fields are then stored as the loader stores them (numpy numbers)."""
    if isinstance(settings, Mapping) and not settings:  # no settings: checked as without them (an idle field too)
        settings = None
    if isinstance(config, Config):
        if settings is not None:
            return _with_settings(config, settings)
        cfg = validated_config(config)
    elif isinstance(config, (str, os.PathLike)):
        return load_config(config, settings)  # validated with the file's tables: a file they complete loads
    elif isinstance(config, Mapping):
        cfg = config_from_dict(config)
    else:
        raise TypeError(f"config must be a path, a cimsim Config or a dict of tables; got {type(config).__name__}")
    return cfg if settings is None else with_overrides(cfg, settings)  # a wrong type is refused there, named


def _with_settings(config: Config, settings: Mapping[str, Any]) -> Config:
    """``config`` with ``settings`` applied; a refusal of a field changed in memory (which its file never held)
    names the Config as given in memory, as :func:`validated_config` does (it had named the file alone)"""
    try:
        return with_overrides(config, settings)
    except ConfigError as err:
        if field_errors(config):
            raise ConfigError(f"{config.source} (a Config given in memory)", err.errors) from None
        raise


def prepared(config, settings, trials, seed, weights, inputs, network, labels) -> tuple[Config, dict]:
    run = _run_settings(trials=trials, seed=seed)  # before the config: these arguments' errors name them
    cfg = as_config(config, settings)
    settings = None if settings is None else dotted_settings(settings, cfg.source)  # {"adc": {...}} too
    _agree(settings, run, "the argument {name}=")
    cfg = with_overrides(cfg, run) if run else cfg
    _unread_sources(settings, cfg.workload.kind, {"weights": weights, "inputs": inputs, "network": network})
    _of_its_kind(cfg, weights, inputs, network, labels)
    if cfg.workload.kind == WorkloadKind.NETWORK:
        if inputs is not None:  # the samples given decide how many are run and reported; their shape is checked
            # first: one sample without its batch axis had been counted as that many samples, blaming a setting
            inputs = _network_inputs(cfg, network, inputs)  # before workload.vectors is set from them
            _agree(settings, {"workload.vectors": len(inputs)}, "the data given have ")
            cfg = _shaped(cfg, {"workload.vectors": len(inputs)}, f"inputs ({len(inputs)} samples)")
        return cfg, {k: v for k, v in (("network", network), ("inputs", inputs), ("labels", labels)) if v is not None}
    shape = {}
    if weights is not None:
        weights = w = _matrix("weights", weights, "out_features x in_features")
        shape.update({"workload.out_features": w.shape[0], "workload.in_features": w.shape[1]})
    if inputs is not None:
        inputs = x = _matrix("inputs", inputs, "vectors x in_features")
        if "workload.in_features" in shape and shape["workload.in_features"] != x.shape[1]:
            raise ValueError(f"weights ({w.shape[0]} x {w.shape[1]}) and inputs ({x.shape[0]} x {x.shape[1]}) disagree "
                             "on in_features: weights are out_features x in_features, inputs vectors x in_features")
        shape.update({"workload.vectors": x.shape[0], "workload.in_features": x.shape[1]})
    if (weights is None) != (inputs is None):  # one given in memory: the other may come from a file
        _file_agrees(cfg, "weights" if weights is None else "inputs", x if weights is None else w)
    _agree(settings, shape, "the data given have ")
    given = " and ".join(f"{k} ({' x '.join(map(str, v.shape))})" for k, v in (("weights", weights), ("inputs", inputs))
                         if v is not None)
    return _shaped(cfg, shape, given), {k: v for k, v in (("weights", weights), ("inputs", inputs)) if v is not None}


def _of_its_kind(cfg: Config, weights, inputs, network, labels) -> None:
    """A ValueError where data of the other workload kind is given (weights to a network; a network or labels to a
    dense layer: they had been ignored) or dense data beside a zero fraction of generated data, a TypeError where
    ``network`` is no cimsim Network"""
    if cfg.workload.kind == WorkloadKind.NETWORK:
        if weights is not None:
            raise ValueError("weights are for a dense workload; a network carries its own (network=...)")
        if network is not None and not isinstance(network, Network):
            raise TypeError(f"network must be a cimsim Network (load_network(path), from_torch(model, x)); got "
                            f"{type(network).__name__} (a file is settings={{'workload.network_file': path}})")
        return
    if network is not None or labels is not None:
        raise ValueError(f"network and labels are for a network workload; {cfg.source} is a dense layer: give "
                         "settings={'workload.kind': 'network'} (a network given in memory needs no network_file)")
    for name, given in (("weight", weights), ("input", inputs)):
        if given is not None and (zeros := getattr(cfg.workload, f"{name}_zero_fraction")):
            raise ValueError(f"{name}s were given, but workload.{name}_zero_fraction is {zeros:g}: it zeroes "
                             f"generated {name}s only; the {name}s given decide which are 0")


def _network_inputs(cfg: Config, network: Network | None, inputs) -> np.ndarray:
    """``inputs`` given for the network (``network``, else the config's) as its samples, at least one, else a
    ValueError naming them"""
    inputs = (config_network(cfg) if network is None else network)._checked_input(inputs, "inputs")
    if len(inputs) == 0:
        raise ValueError(f"inputs must hold at least one sample; got shape {tuple(np.shape(inputs))}")
    return inputs


def given_data(cfg: Config, network, weights, inputs, measured: bool = True
               ) -> tuple[Network | None, np.ndarray | None, np.ndarray | None]:
    """(network, weights, inputs) given in memory for the workload of ``cfg`` as it stands (its shapes not set
    from them: :func:`cimsim.comparison.price_from_shapes`), checked as :func:`prepared` checks them: data of the
    other kind refused (:func:`_of_its_kind`), arrays of real finite numbers, dense weights out_features x
    in_features and inputs of in_features (any number of vectors: a sample), a network's inputs its samples; data
    that pricing at uniform data (not ``measured``) would not read refused; else a ValueError naming them."""
    _of_its_kind(cfg, weights, inputs, network, None)
    if not measured and (unread := [k for k, v in (("weights", weights), ("inputs", inputs)) if v is not None]):
        raise ValueError(f"measured=False prices uniform data: the {' and '.join(unread)} given would be unread; "
                         "leave them out, or measure them (measured=True)")
    if cfg.workload.kind == WorkloadKind.NETWORK:
        return network, None, None if inputs is None else _network_inputs(cfg, network, inputs)
    wl = cfg.workload
    if weights is not None:
        weights = _shaped_matrix(cfg, "weights", weights, "out_features x in_features",
                                 (wl.out_features, wl.in_features))
    if inputs is not None:
        inputs = _shaped_matrix(cfg, "inputs", inputs, "vectors x in_features", (None, wl.in_features))
    return None, weights, inputs


def _shaped_matrix(cfg: Config, name: str, data, axes: str, shape: tuple[int | None, int]) -> np.ndarray:
    """``data`` as :func:`_matrix` takes it, of the workload's ``shape`` (None: any number of rows), else a
    ValueError naming ``name``, the shape expected and the config"""
    array = _matrix(name, data, axes)
    if any(n is not None and n != m for n, m in zip(shape, array.shape)):
        raise ValueError(f"{name} must be {axes} = {' x '.join(str(n or 'any') for n in shape)} (the workload of "
                         f"{cfg.source}); got shape {array.shape}")
    return array


def _shaped(cfg: Config, shape: dict[str, int], given: str) -> Config:
    """``cfg`` with the workload ``shape`` (dotted fields) that the data ``given`` (their names and shapes, in words)
    have; a ValueError naming the data, not a setting, where a side is beyond its field's range (weights of 1 048 577
    inputs had been refused as "'workload.in_features' ... (given as an override)")"""
    rules = {f"workload.{f.name}": f.metadata["rule"] for f in dataclasses.fields(WorkloadConfig)}
    for field, value in shape.items():
        if not rules[field].accepts(value):
            raise ValueError(f"{given}: {field.partition('.')[2]} = {value} is beyond what cimsim takes "
                             f"({field} must be {rules[field].expected})")
    return with_overrides(cfg, shape) if shape else cfg


def _file_agrees(cfg: Config, read: str, given: np.ndarray) -> None:
    """A ValueError naming both shapes where ``given`` (the weights or inputs in memory) and the workload's ``read``
    file (of the other one: "weights" or "inputs") disagree on in_features; the file, fine, had been blamed."""
    path = getattr(cfg.workload, f"{read}_file") if getattr(cfg.workload, read) == "file" else None
    try:
        file_shape = read_npy(path).shape if path else ()
    except ValueError:  # an unreadable file: the workload's reader names it
        return
    if len(file_shape) == 2 and file_shape[1] != given.shape[1]:
        raise ValueError(f"{'inputs' if read == 'weights' else 'weights'} ({given.shape[0]} x {given.shape[1]}) and "
                         f"workload.{read}_file {path!r} ({file_shape[0]} x {file_shape[1]}) disagree on in_features: "
                         "weights are out_features x in_features, inputs vectors x in_features")


def _run_settings(**arguments) -> dict[str, Any]:
    """The arguments given (trials=, seed=) as their simulation.* settings, each checked by its field's rule, or a
    ValueError naming the argument (it had been named 'simulation.trials', "given as an override")."""
    rules = {f.name: f.metadata["rule"] for f in dataclasses.fields(SimulationConfig)}
    for name, value in arguments.items():
        if value is not None and not rules[name].accepts(python_scalar(value)):
            raise ValueError(f"{name} must be {rules[name].expected}; got {shown(value)}")
    return {f"simulation.{name}": value for name, value in arguments.items() if value is not None}


def _unread_sources(settings: Mapping[str, Any] | None, kind: WorkloadKind, given: Mapping[str, Any]) -> None:
    """A ValueError where ``settings`` state where data come from (a generator, a file, a dataset) that are given in
    memory instead: the setting would be ignored (a config file's own fields are not refused)."""
    sources = ({"network": ("network_file",), "inputs": ("dataset", "dataset_file")} if kind == WorkloadKind.NETWORK
               else {"weights": ("weights", "weights_file"), "inputs": ("inputs", "inputs_file")})
    for name, fields in sources.items():
        stated = [f"{key} = {settings[key]!r}" for key in (f"workload.{f}" for f in fields) if key in (settings or {})]
        if stated and given[name] is not None:
            raise ValueError(f"settings give {' and '.join(stated)}, but {name}= is given in memory and is what runs: "
                             "leave the setting out")


def _agree(settings: Mapping[str, Any] | None, given: Mapping[str, Any], source: str) -> None:
    """A ValueError where ``settings`` state a field of ``given`` (from the data or an argument) with another value;
    ``source`` says where the value came from, ``{name}`` in it the field's last part (the argument's name)"""
    for field, value in given.items():
        if field in (settings or {}) and settings[field] != value:
            raise ValueError(f"settings give {field} = {settings[field]!r}, but "
                             f"{source.format(name=field.rpartition('.')[2])}{value!r}: leave the setting out")


def _matrix(name: str, data, axes: str) -> np.ndarray:
    """``data`` as a float64 matrix of real, finite numbers (:func:`.numerics.checks.finite_matrix`), a row and a
    column at least, else ValueError"""
    if isinstance(data, (str, os.PathLike)):
        raise ValueError(f"{name} is a path ({os.fspath(data)!r}); pass an array, or the file as "
                         f"settings={{'workload.{name}_file': path}}")
    array = real_numbers(name, as_array(name, data))
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{name} must be a 2-d array ({axes}), neither axis empty; got shape {array.shape}")
    return finite_matrix(name, array, (None, None))
