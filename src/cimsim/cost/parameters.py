"""Every per-action energy, time, per-unit area and static power the CIM cost model uses, for one configuration.

:func:`cim_parameters` gathers them from the component models (:mod:`.adc`, :mod:`.periphery`,
:mod:`.cells`, :mod:`.memory`, :mod:`.edram`, :mod:`.noc`, :mod:`.leakage`) at the configured technology and
chip, so a report can print exactly the numbers that priced the counts (:func:`cim_cost_parameters`).

ADC sampling rate (:func:`adc_sampling_rate_gsps`): each ADC converts ``conversions_per_adc`` columns per
read cycle, and a read cycle lasts max(read pulse, conversions x fastest conversion time), so the ADC
samples at conversions / read cycle: its fastest rate when the conversions set the cycle, slower (and
cheaper, :mod:`.adc`) when the read pulse does.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..config.schema import Config, TechnologyConfig
from ..mapping import Plan, plan_layer
from . import adc, cells, edram, leakage, memory, noc, periphery

__all__ = ["CimParameters", "cim_parameters", "cim_cost_parameters", "conversions_per_adc", "adc_sampling_rate_gsps"]


@dataclass(frozen=True)
class CimParameters:
    """Cost of one action (energies in pJ, times in ns) or one unit (areas in um2) at one technology."""

    adc_bits: int
    dac_bits: int
    accumulator_bits: int
    adc_rate_gsps: float
    """sampling rate the ADC is designed for, GS/s"""
    adc_energy_pj: float
    """one conversion at adc_rate_gsps"""
    adc_conversion_ns: float
    """fastest conversion (1 / the ADC's top rate)"""
    adc_area_um2: float
    """one ADC designed for adc_rate_gsps"""
    dac_energy_pj: float
    """one DAC conversion, beyond the word-line charge"""
    dac_area_um2: float
    """one row's DAC / driver"""
    row_line_capacitance_ff: float
    row_charge_energy_pj: float
    """one word line charged to the read voltage"""
    bitline_capacitance_ff: float
    bitline_charge_energy_pj: float
    """one bit line charged to the read voltage"""
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
    """static power density of logic (shift-add, accumulators, routers)"""
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
    digital_cycle_ns: float
    """one cycle of the digital periphery (shift-add, accumulation)"""


def conversions_per_adc(plan: Plan) -> int:
    """Columns one ADC converts per read: converted columns of a full array / its ADCs."""
    return math.ceil(plan.converted_cols(plan.outputs_per_array) / plan.adcs_per_array)


def adc_sampling_rate_gsps(plan: Plan, tech: TechnologyConfig) -> float:
    """Rate the ADCs of ``plan`` must sample at, GS/s: conversions per ADC / max(read pulse, conversions x t_conv)."""
    conversions = conversions_per_adc(plan)
    read_cycle_ns = max(plan.read_pulse_ns, conversions * adc.adc_conversion_ns(plan.adc_bits, tech))
    return min(conversions / read_cycle_ns, adc.adc_max_rate_gsps(plan.adc_bits, tech))


def _buffer(kind: str, capacity_bytes: int, tech: TechnologyConfig) -> tuple[float, float, float, float]:
    """(read pJ/bit, write pJ/bit, area um2, leakage uW) of one buffer"""
    if kind == "edram":
        e = edram.edram_energy_pj_per_bit(capacity_bytes, tech)
        return e, e, edram.edram_area_um2(capacity_bytes, tech), leakage.buffer_leakage_uw(kind, capacity_bytes, tech)
    return (memory.sram_read_energy_pj_per_bit(capacity_bytes, tech),
            memory.sram_write_energy_pj_per_bit(capacity_bytes, tech),
            memory.sram_area_um2(capacity_bytes, tech), leakage.buffer_leakage_uw(kind, capacity_bytes, tech))


def cim_parameters(config: Config, dac_bits: int, adc_bits: int, accumulator_bits: int,
                   adc_rate_gsps: float | None = None) -> CimParameters:
    """The cost of every action at ``config``'s technology, array, device, chip and DRAM; ADCs sample at
    ``adc_rate_gsps`` (default: their fastest rate, :func:`adc_sampling_rate_gsps` gives a plan's)."""
    if not isinstance(config, Config):
        raise ValueError(f"config must be a cimsim Config; got {type(config).__name__}")
    tech, array, device, chip = config.technology, config.array, config.device, config.chip
    family, recognised = cells.cell_family(device.name)
    row_pitch_um, col_pitch_um = cells.cell_pitch_um(family, tech.node_nm)
    row_cap_ff = periphery.line_capacitance_ff(array.cols, row_pitch_um)
    bitline_cap_ff = periphery.line_capacitance_ff(array.rows, col_pitch_um)
    dram_kind = config.baseline.dram
    dram_bw = config.baseline.dram_bandwidth_gbps or memory.dram_bandwidth_gbps(dram_kind)
    rate = adc.adc_max_rate_gsps(adc_bits, tech) if adc_rate_gsps is None else adc_rate_gsps
    tile_bytes, global_bytes = round(chip.tile_buffer_kib * 1024), round(chip.global_buffer_kib * 1024)
    tile_read, tile_write, tile_area, tile_leak = _buffer(chip.buffer_memory, tile_bytes, tech)
    glob_read, glob_write, glob_area, glob_leak = _buffer(chip.buffer_memory, global_bytes, tech)
    return CimParameters(
        adc_bits=adc_bits,
        dac_bits=dac_bits,
        accumulator_bits=accumulator_bits,
        adc_rate_gsps=rate,
        adc_energy_pj=adc.adc_energy_pj(adc_bits, tech, rate),
        adc_conversion_ns=adc.adc_conversion_ns(adc_bits, tech),
        adc_area_um2=adc.adc_area_um2(adc_bits, tech, rate),
        dac_energy_pj=periphery.dac_energy_pj(dac_bits, tech),
        dac_area_um2=periphery.dac_area_um2(dac_bits, tech),
        row_line_capacitance_ff=row_cap_ff,
        row_charge_energy_pj=periphery.line_charge_energy_pj(row_cap_ff, device.read_voltage_v),
        bitline_capacitance_ff=bitline_cap_ff,
        bitline_charge_energy_pj=periphery.line_charge_energy_pj(bitline_cap_ff, device.read_voltage_v),
        sample_hold_energy_pj=periphery.sample_hold_energy_pj(tech),
        sample_hold_area_um2=periphery.sample_hold_area_um2(tech),
        shift_add_energy_pj=periphery.shift_add_energy_pj(tech),
        shift_add_area_um2=periphery.shift_add_area_um2(tech),
        accumulator_add_energy_pj=periphery.accumulator_add_energy_pj(accumulator_bits, tech),
        accumulator_area_um2=periphery.accumulator_area_um2(accumulator_bits, tech),
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
        dram_bandwidth_gbps=dram_bw,
        cell_family=family.name,
        cell_family_recognised=recognised,
        cell_area_um2=cells.cell_area_um2(family, tech.node_nm),
        cell_write_energy_pj=family.write_energy_pj,
        cell_write_ns=family.write_ns,
        read_pulse_ns=device.read_pulse_ns,
        digital_cycle_ns=1.0 / tech.clock_ghz,
    )


def cim_cost_parameters(config: Config) -> dict:
    """Every per-action energy / time, per-unit area and static power used to price ``config``'s own layer."""
    plan = plan_layer(config)
    rate = adc_sampling_rate_gsps(plan, config.technology)
    return asdict(cim_parameters(config, plan.dac_bits, plan.adc_bits, plan.accumulator_bits, rate))
