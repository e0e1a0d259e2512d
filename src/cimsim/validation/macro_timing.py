"""A published macro point's read cycle and digital clock: as its entry states them, a point's own values before
its macro's, or the macro's cycle scaled by the delay law to the point's supply (:func:`clocking`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..config.schema import TechnologyConfig
from ..cost.gates import NAND2_DELAY_NS, nand2_delay_ns
from ..cost.technology import NODES_NM, delay_scale
from .macro_data import Macro, MacroPoint, Unusable
from .macro_defaults import preset_read_pulse_ns

__all__ = ["SHORT_PULSE", "UNEVEN_PULSES", "PULSE_TIMED", "clocking", "cycle_ns", "derived_miss"]

SHORT_PULSE = "its read_pulse_ns is shorter than its read cycle: cimsim's read lasts the pulse (or a conversion)"
"""the note of a point whose stated pulse sets the model's read time, not its cycle"""
UNEVEN_PULSES = ("its reads carry unequal input bits (a remainder slice, a sign plane): cimsim's time-domain read "
                 "lasts its own unit pulses, shorter than the stated cycle for the narrower ones")
"""the note of a point whose narrower reads last fewer unit pulses than its cycle (3 slices of an 8-bit pulse-width
input in 3 x 16.2 ns of a 20 ns cycle had been compared as +23.5 %)"""
PULSE_TIMED = (SHORT_PULSE, UNEVEN_PULSES)
"""notes of a point whose read time a pulse sets, not its stated cycle: its throughput and area are left out, and
its converters (sized for that rate) size no other point's area"""

_SUPPLIES = next(f for f in dataclasses.fields(TechnologyConfig) if f.name == "vdd_v").metadata["rule"]
"""the supplies a config takes (technology.vdd_v's rule)"""


def _own(macro: Macro, point: MacroPoint) -> dict[str, Any]:
    """the point's fields that differ from the macro's (a point restating the macro's value adds nothing)"""
    return {k: v for k, v in point.values.items() if macro.values.get(k) != v}


def cycle_ns(macro: Macro, point: MacroPoint) -> float | None:
    """the read cycle, ns: a cycle_ns the point states (even the macro's), else its own clock_mhz, else the macro's
    cycle_ns, else 1000 / the macro's clock_mhz; None when neither. A point's clock alone, where its macro states
    both a cycle and a clock, runs the macro's read in as many clocks (its cycle had been one of its clocks: a 50 ns
    read at 100 MHz became 16.7 ns at 60 MHz, not 83 ns)."""
    own, stated = _own(macro, point), macro.values
    if "cycle_ns" in point.values:
        return float(point.values["cycle_ns"])
    if "clock_mhz" in own:
        scale = float(stated["cycle_ns"]) * float(stated["clock_mhz"]) / 1000.0 if {
            "cycle_ns", "clock_mhz"} <= stated.keys() else 1.0  # the macro's clocks per read
        return 1000.0 * scale / float(own["clock_mhz"])
    if "cycle_ns" in stated:
        return float(stated["cycle_ns"])
    return 1000.0 / float(stated["clock_mhz"]) if "clock_mhz" in stated else None


def derived_miss(macro: Macro, point: MacroPoint, tops: float, model_macs_per_cycle: float) -> str:
    """why a throughput derived from the stated cycle misses the published ``tops``: the MACs a cycle (a read, or a
    pass of a digital macro's adder trees) each side makes at that cycle (the model's mapping, or the figure's
    normalisation or clock, differs from the chip's; the message had blamed the published figure alone, where the
    model mapped half a ternary macro's outputs)"""
    cycle, ops = cycle_ns(macro, point), float(point.values.get("ops_per_mac", 2))
    return (f"derived, yet not the published figure: at the stated {cycle:.4g} ns cycle the published throughput is "
            f"{tops * 1e3 * cycle / ops:.4g} MACs a cycle, the model maps {model_macs_per_cycle:.4g} (its outputs per "
            "read and passes, or the figure's clock or normalisation, differ from the chip's)")


def _clock_ghz(macro: Macro, point: MacroPoint, cycle: float) -> float:
    """the digital clock: clock_mhz where stated next to the cycle in use (a point's, even restating the macro's,
    before the macro's), else one clock per read cycle"""
    for values in (point.values, macro.values):
        if "cycle_ns" in values or "clock_mhz" in values:
            return float(values["clock_mhz"]) / 1000.0 if "clock_mhz" in values else 1.0 / cycle
    return 1.0 / cycle


def _supply_delay(macro: Macro, point: MacroPoint, technology: Mapping[str, Any], notes: list[str]) -> float:
    """How much slower the point's supply runs the macro's stated cycle: the delay law (technology.delay_scale) from
    the macro's supply where the point sets its own supply and states no cycle (one it states, even the macro's,
    is its clock: a chip measured at a fixed clock across supplies); else 1 (also for a node outside the law's
    range: the config is refused; and where the macro states no supply of its own to scale from)."""
    own, node, vdd = _own(macro, point), technology["node_nm"], technology["vdd_v"]
    stated_clock = "cycle_ns" in point.values or "clock_mhz" in point.values
    if (stated_clock or "vdd_v" not in own or "vdd_v" not in macro.values
            or not min(NODES_NM) <= node <= max(NODES_NM)):
        return 1.0
    stated_v = float(macro.values["vdd_v"])
    if not _SUPPLIES.accepts(stated_v):  # (a point at that supply is refused by the config's rule)
        raise Unusable(f"the macro's vdd_v ({stated_v:g} V), whose cycle this point's is scaled from, must be "
                       f"{_SUPPLIES.expected} V")
    try:
        slower = delay_scale(node, stated_v, node, vdd)
    except ValueError as err:
        raise Unusable(f"no delay law to scale the macro's cycle to {vdd:g} V: {err}") from None
    notes.append(f"cycle of the macro's {stated_v:g} V figure x {slower:.3g} (the delay law from {stated_v:g} to "
                 f"{vdd:g} V; none stated there)")
    return slower


def clocking(macro: Macro, point: MacroPoint, device: dict[str, Any], technology: dict[str, Any], k: int,
              encoding: str, notes: list[str], resistive: bool, uneven: bool = False) -> None:
    """Sets the read pulse (device.read_pulse_ns, ns) and technology.clock_ghz from the point's cycle (a pulse
    encoding spreads one read over 2**k - 1 unit pulses) and appends the notes on them (a ``resistive`` array's cells
    conducting for the whole cycle: their energy, G V**2 t, an upper bound where a paper's word-line pulse is
    shorter than its clock; ``uneven``: reads of fewer bits than k, :data:`UNEVEN_PULSES`)."""
    cycle, pulses = cycle_ns(macro, point), 2 ** k - 1 if encoding != "voltage" else 1
    stated = point.fields.get("read_pulse_ns")  # the word-line pulse (a pulse input's unit pulse) as the paper gives
    if cycle is None:  # a time-domain read: the preset's read pulse as each unit pulse, the simulator's definition
        each = f" ({preset_read_pulse_ns(device):g} ns) as each of a read's {pulses} unit pulses" if pulses > 1 else ""
        notes.append("no clock stated: " + ("" if stated else f"the device preset's read pulse{each} and ")
                     + "a 1 GHz clock")
        return
    slower = _supply_delay(macro, point, technology, notes)
    if stated and stated * pulses > cycle * slower * (1 + 1e-9):
        raise Unusable(f"read_pulse_ns = {stated:g} x {pulses} unit pulse(s) is longer than the read cycle "
                       f"({cycle * slower:.3g} ns): the cells conduct within one read")
    device["read_pulse_ns"] = stated or cycle * slower / pulses
    if stated and stated * pulses < cycle * slower * (1 - 1e-9):
        notes.append(SHORT_PULSE)
    if pulses > 1:
        notes.append(f"{encoding} input: one read of {pulses} unit pulses per {cycle * slower:.3g} ns cycle")
        if uneven:
            notes.append(UNEVEN_PULSES)
        try:
            gate_ns = nand2_delay_ns(technology["node_nm"], technology["vdd_v"])
        except ValueError:  # a node or supply outside the delay law's range: the config refuses the point
            gate_ns = 0.0
        if device["read_pulse_ns"] < gate_ns:
            notes.append(f"its unit pulse, {device['read_pulse_ns']:.3g} ns, is shorter than one gate delay at "
                         f"{technology['node_nm']:g} nm and {technology['vdd_v']:g} V ({gate_ns:.3g} ns: ZigZag-IMC's "
                         f"{NAND2_DELAY_NS * 1e3:g} ps at 28 nm and 0.9 V, scaled by the delay law): no driver forms "
                         "it, so the time of the input bits is understated")
    if resistive and not stated:
        notes.append("the cells conduct for the whole cycle (device.read_pulse_ns from it: the entry states no "
                     "read_pulse_ns), an upper bound on their energy where the chip's pulse is shorter than its clock")
    technology["clock_ghz"] = _clock_ghz(macro, point, cycle) / slower
