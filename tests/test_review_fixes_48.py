"""Crossbar.calibrate applies to adc.range = "calibrated" only: on "max" or "fixed" it had silently replaced the
full scales those ranges set when programmed (default.toml: 97536 -> 5836 units) and changed every output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.config import with_overrides
from cimsim.config.load import load_config
from cimsim.numerics import Crossbar, build_crossbar

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
MLP = DEFAULT.with_name("digits-mlp.toml")
SMALL = {"workload.in_features": 48, "workload.out_features": 12}


def _programmed(settings: dict, crossbar=Crossbar):
    config = with_overrides(load_config(DEFAULT), {**SMALL, **settings})
    rng = np.random.default_rng(0)
    xbar = crossbar(config)
    xbar.program(rng.uniform(-1, 1, (12, 48)))
    return xbar, rng.uniform(-1, 1, (20, 48))


@pytest.mark.parametrize("adc_range", ["max", "fixed"])
def test_calibrate_refuses_a_range_it_does_not_set_and_changes_nothing(adc_range):
    xbar, x = _programmed({"adc.range": adc_range})
    full_scale, before = np.array(xbar.adc.full_scale), xbar.mvm(x)
    with pytest.raises(ValueError, match=rf"calibrate applies to adc.range = 'calibrated' only; adc.range is "
                                         rf"'{adc_range}'"):
        xbar.calibrate(x)
    assert np.array_equal(xbar.adc.full_scale, full_scale) and np.array_equal(xbar.mvm(x), before)
    copies, _ = _programmed({"adc.range": adc_range, "mapping.replication": 2}, build_crossbar)
    with pytest.raises(ValueError, match="adc.range is"):  # replicated copies refuse alike
        copies.calibrate(x)


def test_calibrate_sets_a_calibrated_range_and_runs_of_every_range_still_work():
    xbar, x = _programmed({})
    assert xbar.adc is None
    xbar.calibrate(x)
    assert xbar.adc is not None and np.isfinite(xbar.mvm(x)).all()
    for adc_range in ("max", "fixed", "calibrated"):  # runs call calibrate for "calibrated" only
        sim = cimsim.simulate(DEFAULT, {**SMALL, "workload.vectors": 8, "adc.range": adc_range})
        assert np.isfinite(sim.vs_float.relative_error)
        net = cimsim.simulate(MLP, {"workload.vectors": 16, "adc.range": adc_range})  # a network's crossbars too
        assert 0.5 < net.analog_accuracy <= 1.0
