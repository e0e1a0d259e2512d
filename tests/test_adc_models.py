"""ADC laws by type (cimsim.cost.adc): closed-form checks of each law, scaling, and bad input."""

from __future__ import annotations

import math

import pytest

from cimsim.analytic import analytic_counts
from cimsim.config.load import with_overrides
from cimsim.config.schema import Config, TechnologyConfig
from cimsim.cost import adc, adc_survey, cim_breakdown, technology
from cimsim.mapping import plan_layer

T32 = TechnologyConfig(node_nm=32.0, vdd_v=0.9)
T28 = TechnologyConfig(node_nm=28.0, vdd_v=0.9)
T22 = TechnologyConfig(node_nm=22.0, vdd_v=0.8)
T65 = TechnologyConfig(node_nm=65.0, vdd_v=1.1)
SLOW_GSPS = 0.001  # below every type's fastest rate up to 8 bits at 28-65 nm


def _survey_pj(enob: float, rate_gsps: float) -> float:
    """The survey regression written out (Accelergy ADC plug-in model.yaml, at 32 nm), floor included"""
    e = max(enob, 4.387981600432247)
    foms = min(213.7806687348118 - 2.8719030399529957 * math.log(rate_gsps * 1e9),
               128.3068287398817 + 3.22051151097755 * e)
    sndr = 6.020599913279624 * e + 1.7609125905568124
    return (1 / (2 * 10 ** ((foms - sndr) / 10))
            * math.exp(26.0496215686518 + 1.8800369206815004 * math.log(32) - 2.8291256050594527 * math.log(e)
                       - 1.4702022133784405))


# ---- types and counts -----------------------------------------------------------------------------------
def test_types_and_default():
    assert adc.ADC_TYPES == ("sar", "flash", "ramp", "vco")
    assert adc.adc_energy_pj(8, T32) == adc.adc_energy_pj(8, T32, adc_type="sar")


@pytest.mark.parametrize("bits", [1, 4, 8, 12])
def test_comparisons_and_cycles_per_conversion(bits):
    one = bits == 1  # one column-comparator decision in one cycle, whatever the type (cimsim.cost.sense_amp)
    assert adc.adc_comparisons_per_conversion(bits, adc_type="flash") == 2 ** bits - 1
    assert adc.adc_comparisons_per_conversion(bits, adc_type="sar") == bits
    assert adc.adc_comparisons_per_conversion(bits, adc_type="ramp") == (1 if one else 2 ** bits)
    assert adc.adc_comparisons_per_conversion(bits, adc_type="vco") == (1 if one else 0)
    assert adc.adc_cycles_per_conversion(bits, adc_type="ramp") == (1 if one else 2 ** bits)
    assert adc.adc_cycles_per_conversion(bits, adc_type="vco") == (1 if one else 2 ** bits)
    assert adc.adc_cycles_per_conversion(bits, adc_type="flash") == 1
    assert adc.adc_cycles_per_conversion(bits, adc_type="sar") == bits


def test_default_enob_is_bits_minus_survey_loss():
    """the survey's Theil-Sen line of nominal bits - ENOB (docs/adc.md): every nominal bit adds the same ENOB,
    1 - 0.1736 (the band medians before had stepped 1.0 bits from 10 to 11 and 0.07 from 11 to 12)"""
    assert adc.adc_default_enob(4) == pytest.approx(4 - 0.5113, abs=1e-4)
    assert adc.adc_default_enob(8) == pytest.approx(8 - 1.2057, abs=1e-4)
    assert adc.adc_default_enob(14) == pytest.approx(14 - 2.2472, abs=1e-4)
    assert adc.adc_default_enob(1) == 1.0  # the line's loss below 0 there: no converter resolves more than its bits
    steps = [adc.adc_default_enob(b + 1) - adc.adc_default_enob(b) for b in range(2, 16)]
    assert steps == pytest.approx([1 - adc_survey.ENOB_LOSS_PER_BIT] * 14)


# ---- SAR: the survey law ----------------------------------------------------------------------------------
def test_sar_is_the_survey_regression_closed_form():
    for bits, rate in [(8, 0.1), (8, 1.2), (10, 0.1), (12, 0.01)]:
        enob = adc.adc_default_enob(bits)
        assert adc.adc_energy_pj(bits, T32, rate) == pytest.approx(_survey_pj(enob, rate))


def test_sar_at_the_floor_is_bounded_by_a_larger_sar_run_short():
    """At 5-6 bits the survey law is its floor (almost no designs there); the survey's 7-bit SAR stopped after 5 or 6
    bit-cycles at the same bit-cycle rate resolves as much (its noise beyond quantisation is below a 5- or 6-bit
    LSB) for less: 5/7 or 6/7 of its conversion (0.599 instead of 0.723 pJ at 5 bits, 28 nm, 0.9 V, 0.1 GS/s)."""
    for bits, rate in [(5, 0.01), (6, 0.0225)]:
        own = _survey_pj(adc.adc_default_enob(bits), rate)
        seven = _survey_pj(adc.adc_default_enob(7), rate * bits / 7) * bits / 7
        assert adc_survey.run_short_enob(7, bits) >= adc.adc_default_enob(bits)
        assert seven < own and adc.adc_energy_pj(bits, T32, rate) == pytest.approx(seven)
    assert adc.adc_energy_pj(5, T28, 0.1) == pytest.approx(0.599, abs=5e-4)
    # an ideal stated ENOB no larger SAR run short reaches: the survey law itself
    assert adc.adc_energy_pj(6, T32, 0.01, enob=6) == pytest.approx(_survey_pj(6, 0.01))
    # the noise of a run-short SAR: 4**-ENOB = 4**-bits + (4**-ENOB_built - 4**-built), e.g. 7 bits run at 5
    assert adc_survey.run_short_enob(7, 5) == pytest.approx(
        -0.5 * math.log2(4.0 ** -5 + 4.0 ** -adc.adc_default_enob(7) - 4.0 ** -7))


def test_sar_floor_at_low_resolution():
    floor = adc.adc_energy_pj(5, T32, SLOW_GSPS, enob=adc.SURVEY_ENOB_FLOOR)
    assert adc.SURVEY_ENOB_FLOOR == pytest.approx(2.8291256 / (math.log(10) / 10 * (6.0206 - 3.2205)), rel=1e-4)
    for enob in (0.5, 1.0, 2.0, 3.0, 4.0, 4.3):
        assert adc.adc_energy_pj(5, T32, SLOW_GSPS, enob=enob) == pytest.approx(floor)
    # a 4- to 6-bit converter is not 16-64x cheaper than an 8-bit one (it was under the Walden law)
    assert adc.adc_energy_pj(8, T28, 0.1) / adc.adc_energy_pj(4, T28, 0.1) < 2.5
    assert adc.adc_energy_pj(8, T28, 0.1) / adc.adc_energy_pj(6, T28, 0.1) < 1.5


@pytest.mark.parametrize("bits", [1, 2, 3, 4])
def test_low_resolution_sar_is_bounded_by_the_flash_of_its_bits(bits):
    # below the survey's data (ENOB < 4.39) a SAR costs no more than 2**B - 1 of the survey's flash comparators;
    # the 1-bit flash is one column comparator: 4.76 fJ at 32 nm, 0.9 V (NeuroSim MultilevelSenseAmp), 3.77 fJ here
    flash = adc.adc_energy_pj(bits, T28, SLOW_GSPS, adc_type="flash")
    comparator_pj = 4.76e-3 * technology.energy_scale(32, 0.9, 28, 0.9) if bits == 1 else adc.COMPARATOR_ENERGY_PJ_28NM
    assert flash == pytest.approx((2 ** bits - 1) * comparator_pj)
    assert adc.adc_energy_pj(bits, T28, SLOW_GSPS) == pytest.approx(flash)
    assert flash < _survey_pj(adc.adc_default_enob(bits), SLOW_GSPS) * 0.9  # the survey floor at 28 nm is higher


@pytest.mark.parametrize("bits", [1, 2])
def test_low_resolution_sar_is_no_larger_than_the_flash_of_its_bits(bits):
    # 2**B - 1 survey flash comparators (361 um2 at 32 nm each), not the survey regression's ~3000 um2 floor; the
    # 1-bit one is a column comparator, 112 transistors of 7.6 F x 28 F (NeuroSim MultilevelSenseAmp), 24.4 um2
    flash = adc.adc_area_um2(bits, T32, SLOW_GSPS, adc_type="flash")
    comparator_um2 = 112 * 7.6 * 28 * 0.032 ** 2 if bits == 1 else adc.FLASH_COMPARATOR_AREA_UM2_32NM
    assert flash == pytest.approx((2 ** bits - 1) * comparator_um2)
    assert adc.adc_area_um2(bits, T32, SLOW_GSPS) == pytest.approx(flash)
    assert adc.adc_area_um2(3, T32, SLOW_GSPS) < adc.adc_area_um2(3, T32, SLOW_GSPS, adc_type="flash")  # survey law


def test_sar_from_five_bits_is_the_survey_law_not_the_flash_bound():
    for bits in (5, 6, 8):  # (a flash is priced up to 8 bits)
        assert adc.adc_energy_pj(bits, T28, SLOW_GSPS) < adc.adc_energy_pj(bits, T28, SLOW_GSPS, adc_type="flash")


def test_sar_about_4x_per_bit_at_high_resolution():
    # on the rate line FOM_S is fixed: E ~ 4**ENOB * ENOB**-2.83, i.e. 4 * (e / (e + 1))**2.83 per bit
    for enob in (11.0, 12.0, 13.0):
        ratio = adc.adc_energy_pj(16, T32, 0.5, enob=enob + 1) / adc.adc_energy_pj(16, T32, 0.5, enob=enob)
        assert ratio == pytest.approx(10 ** (6.0206 / 10) * (enob / (enob + 1)) ** 2.8291256, rel=1e-4)
        assert 2.9 < ratio < 4.0


def test_sar_rate_law_flat_below_corner_rising_above():
    corner = adc.adc_corner_rate_gsps(8, enob=8)
    assert corner == pytest.approx(math.exp((128.3068287398817 + 8 * 3.22051151097755 - 213.7806687348118)
                                            / -2.8719030399529957) * 1e-9)
    low = [adc.adc_energy_pj(8, T32, f, enob=8) for f in (0.001, 0.01, 0.1, 0.99 * corner)]
    assert low == pytest.approx([low[0]] * 4)
    high = [adc.adc_energy_pj(8, T32, f, enob=8) for f in (1.01 * corner, 1.1, 1.2)]
    assert all(a < b for a, b in zip(high, high[1:]))
    assert high[2] / high[1] == pytest.approx((1.2 / 1.1) ** (2.8719030399529957 * math.log(10) / 10))
    assert adc.adc_rate_energy_factor(8, T32, 0.01, enob=8) == pytest.approx(low[0] / high[2])
    assert adc.adc_rate_energy_factor(8, T32) == pytest.approx(1.0)


def test_sar_time_b_cycles_and_area_regression():
    assert adc.adc_conversion_ns(8, T32) == pytest.approx(8 / 9.6)  # 8 x 1 / (1.2 GS/s x 8)
    assert adc.adc_conversion_ns(5, T32) == pytest.approx(5 / 9.6)
    e = _survey_pj(adc.adc_default_enob(8), 0.1)
    area = math.exp(1.3461916439910742 + 0.9932794744745022 * math.log(32) + 0.18071538424508238 * math.log(1e8)
                    + 0.29912426192653485 * math.log(e))
    assert adc.adc_area_um2(8, T32, 0.1) == pytest.approx(area)


# ---- flash, ramp, vco -------------------------------------------------------------------------------------
def test_flash_energy_is_comparators_times_survey_rate_penalty():
    e_cmp = 0.02815603107721942  # survey flash median per comparator, 28 nm, 0.9 V, pJ
    assert 1 / 3 < e_cmp / (0.1 * 0.9 ** 2) < 1  # ZigZag-IMC k5 = 100 fF per SAR cycle, with its logic
    for bits in (2, 4, 6):
        assert adc.adc_energy_pj(bits, T28, SLOW_GSPS, adc_type="flash") == pytest.approx((2 ** bits - 1) * e_cmp)
        assert adc.adc_area_um2(bits, T32, adc_type="flash") == pytest.approx((2 ** bits - 1) * 361.4285714285715)
    assert adc.adc_conversion_ns(6, T32, adc_type="flash") == pytest.approx(1 / 9.6)
    penalty = adc.adc_energy_pj(8, T28, 5.0, adc_type="flash", enob=8) / adc.adc_energy_pj(
        8, T28, SLOW_GSPS, adc_type="flash", enob=8)
    d = technology.delay_scale(32, 0.9, 28, 0.9)  # the rate at 28 nm, translated to the law's 32 nm, 0.9 V
    assert penalty == pytest.approx(_survey_pj(8, 5.0 * d) / _survey_pj(8, SLOW_GSPS * d))
    assert penalty > 1.0


def test_ramp_takes_2_to_the_b_cycles_and_counts():
    for bits in (2, 4, 6, 8):
        assert adc.adc_conversion_ns(bits, T32, adc_type="ramp") == pytest.approx(2 ** bits / 9.6)
        assert adc.adc_energy_pj(bits, T28, SLOW_GSPS, adc_type="ramp") == pytest.approx(2 ** bits * (
            4.76e-3 * technology.energy_scale(32, 0.9, 28, 0.9) + 2 * 2.1e-3 * 0.81))  # comparator + 2 toggles
    assert adc.adc_energy_pj(6, T28, SLOW_GSPS, adc_type="ramp") == adc.adc_energy_pj(6, T28, adc_type="ramp")
    assert adc.adc_area_um2(8, T28, adc_type="ramp") == pytest.approx(
        23833.6 * 0.032 ** 2 * technology.area_scale(32, 28) + 8 * 6 * 0.614)  # column comparator + B flip-flops


def test_a_ramp_compares_with_the_column_comparator_of_one_bit():
    """a ramp's comparator compares one column with the shared ramp, as the 1-bit column comparator compares with
    a reference; it had been a survey flash converter's comparator share (28.2 fJ, 361 um2: a GS/s design with a
    reference ladder), which priced a 7-bit single-slope column ADC at 65 nm, 1.2 V at 21 pJ per conversion, 6x
    the whole energy per conversion of the Conv-RAM macro (Biswas, ISSCC 2018) that uses one"""
    one = adc.adc_energy_pj(1, T28, adc_type="ramp")
    counter = 2 * 2.1e-3 * 0.81
    for bits in (2, 5, 8):
        assert adc.adc_energy_pj(bits, T28, adc_type="ramp") == pytest.approx(2 ** bits * (one + counter))
        assert adc.adc_area_um2(bits, T28, adc_type="ramp") == pytest.approx(
            adc.adc_area_um2(1, T28, adc_type="ramp") + bits * 6 * 0.614)


def test_vco_counts_oscillator_periods():
    t14 = TechnologyConfig(node_nm=14.0, vdd_v=0.8)
    assert adc.adc_conversion_ns(8, t14, adc_type="vco") == pytest.approx(256 * 0.3)  # HERMES 300 ps/LSB
    assert adc.adc_max_rate_gsps(8, t14, adc_type="vco") == pytest.approx(1 / 76.8)
    for bits in (4, 8):
        assert adc.adc_energy_pj(bits, T28, adc_type="vco") == pytest.approx(
            2 ** bits * (5 * 0.7e-3 + 2 * 2.1e-3) * 0.81)
    assert adc.adc_area_um2(8, T28, adc_type="vco") == pytest.approx(5 * 0.614 + 8 * 6 * 0.614)


def test_max_rate_is_capped_by_the_survey():
    assert adc.SURVEY_MAX_RATE_GSPS == pytest.approx(10.0)
    t7 = TechnologyConfig(node_nm=7.0, vdd_v=0.7)
    assert adc.adc_max_rate_gsps(1, t7, adc_type="flash") == pytest.approx(10.0)
    # the conversion time agrees with the capped rate (a 7 nm flash cycle, 0.1042 ns x 0.4, would be 0.04 ns)
    assert adc.adc_conversion_ns(1, t7, adc_type="flash") == pytest.approx(0.1)
    for t in ("sar", "flash", "ramp", "vco"):
        assert adc.adc_max_rate_gsps(6, T32, adc_type=t) == pytest.approx(
            min(1 / adc.adc_conversion_ns(6, T32, adc_type=t), 10.0))


# ---- monotonic, scaling -----------------------------------------------------------------------------------
@pytest.mark.parametrize("adc_type", adc.ADC_TYPES)
def test_monotonic_in_bits_and_rate(adc_type):
    energies = [adc.adc_energy_pj(b, T28, SLOW_GSPS, adc_type=adc_type) for b in range(1, 9)]
    assert all(a <= b for a, b in zip(energies, energies[1:]))
    areas = [adc.adc_area_um2(b, T28, SLOW_GSPS, adc_type=adc_type) for b in range(1, 9)]
    # vco area is a lower bound (ring and counter, no input stage): below the 1-bit column comparator at 2-4 bits,
    # priced as the comparator there (the resolution floor, docs/adc.md)
    assert all(a <= b for a, b in zip(areas, areas[1:]))
    times = [adc.adc_conversion_ns(b, T28, adc_type=adc_type) for b in range(1, 9)]
    assert all(a <= b for a, b in zip(times, times[1:]))
    fastest = adc.adc_max_rate_gsps(6, T28, adc_type=adc_type)
    rates = [fastest * x for x in (1e-4, 1e-2, 0.3, 0.7, 1.0)]
    by_rate = [adc.adc_energy_pj(6, T28, r, adc_type=adc_type) for r in rates]
    assert all(a <= b for a, b in zip(by_rate, by_rate[1:]))
    by_rate_area = [adc.adc_area_um2(6, T28, r, adc_type=adc_type) for r in rates]
    assert all(a <= b for a, b in zip(by_rate_area, by_rate_area[1:]))


def test_fractional_enob_is_monotonic():
    energies = [adc.adc_energy_pj(12, T32, 0.05, enob=0.1 * k) for k in range(1, 121)]
    assert all(a <= b * (1 + 1e-12) for a, b in zip(energies, energies[1:]))


@pytest.mark.parametrize("adc_type", adc.ADC_TYPES)
@pytest.mark.parametrize("tech", [T22, T65, TechnologyConfig(node_nm=32.0, vdd_v=0.8)])
def test_node_and_vdd_scaling_is_technology_scaling(adc_type, tech):
    rate = 1e-4
    ratio = adc.adc_energy_pj(6, tech, rate, adc_type=adc_type) / adc.adc_energy_pj(6, T32, rate, adc_type=adc_type)
    assert ratio == pytest.approx(technology.energy_scale(32, 0.9, tech.node_nm, tech.vdd_v))
    t_ratio = adc.adc_conversion_ns(6, tech, adc_type=adc_type) / adc.adc_conversion_ns(6, T32, adc_type=adc_type)
    assert t_ratio == pytest.approx(technology.delay_scale(32, 0.9, tech.node_nm, tech.vdd_v))
    if adc_type != "vco":  # vco area mixes no 32 nm term; its check is below
        same_design = rate / technology.delay_scale(32, 0.9, tech.node_nm, tech.vdd_v)  # as fast for its node
        a_ratio = (adc.adc_area_um2(6, tech, same_design, adc_type=adc_type)
                   / adc.adc_area_um2(6, T32, rate, adc_type=adc_type))
        assert a_ratio == pytest.approx(technology.area_scale(32, tech.node_nm))
    assert adc.adc_area_um2(6, tech, rate, adc_type="vco") / adc.adc_area_um2(6, T32, rate, adc_type="vco") == (
        pytest.approx(technology.area_scale(32, tech.node_nm)))


@pytest.mark.parametrize("bits", [5, 8, 10, 12])
def test_one_converter_keeps_its_area_at_every_supply(bits):
    # run at a lower supply, the same converter is slower by the delay law: the same silicon, the same area (the
    # survey's rate laws are read at the rate the converter would have at 32 nm, 0.9 V)
    nominal, low = TechnologyConfig(node_nm=65.0, vdd_v=1.1), TechnologyConfig(node_nm=65.0, vdd_v=0.7)
    for fraction in (1e-3, 0.1, 1.0):
        rate = fraction * adc.adc_max_rate_gsps(bits, nominal)
        slowed = rate / technology.delay_scale(65, 1.1, 65, 0.7)
        assert adc.adc_area_um2(bits, low, slowed) == pytest.approx(adc.adc_area_um2(bits, nominal, rate))
        assert adc.adc_energy_pj(bits, low, slowed) == pytest.approx(
            adc.adc_energy_pj(bits, nominal, rate) * (0.7 / 1.1) ** 2)  # and its energy follows C V**2 alone
    assert adc.adc_area_um2(bits, low) == pytest.approx(adc.adc_area_um2(bits, nominal))  # each at its fastest


def test_a_converter_built_for_more_bits_stops_after_the_bits_it_is_run_at():
    t65 = TechnologyConfig(node_nm=65.0, vdd_v=1.0)
    for bits, built in ((3, 8), (5, 8), (6, 10)):
        rate = 0.5 * adc.adc_max_rate_gsps(bits, t65)
        same_cycles = rate * bits / built  # its bit-cycles at the same rate, as conversions of the built resolution
        assert adc.adc_energy_pj(bits, t65, rate, built_bits=built) == pytest.approx(max(
            adc.adc_energy_pj(built, t65, same_cycles) * bits / built, adc.adc_energy_pj(bits, t65, rate)))
        assert adc.adc_area_um2(bits, t65, rate, built_bits=built) == pytest.approx(max(
            adc.adc_area_um2(built, t65, same_cycles), adc.adc_area_um2(bits, t65, rate)))
        assert adc.adc_energy_pj(bits, t65, rate, built_bits=bits) == adc.adc_energy_pj(bits, t65, rate)
    # NeuRRAM's case: an 8-bit SAR run for 3 bit-cycles costs 3/8 of its conversion, above the 3-bit flash bound
    eighth = adc.adc_energy_pj(8, t65, 0.01 * 3 / 8) / 8
    assert adc.adc_energy_pj(3, t65, 0.01, built_bits=8) == pytest.approx(3 * eighth)
    cfg = with_overrides(Config(), {"adc.bits": 4, "adc.built_bits": 8})  # a report says so
    plan = plan_layer(cfg)
    lines = cim_breakdown(cfg, plan, analytic_counts(plan, 10)).assumptions
    assert any("ADC: 4-bit sar, built for 8 bits and run for 4 bit-cycles" in a for a in lines)
    with pytest.raises(ValueError, match="resolution built"):
        adc.adc_energy_pj(6, t65, built_bits=5)
    with pytest.raises(ValueError, match="is a SAR"):
        adc.adc_area_um2(6, t65, built_bits=8, adc_type="flash")
    with pytest.raises(ValueError, match="ENOB cannot be given"):  # not silently dropped
        adc.adc_energy_pj(6, t65, enob=5.5, built_bits=8)


# ---- bad input ---------------------------------------------------------------------------------------------
def test_unknown_type_lists_the_valid_ones():
    for fn in (lambda: adc.adc_energy_pj(8, T32, adc_type="pipeline"),
               lambda: adc.adc_conversion_ns(8, T32, adc_type="SAR"),
               lambda: adc.adc_max_rate_gsps(8, T32, adc_type=""),
               lambda: adc.adc_area_um2(8, T32, adc_type="delta-sigma")):
        with pytest.raises(ValueError, match="valid types are sar, flash, ramp, vco"):
            fn()


@pytest.mark.parametrize("bits", [0, 17, -3, 8.0, True, "8", None])
@pytest.mark.parametrize("adc_type", adc.ADC_TYPES)
def test_bad_bits_rejected(bits, adc_type):
    with pytest.raises(ValueError, match=r"ADC resolution \(bits\) must be an int >= 1 and <= 16"):
        adc.adc_energy_pj(bits, T32, adc_type=adc_type)
    with pytest.raises(ValueError, match="ADC resolution"):
        adc.adc_conversion_ns(bits, T32, adc_type=adc_type)


@pytest.mark.parametrize("rate", [0.0, -1.0, 1e6, float("nan"), True, "0.1"])
@pytest.mark.parametrize("adc_type", adc.ADC_TYPES)
def test_bad_rate_rejected(rate, adc_type):
    with pytest.raises(ValueError, match=r"ADC rate \(GS/s\) of a .* must be a finite number > 0 and <= "):
        adc.adc_energy_pj(6, T32, rate, adc_type=adc_type)
    with pytest.raises(ValueError, match="ADC rate"):
        adc.adc_area_um2(6, T32, rate, adc_type=adc_type)


@pytest.mark.parametrize("enob", [0.0, -1.0, 8.5, True, "6"])
def test_bad_enob_rejected(enob):
    with pytest.raises(ValueError, match=r"ADC ENOB of a 8-bit ADC must be a finite number > 0 and <= 8"):
        adc.adc_energy_pj(8, T32, enob=enob)


def test_node_outside_stillmaker_range_raises():
    with pytest.raises(ValueError, match="technology node"):
        adc.adc_energy_pj(8, TechnologyConfig(node_nm=5.0, vdd_v=0.7))


@pytest.mark.parametrize("node_nm, vdd_v", [(7.0, 0.7), (28.0, 0.9), (130.0, 1.3)])
def test_a_converter_built_for_more_bits_never_undercuts_a_smaller_one(node_nm, vdd_v):
    """Stopping a larger SAR early never beats the one built for fewer bits: the survey floor makes E(b) / b fall from
    5 to 8 bits, and an 8-bit SAR run for 5 bit-cycles had cost 16 % less than the 5-bit SAR (probe, 2026-12-03)."""
    t = TechnologyConfig(node_nm=node_nm, vdd_v=vdd_v)
    for bits in range(2, 12):
        for fraction in (1e-3, 0.5, 1.0):
            rate = fraction * adc.adc_max_rate_gsps(bits, t)
            energy, area = adc.adc_energy_pj(bits, t, rate), adc.adc_area_um2(bits, t, rate)
            for built in range(bits + 1, 17):
                e = adc.adc_energy_pj(bits, t, rate, built_bits=built)
                a = adc.adc_area_um2(bits, t, rate, built_bits=built)
                assert e >= energy * (1 - 1e-12) and a >= area * (1 - 1e-12), (bits, built, fraction)
                energy, area = e, a


def test_a_small_sar_built_for_more_bits_keeps_its_flash_bound_and_one_converter_prices_both():
    """a 2-bit SAR run for 1 bit-cycle had cost 121 fJ, above its whole 84 fJ conversion (the built converter's flash
    bound dropped); the 5-bit SAR's energy came from the 7-bit SAR run short and its area from the 6-bit one's"""
    rate = 0.1
    assert adc.adc_energy_pj(1, T28, rate, built_bits=2) == pytest.approx(adc.adc_energy_pj(2, T28, rate / 2) / 2)
    two_of_three = adc.adc_energy_pj(3, T28, rate * 2 / 3) * 2 / 3
    assert adc.adc_energy_pj(2, T28, rate, built_bits=3) == pytest.approx(two_of_three)
    assert adc.adc_area_um2(1, T28, rate, built_bits=2) == pytest.approx(adc.adc_area_um2(2, T28, rate / 2))
    seven = adc.adc_energy_pj(7, T28, rate * 5 / 7) * 5 / 7
    assert adc.adc_energy_pj(5, T28, rate) == pytest.approx(seven)  # the 7-bit SAR run short prices it
    assert adc.adc_area_um2(5, T28, rate) == pytest.approx(adc.adc_area_um2(7, T28, rate * 5 / 7))  # and its area


def test_a_flash_beyond_the_surveys_flash_designs_is_refused():
    """the flash law's comparators come from the survey's flash designs, 3-8 bits: a 16-bit flash (65 535
    comparators, 3 032 mm2 of ADC in the default design) had been priced without a word (probe, 2026-12-05)"""
    from cimsim.errors import ConfigError

    assert adc_survey.FLASH_MAX_BITS == 8
    assert adc.adc_energy_pj(8, T28, SLOW_GSPS, adc_type="flash") > 0
    for price in (adc.adc_energy_pj, adc.adc_area_um2):
        with pytest.raises(ValueError, match="a flash ADC is priced up to 8 bits"):
            price(9, T28, SLOW_GSPS, adc_type="flash")
    assert adc.adc_energy_pj(16, T28, SLOW_GSPS) > 0  # a SAR's flash bound does not reach it
    with pytest.raises(ConfigError, match=r"'adc.bits' \(9\) must be at most 8 with 'adc.type' = \"flash\"") as no:
        with_overrides(Config(), {"adc.type": "flash", "adc.bits": 9})
    assert no.value.fields == ["adc.bits"]
    with pytest.raises(ConfigError) as every:  # each converter problem named at once (the ENOB's had hidden)
        with_overrides(Config(), {"adc.type": "flash", "adc.bits": 9, "adc.enob": 10.0, "adc.built_bits": 12})
    assert sorted(every.value.fields) == ["adc.bits", "adc.built_bits", "adc.enob"]
    with pytest.raises(ConfigError) as ramp:  # one message a field: the ENOB's own rule, not also built_bits'
        with_overrides(Config(), {"adc.type": "ramp", "adc.enob": 6.0, "adc.built_bits": 12})
    assert sorted(ramp.value.fields) == ["adc.built_bits", "adc.enob"]
    for settings in ({"adc.type": "ramp", "adc.bits": 6, "adc.enob": 7.0},  # an idle ENOB: refused once, as idle
                     {"adc.bits": 1, "adc.built_bits": 8, "adc.enob": 1.0}):
        with pytest.raises(ConfigError) as idle:
            with_overrides(Config(), settings)
        assert [f for f in idle.value.fields if f == "adc.enob"] == ["adc.enob"], idle.value.errors


@pytest.mark.parametrize("adc_type, law", [
    ("sar", "the survey regression"), ("flash", "the survey's flash comparators"),
    ("ramp", "a comparator decision and a counter step per count"), ("vco", "HERMES's CCO periods")])
def test_the_report_names_the_law_each_type_is_priced_by(adc_type, law):
    """ramp and VCO converters are priced by counts, not by the survey regression the report's line had named"""
    config = with_overrides(Config(), {"adc.type": adc_type})
    line = next(a for a in cim_breakdown(config, plan_layer(config), analytic_counts(plan_layer(config), 4)).assumptions
                if a.startswith("ADC:"))
    assert f"8-bit {adc_type} (docs/adc.md: {law}" in line and ("survey" in line) == (adc_type in ("sar", "flash"))


def test_an_enob_above_the_bits_is_refused_showing_the_value_given():
    from cimsim.errors import ConfigError

    with pytest.raises(ConfigError, match=r"'adc.enob' \(8.0000001\) must not exceed 'adc.bits' \(8\)"):
        with_overrides(Config(), {"adc.enob": 8.0000001})


def test_an_enob_with_a_larger_built_converter_is_refused_once():
    """an ENOB stated with built_bits above the bits had drawn two contradictory errors (above the bits; not with
    built_bits): only the second, which holds whatever the ENOB (review, 2026-12-05)"""
    from cimsim.errors import ConfigError

    with pytest.raises(ConfigError) as refused:
        with_overrides(Config(), {"adc.bits": 6, "adc.built_bits": 8, "adc.enob": 7.0})
    assert [m for f, m in refused.value.errors if f == "adc.enob"] == [
        "'adc.enob' cannot be combined with 'adc.built_bits' above 'adc.bits': the built converter takes its default "
        "ENOB (given as an override)"]


def test_more_input_bits_can_cost_less_where_the_reads_set_the_adc_rate():
    """docs/cost_cim.md's example (a probe of 2026-12-06): pulse-count inputs lengthen each read with their bits, the
    ADCs run slower and cheaper per conversion, and the total falls though the array's energy doubles"""
    import cimsim

    design = {"array.rows": 512, "array.cols": 512, "array.rows_per_read": 16, "adc.bits": 11,
              "technology.node_nm": 45, "technology.vdd_v": 0.8, "workload.in_features": 100,
              "workload.out_features": 64, "workload.vectors": 1000, "mapping.weight_bits": 3,
              "device.bits_per_cell": 2, "adc.cols_per_adc": 8, "dac.encoding": "pulse_count", "dac.mode": "parallel",
              "workload.input_zero_fraction": 0.5, "dac.signed_inputs": "two_phase"}
    seven, eight = (cimsim.estimate("configs/isaac-like.toml", {**design, "dac.input_bits": b}).cim for b in (7, 8))
    assert eight.energy_pj["array"] > 1.9 * seven.energy_pj["array"]
    assert eight.energy_pj["adc"] < 0.7 * seven.energy_pj["adc"]
    assert sum(eight.energy_pj.values()) < sum(seven.energy_pj.values())
