"""Worker threads of the products, their BLAS limits and per-thread work arrays.

The calling thread and one helper per further usable core run fixed row ranges, each with its own kernels and a
single-threaded BLAS product, so numba's and OpenBLAS's pools never spin against each other; results do not
depend on the number of workers. Work too small to pay for waking a helper runs on the calling thread alone
(:data:`SPLIT_MIN_S`).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from ..argcheck import check_int
from ..cores import usable_cores

__all__ = ["USABLE_CORES", "BLAS", "SPLIT_MIN_S", "PIECE_BYTES", "set_worker_threads", "worker_threads", "submit",
           "scratch", "piece_rows", "share_rows", "one_blas_thread"]

USABLE_CORES = usable_cores()
"""cores this process may run on"""
BLAS = ThreadpoolController()
"""the BLAS libraries loaded with numpy, whose threads are limited while the workers run"""
_BLAS_LIBS = tuple(c for c in BLAS.lib_controllers if c.user_api == "blas")
_WORKERS = USABLE_CORES
_SCRATCH = threading.local()
_BLAS_LOCK = threading.Lock()
_BLAS_USERS = [0]
"""threads now inside :func:`one_blas_thread`"""
_BLAS_FOUND: list[int] = []
"""the BLAS thread counts the first of them found, restored by the last to leave"""
_BLAS_HELD = threading.local()
"""this thread's depth of entries into :func:`one_blas_thread`"""
_POOLS: dict[int, ThreadPoolExecutor] = {}
"""the helper threads' executors by their count (a count's helpers run its ranges, each thread keeping its own work
arrays, :func:`scratch`), those of one worker count: :func:`set_worker_threads` shuts them down"""
_POOL_LOCK = threading.Lock()


def _after_fork() -> None:
    """a forked child holds no thread of its parent: no one inside :func:`one_blas_thread` (the counts the parent's
    holders found put back), its lock free, no helper threads"""
    global _BLAS_LOCK, _POOL_LOCK
    if _BLAS_USERS[0]:
        for c, n in zip(_BLAS_LIBS, _BLAS_FOUND):
            _set_blas_threads(c, n)
    _BLAS_LOCK, _BLAS_USERS[0], _BLAS_HELD.depth = threading.Lock(), 0, 0
    _POOL_LOCK = threading.Lock()
    _POOLS.clear()


def set_worker_threads(n: int) -> None:
    """Use ``n`` worker threads for the products (e.g. 1 in each process of a parallel sweep); the helper threads of
    another count are shut down once their work is done (each count had kept its threads for ever: 30 idle threads
    after six counts)."""
    global _WORKERS
    n = check_int("worker threads", n)
    with _POOL_LOCK:
        if n != _WORKERS:
            for executor in _POOLS.values():
                executor.shutdown(wait=False)
            _POOLS.clear()
        _WORKERS = n


def worker_threads() -> int:
    """worker threads of the products: one per usable core unless :func:`set_worker_threads` said otherwise"""
    return _WORKERS


def submit(helpers: int, fn, *args):
    """``fn(*args)`` on one of ``helpers`` threads that help the calling thread (which runs the first row range
    itself), under a lock, so no executor is shut down between its choice and the submission; a process forked from
    this one starts its own (the parent's threads are not in the child: an inherited executor would wait on them for
    ever)"""
    with _POOL_LOCK:
        if helpers not in _POOLS:
            _POOLS[helpers] = ThreadPoolExecutor(max_workers=helpers, thread_name_prefix="cimsim")
        return _POOLS[helpers].submit(fn, *args)


os.register_at_fork(after_in_child=_after_fork)


def scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A work array of this thread (C-contiguous, contents undefined), kept between calls and grown, never shrunk,
    so products of every shape reuse it (fresh pages cost more than the kernels on small layers); shared by every
    crossbar, since a thread runs one crossbar's step at a time."""
    key, size = (name, np.dtype(dtype)), math.prod(shape)
    buffers = _SCRATCH.__dict__
    buf = buffers.get(key)
    if buf is None or buf.size < size:
        buf = buffers[key] = np.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


SPLIT_MIN_S = 0.8e-3
"""least work, in seconds on one thread, that is shared out among the workers. Measured on the 2-core VM of the
benchmarks: a helper woken after 1-2 ms idle starts 0.1-0.4 ms late, so two threads took longer than one up to
0.7-0.8 ms of work (64 x 64 arrays: up to 4096 rows, 1.5x; 256 x 256: up to 1024 rows, 1.3x) and less from about
1.1 ms (64 x 64 at 10 000 rows, 256 x 256 at 2048 rows: 0.7x)."""


PIECE_BYTES = 4 << 20
"""work arrays (input planes and column sums) of the rows a worker runs at once: its range runs in pieces of rows
whose arrays take about this much, so the sums are read back from cache, not memory. Measured on the 2-core VM of
the benchmarks, 256 x 256 with read noise (float32 products), batch 10 000, 2 workers: 11.05 ms in one piece per
worker, 10.7-10.8 ms in pieces of 1024-4096 rows (2-4 MiB), 11.0 ms at 512; a piece costs 0.1 ms of calls, so
pieces smaller than this lose"""


def piece_rows(bytes_per_row: int, block: int) -> int:
    """rows a worker runs at once (whole blocks of ``block`` rows): :data:`PIECE_BYTES` of ``bytes_per_row``"""
    return max(1, PIECE_BYTES // max(1, bytes_per_row) // block) * block


def _cuts(n: int, first_vector: int, block: int, parts: int) -> list[int]:
    """0, the rows cutting ``n`` rows (vectors ``first_vector`` on) into ``parts`` ranges of about as many blocks each
    (the rows before the first vector number that is a multiple of ``block`` count as one, as does a last partial
    block), cut where a vector number is a multiple of ``block``, and n"""
    lead = min(n, -first_vector % block)  # rows before the first block boundary
    ends = [lead] * bool(lead) + list(range(lead + block, n, block)) + [n]  # where each block ends
    return [0, *(ends[len(ends) * k // parts - 1] if len(ends) * k // parts else 0 for k in range(1, parts)), n]


def _pieces(run, x: np.ndarray, out: np.ndarray, first_vector: int, rows: int, block: int) -> list:
    """``run`` over the rows of ``x`` (vectors ``first_vector`` on) in as many pieces as ``rows`` rows go into them
    (rounded: each at most twice ``rows``), cut where a vector number is a multiple of ``block`` (:func:`_cuts`;
    pieces had ended where one was a multiple of ``rows``: with the vector numbers running on from call to call, a
    range of 5000 rows went in two pieces as often as not, a small one below the int8 units' size among them)"""
    cuts = _cuts(x.shape[0], first_vector, block, max(1, round(x.shape[0] / rows)))  # (ceil: 257 as 128, 128, 1)
    return [run(x[a:b], out[a:b], first_vector + a) for a, b in zip(cuts, cuts[1:]) if b > a]


def share_rows(run, x: np.ndarray, out: np.ndarray, first_vector: int, block: int, workers: int,
               seconds_per_row: float | None, rows_per_piece: int) -> tuple[list, float]:
    """The results of ``run(x[a:b], out[a:b], first_vector + a)`` over fixed row ranges of ``x`` (the rows of
    vectors ``first_vector`` on; ranges of whole blocks of ``block`` vectors, a block starting where a vector number
    is a multiple of ``block``), one per worker, the calling thread running the first; a single range when
    ``seconds_per_row`` (the caller's last measure, None: not known yet) says the rows take less than
    :data:`SPLIT_MIN_S`. A worker runs its range in pieces of at most about ``rows_per_piece`` rows
    (:func:`piece_rows`, :func:`_pieces`), cut alike. Returns the results in range and piece order and the seconds
    per row the calling thread took."""
    batch = x.shape[0]
    if seconds_per_row is not None and batch * seconds_per_row < SPLIT_MIN_S:
        workers = 1
    edges = _cuts(batch, first_vector, block, workers)
    parts = [(a, b) for a, b in zip(edges, edges[1:]) if b > a]
    start = time.perf_counter()
    if len(parts) == 1:
        results = _pieces(run, x, out, first_vector, rows_per_piece, block)
        return results, (time.perf_counter() - start) / batch
    with one_blas_thread():
        others = [submit(len(parts) - 1, _pieces, run, x[a:b], out[a:b], first_vector + a, rows_per_piece, block)
                  for a, b in parts[1:]]
        results = _pieces(run, x[:parts[0][1]], out[:parts[0][1]], first_vector, rows_per_piece, block)
        own = (time.perf_counter() - start) / parts[0][1]
        return results + [r for f in others for r in f.result()], own


def _set_blas_threads(controller, n: int) -> None:
    """``controller``'s library on ``n`` threads, set by the library's own call: threadpoolctl's ``set_num_threads``
    lets only the first thread that used it (its "controlling thread") set a pthreads OpenBLAS and silently ignores
    every other thread, whose products then ran on every core and rounded otherwise (a simulate() called off the main
    thread gave other numbers)"""
    getattr(controller, "_real_set_num_threads", controller.set_num_threads)(n)


@contextlib.contextmanager
def one_blas_thread():
    """every BLAS library of :data:`BLAS` on one thread, then back: what ``BLAS.limit(limits=1, user_api="blas")``
    does, in 1-2 us rather than its 7-50 us of Python (measured on the 2-core VM of the benchmarks; a 64 x 64
    layer's batch of 10 000 takes 0.6-0.8 ms in all), from any thread. Also what keeps float products (a network's
    float pass, its digital layers) the same whatever the thread count: OpenBLAS rounds a product differently when it
    splits it over another number of threads (measured: (130 x 784) @ (784 x 64) in float64, 1 vs 2 threads, up to
    6e-14 apart; with OPENBLAS_CORETYPE=Haswell more shapes differ). A thread's outermost entry sets and restores
    the counts; threads that overlap in it each hold the limit, the last to leave restoring what the first found."""
    depth = getattr(_BLAS_HELD, "depth", 0)
    if depth == 0:
        with _BLAS_LOCK:
            _BLAS_USERS[0] += 1
            if _BLAS_USERS[0] == 1:
                _BLAS_FOUND[:] = [c.get_num_threads() for c in _BLAS_LIBS]
            for c in _BLAS_LIBS:
                _set_blas_threads(c, 1)
    _BLAS_HELD.depth = depth + 1
    try:
        yield
    finally:
        _BLAS_HELD.depth = depth
        if depth == 0:
            with _BLAS_LOCK:
                _BLAS_USERS[0] = max(0, _BLAS_USERS[0] - 1)  # 0 already in a child forked inside the block
                if _BLAS_USERS[0] == 0:
                    for c, n in zip(_BLAS_LIBS, _BLAS_FOUND):
                        _set_blas_threads(c, n)
