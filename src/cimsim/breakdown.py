"""The result type of every cost model: energy, time and area of one side, per component.

Both the CIM cost model (:mod:`cimsim.cost`) and the von Neumann baseline (:mod:`cimsim.cost.baseline`)
return a :class:`Breakdown`, so reports compare like with like. One internal unit per quantity:
picojoules, nanoseconds, square micrometres; converted only at the edges (``area_mm2``, ``tops_per_w``).
"""

from __future__ import annotations

import collections
import numbers
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

from .argcheck import checked_types

__all__ = ["Breakdown", "StageTime", "ReadOnlyDict", "in_sequence", "repeated", "gains"]


@dataclass(frozen=True)
class StageTime:
    """One stage of a layer pipeline: a layer on its tiles (times per workload item, nanoseconds)."""

    index: int
    """position of the layer in the workload"""
    arrays: int
    """arrays holding the layer, every copy included"""
    tiles: int
    """whole tiles the layer occupies"""
    copies: int
    """copies of the layer's weights: mapping.replication x the copies added by chip.balance"""
    interval_ns: float
    """steady-state time between two items leaving the stage (compute or transfer, the slower)"""
    latency_ns: float
    """one item through the stage: transfer in, compute, transfer out"""
    compute_interval_ns: float = 0.0
    """of ``interval_ns``: the time its arrays and periphery take per item"""
    transfer_interval_ns: float = 0.0
    """of ``interval_ns``: the time its transfers in and out hold a link per item (its tiles' bus, the mesh)"""


class ReadOnlyDict(dict):
    """A result's table of figures by name (a :class:`Breakdown`'s energies and areas), as read-only as the frozen
    result that holds it: a change raises TypeError (a scratch copy popped in place had changed the result and its
    gain); ``dict(d)`` is a copy to change. Copies, pickles and JSON like a dict."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("a result's figures are read-only; change a copy: dict(...)")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):
        return type(self), (dict(self),)

    def __hash__(self) -> int:
        """as read-only as the frozen result that holds it, and hashed as its items, so that result hashes (a dict
        does not: hash() of a Simulation, Comparison, Estimate or Breakdown had raised TypeError, a probe)"""
        return hash(frozenset(self.items()))


@dataclass(frozen=True)
class Breakdown:
    """Cost of running one workload on one architecture.

    ``latency_ns`` is the wall time of the whole workload; ``compute_ns`` the time the compute units
    alone need and ``memory_ns`` the time the data movement alone needs. With overlap (roofline),
    latency >= max(compute, memory); ``wait_ns`` is the time it waits on its own earlier results (a decode's previous
    token) with its units idle, and ``stall_ns`` = latency - compute - wait the time spent waiting on data.
    ``item_latency_ns`` is the time of one workload item (one vector, one inference) from start to end;
    ``interval_ns`` the steady-state time between successive items (pipelined), which sets the throughput.
    Left out, both are latency_ns / mvms (items one after another).
    """

    name: str
    energy_pj: dict[str, float]
    """energy per component, picojoules"""
    area_um2: dict[str, float]
    """area per component, square micrometres"""
    latency_ns: float
    compute_ns: float
    memory_ns: float
    mvms: int
    """workload items processed: input vectors (MVMs) of a dense layer, inferences of a network, images, sequences or
    tokens of a shapes-only model (the field keeps its first name)"""
    macs: int
    """multiply-accumulates of the workload (of a :func:`repeated` share of a run: its expected count, a fraction)"""
    assumptions: tuple[str, ...] = field(default=())
    """the modelling assumptions a reader needs to interpret the numbers"""
    item_latency_ns: float | None = None
    """time of one workload item through the whole architecture, nanoseconds"""
    interval_ns: float | None = None
    """steady-state time between successive workload items, nanoseconds"""
    stages: tuple[StageTime, ...] = field(default=())
    """the pipeline stages (CIM: one per layer)"""
    vector_unit_macs: int = 0
    """of ``macs``, the activation products a vector unit beside the arrays ran (a network's attention)"""
    wait_ns: float = 0.0
    """time the workload waits on its own earlier results with its units idle (a decode's token on the one before
    it, fewer sequences in flight than the chips could take), nanoseconds: neither compute nor data movement"""

    def __post_init__(self) -> None:
        for name in ("energy_pj", "area_um2"):
            object.__setattr__(self, name, ReadOnlyDict(getattr(self, name)))
        per_item = self.latency_ns / self.mvms if self.mvms > 0 else 0.0
        for name in ("item_latency_ns", "interval_ns"):
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, per_item)
            elif not value >= 0.0:
                raise ValueError(f"{name} must be >= 0 ns; got {value!r}")
        if not 0.0 <= self.wait_ns <= self.latency_ns:
            raise ValueError(f"wait_ns must be within 0 and latency_ns ({self.latency_ns!r} ns); got {self.wait_ns!r}")

    @property
    def array_macs(self) -> int:
        """multiply-accumulates the arrays did (``macs`` less the vector unit's): the macro's TOPS/W counts these"""
        return self.macs - self.vector_unit_macs

    @property
    def total_energy_pj(self) -> float:
        return float(sum(self.energy_pj.values()))

    @property
    def leakage_uw(self) -> float:
        """the static power its ``leakage`` energy stands for over its latency, uW (pJ / ns = mW: x 1e3)"""
        return self.energy_pj.get("leakage", 0.0) / self.latency_ns * 1e3 if self.latency_ns > 0 else 0.0

    @property
    def area_mm2(self) -> float:
        return float(sum(self.area_um2.values())) * 1e-6

    @property
    def stall_ns(self) -> float:
        """time spent waiting on data movement beyond the compute time and the wait on earlier results, nanoseconds"""
        return max(0.0, self.latency_ns - self.compute_ns - self.wait_ns)

    @property
    def throughput_items_per_s(self) -> float:
        """workload items per second in the steady state: 1 / interval_ns"""
        return 1e9 / self.interval_ns if self.interval_ns > 0 else float("inf")

    @property
    def tops_per_w(self) -> float:
        """2 operations per MAC; ops per pJ equals TOPS/W"""
        return 2.0 * self.macs / self.total_energy_pj if self.total_energy_pj > 0 else float("inf")

    @property
    def tops_per_mm2(self) -> float:
        """2 operations per MAC over the latency, per square millimetre"""
        if self.latency_ns <= 0 or self.area_mm2 <= 0:
            return float("inf")
        return 2.0 * self.macs / (self.latency_ns * 1e-9) / 1e12 / self.area_mm2

    @property
    def stages_ns(self) -> float:
        """one item's time through its stages, ns: their latencies summed (a chip's item latency without its DRAM
        input and output), or the item latency where it lists none; a composed model's (price_model) lists its
        chips' crossbar stages alone, its vector units, links and caches in its item latency only"""
        return sum(s.latency_ns for s in self.stages) if self.stages else self.item_latency_ns

    @property
    def edp_pj_ns(self) -> float:
        """energy-delay product, pJ x ns"""
        return self.total_energy_pj * self.latency_ns

    def component_rows(self) -> list[dict]:
        """One row per component, for tidy tables: its energy_pj (pJ, whole workload) and area_um2, with the side's
        name, total_latency_ns (the whole workload's, ns; a sweep's CSV latency_ns is per item), item_latency_ns (one
        item's), interval_ns and items."""
        return [{"name": self.name, "component": c, "energy_pj": self.energy_pj.get(c, 0.0),
                 "area_um2": self.area_um2.get(c, 0.0), "total_latency_ns": self.latency_ns,
                 "item_latency_ns": self.item_latency_ns, "interval_ns": self.interval_ns, "items": self.mvms}
                for c in sorted(set(self.energy_pj) | set(self.area_um2))]

    def as_dict(self) -> dict:
        """Plain dict for JSON: totals, derived figures and breakdowns."""
        return {
            "name": self.name,
            "energy_pj": {"total": self.total_energy_pj, "breakdown": dict(self.energy_pj)},
            "latency_ns": self.latency_ns,
            "compute_ns": self.compute_ns,
            "memory_ns": self.memory_ns,
            "stall_ns": self.stall_ns,
            "wait_ns": self.wait_ns,
            "item_latency_ns": self.item_latency_ns,
            "interval_ns": self.interval_ns,
            "throughput_items_per_s": self.throughput_items_per_s,
            "area_mm2": self.area_mm2,
            "area_um2": dict(self.area_um2),
            "tops_per_w": self.tops_per_w,
            "tops_per_mm2": self.tops_per_mm2,
            "edp_pj_ns": self.edp_pj_ns,
            "items": self.mvms,
            "macs": self.macs,
            "stages": [asdict(s) for s in self.stages],
            "assumptions": list(self.assumptions),
        }


def in_sequence(parts: Sequence[Breakdown], name: str, mvms: int, *, shared_hardware: bool,
                places: Sequence[int] | None = None) -> Breakdown:
    """Stages run one after the other (e.g. the layers of a network, no pipelining): energies and times add.

    Areas add when every stage has hardware of its own (CIM: each layer on its own arrays); with
    ``shared_hardware`` (a processor running every layer) the area is the largest stage's, per component.
    ``mvms`` counts the workload items (e.g. inferences) of the whole; its MACs are the parts' summed, then rounded
    (a :func:`repeated` part's may be a fraction). ``places``: how many places of the sequence each part stands for
    (a layer shape's runs summed over the layers that have it), as its assumptions count them (default: one each).
    """
    if places is not None and (len(places) != len(parts) or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in places)):
        raise ValueError(f"places must give each of the {len(parts)} parts its count (an int >= 1); got {places!r}")
    energy: dict[str, float] = {}
    area: dict[str, float] = {}
    for part in parts:
        for key, value in part.energy_pj.items():
            energy[key] = energy.get(key, 0.0) + value
        for key, value in part.area_um2.items():
            area[key] = max(area.get(key, 0.0), value) if shared_hardware else area.get(key, 0.0) + value
    return Breakdown(
        name=name, energy_pj=energy, area_um2=area,
        latency_ns=sum(p.latency_ns for p in parts), compute_ns=sum(p.compute_ns for p in parts),
        memory_ns=sum(p.memory_ns for p in parts), mvms=mvms, macs=round(sum(p.macs for p in parts)),
        assumptions=_merged_assumptions(parts, [1] * len(parts) if places is None else [int(n) for n in places]),
        wait_ns=sum(p.wait_ns for p in parts),
    )


_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _merged_assumptions(parts: Sequence[Breakdown], places: Sequence[int]) -> tuple[str, ...]:
    """the parts' assumption sentences, each once: as stated where every part states it alike; where they state it
    with other figures (a layer's shape, width, time), once, marked as per part, each figure that differs as its
    range over the parts (a part's figure is not the sequence's, and a repeated part states one run's); one that
    only some parts state says how many (two such may say opposite things of different parts), a part counting as
    its ``places``"""
    alike: collections.Counter = collections.Counter()  # parts repeat their sentences: each form found once
    for part, count in zip(parts, places):
        alike[part.assumptions] += count
    form_of = {a: _NUMBER.sub("#", a) for sentences in alike for a in sentences}  # (had been 1.2 M subs: a probe)
    forms: dict[str, list[list[str]]] = {}
    for sentence, form in form_of.items():
        forms.setdefault(form, []).append(_NUMBER.findall(sentence))
    stating: collections.Counter = collections.Counter()
    for sentences, count in alike.items():
        for form in {form_of[a] for a in sentences}:
            stating[form] += count
    merged = []
    for form, figures in forms.items():
        pieces = form.split("#")
        text = pieces[0]
        for k, piece in enumerate(pieces[1:]):
            low, high = min((f[k] for f in figures), key=float), max((f[k] for f in figures), key=float)
            text += (low if low == high else f"({low} to {high})") + piece
        some = f"{stating[form]} of " if stating[form] < (total := sum(places)) else ""
        merged.append(text if len(figures) == 1 and not some else
                      f"Per part, over {some}the {total} parts run one after the other"
                      + " (a range where they differ)" * (len(figures) > 1) + f": {text}")
    return tuple(merged)


def repeated(b: Breakdown, k: float) -> Breakdown:
    """``k`` runs of ``b`` one after the other on the same hardware: energies, times and MACs times ``k`` (a
    fraction: an expected share of one, e.g. a routed expert's probability of a token count; its MACs then kept
    unrounded, so that :func:`in_sequence` of the runs sums them exactly); area unchanged."""
    if k == 1:
        return b
    macs = k * b.macs
    return replace(b, energy_pj={key: k * v for key, v in b.energy_pj.items()}, latency_ns=k * b.latency_ns,
                   compute_ns=k * b.compute_ns, memory_ns=k * b.memory_ns, macs=int(macs) if macs % 1 == 0 else macs,
                   item_latency_ns=None, interval_ns=None, wait_ns=k * b.wait_ns)


def in_batches(b: Breakdown, batch_items: int, batch_products_ns: float, run_products_ns: float) -> Breakdown:
    """``b`` whose items run in batches of ``batch_items`` that finish together (a streamed weight fetch or a
    weight-stationary unit's register load serves the whole batch): one item waits for its batch, its matrix products
    priced alone (``batch_products_ns``; the run's last batch may hold fewer items, so latency x batch / items
    over-charges a whole one) and its share of the rest of ``b``'s time beside the run's products
    (``run_products_ns``: vector work, KV writes); the rate is unchanged."""
    if b.mvms <= 0:
        return b
    item_ns = batch_products_ns + (b.latency_ns - run_products_ns) * batch_items / b.mvms
    return replace(b, item_latency_ns=item_ns, interval_ns=b.latency_ns / b.mvms)


@checked_types
def gains(cim: Breakdown, baseline: Breakdown) -> dict[str, float]:
    """baseline / CIM for energy, latency and EDP; CIM / baseline for throughput: > 1 means CIM wins."""
    return {"energy": baseline.total_energy_pj / cim.total_energy_pj, "latency": baseline.latency_ns / cim.latency_ns,
            "throughput": cim.throughput_items_per_s / baseline.throughput_items_per_s,
            "edp": baseline.edp_pj_ns / cim.edp_pj_ns}
