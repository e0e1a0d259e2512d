"""Programming a layer: real weights -> quantised codes -> cell levels -> the conductances the arrays hold, as one
frozen :class:`ProgrammedLayer` that the read path (:class:`~cimsim.numerics.Crossbar`) only reads.

Semantics: docs/design.md section 2 (steps 1-4) and :mod:`.devices` (programming error, program-and-verify, drift,
stuck cells); with wire resistance, what the sense amplifiers see is each array's effective conductance
(:mod:`.irdrop`). Device draws come from the generator passed in (a Crossbar's: :mod:`.crossbar`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .. import iv_curve as iv
from ..argcheck import checked_types
from ..config.modes import ArrayFamily, DriftCompensation, IrDropModel, WeightScale
from ..config.schema import Config
from ..mapping import Plan
from .checks import finite_matrix
from .devices import drift_gains, program_cells
from .encoding import _quantize_weights, _weight_levels, normal_rows
from .irdrop import layer_effective_conductance
from .layout import Layout, layout, level_step_us, summed_floor

__all__ = ["ProgrammedLayer", "program_layer", "ideal_conductances_us", "compact_layer", "row_level_fractions"]


@dataclass(frozen=True, eq=False)
class ProgrammedLayer:
    """What programming leaves in the arrays, and the bookkeeping the reads need (arrays are read-only views)."""

    weight_codes: np.ndarray
    """quantised weights (out x in), int8 up to 8-bit weights, else int16: the digital reference's operand"""
    weight_scale: np.ndarray
    """real value of one weight code, per output (or one for the tensor, broadcast)"""
    weight_shift: np.ndarray | None
    """per output: the weights were brought up by 2**shift before they were quantised, as peaks below 2**-900 are
    (:func:`.encoding.normal_rows`); None when none was"""
    conductances_us: np.ndarray | None
    """programmed conductance of every used cell (in x physical columns), microsiemens, float32 (kept for reading;
    every figure derived from it at programming time is computed in float64); None where every cell holds its
    target and is read as it (no IR drop): they follow from the weight codes (:func:`ideal_conductances_us`)"""
    matrix: np.ndarray
    """(in x converted columns [+ a ones column]): what one read multiplies the input planes by, in levels; float32,
    or int8 where the crossbar multiplies on the int8 units (:func:`cimsim.numerics.int8.compact`)"""
    col_r: np.ndarray
    """per converted column, the multiple of the row sum an unsubtracted g_min adds (0 when subtracted)"""
    ones_col: int
    """index of the ones column of ``matrix`` (the row sum), or -1 when no column needs it"""
    col_w: np.ndarray
    """shift-add weight of each converted column"""
    col_tile: np.ndarray
    """column tile of each converted column"""
    n_blocks: int
    """converted columns per output"""
    ref_tile: np.ndarray
    """column tile of each reference column (offset encoding)"""
    layout_tiles: np.ndarray
    """column tile of each physical column"""
    noise_cells: np.ndarray
    """physical cells summed into each converted column (read-noise draws)"""
    combine: np.ndarray | None
    """physical -> converted columns when weight slices are summed before the ADC, else None"""
    noise_weight: np.ndarray
    """cells x squared slice weights summed into each converted column"""
    row_g_us: np.ndarray
    """conductance of the used cells on each row (all tiles), microsiemens"""
    row_levels: np.ndarray
    """sum over the used cells of each row (all tiles) of the level each holds above g_min, in level steps, each
    clipped at 0: a cell stuck at g_min or drifted below it holds nothing above the floor (float64)"""
    compensation: np.ndarray
    """global drift compensation gain per (row tile, converted column); ones without compensation"""
    cell_writes: int
    """programming pulses spent (program-and-verify included)"""
    cells_at_target: bool
    """every cell holds its target level exactly (no programming error, stuck cell or drift)"""
    exact_sums: bool
    """``matrix`` holds integers only and reads multiply it by integer codes (a linear cell, no bent planes): its
    products are exact in any order (:mod:`.products`)"""


@checked_types
def program_layer(config: Config, plan: Plan, weights, rng: np.random.Generator) -> ProgrammedLayer:
    """Quantise ``weights`` (out x in, real, finite) and program the cells of every array of ``plan``."""
    p, device = plan, config.device
    w = finite_matrix("weights", weights, (p.out_features, p.in_features))
    per_output = config.mapping.weight_scale == WeightScale.PER_OUTPUT
    w, shift = normal_rows(w, None if per_output else np.full(w.shape[0], np.abs(w).max()))
    codes, scale = _quantize_weights(w, p.weight_bits, per_output)
    lay = layout(*_weight_levels(codes, p), p)
    step, r = level_step_us(p)
    sram = p.family in (ArrayFamily.CHARGE, ArrayFamily.CURRENT)  # a stored 0 holds nothing, mismatch or not
    cells = program_cells(lay.targets, r, p.max_level, device, rng, sram)
    phys = cells.held  # conductance - g_min, level units (the targets themselves for ideal cells)
    ideal = cells.at_target and config.array.wire_resistance_ohm == 0  # every cell read as its target level
    # ideal: from the weight codes when asked for; a cell clipped at 0 S comes back as (target + deviation + r) x
    # step, a rounding below 0 (-1e-16 had refused IR drop's solve): held at 0
    conductances_us = None if ideal else np.maximum((phys + r) * step, 0.0)
    seen = phys if config.array.wire_resistance_ohm == 0 else (
        layer_effective_conductance(conductances_us, lay.phys_tile, p, config.array.wire_resistance_ohm,
                                    exact=config.array.ir_drop == IrDropModel.EXACT) / step - r)
    compensation = _drift_compensation(config, p, lay, phys, seen, cells.drift_factor, step)
    if lay.adder_levels is not None:  # a digital array's offset reference: its adders', read after the cells
        seen = np.hstack([seen, lay.adder_levels])
    converted = seen
    if lay.neg is not None:  # the pair subtracted (target levels, uint8, as float32: exact)
        first = _columns(seen, lay.pos)
        converted = (first if first.dtype.kind == "f" else first.astype(np.float32)) - _columns(seen, lay.neg)
    if lay.combine is not None:  # weight slices summed before the ADC (binary-weighted charge)
        converted = converted @ lay.combine
    col_r = np.full(lay.col_w.size, 0.0 if lay.neg is not None else summed_floor(p) * p.slice_weight_sum)
    ones_col = lay.col_w.size if col_r.any() else -1  # an unsubtracted g_min needs the row sum: a ones column
    blocks = [converted, np.ones((p.in_features, 1))] if ones_col >= 0 else [converted]
    n_blocks = int((lay.col_t >= 0).sum()) // p.out_features
    matrix = np.ascontiguousarray(np.hstack(blocks) if len(blocks) > 1 else converted, dtype=np.float32)
    layer = ProgrammedLayer(
        weight_codes=codes.astype(np.int8 if p.weight_bits <= 8 else np.int16), weight_scale=scale, weight_shift=shift,
        conductances_us=None if ideal else conductances_us.astype(np.float32),
        matrix=matrix, col_r=col_r, ones_col=ones_col,
        col_w=lay.col_w, col_tile=lay.col_tile, n_blocks=n_blocks,
        ref_tile=lay.col_tile[n_blocks * p.out_features:].astype(np.int64), layout_tiles=lay.phys_tile,
        noise_cells=lay.cells_per_conversion, combine=lay.combine, noise_weight=lay.noise_weight,
        row_g_us=_row_conductance_us(phys, r, step) if ideal else conductances_us.sum(axis=1),
        row_levels=_row_levels(phys),
        compensation=compensation, cell_writes=cells.writes,
        cells_at_target=cells.at_target or bool(np.array_equal(cells.held, lay.targets)),
        exact_sums=iv.read_levels(p) is None and bool(np.array_equal(matrix, np.round(matrix))))
    for value in vars(layer).values():
        if isinstance(value, np.ndarray) and value.flags.owndata:
            value.setflags(write=False)
    return layer


def _drift_compensation(config: Config, plan: Plan, lay: Layout, phys: np.ndarray, seen: np.ndarray,
                        drift_factor: np.ndarray, step: float) -> np.ndarray:
    """Global drift compensation gains (:func:`.drift_gains`; ones without it) from the cells' levels above g_min
    ``phys`` (drift included) and what the sense amplifiers see ``seen`` (level units): the all-ones calibration read
    measures the effective conductances with IR drop, now and just after programming (undrifted: / drift_factor)."""
    if config.device.drift_compensation != DriftCompensation.GLOBAL or not np.any(drift_factor != 1):
        return np.ones((plan.row_tiles, lay.col_w.size))  # nothing drifted: no gain (no second IR-drop solve)
    r, wire = level_step_us(plan)[1], config.array.wire_resistance_ohm
    then = (phys + r) / drift_factor
    if wire:  # the read just after programming saw the undrifted cells through the same wires
        then = layer_effective_conductance(then * step, lay.phys_tile, plan, wire,
                                           exact=config.array.ir_drop == IrDropModel.EXACT) / step
    return drift_gains(seen + r, then, lay.phys_tile, lay.col_tile, plan)


def _columns(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``a[:, index]``: a view where ``index`` is a run of consecutive columns (the pairs of a differential layout),
    else a gathered copy"""
    if index.size and index[-1] - index[0] == index.size - 1 and (np.diff(index) == 1).all():
        return a[:, index[0]:index[-1] + 1]
    return a[:, index]


def _row_conductance_us(levels: np.ndarray, r: float, step: float, rows: int = 256) -> np.ndarray:
    """sum over each row of (level + r) x step, microsiemens: the conductance of the row's cells, summed a block of
    ``rows`` at a time (the same sums as over the whole matrix, without a float64 copy of it)"""
    return np.concatenate([((levels[k:k + rows] + r) * step).sum(axis=1) for k in range(0, len(levels), rows)])


def _row_levels(levels: np.ndarray, rows: int = 256) -> np.ndarray:
    """sum over each row of max(level, 0), level steps, float64, a block of ``rows`` at a time (no float64 copy of
    the whole matrix)"""
    return np.concatenate([np.maximum(levels[k:k + rows], 0).sum(axis=1, dtype=np.float64)
                           for k in range(0, len(levels), rows)])


@checked_types
def ideal_conductances_us(plan: Plan, weight_codes: np.ndarray) -> np.ndarray:
    """The conductance of every used cell (in x physical columns), microsiemens, when each holds its target level
    exactly (no programming error, stuck cells or drift), float32 as :attr:`ProgrammedLayer.conductances_us`."""
    step, r = level_step_us(plan)
    targets = layout(*_weight_levels(weight_codes.astype(np.int64), plan), plan).targets
    return ((targets + r) * step).astype(np.float32)


@checked_types
def compact_layer(layer: ProgrammedLayer, codes: np.ndarray, plan: Plan) -> ProgrammedLayer:
    """``layer`` with its int8 product matrix ``codes`` (one byte per converted cell) in place of the float32 one;
    ideal cells keep no conductances (they follow from the weight codes), and weight codes equal to the first
    converted columns (one slice per weight, the pair subtracted in analog) are a view of them, not a copy."""
    codes.setflags(write=False)
    first = codes[:, :plan.out_features].T
    return replace(layer, matrix=codes, conductances_us=None if layer.cells_at_target else layer.conductances_us,
                   weight_codes=first if np.array_equal(first, layer.weight_codes) else layer.weight_codes)


@checked_types
def row_level_fractions(layer: ProgrammedLayer, plan: Plan) -> np.ndarray:
    """Sum over each row's used cells (every physical column of the layout) of level / max level, >= 0: the level
    l of a cell of conductance G = g_min + l (g_max - g_min) / l_max, clipped at 0 (a cell at or below g_min
    stores no level; :attr:`ProgrammedLayer.row_levels`)."""
    return layer.row_levels / plan.max_level
