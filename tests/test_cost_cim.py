"""CIM breakdown: hand-computed energies, the cycle model, area, roofline, bad input."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from cimsim.config.schema import AdcConfig, Config, DeviceConfig, TechnologyConfig
from cimsim.counts import Counts
from cimsim.cost import (adc, adc_sampling_rate_gsps, chip_breakdown, cim_breakdown, cim_cost_parameters,
                         cim_parameters, cim_timing, dense_stage, gates, map_stages, memory, periphery, pricing_table,
                         tiles_for_arrays)
from cimsim.analytic import analytic_counts
from cimsim.config import with_overrides
from cimsim.mapping import plan_layer
from cimsim.errors import ConfigError
from designs import isaac_like

T32 = TechnologyConfig()  # 32 nm, 0.9 V
T_CONV_NS = adc.adc_conversion_ns(8, T32)  # one 8-bit SAR conversion at 32 nm (docs/adc.md)


def _default_adc_pj() -> float:
    """8-bit SAR of the default config: 8 conversions per 10 ns read (slower than 8 conversions) -> 0.8 GS/s"""
    assert 8 * T_CONV_NS < 10.0
    return adc.adc_energy_pj(8, T32, 0.8)


def test_hand_computed_breakdown_of_a_tiny_count():
    config = Config(device=DeviceConfig(read_voltage_v=0.2))  # 32 nm, 0.9 V, 256 x 256 RRAM, lpddr4
    plan = plan_layer(config, in_features=256, out_features=8)  # one array, 8 outputs x 4 slices x 2 = 64 columns
    counts = Counts(mvms=1, macs=2048, array_reads=2, dac_conversions=0, dac_bits=plan.dac_bits,
                    row_activations=5, array_gv2t_fj=1000.0, adc_conversions=3, adc_bits=8, shift_adds=3,
                    accumulator_adds=0, buffer_read_bits=0, buffer_write_bits=0, interconnect_bit_hops=10,
                    dram_read_bits=64, dram_write_bits=32, cell_writes=6)
    b = cim_breakdown(config, plan, counts)
    row_charge_pj = 0.2 * 256 * 12 * 0.032 * 0.2 ** 2 * 1e-3  # 0.2 fF/um x 256 cells x 12F x V**2
    # the DAC's output stage drives the line: an inverter chain from a NAND2 input to the line (32 nm), fan-out 4
    row_ff, nand2_ff = 0.2 * 256 * 12 * 0.032, gates.capacitance_ff(gates.NAND2_CAP_FF, T32)
    inputs_ff = (row_ff - nand2_ff) / 3
    driver_pj = ((2 * inputs_ff - row_ff / 4) * 0.9 ** 2 + row_ff / 4 * 0.2 ** 2) * 1e-3
    bitline_charge_pj = 0.2 * 256 * 4 * 0.032 * 0.2 ** 2 * 1e-3  # 0.2 fF/um x 256 cells x 4F x V**2
    expected = {
        "dac": 5 * (row_charge_pj + driver_pj),
        "array": 2 * 64 * bitline_charge_pj + 1.0,
        "sample_hold": 3 * 10.0 * 100.0 / 1024 * 1e-3,
        "adc": 3 * _default_adc_pj(),
        "shift_add": 3 * 0.2 / (8 * 1.28),
        "accumulate": 0.0,
        "buffers": 0.0,
        "interconnect": 10 * 7.0 / (384 * 1.2),
        "dram": 96 * memory.dram_energy_pj_per_bit("lpddr4"),
        "programming": 6 * math.sqrt(0.1 * 3.0),
        # one item: 256 x 8-bit inputs and 8 x 24-bit outputs, each written and read once in the 256 KiB global
        # buffer, and each crossing one router (the only tile is tile 0)
        "global_buffer": 2 * (2048 + 192) * memory.sram_read_energy_pj_per_bit(256 * 1024, config.technology),
        "noc": (2048 + 192) * 1 * 20.74 / 256,
    }
    p = cim_cost_parameters(config)
    logic_um2 = b.area_um2["shift_add"] + b.area_um2["accumulate"] + b.area_um2["noc"]
    leakage_uw = p["buffer_leakage_uw"] + p["global_buffer_leakage_uw"] + logic_um2 * 2.4 / 278
    expected["leakage"] = leakage_uw * b.latency_ns * 1e-3  # power x time, uW x ns = fJ
    assert b.energy_pj.keys() == expected.keys()
    for key, value in expected.items():
        assert b.energy_pj[key] == pytest.approx(value), key
    assert b.total_energy_pj == pytest.approx(sum(expected.values()))
    assert (b.mvms, b.macs, b.name) == (1, 2048, "CIM")


def test_zero_counts_cost_no_dynamic_energy_and_no_time():
    config = Config()
    b = cim_breakdown(config, plan_layer(config), Counts())
    assert all(v == 0.0 for v in b.energy_pj.values())
    assert b.latency_ns == 0.0 and b.compute_ns == 0.0 and b.memory_ns == 0.0
    assert b.area_mm2 > 0.0  # the hardware is there even when idle


def test_energy_is_linear_in_vectors():
    config = Config()
    plan = plan_layer(config)
    one, two = (cim_breakdown(config, plan, analytic_counts(plan, n)) for n in (100, 200))
    for key in set(one.energy_pj) - {"leakage"}:  # leakage follows the time, which has a fixed fill
        assert two.energy_pj[key] == pytest.approx(2 * one.energy_pj[key]), key
    assert one.energy_pj["adc"] == pytest.approx(analytic_counts(plan, 100).adc_conversions * _default_adc_pj())


def test_isaac_like_latency_is_reads_times_read_cycle():
    config = isaac_like()
    plan = plan_layer(config)
    assert (plan.reads_per_vector, plan.adcs_per_array, plan.converted_cols(plan.outputs_per_array)) == (16, 1, 128)
    timing = cim_timing(plan, cim_parameters(config, plan))
    cycle_ns = max(100.0, 128 * T_CONV_NS)  # 106.7 ns: 128 conversions of 0.833 ns outlast the 100 ns pulse
    assert timing.conversions_per_adc == 128
    assert timing.vector_ns == pytest.approx(16 * cycle_ns)
    # 256 inputs -> 2 row tiles: shift-add + one adder-tree level at 1.2 GHz, paid once with the first pulse
    assert timing.fill_ns == pytest.approx(100.0 + 2 / 1.2)
    b = cim_breakdown(config, plan, analytic_counts(plan, 50))
    assert b.compute_ns == pytest.approx(50 * 16 * cycle_ns + 100.0 + 2 / 1.2)


@pytest.mark.parametrize(("outputs", "conversions"), [(1, 16), (7, 64), (15, 128), (40, 128)])
def test_an_adc_converts_the_columns_outputs_use_not_its_whole_share(outputs, conversions):
    """isaac-like: one ADC for the 128 converted columns of an array (15 outputs of 8 slices, 8 reference columns);
    a layer of one output (16 columns) had paid 128 conversions a read, its throughput 8x too low (a 1-output read
    of a macro's 64-column ADC: 77 ns for a stated 0.85)"""
    config = isaac_like()
    plan = plan_layer(config, in_features=128, out_features=outputs)
    timing = cim_timing(plan, cim_parameters(config, plan))
    assert timing.conversions_per_adc == conversions == plan.converted_cols(min(outputs, 15))


def test_conversion_bound_read_cycle():
    config = dataclasses.replace(isaac_like(), device=DeviceConfig(bits_per_cell=2, read_pulse_ns=10.0))
    plan = plan_layer(config)
    timing = cim_timing(plan, cim_parameters(config, plan))
    assert timing.read_cycle_ns == pytest.approx(128 * T_CONV_NS)  # 128 conversions x 0.833 ns > 10 ns pulse
    assert timing.fill_ns == pytest.approx(10.0 + 2 / 1.2)


@pytest.mark.parametrize("narrow, wide", [(8, 32), (32, 128)])
def test_more_columns_per_adc_is_slower_and_smaller(narrow, wide):
    def run(cols_per_adc):
        config = dataclasses.replace(Config(), adc=AdcConfig(bits=8, cols_per_adc=cols_per_adc),
                                     device=DeviceConfig(read_pulse_ns=1.0))
        plan = plan_layer(config)
        return cim_breakdown(config, plan, analytic_counts(plan, 10))
    few_cols, many_cols = run(narrow), run(wide)
    assert many_cols.compute_ns > few_cols.compute_ns
    assert many_cols.area_um2["adc"] < few_cols.area_um2["adc"]
    assert many_cols.energy_pj["adc"] == pytest.approx(few_cols.energy_pj["adc"])  # same conversions


def test_area_from_geometry_by_hand():
    config = isaac_like()
    plan = plan_layer(config)  # 256 x 256 layer: 2 row tiles x 18 column tiles
    b = cim_breakdown(config, plan, Counts())
    assert plan.n_arrays == 36
    assert b.area_um2["array"] == pytest.approx(36 * 128 * 128 * 48 * 0.032 ** 2)
    rate = 128 / max(100.0, 128 * T_CONV_NS)  # conversions per round: the fastest rate
    assert b.area_um2["adc"] == pytest.approx(36 * adc.adc_area_um2(8, T32, rate))
    assert b.area_um2["dac"] == pytest.approx(36 * 128 * 170.0 / 1024)
    assert b.area_um2["sample_hold"] == pytest.approx(36 * 128 * 40.0 / 1024)
    assert b.area_um2["shift_add"] == pytest.approx(36 // 2 * 60.0)  # a unit per two ADCs (ISAAC: 4 per IMA of 8)
    assert b.area_um2["interconnect"] == pytest.approx(0.090e6)  # one tile of <= 96 arrays
    assert b.area_um2["accumulate"] > 0.0  # two row tiles need partial-sum accumulators


def test_energy_scales_with_node():
    def adc_energy(node_nm, vdd_v):
        config = dataclasses.replace(Config(), technology=TechnologyConfig(node_nm=node_nm, vdd_v=vdd_v))
        plan = plan_layer(config)
        return cim_breakdown(config, plan, analytic_counts(plan, 10))
    small, large = adc_energy(22.0, 0.8), adc_energy(45.0, 1.0)
    for key in ("adc", "shift_add", "sample_hold", "buffers", "interconnect", "dac"):
        assert small.energy_pj[key] < large.energy_pj[key], key
    assert small.energy_pj["dram"] == pytest.approx(large.energy_pj["dram"])  # off-chip: not node-scaled
    assert small.area_mm2 < large.area_mm2


def test_roofline_memory_bound_default():
    config = Config()
    plan = plan_layer(config)
    counts = analytic_counts(plan, 1000)
    b = cim_breakdown(config, plan, counts)
    dram_ns = (counts.dram_read_bits + counts.dram_write_bits) / (8 * memory.dram_bandwidth_gbps("lpddr4"))
    # DRAM is slower than the network moving the same bits: the data alone take the DRAM's time and the first
    # item's moves between the stages, which no earlier item's DRAM time hides
    assert dram_ns < b.memory_ns < dram_ns + b.item_latency_ns
    assert b.interval_ns == pytest.approx(dram_ns / 1000)
    assert b.latency_ns == pytest.approx(b.item_latency_ns + 999 * b.interval_ns)  # first item, then one per interval
    assert b.latency_ns >= max(b.compute_ns, b.memory_ns)


def test_programming_adds_time_and_energy():
    config = Config()
    plan = plan_layer(config)
    cells = plan.n_arrays * plan.rows * plan.cols
    base = cim_breakdown(config, plan, analytic_counts(plan, 10))
    programmed = cim_breakdown(config, plan, dataclasses.replace(analytic_counts(plan, 10), cell_writes=cells))
    assert programmed.compute_ns - base.compute_ns == pytest.approx(plan.rows * 10.0)  # a row per 10 ns pulse
    assert programmed.energy_pj["programming"] == pytest.approx(cells * math.sqrt(0.3))
    assert any("Programming" in a for a in programmed.assumptions)


def test_assumptions_state_node_adc_buffer_dram_overlap_and_unknown_device():
    config = dataclasses.replace(Config(), device=DeviceConfig(name="fefet"))
    b = cim_breakdown(config, plan_layer(config), Counts())
    text = " ".join(b.assumptions)
    for phrase in ("32 nm", "8-bit sar", "survey", "64 KiB", "lpddr4", "sample-and-hold", "not a known cell family"):
        assert phrase in text


def test_cost_parameters_list_every_figure_used():
    params = cim_cost_parameters(Config())
    assert params["adc_rate_gsps"] == pytest.approx(0.8)
    assert params["adc_energy_pj"] == pytest.approx(_default_adc_pj())
    assert params["adc_conversion_ns"] == pytest.approx(T_CONV_NS)
    assert params["dram_kind"] == "lpddr4"
    assert params["buffer_capacity_bytes"] == 65536
    assert params["dac_bits"] == 7 and params["accumulator_bits"] == 24
    assert all(isinstance(v, (int, float, str, bool)) for v in params.values())


def test_bad_input_raises_value_error():
    config = Config()
    plan = plan_layer(config)
    with pytest.raises(TypeError, match=r"plan must be a cimsim Plan \(cimsim.mapping.plan_layer\(config\)\); got str"):
        cim_breakdown(config, "plan", Counts())
    with pytest.raises(TypeError, match="counts must be cimsim Counts .* got dict"):
        cim_breakdown(config, plan, {"mvms": 1})
    with pytest.raises(ValueError, match="6-bit ADCs"):
        cim_breakdown(config, plan, Counts(adc_conversions=1, adc_bits=6))
    with pytest.raises(ValueError, match="DACs"):
        cim_breakdown(config, plan, Counts(dac_conversions=1, dac_bits=1))
    with pytest.raises(TypeError, match="config must be a cimsim Config"):
        cim_parameters("config", plan)
    with pytest.raises(TypeError, match="plan must be a cimsim Plan"):
        cim_parameters(config, "plan")


def test_every_cost_function_names_an_argument_of_the_wrong_type():
    """Each public cost function refuses an object of the wrong type with a TypeError naming the argument and how
    to make the right one (before: AttributeError from deep inside, e.g. "'int' object has no attribute 'adc'")."""
    config = Config()
    plan = plan_layer(config)
    counts = analytic_counts(plan, 4)
    params = cim_parameters(config, plan)
    stage = dense_stage(plan, counts)
    calls = [
        (lambda: dense_stage(3, counts), "plan must be a cimsim Plan"),
        (lambda: dense_stage(plan, None), "counts must be cimsim Counts"),
        (lambda: map_stages("config", [stage]), "config must be a cimsim Config"),
        (lambda: map_stages(config, "stages"), "stages must be a sequence of cimsim Stage objects; got str"),
        (lambda: map_stages(config, [plan]), r"every stage must be a cimsim Stage \(cimsim.cost.dense_stage"),
        (lambda: chip_breakdown(config, 5, 1), "stages must be a sequence of cimsim Stage objects; got int"),
        (lambda: cim_timing(1, params), "plan must be a cimsim Plan"),
        (lambda: cim_timing(plan, config), r"params must be cimsim CimParameters \(cimsim.cost.cim_parameters"),
        (lambda: cim_timing(plan, params, 1.5), "cell_writes must be an int >= 0"),
        (lambda: pricing_table(plan, "p"), "p must be cimsim CimParameters"),
        (lambda: adc_sampling_rate_gsps(plan, 1), "config must be a cimsim Config"),
        (lambda: adc_sampling_rate_gsps(config, plan), r"plan must be a cimsim Plan \(.*\); got Config"),
        (lambda: tiles_for_arrays("x", 2), "arrays must be an int >= 1"),
        (lambda: tiles_for_arrays(4, 0), "arrays_per_tile must be an int >= 1"),
    ]
    for call, message in calls:
        with pytest.raises((TypeError, ValueError), match=message):
            call()
    with pytest.raises(ValueError, match="at least one stage"):
        map_stages(config, [])
    assert tiles_for_arrays(5, 2) == 3


@pytest.mark.parametrize("groups", [1, 2, 3, 4, 5])
def test_sample_and_hold_takes_one_sample_per_read_whatever_groups_per_conversion(groups):
    """with 3 groups per conversion a tile's 16 row groups make 5 conversions of 3 and one of 1: the samples had
    been priced as conversions x 3 (12.5 % too many)"""
    config = dataclasses.replace(Config(), array=dataclasses.replace(Config().array, rows_per_read=16),
                                 adc=dataclasses.replace(Config().adc, groups_per_conversion=groups))
    plan = plan_layer(config, in_features=512, out_features=40)  # two row tiles
    counts = analytic_counts(plan, 3)
    samples = cim_breakdown(config, plan, counts).energy_pj["sample_hold"] / cim_parameters(
        config, plan).sample_hold_energy_pj
    columns = sum(plan.converted_cols(plan.outputs_of_col_tile(t)) for t in range(plan.col_tiles))  # 32 + 8 outputs
    assert samples == pytest.approx(counts.array_reads / plan.col_tiles * columns, rel=1e-12)


@pytest.mark.parametrize("in_features, groups_summed", [(24, 2), (40, 3), (512, 4)])
def test_a_layer_with_fewer_row_groups_than_a_conversion_sums_reads_only_those(in_features, groups_summed):
    """groups_per_conversion 4 of 16-row reads: a 24-input layer has 2 row groups, so a conversion sums 2 reads and
    the ADCs sample at conversions / 2 reads (they had been priced at the slower rate of 4 reads)"""
    config = with_overrides(Config(), {"array.rows_per_read": 16, "adc.groups_per_conversion": 4})
    plan = plan_layer(config, in_features=in_features, out_features=8)
    assert plan.reads_per_conversion == groups_summed
    params, timing = cim_parameters(config, plan), cim_timing(plan, cim_parameters(config, plan))
    round_ns = max(groups_summed * params.read_ns, timing.conversions_per_adc * params.adc_conversion_ns)
    assert adc_sampling_rate_gsps(plan, config) == pytest.approx(timing.conversions_per_adc / round_ns, rel=1e-12)
    assert timing.adc_rate_gsps == pytest.approx(params.adc_rate_gsps, rel=1e-12)


def _counts_tile_by_tile(plan, vectors, data):
    """analytic_counts as it was before it counted by tile shape: a loop over every column tile x row group (the
    reference the shape-wise counts must equal)"""
    from cimsim.analytic import _input_factors, _level_fractions_of

    row_rate, energy_fraction, activity = _input_factors(plan, data)
    reads = dac = cells = sums = 0
    level_sum = 0.0
    per_output, per_array = _level_fractions_of(plan, data)
    groups, conversions = plan.row_groups(), plan.n_planes // plan.planes_per_conversion * len(plan.conversion_groups())
    for tile in range(plan.col_tiles):
        outputs = plan.outputs_of_col_tile(tile)
        for start, stop in groups:
            reads += plan.n_planes
            dac += plan.n_planes * (stop - start)
            cells += plan.n_planes * (stop - start) * plan.used_cols(outputs)
            level_sum += plan.n_planes * (stop - start) * (outputs * per_output + per_array)
        sums += conversions * plan.column_sums(outputs)
    conductance_us = cells * plan.g_min_us + level_sum * (plan.g_max_us - plan.g_min_us)
    in_bits, partial_bits = plan.in_features * plan.input_bits, plan.out_features * plan.accumulator_bits * (
        plan.row_tiles - 1)
    return Counts(
        mvms=vectors, macs=vectors * plan.in_features * plan.out_features, array_reads=vectors * reads,
        dac_conversions=vectors * dac, dac_bits=plan.dac_bits, row_activations=vectors * dac * row_rate,
        cells_read=vectors * cells,
        array_gv2t_fj=vectors * conductance_us * plan.read_voltage_v ** 2 * energy_fraction * plan.read_pulse_ns,
        cell_activity=vectors * level_sum * activity, adc_conversions=vectors * sums if plan.has_adc else 0,
        adc_bits=plan.adc_bits, adder_tree_sums=0 if plan.has_adc else vectors * sums,
        reference_sums=vectors * reads // plan.planes_per_conversion * plan.reference_sums,
        shift_adds=vectors * sums, accumulator_adds=vectors * plan.out_features * (plan.row_tiles - 1),
        buffer_read_bits=vectors * (in_bits * plan.col_tiles + plan.out_features * plan.accumulator_bits),
        buffer_write_bits=vectors * (in_bits + plan.out_features * plan.accumulator_bits),
        interconnect_bit_hops=vectors * (in_bits * plan.col_tiles + partial_bits), dram_read_bits=vectors * in_bits,
        dram_write_bits=vectors * plan.out_features * plan.accumulator_bits)


_LAYOUTS = [  # partial row groups, conversion groups of several reads, bit-serial planes, analog plane and slice
    {},       # accumulation, reference columns, two's complement, a digital array's adder tree, the shipped designs
    {"array.rows_per_read": 100, "adc.groups_per_conversion": 3},
    {"array.rows_per_read": 16, "adc.groups_per_conversion": 5, "dac.mode": "bit_serial"},
    {"dac.mode": "bit_serial", "adc.accumulation": "planes_and_slices", "array.rows_per_read": 64},
    {"mapping.signed_encoding": "offset", "array.rows_per_read": 48, "dac.signed_inputs": "unsigned"},
    {"mapping.signed_encoding": "twos_complement", "mapping.subtraction": "digital", "device.g_min_us": 0.0,
     "device.bits_per_cell": 1, "dac.mode": "bit_serial", "array.rows_per_read": 96, "adc.groups_per_conversion": 2},
    {"array.family": "digital", "array.rows_per_read": 64},
    "isaac-like.toml", "sram-cim.toml",
]


@pytest.mark.parametrize("layout", _LAYOUTS, ids=str)
def test_analytic_counts_by_tile_shape_equal_the_tile_by_tile_loop(layout):
    """analytic_counts counts one tile of each shape (full, partial last) and scales: every integer count equals
    the old loop's exactly; the two float sums equal it but for the loop's running-sum rounding"""
    from pathlib import Path

    from cimsim.analytic import DataStats
    from cimsim.config import load_config, with_overrides

    root = Path(__file__).resolve().parents[1] / "configs"
    config = load_config(root / layout) if isinstance(layout, str) else with_overrides(Config(), layout)
    probe = plan_layer(config, 64, 64)
    codes = np.arange(probe.max_plane_code + 1.0)
    data = [DataStats(), DataStats(0.5, 0.25), DataStats(0.0, 0.0, tuple(codes / codes.sum()), 0.3)]
    for shape in [(1, 1), (100, 7), (256, 32), (300, 1000), (1000, 300), (5000, 33), (2049, 513)]:
        plan = plan_layer(config, *shape)
        for stats in data if plan.weight_bits > 1 and not plan.binary_inputs else data[:1]:
            fast, slow = analytic_counts(plan, 7, stats).as_dict(), _counts_tile_by_tile(plan, 7, stats).as_dict()
            for name in ("array_gv2t_fj", "cell_activity"):
                assert fast.pop(name) == pytest.approx(slow.pop(name), rel=1e-13, abs=0.0), (shape, stats, name)
            assert fast == slow, (shape, stats)


def test_analytic_counts_count_each_tile_shape_once_not_each_tile(monkeypatch):
    """a 5000 x 3000 layer in rows of 16 (many column tiles x row groups): its columns are counted for the full
    column tile and the partial last one, not for every column tile x row group (a 2**18 x 2**18 layer had made
    16.7 M such calls, and a 2**20 x 2**20 estimate took minutes)"""
    from cimsim.mapping import Plan

    calls = []
    for name in ("used_cols", "column_sums"):
        method = getattr(Plan, name)
        monkeypatch.setattr(Plan, name, lambda self, outputs, _m=method, _n=name: calls.append(_n) or _m(self, outputs))
    plan = plan_layer(dataclasses.replace(Config(), array=dataclasses.replace(Config().array, rows_per_read=16)),
                      in_features=5000, out_features=3000)
    assert plan.col_tiles > 2 and len(plan.row_groups()) > 2 and plan.out_features % plan.outputs_per_array
    analytic_counts(plan, 1)
    assert calls.count("used_cols") <= 2 and calls.count("column_sums") <= 2, len(calls)


def test_the_tile_buffer_takes_each_input_in_and_each_output_out():
    """an input arriving from the mesh is written into the tile buffer before the arrays read it (once per column
    tile), and an output written there is read back out for the global buffer: those two accesses had been missing
    (ISAAC's buffer power per tile: -43 % of its Table I figure, -30 % with them)"""
    plan = plan_layer(Config(), in_features=256, out_features=40)  # 2 column tiles of 32 outputs
    counts = analytic_counts(plan, 5)
    in_bits, out_bits = 256 * plan.input_bits, 40 * plan.accumulator_bits
    assert plan.col_tiles == 2
    assert counts.buffer_write_bits == 5 * (in_bits + out_bits)
    assert counts.buffer_read_bits == 5 * (2 * in_bits + out_bits)


@pytest.mark.parametrize("signed", ["bipolar", "two_phase", "unsigned"])
def test_a_one_bit_read_is_priced_as_a_driver_whatever_its_sign_and_encoding(signed):
    """A bit-serial read drives a row to +V_read, -V_read or leaves it at 0 for one pulse: one 1-bit driver's swing
    whether the setting calls it a voltage or a pulse (a bipolar one had been a 2-bit DAC, 66x the pulse's price),
    priced as the binary +/-1 input's 1-bit DAC; a pulse encoding stated for it, which changes nothing, is refused"""
    binary = cim_cost_parameters(with_overrides(Config(), {"dac.input_bits": 1, "dac.signed_inputs": "bipolar"}))
    serial = {"dac.mode": "bit_serial", "dac.signed_inputs": signed}
    p = cim_cost_parameters(with_overrides(Config(), serial))
    for key in ("dac_energy_pj", "driver_energy_pj", "dac_area_um2"):
        assert p[key] == pytest.approx(binary[key], rel=1e-12), key
    assert p["dac_energy_pj"] == 0.0 and p["driver_energy_pj"] > 0.0
    for encoding in ("pulse_width", "pulse_count"):
        with pytest.raises(ConfigError, match="'dac.encoding' applies only when"):
            with_overrides(Config(), {**serial, "dac.encoding": encoding})


@pytest.mark.parametrize("cols", [64, 4096])
def test_every_dac_width_drives_its_line(cols):
    """A multi-bit DAC's output stage drives the same word line as a 1-bit driver: its line driver is priced for
    every width (the DAC core on top), so a row read never costs less with more DAC bits (at 4096 columns a 1-bit
    read had cost 2.21 pJ, a 2-bit one 1.43)"""
    per_read = []
    for k in (1, 2, 4, 7):
        config = with_overrides(Config(), {"array.family": "charge", "device.preset": "sram", "array.cols": cols,
                                           "array.rows": 64, "array.rows_per_read": 64, "dac.bits_per_read": k,
                                           "mapping.signed_encoding": "offset", "dac.mode": "sliced"})
        p = cim_parameters(config, plan_layer(config))
        chain_pj = periphery.driver_chain_energy_pj(p.row_line_capacitance_ff, p.line_voltage_v, config.technology)
        assert p.driver_energy_pj == pytest.approx(chain_pj, rel=1e-12) and chain_pj > 0.0
        per_read.append(p.dac_energy_pj + p.driver_energy_pj + p.row_charge_energy_pj)
    assert per_read == sorted(per_read)


@pytest.mark.parametrize("signed", ["two_phase", "twos_complement", "bipolar", "unsigned"])
def test_a_dac_is_priced_for_the_bits_its_reads_drive(signed):
    """A k-bit DAC's energy is per bit (ZigZag-IMC's capacitance a bit): a vector's reads drive its magnitude bits
    once per phase, a two's-complement sign plane one bit and a bipolar DAC's sign every read, however the bits are
    sliced (a sliced remainder had been priced as a full k-bit conversion: 6 of 7 bits a read, 1.71x the parallel
    DAC's energy a vector, and the energy rose and fell with k)"""
    tech = Config().technology
    per_bit = periphery.dac_energy_pj(2, tech) / 2
    for k in range(2, 8):
        config = with_overrides(Config(), {"dac.mode": "sliced", "dac.bits_per_read": k, "dac.signed_inputs": signed})
        plan = plan_layer(config)
        p = cim_parameters(config, plan)
        phases = 2 if signed == "two_phase" else 1
        driven = plan.magnitude_bits * phases + (signed == "twos_complement") + (signed == "bipolar") * plan.n_planes
        assert p.dac_energy_pj * plan.n_planes == pytest.approx(per_bit * driven, rel=1e-12), k


def test_a_dense_layers_counts_are_priced_on_their_own_plan_only():
    """a crossbar's counts of a 100 -> 64 layer priced on the config's 256 x 256 plan had given another layer's
    energy, area and latency, unsaid (probe, 2026-12-07)"""
    from cimsim.numerics import Crossbar

    config, x = Config(), np.random.default_rng(1).standard_normal((5, 100))
    xbar = Crossbar(config, 100, 64)
    xbar.program(np.random.default_rng(0).standard_normal((64, 100)))
    xbar.calibrate(x)
    xbar.mvm(x)
    assert cim_breakdown(config, xbar.plan, xbar.counts).macs == 5 * 100 * 64
    plan = plan_layer(config)
    drives, per = 5 * xbar.plan.n_planes * 100 * xbar.plan.col_tiles, plan.n_planes * 256 * plan.col_tiles
    with pytest.raises(ValueError, match=rf"the counts \({drives} dac_conversions over 5 vectors\) are not of the "
                                         rf"plan's 256 x 256 layer \({per} a vector\)"):
        cim_breakdown(config, plan, xbar.counts)
    narrow = Crossbar(config, 256, 225)  # its column tiles and row drives the 256 x 256 plan's (a review)
    narrow.program(np.random.default_rng(2).standard_normal((225, 256)))
    narrow.calibrate(wide := np.random.default_rng(3).standard_normal((5, 256)))
    narrow.mvm(wide)
    with pytest.raises(ValueError, match=r"buffer_write_bits over 5 vectors\) are not of the plan's 256 x 256"):
        cim_breakdown(config, plan, narrow.counts)
    from cimsim.numerics.grouped import GroupedCrossbar  # a packed block's counts: its groups' MACs, its reads

    grouped = GroupedCrossbar(config, 64, 64, 4)
    grouped.program(np.kron(np.eye(4), np.ones((16, 16))))
    grouped.calibrate(x[:, :64])
    grouped.mvm(x[:, :64])
    assert cim_breakdown(config, grouped.plan, grouped.counts).macs == grouped.counts.macs
