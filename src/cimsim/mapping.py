"""Layer -> arrays: the static plan of how a weight matrix and its inputs are laid onto crossbars.

Shapes only, no numerics. The functional core (:mod:`cimsim.numerics`) executes a :class:`Plan`;
the analytic path (:func:`cimsim.analytic.analytic_counts`) prices it without running anything; the cost model reads
its geometry (arrays, converters, reads per vector).

Layout (docs/design.md section 2): W (out x in) is quantised to ``weight_bits`` signed integers; the magnitude
(differential), the offset code q + 2**(bits-1) (offset) or q mod 2**bits (twos_complement: its top bit, the sign,
weighs -2**(bits-1)) is cut into ``n_slices`` slices of ``bits_per_cell`` bits from the top down (the remainder
in the lowest), one physical column per slice (two per slice for a differential pair). The input dimension is cut
into row tiles of ``rows`` and each tile into row groups of ``rows_per_read`` (one read each;
``groups_per_conversion`` of them summed before a conversion); outputs are packed into column tiles of
``outputs_per_array``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .argcheck import check_int
from .cell_levels import CellLevels, expected_levels
from .config.checks import binary_inputs, input_magnitude_bits, resolved_bits_per_read, stored_weight_bits
from .config.modes import (Accumulation, ArrayFamily, DacMode, DigitalAdders, InputEncoding, SignedEncoding,
                           SignedInputs, Subtraction)
from .config.schema import SECTIONS, Config
from .bit_slices import slice_bits, slice_shift

__all__ = ["Plan", "plan_layer", "resolved_bits_per_read"]


@dataclass(frozen=True)
class Plan:
    """Everything about a mapping that follows from the config and the layer shape."""

    in_features: int
    out_features: int
    rows: int
    cols: int
    rows_per_read: int
    weight_bits: int
    bits_per_cell: int
    signed_encoding: SignedEncoding
    analog_subtraction: bool
    input_bits: int
    dac_mode: DacMode
    signed_inputs: SignedInputs
    bits_per_read: int
    """input magnitude bits applied per read (all of them when parallel, 1 when bit-serial)"""
    dac_encoding: InputEncoding
    """how a read's code reaches a row (config.dac.encoding; voltage where a read applies one level: one pulse of the
    full read voltage, whatever its encoding)"""
    family: ArrayFamily
    """how a cell computes (config.array.family)"""
    cell_chain: bool
    """a digital array's products are summed by a full adder in every bit cell (config.array.digital_adders)"""
    plane_accumulation: bool
    """the planes of a row group are summed in the analog domain and converted once"""
    slice_accumulation: bool
    """the weight-slice columns of an output are summed in the analog domain (binary-weighted) and converted once"""
    groups_per_conversion: int
    """consecutive row groups of a row tile whose analog sums are added before one conversion (config.adc)"""
    adc_bits: int
    cols_per_adc: int
    replication: int
    g_min_us: float
    g_max_us: float
    read_voltage_v: float  # a read's swing: the device's read voltage, an SRAM family's supply (technology.vdd_v)
    read_pulse_ns: float
    iv_nonlinearity: float
    cell_levels: CellLevels | None = None
    """what a cell programmed to each level holds on average (:func:`.cell_levels.expected_levels`)"""
    adder_trees: int = 0
    """adder trees of a digital array, 0: one per output (config.array.adder_trees; :func:`.cost.families.trees`)"""
    # ---- weights -> cells -------------------------------------------------------------------
    @functools.cached_property
    def weight_offset(self) -> int:
        """offset of the offset encoding: q_w = weight_step x stored - offset (stored in [1, 2**bits - 1]; a binary
        weight stores (q_w + 1) / 2 in {0, 1})"""
        return 2 ** (self.weight_bits - 1)

    @functools.cached_property
    def weight_step(self) -> int:
        """weight of one stored level in q_w: 2 for binary weights in the offset encoding (q_w = 2 b - 1), else 1"""
        return 2 if self.weight_bits == 1 and self.signed_encoding == SignedEncoding.OFFSET else 1

    @functools.cached_property
    def stored_bits(self) -> int:
        """bits of the unsigned code stored in the cells of one column group"""
        return stored_weight_bits(self.weight_bits, self.signed_encoding)

    @functools.cached_property
    def n_slices(self) -> int:
        return math.ceil(self.stored_bits / self.bits_per_cell)

    @functools.cached_property
    def weight_slices(self) -> tuple[tuple[int, int], ...]:
        """(lowest stored bit, highest level) of each weight slice from the least significant: bits_per_cell bits
        from the top down, the remainder in slice 0, whose cells stay below max_level (:mod:`.bit_slices`)"""
        return tuple((slice_shift(k, self.bits_per_cell, self.stored_bits),
                      2 ** slice_bits(k, self.bits_per_cell, self.stored_bits) - 1) for k in range(self.n_slices))

    @functools.cached_property
    def max_level(self) -> int:
        """highest conductance level of a cell"""
        return 2 ** self.bits_per_cell - 1

    @functools.cached_property
    def polarities(self) -> int:
        """physical columns per slice of one output: 2 for a differential pair, 1 for offset"""
        return 2 if self.signed_encoding == SignedEncoding.DIFFERENTIAL else 1

    @functools.cached_property
    def reference_cols(self) -> int:
        """reference columns per array (offset encoding: one per slice; a digital array adds it: reference_sums)"""
        return self.n_slices if self.signed_encoding == SignedEncoding.OFFSET and self.has_adc else 0

    @functools.cached_property
    def reference_sums(self) -> int:
        """input sums a digital array adds per read for the offset encoding's reference (1, else 0)"""
        return int(self.signed_encoding == SignedEncoding.OFFSET and not self.has_adc)

    @functools.cached_property
    def chain_cols(self) -> int:
        """columns an output's cell chain adds beside its weight's: its running sum's carry bits, ceil(log2 rows)"""
        return math.ceil(math.log2(self.rows_per_read)) if self.cell_chain else 0

    @functools.cached_property
    def outputs_per_array(self) -> int:
        return (self.cols - self.reference_cols) // (self.n_slices * self.polarities + self.chain_cols)

    @functools.cached_property
    def row_tiles(self) -> int:
        return math.ceil(self.in_features / self.rows)

    @functools.cached_property
    def col_tiles(self) -> int:
        return math.ceil(self.out_features / self.outputs_per_array)

    @functools.cached_property
    def n_arrays(self) -> int:
        """arrays of all copies of the weights"""
        return self.row_tiles * self.col_tiles * self.replication

    def row_groups(self) -> list[tuple[int, int]]:
        """(start, stop) input indices of every row group (the rows of one read), tile by tile"""
        return self._groups(self.rows_per_read)

    def conversion_groups(self) -> list[tuple[int, int]]:
        """(start, stop) input indices of the rows one conversion sums, tile by tile (groups_per_conversion groups)"""
        return self._groups(self.rows_per_conversion)

    def _groups(self, step: int) -> list[tuple[int, int]]:
        known = self.__dict__.setdefault("_known_groups", {})  # every read asks: kept once made (a frozen Plan)
        if step not in known:
            known[step] = tuple((start, min(tile + self.rows, self.in_features, start + step)) for tile in range(
                0, self.in_features, self.rows) for start in range(tile, min(self.in_features, tile + self.rows), step))
        return list(known[step])

    @functools.cached_property
    def rows_per_conversion(self) -> int:
        """rows summed into one conversion: rows_per_read x groups_per_conversion, at most a tile's rows"""
        return min(self.rows, self.rows_per_read * self.groups_per_conversion)

    def outputs_of_col_tile(self, tile: int) -> int:
        return min(self.outputs_per_array, self.out_features - tile * self.outputs_per_array)

    # ---- inputs -> row voltages -------------------------------------------------------------
    @functools.cached_property
    def magnitude_bits(self) -> int:
        """input bits that carry magnitude (:func:`.config.checks.input_magnitude_bits`)"""
        return input_magnitude_bits(self.input_bits, self.signed_inputs)

    @functools.cached_property
    def binary_inputs(self) -> bool:
        """1-bit bipolar inputs: every code is -1 or +1 (sign(x), 0 -> +1; the scale mean |x| or input_max)"""
        return binary_inputs(self.input_bits, self.signed_inputs)

    @functools.cached_property
    def max_input_code(self) -> int:
        """largest |q_x|: inputs are in [0, max] when unsigned, symmetric in [-max, max] otherwise"""
        return 2 ** self.magnitude_bits - 1

    @functools.cached_property
    def input_slices(self) -> int:
        """reads per phase that apply the magnitude bits, bits_per_read at a time"""
        return math.ceil(self.magnitude_bits / self.bits_per_read)

    @functools.cached_property
    def dac_bits(self) -> int:
        """resolution of one DAC conversion: bits_per_read, plus the sign of a bipolar DAC (a binary input: its sign)"""
        return self.bits_per_read + (1 if self.signed_inputs == SignedInputs.BIPOLAR and not self.binary_inputs else 0)

    @functools.cached_property
    def max_plane_code(self) -> int:
        """largest |code| one read applies to a row: 2**bits_per_read - 1"""
        return 2 ** self.bits_per_read - 1

    @functools.cached_property
    def plane_weights(self) -> np.ndarray:
        """weight of each input plane in the recombination (float64, exact powers of two): plane j of a phase holds
        the magnitude's bits from s_j on (:mod:`cimsim.bit_slices`: k = bits_per_read each, plane 0 the remainder),
        weight 2**s_j; two_phase repeats them with negative weights for the negative part; twos_complement reads the
        low magnitude_bits of q mod 2**input_bits in slices, then the sign bit with weight -2**magnitude_bits."""
        w = [2.0 ** slice_shift(j, self.bits_per_read, self.magnitude_bits) for j in range(self.input_slices)]
        if self.signed_inputs == SignedInputs.TWO_PHASE:
            w = w + [-v for v in w]
        elif self.signed_inputs == SignedInputs.TWOS_COMPLEMENT:
            w = w + [-(2.0 ** self.magnitude_bits)]
        weights = np.array(w)
        weights.flags.writeable = False  # computed once per plan (analytic counts read it per row group)
        return weights

    @functools.cached_property
    def n_planes(self) -> int:
        return len(self.plane_weights)

    @functools.cached_property
    def pulses_per_read(self) -> int:
        """unit pulses of the longest read: 1 (voltage inputs), else 2**bits_per_read - 1 (per plane: read_pulses)"""
        return 1 if self.dac_encoding == InputEncoding.VOLTAGE else self.max_plane_code

    @functools.cached_property
    def planes_per_conversion(self) -> int:
        """input planes summed before one conversion: every plane with analog accumulation, else 1"""
        return self.n_planes if self.plane_accumulation else 1

    @functools.cached_property
    def reads_per_conversion(self) -> int:
        """reads summed before a full conversion: planes_per_conversion x the row groups of rows_per_conversion rows
        of a tile (at most groups_per_conversion; a tile's last conversion may take fewer)"""
        return self.planes_per_conversion * -(-min(self.rows_per_conversion, self.in_features) // self.rows_per_read)

    @functools.cached_property
    def has_adc(self) -> bool:
        """whether columns are converted by ADCs (every family but digital, which sums exactly in an adder tree)"""
        return self.family != ArrayFamily.DIGITAL

    # ---- the analog sum and its conversion ----------------------------------------------------
    @functools.cached_property
    def signed_sum(self) -> bool:
        """whether the converted analog sum can be negative (ADC is bipolar)"""
        negative_planes = self.plane_accumulation and bool((self.plane_weights < 0).any())
        return self.analog_subtraction or self.signed_inputs == SignedInputs.BIPOLAR or negative_planes

    @functools.cached_property
    def reads_per_vector(self) -> int:
        """sequential reads of one array per input vector: input planes x row groups of its tile"""
        return self.n_planes * math.ceil(min(self.rows, self.in_features) / self.rows_per_read)

    @functools.cached_property
    def conversions_per_vector_per_array(self) -> int:
        """conversion rounds of one array per input vector: conversion groups x planes / planes_per_conversion"""
        return self.n_planes // self.planes_per_conversion * math.ceil(min(self.rows, self.in_features)
                                                                       / self.rows_per_conversion)

    @functools.cached_property
    def converted_slices(self) -> int:
        """converted columns per output and polarity: the slices, or 1 when they are summed before the ADC"""
        return 1 if self.slice_accumulation else self.n_slices

    @functools.cached_property
    def converted_cols_per_output(self) -> int:
        """ADC conversions per output per read (slices, x2 for a digitally subtracted pair)"""
        return self.converted_slices * (1 if self.analog_subtraction else self.polarities)

    def converted_cols(self, outputs: int) -> int:
        """columns converted per read of an array holding ``outputs`` outputs"""
        refs = 0 if self.analog_subtraction else self.reference_cols // self.n_slices * self.converted_slices
        return outputs * self.converted_cols_per_output + refs

    @functools.cached_property
    def slice_weight_sum(self) -> int:
        """sum of the slice weights 2**shift (:attr:`weight_slices`): what a summed column's g_min floor weighs"""
        return sum(2 ** shift for shift, _ in self.weight_slices) if self.slice_accumulation else 1

    @functools.cached_property
    def top_column_level(self) -> int:
        """largest level a converted column holds per row: a cell's top, or the summed slices' tops x their weights"""
        return sum(top << shift for shift, top in self.weight_slices) if self.slice_accumulation else self.max_level

    def used_cols(self, outputs: int) -> int:
        """physical columns in use in an array holding ``outputs`` outputs"""
        return outputs * (self.n_slices * self.polarities + self.chain_cols) + self.reference_cols

    def read_cols(self, outputs: int) -> int:
        """columns whose cells are read: the used ones but a cell chain's carry columns (adders, in adder_tree)"""
        return self.used_cols(outputs) - outputs * self.chain_cols

    def column_sums(self, outputs: int) -> int:
        """column results per conversion round of an array holding ``outputs`` outputs: its converted columns
        (ADC families), or one adder-tree sum per output over all its weight bits (digital: the tree adds whole
        weight products, as ZigZag-IMC's DIMC model)"""
        return self.converted_cols(outputs) if self.has_adc else outputs

    @functools.cached_property
    def accumulator_bits(self) -> int:
        """width of an exact integer output: product bits plus carry bits of the sum over inputs"""
        return self.weight_bits + self.input_bits + math.ceil(math.log2(max(2, self.in_features)))

    @functools.cached_property
    def adcs_per_array(self) -> int:
        return math.ceil(self.converted_cols(self.outputs_per_array) / self.cols_per_adc)


MAX_FEATURES = 2**40  # largest layer side a plan takes (the functional simulation refuses far smaller ones on memory)


def plan_layer(config: Config, in_features: int | None = None, out_features: int | None = None) -> Plan:
    """The plan of a dense layer (default: the config's workload shape) on the config's arrays."""
    if not isinstance(config, Config):
        raise TypeError(f"a cimsim Config is needed (cimsim.config.load_config(path)); got {type(config).__name__}")
    broken = [name for name, cls in SECTIONS.items() if not isinstance(getattr(config, name), cls)]
    if broken:
        raise TypeError(f"the Config's {broken[0]!r} section is not a {SECTIONS[broken[0]].__name__} (build configs "
                        "with load_config / with_overrides, not dataclasses.replace with other values)")
    m, d, wl = config.mapping, config.dac, config.workload
    in_features, out_features = (check_int(name, getattr(wl, name) if value is None else value, 1, MAX_FEATURES)
                                 for name, value in (("in_features", in_features), ("out_features", out_features)))
    plan = Plan(
        in_features=in_features, out_features=out_features, rows=config.array.rows, cols=config.array.cols,
        rows_per_read=min(config.array.rows_per_read, config.array.rows),
        weight_bits=m.weight_bits, bits_per_cell=config.device.bits_per_cell,
        signed_encoding=m.signed_encoding, analog_subtraction=m.subtraction == Subtraction.ANALOG,
        input_bits=d.input_bits, dac_mode=d.mode, signed_inputs=d.signed_inputs,
        bits_per_read=(k := resolved_bits_per_read(d)), dac_encoding=d.encoding if k > 1 else InputEncoding.VOLTAGE,
        family=config.array.family, cell_chain=config.array.digital_adders == DigitalAdders.CELL_CHAIN,
        plane_accumulation=config.adc.accumulation in (Accumulation.PLANES, Accumulation.PLANES_AND_SLICES),
        slice_accumulation=config.adc.accumulation in (Accumulation.SLICES, Accumulation.PLANES_AND_SLICES),
        groups_per_conversion=config.adc.groups_per_conversion,
        adc_bits=config.adc.bits, cols_per_adc=config.adc.cols_per_adc,
        replication=config.mapping.replication, g_min_us=config.device.g_min_us, g_max_us=config.device.g_max_us,
        read_voltage_v=(config.device.read_voltage_v if config.array.family == ArrayFamily.RESISTIVE
                        else config.technology.vdd_v),
        read_pulse_ns=config.device.read_pulse_ns, iv_nonlinearity=config.device.iv_nonlinearity,
        cell_levels=expected_levels(config.device, config.array.family in (ArrayFamily.CHARGE, ArrayFamily.CURRENT)),
        adder_trees=config.array.adder_trees,
    )
    if plan.groups_per_conversion != 1 and not plan.has_adc:
        raise ValueError("a digital array has no analog sum: adc.groups_per_conversion must be 1")
    if plan.weight_step != 1 and plan.analog_subtraction:
        raise ValueError("binary weights in the offset encoding need digital subtraction (2 x column - reference), "
                         "or the differential encoding")
    if plan.outputs_per_array < 1:
        raise ValueError(f"an array of {plan.cols} columns cannot hold one output: it needs "
                         f"{plan.n_slices * plan.polarities + plan.chain_cols + plan.reference_cols} columns")
    return plan
