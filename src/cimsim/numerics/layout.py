"""Physical columns and converted columns of a layer: which cells hold what, and what each ADC converts.

Physical columns (every column of cells, all column tiles side by side, each spanning all inputs):
- differential: (polarity, slice, output), polarity 0 holding max(q, 0) and 1 holding max(-q, 0);
- offset: (slice, output) holding q + 2**(bits-1), then one reference column per (column tile, slice)
  holding the slices of the offset (in a digital array, which has none (``Plan.reference_cols`` = 0), its adders'
  sum of the read's inputs: ``Layout.adder_levels``, read after the cells, not cells);
- twos_complement: (slice, output) holding q mod 2**bits, one bit per cell, the top slice's weight negative.
Converted columns (what one ADC conversion sees): with analog subtraction the difference of two physical
columns (the pair, or the data column and its tile's reference column); with digital subtraction each
physical column. Each converted column has a recombination weight (sign x 2**(slice x bits_per_cell)) and
a target: an output index, or -(tile + 1) for a reference column subtracted from every output of its tile.
With slice accumulation the converted columns of one target and sign are summed before the ADC, each with
its slice's weight 2**(slice x bits_per_cell) (``combine``); the sum keeps the sign and the smallest weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..argcheck import checked_types
from ..config.modes import ArrayFamily, SignedEncoding
from ..mapping import Plan

__all__ = ["Layout", "layout", "shared_references"]


@dataclass(frozen=True)
class Layout:
    targets: np.ndarray
    """target level of every cell, uint8 (in x physical columns)"""
    phys_tile: np.ndarray
    """column tile of each physical column"""
    pos: np.ndarray
    """physical column added into each converted column (indices past the cells name columns of ``adder_levels``)"""
    neg: np.ndarray | None
    """physical column subtracted from each converted column (analog subtraction; as ``pos``), else None"""
    col_w: np.ndarray
    """recombination weight of each converted column (float64, +-2**k)"""
    col_t: np.ndarray
    """output of each converted column, or -(tile + 1) for a reference column (int64)"""
    col_tile: np.ndarray
    """column tile of each converted column"""
    combine: np.ndarray | None = None
    """(slice accumulation) weights summing the per-slice columns (pos - neg) into the converted columns"""
    adder_levels: np.ndarray | None = None
    """(a digital array's offset encoding) the reference levels its adders multiply the read's inputs by (in x
    (column tile, slice)), uint8: read as columns after the cells, held in none; else None"""

    @property
    def cells_per_conversion(self) -> int:
        """physical cells per row in one converted column (2 when a pair is subtracted before the ADC)"""
        return 1 if self.neg is None else 2

    @property
    def noise_weight(self) -> float:
        """variance of a converted column's read noise per unit cell variance and unit input code: the cells per
        conversion times the sum of the squared slice weights summed into it"""
        squares = 1.0 if self.combine is None else float((self.combine[:, 0] ** 2).sum())
        return self.cells_per_conversion * squares


@checked_types
def layout(levels: np.ndarray, ref: np.ndarray, plan: Plan) -> Layout:
    """The layout of cell levels (polarities x slices x in x out) and reference levels (slices,)."""
    lay = _per_slice_layout(levels, ref, plan)
    return _summed_slices(lay) if plan.slice_accumulation else lay


def _summed_slices(lay: Layout) -> Layout:
    """``lay`` with the converted columns of one (target, sign) summed, each weighted |col_w| / the group's
    smallest |col_w| (the slices' powers of two); the order (data blocks of all outputs, then references) is kept"""
    keys = list(zip(np.sign(lay.col_w).astype(np.int64), lay.col_t))
    groups: dict[tuple[int, int], list[int]] = {}
    for k, key in enumerate(keys):
        groups.setdefault(key, []).append(k)
    combine = np.zeros((lay.col_w.size, len(groups)))
    col_w = np.empty(len(groups))
    col_t, col_tile = np.empty(len(groups), dtype=np.int64), np.empty(len(groups), dtype=np.int64)
    for g, members in enumerate(groups.values()):
        unit = np.abs(lay.col_w[members]).min()
        combine[members, g] = np.abs(lay.col_w[members]) / unit
        col_w[g] = np.sign(lay.col_w[members[0]]) * unit
        col_t[g], col_tile[g] = lay.col_t[members[0]], lay.col_tile[members[0]]
    return Layout(lay.targets, lay.phys_tile, lay.pos, lay.neg, col_w, col_t, col_tile, combine, lay.adder_levels)


@checked_types
def shared_references(plan: Plan) -> tuple[np.ndarray, np.ndarray] | None:
    """(an offset encoding's reference cells subtracted in the analog domain) the reference column each per-slice
    column (slice, output) subtracts, and the one each converted column subtracts (with slice accumulation the
    tile's slices summed as its data slices are), numbered from 0: one column, hence one read-noise draw per read,
    shared by every output of its array. None where no reference cells are subtracted before the ADC."""
    p = plan
    if not (p.signed_encoding == SignedEncoding.OFFSET and p.analog_subtraction and p.reference_cols > 0):
        return None
    per_slice = _reference_of(p).ravel()
    return per_slice, (np.arange(p.out_features) // p.outputs_per_array if p.slice_accumulation else per_slice)


def level_step_us(plan: Plan) -> tuple[float, float]:
    """(conductance of one level step, microsiemens; g_min in level steps): level L conducts (L + r) * step"""
    step = (plan.g_max_us - plan.g_min_us) / plan.max_level
    return step, plan.g_min_us / step


def summed_floor(plan: Plan) -> float:
    """g_min in level steps as a column's sum carries it per unit of input: r, but 0 in a digital array, whose bit
    cells gate their products (a cell storing 0 adds nothing to an adder tree: binary offset weights on one with
    g_min > 0 had been 15 % off, the floor rounded in its adders; its cells' conductances keep g_min)"""
    return 0.0 if plan.family == ArrayFamily.DIGITAL else level_step_us(plan)[1]


def _reference_weight(plan: Plan) -> float:
    """The weight of an offset reference column over its slice's power of two: 1, but for binary weights (q = 2 b - 1,
    stored b: data columns weigh 2, the reference holds level 1), (1 + 2 r) / (1 + r), r the floor each sum carries
    (:func:`summed_floor`): every column read carries r S (S the plane's input sum), and this weight cancels it, as
    every other encoding does (a weight of 1 had left r S in every binary output: 17 % of the largest at g_min
    0.59 uS, 10 uS g_max, unsigned inputs)."""
    r = summed_floor(plan)
    return 1.0 if plan.weight_step == 1 else (1.0 + 2.0 * r) / (1.0 + r)


def _reference_of(plan: Plan) -> np.ndarray:
    """the reference column (tile x slices + slice, from 0) of every (slice, output) of an offset layout"""
    out_tile = np.arange(plan.out_features) // plan.outputs_per_array
    return out_tile[None, :] * plan.n_slices + np.arange(plan.n_slices)[:, None]


def _per_slice_layout(levels: np.ndarray, ref: np.ndarray, plan: Plan) -> Layout:
    p = plan
    n_in, n_out, n_s = p.in_features, p.out_features, p.n_slices
    pow2 = 2.0 ** np.array([shift for shift, _ in p.weight_slices])
    if p.signed_encoding == SignedEncoding.TWOS_COMPLEMENT:  # one bit per cell: the top slice is the sign bit
        pow2[-1] = -pow2[-1]
    outputs = np.arange(n_out)
    out_tile = outputs // p.outputs_per_array
    data = levels.transpose(2, 0, 1, 3).reshape(n_in, -1)  # (in, polarity x slice x out)
    n_data = data.shape[1]
    data_w = np.repeat(np.outer([1.0, -1.0][: p.polarities], pow2).ravel(), n_out) * p.weight_step
    data_t = np.tile(outputs, p.polarities * n_s)
    data_tile = np.tile(out_tile, p.polarities * n_s)
    adder_levels = None
    if p.signed_encoding == SignedEncoding.OFFSET:
        tiles = np.arange(p.col_tiles)
        refs = np.broadcast_to(np.tile(ref, p.col_tiles), (n_in, p.col_tiles * n_s))
        cells = p.reference_cols > 0  # else the adders form the reference: no cells hold it
        targets, adder_levels = (np.hstack([data, refs]), None) if cells else (data, np.ascontiguousarray(refs))
        phys_tile = np.concatenate([data_tile, np.repeat(tiles, n_s)]) if cells else data_tile
        ref_index = n_data + _reference_of(p)  # (slice, out)
        ref_w = np.tile(-pow2 * _reference_weight(p), p.col_tiles)
        ref_t, ref_tile = np.repeat(-(tiles + 1), n_s), np.repeat(tiles, n_s)
    else:
        targets, phys_tile = data, data_tile
    if p.analog_subtraction:
        half = n_s * n_out
        pos = np.arange(half)
        neg = ref_index.ravel() if p.signed_encoding == SignedEncoding.OFFSET else half + pos
        return Layout(np.ascontiguousarray(targets), phys_tile, pos, neg,
                      np.repeat(pow2, n_out), np.tile(outputs, n_s), np.tile(out_tile, n_s), adder_levels=adder_levels)
    pos = np.arange(targets.shape[1] + (0 if adder_levels is None else adder_levels.shape[1]))
    col_w, col_t, col_tile = data_w, data_t, data_tile
    if p.signed_encoding == SignedEncoding.OFFSET:
        col_w = np.concatenate([data_w, ref_w])
        col_t = np.concatenate([data_t, ref_t])
        col_tile = np.concatenate([data_tile, ref_tile])
    return Layout(np.ascontiguousarray(targets), phys_tile, pos, None, col_w,
                  col_t.astype(np.int64), col_tile, adder_levels=adder_levels)
