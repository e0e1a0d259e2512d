"""Exact integer products on the CPU's int8 units: onnxruntime's ``MatMulInteger`` (MLAS, VNNI where the CPU has it).

A programmed layer whose product matrix holds integers in [-128, 127] (ideal cells: no programming error, IR drop
or drift; its levels as its encoding and any slices summed before the ADC combine them, :func:`compact`) and input
planes of codes in [0, 255] (unsigned, two-phase, bit-serial planes) or [-128, 127] (bipolar: shifted by a zero
point of 128, which MLAS takes away inside the product) give the same sums as the float32 product, exactly (every
sum is below 2**24, checked before a simulation: :mod:`cimsim.plan_checks`), up to 4x faster on large products
(small or narrow ones stay on float32: :data:`MIN_MACS`, :data:`ALWAYS_CELLS`, :data:`MIN_SIDE`). Everything else
takes the float32 path, which stays the reference the tests compare against.

Exact only where the CPU's kernel is: MLAS multiplies uint8 by int8 with VNNI's dot products (exact) where the CPU
has them, else with AVX2's multiply-add pairs (``vpmaddubsw``), which saturate each pair's sum at int16, so 255 x
-128 twice comes back as -32 768, not -65 280 (measured on an AMD EPYC without AVX-512: 74 % of a 300 x 70 product's
sums wrong). :func:`weight_offset` probes the kernel once per process: where uint8 x int8 is not exact, a product
whose pairs can pass int16 (:func:`form`) gives onnxruntime the weights as uint8 codes + 128, multiplied by MLAS's
uint8 x uint8 kernel (16-bit multiply-adds, exact; 128 taken away as the weights' zero point), and the others stay
uint8 x int8 (probed exact within int16 too); where neither form is exact every product stays float32.

The layer keeps its product matrix as int8 only (:func:`compact`: one byte per converted cell). A row group of
at most :data:`HELD_MAX_CELLS` cells gets a session holding a prepacked copy of its rows (fastest); a larger group
shares one session per shape and binds the layer's rows on every call, so a large layer holds no second copy
(measured: onnxruntime holds 2.6 bytes per weight for its own copies at 4096 x 4096). ``intra_op_num_threads = 1``:
cimsim's own row-range workers are the parallelism, so the two thread pools never spin against each other.
onnxruntime is the optional ``int8`` extra (``pip install '.[int8]'``); without it, or with
``simulation.int8_products = "off"``, nothing changes (the digital reference too stays on float64 BLAS).
"""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np

from ..interrupts import from_ctrl_c
from ..mapping import Plan
from ._int8_model import matmul_integer_model
from .int8_fit import codes_fit, zero_point as plane_zero_point
from .threads import scratch

__all__ = ["available", "weight_offset", "form", "stored", "speedup", "faster", "compact", "IntegerProducts",
           "run_session", "shared_session", "ALWAYS_CELLS", "EXTRA_MIN_BYTES",
           "HELD_BYTES_PER_CELL", "HELD_MAX_CELLS", "MIN_MACS", "MIN_SIDE", "MIN_SPEEDUP", "PAIR_MAX",
           "SESSION_BYTES"]

MIN_MACS = 1 << 24
"""smallest product (plane rows x rows x columns) sent to the int8 units when the matrix is small (below
:data:`ALWAYS_CELLS`): below it a call's fixed cost (the session run) outweighs the gain (measured, 2 threads:
64 x 64 and batch 1000, 0.26 ms on float32 against 0.36 ms on int8)"""
ALWAYS_CELLS = 1 << 17
"""a row group of at least this many cells (e.g. 256 x 512) multiplies on the int8 units at any batch: the layer
holds only its int8 matrix, so a float32 product would first convert it, which costs more than a session call
(measured, 2 threads: 1024 x 1024 and batch 8, 0.13 ms on int8 against 0.42 ms); smaller groups keep a float32
copy of their rows for the products below MIN_MACS"""
HELD_MAX_CELLS = 1 << 20
"""largest row group (rows x columns, 1024 x 1024) whose session holds its own prepacked copy of the rows (about 2.6
bytes per cell besides the layer's one, measured at 4096 x 4096: at most 2.6 MiB a group); larger groups bind the
layer's rows on every call, which repacks them (measured, 256 x 256 and batch 10 000: 3.8 ms held, 5.0 ms bound)"""
HELD_BYTES_PER_CELL = 2.6
"""bytes a session holding its rows keeps per cell besides the layer's own int8 matrix (onnxruntime's prepacked copy
and its model's initializer; measured at 4096 x 4096)"""
SESSION_BYTES = 76 << 10
"""bytes a held session keeps whatever its size (onnxruntime 1.32: 75 KiB each, measured over 100 sessions of 8 x 64)"""
EXTRA_MIN_BYTES = 4 << 20
"""the held sessions and float32 copies of one layer's row groups may hold 4 MiB, or half its int8 matrix where
that is larger: at most about 1.5 bytes per cell from 8 MiB of cells on (however many row groups), up to 4 MiB besides
a smaller layer's cells (4 bytes per cell at 1024 x 1024); groups past the budget bind their rows per call"""
MIN_SPEEDUP = 1.25
"""smallest :func:`speedup` at which products go to the int8 units: below it the work around each product (a
contiguous copy of a group's uint8 columns, the session call) eats the gain"""
MIN_SIDE = 32
"""smallest rows and columns of a row group's matrix sent to the int8 units (measured, batch 10 000 or 20 000, 2
threads: int8 as fast or faster than float32 from 32 x 32 on, e.g. 64 x 64 1.04 against 1.20 ms, 64 x 256 2.97
against 5.26 ms, 32 x 32 1.24 against 1.25 ms)"""


@functools.cache
def available() -> bool:
    """onnxruntime can be imported: the ``int8`` extra (the sessions' models are written without the onnx package,
    :mod:`._int8_model`)."""
    try:
        import onnxruntime  # noqa: F401
    except ModuleNotFoundError as err:
        if err.name == "onnxruntime" and not from_ctrl_c(err):  # not installed: the extra is optional
            return False
        return _unavailable(err)  # a module of its own missing
    except Exception as err:  # a broken install (a shared library that cannot load: an ImportError too)
        return _unavailable(err)
    return True


def _unavailable(err: Exception) -> bool:
    """False, with a warning naming why onnxruntime, installed, cannot be imported; a KeyboardInterrupt where a
    Ctrl-C stopped the import (its error had been taken for a broken install: the command went on without the int8
    units, exit 0, a probe; not cached, so a later call imports it again)"""
    if from_ctrl_c(err):
        raise KeyboardInterrupt from err
    warnings.warn(f"int8 products unavailable, float32 products instead: onnxruntime cannot be imported "
                  f"({type(err).__name__}: {err})", RuntimeWarning, stacklevel=3)
    return False


def _exact_form(offset: int, max_x: int = 255, max_w: int = 128) -> bool:
    """Whether MatMulInteger, weights held as codes + ``offset`` (0: int8, 128: uint8 with that zero point), gives the
    exact product here for uint8 planes up to ``max_x`` and weights up to ``max_w`` in magnitude, at their extremes
    (pairs of max_x with -max_w or max_w - 1: where a kernel that saturates pairs at int16 fails first) and on random
    codes: with and without the planes' zero point of 128, weights prepacked in the session or bound per call, one
    row and many (MLAS may pick its kernel by each)."""
    rng = np.random.default_rng(0)
    w = rng.integers(-max_w, max_w, (64, 48))
    w[:, :8], w[:, 8:16] = -max_w, max_w - 1
    for zero_point in (0, 128):
        for session, bound in ((_session(64, 48, zero_point, stored(w, offset), offset), None),
                               (_session(64, 48, zero_point, None, offset), stored(w, offset))):
            for rows in (1, 40):
                x = rng.integers(0, max_x + 1, (rows, 64))
                x[: rows // 2 + 1] = max_x
                y = run_session(session, x.astype(np.uint8), np.empty((rows, 48), dtype=np.int32), bound)
                if not np.array_equal(y, (x - zero_point) @ w):
                    return False
    return True


@functools.cache
def weight_offset() -> int | None:
    """How this CPU's int8 units multiply exactly (probed once per process, a few milliseconds): 0, uint8 planes by
    int8 weights (MLAS's VNNI kernels); 128, uint8 planes by uint8 weights held as codes + 128 (where uint8 x int8
    saturates: AVX2's multiply-add pairs); None where neither form is exact (every product stays float32)."""
    return next((offset for offset in (0, 128) if _exact_form(offset)), None)


PAIR_MAX = 32767
"""largest |x0 w0 + x1 w1| of a multiply-add pair in int16, where AVX2's ``vpmaddubsw`` saturates"""


@functools.cache
def _pairs_exact() -> bool:
    """whether uint8 x int8 is exact here wherever every pair fits int16: planes up to 255 by weights up to 64, up to
    127 by weights up to 128 (as AVX2's kernel is; also where it is exact everywhere)"""
    return _exact_form(0, 255, 64) and _exact_form(0, 127, 128)


def form(max_x: int, max_w: int) -> int:
    """The weight offset of a product of uint8 planes up to ``max_x`` by weight codes up to ``max_w`` in magnitude:
    0 (uint8 x int8, the faster form: 7.6 against 10.0 ms on AVX2) where it is exact over the whole range or, as on
    AVX2, where 2 max_x max_w fits int16; else :func:`weight_offset`'s (call it where that is not None)."""
    offset = weight_offset()
    return 0 if offset == 0 or (2 * max_x * max_w <= PAIR_MAX and _pairs_exact()) else offset


def stored(codes: np.ndarray, offset: int) -> np.ndarray:
    """integer weight codes in [-128, 127] held for ``offset``, C-contiguous (as onnxruntime reads a bound array):
    int8 (0; no copy of C-contiguous int8 codes), or uint8 codes + 128 (128)"""
    return np.ascontiguousarray(codes if offset == 0 else codes.astype(np.int16) + offset,
                                dtype=np.uint8 if offset else np.int8)


@functools.cache
def speedup() -> float:
    """How much faster this CPU multiplies on its int8 units than with float32 BLAS: the best of 7 float32 (2048 x 256)
    @ (256 x 256) products over the best of 7 exact int8 ones (:func:`weight_offset`'s form), taking turns, on one
    thread (about 30 ms, once per process). 4.2 measured on this project's AMD EPYC with AVX-512 VNNI (MLAS's VNNI
    kernel, uint8 x int8); 1.5-1.6 on an AMD EPYC with AVX2 only (uint8 x uint8)."""
    from .threads import one_blas_thread  # the one BLAS limiter: threadpoolctl's own overlapping it undid it

    rng = np.random.default_rng(0)
    x, w = rng.integers(0, 256, (2048, 256)), rng.integers(-127, 128, (256, 256))
    offset = weight_offset() or 0
    session = _session(256, 256, 0, stored(w, offset), offset)
    x8, y = x.astype(np.uint8), np.empty((2048, 256), dtype=np.int32)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)

    with one_blas_thread():
        blas, units = _best_in_turns(lambda: np.matmul(x32, w32), lambda: run_session(session, x8, y))
    return blas / units


def _best_in_turns(*calls, rounds: int = 7) -> list[float]:
    """the best time of each call over ``rounds`` rounds in which they take turns, so a slow spell of a shared machine
    hits all alike (timed one after the other, the ratio swung across 1.25 on a noisy 2-core VM)"""
    for call in calls:
        call()
    best = [float("inf")] * len(calls)
    for _ in range(rounds):
        for k, call in enumerate(calls):
            start = time.perf_counter()
            call()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


@functools.cache
def faster() -> bool:
    """Whether the int8 units beat float32 BLAS here by :data:`MIN_SPEEDUP` (:func:`speedup`): the int8 path is used
    only then; elsewhere (a CPU without a fast int8 kernel, or an onnxruntime that cannot build the product: a
    warning says why) every product stays float32, with the same results; so does a CPU whose int8 units are exact in
    neither form (:func:`weight_offset`)."""
    try:
        return weight_offset() is not None and speedup() >= MIN_SPEEDUP
    except Exception as err:  # onnxruntime's own errors have no common base class
        warnings.warn(f"int8 products unavailable, float32 products instead: onnxruntime failed ({err})",
                      RuntimeWarning, stacklevel=2)
        return False


def _session(rows: int, cols: int, zero_point: int, weights: np.ndarray | None = None, offset: int = 0):
    """An onnxruntime session computing (uint8 x (batch x ``rows``) - ``zero_point``) @ (w (``rows`` x ``cols``) -
    ``offset``) -> int32, w int8 (offset 0) or uint8 (offset 128; MLAS takes both zero points away inside the
    product). ``weights`` given (:func:`stored`): held by the session (prepacked once); None: w is bound on every call
    (:func:`shared_session`)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False  # outputs go to our own buffers (io binding): no arena to keep them
    return onnxruntime.InferenceSession(matmul_integer_model(rows, cols, zero_point, offset, weights), options,
                                        providers=["CPUExecutionProvider"])


def run_session(session, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """``y`` (int32) = uint8 ``x`` (less the session's zero point) @ the session's int8 rows, or ``w`` where the
    session binds them per call; onnxruntime reads and writes the arrays in place (io binding, no copies)."""
    binding = session.io_binding()
    binding.bind_cpu_input("x", x)
    if w is not None:
        binding.bind_cpu_input("w", w)
    binding.bind_output("y", "cpu", 0, np.int32, list(y.shape), y.ctypes.data)
    session.run_with_iobinding(binding)
    return y


@functools.cache
def shared_session(rows: int, cols: int, zero_point: int, offset: int):
    """One session per shape, zero point and weight form, w bound per call, shared by every group of that shape."""
    return _session(rows, cols, zero_point, None, offset)


def _wide_groups(matrix: np.ndarray, plan: Plan) -> dict[int, tuple[int, int]]:
    """The row groups (number: (first row, stop)) of ``matrix`` at least :data:`MIN_SIDE` rows and columns wide: the
    only ones worth a session."""
    if matrix.shape[1] < MIN_SIDE:
        return {}
    return {g: (start, stop) for g, (start, stop) in enumerate(plan.conversion_groups()) if stop - start >= MIN_SIDE}


def compact(matrix: np.ndarray, plan: Plan) -> np.ndarray | None:
    """``matrix`` (float32 levels) as int8 when it holds integers in [-128, 127] only, the plan's plane codes fit 8
    bits (unsigned codes up to 255; bipolar codes, shifted by the zero point, up to 127 in magnitude) and at least
    one row group is :data:`MIN_SIDE` rows and columns wide; else None (the layer keeps float32)."""
    if not (codes_fit(plan) and _wide_groups(matrix, plan) and matrix.min() >= -128 and matrix.max() <= 127
            and np.array_equal(matrix, np.round(matrix))):
        return None
    return matrix.astype(np.int8)


class IntegerProducts:
    """Products with one layer's int8 matrix (:func:`compact`), one session per row group wide enough: a group of
    at most :data:`HELD_MAX_CELLS` cells gets a session holding its rows prepacked, a larger one the shared session
    of its shape, given the rows on every call (as uint8 codes + 128 where that is the exact form, converted into
    this thread's work array: no second copy of the layer). Held sessions, then float32 copies of the small groups,
    only while the layer's extra bytes (:attr:`extra_bytes`) stay within :data:`EXTRA_MIN_BYTES` or half its
    matrix's size, whichever is larger; the other groups bind their rows and convert them for BLAS on every call."""

    def __init__(self, codes: np.ndarray, plan: Plan, units: bool = True):
        """``units`` False: no session, every product on float32 BLAS from the int8 matrix (a copy unpickled
        where the int8 units are not used: :meth:`__setstate__`)"""
        if codes.dtype != np.int8:
            raise TypeError(f"IntegerProducts needs the layer's int8 matrix (int8.compact); got {codes.dtype}")
        zero_point, cols = plane_zero_point(plan), codes.shape[1]
        self._offset = form(plan.max_plane_code + zero_point, max(-int(codes.min()), int(codes.max()))) if units else 0
        self._codes, self._plan, self._groups = codes, plan, plan.conversion_groups()
        self._bound: dict[int, np.ndarray] = {}  # group -> its rows, bound per call
        self._sessions = {}  # group -> its onnxruntime session (live: not pickled, :meth:`__getstate__`)
        budget = max(EXTRA_MIN_BYTES, codes.nbytes / 2)
        self.extra_bytes = 0.0
        """bytes the held sessions and float32 copies keep beside the int8 matrix (estimated: SESSION_BYTES,
        HELD_BYTES_PER_CELL)"""
        for g, (start, stop) in (_wide_groups(codes, plan) if units else {}).items():
            held_bytes = SESSION_BYTES + HELD_BYTES_PER_CELL * (stop - start) * cols
            if (stop - start) * cols <= HELD_MAX_CELLS and self.extra_bytes + held_bytes <= budget:
                held = stored(codes[start:stop], self._offset)
                self._sessions[g] = _session(stop - start, cols, zero_point, held, self._offset)
                self.extra_bytes += held_bytes
            else:
                self._sessions[g] = shared_session(stop - start, cols, zero_point, self._offset)
                self._bound[g] = codes[start:stop]  # C-contiguous row slice: no copy
        # small groups keep their rows in float32 too (at most 4 * ALWAYS_CELLS bytes each): their small products
        # run on BLAS without converting the int8 rows on every call
        self._float = {}
        for g, (start, stop) in enumerate(self._groups):
            float_bytes = 4 * (stop - start) * cols
            if (stop - start) * cols < ALWAYS_CELLS and self.extra_bytes + float_bytes <= budget:
                self._float[g] = codes[start:stop].astype(np.float32)
                self.extra_bytes += float_bytes
        self.zero_point = zero_point
        """added to the codes of the uint8 planes (128 for bipolar planes, 0 for the others); MLAS takes it away"""
        self._cols = cols

    def __getstate__(self) -> tuple:
        """pickled and copied as its int8 matrix and plan (onnxruntime's sessions cannot be): a copy opens its own"""
        return self._codes, self._plan

    def __setstate__(self, state: tuple) -> None:
        """sessions and float32 copies opened as the original's were: the same exact products; where this process
        does not use the int8 units (onnxruntime missing, no exact or fast kernel: another machine), none, every
        product on float32 BLAS, again the same numbers (it had raised there)"""
        self.__init__(*state, units=available() and faster())

    def _integer(self, group: int, plane_rows: int) -> bool:
        """whether the product of ``plane_rows`` plane rows with ``group`` goes to the int8 units"""
        start, stop = self._groups[group]
        cells = (stop - start) * self._cols
        return group in self._sessions and (cells >= ALWAYS_CELLS or plane_rows * cells >= MIN_MACS)

    def uses_integer(self, plane_rows: int) -> bool:
        """Whether any row group multiplies ``plane_rows`` plane rows on the int8 units (then the planes are
        prepared as uint8)."""
        return any(self._integer(g, plane_rows) for g in range(len(self._groups)))

    def float_rows(self, group: int) -> np.ndarray:
        """The group's rows of the matrix in float32, for a product on BLAS."""
        start, stop = self._groups[group]
        kept = self._float.get(group)
        return kept if kept is not None else self._codes[start:stop].astype(np.float32)

    def products(self, planes: np.ndarray, group: int) -> np.ndarray | None:
        """The group's columns of the uint8 plane rows ``planes`` (codes shifted by :attr:`zero_point`,
        :func:`.encoding.prepare_planes`) times the group's matrix, exactly, as int32 (this thread's work array:
        valid until its next product); None (the caller multiplies on BLAS) when the group is narrower than
        MIN_SIDE, or its matrix below ALWAYS_CELLS and the product below MIN_MACS."""
        if not self._integer(group, planes.shape[0]):
            return None
        start, stop = self._groups[group]
        x = planes[:, start:stop]
        if not x.flags.c_contiguous:  # a row group of a wider layer: its columns side by side
            packed = scratch("int8 codes", x.shape, np.uint8)
            np.copyto(packed, x)
            x = packed
        y = scratch("int8 sums", (x.shape[0], self._cols), np.int32)
        w = self._bound.get(group)
        if w is not None and self._offset:  # uint8 codes + 128: each int8 byte with its top bit flipped
            w = np.bitwise_xor(w.view(np.uint8), 0x80, out=scratch("int8 rows", w.shape, np.uint8))
        return run_session(self._sessions[group], x, y, w)
