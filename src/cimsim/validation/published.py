"""Published figures of the designs behind cimsim's presets, as data.

Each :class:`Published` names the preset it checks, the quantity, the value and unit, where it was published
(paper, table or section, page), the relative tolerance cimsim is held to and why, and whether the cost model is
built on that very figure (``anchored``: a check of the bookkeeping, +-2 %) or predicts it (+-15 %, the target
of every independent prediction). ``expected`` says whether cimsim meets it today (``"pass"``) or misses it for
a reason stated in ``why`` (``"gap"``); the tests hold both, so a model change that closes or opens a gap shows
up. Sources:

- ISAAC: Shafiee et al., ISCA 2016, pp. 14-26 (corrected version of 5 Oct 2016); Table I "ISAAC parameters"
  (p. 8) gives power and area per IMA (group totals of 8 ADCs, 1024 DACs, ...) and per tile; Table IV gives
  CE and PE with HyperTransport included. Read via a transcription checked against a page render.
- PUMA: Ankit et al., ASPLOS 2019; read via a full-text digest (Table 6, Sec. 7.4) and its abstract (arXiv 1901.10351).
- NeuRRAM: Wan et al., Nature 608 (2022); read via a full-text digest.
- CICC 2021 22 nm SRAM macro (IEEE Xplore 9431575): the ZigZag-IMC AIMC validation script's "CICC2021" entry, and its
  title, "A 22 nm, 1540 TOP/s/W, 12.1 TOP/s/mm2 in-Memory Analog Matrix-Vector-Multiplier for DNN Acceleration"
  (Papistas et al.; UIUC IMC benchmarking database, row 33).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Published", "PUBLISHED", "PREDICTION_TOLERANCE", "ANCHOR_TOLERANCE", "fold_error"]

_ISAAC_T1 = "ISAAC (Shafiee, ISCA 2016), Table I, p. 8"
_ISAAC_T4 = "ISAAC (Shafiee, ISCA 2016), Table IV, p. 10"
_PUMA = "PUMA (Ankit, ASPLOS 2019), Table 6 / Sec. 7.4"
_NEURRAM = "NeuRRAM (Wan, Nature 2022), abstract / Fig. 1"
_CICC = "CICC 2021 22 nm SRAM AIMC (IEEE 9431575), via ZigZag-IMC validation 'aimc1'"
_CICC_TITLE = "CICC 2021 22 nm SRAM AIMC (IEEE 9431575), its title, via the UIUC IMC database row 33"
_ANCHOR = "cimsim's cost model is anchored on this very figure"


def fold_error(model: float, published: float) -> float:
    """How far ``model`` misses ``published``, as a signed factor: model / published - 1 where the model is the
    larger, 1 - published / model where it is the smaller, so a 2x miss is +100 % or -100 % either way. A figure
    then misses by as much whether its paper stated an energy per operation or its inverse, an efficiency (model /
    published - 1 had read a 2x miss as -50 % in TOPS/W and +100 % in pJ, so a statistic over both mixed two
    scales); the tolerances hold it."""
    ratio = model / published
    if not ratio > 0.0:  # a model of nothing misses without bound; one of the other sign is no figure (NaN: a miss)
        return -math.inf if ratio == 0.0 else math.nan
    return ratio - 1.0 if ratio >= 1.0 else 1.0 - 1.0 / ratio


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
    """largest accepted |:func:`fold_error`|"""
    expected: str
    """"pass": cimsim is within the tolerance; "gap": it is not, for the reason in ``why``"""
    why: str
    """why this tolerance, and the cause of a gap"""
    anchored: bool
    """the cost model is built on this very figure (a check of the bookkeeping, not a prediction)"""


PREDICTION_TOLERANCE = 0.15
"""tolerance of every independent prediction of an absolute figure (the issue's target)"""
ANCHOR_TOLERANCE = 0.02
"""tolerance of a figure the cost model is built on"""


def _p(key: str, value: float, unit: str, source: str, why: str, expected: str = "pass", anchored: bool = False,
       tolerance: float | None = None) -> Published:
    preset, _, name = key.partition(".")
    tol = tolerance if tolerance is not None else ANCHOR_TOLERANCE if anchored else PREDICTION_TOLERANCE
    return Published(key, preset, name.replace("_", " "), value, unit, source, tol, expected, why, anchored)


_ADC_CYCLE = ("the read cycle is 128 conversions of the survey's fastest 32 nm SAR bit-cycle (0.833 ns at 8 bits, "
              "docs/adc.md) = 106.7 ns, not ISAAC's 100 ns (ISAAC's 1.28 GS/s is above the SAR model's 1.2 GS/s)")

PUBLISHED: tuple[Published, ...] = (
    # ---- ISAAC, per IMA (8 arrays; Table I group totals) ----------------------------------------------------
    _p("isaac.adc_power_per_ima", 16.0, "mW", _ISAAC_T1,
       "independent: the survey SAR regression (docs/adc.md) at ISAAC's 8 bits, default ENOB 6.79, gives 1.25 pJ at "
       "the model's top rate of 1.2 GS/s (ISAAC: 1.56 pJ at 1.28 GS/s; with enob = 8 it would be 1.85 pJ)",
       expected="gap"),
    _p("isaac.dac_power_per_ima", 4.0, "mW", _ISAAC_T1,
       "independent: cimsim prices a 1-bit DAC as its word-line charge C*V**2 and its inverter driver chain "
       "(periphery.driver_chain_energy_pj), 0.4 fJ per activation of a 1.6 fF crosspoint row; ISAAC's 4 mW is "
       "0.39 pJ per DAC per 100 ns read, a DAC circuit the model has no law for (docs/cost_cim.md, known gaps)",
       expected="gap"),
    _p("isaac.sample_hold_power_per_ima", 0.010, "mW", _ISAAC_T1,
       "anchor: the energy per sample (cost/periphery.py) is this figure x 100 ns / 1024; checked at ISAAC's 100 ns "
       "read. At the model's own cycle the power is 100 / 106.7 of it: " + _ADC_CYCLE, anchored=True),
    _p("isaac.crossbar_power_per_ima", 2.4, "mW", _ISAAC_T1,
       "anchor: the preset's effective read pulse (0.1715 ns, isaac.toml) is fitted so that the arrays draw this "
       "figure at 100 ns; checked at ISAAC's 100 ns read. At the model's own cycle the power is 100 / 106.7 of it: "
       + _ADC_CYCLE, anchored=True),
    _p("isaac.shift_add_power_per_ima", 0.2, "mW", _ISAAC_T1,
       "anchor: the energy per shift-add (cost/periphery.py) is this figure over 8 ADCs x 1.28 GS/s; checked at "
       "ISAAC's 100 ns read. At the model's own cycle the power is 100 / 106.7 of it: " + _ADC_CYCLE, anchored=True),
    _p("isaac.adc_area_per_ima", 0.0096, "mm2", _ISAAC_T1,
       "independent: the survey area regression gives 5620 um2 per 8-bit 1.2 GS/s SAR at 32 nm; ISAAC's converter "
       "(Kull et al. 2013) is 0.22x of that regression, the 4th smallest of the survey's 586 designs relative to it "
       "(docs/adc.md)", expected="gap"),
    _p("isaac.dac_area_per_ima", 0.00017, "mm2", _ISAAC_T1, _ANCHOR, anchored=True),
    _p("isaac.sample_hold_area_per_ima", 0.00004, "mm2", _ISAAC_T1, _ANCHOR, anchored=True),
    _p("isaac.crossbar_area_per_ima", 0.0002, "mm2", _ISAAC_T1,
       "independent: the preset's crosspoint cell is NeuroSim's 4 F**2 at F = 32 nm (0.0041 um2); ISAAC's 0.0002 mm2 "
       "for 131072 cells is 0.0015 um2 per cell (a 4F**2 crosspoint at ~20 nm, 1 significant figure)", expected="gap"),
    _p("isaac.shift_add_area_per_ima", 0.00024, "mm2", _ISAAC_T1,
       "anchored on 60 um2 per unit; one unit per two ADCs (4 per IMA of 8 ADCs, as Table I)", anchored=True),
    # ---- ISAAC, per tile (96 arrays) -----------------------------------------------------------------------
    _p("isaac.buffer_power_per_tile", 20.7, "mW", _ISAAC_T1,
       "independent: the 64 KB eDRAM buffer (ISAAC's figure as CiMLoop's library scales it) is charged per bit the "
       "layer moves, ISAAC's power is for the buffer busy every cycle", expected="gap"),
    _p("isaac.buffer_area_per_tile", 0.083, "mm2", _ISAAC_T1,
       "anchor: the eDRAM area model (cimsim.cost.edram) is built on this figure", anchored=True),
    _p("isaac.bus_power_per_tile", 7.0, "mW", _ISAAC_T1,
       "independent of the power: cimsim charges the bus per bit moved (7 mW / 460.8 Gbit/s); ISAAC's bus is "
       "sized for 384 wires every cycle, the layer moves far fewer bits", expected="gap"),
    _p("isaac.bus_area_per_tile", 0.090, "mm2", _ISAAC_T1, _ANCHOR, anchored=True),
    # ---- ISAAC, system ------------------------------------------------------------------------------------
    _p("isaac.chip_throughput", 478.95 * 85.4, "GOPS", _ISAAC_T4 + " (CE x 85.4 mm2 chip area, Table I)",
       "independent cycle model: 16 reads per vector; " + _ADC_CYCLE + "; cimsim packs 15 weights per row of an "
       "array (offset reference columns) where ISAAC packs 16 (one unit column)"),
    _p("isaac.power_efficiency", 627.5, "GOPS/W", _ISAAC_T4,
       "independent, the whole chip (the layer widened to fill its 168 tiles, one global buffer for them all; until "
       "2026-12-06 one tile carrying the whole global buffer, +64 %): cimsim prices the routers (ISAAC's, a "
       "quarter a tile) but no IR/OR buffers or HyperTransport link (10.4 W, 16 % of chip power), its DAC "
       "power is ~0 and its ADC power low (see those cases), so "
       "it comes out high", expected="gap"),
    _p("isaac.computational_efficiency", 478.95, "GOPS/s/mm2", _ISAAC_T4,
       "independent, the whole chip (as the power efficiency; until 2026-12-06 one tile with the whole chip's "
       "global buffer, 24 % of its area: -123 %): the survey-regression ADC area (4.7x ISAAC's: 71 % of the model's "
       "128 mm2 against ISAAC's 85.4) outweighs the missing IR/OR buffers' and HyperTransport link's area",
       expected="gap"),
    # ---- PUMA ---------------------------------------------------------------------------------------------
    _p("puma.mvmu_energy", 43.97, "nJ", _PUMA + ": 16,384 MACs",
       "independent: the macro's components (MACRO_COMPONENTS, as every macro figure) at PUMA's configuration: ADC "
       "21.5 nJ (the survey SAR, 21 % below ISAAC's converter, which PUMA adopts: isaac.adc power per ima), cells 4.1 "
       "nJ, DAC drivers 0.07 nJ (ISAAC's DACs draw a quarter of its ADCs' power: isaac.dac power per ima); PUMA's own "
       "MVMU periphery (input and output registers) is not modelled", expected="gap"),
    _p("puma.mvmu_latency", 2304.0, "ns", _PUMA + ": 16,384 MACs",
       "independent: 16 reads, each 128 conversions of cimsim's 8-bit SAR (one ADC per 128 columns) at 32 nm, "
       "against PUMA's 144 ns per input bit", expected="gap"),
    _p("puma.power_efficiency", 837.0, "GOPS/W", _PUMA + ", abstract",
       "independent, the whole chip (the layer widened to fill its tiles: the schema's ISAAC layout, 168 tiles of 96 "
       "arrays, PUMA's not stated in the text read; until 2026-12-06 one MVMU's layer): PUMA's cores, VFUs and "
       "register files are not modelled", expected="gap"),
    _p("puma.area_efficiency", 577.0, "GOPS/s/mm2", "PUMA (Ankit, ASPLOS 2019), abstract ('577 GOPS/s/mm^2' at 1 GHz)",
       "independent, the whole chip (as the power efficiency; until 2026-12-06 one tile with the whole chip's 256 "
       "KiB global buffer, 185.6): the survey-regression SAR (4.7x ISAAC's converter, which PUMA adopts) is 65 % of "
       "the model's 140 mm2", expected="gap"),
    # ---- NeuRRAM ------------------------------------------------------------------------------------------
    _p("neurram.rram_cells", 3.0e6, "cells", _NEURRAM + ": 48 cores, '3 million RRAM'",
       "bookkeeping: the preset's own fields (48 cores x 256 x 256 cells, from the paper) = 3.15 M against the "
       "rounded '3 million'", anchored=True, tolerance=0.05),
    # ---- CICC 2021 SRAM macro -----------------------------------------------------------------------------
    _p("sram-cicc2021.throughput", 2 * 1024 * 512 * 22.5e6 / 1e12, "TOPS", _CICC + " (1024 x 512 MACs per 1/22.5 MHz)",
       "the preset's read pulse is the published cycle: checks that one MVM takes one cycle", anchored=True),
    _p("sram-cicc2021.energy_efficiency", 1050.0, "TOPS/W", _CICC,
       "independent: current family (bit lines of 1024 SRAM loads swing 0.8 V in full, an upper bound), 7-bit DAC "
       "per row (ZigZag-IMC 50 fF per bit), 6-bit survey SAR per output: the model spends less than the macro",
       expected="gap"),
    _p("sram-cicc2021.compute_density", 12.1, "TOPS/mm2",
       _CICC_TITLE + " (area: ZigZag-IMC validation 'aimc1', 1.9425 mm2)",
       "independent, the macro's components alone (as its 1.9425 mm2): cimsim's 0.88 mm2 (ADCs 0.72, cells 0.14) is "
       "45 % of it: a 6T-sized cell (0.136 um2, NeuroSim) where the macro's cell is 18T (UIUC database), and no row "
       "drivers, pulse generators or control (ZigZag-IMC doubles its banks' area for the pulse generators)",
       expected="gap"),
)
"""every published figure cimsim is checked against"""
