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
    """The warning where a run's outputs (a network's final ones) lie no closer to the float product than zeros
    (relative error at least :data:`POOR_OUTPUTS_ERROR`), with the analog and the quantisation shares and the fields
    of the larger; or where a network layer's analog products lie no closer to the exact products of its quantised
    operands (the worst layer named); None otherwise (and where an error is NaN: no outputs to judge)."""
    name, layers = result.config.name, getattr(result, "layers", None)
    worst = max(layers, key=lambda layer: layer.vs_digital.relative_error) if layers else None
    error, quantised = result.vs_float.relative_error, result.digital_vs_float.relative_error
    if worst is not None:
        analog = worst.vs_digital.relative_error
    else:  # a dense run's; a network without matrix layers has no analog products
        analog = 0.0 if layers is not None else result.vs_digital.relative_error
    where = f" (layer {worst.index}, the worst)" if worst else ""
    if error >= POOR_OUTPUTS_ERROR:
        advice = _analog_advice(result.config) if analog >= quantised else _quantisation_advice(result)
        float_side = "the float product" if layers is None else "the float model's outputs"
        return (f"{name}: the outputs lie no closer to {float_side} than zeros would (relative error "
                f"{error:.3g}; the analog error alone {analog:.3g}{where}, the quantisation alone {quantised:.3g}): "
                f"{advice}")
    if worst and analog >= POOR_OUTPUTS_ERROR:
        return (f"{name}: layer {worst.index}'s analog products lie no closer to the exact products of its quantised "
                f"operands than zeros would (relative error {analog:.3g}): {_analog_advice(result.config)}")
    return None


def _quantisation_advice(result) -> str:
    """what would bring the quantised operands' product closer to the float one: a fixed input range that fits the
    inputs (no width helps while it does not), else more weight or input bits where the fields take more"""
    config = result.config
    if config.dac.input_range == InputRange.FIXED:
        peak = f" (their largest magnitude {result.input_peak:.3g})" if hasattr(result, "input_peak") else ""
        return ("the quantised operands lose most of the product: set 'dac.input_range' = \"per_vector\", or bring "
                f"'dac.input_max' = {config.dac.input_max:g} to the inputs' scale{peak}")
    widths = {("mapping", "weight_bits"): config.mapping.weight_bits, ("dac", "input_bits"): config.dac.input_bits}
    bits = [f"'{table}.{name}' = {value}" for (table, name), value in widths.items() if value < _most(table, name)]
    return "the quantised operands lose most of the product: " + (f"raise {' or '.join(bits)}" if bits
                                                                  else "no field left to widen")


def _analog_advice(config: Config) -> str:
    """what would bring analog products closer to the exact ones: the device's error and noise lowered, an ADC range
    that fits the sums, more ADC bits (where the field takes more)"""
    dev, adc = config.device, config.adc
    errors = [f"'{name}' = {value:g}" for name, value in (
        ("device.program_sigma", dev.program_sigma), ("device.read_noise_sigma", dev.read_noise_sigma),
        ("device.drift_nu", dev.drift_nu), ("device.stuck_at_gmin_rate", dev.stuck_at_gmin_rate),
        ("device.stuck_at_gmax_rate", dev.stuck_at_gmax_rate),
        ("array.wire_resistance_ohm", config.array.wire_resistance_ohm)) if value]
    advice = [f"lower {', '.join(errors)}"] if errors else []
    more_bits = adc.bits < _most("adc", "bits")
    if adc.range == AdcRange.MAX:
        advice.append(f"where the {adc.bits}-bit ADC's step ('adc.range' = \"max\": the largest possible sum over "
                      f"2**{adc.bits} codes) exceeds most sums, set \"calibrated\""
                      + " or raise 'adc.bits'" * more_bits)
    elif adc.range == AdcRange.FIXED:
        advice.append(f"bring 'adc.full_scale_fraction' = {adc.full_scale_fraction:g} toward the sums or set "
                      "'adc.range' = \"calibrated\"")
    elif not errors:
        advice.append(f"raise 'adc.bits' = {adc.bits}" if more_bits else
                      f"the {adc.bits}-bit ADC is the widest the field takes: lower the noise or error left")
    return "; ".join(advice)


def _most(table: str, name: str) -> int:
    """the largest value the field ``table.name`` takes (its rule's upper bound)"""
    return next(f.metadata["rule"].high for f in fields(type(getattr(Config(), table))) if f.name == name)
