"""One layer on its arrays: the cycle model, the dynamic energy of its counts, the area of its arrays.

The chip around the arrays (tiles, buffers, network, pipeline, leakage) is :mod:`cimsim.cost.chip`.

Energy. Each key is a sum of counts times the energy of that action
(:class:`~cimsim.cost.parameters.CimParameters`):

- ``dac``: DAC conversions x DAC energy + non-zero rows x word-line charge C_row * V_read**2;
- ``array``: bit-line charges (reads x used columns) x C_bl * V_read**2 + sum of G * V**2 * t of the cells;
- ``sample_hold``, ``adc``: one sample and one conversion per converted column (ADC at its sampling rate);
- ``shift_add``, ``accumulate``; ``buffers`` (tile buffer bits); ``interconnect`` (bit-hops on the tile
  bus); ``dram``; ``programming``.

Cycle model. A read applies one input plane to one row group for ``read_pulse_ns``; its columns are
held by sample-and-hold circuits, so the ADCs convert them while the next read is applied. A read
cycle is max(read pulse, conversions per ADC x fastest conversion time); the ADCs sample at
conversions / read cycle. A vector takes ``reads_per_vector`` cycles; all arrays of the layer work in
parallel. Paid once per item: the first pulse (or the last conversions) and the digital tail (one
shift-add cycle plus one cycle per level of the adder tree over row tiles, at ``technology.clock_ghz``).
Programming writes one row of every array at a time.

Area. Cells (arrays x rows x cols), ADCs (arrays x ADCs per array), one DAC per row, one
sample-and-hold per column, one shift-and-add unit per two ADCs (ISAAC), accumulators for every output
when the input spans several row tiles; all times the copies of the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..counts import Counts
from ..mapping import Plan
from .parameters import CimParameters, conversions_per_adc
from .periphery import ISAAC_ADCS_PER_SHIFT_ADD

__all__ = ["CimTiming", "cim_timing", "layer_energy_pj", "layer_area_um2", "check_counts"]


@dataclass(frozen=True)
class CimTiming:
    """The cycle model of one layer (times in ns)."""

    conversions_per_adc: int
    """columns one ADC converts per read"""
    adc_rate_gsps: float
    """conversions_per_adc / read_cycle_ns: the rate the ADCs sample at"""
    read_cycle_ns: float
    """max(read pulse, conversions_per_adc x fastest conversion time)"""
    reads_per_vector: int
    vector_ns: float
    """reads_per_vector x read_cycle_ns: the steady-state time of one vector on one copy"""
    fill_ns: float
    """paid once per item: min(read pulse, conversions x conversion time) + digital tail"""
    digital_tail_ns: float
    """shift-add cycle + adder-tree levels over row tiles, at the digital clock"""
    programming_ns: float
    """writing the counted cells, one row of every array at a time"""
    replicas: int
    """copies of the weights from mapping.replication"""


def cim_timing(plan: Plan, params: CimParameters, cell_writes: int = 0) -> CimTiming:
    """The cycle model of ``plan`` with the times in ``params``; ``cell_writes`` cells are programmed first."""
    if cell_writes < 0:
        raise ValueError(f"cell_writes must be >= 0; got {cell_writes!r}")
    conversions = conversions_per_adc(plan)
    convert_ns = conversions * params.adc_conversion_ns
    read_cycle_ns = max(params.read_pulse_ns, convert_ns)
    tree_levels = math.ceil(math.log2(plan.row_tiles)) if plan.row_tiles > 1 else 0
    digital_tail_ns = (1 + tree_levels) * params.digital_cycle_ns
    rows_written = math.ceil(cell_writes / (plan.n_arrays * plan.cols))
    return CimTiming(
        conversions_per_adc=conversions,
        adc_rate_gsps=conversions / read_cycle_ns,
        read_cycle_ns=read_cycle_ns,
        reads_per_vector=plan.reads_per_vector,
        vector_ns=plan.reads_per_vector * read_cycle_ns,
        fill_ns=min(params.read_pulse_ns, convert_ns) + digital_tail_ns,
        digital_tail_ns=digital_tail_ns,
        programming_ns=rows_written * params.cell_write_ns,
        replicas=plan.replication,
    )


def check_counts(plan: Plan, counts: Counts) -> None:
    """Raise ValueError unless ``plan`` is a Plan and ``counts`` Counts made with the plan's converters."""
    if not isinstance(plan, Plan):
        raise ValueError(f"plan must be a cimsim Plan; got {type(plan).__name__}")
    if not isinstance(counts, Counts):
        raise ValueError(f"counts must be cimsim Counts; got {type(counts).__name__}")
    if counts.adc_conversions and counts.adc_bits != plan.adc_bits:
        raise ValueError(f"counts were made with {counts.adc_bits}-bit ADCs but the plan has {plan.adc_bits}-bit ADCs")
    if counts.dac_conversions and counts.dac_bits != plan.dac_bits:
        raise ValueError(f"counts were made with {counts.dac_bits}-bit DACs but the plan has {plan.dac_bits}-bit DACs")


def _mean_used_cols(plan: Plan) -> float:
    """used columns per array read, averaged over the column tiles"""
    return sum(plan.used_cols(plan.outputs_of_col_tile(t)) for t in range(plan.col_tiles)) / plan.col_tiles


def layer_energy_pj(counts: Counts, plan: Plan, p: CimParameters, copies: int = 1) -> dict[str, float]:
    """Dynamic energy of ``counts`` on ``plan``'s arrays, pJ per component; ``copies`` extra copies of the
    weights share the work (same energy) but are all programmed."""
    bitline_charges = counts.array_reads * _mean_used_cols(plan)
    return {
        "dac": counts.dac_conversions * p.dac_energy_pj + counts.row_activations * p.row_charge_energy_pj,
        "array": bitline_charges * p.bitline_charge_energy_pj + counts.array_gv2t_fj * 1e-3,
        "sample_hold": counts.adc_conversions * p.sample_hold_energy_pj,
        "adc": counts.adc_conversions * p.adc_energy_pj,
        "shift_add": counts.shift_adds * p.shift_add_energy_pj,
        "accumulate": counts.accumulator_adds * p.accumulator_add_energy_pj,
        "buffers": (counts.buffer_read_bits * p.buffer_read_energy_pj_per_bit
                    + counts.buffer_write_bits * p.buffer_write_energy_pj_per_bit),
        "interconnect": counts.interconnect_bit_hops * p.interconnect_energy_pj_per_bit_hop,
        "dram": (counts.dram_read_bits + counts.dram_write_bits) * p.dram_energy_pj_per_bit,
        "programming": copies * counts.cell_writes * p.cell_write_energy_pj,
    }


def layer_area_um2(plan: Plan, p: CimParameters, copies: int = 1) -> dict[str, float]:
    """Area of ``copies`` copies of ``plan``'s arrays with their converters and digital periphery, um2."""
    n = plan.n_arrays * copies
    accumulators = plan.out_features * plan.replication * copies if plan.row_tiles > 1 else 0
    return {
        "array": n * plan.rows * plan.cols * p.cell_area_um2,
        "dac": n * plan.rows * p.dac_area_um2,
        "sample_hold": n * plan.cols * p.sample_hold_area_um2,
        "adc": n * plan.adcs_per_array * p.adc_area_um2,
        "shift_add": n * math.ceil(plan.adcs_per_array / ISAAC_ADCS_PER_SHIFT_ADD) * p.shift_add_area_um2,
        "accumulate": accumulators * p.accumulator_area_um2,
    }
