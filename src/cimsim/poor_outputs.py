"""The warning a run gives where its outputs are no better than zeros: a relative error of at least 1 (all-zero
outputs have exactly 1), with what causes it and the fields that would lower it."""

from __future__ import annotations

from dataclasses import fields

from .config.modes import AdcRange, InputRange
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
    advice = _analog_advice(result.config) if analog >= quantised else _quantisation_advice(result)
    return (f"{name}: the outputs lie no closer to the float product than zeros would (relative error {error:.3g}; "
            f"the analog error alone {analog:.3g}, the quantisation alone {quantised:.3g}): {advice}")


def _quantisation_advice(result) -> str:
    """what would bring the quantised operands' product closer to the float one: a fixed input range near the
    inputs' largest magnitude, more weight or input bits (where the fields allow more)"""
    config = result.config
    advice = []
    if config.dac.input_range == InputRange.FIXED:
        advice.append(f"bring 'dac.input_max' = {config.dac.input_max:g} toward the inputs' largest magnitude, "
                      f"{result.input_peak:.3g} (or set 'dac.input_range' = \"per_vector\")")
    widths = {("mapping", "weight_bits"): config.mapping.weight_bits, ("dac", "input_bits"): config.dac.input_bits}
    bits = [f"'{table}.{name}' = {value}" for (table, name), value in widths.items() if value < _most(table, name)]
    if bits:
        advice.append(f"raise {' or '.join(bits)}")
    return "the quantised operands lose most of the product: " + ("; ".join(advice) or "no field left to widen")


def _analog_advice(config: Config) -> str:
    """what would bring analog products closer to the exact ones: the device's error and noise lowered, an ADC range
    that fits the sums, more ADC bits"""
    dev, adc = config.device, config.adc
    errors = [f"'{name}' = {value:g}" for name, value in (
        ("device.program_sigma", dev.program_sigma), ("device.read_noise_sigma", dev.read_noise_sigma),
        ("device.drift_nu", dev.drift_nu), ("device.stuck_at_gmin_rate", dev.stuck_at_gmin_rate),
        ("device.stuck_at_gmax_rate", dev.stuck_at_gmax_rate),
        ("array.wire_resistance_ohm", config.array.wire_resistance_ohm)) if value]
    advice = [f"lower {', '.join(errors)}"] if errors else []
    if adc.range == AdcRange.MAX:
        advice.append(f"where the {adc.bits}-bit ADC's step ('adc.range' = \"max\": the largest possible sum over "
                      f"2**{adc.bits} codes) exceeds most sums, set \"calibrated\" or raise 'adc.bits'")
    elif adc.range == AdcRange.FIXED:
        advice.append(f"bring 'adc.full_scale_fraction' = {adc.full_scale_fraction:g} toward the sums or set "
                      "'adc.range' = \"calibrated\"")
    elif not errors:
        advice.append(f"raise 'adc.bits' = {adc.bits}")
    return "; ".join(advice)


def _most(table: str, name: str) -> int:
    """the largest value the field ``table.name`` takes (its rule's upper bound)"""
    return next(f.metadata["rule"].high for f in fields(type(getattr(Config(), table))) if f.name == name)
