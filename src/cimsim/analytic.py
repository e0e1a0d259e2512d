"""The events of a layer from its shapes alone: the analytic path that prices design points without simulating.

Data-independent counts equal the functional path's exactly (tests/test_numerics.py checks every layout); the
data-dependent ones are estimated (see :func:`analytic_counts`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .argcheck import check_int, check_real, checked_types, finite_float, number_sequence, shown
from .config.modes import ArrayFamily, InputEncoding, SignedEncoding, SignedInputs
from .config.schema import Config
from .counts import Counts
from .iv_curve import read_levels
from .bit_slices import slice_bits
from .mapping import Plan

__all__ = ["DataStats", "analytic_counts", "code_energy", "plane_top_codes", "uniform_cell_activity",
           "stored_codes", "nonzero_plane_share", "uniform_level_fractions"]


@dataclass(frozen=True)
class DataStats:
    """What the analytic path assumes of the data: each input value is 0 with probability ``input_zero_fraction``
    (a ReLU's outputs: about half), else uniform over its codes; each weight is 0 with probability
    ``weight_zero_fraction`` (pruned weights), else uniform over its codes. Both 0: uniform data. Measured on a
    sample of the data, ``input_codes`` and ``weight_levels`` replace the uniform codes of the inputs and weights."""

    input_zero_fraction: float = 0.0
    weight_zero_fraction: float = 0.0
    input_codes: tuple[float, ...] | None = None
    """the share of each plane-code magnitude 0..max_plane_code over the reads of sample inputs
    (:func:`cimsim.numerics.samples.plane_code_shares`; its 0 share holds the zero inputs); None: uniform codes"""
    weight_levels: float | None = None
    """the summed level / max level of one weight's cells, averaged over measured weights
    (:func:`cimsim.numerics.samples.weight_level_share`; zero weights included); None: uniform codes"""
    coupling: float | None = None
    """how a crossbar row's input energy pairs with its weights' cells: the mean over rows of (its input's V**2 t) x
    (its cells' mean conductance) over the product of the two means (:func:`cimsim.numerics.samples.row_coupling`);
    None: 1, independent data"""
    activity_coupling: float | None = None
    """the same pairing of a row's squared input codes with its cells' levels (a charge cell's activity, a digital
    cell's product bits; :func:`cimsim.numerics.samples.row_coupling`); None: 1, independent data"""
    weight_stored_levels: float | None = None
    """``weight_levels`` as a charge cell's activity counts them: none below g_min (they differ only for cells that
    fall below g_min: :class:`cimsim.cell_levels.CellLevels`); None: ``weight_levels``"""

    def __post_init__(self):
        for name in ("input_zero_fraction", "weight_zero_fraction"):  # numpy scalars too, stored as floats
            object.__setattr__(self, name, check_real(name, getattr(self, name), 0.0, 1.0))
        if self.input_codes is not None:
            shares = number_sequence(self.input_codes)  # (text, booleans, a dict's keys, a set: NaN, refused below)
            if (shares.ndim != 1 or shares.size < 2 or not np.isfinite(shares).all() or (shares < 0).any()
                    or abs(shares.sum() - 1.0) > 1e-9 or self.input_zero_fraction):
                raise ValueError("input_codes must be the non-negative shares of the codes 0..c (at least 2), "
                                 "summing to 1, with input_zero_fraction 0 (the share of code 0 holds the zeros); "
                                 f"got {self.input_codes!r}")
            object.__setattr__(self, "input_codes", tuple(float(v) for v in shares))  # hashable, as a cache key
        for name in ("weight_levels", "weight_stored_levels"):
            levels = getattr(self, name)
            if levels is None:
                continue
            value = finite_float(levels)
            if value is None or (name == "weight_stored_levels" and value < 0) or self.weight_zero_fraction:
                raise ValueError(f"{name} must be a finite share (stored levels >= 0; held ones < 0 where drift takes "
                                 f"the cells below g_min), with weight_zero_fraction 0 (it holds the zero weights); "
                                 f"got {shown(levels)}")
            object.__setattr__(self, name, value)
        for name in ("coupling", "activity_coupling"):
            if (value := getattr(self, name)) is not None:
                object.__setattr__(self, name, check_real(f"{name} (or None)", value, 0.0))

    @classmethod
    @checked_types
    def of(cls, config: Config) -> "DataStats":
        """the statistics a config's workload states (``workload.input_zero_fraction``, ``weight_zero_fraction``)"""
        return cls(config.workload.input_zero_fraction, config.workload.weight_zero_fraction)

    def on(self, plan: Plan) -> "DataStats":
        """these statistics as ``plan``'s codes see measured data: binary (+/-1) inputs or weights have no 0 (a 0
        reads as +1), so their zero fraction is 0"""
        return DataStats(0.0 if plan.binary_inputs else self.input_zero_fraction,
                         0.0 if plan.weight_bits == 1 else self.weight_zero_fraction, self.input_codes,
                         self.weight_levels, self.coupling, self.activity_coupling, self.weight_stored_levels)


UNIFORM_DATA = DataStats()


@checked_types
def analytic_counts(plan: Plan, vectors: int, data: DataStats = UNIFORM_DATA) -> Counts:
    """Counts of ``vectors`` MVMs from shapes alone (no weights, no data, no programming).

    Data-independent fields equal the functional path's exactly. The data-dependent fields are estimated for the
    data ``data`` describes (default: uniform codes): ``row_activations`` at its upper bound over the non-zero
    inputs (each driven row whose input is not 0 non-zero on every read of its phase: a two-phase input in one of
    its two; every unit pulse of a pulse-count input; a digital array's non-zero plane codes only),
    ``array_gv2t_fj`` for weight codes uniform over their range (each cell at the mean conductance of its level as
    programmed, :func:`uniform_level_fractions`) and each plane's input code uniform over its own range (0 to the
    largest code of the bits it carries, :func:`plane_top_codes`; voltage inputs: energy ~ code**2; time-domain
    inputs: ~ code unit pulses), ``cell_activity`` likewise (:func:`uniform_cell_activity`);
    zero inputs drive nothing and spend nothing, zero weights hold the level of code 0 (exact expectations).
    With measured ``data.input_codes``, every input term is its mean over those codes (row activations too);
    ``data.coupling`` and ``activity_coupling`` scale the weights' cells' part of ``array_gv2t_fj`` and
    ``cell_activity`` (inputs paired with weights by row)."""
    vectors = check_int("vectors", vectors, 0, 2 ** 53)  # counts stay exact as floats
    row_rate, energy_fraction, activity = _input_factors(plan, data)
    reads = dac = cells = sums = weight_rows = 0
    conversions = plan.n_planes // plan.planes_per_conversion * len(plan.conversion_groups())
    reads_per_tile = plan.n_planes * len(plan.row_groups())
    rows_read = plan.n_planes * plan.in_features  # every input's row is driven once per plane in each column tile
    for outputs, tiles in _col_tile_shapes(plan):  # the tiles of one shape count alike: O(shapes), not O(tiles)
        reads += tiles * reads_per_tile
        dac += tiles * rows_read
        cells += tiles * rows_read * plan.read_cols(outputs)
        weight_rows += tiles * rows_read * outputs  # (cell rows read) x (outputs held): weights read
        sums += tiles * conversions * plan.column_sums(outputs)
    array_rows = sum(tiles for _, tiles in _col_tile_shapes(plan)) * rows_read  # rows of the reference columns read
    gv2t_per_us_fj = plan.read_voltage_v ** 2 * energy_fraction * plan.read_pulse_ns  # per uS of a cell read
    conductance_us, activity_sum = _cell_sums(plan, data, cells, weight_rows, array_rows)
    in_bits = plan.in_features * plan.input_bits
    partial_bits = plan.out_features * plan.accumulator_bits * (plan.row_tiles - 1)
    return Counts(
        mvms=vectors,
        macs=vectors * plan.in_features * plan.out_features,
        array_reads=vectors * reads,
        dac_conversions=vectors * dac,
        dac_bits=plan.dac_bits,
        row_activations=vectors * dac * row_rate,  # fractional where it is a mean: rounding a vector's would bias it
        cells_read=vectors * cells,
        array_gv2t_fj=vectors * conductance_us * gv2t_per_us_fj,
        cell_activity=vectors * activity_sum * activity,
        adc_conversions=vectors * sums if plan.has_adc else 0,
        adc_bits=plan.adc_bits,
        adder_tree_sums=0 if plan.has_adc else vectors * sums,
        reference_sums=vectors * reads // plan.planes_per_conversion * plan.reference_sums,
        shift_adds=vectors * sums,
        accumulator_adds=vectors * plan.out_features * (plan.row_tiles - 1),
        buffer_read_bits=vectors * (in_bits * plan.col_tiles + plan.out_features * plan.accumulator_bits),
        buffer_write_bits=vectors * (in_bits + plan.out_features * plan.accumulator_bits),
        interconnect_bit_hops=vectors * (in_bits * plan.col_tiles + partial_bits),
        dram_read_bits=vectors * in_bits,
        dram_write_bits=vectors * plan.out_features * plan.accumulator_bits,
    )


def _cell_sums(plan: Plan, data: DataStats, cells: int, weight_rows: int, array_rows: int) -> tuple[float, float]:
    """(conductance, uS, summed over the ``cells`` read; their stored level / max level, summed): the weights' cells
    (``weight_rows`` = cell rows read x outputs held) paired with their inputs (``data.coupling``,
    ``activity_coupling``), the reference columns' (``array_rows`` cell rows read) and the rest at g_min (a cell
    chain's carry columns are adders, no cells read: :meth:`Plan.read_cols`)"""
    (held, refs), (stored, stored_refs) = (_level_fractions_of(plan, data, kind) for kind in (False, True))
    paired = 1.0 if data.coupling is None else data.coupling
    weight_cells = weight_rows * plan.n_slices * plan.polarities  # the weights' cells read (no reference)
    span = plan.g_max_us - plan.g_min_us
    weights_us = weight_cells * plan.g_min_us + weight_rows * held * span
    # measured levels below no conductance are refused (-1 had priced -1.3 uJ, a probe); drift to about none rounds
    # a sum of cells clipped at 0 to a few ulps below it: 0
    if data.weight_levels is not None and weights_us < -1e-9 * weight_cells * plan.g_min_us:
        least = -plan.n_slices * plan.polarities * plan.g_min_us / span + 0.0  # (not "-0")
        raise ValueError(f"DataStats.weight_levels ({data.weight_levels:g}) takes the weights' cells below no "
                         f"conductance on this plan: it must be >= {least:.4g}")
    _within_full_cells(plan, data)
    conductance_us = max(0.0, paired * weights_us + (cells - weight_cells) * plan.g_min_us + array_rows * refs * span)
    activity_paired = 1.0 if data.activity_coupling is None else data.activity_coupling
    return conductance_us, weight_rows * stored * activity_paired + array_rows * stored_refs


def _within_full_cells(plan: Plan, data: DataStats) -> None:
    """a ValueError for levels past a weight's cells (all at their highest, or below 0 where they hold targets)"""
    levels, cells = plan.cell_levels, plan.n_slices * plan.polarities
    for name, held in (("weight_levels", levels and levels.held), ("weight_stored_levels", levels and levels.stored)):
        value, most = getattr(data, name), cells * (max(1.0, max(held) / (len(held) - 1)) if held else 1.0)
        if value is not None and not (-1e-12 if levels is None else -np.inf) <= value <= most * (1 + 1e-9):
            raise ValueError(f"DataStats.{name} ({value!r}) is outside a weight's {cells} cells' levels on this plan "
                             f"(level / max level, summed, from 0 where cells hold their targets): at most {most:.4g}")


def _col_tile_shapes(plan: Plan) -> list[tuple[int, int]]:
    """(outputs held, column tiles holding that many) for the full column tiles and a partial last one"""
    full, rest = divmod(plan.out_features, plan.outputs_per_array)
    return [(plan.outputs_per_array, full)] + [(rest, 1)] * (rest > 0)


def plane_top_codes(plan: Plan) -> np.ndarray:
    """The largest code of each input plane, in plane order: 2**b - 1 for the b magnitude bits it carries (the lowest
    slice of a sliced input carries what bits_per_read leaves, a two's-complement sign plane 1 bit), at most
    ``plan.max_plane_code``; binary inputs: 1."""
    return np.array(_plane_tops(plan), dtype=np.int64)


def _plane_tops(plan: Plan) -> tuple[int, ...]:
    return (1,) if plan.binary_inputs else _tops(plan.bits_per_read, plan.magnitude_bits, plan.signed_inputs)


@functools.cache
def _tops(k: int, bits: int, signed: SignedInputs) -> tuple[int, ...]:
    """:func:`plane_top_codes` of ``bits`` magnitude bits read ``k`` at a time, signed as ``signed`` says"""
    tops = [2 ** slice_bits(j, k, bits) - 1 for j in range(-(-bits // k))]
    if signed == SignedInputs.TWO_PHASE:
        return tuple(tops * 2)  # the negative phase's planes as the positive's
    return tuple(tops + [1] if signed == SignedInputs.TWOS_COMPLEMENT else tops)  # the sign bit last


def nonzero_plane_share(plan: Plan) -> float:
    """the share of uniform plane codes 0..c_j that are not 0, c_j / (c_j + 1), the mean over the planes"""
    return float(np.mean([top / (top + 1.0) for top in _plane_tops(plan)]))


def _mean_square_fraction(plan: Plan) -> float:
    """the mean over the planes j of E[k**2] / c**2 for k uniform on 0..c_j (c_j the plane's largest code, c
    ``max_plane_code``): (2 c_j + 1) c_j / (6 c**2)"""
    tops = _plane_tops(plan)
    return sum((2 * t + 1) * t for t in tops) / (6 * len(tops) * plan.max_plane_code ** 2)


def _mean_energy_fraction(plan: Plan) -> float:
    """the mean of a cell's V**2 t over uniform plane codes (each plane's code uniform on 0..c_j, its largest code:
    :func:`plane_top_codes`), in units of V_read**2 x one read pulse (time-domain inputs: one unit pulse)"""
    c, tops = plan.max_plane_code, _plane_tops(plan)
    if plan.binary_inputs:
        fraction = 1.0  # every row driven at +/- V_read (or one unit pulse) on every read
    elif (levels := read_levels(plan)) is not None:  # a non-linear cell: E[k I(k)] / c**2, I in code units
        energy = np.cumsum(np.arange(c + 1) * levels)  # sum of k I(k) over k = 0..j
        fraction = float(np.mean([energy[t] / (t + 1) for t in tops])) / c ** 2
    elif plan.dac_encoding == InputEncoding.VOLTAGE:
        fraction = _mean_square_fraction(plan)  # E[k**2] / c**2: V = V_read k / c
    else:
        fraction = sum(tops) / (2 * len(tops))  # E[k] for k uniform on 0..c_j: k unit pulses at V_read
    return fraction / 2 if plan.signed_inputs == SignedInputs.TWO_PHASE else fraction  # one of two phases driven


def _input_factors(plan: Plan, data: DataStats) -> tuple[int | float, float, float]:
    """(row activations per DAC conversion, a cell's mean V**2 t in units of V_read**2 x one read pulse, the mean of
    (x / c_max)**2 over the reads): uniform codes (row activations at their upper bound, every plane of a non-zero
    input; a digital array's, whose rows carry bits, only its non-zero plane codes, c_j / (c_j + 1) of them) for the
    non-zero inputs, halved for two-phase inputs (each is 0 in one of its phases), or the means over measured
    ``data.input_codes`` (no halving for two-phase inputs: their codes hold both phases' reads)"""
    c, pulse_count = plan.max_plane_code, plan.dac_encoding == InputEncoding.PULSE_COUNT
    if data.input_codes is None:
        live, pulses = _live_inputs(plan, data), c if pulse_count else 1
        driven = live / 2 if plan.signed_inputs == SignedInputs.TWO_PHASE else live  # driven in one of two phases
        if plan.family == ArrayFamily.DIGITAL:  # a zero plane code charges no wire (bit-serial: half the planes)
            driven *= nonzero_plane_share(plan)
        rate = pulses if driven == 1.0 else driven * pulses  # an int where exact
        return rate, live * _mean_energy_fraction(plan), live * _input_activity(plan)
    shares, k = np.asarray(data.input_codes), np.arange(c + 1)
    if shares.size != c + 1:
        raise ValueError(f"input_codes must hold the shares of the codes 0..{c} of this plan; got {shares.size}")
    energy = float(shares @ code_energy(plan))
    return float(shares @ k) if pulse_count else 1.0 - float(shares[0]), energy, float(shares @ k ** 2) / c ** 2


def code_energy(plan: Plan) -> np.ndarray:
    """a cell's V**2 t at each plane code 0..c (c ``max_plane_code``), in units of V_read**2 x one read pulse:
    (k / c)**2 (voltage and binary inputs), k unit pulses (time-domain), k I(k) / c**2 (a non-linear cell, I in code
    units)"""
    c, levels = plan.max_plane_code, read_levels(plan)
    k = np.arange(c + 1, dtype=np.float64)
    if levels is not None:
        return k * levels / c ** 2
    return k ** 2 / c ** 2 if plan.dac_encoding == InputEncoding.VOLTAGE or plan.binary_inputs else k


def _level_fractions_of(plan: Plan, data: DataStats, stored: bool = False) -> tuple[float, float]:
    """:func:`uniform_level_fractions` at ``data``'s share of zero weights, or with its measured weight levels"""
    per_output, per_array = uniform_level_fractions(plan, data.weight_zero_fraction, stored)
    measured = data.weight_stored_levels if stored and data.weight_stored_levels is not None else data.weight_levels
    return (per_output if measured is None else measured), per_array


def _live_inputs(plan: Plan, data: DataStats) -> float:
    """the fraction of input values that are not 0 (binary +/-1 inputs have no 0 code)"""
    if plan.binary_inputs and data.input_zero_fraction:
        raise ValueError("input_zero_fraction must be 0 for binary inputs (+/-1: no input is 0); got "
                         f"{data.input_zero_fraction}")
    return 1.0 - data.input_zero_fraction


@checked_types
def uniform_level_fractions(plan: Plan, weight_zero_fraction: float = 0.0, stored: bool = False
                            ) -> tuple[float, float]:
    """(mean over weight codes of the summed level / max level of one output's cells; the summed level / max
    level of one array's reference columns). Codes are 0 with probability ``weight_zero_fraction``, else uniform on
    [-m, m], m = 2**(bits-1) - 1 (binary: +/-1, which has no 0): a differential pair holds |q| on one side only
    (about 1/4 of the top level per cell), the offset and two's-complement codes fill about half of it. Each level
    counts what a cell programmed to it holds on average (:attr:`~cimsim.mapping.Plan.cell_levels`: programming
    error, stuck cells, drift; its ``stored`` levels, none below g_min, where ``stored``), its target where the
    cells are ideal."""
    if plan.weight_bits == 1 and weight_zero_fraction:
        raise ValueError(f"weight_zero_fraction must be 0 for binary weights (+/-1: no weight is 0); got "
                         f"{weight_zero_fraction}")
    table = None if plan.cell_levels is None else plan.cell_levels.stored if stored else plan.cell_levels.held
    return _level_fractions(plan.signed_encoding, plan.weight_bits, plan.bits_per_cell,
                            plan.weight_slices, plan.reference_cols > 0,
                            float(weight_zero_fraction), table)


@functools.cache
def _level_fractions(encoding: SignedEncoding, bits: int, bits_per_cell: int, slices: tuple[tuple[int, int], ...],
                     references: bool, zero_fraction: float, cell_levels: tuple[float, ...] | None
                     ) -> tuple[float, float]:
    m = 2 ** (bits - 1) - 1
    codes = np.array([-1, 1]) if bits == 1 else np.arange(-m, m + 1)
    weights = np.full(codes.size, (1.0 - zero_fraction) / codes.size) + zero_fraction * (codes == 0)
    stored = stored_codes(encoding, bits)  # the offset's reference: its own code, below
    top = 2 ** bits_per_cell - 1  # slices: (lowest bit, highest level) of each (Plan.weight_slices)
    held = np.arange(top + 1.0) if cell_levels is None else np.asarray(cell_levels)  # what each level holds
    per_output = sum(float(weights @ held[(s >> k) & mask]) for s in stored for k, mask in slices) / top
    reference = sum(float(held[(2 ** (bits - 1) >> k) & mask]) for k, mask in slices) / top if references else 0.0
    return per_output, reference


@functools.cache
def stored_codes(encoding: SignedEncoding, bits: int) -> tuple[np.ndarray, ...]:
    """the stored codes of each polarity's cells for the weight codes -m..m (binary: -1, 1), in order"""
    m = 2 ** (bits - 1) - 1
    codes = np.array([-1, 1]) if bits == 1 else np.arange(-m, m + 1)
    if encoding == SignedEncoding.DIFFERENTIAL:
        return np.maximum(codes, 0), np.maximum(-codes, 0)
    if encoding == SignedEncoding.TWOS_COMPLEMENT:
        return (codes & (2 ** bits - 1),)
    return ((codes + 2 ** (bits - 1)) // (2 if bits == 1 else 1),)  # offset: (q + offset) / step


def _input_activity(plan: Plan) -> float:
    """mean of (x / c_max)**2 over a cell read, each plane's x uniform on 0..c_j (:func:`_mean_square_fraction`;
    binary inputs +/-1: 1), halved for two-phase inputs (a row is driven in one of its two phases)"""
    if plan.binary_inputs:  # every code is +/-1
        return 1.0
    activity = _mean_square_fraction(plan)
    return activity / 2 if plan.signed_inputs == SignedInputs.TWO_PHASE else activity


@checked_types
def uniform_cell_activity(plan: Plan, data: DataStats = UNIFORM_DATA) -> float:
    """Mean of (x / c_max)**2 (l / l_max) over the cells of one full array read (:meth:`Plan.read_cols`): x
    uniform on each plane's codes 0..c_j (:func:`plane_top_codes`; E = the mean over planes of (2 c_j + 1) c_j /
    (6 c_max**2); binary inputs +/-1: E = 1), halved for two-phase inputs (a row is driven in one of its two
    phases); l the level of weight codes uniform over their range (:func:`uniform_level_fractions`); zero inputs
    and weights with the probabilities ``data`` states."""
    per_output, per_array = _level_fractions_of(plan, data, True)
    outputs, coupling = plan.outputs_per_array, 1.0 if data.activity_coupling is None else data.activity_coupling
    return _input_factors(plan, data)[2] * (outputs * per_output * coupling + per_array) / plan.read_cols(outputs)
