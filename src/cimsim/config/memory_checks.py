"""Rules on the size of on-chip memories priced by the energy laws of :mod:`cimsim.cost.memory` (SRAM, anchored at
8 KB) and :mod:`cimsim.cost.edram` (eDRAM, anchored at 64 KB), as ``(dotted_field, message)`` pairs.

Below a kibibyte those laws are extrapolated far past their anchors and price a bit near zero (a 1e-9 KiB eDRAM at
3e-10 pJ/bit against 0.74 pJ/bit for a 512 KiB SRAM), so every bank they price holds at least :data:`MIN_BANK_KIB`:
the chip's tile and global buffers and the baseline's memory by their fields' own ranges (:mod:`.schema`), the
baseline's banks in :func:`.checks.baseline_errors`.

Extrapolated from its one 64 KB anchor, the eDRAM law reaches an off-chip DRAM's energy per bit at its own 32 nm,
0.9 V for banks of about 48 MiB (LPDDR4) or 9 MiB (HBM2), where it describes no eDRAM: a baseline's eDRAM bank or the
chip's eDRAM tile or global buffer that deep (:func:`cimsim.cost.edram.beyond_depth_law`) is refused, at every node.
"""

from __future__ import annotations

from ..errors import ConfigError
from .modes import MemoryTechnology
from .schema import Config

__all__ = ["MIN_BANK_KIB", "memory_errors"]

MIN_BANK_KIB = 1.0
"""smallest memory bank the energy laws price, KiB (they are anchored at 8 KB and 64 KB)"""


def memory_errors(config: Config) -> list[tuple[str, str]]:
    """A baseline eDRAM bank or chip eDRAM buffer beyond the law's range (a memory below :data:`MIN_BANK_KIB` is
    refused by its field's range)."""
    return _check_edram_bank(config) + _chip_edram_errors(config)


def _check_edram_bank(config: Config) -> list[tuple[str, str]]:
    """A baseline eDRAM bank beyond its energy law's range (:func:`cimsim.cost.edram.check_edram_bank`), refused at
    validation as when it is priced."""
    from ..cost.edram import check_edram_bank  # the cost laws import the config schema
    from ..cost.memory import dram_energy_pj_per_bit

    b = config.baseline
    bank_bytes = b.sram_kib * 1024 / b.onchip_banks
    if b.onchip_memory != MemoryTechnology.EDRAM or bank_bytes < MIN_BANK_KIB * 1024:  # refused as too small
        return []
    try:
        check_edram_bank(bank_bytes, dram_energy_pj_per_bit(b.dram), config.source)
    except ConfigError as exc:
        return list(exc.errors)
    return []


def _chip_edram_errors(config: Config) -> list[tuple[str, str]]:
    """The chip's eDRAM tile or global buffer (``chip.buffer_memory`` = "edram") beyond the eDRAM depth law's range
    (:func:`cimsim.cost.edram.beyond_depth_law`), as :func:`cimsim.cost.edram.check_edram_bank` refuses a baseline's."""
    from ..cost.edram import beyond_depth_law  # the cost laws import the config schema
    from ..cost.memory import dram_energy_pj_per_bit

    chip, dram = config.chip, config.baseline.dram
    if chip.buffer_memory != MemoryTechnology.EDRAM:
        return []
    errors, dram_pj = [], dram_energy_pj_per_bit(dram)
    for name in ("tile_buffer_kib", "global_buffer_kib"):
        kib = getattr(chip, name)
        if why := beyond_depth_law(round(kib * 1024), dram_pj):
            errors.append((f"chip.{name}", (
                f"'chip.{name}' ({kib:g} KiB, {kib / 1024:.4g} MiB) in eDRAM ('chip.buffer_memory'; 'baseline.dram' "
                f"{dram}): {why}; give a smaller buffer or 'chip.buffer_memory' = \"sram\"")))
    return errors
