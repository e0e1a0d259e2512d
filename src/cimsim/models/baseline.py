"""A model on the von Neumann baseline: every matrix product by :func:`cimsim.cost.baseline.baseline_breakdown`.

The products run one after the other on the one processor (:func:`cimsim.breakdown.in_sequence`, shared
hardware). ``baseline.batch`` counts items here: an item's vectors (a conv's output positions, a prompt's tokens)
share a weight fetch, so a product's batch is ``batch`` x its vectors per item. Static weights: the layer's own
rule (kept on chip when they fit its memory, else streamed per batch; ``weight_streaming``: always streamed),
and fetched from DRAM at least once per run when the model's static weights together exceed
``baseline.sram_kib`` (they cannot all stay on chip). The model's parameters (at ``mapping.weight_bits``) and a
DRAM KV cache must fit in ``baseline.dram_gb``. Attention products: K and V are the "weights" of one
product per key/value head and item (each sequence has its own cache: items never share its reads), activations at
``dac.input_bits`` (their reads, MACs and registers), fetched from DRAM when the KV cache is in DRAM (or with
``weight_streaming``). The model's input is read from and
its output written to DRAM once per item; activations between products stay on chip, even those the memory
cannot hold (no spills: a lower bound on the baseline's energy, docs/models.md). A decode runs in steps of
one token per sequence in flight: tokens of one sequence never share a weight fetch. A routed expert is priced at
the mean over the number of a step's tokens it receives (:mod:`cimsim.cost.routing`: its weights are fetched only
in steps some token reaches it, and then whole). Vector ops run on the same
vector unit as the CIM chip and KV-cache writes go to DRAM or to the on-chip memory (their dynamic energy; for a
``board_power`` baseline, board power x their time).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

from ..argcheck import checked_types
from ..breakdown import Breakdown, in_batches, in_sequence, repeated
from ..config.modes import Dataflow, EnergyModel, WorkloadKind
from ..config.schema import Config
from ..cost.baseline import baseline_breakdown, baseline_traffic, check_dram_capacity, onchip_memory
from ..cost.baseline_area import has_die
from ..cost.memory import dram_bandwidth_gbps, dram_energy_pj_per_bit
from ..cost.routing import real_runs, routed_runs
from ..cost.vector_unit import VectorUnit, baseline_vector_unit, with_vector_area, with_vector_energy
from ..mapping import plan_layer
from .ops import MatrixOp, Model

__all__ = ["price_baseline", "product_config", "product_runs", "items_per_fetch", "baseline_blocks", "conv_map_bits",
           "exceeds_sram", "activation_products", "RUN_FETCH", "fetch_span", "finishing_together"]

RUN_FETCH = "fetched once per run (together they exceed baseline.sram_kib)"
"""how the baseline fetches static weights that fit its on-chip memory one layer at a time but not together"""


def exceeds_sram(config: Config, weight_bits: int) -> bool:
    """whether ``weight_bits`` of static weights exceed ``baseline.sram_kib``: they cannot all stay on chip, so the
    baseline fetches them from DRAM at least once per run (:data:`RUN_FETCH`)"""
    return weight_bits > config.baseline.sram_kib * 1024 * 8


def product_config(config: Config, in_features: int, out_features: int, vectors_per_item: int = 1) -> Config:
    """``config`` for one matrix product priced as a dense layer (shapes only; already validated): the items of a
    ``baseline.batch`` share a weight fetch with all their ``vectors_per_item`` vectors (a conv's output positions,
    a prompt's tokens), so its batch in vectors is ``batch`` x ``vectors_per_item``."""
    workload = replace(config.workload, kind=WorkloadKind.DENSE, in_features=in_features, out_features=out_features)
    baseline = replace(config.baseline, batch=config.baseline.batch * vectors_per_item)
    return replace(config, workload=workload, baseline=baseline)


def product_runs(config: Config, in_features: int, out_features: int, vectors_per_item: int, vectors: int,
                 routed_fraction: float, tap_fraction: float, include_weight_load: bool,
                 weight_bits: int | None = None) -> tuple[Config, bool, list[tuple[int, float]]]:
    """(the product's config, whether its weights stay on chip, its (vectors, weight) runs) for ``vectors`` vectors
    of an in_features x out_features product: baseline.batch counts items, an item's ``vectors_per_item`` (a conv's
    positions, a prompt's tokens; a transposed conv's: its share meeting input values) sharing a fetch; a routed
    expert as the mean over the token counts it receives, batch by batch where it streams
    (:func:`cimsim.cost.routing.routed_runs`); a transposed conv's real products only (``real_runs``);
    ``weight_bits`` as in :func:`cimsim.cost.baseline.baseline_traffic`."""
    layer = product_config(config, in_features, out_features, max(1, round(vectors_per_item * tap_fraction)))
    fits = baseline_traffic(layer, 1, include_weight_load=include_weight_load, weight_bits=weight_bits).weights_fit
    runs = routed_runs(vectors, routed_fraction, layer.baseline.batch, routed_fraction == 1 or fits)
    return layer, fits, real_runs(runs, tap_fraction)


def items_per_fetch(layer: Config, vectors: int, per_item: int, load: bool, held_input_bits: float | None = None,
                    weight_bits: int | None = None) -> float:
    """The items whose vectors share one streamed fetch of a product (``layer``: its :func:`product_config`): the
    vectors a fetch serves (one where each vector fetches its own) over an item's ``per_item``; below one where an
    item's vectors take several fetches (``held_input_bits``, ``weight_bits`` as in
    :func:`cimsim.cost.baseline.baseline_traffic`). The items that finish together: at least one, its floor."""
    t = baseline_traffic(layer, vectors, include_weight_load=load, held_input_bits=held_input_bits,
                         weight_bits=weight_bits)
    return t.vectors_per_fetch / per_item


def fetch_span(served: list[float], loaded: list[float], items: int) -> tuple[float | None, float] | None:
    """(the fewest items a streamed fetch serves, None where no layer streams; the most items one layer holds
    together: a streamed fetch or a weight-stationary unit's register load, ``loaded``), each at most ``items``
    (``served``, ``loaded``: each such layer's :func:`items_per_fetch`); None where neither holds any"""
    if not (served or loaded):
        return None
    return min(items, min(served)) if served else None, min(items, max(served + loaded))


def finishing_together(span: tuple[float | None, float] | None) -> float | None:
    """the items that finish together on the baseline: the layers run one after the other, so the items one layer
    holds together wait for each other, the most of them (``span``, :func:`fetch_span`): a streamed fetch's (the
    fewest had been taken, so ResNet-50 on the a100 at batch 64 priced an image as one of 52, the early layers'
    fetch, 19 % short of its batch's products: a probe), or a weight-stationary unit's register load, its sub-batch
    (as a dense layer's vectors: :func:`cimsim.cost.baseline.baseline_breakdown`; the whole batch had been taken, 8x
    the dense route's for a 512 x 512 layer at batch 1024: a review); None where no layer streams and none holds
    more than one (latency / items)"""
    if span is None or (span[0] is None and span[1] <= 1):
        return None
    return span[1]


def conv_map_bits(held_input_bits: float | None, routed_fraction: float, tap_fraction: float) -> float | None:
    """the input-map bits a conv's vector writes on chip (``map_input_bits`` of
    :func:`cimsim.cost.baseline.baseline_traffic`): its share of the map it holds, for a plain conv; None for a
    routed expert or a transposed conv (its vectors priced as their routed or real share), whose inputs are written
    per vector (an over-count where a transposed conv's windows overlap)"""
    return held_input_bits if routed_fraction == 1 and tap_fraction == 1 else None


def baseline_blocks(block: Config, vectors: int, groups: int, *, include_weight_load: bool, io_bits: int,
                    one_off_load: bool, held_input_bits: float | None = None,
                    map_input_bits: float | None = None) -> list[Breakdown]:
    """The baseline of one matrix layer run ``vectors`` times: a grouped conv as its ``groups`` blocks (``block``,
    :func:`cimsim.models.baseline.product_config` of in / groups x out / groups; each moves its share of the
    ``io_bits`` crossing the DRAM interface, as the shapes route's do), not as its block-diagonal matrix (groups
    times the MACs and weights);
    ``one_off_load``: a weight load is the one-off fetch before the run (not the run's own fetch, RUN_FETCH);
    ``held_input_bits``, ``map_input_bits`` as in :func:`cimsim.cost.baseline.baseline_traffic`."""
    kinds = {"include_weight_load": include_weight_load, "one_off_load": one_off_load,
             "held_input_bits": held_input_bits, "map_input_bits": map_input_bits}
    return [baseline_breakdown(block, vectors, dram_activation_bits=io_bits // groups, **kinds)] * groups


def _products(config: Config, model: Model, items: int, kv_cache: str, too_big: bool,
              cache: dict[tuple, Any]) -> tuple[Breakdown, tuple[float | None, float] | None]:
    """the matrix products of ``items`` items run together (sharing weight fetches per baseline.batch), and the
    fewest items a streamed fetch serves and the most one layer holds together (:func:`fetch_span` of
    :func:`items_per_fetch`; below one where an item's vectors take several). A conv's positions hold their input
    map, not their im2col copies, while weights stream past, and write it once (:func:`conv_map_bits`)."""
    bits, last = config.dac.input_bits, model.static_ops[-1]
    out_bits = model.output_elements_per_item * plan_layer(config, last.in_features, last.out_features).accumulator_bits
    ops = tuple(model.of_type(MatrixOp))  # by position: one op object may stand at several places
    first, final = (next(k for k in order if ops[k].static) for order in (range(len(ops)), reversed(range(len(ops)))))
    dram_io = {first: items * model.input_elements_per_item * bits}
    dram_io[final] = dram_io.get(final, 0) + items * out_bits
    merged: dict[tuple, list] = {}  # a breakdown's key -> [its runs over the model, the places it stands for], in
    # order (a layer shape repeated over the layers, a routed expert's token counts: one part each, not one a layer)
    served, loaded = [], []
    stationary = config.baseline.dataflow == Dataflow.WEIGHT_STATIONARY
    for k, op in enumerate(ops):
        load = too_big if op.static else kv_cache == "dram"
        dram_bits = dram_io.get(k, 0) // op.groups
        # static weights serve every item of the run; an attention product's K and V are one item's own (a decoded
        # token's sequence, a prompt), so each item runs it apart
        # (their "weights" K and V are activations, at dac.input_bits)
        runs, run_vectors = (1, items * op.vectors_per_item) if op.static else (items, op.vectors_per_item)
        w_bits = None if op.static else bits
        shape = (op.in_features, op.out_features, op.vectors_per_item, run_vectors, op.routed_fraction,
                 op.tap_fraction, load, w_bits)  # a model's layers repeat their shapes: each priced once
        if ("runs", shape) not in cache:
            cache["runs", shape] = product_runs(config, *shape)
        layer, fits, vector_runs = cache["runs", shape]
        # the input bits a vector adds to a streamed batch: its share of the values the op reads (a conv's map)
        held = (op.input_elements_per_item * bits / (op.groups * op.vectors_per_item * op.routed_fraction)
                if op.input_elements_per_item else None)
        written = conv_map_bits(held, op.routed_fraction, op.tap_fraction)
        if op.static and (stationary or not fits):  # a fetch, or a resident layer's register load
            if ("fetch", shape, held) not in cache:
                cache["fetch", shape, held] = items_per_fetch(layer, run_vectors, op.vectors_per_item, load, held)
            (loaded if fits else served).append(cache["fetch", shape, held])
        for vectors, weight in vector_runs:
            key = (op.in_features, op.out_features, vectors, layer.baseline.batch, load, dram_bits, w_bits, held,
                   written)
            if key not in cache:
                cache[key] = baseline_breakdown(layer, vectors, include_weight_load=load, held_input_bits=held,
                                                dram_activation_bits=dram_bits, weight_bits=w_bits,
                                                map_input_bits=written, load_serves_these=not op.static)
            part = merged.setdefault(key, [0.0, 0])
            part[0] += runs * op.groups * weight
            part[1] += 1
    parts = [repeated(cache[key], count) for key, (count, _) in merged.items()]
    return (in_sequence(parts, config.baseline.name, items, shared_hardware=True,
                        places=[places for _, places in merged.values()]), fetch_span(served, loaded, items))


def activation_products(config: Config, model: Model, samples: int) -> list[Breakdown]:
    """The baseline's activation x activation products (attention's Q K^T, A V) of ``samples`` items, as matrix
    products on its MAC units (as :func:`price_baseline` does a model's): each item's own operands, both
    activations (``dac.input_bits`` wide), its vectors sharing their reads (a batch: ``baseline.batch`` items')."""
    return [repeated(baseline_breakdown(product_config(config, op.in_features, op.out_features, op.vectors_per_item),
                                        op.vectors_per_item, include_weight_load=False, dram_activation_bits=0,
                                        weight_bits=config.dac.input_bits), samples * op.groups)
            for op in model.of_type(MatrixOp) if not op.static]


def _check_dram(config: Config, model: Model, kv_cache: str, sequences: int) -> None:
    """ConfigError naming baseline.dram_gb when the model's parameters (at mapping.weight_bits) and a DRAM KV cache
    (every sequence in flight holds its own, at dac.input_bits) exceed the DRAM."""
    weight_bits = model.parameters * config.mapping.weight_bits
    in_flight = sequences if model.phase == "decode" else 1
    kv_bits = _kv_bits_held(config, model, sequences) if kv_cache == "dram" else 0
    what = f"model '{model.name}': its {model.parameters:,} parameters at {config.mapping.weight_bits} bits"
    if kv_bits:
        what += f" ({weight_bits / 8e9:.4g} GB) and the KV caches of {in_flight} sequence(s) ({kv_bits / 8e9:.4g} GB)"
    check_dram_capacity(config, weight_bits + kv_bits, what, parts=bool(kv_bits))


def _kv_bits_held(config: Config, model: Model, sequences: int) -> int:
    """bits of the KV caches held at once: one per sequence in flight (a decode), at dac.input_bits"""
    return (sequences if model.phase == "decode" else 1) * model.cache_elements * config.dac.input_bits


def _kv_place(config: Config, model: Model, kv_cache: str, sequences: int, too_big: bool) -> str:
    """where the baseline holds the KV caches: in DRAM when asked, or when the caches of the sequences in flight do
    not fit in baseline.sram_kib beside the static weights it keeps there, or when weight_streaming keeps nothing on
    chip; else on chip, as asked"""
    b = config.baseline
    held = _kv_bits_held(config, model, sequences)
    beside = 0 if too_big else model.crossbar_parameters * config.mapping.weight_bits
    fits = b.dataflow != Dataflow.WEIGHT_STREAMING and held + beside <= b.sram_kib * 1024 * 8
    return kv_cache if kv_cache == "dram" or not held or fits else "dram"


def _sentence(config: Config, model: Model, kv_cache: str, too_big: bool, lanes: int, step: int,
              span: tuple[float | None, float] | None) -> str:
    """the model-level assumption: where its static weights and its attention's K and V come from (``step``: the
    items run together, a batch holding at most that many; ``span``: as :func:`_products` gives it)"""
    b = config.baseline
    filled = min(b.batch, step)
    per_batch = (f"once per batch of {filled} {model.item}{'' if filled == 1 else 's'}"
                 + (f" (baseline.batch {b.batch}: {step} priced)" if filled < b.batch else ""))
    fewest = span[0] if span is not None and span[0] is not None else filled
    if fewest < filled:  # a fetch serves fewer vectors than the batch has
        per_batch += (f", and again for each part of the batch's vectors whose inputs the on-chip memory holds "
                      f"beside it ({fewest:.3g} {model.item}{'s' * (fewest != 1)} a fetch at the fewest; each "
                      "layer's line gives its fetches)")
    streaming = b.dataflow == Dataflow.WEIGHT_STREAMING
    if streaming:
        fetched = f"every layer's fetched from DRAM {per_batch} (weight_streaming keeps no weight on chip)"
    else:
        again = (RUN_FETCH.replace("once per run", "once per decode step of the sequences in flight")
                 if model.phase == "decode" else RUN_FETCH)  # a decode's run is its steps: fetched at each
        fetched = (f"those of a layer larger than the on-chip memory fetched from DRAM {per_batch}, the others "
                   + (again if too_big else "kept on chip"))
    kv = ("fetched from DRAM" if kv_cache == "dram" or streaming
          else "kept on chip where they fit beside a vector's activations, else streamed from DRAM")
    attention = (f"; attention's K and V, each item's own, are the weights of their products ({kv})"
                 if any(not op.static for op in model.of_type(MatrixOp)) else "")
    unit = (f"its own {lanes} lanes at {b.clock_ghz:g} GHz (baseline.vector_lanes)" if b.vector_lanes else
            f"the CIM chip's {lanes}-lane vector unit")
    return (f"Model '{model.name}': its matrix products one after the other; static weights: {fetched}{attention}; "
            f"vector ops on {unit}.")


@checked_types
def price_baseline(config: Config, model: Model, items: int, kv_cache: str, unit: VectorUnit,
                   vector_pj_per_item: float, vector_cycles_per_item: float, kv_write_bits_per_item: int,
                   sequences: int) -> Breakdown:
    """The baseline's breakdown of ``items`` items of ``model`` (module docstring); a decode runs in steps of
    ``sequences`` tokens, one per sequence (a token needs the one before it in its sequence), ``items`` tokens
    priced as that share of such steps (fewer items than sequences: a share of one step, its time and energy; an
    item's latency is still its whole batch's time where its items finish together: :func:`finishing_together`)."""
    b, unit = config.baseline, baseline_vector_unit(config, unit)
    too_big = exceeds_sram(config, model.crossbar_parameters * config.mapping.weight_bits)
    asked, kv_cache = kv_cache, _kv_place(config, model, kv_cache, sequences, too_big)
    _check_dram(config, model, kv_cache, sequences)
    cache: dict[tuple, Any] = {}  # products priced, by shape (both passes below)
    step = sequences if model.phase == "decode" else items  # the steady state the chip's interval prices too
    products, span = _products(config, model, step, kv_cache, too_big, cache)
    seq = in_sequence([repeated(products, items / step)], b.name, items, shared_hardware=True)

    vector_ns = items * unit.time_ns(vector_cycles_per_item)
    kv_bits = items * kv_write_bits_per_item
    kv_ns = kv_bits / (8.0 * (b.dram_bandwidth_gbps or dram_bandwidth_gbps(b.dram))) if kv_cache == "dram" else 0.0
    # board power: the board over the vector work's and the KV writes' time, as over the products' (one component)
    held = not has_die(b) and vector_cycles_per_item  # a unit with work; a die holds its own
    energy = with_vector_energy(seq.energy_pj, b, items * vector_pj_per_item, vector_ns + kv_ns, seq.latency_ns,
                                unit if held else None)
    if kv_bits and b.energy_model != EnergyModel.BOARD_POWER:
        energy["kv_cache_writes"] = kv_bits * (dram_energy_pj_per_bit(b.dram) if kv_cache == "dram"
                                               else onchip_memory(config).write_pj_per_bit)
    streams = b.dataflow == Dataflow.WEIGHT_STREAMING
    moved = "" if asked == kv_cache else " The KV caches the chip holds on chip are in the baseline's DRAM: " + (
        "its weight_streaming dataflow keeps no weight or KV cache on chip." if streams else
        f"they do not fit in baseline.sram_kib ({b.sram_kib:g} KiB) beside what it keeps there.")
    leak = (f" The vector unit leaks {unit.leakage_uw:.4g} uW besides the leakage above, over the whole run (as the "
            "leakage of the parts does, the time the vector work and KV writes add included)." if held else "")
    area, said = with_vector_area(seq.area_um2, unit if held else None)
    assumptions = (seq.assumptions
                   + (_sentence(config, model, kv_cache, too_big, unit.lanes, step, span) + leak + moved,)
                   + said + _unbatched_decode(config, model, sequences, span is not None and span[0] is not None))
    priced = Breakdown(name=b.name, energy_pj=energy, area_um2=area,
                       latency_ns=seq.latency_ns + vector_ns + kv_ns, compute_ns=seq.compute_ns + vector_ns,
                       memory_ns=seq.memory_ns + kv_ns, mvms=items, assumptions=assumptions,
                       macs=model.macs(items))  # the chip's count: exact, where the parts' float shares round
    if not (together := finishing_together(span)):
        return priced
    batch = min(b.batch, step, max(1, int(together)))  # one batch's products, its share of vector work and KV writes
    batch_ns = _products(config, model, batch, kv_cache, too_big, cache)[0].latency_ns
    return in_batches(priced, batch, batch_ns, seq.latency_ns)


def _unbatched_decode(config: Config, model: Model, sequences: int, streams: bool) -> tuple[str, ...]:
    """the line (also warned) where a decode's sequences in flight outnumber the baseline's batch while its weights
    stream per batch (``streams``: some layer's weights are fetched per batch): the chip decodes them
    together, the baseline fetches its weights once per ``baseline.batch`` of them (a GPU preset's batch is 1,
    latency-bound serving)"""
    batch = config.baseline.batch
    if model.phase != "decode" or sequences <= batch or not streams:
        return ()
    fetched = ("every layer's weights {n} times a step" if config.baseline.dataflow == Dataflow.WEIGHT_STREAMING
               else "the weights of a layer larger than its on-chip memory {n} times a step (the others once)")
    line = (f"The chip decodes {sequences} sequences a step together; the baseline batches {batch} a weight fetch "
            f"('baseline.batch'), so it fetches {fetched.format(n=-(-sequences // batch))}: set baseline.batch = "
            f"{sequences} for a baseline that batches them as the chip does.")
    warnings.warn(line, RuntimeWarning, stacklevel=5)  # the caller of price_model (checked_types wrappers between)
    return (line,)
