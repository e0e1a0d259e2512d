"""Functional core: quantisation, encoding onto cells, analog products, ADC and shift-add (numba + BLAS)."""

import os as _os
import sys as _sys


def _numba_threads_readable(text: str) -> bool:
    """whether numba's import takes NUMBA_NUM_THREADS = ``text``: a whole number (as int() reads it) of at least 1"""
    try:
        return int(text) >= 1
    except ValueError:
        return False


if "numba" not in _sys.modules and not _numba_threads_readable(_os.environ.get("NUMBA_NUM_THREADS", "1")):
    from ..errors import ConfigError  # a setting of the run's, as a config's (the CLI's exit 2: bad usage)

    raise ConfigError("the environment", [("NUMBA_NUM_THREADS", (
        f"NUMBA_NUM_THREADS={_os.environ['NUMBA_NUM_THREADS']!r} must be a whole number of "
        "at least 1 for numba to import (0 stops it, other text prints its traceback); cimsim's worker threads "
        "follow the usable cores, not this variable: unset it"))])

from .converters import AdcSetting
from .crossbar import Crossbar
from .encoding import quantize_inputs, quantize_weights, weight_levels
from .replicated import ReplicatedCrossbar, build_crossbar
from .threads import USABLE_CORES, set_worker_threads

__all__ = ["AdcSetting", "Crossbar", "USABLE_CORES", "set_worker_threads", "ReplicatedCrossbar", "build_crossbar",
           "quantize_inputs",
           "quantize_weights", "weight_levels"]
