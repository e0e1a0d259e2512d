"""Column comparator: the 1-bit converter of a CIM column (one comparison of the column's sum to a reference).

A CIM column's 1-bit read-out compares a small analog sum, the bit-line voltage many cells leave, against a
reference. That is the read-out NeuroSim prices for its parallel CIM arrays, ``MultilevelSenseAmp``: one comparator
per output level (levelOutput - 1 of them; one at 1 bit). The memory-read latch of CACTI and NeuroSim
(``SenseAmp.cpp``) is not this circuit: it resolves the complementary bit-line pair of one cell's read (the value
is the sign of their difference, no reference) and regenerates it to full swing. The law is NeuroSim's
voltage-mode comparator for one level (``neurosim/DNN_NeuroSim_V1.3`` @ 388f421, ``Inference_pytorch/NeuroSIM/``):

- area: ``MultilevelSenseAmp::CalculateArea`` (``MultilevelSenseAmp.cpp``, voltage mode): 52 NMOS + 60 PMOS of
  minimum width (MIN_NMOS_SIZE 2 F; PMOS x pnSizeRatio, 1.16 at 32 nm HP) per level, each laid out by
  ``formula.cpp`` ``CalculateGateArea(INV, 1, ...)`` in a cell MAX_TRANSISTOR_HEIGHT = 28 F high (``constant.h``):
  unfolded, 2 (POLY_WIDTH 1 + MIN_GAP_BET_GATE_POLY 2.8) F = 7.6 F wide, so 112 x 7.6 F x 28 F = 23 833.6 F2;
- energy per decision: ``MultilevelSenseAmp::CalculatePower`` (voltage mode) P_Col x 1 ns, with ``GetColumnPower``
  P_Col = 4.76 uW x (levelOutput - 1) at 32 nm HP (a Cadence fit; 300 K): 4.76 fJ. The fit's column term,
  0.0837 W x R_col**-1.0045 (about (0.29 V)**2 / R_col), is the power the column's cells draw: the array's read,
  priced by cimsim's cell laws, not the comparator's.

Both are given at 32 nm, 0.9 V (NeuroSim's 32 nm HP supply) and scaled with :mod:`cimsim.cost.technology` like
every other periphery law; against NeuroSim's own fits at other nodes that gives 0.93-1.10x at 22-45 nm and 1.26x
at 65 nm (docs/adc.md). NeuroSim's voltage-mode read time is a fixed 1 ns at every node (``CalculateLatency``), the
window its power is charged over, not a simulated decision: a 1-bit conversion keeps one converter bit-cycle, like
the comparators of every other converter type (:func:`cimsim.cost.adc.adc_conversion_ns`).
"""

from __future__ import annotations

from ..argcheck import checked_types
from ..config.schema import TechnologyConfig
from . import technology

__all__ = [
    "SENSE_AMP_NODE_NM", "SENSE_AMP_VDD_V", "SENSE_AMP_NMOS", "SENSE_AMP_PMOS", "SENSE_AMP_TRANSISTOR_WIDTH_F",
    "SENSE_AMP_CELL_HEIGHT_F", "SENSE_AMP_AREA_F2", "SENSE_AMP_AREA_UM2_32NM", "SENSE_AMP_POWER_UW_32NM",
    "SENSE_AMP_WINDOW_NS", "SENSE_AMP_ENERGY_PJ_32NM", "sense_amp_energy_pj", "sense_amp_area_um2",
]

SENSE_AMP_NODE_NM = 32.0
"""node at which the comparator's figures are given, nm (NeuroSim Technology.cpp and GetColumnPower, 32 nm HP)"""
SENSE_AMP_VDD_V = 0.9
"""supply of NeuroSim's 32 nm HP devices, V (Technology.cpp: vdd = 0.9)"""
SENSE_AMP_NMOS = 52
"""minimum-width NMOS per level, voltage mode (NeuroSim MultilevelSenseAmp::CalculateArea: (hNmos*wNmos)*52)"""
SENSE_AMP_PMOS = 60
"""minimum-width PMOS per level, voltage mode (NeuroSim MultilevelSenseAmp::CalculateArea: (hPmos*wPmos)*60)"""
SENSE_AMP_TRANSISTOR_WIDTH_F = 2 * (1.0 + 2.8)
"""layout width of one unfolded transistor, F: 2 (POLY_WIDTH + MIN_GAP_BET_GATE_POLY) (NeuroSim formula.cpp,
CalculateGateArea; constant.h: 1.0 and 2.8); the 2 F NMOS and 2.3 F PMOS fit the 24.4 F a 28 F cell allows"""
SENSE_AMP_CELL_HEIGHT_F = 28.0
"""height of each transistor's cell, F (NeuroSim constant.h MAX_TRANSISTOR_HEIGHT, passed to CalculateGateArea)"""
SENSE_AMP_AREA_F2 = (SENSE_AMP_NMOS + SENSE_AMP_PMOS) * SENSE_AMP_TRANSISTOR_WIDTH_F * SENSE_AMP_CELL_HEIGHT_F
"""area of one comparator, F2: 112 x 7.6 F x 28 F = 23 833.6 F2"""
SENSE_AMP_AREA_UM2_32NM = SENSE_AMP_AREA_F2 * (SENSE_AMP_NODE_NM * 1e-3) ** 2
"""area of one comparator at 32 nm, um2: 23 833.6 x (0.032 um)**2 = 24.41 um2"""
SENSE_AMP_POWER_UW_32NM = 4.76
"""power of one level's comparator at 32 nm HP, uW (NeuroSim MultilevelSenseAmp::GetColumnPower, voltage mode,
deviceroadmap HP, technode 32: 4.76 x (levelOutput - 1) x 1e-6 W)"""
SENSE_AMP_WINDOW_NS = 1.0
"""time the power is charged over per read, ns (NeuroSim MultilevelSenseAmp::CalculatePower, voltage mode:
P_Col * 1e-9)"""
SENSE_AMP_ENERGY_PJ_32NM = SENSE_AMP_POWER_UW_32NM * SENSE_AMP_WINDOW_NS * 1e-3
"""energy of one decision at 32 nm, 0.9 V, pJ: 4.76 uW x 1 ns = 4.76 fJ"""


@checked_types
def sense_amp_energy_pj(tech: TechnologyConfig) -> float:
    """Energy of one comparator decision, pJ: 4.76 fJ at 32 nm, 0.9 V scaled with ``technology.energy_scale``
    (3.77 fJ at 28 nm, 0.9 V; 16.5 fJ at 65 nm, 1.1 V)."""
    return SENSE_AMP_ENERGY_PJ_32NM * technology.energy_scale(SENSE_AMP_NODE_NM, SENSE_AMP_VDD_V, tech.node_nm,
                                                              tech.vdd_v)


@checked_types
def sense_amp_area_um2(tech: TechnologyConfig) -> float:
    """Area of one comparator, um2: 24.41 um2 at 32 nm scaled with ``technology.area_scale`` (19.5 um2 at 28 nm,
    79.6 um2 at 65 nm)."""
    return SENSE_AMP_AREA_UM2_32NM * technology.area_scale(SENSE_AMP_NODE_NM, tech.node_nm)
