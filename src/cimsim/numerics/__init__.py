"""Functional core: quantisation, encoding onto cells, analog products, ADC and shift-add (numba + BLAS)."""

from .converters import AdcSetting
from .crossbar import Crossbar
from .encoding import quantize_inputs, quantize_weights, weight_levels
from .replicated import ReplicatedCrossbar, build_crossbar
from .threads import USABLE_CORES, set_worker_threads

__all__ = ["AdcSetting", "Crossbar", "USABLE_CORES", "set_worker_threads", "ReplicatedCrossbar", "build_crossbar",
           "quantize_inputs",
           "quantize_weights", "weight_levels"]
