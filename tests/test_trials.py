"""The spread of a metric over Monte Carlo trials: mean, sample standard deviation, worst trial."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from cimsim.trials import Spread


@pytest.mark.parametrize("values", [(0.014374660381172511,) * 3, (0.1, 0.1, 0.1), (44.91,) * 7, (1e-300, 1e-300)])
def test_the_mean_of_identical_trials_is_their_value_and_never_past_the_worst(values):
    for higher_is_better in (True, False):
        spread = Spread(values, higher_is_better)
        assert spread.mean == values[0] == spread.worst  # np.mean gave ...513 > worst ...511 for the first


def test_the_mean_lies_between_the_trials():
    values = (0.30000000000000004, 0.1 + 0.2, 0.30000000000000004, 0.3)
    spread = Spread(values, False)
    assert min(values) <= spread.mean <= max(values) and spread.mean <= spread.worst


def test_an_infinite_trial_among_others_spreads_infinitely_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spread = Spread((math.inf, 30.0), True)
        assert spread.std == math.inf and spread.mean == math.inf and spread.worst == 30.0
        assert Spread((math.inf, math.inf), True).std == 0.0


def test_a_spread_needs_two_trials_and_identical_trials_are_stated_once():
    """a device without error had printed 'relative error: mean 0.02488, std 0, worst 0.02488' over 3 identical
    trials, and one noisy trial a JSON std of 0.0: a spread needs two trials, identical ones give their one value"""
    import cimsim
    from cimsim.report_multi import multi_markdown

    config = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    same = cimsim.simulate(config, {"workload.vectors": 20}, trials=3)  # device "rram" of default.toml: no error
    value = same.trials[0].metrics()["relative_error"]
    assert [t.metrics()["relative_error"] for t in same.trials] == [value] * 3
    assert same.to_dict()["accuracy"]["monte_carlo"]["relative_error"] == {"identical": True, "value": value,
                                                                           "trials": [value] * 3}
    text = same._repr_markdown_()
    assert f"Monte Carlo over 3 trials, relative error: {value:.4g}, identical in all 3 trials." in text
    assert "std 0," not in text
    one = cimsim.simulate(config, {"workload.vectors": 20, "device.preset": "rram"}, trials=1)  # 1 % read noise
    assert one.spreads == {} and one.to_dict()["accuracy"]["monte_carlo"] is None
    with pytest.raises(KeyError, match="one trial has no spread: run with trials >= 2"):  # a bare KeyError had said
        one.spreads["relative_error"]  # only the name
    with pytest.raises(KeyError, match="not a metric that varies and is finite in every one of the 3 trials"):
        same.spreads["wall_s"]
    assert "Monte Carlo" not in one._repr_markdown_()
    noisy = cimsim.simulate(config, {"workload.vectors": 20, "device.preset": "rram"}, trials=2)
    spread = noisy.to_dict()["accuracy"]["monte_carlo"]["relative_error"]
    assert spread["identical"] is False and spread["std"] > 0 and len(spread["trials"]) == 2
    comp = cimsim.compare(config, {"workload.vectors": 20}, trials=3)
    cell = f"| relative error over 3 trials: {value:.4g}, identical in all 3 trials |"
    assert cell in multi_markdown([comp, comp])
    with pytest.raises(ValueError, match="Spread.values: a spread needs at least 2 trials"):
        Spread((0.1,), False)


def test_the_accuracy_column_shows_one_metric_in_every_row():
    """a classifier whose analog accuracy is identical in every trial had shown its outputs' relative error in the
    accuracy column (the first metric that varied), another row's accuracy beside it"""
    import cimsim
    from cimsim.report_multi import multi_markdown

    root = Path(__file__).resolve().parents[1]
    mlp = cimsim.compare(root / "configs" / "digits-mlp.toml", {"device.preset": "rram", "workload.vectors": 4},
                         trials=3)
    over = cimsim.trials.spreads(mlp.runs)
    assert not over["analog_accuracy"].varies and over["outputs_relative_error"].varies
    value = over["analog_accuracy"].values[0]
    text = multi_markdown([mlp])
    assert f"| analog accuracy over 3 trials: {100 * value:.2f} %, identical in all 3 trials |" in text
    assert "outputs relative error over" not in text
    layer = cimsim.compare(root / "configs" / "default.toml", {"workload.vectors": 20, "device.preset": "rram"},
                           trials=2)  # a dense layer: its relative error, the one accuracy it has
    assert "| relative error over 2 trials: mean " in multi_markdown([layer])


def test_metric_names_read_as_words_in_reports():
    """the run report's Monte Carlo line had said 'outputs snr db'"""
    from cimsim.trials import metric_label
    assert [metric_label(n) for n in ("outputs_snr_db", "analog_accuracy", "relative_error")] == [
        "outputs SNR (dB)", "analog accuracy", "relative error"]
