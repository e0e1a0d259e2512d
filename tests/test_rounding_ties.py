"""Half-way values of the input and weight quantisers, calibration over many input blocks, a digital array's
columns: each against exact rational arithmetic or the documented rule."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import cimsim
import naive
from cimsim.config import config_from_dict
from cimsim.errors import ConfigError
from cimsim.numerics import Crossbar, quantize_inputs, quantize_weights
from cimsim.numerics import _input_kernels
from cimsim.run import simulate
from cimsim.workload import INPUT_BLOCK
from test_numerics import DAC_CHOICES, make_config


def exact_code(v: float, m: int, full: float) -> int:
    """clip(round_half_away(v m / full), -m, m) in rational arithmetic"""
    q = abs(Fraction(v) * m / Fraction(full))
    return int(np.sign(v)) * min(m, int(q + Fraction(1, 2)))


def tie_rows(m: int, rows: int, seed: int, shared: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """rows (x, -x, full, 0) with x m / full = k + 1/2 exactly (x = (2k + 1) t, full = 2 m t: t of 20 random bits and
    a random power of two, so every product is exact; ``shared``: one t, one full scale for every row), and their full
    scales"""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, m, rows)
    t = np.ldexp(rng.integers(1, 2 ** 20, 1 if shared else rows).astype(float), rng.integers(-60, 60, rows))
    t = np.full(rows, t[0]) if shared else t
    x, full = (2 * k + 1) * t, 2 * m * t
    return np.stack([x, -x, full, np.zeros(rows)], axis=1), full


@pytest.mark.parametrize("bits, unsigned", [(2, False), (4, False), (5, True), (8, False), (8, True), (12, False),
                                            (16, False), (16, True)])
def test_half_way_inputs_round_away_from_zero(bits, unsigned):
    """x m / P exactly k + 1/2 gives code k + 1 (and -x gives -(k + 1)), whatever the rounding of m / P: the prober's
    25 of 50 at 8 unsigned bits (127.5) is 128, not 127"""
    m = 2 ** bits - 1 if unsigned else 2 ** (bits - 1) - 1
    x, full = tie_rows(m, 400, bits)
    if unsigned:
        x = np.abs(x)
    codes, scale = quantize_inputs(x, bits, None, unsigned)
    want = [[exact_code(v, m, p) for v in row] for row, p in zip(x, full)]
    np.testing.assert_array_equal(codes, want)
    np.testing.assert_array_equal(scale, full / m)
    assert quantize_inputs(np.array([[25.0, 50.0]]), 8, None, unsigned=True)[0].tolist() == [[128, 255]]
    fixed, _ = quantize_inputs(x[:1], bits, float(full[0]), unsigned)  # the same tie at a given input maximum
    np.testing.assert_array_equal(fixed, [want[0]])


@pytest.mark.parametrize("dac", DAC_CHOICES[:-1])
def test_half_way_inputs_in_every_plane_layout(dac):
    """the fused plane kernel (every DAC layout) codes a half-way input as the exact rule does: its planes recombine
    to the exact codes"""
    xbar = Crossbar(make_config(dac=dac, input_bits=6, rows=8, rows_per_read=3, in_features=4))
    m = xbar.plan.max_input_code
    x, full = tie_rows(m, 300, 1)
    x = np.abs(x) if dac[1] == "unsigned" else x
    planes, scale, *_ = xbar._prepare(x)
    want = [[exact_code(v, m, p) for v in row] for row, p in zip(x, full)]
    np.testing.assert_array_equal(np.tensordot(xbar.plan.plane_weights, planes, axes=1), want)
    np.testing.assert_array_equal(scale, full / m)


@pytest.mark.parametrize("per_output", [True, False])
@pytest.mark.parametrize("bits", [2, 4, 8, 16])
def test_half_way_weights_round_away_from_zero(bits, per_output):
    """w m / P exactly k + 1/2 gives k + 1 for weights too (the prober's 9 of 18 at 4 bits: 3.5 -> 4), at any
    magnitude of the weights (tiny and huge rows are brought near 1 by a power of two first)"""
    m = 2 ** (bits - 1) - 1
    w, full = tie_rows(m, 200, bits + 1, shared=not per_output)
    codes, scale = quantize_weights(w, bits, per_output)
    want = [[exact_code(v, m, p) for v in row] for row, p in zip(w, full)]
    np.testing.assert_array_equal(codes, want)
    np.testing.assert_array_equal(scale, full / m)
    for magnitude in (2.0 ** -1060, 2.0 ** -1000, 1.0, 2.0 ** 1000):
        assert quantize_weights(np.array([[9.0, 18.0, -9.0]]) * magnitude, 4, True)[0].tolist() == [[4, 7, -4]]


def test_quantize_rows_matches_twin_and_bounds_its_rounding():
    """random values and full scales: the kernel equals its twin (naive.round_ratio) bit for bit, and the exact rule
    wherever the exact quotient is not within 2**-50 below a half-way point (there it may only round away)"""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 33)) * np.ldexp(1.0, rng.integers(-30, 30, (200, 1)))
    full = np.abs(x).max(axis=1) * rng.uniform(0.5, 1.5, 200)
    # values one ulp either side of half-way points: the exact quotient sits just below or just above k + 1/2
    k = rng.integers(0, 7, 200)
    tie = (2 * k + 1) * full / 14
    x[:, 0], x[:, 1] = np.nextafter(tie, 0), np.nextafter(tie, np.inf)
    codes = np.empty(x.shape, dtype=np.int32)
    _input_kernels.quantize_rows(x, full, 7.0, codes)
    np.testing.assert_array_equal(codes, np.clip(naive.round_ratio(x, 7, full), -7, 7))
    for (b, i), got in np.ndenumerate(codes):
        want = exact_code(x[b, i], 7, full[b])
        if got != want:
            q = abs(Fraction(x[b, i]) * 7 / Fraction(full[b]))
            half = int(q) + Fraction(1, 2)
            assert abs(got) == abs(want) + 1 and q < half and (half - q) / half < Fraction(2) ** -50


def calibrated(vectors: int, calibration_vectors: int) -> dict:
    return {"preset": "ideal", "array": {"rows": 16, "cols": 64, "rows_per_read": 16},
            "adc": {"bits": 6, "range": "calibrated", "percentile": 100.0,
                    "calibration_vectors": calibration_vectors},
            "dac": {"input_range": "fixed", "input_max": 200.0},
            "workload": {"in_features": 16, "out_features": 4, "vectors": vectors}}


@pytest.mark.parametrize("calibration_vectors", [INPUT_BLOCK + 904, 2 * INPUT_BLOCK + 10, INPUT_BLOCK - 96])
def test_calibration_reads_its_vectors_across_input_blocks(calibration_vectors):
    """adc.calibration_vectors above one input block (4096 vectors) calibrates on that many vectors, as
    Crossbar.calibrate of the same rows does (vectors past the first block are 50x larger: a range from the first
    block alone is far smaller); the run still converts every vector once"""
    vectors = 2 * INPUT_BLOCK + 500
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(4, 16)), rng.normal(size=(vectors, 16))
    x[INPUT_BLOCK:] *= 50.0
    cfg = config_from_dict(calibrated(vectors, calibration_vectors))
    result = simulate(cfg, weights=w, inputs=x)
    xbar = Crossbar(cfg, 16, 4)
    xbar.program(w)
    want = xbar.calibrate(x[:calibration_vectors])
    np.testing.assert_array_equal(result.adc.lsb, want.lsb)
    if calibration_vectors > INPUT_BLOCK:  # the first block alone gives a far smaller range
        assert (want.lsb > 10 * xbar.calibrate(x[:INPUT_BLOCK]).lsb).all()
    few = simulate(config_from_dict(calibrated(vectors, 10)), weights=w, inputs=x)
    assert result.counts.adc_conversions == few.counts.adc_conversions  # every vector converted once


def test_calibration_beyond_the_workload_uses_every_vector():
    """more calibration vectors than the workload holds: all of them, once"""
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=(4, 16)), rng.normal(size=(INPUT_BLOCK + 10, 16))
    cfg = config_from_dict(calibrated(len(x), 3 * INPUT_BLOCK))
    xbar = Crossbar(cfg, 16, 4)
    xbar.program(w)
    np.testing.assert_array_equal(simulate(cfg, weights=w, inputs=x).adc.lsb, xbar.calibrate(x).lsb)


def digital(cols: int, family: str = "digital") -> dict:
    return {"preset": "ideal", "array": {"family": family, "rows": 16, "cols": cols, "rows_per_read": 16},
            "mapping": {"weight_bits": 2}, "device": {"bits_per_cell": 1},
            "workload": {"in_features": 16, "out_features": 2, "vectors": 20}}


def test_a_digital_array_narrower_than_cols_per_adc_runs():
    """a digital array has no ADC: adc.cols_per_adc (default 8) does not bound its 6 columns; it simulates exactly
    and prices without converters; an analog array of 6 columns is still refused"""
    cfg = config_from_dict(digital(6))
    assert cfg.adc.cols_per_adc > cfg.array.cols
    result = simulate(cfg)
    assert result.vs_digital.relative_error == 0.0 and result.counts.adc_conversions == 0
    assert np.isfinite(cimsim.estimate(cfg).cim.tops_per_w)
    with pytest.raises(ConfigError, match="adc.cols_per_adc"):
        config_from_dict(digital(6, "resistive"))
