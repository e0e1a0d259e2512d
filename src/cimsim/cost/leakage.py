"""Static power of the chip's components; the cost model charges it over the run time as "leakage".

- Logic (shift-and-add units, accumulators, digital arrays' adder trees, routers): the leakage density of
  Aladdin's 32-bit adder at 40 nm, 2.4 uW on 278 um2 (Shao et al., ISCA 2014, as tabulated in
  Accelergy-Project/hwcomponents-library, ``hwcomponents_library/library/aladdin.py``, ``AladdinAdder``) = 8.63 nW
  per um2 of logic.
- eDRAM: retention power (leakage + refresh) of a 1-Mbit 3T gain-cell eDRAM in 16 nm FinFET, 105 uW +
  276 uW = 381 uW (Giterman et al., IEEE SSC-L 3, 2020, pp. 110-113; tabulated in hwcomponents-library
  ``misc.py``, ``RaaamEDRAM``) = 0.363 nW per bit.
- SRAM: cimsim's assumption, for want of a per-bit figure at a comparable node: a bitcell leaks like
  logic of the same area (the Aladdin density above x the bitcell area of :func:`memory.sram_area_um2`),
  1.37 nW per bit at 32 nm.
- ADCs: no separate term; the survey's energy per conversion (:mod:`.adc`) is a design's whole power over its
  sampling rate (the Schreier figure of merit's P / f_s), static power included, at that rate.
- Sample-and-holds: no separate term; the energy per sample comes from ISAAC's Table I power, a total at full
  activity.
- DACs (line charge and driver chain, or ZigZag-IMC's multi-bit energy) and crossbars: no static term, cimsim's
  assumption (CiMLoop's library gives ISAAC's ADC, DAC and router a leak power of 0 too).

Densities and per-bit powers are applied at every node and supply as published (leakage does not follow the
dynamic-energy scaling of Stillmaker & Baas, and no sourced law of its supply dependence is used: a lower supply,
whose longer run leakage is charged over, can raise the energy per item); area scaling carries the node dependence of
logic and SRAM.
"""

from __future__ import annotations

from ..argcheck import check_real, checked_types
from ..config.modes import MemoryTechnology
from ..config.schema import TechnologyConfig
from .memory import sram_area_um2

__all__ = [
    "ALADDIN_LOGIC_LEAKAGE_UW_PER_UM2", "GITERMAN_EDRAM_RETENTION_UW_PER_BIT",
    "logic_leakage_uw", "buffer_leakage_uw",
]

ALADDIN_LOGIC_LEAKAGE_UW_PER_UM2 = 2.40 / 278.0
"""leakage of logic, uW per um2: Aladdin 32-bit adder at 40 nm, 2.4 uW / 278 um2 = 0.00863"""
GITERMAN_EDRAM_RETENTION_UW_PER_BIT = (105.0 + 276.0) / 2 ** 20
"""eDRAM leakage + refresh, uW per bit: 381 uW for 1 Mbit (Giterman et al. 2020, 16 nm) = 3.63e-4"""


def logic_leakage_uw(area_um2: float) -> float:
    """Leakage of ``area_um2`` of logic, uW (Aladdin density)."""
    return check_real("area_um2", area_um2, 0.0) * ALADDIN_LOGIC_LEAKAGE_UW_PER_UM2


@checked_types
def buffer_leakage_uw(memory: str, capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Static power of one buffer of ``capacity_bytes``, uW: eDRAM retention per bit, or SRAM bitcell area x the
    logic density (assumption, see the module docstring)."""
    if memory == MemoryTechnology.EDRAM:
        if not capacity_bytes > 0:
            raise ValueError(f"eDRAM capacity must be > 0 bytes; got {capacity_bytes!r}")
        return 8.0 * capacity_bytes * GITERMAN_EDRAM_RETENTION_UW_PER_BIT
    if memory == "sram":
        return logic_leakage_uw(sram_area_um2(capacity_bytes, tech))
    raise ValueError(f"buffer memory must be 'sram' or 'edram'; got {memory!r}")
