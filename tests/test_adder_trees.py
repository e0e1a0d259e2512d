"""A digital array with fewer adder trees than outputs (array.adder_trees): the trees sum the outputs in turn, so the
area follows the trees stated, the reads take one pass per output a tree serves, and the energy is unchanged."""

from __future__ import annotations

import dataclasses

import pytest

from cimsim.analytic import analytic_counts
from cimsim.config.load import config_from_dict, config_to_dict, with_overrides
from cimsim.config.schema import Config
from cimsim.cost import cim_parameters, cim_timing, gates
from cimsim.cost.cim import layer_area_um2, layer_energy_pj
from cimsim.cost.families import adder_tree_full_adders, reference_sum_full_adders, tree_passes, trees
from cimsim.errors import ConfigError
from cimsim.mapping import plan_layer

# 8-bit weights on 1-bit cells in the offset encoding: 8 columns an output, so 128 columns hold 16 outputs
DIGITAL = with_overrides(Config(), {"array.family": "digital", "device.name": "sram", "array.rows": 128,
                                    "array.rows_per_read": 128, "array.cols": 128, "device.bits_per_cell": 1,
                                    "mapping.weight_bits": 8, "mapping.signed_encoding": "offset",
                                    "workload.in_features": 128, "workload.out_features": 16,
                                    "technology.node_nm": 28.0, "technology.vdd_v": 0.9})


def _priced(adder_trees: int, out_features: int = 16):
    config = with_overrides(DIGITAL, {"array.adder_trees": adder_trees, "workload.out_features": out_features})
    plan = plan_layer(config)
    params = cim_parameters(config, plan)
    return plan, params, layer_area_um2(plan, params), cim_timing(plan, params), analytic_counts(plan, 10)


def test_the_tree_area_follows_the_trees_stated_and_the_product_gates_stay_per_output():
    plan, _, full, _, _ = _priced(0)
    assert plan.outputs_per_array == 16 and trees(plan) == 16
    assert _priced(16)[2] == full  # as many trees as outputs: the default, exactly
    tech = DIGITAL.technology
    # rows x columns x outputs x input bits a read (1-bit cells): each cell its own gates, whoever sums them
    products = 128 * 8 * 16 * plan.bits_per_read * gates.product_bit_area_um2(tech)
    for n in (1, 2, 5, 8):
        area = _priced(n)[2]["adder_tree"]
        adders = (n * adder_tree_full_adders(plan) + reference_sum_full_adders(plan)) * gates.full_adder_area_um2(tech)
        assert area == pytest.approx(adders + products, rel=1e-12), n
    assert _priced(1)[2]["adder_tree"] < _priced(8)[2]["adder_tree"] < full["adder_tree"]
    assert _priced(1)[2]["shift_add"] < full["shift_add"]  # one shift-and-add unit per two trees
    assert _priced(1)[2]["array"] == full["array"]


def test_the_trees_sum_the_outputs_in_turn_at_the_same_energy():
    plan, params, _, timing, counts = _priced(0)
    energy = layer_energy_pj(counts, plan, params)
    for n, passes in ((16, 1), (8, 2), (5, 4), (1, 16)):
        shared, shared_params, _, shared_timing, shared_counts = _priced(n)
        assert tree_passes(shared) == passes
        assert shared_timing.vector_ns == pytest.approx(passes * timing.vector_ns, rel=1e-12), n
        assert shared_counts == counts
        assert layer_energy_pj(shared_counts, shared, shared_params) == pytest.approx(energy, rel=1e-12)
    # a layer with fewer outputs than the trees takes one pass: the trees are the array's, its outputs the layer's
    assert tree_passes(_priced(8, out_features=8)[0]) == 1
    assert tree_passes(_priced(8, out_features=9)[0]) == 2


def test_a_tree_switches_over_the_rows_a_group_holds_and_keeps_its_area_over_all():
    """rows past the layer feed a tree constant zeros, which do not toggle: a 16-row layer read 128 rows at a time
    costs what one read 16 rows at a time does (it had cost 8x: probe of 2026-12-06) plus the 3 adders that carry
    its sum up the levels of the 128-row tree (a review: they switch with it); its trees' area stays the 128-row
    trees'; a layer of 200 rows in groups of 128 and 72 switches their mean, the 72 live rows' adders counted level
    by level; a cell chain passes the running sum through every row a read drives, used or not, and keeps N =
    rows_per_read"""
    from cimsim.cost.families import _product_bits, adder_tree_energy_pj, reference_sum_energy_pj

    def energy(rows_per_read: int, in_features: int, **more) -> tuple[float, float, float]:
        config = with_overrides(DIGITAL, {"array.rows_per_read": rows_per_read, "array.rows": 256,
                                          "workload.in_features": in_features, **more})
        plan = plan_layer(config)
        return (adder_tree_energy_pj(plan, config), reference_sum_energy_pj(plan, config),
                layer_area_um2(plan, cim_parameters(config, plan))["adder_tree"])

    small, full = energy(16, 16), energy(128, 16)
    rate, fa = 0.375, gates.full_adder_energy_pj(DIGITAL.technology)
    plan16 = plan_layer(with_overrides(DIGITAL, {"workload.in_features": 16}))
    for k, bits in ((0, _product_bits(plan16)), (1, plan16.max_plane_code.bit_length())):  # levels 5, 6, 7 carry it
        assert full[k] == pytest.approx(small[k] + sum(bits + level - 1 for level in (5, 6, 7)) * fa * rate, rel=1e-12)
    assert 0 < small[0] < full[0] < 1.4 * small[0] and 0 < small[1] < full[1]
    assert full[2] > small[2]  # the 128-row trees are built
    plan = plan_layer(with_overrides(DIGITAL, {"array.rows": 256, "workload.in_features": 200}))
    p = _product_bits(plan)  # 72 live rows: ceil(72 / 2**l) adders of p + l - 1 at each level l of 7
    live = sum(-(-72 // 2 ** level) * (p + level - 1) for level in range(1, 8))
    assert energy(128, 200)[0] == pytest.approx((adder_tree_full_adders(plan, 128) + live) / 2 * fa * rate,
                                                rel=1e-12)
    rows = (15, 16, 17, 31, 32, 33, 64, 65, 127, 128)
    more = dict(zip(rows, (energy(128, n)[0] for n in rows)))
    assert list(more.values()) == sorted(more.values())  # a row more never costs less: 17 had cost less than 16
    assert more[16] < more[17] and more[32] < more[33] and more[64] < more[65]  # (a review, 2026-12-06)
    assert more[15] == more[16] and more[127] == more[128]  # the same adders with a live input
    chain = {"array.digital_adders": "cell_chain", "mapping.signed_encoding": "differential"}
    assert energy(128, 16, **chain)[0] > energy(16, 16, **chain)[0]


def test_adder_trees_are_refused_where_they_mean_nothing():
    with pytest.raises(ConfigError, match=r"'array.adder_trees' \(17\) is more than the 16 outputs an array of 128 "
                                          r"columns holds"):
        with_overrides(DIGITAL, {"array.adder_trees": 17})
    with pytest.raises(ConfigError, match=r"'array.adder_trees' applies only when 'array.family' is \"digital\""):
        with_overrides(Config(), {"array.adder_trees": 4})
    with pytest.raises(ConfigError, match=r"'array.adder_trees' applies only when .*'array.digital_adders' \"tree\""):
        with_overrides(DIGITAL, {"array.digital_adders": "cell_chain", "array.adder_trees": 4})
    with pytest.raises(ConfigError, match="'array.adder_trees'"):
        with_overrides(DIGITAL, {"array.adder_trees": -1})


def test_a_config_at_the_default_is_written_as_before():
    """left out at its default (one tree per output), so the sweep point ids of earlier digital configs stay"""
    assert "adder_trees" not in config_to_dict(DIGITAL)["array"]
    shared = with_overrides(DIGITAL, {"array.adder_trees": 4})
    assert config_to_dict(shared)["array"]["adder_trees"] == 4
    assert config_from_dict(config_to_dict(shared), shared.source) == shared


def test_the_report_says_how_many_trees_and_how_long_a_round_is():
    """the probe of 2026-12-04: with 4 trees for 16 outputs the report still said 'an adder tree per output' and a
    round of 1 ns, while the interval counted 4 passes"""
    from cimsim.api import estimate
    from cimsim.report_design import design_line as _design

    shared = with_overrides(DIGITAL, {"array.adder_trees": 4})
    lines = estimate(shared).cim.assumptions
    assert any("4 trees an array for its 16 outputs, in 4 turns" in line for line in lines), lines
    assert any("a round is voltage reads summed x 40 ns (the adders sum within each read, 4 of 10 ns each" in line
               for line in lines), lines
    assert ("4 adder trees an array of 16 outputs, which sum a layer's further outputs in turn (no ADC)"
            in _design(shared))
    few = estimate(with_overrides(shared, {"workload.out_features": 4})).cim.assumptions  # 4 outputs, 4 trees
    assert not any("turns" in line for line in few) and any("x 10 ns (the adders sum within each read)" in line
                                                            for line in few), few
    for config in (DIGITAL, with_overrides(DIGITAL, {"array.adder_trees": 16})):  # one per output: none in turn
        assert "a digital adder tree per output (no ADC)" in _design(config)
    assert "a full adder in every bit cell" in _design(with_overrides(DIGITAL, {"array.digital_adders": "cell_chain"}))


def test_the_tree_limit_is_checked_only_where_trees_sum():
    """probe of 2026-12-04: a sweep point of an analog or cell-chain array (the field idle there, kept from the base
    file as sweeps keep a file's fields) failed on 'more than the 8 outputs an array holds'"""
    from cimsim.plan_checks import plan_problems

    shared = with_overrides(DIGITAL, {"array.adder_trees": 16})
    for change in ({"family": "current"}, {"digital_adders": "cell_chain"}):  # 64 columns: 8 outputs at most
        idle = dataclasses.replace(shared, array=dataclasses.replace(shared.array, cols=64, **change))
        assert plan_problems(idle) == []
    with pytest.raises(ConfigError, match="'array.adder_trees' applies only when") as info:
        with_overrides(Config(), {"array.adder_trees": 64})
    assert "more than" not in str(info.value)




def test_a_cell_chain_carry_columns_hold_no_conductance_in_the_analytic_sums():
    """A cell chain's carry columns are adders: the analytic G V**2 t had counted them as cells at g_min (7-17 % over
    the functional path's, moving with the rows read at once, where the run's does not)."""
    import numpy as np

    from cimsim.analytic import DataStats
    from cimsim.numerics import Crossbar
    from cimsim.numerics.samples import plane_code_shares, weight_level_share

    rng = np.random.default_rng(5)
    w, x = rng.standard_normal((10, 20)), rng.standard_normal((7, 20))
    estimates = []
    for rows_per_read in (4, 16):
        xbar = Crossbar(with_overrides(DIGITAL, {"array.digital_adders": "cell_chain", "workload.in_features": 20,
                                                 "array.rows_per_read": rows_per_read, "workload.out_features": 10}))
        xbar.program(w)
        xbar.mvm(x)
        plan = xbar.plan
        assert plan.chain_cols == (2 if rows_per_read == 4 else 4)
        data = DataStats(input_codes=plane_code_shares(plan, x, None),
                         weight_levels=weight_level_share(plan, w, False))
        estimates.append(analytic_counts(plan, 7, data).array_gv2t_fj)
        assert estimates[-1] == pytest.approx(xbar.counts.array_gv2t_fj, rel=0.01)  # 1.084x and 1.168x before
    assert estimates[0] == pytest.approx(estimates[1], rel=1e-12)


def test_a_cell_chains_carry_columns_are_no_cells_read():
    """probe of 2026-12-07: the chain's carry columns (adders, priced in adder_tree) had been counted in cells_read
    and priced as 1-bit products too: the array's energy 1.67x the adder tree design's at 16 rows a read"""
    import numpy as np

    from cimsim.numerics import Crossbar

    rng = np.random.default_rng(3)
    w, x = rng.standard_normal((4, 16)), rng.standard_normal((7, 16))
    shape = {"workload.in_features": 16, "workload.out_features": 4, "array.rows": 64, "array.cols": 64,
             "array.rows_per_read": 16}
    reads, energies = {}, {}
    for adders in ("tree", "cell_chain"):
        xbar = Crossbar(with_overrides(DIGITAL, {**shape, "array.digital_adders": adders}))
        xbar.program(w)
        xbar.mvm(x)
        plan, counts = xbar.plan, xbar.counts
        assert counts.cells_read == analytic_counts(plan, 7).cells_read
        reads[adders] = counts.cells_read
        params = cim_parameters(xbar.config, plan)
        energies[adders] = layer_energy_pj(counts, plan, params)["array"]
    assert plan.chain_cols == 4 and reads["tree"] == reads["cell_chain"] > 0
    carry_lines = counts.array_reads * 4 * plan.chain_cols * params.bitline_charge_energy_pj  # 4 outputs' carries
    assert energies["cell_chain"] - energies["tree"] == pytest.approx(carry_lines, rel=1e-9)
