"""The priced chips of a model composed into one CIM Breakdown: each chip's crossbars (a chip breakdown) with its
vector unit, KV cache and outgoing link, or the parts of one chip reloaded from DRAM (:mod:`cimsim.models.pricing`
states the rules). The interval follows the chip model's law (:func:`cimsim.cost.pipelining.steady_interval_ns`) over
the chips: one item at a time (``chip.pipeline = "none"``), its time on every chip, each chip's DRAM input and output
overlapping its neighbours' items. Pipelined, a chip's vector unit and outgoing link are stages of their own, whose
interval also bounds ``chip.balance``'s copies of its layers (:meth:`PerItem.beside_ns`)."""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, replace

from ..argcheck import checked_types
from ..breakdown import Breakdown
from ..config.modes import Pipeline
from ..config.schema import Config
from ..cost.chip import LOGIC_AREA_KEYS
from ..cost.leakage import buffer_leakage_uw, logic_leakage_uw
from ..cost.memory import (dram_bandwidth_gbps, dram_energy_pj_per_bit, sram_area_um2, sram_read_energy_pj_per_bit,
                           sram_write_energy_pj_per_bit)
from ..cost.pipelining import added_compute_ns, steady_interval_ns
from ..cost.routing import reach_probability
from ..cost.vector_unit import VectorUnit
from .ops import MatrixOp, Model
from .placement import ChipPart

__all__ = ["PerItem", "compose", "reached", "LINK_ENERGY_PJ_PER_BIT", "LINK_BANDWIDTH_GBPS"]

# NVLink-C2C, the chip-to-chip link of NVIDIA's Grace Hopper: Y. Wei et al., "NVLink-C2C: A Coherent Off Package
# Chip-to-Chip Interconnect with 40Gbps/pin Single-ended Signaling", ISSCC 2023, paper 9.3; NVIDIA, "NVIDIA Grace
# Hopper Superchip Architecture" whitepaper / developer blog 2022: 900 GB/s total (both directions), 1.3 pJ/bit.
LINK_ENERGY_PJ_PER_BIT = 1.3
LINK_BANDWIDTH_GBPS = 900.0 / 2  # one direction, GB/s: chips pass activations one way
# The exposure field of 193 nm immersion scanners, 26 x 33 mm (ASML TWINSCAN NXT series; the largest dies, NVIDIA's
# GH100 at 814 mm2, sit just under it): the largest die one exposure makes.
RETICLE_MM2 = 26.0 * 33.0


@dataclass(frozen=True)
class PerItem:
    """A chip part's work beside its crossbars, per item."""

    vector_pj: float
    vector_cycles: float
    kv_write_bits: int
    kv_read_bits: int
    kv_held_bits: int
    rewrite: tuple[float, float]
    """activation products on arrays: (energy pJ, time ns) of writing their operands"""
    vector_ns: float
    """``vector_cycles`` on the chip's vector unit, ns"""
    out_bits: int
    """activations leaving the part: over the link to the next chip, or (reloading) spilled to DRAM for the next"""

    @property
    def link_ns(self) -> float:
        """time of ``out_bits`` on the outgoing link, ns"""
        return self.out_bits / (8.0 * LINK_BANDWIDTH_GBPS)

    def beside_ns(self, reloading: bool) -> float:
        """the interval, ns, of the stages beside the part's crossbars (pipelined: its vector unit and outgoing link),
        less its rewrites' time (added to the crossbars' interval): where balancing the chip's layers
        (``chip_breakdown``'s ``beside_ns``) stops; 0 reloading: the part's vector work runs after its items"""
        return 0.0 if reloading else max(0.0, max(self.vector_ns, self.link_ns) - self.rewrite[1])


def _kv_prices(config: Config, kv_cache: str) -> tuple[float, float, float]:
    """(write pJ/bit, read pJ/bit, GB/s; inf: not charged) of the CIM chip's KV cache"""
    if kv_cache == "dram":
        kind = config.baseline.dram
        e = dram_energy_pj_per_bit(kind)
        return e, e, config.baseline.dram_bandwidth_gbps or dram_bandwidth_gbps(kind)
    bank, tech = config.chip.global_buffer_kib * 1024, config.technology
    return sram_write_energy_pj_per_bit(bank, tech), sram_read_energy_pj_per_bit(bank, tech), math.inf


def _add(total: dict[str, float], key: str, value: float) -> None:
    total[key] = total.get(key, 0.0) + value


def reached(op: MatrixOp, items: int) -> float:
    """the share of runs of ``items`` items in which some vector reaches ``op``: 1, or a routed expert's P(n >= 1) of
    the n vectors it receives (:func:`cimsim.cost.routing.reach_probability`: the runs the baseline fetches it in)"""
    if op.routed_fraction == 1:
        return 1.0
    return reach_probability(items * op.vectors_per_item, op.routed_fraction)


def _move_out(config: Config, part: ChipPart, e: PerItem, items: int, reload_runs: float,
              energy: dict[str, float]) -> tuple[float, float]:
    """Adds the energy (pJ) of what leaves a part to ``energy``: over the link to the next chip, or (reloading) its
    weights fetched (an activation product's operand, written every item, is no weight; a routed expert's only in
    the runs some item reaches it, :func:`reached`) and its ``e.out_bits`` per item spilled to DRAM; returns (link ns
    per item, DRAM ns of the whole run)."""
    if not reload_runs:
        _add(energy, "link", items * e.out_bits * LINK_ENERGY_PJ_PER_BIT)
        return e.link_ns, 0.0
    dram_pj = dram_energy_pj_per_bit(config.baseline.dram)
    dram_gbps = config.baseline.dram_bandwidth_gbps or dram_bandwidth_gbps(config.baseline.dram)
    run_items = round(items / reload_runs)  # a run's items: a decode step's tokens, or all of them
    weights = sum(p.op.parameters * reached(p.op, run_items) for p in part.placed if not p.rewritten)
    weight_bits = reload_runs * weights * config.mapping.weight_bits
    spill_bits = 2 * items * e.out_bits  # written by this part, read back by the next
    _add(energy, "weight_reload", weight_bits * dram_pj)
    _add(energy, "activation_spill", spill_bits * dram_pj)
    return 0.0, (weight_bits + spill_bits) / (8.0 * dram_gbps)


def _add_chip(config: Config, chips: list, j: int, items: int, reload_runs: float,
              kv_prices: tuple[float, float, float], energy: dict[str, float],
              area: dict[str, float]) -> tuple[float, ...]:
    """Adds chip part ``j``'s energy (pJ, leakage apart) and area (um2) to ``energy`` and ``area``; returns its row:
    (item latency ns, interval ns, part time ns, chip leakage uW, crossbar compute ns, the compute ns its vector unit
    adds (:func:`~cimsim.cost.pipelining.added_compute_ns`),
    ns the chip model's latency holds beyond its items' path: a DRAM bound, data movement ns of all items: the chip
    model's, KV-cache traffic, the outgoing link, DRAM reloads and spills; an item's ns on the chip: its item latency
    without its DRAM input and output; (its first item's compute, its compute interval), ns, pipelined:
    :func:`_first_and_interval`)."""
    part, bd, _, e = chips[j]
    kv_write_pj, kv_read_pj, kv_gbps = kv_prices
    for key, value in bd.energy_pj.items():
        if key != "leakage":
            _add(energy, key, value)
    for key, value in bd.area_um2.items():
        area[key] = max(area.get(key, 0.0), value) if reload_runs > 0 else area.get(key, 0.0) + value
    vec_ns = e.vector_ns
    kv_ns = (e.kv_write_bits + e.kv_read_bits) / (8.0 * kv_gbps)
    if e.vector_pj:
        _add(energy, "vector_unit", items * e.vector_pj)
    rewrite_pj, rewrite_ns = e.rewrite
    if rewrite_pj:
        _add(energy, "array_rewrite", items * rewrite_pj)
    _add(energy, "kv_cache", items * (e.kv_write_bits * kv_write_pj + e.kv_read_bits * kv_read_pj))
    link_ns, move_ns = _move_out(config, part, e, items, reload_runs, energy)
    item_ns = bd.item_latency_ns + rewrite_ns + vec_ns + kv_ns + link_ns
    chip_ns = bd.stages_ns + rewrite_ns + vec_ns + kv_ns + link_ns  # on the chip: its DRAM input and output apart
    # one DRAM channel: an item's input and output (the chip model's DRAM bound) and its KV traffic add
    dram_ns = bd.item_latency_ns - bd.stages_ns + kv_ns
    # never faster than the chip model's own interval; its vector unit and link are stages of their own (pipelined)
    pipelined = config.chip.pipeline == Pipeline.LAYER
    interval = steady_interval_ns(pipelined, [bd.interval_ns + rewrite_ns, vec_ns, link_ns], [chip_ns],
                                  max(bd.interval_ns, dram_ns))
    return (item_ns, interval, bd.latency_ns + items * (rewrite_ns + vec_ns + kv_ns) + move_ns, bd.leakage_uw,
            bd.compute_ns + items * rewrite_ns,  # (the arrays' rewrites: their stage's time, as in the latency)
            items * vec_ns if reload_runs else added_compute_ns(pipelined, bd.stages, vec_ns, items),  # reloaded:
            # the parts run one after another, each item's vector work in full, as the part's time (above) has it
            bd.latency_ns - bd.item_latency_ns - (items - 1) * bd.interval_ns,
            bd.memory_ns + items * (kv_ns + link_ns) + move_ns, chip_ns,
            _first_and_interval(bd, items, rewrite_ns, vec_ns))


def _reloaded_chip_uw(config: Config, chips: list, rows: list[tuple[float, ...]], area: dict[str, float]) -> float:
    """static power, uW, of the one chip every reloaded part runs on, the chip ``area`` describes: per component
    the largest part's (:func:`cimsim.cost.chip.chip_breakdown`'s rule: tile buffers, global buffer, logic)"""
    memory, tech = config.chip.buffer_memory, config.technology
    global_uw = [buffer_leakage_uw(memory, round(c[2] * 1024), tech) for c in chips]
    logic_uw = [logic_leakage_uw(sum(c[1].area_um2.get(k, 0.0) for k in LOGIC_AREA_KEYS)) for c in chips]
    tiles_uw = max(r[3] - g - lg for r, g, lg in zip(rows, global_uw, logic_uw))  # the tile buffers' share
    return tiles_uw + max(global_uw) + logic_leakage_uw(sum(area.get(k, 0.0) for k in LOGIC_AREA_KEYS))


def _timeline(config: Config, model: Model, rows: list[tuple[float, ...]], items: int, reload_runs: float,
              sequences: int) -> tuple[float, float, float, float, float]:
    """(latency ns, item latency ns, interval ns, the chips' own interval ns, the ns the chips wait idle on earlier
    tokens) of ``items`` items from the parts' ``rows``: a decode's interval is at least one token's latency over the
    sequences in flight, the chips idle for the rest of it"""
    if reload_runs:
        latency = sum(r[2] for r in rows)
        # a run's items (a decode step's tokens) pass every part together and finish together
        return latency, latency / reload_runs, latency / items, latency / items, 0.0
    item_latency = sum(r[0] for r in rows)
    # the slowest chip (pipelined) or one item's time on every chip, its DRAM input and output overlapped as on one
    chips_ns = steady_interval_ns(config.chip.pipeline == Pipeline.LAYER, [r[1] for r in rows], [r[8] for r in rows],
                                  max(r[1] for r in rows))
    interval = max(chips_ns, item_latency / sequences) if model.phase == "decode" else chips_ns
    latency = item_latency + (items - 1) * interval + max(r[6] for r in rows)  # the chips' DRAM bounds kept
    return latency, item_latency, interval, chips_ns, (items - 1) * (interval - chips_ns)


def _first_and_interval(bd: Breakdown, items: int, rewrite_ns: float, vector_ns: float) -> tuple[float, float]:
    """(its first item's compute, its compute interval), ns, of a pipelined chip: its crossbars' (the chip model's
    first item, its slowest stage's interval), their rewrites with them, and its vector unit a stage of its own (the
    interval law of :func:`_add_chip`)"""
    slowest = max((st.compute_interval_ns for st in bd.stages), default=0.0)
    first = bd.compute_ns - max(0, items - 1) * slowest + rewrite_ns + vector_ns
    return first, max(slowest + rewrite_ns, vector_ns)


def _compute_ns(config: Config, rows: list[tuple[float, ...]], items: int, reload: bool) -> float:
    """what the chips' compute alone needs, ns: their parts one after another (reloaded, or one item at a time
    through every chip: each chip's compute of every item), or, pipelined, the first item through every chip, then
    the slowest chip's compute interval per further item (each chip's whole-run compute had been summed: a decode
    over 66 chips reported its chips' idle wait on the previous token as compute, a probe)"""
    if reload or config.chip.pipeline != Pipeline.LAYER or items <= 1:
        return sum(r[4] + r[5] for r in rows)
    return sum(r[9][0] for r in rows) + (items - 1) * max(r[9][1] for r in rows)


def _decode_line(sequences: int, item_ns: float, interval_ns: float, chips_ns: float, reload: bool) -> str:
    """what bounds a decode's token interval: the chips, or a token's latency over the sequences in flight"""
    start = f"Decode: each token needs the one before; {sequences} sequence(s) in flight"
    if reload:
        return f"{start} pass the reloaded parts together, a step at a time."
    if interval_ns <= chips_ns:
        return f"{start} keep the chips busy: a token every {chips_ns / 1e3:.4g} us, as the chips take them."
    return (f"{start} leave the chips idle part of the time: a token every {interval_ns / 1e3:.4g} us (a token's "
            f"{item_ns / 1e3:.4g} us over {sequences}), where the chips could take one every {chips_ns / 1e3:.4g} us "
            f"({math.ceil(item_ns / chips_ns)} sequences in flight would).")


@checked_types
def compose(config: Config, model: Model, chips: list[tuple[ChipPart, Breakdown, float, PerItem]],
            unit: VectorUnit, items: int, kv_cache: str, reload_runs: float, sequences: int) -> Breakdown:
    """The chips (or the parts of one chip reloaded ``reload_runs`` times, a share of a run counted as that share)
    with their vector units (on the chips with vector work, as :func:`cimsim.comparison.price_network` holds one),
    KV cache and links: one Breakdown. ``memory_ns`` is what the
    parts' data movement needs, one part after another (at most the latency, as ``compute_ns``); ``wait_ns`` a
    decode's chips idle on earlier tokens (fewer sequences in flight than they could take)."""
    reload = reload_runs > 0
    short = "" if reload or model.phase != "decode" or items >= sequences else (  # (reloaded: a share of a step)
        f"items={items} is less than one decode step of the {sequences} sequences: the chip's energy per token "
        "carries a whole step's leakage and caches, the baseline its share of the step (its latency too: the "
        f"latency gain sets that share against a token's latency); price at least {sequences} items (--items) to "
        "compare them")
    if short:
        warnings.warn(short, RuntimeWarning, stacklevel=4)  # price_model's caller (a checked_types wrapper between)
    kv_prices = _kv_prices(config, kv_cache)
    energy: dict[str, float] = {}
    area: dict[str, float] = {}
    rows = []
    for j in range(len(chips)):
        rows.append(_add_chip(config, chips, j, items, reload_runs, kv_prices, energy, area))
    in_flight = sequences if model.phase == "decode" else 1  # each sequence in flight holds its own cache
    held_bits = in_flight * sum(c[3].kv_held_bits for c in chips)
    units = min(1 if reload else len(chips), sum(c[3].vector_cycles > 0 for c in chips))  # reloading: one chip
    if units:
        area["vector_unit"] = units * unit.area_um2
    kv_uw = 0.0
    if kv_cache == "sram" and held_bits:
        area["kv_cache"] = sram_area_um2(held_bits / 8, config.technology)
        kv_uw = buffer_leakage_uw("sram", held_bits / 8, config.technology)
    # reloading: one chip, big enough for every part (the area's per-component maxima), leaks the whole run
    chip_uw = _reloaded_chip_uw(config, chips, rows, area) if reload else sum(r[3] for r in rows)
    latency, item_latency, interval, chips_ns, idle = _timeline(config, model, rows, items, reload_runs, sequences)
    energy["leakage"] = (chip_uw + units * unit.leakage_uw + kv_uw) * latency * 1e-3  # uW x ns = fJ
    compute, memory = min(latency, _compute_ns(config, rows, items, reload)), min(latency, sum(r[7] for r in rows))
    wait = min(idle, latency - compute)  # the chips idle on earlier tokens: neither compute nor data movement
    leak_line = _leakage_line([r[3] for r in rows], chip_uw, reload, units, unit.leakage_uw, held_bits, kv_uw)
    assumptions = (chips[0][1].assumptions + (short,) * bool(short)
                   + _assumptions(config, chips, unit, kv_cache, reload_runs, model)
                   + (_decode_line(sequences, item_latency, interval, chips_ns, reload),) * (model.phase == "decode")
                   + (leak_line,) + _beyond_reticle(config, model, area, [] if reload else [
                       {**c[1].area_um2, **({"vector_unit": unit.area_um2} if c[3].vector_cycles > 0 else {}),
                        **({"kv_cache": sram_area_um2(in_flight * c[3].kv_held_bits / 8, config.technology)}
                           if kv_cache == "sram" and c[3].kv_held_bits else {})} for c in chips], in_flight))
    offsets = itertools.accumulate((len(c[1].stages) for c in chips), initial=0)  # every chip's stages, numbered on
    stages = tuple(replace(s, index=s.index + k) for c, k in zip(chips, offsets) for s in c[1].stages)
    return Breakdown(name=config.name, energy_pj=energy, area_um2=area, latency_ns=latency, compute_ns=compute,
                     memory_ns=memory, mvms=items, macs=model.macs(items), stages=stages,
                     assumptions=assumptions, item_latency_ns=item_latency, interval_ns=interval, wait_ns=wait)


def _beyond_reticle(config: Config, model: Model, area: dict[str, float], chip_areas: list[dict[str, float]],
                    sequences: int) -> tuple[str, ...]:
    """the line (also warned) where the largest chip exceeds :data:`RETICLE_MM2`: of ``chip_areas`` (each chip's
    components, um2: its crossbars, and its own vector unit and KV cache's SRAM where it holds them; an even share of
    the model's had put LLaMA-7B's 32 attention chips 700 mm2 below their size: an LLM probe; none: one chip,
    reloaded, of ``area``); its advice names what takes the room (the KV cache, the global buffer or the arrays) and
    what shrinks it (fewer of the ``sequences`` in flight, or a shorter context)"""
    chips = max(1, len(chip_areas))
    largest = max(chip_areas, key=lambda a: sum(a.values()), default=area)
    mm2 = sum(largest.values()) * 1e-6
    if mm2 <= RETICLE_MM2:
        return ()
    kv, buffer = largest.get("kv_cache", 0.0) * 1e-6, largest.get("global_buffer", 0.0) * 1e-6
    if kv > mm2 / 4:
        advice = (f"{kv:,.0f} mm2 of it is the KV cache's SRAM (kv_cache='dram'"
                  + (", or fewer sequences)" if sequences > 1 else ", or a shorter context)"))
    elif buffer > mm2 / 4:  # more chips would not shrink it: it holds one item's activations at the layer boundaries
        advice = (f"{buffer:,.0f} mm2 of it is the global buffer, sized up to hold the activations at the layer "
                  "boundaries (" + ("a smaller input" if config.chip.pipeline == Pipeline.NONE else
                                    "chip.pipeline = 'none' holds the largest one alone; or a smaller input") + ")")
    else:
        advice = "fewer arrays a chip (chip.tiles, chip.arrays_per_tile) spread the weights over more chips"
    digits = next(d for d in range(4) if round(mm2, d) > RETICLE_MM2 or d == 3)  # (858.02 had read as 858: reviews)
    shown = f"{mm2:,.{digits}f}"
    line = (f"{model.name}{f' ({model.phase})' if model.phase else ''}: the largest chip's area is {shown} mm2 "
            f"(of {chips} chip(s)), beyond the {RETICLE_MM2:g} mm2 a lithography reticle exposes (26 x 33 mm): no one "
            f"die holds it; {advice}.")
    warnings.warn(line, RuntimeWarning, stacklevel=5)  # the caller of price_model (its checked_types wrapper between)
    return (line,)


def _leakage_line(chip_uws: list[float], chip_uw: float, reload: bool, units: int, unit_uw: float, held_bits: int,
                  kv_uw: float) -> str:
    """the static power (uW) charged over the whole run, stated with its parts: the chips' (``chip_uws`` each;
    reloading: the one chip's ``chip_uw``), the vector units' (``units`` at ``unit_uw``) and the KV SRAM's"""
    if reload:
        chips = f"the one chip's {chip_uw:.4g} uW (every part's, per component the largest part's)"
    elif len(chip_uws) > 1:
        chips = (f"{len(chip_uws)} chips' {chip_uw:.4g} uW ({min(chip_uws):.4g} to {max(chip_uws):.4g} uW each, "
                 "as the chip line above states the first's)")
    else:
        chips = f"the chip's {chip_uw:.4g} uW (the chip line above)"
    parts = [chips] + ([f"{units} vector unit(s) at {unit_uw:.4g} uW each"] if units else [])
    if kv_uw:
        parts.append(f"the KV cache's {held_bits / 8 / 2**20:.4g} MiB of SRAM, {kv_uw:.4g} uW")
    total = chip_uw + units * unit_uw + kv_uw
    return f"Leakage charged: {total:.4g} uW static power over the whole run: " + ", ".join(parts) + "."


def _dram_kv(config: Config, chips: list, reload_runs: float) -> str:
    """where a KV cache in DRAM is read: each chip holding attention on a channel of its own (a reloaded run: its one
    chip's), the bandwidth those sum to beside the baseline's one"""
    reading = 1 if reload_runs else sum(c[3].kv_read_bits + c[3].kv_write_bits > 0 for c in chips)
    return (f" (DRAM energy and bandwidth of baseline.dram, each of the {reading} chip(s) that hold attention on a "
            f"channel of its own: {reading * _kv_prices(config, 'dram')[2]:.4g} GB/s in all against the baseline's "
            "one).")


def _assumptions(config: Config, chips: list, unit: VectorUnit, kv_cache: str, reload_runs: float,
                 model: Model) -> tuple[str, ...]:
    n = len(chips)
    gb = max(c[2] for c in chips)
    out = [
        f"Model '{model.name}'{f' ({model.phase})' if model.phase else ''}: {n} chip part(s); the chip lines above "
        f"describe the first. Global buffer per chip: {gb:g} KiB at most "
        f"({'chip.global_buffer_kib' if gb <= config.chip.global_buffer_kib else 'sized up to the layer boundaries'}).",
        f"Vector unit on the chip parts with digital work ({sum(c[3].vector_cycles > 0 for c in chips)} of {n}): "
        f"{unit.lanes} lanes at {unit.clock_ghz:g} GHz, 32-bit integer operations after I-BERT "
        f"(Kim et al. 2021) at Horowitz's energies ({unit.multiply_energy_pj:.3g} pJ per multiply, "
        f"{unit.add_energy_pj:.3g} pJ per add, registers included), attention products at {unit.input_bits} bits.",
    ]
    if model.keeps_cache:  # (a CNN or a network file keeps none: the line had been said)
        out.append(f"KV cache in {kv_cache}" + (_dram_kv(config, chips, reload_runs) if kv_cache == "dram" else
                                                f" banks of {config.chip.global_buffer_kib:g} KiB (Horowitz), no "
                                                "time charged."))
    if reload_runs:
        out.append(f"Weights reloaded: {n} parts fetched from {config.baseline.dram} and programmed one after "
                   f"another, {reload_runs:g} time(s) (once per run; a decode: once per step of the sequences in "
                   f"flight, fewer tokens as that share of a step; a routed expert only in the runs some token "
                   f"reaches), activations spilled to DRAM between parts.")
    elif n > 1:
        out.append(f"{n} chips in a pipeline joined by NVLink-C2C-class links ({LINK_ENERGY_PJ_PER_BIT:g} pJ/bit, "
                   f"{LINK_BANDWIDTH_GBPS:g} GB/s per direction; Wei et al., ISSCC 2023).")
    return tuple(out)
