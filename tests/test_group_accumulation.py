"""adc.groups_per_conversion: consecutive row groups (reads) summed on the column before one conversion.

The functional core against its numpy twin is in tests/test_numerics.py (the property over every layout draws
this field too) and the read noise against its closed form in tests/test_devices.py."""

from __future__ import annotations

import re

import numpy as np
import pytest

import naive
from cimsim.analytic import analytic_counts
from cimsim.config import Config, with_overrides
from cimsim.cost import cim_breakdown, cim_parameters, cim_timing
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer
from cimsim.numerics.converters import max_sum
from cimsim.numerics.encoding import weight_levels
from cimsim.numerics import Crossbar


def config(groups: int, **overrides):
    base = {"workload.in_features": 100, "workload.out_features": 10, "array.rows": 64, "array.cols": 64,
            "array.rows_per_read": 16, "adc.groups_per_conversion": groups, "adc.bits": 8, "adc.range": "max",
            "dac.mode": "bit_serial"}
    return with_overrides(Config(), {**base, **overrides})


def run(cfg, vectors=50, calibrate=False):
    rng = np.random.default_rng(0)
    w, x = rng.uniform(-1, 1, (10, 100)), rng.uniform(-1, 1, (vectors, 100))
    x = np.abs(x) if cfg.dac.signed_inputs == "unsigned" else x
    xbar = Crossbar(cfg)
    xbar.program(w)
    if calibrate:
        xbar.calibrate(x)
    return xbar, w, x, xbar.mvm(x)


def test_conversion_groups_merge_the_reads_of_a_row_tile():
    plan = plan_layer(config(3))
    assert plan.row_groups()[:5] == [(0, 16), (16, 32), (32, 48), (48, 64), (64, 80)]
    # three reads summed, then the tile's fourth alone; the second tile (36 rows, three reads) in one conversion
    assert plan.conversion_groups() == [(0, 48), (48, 64), (64, 100)]
    assert plan.rows_per_conversion == 48 and plan.reads_per_conversion == 3
    assert plan_layer(config(4)).conversion_groups() == [(0, 64), (64, 100)]
    groups = plan.conversion_groups()  # made once per plan, handed out as a new list: a caller's edit stays its own
    groups.append((100, 101))
    assert plan.conversion_groups() == [(0, 48), (48, 64), (64, 100)] and plan.row_groups()[4] == (64, 80)


@pytest.mark.parametrize("groups", [1, 2, 3, 4])
@pytest.mark.parametrize("overrides", [
    {}, {"adc.accumulation": "planes"}, {"dac.mode": "parallel", "mapping.signed_encoding": "offset",
                                          "mapping.subtraction": "digital", "device.g_min_us": 0.5},
    {"array.family": "charge", "device.name": "sram", "dac.signed_inputs": "unsigned"}])
def test_conversions_fall_with_the_groups_summed_and_counts_stay_analytic(groups, overrides):
    cfg = config(groups, **overrides)
    xbar, w, x, y = run(cfg)
    if cfg.array.family != "charge":  # charge cells add kT/C noise, which the twin leaves out
        np.testing.assert_array_equal(y, naive.mvm(w, x, cfg)[0])
    measured, analytic = xbar.counts.as_dict(), analytic_counts(xbar.plan, 50).as_dict()
    for name in ("row_activations", "array_gv2t_fj", "cell_activity"):  # data-dependent (tested elsewhere)
        measured.pop(name), analytic.pop(name)
    assert measured == analytic
    plan = xbar.plan
    per_plane_round = plan.n_planes // plan.planes_per_conversion * plan.converted_cols(10)
    assert analytic["adc_conversions"] == 50 * per_plane_round * len(plan.conversion_groups())
    assert analytic["array_reads"] == 50 * plan.n_planes * 7 * plan.col_tiles  # as many reads: 4 + 3 row groups


def test_the_adc_range_covers_the_rows_summed():
    """range max: the full scale of a conversion grows with the rows summed into it (the lsb with it)"""
    lsb = [run(config(g, **{"adc.bits": 4}))[0].adc.lsb.max() for g in (1, 2, 4)]
    assert lsb[1] == pytest.approx(2 * lsb[0]) and lsb[2] == pytest.approx(4 * lsb[0])


def test_calibrated_ranges_see_the_summed_groups():
    cfg = config(2, **{"adc.range": "calibrated", "adc.percentile": 100.0})
    xbar, w, x, y = run(cfg, calibrate=True)
    np.testing.assert_array_equal(y, naive.mvm(w, x, cfg, full_scale=xbar.adc.full_scale[0, 0])[0])


def test_fewer_conversions_cost_less_and_reads_set_the_round():
    conversions, samples, cycle_reads = {}, {}, {}
    for g in (1, 2, 4):
        cfg = config(g, **{"adc.cols_per_adc": 64, "workload.in_features": 64})  # one tile of four row groups
        plan = plan_layer(cfg)
        counts = analytic_counts(plan, 10)
        p = cim_parameters(cfg, plan)
        conversions[g] = counts.adc_conversions
        samples[g] = cim_breakdown(cfg, plan, counts).energy_pj["sample_hold"]
        cycle_reads[g] = cim_timing(plan, p).read_cycle_ns / p.read_ns
    assert conversions[2] * 2 == conversions[1] and conversions[4] * 4 == conversions[1]
    # every read is still sampled onto the column (samples = conversions x reads per conversion)
    assert samples[1] == pytest.approx(samples[2]) == pytest.approx(samples[4])
    assert cycle_reads[2] >= 2 and cycle_reads[4] >= 4  # a round lasts at least the reads it sums


def test_a_tiles_short_last_round_takes_only_its_reads():
    """three of a tile's four row groups summed, then the fourth alone: that round lasts one read, not three"""
    cfg = config(3, **{"workload.in_features": 64, "device.read_pulse_ns": 1000.0})  # read-bound rounds
    plan = plan_layer(cfg)
    p = cim_parameters(cfg, plan)
    timing = cim_timing(plan, p)
    assert timing.read_cycle_ns == pytest.approx(3 * p.read_ns)
    assert timing.vector_ns == pytest.approx(plan.n_planes * (3 + 1) * p.read_ns)


@pytest.mark.parametrize("overrides, match", [
    ({"adc.groups_per_conversion": 5}, r"'adc.groups_per_conversion' \(5\) must not exceed the row groups of an "
                                       r"array: 4"),
    ({"array.family": "digital", "device.name": "sram", "mapping.signed_encoding": "offset",
      "mapping.subtraction": "digital", "dac.signed_inputs": "unsigned", "adc.groups_per_conversion": 2},
     "'array.family' = \"digital\" has no analog sum"),
])
def test_impossible_group_sums_are_refused_naming_the_field(overrides, match):
    with pytest.raises(ConfigError, match=match) as info:
        with_overrides(Config(), {"workload.in_features": 64, "array.rows": 64, "array.rows_per_read": 16,
                                  **overrides})
    assert "adc.groups_per_conversion" in info.value.fields
    assert "array.cols" not in info.value.fields  # no second, misleading error from the plan


def test_group_sums_past_the_float32_limit_are_not_simulated():
    cfg = with_overrides(Config(), {"workload.in_features": 64, "array.rows": 1024, "array.rows_per_read": 256,
                                    "device.bits_per_cell": 7, "dac.mode": "parallel", "dac.input_bits": 8,
                                    "dac.signed_inputs": "unsigned", "adc.groups_per_conversion": 3})
    with pytest.raises(ConfigError, match=r"'array.rows_per_read' x 'adc.groups_per_conversion' x largest input "
                                          r"code x largest cell level = 768 x 255 x 127") as info:
        Crossbar(cfg)  # 3 x 256 x 255 x 127 > 2**24
    assert info.value.fields == ["adc.groups_per_conversion"]


def test_one_group_per_conversion_is_the_default():
    assert Config().adc.groups_per_conversion == 1
    plan = plan_layer(Config())
    assert plan.conversion_groups() == plan.row_groups() and plan.rows_per_conversion == plan.rows_per_read


SUMMED = {"device.preset": "ideal", "array.rows": 1024, "array.cols": 256, "array.rows_per_read": 1024,
          "workload.in_features": 1024, "workload.out_features": 64, "device.bits_per_cell": 2, "dac.mode": "parallel",
          "dac.signed_inputs": "unsigned", "adc.range": "max", "adc.bits": 16}
"""1024 rows of 8-bit codes (255) x 2-bit cells (level 3): 783 360 < 2**24 per slice column; with the 4 slices of a
7-bit magnitude summed (1 + 2 + 2 + 2 bits, slice weights 1, 2, 8, 32) the matrix holds levels up to
1 x 1 + 3 x 2 + 3 x 8 + 3 x 32 = 127: 33 162 240 > 2**24"""


@pytest.mark.parametrize("overrides, product", [
    ({"adc.accumulation": "slices"}, "1024 x 255 x 127 = 33162240"),
    ({"adc.accumulation": "planes_and_slices", "dac.signed_inputs": "two_phase",  # two planes: 7 magnitude bits
      "mapping.weight_bits": 9}, "1024 x 127 x 255 = 33162240"),  # 8 magnitude bits summed: up to 255
    ({"adc.accumulation": "slices", "array.rows_per_read": 256, "adc.groups_per_conversion": 4},
     "1024 x 255 x 127 = 33162240"),
])
def test_summed_slices_count_in_the_float32_limit(overrides, product):
    cfg = with_overrides(Config(), {**SUMMED, **overrides})  # the loader takes it: pricing needs no simulation
    with pytest.raises(ConfigError, match=re.escape(f"{product} must stay below 2**24")) as info:
        Crossbar(cfg)
    assert info.value.fields == ["adc.accumulation"]  # converting the slices apart is what brings it below
    assert "'adc.accumulation'" in str(info.value)
    Crossbar(with_overrides(cfg, {"array.rows_per_read": 256, "adc.groups_per_conversion": 1}))


def test_the_float32_limit_takes_the_largest_summed_level_the_slices_reach():
    """7 magnitude bits summed over 1 + 2 + 2 + 2-bit slices reach 127, not 3 x (1 + 2 + 8 + 32) = 129: 512 rows of
    8-bit codes, 512 x 255 x 127 = 16 581 120, stay below 2**24 and simulate (the looser bound had refused them)"""
    cfg = with_overrides(Config(), {**SUMMED, "adc.accumulation": "slices", "array.rows_per_read": 512})
    xbar = Crossbar(cfg)  # refused before: 512 x 255 x 129 = 16 842 240
    assert xbar.plan.top_column_level == 127 and max_sum(xbar.plan) == 512 * 255 * 127
    levels, _ = weight_levels(np.full((64, 1024), 127), xbar.plan)  # the largest code: every slice at its top
    assert (levels[0].astype(int) * (2 ** np.array([0, 1, 3, 5]))[:, None, None]).sum(axis=0).max() == 127


def test_the_float32_limit_counts_the_matrix_the_crossbar_multiplies():
    """The limit's largest matrix entry is the one the crossbar's float32 product takes (offset codes of 8 bits on
    four 2-bit cells, the reference subtracted after the ADC: the top weight stores 255 = 3 x 85 with its slices
    summed)."""
    from cimsim.plan_checks import largest_product_sum

    for accumulation, inputs in (("none", "unsigned"), ("slices", "unsigned"), ("planes_and_slices", "two_phase")):
        cfg = with_overrides(Config(), {**SUMMED, "array.rows_per_read": 64, "mapping.signed_encoding": "offset",
                                        "mapping.subtraction": "digital", "adc.accumulation": accumulation,
                                        "dac.signed_inputs": inputs, "simulation.int8_products": "off"})
        xbar = Crossbar(cfg)
        xbar.program(np.ones((64, 1024)))  # the largest weight: every stored bit set
        plan = xbar.plan
        entry = np.abs(xbar.layer.matrix[:, :xbar.layer.col_w.size]).max()
        assert largest_product_sum(plan) == plan.rows_per_conversion * plan.max_plane_code * entry
