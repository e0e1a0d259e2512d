"""Analog non-idealities in combination: stuck cells under program-and-verify, cell-path read noise on charge
arrays, global drift compensation with IR drop."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cimsim.config import config_from_dict
from cimsim.config.schema import DeviceConfig
from cimsim.numerics import Crossbar
from cimsim.numerics.devices import program_cells

MAX_LEVEL = 127  # a 7-bit cell: targets spread over the range, most far from g_max


def _stuck_run(rate: float, sigma: float = 0.03):
    """program 20 000 cells with verify (tolerance 0.02, at most 20 writes), ``rate`` of them stuck at g_max"""
    device = dataclasses.replace(DeviceConfig(), program_sigma=sigma, program_verify_tolerance=0.02,
                                 program_verify_max_writes=20, stuck_at_gmax_rate=rate)
    target = np.random.default_rng(0).integers(0, MAX_LEVEL + 1, 20_000)
    return target, program_cells(target, 0.0, MAX_LEVEL, device, np.random.default_rng(1))


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_a_cell_stuck_away_from_its_target_spends_every_verify_write(rate):
    target, cells = _stuck_run(rate)
    held = target + cells.deviation
    stuck_far = (held == MAX_LEVEL) & (MAX_LEVEL - target > 0.02 * MAX_LEVEL)  # stuck at g_max, never verifies
    assert stuck_far.mean() > rate / 2
    free_target, free = _stuck_run(0.0)
    per_free_cell = free.writes / free_target.size  # the verify loop's writes per cell that can verify
    expected = stuck_far.sum() * 20 + (target.size - stuck_far.sum()) * per_free_cell
    assert cells.writes == pytest.approx(expected, rel=0.02)


def test_a_cell_stuck_within_tolerance_of_its_target_verifies_at_once():
    device = dataclasses.replace(DeviceConfig(), program_verify_tolerance=0.02, program_verify_max_writes=20,
                                 stuck_at_gmin_rate=0.3, stuck_at_gmax_rate=0.3)
    target = np.full(10_000, MAX_LEVEL)  # no programming error: only the cells stuck at g_min miss
    cells = program_cells(target, 0.0, MAX_LEVEL, device, np.random.default_rng(2))
    low = int((target + cells.deviation == 0).sum())
    assert 0 < low < target.size
    assert cells.writes == low * 20 + (target.size - low)


def _noise_config(family: str, sigma: float, path: str = "output"):
    return config_from_dict({
        "array": {"rows": 32, "cols": 32, "rows_per_read": 32, "family": family},
        "device": {"g_max_us": 10.0, "g_min_us": 0.0, "bits_per_cell": 1, "read_noise_sigma": sigma,
                   "read_noise_path": path},
        "mapping": {"weight_bits": 4}, "dac": {"mode": "parallel", "input_bits": 4},
        "adc": {"bits": 8, "range": "calibrated", "percentile": 100.0},
        "workload": {"in_features": 32, "out_features": 8}, "simulation": {"seed": 0}})


@pytest.mark.parametrize("family", ["resistive", "charge"])
def test_calibration_sees_the_cell_path_read_noise(family):
    rng = np.random.default_rng(1)
    w = rng.uniform(-1, 1, (8, 32))
    x = rng.uniform(-1, 1, (2000, 32)) * 0.05  # small sums: the read noise sets the largest |sum|
    x[:, 0] = 1.0
    full = {}
    for name, sigma, path in (("quiet", 0.0, "output"), ("output", 0.2, "output"), ("cell", 0.2, "cell")):
        xbar = Crossbar(_noise_config(family, sigma, path))
        xbar.program(w)
        full[name] = float(xbar.calibrate(x).full_scale.max())
    assert full["output"] > 1.5 * full["quiet"]
    assert full["cell"] == pytest.approx(full["output"], rel=0.25)  # the same noise, drawn cell by cell


def _drift_output(nu: float, compensation: str, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    config = config_from_dict({
        "array": {"rows": 64, "cols": 64, "rows_per_read": 64, "wire_resistance_ohm": 5.0},
        "device": {"g_max_us": 100.0, "g_min_us": 100 / 17, "bits_per_cell": 2, "drift_nu": nu,
                   "drift_time_s": 3600.0, "drift_compensation": compensation},
        "mapping": {"weight_bits": 6}, "dac": {"mode": "parallel", "input_bits": 6},
        "adc": {"bits": 16, "range": "max"}, "workload": {"in_features": 64, "out_features": 16},
        "simulation": {"seed": 0}})
    xbar = Crossbar(config)
    xbar.program(w)
    return xbar.mvm(x)


def test_global_drift_compensation_measures_through_the_wires():
    rng = np.random.default_rng(2)
    w, x = rng.uniform(-1, 1, (16, 64)), rng.uniform(-1, 1, (100, 64))
    undrifted = _drift_output(0.0, "none", x, w)

    def gain(out: np.ndarray) -> float:  # least-squares scale of ``out`` against the undrifted outputs
        return float((out * undrifted).sum() / (undrifted * undrifted).sum())

    assert gain(_drift_output(0.05, "none", x, w)) < 0.9  # the drift is visible (IR drop at 5 ohm, 100 uS: strong)
    assert gain(_drift_output(0.05, "global", x, w)) == pytest.approx(1.0, abs=0.01)  # 1.0064 (wiring order)
