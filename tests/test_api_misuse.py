"""What a research script may get wrong with the Python API: another crossbar's converter setting, a bad
AdcSetting, hashing results, front_markdown's counts, text where DataStats takes shares, spec_from_dict's source and
folder, and which argument a contradicted setting names (each found by a probe of the API)."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.analytic import DataStats
from cimsim.errors import CallOrderError, ConfigError
from cimsim.numerics import AdcSetting, Crossbar
from cimsim.sweep import front_markdown, pareto_front, read_table, run_sweep, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = str(ROOT / "configs" / "default.toml")


def _calibrated(out_features: int) -> tuple[Crossbar, np.ndarray]:
    cfg = cimsim.as_config(DEFAULT, {"device.preset": "ideal", "adc.bits": 8})
    xbar = Crossbar(cfg, 256, out_features)
    xbar.program(np.random.default_rng(1).uniform(-1, 1, (out_features, 256)))
    x = np.random.default_rng(0).uniform(-1, 1, (32, 256))
    xbar.calibrate(x)
    return xbar, x


def test_another_crossbars_converter_setting_is_refused_by_mvm():
    """a 256 x 4 crossbar's setting given to a 256 x 64 one had been read past its steps' end: NaN and 1e201 among
    the outputs, different on every run"""
    big, x = _calibrated(64)
    small, _ = _calibrated(4)
    y = big.mvm(x)
    own = big.adc
    big.adc = small.adc
    with pytest.raises(ValueError, match=r"adc.lsb has shape \(1, 16\), this crossbar's converters \(1, 256\)"):
        big.mvm(x)
    big.adc = AdcSetting(own.lsb, -63, 63)  # a 7-bit range on 8-bit converters
    with pytest.raises(ValueError, match="adc's codes run -63 to 63, this crossbar's 8-bit converters' -127 to 127"):
        big.mvm(x)
    big.adc = "a setting"
    with pytest.raises(TypeError, match="adc must be an AdcSetting"):
        big.mvm(x)
    big.adc = None
    with pytest.raises(CallOrderError, match="call calibrate"):
        big.mvm(x)
    big.adc = copy.deepcopy(own)  # its own setting, copied: the same numbers
    np.testing.assert_array_equal(big.mvm(x), y)


@pytest.mark.parametrize("lsb, code_min, code_max, said", [
    (None, 0, 1, "lsb must be finite positive steps"), (0.0, 0, 1, "lsb must be finite positive steps"),
    (np.full((1, 2), -1.0), 0, 1, "lsb must be finite positive steps"),
    (np.full((1, 2), np.nan), 0, 1, "lsb must be finite positive steps"),
    ([["x"]], 0, 1, "lsb must be real steps"), (np.ones((1, 2)), "x", 1, "code_min must be a finite number"),
    (np.ones((1, 2)), 2, 1, "code_max must be a finite number >= 2"),
])
def test_an_adc_setting_refuses_what_no_converter_has(lsb, code_min, code_max, said):
    """None had been taken as NaN steps, 0 and -1 as steps, 'x' as a code"""
    with pytest.raises(ValueError, match=said):
        AdcSetting(lsb, code_min, code_max)


def test_results_hash_as_they_compare():
    """frozen results held read-only dicts, which hash() refused (TypeError) though the class claims a hash"""
    for run in (cimsim.simulate, cimsim.compare, cimsim.estimate):
        a, b = run(DEFAULT, {"workload.vectors": 8}), run(DEFAULT, {"workload.vectors": 8})
        assert a == b and hash(a) == hash(b) == hash(copy.deepcopy(a))


def test_front_markdown_names_a_bad_front_or_count(tmp_path):
    spec = spec_from_dict({"base": "default.toml", "axes": {"adc.bits": [4, 6]}, "set": {"workload.vectors": 8}},
                          base_dir=str(ROOT / "configs"))
    run_sweep(spec, tmp_path / "r.csv", workers=1)
    table = read_table(tmp_path / "r.csv")
    points, front = pareto_front(table, "energy_pj", "area_mm2")
    assert f"({len(front)} of {len(points)} points" in front_markdown(table, front, len(points), "energy_pj",
                                                                      "area_mm2")
    for bad in (points, None, float("nan"), 1.5, -1, True, len(points) + 1, 0):
        with pytest.raises((TypeError, ValueError), match="candidates"):
            front_markdown(table, front, bad, "energy_pj", "area_mm2")
    other = {**front[0], "adc.bits": "9"}  # a row of no front of this table (another table's, or edited)
    others = [r for r in points if r not in front]
    for bad in ("rows", [None], front * 2, [other], [{**front[0], "energy_pj": "abc"}], points, [], others,
                [dict(r) for r in front] * 2):
        with pytest.raises(TypeError, match=r"front must be the list of rows pareto_front\(table, x, y\) returns"):
            front_markdown(table, bad, len(points), "energy_pj", "area_mm2")
    with pytest.raises(TypeError, match="front must be"):  # the front of other aims
        front_markdown(table, front, len(points), "energy_pj", "area_mm2", maximize_y=True)
    doubled = dataclasses.replace(table, rows=table.rows + table.rows)  # a row object twice: its own front taken
    points, front = pareto_front(doubled, "energy_pj", "area_mm2", notice=None)
    assert "Pareto front of" in front_markdown(doubled, front, len(points), "energy_pj", "area_mm2")


@pytest.mark.parametrize("codes", ["x", ["a", "b"], [object(), object()], [10**400, 0], [0.5, "0.5"],
                                   [True, False], 5, {0: 0.5, 1: 0.5}, b"\x00\x01", {0.5, 0.25}])
def test_data_stats_refuses_text_shares_naming_them(codes):
    """(a dict's keys had been taken as its shares, a set's in hash order: a review)"""
    with pytest.raises(ValueError, match="input_codes must be the non-negative shares"):
        DataStats(input_codes=codes)


def test_data_stats_takes_shares_in_any_ordered_sequence():
    for codes in ([0.25, 0.75], (0.25, 0.75), np.array([0.25, 0.75]), (v for v in [0.25, 0.75]),
                  [np.float32(0.25), np.float64(0.75)]):
        assert DataStats(input_codes=codes).input_codes == (0.25, 0.75)


@pytest.mark.parametrize("argument, value, said", [
    ("source", 1.5, "source must be a str or path"), ("base_dir", None, "base_dir must be a folder path"),
    ("base_dir", 1.5, "base_dir must be a folder path"),
])
def test_spec_from_dict_names_a_bad_source_or_folder(argument, value, said):
    with pytest.raises(TypeError, match=said):
        spec_from_dict({"base": "default.toml", "axes": {"adc.bits": [4, 6]}}, **{argument: value})


def test_spec_from_dict_takes_a_path_as_its_source():
    spec = spec_from_dict({"base": "default.toml", "axes": {"adc.bits": [4, 6]}}, Path("s.toml"),
                          base_dir=ROOT / "configs")
    assert spec.source == "s.toml"


def test_an_array_without_converters_takes_only_its_own_unit_steps():
    """a digital array had taken any setting of its shape, its exact products then wrong (0.64 off, none clipped)"""
    config = cimsim.as_config(DEFAULT, {"array.family": "digital", "device.preset": "sram"})
    xbar = Crossbar(config, 64, 8)
    xbar.program(np.random.default_rng(1).uniform(-1, 1, (8, 64)))
    x = np.random.default_rng(0).uniform(-1, 1, (16, 64))
    y, own = xbar.mvm(x), xbar.adc
    xbar.adc = AdcSetting(np.full(own.lsb.shape, 7.3), own.code_min, own.code_max)
    with pytest.raises(ValueError, match="unit steps"):
        xbar.mvm(x)
    xbar.adc = AdcSetting(own.lsb, 0, 3)
    with pytest.raises(ValueError, match="adder tree's sums"):
        xbar.mvm(x)
    xbar.adc = own
    np.testing.assert_array_equal(xbar.mvm(x), y)


def test_a_setting_an_argument_contradicts_names_the_argument_and_settings_are_settings():
    with pytest.raises(ValueError, match="settings give simulation.seed = 3, but the argument seed=4"):
        cimsim.simulate(DEFAULT, {"simulation.seed": 3}, seed=4)
    with pytest.raises(ConfigError, match=r"settings \(overrides\) must be a dict"):
        cimsim.simulate(DEFAULT, "adc.bits=6")
