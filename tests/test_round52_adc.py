"""ADC resolution floor (cimsim.cost.adc, docs/adc.md): more bits, or a higher stated ENOB, never prices a converter
smaller or cheaper."""

from __future__ import annotations

import pytest

from cimsim.api import estimate
from cimsim.config.schema import TechnologyConfig
from cimsim.cost import adc, adc_survey, gates, sense_amp, technology

T32 = TechnologyConfig(node_nm=32.0, vdd_v=0.9)
T65 = TechnologyConfig(node_nm=65.0, vdd_v=1.1)


def _rates(bits: int, tech: TechnologyConfig, adc_type: str) -> list[float]:
    """the fastest rate of a ``bits``-bit converter and two slower ones, GS/s"""
    fastest = adc.adc_max_rate_gsps(bits, tech, adc_type=adc_type)
    return [fastest, fastest / 10, fastest / 1000]


@pytest.mark.parametrize("tech", [T32, T65])
@pytest.mark.parametrize("adc_type", adc.ADC_TYPES)
def test_more_bits_never_smaller_or_cheaper_at_the_same_rate(adc_type, tech):
    for bits in range(2, (adc_survey.FLASH_MAX_BITS if adc_type == "flash" else 16) + 1):
        for rate in _rates(bits, tech, adc_type):
            for law in (adc.adc_energy_pj, adc.adc_area_um2):
                assert law(bits, tech, rate, adc_type=adc_type) >= law(bits - 1, tech, rate, adc_type=adc_type)


def test_vco_is_floored_at_the_column_comparator():
    comparator = sense_amp.sense_amp_area_um2(T32)
    for bits in (2, 3, 4):  # the ring and counter alone: 13.0 / 17.6 / 22.2 um2 at 32 nm, below the comparator's 24.4
        assert adc.adc_area_um2(bits, T32, adc_type="vco") == pytest.approx(comparator)
    ring_and_counter = (5 * gates.NAND2_AREA_UM2 + 5 * gates.DFF_AREA_UM2) * technology.area_scale(28, 32)
    assert adc.adc_area_um2(5, T32, adc_type="vco") == pytest.approx(ring_and_counter)  # 26.8 um2: its own law


def test_vco_layer_area_does_not_fall_from_one_to_two_bits():
    areas = [estimate("configs/default.toml", settings).to_dict()["cim"]["area_um2"]["adc"]
             for settings in ({"adc.bits": 1}, {"adc.type": "vco", "adc.bits": 2})]  # 1 bit: every type's comparator
    assert areas[1] >= areas[0]  # was 3124 -> 1669 um2


def test_sar_area_never_falls_with_a_higher_stated_enob():
    lower, higher = (adc.adc_area_um2(7, T32, enob=e) for e in (6.78, 6.89))
    assert adc.adc_energy_pj(7, T32, enob=6.89) > adc.adc_energy_pj(7, T32, enob=6.78)
    assert higher >= lower  # was 5897 -> 5792 um2: past ENOB 6.806 the 9-bit SAR run short stops resolving as well
    for bits in (5, 7, 9, 11, 13):
        for rate in (0.001, 0.05):
            enobs = [0.1 * k for k in range(1, 10 * bits + 1)]
            energies = [adc.adc_energy_pj(bits, T32, rate, enob=e) for e in enobs]
            areas = [adc.adc_area_um2(bits, T32, rate, enob=e) for e in enobs]
            assert all(a <= b * (1 + 1e-12) for a, b in zip(energies, energies[1:]))
            assert all(a <= b * (1 + 1e-12) for a, b in zip(areas, areas[1:]))


@pytest.mark.parametrize("law", [adc.adc_energy_pj, adc.adc_area_um2])
def test_a_stated_enob_prices_more_bits_no_lower(law):
    assert law(6, T32, 0.01, enob=5.0) >= law(5, T32, 0.01, enob=5.0)  # energy was 0.9145 < 0.9363 pJ
    for bits in range(3, 17):
        for enob in (bits - 1.5, bits - 1.0, bits - 0.5):
            assert law(bits, T32, 0.001, enob=enob) >= law(bits - 1, T32, 0.001, enob=min(enob, bits - 1))


def test_built_for_more_bits_stays_monotonic():
    for built in (6, 8, 12):
        for rate in (0.001, 0.05):
            energies = [adc.adc_energy_pj(b, T32, rate, built_bits=built) for b in range(1, built + 1)]
            areas = [adc.adc_area_um2(b, T32, rate, built_bits=built) for b in range(1, built + 1)]
            assert all(a <= b for a, b in zip(energies, energies[1:]))
            assert all(a <= b for a, b in zip(areas, areas[1:]))
