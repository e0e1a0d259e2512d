"""One simulation of a config's workload, end to end: weights programmed, inputs streamed, accuracy and counts.

This is what ``cimsim run`` does, as a function a research script can call.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np

from .argcheck import checked_types
from .accuracy import ErrorStats
from .adc_advice import clip_advice
from .config.modes import AdcRange, Dataset, InputSource, WorkloadKind
from .config.schema import Config, WorkloadConfig
from .counts import Counts
from .mapping import Plan, plan_layer
from .npfiles import npz_shape, read_npy
from .numerics import AdcSetting, build_crossbar
from .numerics.checks import finite_matrix, run_arguments
from .numerics.encoding import fixed_input_max
from .numerics.threads import one_blas_thread
from .poor_outputs import poor_outputs_note
from .preflight import check_dense, check_magnitudes, magnitude_field, peaks
from .workload import INPUT_BLOCK, input_blocks, load_weights

__all__ = ["ShortRepr", "RunResult", "simulate", "input_clipped_fraction", "clipped_inputs_note",
           "CLIPPED_INPUTS_WARNED", "zero_coded_inputs_note", "ZERO_CODED_INPUTS_WARNED", "adc_clipped_fraction",
           "adc_clipped_note", "result_notes"]

CLIPPED_INPUTS_WARNED = 0.01
"""share of the input values beyond 'dac.input_max' above which run and compare warn (the CLI on stderr, the API with
a RuntimeWarning: :func:`clipped_inputs_note`); also the share of ADC conversions clipped beyond what the range
clips by design (:func:`adc_clipped_note`)"""

ZERO_CODED_INPUTS_WARNED = 0.5
"""share of the nonzero input values that quantise to code 0 (a fixed 'dac.input_max' at least twice their largest
magnitude) above which run and compare warn (:func:`zero_coded_inputs_note`)"""


class NanEqualResult:
    """Equality of a frozen result dataclass (declared ``eq=False``): its compared fields alike, a NaN (accuracies of a
    network without classes) equal to a NaN, so that a pickled copy equals its original; hashed alike."""

    def _compared(self) -> tuple:
        values = (getattr(self, f.name) for f in fields(self) if f.compare)
        return tuple(None if isinstance(v, float) and math.isnan(v) else v for v in values)

    def __eq__(self, other) -> bool:
        return self._compared() == other._compared() if type(other) is type(self) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())


class ShortRepr:
    """A trial result's repr: its class, config, workload and accuracy (the dataclass's printed the whole config and
    every error statistic: 4.6 KB a dense trial, 10.9 KB a network's)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config.name!r}: {self.config.workload.kind}, {self.headline})"


@dataclass(frozen=True, repr=False)
class RunResult(ShortRepr):
    """What one functional simulation measured."""

    config: Config
    plan: Plan
    counts: Counts
    """events of the matrix-vector products (weights resident)"""
    programming_counts: Counts
    """events of loading the weights into the arrays"""
    adc: AdcSetting
    """the converters (lsb: input code x level); replicated copies' stacked (copy, row tile, column)"""
    adc_clipped: int
    """conversions that hit the ADC's code range"""
    vs_float: ErrorStats
    """analog result against the float product X @ W.T"""
    vs_digital: ErrorStats
    """analog result against the exact product of the quantised operands (the analog error alone)"""
    digital_vs_float: ErrorStats
    """the quantised digital product against float (the quantisation error alone)"""
    wall_s: float = field(compare=False)
    """seconds the run took (not compared: equal results of two runs differ in it)"""
    given: tuple[str, ...] = ()
    """what was given in memory, not read as the config says: "weights", "inputs" (the config's workload.weights and
    workload.inputs do not describe those)"""
    input_peak: float = 0.0
    """largest |value| of the inputs read"""
    inputs_nonzero: int = 0
    """input values read that are not 0, all of them (``counts.inputs_nonzero`` counts only those read against a
    fixed 'dac.input_max', the denominator of its zero-coded share)"""
    inputs_zero_coded: int = 0
    """nonzero input values read whose DAC code is 0 (below half a step of a fixed 'dac.input_max'; 0 with per-vector
    ranges and binary inputs)"""

    item: ClassVar[str] = "MVM"
    """what one workload item is (shared with NetworkResult: the interface reports use)"""

    @property
    def headline(self) -> str:
        """the accuracy in a few words"""
        return f"rel. error {self.vs_float.relative_error:.3g}"

    def metrics(self) -> dict[str, float]:
        """the accuracy figures of this trial, by name"""
        return {"relative_error": self.vs_float.relative_error, "snr_db": self.vs_float.snr_db}

    def varying(self) -> dict[str, bool]:
        """the metrics that vary between Monte Carlo trials -> whether higher is better"""
        return {"relative_error": False, "snr_db": True}

    @property
    def clipped_fraction(self) -> float:
        return self.adc_clipped / self.counts.adc_conversions if self.counts.adc_conversions else 0.0

    @property
    def input_clipped_fraction(self) -> float:
        """share of the input values read that lay beyond 'dac.input_max' and saturated (0 with per-vector ranges)"""
        return input_clipped_fraction([(self.counts, self.plan)])


def input_clipped_fraction(layers) -> float:
    """share of the input values that (counts, plan) pairs read (vectors x in_features each) which lay beyond
    'dac.input_max' and saturated at the DAC's full scale; 0 where none were read"""
    values = sum(counts.mvms * plan.in_features for counts, plan in layers)
    return sum(counts.inputs_clipped for counts, _ in layers) / values if values else 0.0


def clipped_inputs_note(result) -> str | None:
    """The warning where more than :data:`CLIPPED_INPUTS_WARNED` of the input values a result's crossbars read (a
    RunResult or NetworkResult, a run's first trial) lay beyond 'dac.input_max' and saturated, a network's naming its
    layer that clipped most; None where fewer did."""
    share = result.input_clipped_fraction
    if share <= CLIPPED_INPUTS_WARNED:
        return None
    worst = max(getattr(result, "layers", ()), key=lambda layer: layer.input_clipped_fraction, default=None)
    most = "" if worst is None else f" (layer {worst.index} most: {100 * worst.input_clipped_fraction:.3g} %)"
    return (f"{result.config.name}: {100 * share:.3g} % of the input values the arrays read{most} lie beyond "
            f"'dac.input_max' = {result.config.dac.input_max:g} and saturate at the DAC's full scale: raise "
            "'dac.input_max' (or set 'dac.input_range' = \"per_vector\")")


def zero_coded_inputs_note(result) -> str | None:
    """The warning where more than :data:`ZERO_CODED_INPUTS_WARNED` of the nonzero input values a dense run read
    quantise to code 0 (the DAC reads them as 0) because a fixed 'dac.input_max' lies at least twice above their
    largest magnitude, or (a network's, every matrix layer's inputs, naming the layer that lost most) because its
    one fixed 'dac.input_max' lies above the layers' inputs; None otherwise."""
    if hasattr(result, "layers"):
        return _network_zero_coded_note(result)
    if not isinstance(result, RunResult) or not result.inputs_nonzero:
        return None
    share, input_max = result.inputs_zero_coded / result.inputs_nonzero, result.config.dac.input_max
    if share <= ZERO_CODED_INPUTS_WARNED or input_max < 2 * result.input_peak:
        return None
    return (f"{result.config.name}: {100 * share:.3g} % of the nonzero input values the arrays read quantise to code "
            f"0 (read as 0): 'dac.input_max' = {input_max:g} is {input_max / result.input_peak:.3g} times their "
            f"largest magnitude, {result.input_peak:.3g}: lower 'dac.input_max' toward it (or set "
            "'dac.input_range' = \"per_vector\")")


def _network_zero_coded_note(result) -> str | None:
    """:func:`zero_coded_inputs_note` of a NetworkResult, from its layers' tallies (``Counts.inputs_zero_coded``)"""
    layers = [layer for layer in result.layers if layer.counts.inputs_nonzero]
    nonzero = sum(layer.counts.inputs_nonzero for layer in layers)
    share = sum(layer.counts.inputs_zero_coded for layer in layers) / nonzero if nonzero else 0.0
    if share <= ZERO_CODED_INPUTS_WARNED:
        return None
    worst = max(layers, key=lambda layer: layer.counts.inputs_zero_coded / layer.counts.inputs_nonzero)
    return (f"{result.config.name}: {100 * share:.3g} % of the nonzero input values the matrix layers read (layer "
            f"{worst.index} most: {100 * worst.counts.inputs_zero_coded / worst.counts.inputs_nonzero:.3g} %) "
            f"quantise to code 0 (read as 0): 'dac.input_max' = {result.config.dac.input_max:g} lies above most of "
            "them; lower it toward the layers' inputs, or set 'dac.input_range' = \"per_vector\"")


def adc_clipped_fraction(result) -> float:
    """share of the conversions a result's ADCs made (a RunResult's, or every matrix layer's of a NetworkResult) that
    clipped at the ends of their code range; 0 where none were made"""
    layers = getattr(result, "layers", (result,))
    conversions = sum(layer.counts.adc_conversions for layer in layers)
    return sum(layer.adc_clipped for layer in layers) / conversions if conversions else 0.0


def adc_clipped_note(result) -> str | None:
    """The warning where the share of the conversions a result's ADCs made (a RunResult or NetworkResult, a
    network's naming its layer that clipped most) that clipped at the ends of their code range exceeds what the
    range clips by design (a calibrated one: 100 - 'adc.percentile' %) by more than :data:`CLIPPED_INPUTS_WARNED`;
    None where it does not."""
    layers, adc = getattr(result, "layers", (result,)), result.config.adc
    share = adc_clipped_fraction(result)
    by_design = 1 - adc.percentile / 100 if adc.range == AdcRange.CALIBRATED else 0.0
    if share <= by_design + CLIPPED_INPUTS_WARNED:
        return None
    most = ""
    if hasattr(result, "layers"):
        worst = max(layers, key=lambda layer: layer.adc_clipped / max(layer.counts.adc_conversions, 1))
        most = f" (layer {worst.index} most: {100 * worst.adc_clipped / worst.counts.adc_conversions:.3g} %)"
    design = f", which clips {100 * by_design:.3g} % by design" if by_design else ""
    return (f"{result.config.name}: {100 * share:.3g} % of the ADC conversions{most} clip at the ends of the code "
            f"range ('adc.range' = \"{adc.range}\"{design}), so the outputs lose what lies beyond it: "
            f"{clip_advice(result.config)}")


def result_notes(result) -> list[str]:
    """Every warning a result (a run's first trial) calls for: inputs saturated (:func:`clipped_inputs_note`), inputs
    read as 0 (:func:`zero_coded_inputs_note`), ADC conversions clipped (:func:`adc_clipped_note`), outputs no better
    than zeros where none of those says why (:func:`cimsim.poor_outputs.poor_outputs_note`), a network's dataset
    holding fewer samples than workload.vectors asked for."""
    asked = result.config.workload.vectors
    fewer = (f"workload.vectors asks for {asked} samples; the dataset holds {result.samples}: all of them ran"
             if getattr(result, "samples", asked) < asked else "")
    causes = [note for note in (clipped_inputs_note(result), zero_coded_inputs_note(result),
                                adc_clipped_note(result)) if note]
    notes = (*causes, None if causes else poor_outputs_note(result), fewer, _rows_left_note(result))
    return [note for note in notes if note]


def _rows_left_note(result) -> str:
    """that workload.vectors, at its default, ran the first rows of the config's inputs or dataset file only, where
    the file holds more (the default 1000 of a 3000-row file had run without a word; a value set, as a subset,
    is taken as meant)"""
    wl = result.config.workload
    network = wl.kind == WorkloadKind.NETWORK
    if (wl.vectors != WorkloadConfig().vectors or (result.inputs_given if network else "inputs" in result.given)
            or (wl.dataset != Dataset.FILE if network else wl.inputs != InputSource.FILE)):
        return ""
    path = wl.dataset_file if network else wl.inputs_file
    try:
        shape = npz_shape(path, "x") if network else read_npy(path).shape
    except ValueError:  # the file changed since it was read: nothing to say of it
        return ""
    ran = result.samples if network else wl.vectors
    return (f"workload.vectors = {wl.vectors}, its default, ran the first {ran} of the {shape[0]} "
            f"{'samples' if network else 'vectors'} in {path}: set it to run them all (or the subset you mean)"
            if shape and shape[0] > ran else "")


@checked_types
def simulate(config: Config, progress: Callable[[int], None] | None = None, trial: int = 0, *, weights=None,
             inputs=None) -> RunResult:
    """Run the config's dense workload through the crossbars; ``progress(n)`` is called after every n vectors.

    ``trial`` selects the device and read-noise draws (Monte Carlo trial); the data are the same in every trial.
    ``weights`` (out_features x in_features) and ``inputs`` (vectors x in_features) may be given in memory, in
    the config's shape (:func:`cimsim.simulate` sets the shape from them); left out, they come from the config.
    A network config is refused here: :func:`cimsim.simulate` or :func:`cimsim.inference.simulate_network`.
    """
    config, trial = run_arguments(config, trial, WorkloadKind.DENSE)
    start = time.perf_counter()
    wl = config.workload
    check_dense(config, plan_layer(config))
    xbar = build_crossbar(config, key=(trial,))
    field = magnitude_field(config, weights is not None, inputs is not None)
    given = tuple(name for name, data in (("weights", weights), ("inputs", inputs)) if data is not None)
    weights = load_weights(config) if weights is None else finite_matrix(
        "weights", weights, (wl.out_features, wl.in_features))
    w_peaks = peaks(weights)
    xbar.program(weights)
    vs_float = vs_digital = digital_vs_float = ErrorStats()
    if inputs is not None:
        inputs = finite_matrix("inputs", inputs, (wl.vectors, wl.in_features))
    blocks = input_blocks(config) if inputs is None else (
        inputs[k:k + INPUT_BLOCK] for k in range(0, len(inputs), INPUT_BLOCK))
    tally = _InputTally(config, xbar.plan, lambda x_peaks: check_magnitudes(config, field, w_peaks, x_peaks,
                                                                             wl.in_features))
    blocks = _checked(blocks, tally)
    if xbar.adc is None:  # adc.range = "calibrated": the first vectors of the workload set the range
        blocks = _calibrated(xbar, blocks, config.adc.calibration_vectors)
    for block in blocks:
        y = xbar.mvm(block)
        with one_blas_thread():  # BLAS may round a product by its thread count
            exact = block @ weights.T
        digital = xbar.digital_reference(block)
        vs_float = vs_float.add(y, exact)
        vs_digital = vs_digital.add(y, digital)
        digital_vs_float = digital_vs_float.add(digital, exact)
        if progress is not None:
            progress(block.shape[0])
    return RunResult(config, xbar.plan, xbar.counts, xbar.programming_counts, xbar.adc, xbar.adc_clipped,
                     vs_float, vs_digital, digital_vs_float, time.perf_counter() - start, given, tally.peak,
                     tally.nonzero, tally.zero_coded)


class _InputTally:
    """Called on each input block before it is read: its magnitude check (``check`` of its vectors' peaks), and the
    tallies a RunResult keeps (largest |value|, nonzero values, nonzero values a fixed range codes 0)."""

    def __init__(self, config: Config, plan: Plan, check: Callable[[np.ndarray], None]):
        input_max = fixed_input_max(config.dac)
        self.check, self.peak, self.nonzero, self.zero_coded = check, 0.0, 0, 0
        # |x| below zero_below rounds to code 0 (x m / input_max rounded half away from zero); None: no fixed range
        self.zero_below = None if input_max is None or plan.binary_inputs else 0.5 * input_max / plan.max_input_code

    def __call__(self, block: np.ndarray) -> None:
        magnitude = np.abs(block)
        x_peaks = magnitude.max(axis=1, initial=0.0)
        self.check(x_peaks)
        nonzero = int(np.count_nonzero(magnitude))
        self.peak, self.nonzero = max(self.peak, float(x_peaks.max(initial=0.0))), self.nonzero + nonzero
        if self.zero_below is not None:
            self.zero_coded += int(np.count_nonzero(magnitude < self.zero_below)) - (magnitude.size - nonzero)


def _checked(blocks: Iterator[np.ndarray], check: Callable[[np.ndarray], None]) -> Iterator[np.ndarray]:
    """``blocks``, each passed to ``check`` before it is yielded"""
    for block in blocks:
        check(block)
        yield block


def _calibrated(xbar, blocks: Iterator[np.ndarray], vectors: int) -> Iterator[np.ndarray]:
    """Calibrate ``xbar``'s ADC on the first ``vectors`` input vectors of ``blocks``, however many blocks they span
    (only those blocks are held: fewer than ``vectors`` + one block's vectors, and one joined copy of them), and
    return every block, those read first included, in order."""
    held, rows = [], 0
    for block in blocks:
        held.append(block)
        rows += len(block)
        if rows >= vectors:
            break
    xbar.calibrate(held[0][:vectors] if len(held) == 1 else np.concatenate(held)[:vectors])
    return itertools.chain(held, blocks)
