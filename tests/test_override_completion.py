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


def _refusals(folder, monkeypatch, text: str, overrides: dict):
    """(path, the file's refusal alone, its refusal with ``overrides``) of a config file holding ``text``"""
    monkeypatch.chdir(folder)
    path = _write(folder, "c.toml", text)
    with pytest.raises(ConfigError) as alone:
        load_config(path)
    with pytest.raises(ConfigError) as merged:
        load_config(path, overrides)
    return path, alone, merged


@pytest.mark.parametrize("text, overrides", [
    (TEMPLATE, {}), (TEMPLATE, {"adc.bits": 6}),
    (TEMPLATE + "[adc]\nfull_scale_fraction = 0.5\n", {"adc.bits": 6, "adc.offset_lsb": 0.5}),
])
def test_overrides_that_fix_nothing_leave_the_files_problems_as_they_were(weights, monkeypatch, text, overrides):
    path, alone, merged = _refusals(weights, monkeypatch, text, overrides)
    assert merged.value.errors == alone.value.errors and merged.value.source == str(path)


@pytest.mark.parametrize("text, overrides, field", [
    (TEMPLATE, {"adc.bitz": 6}, "adc.bitz"), (TEMPLATE, {"adc": {"bits": 99}}, "adc.bits"),
    (TEMPLATE, {"workload.weights": None}, "workload.weights"), (SLICED, {"dac.mode": None}, "dac.mode"),
    (LAYER + "[adc]\nfull_scale_fraction = 0.5\n", {"adc.full_scale_fraction": None}, "adc.full_scale_fraction"),
    (TEMPLATE + 'inputs = "oops"\n', {"workload.weights_file": "w.npy", "adc.bits": 99}, "adc.bits"),
    (TEMPLATE, {"adc": 3}, "adc"),
])
def test_overrides_that_fix_nothing_are_said_with_their_own_problems(weights, monkeypatch, text, overrides, field):
    """An override's typo or refused value had been hidden behind the file's problems, which it did not fix."""
    path, alone, merged = _refusals(weights, monkeypatch, text, overrides)
    own = merged.value.errors[len(alone.value.errors):]
    assert merged.value.errors[:len(alone.value.errors)] == alone.value.errors and merged.value.source == str(path)
    assert [f for f, _ in own] == [field] and own[0][1].endswith("(given as an override)"), merged.value.errors


@pytest.mark.parametrize("overrides", [{1: 2}, {("adc", "bits"): 6}])
def test_an_override_key_that_is_no_string_is_named_with_a_file_refused_alone(weights, overrides):
    """It had raised AttributeError: 'int' object has no attribute 'partition'."""
    import cimsim

    path = _write(weights, "c.toml", TEMPLATE)
    for call in (load_config, cimsim.estimate):
        with pytest.raises(ConfigError, match="override keys must be strings 'table.field'") as exc:
            call(path, overrides)
        assert exc.value.source == str(path)


def test_a_template_given_to_the_api_is_validated_whole(tmp_path):
    """A digital array stating adc.bits, refused alone, had been estimated and simulated as a template."""
    import cimsim
    from cimsim.config.load import is_template

    path = _write(tmp_path, "c.toml", LAYER + '[array]\nfamily = "digital"\n[adc]\nbits = 4\n')
    with pytest.raises(ConfigError) as alone:
        load_config(path)
    template = load_config(path, template=True)
    assert is_template(template)
    for call in (cimsim.estimate, cimsim.simulate, cimsim.compare, cimsim.as_config):
        with pytest.raises(ConfigError) as exc:
            call(template)
        assert exc.value.errors == alone.value.errors and exc.value.source == str(path), call
    fixed = cimsim.as_config(template, {"array.family": "resistive"})  # its problem fixed, it runs
    assert fixed.adc.bits == 4 and cimsim.estimate(fixed).cim.energy_pj["adc"] > 0


def test_a_value_in_set_or_on_a_one_value_axis_gives_the_same_points(tmp_path):
    """A template base's [set] had made a base that no longer counted its file's fields as stated: adc.percentile
    passed at adc.range = "max" with dac.input_max in [set], and failed with it as a one-value axis."""
    _write(tmp_path, "t.toml", LAYER + '[dac]\nmode = "sliced"\n[adc]\npercentile = 99.0\n')
    axes = '[axes]\n"dac.input_range" = ["fixed"]\n"dac.bits_per_read" = [2]\n"adc.range" = ["calibrated", "max"]\n'
    in_set = expand(load_spec(_write(tmp_path, "a.toml", f'base = "t.toml"\n{axes}[set]\n"dac.input_max" = 2.0\n')))
    on_axis = expand(load_spec(_write(tmp_path, "b.toml", f'base = "t.toml"\n{axes}"dac.input_max" = [2.0]\n')))
    assert [p.error for p in in_set] == [p.error for p in on_axis]
    assert in_set[0].config == on_axis[0].config and in_set[0].id == on_axis[0].id
    assert in_set[1].config is None and "'adc.percentile' applies only when" in in_set[1].error


@pytest.mark.parametrize("body, field", [
    ('[axes]\n"adc.bits" = [4, 6]\n[set]\n"dac.bits_per_read" = 2\n"adc.bitz" = 3\n', "set.'adc.bitz'"),
    ('[axes]\n"dac.bits_per_read" = [2, 4]\n"adc.bits" = [4, 99]\n', "axes.'adc.bits'"),
])
def test_a_sweep_on_a_template_says_its_own_errors_first(tmp_path, body, field):
    """The base file's problem, which [set] or the axes fixed ("'dac.bits_per_read' is required"), had been said
    instead of the spec's own."""
    _write(tmp_path, "sliced.toml", SLICED)
    with pytest.raises(ConfigError) as exc:
        load_spec(_write(tmp_path, "s.toml", 'base = "sliced.toml"\n' + body))
    assert [f for f, _ in exc.value.errors] == [field] and exc.value.source == str(tmp_path / "s.toml")


def test_a_template_no_point_completes_says_what_fails_at_a_point_that_fixes_its_file(tmp_path):
    _write(tmp_path, "sliced.toml", SLICED)
    with pytest.raises(ConfigError) as exc:
        load_spec(_write(tmp_path, "s.toml", 'base = "sliced.toml"\n[axes]\n"adc.range" = ["max"]\n[set]\n'
                                             '"dac.bits_per_read" = 2\n"adc.percentile" = 99.0\n'))
    assert [f for f, _ in exc.value.errors] == ["adc.percentile"], exc.value.errors
    assert "dac.bits_per_read = 2, adc.percentile = 99.0, adc.range = 'max'" in exc.value.errors[0][1]


@pytest.mark.parametrize("args, said", [
    (["--seed", "1", "--set", "simulation.seed=2"], "--seed 1 and --set simulation.seed=2 disagree"),
    (["--set", "adc.bits"], "--set expects FIELD=VALUE"),
])
def test_the_options_usage_errors_come_before_the_file_they_complete(weights, monkeypatch, args, said):
    """"'workload.weights_file' is required" had been said though --set gave it."""
    monkeypatch.chdir(weights)
    _write(weights, "t.toml", TEMPLATE)
    result = CliRunner().invoke(main, ["run", "t.toml", "--set", "workload.weights_file=w.npy", *args])
    assert result.exit_code == 2 and said in result.output and "is required" not in result.output, result.output


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


def test_a_config_read_through_a_redirected_stdin_resolves_paths_against_the_working_directory(weights, monkeypatch):
    """`cimsim validate /dev/stdin < cfg.toml`: stdin is then a regular file, whose folder (/dev) had been taken."""
    import subprocess
    import sys

    monkeypatch.chdir(weights)
    path = _write(weights / "sub", "c.toml", TEMPLATE + 'weights_file = "w.npy"\n')
    with open(path, "rb") as file:
        for named in (f"/dev/fd/{file.fileno()}", f"/proc/self/fd/{file.fileno()}"):
            assert load_config(named).workload.weights_file == str(weights / "w.npy"), named
        proc = subprocess.run([sys.executable, "-m", "cimsim.cli", "validate", "/dev/stdin"], stdin=file,
                              capture_output=True, text=True)
    assert proc.returncode == 0 and "valid" in proc.stdout, proc.stderr
