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

Sampling rate: the law is applied at the anchor's rate (1.28 GS/s at 32 nm, scaled with the delay of
the node); energy per conversion does not change with how often the ADC is used.
Node and supply: energy, time and area are scaled from 32 nm with :mod:`cimsim.cost.technology`.
"""

from __future__ import annotations

from numbers import Integral

from ..config.schema import TechnologyConfig
from . import technology

__all__ = [
    "ISAAC_NODE_NM", "ISAAC_VDD_V", "ISAAC_ADC_BITS", "ISAAC_ADC_POWER_MW", "ISAAC_ADC_RATE_GSPS",
    "ISAAC_ADC_ENERGY_PJ", "ISAAC_ADC_CONVERSION_NS", "ISAAC_ADC_AREA_UM2", "WALDEN_FOM_FJ_PER_STEP",
    "ZIGZAG_ADC_AREA_LOG10_PER_BIT", "adc_energy_pj", "adc_conversion_ns", "adc_area_um2",
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


def _check_bits(bits: int) -> int:
    if isinstance(bits, bool) or not isinstance(bits, Integral) or not 1 <= bits <= 16:
        raise ValueError(f"ADC resolution must be an int in [1, 16] bits; got {bits!r}")
    return int(bits)


def adc_energy_pj(bits: int, tech: TechnologyConfig) -> float:
    """Energy of one conversion, pJ: FOM_W * 2**bits at 32 nm, scaled to ``tech`` (node, supply)."""
    bits = _check_bits(bits)
    energy_32nm_pj = WALDEN_FOM_FJ_PER_STEP * 2.0 ** bits * 1e-3
    return energy_32nm_pj * technology.energy_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


def adc_conversion_ns(bits: int, tech: TechnologyConfig) -> float:
    """Time of one conversion, ns: 0.78125 ns * bits / 8 at 32 nm (SAR: a cycle per bit), scaled to ``tech``."""
    bits = _check_bits(bits)
    time_32nm_ns = ISAAC_ADC_CONVERSION_NS * bits / ISAAC_ADC_BITS
    return time_32nm_ns * technology.delay_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


def adc_area_um2(bits: int, tech: TechnologyConfig) -> float:
    """Area of one ADC, um2: 1200 um2 * (10**k1 * 2)**(bits - 8) at 32 nm (ZigZag-IMC shape), scaled to ``tech``."""
    bits = _check_bits(bits)
    steps = bits - ISAAC_ADC_BITS
    area_32nm_um2 = ISAAC_ADC_AREA_UM2 * 10.0 ** (ZIGZAG_ADC_AREA_LOG10_PER_BIT * steps) * 2.0 ** steps
    return area_32nm_um2 * technology.area_scale(ISAAC_NODE_NM, tech.node_nm)
