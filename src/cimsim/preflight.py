"""What a run checks before it simulates, so that a config that validates also runs.

:func:`check_dense` and :func:`check_network` (called by the simulations themselves) refuse, naming the field, a
design whose float32 products would not be exact (:func:`cimsim.plan_checks.check_simulable`), a workload the chip
cannot hold (``chip.tiles``) or whose memory estimate exceeds the limit (:mod:`cimsim.footprint`);
:func:`check_float_range` (also called by a network's simulation) refuses samples whose float pass would overflow,
naming the network file when its own weights do, else the dataset.
:func:`preflight` (``cimsim validate``) does that and loads every file the run will read, as the run reads it:
weights and inputs (.npy of the right shape, real, finite; products that cannot overflow float64), or the network
and its dataset. Every problem is a :class:`~cimsim.errors.ConfigError` naming the file and the dotted field, as is
a price from shapes' float pass too large for memory (:func:`check_float_pass`). The cost models' own limits (a global
buffer too small for the activations between layers, weights past ``baseline.dram_gb``) are a ConfigError before any
crossbar is built: :func:`check_pricing` (called by :func:`cimsim.trials.run_trials`, which every simulation that
prices goes through) prices the workload from shapes alone; :func:`preflight` prices it at its measured data.
"""

from __future__ import annotations

import numpy as np

from .argcheck import checked_types
from .config.modes import Dataset, InputSource, SignedInputs, WeightSource, WorkloadKind
from .config.schema import Config
from .cost.chip_capacity import check_fits
from .errors import ConfigError
from .evaluation import has_classes
from .footprint import check_memory
from .mapping import Plan, plan_layer
from .packing import packed_layer
from .network import DigitalLayer, Network
from .numerics.checks import check_unsigned
from .plan_checks import check_simulable
from .workload import (INPUT_BLOCK, file_peaks, generated_peaks, row_peaks, sampled_weights, spread_inputs,
                       spread_picks)

__all__ = ["check_dense", "check_network", "check_magnitudes", "checked_sample", "magnitude_field", "preflight",
           "peaks", "check_float_pass", "check_float_range", "check_pricing", "MAGNITUDE_BOUND", "MAGNITUDE_FLOOR"]

MAGNITUDE_BOUND = 1e300
"""largest max|w| x max|x| x inputs of a layer (the largest sum its products can reach): below float64's 1.8e308
with room for rounding; the error statistics scale outputs beyond 2**200 before they square them
(:class:`.accuracy.ErrorStats`)"""
MAGNITUDE_FLOOR = 1e-300
"""smallest product of an output's nonzero peak |w| and a vector's nonzero peak |x|: the layer's products and its
float reference stay normal float64 numbers (from 2.2e-308), not subnormals that keep only a few bits (the crossbar
itself brings tiny rows to a normal range before it quantises them: ``numerics.encoding.normal_rows``)"""




@checked_types
def check_dense(config: Config, plan: Plan) -> None:
    """The dense layer can be simulated exactly, fits the chip and the memory limit."""
    check_simulable(config, plan)
    check_fits(config, [plan])
    wl = config.workload
    check_memory(config, [plan], "workload.in_features" if wl.in_features >= wl.out_features
                 else "workload.out_features", chunk=min(INPUT_BLOCK, wl.vectors))


@checked_types
def check_network(config: Config, network: Network, samples: int | None = None,
                  field: str = "workload.network_file") -> list[Plan]:
    """The network has a matrix layer, can be simulated exactly, fits the chip and the memory limit (``samples``: how
    many will run, which caps a chunk); returns its layers' plans (a grouped one's packed, :mod:`.packing`).
    ``field`` names where the network came from in messages: the config's file, or ``"network"``, an argument given
    in memory."""
    shapes = network.matrix_shapes()
    if not shapes:
        kinds = sorted({layer.kind for layer in network.layers if isinstance(layer, DigitalLayer)})
        raise ConfigError(config.source, [(field, (
            f"'{field}': the network has no matrix layer to put on crossbars (only {', '.join(kinds)})"))])
    plans = [packed_layer(config, s.in_features // s.groups, s.out_features // s.groups, s.groups)[0] for s in shapes]
    check_simulable(config, plans[0])  # every layer's conversions alike: the same rows, codes and levels
    check_fits(config, plans)
    simulated = [plan for s, plan in zip(shapes, plans) for _ in s.rows_per_use]  # a crossbar per place read
    check_memory(config, simulated, field, *network.pass_values(), samples)
    return plans


@checked_types
def check_float_pass(config: Config, network: Network) -> None:
    """A ConfigError naming ``workload.network_file`` where the float pass of one sample that a price from shapes
    makes (:func:`cimsim.models.from_network.input_samples`) would not fit in this machine's memory
    (:func:`cimsim.models.from_network.check_pass_memory`); :func:`check_network`'s estimate covers it for a run"""
    from .models.from_network import check_pass_memory

    try:
        check_pass_memory(network)
    except ValueError as exc:
        raise ConfigError(config.source, [("workload.network_file", f"'workload.network_file': {exc}")]) from None


def check_labels(network: Network, labels, where: str = "labels") -> None:
    """ValueError unless ``labels`` (or None) are class numbers the network's outputs can give: (samples,) for
    (classes,) outputs, (samples, *positions) for outputs of a class axis at each position (an LM head's
    (sequence, vocab): a label per token); outputs without classes have no top-1, and labels would be ignored."""
    if labels is None:
        return
    if not has_classes(network):
        raise ValueError(f"{where} need two or more classes (outputs) at each output position for a top-1; the "
                         f"network gives {network.output_shape}, one value per position or no class axis (a "
                         "regression, a one-logit binary classifier: give it two outputs; a conv's channel-first "
                         "map; hidden states a norm or residual add writes: an encoder without its head; a head's "
                         "outputs are followed through softmaxes, log-softmaxes, slices, reshapes, rising functions "
                         "and positive scales); leave labels out to compare its outputs with float")
    positions, classes = tuple(network.output_shape[:-1]), network.output_shape[-1]
    if labels.shape[1:] != positions:
        raise ValueError(f"{where} must be one class number per sample{' and output position' * bool(positions)}, of "
                         f"shape (samples{''.join(f', {p}' for p in positions) or ','}), for the network's outputs "
                         f"{network.output_shape}; got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"{where} must be class numbers in [0, {classes}) for the network's {classes} outputs; got "
                         f"{labels.min()} to {labels.max()}")


def peaks(matrix: np.ndarray) -> np.ndarray:
    """max |value| of each row of ``matrix`` (a weight matrix's outputs, an input block's vectors): the scales the
    crossbar quantises each by (:func:`.workload.row_peaks`)"""
    return row_peaks(matrix)


def _decade(*factors: float) -> str:
    """the product of positive ``factors`` written as float64 cannot hold it where it lies beyond (1e-400, not 0)"""
    exponent = float(np.sum(np.log10(factors)))
    if -300 < exponent < 300:
        return f"{float(np.prod(factors)):.3g}"
    mantissa, power = float(f"{10 ** (exponent % 1):.3g}"), int(np.floor(exponent))
    mantissa, power = (mantissa / 10, power + 1) if mantissa >= 10 else (mantissa, power)  # 9.999e-401 is 1e-400
    return f"{mantissa:.3g}e{power:+d}"


@checked_types
def check_magnitudes(config: Config, fields: tuple[str | None, str | None], w_peaks: np.ndarray,
                     x_peaks: np.ndarray, inputs: int) -> None:
    """A ConfigError naming the side out of range (or both), of ``fields`` (:func:`magnitude_field`), when the per-row
    peaks (:func:`peaks`) of the weights and the inputs could overflow float64 (largest |w| x largest |x| x inputs
    reaches MAGNITUDE_BOUND: a side beyond its square root, 1e150) or underflow it (the smallest nonzero peaks'
    product, the smallest output a nonzero pair gives, below MAGNITUDE_FLOOR: a side below 1e-150); a ValueError
    naming the weights and inputs when a side out of range was given in memory or generated."""
    w_max, x_max = float(w_peaks.max(initial=0.0)), float(x_peaks.max(initial=0.0))
    bound = w_max * x_max * inputs
    if not bound < MAGNITUDE_BOUND:
        said = f"= {bound:.3g}" if np.isfinite(bound) else f"= {_decade(w_max, x_max, inputs)}, beyond float64 itself"
        why = (f"values this large could overflow float64 (max |weight| {w_max:.3g} x max |input| {x_max:.3g} x "
               f"{inputs} inputs {said}, the largest sum of products, above {MAGNITUDE_BOUND:.0e}; float64 "
               "ends at 1.8e308); scale the data down (only ratios matter to the quantised crossbars)")
        sides = (not w_max < MAGNITUDE_BOUND ** 0.5, not x_max * inputs < MAGNITUDE_BOUND ** 0.5)
    else:
        w_min = float(w_peaks[w_peaks > 0].min(initial=np.inf))
        x_min = float(x_peaks[x_peaks > 0].min(initial=np.inf))
        if not w_min * x_min < MAGNITUDE_FLOOR:
            return
        why = (f"values this small underflow float64 (an output's peak |weight| {w_min:.3g} x a vector's peak "
               f"|input| {x_min:.3g} = {_decade(w_min, x_min)}, below {MAGNITUDE_FLOOR:.0e}, the margin kept above "
               "float64's smallest normal number, 2.2e-308: the products of values 1e-8 of these peaks would be "
               "subnormal, a few bits each, and so would the float reference's); scale the data up (only ratios "
               "matter to the quantised crossbars)")
        sides = (w_min < MAGNITUDE_FLOOR ** 0.5, x_min < MAGNITUDE_FLOOR ** 0.5)
    named = [field for field, out in zip(fields, sides) if out]
    if None in named:
        raise ValueError(f"weights and inputs: {why}")
    raise ConfigError(config.source, [(named[0], f"{' and '.join(map(repr, named))}: {why}")])


@checked_types
def checked_sample(config: Config, rows: int, weights: np.ndarray | None = None,
                   inputs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(about ``rows`` of a dense workload's input vectors (:func:`.workload.spread_inputs`; given in memory: in runs
    spread over them, :func:`.workload.spread_picks`), about ``rows`` of its weight rows to measure
    (:func:`.workload.sampled_weights`; given in memory: as a file's)), refused as a run refuses them where their
    magnitudes leave float64 (:func:`check_magnitudes`: a file's every row, :func:`.workload.file_peaks`; generated
    data's bounds, :func:`.workload.generated_peaks`), and inputs given in memory below 0 for unsigned inputs"""
    if inputs is not None and config.dac.signed_inputs == SignedInputs.UNSIGNED:
        check_unsigned(inputs)
    w_peaks, x_peaks = file_peaks(config, weights is None, inputs is None)  # first: every row checked
    x = spread_inputs(config, rows) if inputs is None else inputs[spread_picks(len(inputs), rows)]
    if x_peaks is None:  # given in memory: their own; generated: the bounds of every draw a run may make
        x_peaks = peaks(inputs) if inputs is not None else generated_peaks(config)
    if w_peaks is None:
        w_peaks = peaks(weights) if weights is not None else generated_peaks(config, weights=True)
    w = sampled_weights(config, rows, w_peaks, weights)
    check_magnitudes(config, magnitude_field(config, weights is not None, inputs is not None), w_peaks, x_peaks,
                     config.workload.in_features)
    return x, w


@checked_types
def magnitude_field(config: Config, weights_given: bool = False,
                    inputs_given: bool = False) -> tuple[str | None, str | None]:
    """The config fields :func:`check_magnitudes` may name: the weights file and the inputs file the data came from,
    each None where that side did not come from a file (given in memory or generated)."""
    wl = config.workload
    return ("workload.weights_file" if not weights_given and wl.weights == WeightSource.FILE else None,
            "workload.inputs_file" if not inputs_given and wl.inputs == InputSource.FILE else None)


@checked_types
def check_float_range(config: Config, network: Network, x: np.ndarray, *, network_given: bool = False,
                      inputs_given: bool = False) -> None:
    """A ConfigError where the float pass over samples ``x`` (chunks of ``simulation.batch_size``, as a run makes it)
    gives a matrix product or an output of MAGNITUDE_BOUND or more, beyond what the crossbars' rescaling and the error
    statistics hold: named ``workload.network_file`` where the chunk's samples clipped to [-1, 1] overflow too (its
    weights or biases), else the dataset's field. Also naming the network file: a layer that refuses its values (NaN
    made from finite ones, token ids out of range) and NaN or infinite outputs made after the last product. Products
    that underflow (:func:`_check_underflow`) are refused alike, naming the samples or the network. A ValueError
    instead where the one at fault was given in memory (``network_given``, ``inputs_given``)."""
    size, w_min = config.simulation.batch_size, {}  # each layer's smallest nonzero output peak |w|, found once
    chunks = (x[start:start + size] for start in range(0, len(x), size))
    try:
        if (failing := next((xs for xs in chunks if _overflows(network, xs, w_min)), None)) is None:
            return
        network_at_fault = _overflows(network, np.clip(failing, -1.0, 1.0), w_min)
        why = f"the network's float products or outputs reach {MAGNITUDE_BOUND:.0e} or overflow float64 " + (
            "even for the samples clipped to [-1, 1]: the network's weights or biases are too large" if network_at_fault
            else f"for these samples (peak |x| {np.abs(failing).max():.3g}), not for them clipped to [-1, 1]; scale "
                 "the inputs down")
    except _Underflow as small:
        network_at_fault, why = _underflow_blame(network, small, w_min)
    except ValueError as exc:
        if network_given:
            raise
        raise ConfigError(config.source, [("workload.network_file", f"'workload.network_file': {exc}")]) from None
    if network_at_fault:
        field, name = None if network_given else "workload.network_file", "network"
    else:
        field = None if inputs_given else (
            "workload.dataset_file" if config.workload.dataset == Dataset.FILE else "workload.dataset")
        name = "inputs"
    if field is None:
        raise ValueError(f"{name}: {why}")
    raise ConfigError(config.source, [(field, f"'{field}': {why}")])


class _Overflow(Exception):
    """a float matrix product reached MAGNITUDE_BOUND (:func:`_overflows`)"""


class _Underflow(Exception):
    """a float matrix product of nonzero operands below MAGNITUDE_FLOOR (:func:`_check_underflow`); args: (the chunk
    of samples whose pass made it (None until :func:`_overflows` adds it), the matrix layer's index, its smallest
    nonzero output peak |w|, its input vectors' smallest nonzero peak |x|)"""


def _check_underflow(index: int, layer, rows: np.ndarray, w_min: dict) -> None:
    """:class:`_Underflow` where matrix layer ``index``'s smallest nonzero output peak |w| (held in ``w_min`` once
    found) times its input rows' smallest nonzero peak |x| is below MAGNITUDE_FLOOR, the rule :func:`check_magnitudes`
    holds a dense layer to (samples of 5e-324 had given a float reference of a few bits, 200 % relative error,
    unsaid)"""
    if index not in w_min:
        w_peaks = peaks(layer.matrix)
        w_min[index] = float(w_peaks[w_peaks > 0].min(initial=np.inf))
    x_peaks = row_peaks(rows.reshape(len(rows), -1))
    x_min = float(x_peaks[x_peaks > 0].min(initial=np.inf))
    if w_min[index] * x_min < MAGNITUDE_FLOOR:
        raise _Underflow(None, index, w_min[index], x_min)


def _underflow_blame(network: Network, small: _Underflow, w_min: dict) -> tuple[bool, str]:
    """(whether the network is at fault, why in words) for an underflow ``small`` of the pass of its chunk: the
    samples where they hold nonzero values below the floor's square root and their pass with those at 0 does not
    underflow (one sample of 1e-298, or one tiny token of a sample, beside O(1) weights had been blamed on the
    network); else the network (its own layers made the values: an embedding's table, tiny weights), quoting its
    pass's product; where the network cannot take those values at 0 (a log), the network where its weight is below
    the floor's square root"""
    xs, index, w, x = small.args
    tiny = (xs != 0) & (np.abs(xs) < MAGNITUDE_FLOOR ** 0.5)
    network_at_fault = not tiny.any()
    if tiny.any():
        try:
            _overflows(network, np.where(tiny, 0.0, xs), w_min)
        except _Underflow as again:  # the network makes values that small of its own too
            network_at_fault, (index, w, x) = True, again.args[1:]
        except ValueError:  # a layer that cannot take them at 0 (a log): the first product's sides decide
            network_at_fault = w < MAGNITUDE_FLOOR ** 0.5
    return network_at_fault, (
        f"values this small underflow float64 (matrix layer {index}'s peak |weight| {w:.3g} x an input vector's peak "
        f"|x| {x:.3g} = {_decade(w, x)}, below {MAGNITUDE_FLOOR:.0e}, the margin kept above float64's smallest "
        "normal number, 2.2e-308: the float reference's products of values 1e-8 of these peaks would be subnormal, "
        f"a few bits each); scale the {'network weights' if network_at_fault else 'inputs'} up (only "
        "ratios matter to the crossbars)")


def _overflows(network: Network, xs: np.ndarray, w_min: dict) -> bool:
    """whether the float pass of samples ``xs`` gives a matrix product (of finite rows: the network names a layer
    whose rows are not) or an output of MAGNITUDE_BOUND or more; the pass stops at the first such product, or at one
    that underflows (:func:`_check_underflow`: raised, with ``xs``). A ValueError where the outputs hold NaN or
    infinite values though no product overflowed."""
    def product(index: int, layer, rows: np.ndarray) -> np.ndarray:
        _check_underflow(index, layer, rows, w_min)
        y = layer.product(rows)
        if not np.abs(y).max(initial=0.0) < MAGNITUDE_BOUND:  # NaN too: finite operands make it only by overflow
            raise _Overflow
        return y

    try:
        with np.errstate(all="ignore"):
            out = network.forward(xs, product)
    except _Overflow:
        return True
    except _Underflow as small:
        raise _Underflow(xs, *small.args[1:]) from None
    if not np.isfinite(out).all():
        raise ValueError("the network's float outputs hold NaN or infinite values for finite inputs: layers after its "
                         "last matrix product make them (e.g. sqrt or log of a negative, exp of a large value)")
    return bool(np.abs(out).max(initial=0.0) >= MAGNITUDE_BOUND)  # the squares the error statistics sum stay finite


@checked_types
def preflight(config: Config) -> str:
    """Every check a run makes before simulating (module doc); returns one line describing the workload."""
    if config.workload.kind == WorkloadKind.NETWORK:
        from .inference import load_workload_network

        network, x, _ = load_workload_network(config)  # its labels checked against the network's outputs
        plans = check_network(config, network, len(x))
        check_float_range(config, network, x)  # the float pass a run makes
        check_pricing(config, measured=True)
        fewer = (f"; workload.vectors asks for {config.workload.vectors}, the dataset holds {len(x)}: all of them "
                 "run" if len(x) < config.workload.vectors else "")  # as the run warns (a bad-configs probe)
        return (f"a network of {len(plans)} matrix layers on {sum(p.n_arrays for p in plans)} arrays of "
                f"{config.array.rows} x {config.array.cols}, {len(x)} samples{fewer}")
    plan = plan_layer(config)
    check_dense(config, plan)
    check_pricing(config, measured=True)  # its sample's check: files' every row, generated inputs' bounds
    wl = config.workload
    return f"{plan.n_arrays} arrays of {plan.rows} x {plan.cols}, {wl.out_features} x {wl.in_features} layer"


@checked_types
def check_pricing(config: Config, network: Network | None = None, *, measured: bool = False) -> None:
    """The cost models' own limits (buffers too small for the activations, memories of no capacity) as a
    ConfigError: the workload priced from shapes as a run prices it (:func:`cimsim.comparison.price_from_shapes`), at
    uniform data (no float pass, no data read; milliseconds: before a run simulates) or, ``measured``, at its own
    data (:func:`preflight`). ``network``: a network workload's, given in memory (None: read from
    ``workload.network_file``). A workload the chip cannot hold is refused first, naming ``chip.tiles``."""
    from .comparison import price_from_shapes
    from .inference import config_network

    if config.workload.kind == WorkloadKind.NETWORK and network is None and not measured:
        network = config_network(config)
    if network is not None and not network.matrix_shapes():
        return  # nothing to price: the run refuses the network, naming it (check_network)
    try:
        price_from_shapes(config, measured=measured, network=network)
    except ConfigError:
        raise
    except (ValueError, OverflowError, ZeroDivisionError) as exc:
        raise ConfigError(config.source, [("", f"the cost model cannot price this design: {exc}")]) from None
