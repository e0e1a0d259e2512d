"""The warning a run gives where its outputs carry no effective bit of the float product (a relative error of at
least sqrt(2/3): all-zero outputs have exactly 1) or, a classifier's, are no better than a guess (top-1 accuracy at
chance while its float model's is not), with what causes it and the fields that would lower it."""

from __future__ import annotations

import math
from dataclasses import fields

from .config.modes import AdcRange, InputRange
from .config.schema import SECTIONS, Config

__all__ = ["poor_outputs_note", "POOR_OUTPUTS_ERROR"]

POOR_OUTPUTS_ERROR = (2.0 / 3.0) ** 0.5
"""relative error at or above which run and compare warn, 0.8165: an SNR of at most 10 log10(1.5) = 1.76 dB, so no
effective bit (ENOB = (SNR - 1.76 dB) / 6.02 dB <= 0, IEEE Std 1241's definition; zeros have 1, ||0 - y|| / ||y||).
It had been 1, which outputs IR drop had shrunk to nearly zero (relative error 0.99999) passed unwarned"""


def poor_outputs_note(result) -> str | None:
    """The warning where a run's outputs (a network's final ones) carry no effective bit of the float product
    (relative error at least :data:`POOR_OUTPUTS_ERROR`), with the analog and the quantisation shares and the fields
    of the larger; where a classifier's analog top-1 accuracy is no better than chance while its float model's is;
    or where a network layer's analog products carry no effective bit of the exact products of its quantised
    operands (the worst layer named); None otherwise (and where an error is NaN: no outputs to judge)."""
    name, layers = result.config.name, getattr(result, "layers", None)
    worst = max(layers, key=lambda layer: layer.vs_digital.relative_error) if layers else None
    error, quantised = result.vs_float.relative_error, result.digital_vs_float.relative_error
    if worst is not None:
        analog = worst.vs_digital.relative_error
    else:  # a dense run's; a network without matrix layers has no analog products
        analog = 0.0 if layers is not None else result.vs_digital.relative_error
    where = f" (layer {worst.index}, the worst)" if worst and analog else ""
    if layers is not None and error < 1 and (chance := _at_chance(result)):  # closer than zeros: chance says more
        advice = _analog_advice(result.config) if result.digital_accuracy > 1 / chance else _quantisation_advice(result)
        return (f"{name}: the analog top-1 accuracy, {100 * result.analog_accuracy:.2f} %, is no better than chance "
                f"(1 in {chance} classes) where the float model scores {100 * result.float_accuracy:.2f} % (digital "
                f"{100 * result.digital_accuracy:.2f} %): {advice}")
    if error >= POOR_OUTPUTS_ERROR:
        advice = _analog_advice(result.config) if analog >= quantised else _quantisation_advice(result)
        float_side = "the float product" if layers is None else "the float model's outputs"
        return (f"{name}: the outputs carry no effective bit of {float_side} (relative error {error:.3g}, "
                f"{_snr_db(error)}; the analog error alone {analog:.3g}{where}, the quantisation alone "
                f"{quantised:.3g}): {advice}")
    if worst and analog >= POOR_OUTPUTS_ERROR:
        return (f"{name}: layer {worst.index}'s analog products carry no effective bit of the exact products of its "
                f"quantised operands (relative error {analog:.3g}, {_snr_db(analog)}): "
                f"{_analog_advice(result.config)}")
    return None


def _snr_db(error: float) -> str:
    """'SNR x dB, at most 1.76 dB: ENOB <= 0' of a relative ``error`` > 0 (zeros' 1: 0 dB)"""
    return f"SNR {0.0 - 20 * math.log10(error):.2f} dB, at most 1.76 dB: ENOB <= 0"


def _at_chance(result) -> int | None:
    """the classes of a network whose analog top-1 accuracy is no better than a uniform guess among them while its
    float model's is, else None (no classes: NaN accuracies)"""
    network = result.network
    classes = network.output_shape[-1] if network is not None and network.output_shape else result.output_elements
    at_chance = result.analog_accuracy <= 1 / classes < result.float_accuracy  # False where NaN
    return classes if at_chance else None


def _quantisation_advice(result) -> str:
    """what would bring the quantised operands' product closer to the float one: a fixed input range brought to the
    inputs' scale where it lies off it (by more than 2x of their largest magnitude, where a dense run knows it), more
    weight or input bits where the fields take more"""
    config, advice = result.config, []
    peak = getattr(result, "input_peak", 0.0)
    if config.dac.input_range == InputRange.FIXED and not peak / 2 <= config.dac.input_max <= 2 * peak:
        largest = f" (their largest magnitude {peak:.3g})" if peak else ""
        advice.append(f"set 'dac.input_range' = \"per_vector\", or bring 'dac.input_max' = "
                      f"{config.dac.input_max:g} to the inputs' scale{largest}")
    widths = {("mapping", "weight_bits"): config.mapping.weight_bits, ("dac", "input_bits"): config.dac.input_bits}
    bits = [f"'{table}.{name}' = {value}" for (table, name), value in widths.items() if value < _most(table, name)]
    if bits:
        advice.append(f"raise {' or '.join(bits)}")
    return "the quantised operands lose most of the product: " + ("; ".join(advice) or "no field left to widen")


def _analog_advice(config: Config) -> str:
    """what would bring analog products closer to the exact ones: the device's error and noise lowered, an ADC range
    that fits the sums, more ADC bits (where the field takes more)"""
    dev, adc = config.device, config.adc
    errors = [f"'{name}' = {value:g}" for name, value in (
        ("device.program_sigma", dev.program_sigma), ("device.read_noise_sigma", dev.read_noise_sigma),
        ("device.drift_nu", dev.drift_nu), ("device.drift_nu_sigma", dev.drift_nu_sigma),
        ("device.stuck_at_gmin_rate", dev.stuck_at_gmin_rate), ("device.stuck_at_gmax_rate", dev.stuck_at_gmax_rate),
        ("array.wire_resistance_ohm", config.array.wire_resistance_ohm), ("adc.offset_lsb", adc.offset_lsb),
        ("adc.gain_error", adc.gain_error), ("adc.inl_lsb", adc.inl_lsb)) if value]
    advice = [f"lower {', '.join(errors)}"] if errors else []
    more_bits = adc.bits < _most("adc", "bits")
    if adc.range == AdcRange.MAX:
        advice.append(f"where the {adc.bits}-bit ADC's step ('adc.range' = \"max\": its full scale the largest "
                      "possible sum; the report gives its LSB) exceeds most sums, set \"calibrated\""
                      + " or raise 'adc.bits'" * more_bits)
    elif adc.range == AdcRange.FIXED:
        advice.append(f"bring 'adc.full_scale_fraction' = {adc.full_scale_fraction:g} toward the sums or set "
                      "'adc.range' = \"calibrated\"")
    elif more_bits and (not errors or any(e.startswith("'adc.") for e in errors)):  # an error in LSBs shrinks too
        advice.append(f"raise 'adc.bits' = {adc.bits}")
    elif not errors:
        advice.append(f"the {adc.bits}-bit ADC is the widest the field takes: lower the noise or error left")
    return "; ".join(advice)


def _most(table: str, name: str) -> int:
    """the largest value the field ``table.name`` takes (its rule's upper bound)"""
    return next(f.metadata["rule"].high for f in fields(SECTIONS[table]) if f.name == name)
