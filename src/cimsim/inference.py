"""A trained network on crossbars: every matrix layer on its own arrays, accuracy on a labelled dataset.

Three passes over the same samples: float (the trained network), quantised digital (each layer's
operands quantised as the arrays see them, products exact) and analog (the crossbars). Each matrix layer
gets its crossbars (:func:`~cimsim.numerics.build_crossbar`) with random streams ``key = (trial, layer)``; with
``adc.range = "calibrated"`` each layer calibrates on the first ``adc.calibration_vectors`` input vectors it
sees in the analog pass. Samples go through in chunks of ``simulation.batch_size``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .accuracy import ErrorStats
from .config.schema import Config
from .counts import Counts
from .errors import ConfigError
from .mapping import Plan
from .network import Network, load_dataset, load_network
from .numerics import AdcSetting, build_crossbar

__all__ = ["LayerResult", "NetworkResult", "simulate_network", "load_workload_network"]


@dataclass(frozen=True)
class LayerResult:
    """What one matrix layer's crossbars did in the analog pass."""

    index: int
    plan: Plan
    counts: Counts
    programming_counts: Counts
    adc: AdcSetting
    adc_clipped: int
    vs_digital: ErrorStats
    """the layer's analog products against the exact products of its quantised operands (same inputs)"""


@dataclass(frozen=True)
class NetworkResult:
    config: Config
    samples: int
    float_accuracy: float
    digital_accuracy: float
    """with every layer's operands quantised and exact products"""
    analog_accuracy: float
    layers: tuple[LayerResult, ...]
    input_elements: int
    """values per sample entering the network"""
    output_elements: int
    """values per sample leaving the network"""
    wall_s: float


def load_workload_network(config: Config) -> tuple[Network, np.ndarray, np.ndarray]:
    """The config's network and its dataset (inputs shaped for the network, integer labels)."""
    path = config.workload.network_file
    try:
        network = load_network(path)
    except (ValueError, OSError, ImportError) as exc:
        raise ConfigError(config.source, [("workload.network_file",
                                           f"'workload.network_file': cannot load {path}: {exc}")]) from None
    x, y = load_dataset(config, network.input_shape)
    return network, x, y


def simulate_network(config: Config, progress: Callable[[int], None] | None = None,
                     trial: int = 0) -> NetworkResult:
    """Classify the config's dataset with its network: float, quantised digital and analog accuracy."""
    start = time.perf_counter()
    network, x, labels = load_workload_network(config)
    xbars = []
    for shape, layer in zip(network.matrix_shapes(), network.matrix_layers()):
        xbar = build_crossbar(config, shape.in_features, shape.out_features, key=(trial, shape.index))
        xbar.program(layer.matrix)
        xbars.append(xbar)
    stats = [ErrorStats() for _ in xbars]

    def analog(index: int, layer, rows: np.ndarray) -> np.ndarray:
        xbar = xbars[index]
        if xbar.adc is None:
            xbar.calibrate(rows[: config.adc.calibration_vectors])
        y = xbar.mvm(rows)
        stats[index] = stats[index].add(y, xbar.digital_reference(rows))
        return y

    def digital(index: int, layer, rows: np.ndarray) -> np.ndarray:
        return xbars[index].digital_reference(rows)

    correct = np.zeros(3, dtype=np.int64)
    chunk = config.simulation.batch_size
    for first in range(0, len(labels), chunk):
        xs, ys = x[first:first + chunk], labels[first:first + chunk]
        for k, matmul in enumerate((None, digital, analog)):
            correct[k] += int((network.predict(xs, matmul) == ys).sum())
        if progress is not None:
            progress(len(ys))
    n = len(labels)
    layers = tuple(LayerResult(k, xb.plan, xb.counts, xb.programming_counts, xb.adc, xb.adc_clipped, stats[k])
                   for k, xb in enumerate(xbars))
    return NetworkResult(config, n, *(float(c) / n for c in correct), layers, int(np.prod(network.input_shape)),
                         int(np.prod(network.output_shape)), time.perf_counter() - start)
