"""The von Neumann baseline: the same dense workload on a digital processor (docs/design.md section 4; every rule
in docs/cost_baseline.md).

Shapes only. P = ``macs_per_cycle`` MAC units at ``clock_ghz`` (``wide_macs_per_cycle`` above 8-bit operands when
set), one on-chip memory of ``sram_kib`` (SRAM or eDRAM in ``onchip_banks`` banks; every access touches one bank)
and a DRAM, at the config's node and supply; B = ``batch`` vectors share a weight fetch (a model or network:
``batch`` x an item's vectors). Dataflows, per vector of n_in inputs and n_out outputs:

- ``output_stationary``: each unit accumulates one output, clocking weight, input and accumulator registers per
  MAC; each input is read once per group of P outputs, each weight once per vector.
- ``weight_stationary``: the units form an array of R = ``array_rows`` (left out: the layer's tiling of least
  on-chip traffic, :func:`.baseline_notes.array_rows`; at most P) rows x P // R columns holding k = min(n_in, R)
  inputs x m = min(n_out, P // R) outputs of weights, each loaded once per batch; inputs are read once per output
  tile; partial sums are written out and read back T - 1 times per output and vector (T = ceil(n_in / k)).
- ``weight_streaming``: that tiling, but every batch fetches all weights from DRAM straight into the registers.

Weights fit when they and one vector's activations fit on chip (never with ``weight_streaming``): fetched once (with
``include_weight_load``), larger batches run in sub-batches, so a batch never adds weight traffic; without the load,
or where the load serves these vectors alone (``load_serves_these``: an item's own K and V from a DRAM KV cache, a
decoded token's read once), streamed where that costs less energy and no more time (sub-batches of few vectors
reloading a weight-stationary array). Otherwise they stream from DRAM once per batch (of as many vectors as the memory
holds the inputs of, at most B; outputs leave as each is done), straight into the registers with the weight-stationary
tilings; ``output_stationary`` reuses a fetch only by staging it on chip (written once, read per vector), batch by
batch where that costs less energy as priced (board power, or the events and leakage, over each plan's time) than
fetching the weights from DRAM for every vector (which it does otherwise; a last, partial batch decides on its own).
Inputs are read from DRAM once; outputs written to it once. An activation x activation product (attention's Q
K^T, A V) passes ``weight_bits`` = ``dac.input_bits``: its "weights" (K, V) are activations, at that width.

Latency is a roofline (:mod:`.baseline_time`): max(MACs / (P x clock_ghz), DRAM bytes / DRAM bandwidth, on-chip
bytes / on-chip bandwidth); a one-off weight load (``one_off_load``) runs before the vectors, in series; a streamed
vector waits for its whole batch (the roofline of one fetch and the vectors it serves). Energy (``energy_model``):
``components`` prices every event and the leakage of its parts over the run (the chip's leakage densities,
:mod:`.leakage`); ``board_power`` is ``board_power_w`` x latency (a GPU's datasheet-level model).
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..argcheck import check_bool, check_int, check_real, checked_types
from ..breakdown import Breakdown
from ..config.modes import Dataflow, EnergyModel
from ..config.schema import BaselineConfig, Config
from ..errors import ConfigError
from ..mapping import Plan, plan_layer
from .baseline_checks import check_baseline
from .baseline_area import area_sentence, baseline_area_um2, baseline_leakage_uw, leakage_sentence
from .baseline_notes import array_rows, baseline_assumptions, board_power_sentence
from . import baseline_time
from .baseline_time import macs_per_cycle, peak_tops, times_ns
from .baseline_traffic import BaselineTraffic, combined
from .digital import mac_energy_pj, register_file_energy_pj_per_bit
from .memory import check_dram_capacity, dram_energy_pj_per_bit
from .onchip import OnChipMemory, onchip_memory

__all__ = ["BaselineTraffic", "OnChipMemory", "baseline_traffic", "baseline_breakdown", "onchip_memory", "peak_tops",
           "macs_per_cycle", "check_dram_capacity"]

ENERGY_MODELS: tuple[EnergyModel, ...] = tuple(EnergyModel)


def _dataflow_counts(b: BaselineConfig, plan: Plan, vectors: int, batches: int,
                     direct: bool) -> tuple[int, int, int, int]:
    """(reads of each input per vector, partial-sum spills per output and vector, weight bits read from the
    on-chip memory, register bits clocked) of ``vectors`` vectors in ``batches`` batches under ``b.dataflow``."""
    n_in, n_out = plan.in_features, plan.out_features
    w_bits, x_bits, acc_bits = plan.weight_bits, plan.input_bits, plan.accumulator_bits
    p = macs_per_cycle(b, max(w_bits, x_bits))
    macs = vectors * n_in * n_out
    weight_bits = n_in * n_out * w_bits
    if b.dataflow in (Dataflow.WEIGHT_STATIONARY, Dataflow.WEIGHT_STREAMING):
        rows = array_rows(b, plan, p)
        tile_in, tile_out = min(n_in, rows), min(n_out, p // rows)
        input_reads = math.ceil(n_out / tile_out)  # each input tile is read once per output tile
        spills = math.ceil(n_in / tile_in) - 1  # partial sums written out and read back per output and vector
        weight_reads = 0 if direct else batches * weight_bits
        return input_reads, spills, weight_reads, macs * (x_bits + acc_bits) + batches * weight_bits
    input_reads = math.ceil(n_out / p)  # each input is read once per group of P outputs
    weight_reads = 0 if direct else vectors * weight_bits
    return input_reads, 0, weight_reads, macs * (w_bits + x_bits + acc_bits)


def _residence(b: BaselineConfig, weight_bits: int, io_bits_per_vector: int, row_bits: int,
               held_bits_per_vector: float) -> tuple[int | None, int]:
    """(vectors per sub-batch where the weights can stay on chip, else None; vectors a streamed fetch serves).
    Resident weights need room beside one vector's inputs and outputs, and a batch runs in sub-batches of as many
    vectors as fit beside them. Streamed weights serve a batch of vectors whose inputs (``held_bits_per_vector``
    each; outputs leave as they are done) the memory holds while they pass (beside ``row_bits``, one output's
    weights, where an output-stationary unit stages them): at most baseline.batch, at least one."""
    memory_bits = b.sram_kib * 1024 * 8
    room_bits = memory_bits - weight_bits
    staged = row_bits if b.dataflow == Dataflow.OUTPUT_STATIONARY else 0
    streamed = max(1, min(b.batch, int((memory_bits - staged) // held_bits_per_vector)))
    if b.dataflow == Dataflow.WEIGHT_STREAMING or room_bits < io_bits_per_vector:
        return None, streamed
    return min(b.batch, int(room_bits // io_bits_per_vector)), streamed


def _staged_where_cheaper(config: Config, plan: Plan, vectors: int, fetch_batch: int, include_weight_load: bool,
                          dram_activation_bits: int | None, map_bits: float | None) -> BaselineTraffic:
    """Output-stationary streamed weights: each batch's fetch staged on chip (written once, read per vector) or
    fetched for each vector straight into the registers, whichever costs that batch less energy as the baseline
    prices it (:func:`_run_energy_pj`; a tie: fetched); the whole batches alike, a last, partial one on its own
    (staging one run-wide had made one vector past a batch fetch every vector again: 17x the time)."""
    full, rest = divmod(vectors, fetch_batch)
    parts, leakage_uw = [], _leakage_uw(config, plan)  # (one area and leakage for every plan weighed)
    for runs, size in ((full, fetch_batch), (1, rest)):
        io = None if dram_activation_bits is None else round(dram_activation_bits * size / vectors)
        if runs and size:
            parts.append((runs, min((_traffic(config, plan, size, fetch_batch, include_weight_load, io, direct=each,
                                              map_bits=map_bits) for each in (True, False)),
                                    key=lambda t: _run_energy_pj(config, plan, t, leakage_uw))))
    total, whole, last = combined(parts), parts[0][1].weights_direct, parts[-1][1].weights_direct
    return replace(total, last_batch_direct=last and not whole, dram_activation_bits=(
        total.dram_activation_bits if dram_activation_bits is None else dram_activation_bits))


def _run_energy_pj(config: Config, plan: Plan, t: BaselineTraffic, leakage_uw: float) -> float:
    """the energy of ``t`` as the baseline prices it, pJ: board power over its roofline time (``board_power``), else
    its dynamic energy and ``leakage_uw`` (:func:`_leakage_uw`) over that time"""
    b, ns = config.baseline, max(times_ns(config.baseline, plan, t))
    if b.energy_model == EnergyModel.BOARD_POWER:
        return b.board_power_w * ns * 1e3  # W x ns = nJ
    return _energy_pj(config, plan, t) + leakage_uw * ns * 1e-3


def _leakage_uw(config: Config, plan: Plan) -> float:
    """the baseline's leakage power, uW (0 for a board-power baseline, whose board power holds it)"""
    if config.baseline.energy_model == EnergyModel.BOARD_POWER:
        return 0.0
    return baseline_leakage_uw(config, baseline_area_um2(config, plan, onchip_memory(config)))


def _plan(config: Config, weight_bits: int | None) -> Plan:
    """The layer's plan, its stationary operand at ``weight_bits`` bits (None: mapping.weight_bits)."""
    plan = plan_layer(config)
    return plan if weight_bits is None else replace(plan, weight_bits=check_int("weight_bits", weight_bits, 1, 64))


@checked_types
def baseline_traffic(config: Config, vectors: int, *, include_weight_load: bool,
                     dram_activation_bits: int | None = None, weight_bits: int | None = None,
                     held_input_bits: float | None = None, map_input_bits: float | None = None,
                     load_serves_these: bool = False) -> BaselineTraffic:
    """Traffic at each level of the baseline for ``vectors`` vectors of the config's dense layer
    (``load_serves_these``: the loaded weights serve these vectors alone, an item's own K and V: module doc).

    ``dram_activation_bits``: input and output bits that cross the DRAM interface; None: every input vector
    read and every output written once (a network passes what its layer really moves: activations between
    layers stay on chip). ``weight_bits``: the stationary operand's width (None: mapping.weight_bits; an
    activation x activation product: dac.input_bits). ``held_input_bits``: the input bits each vector adds to what a
    streamed fetch's batch holds on chip (None: its in_features inputs; a conv's positions share their inputs, its
    input map's bits over its positions). ``map_input_bits``: a conv's input map bits over its positions, written on
    chip once as the map arrives, each position reading its window as gathered (None, or no fewer than a vector's
    inputs: each vector's inputs written, as a dense layer's)
    """
    vectors = check_int("vectors", vectors)
    include_weight_load, alone = (check_bool(k, v) for k, v in (("include_weight_load", include_weight_load),
                                                                ("load_serves_these", load_serves_these)))
    if dram_activation_bits is not None:
        dram_activation_bits = check_int("dram_activation_bits", dram_activation_bits, minimum=0)
    plan = _plan(config, weight_bits)
    b = config.baseline
    n_in, n_out = plan.in_features, plan.out_features
    weight_bits = n_in * n_out * plan.weight_bits
    check_dram_capacity(config, weight_bits)
    in_bits_per_vector, out_bits_per_vector = n_in * plan.input_bits, n_out * plan.accumulator_bits
    resident, streamed = _residence(b, weight_bits, in_bits_per_vector + out_bits_per_vector, n_in * plan.weight_bits,
                                    in_bits_per_vector if held_input_bits is None else
                                    check_real("held_input_bits", held_input_bits, 0.0, low_open=True))
    map_bits = None if map_input_bits is None else check_real("map_input_bits", map_input_bits, 0.0, low_open=True)
    if resident is None:
        return _traffic(config, plan, vectors, streamed, include_weight_load, dram_activation_bits, map_bits=map_bits)
    kept = _traffic(config, plan, vectors, resident, include_weight_load, dram_activation_bits, weights_fit=True,
                    map_bits=map_bits)
    if include_weight_load and not alone:  # loaded once and kept (streamed, they would be fetched again)
        return kept
    moved = _traffic(config, plan, vectors, streamed, include_weight_load, dram_activation_bits, map_bits=map_bits)
    pays = (_energy_pj(config, plan, moved) < _energy_pj(config, plan, kept)
            and max(times_ns(b, plan, moved)) <= max(times_ns(b, plan, kept)))
    return replace(moved, weights_fit_streamed=True) if pays else kept


def _batch_ns(config: Config, plan: Plan, t: BaselineTraffic, include_weight_load: bool,
              dram_activation_bits: int | None) -> float | None:
    """time of one whole batch of the run ``t``, whose vectors finish together, ns: a streamed fetch and the vectors
    it serves, or with the weights on chip a weight-stationary unit's register load and its sub-batch, each vector
    its share of ``dram_activation_bits`` (the run's last batch may hold fewer: latency x batch / vectors
    over-charges); None where each vector runs alone (resident weights, output-stationary: latency / vectors)"""
    if t.weights_fit and config.baseline.dataflow != Dataflow.WEIGHT_STATIONARY:
        return None
    shared = t.vectors_per_fetch
    io = None if dram_activation_bits is None else round(dram_activation_bits * shared / t.vectors)
    one = _traffic(config, plan, shared, t.fetch_batch, include_weight_load, io, t.weights_fit, t.weights_direct,
                   t.map_bits_per_vector)
    return max(times_ns(config.baseline, plan, one))


def _energy_pj(config: Config, plan: Plan, t: BaselineTraffic) -> float:
    """the dynamic energy of ``t``, pJ"""
    return sum(_component_energy_pj(config, plan, t, onchip_memory(config),
                                    dram_energy_pj_per_bit(config.baseline.dram)).values())


def _traffic(config: Config, plan: Plan, vectors: int, fetch_batch: int, include_weight_load: bool,
             dram_activation_bits: int | None, weights_fit: bool = False, direct: bool | None = None,
             map_bits: float | None = None) -> BaselineTraffic:
    """:func:`baseline_traffic` with the weights kept on chip (``weights_fit``: in sub-batches of ``fetch_batch``
    vectors) or streamed (each fetch serving ``fetch_batch`` vectors; ``direct``: straight into the registers,
    None: as the dataflow does it, output-stationary batch by batch, :func:`_staged_where_cheaper`); ``map_bits``:
    a conv's input-map bits a vector writes (``map_input_bits``)"""
    b, n_in, n_out = config.baseline, plan.in_features, plan.out_features
    weight_bits, in_bits_per_vector = n_in * n_out * plan.weight_bits, n_in * plan.input_bits
    out_bits_per_vector = n_out * plan.accumulator_bits
    batches = math.ceil(vectors / fetch_batch)
    stationary_tiles = b.dataflow in (Dataflow.WEIGHT_STATIONARY, Dataflow.WEIGHT_STREAMING)
    if direct is None and not (weights_fit or stationary_tiles):  # output-stationary: staged where that costs less
        return _staged_where_cheaper(config, plan, vectors, fetch_batch, include_weight_load, dram_activation_bits,
                                     map_bits)
    direct = not weights_fit if direct is None else direct
    fetches = int(include_weight_load) if weights_fit else vectors if direct and not stationary_tiles else batches
    input_reads, spills, weight_reads, register_bits = _dataflow_counts(b, plan, vectors, batches, direct)
    partial_sum_bits = vectors * n_out * spills * plan.accumulator_bits
    mapped = map_bits is not None and map_bits < in_bits_per_vector  # a conv's map: written once, not per window
    return BaselineTraffic(
        macs=vectors * n_in * n_out, register_bits=register_bits,
        sram_weight_read_bits=weight_reads, sram_weight_write_bits=0 if direct else fetches * weight_bits,
        sram_activation_read_bits=vectors * (in_bits_per_vector * input_reads + out_bits_per_vector),
        sram_activation_write_bits=round(vectors * ((map_bits if mapped else in_bits_per_vector)
                                                    + out_bits_per_vector)),
        sram_partial_sum_read_bits=partial_sum_bits, sram_partial_sum_write_bits=partial_sum_bits,
        dram_weight_bits=fetches * weight_bits,
        dram_activation_bits=(vectors * (in_bits_per_vector + out_bits_per_vector) if dram_activation_bits is None
                              else dram_activation_bits),
        weights_fit=weights_fit, weight_fetches=fetches, weights_direct=direct, fetch_batch=fetch_batch,
        vectors=vectors, map_bits_per_vector=map_bits if mapped else None)


def _energy_model(config: Config, energy_model: str | None) -> str:
    """The energy model in use (``energy_model`` or the config's), checked against what it needs."""
    b = config.baseline
    model = b.energy_model if energy_model is None else energy_model
    if model not in ENERGY_MODELS:
        raise ValueError(f"energy_model must be one of {', '.join(ENERGY_MODELS)}; got {model!r}")
    if model == EnergyModel.BOARD_POWER and b.board_power_w is None:
        raise ConfigError(config.source, [("baseline.board_power_w", "'baseline.board_power_w' is required for the "
                                                                     "\"board_power\" energy model")])
    return model


def _component_energy_pj(config: Config, plan: Plan, t: BaselineTraffic, mem: OnChipMemory,
                         dram_pj: float) -> dict[str, float]:
    """Dynamic energy, pJ, of every event of ``t``: MACs, registers, on-chip memory and DRAM."""
    tech = config.technology
    w_bits, x_bits, acc_bits = plan.weight_bits, plan.input_bits, plan.accumulator_bits
    return {
        "mac": t.macs * mac_energy_pj(w_bits, x_bits, tech, acc_bits),
        "register_file": t.register_bits * register_file_energy_pj_per_bit(tech),
        "sram_weights": t.sram_weight_read_bits * mem.read_pj_per_bit + t.sram_weight_write_bits * mem.write_pj_per_bit,
        "sram_activations": (t.sram_activation_read_bits * mem.read_pj_per_bit
                             + t.sram_activation_write_bits * mem.write_pj_per_bit),
        "sram_partial_sums": (t.sram_partial_sum_read_bits * mem.read_pj_per_bit
                              + t.sram_partial_sum_write_bits * mem.write_pj_per_bit),
        "dram_weights": t.dram_weight_bits * dram_pj,
        "dram_activations": t.dram_activation_bits * dram_pj,
    }


@checked_types
def baseline_breakdown(config: Config, vectors: int, *, include_weight_load: bool,
                       dram_activation_bits: int | None = None, energy_model: str | None = None,
                       weight_bits: int | None = None, one_off_load: bool = False, load_serves_these: bool = False,
                       held_input_bits: float | None = None, map_input_bits: float | None = None) -> Breakdown:
    """Energy, latency and area of the baseline processor running ``vectors`` vectors of the layer
    (``dram_activation_bits``, ``weight_bits``, ``held_input_bits``, ``map_input_bits``, ``load_serves_these`` as
    in :func:`baseline_traffic`). ``one_off_load``: the weight load is a one-off fetch before the vectors (as the
    chip's), latency = max(roofline, fetch + the steady run's roofline).

    ``energy_model`` overrides ``config.baseline.energy_model`` (e.g. ``"components"`` for the dynamic view of a
    GPU preset priced by board power).
    """
    check_baseline(config)
    b = config.baseline
    model = _energy_model(config, energy_model)
    t = baseline_traffic(config, vectors, include_weight_load=include_weight_load,
                         dram_activation_bits=dram_activation_bits, weight_bits=weight_bits,
                         held_input_bits=held_input_bits, map_input_bits=map_input_bits,
                         load_serves_these=load_serves_these)
    plan = _plan(config, weight_bits)
    units, mem, dram_pj, dram_gbps = macs_per_cycle(b, max(plan.weight_bits, plan.input_bits)), onchip_memory(
        config), dram_energy_pj_per_bit(b.dram), baseline_time.dram_gbps(b)
    components = _component_energy_pj(config, plan, t, mem, dram_pj)
    compute_ns, memory_ns = times_ns(b, plan, t)
    latency_ns = max(compute_ns, memory_ns)
    assumptions = baseline_assumptions(config, plan, t, mem, units, dram_pj, dram_gbps,
                                       include_weight_load=include_weight_load,
                                       io_given=dram_activation_bits is not None)
    fetch = t.dram_weight_bits if check_bool("one_off_load", one_off_load) and t.weights_fit else 0  # and its write
    if fetch:  # then the steady run: the same traffic less that fetch and its write on chip
        steady_ns = max(compute_ns, baseline_time.memory_ns(b, t.dram_bits - fetch, t.sram_bits - fetch, dram_gbps))
        latency_ns = max(latency_ns, fetch / 8 / dram_gbps + steady_ns)
        assumptions.append(f"The one-off weight load ({fetch / 8 / dram_gbps:.4g} ns from DRAM) runs before the "
                           f"vectors, in series with their steady run: {latency_ns:.4g} ns in all, as on the chip.")
    area = baseline_area_um2(config, plan, mem)
    if model == EnergyModel.BOARD_POWER:
        energy_pj = {"board_power": b.board_power_w * latency_ns * 1e3}  # W x ns = nJ = 1e3 pJ
        assumptions.append(board_power_sentence(config, latency_ns, sum(components.values())))
    else:  # the chip's leakage densities (cimsim.cost.leakage) over the run, as the CIM chip's
        leakage_uw = baseline_leakage_uw(config, area)
        energy_pj = {**components, "leakage": leakage_uw * latency_ns * 1e-3}  # uW x ns = fJ
        assumptions.append(leakage_sentence(area, leakage_uw, b.onchip_memory))
    assumptions.append(area_sentence(config, area))
    return Breakdown(
        name=b.name, energy_pj=energy_pj, area_um2=area, latency_ns=latency_ns,
        compute_ns=compute_ns, memory_ns=memory_ns, mvms=int(vectors), macs=t.macs, assumptions=tuple(assumptions),
        # vectors sharing a streamed fetch or a register load finish together: one waits for its whole batch
        item_latency_ns=_batch_ns(config, plan, t, include_weight_load, dram_activation_bits),
    )
