"""The column converters of a layer: their transfer (:class:`AdcSetting`) and how its full scale is set.

Full scale is the largest possible analog sum (``range = max``, :func:`max_sum`), a fraction of it (``fixed``), or
a percentile of observed sums per layer, array or column (``calibrated``, :func:`calibrated_full_scale`). A
digital adder tree converts nothing: its setting has unit steps over the whole range, so every sum is exact.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..argcheck import check_real, checked_types, shown
from ..config.modes import CalibrationScope, SignedEncoding
from ..errors import CallOrderError, caller_stacklevel
from ..mapping import Plan
from .layout import summed_floor

__all__ = ["AdcSetting", "max_sum", "adc_setting", "calibrated_full_scale", "check_setting"]


@dataclass(frozen=True, eq=False)
class AdcSetting:
    """The converters' transfer: code = clip(floor(a / lsb + 0.5 - h) + h, code_min, code_max), lsb per array column,
    h = code_max - floor(code_max): the code nearest a / lsb on the grid h + integers, a tie going up but at a
    sign comparator's threshold (below).

    Codes are integers (h = 0) but for a 1-bit converter of a signed sum, a sign comparator: codes -1/2 and +1/2
    (h = 1/2), the threshold at a = 0, a sum of exactly 0 (after the transfer) converting to 0, the mean of the two
    (a comparator at its threshold resolves either way with equal chance). ``lsb[r, c]`` is the step of converted
    column c in row tile r, in units of one input code x one level: full scale / codes, or where that is below 1, the
    smallest power of two 2**-k not below it (:func:`adc_setting`), so integer sums convert to exact codes and a
    converter with codes to spare is lossless. ``lsb`` is a read-only copy (the setting a crossbar returns is the one
    it reads; the kernels get a writable copy, the type they compile for).
    """

    lsb: np.ndarray
    code_min: float
    code_max: float

    def __post_init__(self):
        """``lsb`` finite and positive, the codes real numbers, code_min at most code_max: else a ValueError naming
        the field (None had been taken as NaN steps, 0 and -1 as steps, a code range of 'x': a probe)"""
        try:
            lsb = np.array(self.lsb, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"AdcSetting lsb must be real steps (per row tile and converted column); got "
                             f"{shown(self.lsb)}") from None
        if lsb.ndim == 0 or not (np.isfinite(lsb) & (lsb > 0)).all():
            raise ValueError(f"AdcSetting lsb must be finite positive steps, one per row tile and converted column; "
                             f"got {shown(self.lsb)}")
        lsb.setflags(write=False)
        object.__setattr__(self, "lsb", lsb)
        low = check_real("AdcSetting code_min", self.code_min)
        check_real("AdcSetting code_max", self.code_max, low)

    def __setstate__(self, state: dict) -> None:
        """a copy's ``lsb`` read-only too (numpy's pickle and deepcopy give a writable one)"""
        self.__dict__.update(state)
        self.__post_init__()

    def __eq__(self, other) -> bool:
        """equal settings: the same code range and steps (``lsb``, compared by value)"""
        if not isinstance(other, AdcSetting):
            return NotImplemented
        same_range = (self.code_min, self.code_max) == (other.code_min, other.code_max)
        return same_range and np.array_equal(self.lsb, other.lsb)

    def __hash__(self) -> int:
        return hash((self.code_min, self.code_max, self.lsb.shape))  # equal settings hash alike

    @property
    def full_scale(self) -> np.ndarray:
        """the top code's level, lsb x code_max, per row tile and converted column: sums up to half an LSB above
        it still round to the top code, beyond that they clip (a calibrated ADC at percentile p thus clips fewer
        than 100 - p % of the conversions it was set on, where each group a range serves saw 1 / (1 - p / 100) reads
        or more: docs/adc.md)"""
        return self.lsb * self.code_max


@checked_types
def max_sum(plan: Plan) -> float:
    """largest |analog sum| one conversion of ``plan`` can take, in units of one input code x one level: rows x
    largest code (accumulated over the planes where they are summed) x the column's top level (a cell's, or the
    summed slices' tops times their weights, ``Plan.top_column_level``), each slice's carrying the g_min offset of an
    unsubtracted column (:func:`.layout.summed_floor`; none in a digital array); an offset column less its reference
    in the analog domain: its largest distance from the reference (:func:`_offset_span`). The rows are the array's
    rows a conversion sums, whether the layer's weights fill them or not: the converter's range is the hardware's."""
    p = plan
    r = 0.0 if p.analog_subtraction else summed_floor(p)
    code = p.max_input_code if p.plane_accumulation else p.max_plane_code
    if p.analog_subtraction and p.signed_encoding == SignedEncoding.OFFSET:
        level = _offset_span(p)
    else:
        level = (sum(2 ** shift * (top + r) for shift, top in p.weight_slices) if p.slice_accumulation
                 else p.max_level + r)
    return p.rows_per_conversion * code * level


def _offset_span(p: Plan) -> int:
    """largest |level - reference level| of a converted offset column (its slices' weighted sum where they are
    summed) in the analog domain over the codes a weight takes, -m to m (m = 2**(b-1) - 1; a binary weight's stored
    0 or 1 against the reference's 1): summed, or in one slice, |stored - offset| <= m, not the 2**b - 1 of a column
    read alone (one ADC bit had gone unused: the error twice a differential pair's of the same bits, a probe; the
    cell's top had been taken for a slice of fewer bits, a review); slices converted apart, the largest over the
    stored codes of each slice's digit's distance from the reference's"""
    if p.slice_accumulation or p.n_slices == 1:
        return max(2 ** (p.weight_bits - 1) - 1, 1)
    stored = np.arange(p.weight_offset - (2 ** (p.weight_bits - 1) - 1), p.weight_offset + 2 ** (p.weight_bits - 1))
    return max(int(np.abs(((stored >> shift) & top) - ((p.weight_offset >> shift) & top)).max())
               for shift, top in p.weight_slices)


@checked_types
def adc_setting(plan: Plan, full_scale: np.ndarray) -> AdcSetting:
    """The setting whose full scale is ``full_scale`` (per row tile and converted column): codes on each side of
    zero when the converted sum can be negative (2**(B-1) - 1 each; B = 1: the sign, +/-1/2 of a step 2 x full
    scale, so +/-full scale); unit steps over the whole range without ADCs.

    The step is full scale / codes where that is at least 1; below 1 it is 2**-k, k the largest with
    full scale x 2**k <= codes (the range still covers the full scale, at most twice as coarse as full scale / codes):
    an integer sum a converts to the exact code a 2**k and back to a exactly (a power of two scales floats without
    rounding; 1 / m for other m does not: 49 x (1 / 49) != 1), while a non-integer sum (drift, noise, g_min offsets)
    keeps the finer step its range allows. A full scale of 0 (nothing observed) takes step 1."""
    if not plan.has_adc:  # lsb 1 over the whole range: integer sums come out exactly
        codes = int(np.ceil(full_scale.max()))
        return AdcSetting(np.ones_like(full_scale), -codes, codes)
    code_min, codes = _code_range(plan)
    full = np.asarray(full_scale, dtype=np.float64)
    with np.errstate(divide="ignore", over="ignore"):  # F = 0 (or below codes x 2**-1024): inf, then step 1
        k = np.frexp(codes / full)[1] - 1  # codes / F = m 2**e, m in [0.5, 1): k = e - 1 up to the division's
    k = k - (np.ldexp(full, k) > codes) + (np.ldexp(full, k + 1) <= codes)  # rounding; these tests are exact
    fine = np.where(full > 0, np.ldexp(1.0, -k), 1.0)
    return AdcSetting(np.where(full >= codes, full / codes, fine), code_min, codes)


def _code_range(plan: Plan) -> tuple[float, float]:
    """(lowest, highest) code of the plan's converters: 0 to 2**B - 1, or where the converted sum can be negative
    2**(B-1) - 1 on each side of zero (B = 1: the sign, +/-1/2); without converters, the largest sum each side"""
    if not plan.has_adc:
        return -int(np.ceil(max_sum(plan))), int(np.ceil(max_sum(plan)))
    if not plan.signed_sum:
        return 0, 2 ** plan.adc_bits - 1
    codes = 2 ** (plan.adc_bits - 1) - 1 if plan.adc_bits > 1 else 0.5
    return -codes, codes


def check_setting(setting, plan: Plan, columns: int) -> None:
    """A :class:`~cimsim.errors.CallOrderError` where ``setting`` (a crossbar's ``adc``) is None (not calibrated
    yet); a TypeError where it is no AdcSetting; a ValueError where it is not of a crossbar of ``plan`` converting
    ``columns`` columns: steps per row tile and converted column, codes of its bits (another crossbar's setting had
    been accepted and its steps read past their end: garbage outputs, a probe)."""
    if setting is None:
        raise CallOrderError("adc.range = 'calibrated': call calibrate(inputs) before mvm")
    if not isinstance(setting, AdcSetting):
        raise TypeError(f"adc must be an AdcSetting (a crossbar's calibrate returns one); got "
                        f"{type(setting).__name__} {shown(setting)}")
    if setting.lsb.shape != (plan.row_tiles, columns):
        raise ValueError(f"adc.lsb has shape {setting.lsb.shape}, this crossbar's converters "
                         f"{(plan.row_tiles, columns)} (row tiles, converted columns): a setting of another crossbar's "
                         "shape")
    if (setting.code_min, setting.code_max) != (own := _code_range(plan)):
        raise ValueError(f"adc's codes run {setting.code_min:g} to {setting.code_max:g}, this crossbar's "
                         + (f"{plan.adc_bits}-bit converters'" if plan.has_adc else "adder tree's sums") +
                         f" {own[0]:g} to {own[1]:g}")
    if not plan.has_adc and (setting.lsb != 1).any():  # (its exact sums: another's steps had been taken silently)
        raise ValueError("adc of an array without converters must have unit steps (its sums are exact)")


def calibrated_full_scale(observed: np.ndarray, row_tile: np.ndarray, scope: CalibrationScope, percentile: float,
                          col_tile: np.ndarray, col_tiles: int, shared: np.ndarray | None = None,
                          blank_warned: bool = False) -> np.ndarray:
    """Full scale per row tile and converted column: ``percentile`` of the observed |sums| (reads x columns; the
    row tile of each read in ``row_tile``, non-decreasing) over the whole layer, each array (converted columns of
    one column tile) or each column, raised where needed to the largest sum of a ``shared`` column (bool per
    converted column: an offset encoding's reference, subtracted from every output of its array, whose one clipped
    read would spoil them all; a layer-wide 99.99th percentile had clipped 0.015 % of the conversions, most of
    them references', for 8 % error). ``observed`` is reordered in place (partitioned, not copied). With
    ``blank_warned`` (weights that are not all 0), sums that are all 0 are warned of: every range at its floor."""
    if blank_warned and not observed.any():
        warnings.warn("every column sum of the calibration inputs is 0 (zero inputs, or every cell stuck?): the ADC "
                      "ranges fall to their floor, one level, and a non-zero sum clips; calibrate on inputs like those "
                      "the layer will read",
                      UserWarning, stacklevel=caller_stacklevel())
    tiles = np.searchsorted(row_tile, np.arange(row_tile[-1] + 2))  # the reads of row tile r: tiles[r]:tiles[r + 1]
    parts = [observed[a:b] for a, b in zip(tiles[:-1], tiles[1:])]
    cover = np.zeros((len(parts), col_tile.size))  # the largest sum of each shared column, 0 for the others
    if shared is not None and shared.any():
        cover[:, shared] = [o[:, shared].max(axis=0) for o in parts]
    if scope == CalibrationScope.LAYER:
        level = np.percentile(observed.reshape(-1), percentile, overwrite_input=True)
        return np.full((len(parts), col_tile.size), max(level, cover.max()))
    if scope == CalibrationScope.COLUMN:
        return np.maximum([np.percentile(o, percentile, axis=0, overwrite_input=True) for o in parts], cover)
    full = np.empty((len(parts), col_tile.size))
    for r, o in enumerate(parts):
        for t in range(col_tiles):
            cols = col_tile == t
            full[r, cols] = max(np.percentile(o[:, cols], percentile, overwrite_input=True), cover[r, cols].max())
    return full
