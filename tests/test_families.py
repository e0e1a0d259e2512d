"""Array families, input encodings and analog accumulation in the cost model: closed forms and the pricing table."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from cimsim.config.load import load_config, with_overrides
from cimsim.config.schema import Config
from cimsim.errors import ConfigError
from cimsim.cost import cells, cim_breakdown, cim_parameters, cim_timing, gates, periphery, pricing_table
from cimsim.cost.cim import layer_area_um2, layer_energy_pj
from cimsim.analytic import uniform_cell_activity
from cimsim.cost.families import CHAIN_TOGGLE_RATE, adder_tree_full_adders, chain_registers, tree_toggle_rate
from cimsim.analytic import analytic_counts, plane_top_codes
from cimsim.mapping import plan_layer

BASE = with_overrides(Config(), {"workload.in_features": 256, "workload.out_features": 64, "device.name": "sram",
                                 "technology.node_nm": 28.0, "technology.vdd_v": 0.9})


def _priced(overrides: dict, vectors: int = 10):
    config = with_overrides(BASE, overrides)
    plan = plan_layer(config)
    return config, plan, cim_parameters(config, plan), analytic_counts(plan, vectors)


def test_sram_lines_swing_the_supply_with_zigzag_cell_loads():
    config, plan, p, _ = _priced({"array.family": "current", "device.preset": "sram"})  # its read voltage 0.9 V
    per_cell_ff = gates.SRAM_LINE_CAP_FF_PER_CELL  # 28 nm: no scaling
    assert p.line_voltage_v == 0.9 and plan.read_voltage_v == 0.9  # the supply
    for family in ("charge", "current", "digital"):  # the device's read voltage stated: refused, as it would be idle
        with pytest.raises(ConfigError, match="'device.read_voltage_v' applies only when 'array.family' is "):
            with_overrides(BASE, {"array.family": family, "device.read_voltage_v": 0.2})
    assert p.row_line_capacitance_ff == pytest.approx(256 * per_cell_ff)
    assert p.bitline_charge_energy_pj == pytest.approx(256 * per_cell_ff * 0.9 ** 2 * 1e-3)
    resistive = _priced({"device.read_voltage_v": 0.2})[2]
    assert resistive.line_voltage_v == 0.2


def test_line_energy_follows_vdd_squared():
    low, high = (_priced({"array.family": "current", "technology.vdd_v": v})[2] for v in (0.6, 0.9))
    assert high.bitline_charge_energy_pj / low.bitline_charge_energy_pj == pytest.approx((0.9 / 0.6) ** 2)
    assert high.row_charge_energy_pj / low.row_charge_energy_pj == pytest.approx((0.9 / 0.6) ** 2)


def test_charge_cell_energy_is_its_capacitor_at_mean_activity():
    config, plan, p, counts = _priced({"array.family": "charge", "array.cell_capacitance_ff": 2.0,
                                       "dac.mode": "bit_serial"})
    # 8-bit codes uniform on [-127, 127] in a differential pair of four 2-bit slices: |q| on one side, 0 on the other
    levels = sum((abs(q) >> 2 * k) & 3 for q in range(-127, 128) for k in range(4)) / 255 / 3 / 8  # per cell
    assert levels == pytest.approx(0.209, abs=1e-3)  # below 1/4: the top slice holds bit 6 only
    activity = 0.5 * levels / 2  # bits half set, the levels above, two phases
    assert uniform_cell_activity(plan) == pytest.approx(activity)
    assert p.cell_compute_energy_pj == pytest.approx(2 * 2.0 * 0.9 ** 2 * 1e-3)  # 2 bit cells' C V_DD**2 x activity
    assert counts.cell_activity == pytest.approx(counts.cells_read * activity)
    energy = layer_energy_pj(counts, plan, p)
    bitlines = counts.array_reads * plan.used_cols(plan.outputs_per_array) * p.bitline_charge_energy_pj
    assert energy["array"] == pytest.approx(bitlines + counts.cell_activity * p.cell_compute_energy_pj)


def test_charge_cells_are_priced_from_the_codes_the_simulation_read():
    """Simulated, a charge cell's energy is C V_DD**2 x the activity of the data it read: nothing for all-zero inputs,
    about the analytic mean for uniform ones (codes and levels uniform)."""
    import numpy as np
    from cimsim.numerics import Crossbar

    config = with_overrides(BASE, {"array.family": "charge", "workload.in_features": 64, "workload.out_features": 16,
                                   "array.rows": 64, "array.cols": 64, "array.rows_per_read": 64,
                                   "mapping.weight_bits": 4, "device.bits_per_cell": 4,
                                   "mapping.signed_encoding": "offset", "mapping.subtraction": "digital",
                                   "dac.signed_inputs": "unsigned", "dac.input_bits": 4, "adc.range": "max"})
    rng = np.random.default_rng(0)
    xbar = Crossbar(config)
    xbar.program(rng.uniform(-1, 1, (16, 64)))
    xbar.mvm(np.zeros((10, 64)))
    assert xbar.counts.cells_read > 0 and xbar.counts.cell_activity == 0.0
    xbar.reset_counts()
    xbar.mvm(rng.uniform(0, 1, (4000, 64)))
    measured = xbar.counts
    analytic = analytic_counts(xbar.plan, 4000)
    assert measured.cells_read == analytic.cells_read
    assert measured.cell_activity == pytest.approx(analytic.cell_activity, rel=0.1)
    b = cim_breakdown(config, xbar.plan, measured)
    p = cim_parameters(config, xbar.plan)
    bitlines = measured.array_reads * xbar.plan.used_cols(16) * p.bitline_charge_energy_pj  # one tile of 16 outputs
    assert b.energy_pj["array"] == pytest.approx(bitlines + measured.cell_activity * p.cell_compute_energy_pj)


def test_digital_adder_trees_toggle_at_the_measured_product_bit_rate():
    """Bit-serial inputs on 1-bit cells: the tree's inputs toggle at 2 q (1 - q), q the measured fraction of product
    bits that are 1; uniform data gives about the analytic (uniform) rate, sparse inputs less."""
    import numpy as np
    from cimsim.cost.families import ADDER_TREE_TOGGLE_RATE, reference_sum_full_adders, tree_toggle_rate
    from cimsim.numerics import Crossbar

    config = with_overrides(BASE, {"array.family": "digital", "workload.in_features": 64, "workload.out_features": 8,
                                   "array.rows": 64, "array.cols": 64, "array.rows_per_read": 64,
                                   "dac.mode": "bit_serial", "dac.signed_inputs": "unsigned", "dac.input_bits": 4,
                                   "mapping.weight_bits": 4, "device.bits_per_cell": 1,
                                   "mapping.signed_encoding": "offset"})
    rng = np.random.default_rng(1)
    xbar = Crossbar(config)
    xbar.program(rng.uniform(-1, 1, (8, 64)))
    xbar.mvm(rng.uniform(0, 1, (2000, 64)))
    uniform = xbar.counts
    q = 0.5 * 8 / 15  # input bits half set; codes -7..7 stored as 1..15 (offset 8): each bit set in 8 of 15
    assert tree_toggle_rate(xbar.plan, analytic_counts(xbar.plan, 10)) == pytest.approx(2 * q * (1 - q))
    assert tree_toggle_rate(xbar.plan, uniform) == pytest.approx(ADDER_TREE_TOGGLE_RATE, rel=0.1)
    xbar.reset_counts()
    sparse = rng.uniform(0, 1, (2000, 64)) * (rng.uniform(0, 1, (2000, 64)) < 0.2)  # 80 % zeros (ReLU-like)
    xbar.mvm(sparse)
    q = xbar.counts.cell_activity / xbar.counts.cells_read
    assert q < 0.1 and tree_toggle_rate(xbar.plan, xbar.counts) == pytest.approx(2 * q * (1 - q))
    b = cim_breakdown(config, xbar.plan, xbar.counts)
    p = cim_parameters(config, xbar.plan)
    assert xbar.counts.reference_sums == xbar.counts.adder_tree_sums // 8  # the offset's input sum, one per read
    assert reference_sum_full_adders(xbar.plan) == 64 * 2 - (1 + 6 + 1)  # a tree over 64 input bits
    assert xbar.plan.reference_cols == 0 and xbar.plan.outputs_per_array == 64 // 4  # no column of cells for it
    assert b.energy_pj["adder_tree"] == pytest.approx(  # the reference sums at uniform data's rate
        xbar.counts.adder_tree_sums * p.adder_tree_energy_pj * 2 * q * (1 - q) / ADDER_TREE_TOGGLE_RATE
        + xbar.counts.reference_sums * p.reference_sum_energy_pj)


def _popcount(a):
    a, count = a.astype(np.int64), np.zeros(a.shape, np.int64)
    while a.any():
        count += a & 1
        a >>= 1
    return count


@pytest.mark.parametrize("data", ["uniform", "relu"])
def test_digital_adder_trees_toggle_at_their_operands_bit_rate_at_every_read_width(data):
    """The tree's operands are the p-bit products of each plane's code and the stored (offset) weight code: the model's
    2 q (1 - q) against q counted from those products (offset weights, unsigned 8-bit inputs at the per-vector range).
    A fixed 0.375 had priced 2-bit reads at 2.7x the tree energy of 1-bit reads on the default encodings; a squared
    code measure then gave ReLU data 0.13 where its products' bits toggle at 0.32 (a review)."""
    from cimsim.cost.families import _product_bits
    from cimsim.numerics import Crossbar

    rng = np.random.default_rng(0)
    weights = rng.uniform(-1, 1, (16, 64))
    x = rng.uniform(0, 1, (200, 64)) if data == "uniform" else np.maximum(rng.normal(0, 1, (200, 64)), 0)
    codes = np.rint(x / x.max(axis=1, keepdims=True) * 255).astype(np.int64)  # the per-vector range's codes
    stored = np.rint(weights / np.abs(weights).max() * 127).astype(np.int64) + 128  # offset codes 1..255
    for k, mode in ((2, {"dac.mode": "sliced", "dac.bits_per_read": 2}),
                    (4, {"dac.mode": "sliced", "dac.bits_per_read": 4}), (8, {"dac.mode": "parallel"})):
        config = with_overrides(BASE, {"array.family": "digital", "device.bits_per_cell": 1, "workload.in_features": 64,
                                       "workload.out_features": 16, "array.rows": 64, "array.cols": 64,
                                       "array.rows_per_read": 64, "mapping.signed_encoding": "offset",
                                       "dac.signed_inputs": "unsigned", **mode})
        xbar = Crossbar(config)
        xbar.program(weights)
        xbar.mvm(x)
        planes = [(codes >> (j * k)) & (2 ** k - 1) for j in range(-(-8 // k))]
        q = np.mean([_popcount(plane[:, :, None] * stored.T[None]).mean() for plane in planes]) / _product_bits(
            xbar.plan)
        assert tree_toggle_rate(xbar.plan, xbar.counts) == pytest.approx(2 * q * (1 - q), rel=0.05), k


@pytest.mark.parametrize("mode", [{"dac.mode": "bit_serial"}, {"dac.mode": "sliced", "dac.bits_per_read": 3}])
def test_uniform_product_bit_share_counts_the_encodings_zero_products(mode):
    """the default encodings (a differential pair, a two-phase input): half the products of each are 0, an idle side
    or phase; the share of 1 bits by enumeration against random uniform draws of codes"""
    from cimsim.analytic import plane_top_codes
    from cimsim.cost.families import uniform_product_bit_share
    from cimsim.mapping import plan_layer

    plan = plan_layer(with_overrides(BASE, {"array.family": "digital", "device.bits_per_cell": 1, **mode}))
    rng = np.random.default_rng(2)
    q = rng.integers(-127, 128, 200_000)  # 8-bit weights
    side = np.where(rng.integers(0, 2, q.size) == 0, np.maximum(q, 0), np.maximum(-q, 0))  # a polarity's cell
    tops = plane_top_codes(plan)
    x = rng.integers(0, tops[rng.integers(0, len(tops), q.size)] + 1) * rng.integers(0, 2, q.size)  # idle phase 0
    drawn = _popcount(x * side).mean() / (int(tops.max()) * 127).bit_length()
    assert uniform_product_bit_share(plan) == pytest.approx(drawn, rel=0.02)


def test_digital_adder_trees_of_dense_data_on_wider_reads_toggle_at_uniform_datas_share():
    """every input and weight at its largest code, read 4 bits at a time: a squared code measure had given q = 1 (no
    toggling: adder trees free, 9.4 -> 4.5 fJ/MAC in a chips probe); every code non-zero, it is uniform data's share
    (1-bit reads measure q itself)"""
    from cimsim.cost.families import uniform_product_bit_share
    from cimsim.numerics import Crossbar

    config = with_overrides(BASE, {"array.family": "digital", "device.bits_per_cell": 1, "workload.in_features": 64,
                                   "workload.out_features": 8, "array.rows": 64, "array.cols": 64,
                                   "array.rows_per_read": 64, "mapping.signed_encoding": "offset",
                                   "dac.signed_inputs": "unsigned", "dac.input_bits": 4, "mapping.weight_bits": 4,
                                   "dac.mode": "sliced", "dac.bits_per_read": 4})
    xbar = Crossbar(config)
    xbar.program(np.ones((8, 64)))
    xbar.mvm(np.ones((16, 64)))
    q = uniform_product_bit_share(xbar.plan)
    assert 0.25 < q < 0.5 and tree_toggle_rate(xbar.plan, xbar.counts) == pytest.approx(2 * q * (1 - q))


def test_digital_family_has_adder_trees_and_no_converters():
    config, plan, p, counts = _priced({"array.family": "digital", "dac.mode": "bit_serial",
                                       "array.rows_per_read": 256})
    b = cim_breakdown(config, plan, counts)
    assert "adc" not in b.energy_pj and "sample_hold" not in b.energy_pj and "adc" not in b.area_um2
    assert counts.adc_conversions == 0 and counts.adder_tree_sums > 0
    # one tree per output: 256 rows of 7-bit products (1 input bit x the 7 stored magnitude bits of an 8-bit
    # differential weight): 256 x 8 - (7 + 8 + 1) full adders
    assert adder_tree_full_adders(plan) == 256 * 8 - 16 == 2032
    assert p.adder_tree_energy_pj == pytest.approx(2032 * gates.FULL_ADDER_CAP_FF * 0.81e-3 * 0.375)
    assert counts.adder_tree_sums == 10 * plan.n_planes * plan.out_features  # a sum per output, plane and vector
    assert p.cell_compute_energy_pj == pytest.approx(1 * 2 * 0.5 * gates.NAND2_CAP_FF * 0.81e-3)
    # uniform data's product bits: an input bit set in one of a two-phase input's two phases, 1/2 x 1/2, times the
    # share of 1 bits of a pair's stored 7-bit magnitude (its idle side 0)
    codes = np.arange(-127, 128)
    magnitude_bits = np.mean([_popcount(np.maximum(side * codes, 0)).mean() for side in (1, -1)]) / 7
    q = 0.5 * 0.5 * magnitude_bits
    assert tree_toggle_rate(plan, counts) == pytest.approx(2 * q * (1 - q))
    assert b.energy_pj["adder_tree"] == pytest.approx(counts.adder_tree_sums * p.adder_tree_energy_pj
                                                      * 2 * q * (1 - q) / 0.375)
    assert b.area_um2["adder_tree"] > 0
    assert any(a.startswith("No ADC") for a in b.assumptions) and not any(a.startswith("ADC:") for a in b.assumptions)


def test_adder_tree_of_one_row_and_the_smallest_tree():
    plan = _priced({"array.family": "digital", "dac.mode": "bit_serial", "array.rows_per_read": 1})[1]
    assert adder_tree_full_adders(plan) == 0
    plan = _priced({"array.family": "digital", "dac.mode": "bit_serial", "array.rows_per_read": 2,
                    "mapping.weight_bits": 2, "device.bits_per_cell": 1})[1]
    assert adder_tree_full_adders(plan) == 2 * 2 - (1 + 1 + 1)  # two 1-bit products: one half-adder's worth


def test_cell_chain_adds_each_row_into_a_full_width_running_sum():
    """Colonnade's structure: each of N rows adds its p-bit product into a (p + ceil(log2 N))-bit running sum (a
    full adder per bit cell), the sum bits toggling at 0.5, plus a pipeline register of a flip-flop per column of
    the array every 8 rows, shared by the array's outputs; the bit cells of columns no output uses add too (a
    driven row's every cell), shared likewise."""
    over = {"array.family": "digital", "dac.mode": "bit_serial", "array.rows": 128, "array.cols": 128,
            "array.rows_per_read": 128, "mapping.signed_encoding": "offset",
            "mapping.weight_bits": 8, "device.bits_per_cell": 1, "dac.signed_inputs": "unsigned"}
    tree = _priced(over)
    config, plan, p, counts = _priced({**over, "array.digital_adders": "cell_chain", "array.chain_register_rows": 8})
    width = 8 + 7  # 1 input bit x 8 stored bits, plus log2(128) carry bits: the paper's "B + 7 columns"
    assert plan.chain_cols == 7 and plan.outputs_per_array == 128 // width == 8  # 8 columns hold no output
    assert adder_tree_full_adders(plan) == 128 * 128 / 8 > 128 * width  # every column of the rows, per output
    assert chain_registers(plan, 8) == pytest.approx(16 * 128 / 8) and chain_registers(plan, 0) == 0  # 8 outputs
    assert p.adder_tree_energy_pj == pytest.approx(
        128 * 16 * gates.full_adder_energy_pj(config.technology) * CHAIN_TOGGLE_RATE
        + 16 * 128 / 8 * gates.register_bit_energy_pj(config.technology))
    # B + 7 columns per weight: fewer outputs per array than a tree's (a digital array's offset reference is an
    # input sum of its adders, no column)
    assert plan.outputs_per_array < tree[1].outputs_per_array == 128 // 8
    assert counts.adder_tree_sums == tree[3].adder_tree_sums  # the same sums, each dearer
    assert p.adder_tree_energy_pj > 2 * tree[2].adder_tree_energy_pj  # 128 x 16 adders at 0.5 against 1136 at 0.375
    assert any("full adder in every bit cell" in a for a in cim_breakdown(config, plan, counts).assumptions)


def test_twos_complement_weights_take_no_reference_columns():
    """A weight's two's-complement bits, one per cell, recombined with the sign bit's -2**(B-1) after conversion:
    no reference column, so a cell chain of B + 7 columns per weight holds 128 // (B + 7) outputs (Colonnade's
    parallel MACs per row: 8 at 8 and 9 bits, 9 at 7), and the same conversions and sums as the offset encoding"""
    over = {"array.family": "digital", "dac.mode": "bit_serial", "array.rows": 128, "array.cols": 128,
            "array.rows_per_read": 128, "mapping.subtraction": "digital", "device.bits_per_cell": 1,
            "device.g_min_us": 0.0, "dac.signed_inputs": "unsigned", "array.digital_adders": "cell_chain"}
    for bits, outputs in ((7, 9), (8, 8), (9, 8), (15, 5)):
        plan = _priced({**over, "mapping.weight_bits": bits, "mapping.signed_encoding": "twos_complement"})[1]
        assert (plan.reference_cols, plan.outputs_per_array, plan.used_cols(outputs)) == (0, outputs, 128 - 128 % (
            bits + 7))
    analog = {"array.rows_per_read": 16, "mapping.subtraction": "digital", "device.bits_per_cell": 1,
              "device.g_min_us": 0.0, "mapping.weight_bits": 6}
    twos = _priced({**analog, "mapping.signed_encoding": "twos_complement"})
    offset = _priced({**analog, "mapping.signed_encoding": "offset"})
    assert twos[1].converted_cols(5) == 5 * 6 == offset[1].converted_cols(5) - 6  # offset: a converted reference
    assert twos[1].outputs_per_array == BASE.array.cols // 6 > offset[1].outputs_per_array


@pytest.mark.parametrize("overrides,field", [
    ({"array.digital_adders": "cell_chain"}, "array.digital_adders"),
    ({"array.family": "digital", "dac.signed_inputs": "unsigned", "array.chain_register_rows": 8},
     "array.chain_register_rows"),
])
def test_cell_chain_settings_need_a_digital_cell_chain(overrides, field):
    with pytest.raises(ConfigError) as info:
        with_overrides(BASE, overrides)
    assert field in info.value.fields


def test_a_cell_chains_registers_lie_within_its_array():
    """a register every 4096 rows of a 256-row array had been accepted (probe, 2026-12-05); registers every R rows
    of the array beyond a read's rows are a design (Colonnade-like: every 8 rows, 4-row reads): one bank a read"""
    chain = {"array.family": "digital", "dac.signed_inputs": "unsigned", "array.digital_adders": "cell_chain",
             "array.rows_per_read": 64}
    rows = with_overrides(BASE, chain).array.rows
    for ok in (64, 65, rows):
        assert with_overrides(BASE, {**chain, "array.chain_register_rows": ok}).array.chain_register_rows == ok
    with pytest.raises(ConfigError, match=rf"'array.chain_register_rows' \({rows + 1}\) is above the array's {rows} "
                                          r"rows \('array.rows'\): no chain reaches a register that far"):
        with_overrides(BASE, {**chain, "array.chain_register_rows": rows + 1})


def test_a_cell_chains_area_holds_every_rows_adders_and_registers():
    """a chain's full adders sit in every bit cell and its registers every R rows of the array, read or not: its area
    had counted one read's rows (64 of 256: a quarter of the adders; registers every 64, 128 or 256 rows priced
    alike), while a read's energy counts the rows it drives and the registers its chain crosses (review, 2026-12-05)"""
    from cimsim.cost.families import adder_tree_area_um2

    chain = {"array.family": "digital", "dac.signed_inputs": "unsigned", "array.digital_adders": "cell_chain",
             "array.rows": 256, "array.rows_per_read": 64}
    areas, energies = {}, {}
    for r in (8, 64, 128, 256):
        config, plan, p, _ = _priced({**chain, "array.chain_register_rows": r})
        areas[r], energies[r] = adder_tree_area_um2(plan, config), p.adder_tree_energy_pj
        assert chain_registers(plan, r, plan.rows) == math.ceil(256 / r) * plan.cols / plan.outputs_per_array
    assert areas[8] > areas[64] > areas[128] > areas[256]  # 32, 4, 2 and 1 register banks
    assert energies[64] == energies[128] == energies[256] < energies[8]  # a 64-row read crosses one bank, or 8
    config, plan, *_ = _priced({**chain, "array.chain_register_rows": 0})
    assert adder_tree_full_adders(plan, plan.rows) == 4 * adder_tree_full_adders(plan)
    for bad in (0, -64, True, 2.5, plan.rows + 1):
        with pytest.raises((TypeError, ValueError), match="rows"):
            adder_tree_full_adders(plan, bad)
        for register_rows in (8, 0):  # checked before the early return for no registers
            with pytest.raises((TypeError, ValueError), match="rows"):
                chain_registers(plan, register_rows, bad)


def test_cell_chain_sums_are_exact():
    """A cell chain sums exactly, as an adder tree does: the same outputs, bit for bit."""
    import numpy as np
    from cimsim.numerics import Crossbar

    over = {"array.family": "digital", "dac.mode": "bit_serial", "dac.signed_inputs": "unsigned",
            "workload.in_features": 40, "workload.out_features": 30, "array.rows": 16, "array.rows_per_read": 16,
            "array.cols": 64}
    rng = np.random.default_rng(0)
    w, x = rng.uniform(-1, 1, (30, 40)), rng.uniform(0, 1, (5, 40))
    outs = []
    for adders in ("tree", "cell_chain"):
        xbar = Crossbar(with_overrides(BASE, {**over, "array.digital_adders": adders}))
        xbar.program(w)
        outs.append(xbar.mvm(x))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_digital_inputs_reach_rows_as_bits_without_a_dac():
    """a digital array's k-bit read drives k input-bit wires per row (1-bit drivers), no multi-bit DAC"""
    overrides = {"dac.mode": "sliced", "dac.bits_per_read": 3, "dac.signed_inputs": "unsigned"}
    config, plan, p, counts = _priced({**overrides, "array.family": "digital"})
    per_cell_ff = gates.SRAM_LINE_CAP_FF_PER_CELL
    assert plan.dac_bits == 3 and p.dac_energy_pj == 0.0
    bit_cells = config.array.cols * config.device.bits_per_cell  # on a row (2-bit cells: 2 bit cells each)
    assert p.row_line_capacitance_ff == pytest.approx(3 * bit_cells * per_cell_ff)
    one_bit = _priced({"array.family": "digital", "dac.mode": "bit_serial", "dac.signed_inputs": "unsigned"})[2]
    assert p.dac_area_um2 == pytest.approx(3 * one_bit.dac_area_um2)
    wire_chain_pj = periphery.driver_chain_energy_pj(bit_cells * per_cell_ff, p.line_voltage_v, config.technology)
    # a chain per wire that carries a 1: 8 unsigned bits read as planes of 3, 3 and 2 bits; codes 1..7 hold 12 ones
    # in 7, codes 1..3 4 in 3 (a wire carrying 0 does not swing: 3 wires charged per read had made 3-bit reads
    # dearer than 1-bit ones for the same bits)
    assert sorted(plane_top_codes(plan).tolist()) == [3, 7, 7]
    ones = (12 / 7 + 12 / 7 + 4 / 3) / 3
    assert p.driver_energy_pj == pytest.approx(ones * wire_chain_pj) and wire_chain_pj > 0
    assert p.row_charge_energy_pj == pytest.approx(ones / 3 * p.row_line_capacitance_ff * p.line_voltage_v ** 2 * 1e-3)
    assert p.cell_compute_energy_pj == pytest.approx((3 + 3 + 2) / 3 * 2 * gates.product_bit_energy_pj(
        config.technology))  # the products of the bits each plane carries, 2-bit cells
    b = cim_breakdown(config, plan, counts)
    assert b.energy_pj["dac"] == pytest.approx(counts.row_activations * (p.row_charge_energy_pj + p.driver_energy_pj))
    analog = _priced({**overrides, "array.family": "current"})[2]
    assert analog.dac_energy_pj > 0.0 and analog.driver_energy_pj > 0.0  # a multi-bit DAC drives the row's line too
    assert analog.row_line_capacitance_ff == pytest.approx(bit_cells * per_cell_ff)


def test_crosspoint_cells_are_neurosim_2f_squares():
    """no access transistor: the 2F x 2F crossbar cell sets the cell area and the line lengths"""
    transistor = _priced({"device.name": "rram"})[2]
    crosspoint = _priced({"device.name": "rram", "array.cell_access": "crosspoint"})[2]
    f_um = 0.028
    assert transistor.cell_area_um2 == pytest.approx(12 * 4 * f_um ** 2)
    assert crosspoint.cell_area_um2 == pytest.approx(2 * 2 * f_um ** 2)
    assert crosspoint.row_line_capacitance_ff == pytest.approx(0.2 * 256 * 2 * f_um)  # 256 columns of 2F
    assert transistor.row_line_capacitance_ff == pytest.approx(0.2 * 256 * 12 * f_um)
    assert crosspoint.bitline_capacitance_ff == pytest.approx(0.2 * 256 * 2 * f_um)


@pytest.mark.parametrize("family", ["charge", "current", "digital"])
def test_crosspoint_access_needs_resistive_cells(family):
    with pytest.raises(ConfigError, match="array.cell_access"):
        with_overrides(BASE, {"array.family": family, "array.cell_access": "crosspoint"})


def test_time_domain_inputs_take_their_pulses_and_no_dac():
    _, plan, p, _ = _priced({"dac.mode": "sliced", "dac.bits_per_read": 3, "dac.encoding": "pulse_width",
                             "device.read_pulse_ns": 2.0})
    assert plan.pulses_per_read == 7 and p.read_ns == 14.0 and p.dac_energy_pj == 0.0
    assert p.driver_energy_pj > 0.0  # a pulse is a 1-bit driver's swing
    voltage = _priced({"dac.mode": "sliced", "dac.bits_per_read": 3, "device.read_pulse_ns": 2.0})[2]
    assert voltage.read_ns == 2.0 and voltage.dac_energy_pj > 0.0  # its core, and the same line's driver
    assert voltage.driver_energy_pj == pytest.approx(p.driver_energy_pj)


def test_analog_accumulation_converts_once_per_round_of_planes():
    over = {"dac.mode": "bit_serial", "device.read_pulse_ns": 5.0, "adc.cols_per_adc": 8}
    _, plan, p, counts = _priced(over)
    _, plan_acc, p_acc, counts_acc = _priced({**over, "adc.accumulation": "planes"})
    assert plan_acc.planes_per_conversion == plan.n_planes == 14
    assert counts.adc_conversions == 14 * counts_acc.adc_conversions
    assert counts.array_reads == counts_acc.array_reads
    t, t_acc = cim_timing(plan, p), cim_timing(plan_acc, p_acc)
    assert t.read_cycle_ns == pytest.approx(max(5.0, 8 * p.adc_conversion_ns))
    assert t_acc.read_cycle_ns == pytest.approx(max(14 * 5.0, 8 * p_acc.adc_conversion_ns))
    assert t_acc.vector_ns == pytest.approx(plan_acc.row_tiles and 1 * t_acc.read_cycle_ns)  # one round per vector
    e, e_acc = layer_energy_pj(counts, plan, p), layer_energy_pj(counts_acc, plan_acc, p_acc)
    assert e_acc["adc"] < e["adc"] / 10
    assert e_acc["sample_hold"] == pytest.approx(e["sample_hold"])  # every plane still sampled


def test_pricing_table_is_the_one_source_of_energy_and_area():
    for family in ("resistive", "charge", "current", "digital"):
        config, plan, p, counts = _priced({"array.family": family, "dac.mode": "bit_serial"})
        table = pricing_table(plan, p)
        names = [c.name for c in table]
        assert len(names) == len(set(names))
        energy = layer_energy_pj(counts, plan, p)
        assert energy == {c.name: sum(a.count(counts) * a.energy_pj for a in c.actions) for c in table}
        area = layer_area_um2(plan, p)
        assert set(area) <= set(names) and all(v >= 0 for v in area.values())
        assert ("adc" in names) == (family != "digital") and ("adder_tree" in names) == (family == "digital")


def test_unsigned_one_bit_inputs_price_one_read():
    _, plan, p, counts = _priced({"dac.signed_inputs": "unsigned", "dac.input_bits": 1, "dac.mode": "parallel"})
    assert plan.n_planes == 1 and plan.dac_bits == 1 and p.dac_energy_pj == 0.0 and p.driver_energy_pj > 0.0
    assert counts.array_reads == 10 * plan.n_arrays


def test_cost_parameters_of_each_family_are_plain_values():
    for family in ("resistive", "charge", "current", "digital"):
        _, _, p, _ = _priced({"array.family": family})
        assert all(isinstance(v, (int, float, str, bool)) for v in dataclasses.asdict(p).values())


@pytest.mark.parametrize("family, encoding, bits_per_cell", [
    ("resistive", "differential", 2), ("resistive", "offset", 2), ("charge", "differential", 2),
    ("charge", "offset", 2), ("charge", "twos_complement", 1)])
def test_analytic_array_energy_is_what_uniform_weights_and_inputs_measure(family, encoding, bits_per_cell):
    """The analytic G V**2 t and charge-cell activity are the means of uniform weight codes and input codes: what the
    functional path measures on such data (a differential pair holds |q| on one side only, about 1/4 of the top
    level per cell, where every cell at mid level had been assumed: twice the energy)."""
    import numpy as np
    from cimsim.numerics import Crossbar

    config = with_overrides(BASE, {"array.family": family, "device.name": "rram" if family == "resistive" else "sram",
                                   "workload.in_features": 64, "workload.out_features": 8, "array.rows": 64,
                                   "array.cols": 128, "array.rows_per_read": 64, "mapping.weight_bits": 6,
                                   "device.bits_per_cell": bits_per_cell, "mapping.signed_encoding": encoding,
                                   "mapping.subtraction": "digital", "dac.signed_inputs": "unsigned",
                                   "dac.input_bits": 4, "adc.range": "max",
                                   "device.g_min_us": 0.0 if encoding == "twos_complement" else 1.0})
    rng = np.random.default_rng(3)
    codes = rng.integers(-31, 32, (8, 64))
    codes[:, 0] = 31  # each row's peak is a full code: the weights quantise to these codes exactly
    xbar = Crossbar(config)
    xbar.program(codes / 31)
    xbar.mvm(rng.uniform(0, 1, (3000, 64)))
    measured, analytic = xbar.counts, analytic_counts(xbar.plan, 3000)
    name = "array_gv2t_fj" if family == "resistive" else "cell_activity"
    assert getattr(measured, name) == pytest.approx(getattr(analytic, name), rel=0.04)


def test_a_wire_resistance_is_refused_on_a_charge_array_by_name():
    """A charge-sharing column carries no DC current, so no IR drop: a stated wire resistance had been solved as a
    resistive mesh at device.g_max_us (a conductance an SRAM capacitor cell does not have), losing 44 % at 5 ohm."""
    with pytest.raises(ConfigError) as err:
        with_overrides(BASE, {"array.family": "charge", "array.wire_resistance_ohm": 5.0})
    assert err.value.fields == ["array.wire_resistance_ohm"] and "\"charge\"" in str(err.value)
    assert with_overrides(BASE, {"array.family": "charge", "array.wire_resistance_ohm": 0.0}).array.family == "charge"
    current = with_overrides(BASE, {"array.family": "current", "array.wire_resistance_ohm": 5.0})  # a DC current
    assert current.array.wire_resistance_ohm == 5.0


def test_an_sram_cell_holds_one_bit():
    """the sram device preset with 8-bit cells had been priced (macro TOPS/W 16.5 against 2.0 at 1 bit); a charge
    or current array of another device keeps its cells' bits"""
    sram = load_config(Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml")
    for settings in ({"device.bits_per_cell": 8, "mapping.signed_encoding": "offset"},
                     {"device.preset": "sram", "device.bits_per_cell": 2, "mapping.signed_encoding": "offset"}):
        with pytest.raises(ConfigError) as err:
            with_overrides(sram, settings)
        assert err.value.fields == ["device.bits_per_cell"]
        assert "must be 1 with the sram device preset" in str(err.value)
    assert with_overrides(BASE, {"array.family": "charge", "device.bits_per_cell": 2}).device.bits_per_cell == 2


def test_a_digital_arrays_offset_reference_holds_no_cells():
    """A digital array forms the offset encoding's reference in its adders (Plan.reference_cols = 0): no cell holds
    it, so none is programmed, has a conductance or counts in the cells' activity (one reference cell per column
    tile and read had been counted: q 0.286 for 0.269, the adder trees' energy +4 %), and the products stay exact."""
    import numpy as np
    from cimsim.numerics import Crossbar

    config = with_overrides(BASE, {"array.family": "digital", "device.name": "sram", "device.bits_per_cell": 1,
                                   "array.rows": 32, "array.cols": 32, "array.rows_per_read": 32,
                                   "mapping.weight_bits": 4, "mapping.signed_encoding": "offset",
                                   "dac.mode": "bit_serial",
                                   "dac.input_bits": 5, "dac.signed_inputs": "unsigned", "dac.input_range": "fixed",
                                   "dac.input_max": 1.0, "workload.in_features": 100, "workload.out_features": 37})
    rng = np.random.default_rng(1)
    q, x = rng.integers(-7, 8, (37, 100)), rng.integers(0, 32, (200, 100))
    q[0, 0] = 7  # the tensor's peak is a full code: the weights quantise to these codes
    xbar = Crossbar(config)
    xbar.program(q / 7)
    out = xbar.mvm(x / 31)
    plan, counts = xbar.plan, xbar.counts
    assert plan.reference_cols == 0 and plan.col_tiles == 5
    np.testing.assert_array_equal(out, xbar.digital_reference(x / 31))
    weight_bits = sum(((q + 8) >> s) & 1 for s in range(4)).sum(axis=0)  # set cells of each input's row
    input_bits = sum((x >> b) & 1 for b in range(5)).sum(axis=0)  # 1 bits of each input over its 5 planes
    assert counts.cell_activity == float(input_bits @ weight_bits)
    cells = 100 * sum(plan.used_cols(plan.outputs_of_col_tile(t)) for t in range(plan.col_tiles))
    assert xbar.conductances_us.size == cells == xbar.programming_counts.cell_writes


def test_a_digital_array_refuses_every_non_ideal_device_field():
    """drift_nu_sigma had been missing from the list: a digital array, documented exact, drifted (error 0.46 at
    sigma 0.2, 1e6 s)"""
    digital = {"array.family": "digital", "dac.mode": "bit_serial", "device.g_min_us": 0.0,
               "mapping.signed_encoding": "offset"}
    assert with_overrides(BASE, digital).array.family == "digital"
    for name in ("program_sigma", "read_noise_sigma", "drift_nu", "drift_nu_sigma", "stuck_at_gmin_rate",
                 "stuck_at_gmax_rate"):
        with pytest.raises(ConfigError) as err:
            with_overrides(BASE, {**digital, f"device.{name}": 0.01})
        assert "array.family" in err.value.fields and f"device.{name} > 0" in str(err.value)


def test_the_sram_device_presets_cells_take_no_drift_on_a_resistive_array_either():
    """device.preset = "sram" on the default resistive family had drifted (error 0.96 at nu 0.3, 1e6 s), where the
    same cells on a charge or current array are refused it (a bad-config probe, 2026-12-08)"""
    config = {"device": {"preset": "sram", "drift_nu": 0.3, "drift_time_s": 1e6}}
    with pytest.raises(ConfigError) as err:
        with_overrides(BASE, config)
    assert err.value.fields == ["device.drift_nu"] and "'device.preset' = \"sram\" models SRAM cells" in str(err.value)
    assert with_overrides(BASE, {"device": {"preset": "sram", "program_sigma": 0.05}}).device.program_sigma == 0.05


@pytest.mark.parametrize("family", ["charge", "current"])
def test_sram_cells_of_an_analog_array_take_no_drift_nor_program_and_verify(family):
    """a charge array had drifted (error 0.66 at nu 0.1, 1e6 s): its SRAM bits and capacitors hold no programmed
    conductance; nor does a rewrite change their mismatch. Their mismatch, read noise and stuck bits stay."""
    for name in ("drift_nu", "drift_nu_sigma"):
        with pytest.raises(ConfigError) as err:
            with_overrides(BASE, {"array.family": family, f"device.{name}": 0.1, "device.drift_time_s": 1e6})
        assert err.value.fields == [f"device.{name}"] and "hold no programmed conductance" in str(err.value)
    with pytest.raises(ConfigError) as err:
        with_overrides(BASE, {"array.family": family, "device.program_sigma": 0.05,
                              "device.program_verify_tolerance": 0.01})
    assert err.value.fields == ["device.program_verify_tolerance"] and f'"{family}" has SRAM cells' in str(err.value)
    kept = {"device.program_sigma": 0.05, "device.read_noise_sigma": 0.02, "device.stuck_at_gmax_rate": 0.01}
    assert with_overrides(BASE, {"array.family": family, **kept}).device.program_sigma == 0.05
    resistive = with_overrides(BASE, {"device.drift_nu": 0.1, "device.drift_time_s": 1e6, "device.program_sigma": 0.05,
                                      "device.program_verify_tolerance": 0.01})
    assert resistive.device.drift_nu == 0.1


def test_a_digital_arrays_read_cycle_line_names_no_adc():
    """the report's array line had told a digital array's sample-and-hold let 'the ADCs convert' (probe, 2026-12-03)"""
    import cimsim

    sram = Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml"
    line = next(a for a in cimsim.estimate(sram, {"array.family": "digital"}).cim.assumptions if "Array family" in a)
    assert "no ADC: a round is" in line and "sample-and-hold" not in line and "conversions" not in line
    analog = next(a for a in cimsim.estimate(sram).cim.assumptions if "Array family" in a)
    assert "sample-and-hold lets the ADCs convert" in analog


@pytest.mark.parametrize("family", ["charge", "current", "digital"])
def test_an_sram_family_array_is_priced_with_sram_cells_whatever_the_device_is_named(family):
    """array.family = "charge" on the default RRAM device had been priced with RRAM cells (12x smaller, RRAM writes)"""
    on_rram = with_overrides(Config(), {"array.family": family, "workload.in_features": 64,
                                        "workload.out_features": 32})
    on_sram = with_overrides(on_rram, {"device.name": "sram"})
    assert on_rram.device.name != "sram"
    rram_cells, sram_cells = (cim_parameters(c, plan_layer(c)) for c in (on_rram, on_sram))
    assert rram_cells.cell_family_recognised
    assert dataclasses.asdict(rram_cells) == dataclasses.asdict(sram_cells)
    resistive = with_overrides(on_rram, {"array.family": "resistive", "adc.bits": 8})
    assert cim_parameters(resistive, plan_layer(resistive)).cell_area_um2 < sram_cells.cell_area_um2 / 5


def test_a_digital_arrays_report_json_gives_no_adc(tmp_path):
    """report.json had given a digital array ADCs per array and an ADC full scale (its adder trees' exact sums),
    changing with mapping.subtraction, which a digital array does not use"""
    import json

    from click.testing import CliRunner

    from cimsim.cli import main

    sram = Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml"
    result = CliRunner().invoke(main, ["run", str(sram), "--set", "array.family=digital", "--set",
                                       "workload.vectors=8", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["mapping"]["adcs_per_array"] == 0
    assert report["accuracy"]["adc_full_scale"] is None and report["accuracy"]["adc_lsb"] is None
    analog = CliRunner().invoke(main, ["run", str(sram), "--set", "workload.vectors=8", "-o", str(tmp_path / "a.json")])
    assert analog.exit_code == 0 and json.loads((tmp_path / "a.json").read_text())["mapping"]["adcs_per_array"] > 0



@pytest.mark.parametrize("family", ["charge", "current", "digital"])
def test_an_sram_cell_of_b_bits_is_priced_as_b_bit_cells(family):
    """an SRAM family's cell of b bits is b bit cells side by side (area, write energy, word-line load), each on a
    bit line and (charge) a capacitor of its own: arrays of 8-bit weights in 1-, 2- and 4-bit cells cost the same
    array area and about the same array energy per bit cell (a 4-bit cell had been priced as one bit cell: the
    digital arrays' area 4x, the charge arrays' energy 4x too small)"""
    bit = cells.CELL_FAMILIES["sram"]
    areas, energies = [], []
    for bits in (1, 2, 4):
        cell = cells.array_cell("rram", family, bits)[0]
        assert (cell.width_f, cell.height_f, cell.write_energy_pj) == (bits * bit.width_f, bit.height_f,
                                                                       bits * bit.write_energy_pj)
        config, plan, p, counts = _priced({"array.family": family, "array.rows": 128, "array.cols": 128,
                                           "array.rows_per_read": 64, "device.bits_per_cell": bits,
                                           "device.g_min_us": 0.0, "mapping.signed_encoding": "differential",
                                           "dac.mode": "bit_serial"}, vectors=64)
        table = pricing_table(plan, p, 1)
        areas.append(layer_area_um2(plan, p, 1, table)["array"])
        bit_cells = plan.n_slices * plan.polarities * bits  # a weight's: 14, 16, 16 (7 magnitude bits in slices)
        energies.append(layer_energy_pj(counts, plan, p, 1, table)["array"] / bit_cells)
    assert areas == pytest.approx([areas[0]] * 3, rel=1e-9)
    assert energies == pytest.approx([energies[0]] * 3, rel=0.05)  # per bit cell (their data: the level shares)


def test_a_config_over_an_sram_preset_keeps_its_device_presets_read_voltage(tmp_path):
    """a preset's tables had been read without the fields idle in it: a resistive array over the sram-cim preset
    (its device the sram preset, 0.9 V) fell back to the schema's 0.51 V, its array energy 3.1x low (review,
    2026-12-05)"""
    path = tmp_path / "over.toml"
    path.write_text('preset = "sram-cim"\n[array]\nfamily = "resistive"\n')
    sram = load_config(Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml")
    assert load_config(path).device.read_voltage_v == 0.9 == sram.device.read_voltage_v


def test_a_multi_bit_charge_cells_capacitors_all_lower_its_ktc_noise():
    """a charge cell of b bits is b bit cells, a capacitor each: the column's capacitance is b times one bit's, its
    kT/C noise against full scale 1 / sqrt(b) as much (its energy had counted b capacitors, its noise one)"""
    from cimsim.numerics.noise import ktc_noise_std

    relative = []
    for bits in (1, 4):
        plan = _priced({"array.family": "charge", "device.bits_per_cell": bits})[1]
        relative.append(ktc_noise_std(plan, 1.2)[0] / (plan.rows_per_conversion * plan.max_plane_code * plan.max_level))
    assert relative[1] == pytest.approx(relative[0] / 2, rel=1e-12)


def test_an_sram_familys_point_id_leaves_out_the_device_read_voltage_it_does_not_read():
    """config_to_dict (the point ids' hash) leaves out device.read_voltage_v where an SRAM family would ignore it
    (its ids changed once, on 2026-12-05, docs/sweeps.md), and keeps it for a resistive array, which reads it"""
    from cimsim.config import config_to_dict

    sram = load_config(Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml")
    assert sram.device.read_voltage_v == 0.9 and "read_voltage_v" not in config_to_dict(sram)["device"]
    resistive = with_overrides(sram, {"array.family": "resistive"})
    assert config_to_dict(resistive)["device"]["read_voltage_v"] == 0.9


def test_a_digital_arrays_read_is_at_least_one_clock_cycle():
    """a digital array's reads had lasted device.read_pulse_ns whatever technology.clock_ghz said (0.1 to 5 GHz: the
    same 32 us; probe, 2026-12-05): its read is a cycle of clocked logic, so the slower of the two sets it"""
    import cimsim

    sram = Path(__file__).resolve().parents[1] / "configs" / "sram-cim.toml"
    times = {ghz: cimsim.estimate(sram, {"array.family": "digital", "technology.clock_ghz": ghz}).cim.compute_ns
             for ghz in (0.1, 1.0, 5.0)}
    assert times[0.1] == pytest.approx(10 * times[1.0], rel=1e-3)  # 32 000 reads, 10 ns each
    assert times[5.0] == pytest.approx(times[1.0], rel=1e-4)  # the 1 ns read pulse: 1 GHz and above alike
    line = next(a for a in cimsim.estimate(sram, {"array.family": "digital", "technology.clock_ghz": 0.1}
                                           ).cim.assumptions if "Array family" in a)
    assert "reads summed x 10 ns" in line
    analog = {ghz: cimsim.estimate(sram, {"technology.clock_ghz": ghz}).cim for ghz in (0.1, 1.0)}
    assert analog[0.1].compute_ns < 1.01 * analog[1.0].compute_ns  # an analog read is the pulse's (its tail clocked)


def test_the_readout_line_says_the_toggle_rate_of_its_per_sum_energy():
    """the report's 'X pJ per output sum' is the tree at uniform unsigned data's 0.375, the energy weighted by the
    data's own rate: the line had not said so, and read as the priced energy per sum (1.54 pJ against 4.92 said)"""
    from cimsim.cost.assumption_lines import converter_line

    for adders, rate in (("tree", "uniform unsigned data's toggle rate, 0.375"), ("cell_chain", "toggle rate, 0.5")):
        overrides = {"array.family": "digital", "dac.mode": "bit_serial", "array.digital_adders": adders,
                     "device.bits_per_cell": 1}
        config, plan, p, _ = _priced(overrides if adders == "cell_chain" else
                                     {k: v for k, v in overrides.items() if k != "array.digital_adders"})
        line = converter_line(config, plan, p, cim_timing(plan, p))
        assert f"{p.adder_tree_energy_pj:.3g} pJ per output sum at " in line and rate in line, line


def test_the_product_bit_share_of_wide_operands_is_drawn_within_its_error():
    """16-bit inputs and weights had asked 32 GiB to enumerate every product (a review): past PRODUCT_PAIRS pairs the
    share is drawn at a fixed seed, here against the exact share of 11-bit offset weights and unsigned inputs"""
    from cimsim.cost.families import PRODUCT_PAIRS, uniform_product_bit_share
    from cimsim.mapping import plan_layer

    def plan(bits):
        return plan_layer(with_overrides(BASE, {"array.family": "digital", "device.bits_per_cell": 1,
                                                "dac.input_bits": bits, "mapping.weight_bits": bits,
                                                "dac.mode": "parallel", "dac.signed_inputs": "unsigned",
                                                "mapping.signed_encoding": "offset"}))
    wide = plan(11)
    x, stored = np.arange(2 ** 11), np.arange(1, 2 ** 11)  # offset codes of -1023..1023
    assert x.size * stored.size > PRODUCT_PAIRS
    exact = _popcount(np.multiply.outer(x, stored)).mean() / (2047 * 2047).bit_length()
    assert uniform_product_bit_share(wide) == pytest.approx(exact, abs=2e-3)
    assert 0.4 < uniform_product_bit_share(plan(16)) < 0.5  # drawn, not enumerated


def test_a_time_domain_unit_pulse_shorter_than_a_gate_delay_is_said_in_the_report():
    """only `cimsim macros` had said a unit pulse no driver forms (Sandwich-RAM's 2.5 ns over 255 pulse-width steps,
    9.8 ps at 28 nm and 0.6 V, where a gate takes 0.18 ns); a config of the same chip priced it unsaid (a chips
    probe, 2026-12-08)"""
    pulse = {"array.family": "current", "device.preset": "sram", "mapping.weight_bits": 1, "dac.mode": "parallel",
             "dac.signed_inputs": "unsigned", "dac.encoding": "pulse_width", "technology.node_nm": 28,
             "technology.vdd_v": 0.6, "workload.vectors": 8}
    import cimsim

    default = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
    short = cimsim.estimate(default, {**pulse, "device.read_pulse_ns": 0.0098})
    line = next(a for a in short.cim.assumptions if a.startswith("Array family"))
    assert line.endswith("Its unit pulse ('device.read_pulse_ns' = 0.0098 ns) is shorter than one gate delay at 28 nm "
                         "and 0.6 V (0.184 ns): no driver forms it, so the time of the input bits is understated.")
    wide = cimsim.estimate(default, {**pulse, "device.read_pulse_ns": 1.0})
    assert not any("gate delay" in a for a in wide.cim.assumptions)
