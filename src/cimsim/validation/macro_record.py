"""The validation record reports quote: per family of the published macros, how far the model's figures are from
silicon (``validation/record.json``, written by ``benchmarks/validate_published.py --write``; read by
:mod:`cimsim.cost.trust`)."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable

from .macro_comparison import ABSOLUTE_TOLERANCE, TREND_TOLERANCE, MacroCase, macro_cases
from .macro_data import load_macros

__all__ = ["FIGURE_KINDS", "figure_kind", "measured_over_model", "measured_over_model_quartiles",
           "macro_medians_quartiles", "ratio_quartiles", "trends_by_variable", "records_by_family",
           "records_by_family_json"]


FIGURE_KINDS = {"tops_per_w": "energy", "energy_fj_per_mac": "energy", "energy_pj_per_mvm": "energy",
                "adc_energy_pj": "converter", "tops": "throughput", "tops_per_mm2": "density", "area_mm2": "area"}
"""the figure of a design each quantity checks: the macro's energy per operation (a TOPS/W is one; a converter's
energy per conversion, one component's, is not: the record's energy quartiles scale a whole macro's energy)"""


def figure_kind(quantity: str) -> str:
    """which figure of a design a quantity checks: 'energy' (per operation, or an efficiency), 'converter' (one ADC
    conversion's energy), 'throughput' (tops), 'density' (tops_per_mm2), 'area' (area_mm2), or 'other' for a
    quantity not in :data:`FIGURE_KINDS` (never taken for an energy)"""
    return FIGURE_KINDS.get(quantity, "other")


def measured_over_model(c: MacroCase) -> float:
    """the silicon's figure over the model's: energy per operation (of an efficiency, the model's over the
    published one), compute density, throughput"""
    return c.model / c.published if c.quantity == "tops_per_w" else c.published / c.model


def measured_over_model_quartiles(cases: Iterable[MacroCase]) -> list[float]:
    """[lower quartile, median, upper quartile] of silicon / model over ``cases`` (absolute cases, at least one; 3
    significant digits): which way the model errs and how far"""
    return ratio_quartiles([measured_over_model(c) for c in cases])


def macro_medians_quartiles(cases: Iterable[MacroCase]) -> list[float]:
    """[lower quartile, median, upper quartile] over the macros of ``cases`` of each macro's median silicon / model
    (3 significant digits): one value per chip, so a long sweep of one chip counts once, as a new chip would"""
    ratios: dict[str, list[float]] = {}
    for c in cases:
        ratios.setdefault(c.macro, []).append(measured_over_model(c))
    return ratio_quartiles([math.exp(statistics.median(map(math.log, v))) for v in ratios.values()])


def ratio_quartiles(ratios: list[float]) -> list[float]:
    """[lower quartile, median, upper quartile] of positive ratios (3 significant digits), interpolated between
    neighbours geometrically, as ratios compose: the middle of 0.37x and 3.6x is 1.15x, not 2x (a chips probe)"""
    logs = [math.log(r) for r in ratios]
    quartiles = statistics.quantiles(logs, n=4, method="inclusive") if len(logs) > 1 else logs * 3
    return [float(f"{math.exp(q):.3g}") for q in quartiles]


def trends_by_variable(cases: Iterable[MacroCase]) -> dict:
    """Per operating variable (:func:`.macro_trends.varied`'s names: vdd_v, input_bits, clock, ...), the trend cases
    that vary it, alone or with others, and (``"alone"``) those that vary it alone, which a sweep along it asks (a
    trend of input bits and clock together is no evidence on the clock alone: a chips probe): how many, how many
    within tolerance, on how many macros, their median |error|"""
    by_variable: dict[str, list[MacroCase]] = {}
    for c in cases:
        if c.kind == "trend":
            for variable in c.varied.split(" + "):
                by_variable.setdefault(variable, []).append(c)
    return {v: {**_trend_counts(t), "alone": _trend_counts([c for c in t if c.varied == v])}
            for v, t in sorted(by_variable.items())}


def _trend_counts(trends: list[MacroCase]) -> dict:
    """how many ``trends``, how many within tolerance, on how many macros, their median |error| (None: no trend)"""
    return {"cases": len(trends), "within": sum(c.passed for c in trends), "macros": len({c.macro for c in trends}),
            "median_abs_error": round(statistics.median(abs(c.error) for c in trends), 4) if trends else None}


def records_by_family(cases: Iterable[MacroCase] | None = None) -> dict:
    """Per entry family of the shipped macros: macros, the nodes their points span (nm), and per kind of figure
    (energy, density, throughput, area) the absolute cases, their median |error|, how many are within tolerance,
    the quartiles of silicon / model (energy per operation, density, throughput: which way and how far the model
    errs) over the cases and over the macros' medians (:func:`macro_medians_quartiles`, with the macros that have
    such figures), and the trends and how many are within tolerance; and the trends by operating variable over all
    families (:func:`trends_by_variable`): what reports quote (``cimsim.cost.trust``). Predictions only: a case
    derived from the stated cycle (``bookkeeping``, :mod:`.macro_comparison`) is no evidence of the model and is
    left out."""
    cases = tuple(c for c in (macro_cases() if cases is None else cases) if not c.bookkeeping)
    macros = {m.key: m for m in load_macros()}
    record: dict = {}
    for fam in sorted({macros[c.macro].family for c in cases}):
        own = [c for c in cases if macros[c.macro].family == fam]
        nodes = [float(p.values.get("node_nm", macros[k].values.get("node_nm", 0))) for k in {c.macro for c in own}
                 for p in macros[k].points]
        entry: dict = {"macros": len({c.macro for c in own}), "nodes_nm": [min(nodes), max(nodes)]}
        for kind in ("energy", "density", "throughput", "area"):
            a = [c for c in own if c.kind == "absolute" and figure_kind(c.quantity) == kind]
            if a:
                median = round(statistics.median(abs(c.error) for c in a), 4)
                entry[kind] = {"cases": len(a), "median_abs_error": median, "within": sum(c.passed for c in a),
                               "measured_over_model": measured_over_model_quartiles(a),
                               "macros": len({c.macro for c in a}),
                               "macro_medians_over_model": macro_medians_quartiles(a)}
        t = [c for c in own if c.kind == "trend"]
        entry["trends"] = {"cases": len(t), "within": sum(c.passed for c in t)}
        record[fam] = entry
    return {"absolute_tolerance": ABSOLUTE_TOLERANCE, "trend_tolerance": TREND_TOLERANCE, "families": record,
            "trends_by_variable": trends_by_variable(cases)}


def records_by_family_json(cases: Iterable[MacroCase] | None = None) -> str:
    """The text of ``validation/record.json`` (:func:`records_by_family`), held equal to a run by the tests"""
    return json.dumps(records_by_family(cases), indent=1) + "\n"
