"""Inputs beyond 'dac.input_max' (a fixed input range) saturate at the DAC's full scale: the results count them
(``input_clipped_fraction``, from ``Counts.inputs_clipped``), the JSON and Markdown reports state it beside the ADC's
clipped share, and the command line warns above 1 %. Before, only the ADC's clipping was reported: 80 % of the
inputs saturated beside "0.098 % of conversions clipped"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import cimsim
from cimsim.cli import main
from cimsim.config import with_overrides
from cimsim.config.load import load_config
from cimsim.numerics import build_crossbar
from cimsim.report import comparison_markdown

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")
MLP = str(ROOT / "configs" / "digits-mlp.toml")
FIXED = {"dac.input_range": "fixed", "dac.input_max": 1.0}


def saturated(x, input_max: float, m: int = 127) -> np.ndarray:
    """the values a DAC of largest code ``m`` saturates at full scale ``input_max``: half a step beyond it or more
    (nearer, a value rounds to the top code as any value rounds to its code)"""
    return np.abs(x) * m >= (m + 0.5) * input_max


def _dense_data(scale: float = 5.0):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (16, 32)), rng.uniform(-1, 1, (40, 32)) * scale  # inputs up to 5, input_max 1


def test_a_fixed_range_reports_the_share_of_inputs_beyond_input_max_in_results_json_and_markdown():
    w, x = _dense_data()
    want = float(saturated(x, 1.0).mean())
    assert 0.7 < want < 0.9
    comp = cimsim.compare(DEFAULT, FIXED, weights=w, inputs=x)
    assert comp.run.input_clipped_fraction == want
    assert comp.run.counts.inputs_clipped == np.count_nonzero(saturated(x, 1.0))
    accuracy = comp.to_dict()["accuracy"]
    assert accuracy["input_clipped_fraction"] == want and accuracy["adc_clipped_fraction"] < 0.01
    markdown = comparison_markdown(comp)
    assert f"{100 * want:.3f} % of input values beyond it clipped" in markdown
    assert "dac.input_max = 1" in markdown


def test_values_within_half_a_step_of_full_scale_are_not_counted():
    """a float32 copy of values clipped to +/-0.3 lies up to 1.2e-8 above a fixed input_max of 0.3 and rounds to the
    top code as 0.3 does: nothing saturates (31.8 % of such values had been counted, and warned of)"""
    w, x = _dense_data()
    x32 = np.clip(x, -0.3, 0.3).astype(np.float32)
    assert np.count_nonzero(np.abs(x32.astype(np.float64)) > 0.3) > 0  # as the DAC sees them, float64
    sim = cimsim.simulate(DEFAULT, {**FIXED, "dac.input_max": 0.3}, weights=w, inputs=x32)
    assert sim.input_clipped_fraction == 0.0


def test_values_at_input_max_and_per_vector_ranges_clip_nothing():
    """|x| = input_max is full scale, not beyond it; a per-vector range scales each vector to its own peak"""
    w, x = _dense_data()
    at_max = cimsim.simulate(DEFAULT, {**FIXED, "dac.input_max": float(np.abs(x).max())}, weights=w, inputs=x)
    assert at_max.input_clipped_fraction == 0.0
    per_vector = cimsim.simulate(DEFAULT, {"dac.input_range": "per_vector"}, weights=w, inputs=x)
    assert per_vector.input_clipped_fraction == 0.0 and per_vector.counts.inputs_clipped == 0
    assert per_vector.to_dict()["accuracy"]["input_clipped_fraction"] == 0.0
    assert "no input clips" in per_vector._repr_markdown_()


def test_the_count_covers_mvm_reads_only_whatever_the_chunks_and_copies():
    """calibration reads and digital references are not counted; chunk size and replicated copies (each taking
    some of the vectors) do not change the total; reset_counts forgets it; outputs are the same as without counting
    (a per-vector read of the same data is not affected either)"""
    w, x = _dense_data()
    want = int(np.count_nonzero(saturated(x, 1.0)))
    base = with_overrides(load_config(DEFAULT), {**FIXED, "workload.in_features": 32, "workload.out_features": 16})
    totals = []
    for settings in ({}, {"simulation.batch_size": 7}, {"mapping.replication": 3}):
        xbar = build_crossbar(with_overrides(base, settings))
        xbar.program(w)
        xbar.calibrate(x)
        xbar.digital_reference(x)
        assert xbar.counts.inputs_clipped == 0
        xbar.mvm(x[:13])
        xbar.mvm(x[13:])
        totals.append(xbar.counts.inputs_clipped)
        xbar.reset_counts()
        assert xbar.counts.inputs_clipped == 0
    assert totals == [want] * 3


def test_a_network_reports_every_matrix_layers_clipped_inputs():
    """layer 0 reads the network's inputs (those half a step beyond input_max counted in numpy); layer 1 the analog outputs of layer 0
    after a ReLU; the network's share is over every layer's input values, and per layer in the JSON and Markdown"""
    x = np.random.default_rng(1).uniform(0.0, 1.0, (40, 64))
    sim = cimsim.simulate(MLP, {"dac.input_range": "fixed", "dac.input_max": 0.5}, inputs=x)
    first, second = sim.layers
    m = first.plan.max_input_code
    assert first.input_clipped_fraction == float(saturated(x, 0.5, m).mean())
    assert first.counts.inputs_clipped == np.count_nonzero(saturated(x, 0.5, m)) and first.counts.mvms == 40
    assert 0.0 < second.input_clipped_fraction <= 1.0
    values = [layer.counts.mvms * layer.plan.in_features for layer in sim.layers]
    clipped = [layer.counts.inputs_clipped for layer in sim.layers]
    assert sim.trials[0].input_clipped_fraction == sum(clipped) / sum(values)
    accuracy = sim.to_dict()["accuracy"]
    assert accuracy["input_clipped_fraction"] == sim.trials[0].input_clipped_fraction
    assert [layer["input_clipped_fraction"] for layer in accuracy["layers"]] == [
        first.input_clipped_fraction, second.input_clipped_fraction]
    markdown = sim._repr_markdown_()
    assert "| inputs clipped |" in markdown and f"| {100 * first.input_clipped_fraction:.3f} % |" in markdown
    assert "of the matrix layers' input values (analog pass) beyond it clipped" in markdown
    unclipped = cimsim.simulate(MLP, {}, inputs=x)  # per-vector ranges
    assert [layer.input_clipped_fraction for layer in unclipped.layers] == [0.0, 0.0]


@pytest.mark.parametrize("command", ["run", "compare"])
def test_the_command_line_warns_above_one_percent_naming_the_field(command):
    """generated inputs are uniform in [-1, 1]: input_max 0.5 clips half of them, 2 none"""
    def invoke(input_max):
        return CliRunner().invoke(main, [command, DEFAULT, "--set", "workload.vectors=200", "--set",
                                         "dac.input_range=\"fixed\"", "--set", f"dac.input_max={input_max}"])

    clipping = invoke(0.5)
    assert clipping.exit_code == 0, clipping.output
    warning = [line for line in clipping.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "of the input values the arrays read lie beyond 'dac.input_max' = 0.5" in warning[0]
    assert "raise 'dac.input_max'" in warning[0]
    share = float(warning[0].split(": ")[2].split(" %")[0])
    assert 45 < share < 55
    assert "warning" not in invoke(2.0).stderr


BINARY = {"dac.input_bits": 1, "dac.signed_inputs": "bipolar", **FIXED}


def test_binary_inputs_saturate_nothing_whatever_their_size():
    """a binary DAC reads every value as sign(x) x input_max: none saturates, so none is counted (before: 81 % of
    these inputs, and a warning to raise input_max, which makes the error worse); 1-bit unsigned inputs (codes 0, 1)
    still count theirs"""
    w, x = _dense_data()
    sim = cimsim.simulate(DEFAULT, BINARY, weights=w, inputs=x)
    assert sim.input_clipped_fraction == 0.0 and sim.counts.inputs_clipped == 0 and sim.counts.mvms == 40
    assert sim.to_dict()["accuracy"]["input_clipped_fraction"] == 0.0
    markdown = sim._repr_markdown_()
    assert "DAC: binary inputs: each value read as sign(x) x dac.input_max = 1 (none saturates)." in markdown
    assert "beyond it clipped" not in markdown
    unsigned = cimsim.simulate(DEFAULT, {**BINARY, "dac.signed_inputs": "unsigned"}, weights=w, inputs=np.abs(x))
    assert unsigned.counts.inputs_clipped == np.count_nonzero(saturated(x, 1.0, 1)) > 0


def test_the_command_line_does_not_warn_binary_inputs_to_raise_input_max():
    """generated inputs are uniform in [-1, 1]: input_max 0.5 had warned of 50 % saturated"""
    result = CliRunner().invoke(main, ["run", DEFAULT, "--set", "workload.vectors=200", "--set", "dac.input_bits=1",
                                       "--set", "dac.signed_inputs=\"bipolar\"", "--set", "dac.input_range=\"fixed\"",
                                       "--set", "dac.input_max=0.5"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert "binary inputs: each value read as sign(x) x dac.input_max = 0.5 (none saturates)" in result.stdout


def test_inputs_near_float64s_largest_saturate_without_an_overflow_warning():
    """|x| = 1e308 times the largest code overflows to inf in the clip tally: numpy's 'overflow encountered in
    multiply' had reached the user (an error under -W error); the values saturate as any value past full scale"""
    import warnings

    config = with_overrides(load_config(DEFAULT), {**FIXED, "device.preset": "ideal", "adc.range": "max",
                                                   "workload.in_features": 64,
                                                   "workload.out_features": 8})
    weights = np.random.default_rng(3).uniform(-1, 1, (8, 64))
    huge, full = build_crossbar(config), build_crossbar(config)
    huge.program(weights)
    full.program(weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = huge.mvm(np.full((2, 64), 1e308))
    np.testing.assert_array_equal(got, full.mvm(np.full((2, 64), 1.0)))
    assert huge.counts.inputs_clipped == 128
