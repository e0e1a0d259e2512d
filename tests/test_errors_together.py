"""Errors that name what is wrong, all of it: in-memory data against the workload's file of the other operand (the
fine file had been blamed for the width the data set), and an unknown override key beside bad values (the unknown
key had hidden every other problem, through with_overrides, --set and a sweep's [set])."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.config import Config, ConfigError, load_config, with_overrides

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
BAD = {"workload.vectors": -1, "adc.bits_x": 3, "technology.vdd_v": "high"}


def _file_config(tmp_path: Path, table: str, shape: tuple[int, int]) -> Path:
    """a dense config whose weights ("weights") or inputs ("inputs") come from a .npy file of ``shape``"""
    np.save(tmp_path / f"{table}.npy", np.random.default_rng(0).uniform(-1, 1, shape))
    out, vectors = (shape[0], 3) if table == "weights" else (4, shape[0])
    (tmp_path / "c.toml").write_text(
        f'preset = "rram-default"\n[workload]\n{table} = "file"\n{table}_file = "{table}.npy"\n'
        f"in_features = {shape[1]}\nout_features = {out}\nvectors = {vectors}\n")
    return tmp_path / "c.toml"


def test_inputs_of_another_width_than_the_weights_file_name_both_shapes(tmp_path):
    """inputs 5 x 12 against a 6 x 16 weights file had raised "'workload.weights_file' ... must have shape (6 x 12)
    ... got (6, 16)": the file blamed for the inputs' width"""
    config = _file_config(tmp_path, "weights", (6, 16))
    with pytest.raises(ValueError) as info:
        cimsim.simulate(config, inputs=np.ones((5, 12)))
    message = str(info.value)
    assert "inputs (5 x 12) and workload.weights_file" in message and "(6 x 16) disagree on in_features" in message
    assert "must have shape" not in message
    assert cimsim.simulate(config, inputs=np.full((5, 16), 0.5)).vs_float is not None  # the same width runs


def test_weights_of_another_width_than_the_inputs_file_name_both_shapes(tmp_path):
    config = _file_config(tmp_path, "inputs", (7, 16))
    with pytest.raises(ValueError, match=r"weights \(4 x 12\) and workload.inputs_file .*\(7 x 16\) disagree"):
        cimsim.simulate(config, weights=np.ones((4, 12)))


def test_an_unknown_override_key_is_reported_with_each_bad_value():
    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(DEFAULT), BAD)
    assert sorted(info.value.fields) == sorted(BAD)
    text = str(info.value)
    assert "did you mean 'adc.bits'?" in text and "got -1" in text and 'got "high"' in text
    assert text.count("(given as an override)") == 3


def test_an_unknown_key_leaves_names_descriptions_and_table_presets_checked():
    with pytest.raises(ConfigError) as info:
        with_overrides(Config(), {"x": 1, "name": "a\nb", "description": 5, "baseline.preset": "h10",
                                  "adc": {"bits": 0}, "device.g_min_us": None})
    assert info.value.fields == ["x", "name", "description", "baseline.preset", "adc.bits", "device.g_min_us"]
    assert 'did you mean "h100"?' in str(info.value)


def test_a_none_value_is_reported_beside_an_unknown_key_exactly_where_it_is_alone():
    """None leaves an optional field out and is refused for a required one; beside an unknown key a required
    field's None had gone unreported ({"adc.bits": None, "adc.bitz": 3} named adc.bitz alone)"""
    from cimsim.config.keys import SECTION_FIELDS

    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(DEFAULT), {"adc.bitz": 3, "adc.bits": None})
    assert info.value.fields == ["adc.bitz", "adc.bits"] and "'adc.bits' must be an integer" in str(info.value)
    config, refused = load_config(DEFAULT), 0
    for section, fields in SECTION_FIELDS.items():
        for name in fields:
            dotted = f"{section}.{name}"
            try:
                with_overrides(config, {dotted: None})
                alone = False
            except ConfigError as err:  # its own rule's refusal (not a rule between fields, unchecked beside a typo)
                alone = any(f == dotted and m.startswith(f"'{dotted}' must be") for f, m in err.errors)
            with pytest.raises(ConfigError) as info:
                with_overrides(config, {"adc.bitz": 3, dotted: None})
            assert (dotted in info.value.fields) == alone, dotted
            refused += alone
    assert 10 < refused < sum(map(len, SECTION_FIELDS.values()))  # required fields and optional ones both met


def test_set_on_the_command_line_reports_every_problem():
    sets = [arg for key, value in BAD.items() for arg in ("--set", f"{key}={value}")]
    result = CliRunner().invoke(main, ["run", str(DEFAULT), *sets])
    assert result.exit_code == 2
    assert all(f"'{key}'" in result.output for key in BAD), result.output


def test_a_sweep_set_table_reports_every_problem(tmp_path):
    (tmp_path / "s.toml").write_text(f'base = "{DEFAULT.as_posix()}"\n[axes]\n"adc.bits" = [4]\n[set]\n'
                                     '"workload.vectors" = -1\n"adc.bits_x" = 3\n"technology.vdd_v" = "high"\n')
    result = CliRunner().invoke(main, ["sweep", str(tmp_path / "s.toml"), "-o", str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert all(f"'{key}'" in result.output for key in BAD), result.output
