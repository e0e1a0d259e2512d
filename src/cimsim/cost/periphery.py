"""Periphery of a crossbar: line charging, DACs, sample-and-hold, shift-and-add, accumulators, bus.

Every figure is given at its source's node and supply and scaled to the configured technology with
:mod:`cimsim.cost.technology` (energy: node and supply; area: node). Sources:

- wires: NeuroSim (``Bus.cpp`` / ``HTree.cpp``: unitLengthWireCap = 0.2e-15 / 1e-6 F/m = 0.2 fF/um);
  a line's energy per charge is C * V**2 (C = 0.2 fF/um * length);
- multi-bit DAC: ZigZag-IMC (``AimcArray.get_dac_cost``, 28 nm, 0.9 V): E = k0 * B * VDD**2 with
  k0 = 50 fF; a 1-bit DAC is the row driver itself (ZigZag: 0 beyond the line), priced by its line charge and
  by its own inverter chain (:func:`driver_chain_energy_pj`: Weste & Harris, CMOS VLSI Design, 4th ed., ch. 4,
  logical effort: stages of fan-out 4, an inverter's diffusion capacitance equal to its input's, p_inv = 1);
- ISAAC (Shafiee et al., ISCA 2016, component table, 32 nm): DAC, sample-and-hold, shift-and-add and
  eDRAM-to-IMA bus powers and areas, turned into energy per action as derived next to each constant;
- adders and registers: ZigZag-IMC's 28 nm, 0.9 V gates (:mod:`.gates`): a full adder (4.2 fF, 4.79 um2) and
  a flip-flop (2.1 fF, 3.68 um2) per accumulator bit.
"""

from __future__ import annotations

from ..argcheck import check_int, check_real, checked_types
from ..config.schema import TechnologyConfig
from . import gates, technology
from .adc import ISAAC_ADC_RATE_GSPS, ISAAC_NODE_NM, ISAAC_VDD_V
from .gates import MAX_BITS

__all__ = [
    "WIRE_CAP_FF_PER_UM", "ZIGZAG_DAC_CAP_FF_PER_BIT",
    "ISAAC_READ_NS", "ISAAC_DAC_AREA_UM2", "ISAAC_SAMPLE_HOLD_ENERGY_PJ", "ISAAC_SAMPLE_HOLD_AREA_UM2",
    "ISAAC_SHIFT_ADD_ENERGY_PJ", "ISAAC_SHIFT_ADD_AREA_UM2", "ISAAC_ADCS_PER_SHIFT_ADD",
    "ISAAC_BUS_ENERGY_PJ_PER_BIT", "ISAAC_BUS_AREA_UM2",
    "DRIVER_STAGE_FANOUT", "DRIVER_PARASITIC_RATIO",
    "line_capacitance_ff", "line_charge_energy_pj", "driver_chain_energy_pj", "dac_energy_pj", "dac_area_um2",
    "sample_hold_energy_pj", "sample_hold_area_um2", "shift_add_energy_pj", "shift_add_area_um2",
    "accumulator_add_energy_pj", "accumulator_area_um2", "interconnect_energy_pj_per_bit_hop", "bus_area_um2",
]

WIRE_CAP_FF_PER_UM = 0.2
"""on-chip wire capacitance, fF/um (NeuroSim Bus.cpp / HTree.cpp: unitLengthWireCap = 0.2e-15/1e-6 F/m)"""

ZIGZAG_DAC_CAP_FF_PER_BIT = 50.0
"""k0 of the multi-bit DAC energy k0 * B * VDD**2, fF (ZigZag-IMC AimcArray.get_dac_cost: 50e-3 pF)"""

DRIVER_STAGE_FANOUT = 4.0
"""fan-out of each stage of a line driver's inverter chain: the fan-out-of-4 rule (Weste & Harris, CMOS VLSI Design,
4th ed., ch. 4: the best stage effort is 3.6 to 4 for p_inv = 1)"""
DRIVER_PARASITIC_RATIO = 1.0
"""an inverter's diffusion (output) capacitance over its input capacitance (Weste & Harris's p_inv = 1)"""

ISAAC_READ_NS = 100.0
"""ISAAC crossbar read cycle, ns: one 1.28 GS/s ADC converts the 128 columns of a read, 128 / 1.28 GHz"""
ISAAC_DAC_AREA_UM2 = 0.00017e6 / (8 * 128)
"""area of one 1-bit DAC, um2: 0.00017 mm2 for 8 x 128 DACs (ISAAC component table) = 0.166 um2"""
ISAAC_SAMPLE_HOLD_ENERGY_PJ = 10.0 * ISAAC_READ_NS / (8 * 128) * 1e-3
"""energy of one sample, pJ: 10 uW for 8 x 128 S&H (ISAAC), one sample each per 100 ns read:
10 uW * 100 ns / 1024 = 0.977 fJ (uW x ns = fJ)"""
ISAAC_SAMPLE_HOLD_AREA_UM2 = 0.00004e6 / (8 * 128)
"""area of one sample-and-hold, um2: 0.00004 mm2 for 8 x 128 (ISAAC component table) = 0.039 um2"""
ISAAC_SHIFT_ADD_ENERGY_PJ = 0.2 / (8 * ISAAC_ADC_RATE_GSPS)
"""energy of one 16-bit shift-and-add, pJ: 0.2 mW for 4 units that take the codes of 8 ADCs at
1.28 GS/s (ISAAC): 0.2 mW / 10.24 G/s = 0.0195 pJ (docs/references.md: ~0.02 pJ per operation)"""
ISAAC_SHIFT_ADD_AREA_UM2 = 0.00024e6 / 4
"""area of one shift-and-add unit, um2: 0.00024 mm2 for 4 units (ISAAC component table) = 60 um2"""
ISAAC_ADCS_PER_SHIFT_ADD = 2
"""ADCs served by one shift-and-add unit: ISAAC has 4 units per 8 ADCs"""
ISAAC_BUS_ENERGY_PJ_PER_BIT = 7.0 / (384 * 1.2)
"""energy to move one bit over the eDRAM-to-IMA bus, pJ: 7 mW for 384 wires at ISAAC's 1.2 GHz,
one bit per wire per cycle: 7 mW / 460.8 Gbit/s = 0.0152 pJ"""
ISAAC_BUS_AREA_UM2 = 0.090e6
"""area of one tile's eDRAM-to-IMA bus, um2: 0.090 mm2 (ISAAC component table)"""



def _isaac_energy(tech: TechnologyConfig) -> float:
    return technology.energy_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


def line_capacitance_ff(n_cells: int, pitch_um: float) -> float:
    """Capacitance of a word or bit line across ``n_cells`` cells of ``pitch_um``, fF: 0.2 fF/um * length."""
    n_cells = check_int("n_cells", n_cells, 1, 2 ** 31)
    return WIRE_CAP_FF_PER_UM * n_cells * check_real("cell pitch (um)", pitch_um, 0.0, low_open=True)


def line_charge_energy_pj(capacitance_ff: float, voltage_v: float) -> float:
    """Energy to charge a line to ``voltage_v`` and let it discharge, pJ: C * V**2 (:func:`.gates.switch_energy_pj`)."""
    return gates.switch_energy_pj(capacitance_ff, voltage_v)


@checked_types
def driver_chain_energy_pj(load_ff: float, line_voltage_v: float, tech: TechnologyConfig) -> float:
    """Switching of a 1-bit line driver's inverter chain beyond its load, pJ, each swing of the line to
    ``line_voltage_v``. Stages grow by f = DRIVER_STAGE_FANOUT from a minimum gate (C_in: a NAND2 input at the node,
    :mod:`.gates`) to the load C_L: their inputs sum to S = (C_L - C_in) / (f - 1) (the geometric sum; 0 for a load
    a gate drives alone, C_L <= C_in) and swing V_DD; each stage's diffusion capacitance, gamma =
    DRIVER_PARASITIC_RATIO times its input, swings its supply: V_DD, but the line's voltage for the last stage
    (C_L / f, at most S), which drives the line from the line's rail. At V_line = V_DD: (1 + gamma) S V_DD**2, 2/3
    of the load's capacitance."""
    load_ff = check_real("driver load (fF)", load_ff, 0.0)
    line_voltage_v = check_real("line voltage (V)", line_voltage_v, 0.0)
    inputs_ff = max(0.0, load_ff - gates.capacitance_ff(gates.NAND2_CAP_FF, tech)) / (DRIVER_STAGE_FANOUT - 1.0)
    last_ff = min(load_ff / DRIVER_STAGE_FANOUT, inputs_ff)
    return (gates.switch_energy_pj(inputs_ff + DRIVER_PARASITIC_RATIO * (inputs_ff - last_ff), tech.vdd_v)
            + gates.switch_energy_pj(DRIVER_PARASITIC_RATIO * last_ff, line_voltage_v))


@checked_types
def dac_energy_pj(bits: int, tech: TechnologyConfig) -> float:
    """Energy of one conversion of a ``bits``-bit DAC beyond its line charge, pJ: 50 fF * B * VDD**2 (28 nm,
    0.9 V) scaled to ``tech``; 0 for a 1-bit driver (ZigZag-IMC)."""
    bits = check_int("DAC resolution", bits, 1, 64)
    if bits == 1:
        return 0.0
    return gates.switch_energy_pj(ZIGZAG_DAC_CAP_FF_PER_BIT * bits, gates.ZIGZAG_VDD_V) * gates.energy_scale(tech)


@checked_types
def dac_area_um2(bits: int, tech: TechnologyConfig) -> float:
    """Area of one DAC, um2: ISAAC's 0.166 um2 1-bit DAC x 2**(B - 1) (unit elements double per bit; the
    CiMLoop library scales ISAAC's DAC by 2**B), scaled from 32 nm."""
    bits = check_int("DAC resolution", bits, 1, 64)
    return ISAAC_DAC_AREA_UM2 * 2.0 ** (bits - 1) * technology.area_scale(ISAAC_NODE_NM, tech.node_nm)


@checked_types
def sample_hold_energy_pj(tech: TechnologyConfig) -> float:
    """Energy of one sample, pJ: 0.977 fJ at 32 nm (ISAAC), scaled to ``tech``."""
    return ISAAC_SAMPLE_HOLD_ENERGY_PJ * _isaac_energy(tech)


@checked_types
def sample_hold_area_um2(tech: TechnologyConfig) -> float:
    """Area of one sample-and-hold circuit, um2: 0.039 um2 at 32 nm (ISAAC), scaled."""
    return ISAAC_SAMPLE_HOLD_AREA_UM2 * technology.area_scale(ISAAC_NODE_NM, tech.node_nm)


@checked_types
def shift_add_energy_pj(tech: TechnologyConfig) -> float:
    """Energy of one shift-and-add, pJ: 0.0195 pJ at 32 nm (ISAAC), scaled to ``tech``."""
    return ISAAC_SHIFT_ADD_ENERGY_PJ * _isaac_energy(tech)


@checked_types
def shift_add_area_um2(tech: TechnologyConfig) -> float:
    """Area of one shift-and-add unit, um2: 60 um2 at 32 nm (ISAAC), scaled."""
    return ISAAC_SHIFT_ADD_AREA_UM2 * technology.area_scale(ISAAC_NODE_NM, tech.node_nm)


@checked_types
def accumulator_add_energy_pj(bits: int, tech: TechnologyConfig) -> float:
    """Energy of one ``bits``-wide add into a register, pJ: bits x (full adder + flip-flop) of :mod:`.gates`, i.e.
    5.1 fJ per bit at 28 nm, 0.9 V (docs/references.md: full adder 3.4 fJ, flip-flop 1.7 fJ), scaled to ``tech``."""
    bits = check_int("accumulator width", bits, 1, MAX_BITS)
    return bits * (gates.full_adder_energy_pj(tech) + gates.register_bit_energy_pj(tech))


@checked_types
def accumulator_area_um2(bits: int, tech: TechnologyConfig) -> float:
    """Area of one ``bits``-wide accumulator (adder + register), um2: 8.47 um2 per bit at 28 nm, scaled."""
    bits = check_int("accumulator width", bits, 1, MAX_BITS)
    return bits * (gates.full_adder_area_um2(tech) + gates.register_bit_area_um2(tech))


@checked_types
def interconnect_energy_pj_per_bit_hop(tech: TechnologyConfig) -> float:
    """Energy to move one bit one hop, pJ: ISAAC's bus, 0.0152 pJ per bit at 32 nm, scaled to ``tech``."""
    return ISAAC_BUS_ENERGY_PJ_PER_BIT * _isaac_energy(tech)


@checked_types
def bus_area_um2(tech: TechnologyConfig) -> float:
    """Area of one tile bus, um2: 0.090 mm2 at 32 nm (ISAAC), scaled."""
    return ISAAC_BUS_AREA_UM2 * technology.area_scale(ISAAC_NODE_NM, tech.node_nm)
