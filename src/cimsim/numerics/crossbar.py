"""A layer's weights programmed onto crossbar arrays, and the analog matrix-vector products they compute.

Semantics: DESIGN.md section 2. For each row group and each input plane the analog column sums are one
float32 matrix product of the whole batch (exact: integer operands, sums below 2**24); a numba kernel
then converts every sum with the ADC and shift-adds the codes. Sums are in units of one input code times
one conductance level; with g_min > 0 an unsubtracted column also carries g_min/step times the row sum.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..config.schema import Config
from ..counts import Counts
from ..mapping import Plan, analytic_counts, plan_layer
from . import _kernels
from .encoding import input_planes, quantize_inputs, quantize_weights, weight_levels

__all__ = ["Crossbar", "AdcSetting"]


@dataclass(frozen=True)
class AdcSetting:
    """The converter's transfer function: code = clip(floor(a / lsb + 0.5), code_min, code_max)."""

    full_scale: float
    """largest |analog sum| converted without clipping, in units of one input code x one level"""
    lsb: float
    """analog sum per code; never below 1 (one unit), so a converter with codes to spare is lossless"""
    code_min: int
    code_max: int


def adc_setting(plan: Plan, full_scale: float) -> AdcSetting:
    """Converter for a full scale: a bipolar ADC when the sum is signed, codes spread evenly up to full scale."""
    codes = 2 ** (plan.adc_bits - 1) - 1 if plan.signed_sum else 2 ** plan.adc_bits - 1
    lsb = max(1.0, full_scale / codes)
    return AdcSetting(full_scale, lsb, -codes if plan.signed_sum else 0, codes)


def _finite_matrix(name: str, a, shape: tuple[int | None, int]) -> np.ndarray:
    """``a`` as a float64 C-contiguous matrix of the given shape (None: any), or a clear ValueError."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers; got dtype {arr.dtype}")
    if arr.ndim != 2 or any(want is not None and got != want for got, want in zip(arr.shape, shape)):
        want = " x ".join("any" if s is None else str(s) for s in shape)
        raise ValueError(f"{name} must have shape ({want}); got {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return arr


class Crossbar:
    """One dense layer (out x in) mapped onto as many arrays as it needs.

    >>> xbar = Crossbar(config)            # shape from config.workload
    >>> xbar.program(W)                    # W: (out, in) real
    >>> Y = xbar.mvm(X)                    # X: (batch, in) real -> Y: (batch, out)
    >>> xbar.counts                        # what the arrays did, for the cost model
    """

    def __init__(self, config: Config, in_features: int | None = None, out_features: int | None = None):
        self.config = config
        self.plan = plan_layer(config, in_features, out_features)
        self.programming_counts = Counts(dac_bits=self.plan.dac_bits, adc_bits=self.plan.adc_bits)
        self.adc: AdcSetting | None = None
        self._weights = None
        self.reset_counts()

    # ---- programming --------------------------------------------------------------------------
    def program(self, weights) -> None:
        """Quantise ``weights`` (out x in, real) and program the cell levels of every array."""
        p = self.plan
        w = _finite_matrix("weights", weights, (p.out_features, p.in_features))
        codes, scale = quantize_weights(w, p.weight_bits, self.config.mapping.weight_scale == "per_output")
        levels, ref = weight_levels(codes, p)
        step = (p.g_max_us - p.g_min_us) / p.max_level
        r = p.g_min_us / step
        pow2 = (2.0 ** (p.bits_per_cell * np.arange(p.n_slices)))
        outputs = np.arange(p.out_features)
        if p.analog_subtraction:
            signed = levels[0] - levels[1] if p.signed_encoding == "differential" else levels[0] - ref[:, None, None]
            blocks = [signed[k] for k in range(p.n_slices)]
            col_w = np.repeat(pow2, p.out_features)
            col_t = np.tile(outputs, p.n_slices)
            col_r = np.zeros(col_w.size)
        else:
            sign = np.array([1.0, -1.0])[: p.polarities]
            blocks = [levels[q, k] for q in range(p.polarities) for k in range(p.n_slices)]
            col_w = np.repeat(np.outer(sign, pow2).ravel(), p.out_features)
            col_t = np.tile(outputs, p.polarities * p.n_slices)
            if p.signed_encoding == "offset":
                blocks.append(np.broadcast_to(ref, (p.in_features, p.n_slices)))
                col_w = np.concatenate([col_w, -pow2])
                col_t = np.concatenate([col_t, np.full(p.n_slices, -1)])
            col_r = np.full(col_w.size, r)
        blocks.append(np.ones((p.in_features, 1)))
        self._matrix = np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)
        self._col_w, self._col_r, self._col_t = col_w, col_r, col_t.astype(np.int64)
        self._weight_codes, self._weight_scale = codes, scale
        # sum of the conductances of every used cell on each row, over all column tiles (microsiemens)
        data_g = levels.sum(axis=(0, 1, 3)) * step + p.g_min_us * p.polarities * p.n_slices * p.out_features
        ref_g = p.col_tiles * (ref.sum() * step + p.g_min_us * p.reference_cols)
        self._row_g_us = data_g + ref_g
        cells = p.in_features * (p.out_features * p.n_slices * p.polarities + p.col_tiles * p.reference_cols)
        self.programming_counts = replace(
            self.programming_counts, cell_writes=self.programming_counts.cell_writes + cells,
            dram_read_bits=self.programming_counts.dram_read_bits + w.size * p.weight_bits)
        adc = self.config.adc
        if adc.range == "max":
            self.adc = adc_setting(p, self.max_sum)
        elif adc.range == "fixed":
            self.adc = adc_setting(p, adc.full_scale_fraction * self.max_sum)
        else:
            self.adc = None
        self._weights = w

    @property
    def max_sum(self) -> float:
        """largest |analog sum| a read can produce, in units of one input code x one level"""
        p = self.plan
        r = 0.0 if p.analog_subtraction else p.g_min_us * p.max_level / (p.g_max_us - p.g_min_us)
        return p.rows_per_read * p.max_plane_code * (p.max_level + r)

    def _require_programmed(self) -> None:
        if self._weights is None:
            raise RuntimeError("program(weights) must be called before using the crossbar")

    # ---- reading ------------------------------------------------------------------------------
    def _column_sums(self, planes2d: np.ndarray, start: int, stop: int) -> np.ndarray:
        return planes2d[:, start:stop] @ self._matrix[start:stop]

    def calibrate(self, inputs, percentile: float | None = None) -> AdcSetting:
        """Set the ADC full scale to a percentile of |analog sum| observed for ``inputs`` (batch x in)."""
        self._require_programmed()
        p = self.plan
        x = _finite_matrix("inputs", inputs, (None, p.in_features))
        if x.shape[0] == 0:
            raise ValueError("calibrate needs at least one input vector")
        codes, _ = quantize_inputs(x, p.input_bits, self.config.dac.input_max)
        planes = input_planes(codes, p).reshape(-1, p.in_features)
        n_cols = self._col_w.size
        observed = []
        for start, stop in p.row_groups():
            sums = self._column_sums(planes, start, stop).astype(np.float64)
            observed.append(np.abs(sums[:, :n_cols] + self._col_r * sums[:, n_cols:]).ravel())
        pct = self.config.adc.percentile if percentile is None else percentile
        self.adc = adc_setting(p, float(np.percentile(np.concatenate(observed), pct)))
        return self.adc

    def mvm(self, inputs) -> np.ndarray:
        """Analog products of ``inputs`` (batch x in, or one vector of length in) -> (batch x out) float64."""
        self._require_programmed()
        if self.adc is None:
            raise RuntimeError("adc.range = 'calibrated': call calibrate(inputs) before mvm")
        p = self.plan
        one = np.ndim(inputs) == 1
        x = _finite_matrix("inputs", np.atleast_2d(inputs) if one else inputs, (None, p.in_features))
        out = np.empty((x.shape[0], p.out_features))
        chunk = self.config.simulation.batch_size
        for start in range(0, x.shape[0], chunk):
            out[start:start + chunk] = self._mvm_chunk(x[start:start + chunk])
        return out[0] if one else out

    def _mvm_chunk(self, x: np.ndarray) -> np.ndarray:
        p, adc = self.plan, self.adc
        batch = x.shape[0]
        codes, x_scale = quantize_inputs(x, p.input_bits, self.config.dac.input_max)
        planes = input_planes(codes, p)
        planes2d = planes.reshape(-1, p.in_features)
        acc = np.zeros((batch, p.out_features))
        n_cols = self._col_w.size
        plane_w = p.plane_weights
        groups = p.row_groups()
        for start, stop in groups:
            sums = self._column_sums(planes2d, start, stop)
            self.adc_clipped += _kernels.adc_accumulate(
                sums, batch, plane_w, self._col_w, self._col_r, self._col_t, n_cols,
                adc.lsb, float(adc.code_min), float(adc.code_max), acc)
        self._count(planes, batch, len(groups), n_cols)
        return acc * adc.lsb * x_scale[:, None] * self._weight_scale[None, :]

    def _count(self, planes: np.ndarray, batch: int, n_groups: int, n_cols: int) -> None:
        """Add the events of one chunk: what the loop executed, and the data-dependent sums."""
        p = self.plan
        refs = n_cols - p.out_features * p.converted_cols_per_output  # converted once here, once per array in hardware
        reads = batch * p.n_planes * n_groups
        used_cols = sum(p.used_cols(p.outputs_of_col_tile(t)) for t in range(p.col_tiles))
        # sum of squared DAC codes per row: exact integers, so the total does not depend on the chunking
        self._code_sq += np.einsum("pbi,pbi->i", planes, planes, dtype=np.float64)
        measured = replace(
            analytic_counts(p, batch),
            array_reads=reads * p.col_tiles,
            dac_conversions=batch * p.n_planes * p.in_features * p.col_tiles,
            row_activations=int(np.count_nonzero(planes)) * p.col_tiles,
            array_gv2t_fj=0.0,  # priced from the exact code sums in `counts`
            cells_read=batch * p.n_planes * p.in_features * used_cols,
            adc_conversions=reads * (n_cols - refs + refs * p.col_tiles),
            shift_adds=reads * (n_cols - refs + refs * p.col_tiles),
        )
        self._events = self._events + measured

    @property
    def counts(self) -> Counts:
        """Events of every MVM since programming (or ``reset_counts``), with the array energy sum of G V**2 t."""
        p = self.plan
        v_unit = p.read_voltage_v / p.max_plane_code
        gv2t = float(self._code_sq @ self._row_g_us) * v_unit ** 2 * p.read_pulse_ns if self._events.mvms else 0.0
        return replace(self._events, array_gv2t_fj=gv2t)

    # ---- references -------------------------------------------------------------------------
    def digital_reference(self, inputs) -> np.ndarray:
        """The exact product of the quantised operands, rescaled: what a lossless array would return."""
        self._require_programmed()
        p = self.plan
        x = _finite_matrix("inputs", inputs, (None, p.in_features))
        codes, x_scale = quantize_inputs(x, p.input_bits, self.config.dac.input_max)
        exact = codes.astype(np.float64) @ self._weight_codes.T.astype(np.float64)
        return exact * x_scale[:, None] * self._weight_scale[None, :]

    def reset_counts(self) -> None:
        """Forget the events of earlier MVMs (programming counts are kept)."""
        self._events = Counts(dac_bits=self.plan.dac_bits, adc_bits=self.plan.adc_bits)
        self._code_sq = np.zeros(self.plan.in_features)
        self.adc_clipped = 0
