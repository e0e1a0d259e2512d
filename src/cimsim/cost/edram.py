"""Embedded DRAM buffers: energy per bit and area against capacity, technology-scaled.

Anchor (ISAAC, Shafiee et al., ISCA 2016, tile table): a 64 KB eDRAM buffer at 32 nm draws 20.7 mW on
0.083 mm2. CiMLoop's component library turns that power into energy per access
(Accelergy-Project/hwcomponents-library, ``hwcomponents_library/library/isaac.py``, ``IsaacEDRAM``):
20.45 pJ per 256-bit read or write of the 64 KB (256 x 2048) array, i.e. 0.0799 pJ per bit; reads and
writes cost the same. Other capacities follow the same library's CACTI depth law at fixed width
(``hwcomponents/scaling.py``, ``cacti_depth_energy`` / ``cacti_depth_area``: (depth ratio)**(1.56 / 2)).
Energy is scaled from 32 nm with the Stillmaker & Baas energy factor, area with its area factor.
"""

from __future__ import annotations


from ..argcheck import check_real, checked_types
from ..config.schema import TechnologyConfig
from .adc import ISAAC_NODE_NM, ISAAC_VDD_V
from .technology import area_scale, energy_scale

__all__ = [
    "ISAAC_EDRAM_CAPACITY_BYTES", "ISAAC_EDRAM_ENERGY_PJ_PER_BIT", "ISAAC_EDRAM_AREA_UM2", "CACTI_DEPTH_EXPONENT",
    "edram_energy_pj_per_bit", "edram_area_um2",
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


def _depth_ratio(capacity_bytes: float) -> float:
    return check_real("eDRAM capacity (bytes)", capacity_bytes, low=0.0, low_open=True) / ISAAC_EDRAM_CAPACITY_BYTES


@checked_types
def edram_energy_pj_per_bit(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Energy of reading or writing one bit of an eDRAM of ``capacity_bytes``, pJ, at ``tech``."""
    depth = _depth_ratio(capacity_bytes) ** CACTI_DEPTH_EXPONENT
    return ISAAC_EDRAM_ENERGY_PJ_PER_BIT * depth * energy_scale(ISAAC_NODE_NM, ISAAC_VDD_V, tech.node_nm, tech.vdd_v)


@checked_types
def edram_area_um2(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Area of an eDRAM of ``capacity_bytes``, um2: 0.083 mm2 x (capacity / 64 KB)**0.78 at 32 nm, scaled."""
    depth = _depth_ratio(capacity_bytes) ** CACTI_DEPTH_EXPONENT
    return ISAAC_EDRAM_AREA_UM2 * depth * area_scale(ISAAC_NODE_NM, tech.node_nm)
