"""Non-linear cell I-V curves (cimsim.iv_curve): the law, the bent planes, the crossbar against its numpy twin, the
energy, and the reads and families it does not touch."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import naive
from cimsim.analytic import analytic_counts
from cimsim.config import config_from_dict
from cimsim.errors import ConfigError
from cimsim.iv_curve import bend_planes, read_levels, sinh_shape
from cimsim.mapping import plan_layer
from test_numerics import data, make_config, programmed


def bent(cfg, nl):
    return dataclasses.replace(cfg, device=dataclasses.replace(cfg.device, iv_nonlinearity=nl))


@pytest.mark.parametrize("nl", [2.0, 2.5, 4.0, 10.0, 1000.0])
def test_the_sinh_law_has_the_stated_nonlinearity(nl):
    a = sinh_shape(nl)
    assert math.isclose(2 * math.cosh(a / 2), nl, rel_tol=1e-12)
    if a:  # I(V) / I(V/2) of I ~ sinh(a v)
        assert math.isclose(math.sinh(a) / math.sinh(a / 2), nl, rel_tol=1e-12)


def test_read_levels_keep_full_scale_and_bend_below_it():
    plan = plan_layer(bent(make_config(dac=("parallel", "two_phase"), input_bits=5), 4.0))
    levels = read_levels(plan)
    top = plan.max_plane_code  # 15
    a = sinh_shape(4.0)
    np.testing.assert_allclose(levels, top * np.sinh(a * np.arange(top + 1) / top) / math.sinh(a), rtol=1e-15)
    assert levels[0] == 0.0 and math.isclose(levels[top], top)
    assert (np.diff(levels) > 0).all() and (levels[1:-1] < np.arange(1, top)).all()  # convex: below the line
    assert read_levels(plan_layer(make_config(input_bits=5))) is None  # ohmic


@pytest.mark.parametrize("dac, encoding", [
    (("bit_serial", "two_phase"), "voltage"), (("parallel", "binary"), "voltage"),
    (("parallel", "two_phase"), "pulse_width"), (("parallel", "bipolar"), "pulse_count")])
def test_reads_of_zero_or_full_scale_and_time_domain_reads_do_not_bend(dac, encoding):
    """bit-serial and binary reads see 0 or V_read; time-domain reads keep V_read and vary their length"""
    cfg = make_config(dac=dac, dac_encoding=encoding, rows=16, rows_per_read=16, in_features=12, adc_bits=10)
    assert read_levels(plan_layer(bent(cfg, 10.0))) is None
    w, x = data(cfg, batch=9, seed=1)
    ohmic, curved = programmed(cfg, w), programmed(bent(cfg, 10.0), w)
    np.testing.assert_array_equal(curved.mvm(x), ohmic.mvm(x))
    assert curved.counts == ohmic.counts


def test_bend_planes_against_numpy():
    rng = np.random.default_rng(0)
    levels = 7 * np.sinh(1.3 * np.arange(8) / 7) / np.sinh(1.3)
    codes = rng.integers(-7, 8, size=(2, 5, 11))
    planes = codes.astype(np.float32)
    starts = np.array([0, 4, 8, 11])
    row_sq, code_current = bend_planes(levels, planes, starts)
    expected = (np.sign(codes) * levels[np.abs(codes)]).astype(np.float32)
    np.testing.assert_array_equal(planes, expected)
    e64 = expected.astype(np.float64)
    for g in range(3):
        np.testing.assert_allclose(row_sq[g], (e64[:, :, starts[g]:starts[g + 1]] ** 2).sum(axis=2).ravel(),
                                   rtol=1e-12)
    np.testing.assert_allclose(code_current, (codes * e64).sum(axis=(0, 1)), rtol=1e-12)
    assert (code_current >= 0).all()  # a code and its current share the sign: V I >= 0


def _one_conversion_per_output(dac, accumulation="none"):
    """one row group, one slice, the pair's difference converted: an output is one conversion (or one per plane)"""
    return make_config(rows=16, cols=16, rows_per_read=16, weight_bits=5, bits_per_cell=4, in_features=16,
                       out_features=6, dac=dac, input_bits=5, adc_bits=14, accumulation=accumulation)


@pytest.mark.parametrize("dac, accumulation", [(("parallel", "bipolar"), "none"), (("parallel", "two_phase"), "none"),
                                               (("sliced", "two_phase", 2), "none"),
                                               (("sliced", "unsigned", 2), "planes")])
@pytest.mark.parametrize("nl", [2.5, 6.0])
def test_crossbar_equals_its_numpy_twin_with_bent_reads(dac, accumulation, nl):
    """The float32 product of bent planes against the twin's float64 one: equal but where a sum lies within float32
    rounding of a half-LSB tie, there one conversion step apart; and far from the ohmic result."""
    cfg = bent(_one_conversion_per_output(dac, accumulation), nl)
    w, x = data(cfg, batch=40, seed=3)
    xbar = programmed(cfg, w)
    y = xbar.mvm(x)
    y_ref, lsb = naive.mvm(w, x, cfg)
    assert (xbar.adc.lsb == lsb).all()
    _, sx = naive.input_codes(x, cfg.dac.input_bits, None, cfg.dac.signed_inputs == "unsigned")
    _, sw = naive.weight_codes(w, cfg.mapping.weight_bits, False)
    step = lsb * float(np.abs(xbar.plan.plane_weights).max()) * sx[:, None] * sw  # one conversion step
    assert (np.abs(y - y_ref) <= 1.01 * step).all()
    assert np.mean(np.abs(y - y_ref) <= 1e-12 * np.abs(y_ref).max()) > 0.95
    ohmic = naive.mvm(w, x, _one_conversion_per_output(dac, accumulation))[0]
    assert np.abs(y - ohmic).max() > 5 * step.max()


def test_bent_reads_leave_the_int8_units_and_agree_with_the_float_path():
    cfg = bent(_one_conversion_per_output(("parallel", "bipolar")), 3.0)
    float_only = dataclasses.replace(cfg, simulation=dataclasses.replace(cfg.simulation, int8_products="off"))
    w, x = data(cfg, batch=64, seed=5)
    np.testing.assert_array_equal(programmed(cfg, w).mvm(x), programmed(float_only, w).mvm(x))


@pytest.mark.parametrize("dac", [("parallel", "two_phase"), ("sliced", "bipolar", 2)])
def test_array_energy_is_v_times_i_of_the_bent_cells(dac):
    cfg = bent(make_config(dac=dac, rows=8, rows_per_read=4, in_features=20, g_min_us=0.5), 5.0)
    w, x = data(cfg, batch=11, seed=2)
    xbar = programmed(cfg, w)
    xbar.mvm(x)
    np.testing.assert_allclose(xbar.counts.array_gv2t_fj, naive.gv2t_fj(w, x, cfg, xbar.plan.col_tiles), rtol=1e-6)
    ohmic = programmed(bent(cfg, 2.0), w)
    ohmic.mvm(x)
    assert xbar.counts.array_gv2t_fj < ohmic.counts.array_gv2t_fj  # lower reads pass less current


def test_analytic_energy_is_the_mean_of_v_times_i_over_uniform_codes():
    cfg = bent(make_config(dac=("parallel", "unsigned"), input_bits=4, in_features=10, rows=16, rows_per_read=16), 4.0)
    plan = plan_layer(cfg)
    levels = read_levels(plan)
    c = plan.max_plane_code
    per_cell = analytic_counts(plan, 1).array_gv2t_fj / analytic_counts(plan, 1).cells_read
    assert (plan.signed_encoding, plan.weight_bits, plan.bits_per_cell) == ("differential", 6, 2)
    # codes uniform on [-31, 31]: |q| in one cell of each of the 3 slices' pairs, the other at level 0
    level = sum((abs(q) >> 2 * k) & 3 for q in range(-31, 32) for k in range(3)) / 63 / 3 / 6
    mean_g = plan.g_min_us + level * (plan.g_max_us - plan.g_min_us)
    expected = mean_g * plan.read_voltage_v ** 2 * np.mean(np.arange(c + 1) * levels) / c ** 2 * plan.read_pulse_ns
    assert math.isclose(per_cell, expected, rel_tol=1e-12)
    ohmic = analytic_counts(plan_layer(bent(cfg, 2.0)), 1)
    assert math.isclose(ohmic.array_gv2t_fj / ohmic.cells_read, mean_g * plan.read_voltage_v ** 2
                        * (2 * c + 1) / (6 * c) * plan.read_pulse_ns, rel_tol=1e-12)


@pytest.mark.parametrize("value, message", [
    (1.5, r"'device.iv_nonlinearity' must be a finite number in \[2.0, 1000.0\]; got 1.5"),
    (float("nan"), "'device.iv_nonlinearity' must be a finite number"),
    (1e4, r"'device.iv_nonlinearity' must be a finite number in \[2.0, 1000.0\]")])
def test_a_nonlinearity_below_ohmic_or_absurd_is_refused(value, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"device": {"iv_nonlinearity": value}}, "c.toml")


@pytest.mark.parametrize("family", ["charge", "current", "digital"])
def test_only_resistive_cells_take_a_nonlinear_curve(family):
    with pytest.raises(ConfigError, match=r"'device.iv_nonlinearity' bends a resistive cell's I-V curve: it needs "
                                          rf"'array.family' = \"resistive\" \(the family is \"{family}\"\)"):
        config_from_dict({"array": {"family": family}, "device": {"iv_nonlinearity": 3.0}}, "c.toml")


@pytest.mark.parametrize("bad", [1.9, float("nan"), float("inf"), "3", None])
def test_the_law_refuses_a_nonlinearity_it_cannot_shape(bad):
    with pytest.raises(ValueError, match=r"I-V nonlinearity I\(V\) / I\(V/2\) must be a finite number >= 2"):
        sinh_shape(bad)


@pytest.mark.parametrize("encoding, subtraction", [("offset", "digital"), ("offset", "analog"),
                                                   ("differential", "digital")])
def test_bent_reads_with_g_min_and_every_subtraction_match_the_twin(encoding, subtraction):
    """g_min > 0 adds g_min x the row's summed currents (not codes) to an unsubtracted column; row groups, slices
    and the offset's reference columns as the twin lays them out"""
    cfg = bent(make_config(rows=16, cols=32, rows_per_read=8, weight_bits=5, bits_per_cell=2, in_features=20,
                           out_features=5, input_bits=5, adc_bits=14, encoding=encoding, subtraction=subtraction,
                           g_min_us=0.7), 3.0)
    w, x = data(cfg, batch=30, seed=4)
    xbar = programmed(cfg, w)
    y, (y_ref, _) = xbar.mvm(x), naive.mvm(w, x, cfg)
    assert np.mean(np.abs(y - y_ref) <= 1e-12 * np.abs(y_ref).max()) > 0.95
    assert np.abs(y - y_ref).max() <= 0.02 * np.abs(y_ref).max()  # at most a few conversion steps at ties


def test_sixteen_bit_reads_bend_without_overflow():
    """unsigned 16-bit inputs read at once: codes up to 65535"""
    cfg = bent(make_config(dac=("parallel", "unsigned"), input_bits=16, rows=4, rows_per_read=4, in_features=4,
                           out_features=3, bits_per_cell=1, weight_bits=2, adc_bits=16), 3.0)
    levels = read_levels(plan_layer(cfg))
    assert len(levels) == 65536 and math.isclose(levels[-1], 65535.0)
    planes = np.array([[[65535.0, 32768.0, 1.0, 0.0]]], dtype=np.float32)
    _, current = bend_planes(levels, planes, np.array([0, 4]))
    np.testing.assert_allclose(planes[0, 0], levels[[65535, 32768, 1, 0]].astype(np.float32))
    assert current[0] == pytest.approx(65535.0 * 65535.0) and current[1] == pytest.approx(32768 * levels[32768])


@pytest.mark.parametrize("levels, planes, starts, match", [
    (None, np.array([[[200.0]]], np.float32), [0, 1], "planes must hold whole codes of magnitude below 128"),
    (None, np.array([[[np.nan]]], np.float32), [0, 1], "planes must hold whole codes"),
    (None, np.array([[[1.5]]], np.float32), [0, 1], "planes must hold whole codes"),
    (None, np.array([[1.0]], np.float32), [0, 1], r"planes must be a float32 array \(n_planes x batch x in\)"),
    (None, np.array([[[1.0]]]), [0, 1], "planes must be a float32 array"),
    (None, np.ones((1, 1, 4), np.float32), [0, 2], "starts must be increasing ints from 0 to the 4 inputs"),
    (None, np.ones((1, 1, 4), np.float32), [0, 3, 2, 4], "starts must be increasing ints"),
    (np.array([[1.0]]), np.ones((1, 1, 1), np.float32), [0, 1], "levels must be a non-empty 1-d array"),
    (np.array([np.nan]), np.zeros((1, 1, 1), np.float32), [0, 1], "levels must be a non-empty 1-d array of finite"),
])
def test_bend_planes_names_a_bad_argument(levels, planes, starts, match):
    """codes beyond the level table or NaN had given an IndexError, 2-d planes numpy's AxisError"""
    table = 127 * np.sinh(1.3 * np.arange(128) / 127) / np.sinh(1.3)
    with pytest.raises(ValueError, match=match):
        bend_planes(table if levels is None else levels, planes, np.array(starts))
