"""Config loading: every field validated, presets merged, errors naming file and dotted field."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cimsim.config import (
    SECTIONS, Config, ConfigError, check_consistency, config_from_dict, config_to_dict, list_presets, load_config,
    load_preset, reference_markdown, with_overrides,
)
from cimsim.config import modes as modes_module
from cimsim.config.conditional import CONDITIONAL_FIELDS
from cimsim.config.memory_checks import MIN_BANK_KIB
from cimsim.config.modes import AdcType, DacMode, Mode
from cimsim.argcheck import has_hidden_character
from cimsim.config.rules import Choice, Float, Int, OptionalFloat, OptionalInt, Text
from cimsim.mapping import plan_layer
from cimsim.cost.technology import delay_scale

CONFIGS = sorted(p for p in (Path(__file__).parents[1] / "configs").glob("*.toml")
                 if not p.name.startswith("sweep-"))  # sweep specs are not run configs (tests/test_sweep.py)
FIELDS = [(section, f) for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
CONSISTENCY_FIELDS = {
    "device.g_min_us", "array.rows_per_read", "adc.cols_per_adc", "device.bits_per_cell", "dac.signed_inputs",
    "dac.input_max", "workload.weights_file", "workload.inputs_file", "array.cols", "device.drift_time_s",
    "device.stuck_at_gmax_rate", "workload.network_file", "workload.dataset_file", "device.preset",
    "baseline.preset", "dac.input_bits", "dac.bits_per_read", "dac.encoding", "adc.accumulation", "array.family",
    "baseline.board_power_w", "baseline.wide_macs_per_cycle", "baseline.onchip_banks", "mapping.subtraction",
    "baseline.narrow_macs_per_cycle",
    "adc.enob", "adc.bits", "array.digital_adders", "array.chain_register_rows", "array.cell_access",
    "technology.vdd_v", "device.iv_nonlinearity", "mapping.weight_bits", "adc.groups_per_conversion",
    "adc.built_bits", "workload.input_zero_fraction", "workload.weight_zero_fraction", "chip.tile_buffer_kib",
    "array.wire_resistance_ohm", "device.drift_nu", "device.drift_nu_sigma", "device.program_verify_tolerance",
    "baseline.sram_kib", "chip.global_buffer_kib", *CONDITIONAL_FIELDS,
}


def error_of(data: dict, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data, "test.toml", **kwargs)
    return info.value


def invalid_values(rule) -> list:
    """Values the rule must reject: each bound crossed, wrong types."""
    if isinstance(rule, Int):
        bad = ["8", 2.0, True]
        bad += [rule.low - 1] if rule.low is not None else []
        bad += [rule.high + 1] if rule.high is not None else []
        return bad
    if isinstance(rule, Float):
        bad = ["1.0", True, float("nan"), float("inf")]
        if rule.low is not None:
            bad.append(rule.low if rule.low_open else rule.low - 1.0)
        if rule.high is not None:
            bad.append(rule.high if rule.high_open else rule.high + 1.0)
        return bad
    if isinstance(rule, Choice):
        return ["no-such-option", 1, rule.names[0].upper()]
    if isinstance(rule, Text):
        return ["", "   ", 3, False]
    raise TypeError(f"no invalid values for {rule!r}")


# ---- shipped files ------------------------------------------------------------------------------

def test_configs_are_shipped():
    assert {p.name for p in CONFIGS} >= {"default.toml", "isaac-like.toml", "sram-cim.toml"}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_loads(path):
    config = load_config(path)
    assert config.source == str(path)
    assert check_consistency(config) == []


def test_presets_listed_with_descriptions():
    presets = list_presets()
    assert set(presets) >= {"rram-default", "rram-isaac-like", "sram-cim", "ideal"}
    assert all(text.strip() for text in presets.values())


@pytest.mark.parametrize("name", sorted(list_presets()))
def test_preset_loads_and_round_trips(name):
    config = load_preset(name)
    assert config.name == name
    assert config_from_dict(config_to_dict(config), config.source) == config


def test_default_config_states_the_rram_default_preset():
    default, preset = load_config(CONFIGS[0].parent / "default.toml"), load_preset("rram-default")
    for section in ("array", "device", "mapping", "dac", "adc", "technology"):
        assert getattr(default, section) == getattr(preset, section)
    assert (default.workload.in_features, default.workload.out_features, default.workload.vectors) == (256, 256, 1000)


def test_preset_values_follow_their_sources():
    rram = load_preset("rram-default")
    assert rram.device.g_max_us == 10.0 and rram.device.g_max_us / rram.device.g_min_us == pytest.approx(17.0)
    assert rram.device.read_pulse_ns == 10.0 and (rram.array.rows, rram.array.cols) == (256, 256)
    isaac = load_preset("rram-isaac-like")
    assert (isaac.array.rows, isaac.array.cols, isaac.device.bits_per_cell) == (128, 128, 2)
    assert (isaac.dac.mode, isaac.adc.bits, isaac.adc.cols_per_adc) == ("bit_serial", 8, 128)
    assert (isaac.technology.node_nm, isaac.technology.clock_ghz) == (32.0, 1.2)
    sram = load_preset("sram-cim")
    assert (sram.device.bits_per_cell, sram.device.g_min_us, sram.dac.mode) == (1, 0.0, "bit_serial")
    assert sram.array.rows_per_read < sram.array.rows


@pytest.mark.parametrize("name", sorted(list_presets()))
def test_preset_description_states_the_converters_it_builds(name):
    # a description's "N-bit DAC" is the DAC priced (two-phase signed inputs leave the sign out of it), its "N-bit
    # ADC" the converter's bits, "ADC ... per output" one converter per output and "ADC per array" one per array
    text, config = list_presets()[name], load_preset(name)
    plan = plan_layer(config)
    for bits in re.findall(r"(\d+)-bit DAC", text):
        assert int(bits) == plan.dac_bits, (name, text)
    for bits in re.findall(r"(\d+)-bit ADC", text):
        assert int(bits) == config.adc.bits, (name, text)
    if re.search(r"ADC\)? per output", text):
        assert plan.adcs_per_array == plan.outputs_per_array, (name, plan.adcs_per_array, plan.outputs_per_array)
    if "ADC per array" in text:
        assert plan.adcs_per_array == 1, (name, plan.adcs_per_array)


def test_neurram_builds_a_neuron_for_every_output_of_a_core():
    # NeuRRAM shares no neuron between columns; cimsim's ADCs convert converted columns (an analog pair is one)
    config = load_preset("neurram")
    plan = plan_layer(config)
    assert plan.analog_subtraction and plan.converted_cols_per_output == 1
    assert plan.adcs_per_array == plan.converted_cols(plan.outputs_per_array) == config.array.cols // 2


def test_ideal_preset_adc_resolves_every_column_sum():
    plan = plan_layer(load_preset("ideal"))
    largest = plan.rows_per_read * plan.max_plane_code * plan.max_level
    values = 2 * largest + 1 if plan.signed_sum else largest + 1
    assert values <= 2 ** plan.adc_bits
    assert plan.g_min_us == 0.0


# ---- defaults, round trip, merge ----------------------------------------------------------------------

def test_empty_dict_gives_the_defaults():
    assert config_from_dict({}, "x") == Config(source="x")


def test_defaults_round_trip():
    config = Config()
    assert config_from_dict(config_to_dict(config), config.source) == config


def test_config_to_dict_leaves_out_unset_optionals():
    data = config_to_dict(Config())
    assert "input_max" not in data["dac"] and "weights_file" not in data["workload"]
    assert "source" not in data


def test_int_accepted_for_float_and_stored_as_float():
    config = config_from_dict({"device": {"g_max_us": 20}}, "x")
    assert config.device.g_max_us == 20.0 and isinstance(config.device.g_max_us, float)


def test_preset_merges_field_by_field():
    config = config_from_dict({"preset": "rram-isaac-like", "adc": {"bits": 6}}, "x")
    assert config.adc.bits == 6
    assert config.adc.cols_per_adc == 128 and config.array.rows == 128
    assert config.name == "rram-isaac-like"


def test_file_name_is_the_default_name(tmp_path):
    path = tmp_path / "my-run.toml"
    path.write_text('preset = "sram-cim"\n')
    config = load_config(path)
    assert config.name == "my-run" and config.device.bits_per_cell == 1


def test_unknown_preset_lists_valid_names():
    err = error_of({"preset": "rram-defualt"})
    assert err.fields == ["preset"]
    for name in list_presets():
        assert f'"{name}"' in str(err)
    with pytest.raises(ConfigError, match="valid presets: .*rram-default"):
        load_preset("nope")
    with pytest.raises(ConfigError, match=r'unknown preset \["isaac"\]; valid presets'):  # not "unhashable type"
        load_preset(["isaac"])
    assert load_preset("isaac") is load_preset("isaac")  # read once


# ---- every field rejects bad values ---------------------------------------------------------------

@pytest.mark.parametrize(("section", "field"), FIELDS, ids=[f"{s}.{f.name}" for s, f in FIELDS])
def test_every_field_rejects_invalid_values(section, field):
    rule = field.metadata["rule"]
    dotted = f"{section}.{field.name}"
    for value in invalid_values(rule):
        assert not rule.accepts(value), (dotted, value)
        err = error_of({section: {field.name: value}})
        assert err.source == "test.toml"
        assert err.fields == [dotted], value
        assert str(err).startswith(f"test.toml: '{dotted}' must be {rule.expected}; got "), str(err)


def test_message_format_is_exact():
    err = error_of({"adc": {"bits": 0}})
    assert str(err) == "test.toml: 'adc.bits' must be an integer in [1, 16]; got 0"
    assert str(error_of({"adc": {"bits": True}})).endswith("; got true")
    assert str(error_of({"adc": {"range": "big"}})).endswith('; got "big"')


def test_top_level_values_are_checked():
    err = error_of({"name": "", "description": 3, "preset": 1, "adc": 5})
    assert sorted(err.fields) == ["adc", "description", "name", "preset"]
    assert "'adc' must be a table" in str(err)


def test_not_a_table_at_all():
    assert error_of([1, 2]).fields == [""]  # type: ignore[arg-type]


# ---- unknown keys ---------------------------------------------------------------------------------

def test_unknown_key_suggests_closest():
    err = error_of({"adc": {"bitz": 6}})
    assert err.errors == [("adc.bitz", "unknown key 'adc.bitz'; did you mean 'adc.bits'?")]


def test_key_in_wrong_table_suggests_the_right_one():
    assert "did you mean 'device.bits_per_cell'?" in str(error_of({"array": {"bits_per_cell": 2}}))


def test_a_dotted_field_where_tables_are_expected_says_where_it_belongs():
    """{"adc.bits": 3} (a dict, or "adc.bits" = 3 quoted in TOML): said where a field goes, not "did you mean
    'adc.bits'" (the key it is)"""
    message = str(error_of({"adc.bits": 3}))
    assert "'adc.bits' is one key here" in message and "{'adc': {'bits': ...}}" in message
    assert "did you mean" not in message


def test_a_path_object_is_a_path_and_an_odd_number_type_is_named(tmp_path):
    """pathlib.Path for a file field is its string (it had been refused as not a string, shown as one); a number of
    a type the config does not take (Decimal) is named with its type (it had read as the number in range)"""
    import decimal

    np.save(tmp_path / "w.npy", np.ones((4, 8)))
    cfg = config_from_dict({"workload": {"weights": "file", "weights_file": tmp_path / "w.npy", "in_features": 8,
                                         "out_features": 4}})
    assert cfg.workload.weights_file == str(tmp_path / "w.npy")
    assert "got 5.5 (a Decimal)" in str(error_of({"device": {"g_max_us": decimal.Decimal("5.5")}}))


def test_unknown_table_suggests_closest():
    assert "unknown key 'devices'; did you mean 'device'?" in str(error_of({"devices": {}}))


def test_unknown_key_without_match_lists_valid_keys():
    assert "valid keys of [adc]: bits, type, enob, built_bits, accumulation, groups_per_conversion" in str(
        error_of({"adc": {"qqqqqqqq": 1}}))
    assert "valid keys: name, preset, description and the tables array" in str(error_of({"zzzzzz": 1}))


# ---- cross-field checks -----------------------------------------------------------------------------

def test_one_bit_signed_inputs_are_binary_with_a_bipolar_dac_only(tmp_path):
    """1 input bit: unsigned (0/1) or bipolar (binary +/-1); the other sign handlings have no magnitude bit left and
    the error names the two that work"""
    config = config_from_dict({"dac": {"input_bits": 1, "signed_inputs": "bipolar"}}, "t.toml")
    assert plan_layer(config).binary_inputs and plan_layer(config).dac_bits == 1
    err = error_of({"dac": {"input_bits": 1, "signed_inputs": "two_phase"}}, base_dir=tmp_path)
    assert "\"unsigned\"" in str(err) and "\"bipolar\" (binary inputs" in str(err)


@pytest.mark.parametrize(("data", "field"), [
    ({"device": {"g_min_us": 10.0, "g_max_us": 10.0}}, "device.g_min_us"),
    ({"array": {"rows": 128, "rows_per_read": 129}}, "array.rows_per_read"),
    ({"array": {"cols": 64}, "adc": {"cols_per_adc": 65}}, "adc.cols_per_adc"),
    ({"mapping": {"weight_bits": 3}, "device": {"bits_per_cell": 3}}, "device.bits_per_cell"),
    ({"mapping": {"weight_bits": 1, "signed_encoding": "offset", "subtraction": "analog"},
      "device": {"bits_per_cell": 1}}, "mapping.subtraction"),
    ({"mapping": {"signed_encoding": "twos_complement"}, "device": {"bits_per_cell": 1, "g_min_us": 0.0}},
     "mapping.subtraction"),
    ({"mapping": {"signed_encoding": "twos_complement", "subtraction": "digital", "weight_bits": 1},
      "device": {"bits_per_cell": 1, "g_min_us": 0.0}}, "mapping.weight_bits"),
    ({"mapping": {"signed_encoding": "twos_complement", "subtraction": "digital"},
      "device": {"bits_per_cell": 2, "g_min_us": 0.0}}, "device.bits_per_cell"),
    ({"mapping": {"signed_encoding": "twos_complement", "subtraction": "digital"},
      "device": {"bits_per_cell": 1, "g_min_us": 0.5}}, "device.g_min_us"),
    ({"mapping": {"signed_encoding": "twos_complement", "subtraction": "digital"},
      "device": {"bits_per_cell": 1, "g_min_us": 0.0}, "adc": {"accumulation": "slices"}}, "adc.accumulation"),
    ({"adc": {"bits": 6, "enob": 7.5}}, "adc.enob"),
    ({"adc": {"bits": 6, "built_bits": 5}}, "adc.built_bits"),
    ({"adc": {"bits": 6, "built_bits": 8, "type": "flash"}}, "adc.built_bits"),
    ({"adc": {"bits": 6, "built_bits": 8, "enob": 5.5}}, "adc.enob"),
    ({"dac": {"mode": "sliced"}}, "dac.bits_per_read"),
    ({"dac": {"mode": "parallel", "bits_per_read": 2}}, "dac.bits_per_read"),
    ({"dac": {"mode": "bit_serial", "bits_per_read": 2}}, "dac.bits_per_read"),
    ({"dac": {"mode": "sliced", "bits_per_read": 8, "input_bits": 8}}, "dac.bits_per_read"),
    ({"dac": {"input_bits": 1}}, "dac.input_bits"),
    ({"dac": {"input_bits": 1, "mode": "bit_serial", "signed_inputs": "twos_complement"}}, "dac.input_bits"),
    ({"array": {"family": "digital"}, "adc": {"accumulation": "planes"}}, "adc.accumulation"),
    ({"array": {"family": "digital"}, "dac": {"encoding": "pulse_width"}}, "dac.encoding"),
    ({"array": {"family": "digital"}, "dac": {"signed_inputs": "bipolar"}}, "dac.signed_inputs"),
    ({"array": {"family": "digital"}, "device": {"read_noise_sigma": 0.01}}, "array.family"),
    ({"dac": {"mode": "parallel", "signed_inputs": "twos_complement"}}, "dac.signed_inputs"),
    ({"dac": {"input_range": "fixed"}}, "dac.input_max"),
    ({"dac": {"input_max": 2.0}}, "dac.input_max"),  # per_vector: the fixed scale would apply all the same
    ({"workload": {"weights": "file"}}, "workload.weights_file"),
    ({"workload": {"inputs": "file"}}, "workload.inputs_file"),
    ({"workload": {"weights": "file", "weights_file": "missing.npy"}}, "workload.weights_file"),
    ({"array": {"cols": 7}, "adc": {"cols_per_adc": 1}}, "array.cols"),
])
def test_consistency_check_fires(data, field, tmp_path):
    err = error_of(data, base_dir=tmp_path)
    assert err.fields == [field]
    assert f"'{field}'" in str(err)


def test_twos_complement_weights_on_a_digital_array_are_told_of_its_adders_not_an_adc():
    """(the message had said the bits are recombined after the ADC, on an array without one)"""
    data = {"array": {"family": "digital"}, "mapping": {"signed_encoding": "twos_complement"},
            "device": {"preset": "sram"}}
    message = str(error_of(data))
    assert "recombined by the adders, the sign bit's column subtracted: it needs 'mapping.subtraction'" in message
    assert "ADC" not in message
    data["mapping"]["subtraction"] = "digital"
    config_from_dict(data, "x")


def test_consistency_edges_are_accepted():
    config_from_dict({"array": {"rows": 128, "rows_per_read": 128}, "adc": {"cols_per_adc": 256}}, "x")
    config_from_dict({"mapping": {"weight_bits": 3}, "device": {"bits_per_cell": 2}}, "x")
    config_from_dict({"mapping": {"weight_bits": 3, "signed_encoding": "offset"}, "device": {"bits_per_cell": 3}},
                     "x")
    config_from_dict({"array": {"cols": 8}, "adc": {"cols_per_adc": 8}}, "x")  # 4 slices x 2 polarities
    config_from_dict({"dac": {"input_range": "fixed", "input_max": 2.5}}, "x")


def test_float32_limit_refuses_a_simulation_not_a_config():
    """2**24 bounds the simulator's exact float32 products, not the hardware: the loader (and so pricing) takes the
    design; a crossbar, a run and validate refuse it, naming the field and the limit"""
    from cimsim.numerics import Crossbar
    from cimsim.preflight import preflight

    data = {"dac": {"input_bits": 16}, "device": {"bits_per_cell": 8}, "mapping": {"weight_bits": 16}}
    config = config_from_dict(data, "x")
    for simulate in (Crossbar, preflight):
        with pytest.raises(ConfigError) as info:
            simulate(config)
        assert info.value.fields == ["array.rows_per_read"]
        assert "2**24 = 16777216" in str(info.value) and "256 x 32767 x 255" in str(info.value)
    Crossbar(config_from_dict({**data, "array": {"rows_per_read": 2}}, "x"))  # 2 x 32767 x 255 < 2**24


@pytest.mark.parametrize("data", [
    {"mapping": {"subtraction": "analog"}, "dac": {"signed_inputs": "unsigned"}},
    {"mapping": {"subtraction": "digital"}, "dac": {"signed_inputs": "bipolar"}},
    {"mapping": {"subtraction": "analog"}, "dac": {"signed_inputs": "bipolar"}},
    {"mapping": {"subtraction": "digital"}, "dac": {"signed_inputs": "bipolar", "input_bits": 1}},  # binary
    {"mapping": {"subtraction": "digital"}, "dac": {"signed_inputs": "two_phase", "mode": "bit_serial"},
     "adc": {"accumulation": "planes"}},  # the negative phase summed with the positive
])
def test_a_one_bit_converter_of_a_signed_sum_is_a_sign_comparator(data):
    """refused until 2026-12 ("1 bit holds no sign"): now codes -1/2 and +1/2 (tests/test_sign_adc.py)"""
    from cimsim.numerics.converters import adc_setting

    plan = plan_layer(config_from_dict({**data, "adc": {"bits": 1, **data.get("adc", {})}}, "x"))
    setting = adc_setting(plan, np.array([[10.0]]))
    assert plan.signed_sum and (setting.code_min, setting.code_max, setting.full_scale[0, 0]) == (-0.5, 0.5, 10.0)


def test_data_files_resolve_against_the_config_directory(tmp_path):
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "w.npy", np.zeros((4, 4)))
    path = tmp_path / "run.toml"
    path.write_text('[workload]\nweights = "file"\nweights_file = "data/w.npy"\n')
    config = load_config(path)
    assert config.workload.weights_file == str(tmp_path / "data" / "w.npy")
    assert Path(config.workload.weights_file).is_absolute()


def test_several_consistency_errors_reported_together():
    err = error_of({"device": {"g_min_us": 20.0}, "array": {"rows": 64, "rows_per_read": 128},
                    "dac": {"input_range": "fixed"}})
    assert sorted(err.fields) == ["array.rows_per_read", "dac.input_max", "device.g_min_us"]


# ---- files ----------------------------------------------------------------------------------------

def test_all_errors_of_a_file_are_reported(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[adc]\nbits = 0\nbitz = 3\n[array]\nrows = "many"\n[device]\ng_max_us = -1\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert err.source == str(path)
    assert sorted(err.fields) == ["adc.bits", "adc.bitz", "array.rows", "device.g_max_us"]
    lines = str(err).splitlines()
    assert len(lines) == 4 and all(line.startswith(f"{path}: ") for line in lines)


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\n[adc]\nbits = = 3\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: invalid TOML")
    assert "line 3" in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.toml")


def test_config_error_pickles():
    err = error_of({"adc": {"bits": 0}})
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.source, copy.errors, str(copy)) == (err.source, err.errors, str(err))


# ---- overrides ----------------------------------------------------------------------------------

def test_with_overrides_updates_and_keeps_the_rest():
    base = load_preset("rram-default")
    config = with_overrides(base, {"adc.bits": 6, "array.rows_per_read": 64, "name": "sweep-1"})
    assert (config.adc.bits, config.array.rows_per_read, config.name) == (6, 64, "sweep-1")
    assert config.device == base.device and config.source == base.source


def test_chained_overrides_keep_a_field_that_stops_applying_on_the_way():
    """a calibrated ADC's percentile survives a detour through range "max" (where it does not apply); it had come back
    as the default 99.99, config_to_dict having left it out of the intermediate config"""
    calibrated = with_overrides(load_preset("rram-default"), {"adc.range": "calibrated", "adc.percentile": 99.0})
    fixed = with_overrides(calibrated, {"adc.range": "max"})
    assert "percentile" not in config_to_dict(fixed)["adc"]  # the round trip of a config stays as it was
    assert with_overrides(fixed, {"adc.range": "calibrated"}).adc.percentile == 99.0
    with pytest.raises(ConfigError, match="'adc.percentile' applies only when"):  # stating it there is still refused
        with_overrides(fixed, {"adc.percentile": 98.0})


def test_a_network_workload_refuses_a_dense_layers_fields_and_round_trips_without_them(tmp_path):
    """in_features, out_features, weights, inputs: a network takes them from itself and its dataset, so a config or
    override stating them for one is refused (they had been ignored); config_to_dict leaves them out"""
    base = load_config(CONFIGS[0].parent / "digits-mlp.toml")
    with pytest.raises(ConfigError) as info:
        with_overrides(base, {"workload.in_features": 100, "workload.weights": "uniform", "workload.vectors": 50})
    assert info.value.fields == ["workload.in_features", "workload.weights"]
    assert "'workload.in_features' applies only when the workload is a dense layer" in str(info.value)
    data = config_to_dict(base)
    assert not {"in_features", "out_features", "weights", "inputs"} & set(data["workload"])
    assert config_from_dict(data, base.source) == base
    text = (CONFIGS[0].parent / "digits-mlp.toml").read_text().replace("[workload]", "[workload]\nout_features = 10")
    (tmp_path / "net.toml").write_text(text.replace('"../src', f'"{CONFIGS[0].parents[1]}/src'))
    with pytest.raises(ConfigError, match="'workload.out_features' applies only when the workload is a dense"):
        load_config(tmp_path / "net.toml")
    dense = with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {"workload.in_features": 100})
    assert dense.workload.in_features == 100 and "in_features" in config_to_dict(dense)["workload"]


_IGNORED = "applies only when {}; here it would be ignored"
_CALIBRATED = "'adc.range' is \"calibrated\" on an analog array (not 'array.family' = \"digital\")"
_FIXED = "'adc.range' is \"fixed\" on an analog array (not 'array.family' = \"digital\")"
_CONVERTED = ("the array converts its sums ('array.family' is not \"digital\": a digital array's adder trees sum "
              "exactly, with no ADC)")
_UNREAD = "is set, but {}: the file would not be read"
_PRICED_BY_ENOB = ("'adc.type' is \"sar\" or \"flash\" and 'adc.bits' above 1, on an analog array (a ramp or VCO "
                   "converter is priced by its 2**bits counts whatever its ENOB, a 1-bit converter is one column "
                   "comparator whatever its ENOB, and an ENOB adds no noise: it prices a converter only)")


@pytest.mark.parametrize("overrides, field, message", [
    ({"workload.weights_file": "w.npy"}, "workload.weights_file", _UNREAD.format("'workload.weights' is \"normal\"")),
    ({"workload.inputs_file": "x.npy"}, "workload.inputs_file", _UNREAD.format("'workload.inputs' is \"uniform\"")),
    ({"workload.network_file": "n.npz"}, "workload.network_file", _UNREAD.format("'workload.kind' is \"dense\"")),
    ({"workload.dataset_file": "d.npz"}, "workload.dataset_file", _UNREAD.format("'workload.kind' is \"dense\"")),
    ({"adc.range": "max", "adc.percentile": 99.0}, "adc.percentile", _IGNORED.format(_CALIBRATED)),
    ({"adc.range": "max", "adc.calibration_vectors": 8}, "adc.calibration_vectors",
     _IGNORED.format(_CALIBRATED)),
    ({"adc.range": "max", "adc.calibration_scope": "column"}, "adc.calibration_scope",
     _IGNORED.format(_CALIBRATED)),
    ({"adc.full_scale_fraction": 0.5}, "adc.full_scale_fraction", _IGNORED.format(_FIXED)),
    ({"device.program_verify_max_writes": 5}, "device.program_verify_max_writes",
     _IGNORED.format("'device.program_verify_tolerance' is set")),
    ({"array.cell_capacitance_ff": 500.0}, "array.cell_capacitance_ff",
     _IGNORED.format("'array.family' is \"charge\"")),
    ({"array.ir_drop": "approximate"}, "array.ir_drop", _IGNORED.format("'array.wire_resistance_ohm' is above 0")),
    ({"baseline.board_power_w": 300.0}, "baseline.board_power_w",
     _IGNORED.format("'baseline.energy_model' is \"board_power\"")),
    *[({"array.family": "digital", field: value}, field, _IGNORED.format(_CONVERTED)) for field, value in (
        ("adc.bits", 6), ("adc.type", "flash"), ("adc.range", "max"), ("adc.offset_lsb", 0.5),
        ("adc.gain_error", 0.01), ("adc.inl_lsb", 0.5))],  # a digital array has no ADC: they had been ignored
    # a ramp's or VCO's energy counts its steps: an ENOB stated for one had been echoed in the report, pricing nothing;
    # so had one for a 1-bit sar or flash, one column comparator (until 2026-12)
    *[({**family, "adc.enob": 5.0}, "adc.enob", _IGNORED.format(_PRICED_BY_ENOB))
      for family in ({"array.family": "digital"}, {"adc.type": "vco"}, {"adc.type": "ramp"})],
    *[({"adc.type": adc_type, "adc.bits": 1, "adc.enob": 0.8}, "adc.enob", _IGNORED.format(_PRICED_BY_ENOB))
      for adc_type in ("sar", "flash")],
    ({"array.family": "digital", "adc.percentile": 99.0}, "adc.percentile", _IGNORED.format(_CALIBRATED)),
])
def test_a_setting_the_config_would_ignore_is_refused(overrides, field, message):
    """a user who states a file or a field means it to be read or to change something; where the settings ignore
    it (it had been ignored silently), the config says so"""
    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(CONFIGS[0].parent / "default.toml"), overrides)
    assert info.value.fields == [field]
    assert f"'{field}' {message}" in str(info.value)


def test_a_tile_buffer_smaller_than_one_read_is_refused():
    """a 1-byte tile buffer had been priced (cheaper than the 64 KiB one: Horowitz's law in its size); 4096 rows of
    8-bit inputs need 4 KiB, above the field's 1 KiB floor"""
    with pytest.raises(ConfigError, match=r"'chip.tile_buffer_kib' \(2\) must hold one array read's inputs: "
                                          r"'array.rows' x 'dac.input_bits' = 32768 bits \(4 KiB\)"):
        with_overrides(load_config(CONFIGS[0].parent / "default.toml"),
                       {"array.rows": 4096, "workload.in_features": 4096, "chip.tile_buffer_kib": 2.0})


@pytest.mark.parametrize("name", ["tile_buffer_kib", "global_buffer_kib"])
def test_a_chip_buffers_floor_is_its_fields_range(name):
    """docs/configuration.md gave both buffers [0.001, 1e9] KiB while a cross-field check refused anything below
    1 KiB (the memory laws' anchors): the floor is the field's own range, as the reference states it"""
    rule = next(f for f in dataclasses.fields(SECTIONS["chip"]) if f.name == name).metadata["rule"]
    assert (rule.low, rule.low_open) == (MIN_BANK_KIB, False)
    row = next(line for line in reference_markdown().splitlines() if line.startswith(f"| `{name}` |"))
    assert "a finite number in [1.0, 1000000000.0]" in row and "anchored at 8 KB and 64 KB" in row
    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {f"chip.{name}": 0.5})
    assert info.value.fields == [f"chip.{name}"]
    assert f"'chip.{name}' must be a finite number in [1.0, 1000000000.0]; got 0.5" in str(info.value)
    with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {f"chip.{name}": 1.0})  # 1 KiB: accepted


@pytest.mark.parametrize("overrides, field", [
    ({"baseline.sram_kib": 1e-9, "baseline.onchip_memory": "edram"}, "baseline.sram_kib"),
    ({"baseline.sram_kib": 0.5}, "baseline.sram_kib"),
])
def test_a_memory_bank_below_a_kib_is_refused_whatever_the_banks(overrides, field):
    """one bank of 1e-9 KiB had been priced 3e-10 pJ/bit (eDRAM; 0.74 at 512 KiB) and a 1-byte global buffer 13 pJ
    against 6185, while the same memory over 2 banks was refused: every bank the memory laws price holds 1 KiB"""
    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(CONFIGS[0].parent / "default.toml"), overrides)
    assert info.value.fields == [field]
    assert f"'{field}' must be a finite number in [1.0, 1000000000.0]; got {overrides[field]!r}" in str(info.value)
    with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {**overrides, field: 1.0})  # 1 KiB: accepted


def test_a_default_written_out_where_it_does_not_apply_is_no_error(tmp_path):
    """configs/default.toml writes percentile and calibration_vectors at their defaults: switching its range to
    "max" in the file changes nothing they say, so it is accepted"""
    text = (CONFIGS[0].parent / "default.toml").read_text().replace('range = "calibrated"', 'range = "max"')
    (tmp_path / "max.toml").write_text(text)
    assert load_config(tmp_path / "max.toml").adc.range == "max"


def test_fields_that_do_not_apply_are_left_out_of_the_written_config_and_it_round_trips():
    config = with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {"adc.range": "max"})
    data = config_to_dict(config)
    assert not {"percentile", "calibration_vectors", "calibration_scope", "full_scale_fraction"} & set(data["adc"])
    assert "program_verify_max_writes" not in data["device"]
    assert config_from_dict(data, config.source) == config
    calibrated = config_to_dict(load_config(CONFIGS[0].parent / "default.toml"))
    assert {"percentile", "calibration_vectors", "calibration_scope"} <= set(calibrated["adc"])


def test_a_network_workload_refuses_dense_files_and_a_dataset_file_it_would_not_read():
    base = load_config(CONFIGS[0].parent / "digits-mlp.toml")
    for overrides, field in (({"workload.weights_file": "w.npy"}, "workload.weights_file"),
                             ({"workload.dataset_file": "d.npz"}, "workload.dataset_file")):
        with pytest.raises(ConfigError) as info:
            with_overrides(base, overrides)
        assert info.value.fields == [field]


def test_with_overrides_takes_numpy_numbers_as_python_ones():
    """research scripts sweep with numpy: scalars and 0-d arrays are the number they hold; an array is refused,
    named as an array (not shown as a list)"""
    config = with_overrides(Config(), {"adc.bits": np.int64(6), "technology.vdd_v": np.float32(0.75),
                                       "array.rows_per_read": np.array(64)})
    assert (config.adc.bits, config.array.rows_per_read) == (6, 64) and type(config.adc.bits) is int
    assert config.technology.vdd_v == pytest.approx(0.75) and type(config.technology.vdd_v) is float
    with pytest.raises(ConfigError, match=r"'adc.bits' must be an integer in \[1, 16\]; got an array of shape \(1,\)"):
        with_overrides(Config(), {"adc.bits": np.array([6])})


@pytest.mark.parametrize("value", [np.ma.masked, np.ma.masked_array(3.0, mask=True)])
def test_a_masked_number_is_refused_as_missing_not_read_under_its_mask(value):
    """a masked scalar is a missing value: its item() is the value under the mask (np.ma.masked's 0.0), which had
    run as the setting (a probe); unmasked, it is the number it holds"""
    with pytest.raises(ConfigError, match=r"'adc.offset_lsb' must be a finite number .*; got -- \(a Masked"):
        with_overrides(Config(), {"adc.offset_lsb": value})
    assert with_overrides(Config(), {"adc.offset_lsb": np.ma.masked_array(3.0, mask=False)}).adc.offset_lsb == 3.0


def test_with_overrides_validates_values():
    with pytest.raises(ConfigError) as info:
        with_overrides(Config(), {"adc.bits": 0, "dac.mode": "serial"})
    assert sorted(info.value.fields) == ["adc.bits", "dac.mode"]


def test_an_overrides_value_is_named_as_an_overrides_not_the_files(tmp_path):
    """--set adc.bits=0 had read as the file's error ("default.toml: 'adc.bits' must be ...", the file says 8)"""
    with pytest.raises(ConfigError, match=r"'adc.bits' must be .*; got 0 \(given as an override\)"):
        with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {"adc.bits": 0})
    (tmp_path / "bad.toml").write_text("[adc]\nbits = 0\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "bad.toml")
    assert "given as an override" not in str(info.value)


def test_with_overrides_rejects_unknown_keys():
    with pytest.raises(ConfigError, match="did you mean 'adc.bits'"):
        with_overrides(Config(), {"adc.bitz": 6})
    with pytest.raises(ConfigError, match="valid keys: name, description and 'table.field'"):
        with_overrides(Config(), {"qqqqqq": 6})


def test_a_description_override_is_checked_as_text_and_changes_nothing_else():
    """description is a documented top-level key: --set description="..." is taken (it had been 'unknown key'),
    checked as a file's is, and leaves the config as it was"""
    assert with_overrides(Config(), {"description": "run A"}) == with_overrides(Config(), {})
    with pytest.raises(ConfigError, match="description"):
        with_overrides(Config(), {"description": 5})


def test_with_overrides_checks_consistency():
    with pytest.raises(ConfigError) as info:
        with_overrides(Config(), {"device.g_min_us": 50.0})
    assert info.value.fields == ["device.g_min_us"]


def test_with_overrides_resolves_paths_against_base_dir(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 256)))
    config = with_overrides(Config(), {"workload.inputs": "file", "workload.inputs_file": "x.npy"}, base_dir=tmp_path)
    assert config.workload.inputs_file == str(tmp_path / "x.npy")
    with pytest.raises(ConfigError) as info:
        with_overrides(Config(), {"workload.inputs": "file", "workload.inputs_file": "x.npy"},
                       base_dir=tmp_path / "elsewhere")
    assert info.value.fields == ["workload.inputs_file"]


def test_with_overrides_can_unset_an_optional_field():
    fixed = config_from_dict({"dac": {"input_range": "fixed", "input_max": 2.0}}, "x")
    assert with_overrides(fixed, {"dac.input_range": "per_vector", "dac.input_max": None}).dac.input_max is None


# ---- modes ----------------------------------------------------------------------------------------

def test_choice_fields_store_their_mode_and_write_plain_names():
    config = config_from_dict({"dac": {"mode": "sliced", "bits_per_read": 2}, "adc": {"type": "flash"}}, "t.toml")
    assert config.dac.mode is DacMode.SLICED and config.adc.type is AdcType.FLASH
    for section, field in FIELDS:
        rule = field.metadata["rule"]
        if isinstance(rule, Choice):  # every choice field is a mode enum, its default one of its members
            assert isinstance(rule.options, type) and issubclass(rule.options, Mode), field.name
            assert isinstance(getattr(getattr(config, section), field.name), rule.options), field.name
    table = config_to_dict(config)
    assert table["dac"]["mode"] == "sliced" and type(table["dac"]["mode"]) in (str, DacMode)
    assert '"mode": "sliced"' in json.dumps(table["dac"])
    assert config_from_dict(json.loads(json.dumps(table)), "t.toml") == config  # the plain names load back
    assert repr(config.dac).count("'sliced'") == 1  # short reprs, no enum noise
    assert pickle.loads(pickle.dumps(config)) == config


def test_every_mode_member_is_documented():
    modes = [cls for cls in vars(modes_module).values()
             if isinstance(cls, type) and issubclass(cls, Mode) and cls is not Mode]
    assert len(modes) >= 27
    for cls in modes:
        assert cls.__doc__ and cls.__doc__ != Mode.__doc__, cls
        for member in cls:
            assert member.__doc__ and member.__doc__ != cls.__doc__ and member == member.value, (cls, member)


# ---- reference, imports -------------------------------------------------------------------------

def test_reference_lists_every_field():
    text = reference_markdown()
    for section, field in FIELDS:
        assert f"## `[{section}]`" in text
        row = next(line for line in text.splitlines()
                   if line.startswith(f"| `{field.name}` |") and field.metadata["doc"].replace("|", "\\|") in line)
        rule = field.metadata["rule"]
        if isinstance(rule, Choice):  # every mode named with its meaning
            assert all(f'"{name}"' in row for name in rule.names)
            assert all(member.__doc__.replace("|", "\\|") in row for member in rule.options)
        else:
            assert rule.expected in row
    for name in list_presets():
        assert f"| `{name}` |" in text


def test_mapping_imports_first_without_a_cycle():
    subprocess.run([sys.executable, "-c", "import cimsim.mapping, cimsim.config"], check=True)


# ---- property: every in-range value is accepted, or rejected by a named consistency check ----------

def valid_values(rule) -> st.SearchStrategy:
    if isinstance(rule, Int):
        values = st.integers(rule.low, rule.high if rule.high is not None else 1 << 30)
        return st.one_of(st.none(), values) if isinstance(rule, OptionalInt) else values
    if isinstance(rule, Float):
        values = st.floats(rule.low, rule.high if rule.high is not None else 1e6, exclude_min=rule.low_open,
                           exclude_max=rule.high_open, allow_nan=False, allow_infinity=False)
        return st.one_of(st.none(), values) if isinstance(rule, OptionalFloat) else values
    if isinstance(rule, Choice):
        return st.sampled_from(rule.names)
    if isinstance(rule, Text):
        text = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() and "\x00" not in s)
        text = text.filter(lambda s: not has_hidden_character(s)) if rule.one_line else text  # a one-line name
        return st.one_of(st.none(), text) if rule.optional else text
    raise TypeError(f"no strategy for {rule!r}")


CONFIG_DICTS = st.fixed_dictionaries({
    section: st.fixed_dictionaries({f.name: valid_values(f.metadata["rule"]) for f in dataclasses.fields(cls)})
    for section, cls in SECTIONS.items()
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CONFIG_DICTS)
def test_in_range_values_are_accepted_or_fail_a_named_check(data):
    try:
        config = config_from_dict(data, "prop.toml")
    except ConfigError as err:
        assert set(err.fields) <= CONSISTENCY_FIELDS, str(err)
    else:
        for section in SECTIONS:
            for key, value in data[section].items():
                assert getattr(getattr(config, section), key) == value or key.endswith("_file")


@st.composite
def consistent_dicts(draw) -> dict:
    """In-range values for every field, with the dependent fields drawn inside what the others allow."""
    data = draw(CONFIG_DICTS)
    array, device, weights, dac, adc, workload = (
        data[s] for s in ("array", "device", "mapping", "dac", "adc", "workload"))
    twos = weights["signed_encoding"] == "twos_complement"
    if twos:  # a bit per unsubtracted cell that conducts nothing when off, its sign bit converted apart (tested)
        weights["weight_bits"] = max(2, weights["weight_bits"])
        weights["subtraction"], device["g_min_us"] = "digital", 0.0
        summed = adc["accumulation"]
        adc["accumulation"] = {"slices": "none", "planes_and_slices": "planes"}.get(summed, summed)
    device["g_min_us"] = min(device["g_min_us"], 1e5)  # g_max_us, above it, is at most 1e6
    device["g_max_us"] = device["g_min_us"] * (1 + 1e-6) + draw(st.floats(1e-3, 1e3))  # on/off >= 1 + 1e-6
    technology = data["technology"]
    try:
        delay_scale(technology["node_nm"], technology["vdd_v"], technology["node_nm"], technology["vdd_v"])
    except ValueError:  # beyond the node's supply fit (refused, tested by the cross-field checks): every fit takes 1 V
        technology["vdd_v"] = 1.0
    stored_bits = max(1, weights["weight_bits"] - (weights["signed_encoding"] == "differential"))
    if weights["weight_bits"] == 1 and weights["signed_encoding"] == "offset":
        weights["subtraction"] = "digital"
    device["bits_per_cell"] = 1 if twos else draw(st.integers(1, min(8, stored_bits)))
    slices = -(-stored_bits // device["bits_per_cell"])
    offset = weights["signed_encoding"] == "offset"
    array["cols"] = draw(st.integers(slices * (1 if offset else 2) + (slices if offset else 0), 4096))
    adc["cols_per_adc"] = draw(st.integers(1, array["cols"]))
    parallel = dac["mode"] == "parallel"
    dac["signed_inputs"] = draw(st.sampled_from(["two_phase", "bipolar", "unsigned"]
                                                + ([] if parallel else ["twos_complement"])))
    unsigned = dac["signed_inputs"] == "unsigned"
    binary = dac["signed_inputs"] == "bipolar" and dac["input_bits"] == 1  # +/-1 inputs: a magnitude of 1
    dac["input_bits"] = max(dac["input_bits"], 1 if unsigned or binary else 2)
    magnitude = dac["input_bits"] - (0 if unsigned or binary else 1)
    dac["bits_per_read"] = {"parallel": magnitude, "bit_serial": 1}.get(dac["mode"]) or draw(
        st.integers(1, magnitude))
    if array["family"] == "digital":
        array["family"] = "resistive"  # digital arrays refuse analog settings (tested by the cross-field checks)
    array["digital_adders"], array["chain_register_rows"] = "tree", 0  # adders of digital arrays only (tested there)
    if array["family"] != "resistive":
        array["cell_access"] = "1t1r"  # a crosspoint is a resistive cell (tested in test_families)
        device["iv_nonlinearity"] = 2.0  # so is a non-linear I-V curve (tested in test_iv_curve)
    if dac["input_range"] == "fixed" and dac["input_max"] is None:
        dac["input_max"] = 1.0
    elif dac["input_range"] != "fixed":
        dac["input_max"] = None  # it would fix the scale all the same: refused (tested by the cross-field checks)
    adc["bits"] = max(adc["bits"], 2)  # a 1-bit ADC cannot convert a signed sum (tested by the cross-field checks)
    if adc["built_bits"] is not None:  # a converter built for more bits: a SAR, no ENOB of its own (tested there)
        adc.update(built_bits=max(adc["built_bits"], adc["bits"]), type="sar", enob=None)
    if adc["type"] == "flash":  # at most the survey's flash designs' 8 bits (tested in test_adc_models)
        adc["bits"] = min(adc["bits"], 8)
    if adc["enob"] is not None and adc["type"] in ("ramp", "vco"):  # a counting converter has no ENOB (tested there)
        adc["enob"] = None
    if adc["enob"] is not None:
        adc["enob"] = min(adc["enob"], float(adc["bits"]))
    one_plane = dac["signed_inputs"] in ("unsigned", "bipolar") and dac["bits_per_read"] >= magnitude
    parts = {"planes": not one_plane, "slices": slices > 1}  # what there is more than one of to sum (else refused)
    kept = [part for part in ("planes", "slices") if part in adc["accumulation"] and parts[part]]
    adc["accumulation"] = "_and_".join(kept) or "none"
    if dac["bits_per_read"] == 1:  # a read of one level is one pulse: a time-domain encoding is refused (tested)
        dac["encoding"] = "voltage"
    plane_code = 2 ** dac["bits_per_read"] - 1
    level = 2 ** device["bits_per_cell"] - 1
    entry = level * sum(2 ** (s * device["bits_per_cell"]) for s in range(slices))  # the slices summed on a column
    if adc["accumulation"] not in ("slices", "planes_and_slices") or plane_code * entry >= 2 ** 24:
        adc["accumulation"] = {"slices": "none", "planes_and_slices": "planes"}.get(adc["accumulation"],
                                                                                     adc["accumulation"])
        entry = level  # (summed slices past float32's exact sums even on one row: refused, tested there)
    float32_rows = (2 ** 24 - 1) // (plane_code * entry)
    array["rows_per_read"] = draw(st.integers(1, min(array["rows"], float32_rows)))
    row_groups = -(-array["rows"] // array["rows_per_read"])  # at most the row groups whose sum float32 holds
    adc["groups_per_conversion"] = draw(st.integers(1, max(1, min(row_groups, float32_rows // array["rows_per_read"]))))
    workload["weights"] = draw(st.sampled_from(["normal", "uniform"]))
    workload["inputs"] = draw(st.sampled_from(["normal", "uniform"]))
    workload["kind"], workload["dataset"] = "dense", "digits"  # a network's dataset: refused for a dense layer
    for name in ("weights_file", "inputs_file", "network_file", "dataset_file"):
        workload[name] = None  # a file the workload would not read is refused (tested by the cross-field checks)
    if binary:  # +/-1 inputs have no zero (refused, tested in test_data_stats)
        workload["input_zero_fraction"] = 0.0
    if weights["weight_bits"] == 1:  # nor have +/-1 weights
        workload["weight_zero_fraction"] = 0.0
    device["drift_time_s"] = device["drift_t0_s"] * draw(st.floats(1.0, 1e6))
    if device["drift_time_s"] == device["drift_t0_s"]:  # reads at t0 see no drift: stating some is refused (tested)
        device.update(drift_nu=0.0, drift_nu_sigma=0.0)
    device["stuck_at_gmax_rate"] = draw(st.floats(0.0, 1.0 - device["stuck_at_gmin_rate"]))
    baseline = data["baseline"]
    baseline["wide_macs_per_cycle"] = draw(st.integers(0, baseline["macs_per_cycle"]))
    baseline["narrow_macs_per_cycle"] = draw(st.integers(baseline["macs_per_cycle"], 1 << 26)) if draw(
        st.booleans()) else 0
    baseline["sram_kib"] = max(baseline["sram_kib"], 1.0)  # a bank holds at least 1 KiB (tested by the checks)
    baseline["onchip_banks"] = draw(st.integers(1, min(1 << 20, int(baseline["sram_kib"]))))
    if baseline["onchip_memory"] == "edram":  # banks of at most 8 KiB: within the eDRAM energy law's range
        baseline["sram_kib"] = min(baseline["sram_kib"], 8.0 * (1 << 20))
        baseline["onchip_banks"] = max(baseline["onchip_banks"], -(-int(baseline["sram_kib"]) // 8))
    if baseline["energy_model"] == "board_power" and baseline["board_power_w"] is None:
        baseline["board_power_w"] = 300.0
    if array["family"] in ("charge", "current"):  # SRAM cells: no drift nor program-and-verify (test_families)
        device.update(drift_nu=0.0, drift_nu_sigma=0.0, program_verify_tolerance=None)
    device.pop("preset")
    baseline.pop("preset")
    if adc["range"] != "calibrated":  # fields that would not apply are refused (tested by the cross-field checks)
        for name in ("percentile", "calibration_vectors", "calibration_scope"):
            adc.pop(name)
    if adc["range"] != "fixed":
        adc.pop("full_scale_fraction")
    if device["program_verify_tolerance"] is None:
        device.pop("program_verify_max_writes")
    if array["family"] != "resistive":  # an SRAM family's lines swing the supply (refused, tested in test_families)
        device.pop("read_voltage_v")
    if array["family"] != "charge":
        array.pop("cell_capacitance_ff")
    else:  # a charge-sharing column carries no DC current: no IR drop (refused, tested by the cross-field checks)
        array["wire_resistance_ohm"] = 0.0
    if array["wire_resistance_ohm"] == 0:
        array.pop("ir_drop")
    if array["family"] != "digital" or array["digital_adders"] != "tree":
        array.pop("adder_trees")
    else:  # at most the outputs an array holds (more refused, tested in test_adder_trees)
        array["adder_trees"] = draw(st.integers(0, 1))
    if baseline["energy_model"] != "board_power":
        baseline.pop("board_power_w")
    if baseline["dataflow"] == "output_stationary":  # array_rows shapes a weight-stationary array only
        baseline.pop("array_rows", None)
    chip = data["chip"]  # the tile buffer holds one array read's inputs
    if chip["buffer_memory"] == "edram":  # buffers of at most 8 KiB: within the eDRAM energy law's range
        chip.update({k: min(chip[k], 8.0) for k in ("tile_buffer_kib", "global_buffer_kib")})
    chip["tile_buffer_kib"] = max(chip["tile_buffer_kib"], array["rows"] * dac["input_bits"] / 8192)
    return data


@settings(max_examples=150, deadline=None)
@given(consistent_dicts())
def test_consistent_in_range_values_are_accepted(data):
    config = config_from_dict(data, "prop.toml", base_dir="/")
    for section in SECTIONS:
        for key, value in data[section].items():
            expected = os.path.abspath(Path("/") / value) if key.endswith("_file") and value else value
            assert getattr(getattr(config, section), key) == expected, f"{section}.{key}"


@pytest.mark.parametrize("bad", [5, 3.0, None, b"configs/default.toml", ["configs/default.toml"]])
def test_a_path_that_is_not_a_path_is_refused_and_closes_nothing(bad):
    """An int would be opened as that file descriptor (and closed): the loaders take only str or os.PathLike."""
    from cimsim.sweep.pareto import read_table

    read_end, write_end = os.pipe()
    try:
        for loader in (load_config, read_table):
            for value in (bad, read_end, write_end):
                with pytest.raises(TypeError, match="must be a file path"):
                    loader(value)
        os.write(write_end, b"still open")
        assert os.read(read_end, 10) == b"still open"
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_config_error_with_many_problems_keeps_every_field_and_shows_twenty():
    """the message lists SHOWN_ERRORS problems and counts the rest; ``fields`` still names every one (a long list
    had been cut to 20 fields and a field-less count)"""
    from cimsim.errors import SHOWN_ERRORS

    err = ConfigError("f.toml", [(f"adc.k{i}", f"'adc.k{i}': bad") for i in range(25)])
    assert err.fields == [f"adc.k{i}" for i in range(25)]
    lines = str(err).splitlines()
    assert len(lines) == SHOWN_ERRORS + 1 and lines[-1] == "f.toml: ... and 5 more problems"
    assert pickle.loads(pickle.dumps(err)).fields == err.fields


def test_an_edram_bank_beyond_its_energy_law_is_refused_at_validation():
    """a baseline eDRAM bank dearer per bit than its DRAM had validated and then failed when priced"""
    default = load_config(CONFIGS[0].parent / "default.toml")
    big = {"baseline.preset": "dadiannao", "baseline.dram": "lpddr4", "baseline.sram_kib": 131072.0}
    with pytest.raises(ConfigError) as info:
        with_overrides(default, {**big, "baseline.onchip_banks": 1})
    assert info.value.fields == ["baseline.onchip_banks"] and "30.6 pJ at the law's 32 nm" in str(info.value)
    assert with_overrides(default, {**big, "baseline.onchip_banks": 64}).baseline.onchip_banks == 64


def test_a_presets_derived_values_give_way_to_the_fields_they_describe():
    """[baseline] preset = "a100" with dram = "lpddr4", macs_per_cycle = 256, sram_kib = 512 had kept the A100's HBM
    bandwidth (2039 GB/s, for LPDDR4's 17.064), 80 GiB, 826 mm2 die, 6912 lanes and FP16 rate (above 256 MACs: an
    error); tpu-v1 its 256 rows. A derived value stated beside them stays; a field at the preset's value drops none"""
    b = config_from_dict({"baseline": {"preset": "a100", "dram": "lpddr4", "macs_per_cycle": 256, "sram_kib": 512,
                                       "energy_model": "components"}}).baseline
    assert (b.dram_bandwidth_gbps, b.dram_gb, b.die_area_mm2, b.vector_lanes, b.wide_macs_per_cycle) == (
        None, None, None, None, 0)
    assert (b.clock_ghz, b.sram_bandwidth_gbps, b.onchip_banks) == (1.41, 7219.2, 80)  # describe nothing else
    kept = config_from_dict({"baseline": {"preset": "a100", "dram": "hbm2", "sram_kib": 512.0,
                                          "die_area_mm2": 826.0}}).baseline
    assert (kept.dram_bandwidth_gbps, kept.dram_gb, kept.die_area_mm2, kept.vector_lanes) == (
        2039.0, 85.89934592, 826.0, 6912)
    tpu = config_from_dict({"baseline": {"preset": "tpu-v1", "macs_per_cycle": 1024}}).baseline
    assert (tpu.array_rows, tpu.wide_macs_per_cycle, tpu.dram_bandwidth_gbps) == (None, 0, 34.0)
    overridden = with_overrides(config_from_dict({"baseline": {"preset": "a100"}}), {"baseline.dram": "ddr4"})
    assert overridden.baseline.dram_bandwidth_gbps is None and overridden.baseline.die_area_mm2 == 826.0


def test_equal_configs_drop_the_same_derived_values_loaded_or_built_in_memory():
    """A copy made with dataclasses.replace (no record of what a file stated) had kept the A100's 2039 GB/s on DDR4
    under --set baseline.dram=ddr4 (energy gain 70 against 5595 for the loaded config it equals) and refused
    macs_per_cycle = 1024 (its stale 110592 FP16 MACs)"""
    loaded = config_from_dict({"baseline": {"preset": "a100"}})
    copied = dataclasses.replace(loaded, name=loaded.name)
    assert copied == loaded
    for overrides in ({"baseline.dram": "ddr4"}, {"baseline.macs_per_cycle": 1024},
                      {"baseline.dram": "ddr4", "baseline.dram_bandwidth_gbps": 100.0}):
        a, b = (with_overrides(c, overrides).baseline for c in (loaded, copied))
        assert a == b, overrides
    assert with_overrides(copied, {"baseline.dram": "ddr4"}).baseline.dram_bandwidth_gbps is None


def test_a_copy_keeps_what_its_file_stated_so_equal_configs_agree(tmp_path):
    """dataclasses.replace had dropped the loader's record of the fields a file stated beside its presets: under
    device.preset = "pcm", baseline.preset = "h100" the copy, equal to the loaded config, took pcm's read_noise_sigma
    and program_sigma and the H100's batch (relative error 0.197, energy gain 51.2, for 0.290 and 15.4). A field
    changed in a copy counts as stated; the record is no value of the run (==, hash, repr, config_to_dict)"""
    path = tmp_path / "stated.toml"
    path.write_text('[workload]\nin_features = 64\nout_features = 32\nvectors = 64\n[device]\npreset = "rram"\n'
                    'read_noise_sigma = 0.05\nprogram_sigma = 0.03\n[baseline]\npreset = "a100"\nbatch = 4\n')
    loaded = load_config(path)
    copy = dataclasses.replace(loaded)
    assert copy == loaded and hash(copy) == hash(loaded) and repr(copy) == repr(loaded) == repr(Config(
        **{f.name: getattr(loaded, f.name) for f in dataclasses.fields(Config) if f.name != "stated"}))
    assert set(config_to_dict(loaded)) == {"name", *SECTIONS} and list(SECTIONS)[:2] == ["array", "device"]
    overrides = {"device.preset": "pcm", "baseline.preset": "h100"}
    a, b = (with_overrides(c, overrides) for c in (loaded, copy))
    assert a == b and (b.device.read_noise_sigma, b.device.program_sigma, b.baseline.batch) == (0.05, 0.03, 4)
    assert (b.device.drift_nu, b.baseline.name) == (0.049, "h100")  # the new presets' other values
    changed = dataclasses.replace(loaded, device=dataclasses.replace(loaded.device, g_max_us=30.0))
    for config in (with_overrides(changed, {"adc.bits": 6}), with_overrides(changed, overrides)):
        assert (config.device.g_max_us, config.device.read_noise_sigma) == (30.0, 0.05)
    from cimsim.sweep.points import identity
    assert identity(loaded) == identity(Config(**{s: getattr(loaded, s) for s in SECTIONS}, name=loaded.name))
    with pytest.raises(ConfigError, match="'stated' is the loader's record of what a file stated"):
        with_overrides(dataclasses.replace(loaded, stated=("pcm",)), overrides)


def test_a_preset_name_set_in_code_is_checked_as_the_loader_checks_it():
    """DeviceConfig(preset="no-such-preset") built in code had been priced: only the loader knew the names. The
    check every path runs refuses it in the loader's words, with the name meant"""
    import cimsim
    from cimsim.config import list_section_presets as shipped

    good = config_from_dict({"workload": {"in_features": 64, "out_features": 32, "vectors": 16}})
    for section, bad, meant in (("device", "no-such-preset", ""), ("device", "pcmm", "; did you mean \"pcm\"?"),
                                ("baseline", "h10", "; did you mean \"h100\"?")):
        config = dataclasses.replace(good, **{section: dataclasses.replace(getattr(good, section), preset=bad)})
        with pytest.raises(ConfigError) as in_code:
            cimsim.estimate(config)
        with pytest.raises(ConfigError) as in_file:
            config_from_dict({section: {"preset": bad}})
        assert in_code.value.errors == in_file.value.errors and in_code.value.fields == [f"{section}.preset"]
        message = in_file.value.errors[0][1]
        assert message.endswith(f'; got "{bad}"{meant}') and all(f'"{n}"' in message for n in shipped(section))
    with pytest.raises(ConfigError, match='did you mean "isaac"'):
        config_from_dict({"preset": "isac"})


def test_a_new_table_preset_keeps_the_fields_stated_beside_the_files_own(tmp_path):
    """--set device.preset=pcm (a sweep axis too) had rebuilt [device] from the preset and the overrides alone: a
    file's read_noise_sigma = 0.2 and stuck_at_gmax_rate = 0.1 beside preset = "pcm" were dropped (relative error
    0.158 for 1.381). They stay over the new preset, as beside a preset in a file; a table without one is replaced"""
    from cimsim.sweep import expand, spec_from_dict

    noisy = '\nread_noise_sigma = 0.2\nstuck_at_gmax_rate = 0.1\n[workload]\nvectors = 10\n'
    (tmp_path / "pcm.toml").write_text('[device]\npreset = "pcm"' + noisy)
    (tmp_path / "rram.toml").write_text('[device]\npreset = "rram"' + noisy)
    config = load_config(tmp_path / "pcm.toml")
    assert with_overrides(config, {"device.preset": "pcm"}) == config
    rram = with_overrides(with_overrides(config, {"adc.bits": 6}), {"device.preset": "rram"})
    assert rram.device == load_config(tmp_path / "rram.toml").device and rram.device.read_noise_sigma == 0.2
    spec = spec_from_dict({"base": (tmp_path / "pcm.toml").as_posix(), "axes": {"device.preset": ["rram"]}})
    assert expand(spec)[0].config.device == rram.device
    isaac = with_overrides(load_preset("isaac"), {"device.preset": "pcm"})  # as `preset = "isaac"` in a file
    assert isaac.device == config_from_dict({"preset": "isaac", "device": {"preset": "pcm"}}).device
    written = with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {"device.preset": "ideal"})
    assert written.device.g_min_us == 0.0  # default.toml's [device] has no preset: replaced, as before


@pytest.mark.parametrize("adc_type", ["sar", "flash"])
def test_an_enob_prices_the_converters_it_applies_to(adc_type):
    """a SAR's energy follows the survey at its ENOB, a flash's rate penalty too: an ENOB stated for them is kept"""
    config = with_overrides(load_config(CONFIGS[0].parent / "default.toml"), {"adc.type": adc_type, "adc.enob": 5.0})
    assert config.adc.enob == 5.0


def test_a_data_path_is_read_as_open_reads_it_through_a_linked_folder(tmp_path):
    """a config reached through a linked folder (ln -s /work/main/configs configs) had read '../src/...' beside the
    link, where nothing is, and refused a file that exists"""
    (tmp_path / "real" / "cfg").mkdir(parents=True)
    (tmp_path / "real" / "data").mkdir()
    np.save(tmp_path / "real" / "data" / "w.npy", np.ones((4, 8)))
    (tmp_path / "real" / "cfg" / "c.toml").write_text(
        '[workload]\nin_features = 8\nout_features = 4\nweights = "file"\nweights_file = "../data/w.npy"\n')
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "link").symlink_to(tmp_path / "real" / "cfg", target_is_directory=True)
    config = load_config(tmp_path / "elsewhere" / "link" / "c.toml")
    assert config.workload.weights_file == os.path.realpath(tmp_path / "real" / "data" / "w.npy")


def test_a_data_path_through_a_link_inside_it_is_read_as_open_reads_it(tmp_path):
    """'lnk/../w.npy' had been collapsed as text to the file beside the config, where open reads the one beside the
    link's target"""
    for folder, value in (("a", 1.0), ("b", -1.0)):
        (tmp_path / folder).mkdir()
        np.save(tmp_path / folder / "w.npy", np.full((4, 8), value))
    (tmp_path / "b" / "inner").mkdir()
    (tmp_path / "a" / "lnk").symlink_to(tmp_path / "b" / "inner", target_is_directory=True)
    (tmp_path / "a" / "c.toml").write_text(
        '[workload]\nin_features = 8\nout_features = 4\nweights = "file"\nweights_file = "lnk/../w.npy"\n')
    config = load_config(tmp_path / "a" / "c.toml")
    assert config.workload.weights_file == os.path.join(os.path.realpath(tmp_path / "b"), "w.npy")
    assert np.load(config.workload.weights_file)[0, 0] == -1.0 == np.load(tmp_path / "a" / "lnk" / ".." / "w.npy")[0, 0]


def test_a_home_folder_tilde_is_said_not_expanded(tmp_path):
    """(~/w.npy had been refused as a missing file under the config's folder, with no word of the ~)"""
    (tmp_path / "c.toml").write_text('[workload]\nweights = "file"\nweights_file = "~/w.npy"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "c.toml")
    err = info.value
    assert "names no existing file" in str(err) and "(a ~ is not expanded: give the home folder's path)" in str(err)


def test_a_drift_reference_after_the_read_time_is_idle_without_drift():
    """docs/devices.md: drift_time_s and drift_t0_s qualify drift and are accepted while it is off (an rram preset,
    which does not drift, with drift_t0_s = 5 had been refused for its drift_time_s of 1 s); with drift on, refused"""
    assert config_from_dict({"device": {"preset": "rram", "drift_t0_s": 5.0}}, "x").device.drift_t0_s == 5.0
    err = error_of({"device": {"preset": "pcm", "drift_t0_s": 5000.0}})
    assert err.fields == ["device.drift_time_s"]


@pytest.mark.parametrize("field, slip", [("baseline.dram_bandwidth_gbps", 2.039e12),
                                         ("baseline.sram_bandwidth_gbps", 5.12e11), ("baseline.dram_gb", 80e9)])
def test_a_bandwidth_or_capacity_in_bytes_is_refused(field, slip):
    """an A100's 2,039 GB/s typed in B/s had passed (no upper bound), the baseline then nearly free of memory time
    (a configs probe); the shipped presets' figures stay inside the bounds"""
    with pytest.raises(ConfigError, match=re.escape(f"'{field}' must be")):
        config_from_dict({field.split(".")[0]: {field.split(".")[1]: slip}})
    for name in ("a100", "h100", "cpu", "tpu-v1", "dadiannao", "digital-accelerator"):
        config_from_dict({"baseline": {"preset": name}})


@pytest.mark.parametrize("line", ["adc.bits = 6", '"adc.bits" = 6'])
def test_a_tables_field_written_under_another_tables_header_says_so(tmp_path, line):
    """`adc.bits = 6` after a [workload] header lands in [workload]: it had been told "did you mean
    'workload.kind'?" (a configs probe)"""
    path = tmp_path / "c.toml"
    path.write_text(f"[workload]\nin_features = 64\n{line}\n")
    with pytest.raises(ConfigError, match=r"\[adc\] is a table of its own, not a field of \[workload\] .*: state its "
                                          r"fields under \[adc\]"):
        load_config(path)


def test_a_tables_field_named_with_its_own_table_inside_it_says_to_drop_the_name(tmp_path):
    """[adc] then adc.bits = 6 had been told "[adc] is a table of its own, not a field of [adc]" (a review)"""
    path = tmp_path / "c.toml"
    path.write_text("[adc]\nadc.bits = 6\n")
    with pytest.raises(ConfigError, match=r"inside \[adc\] its fields take no table name \(bits = \.\.\., not adc"):
        load_config(path)


@pytest.mark.parametrize("field, value, hint", [
    ("adc.type", "single-slope", '; a ramp converter: "ramp"'), ("adc.type", "Integrating", '; a ramp converter'),
    ("adc.type", "CCO", '; an oscillator converter: "vco"'),
    ("array.family", "rram", '; the cell is the device\'s: "resistive" with device.preset = "rram"'),
    ("array.family", "SRAM", '; an SRAM array names its domain: "charge", "current" or "digital"')])
def test_a_papers_word_for_a_value_is_told_its_name(field, value, hint):
    """'single-slope' and 'rram' had been refused with no hint (difflib finds no misspelling in them), where a macro
    file reads the first as ramp (a chips probe, 2026-12-08)"""
    with pytest.raises(ConfigError) as err:
        with_overrides(Config(), {field: value})
    assert str(err.value).endswith(hint) or hint in str(err.value), str(err.value)
