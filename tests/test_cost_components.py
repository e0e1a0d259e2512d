"""Component cost models: published figures reproduced, scaling laws, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cimsim.config.schema import TechnologyConfig
from cimsim.cost import adc, cells, periphery, technology

T32 = TechnologyConfig(node_nm=32.0, vdd_v=0.9)
T28 = TechnologyConfig(node_nm=28.0, vdd_v=0.9)


# ---- ADC (laws by type: tests/test_adc_models.py) ---------------------------------------------------
def _plugin_energy_pj(enob: int, rate_hz: float, node_nm: float) -> float:
    """Accelergy ADC plug-in (commit 6851cb8, model.py get_energy, adc_data/model.yaml) at an integer ENOB"""
    foms_db = min(213.7806687348118 - 2.8719030399529957 * math.log(rate_hz),
                  128.3068287398817 + 3.2205115109775 * enob)
    sndr_db = enob * 20 * math.log10(2) + 10 * math.log10(1.5)
    return (1 / (2 * 10 ** ((foms_db - sndr_db) / 10))
            * math.exp(26.0496215686518 + 1.8800369206815004 * math.log(node_nm)
                       - 2.8291256050594527 * math.log(enob) - 1.4702022133784405))


def test_sar_adc_is_the_accelergy_survey_regression_at_32nm():
    # the plug-in's own figures (docs/references.md): ~1.85 pJ for 8 bits at 32 nm, 1.2 GS/s
    assert _plugin_energy_pj(8, 1.2e9, 32) == pytest.approx(1.85, rel=0.01)
    for bits, enob, rate in [(6, 6, 0.1), (8, 8, 1.2), (12, 10, 0.05), (14, 12, 0.01)]:  # ENOB no larger SAR reaches
        assert adc.adc_energy_pj(bits, T32, rate, enob=enob) == pytest.approx(_plugin_energy_pj(enob, rate * 1e9, 32))


def test_isaac_adc_is_an_independent_check_not_an_anchor():
    # ISAAC (ISCA 2016): 8 bits, 1.28 GS/s, 1.5625 pJ, 0.78 ns, 1200 um2 at 32 nm; nothing is fitted to it
    assert adc.adc_max_rate_gsps(8, T32) == pytest.approx(1.2)  # survey SAR frontier: 8 x 0.1042 ns
    assert adc.adc_conversion_ns(8, T32) == pytest.approx(8 / 9.6)
    assert 0.5 < adc.adc_energy_pj(8, T32) / adc.ISAAC_ADC_ENERGY_PJ < 2.0
    assert 1.0 < adc.adc_area_um2(8, T32) / adc.ISAAC_ADC_AREA_UM2 < 10.0  # the area regression is not a frontier
    with pytest.raises(ValueError, match="ADC rate"):
        adc.adc_energy_pj(8, T32, adc.ISAAC_ADC_RATE_GSPS)  # 1.28 GS/s is beyond the modelled 1.2 GS/s


def test_adc_energy_grows_with_bits_by_the_survey_law():
    energies = [adc.adc_energy_pj(b, T32, 0.01) for b in range(1, 17)]
    assert all(a <= b for a, b in zip(energies, energies[1:]))
    # 1 to 4 bits (ENOB <= 4.39, below the survey's data): the flash bound, 2**B - 1 comparator decisions
    flash = [adc.adc_energy_pj(b, T32, 0.01, adc_type="flash") for b in range(1, 5)]
    assert energies[:4] == pytest.approx(flash) and energies[4] < adc.adc_energy_pj(5, T32, 0.01, adc_type="flash")
    assert adc.adc_energy_pj(8, T32, 0.01) / adc.adc_energy_pj(6, T32, 0.01) < 1.5  # not 2**(8-6) = 4
    assert adc.adc_conversion_ns(4, T32) == pytest.approx(adc.adc_conversion_ns(8, T32) / 2)


def test_adc_scales_with_node_as_technology_says():
    t22, t65 = TechnologyConfig(node_nm=22.0, vdd_v=0.8), TechnologyConfig(node_nm=65.0, vdd_v=1.1)
    assert adc.adc_energy_pj(8, t22, 0.1) < adc.adc_energy_pj(8, T32, 0.1) < adc.adc_energy_pj(8, t65, 0.1)
    assert adc.adc_energy_pj(8, t22, 0.1) / adc.adc_energy_pj(8, T32, 0.1) == pytest.approx(
        technology.energy_scale(32, 0.9, 22, 0.8))
    # a converter at its fastest is the same design at every node: its area scales as the node's area
    assert adc.adc_area_um2(8, t22) / adc.adc_area_um2(8, T32) == pytest.approx(technology.area_scale(32, 22))
    assert adc.adc_conversion_ns(8, t65) > adc.adc_conversion_ns(8, T32)


def test_numpy_integers_are_accepted():
    assert adc.adc_energy_pj(np.int64(8), T32) == pytest.approx(adc.adc_energy_pj(8, T32))
    assert periphery.dac_energy_pj(np.int32(4), T28) == pytest.approx(periphery.dac_energy_pj(4, T28))


@pytest.mark.parametrize("bits", [0, 17, 8.0, True, "8"])
def test_adc_rejects_bad_resolution(bits):
    with pytest.raises(ValueError, match="ADC resolution"):
        adc.adc_energy_pj(bits, T32)


# ---- DAC, lines, sample-and-hold, shift-add, accumulators, bus --------------------------------------
def test_line_capacitance_and_charge_by_hand():
    # 256 cells of a 12F-wide 1T1R cell at 32 nm: 0.2 fF/um * 256 * 0.384 um = 19.6608 fF
    cap = periphery.line_capacitance_ff(256, 12 * 0.032)
    assert cap == pytest.approx(19.6608)
    assert periphery.line_charge_energy_pj(cap, 0.2) == pytest.approx(19.6608 * 0.04 * 1e-3)
    with pytest.raises(ValueError):
        periphery.line_capacitance_ff(0, 0.1)
    with pytest.raises(ValueError):
        periphery.line_capacitance_ff(8, -1.0)
    with pytest.raises(ValueError):
        periphery.line_charge_energy_pj(-1.0, 0.2)


def test_dac_energy_zigzag_form_at_28nm():
    assert periphery.dac_energy_pj(1, T28) == 0.0  # a 1-bit DAC is the row driver: its line charge only
    assert periphery.dac_energy_pj(4, T28) == pytest.approx(50e-3 * 4 * 0.81)  # k0 B VDD**2, pJ
    assert periphery.dac_energy_pj(8, T28) == pytest.approx(2 * periphery.dac_energy_pj(4, T28))
    with pytest.raises(ValueError):
        periphery.dac_energy_pj(0, T28)


def test_driver_chain_is_the_geometric_sum_of_its_fanout_4_stages():
    """stages C_in, 4 C_in, ..., C_L / 4 each switch their input and an equal diffusion capacitance: with C_L = 4**n
    C_in the chain switches 2 (C_in + ... + C_L / 4) = 2 (C_L - C_in) / 3 at V_DD; the last stage's diffusion swings
    the line's voltage (it drives the line from the line's rail)"""
    c_in = 0.7  # NAND2 input at 28 nm, fF
    for n in (1, 3, 5):
        stages = [c_in * 4 ** i for i in range(n)]
        expected_pj = 2 * sum(stages) * 0.9 ** 2 * 1e-3
        assert periphery.driver_chain_energy_pj(c_in * 4 ** n, 0.9, T28) == pytest.approx(expected_pj)
        low_line_pj = ((2 * sum(stages) - stages[-1]) * 0.9 ** 2 + stages[-1] * 0.2 ** 2) * 1e-3
        assert periphery.driver_chain_energy_pj(c_in * 4 ** n, 0.2, T28) == pytest.approx(low_line_pj)
    assert periphery.driver_chain_energy_pj(c_in, 0.9, T28) == 0.0  # a gate drives its own load
    low = TechnologyConfig(node_nm=28.0, vdd_v=0.6)
    assert (periphery.driver_chain_energy_pj(100.0, 0.6, low) / periphery.driver_chain_energy_pj(100.0, 0.9, T28)
            == pytest.approx((0.6 / 0.9) ** 2))
    with pytest.raises(ValueError):
        periphery.driver_chain_energy_pj(-1.0, 0.9, T28)
    with pytest.raises(ValueError):
        periphery.driver_chain_energy_pj(1.0, float("nan"), T28)


def test_isaac_periphery_figures_reproduced_at_32nm():
    assert 8 * 128 * periphery.dac_area_um2(1, T32) == pytest.approx(170.0)  # 0.00017 mm2
    assert periphery.dac_area_um2(3, T32) == pytest.approx(4 * periphery.dac_area_um2(1, T32))
    # 10 uW for 1024 S&H, each sampling once per 100 ns read
    assert periphery.sample_hold_energy_pj(T32) * 1024 / 100e-9 * 1e-12 == pytest.approx(10e-6)
    assert 1024 * periphery.sample_hold_area_um2(T32) == pytest.approx(40.0)
    # 0.2 mW for shift-adds fed by 8 ADCs at 1.28 GS/s; ~0.02 pJ per op (docs/references.md)
    assert periphery.shift_add_energy_pj(T32) * 8 * 1.28e9 * 1e-12 == pytest.approx(0.2e-3)
    assert periphery.shift_add_energy_pj(T32) == pytest.approx(0.02, rel=0.03)
    assert 4 * periphery.shift_add_area_um2(T32) == pytest.approx(240.0)
    # bus: 7 mW over 384 wires at 1.2 GHz
    assert periphery.interconnect_energy_pj_per_bit_hop(T32) * 384 * 1.2e9 * 1e-12 == pytest.approx(7e-3)
    assert periphery.bus_area_um2(T32) == pytest.approx(0.090e6)


def test_accumulator_matches_zigzag_gates_at_28nm():
    # full adder 3.4 fJ + flip-flop 1.7 fJ per bit (docs/references.md, ZigZag-IMC 28 nm 0.9 V)
    assert periphery.accumulator_add_energy_pj(1, T28) == pytest.approx(3.402e-3 + 1.701e-3)
    assert periphery.accumulator_add_energy_pj(24, T28) == pytest.approx(24 * 5.103e-3)
    assert periphery.accumulator_area_um2(1, T28) == pytest.approx(0.614 * (3 + 2 * 2.4 + 6))
    with pytest.raises(ValueError):
        periphery.accumulator_add_energy_pj(0, T28)


def test_periphery_energy_scales_down_with_node():
    t22 = TechnologyConfig(node_nm=22.0, vdd_v=0.8)
    for f in (periphery.sample_hold_energy_pj, periphery.shift_add_energy_pj,
              periphery.interconnect_energy_pj_per_bit_hop):
        assert f(t22) < f(T32)
    assert periphery.dac_energy_pj(4, t22) < periphery.dac_energy_pj(4, T32)


# ---- cells ---------------------------------------------------------------------------------------
def test_cell_families_and_geometry():
    rram, known = cells.cell_family("RRAM-HfO2")
    assert known and rram.name == "rram"
    assert cells.cell_area_um2(rram, 32.0) == pytest.approx(48 * 0.032 ** 2)  # 4F x 12F (NeuroSim 1T1R)
    assert cells.cell_pitch_um(rram, 32.0) == pytest.approx((12 * 0.032, 4 * 0.032))
    sram, _ = cells.cell_family("sram")
    assert cells.cell_area_um2(sram, 28.0) == pytest.approx(280 * 0.028 ** 2)  # 10F x 28F (NeuroSim SRAM)
    assert cells.cell_family("PCM")[0].name == "pcm"
    assert cells.cell_family("stt-mram")[0].name == "mram"
    fallback, known = cells.cell_family("fefet")
    assert fallback.name == "rram" and not known
    # the first word naming a family, not a prefix: 'PCMO' (an RRAM oxide) had been priced as PCM, '1T1R RRAM' not
    # read (a chips probe)
    names = ("1T1R RRAM", "SOTB-RRAM", "pcm_gst", "STT", "RRAM, two-phase read", "PCM(GST)", "pcm1", "MRAM+Par",
             "phase-change memory", "sttmram")  # (a comma had stuck to its word, 'phase' named PCM: a review)
    assert [cells.cell_family(name)[0].name for name in names] == [
        "rram", "rram", "pcm", "mram", "rram", "pcm", "pcm", "mram", "pcm", "mram"]
    assert cells.cell_family("PCMO") == (cells.CELL_FAMILIES["rram"], False)


def test_write_figures_inside_published_ranges():
    fam = cells.CELL_FAMILIES
    assert 0.1 <= fam["rram"].write_energy_pj <= 3.0 and fam["rram"].write_ns == 10.0
    assert 2.0 <= fam["pcm"].write_energy_pj <= 25.0 and 50.0 <= fam["pcm"].write_ns <= 500.0
    assert fam["rram"].write_energy_pj == pytest.approx(math.sqrt(0.3))
    assert fam["sram"].write_energy_pj < fam["rram"].write_energy_pj < fam["pcm"].write_energy_pj


def test_cells_reject_bad_input():
    with pytest.raises(ValueError):
        cells.cell_family(3)
    with pytest.raises(ValueError):
        cells.cell_area_um2(cells.CELL_FAMILIES["rram"], 0.0)
