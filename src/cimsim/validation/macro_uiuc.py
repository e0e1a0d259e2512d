"""UIUC 1b-normalised figures (``*_1b_norm``): which of a point's are compared, and what undoes the normalisation.

UIUC's benchmarking database normalises a throughput or efficiency to 1b x 1b operations: 1b-TOPS/W = N_1b / E_core,
N_1b = 2 N N_ADC B_x B_w, its own B_x and B_w. A point states them (``uiuc_b_x``, ``uiuc_b_w``) with such a figure.
B_w is the bits of the weight one ADC's dot product holds: a slice of a wider weight's bits, or one whole weight;
a fractional B_w (1.5: a ternary weight) is a whole weight's, as is any B_w of a weight stated as levels.
Its throughput (1b-TOPS = N_1b / T_core) is one core's whatever the design's N_core; its density (1b-TOPS/mm2)
divides that one core's throughput by an area whose extent it does not state: one core's for some designs, the
whole design's for others (:func:`per_core_density`). How many outputs a point's stated ADCs deliver a read, UIUC's
count or the converters' (:func:`served_outputs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config.schema import Config
from ..mapping import Plan

__all__ = ["NORMALISED", "compared_uiuc", "whole_weight", "uiuc_raw", "per_core_density", "uiuc_figure",
           "served_outputs"]

NORMALISED = {"tops_per_w": "tops_per_w_1b_norm", "tops": "tops_1b_norm", "tops_per_mm2": "tops_per_mm2_1b_norm"}
"""raw figure -> its UIUC 1b-normalised figure"""


def compared_uiuc(values: Mapping[str, Any]) -> tuple[str, ...]:
    """the UIUC figures of a point's own ``values`` that are compared: those whose raw figure the point does not state
    (a stated raw figure is compared in its place), the one flagged doubtful (``doubtful_figure``) left out"""
    stated = {k for k in values if k != values.get("doubtful_figure")}
    return tuple(norm for raw, norm in NORMALISED.items() if norm in stated and raw not in stated)


def whole_weight(fields: Mapping[str, Any], b_w: float | None) -> bool:
    """whether UIUC's B_w ``b_w`` of a point (configuration ``fields``) is one whole weight's bits, one weight per
    ADC's dot product: a weight stated as levels (``weight_levels``) or a fractional B_w (1.5 for a ternary weight,
    no count of weight-bit slices); else B_w may be a slice of the priced weight bits"""
    return b_w is not None and ("weight_levels" in fields or not float(b_w).is_integer())


def uiuc_raw(precision: tuple[int, float] | None, fields: Mapping[str, Any], values: Mapping[str, Any],
             norm: str) -> tuple[float, str] | str:
    """(raw value, how it was derived) of the UIUC figure ``norm`` of a point (pricing ``precision``, configuration
    ``fields``, own ``values``), or the reason it cannot be recovered. The figure is divided by the input and weight
    bits the point is priced at, the weight's by UIUC's B_w where that is one whole weight's (:func:`whole_weight`:
    a ternary weight is 1.5 bits there, the normaliser UIUC applied, not its priced log2(4) = 2). UIUC counts 2
    operations a MAC whatever the paper does: at a point's ``ops_per_mac`` of 1 (the convention its model and its
    raw figures take) the figure is halved (it had been compared at twice its value there)."""
    if precision is None:
        return ("only a 1b-normalised UIUC figure, and the entry states no input and weight precision to undo the "
                "normalisation")
    bx, bw = precision
    if whole_weight(fields, values.get("uiuc_b_w")):
        bw = float(values["uiuc_b_w"])
    ops = float(values.get("ops_per_mac", 2))
    how = f"UIUC 1b-normalised {values[norm]:g} / ({bx} x {bw:g}) bits" + (
        f" x ops_per_mac {ops:g} / UIUC's 2 ops a MAC" if ops != 2 else "")
    return float(values[norm]) / (bx * bw) * ops / 2, how


def per_core_density(area_of: str | None, cores: int) -> tuple[float, str] | str:
    """(factor, how) that makes a UIUC density of a design of ``cores`` cores one core's (the macro the model
    prices), the entry's ``uiuc_area_of`` stating its area's extent ('core': as it is; 'design': one core's
    throughput over the whole design's area, x ``cores``), or why its absolute value cannot be compared (the extent
    not stated): its ratio between two points of the entry still can, the area cancelling"""
    if cores <= 1 or area_of == "core":
        return 1.0, ""
    if area_of == "design":
        return float(cores), (f"published x N_core {cores}: UIUC's density is one core's throughput over the whole "
                              "design's area (uiuc_area_of 'design'); the model's, one core's over that core's area")
    return (f"absolute value left out: the UIUC density of a design of {cores} cores (its cores or notes) is one "
            "core's throughput over an area whose extent UIUC does not state (one core's or the whole design's: the "
            "entry gives no uiuc_area_of); its ratio between two of the entry's points is still compared (the area "
            "cancels)")


def uiuc_figure(precision: tuple[int, float] | None, fields: Mapping[str, Any], values: Mapping[str, Any], norm: str,
                area_of: str | None, cores: int | None) -> tuple[float, str, str] | str:
    """(raw value, how it was derived, why its absolute value is not compared: '' where it is) of the UIUC figure
    ``norm`` of a point (:func:`uiuc_raw`) of a design of ``cores`` cores whose ``uiuc_area_of`` is ``area_of``, a
    density made one core's (:func:`per_core_density`); or the reason it cannot be recovered"""
    raw = uiuc_raw(precision, fields, values, norm)
    if isinstance(raw, str) or norm != NORMALISED["tops_per_mm2"]:
        return raw if isinstance(raw, str) else (*raw, "")
    scale = per_core_density(area_of, cores or 1)
    if isinstance(scale, str):
        return *raw, scale
    return raw[0] * scale[0], "; ".join(filter(None, (raw[1], scale[1]))), ""


def served_outputs(plan: Plan, config: Config, fields: Mapping[str, Any], uiuc_b_w: float | None,
                    notes: list[str]) -> int:
    """The workload's out_features: the outputs one array holds, or fewer where the entry's stated ADCs deliver fewer
    per read (a peak figure counts the dot products its converters deliver), with a note (a digital macro's adcs are its
    adder trees, which sum every output in turn, as ``array.adder_trees`` prices them: all its outputs, the throughput
    the trees'; its workload had been cut to one output a tree, a read's input wires charged to those alone: a config of
    the same chip priced 6-27 % more efficient, a chips probe); the cost model spreads them over the array's ADCs, each
    converting one output's columns (:func:`~cimsim.cost.parameters.conversions_per_adc`); more than it holds, said. A
    UIUC figure (B_w ``uiuc_b_w``) counts N_ADC dot products of B_w weight bits an invocation (N_1b = 2 N N_ADC B_x
    B_w): N_ADC x B_w / weight_bits outputs, or N_ADC where B_w is one whole weight's (ternary)."""
    if "adcs" not in fields or not plan.has_adc:
        return plan.outputs_per_array
    adcs = int(fields["adcs"])
    if whole_weight(fields, uiuc_b_w):
        served, what = adcs, f"UIUC counts an invocation (N_ADC {adcs}, each of one whole {uiuc_b_w:g}-bit weight)"
    elif uiuc_b_w is not None:
        served = int(adcs * uiuc_b_w) // config.mapping.weight_bits
        what = f"UIUC counts an invocation (N_ADC {adcs} x B_w {uiuc_b_w:g} / {config.mapping.weight_bits} weight bits)"
    else:
        served, what = adcs * config.adc.cols_per_adc // plan.converted_cols_per_output, f"its {adcs} ADCs convert"
    if served > plan.outputs_per_array:
        notes.append(f"{served} outputs {what} per read, but its {plan.cols} columns hold {plan.outputs_per_array} "
                     "(the weights' columns and any reference columns): those priced")
    if served >= plan.outputs_per_array:
        return plan.outputs_per_array
    notes.append(f"workload of the {max(1, served)} outputs {what} per read (of the {plan.outputs_per_array} its "
                 f"{plan.cols} columns hold)")
    return max(1, served)
