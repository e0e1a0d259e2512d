"""Published figures of the designs behind cimsim's presets, as data.

Each :class:`Published` names the preset it checks, the quantity, the value and unit, where it was published
(paper, table or section, page), the relative tolerance cimsim is held to and why. ``expected`` says whether
cimsim meets it today (``"pass"``) or misses it for a reason stated in ``why`` (``"gap"``); the tests hold
both, so a model change that closes or opens a gap shows up. Sources:

- ISAAC: Shafiee et al., ISCA 2016, pp. 14-26 (corrected version of 5 Oct 2016); Table I "ISAAC parameters"
  (p. 8) gives power and area per IMA (group totals of 8 ADCs, 1024 DACs, ...) and per tile; Table IV gives
  CE and PE with HyperTransport included. Read via a transcription checked against a page render.
- PUMA: Ankit et al., ASPLOS 2019; read via a full-text digest (Table 6, Sec. 7.4).
- NeuRRAM: Wan et al., Nature 608 (2022); read via a full-text digest.
- CICC 2021 22 nm SRAM macro (IEEE Xplore 9431575): the ZigZag-IMC AIMC validation script's "CICC2021" entry.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Published", "PUBLISHED"]

_ISAAC_T1 = "ISAAC (Shafiee, ISCA 2016), Table I, p. 8"
_ISAAC_T4 = "ISAAC (Shafiee, ISCA 2016), Table IV, p. 10"
_PUMA = "PUMA (Ankit, ASPLOS 2019), Table 6 / Sec. 7.4"
_NEURRAM = "NeuRRAM (Wan, Nature 2022), abstract / Fig. 1"
_CICC = "CICC 2021 22 nm SRAM AIMC (IEEE 9431575), via ZigZag-IMC validation 'aimc1'"
_ANCHOR = "cimsim's cost model is anchored on this very figure"


@dataclass(frozen=True)
class Published:
    """One published figure and how closely cimsim must reproduce it."""

    key: str
    """unique id, ``preset.quantity``"""
    preset: str
    quantity: str
    value: float
    unit: str
    source: str
    """paper, table or section, page"""
    tolerance: float
    """largest accepted |model / published - 1|"""
    expected: str
    """"pass": cimsim is within the tolerance; "gap": it is not, for the reason in ``why``"""
    why: str
    """why this tolerance (anchored or independent model), and the cause of a gap"""


def _p(key: str, value: float, unit: str, source: str, tolerance: float, why: str, expected: str = "pass",
       quantity: str = "") -> Published:
    preset, _, name = key.partition(".")
    return Published(key, preset, quantity or name.replace("_", " "), value, unit, source, tolerance, expected, why)


PUBLISHED: tuple[Published, ...] = (
    # ---- ISAAC, per IMA (8 arrays; Table I group totals) ----------------------------------------------------
    _p("isaac.adc_power_per_ima", 16.0, "mW", _ISAAC_T1, 0.02, _ANCHOR + " (2 mW at 1.28 GS/s per ADC)"),
    _p("isaac.dac_power_per_ima", 4.0, "mW", _ISAAC_T1, 0.5,
       "independent: cimsim prices a 1-bit DAC as its word-line charge C*V**2 (ZigZag-IMC); ISAAC's 4 mW includes "
       "driver circuits that model leaves out (docs/cost_cim.md, known gaps)", expected="gap"),
    _p("isaac.sample_hold_power_per_ima", 0.010, "mW", _ISAAC_T1, 0.02, _ANCHOR),
    _p("isaac.crossbar_power_per_ima", 2.4, "mW", _ISAAC_T1, 0.02,
       "the preset's effective read pulse is derived from this figure (isaac.toml); checks that derivation"),
    _p("isaac.shift_add_power_per_ima", 0.2, "mW", _ISAAC_T1, 0.02, _ANCHOR),
    _p("isaac.adc_area_per_ima", 0.0096, "mm2", _ISAAC_T1, 0.02, _ANCHOR),
    _p("isaac.dac_area_per_ima", 0.00017, "mm2", _ISAAC_T1, 0.02, _ANCHOR),
    _p("isaac.sample_hold_area_per_ima", 0.00004, "mm2", _ISAAC_T1, 0.02, _ANCHOR),
    _p("isaac.crossbar_area_per_ima", 0.0002, "mm2", _ISAAC_T1, 0.5,
       "independent: cimsim's 1T1R cell is NeuroSim's 48 F**2 at F = 32 nm (0.049 um2); ISAAC's 0.0002 mm2 for "
       "131072 cells is 0.0015 um2 per cell (a 4F**2 crosspoint at ~20 nm, 1 significant figure)", expected="gap"),
    _p("isaac.shift_add_area_per_ima", 0.00024, "mm2", _ISAAC_T1, 0.02,
       "anchored on 60 um2 per unit, but cimsim places ceil(ADCs per array / 2) units per array: with one ADC per "
       "array that is 8 units per IMA where ISAAC has 4 (one per 2 ADCs), x2", expected="gap"),
    # ---- ISAAC, per tile (96 arrays) -----------------------------------------------------------------------
    _p("isaac.buffer_power_per_tile", 20.7, "mW", _ISAAC_T1, 0.5,
       "independent: the 64 KB eDRAM buffer (ISAAC's figure as CiMLoop's library scales it) is charged per bit the "
       "layer moves, ISAAC's power is for the buffer busy every cycle: -39 %"),
    _p("isaac.buffer_area_per_tile", 0.083, "mm2", _ISAAC_T1, 0.02,
       "anchor: the eDRAM area model (cimsim.cost.edram) is built on this figure"),
    _p("isaac.bus_power_per_tile", 7.0, "mW", _ISAAC_T1, 0.5,
       "independent of the power: cimsim charges the bus per bit moved (7 mW / 460.8 Gbit/s); ISAAC's bus is "
       "sized for 384 wires every cycle, the layer moves far fewer bits", expected="gap"),
    _p("isaac.bus_area_per_tile", 0.090, "mm2", _ISAAC_T1, 0.02, _ANCHOR),
    # ---- ISAAC, system ------------------------------------------------------------------------------------
    _p("isaac.chip_throughput", 478.95 * 85.4, "GOPS", _ISAAC_T4 + " (CE x 85.4 mm2 chip area, Table I)", 0.1,
       "independent cycle model (16 reads of 100 ns per vector); cimsim packs 15 weights per row of an array "
       "(offset reference columns) where ISAAC packs 16 (one unit column), -6 %"),
    _p("isaac.power_efficiency", 627.5, "GOPS/W", _ISAAC_T4, 0.5,
       "independent: cimsim has no router, IR/OR buffers or HyperTransport (10.4 W, 16 % of chip power) and its "
       "DAC power is ~0 (see that case), so it comes out high"),
    _p("isaac.computational_efficiency", 478.95, "GOPS/s/mm2", _ISAAC_T4, 0.5,
       "independent: cimsim's tile has no router (0.038 mm2 per tile) or HyperTransport (22.88 mm2 per chip), but "
       "its cells are 32x ISAAC's (see crossbar area)"),
    # ---- PUMA ---------------------------------------------------------------------------------------------
    _p("puma.mvmu_energy", 43.97, "nJ", _PUMA + ": 16,384 MACs", 0.5,
       "independent: ISAAC's component figures at PUMA's 1 GHz; PUMA's own MVMU periphery is not modelled"),
    _p("puma.mvmu_latency", 2304.0, "ns", _PUMA + ": 16,384 MACs", 0.5,
       "independent: cimsim's 16 reads x 100 ns (one 1.28 GS/s ADC per 128 columns, ISAAC's) against PUMA's "
       "144 ns per input bit"),
    _p("puma.power_efficiency", 837.0, "GOPS/W", _PUMA + ", abstract", 0.5,
       "independent: macro and tile buffers only; PUMA's cores, VFUs, register files and network are not "
       "modelled"),
    # ---- NeuRRAM ------------------------------------------------------------------------------------------
    _p("neurram.rram_cells", 3.0e6, "cells", _NEURRAM + ": 48 cores, '3 million RRAM'", 0.05,
       "structure only: 48 cores x 256 x 256 cells = 3.15 M against the rounded '3 million'"),
    # ---- CICC 2021 SRAM macro -----------------------------------------------------------------------------
    _p("sram-cicc2021.throughput", 2 * 1024 * 512 * 22.5e6 / 1e12, "TOPS", _CICC + " (1024 x 512 MACs per 1/22.5 MHz)",
       0.02, "the preset's read pulse is the published cycle: checks that one MVM takes one cycle"),
    _p("sram-cicc2021.energy_efficiency", 1050.0, "TOPS/W", _CICC, 0.5,
       "independent: cimsim prices a resistive cell (the sram preset's illustrative 20 uS at VDD for the whole "
       "cycle) and a 7-bit DAC per row (ZigZag's 50 fF/bit); the macro computes in the charge domain", expected="gap"),
)
"""every published figure cimsim is checked against"""
