"""Column ADC: energy per conversion, conversion time and area, at the configured technology.

Anchor (ISAAC, Shafiee et al., ISCA 2016, component table; see REFERENCES.md): an in-situ
multiply-accumulate unit has 8 ADCs of 8 bits at 1.28 GS/s that draw 16 mW (2 mW each) on
0.0096 mm2 at 32 nm. Hence one 8-bit conversion costs 2 mW / 1.28 GS/s = 1.5625 pJ, takes
1 / 1.28 GS/s = 0.78125 ns, and one ADC covers 9600 um2 / 8 = 1200 um2.

Resolution (nominal bits B stand in for ENOB; the anchor absorbs the offset):

- energy, Walden figure of merit: E = FOM_W * 2**B (Walden, IEEE JSAC 17(4), 1999; the form used by
  Murmann's ADC Performance Survey). The anchor gives FOM_W = 1.5625 pJ / 2**8 = 6.10 fJ per
  conversion step, inside the 1-10 fJ/step of good SAR converters in that survey;
- time, successive approximation: one bit per comparator cycle, t proportional to B (ZigZag-IMC,
  ``AimcArray.get_adc_cost``: delay = B * (k3 * rows + k4));
- area, ZigZag-IMC fit over three 28 nm analog-CIM macros: A = 10**(k1 * B + k2) * 2**B um2 with
  k1 = -0.0369 (``AimcArray.get_adc_cost``), used here relative to the 8-bit anchor.

Sampling rate f (GS/s): a SAR ADC of B bits runs at most at f_max = 1 / t_conv (1.28 GS/s at 8 bits,
32 nm). Run slower, it is designed for the slower rate and costs less, following the ADC survey's
Schreier figure of merit as regressed by the Accelergy/CiMLoop ADC plug-in (Accelergy-Project/
accelergy-adc-plug-in, ``adc_data/model.yaml``): FOM_S = min(302.739 - 6.4608 ln f[Hz], 180.142) dB, so
E = 1 / (2 * 10**((FOM_S - SNDR)/10)) is flat below the corner f_c = 174 MHz and grows as f**1.488
above it. The ratio E(f) / E(f_max) multiplies the Walden energy at full speed, so ISAAC's 8-bit
1.28 GS/s converter is reproduced exactly and an 8-bit ADC below the corner costs 1/19.5 of it
(FOM_W 0.31 fJ/step, the survey's low-rate frontier). Area follows the same plug-in's regression,
ln A = 0.0667 ln f + 0.4237 ln E + ..., again as a ratio to full speed.
Node and supply: energy, time and area are scaled from 32 nm with :mod:`cimsim.cost.technology`.
"""

from __future__ import annotations

import math
from numbers import Integral

from ..config.schema import TechnologyConfig
from . import technology

__all__ = [
    "ISAAC_NODE_NM", "ISAAC_VDD_V", "ISAAC_ADC_BITS", "ISAAC_ADC_POWER_MW", "ISAAC_ADC_RATE_GSPS",
    "ISAAC_ADC_ENERGY_PJ", "ISAAC_ADC_CONVERSION_NS", "ISAAC_ADC_AREA_UM2", "WALDEN_FOM_FJ_PER_STEP",
    "ZIGZAG_ADC_AREA_LOG10_PER_BIT", "SURVEY_FOMS_INTERCEPT_DB", "SURVEY_FOMS_DB_PER_LN_HZ", "SURVEY_FOMS_MAX_DB",
    "SURVEY_CORNER_RATE_GSPS", "SURVEY_AREA_LN_PER_LN_HZ", "SURVEY_AREA_LN_PER_LN_ENERGY",
    "adc_energy_pj", "adc_conversion_ns", "adc_max_rate_gsps", "adc_rate_energy_factor", "adc_area_um2",
]

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
"""energy of one 8-bit conversion at 32 nm, pJ: 2 mW / 1.28 GS/s = 1.5625 pJ (mW / GHz = pJ)"""
ISAAC_ADC_CONVERSION_NS = 1.0 / ISAAC_ADC_RATE_GSPS
"""time of one 8-bit conversion at 32 nm, ns: 1 / 1.28 GS/s = 0.78125 ns"""
ISAAC_ADC_AREA_UM2 = 0.0096e6 / 8
"""area of one 8-bit ADC at 32 nm, um2: 0.0096 mm2 / 8 ADCs = 1200 um2 (ISAAC component table)"""
WALDEN_FOM_FJ_PER_STEP = ISAAC_ADC_ENERGY_PJ * 1e3 / 2 ** ISAAC_ADC_BITS
"""Walden figure of merit implied by the anchor, fJ per conversion step: 1562.5 fJ / 256 = 6.10"""
ZIGZAG_ADC_AREA_LOG10_PER_BIT = -0.0369
"""k1 of the ZigZag-IMC ADC area fit A = 10**(k1*B + k2) * 2**B (zigzag AimcArray.get_adc_cost)"""
SURVEY_FOMS_INTERCEPT_DB = 302.7387019052544
"""intercept of the high-rate Schreier FOM regression over the Murmann survey, dB (Accelergy ADC plug-in,
adc_data/model.yaml: FOMS_hf intercept)"""
SURVEY_FOMS_DB_PER_LN_HZ = -6.460790934271676
"""slope of FOM_S against ln(f / 1 Hz), dB (Accelergy ADC plug-in, adc_data/model.yaml: FOMS_hf frequency)"""
SURVEY_FOMS_MAX_DB = 180.14159078904734
"""ceiling of FOM_S (the low-rate frontier), dB (Accelergy ADC plug-in, adc_data/model.yaml: FOMS_hf max value)"""
SURVEY_CORNER_RATE_GSPS = math.exp((SURVEY_FOMS_MAX_DB - SURVEY_FOMS_INTERCEPT_DB) / SURVEY_FOMS_DB_PER_LN_HZ) * 1e-9
"""rate where the regression meets its ceiling, GS/s: exp((180.142 - 302.739) / -6.4608) Hz = 0.174 GS/s"""
SURVEY_AREA_LN_PER_LN_HZ = 0.06665851895885958
"""d ln(area) / d ln(f) of the survey area regression (Accelergy ADC plug-in, adc_data/model.yaml)"""
SURVEY_AREA_LN_PER_LN_ENERGY = 0.4236571760437834
"""d ln(area) / d ln(energy per conversion) of the same regression (adc_data/model.yaml)"""


def _check_bits(bits: int) -> int:
    if isinstance(bits, bool) or not isinstance(bits, Integral) or not 1 <= bits <= 16:
        raise ValueError(f"ADC resolution must be an int in [1, 16] bits; got {bits!r}")
    return int(bits)


def adc_max_rate_gsps(bits: int, tech: TechnologyConfig) -> float:
    """Fastest sampling rate of a ``bits``-bit SAR ADC at ``tech``, GS/s: 1 / :func:`adc_conversion_ns`."""
    return 1.0 / adc_conversion_ns(bits, tech)


def _survey_energy_rel(rate_gsps: float) -> float:
    """E(f) / E(f below the corner) of the survey regression: 10**((FOM_max - FOM_S(f)) / 10) >= 1"""
    foms_db = min(SURVEY_FOMS_INTERCEPT_DB + SURVEY_FOMS_DB_PER_LN_HZ * math.log(rate_gsps * 1e9),
                  SURVEY_FOMS_MAX_DB)
    return 10.0 ** ((SURVEY_FOMS_MAX_DB - foms_db) / 10.0)


def _rate(bits: int, tech: TechnologyConfig, rate_gsps: float | None) -> float:
    fastest = adc_max_rate_gsps(bits, tech)
    if rate_gsps is None:
        return fastest
    if not (isinstance(rate_gsps, (int, float)) and 0.0 < rate_gsps <= fastest * (1.0 + 1e-9)):
        raise ValueError(f"ADC rate must be in (0, {fastest:.4g}] GS/s for {bits} bits at {tech.node_nm:g} nm "
                         f"(one bit per cycle); got {rate_gsps!r}")
    return float(rate_gsps)


def adc_rate_energy_factor(bits: int, tech: TechnologyConfig, rate_gsps: float | None = None) -> float:
    """E(rate) / E(fastest rate) for a ``bits``-bit ADC (survey regression): < 1 when run slower, 1 at full speed."""
    bits = _check_bits(bits)
    return _survey_energy_rel(_rate(bits, tech, rate_gsps)) / _survey_energy_rel(adc_max_rate_gsps(bits, tech))


def adc_energy_pj(bits: int, tech: TechnologyConfig, rate_gsps: float | None = None) -> float:
    """Energy of one conversion, pJ: FOM_W * 2**bits at 32 nm and full speed, scaled to ``tech`` (node, supply),
    times :func:`adc_rate_energy_factor` for an ADC sampling at ``rate_gsps`` (default: its fastest rate)."""
    bits = _check_bits(bits)
    energy_32nm_pj = WALDEN_FOM_FJ_PER_STEP * 2.0 ** bits * 1e-3
    scale = technology.energy_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)
    return energy_32nm_pj * scale * adc_rate_energy_factor(bits, tech, rate_gsps)


def adc_conversion_ns(bits: int, tech: TechnologyConfig) -> float:
    """Time of one conversion, ns: 0.78125 ns * bits / 8 at 32 nm (SAR: a cycle per bit), scaled to ``tech``."""
    bits = _check_bits(bits)
    time_32nm_ns = ISAAC_ADC_CONVERSION_NS * bits / ISAAC_ADC_BITS
    return time_32nm_ns * technology.delay_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


def adc_area_um2(bits: int, tech: TechnologyConfig, rate_gsps: float | None = None) -> float:
    """Area of one ADC, um2: 1200 um2 * (10**k1 * 2)**(bits - 8) at 32 nm and full speed (ZigZag-IMC shape),
    scaled to ``tech``, times (f / f_max)**0.0667 * (E(f) / E(f_max))**0.4237 at ``rate_gsps`` (survey regression)."""
    bits = _check_bits(bits)
    steps = bits - ISAAC_ADC_BITS
    area_32nm_um2 = ISAAC_ADC_AREA_UM2 * 10.0 ** (ZIGZAG_ADC_AREA_LOG10_PER_BIT * steps) * 2.0 ** steps
    rate = _rate(bits, tech, rate_gsps)
    rate_rel = ((rate / adc_max_rate_gsps(bits, tech)) ** SURVEY_AREA_LN_PER_LN_HZ
                * adc_rate_energy_factor(bits, tech, rate) ** SURVEY_AREA_LN_PER_LN_ENERGY)
    return area_32nm_um2 * technology.area_scale(ISAAC_NODE_NM, tech.node_nm) * rate_rel
