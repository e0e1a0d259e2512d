"""Samples of a network evaluation run through crossbars, chunk by chunk: the unit of work of one process.

:func:`evaluate` builds and programs the network's crossbars (random streams ``key = (trial, layer)``) and runs
a contiguous range of samples in chunks of ``simulation.batch_size``, three passes each (float, quantised
digital, analog). It returns one :class:`ChunkResult` per chunk, which :func:`cimsim.inference.simulate_network`
folds in sample order. Every random draw is keyed by position, never by process: programming by the key, read
noise by the number of the vector read (:meth:`Crossbar.seek` starts a range where one process would be), and a
calibrated ADC on the first ``adc.calibration_vectors`` rows each layer sees of the run's first
``adc.calibration_vectors`` samples (a range that does not start there, or whose first chunk is smaller, runs those
samples first, untimed and uncounted). So any split of the samples over processes or chunks gives results identical
to one process; the energy sums of the counts too: each crossbar's per-input sums of the range (integer codes: exact
whatever the chunks) come with the range, to be weighed once for the whole run
(:class:`~cimsim.numerics.cell_energy.CellEnergy`). A matrix
shared by several places of the network (weight sharing) has a crossbar per place, all programmed from the same key
(the same device draws: one programmed matrix) but each with its own read-noise streams and its own calibrated ADC;
its events are summed over its places, and it is programmed (counted) once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .argcheck import checked_types
from .accuracy import ErrorStats
from .config.schema import Config
from .counts import Counts
from .mapping import Plan
from .network import Affine, Dense, Elementwise, MatrixLayer, Network, Reshape, Slice, Softmax, Unary
from .numerics import AdcSetting, ReplicatedCrossbar, build_crossbar
from .numerics.grouped import GroupedCrossbar
from .numerics.replicated import spanning_adc
from .numerics.cell_energy import CellEnergy
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
    """the events of each layer's reads, less the data-dependent energy sums (``array_gv2t_fj``, ``cell_activity``
    0 here: their rounding would follow the chunks), which :attr:`RangeResult.layer_sums` carries"""
    layer_clipped: tuple[int, ...]
    layer_vs_digital: tuple[ErrorStats, ...]


@dataclass(frozen=True)
class RangeResult:
    """A range of samples: its chunks in order, and what every range shares (plans, ADC settings)."""

    chunks: tuple[ChunkResult, ...]
    plans: tuple[Plan, ...]
    programming_counts: tuple[Counts, ...]
    adcs: tuple[AdcSetting, ...]
    """per layer, its converters: every crossbar's (:func:`~cimsim.numerics.replicated.spanning_adc`), so a
    report's range covers them all"""
    layer_sums: tuple[tuple[np.ndarray, ...], ...]
    """per layer, per crossbar read (its places in order, each place's copies), its per-input sums over the range's
    reads (2 x in: squared codes, V**2 t terms), summed in sample order"""
    layer_energy: tuple[tuple["CellEnergy", ...], ...]
    """per layer, what each of those crossbars weighs its sums by"""


def _leaves(xbars) -> list:
    """the Crossbars of a layer's places, in order (each place's packed blocks, each one's copies)"""
    blocks = [block for xb in xbars for block in (xb.blocks if isinstance(xb, GroupedCrossbar) else [xb])]
    return [leaf for xb in blocks for leaf in (xb.copies if isinstance(xb, ReplicatedCrossbar) else [xb])]


@checked_types
def evaluate(config: Config, network: Network, x: np.ndarray, labels: np.ndarray | None, first_sample: int,
             trial: int, calibration_samples: np.ndarray | None = None,
             progress: Callable[[int], None] | None = None) -> RangeResult:
    """Samples ``x`` (the run's samples from ``first_sample`` on) in chunks; ``labels`` None: agreement with
    the float network. ``calibration_samples``: the run's first ``adc.calibration_vectors`` samples, which a
    calibrated ADC needs unless ``x`` holds them in its first chunk (default: ``x``'s own, for a whole run)."""
    shapes = network.matrix_shapes()
    places = [_programmed(config, layer, shape, trial) for shape, layer in zip(shapes, network.matrix_layers())]
    reads = [0] * len(places)  # matmul calls per matrix: the place a call reads is the count modulo the places
    stats = [ErrorStats() for _ in places]
    calibration = _Calibration(config.adc.calibration_vectors)

    def analog(index: int, layer, rows: np.ndarray) -> np.ndarray:
        xbar = places[index][reads[index] % len(places[index])]
        reads[index] += 1
        if xbar.adc is None:
            calibration.calibrate(xbar, rows)
        y = xbar.mvm(rows)
        stats[index] = stats[index].add(y, xbar.digital_reference(rows))
        return y

    def digital(index: int, layer, rows: np.ndarray) -> np.ndarray:
        return places[index][0].digital_reference(rows)

    with one_blas_thread():  # BLAS splits its products by thread count, and so may round them differently
        size = config.simulation.batch_size
        if any(xb.adc is None for xbars in places for xb in xbars):
            if calibration_samples is None and first_sample:
                raise ValueError("a calibrated ADC needs the run's first samples to calibrate a later range")
            samples = x[:config.adc.calibration_vectors] if calibration_samples is None else calibration_samples
            if first_sample or size < len(samples):  # the range's first chunk does not hold them all
                calibration.run(network, samples, size, analog, places, reads)
        for xbars, shape in zip(places, shapes):
            for xb, rows in zip(xbars, shape.rows_per_use):
                xb.seek(first_sample * rows)
                xb.reset_counts()
        chunks, leaves, classes = [], [_leaves(xbars) for xbars in places], has_classes(network)
        sums = [[np.zeros((2, leaf.plan.in_features)) for leaf in layer] for layer in leaves]
        for start in range(0, len(x), size):
            xs = x[start:start + size]
            stats[:] = [ErrorStats() for _ in places]  # this chunk's (the analog hook adds to this list)
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is an error below, not a warning here
                outputs = [network.forward(xs, matmul) for matmul in (None, digital, analog)]
            _check_finite(outputs, first_sample + start, trial)
            correct = (0, 0, 0)
            if classes:
                ys = outputs[0].argmax(axis=-1) if labels is None else labels[start:start + size]
                correct = tuple(int((out.argmax(axis=-1) == ys).sum()) for out in outputs)
            chunks.append(ChunkResult(len(xs), correct, ErrorStats().add(outputs[2], outputs[0]),
                                      ErrorStats().add(outputs[1], outputs[0]), *_taken_events(places, leaves, sums),
                                      tuple(stats)))
            if progress is not None:
                progress(len(xs))
    return RangeResult(tuple(chunks), tuple(xbars[0].plan for xbars in places),
                       tuple(xbars[0].programming_counts for xbars in places), tuple(map(spanning_adc, leaves)),
                       tuple(map(tuple, sums)), tuple(tuple(CellEnergy.of(leaf) for leaf in layer) for layer in leaves))


def _check_finite(outputs: list[np.ndarray], first: int, trial: int) -> None:
    """a ValueError naming the pass, the first sample and the trial where a pass's outputs (float, digital, analog)
    hold NaN or infinite values for finite inputs (the analog pass's had been refused by its error statistics,
    naming nothing)"""
    for k, (name, out) in enumerate(zip(("float", "digital (quantised)", "analog"), outputs)):
        bad = ~np.isfinite(out.reshape(len(out), -1)).all(axis=1)
        if not bad.any():
            continue
        where = f"sample {first + int(np.argmax(bad))}" + (f", trial {trial}" if k == 2 else "")
        if k == 0:
            raise ValueError(f"the network's float outputs hold NaN or infinite values for finite inputs ({where}): "
                             "layers after its last matrix product make them (e.g. sqrt or log of a negative, "
                             "overflow)")
        raise ValueError(f"the network's {name} outputs hold NaN or infinite values ({where}) where its float "
                         f"outputs are finite: layers after its matrix products turn the "
                         f"{'quantisation' if k == 1 else 'analog'} error into them (e.g. sqrt or log of a value "
                         "pushed below 0, exp pushed past float64's range)")


def _taken_events(places, leaves, sums) -> tuple[tuple[Counts, ...], tuple[int, ...]]:
    """(per layer its events less the energy sums, its clipped conversions) since the last call, each crossbar's
    per-input sums added into ``sums`` (per layer, per crossbar of ``leaves``); every crossbar's counts reset."""
    for layer, layer_sums in zip(leaves, sums):
        for leaf, total in zip(layer, layer_sums):
            total += leaf.input_sums
    events = tuple(replace(Counts.total(xb.counts for xb in xbars), array_gv2t_fj=0.0, cell_activity=0.0)
                   for xbars in places)
    clipped = tuple(sum(xb.adc_clipped for xb in xbars) for xbars in places)
    for xbars in places:
        for xb in xbars:
            xb.reset_counts()
    return events, clipped


class _Partial(Exception):
    """A layer has fewer calibration rows than it needs: the rest of this chunk's forward pass is not needed."""


class _Restart(Exception):
    """A layer calibrated on rows of several chunks: the layers after it missed those chunks, so start again."""


class _Calibration:
    """Each crossbar's ADC calibrated on the first ``vectors`` rows it reads of the run's first samples, whatever
    the chunks they come in (a layer reads a sample's rows in sample order: the rows of one chunk holding the
    samples, or those of several chunks, joined)."""

    def __init__(self, vectors: int):
        self.vectors, self.last_chunk, self.rows = vectors, True, {}  # crossbar id -> the rows read so far

    def calibrate(self, xbar, rows: np.ndarray) -> None:
        """Calibrate ``xbar`` on its rows so far and ``rows``, or raise :class:`_Partial` while more may come."""
        held = [*self.rows.pop(id(xbar), []), rows]
        if sum(map(len, held)) < self.vectors and not self.last_chunk:
            self.rows[id(xbar)] = held
            raise _Partial
        xbar.calibrate(np.concatenate(held)[:self.vectors])
        if len(held) > 1:
            raise _Restart

    def run(self, network: Network, samples: np.ndarray, size: int, analog, places, reads) -> None:
        """Calibrate every crossbar on ``samples`` in chunks of ``size``, each read from vector 0 as in the run."""
        while True:
            for xbars in places:
                for xb in xbars:
                    xb.seek(0)
            reads[:] = [0] * len(reads)
            try:
                for start in range(0, len(samples), size):
                    self.last_chunk = start + size >= len(samples)
                    try:
                        network.forward(samples[start:start + size], analog)
                    except _Partial:
                        reads[:] = [0] * len(reads)  # the pass stopped part way: the next chunk starts anew
                    if all(xb.adc is not None for xbars in places for xb in xbars):
                        break
            except _Restart:
                continue
            self.last_chunk = True
            return


def has_classes(network: Network) -> bool:
    """whether the network's outputs have a top-1 over their last axis: two or more values there, and either one
    axis (a classifier's (classes,)) or a last axis a Dense head writes (:func:`_head`, with that many outputs: an
    LM head's (sequence, vocab)); a regression (one value per output position) or a
    conv's channel-first map (C, H, W), whose last axis is a width, has none"""
    shape = network.output_shape
    if not shape or shape[-1] < 2:
        return False
    return len(shape) == 1 or isinstance(head := _head(network), Dense) and head.matrix_shape[0] == shape[-1]


_RISING = frozenset({"tanh", "sigmoid", "exp", "log", "erf", "softplus", "sqrt"})
"""unary functions that rise strictly: applied to logits they keep which is largest"""


def _head(network: Network) -> MatrixLayer | None:
    """the matrix layer that writes the network's output, through layers that keep its last axis's values apart
    and in order (a softmax along it, a slice, a reshape, a rising function, a positive scale and a shift the same along
    that axis: a temperature, a soft-cap; a value the same along it added or subtracted: log_softmax's); None
    where another layer mixes them first (a residual add, a norm: an encoder's hidden states are no classes)"""
    needed, shapes = {len(network.layers)}, network.shapes()  # value numbers (value k + 1: layer k's output)
    for k in range(len(network.layers) - 1, -1, -1):
        if k + 1 in needed:
            layer, inputs = network.layers[k], network.inputs[k]
            if isinstance(layer, MatrixLayer):
                return layer
            if isinstance(layer, Elementwise) and layer.op in ("add", "sub") and len(inputs) == 2:
                per_row = [shapes[i][-1:] == (1,) for i in inputs]  # one value along the last axis, broadcast
                inputs = inputs[:1] if per_row[1] and not per_row[0] else (
                    inputs[1:] if per_row[0] and not per_row[1] and layer.op == "add" else None)
            elif not (isinstance(layer, (Slice, Reshape)) or _keeps_order(layer) or isinstance(layer, Softmax)
                      and layer.axis % len(shapes[inputs[0]]) == len(shapes[inputs[0]]) - 1):  # along the classes
                inputs = None
            if inputs is None:
                return None
            needed.update(inputs)
    return None


def _keeps_order(layer) -> bool:
    """whether a digital layer keeps the order of the values along the last axis: a rising function, or a positive
    scalar scale and a shift the same along that axis"""
    if isinstance(layer, Unary):
        return layer.function in _RISING
    return isinstance(layer, Affine) and (layer.scale is None or np.size(layer.scale) == 1 and
                                          float(np.ravel(layer.scale)[0]) > 0) and (
        layer.shift is None or np.shape(layer.shift)[-1:] in ((), (1,)))


def _programmed(config: Config, layer, shape, trial: int) -> list:
    """A programmed crossbar per place the matrix is read (module doc): the first keyed (trial, index) as an
    unshared layer's, the others reading with their own noise streams, (trial, index, 0, place)"""
    key = (trial, shape.index)
    xbars = []
    for place in range(len(shape.rows_per_use)):
        read_key = (*key, 0, place) if place else key
        xbar = (build_crossbar(config, shape.in_features, shape.out_features, key=key, read_key=read_key)
                if shape.groups == 1 else
                GroupedCrossbar(config, shape.in_features, shape.out_features, shape.groups, key=key,
                                read_key=read_key))
        xbar.program(layer.matrix)
        xbars.append(xbar)
    return xbars
