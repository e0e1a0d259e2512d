"""Functional core: quantisation, encoding onto cells, analog products, ADC and shift-add (numba + BLAS)."""

import os as _os

_NUMBA_THREADS = _os.environ.get("NUMBA_NUM_THREADS", "1")
if not (_NUMBA_THREADS.strip().isascii() and _NUMBA_THREADS.strip().isdigit() and int(_NUMBA_THREADS) >= 1):
    raise ValueError(f"the environment variable NUMBA_NUM_THREADS={_NUMBA_THREADS!r} must be a "
                     "whole number of at least 1 (numba's thread pool; cimsim runs one worker thread per usable core "
                     "whatever it says: unset it)")  # before numba reads it: 0 stops its import, 'abc' a traceback

from .converters import AdcSetting
from .crossbar import Crossbar
from .encoding import quantize_inputs, quantize_weights, weight_levels
from .replicated import ReplicatedCrossbar, build_crossbar
from .threads import USABLE_CORES, set_worker_threads

__all__ = ["AdcSetting", "Crossbar", "USABLE_CORES", "set_worker_threads", "ReplicatedCrossbar", "build_crossbar",
           "quantize_inputs",
           "quantize_weights", "weight_levels"]
