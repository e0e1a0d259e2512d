"""Designs shared by several test modules (importable as ``designs``: see conftest.py)."""

from cimsim.config.schema import (
    AdcConfig, ArrayConfig, ChipConfig, Config, DacConfig, DeviceConfig, MappingConfig, TechnologyConfig,
)


def isaac_like(**chip) -> Config:
    """128 x 128 arrays, 2-bit cells, 16-bit offset weights, bit-serial 16-bit inputs, one 8-bit ADC per array
    converting 128 columns (a 1600 ns vector: reads >> transfers); ``chip`` sets [chip] fields."""
    return Config(
        array=ArrayConfig(rows=128, cols=128, rows_per_read=128),
        device=DeviceConfig(bits_per_cell=2, read_voltage_v=0.3, read_pulse_ns=100.0),
        mapping=MappingConfig(weight_bits=16, signed_encoding="offset", subtraction="digital"),
        dac=DacConfig(mode="bit_serial", input_bits=16, signed_inputs="twos_complement"),
        adc=AdcConfig(bits=8, cols_per_adc=128),
        technology=TechnologyConfig(node_nm=32.0, vdd_v=0.9, clock_ghz=1.2),
        chip=ChipConfig(**chip),
    )
