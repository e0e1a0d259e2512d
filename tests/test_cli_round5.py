"""Round 5 of the command line's messages: "did you mean" for a value in another case, an option given twice with
different values, ``-o -``, a results table in UTF-16, a JSON file given where TOML is read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_results import CIMSIM, SMALL, invoke, refused
from cimsim.config.keys import not_one_of
from cimsim.config.rules import Choice

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture
def no_run(monkeypatch):
    """fails a test whose command starts simulating or pricing"""
    import cimsim.api
    import cimsim.trials

    monkeypatch.setattr(cimsim.trials, "run_trials", lambda *a, **k: pytest.fail("the run started"))
    monkeypatch.setattr(cimsim.api, "estimate", lambda *a, **k: pytest.fail("the pricing started"))


@pytest.mark.parametrize("value, meant", [("A100", "a100"), ("H100", "h100"), ("Tpu-V1", "tpu-v1")])
def test_a_value_in_another_case_is_steered_to_itself(value, meant):
    """'A100' had been answered 'did you mean "h100"?' (another GPU): the close match was case-sensitive"""
    choice = Choice(("a100", "cpu", "h100", "tpu-v1"))
    _, message = not_one_of("baseline.preset", choice, value)
    assert message.endswith(f'did you mean "{meant}"? (values are lower case)'), message


def test_a_misspelt_value_in_capitals_still_gets_the_closest_name():
    _, message = not_one_of("device.preset", Choice(("ideal", "pcm", "rram", "sram")), "RRAMM")
    assert message.endswith('did you mean "rram"?'), message


@pytest.mark.parametrize("text, meant", [('preset = "ISAAC"\n', "isaac"), ('[device]\npreset = "PCM"\n', "pcm")])
def test_validate_steers_a_preset_in_capitals_to_its_name(tmp_path, text, meant):
    path = tmp_path / "p.toml"
    path.write_text(text)
    refused(invoke("validate", path), f'did you mean "{meant}"? (values are lower case)')


def test_an_override_in_capitals_is_not_steered_to_another_gpu(config):
    result = invoke("validate", config, "--set", "baseline.preset=A100")
    refused(result, 'did you mean "a100"?')
    assert "h100" not in result.output.split("got")[-1]


@pytest.mark.parametrize("text", ['[adc]\ntype = "SAR"\n', None])
def test_a_mode_in_capitals_in_a_file_or_override_is_steered_to_its_name(config, text):
    """a mode field's refusal (adc.type = "SAR") had named no close value: its wording did not go through not_one_of"""
    if text is not None:
        config.write_text(SMALL + text)
    result = invoke("validate", config, *(() if text else ("--set", "adc.type=SAR")))
    refused(result, 'got "SAR"; did you mean "sar"? (values are lower case)')


def test_a_sweep_axis_value_in_capitals_is_steered_to_its_name(tmp_path, config):
    """a sweep axis listing "PCM" for device.preset had been refused with no hint"""
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{config.as_posix()}"\n[axes]\n"device.preset" = ["rram", "PCM"]\n'
                    '"adc.type" = ["Flash"]\n')
    result = invoke("sweep", spec, "-o", tmp_path / "r.csv")
    assert result.exit_code == 2, result.output
    assert 'got \'PCM\'; did you mean "pcm"? (values are lower case)' in result.output
    assert 'got \'Flash\'; did you mean "flash"? (values are lower case)' in result.output


@pytest.mark.parametrize("args, option, values", [
    (["run", "{c}", "--seed", "1", "--seed", "2"], "'--seed'", "(1, then 2)"),
    (["run", "{c}", "--seed=1", "--trials", "2", "--seed", "3"], "'--seed'", "(1, then 3)"),
    (["estimate", "{c}", "-o", "a.json", "--output", "b.json"], "'-o' / '--output'", "(a.json, then b.json)"),
    (["pareto", "r.csv", "--x", "energy_pj", "--y", "area_mm2", "--x", "latency_ns"], "'--x'",
     "(energy_pj, then latency_ns)"),
    (["price-model", "resnet18", "--chips", "2", "--chips", "3"], "'--chips'", "(2, then 3)"),
    (["macros", "--csv", "a.csv", "--csv", "b.csv"], "'--csv'", "(a.csv, then b.csv)"),
    (["sweep", "s.toml", "-o", "a.csv", "-o", "b.csv", "-o", "a.csv"], "'-o' / '--output'", "given 3 times")])
def test_an_option_given_twice_with_different_values_is_refused(tmp_path, config, no_run, monkeypatch, args, option,
                                                                values):
    """the last had won silently: --seed 1 --seed 2 ran seed 2, -o a.json -o b.json wrote b.json alone, and pareto
    --x energy_pj --x area_mm2 ranked another pair than asked"""
    monkeypatch.chdir(tmp_path)
    result = invoke(*[a.format(c=config) for a in args])
    refused(result, option, values, "give it once")
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob("*.csv"))


def test_an_option_given_twice_with_one_value_passes(tmp_path, config, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("estimate", config, "-o", "a.json", "--output", "a.json", "--set", "adc.bits=6",
                    "--set", "adc.bits=6")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "a.json").read_text())["name"] == "c"


def test_a_flag_given_twice_and_the_group_option_twice_pass(config):
    assert invoke("--debug", "--debug", "validate", config).exit_code == 0


def run_cli(tmp_path, *args):
    return subprocess.run([*CIMSIM, *map(str, args)], capture_output=True, text=True, cwd=tmp_path, timeout=300)


@pytest.mark.parametrize("command", [["estimate", "c.toml"], ["run", "c.toml"]])
def test_dash_as_output_is_stdout(tmp_path, config, command):
    """-o - had written a file named '-' and printed the report on stdout"""
    child = run_cli(tmp_path, *command, "-o", "-")
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout)["cimsim_version"]  # the JSON alone on stdout
    assert "wrote" in child.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("args, why", [
    (["compare", "{c}", "-o", "-"], "cannot hold a folder"),
    (["sweep", "s.toml", "-o", "-"], "reads it back to resume"),
    (["pareto", "r.csv", "--x", "a", "--y", "b", "-o", "-"], "suffix names its format")])
def test_dash_is_refused_where_stdout_cannot_take_the_output(tmp_path, config, no_run, monkeypatch, args, why):
    monkeypatch.chdir(tmp_path)
    refused(invoke(*[a.format(c=config) for a in args]), "- names stdout", why)
    assert not (tmp_path / "-").exists()


def test_a_utf16_results_table_is_named_as_utf16(tmp_path):
    """had been "'utf-8' codec can't decode byte 0xff in position 0" """
    path = tmp_path / "r.csv"
    path.write_text("point_id,status,energy_pj,area_mm2\np1,ok,1.0,2.0\n", encoding="utf-16")
    refused(invoke("pareto", path, "--x", "energy_pj", "--y", "area_mm2"), "r.csv", "the file is UTF-16 text",
            "save it as UTF-8")
    for encoding, named in (("utf-16-le", "UTF-16 text without a byte-order mark"), ("utf-32-le", "UTF-32 text")):
        path.write_text("point_id,status,energy_pj,area_mm2\np1,ok,1.0,2.0\n", encoding=encoding)  # had been read
        refused(invoke("pareto", path, "--x", "energy_pj", "--y", "area_mm2"), "r.csv", named)  # as NUL-laced names


def test_a_results_table_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbfpoint_id,status,energy_pj,area_mm2\np1,ok,1.0,2.0\n")
    result = invoke("pareto", path, "--x", "energy_pj", "--y", "area_mm2")
    assert result.exit_code == 0, result.output
    assert "| p1 |" in result.output


def test_a_report_given_as_a_config_is_named_as_json_with_its_config(tmp_path, config):
    """a report.json given as a config had been 'invalid TOML: Invalid statement (at line 1, column 1)'"""
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"cimsim_version": "0.1.0", "config": {"name": "c", "workload": {}}}))
    refused(invoke("validate", report), "the file is JSON; a config file is TOML", '["config"]',
            "cimsim.simulate(")


@pytest.mark.parametrize("command, text, what", [
    ("validate", '{"name": "c"}', "a config file is TOML"), ("validate", "[1, 2]", "a config file is TOML"),
    ("sweep", '{"base": "c.toml"}', "a sweep spec is TOML")])
def test_other_json_is_named_as_json(tmp_path, command, text, what):
    path = tmp_path / "x.json"
    path.write_text(text)
    args = ["-o", tmp_path / "o.csv"] if command == "sweep" else []
    result = invoke(command, path, *args)
    refused(result, f"the file is JSON; {what}")
    assert "report" not in result.output


def test_broken_json_is_still_a_toml_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"a": ')
    refused(invoke("validate", path), "invalid TOML: Invalid statement (at line 1, column 1)")


def test_a_sweep_to_dev_stdout_is_refused(tmp_path, config):
    """a sweep's CSV to /dev/stdout had been accepted, its summary line mixed into the rows"""
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{config.as_posix()}"\n[axes]\n"adc.bits" = [6, 7]\n')
    with open(tmp_path / "out", "w") as out:
        done = subprocess.run([sys.executable, "-m", "cimsim.cli", "sweep", str(spec), "-o", "/dev/stdout"], stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "is stdout, which cannot take this output: a sweep appends its rows" in done.stderr
    assert (tmp_path / "out").read_text() == ""


def test_macros_csv_to_stdout_holds_the_csv_alone(tmp_path):
    """macros --csv - had mixed its CSV with the report (no -o) or with its 'wrote' and summary lines (-o FILE)"""
    both = subprocess.run([sys.executable, "-m", "cimsim.cli", "macros", "--csv", "-"], capture_output=True, text=True,
                          timeout=300)
    assert both.returncode == 2 and "--csv and the report would both go to stdout" in both.stderr, both.stderr
    with open(tmp_path / "cases.csv", "w") as out:
        alone = subprocess.run([sys.executable, "-m", "cimsim.cli", "macros", "-o", str(tmp_path / "r.md"), "--csv",
                                "-"], stdout=out, stderr=subprocess.PIPE, text=True, timeout=300)
    assert alone.returncode == 0, alone.stderr
    lines = (tmp_path / "cases.csv").read_text().splitlines()
    assert lines[0].startswith("kind,macro,point") and all(line.count(",") >= 13 for line in lines if line), lines[-1]
    assert "wrote" in alone.stderr and "median |error|" in alone.stderr


def test_debug_prints_the_traceback_and_keeps_the_exit_code(tmp_path):
    """probe of 2026-12-04: `cimsim --debug validate bad.toml` exited 1 (a bare raise) where validate exits 2"""
    bad = tmp_path / "bad.toml"
    bad.write_text("[adc]\nbits = 99\n")
    plain, debug = invoke("validate", bad), invoke("--debug", "validate", bad)
    assert plain.exit_code == debug.exit_code == 2
    assert "Traceback" in debug.output and "Traceback" not in plain.output and "'adc.bits'" in debug.output
