"""A 1-bit converter is NeuroSim's CIM column comparator (cimsim.cost.sense_amp), whatever the ADC type:
closed-form checks of the MultilevelSenseAmp law written out from its source, its node and supply scaling, and the
cost path of a 1-bit configuration."""

from __future__ import annotations

import pytest

from cimsim.analytic import analytic_counts
from cimsim.config.load import with_overrides
from cimsim.config.schema import Config, TechnologyConfig
from cimsim.cost import adc, cim_breakdown, sense_amp, technology
from cimsim.mapping import plan_layer

T32 = TechnologyConfig(node_nm=32.0, vdd_v=0.9)
T28 = TechnologyConfig(node_nm=28.0, vdd_v=0.9)
T65 = TechnologyConfig(node_nm=65.0, vdd_v=1.1)

# NeuroSim V1.3 @ 388f421, Inference_pytorch/NeuroSIM/, written out
MIN_NMOS_F = 2.0  # constant.h MIN_NMOS_SIZE
PN_SIZE_RATIO_32NM_HP = 1.41e3 / 1.22e3  # Technology.cpp 32 nm HP: currentOnNmos[0] / currentOnPmos[0]
CELL_HEIGHT_F = 28.0  # constant.h MAX_TRANSISTOR_HEIGHT
UNFOLDED_WIDTH_F = 2 * (1.0 + 2.8)  # formula.cpp CalculateGateArea: 2 (POLY_WIDTH + MIN_GAP_BET_GATE_POLY)
MAX_WIDTH_F = CELL_HEIGHT_F - 2 * (1.0 + 1.6 / 2)  # CalculateGateArea, one type: MIN_POLY_EXT_DIFF, GAP_BET_FIELD_POLY
VOLTAGE_MODE_UW = {130: 27.84, 90: 22.2, 65: 13.058, 45: 8.162, 32: 4.76, 22: 2.373}  # GetColumnPower, HP, per level
HP_VDD_V = {130: 1.3, 90: 1.2, 65: 1.1, 45: 1.0, 32: 0.9, 22: 0.85}  # Technology.cpp, HP


def test_the_law_is_neurosim_multilevel_sense_amp_written_out():
    # CalculateArea, voltage mode: ((hNmos*wNmos)*52 + (hPmos*wPmos)*60) * (levelOutput-1), levelOutput = 2
    assert MIN_NMOS_F * PN_SIZE_RATIO_32NM_HP <= MAX_WIDTH_F  # neither the NMOS nor the PMOS folds
    assert sense_amp.SENSE_AMP_AREA_F2 == pytest.approx((52 + 60) * UNFOLDED_WIDTH_F * CELL_HEIGHT_F)  # 23833.6 F2
    assert sense_amp.SENSE_AMP_AREA_F2 == pytest.approx(23833.6)
    assert sense_amp.SENSE_AMP_AREA_UM2_32NM == pytest.approx(23833.6 * 0.032 ** 2)  # 24.41 um2
    # CalculatePower, voltage mode: P_Col * 1e-9, P_Col = 4.76e-6 * (levelOutput-1) W at 32 nm HP, in pJ
    assert sense_amp.SENSE_AMP_ENERGY_PJ_32NM == pytest.approx(4.76e-6 * 1e-9 * 1e12)
    assert (sense_amp.SENSE_AMP_NODE_NM, sense_amp.SENSE_AMP_VDD_V) == (32.0, HP_VDD_V[32])


@pytest.mark.parametrize("adc_type", adc.ADC_TYPES)
def test_a_one_bit_converter_of_every_type_is_one_column_comparator(adc_type):
    # before: CACTI's memory-read latch, 1276.8 F2 and 0.641 fJ at 32 nm; the CIM comparator is 18.7x and 7.4x that
    for tech in (T32, T28, T65):
        assert adc.adc_area_um2(1, tech, adc_type=adc_type) == pytest.approx(sense_amp.sense_amp_area_um2(tech))
        assert adc.adc_energy_pj(1, tech, adc_type=adc_type) == pytest.approx(sense_amp.sense_amp_energy_pj(tech))
        assert adc.adc_conversion_ns(1, tech, adc_type=adc_type) == pytest.approx(adc.adc_conversion_ns(
            1, tech, adc_type="flash"))  # one decision in one bit-cycle
    assert adc.adc_area_um2(1, T32, adc_type=adc_type) == pytest.approx(24.4056064)
    assert adc.adc_energy_pj(1, T32, adc_type=adc_type) == pytest.approx(4.76e-3)
    assert adc.adc_conversion_ns(1, T32, adc_type=adc_type) == pytest.approx(1 / 9.6)  # t_bit = 0.1042 ns, not 1 ns
    assert adc.adc_comparisons_per_conversion(1, adc_type=adc_type) == 1
    assert adc.adc_cycles_per_conversion(1, adc_type=adc_type) == 1
    # a 2-bit flash (3 survey comparators, 868 um2 and 84 fJ at 28 nm) is 44x the area and 22x the energy
    assert adc.adc_area_um2(1, T28, adc_type=adc_type) < 0.03 * adc.adc_area_um2(2, T28, adc_type="flash")
    assert adc.adc_energy_pj(1, T28, adc_type=adc_type) < 0.05 * adc.adc_energy_pj(2, T28, adc_type="flash")


def test_scaling_against_neurosim_own_nodes():
    # NeuroSim's own voltage-mode fits at each HP node and supply (uW x 1 ns = fJ) against cimsim's scaling of 32 nm
    ratios = {node: sense_amp.sense_amp_energy_pj(TechnologyConfig(node_nm=float(node), vdd_v=HP_VDD_V[node])) * 1e3
              / VOLTAGE_MODE_UW[node] for node in VOLTAGE_MODE_UW}
    assert ratios[32] == pytest.approx(1.0)
    assert all(0.9 < ratios[node] < 1.11 for node in (22, 45))
    assert ratios[65] == pytest.approx(1.261, abs=0.005)  # cimsim above NeuroSim's fit at 65 nm (docs/adc.md)
    assert sense_amp.sense_amp_energy_pj(T28) == pytest.approx(3.768e-3, rel=1e-3)
    assert sense_amp.sense_amp_energy_pj(TechnologyConfig(node_nm=65.0, vdd_v=0.55)) == pytest.approx(
        sense_amp.sense_amp_energy_pj(T65) / 4)  # C V**2 in the supply
    assert sense_amp.sense_amp_area_um2(T65) == pytest.approx(24.4056064 * technology.area_scale(32, 65))


def test_a_one_bit_configuration_prices_its_comparators():
    cfg = with_overrides(Config(), {"adc.bits": 1})
    plan = plan_layer(cfg)
    counts = analytic_counts(plan, 10)
    b = cim_breakdown(cfg, plan, counts)
    adcs = b.area_um2["adc"] / sense_amp.sense_amp_area_um2(cfg.technology)
    assert adcs == pytest.approx(round(adcs)) and adcs >= plan.adcs_per_array
    assert b.energy_pj["adc"] == pytest.approx(counts.adc_conversions * sense_amp.sense_amp_energy_pj(cfg.technology))


def test_a_converter_built_for_more_bits_keeps_its_own_law_at_one_bit():
    # a reconfigurable SAR run at 1 bit is still the built converter (one of its bit-cycles), not a comparator
    assert adc.adc_area_um2(1, T65, 0.1, built_bits=5) == pytest.approx(adc.adc_area_um2(5, T65, 0.1 / 5))
    assert adc.adc_energy_pj(1, T65, 0.1, built_bits=5) == pytest.approx(adc.adc_energy_pj(5, T65, 0.1 / 5) / 5)
    assert adc.adc_area_um2(1, T65, 0.1, built_bits=5) > 10 * sense_amp.sense_amp_area_um2(T65)
