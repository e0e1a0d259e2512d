"""cimsim's value of every published figure, computed from the presets by the cost models.

Each design runs its preset's nominal workload (``[workload]`` of the preset) through the analytic path:
``analytic_counts`` of the preset's plan priced by ``cim_breakdown``. Powers are energy over latency (pJ/ns =
mW); system figures leave out the DRAM traffic of the nominal workload (the published designs keep
activations on chip, or count their off-chip links separately); a macro's energy (PUMA's per-MVMU energy, CICC
2021's efficiency) and compute density count the macro components alone (``MACRO_COMPONENTS``), as macro papers
measure them. An anchored per-IMA power of ISAAC is taken at ISAAC's own 100 ns read, the cycle its per-action
energy was derived at (:func:`_per_isaac_read_mw`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from ..breakdown import Breakdown
from ..config import load_preset
from ..config.schema import Config
from ..cost import cim_breakdown
from ..cost.cim import MACRO_COMPONENTS
from ..cost.periphery import ISAAC_READ_NS
from ..analytic import DataStats, analytic_counts
from ..mapping import plan_layer
from .published import PREDICTION_TOLERANCE, PUBLISHED, Published, fold_error

__all__ = ["CaseResult", "model_value", "validate", "markdown_table", "summary_line"]

_ON_CHIP = lambda key: key != "dram"  # noqa: E731


@dataclass(frozen=True)
class CaseResult:
    """A published figure next to cimsim's."""

    case: Published
    model: float

    @property
    def error(self) -> float:
        """how far the model misses the published figure (:func:`.published.fold_error`)"""
        return fold_error(self.model, self.case.value)

    @property
    def passed(self) -> bool:
        return abs(self.error) <= self.case.tolerance


def _with_outputs(config: Config, out_features: int) -> Config:
    return replace(config, workload=replace(config.workload, out_features=out_features))


@functools.cache
def _breakdown(preset: str, out_features: int | None = None) -> Breakdown:
    config = load_preset(preset)
    if out_features is not None:
        config = _with_outputs(config, out_features)
    plan = plan_layer(config)
    return cim_breakdown(config, plan, analytic_counts(plan, config.workload.vectors, DataStats.of(config)))


def _tile(preset: str) -> Breakdown:
    """the preset's layer widened to fill one tile (``chip.arrays_per_tile`` arrays)"""
    config = load_preset(preset)
    plan = plan_layer(config)
    return _breakdown(preset, plan.outputs_per_array * config.chip.arrays_per_tile)


def _chip(preset: str) -> Breakdown:
    """the preset's layer widened to fill every tile of its chip: what a chip-level figure (the whole chip's rate over
    its power or area, one global buffer for all its tiles) measures"""
    config = load_preset(preset)
    return _breakdown(preset, plan_layer(config).outputs_per_array * config.chip.arrays_per_tile * config.chip.tiles)


def _power_mw(b: Breakdown, key: str) -> float:
    return b.energy_pj[key] / b.compute_ns


def _ops_per_s(b: Breakdown) -> float:
    """2 operations per MAC over the compute time (the arrays and their periphery, no DRAM roofline)"""
    return 2.0 * b.macs / (b.compute_ns * 1e-9)


def _on_chip_power_w(b: Breakdown) -> float:
    return sum(v for k, v in b.energy_pj.items() if _ON_CHIP(k)) / b.compute_ns * 1e-3


def _macro_power_w(b: Breakdown) -> float:
    """the macro alone (arrays, drivers, converters): what a macro paper measures"""
    return sum(b.energy_pj.get(k, 0.0) for k in MACRO_COMPONENTS) / b.compute_ns * 1e-3


def _macro_area_mm2(b: Breakdown) -> float:
    """the macro alone (arrays, drivers, converters): the area a macro paper states"""
    return sum(b.area_um2.get(k, 0.0) for k in MACRO_COMPONENTS) * 1e-6


@functools.cache
def _per_isaac_read_mw(key: str) -> float:
    """the per-IMA power of component ``key`` at ISAAC's own read cycle, mW: its energy per read (vectors x reads per
    vector) over ISAAC_READ_NS, the cycle its per-action energy was derived at (an anchor's check; the model's
    ADC-bound cycle of 106.7 ns gives 100 / 106.7 of it)"""
    config = load_preset(_IMA)
    reads = config.workload.vectors * plan_layer(config).reads_per_vector
    return _breakdown(_IMA).energy_pj[key] / (reads * ISAAC_READ_NS)


def _puma_per_mvmu(quantity: str) -> float:
    """PUMA's per-MVMU figures (Table 6): the macro's energy (:data:`MACRO_COMPONENTS`, as every macro figure) per
    16,384 MACs, nJ, or the time of one vector, ns"""
    b = _breakdown("puma")
    macs_per_mvmu = 128 * 128  # PUMA Table 6: 16,384 MACs per MVMU operation
    if quantity == "energy":
        return sum(b.energy_pj.get(k, 0.0) for k in MACRO_COMPONENTS) / b.macs * macs_per_mvmu * 1e-3
    return b.compute_ns / b.mvms  # one vector through the 128 inputs: one MVMU operation


def _neurram_cells() -> float:
    c = load_preset("neurram")
    return float(c.chip.tiles * c.chip.arrays_per_tile * c.array.rows * c.array.cols)


_IMA = "isaac"
_MODEL: dict[str, Callable[[], float]] = {
    "isaac.adc_power_per_ima": lambda: _power_mw(_breakdown(_IMA), "adc"),
    "isaac.dac_power_per_ima": lambda: _power_mw(_breakdown(_IMA), "dac"),
    "isaac.sample_hold_power_per_ima": lambda: _per_isaac_read_mw("sample_hold"),
    "isaac.crossbar_power_per_ima": lambda: _per_isaac_read_mw("array"),
    "isaac.shift_add_power_per_ima": lambda: _per_isaac_read_mw("shift_add"),
    "isaac.adc_area_per_ima": lambda: _breakdown(_IMA).area_um2["adc"] * 1e-6,
    "isaac.dac_area_per_ima": lambda: _breakdown(_IMA).area_um2["dac"] * 1e-6,
    "isaac.sample_hold_area_per_ima": lambda: _breakdown(_IMA).area_um2["sample_hold"] * 1e-6,
    "isaac.crossbar_area_per_ima": lambda: _breakdown(_IMA).area_um2["array"] * 1e-6,
    "isaac.shift_add_area_per_ima": lambda: _breakdown(_IMA).area_um2["shift_add"] * 1e-6,
    "isaac.buffer_power_per_tile": lambda: _power_mw(_tile("isaac"), "buffers"),
    "isaac.buffer_area_per_tile": lambda: _tile("isaac").area_um2["buffers"] * 1e-6,
    "isaac.bus_power_per_tile": lambda: _power_mw(_tile("isaac"), "interconnect"),
    "isaac.bus_area_per_tile": lambda: _tile("isaac").area_um2["interconnect"] * 1e-6,
    "isaac.chip_throughput": lambda: _ops_per_s(_chip("isaac")) * 1e-9,
    "isaac.power_efficiency": lambda: _ops_per_s(_chip("isaac")) * 1e-9 / _on_chip_power_w(_chip("isaac")),
    "isaac.computational_efficiency": lambda: _ops_per_s(_chip("isaac")) * 1e-9 / _chip("isaac").area_mm2,
    "puma.mvmu_energy": lambda: _puma_per_mvmu("energy"),
    "puma.mvmu_latency": lambda: _puma_per_mvmu("latency"),
    "puma.power_efficiency": lambda: _ops_per_s(_chip("puma")) * 1e-9 / _on_chip_power_w(_chip("puma")),
    "puma.area_efficiency": lambda: _ops_per_s(_chip("puma")) * 1e-9 / _chip("puma").area_mm2,
    "neurram.rram_cells": _neurram_cells,
    "sram-cicc2021.throughput": lambda: _ops_per_s(_breakdown("sram-cicc2021")) * 1e-12,
    "sram-cicc2021.energy_efficiency": lambda: (_ops_per_s(_breakdown("sram-cicc2021")) * 1e-12
                                                / _macro_power_w(_breakdown("sram-cicc2021"))),
    "sram-cicc2021.compute_density": lambda: (_ops_per_s(_breakdown("sram-cicc2021")) * 1e-12
                                              / _macro_area_mm2(_breakdown("sram-cicc2021"))),
}


def model_value(key: str) -> float:
    """cimsim's value of the published figure ``key`` (in the figure's unit)."""
    try:
        return float(_MODEL[key]())
    except KeyError:
        raise ValueError(f"no model for published figure {key!r}; known: {', '.join(_MODEL)}") from None


def validate(cases: Iterable[Published] = PUBLISHED) -> list[CaseResult]:
    """Every case next to cimsim's value."""
    return [CaseResult(case, model_value(case.key)) for case in cases]


def markdown_table(results: Iterable[CaseResult]) -> str:
    """Preset, quantity, model, published, unit, % error, tolerance, pass/fail (an anchor's labelled: a check of the
    bookkeeping, not a prediction), source."""
    lines = ["| preset | quantity | model | published | unit | error | tolerance | result | source |",
             "|---|---|---:|---:|---|---:|---:|---|---|"]
    for r in results:
        c = r.case
        verdict = "pass" if r.passed else "FAIL"
        if c.expected == "gap":
            verdict += " (known gap)"
        if c.anchored:
            verdict += " (anchor)"
        lines.append(f"| {c.preset} | {c.quantity} | {r.model:.4g} | {c.value:.4g} | {c.unit} | {100 * r.error:+.1f} % "
                     f"| ±{100 * c.tolerance:.0f} % | {verdict} | {c.source} |")
    return "\n".join(lines)


def summary_line(results: Iterable[CaseResult]) -> str:
    """How many predictions are within ±15 % (:data:`PREDICTION_TOLERANCE`), and the anchors (checks of the
    bookkeeping, counted apart) within theirs."""
    results = list(results)
    own = [r for r in results if not r.case.anchored]
    anchors = [r for r in results if r.case.anchored]
    return (f"{sum(abs(r.error) <= PREDICTION_TOLERANCE for r in own)} of {len(own)} predictions within "
            f"±{100 * PREDICTION_TOLERANCE:.0f} %; {len(anchors)} anchors (figures the cost model is built on, "
            f"checks of the bookkeeping: not counted as predictions), {sum(r.passed for r in anchors)} within their "
            "tolerance.")
