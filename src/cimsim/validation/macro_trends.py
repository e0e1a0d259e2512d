"""Which two operating points of one macro form a trend case: pairs chosen so that each ratio tests one law.

A trend is the ratio of a figure at one point to the same figure at an earlier point of the same macro. Its
reference is an earlier point with the same figure and the same conditions the model does not see (average output,
read phases, ...), differing from it in as few operating variables as the file allows: one trend for each distinct
set of changed variables at that least count, against the first such point in file order. A chip's clock follows
its supply, so a supply change carries its clock with it; `cycle_ns` and `clock_mhz` otherwise count as one
variable, 'clock'.

Why not every point against the macro's first: a point two variables away from it (another supply and another
weight precision) tests the supply law and the precision law at once, so one law's error would be counted again in
every case built on it, and a right precision law would fail for a wrong supply law.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import combinations
from typing import Any, TypeVar

from .macro_data import CONFIG_FIELDS, MacroPoint
from .published import fold_error

__all__ = ["UNMODELLED", "varied", "trend_pairs", "unpaired", "spread_repeats"]

UNMODELLED = ("avg_output_value", "one_phase", "read_phases", "uiuc_alpha", "uiuc_b_x", "uiuc_b_w")
"""point conditions cimsim's analytic counts do not see: trends are only formed between points that agree on them
(UIUC's B_x and B_w excepted between two points priced at them, as one array invocation each)"""
_INVOCATION = {"uiuc_b_x": "input_bits", "uiuc_b_w": "weight_bits"}
_CLOCK = ("cycle_ns", "clock_mhz")

T = TypeVar("T")


def varied(point: MacroPoint, ref: MacroPoint) -> tuple[str, ...]:
    """the operating variables (config fields; the clock fields as one, 'clock', absorbed by a supply change) in
    which ``point`` differs from ``ref``, in CONFIG_FIELDS order"""
    names = [k for k in CONFIG_FIELDS if point.fields.get(k) != ref.fields.get(k)]
    clock = any(k in _CLOCK for k in names) and "vdd_v" not in names
    return tuple(k for k in names if k not in _CLOCK) + (("clock",) if clock else ())


def _invocation(point: MacroPoint) -> bool:
    """whether the point is priced at UIUC's B_x and B_w (input and weight bits of one array invocation)"""
    return all(k in point.values and point.fields.get(f) == point.values[k] for k, f in _INVOCATION.items())


def _reads_b_x(point: MacroPoint) -> bool:
    """whether the point's reads take UIUC's B_x input bits (its bits_per_read, stated or set from B_x): the model
    sees B_x there (a B_x sweep at a stated input precision had formed no trend, B_x said unseen: a chips probe)"""
    return "uiuc_b_x" in point.values and point.fields.get("bits_per_read") == point.values["uiuc_b_x"]


def trend_pairs(entries: Sequence[T], point_of: Callable[[T], MacroPoint],
                priced_as: Callable[[MacroPoint], Hashable]) -> list[tuple[T, T, tuple[str, ...]]]:
    """(entry, reference entry, variables changed) of every trend among ``entries`` (one macro's points that hold
    one figure, in file order); two points whose ``priced_as`` are equal price as one configuration (a repeat, not a
    trend), and a repeat of an earlier point forms none of its own (its pairs with the others had counted each of
    their trends twice, reversed: Colonnade's 0.6 -> 0.7 V three times). Each point is priced once (pairs compared
    by hash first: a file of 1000 points had taken 25 s)."""
    pairs, priced = [], [priced_as(point_of(entry)) for entry in entries]
    hashes = [hash(p) for p in priced]
    for i, entry in enumerate(entries):
        point = point_of(entry)
        candidates = []
        for j, ref in enumerate(entries[:i]):
            ref_point = point_of(ref)
            seen_by_model = (set(_INVOCATION) if _invocation(point) and _invocation(ref_point) else set()) | (
                {"uiuc_b_x"} if _reads_b_x(point) and _reads_b_x(ref_point) else set())
            if any(point.values.get(c) != ref_point.values.get(c) for c in UNMODELLED if c not in seen_by_model):
                continue
            if hashes[i] == hashes[j] and priced[i] == priced[j]:
                candidates = None  # a repeat of ref
                break
            # alike in every field yet priced apart: one states its clock, the other's follows the macro's supply
            candidates.append((ref, varied(point, ref_point) or ("clock",)))
        if not candidates:
            continue
        least = min(len(names) for _, names in candidates)
        seen: set[tuple[str, ...]] = set()
        for ref, names in candidates:
            if len(names) == least and names not in seen:
                seen.add(names)
                pairs.append((entry, ref, names))
    return pairs


def _apart(points: Sequence[MacroPoint], figures: Sequence[Iterable[str]]) -> str:
    """why no two of one macro's ``points`` (``figures``: the quantities compared at each) form a trend"""
    if not any(set(a) & set(b) for a, b in combinations(figures, 2)):
        return "no two of its points hold one compared figure"
    fields = [c for c in UNMODELLED if len({repr(p.values.get(c)) for p in points}) > 1]
    if not fields:
        return "its points price as one configuration and data condition (repeats, not a trend)"
    said = "; ".join(f"{c}: " + ", ".join(f"{p.values[c]!r} at '{p.label}'" if c in p.values else f"none at "
                                          f"'{p.label}'" for p in points) for c in fields)
    what = "conditions" if len(fields) > 1 else "a condition"
    return f"its points differ in {', '.join(fields)}, {what} cimsim's counts do not see ({said})"


def unpaired(usable: Iterable[Any], cases: Iterable[Any]) -> list[str]:
    """a line for each macro of ``usable`` points (:class:`.macro_comparison.UsablePoint`) with two or more that form
    no trend among ``cases``, saying what keeps its points apart"""
    by_macro: dict[str, list[Any]] = {}
    for u in usable:
        by_macro.setdefault(u.macro.key, []).append(u)
    paired = {c.macro for c in cases if c.kind == "trend"}
    return [f"\nNo trend of {key} ({len(us)} usable points): "
            f"{_apart([u.point for u in us], [[f.quantity for f in u.figures] for u in us])}."
            for key, us in by_macro.items() if len(us) > 1 and key not in paired] + [
        line for key, us in by_macro.items() if (line := _units_apart(key, us))]


def _units_apart(key: str, usable: Sequence[Any]) -> str:
    """a line for a macro whose points state their energy efficiency in several units (:data:`_EFFICIENCIES`): a
    trend compares one figure, so none forms between points of two units (a chips probe: an 8b point in fJ per MAC
    beside 2b and 4b ones in TOPS/W had formed none, unsaid); '' where one unit holds them all"""
    units: dict[str, list[str]] = {}
    for u in usable:
        for f in u.figures:
            if f.quantity in _EFFICIENCIES:
                units.setdefault(f.quantity, []).append(repr(u.point.label))
    if len(units) < 2:
        return ""
    listed = "; ".join(f"{quantity} at {', '.join(labels[:3])}" + f" and {len(labels) - 3} more" * (len(labels) > 3)
                       for quantity, labels in units.items())
    return (f"\nNo trend between units in {key}: its points state their energy efficiency as {listed}; a trend "
            "compares one figure in one unit, so none forms between points of two (state each point's in one unit)")


def _per_op(u: Any, fig: Any) -> float:
    """a figure as the model prices one configuration: an energy per MVM per MAC, a TOPS figure per operation of
    the point's ``ops_per_mac`` (the model's own scales with it: a point at 1 op per MAC is no other measurement)"""
    ops = float(u.point.values.get("ops_per_mac", 2)) if fig.quantity.startswith("tops") else 1.0
    return fig.value / (fig.macs or 1) / ops


_EFFICIENCIES = ("tops_per_w", "energy_fj_per_mac", "energy_pj_per_mvm")
"""the figures of one measurement, an energy per MAC, in the units a paper states it (one each point,
:func:`.macro_figures.check_figures`)"""


def _fj_per_mac(u: Any, fig: Any) -> float:
    """an efficiency figure (:data:`_EFFICIENCIES`) as fJ per MAC: ops_per_mac x 1000 / TOPS/W, pJ per MVM x 1000 /
    its MACs"""
    if fig.quantity == "tops_per_w":
        return float(u.point.values.get("ops_per_mac", 2)) * 1e3 / fig.value
    return fig.value * 1e3 / fig.macs if fig.macs else fig.value


def _repeat_ratio(u: Any, fig: Any, refs: dict) -> tuple[Any, str, float] | None:
    """(the earlier point, what is compared, the ratio of ``fig`` to that point's figure of it) for a figure of
    repeat ``u`` (``refs``: quantity -> (earlier point, its figure)); an efficiency against another unit's as energy
    per MAC (a pJ per MVM a tenth of the TOPS/W an earlier point states had passed unsaid, a probe); None: none"""
    if fig.quantity in refs:
        ref, ref_fig = refs[fig.quantity]
        return ref, fig.quantity, _per_op(u, fig) / _per_op(ref, ref_fig)
    other = next((q for q in _EFFICIENCIES if q in refs), None) if fig.quantity in _EFFICIENCIES else None
    if other is None:
        return None
    ref, ref_fig = refs[other]
    return ref, f"energy per MAC (its {fig.quantity}, that point's {other})", _fj_per_mac(u, fig) / _fj_per_mac(
        ref, ref_fig)


def spread_repeats(usable: Iterable[Any], same_config: Callable[[str, MacroPoint, MacroPoint], bool],
                   tolerance: float) -> list[str]:
    """a line for each point of ``usable`` (:class:`.macro_comparison.UsablePoint`) that prices as an earlier point
    of its macro under the same conditions (``same_config(macro key, p, q)``; a repeat: no trend) and yet states a
    figure that a trend against that point would miss by more than ``tolerance`` (an energy per MVM per MAC; an
    efficiency in another unit than the earlier one's as energy per MAC): the model gives both one value, so a
    condition the entry does not state, or the measurements' spread, sets them apart"""
    lines, seen = [], []
    for u in usable:
        earlier = [v for v in seen if v.macro.key == u.macro.key and same_config(u.macro.key, u.point, v.point)
                   and all(u.point.values.get(c) == v.point.values.get(c) for c in UNMODELLED)]
        seen.append(u)
        refs = {f.quantity: (v, f) for v in reversed(earlier) for f in v.figures}  # the first such point's figure
        for fig in u.figures:
            if (found := _repeat_ratio(u, fig, refs)) is None:
                continue
            ref, what, ratio = found
            if abs(miss := fold_error(1.0, ratio)) > tolerance:  # a trend's error: the model's ratio (1) and this one
                lines.append(f"\nRepeat with another figure: '{u.point.label}' of {u.macro.key} prices as "
                             f"'{ref.point.label}' (one configuration, one data condition), yet its {what} "
                             f"is {ratio:.3g}x that point's (a trend between them would miss by "
                             f"{100 * miss:+.1f} %): the model gives both one value, so no trend is formed; "
                             "state the condition that sets them apart, if any.")
    return lines
