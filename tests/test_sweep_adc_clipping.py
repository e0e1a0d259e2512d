"""adc_clipped_fraction as a functional sweep metric: the share of a point's ADC conversions that clipped (the
sweeps had recorded no trace of it, while run and compare warn where it exceeds what the range clips by design)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cimsim
from cimsim.errors import ConfigError
from cimsim.run import adc_clipped_fraction
from cimsim.sweep import available_metrics, expand, spec_from_dict
from cimsim.sweep.metrics import Task, evaluate

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def _outcomes(base: str, axes: dict, settings: dict):
    spec = spec_from_dict({"base": str(CONFIGS / base), "kind": "functional", "axes": axes, "set": settings,
                           "objectives": ["adc_clipped_fraction"]})
    points = expand(spec)
    outcomes = evaluate([Task(p.id, p.config, "functional", spec.objectives) for p in points])
    assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
    return points, [o.metrics["adc_clipped_fraction"] for o in outcomes]


def test_a_dense_sweep_records_the_share_of_conversions_clipped():
    assert "adc_clipped_fraction" in available_metrics("functional", "dense")
    assert "adc_clipped_fraction" not in available_metrics("analytic", "dense")
    settings = {"adc.range": "fixed", "workload.vectors": 16, "workload.in_features": 64, "workload.out_features": 8,
                "simulation.trials": 2}
    points, shares = _outcomes("default.toml", {"adc.full_scale_fraction": [0.002, 1.0]}, settings)
    for point, share in zip(points, shares):
        assert share == np.mean([adc_clipped_fraction(run) for run in cimsim.compare(point.config).runs])
    assert shares[0] > 0.05 and shares[1] == 0.0  # a 0.2 % full scale clips; the whole range never does


def test_a_network_sweep_records_its_layers_conversions_clipped():
    settings = {"adc.range": "fixed", "workload.vectors": 8}
    points, shares = _outcomes("digits-mlp.toml", {"adc.full_scale_fraction": [0.01, 1.0]}, settings)
    result = cimsim.simulate(points[0].config)
    clipped = sum(layer.adc_clipped for layer in result.layers)
    assert shares[0] == clipped / sum(layer.counts.adc_conversions for layer in result.layers) > 0
    assert shares[1] == 0.0


def test_an_analytic_sweep_refuses_it():
    with pytest.raises(ConfigError, match="adc_clipped_fraction"):
        spec_from_dict({"base": str(CONFIGS / "default.toml"), "kind": "analytic", "axes": {"adc.bits": [4]},
                        "objectives": ["adc_clipped_fraction"]})
