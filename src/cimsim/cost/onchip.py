"""The baseline's on-chip memory: one bank's energy per bit read and written, and the area of all banks (SRAM by
power laws through Horowitz's three points, :mod:`.memory`; eDRAM by ISAAC's bank and the CACTI depth law,
:mod:`.edram`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ..argcheck import checked_types
from ..config.modes import MemoryTechnology
from ..config.schema import Config
from .edram import check_edram_bank, edram_area_um2, edram_energy_pj_per_bit
from .memory import dram_energy_pj_per_bit, sram_area_um2, sram_read_energy_pj_per_bit, sram_write_energy_pj_per_bit

__all__ = ["OnChipMemory", "onchip_memory"]


@dataclass(frozen=True)
class OnChipMemory:
    """Per-bit energies and area of the baseline's on-chip memory at a technology."""

    technology: str
    """sram or edram"""
    banks: int
    bank_bytes: float
    read_pj_per_bit: float
    """one bit read from one bank"""
    write_pj_per_bit: float
    area_um2: float
    """all banks"""



@checked_types
def onchip_memory(config: Config) -> OnChipMemory:
    """The on-chip memory of the config's baseline: one bank's energy per bit, the area of all banks."""
    return _onchip_memory(config.baseline, config.technology, config.source)


@functools.lru_cache(maxsize=256)
def _onchip_memory(b, tech, source: str) -> OnChipMemory:
    """:func:`onchip_memory` of a baseline and technology (a network's pricing asks it thousands of times: 30 % of
    ResNet-50's; ``source`` names the config where an eDRAM bank is refused)"""
    bank_bytes = b.sram_kib * 1024 / b.onchip_banks
    if b.onchip_memory == MemoryTechnology.EDRAM:
        check_edram_bank(bank_bytes, dram_energy_pj_per_bit(b.dram), source)
        read = write = edram_energy_pj_per_bit(bank_bytes, tech)
        area = b.onchip_banks * edram_area_um2(bank_bytes, tech)
    else:
        read = sram_read_energy_pj_per_bit(bank_bytes, tech)
        write = sram_write_energy_pj_per_bit(bank_bytes, tech)
        area = sram_area_um2(b.sram_kib * 1024, tech)  # bitcells: linear in capacity, banked or not
    return OnChipMemory(b.onchip_memory, b.onchip_banks, bank_bytes, read, write, area)
