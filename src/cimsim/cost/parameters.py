"""Every per-action energy, time and per-unit area the CIM cost model uses, for one configuration.

:func:`cim_parameters` gathers them from the component models (:mod:`.adc`, :mod:`.periphery`,
:mod:`.cells`, :mod:`.memory`) at the configured technology, so a report can print exactly the numbers
that priced the counts (:func:`cim_cost_parameters`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config.schema import Config
from ..mapping import plan_layer
from . import adc, cells, memory, periphery

__all__ = ["BUFFER_CAPACITY_BYTES", "CimParameters", "cim_parameters", "cim_cost_parameters"]

BUFFER_CAPACITY_BYTES = 64 * 1024
"""capacity of one tile's input/output buffer, bytes: ISAAC's 64 KB eDRAM per tile, priced as SRAM"""


@dataclass(frozen=True)
class CimParameters:
    """Cost of one action (energies in pJ, times in ns) or one unit (areas in um2) at one technology."""

    adc_bits: int
    dac_bits: int
    accumulator_bits: int
    adc_energy_pj: float
    """one conversion"""
    adc_conversion_ns: float
    adc_area_um2: float
    """one ADC"""
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
    buffer_capacity_bytes: int
    buffer_read_energy_pj_per_bit: float
    buffer_write_energy_pj_per_bit: float
    buffer_area_um2: float
    """one tile buffer"""
    interconnect_energy_pj_per_bit_hop: float
    bus_area_um2: float
    """one tile bus"""
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


def cim_parameters(config: Config, dac_bits: int, adc_bits: int, accumulator_bits: int) -> CimParameters:
    """The cost of every action at ``config``'s technology, array, device and DRAM."""
    if not isinstance(config, Config):
        raise ValueError(f"config must be a cimsim Config; got {type(config).__name__}")
    tech, array, device = config.technology, config.array, config.device
    family, recognised = cells.cell_family(device.name)
    row_pitch_um, col_pitch_um = cells.cell_pitch_um(family, tech.node_nm)
    row_cap_ff = periphery.line_capacitance_ff(array.cols, row_pitch_um)
    bitline_cap_ff = periphery.line_capacitance_ff(array.rows, col_pitch_um)
    dram_kind = config.baseline.dram
    dram_bw = config.baseline.dram_bandwidth_gbps or memory.dram_bandwidth_gbps(dram_kind)
    return CimParameters(
        adc_bits=adc_bits,
        dac_bits=dac_bits,
        accumulator_bits=accumulator_bits,
        adc_energy_pj=adc.adc_energy_pj(adc_bits, tech),
        adc_conversion_ns=adc.adc_conversion_ns(adc_bits, tech),
        adc_area_um2=adc.adc_area_um2(adc_bits, tech),
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
        buffer_capacity_bytes=BUFFER_CAPACITY_BYTES,
        buffer_read_energy_pj_per_bit=memory.sram_read_energy_pj_per_bit(BUFFER_CAPACITY_BYTES, tech),
        buffer_write_energy_pj_per_bit=memory.sram_write_energy_pj_per_bit(BUFFER_CAPACITY_BYTES, tech),
        buffer_area_um2=memory.sram_area_um2(BUFFER_CAPACITY_BYTES, tech),
        interconnect_energy_pj_per_bit_hop=periphery.interconnect_energy_pj_per_bit_hop(tech),
        bus_area_um2=periphery.bus_area_um2(tech),
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
    """Every per-action energy / time and per-unit area used to price ``config``'s own layer (for reports)."""
    plan = plan_layer(config)
    return asdict(cim_parameters(config, plan.dac_bits, plan.adc_bits, plan.accumulator_bits))
