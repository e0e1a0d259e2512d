"""The report's one-sentence description of a design: arrays (their wires' IR drop), weights in cells, inputs,
read-out (ADCs with their static errors or adder trees, what is summed before a conversion, charge cells'
capacitance), and the device with the errors it has: every setting that moves the outputs' error."""

from __future__ import annotations

from .cell_levels import reads_drift
from .config.checks import binary_inputs
from .config.conditional import summed_parts
from .config.modes import Accumulation, AdcRange, ArrayFamily, DacMode, DriftCompensation, InputEncoding, ProgramError
from .config.schema import AdcConfig, Config, DeviceConfig
from .cost.assumption_lines import digital_adders
from .mapping import plan_layer

__all__ = ["design_line"]


def design_line(cfg: Config) -> str:
    """one sentence on ``cfg``'s design: its arrays, cells, inputs, read-out and device"""
    d, a = cfg.dac, cfg.adc
    plan = plan_layer(cfg, 1, 1)
    per_read, timing = (f", {d.bits_per_read} bits per read" if d.mode == DacMode.SLICED else "", "" if
                        plan.dac_encoding == InputEncoding.VOLTAGE else f", {d.encoding.replace('_', ' ')} inputs")
    sign = "binary +/-1" if binary_inputs(d.input_bits, d.signed_inputs) else d.signed_inputs
    parts = summed_parts(a.accumulation, plan)  # what there is more than one of to sum
    summed = f", {parts.replace('_', ' ')} summed before a conversion" * (parts != Accumulation.NONE)
    summed += f", {a.groups_per_conversion} row groups a conversion" * (a.groups_per_conversion > 1)
    summed += (f"; charge cells of {cfg.array.cell_capacitance_ff:g} fF, kT/C noise at {cfg.technology.vdd_v:g} V"
               if cfg.array.family == ArrayFamily.CHARGE else "")
    converters = (f"{digital_adders(cfg)} (no ADC)" if (digital := cfg.array.family == ArrayFamily.DIGITAL) else
                  f"{a.bits}-bit {a.type} ADCs (range {_adc_range(a)}, {a.cols_per_adc} columns each{_adc_errors(a)}"
                  f"{summed})")
    wires = (f" (IR drop: {cfg.array.wire_resistance_ohm:g}-ohm wire segments, {cfg.array.ir_drop} solve)"
             if cfg.array.wire_resistance_ohm else "")
    return (f"{cfg.array.family} arrays, {cfg.mapping.weight_bits}-bit weights in {cfg.device.bits_per_cell}-bit "
            f"cells ({cfg.mapping.signed_encoding} encoding, "
            f"{'signed in the adders' if digital else f'{cfg.mapping.subtraction} subtraction'}), "
            f"{d.input_bits}-bit inputs ({d.mode} {'reads of input bits' if digital else 'DAC'}{per_read}, "
            f"{sign}{timing}), "
            f"{cfg.array.rows} x {cfg.array.cols} arrays read {min(cfg.array.rows_per_read, cfg.array.rows)} rows at a "
            f"time{wires}, {converters}, {_device(cfg.device)}.")


def _device(dev: DeviceConfig) -> str:
    """The device by name, with what errors it has: "rram" can be noise-free (a design preset) or noisy (the
    device preset), and a report must say which, and what each error is a share of."""
    verified = (f", verified to within {dev.program_verify_tolerance:g} of g_max - g_min (at most "
                f"{dev.program_verify_max_writes} writes)" if dev.program_verify_tolerance is not None else "")
    of_what = "the target conductance" if dev.program_error == ProgramError.PROPORTIONAL else "g_max - g_min"
    stuck = dev.stuck_at_gmin_rate + dev.stuck_at_gmax_rate
    compensated = ("outputs rescaled by each array's mean drift" if dev.drift_compensation == DriftCompensation.GLOBAL
                   else "uncompensated")
    parts = [f"programming error {dev.program_sigma:g} of {of_what}{verified}" if dev.program_sigma else "",
             f"read noise {dev.read_noise_sigma:g} of g_max - g_min" if dev.read_noise_sigma else "",
             f"stuck cells {stuck:g} of the cells" if stuck else "",
             f"drift nu {dev.drift_nu:g} +/- {dev.drift_nu_sigma:g} after {dev.drift_time_s:g} s, {compensated}"
             if reads_drift(dev) else  # read at the reference time: none yet
             f"no drift yet (read at drift_t0_s, {dev.drift_t0_s:g} s)" if dev.drift_nu or dev.drift_nu_sigma else "",
             f"I-V nonlinearity I(V)/I(V/2) = {dev.iv_nonlinearity:g}" if dev.iv_nonlinearity != 2 else ""]
    parts = [p for p in parts if p]
    preset = f"device preset \"{dev.preset}\"" if dev.preset else f"device \"{dev.name}\""
    return f"{preset} ({', '.join(parts)})" if parts else f"{preset} (no device error: ideal levels)"


def _adc_range(a: AdcConfig) -> str:
    """the ADCs' full scale: max, calibrated at its percentile and scope, or fixed at its fraction"""
    if a.range == AdcRange.CALIBRATED:
        return (f"calibrated at percentile {a.percentile:g} of up to {a.calibration_vectors} vectors, per "
                f"{a.calibration_scope}")
    return f"fixed at {a.full_scale_fraction:g} of the largest sum" if a.range == AdcRange.FIXED else f"{a.range}"


def _adc_errors(a: AdcConfig) -> str:
    """the ADCs' static errors a config states, as a clause ("" where none), and a stated ENOB, which prices the
    converter only (the report had shown the ideal converter the numerics simulate without a word on it)"""
    errors = [f"gain error {a.gain_error:+g}" if a.gain_error else "",
              f"offset {a.offset_lsb:+g} LSB" if a.offset_lsb else "", f"INL {a.inl_lsb:g} LSB" if a.inl_lsb else "",
              f"ENOB {a.enob:g} for the cost model alone, the numerics converting at {a.bits} bits"
              if a.enob is not None else ""]
    return "".join(f", {e}" for e in errors if e)
