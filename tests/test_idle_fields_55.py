"""A stated field the config would ignore is refused, naming it and when it applies; where it applies it is taken:
the summing of input planes or weight slices where there is one only, a digital subtraction on a digital array, an
ADC type at 1 bit, drift read at its reference time, time-domain inputs on reads of one level."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimsim.config import config_to_dict, load_config, with_overrides
from cimsim.config.load import config_from_dict
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
SRAM_DIGITAL = {"array.family": "digital", "device.preset": "sram", "device.bits_per_cell": 1,
                "mapping.signed_encoding": "offset"}


@pytest.mark.parametrize("overrides, field, when", [
    ({"adc.accumulation": "planes", "dac.signed_inputs": "unsigned"}, "adc.accumulation", "several planes"),
    ({"adc.accumulation": "planes", "dac.signed_inputs": "bipolar"}, "adc.accumulation", "several planes"),
    ({"adc.accumulation": "slices", "device.bits_per_cell": 7}, "adc.accumulation", "several slices"),
    ({"adc.accumulation": "planes_and_slices", "device.bits_per_cell": 7}, "adc.accumulation", "needs both"),
    ({**SRAM_DIGITAL, "mapping.subtraction": "digital"}, "mapping.subtraction", "'array.family' is not \"digital\""),
    ({"adc.type": "flash", "adc.bits": 1}, "adc.type", "'adc.bits' is above 1"),
    ({"adc.type": "vco", "adc.bits": 1}, "adc.type", "'adc.bits' is above 1"),
    ({"device.drift_nu": 0.05}, "device.drift_nu", "'device.drift_time_s' is after 'device.drift_t0_s'"),
    ({"device.drift_nu_sigma": 0.01}, "device.drift_nu_sigma", "'device.drift_time_s' is after"),
    ({"dac.encoding": "pulse_width", "dac.mode": "bit_serial"}, "dac.encoding", "more than one input level"),
    ({"dac.encoding": "pulse_count", "dac.input_bits": 1, "dac.signed_inputs": "bipolar"}, "dac.encoding",
     "more than one input level"),
])
def test_a_stated_field_that_changes_nothing_is_refused(overrides, field, when):
    with pytest.raises(ConfigError) as info:
        with_overrides(load_config(DEFAULT), overrides)
    assert info.value.fields == [field]
    assert f"'{field}' applies only when" in str(info.value) and when in str(info.value)


@pytest.mark.parametrize("overrides", [
    {"adc.accumulation": "planes"},  # two_phase inputs: two planes
    {"adc.accumulation": "planes", "dac.signed_inputs": "unsigned", "dac.mode": "bit_serial"},
    {"adc.accumulation": "planes", "dac.signed_inputs": "unsigned", "dac.mode": "sliced", "dac.bits_per_read": 4},
    {"adc.accumulation": "slices", "mapping.signed_encoding": "offset"},
    {"adc.accumulation": "planes_and_slices", "mapping.signed_encoding": "offset"},
    {**SRAM_DIGITAL, "mapping.signed_encoding": "twos_complement", "mapping.subtraction": "digital"},  # needed there
    {"mapping.subtraction": "digital"},  # an analog array
    {"adc.type": "flash", "adc.bits": 2},
    {"device.drift_nu": 0.05, "device.drift_nu_sigma": 0.01, "device.drift_time_s": 3600.0},
    {"dac.encoding": "pulse_width"},  # 7 magnitude bits in one read
    {"dac.encoding": "pulse_count", "dac.mode": "sliced", "dac.bits_per_read": 2},
    {"device.preset": "pcm", "device.drift_time_s": 20.0},  # the preset's drift, not stated: kept
    {"device.iv_nonlinearity": 3.0, "dac.mode": "bit_serial"},  # left applying on purpose (docs/robustness.md)
])
def test_the_field_is_taken_where_it_applies(overrides):
    config = with_overrides(load_config(DEFAULT), overrides)
    assert config_from_dict(config_to_dict(config), config.source) == config  # the round trip holds


def test_the_rule_reads_the_plan_the_mapping_lays_out():
    """one plane per input exactly where the rule refuses summed planes, one slice per weight where it refuses
    summed slices"""
    base = load_config(DEFAULT)
    for inputs in ("unsigned", "bipolar", "two_phase"):
        for mode in ("parallel", "bit_serial"):
            plain = with_overrides(base, {"dac.signed_inputs": inputs, "dac.mode": mode})
            try:
                with_overrides(plain, {"adc.accumulation": "planes"})
                refused = False
            except ConfigError:
                refused = True
            assert refused == (plan_layer(plain).n_planes == 1), (inputs, mode)


def test_a_default_where_idle_stays_in_the_written_config_for_the_sweep_ids():
    """a field at its default stays in config_to_dict where it would be ignored (the sweep ids hash it)"""
    config = with_overrides(load_config(DEFAULT), {"dac.mode": "bit_serial", "dac.signed_inputs": "unsigned"})
    data = config_to_dict(config)
    assert data["adc"]["accumulation"] == "none" and data["dac"]["encoding"] == "voltage"
    assert data["device"]["drift_nu"] == 0.0 and data["mapping"]["subtraction"] == "analog"
