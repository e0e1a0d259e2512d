"""Published figures of the macros next to cimsim's: absolute and trend cases, and the usability filter.

Every usable published figure is an absolute case (tolerance 15 %); the ratio of a point's figure to an earlier
point's of the same macro is a trend case (tolerance 10 %), the two points paired so that they differ in as few
operating variables as the macro's points allow (:mod:`.macro_trends`). A point that cannot be priced honestly is left
out with its reason (:func:`excluded_points`). ``expected`` of every case is pinned in ``macro_expected.json``
(``benchmarks/validate_published.py --write-expected`` regenerates it after a cost-model change).

A throughput (tops) whose model time per vector is its reads at the stated cycle or clock each, unscaled (the model's
``at_stated_cycle``), is bookkeeping, not a prediction: the figure made of the entry's own fields. It is shown and
held to its tolerance, labelled derived (``bookkeeping``), and counted apart from the predictions' statistics, as
are a trend between two such throughputs and a density (tops_per_mm2) trend between two points whose throughputs are
both derived (over one chip's published area it tests the model's area ratio alone). A throughput the model's
converter speed or supply delay law sets, and every absolute density, is a prediction.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .macro_text import design_cores
from .macro_configs import chip_of, cycle_ns, point_config, point_model, priced_as
from .macro_figures import mvm_mac_bound
from .macro_timing import PULSE_TIMED, derived_miss
from .macro_data import (COMPARED_ENERGIES, CONFIG_FIELDS, ENTRY_LIMITS, MVM_MACS, Macro, MacroPoint, Unusable,
                         cached_per_file, explained_unusable, load_macros, point_exclusion, rounds_to,
                         significant_digits)
from .macro_trends import trend_pairs
from .macro_uiuc import uiuc_figure
from .published import fold_error

__all__ = ["ABSOLUTE_TOLERANCE", "TREND_TOLERANCE", "Figure", "Exclusion", "MacroCase", "published_figures", "survey",
           "excluded_points", "macro_cases", "UsablePoint", "EXPECTED_FILE", "expected_outcomes"]

EXPECTED_FILE = "macro_expected.json"
"""the pinned outcome of every case, shipped in this package"""
ABSOLUTE_TOLERANCE = 0.15
"""largest accepted |fold_error(model, published)| of an absolute figure (:func:`.published.fold_error`)"""
TREND_TOLERANCE = 0.10
"""largest accepted |fold_error(model ratio, published ratio)| between two operating points of one macro"""

# quantity -> (unit, raw field, 1b-normalised field)
_QUANTITIES: dict[str, tuple[str, str | None, str | None]] = {
    "tops_per_w": ("TOPS/W", "tops_per_w", "tops_per_w_1b_norm"), "tops": ("TOPS", "tops", "tops_1b_norm"),
    "tops_per_mm2": ("TOPS/mm2", "tops_per_mm2", "tops_per_mm2_1b_norm"),
    "energy_fj_per_mac": ("fJ/MAC", "energy_fj_per_mac", None), "energy_pj_per_mvm": ("pJ/MVM", None, None),
    "adc_energy_pj": ("pJ/conv", None, None), "area_mm2": ("mm2", "area_mm2", None)}
_CLOCKED = {**dict.fromkeys(("tops", "tops_per_mm2"), "throughput not predictable"),
            "area_mm2": "converters sized for an assumed rate"}
"""figures left out where a point states no clock (or a read pulse, which sets the model's read time), and why"""


@dataclass(frozen=True)
class Figure:
    """One published figure of a point (raw, or derived from a 1b-normalised one)."""

    quantity: str
    unit: str
    value: float
    derived: str = ""
    """how the value was derived from the entry ('' = as published)"""
    macs: int | None = None
    """MACs of the published MVM (energy per MVM): the model's energy per MAC is priced at this count"""
    absolute: bool = True
    """False: held for its trends only (a UIUC density of an unstated area extent, :func:`.per_core_density`)"""


@dataclass(frozen=True)
class Exclusion:
    """A point, or one figure of it, left out of the comparison, and why."""

    macro: str
    label: str
    what: str
    """'point' or the quantity"""
    reason: str


def published_figures(macro: Macro, point: MacroPoint) -> tuple[list[Figure], list[Exclusion]]:
    """The figures of one point that can be compared, and the ones that cannot with the reason."""
    v, figures, out = dict(point.values), [], []  # Figure, Exclusion

    def skip(what: str, reason: str) -> None:
        out.append(Exclusion(macro.key, point.label, what, reason))

    if "doubtful_figure" in v:  # left out with the reason the entry states
        del v[v["doubtful_figure"]]
        skip(v["doubtful_figure"], f"the entry flags the figure as doubtful: {v['doubtful_reason']}")
    cores = design_cores(macro.values)
    for quantity, (unit, raw, norm) in _QUANTITIES.items():
        whole = quantity in ("tops", "area_mm2") and raw in v and (cores or 1) > 1  # UIUC's 1b-TOPS: one core's
        if norm and norm in v and raw in v and not whole:  # (else the UIUC figure is: a chips probe)
            skip(norm, f"UIUC 1b-normalised figure of a point that states its raw {raw}: the raw figure is compared")
        if whole:
            skip(quantity, f"{quantity} of a design of {cores} cores, banks or macros (its cores or notes): the whole "
                           "design's figure, or one of an unstated extent, not one macro's")
        if raw and raw in v and not whole:
            figures.append(Figure(quantity, unit, float(v[raw])))
        elif norm and norm in v:
            raw = uiuc_figure(point.precision, point.fields, v, norm, macro.values.get("uiuc_area_of"), cores)
            if isinstance(raw, str) or raw[2]:  # not recoverable, or held for its trends only
                skip(quantity, raw if isinstance(raw, str) else raw[2])
            if not isinstance(raw, str):
                figures.append(Figure(quantity, unit, raw[0], raw[1], absolute=not raw[2]))
    if "energy_pj" in v:
        per, (conversion, array) = str(v.get("energy_per", "")), COMPARED_ENERGIES
        if per.startswith(conversion) and macro.family == "digital":
            skip("energy_pj", "energy per ADC conversion of a digital macro, which has no ADC")
        elif per.startswith(conversion):
            figures.append(Figure("adc_energy_pj", "pJ/conv", float(v["energy_pj"])))
        elif per.startswith(array):  # at most what the array holds (10**30 of a 256 x 64 array had been priced)
            macs = int(m.group(1)) if (m := MVM_MACS.search(per)) else 0
            if not macs:  # (the model's whole array had been priced: another extent than the chip's, unsaid)
                skip("energy_pj", f"energy per {per!r} without its '(N MACs)': what the MVM covers is not stated")
            elif macs > (bound := mvm_mac_bound(point.fields))[0]:
                skip("energy_pj", f"its MVM of {macs} MACs exceeds {bound[1]}")
            else:
                figures.append(Figure("energy_pj_per_mvm", "pJ/MVM", float(v["energy_pj"]), macs=macs))
        else:
            what = f"energy per {per!r}: what it covers" if "energy_per" in v else "no energy_per: what it covers"
            skip("energy_pj", f"{what} is not stated (rows, columns, precision, cores); compared: energy_per 'one ADC "
                              "conversion' or 'one full-array MVM (N MACs)'")
    for name in ("wl_switching_fj_per_op", "neuron_fj_per_op", "input_pulse_fj_per_op"):
        if name in v:
            skip(name, "component of a measured energy breakdown with no cimsim component of the same extent")
    if "latency_ns" in v:
        skip("latency_ns", "a latency: not compared (what it spans varies by paper; cimsim compares throughput)")
    return figures, out


@dataclass(frozen=True)
class UsablePoint:
    """A point that can be compared, with its published figures and the notes on the defaults its config needed."""

    macro: Macro
    point: MacroPoint
    figures: tuple[Figure, ...]
    notes: tuple[str, ...]


@cached_per_file
def survey(file: str | None = None) -> tuple[tuple[UsablePoint, ...], tuple[Exclusion, ...]]:
    """(every usable point, every point or figure left out with its reason) of the macro file (None: the shipped)"""
    usable, excluded = [], []  # UsablePoint, Exclusion
    for m in load_macros(file):
        for p in m.points:
            reason = point_exclusion(m, p)
            if reason is None:
                try:
                    _, notes = point_config(m.key, p.index, file)
                except Unusable as exc:
                    reason = explained_unusable(m, p, str(exc))
            if reason is not None:
                excluded.append(Exclusion(m.key, p.label, "point", reason))
                continue
            figures, skipped = published_figures(m, p)
            if (clock := cycle_ns(m, p)) is None or (timed := next((n for n in notes if n in PULSE_TIMED), None)):
                why = f"{timed}: " if clock else "no clock or cycle time stated: "  # (a pulse sets the read time)
                skipped += [Exclusion(m.key, p.label, f.quantity, why + _CLOCKED[f.quantity]) for f in figures
                            if f.quantity in _CLOCKED]
                figures = [f for f in figures if f.quantity not in _CLOCKED]
            excluded.extend(skipped)
            if figures:
                usable.append(UsablePoint(m, p, tuple(figures), notes))
            else:
                excluded.append(Exclusion(m.key, p.label, "point", "every figure left out (each one's row says "
                                          "why)" if skipped else "no published figure cimsim computes"))
    return tuple(usable), tuple(excluded)


def excluded_points(file: str | None = None) -> tuple[Exclusion, ...]:
    """Every point or figure of ``file`` left out of the comparison, with its reason."""
    return survey(file)[1]


# ---- cases --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MacroCase:
    """A published figure (absolute) or a ratio of two operating points of one macro (trend) next to cimsim's."""

    key: str
    macro: str
    point: str
    """label of the point (trend: 'point vs reference')"""
    quantity: str
    unit: str
    published: float
    model: float
    tolerance: float
    kind: str
    """'absolute' or 'trend'"""
    source: str
    why: str
    expected: str = ""
    """'pass' or 'gap' as pinned in macro_expected.json ('' when not pinned)"""
    varied: str = ""
    """a trend's operating variables that differ between its two points ('vdd_v', 'input_bits + weight_bits', ...)"""
    bookkeeping: str = ""
    """why the case is derived, not a prediction (module doc), counted apart from the statistics; '' = a prediction"""

    @property
    def error(self) -> float:
        """how far the model misses the published figure (:func:`.published.fold_error`): a 2x miss is +-100 %
        whether the paper gave an energy or an efficiency"""
        return fold_error(self.model, self.published)

    @property
    def passed(self) -> bool:  # a derived figure also where it rounds to the published one's digits (UIUC's 0.01)
        return math.isfinite(self.error) and (abs(self.error) <= self.tolerance or bool(
            self.bookkeeping and self.kind == "absolute" and rounds_to(self.model, self.published)))


def _top(shares: Mapping[str, float]) -> str:
    return ", ".join(f"{k} {100 * v:.0f} %" for k, v in sorted(shares.items(), key=lambda kv: -kv[1])[:3])


def _diagnosis(quantity: str, model: Mapping[str, Any], ratio: float) -> str:
    """what the model's figure is made of, for a case outside its tolerance (``ratio`` = model / published), and
    where silicon's whole energy per conversion (per MAC, over the model's conversions per MAC) is below its ADC's"""
    energy = f"model energy {_top(model['energy_share'])}"
    adc_pj, conversions = model["adc_energy_pj"], model["conversions_per_mac"]
    if conversions and quantity in ("tops_per_w", "energy_fj_per_mac", "energy_pj_per_mvm") and 0 < ratio < math.inf:
        silicon_pj = model["energy_fj_per_mac"] * 1e-3 / conversions * (  # silicon / model energy per MAC
            ratio if quantity == "tops_per_w" else 1.0 / ratio)
        if silicon_pj < adc_pj:  # the converter alone exceeds silicon's whole energy
            energy += (f"; silicon's whole energy per conversion, {silicon_pj:.3g} pJ, is below the model ADC's "
                       f"{adc_pj:.3g} pJ")
    (cycle, per_adc, each_ns), read_ns = model["adc_pace"], model["ns_per_vector"] / model["reads_per_vector"]
    paced = cycle and not model["at_stated_cycle"] and per_adc * each_ns > cycle * (1 + 1e-9)  # the ADCs set it
    converted, references = model["columns_converted"]
    refs = (f", {references} of the {converted} columns converted a read the offset encoding's reference (a cell "
            "that forms the signed product itself states weight_encoding = 'differential')" if references else "")
    time = (f"model {model['reads_per_vector']} reads x {read_ns:.3g} ns per vector of {model['macs_per_vector']} MACs"
            + (f" (each read's {per_adc} conversions per ADC of {each_ns:.3g} ns{refs}: longer than the stated "
               f"{cycle:g} ns cycle)" if paced else ""))
    area = f"model area {model['area_mm2']:.3g} mm2 ({_top(model['area_share'])})"
    return {"tops": time, "tops_per_mm2": f"{time}; {area}", "area_mm2": area, "adc_energy_pj": "model ADC energy per "
            "conversion at the macro's sampling rate"}.get(quantity, energy)


_DERIVED = "derived, counted apart: the model's time per vector is its reads (and tree passes) at the stated cycle"
_DERIVED_TRENDS = {"tops": "derived, counted apart: a ratio of two throughputs, each its reads (passes) at its cycle",
                   "tops_per_mm2": "derived, counted apart: two densities of one chip (one area), each throughput "
                                   "its reads (passes) at the stated cycle: the throughputs' ratio alone"}


def _bookkeeping(quantity: str, model: Mapping[str, Any]) -> str:
    """why a figure ``quantity`` of the model's point ``model`` is bookkeeping, '' for a prediction (module doc)"""
    return _DERIVED if quantity == "tops" and model["at_stated_cycle"] else ""


def _why(u: UsablePoint, fig: Figure, model: Mapping[str, Any], value: float) -> str:
    """what the case is and, outside its tolerance, why: ``value`` the model's figure"""
    derived = _bookkeeping(fig.quantity, model)
    parts = [p for p in (derived, fig.derived) if p] + [f"model energy per MAC x the stated {fig.macs} MACs"] * (
        fig.macs is not None) + ["digitized from a plot"] * ("digitized" in u.point.source) + [
        "one-phase input (one_phase), as priced"] * (u.point.values.get("one_phase") is True)
    if "ops_per_mac" not in u.point.values and fig.quantity in ("tops_per_w", "tops", "tops_per_mm2"):
        parts.append("ops per MAC not stated: 2")
    if u.point.fields.get("data") == "full_scale":
        parts.append("every input and weight at its largest code, as the entry states" + (  # (a note says where not)
            "" if any("priced in part" in note for note in u.notes) else " and cimsim prices it"))
    elif "avg_output_value" in u.point.values:
        parts.append(f"data-dependent (average output {u.point.values['avg_output_value']}); cimsim prices "
                     "uniform codes with every row driven each read (a pulse input: its largest code's pulses)")
    parts.extend(u.notes)
    error = fold_error(value, fig.value)
    if not (math.isfinite(error) and abs(error) <= ABSOLUTE_TOLERANCE):
        parts.append(f"model {'high' if error > 0 else 'low'}: {_diagnosis(fig.quantity, model, value / fig.value)}")
        if derived:  # a figure of one or two digits (UIUC's 0.01 TOPS) is its rounding, not a wrong clock
            rounded = rounds_to(value, fig.value)
            parts.append(f"derived: the model's figure rounds to the published {fig.value:g}, written to "
                         f"{significant_digits(fig.value)} significant digit(s)" if rounded else derived_miss(
                             u.macro, u.point, fig.value,
                             model["macs_per_vector"] / (model["reads_per_vector"] * model["tree_passes"])))
        if u.macro.file is None and u.macro.key in ENTRY_LIMITS:
            parts.append(ENTRY_LIMITS[u.macro.key])
    return "; ".join(parts) if parts else "independent prediction"


@functools.cache
def expected_outcomes() -> Mapping[str, str]:
    """case key -> 'pass' / 'gap', as pinned in ``macro_expected.json`` from a run"""
    return json.loads(resources.files(__package__).joinpath(EXPECTED_FILE).read_text())


@cached_per_file
def _cases(file: str | None) -> tuple[MacroCase, ...]:
    usable, _ = survey(file)
    expected = expected_outcomes() if file is None else {}
    cases: list[MacroCase] = []
    by_macro: dict[str, list[tuple[UsablePoint, Figure, float]]] = {}
    for u in usable:
        model = point_model(u.macro.key, u.point.index, file)
        for fig in u.figures:
            value = float(model[fig.quantity]) if fig.macs is None else model["energy_fj_per_mac"] * fig.macs * 1e-3
            by_macro.setdefault(u.macro.key, []).append((u, fig, value))
            if not fig.absolute:  # held for its trends only
                continue
            key = f"{u.point.key} / {fig.quantity}"
            cases.append(MacroCase(key, u.macro.key, u.point.label, fig.quantity, fig.unit, fig.value, value,
                                   ABSOLUTE_TOLERANCE, "absolute", u.point.source, _why(u, fig, model, value),
                                   expected.get(key, ""), bookkeeping=_bookkeeping(fig.quantity, model)))
    for macro_key, entries in by_macro.items():
        same = functools.partial(priced_as, macro_key, file)
        for quantity in dict.fromkeys(fig.quantity for _, fig, _ in entries):
            held = [e for e in entries if e[1].quantity == quantity]
            for (u, fig, value), (ref_u, ref_fig, ref_value), names in trend_pairs(held, lambda e: e[0].point, same):
                one = chip_of(macro_key, u.point.index, file) == chip_of(macro_key, ref_u.point.index, file)
                both = all(point_model(macro_key, p.point.index, file)["at_stated_cycle"] for p in (u, ref_u)) and (
                    quantity != "tops_per_mm2" or one)  # (a density trend between two chips had been bookkeeping)
                cases.append(_trend(macro_key, u, fig, value, ref_u, ref_fig, ref_value, names, expected,
                                    _DERIVED_TRENDS.get(quantity, "") if both else ""))
    return tuple(cases)


def _trend(macro_key: str, u: UsablePoint, fig: Figure, value: float, ref_u: UsablePoint, ref_fig: Figure,
           ref_value: float, names: tuple[str, ...], expected: Mapping[str, str], derived: str) -> MacroCase:
    """the trend case of ``u``'s figure against ``ref_u``'s, which differ in the operating variables ``names``
    (``derived``: why it is bookkeeping, '' for a prediction)"""
    published, model_ratio = fig.value / ref_fig.value, value / ref_value
    key = f"{macro_key} / {u.point.label} vs {ref_u.point.label} / {fig.quantity}"
    shown = {"data": "uniform"}  # the default a point that states no data condition is priced at
    changed = ", ".join(f"{k} {ref_u.point.fields.get(k, shown.get(k, 'not stated'))} -> "
                        f"{u.point.fields.get(k, shown.get(k, 'not stated'))}" for k in CONFIG_FIELDS
                        if u.point.fields.get(k) != ref_u.point.fields.get(k))
    why = f"ratio to '{ref_u.point.label}' ({changed or 'clock: stated at one, scaled with the supply at the other'})"
    if derived:
        why = f"{derived}; {why}"
    if fig.derived or ref_fig.derived:
        why += "; from UIUC 1b-normalised figures"
    if not abs(fold_error(model_ratio, published)) <= TREND_TOLERANCE:
        why += f"; model ratio {model_ratio:.3g} vs published {published:.3g}"
        if u.macro.file is None and macro_key in ENTRY_LIMITS:
            why += f"; {ENTRY_LIMITS[macro_key]}"
    return MacroCase(key, macro_key, f"{u.point.label} vs {ref_u.point.label}", fig.quantity, "ratio", published,
                     model_ratio, TREND_TOLERANCE, "trend", u.point.source, why, expected.get(key, ""),
                     " + ".join(names), bookkeeping=derived)


def macro_cases(file: str | None = None) -> tuple[MacroCase, ...]:
    """Every absolute and trend case of the macro file ``file`` (None: the shipped one, its cases' outcomes pinned in
    ``macro_expected.json``), in file order (absolute first)."""
    return _cases(file)
