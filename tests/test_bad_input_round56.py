"""Bad input, round 56: an estimate (CLI, API, analytic sweep point) that priced a network whose float pass
overflows (a run refuses it), a sweep results file with a CSV cell over csv's 128 KB field limit ("internal error"
on resuming it), a published macro of one weight level (priced as a binary weight; two levels were refused), and a
results file header whose terminal control characters the refusal echoed raw."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.errors import ConfigError

OVERFLOW = "float products or outputs reach 1e+300 or overflow float64"


@pytest.fixture
def huge_network(tmp_path):
    """the shipped digits MLP with its first weight matrix at 1e300, and a config of it over the digits dataset"""
    with resources.as_file(resources.files("cimsim") / "data" / "digits_mlp.npz") as shipped:
        arrays = dict(np.load(shipped))
    arrays["layer0.weight"] = np.full(arrays["layer0.weight"].shape, 1e300)
    network = tmp_path / "huge.npz"
    np.savez(network, **arrays)
    config = tmp_path / "c.toml"
    config.write_text(f'preset = "rram-default"\n[workload]\nkind = "network"\nnetwork_file = "{network}"\n'
                      'dataset = "digits"\nvectors = 20\n')
    return config


def test_the_cli_estimate_refuses_a_network_whose_float_pass_overflows_as_a_run_does(huge_network):
    for command in ("run", "estimate"):
        result = CliRunner().invoke(main, [command, str(huge_network)])
        assert result.exit_code == 2 and "Traceback" not in result.output, (command, result.output)
        assert f"'workload.network_file': the network's {OVERFLOW} even for the samples clipped" in result.output


def test_the_api_estimate_refuses_a_network_whose_float_pass_overflows(huge_network):
    with pytest.raises(ConfigError, match=re.escape(OVERFLOW)) as err:
        cimsim.estimate(str(huge_network))
    assert err.value.fields == ["workload.network_file"]


def test_an_analytic_sweep_point_of_an_overflowing_network_fails_naming_the_network_file(tmp_path, huge_network):
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{huge_network}"\nkind = "analytic"\n[axes]\n"adc.bits" = [4, 6]\n')
    out = tmp_path / "r.csv"
    CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"])
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == 2 and all(",failed," in row and OVERFLOW in row for row in rows), rows


@pytest.fixture
def swept(tmp_path):
    """an analytic sweep of two points, run once: (the spec, its results file)"""
    spec = tmp_path / "s.toml"
    spec.write_text('preset = "rram-default"\nkind = "analytic"\n[axes]\n"adc.bits" = [4, 6]\n')
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    return spec, out


@pytest.mark.parametrize("bad, why", [("x" * 200_000, "field larger than field limit (131072)"),
                                      ("a\rb", "new-line character seen in unquoted field")])
def test_a_results_line_csv_cannot_read_is_left_out_as_damaged(swept, bad, why):
    """a cell over csv's 128 KB field limit, a carriage return alone in an unquoted cell: csv.Error"""
    spec, out = swept
    header, first, second = out.read_text().splitlines()
    out.write_text(f"{header}\n{first}\n{bad},{second}\n", newline="")
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 0 and "internal error" not in result.output, result.output
    assert f"{out}: line 3: " in result.output and "left out, its point runs again" in result.output
    assert why in result.output
    assert out.read_text().splitlines()[1:] == [first, second]


@pytest.mark.parametrize("header", ["point_id," + "x" * 200_000, "point_id,a\rb"])
def test_a_results_header_csv_cannot_read_is_refused_in_one_line(swept, header):
    spec, out = swept
    out.write_text(header + "\n", newline="")
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 2 and "internal error" not in result.output, result.output
    assert result.output.startswith(f"error: {out}: ") and len(result.output.splitlines()) == 1, result.output
    assert "x" * 1000 not in result.output


@pytest.mark.parametrize("name, shown", [("\x1b]0;pwned\x07", "\\u001b]0;pwned\\u0007"), ("a\x00b", "a\\u0000b"),
                                         ('"a\rb"', "a\\rb"), ("\x9b31m", "\\u009b31m")])
def test_a_results_header_with_control_characters_is_shown_escaped(swept, name, shown):
    spec, out = swept
    out.write_text(f"point_id,{name}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(out), "--workers", "1"])
    assert result.exit_code == 2 and "are not this sweep's" in result.output, result.output
    message = result.output.rstrip("\n")
    assert not any(ch in message for ch in "\x1b\x07\x00\x9b\r\n"), repr(message)
    assert f"the file's columns (point_id, {shown}) are not" in message


MACRO = """[[macro]]
key = "mine"
title = "My chip"
source = "my paper"
read_via = "primary"
family = "sram-charge"
node_nm = 28
vdd_v = 0.9
rows = 256
cols = 256
input_bits = 4
{weights}
adc_bits = 6
adcs = 64
cols_per_adc = 4
cycle_ns = 10

[[macro.point]]
label = "a"
ops_per_mac = 2
tops_per_w = 100
tops = 1.0
"""


@pytest.mark.parametrize("weights", ["weight_levels = 1", "weight_bits = 1\nweight_levels = 1"])
def test_a_published_macro_of_one_weight_level_is_refused(tmp_path, weights):
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(weights=weights))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "mine / a: weight_levels = 1: a weight of one level holds no information" in result.output


@pytest.mark.parametrize("levels, hint", [(2, "(2**bits - 1 levels); a binary weight is weight_bits = 1"),
                                          (4, "(2**bits - 1 levels); a cell of 4 levels holds 2 bits: bits_per_cell"
                                              " = 2, with the weight's own weight_bits"),
                                          (6, "(2**bits - 1 levels)\n")])
def test_a_weight_level_count_of_no_signed_weight_says_how_to_state_it(tmp_path, levels, hint):
    """2 weight levels (binary) and 4 (a 2-bit cell, as MLC papers state it) were left out with no hint, the hint to
    weight_bits = 1 given only for 1 level (a chips probe, 2026-12-08)"""
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(weights=f"weight_levels = {levels}"))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"{levels} weight levels is no signed cimsim weight {hint}" in result.output, result.output


def test_a_published_binary_macro_stated_in_bits_is_still_priced(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MACRO.format(weights="weight_bits = 1"))
    result = CliRunner().invoke(main, ["macros", str(path)])
    assert result.exit_code == 0 and "1 of 1 macros and 1 of 1 points usable" in result.output, result.output


def test_a_batch_whose_write_fails_part_way_leaves_the_file_at_its_earlier_lines(tmp_path, monkeypatch):
    """a full disk or a file size limit (ulimit -f) failing the write of a batch had left its first rows and a cut
    line behind, while the sweep said the batch was not run; the file is cut back to its earlier lines whole"""
    import errno
    import os

    from cimsim.sweep import results

    path = tmp_path / "r.csv"
    results.append_rows(path, ["id", "x"], [["a", "1"]])
    before, written, write = path.read_bytes(), [], os.write

    def short_write(fd, data):  # the first call writes 5 bytes, the next finds the disk full
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(1)
        return write(fd, data[:5])

    monkeypatch.setattr(results.os, "write", short_write)
    with pytest.raises(OSError, match="No space left"):
        results.append_rows(path, ["id", "x"], [["b", "2"], ["c", "3"]])
    assert written and path.read_bytes() == before


def test_an_objective_of_the_other_sweep_kind_says_which_kind_records_it(tmp_path):
    """adc_clipped_fraction in an analytic sweep had been called an unknown metric, though a functional sweep
    records it"""
    from cimsim.sweep import spec_from_dict

    root = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    with pytest.raises(ConfigError, match=r"no metric of this sweep: adc_clipped_fraction \(adc_clipped_fraction: "
                                          r"recorded by a kind = \"functional\" sweep"):
        spec_from_dict({"base": str(root), "kind": "analytic", "axes": {"adc.bits": [6, 8]},
                        "objectives": ["adc_clipped_fraction"]}, str(tmp_path))


def test_an_objective_of_a_network_sweep_says_so_in_a_dense_functional_sweep(tmp_path):
    """accuracy in a functional sweep of a dense layer had been said to be recorded by a functional sweep, which it
    was: the sweeps that record it (of a network) are named"""
    from cimsim.sweep import spec_from_dict

    root = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    with pytest.raises(ConfigError, match=r"\(accuracy: recorded by a kind = \"functional\" sweep of a network\)"):
        spec_from_dict({"base": str(root), "kind": "functional", "axes": {"adc.bits": [6, 8]},
                        "objectives": ["accuracy"]}, str(tmp_path))
