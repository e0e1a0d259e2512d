"""The warning a run gives where its outputs are no better than zeros: a relative error of at least 1 (all-zero
outputs have exactly 1), with what causes it and the fields that would lower it."""

from __future__ import annotations

from .config.modes import AdcRange
from .config.schema import Config

__all__ = ["poor_outputs_note", "POOR_OUTPUTS_ERROR"]

POOR_OUTPUTS_ERROR = 1.0
"""relative error at or above which run and compare warn: zeros would do as well (||0 - y|| / ||y|| = 1)"""


def poor_outputs_note(result) -> str | None:
    """The warning where a dense run's outputs lie no closer to the float product than zeros (relative error at least
    :data:`POOR_OUTPUTS_ERROR`), or a network layer's analog products no closer to the exact products of its quantised
    operands (the worst layer named); None otherwise (and where an error is NaN: no outputs to judge)."""
    name = result.config.name
    if hasattr(result, "layers"):
        if not result.layers:
            return None
        worst = max(result.layers, key=lambda layer: layer.vs_digital.relative_error)
        error = worst.vs_digital.relative_error
        if not error >= POOR_OUTPUTS_ERROR:
            return None
        return (f"{name}: layer {worst.index}'s analog products lie no closer to the exact products of its quantised "
                f"operands than zeros would (relative error {error:.3g}): {_analog_advice(result.config)}")
    error, analog, quantised = (s.relative_error for s in (result.vs_float, result.vs_digital,
                                                          result.digital_vs_float))
    if not error >= POOR_OUTPUTS_ERROR:
        return None
    advice = _analog_advice(result.config) if analog >= quantised else (
        f"the quantised operands lose most of the product: raise 'mapping.weight_bits' = "
        f"{result.config.mapping.weight_bits} or 'dac.input_bits' = {result.config.dac.input_bits}")
    return (f"{name}: the outputs lie no closer to the float product than zeros would (relative error {error:.3g}; "
            f"the analog error alone {analog:.3g}, the quantisation alone {quantised:.3g}): {advice}")


def _analog_advice(config: Config) -> str:
    """what would bring analog products closer to the exact ones: an ADC range that fits the sums, the device's
    error and noise lowered, more ADC bits"""
    adc = config.adc
    if adc.range == AdcRange.MAX:
        return (f"'adc.range' = \"max\" spans the largest possible sum, so the {adc.bits}-bit ADC's step exceeds most "
                "sums: set \"calibrated\" (a range fitted to the sums) or raise 'adc.bits'")
    if adc.range == AdcRange.FIXED:
        return (f"lower 'adc.full_scale_fraction' = {adc.full_scale_fraction:g} toward the sums, set 'adc.range' = "
                "\"calibrated\", or raise 'adc.bits'")
    dev = config.device
    errors = [f"'{name}' = {value:g}" for name, value in (
        ("device.program_sigma", dev.program_sigma), ("device.read_noise_sigma", dev.read_noise_sigma),
        ("device.drift_nu", dev.drift_nu), ("device.stuck_at_gmin_rate", dev.stuck_at_gmin_rate),
        ("device.stuck_at_gmax_rate", dev.stuck_at_gmax_rate),
        ("array.wire_resistance_ohm", config.array.wire_resistance_ohm)) if value]
    more_bits = f"raise 'adc.bits' = {adc.bits}"
    return f"lower {', '.join(errors)}, or {more_bits}" if errors else more_bits
