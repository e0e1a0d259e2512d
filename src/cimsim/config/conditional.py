"""Fields that apply only in some settings, and the stated ones a configuration would ignore (refused: a user who
states a field means it to change something); the device non-idealities an array family's cells cannot have."""

from __future__ import annotations

import dataclasses

from .modes import (Accumulation, AdcRange, AdcType, ArrayFamily, Dataflow, DigitalAdders, EnergyModel, InputRange,
                    SignedEncoding, WorkloadKind)
from .schema import SECTIONS, Config

__all__ = ["DENSE_FIELDS", "CONDITIONAL_FIELDS", "NON_IDEAL_FIELDS", "unused_stated_fields", "sram_cell_errors",
           "summed_parts", "priced_enob"]

NON_IDEAL_FIELDS = ("program_sigma", "read_noise_sigma", "drift_nu", "drift_nu_sigma", "stuck_at_gmin_rate",
                    "stuck_at_gmax_rate")
"""the [device] fields that make a cell non-ideal when above 0 (a digital array, which computes exactly, refuses
each of them)"""


DENSE_FIELDS = ("workload.in_features", "workload.out_features", "workload.weights", "workload.inputs")
"""a dense layer's shape and data, which a network workload takes from its network and dataset"""


def _kept_at_default(field: str, applies):
    """``applies``, or ``field`` holds its default: a field that joined this table after the sweep point ids were
    fixed, still written by ``config_to_dict`` at its default where it does not apply, so the ids, which hash those
    tables (docs/sweeps.md), stay as they were; stated at another value it is refused all the same"""
    return lambda config: _value(config, field) == _DEFAULTS[field] or applies(config)


def _stated_off_default(field: str, applies):
    """``applies`` and ``field`` is off its default: a field that joined this table after the sweep point ids were
    fixed, left out by ``config_to_dict`` at its default, so the ids of the configs it applies to stay as they were"""
    return lambda config: applies(config) and _value(config, field) != _DEFAULTS[field]


def _summed_in_trees(config: Config) -> bool:
    """a digital array whose outputs are summed in adder trees (not cell chains)"""
    return config.array.family == ArrayFamily.DIGITAL and config.array.digital_adders == DigitalAdders.TREE


def _layout(config: Config):
    """the :class:`~cimsim.mapping.Plan` of one input and one output on ``config``'s arrays, the one the mapping lays
    out (its planes per input, slices per weight, codes per read); None where the settings give no plan (refused
    on their own)"""
    from ..mapping import plan_layer  # the mapping imports this package

    try:
        return plan_layer(config, 1, 1)
    except ValueError:
        return None


def summed_parts(accumulation: Accumulation, plan) -> Accumulation:
    """``accumulation`` less the parts of which ``plan`` (a :class:`~cimsim.mapping.Plan`) has one only, summing
    nothing: input planes where an input is one plane, weight slices where a weight is one slice"""
    planes = accumulation in (Accumulation.PLANES, Accumulation.PLANES_AND_SLICES) and plan.n_planes > 1
    slices = accumulation in (Accumulation.SLICES, Accumulation.PLANES_AND_SLICES) and plan.n_slices > 1
    return {(False, False): Accumulation.NONE, (True, False): Accumulation.PLANES,
            (False, True): Accumulation.SLICES, (True, True): Accumulation.PLANES_AND_SLICES}[planes, slices]


def _sums_parts(config: Config) -> bool:
    """each part that 'adc.accumulation' sums is more than one (a digital array, which refuses any, is left to that
    rule)"""
    plan = _layout(config)
    return (plan is None or config.array.family == ArrayFamily.DIGITAL
            or summed_parts(config.adc.accumulation, plan) == config.adc.accumulation)


def _multi_bit_reads(config: Config) -> bool:
    """a read applies more than one nonzero input level (a digital array, which refuses time-domain inputs, is left
    to that rule)"""
    plan = _layout(config)
    return plan is None or plan.max_plane_code > 1 or config.array.family == ArrayFamily.DIGITAL


def _subtracts(config: Config) -> bool:
    """an analog array, or weights whose encoding needs the digital subtraction (two's complement, binary offset)"""
    mapping = config.mapping
    return (config.array.family != ArrayFamily.DIGITAL or mapping.signed_encoding == SignedEncoding.TWOS_COMPLEMENT
            or (mapping.signed_encoding == SignedEncoding.OFFSET and mapping.weight_bits == 1))


def _drifts(config: Config) -> bool:
    """the reads come after the drift reference time (an SRAM or digital array, which refuses drift, is left to
    those rules)"""
    device = config.device
    return device.drift_time_s != device.drift_t0_s or config.array.family != ArrayFamily.RESISTIVE


_CALIBRATED = (lambda c: c.adc.range == AdcRange.CALIBRATED and c.array.family != ArrayFamily.DIGITAL,
               "'adc.range' is \"calibrated\" on an analog array (not 'array.family' = \"digital\")")
_CONVERTED = (lambda c: c.array.family != ArrayFamily.DIGITAL,
              "the array converts its sums ('array.family' is not \"digital\": a digital array's adder trees sum "
              "exactly, with no ADC)")
_MULTI_BIT_TYPE = _kept_at_default("adc.type", lambda c: c.adc.bits > 1 or c.adc.enob is not None)
"""a converter of more than 1 bit (an ENOB stated at 1 bit is refused first, by its own rule)"""
_DRIFT = ("'device.drift_time_s' is after 'device.drift_t0_s' (reads at the reference time see G0: (t / t0)**-nu "
          "= 1; set 'device.drift_time_s' to when the reads come)")
CONDITIONAL_FIELDS = {
    **dict.fromkeys(("adc.bits", "adc.built_bits", "adc.range", "adc.offset_lsb", "adc.gain_error",
                     "adc.inl_lsb"), _CONVERTED),
    "adc.enob": (lambda c: _CONVERTED[0](c) and c.adc.type in (AdcType.SAR, AdcType.FLASH) and c.adc.bits > 1,
                 "'adc.type' is \"sar\" or \"flash\" and 'adc.bits' above 1, on an analog array (a ramp or VCO "
                 "converter is priced by its 2**bits counts whatever its ENOB, a 1-bit converter is one column "
                 "comparator whatever its ENOB, and an ENOB adds no noise: it prices a converter only)"),
    "adc.type": (lambda c: _CONVERTED[0](c) and _MULTI_BIT_TYPE(c),
                 lambda c: _CONVERTED[1] if not _CONVERTED[0](c) else (
                     "'adc.bits' is above 1 (a 1-bit conversion is one column comparator whatever the type, "
                     "docs/adc.md)")),
    "adc.accumulation": (_kept_at_default("adc.accumulation", _sums_parts),
                         "there is more than one of what it sums: \"planes\" where an input takes several planes "
                         "(\"two_phase\" or \"twos_complement\" inputs, or a \"bit_serial\" or \"sliced\" DAC "
                         "reading fewer bits than the input's magnitude; not one parallel read of unsigned, bipolar or "
                         "1-bit inputs), \"slices\" where a weight takes several slices ('device.bits_per_cell' below "
                         "the stored weight bits; not 'mapping.weight_bits' = 1); \"planes_and_slices\" needs both"),
    "mapping.subtraction": (_kept_at_default("mapping.subtraction", _subtracts),
                            "the array converts its sums ('array.family' is not \"digital\": a digital array's "
                            "adders form a signed weight's products exactly, with no analog subtraction), or the "
                            "weights' encoding needs it (\"twos_complement\", binary \"offset\" weights)"),
    "dac.encoding": (_kept_at_default("dac.encoding", _multi_bit_reads),
                     "a read applies more than one input level ('dac.mode' \"parallel\" or \"sliced\" with "
                     "'dac.bits_per_read' above 1, multi-bit inputs; a bit-serial or 1-bit read is one pulse of the "
                     "read voltage whatever its encoding)"),
    **{field: (_kept_at_default(field, _drifts), _DRIFT) for field in ("device.drift_nu", "device.drift_nu_sigma")},
    "adc.cols_per_adc": (_kept_at_default("adc.cols_per_adc", _CONVERTED[0]), _CONVERTED[1]),
    **dict.fromkeys(DENSE_FIELDS, (lambda c: c.workload.kind != WorkloadKind.NETWORK, "the workload is a dense "
                                   "layer (a network takes its shapes and values from its network and dataset)")),
    "workload.dataset": (_kept_at_default("workload.dataset", lambda c: c.workload.kind == WorkloadKind.NETWORK),
                         "'workload.kind' is \"network\" (a dense layer's inputs are 'workload.inputs')"),
    **dict.fromkeys(("adc.percentile", "adc.calibration_vectors", "adc.calibration_scope"), _CALIBRATED),
    "adc.full_scale_fraction": (lambda c: c.adc.range == AdcRange.FIXED and c.array.family != ArrayFamily.DIGITAL,
                                "'adc.range' is \"fixed\" on an analog array (not 'array.family' = \"digital\")"),
    "dac.input_max": (lambda c: c.dac.input_range == InputRange.FIXED, "'dac.input_range' is \"fixed\""),
    "device.program_verify_max_writes": (lambda c: c.device.program_verify_tolerance is not None,
                                         "'device.program_verify_tolerance' is set"),
    "array.cell_capacitance_ff": (lambda c: c.array.family == ArrayFamily.CHARGE, "'array.family' is \"charge\""),
    "array.adder_trees": (_stated_off_default("array.adder_trees", _summed_in_trees),
                          "'array.family' is \"digital\" and 'array.digital_adders' \"tree\""),
    "array.ir_drop": (lambda c: c.array.wire_resistance_ohm > 0, "'array.wire_resistance_ohm' is above 0"),
    "device.read_voltage_v": (_kept_at_default("device.read_voltage_v",
                                               lambda c: c.array.family == ArrayFamily.RESISTIVE),
                              "'array.family' is \"resistive\" (an SRAM family's lines and capacitors swing the "
                              "supply, 'technology.vdd_v', in its energy and its kT/C noise alike)"),
    "baseline.board_power_w": (lambda c: c.baseline.energy_model == EnergyModel.BOARD_POWER,
                               "'baseline.energy_model' is \"board_power\""),
    "baseline.array_rows": (_kept_at_default("baseline.array_rows",
                                             lambda c: c.baseline.dataflow != Dataflow.OUTPUT_STATIONARY),
                            "'baseline.dataflow' is \"weight_stationary\" or \"weight_streaming\" (an "
                            "output_stationary baseline's MAC units are no array of rows)"),
}
"""fields that apply only in some settings -> (whether they apply to a config, when they do: a text, or the text for
a config)"""


def unused_stated_fields(config: Config, stated: set[str]) -> list[tuple[str, str]]:
    """The fields among ``stated`` (the dotted fields a user gave) that ``config`` would ignore, set to other than
    their default: a user who stated one meant it to change something (a default written out changes nothing)."""
    changed = {field for field in stated & CONDITIONAL_FIELDS.keys() if _value(config, field) != _DEFAULTS[field]}
    return [(field, f"'{field}' applies only when {when(config) if callable(when) else when}; here it would be "
                    "ignored: leave it out, or set what it needs")
            for field, (applies, when) in CONDITIONAL_FIELDS.items() if field in changed and not applies(config)]


_DEFAULTS = {f"{section}.{f.name}": f.default for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)}


def _value(config: Config, field: str):
    section, _, name = field.partition(".")
    return getattr(getattr(config, section), name)


def sram_cell_errors(config: Config) -> list[tuple[str, str]]:
    """What the SRAM cells of an analog array (charge or current family, or the sram device preset's cells on a
    resistive array) cannot have, refused however set (a preset's value too): conductance drift, of resistive memory
    (a latch, its capacitor or transistor hold no programmed conductance), and program-and-verify (a rewritten bit
    keeps its capacitor's or transistor's mismatch, its programming error). Their mismatch (program_sigma), read
    noise and stuck bits stay. (The sram preset's cells had drifted on a resistive array: a bad-config probe.)"""
    family, device = config.array.family, config.device
    if family in (ArrayFamily.CHARGE, ArrayFamily.CURRENT):
        cells = f"'array.family' = \"{family}\" has SRAM cells"
    elif device.preset == "sram":
        cells = "'device.preset' = \"sram\" models SRAM cells"
    else:
        return []
    errors = [(f"device.{name}", f"'device.{name}' ({getattr(device, name):g}) sets conductance drift, of resistive "
                                 f"cells (PCM); {cells}, which hold no programmed conductance to drift (set it to 0)")
              for name in ("drift_nu", "drift_nu_sigma") if getattr(device, name) > 0]
    if device.program_verify_tolerance is not None:
        errors.append(("device.program_verify_tolerance", f"'device.program_verify_tolerance' rewrites a cell until "
                                                          f"it holds its target; {cells}, whose mismatch a rewrite "
                                                          "does not change (leave it out)"))
    return errors


def priced_enob(config: Config) -> float | None:
    """the ADC ENOB ``config`` states where it prices the converter (``CONDITIONAL_FIELDS["adc.enob"]``), else None:
    an idle one prices nothing (the config check, the pricing and the report read this one rule)"""
    return config.adc.enob if CONDITIONAL_FIELDS["adc.enob"][0](config) else None
