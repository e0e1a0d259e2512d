"""A layer's weights programmed onto crossbar arrays, and the analog matrix-vector products they compute.

Semantics: docs/design.md section 2. For each conversion group (``Plan.conversion_groups``: the row groups whose sums
one conversion takes; a row group where each is converted) the analog column sums of every input plane of the whole
batch are one float32 matrix product (exact for ideal devices: integer operands, sums below 2**24); read
noise is added to those sums, then a numba kernel converts every sum with the ADC and shift-adds the codes.
Sums are in units of one input code times one conductance level (see :mod:`.devices`); an unsubtracted
column also carries g_min / step times the row sum.

Randomness: device draws (programming) come from ``default_rng([seed, 2, *key])`` (a key of under 2 ints:
``[seed, 6, 2, len(key), *key]``: numpy pads a seed to 4 words with zeros, and (3,) had drawn (3, 0)'s devices; key
entries stay below 2**32, as numpy splits larger ints into words). Output-referred read noise comes from counter-based
streams, one per (conversion group, vector number, plane), keyed by ``SeedSequence([seed, 3, *key, group, purpose])``:
the same config, seed and key give the same numbers whatever the chunk size or thread count, and every read (after
``reset_counts`` or reprogramming too) draws fresh noise. The cell-by-cell path draws each plane row's cells from
a generator of the same key and vector, planes in turn (:func:`.noise.cell_rng`), so it too follows neither.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from ..argcheck import check_int, check_real, is_int
from ..config.modes import AdcRange, InputEncoding, Int8Products, ReadNoisePath, SignedInputs
from ..config.schema import Config
from ..counts import INPUT_TALLIES, Counts
from ..analytic import analytic_counts
from ..errors import CallOrderError
from ..footprint import check_memory
from ..plan_checks import simulated_plan
from . import _kernels, int8
from .checks import check_unsigned, checked_config, checked_inputs, finite_matrix, finite_outputs, vector_rows
from .exact_products import exact_product
from .converters import AdcSetting, adc_setting, calibrated_full_scale, check_setting, max_sum
from .encoding import (_quantize_inputs, accumulate_planes, fixed_input_max, fixed_range_tally, prepare_planes,
                       unshifted, with_normal_rows)
from .layout import shared_references
from .noise import add_cell_noise, ktc_noise_std, noise_key, output_noise_std
from .products import PRODUCT_ROWS, cell_noise, group_sums, off_the_units, plane_piece, uint8_planes
from .cell_energy import CellEnergy
from .programming import ProgrammedLayer, compact_layer, ideal_conductances_us, program_layer
from .threads import share_rows, worker_threads

__all__ = ["Crossbar"]

RESCALE_CHECKED_FROM = 1e250
"""outputs are scanned for overflow only when (largest input scale) x (largest weight scale) reaches this: before
the rescale an output is a sum of ADC codes times their weights, below 1e30 at any configuration (2**20 rows x
16-bit codes x 8-bit levels x 16-bit plane and slice weights), so below it the rescaled outputs cannot overflow"""

_ONE_PLANE = np.ones(1)
_NUMBERS = threading.Lock()  # guards every crossbar's vector numbers and counts (held for a few updates at a time)

class Crossbar:
    """One dense layer (out x in) mapped onto as many arrays as it needs.

    >>> xbar = Crossbar(config)            # shape from config.workload
    >>> xbar.program(W)                    # W: (out, in) real
    >>> xbar.calibrate(X)                  # X: (batch, in) real; ADC full scales (adc.range = "calibrated" only)
    >>> Y = xbar.mvm(X)                    # -> Y: (batch, out); then xbar.counts: what the arrays did

    ``key`` (a tuple of non-negative ints) selects independent random streams, e.g. (trial, layer); ``read_key``
    (default: ``key``) the read-noise streams alone, so that crossbars programmed alike (one shared matrix read at
    several places of a network) draw independent read noise.
    """

    def __init__(self, config: Config, in_features: int | None = None, out_features: int | None = None,
                 *, key: tuple[int, ...] = (0,), read_key: tuple[int, ...] | None = None):
        self.config = config = checked_config(config)  # each field by the loader's rule, stored as it stores them
        self.plan = simulated_plan(config, in_features, out_features)  # float32 products exact, or refused
        check_memory(config, [self.plan], "in_features and out_features", chunk=1)  # each read checks its vectors
        seed, read_key, dev = config.simulation.seed, key if read_key is None else read_key, config.device
        for name, value in (("key", key), ("read_key", read_key)):
            if not isinstance(value, tuple) or not all(is_int(k) and 0 <= k < 2**32 for k in value):
                raise ValueError(f"{name} must be a tuple of ints in [0, 2**32) (e.g. (trial, layer)); got {value!r}")
        self._read_key = tuple(read_key)
        self._program_rng = np.random.default_rng(  # 4 words or more, as numpy pads none (module doc)
            [seed, 2, *key] if len(key) > 1 else [seed, 6, 2, len(key), *key])
        self.programming_counts = Counts(dac_bits=self.plan.dac_bits, adc_bits=self.plan.adc_bits)
        self.adc: AdcSetting | None = None
        self.layer: ProgrammedLayer | None = None
        """what programming left in the arrays (None until :meth:`program`)"""
        self._integer: int8.IntegerProducts | None = None
        self._vectors_read = 0  # numbers the read-noise streams: results do not depend on the chunking
        self._row_seconds: float | None = None  # a row's time on one thread, last measured (threads.share_rows)
        self._ktc_std = ktc_noise_std(self.plan, config.array.cell_capacitance_ff)
        self._cell_noise_path = cell_noise(dev)
        self._output_noise = bool(self._ktc_std.any()) or (dev.read_noise_sigma > 0 and not self._cell_noise_path)
        self._slice_refs, self._col_refs = shared_references(self.plan) or (None, None)
        self.reset_counts()

    # ---- programming --------------------------------------------------------------------------
    def program(self, weights) -> None:
        """Quantise ``weights`` (out x in, real) and program the cells of every array (:func:`.program_layer`); the
        read counts start afresh (:meth:`reset_counts`: earlier reads were of other cells), programming counts add."""
        p, layer = self.plan, program_layer(self.config, self.plan, weights, self._program_rng)
        self.programming_counts = self.programming_counts + Counts(
            dac_bits=p.dac_bits, adc_bits=p.adc_bits, cell_writes=layer.cell_writes,
            dram_read_bits=p.out_features * p.in_features * p.weight_bits)
        adc = self.config.adc  # full scale: the largest sum; a digital adder tree's every sum is exact
        fraction = {AdcRange.MAX: 1.0, AdcRange.FIXED: adc.full_scale_fraction}.get(adc.range) if p.has_adc else 1.0
        codes = (int8.compact(layer.matrix, p) if self.config.simulation.int8_products == Int8Products.AUTO
                 and off_the_units(p, self._cell_noise_path) is None and int8.available() and int8.faster() else None)
        self.layer = layer = layer if codes is None else compact_layer(layer, codes, p)
        self._integer = None if codes is None else int8.IntegerProducts(codes, p)
        self.adc = None if fraction is None else adc_setting(p, np.full(
            (p.row_tiles, layer.col_w.size), fraction * self.max_sum))
        self._vector_events = self._events_per_vector()
        self.reset_counts()

    @property
    def max_sum(self) -> float:
        """largest |analog sum| an ideal read can produce, in units of one input code x one level"""
        return max_sum(self.plan)

    def _require_programmed(self) -> None:
        if self.layer is None:
            raise CallOrderError("program(weights) must be called before using the crossbar")

    # ---- reading ------------------------------------------------------------------------------
    def _inputs(self, inputs, scanned: bool = True) -> tuple[np.ndarray, bool]:
        """(``inputs`` (batch x in, or one vector: a batch of one) as float64, >= 0 for unsigned inputs, whether one
        vector was given); ``scanned``: checked finite here (else by the kernel that quantises them)"""
        (x, one), n = vector_rows("inputs", inputs, self.plan.in_features), self.plan.in_features
        check_memory(self.config, [self.plan], "in_features", chunk=len(x) if x.ndim else 1, vectors_field="inputs")
        x = finite_matrix("inputs", x, (None, n)) if scanned else checked_inputs(x, n)
        if self.plan.signed_inputs == SignedInputs.UNSIGNED:
            check_unsigned(x)
        return x, one

    def _prepare(self, x: np.ndarray, integer: bool = False, energy: np.ndarray | None = None):
        """the input planes of ``x`` and their bookkeeping (:func:`.encoding.prepare_planes`, which adds each
        input's V**2 t term into ``energy``); ``integer``: uint8 planes for the int8 units"""
        zero_point = self._integer.zero_point if integer else None
        return prepare_planes(self.plan, x, fixed_input_max(self.config.dac), zero_point, energy)

    def _noise_key(self, group: int, purpose: int) -> np.uint64:
        return noise_key(self.config.simulation.seed, self._read_key, group, purpose)

    def _noise_std(self, row_sq: np.ndarray, group: int) -> np.ndarray:
        """output-referred noise std of each plane row of conversion group ``group``, level units
        (:func:`output_noise_std`; read noise on the output path only)"""
        device = self.config.device
        sigma = device.read_noise_sigma * self.plan.max_level if device.read_noise_path == ReadNoisePath.OUTPUT else 0.0
        return output_noise_std(sigma, self.layer.noise_weight, row_sq, self._ktc_std[group])

    def _cell_noise(self, sums: np.ndarray, x: np.ndarray, key: np.uint64, first_vector: int) -> None:
        """read noise cell by cell (the slow, obvious path) on plane rows ``x``, vectors ``first_vector`` on, of key"""
        add_cell_noise(sums, x, self.config.device.read_noise_sigma * self.plan.max_level, self.layer.noise_cells,
                       self.layer.col_w.size, self.layer.combine, (key, first_vector, len(x) // self.plan.n_planes),
                       self._slice_refs)

    def _noisy_sums(self, planes2d: np.ndarray, row_sq: np.ndarray, group: int, purpose: int) -> np.ndarray:
        """Column sums of one conversion group for every plane row, read noise added (float64): what the ADCs see"""
        start, stop = self.plan.conversion_groups()[group]
        sums = group_sums(planes2d, [True], group, start, stop, self.layer.matrix, self._integer, 0,
                          self.layer.exact_sums).astype(np.float64)  # the plane rows numbered as one batch
        if self._output_noise:
            _kernels.add_read_noise(sums, len(sums) // self.plan.n_planes, self.plan.n_planes, self.layer.col_w.size,
                                    self._noise_std(row_sq[group], group), self._noise_key(group, purpose), 0,
                                    self._col_refs)
        if self._cell_noise_path:  # as in _rows: drawn cell by cell, on top of any kT/C noise
            self._cell_noise(sums, planes2d[:, start:stop], self._noise_key(group, purpose), 0)
        return sums

    def calibrate(self, inputs, percentile: float | None = None) -> AdcSetting:
        """Set the ADC full scales to a percentile of |analog sum| observed for ``inputs`` (batch x in, or one vector)
        per layer, array or column (``adc.calibration_scope``), read noise included (its own streams), a reference
        column's reads unclipped (each serves its array's outputs); adc.range = "calibrated" only, else ValueError."""
        self._require_programmed()
        p, adc, (x, _) = self.plan, self.config.adc, self._inputs(inputs)
        if x.shape[0] == 0:
            raise ValueError(f"inputs must hold at least one vector to calibrate on; got shape {x.shape}")
        if not p.has_adc:
            return self.adc  # a digital adder tree has no converter to calibrate
        if adc.range != AdcRange.CALIBRATED:
            raise ValueError(f"calibrate applies to adc.range = 'calibrated' only; adc.range is {adc.range!r}")
        (planes, _, row_sq, _, _), _ = with_normal_rows(self._prepare, x)
        pct = check_real("percentile", adc.percentile if percentile is None else percentile, 0, 100, low_open=True)
        planes2d, groups = planes.reshape(-1, p.in_features), p.conversion_groups()
        observed = None  # |a| of every read (row group by row group) x converted column, the groups in order
        for g in range(len(groups)):
            sums = self._noisy_sums(planes2d, row_sq, g, purpose=1)
            sums = accumulate_planes(self.plan, sums) if p.plane_accumulation else sums
            rowsum = sums[:, self.layer.ones_col:self.layer.ones_col + 1] if self.layer.ones_col >= 0 else 0.0
            reads = len(sums)
            observed = np.empty((len(groups) * reads, self.layer.col_w.size)) if observed is None else observed
            np.abs(sums[:, :observed.shape[1]] + self.layer.col_r * rowsum, out=observed[g * reads:(g + 1) * reads])
        tiles = np.array([start // p.rows for start, _ in groups]).repeat(reads)  # the row tile of each read
        full = calibrated_full_scale(observed, tiles, adc.calibration_scope, pct, self.layer.col_tile, p.col_tiles,
                                     np.arange(self.layer.col_w.size) >= self.layer.n_blocks * p.out_features,
                                     blank_warned=self.layer.weight_codes.any())  # no sums but of zero inputs
        self.adc = adc_setting(p, full)
        return self.adc

    def mvm(self, inputs) -> np.ndarray:
        """Analog products of ``inputs`` (batch x in, or one vector of length in) -> (batch x out) float64; the events
        are added to ``counts`` only once every chunk has run (bad input changes nothing). The call's vector numbers
        (keying read noise) are taken as it starts: calls from several threads draw distinct noise, as calls in turn."""
        return self._mvm(inputs, None)

    def _mvm(self, inputs, first: int | None) -> np.ndarray:
        """:meth:`mvm`, its first vector numbered ``first`` (None: the next number)"""
        self._require_programmed()
        check_setting(self.adc, self.plan, self.layer.col_w.size)  # calibrated, and of this crossbar (if assigned)
        x, one = self._inputs(inputs, scanned=False)
        n = x.shape[0]
        with _NUMBERS:
            first = self._vectors_read if first is None else first
            self._vectors_read = max(self._vectors_read, first + n)
        try:  # the overflow check too: a read it refuses counts nothing
            (out, clipped, input_sums, nz, x_scale), shift = with_normal_rows(lambda v: self._read(v, first), x)
            if x_scale * float(self.layer.weight_scale.max()) >= RESCALE_CHECKED_FROM:
                finite_outputs(out)
        except BaseException:
            with _NUMBERS:  # a refused read leaves the numbers as they were (unless a later call has taken some)
                self._vectors_read = first if self._vectors_read == first + n else self._vectors_read
            raise
        tally = fixed_range_tally(x, self.plan, self.config.dac)  # values saturated, coded 0, nonzero
        with _NUMBERS:  # together: calls from several threads lose no count
            self._mvms, self._nonzero, self.adc_clipped = self._mvms + n, self._nonzero + nz, self.adc_clipped + clipped
            self._input_sums, self._tally = self._input_sums + input_sums, [a + b for a, b in zip(self._tally, tally)]
        out = unshifted(out, shift, self.layer.weight_shift)
        return out[0] if one else out

    def _read(self, x: np.ndarray, first: int) -> tuple[np.ndarray, int, np.ndarray, int, float]:
        """(outputs, clipped, per-input sums (:meth:`_rows`), non-zero codes, largest input scale) of ``x``, chunk
        by chunk, its first vector numbered ``first``."""
        out, chunk = np.empty((x.shape[0], self.plan.out_features)), self.config.simulation.batch_size
        in_sums, clipped, nonzero, x_scale = np.zeros((2, self.plan.in_features)), 0, 0, 0.0
        for start in range(0, x.shape[0], chunk):  # (a slice past the end stops at it)
            chunk_clipped, chunk_sums, chunk_nonzero, chunk_scale = self._mvm_chunk(
                x[start:start + chunk], out[start:start + chunk], first + start)
            clipped, in_sums, nonzero = clipped + chunk_clipped, in_sums + chunk_sums, nonzero + chunk_nonzero
            x_scale = max(x_scale, chunk_scale)
        return out, clipped, in_sums, nonzero, x_scale

    def _mvm_chunk(self, x: np.ndarray, out: np.ndarray, first_vector: int) -> tuple[int, np.ndarray, int, float]:
        """Products of one chunk into ``out``; returns (clipped conversions, per-input sums (:meth:`_rows`), non-zero
        input codes, largest input scale). The rows are shared out to one worker thread per core (fixed row ranges:
        the calling thread runs the first, pool threads the others), each running its kernels and single-threaded
        BLAS products (:mod:`._kernels`, "Threads"), unless they take too little time to pay for it
        (:func:`.threads.share_rows`); the cell-by-cell noise path runs in one."""
        workers = 1 if self._cell_noise_path else worker_threads()
        piece = plane_piece(self.plan, self._integer, self.layer.col_w.size, self._cell_noise_path)
        results, self._row_seconds = share_rows(self._rows, x, out, first_vector, PRODUCT_ROWS, workers,
                                                self._row_seconds, piece)
        in_sums = sum((r[1] for r in results[1:]), results[0][1])
        return sum(r[0] for r in results), in_sums, sum(r[2] for r in results), max(r[3] for r in results)

    def _rows(self, x: np.ndarray, out: np.ndarray, first_vector: int) -> tuple[int, np.ndarray, int, float]:
        """Quantise, multiply, convert and recombine some rows of a chunk into ``out``; returns (clipped conversions,
        per input its squared codes and its V**2 t term (:func:`.encoding.prepare_planes`), non-zero codes (with
        pulse-count inputs, unit pulses), largest input scale)."""
        p, adc, cfg, batch = self.plan, self.adc, self.config.adc, x.shape[0]
        integer = uint8_planes(p, self._integer, self._cell_noise_path, batch)  # straight to the int8 units
        in_sums = np.zeros((2, p.in_features))
        planes, x_scale, row_sq, in_sums[0], nonzero = self._prepare(x, integer, in_sums[1])
        if p.dac_encoding == InputEncoding.PULSE_COUNT:
            nonzero = int(in_sums[1].sum())  # every unit pulse charges its row
        planes2d, groups = planes.reshape(-1, p.in_features), p.conversion_groups()
        clipped, no_scale, empty = 0, np.empty(0), np.empty(0)
        gain, offset, inl = (cfg.gain_error, cfg.offset_lsb, cfg.inl_lsb) if p.has_adc else (0.0, 0.0, 0.0)
        for g, (start, stop) in enumerate(groups):
            tile = start // p.rows
            live = [bool(row_sq[g][k * batch:(k + 1) * batch].any()) for k in range(p.n_planes)]
            sums = group_sums(planes2d, live, g, start, stop, self.layer.matrix, self._integer, first_vector,
                              self.layer.exact_sums)
            if self._cell_noise_path:
                self._cell_noise(sums, planes2d[:, start:stop], self._noise_key(g, 0), first_vector)
            noise_std, plane_w = (self._noise_std(row_sq[g], g) if self._output_noise else empty), p.plane_weights
            if p.plane_accumulation or (self._output_noise and self._col_refs is not None):  # noise, then convert
                sums, std, noise_std = sums.astype(np.float64), noise_std, empty  # (ADC kernel: unshared noise)
                if self._output_noise:
                    _kernels.add_read_noise(sums, batch, p.n_planes, self.layer.col_w.size, std,
                                            self._noise_key(g, 0), first_vector, self._col_refs)
                if p.plane_accumulation:  # one conversion of the weighted sum
                    sums, plane_w = accumulate_planes(self.plan, sums), _ONE_PLANE
            last = g == len(groups) - 1
            clipped += _kernels.adc_accumulate(
                sums, batch, plane_w, self.layer.n_blocks, p.out_features,
                self.layer.col_w * self.layer.compensation[tile],
                self.layer.col_r, self.layer.ref_tile, self.layer.ones_col, adc.lsb[tile].copy(),
                float(adc.code_min), float(adc.code_max), gain, offset, inl, p.outputs_per_array, noise_std,
                self._noise_key(g, 0) if self._output_noise else np.uint64(0), first_vector,
                g == 0, x_scale if last else no_scale, self.layer.weight_scale if last else no_scale, out)
        return clipped, in_sums, nonzero, float(x_scale.max(initial=0.0))

    def _events_per_vector(self) -> Counts:
        """The events of one input vector as the loop executes them, less the data-dependent row activations
        and energy sums (from ``_nonzero`` and ``_input_sums``)."""
        p, reads = self.plan, self.plan.n_planes * len(self.plan.row_groups())
        sums = (p.n_planes // p.planes_per_conversion * len(p.conversion_groups())
                * (self.layer.col_w.size if p.has_adc else p.out_features))
        read_cols = sum(p.read_cols(p.outputs_of_col_tile(t)) for t in range(p.col_tiles))
        return replace(analytic_counts(p, 1), array_reads=reads * p.col_tiles, row_activations=0, array_gv2t_fj=0.0,
                       dac_conversions=p.n_planes * p.in_features * p.col_tiles, shift_adds=sums,
                       cells_read=p.n_planes * p.in_features * read_cols, adc_conversions=sums if p.has_adc else 0,
                       adder_tree_sums=0 if p.has_adc else sums)

    @property
    def counts(self) -> Counts:
        """Events of every MVM since programming (or ``reset_counts``), with the data-dependent sums of the codes
        read: G V**2 t (time-domain inputs: code unit pulses at V_read) and the cells' (x / c_max)**2 (l / l_max)."""
        if not self._mvms:
            return Counts(dac_bits=self.plan.dac_bits, adc_bits=self.plan.adc_bits)
        gv2t, activity = CellEnergy.of(self).sums(self._input_sums)
        return replace(self._vector_events.scaled(self._mvms), row_activations=self._nonzero * self.plan.col_tiles,
                       array_gv2t_fj=gv2t, cell_activity=activity, **dict(zip(INPUT_TALLIES, self._tally)))

    @property
    def input_sums(self) -> np.ndarray:
        """per input since programming (or ``reset_counts``): the squared codes read and the V**2 t terms (2 x in)"""
        return self._input_sums.copy()

    # ---- references -------------------------------------------------------------------------
    def digital_reference(self, inputs) -> np.ndarray:
        """The exact product of the quantised operands, rescaled: what a lossless array would return."""
        self._require_programmed()
        p, (x, one) = self.plan, self._inputs(inputs)
        (codes, x_scale), shift = with_normal_rows(lambda v: _quantize_inputs(
            v, p.input_bits, fixed_input_max(self.config.dac), p.signed_inputs == SignedInputs.UNSIGNED), x)
        out = exact_product(codes, self.layer.weight_codes,  # a new float64 array: rescaled in place
                            self.config.simulation.int8_products == Int8Products.AUTO)
        with np.errstate(over="ignore"):
            out *= x_scale[:, None]
            out *= self.layer.weight_scale[None, :]
        out = unshifted(finite_outputs(out), shift, self.layer.weight_shift)
        return out[0] if one else out

    @property
    def conductances_us(self) -> np.ndarray:
        """Every used cell's conductance at read time (in x physical columns, microsiemens)."""
        self._require_programmed()
        if self.layer.conductances_us is None:  # an int8 layer: ideal cells hold their target levels exactly
            return ideal_conductances_us(self.plan, self.layer.weight_codes)
        return self.layer.conductances_us

    def seek(self, vector: int) -> None:
        """Number the next vector read ``vector`` (read noise is keyed by that number): a range of a long run
        evaluated apart starts where one reading it all would be."""
        self._vectors_read = check_int("vector", vector, minimum=0, maximum=2**62)  # vector numbers are int64

    def reset_counts(self) -> None:
        """Forget the events of earlier MVMs (programming counts are kept; later reads draw fresh noise)."""
        self._mvms, self._nonzero, self.adc_clipped, self._tally = 0, 0, 0, [0, 0, 0]
        self._input_sums = np.zeros((2, self.plan.in_features))  # per input: squared codes, V**2 t term
