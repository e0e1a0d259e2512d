"""The chip: layers mapped onto tiles, a mesh network, a global buffer, a layer pipeline, leakage.

Hierarchy. An array (crossbar with its DACs, sample-and-holds, ADCs and shift-add units, :mod:`cimsim.cost.cim`) sits
in a tile of ``chip.arrays_per_tile`` arrays that share one input/output buffer of ``chip.tile_buffer_kib`` (SRAM or
eDRAM, ``chip.buffer_memory``), one bus (ISAAC's) and one router. Tiles form a 2-D mesh (:mod:`cimsim.cost.noc`); a
global buffer of ``chip.global_buffer_kib`` holds the activations between layers and meets the DRAM interface at the
mesh corner. A layer needs ``plan.n_arrays`` arrays per copy of its weights on whole tiles of its own (each tile
buffer serves one layer): ceil(arrays x copies / arrays_per_tile); more tiles than ``chip.tiles`` raise ValueError.

Data movement. Every activation passes through the global buffer: a layer reads its input (``Stage.in_bits_per_item``)
from it and writes its output (``out_bits_per_item``) back, each bit crossing the mesh once over the mean hops from the
global buffer to its tiles; the workload's input comes into it from DRAM, its output goes out (of a shared matrix: its
first place's input, its last place's output). The global buffer has a read port to the mesh, carrying every stage's
input, and a write port, carrying every output: an item holds the busier one for its flits' cycles, a bound on the
interval. A transfer of b bits over h hops takes (ceil(b / 256) + h) digital cycles
of an item's latency, but of the interval only the ceil(b / 256) its flits hold a link (pipelined routers: the head's h
hops overlap other items' transfers); input and output use different ports and overlap compute.

Pipeline. A layer with v vectors per item on c copies computes an item in ceil(v / c) x vector time + fill (a shared
matrix: that and its transfers summed over its chain of places, ``Stage.places``), in the steady state v x vector time /
c per item (a routed expert: both x ``Stage.path_share``, its mean busy share); its interval: the larger of that and its
transfers' flit cycles. An item's latency: its input from DRAM, per layer transfer in + compute + transfer out, and its
output's time to DRAM. ``chip.pipeline = "layer"``: layers work on successive items at once, interval = the slowest
stage; ``"none"``: one item at a time, interval = its time on the chip (its DRAM transfers overlap its neighbours').
DRAM bounds the interval by its transfer time per item. ``chip.balance = "replicate"`` adds copies of the slowest
layer's weights (unpipelined: slowest in an item's path), the fewest that shorten it each time (unpipelined, an item's
ceil(v / c) rounds stay flat over some copies), while tiles are free, and
keeps the fewest that give the run its shortest time, one item's latency + (items - 1) x interval (the lowest interval
where items are not given), never more than the run has vectors: a copy buys nothing once transfers, DRAM or another
stage bound the interval (pipelined, also a part the caller runs beside the layers as a stage of its own,
``beside_ns``: a vector unit), nor a run of one item whose vectors it cannot share out.

Totals. compute = programming + item compute + (items - 1) x compute interval; memory = max(DRAM time, weight fetch + an
item's DRAM input and output + item transfers + (items - 1) x transfer interval); latency = max(compute, memory, weight
fetch + programming + item latency + (items - 1) x interval: the steady state's, which charges a run of fewer items than
copies more than its items, each on a copy of its own, take); a weight fetch (``Stage.fetched_bits``, once) is no part
of the interval.
Leakage energy = static power of the tile buffers, global buffer and logic (:mod:`cimsim.cost.leakage`) x latency.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..analytic import analytic_counts
from ..argcheck import check_instance, check_int, check_real, checked_types
from ..breakdown import Breakdown, StageTime
from ..config.modes import Balance, Pipeline
from ..config.schema import Config
from ..counts import Counts
from ..mapping import Plan
from . import noc, pipelining
from .assumption_lines import chip_assumptions
from .chip_capacity import check_fits, check_global_buffer, tiles_for_arrays
from .cim import CimTiming, check_counts, cim_timing, layer_area_um2, layer_energy_pj, pricing_table
from .parameters import CimParameters, cim_parameters

__all__ = ["Stage", "ChipMapping", "dense_stage", "map_written_once", "tiles_for_arrays", "check_fits", "map_stages",
           "chip_breakdown", "cim_breakdown", "LOGIC_AREA_KEYS"]

LOGIC_AREA_KEYS = ("shift_add", "accumulate", "adder_tree", "noc")  # area keys that leak as logic


@dataclass(frozen=True)
class Stage:
    """One layer of a workload on the chip: its mapping, what it did, and what it moves per item."""

    plan: Plan
    counts: Counts
    """events of the layer over all items"""
    vectors_per_item: int
    """matrix-vector products the layer does per workload item (1 for a dense layer; positions of a conv)"""
    in_bits_per_item: int
    """activation bits the layer reads from the global buffer per item (a conv: its input map, each value once; the
    windows are formed in its tiles)"""
    out_bits_per_item: int
    """activation bits the layer writes to the global buffer per item"""
    path_share: float = 1.0
    """share of its compute in an item's path and interval: a routed expert's mean vectors per item / its busy ones"""
    fetched_bits: int = 0
    """weight bits fetched from DRAM once before the items (programmed then; within counts.dram_read_bits)"""
    places: tuple[int, ...] = ()
    """a shared matrix's vectors per item at each place, in an item's order (a chain: module doc); (): one place"""
    blocks: int = 1
    """a grouped matrix's packed blocks (:mod:`cimsim.packing`): copies of its plan that hold other groups, within
    ``plan.replication``; 1 for every other matrix"""

    def __post_init__(self) -> None:
        check_counts(self.plan, self.counts)
        for name in ("vectors_per_item", "in_bits_per_item", "out_bits_per_item", "fetched_bits", "blocks"):
            check_int(f"Stage.{name}", getattr(self, name), 0 if "bits" in name else 1)
        check_real("Stage.path_share", self.path_share, 0.0, 1.0, low_open=True)
        places = check_instance("Stage.places", self.places, tuple)
        if sum(check_int("Stage.places", v, 1) for v in places) not in (0, self.vectors_per_item):
            raise ValueError(f"Stage.places must sum to vectors_per_item ({self.vectors_per_item}); got {places!r}")


@dataclass(frozen=True)
class ChipMapping:
    """Where the stages sit: copies added by balancing, tiles and mean hops from the global buffer per stage."""

    copies: tuple[int, ...]
    """copies of each stage's weights added by chip.balance (1: none added), on top of mapping.replication"""
    tiles: tuple[int, ...]
    hops: tuple[float, ...]
    """mean routers crossed between the global buffer and each stage's tiles"""

    @property
    def total_tiles(self) -> int:
        return sum(self.tiles)


def map_written_once(counts: Counts, window_bits: float, read: float) -> Counts:
    """``counts`` of a layer whose tiles write its input map once: of the ``window_bits`` of inputs counted written to
    the tile buffers (every vector's: a conv's windows, each value k x k times), the share ``read`` (the map's values
    over them, as :attr:`Stage.in_bits_per_item` takes) is written, each value as it arrives; the windows read it
    from there, those reads counted every window (a line buffer)"""
    return replace(counts, buffer_write_bits=counts.buffer_write_bits - round(window_bits * (1.0 - read)))


@checked_types
def dense_stage(plan: Plan, counts: Counts, fetched_bits: int = 0) -> Stage:
    """A single dense layer as its own workload: one vector per item, inputs at input_bits, outputs at
    accumulator_bits (as the DRAM counts of :func:`cimsim.analytic.analytic_counts`); ``fetched_bits``: see Stage.
    A ValueError where ``counts`` are not of the plan's layer (their DAC conversions or buffer writes a vector not
    the plan's, :func:`~cimsim.analytic.analytic_counts`: another layer's counts had been priced on this plan's
    arrays, unsaid; a field hand-made counts leave 0 is not checked)."""
    stage = Stage(plan, counts, 1, plan.in_features * plan.input_bits, plan.out_features * plan.accumulator_bits,
                  fetched_bits=fetched_bits)  # (it checks the counts' fields and converters first)
    one = analytic_counts(plan, 1)
    for field in ("dac_conversions", "buffer_write_bits"):
        if (given := getattr(counts, field)) and given != counts.mvms * (per := getattr(one, field)):
            raise ValueError(f"the counts ({given} {field} over {counts.mvms} vectors) are not of the plan's "
                             f"{plan.in_features} x {plan.out_features} layer ({per} a vector): price counts with "
                             "the plan they were made with (a crossbar's .plan)")
    return stage


def _row(s: Stage, p: CimParameters, t: CimTiming, k: int, hops: float) -> tuple[float, ...]:
    """a stage's times, ns: (one item's compute, compute interval, one item's transfers in + out, their interval, its
    input's and its output's flit cycles at the global buffer)"""
    c, v, places = t.replicas * k, s.vectors_per_item, s.places or (s.vectors_per_item,)
    flits = [sum(-(-b * n // (v * p.noc_flit_bits)) for n in places) for b in (s.in_bits_per_item, s.out_bits_per_item)]
    return (s.path_share * sum(-(-n // c) * t.vector_ns + t.fill_ns for n in places),
            s.path_share * v * t.vector_ns / c, *noc.transfer_ns(flits, len(places) * hops, p.digital_cycle_ns),
            *(f * p.digital_cycle_ns for f in flits))


def _port_ns(rows: Sequence[tuple]) -> float:
    """an item's time, ns, at the global buffer's busier port: every stage's input leaves through one, its output
    enters through the other, a flit a cycle each (a 10-layer 256-wide MLP's interval had been one stage's 24 ns,
    where its 96 output flits hold the write port 96 ns)"""
    return max(sum(r[4] for r in rows), sum(r[5] for r in rows), 0.0)


def _interval(rows: Sequence[tuple], pipelined: bool, io_ns: float) -> float:
    """the chip's interval, ns: its slowest stage (pipelined) or one item's time on it, at least its DRAM time and
    its time at the global buffer's ports"""
    return pipelining.steady_interval_ns(pipelined, [max(r[1], r[3]) for r in rows], [r[0] + r[2] for r in rows],
                                         max(io_ns, _port_ns(rows)))


def _io_ns(stages: Sequence[Stage], items: int, dram_bandwidth_gbps: float) -> float:
    """an item's DRAM input and output time, ns (the weights fetched once left out; 0 without items)"""
    bits = sum(s.counts.dram_read_bits + s.counts.dram_write_bits - s.fetched_bits for s in stages)
    return bits / (8.0 * dram_bandwidth_gbps) / items if items else 0.0


@checked_types
def map_stages(config: Config, stages: Sequence[Stage], *, timings: Sequence[CimTiming] | None = None,
               params: Sequence[CimParameters] | None = None, items: int = 0, beside_ns: float = 0.0) -> ChipMapping:
    """Tiles of every stage (with chip.balance copies; ``items``: the workload's, whose DRAM time per item bounds the
    interval, 0: none; ``beside_ns``: interval, ns, of a part the caller runs beside the stages as a stage of its own,
    a vector unit, which bounds the interval when pipelined, 0: none); ValueError when the workload does not fit."""
    stages = _checked_stages(stages, items)
    check_real("beside_ns", beside_ns, 0.0)
    params, timings = _stage_costs(config, stages) if timings is None or params is None else (params, timings)
    check_fits(config, [s.plan for s in stages])
    pipelined = config.chip.pipeline == Pipeline.LAYER  # unpipelined, the caller adds the part to the item's time
    bound_ns = max(_io_ns(stages, items, params[0].dram_bandwidth_gbps), beside_ns if pipelined else 0.0)
    copies = ([1] * len(stages) if config.chip.balance != Balance.REPLICATE else
              _balance(config, stages, params, timings, bound_ns, items))
    tiles = _tiles(config, stages, copies)
    return ChipMapping(tuple(copies), tuple(tiles), noc.mean_hops(tiles))


def _tiles(config: Config, stages: Sequence[Stage], copies: Sequence[int]) -> list[int]:
    return [tiles_for_arrays(s.plan.n_arrays * k, config.chip.arrays_per_tile) for s, k in zip(stages, copies)]


def _balance(config: Config, stages: Sequence[Stage], params: Sequence[CimParameters], timings: Sequence[CimTiming],
             io_ns: float, items: int) -> list[int]:
    """chip.balance copies per stage (module doc): greedy steps, each the fewest copies more of the slowest stage
    that make it faster, while compute may still bound the interval, then the fewest of them that give ``items``
    items their shortest time (module doc; one item had kept 138 copies of a one-vector layer, its latency no
    shorter), never more copies than the run has vectors (rounded up to a step of mapping.replication's); ``io_ns``:
    the bound, ns, of DRAM's time per item and (pipelined) a beside part's interval."""
    pipelined, n = config.chip.pipeline == Pipeline.LAYER, len(stages)
    # under that bound and every transfer's flit cycles (no hops: pipelined routers), compute no longer bounds it
    alone = [_row(*a, 1, 0.0) for a in zip(stages, params, timings)]  # the transfers: the same at any copies
    floor = max([io_ns, _port_ns(alone)] + [r[3] for r in alone]) if pipelined else 0.0

    def rows(copies: Sequence[int], hops: Sequence[float]) -> list[tuple]:
        return [_row(*a) for a in zip(stages, params, timings, copies, hops)]

    def run_ns(copies: Sequence[int], hops: Sequence[float]) -> float:  # fewer copies: never less without hops
        r = rows(copies, hops)
        interval = _interval(r, pipelined, io_ns)
        return sum(x[0] + x[2] for x in r) + (items - 1) * interval if items else interval

    history = [[1] * n]  # what copies even out: _row's compute interval (pipelined) or one item's compute time
    while True:
        times = [r[int(pipelined)] for r in rows(history[-1], [0.0] * n)]
        i, more = max(range(n), key=times.__getitem__), list(history[-1])
        rounds = max(stages[i].places or (stages[i].vectors_per_item,))  # copies past one round each buy nothing
        # nor copies past the vectors the run sends it (a routed expert's share; rounded: 3.0000000000000004 is 3)
        busy = math.ceil(round(items * stages[i].path_share * stages[i].vectors_per_item, 9)) if items else math.inf
        while times[i] > floor and timings[i].replicas * more[i] < (busy if pipelined else min(rounds, busy)):
            more[i] += 1  # one item's ceil(v / c) rounds stay flat over some copies (64 vectors: 8 on 8 or 9)
            if sum(_tiles(config, stages, more)) > config.chip.tiles:
                break
            if _row(stages[i], params[i], timings[i], more[i], 0.0)[int(pipelined)] < times[i]:
                history.append(more)
                break
        if history[-1] is not more:
            break
    best, chosen = math.inf, history[-1]
    for copies in reversed(history):  # from the last step back; the time without hops, a floor, only rises
        if run_ns(copies, [0.0] * n) > best:
            break
        if (now := run_ns(copies, noc.mean_hops(_tiles(config, stages, copies)))) <= best:
            best, chosen = now, copies
    return chosen


def _stage_costs(config: Config, stages: Sequence[Stage]) -> tuple[list[CimParameters], list[CimTiming]]:
    params = [cim_parameters(config, s.plan) for s in stages]
    return params, [cim_timing(s.plan, p, s.counts.cell_writes) for s, p in zip(stages, params)]


def staged_bits(stages: Sequence[Stage]) -> list[int]:
    """bits per item the global buffer holds between layers: every stage's output but the last's (the workload's
    input and output stream through it between DRAM and the tiles, charged per bit, not held whole)"""
    return [s.out_bits_per_item for s in stages[:-1]]


def _checked_stages(stages: Sequence[Stage], items: int = 0) -> tuple[Stage, ...]:
    """The stages as a tuple (at least one); TypeError for a stage of the wrong type, ValueError for bad ``items``."""
    check_int("items", items, minimum=0)
    if not isinstance(stages, Iterable) or isinstance(stages, str):
        raise TypeError(f"stages must be a sequence of cimsim Stage objects; got {type(stages).__name__}")
    stages = tuple(check_instance("every stage", s, Stage) for s in stages)
    if not stages:
        raise ValueError("a workload needs at least one stage")
    return stages


def _price_stages(stages: Sequence[Stage], params: Sequence[CimParameters], timings: Sequence[CimTiming],
                  m: ChipMapping, items: int) -> tuple[dict[str, float], dict[str, float], list[tuple]]:
    """Energy (pJ) and area (um2) of the layers, tiles, global buffer and mesh, and per stage its times (_row)."""
    energy, area, rows = {}, {}, []
    for s, p, t, k, hops in zip(stages, params, timings, m.copies, m.hops):
        table = pricing_table(s.plan, p, k)
        for total, part in ((energy, layer_energy_pj(s.counts, s.plan, p, k, table)),
                            (area, layer_area_um2(s.plan, p, k, table))):
            for key, value in part.items():
                total[key] = total.get(key, 0.0) + value
        rows.append(_row(s, p, t, k, hops))
    first, last = stages[0], stages[-1]  # of a shared matrix: its first place's input enters, its last's output leaves
    enter, r = (s.places[k] / s.vectors_per_item if s.places else 1.0 for s, k in ((first, 0), (last, -1)))
    wide = r * (last.plan.accumulator_bits if last.counts.dram_write_bits else last.plan.input_bits)  # to DRAM: wide
    leave = wide / (wide + (1 - r) * last.plan.input_bits)  # its share of out_bits_per_item, the others at input width
    gb_read_bits = sum(s.in_bits_per_item for s in stages) + leave * last.out_bits_per_item  # the output
    delivered = (first.counts.dram_read_bits - first.fetched_bits) / max(1, items)  # the input DRAM delivers, all of
    gb_write_bits = sum(s.out_bits_per_item for s in stages) + max(enter * first.in_bits_per_item, delivered)  # it
    noc_bit_hops, p0 = sum((s.in_bits_per_item + s.out_bits_per_item) * h for s, h in zip(stages, m.hops)), params[0]
    energy["global_buffer"] = items * (gb_read_bits * p0.global_buffer_read_energy_pj_per_bit
                                       + gb_write_bits * p0.global_buffer_write_energy_pj_per_bit)
    energy["noc"] = items * noc_bit_hops * p0.router_energy_pj_per_bit_hop
    area.update(buffers=m.total_tiles * p0.buffer_area_um2, interconnect=m.total_tiles * p0.bus_area_um2,
                noc=m.total_tiles * p0.router_area_um2, global_buffer=p0.global_buffer_area_um2)
    return energy, area, rows


def _chip_times(config: Config, stages: Sequence[Stage], timings: Sequence[CimTiming], rows: list[tuple],
                items: int, dram_bandwidth_gbps: float) -> tuple[float, float, float, float, float]:
    """(compute, memory, latency, one item's latency, interval), ns, of ``items`` items (``rows``: _price_stages')"""
    pipelined = config.chip.pipeline == Pipeline.LAYER
    compute_item, move_item = sum(r[0] for r in rows), sum(r[2] for r in rows)
    compute_interval = max(r[1] for r in rows) if pipelined else compute_item
    fetch_ns = sum(s.fetched_bits for s in stages) / (8.0 * dram_bandwidth_gbps)  # once, before programming
    dram_ns = sum(s.counts.dram_read_bits + s.counts.dram_write_bits for s in stages) / (8.0 * dram_bandwidth_gbps)
    programming_ns = max(t.programming_ns for t in timings)
    io_ns = _io_ns(stages, items, dram_bandwidth_gbps)  # an item's input in from DRAM and output out: before, after
    interval, item_latency = _interval(rows, pipelined, io_ns), compute_item + move_item + io_ns
    if items > 0:
        compute_ns = programming_ns + compute_item + (items - 1) * compute_interval
        # the data alone: the first item's moves one after another (its input in, between the stages, its output
        # out), then the interval the stages' moves, the DRAM and the buffer's ports leave with no compute
        alone = _interval([(0.0, 0.0, *r[2:]) for r in rows], pipelined, io_ns)
        memory_ns = max(dram_ns, fetch_ns + io_ns + move_item + (items - 1) * alone)
        latency_ns = max(compute_ns, memory_ns, fetch_ns + programming_ns + item_latency + (items - 1) * interval)
    else:
        compute_ns, memory_ns, latency_ns = programming_ns, 0.0, programming_ns
    return compute_ns, memory_ns, latency_ns, item_latency, interval


@checked_types
def chip_breakdown(config: Config, stages: Sequence[Stage], items: int, name: str = "CIM", *,
                   beside_ns: float = 0.0) -> Breakdown:
    """Energy, latency, throughput and area of ``items`` workload items through ``stages`` on ``config``'s chip
    (``beside_ns``: :func:`map_stages`'; it bounds only the balancing here, the caller adds the part's own time)."""
    stages = _checked_stages(stages, items)
    params, timings = _stage_costs(config, stages)
    m, p0 = map_stages(config, stages, timings=timings, params=params, items=items, beside_ns=beside_ns), params[0]
    check_global_buffer(config, staged_bits(stages), p0.global_buffer_capacity_bytes)
    energy, area, rows = _price_stages(stages, params, timings, m, items)
    compute_ns, memory_ns, latency_ns, item_latency, interval = _chip_times(config, stages, timings, rows, items,
                                                                            p0.dram_bandwidth_gbps)
    leakage_uw = (m.total_tiles * p0.buffer_leakage_uw + p0.global_buffer_leakage_uw
                  + sum(area.get(key, 0.0) for key in LOGIC_AREA_KEYS) * p0.logic_leakage_uw_per_um2)
    energy["leakage"] = leakage_uw * latency_ns * 1e-3  # uW x ns = fJ
    stage_times = tuple(StageTime(index=i, arrays=s.plan.n_arrays * k, tiles=tiles, copies=t.replicas * k // s.blocks,
                                  interval_ns=max(r[1], r[3]), latency_ns=r[0] + r[2], compute_interval_ns=r[1],
                                  transfer_interval_ns=r[3])
                        for i, (s, t, k, tiles, r) in enumerate(zip(stages, timings, m.copies, m.tiles, rows)))
    return Breakdown(name=name, energy_pj=energy, area_um2=area, latency_ns=latency_ns, compute_ns=compute_ns,
                     memory_ns=memory_ns, mvms=items, macs=sum(s.counts.macs for s in stages),
                     assumptions=chip_assumptions(config, stages, m, params, timings, leakage_uw, items),
                     item_latency_ns=item_latency, interval_ns=interval, stages=stage_times)


@checked_types
def cim_breakdown(config: Config, plan: Plan, counts: Counts, name: str = "CIM", fetched_bits: int = 0) -> Breakdown:
    """One dense layer as the workload (one vector per item, ``counts.mvms`` items) on ``config``'s chip
    (``fetched_bits``: its weights fetched from DRAM once, within ``counts``)."""
    return chip_breakdown(config, [dense_stage(plan, counts, fetched_bits)], counts.mvms, name=name)
