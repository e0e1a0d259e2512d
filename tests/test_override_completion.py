"""A config file that overrides complete (``--set``, ``load_config(path, overrides)``, a sweep's axes or ``[set]``)
loads as the same config written whole, and a config or sweep spec read through a pipe resolves its relative paths
against the working directory."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.config import ConfigError, config_to_dict, load_config, with_overrides
from cimsim.sweep.points import expand
from cimsim.sweep.spec import load_spec

LAYER = "[workload]\nin_features = 16\nout_features = 8\nvectors = 4\n"
TEMPLATE = LAYER + 'weights = "file"\n'  # its weights_file given per run
SLICED = LAYER + '[dac]\nmode = "sliced"\n'


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def _tables(config) -> dict:
    return {k: v for k, v in config_to_dict(config).items() if k != "name"}


@pytest.fixture
def weights(tmp_path):
    np.save(tmp_path / "w.npy", np.ones((8, 16)))
    np.save(tmp_path / "w2.npy", -np.ones((8, 16)))
    return tmp_path


@pytest.mark.parametrize("text, overrides, whole", [
    (TEMPLATE, {"workload.weights_file": "w.npy"}, TEMPLATE + 'weights_file = "w.npy"\n'),
    (SLICED, {"dac.bits_per_read": 2}, SLICED + "bits_per_read = 2\n"),
    (LAYER + 'weights_file = "w.npy"\n', {"workload.weights": "file"}, TEMPLATE + 'weights_file = "w.npy"\n'),
    (LAYER + "[adc]\nfull_scale_fraction = 0.5\n", {"adc.range": "fixed"},
     LAYER + '[adc]\nfull_scale_fraction = 0.5\nrange = "fixed"\n'),
    (LAYER + "[adc]\nbits = \"six\"\n", {"adc.bits": 6}, LAYER + "[adc]\nbits = 6\n"),
])
def test_a_file_the_overrides_complete_loads_as_written_whole(weights, monkeypatch, text, overrides, whole):
    """Each had been refused, the file validated alone: "'workload.weights_file' is required when 'workload.weights'
    is "file"", though the override gave it."""
    monkeypatch.chdir(weights)
    path = _write(weights, "c.toml", text)
    assert _tables(load_config(path, overrides)) == _tables(load_config(_write(weights, "whole.toml", whole)))
    args = [f"{key}={value}" for key, value in overrides.items()]
    result = CliRunner().invoke(main, ["validate", str(path), *[a for arg in args for a in ("--set", arg)]])
    assert result.exit_code == 0 and "valid" in result.output, result.output


def test_a_valid_file_with_overrides_loads_as_before(weights):
    """config_to_dict of a config valid alone is that of with_overrides over it (sweep ids hash it)."""
    path = _write(weights, "c.toml", TEMPLATE + 'weights_file = "w.npy"\n[baseline]\npreset = "h100"\n')
    for overrides in ({"adc.bits": 6}, {"baseline.macs_per_cycle": 4096}, {"device.preset": "pcm"},
                      {"workload.weights_file": str(weights / "w2.npy"), "simulation.seed": 3}):
        assert config_to_dict(load_config(path, overrides)) == config_to_dict(with_overrides(load_config(path),
                                                                                            overrides))


@pytest.mark.parametrize("text, overrides", [
    (TEMPLATE, {}), (TEMPLATE, {"adc.bits": 6}), (TEMPLATE, {"adc.bitz": 6}), (TEMPLATE, {"adc": {"bits": 99}}),
    (TEMPLATE + "[adc]\nfull_scale_fraction = 0.5\n", {"adc.bits": 6, "adc.offset_lsb": 0.5}),
    (TEMPLATE + 'inputs = "oops"\n', {"workload.weights_file": "w.npy", "adc.bits": 99}),
])
def test_overrides_that_fix_nothing_leave_the_files_problems_as_they_were(weights, monkeypatch, text, overrides):
    monkeypatch.chdir(weights)
    path = _write(weights, "c.toml", text)
    with pytest.raises(ConfigError) as alone:
        load_config(path)
    with pytest.raises(ConfigError) as merged:
        load_config(path, overrides)
    assert merged.value.errors == alone.value.errors and merged.value.source == str(path)


def test_the_problems_left_once_the_overrides_complete_a_file_are_theirs(weights, monkeypatch):
    """The file's problem fixed, the override's are said (marked as given by an override), not the file's."""
    monkeypatch.chdir(weights)
    path = _write(weights, "c.toml", TEMPLATE)
    for overrides, field in (({"workload.weights_file": "w.npy", "adc.bits": 99}, "adc.bits"),
                             ({"workload.weights_file": "missing.npy"}, "workload.weights_file"),
                             ({"workload.weights_file": "w.npy", "adc.bitz": 6}, "adc.bitz"),
                             ({"workload.weights_file": "w.npy", "adc": {"bits": 99}}, "adc.bits")):
        with pytest.raises(ConfigError) as exc:
            load_config(path, overrides)
        assert [f for f, _ in exc.value.errors] == [field] and exc.value.source == str(path)
        assert exc.value.errors[0][1].endswith("(given as an override)") and "is required" not in str(exc.value)
    path = _write(weights, "c.toml", TEMPLATE + "[adc]\nfull_scale_fraction = 0.5\n")  # one of its two problems fixed
    with pytest.raises(ConfigError) as exc:
        load_config(path, {"workload.weights_file": "w.npy", "adc.bits": 6})
    assert [f for f, _ in exc.value.errors] == ["adc.full_scale_fraction"] and "override" not in str(exc.value)
    result = CliRunner().invoke(main, ["validate", str(path), "--set", "adc.bits=6"])
    assert result.exit_code == 2 and "'workload.weights_file' is required when" in result.output, result.output


def test_a_sweep_whose_axes_complete_its_base_runs_the_points_of_the_base_written_whole(weights):
    _write(weights, "template.toml", TEMPLATE)
    _write(weights / "whole", "template.toml", TEMPLATE + 'weights_file = "../w.npy"\n')
    axes = '[axes]\n"workload.weights_file" = ["w.npy", "w2.npy"]\n'
    spec = load_spec(_write(weights, "spec.toml", 'base = "template.toml"\n' + axes))
    whole = load_spec(_write(weights, "spec_whole.toml", 'base = "whole/template.toml"\n' + axes))
    points, written = expand(spec), expand(whole)
    assert [p.id for p in points] == [p.id for p in written] and all(p.config is not None for p in points)
    assert [config_to_dict(p.config) for p in points] == [config_to_dict(p.config) for p in written]
    result = CliRunner().invoke(main, ["sweep", str(weights / "spec.toml"), "-o", str(weights / "r.csv")])
    assert result.exit_code == 0 and "2 ok, 0 failed" in result.output, result.output
    resumed = CliRunner().invoke(main, ["sweep", str(weights / "spec.toml"), "-o", str(weights / "r.csv")])
    assert "2 of them from an earlier run" in resumed.output, resumed.output


def test_a_sweeps_set_completes_its_base_and_a_base_nothing_completes_is_refused_as_before(weights):
    _write(weights, "sliced.toml", SLICED)
    spec = load_spec(_write(weights, "s.toml", 'base = "sliced.toml"\n[axes]\n"adc.bits" = [4, 6]\n'
                                               '[set]\n"dac.bits_per_read" = 2\n'))
    assert spec.base.dac.bits_per_read == 2 and all(p.config is not None for p in expand(spec))
    with pytest.raises(ConfigError) as alone:
        load_config(weights / "sliced.toml")
    with pytest.raises(ConfigError) as refused:
        load_spec(_write(weights, "n.toml", 'base = "sliced.toml"\n[axes]\n"adc.bits" = [4, 6]\n'))
    assert refused.value.errors == alone.value.errors and refused.value.source == str(weights / "sliced.toml")


def test_a_config_or_spec_read_through_a_pipe_resolves_paths_against_the_working_directory(weights, monkeypatch):
    """<(cat cfg.toml) had said "names no existing file: /dev/fd/w.npy"; /dev/stdin, /dev/w.npy."""
    monkeypatch.chdir(weights)
    _write(weights, "base.toml", LAYER)

    def piped(text: str) -> str:
        read_end, write_end = os.pipe()
        os.write(write_end, text.encode())
        os.close(write_end)
        return f"/dev/fd/{read_end}"

    config = load_config(piped(TEMPLATE + 'weights_file = "w.npy"\n'))
    assert config.workload.weights_file == str(weights / "w.npy")
    spec = load_spec(piped('base = "base.toml"\n[axes]\n"workload.weights_file" = ["w2.npy"]\n'
                           '"workload.weights" = ["file"]\n'))
    assert spec.base.source == str(weights / "base.toml")
    assert expand(spec)[0].config.workload.weights_file == str(weights / "w2.npy")
