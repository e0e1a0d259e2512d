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
         **{p + "v": ("V", s) for p, s in _SMALL[:2]}, "kv": ("V", 1e3), **{p + "s": ("s", s) for p, s in _SMALL},
         **{p + "m2": ("m2", s * s) for p, s in (("", 1.0), ("c", 1e-2), ("m", 1e-3), ("u", 1e-6))},
         **{p + "m": ("m", s) for p, s in _SMALL[1:4]}, "watt": ("W", 1.0), "watts": ("W", 1.0),
         "mac": ("MAC", 1.0), "macs": ("MAC", 1.0), "op": ("op", 1.0), "mvm": ("MVM", 1.0)}
"""unit token of a field name (lower case, as fields are written) -> (quantity, its scale to the base unit);
``p`` is peta before ``ops`` and pico before ``j``, ``w``, ``s``; ``m`` mega before ``ops`` and ``hz``, else milli (a
field name has no case to tell them apart)"""
_UNIT_FIELDS = ("tops", "tops_per_w", "tops_per_mm2", "energy_fj_per_mac", "energy_pj", "area_mm2", "tops_1b_norm",
                "tops_per_w_1b_norm", "tops_per_mm2_1b_norm", "clock_mhz", "cycle_ns", "latency_ns", "read_pulse_ns",
                "vdd_v", "read_voltage_v", "node_nm", "g_min_us", "g_max_us")
"""the known fields whose names hold their units (``us`` of a conductance is microsiemens: its prefix converts as a
second's); the breakdown figures (``*_fj_per_op``) are named by what they count, not offered"""

_NORMALISED = frozenset(("1b", "norm", "normalised", "normalized", "1bit"))
"""words of a name that mark UIUC's 1b-normalised figures"""
_SAME_WORD = {"on": "max", "lrs": "max", "high": "max", "set": "max", "off": "min", "hrs": "min", "low": "min"}
"""words of a conductance's state read as the field's ('g_on_us': the on state's, g_max_us)"""
_SAME_UNIT = {("ops", "J"): ("ops", "W")}
"""units that are one quantity (operations a joule: TOPS/W)"""


def _parse(name: str) -> tuple[tuple[str, ...], list[tuple[float, bool]], set[str]]:
    """(the quantities of ``name``'s unit tokens in order, a word after 'per' among them as '/word', each unit's
    scale and whether it follows a 'per', the other words); '/' and spaces are read as '_per_' and '_' ('TOPS/W' as
    tops_per_w; 'tops_per_w_per_b' a figure per bit, 'tops_per_mm2_per_core' one per core: other quantities)"""
    quantities, scales, words, below, after = [], [], set(), False, False
    for token in re.split(r"[_\s-]+", name.lower().replace("/", "_per_")):
        if token == "per":
            below = after = True
            continue
        if token in UNITS:
            quantities.append(UNITS[token][0])
            scales.append((UNITS[token][1], below))
        elif token:
            words.add(_SAME_WORD.get(token, token))
            quantities += [f"/{token}"] * after
        after = False
    return _SAME_UNIT.get(tuple(quantities), tuple(quantities)), scales, words


def _scale(scales: list[tuple[float, bool]], below: list[bool]) -> float:
    """the unit's scale, each token's factor over or under the line as ``below`` says"""
    return math.prod(1.0 / factor if under else factor for (factor, _), under in zip(scales, below))


def _factor(ratio: float) -> str:
    """'x 1000' or '/ 1000' for a conversion factor"""
    if abs(ratio - 1.0) < 1e-9:
        return ""
    return f" x {ratio:.6g}" if ratio > 1.0 else f" / {1.0 / ratio:.6g}"


def _spelled(name: str, known: Collection[str]) -> str | None:
    """the known name nearest to ``name`` in spelling, in any case, or None"""
    lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), lower, n=1)
    return lower[close[0]] if close else None


def field_hint(name: str, known: Collection[str]) -> str:
    """'; did you mean ...?' for an unknown field ``name``: a known field of the same quantity and a word in common
    (where ``name`` has words besides its units), with the conversion where its unit differs ('tops = gops / 1000',
    a unit without its 'per' read as the field's), else the known name nearest in spelling that names no unit (a
    count, 'ops_per_mac'), else, where ``name`` names a unit, the figures the file takes; '' where none is near"""
    quantities, scales, words = _parse(name)
    if "MVM" in quantities:
        return ("; an energy per MVM is 'energy_pj' in pJ with energy_per = 'one full-array MVM (N MACs)', N the "
                "MACs it covers")
    ops = tuple("MAC" if q == "op" else q for q in quantities)  # an energy per op: per MAC x ops_per_mac
    normalised = bool(_NORMALISED & words)  # a 1b-normalised figure is no raw one
    fields = {k: _parse(k) for k in _UNIT_FIELDS if k in known and k.endswith("_1b_norm") == normalised}
    same = [k for k, (q, _, w) in fields.items() if quantities and q in (quantities, ops)
            and (not w or not (words - _NORMALISED) or words & w)]  # a word in common, where both have words
    if not same:
        spelled = _spelled(name, known)
        if spelled is not None and (spelled not in _UNIT_FIELDS or not quantities):
            return f"; did you mean {spelled!r}?"
        return ("; a figure in a unit no field takes: the figures are " + ", ".join(_UNIT_FIELDS[:6])
                + " (each in the unit its name ends with) and the UIUC 1b-normalised tops_1b_norm, tops_per_w_1b_norm, "
                "tops_per_mm2_1b_norm") if quantities else ""
    best = max(same, key=lambda k: (len(words & fields[k][2]), difflib.SequenceMatcher(None, name.lower(), k).ratio()))
    theirs = [under for _, under in fields[best][1]]
    convert = _factor(_scale(scales, theirs) / _scale(fields[best][1], theirs))
    per_op = " x the point's ops_per_mac (2 unless stated)" if quantities != ops else ""
    if not convert and not per_op:
        return f"; did you mean {best!r}?"
    return f"; did you mean {best!r}, in its own unit? {best} = {name}{convert}{per_op}"
