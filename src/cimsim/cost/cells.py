"""Memory cells: geometry (area, line lengths) and programming cost per device family.

The family is chosen from ``DeviceConfig.name`` (case-insensitive): its first word that is a family key or
one of its aliases selects it (``"rram-hfo2"``, ``"1T1R RRAM"`` -> rram). Any other name is priced as an RRAM
cell (the array's cell access: 1T1R or crosspoint), and :func:`cell_family` says so, so the assumption reaches the
report. Charge, current and digital arrays are of
SRAM cells whatever the device's name (:func:`array_cell`).

Geometry (NeuroSim, ``Param.cpp`` / ``Param.py``: heightInFeatureSize1T1R = 4, widthInFeatureSize1T1R = 12,
heightInFeatureSizeCrossbar = 2, widthInFeatureSizeCrossbar = 2, heightInFeatureSizeSRAM = 10,
widthInFeatureSizeSRAM = 28): the cell is ``width_f`` feature sizes along the word line (row) and ``height_f``
along the bit line (column); the feature size F is the technology node. Non-volatile cells (RRAM, PCM, STT-MRAM)
use NeuroSim's 1T1R cell, or its 2F x 2F crossbar cell where no transistor selects them
(``array.cell_access = "crosspoint"``, :func:`with_access`); SRAM-CIM uses NeuroSim's SRAM cell.

Programming (Yang, Strukov & Stewart, "Memristive devices for computing", Nature Nanotechnology 8,
13-24 (2013), Table 1, from ITRS 2011): energy per bit written and write time, given there as ranges;
we take the geometric mean of each range (a single value is quoted as is). One ``Counts.cell_writes``
is one programming pulse; device physics sets these figures, so they are not scaled with the CMOS node.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from ..argcheck import checked_types
from ..config.modes import ArrayFamily, CellAccess

__all__ = ["CellFamily", "CELL_FAMILIES", "CROSSPOINT_F", "cell_family", "array_cell", "with_access",
           "cell_area_um2", "cell_pitch_um"]


@dataclass(frozen=True)
class CellFamily:
    """Cost figures of one memory-cell family."""

    name: str
    width_f: float
    """cell width along the row (word line), feature sizes"""
    height_f: float
    """cell height along the column (bit line), feature sizes"""
    write_energy_pj: float
    """energy of one programming pulse, pJ"""
    write_ns: float
    """duration of one programming pulse, ns"""
    endurance_cycles: float
    """write cycles a cell survives (lower bounds as tabulated)"""
    source: str
    """where the figures come from"""


def _geo_mean(low: float, high: float) -> float:
    return math.sqrt(low * high)


_NEUROSIM_1T1R = "NeuroSim Param: 1T1R cell 4F x 12F"
_YANG_2013 = "Yang et al., Nat. Nanotechnol. 2013, Table 1 (ITRS 2011)"

CELL_FAMILIES: dict[str, CellFamily] = {
    "rram": CellFamily("rram", 12.0, 4.0, _geo_mean(0.1, 3.0), 10.0, 1e12,
                       f"{_NEUROSIM_1T1R}; memristor write 0.1-3 pJ/bit, 10 ns, endurance > 1e12, {_YANG_2013}"),
    "pcm": CellFamily("pcm", 12.0, 4.0, _geo_mean(2.0, 25.0), _geo_mean(50.0, 500.0), 1e9,
                      f"{_NEUROSIM_1T1R}; PCM write 2-25 pJ/bit, 50-500 ns, endurance 1e9, {_YANG_2013}"),
    "mram": CellFamily("mram", 12.0, 4.0, _geo_mean(0.1, 2.5), _geo_mean(10.0, 90.0), 1e16,
                       f"{_NEUROSIM_1T1R}; STT-RAM write 0.1-2.5 pJ/bit, 10-90 ns, endurance > 1e16, {_YANG_2013}"),
    "sram": CellFamily("sram", 28.0, 10.0, 0.0005, _geo_mean(0.1, 0.3), 1e16,
                       f"NeuroSim Param: SRAM cell 10F x 28F; SRAM 0.0005 pJ/bit, 0.1-0.3 ns, endurance > 1e16, "
                       f"{_YANG_2013}"),
}
"""family key -> cost figures (energies in pJ per pulse, times in ns)"""

_ALIASES: dict[str, str] = {
    "rram": "rram", "reram": "rram", "memristor": "rram", "oxram": "rram",
    "pcm": "pcm", "pcram": "pcm", "phasechange": "pcm",
    "mram": "mram", "stt": "mram", "sot": "mram", "sttmram": "mram", "sotmram": "mram",
    "sram": "sram",
}


def cell_family(device_name: str) -> tuple[CellFamily, bool]:
    """(family, recognised) for a ``DeviceConfig.name``: its first word (letters, a version's digits after them
    dropped: 'pcm1'; 'phase change' one word) that names a family ('1T1R RRAM', 'SOTB-RRAM', 'RRAM, two-phase read',
    'PCM(GST)', 'MRAM+Par' read; a prefix had been read, 'PCMO', an RRAM oxide, priced as PCM: a chips probe; a
    comma had stuck to its word and 'phase' had named PCM: a review); unrecognised names get RRAM and ``False``."""
    if not isinstance(device_name, str):
        raise ValueError(f"device name must be a string; got {device_name!r}")
    text = re.sub(r"phase[\W_]*change", "phasechange", device_name.lower())
    word = next((w for w in re.findall(r"[a-z]+", text) if w in _ALIASES), None)
    return (CELL_FAMILIES[_ALIASES[word]], True) if word else (CELL_FAMILIES["rram"], False)


def array_cell(device_name: str, array_family: ArrayFamily, bits_per_cell: int = 1) -> tuple[CellFamily, bool]:
    """(cell, recognised) an array is priced with: for the SRAM families (charge, current and digital arrays: the
    family sets the cell, whatever the device is named; a charge array on the default RRAM device had been priced
    with RRAM cells, 12x smaller) ``bits_per_cell`` SRAM bit cells side by side along the row, each storing one bit
    and written with its own pulse energy (a 4-bit cell had been priced as one bit cell, 4x too small), else the
    device's (:func:`cell_family`)."""
    if ArrayFamily(array_family) != ArrayFamily.RESISTIVE:
        bit = CELL_FAMILIES["sram"]
        if bits_per_cell == 1:
            return bit, True
        return replace(bit, width_f=bit.width_f * bits_per_cell, write_energy_pj=bit.write_energy_pj * bits_per_cell,
                       source=f"{bit.source}; {bits_per_cell} bit cells a cell"), True
    return cell_family(device_name)


CROSSPOINT_F = 2.0
"""width and height of a crosspoint cell (no access transistor), feature sizes (NeuroSim Param:
heightInFeatureSizeCrossbar = widthInFeatureSizeCrossbar = 2)"""


@checked_types
def with_access(family: CellFamily, access: CellAccess) -> CellFamily:
    """``family`` with the geometry of ``access``: its own cell, or NeuroSim's 2F x 2F crosspoint cell (the config
    allows a crosspoint in resistive arrays only)."""
    if access == CellAccess.ONE_T_ONE_R:
        return family
    return replace(family, width_f=CROSSPOINT_F, height_f=CROSSPOINT_F,
                   source=family.source.replace(_NEUROSIM_1T1R, "NeuroSim Param: crossbar cell 2F x 2F"))


def _feature_um(node_nm: float) -> float:
    if not node_nm > 0.0:
        raise ValueError(f"technology node must be > 0 nm; got {node_nm!r}")
    return node_nm * 1e-3


@checked_types
def cell_area_um2(family: CellFamily, node_nm: float) -> float:
    """Area of one cell, um2: width_f * height_f * F**2 with F = node."""
    return family.width_f * family.height_f * _feature_um(node_nm) ** 2


@checked_types
def cell_pitch_um(family: CellFamily, node_nm: float) -> tuple[float, float]:
    """(pitch along a row, pitch along a column), um: the wire length one cell adds to a word / bit line."""
    f_um = _feature_um(node_nm)
    return family.width_f * f_um, family.height_f * f_um
