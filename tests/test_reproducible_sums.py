"""Error statistics and float references that do not depend on how the work is split: the rows' sums of squares
add exactly (a batch size, workers, blocks in any order), and a dense run's float reference is one BLAS thread's."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import cimsim
from cimsim.accuracy import ErrorStats

ROOT = Path(__file__).resolve().parents[1]


def test_the_rows_sums_of_squares_add_exactly():
    rng = np.random.default_rng(5)
    rows = rng.standard_normal((300, 17)) * 10.0 ** rng.integers(-150, 150, size=(300, 1))
    whole = ErrorStats().add(2 * rows, rows)  # the error is the reference: its rows' sums as one row gives them
    each = [ErrorStats().add(2 * r[None], r[None]) for r in rows]
    exact = sum(Fraction(s.signal_units, 2 ** 1127) * Fraction(4) ** s.exponent for s in each)
    assert Fraction(whole.signal_units, 2 ** 1127) * Fraction(4) ** whole.exponent == exact
    assert whole.signal_units == whole.error_units and whole.relative_error == 1.0
    smallest = ErrorStats().add(np.array([0.0]), np.array([5e-324]))  # the smallest subnormal, squared exactly
    assert Fraction(smallest.signal_units, 2 ** 1127) * Fraction(4) ** smallest.exponent == Fraction(5e-324) ** 2


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e250])
def test_statistics_are_the_same_however_the_outputs_are_split(scale):
    rng = np.random.default_rng(6)
    unit = rng.standard_normal((1000, 33))
    noisy = unit + 0.01 * rng.standard_normal(unit.shape)
    ref, y = unit * scale, noisy * scale
    whole = ErrorStats().add(y, ref)
    for size in (1, 7, 129, 500):
        blocks = [ErrorStats().add(y[k:k + size], ref[k:k + size]) for k in range(0, len(y), size)]
        assert sum(blocks, ErrorStats()) == whole == sum(reversed(blocks), ErrorStats()), size
    assert whole.relative_error == pytest.approx(np.linalg.norm(noisy - unit) / np.linalg.norm(unit), rel=1e-12)
    if scale == 1.0:
        assert whole.signal_sq == pytest.approx(np.sum(ref * ref), rel=1e-14)
        assert whole.error_sq == pytest.approx(np.sum((y - ref) ** 2), rel=1e-14)
    else:  # beyond float64 as a sum (1e500, 1e-600): its float is inf or 0, the ratio stays
        assert whole.signal_sq == (math.inf if scale > 1 else 0.0)


def test_a_networks_layer_statistics_do_not_depend_on_its_batch_size():
    """each layer's error statistics had moved in their last digits with simulation.batch_size (summed per batch,
    then added); its float network's outputs still round by the batch they sit in (docs/design.md)"""
    mlp = ROOT / "configs" / "digits-mlp.toml"
    runs = [cimsim.simulate(mlp, {"workload.vectors": 60, "simulation.batch_size": b}).to_dict() for b in (7, 60)]
    assert json.dumps(runs[0]["accuracy"]["layers"]) == json.dumps(runs[1]["accuracy"]["layers"])
    assert runs[0]["counts"] == runs[1]["counts"]
    assert runs[0]["accuracy"]["analog_accuracy"] == runs[1]["accuracy"]["analog_accuracy"]


def test_a_dense_runs_float_reference_does_not_depend_on_the_blas_threads():
    """the float reference had been BLAS's at its default thread count: 1 and 2 threads gave another max_abs_error
    of the quantised products against float (a probe, 2026-12-07)"""
    settings = {"device.preset": "ideal", "device.bits_per_cell": 7, "workload.in_features": 300,
                "workload.out_features": 70, "workload.vectors": 3000, "simulation.seed": 3}
    runs = []
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            runs.append(cimsim.simulate(ROOT / "configs" / "default.toml", settings))
    assert json.dumps(runs[0].to_dict()["accuracy"]) == json.dumps(runs[1].to_dict()["accuracy"])


def test_rows_wider_than_numpys_blocks_sum_alike_alone_and_in_a_block():
    """einsum had summed a row of more than 8192 values otherwise alone than in a block: batch_size 1 had moved a
    wide layer's statistics (a review, 2026-12-07)"""
    rng = np.random.default_rng(8)
    ref = rng.standard_normal((5, 9000))
    y = ref + 0.1 * rng.standard_normal(ref.shape)
    whole = ErrorStats().add(y, ref)
    assert sum((ErrorStats().add(y[k:k + 1], ref[k:k + 1]) for k in range(5)), ErrorStats()) == whole


def test_ratios_beyond_float64_are_inf_or_their_root():
    # an error 1e600 times the signal's root had raised OverflowError (relative_error, as_dict, the JSON)
    far = ErrorStats().add(np.array([[1e-300], [1e300]]), np.array([[1e-300], [0.0]]))
    assert far.relative_error == math.inf and far.snr_db == pytest.approx(-12000.0, rel=1e-12)
    assert json.dumps(far.as_dict()) and far.error_sq == math.inf
    near = ErrorStats().add(np.array([[1e300 + 1e286], [1e-300]]), np.array([[1e300], [1e-300]]))
    assert near.relative_error == pytest.approx(1e-14, rel=1e-6)  # a ratio of 1e-28: normal
    tiny = ErrorStats().add(np.array([[1.0], [1e-300]]), np.array([[1.0], [0.0]]))
    assert tiny.relative_error == pytest.approx(1e-300, rel=1e-12) and tiny.snr_db == pytest.approx(6000, rel=1e-12)



def test_error_statistics_show_their_figures_not_their_exact_sums():
    """an ErrorStats' repr had been its two exact sums, integers of about 345 digits each (786 characters), with
    neither its relative error nor its SNR (an API probe, 2026-12-08)"""
    stats = ErrorStats().add(np.array([[1.0, 2.0]]), np.array([[1.0, 2.5]]))
    assert repr(stats) == (f"ErrorStats(relative_error={stats.relative_error:.6g}, snr_db={stats.snr_db:.4g}, "
                           "max_abs_error=0.5, outputs=2)")
    assert repr(stats) == "ErrorStats(relative_error=0.185695, snr_db=14.62, max_abs_error=0.5, outputs=2)"
    assert ErrorStats.relative_error.__doc__ and "dB" in ErrorStats.snr_db.__doc__
