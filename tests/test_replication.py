"""Weight replication: copies take vectors in turn, own device draws, more area, more throughput."""

from __future__ import annotations

import numpy as np
import pytest

from cimsim.config import Config, with_overrides
from cimsim.cost import cim_breakdown
from cimsim.analytic import analytic_counts
from cimsim.numerics import Crossbar, build_crossbar

BASE = {"workload.in_features": 40, "workload.out_features": 6, "array.rows": 32, "array.cols": 32,
        "array.rows_per_read": 32, "adc.range": "max", "adc.bits": 8}


def config(copies, **extra):
    return with_overrides(Config(), {**BASE, "mapping.replication": copies, **extra})


def test_copies_deal_vectors_in_turn_with_their_own_devices():
    w = np.random.default_rng(0).uniform(-1, 1, (6, 40))
    x = np.random.default_rng(1).uniform(-1, 1, (7, 40))
    cfg = config(3, **{"device.program_sigma": 0.05})
    xbars = build_crossbar(cfg)
    xbars.program(w)
    y = xbars.mvm(x)
    for c in range(3):
        alone = Crossbar(cfg, key=(0, c))
        alone.program(w)
        np.testing.assert_array_equal(y[c::3], alone.mvm(x[c::3]))
    assert xbars.counts.mvms == 7 and xbars.programming_counts.cell_writes == 3 * Crossbar(cfg).plan.in_features * (
        6 * xbars.plan.n_slices * 2)
    # the weights come from DRAM once for the three copies (each copy had fetched them again)
    assert xbars.programming_counts.dram_read_bits == 6 * 40 * xbars.plan.weight_bits
    assert not np.array_equal(xbars.copies[0].mvm(x), xbars.copies[1].mvm(x))


def test_copies_take_vectors_by_their_number_whatever_the_calls():
    """Vector v goes to copy v mod copies over every call: uneven calls, an empty one, or a later start (seek) give
    the rows of one whole call, read noise included."""
    w = np.random.default_rng(0).uniform(-1, 1, (6, 40))
    x = np.random.default_rng(1).uniform(-1, 1, (11, 40))
    cfg = config(3, **{"device.program_sigma": 0.05, "device.read_noise_sigma": 0.02})

    def programmed():
        xbars = build_crossbar(cfg)
        xbars.program(w)
        return xbars

    whole = programmed().mvm(x)
    split = programmed()
    parts = [split.mvm(x[:2]), split.mvm(x[2:2]), split.mvm(x[2]), split.mvm(x[3:7]), split.mvm(x[7:])]
    np.testing.assert_array_equal(np.vstack([parts[0], parts[1], parts[2][None], *parts[3:]]), whole)
    late = programmed()
    late.seek(5)
    np.testing.assert_array_equal(late.mvm(x[5:]), whole[5:])
    assert [c.counts.mvms for c in late.copies] == [2, 2, 2]  # vectors 5-10: copies 2, 0, 1, 2, 0, 1
    with pytest.raises(ValueError, match="vector must be"):
        late.seek(-1)
    with pytest.raises(ValueError, match=r"vector must be an int >= 0 and <= 4611686018427387904"):
        late.seek(2**63)  # it had been accepted, then mvm raised numba's OverflowError


def test_ideal_copies_give_the_single_copy_result():
    w = np.random.default_rng(0).uniform(-1, 1, (6, 40))
    x = np.random.default_rng(1).uniform(-1, 1, (10, 40))
    one, three = build_crossbar(config(1)), build_crossbar(config(3))
    one.program(w)
    three.program(w)
    assert isinstance(one, Crossbar)
    np.testing.assert_array_equal(one.mvm(x), three.mvm(x))
    a, b = one.counts.as_dict(), three.counts.as_dict()  # the same work, shared out: its float sums in other orders
    for name in ("array_gv2t_fj", "cell_activity"):
        assert a.pop(name) == pytest.approx(b.pop(name), rel=1e-12)
    assert a == b


def test_replication_trades_area_for_throughput():
    one, four = config(1), config(4)
    b1 = cim_breakdown(one, Crossbar(one).plan, analytic_counts(Crossbar(one).plan, 1000))
    b4 = cim_breakdown(four, Crossbar(four).plan, analytic_counts(Crossbar(four).plan, 1000))
    assert Crossbar(four).plan.n_arrays == 4 * Crossbar(one).plan.n_arrays
    assert b4.area_um2["adc"] == pytest.approx(4 * b1.area_um2["adc"])
    assert b4.compute_ns < b1.compute_ns / 3.5
    dynamic = [b.total_energy_pj - b.energy_pj["leakage"] for b in (b1, b4)]
    assert dynamic[1] == pytest.approx(dynamic[0])  # the same work; only the static power of the copies differs


def test_a_refused_batch_changes_no_copy():
    """A bad row dealt to a later copy is refused before any copy reads: the earlier copies had read their rows
    (advancing their noise numbering and counts), so every later read differed from a fresh layer's."""
    w = np.random.default_rng(0).uniform(-1, 1, (6, 40))
    x = np.random.default_rng(1).uniform(-1, 1, (6, 40))
    cfg = config(2, **{"device.read_noise_sigma": 0.05})

    def programmed():
        xbars = build_crossbar(cfg)
        xbars.program(w)
        return xbars

    tried, bad = programmed(), x.copy()
    bad[1, 0] = np.nan  # row 1 goes to copy 1
    with pytest.raises(ValueError, match="NaN or infinite"):
        tried.mvm(bad)
    np.testing.assert_array_equal(tried.mvm(x), programmed().mvm(x))
    assert tried.counts.mvms == 6


def test_a_replicated_calibrated_layers_adc_spans_every_copy():
    """3 copies calibrated apart (each with its own programming errors): a dense run's ADC (RunResult.adc, the
    report's ADC line) had been copy 0's alone; now every copy's LSBs, stacked (copy, row tile, column), as a
    network's layer reports its crossbars"""
    from cimsim.report import _span
    from cimsim.run import simulate
    from cimsim.workload import input_blocks, load_weights

    cfg = config(3, **{"adc.range": "calibrated", "adc.calibration_vectors": 8, "device.program_sigma": 0.2,
                       "workload.vectors": 16})
    result, xbars = simulate(cfg), build_crossbar(cfg)
    xbars.program(load_weights(cfg))
    spanned = xbars.calibrate(next(input_blocks(cfg))[:8])
    lsbs = np.stack([copy.adc.lsb for copy in xbars.copies])
    assert len({float(lsb.max()) for lsb in lsbs}) == 3  # the copies differ
    np.testing.assert_array_equal(result.adc.lsb, lsbs)
    np.testing.assert_array_equal(spanned.lsb, lsbs)
    assert _span(result.adc.lsb) == _span(lsbs)


@pytest.mark.parametrize("extra", [{}, {"simulation.int8_products": "off"}, {"device.read_noise_sigma": 0.02},
                                   {"device.program_sigma": 0.05},
                                   {"device.read_noise_sigma": 0.02, "device.read_noise_path": "cell"}])
def test_copies_of_ideal_cells_share_one_programming_with_the_numbers_of_copies_apart(extra):
    """copies whose cells take no device draws are alike: the first is programmed and the others share it, and
    calibrated once where reads draw no noise (1024 copies of a 256 x 256 layer had taken 22 s and 1 GB programming
    and calibrating identical arrays: a performance probe); outputs, counts, converters as copies apart"""
    w = np.random.default_rng(0).uniform(-1, 1, (6, 40))
    x = np.random.default_rng(1).uniform(-1, 1, (10, 40))
    cfg = config(3, **{"adc.range": "calibrated", **extra})
    shared, apart = build_crossbar(cfg), build_crossbar(cfg)
    shared.program(w)
    for copy in apart.copies:
        copy.program(w)
    for xbars in (shared, apart):
        xbars.calibrate(x[:6])
    ideal = "device.program_sigma" not in extra
    assert (shared.copies[2].layer is shared.copies[0].layer) == ideal
    mine, theirs = shared.copies[1].conductances_us, shared.copies[0].conductances_us  # a shared array edited in
    assert not (np.shares_memory(mine, theirs) and mine.flags.writeable)  # one copy had changed every copy's
    assert (shared.copies[2].adc is shared.copies[0].adc) == ("read_noise_sigma" not in str(extra) and ideal)
    np.testing.assert_array_equal(shared.mvm(x), apart.mvm(x))
    np.testing.assert_array_equal(shared.adc.lsb, apart.adc.lsb)
    assert shared.counts == apart.counts and shared.programming_counts == apart.programming_counts
    assert [c.counts.mvms for c in shared.copies] == [4, 3, 3]


def test_a_memory_refusal_of_copies_apart_names_replication():
    """copies of ideal cells are held once; copies of cells with draws each apart, and a refusal they cause names
    mapping.replication (it had named the layer's shape: 'use smaller layers', 3.7x over with ideal copies)"""
    from cimsim.footprint import MemoryLimitError, check_memory
    from cimsim.mapping import plan_layer

    big = {**BASE, "workload.in_features": 256, "workload.out_features": 256, "array.rows": 256, "array.cols": 256,
           "array.rows_per_read": 256, "mapping.replication": 1024, "simulation.memory_limit_gib": 1.0}
    ideal = with_overrides(Config(), big)
    check_memory(ideal, [plan_layer(ideal)], "workload.in_features")
    noisy = with_overrides(ideal, {"device.program_sigma": 0.05})
    with pytest.raises(MemoryLimitError, match=r"'mapping.replication': .* use fewer copies \(mapping.replication"):
        check_memory(noisy, [plan_layer(noisy)], "workload.in_features")
    # a grouped matrix's packed blocks (in its plan's replication) hold other weights: each counted, whatever the
    # cells, and no copies named where there are none (a review: 8 blocks had been counted as one)
    from cimsim.packing import packed_layer

    one = with_overrides(ideal, {"mapping.replication": 1, "simulation.memory_limit_gib": 0.1})
    blocks, n = packed_layer(one, 256, 256, 64)
    assert n == 64
    with pytest.raises(MemoryLimitError, match=r"^(?!.*mapping.replication).*'workload.in_features'"):
        check_memory(one, [blocks], "workload.in_features", chunk=1, vectors_field=None)
    check_memory(one, [plan_layer(one, 256, 256)], "workload.in_features", chunk=1, vectors_field=None)
