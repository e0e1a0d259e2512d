"""Every per-action energy, time, per-unit area and static power the CIM cost model uses, for one configuration.

:func:`cim_parameters` gathers them from the component models (:mod:`.adc`, :mod:`.periphery`,
:mod:`.families`, :mod:`.gates`, :mod:`.cells`, :mod:`.memory`, :mod:`.edram`, :mod:`.noc`, :mod:`.leakage`) at
the configured technology, array family and chip, so a report can print exactly the numbers that priced the
counts (:func:`cim_cost_parameters`).

ADC sampling rate (:func:`adc_sampling_rate_gsps`): each ADC converts ``conversions_per_adc`` columns per
conversion round; a round lasts max(reads summed before a conversion x read time, conversions x fastest
conversion time) (:func:`conversion_round_ns`), so the ADC samples at conversions / round: its fastest rate
when the conversions set the round, slower (and cheaper, :mod:`.adc`) when the reads do. A time-domain read lasts
its plane's largest code in unit pulses (:func:`read_pulses`), so the rounds of planes that carry fewer bits are
shorter, and the ADC is designed for the shortest.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..analytic import plane_top_codes
from ..argcheck import checked_types
from ..config.modes import ArrayFamily, InputEncoding, MemoryTechnology
from ..config.checks import resolved_bits_per_read
from ..config.conditional import priced_enob
from ..config.schema import Config, TechnologyConfig
from ..mapping import Plan, plan_layer
from . import adc, cells, edram, families, gates, leakage, memory, noc, periphery

__all__ = ["CimParameters", "cim_parameters", "cim_cost_parameters", "conversions_per_adc", "read_pulses",
           "round_pulses", "conversion_round_ns", "adc_sampling_rate_gsps"]


@dataclass(frozen=True)
class CimParameters:
    """Cost of one action (energies in pJ, times in ns) or one unit (areas in um2) at one technology."""

    family: str
    """compute family of the arrays (array.family): resistive, charge, current or digital"""
    adc_bits: int
    dac_bits: int
    accumulator_bits: int
    adc_type: str
    adc_rate_gsps: float
    """sampling rate the ADC is designed for, GS/s"""
    adc_energy_pj: float
    """one conversion at adc_rate_gsps (0 without ADCs)"""
    adc_conversion_ns: float
    """fastest conversion (1 / the ADC's top rate)"""
    adc_area_um2: float
    """one ADC designed for adc_rate_gsps (0 without ADCs)"""
    dac_energy_pj: float
    """one DAC conversion's core, beyond the word-line charge and its driver, the mean over a vector's planes of the
    bits each drives (0 for a 1-bit read, +/-V or 0, and a time-domain pulse: their driver alone, driver_energy_pj)"""
    dac_area_um2: float
    """one row's DAC / driver"""
    driver_energy_pj: float
    """one row activation's line-driver chains beyond the line (a digital row's input-bit wires that carry a 1,
    :func:`.families.set_input_bits`; any other row's one driver, the output stage of its DAC)"""
    line_voltage_v: float
    """swing of the word and bit lines: the device's read voltage (resistive), the supply (SRAM families)"""
    row_line_capacitance_ff: float
    row_charge_energy_pj: float
    """one word line charged to the line voltage (a digital row: its input-bit wires that carry a 1)"""
    bitline_capacitance_ff: float
    bitline_charge_energy_pj: float
    """one bit line charged to the line voltage"""
    cell_compute_energy_pj: float
    """one cell read beyond its lines: a charge cell's capacitor at full swing, C V_DD**2 (priced per unit of
    ``Counts.cell_activity``), a digital cell's 1-bit products (resistive cells: sum of G V**2 t, from the data)"""
    adder_tree_energy_pj: float
    """one column sum of a digital adder tree, the mean over the layer's row groups of the adders that switch in
    one (0 for analog families)"""
    adder_tree_area_um2: float
    """one column's adder tree and product gates, and its share of the array's reference-sum tree (0 for analog
    families)"""
    reference_sum_energy_pj: float
    """one input sum of a digital array's offset reference (0 without one)"""
    sample_hold_energy_pj: float
    sample_hold_area_um2: float
    shift_add_energy_pj: float
    shift_add_area_um2: float
    accumulator_add_energy_pj: float
    """one add of an accumulator_bits-wide partial sum into its register"""
    accumulator_area_um2: float
    """one accumulator_bits-wide accumulator"""
    buffer_memory: str
    """sram or edram (tile and global buffers)"""
    buffer_capacity_bytes: int
    """one tile's input/output buffer"""
    buffer_read_energy_pj_per_bit: float
    buffer_write_energy_pj_per_bit: float
    buffer_area_um2: float
    """one tile buffer"""
    buffer_leakage_uw: float
    """static power of one tile buffer"""
    global_buffer_capacity_bytes: int
    global_buffer_read_energy_pj_per_bit: float
    global_buffer_write_energy_pj_per_bit: float
    global_buffer_area_um2: float
    global_buffer_leakage_uw: float
    interconnect_energy_pj_per_bit_hop: float
    """one bit over a tile bus"""
    bus_area_um2: float
    """one tile bus"""
    router_energy_pj_per_bit_hop: float
    """one bit crossing one router of the mesh"""
    router_area_um2: float
    """router area per tile"""
    noc_flit_bits: int
    """bits a mesh link moves per digital clock cycle"""
    logic_leakage_uw_per_um2: float
    """static power density of logic (shift-add, accumulators, adder trees, routers)"""
    dram_kind: str
    dram_energy_pj_per_bit: float
    dram_bandwidth_gbps: float
    cell_family: str
    cell_family_recognised: bool
    cell_area_um2: float
    cell_write_energy_pj: float
    """one programming pulse"""
    cell_write_ns: float
    read_pulse_ns: float
    """one unit read pulse (array settling; a time-domain input lasts several)"""
    read_ns: float
    """the longest read: pulses_per_read unit pulses x read_pulse_ns (a plane carrying fewer bits reads for fewer,
    :func:`read_pulses`)"""
    digital_cycle_ns: float
    """one cycle of the digital periphery (shift-add, accumulation)"""


@checked_types
def conversions_per_adc(plan: Plan) -> int:
    """Columns the busiest ADC converts per conversion round: the converted columns the fullest array (the first
    column tile) uses, spread evenly over its ADCs, ceil(columns / ADCs), at most cols_per_adc. An ADC skips the
    columns no output uses, and a layer with fewer outputs than an array holds is spread over all its ADCs, not
    packed on adjacent columns sharing a few (16 one-column outputs on 16 ADCs of 16 columns: 1 conversion each,
    not 16 on one). 0 without ADCs (a digital adder tree per column sums within the read)."""
    if not plan.has_adc:
        return 0
    return math.ceil(plan.converted_cols(plan.outputs_of_col_tile(0)) / plan.adcs_per_array)


@checked_types
def read_pulses(plan: Plan) -> tuple[int, ...]:
    """Unit pulses each input plane's read lasts, in plane order: 1 for voltage inputs; a time-domain read lasts
    its plane's largest code (:func:`.analytic.plane_top_codes`: 2**b - 1 for the b bits the plane carries)."""
    if plan.dac_encoding == InputEncoding.VOLTAGE:
        return (1,) * plan.n_planes
    return tuple(int(t) for t in plane_top_codes(plan))


@checked_types
def round_pulses(plan: Plan) -> tuple[int, ...]:
    """Unit pulses of one row group's reads in each conversion round of a row group, in plane order: the
    :func:`read_pulses` of the planes summed before one conversion (all of them with analog accumulation, else one)"""
    pulses, step = read_pulses(plan), plan.planes_per_conversion
    return tuple(sum(pulses[i:i + step]) for i in range(0, plan.n_planes, step))


@checked_types
def conversion_round_ns(plan: Plan, conversion_ns: float) -> float:
    """The shortest full conversion round, ns: the reads summed before a conversion (reads_per_conversion, each
    of its plane's :func:`read_pulses`) overlap the previous round's conversions (sample-and-hold):
    max(reads x read time, conversions per ADC x conversion time)."""
    groups = plan.reads_per_conversion // plan.planes_per_conversion  # row groups summed in a full round
    reads_ns = groups * min(round_pulses(plan)) * plan.read_pulse_ns
    return max(reads_ns, conversions_per_adc(plan) * conversion_ns)


@checked_types
def adc_sampling_rate_gsps(plan: Plan, config: Config) -> float:
    """Rate the ADCs of ``plan`` sample at, GS/s: conversions per ADC / conversion round (capped at the fastest
    rate); for a plan without ADCs, the fastest rate of the configured converter (unused)."""
    adc_type, tech = config.adc.type, config.technology
    fastest = adc.adc_max_rate_gsps(plan.adc_bits, tech, adc_type=adc_type)
    conversions = conversions_per_adc(plan)
    if conversions == 0:
        return fastest
    round_ns = conversion_round_ns(plan, adc.adc_conversion_ns(plan.adc_bits, tech, adc_type=adc_type))
    return min(conversions / round_ns, fastest)


def _buffer(kind: str, capacity_bytes: int, tech: TechnologyConfig) -> tuple[float, float, float, float]:
    """(read pJ/bit, write pJ/bit, area um2, leakage uW) of one buffer"""
    if kind == MemoryTechnology.EDRAM:
        e = edram.edram_energy_pj_per_bit(capacity_bytes, tech)
        return e, e, edram.edram_area_um2(capacity_bytes, tech), leakage.buffer_leakage_uw(kind, capacity_bytes, tech)
    return (memory.sram_read_energy_pj_per_bit(capacity_bytes, tech),
            memory.sram_write_energy_pj_per_bit(capacity_bytes, tech),
            memory.sram_area_um2(capacity_bytes, tech), leakage.buffer_leakage_uw(kind, capacity_bytes, tech))


def _converter_fields(config: Config, plan: Plan, rate: float) -> dict:
    """ADC (sampling at ``rate`` GS/s) and DAC fields of :class:`CimParameters`."""
    tech, adc_cfg = config.technology, config.adc
    adc_kw = dict(adc_type=adc_cfg.type, enob=priced_enob(config), built_bits=adc_cfg.built_bits)
    digital = plan.family == ArrayFamily.DIGITAL  # no DAC: a row's input bits on wires with 1-bit drivers
    drivers = plan.dac_bits if digital else 1
    # a time-domain pulse or a 1-bit read (the row to +V_read, -V_read or left at 0) is a 1-bit driver, no DAC core
    one_bit = digital or plan.dac_encoding != InputEncoding.VOLTAGE or plan.bits_per_read == 1
    dac_area = drivers * periphery.dac_area_um2(1 if one_bit else plan.dac_bits, tech)
    return dict(
        adc_type=adc_cfg.type,
        adc_rate_gsps=rate,
        adc_energy_pj=adc.adc_energy_pj(plan.adc_bits, tech, rate, **adc_kw) if plan.has_adc else 0.0,
        adc_conversion_ns=adc.adc_conversion_ns(plan.adc_bits, tech, adc_type=adc_cfg.type),
        adc_area_um2=adc.adc_area_um2(plan.adc_bits, tech, rate, **adc_kw) if plan.has_adc else 0.0,
        dac_energy_pj=0.0 if one_bit else periphery.dac_energy_pj(plan.dac_bits, tech) * _driven_share(plan),
        dac_area_um2=dac_area,
    )


def _driven_share(plan: Plan) -> float:
    """the mean share of a ``plan.dac_bits``-bit DAC's bits one read drives: a plane carrying fewer bits (a sliced
    input's remainder slice, a two's-complement sign plane) switches only its bits' capacitors, the DAC's energy
    being per bit (ZigZag-IMC); a bipolar DAC's sign bit switches on every read"""
    tops = plane_top_codes(plan)
    driven = sum(int(t).bit_length() for t in tops) / len(tops)
    return (driven + plan.dac_bits - plan.bits_per_read) / plan.dac_bits


def _array_fields(config: Config, plan: Plan, cell: cells.CellFamily) -> dict:
    """Line, line-driver, cell-compute, adder-tree and digital-periphery fields of :class:`CimParameters`."""
    tech = config.technology
    lines = families.line_model(plan, config, cell)
    wires = plan.dac_bits if plan.family == ArrayFamily.DIGITAL else 1  # a digital row's input bits, each its wire
    switched = families.set_input_bits(plan)  # the wires a driven row charges: a digital code's 1 bits
    # every row line has its driver: a 1-bit driver, or a multi-bit DAC's output stage (the DAC core on top)
    chain_pj = switched * periphery.driver_chain_energy_pj(lines.row_cap_ff / wires, lines.voltage_v, tech)
    return dict(
        driver_energy_pj=chain_pj,
        line_voltage_v=lines.voltage_v,
        row_line_capacitance_ff=lines.row_cap_ff,
        row_charge_energy_pj=gates.switch_energy_pj(lines.row_cap_ff * switched / wires, lines.voltage_v),
        bitline_capacitance_ff=lines.bitline_cap_ff,
        bitline_charge_energy_pj=gates.switch_energy_pj(lines.bitline_cap_ff, lines.voltage_v),
        cell_compute_energy_pj=families.cell_compute_energy_pj(plan, config),
        adder_tree_energy_pj=families.adder_tree_energy_pj(plan, config),
        adder_tree_area_um2=families.adder_tree_area_um2(plan, config),
        reference_sum_energy_pj=families.reference_sum_energy_pj(plan, config),
        sample_hold_energy_pj=periphery.sample_hold_energy_pj(tech),
        sample_hold_area_um2=periphery.sample_hold_area_um2(tech),
        shift_add_energy_pj=periphery.shift_add_energy_pj(tech),
        shift_add_area_um2=periphery.shift_add_area_um2(tech),
        accumulator_add_energy_pj=periphery.accumulator_add_energy_pj(plan.accumulator_bits, tech),
        accumulator_area_um2=periphery.accumulator_area_um2(plan.accumulator_bits, tech),
    )


def _memory_fields(config: Config) -> dict:
    """Tile and global buffer, bus, router, logic-leakage and DRAM fields of :class:`CimParameters`."""
    tech, chip, dram_kind = config.technology, config.chip, config.baseline.dram
    tile_bytes, global_bytes = round(chip.tile_buffer_kib * 1024), round(chip.global_buffer_kib * 1024)
    tile_read, tile_write, tile_area, tile_leak = _buffer(chip.buffer_memory, tile_bytes, tech)
    glob_read, glob_write, glob_area, glob_leak = _buffer(chip.buffer_memory, global_bytes, tech)
    return dict(
        buffer_memory=chip.buffer_memory,
        buffer_capacity_bytes=tile_bytes,
        buffer_read_energy_pj_per_bit=tile_read,
        buffer_write_energy_pj_per_bit=tile_write,
        buffer_area_um2=tile_area,
        buffer_leakage_uw=tile_leak,
        global_buffer_capacity_bytes=global_bytes,
        global_buffer_read_energy_pj_per_bit=glob_read,
        global_buffer_write_energy_pj_per_bit=glob_write,
        global_buffer_area_um2=glob_area,
        global_buffer_leakage_uw=glob_leak,
        interconnect_energy_pj_per_bit_hop=periphery.interconnect_energy_pj_per_bit_hop(tech),
        bus_area_um2=periphery.bus_area_um2(tech),
        router_energy_pj_per_bit_hop=noc.router_energy_pj_per_bit_hop(tech),
        router_area_um2=noc.router_area_um2_per_tile(tech),
        noc_flit_bits=noc.ROUTER_FLIT_BITS,
        logic_leakage_uw_per_um2=leakage.ALADDIN_LOGIC_LEAKAGE_UW_PER_UM2,
        dram_kind=dram_kind,
        dram_energy_pj_per_bit=memory.dram_energy_pj_per_bit(dram_kind),
        dram_bandwidth_gbps=config.baseline.dram_bandwidth_gbps or memory.dram_bandwidth_gbps(dram_kind),
    )


def _check_plan(config: Config, plan: Plan) -> None:
    """a ValueError naming the first field where ``plan`` was not made from ``config`` (plan_layer(config))"""
    pairs = (("array.rows", plan.rows, config.array.rows), ("array.cols", plan.cols, config.array.cols),
             ("adc.bits", plan.adc_bits, config.adc.bits), ("dac.input_bits", plan.input_bits, config.dac.input_bits),
             ("dac.bits_per_read", plan.bits_per_read, resolved_bits_per_read(config.dac)))
    for field, planned, configured in pairs:
        if planned != configured:
            raise ValueError(f"the plan was made for another design: its {field} is {planned}, the config's "
                             f"{configured}; plan the layer on this config (plan_layer(config))")


def _read_pulse_ns(config: Config) -> float:
    """one unit read, ns: the device's read pulse; a digital array's read is also a cycle of its clocked logic (the
    products summed in its adders and registered), so at least one cycle of technology.clock_ghz (its digital
    reads had ignored the clock, and so node and supply: a 0.1 GHz macro read every 1 ns)"""
    pulse_ns = config.device.read_pulse_ns
    return max(pulse_ns, 1.0 / config.technology.clock_ghz) if config.array.family == ArrayFamily.DIGITAL else pulse_ns


@checked_types
def cim_parameters(config: Config, plan: Plan, adc_rate_gsps: float | None = None) -> CimParameters:
    """The cost of every action of ``plan`` at ``config``'s technology, array family, device, chip and DRAM; ADCs
    sample at ``adc_rate_gsps`` (default: :func:`adc_sampling_rate_gsps` of the plan). A plan of other arrays or
    converters than ``config``'s is a ValueError."""
    _check_plan(config, plan)
    tech, device = config.technology, config.device
    cell, recognised = cells.array_cell(device.name, config.array.family, device.bits_per_cell)
    cell = cells.with_access(cell, config.array.cell_access)
    rate = adc_sampling_rate_gsps(plan, config) if adc_rate_gsps is None else adc_rate_gsps
    return CimParameters(
        family=plan.family,
        adc_bits=plan.adc_bits,
        dac_bits=plan.dac_bits,
        accumulator_bits=plan.accumulator_bits,
        **_converter_fields(config, plan, rate),
        **_array_fields(config, plan, cell),
        **_memory_fields(config),
        cell_family=cell.name,
        cell_family_recognised=recognised,
        cell_area_um2=cells.cell_area_um2(cell, tech.node_nm),
        cell_write_energy_pj=cell.write_energy_pj,
        cell_write_ns=cell.write_ns,
        read_pulse_ns=(pulse_ns := _read_pulse_ns(config)),
        read_ns=plan.pulses_per_read * pulse_ns,
        digital_cycle_ns=1.0 / tech.clock_ghz,
    )


@checked_types
def cim_cost_parameters(config: Config) -> dict:
    """Every per-action energy / time, per-unit area and static power used to price ``config``'s own layer."""
    return asdict(cim_parameters(config, plan_layer(config)))
