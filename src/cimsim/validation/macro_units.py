"""The units in a macro file's field names: what an unknown field names (``gops``, ``energy_pj_per_mac``,
``area_um2``) is matched against the known fields of the same quantity in their units, and the hint says how to
convert, so that a figure in another unit is not renamed as a nearby field and compared 1000x off (difflib's
'did you mean' had offered 'tops' for 'gops', a probe)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection

__all__ = ["field_hint"]

_SMALL = (("", 1.0), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15), ("a", 1e-18))
_LARGE = (("", 1.0), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("p", 1e15))
UNITS = {**{p + "ops": ("ops", s) for p, s in _LARGE}, **{p + "hz": ("Hz", s) for p, s in _LARGE[:5]},
         **{p + "j": ("J", s) for p, s in _SMALL}, **{p + "w": ("W", s) for p, s in _SMALL},
         **{p + "v": ("V", s) for p, s in _SMALL[:3]}, "kv": ("V", 1e3), **{p + "s": ("s", s) for p, s in _SMALL},
         **{p + "m2": ("m2", s * s) for p, s in (("", 1.0), ("c", 1e-2), ("m", 1e-3), ("u", 1e-6))},
         **{p + "m": ("m", s) for p, s in _SMALL[1:5]}, "a": ("m", 1e-10), "watt": ("W", 1.0), "watts": ("W", 1.0),
         "mac": ("MAC", 1.0), "macs": ("MAC", 1.0), "op": ("op", 1.0), "mvm": ("MVM", 1.0), "cycles": ("cycles", 1.0)}
"""unit token of a field name (lower case, as fields are written) -> (quantity, its scale to the base unit);
``p`` is peta before ``ops`` and pico before ``j``, ``w``, ``s``; ``m`` mega before ``ops`` and ``hz``, else milli (a
field name has no case to tell them apart); ``a`` alone an angstrom (a node), clock cycles a count of their own;
``s`` siemens in a conductance's name (its word ``g``: :func:`_parse`), else seconds"""
_PREFIXES = {"kilo": 1e3, "mega": 1e6, "giga": 1e9, "tera": 1e12, "peta": 1e15, "milli": 1e-3, "micro": 1e-6,
             "nano": 1e-9, "pico": 1e-12, "femto": 1e-15}
"""prefixes written as words before a unit ('tera_ops')"""
_UNIT_FIELDS = ("tops", "tops_per_w", "tops_per_mm2", "energy_fj_per_mac", "energy_pj", "area_mm2", "tops_1b_norm",
                "tops_per_w_1b_norm", "tops_per_mm2_1b_norm", "clock_mhz", "cycle_ns", "latency_ns", "read_pulse_ns",
                "vdd_v", "read_voltage_v", "node_nm", "g_min_us", "g_max_us", "wl_switching_fj_per_op",
                "neuron_fj_per_op", "input_pulse_fj_per_op")
"""the known fields whose names hold their units (``us`` of a conductance is microsiemens: its prefix converts as a
second's); the first six are the figures compared"""
_NORMALISED = frozenset(("1b", "norm", "normalised", "normalized", "1bit"))
"""words of a name that mark UIUC's 1b-normalised figures"""
_WORDS = {"on": {"max"}, "lrs": {"max"}, "high": {"max"}, "gmax": {"g", "max"}, "gon": {"g", "max"},
          "off": {"min"}, "hrs": {"min"}, "low": {"min"}, "gmin": {"g", "min"}, "goff": {"g", "min"},
          "conductance": {"g"},
          **dict.fromkeys(("freq", "frequency", "f", "fclk", "clk"), {"clock"}),
          **dict.fromkeys(("period", "tcycle", "tclk"), {"cycle"}), **dict.fromkeys(("supply", "vcc", "vdd"), {"vdd"}),
          **dict.fromkeys(("tech", "technology", "process", "node"), {"node"}),
          **dict.fromkeys(("vread", "vrd"), {"read", "voltage"}), "pulse": {"pulse"}, "width": {"pulse"}}
"""a name's words read as a field's ('freq_mhz': the clock's; 'g_on_us': the on state's conductance, g_max_us)"""
_SAME_UNIT = {("ops", "J"): ("ops", "W")}
"""units that are one quantity (operations a joule: TOPS/W)"""


def _parse(name: str) -> tuple[tuple[str, ...], list[tuple[float, bool]], set[str]]:
    """(the quantities of ``name``'s unit tokens in order, a word after 'per' among them as '/word', each unit's
    scale and whether it follows a 'per', the other words); '/' and spaces are read as '_per_' and '_' ('TOPS/W' as
    tops_per_w; 'tops_per_w_per_b' a figure per bit, 'tops_per_mm2_per_core' one per core: other quantities), the
    micro sign as u, a superscript 2 as 2"""
    quantities, scales, words, below, after, prefix = [], [], set(), False, False, 1.0
    text = name.lower().replace("/", "_per_").replace("\u00b5", "u").replace("\u03bc", "u").replace("\u00b2", "2")
    for token in re.split(r"[_\s-]+", text):
        if token == "per":
            below = after = True
            continue
        if token in _PREFIXES:
            prefix = _PREFIXES[token]
            continue
        if token in UNITS:
            quantities.append(UNITS[token][0])
            scales.append((UNITS[token][1] * prefix, below))
        elif token:
            words |= _WORDS.get(token, {token})
            quantities += [f"/{token}"] * after
        after, prefix = False, 1.0
    quantities = tuple("S" if q == "s" and "g" in words else q for q in quantities)  # a conductance's us: siemens
    return _SAME_UNIT.get(quantities, quantities), scales, words


def _scale(scales: list[tuple[float, bool]], below: list[bool]) -> float:
    """the unit's scale, each token's factor over or under the line as ``below`` says"""
    return math.prod(1.0 / factor if under else factor for (factor, _), under in zip(scales, below))


def _factor(ratio: float) -> str:
    """'x 1000' or '/ 1000' for a conversion factor"""
    if abs(ratio - 1.0) < 1e-9:
        return ""
    return f" x {ratio:.6g}" if ratio > 1.0 else f" / {1.0 / ratio:.6g}"


def _per_mac(quantities: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("MAC" if q == "op" else q for q in quantities)


def _converted(name: str, field: str) -> str:
    """'; did you mean FIELD?', with the conversion from ``name``'s unit where it differs (a unit without its 'per'
    read as the field's; an energy per op and per MAC: ops_per_mac apart)"""
    quantities, scales, _ = _parse(name)
    theirs, their_scales, _ = _parse(field)
    below = [under for _, under in their_scales]
    convert = _factor(_scale(scales, below) / _scale(their_scales, below))
    per_op = ("" if quantities == theirs else " x the point's ops_per_mac (2 unless stated)" if "op" in quantities
              else " / the point's ops_per_mac (2 unless stated)")
    if not convert and not per_op:
        return f"; did you mean {field!r}?"
    return f"; did you mean {field!r}, in its own unit? {field} = {name}{convert}{per_op}"


def field_hint(name: str, known: Collection[str]) -> str:
    """'; did you mean ...?' for an unknown field ``name``: a known field of the same quantity (with the conversion
    where its unit differs, 'tops = gops / 1000'), the one with a word in common where ``name`` has words besides its
    units, else those of that quantity listed; without one, the known name nearest in spelling where it is of the same
    quantity (a count, 'ops_per_mac') or ``name`` names no unit; else, where it names one, the figures the file takes
    ('' where none is near)"""
    quantities, _, words = _parse(name)
    if "MVM" in quantities:
        return ("; an energy per MVM is 'energy_pj' in pJ with energy_per = 'one full-array MVM (N MACs)', N the "
                "MACs it covers")
    normalised = bool(_NORMALISED & words)  # a 1b-normalised figure is no raw one
    fields = {k: _parse(k) for k in _UNIT_FIELDS if k in known and k.endswith("_1b_norm") == normalised}
    same = [k for k, (q, _, w) in fields.items() if quantities and _per_mac(q) == _per_mac(quantities)]
    shared = [k for k in same if words & fields[k][2] or not (words - _NORMALISED) or not fields[k][2]]
    if shared:
        return _converted(name, max(shared, key=lambda k: (len(words & fields[k][2]), difflib.SequenceMatcher(
            None, name.lower(), k).ratio())))
    if same:
        return f"; did you mean one of {', '.join(same)} (each in the unit its name ends with)?"
    lower = {k.lower(): k for k in known}
    spelled = next(iter(difflib.get_close_matches(name.lower(), lower, n=1)), None)
    if spelled is not None and (not quantities or _per_mac(_parse(lower[spelled])[0]) == _per_mac(quantities)):
        return _converted(name, lower[spelled]) if quantities else f"; did you mean {lower[spelled]!r}?"
    return ("; a figure in a unit no field takes: the figures are " + ", ".join(_UNIT_FIELDS[:6])
            + " (each in the unit its name ends with) and the UIUC 1b-normalised tops_1b_norm, tops_per_w_1b_norm, "
            "tops_per_mm2_1b_norm") if quantities else ""
