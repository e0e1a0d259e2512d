"""The CLI's output streams: `-o /dev/stdout` gives stdout the file alone (the report and the 'wrote' line on
stderr), a reader that closes stdout mid-report ends the command with 141, several bad configs are all reported, and
a resumed sweep's summary says what its count of earlier rows counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cimsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
CIMSIM = [sys.executable, "-m", "cimsim.cli"]
DEFAULT = str(ROOT / "configs" / "default.toml")


@pytest.mark.parametrize("args, report", [
    (["estimate", DEFAULT], "# cimsim estimate: default"),
    (["price-model", "resnet50"], "on rram-default:"),
    (["run", DEFAULT, "--set", "workload.vectors=10"], "relative error"),
])
def test_json_to_dev_stdout_is_all_stdout_holds(args, report):
    """`cimsim estimate ... -o /dev/stdout | python -m json.tool` had failed: the Markdown report came first on stdout,
    then the JSON, then 'wrote /dev/stdout'"""
    child = subprocess.run([*CIMSIM, *args, "-o", "/dev/stdout"], capture_output=True, text=True, cwd=ROOT,
                           timeout=300)
    assert child.returncode == 0, child.stderr
    assert isinstance(json.loads(child.stdout), dict)  # the JSON alone: anything around it fails to parse
    assert report in child.stderr and "wrote /dev/stdout" in child.stderr


def test_macros_report_to_dev_stdout_is_all_stdout_holds():
    """`cimsim macros -o /dev/stdout`: the report on stdout, its 'wrote' line and summary on stderr (they had
    followed the report on stdout)"""
    child = subprocess.run([*CIMSIM, "macros", "-o", "/dev/stdout"], capture_output=True, text=True, cwd=ROOT,
                           timeout=300)
    assert child.returncode == 0, child.stderr
    summary = child.stderr.splitlines()[-1]
    assert "points usable" in summary and "median |error|" in summary and "wrote /dev/stdout" in child.stderr
    assert summary not in child.stdout.splitlines() and "wrote /dev/stdout" not in child.stdout
    assert "| iscas2022" in child.stdout


def test_a_reader_gone_mid_report_ends_macros_with_141():
    """`cimsim macros | head` had exited 0: its report (about 320 KB) is one write, which the closed pipe cuts
    short without a BrokenPipeError"""
    child = subprocess.Popen([*CIMSIM, "macros"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        assert child.stdout.read(1)  # the report's write is under way (more than a pipe holds): the reader leaves
        child.stdout.close()
        assert child.wait(timeout=300) == 141
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def bad_configs(tmp_path):
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.write_text('preset = "rram-default"\nname = "one"\n[adc]\nbits = 0\n')
    two.write_text('preset = "rram-default"\nname = "two"\n[array]\nrows = 0\n')
    return one, two


@pytest.mark.parametrize("command", ["estimate", "compare"])
def test_every_bad_config_is_reported(command, bad_configs):
    """two invalid configs: the problems of the first alone had been said"""
    one, two = bad_configs
    result = CliRunner().invoke(main, [command, str(one), str(two)])
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert [line for line in lines if line.startswith("error: ")] == lines
    assert any(f"{one}: 'adc.bits'" in line for line in lines), lines
    assert any(f"{two}: 'array.rows'" in line for line in lines), lines


def test_one_bad_config_among_good_ones_is_reported_alone(bad_configs):
    one, _ = bad_configs
    result = CliRunner().invoke(main, ["estimate", DEFAULT, str(one)])
    assert result.exit_code == 2 and result.output.count("error: ") == 1 and f"{one}: 'adc.bits'" in result.output


def test_a_resumed_sweep_says_its_earlier_rows_count_every_point(tmp_path):
    """'2 points, 2 ok, 0 failed (2 from an earlier run)' read as if the bracket counted failures"""
    spec, output = tmp_path / "spec.toml", tmp_path / "r.csv"
    spec.write_text('preset = "rram-default"\nkind = "analytic"\n[axes]\n"adc.bits" = [6, 8]\n')
    for earlier in (0, 2):
        result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(output), "--workers", "1"])
        assert result.exit_code == 0, result.output
        assert f"2 points, 2 ok, 0 failed; {earlier} of them from an earlier run; results in" in result.output
