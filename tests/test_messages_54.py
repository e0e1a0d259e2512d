"""Messages and refusals of round 54: a whole-design preset given as an override, an -o whose suffix the command
cannot write, a weights file of the wrong rank, a macro field's value as TOML spells it, a sweep base that is a
directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cimsim.cli import main
from cimsim.config import load_config
from cimsim.errors import ConfigError
from test_macros_fields import MACRO

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("key", ["preset", "Preset"])
def test_a_whole_design_preset_as_an_override_says_to_state_it_in_the_file(key):
    """it had been 'unknown key', with device.preset suggested in its place"""
    result = invoke("validate", DEFAULT, "--set", f"{key}=ideal")
    assert result.exit_code == 2, result.output
    assert f"'{key}' (a whole-design preset) cannot be given as an override" in result.output
    assert 'preset = "NAME"' in result.output and "device.preset, baseline.preset" in result.output
    assert "did you mean" not in result.output and "unknown key" not in result.output
    with pytest.raises(ConfigError, match="whole-design preset"):
        load_config(DEFAULT, {"preset": "ideal"})


def test_a_table_preset_override_still_works():
    result = invoke("validate", DEFAULT, "--set", "device.preset=pcm")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command, name", [("estimate", "e.csv"), ("run", "x.txt"), ("estimate", "noext")])
def test_a_json_output_with_another_suffix_is_refused_before_any_work(tmp_path, command, name):
    """estimate -o e.csv had written JSON into e.csv"""
    out = tmp_path / name
    result = invoke(command, DEFAULT, "-o", out, "--set", "workload.vectors=50")
    assert result.exit_code == 2, result.output
    assert "writes JSON there; give a file ending in .json" in result.output
    assert "relative error" not in result.output and "CIM is dominated" not in result.output  # no work done
    assert not out.exists()


@pytest.mark.parametrize("args, option, what", [
    (("price-model", "resnet18", "-o", "m.csv"), "'-o' / '--output'", "writes JSON there; give a file ending in .json"),
    (("macros", "-o", "r.json"), "'-o' / '--output'", "writes a Markdown report there; give a file ending in .md"),
    (("macros", "-o", "r.md", "--csv", "c.json"), "'--csv'", "writes CSV there; give a file ending in .csv"),
])
def test_price_model_and_macros_outputs_with_another_suffix_are_refused(tmp_path, monkeypatch, args, option, what):
    """price-model -o m.csv had written JSON into m.csv, macros -o r.json its Markdown report"""
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert what in result.output and option in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_json_output_ending_in_json_in_any_case_is_written(tmp_path):
    out = tmp_path / "E.JSON"
    result = invoke("estimate", DEFAULT, "-o", out)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["name"] == "default"


@pytest.mark.parametrize("spelling", ["-", "/dev/stdout"])
def test_stdout_still_takes_the_json(tmp_path, spelling):
    child = subprocess.run([sys.executable, "-m", "cimsim.cli", "estimate", DEFAULT, "-o", spelling],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout)["name"] == "default"


def test_a_pipe_still_takes_the_json(tmp_path):
    child = subprocess.run(["bash", "-c", f"{sys.executable} -m cimsim.cli estimate {DEFAULT} -o >(cat > got) "
                                          ">/dev/null 2>&1; sleep 0.5"], cwd=tmp_path, timeout=120)
    assert child.returncode == 0
    assert json.loads((tmp_path / "got").read_text())["name"] == "default"


def test_compare_refuses_a_folder_named_like_a_file(tmp_path):
    """compare c.toml -o report.json had made a folder named report.json"""
    out = tmp_path / "report.json"
    result = invoke("compare", DEFAULT, "-o", out, "--set", "workload.vectors=50")
    assert result.exit_code == 2, result.output
    assert "names a .json file; compare writes a folder there" in result.output
    assert not out.exists()


def test_compare_writes_into_an_existing_folder_with_a_dot_in_its_name(tmp_path):
    out = tmp_path / "run.json"
    out.mkdir()
    result = invoke("compare", DEFAULT, "-o", out, "--set", "workload.vectors=50")
    assert result.exit_code == 0, result.output
    assert (out / "report.json").is_file()


@pytest.mark.parametrize("array, got", [
    (np.zeros(16), "got a 1-D array of shape (16)"),
    (np.array(1.0), "got a 0-D array (one value)"),
    (np.zeros((1, 8, 16)), "got a 3-D array of shape (1 x 8 x 16)"),
    (np.zeros((16, 8)), "must have shape (8 x 16); got (16 x 8)")])
def test_a_weights_file_of_the_wrong_shape_is_worded_for_its_case(tmp_path, array, got):
    """a (16,) array had been told it must be 'not empty'"""
    np.save(tmp_path / "w.npy", array)
    (tmp_path / "c.toml").write_text('[workload]\nin_features = 16\nout_features = 8\nweights = "file"\n'
                                     'weights_file = "w.npy"\n')
    result = invoke("estimate", tmp_path / "c.toml")
    assert result.exit_code == 2, result.output
    assert got in result.output and "not empty" not in result.output
    if array.ndim != 2:
        assert "must be a 2-D array of shape (8 x 16)" in result.output


def test_an_inputs_file_of_no_vectors_says_so(tmp_path):
    np.save(tmp_path / "w.npy", np.zeros((8, 16)))
    np.save(tmp_path / "x.npy", np.zeros((0, 16)))
    (tmp_path / "c.toml").write_text('[workload]\nin_features = 16\nout_features = 8\nweights = "file"\n'
                                     'weights_file = "w.npy"\ninputs = "file"\ninputs_file = "x.npy"\n')
    result = invoke("estimate", tmp_path / "c.toml")
    assert result.exit_code == 2, result.output
    assert "must hold at least one vector; got shape (0 x 16)" in result.output


@pytest.mark.parametrize("field, got", [
    ("node_nm = true", "got true"), ("node_nm = false", "got false"), ("node_nm = [true, 1]", "got [true, 1]"),
    ("node_nm = 2020-01-02", "got 2020-01-02"), ("node_nm = {a = 1}", "got a table"),
    ("input_signed = 'yes'", "got 'yes'")])
def test_a_macro_field_value_is_echoed_as_toml_spells_it(tmp_path, field, got):
    """node_nm = true had been echoed as Python's True"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro=field, point=""))
    result = invoke("macros", path)
    assert result.exit_code == 2, result.output
    assert result.output.rstrip().endswith(got), result.output
    assert "True" not in result.output and "False" not in result.output and "datetime" not in result.output


def test_a_macro_family_of_another_type_is_echoed_as_toml_spells_it(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(macro="", point="").replace('family = "rram"', "family = true"))
    result = invoke("macros", path)
    assert result.exit_code == 2 and "'family' must be a string; got true" in result.output, result.output


@pytest.mark.parametrize("base, said", [
    (".", "'base' names a directory, not a regular file: "), ("nope.toml", "'base' names no existing file: "),
    ("a" * 300 + ".toml", "'base' is not a usable path (File name too long): "),  # had been a raw OSError, exit 1
    ("fifo", "'base' names a device, pipe or socket, not a regular file"),
    ("loop", "'base' names a symbolic link loop"),
    ("isaac", "'base' names no existing file: "), ("a\\u0000b", "'base' is not a usable path (it holds a NUL byte)")])
def test_a_sweep_base_that_is_no_file_says_what_it_is(tmp_path, base, said):
    """the spec's base is checked as the config's data files are (it had been 'no existing file' for a pipe or a
    link loop, a raw OSError for a name too long, a NUL byte printed raw)"""
    os.mkfifo(tmp_path / "fifo")
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{base}"\n[axes]\n"adc.bits" = [4, 6]\n')
    result = invoke("sweep", spec, "-o", tmp_path / "r.csv")
    assert result.exit_code == 2, result.output
    assert said in result.output and "\0" not in result.output, result.output
    assert ('preset = "isaac"' in result.output) == (base == "isaac")  # a shipped design's name: its preset said


def test_a_rate_below_one_per_second_is_written_without_a_milli_prefix():
    """price-model's table had written 0.0174 sequences/s as '17.4 m/s' (metres per second)"""
    from cimsim.models.result import _rate

    assert [_rate(r) for r in (0.0174, 0.00036, 7.14, 1460.0)] == ["0.0174 /s", "0.00036 /s", "7.14 /s", "1.46 k/s"]


def test_a_data_path_holding_a_nul_byte_is_refused_by_name(tmp_path):
    """a NUL in workload.inputs_file had escaped as a bare ValueError ('embedded null byte'), exit 1"""
    config = tmp_path / "c.toml"
    config.write_text('preset = "rram-default"\n[workload]\ninputs = "file"\ninputs_file = "x\\u0000.npy"\n')
    result = invoke("validate", config)
    assert result.exit_code == 2, result.output
    assert "'workload.inputs_file' is not a usable path (it holds a NUL byte): " in result.output
    assert "x\\u0000.npy\n" in result.output  # escaped: the message stays one line of plain text


def test_a_twos_complement_refusal_names_the_field_that_chose_it():
    """its refusals had named the field to change ('mapping.subtraction', ...) but not 'mapping.signed_encoding'"""
    result = invoke("validate", DEFAULT, "--set", "mapping.signed_encoding=twos_complement")
    assert result.exit_code == 2, result.output
    assert "'mapping.signed_encoding' = \"twos_complement\" stores a weight's bits" in result.output
    assert "'mapping.subtraction'" in result.output


def test_a_stated_clock_at_a_supply_the_delay_law_slows_is_flagged():
    """at 0.4 V the ADCs had slowed by the delay law while both stated 1 GHz clocks ran on without a word"""
    slow = invoke("estimate", DEFAULT, "--set", "technology.vdd_v=0.4")
    assert slow.exit_code == 0, slow.output
    for field in ("technology.clock_ghz", "baseline.clock_ghz"):
        assert re.search(rf"\(as given in '{field}': logic at 0.4 V is [\d.]+x slower .* it asks of the logic what "
                         r"[\d.]+ GHz would at 0.9 V; lower it where this supply cannot reach that\)", slow.output)
    assert "as given in" not in invoke("estimate", DEFAULT).output
    crawl = invoke("estimate", DEFAULT, "--set", "technology.vdd_v=0.4", "--set", "technology.clock_ghz=0.001")
    assert re.search(r"'technology.clock_ghz': .* what [\d.]+ MHz would at 0.9 V", crawl.output)  # (a chips probe)
