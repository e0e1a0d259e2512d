"""A trained network on crossbars: every matrix layer on its own arrays, accuracy on a dataset.

Three passes over the same samples (:mod:`cimsim.evaluation`): float (the trained network), quantised digital (each
layer's operands quantised as the arrays see them, products exact) and analog (the crossbars). With labels, the
accuracies are top-1 against them; without (a model with no labelled data, e.g. a random-initialised ResNet),
against the float model's own top-1 (argmax over the last output axis): its agreement with the float model. The last
axis holds classes when the outputs have one axis (a classifier's (classes,)) or a Dense head writes it (the last
matrix layer the outputs depend on: an LM head's (sequence, vocab)); a network with one value per output position (a
regression: no output axis, or a last axis of one) or a conv's channel-first map (a denoiser's (C, H, W)) has no
top-1 (:func:`~cimsim.evaluation.has_classes`): its accuracies are NaN. The network's outputs are also compared with
the float outputs as a whole (``vs_float``: relative error, SNR). Each matrix layer gets its crossbars
(:func:`~cimsim.numerics.build_crossbar`) with random streams ``key = (trial, layer)``; with ``adc.range =
"calibrated"`` each layer calibrates on the first ``adc.calibration_vectors`` input vectors it sees in the analog
pass of the run's first ``adc.calibration_vectors`` samples, whatever the chunks. Samples go through in chunks of
``simulation.batch_size``.
"""

from __future__ import annotations

import math
import multiprocessing
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from .argcheck import checked_types
from .accuracy import ErrorStats
from .config.modes import Dataset, SignedInputs, WorkloadKind
from .config.schema import Config
from .counts import Counts
from .errors import ConfigError
from .mapping import Plan
from .models.from_network import sample_rows
from .evaluation import RangeResult, evaluate, has_classes
from .network import MatrixShape, Network, load_dataset, load_network
from .numerics import USABLE_CORES, AdcSetting
from .numerics.checks import as_array, run_arguments
from .numerics.threads import one_blas_thread
from .preflight import check_float_range, check_labels, check_network
from .run import NanEqualResult, ShortRepr, input_clipped_fraction

__all__ = ["LayerResult", "NetworkResult", "simulate_network", "load_workload_network", "config_network",
           "config_dataset", "shape_notes"]


@dataclass(frozen=True)
class LayerResult:
    """What one matrix layer's crossbars did in the analog pass."""

    index: int
    plan: Plan
    counts: Counts
    programming_counts: Counts
    adc: AdcSetting
    """the layer's converters; for a matrix read at several places, replicated or packed in blocks, every crossbar's
    (each calibrated apart), ``lsb`` stacked (crossbar, row tile, column), or flat where they differ in shape"""
    adc_clipped: int
    vs_digital: ErrorStats
    """the layer's analog products against the exact products of its quantised operands (same inputs)"""

    @property
    def input_clipped_fraction(self) -> float:
        """share of the input values this layer read in the analog pass that lay beyond 'dac.input_max' and saturated
        (0 with per-vector ranges)"""
        return input_clipped_fraction([(self.counts, self.plan)])


@dataclass(frozen=True, eq=False, repr=False)
class NetworkResult(NanEqualResult, ShortRepr):
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
    wall_s: float = field(compare=False)
    """seconds the run took (not compared: equal results of two runs differ in it)"""
    labelled: bool = True
    """accuracies against labels; False: top-1 agreement with the float model (float_accuracy is then 1)"""
    vs_float: ErrorStats = ErrorStats()
    """the analog network's outputs against the float network's"""
    digital_vs_float: ErrorStats = ErrorStats()
    """the quantised digital network's outputs against the float network's"""
    network: Network | None = field(default=None, compare=False)
    """the network run (its digital layers are priced on the chip's vector unit; not compared: a Network compares by
    identity, so a copied result would never equal its original)"""
    inputs_given: bool = False
    """the samples were given in memory, not read from the config's dataset"""
    network_given: bool = False
    """the network was given in memory, not read from the config's workload.network_file"""
    item: ClassVar[str] = "inference"
    """what one workload item is (shared with RunResult: the interface reports use)"""

    @property
    def headline(self) -> str:
        """the accuracy in a few words (a network with no classes: its outputs' relative error)"""
        said = "" if self.labelled else " agreement"  # (no labels: top-1 agreement with the float network)
        return (f"outputs {self.vs_float.relative_error:.3g} relative error" if math.isnan(self.analog_accuracy) else
                f"{100 * self.analog_accuracy:.2f} %{said} (digital {100 * self.digital_accuracy:.2f} %)")

    def metrics(self) -> dict[str, float]:
        """the accuracy figures of this trial, by name: top-1 accuracies (NaN without classes) and the analog
        outputs' error against the float network's (relative error, SNR in dB)"""
        return {"float_accuracy": self.float_accuracy, "digital_accuracy": self.digital_accuracy,
                "analog_accuracy": self.analog_accuracy, "outputs_relative_error": self.vs_float.relative_error,
                "outputs_snr_db": self.vs_float.snr_db}

    def varying(self) -> dict[str, bool]:
        """the metrics that vary between Monte Carlo trials -> whether higher is better (the analog accuracy, which
        a network without classes lacks, and its outputs' error, which every network has)"""
        return {"analog_accuracy": True, "outputs_relative_error": False, "outputs_snr_db": True}

    @property
    def counts(self) -> Counts:
        """the events of every matrix layer's products, summed (shared with RunResult)"""
        return Counts.total(layer.counts for layer in self.layers)

    @property
    def programming_counts(self) -> Counts:
        """the events of programming every matrix layer, summed (shared with RunResult)"""
        return Counts.total(layer.programming_counts for layer in self.layers)

    @property
    def input_clipped_fraction(self) -> float:
        """share of the input values every matrix layer read in the analog pass (each layer's inputs, not only the
        network's) that lay beyond 'dac.input_max' and saturated (shared with RunResult)"""
        return input_clipped_fraction([(layer.counts, layer.plan) for layer in self.layers])


@checked_types
def load_workload_network(config: Config, network: Network | None = None, inputs: np.ndarray | None = None
                          ) -> tuple[Network, np.ndarray, np.ndarray | None]:
    """The config's network (``network``: given in memory) and its dataset (inputs shaped for the network, integer
    labels or None; ``inputs``: samples given in memory, checked for the network, without labels); with unsigned
    inputs, a ConfigError where a matrix layer gets negative inputs in the float pass of the samples an estimate
    measures (:func:`~cimsim.models.from_network.sample_rows`; :func:`_check_unsigned_inputs`): it would price them
    as magnitudes (a run checks every sample)."""
    from_file = network is None
    network = config_network(config) if from_file else network
    x, labels = config_dataset(config, network, from_file=from_file) if inputs is None else (inputs, None)
    _check_unsigned_inputs(config, network, x[sample_rows(network, len(x))])
    return network, x, labels


@checked_types
def config_network(config: Config) -> Network:
    """The config's network (``workload.network_file``) alone, without its dataset (for inputs given in memory), or a
    ConfigError naming that field."""
    path = config.workload.network_file
    if path is None:
        raise ConfigError(config.source, [("workload.network_file", (
            "'workload.network_file' is required when 'workload.kind' is \"network\" (a script may give the network "
            "in memory instead to cimsim.simulate, cimsim.compare or cimsim.estimate: network=...)"))])
    try:
        network = load_network(path)
    except (ValueError, OSError, ImportError) as exc:  # a message naming the file already is not prefixed again
        said = str(exc) if str(exc).startswith(str(path)) else f"cannot load {path}: {exc}"
        raise ConfigError(config.source, [("workload.network_file", f"'workload.network_file': {said}")]) from None
    return network


def config_dataset(config: Config, network: Network, *,
                   from_file: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The config's dataset for ``network`` (inputs, labels or None), its labels checked against the network's
    outputs before any simulation: a ConfigError naming the dataset file whose labels they are, else (a shipped
    dataset) ``workload.network_file`` when the network came from it (``from_file``), else the dataset's field and
    the network argument given in memory."""
    x, y = load_dataset(config, network.input_shape)
    own_file = config.workload.dataset == Dataset.FILE
    field = "workload.dataset_file" if own_file else "workload.dataset"
    try:
        check_labels(network, y, f"the labels of '{field}'")
    except ValueError as exc:
        named, note = ("workload.network_file", "") if from_file and not own_file else (
            field, "" if from_file else " (the network argument, in memory)")
        raise ConfigError(config.source, [(named, f"'{named}': {exc}{note}")]) from None
    return x, y


@checked_types
def simulate_network(config: Config, progress: Callable[[int], None] | None = None, trial: int = 0, *,
                     network: Network | None = None, inputs=None, labels=None, workers: int | None = None,
                     scheduler: str | None = None) -> NetworkResult:
    """Run a network on crossbars: float, quantised digital and analog accuracy (module doc).

    ``network``, ``inputs`` (n, *input_shape) and ``labels`` (n, ...) may be given in memory; left out, they come
    from the config (``workload.network_file``, its dataset). Inputs without labels: agreement with float.
    ``workers`` local processes (or the Dask cluster at ``scheduler``) share the samples, whole chunks each,
    with results identical to one process (:mod:`cimsim.evaluation`); None: this process (also in a daemonic process,
    a multiprocessing.Pool worker, which cannot start any: with a RuntimeWarning). A ValueError naming ``workers``
    from a script without a main guard (:func:`~cimsim.sweep.execute.open_executor`).
    """
    config, trial = run_arguments(config, trial, WorkloadKind.NETWORK)
    start, network_given = time.perf_counter(), network is not None
    if inputs is None:
        if labels is not None:
            raise ValueError("labels were given without inputs")
        network = config_network(config) if network is None else network  # every sample checked below
        x, labels = config_dataset(config, network, from_file=not network_given)
    else:
        network = config_network(config) if network is None else network  # the config's dataset is not used
        x = network._checked_input(inputs, "inputs")
        if len(x) == 0:
            raise ValueError("inputs must hold at least one sample")
        labels = None if labels is None else _given_labels(labels, len(x))
    check_labels(network, labels)
    check_network(config, network, len(x), "network" if network_given else "workload.network_file")
    _check_unsigned_inputs(config, network, x)
    check_float_range(config, network, x, network_given=network_given, inputs_given=inputs is not None)
    ranges = _ranges(config, len(x), workers, scheduler)
    if len(ranges) == 1:
        parts = [evaluate(config, network, x, labels, 0, trial, progress=progress)]
    else:
        parts = _evaluate_apart(config, network, x, labels, trial, ranges, scheduler, progress)
    chunks = [c for part in parts for c in part.chunks]
    correct = np.sum([c.correct for c in chunks], axis=0)
    vs_float, digital_vs_float = ErrorStats(), ErrorStats()
    n_layers = len(parts[0].plans)
    clipped, stats = [0] * n_layers, [ErrorStats()] * n_layers
    counts = _energy_sums(parts, [Counts(dac_bits=p.dac_bits, adc_bits=p.adc_bits) for p in parts[0].plans])
    for c in chunks:  # folded in sample order: the same sums whatever the split
        vs_float, digital_vs_float = vs_float + c.vs_float, digital_vs_float + c.digital_vs_float
        for k in range(n_layers):
            counts[k] = counts[k] + c.layer_counts[k]
            clipped[k] += c.layer_clipped[k]
            stats[k] = stats[k] + c.layer_vs_digital[k]
    n = len(x)
    first = parts[0]
    layers = tuple(LayerResult(k, first.plans[k], counts[k], first.programming_counts[k], first.adcs[k], clipped[k],
                               stats[k]) for k in range(n_layers))
    counted = n * int(np.prod(network.output_shape[:-1])) if has_classes(network) else float("nan")  # positions
    accuracies = (float(c) / counted for c in correct)
    return NetworkResult(config, n, *accuracies, layers,
                         int(np.prod(network.input_shape)), int(np.prod(network.output_shape)),
                         time.perf_counter() - start, labels is not None, vs_float, digital_vs_float, network,
                         inputs is not None, network_given)


def _given_labels(labels, n: int) -> np.ndarray:
    """``labels`` given in memory as integers, ``n`` of them (one per input; at each output position, :func:`.preflight
    .check_labels`), or a ValueError (as inputs: a masked array's mask, ragged lists refused, named)"""
    labels = as_array("labels", labels)
    if labels.ndim < 1 or labels.shape[0] != n or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be ({n}, ...) integers, one per input (and output position); got shape "
                         f"{labels.shape}, dtype {labels.dtype}")
    return labels


def _check_unsigned_inputs(config: Config, network: Network, x: np.ndarray) -> None:
    """With 'dac.signed_inputs' = "unsigned", a ConfigError naming the first matrix layer whose inputs go negative in
    a float pass over ``x`` (chunks of ``simulation.batch_size``), before any crossbar is built or read: the crossbar
    would refuse them partway through the run without naming the layer."""
    if config.dac.signed_inputs != SignedInputs.UNSIGNED:
        return
    positions = [k for k, index in enumerate(network.matrix_indices()) if index is not None]
    calls = [0]  # forward reads every matrix position once per chunk, in order

    def float_product(index: int, layer, rows: np.ndarray) -> np.ndarray:
        k, calls[0] = positions[calls[0] % len(positions)], calls[0] + 1
        if (low := rows.min(initial=0.0)) < 0:
            raise ConfigError(config.source, [("dac.signed_inputs", (
                f"layer {k} ({layer.kind}, {network.names[k]!r}) gets negative inputs (the smallest {low:.6g}, in the "
                "float network), but 'dac.signed_inputs' = \"unsigned\" takes inputs >= 0 only: set it to a signed "
                "mode (e.g. \"two_phase\"), or give the network a ReLU (or another non-negative layer) before it"))])
        return layer.product(rows)

    with np.errstate(over="ignore", invalid="ignore"):  # non-finite values are the run's to report, layer by layer
        for start in range(0, len(x), config.simulation.batch_size):
            network.forward(x[start:start + config.simulation.batch_size], float_product)


def _energy_sums(parts: list[RangeResult], counts: list[Counts]) -> list[Counts]:
    """``counts`` (one per layer) with the energy sums of the whole run: each crossbar's per-input sums added over
    the ranges (exact for integer codes) and weighed once (:class:`~cimsim.numerics.cell_energy.CellEnergy`), so
    that neither the chunks nor the split round them; summed over the layer's crossbars in order, as the chunks'
    counts were."""
    with one_blas_thread():  # a BLAS dot product may round by its thread count
        for k, energies in enumerate(parts[0].layer_energy):
            gv2t = activity = 0.0
            for j, energy in enumerate(energies):
                g, a = energy.sums(sum((part.layer_sums[k][j] for part in parts[1:]), parts[0].layer_sums[k][j]))
                gv2t, activity = gv2t + g, activity + a
            counts[k] = replace(counts[k], array_gv2t_fj=gv2t, cell_activity=activity)
    return counts


def _ranges(config: Config, n: int, workers: int | None, scheduler: str | None) -> list[tuple[int, int]]:
    """Contiguous ranges of samples, whole chunks each, one per worker (one range: run here)."""
    size = config.simulation.batch_size
    n_chunks = -(-n // size)
    parts = 1 if workers is None and scheduler is None else min(n_chunks, workers or USABLE_CORES)
    if parts > 1 and scheduler is None and multiprocessing.current_process().daemon:
        warnings.warn(f"workers={workers}: this is a daemonic process (a multiprocessing.Pool worker), which cannot "
                      "start worker processes; the samples run in this process, with the same results (a "
                      "concurrent.futures.ProcessPoolExecutor's workers may start them)", RuntimeWarning, stacklevel=2)
        parts = 1
    edges = [min(n, size * (n_chunks * k // parts)) for k in range(parts + 1)]
    return [(a, b) for a, b in zip(edges, edges[1:]) if b > a]


def _evaluate_apart(config, network, x, labels, trial, ranges, scheduler, progress):
    """Each range on a worker (local processes, or the Dask cluster at ``scheduler``), results in order; each
    calibrates on the run's first samples."""
    from .sweep.execute import open_executor

    calibration = x[:config.adc.calibration_vectors]
    with open_executor(len(ranges), scheduler) as executor:  # a process per range, at most workers
        futures = [executor.submit(evaluate, config, network, x[a:b], None if labels is None else labels[a:b], a,
                                   trial, calibration) for a, b in ranges]
        parts = []
        for (a, b), future in zip(ranges, futures):
            parts.append(future.result())
            if progress is not None:
                progress(b - a)
    return parts


def shape_notes(shapes: Sequence[MatrixShape]) -> tuple[str, ...]:
    """the assumptions the matrices' shapes add on both sides: routed experts, grouped and transposed convolutions
    priced at their share of the products"""
    lines = []
    if routed := sorted({s.routed_fraction for s in shapes if s.routed_fraction < 1.0}):
        lines.append(f"{sum(s.routed_fraction < 1.0 for s in shapes)} routed expert matrices (a mixture of experts, "
                     f"imported densely) priced at their share of the tokens, {', '.join(f'{f:g}' for f in routed)}; "
                     "every expert's weights held, and multiplied for every token in the numerics")
    if grouped := [s.groups for s in shapes if s.groups > 1]:
        lines.append(f"{len(grouped)} grouped convolutions ({', '.join(map(str, sorted(set(grouped))))} groups) count "
                     "their groups' products: as many groups as an array's rows and outputs take share a packed "
                     "block-diagonal block, read whole (its zero cells too, with their error and noise), the blocks "
                     "side by side (cimsim.packing, as price-model maps them); the baseline runs the groups' blocks; "
                     "MACs and TOPS/W count the network's products on both sides")
    if taps := sorted({s.tap_fraction for s in shapes if s.tap_fraction < 1.0}):
        lines.append(f"{sum(s.tap_fraction < 1.0 for s in shapes)} transposed convolutions count the products that "
                     f"meet input values ({', '.join(f'{f:.3g}' for f in taps)} of their taps): the arrays read the "
                     "zeros their lowering inserts (stride, padding), the baseline multiplies the input values only "
                     "(that share of the vectors); MACs and TOPS/W count the network's products on both sides")
    return tuple(lines)
