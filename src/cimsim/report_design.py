"""The report's one-sentence description of a design: arrays, weights in cells, inputs, read-out (ADCs or adder
trees, what is summed before a conversion, charge cells' capacitance), and the device with the errors it has."""

from __future__ import annotations

from .config.checks import binary_inputs
from .config.conditional import summed_parts
from .config.modes import Accumulation, ArrayFamily, DacMode, InputEncoding
from .config.schema import Config, DeviceConfig
from .cost.assumption_lines import digital_adders
from .mapping import plan_layer

__all__ = ["design_line"]


def design_line(cfg: Config) -> str:
    """one sentence on ``cfg``'s design: its arrays, cells, inputs, read-out and device"""
    d, a = cfg.dac, cfg.adc
    per_read, timing = (f", {d.bits_per_read} bits per read" if d.mode == DacMode.SLICED else "",
                        "" if d.encoding == InputEncoding.VOLTAGE else f", {d.encoding.replace('_', ' ')} inputs")
    sign = "binary +/-1" if binary_inputs(d.input_bits, d.signed_inputs) else d.signed_inputs
    parts = summed_parts(a.accumulation, plan_layer(cfg, 1, 1))  # what there is more than one of to sum
    summed = f", {parts.replace('_', ' ')} summed before a conversion" * (parts != Accumulation.NONE)
    summed += f", {a.groups_per_conversion} row groups a conversion" * (a.groups_per_conversion > 1)
    summed += (f"; charge cells of {cfg.array.cell_capacitance_ff:g} fF, kT/C noise at {cfg.technology.vdd_v:g} V"
               if cfg.array.family == ArrayFamily.CHARGE else "")
    converters = (f"{digital_adders(cfg)} (no ADC)" if (digital := cfg.array.family == ArrayFamily.DIGITAL) else
                  f"{a.bits}-bit {a.type} ADCs (range {a.range}, {a.cols_per_adc} columns each{summed})")
    return (f"{cfg.array.family} arrays, {cfg.mapping.weight_bits}-bit weights in {cfg.device.bits_per_cell}-bit "
            f"cells ({cfg.mapping.signed_encoding} encoding, "
            f"{'signed in the adders' if digital else f'{cfg.mapping.subtraction} subtraction'}), "
            f"{d.input_bits}-bit inputs ({d.mode} {'reads of input bits' if digital else 'DAC'}{per_read}, "
            f"{sign}{timing}), "
            f"{cfg.array.rows} x {cfg.array.cols} arrays read {min(cfg.array.rows_per_read, cfg.array.rows)} rows at a "
            f"time, {converters}, {_device(cfg.device)}.")


def _device(dev: DeviceConfig) -> str:
    """The device by name, with what errors it has: "rram" can be noise-free (a design preset) or noisy (the
    device preset), and a report must say which."""
    errors = [e for e in (f"programming error {dev.program_sigma:g}" if dev.program_sigma else "",
                          f"read noise {dev.read_noise_sigma:g}" if dev.read_noise_sigma else "") if e]
    stuck = dev.stuck_at_gmin_rate + dev.stuck_at_gmax_rate
    extra = [f"stuck cells {stuck:g} of the cells" if stuck else "",
             f"drift nu {dev.drift_nu:g} +/- {dev.drift_nu_sigma:g} after {dev.drift_time_s:g} s"
             if dev.drift_nu or dev.drift_nu_sigma else "",
             f"I-V nonlinearity I(V)/I(V/2) = {dev.iv_nonlinearity:g}" if dev.iv_nonlinearity != 2 else ""]
    parts = ([f"{', '.join(errors)} of g_max - g_min"] if errors else []) + [e for e in extra if e]
    preset = f"device preset \"{dev.preset}\"" if dev.preset else f"device \"{dev.name}\""
    return f"{preset} ({', '.join(parts)})" if parts else f"{preset} (no device error: ideal levels)"
