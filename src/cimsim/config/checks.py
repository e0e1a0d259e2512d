"""Rules between the fields of a configuration, run once every field is valid on its own.

Each rule returns ``(dotted_field, message)`` pairs naming the field to fix and what it may be combined with;
:func:`cimsim.config.load.config_from_dict` raises them together as one :class:`~cimsim.errors.ConfigError`.
"""

from __future__ import annotations

from ..argcheck import checked_types
from .modes import (Accumulation, AdcType, ArrayFamily, CellAccess, DacMode, DigitalAdders, EnergyModel,
                    InputEncoding, InputRange, SignedEncoding, SignedInputs, Subtraction, WorkloadKind)
from .conditional import NON_IDEAL_FIELDS, priced_enob, sram_cell_errors
from .file_checks import file_errors
from .memory_checks import MIN_BANK_KIB, memory_errors
from .schema import BaselineConfig, Config, DacConfig, DeviceConfig

__all__ = ["check_consistency", "baseline_errors", "device_errors", "stored_weight_bits", "input_magnitude_bits",
           "binary_inputs", "resolved_bits_per_read"]


@checked_types
def check_consistency(config: Config) -> list[tuple[str, str]]:
    """Rules between fields that the per-field rules cannot express, as ``(dotted_field, message)``."""
    array, device, dac, adc = config.array, config.device, config.dac, config.adc
    errors = device_errors(device)
    if array.rows_per_read > array.rows:
        errors.append(("array.rows_per_read", f"'array.rows_per_read' ({array.rows_per_read}) must not exceed "
                                              f"'array.rows' ({array.rows})"))
    elif adc.groups_per_conversion > (groups := -(-array.rows // array.rows_per_read)):
        errors.append(("adc.groups_per_conversion", f"'adc.groups_per_conversion' ({adc.groups_per_conversion}) "
                                                    f"must not exceed the row groups of an array: {groups} ('array."
                                                    f"rows' {array.rows} / 'array.rows_per_read' "
                                                    f"{array.rows_per_read}, rounded up)"))
    if adc.cols_per_adc > array.cols and array.family != ArrayFamily.DIGITAL:  # an adder tree shares no ADC
        errors.append(("adc.cols_per_adc", f"'adc.cols_per_adc' ({adc.cols_per_adc}) must not exceed "
                                           f"'array.cols' ({array.cols})"))
    encoding_errors = _check_encoding(config)
    errors.extend(encoding_errors)
    errors.extend(_check_converter(config) if array.family != ArrayFamily.DIGITAL else [])  # no ADC: fields idle
    input_errors = _check_inputs(dac)
    errors.extend(input_errors)
    family_errors = _check_family(config)
    errors.extend(family_errors)
    if dac.input_range == InputRange.FIXED and dac.input_max is None:
        errors.append(("dac.input_max", "'dac.input_max' is required when 'dac.input_range' is \"fixed\""))
    errors.extend(baseline_errors(config.baseline))
    errors.extend(memory_errors(config))
    if (read_bits := array.rows * dac.input_bits) > config.chip.tile_buffer_kib * 8192:
        errors.append(("chip.tile_buffer_kib", f"'chip.tile_buffer_kib' ({config.chip.tile_buffer_kib:g}) must hold "
                                               f"one array read's inputs: 'array.rows' x 'dac.input_bits' = "
                                               f"{read_bits} bits ({read_bits / 8192:.4g} KiB)"))
    errors.extend(file_errors(config))
    errors.extend(_check_zero_fractions(config))
    if input_errors or encoding_errors or family_errors:
        return errors  # the plan needs a valid input layout, weight encoding and family
    from ..plan_checks import plan_problems  # checks on the layer's plan

    return errors + plan_problems(config)


@checked_types
def baseline_errors(baseline: BaselineConfig) -> list[tuple[str, str]]:
    """Rules between the fields of the [baseline] table, as ``(dotted_field, message)``."""
    errors: list[tuple[str, str]] = []
    if baseline.energy_model == EnergyModel.BOARD_POWER and baseline.board_power_w is None:
        errors.append(("baseline.board_power_w", "'baseline.board_power_w' is required when "
                                                 "'baseline.energy_model' is \"board_power\""))
    if baseline.wide_macs_per_cycle > baseline.macs_per_cycle:
        errors.append(("baseline.wide_macs_per_cycle", (
            f"'baseline.wide_macs_per_cycle' ({baseline.wide_macs_per_cycle}) must not exceed "
            f"'baseline.macs_per_cycle' ({baseline.macs_per_cycle}): wider operands do not run faster")))
    if 0 < baseline.narrow_macs_per_cycle < baseline.macs_per_cycle:
        errors.append(("baseline.narrow_macs_per_cycle", (
            f"'baseline.narrow_macs_per_cycle' ({baseline.narrow_macs_per_cycle}) must be 0 (as macs_per_cycle) or "
            f"at least 'baseline.macs_per_cycle' ({baseline.macs_per_cycle}): narrower operands do not run slower")))
    if baseline.onchip_banks > 1 and (bank_kib := baseline.sram_kib / baseline.onchip_banks) < MIN_BANK_KIB:
        errors.append(("baseline.onchip_banks", (
            f"'baseline.onchip_banks' ({baseline.onchip_banks}) leaves banks of {bank_kib:g} "
            f"KiB of the {baseline.sram_kib:g} KiB ('baseline.sram_kib'); a bank must hold at least 1 KiB (the "
            "memory laws are anchored at 8 KB and 64 KB)")))
    return errors


@checked_types
def device_errors(device: DeviceConfig) -> list[tuple[str, str]]:
    """Rules between a device's own fields: g_min below g_max (on/off ratio at least 1 + 1e-6), reads at or after
    drift t0 where the cells drift, stuck rates summing to at most 1, one bit in a cell of the sram device preset."""
    errors = []
    if device.g_min_us * (1 + 1e-6) >= device.g_max_us:  # closer, float rounding swamps the levels' spacing
        errors.append(("device.g_min_us", f"'device.g_min_us' ({device.g_min_us}) must be below "
                                          f"'device.g_max_us' ({device.g_max_us}), by a millionth of it at least (an "
                                          "on/off ratio of 1 + 1e-15 had given a relative error of 1.7)"))
    if device.drift_time_s < device.drift_t0_s and (device.drift_nu or device.drift_nu_sigma):  # idle without drift
        errors.append(("device.drift_time_s", f"'device.drift_time_s' ({device.drift_time_s}) must not be before "
                                              f"'device.drift_t0_s' ({device.drift_t0_s})"))
    if device.stuck_at_gmin_rate + device.stuck_at_gmax_rate > 1:
        errors.append(("device.stuck_at_gmax_rate", "'device.stuck_at_gmin_rate' + 'device.stuck_at_gmax_rate' "
                                                    "must not exceed 1"))
    if device.bits_per_cell > 1 and device.preset == "sram":
        errors.append(("device.bits_per_cell", f"'device.bits_per_cell' ({device.bits_per_cell}) must be 1 with the "
                                               "sram device preset: an SRAM cell stores one bit (a weight of more "
                                               "bits takes as many cells)"))
    return errors


def binary_inputs(input_bits: int, signed_inputs: str) -> bool:
    """1-bit bipolar inputs: every code is -1 or +1 (sign(x), 0 -> +1)"""
    return signed_inputs == SignedInputs.BIPOLAR and input_bits == 1


def input_magnitude_bits(input_bits: int, signed_inputs: str) -> int:
    """Input bits that carry magnitude: all of them when unsigned, all but the sign otherwise; a binary input (its
    magnitude always 1) has 1."""
    if signed_inputs == SignedInputs.UNSIGNED or binary_inputs(input_bits, signed_inputs):
        return input_bits
    return input_bits - 1


def resolved_bits_per_read(dac: DacConfig) -> int:
    """Input magnitude bits per read that ``dac`` asks for: all of them (parallel), 1 (bit_serial) or
    ``bits_per_read`` (sliced; validated against the others by the config loader)."""
    if dac.mode != DacMode.SLICED:
        return max(1, input_magnitude_bits(dac.input_bits, dac.signed_inputs)) if dac.mode == DacMode.PARALLEL else 1
    if dac.bits_per_read is None:
        raise ValueError("dac.mode = 'sliced' needs dac.bits_per_read")
    return dac.bits_per_read


def stored_weight_bits(weight_bits: int, signed_encoding: str) -> int:
    """Bits of the unsigned code one column group stores: the magnitude bits (differential), the offset code
    (offset), 1 for binary weights."""
    if weight_bits == 1:
        return 1
    return weight_bits - 1 if signed_encoding == SignedEncoding.DIFFERENTIAL else weight_bits


def _check_converter(config: Config) -> list[tuple[str, str]]:
    """an ENOB of at most the nominal bits; a flash of at most the survey's flash designs' bits; a converter built
    for more bits than it resolves: a SAR (it stops after adc.bits bit-cycles), at least adc.bits, its ENOB the
    built converter's"""
    from ..cost.adc_survey import FLASH_MAX_BITS  # the cost laws import the config schema

    adc = config.adc
    built = adc.built_bits is not None and adc.built_bits > adc.bits and adc.type == AdcType.SAR  # (refused below)
    priced = priced_enob(config) is not None  # else idle: refused as such
    errors = [("adc.enob", f"'adc.enob' ({adc.enob!r}) must not exceed 'adc.bits' ({adc.bits}): a converter "
                           "resolves at most its nominal bits")] * (priced and adc.enob > adc.bits and not built)
    if adc.type == AdcType.FLASH and adc.bits > FLASH_MAX_BITS:
        errors.append(("adc.bits", f"'adc.bits' ({adc.bits}) must be at most {FLASH_MAX_BITS} with 'adc.type' = "
                                   f"\"flash\": the survey's flash designs, whose comparators price it, resolve "
                                   f"3-{FLASH_MAX_BITS} bits (2**bits - 1 comparators: {2 ** adc.bits - 1} here); more "
                                   "bits: \"sar\" or \"ramp\""))
    if adc.built_bits is None or adc.built_bits == adc.bits:
        return errors
    if adc.built_bits < adc.bits:
        return errors + [("adc.built_bits", f"'adc.built_bits' ({adc.built_bits}) must not be below 'adc.bits' "
                                            f"({adc.bits}): the converter built resolves at least the bits it runs at")]
    if adc.type != AdcType.SAR:  # (an ENOB beyond the bits named above; one of another type, by its own rule)
        return errors + [("adc.built_bits", f"'adc.built_bits' above 'adc.bits' needs 'adc.type' = \"sar\" (a "
                                            f"converter that stops after adc.bits bit-cycles); got \"{adc.type}\"")]
    if priced:
        errors.append(("adc.enob", "'adc.enob' cannot be combined with 'adc.built_bits' above 'adc.bits': the "
                                   "built converter takes its default ENOB"))
    return errors


def _check_inputs(dac) -> list[tuple[str, str]]:
    """DAC mode, bits per read, input precision and sign handling that can be combined."""
    magnitude = input_magnitude_bits(dac.input_bits, dac.signed_inputs)
    if magnitude < 1:
        return [("dac.input_bits", f"'dac.input_bits' ({dac.input_bits}) must be at least 2 with 'dac.signed_inputs' "
                                   f"= \"{dac.signed_inputs}\" (a sign and a magnitude bit); 1-bit inputs need "
                                   "\"unsigned\" (codes 0 and 1) or \"bipolar\" (binary inputs, -1 and +1)")]
    if dac.mode == DacMode.PARALLEL and dac.signed_inputs == SignedInputs.TWOS_COMPLEMENT:
        return [("dac.signed_inputs", "'dac.signed_inputs' = \"twos_complement\" reads the sign bit on its own, so it "
                                      "needs 'dac.mode' = \"bit_serial\" or \"sliced\"; got \"parallel\"")]
    implied = {DacMode.PARALLEL: magnitude, DacMode.BIT_SERIAL: 1}.get(dac.mode)
    if dac.mode == DacMode.SLICED and dac.bits_per_read is None:
        return [("dac.bits_per_read", "'dac.bits_per_read' is required when 'dac.mode' is \"sliced\"")]
    if dac.bits_per_read is not None:
        if dac.bits_per_read > magnitude:
            return [("dac.bits_per_read", f"'dac.bits_per_read' ({dac.bits_per_read}) must not exceed the {magnitude} "
                                          f"magnitude bits of the inputs ('dac.input_bits' = {dac.input_bits}, "
                                          f"\"{dac.signed_inputs}\")")]
        if implied is not None and dac.bits_per_read != implied:
            return [("dac.bits_per_read", f"'dac.bits_per_read' ({dac.bits_per_read}) contradicts 'dac.mode' = "
                                          f"\"{dac.mode}\", which reads {implied} bit(s) at a time; use mode = "
                                          "\"sliced\" or leave bits_per_read out")]
    return []


def _check_encoding(config: Config) -> list[tuple[str, str]]:
    """Weight encodings and what they need: binary weights in the offset encoding a digital subtraction; two's
    complement a cell per bit that conducts nothing when off (g_min 0, but in a digital array, whose sums carry no
    floor), at least 2 bits and a digital recombination of columns converted one by one (its sign bit weighs
    -2**(bits-1)); cells no wider than the stored bits."""
    weights, device = config.mapping, config.device
    stored_bits = stored_weight_bits(weights.weight_bits, weights.signed_encoding)
    digital = "'mapping.subtraction' = \"digital\""
    errors = []
    if (weights.weight_bits == 1 and weights.signed_encoding == SignedEncoding.OFFSET
            and weights.subtraction == Subtraction.ANALOG):
        errors.append(("mapping.subtraction", (
            "binary weights ('mapping.weight_bits' = 1) in the offset encoding store (q + 1) / 2 and need "
            f"2 x column - reference, which one analog difference cannot form: use {digital}, or the "
            "\"differential\" encoding (a cell and its complement)")))
    if weights.signed_encoding == SignedEncoding.TWOS_COMPLEMENT:
        why = ("'mapping.signed_encoding' = \"twos_complement\" stores a weight's bits, its sign bit of weight "
               "-2**(bits-1)")
        if weights.subtraction == Subtraction.ANALOG:
            after = ("by the adders, the sign bit's column subtracted" if config.array.family == ArrayFamily.DIGITAL
                     else "after the ADC")
            errors.append(("mapping.subtraction", f"{why}, recombined {after}: it needs {digital}"))
        if weights.weight_bits < 2:
            errors.append(("mapping.weight_bits", f"{why}: it needs 'mapping.weight_bits' >= 2 (binary +/-1 "
                                                  "weights: the \"offset\" or \"differential\" encoding)"))
        if config.adc.accumulation in (Accumulation.SLICES, Accumulation.PLANES_AND_SLICES):
            errors.append(("adc.accumulation", f"{why}, converted apart from the other slices: it cannot be summed "
                                               "with them before the ADC ('adc.accumulation' = \"none\" or "
                                               "\"planes\"; summed slices: the \"offset\" encoding)"))
        if device.g_min_us > 0 and config.array.family != ArrayFamily.DIGITAL:  # (whose bit cells gate: no floor)
            errors.append(("device.g_min_us", f"{why}, each column converted unsubtracted: an off cell's conductance "
                                              f"('device.g_min_us' = {device.g_min_us:g}) would add to every output; "
                                              "it needs 'device.g_min_us' = 0, an SRAM bit cell (resistive cells: "
                                              "the \"offset\" or \"differential\" encoding)"))
        if device.bits_per_cell != 1:
            errors.append(("device.bits_per_cell", f"{why}, one per cell: it needs 'device.bits_per_cell' = 1 "
                                                   "(multi-bit cells: the \"offset\" or \"differential\" encoding)"))
    elif device.bits_per_cell > stored_bits:
        errors.append(("device.bits_per_cell", (
            f"'device.bits_per_cell' ({device.bits_per_cell}) must not exceed the {stored_bits} stored weight bits "
            f"('mapping.weight_bits' = {weights.weight_bits} with \"{weights.signed_encoding}\" encoding)")))
    return errors


def _check_family(config: Config) -> list[tuple[str, str]]:
    """Combinations the compute family cannot do: a digital array has no analog inputs or ADC; only it has adders
    (a cell chain, with its pipeline registers); only resistive cells have an access choice."""
    array, dac, adc = config.array, config.dac, config.adc
    errors = sram_cell_errors(config)
    if array.chain_register_rows > 0 and array.digital_adders != DigitalAdders.CELL_CHAIN:
        errors.append(("array.chain_register_rows", "'array.chain_register_rows' applies to a cell chain: it needs "
                                                    "'array.digital_adders' = \"cell_chain\""))
    elif array.chain_register_rows > array.rows:  # registers every R rows of the array
        errors.append(("array.chain_register_rows", f"'array.chain_register_rows' ({array.chain_register_rows}) is "
                                                    f"above the array's {array.rows} rows ('array.rows'): no chain "
                                                    "reaches a register that far; at most 'array.rows'"))
    if config.device.iv_nonlinearity != 2.0 and array.family != ArrayFamily.RESISTIVE:
        errors.append(("device.iv_nonlinearity", "'device.iv_nonlinearity' bends a resistive cell's I-V curve: it "
                                                 f"needs 'array.family' = \"resistive\" (the family is "
                                                 f"\"{array.family}\")"))
    if array.wire_resistance_ohm > 0 and array.family == ArrayFamily.CHARGE:
        errors.append(("array.wire_resistance_ohm", "'array.wire_resistance_ohm' gives a DC current's IR drop; "
                                                    "'array.family' = \"charge\" shares charge on its columns and "
                                                    "carries none (set it to 0)"))
    if array.cell_access != CellAccess.ONE_T_ONE_R and (array.family != ArrayFamily.RESISTIVE or _sram(config)):
        holder = f"'array.family' = \"{array.family}\"" if array.family != ArrayFamily.RESISTIVE else (
            f"device '{config.device.name}'")
        errors.append(("array.cell_access", f"'array.cell_access' = \"{array.cell_access}\" selects a resistive cell; "
                                            f"{holder} has SRAM cells: set 'array.cell_access' = \"1t1r\" (or a "
                                            "resistive array of a resistive device: rram, pcm, mram)"))
    if array.family != ArrayFamily.DIGITAL:
        if array.digital_adders != DigitalAdders.TREE:
            errors.append(("array.digital_adders", f"'array.digital_adders' = \"{array.digital_adders}\" sums "
                                                   "1-bit products: it needs 'array.family' = \"digital\" (the "
                                                   f"family is \"{array.family}\")"))
        return errors
    if dac.encoding != InputEncoding.VOLTAGE:
        errors.append(("dac.encoding", f"'dac.encoding' = \"{dac.encoding}\" is a time-domain analog input; "
                                       "'array.family' = \"digital\" takes digital input bits (\"voltage\")"))
    if adc.accumulation != Accumulation.NONE:
        errors.append(("adc.accumulation", f"'adc.accumulation' = \"{adc.accumulation}\" sums in the analog domain; "
                                           "'array.family' = \"digital\" has no analog sum (use \"none\")"))
    if adc.groups_per_conversion != 1:
        errors.append(("adc.groups_per_conversion", f"'adc.groups_per_conversion' = {adc.groups_per_conversion} "
                                                    "sums row groups in the analog domain; 'array.family' = "
                                                    "\"digital\" has no analog sum (use 1)"))
    if dac.signed_inputs == SignedInputs.BIPOLAR:
        errors.append(("dac.signed_inputs", "'dac.signed_inputs' = \"bipolar\" drives +/- row voltages; "
                                            "'array.family' = \"digital\" takes \"two_phase\", "
                                            "\"twos_complement\" or \"unsigned\" inputs"))
    noisy = [name for name in NON_IDEAL_FIELDS if getattr(config.device, name) > 0]
    if noisy or array.wire_resistance_ohm > 0:
        errors.append(("array.family", "'array.family' = \"digital\" computes exactly; it cannot take analog "
                                       "non-idealities (" + ", ".join(
                                           [f"device.{n}" for n in noisy]
                                           + (["array.wire_resistance_ohm"] if array.wire_resistance_ohm > 0 else []))
                                       + " > 0)"))
    return errors


def _check_zero_fractions(config: Config) -> list[tuple[str, str]]:
    """Zero fractions shape generated data of codes that have a 0: not a network's or a file's data, not binary
    (+/-1) inputs or weights."""
    wl, errors = config.workload, []
    binary_in = binary_inputs(config.dac.input_bits, config.dac.signed_inputs)
    for name, source, binary in (("input", wl.inputs, "dac.input_bits = 1 with bipolar inputs" if binary_in else ""),
                                 ("weight", wl.weights, "mapping.weight_bits = 1" if config.mapping.weight_bits == 1
                                  else "")):
        dotted, value = f"workload.{name}_zero_fraction", getattr(wl, f"{name}_zero_fraction")
        if value == 0:
            continue
        if wl.kind == WorkloadKind.NETWORK or source == "file":
            where = ("'workload.kind' is \"network\"" if wl.kind == WorkloadKind.NETWORK
                     else f"'workload.{name}s' is \"file\"")
            errors.append((dotted, f"'{dotted}' ({value:g}) zeroes generated {name}s, but {where}: those values "
                                   "decide which are 0 (the simulation measures them); leave it at 0"))
        elif binary:
            errors.append((dotted, f"'{dotted}' ({value:g}) needs {name}s that can be 0; binary {name}s are +/-1 "
                                   f"({binary})"))
    return errors


def _sram(config: Config) -> bool:
    """whether the device is an SRAM bit cell (its name's cell family: :func:`cimsim.cost.cells.cell_family`)"""
    from ..cost.cells import cell_family  # (the cost package imports the config's: loaded by now)

    return cell_family(config.device.name)[0].name == "sram"
