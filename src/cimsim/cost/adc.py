"""Column ADC by type: energy per conversion, conversion time, fastest rate and area.

Four types (:data:`ADC_TYPES`), each a law in resolution (nominal bits ``B``, effective bits ``ENOB``), sampling
rate ``f``, node and supply; the derivations, sources and a table of figures are in ``docs/adc.md``.

- ``sar``: the Murmann ADC survey regression of the Accelergy/CiMLoop ADC plug-in (commit 6851cb8,
  ``adc_data/model.yaml``) used whole: the Schreier FOM bounded by rate and by ENOB, E = 1 / (2 * 10**((FOM_S -
  SNDR) / 10)) times the plug-in's node and ENOB terms, evaluated at 32 nm and scaled with
  :mod:`cimsim.cost.technology` (the rate read there is the one the converter would have at 32 nm, 0.9 V); flat
  below ENOB 4.39 (where the survey has almost no designs) and about 4x per bit at high resolution; bounded by the
  flash law of the same resolution (B <= 4); B bit-cycles per conversion.
- ``flash``: 2**B - 1 comparators at once (E_cmp, the survey's flash designs per comparator) times the survey's
  rate penalty; one bit-cycle.
- ``ramp`` (single slope, the ramp shared by the array as in CrossSim's ``RampADC``): 2**B counts, each a decision
  of a column comparator (the one of B = 1: it compares the column with the shared ramp, with no reference ladder
  and no offset below an LSB to hold, which would shift every code alike) and a ripple-counter step.
- ``vco`` (current/voltage-controlled oscillator, as in IBM's HERMES PCM cores): 2**B periods of a 5-stage ring.
- B = 1, every type: one threshold decision, NeuroSim's CIM column comparator (:mod:`.sense_amp`), in one bit-cycle.

Resolution floor: a converter of B bits is priced (energy and area) at no less than the one of B - 1 bits of the same
type at the same rate (a stated ENOB taken at most B - 1; none at 1 bit), so neither falls as bits are added.

ENOB defaults to B minus the survey's median loss for that resolution. Each constant below names its source.
ISAAC's converter (8 bits, 1.28 GS/s, 2 mW, 1200 um2 at 32 nm) is an independent check, not an anchor.
"""

from __future__ import annotations

import functools

from ..argcheck import check_int, check_real, checked_types
from ..config.modes import AdcType
from ..config.schema import TechnologyConfig
from . import gates, sense_amp, technology
from .adc_survey import (ENOB_LOSS_BITS, FLASH_MAX_BITS, REFERENCE_NODE_NM, REFERENCE_VDD_V, SURVEY_AREA_LN_INTERCEPT,
                         SURVEY_AREA_LN_PER_LN_HZ, SURVEY_AREA_LN_PER_LN_NM, SURVEY_AREA_LN_PER_LN_PJ,
                         SURVEY_ENERGY_LN_INTERCEPT, SURVEY_ENERGY_LN_PER_LN_ENOB, SURVEY_ENERGY_LN_PER_LN_NM,
                         SURVEY_ENERGY_LN_RESIDUAL, SURVEY_ENOB_FLOOR, SURVEY_FOMS_DB_PER_LN_HZ,
                         SURVEY_FOMS_ENOB_DB_PER_BIT, SURVEY_FOMS_ENOB_INTERCEPT_DB, SURVEY_FOMS_INTERCEPT_DB,
                         SURVEY_MAX_RATE_GSPS, adc_corner_rate_gsps, adc_default_enob, check_bits, checked_enob,
                         run_short_enob, sar_survey, survey_rate_penalty)
from .gates import ZIGZAG_NODE_NM, ZIGZAG_VDD_V

__all__ = [
    "ADC_TYPES", "ISAAC_NODE_NM", "ISAAC_VDD_V", "ISAAC_ADC_BITS", "ISAAC_ADC_POWER_MW", "ISAAC_ADC_RATE_GSPS",
    "ISAAC_ADC_ENERGY_PJ", "ISAAC_ADC_CONVERSION_NS", "ISAAC_ADC_AREA_UM2", "SURVEY_FOMS_INTERCEPT_DB",
    "SURVEY_FOMS_DB_PER_LN_HZ", "SURVEY_FOMS_ENOB_INTERCEPT_DB", "SURVEY_FOMS_ENOB_DB_PER_BIT",
    "SURVEY_ENERGY_LN_INTERCEPT", "SURVEY_ENERGY_LN_PER_LN_NM", "SURVEY_ENERGY_LN_PER_LN_ENOB",
    "SURVEY_ENERGY_LN_RESIDUAL", "SURVEY_MAX_RATE_GSPS", "SURVEY_AREA_LN_INTERCEPT", "SURVEY_AREA_LN_PER_LN_NM",
    "SURVEY_AREA_LN_PER_LN_HZ", "SURVEY_AREA_LN_PER_LN_PJ", "SURVEY_ENOB_FLOOR", "REFERENCE_NODE_NM",
    "REFERENCE_VDD_V", "ENOB_LOSS_BITS", "SAR_BIT_CYCLE_NS_32NM", "VCO_LSB_NS_14NM", "COMPARATOR_ENERGY_PJ_28NM",
    "COUNTER_ENERGY_PJ_PER_COUNT_28NM", "RING_ENERGY_PJ_PER_PERIOD_28NM", "FLASH_COMPARATOR_AREA_UM2_32NM",
    "adc_default_enob", "adc_comparisons_per_conversion", "adc_cycles_per_conversion", "adc_corner_rate_gsps",
    "adc_energy_pj", "adc_conversion_ns", "adc_max_rate_gsps", "adc_rate_energy_factor", "adc_area_um2",
]

ADC_TYPES: tuple[AdcType, ...] = tuple(AdcType)
"""ADC architectures modelled; "sar" is the default"""

# ---- ISAAC's converter: an independent check (tests, docs), not an anchor --------------------------------------
ISAAC_NODE_NM = 32.0
"""technology node of every ISAAC component figure, nm (ISAAC, ISCA 2016: 32 nm, 1.2 GHz)"""
ISAAC_VDD_V = 0.9
"""supply assumed for the ISAAC figures, V: ISAAC states none; 0.9 V is the supply of the 32 nm example
in the corrigendum of Stillmaker & Baas 2017 (Integration 58) and of cimsim's default technology"""
ISAAC_ADC_BITS = 8
"""resolution of ISAAC's ADC, bits (ISAAC component table)"""
ISAAC_ADC_POWER_MW = 2.0
"""power of one ISAAC ADC, mW (ISAAC component table: 16 mW for 8 ADCs)"""
ISAAC_ADC_RATE_GSPS = 1.28
"""sampling rate of one ISAAC ADC, GS/s (ISAAC component table)"""
ISAAC_ADC_ENERGY_PJ = ISAAC_ADC_POWER_MW / ISAAC_ADC_RATE_GSPS
"""energy of one ISAAC conversion at 32 nm, pJ: 2 mW / 1.28 GS/s = 1.5625 pJ (mW / GHz = pJ)"""
ISAAC_ADC_CONVERSION_NS = 1.0 / ISAAC_ADC_RATE_GSPS
"""time of one ISAAC conversion at 32 nm, ns: 1 / 1.28 GS/s = 0.78125 ns"""
ISAAC_ADC_AREA_UM2 = 0.0096e6 / 8
"""area of one ISAAC ADC at 32 nm, um2: 0.0096 mm2 / 8 ADCs = 1200 um2 (ISAAC component table)"""

# ---- architecture constants ----------------------------------------------------------------------------------
SAR_BIT_CYCLE_NS_32NM = 1.0 / (1.2e9 * 8) * 1e9
"""one SAR bit-cycle at 32 nm, 0.9 V, ns: median of 1/(f_s B), delay-normalised to 32 nm, over the 5 fastest
single-channel 'SAR' designs of the survey (0.057, 0.096, 0.104, 0.115, 0.123 ns); the median is the 8 b
1.2 GS/s 32 nm converter (Kull et al., ISSCC 2013): 1 / (1.2 GS/s * 8) = 0.1042 ns"""
VCO_LSB_NS_14NM = 0.300
"""one LSB (one oscillator period at full scale) of the CCO ADC, ns (HERMES, Khaddam-Aljameh et al., JSSC 2022
title: "300-ps/LSB linearized CCO-based ADCs"; maximum CCO frequency "beyond 3 GHz")"""
VCO_NODE_NM = 14.0
"""node of the HERMES core, nm"""
VCO_VDD_V = 0.8
"""supply assumed for HERMES, V: the 14 nm nominal of Stillmaker & Baas (the paper's supply is not used here)"""
COMPARATOR_ENERGY_PJ_28NM = 0.02815603107721942
"""one comparator decision with its share of the converter, pJ at 28 nm, 0.9 V: median of
P/f_snyq / (2**B - 1) / (survey rate penalty) over the survey's 13 Nyquist 'Flash' designs with stated
resolution, node 7-180 nm and f_s <= 10 GS/s, normalised to 28 nm, 0.9 V with Stillmaker & Baas energy scaling
(each design at its node's nominal supply). Cross-check: ZigZag-IMC's per-SAR-cycle k5 = 100 fF * 0.81 V2 = 0.081 pJ
(AimcArray.get_adc_cost), which also holds the SAR logic"""
COUNTER_ENERGY_PJ_PER_COUNT_28NM = 2.0 * gates.DFF_CAP_FF * 1e-3 * ZIGZAG_VDD_V ** 2
"""one count of a ripple counter, pJ at 28 nm, 0.9 V: 2 flip-flop toggles * C_dff 2.1 fF * 0.81 V2 = 3.40 fJ
(C_dff = 3 x 0.7 fF, ZigZag-IMC TECH_PARAM_28NM)"""
RING_STAGES = 5
"""stages of the oscillator ring (modelling choice: the shortest practical odd ring)"""
RING_ENERGY_PJ_PER_PERIOD_28NM = RING_STAGES * gates.NAND2_CAP_FF * 1e-3 * ZIGZAG_VDD_V ** 2
"""one oscillator period, pJ at 28 nm, 0.9 V: 5 stages * 0.7 fF gate input (ZigZag-IMC NAND2 input cap) * 0.81 V2"""
FLASH_COMPARATOR_AREA_UM2_32NM = 361.4285714285715
"""area per comparator of a flash ADC at 32 nm, um2: median of area / (2**B - 1) over the survey's 13 'Flash'
designs with area and stated resolution, normalised to 32 nm with Stillmaker & Baas area scaling"""

# ---- argument checks -----------------------------------------------------------------------------------------
def _check_type(adc_type: str) -> str:
    if adc_type not in ADC_TYPES:
        raise ValueError(f"unknown ADC type {adc_type!r}; valid types are {', '.join(ADC_TYPES)}")
    return adc_type


def _priced(bits: int, adc_type: str) -> tuple[int, str]:
    """(bits, type) of a converter to price: 1-16 bits, a known type, a flash of at most ``FLASH_MAX_BITS``"""
    bits, adc_type = check_bits(bits), _check_type(adc_type)
    if adc_type == AdcType.FLASH and bits > FLASH_MAX_BITS:
        raise ValueError(f"a flash ADC is priced up to {FLASH_MAX_BITS} bits, the survey's flash designs' "
                         f"resolutions; got {bits} bits ({2 ** bits - 1} comparators)")
    return bits, adc_type


def _rate(bits: int, tech: TechnologyConfig, rate_gsps: float | None, adc_type: str) -> float:
    fastest = adc_max_rate_gsps(bits, tech, adc_type=adc_type)
    if rate_gsps is None:
        return fastest
    return check_real(f"ADC rate (GS/s) of a {bits}-bit {adc_type} ADC at {tech.node_nm:g} nm, {tech.vdd_v:g} V",
                      rate_gsps, 0.0, fastest * (1 + 1e-9), low_open=True)


# ---- architecture counts -------------------------------------------------------------------------------------
def adc_comparisons_per_conversion(bits: int, *, adc_type: AdcType = AdcType.SAR) -> int:
    """Comparator decisions per conversion: SAR B, flash 2**B - 1, ramp 2**B (one per count), vco 0; 1 at B = 1."""
    bits, adc_type = check_bits(bits), _check_type(adc_type)
    counts = {AdcType.SAR: bits, AdcType.FLASH: 2 ** bits - 1, AdcType.RAMP: 2 ** bits, AdcType.VCO: 0}
    return 1 if bits == 1 else counts[adc_type]


def adc_cycles_per_conversion(bits: int, *, adc_type: AdcType = AdcType.SAR) -> int:
    """Clock cycles per conversion: SAR B bit-cycles, flash 1, ramp 2**B counts, vco 2**B LSB periods; 1 at B = 1."""
    bits, adc_type = check_bits(bits), _check_type(adc_type)
    counts = {AdcType.SAR: bits, AdcType.FLASH: 1, AdcType.RAMP: 2 ** bits, AdcType.VCO: 2 ** bits}
    return 1 if bits == 1 else counts[adc_type]


def _reference_rate_gsps(rate_gsps: float, tech: TechnologyConfig) -> float:
    """The rate at which the same converter would run at the survey law's reference node and supply, GS/s:
    ``rate_gsps`` x delay(node, vdd) / delay(32 nm, 0.9 V) (Stillmaker & Baas), the translation that gives its
    fastest rate (:func:`adc_conversion_ns`). The laws in rate are evaluated there, so a converter run at its
    fastest is the same design at every node and supply, and one chip's ADC, clocked as each supply allows, keeps
    its area; clocked alike at a lower supply it is nearer its fastest rate, priced as a larger converter."""
    return rate_gsps * technology.delay_scale(REFERENCE_NODE_NM, REFERENCE_VDD_V, tech.node_nm, tech.vdd_v)


# ---- public laws ---------------------------------------------------------------------------------------------
@checked_types
def adc_conversion_ns(bits: int, tech: TechnologyConfig, *, adc_type: AdcType = AdcType.SAR) -> float:
    """Time of one conversion, ns: cycles per conversion * cycle time, scaled to ``tech`` (Stillmaker & Baas delay),
    at least 1 / SURVEY_MAX_RATE_GSPS (no converter of the survey law samples faster).

    SAR B * t_bit, flash t_bit, ramp 2**B * t_bit with t_bit = 0.1042 ns at 32 nm, 0.9 V (survey SAR frontier);
    vco 2**B * 0.300 ns at 14 nm, 0.8 V (HERMES); B = 1, every type: one comparator decision in t_bit.
    """
    bits, adc_type = check_bits(bits), _check_type(adc_type)
    cycles = adc_cycles_per_conversion(bits, adc_type=adc_type)
    if adc_type == AdcType.VCO and bits > 1:
        cycle_ns = VCO_LSB_NS_14NM * technology.delay_scale(VCO_NODE_NM, VCO_VDD_V, tech.node_nm, tech.vdd_v)
    else:
        cycle_ns = SAR_BIT_CYCLE_NS_32NM * technology.delay_scale(REFERENCE_NODE_NM, REFERENCE_VDD_V, tech.node_nm,
                                                                  tech.vdd_v)
    return max(cycles * cycle_ns, 1.0 / SURVEY_MAX_RATE_GSPS)


@checked_types
def adc_max_rate_gsps(bits: int, tech: TechnologyConfig, *, adc_type: AdcType = AdcType.SAR) -> float:
    """Fastest sampling rate, GS/s: 1 / :func:`adc_conversion_ns` (at most 10 GS/s, the survey regression's limit)."""
    return 1.0 / adc_conversion_ns(bits, tech, adc_type=adc_type)


def _built(bits: int, built_bits: int | None, adc_type: str, enob: float | None) -> int | None:
    """the resolution of a SAR built for ``built_bits`` and run at ``bits``, None when built for ``bits``"""
    if built_bits is None or built_bits == bits:
        return None
    built_bits = check_int(f"resolution built of a {bits}-bit ADC", built_bits, bits, 16)
    if adc_type != AdcType.SAR:
        raise ValueError(f"a converter built for more bits than it resolves is a SAR; got type {adc_type!r}")
    if enob is not None:
        raise ValueError("an ENOB cannot be given for a converter built for more bits: it takes the built one's")
    return built_bits


def _cheapest_built(bits: int, built: int, tech: TechnologyConfig, rate_gsps: float) -> tuple[float, int]:
    """(energy per bit-cycle, pJ, resolution) of the cheapest SAR of ``built`` to 16 bits run at the bit-cycle rate of
    ``bits``-bit conversions at ``rate_gsps``: one built for more bits is priced no dearer than a larger one (as a
    ``bits``-bit SAR is), so its price never falls as ``built`` grows"""
    return min((adc_energy_pj(b, tech, rate_gsps * bits / b) / b, b) for b in range(built, 17))


@checked_types
def adc_energy_pj(bits: int, tech: TechnologyConfig, rate_gsps: float | None = None, *,
                  adc_type: AdcType = AdcType.SAR, enob: float | None = None, built_bits: int | None = None) -> float:
    """Energy of one conversion, pJ, by type, at ``rate_gsps`` (default: the type's fastest rate): the largest of the
    laws below over 1 to ``bits`` bits at that rate (the resolution floor: never below a converter of fewer bits of
    the same type; a stated ENOB is taken at most the smaller converter's bits, and none at 1 bit).

    A SAR built for ``built_bits`` > ``bits`` (a reconfigurable converter) stops after ``bits`` of its bit-cycles:
    bits / b of the conversion of the cheapest SAR of b >= built_bits bits at the same bit-cycle rate (each priced
    as below; b = built_bits but where a larger one is cheaper per bit-cycle), never below
    the bits-bit SAR.

    - sar: the survey regression E_survey(ENOB, f) at 32 nm, 0.9 V (floor below ENOB 4.39, ~4x per bit at high
      ENOB, rising above the rate corner), bounded by the flash converter of the same resolution (below) and by a
      larger SAR of the survey run for B bit-cycles where it resolves as well (5-6 bits: the floor);
    - flash: (2**B - 1) * 0.0282 pJ (28 nm, 0.9 V) * E_survey(ENOB, f) / E_survey(ENOB, f -> 0);
    - ramp: 2**B * (a column-comparator decision, 4.76 fJ at 32 nm, 0.9 V + a counter step, 3.4 fJ at 28 nm, 0.9 V),
      independent of rate and ENOB;
    - vco: 2**B * (0.00284 + 0.0034) pJ (28 nm, 0.9 V), full scale, independent of rate and ENOB;
    - B = 1, every type: one column-comparator decision (:mod:`.sense_amp`), 4.76 fJ at 32 nm, 0.9 V.

    f is read at 32 nm, 0.9 V (:func:`_reference_rate_gsps`); each is scaled to ``tech`` by ``technology.energy_scale``.
    """
    bits, adc_type = _priced(bits, adc_type)
    if built := _built(bits, built_bits, adc_type, enob):  # never below the bits-bit SAR
        rate_gsps = _rate(bits, tech, rate_gsps, adc_type)
        return max(bits * _cheapest_built(bits, built, tech, rate_gsps)[0], adc_energy_pj(bits, tech, rate_gsps))
    checked_enob(bits, enob)
    rate = _rate(bits, tech, rate_gsps, adc_type)  # within every smaller converter's range: none is slower
    return max(_energy_law_pj(b, tech, rate, adc_type, _floor_enob(b, enob)) for b in range(1, bits + 1))


def _floor_enob(bits: int, enob: float | None) -> float | None:
    """the ENOB at which the ``bits``-bit converter of a resolution floor is priced: a stated one, at most ``bits``
    (none at 1 bit, where an ENOB prices nothing); None (the default) stays the default"""
    return None if enob is None or bits == 1 else min(enob, bits)


@functools.lru_cache(maxsize=1 << 14)  # a floor evaluates every smaller law, and a sweep's points share most
def _energy_law_pj(bits: int, tech: TechnologyConfig, rate_gsps: float, adc_type: str, enob: float | None) -> float:
    """one conversion of the ``bits``-bit law of ``adc_type`` alone (no resolution floor), pJ (:func:`adc_energy_pj`)"""
    e = checked_enob(bits, enob)
    if bits == 1:  # one threshold decision whatever the type: a column comparator, not a survey converter's
        return sense_amp.sense_amp_energy_pj(tech)
    rate = _reference_rate_gsps(rate_gsps, tech)
    scale = technology.energy_scale(ZIGZAG_NODE_NM, ZIGZAG_VDD_V, tech.node_nm, tech.vdd_v)
    flash_pj = (adc_comparisons_per_conversion(bits, adc_type=AdcType.FLASH) * COMPARATOR_ENERGY_PJ_28NM * scale
                * survey_rate_penalty(e, rate))
    if adc_type == AdcType.SAR:  # no costlier than a flash of the same resolution (below the survey's data, B <= 4)
        survey_pj = sar_survey(bits, enob, rate)[0] * technology.energy_scale(
            REFERENCE_NODE_NM, REFERENCE_VDD_V, tech.node_nm, tech.vdd_v)
        return min(flash_pj, survey_pj)
    counts = adc_cycles_per_conversion(bits, adc_type=adc_type)
    if adc_type == AdcType.FLASH:
        return flash_pj
    if adc_type == AdcType.RAMP:  # a column comparator against the shared ramp (no reference ladder)
        return counts * (sense_amp.sense_amp_energy_pj(tech) + COUNTER_ENERGY_PJ_PER_COUNT_28NM * scale)
    return counts * (RING_ENERGY_PJ_PER_PERIOD_28NM + COUNTER_ENERGY_PJ_PER_COUNT_28NM) * scale


@checked_types
def adc_rate_energy_factor(bits: int, tech: TechnologyConfig, rate_gsps: float | None = None, *,
                           adc_type: AdcType = AdcType.SAR, enob: float | None = None) -> float:
    """E(rate) / E(fastest rate) for one type: <= 1 when run slower, 1 at full speed (always 1 for ramp and vco)."""
    fastest = adc_max_rate_gsps(check_bits(bits), tech, adc_type=_check_type(adc_type))
    return (adc_energy_pj(bits, tech, rate_gsps, adc_type=adc_type, enob=enob)
            / adc_energy_pj(bits, tech, fastest, adc_type=adc_type, enob=enob))


@checked_types
def adc_area_um2(bits: int, tech: TechnologyConfig, rate_gsps: float | None = None, *,
                 adc_type: AdcType = AdcType.SAR, enob: float | None = None, built_bits: int | None = None) -> float:
    """Area of one ADC, um2, by type, at ``rate_gsps`` (default: the type's fastest rate): the largest of the laws
    below over 1 to ``bits`` bits at that rate, with the ENOB rule of :func:`adc_energy_pj` (the resolution floor).
    The SAR's is the area of the converter its energy prices, never below the one priced at a lower ENOB; never
    below the bits-bit SAR's where built for more bits.

    - sar: survey area regression at 32 nm, exp(1.346 + 0.993 ln 32 + 0.181 ln f[Hz] + 0.299 ln E_survey[pJ]),
      bounded by the flash converter of the same resolution (2 and 3 bits);
    - flash: (2**B - 1) * 361 um2 at 32 nm (survey flash median per comparator);
    - ramp: one column comparator (24.4 um2 at 32 nm) + B flip-flops of 3.68 um2 at 28 nm (the ramp is shared);
    - vco: 5 gates of 0.614 um2 + B flip-flops of 3.68 um2 at 28 nm (a lower bound; below the 1-bit comparator at
      2 to 4 bits, so the floor prices those as the comparator);
    - B = 1, every type: one column comparator, 23 833.6 F2 = 24.4 um2 at 32 nm (:mod:`.sense_amp`).

    f is read at 32 nm, 0.9 V (:func:`_reference_rate_gsps`: the same converter has the same area at every supply);
    scaled to ``tech.node_nm`` with ``technology.area_scale``; only SAR depends on rate and ENOB.
    """
    bits, adc_type = _priced(bits, adc_type)
    if built := _built(bits, built_bits, adc_type, enob):
        rate_gsps = _rate(bits, tech, rate_gsps, adc_type)
        chosen = _cheapest_built(bits, built, tech, rate_gsps)[1]
        return max(adc_area_um2(chosen, tech, rate_gsps * bits / chosen), adc_area_um2(bits, tech, rate_gsps))
    checked_enob(bits, enob)  # checks a stated ENOB
    rate = _rate(bits, tech, rate_gsps, adc_type)
    return max(_area_law_um2(b, tech, rate, adc_type, _floor_enob(b, enob)) for b in range(1, bits + 1))


@functools.lru_cache(maxsize=1 << 14)
def _area_law_um2(bits: int, tech: TechnologyConfig, rate_gsps: float, adc_type: str, enob: float | None) -> float:
    """area of the ``bits``-bit law of ``adc_type`` alone (no resolution floor), um2 (:func:`adc_area_um2`)"""
    if bits == 1:  # one column comparator whatever the type (a 1-bit flash is one comparator: this one)
        return sense_amp.sense_amp_area_um2(tech)
    rate = _reference_rate_gsps(rate_gsps, tech)
    to32 = technology.area_scale(REFERENCE_NODE_NM, tech.node_nm)
    to28 = technology.area_scale(ZIGZAG_NODE_NM, tech.node_nm)
    flash_um2 = adc_comparisons_per_conversion(bits, adc_type=AdcType.FLASH) * FLASH_COMPARATOR_AREA_UM2_32NM * to32
    if adc_type == AdcType.SAR:  # no larger than a flash of the same resolution (2, 3 bits), as for its energy
        return min(flash_um2, _sar_area_um2(bits, enob, rate) * to32)
    if adc_type == AdcType.FLASH:
        return flash_um2
    if adc_type == AdcType.RAMP:
        return sense_amp.sense_amp_area_um2(tech) + bits * gates.DFF_AREA_UM2 * to28
    return (RING_STAGES * gates.NAND2_AREA_UM2 + bits * gates.DFF_AREA_UM2) * to28


def _sar_area_um2(bits: int, enob: float | None, rate_gsps: float) -> float:
    """area at the reference node of a ``bits``-bit SAR at ``rate_gsps`` (reference rate), um2: that of the converter
    :func:`sar_survey` prices, never below the one priced at a lower ENOB. Between the ENOBs at which a larger SAR
    run short stops resolving as well (:func:`run_short_enob`) the area only grows with ENOB; past one, a converter
    dearer per conversion but smaller can take over, so the area is the largest of those at ENOB and at each such
    ENOB below it."""
    own = adc_default_enob(bits) if enob is None else enob
    ends = [e for b in range(bits + 1, 17) if (e := run_short_enob(b, bits)) < own]
    return max(sar_survey(bits, e, rate_gsps)[1] for e in [enob, *ends])
