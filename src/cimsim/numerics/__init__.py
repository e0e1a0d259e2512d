"""Functional core: quantisation, encoding onto cells, analog products, ADC and shift-add (numba + BLAS)."""

from .crossbar import USABLE_CORES, AdcSetting, Crossbar, set_worker_threads
from .encoding import quantize_inputs, quantize_weights, weight_levels
from .replicated import ReplicatedCrossbar, build_crossbar

__all__ = ["AdcSetting", "Crossbar", "USABLE_CORES", "set_worker_threads", "ReplicatedCrossbar", "build_crossbar",
           "quantize_inputs",
           "quantize_weights", "weight_levels"]
