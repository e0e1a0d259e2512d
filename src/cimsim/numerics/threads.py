"""Worker threads of the products, their BLAS limits and per-thread work arrays.

The calling thread and one helper per further usable core run fixed row ranges, each with its own kernels and a
single-threaded BLAS product, so numba's and OpenBLAS's pools never spin against each other; results do not
depend on the number of workers.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from ..argcheck import check_int

__all__ = ["USABLE_CORES", "BLAS", "set_worker_threads", "worker_threads", "pool", "scratch"]

USABLE_CORES = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
"""cores this process may run on"""
BLAS = ThreadpoolController()
"""limits the BLAS threads while the workers run"""
_WORKERS = USABLE_CORES
_SCRATCH = threading.local()


def set_worker_threads(n: int) -> None:
    """Use ``n`` worker threads for the products (e.g. 1 in each process of a parallel sweep)."""
    global _WORKERS
    _WORKERS = check_int("worker threads", n)


def worker_threads() -> int:
    """worker threads of the products: one per usable core unless :func:`set_worker_threads` said otherwise"""
    return _WORKERS


@functools.cache
def pool(helpers: int) -> ThreadPoolExecutor:
    """threads that help the calling thread (which runs the first row range itself)"""
    return ThreadPoolExecutor(max_workers=helpers, thread_name_prefix="cimsim")


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
