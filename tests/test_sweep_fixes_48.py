"""Sweep fixes: an analytic point's input blocks read without walking the whole stream, random samples of a grid
that keep their points as ``samples`` grows, float fields drawn as floats, [set] errors naming [set] apart from the
axes, and Pareto plot labels that tell two axes of one field name apart."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

from cimsim.config import load_preset, with_overrides
from cimsim.errors import ConfigError
from cimsim.sweep import Axis, expand, spec_from_dict
from cimsim.sweep import plot
from cimsim.sweep.sampling import combinations
from cimsim import workload
from cimsim.workload import INPUT_BLOCK, input_blocks


def _counted_range(limit: int):
    """``range`` that fails once more than ``limit`` of its values were taken"""
    def counted(*args):
        for k, value in enumerate(builtins.range(*args)):
            assert k < limit, f"range{args} walked past {limit} values"
            yield value
    return counted


def test_asked_blocks_of_a_huge_workload_are_read_without_walking_it(monkeypatch):
    """2**40 vectors (the most the config allows) are 2**28 blocks: the blocks asked for had been found by walking
    every index (23-32 s an analytic point at 10**12 vectors); now only they are visited, in order"""
    base = with_overrides(load_preset("rram-default"), {"workload.vectors": 3 * INPUT_BLOCK})
    huge = with_overrides(base, {"workload.vectors": 2**40})
    whole = list(input_blocks(base))
    monkeypatch.setattr(workload, "range", _counted_range(10), raising=False)
    last = 2**40 // INPUT_BLOCK - 1
    blocks = list(input_blocks(huge, {last, 2, 0, last + 1}))  # unordered, one past the end
    assert [b.shape for b in blocks] == [(INPUT_BLOCK, huge.workload.in_features)] * 3
    assert np.array_equal(blocks[0], whole[0]) and np.array_equal(blocks[1], whole[2])  # in order, same values
    assert not np.array_equal(blocks[2], whole[0])
    assert [np.array_equal(a, b) for a, b in zip(input_blocks(base, [2, 1]), whole[1:])] == [True, True]


def _grid(sizes):
    return tuple(Axis(f"t.a{k}", tuple(range(n))) for k, n in enumerate(sizes))


@pytest.mark.parametrize("sizes", [(8, 5, 5), (3000, 3000), (10**7, 10**7, 10**6)])  # permuted, chunked, per axis
def test_a_random_grid_sample_keeps_its_points_as_samples_grow(sizes):
    """seed 0, 10 then 20 samples of a 200-point grid had kept 2 of the 10 finished points (rng.choice draws another
    set for each size); now more samples keep every point of fewer, in grid order, distinct"""
    axes = _grid(sizes)
    for seed in (0, 1, 7):
        few, more = (list(combinations(axes, "random", n, seed)) for n in (10, 20))
        assert set(few) <= set(more), (seed, few, more)
        assert len(set(more)) == 20 and more == sorted(more)
        assert list(combinations(axes, "random", 10, seed)) == few
    assert list(combinations(axes, "random", 10, 1)) != list(combinations(axes, "random", 10, 0))


def test_a_random_grid_sample_of_the_whole_grid_is_every_point():
    axes = _grid((4, 3))
    assert list(combinations(axes, "random", 12, 5)) == [(a, b) for a in range(4) for b in range(3)]


def test_a_float_field_draws_floats_whatever_its_ends_spelling():
    """{start = 0, stop = 1} on device.read_noise_sigma had drawn only 0.0 and 1.0 (integer ends made integer
    draws); an integer field still draws integers"""
    spec = spec_from_dict({"preset": "rram-default", "mode": "random", "samples": 6,
                           "axes": {"device.read_noise_sigma": {"start": 0, "stop": 1}, "adc.bits": {"start": 4,
                                                                                                 "stop": 8}}})
    sigma, bits = spec.axes
    assert not sigma.integer and bits.integer
    draws = [p.values for p in expand(spec)]
    assert len({s for s, _ in draws}) == 6 and all(0 < s < 1 and type(s) is float for s, _ in draws)
    assert all(type(b) is int and 4 <= b <= 8 for _, b in draws)
    stepped = spec_from_dict({"preset": "rram-default", "axes": {"device.read_noise_sigma": {
        "start": 0, "stop": 1, "step": 1}}})
    assert stepped.axes[0].values == (0.0, 1.0) and all(type(v) is float for v in stepped.axes[0].values)


def test_a_set_valid_at_no_point_names_set_and_the_axis_apart():
    """the message had read "[set] 'device.bits_per_cell' (4) must not exceed ..." where device.bits_per_cell is the
    axis and [set] holds mapping.weight_bits"""
    with pytest.raises(ConfigError) as info:
        spec_from_dict({"preset": "rram-default", "axes": {"device.bits_per_cell": [4, 8]},
                        "set": {"mapping.weight_bits": 2}})
    [(key, message)] = info.value.errors
    assert key == "set", key
    assert message.startswith("[set] mapping.weight_bits = 2 is valid at no point of the sweep (its first: "
                              "device.bits_per_cell = 4): 'device.bits_per_cell' (4) must not exceed"), message


def test_plot_labels_tell_axes_of_one_field_name_apart_and_round_draws():
    """technology.clock_ghz and baseline.clock_ghz had both been labelled clock_ghz=...; a random draw had shown all
    its 17 digits"""
    row = {"point_id": "ab12", "technology.clock_ghz": "1.0", "baseline.clock_ghz": "0.5", "adc.bits": "6",
           "device.read_noise_sigma": "0.2697867137638703", "device.preset": "rram", "energy_pj": "3.5"}
    assert plot.point_label(row) == ("technology.clock_ghz=1.0, baseline.clock_ghz=0.5, bits=6, "
                                     "read_noise_sigma=0.2698, preset=rram")
    assert [plot.short_value(c) for c in ("65536.11", "549755813888123", "1.2345678901234567e-07", "inf", "x")] == [
        "65536.11", "549755813888123", "1.235e-07", "inf", "x"]


def test_a_functional_points_accuracy_of_identical_trials_is_their_value():
    """3 identical trials of 0.97 had read 0.9700000000000001 in a sweep's row (a plain mean) where run reports
    0.97: a sweep's point equals a single run of it"""
    from cimsim.config.load import load_config, with_overrides
    from cimsim.sweep.metrics import _functional
    from cimsim.trials import trial_mean

    assert np.mean([0.97] * 3) != 0.97 and trial_mean([0.97] * 3) == 0.97
    assert trial_mean([0.2, 0.4]) == np.mean([0.2, 0.4]) and np.isnan(trial_mean([np.nan, 1.0]))
    config = with_overrides(load_config(Path(__file__).resolve().parents[1] / "configs" / "digits-mlp.toml"),
                            {"device.preset": "ideal", "workload.vectors": 200, "simulation.trials": 3})
    point = _functional(config)
    assert point["accuracy"] == point["digital_accuracy"] == 0.97


def test_an_analytic_sweep_along_a_setting_its_points_do_not_read_says_so():
    """an analytic sweep along simulation.trials or memory_limit_gib had given identical points, unsaid, and its
    summary had said 'Not checked against published trends: simulation.trials (the cost's trend along it is the
    model's alone)' (a review)"""
    import warnings

    from cimsim.cost.trust import axis_trend_lines

    default = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    spec = {"base": default, "axes": {"simulation.trials": [1, 2], "adc.bits": [6, 8]}}
    with pytest.warns(UserWarning, match=r"^simulation.trials: an analytic sweep does not read it"):
        spec_from_dict(spec)
    with pytest.warns(UserWarning, match=r"^simulation.batch_size: an analytic sweep's points are alike along it"):
        spec_from_dict({"base": default, "axes": {"simulation.batch_size": [64, 4096]}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec_from_dict({**spec, "kind": "functional"})
    assert not any("simulation.trials" in line for line in axis_trend_lines(["simulation.trials", "adc.bits"]))


def test_a_sweep_says_the_axes_along_which_no_objective_moved(tmp_path):
    """an analytic sweep along device.read_noise_sigma gave identical rows, unsaid, and its summary said 'Not
    checked against published trends: device.read_noise_sigma (the cost's trend along it is the model's alone)': a
    trend it has not (a probe, 2026-12-06); the axes are found from the rows, so any field a kind does not read is"""
    from click.testing import CliRunner

    from cimsim.cli import main
    from cimsim.sweep.metrics import alike_axes

    rows = [{"status": "ok", "a": a, "b": b, "e": str(float(b)), "t": "1"} for a in "12" for b in "34"]
    assert alike_axes(["a", "b"], ["e", "t"], rows) == ("a",)
    assert alike_axes(["a", "b"], ["t"], rows) == ("a", "b")
    assert alike_axes(["a", "b"], ["e"], rows[:1] + rows[3:]) == ()  # no two rows differ in one axis alone
    assert alike_axes(["a"], ["e"], [{**rows[0], "status": "failed"}, rows[2]]) == ()  # failed rows hold none
    default = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    spec = tmp_path / "s.toml"
    spec.write_text(f'base = "{default}"\nobjectives = ["energy_pj", "area_mm2"]\n[axes]\n'
                    '"device.read_noise_sigma" = [0.0, 0.1]\n"adc.bits" = [6, 8]\n')
    result = CliRunner().invoke(main, ["sweep", str(spec), "-o", str(tmp_path / "r.csv"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert ("warning: device.read_noise_sigma: no objective (energy_pj, area_mm2) moved along it: every point alike "
            "along it") in result.output
    assert "adc.bits: no published trend varies adc_bits alone" in result.output and "Not checked" not in result.output
    # a field published trends check keeps its line where the sweep's objectives did not move along it (a review:
    # an analytic sweep along read_voltage_v with area and latency objectives had been told it does not read it)
    from cimsim.cost.trust import axis_trend_lines
    assert axis_trend_lines(["adc.bits"], ["adc.bits"]) == axis_trend_lines(["adc.bits"])
    assert axis_trend_lines(["device.read_noise_sigma"], ["device.read_noise_sigma"]) == []


def test_an_invalid_points_error_says_its_value_came_from_an_axis_or_the_set_table():
    """a point failing on an axis value had said '(given as an override)', the --set wording (a probe, 2026-12-06)"""
    default = str(Path(__file__).resolve().parents[1] / "configs" / "default.toml")
    points = expand(spec_from_dict({"base": default, "axes": {"device.bits_per_cell": [1, 8]},
                                    "set": {"mapping.weight_bits": 2}}))
    (bad,) = [p for p in points if p.config is None]
    assert bad.error.endswith("(this point's axis value)") and "given as an override" not in bad.error
    points = expand(spec_from_dict({"base": default, "axes": {"mapping.weight_bits": [2, 8]},
                                    "set": {"device.bits_per_cell": 4}}))
    (bad,) = [p for p in points if p.config is None]
    assert bad.error.startswith("'device.bits_per_cell' (4)") and bad.error.endswith("(the spec's [set])"), bad.error
    with pytest.raises(ConfigError) as info:  # a [set] refused as a whole: '[set] ...', not --set's wording
        spec_from_dict({"base": default, "axes": {"adc.bits": [6]}, "set": {"device.bits_per_cell": 9}})
    assert "[set] 'device.bits_per_cell' must be" in str(info.value) and "given as an override" not in str(info.value)
