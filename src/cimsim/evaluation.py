"""Samples of a network evaluation run through crossbars, chunk by chunk: the unit of work of one process.

:func:`evaluate` builds and programs the network's crossbars (random streams ``key = (trial, layer)``) and runs
a contiguous range of samples in chunks of ``simulation.batch_size``, three passes each (float, quantised
digital, analog). It returns one :class:`ChunkResult` per chunk, which :func:`cimsim.inference.simulate_network`
folds in sample order. Every random draw is keyed by position, never by process: programming by the key, read
noise by the number of the vector read (:meth:`Crossbar.seek` starts a range where one process would be), and a
calibrated ADC on the first ``adc.calibration_vectors`` rows of the first chunk of the whole run (a range that
does not start there runs that chunk first, untimed and uncounted). So any split of the samples over processes
gives results identical to one process. A matrix shared by several places of the network (weight sharing) has a
crossbar per place, all programmed from the same key (the same device draws: one programmed matrix) but each with
its own read-noise streams and its own calibrated ADC; its events are summed over its places, and it is programmed
(counted) once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .argcheck import checked_types
from .accuracy import ErrorStats
from .config.schema import Config
from .counts import Counts
from .mapping import Plan
from .network import Network
from .numerics import AdcSetting, build_crossbar
from .numerics.threads import one_blas_thread

__all__ = ["ChunkResult", "RangeResult", "evaluate", "has_classes"]


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


@checked_types
def evaluate(config: Config, network: Network, x: np.ndarray, labels: np.ndarray | None, first_sample: int,
             trial: int, first_chunk: np.ndarray | None = None,
             progress: Callable[[int], None] | None = None) -> RangeResult:
    """Samples ``x`` (the run's samples from ``first_sample`` on) in chunks; ``labels`` None: agreement with
    the float network. ``first_chunk``: the run's first chunk of samples, needed when the ADC is calibrated and
    ``first_sample`` > 0."""
    shapes = network.matrix_shapes()
    places = [_programmed(config, layer, shape, trial) for shape, layer in zip(shapes, network.matrix_layers())]
    reads = [0] * len(places)  # matmul calls per matrix: the place a call reads is the count modulo the places
    stats = [ErrorStats() for _ in places]

    def analog(index: int, layer, rows: np.ndarray) -> np.ndarray:
        xbar = places[index][reads[index] % len(places[index])]
        reads[index] += 1
        if xbar.adc is None:
            xbar.calibrate(rows[: config.adc.calibration_vectors])
        y = xbar.mvm(rows)
        stats[index] = stats[index].add(y, xbar.digital_reference(rows))
        return y

    def digital(index: int, layer, rows: np.ndarray) -> np.ndarray:
        return places[index][0].digital_reference(rows)

    with one_blas_thread():  # BLAS splits its products by thread count, and so may round them differently
        if first_sample and any(xb.adc is None for xbars in places for xb in xbars):
            if first_chunk is None:
                raise ValueError("a calibrated ADC needs the run's first chunk to calibrate a later range of "
                                 "samples")
            network.forward(first_chunk, analog)  # calibrates every layer as one process does
        for xbars, shape in zip(places, shapes):
            for xb, rows in zip(xbars, shape.rows_per_use):
                xb.seek(first_sample * rows)
                xb.reset_counts()
        chunks, size = [], config.simulation.batch_size
        for start in range(0, len(x), size):
            xs = x[start:start + size]
            stats[:] = [ErrorStats() for _ in places]  # this chunk's (the analog hook adds to this list)
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is an error below, not a warning here
                outputs = [network.forward(xs, matmul) for matmul in (None, digital, analog)]
            if not np.isfinite(outputs[0]).all():
                raise ValueError("the network's float outputs hold NaN or infinite values for finite inputs: layers "
                                 "after its last matrix product make them (e.g. sqrt or log of a negative value, or an "
                                 "overflow)")
            correct = (0, 0, 0)
            if has_classes(network.output_shape):
                ys = outputs[0].argmax(axis=-1) if labels is None else labels[start:start + size]
                correct = tuple(int((out.argmax(axis=-1) == ys).sum()) for out in outputs)
            chunks.append(ChunkResult(len(xs), correct, ErrorStats().add(outputs[2], outputs[0]),
                                      ErrorStats().add(outputs[1], outputs[0]),
                                      tuple(Counts.total(xb.counts for xb in xbars) for xbars in places),
                                      tuple(sum(xb.adc_clipped for xb in xbars) for xbars in places), tuple(stats)))
            for xbars in places:
                for xb in xbars:
                    xb.reset_counts()
            if progress is not None:
                progress(len(xs))
    return RangeResult(tuple(chunks), tuple(xbars[0].plan for xbars in places),
                       tuple(xbars[0].programming_counts for xbars in places), tuple(xbars[0].adc for xbars in places))


def has_classes(output_shape: tuple[int, ...]) -> bool:
    """whether outputs of this per-sample shape have a top-1: a last axis of two or more values (a regression, one
    value per output position, has none)"""
    return bool(output_shape) and output_shape[-1] > 1


def _programmed(config: Config, layer, shape, trial: int) -> list:
    """A programmed crossbar per place the matrix is read (module doc): the first keyed (trial, index) as an
    unshared layer's, the others reading with their own noise streams, (trial, index, 0, place)"""
    key = (trial, shape.index)
    xbars = []
    for place in range(len(shape.rows_per_use)):
        xbar = build_crossbar(config, shape.in_features, shape.out_features, key=key,
                              read_key=(*key, 0, place) if place else key)
        xbar.program(layer.matrix)
        xbars.append(xbar)
    return xbars
