"""A model priced from its shapes: CIM chips (crossbars + a digital vector unit + a KV cache) against the baseline.

CIM side. Static matrices are placed on chips (:mod:`cimsim.models.placement`); each chip's matrices are the
stages of :func:`cimsim.cost.chip.chip_breakdown` with :func:`cimsim.analytic.analytic_counts` (weights
resident: programming not counted). Each chip has a vector unit (:mod:`cimsim.cost.vector_unit`) for its
non-matrix ops and attention products, and holds its layers' KV cache in SRAM (banks of
``chip.global_buffer_kib``, Horowitz's law; no time charged: banks in parallel feed the lanes) or in DRAM (the
chip's DRAM, energy and bandwidth as :mod:`cimsim.cost.memory`). A chip's global buffer is sized up to what its
layer boundaries need when ``chip.global_buffer_kib`` is smaller (the chip model's double-buffered rule; the size
used is reported). Times per item: a chip's item latency plus its vector-unit, KV-cache and outgoing-link times
(serial); the pipeline interval is the slowest of those over the chips (``chip.pipeline = "layer"``). A decode
step needs the token before it, so one sequence's tokens cannot overlap: the interval is at least the token
latency / ``sequences`` (sequences decoded at once). Leakage: each chip's static power over the whole run.

Several chips: chip k passes its outbound activations to chip k+1 over a chip-to-chip link priced at
:data:`LINK_ENERGY_PJ_PER_BIT` and :data:`LINK_BANDWIDTH_GBPS` (activations at ``dac.input_bits``). Reloading:
one chip holds one part of the weights at a time; each part is fetched from DRAM (``weight_reload``), programmed
(one pulse per cell: a lower bound under program-and-verify) and run on the items, its outputs spilled to DRAM and
read back by the next part (``activation_spill``); parts run one after the other, once per run (a decode: once
per step, as a token needs the whole model before the next one of its sequence; each part is priced on one step's
tokens and the steps add, fewer tokens than a step counted as that share of one, as the baseline counts them). A
routed expert's weights are fetched and programmed only in the runs some token reaches (the baseline's rule,
:func:`cimsim.models.compose.reached`). Activation products on arrays are placed like weights but neither fetched
nor programmed by a reload: their operands are written every item.

A routed expert (``MatrixOp.routed_fraction`` below 1) is busy for at least one vector of an item that reaches it;
its activations cross the global buffer and the mesh for its mean share of the vectors, and its compute time is in
an item's path for that share of the busy vectors (``Stage.path_share``), as its MACs and array events are.

Baseline: :mod:`cimsim.models.baseline` (attention's products as matrix products; vector ops on the same vector unit).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..analytic import UNIFORM_DATA, DataStats, analytic_counts
from ..argcheck import check_bool, check_int, checked_types
from ..breakdown import Breakdown, in_sequence, repeated
from ..config.modes import MemoryTechnology
from ..config.schema import Config
from ..cost.cells import array_cell
from ..cost.chip import Stage, chip_breakdown, map_written_once, staged_bits
from ..cost.chip_capacity import global_buffer_need_bits
from ..cost.cim import programming_pulses
from ..cost.edram import beyond_depth_law
from ..cost.memory import dram_energy_pj_per_bit
from ..cost.vector_unit import MAX_LANES, VectorUnit, vector_unit
from ..counts import Counts
from ..mapping import Plan
from ..numerics.checks import validated_config
from .baseline import price_baseline
from .compose import LINK_BANDWIDTH_GBPS, LINK_ENERGY_PJ_PER_BIT, PerItem, compose, reached
from .ops import MatrixOp, Model, VectorOp
from .placement import ChipPart, Placed, check_arguments, place_model
from .result import ModelPrice
from .wear import with_wear

__all__ = ["price_model", "chips_needed", "counts_per_vector", "op_data", "DoesNotFitError",
           "LINK_ENERGY_PJ_PER_BIT", "LINK_BANDWIDTH_GBPS", "DEFAULT_VECTOR_LANES", "KV_PLACES", "ACTIVATION_PLACES",
           "MAX_ITEMS", "MAX_SEQUENCES"]

DEFAULT_VECTOR_LANES = 256
"""cimsim's choice: as many lanes as the default baseline's MAC units (config/baselines/digital-accelerator.toml)"""
KV_PLACES = ("sram", "dram")
ACTIVATION_PLACES = ("digital", "arrays")
"""where activation x activation products run: the vector unit, or crossbars rewritten with one operand per item"""
MAX_ITEMS = 2 ** 40
"""most items price_model takes (1.1e12: a year of inference at 35 000 items a second); its figures are per item
from a steady state a few items reach, and items x MACs per item stay far inside float64 (10**400 had overflowed)"""
MAX_SEQUENCES = 2 ** 16
"""most sequences decoded at once (65 536: 16x the largest batch vLLM's tuning guides use, 4096), each holding its
own KV cache (10**50 had priced 2e33 TJ a token)"""


class DoesNotFitError(ValueError):
    """The weights need more chips than allowed and reloading was not asked for."""


def _rewrites(part: ChipPart, config: Config) -> tuple[float, float]:
    """(energy pJ, time ns) per item of writing the operands of the part's activation products on arrays: one
    pulse per cell that holds an operand (a block-diagonal pack's zeros stay: they had been charged every item), a
    row of every array at a time (:func:`cimsim.cost.cim.programming_pulses`), the products one after another."""
    family, _ = array_cell(config.device.name, config.array.family, config.device.bits_per_cell)
    rewritten = [placed for placed in part.placed if placed.rewritten]
    return (sum(placed.weight_cells for placed in rewritten) * family.write_energy_pj,
            sum(programming_pulses(placed.plan, placed.cells) for placed in rewritten) * family.write_ns)


def _extras(part: ChipPart, unit: VectorUnit, config: Config, after: ChipPart | None) -> PerItem:
    """``part``'s work beside its crossbars per item (``after``: the part after it, None: the last)"""
    bits = config.dac.input_bits
    vector_pj, vector_cycles = unit.work(part.vector_ops, part.activation_ops, config.technology)
    return PerItem(
        vector_pj=vector_pj, vector_cycles=vector_cycles,
        kv_write_bits=sum(c.write_elements_per_item for c in part.cache_ops) * bits,
        kv_read_bits=sum(c.read_elements_per_item for c in part.cache_ops) * bits,
        kv_held_bits=sum(c.held_elements for c in part.cache_ops) * bits,
        rewrite=_rewrites(part, config), vector_ns=unit.time_ns(vector_cycles),
        out_bits=0 if after is None else after.inbound_bits(bits),
    )


@checked_types
def counts_per_vector(plan: Plan, data: DataStats = UNIFORM_DATA) -> Counts:
    """``analytic_counts(plan, 1, data)``, from one full column tile and the last one: every count but ``mvms``, the
    DRAM input and the input written into the tile buffer (per vector, not per tile) adds over the column tiles, and
    the full tiles are alike (exact; a 4096 x 22016 matrix: 2 tiles counted instead of 688)."""
    full, rest = divmod(plan.out_features, plan.outputs_per_array)
    if full < 2:
        return analytic_counts(plan, 1, data)
    counts = analytic_counts(replace(plan, out_features=plan.outputs_per_array), 1, data).scaled(full)
    if rest:
        counts = counts + analytic_counts(replace(plan, out_features=rest), 1, data)
    in_bits = plan.in_features * plan.input_bits
    return replace(counts, mvms=1, dram_read_bits=in_bits,
                   buffer_write_bits=in_bits + plan.out_features * plan.accumulator_bits)


@checked_types
def op_data(op: MatrixOp, config: Config, plan: Plan, last: bool = False) -> DataStats:
    """the data of ``op`` as ``plan`` reads it: the plane codes and stored levels of its input and weight samples
    where it has them (:func:`measured_data`), else its zero fractions where it states them, else the config's.
    A grouped op's ``plan`` is a packed block of g = plan.in_features // op.in_features groups read whole
    (:mod:`cimsim.models.placement`): its cells hold the block-diagonal matrix (of every g cells, g - 1 hold a
    zero weight) and its rows the inputs of its groups (:func:`_packed_inputs`: the full blocks', or ``last``: the
    last g groups', a part-filled last block)."""
    stated = DataStats.of(config)
    zero_in = stated.input_zero_fraction if op.input_zero_fraction is None else op.input_zero_fraction
    zero_w = stated.weight_zero_fraction if op.weight_zero_fraction is None else op.weight_zero_fraction
    inputs, weights, g = op.input_sample, op.weight_sample, plan.in_features // op.in_features
    if op.groups > 1 and g > 1:
        zero_w = 1.0 - (1.0 - zero_w) / g
        inputs = None if inputs is None else _packed_inputs(inputs, op.groups, g, last)
        if weights is not None:  # row k (output k, of group k // out_features) in its group's columns, 0 elsewhere
            rows, per = np.arange(len(weights))[:, None], op.in_features
            block = np.zeros((len(weights), g * per))
            block[rows, rows // op.out_features % g * per + np.arange(per)] = weights
            weights = block
    from ..numerics.samples import measured_data  # numba, where sampled

    return measured_data(config, plan, inputs, weights, DataStats(zero_in, zero_w))


def _packed_inputs(sample: np.ndarray, groups: int, g: int, last: bool = False) -> np.ndarray:
    """the input vectors of packed blocks of ``g`` groups from a grouped op's ``sample`` (rows of in values, row k
    of group k % ``groups``, as :func:`cimsim.models.from_network.model_from_network` gives them; repeated to
    whole vectors of the groups): each block's groups in its rows, the blocks of the first groups // g * g groups
    (``last``: of the last g groups) one after another"""
    per = sample.shape[1]
    vectors = np.resize(sample, (-(-len(sample) // groups) * groups, per)).reshape(-1, groups * per)
    first, blocks = (groups - g, 1) if last else (0, groups // g)
    return vectors[:, first * per:(first + blocks * g) * per].reshape(-1, g * per)


def _global_buffer_kib(config: Config, stages: list[Stage], model: str) -> float:
    """the chip model's need for activations at the layer boundaries (double-buffered when pipelined), or the config's;
    ValueError naming ``model`` where an eDRAM buffer (chip.buffer_memory) of its need is past the eDRAM law's range"""
    chip, need = config.chip, global_buffer_need_bits(config, staged_bits(stages)) / 8192
    kib = max(chip.global_buffer_kib, math.ceil(need))
    why = beyond_depth_law(kib * 1024, dram_energy_pj_per_bit(config.baseline.dram))
    if kib > chip.global_buffer_kib and chip.buffer_memory == MemoryTechnology.EDRAM and why:
        raise ValueError(f"{config.source}: model {model!r} needs a {kib / 1024:.4g} MiB global buffer (activations "
                         f"between layers): in eDRAM ({config.baseline.dram}) {why}; chip.buffer_memory = \"sram\"")
    return kib


class _Pricer:
    """Prices the chip parts of one model, caching counts and chips of identical shapes: ``items`` items, the
    weights loaded ``reload_runs`` times (0: resident; a share of a run: that share of its cost), a run of ``step``
    items (a decode's step of tokens; else all of them)."""

    def __init__(self, config: Config, model: Model, items: int, reload_runs: float, step: int):
        self.config, self.model, self.items, self.reload_runs, self.step = config, model, items, reload_runs, step
        self._counts: dict = {}
        self._chips: dict = {}

    def stage(self, placed: Placed, first: bool, last: bool, items: int, loads: int) -> Stage:
        """``placed`` as a stage of ``items`` items, its weights programmed ``loads`` times (an operand rewritten
        every item is not: :func:`_rewrites`; a routed expert's: where some item reaches it), its activations those
        of its mean share of the vectors"""
        plan, bits, op = placed.plan, self.config.dac.input_bits, placed.op
        mean = placed.vectors_per_item * op.routed_fraction  # the vectors an item sends it, on the mean
        writes = 0 if placed.rewritten or not loads else round(placed.cells * loads * reached(placed.op, items))
        counts = self.vector_counts(placed).scaled(items * placed.op.vectors_per_item).share(placed.op.routed_fraction)
        counts = replace(counts, macs=placed.op.macs(items),
                         dram_read_bits=items * self.model.input_elements_per_item * bits if first else 0,
                         dram_write_bits=(items * self.model.output_elements_per_item * plan.accumulator_bits
                                          if last else 0),
                         cell_writes=writes)
        group_vectors = op.vectors_per_item * op.routed_fraction * op.groups  # no part-filled block's empty groups
        final = (op.places or (op.vectors_per_item,))[-1] * op.routed_fraction * op.groups if placed.final else 0.0
        out_bits = op.out_features * ((group_vectors - final) * bits + final * plan.accumulator_bits)
        read = min(1.0, op.input_elements_per_item / (group_vectors * op.in_features))  # a conv reads its map
        window_bits = group_vectors * op.in_features * bits  # an item's vectors' inputs, every block's
        return Stage(plan, map_written_once(counts, items * window_bits, read), placed.busy_vectors_per_item,
                     round(window_bits * read), round(out_bits), mean / placed.busy_vectors_per_item,
                     places=placed.busy_places, blocks=placed.blocks)

    def vector_counts(self, placed: Placed) -> Counts:
        """counts of one vector of ``placed.op`` through all its packed blocks: the full ones alike, a part-filled
        last one on its own plan (:attr:`Placed.last`), each at the data it reads (:func:`op_data`)"""
        full = self._block_counts(placed.op, placed.plan, False).scaled(placed.blocks - (placed.last is not None))
        return full if placed.last is None else full + self._block_counts(placed.op, placed.last, True)

    def _block_counts(self, op: MatrixOp, plan: Plan, last: bool) -> Counts:
        """:func:`counts_per_vector` of ``plan`` at the data it reads of ``op`` (:func:`op_data`), cached"""
        data = op_data(op, self.config, plan, last)
        if (plan, data) not in self._counts:
            self._counts[plan, data] = counts_per_vector(plan, data)
        return self._counts[plan, data]

    def chip(self, stages: list[Stage], items: int, beside_ns: float) -> tuple[Breakdown, float]:
        key = (tuple(stages), gb := _global_buffer_kib(self.config, stages, self.model.name), beside_ns)
        if key not in self._chips:
            config = replace(self.config, chip=replace(self.config.chip, global_buffer_kib=gb))
            self._chips[key] = chip_breakdown(config, stages, items, name=self.config.name, beside_ns=beside_ns)
        return self._chips[key], gb

    def part(self, part: ChipPart, first: bool, last: bool, beside: PerItem) -> tuple[Breakdown, float]:
        """(chip breakdown, global buffer KiB) of ``part`` (``first`` / ``last``: it holds the model's first / last
        matrix; ``beside``: its work beside the crossbars, whose interval bounds chip.balance's copies) over every
        item: one run with the weights resident, or the reloaded runs of ``step`` items each (programmed, then its
        items; a decode's steps one after the other: tokens of different steps never overlap; a share of a run
        counted as that share of it)"""
        def run(items: int, loads: int) -> tuple[Breakdown, float]:
            return self.chip([self.stage(p, first and i == 0, last and i == len(part.placed) - 1, items, loads)
                              for i, p in enumerate(part.placed)], items, beside.beside_ns(self.reload_runs > 0))

        if not self.reload_runs:
            return run(self.items, 0)
        bd, gb = run(self.step, 1)
        runs = in_sequence([repeated(bd, self.reload_runs)], self.config.name, self.items, shared_hardware=True)
        return replace(runs, stages=bd.stages), gb  # each run's stages, as the part's


def _check_options(config, model, items: int, chips: int | None, reload_weights: bool, kv_cache: str, sequences: int,
                   activation_products: str, vector_lanes: int) -> tuple[Config, int, int | None, int, int]:
    """(config as the loader stores it, items, chips, sequences, vector_lanes as Python ints) once all pass"""
    check_arguments(config, model)
    check_bool("reload_weights", reload_weights)
    if activation_products not in ACTIVATION_PLACES:
        raise ValueError(f"activation_products must be one of {', '.join(ACTIVATION_PLACES)}; got "
                         f"{activation_products!r}")
    items, sequences = (check_int(name, value, maximum=most) for name, value, most in (
        ("items", items, MAX_ITEMS), ("sequences", sequences, MAX_SEQUENCES)))
    chips = None if chips is None else check_int("chips", chips)
    vector_lanes = check_int("vector_lanes", vector_lanes, 1, MAX_LANES)
    if chips is not None and reload_weights:
        raise ValueError("give either chips (the weights span several chips) or reload_weights, not both")
    if kv_cache not in KV_PLACES:
        raise ValueError(f"kv_cache must be one of {', '.join(KV_PLACES)}; got {kv_cache!r}")
    _check_options_apply(model, kv_cache, sequences, activation_products)
    return validated_config(config), items, chips, sequences, vector_lanes  # a Config built in code: every rule


def _check_options_apply(model: Model, kv_cache: str, sequences: int, activation_products: str) -> None:
    """a ValueError for an option ``model`` would ignore (as the CLI refuses it): a KV cache's place for a model
    without a KV cache, sequences decoded at once for a model that does not decode, activation products on arrays
    for a model without any"""
    if kv_cache != "sram" and not model.keeps_cache:
        raise ValueError(f"kv_cache={kv_cache!r} does not apply to {model.name}: it has no KV cache (the shapes "
                         "route's decoders have one; a network priced from its graph is one pass, no cache kept)")
    if sequences != 1 and model.phase != "decode":
        raise ValueError(f"sequences={sequences!r} does not apply to {model.name}: it is for decoding (a decoder's "
                         "decode phase)")
    if activation_products == "arrays" and all(op.static for op in model.of_type(MatrixOp)):
        raise ValueError(f"activation_products='arrays': {model.name} has no activation x activation product "
                         "(attention) to put on arrays")


def price_model(config: Config, model: Model, *, items: int = 1, chips: int | None = None,
                reload_weights: bool = False, kv_cache: str = "sram", vector_lanes: int = DEFAULT_VECTOR_LANES,
                sequences: int = 1, activation_products: str = "digital") -> ModelPrice:
    """CIM and baseline breakdowns of ``items`` items of ``model`` on ``config``'s design, from shapes alone.

    ``chips``: chips the weights may span (None: one); ``reload_weights``: one chip reprogrammed part by part
    instead. A model needing more chips than allowed raises :class:`DoesNotFitError` naming both options.
    ``kv_cache``: sram or dram; ``vector_lanes``: lanes of each chip's vector unit; ``sequences``: decode only,
    sequences decoded at once. ``activation_products``: "digital" (the vector unit) or "arrays": crossbars written
    with one operand (K, V) every item, then read (one pulse per cell: a lower bound; writes before reads);
    ``cell_lifetime_s`` is how long the cells' write endurance lasts at this rate (theirs, or reloaded parts'). An
    option the model would ignore is a ValueError (kv_cache or sequences off their defaults without a KV cache; arrays
    without attention)."""
    config, items, chips, sequences, vector_lanes = _check_options(
        config, model, items, chips, reload_weights, kv_cache, sequences, activation_products, vector_lanes)
    rewritten = frozenset(op.name for op in model.of_type(MatrixOp) if not op.static
                          and activation_products == "arrays")
    if clash := sorted(rewritten & {op.name for op in model.static_ops}):  # placement marks them by name
        raise ValueError(f"model {model.name!r}: activation_products='arrays' tells its activation products by name, "
                         f"and {', '.join(map(repr, clash))} also names a trained matrix; give the ops distinct names")
    placed_model = model if not rewritten else replace(model, ops=tuple(
        replace(op, weights="static") if isinstance(op, MatrixOp) and op.name in rewritten else op for op in model.ops))
    parts = place_model(config, placed_model, rewritten)
    chip_cfg = config.chip
    arrays = sum(p.arrays for p in parts)
    if len(parts) > (chips or 1) and not reload_weights:
        raise DoesNotFitError(
            f"{model.name} needs {len(parts)} chips: {arrays} arrays of {config.array.rows} x {config.array.cols} on "
            f"{sum(p.tiles for p in parts)} tiles, a chip has {chip_cfg.tiles} tiles of {chip_cfg.arrays_per_tile} "
            f"arrays (chip.tiles, chip.arrays_per_tile); let the weights span chips with chips={len(parts)} "
            f"(--chips {len(parts)}) or reload them from DRAM with reload_weights=True (--reload-weights)"
            + (f", or lower mapping.replication ({copies} copies of every matrix's arrays)"
               if (copies := config.mapping.replication) > 1 else ""))
    unit = vector_unit(config.technology, vector_lanes, config.dac.input_bits)
    reloaded = reload_weights and len(parts) > 1  # a model of one part stays programmed: resident
    runs, run_items = _reload_runs(model, items, sequences) if reloaded else (0, items)
    pricer = _Pricer(config, placed_model, items, runs, run_items)
    extras = [_extras(p, unit, config, (parts[j + 1:] or [None])[0]) for j, p in enumerate(parts)]
    chips_priced = [(p, *pricer.part(p, p is parts[0], p is parts[-1], e), e) for p, e in zip(parts, extras)]
    cim = compose(config, model, chips_priced, unit, items, kv_cache, runs, sequences)
    cim = replace(cim, vector_unit_macs=sum(  # the activation products the vector units ran, not the arrays
        op.macs(items) for op in model.of_type(MatrixOp) if not op.static and op.name not in rewritten))
    cim, lifetime = with_wear(config, cim, rewritten, runs, len(parts))
    vector_ops = list(model.of_type(VectorOp))  # the baseline runs attention's products as matrix products
    baseline = price_baseline(config, model, items, kv_cache, unit,
                              sum(v.elements_per_item * unit.element_energy_pj(v.kind) for v in vector_ops),
                              sum(v.elements_per_item * unit.element_cycles(v.kind) for v in vector_ops),
                              sum(c[3].kv_write_bits for c in chips_priced), sequences)
    placed = [p for part in parts for p in part.placed]
    return ModelPrice(
        model=model.name, phase=model.phase, item=model.item, tokens_per_item=model.tokens_per_item, items=items,
        cim=cim, baseline=baseline, chips=1 if reload_weights else len(parts), chips_needed=len(parts),
        weight_parts=len(parts) if reloaded else 1, arrays=arrays, tiles=sum(p.tiles for p in parts),
        arrays_per_chip=chip_cfg.tiles * chip_cfg.arrays_per_tile, kv_cache=kv_cache if model.keeps_cache else None,
        global_buffer_kib=tuple(c[2] for c in chips_priced),
        cell_utilisation=sum(p.weight_cells for p in placed) / (arrays * config.array.rows * config.array.cols),
        parameters=model.parameters, macs_per_item=model.macs_per_item, cell_lifetime_s=lifetime, config=config,
    )


def chips_needed(config: Config, model: Model) -> int:
    """chips that hold every trained weight of ``model`` at once (the placement rule of
    :mod:`cimsim.models.placement`); activation products put on arrays (``price_model(...,
    activation_products="arrays")``) need room besides"""
    return len(place_model(config, model))


def _reload_runs(model: Model, items: int, sequences: int) -> tuple[float, int]:
    """(times the weights of a model of several parts are loaded, items of each load): once for the run, or once per
    decode step of ``sequences`` tokens (a token needs the whole model before the next token of its sequence can
    start), ``items`` tokens as that share of such steps: a share of one step counted as that share, in the steady
    state the baseline prices (:func:`cimsim.models.baseline.price_baseline`). A model of one part is not reloaded:
    it stays programmed, resident (GPT-2 on one chip had been reloaded every step: 3143 against 425 uJ a token)."""
    return (items / sequences, sequences) if model.phase == "decode" else (1, items)
