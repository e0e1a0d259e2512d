"""A trained network on crossbars: every matrix layer on its own arrays, accuracy on a dataset.

Three passes over the same samples: float (the trained network), quantised digital (each layer's
operands quantised as the arrays see them, products exact) and analog (the crossbars). With labels, the
accuracies are top-1 against them; without (a model with no labelled data, e.g. a random-initialised ResNet),
against the float model's own top-1 (argmax over the last output axis): its agreement with the float model.
The network's outputs are also compared with the float outputs as a whole (``vs_float``: relative error, SNR). Each matrix layer
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
    labelled: bool = True
    """accuracies against labels; False: top-1 agreement with the float model (float_accuracy is then 1)"""
    vs_float: ErrorStats = ErrorStats()
    """the analog network's outputs against the float network's"""
    digital_vs_float: ErrorStats = ErrorStats()
    """the quantised digital network's outputs against the float network's"""
    network: Network | None = None
    """the network run (its digital layers are priced on the chip's vector unit)"""


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


def simulate_network(config: Config, progress: Callable[[int], None] | None = None, trial: int = 0, *,
                     network: Network | None = None, inputs=None, labels=None) -> NetworkResult:
    """Run a network on crossbars: float, quantised digital and analog accuracy (module doc).

    ``network``, ``inputs`` (n, *input_shape) and ``labels`` (n,) may be given in memory; left out, they come
    from the config (``workload.network_file``, its dataset). Inputs without labels: agreement with float.
    """
    start = time.perf_counter()
    if inputs is None:
        if labels is not None:
            raise ValueError("labels were given without inputs")
        if network is None:
            network, x, labels = load_workload_network(config)
        else:
            x, labels = load_dataset(config, network.input_shape)
    else:
        network = load_workload_network(config)[0] if network is None else network
        x = network._checked_input(inputs)
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (len(x),) or labels.dtype.kind not in "iu":
                raise ValueError(f"labels must be ({len(x)},) integers, one per input; got shape {labels.shape}, "
                                 f"dtype {labels.dtype}")
    if labels is not None and len(network.output_shape) != 1:
        raise ValueError(f"labels need (classes,) outputs per sample; the network gives {network.output_shape}")
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
    vs_float, digital_vs_float = ErrorStats(), ErrorStats()
    chunk, n = config.simulation.batch_size, len(x)
    for first in range(0, n, chunk):
        xs = x[first:first + chunk]
        outputs = [network.forward(xs, matmul) for matmul in (None, digital, analog)]
        ys = outputs[0].argmax(axis=-1) if labels is None else labels[first:first + chunk]
        for k, out in enumerate(outputs):
            correct[k] += int((out.argmax(axis=-1) == ys).sum())
        digital_vs_float = digital_vs_float.add(outputs[1], outputs[0])
        vs_float = vs_float.add(outputs[2], outputs[0])
        if progress is not None:
            progress(len(xs))
    per_sample = int(np.prod(network.output_shape[:-1]))  # argmax positions per sample (tokens of a sequence)
    layers = tuple(LayerResult(k, xb.plan, xb.counts, xb.programming_counts, xb.adc, xb.adc_clipped, stats[k])
                   for k, xb in enumerate(xbars))
    return NetworkResult(config, n, *(float(c) / (n * per_sample) for c in correct), layers,
                         int(np.prod(network.input_shape)), int(np.prod(network.output_shape)),
                         time.perf_counter() - start, labels is not None, vs_float, digital_vs_float, network)
