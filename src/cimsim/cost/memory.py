"""On-chip SRAM and off-chip DRAM: energy per bit, area, bandwidth.

SRAM read energy is anchored on Horowitz, "Computing's energy problem (and what we can do about
it)", ISSCC 2014 (its table of energies at 45 nm, 0.9 V): a 64-bit read costs 10 pJ from 8 KB,
20 pJ from 32 KB and 100 pJ from 1 MB. Between these capacities the energy per bit is interpolated as a power law
of the capacity (straight lines in log-log, as CACTI-style energy grows sub-linearly with depth);
below 8 KB and above 1 MB the nearest segment's exponent is extrapolated. At 45 nm / 0.9 V the three
published points are reproduced exactly; other nodes and supplies follow :func:`energy_scale`.

DRAM figures are per bit at the interface of the whole access (activate, I/O and transfer), are
off-chip and are therefore not scaled with the logic node.
"""

from __future__ import annotations

import math

from ..argcheck import check_real, checked_types
from ..config.modes import DramTechnology
from ..config.presets_merge import section_tables
from ..config.schema import Config, TechnologyConfig
from ..errors import ConfigError
from .digital import HOROWITZ_NODE_NM, horowitz_scale
from .technology import area_scale

__all__ = [
    "SRAM_READ_POINTS_45NM",
    "sram_read_energy_pj_per_bit", "sram_write_energy_pj_per_bit", "sram_area_um2",
    "DRAM_KINDS", "dram_energy_pj_per_bit", "dram_bandwidth_gbps", "check_dram_capacity",
]

_KIB = 1024.0

SRAM_READ_POINTS_45NM: tuple[tuple[float, float], ...] = (
    (8 * _KIB, 10.0 / 64),       # 8 KB: 10 pJ per 64-bit read (Horowitz ISSCC 2014) -> 0.15625 pJ/bit
    (32 * _KIB, 20.0 / 64),      # 32 KB: 20 pJ per 64-bit read -> 0.3125 pJ/bit
    (1024 * _KIB, 100.0 / 64),   # 1 MB: 100 pJ per 64-bit read -> 1.5625 pJ/bit
)
"""(capacity_bytes, read_energy_pj_per_bit) at 45 nm, 0.9 V (Horowitz ISSCC 2014)"""

SRAM_WRITE_TO_READ_ENERGY_RATIO = 1.0
"""Assumption, not a published figure: Horowitz gives reads only; a write is priced like a read of the
same array (both swing one word line and the selected bit lines)."""

SRAM_BITCELL_AREA_UM2_45NM = 0.346
"""6T SRAM bitcell of Intel's 45 nm high-k/metal-gate process, square micrometres (Mistry et al., "A 45nm
logic technology with high-k+metal gate transistors, strained silicon, 9 Cu interconnect layers,
193nm dry patterning, and 100% Pb-free packaging", IEDM 2007)."""


def _check_capacity(capacity_bytes: float) -> None:
    check_real("SRAM capacity (bytes)", capacity_bytes, low=0.0, low_open=True)


def _sram_read_pj_per_bit_45nm(capacity_bytes: float) -> float:
    pts = SRAM_READ_POINTS_45NM
    segment = 0 if capacity_bytes <= pts[1][0] else 1
    (c0, e0), (c1, e1) = pts[segment], pts[segment + 1]
    exponent = math.log(e1 / e0) / math.log(c1 / c0)
    c_ref, e_ref = (c1, e1) if capacity_bytes >= c1 else (c0, e0)  # exact at every anchor
    return e_ref * (capacity_bytes / c_ref) ** exponent


@checked_types
def sram_read_energy_pj_per_bit(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Energy of reading one bit from an SRAM array of ``capacity_bytes``, picojoules, at ``tech``."""
    _check_capacity(capacity_bytes)
    return _sram_read_pj_per_bit_45nm(float(capacity_bytes)) * horowitz_scale(tech)


@checked_types
def sram_write_energy_pj_per_bit(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Energy of writing one bit into an SRAM array of ``capacity_bytes``, picojoules (read x stated ratio)."""
    return SRAM_WRITE_TO_READ_ENERGY_RATIO * sram_read_energy_pj_per_bit(capacity_bytes, tech)


@checked_types
def sram_area_um2(capacity_bytes: float, tech: TechnologyConfig) -> float:
    """Bitcell area of an SRAM of ``capacity_bytes``, square micrometres, at ``tech``'s node.

    Bitcells only (decoders, sense amplifiers and I/O excluded): a lower bound, which favours the
    digital baseline in area comparisons.
    """
    _check_capacity(capacity_bytes)
    bits = 8.0 * capacity_bytes
    return bits * SRAM_BITCELL_AREA_UM2_45NM * area_scale(HOROWITZ_NODE_NM, tech.node_nm)


# kind: (energy_pj_per_bit, bandwidth_gbps in GB/s); sources next to each entry
_DRAM: dict[DramTechnology, tuple[float, float]] = {
    # energy: Horowitz ISSCC 2014, 64-bit DRAM access 1.3-2.6 nJ; the low end (DDR4 runs at 1.2 V against
    # DDR3's 1.5 V): 1300 pJ / 64 bit = 20.3125 pJ/bit.
    # bandwidth: DDR4-3200 (JEDEC JESD79-4), one 64-bit channel: 3200 MT/s x 8 B = 25.6 GB/s.
    DramTechnology.DDR4: (1300.0 / 64, 3200e6 * 8 / 1e9),
    # energy: 14.0 pJ/bit, 32 Gb single-die-package LPDDR4 (H. Ha, "Understanding and Improving the Energy
    # Efficiency of DRAM", PhD thesis, Stanford 2018, DramDSE simulation; read via a secondary table).
    # bandwidth: LPDDR4-4266 (JEDEC JESD209-4), x32 (two x16 channels): 4266 MT/s x 4 B = 17.064 GB/s.
    DramTechnology.LPDDR4: (14.0, 4266e6 * 4 / 1e9),
    # energy: 3.9 pJ/bit, HBM2 access energy (O'Connor et al., "Fine-Grained DRAM: Energy-Efficient DRAM
    # for Extreme Bandwidth Systems", MICRO 2017, Sec. 2; secondary reading).
    # bandwidth: one HBM2 stack (JEDEC JESD235A): 1024 bits x 2.0 Gb/s per pin / 8 = 256 GB/s.
    DramTechnology.HBM2: (3.9, 1024 * 2.0 / 8),
}

DRAM_KINDS: tuple[str, ...] = tuple(_DRAM)
"""DRAM technologies with a published energy and bandwidth"""


def _dram(kind: str) -> tuple[float, float]:
    try:
        return _DRAM[kind]
    except (KeyError, TypeError):
        raise ValueError(f"unknown DRAM kind {kind!r}; expected one of {', '.join(DRAM_KINDS)}") from None


def dram_energy_pj_per_bit(kind: str) -> float:
    """Energy of moving one bit to or from DRAM of ``kind``, picojoules (off-chip: not node-scaled)."""
    return _dram(kind)[0]


def dram_bandwidth_gbps(kind: str) -> float:
    """Peak bandwidth of one channel / stack of DRAM ``kind``, GB/s (gigabytes per second)."""
    return _dram(kind)[1]


@checked_types
def check_dram_capacity(config: Config, bits: int, what: str = "the layer's weights", *, parts: bool = False) -> None:
    """ConfigError naming baseline.dram_gb when ``bits`` held in the DRAM (``what``: the layer's weights, a model's
    weights and KV cache) exceed it, and the baseline preset that set it (a tpu-v1 set over price-model's default
    config had been blamed on that file alone); ``parts``: ``what`` gives its parts' sizes, the total said "in all"."""
    b = config.baseline
    if b.dram_gb is not None and bits / 8 > b.dram_gb * 1e9:
        size = f", {bits / 8 / 1e9:.4g} GB in all," if parts else f" ({bits / 8 / 1e9:.4g} GB)"
        preset = section_tables("baseline").get(b.preset, {}) if b.preset else {}
        whose = f": the value baseline preset {b.preset!r} sets" if preset.get("dram_gb") == b.dram_gb else ""
        raise ConfigError(config.source, [("baseline.dram_gb", (
            f"{what}{size} do not fit in 'baseline.dram_gb' ({b.dram_gb:g} GB{whose})"))])
