"""A layer with fewer outputs than an array holds is spread over all the array's ADCs (conversions_per_adc), not
packed on adjacent columns that share a few ADCs; the validation harness's N_ADC outputs a read thus take one
output's columns per ADC (finding F1 of the p_chips2 probe: Conv-RAM's 16 outputs on 16 ADCs had one ADC
converting 16 times, 497 ns a vector against the stated 150 ns)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import cimsim
from cimsim.cost import cim_parameters, cim_timing
from cimsim.cost.parameters import conversions_per_adc
from cimsim.mapping import plan_layer
from cimsim.validation.macro_configs import point_config
from cimsim.validation.macro_data import Unusable, load_macros

DEFAULT = Path(__file__).resolve().parents[1] / "configs" / "default.toml"
FAST_READS = {"device.read_pulse_ns": 0.1}  # 0.1 ns reads: the conversions set the round


@pytest.mark.parametrize(("outputs", "conversions"), [(1, 1), (4, 1), (5, 2), (32, 8), (40, 8)])
def test_a_partial_array_spreads_its_outputs_over_the_adcs(outputs, conversions):
    """default.toml: 32 outputs of 4 converted columns an array, 16 ADCs of 8 columns. 4 outputs (16 columns) take
    one conversion per ADC (8 on adjacent columns before); 5 take 2; a full first column tile (32 or 40 outputs)
    its whole share of 8."""
    config = cimsim.as_config(DEFAULT, {**FAST_READS, "workload.out_features": outputs})
    plan = plan_layer(config)
    assert (plan.outputs_per_array, plan.converted_cols_per_output, plan.adcs_per_array) == (32, 4, 16)
    assert conversions_per_adc(plan) == conversions
    params = cim_parameters(config, plan)
    timing = cim_timing(plan, params)
    convert_ns = conversions * params.adc_conversion_ns
    assert convert_ns > params.read_ns  # conversion-bound: the spread sets the time
    assert timing.vector_ns == pytest.approx(plan.reads_per_vector * convert_ns)


def test_simulated_and_estimated_latency_agree_on_a_spread_layer():
    """the functional simulation and the analytic estimate price the same spread conversions (4 outputs: 1 per ADC
    a round, 8 before)"""
    settings = {**FAST_READS, "workload.out_features": 4, "workload.vectors": 8, "adc.calibration_vectors": 8}
    simulated = cimsim.simulate(DEFAULT, settings).cost
    estimated = cimsim.estimate(DEFAULT, settings).cim
    assert simulated.compute_ns == pytest.approx(estimated.compute_ns, rel=1e-12)
    assert simulated.latency_ns == pytest.approx(estimated.latency_ns, rel=1e-12)
    config = cimsim.as_config(DEFAULT, settings)
    plan = plan_layer(config)
    params = cim_parameters(config, plan)
    assert cim_timing(plan, params).vector_ns == pytest.approx(plan.reads_per_vector * params.adc_conversion_ns)


def _one_output_per_adc_points():
    """(macro key, point label, plan) of every usable shipped point whose workload has no more outputs than ADCs"""
    found = []
    for macro in load_macros(None):
        for point in macro.points:
            try:
                config = point_config(macro.key, point.index)[0]
            except Unusable:
                continue
            plan = plan_layer(config)
            if plan.has_adc and plan.out_features <= plan.adcs_per_array:
                found.append((macro.key, point.label, plan))
    return found


def test_the_harness_prices_one_output_per_stated_adc():
    """a point served N_ADC outputs (or fewer) has each ADC convert at most one output's columns, plus the reference
    column where the encoding converts one (it adds a column some ADC takes); spetalnick-vlsi2023's 16 outputs on
    16 ADCs of 16 columns had one ADC converting all 16"""
    points = _one_output_per_adc_points()
    assert {"spetalnick-vlsi2023-rram", "xue-isscc2020-rram", "hung-isscc2022-rram"} <= {k for k, _, _ in points}
    for key, label, plan in points:
        refs = plan.converted_cols(plan.out_features) - plan.out_features * plan.converted_cols_per_output
        assert conversions_per_adc(plan) <= plan.converted_cols_per_output + (refs > 0), (key, label)
        assert conversions_per_adc(plan) == math.ceil(plan.converted_cols(plan.out_features) / plan.adcs_per_array)

