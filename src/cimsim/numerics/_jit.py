"""The numba options of every kernel, in one place; a kernel names the set it needs.

All kernels are cached on disk (``cache=True``: compiled once per install) where numba can write a cache: beside
these modules, in the user's cache directory or in NUMBA_CACHE_DIR. Where it can write none (a read-only install on
a cluster whose home is read-only too) they compile on every run instead, with one RuntimeWarning naming the way
out (:func:`_cache_writable`); numba had refused every kernel there, and every command had failed. ``nogil``: the
kernel runs in cimsim's row-range worker threads (:mod:`.threads`) without the GIL. ``error_model="numpy"``: division
follows numpy (no exception checks in the loop). ``fastmath={"reassoc"}``: sums of integer codes, exact in any
order, so reassociation (vectorised reductions) cannot change a result. ``inline="always"``: a helper the calling
kernel inlines.
"""

import multiprocessing
import os
import sys
import warnings

from numba import njit

__all__ = ["CACHED", "INLINE", "INLINE_NUMPY", "NUMPY", "THREADED", "THREADED_NUMPY", "THREADED_SUMS"]


def _probe() -> int:
    return 0


def _say(said: str) -> None:
    """one warning: a RuntimeWarning, or in a sweep's worker one line as the CLI says a warning (Python's form names
    this source line)"""
    if multiprocessing.parent_process() is None:
        warnings.warn(said, RuntimeWarning, stacklevel=3)
    else:
        print(f"warning: {said}", file=sys.stderr)


def _cache_writable() -> bool:
    """whether numba can cache a kernel of this package (it picks a writable place when a kernel is decorated:
    beside the module, or the user-wide cache; a RuntimeError where there is none); else one warning. A
    NUMBA_CACHE_DIR that names no folder (empty, or a file), which numba ignores without a word, caching beside the
    modules, is said too (a probe)"""
    where = os.environ.get("NUMBA_CACHE_DIR")
    if where is not None and (not where.strip() or os.path.exists(where) and not os.path.isdir(where)):
        _say(f"NUMBA_CACHE_DIR={where!r} names no folder (empty, or a file), so numba ignores it and caches cimsim's "
             "kernels beside its modules or in the user's cache: set it to a folder")
    try:
        njit(cache=True)(_probe)
    except RuntimeError as err:
        _say(f"numba can write no kernel cache here ({err}); cimsim's kernels compile on every run (seconds each "
             "time): set NUMBA_CACHE_DIR to a writable folder to keep them")
        return False
    return True


_CACHE = _cache_writable()
CACHED = {"cache": _CACHE}
INLINE = {"cache": _CACHE, "inline": "always"}
INLINE_NUMPY = {"cache": _CACHE, "inline": "always", "error_model": "numpy"}
NUMPY = {"cache": _CACHE, "error_model": "numpy"}
THREADED = {"cache": _CACHE, "nogil": True}
THREADED_NUMPY = {"cache": _CACHE, "nogil": True, "error_model": "numpy"}
THREADED_SUMS = {"cache": _CACHE, "nogil": True, "error_model": "numpy", "fastmath": {"reassoc"}}
