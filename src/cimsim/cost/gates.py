"""Logic gates, flip-flops and per-cell line loads of the ZigZag-IMC 28 nm technology, defined once.

Source: KU Leuven MICAS, ZigZag-IMC (``zigzag/classes/hardware/architecture/imc_unit.py``, ``LogicUnit``
and the ``tech_param_28nm`` example; the same figures in ``ImcUnit.TECH_PARAM_28NM`` of later versions),
fitted there against three 28 nm SRAM in-memory-computing macros: NAND2 input capacitance 0.7 fF, area
0.614 um2, delay 0.0478 ns; XOR2 = 1.5 x NAND2 capacitance and delay, 2.4 x area; D flip-flop 3 x NAND2
capacitance, 6 x NAND2 area. A full adder is 3 NAND2 + 2 XOR2, a 1-bit product (AND / NOR) one NAND2
whose weight input does not toggle (``get_1b_multiplier_energy``: 0.5 x C_NAND2 x VDD**2). A word line or
bit line of an SRAM array loads each cell it crosses with C_NAND2 / 2 (``wl_cap`` and ``bl_cap``).

A gate's energy is C x (0.9 V)**2 at 28 nm, scaled to the configured node and supply with Stillmaker & Baas
(``technology.energy_scale``, as every other logic figure); a line's capacitance scales linearly with the node
(:func:`capacitance_ff`) and switches C x V**2 at its own swing; areas scale with ``technology.area_scale``.
"""

from __future__ import annotations

from ..argcheck import check_real, checked_types
from ..config.schema import TechnologyConfig
from . import technology

__all__ = [
    "MAX_BITS", "MAX_VOLTAGE_V", "ZIGZAG_NODE_NM", "ZIGZAG_VDD_V", "NAND2_CAP_FF", "NAND2_AREA_UM2", "XOR2_CAP_FF",
    "XOR2_AREA_UM2",
    "DFF_CAP_FF", "DFF_AREA_UM2", "FULL_ADDER_CAP_FF", "FULL_ADDER_AREA_UM2", "SRAM_LINE_CAP_FF_PER_CELL",
    "capacitance_ff", "switch_energy_pj", "energy_scale", "full_adder_energy_pj", "product_bit_energy_pj",
    "register_bit_energy_pj", "full_adder_area_um2", "product_bit_area_um2", "register_bit_area_um2",
    "NAND2_DELAY_NS", "nand2_delay_ns",
]

MAX_BITS = 64
"""widest word the digital cost models price (adders, multipliers, accumulators): a bound that catches a typo"""
MAX_VOLTAGE_V = 100.0
"""highest voltage a line or gate charge takes (CIM supplies are 0.4-3.3 V): a bound that catches a typo"""

ZIGZAG_NODE_NM = 28.0
"""node of the ZigZag-IMC gate figures, nm"""
ZIGZAG_VDD_V = 0.9
"""supply of the ZigZag-IMC gate figures, V"""
NAND2_CAP_FF = 0.7
"""NAND2 input capacitance at 28 nm, fF (ZigZag-IMC nd2_cap = 0.7e-3 pF)"""
NAND2_AREA_UM2 = 0.614
"""NAND2 area at 28 nm, um2 (ZigZag-IMC nd2_area = 0.614e-6 mm2)"""
XOR2_CAP_FF = 1.5 * NAND2_CAP_FF
"""XOR2 capacitance at 28 nm, fF (ZigZag-IMC xor2_cap = 1.5 x nd2_cap)"""
XOR2_AREA_UM2 = 2.4 * NAND2_AREA_UM2
"""XOR2 area at 28 nm, um2 (ZigZag-IMC xor2_area = 2.4 x nd2_area)"""
DFF_CAP_FF = 3.0 * NAND2_CAP_FF
"""D flip-flop capacitance at 28 nm, fF (ZigZag-IMC dff_cap = 3 x nd2_cap)"""
DFF_AREA_UM2 = 6.0 * NAND2_AREA_UM2
"""D flip-flop area at 28 nm, um2 (ZigZag-IMC: 6 x nd2_area)"""
FULL_ADDER_CAP_FF = 3 * NAND2_CAP_FF + 2 * XOR2_CAP_FF
"""1-bit full adder, 3 NAND2 + 2 XOR2, fF at 28 nm: 4.2 (ZigZag-IMC get_1b_adder_energy)"""
FULL_ADDER_AREA_UM2 = 3 * NAND2_AREA_UM2 + 2 * XOR2_AREA_UM2
"""1-bit full adder area at 28 nm, um2: 4.79 (ZigZag-IMC get_1b_adder_area)"""
SRAM_LINE_CAP_FF_PER_CELL = NAND2_CAP_FF / 2
"""word- or bit-line load of one SRAM cell at 28 nm, fF (ZigZag-IMC wl_cap = bl_cap = nd2_cap / 2)"""
NAND2_DELAY_NS = 0.0478
"""NAND2 delay at 28 nm and 0.9 V, ns (ZigZag-IMC nd2_dly)"""


def nand2_delay_ns(node_nm: float, vdd_v: float) -> float:
    """One NAND2 delay at ``node_nm`` and ``vdd_v``, ns: NAND2_DELAY_NS scaled by the delay law
    (:func:`.technology.delay_scale`); the shortest pulse a gate can form"""
    return NAND2_DELAY_NS * technology.delay_scale(ZIGZAG_NODE_NM, ZIGZAG_VDD_V, node_nm, vdd_v)


@checked_types
def capacitance_ff(cap_28nm_ff: float, tech: TechnologyConfig) -> float:
    """A 28 nm capacitance at ``tech``'s node, fF: linear in the feature size."""
    return check_real("cap_28nm_ff", cap_28nm_ff, 0.0) * tech.node_nm / ZIGZAG_NODE_NM


def switch_energy_pj(cap_ff: float, voltage_v: float) -> float:
    """Energy of charging ``cap_ff`` to ``voltage_v`` and releasing it, pJ: C V**2 (fF x V**2 = fJ)."""
    return check_real("cap_ff", cap_ff, 0.0) * check_real("voltage_v", voltage_v, 0.0, MAX_VOLTAGE_V) ** 2 * 1e-3


@checked_types
def energy_scale(tech: TechnologyConfig) -> float:
    """Factor from 28 nm, 0.9 V to ``tech`` for logic energies (Stillmaker & Baas)."""
    return technology.energy_scale(ZIGZAG_NODE_NM, ZIGZAG_VDD_V, tech.node_nm, tech.vdd_v)


def _gate_energy_pj(cap_ff: float, tech: TechnologyConfig) -> float:
    return switch_energy_pj(cap_ff, ZIGZAG_VDD_V) * energy_scale(tech)


@checked_types
def full_adder_energy_pj(tech: TechnologyConfig) -> float:
    """One 1-bit full-adder evaluation, pJ: 4.2 fF x (0.9 V)**2 at 28 nm, scaled to ``tech``."""
    return _gate_energy_pj(FULL_ADDER_CAP_FF, tech)


@checked_types
def product_bit_energy_pj(tech: TechnologyConfig) -> float:
    """One 1-bit product (AND / NOR of an input and a stored bit), pJ: 0.5 x C_NAND2 x (0.9 V)**2 at 28 nm (the
    stored input does not toggle; ZigZag-IMC get_1b_multiplier_energy), scaled to ``tech``."""
    return 0.5 * _gate_energy_pj(NAND2_CAP_FF, tech)


@checked_types
def register_bit_energy_pj(tech: TechnologyConfig) -> float:
    """One flip-flop clocked, pJ: 2.1 fF x (0.9 V)**2 at 28 nm, scaled to ``tech``."""
    return _gate_energy_pj(DFF_CAP_FF, tech)


@checked_types
def full_adder_area_um2(tech: TechnologyConfig) -> float:
    """Area of a 1-bit full adder, um2, scaled from 28 nm."""
    return FULL_ADDER_AREA_UM2 * technology.area_scale(ZIGZAG_NODE_NM, tech.node_nm)


@checked_types
def product_bit_area_um2(tech: TechnologyConfig) -> float:
    """Area of a 1-bit product gate (one NAND2), um2, scaled from 28 nm."""
    return NAND2_AREA_UM2 * technology.area_scale(ZIGZAG_NODE_NM, tech.node_nm)


@checked_types
def register_bit_area_um2(tech: TechnologyConfig) -> float:
    """Area of one flip-flop, um2, scaled from 28 nm."""
    return DFF_AREA_UM2 * technology.area_scale(ZIGZAG_NODE_NM, tech.node_nm)
