"""Samples of a network evaluation run through crossbars, chunk by chunk: the unit of work of one process.

:func:`evaluate` builds and programs the network's crossbars (random streams ``key = (trial, layer)``) and runs
a contiguous range of samples in chunks of ``simulation.batch_size``, three passes each (float, quantised
digital, analog). It returns one :class:`ChunkResult` per chunk, which :func:`cimsim.inference.simulate_network`
folds in sample order. Every random draw is keyed by position, never by process: programming by the key, read
noise by the number of the vector read (:meth:`Crossbar.seek` starts a range where one process would be), and a
calibrated ADC on the first ``adc.calibration_vectors`` rows of the first chunk of the whole run (a range that
does not start there runs that chunk first, untimed and uncounted). So any split of the samples over processes
gives results identical to one process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .accuracy import ErrorStats
from .config.schema import Config
from .counts import Counts
from .mapping import Plan
from .network import Network
from .numerics import AdcSetting, build_crossbar

__all__ = ["ChunkResult", "RangeResult", "evaluate"]


@dataclass(frozen=True)
class ChunkResult:
    """One chunk of samples: correct top-1 answers (float, digital, analog), output errors, per-layer events."""

    samples: int
    correct: tuple[int, int, int]
    vs_float: ErrorStats
    digital_vs_float: ErrorStats
    layer_counts: tuple[Counts, ...]
    layer_clipped: tuple[int, ...]
    layer_vs_digital: tuple[ErrorStats, ...]


@dataclass(frozen=True)
class RangeResult:
    """A range of samples: its chunks in order, and what every range shares (plans, ADC settings)."""

    chunks: tuple[ChunkResult, ...]
    plans: tuple[Plan, ...]
    programming_counts: tuple[Counts, ...]
    adcs: tuple[AdcSetting, ...]


def evaluate(config: Config, network: Network, x: np.ndarray, labels: np.ndarray | None, first_sample: int,
             trial: int, first_chunk: np.ndarray | None = None,
             progress: Callable[[int], None] | None = None) -> RangeResult:
    """Samples ``x`` (the run's samples from ``first_sample`` on) in chunks; ``labels`` None: agreement with
    the float network. ``first_chunk``: the run's first chunk of samples, needed when the ADC is calibrated and
    ``first_sample`` > 0."""
    shapes = network.matrix_shapes()
    xbars = []
    for shape, layer in zip(shapes, network.matrix_layers()):
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

    if first_sample and any(xb.adc is None for xb in xbars):
        if first_chunk is None:
            raise ValueError("a calibrated ADC needs the run's first chunk to calibrate a later range of samples")
        network.forward(first_chunk, analog)  # calibrates every layer as one process does
    for xb, shape in zip(xbars, shapes):
        xb.seek(first_sample * shape.rows_per_sample)
        xb.reset_counts()
    chunks, size = [], config.simulation.batch_size
    for start in range(0, len(x), size):
        xs = x[start:start + size]
        stats[:] = [ErrorStats() for _ in xbars]  # this chunk's (the analog hook adds to this list)
        outputs = [network.forward(xs, matmul) for matmul in (None, digital, analog)]
        ys = outputs[0].argmax(axis=-1) if labels is None else labels[start:start + size]
        correct = tuple(int((out.argmax(axis=-1) == ys).sum()) for out in outputs)
        chunks.append(ChunkResult(len(xs), correct, ErrorStats().add(outputs[2], outputs[0]),
                                  ErrorStats().add(outputs[1], outputs[0]), tuple(xb.counts for xb in xbars),
                                  tuple(xb.adc_clipped for xb in xbars), tuple(stats)))
        for xb in xbars:
            xb.reset_counts()
        if progress is not None:
            progress(len(xs))
    return RangeResult(tuple(chunks), tuple(xb.plan for xb in xbars), tuple(xb.programming_counts for xb in xbars),
                       tuple(xb.adc for xb in xbars))
