"""One layer on its arrays: the cycle model, and the pricing table that turns its counts into energy and area.

The chip around the arrays (tiles, buffers, network, pipeline, leakage) is :mod:`cimsim.cost.chip`.

Pricing table (:func:`pricing_table`). Every component of a layer is one :class:`Component`: the actions that
drive its energy (a count read from :class:`~cimsim.counts.Counts` times the energy of one action, from
:class:`~cimsim.cost.parameters.CimParameters`) and the units that make its area. Energy, area, the report's
dominant-component line and the breakdown plots all read this one table, so a new component or family is one
entry. Components (the family decides which actions apply, :mod:`.families`):

- ``dac``: DAC conversions x DAC energy + word-line charges (rows driven, each unit pulse of a pulse-count input)
  x C_row V_line**2;
- ``array``: bit-line charges (reads x used columns) x C_bl V_line**2, plus the cells: sum of G V**2 t
  (resistive), cell reads x a charge cell's capacitor energy (charge) or x its 1-bit products (digital);
- ``sample_hold`` (analog families): one sample per converted column per read summed;
- ``adc``: conversions at the ADC's sampling rate; ``adder_tree`` (digital): column sums;
- ``shift_add``, ``accumulate``; ``buffers`` (tile buffer bits); ``interconnect`` (bit-hops on the tile bus);
  ``dram``; ``programming`` (every copy written).

Cycle model. A read applies one input plane to one row group for one unit pulse of ``read_pulse_ns`` (voltage
inputs) or as many as the plane's largest code (time-domain inputs, :func:`.parameters.read_pulses`: a plane that
carries fewer bits reads for fewer); ``reads_per_conversion`` reads (the planes of a row group with analog
accumulation, else one, times ``adc.groups_per_conversion`` row groups) are summed before their columns are
converted; sample-and-hold circuits let the ADCs convert one round while the next is read, so a conversion round
lasts max(reads x read time, conversions per ADC x fastest conversion time) and the ADCs sample at conversions per
shortest round. A vector takes
``conversions_per_vector_per_array`` rounds (a tile's last may sum fewer row groups: its reads take less); all arrays
of the layer work in parallel. A digital array sums each read in its adder trees within the read, read once for
each output a tree serves (:func:`.families.tree_passes`). Paid once
per item: the first round's reads (or its last conversions) and the digital tail (one shift-add cycle plus one
cycle per level of the adder tree over row tiles, at ``technology.clock_ghz``). Programming writes one row of
every array at a time (:func:`programming_pulses`).

Area. Cells (arrays x rows x cols), ADCs (arrays x ADCs per array), one DAC per row, one sample-and-hold per
column (analog families), :func:`.families.trees` (digital), one shift-and-add unit per two ADCs or adder
trees (ISAAC), accumulators for every output when the input spans several row tiles; all times the copies.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ..argcheck import check_int, checked_types
from ..config.modes import ArrayFamily
from ..counts import Counts
from ..mapping import Plan
from .families import ADDER_TREE_TOGGLE_RATE, tree_passes, tree_toggle_rate, trees
from .parameters import CimParameters, conversions_per_adc, round_pulses
from .periphery import ISAAC_ADCS_PER_SHIFT_ADD

__all__ = ["CimTiming", "cim_timing", "stored_cells", "programming_pulses", "Action", "Component", "pricing_table",
           "layer_energy_pj", "layer_area_um2", "check_counts", "MACRO_COMPONENTS"]


@dataclass(frozen=True)
class CimTiming:
    """The cycle model of one layer (times in ns)."""

    conversions_per_adc: int
    """columns one ADC converts per round (0 without ADCs)"""
    adc_rate_gsps: float
    """conversions_per_adc / read_cycle_ns: the rate the ADCs sample at"""
    read_cycle_ns: float
    """the shortest full conversion round: max(reads summed x their read times, conversions_per_adc x fastest
    conversion time)"""
    reads_per_vector: int
    vector_ns: float
    """the rounds of a vector, each max(its reads x read time, conversions per ADC x conversion time): the
    steady-state time of one vector on one copy"""
    fill_ns: float
    """paid once per item: min(round's reads, its conversions) + digital tail"""
    digital_tail_ns: float
    """shift-add cycle + adder-tree levels over row tiles, at the digital clock"""
    programming_ns: float
    """writing the counted cells, one row of every array at a time (:func:`programming_pulses`)"""
    replicas: int
    """copies of the weights from mapping.replication"""


def stored_cells(plan: Plan) -> int:
    """cells holding ``plan``'s matrix: every slice, both columns of a pair, reference columns; every copy"""
    p = plan
    return p.in_features * (p.out_features * p.n_slices * p.polarities + p.col_tiles * p.reference_cols) \
        * p.replication


def programming_pulses(plan: Plan, cell_writes: int) -> int:
    """pulse times, one after another, that ``cell_writes`` cell writes take on ``plan``'s arrays written one row of
    every array at a time (all arrays and copies at once): the rows of the fullest array, min(in_features, rows),
    times the write passes per cell, cell_writes / :func:`stored_cells` (1 per programming, more under
    program-and-verify), rounded up"""
    rows = min(plan.in_features, plan.rows)
    return -(-cell_writes * rows // stored_cells(plan))


@checked_types
def cim_timing(plan: Plan, params: CimParameters, cell_writes: int = 0) -> CimTiming:
    """The cycle model of ``plan`` with the times in ``params``; ``cell_writes`` cells are programmed first."""
    check_int("cell_writes", cell_writes, 0)
    conversions = conversions_per_adc(plan)
    convert_ns = conversions * params.adc_conversion_ns
    pulse_ns = params.read_pulse_ns * tree_passes(plan)  # one unit pulse (for each of a tree's outputs)
    # the rounds of one row tile for each set of planes summed: its row groups g at a time, the last holding the rest
    groups, g = plan.reads_per_vector // plan.n_planes, plan.groups_per_conversion
    sets = round_pulses(plan)  # unit pulses of one row group's reads in a round, per set of planes

    def round_ns(pulses: int, groups_read: int) -> float:
        """one round of ``groups_read`` row groups' reads of ``pulses`` unit pulses each, ns"""
        return max(groups_read * pulses * pulse_ns, convert_ns)

    read_cycle_ns = min(round_ns(pulses, min(g, groups)) for pulses in sets)
    reads_ns = min(g, groups) * sets[0] * pulse_ns  # the first round's reads
    vector_ns = sum(groups // g * round_ns(pulses, g) + (groups % g > 0) * round_ns(pulses, groups % g)
                    for pulses in sets)
    tree_levels = math.ceil(math.log2(plan.row_tiles)) if plan.row_tiles > 1 else 0
    digital_tail_ns = (1 + tree_levels) * params.digital_cycle_ns
    return CimTiming(
        conversions_per_adc=conversions,
        adc_rate_gsps=conversions / read_cycle_ns,
        read_cycle_ns=read_cycle_ns,
        reads_per_vector=plan.reads_per_vector,
        vector_ns=vector_ns,
        fill_ns=min(reads_ns, convert_ns) + digital_tail_ns,
        digital_tail_ns=digital_tail_ns,
        programming_ns=programming_pulses(plan, cell_writes) * params.cell_write_ns,
        replicas=plan.replication,
    )


@checked_types
def check_counts(plan: Plan, counts: Counts) -> None:
    """TypeError unless ``plan`` is a Plan and ``counts`` Counts; ValueError unless the counts were made with the
    plan's converters and each is a number >= 0 (:meth:`Counts.check`)."""
    counts.check()
    if counts.adc_conversions and counts.adc_bits != plan.adc_bits:
        raise ValueError(f"counts were made with {counts.adc_bits}-bit ADCs but the plan has {plan.adc_bits}-bit ADCs")
    if counts.dac_conversions and counts.dac_bits != plan.dac_bits:
        raise ValueError(f"counts were made with {counts.dac_bits}-bit DACs but the plan has {plan.dac_bits}-bit DACs")


def _mean_used_cols(plan: Plan) -> float:
    """used columns per array read, averaged over the column tiles"""
    return sum(plan.used_cols(plan.outputs_of_col_tile(t)) for t in range(plan.col_tiles)) / plan.col_tiles


@dataclass(frozen=True)
class Action:
    """One kind of event and its price: ``count(counts)`` events of ``energy_pj`` each."""

    label: str
    """what one event is, plural (e.g. "ADC conversions")"""
    count: Callable[[Counts], float]
    energy_pj: float


@dataclass(frozen=True)
class Component:
    """One row of the pricing table: the actions that spend a component's energy and the units of its area."""

    name: str
    """key of the component in a Breakdown"""
    actions: tuple[Action, ...]
    units: float
    """instances in one copy of the layer's arrays"""
    unit_area_um2: float

    def energy_pj(self, counts: Counts) -> float:
        return sum(a.count(counts) * a.energy_pj for a in self.actions)


@checked_types
def pricing_table(plan: Plan, p: CimParameters, copies: int = 1) -> tuple[Component, ...]:
    """Every component of ``plan``'s layer with its actions and units (module docstring); ``copies`` copies of
    the weights share the work (same dynamic energy) but are all programmed and all take area."""
    check_int("copies", copies)
    n = plan.n_arrays
    analog = plan.has_adc
    bitline_charges = Action("bit-line charges", lambda c: c.array_reads * _mean_used_cols(plan),
                             p.bitline_charge_energy_pj)
    cells = {
        ArrayFamily.RESISTIVE: Action("fJ of sum G V**2 t", lambda c: c.array_gv2t_fj, 1e-3),
        ArrayFamily.CHARGE: Action("cell capacitors at full swing", lambda c: c.cell_activity,
                                   p.cell_compute_energy_pj),
        ArrayFamily.DIGITAL: Action("cell reads (1-bit products)", lambda c: c.cells_read, p.cell_compute_energy_pj),
    }.get(plan.family)
    tree_count = trees(plan)
    # a shift-and-add unit serves two converters (ADCs or adder trees), of one array or of two (ISAAC: 4 per 8)
    shift_add_units = math.ceil(n * (plan.adcs_per_array if analog else tree_count) / ISAAC_ADCS_PER_SHIFT_ADD)
    accumulators = plan.out_features * plan.replication if plan.row_tiles > 1 else 0
    table = [
        Component("dac", (Action("DAC conversions", lambda c: c.dac_conversions, p.dac_energy_pj),
                          Action("word-line charges", lambda c: c.row_activations, p.row_charge_energy_pj),
                          Action("1-bit driver chains", lambda c: c.row_activations, p.driver_energy_pj)),
                  n * plan.rows, p.dac_area_um2),
        Component("array", (bitline_charges,) + ((cells,) if cells else ()), n * plan.rows * plan.cols,
                  p.cell_area_um2),
    ]
    if analog:
        table += [
            # one sample per read: a tile's last conversion may sum fewer row groups than groups_per_conversion
            Component("sample_hold", (Action("samples", lambda c: c.adc_conversions * plan.planes_per_conversion * len(
                plan.row_groups()) / len(plan.conversion_groups()), p.sample_hold_energy_pj),), n * plan.cols,
                      p.sample_hold_area_um2),
            Component("adc", (Action("ADC conversions", lambda c: c.adc_conversions, p.adc_energy_pj),),
                      n * plan.adcs_per_array, p.adc_area_um2),
        ]
    else:
        # each sum is priced at uniform data's toggle rate, weighted by the rate the data measured
        sums = Action("adder-tree output sums (toggle-weighted)",
                      lambda c: c.adder_tree_sums * tree_toggle_rate(plan, c) / ADDER_TREE_TOGGLE_RATE,
                      p.adder_tree_energy_pj)
        references = Action("reference input sums", lambda c: c.reference_sums, p.reference_sum_energy_pj)
        table.append(Component("adder_tree", (sums, references), n * tree_count, p.adder_tree_area_um2))
    table += [
        Component("shift_add", (Action("shift-adds", lambda c: c.shift_adds, p.shift_add_energy_pj),),
                  shift_add_units, p.shift_add_area_um2),
        Component("accumulate", (Action("partial-sum adds", lambda c: c.accumulator_adds,
                                        p.accumulator_add_energy_pj),), accumulators, p.accumulator_area_um2),
        Component("buffers", (Action("buffer bits read", lambda c: c.buffer_read_bits,
                                     p.buffer_read_energy_pj_per_bit),
                              Action("buffer bits written", lambda c: c.buffer_write_bits,
                                     p.buffer_write_energy_pj_per_bit)), 0, 0.0),
        Component("interconnect", (Action("bit-hops", lambda c: c.interconnect_bit_hops,
                                          p.interconnect_energy_pj_per_bit_hop),), 0, 0.0),
        Component("dram", (Action("DRAM bits", lambda c: c.dram_read_bits + c.dram_write_bits,
                                  p.dram_energy_pj_per_bit),), 0, 0.0),
        Component("programming", (Action("cell writes", lambda c: copies * c.cell_writes, p.cell_write_energy_pj),),
                  0, 0.0),
    ]
    return tuple(table)


@checked_types
def layer_energy_pj(counts: Counts, plan: Plan, p: CimParameters, copies: int = 1,
                    table: tuple[Component, ...] | None = None) -> dict[str, float]:
    """Dynamic energy of ``counts`` on ``plan``'s arrays, pJ per component of :func:`pricing_table` (``table``:
    that table when the caller has built it already)."""
    check_counts(plan, counts)
    return {c.name: c.energy_pj(counts) for c in table or pricing_table(plan, p, copies)}


@checked_types
def layer_area_um2(plan: Plan, p: CimParameters, copies: int = 1,
                   table: tuple[Component, ...] | None = None) -> dict[str, float]:
    """Area of ``copies`` copies of ``plan``'s arrays with their converters and digital periphery, um2 (the
    components of :func:`pricing_table` that take area; ``table``: that table when built already)."""
    check_int("copies", copies)
    return {c.name: copies * c.units * c.unit_area_um2 for c in table or pricing_table(plan, p, copies)
            if c.name not in _CHIP_AREA_KEYS}


MACRO_COMPONENTS = ("dac", "array", "sample_hold", "adc", "adder_tree", "shift_add")
"""components of the CIM macro itself (arrays, their drivers and converters): what a macro paper measures"""
_CHIP_AREA_KEYS = ("buffers", "interconnect", "dram", "programming")
"""components whose area the chip model prices (per tile or none)"""
