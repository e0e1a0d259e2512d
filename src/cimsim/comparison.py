"""CIM versus the von Neumann baseline on the same workload: both sides priced, gains as ratios.

Two scenarios are priced (docs/references.md, "reports must separate"): the steady state, with the weights resident in
the arrays (CIM) or in their home memory (baseline: on-chip SRAM when they fit, else streamed from DRAM once per batch);
and the totals including loading the weights once (programming the cells; fetching them from DRAM). The macro alone
(converters and arrays, no buffers or DRAM) is reported too."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .api_arguments import given_data
from .argcheck import check_bool, checked_types
from .config.modes import EnergyModel, Pipeline, WorkloadKind
from .cost import baseline_area, pipelining, trust
from .cost.baseline import baseline_breakdown, check_dram_capacity
from .cost.baseline_notes import board_power_sentence
from .breakdown import Breakdown, gains, in_batches, in_sequence
from .config.schema import Config
from .cost.chip import Stage, chip_breakdown, cim_breakdown, map_written_once
from .cost.chip_capacity import check_fits
from .cost.cim import MACRO_COMPONENTS
from .counts import Counts
from .cost.vector_unit import baseline_vector_unit, vector_unit, with_vector_area, with_vector_energy
from .inference import NetworkResult, config_network, load_workload_network, shape_notes
from .models.baseline import RUN_FETCH, activation_products, exceeds_sram, finishing_together
from .models.network_baseline import NetworkMatrix, NetworkRun
from .models.from_network import input_samples, model_from_network, sample_rows
from .models.ops import MatrixOp, VectorOp
from .models.pricing import DEFAULT_VECTOR_LANES
from .network import MatrixShape, Network
from .numerics.samples import measured_data, sample_vectors
from .numerics.checks import validated_config
from .preflight import check_float_pass, check_float_range, checked_sample
from .analytic import UNIFORM_DATA, analytic_counts
from .mapping import Plan, plan_layer
from .packing import packed_blocks, packed_counts, packed_layer
from .run import RunResult
from .trials import Spread, run_trials, spreads

__all__ = ["Comparison", "compare", "gains", "price", "price_network", "price_from_shapes", "MACRO_COMPONENTS"]


@dataclass(frozen=True, repr=False)
class Comparison:
    """A workload on CIM next to the von Neumann baseline: the simulations (one per Monte Carlo trial) and both sides'
    breakdowns (energy pJ, times ns, area um2 per component; whole workload), steady state and weights loaded once."""

    runs: tuple[RunResult | NetworkResult, ...]
    """one simulation per Monte Carlo trial; costs are priced from the first"""
    cim: Breakdown
    """steady state, weights resident"""
    baseline: Breakdown
    cim_with_load: Breakdown
    """including programming the weights once"""
    baseline_with_load: Breakdown
    """including fetching the weights from DRAM once"""

    @property
    def run(self) -> RunResult | NetworkResult:
        """the first trial"""
        return self.runs[0]

    def __getattr__(self, name: str):  # a Simulation's name (vs_float, counts, ...): where a Comparison holds it
        first = (self.__dict__.get("runs") or (None,))[0]  # (none while a copy is built, or given none)
        where = f": the first trial's is comp.run.{name}" * (not name.startswith("_") and hasattr(first, name))
        raise AttributeError(f"'Comparison' object has no attribute {name!r}{where}")

    @property
    def spreads(self) -> dict[str, Spread]:
        """the accuracy metrics over the trials, as a Simulation's (:func:`cimsim.trials.spreads`; one trial: {})"""
        return spreads(self.runs)

    @property
    def gain(self) -> dict[str, float]:
        """baseline / CIM for energy, latency and EDP; CIM / baseline for throughput (> 1: CIM wins)"""
        return gains(self.cim, self.baseline)

    @property
    def gain_with_load(self) -> dict[str, float]:
        """:attr:`gain` with loading the weights once counted on each side"""
        return gains(self.cim_with_load, self.baseline_with_load)

    @property
    def energy_gain_range(self) -> dict | None:
        """the energy gain with the macro's energy at silicon / model of its family's published figures
        (:func:`cimsim.cost.trust.energy_gain_range`; None where the record has too few)"""
        return trust.energy_gain_range(self.run.config, self.cim, self.baseline)

    @property
    def area_range(self) -> dict | None:
        """the CIM area, mm2, with the macro's area at its family's published compute density
        (:func:`cimsim.cost.trust.area_range`; None where the record has too few)"""
        return trust.area_range(self.run.config, self.cim)

    @property
    def macro_energy_pj(self) -> float:
        """energy of the arrays and their converters alone (steady state)"""
        return sum(v for k, v in self.cim.energy_pj.items() if k in MACRO_COMPONENTS)

    def to_dict(self) -> dict:
        """The JSON ``cimsim compare -o`` writes (report.json; a non-finite figure as "inf", "-inf" or "nan")."""
        from .report_json import comparison_dict, json_safe

        return json_safe(comparison_dict(self))

    def rows(self) -> list[dict]:
        """A tidy table: one row per (scenario, side, component) with its energy_pj and area_um2, and the side's
        total_latency_ns and items (whole workload: :meth:`Breakdown.component_rows`)."""
        return [{"scenario": scenario, "side": side, **row}
                for scenario, sides in (("steady", (self.cim, self.baseline)),
                                        ("with_weight_load", (self.cim_with_load, self.baseline_with_load)))
                for side, b in zip(("cim", "baseline"), sides) for row in b.component_rows()]

    def to_frame(self):
        """:meth:`rows` as a pandas DataFrame (needs pandas)."""
        from .api import rows_frame

        return rows_frame(self.rows())

    def __repr__(self) -> str:
        g = self.gain
        return (f"Comparison({self.cim.name!r} vs {self.baseline.name!r}: energy gain {g['energy']:.3g}x"
                f"{trust.gain_range_cell(self.energy_gain_range, said=True)}, throughput gain {g['throughput']:.3g}x, "
                f"{len(self.runs)} trial{'s' * (len(self.runs) > 1)})")

    def _repr_markdown_(self) -> str:
        from .report import comparison_markdown

        return comparison_markdown(self)


@checked_types
def price(config: Config, result: RunResult | NetworkResult, *, include_weight_load: bool) -> tuple[Breakdown,
                                                                                                   Breakdown]:
    """(CIM, baseline) of a simulated workload (a network's: :func:`price_network`); a one-off weight load counts in
    the run's latency and energy (:func:`compare` gives the baseline its steady interval and item latency)."""
    config = validated_config(config)
    if isinstance(result, RunResult):
        counts = result.counts + result.programming_counts if include_weight_load else result.counts
        fetched = result.programming_counts.dram_read_bits if include_weight_load else 0
        return (cim_breakdown(config, result.plan, counts, name=config.name, fetched_bits=fetched),
                baseline_breakdown(config, config.workload.vectors, include_weight_load=include_weight_load,
                                   one_off_load=True))
    layers = [(layer.plan, layer.counts + layer.programming_counts if include_weight_load else layer.counts)
              for layer in result.layers]
    fetched = [layer.programming_counts.dram_read_bits for layer in result.layers] if include_weight_load else None
    return price_network(config, layers, result.samples, result.input_elements, result.output_elements,
                         include_weight_load=include_weight_load, network=result.network, fetched_bits=fetched)


@checked_types
def price_network(config: Config, layers: Sequence[tuple[Plan, Counts]], samples: int, input_elements: int,
                  output_elements: int, *, include_weight_load: bool, network: Network | None = None,
                  fetched_bits: Sequence[int] | None = None) -> tuple[Breakdown, Breakdown]:
    """(CIM, baseline) breakdowns of a network's matrix layers, each given as (plan, counts of all samples).

    CIM: the layers as stages of the chip model (:func:`cimsim.cost.chip_breakdown`: tiles, global buffer, layer
    pipeline per ``config.chip``); only the network's inputs (input_elements per sample, at input_bits), outputs
    (output_elements, at accumulator_bits) and each layer's ``fetched_bits`` of weights (once, before programming; None:
    none) cross the DRAM interface, activations between layers stay on chip. Baseline: the layers run one after the
    other on one processor, their weights fetched from DRAM at least once per run where together they exceed
    ``baseline.sram_kib`` (as :mod:`cimsim.models.baseline` prices a model's; each layer's own rule besides: kept on
    chip where it fits, else streamed per batch; with ``include_weight_load``, unless fetched once per run, a kept
    layer's one-off fetch runs before its vectors, in series). With ``network``, its digital layers and activation
    products run on a vector unit on both sides (:func:`_with_vector_unit`); a routed expert (``Dense.routed_fraction``
    below 1) is priced at its share of the tokens on the chip (:func:`_chip_stage`) and at the mean over the token
    counts it receives on the baseline (:mod:`cimsim.cost.routing`: weights fetched only where one comes); a transposed
    convolution (``MatrixShape.tap_fraction`` below 1) counts its taps' MACs that meet input values, the baseline runs
    that share of its vectors (:func:`cimsim.cost.routing.real_runs`)."""
    stages, matrices, last = [], [], len(layers) - 1
    values = network.matrix_input_values() if network is not None else None  # a conv's positions share its map
    shapes = network.matrix_shapes() if network is not None else [MatrixShape(k, p.in_features, p.out_features, 1)
                                                                  for k, (p, _) in enumerate(layers)]
    weight_bits = sum(s.in_features * s.out_features // s.groups * p.weight_bits for (p, _), s in zip(layers, shapes))
    check_dram_capacity(config, weight_bits, "the network's weight matrices")
    too_big = exceeds_sram(config, weight_bits)
    for index, ((p, counts), shape) in enumerate(zip(layers, shapes, strict=True)):
        in_bits = samples * input_elements * p.input_bits if index == 0 else 0
        out_bits = samples * output_elements * p.accumulator_bits if index == last else 0
        fetched = fetched_bits[index] if fetched_bits else 0
        packed = packed_blocks(p, shape.in_features // shape.groups, shape.groups)  # each reads every vector
        stages.append(_chip_stage(p, counts, shape, samples, (in_bits, out_bits, fetched), index == last,
                                  values[index] if values else None, packed))
        matrices.append(NetworkMatrix(p, shape, counts.mvms // packed, values[index] if values else None))
    on_baseline = NetworkRun(config, matrices, samples, input_elements, output_elements,
                             include_weight_load or too_big, too_big)
    bases, span = on_baseline.products(samples)
    work = _vector_work(config, network) if network is not None else None  # a stage beside the crossbars: balancing
    cim = chip_breakdown(config, stages, samples, name=config.name, beside_ns=work[0].time_ns(work[3]) if work else 0.0)
    base = products = in_sequence(bases, config.baseline.name, samples, shared_hardware=True)
    cim, base = (replace(b, assumptions=b.assumptions + shape_notes(shapes)) for b in (cim, base))
    if too_big:
        base = replace(base, assumptions=base.assumptions + (
            f"The network's static weights ({weight_bits / 8192:.4g} KiB): those a layer keeps on chip {RUN_FETCH}.",))
    cim, base = _with_vector_unit(config, work, samples, cim, base) if work else (cim, base)
    if config.baseline.energy_model == EnergyModel.BOARD_POWER:  # the run's figures; its parts state their own
        base = replace(base, assumptions=base.assumptions + (
            board_power_sentence(config, base.latency_ns, None, "The whole run: "),))
    if not (together := finishing_together(span)):
        return cim, base
    batch = min(config.baseline.batch, samples, max(1, int(together)))  # its products, its share of the vector work
    batch_ns = in_sequence(on_baseline.products(batch)[0], base.name, batch, shared_hardware=True).latency_ns
    return cim, in_batches(base, batch, batch_ns, products.latency_ns)


def _chip_stage(p: Plan, counts: Counts, shape: MatrixShape, samples: int, dram: tuple[int, int, int],
                last: bool, map_values: int | None, blocks: int) -> Stage:
    """A network layer as a chip stage; ``dram``: (input bits read, output bits written, weight bits fetched once);
    ``map_values``: values per sample its places read (``Network.matrix_input_values``; None: its vectors'): a conv
    reads its input map from the global buffer, written once to its tiles (windows formed there), as the baseline
    holds it. A routed expert (share f), as :mod:`cimsim.models.pricing` prices it: activations of the mean f x v of
    an item's v vectors (of a map, ceil(f x its values)), busy ceil(f x v), at least one a place; a grouped conv:
    ``blocks`` packed blocks (:mod:`cimsim.packing`), each reading every vector its groups' share of the values (MACs:
    the groups' own); a transposed conv: its taps' MACs that meet input values; a shared matrix: its places' vectors
    (``MatrixShape.rows_per_use``, one at least), the last place's output leaving the chip where it is the last."""
    in_bits, out_bits, fetched = dram
    share, vectors = shape.routed_fraction, max(1, round(counts.mvms / samples)) if samples else 1
    counts = replace(shared := counts.share(share), macs=round(shared.macs * shape.tap_fraction),
                     dram_read_bits=in_bits + fetched, dram_write_bits=out_bits)
    uses = shape.rows_per_use if len(shape.rows_per_use) > 1 else ()
    places = tuple(max(1, round(vectors * n / sum(uses))) for n in uses)
    vectors = sum(places) or vectors
    busy = tuple(max(1, math.ceil(n * share)) for n in places)
    busy_vectors, mean = sum(busy) or max(1, math.ceil(vectors * share)), vectors * share
    final = (places or (vectors,))[-1] * share if last else 0.0  # those leaving the chip at accumulator width
    out_bits = round(shape.out_features / blocks * ((mean - final) * p.input_bits + final * p.accumulator_bits))
    read = 1.0 if map_values is None else min(1.0, math.ceil(map_values * share) / (shape.rows_per_sample * share
                                                                                       * shape.in_features))
    window_bits = mean * shape.in_features / blocks * p.input_bits  # a sample's vectors' inputs, a block's
    return Stage(p, map_written_once(counts, samples * window_bits, read), busy_vectors, round(window_bits * read),
                 out_bits, mean / busy_vectors, fetched_bits=fetched, places=busy, blocks=blocks)


def _vector_work(config: Config, network: Network) -> tuple:
    """(the chip's vector unit, the network's model, pJ and cycles of one item's digital work on it)"""
    unit, model = vector_unit(config.technology, DEFAULT_VECTOR_LANES, config.dac.input_bits), model_from_network(
        network)
    return unit, model, *unit.work(model.of_type(VectorOp), [op for op in model.of_type(MatrixOp) if not op.static],
                                   config.technology)


def _with_vector_unit(config: Config, work: tuple, samples: int, cim: Breakdown,
                      base: Breakdown) -> tuple[Breakdown, Breakdown]:
    """Both sides with the network's digital work on a vector unit of DEFAULT_VECTOR_LANES lanes (cost.vector_unit):
    on the CIM chip beside the crossbars (a pipeline stage of its own with ``chip.pipeline = "layer"``, else after
    them), on the baseline after its matrix products (on its own lanes where ``baseline.vector_lanes`` is set). A
    side holds the unit (its area and leakage) only if it runs work on it; ``work``: :func:`_vector_work`'s."""
    unit, model, pj, cycles = work
    if not cycles:  # neither side has digital work (the baseline's is a part of the chip's)
        return cim, base
    vec_ns = unit.time_ns(cycles)
    pipelined = config.chip.pipeline == Pipeline.LAYER  # the unit a stage of its own, else after the crossbars
    interval = pipelining.steady_interval_ns(pipelined, [vec_ns], [cim.stages_ns, vec_ns], cim.interval_ns)  # >= chip's
    compute = cim.compute_ns + pipelining.added_compute_ns(pipelined, cim.stages, vec_ns, samples)
    # the chip's latency (programming, the DRAM bound kept) and the time the unit adds to the items' path
    latency = cim.latency_ns + (vec_ns + (samples - 1) * (interval - cim.interval_ns) if samples else 0.0)
    base_unit = baseline_vector_unit(config, unit)
    base_pj, base_cycles = unit.work(model.of_type(VectorOp), (), config.technology)
    base_vec_ns = base_unit.time_ns(base_cycles)
    where = ("the same unit" if base_unit is unit
             else f"its own {base_unit.lanes} lanes at {base_unit.clock_ghz:g} GHz (baseline.vector_lanes)")
    acts = any(not op.static for op in model.of_type(MatrixOp))  # attention's products (had been said of every net)
    line = (f"Digital layers on a {unit.lanes}-lane vector unit at {unit.clock_ghz:g} GHz (I-BERT integer algorithms "
            f"at Horowitz's energies): on the chip{', with the activation products,' * acts} {pj / 1e3:.4g} nJ and "
            f"{vec_ns:.4g} ns per inference; on the baseline on {where}, {base_pj / 1e3:.4g} nJ and {base_vec_ns:.4g} "
            "ns" + " (its activation products as matrix products on its MAC units, as a shapes-only model prices them)"
            * acts + f"; the units leak {unit.leakage_uw:.4g} uW on the chip and "
            + ("within its published die on the baseline" if baseline_area.has_die(config.baseline) else
               f"{base_unit.leakage_uw:.4g} uW on the baseline") + ", besides each side's other leakage, over its run.")
    energy = {**cim.energy_pj, "vector_unit": samples * pj}
    energy["leakage"] = (cim.leakage_uw + unit.leakage_uw) * latency * 1e-3  # the chip's and the unit's; uW x ns = fJ
    activation_macs = samples * sum(op.macs_per_item for op in model.of_type(MatrixOp) if not op.static)
    cim = replace(cim, vector_unit_macs=activation_macs, energy_pj=energy,
                  area_um2={**cim.area_um2, "vector_unit": unit.area_um2}, macs=cim.macs + activation_macs,
                  latency_ns=latency, compute_ns=min(latency, compute), interval_ns=interval,
                  item_latency_ns=cim.item_latency_ns + vec_ns, assumptions=cim.assumptions + (line,))
    kept = base.assumptions  # merged once; the vector-unit line says how the activation products run
    base = in_sequence([base, *activation_products(config, model, samples)], base.name, samples, shared_hardware=True)
    held = base_cycles and not baseline_area.has_die(config.baseline)  # a unit with work; a die holds its own
    base_energy = with_vector_energy(base.energy_pj, config.baseline, samples * base_pj, samples * base_vec_ns,
                                     base.latency_ns, base_unit if held else None)
    area, said = with_vector_area(base.area_um2, base_unit if held else None)
    base = replace(base, energy_pj=base_energy, latency_ns=base.latency_ns + samples * base_vec_ns, area_um2=area,
                   compute_ns=base.compute_ns + samples * base_vec_ns, item_latency_ns=None, interval_ns=None,
                   assumptions=kept + (line, *said))
    return cim, base


@checked_types
def price_from_shapes(config: Config, *, measured: bool = True, network: Network | None = None, weights:
                      np.ndarray | None = None, inputs: np.ndarray | None = None) -> tuple[Breakdown, Breakdown]:
    """(CIM, baseline) breakdowns of the config's workload from shapes alone, steady state, no simulation: a dense
    layer over ``workload.vectors`` vectors, or a network's matrix layers over its dataset's samples; counts of
    :func:`cimsim.analytic.analytic_counts` at the workload's own data: each matrix's input codes measured on a sample
    of its inputs (a dense layer's ``sample_vectors``: a file's in runs spread over it, generated ones' first; a
    network's in a float pass of evenly spaced samples) and its weights' levels (``weight_level_share``). ``measured``
    False: uniform data, no float pass, a network over ``workload.vectors`` samples. ``network``, ``weights``,
    ``inputs``: the workload's in memory (:func:`.api_arguments.given_data`), sampled as files are. Refused first: a
    workload the chip cannot hold (``check_fits``), a float pass past memory or float64 (preflight)."""
    config, measured = validated_config(config), check_bool("measured", measured)
    network, weights, inputs = given_data(config, network, weights, inputs, measured)
    if config.workload.kind != WorkloadKind.NETWORK:
        plan, wl, rows = plan_layer(config), config.workload, sample_vectors(config.workload.in_features)
        check_fits(config, [plan])
        data = measured_data(config, plan, *checked_sample(config, rows, weights, inputs)) if measured else UNIFORM_DATA
        return (cim_breakdown(config, plan, analytic_counts(plan, wl.vectors, data), name=config.name),
                baseline_breakdown(config, wl.vectors, include_weight_load=False))
    given = {"network_given": network is not None, "inputs_given": inputs is not None}  # named so in errors
    network, x, _ = load_workload_network(config, network, inputs) if measured else (network, None, None)
    network = config_network(config) if network is None else network
    shapes = network.matrix_shapes()  # a grouped matrix packed (cimsim.packing), as the functional core maps it
    check_fits(config, [packed_layer(config, s.in_features // s.groups, s.out_features // s.groups, s.groups)[0]
                        for s in shapes])
    if measured:
        check_float_pass(config, network)
        check_float_range(config, network, x[sample_rows(network, len(x))], **given)  # input_samples' samples
        inputs, matrices = input_samples(network, x), network.matrix_layers()
    samples = len(x) if measured else config.workload.vectors
    layers = [packed_counts(config, s.in_features // s.groups, s.out_features // s.groups, s.groups,
                            samples * s.rows_per_sample, lambda plan, rows, cols, k=s.index: measured_data(
                                config, plan, inputs[k][1][:, cols], matrices[k].matrix[rows, cols])
                            if measured else UNIFORM_DATA) for s in shapes]
    return price_network(config, layers, samples, math.prod(network.input_shape), math.prod(network.output_shape),
                         include_weight_load=False, network=network)


@checked_types
def compare(config: Config, progress: Callable[[int], None] | None = None, *, workers: int | None = None,
            scheduler: str | None = None, **data) -> Comparison:
    """Simulate the config's workload on CIM and price it next to the baseline (a network's samples split over
    ``workers`` processes or the Dask cluster at ``scheduler``, results identical to one process; ``data``: in-memory
    arrays as :func:`cimsim.trials.run_trials` takes them)."""
    config = validated_config(config)
    runs = run_trials(config, progress, workers=workers, scheduler=scheduler, **data)
    cim, base = price(config, runs[0], include_weight_load=False)
    cim_loaded, base_loaded = price(config, runs[0], include_weight_load=True)
    # a one-off load (the first weight fetch, as the chip's programming) sits outside the interval and item latency
    return Comparison(runs, cim, base, cim_loaded,
                      replace(base_loaded, interval_ns=base.interval_ns, item_latency_ns=base.item_latency_ns))
