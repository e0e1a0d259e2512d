"""The machine-readable forms of a run and of a CIM-versus-baseline comparison (``result.json``, ``report.json``).

Strict JSON carries no NaN/Infinity: a non-finite figure is written as the string "inf", "-inf" or "nan" (an exact
result's SNR is "inf"; the relative error of outputs whose reference is all zero, "inf"), which ``float()`` reads
back; null is kept for a figure that does not apply (a network without classes: its top-1 accuracies). Every output
names the cimsim that wrote it (``cimsim_version``) and, where it prices CIM, the macro alone (``macro``). Files are
written atomically (:func:`write_atomic`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np

from .argcheck import checked_types
from .accuracy import ErrorStats
from .breakdown import Breakdown
from .comparison import MACRO_COMPONENTS, Comparison
from .config.load import config_to_dict
from .config.schema import Config
from .cost import trust
from .inference import NetworkResult
from .mapping import Plan
from .packing import packed_blocks
from .run import RunResult
from .trials import Result, spreads

__all__ = ["run_dict", "comparison_dict", "multi_dict", "to_json", "json_safe", "clipped_fraction", "cimsim_version",
           "macro_dict", "macro_components"]


COUNTS_NOTE = ("counts: the events the arrays performed, measured (macs: the arrays' multiply-accumulate slots, a "
               "transposed conv's inserted zeros included, a grouped conv's its groups' own (not the zeros of its "
               "packed blocks), products run on the vector unit left out; buffer_write_bits: a conv's inputs at "
               "every window, where its tiles are priced writing its map once); cim.macs counts the workload's own "
               "products (arrays and vector unit), and the TOPS/W figures count those")
"""what report.json's ``counts`` hold, beside the cost's MACs (two MAC figures a reader had taken for a mismatch)"""


def json_safe(value):
    """JSON-safe copy: a numpy scalar becomes the Python value it holds, a non-finite float the string "inf", "-inf"
    or "nan" (null had stood for both an infinite error and an exact result's infinite SNR)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def cimsim_version() -> str:
    """the version of the cimsim code that runs (``cimsim.__version__``), written in every JSON output: a checkout on
    the path names its own, installed or not, whatever distribution is installed beside it"""
    from . import __version__

    return __version__


def macro_components(cim: Breakdown) -> list[str]:
    """the macro's components (:data:`MACRO_COMPONENTS`) this design has: those its breakdown prices (a digital
    array has no ADC, an analog one no adder tree)"""
    return [c for c in MACRO_COMPONENTS if c in cim.energy_pj]


def macro_dict(cim: Breakdown) -> dict:
    """The CIM macro alone (arrays and converters, :data:`MACRO_COMPONENTS`), what macro papers quote: its energy,
    pJ, and TOPS/W over the MACs its arrays did (None where it spent nothing)."""
    energy = sum(v for k, v in cim.energy_pj.items() if k in MACRO_COMPONENTS)
    return {"energy_pj": energy, "components": macro_components(cim),
            "tops_per_w": 2.0 * cim.array_macs / energy if energy else None}


def _applies(value: float) -> float | None:
    """a top-1 accuracy, or None where it does not apply (NaN: a network without classes)"""
    return None if math.isnan(value) else value


def to_json(data: dict) -> str:
    return json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n"


def _layer_stats(result: NetworkResult) -> ErrorStats:
    return sum((layer.vs_digital for layer in result.layers), ErrorStats())


def _adc(adc, clipped_fraction: float, plan: Plan) -> dict:
    """the converters' range, step and clipping; null range and step for a digital array, which has no ADC (its adder
    trees' exact sums had been reported as an ADC's full scale)"""
    if not plan.has_adc:
        return {"adc_clipped_fraction": clipped_fraction, "adc_full_scale": None, "adc_lsb": None}
    return {"adc_clipped_fraction": clipped_fraction,
            "adc_full_scale": {"min": float(adc.full_scale.min()), "max": float(adc.full_scale.max())},
            "adc_lsb": {"min": float(adc.lsb.min()), "max": float(adc.lsb.max())}}


def clipped_fraction(layer) -> float:
    """share of a layer's conversions that clipped"""
    return layer.adc_clipped / layer.counts.adc_conversions if layer.counts.adc_conversions else 0.0


def _accuracy(results: tuple[Result, ...]) -> dict:
    """Accuracy of the first trial, and over two or more trials each metric's spread (:meth:`Spread.as_dict`;
    one trial: ``monte_carlo`` null)."""
    result = results[0]
    if isinstance(result, RunResult):
        out = {**result.vs_float.as_dict(),
               "vs_quantized_digital": result.vs_digital.as_dict(),
               "quantized_digital_vs_float": result.digital_vs_float.as_dict(),
               "input_clipped_fraction": result.input_clipped_fraction,
               **_adc(result.adc, result.clipped_fraction, result.plan)}
    else:
        both = _layer_stats(result)
        out = {**{name: _applies(getattr(result, name)) for name in ("float_accuracy", "digital_accuracy",
                                                                      "analog_accuracy")},
               "samples": result.samples, "labelled": result.labelled,
               "outputs_vs_float": result.vs_float.as_dict(),
               "quantized_digital_outputs_vs_float": result.digital_vs_float.as_dict(),
               "relative_error": both.relative_error, "snr_db": both.snr_db,
               "error_of": "every matrix layer's analog products against its exact quantised products",
               "input_clipped_fraction": result.input_clipped_fraction,  # every matrix layer's inputs
               "layers": [{"index": layer.index, **layer.vs_digital.as_dict(),
                           "input_clipped_fraction": layer.input_clipped_fraction,
                           **_adc(layer.adc, clipped_fraction(layer), layer.plan)} for layer in result.layers]}
    out["monte_carlo"] = ({name: spread.as_dict() for name, spread in spreads(results).items()}
                          if len(results) > 1 else None)  # one trial: no spread
    out["of_trial"], out["trials"] = 0, len(results)  # the figures above are the first trial's
    return out


def _plan_dict(p: Plan, stage) -> dict:
    """a layer's mapping; its arrays and copies of the weights (mapping.replication x those chip.balance adds) are
    its CIM stage's where the chip has one a layer (report.md's workload table), else the plan's"""
    return {"in_features": p.in_features, "out_features": p.out_features,
            "arrays": stage.arrays if stage else p.n_arrays, "copies": stage.copies if stage else p.replication,
            "row_tiles": p.row_tiles, "col_tiles": p.col_tiles, "slices": p.n_slices,
            "outputs_per_array": p.outputs_per_array, "input_planes": p.n_planes,
            "reads_per_vector_per_array": p.reads_per_vector, "adcs_per_array": p.adcs_per_array if p.has_adc else 0}


def _mapping(result: Result, stages: tuple) -> dict:
    """the mapping of each matrix layer, with the CIM side's ``stages`` (:func:`_plan_dict`)"""
    layers = [result.plan] if isinstance(result, RunResult) else [layer.plan for layer in result.layers]
    per_layer = stages if len(stages) == len(layers) else (None,) * len(layers)
    if isinstance(result, RunResult):
        return _plan_dict(result.plan, per_layer[0])
    shapes = result.network.matrix_shapes() if result.network is not None else [None] * len(result.layers)
    return {"layers": [{"index": layer.index, **_plan_dict(layer.plan, stage), **_grouped(layer.plan, shape)}
                       for layer, stage, shape in zip(result.layers, per_layer, shapes)]}


def _grouped(p: Plan, shape) -> dict:
    """a grouped matrix's own shape beside its packed block's (:mod:`.packing`: ``in_features`` and the rest are the
    block's), its groups and blocks; nothing for another"""
    if shape is None or shape.groups == 1:
        return {}
    blocks = packed_blocks(p, shape.in_features // shape.groups, shape.groups)
    return {"groups": shape.groups, "packed_blocks": blocks, "matrix_in_features": shape.in_features,
            "matrix_out_features": shape.out_features}


@checked_types
def run_dict(results: tuple[Result, ...], cim: Breakdown) -> dict:
    """What ``cimsim run -o`` writes."""
    counts, programming = results[0].counts, results[0].programming_counts
    return {
        "cimsim_version": cimsim_version(),
        "config": config_to_dict(results[0].config),
        "given_in_memory": given_in_memory(results[0]),
        "source": results[0].config.source,
        "mapping": _mapping(results[0], cim.stages),
        "accuracy": _accuracy(results),
        "item": results[0].item,
        "counts": counts.as_dict(),
        "counts_note": COUNTS_NOTE,
        "programming_counts": programming.as_dict(),
        "cim": cim.as_dict(),
        "macro": macro_dict(cim),
        "validation": trust.family_record(results[0].config),
        "wall_s": sum(r.wall_s for r in results),
        "products": products_path(results[0].config, results[0]),
    }


def products_path(config: Config, result: Result | None = None) -> str:
    """Where this process sends a run's products (the same numbers either way; speed and memory differ): the int8
    units where ``simulation.int8_products`` is "auto", the design's planes may go there (``result``'s first layer:
    :func:`.numerics.products.off_the_units`), onnxruntime is installed and its int8 kernel beats float32 BLAS by
    :data:`~.numerics.int8.MIN_SPEEDUP` here (measured once per process), for the layers whose cells hold integer
    levels; else float32 BLAS, with why. The rule, not a count of this run's layers."""
    from .config.modes import Int8Products
    from .numerics import int8
    from .numerics.products import cell_noise, off_the_units

    plans = [] if result is None else [result.plan] if isinstance(result, RunResult) else [
        layer.plan for layer in result.layers]
    if config.simulation.int8_products != Int8Products.AUTO:
        return "float32 BLAS (simulation.int8_products = \"off\")"
    if plans and (why := off_the_units(plans[0], cell_noise(config.device)) or _off_levels(config, plans)):
        return f"float32 BLAS (no product of this design can run on the int8 units: {why})"
    if not int8.available():
        return ("float32 BLAS (onnxruntime, for the int8 units, is not installed or cannot be imported: pip install "
                "'.[int8]')")
    if not int8.faster():
        try:
            exact = int8.weight_offset() is not None  # probed again where onnxruntime failed (no error is cached)
        except Exception as err:  # onnxruntime's own errors have no common base class
            return f"float32 BLAS (onnxruntime failed: {err})"
        return (f"float32 BLAS (onnxruntime's int8 kernel is not {int8.MIN_SPEEDUP}x float32 here"
                + (")" if exact else ": no exact int8 form on this CPU)"))
    return (f"int8 units (onnxruntime MatMulInteger, at least {int8.MIN_SPEEDUP}x float32 here) for the layers whose "
            "cells hold integer levels in [-128, 127] (no programming error, drift or IR drop), for the products of "
            f"row groups at least {int8.MIN_SIDE} x {int8.MIN_SIDE} that hold at least {int8.ALWAYS_CELLS} cells or "
            f"multiply at least {int8.MIN_MACS} plane-row MACs in one product (the rows a worker thread multiplies "
            "at once: its share of a simulation.batch_size chunk); float32 BLAS for the others")


def _off_levels(config: Config, plans: list) -> str | None:
    """why no layer of ``plans`` is compacted to int8 codes (:func:`.numerics.int8.compact`): cells off their integer
    levels (drift only after its reference time), levels past int8 (:func:`.numerics.int8_fit.levels_fit`), or no row
    group :data:`~.numerics.int8.MIN_SIDE` rows and columns wide (probes: each had been said to run on the units);
    else None"""
    from .numerics.int8 import MIN_SIDE
    from .cell_levels import reads_drift
    from .numerics.int8_fit import levels_fit

    device = config.device
    if device.program_sigma or reads_drift(device) or config.array.wire_resistance_ohm:
        return "its cells hold no integer levels (programming error, drift or IR drop)"
    if not any(levels_fit(p) for p in plans):
        return (f"its columns' levels pass int8's -128 to 127 (a column's top level: "
                f"{min(p.top_column_level for p in plans)})")
    if not any(p.converted_cols(p.out_features) >= MIN_SIDE and any(b - a >= MIN_SIDE for a, b in p.conversion_groups())
               for p in plans):  # a layer's columns: its product matrix's (an array's narrower ones are compacted)
        return f"no layer has a row group of {MIN_SIDE} rows and {MIN_SIDE} converted columns"
    return None


def given_in_memory(result: Result) -> list[str]:
    """What a run took from memory, not from its config ("weights", "inputs", "network"): the config written beside
    it does not describe those data, and running it again would not use them."""
    if isinstance(result, RunResult):
        return list(result.given)
    return [name for name, given in (("network", result.network_given), ("inputs", result.inputs_given)) if given]


@checked_types
def comparison_dict(comp: Comparison) -> dict:
    """What ``cimsim compare`` writes to report.json."""
    counts, programming = comp.run.counts, comp.run.programming_counts
    return {
        "cimsim_version": cimsim_version(),
        "name": comp.run.config.name,
        "source": comp.run.config.source,
        "config": config_to_dict(comp.run.config),
        "given_in_memory": given_in_memory(comp.run),
        "mapping": _mapping(comp.run, comp.cim.stages),
        "accuracy": _accuracy(comp.runs),
        "item": comp.run.item,
        "cim": comp.cim.as_dict(),
        "baseline": comp.baseline.as_dict(),
        "gain": comp.gain,
        "energy_gain_range": comp.energy_gain_range,
        "area_range": comp.area_range,
        "validation": trust.family_record(comp.run.config),
        "macro": macro_dict(comp.cim),
        "including_weight_load": {"cim": comp.cim_with_load.as_dict(), "baseline": comp.baseline_with_load.as_dict(),
                                  "gain": comp.gain_with_load},
        "counts": counts.as_dict(),
        "counts_note": COUNTS_NOTE,
        "programming_counts": programming.as_dict(),
    }


def multi_dict(comps: Sequence[Comparison]) -> dict:
    """report.json of a multi-architecture comparison: every architecture's own report."""
    return {"cimsim_version": cimsim_version(), "architectures": [comparison_dict(c) for c in comps]}
