"""IR drop: hand-solved meshes, a dense nodal-analysis twin, linearity, reciprocity, monotonicity, validation."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from cimsim.numerics.irdrop import column_currents_ua, effective_conductance, effective_conductance_approx

BOTH = [effective_conductance, effective_conductance_approx]


def naive_currents_ua(g_us: np.ndarray, v_row_v: np.ndarray, r_ohm: float) -> np.ndarray:
    """Column currents (batch x C, µA) by dense nodal analysis in SI units, one edge at a time.

    Unknowns: row nodes a[i, j] then column nodes b[i, j]; sources and grounds enter as known voltages.
    """
    rows, cols = g_us.shape
    n = rows * cols
    a = np.arange(n).reshape(rows, cols)  # node numbers
    b = a + n
    gw = 1.0 / r_ohm
    m = np.zeros((2 * n, 2 * n))

    def edge(p, q, w):
        m[p, p] += w
        m[q, q] += w
        m[p, q] -= w
        m[q, p] -= w

    for i in range(rows):
        for j in range(cols):
            edge(a[i, j], b[i, j], g_us[i, j] * 1e-6)
            if j + 1 < cols:
                edge(a[i, j], a[i, j + 1], gw)
            if i + 1 < rows:
                edge(b[i, j], b[i + 1, j], gw)
        m[a[i, 0], a[i, 0]] += gw  # segment to the source
    for j in range(cols):
        m[b[rows - 1, j], b[rows - 1, j]] += gw  # segment to virtual ground
    rhs = np.zeros((2 * n, v_row_v.shape[0]))
    for i in range(rows):
        rhs[a[i, 0]] = gw * v_row_v[:, i]
    volts = np.linalg.solve(m, rhs)
    return (gw * volts[b[rows - 1]]).T * 1e6


@pytest.mark.parametrize("geff", BOTH)
def test_single_cell_is_two_segments_in_series_with_the_cell(geff):
    """1x1: source -> r -> cell 1/G -> r -> ground, so I = V / (2r + 1/G)."""
    g_us, r = 10.0, 5.0
    expected_us = 1e6 / (2 * r + 1e6 / g_us)  # 9.99900...
    assert geff(np.array([[g_us]]), r)[0, 0] == pytest.approx(expected_us, rel=1e-12)
    assert column_currents_ua([[g_us]], [0.3], r)[0] == pytest.approx(0.3 * expected_us, rel=1e-12)


def test_one_row_two_columns_by_hand():
    """1x2, r = 1 kΩ, G = 1000 µS (1 kΩ) per cell, V = 1 V.

    Each column is its cell in series with its ground segment: 2 kΩ from a row node to ground.
    Beyond node a0: r + 2 kΩ = 3 kΩ, in parallel with column 0's 2 kΩ: 6/5 kΩ; with the source
    segment, 11/5 kΩ. So a0 = (6/5) / (11/5) = 6/11 V and I0 = a0 / 2 kΩ = 3/11 mA. a1 = a0 · 2/3 = 4/11 V
    and I1 = 2/11 mA (check: source current (1 - 6/11) V / 1 kΩ = 5/11 mA = I0 + I1).
    Geff = [3000/11, 2000/11] µS.
    """
    geff = effective_conductance(np.full((1, 2), 1000.0), 1000.0)
    np.testing.assert_allclose(geff, [[3000 / 11, 2000 / 11]], rtol=1e-12)


def test_two_rows_one_column_by_hand():
    """2x1, r = 1 kΩ, G = 1000 µS per cell; row 0 on top, ground below row 1.

    V0 = 1, V1 = 0: V0 -> r + 1/G = 2 kΩ -> b0 -> r -> b1; at b1 the ground segment 1 kΩ is in parallel
    with row 1's cell and source segment (2 kΩ to 0 V): 2/3 kΩ. Total 11/3 kΩ, 3/11 mA, b1 = 2/11 V,
    ground current 2/11 mA. V1 = 1, V0 = 0: 2 kΩ to b1, where the ground (1 kΩ) is in parallel with the
    path up through row 0 (3 kΩ): 3/4 kΩ. Total 11/4 kΩ, 4/11 mA, b1 = 3/11 V, ground current 3/11 mA.
    Geff = [[2000/11], [3000/11]] µS.
    """
    geff = effective_conductance(np.full((2, 1), 1000.0), 1000.0)
    np.testing.assert_allclose(geff, [[2000 / 11], [3000 / 11]], rtol=1e-12)


@pytest.mark.parametrize("geff", BOTH)
def test_zero_wire_resistance_returns_g_exactly(geff):
    g = np.random.default_rng(0).uniform(0.0, 100.0, (7, 9))
    out = geff(g, 0.0)
    assert np.array_equal(out, g)
    out[0, 0] = -1.0
    assert g[0, 0] != -1.0  # a copy, not the caller's array


@pytest.mark.parametrize("shape", [(1, 1), (6, 5), (5, 6), (40, 3), (3, 40), (33, 35), (36, 34)])
def test_geff_times_v_equals_a_direct_nodal_solve(shape):
    """The linear-map claim, on both orientations and across the right-hand-side chunks (> 32)."""
    rng = np.random.default_rng(sum(shape))
    g = rng.uniform(1.0, 100.0, shape)
    g[rng.random(shape) < 0.1] = 0.0  # unprogrammed cells
    v = rng.uniform(-0.5, 0.5, (4, shape[0]))
    r = 50.0  # large drops: Geff differs from G by tens of percent
    np.testing.assert_allclose(column_currents_ua(g, v, r), naive_currents_ua(g, v, r), rtol=1e-9, atol=1e-12)
    assert np.abs(effective_conductance(g, r) - g).max() > 1e-3 * g.max()


@pytest.mark.parametrize("exact", [True, False])
def test_superposition(exact):
    rng = np.random.default_rng(3)
    g = rng.uniform(1.0, 100.0, (12, 10))
    v1, v2 = rng.uniform(0.0, 0.5, 12), rng.uniform(-0.5, 0.5, 12)
    both = column_currents_ua(g, v1 + v2, 20.0, exact=exact)
    assert both.shape == (10,)
    np.testing.assert_allclose(both, column_currents_ua(g, v1, 20.0, exact=exact)
                               + column_currents_ua(g, v2, 20.0, exact=exact), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("geff", BOTH)
def test_reciprocity_swaps_drivers_and_sense_ends(geff):
    """Transposing the array and reversing both axes swaps sources and grounds: Geff maps the same way."""
    g = np.random.default_rng(4).uniform(1.0, 100.0, (9, 6))
    flipped = g.T[::-1, ::-1]
    np.testing.assert_allclose(geff(flipped, 30.0), geff(g, 30.0).T[::-1, ::-1], rtol=1e-10)


def test_currents_fall_as_r_grows_most_far_from_driver_and_sense_end():
    g = np.full((8, 8), 50.0)
    ratios = [effective_conductance(g, r) / g for r in (0.0, 10.0, 30.0, 100.0)]
    for low, high in zip(ratios, ratios[1:]):
        assert np.all(high < low)
    ratio = ratios[-1]
    assert np.all(np.diff(ratio, axis=1) < 0)  # farther from the row driver (left)
    assert np.all(np.diff(ratio, axis=0) > 0)  # closer to the sense end (bottom)
    assert ratio.argmin() == 7 and ratio.argmax() == 56  # corners (0, C-1) and (R-1, 0)


@pytest.mark.parametrize("n, r", [(16, 1.0), (32, 1.0), (16, 5.0)])
def test_approximation_within_tolerance_for_small_rg(n, r):
    """r·G_max·N² <= 0.13: the approximation's error on Geff is below 0.1 % of max Geff and below 5 %
    of the IR drop itself (max |G - Geff|)."""
    g = np.random.default_rng(n).uniform(100 / 17, 100.0, (n, n))
    exact, approx = effective_conductance(g, r), effective_conductance_approx(g, r)
    err = np.abs(approx - exact).max()
    assert err < 1e-3 * exact.max()
    assert err < 0.05 * np.abs(g - exact).max()


def test_approximation_survives_extreme_drops():
    g = np.full((300, 300), 100.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        geff = effective_conductance_approx(g, 1e6)
    assert np.all(np.isfinite(geff)) and np.all(geff >= 0) and geff[-1, 0] > 0


@pytest.mark.parametrize("geff", BOTH)
@pytest.mark.parametrize("g, r, match", [
    (np.ones(3), 1.0, "2-D"),
    (np.ones((0, 3)), 1.0, "non-empty"),
    (np.array([[1.0, np.nan]]), 1.0, "finite"),
    (np.array([[1.0, np.inf]]), 1.0, "finite"),
    (np.array([[1.0, -1.0]]), 1.0, "non-negative"),
    (np.array([["a"]]), 1.0, "real numbers"),
    (np.ones((2, 2)) + 1j, 1.0, "real numbers"),
    (np.ones((2, 2)), -1.0, ">= 0"),
    (np.ones((2, 2)), float("nan"), ">= 0"),
    (np.ones((2, 2)), float("inf"), ">= 0"),
    (np.ones((2, 2)), "1", "finite number"),
    (np.ones((2, 2)), True, "finite number"),
])
def test_bad_inputs_raise_value_error(geff, g, r, match):
    with pytest.raises(ValueError, match=match):
        geff(g, r)


@pytest.mark.parametrize("v, match", [
    (np.ones(3), r"shape \(2,\) or \(batch, 2\)"),
    (np.ones((1, 2, 2)), "shape"),
    (np.array([0.1, np.nan]), "finite"),
    (np.array(["a", "b"]), "real numbers"),
])
def test_bad_row_voltages_raise_value_error(v, match):
    with pytest.raises(ValueError, match=match):
        column_currents_ua(np.ones((2, 3)), v, 1.0)


# ---- in the crossbar ---------------------------------------------------------------------------------
def _ir_crossbar(ohm, model="exact", **extra):
    from cimsim.config import Config, with_overrides
    from cimsim.numerics import Crossbar

    cfg = with_overrides(Config(), {"workload.in_features": 40, "workload.out_features": 6, "array.rows": 32,
                                    "array.cols": 32, "array.rows_per_read": 32, "adc.range": "max",
                                    "adc.bits": 16, "device.g_min_us": 1.0, "device.g_max_us": 100.0,
                                    "array.wire_resistance_ohm": ohm, "array.ir_drop": model, **extra})
    xbar = Crossbar(cfg)
    xbar.program(np.random.default_rng(0).uniform(-1, 1, (6, 40)))
    return xbar


def test_crossbar_sums_use_each_arrays_effective_conductance():
    """The analog sums equal x @ Geff of every array (exact solve per row tile and column tile)."""
    xbar = _ir_crossbar(2.0, **{"mapping.subtraction": "digital"})
    p = xbar.plan
    step = (p.g_max_us - p.g_min_us) / p.max_level
    x = np.random.default_rng(1).integers(0, 2, (5, 40)).astype(np.float32)
    for g, (start, stop) in enumerate(p.row_groups()):
        got = xbar._noisy_sums(x, np.zeros((len(p.row_groups()), 5)), g, purpose=0)[:, :-1]
        got += (p.g_min_us / step) * x[:, start:stop].sum(axis=1, keepdims=True)  # the g_min term the ADC adds
        want = np.zeros_like(got)
        g = xbar.conductances_us
        tile_rows = slice(start - start % p.rows, min(40, start - start % p.rows + p.rows))
        n = len(xbar.layer.layout_tiles)  # the columns along the rows: each output's slices, each a +/- pair
        polarity, rest = np.divmod(np.arange(n), p.n_slices * p.out_features)
        along = np.lexsort((polarity, rest // p.out_features, rest % p.out_features))  # output, slice, polarity
        for tile in range(p.col_tiles):
            cols = along[xbar.layer.layout_tiles[along] == tile]
            geff = effective_conductance(g[tile_rows, cols], 2.0)[start - tile_rows.start: stop - tile_rows.start]
            want[:, cols] = x[:, start:stop] @ geff / step
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)


def test_ir_drop_error_grows_with_wire_resistance_and_approximation_is_close():
    x = np.random.default_rng(2).uniform(-1, 1, (50, 40))
    errors = []
    for ohm in (0.0, 1.0, 4.0):
        xbar = _ir_crossbar(ohm)
        ref = xbar.digital_reference(x)
        errors.append(np.linalg.norm(xbar.mvm(x) - ref) / np.linalg.norm(ref))
    assert errors[0] == 0.0 and errors[0] < errors[1] < errors[2]
    exact, approx = _ir_crossbar(1.0).mvm(x), _ir_crossbar(1.0, "approximate").mvm(x)
    assert np.linalg.norm(exact - approx) / np.linalg.norm(exact) < 0.01


def test_fewer_rows_per_read_leave_the_ir_drop_loss_as_it_is():
    """Linear cells, undriven rows held at 0 V: each row reaches a column through the same Geff whichever rows are
    driven with it, so the reads of row groups sum to the full read (superposition, docs/irdrop.md); the outputs
    differ only by the ADC's rounding of each read (about 1 % of the loss here, measured)."""
    x = np.random.default_rng(2).uniform(-1, 1, (50, 40))
    full = _ir_crossbar(4.0)
    ref = full.digital_reference(x)
    y = full.mvm(x)
    loss = np.linalg.norm(y - ref)
    assert loss > 0.05 * np.linalg.norm(ref)
    for rows in (8, 2):
        assert np.linalg.norm(_ir_crossbar(4.0, **{"array.rows_per_read": rows}).mvm(x) - y) < 0.03 * loss


@pytest.mark.parametrize("scale, r", [(1e50, 1.0), (1e200, 1.0), (1.0, 1e300), (1e8, 1e6)])
def test_the_exact_solve_refuses_cells_far_above_the_wires(scale, r):
    """G x 1e50 had given 7.2e33 µS (above the physical bound 1/(2r): a path crosses two wire segments), G x 1e200 or
    r = 1e300 NaN, silently; the approximation stays within the bound at any magnitude"""
    g = np.random.default_rng(0).uniform(1, 10, (8, 6))
    with pytest.raises(ValueError, match=r"a cell's conductance over a wire segment's\) must be at most 1e\+08"):
        effective_conductance(g * scale, r)
    with pytest.raises(ValueError, match="must be at most 1e"):
        column_currents_ua(g * scale, np.ones(8), r)
    approx = effective_conductance_approx(g * scale, r)
    assert np.isfinite(approx).all() and approx.max() <= 1e6 / (2 * r)


def test_the_exact_solve_stays_within_the_bound_up_to_the_limit():
    g = np.random.default_rng(0).uniform(1, 10, (8, 6))
    geff = effective_conductance(g * 1e13, 1.0)  # r G 1e-6 up to 1e8
    assert np.isfinite(geff).all() and 0 < geff.min() and geff.max() <= 1e6 / 2


@pytest.mark.parametrize("exact", ["no", 0, None])
def test_the_solve_choice_must_be_a_bool(exact):
    """exact="no" had run the exact solve (a string's truth value)"""
    with pytest.raises(ValueError, match="exact must be True or False; got"):
        column_currents_ua(np.ones((2, 3)), np.ones(2), 1.0, exact=exact)
    assert column_currents_ua(np.ones((2, 3)), np.ones(2), 1.0, exact=np.bool_(False)).shape == (3,)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_cell_clipped_at_zero_conductance_programs_with_ir_drop(seed):
    """Programming error that clips a cell at 0 S, with g_min > 0 and IR drop: the clipped cell's conductance is
    rebuilt from its target, deviation and g_min, which rounds to about -1e-16; held at 0, the layer programs (the
    IR-drop solve had refused every seed: 'g_us must be non-negative')"""
    from cimsim.config import with_overrides
    from cimsim.config.schema import Config
    from cimsim.numerics import Crossbar

    cfg = with_overrides(Config(), {
        "array.rows": 64, "array.cols": 64, "array.rows_per_read": 64, "array.wire_resistance_ohm": 1.0,
        "device.g_min_us": 0.7, "device.program_sigma": 0.1, "device.bits_per_cell": 3, "adc.range": "max",
        "workload.in_features": 64, "workload.out_features": 16, "simulation.seed": seed})
    xbar = Crossbar(cfg)
    xbar.program(np.random.default_rng(seed).uniform(-1, 1, (16, 64)))
    g = xbar.conductances_us
    assert g.min() >= 0.0 and (g == 0.0).any()  # some cell clipped at 0 S, none below
    assert np.isfinite(xbar.mvm(np.random.default_rng(9).uniform(-1, 1, (4, 64)))).all()


def test_a_differential_pairs_two_columns_sit_side_by_side_so_negated_weights_give_negated_outputs():
    """every G+ column had been wired before every G- one, a pair 32 columns apart: their unequal wire losses made
    y(W) + y(-W) 16.5 % of y(W) at 2.5 ohm (a numerics probe); side by side, 0.56 %. The ideal device at 7-bit
    cells, unsigned inputs, a lossless 16-bit ADC: IR drop the only error."""
    import cimsim
    from cimsim.numerics import Crossbar

    rng = np.random.default_rng(10)
    w, x = rng.normal(size=(32, 64)), rng.uniform(0, 1, (200, 64))
    cfg = cimsim.as_config({}, {"device.preset": "ideal", "device.g_max_us": 100.0, "device.bits_per_cell": 7,
                                "array.rows": 64, "array.cols": 64, "array.rows_per_read": 64,
                                "array.wire_resistance_ohm": 2.5, "dac.signed_inputs": "unsigned", "adc.bits": 16,
                                "adc.range": "max"})
    outputs = []
    for weights in (w, -w):
        xbar = Crossbar(cfg, 64, 32)
        xbar.program(weights)
        outputs.append(xbar.mvm(x))
    assert np.linalg.norm(outputs[0] + outputs[1]) / np.linalg.norm(outputs[0]) < 0.01


@pytest.mark.parametrize("encoding", ["differential", "offset", "twos_complement"])
def test_the_wiring_order_puts_each_outputs_cells_together_but_an_offset_layouts_by_slice(encoding):
    """each output's cells side by side, slice by slice, a differential pair's G- right after its G+ (a differential
    layer's error at 1 ohm, 2 tiles, 4 slices: 0.121, against 0.137 slice by slice and 0.178 with every G+ column
    first); an offset layout keeps its order, slice by slice before its references (0.927, against 3.09 with each
    output's cells together: a review)"""
    from cimsim.config import Config, with_overrides
    from cimsim.mapping import plan_layer
    from cimsim.numerics.irdrop import wiring_order

    bits = {"twos_complement": {"device.bits_per_cell": 1, "mapping.subtraction": "digital",
                                "device.g_min_us": 0.0}}.get(encoding, {"device.bits_per_cell": 2})
    plan = plan_layer(with_overrides(Config(), {"workload.in_features": 8, "workload.out_features": 5,
                                                "array.rows": 8, "array.rows_per_read": 8, "array.cols": 64,
                                                "mapping.weight_bits": 4, "mapping.signed_encoding": encoding, **bits}))
    n = plan.polarities * plan.n_slices * plan.out_features + 3  # three reference columns after the data
    order = wiring_order(plan, n)
    if encoding == "offset":
        assert order.tolist() == list(range(n))
    else:
        half, n_out = plan.n_slices * plan.out_features, plan.out_features
        cells = [p * half + s * n_out + o for o in range(n_out) for s in range(plan.n_slices)
                 for p in range(plan.polarities)]
        assert order.tolist() == cells + [n - 3, n - 2, n - 1]
