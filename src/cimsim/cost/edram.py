"""Embedded DRAM buffers: energy per bit and area against capacity, technology-scaled.

Anchor (ISAAC, Shafiee et al., ISCA 2016, tile table): a 64 KB eDRAM buffer at 32 nm draws 20.7 mW on
0.083 mm2. CiMLoop's component library turns that power into energy per access
(Accelergy-Project/hwcomponents-library, ``hwcomponents_library/library/isaac.py``, ``IsaacEDRAM``):
20.45 pJ per 256-bit read or write of the 64 KB (256 x 2048) array, i.e. 0.0799 pJ per bit; reads and
writes cost the same. Other capacities follow the same library's CACTI depth law at fixed width
(``hwcomponents/scaling.py``, ``cacti_depth_energy`` / ``cacti_depth_area``: (depth ratio)**(1.56 / 2)).
Energy is scaled from 32 nm with the Stillmaker & Baas energy factor, area with its area factor.

The depth law makes area per bit fall without end (0.158 um2/bit at 64 KB, 0.025 at 256 MiB, 32 nm), so a bank is
never smaller than its cells: bits x IBM's 22 nm SOI deep-trench eDRAM cell, 0.026 um2 (C. Pei et al., "0.026um2
high performance embedded DRAM in 22nm technology for server and SOC applications", IEDM 2014,
doi:10.1109/IEDM.2014.7047083; 0.049 um2 scaled to 32 nm), scaled by the same area factor. The floor is linear in
bits, so banking never changes the total cell area; at 32 nm it binds above about 13 MiB per bank.
Valid range of the energy law: it is extrapolated from the one 64 KB anchor; a bank of tens of MiB reaches an
off-chip DRAM's energy per bit (17.8 pJ at 64 MiB, 32 nm, against LPDDR4's 14), where it describes no eDRAM:
:func:`cimsim.cost.baseline.onchip_memory` refuses such a bank.
"""

from __future__ import annotations

from ..argcheck import check_real, checked_types
from ..config.schema import TechnologyConfig
from ..errors import ConfigError
from .adc import ISAAC_NODE_NM, ISAAC_VDD_V
from .technology import area_scale, energy_scale

__all__ = [
    "ISAAC_EDRAM_CAPACITY_BYTES", "ISAAC_EDRAM_ENERGY_PJ_PER_BIT", "ISAAC_EDRAM_AREA_UM2", "CACTI_DEPTH_EXPONENT",
    "EDRAM_CELL_AREA_UM2", "EDRAM_CELL_NODE_NM", "edram_energy_pj_per_bit", "edram_area_um2",
    "check_edram_bank", "beyond_depth_law",
]

ISAAC_EDRAM_CAPACITY_BYTES = 64 * 1024
"""capacity of ISAAC's per-tile eDRAM buffer, bytes (ISAAC tile table: 64 KB)"""
ISAAC_EDRAM_ENERGY_PJ_PER_BIT = 20.45 / 256
"""energy of reading or writing one bit of the 64 KB eDRAM at 32 nm, pJ: 20.45 pJ per 256-bit access
(hwcomponents-library isaac.py, IsaacEDRAM, derived there from ISAAC's 20.7 mW) = 0.0799 pJ"""
ISAAC_EDRAM_AREA_UM2 = 0.083e6
"""area of the 64 KB eDRAM at 32 nm, um2 (ISAAC tile table: 0.083 mm2)"""
CACTI_DEPTH_EXPONENT = 1.56 / 2
"""energy and area against depth at fixed width, exponent (hwcomponents scaling.py, cacti_depth_energy /
cacti_depth_area: "based on CACTI scaling")"""

EDRAM_CELL_AREA_UM2 = 0.026
"""area of one eDRAM cell at EDRAM_CELL_NODE_NM, um2 (Pei et al., IEDM 2014: IBM 22 nm SOI deep-trench eDRAM)"""
EDRAM_CELL_NODE_NM = 22.0


def _depth_ratio(capacity_bytes: float) -> float:
    return check_real("eDRAM capacity (bytes)", capacity_bytes, low=0.0, low_open=True) / ISAAC_EDRAM_CAPACITY_BYTES


@checked_types
def edram_energy_pj_per_bit(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Energy of reading or writing one bit of an eDRAM of ``capacity_bytes``, pJ, at ``tech``."""
    depth = _depth_ratio(capacity_bytes) ** CACTI_DEPTH_EXPONENT
    return ISAAC_EDRAM_ENERGY_PJ_PER_BIT * depth * energy_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


@checked_types
def edram_area_um2(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Area of an eDRAM of ``capacity_bytes``, um2: 0.083 mm2 x (capacity / 64 KB)**0.78 at 32 nm, scaled, and
    never less than its cells (bits x 0.026 um2 at 22 nm, scaled)."""
    depth = _depth_ratio(capacity_bytes) ** CACTI_DEPTH_EXPONENT
    cells = capacity_bytes * 8 * EDRAM_CELL_AREA_UM2 * area_scale(EDRAM_CELL_NODE_NM, tech.node_nm)
    return max(ISAAC_EDRAM_AREA_UM2 * depth * area_scale(ISAAC_NODE_NM, tech.node_nm), cells)


def beyond_depth_law(capacity_bytes: float, dram_pj_per_bit: float) -> str | None:
    """Why an eDRAM of ``capacity_bytes`` is beyond the depth law's valid range, or None: one bit of it would cost,
    at the law's own node and supply (ISAAC's 32 nm, 0.9 V: a depth limit, the same at every node), at least what
    the off-chip DRAM's does (``dram_pj_per_bit``, pJ)."""
    pj = edram_energy_pj_per_bit(capacity_bytes, TechnologyConfig(node_nm=ISAAC_NODE_NM, vdd_v=ISAAC_VDD_V))
    if pj < dram_pj_per_bit:
        return None
    return (f"one bit would cost {pj:.3g} pJ at the law's {ISAAC_NODE_NM:g} nm, {ISAAC_VDD_V:g} V, at least the "
            f"DRAM's {dram_pj_per_bit:g}: beyond the range of the eDRAM depth law (extrapolated from a 64 KB bank)")


def check_edram_bank(bank_bytes: float, dram_pj_per_bit: float, source: str) -> None:
    """ConfigError naming baseline.onchip_banks when a baseline's eDRAM bank of ``bank_bytes`` is beyond the
    depth law's valid range (:func:`beyond_depth_law`)."""
    if why := beyond_depth_law(bank_bytes, dram_pj_per_bit):
        raise ConfigError(source, [("baseline.onchip_banks", (
            f"an eDRAM bank of {bank_bytes / 2**20:.4g} MiB ('baseline.sram_kib' / 'baseline.onchip_banks'): {why}; "
            "split it into more 'baseline.onchip_banks'"))])
