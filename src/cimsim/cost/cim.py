"""The CIM side's cost: energy per component (counts x energy per action), latency, area.

Energy. Each key of the breakdown is a sum of counts times the energy of that action
(:class:`~cimsim.cost.parameters.CimParameters`):

- ``dac``: DAC conversions x DAC energy + non-zero rows x word-line charge C_row * V_read**2;
- ``array``: bit-line charges (reads x used columns) x C_bl * V_read**2 + sum of G * V**2 * t of the cells;
- ``sample_hold``, ``adc``: one sample and one conversion per converted column;
- ``shift_add``, ``accumulate``, ``buffers``, ``interconnect``, ``dram``, ``programming``.

Latency (cycle model). A read applies one input plane to one row group for ``read_pulse_ns``; its
columns are held by sample-and-hold circuits, so the ADCs convert them while the next read is applied.
A read cycle is therefore max(read pulse, conversions per ADC x conversion time), and a vector takes
``reads_per_vector`` cycles; all arrays work in parallel and vectors follow each other without a gap.
The first pulse (or the last conversions) and the digital tail (one shift-add cycle plus one cycle per
level of the adder tree over row tiles, at ``technology.clock_ghz``) are paid once. Programming, when
counted, writes one row of every array at a time and adds its write time to the compute time.
With ``mapping.replication`` copies of the weights, the copies take vectors in turn:
compute_ns = programming + ceil(vectors / copies) x vector time + fill; memory_ns = DRAM bits / DRAM bandwidth;
latency = max(compute, memory) (roofline, as the baseline).

Area. Cells (arrays x rows x cols), ADCs (arrays x ADCs per array), one DAC per row, one
sample-and-hold per column, one shift-and-add unit per two ADCs (ISAAC), accumulators for every output
when the input spans several row tiles, and one buffer and bus per tile of up to 96 arrays (ISAAC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..breakdown import Breakdown
from ..config.schema import Config
from ..counts import Counts
from ..mapping import Plan
from .parameters import CimParameters, cim_parameters
from .periphery import ISAAC_ADCS_PER_SHIFT_ADD, ISAAC_ARRAYS_PER_TILE

__all__ = ["CimTiming", "cim_timing", "cim_breakdown"]


@dataclass(frozen=True)
class CimTiming:
    """The cycle model of one layer (times in ns)."""

    conversions_per_adc: int
    """columns one ADC converts per read"""
    read_cycle_ns: float
    """max(read pulse, conversions_per_adc x conversion time)"""
    reads_per_vector: int
    vector_ns: float
    """reads_per_vector x read_cycle_ns: the steady-state time of one vector"""
    fill_ns: float
    """paid once: min(read pulse, conversions x conversion time) + digital tail"""
    digital_tail_ns: float
    """shift-add cycle + adder-tree levels over row tiles, at the digital clock"""
    programming_ns: float
    replicas: int
    """copies of the weights working on different vectors at once"""

    def compute_ns(self, vectors: int) -> float:
        """Time the arrays and their periphery need for ``vectors`` vectors (and the programming)."""
        work = math.ceil(vectors / self.replicas) * self.vector_ns + self.fill_ns if vectors > 0 else 0.0
        return self.programming_ns + work


def _tiles(plan: Plan) -> int:
    return math.ceil(plan.n_arrays / ISAAC_ARRAYS_PER_TILE)


def cim_timing(plan: Plan, params: CimParameters, cell_writes: int = 0) -> CimTiming:
    """The cycle model of ``plan`` with the times in ``params``; ``cell_writes`` cells are programmed first."""
    if cell_writes < 0:
        raise ValueError(f"cell_writes must be >= 0; got {cell_writes!r}")
    conversions = math.ceil(plan.converted_cols(plan.outputs_per_array) / plan.adcs_per_array)
    convert_ns = conversions * params.adc_conversion_ns
    read_cycle_ns = max(params.read_pulse_ns, convert_ns)
    tree_levels = math.ceil(math.log2(plan.row_tiles)) if plan.row_tiles > 1 else 0
    digital_tail_ns = (1 + tree_levels) * params.digital_cycle_ns
    rows_written = math.ceil(cell_writes / (plan.n_arrays * plan.cols))
    return CimTiming(
        conversions_per_adc=conversions,
        read_cycle_ns=read_cycle_ns,
        reads_per_vector=plan.reads_per_vector,
        vector_ns=plan.reads_per_vector * read_cycle_ns,
        fill_ns=min(params.read_pulse_ns, convert_ns) + digital_tail_ns,
        digital_tail_ns=digital_tail_ns,
        programming_ns=rows_written * params.cell_write_ns,
        replicas=plan.replication,
    )


def _mean_used_cols(plan: Plan) -> float:
    """used columns per array read, averaged over the column tiles"""
    return sum(plan.used_cols(plan.outputs_of_col_tile(t)) for t in range(plan.col_tiles)) / plan.col_tiles


def _energy_pj(counts: Counts, plan: Plan, p: CimParameters) -> dict[str, float]:
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
        "programming": counts.cell_writes * p.cell_write_energy_pj,
    }


def _area_um2(plan: Plan, p: CimParameters) -> dict[str, float]:
    n, adcs = plan.n_arrays, plan.n_arrays * plan.adcs_per_array
    accumulators = plan.out_features * plan.replication if plan.row_tiles > 1 else 0
    return {
        "array": n * plan.rows * plan.cols * p.cell_area_um2,
        "dac": n * plan.rows * p.dac_area_um2,
        "sample_hold": n * plan.cols * p.sample_hold_area_um2,
        "adc": adcs * p.adc_area_um2,
        "shift_add": n * math.ceil(plan.adcs_per_array / ISAAC_ADCS_PER_SHIFT_ADD) * p.shift_add_area_um2,
        "accumulate": accumulators * p.accumulator_area_um2,
        "buffers": _tiles(plan) * p.buffer_area_um2,
        "interconnect": _tiles(plan) * p.bus_area_um2,
    }


def _assumptions(config: Config, plan: Plan, counts: Counts, p: CimParameters, t: CimTiming) -> tuple[str, ...]:
    tech = config.technology
    out = [
        f"Technology {tech.node_nm:g} nm, {tech.vdd_v:g} V: ISAAC figures (32 nm, 0.9 V assumed) and ZigZag-IMC "
        f"forms (28 nm, 0.9 V) scaled with Stillmaker & Baas 2017.",
        f"ADC: {p.adc_bits}-bit, {p.adc_energy_pj:.3g} pJ and {p.adc_conversion_ns:.3g} ns per conversion: ISAAC's "
        f"8-bit 1.5625 pJ / 0.78125 ns at 32 nm, energy scaled by the Walden law 2**bits (6.1 fJ/step), "
        f"time linear in bits (SAR).",
        f"Sample-and-hold lets the ADCs convert one read while the next is applied: a read cycle is "
        f"max({p.read_pulse_ns:g} ns pulse, {t.conversions_per_adc} conversions x {p.adc_conversion_ns:.3g} ns) "
        f"= {t.read_cycle_ns:.3g} ns; {t.reads_per_vector} reads per vector; arrays in parallel, vectors pipelined.",
        f"Digital periphery at {tech.clock_ghz:g} GHz: shift-add and accumulation overlap the reads; "
        f"a {t.digital_tail_ns:.3g} ns tail is paid once.",
        f"Buffers: one {p.buffer_capacity_bytes // 1024} KiB SRAM buffer (ISAAC's per-tile eDRAM capacity) and one "
        f"ISAAC bus per {ISAAC_ARRAYS_PER_TILE} arrays ({_tiles(plan)} tiles).",
        f"DRAM: {p.dram_kind} ({p.dram_energy_pj_per_bit:g} pJ/bit, {p.dram_bandwidth_gbps:g} GB/s), the same "
        f"technology as the baseline; latency = max(compute, DRAM transfer) (roofline).",
        f"Cells: {p.cell_family} family, {p.cell_area_um2:.3g} um2 per cell (NeuroSim geometry); word and bit lines "
        f"at 0.2 fF/um swing the full read voltage {config.device.read_voltage_v:g} V (upper bound).",
        "Leakage is not modelled; DAC settling is inside the read pulse.",
    ]
    if not p.cell_family_recognised:
        out.append(f"Device '{config.device.name}' is not a known cell family; priced as 1T1R RRAM.")
    if counts.cell_writes:
        out.append(f"Programming: {counts.cell_writes} cell writes at {p.cell_write_energy_pj:.3g} pJ and "
                   f"{p.cell_write_ns:.3g} ns per pulse, one row of every array at a time: {t.programming_ns:.4g} ns.")
    return tuple(out)


def cim_breakdown(config: Config, plan: Plan, counts: Counts, name: str = "CIM") -> Breakdown:
    """Energy, latency and area of ``counts`` run on ``plan``'s arrays with ``config``'s technology."""
    if not isinstance(plan, Plan):
        raise ValueError(f"plan must be a cimsim Plan; got {type(plan).__name__}")
    if not isinstance(counts, Counts):
        raise ValueError(f"counts must be cimsim Counts; got {type(counts).__name__}")
    if counts.adc_conversions and counts.adc_bits != plan.adc_bits:
        raise ValueError(f"counts were made with {counts.adc_bits}-bit ADCs but the plan has {plan.adc_bits}-bit ADCs")
    if counts.dac_conversions and counts.dac_bits != plan.dac_bits:
        raise ValueError(f"counts were made with {counts.dac_bits}-bit DACs but the plan has {plan.dac_bits}-bit DACs")
    params = cim_parameters(config, plan.dac_bits, plan.adc_bits, plan.accumulator_bits)
    timing = cim_timing(plan, params, counts.cell_writes)
    compute_ns = timing.compute_ns(counts.mvms)
    memory_ns = (counts.dram_read_bits + counts.dram_write_bits) / (8.0 * params.dram_bandwidth_gbps)
    return Breakdown(
        name=name,
        energy_pj=_energy_pj(counts, plan, params),
        area_um2=_area_um2(plan, params),
        latency_ns=max(compute_ns, memory_ns),
        compute_ns=compute_ns,
        memory_ns=memory_ns,
        mvms=counts.mvms,
        macs=counts.macs,
        assumptions=_assumptions(config, plan, counts, params, timing),
    )
