"""Results the settings make useless are warned of, as saturated inputs are: a fixed 'dac.input_max' far above the
data reads most nonzero inputs as code 0, and ADCs whose range (or offset, gain, INL) clips their conversions lose
the outputs. Both had given a relative error of 1 with exit status 0 and no warning ("0.000 % of input values beyond
it clipped"; "100.000 % of conversions clipped" only inside the report)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.run import adc_clipped_note, zero_coded_inputs_note

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")
MLP = str(ROOT / "configs" / "digits-mlp.toml")
FIXED = {"dac.input_range": "fixed"}


def _warnings(command: str, *settings: str, config: str = DEFAULT) -> list[str]:
    args = [command, config, "--set", "workload.vectors=16"]
    for setting in settings:
        args += ["--set", setting]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return [line for line in result.stderr.splitlines() if line.startswith("warning:")]


def _share(line: str) -> float:
    return float(re.search(r": ([0-9.e+-]+) % of", line).group(1))


@pytest.mark.parametrize("command", ["run", "compare"])
def test_an_input_range_far_above_the_data_warns_that_the_inputs_read_as_zero(command):
    """generated inputs are uniform in [-1, 1]; input_max 1000 codes every one 0 (8-bit inputs: below 1000 / 254)"""
    lines = _warnings(command, 'dac.input_range="fixed"', "dac.input_max=1000")
    assert len(lines) == 2 and "every column sum of the calibration inputs is 0" in lines[0], lines  # its ranges
    lines = lines[1:]
    assert "of the nonzero input values the arrays read quantise to code 0" in lines[0]
    assert _share(lines[0]) == 100
    assert "'dac.input_max' = 1000 is 1e+03 times their largest magnitude, 1" in lines[0]
    assert "lower 'dac.input_max'" in lines[0] and "\"per_vector\"" in lines[0]


@pytest.mark.parametrize("input_max, warned", [(1.0, False), (100.0, False), (200.0, True)])
def test_the_zero_code_warning_starts_where_most_nonzero_inputs_read_as_zero(input_max, warned):
    """uniform inputs in [-1, 1] code 0 below input_max / 254: 0.4 % of them at 1, 39 % at 100, 79 % at 200"""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (64, 256))
    sim = cimsim.simulate(DEFAULT, {**FIXED, "dac.input_max": input_max}, inputs=x)
    result = sim.trials[0]
    assert result.inputs_nonzero == x.size and result.input_peak == np.abs(x).max()
    assert result.inputs_zero_coded == np.count_nonzero(np.abs(x) * 127 < 0.5 * input_max)
    note = zero_coded_inputs_note(result)
    assert (note is not None) == warned
    if warned:
        assert abs(_share(note) - 100 * result.inputs_zero_coded / x.size) < 0.1


def test_exact_zeros_are_not_counted_as_inputs_read_as_zero():
    """sparse inputs (90 % exact zeros, the rest at 1) under a fitting range: nothing is lost, nothing warned"""
    x = np.zeros((32, 256))
    x[:, ::10] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        sim = cimsim.simulate(DEFAULT, {**FIXED, "dac.input_max": 1.0}, inputs=x)
    assert sim.trials[0].inputs_zero_coded == 0 and sim.trials[0].inputs_nonzero == np.count_nonzero(x)


def test_the_api_warns_of_inputs_read_as_zero():
    with pytest.warns(RuntimeWarning, match=r"^default: 100 % of the nonzero input values the arrays read quantise"):
        cimsim.simulate(DEFAULT, {**FIXED, "dac.input_max": 1000.0, "workload.vectors": 8})


def test_a_range_within_twice_the_data_is_not_blamed_for_coarse_inputs():
    """2-bit inputs (codes -1, 0, 1) of a Gaussian read most values as 0 at a range just above the data's peak: the
    inputs' precision, not the range, and lowering the range would saturate them"""
    x = np.random.default_rng(4).normal(size=(32, 256))
    settings = {**FIXED, "dac.input_bits": 2, "dac.input_max": 1.2 * float(np.abs(x).max())}
    result = cimsim.simulate(DEFAULT, settings, inputs=x).trials[0]
    assert result.inputs_zero_coded / result.inputs_nonzero > 0.5
    assert zero_coded_inputs_note(result) is None


def test_binary_and_per_vector_inputs_never_read_as_zero():
    x = np.random.default_rng(5).uniform(-1, 1, (16, 256))
    binary = {"dac.input_bits": 1, "dac.signed_inputs": "bipolar", **FIXED, "dac.input_max": 1000.0}
    for settings in (binary, {}):  # per vector: each scaled by its own largest |x|
        result = cimsim.simulate(DEFAULT, settings, inputs=x).trials[0]
        assert result.inputs_zero_coded == 0 and zero_coded_inputs_note(result) is None


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("settings, field", [
    (("adc.offset_lsb=1e6",), "reduce 'adc.offset_lsb' = 1e+06"),
    (('adc.range="fixed"', "adc.full_scale_fraction=1e-12"), "raise 'adc.full_scale_fraction' = 1e-12"),
])
def test_adcs_that_clip_every_conversion_are_warned_of_naming_the_field(command, settings, field):
    lines = _warnings(command, *settings)
    assert len(lines) == 1, lines
    assert "of the ADC conversions clip at the ends of the code range" in lines[0] and field in lines[0]
    assert _share(lines[0]) > 99


def test_the_api_warns_of_adc_clipping():
    with pytest.warns(RuntimeWarning, match=r"^default: 100 % of the ADC conversions clip"):
        cimsim.simulate(DEFAULT, {"adc.offset_lsb": 1e6, "workload.vectors": 8})


def test_no_warning_for_the_default_or_for_what_a_calibration_percentile_clips_by_design():
    """a range calibrated at the 90th percentile clips about 10 % of the conversions, as asked: no warning (the
    threshold is 1 % beyond that share); the default run clips (almost) nothing"""
    assert _warnings("run") == []
    sim = cimsim.simulate(DEFAULT, {"adc.percentile": 90.0, "workload.vectors": 64})
    result = sim.trials[0]
    assert 0.05 < result.clipped_fraction < 0.11
    assert adc_clipped_note(result) is None
    assert adc_clipped_note(cimsim.simulate(DEFAULT, {"adc.percentile": 90.0, "adc.offset_lsb": 1e6,
                                                      "workload.vectors": 8}).trials[0]) is not None


def test_a_network_warns_of_adc_clipping_naming_the_layer_that_clipped_most():
    lines = _warnings("run", "adc.offset_lsb=1e6", config=MLP)
    adc = [line for line in lines if "of the ADC conversions" in line]
    assert len(adc) == 1, lines
    assert re.search(r"\(layer \d+ most: 100 %\) clip at the ends of the code range", adc[0])


def test_a_network_warns_of_inputs_read_as_zero_naming_the_layer_that_lost_most():
    """one fixed 'dac.input_max' for every matrix layer: at 10 000 the digits (0..16: codes below 16 x 127 / 1e4 =
    0.2) and layer 0's analog outputs (its biases after the ReLU) all read as 0; within twice the inputs (input_max
    20, 2-bit inputs) the inputs' precision, not the range, is to blame: no warning (a network's layers had kept no
    such count)"""
    x = np.random.default_rng(6).integers(0, 17, (8, 64)).astype(float)
    with pytest.warns(RuntimeWarning) as caught:
        sim = cimsim.simulate(MLP, {**FIXED, "dac.input_max": 1e4}, inputs=x)
    first = sim.layers[0]
    assert first.counts.inputs_nonzero == np.count_nonzero(x)
    assert first.counts.inputs_zero_coded == np.count_nonzero(x)
    note = zero_coded_inputs_note(sim.trials[0])
    assert note is not None and note in [str(w.message) for w in caught]
    assert re.search(r": 100 % of the nonzero input values the matrix layers read \(layer 0 most: 100 %\)", note)
    assert "lower it toward the layers' inputs" in note
    coarse = cimsim.simulate(MLP, {**FIXED, "dac.input_max": 20.0, "dac.input_bits": 2}, inputs=x).trials[0]
    assert sum(layer.counts.inputs_zero_coded for layer in coarse.layers) == 0
    assert zero_coded_inputs_note(coarse) is None
    assert zero_coded_inputs_note(cimsim.simulate(MLP, {}, inputs=x).trials[0]) is None


def test_clips_of_noise_below_an_unsigned_range_are_said_to_be_beyond_any_range():
    """a charge array's kT/C noise carries sums near 0 below code 0 of its converters of unsigned sums (digital
    subtraction): 22.7 % of the digits CNN's conversions clipped, and the note had only advised a wider range, which
    leaves 21.6 % at the 100th percentile; a converter of signed sums (analog subtraction) is not told so"""
    cnn = Path(DEFAULT).parent / "digits-cnn.toml"
    charge = {"workload.vectors": 50, "array.family": "charge", "device.preset": "sram"}
    note = adc_clipped_note(cimsim.simulate(cnn, {**charge, "mapping.subtraction": "digital"}))
    assert note is not None and "below code 0 of these converters of unsigned sums" in note
    noisy = {"adc.percentile": 90.0, "adc.offset_lsb": 1e6, "device.read_noise_sigma": 0.05,
             "mapping.subtraction": "analog"}
    signed = adc_clipped_note(cimsim.simulate(DEFAULT, noisy))
    assert signed is not None and "below code 0" not in signed


def test_a_charge_arrays_clips_past_a_max_range_name_its_capacitance_not_read_noise():
    """at adc.range = "max" a charge array's kT/C noise carries sums past the largest possible one: the note had said
    to lower the read noise, which is 0 there; it names array.cell_capacitance_ff (a resistive array, the read noise)"""
    sram = Path(DEFAULT).parent / "sram-cim.toml"
    small = {"adc.range": "max", "adc.bits": 12, "array.rows_per_read": 4, "workload.vectors": 20,
             "workload.in_features": 64, "workload.out_features": 16}
    note = adc_clipped_note(cimsim.simulate(sram, {**small, "array.family": "charge"}))
    assert note is not None and "raise 'array.cell_capacitance_ff'" in note and "read noise" not in note
    read = {"adc.range": "max", "device.read_noise_sigma": 1.0, "array.rows_per_read": 1, "dac.mode": "bit_serial",
            "workload.vectors": 50}  # one row a read: the noise is as large as the largest sum
    with pytest.warns(RuntimeWarning):
        noisy = adc_clipped_note(cimsim.simulate(DEFAULT, read))
    assert "lower the read noise ('device.read_noise_sigma' = 1)" in noisy
    programmed = {**read, "device.read_noise_sigma": 0.0, "device.program_sigma": 0.3,
                  "mapping.signed_encoding": "offset", "mapping.subtraction": "digital"}  # no read noise: it had been
    with pytest.warns(RuntimeWarning):  # told to lower that
        note = adc_clipped_note(cimsim.simulate(DEFAULT, programmed))
    assert "lower the programming error ('device.program_sigma' = 0.3)" in note and "read noise" not in note
    assert "below code 0" not in note  # a conductance is clipped at 0 S: programming error brings no sum below 0


@pytest.mark.parametrize("command", ["run", "compare"])
def test_outputs_no_better_than_zeros_are_warned_of_with_the_adc_range_to_change(command, tmp_path):
    """the sram-cicc2021 macro's 6-bit ADC over the largest possible sum of 1024 rows (an LSB of 2081 units, above
    most sums) reads most conversions as 0: relative error 1.06, with nothing clipped and no input lost, had gone
    unwarned; its preset now calibrates the range (the analog error alone 0.036)"""
    config = tmp_path / "cicc.toml"
    config.write_text('name = "cicc"\npreset = "sram-cicc2021"\n')
    lines = _warnings(command, 'adc.range="max"', config=str(config))
    assert len(lines) == 1, lines
    error, analog, quantised = map(float, re.search(
        r"relative error ([0-9.]+), [^;]*; the analog error alone ([0-9.]+), the quantisation alone ([0-9.]+)",
        lines[0]).groups())
    assert error >= 1 and analog > quantised
    assert ("where the 6-bit ADC's step ('adc.range' = \"max\": its full scale the largest possible sum; the report "
            "gives its LSB) exceeds most sums, set \"calibrated\"") in lines[0]
    assert _warnings(command, config=str(config)) == []


def test_a_networks_outputs_no_better_than_zeros_name_the_worst_layer_or_the_input_range():
    lines = _warnings("run", 'adc.range="max"', "adc.bits=2", config=MLP)
    assert len(lines) == 1, lines
    assert re.search(r"the outputs carry no effective bit of the float model's outputs \(relative error 1, SNR -?0.0\d "
                     r"dB, at most 1.76 dB: ENOB <= 0; the analog error alone 1 \(layer \d+, the worst\)", lines[0]), \
        lines[0]
    # binary inputs read as +/-1000: chance accuracy and an output error of 687 had gone unwarned (the layers' analog
    # products equal their quantised ones)
    lines = _warnings("run", 'dac.input_range="fixed"', "dac.input_bits=1", 'dac.signed_inputs="bipolar"',
                      "dac.input_max=1000", config=MLP)
    assert len(lines) == 1, lines
    assert lines[0].endswith("the quantised operands lose most of the product: set 'dac.input_range' = "
                             "\"per_vector\", or bring 'dac.input_max' = 1000 to the inputs' scale; raise "
                             "'mapping.weight_bits' = 8 or 'dac.input_bits' = 1")
    # binary inputs at their own range: 10 % top-1 (chance among 10 classes, float 98 %) with an output error of 0.87,
    # under 1, had gone unwarned
    with pytest.warns(RuntimeWarning) as caught:
        sim = cimsim.simulate(MLP, {"dac.input_bits": 1, "dac.signed_inputs": "bipolar", "workload.vectors": 64})
    trial = sim.trials[0]
    assert trial.analog_accuracy <= 0.1 < trial.float_accuracy and trial.vs_float.relative_error < 1
    (note,) = [str(w.message) for w in caught]
    assert re.search(r"the analog top-1 accuracy, [\d.]+ %, is no better than chance \(1 in 10 classes\) where the "
                     r"float model scores [\d.]+ % \(digital [\d.]+ %\): the quantised operands lose most of the "
                     r"product: raise 'mapping.weight_bits' = 8 or 'dac.input_bits' = 1$", note), note


def test_a_network_layer_no_better_than_zeros_is_named_where_the_outputs_survive():
    from dataclasses import replace

    from cimsim.accuracy import ErrorStats
    from cimsim.poor_outputs import poor_outputs_note
    result = cimsim.simulate(MLP, {"workload.vectors": 8}).trials[0]
    assert poor_outputs_note(result) is None
    worse = replace(result, layers=(replace(result.layers[0], vs_digital=ErrorStats(1, 1, outputs=1)),
                                    *result.layers[1:]))
    assert poor_outputs_note(worse).startswith(
        "digits-mlp: layer 0's analog products carry no effective bit of the exact products of its quantised "
        "operands (relative error 1, SNR 0.00 dB, at most 1.76 dB: ENOB <= 0): raise 'adc.bits' = ")


def test_outputs_no_better_than_zeros_name_what_lost_them():
    from dataclasses import replace

    from cimsim.accuracy import ErrorStats
    from cimsim.poor_outputs import poor_outputs_note
    result = cimsim.simulate(DEFAULT, {"workload.vectors": 8}).trials[0]
    assert poor_outputs_note(result) is None
    stats = {error: ErrorStats(signal_units=100, error_units=round(100 * error ** 2), outputs=1)
             for error in (0.5, 0.8, 0.82, 0.9, 1.0)}
    lost = replace(result, vs_float=stats[1.0], vs_digital=stats[0.5], digital_vs_float=stats[0.9])
    assert poor_outputs_note(lost).endswith(
        ": the quantised operands lose most of the product: raise 'mapping.weight_bits' = 8 or 'dac.input_bits' = 8")
    widest = replace(lost, config=cimsim.as_config(DEFAULT, {"mapping.weight_bits": 16, "dac.input_bits": 16}))
    assert poor_outputs_note(widest).endswith(": no field left to widen")  # raising 16 bits had been advised
    widest_adc = replace(lost, digital_vs_float=stats[0.5], config=cimsim.as_config(DEFAULT, {"adc.bits": 16}))
    assert poor_outputs_note(widest_adc).endswith(": the 16-bit ADC is the widest the field takes: lower the noise "
                                                  "or error left")
    max_range = replace(widest_adc, config=cimsim.as_config(DEFAULT, {"adc.bits": 16, "adc.range": "max"}))
    assert poor_outputs_note(max_range).endswith("exceeds most sums, set \"calibrated\"")  # 16 bits: no more
    fixed = replace(lost, config=cimsim.as_config(DEFAULT, {"adc.range": "fixed"}), digital_vs_float=stats[0.5])
    assert poor_outputs_note(fixed).endswith(": bring 'adc.full_scale_fraction' = 1 toward the sums or set "
                                             "'adc.range' = \"calibrated\"")
    assert poor_outputs_note(replace(lost, digital_vs_float=stats[0.5])).endswith(": raise 'adc.bits' = 8")
    noisy = replace(lost, digital_vs_float=stats[0.5], config=cimsim.as_config(DEFAULT, {
        "device.program_sigma": 0.5, "array.wire_resistance_ohm": 2.0}))  # the device's error, not the ADC's bits
    assert poor_outputs_note(noisy).endswith(": lower 'device.program_sigma' = 0.5, 'array.wire_resistance_ohm' = 2")
    assert poor_outputs_note(replace(lost, vs_float=stats[0.8])) is None  # SNR 1.94 dB: a bit's worth, unwarned
    # SNR 1.76 dB and below carry no effective bit: 0.99999 (IR drop shrinking the outputs) had passed unwarned
    assert "(relative error 0.819, SNR 1.74 dB, at most 1.76 dB: ENOB <= 0;" in poor_outputs_note(
        replace(lost, vs_float=stats[0.82]))


def test_poor_outputs_name_the_device_error_beside_a_max_range_and_a_fixed_input_range():
    # a 16-bit ADC over the largest sum with programming error sigma 1: the advice had blamed the ADC's step alone;
    # binary inputs read as +/-1000 (a fixed input_max 1000 over data in [-1, 1]) had been told to raise weight bits
    lines = _warnings("run", 'adc.range="max"', "adc.bits=16", "device.program_sigma=1.0")
    assert len(lines) == 1 and ": lower 'device.program_sigma' = 1; where the 16-bit ADC's step" in lines[0], lines
    lines = _warnings("run", 'dac.input_range="fixed"', "dac.input_bits=1", 'dac.signed_inputs="bipolar"',
                      "dac.input_max=1000")
    assert len(lines) == 1, lines
    assert lines[0].endswith("the quantised operands lose most of the product: set 'dac.input_range' = "
                             "\"per_vector\", or bring 'dac.input_max' = 1000 to the inputs' scale (their largest "
                             "magnitude 1); raise 'mapping.weight_bits' = 8 or 'dac.input_bits' = 1")
    # an input_max at the inputs' scale is not blamed (binary inputs at input_max 1 had been told to bring it to 1)
    x = np.random.default_rng(0).standard_normal((64, 256))
    with pytest.warns(RuntimeWarning) as caught:
        cimsim.simulate(DEFAULT, {"dac.input_bits": 1, "dac.signed_inputs": "bipolar", "dac.input_range": "fixed",
                                  "dac.input_max": 1.0}, inputs=x / np.abs(x).max())
    note = next(str(w.message) for w in caught if "no effective bit" in str(w.message))
    assert note.endswith("the quantised operands lose most of the product: raise 'mapping.weight_bits' = 8 or "
                         "'dac.input_bits' = 1")
    # an ADC's own error in LSBs: named, with more bits (which shrink it)
    lines = _warnings("run", "adc.inl_lsb=48")
    assert len(lines) == 1 and lines[0].endswith(": lower 'adc.inl_lsb' = 48; raise 'adc.bits' = 8"), lines
