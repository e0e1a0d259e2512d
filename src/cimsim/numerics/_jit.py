"""The numba options of every kernel, in one place; a kernel names the set it needs.

All kernels are cached on disk (``cache=True``: compiled once per install). ``nogil``: the kernel runs in cimsim's
row-range worker threads (:mod:`.threads`) without the GIL. ``error_model="numpy"``: division follows numpy (no
exception checks in the loop). ``fastmath={"reassoc"}``: sums of integer codes, exact in any order, so reassociation
(vectorised reductions) cannot change a result. ``inline="always"``: a helper the calling kernel inlines.
"""

__all__ = ["CACHED", "INLINE", "INLINE_NUMPY", "NUMPY", "THREADED", "THREADED_NUMPY", "THREADED_SUMS"]

CACHED = {"cache": True}
INLINE = {"cache": True, "inline": "always"}
INLINE_NUMPY = {"cache": True, "inline": "always", "error_model": "numpy"}
NUMPY = {"cache": True, "error_model": "numpy"}
THREADED = {"cache": True, "nogil": True}
THREADED_NUMPY = {"cache": True, "nogil": True, "error_model": "numpy"}
THREADED_SUMS = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"reassoc"}}
