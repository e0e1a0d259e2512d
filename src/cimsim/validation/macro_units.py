"""The units in a macro file's field names: what an unknown field names (``gops``, ``energy_pj_per_mac``,
``area_um2``) is matched against the known fields of the same quantity in their units, and the hint says how to
convert, so that a figure in another unit is not renamed as a nearby field and compared 1000x off (difflib's
'did you mean' had offered 'tops' for 'gops', a probe)."""

from __future__ import annotations

import difflib
from collections.abc import Collection

__all__ = ["field_hint"]

_SMALL = (("", 1.0), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15), ("a", 1e-18))
_LARGE = (("", 1.0), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("p", 1e15))
UNITS = {**{p + "ops": ("ops", s) for p, s in _LARGE}, **{p + "hz": ("Hz", s) for p, s in _LARGE[:4]},
         **{p + "j": ("J", s) for p, s in _SMALL}, **{p + "w": ("W", s) for p, s in _SMALL},
         **{p + "v": ("V", s) for p, s in _SMALL[:2]}, **{p + "s": ("s", s) for p, s in _SMALL},
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


def _units(name: str) -> tuple[tuple[str, ...], float]:
    """(the quantities of ``name``'s unit tokens with 'per' between them, the unit's scale: its numerator's over its
    denominator's)"""
    shape, scale, below = [], 1.0, False
    for token in name.lower().split("_"):
        if token == "per":
            shape.append("per")
            below = True
        elif token in UNITS:
            quantity, factor = UNITS[token]
            shape.append(quantity)
            scale = scale / factor if below else scale * factor
    return tuple(shape), scale


def _factor(ratio: float) -> str:
    """'x 1000' or '/ 1000' for a conversion factor"""
    if abs(ratio - 1.0) < 1e-9:
        return ""
    return f" x {ratio:.6g}" if ratio > 1.0 else f" / {1.0 / ratio:.6g}"


def field_hint(name: str, known: Collection[str]) -> str:
    """'; did you mean ...?' for an unknown field ``name``: a known field of the same quantity, with the conversion
    where its unit differs ('tops = gops / 1000'), or a list of the figures the file takes where ``name`` names a
    unit none of them has; without units, the known name nearest in spelling ('' where none is near)"""
    shape, scale = _units(name)
    if not any(part != "per" for part in shape):
        lower = {k.lower(): k for k in known}
        close = difflib.get_close_matches(name.lower(), lower, n=1)
        return f"; did you mean {lower[close[0]]!r}?" if close else ""
    ops = tuple("MAC" if part == "op" else part for part in shape)  # an energy per op: per MAC x ops_per_mac
    normalised = bool(_NORMALISED & set(name.lower().split("_")))  # a 1b-normalised figure is no raw one
    same = [k for k in _UNIT_FIELDS
            if k in known and _units(k)[0] in (shape, ops) and k.endswith("_1b_norm") == normalised]
    if "MVM" in shape:
        return ("; an energy per MVM is 'energy_pj' in pJ with energy_per = 'one full-array MVM (N MACs)', N the "
                "MACs it covers")
    if not same:
        return ("; a figure in a unit no field takes: the figures are " + ", ".join(_UNIT_FIELDS[:6])
                + " (each in the unit its name ends with) and the UIUC 1b-normalised tops_1b_norm, tops_per_w_1b_norm, "
                "tops_per_mm2_1b_norm")
    best = max(same, key=lambda k: difflib.SequenceMatcher(None, name.lower(), k).ratio())
    convert = _factor(scale / _units(best)[1])
    per_op = " x the point's ops_per_mac (2 unless stated)" if shape != ops and "MAC" in _units(best)[0] else ""
    if not convert and not per_op:
        return f"; did you mean {best!r}?"
    return f"; did you mean {best!r}, in its own unit? {best} = {name}{convert}{per_op}"
