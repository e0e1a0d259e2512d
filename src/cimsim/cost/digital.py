"""Digital arithmetic and registers: energy per operation and area, technology-scaled.

Energy anchors: Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014,
integer operations at 45 nm, 0.9 V: 8-bit add 0.03 pJ, 32-bit add 0.1 pJ, 8-bit multiply 0.2 pJ,
32-bit multiply 3.1 pJ. Other widths are interpolated by the circuit's structure, each law fitted
exactly through the two published points:

- adder (ripple of ``bits`` full adders): affine in bits,
  E_add(b) = 0.03 + (b - 8) * (0.1 - 0.03) / (32 - 8) pJ;
- multiplier (array of b_w x b_x partial-product cells): affine in b_w * b_x,
  E_mul(b_w, b_x) = 0.2 + (b_w * b_x - 64) * (3.1 - 0.2) / (1024 - 64) pJ.

Registers and gate areas are the ZigZag-IMC 28 nm, 0.9 V cell figures of :mod:`cimsim.cost.gates` (defined
there once): a full adder 3 NAND2 + 2 XOR2, a 1-bit product one NAND2, a D flip-flop 6 x NAND2 of area and
2.1 fF (energy C * VDD**2 = 1.70 fJ at 0.9 V). Everything is scaled from its anchor node to ``tech`` with
:mod:`cimsim.cost.technology`.
"""

from __future__ import annotations

from ..argcheck import check_int, checked_types
from ..config.schema import TechnologyConfig
from . import gates
from .gates import MAX_BITS
from .technology import energy_scale

__all__ = [
    "HOROWITZ_NODE_NM", "HOROWITZ_VDD_V", "horowitz_scale", "add_energy_pj", "multiply_energy_pj", "mac_energy_pj",
    "register_file_energy_pj_per_bit", "mac_area_um2", "register_area_um2_per_bit",
]

HOROWITZ_NODE_NM = 45.0
"""node of Horowitz's ISSCC 2014 energy table (integer operations here, SRAM reads in :mod:`.memory`), nm"""
HOROWITZ_VDD_V = 0.9
"""supply of Horowitz's ISSCC 2014 energy table, V"""
_ADD_8B_ENERGY_PJ = 0.03
_ADD_32B_ENERGY_PJ = 0.1
_MUL_8B_ENERGY_PJ = 0.2
_MUL_32B_ENERGY_PJ = 3.1


def _check_bits(name: str, bits: int) -> None:
    check_int(f"{name} (bits)", bits, 1, MAX_BITS)


@checked_types
def horowitz_scale(tech: TechnologyConfig) -> float:
    """Factor from Horowitz's 45 nm, 0.9 V to ``tech`` for an energy (Stillmaker & Baas)."""
    return energy_scale(HOROWITZ_NODE_NM, HOROWITZ_VDD_V, tech.node_nm, tech.vdd_v)


@checked_types
def add_energy_pj(bits: int, tech: TechnologyConfig) -> float:
    """Energy of one integer addition of ``bits``-bit operands, picojoules (affine in bits, Horowitz-fitted)."""
    _check_bits("bits", bits)
    slope_pj_per_bit = (_ADD_32B_ENERGY_PJ - _ADD_8B_ENERGY_PJ) / (32 - 8)
    return (_ADD_8B_ENERGY_PJ + (bits - 8) * slope_pj_per_bit) * horowitz_scale(tech)


@checked_types
def multiply_energy_pj(weight_bits: int, input_bits: int, tech: TechnologyConfig) -> float:
    """Energy of one integer multiplication, picojoules (affine in weight_bits x input_bits, Horowitz-fitted)."""
    _check_bits("weight_bits", weight_bits)
    _check_bits("input_bits", input_bits)
    slope_pj_per_cell = (_MUL_32B_ENERGY_PJ - _MUL_8B_ENERGY_PJ) / (32 * 32 - 8 * 8)
    return (_MUL_8B_ENERGY_PJ + (weight_bits * input_bits - 64) * slope_pj_per_cell) * horowitz_scale(tech)


@checked_types
def mac_energy_pj(weight_bits: int, input_bits: int, tech: TechnologyConfig,
                  accumulator_bits: int | None = None) -> float:
    """Energy of one multiply-accumulate, picojoules: a multiply plus an ``accumulator_bits``-wide add.

    ``accumulator_bits`` defaults to the product width ``weight_bits + input_bits``.
    """
    multiply = multiply_energy_pj(weight_bits, input_bits, tech)  # checks both widths
    acc = weight_bits + input_bits if accumulator_bits is None else accumulator_bits
    _check_bits("accumulator_bits", acc)
    return multiply + add_energy_pj(acc, tech)


@checked_types
def register_file_energy_pj_per_bit(tech: TechnologyConfig) -> float:
    """Energy of one register bit access (one D flip-flop clocked), picojoules.

    ZigZag-IMC: C_dff * VDD**2 = 2.1 fF x (0.9 V)**2 = 1.701 fJ at 28 nm, scaled to ``tech``.
    """
    return gates.register_bit_energy_pj(tech)


@checked_types
def register_area_um2_per_bit(tech: TechnologyConfig) -> float:
    """Area of one register bit (one D flip-flop), square micrometres, at ``tech``'s node."""
    return gates.register_bit_area_um2(tech)


@checked_types
def mac_area_um2(weight_bits: int, input_bits: int, tech: TechnologyConfig,
                 accumulator_bits: int | None = None) -> float:
    """Area of one MAC unit's datapath, square micrometres (registers excluded).

    Array multiplier: one product gate and one full adder per partial-product bit
    (weight_bits x input_bits cells); accumulator: one full adder per accumulator bit
    (``accumulator_bits``, default the product width). Gate areas from ZigZag-IMC at 28 nm.
    """
    _check_bits("weight_bits", weight_bits)
    _check_bits("input_bits", input_bits)
    acc = weight_bits + input_bits if accumulator_bits is None else accumulator_bits
    _check_bits("accumulator_bits", acc)
    cells = weight_bits * input_bits
    full_adder = gates.full_adder_area_um2(tech)
    return cells * (gates.product_bit_area_um2(tech) + full_adder) + acc * full_adder
